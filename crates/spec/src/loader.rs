//! YAML → model conversion by hand (not serde), so that every problem is collected, not only the
//! first.
//!
//! The loader runs as explicit stages over one [`Source`] (the file texts and positions), every
//! stage reporting into one [`Sink`] passed in:
//!
//! 1. **Read** ([`read_files`]): the manifest, then every file it lists, each parsed once.
//! 2. **Pass A** ([`Declarations::collect`]): every declared name across all files, so references
//!    may point forward and across files and duplicates are found. The declarations are
//!    immutable from here on.
//! 3. **Pass B** ([`Reader::convert_files`]): each file converted, checking everything local to a
//!    declaration at the exact location of the offending node (one module per section:
//!    `manifest`, `types`, `tables`, `lifecycle`, `errors`, `evolution`, `profiles`).
//! 4. **Pass C** ([`Reader::check_spec`]): whole-spec checks on the assembled model (record
//!    cycles, defaults, foreign keys, unique names and codes, profiles, `rules:` in `rules`,
//!    `out_of_scope:`, claims; `whole_spec` holds the general ones).
//! 5. **Lowering** ([`lower`]): the Handshake sugar (the lifecycle enum, the `JobInputs` and
//!    `JobOutputs` unions, the rules profile bindings write) built from checked declarations,
//!    each right after the checks of what it reads (see the module for why).
//!
//! [`Reader`] is the context of passes B and C: the source and declarations it reads, the sink it
//! reports into, and what pass B collects for pass C ([`Pending`]). `read` holds its typed
//! readers (`expect_map`, `text`, `meta`, ...).

use std::collections::BTreeSet;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use crate::LoadError;
use crate::diagnostics::Code;
use crate::model::{
    ErrorDef, Evolution, Lifecycle, Location, OutOfScope, Outputs, Profile, Rule, Spec, TypeDef,
    TypeRef,
};

use declarations::Declarations;
use sink::Sink;
use source::{Source, location};

mod declarations;
mod errors;
mod evolution;
mod lifecycle;
mod lower;
mod manifest;
mod out_of_scope;
mod profiles;
mod read;
mod rules;
mod sink;
mod source;
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
    let mut source = Source::default();
    let mut sink = Sink::default();
    let spec = match read_files(manifest, read, &mut source, &mut sink)? {
        Some(files) => check_files(files, manifest, read, &source, &mut sink)?,
        None => None,
    };
    match spec {
        Some(spec) if sink.is_empty() => Ok(spec),
        _ => Err(LoadError::Invalid(sink.into_diagnostics(source))),
    }
}

/// Every stage after [`read_files`], in order (of the files, they read only the lock, through
/// `read`); `None` when the spec is too broken to assemble (the sink says why).
fn check_files(
    mut files: SpecFiles,
    manifest: &str,
    read: &mut ReadFile<'_>,
    source: &Source,
    sink: &mut Sink,
) -> Result<Option<Spec>, LoadError> {
    let roots: Vec<&MarkedMappingNode> = files.parsed.iter().flatten().collect();
    let declarations = Declarations::collect(&roots, source, sink);
    let mut reader = Reader::new(source, &declarations, sink);
    reader.pending.claims = std::mem::take(&mut files.claims);
    let converted = reader.convert_files(&roots);
    let lifecycle = reader.one_lifecycle(converted.lifecycles, &files, manifest);
    let checked = reader.check_spec(
        &roots,
        converted.types,
        converted.errors,
        lifecycle.as_ref(),
    );
    let claims = reader.check_claims(&files.manifest_dir, read)?;
    let evolution = std::mem::take(&mut reader.pending.evolution);

    let mut spec_files = vec![manifest.to_string()];
    spec_files.extend(source.files.iter().skip(1).cloned());
    Ok(match (files.head.values, lifecycle) {
        (Some((name, version, master_spec, outputs)), Some(lifecycle)) => Some(Spec {
            name,
            version,
            master_spec,
            outputs,
            files: spec_files,
            types: checked.types,
            lifecycle,
            errors: checked.errors,
            rules: checked.rules,
            profiles: checked.profiles,
            out_of_scope: checked.out_of_scope,
            claims,
            evolution,
        }),
        _ => None,
    })
}

