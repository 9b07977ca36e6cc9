//! Compares two loaded specs and classifies every change with a rule of the [catalogue].
//!
//! Declarations are matched by name (types, fields, enum values, variants, states, errors, rules,
//! profiles); a rule that kept its code under a new name is matched by code. The lifecycle enum
//! (a type the loader derives from `lifecycle:`) is compared as the lifecycle, not as an enum, so
//! a state change is reported once, as what it is.

use std::collections::{BTreeMap, BTreeSet};

use handshake_spec::model::{
    EnumValue, Evolution, Field, FieldStorage, Location, Meta, Spec, Table, TypeDef, TypeKind,
    TypeRef, Variant,
};
use serde_json::Value;

use crate::catalogue::{self as c, RuleDef};

mod behaviour;

/// Which version of the spec a position is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The revision compared against (positions of removed declarations).
    Old,
    /// The working tree (positions of everything else).
    New,
}

/// One classified change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The catalogue rule it falls under.
    pub rule: &'static RuleDef,
    /// What changed, one token without spaces (`AiJob.job_outputs`, `JobState.queued->running`);
    /// ADRs name a change by `rule-id subject`.
    pub subject: String,
    /// Lower-case fragment saying what changed.
    pub message: String,
    /// Which version `location` is in.
    pub side: Side,
    /// The new declaration, or the old one for removals.
    pub location: Location,
}

impl Change {
    /// `rule-id subject`: how an ADR names this change.
    pub fn key(&self) -> String {
        format!("{} {}", self.rule.id, self.subject)
    }
}

/// Every change from `old` to `new`, in the order of the new spec (removals where they were).
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut out = Differ {
        changes: Vec::new(),
        evolution: new.evolution.clone(),
        child_tables: {
            let before = child_tables(old);
            child_tables(new)
                .into_iter()
                .filter(|(element, table)| before.get(element) == Some(table))
                .collect()
        },
    };
    out.manifest(old, new);
    out.types(old, new);
    out.lifecycle(old, new);
    out.errors(old, new);
    out.rules(old, new);
    out.profiles(old, new);
    out.out_of_scope(old, new);
    out.claims(old, new);
    out.changes
}

struct Differ {
    changes: Vec<Change>,
    /// The new spec's evolution declarations: a declared rename is a rename, not a removal and
    /// an addition; a declared backfill, mapping or data loss is reported as what it is.
    evolution: Evolution,
    /// Records stored as the elements of a child table in both specs, under the same table
    /// name: their fields are that table's columns.
    child_tables: BTreeMap<String, String>,
}

/// Element record → child table name, for every list field stored as a child table.
fn child_tables(spec: &Spec) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (_, record, _) in spec.stored_records() {
        for field in &record.fields {
            if let (FieldStorage::ChildTable(child), TypeRef::List(element)) =
                (&field.storage, &field.ty)
                && let TypeRef::Named(element) = element.as_ref()
            {
                out.insert(element.clone(), child.table.clone());
            }
        }
    }
    out
}

/// The table of `t`, if it is a record stored in a table of its own.
fn table_of(t: &TypeDef) -> Option<&Table> {
    match &t.kind {
        TypeKind::Record(record) => record.table.as_ref(),
        _ => None,
    }
}

fn manifest_location(spec: &Spec) -> Location {
    Location {
        file: spec
            .files
            .first()
            .cloned()
            .unwrap_or_else(|| handshake_spec::MANIFEST.to_string()),
        line: 1,
        column: 1,
    }
}

fn json(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_string(), Value::to_string)
}

