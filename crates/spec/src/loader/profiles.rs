//! `profiles:` (§2.6.6.6): pass B reads each profile; a pass-C step checks its references once
//! every type is known. The unions the profiles declare (`JobInputs`, `JobOutputs`) and the rules
//! their bindings write are built by the lowering stage ([`super::lower`]) from what these checks
//! accept.
//!
//! Operations: every entry of a profile's `operations:` is a variant of the `PlannedOperation`
//! union, and once any profile lists operations, every variant is claimed by exactly one profile.
//!
//! Bindings: a profile's `bindings:` names the codes of rules the loader writes from the
//! declaration ([`Reader::check_bindings`]), so no rule repeats a profile's job kinds by hand.

use std::collections::{BTreeMap, BTreeSet};

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::errors::is_error_code;
use super::lower::{
    self, BindingTarget, JOB_INPUTS, JOB_KIND, PLANNED_OPERATION, PROFILE_ID, PROFILE_TAG,
    SYNTHESIZED,
};
use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::{
    BindingKind, EnumValue, Lifecycle, Location, Profile, ProfileBinding, Rule, StatusMapping,
    StringConstraints, TypeDef, TypeKind, TypeRef, Variant,
};
use crate::names::{self, NameKind};
use crate::suggest::{did_you_mean, did_you_mean_or_list, quoted};

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
pub(in crate::loader) struct ProfileState {
    /// Profiles read in pass B, waiting for the pass-C checks.
    pending: Vec<PendingProfile>,
    /// Index in the spec's type list where `JobInputs` goes (after the first profiles file's
    /// types); `JobOutputs` follows it.
    pub(super) position: Option<usize>,
    /// Every profile's wire id, in profile order, once the profiles are finished: the values an
    /// `in_registry: profile_id` comparison of a rule accepts.
    pub(super) registered_ids: Vec<String>,
}

/// The types of the Handshake domain that profiles are checked against, if the spec declares them.
struct DomainTypes {
    /// The values of the `JobKind` enum.
    job_kinds: Option<Vec<EnumValue>>,
    /// The variants of the `PlannedOperation` union.
    planned_operations: Option<Vec<Variant>>,
    /// The constraints of the `CapabilityId` string type.
    capability_id: Option<StringConstraints>,
}

impl DomainTypes {
    fn of(types: &[TypeDef]) -> DomainTypes {
        let kind_of = |name: &str| types.iter().find(|t| t.name == name).map(|t| &t.kind);
        DomainTypes {
            job_kinds: match kind_of(JOB_KIND) {
                Some(TypeKind::Enum(values)) => Some(values.clone()),
                _ => None,
            },
            planned_operations: match kind_of(PLANNED_OPERATION) {
                Some(TypeKind::Union(union)) => Some(union.variants.clone()),
                _ => None,
            },
            capability_id: types.iter().find_map(|t| match &t.kind {
                TypeKind::String(constraints) if t.name == "CapabilityId" => {
                    Some(constraints.clone())
                }
                _ => None,
            }),
        }
    }
}

/// What the profiles checked so far have taken, for the duplicate and coverage checks.
#[derive(Default)]
struct Registry {
    /// Where each profile name is first declared.
    names: BTreeMap<String, Location>,
    /// Where each profile id is first used.
    profile_ids: BTreeMap<String, Location>,
    /// The job kinds bound to profiles.
    job_kinds: Claims,
    /// The `PlannedOperation` variants claimed by profiles.
    operations: Claims,
    /// Whether any profile lists operations (then every variant must be claimed).
    operations_declared: bool,
}

/// What the profiles claimed of one registry type (`JobKind` or `PlannedOperation`).
#[derive(Default)]
struct Claims {
    /// Which profile claims each name, and where.
    taken: BTreeMap<String, (String, Location)>,
    /// A missing registry type is reported once.
    reported: bool,
}

/// The profile that claims job kinds or operations, by name and as reports name it.
struct Claimant<'a> {
    profile: &'a str,
    what: &'a str,
}

/// The members of a registry type: each name, and where it is declared.
type Members<'d> = Vec<(&'d str, &'d Location)>;

