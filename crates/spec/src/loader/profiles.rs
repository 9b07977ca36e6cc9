//! `profiles:` (§2.6.6.6): pass A declares the synthesized `JobInputs` and `JobOutputs` unions,
//! pass B reads each profile, and a pass-C step checks its references once every type is known
//! and builds the unions (one variant per profile with `inputs`, resp. `outputs`, tag `profile`,
//! fields copied from the record). Both unions come from one code path ([`SYNTHESIZED`]).
//!
//! Operations: every entry of a profile's `operations:` is a variant of the `PlannedOperation`
//! union, and once any profile lists operations, every variant is claimed by exactly one profile.
//!
//! Bindings: a profile's `bindings:` names the codes of rules the loader writes from the
//! declaration ([`Loader::profile_rules`]), so no rule repeats a profile's job kinds by hand.

use super::*;
use crate::model::{
    BindingKind, Condition, FieldPath, Profile, ProfileBinding, Rule, StatusMapping,
};

/// Name of the union the loader synthesizes from the profiles' `inputs`.
pub(crate) const JOB_INPUTS: &str = "JobInputs";
/// Name of the union the loader synthesizes from the profiles' `outputs`.
pub(crate) const JOB_OUTPUTS: &str = "JobOutputs";
/// Tag property of both synthesized unions (`JobInputs`, `JobOutputs`); its values are the profile names.
pub(crate) const PROFILE_TAG: &str = "profile";

/// One union the loader synthesizes from a record-valued profile key.
struct Synthesized {
    /// The profile key naming each profile's record (`inputs`, `outputs`).
    key: &'static str,
    /// The record a profile names under `key`, if any.
    record_of: fn(&Profile) -> Option<&String>,
    /// The union's type name.
    union: &'static str,
    /// Its clause(s).
    clause: &'static [&'static str],
    /// Its one-line description.
    description: &'static str,
    /// Why it is synthesized and what its variants hold.
    decision: &'static str,
}

