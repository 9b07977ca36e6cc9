//! Evidence target: `evidence.md` and `evidence.json` under `spec.outputs.docs`, the matrix from
//! every normative item of the Master Spec to what implements and proves it (issue #11).
//!
//! For each item of `spec/master-spec.lock` (id, clause, Master Spec line) it lists:
//! - the YAML declarations that claim it: its `claims:` entries, and the field, state, type or
//!   transition that corresponds to it by name (what spec-sync counts as claiming it without a
//!   `claims:` entry); `out_of_scope:` entries are shown as such;
//! - the generated code of each claiming declaration in every target, found in the files the other
//!   targets of this run produced (so the lines are those of this run's output);
//! - hand-written code and tests whose doc comments (`///`, `//!`) cite the item's id or its
//!   clause. A citation of the id is exact; a citation of the clause covers every item of that
//!   clause and is shown as such, so a reader can tell "this test names the requirement" from
//!   "this test names its section".
//!
//! The items come from the committed lock, never from the Master Spec itself, so the matrix is
//! generated (and `codegen --check` works) in a clone without `../shared`; the lock is what the
//! YAML was last reviewed against (`cargo xtask spec-sync --accept`). Like the generators, this is
//! pure: the caller reads the lock and the hand-written sources (see [`crate::plan_repo`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::LazyLock;
use std::sync::Mutex;

use handshake_spec::model::{Location, Meta, Spec, TypeKind};
use regex::Regex;
use serde_json::{Value, json};

use crate::{GeneratedFile, marker, names};

mod shape;
use shape::{End, Form, Shape};

/// Source named in the markers: the matrix joins all three.
const SOURCES: &str =
    "spec/*.yaml, spec/master-spec.lock and the doc comments of hand-written code";

/// Where the lock lives, relative to the repository root.
pub const LOCK_PATH: &str = "spec/master-spec.lock";

/// Folders whose `.rs` files are searched for citations, relative to the repository root.
pub const SOURCE_DIRS: &[&str] = &["crates", "xtask", "tests"];

/// Crates whose citations are not evidence: spec-sync and spec-diff read the Master Spec's text
/// and the spec's history; their doc comments name clauses as fixtures of that reading (a test
/// that deletes a state names the clause of the state table), not as requirements they implement
/// or prove.
pub const SKIPPED_DIRS: &[&str] = &["crates/spec-sync/", "crates/spec-diff/"];

/// Folders that neither enforce nor prove: benchmarks and examples.
const SKIPPED_FOLDERS: &[&str] = &["benches", "examples"];

/// One hand-written source file, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// Whether a path found under [`SOURCE_DIRS`] is searched for citations: Rust, not in the
/// generated folder, not in a build, benchmark or example folder, not in [`SKIPPED_DIRS`]. (A
/// file that carries the `@generated` marker anywhere else, such as a golden test's expected
/// output, is skipped by [`generate`].)
pub fn is_source(spec: &Spec, path: &str) -> bool {
    let generated = spec.outputs.rust.trim_end_matches('/');
    may_be_source(path) && !path.starts_with(&format!("{generated}/"))
}

/// [`is_source`] without the part that needs the spec (the generated folder), so that the sources
/// can be read before the spec is loaded: every source passes, and [`Reading::of_sources`] drops
/// the rest once the spec is known.
pub fn may_be_source(path: &str) -> bool {
    path.ends_with(".rs")
        && !path
            .split('/')
            .any(|part| part == "target" || SKIPPED_FOLDERS.contains(&part))
        && !SKIPPED_DIRS.iter().any(|dir| path.starts_with(dir))
}

/// One normative item of the lock.
#[derive(Debug, Clone)]
struct Item {
    id: String,
    kind: String,
    clause: String,
    line: usize,
}

/// Reads the items of a lock: `id<TAB>kind<TAB>clause<TAB>line<TAB>…` per line; `#` comments
/// and `!` reviewed reading findings are skipped. (The format is spec-sync's, `docs/spec-sync.md`;
/// the loader reads the ids the same way.)
fn lock_items(lock: &str) -> Vec<Item> {
    lock.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .filter_map(|line| {
            let mut parts = line.split('\t');
            Some(Item {
                id: parts.next()?.to_string(),
                kind: parts.next()?.to_string(),
                clause: parts.next()?.to_string(),
                line: parts.next()?.parse().ok()?,
            })
        })
        .collect()
}

/// A YAML declaration, as the evidence names it and looks for its generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decl {
    Manifest,
    Type(String),
    Field(String, String),
    Value(String, String),
    Variant(String, String),
    Transition(String, String),
    Rejected(String, String),
    Error(String, String),
    Rule(String, String),
    Profile(String),
    OutOfScope(String),
    Other,
}

impl Decl {
    fn describe(&self) -> String {
        match self {
            Decl::Manifest => "the manifest".into(),
            Decl::Type(t) => format!("type `{t}`"),
            Decl::Field(t, f) => format!("field `{t}.{f}`"),
            Decl::Value(t, v) => format!("value `{t}.{v}`"),
            Decl::Variant(t, v) => format!("variant `{t}.{v}`"),
            Decl::Transition(from, to) => format!("transition `{from} → {to}`"),
            Decl::Rejected(from, to) => format!("rejected edge `{from} → {to}`"),
            Decl::Error(name, code) => format!("error `{name}` ({code})"),
            Decl::Rule(name, code) => format!("rule `{name}` ({code})"),
            Decl::Profile(name) => format!("profile `{name}`"),
            Decl::OutOfScope(name) => format!("out of scope: `{name}`"),
            Decl::Other => "a declaration".into(),
        }
    }
}

/// A member of a type (field, value or variant): where it is declared and its name.
type Member<'s> = (&'s Meta, &'s String);

/// The declaration of a member, from its type's name and its own.
type MemberDecl = fn(String, String) -> Decl;