/// The files of the spec, read and parsed.
struct SpecFiles {
    /// What the manifest says.
    head: ManifestHead,
    /// The manifest's folder (`files:` entries and the lock are relative to it).
    manifest_dir: String,
    /// Every listed file that exists, parsed (`None` when it does not parse).
    parsed: Vec<Option<MarkedMappingNode>>,
    /// `claims:` of the manifest.
    claims: Vec<(String, At, Location)>,
}

impl SpecFiles {
    /// Whether a file failed to parse; whole-spec "missing" checks would only repeat that.
    fn parse_failed(&self) -> bool {
        self.parsed.iter().any(Option::is_none)
    }
}

/// The read stage: the manifest, its head (checked with a [`Reader`] that knows no declarations
/// yet), then every file it lists. `None` when the manifest is missing or does not parse.
fn read_files(
    manifest: &str,
    read: &mut ReadFile<'_>,
    source: &mut Source,
    sink: &mut Sink,
) -> Result<Option<SpecFiles>, LoadError> {
    let Some(text) = read(manifest)? else {
        source.files.push(manifest.to_string());
        sink.report(
            Code::MissingFile,
            (location(manifest, 1, 1), 1),
            format!("spec manifest `{manifest}` does not exist"),
            "",
            Some("create it, or pass the right manifest path".into()),
        );
        return Ok(None);
    };
    let index = source.add(manifest.to_string(), text);
    let Some(root) = source.parse(index, sink) else {
        return Ok(None);
    };
    let manifest_dir = match manifest.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => String::new(),
    };
    let no_declarations = Declarations::default();
    let mut reader = Reader::new(source, &no_declarations, sink);
    let head = reader.manifest(&root, &manifest_dir);
    let claims = std::mem::take(&mut reader.pending.claims);

    let mut added = Vec::new();
    for (entry, at) in &head.files {
        let path = if manifest_dir.is_empty() {
            entry.clone()
        } else {
            format!("{manifest_dir}/{entry}")
        };
        let Some(text) = read(&path)? else {
            sink.report(
                Code::MissingFile,
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
        added.push(source.add(path, text));
    }
    let parsed = parse_in_parallel(source, &added, sink);
    Ok(Some(SpecFiles {
        head,
        manifest_dir,
        parsed,
        claims,
    }))
}

/// Parses the files at `indexes` of `source` on as many threads as there are cores (YAML parsing
/// is most of reading), each into a sink of its own; the sinks are appended in file order, so
/// the diagnostics are what parsing one file after another reports.
fn parse_in_parallel(
    source: &Source,
    indexes: &[usize],
    sink: &mut Sink,
) -> Vec<Option<marked_yaml::types::MarkedMappingNode>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = indexes.len().div_ceil(threads).max(1);
    let parse = |indexes: &[usize]| {
        let mut sink = Sink::default();
        let parsed: Vec<_> = indexes
            .iter()
            .map(|&index| source.parse(index, &mut sink))
            .collect();
        (parsed, sink)
    };
    let results = std::thread::scope(|scope| {
        let parse = &parse;
        let mut chunks = indexes.chunks(per_thread);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || parse(chunk)))
            .collect();
        let mut results = vec![parse(first)];
        for other in others {
            results.push(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    });
    let mut parsed = Vec::with_capacity(indexes.len());
    for (nodes, reported) in results {
        parsed.extend(nodes);
        sink.append(reported);
    }
    parsed
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

/// The context of passes B and C: what they read, where they report, and what pass B collects
/// for pass C. The source and the declarations are shared and immutable.
struct Reader<'s> {
    /// The spec's texts and positions.
    source: &'s Source,
    /// Every declared name (pass A).
    declarations: &'s Declarations,
    /// Where every problem goes.
    sink: &'s mut Sink,
    /// (mapping location, key) pairs where an unknown key was reported as a typo of `key`, so the
    /// missing-key report for `key` would only repeat it.
    typo_of: BTreeSet<(Location, String)>,
    /// What pass B collects for the pass-C checks.
    pending: Pending,
}

impl<'s> Reader<'s> {
    /// A reader of `source` that knows `declarations` and has reported and collected nothing.
    fn new(source: &'s Source, declarations: &'s Declarations, sink: &'s mut Sink) -> Self {
        Reader {
            source,
            declarations,
            sink,
            typo_of: BTreeSet::new(),
            pending: Pending::default(),
        }
    }
}

