//! The command line of `handshake jobs`, parsed by hand like the rest of the binary (see
//! `crate::args`): eleven subcommands share a dozen options, each checked for the subcommands
//! that take it.

use std::collections::BTreeMap;
use std::str::FromStr;

use handshake_job_model::{
    FlightRecorderActor, JobId, JobKind, JobState, ReasonCode, StatusReason,
};
use handshake_job_store::TransitionRequest;

use crate::args::UsageError;

/// Text of `handshake jobs --help`.
pub const USAGE: &str = "\
handshake jobs: drive and inspect an AI job store (Handshake Master Spec §2.6.6.3–§2.6.6.5)

usage:
  handshake jobs init        --db URL
  handshake jobs create      --db URL FILE
  handshake jobs get         --db URL ID
  handshake jobs list        --db URL [--state STATE] [--kind KIND]
  handshake jobs transition  --db URL ID --to STATE --expected-version N [--reason CODE]
                             [--changes FILE] [--validation FILE] [--warnings FILE] [--error FILE]
  handshake jobs history     --db URL ID
  handshake jobs events      --db URL ID
  handshake jobs recover     --db URL
  handshake jobs cancel      --db URL ID --expected-version N [--reason CODE]
  handshake jobs retry       --db URL ID --expected-version N [--reason CODE]
  handshake jobs relay       --db URL [--batch N]

every subcommand also takes:
  --json         print one JSON object (relay: one JSON line per event)
  --policy FILE  capability grants: a JSON object from capability_profile_id to a list of
                 §11.1.3 grants (`axis` or `axis:scope`); by default each job is granted what
                 its own profile declares
  --actor WHO    human (default), agent or system: the actor recorded for a change

--db       sqlite:PATH (the file is created and migrated if new) or postgres://…
create     FILE is an AiJob record (- for stdin); prints job_id, version and state
transition --changes: a JSON array of {\"entity\": <EntityRef>, \"layer\": \"raw|derived|display\"},
           committed atomically when entering completed or completed_with_issues;
           --validation: a ValidationResult record; --warnings: a JSON array of Warning
           records; --error: an ErrorSummary record (failed, poisoned)
recover    marks every open workflow run interrupted (run it only while no worker runs), then
           lists every job that is not terminal, with its latest workflow run
relay      prints undelivered Flight Recorder events as JSON lines, in batches of N (default
           100), and marks each batch delivered only after it was written

exit status: 0 done, 1 the store refused (the code of the rule or typed error is printed;
             with --json: {\"refused\": true, \"code\", \"message\", \"state\", …} on stdout),
             2 usage error, unreadable file or unreachable database.
";

/// Batch size of `relay` without `--batch`.
pub const DEFAULT_BATCH: u32 = 100;

/// One `handshake jobs` invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct JobsCommand {
    /// `--db URL`.
    pub db: String,
    /// `--json`.
    pub json: bool,
    /// `--policy FILE`.
    pub policy: Option<String>,
    /// `--actor`, `human` when absent.
    pub actor: FlightRecorderActor,
    /// What to do.
    pub action: Action,
}

/// The subcommand with its operands and options.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Apply the migrations.
    Init,
    /// Store the AiJob record in `file`.
    Create {
        /// The record, `-` for stdin.
        file: String,
    },
    /// Print one job with its version.
    Get {
        /// The job.
        job_id: JobId,
    },
    /// Print the jobs matching the filters.
    List {
        /// `--state`.
        state: Option<JobState>,
        /// `--kind`.
        kind: Option<JobKind>,
    },
    /// Move a job to another state (boxed: the request is the largest operand by far).
    Transition(Box<Transition>),
    /// Print a job's state history.
    History {
        /// The job.
        job_id: JobId,
    },
    /// Print a job's Flight Recorder events.
    Events {
        /// The job.
        job_id: JobId,
    },
    /// List the jobs to resume after a crash.
    Recover,
    /// Cancel a job.
    Cancel(Versioned),
    /// Retry a failed job.
    Retry(Versioned),
    /// Print and acknowledge undelivered events.
    Relay {
        /// Events per claimed batch.
        batch: u32,
    },
}

/// `transition`: the store's request as the command line states it (job, `--to`,
/// `--expected-version`, `--reason` or `operator.<to>`, `--actor`), and the record files that
/// fill in the rest of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The request, without the records of the files yet.
    pub request: TransitionRequest,
    /// The record files it carries.
    pub files: RecordFiles,
}

