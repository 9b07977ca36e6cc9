//! Domain lowering: the Handshake-specific sugar the spec language offers, turned into plain
//! declarations once the declarations it reads are checked. Nothing here reports a diagnostic or
//! reads YAML; every function builds model values from checked model values.
//!
//! - The lifecycle becomes an enum type of its states ([`lifecycle_enum`]).
//! - `profiles:` becomes the synthesized unions `JobInputs` and `JobOutputs`
//!   ([`insert_profile_unions`]), one variant per profile naming a record under `inputs`
//!   (`outputs`), tagged [`PROFILE_TAG`], fields copied from the record.
//! - A profile's `bindings:` become rules ([`binding_rule`]), inserted after the hand-written
//!   rules of the file that declares the profiles ([`insert_binding_rules`]).
//!
//! The driver runs each lowering right after the checks of what it reads, and before the checks
//! that read what it builds: a field typed by the lifecycle needs its enum to check its default,
//! and a rule's path may walk into `job_inputs`, so the enum and the unions are lowered before
//! `defaults` and `rules:` are checked; binding rules are lowered last.

use super::source::Source;
use crate::model::{
    BindingKind, Clause, Condition, EnumValue, Field, FieldPath, Lifecycle, Location, Meta,
    Profile, ProfileBinding, Rule, TypeDef, TypeKind, TypeRef, Union, Variant,
};

/// Name of the union the loader synthesizes from the profiles' `inputs`.
pub(super) const JOB_INPUTS: &str = "JobInputs";
/// Name of the union the loader synthesizes from the profiles' `outputs`.
pub(super) const JOB_OUTPUTS: &str = "JobOutputs";
/// Tag property of both synthesized unions (`JobInputs`, `JobOutputs`); its values are the
/// profile names.
pub(super) const PROFILE_TAG: &str = "profile";
/// The enum whose values are the job kinds; every value is bound to exactly one profile.
pub(super) const JOB_KIND: &str = "JobKind";
/// The string type of the profile ids jobs carry (`AiJob.profile_id`).
pub(super) const PROFILE_ID: &str = "ProfileId";
/// The union whose variants are the operations; every variant is claimed by exactly one profile.
pub(super) const PLANNED_OPERATION: &str = "PlannedOperation";
/// The error a target returns for a transition the lifecycle does not allow: two fields of the
/// lifecycle's state type, the current state then the requested one (checked by
/// `check_lifecycle_errors`).
pub(super) const ILLEGAL_TRANSITION: &str = "IllegalTransition";
/// The error a target returns for leaving a terminal state, when the spec declares it: one field
/// of the lifecycle's state type.
pub(super) const TERMINAL_STATE: &str = "TerminalState";

/// One union the loader synthesizes from a record-valued profile key.
pub(super) struct Synthesized {
    /// The profile key naming each profile's record (`inputs`, `outputs`).
    pub(super) key: &'static str,
    /// The record a profile names under `key`, if any.
    record_of: fn(&Profile) -> Option<&String>,
    /// The union's type name.
    pub(super) union: &'static str,
    /// Its clause(s).
    clause: &'static [&'static str],
    /// Its one-line description.
    description: &'static str,
    /// Why it is synthesized and what its variants hold.
    decision: &'static str,
}

/// The synthesized unions, in the order they are inserted into the spec's types.
pub(super) const SYNTHESIZED: [Synthesized; 2] = [
    Synthesized {
        key: "inputs",
        record_of: |profile| profile.inputs.as_ref(),
        union: JOB_INPUTS,
        clause: &["§2.6.6.6.1", "§2.6.6.6.4"],
        description: "the profile-specific inputs of a job: one variant per profile that declares `inputs`, tagged with the profile name",
        decision: "Synthesized by the loader from `profiles:`, so a job's typed inputs and the profile registry can never disagree; the variant fields are the profile's input record's fields.",
    },
    Synthesized {
        key: "outputs",
        record_of: |profile| profile.outputs.as_ref(),
        union: JOB_OUTPUTS,
        clause: &["§2.6.6.6.1", "§2.5.10.3.1"],
        description: "the profile-specific outputs of a job: one variant per profile that declares `outputs`, tagged with the profile name",
        decision: "Synthesized by the loader from `profiles:` exactly like `JobInputs`, so a job's typed outputs and the profile registry can never disagree; the variant fields are the profile's output record's fields.",
    },
];

