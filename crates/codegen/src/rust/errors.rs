//! `errors.rs`: the spec's typed errors as one `thiserror` enum with stable codes and clauses.

use handshake_spec::model::ErrorDef;
use proc_macro2::TokenStream;
use quote::quote;

use super::{
    doc, doc_lines, ident, is_displayable, module_doc, named_types, rust_type, unsupported,
};
use crate::CodegenError;
use crate::ir::Ir;

/// Field names `thiserror` treats specially (`source` becomes the error source, `backtrace` is
/// captured); a spec field with one of these names would change the error's behaviour.
const THISERROR_FIELD_NAMES: &[&str] = &["source", "backtrace"];

/// The whole `errors.rs` module.
pub(super) fn module(ir: &Ir<'_>) -> Result<TokenStream, CodegenError> {
    if ir.spec.errors.is_empty() {
        return Err(unsupported(
            &ir.spec.lifecycle.meta.location.to_string(),
            "the spec declares no errors; the rust target needs at least IllegalTransition"
                .to_owned(),
        ));
    }
    let header = module_doc(&[
        "Typed errors of the AI Job Model with stable codes, one variant per spec `errors:` entry.",
        "",
        "Codes are never reused for another meaning. Generated from `spec/*.yaml`.",
    ]);
    let mut used = Vec::new();
    for error in &ir.spec.errors {
        for field in &error.fields {
            named_types(&field.ty, &mut used);
        }
    }
    let imports = if used.is_empty() {
        quote! {}
    } else {
        let used = used
            .iter()
            .map(|name| ident(name, &ir.spec.lifecycle.meta))
            .collect::<Result<Vec<_>, _>>()?;
        quote! { use super::types::{#(#used),*}; }
    };

    let mut variants = Vec::new();
    let mut code_arms = Vec::new();
    let mut clause_arms = Vec::new();
    let mut codes = Vec::new();
    for error in &ir.spec.errors {
        let name = ident(&error.name, &error.meta)?;
        let message = thiserror_message(ir, error)?;
        let docs = doc(&error.meta);
        let code_doc = doc_lines(&[String::new(), format!("Code: `{}`.", error.code)]);
        let mut members = Vec::new();
        for field in &error.fields {
            if THISERROR_FIELD_NAMES.contains(&field.name.as_str()) {
                return Err(unsupported(
                    &field.meta.location.to_string(),
                    format!(
                        "error field `{}` has a name thiserror reserves; rename it",
                        field.name
                    ),
                ));
            }
            let field_name = ident(&field.name, &field.meta)?;
            let ty = rust_type(ir, &field.ty, &field.meta)?;
            let ty = if field.required {
                ty
            } else {
                quote! { Option<#ty> }
            };
            let field_docs = doc(&field.meta);
            members.push(quote! { #field_docs #field_name: #ty });
        }
        let body = if members.is_empty() {
            quote! {}
        } else {
            quote! { { #(#members,)* } }
        };
        variants.push(quote! {
            #docs
            #code_doc
            #[error(#message)]
            #name #body
        });
        let code = &error.code;
        let clause = error.meta.clause.primary();
        let variant_name = &error.name;
        code_arms.push(quote! { Self::#name { .. } => #code });
        clause_arms.push(quote! { Self::#name { .. } => #clause });
        codes.push(quote! { (#code, #variant_name) });
    }

    Ok(quote! {
        #header
        #imports

        /// An error of the AI Job Model: each variant has a stable code and the clause it enforces.
        #[derive(Debug, Clone, PartialEq, thiserror::Error)]
        pub enum ModelError {
            #(#variants,)*
        }

        impl ModelError {
            /// Every `(code, variant name)` pair, in spec order.
            pub const CODES: &'static [(&'static str, &'static str)] = &[#(#codes),*];

            /// The stable machine-readable code of this error.
            pub const fn code(&self) -> &'static str {
                match self {
                    #(#code_arms,)*
                }
            }

            /// The primary Master Spec clause this error enforces.
            pub const fn clause(&self) -> &'static str {
                match self {
                    #(#clause_arms,)*
                }
            }
        }
    })
}

/// Turn a spec message template into a `thiserror` format string: `{field}` stays an
/// interpolation (the field must exist and be displayable), every other brace is escaped.
fn thiserror_message(ir: &Ir<'_>, error: &ErrorDef) -> Result<String, CodegenError> {
    let location = error.meta.location.to_string();
    let mut out = String::with_capacity(error.message.len());
    let mut rest = error.message.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if rest[open..].starts_with('{')
            && let Some(close) = after.find('}')
            && let name = &after[..close]
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            let Some(field) = error.fields.iter().find(|f| f.name == name) else {
                return Err(unsupported(
                    &location,
                    format!(
                        "message of {} names `{{{name}}}`, which is not a field",
                        error.name
                    ),
                ));
            };
            if !field.required || !is_displayable(ir, &field.ty) {
                return Err(unsupported(
                    &location,
                    format!(
                        "message of {} interpolates `{name}`, which is optional or has no text form",
                        error.name
                    ),
                ));
            }
            out.push('{');
            out.push_str(name);
            out.push('}');
            rest = &after[close + 1..];
        } else {
            let brace = &rest[open..open + 1];
            out.push_str(brace);
            out.push_str(brace);
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}