/// The record files of `transition`, each read into the request's member of the same name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordFiles {
    /// `--changes FILE`: the change set.
    pub changes: Option<String>,
    /// `--validation FILE`: the validation result.
    pub validation: Option<String>,
    /// `--warnings FILE`: the warnings.
    pub warnings: Option<String>,
    /// `--error FILE`: the error summary.
    pub error: Option<String>,
}

/// `cancel` and `retry`: a job at a version, for a reason (`--reason`, or the subcommand's own).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    /// The job.
    pub job_id: JobId,
    /// `--expected-version`.
    pub expected_version: u64,
    /// `--reason`, or `operator.cancelled` / `operator.retry`.
    pub reason: StatusReason,
}

/// What `handshake jobs …` asks for: a command, or its help text.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Run this.
    Run(Box<JobsCommand>),
    /// `--help`.
    Help,
}

fn usage_error(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// Options every subcommand takes; all but `--json` take a value, as every other option does.
const COMMON_OPTIONS: [&str; 4] = ["--db", "--json", "--policy", "--actor"];

/// Each subcommand with the options it takes besides [`COMMON_OPTIONS`]: every option there is
/// is one of these.
const SUBCOMMANDS: [(&str, &[&str]); 11] = [
    ("init", &[]),
    ("create", &[]),
    ("get", &[]),
    ("list", &["--state", "--kind"]),
    (
        "transition",
        &[
            "--to",
            "--expected-version",
            "--reason",
            "--changes",
            "--validation",
            "--warnings",
            "--error",
        ],
    ),
    ("history", &[]),
    ("events", &[]),
    ("recover", &[]),
    ("cancel", &["--expected-version", "--reason"]),
    ("retry", &["--expected-version", "--reason"]),
    ("relay", &["--batch"]),
];

/// The options `subcommand` takes besides [`COMMON_OPTIONS`]; `None` for an unknown one.
fn own_options(subcommand: &str) -> Option<&'static [&'static str]> {
    SUBCOMMANDS
        .iter()
        .find(|(name, _)| *name == subcommand)
        .map(|(_, own)| *own)
}

/// `name` as the option it is (with the static lifetime), when some subcommand takes it.
fn known_option(name: &str) -> Option<&'static str> {
    let own = SUBCOMMANDS.iter().flat_map(|(_, own)| own.iter());
    COMMON_OPTIONS
        .iter()
        .chain(own)
        .find(|known| **known == name)
        .copied()
}

