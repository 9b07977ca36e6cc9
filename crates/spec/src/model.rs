//! The checked, typed model of a spec: what the loader produces and every generator reads.
//!
//! Everything here is in spec order (the order of `files:` in the manifest, then the order of
//! declaration inside each file). Generators never sort by name; they iterate these vectors.
//! Every item carries the [`Clause`] of the Master Spec it implements and the [`Location`] it was
//! declared at, so later tooling can map clauses to code and errors can point at the YAML.

use std::fmt;

/// A position in a spec file: 1-based line and column, like rustc prints them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// Path of the spec file relative to the repository root, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A clause reference into the Master Spec, such as `§2.6.6.2.3`; always starts with `§`.
///
/// A declaration may implement several clauses (`clause: [§2.6.6.3.2, §2.6.6.4]`); the first is
/// the primary one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clause(pub Vec<String>);

impl Clause {
    /// The primary clause, e.g. `§2.6.6.2.3`.
    pub fn primary(&self) -> &str {
        &self.0[0]
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

/// Provenance shared by every declaration: where it came from and what it implements.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The clause(s) of the Master Spec this item implements.
    pub clause: Clause,
    /// One-paragraph description, paraphrasing the spec (never copied prose).
    pub description: String,
    /// Set when the spec was silent or ambiguous and we decided: the decision and its reason.
    pub decision: Option<String>,
    /// Where the item was declared.
    pub location: Location,
}

/// The whole checked spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Machine name of the spec, e.g. `handshake_ai_job_model`.
    pub name: String,
    /// Version of this spec (SemVer), independent of the Master Spec version.
    pub version: String,
    /// The Master Spec version it implements, e.g. `v02.84`.
    pub master_spec: String,
    /// Where each target's generated files go, relative to the repository root.
    pub outputs: Outputs,
    /// Spec files in load order, relative to the repository root (manifest first).
    pub files: Vec<String>,
    /// All types, in spec order.
    pub types: Vec<TypeDef>,
    /// The job lifecycle (state machine) as data. Its states also appear in `types` as an
    /// enum named `lifecycle.name`, placed where the `lifecycle:` block is declared.
    pub lifecycle: Lifecycle,
    /// Typed errors with stable codes, in spec order.
    pub errors: Vec<ErrorDef>,
    /// Cross-field rules (`rules:`), in spec order; enforced in every target that can express them.
    pub rules: Vec<Rule>,
    /// Job profiles (`profiles:`, §2.6.6.6), in spec order.
    pub profiles: Vec<Profile>,
    /// Spec guards that cannot be decided from records alone (`out_of_scope:`), with the reason.
    pub out_of_scope: Vec<OutOfScope>,
    /// Master Spec items the declarations claim (`claims:`), in spec order; every id is one
    /// `master-spec.lock` (beside the manifest) holds.
    pub claims: Vec<Claim>,
    /// How stored data and old readers follow the changes since the previous version of the
    /// spec: renames, backfills, removals (see [`Evolution`]).
    pub evolution: Evolution,
}

/// The spec's evolution declarations (issue #12): what a migration needs to keep stored data
/// through a change that is not additive, and what generated readers accept for old data.
///
/// They are written next to what they change (`renamed_from:` and `backfill:` on a field,
/// `removed_fields:` on a record, `removed_values:` and a value's `renamed_from:` on an enum) and
/// collected here so the generators that need them look them up in one place. A declaration
/// stays in the spec after its migration is committed: codegen diffs the spec with the latest
/// snapshot, and a declaration whose old name no longer exists there changes nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evolution {
    /// `renamed_from:` on record fields, in spec order.
    pub renamed_fields: Vec<FieldRename>,
    /// `backfill:` on required record fields, in spec order.
    pub backfills: Vec<FieldBackfill>,
    /// `removed_fields:` of records, in spec order.
    pub removed_fields: Vec<RemovedField>,
    /// `removed_values:` of enums, and each value's `renamed_from:` (a removed value mapped to
    /// it and read as an alias), in spec order.
    pub removed_values: Vec<RemovedValue>,
    /// `removed_tables:` of the spec files, in spec order.
    pub removed_tables: Vec<RemovedTable>,
    /// `cast:` on record fields whose stored type changed, in spec order.
    pub casts: Vec<FieldCast>,
    /// `renamed_from:` on `table:` blocks, in spec order.
    pub renamed_tables: Vec<TableRename>,
    /// `renamed_from:` on types, in spec order.
    pub renamed_types: Vec<TypeRename>,
}

impl Evolution {
    /// The name `record.field` had before, if it declares `renamed_from:`.
    pub fn renamed_from(&self, record: &str, field: &str) -> Option<&FieldRename> {
        self.renamed_fields
            .iter()
            .find(|r| r.record == record && r.field == field)
    }

