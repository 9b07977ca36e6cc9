//! YAML → IR conversion by hand (not serde), so that every problem is collected, not only the first.
//!
//! Three passes: (A) collect every declared name across all files, so references may point forward
//! and duplicates across files are found; (B) convert each file, checking everything that is local
//! to a declaration with the exact location of the offending node; (C) whole-spec checks on the
//! assembled model (record cycles, defaults, foreign keys, unique table/index names and codes).

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{LoaderOptions, Node, Span};

use crate::LoadError;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{
    ChildTable, Clause, EnumValue, ErrorDef, Field, FieldStorage, ForeignKey, Index, Lifecycle,
    Location, Meta, Outputs, Primitive, Record, RejectedTransition, Spec, State, StringConstraints,
    Table, Transition, TransitionOrigin, TypeDef, TypeKind, TypeRef, Union, Variant,
};
use crate::names::{self, NameKind};
use crate::suggest::did_you_mean;

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
        self.texts.insert(manifest.to_string(), text);
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
            self.texts.insert(path, text);
            let index = self.files.len() - 1;
            let file = self.parse(index).map(|root| ParsedFile { root });
            self.parse_failed |= file.is_none();
            parsed.push(file);
        }

        // Pass A: every declared name, so references may point forward and across files.
        for file in parsed.iter().flatten() {
            self.collect_declarations(&file.root);
        }

        // Pass B: convert each file.
        let mut types = Vec::new();
        let mut lifecycles: Vec<(Lifecycle, At)> = Vec::new();
        let mut errors = Vec::new();
        for file in parsed.iter().flatten() {
            let converted = self.file(&file.root);
            types.extend(converted.types);
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
        self.check_foreign_keys(&types);
        self.check_children(&types);
        self.check_unique_sql_names();
        self.check_unique_error_codes();

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

    fn source_line(&self, location: &Location) -> Option<&str> {
        let text = self.texts.get(&location.file)?;
        text.split('\n').nth(location.line.checked_sub(1)?)
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
                            || (c == ':' && rest[i + 1..].starts_with([' ', '\t']))
                            || (c == ':' && rest.len() == i + 1)
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                rest[..end].trim_end().chars().count().max(1)
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
            if allowed.contains(&key.as_str()) {
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
        Meta {
            clause,
            description,
            decision,
            location: owner.0.clone(),
        }
    }

    // ----- manifest --------------------------------------------------------------------------

    fn manifest(&mut self, root: &MarkedMappingNode, manifest_dir: &str) -> ManifestHead {
        let owner = (self.span_location(root.span()), 1);
        let what = "the manifest";
        self.check_keys(
            root,
            &["spec", "version", "master_spec", "outputs", "files"],
            what,
        );
        let name = self.require(root, "spec", &owner, what).and_then(|node| {
            let name = self.text(node, "`spec`")?;
            if !names::is_snake_case(&name) {
                let at = self.at_node(node);
                self.report(
                    "S0109",
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
                    let at = self.at_node(node);
                    self.report(
                        "S0109",
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
                    let at = self.at_node(node);
                    self.report(
                        "S0109",
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
                let key_at = self.at_scalar(key);
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
            files_at = Some(self.at_scalar(key));
            if let Some(seq) = self.expect_seq(node, "`files`") {
                if seq.is_empty() {
                    let at = self.at_node(node);
                    self.report(
                        "S0105",
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
                    let at = self.at_node(item);
                    if let Some(problem) = file_entry_problem(&entry) {
                        self.report("S0107", at, format!("invalid spec file entry `{}`: {problem}", entry.escape_debug()), problem, Some("write a `.yaml` path relative to the manifest's folder, e.g. `core.yaml`".into()));
                        continue;
                    }
                    let manifest_name = self
                        .files
                        .first()
                        .map(|m| m.rsplit('/').next().unwrap_or(m));
                    if Some(entry.as_str()) == manifest_name {
                        self.report(
                            "S0107",
                            at,
                            format!("the manifest lists itself (`{entry}`)"),
                            "the manifest",
                            Some("list only the other spec files".into()),
                        );
                        continue;
                    }
                    if let Some(first) = seen.get(&entry) {
                        self.report(
                            "S0107",
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

    fn outputs(&mut self, node: &Node, owner: At, manifest_dir: &str) -> Option<Outputs> {
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
            let at = self.at_node(value);
            if let Some(problem) = output_problem(&path, spec_dir) {
                self.report("S0501", at, format!("invalid output folder `{}` for `{key}`: {problem}", path.escape_debug()), problem, Some("write a relative folder inside the repository with `/` separators, e.g. `crates/job-model/src/generated`".into()));
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
                    self.report("S0502", at.clone(), format!("output folder `{path}` for `{key}` is {relation} `{other}`"), "overlaps another output", Some(format!("`{other}` is declared at {}; each generator needs its own folder, neither inside the other", other_at.0)));
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

    // ----- pass A ----------------------------------------------------------------------------

    fn collect_declarations(&mut self, root: &MarkedMappingNode) {
        if let Some(Node::Mapping(types)) = root.get_node("types") {
            for (key, value) in types.iter() {
                let kind = value
                    .as_mapping()
                    .and_then(|m| m.get_scalar("kind"))
                    .map(|k| k.as_str().to_string());
                self.declare(key, kind, "type");
            }
        }
        if let Some(Node::Mapping(lifecycle)) = root.get_node("lifecycle")
            && let Some(name) = lifecycle.get_scalar("name")
        {
            if self.lifecycle_name.is_none() {
                self.lifecycle_name = Some(name.as_str().to_string());
            }
            self.declare(name, Some("enum".to_string()), "lifecycle");
        }
        if let Some(Node::Mapping(errors)) = root.get_node("errors") {
            for key in errors.keys() {
                self.declare(key, Some("error".to_string()), "error");
            }
        }
    }

    fn declare(&mut self, key: &MarkedScalarNode, kind: Option<String>, what: &str) {
        let name = key.as_str().to_string();
        let at = self.at_scalar(key);
        if let Some(first) = self.declared.get(&name) {
            let first = first.at.0.clone();
            self.report(
                "S0204",
                at,
                format!("`{name}` is declared twice"),
                format!("this {what} is declared again here"),
                Some(format!("first declared at {first}; types, the lifecycle and errors share one namespace — rename or remove one")),
            );
            return;
        }
        self.declared.insert(name, Declared { kind, at });
    }

    // ----- pass B ----------------------------------------------------------------------------

    fn file(&mut self, root: &MarkedMappingNode) -> ConvertedFile {
        self.check_keys(root, &["types", "lifecycle", "errors"], "a spec file");
        let mut converted = ConvertedFile::default();
        if let Some(node) = root.get_node("types")
            && let Some(map) = self.expect_map(node, "`types`")
        {
            for (key, value) in map.iter() {
                if let Some(def) = self.type_def(key, value) {
                    converted.types.push(def);
                }
            }
        }
        if let Some((key, node)) = root.get_key_value("lifecycle") {
            let owner = self.at_scalar(key);
            converted.lifecycle = self.lifecycle(node, owner);
        }
        if let Some(node) = root.get_node("errors")
            && let Some(map) = self.expect_map(node, "`errors`")
        {
            for (key, value) in map.iter() {
                if let Some(def) = self.error_def(key, value) {
                    converted.errors.push(def);
                }
            }
        }
        converted
    }

    fn type_def(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<TypeDef> {
        let name = self.name(key, NameKind::Type);
        let owner = self.at_scalar(key);
        let what = format!("type `{name}`");
        let map = self.expect_map(node, &what)?;
        let common = ["kind", "clause", "description", "decision", "root"];
        let kind_node = self.require(map, "kind", &owner, &what);
        let kind = kind_node
            .and_then(|n| self.expect_scalar(n, "`kind`"))
            .map(|s| (s.as_str().to_string(), self.at_scalar(s)));
        let extra: &[&str] = match kind.as_ref().map(|(k, _)| k.as_str()) {
            Some("id") => &[],
            Some("string") => &["pattern", "min_length", "max_length", "example"],
            Some("enum") => &["values"],
            Some("record") => &["fields", "table"],
            Some("union") => &["tag", "variants"],
            Some(other) => {
                if let Some((_, at)) = &kind {
                    let help = did_you_mean(other, KINDS.iter().copied())
                        .map(|h| format!("{h} allowed: `id`, `string`, `enum`, `record`, `union`"))
                        .unwrap_or_else(|| {
                            "allowed: `id`, `string`, `enum`, `record`, `union`".into()
                        });
                    self.report(
                        "S0108",
                        at.clone(),
                        format!("unknown kind `{}` for type `{name}`", other.escape_debug()),
                        "unknown kind",
                        Some(help),
                    );
                }
                return None;
            }
            None => return None,
        };
        let allowed: Vec<&str> = common.iter().chain(extra.iter()).copied().collect();
        self.check_keys(map, &allowed, &what);
        let meta = self.meta(map, &owner, &what);
        let root = match map.get_node("root") {
            Some(n) => self.boolean(n, "`root`").unwrap_or(false),
            None => false,
        };
        let kind = match kind.as_ref().map(|(k, _)| k.as_str()) {
            Some("id") => TypeKind::Id,
            Some("string") => TypeKind::String(self.string_constraints(map)),
            Some("enum") => TypeKind::Enum(self.enum_values(map, &owner, &what)),
            Some("record") => TypeKind::Record(self.record(map, &owner, &name)),
            _ => TypeKind::Union(self.union(map, &owner, &name)),
        };
        Some(TypeDef {
            name,
            meta,
            root,
            kind,
        })
    }

    fn string_constraints(&mut self, map: &MarkedMappingNode) -> StringConstraints {
        let pattern = map
            .get_node("pattern")
            .and_then(|n| self.text(n, "`pattern`"));
        let min_length = map
            .get_node("min_length")
            .and_then(|n| self.unsigned(n, "`min_length`"));
        let max_length = map
            .get_node("max_length")
            .and_then(|n| self.unsigned(n, "`max_length`"));
        let example = map
            .get_node("example")
            .and_then(|n| self.expect_scalar(n, "`example`"))
            .map(|s| s.as_str().to_string());
        if let (Some(min), Some(max)) = (min_length, max_length)
            && min > max
            && let Some(node) = map.get_node("min_length")
        {
            let at = self.at_node(node);
            self.report(
                "S0208",
                at,
                format!("`min_length` {min} is greater than `max_length` {max}"),
                "no string can satisfy both",
                Some("swap or correct the bounds".into()),
            );
        }
        if let Some(pattern) = &pattern
            && let Err(problem) = crate::pattern::check(pattern)
            && let Some(node) = map.get_node("pattern")
        {
            let at = self.at_node(node);
            self.report(
                "S0208",
                at,
                format!("invalid `pattern`: {problem}"),
                "not a valid regular expression",
                Some(
                    "use the common subset of ECMA-262 and Rust regex syntax, anchored with `^…$`"
                        .into(),
                ),
            );
        }
        if let Some(example) = &example
            && let Some(node) = map.get_node("example")
        {
            let length = example.chars().count() as u64;
            let too_short = min_length.is_some_and(|min| length < min);
            let too_long = max_length.is_some_and(|max| length > max);
            let mismatch = pattern
                .as_deref()
                .is_some_and(|p| crate::pattern::matches(p, example) == Some(false));
            if too_short || too_long || mismatch {
                let at = self.at_node(node);
                let why = if mismatch {
                    "does not match `pattern`"
                } else {
                    "violates the length bounds"
                };
                self.report(
                    "S0208",
                    at,
                    format!("`example` `{}` {why}", example.escape_debug()),
                    why,
                    Some("fix the example or the constraints".into()),
                );
            }
        }
        StringConstraints {
            pattern,
            min_length,
            max_length,
            example,
        }
    }

    fn enum_values(&mut self, map: &MarkedMappingNode, owner: &At, what: &str) -> Vec<EnumValue> {
        let Some(node) = self.require(map, "values", owner, what) else {
            return Vec::new();
        };
        let Some(values) = self.expect_map(node, "`values`") else {
            return Vec::new();
        };
        if values.is_empty() {
            let at = self.at_node(node);
            self.report(
                "S0207",
                at,
                format!("{what} has no values"),
                "empty",
                Some("an enum needs at least one value".into()),
            );
        }
        let mut out = Vec::new();
        for (key, value) in values.iter() {
            let name = self.name(key, NameKind::EnumValue);
            let at = self.at_scalar(key);
            let value_what = format!("enum value `{name}`");
            let Some(value_map) = self.expect_map(value, &value_what) else {
                continue;
            };
            self.check_keys(value_map, &META_KEYS, &value_what);
            let meta = self.meta(value_map, &at, &value_what);
            out.push(EnumValue { name, meta });
        }
        out
    }

    fn record(&mut self, map: &MarkedMappingNode, owner: &At, name: &str) -> Record {
        let what = format!("record `{name}`");
        let owner_ref = Owner::Type(name.to_string());
        let fields = match self.require(map, "fields", owner, &what) {
            Some(node) => self.fields(node, &owner_ref),
            None => Vec::new(),
        };
        let table = map.get_key_value("table").and_then(|(key, node)| {
            let owner = self.at_scalar(key);
            self.table(node, owner, &fields, name)
        });
        // child_table fields need a parent table to hang off.
        if let Some(Node::Mapping(field_map)) = map.get_node("fields") {
            for (key, value) in field_map.iter() {
                let child = value
                    .as_mapping()
                    .and_then(|m| m.get_node("storage"))
                    .and_then(|s| s.as_mapping())
                    .is_some();
                if child && table.is_none() {
                    let at = self.at_scalar(key);
                    self.report("S0604", at, format!("field `{}` of {what} uses `child_table` storage but the record has no `table:`", key.as_str()), "child table without a parent table", Some("add a `table:` to the record, or drop the `storage:`".into()));
                }
            }
        }
        if let (Some(table), Some(Node::Mapping(field_map))) = (&table, map.get_node("fields")) {
            for (key, value) in field_map.iter() {
                let storage = value
                    .as_mapping()
                    .and_then(|m| m.get_node("storage"))
                    .and_then(|s| s.as_mapping());
                let Some(storage) = storage else { continue };
                let element = fields
                    .iter()
                    .find(|f| f.name == key.as_str())
                    .and_then(|f| match &f.ty {
                        TypeRef::List(inner) => match inner.as_ref() {
                            TypeRef::Named(n) => Some(n.clone()),
                            _ => None,
                        },
                        _ => None,
                    });
                let Some(element) = element else { continue };
                let mut columns = Vec::new();
                if let Some(Node::Mapping(indexes)) = storage.get_node("indexes") {
                    for (_, index) in indexes.iter() {
                        let list = match index {
                            Node::Sequence(seq) => Some(seq),
                            Node::Mapping(m) => m.get_sequence("columns"),
                            Node::Scalar(_) => None,
                        };
                        for column in list.into_iter().flat_map(|s| s.iter()) {
                            if let Node::Scalar(column) = column {
                                columns.push((column.as_str().to_string(), self.at_scalar(column)));
                            }
                        }
                    }
                }
                self.children.push(PendingChild {
                    element,
                    parent_key: table.primary_key.clone(),
                    columns,
                });
            }
        }
        Record { fields, table }
    }

    fn union(&mut self, map: &MarkedMappingNode, owner: &At, name: &str) -> Union {
        let what = format!("union `{name}`");
        let tag = match self.require(map, "tag", owner, &what) {
            Some(node) => match self.expect_scalar(node, "`tag`") {
                Some(scalar) => self.name(scalar, NameKind::Field),
                None => String::new(),
            },
            None => String::new(),
        };
        let mut variants = Vec::new();
        let Some(node) = self.require(map, "variants", owner, &what) else {
            return Union { tag, variants };
        };
        let Some(variant_map) = self.expect_map(node, "`variants`") else {
            return Union { tag, variants };
        };
        if variant_map.is_empty() {
            let at = self.at_node(node);
            self.report(
                "S0207",
                at,
                format!("{what} has no variants"),
                "empty",
                Some("a union needs at least one variant".into()),
            );
        }
        for (key, value) in variant_map.iter() {
            let variant_name = self.name(key, NameKind::Variant);
            let at = self.at_scalar(key);
            let variant_what = format!("variant `{variant_name}` of {what}");
            let Some(value_map) = self.expect_map(value, &variant_what) else {
                continue;
            };
            self.check_keys(
                value_map,
                &["clause", "description", "decision", "fields"],
                &variant_what,
            );
            let meta = self.meta(value_map, &at, &variant_what);
            let owner_ref = Owner::Variant(name.to_string(), variant_name.clone());
            let fields = match value_map.get_node("fields") {
                Some(fields_node) => self.fields(fields_node, &owner_ref),
                None => Vec::new(),
            };
            if let Some(Node::Mapping(field_map)) = value_map.get_node("fields") {
                for field_key in field_map.keys() {
                    if !tag.is_empty() && field_key.as_str() == tag {
                        let field_at = self.at_scalar(field_key);
                        self.report("S0209", field_at, format!("field `{tag}` of {variant_what} has the name of the union's tag"), "clashes with the tag", Some("rename the field or the `tag`; on the wire the tag holds the variant name".into()));
                    }
                }
            }
            variants.push(Variant {
                name: variant_name,
                fields,
                meta,
            });
        }
        Union { tag, variants }
    }

    fn fields(&mut self, node: &Node, owner: &Owner) -> Vec<Field> {
        let Some(map) = self.expect_map(node, "`fields`") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            if let Some(field) = self.field(key, value, owner) {
                out.push(field);
            }
        }
        out
    }

    fn field(&mut self, key: &MarkedScalarNode, node: &Node, owner: &Owner) -> Option<Field> {
        let kind = if matches!(owner, Owner::Error(_)) {
            NameKind::ErrorField
        } else {
            NameKind::Field
        };
        let name = self.name(key, kind);
        let at = self.at_scalar(key);
        let what = format!("field `{name}`");
        let map = self.expect_map(node, &what)?;
        self.check_keys(map, FIELD_KEYS, &what);
        let meta = self.meta(map, &at, &what);
        let ty = self
            .require(map, "type", &at, &what)
            .and_then(|n| self.type_expr(n, 0));
        if ty.is_none()
            && let Owner::Type(record) = owner
        {
            self.unresolved.insert(format!("{record}.{name}"));
        }
        let required = self
            .require(map, "required", &at, &what)
            .and_then(|n| self.boolean(n, "`required`"));
        if let Some((default_key, default)) = map.get_key_value("default") {
            if required == Some(true) {
                let default_at = self.at_scalar(default_key);
                self.report(
                    "S0802",
                    default_at,
                    format!("{what} is `required: true` and has a `default`"),
                    "a default is only used when the field is absent",
                    Some(
                        "pick one: drop the `default`, or make the field `required: false`".into(),
                    ),
                );
            }
            if let Some(ty) = &ty {
                self.defaults.push(PendingDefault {
                    owner: owner.clone(),
                    field: name.clone(),
                    ty: ty.clone(),
                    node: default.clone(),
                });
            }
        }
        let storage = match (map.get_node("storage"), &ty) {
            (Some(storage), Some(ty)) => self.storage(storage, ty, &what),
            (None, Some(ty)) => self.default_storage(ty),
            _ => FieldStorage::Json,
        };
        Some(Field {
            name,
            ty: ty.unwrap_or(TypeRef::Primitive(Primitive::Json)),
            // Unknown (already reported): assume required, so key checks add no follow-up errors.
            required: required.unwrap_or(true),
            default: None,
            storage,
            meta,
        })
    }

    fn columnable(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Primitive(Primitive::Json) => false,
            TypeRef::Primitive(_) => true,
            // A type whose `kind` is missing or wrong is already reported; assume a column so
            // that key and index checks do not pile follow-up errors on top.
            TypeRef::Named(name) => !matches!(
                self.declared.get(name).and_then(|d| d.kind.as_deref()),
                Some("record" | "union" | "error")
            ),
            TypeRef::List(_) | TypeRef::Map(_) => false,
        }
    }

    fn default_storage(&self, ty: &TypeRef) -> FieldStorage {
        if self.columnable(ty) {
            FieldStorage::Column
        } else {
            FieldStorage::Json
        }
    }

    fn storage(&mut self, node: &Node, ty: &TypeRef, what: &str) -> FieldStorage {
        match node {
            Node::Scalar(scalar) => match scalar.as_str() {
                "column" => {
                    if !self.columnable(ty) {
                        let at = self.at_scalar(scalar);
                        self.report(
                            "S0606",
                            at,
                            format!("{what} of type `{ty}` cannot be stored in a typed column"),
                            "not a scalar, id, string or enum",
                            Some("use `storage: json`, or leave `storage` out".into()),
                        );
                    }
                    FieldStorage::Column
                }
                "json" => FieldStorage::Json,
                other => {
                    let at = self.at_scalar(scalar);
                    let help = did_you_mean(other, ["column", "json"]).map(|h| format!("{h} allowed: `column`, `json`, `{{ child_table: NAME, indexes: {{…}} }}`")).unwrap_or_else(|| "allowed: `column`, `json`, `{ child_table: NAME, indexes: {…} }`".into());
                    self.report(
                        "S0108",
                        at,
                        format!("unknown storage `{}` for {what}", other.escape_debug()),
                        "unknown storage",
                        Some(help),
                    );
                    self.default_storage(ty)
                }
            },
            Node::Mapping(map) => {
                self.check_keys(map, &["child_table", "indexes"], "`storage`");
                let owner = self.at_node(node);
                let element_is_record = match ty {
                    TypeRef::List(inner) => match inner.as_ref() {
                        TypeRef::Named(n) => {
                            self.declared.get(n).and_then(|d| d.kind.as_deref()) == Some("record")
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if !element_is_record {
                    self.report("S0604", owner.clone(), format!("`child_table` storage on {what} of type `{ty}`"), "child tables hold lists of records", Some("use `child_table` only on a `[Record]` field; use `storage: json` otherwise".into()));
                }
                let table = match self.require(map, "child_table", &owner, "`storage`") {
                    Some(n) => match self.expect_scalar(n, "`child_table`") {
                        Some(s) => {
                            let name = self.name(s, NameKind::Table);
                            let at = self.at_scalar(s);
                            self.sql_names.push((name.clone(), "table", at));
                            name
                        }
                        None => String::new(),
                    },
                    None => String::new(),
                };
                let indexes = match map.get_node("indexes") {
                    Some(n) => self.indexes(n, None),
                    None => Vec::new(),
                };
                FieldStorage::ChildTable(ChildTable { table, indexes })
            }
            Node::Sequence(_) => {
                let at = self.at_node(node);
                self.report(
                    "S0105",
                    at,
                    format!(
                        "`storage` of {what} must be `column`, `json` or a `child_table` mapping"
                    ),
                    "found a list",
                    None,
                );
                self.default_storage(ty)
            }
        }
    }

    /// Parses a type expression: `T`, `[T]` (YAML list of one, or the quoted text), `map<T>`.
    fn type_expr(&mut self, node: &Node, depth: usize) -> Option<TypeRef> {
        if depth > MAX_TYPE_DEPTH {
            let at = self.at_node(node);
            self.report(
                "S0205",
                at,
                "type expression is nested too deeply",
                "too deep",
                Some(format!("nest at most {MAX_TYPE_DEPTH} lists/maps")),
            );
            return None;
        }
        match node {
            Node::Sequence(seq) => match seq.first() {
                Some(inner) if seq.len() == 1 => self
                    .type_expr(inner, depth + 1)
                    .map(|t| TypeRef::List(Box::new(t))),
                _ => {
                    let at = self.at_node(node);
                    self.report(
                        "S0205",
                        at,
                        "a list type holds exactly one element type",
                        format!("found {} elements", seq.len()),
                        Some("write `[T]`, e.g. `[EntityRef]`".into()),
                    );
                    None
                }
            },
            Node::Mapping(_) => {
                let at = self.at_node(node);
                self.report(
                    "S0205",
                    at,
                    "a type must be a name, `[T]` or `map<T>`",
                    "found a mapping",
                    None,
                );
                None
            }
            Node::Scalar(scalar) => {
                let at = self.at_scalar(scalar);
                let text = scalar.as_str();
                let offset = self.text_offset(&at, text);
                self.type_text(text, 0, &at, offset, depth)
            }
        }
    }

    /// Where `text` starts relative to the node at `at`: 0 for plain scalars, 1 for one-line quoted
    /// ones; `None` when the source differs (escapes, folded lines) and only the node is known.
    fn text_offset(&self, at: &At, text: &str) -> Option<usize> {
        let line = self.source_line(&at.0)?;
        let rest: String = line.chars().skip(at.0.column.saturating_sub(1)).collect();
        if rest.starts_with(text) {
            Some(0)
        } else if rest.get(1..).is_some_and(|r| r.starts_with(text)) {
            Some(1)
        } else {
            None
        }
    }

    fn type_text(
        &mut self,
        text: &str,
        start: usize,
        at: &At,
        offset: Option<usize>,
        depth: usize,
    ) -> Option<TypeRef> {
        let malformed = |this: &mut Self| {
            this.report(
                "S0205",
                at.clone(),
                format!("malformed type expression `{}`", text.escape_debug()),
                "expected a name, `[T]` or `map<T>`",
                Some("write e.g. `JobId`, `[EntityRef]`, `map<string>`".into()),
            );
            None
        };
        if depth > MAX_TYPE_DEPTH {
            return malformed(self);
        }
        let Some(part) = text.get(start..) else {
            return malformed(self);
        };
        let _ = part;
        let whole = text;
        let expr = &whole[start..];
        if let Some(inner) = expr.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            return self
                .type_text_inner(whole, start + 1, inner.len(), at, offset, depth)
                .map(|t| TypeRef::List(Box::new(t)));
        }
        if let Some(inner) = expr.strip_prefix("map<").and_then(|r| r.strip_suffix('>')) {
            return self
                .type_text_inner(whole, start + 4, inner.len(), at, offset, depth)
                .map(|t| TypeRef::Map(Box::new(t)));
        }
        if expr.is_empty() || !expr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return malformed(self);
        }
        if let Some(primitive) = Primitive::from_spelling(expr) {
            return Some(TypeRef::Primitive(primitive));
        }
        if self
            .declared
            .get(expr)
            .is_some_and(|d| d.kind.as_deref() != Some("error"))
        {
            return Some(TypeRef::Named(expr.to_string()));
        }
        let name_at = match offset {
            Some(offset) => {
                let column = at.0.column + offset + whole[..start].chars().count();
                (
                    location(&at.0.file, at.0.line, column),
                    expr.chars().count(),
                )
            }
            None => at.clone(),
        };
        let candidates: Vec<String> = self
            .declared
            .iter()
            .filter(|(_, d)| d.kind.as_deref() != Some("error"))
            .map(|(n, _)| n.clone())
            .chain(PRIMITIVES.iter().map(|p| p.to_string()))
            .collect();
        let help = did_you_mean(expr, candidates.iter().map(String::as_str)).or_else(|| {
            Some("declare it under `types:` in a spec file, or use a primitive: `string`, `integer`, `uint`, `number`, `boolean`, `uuid`, `timestamp`, `json`".into())
        });
        let label = if self.declared.contains_key(expr) {
            "an error, not a type"
        } else {
            "not declared in any spec file"
        };
        self.report(
            "S0203",
            name_at,
            format!("unknown type `{expr}`"),
            label,
            help,
        );
        None
    }

    fn type_text_inner(
        &mut self,
        whole: &str,
        start: usize,
        len: usize,
        at: &At,
        offset: Option<usize>,
        depth: usize,
    ) -> Option<TypeRef> {
        let inner = whole.get(start..start + len)?;
        if inner.is_empty() {
            self.report(
                "S0205",
                at.clone(),
                format!("malformed type expression `{}`", whole.escape_debug()),
                "empty element type",
                Some("write e.g. `[EntityRef]` or `map<string>`".into()),
            );
            return None;
        }
        // Parse the inner part as its own expression, keeping columns relative to `whole`.
        let owned = whole.get(..start + len)?.to_string();
        self.type_text(&owned, start, at, offset, depth + 1)
    }

    fn table(&mut self, node: &Node, owner: At, fields: &[Field], record: &str) -> Option<Table> {
        let what = format!("the table of `{record}`");
        let map = self.expect_map(node, &what)?;
        self.check_keys(
            map,
            &[
                "name",
                "clause",
                "description",
                "decision",
                "primary_key",
                "foreign_keys",
                "indexes",
                "append_only",
            ],
            &what,
        );
        let meta = self.meta(map, &owner, &what);
        let name = match self
            .require(map, "name", &owner, &what)
            .and_then(|n| self.expect_scalar(n, "table `name`"))
        {
            Some(scalar) => {
                let name = self.name(scalar, NameKind::Table);
                let at = self.at_scalar(scalar);
                self.sql_names.push((name.clone(), "table", at));
                name
            }
            None => String::new(),
        };
        let mut primary_key = Vec::new();
        if let Some(pk_node) = self.require(map, "primary_key", &owner, &what)
            && let Some(seq) = self.expect_seq(pk_node, "`primary_key`")
        {
            if seq.is_empty() {
                let at = self.at_node(pk_node);
                self.report(
                    "S0605",
                    at,
                    format!("empty primary key in {what}"),
                    "no columns",
                    Some("list the column(s) that identify a row, e.g. `[job_id]`".into()),
                );
            }
            for column in seq.iter() {
                let Some(scalar) = self.expect_scalar(column, "a primary key column") else {
                    continue;
                };
                let at = self.at_scalar(scalar);
                let column = scalar.as_str().to_string();
                if self.check_column(&column, at.clone(), fields, &[], "primary key", record)
                    && fields.iter().any(|f| f.name == column && !f.required)
                {
                    self.report(
                        "S0605",
                        at,
                        format!("primary key column `{column}` of `{record}` is optional"),
                        "`required: false`",
                        Some("primary key columns must be `required: true`".into()),
                    );
                }
                primary_key.push(column);
            }
        }
        let mut foreign_keys = Vec::new();
        if let Some(fk_node) = map.get_node("foreign_keys")
            && let Some(seq) = self.expect_seq(fk_node, "`foreign_keys`")
        {
            for item in seq.iter() {
                let Some(fk) = self.expect_map(item, "a foreign key") else {
                    continue;
                };
                self.check_keys(fk, &["column", "references"], "a foreign key");
                let fk_at = self.at_node(item);
                let column = self
                    .require(fk, "column", &fk_at, "foreign key")
                    .and_then(|n| self.expect_scalar(n, "`column`"))
                    .map(|s| {
                        let at = self.at_scalar(s);
                        self.check_column(s.as_str(), at, fields, &[], "foreign key", record);
                        s.as_str().to_string()
                    });
                let references = self
                    .require(fk, "references", &fk_at, "foreign key")
                    .and_then(|n| self.expect_scalar(n, "`references`"))
                    .map(|s| {
                        let at = self.at_scalar(s);
                        self.foreign_keys.push((s.as_str().to_string(), at));
                        s.as_str().to_string()
                    });
                if let (Some(column), Some(references)) = (column, references) {
                    foreign_keys.push(ForeignKey { column, references });
                }
            }
        }
        let indexes = match map.get_node("indexes") {
            Some(n) => self.indexes(n, Some((fields, record))),
            None => Vec::new(),
        };
        let append_only = match map.get_node("append_only") {
            Some(n) => self.boolean(n, "`append_only`").unwrap_or(false),
            None => false,
        };
        Some(Table {
            name,
            primary_key,
            foreign_keys,
            indexes,
            append_only,
            meta,
        })
    }

    /// `indexes:`: a mapping from index name to `[columns]` or `{ columns, unique }`. Columns are
    /// checked here when the record is known (`of`), else in pass C (child tables).
    fn indexes(&mut self, node: &Node, of: Option<(&[Field], &str)>) -> Vec<Index> {
        let Some(map) = self.expect_map(node, "`indexes`") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let name = self.name(key, NameKind::Index);
            let at = self.at_scalar(key);
            self.sql_names.push((name.clone(), "index", at.clone()));
            let what = format!("index `{name}`");
            let (columns_node, unique) = match value {
                Node::Mapping(index) => {
                    self.check_keys(index, &["columns", "unique"], &what);
                    let unique = match index.get_node("unique") {
                        Some(n) => self.boolean(n, "`unique`").unwrap_or(false),
                        None => false,
                    };
                    (self.require(index, "columns", &at, &what), unique)
                }
                other => (Some(other), false),
            };
            let mut columns = Vec::new();
            if let Some(columns_node) = columns_node
                && let Some(seq) = self.expect_seq(columns_node, &format!("the columns of {what}"))
            {
                if seq.is_empty() {
                    let at = self.at_node(columns_node);
                    self.report(
                        "S0105",
                        at,
                        format!("{what} has no columns"),
                        "empty list",
                        Some("list at least one column".into()),
                    );
                }
                for column in seq.iter() {
                    let Some(scalar) = self.expect_scalar(column, "an index column") else {
                        continue;
                    };
                    if let Some((fields, record)) = of {
                        let column_at = self.at_scalar(scalar);
                        self.check_column(scalar.as_str(), column_at, fields, &[], "index", record);
                    }
                    columns.push(scalar.as_str().to_string());
                }
            }
            out.push(Index {
                name,
                columns,
                unique,
            });
        }
        out
    }

    /// Reports `column` unless it is a column-stored field (or in `extra`); true when it is fine.
    fn check_column(
        &mut self,
        column: &str,
        at: At,
        fields: &[Field],
        extra: &[&str],
        role: &str,
        record: &str,
    ) -> bool {
        if extra.contains(&column) {
            return true;
        }
        if self.unresolved.contains(&format!("{record}.{column}")) {
            return true;
        }
        match fields.iter().find(|f| f.name == column) {
            Some(field) if field.storage == FieldStorage::Column => true,
            Some(_) => {
                self.report("S0602", at, format!("{role} column `{column}` of `{record}` is not stored as a column"), "stored as JSON or in a child table", Some("key and index columns must be scalar, id, string or enum fields with `storage: column`".into()));
                false
            }
            None => {
                let mut candidates: Vec<&str> = Vec::new();
                for candidate in fields
                    .iter()
                    .filter(|f| f.storage == FieldStorage::Column)
                    .map(|f| f.name.as_str())
                    .chain(extra.iter().copied())
                {
                    if !candidates.contains(&candidate) {
                        candidates.push(candidate);
                    }
                }
                let help = did_you_mean(column, candidates.iter().copied()).or_else(|| {
                    Some(format!(
                        "columns of `{record}`: {}",
                        candidates
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                });
                self.report(
                    "S0602",
                    at,
                    format!("{role} column `{column}` is not a field of `{record}`"),
                    "no such field",
                    help,
                );
                false
            }
        }
    }

    fn lifecycle(&mut self, node: &Node, owner: At) -> Option<Lifecycle> {
        let what = "`lifecycle`";
        let map = self.expect_map(node, what)?;
        self.check_keys(
            map,
            &[
                "name",
                "clause",
                "description",
                "decision",
                "initial",
                "states",
                "transitions",
                "rejected",
            ],
            what,
        );
        let meta = self.meta(map, &owner, what);
        let name = self
            .require(map, "name", &owner, what)
            .and_then(|n| self.expect_scalar(n, "lifecycle `name`"))
            .map(|s| self.name(s, NameKind::Type));

        // States.
        let mut states: Vec<State> = Vec::new();
        if let Some(states_node) = self.require(map, "states", &owner, what)
            && let Some(states_map) = self.expect_map(states_node, "`states`")
        {
            if states_map.is_empty() {
                let at = self.at_node(states_node);
                self.report("S0411", at, "the lifecycle has no states", "empty", Some("declare the states, e.g. `queued: { terminal: false, clause: …, description: … }`".into()));
            }
            for (key, value) in states_map.iter() {
                let state_name = self.name(key, NameKind::State);
                let at = self.at_scalar(key);
                let state_what = format!("state `{state_name}`");
                let Some(state_map) = self.expect_map(value, &state_what) else {
                    continue;
                };
                self.check_keys(
                    state_map,
                    &["terminal", "clause", "description", "decision"],
                    &state_what,
                );
                let meta = self.meta(state_map, &at, &state_what);
                let terminal = match state_map.get_node("terminal") {
                    Some(n) => self.boolean(n, "`terminal`").unwrap_or(false),
                    None => false,
                };
                states.push(State {
                    name: state_name,
                    terminal,
                    meta,
                });
            }
        }
        let state_names: Vec<String> = states.iter().map(|s| s.name.clone()).collect();

        let initial = match self
            .require(map, "initial", &owner, what)
            .and_then(|n| self.expect_scalar(n, "`initial`"))
        {
            Some(scalar) => {
                let initial = scalar.as_str().to_string();
                if !state_names.is_empty() && !state_names.contains(&initial) {
                    let at = self.at_scalar(scalar);
                    let help = did_you_mean(&initial, state_names.iter().map(String::as_str))
                        .or_else(|| Some("declare it under `states:`".into()));
                    self.report(
                        "S0401",
                        at,
                        format!("initial state `{initial}` is not declared"),
                        "not under `states:`",
                        help,
                    );
                }
                initial
            }
            None => String::new(),
        };

        let before_edges = self.diagnostics.len();
        let transitions = self.edges(map, "transitions", &state_names, true);
        // A transition that could not be read would make the graph checks below report states as
        // stuck or unreachable only because of that error; skip them then.
        let graph_readable = !self
            .diagnostics
            .get(before_edges..)
            .unwrap_or_default()
            .iter()
            .any(|d| matches!(d.code, "S0402" | "S0104" | "S0105"));
        let rejected_edges = self.edges(map, "rejected", &state_names, false);

        // Duplicates, overlaps, terminal sources.
        let mut seen: BTreeMap<(String, String), Location> = BTreeMap::new();
        for edge in &transitions {
            let key = (edge.from.clone(), edge.to.clone());
            if let Some(first) = seen.get(&key) {
                self.report(
                    "S0403",
                    edge.at.clone(),
                    format!("duplicate transition `{}` → `{}`", edge.from, edge.to),
                    "declared again",
                    Some(format!("first declared at {first}; remove one")),
                );
            } else {
                seen.insert(key, edge.at.0.clone());
            }
            if states.iter().any(|s| s.name == edge.from && s.terminal) {
                self.report(
                    "S0406",
                    edge.at.clone(),
                    format!("transition out of terminal state `{}`", edge.from),
                    "terminal states have no way out",
                    Some(format!(
                        "remove the transition, or make `{}` non-terminal",
                        edge.from
                    )),
                );
            }
        }
        let mut seen_rejected: BTreeMap<(String, String), Location> = BTreeMap::new();
        for edge in &rejected_edges {
            let key = (edge.from.clone(), edge.to.clone());
            if let Some(first) = seen_rejected.get(&key) {
                self.report(
                    "S0403",
                    edge.at.clone(),
                    format!("duplicate rejected edge `{}` → `{}`", edge.from, edge.to),
                    "declared again",
                    Some(format!("first declared at {first}; remove one")),
                );
            } else {
                seen_rejected.insert(key.clone(), edge.at.0.clone());
            }
            if let Some(allowed) = seen.get(&key) {
                self.report(
                    "S0404",
                    edge.at.clone(),
                    format!(
                        "`{}` → `{}` is both allowed and rejected",
                        edge.from, edge.to
                    ),
                    "also an allowed transition",
                    Some(format!(
                        "the allowed transition is at {allowed}; keep only one of them"
                    )),
                );
            }
            if edge.meta.decision.is_none() {
                self.report(
                    "S0405",
                    edge.at.clone(),
                    format!(
                        "rejected edge `{}` → `{}` has no `decision`",
                        edge.from, edge.to
                    ),
                    "the reason is missing",
                    Some("add `decision:` saying why the edge is refused".into()),
                );
            }
        }

        // Every non-terminal state needs a way out; every state must be reachable.
        for state in states.iter().filter(|_| graph_readable) {
            if !state.terminal && !transitions.iter().any(|t| t.from == state.name) {
                let at = (state.meta.location.clone(), state.name.chars().count());
                self.report(
                    "S0407",
                    at,
                    format!(
                        "non-terminal state `{}` has no outgoing transition",
                        state.name
                    ),
                    "jobs would be stuck here",
                    Some(format!(
                        "add a transition from `{}`, or mark it `terminal: true`",
                        state.name
                    )),
                );
            }
        }
        if graph_readable && state_names.contains(&initial) {
            let mut reached: BTreeSet<&str> = BTreeSet::new();
            let mut queue = vec![initial.as_str()];
            while let Some(current) = queue.pop() {
                if reached.insert(current) {
                    queue.extend(
                        transitions
                            .iter()
                            .filter(|t| t.from == current)
                            .map(|t| t.to.as_str()),
                    );
                }
            }
            for state in &states {
                if !reached.contains(state.name.as_str()) {
                    let at = (state.meta.location.clone(), state.name.chars().count());
                    self.report(
                        "S0408",
                        at,
                        format!("state `{}` is not reachable from `{initial}`", state.name),
                        "unreachable",
                        Some(format!(
                            "add a transition into `{}`, or remove the state",
                            state.name
                        )),
                    );
                }
            }
        }

        let name = name?;
        Some(Lifecycle {
            name,
            meta,
            states,
            initial,
            transitions: transitions
                .into_iter()
                .map(|e| Transition {
                    from: e.from,
                    to: e.to,
                    origin: e.origin.unwrap_or(TransitionOrigin::Diagram),
                    meta: e.meta,
                })
                .collect(),
            rejected: rejected_edges
                .into_iter()
                .map(|e| RejectedTransition {
                    from: e.from,
                    to: e.to,
                    meta: e.meta,
                })
                .collect(),
        })
    }

    fn edges(
        &mut self,
        map: &MarkedMappingNode,
        key: &str,
        states: &[String],
        allowed: bool,
    ) -> Vec<Edge> {
        let mut out = Vec::new();
        let Some(node) = map.get_node(key) else {
            if allowed {
                let owner = (self.span_location(map.span()), 1);
                self.require(map, key, &owner, "`lifecycle`");
            }
            return out;
        };
        let Some(seq) = self.expect_seq(node, &format!("`{key}`")) else {
            return out;
        };
        let noun = if allowed {
            "a transition"
        } else {
            "a rejected edge"
        };
        for item in seq.iter() {
            let Some(edge) = self.expect_map(item, noun) else {
                continue;
            };
            let keys: &[&str] = if allowed {
                &["from", "to", "origin", "clause", "description", "decision"]
            } else {
                &["from", "to", "clause", "description", "decision"]
            };
            self.check_keys(edge, keys, noun);
            let at = self.at_node(item);
            let meta = self.meta(edge, &at, noun);
            let endpoint = |this: &mut Self, which: &str| -> Option<String> {
                let scalar = this
                    .require(edge, which, &at, noun)
                    .and_then(|n| this.expect_scalar(n, &format!("`{which}`")))?;
                let state = scalar.as_str().to_string();
                if !states.is_empty() && !states.contains(&state) {
                    let state_at = this.at_scalar(scalar);
                    let help = did_you_mean(&state, states.iter().map(String::as_str))
                        .or_else(|| Some("declare it under `states:`".into()));
                    this.report(
                        "S0402",
                        state_at,
                        format!("{noun} names undeclared state `{state}`"),
                        "not under `states:`",
                        help,
                    );
                    return None;
                }
                Some(state)
            };
            let from = endpoint(self, "from");
            let to = endpoint(self, "to");
            let origin = if allowed {
                match self
                    .require(edge, "origin", &at, noun)
                    .and_then(|n| self.expect_scalar(n, "`origin`"))
                {
                    Some(scalar) => match scalar.as_str() {
                        "diagram" => Some(TransitionOrigin::Diagram),
                        "text" => Some(TransitionOrigin::Text),
                        other => {
                            let origin_at = self.at_scalar(scalar);
                            let help = did_you_mean(other, ["diagram", "text"]).map(|h| format!("{h} `origin` is `diagram` (drawn in the diagram) or `text` (from a sentence)")).unwrap_or_else(|| "`origin` is `diagram` (drawn in the diagram) or `text` (from a sentence)".into());
                            self.report(
                                "S0409",
                                origin_at,
                                format!("unknown transition origin `{}`", other.escape_debug()),
                                "not `diagram` or `text`",
                                Some(help),
                            );
                            None
                        }
                    },
                    None => None,
                }
            } else {
                None
            };
            if let (Some(from), Some(to)) = (from, to) {
                out.push(Edge {
                    from,
                    to,
                    origin,
                    meta,
                    at,
                });
            }
        }
        out
    }

    fn error_def(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<ErrorDef> {
        let name = self.name(key, NameKind::Error);
        let owner = self.at_scalar(key);
        let what = format!("error `{name}`");
        let map = self.expect_map(node, &what)?;
        self.check_keys(
            map,
            &[
                "code",
                "message",
                "clause",
                "description",
                "decision",
                "fields",
            ],
            &what,
        );
        let meta = self.meta(map, &owner, &what);
        let code = match self
            .require(map, "code", &owner, &what)
            .and_then(|n| self.expect_scalar(n, "`code`"))
        {
            Some(scalar) => {
                let code = scalar.as_str().to_string();
                let at = self.at_scalar(scalar);
                if !is_error_code(&code) {
                    self.report(
                        "S0702",
                        at.clone(),
                        format!("invalid error code `{}`", code.escape_debug()),
                        "expected `^[A-Z]+(-[A-Z0-9]+)+$`",
                        Some("write e.g. `HSK-JOB-001`".into()),
                    );
                }
                self.error_codes.push((code.clone(), at));
                code
            }
            None => String::new(),
        };
        let fields = match map.get_node("fields") {
            Some(n) => self.fields(n, &Owner::Error(name.clone())),
            None => Vec::new(),
        };
        let message = match self.require(map, "message", &owner, &what) {
            Some(message_node) => {
                let key_at = map.get_key_value("message").map(|(k, _)| self.at_scalar(k));
                let message = self.prose(message_node, "message", key_at);
                let at = self.at_node(message_node);
                let offset = self.text_offset(&at, &message);
                match placeholders(&message) {
                    Ok(names) => {
                        let field_names: Vec<&str> =
                            fields.iter().map(|f| f.name.as_str()).collect();
                        for (placeholder, position) in names {
                            let at = match (offset, message.get(..position)) {
                                (Some(offset), Some(before)) => {
                                    let column = at.0.column + offset + before.chars().count();
                                    (
                                        location(&at.0.file, at.0.line, column),
                                        placeholder.chars().count() + 2,
                                    )
                                }
                                _ => at.clone(),
                            };
                            if !field_names.contains(&placeholder.as_str()) {
                                let help = did_you_mean(&placeholder, field_names.iter().copied()).or_else(|| Some(format!("add a field `{placeholder}` to the error, or drop the placeholder")));
                                self.report("S0703", at.clone(), format!("message placeholder `{{{placeholder}}}` is not a field of {what}"), "unknown placeholder", help);
                            }
                        }
                    }
                    Err(problem) => {
                        self.report(
                            "S0703",
                            at,
                            format!("malformed message of {what}: {problem}"),
                            "bad placeholder",
                            Some(
                                "placeholders are `{field_name}`; braces are not allowed otherwise"
                                    .into(),
                            ),
                        );
                    }
                }
                message
            }
            None => String::new(),
        };
        Some(ErrorDef {
            name,
            code,
            message,
            fields,
            meta,
        })
    }

    // ----- pass C ----------------------------------------------------------------------------

    fn check_cycles(&mut self, types: &[TypeDef]) {
        let index: BTreeMap<&str, usize> = types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        // Direct edges: a record or union holding another record/union by value.
        let mut edges: Vec<Vec<(usize, String)>> = vec![Vec::new(); types.len()];
        for (i, def) in types.iter().enumerate() {
            let mut add = |path: String, ty: &TypeRef| {
                if let TypeRef::Named(target) = ty
                    && let Some(&j) = index.get(target.as_str())
                    && let Some(target_def) = types.get(j)
                    && matches!(target_def.kind, TypeKind::Record(_) | TypeKind::Union(_))
                    && let Some(slot) = edges.get_mut(i)
                {
                    slot.push((j, path));
                }
            };
            match &def.kind {
                TypeKind::Record(record) => {
                    for field in &record.fields {
                        add(format!("{}.{}", def.name, field.name), &field.ty);
                    }
                }
                TypeKind::Union(union) => {
                    for variant in &union.variants {
                        for field in &variant.fields {
                            add(
                                format!("{}.{}.{}", def.name, variant.name, field.name),
                                &field.ty,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        let mut reported = vec![false; types.len()];
        for start in 0..types.len() {
            if reported.get(start).copied().unwrap_or(true) {
                continue;
            }
            let Some(cycle) = find_cycle(start, &edges) else {
                continue;
            };
            let mut path: Vec<String> = Vec::new();
            for &(node, ref step) in &cycle {
                if let Some(flag) = reported.get_mut(node) {
                    *flag = true;
                }
                path.push(step.clone());
            }
            let Some(def) = types.get(start) else {
                continue;
            };
            let at = (def.meta.location.clone(), def.name.chars().count());
            let chain = format!("{} → {}", path.join(" → "), def.name);
            let last_field = path.last().cloned().unwrap_or_default();
            self.report(
                "S0206",
                at,
                format!("`{}` contains itself without a list or map in between: {chain}", def.name),
                "infinitely large",
                Some(format!("make one field on the cycle a list (e.g. `{last_field}` as `[T]`), so the nesting can end")),
            );
        }
    }

    fn check_defaults(&mut self, types: &mut [TypeDef], errors: &mut [ErrorDef]) {
        let defaults = std::mem::take(&mut self.defaults);
        for pending in defaults {
            let value = match self.default_value(&pending.node, &pending.ty, types, 0) {
                Ok(value) => value,
                Err((at, problem)) => {
                    self.report("S0801", at, format!("`default` of field `{}` does not match its type `{}`: {problem}", pending.field, pending.ty), "wrong default", Some("write a value of the field's type (YAML list for `[T]`, mapping for records and `map<T>`)".into()));
                    continue;
                }
            };
            let fields: Option<&mut Vec<Field>> = match &pending.owner {
                Owner::Type(name) => {
                    types
                        .iter_mut()
                        .find(|t| &t.name == name)
                        .and_then(|t| match &mut t.kind {
                            TypeKind::Record(record) => Some(&mut record.fields),
                            _ => None,
                        })
                }
                Owner::Variant(name, variant) => types
                    .iter_mut()
                    .find(|t| &t.name == name)
                    .and_then(|t| match &mut t.kind {
                        TypeKind::Union(union) => union
                            .variants
                            .iter_mut()
                            .find(|v| &v.name == variant)
                            .map(|v| &mut v.fields),
                        _ => None,
                    }),
                Owner::Error(name) => errors
                    .iter_mut()
                    .find(|e| &e.name == name)
                    .map(|e| &mut e.fields),
            };
            if let Some(field) =
                fields.and_then(|fields| fields.iter_mut().find(|f| f.name == pending.field))
            {
                field.default = Some(value);
            }
        }
    }

    /// Converts a YAML value to JSON, checking it against `ty`.
    fn default_value(
        &self,
        node: &Node,
        ty: &TypeRef,
        types: &[TypeDef],
        depth: usize,
    ) -> Result<serde_json::Value, (At, String)> {
        use serde_json::Value;
        let at = self.at_node(node);
        let fail = |problem: String| Err((at.clone(), problem));
        if depth > 64 {
            return fail("nested too deeply".into());
        }
        match ty {
            TypeRef::Primitive(Primitive::Json) => Ok(yaml_to_json(node)),
            TypeRef::Primitive(primitive) => {
                let Node::Scalar(scalar) = node else {
                    return fail(format!(
                        "expected a {} value, found {}",
                        primitive.spelling(),
                        shape(node)
                    ));
                };
                let text = scalar.as_str();
                let plain = scalar.may_coerce();
                match primitive {
                    Primitive::String => {
                        if plain && is_null(scalar) {
                            fail("expected text, found null".into())
                        } else {
                            Ok(Value::String(text.to_string()))
                        }
                    }
                    Primitive::Integer => match text.parse::<i64>() {
                        Ok(n) if plain => Ok(Value::from(n)),
                        _ => fail(format!("`{}` is not an integer", text.escape_debug())),
                    },
                    Primitive::UnsignedInteger => match text.parse::<u64>() {
                        Ok(n) if plain => Ok(Value::from(n)),
                        _ => fail(format!(
                            "`{}` is not an unsigned integer",
                            text.escape_debug()
                        )),
                    },
                    Primitive::Number => match text
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .and_then(serde_json::Number::from_f64)
                    {
                        Some(n) if plain => Ok(Value::Number(n)),
                        _ => fail(format!("`{}` is not a number", text.escape_debug())),
                    },
                    Primitive::Boolean => match text {
                        "true" if plain => Ok(Value::Bool(true)),
                        "false" if plain => Ok(Value::Bool(false)),
                        _ => fail(format!(
                            "`{}` is not `true` or `false`",
                            text.escape_debug()
                        )),
                    },
                    Primitive::Uuid => {
                        if is_uuid(text) {
                            Ok(Value::String(text.to_string()))
                        } else {
                            fail(format!(
                                "`{}` is not a hyphenated lower-case UUID",
                                text.escape_debug()
                            ))
                        }
                    }
                    Primitive::Timestamp => {
                        if is_timestamp(text) {
                            Ok(Value::String(text.to_string()))
                        } else {
                            fail(format!(
                                "`{}` is not an RFC 3339 UTC timestamp ending in `Z`",
                                text.escape_debug()
                            ))
                        }
                    }
                    Primitive::Json => Ok(yaml_to_json(node)),
                }
            }
            TypeRef::List(inner) => {
                let Node::Sequence(seq) = node else {
                    return fail(format!("expected a list, found {}", shape(node)));
                };
                seq.iter()
                    .map(|item| self.default_value(item, inner, types, depth + 1))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            TypeRef::Map(inner) => {
                let Node::Mapping(map) = node else {
                    return fail(format!("expected a mapping, found {}", shape(node)));
                };
                let mut out = serde_json::Map::new();
                for (key, value) in map.iter() {
                    out.insert(
                        key.as_str().to_string(),
                        self.default_value(value, inner, types, depth + 1)?,
                    );
                }
                Ok(Value::Object(out))
            }
            TypeRef::Named(name) => {
                let Some(def) = types.iter().find(|t| &t.name == name) else {
                    return fail(format!("unknown type `{name}`"));
                };
                match &def.kind {
                    TypeKind::Id => self.default_value(
                        node,
                        &TypeRef::Primitive(Primitive::Uuid),
                        types,
                        depth + 1,
                    ),
                    TypeKind::String(constraints) => {
                        let value = self.default_value(
                            node,
                            &TypeRef::Primitive(Primitive::String),
                            types,
                            depth + 1,
                        )?;
                        let length = value
                            .as_str()
                            .map(|s| s.chars().count() as u64)
                            .unwrap_or(0);
                        if constraints.min_length.is_some_and(|min| length < min)
                            || constraints.max_length.is_some_and(|max| length > max)
                        {
                            return fail(format!("violates the length bounds of `{name}`"));
                        }
                        if let (Some(pattern), Some(text)) = (&constraints.pattern, value.as_str())
                            && crate::pattern::matches(pattern, text) == Some(false)
                        {
                            return fail(format!("does not match the pattern of `{name}`"));
                        }
                        Ok(value)
                    }
                    TypeKind::Enum(values) => {
                        let Node::Scalar(scalar) = node else {
                            return fail(format!(
                                "expected a value of `{name}`, found {}",
                                shape(node)
                            ));
                        };
                        if values.iter().any(|v| v.name == scalar.as_str()) {
                            Ok(Value::String(scalar.as_str().to_string()))
                        } else {
                            let hint = did_you_mean(
                                scalar.as_str(),
                                values.iter().map(|v| v.name.as_str()),
                            )
                            .map(|h| format!("; {h}"))
                            .unwrap_or_default();
                            fail(format!(
                                "`{}` is not a value of `{name}`{hint}",
                                scalar.as_str().escape_debug()
                            ))
                        }
                    }
                    TypeKind::Record(record) => {
                        self.default_object(node, &record.fields, None, name, types, depth)
                    }
                    TypeKind::Union(union) => {
                        let Node::Mapping(map) = node else {
                            return fail(format!(
                                "expected a mapping for `{name}`, found {}",
                                shape(node)
                            ));
                        };
                        let Some(tag) = map.get_scalar(&union.tag) else {
                            return fail(format!("missing the tag `{}`", union.tag));
                        };
                        let Some(variant) = union.variants.iter().find(|v| v.name == tag.as_str())
                        else {
                            return fail(format!(
                                "`{}` is not a variant of `{name}`",
                                tag.as_str().escape_debug()
                            ));
                        };
                        self.default_object(
                            node,
                            &variant.fields,
                            Some(&union.tag),
                            name,
                            types,
                            depth,
                        )
                    }
                }
            }
        }
    }

    fn default_object(
        &self,
        node: &Node,
        fields: &[Field],
        tag: Option<&str>,
        name: &str,
        types: &[TypeDef],
        depth: usize,
    ) -> Result<serde_json::Value, (At, String)> {
        let at = self.at_node(node);
        let Node::Mapping(map) = node else {
            return Err((
                at,
                format!("expected a mapping for `{name}`, found {}", shape(node)),
            ));
        };
        let mut out = serde_json::Map::new();
        for (key, value) in map.iter() {
            if Some(key.as_str()) == tag {
                out.insert(
                    key.as_str().to_string(),
                    serde_json::Value::String(
                        value
                            .as_scalar()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                );
                continue;
            }
            let Some(field) = fields.iter().find(|f| f.name == key.as_str()) else {
                return Err((
                    self.at_scalar(key),
                    format!(
                        "`{}` is not a field of `{name}`",
                        key.as_str().escape_debug()
                    ),
                ));
            };
            out.insert(
                field.name.clone(),
                self.default_value(value, &field.ty, types, depth + 1)?,
            );
        }
        if let Some(missing) = fields
            .iter()
            .find(|f| f.required && !map.contains_key(f.name.as_str()))
        {
            return Err((
                at,
                format!("required field `{}` of `{name}` is missing", missing.name),
            ));
        }
        Ok(serde_json::Value::Object(out))
    }

    fn check_foreign_keys(&mut self, types: &[TypeDef]) {
        let references = std::mem::take(&mut self.foreign_keys);
        let stored: Vec<&str> = types
            .iter()
            .filter(|t| matches!(&t.kind, TypeKind::Record(r) if r.table.is_some()))
            .map(|t| t.name.as_str())
            .collect();
        for (name, at) in references {
            let table = types
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| match &t.kind {
                    TypeKind::Record(record) => record.table.as_ref(),
                    _ => None,
                });
            match table {
                Some(table) if table.primary_key.len() == 1 => {}
                Some(table) => {
                    self.report("S0603", at, format!("foreign key references `{name}`, whose primary key has {} columns", table.primary_key.len()), "not a single-column key", Some("a foreign key is one column; reference a record with a one-column primary key".into()));
                }
                None => {
                    let help = did_you_mean(&name, stored.iter().copied()).or_else(|| {
                        Some(format!(
                            "records with a table: {}",
                            stored
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    });
                    self.report(
                        "S0603",
                        at,
                        format!(
                            "foreign key references `{name}`, which is not a record with a table"
                        ),
                        "no such stored record",
                        help,
                    );
                }
            }
        }
    }

    fn check_children(&mut self, types: &[TypeDef]) {
        let children = std::mem::take(&mut self.children);
        let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
        for child in children {
            let Some(fields) =
                types
                    .iter()
                    .find(|t| t.name == child.element)
                    .and_then(|t| match &t.kind {
                        TypeKind::Record(record) => Some(&record.fields),
                        _ => None,
                    })
            else {
                continue;
            };
            let mut extra: Vec<&str> = vec!["position"];
            extra.extend(child.parent_key.iter().map(String::as_str));
            for field in fields {
                if extra.contains(&field.name.as_str()) {
                    let at = (field.meta.location.clone(), field.name.chars().count());
                    let key = (child.element.clone(), field.name.clone());
                    if reported.insert(key) {
                        self.report("S0607", at, format!("field `{}` of `{}` collides with a column its child table adds", field.name, child.element), "also a child-table column", Some("child tables add the parent's primary key columns and `position`; rename the field".into()));
                    }
                }
            }
            for (column, at) in &child.columns {
                self.check_column(
                    column,
                    at.clone(),
                    fields,
                    &extra,
                    "child table index",
                    &child.element,
                );
            }
        }
    }

    fn check_unique_sql_names(&mut self) {
        let names = std::mem::take(&mut self.sql_names);
        let mut seen: BTreeMap<&str, (&str, &Location)> = BTreeMap::new();
        let mut reports = Vec::new();
        for (name, kind, at) in &names {
            if name.is_empty() {
                continue;
            }
            if let Some((first_kind, first)) = seen.get(name.as_str()) {
                reports.push((at.clone(), format!("{kind} name `{name}` is already used by {} {first_kind}", if *first_kind == "index" { "an" } else { "a" }), format!("the {first_kind} `{name}` is declared at {first}; table and index names are unique across the schema")));
            } else {
                seen.insert(name, (kind, &at.0));
            }
        }
        for (at, message, help) in reports {
            self.report("S0601", at, message, "name already used", Some(help));
        }
    }

    fn check_unique_error_codes(&mut self) {
        let codes = std::mem::take(&mut self.error_codes);
        let mut seen: BTreeMap<&str, &Location> = BTreeMap::new();
        let mut reports = Vec::new();
        for (code, at) in &codes {
            if let Some(first) = seen.get(code.as_str()) {
                reports.push((at.clone(), code.clone(), (*first).clone()));
            } else {
                seen.insert(code, &at.0);
            }
        }
        for (at, code, first) in reports {
            self.report(
                "S0701",
                at,
                format!("error code `{code}` is used twice"),
                "already used",
                Some(format!(
                    "first used at {first}; codes are stable and never shared — pick a new one"
                )),
            );
        }
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

struct Edge {
    from: String,
    to: String,
    origin: Option<TransitionOrigin>,
    meta: Meta,
    at: At,
}

/// A path of edges from `start` back to `start`, if there is one (depth-first, spec order).
fn find_cycle(start: usize, edges: &[Vec<(usize, String)>]) -> Option<Vec<(usize, String)>> {
    let mut visited = vec![false; edges.len()];
    let mut path: Vec<(usize, String)> = Vec::new();
    fn walk(
        node: usize,
        start: usize,
        edges: &[Vec<(usize, String)>],
        visited: &mut [bool],
        path: &mut Vec<(usize, String)>,
    ) -> bool {
        for (next, label) in edges.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            path.push((node, label.clone()));
            if *next == start {
                return true;
            }
            if let Some(seen) = visited.get_mut(*next)
                && !*seen
            {
                *seen = true;
                if walk(*next, start, edges, visited, path) {
                    return true;
                }
            }
            path.pop();
        }
        false
    }
    walk(start, start, edges, &mut visited, &mut path).then_some(path)
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

/// YAML core-schema conversion for `json` values: plain scalars may be null, booleans or numbers.
fn yaml_to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Scalar(scalar) => {
            let text = scalar.as_str();
            if !scalar.may_coerce() {
                return Value::String(text.to_string());
            }
            match text {
                "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => {
                    if let Ok(n) = text.parse::<i64>() {
                        Value::from(n)
                    } else if let Some(n) = text
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .and_then(serde_json::Number::from_f64)
                    {
                        Value::Number(n)
                    } else {
                        Value::String(text.to_string())
                    }
                }
            }
        }
        Node::Sequence(seq) => Value::Array(seq.iter().map(yaml_to_json).collect()),
        Node::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().to_string(), yaml_to_json(v)))
                .collect(),
        ),
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

fn is_master_spec_version(value: &str) -> bool {
    value.strip_prefix('v').is_some_and(is_dotted_numbers)
}

/// SemVer 2.0: `MAJOR.MINOR.PATCH` without leading zeros, optional `-pre` and `+build`.
fn is_semver(value: &str) -> bool {
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

/// `^[A-Z]+(-[A-Z0-9]+)+$`
fn is_error_code(value: &str) -> bool {
    let mut parts = value.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase()));
    let rest: Vec<&str> = parts.collect();
    first_ok
        && !rest.is_empty()
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len
                && g.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

/// `YYYY-MM-DDTHH:MM:SS(.fraction)?Z`
fn is_timestamp(value: &str) -> bool {
    let Some(body) = value.strip_suffix('Z') else {
        return false;
    };
    let Some((date, time)) = body.split_once('T') else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    let date: Vec<&str> = date.split('-').collect();
    let (time, fraction) = match time.split_once('.') {
        Some((t, f)) => (t, Some(f)),
        None => (time, None),
    };
    let time: Vec<&str> = time.split(':').collect();
    date.len() == 3
        && date.first().is_some_and(|y| digits(y, 4))
        && date.iter().skip(1).all(|p| digits(p, 2))
        && time.len() == 3
        && time.iter().all(|p| digits(p, 2))
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// Names inside `{…}` in an error message, with the byte position of their `{`.
fn placeholders(message: &str) -> Result<Vec<(String, usize)>, String> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find(['{', '}']) {
        let position = message.len() - rest.len() + open;
        let (before, after) = rest.split_at(open);
        let _ = before;
        if after.starts_with('}') {
            return Err("`}` without a matching `{`".into());
        }
        let Some(close) = after.find('}') else {
            return Err("`{` without a matching `}`".into());
        };
        let name = after.get(1..close).unwrap_or_default();
        if !names::is_snake_case(name) {
            return Err(format!(
                "`{{{}}}` is not a field placeholder",
                name.escape_debug()
            ));
        }
        out.push((name.to_string(), position));
        rest = after.get(close + 1..).unwrap_or_default();
    }
    Ok(out)
}

/// Why a `files:` entry is refused, if it is.
fn file_entry_problem(entry: &str) -> Option<&'static str> {
    if let Some(problem) = path_problem(entry) {
        return Some(problem);
    }
    if !entry.ends_with(".yaml") {
        return Some("not a `.yaml` file");
    }
    None
}

fn path_problem(path: &str) -> Option<&'static str> {
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

fn output_problem(path: &str, spec_dir: &str) -> Option<&'static str> {
    if let Some(problem) = path_problem(path) {
        return Some(problem);
    }
    if path == spec_dir || is_inside(path, spec_dir) {
        return Some("inside the spec folder");
    }
    None
}

/// Whether `inner` is strictly inside folder `outer` (component-wise).
fn is_inside(inner: &str, outer: &str) -> bool {
    inner.len() > outer.len()
        && inner.starts_with(outer)
        && inner.as_bytes().get(outer.len()) == Some(&b'/')
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
