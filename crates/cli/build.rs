//! Writes `$OUT_DIR/types.rs`: the `TYPES` table, one entry per type of the generated model crate, in
//! spec order, marked root or not, so the command knows every type without a hand-kept list.
//!
//! Both inputs are generated files that `cargo xtask codegen` writes together, so they always
//! agree with the model crate this binary links (reading `spec/*.yaml` instead would break the
//! build whenever the spec is ahead of the committed generated code):
//! * the types: every top-level `pub struct` / `pub enum` of
//!   `crates/job-model/src/generated/types.rs` that derives `Deserialize` (the file holds one
//!   item per spec declaration, in spec order);
//! * the roots: the `title` of every JSON Schema in `schemas/`;
//! * which types have cross-field rules to check: every `impl Validate for X` of
//!   `crates/job-model/src/generated/validate.rs` (records and unions; enums and string or id
//!   newtypes have no rules of their own).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let repo_root = Path::new(&manifest_dir).join("../..");
    let types_file = repo_root.join("crates/job-model/src/generated/types.rs");
    let validate_file = repo_root.join("crates/job-model/src/generated/validate.rs");
    let schemas_dir = repo_root.join("schemas");
    println!("cargo::rerun-if-changed={}", types_file.display());
    println!("cargo::rerun-if-changed={}", validate_file.display());
    println!("cargo::rerun-if-changed={}", schemas_dir.display());

    let source = std::fs::read_to_string(&types_file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", types_file.display()));
    let file = syn::parse_file(&source)
        .unwrap_or_else(|error| panic!("cannot parse {}: {error}", types_file.display()));
    let types: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(item) if public(&item.vis) && derives_deserialize(&item.attrs) => {
                Some(item.ident.to_string())
            }
            syn::Item::Enum(item) if public(&item.vis) && derives_deserialize(&item.attrs) => {
                Some(item.ident.to_string())
            }
            _ => None,
        })
        .collect();

    let validate_source = std::fs::read_to_string(&validate_file)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", validate_file.display()));
    let validated: BTreeSet<String> = syn::parse_file(&validate_source)
        .unwrap_or_else(|error| panic!("cannot parse {}: {error}", validate_file.display()))
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(item)
                if item.trait_.as_ref().is_some_and(|(path, _)| {
                    path.segments
                        .last()
                        .is_some_and(|segment| segment.ident == "Validate")
                }) =>
            {
                match item.self_ty.as_ref() {
                    syn::Type::Path(path) => path.path.get_ident().map(ToString::to_string),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();

    let mut roots = BTreeSet::new();
    let entries = std::fs::read_dir(&schemas_dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", schemas_dir.display()));
    for entry in entries {
        let path = entry.expect("listing schemas/").path();
        if !path.to_string_lossy().ends_with(".schema.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let schema: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
        let title = schema["title"]
            .as_str()
            .unwrap_or_else(|| panic!("{} has no string title", path.display()));
        assert!(
            types.iter().any(|name| name == title),
            "{} is the schema of {title}, which the model crate does not define; run `cargo xtask codegen`",
            path.display()
        );
        roots.insert(title.to_owned());
    }

    let mut text = String::from(
        "// Written by crates/cli/build.rs from crates/job-model/src/generated/{types,validate}.rs and schemas/.\n\
         /// Every type of the model crate, in spec order.\n\
         pub static TYPES: &[SpecType] = &[\n",
    );
    for name in &types {
        let root = roots.contains(name);
        let check = if validated.contains(name) {
            "check_with_rules"
        } else {
            "check_parse_only"
        };
        writeln!(
            text,
            "    SpecType {{ name: \"{name}\", root: {root}, check: {check}::<handshake_job_model::{name}>, schema: schema::<handshake_job_model::{name}> }},"
        )
        .expect("writing to a String");
    }
    text.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("types.rs"), text).expect("writing $OUT_DIR/types.rs");
}

fn public(visibility: &syn::Visibility) -> bool {
    matches!(visibility, syn::Visibility::Public(_))
}

fn derives_deserialize(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("derive")
            && attribute
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths.iter().any(|path| {
                        path.segments
                            .last()
                            .is_some_and(|segment| segment.ident == "Deserialize")
                    })
                })
    })
}