    /// The fields of `record` declared `renamed_from`, as (name now, name before), in spec order.
    pub fn renamed_fields_of(&self, record: &str) -> Vec<(String, String)> {
        self.renamed_fields
            .iter()
            .filter(|r| r.record == record)
            .map(|r| (r.field.clone(), r.from.clone()))
            .collect()
    }

    /// The backfill of `record.field`, if it declares one.
    pub fn backfill(&self, record: &str, field: &str) -> Option<&FieldBackfill> {
        self.backfills
            .iter()
            .find(|b| b.record == record && b.field == field)
    }

    /// The removal of `record.field`, if the record declares one.
    pub fn removed_field(&self, record: &str, field: &str) -> Option<&RemovedField> {
        self.removed_fields
            .iter()
            .find(|r| r.record == record && r.field == field)
    }

    /// The name type `name` had before, if it declares `renamed_from:`.
    pub fn type_renamed_from(&self, name: &str) -> Option<&TypeRename> {
        self.renamed_types.iter().find(|t| t.type_name == name)
    }

    /// The `cast:` of `record.field`, if it declares one.
    pub fn cast(&self, record: &str, field: &str) -> Option<&FieldCast> {
        self.casts
            .iter()
            .find(|c| c.record == record && c.field == field)
    }

    /// The removal of table `name`, if a spec file declares one.
    pub fn removed_table(&self, name: &str) -> Option<&RemovedTable> {
        self.removed_tables.iter().find(|t| t.table == name)
    }

    /// Removed values of enum `name`, in spec order.
    pub fn removed_values_of<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a RemovedValue> {
        self.removed_values
            .iter()
            .filter(move |v| v.enum_name == name)
    }
}

/// `renamed_from: old` on a field of a record: the field was called `old` before.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRename {
    /// The record declaring the field.
    pub record: String,
    /// The field's name now.
    pub field: String,
    /// Its name before.
    pub from: String,
    /// Where `renamed_from` is written.
    pub location: Location,
}

/// `backfill:` on a required field: what rows stored before the field existed hold.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldBackfill {
    /// The record declaring the field.
    pub record: String,
    /// The field.
    pub field: String,
    /// The value or SQL expression.
    pub value: Backfill,
    /// Where `backfill` is written.
    pub location: Location,
}

/// The value a [`FieldBackfill`] writes into existing rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backfill {
    /// A value of the field's type (checked by the loader like a `default:`).
    Value(serde_json::Value),
    /// `{ sql: "expression" }`: an SQL expression over the row's other columns, valid in both
    /// dialects; the column's NOT NULL and CHECK constraints check its result when the migration runs.
    Sql(String),
}

/// An entry of a record's `removed_fields:`: a field (and its column) that was dropped on purpose.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedField {
    /// The record that had the field.
    pub record: String,
    /// The field's name.
    pub field: String,
    /// `allow_data_loss:`: why losing the stored values is acceptable.
    pub allow_data_loss: String,
    /// Where the entry is written.
    pub location: Location,
}

/// `renamed_from: Old` on a type: the type was called `Old` before. Types have no storage of
/// their own; the generated code keeps `Old` as a deprecated alias.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeRename {
    /// The type's name now.
    pub type_name: String,
    /// Its name before.
    pub from: String,
    /// Where `renamed_from` is written.
    pub location: Location,
}

/// `renamed_from: old` on a `table:`: the table was called `old` before.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRename {
    /// The table's name now.
    pub table: String,
    /// Its name before.
    pub from: String,
    /// Where `renamed_from` is written.
    pub location: Location,
}

/// `cast:` on a field whose stored type changed: convert the stored values (`cast: lossless`),
/// convert them accepting the loss a lossy conversion makes (`cast: { allow_data_loss: why }`),
/// or convert them with an expression (`cast: { sql: expression }`, optionally with
/// `allow_data_loss:`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCast {
    /// The record declaring the field.
    pub record: String,
    /// The field.
    pub field: String,
    /// `None` for `cast: lossless`; the reason for a lossy cast.
    pub allow_data_loss: Option<String>,
    /// `cast: { sql: expression }`: the author's conversion, one SQL expression over the row's
    /// columns (the old value under the field's name), written instead of codegen's own; it
    /// converts between any two types (text to a number, anything to an enum).
    pub sql: Option<String>,
    /// Where `cast` is written.
    pub location: Location,
}

/// An entry of a spec file's `removed_tables:`: a table (a record's, or a child table) dropped
/// on purpose, with all its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedTable {
    /// The table's name.
    pub table: String,
    /// `allow_data_loss:`: why losing its rows is acceptable.
    pub allow_data_loss: String,
    /// Where the entry is written.
    pub location: Location,
}

