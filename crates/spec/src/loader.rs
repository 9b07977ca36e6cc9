//! YAML → IR conversion by hand (not serde), so that every problem is collected, not only the first.
//!
//! Three passes: (A) collect every declared name across all files, so references may point forward
//! and duplicates across files are found; (B) convert each file, checking everything that is local
//! to a declaration with the exact location of the offending node; (C) whole-spec checks on the
//! assembled model (record cycles, defaults, foreign keys, unique table/index names and codes).
//!
//! This module holds the driver, YAML parsing, locations and the small typed readers every section
//! uses; one child module per section (`manifest`, `types`, `tables`, `lifecycle`, `errors`) and
//! `whole_spec` for pass C.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{LoaderOptions, Node, Span};

use crate::LoadError;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{
    ChildTable, Claim, Clause, EnumValue, ErrorDef, Field, FieldStorage, ForeignKey, Index,
    Lifecycle, Location, Meta, Outputs, Primitive, Record, RejectedTransition, Spec, State,
    StringConstraints, Table, Transition, TransitionOrigin, TypeDef, TypeKind, TypeRef, Union,
    Variant,
};
use crate::names::{self, NameKind};
use crate::suggest::did_you_mean;

mod errors;
mod evolution;
mod lifecycle;
mod manifest;
mod out_of_scope;
mod profiles;
mod rules;
mod tables;
mod types;
mod whole_spec;

/// Reads one repo-relative spec file: `Ok(None)` when it does not exist.
pub(crate) type ReadFile<'r> = dyn FnMut(&str) -> Result<Option<String>, LoadError> + 'r;

/// A location plus how many characters to underline.
type At = (Location, usize);

const META_KEYS: [&str; 3] = ["clause", "description", "decision"];
const FIELD_KEYS: &[&str] = &[
    "type",
    "required",
    "default",
    "storage",
    "renamed_from",
    "backfill",
    "cast",
    "clause",
    "description",
    "decision",
];
const KINDS: &[&str] = &["id", "string", "enum", "record", "union"];
const PRIMITIVES: &[&str] = &[
    "string",
    "integer",
    "uint",
    "number",
    "boolean",
    "uuid",
    "timestamp",
    "json",
];
const MAX_TYPE_DEPTH: usize = 16;

/// Loads the spec whose manifest is `manifest` (repo-relative), reading files through `read`.
pub(crate) fn load(manifest: &str, read: &mut ReadFile<'_>) -> Result<Spec, LoadError> {
    let mut loader = Loader::default();
    let spec = loader.run(manifest, read)?;
    let mut items = loader.diagnostics;
    let order: BTreeMap<&str, usize> = loader
        .files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.as_str(), index))
        .collect();
    items.sort_by_key(|d| {
        (
            order
                .get(d.location.file.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            d.location.line,
            d.location.column,
        )
    });
    match spec {
        Some(spec) if items.is_empty() => Ok(spec),
        _ => Err(LoadError::Invalid(Diagnostics::new(items, loader.texts))),
    }
}

/// What pass A learned about one declared type.
#[derive(Debug, Clone)]
struct Declared {
    kind: Option<String>,
    at: At,
}

/// A `default:` whose value is checked once every type is known (pass C).
struct PendingDefault {
    owner: Owner,
    field: String,
    ty: TypeRef,
    node: Node,
}

/// The declaration a field belongs to.
#[derive(Debug, Clone, PartialEq)]
enum Owner {
    Type(String),
    Variant(String, String),
    Error(String),
}

/// A `child_table` whose index columns are checked once the element record is known.
struct PendingChild {
    element: String,
    parent_key: Vec<String>,
    columns: Vec<(String, At)>,
}

