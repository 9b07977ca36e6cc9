//! `handshake`: validate AI Job Model records, print their canonical JSON and SHA-256, and
//! drive a job store (`handshake jobs`).
//!
//! Exit status: 0 when every record is valid (or hashed, or the store did what was asked), 1
//! when a record is invalid, has no canonical form or the store refused, 2 for a usage error, a
//! file that cannot be read or a database that cannot be used. When the reader of stdout goes
//! away (`handshake types | head`), the program ends quietly with 0.

mod args;
mod jobs;

use std::io::Write as _;
use std::process::ExitCode;

use args::Command;
// What decides a verdict lives in the library (src/lib.rs); `crate::input` and
// `crate::violation` name it for `handshake jobs` too.
use handshake_cli::exit::{INVALID as EXIT_INVALID, USAGE as EXIT_USAGE, VALID as EXIT_VALID};
use handshake_cli::{exit, hash, input, registry, validate, violation};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let command = match args::parse(&arguments) {
        Ok(command) => command,
        Err(error) => {
            // A mistake in `handshake jobs …` is answered with the usage of `jobs`.
            let usage = if arguments.first().is_some_and(|first| first == "jobs") {
                jobs::args::USAGE
            } else {
                args::USAGE
            };
            return usage_failure(&error.0, usage);
        }
    };
    match run(command) {
        Ok(code) => ExitCode::from(code),
        // The reader of our output is gone (`handshake types | head`): nothing is left to say
        // and nobody to say it to, so end quietly, as if the output had been read. Rust ignores
        // SIGPIPE, so the closed pipe arrives here as an error of the first write after it.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(EXIT_VALID),
        Err(error) => {
            eprintln!("handshake: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Whether `error` is, or was caused by, a write to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn usage_failure(message: &str, usage: &str) -> ExitCode {
    eprintln!("handshake: {message}\n\n{usage}");
    ExitCode::from(EXIT_USAGE)
}

/// Runs one command; `Err` is an I/O failure on stdout (exit 2).
fn run(command: Command) -> anyhow::Result<u8> {
    let mut stdout = std::io::stdout().lock();
    match command {
        Command::Help => {
            stdout.write_all(args::USAGE.as_bytes())?;
            Ok(EXIT_VALID)
        }
        Command::Version => {
            writeln!(
                stdout,
                "handshake {} (spec {} {}, Master Spec {})",
                env!("CARGO_PKG_VERSION"),
                handshake_job_model::SPEC_NAME,
                handshake_job_model::SPEC_VERSION,
                handshake_job_model::MASTER_SPEC,
            )?;
            Ok(EXIT_VALID)
        }
        Command::JobsHelp => {
            stdout.write_all(jobs::args::USAGE.as_bytes())?;
            Ok(EXIT_VALID)
        }
        Command::Jobs(command) => {
            // The jobs printer writes (and flushes) stdout itself.
            drop(stdout);
            Ok(jobs::run(*command)?)
        }
        Command::Types => {
            for spec_type in registry::TYPES {
                let marker = if spec_type.root { "  (root)" } else { "" };
                writeln!(stdout, "{}{marker}", spec_type.name)?;
            }
            Ok(EXIT_VALID)
        }
        Command::Validate {
            spec_type: named,
            json,
            files,
        } => {
            let mut reports = Vec::with_capacity(files.len());
            for file in &files {
                let report = match input::read_text(file) {
                    Ok(text) => validate::check_text(file, &text, named),
                    Err(error) => validate::FileReport::unreadable(file, &error),
                };
                if !json {
                    let text = validate::render_human(&report);
                    if report.error.is_some() {
                        eprint!("{text}");
                    } else {
                        stdout.write_all(text.as_bytes())?;
                    }
                }
                reports.push(report);
            }
            if json {
                serde_json::to_writer_pretty(&mut stdout, &reports)?;
                stdout.write_all(b"\n")?;
            }
            stdout.flush()?;
            Ok(exit::of_reports(&reports))
        }
        Command::Hash {
            spec_type: named,
            output,
            file,
        } => {
            let text = match input::read_text(&file) {
                Ok(text) => text,
                Err(error) => {
                    eprintln!("handshake: {error:#}");
                    return Ok(EXIT_USAGE);
                }
            };
            match hash::hash_text(&file, &text, named) {
                Ok(hashed) => {
                    stdout.write_all(hash::render(&hashed, output).as_bytes())?;
                    stdout.flush()?;
                    Ok(EXIT_VALID)
                }
                Err(refusal) => {
                    eprint!("{refusal}");
                    Ok(EXIT_INVALID)
                }
            }
        }
    }
}