/// Every declaration of the spec by where it is written.
fn declarations(spec: &Spec) -> BTreeMap<Location, Decl> {
    let mut at = BTreeMap::new();
    let mut declare = |meta: &Meta, decl: Decl| {
        at.insert(meta.location.clone(), decl);
    };
    for ty in &spec.types {
        declare(&ty.meta, Decl::Type(ty.name.clone()));
        // its members: a record's fields, an enum's values, a union's variants
        let (members, member): (Vec<Member<'_>>, MemberDecl) = match &ty.kind {
            TypeKind::Record(record) => {
                let fields = record.fields.iter().map(|f| (&f.meta, &f.name));
                (fields.collect(), Decl::Field)
            }
            TypeKind::Enum(values) => {
                let values = values.iter().map(|v| (&v.meta, &v.name));
                (values.collect(), Decl::Value)
            }
            TypeKind::Union(union) => {
                let variants = union.variants.iter().map(|v| (&v.meta, &v.name));
                (variants.collect(), Decl::Variant)
            }
            _ => continue,
        };
        for (meta, name) in members {
            declare(meta, member(ty.name.clone(), name.clone()));
        }
    }
    let lifecycle = &spec.lifecycle;
    declare(&lifecycle.meta, Decl::Type(lifecycle.name.clone()));
    for state in &lifecycle.states {
        declare(
            &state.meta,
            Decl::Value(lifecycle.name.clone(), state.name.clone()),
        );
    }
    // Allowed edges, then rejected ones: both are declarations a test may claim.
    let allowed = lifecycle.transitions.iter().map(|edge| {
        let decl = Decl::Transition(edge.from.clone(), edge.to.clone());
        (&edge.meta, decl)
    });
    let rejected = lifecycle.rejected.iter().map(|edge| {
        let decl = Decl::Rejected(edge.from.clone(), edge.to.clone());
        (&edge.meta, decl)
    });
    for (meta, decl) in allowed.chain(rejected) {
        declare(meta, decl);
    }
    for error in &spec.errors {
        declare(
            &error.meta,
            Decl::Error(error.name.clone(), error.code.clone()),
        );
    }
    for rule in &spec.rules {
        declare(&rule.meta, Decl::Rule(rule.name.clone(), rule.code.clone()));
    }
    for profile in &spec.profiles {
        declare(&profile.meta, Decl::Profile(profile.name.clone()));
    }
    for entry in &spec.out_of_scope {
        declare(&entry.meta, Decl::OutOfScope(entry.name.clone()));
    }
    at
}

/// A declaration that claims an item.
#[derive(Debug, Clone)]
struct ClaimedBy {
    decl: Decl,
    at: String,
    /// `claims` (listed under `claims:`) or `corresponds` (by name, as spec-sync matches it).
    how: &'static str,
}

/// The declarations that correspond to structural items without a `claims:` entry, the way
/// spec-sync's comparison pairs them: field-table rows with the record sharing most of their
/// names, states with the lifecycle, diagram edges with transitions (or rejected edges), code
/// types with the type of their name (or ending in it and citing the item's clause).
fn correspondences(spec: &Spec, items: &[Item]) -> BTreeMap<String, Vec<ClaimedBy>> {
    let mut found: BTreeMap<String, Vec<ClaimedBy>> = BTreeMap::new();
    let subject = |item: &Item| item.id.rsplit('/').next().unwrap_or("").to_string();
    let field_names: BTreeSet<String> = items
        .iter()
        .filter(|i| i.kind == "field")
        .map(&subject)
        .collect();
    let record = spec
        .types
        .iter()
        .filter_map(|ty| match &ty.kind {
            TypeKind::Record(record) => Some((ty, record)),
            _ => None,
        })
        .max_by_key(|(ty, record)| {
            let shared = record
                .fields
                .iter()
                .filter(|f| field_names.contains(&f.name))
                .count();
            // ties go to the type declared first
            (shared, std::cmp::Reverse(ty.meta.location.clone()))
        });
    for item in items {
        let name = subject(item);
        let mut add = |decl: Decl, at: &Location| {
            found.entry(item.id.clone()).or_default().push(ClaimedBy {
                decl,
                at: at.to_string(),
                how: "corresponds",
            })
        };
        match item.kind.as_str() {
            "field" => {
                if let Some((ty, record)) = record
                    && let Some(field) = record.fields.iter().find(|f| f.name == name)
                {
                    add(
                        Decl::Field(ty.name.clone(), field.name.clone()),
                        &field.meta.location,
                    );
                }
            }
            "state" => {
                if let Some(state) = spec.lifecycle.states.iter().find(|s| s.name == name) {
                    add(
                        Decl::Value(spec.lifecycle.name.clone(), state.name.clone()),
                        &state.meta.location,
                    );
                }
            }
            "transition" => {
                let Some((from, to)) = name.split_once('-') else {
                    continue;
                };
                let lifecycle = &spec.lifecycle;
                if let Some(edge) = lifecycle
                    .transitions
                    .iter()
                    .find(|t| t.from == from && t.to == to)
                {
                    add(
                        Decl::Transition(from.into(), to.into()),
                        &edge.meta.location,
                    );
                } else if let Some(edge) = lifecycle
                    .rejected
                    .iter()
                    .find(|t| t.from == from && t.to == to)
                {
                    add(Decl::Rejected(from.into(), to.into()), &edge.meta.location);
                }
            }
            "type" => {
                // as spec-sync pairs them: the type of its name citing the clause, a type renamed
                // on purpose (its decision cites the clause and names it), a type ending in its
                // name and citing the clause, the type of its name
                let cites =
                    |t: &&handshake_spec::model::TypeDef| t.meta.clause.0.contains(&item.clause);
                let named = spec.types.iter().find(|t| t.name == name);
                let renamed = || {
                    spec.types.iter().find(|t| {
                        t.name != name
                            && cites(t)
                            && t.meta
                                .decision
                                .as_deref()
                                .is_some_and(|d| shape::has_word(d, &name))
                    })
                };
                let by_suffix = || {
                    spec.types
                        .iter()
                        .find(|t| t.name.ends_with(&name) && cites(t))
                };
                if let Some(ty) = named
                    .filter(cites)
                    .or_else(renamed)
                    .or_else(by_suffix)
                    .or(named)
                {
                    add(Decl::Type(ty.name.clone()), &ty.meta.location);
                }
            }
            _ => {}
        }
    }
    found
}

/// Output targets searched for generated code, in the order the matrix lists them.
const TARGETS: &[&str] = &["rust", "json_schema", "sql", "typescript", "python"];

/// One generated file, split into lines once.
struct Split<'a> {
    file: &'a GeneratedFile,
    lines: Vec<&'a str>,
    /// The byte offset of each line in the file.
    starts: Vec<usize>,
    /// The indentation of each line; `None` for a blank line.
    indents: Vec<Option<usize>>,
}

