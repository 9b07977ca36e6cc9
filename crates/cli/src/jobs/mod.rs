//! `handshake jobs`: an operator's command line over a job store (`handshake-job-store`) on an
//! SQLite file or PostgreSQL, so non-Rust services and people can drive and inspect jobs.
//!
//! Every call opens the store (migrating it), does one thing and prints its result: a line for
//! people, or one JSON object with `--json` (`relay` prints JSON lines either way). A refusal by
//! the store (a lifecycle, rule, scope or capability check, §2.6.6.3–§2.6.6.5) exits 1 and names
//! the stable code of the rule or typed error, with the job's state after the call.

pub mod args;
mod files;
mod output;
mod store;

use handshake_job_model::{JobId, JobState};
use handshake_job_store::{JobFilter, JobStore, StoreError};
use serde_json::{Value, json};

use crate::violation::Violation;
use args::{Action, JobsCommand, Transition, Versioned};
use output::Printer;

/// Exit status of a refusal.
const EXIT_REFUSED: u8 = 1;
/// Exit status of a usage error, an unreadable file or a database that cannot be used.
const EXIT_USAGE: u8 = 2;

/// Why a call did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The store (or a record check before it) refused: exit 1.
    Refused(Box<Refusal>),
    /// Nothing could be asked of the store (bad option value, unreadable file, database down):
    /// exit 2, the message goes to stderr.
    Unusable(String),
    /// Writing the output failed (a closed pipe ends the program quietly, see `main`).
    Output(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Output(error)
    }
}

/// A refusal as printed: the stable code, the message, and the job's state after the call.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `HSK-…`: the typed error's or the broken rule's code.
    pub code: String,
    /// What was refused, in words.
    pub message: String,
    /// The job concerned, when known.
    pub job_id: Option<JobId>,
    /// Its state after the call; `None` when it does not exist.
    pub state: Option<JobState>,
    /// Its version after the call; `None` when it does not exist.
    pub version: Option<u64>,
    /// Every violation of a refused record file (empty for a refusal by the store itself).
    pub violations: Vec<Violation>,
}

impl Refusal {
    fn to_json(&self) -> Value {
        let mut object = json!({
            "refused": true,
            "code": self.code,
            "message": self.message,
            "state": self.state,
            "job_id": self.job_id,
            "version": self.version,
        });
        if !self.violations.is_empty() {
            object["violations"] = json!(self.violations);
        }
        object
    }

    fn to_text(&self) -> String {
        let mut text = format!("handshake: refused: {} {}", self.code, self.message);
        match (&self.job_id, self.state, self.version) {
            (Some(job_id), Some(state), Some(version)) => {
                text.push_str(&format!("\n  job {job_id} is {state} (version {version})"));
            }
            (Some(job_id), None, _) => {
                text.push_str(&format!("\n  job {job_id} does not exist"));
            }
            _ => {}
        }
        for violation in &self.violations {
            text.push_str(&format!(
                "\n  {}  {}  {}  {}",
                if violation.path.is_empty() {
                    "/"
                } else {
                    &violation.path
                },
                violation.code,
                violation.clause,
                violation.message
            ));
        }
        text.push('\n');
        text
    }
}

/// Runs one `handshake jobs` command on a current-thread runtime; `Err` is a failure to write
/// the output.
pub fn run(command: JobsCommand) -> std::io::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let json = command.json;
    let mut printer = Printer::new(json);
    match runtime.block_on(execute(&command, &mut printer)) {
        Ok(()) => Ok(0),
        Err(Failure::Output(error)) => Err(error),
        Err(Failure::Unusable(message)) => {
            eprintln!("handshake: {message}");
            Ok(EXIT_USAGE)
        }
        Err(Failure::Refused(refusal)) => {
            if json {
                printer.json(&refusal.to_json())?;
            } else {
                eprint!("{}", refusal.to_text());
            }
            Ok(EXIT_REFUSED)
        }
    }
}

async fn execute(command: &JobsCommand, printer: &mut Printer) -> Result<(), Failure> {
    let policy = match &command.policy {
        Some(file) => Some(files::read_policy(file)?),
        None => None,
    };
    let store = store::open(&command.db, policy).await?;
    let result = act(&store, command, printer).await;
    store.close().await;
    result
}

