//! Benchmark of the whole codegen in process: load the YAML spec, check it, and generate every
//! target in memory (Rust, JSON Schema, SQL migrations, TypeScript, Python, docs).
//!
//! Run with `cargo bench -p handshake-codegen`. Cases:
//! - `parse_yaml_only`: the baseline in the same run, the cost of merely parsing the YAML files
//!   (no checks, no generation): what any tool reading this spec pays at least;
//! - `codegen_real_spec`: load + check + generate everything for `spec/`;
//! - `codegen_synthetic_10x`: the same on a spec with every types-only file copied 10 times
//!   (types, tables and indexes renamed), to show cost grows no faster than linearly;
//! - `stage`: each stage of `cargo xtask codegen` alone on the real spec, to show where the time
//!   goes: `load` (YAML parse + every check), then each target generator on the loaded spec
//!   (`migrations` with the committed migrations passed in, as the xtask does);
//! - `rust_format`: what the Rust target pays for printing alone: `syn` parsing the generated
//!   `types.rs` text and `prettyplease` printing it (the generator does both per file);
//! - `plan_repo`: what `cargo xtask codegen --check` does after the process starts: read the spec
//!   and the committed migrations, generate, build the evidence matrix from the hand-written
//!   sources' citations, and compare every output with the tree (no writes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handshake_spec::model::Spec;

fn main() {
    divan::main();
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every spec file as (repo-relative path, text).
fn real_sources() -> BTreeMap<String, String> {
    let root = repo_root();
    let mut sources = BTreeMap::new();
    for entry in std::fs::read_dir(root.join("spec")).expect("spec/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = format!("spec/{}", path.file_name().unwrap().to_string_lossy());
            sources.insert(name, std::fs::read_to_string(&path).expect("readable"));
        }
    }
    sources
}

/// The real spec with every type file copied `copies` times, renaming each declared type,
/// table and index so the copies are independent. The lifecycle and the errors exist once.
fn synthetic_sources(copies: usize) -> BTreeMap<String, String> {
    let real = real_sources();
    let spec = handshake_spec::load_sources(&real, "spec/handshake.yaml")
        .unwrap_or_else(|error| panic!("the real spec loads: {error}"));
    // Files that hold only `types:` are copied; files with anything spec-wide (the manifest,
    // the lifecycle, errors, profiles, rules, out-of-scope guards), even next to types, exist once.
    let types_only = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
            .all(|line| line.starts_with("types:"))
    };
    let type_files: Vec<&str> = spec
        .files
        .iter()
        .map(String::as_str)
        .filter(|f| *f != "spec/handshake.yaml" && types_only(&real[*f]))
        .collect();
    let copied =
        |ty: &handshake_spec::model::TypeDef| type_files.contains(&ty.meta.location.file.as_str());
    let mut renames: Vec<String> = spec
        .types
        .iter()
        .filter(|t| copied(t))
        .map(|t| t.name.clone())
        .collect();
    for ty in spec.types.iter().filter(|t| copied(t)) {
        if let handshake_spec::model::TypeKind::Record(record) = &ty.kind {
            if let Some(table) = &record.table {
                renames.push(table.name.clone());
                renames.extend(table.indexes.iter().map(|i| i.name.clone()));
            }
            for field in &record.fields {
                if let handshake_spec::model::FieldStorage::ChildTable(child) = &field.storage {
                    renames.push(child.table.clone());
                    renames.extend(child.indexes.iter().map(|i| i.name.clone()));
                }
            }
        }
    }
    // Longest first, so `AiJob` does not eat into `AiJobSomething`; whole words only.
    renames.sort_by_key(|name| std::cmp::Reverse(name.len()));

    let mut sources = real.clone();
    let mut manifest = real["spec/handshake.yaml"].clone();
    for copy in 1..copies {
        for file in &type_files {
            let text = rename_words(&real[*file], &renames, copy);
            let name = file.trim_end_matches(".yaml").to_string() + &format!("_copy{copy}.yaml");
            manifest.push_str(&format!("  - {}\n", name.trim_start_matches("spec/")));
            sources.insert(name, text);
        }
    }
    sources.insert("spec/handshake.yaml".into(), manifest);
    sources
}

