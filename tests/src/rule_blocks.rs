//! The cross-field rule blocks of a generated JSON Schema: an `allOf` whose every entry carries
//! `"$comment": "<code> §<clauses>"` (`HSK-RULE-0103 §2.6.6.7.7`, written by
//! `handshake_codegen::json_schema::rules`). The rules constrain values, not the shape a schema
//! describes, so both typify's input (`tests/build.rs`) and the schemars comparison
//! (`tests/schemars_agreement.rs`) leave them out. One file for both: the build script cannot use
//! its own crate, so it includes this one with `#[path]`.

use serde_json::{Map, Value};

/// Whether `comment` is a rule entry's: the rule's code, a space, the clauses it cites.
fn is_rule_comment(comment: &str) -> bool {
    comment.starts_with("HSK-RULE-") && comment.contains(" §")
}

/// Remove the `allOf` of `object` when it holds rule entries only; returns whether it did.
pub fn remove_rule_block(object: &mut Map<String, Value>) -> bool {
    let only_rules = object
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|entries| {
            entries.iter().all(|entry| {
                entry
                    .get("$comment")
                    .and_then(Value::as_str)
                    .is_some_and(is_rule_comment)
            })
        });
    if only_rules {
        object.remove("allOf");
    }
    only_rules
}
