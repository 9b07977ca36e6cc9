//! The command line, parsed by hand: a few subcommands and flags need no argument library.
//! `handshake jobs …` is parsed by `crate::jobs::args`.

use std::fmt;

/// Text of `handshake --help`.
pub const USAGE: &str = "\
handshake: validate AI Job Model records, hash them canonically and drive a job store
(Handshake Master Spec §2.6.6)

usage:
  handshake validate [--type TYPE] [--json] FILE...
  handshake hash [--type TYPE] [--canonical-only | --digest-only] FILE
  handshake types
  handshake jobs SUBCOMMAND --db URL [--json] …   (handshake jobs --help)
  handshake --help | --version

validate  checks each FILE (- for stdin) as TYPE, or as the root type it parses as, and lists
          every violation with its JSON pointer, stable code, spec clause and message.
          --json prints one JSON array instead: [{file, type, detection, also_parses_as,
          valid, violations: [{path, code, clause, rule, message}], error}].
hash      prints the canonical JSON of FILE (§2.6.6.7.5) on one line and its SHA-256 on the
          next. With --type the record is first validated as TYPE and its parsed form is
          hashed; --type ScopeInputs applies the scope_inputs_hash rules. --canonical-only
          prints exactly the hashed bytes (no newline), --digest-only the digest alone.
types     lists every type of the spec; root types (the ones auto-detection tries) are marked.
jobs      drives and inspects a job store (SQLite file or PostgreSQL): init, create, get, list,
          transition, history, events, recover, cancel, retry, relay.

exit status: 0 all valid / hashed / done, 1 a record is invalid or has no canonical form,
             or the store refused, 2 usage error, a file that cannot be read or a database
             that cannot be opened. A closed output pipe ends the program quietly (0).
";

pub use handshake_cli::hash::HashOutput;
use handshake_cli::registry::{self, SpecType};

/// One parsed invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `handshake validate`.
    Validate {
        /// The type `--type` names, when given.
        spec_type: Option<&'static SpecType>,
        /// `--json`.
        json: bool,
        /// The files, `-` for stdin.
        files: Vec<String>,
    },
    /// `handshake hash`.
    Hash {
        /// The type `--type` names, when given.
        spec_type: Option<&'static SpecType>,
        /// Which parts to print.
        output: HashOutput,
        /// The file, `-` for stdin.
        file: String,
    },
    /// `handshake types`.
    Types,
    /// `handshake jobs …`.
    Jobs(Box<crate::jobs::args::JobsCommand>),
    /// `handshake jobs --help`.
    JobsHelp,
    /// `--help`, `-h` or `help`.
    Help,
    /// `--version` or `-V`.
    Version,
}

/// A command line that does not parse; the message says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage_error(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// Parses the arguments after the program name.
pub fn parse(arguments: &[String]) -> Result<Command, UsageError> {
    let Some((subcommand, rest)) = arguments.split_first() else {
        return Err(usage_error("no subcommand given"));
    };
    match subcommand.as_str() {
        "validate" => parse_validate(rest),
        "hash" => parse_hash(rest),
        "types" if rest.is_empty() => Ok(Command::Types),
        "types" => Err(usage_error("types takes no arguments")),
        "jobs" => match crate::jobs::args::parse(rest)? {
            crate::jobs::args::Parsed::Run(command) => Ok(Command::Jobs(command)),
            crate::jobs::args::Parsed::Help => Ok(Command::JobsHelp),
        },
        "help" | "--help" | "-h" => Ok(Command::Help),
        "--version" | "-V" => Ok(Command::Version),
        other => Err(usage_error(format!("unknown subcommand `{other}`"))),
    }
}

/// Flags and operands of one subcommand, before the subcommand decides which it accepts.
#[derive(Default)]
struct Parsed {
    help: bool,
    type_name: Option<String>,
    flags: Vec<String>,
    operands: Vec<String>,
}

fn split(arguments: &[String], accepted_flags: &[&str]) -> Result<Parsed, UsageError> {
    let mut parsed = Parsed::default();
    let mut arguments = arguments.iter();
    let mut only_operands = false;
    while let Some(argument) = arguments.next() {
        if only_operands || argument == "-" || !argument.starts_with('-') {
            parsed.operands.push(argument.clone());
        } else if argument == "--" {
            only_operands = true;
        } else if argument == "--help" || argument == "-h" {
            parsed.help = true;
        } else if argument == "--type" || argument.starts_with("--type=") {
            let name = match argument.strip_prefix("--type=") {
                Some(name) => name.to_owned(),
                None => arguments
                    .next()
                    .cloned()
                    .ok_or_else(|| usage_error("--type needs a type name"))?,
            };
            if name.is_empty() || name.starts_with('-') {
                return Err(usage_error("--type needs a type name"));
            }
            if parsed.type_name.replace(name).is_some() {
                return Err(usage_error("--type given twice"));
            }
        } else if accepted_flags.contains(&argument.as_str()) {
            if parsed.flags.contains(argument) {
                return Err(usage_error(format!("{argument} given twice")));
            }
            parsed.flags.push(argument.clone());
        } else {
            return Err(usage_error(format!("unknown option `{argument}`")));
        }
    }
    Ok(parsed)
}