impl<'a> Split<'a> {
    fn new(file: &'a GeneratedFile) -> Self {
        let text = file.contents.as_str();
        let lines: Vec<&str> = text.lines().collect();
        let starts = lines
            .iter()
            .map(|line| line.as_ptr().addr() - text.as_ptr().addr())
            .collect();
        let indents = lines.iter().map(|line| line_indent(line)).collect();
        Self {
            file,
            lines,
            starts,
            indents,
        }
    }
}

/// The generated files of every target, each split into lines once, and the type anchors found so
/// far: the matrix asks for the same files and the same anchors for every declaration that claims
/// an item, so finding them again per declaration made the matrix most of a codegen run.
struct Generated<'a> {
    spec: &'a Spec,
    targets: BTreeMap<&'static str, Vec<Split<'a>>>,
    anchors: Mutex<HashMap<AnchorKey, Vec<(usize, usize)>>>,
    /// Per target, where each rule code is first reported: [`rule_sites`].
    rule_sites: Mutex<HashMap<&'static str, RuleSites<'a>>>,
}

/// A type anchor asked for: the target, the type's name and whether its members are searched.
type AnchorKey = (&'static str, String, bool);

/// Each rule code a target reports, with where it first reports it: (file index, line).
type RuleSites<'a> = HashMap<&'a str, (usize, usize)>;

/// How the targets other than SQL report a rule's code: `code: "…"` (TypeScript, Python),
/// `code": "…"` (JSON) or `CrossFieldRule("…"` (Rust).
const RULE_REPORTS: &[&str] = &["code: \"", "code\": \"", "CrossFieldRule(\""];

impl<'a> Generated<'a> {
    fn new(spec: &'a Spec, generated: &'a [GeneratedFile]) -> Self {
        let split = |target: &'static str| {
            let dir = match target {
                "rust" => &spec.outputs.rust,
                "json_schema" => &spec.outputs.json_schema,
                "sql" => &spec.outputs.migrations,
                "typescript" => &spec.outputs.typescript,
                _ => &spec.outputs.python,
            };
            let prefix = format!("{}/", dir.trim_end_matches('/'));
            let files: Vec<Split<'a>> = generated
                .iter()
                .filter(|f| f.path.starts_with(&prefix))
                .filter(|f| target != "sql" || f.path.ends_with(".sql"))
                .map(Split::new)
                .collect();
            (target, files)
        };
        // One thread a target: splitting every generated file into lines is most of the index.
        let targets = std::thread::scope(|scope| {
            let split = &split;
            let threads: Vec<_> = TARGETS
                .iter()
                .map(|&target| scope.spawn(move || split(target)))
                .collect();
            threads
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        Self {
            spec,
            targets,
            anchors: Mutex::default(),
            rule_sites: Mutex::default(),
        }
    }

    /// The generated files of one target, in generation order.
    fn files(&self, target: &str) -> &[Split<'a>] {
        self.targets
            .get(target)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// [`type_anchor`], found once per target, type and `members`.
    fn type_anchor(&self, target: &'static str, name: &str, members: bool) -> Vec<(usize, usize)> {
        let key = (target, name.to_string(), members);
        let cached = |anchors: &Mutex<HashMap<AnchorKey, _>>| {
            anchors.lock().ok().and_then(|a| a.get(&key).cloned())
        };
        if let Some(found) = cached(&self.anchors) {
            return found;
        }
        // Searched without the lock; two threads asking at once find the same anchor.
        let found = type_anchor(self.spec, self.files(target), target, name, members);
        if let Ok(mut anchors) = self.anchors.lock() {
            anchors.insert(key, found.clone());
        }
        found
    }

    /// Where a target first reports a rule's code, from [`rule_sites`] read once per target.
    fn rule_site(&self, target: &'static str, code: &str) -> Option<(usize, usize)> {
        let mut sites = self
            .rule_sites
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let sites = sites
            .entry(target)
            .or_insert_with(|| rule_sites(self.targets.get(target).map_or(&[], Vec::as_slice)));
        sites.get(code).copied()
    }
}

/// Every rule code reported in one target's files, with the first file that reports it and the
/// first line there: what searching the files in order for `(code"?: |CrossFieldRule\()"CODE"`
/// finds, for every code at once. (A code is `[A-Z]+(-[A-Z0-9]+)+`, so the next `"` ends it.)
fn rule_sites<'a>(files: &[Split<'a>]) -> RuleSites<'a> {
    let mut sites = HashMap::new();
    for (index, split) in files.iter().enumerate() {
        let text = split.file.contents.as_str();
        let mut found: Vec<(usize, &str)> = RULE_REPORTS
            .iter()
            .flat_map(|report| {
                shape::occurrences(text, report).filter_map(|at| {
                    let rest = &text[at + report.len()..];
                    let end = rest.find(['"', '\n'])?;
                    (rest.as_bytes()[end] == b'"').then_some((at, &rest[..end]))
                })
            })
            .collect();
        found.sort_unstable();
        for (at, code) in found {
            let line = split.starts.partition_point(|&start| start <= at) - 1;
            sites.entry(code).or_insert((index, line));
        }
    }
    sites
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// [`indent`] of a line that is not blank, `None` for a blank one. Generated lines are indented
/// with ASCII spaces, so the first byte past them usually decides; any other leading byte takes
/// the general (Unicode whitespace) path.
fn line_indent(line: &str) -> Option<usize> {
    let spaces = line.bytes().take_while(|&b| b == b' ').count();
    match line.as_bytes().get(spaces) {
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => Some(spaces),
        _ => (!line.trim().is_empty()).then(|| indent(line)),
    }
}

/// The first line (0-based) of `shape` at or after `from` and before the block that starts at
/// `from` ends (the first non-empty line indented no deeper than line `from`, which closes it);
/// `None` for `from` means the whole file. A shape lies within one line, so one search over the
/// block's text finds the first line that has it.
fn find_in(split: &Split<'_>, shape: &Shape, from: Option<usize>) -> Option<usize> {
    let lines = &split.lines;
    let (first, end) = match from {
        None => (0, lines.len()),
        Some(start) => {
            let depth = indent(lines[start]);
            // the closing line of the block still belongs to it (`}` of a Rust struct)
            let close = split.indents[start + 1..]
                .iter()
                .position(|line| line.is_some_and(|line| line <= depth))
                .map_or(lines.len(), |offset| start + 1 + offset + 1);
            (start, close)
        }
    };
    let last = end.checked_sub(1).filter(|&last| last >= first)?;
    let text = &split.file.contents[split.starts[first]..split.starts[last] + lines[last].len()];
    let offset = split.starts[first] + shape.find(text)?;
    Some(split.starts.partition_point(|&start| start <= offset) - 1)
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("evidence patterns are valid")
}

/// The anchors of a type in one target's files: (file index, line); one per SQL dialect, else the
/// first. With `members`, a root type's JSON Schema anchor is its file's opening brace, so its
/// fields are searched in the whole document (its `properties` come before its `$defs`).
fn type_anchor(
    spec: &Spec,
    files: &[Split<'_>],
    target: &str,
    name: &str,
    members: bool,
) -> Vec<(usize, usize)> {
    let table = spec
        .types
        .iter()
        .find(|t| t.name == name)
        .and_then(|t| match &t.kind {
            TypeKind::Record(record) => record.table.as_ref().map(|table| table.name.clone()),
            _ => None,
        });
    let pattern = match target {
        "rust" => Shape::line(Form::RustType, name),
        "json_schema" => {
            // a root type's own file first, else its first definition
            let own = format!("/{}.schema.json", names::snake_case(name));
            if let Some(index) = files.iter().position(|f| f.file.path.ends_with(&own)) {
                let title = Shape::line(Form::JsonTitle, name);
                if let Some(line) = find_in(&files[index], &title, None) {
                    return vec![(index, if members { 0 } else { line })];
                }
            }
            Shape::line(Form::JsonKey, name)
        }
        "sql" => match table {
            Some(table) => Shape::line(Form::SqlTable, &table),
            None => return Vec::new(),
        },
        "typescript" => Shape::line(Form::TsType, name),
        _ => Shape::line(Form::PyType, name),
    };
    let mut anchors = files
        .iter()
        .enumerate()
        .filter_map(|(index, split)| find_in(split, &pattern, None).map(|line| (index, line)));
    if target == "sql" {
        anchors.collect()
    } else {
        anchors.next().into_iter().collect()
    }
}

/// Where the generated code of one declaration is, per target: `path:line` (1-based).
fn generated_code(generated: &Generated<'_>, decl: &Decl) -> BTreeMap<&'static str, Vec<String>> {
    let spec = generated.spec;
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for &target in TARGETS {
        let files = generated.files(target);
        let mut hits = Vec::new();
        let mut push =
            |file: &GeneratedFile, line: usize| hits.push(format!("{}:{}", file.path, line + 1));
        match decl {
            Decl::Type(name) => {
                for (index, line) in generated.type_anchor(target, name, false) {
                    push(files[index].file, line);
                }
            }
            Decl::Field(ty, field) | Decl::Value(ty, field) | Decl::Variant(ty, field) => {
                let pattern = match (decl, target) {
                    (Decl::Field(..), "rust") => Shape::line(Form::RustField, field),
                    (Decl::Field(..), "json_schema") => Shape::line(Form::JsonKey, field),
                    (Decl::Field(..), "sql") => Shape::line(Form::SqlColumn, field),
                    (Decl::Field(..), "typescript") => Shape::line(Form::TsField, field),
                    (Decl::Field(..), _) => Shape::line(Form::IndentedKey, field),
                    (_, "rust") => Shape::line(Form::IndentedWord, &names::pascal_case(field)),
                    (_, "sql") => Shape::contains(format!("'{field}'"), End::Text("")),
                    _ => Shape::contains(format!("\"{field}\""), End::Text("")),
                };
                for (index, anchor) in generated.type_anchor(target, ty, true) {
                    if let Some(line) = find_in(&files[index], &pattern, Some(anchor)) {
                        push(files[index].file, line);
                    }
                }
            }
            Decl::Transition(from, to) | Decl::Rejected(from, to) if target == "rust" => {
                // the tables are struct literals, `from:` and `to:` on consecutive lines
                let state = &spec.lifecycle.name;
                let from = format!("from: {state}::{},", names::pascal_case(from));
                let to = format!("to: {state}::{},", names::pascal_case(to));
                for split in files.iter().filter(|f| f.file.path.contains("lifecycle")) {
                    let found = split
                        .lines
                        .windows(2)
                        .position(|pair| pair[0].trim() == from && pair[1].trim() == to);
                    if let Some(line) = found {
                        push(split.file, line);
                        break;
                    }
                }
            }
            Decl::Transition(from, to) | Decl::Rejected(from, to) => {
                // the other targets name the states in their own words, on one line
                let pattern = Shape::Words {
                    from: from.clone(),
                    to: to.clone(),
                };
                for split in files.iter().filter(|f| f.file.path.contains("lifecycle")) {
                    if let Some(line) = find_in(split, &pattern, None) {
                        push(split.file, line);
                        break;
                    }
                }
            }
            Decl::Rule(_, code) if target != "sql" => {
                // the rule's check: where its code is reported
                if let Some((index, line)) = generated.rule_site(target, code) {
                    push(files[index].file, line);
                }
            }
            Decl::Rule(name, _) => {
                // its SQL CHECK constraint
                let pattern = Shape::contains(format!("_{name}_check"), End::Word);
                for split in files {
                    if let Some(line) = find_in(split, &pattern, None) {
                        push(split.file, line);
                        break;
                    }
                }
            }
            Decl::Error(name, _) => {
                let pattern = match target {
                    "rust" => Shape::line(Form::IndentedWord, name),
                    "python" => Shape::line(Form::IndentedQuotedKey, name),
                    "typescript" => Shape::line(Form::IndentedKey, name),
                    _ => continue,
                };
                for split in files.iter().filter(|f| f.file.path.contains("errors")) {
                    if let Some(line) = find_in(split, &pattern, None) {
                        push(split.file, line);
                        break;
                    }
                }
            }
            Decl::Manifest | Decl::Profile(_) | Decl::OutOfScope(_) | Decl::Other => {}
        }
        if !hits.is_empty() {
            out.insert(target, hits);
        }
    }
    out
}

/// A doc comment that cites clauses or item ids, attached to what follows it.
#[derive(Debug, Clone)]
struct Citation {
    /// The file it is in.
    file: String,
    /// `path:line` of the comment's first line.
    at: String,
    /// The item it documents, or `(module)` for a module comment (`//!`).
    name: String,
    test: bool,
    clauses: BTreeSet<String>,
    ids: BTreeSet<String>,
}

/// The citing doc comments of one file. A comment is a run of `///` or `//!` lines; it belongs to
/// a test when the file is an integration test (under a `tests/` folder), when it sits in the
/// file's `#[cfg(test)]` part, or when the function it documents is marked `#[test]` (or
/// `#[tokio::test]`, a `proptest!` body is under `tests/` anyway).
fn citations(file: &SourceFile, known_ids: &BTreeSet<&str>) -> Vec<Citation> {
    static CLAUSE: LazyLock<Regex> = LazyLock::new(|| regex(r"§(\d+(?:\.\d+)+)(/[a-z0-9_/-]+)?"));
    static ITEM: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"^\s*(pub(\([a-z]+\))? )?(async |const |unsafe )?(fn|const|static|struct|enum|trait|type|mod|macro_rules!) ?([A-Za-z0-9_]+)",
        )
    });
    static CODE_SPAN: LazyLock<Regex> = LazyLock::new(|| regex(r"`[^`]*`"));
    let (clause, item, code_span) = (&*CLAUSE, &*ITEM, &*CODE_SPAN);
    let lines: Vec<&str> = file.contents.lines().collect();
    let integration = file.path.contains("/tests/") || file.path.starts_with("tests/");
    let cfg_test = lines.iter().position(|l| l.trim() == "#[cfg(test)]");
    let mut out = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let trimmed = lines[index].trim_start();
        let module = trimmed.starts_with("//!");
        if !(module || (trimmed.starts_with("///") && !trimmed.starts_with("////"))) {
            index += 1;
            continue;
        }
        let prefix = if module { "//!" } else { "///" };
        let start = index;
        let mut text = String::new();
        while index < lines.len() && lines[index].trim_start().starts_with(prefix) {
            text.push_str(lines[index].trim_start().trim_start_matches(prefix));
            text.push(' ');
            index += 1;
        }
        // most doc comments cite nothing: only a `§` can start a citation
        if !text.contains('§') {
            continue;
        }
        let (mut clauses, mut ids) = (BTreeSet::new(), BTreeSet::new());
        // a clause in an inline code span is an example or a literal (`§2.6.6.3.3/…` in the
        // spec language's docs), not a citation
        let text = code_span.replace_all(&text, "");
        for cited in clause.captures_iter(&text) {
            let number = format!("§{}", &cited[1]);
            match cited.get(2) {
                Some(rest) => {
                    // an id is the clause and a slug; a longer match keeps the longest known id
                    let whole = format!("{number}{}", rest.as_str());
                    let id = known_ids
                        .iter()
                        .filter(|id| whole.starts_with(**id))
                        .max_by_key(|id| id.len());
                    match id {
                        Some(id) => {
                            ids.insert((*id).to_string());
                        }
                        None => {
                            clauses.insert(number);
                        }
                    }
                }
                None => {
                    clauses.insert(number);
                }
            }
        }
        if clauses.is_empty() && ids.is_empty() {
            continue;
        }
        // what the comment documents: the next function, past attributes and blank lines
        let mut next = index;
        let mut marked_test = false;
        while next < lines.len() {
            let line = lines[next].trim();
            if line.starts_with("#[") {
                marked_test |= line.starts_with("#[test")
                    || line.ends_with("::test]")
                    || line.contains("::test(");
                next += 1;
            } else if line.is_empty() {
                next += 1;
            } else {
                break;
            }
        }
        let in_tests = integration || cfg_test.is_some_and(|at| start > at);
        let documented = lines.get(next).and_then(|line| item.captures(line));
        let (name, is_fn) = match (&documented, module) {
            (_, true) => ("(module)".to_string(), false),
            (Some(captures), false) => (captures[5].to_string(), &captures[4] == "fn"),
            // a comment on a field, a variant or an expression: the line it documents
            (None, false) => (
                lines
                    .get(next)
                    .map(|l| l.trim().to_string())
                    .unwrap_or_default(),
                false,
            ),
        };
        // In test code only test functions (and a test file's own `//!`) prove anything; a
        // constant or helper there is support, neither a test nor enforcing code.
        let test = marked_test || (in_tests && (is_fn || module));
        if in_tests && !test {
            continue;
        }
        out.push(Citation {
            file: file.path.clone(),
            at: format!("{}:{}", file.path, start + 1),
            name,
            test,
            clauses,
            ids,
        });
    }
    out
}

