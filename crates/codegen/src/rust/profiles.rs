//! `profiles.rs`: the profiles of §2.6.6.6 as data — one `ProfileDef` constant per profile, the
//! closed `JobKind` registry (`JobKind::profile`), the operation registry
//! (`PlannedOperation::profile`), the status mapping onto the lifecycle, and a
//! `from_json` on every record with a `JobKind` field that refuses an unknown kind with the
//! spec's typed `UnknownEnumValue` error before anything else is parsed.
//!
//! Emitted only when the spec declares profiles; the kind-bound parts only when `JobKind` is an
//! enum (the loader then guarantees every value is bound to exactly one profile).

use handshake_spec::model::{Profile, TypeKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, ident, module_doc, variant_ident};
use crate::CodegenError;
use crate::ir::{DomainError, Ir};

/// The `ProfileDef` constant of a profile.
fn profile_constant_name(profile: &Profile) -> proc_macro2::Ident {
    format_ident!("{}", profile.name.to_uppercase())
}

/// The whole `profiles.rs` module; `None` when the spec has no profiles.
pub(super) fn module(ir: &Ir<'_>) -> Result<Option<TokenStream>, CodegenError> {
    if ir.spec.profiles.is_empty() {
        return Ok(None);
    }
    let header = module_doc(&[
        "Job profiles (§2.6.6.6) as data: ids, bound job kinds, operations, capabilities, plans and",
        "how profile statuses map onto the lifecycle. Generated from `spec/*.yaml`.",
    ]);
    let state_name = &ir.spec.lifecycle.name;
    let state = ident(state_name, &ir.spec.lifecycle.meta)?;
    // Whether the job kinds are the `JobKind` enum (else plain strings).
    let kind_enum = ir.job_kind().is_some();
    let kind_type = if kind_enum {
        quote! { JobKind }
    } else {
        quote! { &'static str }
    };
    let imports = if kind_enum {
        quote! { use super::types::{JobKind, #state}; }
    } else {
        quote! { use super::types::#state; }
    };

    let mut constants = Vec::new();
    let mut names = Vec::new();
    for profile in &ir.spec.profiles {
        let constant = profile_constant_name(profile);
        constants.push(profile_constant(ir, profile, &constant, &state, kind_enum)?);
        names.push(constant);
    }
    let count = names.len();

    let registry = if kind_enum {
        let mut arms = Vec::new();
        // Every value is bound to exactly one profile (the loader's `S1004`).
        for (value, owner) in ir.job_kind_registry() {
            let constant = profile_constant_name(owner);
            let variant = variant_ident(&value.name, &value.meta)?;
            arms.push(quote! { Self::#variant => &#constant });
        }
        quote! {
            impl JobKind {
                /// The profile this job kind is bound to (§2.6.6.6); every kind has exactly one.
                pub const fn profile(self) -> &'static ProfileDef {
                    match self {
                        #(#arms,)*
                    }
                }
            }
        }
    } else {
        quote! {}
    };

    let parsers = record_parsers(ir, kind_enum)?;
    let operations = operation_registry(ir)?;

    Ok(Some(quote! {
        #header
        #imports

        /// One job profile of §2.6.6.6: extends the core job without redefining it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ProfileDef {
            /// snake_case name; also the `profile` tag of the profile's `JobInputs` variant.
            pub name: &'static str,
            /// The profile id jobs carry in `profile_id`, e.g. `docs_sheets_ai_v0.5`.
            pub profile_id: &'static str,
            /// The job kinds bound to this profile, in spec order.
            pub job_kinds: &'static [#kind_type],
            /// The record carried in `job_inputs` by this profile's jobs, if any.
            pub inputs: Option<&'static str>,
            /// The record of the profile's typed outputs, if any.
            pub outputs: Option<&'static str>,
            /// Operations the profile specialises: the tags of its `PlannedOperation` variants
            /// (every variant belongs to exactly one profile, see `PlannedOperation::profile`).
            pub operations: &'static [&'static str],
            /// Capability ids (`axis` or `axis:scope`, §11.1.3) the profile's jobs require.
            pub capabilities: &'static [&'static str],
            /// The profile's `ValidationPlan`, as compact JSON.
            pub validation_plan: Option<&'static str>,
            /// The profile's `ProvenancePlan`, as compact JSON.
            pub provenance_plan: Option<&'static str>,
            /// Profile-specific statuses and the lifecycle state each maps onto.
            pub statuses: &'static [(&'static str, #state)],
            /// True for profiles the spec declares as future work (not yet active).
            pub future: bool,
            /// The Master Spec clause(s) defining the profile.
            pub clause: &'static str,
        }

        impl ProfileDef {
            /// The lifecycle state a status of this profile maps onto: a profile status from
            /// `statuses`, or a global lifecycle state name (profiles use the global lifecycle,
            /// §2.5.10.3.1); `None` for anything else.
            pub fn state_of(&self, status: &str) -> Option<#state> {
                for (name, state) in self.statuses {
                    if *name == status {
                        return Some(*state);
                    }
                }
                status.parse::<#state>().ok()
            }
        }

        #(#constants)*

        /// Every profile, in spec order.
        pub const PROFILES: [&ProfileDef; #count] = [#(&#names),*];

        /// The profile with this `profile_id`, if any.
        pub fn profile_by_id(profile_id: &str) -> Option<&'static ProfileDef> {
            PROFILES.into_iter().find(|profile| profile.profile_id == profile_id)
        }

        /// The lifecycle state a profile's status maps onto (see [`ProfileDef::state_of`]), or
        /// `None` when the profile id is unknown or the status maps onto nothing.
        pub fn map_status(profile_id: &str, status: &str) -> Option<#state> {
            profile_by_id(profile_id)?.state_of(status)
        }

        #registry
        #operations
        #parsers
    }))
}

