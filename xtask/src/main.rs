//! `cargo xtask`: the workspace's task runner (the cargo-xtask pattern).
//!
//! - `cargo xtask codegen`          regenerate every output from `spec/`; prints one summary line.
//! - `cargo xtask codegen --check`  write nothing; list every stale, missing or orphaned file and
//!   pending migration, and exit 1 if there is any.
//! - `cargo xtask test`             everything CI runs: fmt, clippy, the drift check, all tests, SDK checks.
//!
//! It stays thin: the spec loader and the generators are libraries; this only sequences them.

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
        _ => {
            eprintln!("usage: cargo xtask codegen [--check] | cargo xtask test");
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

/// The repository root, found from this crate's manifest so the xtask runs from any folder.
fn repo_root() -> PathBuf {
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
                "error: non-additive schema change refused: {change}\n  = help: {help}\nnothing was written"
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
    // The SDK checks first: they install the pinned TypeScript and Pydantic that the
    // differential test (Rust vs JSON Schema vs Pydantic) then calls.
    let sdk_check = repo_root().join("sdk/check.sh");
    let sdk_check = sdk_check.to_str().context("non-UTF-8 path")?;
    run("sdk (tsc + pytest)", "bash", &[sdk_check])?;
    // Unit, integration and doc tests, examples built; benches are built by clippy above.
    run("tests", &cargo, &["test", "--workspace"])?;
    println!("\nxtask test: all steps passed");
    Ok(ExitCode::SUCCESS)
}
