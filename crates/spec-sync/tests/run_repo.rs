//! `run_repo` as `cargo xtask spec-sync` runs it, on a throwaway copy of the compare fixture:
//! without a lock every item is new; `--accept` writes the lock (items and reviewed reading
//! findings) after which only the structural findings remain; unreadable input is an error.

use std::path::{Path, PathBuf};

use handshake_spec_sync::finding::FindingKind;
use handshake_spec_sync::lock::{LOCK_PATH, Lock};
use handshake_spec_sync::{RunError, run_repo};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compare")
}

/// A fresh repository root holding the fixture's `spec/` (removed first if a previous run left it).
fn scratch(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("spec-sync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("spec")).unwrap();
    for file in ["handshake.yaml", "types.yaml"] {
        std::fs::copy(
            fixture().join("spec").join(file),
            root.join("spec").join(file),
        )
        .unwrap();
    }
    root
}

fn kinds(report: &handshake_spec_sync::Report, kind: FindingKind) -> usize {
    report.findings.iter().filter(|f| f.kind == kind).count()
}

#[test]
fn accept_writes_the_lock_and_item_findings_stop() {
    let root = scratch("accept");
    // the fixture with a row cut off from its table: an unparsed finding until reviewed
    let master = root.join("master.md");
    let text = std::fs::read_to_string(fixture().join("master.md")).unwrap()
        + "\n##### 2.6.6.7.1 More\n\n| `cut` | Cut | ✓ | A row without its table |\n";
    std::fs::write(&master, &text).unwrap();

    let first = run_repo(&root, &master, false).unwrap();
    assert_eq!(kinds(&first, FindingKind::ItemAdded), first.items.len());
    assert_eq!(kinds(&first, FindingKind::Unparsed), 1);
    let structural = first.findings.len() - first.items.len() - 1;
    assert!(!root.join(LOCK_PATH).exists(), "a plain run writes nothing");

    let accepted = run_repo(&root, &master, true).unwrap();
    let lock = Lock::parse(&std::fs::read_to_string(root.join(LOCK_PATH)).unwrap()).unwrap();
    assert_eq!(lock.entries.len(), first.items.len());
    assert_eq!(lock.reviewed.len(), 1);
    assert_eq!(kinds(&accepted, FindingKind::ItemAdded), 0);
    assert_eq!(kinds(&accepted, FindingKind::Unparsed), 0);
    assert_eq!(accepted.findings.len(), structural);

    let again = run_repo(&root, &master, false).unwrap();
    assert_eq!(again.findings, accepted.findings);

    // a reviewed fragment that changes is reported again
    std::fs::write(&master, text.replace("`cut` | Cut", "`cut` | Other")).unwrap();
    let changed = run_repo(&root, &master, false).unwrap();
    assert_eq!(kinds(&changed, FindingKind::Unparsed), 1);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn unreadable_input_is_an_error() {
    let root = scratch("errors");
    let missing = run_repo(&root, &root.join("absent.md"), false);
    assert!(matches!(missing, Err(RunError::Io { .. })), "{missing:?}");
    let other = root.join("other.md");
    std::fs::write(&other, "# 3.1 Something else\n\nIt MUST hold.\n").unwrap();
    let unrelated = run_repo(&root, &other, false);
    assert!(
        matches!(unrelated, Err(RunError::Read { .. })),
        "{unrelated:?}"
    );
    std::fs::write(root.join(LOCK_PATH), "not\ta lock\n").unwrap();
    let bad_lock = run_repo(&root, &fixture().join("master.md"), false);
    assert!(matches!(bad_lock, Err(RunError::Lock(_))), "{bad_lock:?}");
    std::fs::remove_dir_all(&root).unwrap();
}
