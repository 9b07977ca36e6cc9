//! Structural comparison of what §2.6.6 defines with the loaded YAML ([`handshake_spec::model::Spec`]):
//! fields missing or extra, required-ness, types that cannot correspond, states, enum values and
//! wire names.
//!
//! **Acknowledged differences.** A difference the project made on purpose is acknowledged by a
//! `decision:` in the YAML, and is then not a finding. A finding is matched to a decision like this:
//! - when the YAML *has* the thing the finding is about (an extra field, state or value, a field
//!   whose required-ness or type differs, a type that is an enum in one and a record in the other,
//!   a value spelled differently), the decision must sit on that declaration, and one of the
//!   declaration's clauses must be the finding's clause or a clause containing it;
//! - when the YAML *lacks* it (a missing field, state, value or type), the decision must sit on the
//!   declaration that would hold it (the record, the lifecycle, the enum; for a missing type, any
//!   type or field), cite the clause the same way, and name the missing thing as a word
//!   (`` `topic_scope` `` or `topic_scope`);
//! - a field renamed on purpose (`type` → `memory_type`) is the YAML field whose decision cites
//!   the clause and names the Master Spec's field: it corresponds, so neither is a finding;
//!   likewise a type renamed on purpose (§2.6.6.6.4's `LayerScope` enum is `DocsScope`, because
//!   the core `LayerScope` of §2.6.6.7.0 holds the name) is the YAML type whose decision cites the
//!   clause and names the Master Spec's type;
//! - a field's difference (extra, required-ness, type, spelling) is also acknowledged by the
//!   decision of the record holding it when that record cites the clause and its decision names
//!   the field: one decision may explain several fields of a record at once.

use std::collections::BTreeSet;

use handshake_spec::model::{
    Field, Location, Meta, Primitive, Spec, TransitionOrigin, TypeDef, TypeKind, TypeRef,
};

use crate::extract::{ClauseType, Extraction, FieldTable, ItemKind};
use crate::finding::{Finding, FindingKind};
use crate::notation::{CodeTypeKind, SpecField};

/// A field, state or type item of the Master Spec that a YAML declaration corresponds to: the
/// declaration claims it without a `claims:` entry (the structure check proves the match).
#[derive(Debug, Clone, PartialEq)]
pub struct StructuralClaim {
    /// The item's kind.
    pub kind: ItemKind,
    /// The item's Master Spec line.
    pub line: usize,
    /// The YAML declaration.
    pub location: Location,
    /// For a transition: `from-to`, the end of its item id (a diagram's edges share one line).
    pub edge: Option<String>,
}

/// The result of the structural comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structure {
    /// Differences, acknowledged ones left out.
    pub findings: Vec<Finding>,
    /// Items that a YAML declaration corresponds to.
    pub claims: Vec<StructuralClaim>,
}

/// Compares what §2.6.6 defines with `spec`.
pub fn compare(extraction: &Extraction, spec: &Spec) -> Structure {
    let mut comparison = Comparison {
        spec,
        extraction,
        findings: Vec::new(),
        claims: Vec::new(),
    };
    comparison.field_tables();
    comparison.code_types();
    comparison.states();
    comparison.transitions();
    Structure {
        findings: comparison.findings,
        claims: comparison.claims,
    }
}

struct Comparison<'a> {
    spec: &'a Spec,
    extraction: &'a Extraction,
    findings: Vec<Finding>,
    claims: Vec<StructuralClaim>,
}

/// Where a difference is anchored in the Master Spec.
#[derive(Clone)]
struct At {
    clause: String,
    line: usize,
}

/// Whether a YAML clause list covers a Master Spec clause: the same clause or one containing it.
fn cites(meta: &Meta, clause: &str) -> bool {
    meta.clause.0.iter().any(|cited| {
        cited == clause
            || (clause.starts_with(cited.as_str()) && clause[cited.len()..].starts_with('.'))
    })
}

/// Whether a decision names `word` as a word.
fn names(decision: &str, word: &str) -> bool {
    decision
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|token| token == word)
}

/// Acknowledged by the declaration itself.
fn decided(meta: &Meta, clause: &str) -> bool {
    meta.decision.is_some() && cites(meta, clause)
}

