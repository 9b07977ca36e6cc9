//! The rule catalogue: one named rule per kind of change, each with a fixed severity and the
//! categories of what it breaks (documented one by one in `docs/spec-diff.md`).
//!
//! The granularity follows buf's breaking-change rules (one id per kind of change); the severities
//! follow smithy-diff (ERROR, DANGER, WARNING, NOTE). A rule's severity and categories never depend
//! on the data: where a change also touches stored rows (a field of a record with a table), a
//! second, storage rule (`column-…`) is reported beside the wire/API one.

use std::fmt;

/// How bad a change is, in smithy-diff's four levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational: nothing breaks.
    Note,
    /// Compatible for most consumers; worth a look.
    Warning,
    /// Breaks some consumers or some data; needs a decision.
    Danger,
    /// Breaks consumers or data.
    Error,
}

impl Severity {
    /// The upper-case spelling printed in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "NOTE",
            Severity::Warning => "WARNING",
            Severity::Danger => "DANGER",
            Severity::Error => "ERROR",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a change breaks (issue #12's classification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Old records no longer parse, or new records do not parse for old readers.
    Wire,
    /// Stored rows need a migration, or data would be lost.
    Storage,
    /// Generated Rust, TypeScript or Python code that callers use changes incompatibly.
    Api,
    /// A transition, rule, profile binding or capability changes.
    Behaviour,
    /// Something new that existing records and callers do not use.
    Additive,
    /// Descriptions, clauses, decisions, messages: nothing a program sees.
    Docs,
}

impl Category {
    /// The lower-case spelling printed in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wire => "wire",
            Category::Storage => "storage",
            Category::Api => "api",
            Category::Behaviour => "behaviour",
            Category::Additive => "additive",
            Category::Docs => "docs",
        }
    }
}

/// One rule of the catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleDef {
    /// Stable kebab-case id, e.g. `field-removed`.
    pub id: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// What it breaks.
    pub categories: &'static [Category],
    /// One line: what the change is.
    pub summary: &'static str,
}

impl RuleDef {
    /// Whether a change of this kind is breaking: it needs a version bump and an ADR. That is an
    /// ERROR or DANGER that touches the wire, storage, the API or behaviour.
    pub fn breaking(&self) -> bool {
        self.severity >= Severity::Danger
            && self.categories.iter().any(|c| {
                matches!(
                    c,
                    Category::Wire | Category::Storage | Category::Api | Category::Behaviour
                )
            })
    }
}

use Category::{
    Additive as ADD, Api as API, Behaviour as BEH, Docs as DOC, Storage as STO, Wire as WIRE,
};
use Severity::{Danger, Error, Note, Warning};

macro_rules! rules {
    ($($name:ident = $id:literal, $sev:ident, [$($cat:ident),*], $summary:literal;)*) => {
        $(
            #[doc = concat!("`", $id, "`: ", $summary)]
            pub const $name: &RuleDef = &RuleDef { id: $id, severity: $sev, categories: &[$($cat),*], summary: $summary };
        )*
        /// Every rule, in catalogue order (the order of `docs/spec-diff.md`).
        pub const ALL: &[&RuleDef] = &[$($name),*];
    };
}

