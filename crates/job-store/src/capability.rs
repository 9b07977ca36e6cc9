//! Capabilities (§2.6.6.5.2, §11.1): the `CapabilityRegistry` of §11.1.3 and the policy trait the
//! store consults at the three enforcement points.
//!
//! The store asks the application's [`CapabilityPolicy`] for decisions at each enforcement point
//! (`before_queued`, `awaiting_validation`, `on_commit`, the values of the generated
//! [`ValidationPhase`]); it records every decision, allow or deny, as a Flight Recorder event and
//! appends it to the job's `capability_check_result`. [`ProfilePolicy`] is a ready policy over a
//! [`CapabilityRegistry`]: capability profiles are whitelists of registered ids, and requirements
//! say which capabilities a job needs at which point. [`ProfilePolicy::spec_default`] and
//! [`ProfilePolicy::spec_with_grants`] take the requirements from what each job profile declares
//! in the spec (`capabilities:` of `spec/profiles.yaml`, the generated registry).

use std::collections::{BTreeMap, BTreeSet};

use handshake_job_model::generated::profiles::PROFILES;
use handshake_job_model::{AiJob, CapabilityId, ModelError, ValidationPhase};

use crate::checks::Change;

/// The axes §11.1.3.1 makes mandatory.
pub const MANDATORY_AXES: [&str; 6] = [
    "fs.read",
    "fs.write",
    "proc.exec",
    "net.http",
    "device",
    "secrets.use",
];

/// The single source of truth for valid capability ids (§11.1, §11.1.3.2).
///
/// An id is `<axis>[:<scope>]`. It is valid when it is a registered full id, or when its axis is a
/// registered axis (with or without a scope). Anything else is `HSK-4001 UnknownCapability`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapabilityRegistry {
    valid_axes: BTreeSet<String>,
    valid_full_ids: BTreeSet<String>,
}

impl CapabilityRegistry {
    /// An empty registry: every id is unknown.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry with the mandatory axes of §11.1.3.1.
    pub fn with_mandatory_axes() -> Self {
        let mut registry = Self::new();
        for axis in MANDATORY_AXES {
            registry.register_axis(axis);
        }
        registry
    }

    /// Registers an axis: the axis alone and every `axis:scope` become valid.
    pub fn register_axis(&mut self, axis: &str) -> &mut Self {
        self.valid_axes.insert(axis.to_owned());
        self
    }

    /// Registers a full id that does not follow the axis pattern (e.g. `doc.summarize`).
    pub fn register_full_id(&mut self, id: &str) -> &mut Self {
        self.valid_full_ids.insert(id.to_owned());
        self
    }

    /// Whether `capability_id` is known (§11.1.3.2 `is_valid`).
    ///
    /// Decision: §11.1.3.2's sketch accepts an axis only through `axis:scope`; a bare registered
    /// axis is accepted too, since §11.1.3.1 makes axis-only grants meaningful ("implies access to
    /// ALL scopes") and a grant must itself be a valid id.
    pub fn is_valid(&self, capability_id: &str) -> bool {
        if self.valid_full_ids.contains(capability_id) || self.valid_axes.contains(capability_id) {
            return true;
        }
        match capability_id.split_once(':') {
            Some((axis, scope)) => !scope.is_empty() && self.valid_axes.contains(axis),
            None => false,
        }
    }

    /// `Ok(())` for a known id, `HSK-4001 UnknownCapability` otherwise (§11.1 hard invariant).
    pub fn check(&self, capability_id: &str) -> Result<(), ModelError> {
        if self.is_valid(capability_id) {
            Ok(())
        } else {
            Err(ModelError::UnknownCapability {
                capability_id: capability_id.to_owned(),
            })
        }
    }

    /// Whether `granted` covers `requested` (§11.1.3.1 scope resolution, §11.1.3.2 `can_perform`):
    /// an exact match, or an axis-only grant covering any scope of that axis. A scoped grant covers
    /// only its own scope. An unknown requested id is `HSK-4001`, never a silent `false`.
    pub fn can_perform<S: AsRef<str>>(
        &self,
        requested: &str,
        granted: &[S],
    ) -> Result<bool, ModelError> {
        self.check(requested)?;
        let axis = requested.split_once(':').map(|(axis, _)| axis);
        Ok(granted
            .iter()
            .map(AsRef::as_ref)
            .any(|grant| grant == requested || Some(grant) == axis))
    }
}

/// What the store asks the policy about.
#[derive(Debug, Clone, Copy)]
pub struct CapabilityRequest<'a> {
    /// The enforcement point (§2.6.6.5.2).
    pub point: ValidationPhase,
    /// The job as stored (on creation: as it is about to be stored).
    pub job: &'a AiJob,
    /// The changes about to be committed (`on_commit` only; empty otherwise).
    pub changes: &'a [Change],
}

