//! Identifier rules: the `PascalCase` / `snake_case` shapes and the words no target can take.
//!
//! Wire names (fields, union tags, enum values, variants, states) are the Master Spec's names in
//! every target: the JSON key, the SQL column, the Pydantic alias and the TypeScript property are
//! the name itself. Where a target reserves the word, the generator escapes only that target's
//! identifier (Rust `r#type` or `self_` with `#[serde(rename)]`, Python `lambda_` with
//! `Field(alias="lambda")`, a quoted SQL identifier); see [`is_python_escaped`] and
//! [`is_sql_reserved`]. Every snake_case name can be escaped that way in every target, so the
//! loader refuses none of them. Names that are never on the wire and that the generators do not
//! escape (types, errors, error fields, tables, indexes) keep the reserved-word lists below.

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
pub(crate) fn is_pascal_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
pub(crate) fn is_snake_case(name: &str) -> bool {
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
pub(crate) fn reserved_reasons(kind: NameKind, name: &str) -> Vec<&'static str> {
    let mut reasons = Vec::new();
    let lower = name.to_ascii_lowercase();
    if kind.is_pascal() {
        if RUST_KEYWORDS.contains(&name) {
            reasons.push("a keyword in Rust");
        }
        if PYTHON_KEYWORDS.contains(&name) {
            reasons.push("a keyword in Python");
        }
        if RUST_GENERATOR_NAMES.contains(&name) {
            reasons.push("a name the generated Rust uses itself");
        }
        if TS_GENERATOR_NAMES.contains(&name) {
            reasons.push("a name the generated TypeScript uses itself");
        }
        if PYTHON_GENERATOR_NAMES.contains(&name) {
            reasons.push("a name the generated Python uses itself");
        }
        return reasons;
    }
    if matches!(
        kind,
        NameKind::Field | NameKind::EnumValue | NameKind::Variant | NameKind::State
    ) {
        // Wire names are the spec's: each generator escapes its own identifier where the word is
        // reserved (Rust raw identifiers or a `_` suffix with a serde rename, Python a `_` suffix
        // with an alias, SQL a quoted identifier; TypeScript properties and every target's string
        // literals take any name), so no snake_case wire name is refused.
        return reasons;
    }
    if RUST_KEYWORDS.contains(&name) {
        reasons.push("a keyword in Rust");
    }
    if TS_RESERVED.contains(&name) {
        reasons.push("a reserved word in TypeScript/JavaScript");
    }
    if PYTHON_KEYWORDS.contains(&name) {
        reasons.push("a keyword in Python");
    }
    if PYTHON_SOFT_KEYWORDS.contains(&name) {
        reasons.push("a soft keyword in Python");
    }
    if matches!(kind, NameKind::Table | NameKind::Index) && SQL_RESERVED.contains(&lower.as_str()) {
        reasons.push("a reserved word in SQL");
    }
    if matches!(kind, NameKind::Table | NameKind::Index)
        && (lower.starts_with("sqlite_") || lower.starts_with("pg_"))
    {
        reasons.push("in a prefix SQLite or PostgreSQL reserves for its own tables");
    }
    if kind == NameKind::ErrorField {
        if PYDANTIC_ATTRIBUTES.contains(&name) {
            reasons.push("an attribute of Pydantic's BaseModel");
        }
        if PYTHON_FIELD_SHADOWS.contains(&name) {
            reasons.push("a name the generated Python imports (a field would shadow it)");
        }
    }
    reasons
}

/// Whether the generated Python must escape `name` as a model attribute: a Python keyword, an
/// attribute of Pydantic's `BaseModel`, or a name the generated module imports. The attribute is
/// then `name_` with `Field(alias="name")`, so the wire key stays `name`. (Soft keywords such as
/// `type` or `match` are valid attribute names and stay as they are.)
pub fn is_python_escaped(name: &str) -> bool {
    PYTHON_KEYWORDS.contains(&name)
        || PYDANTIC_ATTRIBUTES.contains(&name)
        || PYTHON_FIELD_SHADOWS.contains(&name)
}

/// Whether `name` is a reserved word in SQL (PostgreSQL, SQLite or SQL:2016; compared
/// lower-case): the generated DDL writes such a column as a quoted identifier (`"end"`).
pub fn is_sql_reserved(name: &str) -> bool {
    SQL_RESERVED.contains(&name.to_ascii_lowercase().as_str())
}

/// Rust keywords: strict, 2018+ reserved, weak ones that bite (`union`, `macro_rules`), 2024 `gen`.
#[rustfmt::skip]
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union", "macro_rules",
];

/// ECMAScript reserved words, strict-mode reserved words and `await` (TypeScript reserves the same
/// set; its contextual keywords such as `type` or `declare` are valid property names).
#[rustfmt::skip]
const TS_RESERVED: &[&str] = &[
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import",
    "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
    "typeof", "var", "void", "while", "with", "implements", "interface", "let", "package",
    "private", "protected", "public", "static", "yield", "await",
];

