//! The resolved IR between the loader's checked [`Spec`] and the emitters: every fact that more
//! than one target needs about the types and the rule paths is worked out here, once per
//! generation, so an emitter only prints.
//!
//! - **Types get stable ids.** A [`TypeId`] is the index of a type in [`Spec::types`] (spec
//!   order), the way typify's `TypeSpace` numbers its types; the one name index lives here, and
//!   [`Ir::target`] resolves a field's type expression to the id it names.
//! - **Rule paths are resolved once.** [`Ir::new`] follows every path of every rule from the
//!   type it starts at (the rule's record, the element of an `each`, the element of a
//!   `member_of` list, …: the scope rules of the condition language live in `PathScopes`) and
//!   keeps a [`ResolvedPath`]: each step's key, its field (type, default, whether it can be
//!   absent), the union and tag of a `[variant]` step, what the path ends at, and the element
//!   type of a list it ends at (for `each`, `all_equal`, `sorted_by`, `member_of`, `sum`).
//! - **Absence is decided here.** [`FieldStep::can_be_absent`] and [`FieldStep::default`] say
//!   what a missing field means (absent, unless a `default:` is read instead), a
//!   [`Step::Variant`] keeps the value only when the union's tag is the variant, and
//!   [`atom_holds`] says which atoms an absent value (or a default) satisfies; whether a
//!   `member_of` or `same_as` compares UUIDs is answered here too. The emitters translate these
//!   facts; none decides them again.
//! - **The type graph is walked once.** Which types can reach a rule ([`Ir::reaches_rules`]), the
//!   types each root references ([`Ir::referenced_from`]) and the define-before-use order
//!   ([`Ir::definition_order`]) are computed in [`Ir::new`].
//! - **Storage and evolution are resolved here.** The stored tables ([`Ir::stored_tables`]), a
//!   record's child tables with their element record ([`Ir::child_tables`]), the records its
//!   foreign keys reference, and what the evolution declarations say about each type, field and
//!   enum value ([`Ir::evolution`]): the SQL, migrations and SDK targets read them by id.
//!
//! The loader guarantees every path and type name resolves; a path that does not (a spec built
//! by hand in a unit test, say) resolves to a [`PathError`] that the emitters report or skip.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use handshake_spec::model::{
    ChildTable, Condition, ErrorDef, Field, FieldPath, FieldStorage, Measure, MemberMatch, Meta,
    PathStep, Primitive, Profile, Record, Rule, Spec, Table, TypeDef, TypeKind, TypeRef, Variant,
};
use serde_json::Value;

mod evolution;

pub use evolution::{FieldEvolution, TypeEvolution};

/// The name of the domain enum the profiles' job-kind registry is keyed by (see [`Ir::job_kind`]):
/// the one place a target knows it by name.
pub const JOB_KIND: &str = "JobKind";

/// The name of the domain union whose variants the profiles claim (see
/// [`Ir::planned_operation`]).
pub const PLANNED_OPERATION: &str = "PlannedOperation";

/// The spec errors the targets raise themselves (not through a rule), known by name only here:
/// [`Ir::error`] finds the declaration, and a target that needs one and finds none says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainError {
    /// `check_transition`'s refusal of an edge not in the table: two fields of the lifecycle's
    /// state type, the current state then the requested one.
    IllegalTransition,
    /// `check_transition`'s refusal to leave a terminal state: one field, the state.
    TerminalState,
    /// A record that does not match its type (every target's structural refusal).
    InvalidRecord,
    /// A value outside a closed enum (the job-kind registry's refusal).
    UnknownEnumValue,
}

impl DomainError {
    /// The name the spec declares it under (`errors:`).
    pub fn name(self) -> &'static str {
        match self {
            DomainError::IllegalTransition => "IllegalTransition",
            DomainError::TerminalState => "TerminalState",
            DomainError::InvalidRecord => "InvalidRecord",
            DomainError::UnknownEnumValue => "UnknownEnumValue",
        }
    }
}

/// What a profile claims (§2.6.6.6): a job kind bound to it, or a planned operation it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    /// A value of the `JobKind` registry.
    JobKind,
    /// A variant of the `PlannedOperation` union.
    Operation,
}

/// A type of the spec, by its index in [`Spec::types`]: stable for one spec, and in spec order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(u32);

