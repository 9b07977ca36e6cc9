//! Identifier rules: the `PascalCase` / `snake_case` shapes and the words no target can take.
//!
//! Wire names (fields, union tags, enum values, variants, states) are the Master Spec's names in
//! every target: the JSON key, the SQL column, the Pydantic alias and the TypeScript property are
//! the name itself. Where a target reserves the word, the generator escapes only that target's
//! identifier (Rust `r#type` or `self_` with `#[serde(rename)]`, Python `lambda_` with
//! `Field(alias="lambda")`, a quoted SQL identifier); see [`is_python_escaped`] and
//! [`is_sql_reserved`]. Every snake_case name can be escaped that way in every target, so the
//! loader refuses none of them. Names that are never on the wire and that the generators do not
//! escape (types, errors, error fields, tables, indexes) are refused where a target reserves
//! them, by the targets' own lists in [`crate::reserved`].

use crate::model::{Field, FieldStorage, Primitive, TypeDef, TypeKind, TypeRef};
use crate::reserved::{python, rust, sql, typescript};

/// Where a name is used; decides its shape and which reserved-word lists apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// A type name (also the lifecycle enum).
    Type,
    /// An error name.
    Error,
    /// A field of a record or union variant; also a union tag. May become a SQL column.
    Field,
    /// A field of an error: never stored, so SQL words are fine.
    ErrorField,
    /// An enum value.
    EnumValue,
    /// A union variant tag value.
    Variant,
    /// A lifecycle state.
    State,
    /// A SQL table.
    Table,
    /// A SQL index.
    Index,
}

impl NameKind {
    /// Human name of the kind, for messages.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            NameKind::Type => "type name",
            NameKind::Error => "error name",
            NameKind::Field | NameKind::ErrorField => "field name",
            NameKind::EnumValue => "enum value",
            NameKind::Variant => "variant name",
            NameKind::State => "state name",
            NameKind::Table => "table name",
            NameKind::Index => "index name",
        }
    }

    /// Whether the name is `PascalCase` (else `snake_case`).
    pub(crate) fn is_pascal(self) -> bool {
        matches!(self, NameKind::Type | NameKind::Error)
    }
}

/// `^[A-Z][A-Za-z0-9]*$`
pub fn is_pascal_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    if !matches!(chars.next(), Some(c) if c.is_ascii_lowercase()) {
        return false;
    }
    let mut previous_underscore = false;
    for c in chars {
        match c {
            'a'..='z' | '0'..='9' => previous_underscore = false,
            '_' if !previous_underscore => previous_underscore = true,
            _ => return false,
        }
    }
    !previous_underscore
}

/// Best-effort `snake_case` spelling of any name, for a "did you mean" hint.
pub(crate) fn to_snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower_or_digit = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower_or_digit {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower_or_digit = false;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            previous_lower_or_digit = true;
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
            previous_lower_or_digit = false;
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    while out.starts_with(|c: char| c.is_ascii_digit() || c == '_') {
        out.remove(0);
    }
    out
}

/// Best-effort `PascalCase` spelling of any name, for a "did you mean" hint.
pub(crate) fn to_pascal_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper_next = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() && c.is_ascii_digit() {
                continue;
            }
            if upper_next {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper_next = false;
        } else {
            upper_next = true;
        }
    }
    out
}

/// Every reason the name is refused in this position, e.g. `["a keyword in Rust", "..."]`.
///
/// The lists are the targets' own ([`crate::reserved`]): a name is refused exactly where a target
/// prints it as it is and reserves it.
pub(crate) fn reserved_reasons(kind: NameKind, name: &str) -> Vec<&'static str> {
    let listed = |lists: &[(&[&str], &'static str)]| {
        lists
            .iter()
            .filter(|(list, _)| list.binary_search(&name).is_ok())
            .map(|&(_, reason)| reason)
            .collect::<Vec<_>>()
    };
    if kind.is_pascal() {
        return listed(PASCAL_RESERVED);
    }
    if matches!(
        kind,
        NameKind::Field | NameKind::EnumValue | NameKind::Variant | NameKind::State
    ) {
        // Wire names are the spec's: each generator escapes its own identifier where the word is
        // reserved (Rust raw identifiers or a `_` suffix with a serde rename, Python a `_` suffix
        // with an alias, SQL a quoted identifier; TypeScript properties and every target's string
        // literals take any name), so no snake_case wire name is refused.
        return Vec::new();
    }
    let mut reasons = listed(SNAKE_RESERVED);
    if matches!(kind, NameKind::Table | NameKind::Index) && sql::is_reserved(name) {
        reasons.push("a reserved word in SQL");
    }
    if matches!(kind, NameKind::Table | NameKind::Index) && sql::has_reserved_prefix(name) {
        reasons.push("in a prefix SQLite or PostgreSQL reserves for its own tables");
    }
    if kind == NameKind::ErrorField {
        reasons.extend(listed(ERROR_FIELD_RESERVED));
    }
    reasons
}

/// The lists a `PascalCase` name (a type) must not be in, with the reason each gives: the targets
/// print type names as they are.
const PASCAL_RESERVED: &[(&[&str], &str)] = &[
    (rust::KEYWORDS, "a keyword in Rust"),
    (python::KEYWORDS, "a keyword in Python"),
    (rust::USED_NAMES, "a name the generated Rust uses itself"),
    (
        typescript::USED_NAMES,
        "a name the generated TypeScript uses itself",
    ),
    (
        python::USED_NAMES,
        "a name the generated Python uses itself",
    ),
];