/// One decision of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDecision {
    /// The capability decided on.
    pub capability_id: CapabilityId,
    /// `None` when allowed; the typed error (with its stable code) when denied.
    pub denial: Option<ModelError>,
    /// Why it was decided so.
    pub detail: Option<String>,
}

impl PolicyDecision {
    /// An allow decision.
    pub fn allow(capability_id: CapabilityId, detail: impl Into<String>) -> Self {
        Self {
            capability_id,
            denial: None,
            detail: Some(detail.into()),
        }
    }

    /// A deny decision with its typed error.
    pub fn deny(capability_id: CapabilityId, error: ModelError, detail: impl Into<String>) -> Self {
        Self {
            capability_id,
            denial: Some(error),
            detail: Some(detail.into()),
        }
    }
}

/// The application's capability policy, consulted at each enforcement point (§2.6.6.5.2).
///
/// The store records every returned decision; any denial refuses the step.
pub trait CapabilityPolicy: Send + Sync + 'static {
    /// The decisions for `request`, in the order taken. An empty list means nothing was required.
    fn evaluate(&self, request: &CapabilityRequest<'_>) -> Vec<PolicyDecision>;

    /// Whether the policy has anything to decide at `point`; when `false` the store skips loading
    /// the job for it. Defaults to `true`.
    fn applies_at(&self, point: ValidationPhase) -> bool {
        let _ = point;
        true
    }
}

/// A policy that requires no capability anywhere (every step passes, no decision is recorded).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRequirements;

impl CapabilityPolicy for NoRequirements {
    fn evaluate(&self, _request: &CapabilityRequest<'_>) -> Vec<PolicyDecision> {
        Vec::new()
    }

    fn applies_at(&self, _point: ValidationPhase) -> bool {
        false
    }
}

/// One requirement: a capability a job needs at an enforcement point, for one job kind or all.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    point: ValidationPhase,
    job_kind: Option<String>,
    capability: CapabilityId,
}

/// Where a [`ProfilePolicy`] takes a job's grants from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Grants {
    /// The capability profile named by the job's `capability_profile_id` (defined with
    /// [`ProfilePolicy::profile`]); an unknown id holds no grants.
    #[default]
    ByCapabilityProfile,
    /// What the job's own job profile declares (`ProfileDef::capabilities`).
    OwnJobProfile,
}

/// A [`CapabilityPolicy`] over a [`CapabilityRegistry`]: profiles are whitelists of registered ids
/// (§11.1 "Profile Schema"), requirements name what a job needs at each point.
///
/// A requirement is resolved against the registry when it is decided, so an id that is not (or no
/// longer) registered is denied with `HSK-4001` instead of being allowed by an old grant. A job
/// whose `capability_profile_id` names no profile holds no grants.
///
/// With [`ProfilePolicy::spec_default`] or [`ProfilePolicy::spec_with_grants`], the capabilities a
/// job profile declares in the spec are required of its jobs ([`spec_requirements`]).
#[derive(Debug, Clone, Default)]
pub struct ProfilePolicy {
    registry: CapabilityRegistry,
    profiles: BTreeMap<String, Vec<CapabilityId>>,
    requirements: Vec<Requirement>,
    /// Whether the job profile's declared capabilities are required (see [`spec_requirements`]).
    spec_requirements: bool,
    grants: Grants,
}

/// The capabilities the spec's job profile of `job` declares that it needs at `point`.
///
/// Decision (§2.6.6.5.2 names three enforcement points, §2.6.6.6.1 has each profile bundle its
/// capabilities, and the spec does not say which capability is checked where):
/// - **before `queued`**, the "basic capability check": every declared capability, since a job
///   its profile's capabilities do not cover cannot run at all;
/// - **at `awaiting_validation`**, the "full capability and policy check": every declared
///   capability again, because grants can change while the job runs;
/// - **on commit**, the "final verification" before writing: the declared write capabilities
///   (axis ending in `.write`), the ones a commit exercises.
pub fn spec_requirements(job: &AiJob, point: ValidationPhase) -> Vec<&'static str> {
    job.job_kind
        .profile()
        .capabilities
        .iter()
        .copied()
        .filter(|id| match point {
            ValidationPhase::OnCommit => axis_of(id).ends_with(".write"),
            _ => true,
        })
        .collect()
}

/// The axis of a capability id: the part before `:`, or the whole id.
fn axis_of(id: &str) -> &str {
    id.split_once(':').map_or(id, |(axis, _)| axis)
}

