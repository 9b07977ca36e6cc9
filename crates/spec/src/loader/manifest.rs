//! The manifest (`spec/handshake.yaml`): name, versions, output folders and the file list.

use std::collections::BTreeMap;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::read::is_dotted_numbers;
use super::{At, ManifestHead, Reader};
use crate::diagnostics::Code;
use crate::model::{Location, Outputs};
use crate::names;

impl Reader<'_> {
    // ----- manifest --------------------------------------------------------------------------

    pub(super) fn manifest(
        &mut self,
        root: &MarkedMappingNode,
        manifest_dir: &str,
    ) -> ManifestHead {
        let owner = (self.source.span_location(root.span()), 1);
        let what = "the manifest";
        self.check_keys(
            root,
            &[
                "spec",
                "version",
                "master_spec",
                "outputs",
                "files",
                "claims",
            ],
            what,
        );
        let name = self.require(root, "spec", &owner, what).and_then(|node| {
            let name = self.text(node, "`spec`")?;
            if !names::is_snake_case(&name) {
                let at = self.source.at_node(node);
                self.sink.report(
                    Code::InvalidManifestValue,
                    at,
                    format!("invalid spec name `{}`", name.escape_debug()),
                    "not snake_case",
                    Some("write a snake_case machine name, e.g. `handshake_ai_job_model`".into()),
                );
            }
            Some(name)
        });
        let version = self
            .require(root, "version", &owner, what)
            .and_then(|node| {
                let version = self.text(node, "`version`")?;
                if !is_semver(&version) {
                    let at = self.source.at_node(node);
                    self.sink.report(
                        Code::InvalidManifestValue,
                        at,
                        format!("`version` `{}` is not SemVer", version.escape_debug()),
                        "expected MAJOR.MINOR.PATCH",
                        Some("write e.g. `0.1.0`".into()),
                    );
                }
                Some(version)
            });
        let master_spec = self
            .require(root, "master_spec", &owner, what)
            .and_then(|node| {
                let value = self.text(node, "`master_spec`")?;
                if !is_master_spec_version(&value) {
                    let at = self.source.at_node(node);
                    self.sink.report(
                        Code::InvalidManifestValue,
                        at,
                        format!(
                            "`master_spec` `{}` is not a Master Spec version",
                            value.escape_debug()
                        ),
                        "expected `v` and dotted numbers",
                        Some("write e.g. `v02.84`".into()),
                    );
                }
                Some(value)
            });
        let outputs = match root.get_key_value("outputs") {
            Some((key, node)) => {
                let key_at = self.source.at_scalar(key);
                self.outputs(node, key_at, manifest_dir)
            }
            None => {
                self.require(root, "outputs", &owner, what);
                None
            }
        };

        let mut files = Vec::new();
        let mut files_at = None;
        if let Some((key, node)) = root.get_key_value("files") {
            files_at = Some(self.source.at_scalar(key));
            if let Some(seq) = self.expect_seq(node, "`files`") {
                if seq.is_empty() {
                    let at = self.source.at_node(node);
                    self.sink.report(
                        Code::WrongShape,
                        at,
                        "`files` must list at least one spec file",
                        "empty list",
                        None,
                    );
                }
                let mut seen: BTreeMap<String, Location> = BTreeMap::new();
                for item in seq.iter() {
                    let Some(entry) = self.text(item, "a `files` entry") else {
                        continue;
                    };
                    let at = self.source.at_node(item);
                    if let Some(problem) = file_entry_problem(&entry) {
                        self.sink.report(Code::InvalidFilesEntry, at, format!("invalid spec file entry `{}`: {problem}", entry.escape_debug()), problem, Some("write a `.yaml` path relative to the manifest's folder, e.g. `core.yaml`".into()));
                        continue;
                    }
                    let manifest_name = self
                        .source
                        .files
                        .first()
                        .map(|m| m.rsplit('/').next().unwrap_or(m));
                    if Some(entry.as_str()) == manifest_name {
                        self.sink.report(
                            Code::InvalidFilesEntry,
                            at,
                            format!("the manifest lists itself (`{entry}`)"),
                            "the manifest",
                            Some("list only the other spec files".into()),
                        );
                        continue;
                    }
                    if let Some(first) = seen.get(&entry) {
                        self.sink.report(
                            Code::InvalidFilesEntry,
                            at,
                            format!("spec file `{entry}` is listed twice"),
                            "listed again",
                            Some(format!("first listed at {first}; remove one")),
                        );
                        continue;
                    }
                    seen.insert(entry.clone(), at.0.clone());
                    files.push((entry, at));
                }
            }
        } else {
            self.require(root, "files", &owner, what);
        }
        // The manifest claims what the spec as a whole implements: how its versions and outputs
        // are kept (§2.6.6.6.3 asks it of the schemas, not of any one declaration).
        if let Some((key, node)) = root.get_key_value("claims") {
            self.read_claims(key, node, &owner);
        }
        let values = match (name, version, master_spec, outputs) {
            (Some(n), Some(v), Some(m), Some(o)) => Some((n, v, m, o)),
            _ => None,
        };
        ManifestHead {
            values,
            files,
            files_at,
        }
    }

    pub(super) fn outputs(
        &mut self,
        node: &Node,
        owner: At,
        manifest_dir: &str,
    ) -> Option<Outputs> {
        let map = self.expect_map(node, "`outputs`")?;
        let keys = [
            "rust",
            "json_schema",
            "migrations",
            "typescript",
            "python",
            "docs",
        ];
        self.check_keys(map, &keys, "`outputs`");

        let spec_dir = if manifest_dir.is_empty() {
            "spec"
        } else {
            manifest_dir
        };
        let mut paths: Vec<Option<String>> = Vec::new();
        let mut seen: Vec<(String, At)> = Vec::new();
        for key in keys {
            let Some(value) = self.require(map, key, &owner, "`outputs`") else {
                paths.push(None);
                continue;
            };
            let Some(path) = self
                .expect_scalar(value, &format!("`outputs.{key}`"))
                .map(|s| s.as_str().to_string())
            else {
                paths.push(None);
                continue;
            };
            let at = self.source.at_node(value);
            if let Some(problem) = output_problem(&path, spec_dir) {
                self.sink.report(Code::InvalidOutputPath, at, format!("invalid output folder `{}` for `{key}`: {problem}", path.escape_debug()), problem, Some("write a relative folder inside the repository with `/` separators, e.g. `crates/job-model/src/generated`".into()));
                paths.push(None);
                continue;
            }
            for (other, other_at) in &seen {
                let relation = if *other == path {
                    Some("the same folder as")
                } else if is_inside(&path, other) {
                    Some("inside")
                } else if is_inside(other, &path) {
                    Some("around")
                } else {
                    None
                };
                if let Some(relation) = relation {
                    self.sink.report(Code::NestedOutputs, at.clone(), format!("output folder `{path}` for `{key}` is {relation} `{other}`"), "overlaps another output", Some(format!("`{other}` is declared at {}; each generator needs its own folder, neither inside the other", other_at.0)));
                }
            }
            seen.push((path.clone(), at));
            paths.push(Some(path));
        }
        let mut paths = paths.into_iter();
        let mut next = || paths.next().flatten();
        let (rust, json_schema, migrations, typescript, python, docs) =
            (next(), next(), next(), next(), next(), next());
        Some(Outputs {
            rust: rust?,
            json_schema: json_schema?,
            migrations: migrations?,
            typescript: typescript?,
            python: python?,
            docs: docs?,
        })
    }
}

