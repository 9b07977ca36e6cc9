//! Architecture decision records under `docs/adr/` (§2.6.6.6.3 asks for schema versions whose
//! changes are linked to ADRs): the file format, the coverage check, the skeleton and the index.
//!
//! An ADR is `docs/adr/NNNN-<slug>.md`: Markdown with a small front matter, one key a line, and the
//! changes it covers as `rule-id subject` (exactly as spec-diff prints them):
//!
//! ```text
//! ---
//! adr: 1
//! title: store payload records and the rules that guard them
//! date: 2026-12-05
//! status: accepted
//! spec_version: 0.3.0
//! covers:
//!   - rule-added job_completed_has_validation
//!   - field-removed AiJobEventPayload.detail
//! ---
//!
//! # ADR 0001: …
//! ## Context
//! ## Decision
//! ## Consequences
//! ```
//!
//! `docs/adr/README.md` is the index, by spec version; spec-diff writes it (`--adr-index`) and
//! fails when it is stale.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalogue;
use crate::diff::Change;
use crate::version::SemVer;

/// The folder of ADRs, relative to the repository root.
pub const ADR_DIR: &str = "docs/adr";
/// The index, relative to the repository root.
pub const INDEX: &str = "docs/adr/README.md";
/// The statuses an ADR may have.
pub const STATUSES: [&str; 3] = ["proposed", "accepted", "superseded"];

/// One parsed ADR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adr {
    /// Its number (`adr:`), equal to the file name's prefix.
    pub number: u32,
    /// File name inside `docs/adr/`.
    pub file: String,
    /// `title:`.
    pub title: String,
    /// `date:`, `YYYY-MM-DD`.
    pub date: String,
    /// `status:`, one of [`STATUSES`].
    pub status: String,
    /// `spec_version:`, the version of the spec that carries the changes.
    pub spec_version: String,
    /// `covers:`, each `rule-id subject` with its 1-based line.
    pub covers: Vec<(String, usize)>,
}

/// A problem with an ADR file, at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdrProblem {
    /// Repo-relative path of the file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Lower-case fragment.
    pub message: String,
}

/// The ADRs of a repository and the problems found reading them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdrSet {
    /// Every well-formed ADR, by number.
    pub adrs: Vec<Adr>,
    /// Every problem.
    pub problems: Vec<AdrProblem>,
}

impl AdrSet {
    /// The ADR that covers `change`, if any: one that names it and is for a version after
    /// `since` (the version compared against), so an ADR of an earlier release never covers a
    /// change that happens to have the same rule and subject again.
    pub fn covering(&self, change: &Change, since: &str) -> Option<&Adr> {
        let key = change.key();
        let since = SemVer::parse(since);
        self.adrs.iter().find(|adr| {
            adr.covers.iter().any(|(k, _)| *k == key)
                && match (SemVer::parse(&adr.spec_version), since) {
                    (Some(adr), Some(since)) => adr > since,
                    _ => true,
                }
        })
    }

    /// The next free number.
    pub fn next_number(&self) -> u32 {
        self.adrs.iter().map(|a| a.number).max().unwrap_or(0) + 1
    }
}

/// Reads every `NNNN-*.md` under `root/docs/adr/` (a missing folder is an empty set).
pub fn read_dir(root: &Path) -> std::io::Result<AdrSet> {
    let dir = root.join(ADR_DIR);
    let mut files = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if name.ends_with(".md") && name != "README.md" {
                    files.push((name.clone(), std::fs::read_to_string(dir.join(&name))?));
                }
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    files.sort();
    Ok(parse_all(&files))
}

