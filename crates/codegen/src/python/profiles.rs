//! Python target, profiles (§2.6.6.6): `profiles.py` — the profile registry as frozen data
//! (`ProfileDef`, `PROFILES`), the closed job-kind → profile table, the operation → profile
//! table (`OPERATION_PROFILE`), and the status mapping onto the lifecycle. Written only when the spec declares profiles.

use std::fmt::Write as _;

use crate::ir::Ir;

use super::{header, one_line, py_string, py_tuple};

/// Names `profiles.py` exports, for the package's `__init__.py`.
pub(super) const EXPORTS: [&str; 8] = [
    "JOB_KIND_PROFILE",
    "OPERATION_PROFILE",
    "PROFILES",
    "ProfileDef",
    "map_status",
    "operation_profile",
    "profile_by_id",
    "profile_of",
];

/// `profiles.py`, or `None` when the spec has no profiles.
pub(super) fn profiles_file_with(ir: &Ir<'_>) -> Option<String> {
    let spec = ir.spec;
    let (state, job_kind) = ir.profile_names()?;
    let typed_kinds = job_kind.is_some();
    let kind = job_kind.unwrap_or("str");
    let mut out = header(spec, "Job profiles (§2.6.6.6)");
    out.push_str("from __future__ import annotations\n\n");
    out.push_str("from typing import NamedTuple\n\n");
    if typed_kinds {
        let _ = writeln!(out, "from .types import JobKind, {state}\n");
    } else {
        let _ = writeln!(out, "from .types import {state}\n");
    }
    let _ = writeln!(
        out,
        r#"
class ProfileDef(NamedTuple):
    """One job profile: extends the core job without redefining it (§2.6.6.6)."""

    name: str
    """snake_case name; also the ``profile`` tag of the profile's ``JobInputs`` variant."""
    profile_id: str
    """The id jobs carry in ``profile_id``."""
    job_kinds: tuple[{kind}, ...]
    """The job kinds bound to this profile."""
    inputs: str | None
    """The record carried in ``job_inputs`` by this profile's jobs."""
    outputs: str | None
    """The record of the profile's typed outputs."""
    operations: tuple[str, ...]
    """The tags of the ``PlannedOperation`` variants the profile specialises (each has one profile)."""
    capabilities: tuple[str, ...]
    """Capability ids (``axis`` or ``axis:scope``, §11.1.3) the profile's jobs require."""
    validation_plan: str | None
    """The profile's ``ValidationPlan``, as compact JSON."""
    provenance_plan: str | None
    """The profile's ``ProvenancePlan``, as compact JSON."""
    statuses: tuple[tuple[str, {state}], ...]
    """Profile-specific statuses and the lifecycle state each maps onto."""
    future: bool
    """True for profiles the spec declares as future work."""
    clause: str
    """The Master Spec clause(s) defining the profile."""
"#
    );
    out.push_str("\nPROFILES: tuple[ProfileDef, ...] = (\n");
    for profile in &spec.profiles {
        let _ = writeln!(out, "    # {}", one_line(&profile.meta.description));
        let optional = |value: &Option<String>| match value {
            Some(text) => py_string(text),
            None => "None".to_string(),
        };
        let json = |value: &Option<serde_json::Value>| match value {
            Some(value) => py_string(&value.to_string()),
            None => "None".to_string(),
        };
        let statuses = py_tuple(profile.statuses.iter().map(|mapping| {
            format!(
                "({}, {})",
                py_string(&mapping.status),
                py_string(&mapping.state)
            )
        }));
        let _ = writeln!(
            out,
            "    ProfileDef(\n        name={},\n        profile_id={},\n        job_kinds={},\n        inputs={},\n        outputs={},\n        operations={},\n        capabilities={},\n        validation_plan={},\n        provenance_plan={},\n        statuses={statuses},\n        future={},\n        clause={},\n    ),",
            py_string(&profile.name),
            py_string(&profile.profile_id),
            py_tuple(profile.job_kinds.iter().map(|k| py_string(k))),
            optional(&profile.inputs),
            optional(&profile.outputs),
            py_tuple(profile.operations.iter().map(|o| py_string(o))),
            py_tuple(profile.capabilities.iter().map(|c| py_string(c))),
            json(&profile.validation_plan),
            json(&profile.provenance_plan),
            if profile.future { "True" } else { "False" },
            py_string(&profile.meta.clause.to_string()),
        );
    }
    out.push_str(")\n\"\"\"Every profile, in spec order.\"\"\"\n\n");
    let _ = writeln!(
        out,
        "JOB_KIND_PROFILE: dict[{kind}, ProfileDef] = {{\n    kind: profile for profile in PROFILES for kind in profile.job_kinds\n}}\n\"\"\"The closed job-kind registry: every kind and the one profile it is bound to.\"\"\"\n"
    );
    out.push_str(
        "OPERATION_PROFILE: dict[str, ProfileDef] = {\n    operation: profile for profile in PROFILES for operation in profile.operations\n}\n\"\"\"Every ``PlannedOperation`` tag and the one profile that specialises it (§2.6.6.6.1).\"\"\"\n\n",
    );
    let _ = writeln!(
        out,
        r#"
_STATES: frozenset[str] = frozenset({states})


def profile_of(kind: {kind}) -> ProfileDef:
    """The profile a job kind is bound to; ``KeyError`` for a kind outside the registry."""
    return JOB_KIND_PROFILE[kind]


def operation_profile(op: str) -> ProfileDef:
    """The profile that specialises a planned operation, by its tag; ``KeyError`` for an unknown one."""
    return OPERATION_PROFILE[op]


def profile_by_id(profile_id: str) -> ProfileDef | None:
    """The profile with this ``profile_id``, if any."""
    for profile in PROFILES:
        if profile.profile_id == profile_id:
            return profile
    return None


def map_status(profile_id: str, status: str) -> {state} | None:
    """The lifecycle state a profile's status maps onto: a profile status, or a global state name
    (profiles use the global lifecycle, §2.5.10.3.1); ``None`` for anything else."""
    profile = profile_by_id(profile_id)
    if profile is None:
        return None
    for name, state in profile.statuses:
        if name == status:
            return state
    if status in _STATES:
        return status  # type: ignore[return-value]
    return None"#,
        states = py_tuple(spec.lifecycle.states.iter().map(|s| py_string(&s.name))),
    );
    Some(out)
}