#[derive(Default)]
struct Loader {
    /// Repo-relative paths by marked-yaml source index (manifest first).
    files: Vec<String>,
    texts: BTreeMap<String, String>,
    /// Byte offset of every line start of each text, so a location's source line is found
    /// without rescanning the file (once per scalar, that scan made loading quadratic).
    line_starts: BTreeMap<String, Vec<usize>>,
    diagnostics: Vec<Diagnostic>,
    declared: BTreeMap<String, Declared>,
    lifecycle_name: Option<String>,
    defaults: Vec<PendingDefault>,
    children: Vec<PendingChild>,
    foreign_keys: Vec<(String, At)>,
    sql_names: Vec<(String, &'static str, At)>,
    error_codes: Vec<(String, At)>,
    /// `Record.field` whose type expression failed; column checks skip them (no cascades).
    unresolved: BTreeSet<String>,
    /// (mapping location, key) pairs where an unknown key was reported as a typo of `key`, so the
    /// missing-key report for `key` would only repeat it.
    typo_of: BTreeSet<(Location, String)>,
    /// A file failed to parse; whole-spec "missing" checks would only repeat that.
    parse_failed: bool,
    /// `profiles:` read so far, checked and turned into `JobInputs` in pass C.
    profile_state: profiles::ProfileState,
    /// `claims:` entries of any declaration: (item id, where written, the declaration), checked
    /// against `master-spec.lock` once every file is read.
    claims: Vec<(String, At, Location)>,
    /// Evolution declarations read so far (`renamed_from`, `backfill`, `removed_*`).
    evolution: crate::model::Evolution,
    /// `backfill:` values checked against their field's type in pass C.
    backfills: Vec<PendingDefault>,
}

/// One parsed spec file.
struct ParsedFile {
    root: MarkedMappingNode,
}

impl Loader {
    fn run(&mut self, manifest: &str, read: &mut ReadFile<'_>) -> Result<Option<Spec>, LoadError> {
        self.files.push(manifest.to_string());
        let Some(text) = read(manifest)? else {
            self.report(
                "S0106",
                (location(manifest, 1, 1), 1),
                format!("spec manifest `{manifest}` does not exist"),
                "",
                Some("create it, or pass the right manifest path".into()),
            );
            return Ok(None);
        };
        self.add_text(manifest.to_string(), text);
        let Some(root) = self.parse(0) else {
            return Ok(None);
        };
        let manifest_dir = match manifest.rsplit_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => String::new(),
        };
        let head = self.manifest(&root, &manifest_dir);

        let mut parsed: Vec<Option<ParsedFile>> = Vec::new();
        for (entry, at) in &head.files {
            let path = if manifest_dir.is_empty() {
                entry.clone()
            } else {
                format!("{manifest_dir}/{entry}")
            };
            let Some(text) = read(&path)? else {
                self.report(
                    "S0106",
                    at.clone(),
                    format!("spec file `{path}` does not exist"),
                    "listed here",
                    Some(format!(
                        "entries of `files:` are relative to the manifest's folder (`{}`)",
                        if manifest_dir.is_empty() {
                            "."
                        } else {
                            &manifest_dir
                        }
                    )),
                );
                continue;
            };
            self.files.push(path.clone());
            self.add_text(path, text);
            let index = self.files.len() - 1;
            let file = self.parse(index).map(|root| ParsedFile { root });
            self.parse_failed |= file.is_none();
            parsed.push(file);
        }

        // Pass A: every declared name, so references may point forward and across files.
        for file in parsed.iter().flatten() {
            self.collect_declarations(&file.root);
            self.declare_job_inputs(&file.root);
        }

        // Pass B: convert each file.
        let mut types = Vec::new();
        let mut lifecycles: Vec<(Lifecycle, At)> = Vec::new();
        let mut errors = Vec::new();
        for file in parsed.iter().flatten() {
            let converted = self.file(&file.root);
            types.extend(converted.types);
            self.profiles_section(&file.root, types.len());
            if let Some(lifecycle) = converted.lifecycle {
                let at = (lifecycle.meta.location.clone(), 9);
                types.push(TypeDef {
                    name: lifecycle.name.clone(),
                    meta: lifecycle.meta.clone(),
                    root: true,
                    kind: TypeKind::Enum(
                        lifecycle
                            .states
                            .iter()
                            .map(|state| EnumValue {
                                name: state.name.clone(),
                                meta: state.meta.clone(),
                            })
                            .collect(),
                    ),
                });
                lifecycles.push((lifecycle, at));
            }
            errors.extend(converted.errors);
        }