/// Parses ADR files given as `(file name, text)`.
pub fn parse_all(files: &[(String, String)]) -> AdrSet {
    let mut set = AdrSet::default();
    for (name, text) in files {
        match parse(name, text) {
            Ok(adr) => {
                if let Some(other) = set.adrs.iter().find(|a| a.number == adr.number) {
                    set.problems.push(AdrProblem {
                        file: format!("{ADR_DIR}/{name}"),
                        line: 2,
                        message: format!("adr {} is also {}", adr.number, other.file),
                    });
                } else {
                    set.adrs.push(adr);
                }
            }
            Err(mut problems) => set.problems.append(&mut problems),
        }
    }
    set.adrs.sort_by_key(|a| a.number);
    set
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Parses one ADR; every problem is reported, each at its line.
pub fn parse(name: &str, text: &str) -> Result<Adr, Vec<AdrProblem>> {
    let path = format!("{ADR_DIR}/{name}");
    let mut problems = Vec::new();
    let mut problem = |line: usize, message: String| {
        problems.push(AdrProblem {
            file: path.clone(),
            line,
            message,
        })
    };
    let lines: Vec<&str> = text.lines().collect();
    let prefix = name.split('-').next().unwrap_or("");
    let file_number = (prefix.len() == 4)
        .then(|| prefix.parse::<u32>().ok())
        .flatten();
    if file_number.is_none() {
        problem(
            1,
            "the file name must start with a 4-digit number (`0001-…`)".into(),
        );
    }
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        problem(1, "an ADR starts with a `---` front matter".into());
        return Err(problems);
    }
    let Some(end) = lines.iter().skip(1).position(|l| l.trim_end() == "---") else {
        problem(1, "the front matter is not closed with `---`".into());
        return Err(problems);
    };
    let end = end + 1;
    let mut keys: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    let mut covers = Vec::new();
    let mut in_covers = false;
    for (index, line) in lines[1..end].iter().enumerate() {
        let number = index + 2;
        if in_covers && let Some(item) = line.trim_start().strip_prefix("- ") {
            let item = item.split_whitespace().collect::<Vec<_>>();
            match item.as_slice() {
                [rule, subject] if catalogue::rule(rule).is_some() => {
                    covers.push((format!("{rule} {subject}"), number))
                }
                [rule, _] => problem(
                    number,
                    format!("`{rule}` is not a rule of docs/spec-diff.md"),
                ),
                _ => problem(number, "a covered change is `rule-id subject`".into()),
            }
            continue;
        }
        in_covers = false;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            problem(number, format!("`{}` is not `key: value`", line.trim()));
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "covers" if value.is_empty() => in_covers = true,
            "adr" | "title" | "date" | "status" | "spec_version" => {
                keys.insert(
                    match key {
                        "adr" => "adr",
                        "title" => "title",
                        "date" => "date",
                        "status" => "status",
                        _ => "spec_version",
                    },
                    (value.to_string(), number),
                );
            }
            other => problem(
                number,
                format!("unknown key `{other}` (adr, title, date, status, spec_version, covers)"),
            ),
        }
    }
    let mut get = |key: &str| -> (String, usize) {
        keys.get(key).cloned().unwrap_or_else(|| {
            problem(1, format!("the front matter has no `{key}:`"));
            (String::new(), 1)
        })
    };
    let (number, number_line) = get("adr");
    let (title, _) = get("title");
    let (date, date_line) = get("date");
    let (status, status_line) = get("status");
    let (spec_version, version_line) = get("spec_version");
    let number = number.parse::<u32>().ok();
    if number.is_none() || (file_number.is_some() && number != file_number) {
        problem(
            number_line,
            "`adr:` must be the number the file name starts with".into(),
        );
    }
    if !is_date(&date) {
        problem(date_line, format!("`date: {date}` is not YYYY-MM-DD"));
    }
    if !STATUSES.contains(&status.as_str()) {
        problem(
            status_line,
            format!("`status: {status}` is not one of {}", STATUSES.join(", ")),
        );
    }
    if SemVer::parse(&spec_version).is_none() {
        problem(
            version_line,
            format!("`spec_version: {spec_version}` is not MAJOR.MINOR.PATCH"),
        );
    }
    // the decision: a `## Decision` section with text, and no skeleton placeholder anywhere
    let body = &lines[end + 1..];
    let decision = body
        .iter()
        .position(|l| l.trim().eq_ignore_ascii_case("## decision"))
        .map(|start| {
            body[start + 1..]
                .iter()
                .take_while(|l| !l.starts_with("## "))
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ")
        });
    match decision {
        None => problem(end + 1, "an ADR needs a `## Decision` section".into()),
        Some(text) if text.trim().is_empty() => {
            problem(end + 1, "the `## Decision` section is empty".into())
        }
        Some(_) => {}
    }
    if let Some(index) = lines.iter().position(|l| l.contains("TODO")) {
        problem(
            index + 1,
            "the ADR still has a TODO from its skeleton".into(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Adr {
        number: number.unwrap_or_default(),
        file: name.to_string(),
        title,
        date,
        status,
        spec_version,
        covers,
    })
}

/// The index page `docs/adr/README.md`: ADRs by spec version, newest version first.
pub fn render_index(set: &AdrSet) -> String {
    let mut out = String::from(
        "<!-- @generated by `cargo xtask spec-diff --adr-index` from docs/adr/*.md — do not edit. -->\n\
         # Architecture decision records\n\n\
         Every breaking change of the spec (see [spec-diff](../spec-diff.md)) is covered by one ADR here: \
         its front matter names the changes as `rule-id subject`, the body gives the decision. \
         `cargo xtask spec-diff` fails on a breaking change no ADR covers, and on this page when it \
         is stale (`cargo xtask spec-diff --adr-index` rewrites it).\n",
    );
    let mut versions: Vec<&str> = set.adrs.iter().map(|a| a.spec_version.as_str()).collect();
    versions.sort_by_key(|v| std::cmp::Reverse(SemVer::parse(v)));
    versions.dedup();
    if versions.is_empty() {
        out.push_str("\nNo ADR yet.\n");
    }
    for version in versions {
        out.push_str(&format!(
            "\n## Spec {version}\n\n| ADR | date | status | title | changes |\n| --- | --- | --- | --- | --- |\n"
        ));
        for adr in set.adrs.iter().filter(|a| a.spec_version == version) {
            out.push_str(&format!(
                "| [{:04}]({}) | {} | {} | {} | {} |\n",
                adr.number,
                adr.file,
                adr.date,
                adr.status,
                adr.title.replace('|', "\\|"),
                adr.covers.len()
            ));
        }
    }
    out
}

/// A skeleton ADR covering `changes` (the breaking ones no ADR covers yet), for `spec_version`.
/// Returns the file name and its text; the TODOs keep spec-diff failing until they are written.
pub fn skeleton(
    number: u32,
    date: &str,
    spec_version: &str,
    changes: &[&Change],
) -> (String, String) {
    let slug = format!("spec-{}", spec_version.replace('.', "-"));
    let name = format!("{number:04}-{slug}.md");
    let mut text = format!(
        "---\nadr: {number}\ntitle: TODO one line naming what changes and why\ndate: {date}\nstatus: proposed\nspec_version: {spec_version}\ncovers:\n"
    );
    for change in changes {
        text.push_str(&format!("  - {}\n", change.key()));
    }
    text.push_str(&format!(
        "---\n\n# ADR {number:04}: TODO title\n\n## Context\n\nTODO what made these changes necessary (cite clauses, e.g. §2.6.6.2; paraphrase, never copy the Master Spec).\n\n## Changes\n\n"
    ));
    for change in changes {
        text.push_str(&format!(
            "- `{}` {} ({}): {}\n",
            change.rule.id, change.subject, change.rule.severity, change.message
        ));
    }
    text.push_str(
        "\n## Decision\n\nTODO what was decided, and what producers, readers and stored data must do.\n\n## Consequences\n\nTODO migrations, compatibility, what old readers see.\n",
    );
    (name, text)
}
