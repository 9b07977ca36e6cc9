//! The generated Rust of the `reserved_words` golden case
//! (`tests/golden/reserved_words/expected/rust`: fields, a union tag, enum values and states named
//! after reserved words of Rust, TypeScript, Python and SQL): checks that
//! the wire names are the spec's: a spec-named record round-trips byte for byte, the escaped Rust
//! identifiers (`r#type`, `self_`, `Self_`) never reach the wire, and the validators report the
//! wire names in their JSON Pointers.
use crate::cases::reserved_words;

use handshake_job_model::validate_json;
use reserved_words::types::{Flavour, Span, SpanState, Target};
use serde_json::{Value, json};

/// A span with every reserved-word field present, spelled as the spec spells it.
fn spec_named() -> Value {
    json!({
        "span_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "type": "self",
        "ref": "r",
        "self": true,
        "lambda": 0.5,
        "json": { "any": [1] },
        "default": "x",
        "start": 1,
        "end": 2,
        "order": 0,
        "class": { "class": "ref", "type": "t" }
    })
}

#[test]
fn spec_named_record_round_trips_with_its_wire_names() {
    let span: Span = serde_json::from_value(spec_named()).expect("the spec's names parse");
    assert_eq!(span.r#type, Flavour::Self_);
    assert_eq!(span.r#ref.as_deref(), Some("r"));
    assert_eq!(span.self_, Some(true));
    assert_eq!(span.lambda, Some(0.5));
    assert_eq!(span.end, Some(2));
    assert_eq!(
        span.class,
        Some(Target::Ref {
            r#type: "t".to_string()
        })
    );
    assert_eq!(
        serde_json::to_value(&span).expect("serializes"),
        spec_named()
    );
}

#[test]
fn escaped_identifiers_are_not_wire_names() {
    for (escaped, wire) in [("self_", "self"), ("r#type", "type"), ("lambda_", "lambda")] {
        let mut record = spec_named();
        let value = record[wire].take();
        record.as_object_mut().expect("an object").remove(wire);
        record[escaped] = value;
        assert!(
            serde_json::from_value::<Span>(record).is_err(),
            "`{escaped}` must be refused as an unknown key"
        );
    }
    assert!(serde_json::from_value::<Flavour>(json!("Self_")).is_err());
    assert_eq!(
        serde_json::from_value::<Flavour>(json!("self")).expect("the wire value"),
        Flavour::Self_
    );
    assert_eq!(
        serde_json::to_value(SpanState::Final).expect("serializes"),
        json!("final")
    );
}

#[test]
fn validators_point_at_wire_names() {
    let mut record = spec_named();
    record.as_object_mut().expect("an object").remove("ref");
    record["class"] = json!({ "class": "ref", "type": "" });
    record["order"] = json!(3);
    let violations = validate_json::<Span>(&record).expect_err("three rules are broken");
    let mut found: Vec<(String, &str)> = violations.into_iter().map(|v| (v.path, v.code)).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("/class/type".to_string(), "GLD-RULE-203"),
            ("/order".to_string(), "GLD-RULE-202"),
            ("/ref".to_string(), "GLD-RULE-201"),
        ]
    );
}
