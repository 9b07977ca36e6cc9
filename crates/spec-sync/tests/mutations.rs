//! Mutation tests on the real Master Spec v02.84, read from `../shared` at test time: each edit of
//! the text gives exactly the expected findings and nothing else.
//!
//! The baseline is the unmutated text with a lock made from it, compared with this repository's
//! YAML; a mutation's findings are compared with the baseline's by (kind, clause, subject), so the
//! structural findings the YAML has today do not hide or fake a mutation's. Without `../shared`
//! (a bare clone) the tests print a skip line; with `CI` set they fail instead.

use std::path::{Path, PathBuf};

use handshake_spec::model::Spec;
use handshake_spec_sync::extract::extract;
use handshake_spec_sync::finding::{Finding, FindingKind};
use handshake_spec_sync::lock::{LOCK_PATH, Lock, reconcile};
use handshake_spec_sync::source::double_encode;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The v02.84 text, or `None` (after printing why) outside CI when `../shared` is absent.
fn master_spec() -> Option<String> {
    let path = repo_root().join("../shared/spec-source/Handshake_Master_Spec_v02.84.md");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) if std::env::var_os("CI").is_some() => {
            panic!(
                "CI must have the Master Spec at {}: {error}",
                path.display()
            )
        }
        Err(_) => {
            println!(
                "skipped: {} is absent (a clone without ../shared); CI runs this test",
                path.display()
            );
            None
        }
    }
}

struct Baseline {
    text: String,
    spec: Spec,
    lock: Lock,
    findings: Vec<Finding>,
}

/// The baseline, computed once for all tests of this file (two readings of 1.5 MB each).
fn baseline() -> Option<&'static Baseline> {
    static BASELINE: std::sync::OnceLock<Option<Baseline>> = std::sync::OnceLock::new();
    BASELINE.get_or_init(compute_baseline).as_ref()
}

fn compute_baseline() -> Option<Baseline> {
    let text = master_spec()?;
    let spec = handshake_spec::load(&repo_root()).expect("the repository's spec loads");
    let lock = Lock::from_items(&extract(text.as_bytes()).unwrap().items);
    let findings = handshake_spec_sync::check(text.as_bytes(), &spec, &lock)
        .unwrap()
        .findings;
    assert!(
        findings.iter().all(|f| !matches!(
            f.kind,
            FindingKind::ItemAdded | FindingKind::ItemRemoved | FindingKind::ItemChanged
        )),
        "a lock made from the text itself has no item findings"
    );
    Some(Baseline {
        text,
        spec,
        lock,
        findings,
    })
}

type Key = (String, String, String);

fn key(f: &Finding) -> Key {
    (f.kind.to_string(), f.clause.clone(), f.subject.clone())
}

/// How the findings of `mutated` differ from the baseline's: `+ line: clause: kind: subject` for
/// a new one, `- clause: kind: subject` for one that is gone.
fn changes(base: &Baseline, mutated: &str) -> Vec<String> {
    let findings = handshake_spec_sync::check(mutated.as_bytes(), &base.spec, &base.lock)
        .unwrap()
        .findings;
    let before: Vec<Key> = base.findings.iter().map(key).collect();
    let after: Vec<Key> = findings.iter().map(key).collect();
    let mut out: Vec<String> = findings
        .iter()
        .filter(|f| !before.contains(&key(f)))
        .map(|f| format!("+ {}: {}: {}: {}", f.line, f.clause, f.kind, f.subject))
        .collect();
    out.extend(
        before
            .iter()
            .filter(|k| !after.contains(k))
            .map(|(kind, clause, subject)| format!("- {clause}: {kind}: {subject}")),
    );
    out
}

/// Whether the baseline reports `id` as unclaimed (today's YAML may or may not claim it).
fn unclaimed_in_baseline(base: &Baseline, id: &str) -> bool {
    base.findings
        .iter()
        .any(|f| f.kind == FindingKind::Unclaimed && f.subject == id)
}

fn lines(text: &str) -> Vec<String> {
    text.split('\n').map(str::to_string).collect()
}

/// 1-based line `n` of the text, checked to start with `start`.
fn at(lines: &[String], n: usize, start: &str) -> usize {
    assert!(
        lines[n - 1].starts_with(start),
        "line {n} is `{}`, not `{start}…`",
        lines[n - 1]
    );
    n - 1
}

/// An edit of the text's lines, given the 0-based index of the line it starts at.
type Edit = fn(&mut Vec<String>, usize);

/// One mutation: what it does, the 1-based line it edits and how that line starts (checked, so a
/// new Master Spec version cannot silently edit another line), the edit, and exactly the finding
/// changes it must give (see [`changes`]).
struct Mutation {
    what: &'static str,
    line: usize,
    start: &'static str,
    edit: Edit,
    expected: &'static [&'static str],
}

