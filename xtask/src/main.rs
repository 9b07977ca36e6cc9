//! `cargo xtask`: the workspace's task runner (the cargo-xtask pattern).
//!
//! - `cargo xtask codegen`          regenerate every output from `spec/`; prints one summary line.
//! - `cargo xtask codegen --check`  write nothing; list every stale, missing or orphaned file and
//!   pending migration, and exit 1 if there is any.
//! - `cargo xtask test`             everything CI runs: fmt, clippy, the drift check, the spec's version
//!   and ADR policy (spec-diff), the YAML against the Master Spec (spec-sync, skipped only outside CI
//!   when `../shared` is absent), all tests, SDK checks.
//! - `cargo xtask spec-sync --master-spec PATH [--json] [--accept]`  compare the YAML with the
//!   Master Spec's §2.6.6 and the lock `spec/master-spec.lock`; exit 0 clean, 1 findings, 2 unreadable
//!   input or usage error (see `crates/spec-sync`).
//! - `cargo xtask spec-diff [--against REV] [--json] [--adr-skeleton] [--adr-index]`  classify every
//!   change between the spec at REV (default: the last commit that changed its `version`) and the
//!   working tree; exit 0 clean, 1 when the version or ADR policy fails, 2 when it cannot run
//!   (see `crates/spec-diff`, `docs/spec-diff.md`).
//!
//! It stays thin: the spec loader and the generators are libraries; this only sequences them.

