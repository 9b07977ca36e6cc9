//! `registry.rs`: the facts about the spec's types and tables that code outside the generator
//! needs, so nothing downstream re-derives them (issue #13, step 5):
//!
//! - `TYPES`: every type in spec order, with whether it is a root (has its own JSON Schema),
//!   whether it has cross-field rules (implements `Validate`), and its table;
//! - `TABLES`: every table the migrations create, parents before their child tables, and
//!   `tables`, one constant per table name, so the store's statements name tables the generator
//!   made rather than spelling them again;
//! - `for_each_root_type!` and `for_each_type!`: macros that hand every (root) type to a callback
//!   macro as `(path, "Name", "schema_stem", rules | plain, root | inner)`, so a consumer builds its own table
//!   of functions generic over the type (the `handshake` command, the fuzz checks, the
//!   conformance tests) without a hand-kept list or a build script that parses generated code.

use handshake_spec::model::{FieldStorage, TypeKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::module_doc;
use crate::CodegenError;
use crate::ir::Ir;
use crate::names::snake_case;

/// The whole `registry.rs` module.
pub(super) fn module(ir: &Ir<'_>) -> Result<TokenStream, CodegenError> {
    let header = module_doc(&[
        "Every type and table of the spec as data, and macros that hand every type to a callback.",
        "Generated from `spec/*.yaml`; consumers read these instead of re-deriving them.",
    ]);
    let has_rules = !ir.spec.rules.is_empty();
    let mut infos = Vec::new();
    let mut all = Vec::new();
    let mut roots = Vec::new();
    let mut tables = Vec::new();
    let mut table_consts = Vec::new();
    for def in &ir.spec.types {
        let name = &def.name;
        let ty = format_ident!("{}", name);
        let root = def.root;
        let rules = has_rules && matches!(def.kind, TypeKind::Record(_) | TypeKind::Union(_));
        let table = match &def.kind {
            TypeKind::Record(record) => record.table.as_ref().map(|t| t.name.clone()),
            _ => None,
        };
        if let (TypeKind::Record(record), Some(table)) = (&def.kind, &table) {
            let doc = format!(" The table of `{name}` records.");
            table_consts.push(table_const(table, &doc));
            tables.push(table.clone());
            for field in &record.fields {
                if let FieldStorage::ChildTable(child) = &field.storage {
                    let doc = format!(" `{name}.{}`: one row per element.", field.name);
                    table_consts.push(table_const(&child.table, &doc));
                    tables.push(child.table.clone());
                }
            }
        }
        let table_tokens = match &table {
            Some(t) => quote! { Some(#t) },
            None => quote! { None },
        };
        infos.push(quote! {
            TypeInfo { name: #name, root: #root, rules: #rules, table: #table_tokens }
        });
        let stem = snake_case(name);
        let kind = if rules {
            format_ident!("rules")
        } else {
            format_ident!("plain")
        };
        let place = if root {
            format_ident!("root")
        } else {
            format_ident!("inner")
        };
        let entry = quote! { ($crate::generated::types::#ty, #name, #stem, #kind, #place) };
        if root {
            roots.push(entry.clone());
        }
        all.push(entry);
    }
    let type_count = infos.len();
    let table_count = tables.len();
    let table_refs = tables.iter().map(|table| {
        let name = format_ident!("{}", table.to_uppercase());
        quote! { tables::#name }
    });
    Ok(quote! {
        #header

        /// One type of the spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct TypeInfo {
            /// The type's name, identical in the spec, Rust, JSON Schema, SQL, TypeScript and Python.
            pub name: &'static str,
            /// True for the types with a JSON Schema of their own (`root: true`).
            pub root: bool,
            /// True for the types that implement `Validate` (records and unions).
            pub rules: bool,
            /// The table a stored record lives in.
            pub table: Option<&'static str>,
        }

        /// Every type of the spec, in spec order.
        pub const TYPES: [TypeInfo; #type_count] = [#(#infos),*];

        /// Every table the generated migrations create, in spec order (a record's child tables
        /// right after its own).
        pub const TABLES: [&str; #table_count] = [#(#table_refs),*];

        /// The name of every table the generated migrations create.
        pub mod tables {
            #(#table_consts)*
        }

        /// Calls `$callback!` once with every root type, in spec order, as
        /// `(path, "Name", "schema_stem", rules | plain, root)` separated by commas: `rules` when the
        /// type implements `Validate`.
        #[macro_export]
        macro_rules! for_each_root_type {
            ($callback:ident) => {
                $callback! { #(#roots),* }
            };
        }

        /// Calls `$callback!` once with every type, in spec order, in the form of
        /// [`for_each_root_type!`], the last word `root` or `inner` (no schema of its own).
        #[macro_export]
        macro_rules! for_each_type {
            ($callback:ident) => {
                $callback! { #(#all),* }
            };
        }
    })
}

/// `pub const NAME: &str = "name";` for one table, with its doc line.
fn table_const(table: &str, doc: &str) -> TokenStream {
    let name = format_ident!("{}", table.to_uppercase());
    quote! {
        #[doc = #doc]
        pub const #name: &str = #table;
    }
}
