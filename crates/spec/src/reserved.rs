//! The names each target reserves, one list per target, owned by that target.
//!
//! Each module below belongs to one code generator target (`crates/codegen/src/<target>`): the
//! target reads its list to escape or refuse a name, and the loader reads the same list to refuse,
//! at the declaration and with a `S0202` diagnostic, the names that target cannot escape. So the
//! loader's verdict and the target's escaping cannot disagree: a name added here is escaped by the
//! target and refused by the loader in the same change. (This crate holds the lists because the
//! generator depends on the loader, not the reverse.)
//!
//! Wire names (fields, union tags, enum values, variants, states) are never refused: every target
//! escapes its own identifier for them (Rust raw identifiers or a `_` suffix, Python a `_` suffix
//! with an alias, SQL a quoted identifier, TypeScript properties take any name). Type and error
//! names, error fields, tables and indexes are printed as they are, so the loader refuses the
//! words their targets reserve; see `names::reserved_reasons`.
//!
//! Every list is sorted (byte order) and free of duplicates, so a name is found by reading it.

/// Names the Rust target (`crates/codegen/src/rust.rs`) reserves.
pub mod rust {
    /// Rust keywords: strict, 2018+ reserved, the weak ones that bite (`union`, `macro_rules`) and
    /// the 2024 `gen`. A wire name that is one becomes a raw identifier (`r#type`), or takes a `_`
    /// suffix when it cannot be raw ([`NOT_RAW`]); a type or error name that is one is refused.
    #[rustfmt::skip]
    pub const KEYWORDS: &[&str] = &[
        "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
        "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
        "impl", "in", "let", "loop", "macro", "macro_rules", "match", "mod", "move", "mut",
        "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where",
        "while", "yield",
    ];

    /// Keywords that cannot be raw identifiers (`r#self` is refused by rustc): a field with one of
    /// these wire names is `self_` with `#[serde(rename = "self")]`.
    #[rustfmt::skip]
    pub const NOT_RAW: &[&str] = &[
        "Self", "_", "crate", "self", "super",
    ];

    /// Names the generated or hand-written Rust code already uses unqualified: the model crate's
    /// hand-written support types (`Timestamp`, `ValueError`, `Validate`, ...), generated items
    /// that are not spec types (`ModelError`, `Transition`, ...), the derive macros imported by
    /// name (`Serialize`, `JsonSchema`, ...), the prelude and std names the generated code writes
    /// unqualified (`Option`, `Vec`, `From`, ...) and the crates' types it names (`Uuid`, `Value`,
    /// `OffsetDateTime`). A spec type or error with one of these names would shadow it or fail to
    /// compile, so the loader refuses it (the Rust target relies on that). Derive-only names
    /// (`Hash`, `Clone`, `Debug`, ...) are not listed: derive macros live in their own namespace and
    /// the code they expand to uses absolute paths, so a spec type may be called `Hash`.
    #[rustfmt::skip]
    pub const USED_NAMES: &[&str] = &[
        "AsRef", "BTreeMap", "Box", "Default", "Deserialize", "Err", "Error", "From", "HashMap",
        "JsonSchema", "ModelError", "None", "OffsetDateTime", "Ok", "Option", "RejectedTransition",
        "Result", "Self", "Serialize", "Some", "String", "Timestamp", "TimestampError",
        "Transition", "TransitionOrigin", "TryFrom", "Uuid", "Validate", "Value", "ValueError",
        "Vec", "Violation",
    ];

    /// Error field names `thiserror` treats specially: a field named `source` becomes the error's
    /// source (and must implement `Error`), one named `backtrace` is captured. A spec error field
    /// with one of these names would change the generated `ModelError`'s behaviour, so the loader
    /// refuses it as an error field (they stay allowed as record fields and other wire names).
    #[rustfmt::skip]
    pub const ERROR_FIELDS: &[&str] = &[
        "backtrace", "source",
    ];
}