/// How the checks of one kind of claim word their reports (§2.6.6.6: every job kind is bound to
/// exactly one profile, every planned operation claimed by exactly one).
struct ClaimWording {
    /// What is claimed, e.g. `job kind`.
    noun: &'static str,
    /// What it must be of the registry, e.g. `value`.
    member: &'static str,
    /// The type that lists what can be claimed, e.g. `JobKind`.
    registry: &'static str,
    /// Its kind, e.g. `enum`.
    kind: &'static str,
    /// The verb, e.g. `bound` (to a profile).
    participle: &'static str,
    /// `to` or `by`.
    preposition: &'static str,
    /// What belongs to exactly one profile, as the reports say it.
    belonging: &'static str,
    /// The profile key that lists the claims, e.g. `job_kinds`.
    list: &'static str,
    /// What a profile does with what it claims, e.g. `runs`.
    user: &'static str,
    /// The help for an unknown name with no near match.
    otherwise: fn(&str) -> String,
    /// The members of the registry type (name, where declared); `None` when the spec lacks it.
    members: for<'d> fn(&'d DomainTypes) -> Option<Members<'d>>,
    /// The code of an unknown name.
    unknown: Code,
    /// The code of a name claimed twice.
    coverage: Code,
}

const JOB_KIND_CLAIM: ClaimWording = ClaimWording {
    noun: "job kind",
    member: "value",
    registry: JOB_KIND,
    kind: "enum",
    participle: "bound",
    preposition: "to",
    belonging: "job kind",
    list: "job_kinds",
    user: "runs",
    otherwise: |kind| format!("add `{kind}` to the values of `{JOB_KIND}`"),
    members: |domain| {
        let values = domain.job_kinds.as_ref()?;
        Some(
            values
                .iter()
                .map(|v| (v.name.as_str(), &v.meta.location))
                .collect(),
        )
    },
    unknown: Code::UnknownJobKind,
    coverage: Code::JobKindCoverage,
};

const OPERATION_CLAIM: ClaimWording = ClaimWording {
    noun: "operation",
    member: "variant",
    registry: PLANNED_OPERATION,
    kind: "union",
    participle: "claimed",
    preposition: "by",
    belonging: "`PlannedOperation` variant",
    list: "operations",
    user: "plans",
    otherwise: |operation| {
        format!(
            "declare `{}` as a variant of `{PLANNED_OPERATION}` with the operation's typed arguments",
            names::to_snake_case(operation)
        )
    },
    members: |domain| {
        let variants = domain.planned_operations.as_ref()?;
        Some(
            variants
                .iter()
                .map(|v| (v.name.as_str(), &v.meta.location))
                .collect(),
        )
    },
    unknown: Code::UnknownOperation,
    coverage: Code::OperationCoverage,
};

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