const MUTATIONS: &[Mutation] = &[
    Mutation {
        what: "insert a table row",
        line: 5120,
        start: "| `parent_job_id`",
        edit: |text, row| {
            text.insert(
                row + 1,
                "| `trace_tag` | TraceTag | | A tag for traces |".into(),
            );
        },
        expected: &[
            "+ 5121: §2.6.6.2.1: item_added: §2.6.6.2.1/field/trace_tag",
            "+ 5121: §2.6.6.2.1: field_missing: AiJob.trace_tag",
            "+ 5121: §2.6.6.2.1: unclaimed: §2.6.6.2.1/field/trace_tag",
        ],
    },
    Mutation {
        what: "delete a state",
        line: 5257,
        start: "| `cancelled`",
        edit: |text, row| {
            text.remove(row);
        },
        expected: &[
            "+ 5250: §2.6.6.3.2: state_extra: cancelled",
            "+ 5257: §2.6.6.3.2: item_removed: §2.6.6.3.2/state/cancelled",
        ],
    },
    Mutation {
        what: "add a MUST sentence",
        line: 5263,
        start: "- Failed/cancelled/poisoned",
        edit: |text, item| text.insert(item + 1, "- Retried jobs MUST keep their `job_id`.".into()),
        expected: &[
            "+ 5264: §2.6.6.3.3: item_added: §2.6.6.3.3/retried-jobs-must-keep-their-job",
            "+ 5264: §2.6.6.3.3: unclaimed: §2.6.6.3.3/retried-jobs-must-keep-their-job",
        ],
    },
    // a new natural id (its first words changed), matched to the locked one by its words
    Mutation {
        what: "reword a MUST sentence",
        line: 5263,
        start: "- Failed/cancelled/poisoned",
        edit: |text, item| {
            text[item] = "- Jobs that failed, were cancelled or were poisoned MUST NOT commit edits; they may still produce logs and previews.".into();
        },
        expected: &[
            "+ 5263: §2.6.6.3.3: item_changed: §2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not",
        ],
    },
    Mutation {
        what: "move a list item inside its clause (changes nothing)",
        line: 5262,
        start: "- Changes to workspace artefacts",
        edit: |text, first| text.swap(first, first + 1),
        expected: &[],
    },
    Mutation {
        what: "double-encode a line",
        line: 5720,
        start: "- SessionLog → LongTermMemory",
        edit: |text, line| text[line] = double_encode(&text[line]),
        expected: &["+ 5720: §2.6.6.7.6: repaired: utf-8"],
    },
];

/// Each of [`MUTATIONS`] on its own gives exactly its expected findings; all are reported.
#[test]
fn each_mutation_gives_exactly_its_findings() {
    let Some(base) = baseline() else { return };
    let mut failures = Vec::new();
    for mutation in MUTATIONS {
        let mut text = lines(&base.text);
        let index = at(&text, mutation.line, mutation.start);
        (mutation.edit)(&mut text, index);
        let found = changes(base, &text.join("\n"));
        if found != mutation.expected {
            failures.push(format!(
                "{}: expected {:#?}\nfound {found:#?}",
                mutation.what, mutation.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn move_a_paragraph_to_another_clause() {
    let Some(base) = baseline() else { return };
    let mut text = lines(&base.text);
    let paragraph = at(&text, 5151, "Jobs **MUST NOT** operate");
    let moved = text.remove(paragraph);
    assert_eq!(text.remove(paragraph), "", "the blank line after it");
    let target = at(&text, 5261, "- Failed/cancelled/poisoned");
    text.insert(target + 1, String::new());
    text.insert(target + 2, moved);
    let id = "§2.6.6.2.3/jobs-must-not-operate-entities-not";
    let mut expected = vec![format!("+ 5263: §2.6.6.3.3: item_changed: {id}")];
    // an unclaimed item stays unclaimed, reported under its new clause
    if unclaimed_in_baseline(base, id) {
        expected.push(format!("+ 5263: §2.6.6.3.3: unclaimed: {id}"));
        expected.push(format!("- §2.6.6.2.3: unclaimed: {id}"));
    }
    assert_eq!(changes(base, &text.join("\n")), expected);
}

#[test]
fn the_committed_lock_is_current_for_v02_84() {
    let Some(text) = master_spec() else { return };
    let lock_text = std::fs::read_to_string(repo_root().join(LOCK_PATH)).expect("lock committed");
    let lock = Lock::parse(&lock_text).unwrap();
    let extraction = extract(text.as_bytes()).unwrap();
    let mut items = extraction.items;
    let findings: Vec<String> = reconcile(&mut items, &lock)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        findings,
        Vec::<String>::new(),
        "run `cargo xtask spec-sync --master-spec ../shared/spec-source/Handshake_Master_Spec_v02.84.md --accept`"
    );
    // and it records exactly the reading findings of v02.84 as reviewed
    let current = Lock::accept(&items, &extraction.findings).render();
    assert!(
        current == lock_text,
        "the lock is not what --accept writes now"
    );
}