fn parse_validate(arguments: &[String]) -> Result<Command, UsageError> {
    let parsed = split(arguments, &["--json"])?;
    if parsed.help {
        return Ok(Command::Help);
    }
    if parsed.operands.is_empty() {
        return Err(usage_error("validate needs at least one FILE"));
    }
    // An unknown type is reported before a second stdin.
    let spec_type = registry::resolve(parsed.type_name.as_deref()).map_err(UsageError)?;
    if parsed.operands.iter().filter(|file| *file == "-").count() > 1 {
        return Err(usage_error("stdin (-) can be read only once"));
    }
    Ok(Command::Validate {
        spec_type,
        json: parsed.flags.iter().any(|flag| flag == "--json"),
        files: parsed.operands,
    })
}

fn parse_hash(arguments: &[String]) -> Result<Command, UsageError> {
    let parsed = split(arguments, &["--canonical-only", "--digest-only"])?;
    if parsed.help {
        return Ok(Command::Help);
    }
    let output = match parsed.flags.as_slice() {
        [] => HashOutput::Both,
        [flag] if flag == "--canonical-only" => HashOutput::CanonicalOnly,
        [_] => HashOutput::DigestOnly,
        _ => {
            return Err(usage_error(
                "--canonical-only and --digest-only exclude each other",
            ));
        }
    };
    let [file] = <[String; 1]>::try_from(parsed.operands).map_err(|operands| {
        usage_error(format!(
            "hash takes exactly one FILE, got {}",
            operands.len()
        ))
    })?;
    Ok(Command::Hash {
        spec_type: registry::resolve(parsed.type_name.as_deref()).map_err(UsageError)?,
        output,
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<Command, UsageError> {
        let arguments: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&arguments)
    }

    #[test]
    fn validate_takes_type_json_and_files_in_any_order() {
        assert_eq!(
            run("validate a.json --json --type=AiJob - b.json"),
            Ok(Command::Validate {
                spec_type: registry::named("AiJob"),
                json: true,
                files: vec!["a.json".into(), "-".into(), "b.json".into()],
            })
        );
        assert_eq!(
            run("validate --type EntityRef -- --odd-name.json"),
            Ok(Command::Validate {
                spec_type: registry::named("EntityRef"),
                json: false,
                files: vec!["--odd-name.json".into()],
            })
        );
    }

    #[test]
    fn hash_takes_one_file_and_one_output_flag() {
        assert_eq!(
            run("hash --digest-only -"),
            Ok(Command::Hash {
                spec_type: None,
                output: HashOutput::DigestOnly,
                file: "-".into(),
            })
        );
        assert_eq!(
            run("hash --canonical-only x"),
            Ok(Command::Hash {
                spec_type: None,
                output: HashOutput::CanonicalOnly,
                file: "x".into(),
            })
        );
        assert!(run("hash --canonical-only --digest-only x").is_err());
        assert!(run("hash a b").is_err());
        assert!(run("hash").is_err());
    }

    /// Every usage error names its problem: (command line, the whole message).
    #[test]
    fn usage_errors_name_the_problem() {
        for (line, message) in [
            ("", "no subcommand given"),
            ("frobnicate", "unknown subcommand `frobnicate`"),
            ("validate", "validate needs at least one FILE"),
            ("validate --type", "--type needs a type name"),
            ("validate --type --json x", "--type needs a type name"),
            ("validate --type A --type B x", "--type given twice"),
            ("validate --digest-only x", "unknown option `--digest-only`"),
            ("hash --json x", "unknown option `--json`"),
            ("validate --json --json x", "--json given twice"),
            ("validate - x -", "stdin (-) can be read only once"),
        ] {
            assert_eq!(run(line).unwrap_err().0, message, "{line}");
        }
        // An unknown --type lists the root types it could have been.
        for line in [
            "validate --type NoSuchType x",
            "validate --type NoSuchType - -",
            "hash --type NoSuchType x",
        ] {
            let message = run(line).unwrap_err().0;
            assert!(
                message.starts_with("unknown type `NoSuchType`; root types: ")
                    && message.contains("AiJob"),
                "{line}: {message}"
            );
        }
    }

    #[test]
    fn help_version_and_types() {
        assert_eq!(run("--help"), Ok(Command::Help));
        assert_eq!(run("help"), Ok(Command::Help));
        assert_eq!(run("-V"), Ok(Command::Version));
        assert_eq!(run("types"), Ok(Command::Types));
        assert_eq!(run("validate --help"), Ok(Command::Help));
        assert_eq!(run("hash -h"), Ok(Command::Help));
        assert_eq!(run("jobs --help"), Ok(Command::JobsHelp));
        assert!(run("types x").is_err());
    }

    #[test]
    fn jobs_hands_its_arguments_to_the_jobs_parser() {
        let Ok(Command::Jobs(command)) = run("jobs list --db sqlite:x.db --json") else {
            panic!("jobs list parses");
        };
        assert_eq!(command.db, "sqlite:x.db");
        assert!(command.json);
        assert_eq!(run("jobs").unwrap_err().0, "jobs needs a subcommand");
    }
}
