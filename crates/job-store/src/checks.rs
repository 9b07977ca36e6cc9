//! Commit checks: pure functions over the job record that decide whether a set of workspace
//! changes may be committed (§2.6.6.3.3, §2.6.6.2.2, §2.6.6.2.3, §2.6.6.7.0).
//!
//! The store runs [`check_changes`] inside the transition that completes a job, before writing
//! any change; the first violation refuses the whole change set with the spec's typed error, and
//! the same transaction moves the job to `failed` instead.

use handshake_job_model::{AccessMode, AiJob, EntityRef, Layer, LayerScope, ModelError, Validate};
use serde::{Deserialize, Serialize};

/// One workspace change a job wants to commit: which entity, in which layer.
///
/// Its JSON form (`{"entity": <EntityRef>, "layer": "derived"}`) is what `handshake jobs
/// transition --changes FILE` reads; unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The entity (artefact, optionally narrowed by a selector) the change writes.
    pub entity: EntityRef,
    /// The content layer it writes.
    pub layer: Layer,
}

/// A change is valid when its entity ref keeps the spec's rules (reported at `/entity/…`); what
/// it may write is the job's to decide ([`check_changes`]).
impl Validate for Change {
    fn validate_at(&self, pointer: &mut String, out: &mut Vec<handshake_job_model::Violation>) {
        handshake_job_model::validation::descend(pointer, "entity", &self.entity, out);
    }
}

/// The layers a job may write when it has no `layer_scope`: derived only (§2.6.6.7.0).
pub const DEFAULT_WRITABLE_LAYERS: [Layer; 1] = [Layer::Derived];

/// §2.6.6.2.2: `analysis_only` writes nothing and `preview_only` proposes but never commits; only
/// `apply_scoped` commits, and only to the listed entities (checked by [`check_entity`]).
pub fn check_access_mode(access_mode: AccessMode) -> Result<(), ModelError> {
    match access_mode {
        AccessMode::ApplyScoped => Ok(()),
        other => Err(ModelError::AccessModeForbidsCommit { access_mode: other }),
    }
}

/// §2.6.6.2.3: the entity must be listed in `entity_refs` or derivable from it. A ref without a
/// selector designates the whole artefact, so every part of that artefact is derivable from it; a
/// ref with a selector covers exactly that selector.
pub fn check_entity(entity_refs: &[EntityRef], entity: &EntityRef) -> Result<(), ModelError> {
    let covered = entity_refs.iter().any(|r| {
        r.artefact_type == entity.artefact_type
            && r.artefact_id == entity.artefact_id
            && (r.selector.is_none() || r.selector == entity.selector)
    });
    if covered {
        Ok(())
    } else {
        Err(ModelError::EntityOutOfScope {
            artefact_type: entity.artefact_type,
            artefact_id: entity.artefact_id,
        })
    }
}

/// §2.6.6.7.0: the layer must be in `layer_scope.write`, which is `[derived]` when the job has no
/// `layer_scope`; the raw layer moreover only for the kinds the spec lets write it
/// ([`raw_writes_allowed`]).
pub fn check_layer(job: &AiJob, layer: Layer) -> Result<(), ModelError> {
    let writable: &[Layer] = match &job.layer_scope {
        Some(scope) => &scope.write,
        None => &DEFAULT_WRITABLE_LAYERS,
    };
    if !writable.contains(&layer) || (layer == Layer::Raw && !raw_writes_allowed(job)) {
        return Err(ModelError::LayerNotWritable { layer });
    }
    Ok(())
}

/// Name of the spec rule that limits raw-layer writes to ingestion and import kinds
/// (`spec/rules.yaml`, HSK-RULE-0102, §2.6.6.7.0).
pub const RAW_WRITES_RULE: &str = "raw_writes_only_for_ingestion";

/// §2.6.6.7.0: whether `job`'s kind may write the raw layer. Decided by the spec's own rule
/// ([`RAW_WRITES_RULE`]), run through the generated validator on the job as it would be with
/// `raw` writable, so the store and every validator agree on the list of kinds.
pub fn raw_writes_allowed(job: &AiJob) -> bool {
    let mut probe = job.clone();
    let mut scope = probe.layer_scope.take().unwrap_or(LayerScope {
        read: Vec::new(),
        write: Vec::new(),
    });
    if !scope.write.contains(&Layer::Raw) {
        scope.write.push(Layer::Raw);
    }
    probe.layer_scope = Some(scope);
    !probe
        .validate()
        .iter()
        .any(|violation| violation.rule == RAW_WRITES_RULE)
}

/// Every check of a change set, in order: access mode (only when there is something to write),
/// then each change's entity and layer. The first violation is returned; `Ok` means the whole
/// set may be committed. The state is the store's to check (the change set rides on the
/// transition into `completed`/`completed_with_issues`).
///
/// Decision (§2.6.6.2.2, §2.6.6.3.3): an empty change set passes whatever the access mode, so
/// `analysis_only` and `preview_only` jobs complete; they never apply a change, and a non-empty
/// set is refused with `AccessModeForbidsCommit`.
pub fn check_changes(job: &AiJob, changes: &[Change]) -> Result<(), ModelError> {
    if changes.is_empty() {
        return Ok(());
    }
    check_access_mode(job.access_mode)?;
    for change in changes {
        check_entity(&job.entity_refs, &change.entity)?;
        check_layer(job, change.layer)?;
    }
    Ok(())
}