/// Generate `evidence.md` and `evidence.json` from the spec, the lock's text, the files the other
/// targets generated in this run, and the hand-written sources (see [`is_source`]).
pub fn generate(
    spec: &Spec,
    lock: &str,
    generated: &[GeneratedFile],
    sources: &[SourceFile],
) -> Vec<GeneratedFile> {
    matrix(spec, &read(spec, lock, sources), generated)
}

/// What the matrix takes from the lock and the hand-written sources: the items and the citing doc
/// comments. It does not depend on the generated files, so [`crate::plan_repo`] reads it while
/// the targets generate.
#[derive(Debug, Clone)]
pub struct Reading {
    items: Vec<Item>,
    cites: Vec<Citation>,
}

/// The items of the lock's text and the citations in the hand-written sources (see [`is_source`]).
pub fn read(spec: &Spec, lock: &str, sources: &[SourceFile]) -> Reading {
    read_unscoped(lock, sources).of_sources(spec)
}

/// [`read`] before the spec is known: the citations of every file that [`may_be_source`], to be
/// narrowed with [`Reading::of_sources`].
pub fn read_unscoped(lock: &str, sources: &[SourceFile]) -> Reading {
    let items = lock_items(lock);
    let known: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let cites: Vec<Citation> = sources
        .iter()
        .filter(|file| may_be_source(&file.path) && !marker::is_generated(&file.contents))
        .flat_map(|file| citations(file, &known))
        .collect();
    Reading { items, cites }
}

