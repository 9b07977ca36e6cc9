//! A spec held in memory, for tests, fuzzing and examples that load a few lines of YAML through
//! [`load_sources`](crate::load_sources) instead of a repository on disk.
//!
//! Every such spec needs the same manifest: a name, version 0.1.0, the Master Spec version the
//! repository's own spec implements, one output folder per target under `out/`, and its files.
//! [`manifest`] writes it; [`sources`] adds the files beside it at [`MANIFEST`](crate::MANIFEST).
//!
//! ```
//! let sources = handshake_spec::scratch::sources("example", &[("model.yaml", "types: {}\n")]);
//! assert!(sources["spec/handshake.yaml"].ends_with("files:\n  - model.yaml\n"));
//! assert_eq!(sources["spec/model.yaml"], "types: {}\n");
//! ```

use std::collections::BTreeMap;

/// The manifest of a scratch spec named `name` whose files (relative to `spec/`) are `files`, in
/// load order. Outputs go to `out/rust`, `out/schemas`, `out/migrations`, `out/ts`, `out/py` and
/// `out/docs`.
pub fn manifest(name: &str, files: &[&str]) -> String {
    let mut text = format!(
        "spec: {name}\nversion: 0.1.0\nmaster_spec: v02.84\noutputs:\n  rust: out/rust\n  \
         json_schema: out/schemas\n  migrations: out/migrations\n  typescript: out/ts\n  \
         python: out/py\n  docs: out/docs\nfiles:\n"
    );
    for file in files {
        text.push_str(&format!("  - {file}\n"));
    }
    text
}

/// The sources of a scratch spec: its [`manifest`] at `spec/handshake.yaml` and each `(file,
/// text)` at `spec/<file>`, as [`load_sources`](crate::load_sources) takes them.
pub fn sources(name: &str, files: &[(&str, &str)]) -> BTreeMap<String, String> {
    let names: Vec<&str> = files.iter().map(|(file, _)| *file).collect();
    let mut sources = BTreeMap::from([(crate::MANIFEST.to_string(), manifest(name, &names))]);
    for (file, text) in files {
        sources.insert(format!("spec/{file}"), (*text).to_string());
    }
    sources
}
