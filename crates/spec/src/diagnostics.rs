//! Spec diagnostics: one [`Diagnostic`] per problem, rendered rustc-style with the offending line.
//!
//! # Stable diagnostic codes
//!
//! Codes never change meaning; a retired code is never reused. Tests and tooling may match on them.
//! Each is a [`Code`] variant, so a report site cannot misspell one; the table below is rendered
//! from [`Code::table`] and a test fails when it differs (`EXPECTORATE=overwrite cargo test -p
//! handshake-spec --lib` rewrites it).
//!
//! | code | problem |
//! | --- | --- |
//! | `S0101` | YAML syntax error (scanner error, anchors/aliases, tags, non-scalar keys, several documents) |
//! | `S0102` | duplicate key inside one YAML mapping |
//! | `S0103` | unknown key (the message lists the allowed keys) |
//! | `S0104` | missing required key (including a missing `clause` or `description`) |
//! | `S0105` | wrong value shape (mapping, list, text, boolean or number expected) |
//! | `S0106` | spec file listed in `files:` (or the manifest itself) does not exist |
//! | `S0107` | invalid `files:` entry (absolute, `..`, backslash, not `.yaml`, listed twice) |
//! | `S0108` | value is not one of the allowed words (`kind`, `storage`, ...) |
//! | `S0109` | invalid manifest value (`spec` name, `version` not SemVer, `master_spec` not `vNN.NN`) |
//! | `S0201` | invalid identifier: types and errors are `PascalCase`, everything else `snake_case` |
//! | `S0202` | identifier reserved in Rust, SQL, TypeScript/JavaScript or Python, or used by the generators |
//! | `S0203` | unknown type in a type expression |
//! | `S0204` | the same type, error or lifecycle name is declared twice (also across files) |
//! | `S0205` | malformed type expression (`[T]`, `map<T>` or a name expected) |
//! | `S0206` | record contains itself without a list or map in between (no finite size) |
//! | `S0207` | enum or union without values/variants |
//! | `S0208` | invalid string constraints (`min_length` > `max_length`, bad `pattern`, `example` violates them) |
//! | `S0209` | union variant field has the same name as the union's tag |
//! | `S0301` | invalid clause reference (must match `^§\d+(\.\d+)*$`) |
//! | `S0302` | control character in a description or decision |
//! | `S0303` | `*/` in a description or decision (it would end a generated comment) |
//! | `S0304` | empty description or decision |
//! | `S0401` | lifecycle `initial` state is not declared |
//! | `S0402` | transition or rejected edge names an undeclared state |
//! | `S0403` | duplicate transition or duplicate rejected edge |
//! | `S0404` | edge is both an allowed transition and rejected |
//! | `S0405` | rejected edge without a `decision` (the reason is mandatory) |
//! | `S0406` | transition out of a terminal state |
//! | `S0407` | non-terminal state with no outgoing transition |
//! | `S0408` | state not reachable from `initial` |
//! | `S0409` | transition `origin` is not `diagram` or `text` |
//! | `S0410` | no `lifecycle:` in the spec, or more than one |
//! | `S0411` | lifecycle without states |
//! | `S0412` | `IllegalTransition` error whose fields are not two lifecycle states (current, then requested), or `TerminalState` error whose fields are not one |
//! | `S0501` | invalid output path (empty, absolute, `..`, `.`, backslash, trailing `/`, inside the spec folder) |
//! | `S0502` | output folders are equal or nested |
//! | `S0601` | table or index name used twice across the schema |
//! | `S0602` | primary key, index or foreign key column is not a column-stored field of the record |
//! | `S0603` | foreign key `references` is not a record with a single-column primary key table |
//! | `S0604` | `child_table` storage on a field that is not `[Record]` (or in a record without a table) |
//! | `S0605` | primary key is empty or has an optional column |
//! | `S0606` | `storage: column` on a field whose type cannot be a typed column |
//! | `S0607` | field of a child table's element record collides with `position` or a parent key column |
//! | `S0608` | table, index, constraint or trigger name longer than the 63 bytes Postgres keeps |
//! | `S0609` | `child_table` storage on a field of a record stored as a child table's rows (child tables do not nest) |
//! | `S0610` | a constraint or trigger name the SQL target derives from a table (`<table>_<column>_check`, `<table>_append_only…`) is already the name of another table, index, constraint or trigger |
//! | `S0701` | error code used twice |
//! | `S0702` | error code does not match `^[A-Z]+(-[A-Z0-9]+)+$` |
//! | `S0703` | error message placeholder does not name a field (or has an unbalanced brace) |
//! | `S0704` | error message placeholder names an optional field, or a field with no text form (`json`, a list, map, record or union) |
//! | `S0801` | `default` value does not match the field's type |
//! | `S0802` | field is `required: true` and also has a `default` |
//! | `S0901` | rule `on` names an unknown type, or a type that is not a record |
//! | `S0902` | rule path segment is not a field or `[variant]` not a variant (did-you-mean), or continues past a non-record (a union only by its tag or a `[variant]` step), or `[variant]` on a value that is not a union |
//! | `S0903` | rule path goes through a list (use `each`, with `[variant]` starting the inner path for a list of unions) |
//! | `S0904` | rule comparison value does not fit the field's type (unknown enum value, wrong scalar, record compared) |
//! | `S0905` | rule operand of the wrong kind (length bounds on a non-string/non-list, `contains` on a non-list, `each` on a non-list of records, `hash_of` on a non-string or over a list that is not of blocks) |
//! | `S0906` | rule name or rule code used twice (rule codes are also distinct from error codes) |
//! | `S0907` | malformed rule condition (no or several operators, several comparisons, empty `all`/`any`, bad bounds, not a mapping) |
//! | `S1001` | profile `profile_id` does not match the `ProfileId` type |
//! | `S1002` | profile name or profile id declared twice |
//! | `S1003` | profile job kind is not a value of the `JobKind` enum (or `JobKind` is not an enum) |
//! | `S1004` | `JobKind` value bound to no profile, or to more than one |
//! | `S1005` | profile `inputs`/`outputs` is not a declared record (or its field clashes with the `profile` tag of `JobInputs`/`JobOutputs`) |
//! | `S1006` | profile status maps onto a state the lifecycle does not declare |
//! | `S1007` | profile `validation_plan`/`provenance_plan` is not a `ValidationPlan`/`ProvenancePlan` value |
//! | `S1008` | profile capability does not match the `CapabilityId` type (`axis` or `axis:scope`) |
//! | `S1009` | profile operation or capability listed twice |
//! | `S1010` | a type named `JobInputs` or `JobOutputs` is declared although `profiles:` synthesizes it |
//! | `S1011` | profile operation is not a variant of the `PlannedOperation` union (did-you-mean) |
//! | `S1012` | `PlannedOperation` variant claimed by no profile's `operations`, or by more than one |
//! | `S1013` | invalid profile binding: not a rule code, code or rule name already used, nothing to bind (no `inputs`/`operations`), or not exactly one record with the fields the rule needs |
//! | `S1101` | out-of-scope guard listed twice (`out_of_scope:` names are unique across files) |
//! | `S1201` | `claims:` entry that is not an item id of `master-spec.lock` (beside the manifest), or `claims:` that is not a list of ids |
//! | `S1301` | `renamed_from`, `backfill` or `cast` on a field that is not a record's (a variant or error field) |
//! | `S1302` | `renamed_from` names the field, type or table itself |
//! | `S1303` | `backfill` on an optional field |
//! | `S1304` | `backfill` that does not match the field's type, or `backfill.sql` that is not one SQL expression |
//! | `S1305` | removed field or enum value that is still declared |
//! | `S1306` | `map_to` names a value the enum does not declare |
//! | `S1307` | enum value or table removed twice |
//! | `S1308` | `cast` that is not `lossless`, `{ allow_data_loss: … }` or `{ sql: … }` |
//! | `S1309` | type `renamed_from` a name that is declared again |
//! | `S1310` | `read_alias: true` on a removed enum value that may be stored inside a JSON column |

