//! Coverage: one clause with several requirements, each claimed by a different declaration
//! (`claims:` on a record field, a lifecycle state and a transition), one listed out of scope,
//! one claimed by nothing.

use std::collections::BTreeMap;

use handshake_spec::scratch;
use handshake_spec_sync::extract::extract;
use handshake_spec_sync::lock::Lock;

const MASTER: &str = "### 2.6.6 Model

#### 2.6.6.3 Lifecycle

##### 2.6.6.3.3 Constraints

- Changes MUST only be applied on completion.
- Failed jobs MUST NOT commit edits.
- Poisoned jobs MUST NOT be retried automatically.
- Workers MUST log every retry.
- Operators SHALL review poisoned jobs by hand.
";

/// The states and transitions of [`model`]'s lifecycle, some claiming a requirement.
const STATES: &str = r#"    running: { terminal: false, clause: §2.6.6.3.3, description: running }
    failed:
      terminal: false
      clause: §2.6.6.3.3
      description: failed, commits nothing
      claims: ["§2.6.6.3.3/failed-jobs-must-not-commit-edits"]
    cancelled:
      terminal: true
      clause: §2.6.6.3.3
      description: a state claiming a requirement this Master Spec does not have
      claims: ["§2.6.6.3.3/cancelled-jobs-must-vanish"]
    poisoned: { terminal: true, clause: §2.6.6.3.3, description: never retried }
  transitions:
    - { from: running, to: failed, origin: text, clause: §2.6.6.3.3, description: fail }
    - { from: running, to: cancelled, origin: text, clause: §2.6.6.3.3, description: cancel }
    - from: failed
      to: poisoned
      origin: text
      clause: §2.6.6.3.3
      description: poison; there is no transition out of poisoned, so no automatic retry
      claims: ["§2.6.6.3.3/poisoned-jobs-must-not-retried-automatically"]
"#;

/// The scratch spec's file: a record field, two states, a transition and a guard out of scope
/// each claiming a requirement of §2.6.6.3.3 (the state `cancelled` one no item has).
fn model() -> String {
    [
        scratch::CLAIMING_RECORD,
        &scratch::lifecycle_head("JobState", "§2.6.6.3", "running"),
        STATES,
        scratch::OUT_OF_SCOPE_CLAIM,
    ]
    .concat()
}

/// The scratch spec: `model` as `spec/model.yaml`, a manifest claiming `manifest_claims` (none
/// when empty), and the lock when there is one.
fn spec_sources(
    model: &str,
    manifest_claims: &str,
    lock: Option<&Lock>,
) -> BTreeMap<String, String> {
    let mut sources = scratch::sources("coverage", &[("model.yaml", model)]);
    if !manifest_claims.is_empty() {
        let manifest = &sources[handshake_spec::MANIFEST];
        let manifest = manifest.replace(
            "files:\n",
            &format!("claims: [{manifest_claims}]\nfiles:\n"),
        );
        sources.insert(handshake_spec::MANIFEST.into(), manifest);
    }
    if let Some(lock) = lock {
        sources.insert("spec/master-spec.lock".into(), lock.render());
    }
    sources
}

fn sources(lock: Option<&Lock>) -> BTreeMap<String, String> {
    spec_sources(&model(), "", lock)
}

/// [`model`] without its claim of an id no Master Spec item has.
fn model_with_known_claims() -> String {
    model().replace(
        "      claims: [\"§2.6.6.3.3/cancelled-jobs-must-vanish\"]\n",
        "",
    )
}

#[test]
fn a_claim_no_item_has_is_refused_by_the_loader_and_reported_without_a_lock() {
    let lock = Lock::from_items(&extract(MASTER.as_bytes()).unwrap().items);
    let refused = handshake_spec::load_sources(&sources(Some(&lock)), "spec/handshake.yaml");
    let error = refused.unwrap_err().to_string();
    assert!(
        error.contains("S1201") && error.contains("spec/model.yaml:29:"),
        "{error}"
    );
    let spec = handshake_spec::load_sources(&sources(None), "spec/handshake.yaml").unwrap();
    let report = handshake_spec_sync::check(MASTER.as_bytes(), &spec, &lock).unwrap();
    let unknown: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.kind == handshake_spec_sync::finding::FindingKind::ClaimUnknown)
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        unknown,
        vec![
            "0: §2.6.6.3.3: claim_unknown: §2.6.6.3.3/cancelled-jobs-must-vanish: claimed at spec/model.yaml:29:16, but no item of this Master Spec has this id"
        ]
    );
}

