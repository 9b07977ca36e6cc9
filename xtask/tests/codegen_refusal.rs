//! End to end: `cargo xtask codegen` on a scratch workspace whose spec makes an undeclared
//! breaking storage change (a stored column dropped) exits non-zero, names the YAML location and
//! the declaration to write, and writes nothing: no migration, no generated output.

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

#[test]
fn an_undeclared_breaking_storage_change_exits_non_zero_names_the_declaration_and_writes_nothing() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let root = std::env::temp_dir().join(format!("xtask-refusal-{}-{nanos}", std::process::id()));
    // The committed state: the `before` spec and the migrations codegen generated from it.
    let before_spec = case("refuse_drop_column").join("before");
    copy_folder(&before_spec, &root);
    let spec = handshake_spec::load(&before_spec).expect("the before spec loads");
    let committed = handshake_codegen::migrations::generate(&spec, &[]).expect("0001");
    for file in &committed.files {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, &file.contents).expect("write");
    }
    // The spec now drops the stored column `tasks.score` without declaring it.
    copy_folder(&case("refuse_drop_column").join("after"), &root);
    let before = snapshot(&root);

    let (ok, stderr) = run_codegen(&root);

    assert!(!ok, "an undeclared drop must fail the run: {stderr}");
    assert!(
        stderr.contains("spec/types.yaml:29:3: column tasks.score was dropped or renamed"),
        "the YAML location and what changed: {stderr}"
    );
    assert!(
        stderr.contains("removed_fields:")
            && stderr.contains("score: { allow_data_loss: <why losing its values is acceptable> }")
            && stderr.contains("renamed_from: score"),
        "the declarations that would cover it: {stderr}"
    );
    assert!(stderr.contains("nothing was written"), "says so: {stderr}");
    assert_eq!(
        snapshot(&root),
        before,
        "nothing is written: no migration, no changed output"
    );
    let _ = std::fs::remove_dir_all(&root);
}
