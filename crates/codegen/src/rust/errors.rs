//! `errors.rs`: the spec's typed errors as one `thiserror` enum with stable codes and clauses.

use handshake_spec::model::{ErrorDef, MessagePart};
use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, doc_lines, ident, module_doc, named_types, rust_type};
use crate::CodegenError;
use crate::ir::Ir;

/// The whole `errors.rs` module.
///
/// The loader guarantees what the enum relies on: every message placeholder names a required
/// field with a text form (`S0703`, `S0704`), and no error field is named like one `thiserror`
/// treats specially (`source`, `backtrace`: `S0202`, from `reserved::rust::ERROR_FIELDS`). A
/// spec without errors prints an empty enum; the lifecycle's `IllegalTransition` is required by
/// `lifecycle.rs`.
pub(super) fn module(ir: &Ir<'_>) -> Result<TokenStream, CodegenError> {
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
        let message = thiserror_message(error);
        let docs = doc(&error.meta);
        let code_doc = doc_lines(&[String::new(), format!("Code: `{}`.", error.code)]);
        let mut members = Vec::new();
        for field in &error.fields {
            let field_name = ident(&field.name, &field.meta)?;
            let ty = rust_type(&field.ty, &field.meta)?;
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

/// The spec message template as a `thiserror` format string, from the parts the loader parsed:
/// each field part is an interpolation `{field}`, text is copied with its braces doubled (the
/// loader allows none there; doubling keeps a brace literal whatever the text holds).
fn thiserror_message(error: &ErrorDef) -> String {
    let mut out = String::with_capacity(error.message.len());
    for part in &error.message_parts {
        match part {
            MessagePart::Text(text) => {
                out.push_str(&text.replace('{', "{{").replace('}', "}}"));
            }
            MessagePart::Field(index) => {
                if let Some(field) = error.fields.get(*index) {
                    out.push('{');
                    out.push_str(&field.name);
                    out.push('}');
                }
            }
        }
    }
    out
}