/// Names the TypeScript target (`crates/codegen/src/typescript.rs`) reserves. Its properties and
/// string literals take any name, so it escapes nothing; the loader refuses these as the names it
/// prints as they are.
pub mod typescript {
    /// ECMAScript reserved words, strict-mode reserved words and `await` (TypeScript reserves the
    /// same set; its contextual keywords such as `type` or `declare` are valid property names).
    #[rustfmt::skip]
    pub const RESERVED_WORDS: &[&str] = &[
        "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
        "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
        "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null",
        "package", "private", "protected", "public", "return", "static", "super", "switch", "this",
        "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
    ];

    /// Names the generated TypeScript refers to (global types and utility types).
    #[rustfmt::skip]
    pub const USED_NAMES: &[&str] = &[
        "Array", "Boolean", "Date", "Error", "Exclude", "Extract", "Function", "Infinity", "JSON",
        "Map", "Math", "NaN", "NonNullable", "Number", "Object", "Omit", "Partial", "Pick",
        "Promise", "Readonly", "ReadonlyArray", "Record", "Required", "Set", "String", "Symbol",
    ];
}

/// Names the Python target (`crates/codegen/src/python.rs`) reserves.
pub mod python {
    /// Python hard keywords. A wire name that is one is escaped (see [`is_escaped`]).
    #[rustfmt::skip]
    pub const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];

    /// Python soft keywords (3.10+ `match`/`case`, 3.12 `type`): valid attribute names, so wire
    /// names keep them; the loader refuses them where a name is printed as it is.
    #[rustfmt::skip]
    pub const SOFT_KEYWORDS: &[&str] = &[
        "_", "case", "match", "type",
    ];

    /// Names the generated Python refers to (typing, pydantic, stdlib).
    #[rustfmt::skip]
    pub const USED_NAMES: &[&str] = &[
        "Annotated", "Any", "AwareDatetime", "BaseModel", "ConfigDict", "Dict", "Discriminator",
        "Enum", "Field", "List", "Literal", "Optional", "RootModel", "StrEnum", "TypeAdapter",
        "UUID", "Union",
    ];

    /// Field names that would shadow a name the generated Python module imports.
    #[rustfmt::skip]
    pub const FIELD_SHADOWS: &[&str] = &[
        "annotations", "datetime", "enum", "pydantic", "typing", "uuid",
    ];

    /// Attributes and methods of Pydantic's `BaseModel` (v2, with the deprecated v1 names it
    /// keeps). A field with one of these names would shadow the method. `model_id` and friends
    /// stay allowed.
    #[rustfmt::skip]
    pub const PYDANTIC_ATTRIBUTES: &[&str] = &[
        "construct", "copy", "dict", "fields", "from_orm", "json", "model_computed_fields",
        "model_config", "model_construct", "model_copy", "model_dump", "model_dump_json",
        "model_extra", "model_fields", "model_fields_set", "model_json_schema",
        "model_parametrized_name", "model_post_init", "model_rebuild", "model_validate",
        "model_validate_json", "model_validate_strings", "parse_file", "parse_obj", "parse_raw",
        "schema", "schema_json", "update_forward_refs", "validate",
    ];

    /// Whether the generated Python must escape `name` as a model attribute: a Python keyword, an
    /// attribute of Pydantic's `BaseModel`, or a name the generated module imports. The attribute
    /// is then `name_` with `Field(alias="name")`, so the wire key stays `name`. (Soft keywords
    /// such as `type` or `match` are valid attribute names and stay as they are.)
    pub fn is_escaped(name: &str) -> bool {
        KEYWORDS.binary_search(&name).is_ok()
            || PYDANTIC_ATTRIBUTES.binary_search(&name).is_ok()
            || FIELD_SHADOWS.binary_search(&name).is_ok()
    }
}