        let mut lifecycles = lifecycles.into_iter();
        let lifecycle = match lifecycles.next() {
            Some((lifecycle, _)) => Some(lifecycle),
            None if self.parse_failed => None,
            None => {
                let at = head
                    .files_at
                    .clone()
                    .unwrap_or((location(manifest, 1, 1), 1));
                self.report(
                    "S0410",
                    at,
                    "the spec declares no `lifecycle:`",
                    "no file listed here has one",
                    Some("add a `lifecycle:` section (name, initial, states, transitions) to one spec file".into()),
                );
                None
            }
        };
        for (_, at) in lifecycles {
            self.report(
                "S0410",
                at,
                "a second `lifecycle:` is declared",
                "only one lifecycle is allowed in the whole spec",
                Some("merge the state machines into one `lifecycle:` section".into()),
            );
        }

        // Pass C: whole-spec checks.
        self.check_cycles(&types);
        self.check_defaults(&mut types, &mut errors);
        self.check_backfills(&types);
        self.check_removed_values_in_json(&types);
        let profiles = self.finish_profiles(&mut types, lifecycle.as_ref());
        self.check_foreign_keys(&types);
        self.check_children(&types);
        self.check_unique_sql_names();
        // Rules read the error codes to keep rule codes distinct from them.
        let roots: Vec<&MarkedMappingNode> = parsed.iter().flatten().map(|f| &f.root).collect();
        let mut rules = self.rules(&roots, &types);
        self.profile_rules(&profiles, &types, &mut rules);
        let out_of_scope = self.out_of_scope(&roots);
        self.check_unique_error_codes();
        let claims = self.check_claims(&manifest_dir, read)?;

        let mut files = vec![manifest.to_string()];
        files.extend(self.files.iter().skip(1).cloned());
        Ok(match (head.values, lifecycle) {
            (Some((name, version, master_spec, outputs)), Some(lifecycle)) => Some(Spec {
                name,
                version,
                master_spec,
                outputs,
                files,
                types,
                lifecycle,
                errors,
                rules,
                profiles,
                out_of_scope,
                claims,
                evolution: std::mem::take(&mut self.evolution),
            }),
            _ => None,
        })
    }

    // ----- parsing and reporting -------------------------------------------------------------