impl Reading {
    /// Only the citations in the files that are sources of `spec` ([`is_source`]).
    pub fn of_sources(mut self, spec: &Spec) -> Self {
        self.cites.retain(|cite| is_source(spec, &cite.file));
        self
    }
}

/// [`generate`] from a [`Reading`] of the lock and the sources.
pub fn matrix(spec: &Spec, reading: &Reading, generated: &[GeneratedFile]) -> Vec<GeneratedFile> {
    let Reading { items, cites } = reading;
    let decls = declarations(spec);
    let mut claimed: BTreeMap<String, Vec<ClaimedBy>> = correspondences(spec, items);
    let manifest = spec.files.first().cloned().unwrap_or_default();
    for claim in &spec.claims {
        let decl = decls.get(&claim.declaration).cloned().unwrap_or_else(|| {
            if claim.declaration.file == manifest {
                Decl::Manifest
            } else {
                Decl::Other
            }
        });
        claimed
            .entry(claim.id.clone())
            .or_default()
            .push(ClaimedBy {
                decl,
                at: claim.declaration.to_string(),
                how: "claims",
            });
    }
    let index = Generated::new(spec, generated);
    // The rows in two halves on two threads, joined in order: the same rows either way.
    let rows = |items: &[Item]| -> Vec<Value> {
        items
            .iter()
            .map(|item| entry(&index, item, claimed.get(&item.id), cites))
            .collect()
    };
    let (first, second) = items.split_at(items.len() / 2);
    let entries: Vec<Value> = std::thread::scope(|scope| {
        let second = scope.spawn(|| rows(second));
        let mut entries = rows(first);
        entries.extend(
            second
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        );
        entries
    });
    let dir = spec.outputs.docs.trim_end_matches('/');
    // The two renderings of the same rows, one on each core.
    let (markdown, json) = std::thread::scope(|scope| {
        let json = scope.spawn(|| json_file(spec, &entries));
        let markdown = markdown(spec, &entries);
        let json = json
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (markdown, json)
    });
    vec![
        GeneratedFile {
            path: format!("{dir}/evidence.md"),
            contents: markdown,
        },
        GeneratedFile {
            path: format!("{dir}/evidence.json"),
            contents: json,
        },
    ]
}