impl TypeId {
    /// The index into [`Spec::types`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The resolved spec: the checked model, ids for its types, and the facts derived from them.
#[derive(Debug)]
pub struct Ir<'s> {
    /// The checked spec the IR was built from.
    pub spec: &'s Spec,
    ids: BTreeMap<&'s str, TypeId>,
    types: Vec<TypeFacts<'s>>,
    definition_order: Vec<TypeId>,
    /// Keyed by the scope and the path as written (`a[v].b`): field names are snake_case, so
    /// the text names one path.
    paths: BTreeMap<(Option<TypeId>, String), PathEntry<'s>>,
    /// The record each rule of [`Spec::rules`] is on, by the rule's index.
    rule_on: Vec<Option<TypeId>>,
    /// The tables the spec stores: each record's own, then its child tables.
    stored_tables: Vec<StoredTable<'s>>,
    /// The profile that binds each job kind, and the one that claims each planned operation.
    claims: BTreeMap<(Claim, &'s str), &'s Profile>,
    /// The evolution declarations on each type, by id (see [`Ir::evolution`]).
    evolution: Vec<TypeEvolution<'s>>,
    /// How many times [`Ir::path`] was asked for a path [`Ir::new`] had not resolved: zero when
    /// every emitter reads only rule paths, which the tests check.
    misses: AtomicUsize,
}

/// A table the spec stores and the record one of its rows holds: a record with `table:`, or the
/// element record of a list field stored as a child table (`storage: { table: … }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredTable<'s> {
    /// The table's name.
    pub name: &'s str,
    /// The record a row holds.
    pub record: TypeId,
}

/// A child table of a stored record (`storage: { child_table: … }` on a list field): the list
/// field, the child table's declaration, and the record each element (a row) is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChildTableOf<'s> {
    /// The parent's list field stored in the child table.
    pub field: &'s Field,
    /// The child table's declaration (its name and indexes).
    pub table: &'s ChildTable,
    /// The list's element record: one row per element.
    pub element: TypeId,
    /// The element record's fields.
    pub element_fields: &'s [Field],
}

/// A rule path resolved in advance: the path as the spec holds it, and what it resolved to.
type PathEntry<'s> = (FieldPath, Result<ResolvedPath<'s>, PathError>);

/// What the IR knows about one type.
#[derive(Debug)]
struct TypeFacts<'s> {
    /// The rules on this type, in spec order.
    rules: Vec<&'s Rule>,
    /// The types its fields (every variant's, for a union) name, looking through lists and maps,
    /// in the order the fields declare them, without repeats.
    references: Vec<TypeId>,
    /// Whether a value of this type can contain a value a rule is on (itself included).
    reaches_rules: bool,
    /// Every type reachable from this one through fields, itself only when it is on a cycle.
    referenced: BTreeSet<TypeId>,
    /// The record each foreign key of its table references, in the table's order (`None` for an
    /// undeclared name, which only a spec built by hand has).
    foreign_keys: Vec<Option<TypeId>>,
    /// The child tables of its table, in field order (see [`Ir::child_tables`]).
    child_tables: Vec<ChildTableOf<'s>>,
}

/// A path that does not resolve against the types (never on a spec the loader checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub &'static str);

/// A rule path followed through the types: its steps, what it ends at, and the element type of
/// the list it ends at.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedPath<'s> {
    /// One resolved step per step of the path, in order.
    pub steps: Vec<Step<'s>>,
    /// What the path ends at.
    pub leaf: Leaf<'s>,
}

/// One step of a [`ResolvedPath`].
#[derive(Debug, Clone, PartialEq)]
pub enum Step<'s> {
    /// A field of a record, or of the variant the step before selected.
    Field(FieldStep<'s>),
    /// A union's tag, addressed as a field step named like the tag: always present.
    Tag {
        /// The union.
        union: TypeId,
        /// The tag property (the key on the wire).
        key: &'s str,
    },
    /// A `[variant]` step: the value stays what it is when the union's tag is `variant`, and is
    /// absent otherwise. It adds no key to JSON pointers; the next step reads the variant's fields.
    Variant {
        /// The union.
        union: TypeId,
        /// The union's tag property.
        tag: &'s str,
        /// The selected variant.
        variant: &'s Variant,
    },
}

/// A field step: where the field is declared and what reading it means.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldStep<'s> {
    /// The record, or the union whose variant declares the field.
    pub owner: TypeId,
    /// The variant declaring the field, when the step before was a `[variant]` step.
    pub variant: Option<&'s Variant>,
    /// The field's declaration (its name is the key on the wire).
    pub field: &'s Field,
    /// The type the field names, when it is a named type (not a list, map or scalar).
    pub target: Option<TypeId>,
}

