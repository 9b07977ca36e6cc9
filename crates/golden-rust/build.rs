//! Declares the Rust output of every golden case as a module of the test target `goldens`: for each
//! folder `tests/golden/<case>/expected/rust/` it writes `pub mod <case> { pub mod <file>; … }`
//! (with `#[path]`s to the files) into `$OUT_DIR/golden_cases.rs`, which `tests/goldens/main.rs`
//! includes. A new case folder is compiled without new code; `rerun-if-changed` on `tests/golden`
//! (Cargo scans the folder recursively) picks up added and removed cases and files.
//!
//! `registry.rs` is left out: its `#[macro_export]` macros are exported at the crate root and name
//! `$crate::generated::types`, so one crate holds one registry, laid out as the model crate's
//! `generated/` (which compiles the real spec's). Every other file of every case is compiled.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files of a case's Rust output that are not declared (see the module doc).
const NOT_DECLARED: &[&str] = &["registry.rs"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let golden = manifest_dir
        .join("../../tests/golden")
        .canonicalize()
        .expect("tests/golden exists");
    println!("cargo:rerun-if-changed={}", golden.display());

    let mut out = String::new();
    for case in sorted_entries(&golden) {
        let rust = case.join("expected/rust");
        if !rust.is_dir() {
            continue;
        }
        let name = file_name(&case);
        let _ = writeln!(
            out,
            "/// The Rust output of the golden case `{name}` (`tests/golden/{name}/expected/rust`)."
        );
        let _ = writeln!(
            out,
            "#[allow(dead_code)] // a test uses only part of the generated API"
        );
        // A case may be named like one of its files (`profiles/profiles.rs`).
        let _ = writeln!(out, "#[allow(clippy::module_inception)]");
        let _ = writeln!(out, "pub mod {name} {{");
        for file in sorted_entries(&rust) {
            let module = file_name(&file);
            let Some(module) = module.strip_suffix(".rs") else {
                continue;
            };
            if NOT_DECLARED.contains(&file_name(&file).as_str()) {
                continue;
            }
            // The goldens are prettyplease output; `cargo fmt` must not rewrite them.
            let _ = writeln!(out, "    #[rustfmt::skip]");
            let _ = writeln!(out, "    #[path = {:?}]", file.display().to_string());
            let _ = writeln!(out, "    pub mod {module};");
        }
        let _ = writeln!(out, "}}");
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("golden_cases.rs"), out).expect("write golden_cases.rs");
}

/// The entries of a folder, sorted by name, so the generated file does not depend on the file system.
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a named entry")
        .to_string_lossy()
        .into_owned()
}