/// Parses the arguments after `jobs`. Options may come before or after the subcommand.
pub fn parse(arguments: &[String]) -> Result<Parsed, UsageError> {
    let mut options: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut operands: Vec<String> = Vec::new();
    let mut help = false;
    let mut only_operands = false;
    let mut arguments = arguments.iter();
    while let Some(argument) = arguments.next() {
        if only_operands || argument == "-" || !argument.starts_with('-') {
            operands.push(argument.clone());
            continue;
        }
        if argument == "--" {
            only_operands = true;
            continue;
        }
        if argument == "--help" || argument == "-h" {
            help = true;
            continue;
        }
        let (name, inline) = match argument.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (argument.as_str(), None),
        };
        let Some(option) = known_option(name) else {
            return Err(usage_error(format!("unknown option `{argument}`")));
        };
        let value = if option == "--json" {
            if inline.is_some() {
                return Err(usage_error("--json takes no value"));
            }
            String::new()
        } else {
            let value = match inline {
                Some(value) => value,
                None => arguments
                    .next()
                    .cloned()
                    .ok_or_else(|| usage_error(format!("{option} needs a value")))?,
            };
            // `--db --json` is a forgotten value, not a database named `--json`.
            if value.is_empty() || (value.starts_with('-') && value != "-") {
                return Err(usage_error(format!("{option} needs a value")));
            }
            value
        };
        if options.insert(option, value).is_some() {
            return Err(usage_error(format!("{option} given twice")));
        }
    }
    if help {
        return Ok(Parsed::Help);
    }
    let Some((subcommand, operands)) = operands.split_first() else {
        return Err(usage_error("jobs needs a subcommand"));
    };
    let own = own_options(subcommand)
        .ok_or_else(|| usage_error(format!("unknown jobs subcommand `{subcommand}`")))?;
    if let Some(option) = options
        .keys()
        .find(|option| !COMMON_OPTIONS.contains(option) && !own.contains(option))
    {
        return Err(usage_error(format!("{subcommand} does not take {option}")));
    }
    let db = options
        .remove("--db")
        .ok_or_else(|| usage_error(format!("{subcommand} needs --db URL")))?;
    let json = options.remove("--json").is_some();
    let policy = options.remove("--policy");
    let actor = match options.remove("--actor") {
        Some(actor) => {
            parse_value::<FlightRecorderActor>("--actor", &actor, "human, agent or system")?
        }
        None => FlightRecorderActor::Human,
    };
    let mut take = |option: &str| options.remove(option);
    let action = match subcommand.as_str() {
        "init" => {
            no_operands(subcommand, operands)?;
            Action::Init
        }
        "recover" => {
            no_operands(subcommand, operands)?;
            Action::Recover
        }
        "create" => Action::Create {
            file: one_operand(subcommand, "FILE", operands)?,
        },
        "get" => Action::Get {
            job_id: job_id(subcommand, operands)?,
        },
        "history" => Action::History {
            job_id: job_id(subcommand, operands)?,
        },
        "events" => Action::Events {
            job_id: job_id(subcommand, operands)?,
        },
        "list" => {
            no_operands(subcommand, operands)?;
            Action::List {
                state: take("--state")
                    .map(|state| parse_value("--state", &state, &state_names()))
                    .transpose()?,
                kind: take("--kind")
                    .map(|kind| parse_value("--kind", &kind, "a job_kind of the spec"))
                    .transpose()?,
            }
        }
        "transition" => {
            let job_id = job_id(subcommand, operands)?;
            let to: JobState = parse_value(
                "--to",
                &take("--to").ok_or_else(|| usage_error("transition needs --to STATE"))?,
                &state_names(),
            )?;
            let expected_version = expected_version(subcommand, take("--expected-version"))?;
            let reason = reason(take("--reason"), &format!("operator.{to}"))?;
            Action::Transition(Box::new(Transition {
                request: TransitionRequest::new(job_id, expected_version, to, reason, actor),
                files: RecordFiles {
                    changes: take("--changes"),
                    validation: take("--validation"),
                    warnings: take("--warnings"),
                    error: take("--error"),
                },
            }))
        }
        "cancel" | "retry" => {
            let (default_reason, action): (_, fn(Versioned) -> Action) = if subcommand == "cancel" {
                ("operator.cancelled", Action::Cancel)
            } else {
                ("operator.retry", Action::Retry)
            };
            action(Versioned {
                job_id: job_id(subcommand, operands)?,
                expected_version: expected_version(subcommand, take("--expected-version"))?,
                reason: reason(take("--reason"), default_reason)?,
            })
        }
        "relay" => {
            no_operands(subcommand, operands)?;
            let batch = match take("--batch") {
                Some(batch) => match batch.parse::<u32>() {
                    Ok(batch) if batch > 0 => batch,
                    _ => return Err(usage_error("--batch needs a whole number above 0")),
                },
                None => DEFAULT_BATCH,
            };
            Action::Relay { batch }
        }
        _ => unreachable!("own_options knows every subcommand"),
    };
    Ok(Parsed::Run(Box::new(JobsCommand {
        db,
        json,
        policy,
        actor,
        action,
    })))
}