fn rename_words(text: &str, names: &[String], copy: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let bytes = text.as_bytes();
    let mut i = 0;
    'scan: while i < bytes.len() {
        let at_word_start =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if at_word_start {
            for name in names {
                let end = i + name.len();
                if text[i..].starts_with(name.as_str())
                    && (end == bytes.len()
                        || !(bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_'))
                {
                    out.push_str(name);
                    // PascalCase types get a number, snake_case tables and indexes `_cN`.
                    if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                        out.push_str(&format!("Copy{copy}"));
                    } else {
                        out.push_str(&format!("_c{copy}"));
                    }
                    i = end;
                    continue 'scan;
                }
            }
        }
        let ch = text[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn codegen(sources: &BTreeMap<String, String>) -> usize {
    let spec: Spec = handshake_spec::load_sources(sources, "spec/handshake.yaml")
        .unwrap_or_else(|error| panic!("the spec loads: {error}"));
    let generated = handshake_codegen::generate(&spec, &[]).expect("generates");
    generated.files.iter().map(|f| f.contents.len()).sum()
}

#[divan::bench]
fn parse_yaml_only(bencher: divan::Bencher) {
    let sources = real_sources();
    bencher.bench(|| {
        sources
            .values()
            .map(|text| {
                marked_yaml::parse_yaml(0, divan::black_box(text))
                    .map(|_| 1)
                    .unwrap_or(0)
            })
            .sum::<usize>()
    });
}

/// The committed migrations, as `plan_repo` passes them to the generator.
fn existing_migrations() -> Vec<handshake_codegen::ExistingFile> {
    let root = repo_root();
    handshake_codegen::output::files_under(&root, Path::new("migrations"))
        .expect("migrations/ readable")
        .into_iter()
        .map(|path| {
            let contents = std::fs::read_to_string(root.join(&path)).expect("readable");
            handshake_codegen::ExistingFile { path, contents }
        })
        .collect()
}

/// Loading the spec, then each target (the spec's `outputs:` keys).
fn stages() -> impl Iterator<Item = &'static str> {
    std::iter::once("load").chain(handshake_spec::model::Outputs::TARGETS)
}

#[divan::bench(args = stages())]
fn stage(bencher: divan::Bencher, stage: &str) {
    let sources = real_sources();
    let spec = handshake_spec::load_sources(&sources, "spec/handshake.yaml").expect("spec loads");
    let existing = existing_migrations();
    let bytes = |files: Vec<handshake_codegen::GeneratedFile>| -> usize {
        files.iter().map(|f| f.contents.len()).sum()
    };
    match stage {
        "load" => bencher.bench(|| {
            handshake_spec::load_sources(divan::black_box(&sources), "spec/handshake.yaml")
                .map(|spec| spec.types.len())
                .expect("spec loads")
        }),
        "rust" => bencher
            .bench(|| bytes(handshake_codegen::rust::generate(divan::black_box(&spec)).unwrap())),
        "json_schema" => bencher.bench(|| {
            bytes(handshake_codegen::json_schema::generate(divan::black_box(
                &spec,
            )))
        }),
        "migrations" => bencher.bench(|| {
            let output =
                handshake_codegen::migrations::generate(divan::black_box(&spec), &existing)
                    .unwrap();
            bytes(output.files)
        }),
        "typescript" => bencher.bench(|| {
            bytes(handshake_codegen::typescript::generate(divan::black_box(
                &spec,
            )))
        }),
        "python" => {
            bencher.bench(|| bytes(handshake_codegen::python::generate(divan::black_box(&spec))))
        }
        "docs" => {
            bencher.bench(|| bytes(handshake_codegen::docs::generate(divan::black_box(&spec))))
        }
        other => unreachable!("unknown stage {other}"),
    }
}

#[divan::bench]
fn rust_format(bencher: divan::Bencher) {
    let spec = handshake_spec::load_sources(&real_sources(), "spec/handshake.yaml").expect("loads");
    let types = handshake_codegen::rust::generate(&spec)
        .unwrap()
        .into_iter()
        .find(|f| f.path.ends_with("/types.rs"))
        .expect("types.rs is generated");
    bencher.bench(|| {
        let file = syn::parse_file(divan::black_box(&types.contents)).expect("parses");
        prettyplease::unparse(&file).len()
    });
}

#[divan::bench]
fn codegen_real_spec(bencher: divan::Bencher) {
    let sources = real_sources();
    bencher.bench(|| codegen(divan::black_box(&sources)));
}

#[divan::bench]
fn codegen_synthetic_10x(bencher: divan::Bencher) {
    let sources = synthetic_sources(10);
    bencher.bench(|| codegen(divan::black_box(&sources)));
}

#[divan::bench]
fn plan_repo(bencher: divan::Bencher) {
    let root = repo_root();
    bencher.bench(|| {
        handshake_codegen::plan_repo(divan::black_box(&root)).expect("the repository plans")
    });
}