/// The synthesized unions, in the order they are inserted into the spec's types.
const SYNTHESIZED: [Synthesized; 2] = [
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

/// The enum whose values are the job kinds; every value is bound to exactly one profile.
const JOB_KIND: &str = "JobKind";
/// The string type of the profile ids jobs carry (`AiJob.profile_id`).
const PROFILE_ID: &str = "ProfileId";
/// The union whose variants are the operations; every variant is claimed by exactly one profile.
pub(crate) const PLANNED_OPERATION: &str = "PlannedOperation";
/// The capability id form of §11.1.3.1 (`axis` or `axis:scope`), used when the spec declares no
/// `CapabilityId` string type of its own.
const CAPABILITY_PATTERN: &str = r"^[a-z][a-z0-9_.-]*(:[a-z0-9_.*/-]+)?$";

const PROFILE_KEYS: &[&str] = &[
    "profile_id",
    "job_kinds",
    "inputs",
    "outputs",
    "operations",
    "bindings",
    "capabilities",
    "validation_plan",
    "provenance_plan",
    "statuses",
    "future",
    "clause",
    "description",
    "decision",
];
const STATUS_KEYS: &[&str] = &["state", "clause", "description", "decision"];

/// Everything `profiles:` sections contribute, collected across files.
#[derive(Default)]
pub(super) struct ProfileState {
    /// Profiles read in pass B, waiting for the pass-C checks.
    pending: Vec<PendingProfile>,
    /// Index in the spec's type list where `JobInputs` goes (after the first profiles file's
    /// types); `JobOutputs` follows it.
    position: Option<usize>,
    /// Where each synthesized union is declared (the first `profiles` key with a profile that
    /// has its key), in [`SYNTHESIZED`] order.
    declared_at: [Option<At>; 2],
    /// Every profile's wire id, in profile order, once the profiles are finished: the values an
    /// `in_registry: profile_id` comparison of a rule accepts.
    pub(super) registered_ids: Vec<String>,
}

/// A profile read in pass B, with the locations its later checks report at.
struct PendingProfile {
    profile: Profile,
    profile_id_node: Option<Node>,
    job_kinds: Vec<(String, At)>,
    inputs_at: Option<At>,
    outputs_at: Option<At>,
    operations: Vec<(String, At)>,
    /// Per binding: its kind, the code and where the code is.
    bindings: Vec<(BindingKind, String, At)>,
    capabilities: Vec<(String, At)>,
    validation_plan: Option<Node>,
    provenance_plan: Option<Node>,
    /// Per status mapping, where its `state` value is.
    state_at: Vec<At>,
}

impl Loader {
    /// Pass A: declare `JobInputs` (`JobOutputs`) when some profile in this file has `inputs`
    /// (`outputs`).
    pub(super) fn declare_job_inputs(&mut self, root: &MarkedMappingNode) {
        let Some((key, Node::Mapping(profiles))) = root.get_key_value("profiles") else {
            return;
        };
        for (index, synthesized) in SYNTHESIZED.iter().enumerate() {
            let has_key = profiles.values().any(|profile| {
                profile
                    .as_mapping()
                    .is_some_and(|map| map.get_node(synthesized.key).is_some())
            });
            if !has_key || self.profile_state.declared_at[index].is_some() {
                continue;
            }
            let (union, profile_key) = (synthesized.union, synthesized.key);
            let at = self.at_scalar(key);
            if let Some(first) = self.declared.get(union) {
                let first = first.at.0.clone();
                self.report(
                    "S1010",
                    at.clone(),
                    format!("a type named `{union}` is declared, but `profiles:` synthesizes it"),
                    format!("profiles with `{profile_key}` build `{union}` here"),
                    Some(format!(
                        "remove or rename the type declared at {first}; `{union}` gets one variant per profile with `{profile_key}`"
                    )),
                );
            } else {
                self.declared.insert(
                    union.to_string(),
                    Declared {
                        kind: Some("union".to_string()),
                        at: at.clone(),
                    },
                );
            }
            self.profile_state.declared_at[index] = Some(at);
        }
    }

    /// Pass B: read the `profiles:` section of one file; `position` is where its types end.
    pub(super) fn profiles_section(&mut self, root: &MarkedMappingNode, position: usize) {
        let Some(node) = root.get_node("profiles") else {
            return;
        };
        let Some(map) = self.expect_map(node, "`profiles`") else {
            return;
        };
        if self.profile_state.position.is_none() {
            self.profile_state.position = Some(position);
        }
        for (key, value) in map.iter() {
            if let Some(pending) = self.profile(key, value) {
                self.profile_state.pending.push(pending);
            }
        }
    }

    fn profile(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<PendingProfile> {
        let name = self.name(key, NameKind::Variant);
        let owner = self.at_scalar(key);
        let what = format!("profile `{name}`");
        let map = self.expect_map(node, &what)?;
        self.check_keys(map, PROFILE_KEYS, &what);
        let meta = self.meta(map, &owner, &what);
        let profile_id_node = self.require(map, "profile_id", &owner, &what).cloned();
        let profile_id = profile_id_node
            .as_ref()
            .and_then(|n| self.text(n, "`profile_id`"))
            .unwrap_or_default();
        let job_kinds = match self.require(map, "job_kinds", &owner, &what) {
            Some(n) => self.names_list(n, "`job_kinds`"),
            None => Vec::new(),
        };
        let reference = |this: &mut Self, key: &str| {
            let node = map.get_node(key)?;
            let scalar = this.expect_scalar(node, &format!("`{key}`"))?;
            Some((scalar.as_str().to_string(), this.at_scalar(scalar)))
        };
        let inputs = reference(self, "inputs");
        let outputs = reference(self, "outputs");
        let operations = match map.get_node("operations") {
            Some(n) => self.names_list(n, "`operations`"),
            None => Vec::new(),
        };
        let capabilities = match map.get_node("capabilities") {
            Some(n) => self.names_list(n, "`capabilities`"),
            None => Vec::new(),
        };
        let bindings = match map.get_node("bindings") {
            Some(n) => self.bindings(n, &what),
            None => Vec::new(),
        };
        let future = match map.get_node("future") {
            Some(n) => self.boolean(n, "`future`").unwrap_or(false),
            None => false,
        };
        let mut statuses = Vec::new();
        let mut state_at = Vec::new();
        if let Some(node) = map.get_node("statuses")
            && let Some(status_map) = self.expect_map(node, "`statuses`")
        {
            for (status_key, status_node) in status_map.iter() {
                let status = self.name(status_key, NameKind::State);
                let status_owner = self.at_scalar(status_key);
                let status_what = format!("status `{status}` of {what}");
                let Some(status_fields) = self.expect_map(status_node, &status_what) else {
                    continue;
                };
                self.check_keys(status_fields, STATUS_KEYS, &status_what);
                let status_meta = self.meta(status_fields, &status_owner, &status_what);
                let Some(state_node) =
                    self.require(status_fields, "state", &status_owner, &status_what)
                else {
                    continue;
                };
                let Some(state) = self.text(state_node, "`state`") else {
                    continue;
                };
                state_at.push(self.at_node(state_node));
                statuses.push(StatusMapping {
                    status,
                    state,
                    meta: status_meta,
                });
            }
        }
        Some(PendingProfile {
            profile: Profile {
                name,
                profile_id,
                job_kinds: job_kinds.iter().map(|(k, _)| k.clone()).collect(),
                inputs: inputs.as_ref().map(|(n, _)| n.clone()),
                outputs: outputs.as_ref().map(|(n, _)| n.clone()),
                operations: operations.iter().map(|(o, _)| o.clone()).collect(),
                bindings: Vec::new(),
                capabilities: capabilities.iter().map(|(c, _)| c.clone()).collect(),
                validation_plan: None,
                provenance_plan: None,
                statuses,
                future,
                meta,
            },
            profile_id_node,
            job_kinds,
            inputs_at: inputs.map(|(_, at)| at),
            outputs_at: outputs.map(|(_, at)| at),
            operations,
            bindings,
            capabilities,
            validation_plan: map.get_node("validation_plan").cloned(),
            provenance_plan: map.get_node("provenance_plan").cloned(),
            state_at,
        })
    }

    /// `bindings:` of one profile: a mapping from binding kind to rule code, in
    /// [`BindingKind::ALL`] order whatever the YAML order.
    fn bindings(&mut self, node: &Node, what: &str) -> Vec<(BindingKind, String, At)> {
        let Some(map) = self.expect_map(node, &format!("`bindings` of {what}")) else {
            return Vec::new();
        };
        let keys: Vec<&str> = BindingKind::ALL.iter().map(|k| k.key()).collect();
        self.check_keys(map, &keys, &format!("`bindings` of {what}"));
        let mut out = Vec::new();
        for kind in BindingKind::ALL {
            let Some(value) = map.get_node(kind.key()) else {
                continue;
            };
            let Some(scalar) = self.expect_scalar(value, &format!("`bindings.{}`", kind.key()))
            else {
                continue;
            };
            let code = scalar.as_str().to_string();
            let at = self.at_scalar(scalar);
            if !super::errors::is_error_code(&code) {
                self.report(
                    "S1013",
                    at,
                    format!(
                        "binding `{}` of {what} names `{}`, which is not a rule code",
                        kind.key(),
                        code.escape_debug()
                    ),
                    "expected `^[A-Z]+(-[A-Z0-9]+)+$`",
                    Some(
                        "write the code of the rule the loader writes, e.g. `HSK-RULE-PRF-002`"
                            .into(),
                    ),
                );
                continue;
            }
            out.push((kind, code, at));
        }
        out
    }

    /// A list of plain values with their locations.
    fn names_list(&mut self, node: &Node, what: &str) -> Vec<(String, At)> {
        let Some(seq) = self.expect_seq(node, what) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in seq.iter() {
            if let Some(text) = self.text(item, &format!("an entry of {what}")) {
                out.push((text, self.at_node(item)));
            }
        }
        out
    }

    /// Pass C: check every profile against the assembled types and lifecycle, then insert the
    /// synthesized `JobInputs` and `JobOutputs` unions. Runs after defaults are resolved, so the
    /// copied fields keep them.
    pub(super) fn finish_profiles(
        &mut self,
        types: &mut Vec<TypeDef>,
        lifecycle: Option<&Lifecycle>,
    ) -> Vec<Profile> {
        let state = std::mem::take(&mut self.profile_state);
        let mut profiles = Vec::new();
        let mut profile_ids: BTreeMap<String, Location> = BTreeMap::new();
        let mut names: BTreeMap<String, Location> = BTreeMap::new();
        let mut bound: BTreeMap<String, (String, Location)> = BTreeMap::new();
        let job_kind_values: Option<Vec<EnumValue>> = types
            .iter()
            .find(|t| t.name == JOB_KIND)
            .and_then(|t| match &t.kind {
                TypeKind::Enum(values) => Some(values.clone()),
                _ => None,
            });
        let mut job_kind_reported = false;
        let planned: Option<Vec<Variant>> = types
            .iter()
            .find(|t| t.name == PLANNED_OPERATION)
            .and_then(|t| match &t.kind {
                TypeKind::Union(union) => Some(union.variants.clone()),
                _ => None,
            });
        // Which profile claims each `PlannedOperation` variant, and where.
        let mut claimed: BTreeMap<String, (String, Location)> = BTreeMap::new();
        let mut operations_declared = false;
        let mut planned_reported = false;
        for pending in state.pending {
            let PendingProfile {
                mut profile,
                profile_id_node,
                job_kinds,
                inputs_at,
                outputs_at,
                operations,
                bindings,
                capabilities,
                validation_plan,
                provenance_plan,
                state_at,
            } = pending;
            let location = profile.meta.location.clone();
            let what = format!("profile `{}`", profile.name);

            if let Some(first) = names.get(&profile.name) {
                let first = first.clone();
                self.report(
                    "S1002",
                    (location.clone(), profile.name.chars().count()),
                    format!("profile `{}` is declared twice", profile.name),
                    "declared again here",
                    Some(format!("first declared at {first}; profile names are the tags of `JobInputs` and must be unique")),
                );
            } else {
                names.insert(profile.name.clone(), location.clone());
            }

            if let Some(node) = &profile_id_node {
                self.check_profile_id(node, &profile, types, &mut profile_ids);
            }

            match &job_kind_values {
                None if !job_kinds.is_empty() && !job_kind_reported => {
                    job_kind_reported = true;
                    let at = job_kinds[0].1.clone();
                    self.report(
                        "S1003",
                        at,
                        format!("`job_kinds` of {what} need a `{JOB_KIND}` enum"),
                        "no enum to check against",
                        Some(format!("declare `{JOB_KIND}` with `kind: enum`, one value per job kind the spec names")),
                    );
                }
                None => {}
                Some(values) => {
                    for (kind, at) in &job_kinds {
                        if !values.iter().any(|v| &v.name == kind) {
                            let help = did_you_mean(kind, values.iter().map(|v| v.name.as_str()))
                                .unwrap_or_else(|| {
                                    format!("add `{kind}` to the values of `{JOB_KIND}`")
                                });
                            self.report(
                                "S1003",
                                at.clone(),
                                format!(
                                    "job kind `{}` of {what} is not a value of `{JOB_KIND}`",
                                    kind.escape_debug()
                                ),
                                "unknown job kind",
                                Some(help),
                            );
                            continue;
                        }
                        if let Some((owner, first)) = bound.get(kind) {
                            let (owner, first) = (owner.clone(), first.clone());
                            self.report(
                                "S1004",
                                at.clone(),
                                format!("job kind `{kind}` is bound to profile `{owner}` and again to `{}`", profile.name),
                                "bound a second time",
                                Some(format!("first bound at {first}; every job kind belongs to exactly one profile")),
                            );
                        } else {
                            bound.insert(kind.clone(), (profile.name.clone(), at.0.clone()));
                        }
                    }
                }
            }

            for (key, reference, at) in [
                ("inputs", &profile.inputs, &inputs_at),
                ("outputs", &profile.outputs, &outputs_at),
            ] {
                let (Some(name), Some(at)) = (reference, at) else {
                    continue;
                };
                self.check_profile_record(key, name, at, &profile.name, types);
            }

            operations_declared |= !operations.is_empty();
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            for (operation, at) in &operations {
                if !seen.insert(operation) {
                    self.report(
                        "S1009",
                        at.clone(),
                        format!("operation `{operation}` is listed twice in {what}"),
                        "listed again",
                        Some("list each operation once".into()),
                    );
                    continue;
                }
                let Some(variants) = &planned else {
                    if !planned_reported {
                        planned_reported = true;
                        self.report(
                            "S1011",
                            at.clone(),
                            format!("operations of {what} need a `{PLANNED_OPERATION}` union"),
                            "no union to check against",
                            Some(format!("declare `{PLANNED_OPERATION}` with `kind: union` and one variant per operation")),
                        );
                    }
                    continue;
                };
                if !variants.iter().any(|v| &v.name == operation) {
                    let help = did_you_mean(operation, variants.iter().map(|v| v.name.as_str()))
                        .unwrap_or_else(|| {
                            format!("declare `{}` as a variant of `{PLANNED_OPERATION}` with the operation's typed arguments", names::to_snake_case(operation))
                        });
                    self.report(
                        "S1011",
                        at.clone(),
                        format!(
                            "operation `{}` of {what} is not a variant of `{PLANNED_OPERATION}`",
                            operation.escape_debug()
                        ),
                        "unknown operation",
                        Some(help),
                    );
                    continue;
                }
                if let Some((owner, first)) = claimed.get(operation) {
                    let (owner, first) = (owner.clone(), first.clone());
                    self.report(
                        "S1012",
                        at.clone(),
                        format!("operation `{operation}` is claimed by profile `{owner}` and again by `{}`", profile.name),
                        "claimed a second time",
                        Some(format!("first claimed at {first}; every `{PLANNED_OPERATION}` variant belongs to exactly one profile")),
                    );
                } else {
                    claimed.insert(operation.clone(), (profile.name.clone(), at.0.clone()));
                }
            }

            for (kind, code, at) in bindings {
                let missing = match kind {
                    BindingKind::Inputs if profile.inputs.is_none() => Some("`inputs`"),
                    BindingKind::Operations if operations.is_empty() => Some("`operations`"),
                    BindingKind::Outputs if profile.outputs.is_none() => Some("`outputs`"),
                    _ => None,
                };
                if let Some(missing) = missing {
                    self.report(
                        "S1013",
                        at,
                        format!("binding `{}` of {what} has nothing to bind: the profile declares no {missing}", kind.key()),
                        "nothing to bind",
                        Some(format!("declare {missing} on the profile, or remove the binding")),
                    );
                    continue;
                }
                profile.bindings.push(ProfileBinding {
                    kind,
                    code,
                    location: at.0,
                });
            }

            let capability_type = types.iter().find_map(|t| match &t.kind {
                TypeKind::String(constraints) if t.name == "CapabilityId" => {
                    Some(constraints.clone())
                }
                _ => None,
            });
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            for (capability, at) in &capabilities {
                if !seen.insert(capability) {
                    self.report(
                        "S1009",
                        at.clone(),
                        format!("capability `{capability}` is listed twice in {what}"),
                        "listed again",
                        Some("list each capability once".into()),
                    );
                    continue;
                }
                let problem = match &capability_type {
                    Some(constraints) => string_problem(constraints, capability),
                    None if crate::pattern::matches(CAPABILITY_PATTERN, capability)
                        == Some(false) =>
                    {
                        Some(format!("it does not match `{CAPABILITY_PATTERN}`"))
                    }
                    None => None,
                };
                if let Some(problem) = problem {
                    self.report(
                        "S1008",
                        at.clone(),
                        format!("capability `{}` of {what} is not a capability id: {problem}", capability.escape_debug()),
                        "not `axis` or `axis:scope`",
                        Some("write capabilities in the §11.1.3 form, e.g. `doc.read` or `fs.read:inputs`".into()),
                    );
                }
            }

            profile.validation_plan = validation_plan.and_then(|node| {
                self.profile_plan(&node, "validation_plan", "ValidationPlan", &what, types)
            });
            profile.provenance_plan = provenance_plan.and_then(|node| {
                self.profile_plan(&node, "provenance_plan", "ProvenancePlan", &what, types)
            });

            if let Some(lifecycle) = lifecycle {
                for (mapping, at) in profile.statuses.iter().zip(state_at) {
                    if lifecycle.states.iter().any(|s| s.name == mapping.state) {
                        continue;
                    }
                    let help = did_you_mean(
                        &mapping.state,
                        lifecycle.states.iter().map(|s| s.name.as_str()),
                    )
                    .unwrap_or_else(|| {
                        format!(
                            "states of `{}`: {}",
                            lifecycle.name,
                            lifecycle
                                .states
                                .iter()
                                .map(|s| format!("`{}`", s.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                    self.report(
                        "S1006",
                        at,
                        format!("status `{}` of {what} maps onto `{}`, which is not a state of the lifecycle", mapping.status, mapping.state.escape_debug()),
                        "undeclared state",
                        Some(help),
                    );
                }
            }
            profiles.push(profile);
        }

        if operations_declared && let Some(variants) = &planned {
            for variant in variants {
                if !claimed.contains_key(&variant.name) {
                    self.report(
                        "S1012",
                        (variant.meta.location.clone(), variant.name.chars().count()),
                        format!("`{PLANNED_OPERATION}` variant `{}` is claimed by no profile", variant.name),
                        "unclaimed operation",
                        Some("add it to the `operations` of the profile that plans it; every variant belongs to exactly one profile".into()),
                    );
                }
            }
        }

        if !profiles.is_empty()
            && let Some(values) = &job_kind_values
        {
            for value in values {
                if !bound.contains_key(&value.name) {
                    self.report(
                        "S1004",
                        (value.meta.location.clone(), value.name.chars().count()),
                        format!("job kind `{}` is bound to no profile", value.name),
                        "unbound job kind",
                        Some("add it to the `job_kinds` of the profile that runs it; every job kind belongs to exactly one profile".into()),
                    );
                }
            }
        }

        if let Some(position) = state.position {
            let mut position = position.min(types.len());
            for (synthesized, declared_at) in SYNTHESIZED.iter().zip(state.declared_at) {
                let Some(at) = declared_at else {
                    continue;
                };
                if self
                    .declared
                    .get(synthesized.union)
                    .is_some_and(|d| d.at == at)
                {
                    let union = profile_union(synthesized, &profiles, types, at.0.clone());
                    types.insert(position, union);
                    position += 1;
                }
            }
        }
        self.profile_state.registered_ids = profiles.iter().map(|p| p.profile_id.clone()).collect();
        profiles
    }

    /// Pass C, after `rules:`: writes the rule of every profile binding and inserts them, in
    /// profile order and [`BindingKind`] order, right after the hand-written rules of the file
    /// that declares the profiles (so a spec that moves a rule into a binding keeps its order).
    ///
    /// - `inputs`: `{p}_kinds_carry_{p}_inputs` — when `job_inputs` is present and `job_kind` is
    ///   one of the profile's kinds, `job_inputs.profile` equals the profile's name.
    /// - `operations`: `{p}_kinds_plan_{p}_operations` — when `job_kind` is one of the profile's
    ///   kinds, the `op` of each planned operation is one of the profile's operations.
    /// - `outputs`: `{p}_kinds_carry_{p}_outputs` — as `inputs`, for `job_outputs`.
    /// - `profile_id`: `{p}_kinds_carry_{p}_profile_id` — when `job_kind` is one of the profile's
    ///   kinds and `profile_id` a registered id, `profile_id` equals the profile's id.
    ///
    /// Each is on the one record with a `JobKind` field and a `JobInputs` field (resp. a
    /// `[PlannedOperation]` field, a `JobOutputs` field).
    pub(super) fn profile_rules(
        &mut self,
        profiles: &[Profile],
        types: &[TypeDef],
        rules: &mut Vec<Rule>,
    ) {
        let mut written = Vec::new();
        let mut codes: BTreeMap<String, Location> = rules
            .iter()
            .map(|r| (r.code.clone(), r.meta.location.clone()))
            .collect();
        for (code, at) in &self.error_codes {
            codes.entry(code.clone()).or_insert_with(|| at.0.clone());
        }
        let names: BTreeSet<String> = rules.iter().map(|r| r.name.clone()).collect();
        for profile in profiles {
            for binding in &profile.bindings {
                let at = (binding.location.clone(), binding.code.chars().count());
                let Some(rule) = self.binding_rule(profile, binding, types, &at) else {
                    continue;
                };
                if let Some(first) = codes.get(&rule.code) {
                    let first = first.clone();
                    self.report(
                        "S1013",
                        at,
                        format!("binding `{}` of profile `{}` reuses rule code `{}`", binding.kind.key(), profile.name, rule.code),
                        "already used",
                        Some(format!("first used at {first}; codes are stable and never shared — pick a new one")),
                    );
                    continue;
                }
                if names.contains(&rule.name) {
                    self.report(
                        "S1013",
                        at,
                        format!("binding `{}` of profile `{}` writes rule `{}`, which `rules:` already declares", binding.kind.key(), profile.name, rule.name),
                        "rule name taken",
                        Some(format!("remove the hand-written rule `{}`; the binding writes it", rule.name)),
                    );
                    continue;
                }
                codes.insert(rule.code.clone(), binding.location.clone());
                written.push(rule);
            }
        }
        let Some(file) = profiles.first().map(|p| p.meta.location.file.clone()) else {
            return;
        };
        let file_index = |name: &str| self.files.iter().position(|f| f == name);
        let limit = file_index(&file);
        let position = rules
            .iter()
            .rposition(|rule| file_index(&rule.meta.location.file) <= limit)
            .map_or(0, |index| index + 1);
        rules.splice(position..position, written);
    }

    /// The rule one binding writes, or `None` (reported) when no record can carry it.
    fn binding_rule(
        &mut self,
        profile: &Profile,
        binding: &ProfileBinding,
        types: &[TypeDef],
        at: &At,
    ) -> Option<Rule> {
        let bound_type = match binding.kind {
            BindingKind::Inputs => TypeRef::Named(JOB_INPUTS.into()),
            BindingKind::Outputs => TypeRef::Named(JOB_OUTPUTS.into()),
            BindingKind::Operations => {
                TypeRef::List(Box::new(TypeRef::Named(PLANNED_OPERATION.into())))
            }
            BindingKind::ProfileId => TypeRef::Named(PROFILE_ID.into()),
        };
        let kind_type = TypeRef::Named(JOB_KIND.into());
        let candidates: Vec<(&TypeDef, &Field, &Field)> = types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeKind::Record(record) => {
                    let kind = record.fields.iter().find(|f| f.ty == kind_type)?;
                    let bound = record.fields.iter().find(|f| f.ty == bound_type)?;
                    Some((t, kind, bound))
                }
                _ => None,
            })
            .collect();
        let [(record, kind_field, bound_field)] = candidates[..] else {
            let found = if candidates.is_empty() {
                "no record has".to_string()
            } else {
                format!(
                    "{} records have ({})",
                    candidates.len(),
                    candidates
                        .iter()
                        .map(|(t, _, _)| format!("`{}`", t.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.report(
                "S1013",
                at.clone(),
                format!(
                    "binding `{}` of profile `{}` needs one record with a `{JOB_KIND}` field and a `{bound_type}` field, but {found} both",
                    binding.kind.key(),
                    profile.name
                ),
                "no record to write the rule on",
                Some(format!("declare exactly one record (the job) with a `{JOB_KIND}` field and a `{bound_type}` field")),
            );
            return None;
        };
        let name = &profile.name;
        let field = |path: &str| FieldPath::fields(&[path]);
        let strings = |items: &[String]| {
            items
                .iter()
                .map(|item| serde_json::Value::String(item.clone()))
                .collect::<Vec<_>>()
        };
        let kinds = Condition::OneOf {
            path: field(&kind_field.name),
            values: strings(&profile.job_kinds),
        };
        let (rule_name, message, when, require, first_clause, description) = match binding.kind {
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
                    format!("{name}_kinds_carry_{name}_{key}"),
                    format!("a {name} job may only carry {name} {key}"),
                    Condition::All(vec![Condition::Present(field(&bound_field.name)), kinds]),
                    Condition::Equals {
                        path: FieldPath::fields(&[bound_field.name.as_str(), PROFILE_TAG]),
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
                    format!("{name}_kinds_plan_{name}_operations"),
                    format!("a {name} job may only plan {name} operations"),
                    kinds,
                    Condition::Each {
                        path: field(&bound_field.name),
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
                    path: field(&bound_field.name),
                    values: strings(&self.profile_state.registered_ids),
                };
                (
                    format!("{name}_kinds_carry_{name}_profile_id"),
                    format!("a {name} job must carry profile_id {}", profile.profile_id),
                    Condition::All(vec![kinds, registered]),
                    Condition::Equals {
                        path: field(&bound_field.name),
                        value: serde_json::Value::String(profile.profile_id.clone()),
                    },
                    "§2.6.6.2.2".to_string(),
                    format!(
                        "the job kinds bound to the {name} profile name that profile in profile_id, the profile that bundles their capabilities, validation and provenance"
                    ),
                )
            }
        };
        Some(Rule {
            name: rule_name,
            code: binding.code.clone(),
            on: record.name.clone(),
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
        })
    }

    fn check_profile_id(
        &mut self,
        node: &Node,
        profile: &Profile,
        types: &[TypeDef],
        seen: &mut BTreeMap<String, Location>,
    ) {
        let at = self.at_node(node);
        if types.iter().any(|t| t.name == "ProfileId")
            && let Err((_, problem)) =
                self.default_value(node, &TypeRef::Named("ProfileId".into()), types, 0)
        {
            self.report(
                "S1001",
                at.clone(),
                format!(
                    "`profile_id` of profile `{}` is not a `ProfileId`: {problem}",
                    profile.name
                ),
                "invalid profile id",
                Some("write the wire id jobs carry, e.g. `docs_sheets_ai_v0.5`".into()),
            );
        }
        if profile.profile_id.is_empty() {
            return;
        }
        if let Some(first) = seen.get(&profile.profile_id) {
            let first = first.clone();
            self.report(
                "S1002",
                at,
                format!(
                    "profile id `{}` is used by two profiles",
                    profile.profile_id
                ),
                "used again here",
                Some(format!(
                    "first used at {first}; a job's `profile_id` must name one profile"
                )),
            );
        } else {
            seen.insert(profile.profile_id.clone(), at.0);
        }
    }

    fn check_profile_record(
        &mut self,
        key: &str,
        name: &str,
        at: &At,
        profile: &str,
        types: &[TypeDef],
    ) {
        match types.iter().find(|t| t.name == name).map(|t| &t.kind) {
            Some(TypeKind::Record(record)) => {
                let union = SYNTHESIZED
                    .iter()
                    .find(|s| s.key == key)
                    .map_or(JOB_INPUTS, |s| s.union);
                if let Some(field) = record.fields.iter().find(|f| f.name == PROFILE_TAG) {
                    self.report(
                        "S1005",
                        at.clone(),
                        format!("`{key}` of profile `{profile}` is `{name}`, whose field `{}` clashes with the tag of `{union}`", field.name),
                        "field clashes with the tag",
                        Some(format!("rename the field; on the wire `{PROFILE_TAG}` holds the profile name")),
                    );
                }
            }
            found => {
                let records = types
                    .iter()
                    .filter(|t| matches!(t.kind, TypeKind::Record(_)))
                    .map(|t| t.name.as_str());
                let help = did_you_mean(name, records)
                    .unwrap_or_else(|| format!("declare `{name}` as a `kind: record` type"));
                let why = if found.is_some() {
                    "not a record"
                } else {
                    "not declared"
                };
                self.report(
                    "S1005",
                    at.clone(),
                    format!(
                        "`{key}` of profile `{profile}` names `{}`, which is {why}",
                        name.escape_debug()
                    ),
                    why,
                    Some(help),
                );
            }
        }
    }

    fn profile_plan(
        &mut self,
        node: &Node,
        key: &str,
        type_name: &str,
        what: &str,
        types: &[TypeDef],
    ) -> Option<serde_json::Value> {
        if !types.iter().any(|t| t.name == type_name) {
            let at = self.at_node(node);
            self.report(
                "S1007",
                at,
                format!("`{key}` of {what} needs a `{type_name}` type to check against"),
                "no such type",
                Some(format!(
                    "declare `{type_name}` as a record, or remove `{key}`"
                )),
            );
            return None;
        }
        match self.default_value(node, &TypeRef::Named(type_name.into()), types, 0) {
            Ok(value) => Some(value),
            Err((at, problem)) => {
                self.report(
                    "S1007",
                    at,
                    format!("`{key}` of {what} is not a `{type_name}`: {problem}"),
                    "wrong plan",
                    Some(format!(
                        "write a `{type_name}` value (mappings for records, lists for `[T]`)"
                    )),
                );
                None
            }
        }
    }
}

/// Why `text` is not a value of a string type with these constraints, if it is not.
fn string_problem(constraints: &StringConstraints, text: &str) -> Option<String> {
    let length = text.chars().count() as u64;
    if constraints.min_length.is_some_and(|min| length < min)
        || constraints.max_length.is_some_and(|max| length > max)
    {
        return Some("it violates the length bounds of `CapabilityId`".into());
    }
    match &constraints.pattern {
        Some(pattern) if crate::pattern::matches(pattern, text) == Some(false) => {
            Some(format!("it does not match `{pattern}`"))
        }
        _ => None,
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