/// The lists a snake_case identifier the targets print as it is (a table, an index, an error
/// field, the spec's own name) must not be in.
const SNAKE_RESERVED: &[(&[&str], &str)] = &[
    (rust::KEYWORDS, "a keyword in Rust"),
    (
        typescript::RESERVED_WORDS,
        "a reserved word in TypeScript/JavaScript",
    ),
    (python::KEYWORDS, "a keyword in Python"),
    (python::SOFT_KEYWORDS, "a soft keyword in Python"),
];

/// What an error field must also avoid: it becomes a field of a `thiserror` variant and an
/// attribute of a Pydantic model.
const ERROR_FIELD_RESERVED: &[(&[&str], &str)] = &[
    (
        rust::ERROR_FIELDS,
        "a field name thiserror treats specially in the generated Rust (the error's source or backtrace)",
    ),
    (
        python::PYDANTIC_ATTRIBUTES,
        "an attribute of Pydantic's BaseModel",
    ),
    (
        python::FIELD_SHADOWS,
        "a name the generated Python imports (a field would shadow it)",
    ),
];

/// Whether the generated Python must escape `name` as a model attribute; the Python target's own
/// rule, [`python::is_escaped`].
pub fn is_python_escaped(name: &str) -> bool {
    python::is_escaped(name)
}

/// Whether `name` is a reserved word in SQL, which the generated DDL quotes; the SQL target's own
/// rule, [`sql::is_reserved`].
pub fn is_sql_reserved(name: &str) -> bool {
    sql::is_reserved(name)
}

/// The longest SQL identifier Postgres keeps whole (NAMEDATALEN - 1), in bytes: the loader
/// refuses a table, index, constraint or trigger name longer than this, which Postgres would
/// silently truncate (and so could merge with another).
pub const SQL_MAX_IDENTIFIER_LEN: usize = 63;

/// The name the SQL target gives the CHECK constraint of a column or a rule of `table`:
/// `<table>_<name>_check`, Postgres' own convention. The loader checks these names (length,
/// uniqueness) with this function, and the SQL target names its constraints with it.
pub fn sql_check_name(table: &str, name: &str) -> String {
    format!("{table}_{name}_check")
}

/// Whether the SQL target gives the column of `field` a CHECK constraint: JSON (stored as JSON,
/// or a record, union, list, map or `json`), an unsigned integer, a boolean, or an enum (when
/// `enums` holds: a parent key copied into a child table keeps no enum CHECK). The loader names
/// these CHECKs ([`sql_check_name`]) to check them; the SQL target's column types must agree,
/// which a test of `crates/codegen/src/sql.rs` holds for the real spec and every golden case.
pub fn sql_column_has_check(field: &Field, types: &[TypeDef], enums: bool) -> bool {
    if field.storage == FieldStorage::Json {
        return true;
    }
    match &field.ty {
        TypeRef::Primitive(primitive) => matches!(
            primitive,
            Primitive::UnsignedInteger | Primitive::Boolean | Primitive::Json
        ),
        TypeRef::List(_) | TypeRef::Map(_) => true,
        TypeRef::Named(name) => match types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
            Some(TypeKind::Enum(_)) => enums,
            Some(TypeKind::Record(_) | TypeKind::Union(_)) => true,
            Some(TypeKind::Id | TypeKind::String(_)) | None => false,
        },
    }
}

/// The names of the objects the SQL target creates to keep an append-only `table` append-only:
/// the Postgres function, and the triggers of both dialects.
pub fn sql_append_only_names(table: &str) -> [String; 4] {
    [
        format!("{table}_append_only"),
        format!("{table}_append_only_update"),
        format!("{table}_append_only_delete"),
        format!("{table}_append_only_truncate"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        // (name, PascalCase?, snake_case?)
        let cases = [
            ("JobId", true, false),
            ("jobId", false, false),
            ("Job_Id", false, false),
            ("job_id", false, true),
            ("a1_b2", false, true),
            ("job__id", false, false),
            ("job_", false, false),
            ("_job", false, false),
            ("x; DROP TABLE", false, false),
        ];
        for (name, pascal, snake) in cases {
            assert_eq!(is_pascal_case(name), pascal, "is_pascal_case({name:?})");
            assert_eq!(is_snake_case(name), snake, "is_snake_case({name:?})");
        }
        assert_eq!(to_snake_case("JobId"), "job_id");
        assert_eq!(to_pascal_case("job_id"), "JobId");
    }

    #[test]
    fn reserved_words_by_position() {
        assert!(reserved_reasons(NameKind::Field, "model_id").is_empty());
        assert!(reserved_reasons(NameKind::Field, "model_tier").is_empty());
        assert!(reserved_reasons(NameKind::Field, "model_dump").is_empty());
        assert!(reserved_reasons(NameKind::Field, "order").is_empty());
        assert!(reserved_reasons(NameKind::Field, "type").is_empty());
        assert!(!reserved_reasons(NameKind::ErrorField, "model_dump").is_empty());
        assert!(reserved_reasons(NameKind::State, "running").is_empty());
        assert!(reserved_reasons(NameKind::EnumValue, "override").is_empty());
        assert!(reserved_reasons(NameKind::EnumValue, "self").is_empty());
        assert!(reserved_reasons(NameKind::EnumValue, "class").is_empty());
        assert!(!reserved_reasons(NameKind::Type, "Option").is_empty());
        assert!(!reserved_reasons(NameKind::Type, "Partial").is_empty());
        assert!(reserved_reasons(NameKind::Field, "lambda").is_empty());
        assert!(!reserved_reasons(NameKind::ErrorField, "lambda").is_empty());
        assert!(is_python_escaped("lambda") && is_python_escaped("model_dump"));
        assert!(!is_python_escaped("type") && !is_python_escaped("model_id"));
        assert!(is_sql_reserved("end") && is_sql_reserved("END") && !is_sql_reserved("type"));
        assert!(!reserved_reasons(NameKind::Table, "sqlite_jobs").is_empty());
    }
}
