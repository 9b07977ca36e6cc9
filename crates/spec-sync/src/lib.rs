//! spec-sync: reads §2.6.6 of the Handshake Master Spec from Markdown and keeps `spec/*.yaml`
//! aligned with it.
//!
//! The pipeline, one module each:
//! 1. [`source`]: bytes → text, double-encoded UTF-8 lines repaired and reported;
//! 2. [`markdown`]: pulldown-cmark (GFM tables) → headings, text units, tables, code blocks;
//! 3. [`extract`]: the clause tree of §2.6.6 (by clause numbers, across interleaved sections),
//!    field tables, states, code types ([`notation`]) and normative statements as [`extract::Item`]s
//!    with stable ids and text hashes; what cannot be read becomes an `unparsed` [`finding::Finding`];
//! 4. [`lock`]: the items against `spec/master-spec.lock` (added, removed, changed), ids kept;
//! 5. [`compare`]: the structure against the loaded YAML (fields, required-ness, types, states,
//!    enum values, wire names), differences acknowledged by a `decision:` left out.
//!
//! [`check`] runs them all; `cargo xtask spec-sync` prints its [`Report`].
#![deny(missing_docs)]

pub mod compare;
pub mod diagram;
pub mod extract;
pub mod finding;
pub mod lock;
pub mod markdown;
pub mod notation;
pub mod source;

use std::path::{Path, PathBuf};

use handshake_spec::model::Spec;

use extract::{Extraction, Item, ReadError};
use finding::Finding;
use lock::{LOCK_PATH, Lock, LockError};

/// What a run found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Findings, grouped by clause in Master Spec order.
    pub findings: Vec<Finding>,
    /// Repairs outside §2.6.6 that shaped its reading (printed, not counted).
    pub notes: Vec<Finding>,
    /// The items of §2.6.6, with the ids the lock gave them.
    pub items: Vec<Item>,
    /// How many items a declaration claims.
    pub claimed: usize,
    /// How many items are listed as out of scope.
    pub out_of_scope: usize,
}

/// Reads `master_spec` and compares it with `spec` and `lock`.
pub fn check(master_spec: &[u8], spec: &Spec, lock: &Lock) -> Result<Report, ReadError> {
    let extraction = extract::extract(master_spec)?;
    Ok(check_extraction(extraction, spec, lock))
}

/// [`check`] on an extraction already made.
pub fn check_extraction(extraction: Extraction, spec: &Spec, lock: &Lock) -> Report {
    let Extraction {
        clauses,
        mut items,
        findings: read_findings,
        notes,
        ..
    } = extraction.clone();
    let mut findings: Vec<Finding> = read_findings
        .into_iter()
        .filter(|finding| !lock.is_reviewed(finding))
        .collect();
    findings.extend(lock::reconcile(&mut items, lock));
    let structure = compare::compare(&extraction, spec);
    findings.extend(structure.findings);
    let coverage = coverage(&items, spec, &structure.claims);
    findings.extend(coverage.unclaimed);
    let order: Vec<String> = clauses.iter().map(|c| format!("§{}", c.number)).collect();
    finding::sort(&mut findings, &order);
    Report {
        findings,
        notes,
        items,
        claimed: coverage.claimed,
        out_of_scope: coverage.out_of_scope,
    }
}

struct Coverage {
    claimed: usize,
    out_of_scope: usize,
    unclaimed: Vec<Finding>,
}

/// An item is claimed by a declaration that corresponds to it structurally (a field, state or
/// type) or that lists its id under `claims:`; it is out of scope when only `out_of_scope:`
/// entries claim it; otherwise it is `unclaimed`.
fn coverage(items: &[Item], spec: &Spec, structural: &[compare::StructuralClaim]) -> Coverage {
    let out_of_scope_at: Vec<_> = spec.out_of_scope.iter().map(|o| &o.meta.location).collect();
    let mut coverage = Coverage {
        claimed: 0,
        out_of_scope: 0,
        unclaimed: Vec::new(),
    };
    for item in items {
        let corresponds = structural.iter().any(|claim| {
            claim.kind == item.kind
                && claim.line == item.line
                && claim
                    .edge
                    .as_ref()
                    .is_none_or(|edge| item.id.ends_with(&format!("/{edge}")))
        });
        let claims: Vec<_> = spec.claims.iter().filter(|c| c.id == item.id).collect();
        let by_guard =
            |c: &&handshake_spec::model::Claim| out_of_scope_at.contains(&&c.declaration);
        if corresponds || claims.iter().any(|c| !by_guard(c)) {
            coverage.claimed += 1;
        } else if claims.iter().any(by_guard) {
            coverage.out_of_scope += 1;
        } else {
            coverage.unclaimed.push(Finding {
                fingerprint: None,
                kind: finding::FindingKind::Unclaimed,
                clause: item.clause.clone(),
                line: item.line,
                subject: item.id.clone(),
                detail: format!(
                    "no declaration claims this {}: add its id to `claims:` of the declaration that implements it, or to an `out_of_scope:` entry",
                    item.kind.name()
                ),
            });
        }
    }
    // the loader checks claims against the lock; this catches a claim the Master Spec read now
    // does not have (a lock not yet accepted, or a loader that had no lock)
    for claim in &spec.claims {
        if !items.iter().any(|item| item.id == claim.id) {
            let clause = claim.id.split('/').next().unwrap_or("").to_string();
            coverage.unclaimed.push(Finding {
                fingerprint: None,
                kind: finding::FindingKind::ClaimUnknown,
                clause,
                line: 0,
                subject: claim.id.clone(),
                detail: format!(
                    "claimed at {}, but no item of this Master Spec has this id",
                    claim.location
                ),
            });
        }
    }
    coverage
}

/// Why a repository run could not happen (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The Master Spec cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The Master Spec file.
        path: PathBuf,
        /// The error.
        source: ReadError,
    },
    /// The YAML does not load.
    #[error(transparent)]
    Spec(#[from] handshake_spec::LoadError),
    /// The lock cannot be read.
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// Reads the committed lock of the repository at `root` (empty when there is none yet).
pub fn read_lock(root: &Path) -> Result<Lock, RunError> {
    let path = root.join(LOCK_PATH);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Lock::parse(&text)?),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
        Err(source) => Err(RunError::Io { path, source }),
    }
}

/// Runs spec-sync for the repository at `root` against the Master Spec at `master_spec`. With
/// `accept`, the lock is rewritten from the items read (keeping their ids) first, so the
/// returned report holds no `item_*` findings.
pub fn run_repo(root: &Path, master_spec: &Path, accept: bool) -> Result<Report, RunError> {
    let bytes = std::fs::read(master_spec).map_err(|source| RunError::Io {
        path: master_spec.to_path_buf(),
        source,
    })?;
    let extraction = extract::extract(&bytes).map_err(|source| RunError::Read {
        path: master_spec.to_path_buf(),
        source,
    })?;
    let spec = handshake_spec::load(root)?;
    let lock = read_lock(root)?;
    let report = check_extraction(extraction.clone(), &spec, &lock);
    if !accept {
        return Ok(report);
    }
    let accepted = Lock::accept(&report.items, &extraction.findings);
    let path = root.join(LOCK_PATH);
    let text = accepted.render();
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).map_err(|source| RunError::Io { path, source })?;
    }
    Ok(check_extraction(extraction, &spec, &accepted))
}