async fn act(
    store: &JobStore,
    command: &JobsCommand,
    printer: &mut Printer,
) -> Result<(), Failure> {
    let actor = command.actor;
    match &command.action {
        Action::Init => printer.report(
            &json!({ "initialized": true, "dialect": store::dialect_name(store) }),
            &format!(
                "initialized {} ({}, migrations applied)\n",
                command.db,
                store::dialect_name(store)
            ),
        ),
        Action::Create { file } => {
            let job = match files::read_job(file) {
                Ok(job) => job,
                Err(failure) => return Err(with_state(store, failure).await),
            };
            let job_id = job.job_id;
            match store.create(job, actor).await {
                Ok(record) => printer.report(
                    &json!({ "job_id": job_id, "version": record.version, "state": record.job.state }),
                    &format!(
                        "created job {job_id}: {} (version {})\n",
                        record.job.state, record.version
                    ),
                ),
                Err(error) => Err(refused(store, Some(job_id), error).await),
            }
        }
        Action::Get { job_id } => {
            let record = check(store, Some(*job_id), store.get(*job_id).await).await?;
            let value = json!({ "job": record.job, "version": record.version });
            let text = output::pretty(&value);
            printer.report(&value, &text)
        }
        Action::List { state, kind } => {
            let filter = JobFilter {
                state: *state,
                job_kind: kind.map(|kind| kind.as_str().to_owned()),
                ..JobFilter::default()
            };
            let records = store::list_all(store, &filter).await?;
            let mut text = String::new();
            for record in &records {
                text.push_str(&format!(
                    "{}  {}  version {}  {}\n",
                    record.job.job_id, record.job.state, record.version, record.job.job_kind
                ));
            }
            let jobs: Vec<Value> = records
                .iter()
                .map(|record| json!({ "job": record.job, "version": record.version }))
                .collect();
            printer.report(&json!({ "jobs": jobs }), &text)
        }
        Action::Transition(transition) => {
            let done = self::transition(store, transition).await?;
            printer.report(
                &output::transitioned_json(&done),
                &output::transitioned_text(&done),
            )
        }
        Action::History { job_id } => {
            exists(store, *job_id).await?;
            let history = check(store, Some(*job_id), store.history(*job_id).await).await?;
            let text: String = history.iter().map(output::history_line).collect();
            printer.report(&json!({ "job_id": job_id, "history": history }), &text)
        }
        Action::Events { job_id } => {
            exists(store, *job_id).await?;
            let events = check(store, Some(*job_id), store.events(*job_id).await).await?;
            let text: String = events.iter().map(output::event_line).collect();
            printer.report(&json!({ "job_id": job_id, "events": events }), &text)
        }
        Action::Recover => {
            let jobs = check(store, None, store::recover(store, actor).await).await?;
            let text: String = jobs.iter().map(output::recoverable_line).collect();
            let jobs: Vec<Value> = jobs.iter().map(output::recoverable_json).collect();
            printer.report(&json!({ "jobs": jobs }), &text)
        }
        Action::Cancel(versioned) | Action::Retry(versioned) => {
            let Versioned {
                job_id,
                expected_version,
                reason,
            } = versioned.clone();
            let result = if matches!(command.action, Action::Cancel(_)) {
                store.cancel(job_id, expected_version, reason, actor).await
            } else {
                store.retry(job_id, expected_version, reason, actor).await
            };
            let done = check(store, Some(job_id), result).await?;
            printer.report(
                &output::transitioned_json(&done),
                &output::transitioned_text(&done),
            )
        }
        Action::Relay { batch } => store::relay(store, *batch, printer).await,
    }
}

/// `transition`: reads the record files into the request, then asks the store for the one
/// transaction (the change set is committed by the transition into `completed` or
/// `completed_with_issues`, in the same transaction).
async fn transition(
    store: &JobStore,
    transition: &Transition,
) -> Result<handshake_job_store::Transitioned, Failure> {
    let mut request = transition.request.clone();
    let job_id = request.job_id;
    if let Err(failure) = files::read_records(&transition.files, &mut request) {
        return Err(with_state(store, failure).await);
    }
    check(store, Some(job_id), store.transition(request).await).await
}

/// A `JobNotFound` refusal when the job does not exist (history and events of an unknown job
/// would otherwise print an empty list).
async fn exists(store: &JobStore, job_id: JobId) -> Result<(), Failure> {
    check(store, Some(job_id), store.get(job_id).await.map(drop)).await
}

/// The failure for a store error: a refusal (with the job's state after the call) when the
/// error carries a stable code, otherwise the database could not be used.
async fn refused(store: &JobStore, job_id: Option<JobId>, error: StoreError) -> Failure {
    let Some(code) = error.code() else {
        return Failure::Unusable(error.to_string());
    };
    let code = code.to_owned();
    let message = match error.model_error() {
        Some(model_error) => model_error.to_string(),
        None => error.to_string(),
    };
    let violations = match &error {
        StoreError::Rule { violations } => violations
            .iter()
            .cloned()
            .map(Violation::from_rule)
            .collect(),
        _ => Vec::new(),
    };
    if let StoreError::Refused {
        job_id,
        state,
        version,
        ..
    } = error
    {
        return Failure::Refused(Box::new(Refusal {
            code,
            message,
            job_id: Some(job_id),
            state: Some(state),
            version: Some(version),
            violations: Vec::new(),
        }));
    }
    let mut refusal = Refusal {
        code,
        message,
        job_id,
        state: None,
        version: None,
        violations,
    };
    after_call(store, &mut refusal).await;
    Failure::Refused(Box::new(refusal))
}

/// Fills in the job's state and version as they are after a refusal that wrote nothing.
async fn after_call(store: &JobStore, refusal: &mut Refusal) {
    if let Some(job_id) = refusal.job_id
        && let Ok(record) = store.get(job_id).await
    {
        refusal.state = Some(record.job.state);
        refusal.version = Some(record.version);
    }
}

/// `result` with a store error turned into a [`Failure`].
async fn check<T>(
    store: &JobStore,
    job_id: Option<JobId>,
    result: Result<T, StoreError>,
) -> Result<T, Failure> {
    match result {
        Ok(value) => Ok(value),
        Err(error) => Err(refused(store, job_id, error).await),
    }
}

/// `failure`, with the job's state and version after the call when it is a refusal.
async fn with_state(store: &JobStore, failure: Failure) -> Failure {
    match failure {
        Failure::Refused(mut refusal) => {
            after_call(store, &mut refusal).await;
            Failure::Refused(refusal)
        }
        other => other,
    }
}