/// Acknowledged by the container, naming what is missing.
fn decided_naming(meta: &Meta, clause: &str, missing: &str) -> bool {
    meta.decision
        .as_deref()
        .is_some_and(|decision| names(decision, missing))
        && cites(meta, clause)
}

/// Lower-case without separators: the key two spellings of one wire name share.
fn wire_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Uuid,
    Text,
    Integer,
    Number,
    Boolean,
    Timestamp,
    Object,
    Enum,
    Any,
}

fn spec_class(ty: &str) -> Option<Class> {
    Some(match ty.to_lowercase().as_str() {
        "uuid" => Class::Uuid,
        "string" | "str" => Class::Text,
        "int" | "integer" | "usize" | "u32" | "u64" | "i32" | "i64" => Class::Integer,
        "float" | "f32" | "f64" | "number" => Class::Number,
        "bool" | "boolean" => Class::Boolean,
        "timestamp" | "datetime" => Class::Timestamp,
        _ => return None,
    })
}

impl<'a> Comparison<'a> {
    fn push(&mut self, kind: FindingKind, at: &At, subject: String, detail: String) {
        self.findings.push(Finding {
            kind,
            clause: at.clause.clone(),
            line: at.line,
            subject,
            detail,
            fingerprint: None,
        });
    }

    fn type_named(&self, name: &str) -> Option<&'a TypeDef> {
        self.spec.type_named(name)
    }

    fn yaml_class(&self, ty: &TypeRef) -> Class {
        match ty {
            TypeRef::Primitive(p) => match p {
                Primitive::String => Class::Text,
                Primitive::Integer | Primitive::UnsignedInteger => Class::Integer,
                Primitive::Number => Class::Number,
                Primitive::Boolean => Class::Boolean,
                Primitive::Uuid => Class::Uuid,
                Primitive::Timestamp => Class::Timestamp,
                Primitive::Json => Class::Any,
            },
            TypeRef::Named(name) => match self.type_named(name).map(|t| &t.kind) {
                Some(TypeKind::Id) => Class::Uuid,
                Some(TypeKind::String(_)) => Class::Text,
                Some(TypeKind::Enum(_)) => Class::Enum,
                Some(TypeKind::Record(_) | TypeKind::Union(_)) => Class::Object,
                None => Class::Any,
            },
            TypeRef::Map(_) => Class::Object,
            TypeRef::List(_) => Class::Any,
        }
    }

    /// Whether the YAML type `yaml` (or its list element) is the Master Spec's type `named`
    /// renamed on purpose: its decision cites `clause` and names `named`.
    fn renamed_type(&self, yaml: &TypeRef, named: &str, clause: &str) -> bool {
        let element = match yaml {
            TypeRef::List(inner) => inner.as_ref(),
            other => other,
        };
        matches!(element, TypeRef::Named(name)
            if name != named
                && self
                    .type_named(name)
                    .is_some_and(|t| decided_naming(&t.meta, clause, named)))
    }

    /// Why a Master Spec type cannot correspond to a YAML type, if it cannot.
    fn mismatch(&self, field: &SpecField, yaml: &TypeRef) -> Option<String> {
        if matches!(yaml, TypeRef::Primitive(Primitive::Json)) {
            return None;
        }
        let (yaml_list, element) = match yaml {
            TypeRef::List(inner) => (true, inner.as_ref()),
            other => (false, other),
        };
        if field.list != yaml_list {
            return Some(format!(
                "the Master Spec has {}, the YAML `{yaml}`",
                if field.list {
                    "a list"
                } else {
                    "a single value"
                }
            ));
        }
        let ty = field.ty.trim();
        let class = self.yaml_class(element);
        if ty.is_empty() || ty.contains('|') && !ty.starts_with('(') || class == Class::Any {
            return None;
        }
        if field.values.is_some() || (ty.starts_with('(') && ty.ends_with(')')) {
            return (!matches!(class, Class::Enum | Class::Text))
                .then(|| format!("the Master Spec enumerates values, the YAML has `{element}`"));
        }
        if ty.starts_with('{') {
            return (class != Class::Object)
                .then(|| format!("the Master Spec has an object, the YAML `{element}`"));
        }
        if let Some(expected) = spec_class(ty) {
            let fits = match expected {
                Class::Uuid => matches!(class, Class::Uuid | Class::Text),
                Class::Text => matches!(class, Class::Text | Class::Uuid | Class::Enum),
                Class::Number => matches!(class, Class::Number),
                other => class == other,
            };
            return (!fits).then(|| format!("the Master Spec has `{ty}`, the YAML `{element}`"));
        }
        // a type the Master Spec names: where the YAML declares it, the field must use it
        // (`Partial<T>` may be a declared `PartialT`)
        let (named, partial) = match ty
            .strip_prefix("Partial<")
            .and_then(|t| t.strip_suffix('>'))
        {
            Some(inner) => (inner, true),
            None => (ty, false),
        };
        if self.type_named(named).is_some() {
            let same = matches!(element, TypeRef::Named(name)
                if name == named || (partial && *name == format!("Partial{named}")));
            return (!same).then(|| format!("the Master Spec has `{ty}`, the YAML `{element}`"));
        }
        None
    }

    /// Compares one Master Spec record's fields with a YAML record's.
    fn fields(
        &mut self,
        owner: &str,
        owner_meta: &Meta,
        spec_fields: &[(At, &'a SpecField)],
        yaml: &'a [Field],
        extra_at: At,
    ) {
        let mut matched = BTreeSet::new();
        for (at, field) in spec_fields {
            let exact = yaml.iter().position(|f| f.name == field.name);
            let respelled = exact.is_none().then(|| {
                yaml.iter()
                    .position(|f| wire_key(&f.name) == wire_key(&field.name))
            });
            let Some(index) = exact.or(respelled.flatten()) else {
                // a field renamed on purpose: its decision names the Master Spec's name
                let renamed = yaml
                    .iter()
                    .position(|f| decided_naming(&f.meta, &at.clause, &field.name));
                if let Some(index) = renamed {
                    matched.insert(index);
                    self.claims.push(StructuralClaim {
                        kind: ItemKind::Field,
                        line: field.line,
                        location: yaml[index].meta.location.clone(),
                        edge: None,
                    });
                    continue;
                }
                if !decided_naming(owner_meta, &at.clause, &field.name) {
                    self.push(
                        FindingKind::FieldMissing,
                        at,
                        format!("{owner}.{}", field.name),
                        format!("`{owner}` has no field `{}`", field.name),
                    );
                }
                continue;
            };
            matched.insert(index);
            let yaml_field = &yaml[index];
            self.claims.push(StructuralClaim {
                kind: ItemKind::Field,
                line: field.line,
                location: yaml_field.meta.location.clone(),
                edge: None,
            });
            let acknowledged = decided(&yaml_field.meta, &at.clause)
                || decided_naming(owner_meta, &at.clause, &yaml_field.name);
            if yaml_field.name != field.name && !acknowledged {
                self.push(
                    FindingKind::WireNameMismatch,
                    at,
                    format!("{owner}.{}", field.name),
                    format!("the YAML spells it `{}`", yaml_field.name),
                );
            }
            if yaml_field.required != field.required && !acknowledged {
                self.push(
                    FindingKind::RequiredMismatch,
                    at,
                    format!("{owner}.{}", field.name),
                    format!(
                        "{} in the Master Spec, {} in the YAML",
                        if field.required {
                            "required"
                        } else {
                            "optional"
                        },
                        if yaml_field.required {
                            "required"
                        } else {
                            "optional"
                        }
                    ),
                );
            }
            if let Some(detail) = self.mismatch(field, &yaml_field.ty)
                && !acknowledged
                && !self.renamed_type(&yaml_field.ty, field.ty.trim(), &at.clause)
            {
                self.push(
                    FindingKind::TypeMismatch,
                    at,
                    format!("{owner}.{}", field.name),
                    detail,
                );
            }
            if let Some(values) = &field.values {
                self.enum_values(at, values, &yaml_field.ty);
            }
        }
        for (index, yaml_field) in yaml.iter().enumerate() {
            if matched.contains(&index)
                || decided(&yaml_field.meta, &extra_at.clause)
                || decided_naming(owner_meta, &extra_at.clause, &yaml_field.name)
            {
                continue;
            }
            let at = self.anchor(&yaml_field.meta).unwrap_or(extra_at.clone());
            if decided(&yaml_field.meta, &at.clause) {
                continue;
            }
            self.push(
                FindingKind::FieldExtra,
                &at,
                format!("{owner}.{}", yaml_field.name),
                format!(
                    "the YAML declares it ({}), the Master Spec does not",
                    yaml_field.meta.location
                ),
            );
        }
    }

    /// The §2.6.6 clause a YAML declaration cites first, with its heading line.
    fn anchor(&self, meta: &Meta) -> Option<At> {
        meta.clause.0.iter().find_map(|cited| {
            let number = cited.strip_prefix('§')?;
            let node = self
                .extraction
                .clauses
                .iter()
                .find(|c| c.number == number)?;
            Some(At {
                clause: format!("§{}", node.number),
                line: node.line,
            })
        })
    }

    fn enum_values(&mut self, at: &At, values: &[String], yaml: &TypeRef) {
        let element = match yaml {
            TypeRef::List(inner) => inner.as_ref(),
            other => other,
        };
        let TypeRef::Named(name) = element else {
            return;
        };
        let Some(def) = self.type_named(name) else {
            return;
        };
        let TypeKind::Enum(yaml_values) = &def.kind else {
            return;
        };
        self.value_sets(at, values, name, &def.meta, yaml_values);
    }

    fn value_sets(
        &mut self,
        at: &At,
        values: &[String],
        name: &str,
        meta: &Meta,
        yaml_values: &'a [handshake_spec::model::EnumValue],
    ) {
        let mut matched = BTreeSet::new();
        for value in values {
            if let Some(index) = yaml_values.iter().position(|v| &v.name == value) {
                matched.insert(index);
                continue;
            }
            if let Some(index) = yaml_values
                .iter()
                .position(|v| wire_key(&v.name) == wire_key(value))
            {
                matched.insert(index);
                if !decided(&yaml_values[index].meta, &at.clause) && !decided(meta, &at.clause) {
                    self.push(
                        FindingKind::WireNameMismatch,
                        at,
                        format!("{name}.{value}"),
                        format!("the YAML spells it `{}`", yaml_values[index].name),
                    );
                }
                continue;
            }
            if !decided_naming(meta, &at.clause, value) {
                self.push(
                    FindingKind::EnumValueMissing,
                    at,
                    format!("{name}.{value}"),
                    format!("`{name}` has no value `{value}`"),
                );
            }
        }
        for (index, value) in yaml_values.iter().enumerate() {
            if matched.contains(&index) || decided(&value.meta, &at.clause) {
                continue;
            }
            self.push(
                FindingKind::EnumValueExtra,
                at,
                format!("{name}.{}", value.name),
                format!(
                    "the YAML declares it ({}), the Master Spec does not enumerate it here",
                    value.meta.location
                ),
            );
        }
    }

    /// Field tables, grouped by the clause above theirs (§2.6.6.2.1–7 → §2.6.6.2), each group
    /// compared with the YAML record sharing most field names.
    fn field_tables(&mut self) {
        let mut groups: Vec<(String, Vec<&'a FieldTable>)> = Vec::new();
        for table in &self.extraction.field_tables {
            let parent = table
                .clause
                .rsplit_once('.')
                .map(|(parent, _)| parent.to_string())
                .unwrap_or_else(|| table.clause.clone());
            match groups.iter_mut().find(|(p, _)| *p == parent) {
                Some((_, tables)) => tables.push(table),
                None => groups.push((parent, vec![table])),
            }
        }
        for (_, tables) in groups {
            let spec_fields: Vec<(At, &'a SpecField)> = tables
                .iter()
                .flat_map(|table| {
                    table.fields.iter().map(move |field| {
                        (
                            At {
                                clause: table.clause.clone(),
                                line: field.line,
                            },
                            field,
                        )
                    })
                })
                .collect();
            let names: BTreeSet<&str> = spec_fields.iter().map(|(_, f)| f.name.as_str()).collect();
            let best = self
                .spec
                .types
                .iter()
                .filter_map(|t| match &t.kind {
                    TypeKind::Record(record) => Some((t, &record.fields)),
                    _ => None,
                })
                .max_by_key(|(t, fields)| {
                    let overlap = fields
                        .iter()
                        .filter(|f| names.contains(f.name.as_str()))
                        .count();
                    // ties go to the type declared first
                    (
                        overlap,
                        std::cmp::Reverse(self.spec.types.iter().position(|x| x.name == t.name)),
                    )
                });
            let first = At {
                clause: tables[0].clause.clone(),
                line: tables[0].line,
            };
            match best {
                Some((def, fields)) if fields.iter().any(|f| names.contains(f.name.as_str())) => {
                    self.fields(&def.name, &def.meta, &spec_fields, fields, first)
                }
                _ => {
                    for (at, field) in &spec_fields {
                        self.push(
                            FindingKind::FieldMissing,
                            at,
                            field.name.clone(),
                            "no YAML record has this field or any other of its table".into(),
                        );
                    }
                }
            }
        }
    }

    /// The YAML type of a Master Spec code type: the type of its name when that cites its clause;
    /// else a type renamed on purpose (its decision cites the clause and names the Master Spec's
    /// type: the name is taken by another concept); else of the types ending in its name
    /// (`Decision` → `CompactionDecision`) the first citing its clause; else the one named like it.
    fn yaml_type_for(&self, ty: &ClauseType) -> Option<&'a TypeDef> {
        let name = ty.ty.name.as_str();
        let types = &self.spec.types;
        self.type_named(name)
            .filter(|t| cites(&t.meta, &ty.clause))
            .or_else(|| {
                types
                    .iter()
                    .find(|t| t.name != name && decided_naming(&t.meta, &ty.clause, name))
            })
            .or_else(|| {
                types
                    .iter()
                    .find(|t| t.name.ends_with(name) && cites(&t.meta, &ty.clause))
            })
            .or_else(|| self.type_named(name))
    }

    fn code_types(&mut self) {
        for ty in &self.extraction.types {
            let at = At {
                clause: ty.clause.clone(),
                line: ty.ty.line,
            };
            let Some(def) = self.yaml_type_for(ty) else {
                let acknowledged = self.spec.types.iter().any(|t| {
                    decided_naming(&t.meta, &ty.clause, &ty.ty.name)
                        || matches!(&t.kind, TypeKind::Record(r) if r.fields.iter().any(|f| decided_naming(&f.meta, &ty.clause, &ty.ty.name)))
                });
                if !acknowledged {
                    self.push(
                        FindingKind::TypeMissing,
                        &at,
                        ty.ty.name.clone(),
                        "no YAML type of this name (or ending in it and citing this clause)".into(),
                    );
                }
                continue;
            };
            self.claims.push(StructuralClaim {
                kind: ItemKind::Type,
                line: ty.ty.line,
                location: def.meta.location.clone(),
                edge: None,
            });
            let subject = if def.name == ty.ty.name {
                def.name.clone()
            } else {
                format!("{} (YAML `{}`)", ty.ty.name, def.name)
            };
            match (&ty.ty.kind, &def.kind) {
                (CodeTypeKind::Record(fields), TypeKind::Record(record)) => {
                    let spec_fields: Vec<(At, &'a SpecField)> = fields
                        .iter()
                        .map(|f| {
                            (
                                At {
                                    clause: ty.clause.clone(),
                                    line: f.line,
                                },
                                f,
                            )
                        })
                        .collect();
                    self.fields(
                        &def.name,
                        &def.meta,
                        &spec_fields,
                        &record.fields,
                        at.clone(),
                    );
                }
                (CodeTypeKind::Enum(values), TypeKind::Enum(yaml_values)) => {
                    self.value_sets(&at, values, &def.name, &def.meta, yaml_values);
                }
                (CodeTypeKind::Record(_), TypeKind::Union(_)) => {}
                (spec_kind, _) => {
                    if !decided(&def.meta, &at.clause) {
                        let spec_word = match spec_kind {
                            CodeTypeKind::Record(_) => "a record",
                            CodeTypeKind::Enum(_) => "an enum",
                        };
                        let yaml_word = match &def.kind {
                            TypeKind::Id => "an id",
                            TypeKind::String(_) => "a string",
                            TypeKind::Enum(_) => "an enum",
                            TypeKind::Record(_) => "a record",
                            TypeKind::Union(_) => "a union",
                        };
                        self.push(
                            FindingKind::TypeMismatch,
                            &at,
                            subject,
                            format!(
                                "{spec_word} in the Master Spec, {yaml_word} in the YAML ({})",
                                def.meta.location
                            ),
                        );
                    }
                }
            }
        }
    }

    fn states(&mut self) {
        let Some(first) = self.extraction.states.first() else {
            return;
        };
        let lifecycle = &self.spec.lifecycle;
        let table_at = At {
            clause: first.clause.clone(),
            line: first.line,
        };
        let mut matched = BTreeSet::new();
        for state in &self.extraction.states {
            let at = At {
                clause: state.clause.clone(),
                line: state.line,
            };
            // The same name, else the same wire key (spelt differently: a finding unless decided).
            let same_name = lifecycle.states.iter().position(|s| s.name == state.name);
            let same_wire_key = || {
                lifecycle
                    .states
                    .iter()
                    .position(|s| wire_key(&s.name) == wire_key(&state.name))
            };
            if let Some(index) = same_name.or_else(same_wire_key) {
                matched.insert(index);
                self.claims.push(StructuralClaim {
                    kind: ItemKind::State,
                    line: state.line,
                    location: lifecycle.states[index].meta.location.clone(),
                    edge: None,
                });
                if same_name.is_none() && !decided(&lifecycle.states[index].meta, &at.clause) {
                    self.push(
                        FindingKind::WireNameMismatch,
                        &at,
                        state.name.clone(),
                        format!("the YAML spells it `{}`", lifecycle.states[index].name),
                    );
                }
                continue;
            }
            if !decided_naming(&lifecycle.meta, &at.clause, &state.name) {
                self.push(
                    FindingKind::StateMissing,
                    &at,
                    state.name.clone(),
                    format!("the YAML lifecycle `{}` has no such state", lifecycle.name),
                );
            }
        }
        for (index, state) in lifecycle.states.iter().enumerate() {
            if matched.contains(&index) || decided(&state.meta, &table_at.clause) {
                continue;
            }
            self.push(
                FindingKind::StateExtra,
                &table_at,
                state.name.clone(),
                format!(
                    "the YAML declares it ({}), the state table does not",
                    state.meta.location
                ),
            );
        }
    }

    /// The diagram's edges against the lifecycle: an edge is accounted for by an allowed
    /// transition or a rejected edge (the YAML's reading of the drawing); a transition the YAML
    /// says is drawn (`origin: diagram`) that the diagram does not draw is extra, unless its
    /// decision (citing the clause) says how the drawing was read.
    fn transitions(&mut self) {
        let lifecycle = &self.spec.lifecycle;
        for diagram in &self.extraction.diagrams {
            let at = At {
                clause: diagram.clause.clone(),
                line: diagram.line,
            };
            for edge in &diagram.edges {
                let allowed = lifecycle
                    .transitions
                    .iter()
                    .find(|t| t.from == edge.from && t.to == edge.to)
                    .map(|t| &t.meta);
                let rejected = lifecycle
                    .rejected
                    .iter()
                    .find(|t| t.from == edge.from && t.to == edge.to)
                    .map(|t| &t.meta);
                match allowed.or(rejected) {
                    Some(meta) => self.claims.push(StructuralClaim {
                        kind: ItemKind::Transition,
                        line: diagram.line,
                        location: meta.location.clone(),
                        edge: Some(format!("{}-{}", edge.from, edge.to)),
                    }),
                    None => self.push(
                        FindingKind::TransitionMissing,
                        &at,
                        format!("{} → {}", edge.from, edge.to),
                        format!(
                            "drawn in the diagram; the lifecycle `{}` neither allows nor rejects it",
                            lifecycle.name
                        ),
                    ),
                }
            }
            for transition in &lifecycle.transitions {
                let drawn = diagram
                    .edges
                    .iter()
                    .any(|e| e.from == transition.from && e.to == transition.to);
                if transition.origin == TransitionOrigin::Diagram
                    && !drawn
                    && !decided(&transition.meta, &at.clause)
                {
                    self.push(
                        FindingKind::TransitionExtra,
                        &at,
                        format!("{} → {}", transition.from, transition.to),
                        format!(
                            "the YAML says the diagram draws it ({}); the diagram does not",
                            transition.meta.location
                        ),
                    );
                }
            }
        }
    }
}