mod code;

use std::collections::BTreeMap;
use std::fmt::Write as _;

pub use code::Code;

use crate::model::Location;

/// One problem found in the spec, pointing at the offending YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `S0203`; see the table in this module's docs.
    pub code: Code,
    /// What is wrong, as a lower-case sentence fragment.
    pub message: String,
    /// File, line and column of the offending node.
    pub location: Location,
    /// Short text printed under the carets, next to the offending text.
    pub label: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
    /// How many characters to underline, starting at `location` (at least 1).
    pub width: usize,
}

/// Every problem found in one load, with the sources needed to show the offending lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    sources: BTreeMap<String, String>,
}

impl Diagnostics {
    /// Bundles diagnostics with the spec sources (keyed by repo-relative path) they point into.
    pub fn new(items: Vec<Diagnostic>, sources: BTreeMap<String, String>) -> Self {
        Self { items, sources }
    }

    /// The diagnostics, sorted by file load order, then line and column.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Whether there are no diagnostics at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Renders every diagnostic rustc-style, then a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for diagnostic in &self.items {
            render_one(
                &mut out,
                diagnostic,
                self.sources.get(&diagnostic.location.file),
            );
            out.push('\n');
        }
        let count = self.items.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        let _ = writeln!(
            out,
            "error: {count} {noun} in the spec; nothing was written"
        );
        out
    }
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