rules! {
    // manifest
    SPEC_RENAMED = "spec-renamed", Warning, [API], "the spec's machine name changed";
    OUTPUTS_CHANGED = "outputs-changed", Warning, [API], "an output folder of a generator moved";
    MASTER_SPEC_CHANGED = "master-spec-changed", Note, [DOC], "the Master Spec version the spec implements changed";
    // types
    TYPE_REMOVED = "type-removed", Error, [WIRE, API], "a type was removed";
    TYPE_ADDED = "type-added", Note, [ADD], "a type was added";
    TYPE_RENAMED = "type-renamed", Danger, [API], "a type was renamed (`renamed_from`): the generated Rust, TypeScript and Python keep the old name as a deprecated alias";
    TYPE_KIND_CHANGED = "type-kind-changed", Error, [WIRE, API], "a type changed kind (id, string, enum, record, union)";
    TYPE_ROOT_REMOVED = "type-root-removed", Warning, [API], "a type is no longer a root: its JSON Schema file is gone";
    TYPE_ROOT_ADDED = "type-root-added", Note, [ADD], "a type became a root: it gets its own JSON Schema file";
    // fields of records, union variants and error data
    FIELD_REMOVED = "field-removed", Error, [WIRE, API], "a field was removed";
    FIELD_ADDED_REQUIRED = "field-added-required", Error, [WIRE, API], "a required field was added";
    FIELD_ADDED_OPTIONAL = "field-added-optional", Warning, [ADD], "an optional field was added";
    FIELD_MADE_REQUIRED = "field-made-required", Error, [WIRE, API], "an optional field became required";
    FIELD_MADE_OPTIONAL = "field-made-optional", Danger, [WIRE, API], "a required field became optional";
    FIELD_TYPE_CHANGED = "field-type-changed", Error, [WIRE, API], "a field's type changed";
    FIELD_DEFAULT_CHANGED = "field-default-changed", Danger, [BEH], "a field's default was added, removed or changed";
    FIELD_RENAMED = "field-renamed", Error, [WIRE, API], "a field was renamed (`renamed_from`): new records carry the new name; readers that can read the old one as an alias still do";
    // string newtypes
    STRING_NARROWED = "string-narrowed", Error, [WIRE], "a string type's length bounds were tightened";
    STRING_WIDENED = "string-widened", Warning, [WIRE], "a string type's length bounds were relaxed";
    STRING_PATTERN_CHANGED = "string-pattern-changed", Danger, [WIRE], "a string type's pattern was added, removed or changed";
    // enums
    ENUM_VALUE_REMOVED = "enum-value-removed", Error, [WIRE, STO, API], "an enum value was removed";
    ENUM_VALUE_ADDED = "enum-value-added", Warning, [ADD], "an enum value was added";
    ENUM_VALUE_MAPPED = "enum-value-mapped", Error, [WIRE, API], "an enum value was removed with a declared `map_to`: stored rows are rewritten, but old records holding it no longer parse";
    ENUM_VALUE_ALIASED = "enum-value-aliased", Danger, [API], "an enum value was removed with `map_to` and `read_alias: true`: stored rows are rewritten, old records still parse and read as the new value";
    // unions
    UNION_TAG_CHANGED = "union-tag-changed", Error, [WIRE, API], "a union's tag property was renamed";
    VARIANT_REMOVED = "variant-removed", Error, [WIRE, API], "a union variant was removed";
    VARIANT_ADDED = "variant-added", Warning, [ADD], "a union variant was added";
    // storage
    TABLE_ADDED = "table-added", Note, [ADD], "a record gained a table";
    TABLE_REMOVED = "table-removed", Error, [STO], "a table was removed: its rows are lost";
    TABLE_REMOVED_WITH_DATA_LOSS = "table-removed-with-data-loss", Danger, [STO], "a table was removed with a declared `allow_data_loss` (`removed_tables:`): the generated migration drops it and its rows, for the reason given";
    TABLE_RENAMED = "table-renamed", Error, [STO], "a record's table changed name";
    TABLE_RENAMED_WITH_DATA = "table-renamed-with-data", Warning, [STO], "a record's table was renamed by a declared `renamed_from`: the generated migration renames it and keeps its rows";
    TABLE_PRIMARY_KEY_CHANGED = "table-primary-key-changed", Error, [STO], "a table's primary key changed";
    TABLE_APPEND_ONLY_CHANGED = "table-append-only-changed", Danger, [STO, BEH], "a table became append-only, or stopped being";
    COLUMN_REMOVED = "column-removed", Error, [STO], "a column of a stored record was removed: its data is lost";
    COLUMN_ADDED_NOT_NULL = "column-added-not-null", Error, [STO], "a NOT NULL column was added to a stored record: existing rows need a value";
    COLUMN_ADDED_NULLABLE = "column-added-nullable", Note, [ADD], "a nullable column was added to a stored record";
    COLUMN_ADDED_BACKFILLED = "column-added-backfilled", Warning, [STO], "a NOT NULL column was added with a declared `backfill`: the generated migration fills existing rows";
    COLUMN_MADE_NOT_NULL = "column-made-not-null", Error, [STO], "a nullable column became NOT NULL";
    COLUMN_MADE_NOT_NULL_BACKFILLED = "column-made-not-null-backfilled", Warning, [STO], "a nullable column became NOT NULL with a declared `backfill`: the generated migration fills the NULLs";
    COLUMN_RENAMED = "column-renamed", Warning, [STO], "a column was renamed by a declared `renamed_from`: the generated migration renames it and keeps its data";
    COLUMN_REMOVED_WITH_DATA_LOSS = "column-removed-with-data-loss", Danger, [STO], "a column was removed with a declared `allow_data_loss`: the generated migration drops it and its data, for the reason given";
    COLUMN_MADE_NULLABLE = "column-made-nullable", Danger, [STO], "a NOT NULL column became nullable";
    COLUMN_TYPE_CHANGED = "column-type-changed", Error, [STO], "a column's type changed";
    COLUMN_CAST = "column-cast", Warning, [STO], "a column's type changed with a declared `cast: lossless`: the generated migration converts every value";
    COLUMN_CAST_WITH_DATA_LOSS = "column-cast-with-data-loss", Danger, [STO], "a column's type changed with a declared lossy `cast` (`allow_data_loss`): the generated migration converts the values, losing what the conversion loses";
    COLUMN_CAST_BY_EXPRESSION = "column-cast-by-expression", Danger, [STO], "a column's type changed with a declared `cast: { sql: … }`: the generated migration converts every value with that expression, and fails, changing nothing, on a value the new column refuses";
    COLUMN_STORAGE_CHANGED = "column-storage-changed", Error, [STO], "a field moved between a typed column, a JSON column and a child table";
    FOREIGN_KEY_ADDED = "foreign-key-added", Danger, [STO], "a foreign key was added";
    FOREIGN_KEY_REMOVED = "foreign-key-removed", Warning, [STO], "a foreign key was removed";
    INDEX_ADDED = "index-added", Note, [ADD], "a non-unique index was added";
    UNIQUE_INDEX_ADDED = "unique-index-added", Danger, [STO], "a unique index was added";
    INDEX_REMOVED = "index-removed", Warning, [STO], "an index was removed";
    INDEX_CHANGED = "index-changed", Danger, [STO], "an index's columns or uniqueness changed";
    // lifecycle
    LIFECYCLE_RENAMED = "lifecycle-renamed", Error, [API], "the lifecycle enum changed name";
    STATE_ADDED = "state-added", Warning, [ADD, BEH], "a lifecycle state was added";
    STATE_REMOVED = "state-removed", Error, [WIRE, STO, BEH], "a lifecycle state was removed";
    STATE_MAPPED = "state-mapped", Error, [BEH], "a lifecycle state was removed with a declared `map_to` (`removed_states:`): stored jobs in it move to that state, and old records read as it with `read_alias`";
    INITIAL_STATE_CHANGED = "initial-state-changed", Error, [BEH], "the lifecycle's initial state changed";
    TERMINAL_STATE_CHANGED = "terminal-state-changed", Error, [BEH], "a state became terminal, or stopped being terminal";
    TRANSITION_REMOVED = "transition-removed", Error, [BEH], "an allowed transition was removed";
    TRANSITION_ADDED = "transition-added", Danger, [BEH], "an allowed transition was added";
    TRANSITION_ORIGIN_CHANGED = "transition-origin-changed", Note, [DOC], "a transition's origin (diagram or text) changed";
    REJECTED_EDGE_ADDED = "rejected-edge-added", Note, [DOC], "a diagram edge was recorded as rejected";
    REJECTED_EDGE_REMOVED = "rejected-edge-removed", Note, [DOC], "a rejected diagram edge was dropped from the record";
    // errors
    ERROR_REMOVED = "error-removed", Error, [API], "a typed error was removed";
    ERROR_ADDED = "error-added", Note, [ADD], "a typed error was added";
    ERROR_CODE_CHANGED = "error-code-changed", Error, [WIRE, API], "a typed error's stable code changed";
    ERROR_FIELDS_CHANGED = "error-fields-changed", Danger, [API], "the data a typed error carries changed";
    ERROR_MESSAGE_CHANGED = "error-message-changed", Note, [DOC], "a typed error's message changed";
    // rules
    RULE_ADDED = "rule-added", Danger, [BEH], "a rule was added";
    RULE_ADDED_ON_NEW_RECORD = "rule-added-on-new-record", Note, [ADD], "a rule was added on a record that is new too";
    RULE_REMOVED = "rule-removed", Warning, [BEH], "a rule was removed";
    RULE_TIGHTENED = "rule-tightened", Danger, [BEH], "a rule now refuses records it accepted";
    RULE_LOOSENED = "rule-loosened", Warning, [BEH], "a rule now accepts records it refused";
    RULE_CONDITION_CHANGED = "rule-condition-changed", Danger, [BEH], "a rule's condition changed in a way that is neither only tighter nor only looser";
    RULE_TARGET_CHANGED = "rule-target-changed", Error, [BEH], "a rule moved to another record";
    RULE_CODE_CHANGED = "rule-code-changed", Error, [API, BEH], "a rule's stable code changed";
    RULE_RENAMED = "rule-renamed", Warning, [API], "a rule kept its code under a new name";
    RULE_MESSAGE_CHANGED = "rule-message-changed", Note, [DOC], "a rule's message changed";
    // profiles
    PROFILE_ADDED = "profile-added", Note, [ADD], "a profile was added";
    PROFILE_REMOVED = "profile-removed", Error, [WIRE, BEH], "a profile was removed";
    PROFILE_ID_CHANGED = "profile-id-changed", Error, [WIRE, BEH], "a profile's wire id changed";
    PROFILE_JOB_KINDS_CHANGED = "profile-job-kinds-changed", Danger, [BEH], "the job kinds bound to a profile changed";
    PROFILE_RECORD_CHANGED = "profile-record-changed", Error, [WIRE, API], "a profile's inputs or outputs record changed";
    PROFILE_OPERATIONS_CHANGED = "profile-operations-changed", Danger, [BEH], "the operations a profile owns changed";
    PROFILE_BINDING_ADDED = "profile-binding-added", Danger, [BEH], "a profile binding (a rule written from the profile) was added";
    PROFILE_BINDING_REMOVED = "profile-binding-removed", Warning, [BEH], "a profile binding was removed";
    PROFILE_BINDING_CODE_CHANGED = "profile-binding-code-changed", Error, [API, BEH], "a profile binding's rule code changed";
    CAPABILITY_ADDED = "capability-added", Danger, [BEH], "a profile requires a capability it did not";
    CAPABILITY_REMOVED = "capability-removed", Warning, [BEH], "a profile no longer requires a capability";
    PROFILE_PLAN_CHANGED = "profile-plan-changed", Warning, [BEH], "a profile's validation or provenance plan changed";
    PROFILE_STATUS_CHANGED = "profile-status-changed", Warning, [BEH], "a profile status was added, removed or mapped onto another state";
    PROFILE_FUTURE_CHANGED = "profile-future-changed", Warning, [BEH], "a profile was marked future, or activated";
    // docs only
    OUT_OF_SCOPE_ADDED = "out-of-scope-added", Note, [DOC], "a guard was listed as out of scope for records";
    OUT_OF_SCOPE_REMOVED = "out-of-scope-removed", Note, [DOC], "a guard is no longer listed as out of scope";
    DESCRIPTION_CHANGED = "description-changed", Note, [DOC], "a declaration's description changed";
    CLAUSE_CHANGED = "clause-changed", Note, [DOC], "a declaration's Master Spec clause changed";
    DECISION_CHANGED = "decision-changed", Note, [DOC], "a declaration's decision was added, removed or changed";
    CLAIMS_CHANGED = "claims-changed", Note, [DOC], "the Master Spec items a declaration claims changed";
    // the policy (findings about the change set, not changes)
    VERSION_BUMP_MISSING = "version-bump-missing", Error, [], "a breaking change without the version bump the policy asks for";
    VERSION_DECREASED = "version-decreased", Error, [], "the spec's version went backwards or is not SemVer";
    ADR_MISSING = "adr-missing", Error, [], "a breaking change that no ADR under docs/adr/ covers";
    ADR_INVALID = "adr-invalid", Error, [], "an ADR whose front matter or decision is missing or malformed";
    ADR_INDEX_STALE = "adr-index-stale", Error, [], "docs/adr/README.md does not list the ADRs as they are";
}

/// The policy rules: findings about the change set as a whole, reported after the changes.
pub const POLICY: &[&RuleDef] = &[
    VERSION_BUMP_MISSING,
    VERSION_DECREASED,
    ADR_MISSING,
    ADR_INVALID,
    ADR_INDEX_STALE,
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static RuleDef> {
    ALL.iter().copied().find(|r| r.id == id)
}