/// An enum value that no longer exists: stored rows holding it are rewritten to `map_to`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedValue {
    /// The enum type.
    pub enum_name: String,
    /// The removed value.
    pub value: String,
    /// The value that replaces it in stored rows.
    pub map_to: String,
    /// Whether generated readers still accept the old value (and read it as `map_to`).
    pub read_alias: bool,
    /// Where the entry (or the `renamed_from:` it comes from) is written.
    pub location: Location,
}

/// A Master Spec item (an id of `spec/master-spec.lock`, e.g.
/// `§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not`) that a declaration claims to implement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The item id.
    pub id: String,
    /// Where the id is written.
    pub location: Location,
    /// Where the claiming declaration is (the same as its `Meta::location`).
    pub declaration: Location,
}

/// A cross-field rule: `when` (optional) a condition holds on a record, `require` another.
///
/// YAML (`rules:` section, a mapping from snake_case rule name to declaration):
/// ```yaml
/// rules:
///   source_ref_artifact_has_hash:
///     on: SourceRef
///     code: HSK-RULE-0001
///     message: a source ref of kind artifact must carry its hash
///     when: { field: kind, equals: artifact }
///     require: { present: hash }
///     clause: §2.6.6.7.2
///     description: …
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// snake_case name, unique across rules.
    pub name: String,
    /// Stable code reported with every violation (same form as error codes).
    pub code: String,
    /// The record type the rule constrains; paths start at this record.
    pub on: String,
    /// The rule applies only to records where this holds; `None` means always.
    pub when: Option<Condition>,
    /// What must hold where the rule applies.
    pub require: Condition,
    /// Lower-case fragment reported with each violation.
    pub message: String,
    /// Clause, description, decision, location.
    pub meta: Meta,
    /// Derived from the profile registry (a profile binding, or an `in_registry` comparison):
    /// never a SQL CHECK, since the registry grows with the spec and a CHECK that changes is a
    /// non-additive migration. Every other target enforces it like any rule.
    pub registry: bool,
}

/// A path from a record through nested values, as a list of steps, e.g.
/// `local_only_payload_ref.kind` or `job_inputs[charts_decks].source_table_ref`.
///
/// - A [`PathStep::Field`] reads a field of a record, or of the variant a preceding
///   [`PathStep::Variant`] selected. A union's tag is addressed as a field step named like the
///   tag (e.g. `job_inputs.profile`).
/// - A [`PathStep::Variant`] `[v]` applies to a union value: the value stays what it is when its
///   tag is `v` and is *absent* otherwise; the next step then reads a field of variant `v`. It
///   follows a field step (`job_inputs[charts_decks]`), or starts a path inside `each` over a list
///   of unions (`[insert_block].after`, relative to the element).
///
/// The loader guarantees that a path is non-empty, that every field step names a field and every
/// variant step a variant of a union, that a variant step is followed by a field of that variant
/// (never the tag) or ends the path, and that no step goes through a list.
///
/// The JSON Pointer of a path's value is its field steps only ([`FieldPath::json_keys`]): a
/// variant step selects, it does not descend.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<PathStep>);

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `name`: a field (or a union's tag) of the current value.
    Field(String),
    /// `[variant]`: the current union value when its tag is `variant`, otherwise absent.
    Variant(String),
}

impl FieldPath {
    /// A path of field steps only, e.g. `["ship_to", "zip"]` for `ship_to.zip`.
    pub fn fields<S: AsRef<str>>(names: &[S]) -> FieldPath {
        FieldPath(
            names
                .iter()
                .map(|n| PathStep::Field(n.as_ref().to_string()))
                .collect(),
        )
    }

    /// The keys of the JSON value the path reads (its field steps), e.g. `job_inputs`,
    /// `source_table_ref` for `job_inputs[charts_decks].source_table_ref`.
    pub fn json_keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|step| match step {
            PathStep::Field(name) => Some(name.as_str()),
            PathStep::Variant(_) => None,
        })
    }

    /// Whether any step selects a union variant.
    pub fn has_variant_step(&self) -> bool {
        self.0
            .iter()
            .any(|step| matches!(step, PathStep::Variant(_)))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Field(name) if index == 0 => f.write_str(name)?,
                PathStep::Field(name) => write!(f, ".{name}")?,
                PathStep::Variant(name) => write!(f, "[{name}]")?,
            }
        }
        Ok(())
    }
}

