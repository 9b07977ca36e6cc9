//! The few git plumbing calls spec-diff needs, through the `git` command (no libgit2): resolve a
//! revision, find the last commit that changed the manifest's `version`, read a spec out of a commit.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Why git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started.
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    /// A git command failed.
    #[error("git {args} failed: {stderr}")]
    Failed {
        /// The arguments.
        args: String,
        /// What git said.
        stderr: String,
    },
}

fn git(root: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()?;
    if !output.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The full commit id `rev` names, or `None` when the repository does not have it.
pub fn resolve(root: &Path, rev: &str) -> Result<Option<String>, GitError> {
    match git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    ) {
        Ok(id) => Ok(Some(id.trim().to_string())),
        Err(GitError::Failed { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// A short id for printing.
pub fn short(root: &Path, commit: &str) -> String {
    git(root, &["rev-parse", "--short", commit])
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| commit.chars().take(7).collect())
}

/// Whether the repository is a shallow clone (its history may stop before the revision we need).
pub fn is_shallow(root: &Path) -> bool {
    git(root, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|s| s.trim() == "true")
}

/// The `version:` value of a manifest's text (top-level key).
pub fn manifest_version(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix("version:")?;
        let value = value.split('#').next()?.trim().trim_matches(['"', '\'']);
        Some(value.to_string())
    })
}

/// The text of `path` at `commit`, or `None` when the commit does not hold it.
pub fn show(root: &Path, commit: &str, path: &str) -> Result<Option<String>, GitError> {
    match git(root, &["show", &format!("{commit}:{path}")]) {
        Ok(text) => Ok(Some(text)),
        Err(GitError::Failed { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The last commit reachable from `HEAD` that changed the `version:` of `manifest`: walks the
/// commits that touched the file (newest first) and compares the version with the first parent's.
/// A commit that adds the manifest counts. `None` when no commit in the history did (or the
/// history is cut off before one).
pub fn last_version_commit(root: &Path, manifest: &str) -> Result<Option<String>, GitError> {
    let log = match git(root, &["log", "--format=%H", "HEAD", "--", manifest]) {
        Ok(log) => log,
        // a repository without commits
        Err(GitError::Failed { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let boundary = shallow_boundary(root)?;
    for commit in log.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if boundary.iter().any(|b| b == commit) {
            // a shallow clone's cut: the commit seems to add every file, its parent is missing
            return Ok(None);
        }
        let here = show(root, commit, manifest)?.and_then(|t| manifest_version(&t));
        let parent = match resolve(root, &format!("{commit}^"))? {
            Some(parent) => show(root, &parent, manifest)?.and_then(|t| manifest_version(&t)),
            None => None,
        };
        if here.is_some() && here != parent {
            return Ok(Some(commit.to_string()));
        }
    }
    Ok(None)
}

/// The commits where a shallow clone's history is cut (`.git/shallow`); empty when not shallow.
fn shallow_boundary(root: &Path) -> Result<Vec<String>, GitError> {
    let path = git(root, &["rev-parse", "--git-path", "shallow"])?;
    let path = root.join(path.trim());
    Ok(std::fs::read_to_string(path)
        .map(|text| text.lines().map(|l| l.trim().to_string()).collect())
        .unwrap_or_default())
}

/// Every file under the manifest's folder at `commit`, as repo-relative path → text: what
/// `handshake_spec::load_sources` reads.
pub fn spec_sources(
    root: &Path,
    commit: &str,
    manifest: &str,
) -> Result<BTreeMap<String, String>, GitError> {
    let folder = manifest.rsplit_once('/').map_or("", |(dir, _)| dir);
    let listing = git(
        root,
        &["ls-tree", "-r", "--name-only", commit, "--", folder],
    )?;
    let mut sources = BTreeMap::new();
    for path in listing.lines().filter(|l| !l.is_empty()) {
        if let Some(text) = show(root, commit, path)? {
            sources.insert(path.to_string(), text);
        }
    }
    Ok(sources)
}
