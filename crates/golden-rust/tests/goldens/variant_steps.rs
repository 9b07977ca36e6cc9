//! Rule paths with `[variant]` steps give the same verdicts in every target: the Rust validators
//! (`tests/golden/variant_steps/expected/rust`), the JSON
//! Schema (`tests/golden/variant_steps/expected/json_schema/job.schema.json`), the Python rules
//! interpreter (`tests/golden/variant_steps/expected/python/rules.py`) and the TypeScript one
//! (`tests/golden/variant_steps/expected/typescript/rules.ts`, transpiled with the pinned tsc).
//!
//! Each record below carries the exact `(JSON pointer, code)` list Rust must report; the other
//! targets must agree on the verdict, and Python and TypeScript (which report the record a rule is
//! on, here always the job) on the codes. Without `sdk/check.sh`'s venv and node modules the
//! Python and TypeScript columns are skipped loudly, and fail in CI.
use crate::cases::variant_steps as golden;

use std::path::Path;
use std::process::Command;

use golden::types::Job;
use handshake_job_model::validate_json;
use serde_json::{Value, json};

/// The repository root.
fn repo_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A job of `kind` with `extra` fields.
fn job(kind: &str, extra: Value) -> Value {
    let mut base = json!({
        "job_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "job_kind": kind,
        "state": "started"
    });
    for (key, value) in extra.as_object().expect("an object") {
        base[key] = value.clone();
    }
    base
}