/// The enum type of the lifecycle's states: a root type named like the lifecycle, one value per
/// state, with the lifecycle's and the states' metadata.
pub(super) fn lifecycle_enum(lifecycle: &Lifecycle) -> TypeDef {
    TypeDef {
        name: lifecycle.name.clone(),
        meta: lifecycle.meta.clone(),
        root: true,
        kind: TypeKind::Enum(
            lifecycle
                .states
                .iter()
                .map(|state| EnumValue {
                    name: state.name.clone(),
                    meta: state.meta.clone(),
                })
                .collect(),
        ),
    }
}

/// Inserts each synthesized union that pass A declared (at `declared_at`, in [`SYNTHESIZED`]
/// order) into `types` at `position` (after the types of the first file with `profiles:`), one
/// after the other.
pub(super) fn insert_profile_unions(
    types: &mut Vec<TypeDef>,
    profiles: &[Profile],
    position: usize,
    declared_at: [Option<Location>; 2],
) {
    let mut position = position.min(types.len());
    for (synthesized, location) in SYNTHESIZED.iter().zip(declared_at) {
        let Some(location) = location else {
            continue;
        };
        let union = profile_union(synthesized, profiles, types, location);
        types.insert(position, union);
        position += 1;
    }
}

/// A synthesized union (`JobInputs`, `JobOutputs`): one variant per profile that names a record
/// under the union's key, in profile order, whose fields are that record's fields and whose
/// meta is the profile's.
fn profile_union(
    synthesized: &Synthesized,
    profiles: &[Profile],
    types: &[TypeDef],
    location: Location,
) -> TypeDef {
    let variants = profiles
        .iter()
        .filter_map(|profile| {
            let name = (synthesized.record_of)(profile)?;
            let record = types.iter().find(|t| &t.name == name)?;
            let TypeKind::Record(record) = &record.kind else {
                return None;
            };
            Some(Variant {
                name: profile.name.clone(),
                fields: record.fields.clone(),
                meta: profile.meta.clone(),
            })
        })
        .collect();
    TypeDef {
        name: synthesized.union.to_string(),
        meta: Meta {
            clause: Clause(synthesized.clause.iter().map(|c| c.to_string()).collect()),
            description: synthesized.description.into(),
            decision: Some(synthesized.decision.into()),
            location,
        },
        root: true,
        kind: TypeKind::Union(Union {
            tag: PROFILE_TAG.to_string(),
            variants,
        }),
    }
}

/// The type of the field a binding of `kind` constrains on the job record.
pub(super) fn bound_type(kind: BindingKind) -> TypeRef {
    match kind {
        BindingKind::Inputs => TypeRef::Named(JOB_INPUTS.into()),
        BindingKind::Outputs => TypeRef::Named(JOB_OUTPUTS.into()),
        BindingKind::Operations => {
            TypeRef::List(Box::new(TypeRef::Named(PLANNED_OPERATION.into())))
        }
        BindingKind::ProfileId => TypeRef::Named(PROFILE_ID.into()),
    }
}

/// The name of the rule a binding of `kind` of profile `profile` writes.
pub(super) fn binding_rule_name(profile: &str, kind: BindingKind) -> String {
    match kind {
        BindingKind::Inputs => format!("{profile}_kinds_carry_{profile}_inputs"),
        BindingKind::Outputs => format!("{profile}_kinds_carry_{profile}_outputs"),
        BindingKind::Operations => format!("{profile}_kinds_plan_{profile}_operations"),
        BindingKind::ProfileId => format!("{profile}_kinds_carry_{profile}_profile_id"),
    }
}

/// A checked binding: the one record it is written on, with that record's `JobKind` field and
/// the field the binding constrains.
pub(super) struct BindingTarget<'t> {
    /// The job record.
    pub(super) record: &'t TypeDef,
    /// Its `JobKind` field.
    pub(super) kind_field: &'t Field,
    /// Its field of the binding's [`bound_type`].
    pub(super) bound_field: &'t Field,
}