/// The small condition language of rules. An absent value (a missing optional field anywhere on
/// the path, or a union of another variant than a `[variant]` step selects) satisfies only
/// `absent`, `not …` of a comparison, and `length`/`each` vacuously.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `{ present: path }`: the value exists.
    Present(FieldPath),
    /// `{ absent: path }`: the value does not exist.
    Absent(FieldPath),
    /// `{ field: path, equals: v }`.
    Equals {
        /// Left-hand side.
        path: FieldPath,
        /// The JSON value compared with.
        value: serde_json::Value,
    },
    /// `{ field: path, not_equals: v }`.
    NotEquals {
        /// Left-hand side.
        path: FieldPath,
        /// The JSON value compared with.
        value: serde_json::Value,
    },
    /// `{ field: path, in: [v, …] }`.
    OneOf {
        /// Left-hand side.
        path: FieldPath,
        /// Allowed values.
        values: Vec<serde_json::Value>,
    },
    /// `{ field: path, not_in: [v, …] }`.
    NoneOf {
        /// Left-hand side.
        path: FieldPath,
        /// Refused values.
        values: Vec<serde_json::Value>,
    },
    /// `{ field: path, min_length: n, max_length: m }`: characters of a string, items of a list.
    Length {
        /// The string or list.
        path: FieldPath,
        /// Inclusive minimum.
        min: Option<u64>,
        /// Inclusive maximum.
        max: Option<u64>,
    },
    /// `{ field: path, contains: v }`: a list holds the value.
    Contains {
        /// The list.
        path: FieldPath,
        /// The value it must hold.
        value: serde_json::Value,
    },
    /// `{ each: path, require: condition }`: every element of a list satisfies the condition
    /// (paths inside are relative to the element).
    Each {
        /// The list.
        path: FieldPath,
        /// Condition on each element.
        condition: Box<Condition>,
    },
    /// `{ each: path, all_equal: key }`: every element of a list has the same value at `key`.
    AllEqual {
        /// The list.
        path: FieldPath,
        /// Path inside each element.
        key: FieldPath,
    },
    /// `{ field: p, member_of: q }` or `{ member_of: q, match: { k: p, … }, where: c }`: some
    /// element of the list `q` (a path from the rule's record, wherever the condition sits)
    /// satisfies `where` and equals the current value at every `p` (the element itself, or its
    /// key `k`). An absent `p` fails it; an absent list has no elements.
    MemberOf {
        /// The list, read from the record the rule is `on`.
        list: FieldPath,
        /// `(element key, value path)` pairs; a `None` key compares the element itself (a list of
        /// scalars). Value paths are relative to the current value (the element inside `each`).
        matches: Vec<MemberMatch>,
        /// Only elements where this holds count (paths relative to the element).
        filter: Option<Box<Condition>>,
    },
    /// `{ field: p, same_as: q }`: the value at `p` (relative to the current value) equals the
    /// value at `q`, read from the rule's record (`on`) wherever the condition sits, e.g. a
    /// transcript segment's `asr_origin.job_id` and the job's own `job_id`. Absent on either side
    /// fails it; the two sides compare as `member_of`'s do (one type, strings, or UUIDs).
    SameAs {
        /// The value, relative to the current value.
        path: FieldPath,
        /// The value it must equal, relative to the rule's record.
        other: FieldPath,
    },
    /// `{ field: p, equals_sum: [t, …] }`: the number at `p` equals the binary64 sum, left to right,
    /// of the terms; a term is a path or `{ max: [q, …] }`, all relative to the current value. An
    /// absent term or `max` member counts as 0 (the spec's "missing score fields are treated as
    /// 0.0"); an absent `p` satisfies it.
    EqualsSum {
        /// The stored sum.
        path: FieldPath,
        /// The terms, in the order they are added.
        terms: Vec<Term>,
    },
    /// `{ each: p, sorted_by: [{ key: k, order: ascending | descending }, …] }`: the elements of the
    /// list are in the order the keys give, compared key by key (the first key that differs
    /// decides; equal on every key is in order). Keys are required number or string fields of the
    /// element; numbers compare as binary64, strings by Unicode code point, in every target.
    SortedBy {
        /// The list.
        path: FieldPath,
        /// The sort keys, most significant first.
        keys: Vec<SortKey>,
    },
    /// `{ field: p, at_most: q }`, `{ count: p, at_most: q }`, `{ sum: p, of: k, at_most: q }`: a
    /// number measured at the current value is at most the number at `q`, read from the rule's
    /// record (`on`) wherever the condition sits (a budget of the record). Numbers compare as
    /// binary64, in every target. An absent value, an absent list (count and sum 0) or an absent
    /// bound (no budget stated) satisfies it.
    AtMost {
        /// What is measured.
        measure: Measure,
        /// The bound, relative to the rule's record.
        bound: FieldPath,
    },
    /// `{ field: p, hash_of: { <form>: [q, …] } }`: the stored hash at `p` is the SHA-256 that
    /// `form` defines over the values at `q, …` (paths relative to the current value, like `p`),
    /// recomputed from the record itself (§2.6.6.7.5). An absent hash satisfies it (its presence
    /// is `present`'s to require); an absent part fails it.
    HashOf {
        /// The stored hash.
        path: FieldPath,
        /// Which bytes are hashed.
        form: HashForm,
        /// The hashed values, in order.
        parts: Vec<FieldPath>,
    },
    /// `{ all: [c, …] }`.
    All(Vec<Condition>),
    /// `{ any: [c, …] }`.
    Any(Vec<Condition>),
    /// `{ not: c }`.
    Not(Box<Condition>),
}