impl ProfilePolicy {
    /// A policy with no profiles and no requirements over `registry`.
    pub fn new(registry: CapabilityRegistry) -> Self {
        Self {
            registry,
            ..Self::default()
        }
    }

    /// The registry every spec profile needs: the mandatory axes of §11.1.3.1 and the axis of
    /// every capability any job profile declares.
    pub fn spec_registry() -> CapabilityRegistry {
        let mut registry = CapabilityRegistry::with_mandatory_axes();
        for profile in PROFILES {
            for id in profile.capabilities {
                registry.register_axis(axis_of(id));
            }
        }
        registry
    }

    /// The policy an operator gets with no policy file: the spec's requirements
    /// ([`spec_requirements`]) over [`ProfilePolicy::spec_registry`], and every job granted exactly
    /// what its own job profile declares. A well-formed job of any profile passes; what it is
    /// refused is a capability its profile does not declare, or one the registry does not know.
    pub fn spec_default() -> Self {
        Self {
            registry: Self::spec_registry(),
            spec_requirements: true,
            grants: Grants::OwnJobProfile,
            ..Self::default()
        }
    }

    /// The spec's requirements ([`spec_requirements`]) over [`ProfilePolicy::spec_registry`], with
    /// grants taken from `grants`: capability profile id → its grants in the §11.1.3 form
    /// (`axis` or `axis:scope`). An id the registry does not know is `HSK-4001`.
    pub fn spec_with_grants(grants: BTreeMap<String, Vec<String>>) -> Result<Self, ModelError> {
        let mut policy = Self {
            registry: Self::spec_registry(),
            spec_requirements: true,
            ..Self::default()
        };
        for (profile_id, ids) in &grants {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            policy = policy.profile(profile_id, &ids)?;
        }
        Ok(policy)
    }

    /// The registry.
    pub fn registry(&self) -> &CapabilityRegistry {
        &self.registry
    }

    /// Defines a capability profile as a whitelist of registered ids; an unregistered id is
    /// `HSK-4001` (profiles MUST be whitelists of registry ids, §11.1).
    pub fn profile(mut self, profile_id: &str, grants: &[&str]) -> Result<Self, ModelError> {
        let mut ids = Vec::with_capacity(grants.len());
        for grant in grants {
            self.registry.check(grant)?;
            ids.push(parse_capability(grant)?);
        }
        self.profiles.insert(profile_id.to_owned(), ids);
        Ok(self)
    }

    /// Requires `capability` at `point`, for jobs of `job_kind` (or every job when `None`).
    pub fn require(
        mut self,
        point: ValidationPhase,
        job_kind: Option<&str>,
        capability: &str,
    ) -> Result<Self, ModelError> {
        self.requirements.push(Requirement {
            point,
            job_kind: job_kind.map(str::to_owned),
            capability: parse_capability(capability)?,
        });
        Ok(self)
    }
}

/// A capability id as the generated newtype; a malformed one is reported as unknown (HSK-4001).
fn parse_capability(id: &str) -> Result<CapabilityId, ModelError> {
    CapabilityId::new(id).map_err(|_| ModelError::UnknownCapability {
        capability_id: id.to_owned(),
    })
}

impl ProfilePolicy {
    /// The grants of `job` and the name of where they come from.
    fn grants_of(&self, job: &AiJob) -> (Vec<&str>, String) {
        match self.grants {
            Grants::ByCapabilityProfile => {
                let profile_id = job.capability_profile_id.as_str();
                let grants = self
                    .profiles
                    .get(profile_id)
                    .map(|ids| ids.iter().map(CapabilityId::as_str).collect())
                    .unwrap_or_default();
                (grants, format!("profile {profile_id}"))
            }
            Grants::OwnJobProfile => {
                let profile = job.job_kind.profile();
                (
                    profile.capabilities.to_vec(),
                    format!("job profile {}", profile.profile_id),
                )
            }
        }
    }

    /// One decision on `capability` for a job holding `grants`.
    fn decide(
        &self,
        capability: &str,
        grants: &[&str],
        source: &str,
        point: ValidationPhase,
    ) -> PolicyDecision {
        let id = match parse_capability(capability) {
            Ok(id) => id,
            Err(unknown) => {
                // Not even a well-formed id: decided on as written, and unknown.
                let shown = CapabilityId::new("invalid.capability")
                    .unwrap_or_else(|_| unreachable!("a well-formed id"));
                return PolicyDecision::deny(shown, unknown, format!("{capability} is malformed"));
            }
        };
        match self.registry.can_perform(capability, grants) {
            Err(unknown) => PolicyDecision::deny(id, unknown, "not in the capability registry"),
            Ok(true) => PolicyDecision::allow(id, format!("granted by {source}")),
            Ok(false) => PolicyDecision::deny(
                id.clone(),
                ModelError::CapabilityDenied {
                    capability_id: id,
                    enforcement_point: point,
                },
                format!("not granted by {source}"),
            ),
        }
    }
}

