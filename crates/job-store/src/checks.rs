//! Commit checks: pure functions over the job record that decide whether a set of workspace
//! changes may be committed (§2.6.6.3.3, §2.6.6.2.2, §2.6.6.2.3, §2.6.6.7.0).
//!
//! The store runs [`check_commit`] before writing anything; the first violation refuses the whole
//! commit with the spec's typed error.

use handshake_job_model::{AccessMode, AiJob, EntityRef, JobState, Layer, ModelError};

/// One workspace change a job wants to commit: which entity, in which layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The entity (artefact, optionally narrowed by a selector) the change writes.
    pub entity: EntityRef,
    /// The content layer it writes.
    pub layer: Layer,
}

/// The layers a job may write when it has no `layer_scope`: derived only (§2.6.6.7.0).
pub const DEFAULT_WRITABLE_LAYERS: [Layer; 1] = [Layer::Derived];

/// §2.6.6.3.3: changes are applied only when the job is `completed` or `completed_with_issues`;
/// `failed`, `cancelled` and `poisoned` jobs (and every non-final state) never commit.
pub fn check_commit_state(state: JobState) -> Result<(), ModelError> {
    match state {
        JobState::Completed | JobState::CompletedWithIssues => Ok(()),
        other => Err(ModelError::CommitNotAllowed { state: other }),
    }
}

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
/// `layer_scope`.
pub fn check_layer(job: &AiJob, layer: Layer) -> Result<(), ModelError> {
    let writable: &[Layer] = match &job.layer_scope {
        Some(scope) => &scope.write,
        None => &DEFAULT_WRITABLE_LAYERS,
    };
    if writable.contains(&layer) {
        Ok(())
    } else {
        Err(ModelError::LayerNotWritable { layer })
    }
}

/// Every check of a commit, in order: state, access mode, then each change's entity and layer.
/// The first violation is returned; `Ok` means the whole set may be committed.
pub fn check_commit(job: &AiJob, changes: &[Change]) -> Result<(), ModelError> {
    check_commit_state(job.state)?;
    check_access_mode(job.access_mode)?;
    for change in changes {
        check_entity(&job.entity_refs, &change.entity)?;
        check_layer(job, change.layer)?;
    }
    Ok(())
}
