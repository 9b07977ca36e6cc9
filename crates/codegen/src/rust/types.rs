//! `types.rs`: every spec type in spec order (ids, constrained strings, enums, records, unions).

use handshake_spec::model::{
    EnumValue, Field, Meta, Primitive, StringConstraints, TypeDef, TypeKind, TypeRef, Union,
};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::{doc, field_ident, field_rename, ident, module_doc, rust_type, variant_ident};
use crate::CodegenError;
use crate::ir::{Ir, TypeEvolution, TypeId};
use crate::names::snake_case;

/// The head of `types.rs`: the module docs, the imports and the spec's identity constants.
pub(super) fn header(ir: &Ir<'_>) -> TokenStream {
    let header = module_doc(&[
        "Types of the AI Job Model (§2.6.6), one per spec declaration, in spec order.",
        "",
        "Every item names the Master Spec clause it implements; `Decision:` paragraphs record what the",
        "spec left open. Edit `spec/*.yaml` and run `cargo xtask codegen` instead of editing this file.",
    ]);
    let name = &ir.spec.name;
    let version = &ir.spec.version;
    let master_spec = &ir.spec.master_spec;
    quote! {
        #header
        use schemars::JsonSchema;
        use serde::{Deserialize, Serialize};

        /// Machine name of the spec these types were generated from (`spec:` in `spec/handshake.yaml`).
        pub const SPEC_NAME: &str = #name;
        /// Version of the spec these types were generated from (`version:` in `spec/handshake.yaml`).
        pub const SPEC_VERSION: &str = #version;
        /// The Master Spec version this spec implements (`master_spec:` in `spec/handshake.yaml`).
        pub const MASTER_SPEC: &str = #master_spec;
    }
}

/// The items of `types` (a run of `spec.types`, in spec order); `types.rs` is [`header`]
/// followed by the items of every type.
pub(super) fn items(ir: &Ir<'_>, types: &[TypeId]) -> Result<TokenStream, CodegenError> {
    let mut items = TokenStream::new();
    for &id in types {
        let type_def = ir.def(id);
        items.extend(type_def_tokens(ir, id, type_def)?);
        // `renamed_from:` on the type: code written against the old name keeps compiling, and
        // is told the new one.
        if let Some(from) = ir.evolution(id).renamed_from {
            let old = ident(from, &type_def.meta)?;
            let new = ident(&type_def.name, &type_def.meta)?;
            let doc = format!(
                " The name of [`{}`] before it was renamed (`renamed_from`).",
                type_def.name
            );
            let note = format!("renamed to {}", type_def.name);
            items.extend(quote! {
                #[doc = #doc]
                #[deprecated(note = #note)]
                pub type #old = #new;
            });
        }
    }
    Ok(items)
}

fn type_def_tokens(
    ir: &Ir<'_>,
    id: TypeId,
    type_def: &TypeDef,
) -> Result<TokenStream, CodegenError> {
    let evolution = ir.evolution(id);
    match &type_def.kind {
        TypeKind::Id => id_type(type_def),
        TypeKind::String(constraints) => string_type(type_def, constraints),
        TypeKind::Enum(values) => enum_type(evolution, type_def, values),
        TypeKind::Record(record) => record_type(ir, evolution, type_def, &record.fields),
        TypeKind::Union(union) => union_type(ir, type_def, union),
    }
}

/// `kind: id`: a transparent UUID newtype; new ids are UUIDv7 (time-ordered, index friendly).
fn id_type(type_def: &TypeDef) -> Result<TokenStream, CodegenError> {
    let name = ident(&type_def.name, &type_def.meta)?;
    let docs = doc(&type_def.meta);
    Ok(quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct #name(#[serde(deserialize_with = "crate::serde_support::exact")] pub uuid::Uuid);

        impl #name {
            /// A new, time-ordered id (UUIDv7): ids sort by creation time and index well.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> &uuid::Uuid {
                &self.0
            }
        }

        impl Default for #name {
            /// Same as [`Self::new`]: a fresh id, never the nil UUID.
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for #name {
            type Err = uuid::Error;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(value).map(Self)
            }
        }

        impl From<uuid::Uuid> for #name {
            fn from(value: uuid::Uuid) -> Self {
                Self(value)
            }
        }

        impl From<#name> for uuid::Uuid {
            fn from(value: #name) -> Self {
                value.0
            }
        }
    })
}

