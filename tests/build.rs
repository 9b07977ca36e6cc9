//! Build script of the conformance tests: runs typify on every committed `schemas/*.schema.json`
//! and writes the Rust it produces to `OUT_DIR/typify/`, so `tests/typify_roundtrip.rs` can compile
//! and use types generated from nothing but our JSON Schemas ("the schema alone is a complete
//! contract"). Code generated at test time could not be compiled into the same test binary, hence
//! build time.
//!
//! typify version: 0.8.0, pinned exactly. The 0.10.0 alphas (the newest releases) depend on
//! `typespace`/`codespace`, which require rustc 1.97; this workspace builds with 1.95. 0.8.0 is the
//! newest release that builds here, already uses syn 3 like the rest of the workspace, and handles
//! everything our schemas use (`$ref` with annotation siblings, `#` self-references, internally
//! tagged `oneOf` with `const` tags, `enum`, `pattern`/length limits, `format: uuid|date-time`,
//! `default`, closed objects).
//!
//! typify reads schemas through schemars 0.8, i.e. draft-07 shapes. The rewrites below are the only
//! ones, each mechanical:
//! 1. top-level `$defs` → `definitions`: draft-07's name for the same keyword; schemars 0.8's
//!    `RootSchema` only reads `definitions` (a `$defs` key would be kept as an unknown extension and
//!    every reference would dangle);
//! 2. every `$ref` of the form `#/$defs/Name` → `#/definitions/Name`, to follow rewrite 1.
//!
//! 3. every `allOf` whose entries are cross-field rules (each carries `"$comment": "<code> §…"`,
//!    see `handshake_codegen::json_schema::rules`) is removed. typify 0.8 cannot merge `if`/`then`
//!    into a type: it panics or gives up on the whole schema. The rules constrain values, not the
//!    shape typify turns into Rust, so the types it generates are the same without them; the
//!    rules themselves are checked against the jsonschema crate in `tests/rules.rs`.
//!
//! Nothing else is touched: `$schema`, `$id`, `$comment`, `x-lifecycle` and
//! `x-rules-not-expressible` are annotations typify ignores, and 2020-12 keywords without a
//! draft-07 spelling (`prefixItems`, `dependentRequired`, `unevaluatedProperties`) are not emitted
//! by our generator (`if`/`then` only inside the rule `allOf`s of rewrite 3). If a future schema uses
//! one, or typify panics or errors on anything, the generated file holds a `compile_error!` that
//! names the schema and typify's message, and the round-trip test stops compiling with it.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "src/rule_blocks.rs"]
mod rule_blocks;