impl<'s> FieldStep<'s> {
    /// The key on the wire.
    pub fn key(&self) -> &'s str {
        &self.field.name
    }

    /// The field's `default:`: read instead when the field is absent (the Rust model applies
    /// it when it reads a record, so every target judges a rule on it).
    pub fn default(&self) -> Option<&'s Value> {
        self.field.default.as_ref()
    }

    /// Whether reading the field can find nothing: it is optional and has no default. A
    /// required field, or one with a default, always has a value.
    pub fn can_be_absent(&self) -> bool {
        !self.field.required && self.field.default.is_none()
    }
}

/// What a [`ResolvedPath`] ends at.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf<'s> {
    /// A field, of this type expression.
    Typed(&'s TypeRef),
    /// The tag of this union.
    Tag(TypeId),
    /// The union value itself, present only when it is this variant (a path ending in `[v]`).
    Variant(TypeId, &'s Variant),
}

impl<'s> ResolvedPath<'s> {
    /// The type expression the path ends at, when it ends at a field.
    pub fn leaf_type(&self) -> Option<&'s TypeRef> {
        match self.leaf {
            Leaf::Typed(ty) => Some(ty),
            Leaf::Tag(_) | Leaf::Variant(..) => None,
        }
    }

    /// Whether the path ends at a list.
    pub fn ends_at_list(&self) -> bool {
        matches!(self.leaf, Leaf::Typed(TypeRef::List(_)))
    }

    /// The keys of the JSON value the path reads (a variant step adds none).
    pub fn keys(&self) -> impl Iterator<Item = &'s str> + '_ {
        self.steps.iter().filter_map(|step| match step {
            Step::Field(field) => Some(field.key()),
            Step::Tag { key, .. } => Some(*key),
            Step::Variant { .. } => None,
        })
    }
}

impl<'s> Ir<'s> {
    /// Resolves `spec`: ids, per-type facts, orders, and every rule path.
    pub fn new(spec: &'s Spec) -> Ir<'s> {
        let mut ir = Ir::types_only(spec);
        for (index, rule) in spec.rules.iter().enumerate() {
            let on = ir.rule_on[index];
            let mut scopes = PathScopes {
                ir: &ir,
                found: Vec::new(),
            };
            for condition in std::iter::once(&rule.require).chain(&rule.when) {
                scopes.condition(on, on, condition);
            }
            let found = scopes.found;
            for (scope, path) in found {
                let key = (scope, path.to_string());
                if !ir.paths.contains_key(&key) {
                    let resolved = ir.resolve(scope, &path);
                    ir.paths.insert(key, (path.into_owned(), resolved));
                }
            }
        }
        ir
    }

    /// The first half of [`Ir::new`]: ids, per-type facts and orders, without the rule paths.
    fn types_only(spec: &'s Spec) -> Ir<'s> {
        let ids: BTreeMap<&str, TypeId> = spec
            .types
            .iter()
            .enumerate()
            .map(|(index, def)| (def.name.as_str(), TypeId(index as u32)))
            .collect();
        let mut ir = Ir {
            spec,
            ids,
            types: Vec::new(),
            definition_order: Vec::new(),
            paths: BTreeMap::new(),
            rule_on: Vec::new(),
            stored_tables: Vec::new(),
            claims: BTreeMap::new(),
            evolution: Vec::new(),
            misses: AtomicUsize::new(0),
        };
        ir.types = spec
            .types
            .iter()
            .map(|def| TypeFacts {
                rules: Vec::new(),
                references: ir.references_of(def),
                reaches_rules: false,
                referenced: BTreeSet::new(),
                foreign_keys: match &def.kind {
                    TypeKind::Record(Record {
                        table: Some(table), ..
                    }) => table
                        .foreign_keys
                        .iter()
                        .map(|fk| ir.id(&fk.references))
                        .collect(),
                    _ => Vec::new(),
                },
                child_tables: Vec::new(),
            })
            .collect();
        for index in 0..spec.types.len() {
            let children = ir.find_child_tables(TypeId(index as u32));
            ir.types[index].child_tables = children;
        }
        ir.rule_on = spec.rules.iter().map(|rule| ir.id(&rule.on)).collect();
        for (on, rule) in ir.rule_on.iter().zip(&spec.rules) {
            if let Some(on) = on {
                ir.types[on.index()].rules.push(rule);
            }
        }
        ir.stored_tables = ir.find_stored_tables();
        let declared = evolution::resolve(&ir, &spec.evolution);
        ir.evolution = declared;
        for profile in &spec.profiles {
            for kind in &profile.job_kinds {
                ir.claims
                    .entry((Claim::JobKind, kind.as_str()))
                    .or_insert(profile);
            }
            for operation in &profile.operations {
                ir.claims
                    .entry((Claim::Operation, operation.as_str()))
                    .or_insert(profile);
            }
        }
        ir.reachability();
        ir.definition_order = ir.define_before_use();
        // The closures a schema file needs: its root's (`root: true`, and the lifecycle enum).
        for (index, def) in spec.types.iter().enumerate() {
            if def.root || def.name == spec.lifecycle.name {
                ir.types[index].referenced = ir.closure(TypeId(index as u32));
            }
        }
        ir
    }

    /// Every type's id, in spec order.
    pub fn ids(&self) -> impl Iterator<Item = TypeId> + '_ {
        (0..self.spec.types.len()).map(|index| TypeId(index as u32))
    }

    /// The id of the type declared as `name`. The loader refuses undeclared names, so only a
    /// spec built by hand misses.
    pub fn id(&self, name: &str) -> Option<TypeId> {
        self.ids.get(name).copied()
    }

    /// The records the foreign keys of a stored record's table reference, in the table's order
    /// (empty for a type without a table).
    pub fn foreign_key_targets(&self, id: TypeId) -> &[Option<TypeId>] {
        &self.types[id.index()].foreign_keys
    }

    /// What the spec's evolution declarations (`renamed_from:`, `cast:`, `backfill:`,
    /// `removed_fields:`, removed enum values, a table's `renamed_from:`) say about a type and its
    /// fields, resolved in [`Ir::new`].
    pub fn evolution(&self, id: TypeId) -> &TypeEvolution<'s> {
        &self.evolution[id.index()]
    }