/// The rule one binding writes:
///
/// - `inputs`: `{p}_kinds_carry_{p}_inputs` — when `job_inputs` is present and `job_kind` is
///   one of the profile's kinds, `job_inputs.profile` equals the profile's name.
/// - `operations`: `{p}_kinds_plan_{p}_operations` — when `job_kind` is one of the profile's
///   kinds, the `op` of each planned operation is one of the profile's operations.
/// - `outputs`: `{p}_kinds_carry_{p}_outputs` — as `inputs`, for `job_outputs`.
/// - `profile_id`: `{p}_kinds_carry_{p}_profile_id` — when `job_kind` is one of the profile's
///   kinds and `profile_id` a registered id (`registered_ids`), `profile_id` equals the
///   profile's id.
pub(super) fn binding_rule(
    profile: &Profile,
    binding: &ProfileBinding,
    target: &BindingTarget<'_>,
    types: &[TypeDef],
    registered_ids: &[String],
) -> Rule {
    let name = &profile.name;
    let field = |path: &str| FieldPath::fields(&[path]);
    let strings = |items: &[String]| {
        items
            .iter()
            .map(|item| serde_json::Value::String(item.clone()))
            .collect::<Vec<_>>()
    };
    let bound = &target.bound_field.name;
    let kinds = Condition::OneOf {
        path: field(&target.kind_field.name),
        values: strings(&profile.job_kinds),
    };
    let (message, when, require, first_clause, description) = match binding.kind {
        BindingKind::Inputs | BindingKind::Outputs => {
            // One shape for both synthesized unions: the key names the record and the rule.
            let (key, record) = match binding.kind {
                BindingKind::Inputs => ("inputs", &profile.inputs),
                _ => ("outputs", &profile.outputs),
            };
            let record_clause = record
                .as_ref()
                .and_then(|record| types.iter().find(|t| &t.name == record))
                .map_or_else(
                    || profile.meta.clause.primary().to_string(),
                    |t| t.meta.clause.primary().to_string(),
                );
            (
                format!("a {name} job may only carry {name} {key}"),
                Condition::All(vec![Condition::Present(field(bound)), kinds]),
                Condition::Equals {
                    path: FieldPath::fields(&[bound.as_str(), PROFILE_TAG]),
                    value: serde_json::Value::String(name.clone()),
                },
                record_clause,
                format!(
                    "the job kinds bound to the {name} profile carry that profile's {key}, never another profile's"
                ),
            )
        }
        BindingKind::Operations => {
            let tag = types
                .iter()
                .find_map(|t| match &t.kind {
                    TypeKind::Union(union) if t.name == PLANNED_OPERATION => {
                        Some(union.tag.clone())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| "op".to_string());
            (
                format!("a {name} job may only plan {name} operations"),
                kinds,
                Condition::Each {
                    path: field(bound),
                    condition: Box::new(Condition::OneOf {
                        path: field(&tag),
                        values: strings(&profile.operations),
                    }),
                },
                profile.meta.clause.primary().to_string(),
                format!(
                    "the job kinds bound to the {name} profile plan only the operations that profile specialises"
                ),
            )
        }
        BindingKind::ProfileId => {
            // Only registered ids: an unknown id is the `in_registry` rule's to report, so a
            // job names one fault once.
            let registered = Condition::OneOf {
                path: field(bound),
                values: strings(registered_ids),
            };
            (
                format!("a {name} job must carry profile_id {}", profile.profile_id),
                Condition::All(vec![kinds, registered]),
                Condition::Equals {
                    path: field(bound),
                    value: serde_json::Value::String(profile.profile_id.clone()),
                },
                "§2.6.6.2.2".to_string(),
                format!(
                    "the job kinds bound to the {name} profile name that profile in profile_id, the profile that bundles their capabilities, validation and provenance"
                ),
            )
        }
    };
    Rule {
        name: binding_rule_name(name, binding.kind),
        code: binding.code.clone(),
        on: target.record.name.clone(),
        when: Some(when),
        require,
        message,
        meta: Meta {
            clause: Clause(vec![first_clause, "§2.6.6.6.1".to_string()]),
            description,
            decision: None,
            location: binding.location.clone(),
        },
        registry: true,
    }
}

/// Inserts the rules bindings wrote, in profile order and [`BindingKind`] order, right after the
/// hand-written rules of the file that declares the profiles (`profiles_file`), so a spec that
/// moves a rule into a binding keeps its order.
pub(super) fn insert_binding_rules(
    rules: &mut Vec<Rule>,
    written: Vec<Rule>,
    profiles_file: &str,
    source: &Source,
) {
    let limit = source.file_index(profiles_file);
    let position = rules
        .iter()
        .rposition(|rule| source.file_index(&rule.meta.location.file) <= limit)
        .map_or(0, |index| index + 1);
    rules.splice(position..position, written);
}