fn render_one(out: &mut String, diagnostic: &Diagnostic, source: Option<&String>) {
    let location = &diagnostic.location;
    let line_text = source.and_then(|text| {
        location
            .line
            .checked_sub(1)
            .and_then(|index| text.split('\n').nth(index))
            .map(|line| printable(line.strip_suffix('\r').unwrap_or(line)))
    });
    let gutter = location.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "error[{}]: {}", diagnostic.code, diagnostic.message);
    let _ = writeln!(out, "{pad}--> {location}");
    if let Some(line_text) = line_text {
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{} | {}", location.line, line_text.trim_end());
        let indent = " ".repeat(location.column.saturating_sub(1));
        let carets = "^".repeat(diagnostic.width.max(1));
        let label = if diagnostic.label.is_empty() {
            String::new()
        } else {
            format!(" {}", diagnostic.label)
        };
        let _ = writeln!(out, "{pad} | {indent}{carets}{label}");
        let _ = writeln!(out, "{pad} |");
    } else if !diagnostic.label.is_empty() {
        let _ = writeln!(out, "{pad} = note: {}", diagnostic.label);
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
}

/// Replaces control characters (tabs included) by one space each, so columns stay aligned and
/// a hostile spec cannot send terminal escapes through the error output.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_documented_shape() {
        let mut sources = BTreeMap::new();
        let mut text = String::new();
        for _ in 0..11 {
            text.push_str("#\n");
        }
        text.push_str("        type: JobIdd\n");
        sources.insert("spec/core.yaml".to_string(), text);
        let diagnostics = Diagnostics::new(
            vec![Diagnostic {
                code: Code::UnknownType,
                message: "unknown type `JobIdd`".into(),
                location: Location {
                    file: "spec/core.yaml".into(),
                    line: 12,
                    column: 15,
                },
                label: "not declared in any spec file".into(),
                help: Some("did you mean `JobId`?".into()),
                width: 6,
            }],
            sources,
        );
        let expected = "error[S0203]: unknown type `JobIdd`
  --> spec/core.yaml:12:15
   |
12 |         type: JobIdd
   |               ^^^^^^ not declared in any spec file
   |
   = help: did you mean `JobId`?

error: 1 problem in the spec; nothing was written
";
        assert_eq!(diagnostics.render(), expected);
    }
}
