//! The stable diagnostic codes: one [`Code`] variant per code, with its code text and the problem
//! it names. The code table in the [`diagnostics`](super) module docs is rendered from this list
//! ([`Code::table`]) and a test compares the two, so a code cannot be misspelt at a report site
//! (it is a variant, checked by the compiler) and the documented table cannot drift from the codes
//! the loader reports.

use std::fmt;

/// Declares [`Code`] from `Variant = "code", "problem";` lines, in table order.
macro_rules! codes {
    ($($variant:ident = $code:literal, $title:literal;)+) => {
        /// A stable diagnostic code. Codes never change meaning; a retired code is never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = concat!("`", $code, "`: ", $title, ".")]
                $variant,
            )+
        }

        impl Code {
            /// Every code, in the order of the documented table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable code text, e.g. `S0203`, as printed in `error[S0203]`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)+
                }
            }

            /// The kind of problem the code names, as one lower-case fragment (the table's text).
            pub const fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)+
                }
            }
        }
    };
}

codes! {
    YamlSyntax = "S0101", "YAML syntax error (scanner error, anchors/aliases, tags, non-scalar keys, several documents)";
    DuplicateKey = "S0102", "duplicate key inside one YAML mapping";
    UnknownKey = "S0103", "unknown key (the message lists the allowed keys)";
    MissingKey = "S0104", "missing required key (including a missing `clause` or `description`)";
    WrongShape = "S0105", "wrong value shape (mapping, list, text, boolean or number expected)";
    MissingFile = "S0106", "spec file listed in `files:` (or the manifest itself) does not exist";
    InvalidFilesEntry = "S0107", "invalid `files:` entry (absolute, `..`, backslash, not `.yaml`, listed twice)";
    UnknownWord = "S0108", "value is not one of the allowed words (`kind`, `storage`, ...)";
    InvalidManifestValue = "S0109", "invalid manifest value (`spec` name, `version` not SemVer, `master_spec` not `vNN.NN`)";
    InvalidIdentifier = "S0201", "invalid identifier: types and errors are `PascalCase`, everything else `snake_case`";
    ReservedIdentifier = "S0202", "identifier reserved in Rust, SQL, TypeScript/JavaScript or Python, or used by the generators";
    UnknownType = "S0203", "unknown type in a type expression";
    DuplicateDeclaration = "S0204", "the same type, error or lifecycle name is declared twice (also across files)";
    MalformedTypeExpression = "S0205", "malformed type expression (`[T]`, `map<T>` or a name expected)";
    InfiniteRecord = "S0206", "record contains itself without a list or map in between (no finite size)";
    EmptyEnumOrUnion = "S0207", "enum or union without values/variants";
    InvalidStringConstraints = "S0208", "invalid string constraints (`min_length` > `max_length`, bad `pattern`, `example` violates them)";
    VariantFieldNamedLikeTag = "S0209", "union variant field has the same name as the union's tag";
    InvalidClause = "S0301", "invalid clause reference (must match `^§\\d+(\\.\\d+)*$`)";
    ControlCharacterInProse = "S0302", "control character in a description or decision";
    CommentEndInProse = "S0303", "`*/` in a description or decision (it would end a generated comment)";
    EmptyProse = "S0304", "empty description or decision";
    UnknownInitialState = "S0401", "lifecycle `initial` state is not declared";
    UnknownState = "S0402", "transition or rejected edge names an undeclared state";
    DuplicateEdge = "S0403", "duplicate transition or duplicate rejected edge";
    EdgeAllowedAndRejected = "S0404", "edge is both an allowed transition and rejected";
    RejectedWithoutDecision = "S0405", "rejected edge without a `decision` (the reason is mandatory)";
    TransitionFromTerminal = "S0406", "transition out of a terminal state";
    DeadEndState = "S0407", "non-terminal state with no outgoing transition";
    UnreachableState = "S0408", "state not reachable from `initial`";
    InvalidTransitionOrigin = "S0409", "transition `origin` is not `diagram` or `text`";
    LifecycleCount = "S0410", "no `lifecycle:` in the spec, or more than one";
    LifecycleWithoutStates = "S0411", "lifecycle without states";
    LifecycleErrorShape = "S0412", "`IllegalTransition` error whose fields are not two lifecycle states (current, then requested), or `TerminalState` error whose fields are not one";
    InvalidOutputPath = "S0501", "invalid output path (empty, absolute, `..`, `.`, backslash, trailing `/`, inside the spec folder)";
    NestedOutputs = "S0502", "output folders are equal or nested";
    DuplicateSqlName = "S0601", "table or index name used twice across the schema";
    NotAColumn = "S0602", "primary key, index or foreign key column is not a column-stored field of the record";
    InvalidForeignKey = "S0603", "foreign key `references` is not a record with a single-column primary key table";
    InvalidChildTable = "S0604", "`child_table` storage on a field that is not `[Record]` (or in a record without a table)";
    InvalidPrimaryKey = "S0605", "primary key is empty or has an optional column";
    NotAColumnType = "S0606", "`storage: column` on a field whose type cannot be a typed column";
    ChildColumnCollision = "S0607", "field of a child table's element record collides with `position` or a parent key column";
    SqlNameTooLong = "S0608", "table, index, constraint or trigger name longer than the 63 bytes Postgres keeps";
    NestedChildTable = "S0609", "`child_table` storage on a field of a record stored as a child table's rows (child tables do not nest)";
    GeneratedSqlNameClash = "S0610", "a constraint or trigger name the SQL target derives from a table (`<table>_<column>_check`, `<table>_append_only…`) is already the name of another table, index, constraint or trigger";
    DuplicateErrorCode = "S0701", "error code used twice";
    InvalidErrorCode = "S0702", "error code does not match `^[A-Z]+(-[A-Z0-9]+)+$`";
    InvalidPlaceholder = "S0703", "error message placeholder does not name a field (or has an unbalanced brace)";
    PlaceholderWithoutText = "S0704", "error message placeholder names an optional field, or a field with no text form (`json`, a list, map, record or union)";
    DefaultTypeMismatch = "S0801", "`default` value does not match the field's type";
    RequiredWithDefault = "S0802", "field is `required: true` and also has a `default`";
    RuleOnNotRecord = "S0901", "rule `on` names an unknown type, or a type that is not a record";
    InvalidRulePath = "S0902", "rule path segment is not a field or `[variant]` not a variant (did-you-mean), or continues past a non-record (a union only by its tag or a `[variant]` step), or `[variant]` on a value that is not a union";
    RulePathThroughList = "S0903", "rule path goes through a list (use `each`, with `[variant]` starting the inner path for a list of unions)";
    RuleValueMismatch = "S0904", "rule comparison value does not fit the field's type (unknown enum value, wrong scalar, record compared)";
    RuleOperandKind = "S0905", "rule operand of the wrong kind (length bounds on a non-string/non-list, `contains` on a non-list, `each` on a non-list of records, `hash_of` on a non-string or over a list that is not of blocks)";
    DuplicateRule = "S0906", "rule name or rule code used twice (rule codes are also distinct from error codes)";
    MalformedCondition = "S0907", "malformed rule condition (no or several operators, several comparisons, empty `all`/`any`, bad bounds, not a mapping)";
    InvalidProfileId = "S1001", "profile `profile_id` does not match the `ProfileId` type";
    DuplicateProfile = "S1002", "profile name or profile id declared twice";
    UnknownJobKind = "S1003", "profile job kind is not a value of the `JobKind` enum (or `JobKind` is not an enum)";
    JobKindCoverage = "S1004", "`JobKind` value bound to no profile, or to more than one";
    InvalidProfileRecord = "S1005", "profile `inputs`/`outputs` is not a declared record (or its field clashes with the `profile` tag of `JobInputs`/`JobOutputs`)";
    UnknownProfileState = "S1006", "profile status maps onto a state the lifecycle does not declare";
    InvalidProfilePlan = "S1007", "profile `validation_plan`/`provenance_plan` is not a `ValidationPlan`/`ProvenancePlan` value";
    InvalidCapability = "S1008", "profile capability does not match the `CapabilityId` type (`axis` or `axis:scope`)";
    DuplicateProfileEntry = "S1009", "profile operation or capability listed twice";
    SynthesizedTypeDeclared = "S1010", "a type named `JobInputs` or `JobOutputs` is declared although `profiles:` synthesizes it";
    UnknownOperation = "S1011", "profile operation is not a variant of the `PlannedOperation` union (did-you-mean)";
    OperationCoverage = "S1012", "`PlannedOperation` variant claimed by no profile's `operations`, or by more than one";
    InvalidBinding = "S1013", "invalid profile binding: not a rule code, code or rule name already used, nothing to bind (no `inputs`/`operations`), or not exactly one record with the fields the rule needs";
    DuplicateOutOfScope = "S1101", "out-of-scope guard listed twice (`out_of_scope:` names are unique across files)";
    UnknownClaim = "S1201", "`claims:` entry that is not an item id of `master-spec.lock` (beside the manifest), or `claims:` that is not a list of ids";
    EvolutionOutsideRecord = "S1301", "`renamed_from`, `backfill` or `cast` on a field that is not a record's (a variant or error field)";
    RenamedFromItself = "S1302", "`renamed_from` names the field, type or table itself";
    BackfillOnOptionalField = "S1303", "`backfill` on an optional field";
    InvalidBackfill = "S1304", "`backfill` that does not match the field's type, or `backfill.sql` that is not one SQL expression";
    RemovedButDeclared = "S1305", "removed field or enum value that is still declared";
    UnknownMapTo = "S1306", "`map_to` names a value the enum does not declare";
    RemovedTwice = "S1307", "enum value or table removed twice";
    InvalidCast = "S1308", "`cast` that is not `lossless`, `{ allow_data_loss: … }` or `{ sql: … }`";
    OldNameDeclared = "S1309", "type `renamed_from` a name that is declared again";
    RemovedValueInJson = "S1310", "`read_alias: true` on a removed enum value that may be stored inside a JSON column";
}

