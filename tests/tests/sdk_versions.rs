//! Every published artefact carries the spec's version (§2.6.6.6.3: schemas are versioned, and a
//! change of version is what an ADR covers): the JSON Schemas' `$id`, the Python package and the
//! TypeScript package. The version has one source, `version` in `spec/handshake.yaml`; this test
//! fails when any of them drifts from it, and says how to fix it.
//!
//! - JSON Schemas and the generated SDK constants (`SPEC_VERSION`, `__version__`) are written by
//!   `cargo xtask codegen`, so they drift only when codegen was not run (`codegen --check` says so
//!   too).
//! - The Python package's version is read by setuptools from the generated `__version__`
//!   (`dynamic = ["version"]` in `sdk/python/pyproject.toml`), so it cannot drift; this test checks
//!   that the wiring stays in place.
//! - `sdk/typescript/package.json` is hand-maintained (npm has no dynamic version, and codegen never
//!   overwrites a file without its `@generated` marker), so its `version` and the lock file's are
//!   checked here against the spec.

use handshake_conformance::{entries, repo_root};
use serde_json::Value;

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

/// Assert the file at `relative` contains `needle`; `what` says what is missing and how to fix it.
fn assert_file_contains(relative: &str, needle: &str, what: &str) {
    assert!(read(relative).contains(needle), "{relative}: {what}");
}

fn spec_version() -> String {
    handshake_spec::load(&repo_root())
        .unwrap_or_else(|error| panic!("the spec does not load:\n{error}"))
        .version
}

#[test]
fn typescript_package_carries_the_spec_version() {
    let version = spec_version();
    let fix = format!("run `npm version --no-git-tag-version {version}` in sdk/typescript");
    // (file, JSON pointer of a version npm keeps): the package's own and the lock file's two.
    for (file, pointer) in [
        ("sdk/typescript/package.json", "/version"),
        ("sdk/typescript/package-lock.json", "/version"),
        ("sdk/typescript/package-lock.json", "/packages//version"),
    ] {
        let json: Value = serde_json::from_str(&read(file)).expect("json");
        assert_eq!(
            json.pointer(pointer),
            Some(&Value::from(version.as_str())),
            "{file}: {pointer} must be the spec's version; {fix}"
        );
    }
    assert_file_contains(
        "sdk/typescript/src/generated/types.ts",
        &format!("export const SPEC_VERSION = \"{version}\";"),
        &format!("SPEC_VERSION is not {version}; run `cargo xtask codegen`"),
    );
}

#[test]
fn python_package_reads_its_version_from_the_spec() {
    let version = spec_version();
    let pyproject = read("sdk/python/pyproject.toml");
    let project = pyproject
        .split("\n[")
        .find(|table| table.starts_with("project]"))
        .expect("sdk/python/pyproject.toml has a [project] table");
    assert!(
        project.contains("dynamic = [\"version\"]")
            && !project
                .lines()
                .any(|line| line.trim_start().starts_with("version =")),
        "sdk/python/pyproject.toml: [project] must declare `dynamic = [\"version\"]` and no static version"
    );
    assert_file_contains(
        "sdk/python/pyproject.toml",
        "[tool.setuptools.dynamic]\nversion = { attr = \"handshake_job_model.generated.__version__\" }",
        "[tool.setuptools.dynamic] must read version from handshake_job_model.generated.__version__",
    );
    assert_file_contains(
        "sdk/python/handshake_job_model/generated/__init__.py",
        &format!("\n__version__ = \"{version}\"\n"),
        &format!("__version__ is not {version}; run `cargo xtask codegen`"),
    );
}

#[test]
fn every_json_schema_id_names_the_spec_version() {
    let version = spec_version();
    let prefix = format!("https://schemas.handshake.dev/ai-job-model/{version}/");
    let mut checked = 0;
    for (name, _) in entries(&repo_root().join("schemas")) {
        if !name.ends_with(".schema.json") {
            continue;
        }
        let schema: Value = serde_json::from_str(&read(&format!("schemas/{name}"))).expect("json");
        assert_eq!(
            schema["$id"],
            format!("{prefix}{name}"),
            "schemas/{name}: $id must name spec version {version}; run `cargo xtask codegen`"
        );
        checked += 1;
    }
    assert!(checked > 0, "no schemas under schemas/");
}
