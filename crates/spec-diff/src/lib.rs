//! spec-diff: classifies every change between two versions of `spec/*.yaml` by what it breaks
//! (wire, storage, API, behaviour, additive, docs only), with a severity and a named rule per kind
//! of change (the catalogue in [`catalogue`], documented in `docs/spec-diff.md`), and enforces the
//! version policy ([`version`]) and the ADR policy ([`adr`]).
//!
//! [`diff::diff`] compares two loaded [`Spec`]s; [`run_repo`] compares a git revision of a
//! repository (by default the last commit that changed the manifest's `version`) with its working
//! tree and applies both policies. `cargo xtask spec-diff` is a thin shell over it.
#![deny(missing_docs)]

pub mod adr;
pub mod catalogue;
pub mod diff;
pub mod git;
pub mod version;

use std::path::Path;

use handshake_spec::model::{Location, Spec};
use serde_json::json;

use adr::AdrSet;
use catalogue::RuleDef;
pub use diff::{Change, Side, diff};
use version::VersionCheck;

/// Why spec-diff could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A git command failed.
    #[error(transparent)]
    Git(#[from] git::GitError),
    /// The revision does not exist in this repository.
    #[error("revision `{0}` is not in this repository")]
    UnknownRevision(String),
    /// A spec did not load.
    #[error("the spec at {which} does not load:\n{error}")]
    Load {
        /// `the working tree` or the revision.
        which: String,
        /// The loader's error.
        error: handshake_spec::LoadError,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// What `run_repo` decided.
#[derive(Debug)]
pub enum Outcome {
    /// The comparison ran.
    Report(Box<Report>),
    /// There is nothing to compare against (a shallow clone, or no commit changed the version):
    /// the reason, to print as a skip line.
    Skipped(String),
}

/// The result of comparing a revision with the working tree.
#[derive(Debug)]
pub struct Report {
    /// The revision compared against, short.
    pub revision: String,
    /// Its full commit id.
    pub commit: String,
    /// Every classified change, in spec order.
    pub changes: Vec<Change>,
    /// For each change, the ADR number that covers it.
    pub covered_by: Vec<Option<u32>>,
    /// The version policy's verdict.
    pub version: VersionCheck,
    /// The ADRs read from `docs/adr/`.
    pub adrs: AdrSet,
    /// Policy findings (version, ADRs, index): each fails the run.
    pub findings: Vec<Change>,
}

impl Report {
    /// Whether the run fails (exit 1).
    pub fn failed(&self) -> bool {
        !self.findings.is_empty()
    }

    /// The breaking changes no ADR covers.
    pub fn uncovered(&self) -> Vec<&Change> {
        self.changes
            .iter()
            .zip(&self.covered_by)
            .filter(|(c, adr)| c.rule.breaking() && adr.is_none())
            .map(|(c, _)| c)
            .collect()
    }
}

/// Compares two loaded specs and applies both policies; `adrs` and `index` (the committed text of
/// `docs/adr/README.md`, if any) come from the repository. `revision` prefixes old positions.
pub fn assess(
    old: &Spec,
    new: &Spec,
    new_manifest_text: &str,
    adrs: AdrSet,
    index: Option<&str>,
    revision: &str,
) -> Report {
    let changes = diff::diff(old, new);
    let version = version::check(&old.version, &new.version, &changes);
    let covered_by: Vec<Option<u32>> = changes
        .iter()
        .map(|c| adrs.covering(c, &old.version).map(|a| a.number))
        .collect();
    let mut findings = Vec::new();
    let manifest = new
        .files
        .first()
        .cloned()
        .unwrap_or_else(|| handshake_spec::MANIFEST.to_string());
    let version_at = Location {
        file: manifest,
        line: new_manifest_text
            .lines()
            .position(|l| l.starts_with("version:"))
            .map_or(1, |i| i + 1),
        column: 1,
    };
    if !version.ok {
        let rule = match version.actual {
            None => catalogue::VERSION_DECREASED,
            Some(_) => catalogue::VERSION_BUMP_MISSING,
        };
        findings.push(finding(
            rule,
            "version",
            version.message.clone(),
            &version_at,
        ));
    }
    for (change, adr) in changes.iter().zip(&covered_by) {
        if change.rule.breaking() && adr.is_none() {
            findings.push(Change {
                rule: catalogue::ADR_MISSING,
                subject: change.key().replace(' ', ":"),
                message: format!(
                    "breaking change `{}` is covered by no ADR under docs/adr/ (write one: cargo xtask spec-diff --adr-skeleton)",
                    change.key()
                ),
                side: change.side,
                location: change.location.clone(),
            });
        }
    }
    for problem in &adrs.problems {
        findings.push(finding(
            catalogue::ADR_INVALID,
            &problem.file,
            problem.message.clone(),
            &Location {
                file: problem.file.clone(),
                line: problem.line,
                column: 1,
            },
        ));
    }
    let expected = adr::render_index(&adrs);
    if index != Some(expected.as_str()) && (index.is_some() || !adrs.adrs.is_empty()) {
        findings.push(finding(
            catalogue::ADR_INDEX_STALE,
            adr::INDEX,
            "the ADR index is stale or missing: run cargo xtask spec-diff --adr-index".into(),
            &Location {
                file: adr::INDEX.to_string(),
                line: 1,
                column: 1,
            },
        ));
    }
    Report {
        revision: revision.to_string(),
        commit: revision.to_string(),
        changes,
        covered_by,
        version,
        adrs,
        findings,
    }
}

fn finding(rule: &'static RuleDef, subject: &str, message: String, at: &Location) -> Change {
    Change {
        rule,
        subject: subject.to_string(),
        message,
        side: Side::New,
        location: at.clone(),
    }
}

/// Compares the spec at `against` (default: the last commit that changed the manifest's
/// `version`) with the working tree of the repository at `root`.
pub fn run_repo(root: &Path, against: Option<&str>) -> Result<Outcome, Error> {
    let manifest = handshake_spec::MANIFEST;
    let commit = match against {
        Some(rev) => match git::resolve(root, rev)? {
            Some(commit) => commit,
            None if git::is_shallow(root) => {
                return Ok(Outcome::Skipped(format!(
                    "revision `{rev}` is not in this shallow clone; fetch more history (git fetch --unshallow) to compare"
                )));
            }
            None => return Err(Error::UnknownRevision(rev.to_string())),
        },
        None => match git::last_version_commit(root, manifest)? {
            Some(commit) => commit,
            None => {
                let why = if git::is_shallow(root) {
                    "this is a shallow clone and its history holds no commit that changed the spec's version; fetch more history (git fetch --unshallow) to compare"
                } else {
                    "no commit changed the spec's version yet: nothing to compare against"
                };
                return Ok(Outcome::Skipped(why.to_string()));
            }
        },
    };
    let revision = git::short(root, &commit);
    let sources = git::spec_sources(root, &commit, manifest)?;
    let old = handshake_spec::load_sources(&sources, manifest).map_err(|error| Error::Load {
        which: revision.clone(),
        error,
    })?;
    let new = handshake_spec::load(root).map_err(|error| Error::Load {
        which: "the working tree".into(),
        error,
    })?;
    let read = |relative: &str| -> Result<Option<String>, Error> {
        match std::fs::read_to_string(root.join(relative)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io {
                path: relative.to_string(),
                source,
            }),
        }
    };
    let manifest_text = read(manifest)?.unwrap_or_default();
    let adrs = adr::read_dir(root).map_err(|source| Error::Io {
        path: adr::ADR_DIR.into(),
        source,
    })?;
    let index = read(adr::INDEX)?;
    let mut report = assess(
        &old,
        &new,
        &manifest_text,
        adrs,
        index.as_deref(),
        &revision,
    );
    report.commit = commit;
    Ok(Outcome::Report(Box::new(report)))
}

fn position(revision: &str, change: &Change) -> String {
    match change.side {
        Side::New => change.location.to_string(),
        Side::Old => format!("{revision}:{}", change.location),
    }
}

fn categories(rule: &RuleDef) -> Vec<&'static str> {
    rule.categories.iter().map(|c| c.as_str()).collect()
}