impl CapabilityPolicy for ProfilePolicy {
    fn evaluate(&self, request: &CapabilityRequest<'_>) -> Vec<PolicyDecision> {
        let (grants, source) = self.grants_of(request.job);
        let job_kind = request.job.job_kind.as_str();
        let declared = if self.spec_requirements {
            spec_requirements(request.job, request.point)
        } else {
            Vec::new()
        };
        let explicit = self
            .requirements
            .iter()
            .filter(|r| {
                r.point == request.point && r.job_kind.as_deref().is_none_or(|k| k == job_kind)
            })
            .map(|r| r.capability.as_str());
        let mut seen = BTreeSet::new();
        declared
            .into_iter()
            .chain(explicit)
            .filter(|id| seen.insert(*id))
            .map(|id| self.decide(id, &grants, &source, request.point))
            .collect()
    }

    fn applies_at(&self, point: ValidationPhase) -> bool {
        self.spec_requirements || self.requirements.iter().any(|r| r.point == point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> CapabilityRegistry {
        let mut registry = CapabilityRegistry::with_mandatory_axes();
        registry
            .register_axis("doc.write")
            .register_full_id("doc.summarize");
        registry
    }

    #[test]
    fn a_profile_policy_applies_only_where_it_requires_something() {
        // The store skips an enforcement point where the policy says it has nothing to decide.
        let policy = ProfilePolicy::new(registry())
            .require(ValidationPhase::OnCommit, None, "doc.write")
            .expect("registered");
        assert!(policy.applies_at(ValidationPhase::OnCommit));
        assert!(!policy.applies_at(ValidationPhase::BeforeQueued));
        assert!(!policy.applies_at(ValidationPhase::AwaitingValidation));
        // The spec's requirements are declared at every point.
        let spec = ProfilePolicy::spec_default();
        assert!(
            [
                ValidationPhase::BeforeQueued,
                ValidationPhase::AwaitingValidation,
                ValidationPhase::OnCommit
            ]
            .into_iter()
            .all(|point| spec.applies_at(point))
        );
    }

    #[test]
    fn a_profile_policy_exposes_the_registry_it_checks_against() {
        let policy = ProfilePolicy::new(registry());
        assert!(policy.registry().is_valid("doc.write:workspace"));
        assert!(policy.registry().is_valid("doc.summarize"));
        assert!(!policy.registry().is_valid("magic.power"));
    }

    /// What `can_perform(capability, &[grant])` answers: an axis-only grant covers every scope
    /// of its axis, a scoped grant only its own scope, and a full id only itself.
    #[test]
    fn a_grant_covers_its_axis_its_scope_or_its_exact_id() {
        let registry = registry();
        for (capability, grant, allowed) in [
            // Axis-only grants cover every scope.
            ("fs.read:logs", "fs.read", true),
            ("fs.read:inputs", "fs.read", true),
            ("fs.read", "fs.read", true),
            // Scoped grants cover only their scope.
            ("fs.read:logs", "fs.read:logs", true),
            ("fs.read:inputs", "fs.read:logs", false),
            ("fs.read", "fs.read:logs", false),
            ("fs.write:logs", "fs.read", false),
            // Full ids match exactly.
            ("doc.summarize", "doc.summarize", true),
            ("doc.summarize", "doc.write", false),
        ] {
            assert_eq!(
                registry.can_perform(capability, &[grant]),
                Ok(allowed),
                "{capability} under the grant {grant}"
            );
        }
    }

    #[test]
    fn unknown_capability_is_hsk_4001() {
        let registry = registry();
        for unknown in [
            "magic.power",
            "magic.power:all",
            "fs.readx:logs",
            "fs.read:",
            "doc.summarize:x",
        ] {
            let error = registry
                .can_perform(unknown, &["fs.read", unknown])
                .unwrap_err();
            assert_eq!(error.code(), "HSK-4001", "{unknown}");
            assert_eq!(
                error,
                ModelError::UnknownCapability {
                    capability_id: unknown.to_owned()
                }
            );
        }
    }

    #[test]
    fn profiles_are_whitelists_of_registered_ids() {
        let error = ProfilePolicy::new(registry())
            .profile("editor", &["fs.read", "magic.power"])
            .unwrap_err();
        assert_eq!(error.code(), "HSK-4001");
        assert!(
            ProfilePolicy::new(registry())
                .profile("editor", &["fs.read", "doc.write:derived"])
                .is_ok()
        );
    }
}
