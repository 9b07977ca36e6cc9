//! Rust target: the model crate's `generated/` modules (`types.rs`, `lifecycle.rs`, `errors.rs`, and
//! `profiles.rs` when the spec declares profiles, and `registry.rs`).
//!
//! Code is built as tokens with `quote!`, parsed with `syn` and printed with `prettyplease`, so
//! the output is valid Rust by construction and byte-identical on every machine (no rustfmt
//! involved). Spec text (descriptions, decisions, messages, patterns) only ever enters the output
//! as string literals or doc attributes built by `quote`, never pasted into source text, so no
//! spec content can change the meaning of the generated code.
//!
//! The generated modules lean on two hand-written support types of the model crate:
//! `crate::Timestamp` (the `timestamp` primitive) and `crate::ValueError` (why a string was refused
//! by an enum parser or a constrained string). Their names are reserved: see [`RESERVED_NAMES`].

mod errors;
mod lifecycle;
mod profiles;
mod registry;
mod types;
mod validators;

use handshake_spec::model::{Meta, Primitive, Spec, TypeRef};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Ir, TypeId};
use crate::{CodegenError, GeneratedFile, marker, parallel};

/// The spec source named in every generated Rust file's marker line.
const SOURCE: &str = "spec/handshake.yaml";

/// Names the generated or hand-written Rust code already uses unqualified; a spec type or error
/// with one of these names would shadow it or fail to compile. The list is this target's, kept
/// beside the loader so the loader refuses the same names at the declaration.
pub use handshake_spec::reserved::rust::USED_NAMES as RESERVED_NAMES;

/// Generate `types.rs`, `lifecycle.rs` and `errors.rs` under `spec.outputs.rust`, in that order.
///
/// Building, parsing and printing the Rust is most of codegen's time, so the files are printed
/// on all cores (codegen's one pool, `crate::parallel`): `types.rs` in chunks of 24 types, every
/// other file whole, `validate.rs` first. The output does not depend on how the work was split.
pub fn generate(spec: &Spec) -> Result<Vec<GeneratedFile>, CodegenError> {
    generate_with(&Ir::new(spec))
}

/// [`generate`] from the resolved spec.
pub fn generate_with(ir: &Ir<'_>) -> Result<Vec<GeneratedFile>, CodegenError> {
    generate_in_pieces(ir, TYPES_PER_PIECE)
}

/// [`generate`], printing `types.rs` in pieces of `types_per_piece` types.
fn generate_in_pieces(
    ir: &Ir<'_>,
    types_per_piece: usize,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let (pieces, layout) = pieces(ir, types_per_piece)?;
    layout.assemble(parallel::run(pieces))
}

/// Where each printed piece goes: the paths of the files and how many `types.rs` chunks there are.
pub(crate) struct Layout {
    chunks: usize,
    types_path: String,
    lifecycle_path: String,
    errors_path: String,
    profiles_path: String,
    validate_path: String,
    registry_path: String,
}