/// One term of a [`Condition::EqualsSum`].
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// A number (absent counts as 0).
    Value(FieldPath),
    /// The largest of several numbers (absent ones count as 0).
    Max(Vec<FieldPath>),
}

impl Term {
    /// Every path the term reads.
    pub fn paths(&self) -> Vec<&FieldPath> {
        match self {
            Term::Value(path) => vec![path],
            Term::Max(paths) => paths.iter().collect(),
        }
    }
}

/// One key of a [`Condition::SortedBy`].
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// A field of the element.
    pub field: String,
    /// Whether the key is a number (compared as binary64) rather than a string (code points).
    pub numeric: bool,
    /// `descending` rather than `ascending`.
    pub descending: bool,
}

/// What an [`Condition::AtMost`] measures, relative to the current value.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// `field: p`: the number at `p`.
    Value(FieldPath),
    /// `count: p`: the number of elements of the list at `p`.
    Count(FieldPath),
    /// `sum: p, of: k`: the sum of the number at `k` of every element of the list at `p`.
    Sum {
        /// The list.
        list: FieldPath,
        /// The number of each element (relative to the element).
        key: FieldPath,
    },
}

impl Measure {
    /// The path the measure reads first (the value, or the list).
    pub fn path(&self) -> &FieldPath {
        match self {
            Measure::Value(path) | Measure::Count(path) | Measure::Sum { list: path, .. } => path,
        }
    }
}

/// The hashed forms of §2.6.6.7.5 a record can carry together with the data they hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashForm {
    /// `prompt_blocks`: the ContextBlocks of each part (a list), each part sorted by `order_key`
    /// (ties by canonical bytes), concatenated in the order the parts are named, as one canonical
    /// JSON array: the prompt hashes of a PromptEnvelope (§2.6.6.7.4, §2.6.6.7.5).
    PromptBlocks,
}

impl Condition {
    /// The path a condition is about: the value it tests or measures, or the list it walks.
    /// `None` for `all`, `any`, `not` and `member_of` (which compares several values with a list).
    pub fn subject(&self) -> Option<&FieldPath> {
        match self {
            Condition::Present(path)
            | Condition::Absent(path)
            | Condition::Equals { path, .. }
            | Condition::NotEquals { path, .. }
            | Condition::OneOf { path, .. }
            | Condition::NoneOf { path, .. }
            | Condition::Length { path, .. }
            | Condition::Contains { path, .. }
            | Condition::Each { path, .. }
            | Condition::AllEqual { path, .. }
            | Condition::SameAs { path, .. }
            | Condition::EqualsSum { path, .. }
            | Condition::SortedBy { path, .. }
            | Condition::HashOf { path, .. } => Some(path),
            Condition::AtMost { measure, .. } => Some(measure.path()),
            Condition::All(_)
            | Condition::Any(_)
            | Condition::Not(_)
            | Condition::MemberOf { .. } => None,
        }
    }

    /// This condition and every condition inside it (`all`/`any` items, `not`'s and `each`'s
    /// inner condition, `member_of`'s `where`), depth first.
    pub fn walk(&self) -> impl Iterator<Item = &Condition> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            match next {
                Condition::All(items) | Condition::Any(items) => stack.extend(items.iter().rev()),
                Condition::Not(inner)
                | Condition::Each {
                    condition: inner, ..
                } => stack.push(inner),
                Condition::MemberOf {
                    filter: Some(filter),
                    ..
                } => stack.push(filter),
                _ => {}
            }
            Some(next)
        })
    }
}

impl HashForm {
    /// Every form, for help texts.
    pub const ALL: &[HashForm] = &[HashForm::PromptBlocks];

    /// The form's name in the spec language.
    pub fn name(self) -> &'static str {
        match self {
            HashForm::PromptBlocks => "prompt_blocks",
        }
    }
}

/// One comparison of a [`Condition::MemberOf`]: an element's key (or the element) against a value.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberMatch {
    /// Path inside the element; `None` compares the element itself.
    pub key: Option<FieldPath>,
    /// Path of the value compared with, relative to the current value.
    pub value: FieldPath,
}

