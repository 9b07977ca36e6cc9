//! Shared by the model crate's integration tests: reading committed examples and schemas, and
//! the tags of a profile-tagged union's JSON Schema.

use serde_json::{Value, json};

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed JSON file at `path` (relative to the repository root).
pub fn example(path: &str) -> Value {
    let text = std::fs::read_to_string(repo_root().join(path))
        .unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The `profile` tags of the union schema at `path` (`JobInputs`, `JobOutputs`), in variant order,
/// after checking it is a `oneOf` whose every variant requires its tag and fixes it with `const`.
pub fn profile_union_tags(path: &str) -> Vec<String> {
    let schema = example(path);
    schema["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: a oneOf"))
        .iter()
        .map(|variant| {
            assert!(
                variant["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!("profile"))),
                "every variant requires its tag: {variant}"
            );
            variant["properties"]["profile"]["const"]
                .as_str()
                .expect("each variant fixes the tag with const")
                .to_string()
        })
        .collect()
}