/// One declaration of a list (enum values, variants, states, errors, profiles…) as the two
/// versions of the spec hold it.
enum Paired<'a, T> {
    /// Only the old spec has it.
    Removed(&'a T),
    /// Only the new spec has it.
    Added(&'a T),
    /// Both have it: the old one, then the new one.
    Kept(&'a T, &'a T),
}

/// The two versions of one list, matched by `same`: every removed item in the old order, then
/// every item of `new` in its order, added or kept. That is the order changes are reported in
/// (the new spec's, with removals first).
fn paired<'a, T>(old: &'a [T], new: &'a [T], same: impl Fn(&T, &T) -> bool) -> Vec<Paired<'a, T>> {
    let removed = old
        .iter()
        .filter(|o| !new.iter().any(|n| same(o, n)))
        .map(Paired::Removed);
    let rest = new.iter().map(|n| match old.iter().find(|o| same(o, n)) {
        Some(o) => Paired::Kept(o, n),
        None => Paired::Added(n),
    });
    removed.chain(rest).collect()
}

/// How changes name the values of an enum or the variants of a union, and under which rules.
struct Members {
    /// `value` or `variant`, as messages call one.
    noun: &'static str,
    /// The rule of a removal and of an addition.
    rules: [&'static RuleDef; 2],
    /// The subject of member `member` of type `ty`: `Type.value`, `Type[variant]`.
    subject: fn(ty: &str, member: &str) -> String,
}

const VALUES: Members = Members {
    noun: "value",
    rules: [c::ENUM_VALUE_REMOVED, c::ENUM_VALUE_ADDED],
    subject: |ty, member| format!("{ty}.{member}"),
};

const VARIANTS: Members = Members {
    noun: "variant",
    rules: [c::VARIANT_REMOVED, c::VARIANT_ADDED],
    subject: |ty, member| format!("{ty}[{member}]"),
};

/// A value of an enum or a variant of a union: its name, docs and fields (a value has none).
trait Member {
    fn parts(&self) -> (&str, &Meta, &[Field]);
}

impl Member for EnumValue {
    fn parts(&self) -> (&str, &Meta, &[Field]) {
        (&self.name, &self.meta, &[])
    }
}

impl Member for Variant {
    fn parts(&self) -> (&str, &Meta, &[Field]) {
        (&self.name, &self.meta, &self.fields)
    }
}

impl Differ {
    fn push(
        &mut self,
        rule: &'static RuleDef,
        subject: impl Into<String>,
        message: impl Into<String>,
        side: Side,
        location: &Location,
    ) {
        self.changes.push(Change {
            rule,
            subject: subject.into(),
            message: message.into(),
            side,
            location: location.clone(),
        });
    }

    /// `ty` with every type the new spec declares `renamed_from` under its new name, so a field
    /// whose type was only renamed is not reported as changing type.
    fn under_new_type_names(&self, ty: &TypeRef) -> TypeRef {
        match ty {
            TypeRef::Named(name) => TypeRef::Named(
                self.evolution
                    .renamed_types
                    .iter()
                    .find(|r| r.from == *name)
                    .map_or_else(|| name.clone(), |r| r.type_name.clone()),
            ),
            TypeRef::List(inner) => TypeRef::List(Box::new(self.under_new_type_names(inner))),
            TypeRef::Map(inner) => TypeRef::Map(Box::new(self.under_new_type_names(inner))),
            TypeRef::Primitive(_) => ty.clone(),
        }
    }

    /// A change at a position of the new spec.
    fn at_new(&mut self, rule: &'static RuleDef, subject: &str, message: String, at: &Location) {
        self.push(rule, subject, message, Side::New, at);
    }

    /// A change at a position of the old spec (a removal).
    fn at_old(&mut self, rule: &'static RuleDef, subject: &str, message: String, at: &Location) {
        self.push(rule, subject, message, Side::Old, at);
    }

    /// Description, clause and decision: docs only.
    fn meta(&mut self, subject: &str, old: &Meta, new: &Meta) {
        let decision = match (&old.decision, &new.decision) {
            (old, new) if old == new => None,
            (None, Some(_)) => Some("gained a decision"),
            (Some(_), None) => Some("lost its decision"),
            _ => Some("has a changed decision"),
        };
        let changes = [
            (old.description.trim() != new.description.trim()).then(|| {
                let message = format!("the description of {subject} changed");
                (c::DESCRIPTION_CHANGED, message)
            }),
            (old.clause != new.clause).then(|| {
                let message = format!("{subject} implements {} (was {})", new.clause, old.clause);
                (c::CLAUSE_CHANGED, message)
            }),
            decision.map(|what| (c::DECISION_CHANGED, format!("{subject} {what}"))),
        ];
        for (rule, message) in changes.into_iter().flatten() {
            self.at_new(rule, subject, message, &new.location);
        }
    }

    fn manifest(&mut self, old: &Spec, new: &Spec) {
        let at = manifest_location(new);
        if old.name != new.name {
            self.at_new(
                c::SPEC_RENAMED,
                "spec",
                format!("the spec is named `{}` (was `{}`)", new.name, old.name),
                &at,
            );
        }
        for ((target, old_dir), (_, new_dir)) in old.outputs.all().iter().zip(new.outputs.all()) {
            if *old_dir != new_dir {
                self.at_new(
                    c::OUTPUTS_CHANGED,
                    &format!("outputs.{target}"),
                    format!("the {target} output moved from {old_dir} to {new_dir}"),
                    &at,
                );
            }
        }
        if old.master_spec != new.master_spec {
            self.at_new(
                c::MASTER_SPEC_CHANGED,
                "master_spec",
                format!(
                    "the spec implements Master Spec {} (was {})",
                    new.master_spec, old.master_spec
                ),
                &at,
            );
        }
    }

    fn types(&mut self, old: &Spec, new: &Spec) {
        let skip = |spec: &Spec, t: &TypeDef| t.name == spec.lifecycle.name;
        // A type renamed by `renamed_from:` is compared with its old self.
        let renamed_from = |n: &TypeDef| -> Option<&TypeDef> {
            let from = &new.evolution.type_renamed_from(&n.name)?.from;
            old.type_named(from)
                .filter(|o| !skip(old, o) && new.type_named(from).is_none())
                .filter(|_| old.type_named(&n.name).is_none())
        };
        let renamed: Vec<(&TypeDef, &TypeDef)> = new
            .types
            .iter()
            .filter_map(|n| renamed_from(n).map(|o| (o, n)))
            .collect();
        for o in old.types.iter().filter(|t| !skip(old, t)) {
            if new.type_named(&o.name).is_none() && !renamed.iter().any(|(r, _)| r.name == o.name) {
                self.at_old(
                    c::TYPE_REMOVED,
                    &o.name,
                    format!("type {} was removed", o.name),
                    &o.meta.location,
                );
                self.table(&o.name, table_of(o), None);
            }
        }
        for n in new.types.iter().filter(|t| !skip(new, t)) {
            let was = renamed
                .iter()
                .find(|(_, r)| r.name == n.name)
                .map(|(o, _)| *o);
            if let Some(o) = was {
                let at = &new
                    .evolution
                    .type_renamed_from(&n.name)
                    .expect("renamed above")
                    .location;
                self.at_new(
                    c::TYPE_RENAMED,
                    &n.name,
                    format!("type {} was renamed from {}", n.name, o.name),
                    at,
                );
            }
            let Some(o) = was.or_else(|| old.type_named(&n.name).filter(|o| !skip(old, o))) else {
                self.at_new(
                    c::TYPE_ADDED,
                    &n.name,
                    format!("type {} was added", n.name),
                    &n.meta.location,
                );
                self.table(&n.name, None, table_of(n));
                continue;
            };
            self.type_def(o, n);
        }
    }

    fn type_def(&mut self, o: &TypeDef, n: &TypeDef) {
        let name = &n.name;
        let at = &n.meta.location;
        self.meta(name, &o.meta, &n.meta);
        if o.root && !n.root {
            self.at_new(
                c::TYPE_ROOT_REMOVED,
                name,
                format!("{name} is no longer a root type"),
                at,
            );
        } else if !o.root && n.root {
            self.at_new(
                c::TYPE_ROOT_ADDED,
                name,
                format!("{name} became a root type"),
                at,
            );
        }
        match (&o.kind, &n.kind) {
            (TypeKind::Id, TypeKind::Id) => {}
            (TypeKind::String(os), TypeKind::String(ns)) => {
                let narrower = |o: Option<u64>, n: Option<u64>, min: bool| match (o, n) {
                    (None, Some(_)) => Some(true),
                    (Some(_), None) => Some(false),
                    (Some(a), Some(b)) if a != b => Some(if min { b > a } else { b < a }),
                    _ => None,
                };
                let bounds = [
                    narrower(os.min_length, ns.min_length, true),
                    narrower(os.max_length, ns.max_length, false),
                ];
                let range = |s: &handshake_spec::model::StringConstraints| {
                    format!(
                        "{}..{}",
                        s.min_length.map_or(String::new(), |v| v.to_string()),
                        s.max_length.map_or(String::new(), |v| v.to_string())
                    )
                };
                // Narrowed if either bound tightened (even if the other relaxed).
                let rule = if bounds.contains(&Some(true)) {
                    Some(c::STRING_NARROWED)
                } else if bounds.contains(&Some(false)) {
                    Some(c::STRING_WIDENED)
                } else {
                    None
                };
                if let Some(rule) = rule {
                    self.at_new(
                        rule,
                        name,
                        format!(
                            "the length of {name} is bounded {} (was {})",
                            range(ns),
                            range(os)
                        ),
                        at,
                    );
                }
                if os.pattern != ns.pattern {
                    self.at_new(
                        c::STRING_PATTERN_CHANGED,
                        name,
                        format!(
                            "the pattern of {name} is {} (was {})",
                            ns.pattern.as_deref().unwrap_or("none"),
                            os.pattern.as_deref().unwrap_or("none")
                        ),
                        at,
                    );
                }
            }
            (TypeKind::Enum(ov), TypeKind::Enum(nv)) => {
                self.members(name, &VALUES, ov, nv);
            }
            (TypeKind::Record(or), TypeKind::Record(nr)) => {
                let table = nr
                    .table
                    .as_ref()
                    .filter(|_| or.table.is_some())
                    .map(|t| t.name.clone())
                    .or_else(|| self.child_tables.get(name).cloned());
                self.fields(name, &or.fields, &nr.fields, table.as_deref());
                self.table(name, or.table.as_ref(), nr.table.as_ref());
            }
            (TypeKind::Union(ou), TypeKind::Union(nu)) => {
                if ou.tag != nu.tag {
                    self.at_new(
                        c::UNION_TAG_CHANGED,
                        name,
                        format!("the tag of {name} is `{}` (was `{}`)", nu.tag, ou.tag),
                        at,
                    );
                }
                self.members(name, &VARIANTS, &ou.variants, &nu.variants);
            }
            _ => self.at_new(
                c::TYPE_KIND_CHANGED,
                name,
                format!(
                    "{name} is {} (was {})",
                    kind_name(&n.kind),
                    kind_name(&o.kind)
                ),
                at,
            ),
        }
    }

    /// Fields of a record or variant. `table` is the record's table when it had one before and has
    /// one now (a table added or removed is reported as a whole).
    fn fields(&mut self, owner: &str, old: &[Field], new: &[Field], table: Option<&str>) {
        // `renamed_from:` of this owner's new fields whose old name the old spec has (and the
        // new one does not): the new field is compared with the old one under its old name.
        let renamed_from = |field: &str| -> Option<&Field> {
            let from = &self.evolution.renamed_from(owner, field)?.from;
            (!new.iter().any(|x| &x.name == from))
                .then(|| old.iter().find(|x| &x.name == from))
                .flatten()
                .filter(|_| !old.iter().any(|x| x.name == field))
        };
        let renamed: Vec<(String, Field)> = new
            .iter()
            .filter_map(|f| renamed_from(&f.name).map(|o| (f.name.clone(), o.clone())))
            .collect();
        for f in old {
            if !new.iter().any(|x| x.name == f.name)
                && !renamed.iter().any(|(_, o)| o.name == f.name)
            {
                let subject = format!("{owner}.{}", f.name);
                self.at_old(
                    c::FIELD_REMOVED,
                    &subject,
                    format!("field {subject} was removed"),
                    &f.meta.location,
                );
                if let Some(t) = table {
                    match self.evolution.removed_field(owner, &f.name).cloned() {
                        Some(removed) => self.at_new(
                            c::COLUMN_REMOVED_WITH_DATA_LOSS,
                            &format!("{t}.{}", f.name),
                            format!(
                                "column {t}.{} is dropped with its data, as declared: {}",
                                f.name, removed.allow_data_loss
                            ),
                            &removed.location,
                        ),
                        None => self.at_old(
                            c::COLUMN_REMOVED,
                            &format!("{t}.{}", f.name),
                            format!(
                                "column {t}.{} is dropped with the field: its data is lost",
                                f.name
                            ),
                            &f.meta.location,
                        ),
                    }
                }
            }
        }
        for f in new {
            let subject = format!("{owner}.{}", f.name);
            let at = &f.meta.location;
            let column = table.map(|t| format!("{t}.{}", f.name));
            let backfilled = self.evolution.backfill(owner, &f.name).is_some();
            let was = renamed.iter().find(|(n, _)| *n == f.name).map(|(_, o)| o);
            if let Some(o) = was {
                self.at_new(
                    c::FIELD_RENAMED,
                    &subject,
                    format!("{subject} was renamed from `{}`", o.name),
                    at,
                );
                if let Some(t) = table {
                    self.at_new(
                        c::COLUMN_RENAMED,
                        &format!("{t}.{}", f.name),
                        format!(
                            "column {t}.{} is renamed to {}, keeping its data",
                            o.name, f.name
                        ),
                        at,
                    );
                }
            }
            let Some(o) = was.or_else(|| old.iter().find(|x| x.name == f.name)) else {
                if f.required {
                    self.at_new(
                        c::FIELD_ADDED_REQUIRED,
                        &subject,
                        format!(
                            "required field {subject} was added: records without it no longer parse"
                        ),
                        at,
                    );
                } else {
                    self.at_new(
                        c::FIELD_ADDED_OPTIONAL,
                        &subject,
                        format!("optional field {subject} was added"),
                        at,
                    );
                }
                if let Some(column) = &column {
                    if f.required && backfilled {
                        self.at_new(
                            c::COLUMN_ADDED_BACKFILLED,
                            column,
                            format!(
                                "NOT NULL column {column} was added: the declared backfill fills existing rows"
                            ),
                            at,
                        );
                    } else if f.required {
                        self.at_new(
                            c::COLUMN_ADDED_NOT_NULL,
                            column,
                            format!(
                                "NOT NULL column {column} was added: existing rows need a value"
                            ),
                            at,
                        );
                    } else {
                        self.at_new(
                            c::COLUMN_ADDED_NULLABLE,
                            column,
                            format!("nullable column {column} was added"),
                            at,
                        );
                    }
                }
                continue;
            };
            self.meta(&subject, &o.meta, &f.meta);
            if self.under_new_type_names(&o.ty) != f.ty {
                self.at_new(
                    c::FIELD_TYPE_CHANGED,
                    &subject,
                    format!("{subject} is {} (was {})", f.ty, o.ty),
                    at,
                );
                if let Some(column) = &column {
                    match self.evolution.cast(owner, &f.name).cloned() {
                        Some(cast) => match &cast.allow_data_loss {
                            None if cast.sql.is_some() => self.at_new(
                                c::COLUMN_CAST_BY_EXPRESSION,
                                column,
                                format!(
                                    "column {column} holds {} (was {}): the declared expression converts every value",
                                    f.ty, o.ty
                                ),
                                &cast.location,
                            ),
                            None => self.at_new(
                                c::COLUMN_CAST,
                                column,
                                format!(
                                    "column {column} holds {} (was {}): the declared cast converts every value",
                                    f.ty, o.ty
                                ),
                                &cast.location,
                            ),
                            Some(reason) => self.at_new(
                                c::COLUMN_CAST_WITH_DATA_LOSS,
                                column,
                                format!(
                                    "column {column} holds {} (was {}), converted with a loss, as declared: {reason}",
                                    f.ty, o.ty
                                ),
                                &cast.location,
                            ),
                        },
                        None => self.at_new(
                            c::COLUMN_TYPE_CHANGED,
                            column,
                            format!("column {column} holds {} (was {})", f.ty, o.ty),
                            at,
                        ),
                    }
                }
            }
            if !o.required && f.required {
                self.at_new(
                    c::FIELD_MADE_REQUIRED,
                    &subject,
                    format!("{subject} became required: records without it no longer parse"),
                    at,
                );
                if let Some(column) = &column {
                    if backfilled {
                        self.at_new(
                            c::COLUMN_MADE_NOT_NULL_BACKFILLED,
                            column,
                            format!(
                                "column {column} became NOT NULL: the declared backfill fills the rows without a value"
                            ),
                            at,
                        );
                    } else {
                        self.at_new(
                            c::COLUMN_MADE_NOT_NULL,
                            column,
                            format!(
                                "column {column} became NOT NULL: rows without a value need one"
                            ),
                            at,
                        );
                    }
                }
            } else if o.required && !f.required {
                self.at_new(
                    c::FIELD_MADE_OPTIONAL,
                    &subject,
                    format!("{subject} became optional: old readers refuse records without it"),
                    at,
                );
                if let Some(column) = &column {
                    self.at_new(
                        c::COLUMN_MADE_NULLABLE,
                        column,
                        format!("column {column} became nullable"),
                        at,
                    );
                }
            }
            if o.default != f.default {
                self.at_new(
                    c::FIELD_DEFAULT_CHANGED,
                    &subject,
                    format!(
                        "the default of {subject} is {} (was {})",
                        json(&f.default),
                        json(&o.default)
                    ),
                    at,
                );
            }
            if let Some(column) = &column
                && storage_name(&o.storage) != storage_name(&f.storage)
            {
                self.at_new(
                    c::COLUMN_STORAGE_CHANGED,
                    column,
                    format!(
                        "{subject} is stored as {} (was {})",
                        storage_name(&f.storage),
                        storage_name(&o.storage)
                    ),
                    at,
                );
            }
        }
    }

    fn table_removed(&mut self, t: &Table) {
        match self.evolution.removed_table(&t.name).cloned() {
            Some(removed) => self.at_new(
                c::TABLE_REMOVED_WITH_DATA_LOSS,
                &t.name,
                format!(
                    "table {} is dropped with its rows, as declared: {}",
                    t.name, removed.allow_data_loss
                ),
                &removed.location,
            ),
            None => self.at_old(
                c::TABLE_REMOVED,
                &t.name,
                format!("table {} was removed: its rows are lost", t.name),
                &t.meta.location,
            ),
        }
    }

    fn table(&mut self, record: &str, old: Option<&Table>, new: Option<&Table>) {
        let (o, n) = match (old, new) {
            (None, None) => return,
            (Some(o), None) => return self.table_removed(o),
            (None, Some(n)) => {
                return self.at_new(
                    c::TABLE_ADDED,
                    &n.name,
                    format!("table {} was added for {record}", n.name),
                    &n.meta.location,
                );
            }
            (Some(o), Some(n)) => (o, n),
        };
        let at = &n.meta.location;
        let name = &n.name;
        self.meta(&format!("table:{name}"), &o.meta, &n.meta);
        if o.name != n.name {
            let declared = self
                .evolution
                .renamed_tables
                .iter()
                .find(|r| r.table == n.name && r.from == o.name)
                .cloned();
            match declared {
                Some(rename) => self.at_new(
                    c::TABLE_RENAMED_WITH_DATA,
                    name,
                    format!(
                        "the table of {record} is {name} (was {}): the declared rename keeps its rows",
                        o.name
                    ),
                    &rename.location,
                ),
                None => self.at_new(
                    c::TABLE_RENAMED,
                    name,
                    format!("the table of {record} is {name} (was {})", o.name),
                    at,
                ),
            }
        }
        if o.primary_key != n.primary_key {
            self.at_new(
                c::TABLE_PRIMARY_KEY_CHANGED,
                name,
                format!(
                    "the primary key of {name} is ({}) (was ({}))",
                    n.primary_key.join(", "),
                    o.primary_key.join(", ")
                ),
                at,
            );
        }
        if o.append_only != n.append_only {
            let what = if n.append_only {
                "became append-only: updates and deletes are refused"
            } else {
                "is no longer append-only"
            };
            self.at_new(
                c::TABLE_APPEND_ONLY_CHANGED,
                name,
                format!("{name} {what}"),
                at,
            );
        }
        let key =
            |fk: &handshake_spec::model::ForeignKey| format!("{}->{}", fk.column, fk.references);
        let old_fks: BTreeSet<String> = o.foreign_keys.iter().map(key).collect();
        let new_fks: BTreeSet<String> = n.foreign_keys.iter().map(key).collect();
        for fk in old_fks.difference(&new_fks) {
            self.at_new(
                c::FOREIGN_KEY_REMOVED,
                &format!("{name}.{fk}"),
                format!("foreign key {name}.{fk} was removed"),
                at,
            );
        }
        for fk in new_fks.difference(&old_fks) {
            self.at_new(
                c::FOREIGN_KEY_ADDED,
                &format!("{name}.{fk}"),
                format!("foreign key {name}.{fk} was added: existing rows may violate it"),
                at,
            );
        }
        for pair in paired(&o.indexes, &n.indexes, |a, b| a.name == b.name) {
            match pair {
                Paired::Removed(i) => self.at_new(
                    c::INDEX_REMOVED,
                    &format!("{name}#{}", i.name),
                    format!("index {} on {name} was removed", i.name),
                    at,
                ),
                Paired::Added(i) if i.unique => self.at_new(
                    c::UNIQUE_INDEX_ADDED,
                    &format!("{name}#{}", i.name),
                    format!(
                        "unique index {} on {name} ({}) was added: existing rows may hold duplicates",
                        i.name,
                        i.columns.join(", ")
                    ),
                    at,
                ),
                Paired::Added(i) => self.at_new(
                    c::INDEX_ADDED,
                    &format!("{name}#{}", i.name),
                    format!("index {} on {name} ({}) was added", i.name, i.columns.join(", ")),
                    at,
                ),
                Paired::Kept(oi, i) => {
                    if oi.columns != i.columns || oi.unique != i.unique {
                        self.at_new(
                            c::INDEX_CHANGED,
                            &format!("{name}#{}", i.name),
                            format!(
                                "index {} on {name} is {}({}) (was {}({}))",
                                i.name,
                                if i.unique { "unique " } else { "" },
                                i.columns.join(", "),
                                if oi.unique { "unique " } else { "" },
                                oi.columns.join(", ")
                            ),
                            at,
                        );
                    }
                }
            }
        }
    }

    /// The values of enum `name` or the variants of union `name` (`members`), matched by name:
    /// one only the old or the new spec has is reported at its own place; a kept one has its
    /// docs and fields compared.
    fn members<T: Member>(&mut self, name: &str, members: &Members, old: &[T], new: &[T]) {
        let [removed, added] = members.rules;
        for pair in paired(old, new, |a, b| a.parts().0 == b.parts().0) {
            match pair {
                Paired::Removed(m) => self.member_removed(name, members, removed, m.parts()),
                Paired::Added(m) => {
                    let (member, meta, _) = m.parts();
                    let message = format!("{} `{member}` was added to {name}", members.noun);
                    let subject = (members.subject)(name, member);
                    self.at_new(added, &subject, message, &meta.location);
                }
                Paired::Kept(o, m) => {
                    let ((_, old_meta, old_fields), (member, meta, fields)) =
                        (o.parts(), m.parts());
                    let subject = (members.subject)(name, member);
                    self.meta(&subject, old_meta, meta);
                    self.fields(&subject, old_fields, fields, None);
                }
            }
        }
    }

    /// A value or variant of `name` only the old spec has: a removal under `rule`, or, for an
    /// enum value removed with a declared `map_to` (`removed_values:`, which unions do not
    /// have), a mapping.
    fn member_removed(
        &mut self,
        name: &str,
        members: &Members,
        rule: &'static RuleDef,
        (member, meta, _): (&str, &Meta, &[Field]),
    ) {
        let subject = (members.subject)(name, member);
        let noun = members.noun;
        let declared = self
            .evolution
            .removed_values_of(name)
            .find(|r| r.value == member)
            .cloned();
        match declared {
            Some(r) => self.at_new(
                if r.read_alias {
                    c::ENUM_VALUE_ALIASED
                } else {
                    c::ENUM_VALUE_MAPPED
                },
                &subject,
                format!(
                    "{noun} `{member}` of {name} was removed: stored rows become `{}`{}",
                    r.map_to,
                    alias_note(r.read_alias)
                ),
                &r.location,
            ),
            None => self.at_old(
                rule,
                &subject,
                format!("{noun} `{member}` of {name} was removed"),
                &meta.location,
            ),
        }
    }

    fn errors(&mut self, old: &Spec, new: &Spec) {
        for pair in paired(&old.errors, &new.errors, |a, b| a.name == b.name) {
            let (o, e) = match pair {
                Paired::Kept(o, e) => (o, e),
                Paired::Removed(e) => {
                    let message = format!("error {} ({}) was removed", e.name, e.code);
                    self.at_old(c::ERROR_REMOVED, &e.name, message, &e.meta.location);
                    continue;
                }
                Paired::Added(e) => {
                    let message = format!("error {} ({}) was added", e.name, e.code);
                    self.at_new(c::ERROR_ADDED, &e.name, message, &e.meta.location);
                    continue;
                }
            };
            let at = &e.meta.location;
            self.meta(&e.name, &o.meta, &e.meta);
            if o.code != e.code {
                self.at_new(
                    c::ERROR_CODE_CHANGED,
                    &e.name,
                    format!("error {} has code {} (was {})", e.name, e.code, o.code),
                    at,
                );
            }
            let shape = |fields: &[Field]| {
                fields
                    .iter()
                    .map(|f| format!("{}: {}{}", f.name, f.ty, if f.required { "" } else { "?" }))
                    .collect::<Vec<_>>()
            };
            if shape(&o.fields) != shape(&e.fields) {
                self.at_new(
                    c::ERROR_FIELDS_CHANGED,
                    &e.name,
                    format!(
                        "error {} carries ({}) (was ({}))",
                        e.name,
                        shape(&e.fields).join(", "),
                        shape(&o.fields).join(", ")
                    ),
                    at,
                );
            }
            if o.message != e.message {
                self.at_new(
                    c::ERROR_MESSAGE_CHANGED,
                    &e.name,
                    format!("the message of error {} changed", e.name),
                    at,
                );
            }
        }
    }

    fn out_of_scope(&mut self, old: &Spec, new: &Spec) {
        for pair in paired(&old.out_of_scope, &new.out_of_scope, |a, b| {
            a.name == b.name
        }) {
            match pair {
                Paired::Removed(g) => self.at_old(
                    c::OUT_OF_SCOPE_REMOVED,
                    &g.name,
                    format!("guard {} is no longer listed as out of scope", g.name),
                    &g.meta.location,
                ),
                Paired::Added(g) => self.at_new(
                    c::OUT_OF_SCOPE_ADDED,
                    &g.name,
                    format!("guard {} is listed as out of scope", g.name),
                    &g.meta.location,
                ),
                Paired::Kept(o, g) => self.meta(&g.name, &o.meta, &g.meta),
            }
        }
    }

    fn claims(&mut self, old: &Spec, new: &Spec) {
        let ids = |spec: &Spec| {
            spec.claims
                .iter()
                .map(|c| c.id.clone())
                .collect::<BTreeSet<_>>()
        };
        let (o, n) = (ids(old), ids(new));
        for (claims, other, side, now) in [
            (&new.claims, &o, Side::New, "is claimed"),
            (&old.claims, &n, Side::Old, "is no longer claimed"),
        ] {
            for claim in claims.iter().filter(|c| !other.contains(&c.id)) {
                let message = format!("{} {now}", claim.id);
                self.push(c::CLAIMS_CHANGED, &claim.id, message, side, &claim.location);
            }
        }
    }
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Id => "an id",
        TypeKind::String(_) => "a string",
        TypeKind::Enum(_) => "an enum",
        TypeKind::Record(_) => "a record",
        TypeKind::Union(_) => "a union",
    }
}

fn storage_name(storage: &FieldStorage) -> String {
    match storage {
        FieldStorage::Column => "a column".to_string(),
        FieldStorage::Json => "a JSON column".to_string(),
        FieldStorage::ChildTable(t) => format!("child table {}", t.table),
    }
}

/// The tail of a removed value's message: whether readers still accept the old spelling.
pub(crate) fn alias_note(read_alias: bool) -> &'static str {
    if read_alias {
        ", and readers still accept it as an alias"
    } else {
        ""
    }
}
