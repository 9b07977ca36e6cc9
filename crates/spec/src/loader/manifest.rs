//! The manifest (`spec/handshake.yaml`): name, versions, output folders and the file list.

use std::collections::BTreeMap;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::read::is_dotted_numbers;
use super::{At, ManifestHead, Reader};
use crate::diagnostics::Code;
use crate::model::{Location, Outputs};
use crate::names;

/// One of the manifest's one-value keys: a non-empty text in a checked form.
struct HeadValue {
    key: &'static str,
    is_valid: fn(&str) -> bool,
    /// The message for a malformed value (given escaped).
    message: fn(&str) -> String,
    label: &'static str,
    help: &'static str,
}

/// `spec`, `version` and `master_spec`, in the order they are read.
const HEAD_VALUES: [HeadValue; 3] = [
    HeadValue {
        key: "spec",
        is_valid: names::is_snake_case,
        message: |value| format!("invalid spec name `{value}`"),
        label: "not snake_case",
        help: "write a snake_case machine name, e.g. `handshake_ai_job_model`",
    },
    HeadValue {
        key: "version",
        is_valid: is_semver,
        message: |value| format!("`version` `{value}` is not SemVer"),
        label: "expected MAJOR.MINOR.PATCH",
        help: "write e.g. `0.1.0`",
    },
    HeadValue {
        key: "master_spec",
        is_valid: is_master_spec_version,
        message: |value| format!("`master_spec` `{value}` is not a Master Spec version"),
        label: "expected `v` and dotted numbers",
        help: "write e.g. `v02.84`",
    },
];

impl Reader<'_> {
    /// The required `head` value of the manifest `root`; a malformed one is reported and still
    /// returned.
    fn head_value(
        &mut self,
        root: &MarkedMappingNode,
        owner: &At,
        head: &HeadValue,
    ) -> Option<String> {
        let node = self.require(root, head.key, owner, "the manifest")?;
        let value = self.text(node, &format!("`{}`", head.key))?;
        if !(head.is_valid)(&value) {
            let message = (head.message)(&value.escape_debug().to_string());
            let at = self.source.at_node(node);
            let help = Some(head.help.to_string());
            self.sink
                .report(Code::InvalidManifestValue, at, message, head.label, help);
        }
        Some(value)
    }

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
        let [name, version, master_spec] =
            HEAD_VALUES.map(|head| self.head_value(root, &owner, &head));
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
                    let message = "`files` must list at least one spec file";
                    self.wrong_shape(self.source.at_node(node), message, "empty list", None);
                }
                let mut seen: BTreeMap<String, Location> = BTreeMap::new();
                for item in seq.iter() {
                    let Some(entry) = self.text(item, "a `files` entry") else {
                        continue;
                    };
                    let at = self.source.at_node(item);
                    let manifest_name = self
                        .source
                        .files
                        .first()
                        .map(|m| m.rsplit('/').next().unwrap_or(m));
                    if let Some((message, label, help)) =
                        listed_file_problem(&entry, manifest_name, &seen)
                    {
                        let help = Some(help);
                        self.sink
                            .report(Code::InvalidFilesEntry, at, message, label, help);
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
        let keys = Outputs::TARGETS;
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
/// What is wrong with `entry` of `files:` (message, label and help), if anything: a path that is
/// not a spec file's, the manifest itself (`manifest_name`), or an entry already `seen`.
fn listed_file_problem(
    entry: &str,
    manifest_name: Option<&str>,
    seen: &BTreeMap<String, Location>,
) -> Option<(String, &'static str, String)> {
    if let Some(problem) = file_entry_problem(entry) {
        let message = format!(
            "invalid spec file entry `{}`: {problem}",
            entry.escape_debug()
        );
        let help = "write a `.yaml` path relative to the manifest's folder, e.g. `core.yaml`";
        return Some((message, problem, help.into()));
    }
    if Some(entry) == manifest_name {
        let message = format!("the manifest lists itself (`{entry}`)");
        return Some((
            message,
            "the manifest",
            "list only the other spec files".into(),
        ));
    }
    let first = seen.get(entry)?;
    let message = format!("spec file `{entry}` is listed twice");
    Some((
        message,
        "listed again",
        format!("first listed at {first}; remove one"),
    ))
}

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