    /// The `table:` of a stored record (`None` for a type without one).
    pub fn table_of(&self, id: TypeId) -> Option<&'s Table> {
        match &self.def(id).kind {
            TypeKind::Record(record) => record.table.as_ref(),
            _ => None,
        }
    }

    /// The declaration of a type.
    pub fn def(&self, id: TypeId) -> &'s TypeDef {
        &self.spec.types[id.index()]
    }

    /// The declaration of the type named `name` (a domain type the targets know by name, such
    /// as `JobKind`), through the one name index.
    pub fn def_named(&self, name: &str) -> Option<&'s TypeDef> {
        self.id(name).map(|id| self.def(id))
    }

    /// The enum the profiles' closed job-kind registry is keyed by (§2.6.6.6): the spec's
    /// [`JOB_KIND`] type, when it is an enum. Every target binds kinds to profiles through it.
    pub fn job_kind(&self) -> Option<TypeId> {
        self.id(JOB_KIND)
            .filter(|id| matches!(self.def(*id).kind, TypeKind::Enum(_)))
    }

    /// The union of operations whose variants the profiles claim: the spec's
    /// [`PLANNED_OPERATION`] type, when it is a union.
    pub fn planned_operation(&self) -> Option<TypeId> {
        self.id(PLANNED_OPERATION)
            .filter(|id| matches!(self.def(*id).kind, TypeKind::Union(_)))
    }

    /// What the SDK targets' profiles files name: the lifecycle's state type, and the
    /// [`Ir::job_kind`] enum (`None` when job kinds are plain strings). `None` for a spec without
    /// profiles, which has no profiles file.
    pub fn profile_names(&self) -> Option<(&'s str, Option<&'s str>)> {
        if self.spec.profiles.is_empty() {
            return None;
        }
        let job_kind = self.job_kind().map(|id| self.def(id).name.as_str());
        Some((self.spec.lifecycle.name.as_str(), job_kind))
    }

    /// The spec's declaration of a [`DomainError`], when it declares one.
    pub fn error(&self, which: DomainError) -> Option<&'s ErrorDef> {
        self.spec.errors.iter().find(|e| e.name == which.name())
    }

    /// The enum of the lifecycle's states (the type named like the lifecycle), when declared.
    pub fn lifecycle(&self) -> Option<TypeId> {
        self.id(&self.spec.lifecycle.name)
    }

    /// The kind of the type a type expression names directly (`None` for scalars, lists, maps).
    pub fn kind_of(&self, ty: &TypeRef) -> Option<&'s TypeKind> {
        self.target(ty).map(|id| &self.def(id).kind)
    }

    /// The type a type expression names directly (`None` for scalars, lists and maps).
    pub fn target(&self, ty: &TypeRef) -> Option<TypeId> {
        match ty {
            TypeRef::Named(name) => self.id(name),
            TypeRef::Primitive(_) | TypeRef::List(_) | TypeRef::Map(_) => None,
        }
    }

    /// The named type at the bottom of a type expression, looking through lists and maps.
    pub fn innermost(&self, ty: &TypeRef) -> Option<TypeId> {
        match ty {
            TypeRef::Primitive(_) => None,
            TypeRef::Named(name) => self.id(name),
            TypeRef::List(inner) | TypeRef::Map(inner) => self.innermost(inner),
        }
    }

    /// The element type of a list of named values.
    pub fn element(&self, ty: &TypeRef) -> Option<TypeId> {
        match ty {
            TypeRef::List(inner) => self.target(inner),
            _ => None,
        }
    }

    /// Whether a value of this type is a UUID on the wire (`uuid`, or an `id` type).
    pub fn is_uuid(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Primitive(Primitive::Uuid) => true,
            other => matches!(self.kind_of(other), Some(TypeKind::Id)),
        }
    }

    /// Every rule in spec order, with the record it is on (`None` only for an undeclared name,
    /// which a spec built by hand can hold).
    pub fn rules(&self) -> impl Iterator<Item = (Option<TypeId>, &'s Rule)> + '_ {
        self.rule_on.iter().copied().zip(&self.spec.rules)
    }

    /// The tables the spec stores, each with the record its rows hold: every record with a
    /// `table:` in spec order, each followed by its child tables in field order.
    pub fn stored_tables(&self) -> &[StoredTable<'s>] {
        &self.stored_tables
    }

    /// The profile that claims a job kind or a planned operation (the loader refuses one that no
    /// profile, or two, claim; the first in spec order answers for a spec built by hand).
    pub fn profile_claiming(&self, claim: Claim, name: &str) -> Option<&'s Profile> {
        self.claims.get(&(claim, name)).copied()
    }

    /// The declaration of the lifecycle's initial state (`None` only for a spec built by hand
    /// whose `initial` names no state; the loader refuses that, S0401).
    pub fn initial_state(&self) -> Option<&'s Meta> {
        let lifecycle = &self.spec.lifecycle;
        let initial = lifecycle
            .states
            .iter()
            .find(|s| s.name == lifecycle.initial);
        initial.map(|state| &state.meta)
    }

    fn find_stored_tables(&self) -> Vec<StoredTable<'s>> {
        let mut tables = Vec::new();
        for id in self.ids() {
            let Some(table) = self.table_of(id) else {
                continue;
            };
            tables.push(StoredTable {
                name: &table.name,
                record: id,
            });
            for child in self.child_tables(id) {
                tables.push(StoredTable {
                    name: &child.table.table,
                    record: child.element,
                });
            }
        }
        tables
    }

    /// The child tables of a stored record's table, in field order. The loader refuses a
    /// `child_table` field that is not a list of a record (S0604), so only a spec built by hand
    /// has one this leaves out.
    fn find_child_tables(&self, id: TypeId) -> Vec<ChildTableOf<'s>> {
        let TypeKind::Record(Record {
            fields,
            table: Some(_),
        }) = &self.def(id).kind
        else {
            return Vec::new();
        };
        fields
            .iter()
            .filter_map(|field| {
                let FieldStorage::ChildTable(table) = &field.storage else {
                    return None;
                };
                let element = self.element(&field.ty)?;
                let TypeKind::Record(record) = &self.def(element).kind else {
                    return None;
                };
                Some(ChildTableOf {
                    field,
                    table,
                    element,
                    element_fields: &record.fields,
                })
            })
            .collect()
    }

    /// The child tables of a stored record's table (`storage: { child_table: … }` fields), in
    /// field order: empty for a type without a table.
    pub fn child_tables(&self, id: TypeId) -> &[ChildTableOf<'s>] {
        &self.types[id.index()].child_tables
    }

    /// The rules on a type, in spec order.
    pub fn rules_on(&self, id: TypeId) -> &[&'s Rule] {
        &self.types[id.index()].rules
    }

    /// Whether a value of this type can contain a value a rule is on (itself included): the
    /// validators descend into it, and the SDK walk tables list it.
    pub fn reaches_rules(&self, id: TypeId) -> bool {
        self.types[id.index()].reaches_rules
    }

    /// Whether a field of this type expression leads (through lists and maps) to a type that
    /// [`reaches_rules`](Self::reaches_rules).
    pub fn leads_to_rules(&self, ty: &TypeRef) -> bool {
        self.innermost(ty).is_some_and(|id| self.reaches_rules(id))
    }

    /// Every type a schema root (`root: true`, or the lifecycle enum) references through fields
    /// (records and union variants), transitively, in spec order; the root itself only when it
    /// refers to itself (a schema's `$defs`). Empty for other types.
    pub fn referenced_from(&self, root: TypeId) -> &BTreeSet<TypeId> {
        &self.types[root.index()].referenced
    }

    /// The types in the order a language that resolves names at definition (Python) must
    /// declare them: spec order, except that a type moves before the first type whose fields
    /// name it. Cycles (through lists or maps) keep spec order and stay forward references.
    pub fn definition_order(&self) -> &[TypeId] {
        &self.definition_order
    }

    /// `path` resolved from a value of type `scope`. Every path of every rule (and every
    /// `sorted_by` key) is resolved in [`Ir::new`]; a path the rules do not contain is resolved
    /// now, by the same resolver (no target does; a test counts).
    pub fn path(
        &self,
        scope: Option<TypeId>,
        path: &FieldPath,
    ) -> Result<Cow<'_, ResolvedPath<'s>>, PathError> {
        match self.paths.get(&(scope, path.to_string())) {
            Some((_, Ok(resolved))) => Ok(Cow::Borrowed(resolved)),
            Some((_, Err(error))) => Err(error.clone()),
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                self.resolve(scope, path).map(Cow::Owned)
            }
        }
    }

    /// How many paths [`Ir::path`] had to resolve on demand.
    #[cfg(test)]
    pub(crate) fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }

    /// Whether [`Ir::new`] resolved `path` from `scope` (for tests: the emitters find every rule
    /// path there).
    #[cfg(test)]
    fn resolved_in_advance(&self, scope: Option<TypeId>, path: &FieldPath) -> bool {
        self.paths.contains_key(&(scope, path.to_string()))
    }

    /// The element type of the list at the end of `path` from `scope`, when it is a named type:
    /// the scope of paths inside `each`, `all_equal`, `sorted_by`, `member_of` and `sum`.
    pub fn element_of(&self, scope: Option<TypeId>, path: &FieldPath) -> Option<TypeId> {
        let resolved = self.path(scope, path).ok()?;
        self.element(resolved.leaf_type()?)
    }

    /// Whether one comparison of a `member_of` compares UUIDs (a side is a UUID): then both sides
    /// are compared as UUID text, case-insensitively, and a side that is not UUID text never equals.
    /// `root` is the rule's record (where the list is read), `from` the current value's type.
    pub fn member_compares_uuids(
        &self,
        root: Option<TypeId>,
        from: Option<TypeId>,
        list: &FieldPath,
        member: &MemberMatch,
    ) -> bool {
        let leaf = |scope: Option<TypeId>, path: &FieldPath| {
            self.path(scope, path)
                .ok()
                .and_then(|resolved| resolved.leaf_type())
        };
        let value = leaf(from, &member.value);
        let key = match &member.key {
            None => match leaf(root, list) {
                Some(TypeRef::List(inner)) => Some(inner.as_ref()),
                _ => None,
            },
            Some(key) => leaf(self.element_of(root, list), key),
        };
        [value, key]
            .into_iter()
            .flatten()
            .any(|ty| self.is_uuid(ty))
    }

    /// Whether a `same_as` compares UUIDs (either side a `uuid` or `id`): the interpreters then compare
    /// the UUID texts in any letter case, as Rust compares parsed UUIDs.
    pub fn same_as_compares_uuids(
        &self,
        root: Option<TypeId>,
        from: Option<TypeId>,
        path: &FieldPath,
        other: &FieldPath,
    ) -> bool {
        [(from, path), (root, other)]
            .into_iter()
            .any(|(scope, path)| {
                self.path(scope, path)
                    .ok()
                    .and_then(|resolved| resolved.leaf_type())
                    .is_some_and(|ty| self.is_uuid(ty))
            })
    }

    /// Follows `path` from a value of type `scope`.
    fn resolve(
        &self,
        scope: Option<TypeId>,
        path: &FieldPath,
    ) -> Result<ResolvedPath<'s>, PathError> {
        let mut current = scope.ok_or(PathError("a path from an unknown type"))?;
        // Set by a `[variant]` step: the next field step reads this variant's fields.
        let mut selected: Option<&'s Variant> = None;
        let mut steps = Vec::new();
        let mut leaf = None;
        for step in &path.0 {
            if leaf.is_some() {
                return Err(PathError("a path past its end"));
            }
            match step {
                PathStep::Variant(name) => {
                    let TypeKind::Union(union) = &self.def(current).kind else {
                        return Err(PathError("a variant step on a value that is no union"));
                    };
                    if selected.is_some() {
                        return Err(PathError("two variant steps in a row"));
                    }
                    let variant = union
                        .variants
                        .iter()
                        .find(|v| &v.name == name)
                        .ok_or(PathError("an unknown variant"))?;
                    steps.push(Step::Variant {
                        union: current,
                        tag: &union.tag,
                        variant,
                    });
                    selected = Some(variant);
                }
                PathStep::Field(key) => {
                    let field = match (&self.def(current).kind, selected.take()) {
                        (TypeKind::Union(union), None) if &union.tag == key => {
                            steps.push(Step::Tag {
                                union: current,
                                key: &union.tag,
                            });
                            leaf = Some(Leaf::Tag(current));
                            continue;
                        }
                        (TypeKind::Union(_), Some(variant)) => variant
                            .fields
                            .iter()
                            .find(|f| &f.name == key)
                            .ok_or(PathError("a path through an unknown field"))?,
                        (TypeKind::Record(record), None) => record
                            .fields
                            .iter()
                            .find(|f| &f.name == key)
                            .ok_or(PathError("a path through an unknown field"))?,
                        _ => return Err(PathError("a path through a union field")),
                    };
                    let owner = current;
                    let variant = match steps.last() {
                        Some(Step::Variant { variant, .. }) => Some(*variant),
                        _ => None,
                    };
                    let target = self.target(&field.ty);
                    steps.push(Step::Field(FieldStep {
                        owner,
                        variant,
                        field,
                        target,
                    }));
                    match target {
                        Some(next) => current = next,
                        None => leaf = Some(Leaf::Typed(&field.ty)),
                    }
                }
            }
        }
        let leaf = match (leaf, steps.last()) {
            (Some(leaf), _) => leaf,
            (None, Some(Step::Field(field))) => Leaf::Typed(&field.field.ty),
            (None, Some(Step::Variant { union, variant, .. })) => Leaf::Variant(*union, variant),
            (None, _) => return Err(PathError("an empty path")),
        };
        Ok(ResolvedPath { steps, leaf })
    }

    /// The types a type's fields name, in field order, without repeats.
    fn references_of(&self, def: &TypeDef) -> Vec<TypeId> {
        let mut out = Vec::new();
        for field in fields_of(def) {
            if let Some(id) = self.innermost(&field.ty)
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
        out
    }

    /// Marks the types that reach a rule: a fixed point from the records with rules, through
    /// record fields and union variant fields, lists and maps.
    fn reachability(&mut self) {
        loop {
            let mut grew = false;
            for index in 0..self.types.len() {
                if self.types[index].reaches_rules {
                    continue;
                }
                let facts = &self.types[index];
                let reaches = !facts.rules.is_empty()
                    || facts
                        .references
                        .iter()
                        .any(|id| self.types[id.index()].reaches_rules);
                if reaches {
                    self.types[index].reaches_rules = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }

    /// Depth first over the references, in spec order: a type is placed after the types it names.
    fn define_before_use(&self) -> Vec<TypeId> {
        fn visit(ir: &Ir<'_>, id: TypeId, seen: &mut [bool], order: &mut Vec<TypeId>) {
            if seen[id.index()] {
                return;
            }
            seen[id.index()] = true;
            for dependency in &ir.types[id.index()].references {
                visit(ir, *dependency, seen, order);
            }
            order.push(id);
        }
        let mut seen = vec![false; self.types.len()];
        let mut order = Vec::new();
        for id in self.ids() {
            visit(self, id, &mut seen, &mut order);
        }
        order
    }

    /// Every type reachable from `root` through references (`root` only on a cycle).
    fn closure(&self, root: TypeId) -> BTreeSet<TypeId> {
        let mut seen = BTreeSet::new();
        let mut pending = vec![root];
        while let Some(id) = pending.pop() {
            for next in &self.types[id.index()].references {
                if seen.insert(*next) {
                    pending.push(*next);
                }
            }
        }
        seen
    }
}

/// The fields of a record, or of every variant of a union; none for the other kinds.
pub fn fields_of(def: &TypeDef) -> Vec<&Field> {
    match &def.kind {
        TypeKind::Record(record) => record.fields.iter().collect(),
        TypeKind::Union(union) => union.variants.iter().flat_map(|v| &v.fields).collect(),
        TypeKind::Id | TypeKind::String(_) | TypeKind::Enum(_) => Vec::new(),
    }
}

/// The scope rules of the condition language: which type each path of a condition starts at.
/// Paths are relative to the current value (the rule's record, or the element inside `each`);
/// `member_of`'s list, `same_as`'s other side and `at_most`'s bound are read from the rule's
/// record wherever the condition sits; keys inside a list (`all_equal`, `member_of`'s match keys
/// and `where`, `sum`'s `of`, `sorted_by`'s keys) are relative to its element.
struct PathScopes<'i, 's> {
    ir: &'i Ir<'s>,
    found: Vec<(Option<TypeId>, Cow<'s, FieldPath>)>,
}

impl<'s> PathScopes<'_, 's> {
    fn at(&mut self, scope: Option<TypeId>, path: &'s FieldPath) {
        self.found.push((scope, Cow::Borrowed(path)));
    }

    /// The element type of the list at `path` from `scope` (resolving the path for it now).
    fn element(&mut self, scope: Option<TypeId>, path: &'s FieldPath) -> Option<TypeId> {
        self.at(scope, path);
        let resolved = self.ir.resolve(scope, path).ok()?;
        self.ir.element(resolved.leaf_type()?)
    }

    fn condition(&mut self, root: Option<TypeId>, scope: Option<TypeId>, condition: &'s Condition) {
        match condition {
            Condition::Each { path, condition } => {
                let element = self.element(scope, path);
                self.condition(root, element, condition);
            }
            Condition::AllEqual { path, key } => {
                let element = self.element(scope, path);
                self.at(element, key);
            }
            Condition::SortedBy { path, keys } => {
                // Each key is a field of the element, read as a one-step path.
                let element = self.element(scope, path);
                for key in keys {
                    let key = FieldPath::fields(&[key.field.as_str()]);
                    self.found.push((element, Cow::Owned(key)));
                }
            }
            Condition::SameAs { path, other } => {
                self.at(scope, path);
                self.at(root, other);
            }
            Condition::EqualsSum { path, terms } => {
                self.at(scope, path);
                for term in terms {
                    for path in term.paths() {
                        self.at(scope, path);
                    }
                }
            }
            Condition::AtMost { measure, bound } => {
                match measure {
                    Measure::Value(path) | Measure::Count(path) => self.at(scope, path),
                    Measure::Sum { list, key } => {
                        let element = self.element(scope, list);
                        self.at(element, key);
                    }
                }
                self.at(root, bound);
            }
            Condition::HashOf { path, parts, .. } => {
                self.at(scope, path);
                for part in parts {
                    self.at(scope, part);
                }
            }
            Condition::MemberOf {
                list,
                matches,
                filter,
            } => {
                let element = self.element(root, list);
                for member in matches {
                    if let Some(key) = &member.key {
                        self.at(element, key);
                    }
                    self.at(scope, &member.value);
                }
                if let Some(filter) = filter {
                    self.condition(root, element, filter);
                }
            }
            Condition::All(items) | Condition::Any(items) => {
                for item in items {
                    self.condition(root, scope, item);
                }
            }
            Condition::Not(inner) => self.condition(root, scope, inner),
            // an atom (`present`, `equals`, `length`, …) reads its one path where it stands
            atom => {
                if let Some(path) = atom.subject() {
                    self.at(scope, path);
                }
            }
        }
    }
}

/// Whether an atom holds on the value at its path, `None` meaning absent: the spec language's
/// meaning of absence (it satisfies only `absent`, the negated comparisons, and `length` and
/// `each` vacuously) and of a default (the atom is judged on it). Only atoms and `each` are
/// asked; an `each` over a default list is taken as holding, since every list default of the
/// spec is a list of enum values, with no element rule to break.
pub fn atom_holds(atom: &Condition, value: Option<&Value>) -> bool {
    match (atom, value) {
        (Condition::Present(_), value) => value.is_some(),
        (Condition::Absent(_), value) => value.is_none(),
        (Condition::Equals { value: wanted, .. }, Some(value)) => value == wanted,
        (Condition::NotEquals { value: wanted, .. }, value) => value != Some(wanted),
        (Condition::OneOf { values, .. }, Some(value)) => values.contains(value),
        (Condition::NoneOf { values, .. }, value) => value.is_none_or(|v| !values.contains(v)),
        (Condition::Contains { value: wanted, .. }, Some(Value::Array(items))) => {
            items.contains(wanted)
        }
        (Condition::Length { min, max, .. }, Some(value)) => {
            let length = match value {
                Value::String(text) => text.chars().count() as u64,
                Value::Array(items) => items.len() as u64,
                _ => return false,
            };
            min.is_none_or(|min| length >= min) && max.is_none_or(|max| length <= max)
        }
        (Condition::Each { .. } | Condition::Length { .. }, None) => true,
        (Condition::Each { .. }, Some(_)) => true,
        _ => false,
    }
}

/// Reads the rest of a resolved path inside a JSON value (a field's default): `None` when a key
/// is missing or a `[variant]` step does not match.
pub fn read_default(value: &Value, rest: &[Step<'_>]) -> Option<Value> {
    let mut current = value;
    for step in rest {
        match step {
            Step::Field(field) => current = current.get(field.key())?,
            Step::Tag { key, .. } => current = current.get(*key)?,
            Step::Variant { tag, variant, .. } => {
                if current.get(*tag).and_then(Value::as_str) != Some(variant.name.as_str()) {
                    return None;
                }
            }
        }
    }
    Some(current.clone())
}

pub mod domain;
#[cfg(test)]
pub(crate) mod tests;
