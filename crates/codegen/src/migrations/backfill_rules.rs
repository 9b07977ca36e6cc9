//! A literal `backfill:` checked against the cross-field `rules:` on its record, where that can
//! be decided without the row: a rule whose every path is the backfilled field itself (e.g.
//! `require: { field: kind, min_length: 1 }`) holds or breaks for every backfilled row alike.
//! A rule that relates the field to other fields depends on each row, so it is left to the
//! migration: its CHECK (where SQL expresses the rule) fails the migration, changing nothing.

use handshake_spec::model::{Condition, FieldPath, PathStep, Rule};
use serde_json::Value;

/// The rules on the record that every row backfilled with `value` in `field` breaks.
pub(super) fn broken_rules<'r>(rules: &[&'r Rule], field: &str, value: &Value) -> Vec<&'r Rule> {
    rules
        .iter()
        .copied()
        .filter(|rule| {
            let applies = match &rule.when {
                None => Some(true),
                Some(when) => decide(when, field, value),
            };
            applies == Some(true) && decide(&rule.require, field, value) == Some(false)
        })
        .collect()
}

/// Whether `condition` holds on a record whose `field` is `value` (never absent: a backfilled
/// field is required); `None` when it reads anything else, or is not decided here.
fn decide(condition: &Condition, field: &str, value: &Value) -> Option<bool> {
    let own = |path: &FieldPath| matches!(path.0.as_slice(), [PathStep::Field(f)] if f == field);
    let same = |other: &Value| match (value.as_f64(), other.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => value == other,
    };
    match condition {
        Condition::Present(path) if own(path) => Some(true),
        Condition::Absent(path) if own(path) => Some(false),
        Condition::Equals { path, value: other } if own(path) => Some(same(other)),
        Condition::NotEquals { path, value: other } if own(path) => Some(!same(other)),
        Condition::OneOf { path, values } if own(path) => Some(values.iter().any(same)),
        Condition::NoneOf { path, values } if own(path) => Some(!values.iter().any(same)),
        Condition::Length { path, min, max } if own(path) => {
            let length = match value {
                Value::String(text) => text.chars().count(),
                Value::Array(items) => items.len(),
                _ => return None,
            } as u64;
            Some(min.is_none_or(|min| length >= min) && max.is_none_or(|max| length <= max))
        }
        Condition::Not(inner) => decide(inner, field, value).map(|holds| !holds),
        Condition::All(conditions) => decide_all(conditions, field, value, false),
        Condition::Any(conditions) => decide_all(conditions, field, value, true),
        _ => None,
    }
}

/// `all` (`decisive` false) or `any` (`decisive` true) of `conditions`: `decisive` as soon as one
/// part is decided so, the other answer when every part is decided, else undecided.
fn decide_all(
    conditions: &[Condition],
    field: &str,
    value: &Value,
    decisive: bool,
) -> Option<bool> {
    let decided: Vec<Option<bool>> = conditions.iter().map(|c| decide(c, field, value)).collect();
    if decided.contains(&Some(decisive)) {
        Some(decisive)
    } else {
        decided
            .into_iter()
            .collect::<Option<Vec<bool>>>()
            .map(|_| !decisive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(field: &str) -> FieldPath {
        FieldPath(vec![PathStep::Field(field.to_string())])
    }

    #[test]
    fn only_conditions_on_the_field_alone_are_decided() {
        let length = Condition::Length {
            path: path("kind"),
            min: Some(1),
            max: None,
        };
        assert_eq!(decide(&length, "kind", &json!("")), Some(false));
        assert_eq!(decide(&length, "kind", &json!("a")), Some(true));
        let other = Condition::Present(path("title"));
        assert_eq!(decide(&other, "kind", &json!("")), None);
        let both = Condition::All(vec![length.clone(), other.clone()]);
        // One part breaks whatever the other field holds.
        assert_eq!(decide(&both, "kind", &json!("")), Some(false));
        assert_eq!(decide(&both, "kind", &json!("a")), None);
        let either = Condition::Any(vec![length, other]);
        assert_eq!(decide(&either, "kind", &json!("a")), Some(true));
        assert_eq!(decide(&either, "kind", &json!("")), None);
        let number = Condition::OneOf {
            path: path("level"),
            values: vec![json!(1), json!(2)],
        };
        assert_eq!(decide(&number, "level", &json!(1.0)), Some(true));
        assert_eq!(
            decide(&Condition::Not(Box::new(number)), "level", &json!(3)),
            Some(true)
        );
    }
}