/// A named record and the `(JSON pointer, code)` pairs Rust must report on it.
type Case = (&'static str, Value, Vec<(&'static str, &'static str)>);

/// Every record the targets judge.
fn records() -> Vec<Case> {
    let charts = |fields: Value| {
        let mut inputs = json!({ "profile": "charts_decks" });
        for (key, value) in fields.as_object().expect("an object") {
            inputs[key] = value.clone();
        }
        inputs
    };
    let insert = |content: Option<&str>| match content {
        Some(content) => json!({ "op": "insert_block", "after": "b1", "content": content }),
        None => json!({ "op": "insert_block", "after": "b1" }),
    };
    let moving = json!({ "op": "move_block", "block_id": "b2", "after": "b1" });
    vec![
        (
            "a chart job naming its table",
            job(
                "chart_create",
                json!({ "job_inputs": charts(json!({ "source_table_ref": "t1" })) }),
            ),
            vec![],
        ),
        (
            "a chart job whose charts inputs miss the table",
            job("chart_create", json!({ "job_inputs": charts(json!({})) })),
            vec![("/job_inputs/source_table_ref", "GLD-RULE-101")],
        ),
        (
            "a chart job without inputs",
            job("chart_update", json!({})),
            vec![("/job_inputs/source_table_ref", "GLD-RULE-101")],
        ),
        (
            "a chart job with docs inputs: the wrong variant is absent",
            job(
                "chart_create",
                json!({ "job_inputs": { "profile": "docs", "doc_id": "d1" } }),
            ),
            vec![
                ("/job_inputs/source_table_ref", "GLD-RULE-101"),
                ("/job_kind", "GLD-RULE-103"),
            ],
        ),
        (
            "a chart create naming a target chart",
            job(
                "chart_create",
                json!({ "job_inputs": charts(json!({ "source_table_ref": "t1", "target_chart_id": "c1" })) }),
            ),
            vec![("/job_kind", "GLD-RULE-102")],
        ),
        (
            "a chart update naming a target chart",
            job(
                "chart_update",
                json!({ "job_inputs": charts(json!({ "source_table_ref": "t1", "target_chart_id": "c1" })) }),
            ),
            vec![],
        ),
        (
            "a doc job with docs inputs and an empty selection",
            job(
                "doc_rewrite",
                json!({ "job_inputs": { "profile": "docs", "doc_id": "d1", "selection": "" } }),
            ),
            vec![("/job_inputs/selection", "GLD-RULE-104")],
        ),
        (
            "a doc job with docs inputs and no selection (a length bound holds on absence)",
            job(
                "doc_rewrite",
                json!({ "job_inputs": { "profile": "docs", "doc_id": "d1" } }),
            ),
            vec![],
        ),
        (
            "an analysis job planning a move, an insert without content and a priority",
            job(
                "analysis",
                json!({ "priority": 3, "planned_operations": [insert(Some("x")), moving.clone(), insert(None)] }),
            ),
            vec![
                ("/planned_operations/1", "GLD-RULE-105"),
                ("/planned_operations/2", "GLD-RULE-106"),
                ("/priority", "GLD-RULE-107"),
            ],
        ),
        (
            "a doc job may move blocks and insert with content",
            job(
                "doc_rewrite",
                json!({ "planned_operations": [moving, insert(Some("x"))] }),
            ),
            vec![],
        ),
    ]
}

/// `(pointer, code)` of every violation Rust reports, in order.
fn rust_report(value: &Value) -> Vec<(String, String)> {
    match validate_json::<Job>(value) {
        Ok(_) => Vec::new(),
        Err(violations) => violations
            .into_iter()
            .map(|v| (v.path, v.code.to_string()))
            .collect(),
    }
}

#[test]
fn rust_reports_each_violation_at_the_json_path_of_its_data() {
    for (name, record, expected) in records() {
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        assert_eq!(rust_report(&record), expected, "{name}");
    }
}

#[test]
fn the_json_schema_gives_the_rust_verdicts() {
    let path = repo_root().join("tests/golden/variant_steps/expected/json_schema/job.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("golden schema"))
            .expect("JSON");
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    for (name, record, _) in records() {
        assert_eq!(
            validator.is_valid(&record),
            rust_report(&record).is_empty(),
            "{name}: the schema and Rust disagree"
        );
    }
}

/// A column that needs a tool `sdk/check.sh` installs: its absence is loud, and fatal in CI.
fn unavailable(column: &str, reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{column} verdicts unavailable in CI: {reason}");
    }
    eprintln!("!!!!! skipped: the {column} column of the variant-step verdicts ({reason}) !!!!!");
}

/// Runs `program args…` with the records (a JSON array) on stdin; stdout is a JSON array with,
/// per record, the `[pointer, code]` pairs the interpreter reports.
fn run(program: &Path, args: &[&str], cwd: &Path) -> Vec<Vec<(String, String)>> {
    let input: Vec<Value> = records().into_iter().map(|(_, record, _)| record).collect();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(Value::Array(input).to_string().as_bytes())
            .expect("write records");
    }
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{} printed no JSON ({e}):\n{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Every interpreter reports the rule on the job itself (pointer `""`) with Rust's codes.
fn assert_agrees(column: &str, reported: Vec<Vec<(String, String)>>) {
    let records = records();
    assert_eq!(
        reported.len(),
        records.len(),
        "{column}: one answer per record"
    );
    for ((name, _, expected), found) in records.iter().zip(reported) {
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(_, code)| (String::new(), code.to_string()))
            .collect();
        assert_eq!(found, expected, "{column}: {name}");
    }
}

/// Loads the golden output folder as a subpackage of the SDK's `handshake_job_model` (where
/// codegen's output folder sits), so its `.._runtime` imports find the hand-written interpreter.
const PYTHON: &str = r#"
import importlib.util, json, pathlib, sys
sys.path.insert(0, "sdk/python")
import handshake_job_model
golden = pathlib.Path(sys.argv[1]).parent
name = handshake_job_model.__name__ + ".golden_variant_steps"
spec = importlib.util.spec_from_file_location(name, golden / "__init__.py", submodule_search_locations=[str(golden)])
package = importlib.util.module_from_spec(spec)
sys.modules[name] = package
spec.loader.exec_module(package)
rules = sys.modules[name + ".rules"]
print(json.dumps([rules.violations(record, "Job") for record in json.load(sys.stdin)]))
"#;

#[test]
fn the_python_interpreter_gives_the_rust_verdicts() {
    let root = repo_root();
    let python = root.join("sdk/python/.venv/bin/python");
    if !python.exists() {
        return unavailable(
            "python",
            "sdk/python/.venv does not exist; run sdk/check.sh once",
        );
    }
    let rules = root.join("tests/golden/variant_steps/expected/python/rules.py");
    let reported = run(
        &python,
        &["-c", PYTHON, rules.to_str().expect("utf-8 path")],
        &root,
    );
    assert_agrees("python", reported);
}

/// Transpiles the golden `rules.ts` with the pinned TypeScript (type-only imports vanish) and
/// judges the records with its `violations`. Its one value import, `../runtime/rules.js`, is the
/// SDK's hand-written interpreter `sdk/typescript/src/runtime/rules.ts`, whose own import
/// `../canonical.js` (canonical JSON, for `hash_of`) is `sdk/typescript/src/canonical.ts`, both
/// transpiled the same way.
const NODE: &str = r#"
const fs = require("node:fs");
const ts = require(process.argv[1] + "/sdk/typescript/node_modules/typescript");
function load(file, requireModule) {
  const js = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const module = { exports: {} };
  new Function("exports", "module", "require", js)(module.exports, module, requireModule);
  return module.exports;
}
const canonical = load(process.argv[1] + "/sdk/typescript/src/canonical.ts", require);
const runtime = load(process.argv[1] + "/sdk/typescript/src/runtime/rules.ts", (name) =>
  name === "../canonical.js" ? canonical : require(name),
);
const rules = {
  exports: load(process.argv[2], (name) => (name === "../runtime/rules.js" ? runtime : require(name))),
};
const records = JSON.parse(fs.readFileSync(0, "utf8"));
const answer = records.map((record) =>
  rules.exports.violations("Job", record).map((v) => [v.pointer, v.code]),
);
process.stdout.write(JSON.stringify(answer));
"#;

#[test]
fn the_typescript_interpreter_gives_the_rust_verdicts() {
    let root = repo_root();
    if !root.join("sdk/typescript/node_modules/typescript").exists() {
        return unavailable(
            "typescript",
            "sdk/typescript/node_modules does not exist; run sdk/check.sh once",
        );
    }
    let rules = root.join("tests/golden/variant_steps/expected/typescript/rules.ts");
    let reported = run(
        Path::new("node"),
        &[
            "-e",
            NODE,
            root.to_str().expect("utf-8 path"),
            rules.to_str().expect("utf-8 path"),
        ],
        &root,
    );
    assert_agrees("typescript", reported);
}