impl Code {
    /// The documented code table: a Markdown table, one row per code, as the `//!` lines of the
    /// [`diagnostics`](super) module docs hold it (without the `//! ` prefix).
    pub fn table() -> String {
        let mut out = String::from("| code | problem |\n| --- | --- |\n");
        for code in Code::ALL {
            out.push_str(&format!("| `{}` | {} |\n", code.as_str(), code.title()));
        }
        out
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    /// Codes are `S` and four digits, strictly increasing in table order, so each is unique and
    /// the table reads in order.
    #[test]
    fn codes_are_well_formed_unique_and_ordered() {
        for pair in Code::ALL.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str(), "{pair:?} out of order");
        }
        for code in Code::ALL {
            let text = code.as_str();
            assert!(
                text.len() == 5
                    && text.starts_with('S')
                    && text[1..].chars().all(|c| c.is_ascii_digit()),
                "{text} is not `S` and four digits"
            );
            assert!(!code.title().is_empty() && !code.title().contains('\n'));
        }
    }

    /// The table in the module docs of `diagnostics.rs` is exactly [`Code::table`].
    /// `EXPECTORATE=overwrite cargo test -p handshake-spec` rewrites it.
    #[test]
    fn documented_table_is_rendered_from_the_codes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diagnostics.rs");
        let source = std::fs::read_to_string(&path).expect("diagnostics.rs is readable");
        let rendered: String = Code::table()
            .lines()
            .map(|line| format!("//! {line}\n"))
            .collect();
        let start = source
            .find("//! | code | problem |\n")
            .expect("diagnostics.rs documents the code table");
        let end = start
            + source[start..]
                .lines()
                .take_while(|line| line.starts_with("//! |"))
                .map(|line| line.len() + 1)
                .sum::<usize>();
        if std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite") {
            let updated = format!("{}{rendered}{}", &source[..start], &source[end..]);
            std::fs::write(&path, updated).expect("write diagnostics.rs");
            return;
        }
        assert_eq!(
            &source[start..end],
            rendered,
            "the code table in src/diagnostics.rs is stale; EXPECTORATE=overwrite rewrites it"
        );
    }
}