/// What pass B collects while converting declarations, checked once every type is known.
#[derive(Default)]
struct Pending {
    /// `default:` values, checked against their field's type.
    defaults: Vec<PendingDefault>,
    /// `child_table` storages, checked against their element record.
    children: Vec<PendingChild>,
    /// Foreign key targets.
    foreign_keys: Vec<(String, At)>,
    /// Table and index names (name, what, where), unique across the schema.
    sql_names: Vec<(String, &'static str, At)>,
    /// Error codes, unique, and distinct from rule codes.
    error_codes: Vec<(String, At)>,
    /// `Record.field` (or `Error.field`) whose type expression failed; column checks and the
    /// checks of error fields skip them (no cascades).
    unresolved: BTreeSet<String>,
    /// `profiles:` read so far.
    profiles: profiles::ProfileState,
    /// `claims:` entries of any declaration: (item id, where written, the declaration), checked
    /// against `master-spec.lock` once every file is read.
    claims: Vec<(String, At, Location)>,
    /// Evolution declarations read so far (`renamed_from`, `backfill`, `removed_*`).
    evolution: Evolution,
    /// `backfill:` values, checked against their field's type.
    backfills: Vec<PendingDefault>,
}

/// What pass B converts from all files.
struct Converted {
    /// Every type, in spec order, with the lifecycle's enum after its file's types.
    types: Vec<TypeDef>,
    /// Every `lifecycle:` with where it is declared (exactly one is allowed).
    lifecycles: Vec<(Lifecycle, At)>,
    /// Every error, in spec order.
    errors: Vec<ErrorDef>,
}

/// What pass C checked (and lowering built) besides the lifecycle.
struct Checked {
    /// Every type, the synthesized unions included.
    types: Vec<TypeDef>,
    /// Every error, defaults resolved.
    errors: Vec<ErrorDef>,
    /// Hand-written rules, and the rules profile bindings write.
    rules: Vec<Rule>,
    /// Every profile, checked.
    profiles: Vec<Profile>,
    /// Every out-of-scope guard.
    out_of_scope: Vec<OutOfScope>,
}

impl Reader<'_> {
    /// Pass B: converts each file; the lifecycle's states become an enum type right after the
    /// types of the file that declares it.
    fn convert_files(&mut self, roots: &[&MarkedMappingNode]) -> Converted {
        let mut converted = Converted {
            types: Vec::new(),
            lifecycles: Vec::new(),
            errors: Vec::new(),
        };
        for root in roots {
            let file = self.file(root);
            converted.types.extend(file.types);
            self.profiles_section(root, converted.types.len());
            if let Some(lifecycle) = file.lifecycle {
                let at = (lifecycle.meta.location.clone(), 9);
                converted.types.push(lower::lifecycle_enum(&lifecycle));
                converted.lifecycles.push((lifecycle, at));
            }
            converted.errors.extend(file.errors);
        }
        converted
    }

    /// The spec's one lifecycle; none, or a second one, is reported.
    fn one_lifecycle(
        &mut self,
        lifecycles: Vec<(Lifecycle, At)>,
        files: &SpecFiles,
        manifest: &str,
    ) -> Option<Lifecycle> {
        let mut lifecycles = lifecycles.into_iter();
        let lifecycle = match lifecycles.next() {
            Some((lifecycle, _)) => Some(lifecycle),
            None if files.parse_failed() => None,
            None => {
                let at = files
                    .head
                    .files_at
                    .clone()
                    .unwrap_or((location(manifest, 1, 1), 1));
                self.sink.report(
                    Code::LifecycleCount,
                    at,
                    "the spec declares no `lifecycle:`",
                    "no file listed here has one",
                    Some("add a `lifecycle:` section (name, initial, states, transitions) to one spec file".into()),
                );
                None
            }
        };
        for (_, at) in lifecycles {
            self.sink.report(
                Code::LifecycleCount,
                at,
                "a second `lifecycle:` is declared",
                "only one lifecycle is allowed in the whole spec",
                Some("merge the state machines into one `lifecycle:` section".into()),
            );
        }
        lifecycle
    }