pub(super) fn is_master_spec_version(value: &str) -> bool {
    value.strip_prefix('v').is_some_and(is_dotted_numbers)
}

/// SemVer 2.0: `MAJOR.MINOR.PATCH` without leading zeros, optional `-pre` and `+build`.
pub(super) fn is_semver(value: &str) -> bool {
    let (rest, build) = match value.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (value, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let core_ok = numbers.len() == 3
        && numbers.iter().all(|n| {
            !n.is_empty()
                && n.chars().all(|c| c.is_ascii_digit())
                && (n.len() == 1 || !n.starts_with('0'))
        });
    let ident_ok = |s: &str| {
        s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    core_ok && pre.is_none_or(ident_ok) && build.is_none_or(ident_ok)
}

/// Why a `files:` entry is refused, if it is.
pub(super) fn file_entry_problem(entry: &str) -> Option<&'static str> {
    if let Some(problem) = path_problem(entry) {
        return Some(problem);
    }
    if !entry.ends_with(".yaml") {
        return Some("not a `.yaml` file");
    }
    None
}

pub(super) fn path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("empty path");
    }
    if path.contains('\\') {
        return Some("backslash in path");
    }
    if path.starts_with('/') || path.get(1..2) == Some(":") {
        return Some("absolute path");
    }
    if path.chars().any(char::is_control) {
        return Some("control character in path");
    }
    if path.ends_with('/') {
        return Some("trailing `/`");
    }
    for part in path.split('/') {
        match part {
            ".." => return Some("`..` leaves the folder"),
            "." => return Some("`.` component"),
            "" => return Some("empty path component (`//`)"),
            _ => {}
        }
    }
    None
}

pub(super) fn output_problem(path: &str, spec_dir: &str) -> Option<&'static str> {
    if let Some(problem) = path_problem(path) {
        return Some(problem);
    }
    if path == spec_dir || is_inside(path, spec_dir) {
        return Some("inside the spec folder");
    }
    None
}

/// Whether `inner` is strictly inside folder `outer` (component-wise).
pub(super) fn is_inside(inner: &str, outer: &str) -> bool {
    inner.len() > outer.len()
        && inner.starts_with(outer)
        && inner.as_bytes().get(outer.len()) == Some(&b'/')
}