    fn parse(&mut self, index: usize) -> Option<MarkedMappingNode> {
        let file = self.files.get(index)?.clone();
        let text = self.texts.get(&file)?.clone();
        if let Some(line) = second_document_line(&text) {
            self.report(
                "S0101",
                (location(&file, line, 1), 3),
                "a spec file holds one YAML document; this starts a second one",
                "document marker",
                Some(
                    "remove the `---` / `...` line, or split the documents into separate files"
                        .into(),
                ),
            );
            return None;
        }
        let options = LoaderOptions::default()
            .error_on_duplicate_keys(true)
            .prevent_coercion(true);
        // marked-yaml asserts on a few inputs its event loop does not expect; a spec must never
        // crash the tool, so a panic inside it becomes a syntax error.
        let result = catch_unwind(AssertUnwindSafe(|| {
            marked_yaml::parse_yaml_with_options(index, &text, options)
        }));
        use marked_yaml::LoadError as Yaml;
        let error = match result {
            Ok(Ok(node)) => {
                return match node {
                    Node::Mapping(map) => Some(map),
                    other => {
                        let at = self.at_node(&other);
                        self.report(
                            "S0101",
                            at,
                            "a spec file must be a YAML mapping",
                            "expected `key: value` lines",
                            None,
                        );
                        None
                    }
                };
            }
            Ok(Err(error)) => error,
            Err(_) => {
                self.report(
                    "S0101",
                    (location(&file, 1, 1), 1),
                    "the YAML parser could not read this file",
                    "",
                    Some("simplify the YAML: plain mappings, lists and scalars only".into()),
                );
                return None;
            }
        };
        match error {
            Yaml::ScanError(marker, scan) => {
                let at = (self.marker_location(&marker), 1);
                let info = scan.info().to_string();
                self.report(
                    "S0101",
                    at,
                    format!("YAML syntax error: {info}"),
                    "here",
                    None,
                );
            }
            Yaml::DuplicateKey(inner) => {
                let first = self.at_scalar(&inner.prev_key);
                let at = self.at_scalar(&inner.key);
                let key = inner.key.as_str().to_string();
                self.report(
                    "S0102",
                    at,
                    format!("duplicate key `{key}`"),
                    "declared again here",
                    Some(format!(
                        "`{key}` is first declared at {}; remove or rename one",
                        first.0
                    )),
                );
            }
            Yaml::TopLevelMustBeMapping(marker) | Yaml::TopLevelMustBeSequence(marker) => {
                let at = (self.marker_location(&marker), 1);
                self.report(
                    "S0101",
                    at,
                    "a spec file must be a YAML mapping",
                    "expected `key: value` lines",
                    None,
                );
            }
            Yaml::UnexpectedAnchor(marker) => {
                let at = (self.marker_location(&marker), 1);
                self.report(
                    "S0101",
                    at,
                    "YAML anchors and aliases are not supported in spec files",
                    "anchor",
                    Some(
                        "write the value out; every declaration should be readable on its own"
                            .into(),
                    ),
                );
            }
            Yaml::MappingKeyMustBeScalar(marker) => {
                let at = (self.marker_location(&marker), 1);
                self.report(
                    "S0101",
                    at,
                    "mapping keys must be plain names",
                    "complex key",
                    None,
                );
            }
            Yaml::UnexpectedTag(marker) => {
                let at = (self.marker_location(&marker), 1);
                self.report(
                    "S0101",
                    at,
                    "YAML tags (`!name`) are not supported in spec files",
                    "tag",
                    Some("quote the value if the `!` is meant literally".into()),
                );
            }
        }
        None
    }

