//! What the validators generated for the `rules` golden case (`tests/golden/rules/expected/rust`,
//! every condition of the rule language) report: every violation, with its JSON Pointer, code and rule.
use crate::cases::rules;

use handshake_job_model::validate_json;
use rules::types::Order;
use serde_json::{Value, json};

fn order(extra: Value) -> Value {
    let mut base = json!({
        "order_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "channel": "web",
        "stage": "draft",
        "lines": [{ "sku": "ABC-1", "quantity": 2 }]
    });
    for (key, value) in extra.as_object().expect("an object") {
        base[key] = value.clone();
    }
    base
}

/// `(path, code)` of every violation of the base order with the `extra` fields set, or empty when
/// it is valid.
fn report(extra: Value) -> Vec<(String, &'static str)> {
    match validate_json::<Order>(&order(extra)) {
        Ok(_) => Vec::new(),
        Err(violations) => violations.into_iter().map(|v| (v.path, v.code)).collect(),
    }
}

/// Asserts that the base order with the `extra` fields set reports exactly `expected`, as
/// `(path, code)` in order (nothing when empty).
fn assert_reports(extra: Value, expected: &[(&str, &str)]) {
    let expected: Vec<(String, &str)> = expected
        .iter()
        .map(|&(path, code)| (path.to_owned(), code))
        .collect();
    assert_eq!(report(extra.clone()), expected, "{extra}");
}

#[test]
fn a_valid_order_has_no_violation() {
    assert_reports(json!({}), &[]);
}

#[test]
fn equals_and_length() {
    assert_reports(
        json!({ "stage": "published", "lines": [] }),
        &[("/lines", "GLD-RULE-001")],
    );
    assert_reports(json!({ "stage": "published" }), &[]);
}

#[test]
fn a_top_level_all_reports_each_failing_part() {
    // Absent, too short, too long: each breaks one part of the same rule.
    for extra in [
        json!({ "channel": "partner" }),
        json!({ "channel": "partner", "reference": "ab" }),
        json!({ "channel": "partner", "reference": "abcdefghijklm" }),
    ] {
        assert_reports(extra, &[("/reference", "GLD-RULE-002")]);
    }
    // Characters, not bytes: 12 two-byte characters fit.
    assert_reports(
        json!({ "channel": "partner", "reference": "éééééééééééé" }),
        &[],
    );
}

#[test]
fn union_tags_defaults_and_not() {
    let invoice = json!({ "method": "invoice", "days": 30 });
    assert_reports(
        json!({ "express": true, "payment": invoice }),
        &[("", "GLD-RULE-003")],
    );
    // `express` defaults to false: the rule does not apply.
    assert_reports(json!({ "payment": invoice }), &[]);
    let card = json!({ "method": "card", "last4": "4242" });
    assert_reports(json!({ "express": true, "payment": card }), &[]);
}

#[test]
fn any_over_nested_optional_paths() {
    let shipped = "2026-01-02T03:04:05Z";
    assert_reports(json!({ "shipped_at": shipped }), &[("", "GLD-RULE-004")]);
    assert_reports(
        json!({ "shipped_at": shipped, "ship_to": { "country": "de" } }),
        &[("", "GLD-RULE-004")],
    );
    assert_reports(
        json!({ "shipped_at": shipped, "ship_to": { "country": "ch" } }),
        &[],
    );
    assert_reports(
        json!({ "shipped_at": shipped, "ship_to": { "country": "de", "zip": "10115" } }),
        &[],
    );
}

#[test]
fn each_reports_every_failing_element_and_all_equal_the_list() {
    let lines = json!([
        { "sku": "ABC-1", "quantity": 1, "gift": true },
        { "sku": "ABC-2", "quantity": 1, "gift": true, "note": "for you" },
        { "sku": "ABC-3", "quantity": 1, "gift": true }
    ]);
    assert_reports(
        json!({ "lines": lines }),
        &[("/lines/0", "GLD-RULE-005"), ("/lines/2", "GLD-RULE-005")],
    );
    let mixed = json!([
        { "sku": "ABC-1", "quantity": 1 },
        { "sku": "ABC-2", "quantity": 1, "gift": true, "note": "n" }
    ]);
    assert_reports(json!({ "lines": mixed }), &[("/lines", "GLD-RULE-006")]);
}

#[test]
fn contains_on_a_defaulted_list_and_integer_equality() {
    assert_reports(json!({ "priority": 9 }), &[("/tags", "GLD-RULE-007")]);
    assert_reports(json!({ "priority": 9, "tags": ["urgent"] }), &[]);
    assert_reports(json!({ "priority": 8 }), &[]);
}

#[test]
fn not_in_and_not_equals() {
    assert_reports(
        json!({ "channel": "phone", "stage": "withdrawn" }),
        &[("/stage", "GLD-RULE-008")],
    );
    assert_reports(json!({ "channel": "web", "stage": "withdrawn" }), &[]);
}

#[test]
fn rules_on_nested_records_report_their_pointer() {
    let lines = json!([
        { "sku": "ABC-1", "quantity": 2 },
        { "sku": "ABC-2", "quantity": 100 },
        { "sku": "BLK-1", "quantity": 1000 }
    ]);
    // An `any` names no single path: the pointer is the offending record's.
    assert_reports(json!({ "lines": lines }), &[("/lines/1", "GLD-RULE-009")]);
}

#[test]
fn member_of_compares_with_the_elements_of_another_list() {
    // A list of scalars: the reference must be one of the tags; an absent reference fails.
    assert_reports(
        json!({ "priority": 7, "reference": "abc", "tags": ["xyz"] }),
        &[("", "GLD-RULE-010")],
    );
    assert_reports(json!({ "priority": 7 }), &[("", "GLD-RULE-010")]);
    assert_reports(
        json!({ "priority": 7, "reference": "abc", "tags": ["xyz", "abc"] }),
        &[],
    );
    // Inside `each`, the list is read from the order; `where` filters its elements.
    let lines = json!([
        { "sku": "ABC-1", "quantity": 2, "note": "ABC-2" },
        { "sku": "ABC-2", "quantity": 0, "note": "ABC-1" },
        { "sku": "ABC-3", "quantity": 1 }
    ]);
    // Line 0 names ABC-2, whose quantity is 0; line 1 names ABC-1, which has one.
    assert_reports(
        json!({ "priority": 7, "reference": "r", "tags": ["r"], "lines": lines }),
        &[("/lines/0", "GLD-RULE-011")],
    );
}

#[test]
fn every_violation_of_every_rule_is_returned() {
    let extra = json!({
        "channel": "phone",
        "stage": "withdrawn",
        "priority": 9,
        "lines": [{ "sku": "ABC-1", "quantity": 100, "gift": true }, { "sku": "ABC-2", "quantity": 1 }]
    });
    let codes: Vec<&str> = report(extra).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        codes,
        [
            "GLD-RULE-005",
            "GLD-RULE-006",
            "GLD-RULE-007",
            "GLD-RULE-008",
            "GLD-RULE-009"
        ]
    );
}