/// `impl PlannedOperation { pub const fn profile(&self) }` when the spec's `PlannedOperation` is a
/// union whose variants the profiles claim (the loader then guarantees each exactly once).
fn operation_registry(ir: &Ir<'_>) -> Result<TokenStream, CodegenError> {
    let Some(def) = ir.planned_operation().map(|id| ir.def(id)) else {
        return Ok(quote! {});
    };
    if !ir.spec.profiles.iter().any(|p| !p.operations.is_empty()) {
        return Ok(quote! {});
    }
    let name = ident(&def.name, &def.meta)?;
    let mut arms = Vec::new();
    // Every variant is claimed by exactly one profile (the loader's `S1012`).
    for (variant, owner) in ir.operation_registry() {
        let constant = profile_constant_name(owner);
        let variant_name = variant_ident(&variant.name, &variant.meta)?;
        arms.push(quote! { Self::#variant_name { .. } => &#constant });
    }
    Ok(quote! {
        impl super::types::#name {
            /// The profile that specialises this operation (§2.6.6.6.1); every operation has
            /// exactly one, and appears in that profile's `operations`.
            pub const fn profile(&self) -> &'static ProfileDef {
                match self {
                    #(#arms,)*
                }
            }
        }
    })
}

/// `pub const NAME: ProfileDef = ProfileDef { … };` for one profile.
fn profile_constant(
    ir: &Ir<'_>,
    profile: &Profile,
    constant: &proc_macro2::Ident,
    state: &proc_macro2::Ident,
    typed_kinds: bool,
) -> Result<TokenStream, CodegenError> {
    let docs = doc(&profile.meta);
    let name = &profile.name;
    let profile_id = &profile.profile_id;
    let kinds = if typed_kinds {
        let kind_def = ir.job_kind().map(|id| ir.def(id));
        profile
            .job_kinds
            .iter()
            .map(|kind| {
                let meta = kind_def.map(|t| &t.meta).unwrap_or(&profile.meta);
                let variant = variant_ident(kind, meta)?;
                Ok(quote! { JobKind::#variant })
            })
            .collect::<Result<Vec<_>, CodegenError>>()?
    } else {
        profile
            .job_kinds
            .iter()
            .map(|kind| quote! { #kind })
            .collect()
    };
    let option = |value: &Option<String>| match value {
        Some(text) => quote! { Some(#text) },
        None => quote! { None },
    };
    let inputs = option(&profile.inputs);
    let outputs = option(&profile.outputs);
    let operations = &profile.operations;
    let capabilities = &profile.capabilities;
    let json = |value: &Option<serde_json::Value>| match value {
        Some(value) => {
            let text = value.to_string();
            quote! { Some(#text) }
        }
        None => quote! { None },
    };
    let validation_plan = json(&profile.validation_plan);
    let provenance_plan = json(&profile.provenance_plan);
    let statuses = profile
        .statuses
        .iter()
        .map(|mapping| {
            let status = &mapping.status;
            let target = variant_ident(&mapping.state, &mapping.meta)?;
            Ok(quote! { (#status, #state::#target) })
        })
        .collect::<Result<Vec<_>, CodegenError>>()?;
    let future = profile.future;
    let clause = profile.meta.clause.to_string();
    Ok(quote! {
        #docs
        pub const #constant: ProfileDef = ProfileDef {
            name: #name,
            profile_id: #profile_id,
            job_kinds: &[#(#kinds),*],
            inputs: #inputs,
            outputs: #outputs,
            operations: &[#(#operations),*],
            capabilities: &[#(#capabilities),*],
            validation_plan: #validation_plan,
            provenance_plan: #provenance_plan,
            statuses: &[#(#statuses),*],
            future: #future,
            clause: #clause,
        };
    })
}

/// `impl R { pub fn from_json(…) }` for every record with a required or optional `JobKind` field.
fn record_parsers(ir: &Ir<'_>, typed_kinds: bool) -> Result<TokenStream, CodegenError> {
    if !typed_kinds
        || ![DomainError::UnknownEnumValue, DomainError::InvalidRecord]
            .into_iter()
            .all(|which| ir.error(which).is_some())
    {
        return Ok(quote! {});
    }
    let mut out = Vec::new();
    for def in &ir.spec.types {
        let TypeKind::Record(record) = &def.kind else {
            continue;
        };
        let kind_fields: Vec<&str> = record
            .fields
            .iter()
            .filter(|f| ir.target(&f.ty).is_some_and(|id| Some(id) == ir.job_kind()))
            .map(|f| f.name.as_str())
            .collect();
        if kind_fields.is_empty() {
            continue;
        }
        let record_name = ident(&def.name, &def.meta)?;
        let doc_text = format!(
            " Parses a `{}` from JSON. A job kind outside the closed `JobKind` registry is refused first, with `UnknownEnumValue` (its stable code); any other mismatch is `InvalidRecord` with serde's message.",
            def.name
        );
        out.push(quote! {
            impl super::types::#record_name {
                #[doc = #doc_text]
                pub fn from_json(value: &serde_json::Value) -> Result<Self, super::errors::ModelError> {
                    #(
                        if let Some(serde_json::Value::String(kind)) = value.get(#kind_fields) {
                            kind.parse::<JobKind>().map_err(super::errors::ModelError::from)?;
                        }
                    )*
                    <Self as serde::Deserialize>::deserialize(value).map_err(|error| {
                        super::errors::ModelError::InvalidRecord {
                            path: String::from("/"),
                            message: error.to_string(),
                        }
                    })
                }
            }
        });
    }
    Ok(quote! { #(#out)* })
}