/// One item's row of the matrix, as JSON (the Markdown is rendered from it).
fn entry(
    generated: &Generated<'_>,
    item: &Item,
    claimed: Option<&Vec<ClaimedBy>>,
    cites: &[Citation],
) -> Value {
    let claimed = claimed.map(Vec::as_slice).unwrap_or_default();
    let declarations: Vec<Value> = claimed
        .iter()
        .map(|by| {
            json!({
                "declaration": by.decl.describe(),
                "at": by.at,
                "how": by.how,
                "out_of_scope": matches!(by.decl, Decl::OutOfScope(_)),
            })
        })
        .collect();
    let mut code: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for by in claimed {
        for (target, hits) in generated_code(generated, &by.decl) {
            code.entry(target).or_default().extend(hits);
        }
    }
    let generated_json: serde_json::Map<String, Value> = TARGETS
        .iter()
        .filter_map(|target| {
            code.get(target)
                .map(|hits| (target.to_string(), json!(hits)))
        })
        .collect();
    let cited = |test: bool| -> Vec<Value> {
        cites
            .iter()
            .filter(|c| c.test == test)
            .filter_map(|c| {
                let how = if c.ids.contains(&item.id) {
                    "item"
                } else if c.clauses.contains(&item.clause) {
                    "clause"
                } else {
                    return None;
                };
                Some(json!({"at": c.at, "name": c.name, "cites": how}))
            })
            .collect()
    };
    let status = if claimed.is_empty() {
        "unclaimed"
    } else if claimed
        .iter()
        .all(|by| matches!(by.decl, Decl::OutOfScope(_)))
    {
        "out_of_scope"
    } else {
        "claimed"
    };
    json!({
        "id": item.id,
        "kind": item.kind,
        "clause": item.clause,
        "line": item.line,
        "status": status,
        "claimed_by": declarations,
        "generated": Value::Object(generated_json),
        "code": cited(false),
        "tests": cited(true),
    })
}

/// How an item is tested: `item` (a test cites its id), `clause` (tests cite only its clause),
/// `none`.
fn tested(entry: &Value) -> &'static str {
    let tests = entry["tests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if tests.iter().any(|t| t["cites"] == "item") {
        "item"
    } else if tests.is_empty() {
        "none"
    } else {
        "clause"
    }
}

fn summary(entries: &[Value]) -> Value {
    let count = |key: &str, value: &str| entries.iter().filter(|e| e[key] == value).count();
    let by_test = |how: &str| entries.iter().filter(|e| tested(e) == how).count();
    json!({
        "items": entries.len(),
        "claimed": count("status", "claimed"),
        "out_of_scope": count("status", "out_of_scope"),
        "unclaimed": count("status", "unclaimed"),
        "tested_by_item_citation": by_test("item"),
        "tested_by_clause_citation_only": by_test("clause"),
        "untested": by_test("none"),
    })
}