/// `kind: string`: a newtype over `String` that is valid by construction, deserialization included.
fn string_type(
    type_def: &TypeDef,
    constraints: &StringConstraints,
) -> Result<TokenStream, CodegenError> {
    // The loader's `S0208` refuses what the generated code could not honour: a pattern the
    // `regex` crate cannot compile (the same crate, so `PATTERN`'s `expect` never fires), bounds
    // that exclude every value, and an example that violates them.
    let name = ident(&type_def.name, &type_def.meta)?;
    let name_text = &type_def.name;
    let docs = doc(&type_def.meta);
    let description = super::doc_text(&type_def.meta);

    let mut schema_items = Vec::new();
    let mut consts = Vec::new();
    let mut checks = Vec::new();
    if constraints.min_length.is_some() || constraints.max_length.is_some() {
        checks.push(quote! {
            let length = u64::try_from(value.chars().count()).unwrap_or(u64::MAX);
        });
    }
    if let Some(min) = constraints.min_length {
        let min = Literal::u64_unsuffixed(min);
        schema_items.push(quote! { "minLength": #min });
        consts.push(quote! {
            /// Minimum length in characters (Unicode scalar values, as JSON Schema counts).
            pub const MIN_LENGTH: u64 = #min;
        });
        checks.push(quote! {
            if length < Self::MIN_LENGTH {
                return Err(crate::ValueError::TooShort { type_name: #name_text, value, min: Self::MIN_LENGTH, actual: length });
            }
        });
    }
    if let Some(max) = constraints.max_length {
        let max = Literal::u64_unsuffixed(max);
        schema_items.push(quote! { "maxLength": #max });
        consts.push(quote! {
            /// Maximum length in characters (Unicode scalar values, as JSON Schema counts).
            pub const MAX_LENGTH: u64 = #max;
        });
        checks.push(quote! {
            if length > Self::MAX_LENGTH {
                return Err(crate::ValueError::TooLong { type_name: #name_text, value, max: Self::MAX_LENGTH, actual: length });
            }
        });
    }
    if let Some(pattern) = &constraints.pattern {
        schema_items.push(quote! { "pattern": #pattern });
        consts.push(quote! {
            /// The pattern every value matches, from the spec.
            pub const PATTERN: &'static str = #pattern;
        });
        let expect = format!("the pattern of {name_text} was compiled by the generator");
        checks.push(quote! {
            static PATTERN: std::sync::LazyLock<regex::Regex> =
                std::sync::LazyLock::new(|| regex::Regex::new(#name::PATTERN).expect(#expect));
            if !PATTERN.is_match(&value) {
                return Err(crate::ValueError::PatternMismatch { type_name: #name_text, value, pattern: Self::PATTERN });
            }
        });
    }
    if let Some(example) = &constraints.example {
        consts.push(quote! {
            /// An example value from the spec (valid: the generator checked it).
            pub const EXAMPLE: &'static str = #example;
        });
    }
    let new_doc = if checks.is_empty() {
        quote! { #[doc = " Wraps `value`; this type has no constraints, so it never fails."] }
    } else {
        quote! { #[doc = " Validates `value` against the spec's constraints: length first, then pattern."] }
    };

    Ok(quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct #name(String);

        impl #name {
            #(#consts)*

            #new_doc
            pub fn new(value: impl Into<String>) -> Result<Self, crate::ValueError> {
                let value = value.into();
                #(#checks)*
                Ok(Self(value))
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value as an owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for #name {
            type Error = crate::ValueError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<#name> for String {
            fn from(value: #name) -> Self {
                value.0
            }
        }

        impl std::str::FromStr for #name {
            type Err = crate::ValueError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::new(value)
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Written out rather than derived: with `serde(try_from, into)` the derive describes a
        // plain `String` and drops the pattern and lengths.
        impl JsonSchema for #name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(#name_text)
            }

            fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": #description,
                    #(#schema_items,)*
                })
            }
        }
    })
}

/// `kind: enum` (and the lifecycle's state enum): a unit enum with explicit wire names.
///
/// A removed value declared `read_alias: true` (or the old name of a value's `renamed_from:`) is
/// read as the value it maps to, by serde (`alias`) and by `FromStr`; it is never written.
fn enum_type(
    evolution: &TypeEvolution<'_>,
    type_def: &TypeDef,
    values: &[EnumValue],
) -> Result<TokenStream, CodegenError> {
    // An enum without values is the loader's `S0207` (the lifecycle's, `S0411`).
    let name = ident(&type_def.name, &type_def.meta)?;
    let name_text = &type_def.name;
    let docs = doc(&type_def.meta);
    let mut variants = Vec::new();
    let mut idents = Vec::new();
    let mut wire_names = Vec::new();
    let mut alias_arms = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let variant = variant_ident(&value.name, &value.meta)?;
        let wire = &value.name;
        let value_docs = doc(&value.meta);
        let aliases: Vec<&str> = evolution
            .read_aliases_of(index)
            .iter()
            .map(|r| r.value.as_str())
            .collect();
        let alias_doc = (!aliases.is_empty()).then(|| {
            let text = format!(
                " Also read from the removed value(s) {} (`read_alias`), never written.",
                aliases
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            quote! { #[doc = ""] #[doc = #text] }
        });
        for alias in &aliases {
            alias_arms.push(quote! { #alias => Ok(Self::#variant), });
        }
        variants.push(quote! {
            #value_docs
            #alias_doc
            #[serde(rename = #wire #(, alias = #aliases)*)]
            #variant
        });
        idents.push(variant);
        wire_names.push(wire.as_str());
    }
    let count = Literal::usize_unsuffixed(values.len());
    Ok(quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum #name {
            #(#variants,)*
        }

        impl #name {
            /// Every value, in spec order.
            pub const ALL: [Self; #count] = [#(Self::#idents),*];

            /// Every wire name, in spec order.
            pub const NAMES: [&'static str; #count] = [#(#wire_names),*];

            /// The wire name of this value (snake_case, identical in every target).
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(Self::#idents => #wire_names,)*
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for #name {
            type Err = crate::ValueError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    #(#wire_names => Ok(Self::#idents),)*
                    #(#alias_arms)*
                    _ => Err(crate::ValueError::UnknownEnumValue {
                        type_name: #name_text,
                        value: value.to_owned(),
                        expected: &Self::NAMES,
                    }),
                }
            }
        }
    })
}

/// `kind: record`: a struct refusing unknown fields; optional fields are `Option` or defaulted.
fn record_type(
    ir: &Ir<'_>,
    evolution: &TypeEvolution<'_>,
    type_def: &TypeDef,
    fields: &[Field],
) -> Result<TokenStream, CodegenError> {
    let name = ident(&type_def.name, &type_def.meta)?;
    let docs = doc(&type_def.meta);
    let mut default_fns = Vec::new();
    let owner = Owner {
        snake: snake_case(&type_def.name),
        label: type_def.name.clone(),
    };
    let members = field_tokens(ir, &owner, fields, Some(evolution), &mut default_fns)?;
    let wire_name = &type_def.name;
    Ok(quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(remote = "Self", deny_unknown_fields)]
        #[schemars(rename = #wire_name)]
        pub struct #name {
            #(#members,)*
        }

        crate::serde_support::objects_only!(#name);

        #(#default_fns)*
    })
}

/// `kind: union`: an internally tagged enum, `{"<tag>": "<variant>", ...fields}`.
fn union_type(ir: &Ir<'_>, type_def: &TypeDef, union: &Union) -> Result<TokenStream, CodegenError> {
    // A union without variants is the loader's `S0207`; the synthesized `JobInputs` and
    // `JobOutputs` exist only when a profile names a record for them (`S1005`).
    let name = ident(&type_def.name, &type_def.meta)?;
    let tag = &union.tag;
    let wire_name = &type_def.name;
    let docs = doc(&type_def.meta);
    let mut default_fns = Vec::new();
    let mut variants = Vec::new();
    // A variant field named like the tag is the loader's S-code refusal
    // (`VariantFieldNamedLikeTag`); it never reaches a target.
    for variant in &union.variants {
        let variant_name = variant_ident(&variant.name, &variant.meta)?;
        let wire = &variant.name;
        let variant_docs = doc(&variant.meta);
        let owner = Owner {
            snake: format!("{}_{}", snake_case(&type_def.name), variant.name),
            label: format!("{}::{}", type_def.name, variant_name),
        };
        // A variant field is never renamed (`renamed_from:` there is the loader's S1301).
        let members = field_tokens(ir, &owner, &variant.fields, None, &mut default_fns)?;
        variants.push(quote! {
            #variant_docs
            #[serde(rename = #wire)]
            #variant_name {
                #(#members,)*
            }
        });
    }
    Ok(quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(remote = "Self", tag = #tag, deny_unknown_fields)]
        #[schemars(rename = #wire_name)]
        pub enum #name {
            #(#variants,)*
        }

        crate::serde_support::objects_only!(#name);

        #(#default_fns)*
    })
}

/// Who owns a list of fields: a record, or one variant of a union.
struct Owner {
    /// Prefix of default function names, e.g. `task` or `shape_circle`.
    snake: String,
    /// How docs name it, e.g. `Task` or `Shape::Circle`.
    label: String,
}

/// Fields of a record (public, with the record's `evolution`) or of a union variant (`None`);
/// default functions go to `default_fns`.
fn field_tokens(
    ir: &Ir<'_>,
    owner: &Owner,
    fields: &[Field],
    evolution: Option<&TypeEvolution<'_>>,
    default_fns: &mut Vec<TokenStream>,
) -> Result<Vec<TokenStream>, CodegenError> {
    let visibility = if evolution.is_some() {
        quote! { pub }
    } else {
        quote! {}
    };
    let mut members = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let name = field_ident(&field.name, &field.meta)?;
        let ty = rust_type(&field.ty, &field.meta)?;
        let docs = doc(&field.meta);
        let rename = field_rename(&field.name);
        // `renamed_from:` on a record's field: old records still parse (serde `alias`); the
        // field is written under its new name only.
        let alias = evolution
            .and_then(|evolution| evolution.field(index).renamed_from)
            .map(|from| {
                let text = format!(
                    " Read from `{from}` too, its name before (`renamed_from`); written as `{}`.",
                    field.name
                );
                quote! { #[doc = ""] #[doc = #text] #[serde(alias = #from)] }
            });
        let docs = quote! { #docs #rename #alias };
        // A UUID or a number anywhere in the type is read by `serde_support::exact`.
        let exact = holds_exact_leaf(&field.ty);
        let read = if exact {
            quote! { #[serde(deserialize_with = "crate::serde_support::exact")] }
        } else {
            quote! {}
        };
        let present = if exact {
            "crate::serde_support::present_exact"
        } else {
            "crate::serde_support::present"
        };
        let member = match (&field.default, field.required) {
            (_, true) => quote! { #docs #read #visibility #name: #ty },
            (None, false) => quote! {
                #docs
                #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = #present)]
                #visibility #name: Option<#ty>
            },
            (Some(default), false) => {
                let function = format_ident!("default_{}_{}", owner.snake, field.name);
                let path = function.to_string();
                let value = default_expr(ir, &field.ty, default, &field.meta)?;
                let function_doc = format!(
                    " Default of `{}.{}` when absent: `{default}`.",
                    owner.label, field.name
                );
                default_fns.push(quote! {
                    #[doc = #function_doc]
                    fn #function() -> #ty {
                        #value
                    }
                });
                quote! {
                    #docs
                    #[serde(default = #path)]
                    #read
                    #visibility #name: #ty
                }
            }
        };
        members.push(member);
    }
    Ok(members)
}

/// Whether a field's type holds a `uuid`, `integer`, `uint` or `number` (directly, or as the items
/// of lists and maps): serde's own impls read those more loosely than the wire contract, or, for
/// a number inside an internally tagged union, cannot read serde_json's exact form back
/// (`serde_support::Exact`).
fn holds_exact_leaf(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(primitive) => matches!(
            primitive,
            Primitive::Uuid | Primitive::Integer | Primitive::UnsignedInteger | Primitive::Number
        ),
        TypeRef::List(item) | TypeRef::Map(item) => holds_exact_leaf(item),
        TypeRef::Named(_) => false,
    }
}

/// A Rust expression for a field default. The loader's `S0801` guarantees the value fits the
/// field's type (an `integer` default is an `i64`, a `uint` one a `u64`, a `number` one a finite
/// `f64`, an enum default one of its values, and so on), so this only chooses a spelling:
/// scalars, enums, lists and maps become literal Rust; anything else (ids, timestamps, UUIDs,
/// `json`, records, unions) is parsed from its JSON text through the type's own `Deserialize`,
/// so it is validated exactly like input would be, and so is any value without a literal form.
fn default_expr(
    ir: &Ir<'_>,
    ty: &TypeRef,
    value: &Value,
    meta: &Meta,
) -> Result<TokenStream, CodegenError> {
    if let TypeRef::Primitive(primitive) = ty {
        let literal = match primitive {
            Primitive::Integer => value.as_i64().map(Literal::i64_unsuffixed),
            Primitive::UnsignedInteger => value.as_u64().map(Literal::u64_unsuffixed),
            Primitive::Number => value
                .as_f64()
                .filter(|number| number.is_finite())
                .map(Literal::f64_unsuffixed),
            _ => None,
        };
        if let Some(literal) = literal {
            return Ok(quote! { #literal });
        }
    }
    Ok(match (ty, value) {
        (TypeRef::Primitive(Primitive::String), Value::String(text)) => {
            quote! { String::from(#text) }
        }
        (TypeRef::Primitive(Primitive::Boolean), Value::Bool(flag)) => quote! { #flag },
        (TypeRef::List(_), Value::Array(items)) if items.is_empty() => quote! { Vec::new() },
        (TypeRef::List(item), Value::Array(items)) => {
            let items = items
                .iter()
                .map(|v| default_expr(ir, item, v, meta))
                .collect::<Result<Vec<_>, _>>()?;
            quote! { vec![#(#items),*] }
        }
        (TypeRef::Map(_), Value::Object(entries)) if entries.is_empty() => {
            quote! { std::collections::BTreeMap::new() }
        }
        (TypeRef::Map(item), Value::Object(entries)) => {
            let mut pairs = Vec::new();
            for (key, v) in entries {
                let v = default_expr(ir, item, v, meta)?;
                pairs.push(quote! { (String::from(#key), #v) });
            }
            quote! { std::collections::BTreeMap::from([#(#pairs),*]) }
        }
        (TypeRef::Named(name), Value::String(text)) => match ir.kind_of(ty) {
            Some(TypeKind::Enum(_)) => {
                let type_name = ident(name, meta)?;
                let variant = variant_ident(text, meta)?;
                quote! { #type_name::#variant }
            }
            Some(TypeKind::String(_)) => {
                let type_name = ident(name, meta)?;
                let expect = format!("the spec default {value} is a valid {name}");
                quote! { #type_name::new(#text).expect(#expect) }
            }
            _ => json_parse_expr(ty, value, meta)?,
        },
        _ => json_parse_expr(ty, value, meta)?,
    })
}

/// `serde_json::from_str::<T>("<json>")`: for defaults that have no literal Rust spelling.
fn json_parse_expr(ty: &TypeRef, value: &Value, meta: &Meta) -> Result<TokenStream, CodegenError> {
    let rust = rust_type(ty, meta)?;
    let json = value.to_string();
    let expect = format!("the spec default {json} is a valid {ty}");
    Ok(quote! { serde_json::from_str::<#rust>(#json).expect(#expect) })
}