impl Reader<'_> {
    /// Pass B: read the `profiles:` section of one file; `position` is where its types end.
    pub(super) fn profiles_section(&mut self, root: &MarkedMappingNode, position: usize) {
        let Some(node) = root.get_node("profiles") else {
            return;
        };
        let Some(map) = self.expect_map(node, "`profiles`") else {
            return;
        };
        if self.pending.profiles.position.is_none() {
            self.pending.profiles.position = Some(position);
        }
        for (key, value) in map.iter() {
            if let Some(pending) = self.profile(key, value) {
                self.pending.profiles.pending.push(pending);
            }
        }
    }

    fn profile(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<PendingProfile> {
        let name = self.name(key, NameKind::Variant);
        let owner = self.source.at_scalar(key);
        let what = format!("profile `{name}`");
        let map = self.expect_keys(node, &what, PROFILE_KEYS)?;
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
            Some((scalar.as_str().to_string(), this.source.at_scalar(scalar)))
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
            for entry in status_map.iter() {
                let status_what = |status: &str| format!("status `{status}` of {what}");
                let Some(status) = self.entry(entry, NameKind::State, status_what, STATUS_KEYS)
                else {
                    continue;
                };
                let Some(state_node) = self.require(status.map, "state", &status.at, &status.what)
                else {
                    continue;
                };
                let Some(state) = self.text(state_node, "`state`") else {
                    continue;
                };
                state_at.push(self.source.at_node(state_node));
                statuses.push(StatusMapping {
                    status: status.name,
                    state,
                    meta: status.meta,
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
            let at = self.source.at_scalar(scalar);
            if !is_error_code(&code) {
                self.sink.report(
                    Code::InvalidBinding,
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
                out.push((text, self.source.at_node(item)));
            }
        }
        out
    }

    /// Pass C: checks every profile read in pass B against the assembled types and lifecycle,
    /// and returns the profiles (their `bindings` only those with something to bind). Runs after
    /// defaults are resolved; the lowering stage then builds `JobInputs` and `JobOutputs` from
    /// the result.
    pub(super) fn check_profiles(
        &mut self,
        types: &[TypeDef],
        lifecycle: Option<&Lifecycle>,
    ) -> Vec<Profile> {
        let pending = std::mem::take(&mut self.pending.profiles.pending);
        let domain = DomainTypes::of(types);
        let mut registry = Registry::default();
        let mut profiles = Vec::new();
        for pending in pending {
            let profile = self.check_profile(pending, types, lifecycle, &domain, &mut registry);
            profiles.push(profile);
        }
        // Once any profile lists operations, every `PlannedOperation` variant is claimed; once
        // there are profiles, every `JobKind` value is bound.
        if registry.operations_declared {
            self.unclaimed(&OPERATION_CLAIM, &domain, &registry.operations);
        }
        if !profiles.is_empty() {
            self.unclaimed(&JOB_KIND_CLAIM, &domain, &registry.job_kinds);
        }
        self.pending.profiles.registered_ids =
            profiles.iter().map(|p| p.profile_id.clone()).collect();
        profiles
    }

    /// Every check of one profile, in the order its diagnostics were always reported.
    fn check_profile(
        &mut self,
        pending: PendingProfile,
        types: &[TypeDef],
        lifecycle: Option<&Lifecycle>,
        domain: &DomainTypes,
        registry: &mut Registry,
    ) -> Profile {
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

        if let Some(first) = registry.names.get(&profile.name) {
            let first = first.clone();
            self.sink.report(
                Code::DuplicateProfile,
                (location.clone(), profile.name.chars().count()),
                format!("profile `{}` is declared twice", profile.name),
                "declared again here",
                Some(format!("first declared at {first}; profile names are the tags of `JobInputs` and must be unique")),
            );
        } else {
            registry.names.insert(profile.name.clone(), location);
        }

        if let Some(node) = &profile_id_node {
            self.check_profile_id(node, &profile, types, &mut registry.profile_ids);
        }
        let claimant = Claimant {
            profile: &profile.name,
            what: &what,
        };
        let job_kinds: Vec<&(String, At)> = job_kinds.iter().collect();
        let claims = &mut registry.job_kinds;
        self.claim_all(&JOB_KIND_CLAIM, &job_kinds, &claimant, domain, claims);
        for (key, reference, at) in [
            ("inputs", &profile.inputs, &inputs_at),
            ("outputs", &profile.outputs, &outputs_at),
        ] {
            let (Some(name), Some(at)) = (reference, at) else {
                continue;
            };
            self.check_profile_record(key, name, at, &profile.name, types);
        }
        // Each operation is listed once, is a variant of `PlannedOperation`, and is claimed by
        // no other profile.
        registry.operations_declared |= !operations.is_empty();
        let listed = self.listed_once(&operations, "operation", &what);
        let claims = &mut registry.operations;
        self.claim_all(&OPERATION_CLAIM, &listed, &claimant, domain, claims);
        profile.bindings =
            self.bindings_with_something_to_bind(bindings, &profile, &operations, &what);
        self.check_capabilities(&capabilities, &what, domain);
        profile.validation_plan = validation_plan.and_then(|node| {
            self.profile_plan(&node, "validation_plan", "ValidationPlan", &what, types)
        });
        profile.provenance_plan = provenance_plan.and_then(|node| {
            self.profile_plan(&node, "provenance_plan", "ProvenancePlan", &what, types)
        });
        if let Some(lifecycle) = lifecycle {
            self.check_statuses(&profile, state_at, &what, lifecycle);
        }
        profile
    }

    /// Claims `entries` (name, where listed) for `claimant`: each must be a member of the
    /// registry type (a spec without that type is reported once, at the first entry), and
    /// claimed by no other profile in `claims`.
    fn claim_all(
        &mut self,
        wording: &ClaimWording,
        entries: &[&(String, At)],
        claimant: &Claimant<'_>,
        domain: &DomainTypes,
        claims: &mut Claims,
    ) {
        let ClaimWording {
            noun,
            member,
            registry,
            kind,
            list,
            ..
        } = *wording;
        let Some(members) = (wording.members)(domain) else {
            if let Some((_, at)) = entries.first()
                && !claims.reported
            {
                claims.reported = true;
                self.sink.report(
                    wording.unknown,
                    at.clone(),
                    format!("`{list}` of {} need a `{registry}` {kind}", claimant.what),
                    format!("no {kind} to check against"),
                    Some(format!("declare `{registry}` with `kind: {kind}`, one {member} per {noun} the spec names")),
                );
            }
            return;
        };
        let known: Vec<&str> = members.iter().map(|(name, _)| *name).collect();
        for (name, at) in entries {
            self.claim(wording, name, at, claimant, &known, &mut claims.taken);
        }
    }

    /// Claims `name` (listed at `at`) for `claimant`: it must be one of `known`, and not yet in
    /// `taken` (what other profiles claimed); `wording` says which registry this is.
    fn claim(
        &mut self,
        wording: &ClaimWording,
        name: &str,
        at: &At,
        claimant: &Claimant<'_>,
        known: &[&str],
        taken: &mut BTreeMap<String, (String, Location)>,
    ) {
        let Claimant { profile, what } = *claimant;
        let ClaimWording {
            noun,
            member,
            registry,
            participle,
            preposition,
            belonging,
            ..
        } = *wording;
        if !known.contains(&name) {
            let help = did_you_mean(name, known.iter().copied())
                .unwrap_or_else(|| (wording.otherwise)(name));
            self.sink.report(
                wording.unknown,
                at.clone(),
                format!(
                    "{noun} `{}` of {what} is not a {member} of `{registry}`",
                    name.escape_debug()
                ),
                format!("unknown {noun}"),
                Some(help),
            );
            return;
        }
        if let Some((owner, first)) = taken.get(name) {
            let (owner, first) = (owner.clone(), first.clone());
            self.sink.report(
                wording.coverage,
                at.clone(),
                format!(
                    "{noun} `{name}` is {participle} {preposition} profile `{owner}` and again {preposition} `{profile}`"
                ),
                format!("{participle} a second time"),
                Some(format!(
                    "first {participle} at {first}; every {belonging} belongs to exactly one profile"
                )),
            );
        } else {
            taken.insert(name.to_string(), (profile.to_string(), at.0.clone()));
        }
    }

    /// The bindings whose profile declares what they bind (`inputs`, `operations`, `outputs`);
    /// the others are reported.
    fn bindings_with_something_to_bind(
        &mut self,
        bindings: Vec<(BindingKind, String, At)>,
        profile: &Profile,
        operations: &[(String, At)],
        what: &str,
    ) -> Vec<ProfileBinding> {
        let mut kept = Vec::new();
        for (kind, code, at) in bindings {
            let missing = match kind {
                BindingKind::Inputs if profile.inputs.is_none() => Some("`inputs`"),
                BindingKind::Operations if operations.is_empty() => Some("`operations`"),
                BindingKind::Outputs if profile.outputs.is_none() => Some("`outputs`"),
                _ => None,
            };
            if let Some(missing) = missing {
                self.sink.report(
                    Code::InvalidBinding,
                    at,
                    format!("binding `{}` of {what} has nothing to bind: the profile declares no {missing}", kind.key()),
                    "nothing to bind",
                    Some(format!("declare {missing} on the profile, or remove the binding")),
                );
                continue;
            }
            kept.push(ProfileBinding {
                kind,
                code,
                location: at.0,
            });
        }
        kept
    }

    /// Each capability is listed once and is a capability id (the `CapabilityId` type's, or the
    /// §11.1.3.1 form).
    fn check_capabilities(
        &mut self,
        capabilities: &[(String, At)],
        what: &str,
        domain: &DomainTypes,
    ) {
        for (capability, at) in self.listed_once(capabilities, "capability", what) {
            let problem = match &domain.capability_id {
                Some(constraints) => string_problem(constraints, capability),
                None if crate::pattern::matches(CAPABILITY_PATTERN, capability) == Some(false) => {
                    Some(format!("it does not match `{CAPABILITY_PATTERN}`"))
                }
                None => None,
            };
            if let Some(problem) = problem {
                self.sink.report(
                    Code::InvalidCapability,
                    at.clone(),
                    format!("capability `{}` of {what} is not a capability id: {problem}", capability.escape_debug()),
                    "not `axis` or `axis:scope`",
                    Some("write capabilities in the §11.1.3 form, e.g. `doc.read` or `fs.read:inputs`".into()),
                );
            }
        }
    }

    /// The `entries` of a profile's list of `noun`s, each the first time it is listed; a repeat
    /// is reported and left out.
    fn listed_once<'e>(
        &mut self,
        entries: &'e [(String, At)],
        noun: &str,
        what: &str,
    ) -> Vec<&'e (String, At)> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut first = Vec::new();
        for entry @ (name, at) in entries {
            if seen.insert(name) {
                first.push(entry);
                continue;
            }
            self.sink.report(
                Code::DuplicateProfileEntry,
                at.clone(),
                format!("{noun} `{name}` is listed twice in {what}"),
                "listed again",
                Some(format!("list each {noun} once")),
            );
        }
        first
    }

    /// Each status maps onto a state the lifecycle declares.
    fn check_statuses(
        &mut self,
        profile: &Profile,
        state_at: Vec<At>,
        what: &str,
        lifecycle: &Lifecycle,
    ) {
        for (mapping, at) in profile.statuses.iter().zip(state_at) {
            if lifecycle.states.iter().any(|s| s.name == mapping.state) {
                continue;
            }
            let states: Vec<&str> = lifecycle.states.iter().map(|s| s.name.as_str()).collect();
            let intro = format!("states of `{}`", lifecycle.name);
            let help = did_you_mean_or_list(&mapping.state, &states, &intro);
            self.sink.report(
                Code::UnknownProfileState,
                at,
                format!(
                    "status `{}` of {what} maps onto `{}`, which is not a state of the lifecycle",
                    mapping.status,
                    mapping.state.escape_debug()
                ),
                "undeclared state",
                Some(help),
            );
        }
    }

    /// Reports each member of the registry type that no profile claimed in `claims`.
    fn unclaimed(&mut self, wording: &ClaimWording, domain: &DomainTypes, claims: &Claims) {
        let ClaimWording {
            noun,
            participle,
            preposition,
            belonging,
            list,
            user,
            coverage,
            ..
        } = *wording;
        let members = (wording.members)(domain).unwrap_or_default();
        for (name, location) in members {
            if claims.taken.contains_key(name) {
                continue;
            }
            self.sink.report(
                coverage,
                (location.clone(), name.chars().count()),
                format!("{belonging} `{name}` is {participle} {preposition} no profile"),
                format!("un{participle} {noun}"),
                Some(format!("add it to the `{list}` of the profile that {user} it; every {belonging} belongs to exactly one profile")),
            );
        }
    }

    /// Pass C, after `rules:`: checks every profile binding (one record to write it on, a code
    /// and a rule name no rule or error uses yet) and returns the rules the accepted ones write
    /// (built by [`lower::binding_rule`]), in profile order and [`BindingKind`] order.
    ///
    /// Each is on the one record with a `JobKind` field and a `JobInputs` field (resp. a
    /// `[PlannedOperation]` field, a `JobOutputs` field, a `ProfileId` field).
    pub(super) fn check_bindings(
        &mut self,
        profiles: &[Profile],
        types: &[TypeDef],
        rules: &[Rule],
    ) -> Vec<Rule> {
        let mut written = Vec::new();
        let mut codes: BTreeMap<String, Location> = rules
            .iter()
            .map(|r| (r.code.clone(), r.meta.location.clone()))
            .collect();
        for (code, at) in &self.pending.error_codes {
            codes.entry(code.clone()).or_insert_with(|| at.0.clone());
        }
        let names: BTreeSet<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        for profile in profiles {
            for binding in &profile.bindings {
                let at = (binding.location.clone(), binding.code.chars().count());
                let Some(target) = self.binding_target(profile, binding, types, &at) else {
                    continue;
                };
                if let Some(first) = codes.get(&binding.code) {
                    let first = first.clone();
                    let message = format!(
                        "binding `{}` of profile `{}` reuses rule code `{}`",
                        binding.kind.key(),
                        profile.name,
                        binding.code
                    );
                    self.reused_code(Code::InvalidBinding, at, message, &first);
                    continue;
                }
                let rule_name = lower::binding_rule_name(&profile.name, binding.kind);
                if names.contains(rule_name.as_str()) {
                    self.sink.report(
                        Code::InvalidBinding,
                        at,
                        format!("binding `{}` of profile `{}` writes rule `{rule_name}`, which `rules:` already declares", binding.kind.key(), profile.name),
                        "rule name taken",
                        Some(format!("remove the hand-written rule `{rule_name}`; the binding writes it")),
                    );
                    continue;
                }
                codes.insert(binding.code.clone(), binding.location.clone());
                let registered = &self.pending.profiles.registered_ids;
                written.push(lower::binding_rule(
                    profile, binding, &target, types, registered,
                ));
            }
        }
        written
    }

    /// The one record a binding is written on, or `None` (reported) when no record, or more
    /// than one, has a `JobKind` field and a field of the binding's type.
    fn binding_target<'t>(
        &mut self,
        profile: &Profile,
        binding: &ProfileBinding,
        types: &'t [TypeDef],
        at: &At,
    ) -> Option<BindingTarget<'t>> {
        let bound_type = lower::bound_type(binding.kind);
        let kind_type = TypeRef::Named(JOB_KIND.into());
        let candidates: Vec<BindingTarget<'t>> = types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeKind::Record(record) => Some(BindingTarget {
                    record: t,
                    kind_field: record.fields.iter().find(|f| f.ty == kind_type)?,
                    bound_field: record.fields.iter().find(|f| f.ty == bound_type)?,
                }),
                _ => None,
            })
            .collect();
        let found = match candidates.len() {
            1 => return candidates.into_iter().next(),
            0 => "no record has".to_string(),
            count => format!(
                "{count} records have ({})",
                quoted(candidates.iter().map(|target| &target.record.name))
            ),
        };
        self.sink.report(
            Code::InvalidBinding,
            at.clone(),
            format!(
                "binding `{}` of profile `{}` needs one record with a `{JOB_KIND}` field and a `{bound_type}` field, but {found} both",
                binding.kind.key(),
                profile.name
            ),
            "no record to write the rule on",
            Some(format!("declare exactly one record (the job) with a `{JOB_KIND}` field and a `{bound_type}` field")),
        );
        None
    }

    fn check_profile_id(
        &mut self,
        node: &Node,
        profile: &Profile,
        types: &[TypeDef],
        seen: &mut BTreeMap<String, Location>,
    ) {
        let at = self.source.at_node(node);
        if types.iter().any(|t| t.name == PROFILE_ID)
            && let Err((_, problem)) =
                self.default_value(node, &TypeRef::Named(PROFILE_ID.into()), types, 0)
        {
            self.sink.report(
                Code::InvalidProfileId,
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
            self.sink.report(
                Code::DuplicateProfile,
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
                    self.sink.report(
                        Code::InvalidProfileRecord,
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
                self.sink.report(
                    Code::InvalidProfileRecord,
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
            let at = self.source.at_node(node);
            self.sink.report(
                Code::InvalidProfilePlan,
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
                self.sink.report(
                    Code::InvalidProfilePlan,
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
