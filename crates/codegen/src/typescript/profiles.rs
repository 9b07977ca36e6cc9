//! TypeScript target, profiles (§2.6.6.6): `profiles.ts` — the profile registry as readonly data
//! (`ProfileDef`, `PROFILES`), the closed job-kind → profile table typed over every `JobKind`
//! (so `tsc` refuses a kind left unbound), the operation → profile table typed over every
//! `PlannedOperation` tag, and the status mapping onto the lifecycle. Written only
//! when the spec declares profiles.

use std::fmt::Write as _;

use handshake_spec::model::{Profile, TypeKind};

use crate::ir::Ir;

use super::{header, js_string};

/// `profiles.ts`, or `None` when the spec has no profiles.
pub(super) fn profiles_file_with(ir: &Ir<'_>) -> Option<String> {
    let spec = ir.spec;
    let (state, job_kind) = ir.profile_names()?;
    let typed_kinds = job_kind.is_some();
    let kind = job_kind.unwrap_or("string");
    // Typed over the `PlannedOperation` tags when the profiles claim its variants (the loader
    // then guarantees each exactly once), so `tsc` refuses an operation without a profile.
    let operations = ir.planned_operation().map(|id| ir.def(id));
    let operation_tag = match operations.map(|t| (&t.name, &t.kind)) {
        Some((name, TypeKind::Union(union)))
            if spec.profiles.iter().any(|p| !p.operations.is_empty()) =>
        {
            Some(format!("{name}[{}]", js_string(&union.tag)))
        }
        _ => None,
    };
    let mut out = header(spec, "Job profiles (§2.6.6.6)");
    out.push('\n');
    let mut imports = Vec::new();
    if let Some(job_kind) = job_kind {
        imports.push(job_kind);
    }
    imports.push(state);
    if let (Some(operations), Some(_)) = (operations, &operation_tag) {
        imports.push(operations.name.as_str());
    }
    imports.sort_unstable();
    let _ = writeln!(
        out,
        "import type {{ {} }} from \"./types.js\";",
        imports.join(", ")
    );
    let _ = writeln!(
        out,
        r#"
/** One job profile: extends the core job without redefining it (§2.6.6.6). */
export interface ProfileDef {{
  /** snake_case name; also the `profile` tag of the profile's `JobInputs` variant. */
  readonly name: string;
  /** The id jobs carry in `profile_id`. */
  readonly profile_id: string;
  /** The job kinds bound to this profile. */
  readonly job_kinds: readonly {kind}[];
  /** The record carried in `job_inputs` by this profile's jobs. */
  readonly inputs: string | null;
  /** The record of the profile's typed outputs. */
  readonly outputs: string | null;
  /** The tags of the `PlannedOperation` variants the profile specialises (each has one profile). */
  readonly operations: readonly string[];
  /** Capability ids (`axis` or `axis:scope`, §11.1.3) the profile's jobs require. */
  readonly capabilities: readonly string[];
  /** The profile's `ValidationPlan`, as compact JSON. */
  readonly validation_plan: string | null;
  /** The profile's `ProvenancePlan`, as compact JSON. */
  readonly provenance_plan: string | null;
  /** Profile-specific statuses and the lifecycle state each maps onto. */
  readonly statuses: readonly (readonly [string, {state}])[];
  /** True for profiles the spec declares as future work. */
  readonly future: boolean;
  /** The Master Spec clause(s) defining the profile. */
  readonly clause: string;
}}
"#
    );
    let list = |items: &[String]| {
        items
            .iter()
            .map(|item| js_string(item))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let optional = |value: Option<String>| value.unwrap_or_else(|| "null".to_string());
    out.push_str(
        "/** Every profile, in spec order. */\nexport const PROFILES: readonly ProfileDef[] = [\n",
    );
    for profile in &spec.profiles {
        let statuses = profile
            .statuses
            .iter()
            .map(|m| format!("[{}, {}]", js_string(&m.status), js_string(&m.state)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "  {{\n    name: {},\n    profile_id: {},\n    job_kinds: [{}],\n    inputs: {},\n    outputs: {},\n    operations: [{}],\n    capabilities: [{}],\n    validation_plan: {},\n    provenance_plan: {},\n    statuses: [{statuses}],\n    future: {},\n    clause: {},\n  }},",
            js_string(&profile.name),
            js_string(&profile.profile_id),
            list(&profile.job_kinds),
            optional(profile.inputs.as_deref().map(js_string)),
            optional(profile.outputs.as_deref().map(js_string)),
            list(&profile.operations),
            list(&profile.capabilities),
            optional(
                profile
                    .validation_plan
                    .as_ref()
                    .map(|v| js_string(&v.to_string()))
            ),
            optional(
                profile
                    .provenance_plan
                    .as_ref()
                    .map(|v| js_string(&v.to_string()))
            ),
            profile.future,
            js_string(&profile.meta.clause.to_string()),
        );
    }
    out.push_str("];\n\n");
    let record_type = if typed_kinds {
        "Readonly<Record<JobKind, string>>"
    } else {
        "Readonly<Record<string, string>>"
    };
    // the two registries keyed by what a profile claims: its job kinds, its operations
    let registry = |out: &mut String, head: String, claimed: fn(&Profile) -> &[String]| {
        let _ = writeln!(out, "{head} = {{");
        for profile in &spec.profiles {
            for key in claimed(profile) {
                let _ = writeln!(out, "  {key}: {},", js_string(&profile.name));
            }
        }
        out.push_str("};\n");
    };
    registry(
        &mut out,
        format!(
            "/**\n * The closed job-kind registry: every kind and the name of the one profile it is bound to.\n * Typed over every `JobKind`, so a kind without a profile does not compile.\n */\nexport const JOB_KIND_PROFILE: {record_type}"
        ),
        |profile| &profile.job_kinds,
    );
    out.push('\n');
    let operation_type = operation_tag.as_deref().unwrap_or("string");
    registry(
        &mut out,
        format!(
            "/**\n * Every `PlannedOperation` tag and the name of the one profile that specialises it (§2.6.6.6.1).\n */\nexport const OPERATION_PROFILE: Readonly<Record<{operation_type}, string>>"
        ),
        |profile| &profile.operations,
    );
    let states = spec
        .lifecycle
        .states
        .iter()
        .map(|s| js_string(&s.name))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        r#"
const STATES: readonly {state}[] = [{states}];

/** The profile a job kind is bound to. */
export function profileOf(kind: {kind}): ProfileDef {{
  const name = JOB_KIND_PROFILE[kind];
  const profile = PROFILES.find((candidate) => candidate.name === name);
  if (profile === undefined) {{
    throw new Error(`job kind ${{kind}} is bound to no profile`);
  }}
  return profile;
}}

/** The profile that specialises a planned operation, by its tag. */
export function operationProfile(op: {operation_type}): ProfileDef {{
  const name = OPERATION_PROFILE[op];
  const profile = PROFILES.find((candidate) => candidate.name === name);
  if (profile === undefined) {{
    throw new Error(`operation ${{op}} is specialised by no profile`);
  }}
  return profile;
}}

/** The profile with this `profile_id`, if any. */
export function profileById(profileId: string): ProfileDef | undefined {{
  return PROFILES.find((profile) => profile.profile_id === profileId);
}}

/**
 * The lifecycle state a profile's status maps onto: a profile status, or a global state name
 * (profiles use the global lifecycle, §2.5.10.3.1); `undefined` for anything else.
 */
export function mapStatus(profileId: string, status: string): {state} | undefined {{
  const profile = profileById(profileId);
  if (profile === undefined) {{
    return undefined;
  }}
  const mapped = profile.statuses.find(([name]) => name === status);
  if (mapped !== undefined) {{
    return mapped[1];
  }}
  return STATES.find((state) => state === status);
}}"#
    );
    Some(out)
}