/// Names the SQL targets (`crates/codegen/src/sql.rs` and the migrations) reserve.
pub mod sql {
    /// SQL reserved words, compared lower-case: PostgreSQL's reserved keywords (both "reserved"
    /// and "reserved, can be function or type"), the SQLite keywords that cannot be used as an
    /// unquoted column or table name, and the SQL:2016 reserved words that start or structure
    /// statements. SQL:2016 also reserves function, type and date-part names (`count`, `value`,
    /// `timestamp`, `range`, ...); PostgreSQL and SQLite accept those as column names, so they
    /// stay allowed. A column with one of these names is quoted (see [`is_reserved`]); a table or
    /// index with one is refused.
    #[rustfmt::skip]
    pub const RESERVED_WORDS: &[&str] = &[
        "add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc",
        "asymmetric", "authorization", "autoincrement", "begin", "between", "binary", "both", "by",
        "call", "case", "cast", "check", "close", "collate", "collation", "column", "commit",
        "concurrently", "connect", "constraint", "create", "cross", "current_catalog",
        "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
        "current_user", "cursor", "deallocate", "declare", "default", "deferrable", "delete",
        "desc", "describe", "disconnect", "distinct", "do", "drop", "else", "end", "escape",
        "except", "exec", "execute", "exists", "external", "false", "fetch", "for", "foreign",
        "freeze", "from", "full", "global", "grant", "group", "having", "ilike", "in", "index",
        "initially", "inner", "insert", "intersect", "interval", "into", "is", "isnull", "join",
        "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "merge",
        "natural", "not", "nothing", "notnull", "null", "offset", "on", "only", "or", "order",
        "outer", "over", "overlaps", "partition", "placing", "prepare", "primary", "recursive",
        "references", "release", "returning", "revoke", "right", "rollback", "row", "rows",
        "savepoint", "select", "session_user", "set", "similar", "some", "start", "symmetric",
        "system_user", "table", "tablesample", "then", "to", "trailing", "transaction", "trigger",
        "true", "union", "unique", "update", "user", "using", "values", "variadic", "verbose",
        "when", "whenever", "where", "window", "with", "within", "without",
    ];

    /// Name prefixes SQLite (`sqlite_`) and PostgreSQL (`pg_`) reserve for their own tables,
    /// compared lower-case; a table or index name with one is refused.
    #[rustfmt::skip]
    pub const RESERVED_PREFIXES: &[&str] = &[
        "pg_", "sqlite_",
    ];

    /// Whether `name` is a reserved word in SQL (PostgreSQL, SQLite or SQL:2016; compared
    /// lower-case): the generated DDL writes such a column as a quoted identifier (`"end"`).
    pub fn is_reserved(name: &str) -> bool {
        RESERVED_WORDS
            .binary_search(&name.to_ascii_lowercase().as_str())
            .is_ok()
    }

