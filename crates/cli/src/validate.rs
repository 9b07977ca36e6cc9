//! `handshake validate`: which type a record is, every violation it has, and the report.
//!
//! Type detection, when `--type` is not given, tries every root type in spec order:
//! * exactly one parses: that one (`unique`);
//! * several parse: the one with the fewest cross-field violations, the first in spec order on
//!   a tie, and the others are named (`fewest_violations`);
//! * none parses: the closest is reported and marked `guessed`. Closest means, in this order:
//!   the JSON kind (object, string, …) matches the type's schema; the record carries the tag
//!   property of a tagged union (`op`, `profile`); more of the record's keys are properties of the
//!   type and fewer are not; fewer of the type's required properties are missing (a small record
//!   that carries one shared key is closer to a small type than to `AiJob`); serde got deeper into
//!   the record before it stopped; first in spec order.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use crate::input;
use crate::registry::{self, Checked, SpecType};
use crate::violation::Violation;

/// How the reported type was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    /// Named with `--type`.
    Named,
    /// The only root type the record parses as.
    Unique,
    /// One of several root types it parses as: the one with the fewest violations.
    FewestViolations,
    /// It parses as no root type; the closest one is reported.
    Guessed,
}

/// The verdict on one file: one element of the `--json` array.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file as given on the command line (`-` for stdin).
    pub file: String,
    /// The type the record was checked as; `null` when the file could not be read, or when it
    /// is not JSON and no `--type` was given (no type can be guessed for it).
    #[serde(rename = "type")]
    pub type_name: Option<&'static str>,
    /// How `type` was chosen; `null` when the file could not be read.
    pub detection: Option<Detection>,
    /// The other root types the record also parses as (only with `fewest_violations`).
    pub also_parses_as: Vec<&'static str>,
    /// True when the record has no violation.
    pub valid: bool,
    /// Every violation found.
    pub violations: Vec<Violation>,
    /// Why the file could not be checked at all (unreadable); `null` otherwise.
    pub error: Option<String>,
}

impl FileReport {
    /// A file that could not be read: reported, and the run exits 2.
    pub fn unreadable(file: &str, error: &anyhow::Error) -> Self {
        Self {
            file: file.to_owned(),
            type_name: None,
            detection: None,
            also_parses_as: Vec::new(),
            valid: false,
            violations: Vec::new(),
            error: Some(format!("{error:#}")),
        }
    }
}

/// Checks JSON `text` as `named` or as the root type it is.
pub fn check_text(file: &str, text: &str, named: Option<&'static SpecType>) -> FileReport {
    let value = match input::parse_json(text) {
        Ok(value) => value,
        Err(error) => {
            let violation = Violation::invalid_record(String::new(), format!("not JSON: {error}"));
            return FileReport {
                file: file.to_owned(),
                type_name: named.map(|spec_type| spec_type.name),
                detection: Some(if named.is_some() {
                    Detection::Named
                } else {
                    Detection::Guessed
                }),
                also_parses_as: Vec::new(),
                valid: false,
                violations: vec![violation],
                error: None,
            };
        }
    };
    let verdict = check_value(&value, named);
    FileReport {
        file: file.to_owned(),
        type_name: verdict.type_name,
        detection: Some(verdict.detection),
        also_parses_as: verdict.also_parses_as,
        valid: verdict.checked.violations.is_empty(),
        violations: verdict.checked.violations,
        error: None,
    }
}

/// The type chosen for a value and what checking it as that type found.
pub struct Verdict {
    /// The chosen type; `None` only when the spec has no root type at all.
    pub type_name: Option<&'static str>,
    /// How it was chosen.
    pub detection: Detection,
    /// Other root types the value parses as.
    pub also_parses_as: Vec<&'static str>,
    /// The outcome for the chosen type.
    pub checked: Checked,
}

