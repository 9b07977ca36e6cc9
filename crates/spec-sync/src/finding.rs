//! Findings: what spec-sync reports, and its two output forms (human lines grouped by clause, and
//! the `--json` document).

use std::fmt;

/// What kind of difference a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// An item of the Master Spec that the lock does not hold.
    ItemAdded,
    /// A lock entry whose item is gone from the Master Spec.
    ItemRemoved,
    /// An item whose text (or clause) changed since the lock.
    ItemChanged,
    /// A field of the Master Spec that the YAML record lacks.
    FieldMissing,
    /// A field of the YAML record that the Master Spec does not have.
    FieldExtra,
    /// Required in one, optional in the other.
    RequiredMismatch,
    /// Types that cannot correspond (list vs single, scalar kinds, enum vs record, …).
    TypeMismatch,
    /// A type of the Master Spec's code blocks with no YAML type.
    TypeMissing,
    /// A lifecycle state of the Master Spec that the YAML lifecycle lacks.
    StateMissing,
    /// A YAML lifecycle state the Master Spec does not define.
    StateExtra,
    /// An edge the state machine diagram draws that the lifecycle neither allows nor rejects.
    TransitionMissing,
    /// A transition the YAML says the diagram draws (`origin: diagram`) that it does not draw.
    TransitionExtra,
    /// An enumerated value of the Master Spec that the YAML enum lacks.
    EnumValueMissing,
    /// A YAML enum value the Master Spec does not enumerate.
    EnumValueExtra,
    /// The same field or value, spelled differently on the wire.
    WireNameMismatch,
    /// A normative item no declaration claims and `out_of_scope` does not list.
    Unclaimed,
    /// A `claims:` id that no item of this Master Spec has.
    ClaimUnknown,
    /// Something in §2.6.6 that could not be read (with what was done instead, if anything).
    Unparsed,
    /// A double-encoded UTF-8 line that was repaired before reading.
    Repaired,
}

impl FindingKind {
    /// The snake_case name printed and written to JSON.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::ItemAdded => "item_added",
            FindingKind::ItemRemoved => "item_removed",
            FindingKind::ItemChanged => "item_changed",
            FindingKind::FieldMissing => "field_missing",
            FindingKind::FieldExtra => "field_extra",
            FindingKind::RequiredMismatch => "required_mismatch",
            FindingKind::TypeMismatch => "type_mismatch",
            FindingKind::TypeMissing => "type_missing",
            FindingKind::StateMissing => "state_missing",
            FindingKind::StateExtra => "state_extra",
            FindingKind::TransitionMissing => "transition_missing",
            FindingKind::TransitionExtra => "transition_extra",
            FindingKind::EnumValueMissing => "enum_value_missing",
            FindingKind::EnumValueExtra => "enum_value_extra",
            FindingKind::WireNameMismatch => "wire_name_mismatch",
            FindingKind::Unclaimed => "unclaimed",
            FindingKind::ClaimUnknown => "claim_unknown",
            FindingKind::Unparsed => "unparsed",
            FindingKind::Repaired => "repaired",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is.
    pub kind: FindingKind,
    /// The Master Spec clause, `§2.6.6.2.1`.
    pub clause: String,
    /// The Master Spec line (0 for a lock entry whose item is gone: its old line is in `detail`).
    pub line: usize,
    /// The field, state, value or item it is about.
    pub subject: String,
    /// What differs.
    pub detail: String,
    /// For `unparsed` and `repaired`: a hash of the clause, kind, subject and the source line, by
    /// which `--accept` records that a human reviewed it (see [`crate::lock`]); `None` otherwise.
    pub fingerprint: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}: {}: {}",
            self.line, self.clause, self.kind, self.subject, self.detail
        )
    }
}

/// Sorts findings into clause groups: clauses in `clause_order` (Master Spec order), lines
/// ascending inside each, then kind and subject so the output is deterministic.
pub fn sort(findings: &mut [Finding], clause_order: &[String]) {
    let rank = |clause: &str| {
        clause_order
            .iter()
            .position(|c| c == clause)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        (rank(&a.clause), &a.clause, a.line, a.kind, &a.subject).cmp(&(
            rank(&b.clause),
            &b.clause,
            b.line,
            b.kind,
            &b.subject,
        ))
    });
}

/// The human form: one finding per line, a blank line between clause groups.
pub fn render_human(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut last: Option<&str> = None;
    for finding in findings {
        if last.is_some_and(|clause| clause != finding.clause) {
            out.push('\n');
        }
        last = Some(&finding.clause);
        out.push_str(&finding.to_string());
        out.push('\n');
    }
    out
}

/// The `--json` form.
pub fn render_json(
    findings: &[Finding],
    items: usize,
    claimed: usize,
    out_of_scope: usize,
) -> String {
    let findings: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "kind": f.kind.name(),
                "clause": f.clause,
                "line": f.line,
                "subject": f.subject,
                "detail": f.detail,
            })
        })
        .collect();
    let document = serde_json::json!({
        "findings": findings,
        "items": items,
        "claimed": claimed,
        "out_of_scope": out_of_scope,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always prints");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: FindingKind, clause: &str, line: usize, subject: &str) -> Finding {
        Finding {
            kind,
            clause: clause.into(),
            line,
            subject: subject.into(),
            detail: "d".into(),
            fingerprint: None,
        }
    }

    #[test]
    fn grouped_by_clause_in_master_spec_order_then_by_line() {
        let mut findings = vec![
            finding(FindingKind::Unclaimed, "§2.6.6.7", 90, "c"),
            finding(FindingKind::FieldMissing, "§2.6.6.2.1", 12, "b"),
            finding(FindingKind::ItemAdded, "§2.6.6.2.1", 10, "a"),
        ];
        let order = vec!["§2.6.6.2.1".to_string(), "§2.6.6.7".to_string()];
        sort(&mut findings, &order);
        assert_eq!(
            render_human(&findings),
            "10: §2.6.6.2.1: item_added: a: d\n12: §2.6.6.2.1: field_missing: b: d\n\n90: §2.6.6.7: unclaimed: c: d\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&findings, 3, 2, 1)).unwrap();
        assert_eq!(
            json["findings"][1],
            serde_json::json!({"kind": "field_missing", "clause": "§2.6.6.2.1", "line": 12, "subject": "b", "detail": "d"})
        );
        assert_eq!(
            (
                json["items"].as_u64(),
                json["claimed"].as_u64(),
                json["out_of_scope"].as_u64()
            ),
            (Some(3), Some(2), Some(1))
        );
    }
}
