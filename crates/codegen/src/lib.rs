//! The generators: pure functions from the checked [`Spec`] to files in memory.
//!
//! Nothing here touches the file system except [`output`], the one write path. Each target has its
//! own module; [`generate`] runs them all, so a failure in any target writes nothing anywhere.
//! [`ir`] resolves the spec once for all of them: type ids, rule paths, reachability and orders.
#![deny(missing_docs)]

mod doc_text;
pub mod docs;
pub mod evidence;
pub mod ir;
pub mod json_schema;
pub mod marker;
pub mod migrations;
pub mod names;
pub mod output;
mod parallel;
pub mod python;
mod rule_data;
mod rule_plan;
pub mod rust;
pub mod sql;
#[cfg(test)]
mod test_model;
pub mod typescript;

use handshake_spec::model::Spec;

/// One generated file: a repo-relative path (with `/` separators) and its full contents.
///
/// Contents always start with the `@generated` marker line (see [`marker`]), use `\n` line
/// endings and end with exactly one newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the repository root, e.g. `schemas/ai_job.schema.json`.
    pub path: String,
    /// Full file contents.
    pub contents: String,
}

/// The files of an SDK target: `(name, contents)` under the target's folder `dir`, in order;
/// a `None` contents (a file the spec has nothing for) is left out.
pub(crate) fn files_in(
    dir: &str,
    files: impl IntoIterator<Item = (&'static str, Option<String>)>,
) -> Vec<GeneratedFile> {
    let dir = dir.trim_end_matches('/');
    files
        .into_iter()
        .filter_map(|(name, contents)| {
            contents.map(|contents| GeneratedFile {
                path: format!("{dir}/{name}"),
                contents,
            })
        })
        .collect()
}

/// A file that already exists in an output folder, as read by the caller.
///
/// The generators are pure: the caller (the xtask, or a test) reads what is on disk under the
/// migrations folder and passes it in, so append-only migrations can be computed in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingFile {
    /// Path relative to the repository root.
    pub path: String,
    /// Full file contents.
    pub contents: String,
}

/// Why generation failed. Nothing is written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The spec changed the tables in a way no declaration covers (or codegen cannot migrate):
    /// `change` names every such change, one per line, each with where to declare it.
    #[error("schema change refused:\n  {change}")]
    NonAdditiveChange {
        /// Human-readable description of the change, naming table and column.
        change: String,
        /// How to proceed.
        help: String,
    },
    /// A committed migration no longer matches the checksum recorded when it was generated.
    #[error("committed migration {path} was edited (migrations are append-only)")]
    EditedMigration {
        /// Repo-relative path of the edited migration.
        path: String,
    },
    /// The migrations folder is not in a state codegen can reason about (e.g. a snapshot is unreadable).
    #[error("migrations folder is inconsistent: {detail}")]
    InconsistentMigrations {
        /// What is wrong, naming the file.
        detail: String,
    },
    /// The spec loaded, but a target cannot express it (e.g. the Rust lifecycle needs an
    /// `IllegalTransition` error); `location` names the spec item.
    #[error("{location}: the spec cannot be generated: {detail}")]
    UnsupportedSpec {
        /// `file:line:col` of the spec item, or the output path when there is none.
        location: String,
        /// What is missing and how to fix it.
        detail: String,
    },
    /// Generated Rust failed to parse (a generator bug, never an input problem).
    #[error("generated rust for {path} does not parse: {detail}")]
    InvalidRust {
        /// Output path.
        path: String,
        /// Parser message.
        detail: String,
    },
}

/// Everything one codegen run produces, in a fixed order (target, then spec order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Every file that must exist, with its exact contents.
    pub files: Vec<GeneratedFile>,
    /// Folders this run owns: any file in them that is not in `files` is orphaned.
    pub owned_dirs: Vec<String>,
    /// New migration files this run adds (subset of `files`): "a migration is pending".
    pub new_migrations: Vec<String>,
}

