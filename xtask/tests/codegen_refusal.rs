//! End to end: `cargo xtask codegen` on a scratch workspace whose spec makes a storage change it
//! refuses (a stored column dropped undeclared, a referenced primary key changed, a literal
//! backfill that breaks a rule) exits non-zero, names the YAML location and the declaration to
//! write, and writes nothing: no migration, no generated output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `tests/migration_cases/<case>` of the repository.
fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/migration_cases")
        .join(name)
}

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("readable folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("under dir").to_path_buf();
                out.insert(relative, std::fs::read(&path).expect("readable file"));
            }
        }
    }
    out
}

fn copy_folder(from: &Path, to: &Path) {
    for (relative, bytes) in snapshot(from) {
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
}

fn run_codegen(root: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .env("HANDSHAKE_XTASK_ROOT", root)
        .output()
        .expect("the xtask runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Run `cargo xtask codegen` on a scratch workspace holding the migrations generated from case
/// `name`'s `before` spec and its `after` spec; assert it fails, its message holds every one of
/// `needles`, and no file changed.
fn assert_refused(name: &str, needles: &[&str]) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let root = std::env::temp_dir().join(format!("xtask-{name}-{}-{nanos}", std::process::id()));
    // The committed state: the `before` spec and the migrations codegen generated from it.
    let before_spec = case(name).join("before");
    copy_folder(&before_spec, &root);
    let spec = handshake_spec::load(&before_spec).expect("the before spec loads");
    let committed = handshake_codegen::migrations::generate(&spec, &[]).expect("0001");
    for file in &committed.files {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, &file.contents).expect("write");
    }
    // The spec as changed, without the declaration the change needs.
    copy_folder(&case(name).join("after"), &root);
    let before = snapshot(&root);

    let (ok, stderr) = run_codegen(&root);

    assert!(!ok, "{name}: the run must fail: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{name}: says {needle:?}: {stderr}");
    }
    assert!(
        stderr.contains("nothing was written"),
        "{name}: says so: {stderr}"
    );
    assert_eq!(
        snapshot(&root),
        before,
        "{name}: nothing is written: no migration, no changed output"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn an_undeclared_breaking_storage_change_exits_non_zero_names_the_declaration_and_writes_nothing() {
    // `tasks.score` dropped without a declaration.
    assert_refused(
        "refuse_drop_column",
        &[
            "spec/types.yaml:29:3: column tasks.score was dropped or renamed",
            "removed_fields:",
            "score: { allow_data_loss: <why losing its values is acceptable> }",
            "renamed_from: score",
        ],
    );
}

#[test]
fn a_primary_key_other_tables_reference_is_refused_with_the_two_version_way_to_change_it() {
    assert_refused(
        "refuse_primary_key_of_referenced_table",
        &[
            "spec/types.yaml:29:3: primary key of tasks changed from (task_id) to (title) while foreign keys of task_events, task_tags reference it",
            "first drop those `foreign_keys:` entries",
            "then change `primary_key:` and declare them again",
        ],
    );
}

#[test]
fn a_literal_backfill_that_breaks_a_rule_is_refused_at_the_backfill() {
    assert_refused(
        "refuse_backfill_breaking_a_rule",
        &[
            "spec/types.yaml:106:9: `backfill: \"\"` of Task.kind breaks rule `tasks_name_their_kind` (MIG-RULE-010",
            "declare a value the rule accepts",
        ],
    );
}