/// One line per change, `file:line:col: SEVERITY rule-id: message [categories]`, with no ADR
/// annotation: what the rule-case tests compare.
pub fn render_changes(revision: &str, changes: &[Change]) -> String {
    changes
        .iter()
        .map(|change| {
            format!(
                "{}: {} {}: {} [{}]\n",
                position(revision, change),
                change.rule.severity,
                change.rule.id,
                change.message,
                categories(change.rule).join(", ")
            )
        })
        .collect()
}

/// One line per change, then one per policy finding:
/// `file:line:col: SEVERITY rule-id: message [categories]`. Positions in the old revision are
/// prefixed with it (`3dbd8cf:spec/job.yaml:12:7`), as git names a file at a revision.
pub fn render_human(report: &Report) -> String {
    let mut out = String::new();
    for (change, adr) in report.changes.iter().zip(&report.covered_by) {
        out.push_str(&format!(
            "{}: {} {}: {} [{}]{}\n",
            position(&report.revision, change),
            change.rule.severity,
            change.rule.id,
            change.message,
            categories(change.rule).join(", "),
            adr.map_or(String::new(), |n| format!(" (ADR {n:04})"))
        ));
    }
    for finding in &report.findings {
        out.push_str(&format!(
            "{}: {} {}: {}\n",
            position(&report.revision, finding),
            finding.rule.severity,
            finding.rule.id,
            finding.message
        ));
    }
    out
}