fn state_names() -> String {
    JobState::NAMES.join(", ")
}

fn parse_value<T: FromStr>(option: &str, value: &str, expected: &str) -> Result<T, UsageError> {
    value.parse().map_err(|_| {
        usage_error(format!(
            "{option}: unknown value `{value}`; expected {expected}"
        ))
    })
}

fn no_operands(subcommand: &str, operands: &[String]) -> Result<(), UsageError> {
    match operands.first() {
        None => Ok(()),
        Some(extra) => Err(usage_error(format!(
            "{subcommand} takes no operand, got `{extra}`"
        ))),
    }
}

fn one_operand(subcommand: &str, what: &str, operands: &[String]) -> Result<String, UsageError> {
    match operands {
        [one] => Ok(one.clone()),
        _ => Err(usage_error(format!(
            "{subcommand} takes exactly one {what}, got {}",
            operands.len()
        ))),
    }
}

fn job_id(subcommand: &str, operands: &[String]) -> Result<JobId, UsageError> {
    let id = one_operand(subcommand, "job ID", operands)?;
    id.parse()
        .map_err(|_| usage_error(format!("`{id}` is not a job id (a UUID)")))
}

fn expected_version(subcommand: &str, value: Option<String>) -> Result<u64, UsageError> {
    let value =
        value.ok_or_else(|| usage_error(format!("{subcommand} needs --expected-version N")))?;
    value
        .parse()
        .map_err(|_| usage_error("--expected-version needs a whole number"))
}