/// The Rust target as pieces for [`parallel::run`] (the largest first), and the [`Layout`] that
/// assembles what they print into files.
pub(crate) fn pieces<'a>(
    ir: &'a Ir<'a>,
    types_per_piece: usize,
) -> Result<(Vec<Piece<'a>>, Layout), CodegenError> {
    // Type and error names the Rust output uses itself (`RESERVED_NAMES`) are the loader's
    // `S0202` refusal; they never reach this target.
    let dir = ir.spec.outputs.rust.trim_end_matches('/');
    let types_path = format!("{dir}/types.rs");
    let lifecycle_path = format!("{dir}/lifecycle.rs");
    let errors_path = format!("{dir}/errors.rs");
    let profiles_path = format!("{dir}/profiles.rs");
    let validate_path = format!("{dir}/validate.rs");
    let registry_path = format!("{dir}/registry.rs");
    let ids: Vec<TypeId> = ir.ids().collect();
    let chunks: Vec<Vec<TypeId>> = ids.chunks(types_per_piece).map(<[_]>::to_vec).collect();
    let layout = Layout {
        chunks: chunks.len(),
        types_path,
        lifecycle_path,
        errors_path,
        profiles_path,
        validate_path,
        registry_path,
    };
    // Each piece names its file in a refusal, so each owns a copy of its path.
    let mut pieces: Vec<Piece<'a>> = Vec::new();
    // `validate.rs` only for specs with `rules:`: the `Validate` impls of every record and union.
    // It is the largest piece that cannot be split, so it starts first: started last, one core
    // would print it alone at the end.
    let validate_path = layout.validate_path.clone();
    pieces.push(Box::new(move || {
        if ir.spec.rules.is_empty() {
            return Ok(None);
        }
        print(&validate_path, validators::module(ir)?).map(Some)
    }));
    // `types.rs`: the module header with the first chunk, then one piece per further chunk.
    for (index, chunk) in chunks.into_iter().enumerate() {
        let types_path = layout.types_path.clone();
        pieces.push(Box::new(move || {
            let items = types::items(ir, &chunk)?;
            let tokens = if index == 0 {
                let header = types::header(ir);
                quote! { #header #items }
            } else {
                items
            };
            print(&types_path, tokens).map(Some)
        }));
    }
    let lifecycle_path = layout.lifecycle_path.clone();
    pieces.push(Box::new(move || {
        print(&lifecycle_path, lifecycle::module(ir)?).map(Some)
    }));
    let errors_path = layout.errors_path.clone();
    pieces.push(Box::new(move || {
        print(&errors_path, errors::module(ir)?).map(Some)
    }));
    // `profiles.rs` only for specs with `profiles:` (§2.6.6.6).
    let profiles_path = layout.profiles_path.clone();
    pieces.push(Box::new(move || match profiles::module(ir)? {
        Some(tokens) => print(&profiles_path, tokens).map(Some),
        None => Ok(None),
    }));
    // `registry.rs`: the types and tables as data, for the code that is not generated.
    let registry_path = layout.registry_path.clone();
    pieces.push(Box::new(move || {
        print(&registry_path, registry::module(ir)?).map(Some)
    }));
    Ok((pieces, layout))
}

impl Layout {
    /// The files, from what [`pieces`] printed (in the order of the pieces).
    pub(crate) fn assemble(
        self,
        printed: Vec<Printed>,
    ) -> Result<Vec<GeneratedFile>, CodegenError> {
        let printed = printed
            .into_iter()
            .collect::<Result<Vec<Option<String>>, CodegenError>>()?;
        let (validate, printed) = printed.split_first().expect("validate.rs is a piece");
        let (types, [lifecycle, errors, profiles, registry]) = printed.split_at(self.chunks) else {
            unreachable!("one piece per types.rs chunk, then four files");
        };
        let types_body: String = types.iter().flatten().map(String::as_str).collect();
        let mut files = vec![finish(self.types_path, &types_body)];
        // Files in the order they always had: types, lifecycle, errors, profiles, validate, registry.
        for (path, body) in [
            (self.lifecycle_path, lifecycle),
            (self.errors_path, errors),
            (self.profiles_path, profiles),
            (self.validate_path, validate),
            (self.registry_path, registry),
        ] {
            if let Some(body) = body {
                files.push(finish(path, body));
            }
        }
        Ok(files)
    }
}

/// How many spec types one `types.rs` piece holds: small enough that the pieces spread evenly
/// over the cores, large enough that a thread's start-up cost is noise.
pub(crate) const TYPES_PER_PIECE: usize = 24;

/// Work for one thread: build one file's (or one chunk's) tokens and print them, or `None` when
/// the spec has nothing for that file. Tokens never cross threads (proc-macro2 token streams are
/// not `Send`), so each piece builds its own.
pub(crate) type Piece<'a> = parallel::Job<'a, Printed>;

/// What a [`Piece`] returns: the printed text, `None` for a file the spec does not need.
pub(crate) type Printed = Result<Option<String>, CodegenError>;

/// Parse tokens as a file and print them with the one pinned formatter. Printing a file's items
/// in pieces and joining the text gives the same bytes as printing them at once: prettyplease
/// prints each top-level item on its own lines, from column zero.
fn print(path: &str, tokens: TokenStream) -> Result<String, CodegenError> {
    let file = syn::parse2::<syn::File>(tokens).map_err(|error| CodegenError::InvalidRust {
        path: path.to_owned(),
        detail: error.to_string(),
    })?;
    Ok(prettyplease::unparse(&file))
}

/// The generated file: marker line, then the printed body with blank lines between items.
fn finish(path: String, body: &str) -> GeneratedFile {
    let mut contents = marker::line("//", SOURCE);
    contents.push_str(separate_items(body).trim_end_matches('\n'));
    contents.push('\n');
    GeneratedFile { path, contents }
}

/// prettyplease puts no blank line between items; add one between top-level items and between the
/// members of an `impl`, so the output reads like hand-formatted Rust. Consecutive `use` lines stay
/// together. Only line shapes prettyplease itself produces are matched; every string literal the
/// generator emits is on one line, so no literal can be split.
fn separate_items(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut out = String::with_capacity(body.len() + lines.len());
    for (index, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(index + 1) else {
            continue;
        };
        let top_level_end = !line.starts_with(' ')
            && (line.ends_with('}') || line.ends_with(';'))
            && !(line.starts_with("use ") && next.starts_with("use "));
        let top_level_next = !next.is_empty() && !next.starts_with([' ', '}', ')', ']']);
        let after_module_doc = line.starts_with("//!") && !next.starts_with("//!");
        let member_end = (*line == "    }"
            || (line.starts_with("    ") && !line.starts_with("     ") && line.ends_with(';')))
            && next.starts_with("    ")
            && !next.starts_with("     ")
            && !next.starts_with("    }");
        if (top_level_end && top_level_next) || after_module_doc || member_end {
            out.push('\n');
        }
    }
    out
}

/// A spec the Rust target cannot express; the detail names the offending item and the fix.
fn unsupported(path: &str, detail: String) -> CodegenError {
    CodegenError::UnsupportedSpec {
        location: path.to_owned(),
        detail,
    }
}

/// A Rust identifier for a spec name, refusing keywords and malformed names instead of panicking.
fn ident(name: &str, meta: &Meta) -> Result<Ident, CodegenError> {
    syn::parse_str::<Ident>(name).map_err(|_| {
        unsupported(
            &meta.location.to_string(),
            format!("`{name}` is not a valid rust identifier"),
        )
    })
}

/// The `PascalCase` Rust name of a snake_case enum value, union variant or lifecycle state.
/// `self` would be `Self`, which no identifier can spell, so it becomes `Self_`; the variant's
/// `#[serde(rename)]` keeps the wire value.
fn variant_ident(snake: &str, meta: &Meta) -> Result<Ident, CodegenError> {
    let pascal = crate::names::pascal_case(snake);
    if pascal == "Self" {
        return Ok(format_ident!("Self_"));
    }
    ident(&pascal, meta)
}

// Keywords that cannot be raw identifiers (`r#self` is refused by rustc): the target's list.
use handshake_spec::reserved::rust::NOT_RAW;

/// The Rust identifier of a field (or union variant field) whose wire name is `name`.
///
/// Wire names are the spec's, whatever Rust reserves: a keyword becomes a raw identifier
/// (`r#type`, which serde and schemars read as `type`), and the few keywords that cannot be raw
/// take a `_` suffix (`self_`, which [`field_rename`] renames back). snake_case names never end
/// in `_`, so the suffixed name cannot collide with another field.
fn field_ident(name: &str, meta: &Meta) -> Result<Ident, CodegenError> {
    if let Ok(plain) = syn::parse_str::<Ident>(name) {
        return Ok(plain);
    }
    if NOT_RAW.contains(&name) {
        return ident(&format!("{name}_"), meta);
    }
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Ok(Ident::new_raw(name, proc_macro2::Span::call_site()));
    }
    ident(name, meta)
}