/// Checks `value` as `named`, or detects its root type (see the module docs).
pub fn check_value(value: &Value, named: Option<&'static SpecType>) -> Verdict {
    if let Some(spec_type) = named {
        return Verdict {
            type_name: Some(spec_type.name),
            detection: Detection::Named,
            also_parses_as: Vec::new(),
            checked: spec_type.check(value),
        };
    }
    let outcomes: Vec<(&'static SpecType, Checked)> = registry::roots()
        .map(|spec_type| (spec_type, spec_type.check(value)))
        .collect();
    let parsed: Vec<(usize, usize)> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, (_, checked))| checked.parsed.is_some())
        .map(|(index, (_, checked))| (index, checked.violations.len()))
        .collect();
    let (chosen, detection) = match pick_parsed(&parsed) {
        Some((index, detection)) => (Some(index), detection),
        None => (closest(value, &outcomes), Detection::Guessed),
    };
    let also_parses_as = also_parsed(&parsed, chosen, detection)
        .into_iter()
        .map(|index| outcomes[index].0.name)
        .collect();
    match chosen.and_then(|index| outcomes.into_iter().nth(index)) {
        Some((spec_type, checked)) => Verdict {
            type_name: Some(spec_type.name),
            detection,
            also_parses_as,
            checked,
        },
        None => Verdict {
            type_name: None,
            detection: Detection::Guessed,
            also_parses_as,
            checked: Checked {
                parsed: None,
                violations: vec![Violation::invalid_record(
                    String::new(),
                    "the spec has no root type to check against".to_owned(),
                )],
            },
        },
    }
}

/// The winner among the roots a value parsed as, given as (index, violation count) in spec
/// order: the only one, or the one with the fewest violations (the first on a tie).
fn pick_parsed(parsed: &[(usize, usize)]) -> Option<(usize, Detection)> {
    match parsed {
        [] => None,
        [(only, _)] => Some((*only, Detection::Unique)),
        several => several
            .iter()
            .min_by_key(|(_, violations)| *violations)
            .map(|(index, _)| (*index, Detection::FewestViolations)),
    }
}

/// The indices, in spec order, of the roots other than `chosen` that a value also parses as,
/// given as in [`pick_parsed`]; none unless the choice was among several (`fewest_violations`).
fn also_parsed(
    parsed: &[(usize, usize)],
    chosen: Option<usize>,
    detection: Detection,
) -> Vec<usize> {
    match detection {
        Detection::FewestViolations => parsed
            .iter()
            .map(|&(index, _)| index)
            .filter(|&index| Some(index) != chosen)
            .collect(),
        _ => Vec::new(),
    }
}