/// A guard of the spec that cannot be decided from records alone, listed so it is visible.
#[derive(Debug, Clone, PartialEq)]
pub struct OutOfScope {
    /// The guard's name as the spec gives it, e.g. `ContextDeterminismGuard` (PascalCase).
    pub name: String,
    /// Why records alone cannot decide it (mandatory `reason:`).
    pub reason: String,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// A job profile (§2.6.6.6): extends the core job without redefining it.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// snake_case key; also the tag value of this profile's variant in the synthesized
    /// job-inputs union.
    pub name: String,
    /// The profile id on the wire (`profile_id` of jobs), e.g. `docs_sheets_ai_v0.5`.
    pub profile_id: String,
    /// Values of the `JobKind` enum bound to this profile (each kind to exactly one profile).
    pub job_kinds: Vec<String>,
    /// Record type carried as the job's typed inputs for this profile, if any.
    pub inputs: Option<String>,
    /// Record type of the profile's typed outputs, if any.
    pub outputs: Option<String>,
    /// Operations the profile specialises: variant names of `PlannedOperation`. The loader
    /// guarantees every variant is claimed by exactly one profile.
    pub operations: Vec<String>,
    /// The rules the loader writes from this declaration (`bindings:`), in [`BindingKind::ALL`] order.
    pub bindings: Vec<ProfileBinding>,
    /// Capability ids (axis or axis:scope) the profile's jobs require.
    pub capabilities: Vec<String>,
    /// The profile's validation plan, as a `ValidationPlan` value (checked by the loader).
    pub validation_plan: Option<serde_json::Value>,
    /// The profile's provenance plan, as a `ProvenancePlan` value (checked by the loader).
    pub provenance_plan: Option<serde_json::Value>,
    /// Profile-specific statuses and the lifecycle state each maps onto.
    pub statuses: Vec<StatusMapping>,
    /// Declared by the spec as future work (e.g. Canvas): generated, flagged as not yet active.
    pub future: bool,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// A rule a profile asks the loader to write from its declaration (`bindings:`), so no rule
/// repeats the profile's job kinds or operations by hand, e.g.
/// `bindings: { inputs: HSK-RULE-PRF-002, operations: HSK-RULE-PRF-012 }`. The written rules
/// are in [`Spec::rules`], right after the hand-written rules of the file declaring the profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileBinding {
    /// What the rule binds.
    pub kind: BindingKind,
    /// The stable code of the written rule.
    pub code: String,
    /// Where the code is written.
    pub location: Location,
}

/// What a [`ProfileBinding`]'s rule constrains on jobs of the profile's kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BindingKind {
    /// `inputs`: a job that carries `job_inputs` carries this profile's variant
    /// (rule `{profile}_kinds_carry_{profile}_inputs`).
    Inputs,
    /// `operations`: every planned operation is one of the profile's `operations`
    /// (rule `{profile}_kinds_plan_{profile}_operations`).
    Operations,
    /// `outputs`: a job that carries `job_outputs` carries this profile's variant
    /// (rule `{profile}_kinds_carry_{profile}_outputs`).
    Outputs,
    /// `profile_id`: a job of the profile's kinds that names a registered profile names this one
    /// (rule `{profile}_kinds_carry_{profile}_profile_id`).
    ProfileId,
}

impl BindingKind {
    /// Every kind, in the order a profile's bindings are written.
    pub const ALL: [BindingKind; 4] = [
        BindingKind::Inputs,
        BindingKind::Operations,
        BindingKind::Outputs,
        BindingKind::ProfileId,
    ];

    /// The key under `bindings:`.
    pub fn key(self) -> &'static str {
        match self {
            BindingKind::Inputs => "inputs",
            BindingKind::Operations => "operations",
            BindingKind::Outputs => "outputs",
            BindingKind::ProfileId => "profile_id",
        }
    }
}

/// A profile-specific status and the global lifecycle state it maps onto.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMapping {
    /// The profile's status name, snake_case.
    pub status: String,
    /// A state of the lifecycle.
    pub state: String,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// One typed error with a stable code (`errors:` section).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDef {
    /// `PascalCase` variant name, e.g. `IllegalTransition`.
    pub name: String,
    /// Stable machine-readable code, e.g. `HSK-2663-001`; never reused for another meaning.
    pub code: String,
    /// Message template, lower-case fragment; `{field}` interpolates a field.
    pub message: String,
    /// The message template as the loader parsed it: text, and the fields its placeholders
    /// name. The loader guarantees every placeholder names a required field with a text form
    /// (see [`MessagePart::Field`]) and that no other brace is in the text.
    pub message_parts: Vec<MessagePart>,
    /// Data carried by the error.
    pub fields: Vec<Field>,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// One piece of an error's message template ([`ErrorDef::message_parts`]), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessagePart {
    /// Literal text (never a brace: the loader refuses braces outside placeholders).
    Text(String),
    /// `{field}`: the error's field at this index of [`ErrorDef::fields`]. The loader guarantees
    /// it is required and has a text form (a scalar: any primitive but `json`, or an `id`,
    /// `string` or `enum` type), so every target can interpolate it.
    Field(usize),
}