/// Repo-relative folder of the committed schemas. Must equal `outputs.json_schema` in
/// `spec/handshake.yaml`; `tests/typify_roundtrip.rs` asserts that, so a move cannot go unnoticed.
const SCHEMA_DIR: &str = "schemas";

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let repo_root = manifest_dir
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf();
    let schema_dir = repo_root.join(SCHEMA_DIR);
    let out_dir =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("typify");
    fs::create_dir_all(&out_dir).expect("OUT_DIR is writable");
    println!("cargo::rerun-if-changed={}", schema_dir.display());

    let mut schema_files: Vec<PathBuf> = match fs::read_dir(&schema_dir) {
        Ok(entries) => entries
            .map(|entry| entry.expect("readable schemas/ entry").path())
            .filter(|path| path.to_string_lossy().ends_with(".schema.json"))
            .collect(),
        Err(_) => Vec::new(),
    };
    schema_files.sort();

    let mut index = String::from(
        "// Written by tests/build.rs: one module per schema, typify's output for it.\n\n",
    );
    let mut roots = Vec::new();
    // No schemas yet (codegen not run): no modules, so `typify_converted_every_generated_schema`
    // fails at run time with the fix, instead of breaking compilation of every conformance test.
    for path in &schema_files {
        println!("cargo::rerun-if-changed={}", path.display());
        let file_name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        let stem = file_name.trim_end_matches(".schema.json").to_string();
        let display = format!("{SCHEMA_DIR}/{file_name}");
        let code = match typify_one(path) {
            Ok((code, title)) => {
                roots.push((stem.clone(), title));
                code
            }
            Err(message) => compile_error(&format!(
                "typify could not turn {display} into Rust: {message}"
            )),
        };
        fs::write(out_dir.join(format!("{stem}.rs")), code).expect("OUT_DIR is writable");
        index.push_str(&format!(
            "/// typify's types for `{display}`.\npub mod {stem} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/typify/{stem}.rs\"));\n}}\n\n"
        ));
    }

    index.push_str(
        "/// (file stem, root type name) of every schema typify converted, in file-name order.\n",
    );
    index.push_str("pub const ROOTS: &[(&str, &str)] = &[\n");
    for (stem, title) in &roots {
        index.push_str(&format!("    ({stem:?}, {title:?}),\n"));
    }
    index.push_str("];\n\n");
    index.push_str(
        "/// Read `instance` as typify's root type of schema `stem` and write it back; `None` for an unknown stem.\n",
    );
    index.push_str(
        "pub fn typify_round_trip(stem: &str, instance: &::serde_json::Value) -> Option<Result<::serde_json::Value, String>> {\n",
    );
    index.push_str("    match stem {\n");
    for (stem, title) in &roots {
        index.push_str(&format!(
            "        {stem:?} => Some(round_trip::<{stem}::{title}>(instance)),\n"
        ));
    }
    index.push_str("        _ => None,\n    }\n}\n\n");
    index.push_str(
        "fn round_trip<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(instance: &::serde_json::Value) -> Result<::serde_json::Value, String> {\n\
         \x20   let typed: T = ::serde_json::from_value(instance.clone()).map_err(|e| e.to_string())?;\n\
         \x20   ::serde_json::to_value(&typed).map_err(|e| e.to_string())\n}\n",
    );
    fs::write(out_dir.join("index.rs"), index).expect("OUT_DIR is writable");
}

/// typify's Rust for one schema file, and the root type's name (the schema's `title`).
fn typify_one(path: &Path) -> Result<(String, String), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("unreadable: {e}"))?;
    let mut schema: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let title = schema
        .get("title")
        .and_then(Value::as_str)
        .ok_or("the schema has no top-level title, which names typify's root type")?
        .to_string();
    rewrite_for_draft_07(&mut schema);
    let root: schemars08::schema::RootSchema =
        serde_json::from_value(schema).map_err(|e| format!("schemars 0.8 cannot read it: {e}"))?;

    // typify reports some unsupported shapes with todo!()/panic!; turn those into a message too.
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let converted = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut settings = typify::TypeSpaceSettings::default();
        settings.with_struct_builder(false);
        let mut space = typify::TypeSpace::new(&settings);
        space.add_root_schema(root).map_err(|e| e.to_string())?;
        Ok::<_, String>(space.to_stream())
    }));
    panic::set_hook(previous_hook);
    let stream = match converted {
        Ok(result) => result?,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            return Err(format!("typify panicked: {message}"));
        }
    };
    let file: syn::File =
        syn::parse2(stream).map_err(|e| format!("typify produced unparsable Rust: {e}"))?;
    Ok((prettyplease::unparse(&file), title))
}

/// Rewrites 1 and 2 of the module docs: `$defs` → `definitions`, and every local reference with it.
fn rewrite_for_draft_07(schema: &mut Value) {
    if let Some(object) = schema.as_object_mut()
        && let Some(defs) = object.remove("$defs")
    {
        object.insert("definitions".to_string(), defs);
    }
    rewrite_refs(schema);
    strip_rules(schema);
}

/// Rewrite 3: drop `allOf`s made of rule entries (every entry's `$comment` is `<code> §…`).
fn strip_rules(value: &mut Value) {
    match value {
        Value::Object(object) => {
            rule_blocks::remove_rule_block(object);
            object.values_mut().for_each(strip_rules);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_rules),
        _ => {}
    }
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "$ref"
                    && let Some(reference) = child.as_str()
                    && let Some(name) = reference.strip_prefix("#/$defs/")
                {
                    *child = Value::String(format!("#/definitions/{name}"));
                } else {
                    rewrite_refs(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// A Rust item that stops compilation with `message`.
fn compile_error(message: &str) -> String {
    format!("::core::compile_error!({message:?});\n")
}