/// `#[serde(rename = "self")]` for a field whose identifier is not its wire name (see
/// [`field_ident`]); nothing otherwise.
fn field_rename(name: &str) -> TokenStream {
    if NOT_RAW.contains(&name) {
        quote! { #[serde(rename = #name)] }
    } else {
        TokenStream::new()
    }
}

/// Collapse any whitespace (YAML folded text keeps newlines) into single spaces, so every doc
/// paragraph is one line and no markdown list or code block can start by accident.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The doc text of a declaration: `Description (clause)`, then `Decision: …` if present.
fn doc_text(meta: &Meta) -> String {
    let mut text = format!(
        "{} ({})",
        capitalised(&one_line(&meta.description)),
        meta.clause
    );
    if let Some(decision) = &meta.decision {
        text.push_str("\n\nDecision: ");
        text.push_str(&one_line(decision));
    }
    text
}

/// `#[doc]` attributes for a declaration, from [`doc_text`].
fn doc(meta: &Meta) -> TokenStream {
    let lines: Vec<String> = doc_text(meta).lines().map(str::to_owned).collect();
    doc_lines(&lines)
}

/// Outer doc attributes, one per line, each with the leading space `///` comments have.
fn doc_lines(lines: &[String]) -> TokenStream {
    let attributes = lines.iter().map(|line| {
        let text = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #[doc = #text] }
    });
    quote! { #(#attributes)* }
}

/// Inner (`//!`) doc attributes for a module.
fn module_doc(lines: &[&str]) -> TokenStream {
    let attributes = lines.iter().map(|line| {
        let text = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #![doc = #text] }
    });
    quote! { #(#attributes)* }
}

/// Upper-case the first letter: descriptions are written as lower-case fragments.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The Rust type of a type expression. Every name it mentions is declared (the loader's `S0203`
/// refuses an unknown type); `meta` names the declaration for [`ident`]'s error.
fn rust_type(ty: &TypeRef, meta: &Meta) -> Result<TokenStream, CodegenError> {
    Ok(match ty {
        TypeRef::Primitive(primitive) => match primitive {
            Primitive::String => quote! { String },
            Primitive::Integer => quote! { i64 },
            Primitive::UnsignedInteger => quote! { u64 },
            Primitive::Number => quote! { f64 },
            Primitive::Boolean => quote! { bool },
            Primitive::Uuid => quote! { uuid::Uuid },
            Primitive::Timestamp => quote! { crate::Timestamp },
            Primitive::Json => quote! { serde_json::Value },
        },
        TypeRef::Named(name) => {
            let name = ident(name, meta)?;
            quote! { #name }
        }
        TypeRef::List(item) => {
            let item = rust_type(item, meta)?;
            quote! { Vec<#item> }
        }
        TypeRef::Map(value) => {
            let value = rust_type(value, meta)?;
            quote! { std::collections::BTreeMap<String, #value> }
        }
    })
}

/// Named types a type expression mentions, for `use` lists.
fn named_types<'a>(ty: &'a TypeRef, into: &mut Vec<&'a str>) {
    match ty {
        TypeRef::Primitive(_) => {}
        TypeRef::Named(name) => {
            if !into.contains(&name.as_str()) {
                into.push(name);
            }
        }
        TypeRef::List(inner) | TypeRef::Map(inner) => named_types(inner, into),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces `types.rs` is printed in are joined into exactly the bytes of one whole print:
    /// one type per piece, the default, and everything in one piece agree on the real spec.
    #[test]
    fn output_does_not_depend_on_how_types_rs_is_split() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let spec = handshake_spec::load(&root).expect("the real spec loads");
        let ir = Ir::new(&spec);
        let whole = generate_in_pieces(&ir, usize::MAX).expect("generates");
        assert_eq!(generate_in_pieces(&ir, 1).expect("generates"), whole);
        assert_eq!(generate(&spec).expect("generates"), whole);
    }
}