#[test]
fn three_requirements_of_one_clause_claimed_by_three_declarations() {
    let lock = Lock::from_items(&extract(MASTER.as_bytes()).unwrap().items);
    let sources = spec_sources(&model_with_known_claims(), "", Some(&lock));
    let spec = handshake_spec::load_sources(&sources, "spec/handshake.yaml").expect("loads");
    let claims: Vec<(&str, usize)> = spec
        .claims
        .iter()
        .map(|c| (c.id.as_str(), c.declaration.line))
        .collect();
    assert_eq!(
        claims,
        vec![
            ("§2.6.6.3.3/changes-must-only-applied-completion", 7),
            ("§2.6.6.3.3/failed-jobs-must-not-commit-edits", 20),
            (
                "§2.6.6.3.3/poisoned-jobs-must-not-retried-automatically",
                33
            ),
            ("§2.6.6.3.3/workers-must-log-every-retry", 40),
        ]
    );
    let report = handshake_spec_sync::check(MASTER.as_bytes(), &spec, &lock).unwrap();
    assert_eq!(
        (report.items.len(), report.claimed, report.out_of_scope),
        (5, 3, 1)
    );
    let findings: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        findings,
        vec![
            "11: §2.6.6.3.3: unclaimed: §2.6.6.3.3/operators-shall-review-poisoned-jobs-hand: no declaration claims this statement: add its id to `claims:` of the declaration that implements it, or to an `out_of_scope:` entry"
        ]
    );
    let json: serde_json::Value = serde_json::from_str(&handshake_spec_sync::finding::render_json(
        &report.findings,
        report.items.len(),
        report.claimed,
        report.out_of_scope,
    ))
    .unwrap();
    assert_eq!(json["items"], 5);
    assert_eq!(json["claimed"], 3);
    assert_eq!(json["out_of_scope"], 1);
    assert_eq!(json["findings"][0]["kind"], "unclaimed");
    assert_eq!(json["findings"][0]["line"], 11);
}

/// The manifest claims what the spec as a whole implements (the schema process of §2.6.6.6.3
/// in the real spec): its `claims:` count like any declaration's.
#[test]
fn the_manifest_claims_what_no_single_declaration_implements() {
    let lock = Lock::from_items(&extract(MASTER.as_bytes()).unwrap().items);
    let claim = "\"§2.6.6.3.3/operators-shall-review-poisoned-jobs-hand\"";
    let sources = spec_sources(&model_with_known_claims(), claim, Some(&lock));
    let spec = handshake_spec::load_sources(&sources, "spec/handshake.yaml").expect("loads");
    let by_manifest: Vec<String> = spec
        .claims
        .iter()
        .filter(|c| c.declaration.file == "spec/handshake.yaml")
        .map(|c| format!("{} at {}", c.id, c.location))
        .collect();
    assert_eq!(
        by_manifest,
        vec!["§2.6.6.3.3/operators-shall-review-poisoned-jobs-hand at spec/handshake.yaml:11:10"]
    );
    let report = handshake_spec_sync::check(MASTER.as_bytes(), &spec, &lock).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!((report.claimed, report.out_of_scope), (4, 1));

    // an unknown id there is refused like anywhere else
    let bad = spec_sources(
        &model_with_known_claims(),
        "\"§2.6.6.3.3/no-such-item\"",
        Some(&lock),
    );
    let error = handshake_spec::load_sources(&bad, "spec/handshake.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("S1201") && error.contains("spec/handshake.yaml:11:10"),
        "{error}"
    );
}