    fn report(
        &mut self,
        code: &'static str,
        at: At,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            code,
            message: message.into(),
            location: at.0,
            label: label.into(),
            help,
            width: at.1.max(1),
        });
    }

    fn marker_location(&self, marker: &marked_yaml::Marker) -> Location {
        let file = self.files.get(marker.source()).cloned().unwrap_or_default();
        location(&file, marker.line(), marker.column())
    }

    fn span_location(&self, span: &Span) -> Location {
        match span.start() {
            Some(marker) => self.marker_location(marker),
            None => location("", 1, 1),
        }
    }

    /// Location of a scalar and the width of its text in the source (quotes included).
    fn at_scalar(&self, scalar: &MarkedScalarNode) -> At {
        let location = self.span_location(scalar.span());
        let width = self.token_width(&location, Some(scalar.as_str()));
        (location, width)
    }

    fn at_node(&self, node: &Node) -> At {
        match node {
            Node::Scalar(scalar) => self.at_scalar(scalar),
            other => (self.span_location(other.span()), 1),
        }
    }

    fn add_text(&mut self, path: String, text: String) {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        self.line_starts.insert(path.clone(), starts);
        self.texts.insert(path, text);
    }

    /// The text of the location's line, without its `\n` (as `text.split('\n')` yields it).
    fn source_line(&self, location: &Location) -> Option<&str> {
        let text = self.texts.get(&location.file)?;
        let starts = self.line_starts.get(&location.file)?;
        let index = location.line.checked_sub(1)?;
        let start = *starts.get(index)?;
        let end = starts.get(index + 1).map_or(text.len(), |next| next - 1);
        text.get(start..end)
    }

    /// How many characters the token at `location` spans: a quoted string up to its closing quote,
    /// a plain scalar by its value, else up to the next separator.
    fn token_width(&self, location: &Location, value: Option<&str>) -> usize {
        let Some(line) = self.source_line(location) else {
            return 1;
        };
        let rest: String = line
            .chars()
            .skip(location.column.saturating_sub(1))
            .collect();
        let mut chars = rest.chars();
        match chars.next() {
            Some(quote @ ('"' | '\'')) => {
                let mut width = 1;
                let mut escaped = false;
                for c in chars {
                    width += 1;
                    if escaped {
                        escaped = false;
                    } else if c == '\\' && quote == '"' {
                        escaped = true;
                    } else if c == quote {
                        return width;
                    }
                }
                width
            }
            Some(_) => {
                if let Some(value) = value
                    && !value.is_empty()
                    && !value.contains('\n')
                    && rest.starts_with(value)
                {
                    return value.chars().count();
                }
                let end = rest
                    .char_indices()
                    .find(|&(i, c)| {
                        matches!(c, ',' | ']' | '}' | '#')
                            || (c == ':'
                                && rest
                                    .get(i + 1..)
                                    .is_some_and(|r| r.starts_with([' ', '\t'])))
                            || (c == ':' && rest.len() == i + 1)
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                rest.get(..end)
                    .unwrap_or_default()
                    .trim_end()
                    .chars()
                    .count()
                    .max(1)
            }
            None => 1,
        }
    }

    // ----- small readers ---------------------------------------------------------------------

    fn expect_map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedMappingNode> {
        if let Node::Mapping(map) = node {
            return Some(map);
        }
        let at = self.at_node(node);
        self.report(
            "S0105",
            at,
            format!("{what} must be a mapping"),
            format!("found {}", shape(node)),
            Some("write `key: value` entries, indented below".into()),
        );
        None
    }

    fn expect_seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedSequenceNode> {
        if let Node::Sequence(seq) = node {
            return Some(seq);
        }
        let at = self.at_node(node);
        self.report(
            "S0105",
            at,
            format!("{what} must be a list"),
            format!("found {}", shape(node)),
            Some("write `[a, b]` or one `- item` per line".into()),
        );
        None
    }

    fn expect_scalar<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedScalarNode> {
        if let Node::Scalar(scalar) = node {
            return Some(scalar);
        }
        let at = self.at_node(node);
        self.report(
            "S0105",
            at,
            format!("{what} must be a single value"),
            format!("found {}", shape(node)),
            None,
        );
        None
    }

    /// A non-empty text value.
    fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        let scalar = self.expect_scalar(node, what)?;
        if is_null(scalar) {
            let at = self.at_scalar(scalar);
            self.report(
                "S0105",
                at,
                format!("{what} must not be empty"),
                "empty value",
                None,
            );
            return None;
        }
        Some(scalar.as_str().to_string())
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        let scalar = self.expect_scalar(node, what)?;
        if scalar.may_coerce() {
            match scalar.as_str() {
                "true" => return Some(true),
                "false" => return Some(false),
                _ => {}
            }
        }
        let at = self.at_scalar(scalar);
        self.report(
            "S0105",
            at,
            format!("{what} must be `true` or `false`"),
            "not a boolean",
            None,
        );
        None
    }

    fn unsigned(&mut self, node: &Node, what: &str) -> Option<u64> {
        let scalar = self.expect_scalar(node, what)?;
        if scalar.may_coerce()
            && let Ok(value) = scalar.as_str().parse::<u64>()
        {
            return Some(value);
        }
        let at = self.at_scalar(scalar);
        self.report(
            "S0105",
            at,
            format!("{what} must be a whole number ≥ 0"),
            "not an unsigned integer",
            None,
        );
        None
    }

    /// Reports every key not in `allowed`.
    fn check_keys(&mut self, map: &MarkedMappingNode, allowed: &[&str], what: &str) {
        for key in map.keys() {
            // `claims:` is common declaration metadata, allowed wherever `description` is
            if allowed.contains(&key.as_str())
                || (key.as_str() == "claims" && allowed.contains(&"description"))
            {
                continue;
            }
            let at = self.at_scalar(key);
            let list = allowed
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let closest = crate::suggest::closest(key.as_str(), allowed.iter().copied());
            if let Some(intended) = closest {
                let map_at = self.span_location(map.span());
                self.typo_of.insert((map_at, intended.to_string()));
            }
            let help = match closest {
                Some(intended) => format!("did you mean `{intended}`? allowed keys: {list}"),
                None => format!("allowed keys: {list}"),
            };
            self.report(
                "S0103",
                at,
                format!("unknown key `{}` in {what}", key.as_str()),
                "unknown key",
                Some(help),
            );
        }
    }

    fn require<'n>(
        &mut self,
        map: &'n MarkedMappingNode,
        key: &str,
        owner: &At,
        what: &str,
    ) -> Option<&'n Node> {
        let node = map.get_node(key);
        let typo = self
            .typo_of
            .contains(&(self.span_location(map.span()), key.to_string()));
        if node.is_none() && !typo {
            self.report(
                "S0104",
                owner.clone(),
                format!("{what} is missing required key `{key}`"),
                format!("no `{key}` here"),
                Some(missing_help(key)),
            );
        }
        node
    }

    fn name(&mut self, key: &MarkedScalarNode, kind: NameKind) -> String {
        let name = key.as_str().to_string();
        let at = self.at_scalar(key);
        self.check_name(&name, kind, at);
        name
    }

    fn check_name(&mut self, name: &str, kind: NameKind, at: At) {
        let (ok, shape, fixed) = if kind.is_pascal() {
            (
                names::is_pascal_case(name),
                "PascalCase (`^[A-Z][A-Za-z0-9]*$`)",
                names::to_pascal_case(name),
            )
        } else {
            (
                names::is_snake_case(name),
                "snake_case (`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)",
                names::to_snake_case(name),
            )
        };
        if !ok {
            let help = if !fixed.is_empty() && fixed != name {
                format!("write it in {shape}, e.g. `{fixed}`")
            } else {
                format!("write it in {shape}")
            };
            self.report(
                "S0201",
                at,
                format!("invalid {} `{}`", kind.noun(), name.escape_debug()),
                format!("not {}", shape.split(' ').next().unwrap_or(shape)),
                Some(help),
            );
            return;
        }
        let reasons = names::reserved_reasons(kind, name);
        if !reasons.is_empty() {
            self.report(
                "S0202",
                at,
                format!("{} `{name}` is reserved", kind.noun()),
                format!("`{name}` is {}", reasons.join(", and ")),
                Some("names are used verbatim in every target; pick a more specific name".into()),
            );
        }
    }

    fn clause(&mut self, node: &Node) -> Clause {
        let mut clauses = Vec::new();
        let mut check = |this: &mut Self, scalar: &MarkedScalarNode| {
            let value = scalar.as_str();
            if is_clause(value) {
                clauses.push(value.to_string());
            } else {
                let at = this.at_scalar(scalar);
                this.report(
                    "S0301",
                    at,
                    format!("invalid clause reference `{}`", value.escape_debug()),
                    "expected `§` and dotted numbers",
                    Some("write e.g. `§2.6.6.2.3`, or a list `[§2.6.6.3.2, §2.6.6.4]`".into()),
                );
            }
        };
        match node {
            Node::Scalar(scalar) => check(self, scalar),
            Node::Sequence(seq) => {
                if seq.is_empty() {
                    let at = self.at_node(node);
                    self.report(
                        "S0301",
                        at,
                        "empty clause list",
                        "no clause",
                        Some("name at least one clause, e.g. `§2.6.6.2.3`".into()),
                    );
                }
                for item in seq.iter() {
                    if let Some(scalar) = self.expect_scalar(item, "a clause") {
                        check(self, scalar);
                    }
                }
            }
            Node::Mapping(_) => {
                let at = self.at_node(node);
                self.report(
                    "S0105",
                    at,
                    "`clause` must be a clause or a list of clauses",
                    "found a mapping",
                    Some("write e.g. `§2.6.6.2.3`, or a list `[§2.6.6.3.2, §2.6.6.4]`".into()),
                );
            }
        }
        Clause(clauses)
    }

    /// Checks prose (`description`, `decision`, error `message`) and returns it.
    fn prose(&mut self, node: &Node, key: &str, key_at: Option<At>) -> String {
        let Some(scalar) = self.expect_scalar(node, &format!("`{key}`")) else {
            return String::new();
        };
        let value = scalar.as_str().to_string();
        let at = self.at_scalar(scalar);
        if value.trim().is_empty() {
            // An empty plain value has no text to point at; its key does.
            let at = if is_null(scalar) {
                key_at.unwrap_or(at)
            } else {
                at
            };
            self.report(
                "S0304",
                at,
                format!("empty `{key}`"),
                "nothing written",
                Some(format!("write one line for `{key}`, paraphrasing the spec")),
            );
            return value;
        }
        if let Some(c) = value.chars().find(|&c| c.is_control() && c != '\n') {
            self.report(
                "S0302",
                at,
                format!(
                    "`{key}` contains the control character {}",
                    c.escape_unicode()
                ),
                "control character in here",
                Some("remove it; only line breaks are allowed in prose".into()),
            );
        } else if value.contains("*/") {
            self.report(
                "S0303",
                at,
                format!("`{key}` contains `*/`"),
                "would end a generated comment",
                Some("rephrase without `*/`".into()),
            );
        }
        value
    }

    fn meta(&mut self, map: &MarkedMappingNode, owner: &At, what: &str) -> Meta {
        let clause = match self.require(map, "clause", owner, what) {
            Some(node) => self.clause(node),
            None => Clause(Vec::new()),
        };
        let description = match self.require(map, "description", owner, what) {
            Some(node) => {
                let key_at = map
                    .get_key_value("description")
                    .map(|(k, _)| self.at_scalar(k));
                self.prose(node, "description", key_at)
            }
            None => String::new(),
        };
        let decision = map.get_key_value("decision").map(|(key, node)| {
            let key_at = self.at_scalar(key);
            self.prose(node, "decision", Some(key_at))
        });
        if let Some((key, node)) = map.get_key_value("claims") {
            self.read_claims(key, node, owner);
        }
        Meta {
            clause,
            description,
            decision,
            location: owner.0.clone(),
        }
    }

    fn read_claims(&mut self, key: &MarkedScalarNode, node: &Node, owner: &At) {
        let ids = node.as_sequence().map(|sequence| {
            sequence
                .iter()
                .map(|item| item.as_scalar())
                .collect::<Option<Vec<_>>>()
        });
        let Some(Some(ids)) = ids else {
            let at = self.at_scalar(key);
            self.report(
                "S1201",
                at,
                "`claims` must be a list of Master Spec item ids",
                "not a list of ids",
                Some(
                    "e.g. `claims: [\"§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not\"]`"
                        .into(),
                ),
            );
            return;
        };
        for id in ids {
            let at = self.at_scalar(id);
            let entry = (id.as_str().to_string(), at, owner.0.clone());
            // a declaration's metadata may be read in more than one pass
            if !self.claims.contains(&entry) {
                self.claims.push(entry);
            }
        }
    }

    /// Checks every claimed id against `master-spec.lock` beside the manifest (its ids are the
    /// first tab-separated column of each line not starting with `#`), when there is one.
    fn check_claims(
        &mut self,
        manifest_dir: &str,
        read: &mut ReadFile<'_>,
    ) -> Result<Vec<Claim>, LoadError> {
        if self.claims.is_empty() {
            return Ok(Vec::new());
        }
        let lock_path = if manifest_dir.is_empty() {
            "master-spec.lock".to_string()
        } else {
            format!("{manifest_dir}/master-spec.lock")
        };
        let Some(lock) = read(&lock_path)? else {
            // Loaders that read only the YAML (a spec from another revision, a benchmark's copy)
            // have no lock to check against; spec-sync still reports a claim no item has.
            return Ok(std::mem::take(&mut self.claims)
                .into_iter()
                .map(|(id, at, declaration)| Claim {
                    id,
                    location: at.0,
                    declaration,
                })
                .collect());
        };
        let known: BTreeSet<&str> = lock
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split('\t').next())
            .collect();
        let mut claims = Vec::new();
        for (id, at, declaration) in std::mem::take(&mut self.claims) {
            if known.contains(id.as_str()) {
                claims.push(Claim {
                    id,
                    location: at.0,
                    declaration,
                });
                continue;
            }
            let help = match crate::suggest::closest(&id, known.iter().copied()) {
                Some(closest) => format!("did you mean `{closest}`?"),
                None => format!(
                    "claim an id listed in `{lock_path}` (`cargo xtask spec-sync --master-spec PATH` lists the items)"
                ),
            };
            self.report(
                "S1201",
                at,
                format!("unknown Master Spec item `{id}`"),
                "not in the lock",
                Some(help),
            );
        }
        Ok(claims)
    }
}