/// Index of the outcome closest to parsing (none of them parsed).
fn closest(value: &Value, outcomes: &[(&'static SpecType, Checked)]) -> Option<usize> {
    // max_by_key keeps the last of equal keys; the negated index makes the first in spec order win.
    (0..outcomes.len()).max_by_key(|&index| {
        let (spec_type, checked) = &outcomes[index];
        let shape = SchemaShape::cached(spec_type);
        let depth = checked
            .violations
            .iter()
            .map(|violation| violation.path.matches('/').count())
            .max()
            .unwrap_or(0);
        (
            shape.accepts_kind(value),
            shape.carries_tag(value),
            shape.key_score(value),
            std::cmp::Reverse(shape.missing_required(value)),
            depth,
            std::cmp::Reverse(index),
        )
    })
}

/// What a type's JSON Schema says about the top level of a value: its JSON kinds and the
/// property names of any of its object forms (a tagged union has one per variant).
struct SchemaShape {
    kinds: BTreeSet<String>,
    properties: BTreeSet<String>,
    /// Properties pinned to a `const` string: the tag of a tagged union's variants.
    tags: BTreeSet<String>,
    /// The required properties of each object form (one per union variant).
    required: Vec<BTreeSet<String>>,
}

impl SchemaShape {
    /// The shape of a type's schema, derived once per run (many files may be guessed).
    fn cached(spec_type: &'static SpecType) -> &'static Self {
        static SHAPES: OnceLock<Vec<OnceLock<SchemaShape>>> = OnceLock::new();
        let shapes =
            SHAPES.get_or_init(|| registry::TYPES.iter().map(|_| OnceLock::new()).collect());
        let index = registry::TYPES
            .iter()
            .position(|candidate| std::ptr::eq(candidate, spec_type))
            .expect("every SpecType lives in TYPES");
        shapes[index].get_or_init(|| Self::of(&spec_type.schema()))
    }

    fn of(schema: &Value) -> Self {
        let mut shape = Self {
            kinds: BTreeSet::new(),
            properties: BTreeSet::new(),
            tags: BTreeSet::new(),
            required: Vec::new(),
        };
        shape.collect(schema, schema, 0);
        shape
    }

    fn collect(&mut self, node: &Value, document: &Value, depth: usize) {
        // Refs and combinators nest only a few levels at the top of a type; the bound only
        // protects against a recursive `$ref`.
        if depth > 8 {
            return;
        }
        match node.get("type") {
            Some(Value::String(kind)) => {
                self.kinds.insert(kind.clone());
            }
            Some(Value::Array(kinds)) => {
                self.kinds
                    .extend(kinds.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            _ => {}
        }
        if let Some(Value::String(_)) = node.get("const") {
            self.kinds.insert("string".to_owned());
        }
        if let Some(Value::Array(values)) = node.get("enum")
            && values.iter().all(Value::is_string)
        {
            self.kinds.insert("string".to_owned());
        }
        if let Some(Value::Object(properties)) = node.get("properties") {
            self.properties.extend(properties.keys().cloned());
            self.required.push(
                node.get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            );
            self.tags.extend(
                properties
                    .iter()
                    .filter(|(_, property)| property.get("const").is_some_and(Value::is_string))
                    .map(|(name, _)| name.clone()),
            );
        }
        for combinator in ["oneOf", "anyOf", "allOf"] {
            if let Some(Value::Array(branches)) = node.get(combinator) {
                for branch in branches {
                    self.collect(branch, document, depth + 1);
                }
            }
        }
        if let Some(target) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer))
        {
            self.collect(target, document, depth + 1);
        }
    }

    /// True when the value's JSON kind is one the schema allows, or the schema names none.
    fn accepts_kind(&self, value: &Value) -> bool {
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(number) if number.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        self.kinds.is_empty()
            || self.kinds.contains(kind)
            || (kind == "integer" && self.kinds.contains("number"))
    }

    /// True when the record has the tag property of one of the type's union variants: a record
    /// with `op` was written as a planned operation, whatever its other keys say.
    fn carries_tag(&self, value: &Value) -> bool {
        let Value::Object(fields) = value else {
            return false;
        };
        self.tags
            .iter()
            .any(|tag| fields.get(tag).is_some_and(Value::is_string))
    }

    /// How many required properties the record lacks, for the object form it comes closest to
    /// (0 for a type with no object form, or a value that is not an object).
    fn missing_required(&self, value: &Value) -> usize {
        let Value::Object(fields) = value else {
            return 0;
        };
        self.required
            .iter()
            .map(|required| {
                required
                    .iter()
                    .filter(|key| !fields.contains_key(*key))
                    .count()
            })
            .min()
            .unwrap_or(0)
    }

    /// Keys of the record the type knows minus keys it does not.
    fn key_score(&self, value: &Value) -> i64 {
        let Value::Object(fields) = value else {
            return 0;
        };
        fields
            .keys()
            .map(|key| if self.properties.contains(key) { 1 } else { -1 })
            .sum()
    }
}

/// The human-readable report of one file: a verdict line, then one aligned line per violation.
pub fn render_human(report: &FileReport) -> String {
    if let Some(error) = &report.error {
        return format!("{}: error: {error}\n", report.file);
    }
    let type_name = report.type_name.unwrap_or("no type");
    let how = match report.detection {
        Some(Detection::FewestViolations) => format!(
            "; also parses as {}, chose the type with the fewest violations",
            report.also_parses_as.join(", ")
        ),
        Some(Detection::Guessed) => "; guessed: no root type parses, closest shown".to_owned(),
        _ => String::new(),
    };
    let verdict = if report.valid { "valid" } else { "invalid" };
    let mut out = format!("{}: {verdict} ({type_name}{how})\n", report.file);
    let shown_path = |violation: &Violation| {
        if violation.path.is_empty() {
            "(root)".to_owned()
        } else {
            violation.path.clone()
        }
    };
    let width = |column: &dyn Fn(&Violation) -> usize| {
        report.violations.iter().map(column).max().unwrap_or(0)
    };
    let path_width = width(&|violation| shown_path(violation).chars().count());
    let code_width = width(&|violation| violation.code.chars().count());
    let clause_width = width(&|violation| violation.clause.chars().count());
    for violation in &report.violations {
        out.push_str(&format!(
            "  {:path_width$}  {:code_width$}  {:clause_width$}  {}\n",
            shown_path(violation),
            violation.code,
            violation.clause,
            violation.message,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_parses_pick_the_fewest_violations_first_in_spec_order_on_a_tie() {
        assert_eq!(pick_parsed(&[]), None);
        assert_eq!(pick_parsed(&[(4, 2)]), Some((4, Detection::Unique)));
        assert_eq!(
            pick_parsed(&[(1, 3), (5, 1), (7, 1), (9, 0)]),
            Some((9, Detection::FewestViolations))
        );
        assert_eq!(
            pick_parsed(&[(1, 3), (5, 1), (7, 1)]),
            Some((5, Detection::FewestViolations))
        );
    }

    #[test]
    fn also_parses_as_names_the_other_parsing_roots_only_after_a_choice() {
        let parsed = [(1, 3), (5, 1), (7, 1)];
        assert_eq!(
            also_parsed(&parsed, Some(5), Detection::FewestViolations),
            vec![1, 7]
        );
        assert_eq!(
            also_parsed(&[(4, 0)], Some(4), Detection::Unique),
            Vec::<usize>::new()
        );
        assert_eq!(
            also_parsed(&[], Some(2), Detection::Guessed),
            Vec::<usize>::new()
        );
        assert_eq!(
            also_parsed(&parsed, Some(5), Detection::Named),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn the_human_report_says_how_the_type_was_chosen() {
        let mut report = FileReport {
            file: "a.json".to_owned(),
            type_name: Some("AiJob"),
            detection: Some(Detection::FewestViolations),
            also_parses_as: vec!["EntityRef", "CacheKey"],
            valid: true,
            violations: Vec::new(),
            error: None,
        };
        assert_eq!(
            render_human(&report),
            "a.json: valid (AiJob; also parses as EntityRef, CacheKey, chose the type with the \
             fewest violations)\n"
        );
        report.detection = Some(Detection::Unique);
        assert_eq!(render_human(&report), "a.json: valid (AiJob)\n");
    }

    #[test]
    fn schema_shape_reads_type_arrays_and_tells_integers_from_numbers() {
        let nullable = SchemaShape::of(&serde_json::json!({"type": ["string", "null"]}));
        assert!(nullable.accepts_kind(&serde_json::json!(null)));
        assert!(nullable.accepts_kind(&serde_json::json!("x")));
        assert!(!nullable.accepts_kind(&serde_json::json!(1)));
        let integer = SchemaShape::of(&serde_json::json!({"type": "integer"}));
        assert!(integer.accepts_kind(&serde_json::json!(1)));
        assert!(!integer.accepts_kind(&serde_json::json!(1.5)));
        let number = SchemaShape::of(&serde_json::json!({"type": "number"}));
        assert!(number.accepts_kind(&serde_json::json!(1)));
        assert!(number.accepts_kind(&serde_json::json!(1.5)));
        assert!(!number.accepts_kind(&serde_json::json!("1")));
    }

    #[test]
    fn schema_shape_knows_the_tag_of_a_tagged_union() {
        let union = SchemaShape::of(&serde_json::json!({"oneOf": [
            {"type": "object", "properties": {"op": {"const": "create"}, "a": {}}},
            {"type": "object", "properties": {"op": {"const": "delete"}, "b": {}}},
        ]}));
        assert!(union.carries_tag(&serde_json::json!({"op": "rename"})));
        assert!(!union.carries_tag(&serde_json::json!({"op": 1, "a": 2})));
        assert!(!union.carries_tag(&serde_json::json!({"a": 2})));
        assert!(!union.carries_tag(&serde_json::json!(["op"])));
        let plain = SchemaShape::of(&serde_json::json!({"properties": {"op": {"type": "string"}}}));
        assert!(!plain.carries_tag(&serde_json::json!({"op": "create"})));
    }

    #[test]
    fn schema_shape_follows_refs_eight_levels_deep_and_stops_on_a_recursive_one() {
        // The root is depth 0 and each `$ref` one more: D7 is read at depth 8, D8 at 9 is not.
        let mut defs = serde_json::Map::new();
        for level in 0..8 {
            defs.insert(
                format!("D{level}"),
                serde_json::json!({"$ref": format!("#/$defs/D{}", level + 1)}),
            );
        }
        defs.insert(
            "D7".to_owned(),
            serde_json::json!({"type": "object", "properties": {"deep": {}}, "$ref": "#/$defs/D8"}),
        );
        defs.insert(
            "D8".to_owned(),
            serde_json::json!({"properties": {"too_deep": {}}}),
        );
        let shape = SchemaShape::of(&serde_json::json!({"$ref": "#/$defs/D0", "$defs": defs}));
        assert_eq!(
            shape.properties.iter().collect::<Vec<_>>(),
            ["deep"],
            "read to depth 8 and no further"
        );
        let recursive = SchemaShape::of(&serde_json::json!({
            "properties": {"a": {}},
            "$ref": "#",
            "oneOf": [{"$ref": "#"}],
        }));
        assert_eq!(recursive.properties.len(), 1);
    }

    #[test]
    fn combinators_count_toward_the_depth_bound() {
        // Nine levels of oneOf: the eighth is read, the ninth is past the bound.
        let mut node = serde_json::json!({"properties": {"nine": {}}});
        for level in (1..=8).rev() {
            let name = if level == 8 { "eight" } else { "between" };
            node = serde_json::json!({"properties": {name: {}}, "oneOf": [node]});
        }
        let shape = SchemaShape::of(&serde_json::json!({"oneOf": [node]}));
        assert!(shape.properties.contains("eight"));
        assert!(!shape.properties.contains("nine"));
    }

    #[test]
    fn schema_shape_reads_kinds_and_properties_through_refs_and_combinators() {
        let schema = serde_json::json!({
            "oneOf": [
                {"$ref": "#/$defs/A"},
                {"type": "object", "properties": {"b": {}}},
            ],
            "$defs": {"A": {"type": "object", "properties": {"a": {}}}},
        });
        let shape = SchemaShape::of(&schema);
        assert!(shape.accepts_kind(&serde_json::json!({})));
        assert!(!shape.accepts_kind(&serde_json::json!("text")));
        assert_eq!(
            shape.key_score(&serde_json::json!({"a": 1, "b": 2, "c": 3})),
            1
        );
        let strings = SchemaShape::of(&serde_json::json!({"enum": ["x", "y"]}));
        assert!(strings.accepts_kind(&serde_json::json!("z")));
        assert!(!strings.accepts_kind(&serde_json::json!(1)));
    }
}