/// Python hard keywords.
#[rustfmt::skip]
const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Python soft keywords (3.10+ `match`/`case`, 3.12 `type`).
#[rustfmt::skip]
const PYTHON_SOFT_KEYWORDS: &[&str] = &[
    "match", "case", "type", "_",
];

/// Names the generated Rust refers to; a spec type with one of these names would shadow it.
#[rustfmt::skip]
const RUST_GENERATOR_NAMES: &[&str] = &[
    "Option", "Some", "None", "Result", "Ok", "Err", "Vec", "Box", "String", "Self", "Uuid",
    "Value", "Timestamp", "OffsetDateTime", "Error", "BTreeMap", "HashMap", "Serialize",
    "Deserialize", "JsonSchema",
];

/// Names the generated TypeScript refers to (global types and utility types).
#[rustfmt::skip]
const TS_GENERATOR_NAMES: &[&str] = &[
    "Record", "Date", "Object", "Array", "Map", "Set", "Partial", "Required", "Readonly", "Pick",
    "Omit", "Promise", "String", "Number", "Boolean", "Symbol", "Function", "JSON", "Math",
    "Error", "Exclude", "Extract", "NonNullable", "ReadonlyArray", "Infinity", "NaN",
];

/// Names the generated Python refers to (typing, pydantic, stdlib).
#[rustfmt::skip]
const PYTHON_GENERATOR_NAMES: &[&str] = &[
    "BaseModel", "Field", "Literal", "Optional", "List", "Dict", "Any", "UUID", "Union",
    "Annotated", "ConfigDict", "RootModel", "Enum", "StrEnum", "TypeAdapter", "AwareDatetime",
    "Discriminator",
];

/// Field names that would shadow a name the generated Python module imports.
#[rustfmt::skip]
const PYTHON_FIELD_SHADOWS: &[&str] = &[
    "datetime", "uuid", "typing", "pydantic", "enum", "annotations",
];

/// Attributes and methods of Pydantic's `BaseModel` (v2, with the deprecated v1 names it keeps).
/// A field with one of these names would shadow the method. `model_id` and friends stay allowed.
#[rustfmt::skip]
const PYDANTIC_ATTRIBUTES: &[&str] = &[
    "model_config", "model_fields", "model_computed_fields", "model_extra", "model_fields_set",
    "model_construct", "model_copy", "model_dump", "model_dump_json", "model_json_schema",
    "model_parametrized_name", "model_post_init", "model_rebuild", "model_validate",
    "model_validate_json", "model_validate_strings", "dict", "json", "parse_obj", "parse_raw",
    "parse_file", "from_orm", "construct", "copy", "schema", "schema_json", "validate",
    "update_forward_refs", "fields",
];

/// SQL reserved words, compared lower-case: PostgreSQL's reserved keywords (both "reserved" and
/// "reserved, can be function or type"), the SQLite keywords that cannot be used as an unquoted
/// column or table name, and the SQL:2016 reserved words that start or structure statements.
/// SQL:2016 also reserves function, type and date-part names (`count`, `value`, `timestamp`,
/// `range`, ...); PostgreSQL and SQLite accept those as column names, so they stay allowed.
#[rustfmt::skip]
const SQL_RESERVED: &[&str] = &[
    "add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "autoincrement", "begin", "between", "binary", "both", "by", "call", "case",
    "cast", "check", "close", "collate", "collation", "column", "commit", "concurrently",
    "connect", "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "cursor", "deallocate",
    "declare", "default", "deferrable", "delete", "desc", "describe", "disconnect", "distinct",
    "do", "drop", "else", "end", "escape", "except", "exec", "execute", "exists", "external",
    "false", "fetch", "for", "foreign", "freeze", "from", "full", "global", "grant", "group",
    "having", "ilike", "in", "index", "initially", "inner", "insert", "intersect", "interval",
    "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "merge", "natural", "not", "nothing", "notnull", "null", "offset", "on",
    "only", "or", "order", "outer", "over", "overlaps", "partition", "placing", "prepare",
    "primary", "recursive", "references", "release", "returning", "revoke", "right", "rollback",
    "row", "rows", "savepoint", "select", "session_user", "set", "similar", "some", "start",
    "symmetric", "system_user", "table", "tablesample", "then", "to", "trailing", "transaction",
    "trigger", "true", "union", "unique", "update", "user", "using", "values", "variadic",
    "verbose", "when", "whenever", "where", "window", "with", "within", "without",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_pascal_case("JobId"));
        assert!(!is_pascal_case("jobId"));
        assert!(!is_pascal_case("Job_Id"));
        assert!(is_snake_case("job_id"));
        assert!(is_snake_case("a1_b2"));
        assert!(!is_snake_case("job__id"));
        assert!(!is_snake_case("job_"));
        assert!(!is_snake_case("_job"));
        assert!(!is_snake_case("x; DROP TABLE"));
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