struct ManifestHead {
    values: Option<(String, String, String, Outputs)>,
    files: Vec<(String, At)>,
    files_at: Option<At>,
}

#[derive(Default)]
struct ConvertedFile {
    types: Vec<TypeDef>,
    lifecycle: Option<Lifecycle>,
    errors: Vec<ErrorDef>,
}

fn location(file: &str, line: usize, column: usize) -> Location {
    Location {
        file: file.to_string(),
        line,
        column,
    }
}

fn shape(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a single value",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

/// A plain `null`, `~` or empty scalar.
fn is_null(scalar: &MarkedScalarNode) -> bool {
    scalar.may_coerce() && matches!(scalar.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

fn missing_help(key: &str) -> String {
    match key {
        "clause" => "add `clause: §…` naming the Master Spec clause this implements".into(),
        "description" => "add `description:` with one line paraphrasing the spec".into(),
        "required" => "add `required: true` where the Master Spec marks the field required, else `required: false`".into(),
        other => format!("add `{other}:`"),
    }
}

/// `^§\d+(\.\d+)*$`
fn is_clause(value: &str) -> bool {
    value.strip_prefix('§').is_some_and(is_dotted_numbers)
}

fn is_dotted_numbers(value: &str) -> bool {
    !value.is_empty()
        && value
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

/// 1-based line of a `---` / `...` marker that follows document content, if any.
fn second_document_line(text: &str) -> Option<usize> {
    let mut seen_content = false;
    for (index, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        let is_marker = ["---", "..."].iter().any(|m| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        });
        if is_marker {
            if seen_content || line.starts_with("...") {
                return Some(index + 1);
            }
            seen_content = true;
            continue;
        }
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') && !trimmed.starts_with('%') {
            seen_content = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::errors::*;
    use super::manifest::*;
    use super::whole_spec::*;
    use super::*;

    #[test]
    fn small_validators() {
        assert!(is_clause("§2.6.6.2.3"));
        assert!(!is_clause("§2..6"));
        assert!(!is_clause("2.6"));
        assert!(is_semver("0.1.0"));
        assert!(is_semver("1.0.0-rc.1+b5"));
        assert!(!is_semver("01.0.0"));
        assert!(is_master_spec_version("v02.84"));
        assert!(is_error_code("HSK-JOB-001"));
        assert!(!is_error_code("HSK"));
        assert!(!is_error_code("hsk-1"));
        assert!(is_uuid("0190a5f2-7c1e-7000-8000-000000000000"));
        assert!(is_timestamp("2026-01-02T03:04:05.123Z"));
        assert!(!is_timestamp("2026-01-02 03:04:05Z"));
        assert_eq!(
            placeholders("from {from} to {to}"),
            Ok(vec![("from".into(), 5), ("to".into(), 15)])
        );
        assert!(placeholders("a } b").is_err());
        assert!(is_inside("a/b", "a"));
        assert!(!is_inside("ab", "a"));
        assert_eq!(second_document_line("---\na: 1\n---\nb: 2\n"), Some(3));
        assert_eq!(second_document_line("---\na: 1\n"), None);
    }
}