/// The generator's many small allocations go faster through mimalloc than glibc's malloc
/// (issue #13 §6; `xtask/Cargo.toml` says by how much).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use handshake_codegen::{CodegenError, RunError, output};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["test"] => test(),
        ["spec-sync", rest @ ..] => return spec_sync(rest),
        ["spec-diff", rest @ ..] => return spec_diff(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask codegen [--check] | cargo xtask test | cargo xtask spec-sync --master-spec PATH [--json] [--accept] | cargo xtask spec-diff [--against REV] [--json] [--adr-skeleton] [--adr-index]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root, found from this crate's manifest so the xtask runs from any folder;
/// `HANDSHAKE_XTASK_ROOT` names another one (the end-to-end tests run the binary on a scratch
/// workspace, `xtask/tests/`).
fn repo_root() -> PathBuf {
    if let Some(root) = std::env::var_os("HANDSHAKE_XTASK_ROOT") {
        return PathBuf::from(root);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ lives in the repository root")
        .to_path_buf()
}

fn codegen(check: bool) -> Result<ExitCode> {
    let root = repo_root();
    let started = Instant::now();
    let plan = match handshake_codegen::plan_repo(&root) {
        Ok(plan) => plan,
        Err(RunError::Spec(handshake_spec::LoadError::Invalid(diagnostics))) => {
            eprint!("{}", diagnostics.render());
            return Ok(ExitCode::FAILURE);
        }
        Err(RunError::Codegen(CodegenError::NonAdditiveChange { change, help })) => {
            eprintln!(
                "error: schema change refused:\n  {change}\n  = help: {help}\nnothing was written"
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(other) => {
            eprintln!("error: {other}\nnothing was written");
            return Ok(ExitCode::FAILURE);
        }
    };

    if check {
        if plan.is_clean() {
            println!("codegen --check: up to date ({} files)", plan.actions.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprint!("{}", plan.check_report());
        eprintln!(
            "codegen --check: generated files are out of date; run `cargo xtask codegen` and commit the result"
        );
        return Ok(ExitCode::FAILURE);
    }

    if !plan.refusals.is_empty() {
        eprint!("{}", plan.check_report());
        eprintln!("nothing was written");
        return Ok(ExitCode::FAILURE);
    }
    output::apply(&root, &plan).context("writing generated files")?;
    println!("{} in {} ms", plan.summary(), started.elapsed().as_millis());
    Ok(ExitCode::SUCCESS)
}

/// `spec-sync --master-spec PATH [--json] [--accept]`: findings on stdout, notes and the summary
/// on stderr; exit 0 clean, 1 findings, 2 usage error or unreadable input.
fn spec_sync(args: &[&str]) -> ExitCode {
    let usage = "usage: cargo xtask spec-sync --master-spec PATH [--json] [--accept]";
    let (mut master_spec, mut json, mut accept) = (None, false, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--master-spec" if master_spec.is_none() => match args.next() {
                Some(path) => master_spec = Some(PathBuf::from(path)),
                None => break,
            },
            "--json" => json = true,
            "--accept" => accept = true,
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(master_spec) = master_spec else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    // a relative path is relative to where the command was started, as usual
    let master_spec = std::env::current_dir()
        .map(|dir| dir.join(&master_spec))
        .unwrap_or(master_spec);
    let report = match handshake_spec_sync::run_repo(&repo_root(), &master_spec, accept) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    if json {
        print!(
            "{}",
            handshake_spec_sync::finding::render_json(
                &report.findings,
                report.items.len(),
                report.claimed,
                report.out_of_scope
            )
        );
    } else {
        print!(
            "{}",
            handshake_spec_sync::finding::render_human(&report.findings)
        );
    }
    eprintln!(
        "spec-sync: {} findings; {} items, {} claimed, {} out of scope{}",
        report.findings.len(),
        report.items.len(),
        report.claimed,
        report.out_of_scope,
        if accept { "; lock written" } else { "" }
    );
    if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `spec-diff [--against REV] [--json] [--adr-skeleton] [--adr-index]`: changes and policy
/// findings on stdout, the summary on stderr; exit 0 clean, 1 policy findings, 2 cannot run.
fn spec_diff(args: &[&str]) -> ExitCode {
    let usage =
        "usage: cargo xtask spec-diff [--against REV] [--json] [--adr-skeleton] [--adr-index]";
    let (mut against, mut json, mut skeleton, mut index) = (None, false, false, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--against" if against.is_none() => match args.next() {
                Some(rev) => against = Some(*rev),
                None => {
                    eprintln!("{usage}");
                    return ExitCode::from(2);
                }
            },
            "--json" => json = true,
            "--adr-skeleton" => skeleton = true,
            "--adr-index" => index = true,
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let root = repo_root();
    if index {
        match handshake_spec_diff::write_index(&root) {
            Ok(changed) => eprintln!(
                "spec-diff: docs/adr/README.md {}",
                if changed { "written" } else { "up to date" }
            ),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    let report = match handshake_spec_diff::run_repo(&root, against) {
        Ok(handshake_spec_diff::Outcome::Report(report)) => report,
        Ok(handshake_spec_diff::Outcome::Skipped(why)) => {
            eprintln!("spec-diff: skipped: {why}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if skeleton {
        match handshake_spec_diff::write_skeleton(&root, &report) {
            Ok(Some(path)) => eprintln!(
                "spec-diff: wrote {path}: fill in its TODOs, then run cargo xtask spec-diff --adr-index"
            ),
            Ok(None) => eprintln!(
                "spec-diff: every breaking change is covered by an ADR; no skeleton written"
            ),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    if json {
        print!("{}", handshake_spec_diff::render_json(&report));
    } else {
        print!("{}", handshake_spec_diff::render_human(&report));
    }
    eprintln!("{}", handshake_spec_diff::summary(&report));
    if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The Master Spec version `spec/handshake.yaml` implements, relative to the repository root
/// (`../shared` is checked out beside it in CI).
const MASTER_SPEC: &str = "../shared/spec-source/Handshake_Master_Spec_v02.84.md";

/// Run a command from the repository root, failing with its name if it fails.
fn run(step: &str, program: &str, args: &[&str]) -> Result<()> {
    println!("\n==> {step}: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .status()
        .with_context(|| format!("starting `{program}`"))?;
    if !status.success() {
        bail!("step `{step}` failed ({status})");
    }
    Ok(())
}

fn test() -> Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run("format", &cargo, &["fmt", "--all", "--check"])?;
    run(
        "lint",
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    if codegen(true)? != ExitCode::SUCCESS {
        bail!("step `codegen --check` failed");
    }
    // The version and ADR policy (issue #12): a breaking spec change since the last version
    // needs its version bump and an ADR. A clone without that history prints a skip line.
    println!("\n==> spec-diff");
    if spec_diff(&[]) != ExitCode::SUCCESS {
        bail!("step `spec-diff` failed");
    }
    // The YAML against the Master Spec it implements (issue #11): every normative item claimed or
    // out of scope, the lock current, the structure equal. CI has ../shared, so there it never
    // skips; a clone without it prints a skip line, as the Postgres tests do outside CI.
    println!("\n==> spec-sync");
    let master_spec = repo_root().join(MASTER_SPEC);
    if master_spec.is_file() {
        let master_spec = master_spec.to_str().context("non-UTF-8 path")?;
        if spec_sync(&["--master-spec", master_spec]) != ExitCode::SUCCESS {
            bail!(
                "step `spec-sync` failed: fix the YAML (or acknowledge with a decision), see docs/spec-sync.md"
            );
        }
    } else if std::env::var_os("CI").is_some() {
        bail!(
            "step `spec-sync` failed: CI must have the Master Spec at {}",
            master_spec.display()
        );
    } else {
        println!(
            "spec-sync: skipped: {} is absent (a clone without ../shared); CI runs this step",
            master_spec.display()
        );
    }
    // The SDK checks first: they install the pinned TypeScript and Pydantic that the
    // differential test (Rust vs JSON Schema vs Pydantic) then calls.
    let sdk_check = repo_root().join("sdk/check.sh");
    let sdk_check = sdk_check.to_str().context("non-UTF-8 path")?;
    run(
        "sdk (tsc --strict, mypy --strict, runtime unit tests, Ajv corpus, pytest, npm pack and wheel installs)",
        "bash",
        &[sdk_check],
    )?;
    // Unit, integration and doc tests, examples built; benches are built by clippy above.
    run("tests", &cargo, &["test", "--workspace"])?;
    println!("\nxtask test: all steps passed");
    Ok(ExitCode::SUCCESS)
}