/// Output folders of each generator, relative to the repository root.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// Folder of generated Rust modules inside the model crate.
    pub rust: String,
    /// Folder of JSON Schema files.
    pub json_schema: String,
    /// Folder holding `sqlite/`, `postgres/` and `snapshots/`.
    pub migrations: String,
    /// Folder of generated TypeScript modules.
    pub typescript: String,
    /// Folder of the generated Python package modules.
    pub python: String,
    /// Folder of generated Markdown reference docs.
    pub docs: String,
}

impl Outputs {
    /// The targets' short names, as `outputs:` keys them, in the fixed order of [`Outputs::all`].
    pub const TARGETS: [&'static str; 6] = [
        "rust",
        "json_schema",
        "migrations",
        "typescript",
        "python",
        "docs",
    ];

    /// All output folders with a short name of their target, in a fixed order.
    pub fn all(&self) -> [(&'static str, &str); 6] {
        let [rust, json_schema, migrations, typescript, python, docs] = Self::TARGETS;
        [
            (rust, &self.rust),
            (json_schema, &self.json_schema),
            (migrations, &self.migrations),
            (typescript, &self.typescript),
            (python, &self.python),
            (docs, &self.docs),
        ]
    }
}

/// One named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// `PascalCase` name, identical in every target.
    pub name: String,
    /// Clause, description, decision, location.
    pub meta: Meta,
    /// True when a JSON Schema file is emitted for this type on its own (`root: true`).
    pub root: bool,
    /// What kind of type it is.
    pub kind: TypeKind,
}

/// The kinds of types the spec language has.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A newtype over a UUID (`kind: id`), e.g. `JobId`.
    Id,
    /// A newtype over a string with optional constraints (`kind: string`), e.g. `SemVer`.
    String(StringConstraints),
    /// A closed set of snake_case values (`kind: enum`), serialized as strings.
    Enum(Vec<EnumValue>),
    /// A struct with named fields (`kind: record`).
    Record(Record),
    /// An internally tagged union (`kind: union`): `{ "<tag>": "<variant>", ...fields }`.
    Union(Union),
}

/// Constraints on a string newtype; all optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StringConstraints {
    /// ECMA-262 / Rust-regex compatible pattern (anchored by the author).
    pub pattern: Option<String>,
    /// Minimum length in characters.
    pub min_length: Option<u64>,
    /// Maximum length in characters.
    pub max_length: Option<u64>,
    /// Example value, used in docs and example records.
    pub example: Option<String>,
}

/// One value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// snake_case wire name.
    pub name: String,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// A record (struct) type.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// Set when the record is stored in its own SQL table.
    pub table: Option<Table>,
}

/// A field of a record or of a union variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// snake_case wire name, identical in Rust, SQL and JSON.
    pub name: String,
    /// Its type.
    pub ty: TypeRef,
    /// Whether the spec marks it required. Optional fields may be absent on the wire.
    pub required: bool,
    /// Default value (JSON) used when an optional field is absent, e.g. `[derived]`.
    pub default: Option<serde_json::Value>,
    /// How the field is stored when its record has a table.
    pub storage: FieldStorage,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// A reference to a type inside a field declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// A built-in scalar.
    Primitive(Primitive),
    /// A named type declared in the spec.
    Named(String),
    /// `[T]`: an ordered list.
    List(Box<TypeRef>),
    /// `map<T>`: an object with string keys, serialized with keys sorted.
    Map(Box<TypeRef>),
}

/// Built-in scalar types of the spec language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Primitive {
    /// `string`: UTF-8 text.
    String,
    /// `integer`: signed 64-bit.
    Integer,
    /// `uint`: unsigned 64-bit (counts, durations, sizes).
    UnsignedInteger,
    /// `number`: 64-bit float.
    Number,
    /// `boolean`.
    Boolean,
    /// `uuid`: RFC 4122 UUID, hyphenated lower-case.
    Uuid,
    /// `timestamp`: RFC 3339 / ISO-8601 UTC with `Z`.
    Timestamp,
    /// `json`: any JSON value (used only where the spec itself leaves a payload open).
    Json,
}

impl Primitive {
    /// The spec-language spelling.
    pub fn spelling(self) -> &'static str {
        match self {
            Primitive::String => "string",
            Primitive::Integer => "integer",
            Primitive::UnsignedInteger => "uint",
            Primitive::Number => "number",
            Primitive::Boolean => "boolean",
            Primitive::Uuid => "uuid",
            Primitive::Timestamp => "timestamp",
            Primitive::Json => "json",
        }
    }

    /// Parse a spec-language spelling.
    pub fn from_spelling(spelling: &str) -> Option<Primitive> {
        Some(match spelling {
            "string" => Primitive::String,
            "integer" => Primitive::Integer,
            "uint" => Primitive::UnsignedInteger,
            "number" => Primitive::Number,
            "boolean" => Primitive::Boolean,
            "uuid" => Primitive::Uuid,
            "timestamp" => Primitive::Timestamp,
            "json" => Primitive::Json,
            _ => return None,
        })
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Primitive(p) => f.write_str(p.spelling()),
            TypeRef::Named(n) => f.write_str(n),
            TypeRef::List(t) => write!(f, "[{t}]"),
            TypeRef::Map(t) => write!(f, "map<{t}>"),
        }
    }
}