/// Run every generator. `existing_migrations` is every file currently under the migrations folder.
pub fn generate(
    spec: &Spec,
    existing_migrations: &[ExistingFile],
) -> Result<Generated, CodegenError> {
    // Every target reads one resolved spec: ids, rule paths, reachability and orders are worked
    // out once here, not per target.
    let ir = ir::Ir::new(spec);
    let ir = &ir;
    // The SQL layout, laid out once: the migrations lead to it, the docs say which rules it has
    // no CHECK for.
    let schema = sql::schema_with(ir);
    let schema = &schema;
    // One pool runs every target: the Rust target as pieces (most of the work), its largest
    // piece first, then the other targets one job each, then the rest of the Rust pieces.
    // Errors are reported in the same order whatever ran where: migrations first, then Rust.
    let (rust_pieces, layout) = match rust::pieces(ir, rust::TYPES_PER_PIECE) {
        Ok((pieces, layout)) => (pieces, Ok(layout)),
        Err(error) => (Vec::new(), Err(error)),
    };
    let mut rust_pieces = rust_pieces.into_iter();
    let mut jobs: Vec<parallel::Job<'_, Done>> = Vec::new();
    if let Some(first) = rust_pieces.next() {
        jobs.push(Box::new(move || Done::Rust(first())));
    }
    jobs.push(Box::new(|| {
        Done::Migrations(migrations::generate_with(ir, schema, existing_migrations))
    }));
    jobs.push(Box::new(|| Done::Files(json_schema::generate_with(ir))));
    jobs.push(Box::new(|| Done::Files(typescript::generate_with(ir))));
    jobs.push(Box::new(|| Done::Files(python::generate_with(ir))));
    jobs.push(Box::new(|| Done::Files(docs::generate_with(ir, schema))));
    for piece in rust_pieces {
        jobs.push(Box::new(move || Done::Rust(piece())));
    }
    let mut printed = Vec::new();
    let mut other_files = Vec::new();
    let mut migrations = None;
    for done in parallel::run(jobs) {
        match done {
            Done::Rust(piece) => printed.push(piece),
            Done::Files(files) => other_files.push(files),
            Done::Migrations(output) => migrations = Some(output),
        }
    }
    let migrations = migrations.expect("the migrations job ran")?;
    let rust = layout.and_then(|layout| layout.assemble(printed));
    let [json_schema, typescript, python, docs]: [Vec<GeneratedFile>; 4] = other_files
        .try_into()
        .unwrap_or_else(|_| unreachable!("four targets, one job each"));
    let mut files = Vec::new();
    files.extend(rust?);
    files.extend(json_schema);
    files.extend(migrations.files);
    files.extend(typescript);
    files.extend(python);
    files.extend(docs);
    let owned_dirs = spec
        .outputs
        .all()
        .iter()
        .map(|(_, dir)| dir.to_string())
        .collect();
    Ok(Generated {
        files,
        owned_dirs,
        new_migrations: migrations.new_files,
    })
}

/// What one job of [`generate`]'s pool produced.
enum Done {
    /// A piece of the Rust target.
    Rust(rust::Printed),
    /// The files of a target other than Rust and the migrations.
    Files(Vec<GeneratedFile>),
    /// The migrations.
    Migrations(Result<migrations::MigrationOutput, CodegenError>),
}

/// Why [`plan_repo`] could not produce a plan.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The spec did not load; the diagnostics say where and why.
    #[error("the spec has errors")]
    Spec(#[from] handshake_spec::LoadError),
    /// Generation refused (non-additive change, edited migration, …).
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    /// Reading the tree failed.
    #[error("reading the repository: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole pipeline up to, not including, writing: load `spec/handshake.yaml` under `root`,
/// read the migrations folder, generate every target in memory, add the evidence matrix (from the
/// lock `spec/master-spec.lock` and the doc comments of the hand-written Rust, see [`evidence`]),
/// and compare with the tree.
///
/// `cargo xtask codegen` applies the returned plan; `--check` and the drift test only report it.
pub fn plan_repo(root: &std::path::Path) -> Result<output::Plan, RunError> {
    // The evidence matrix joins the spec with the lock and the hand-written code's citations, and
    // points into the files generated here, so it is made here, where the tree is read. Reading
    // the lock and the sources needs neither the spec nor the targets: it runs beside both, first
    // beside the loader (which leaves a core idle while it checks), then beside the targets.
    std::thread::scope(|scope| {
        let reading = scope.spawn(|| read_evidence(root));
        let spec = handshake_spec::load(root)?;
        let mut existing = Vec::new();
        for path in output::files_under(root, std::path::Path::new(&spec.outputs.migrations))? {
            let contents = std::fs::read_to_string(root.join(&path))?.replace("\r\n", "\n");
            existing.push(ExistingFile { path, contents });
        }
        let mut generated = generate(&spec, &existing)?;
        let reading = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?
            .of_sources(&spec);
        let matrix = evidence::matrix(&spec, &reading, &generated.files);
        generated.files.extend(matrix);
        Ok(output::plan(root, &generated)?)
    })
}

/// The lock `spec/master-spec.lock` (empty when there is none) and the hand-written sources under
/// `root` that may be sources of any spec ([`evidence::may_be_source`]), read for the evidence
/// matrix.
fn read_evidence(root: &std::path::Path) -> Result<evidence::Reading, std::io::Error> {
    let lock = match std::fs::read_to_string(root.join(evidence::LOCK_PATH)) {
        Ok(text) => text.replace("\r\n", "\n"),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    let mut sources = Vec::new();
    for dir in evidence::SOURCE_DIRS {
        for path in output::files_under(root, std::path::Path::new(dir))? {
            if evidence::may_be_source(&path) {
                let contents = std::fs::read_to_string(root.join(&path))?.replace("\r\n", "\n");
                sources.push(evidence::SourceFile { path, contents });
            }
        }
    }
    Ok(evidence::read_unscoped(&lock, &sources))
}