fn json_file(spec: &Spec, entries: &[Value]) -> String {
    let document = json!({
        "$comment": marker::sentence(SOURCES),
        "master_spec": spec.master_spec,
        "summary": summary(entries),
        "items": entries,
    });
    // serde_json keeps insertion order only with preserve_order; write the keys in a fixed order
    let mut out = String::from("{\n");
    let keys = ["$comment", "master_spec", "summary", "items"];
    for (index, key) in keys.iter().enumerate() {
        let value = serde_json::to_string_pretty(&document[key]).expect("json values serialise");
        let value = value.replace('\n', "\n  ");
        let comma = if index + 1 < keys.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "  {}: {value}{comma}",
            serde_json::to_string(key).expect("a key serialises")
        );
    }
    out.push_str("}\n");
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn markdown(spec: &Spec, entries: &[Value]) -> String {
    let mut out = format!("<!-- {} -->\n\n", marker::sentence(SOURCES));
    let s = summary(entries);
    let _ = writeln!(
        out,
        "# Evidence matrix: Master Spec {} §2.6.6\n\n\
         Every normative item of `spec/master-spec.lock` (what the YAML was last reviewed against with \
         `cargo xtask spec-sync --accept`), with the YAML declarations that claim it, their generated \
         code in each target, and the hand-written code and tests whose doc comments cite it. A test \
         *cites the item* when its comment names the item's id (`§clause/slug`); it *cites the clause* \
         when it names only the item's clause, which covers every item of that clause. Lines are \
         those of this commit; `cargo xtask codegen` rewrites the matrix.\n",
        spec.master_spec
    );
    let _ = writeln!(
        out,
        "| items | claimed | out of scope | unclaimed | tested (item cited) | tested (clause cited only) | no test |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {} | {} | {} | {} | {} | {} |\n",
        s["items"],
        s["claimed"],
        s["out_of_scope"],
        s["unclaimed"],
        s["tested_by_item_citation"],
        s["tested_by_clause_citation_only"],
        s["untested"]
    );
    let mut clause = String::new();
    for entry in entries {
        let this = entry["clause"].as_str().unwrap_or_default();
        if this != clause {
            clause = this.to_string();
            let _ = writeln!(
                out,
                "\n## {clause}\n\n| item | line | claimed by | generated | code | tests |\n| --- | ---: | --- | --- | --- | --- |"
            );
        }
        let claimed: Vec<String> = entry["claimed_by"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|by| {
                format!(
                    "{} `{}`",
                    by["declaration"].as_str().unwrap_or_default(),
                    by["at"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let generated: Vec<String> = entry["generated"]
            .as_object()
            .map(|targets| {
                targets
                    .iter()
                    .flat_map(|(target, hits)| {
                        hits.as_array()
                            .map(Vec::as_slice)
                            .unwrap_or_default()
                            .iter()
                            .map(move |hit| {
                                format!("{target}: `{}`", hit.as_str().unwrap_or_default())
                            })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cited = |key: &str| -> Vec<String> {
            entry[key]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    let how = if c["cites"] == "item" {
                        ""
                    } else {
                        " (clause)"
                    };
                    format!(
                        "`{}` {}{how}",
                        c["at"].as_str().unwrap_or_default(),
                        c["name"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(entry["id"].as_str().unwrap_or_default()),
            entry["line"],
            cell(&or_none(&claimed, "**unclaimed**")),
            cell(&or_none(&generated, "—")),
            cell(&or_none(&cited("code"), "—")),
            cell(&or_none(&cited("tests"), "**none**")),
        );
    }
    let untested: Vec<&Value> = entries.iter().filter(|e| tested(e) == "none").collect();
    let _ = writeln!(
        out,
        "\n## Items with no test\n\nNo test's doc comment cites these items or their clauses ({} of {}). \
         An out-of-scope item is listed too: nothing here runs what it asks.\n\n| item | clause | line | status |\n| --- | --- | ---: | --- |",
        untested.len(),
        entries.len()
    );
    for entry in untested {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            cell(entry["id"].as_str().unwrap_or_default()),
            entry["clause"].as_str().unwrap_or_default(),
            entry["line"],
            entry["status"]
                .as_str()
                .unwrap_or_default()
                .replace('_', " "),
        );
    }
    out
}

fn or_none(parts: &[String], none: &str) -> String {
    if parts.is_empty() {
        none.to_string()
    } else {
        parts.join("<br>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_items_skip_comments_and_reading_findings() {
        let lock = "# header\n§2.6.6.2.1/field/job_id\tfield\t§2.6.6.2.1\t5114\tab\tcd\n!unparsed\t§2.6.6.6.3\t5358\tff\n";
        let items = lock_items(lock);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].id, "§2.6.6.2.1/field/job_id");
        assert_eq!(items[0].clause, "§2.6.6.2.1");
        assert_eq!(items[0].line, 5114);
    }

    #[test]
    fn citations_tell_items_from_clauses_and_tests_from_code() {
        let known: BTreeSet<&str> = ["§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not"]
            .into_iter()
            .collect();
        let code = SourceFile {
            path: "crates/x/src/lib.rs".into(),
            contents: "/// Refuses a commit (§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not).\npub fn commit() {}\n\n/// Not cited here.\nfn other() {}\n\n#[cfg(test)]\nmod tests {\n    /// §2.6.6.3.2: poisoned is final.\n    #[test]\n    fn poisoned() {}\n}\n".into(),
        };
        let found = citations(&code, &known);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, "commit");
        assert!(!found[0].test);
        assert!(
            found[0]
                .ids
                .contains("§2.6.6.3.3/failed-cancelled-poisoned-jobs-must-not")
        );
        assert!(
            found[0].clauses.is_empty(),
            "an id is not also a clause citation"
        );
        assert_eq!(found[1].name, "poisoned");
        assert!(found[1].test);
        assert!(found[1].clauses.contains("§2.6.6.3.2"));
        assert_eq!(found[1].at, "crates/x/src/lib.rs:9");

        let integration = SourceFile {
            path: "crates/x/tests/flow.rs".into(),
            contents: "//! The lifecycle (§2.6.6.3.1).\n\n/// A sentence ending in a clause, §2.6.6.4.\nasync fn retries(store: Store) {}\n".into(),
        };
        let found = citations(&integration, &known);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|c| c.test), "integration tests are tests");
        assert_eq!(found[0].name, "(module)");
        assert_eq!(found[1].name, "retries");
        assert!(
            found[1].clauses.contains("§2.6.6.4"),
            "the sentence's full stop is not part of the clause"
        );
    }

    /// A record field claiming one requirement, a lifecycle whose state and transition
    /// correspond to lock items, and a guard out of scope.
    fn model() -> String {
        use handshake_spec::scratch;
        let lifecycle = scratch::lifecycle(
            "JobState",
            "§2.6.6.3",
            &[
                ("running", false, "§2.6.6.3.2"),
                ("failed", true, "§2.6.6.3.2"),
            ],
            &[("running", "failed", "diagram", "§2.6.6.3.1")],
        );
        [
            scratch::CLAIMING_RECORD,
            &lifecycle,
            scratch::OUT_OF_SCOPE_CLAIM,
        ]
        .concat()
    }

    const LOCK: &str = "# lock\n\
§2.6.6.3.1/transition/running-failed\ttransition\t§2.6.6.3.1\t10\t0\t0\n\
§2.6.6.3.2/state/running\tstate\t§2.6.6.3.2\t20\t0\t0\n\
§2.6.6.3.3/changes-must-only-applied-completion\tstatement\t§2.6.6.3.3\t30\t0\t0\n\
§2.6.6.3.3/workers-must-log-every-retry\tstatement\t§2.6.6.3.3\t31\t0\t0\n\
§2.6.6.3.4/nobody-claims-this\tstatement\t§2.6.6.3.4\t40\t0\t0\n";

    fn spec() -> Spec {
        let mut sources = handshake_spec::scratch::sources("evidence", &[("model.yaml", &model())]);
        sources.insert("spec/master-spec.lock".into(), LOCK.into());
        handshake_spec::load_sources(&sources, "spec/handshake.yaml").expect("the fixture loads")
    }

    #[test]
    fn the_matrix_joins_claims_generated_code_and_citations() {
        let spec = spec();
        let generated = vec![GeneratedFile {
            path: "out/rust/types.rs".into(),
            contents: "// @generated\npub struct Job {\n    pub committed: bool,\n}\npub enum JobState {\n    Running,\n    Failed,\n}\n".into(),
        }];
        let sources = vec![
            SourceFile {
                path: "crates/store/src/commit.rs".into(),
                contents: "/// Commits on completion only (§2.6.6.3.3).\npub fn commit() {}\n".into(),
            },
            SourceFile {
                path: "crates/store/tests/commit.rs".into(),
                contents: "/// §2.6.6.3.3/changes-must-only-applied-completion: refused elsewhere.\n#[test]\nfn commits_only_on_completion() {}\n".into(),
            },
            SourceFile {
                path: "crates/spec-sync/tests/mutations.rs".into(),
                contents: "/// Deletes a state of §2.6.6.3.2.\n#[test]\nfn delete_a_state() {}\n".into(),
            },
        ];
        let files = generate(&spec, LOCK, &generated, &sources);
        assert_eq!(files[0].path, "out/docs/evidence.md");
        assert_eq!(files[1].path, "out/docs/evidence.json");
        assert!(files.iter().all(|f| marker::is_generated(&f.contents)));
        assert_eq!(
            files,
            generate(&spec, LOCK, &generated, &sources),
            "deterministic"
        );

        let json: Value = serde_json::from_str(&files[1].contents).expect("valid json");
        let item = |id: &str| {
            json["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["id"] == id)
                .cloned()
                .unwrap()
        };
        let changes = item("§2.6.6.3.3/changes-must-only-applied-completion");
        assert_eq!(changes["status"], "claimed");
        assert_eq!(
            changes["claimed_by"][0]["declaration"],
            "field `Job.committed`"
        );
        assert_eq!(changes["claimed_by"][0]["at"], "spec/model.yaml:7:7");
        assert_eq!(changes["generated"]["rust"][0], "out/rust/types.rs:3");
        assert_eq!(changes["code"][0]["at"], "crates/store/src/commit.rs:1");
        assert_eq!(changes["code"][0]["cites"], "clause");
        assert_eq!(changes["tests"][0]["name"], "commits_only_on_completion");
        assert_eq!(changes["tests"][0]["cites"], "item");

        let running = item("§2.6.6.3.2/state/running");
        assert_eq!(running["claimed_by"][0]["how"], "corresponds");
        assert_eq!(running["generated"]["rust"][0], "out/rust/types.rs:6");
        assert_eq!(
            running["tests"],
            json!([]),
            "spec-sync's own tests prove nothing"
        );
        let edge = item("§2.6.6.3.1/transition/running-failed");
        assert_eq!(
            edge["claimed_by"][0]["declaration"],
            "transition `running → failed`"
        );

        assert_eq!(
            item("§2.6.6.3.3/workers-must-log-every-retry")["status"],
            "out_of_scope"
        );
        assert_eq!(item("§2.6.6.3.4/nobody-claims-this")["status"], "unclaimed");
        assert_eq!(
            json["summary"],
            json!({"items": 5, "claimed": 3, "out_of_scope": 1, "unclaimed": 1,
                   "tested_by_item_citation": 1, "tested_by_clause_citation_only": 0, "untested": 4})
        );
        let untested = files[0]
            .contents
            .split("## Items with no test")
            .nth(1)
            .unwrap();
        assert!(untested.contains("`§2.6.6.3.4/nobody-claims-this`"));
        assert!(!untested.contains("changes-must-only-applied-completion"));
    }

    /// The first file that reports a code, and its first line there, in any of the three forms;
    /// a longer code is not the shorter one.
    #[test]
    fn rule_sites_are_the_first_reports_of_each_code() {
        let files = [
            ("a.ts", "x\n  code: \"E12\",\n"),
            ("b.rs", "y\nCrossFieldRule(\"E1\", 1)\n  \"code\": \"E1\"\n"),
            ("c.py", "  code: \"E1\"\n  code: \"E2\n\"\n"),
        ]
        .map(|(path, contents)| GeneratedFile {
            path: path.into(),
            contents: contents.into(),
        });
        let splits: Vec<Split<'_>> = files.iter().map(Split::new).collect();
        let sites = rule_sites(&splits);
        assert_eq!(sites.get("E12"), Some(&(0, 1)));
        assert_eq!(sites.get("E1"), Some(&(1, 1)));
        assert_eq!(sites.get("E2"), None, "a code ends on its line");
    }

    #[test]
    fn the_block_search_stays_inside_its_declaration() {
        let file = GeneratedFile {
            path: "types.rs".into(),
            contents: "pub struct A {\n    pub x: u8,\n}\npub struct B {\n\n    pub y: u8,\n}\n"
                .into(),
        };
        let split = Split::new(&file);
        let y = Shape::line(Form::RustField, "y");
        assert_eq!(find_in(&split, &y, Some(0)), None, "B's field is not A's");
        assert_eq!(
            find_in(&split, &y, Some(3)),
            Some(5),
            "the blank line is not the field's"
        );
        assert_eq!(find_in(&split, &y, None), Some(5));
        let closing = Shape::line(Form::LineStart, "}");
        assert_eq!(
            find_in(&split, &closing, Some(3)),
            Some(6),
            "the closing line belongs to the block"
        );
    }

    #[test]
    fn line_indents_agree_with_unicode_whitespace() {
        for line in [
            "",
            "    ",
            "\t",
            "x",
            "    x",
            "\tx",
            "  \t x",
            "\u{a0}x",
            "  \u{a0}",
            "  \u{3000}y",
            "  é",
            "    }",
        ] {
            let general = (!line.trim().is_empty()).then(|| indent(line));
            assert_eq!(line_indent(line), general, "{line:?}");
        }
    }

    #[test]
    fn sources_read_before_the_spec_are_narrowed_to_its_sources() {
        let spec = spec();
        let cited = "/// Commits on completion only (§2.6.6.3.3).\npub fn commit() {}\n";
        let sources = vec![
            SourceFile {
                path: "crates/store/src/commit.rs".into(),
                contents: cited.into(),
            },
            // hand-written, but inside the folder the spec generates Rust into
            SourceFile {
                path: "out/rust/extra.rs".into(),
                contents: cited.into(),
            },
        ];
        let files = |reading: &Reading| -> Vec<String> {
            reading.cites.iter().map(|c| c.file.clone()).collect()
        };
        let unscoped = read_unscoped(LOCK, &sources);
        assert_eq!(
            files(&unscoped),
            ["crates/store/src/commit.rs", "out/rust/extra.rs"]
        );
        let scoped = unscoped.of_sources(&spec);
        assert_eq!(files(&scoped), ["crates/store/src/commit.rs"]);
        assert_eq!(files(&read(&spec, LOCK, &sources)), files(&scoped));
    }
}