/// An internally tagged union.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// Name of the tag property, e.g. `op` or `kind`.
    pub tag: String,
    /// Variants in declaration order.
    pub variants: Vec<Variant>,
}

/// One variant of a union: its tag value and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// snake_case tag value on the wire; `PascalCase` of it is the Rust variant name.
    pub name: String,
    /// Fields carried next to the tag.
    pub fields: Vec<Field>,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// How a field of a stored record is laid out in SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldStorage {
    /// A typed column (the default for scalars, ids, string newtypes and enums).
    Column,
    /// A JSON column, `jsonb` on Postgres (the default for records, unions, lists and maps).
    Json,
    /// A list of records stored in a child table with a foreign key to the parent row.
    ChildTable(ChildTable),
}

/// A child table holding the elements of a list field, one row each.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildTable {
    /// Table name.
    pub table: String,
    /// Indexes on the child table (columns are fields of the element record, or `position`).
    pub indexes: Vec<Index>,
}

/// A SQL table that stores one record type.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Table name, snake_case.
    pub name: String,
    /// Primary key columns.
    pub primary_key: Vec<String>,
    /// Foreign keys: a column of this table referencing the primary key of another record's table.
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes for the real queries, unique ones included.
    pub indexes: Vec<Index>,
    /// True for history/outbox tables: UPDATE and DELETE are refused by triggers.
    pub append_only: bool,
    /// Clause, description, decision, location of the `table:` block.
    pub meta: Meta,
}

/// A foreign key from a column to another stored record's primary key.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    /// Column of this table.
    pub column: String,
    /// Name of the referenced record type (must have a table).
    pub references: String,
}

/// A named index.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// Index name, unique across the schema.
    pub name: String,
    /// Columns in index order.
    pub columns: Vec<String>,
    /// Whether it is a UNIQUE index.
    pub unique: bool,
}

/// The lifecycle state machine of §2.6.6.3, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    /// Name of the generated enum, e.g. `JobState`.
    pub name: String,
    /// Clause, description, decision, location of the `lifecycle:` block.
    pub meta: Meta,
    /// States in declaration order.
    pub states: Vec<State>,
    /// The state a new job starts in.
    pub initial: String,
    /// Allowed transitions, in declaration order.
    pub transitions: Vec<Transition>,
    /// Edges drawn in the spec's diagram that we reject, each with its reason.
    pub rejected: Vec<RejectedTransition>,
}

impl Lifecycle {
    /// Whether `from → to` is an allowed transition.
    pub fn allows(&self, from: &str, to: &str) -> bool {
        self.transitions
            .iter()
            .any(|t| t.from == from && t.to == to)
    }

    /// Names of terminal states, in declaration order.
    pub fn terminal_states(&self) -> impl Iterator<Item = &State> {
        self.states.iter().filter(|s| s.terminal)
    }
}

/// One lifecycle state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// snake_case wire name.
    pub name: String,
    /// True when no transition may leave it, ever.
    pub terminal: bool,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// Where an allowed transition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionOrigin {
    /// Drawn as an arrow in the §2.6.6.3.1 diagram.
    Diagram,
    /// Added from a sentence of the spec's text; its clause names the sentence.
    Text,
}

/// One allowed transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Source state.
    pub from: String,
    /// Target state.
    pub to: String,
    /// Whether the diagram draws it or the text implies it.
    pub origin: TransitionOrigin,
    /// Clause, description, decision, location.
    pub meta: Meta,
}

/// A diagram edge we do not allow, with the reason in `meta.decision`.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedTransition {
    /// Source state as drawn.
    pub from: String,
    /// Target state as drawn.
    pub to: String,
    /// Clause, description, decision (the reason, mandatory), location.
    pub meta: Meta,
}

impl RejectedTransition {
    /// Why the edge is refused: its `decision` (the loader requires one), else its description.
    pub fn reason(&self) -> &str {
        self.meta
            .decision
            .as_deref()
            .unwrap_or(&self.meta.description)
    }
}

impl Spec {
    /// Look a type up by name.
    pub fn type_named(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// Records that have a SQL table, in spec order.
    pub fn stored_records(&self) -> impl Iterator<Item = (&TypeDef, &Record, &Table)> {
        self.types.iter().filter_map(|t| match &t.kind {
            TypeKind::Record(r) => r.table.as_ref().map(|table| (t, r, table)),
            _ => None,
        })
    }

    /// Types marked `root: true`, in spec order.
    pub fn roots(&self) -> impl Iterator<Item = &TypeDef> {
        self.types.iter().filter(|t| t.root)
    }
}
