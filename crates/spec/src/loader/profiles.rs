//! `profiles:` (§2.6.6.6): pass A declares the synthesized `JobInputs` union, pass B reads each
//! profile, and a pass-C step checks its references once every type is known and builds the
//! union (one variant per profile with `inputs`, tag `profile`, fields copied from the record).
//!
//! Operations: a name that is a variant of the `PlannedOperation` union is a typed operation;
//! any other snake_case name is an operation the profile defines, carried on the wire by the
//! `profile_operation` variant (which names the profile and the operation).

use super::*;
use crate::model::{Profile, StatusMapping};

/// Name of the union the loader synthesizes from the profiles' `inputs`.
pub(crate) const JOB_INPUTS: &str = "JobInputs";
/// Tag property of the synthesized union; its values are the profile names.
pub(crate) const JOB_INPUTS_TAG: &str = "profile";
/// The enum whose values are the job kinds; every value is bound to exactly one profile.
const JOB_KIND: &str = "JobKind";
/// The capability id form of §11.1.3.1 (`axis` or `axis:scope`), used when the spec declares no
/// `CapabilityId` string type of its own.
const CAPABILITY_PATTERN: &str = r"^[a-z][a-z0-9_.-]*(:[a-z0-9_.*/-]+)?$";

const PROFILE_KEYS: &[&str] = &[
    "profile_id",
    "job_kinds",
    "inputs",
    "outputs",
    "operations",
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
    /// Index in the spec's type list where `JobInputs` goes (after the first profiles file's types).
    position: Option<usize>,
    /// Where `JobInputs` is declared (the first `profiles` key with an `inputs` profile).
    job_inputs_at: Option<At>,
}

/// A profile read in pass B, with the locations its later checks report at.
struct PendingProfile {
    profile: Profile,
    profile_id_node: Option<Node>,
    job_kinds: Vec<(String, At)>,
    inputs_at: Option<At>,
    outputs_at: Option<At>,
    operations: Vec<(String, At)>,
    capabilities: Vec<(String, At)>,
    validation_plan: Option<Node>,
    provenance_plan: Option<Node>,
    /// Per status mapping, where its `state` value is.
    state_at: Vec<At>,
}

impl Loader {
    /// Pass A: declare `JobInputs` when some profile in this file has `inputs`.
    pub(super) fn declare_job_inputs(&mut self, root: &MarkedMappingNode) {
        let Some((key, Node::Mapping(profiles))) = root.get_key_value("profiles") else {
            return;
        };
        let has_inputs = profiles.values().any(|profile| {
            profile
                .as_mapping()
                .is_some_and(|map| map.get_node("inputs").is_some())
        });
        if !has_inputs || self.profile_state.job_inputs_at.is_some() {
            return;
        }
        let at = self.at_scalar(key);
        if let Some(first) = self.declared.get(JOB_INPUTS) {
            let first = first.at.0.clone();
            self.report(
                "S1010",
                at.clone(),
                format!("a type named `{JOB_INPUTS}` is declared, but `profiles:` synthesizes it"),
                "profiles with `inputs` build `JobInputs` here",
                Some(format!(
                    "remove or rename the type declared at {first}; `{JOB_INPUTS}` gets one variant per profile with `inputs`"
                )),
            );
        } else {
            self.declared.insert(
                JOB_INPUTS.to_string(),
                Declared {
                    kind: Some("union".to_string()),
                    at: at.clone(),
                },
            );
        }
        self.profile_state.job_inputs_at = Some(at);
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
            capabilities,
            validation_plan: map.get_node("validation_plan").cloned(),
            provenance_plan: map.get_node("provenance_plan").cloned(),
            state_at,
        })
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
    /// synthesized `JobInputs` union. Runs after defaults are resolved, so the copied fields keep them.
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
        for pending in state.pending {
            let PendingProfile {
                mut profile,
                profile_id_node,
                job_kinds,
                inputs_at,
                outputs_at,
                operations,
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

            let variants: Vec<&str> = types
                .iter()
                .find(|t| t.name == "PlannedOperation")
                .map(|t| match &t.kind {
                    TypeKind::Union(union) => {
                        union.variants.iter().map(|v| v.name.as_str()).collect()
                    }
                    _ => Vec::new(),
                })
                .unwrap_or_default();
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
                } else if !variants.contains(&operation.as_str())
                    && !names::is_snake_case(operation)
                {
                    self.report(
                        "S1009",
                        at.clone(),
                        format!("operation `{}` of {what} is neither a `PlannedOperation` variant nor a snake_case name", operation.escape_debug()),
                        "invalid operation name",
                        Some(format!("write it in snake_case, e.g. `{}`; names that are not `PlannedOperation` variants travel in its `profile_operation` variant", names::to_snake_case(operation))),
                    );
                }
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

        if let (Some(at), Some(position)) = (state.job_inputs_at, state.position)
            && self.declared.get(JOB_INPUTS).is_some_and(|d| d.at == at)
        {
            let union = job_inputs(&profiles, types, at.0.clone());
            types.insert(position.min(types.len()), union);
        }
        profiles
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
                if key == "inputs"
                    && let Some(field) = record.fields.iter().find(|f| f.name == JOB_INPUTS_TAG)
                {
                    self.report(
                        "S1005",
                        at.clone(),
                        format!("`inputs` of profile `{profile}` is `{name}`, whose field `{}` clashes with the tag of `{JOB_INPUTS}`", field.name),
                        "field clashes with the tag",
                        Some(format!("rename the field; on the wire `{JOB_INPUTS_TAG}` holds the profile name")),
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

/// The `JobInputs` union: one variant per profile with `inputs`, in profile order, whose fields
/// are the input record's fields and whose meta is the profile's.
fn job_inputs(profiles: &[Profile], types: &[TypeDef], location: Location) -> TypeDef {
    let variants = profiles
        .iter()
        .filter_map(|profile| {
            let record = types
                .iter()
                .find(|t| Some(&t.name) == profile.inputs.as_ref())?;
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
        name: JOB_INPUTS.to_string(),
        meta: Meta {
            clause: Clause(vec!["§2.6.6.6.1".into(), "§2.6.6.6.4".into()]),
            description: "the profile-specific inputs of a job: one variant per profile that declares `inputs`, tagged with the profile name".into(),
            decision: Some("Synthesized by the loader from `profiles:`, so a job's typed inputs and the profile registry can never disagree; the variant fields are the profile's input record's fields.".into()),
            location,
        },
        root: true,
        kind: TypeKind::Union(Union {
            tag: JOB_INPUTS_TAG.to_string(),
            variants,
        }),
    }
}