    /// Whether `name` starts with a prefix the databases reserve (compared lower-case).
    pub fn has_reserved_prefix(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        RESERVED_PREFIXES
            .iter()
            .any(|prefix| lower.starts_with(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::{python, rust, sql, typescript};
    use crate::names::{self, NameKind, reserved_reasons};

    /// Each list with its path, written once so a failure message cannot name the wrong list.
    macro_rules! named {
        ($($list:path),* $(,)?) => {
            &[$((stringify!($list), $list)),*]
        };
    }

    const LISTS: &[(&str, &[&str])] = named![
        rust::KEYWORDS,
        rust::NOT_RAW,
        rust::USED_NAMES,
        rust::ERROR_FIELDS,
        typescript::RESERVED_WORDS,
        typescript::USED_NAMES,
        python::KEYWORDS,
        python::SOFT_KEYWORDS,
        python::USED_NAMES,
        python::FIELD_SHADOWS,
        python::PYDANTIC_ATTRIBUTES,
        sql::RESERVED_WORDS,
        sql::RESERVED_PREFIXES,
    ];

    /// Lookups binary-search the lists, so each must be strictly sorted (which also rules out
    /// duplicates); SQL words are compared lower-case, so they are written lower-case.
    #[test]
    fn every_list_is_sorted_and_unique() {
        for (name, list) in LISTS {
            for pair in list.windows(2) {
                assert!(
                    pair[0] < pair[1],
                    "{name}: `{}` before `{}`",
                    pair[0],
                    pair[1]
                );
            }
        }
        for word in sql::RESERVED_WORDS.iter().chain(sql::RESERVED_PREFIXES) {
            assert_eq!(*word, word.to_ascii_lowercase(), "sql lists are lower-case");
        }
        assert!(
            rust::NOT_RAW
                .iter()
                .all(|word| rust::KEYWORDS.contains(word) || *word == "_")
        );
    }

    /// A name is refused where it is printed as it is (types, errors, error fields, tables,
    /// indexes) exactly when a target that prints it there reserves it, and never as a wire name,
    /// which each target escapes instead; the escaping rules cover every listed wire word.
    #[test]
    fn loader_verdicts_and_target_escaping_agree_on_every_listed_name() {
        for (list_name, list) in LISTS {
            for &word in *list {
                let wire_kinds = [
                    NameKind::Field,
                    NameKind::EnumValue,
                    NameKind::Variant,
                    NameKind::State,
                ];
                for kind in wire_kinds {
                    assert!(
                        reserved_reasons(kind, word).is_empty(),
                        "{list_name}: wire name `{word}` is refused as {kind:?}"
                    );
                }
                if names::is_pascal_case(word) {
                    let type_reserved = rust::KEYWORDS.contains(&word)
                        || rust::USED_NAMES.contains(&word)
                        || python::KEYWORDS.contains(&word)
                        || python::USED_NAMES.contains(&word)
                        || typescript::USED_NAMES.contains(&word);
                    for kind in [NameKind::Type, NameKind::Error] {
                        assert_eq!(
                            !reserved_reasons(kind, word).is_empty(),
                            type_reserved,
                            "{list_name}: `{word}` as {kind:?}"
                        );
                    }
                }
                if names::is_snake_case(word) {
                    let printed_as_is = rust::KEYWORDS.contains(&word)
                        || typescript::RESERVED_WORDS.contains(&word)
                        || python::KEYWORDS.contains(&word)
                        || python::SOFT_KEYWORDS.contains(&word);
                    let table = printed_as_is || sql::is_reserved(word);
                    assert_eq!(
                        !reserved_reasons(NameKind::Table, word).is_empty(),
                        table,
                        "{list_name}: `{word}` as a table"
                    );
                    assert_eq!(
                        !reserved_reasons(NameKind::Index, word).is_empty(),
                        table,
                        "{list_name}: `{word}` as an index"
                    );
                    let error_field = printed_as_is
                        || rust::ERROR_FIELDS.contains(&word)
                        || python::PYDANTIC_ATTRIBUTES.contains(&word)
                        || python::FIELD_SHADOWS.contains(&word);
                    assert_eq!(
                        !reserved_reasons(NameKind::ErrorField, word).is_empty(),
                        error_field,
                        "{list_name}: `{word}` as an error field"
                    );
                }
            }
        }
        // The escaping side: every Python word a model attribute cannot take is escaped, every
        // SQL word is quoted (in any letter case), and soft keywords stay plain attributes.
        for word in python::KEYWORDS
            .iter()
            .chain(python::PYDANTIC_ATTRIBUTES)
            .chain(python::FIELD_SHADOWS)
        {
            assert!(python::is_escaped(word), "python does not escape `{word}`");
        }
        for word in python::SOFT_KEYWORDS {
            assert!(
                !python::is_escaped(word),
                "python escapes soft keyword `{word}`"
            );
        }
        for word in sql::RESERVED_WORDS {
            assert!(sql::is_reserved(word) && sql::is_reserved(&word.to_ascii_uppercase()));
        }
        assert!(sql::has_reserved_prefix("SQLITE_jobs") && sql::has_reserved_prefix("pg_jobs"));
    }
}