    /// Pass C, with the lowering of `profiles:` in between: the synthesized unions once the
    /// profiles are checked (rules may walk into them), the binding rules once `rules:` is.
    fn check_spec(
        &mut self,
        roots: &[&MarkedMappingNode],
        mut types: Vec<TypeDef>,
        mut errors: Vec<ErrorDef>,
        lifecycle: Option<&Lifecycle>,
    ) -> Checked {
        self.check_cycles(&types);
        self.check_lifecycle_errors(&errors, lifecycle);
        self.check_defaults(&mut types, &mut errors);
        self.check_backfills(&types);
        self.check_removed_values_in_json(&types);
        let profiles = self.check_profiles(&types, lifecycle);
        if let Some(position) = self.pending.profiles.position {
            lower::insert_profile_unions(&mut types, &profiles, position, self.synthesized_at());
        }
        self.check_foreign_keys(&types);
        self.check_children(&types);
        self.check_unique_sql_names();
        // Rules read the error codes to keep rule codes distinct from them.
        let mut rules = self.rules(roots, &types);
        let written = self.check_bindings(&profiles, &types, &rules);
        if let Some(profile) = profiles.first() {
            lower::insert_binding_rules(
                &mut rules,
                written,
                &profile.meta.location.file,
                self.source,
            );
        }
        let out_of_scope = self.out_of_scope(roots);
        self.check_unique_error_codes();
        Checked {
            types,
            errors,
            rules,
            profiles,
            out_of_scope,
        }
    }

    /// Where each synthesized union goes, in [`lower::SYNTHESIZED`] order: declared by pass A
    /// and not taken by a hand-written type (that clash is reported there).
    fn synthesized_at(&self) -> [Option<Location>; 2] {
        let mut at: [Option<Location>; 2] = [None, None];
        for ((slot, synthesized), declared_at) in at
            .iter_mut()
            .zip(&lower::SYNTHESIZED)
            .zip(&self.declarations.synthesized_at)
        {
            let Some(declared_at) = declared_at else {
                continue;
            };
            if self
                .declarations
                .names
                .get(synthesized.union)
                .is_some_and(|d| &d.at == declared_at)
            {
                *slot = Some(declared_at.0.clone());
            }
        }
        at
    }
}

/// What the manifest says.
struct ManifestHead {
    /// Name, version, Master Spec version and output folders, when all are valid.
    values: Option<(String, String, String, Outputs)>,
    /// The `files:` entries with their locations.
    files: Vec<(String, At)>,
    /// Where `files:` is.
    files_at: Option<At>,
}

/// What pass B converts from one file.
#[derive(Default)]
struct ConvertedFile {
    /// The file's `types:`.
    types: Vec<TypeDef>,
    /// Its `lifecycle:`, if any.
    lifecycle: Option<Lifecycle>,
    /// Its `errors:`.
    errors: Vec<ErrorDef>,
}

#[cfg(test)]
mod tests {
    use super::errors::{is_error_code, placeholders};
    use super::manifest::{is_inside, is_master_spec_version, is_semver};
    use super::read::is_clause;
    use super::source::second_document_line;
    use super::whole_spec::{is_timestamp, is_uuid};

    #[test]
    fn small_validators() {
        /// A validator, texts it accepts and texts it refuses.
        type Case = (
            fn(&str) -> bool,
            &'static [&'static str],
            &'static [&'static str],
        );
        let cases: [Case; 6] = [
            (is_clause, &["§2.6.6.2.3"], &["§2..6", "2.6"]),
            (is_semver, &["0.1.0", "1.0.0-rc.1+b5"], &["01.0.0"]),
            (is_master_spec_version, &["v02.84"], &["02.84"]),
            (is_error_code, &["HSK-JOB-001"], &["HSK", "hsk-1"]),
            (
                is_uuid,
                &["0190a5f2-7c1e-7000-8000-000000000000"],
                &["0190a5f2"],
            ),
            (
                is_timestamp,
                &["2026-01-02T03:04:05.123Z"],
                &["2026-01-02 03:04:05Z"],
            ),
        ];
        for (check, accepted, refused) in cases {
            for text in accepted {
                assert!(check(text), "{text} is accepted");
            }
            for text in refused {
                assert!(!check(text), "{text} is refused");
            }
        }
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