/// The status reason of `--reason CODE`, or of `default` without it.
fn reason(value: Option<String>, default: &str) -> Result<StatusReason, UsageError> {
    let code = match value {
        Some(code) => ReasonCode::new(code.as_str()).map_err(|error| {
            usage_error(format!(
                "--reason `{code}` is not a reason code (snake_case segments joined by dots, e.g. {}): {error}",
                ReasonCode::EXAMPLE
            ))
        })?,
        None => ReasonCode::new(default).expect("default reason codes are snake_case segments"),
    };
    Ok(StatusReason { code, detail: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0193a2b4-5c6d-7e8f-9a0b-000000000002";

    fn run(line: &str) -> Result<Parsed, UsageError> {
        let arguments: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&arguments)
    }

    fn command(line: &str) -> JobsCommand {
        match run(line) {
            Ok(Parsed::Run(command)) => *command,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn options_come_before_or_after_the_subcommand() {
        let first = command(&format!("--db sqlite:a.db get {ID} --json"));
        let second = command(&format!("get --json {ID} --db=sqlite:a.db"));
        assert_eq!(first, second);
        assert_eq!(first.db, "sqlite:a.db");
        assert!(first.json);
        assert_eq!(first.actor, FlightRecorderActor::Human);
        assert_eq!(
            first.action,
            Action::Get {
                job_id: ID.parse().expect("uuid")
            }
        );
    }

    #[test]
    fn transition_takes_its_files_and_checks_state_version_and_reason() {
        let parsed = command(&format!(
            "transition {ID} --db sqlite:a --to completed --expected-version 3 --reason validation.passed --changes c.json --validation v.json --actor system"
        ));
        assert_eq!(parsed.actor, FlightRecorderActor::System);
        let Action::Transition(transition) = parsed.action else {
            panic!("not a transition");
        };
        let Transition { request, files } = *transition;
        assert_eq!(request.job_id, ID.parse().expect("uuid"));
        assert_eq!(request.to, JobState::Completed);
        assert_eq!(request.expected_version, 3);
        assert_eq!(request.reason.code.as_str(), "validation.passed");
        assert_eq!(request.actor, FlightRecorderActor::System);
        assert_eq!(files.changes.as_deref(), Some("c.json"));
        assert_eq!(files.validation.as_deref(), Some("v.json"));
        assert_eq!(files.error, None);
    }

    /// Without `--reason`, a transition is `operator.<to>` and a cancel or a retry the
    /// subcommand's own reason.
    #[test]
    fn reasons_default_to_the_operators_own() {
        let reason_of = |line: &str| match command(line).action {
            Action::Transition(transition) => transition.request.reason,
            Action::Cancel(versioned) | Action::Retry(versioned) => versioned.reason,
            other => panic!("{line}: {other:?}"),
        };
        for (line, code) in [
            (
                format!("transition {ID} --db a --to running --expected-version 1"),
                "operator.running",
            ),
            (
                format!("cancel {ID} --db a --expected-version 1"),
                "operator.cancelled",
            ),
            (
                format!("retry {ID} --db a --expected-version 1"),
                "operator.retry",
            ),
        ] {
            let reason = reason_of(&line);
            assert_eq!(
                (reason.code.as_str(), reason.detail),
                (code, None),
                "{line}"
            );
        }
    }

    /// Every usage error names its problem: (command line, the whole message) pairs, then
    /// (command line, how the message begins) where the rest lists the allowed values.
    #[test]
    fn usage_errors_name_the_problem() {
        let message = |line: &str| run(line).expect_err(line).0;
        let whole: [(String, &str); 19] = [
            ("--db x".to_owned(), "jobs needs a subcommand"),
            ("frob --db x".to_owned(), "unknown jobs subcommand `frob`"),
            ("init".to_owned(), "init needs --db URL"),
            ("init --db".to_owned(), "--db needs a value"),
            ("init --db --json".to_owned(), "--db needs a value"),
            ("init --db a --db b".to_owned(), "--db given twice"),
            (
                "init --db a --to queued".to_owned(),
                "init does not take --to",
            ),
            ("init --db a --frob".to_owned(), "unknown option `--frob`"),
            (
                "init --db a extra".to_owned(),
                "init takes no operand, got `extra`",
            ),
            (
                "get --db a".to_owned(),
                "get takes exactly one job ID, got 0",
            ),
            ("get --db a 42".to_owned(), "`42` is not a job id (a UUID)"),
            (
                format!("transition {ID} --db a --expected-version 1"),
                "transition needs --to STATE",
            ),
            (
                format!("cancel {ID} --db a"),
                "cancel needs --expected-version N",
            ),
            (
                format!("retry {ID} --db a --expected-version -1"),
                "--expected-version needs a value",
            ),
            (
                format!("retry {ID} --db a --expected-version x"),
                "--expected-version needs a whole number",
            ),
            (
                "relay --db a --batch 0".to_owned(),
                "--batch needs a whole number above 0",
            ),
            (
                "list --db a --kind novel_writing".to_owned(),
                "--kind: unknown value `novel_writing`; expected a job_kind of the spec",
            ),
            (
                "list --db a --actor robot".to_owned(),
                "--actor: unknown value `robot`; expected human, agent or system",
            ),
            ("init --db a --json=1".to_owned(), "--json takes no value"),
        ];
        for (line, want) in &whole {
            assert_eq!(message(line), *want, "{line}");
        }
        let begins: [(String, &str); 2] = [
            (
                format!("transition {ID} --db a --to done --expected-version 1"),
                "--to: unknown value `done`; expected queued, ",
            ),
            (
                format!("cancel {ID} --db a --expected-version 1 --reason Bad"),
                "--reason `Bad` is not a reason code",
            ),
        ];
        for (line, want) in &begins {
            let got = message(line);
            assert!(got.starts_with(want), "{line}: {got}");
        }
    }

    #[test]
    fn defaults_and_help() {
        assert_eq!(run("--help"), Ok(Parsed::Help));
        assert_eq!(run("list -h --db a"), Ok(Parsed::Help));
        assert_eq!(
            command("relay --db a").action,
            Action::Relay {
                batch: DEFAULT_BATCH
            }
        );
        assert_eq!(
            command("list --db a --state failed --kind doc_rewrite").action,
            Action::List {
                state: Some(JobState::Failed),
                kind: Some(JobKind::DocRewrite)
            }
        );
        assert_eq!(
            command("create - --db a").action,
            Action::Create { file: "-".into() }
        );
    }
}