/// The one-line summary printed after the report.
pub fn summary(report: &Report) -> String {
    let count = |s: catalogue::Severity| {
        report
            .changes
            .iter()
            .filter(|c| c.rule.severity == s)
            .count()
    };
    format!(
        "spec-diff {}..working tree: {} changes ({} ERROR, {} DANGER, {} WARNING, {} NOTE), {} breaking; version {} -> {}: {}; {}",
        report.revision,
        report.changes.len(),
        count(catalogue::Severity::Error),
        count(catalogue::Severity::Danger),
        count(catalogue::Severity::Warning),
        count(catalogue::Severity::Note),
        report.changes.iter().filter(|c| c.rule.breaking()).count(),
        report.version.old,
        report.version.new,
        report.version.message,
        if report.failed() {
            format!("{} policy findings", report.findings.len())
        } else {
            "ok".to_string()
        }
    )
}

fn change_json(revision: &str, change: &Change, adr: Option<u32>) -> serde_json::Value {
    json!({
        "file": change.location.file,
        "line": change.location.line,
        "column": change.location.column,
        "side": match change.side { Side::Old => "old", Side::New => "new" },
        "revision": match change.side { Side::Old => Some(revision), Side::New => None },
        "severity": change.rule.severity.as_str(),
        "rule": change.rule.id,
        "categories": categories(change.rule),
        "breaking": change.rule.breaking(),
        "subject": change.subject,
        "message": change.message,
        "adr": adr,
    })
}

/// The report as one JSON object (2-space indent, trailing newline).
pub fn render_json(report: &Report) -> String {
    let value = json!({
        "revision": report.revision,
        "commit": report.commit,
        "changes": report.changes.iter().zip(&report.covered_by)
            .map(|(c, adr)| change_json(&report.revision, c, *adr)).collect::<Vec<_>>(),
        "version_check": {
            "old": report.version.old,
            "new": report.version.new,
            "required": report.version.required.as_str(),
            "actual": report.version.actual.map(|b| b.as_str()),
            "ok": report.version.ok,
            "message": report.version.message,
        },
        "adrs": report.adrs.adrs.iter().map(|a| json!({
            "number": a.number, "file": format!("{}/{}", adr::ADR_DIR, a.file),
            "spec_version": a.spec_version, "status": a.status, "covers": a.covers.len(),
        })).collect::<Vec<_>>(),
        "findings": report.findings.iter()
            .map(|c| change_json(&report.revision, c, None)).collect::<Vec<_>>(),
        "ok": !report.failed(),
    });
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Writes `docs/adr/README.md` from the ADRs on disk; returns whether it changed.
pub fn write_index(root: &Path) -> Result<bool, Error> {
    let adrs = adr::read_dir(root).map_err(|source| Error::Io {
        path: adr::ADR_DIR.into(),
        source,
    })?;
    let text = adr::render_index(&adrs);
    let path = root.join(adr::INDEX);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
        return Ok(false);
    }
    let io = |source| Error::Io {
        path: adr::INDEX.into(),
        source,
    };
    std::fs::create_dir_all(root.join(adr::ADR_DIR)).map_err(io)?;
    std::fs::write(&path, text).map_err(io)?;
    Ok(true)
}

/// Writes a skeleton ADR for the breaking changes of `report` that no ADR covers, for the version
/// the policy asks for; returns its repo-relative path, or `None` when every breaking change is
/// covered.
pub fn write_skeleton(root: &Path, report: &Report) -> Result<Option<String>, Error> {
    let uncovered = report.uncovered();
    if uncovered.is_empty() {
        return Ok(None);
    }
    let target = match version::SemVer::parse(&report.version.old) {
        Some(old) if !report.version.ok => report.version.required.next(old).to_string(),
        _ => report.version.new.clone(),
    };
    let (name, text) = adr::skeleton(report.adrs.next_number(), &today(), &target, &uncovered);
    let relative = format!("{}/{name}", adr::ADR_DIR);
    let io = |source| Error::Io {
        path: relative.clone(),
        source,
    };
    std::fs::create_dir_all(root.join(adr::ADR_DIR)).map_err(io)?;
    let path = root.join(&relative);
    if path.exists() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "an ADR with this name exists",
        )));
    }
    std::fs::write(path, text).map_err(io)?;
    Ok(Some(relative))
}

/// Today's UTC date, `YYYY-MM-DD` (civil-from-days, Howard Hinnant's algorithm: no date crate for
/// one line of a skeleton).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
