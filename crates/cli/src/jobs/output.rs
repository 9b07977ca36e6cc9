//! What `handshake jobs` prints: one JSON object per call with `--json`, lines for people
//! otherwise. Every write is flushed at once, so a closed pipe is noticed where it happens.

use std::io::Write as _;

use handshake_job_model::{FlightRecorderEvent, JobStateTransition};
use handshake_job_store::{Recoverable, Transitioned};
use serde_json::{Value, json};

use super::Failure;

/// Prints results as JSON or as text, to stdout.
pub struct Printer {
    json: bool,
}

impl Printer {
    /// A printer for `--json` (`json`) or for people.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints `value` with `--json` (one line), `text` otherwise.
    pub fn report(&mut self, value: &Value, text: &str) -> Result<(), Failure> {
        if self.json {
            self.json(value)?;
        } else {
            write_stdout(text.as_bytes())?;
        }
        Ok(())
    }

    /// Prints `value` as one line of JSON.
    pub fn json(&mut self, value: &Value) -> std::io::Result<()> {
        let mut line = serde_json::to_string(value).map_err(std::io::Error::other)?;
        line.push('\n');
        write_stdout(line.as_bytes())
    }

    /// Prints a batch of lines at once (the relay's events).
    pub fn lines(&mut self, text: &str) -> std::io::Result<()> {
        write_stdout(text.as_bytes())
    }
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}

/// `value` as indented JSON and a newline (what `get` shows people).
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    text.push('\n');
    text
}

/// A transition's result: at least job_id, version and state.
pub fn transitioned_json(done: &Transitioned) -> Value {
    json!({
        "job_id": done.job_id,
        "version": done.version,
        "state": done.to,
        "from": done.from,
        "event_id": done.event_id,
        "workflow_run_id": done.workflow_run_id,
        "occurred_at": done.occurred_at,
    })
}

/// A transition's result for people.
pub fn transitioned_text(done: &Transitioned) -> String {
    format!(
        "job {}: {} -> {} (version {})\n",
        done.job_id, done.from, done.to, done.version
    )
}

/// One history row for people: sequence, from -> to, reason, actor, time.
pub fn history_line(row: &JobStateTransition) -> String {
    let from = row
        .from_state
        .map_or_else(|| "-".to_owned(), |state| state.to_string());
    format!(
        "#{}  {from} -> {}  {}  {}  {}\n",
        row.sequence, row.to_state, row.reason, row.actor, row.occurred_at
    )
}

/// One Flight Recorder event for people: time, type, actor, id.
pub fn event_line(event: &FlightRecorderEvent) -> String {
    format!(
        "{}  {}  {}  {}\n",
        event.timestamp, event.r#type, event.actor, event.event_id
    )
}

/// One job to resume, as JSON.
pub fn recoverable_json(job: &Recoverable) -> Value {
    json!({
        "job_id": job.job.job.job_id,
        "state": job.job.job.state,
        "version": job.job.version,
        "last_run": job.last_run,
    })
}

/// One job to resume, for people.
pub fn recoverable_line(job: &Recoverable) -> String {
    let run = match &job.last_run {
        Some(run) => format!("attempt {} {}", run.attempt, run.status),
        None => "no run".to_owned(),
    };
    format!(
        "{}  {}  version {}  {run}\n",
        job.job.job.job_id, job.job.job.state, job.job.version
    )
}
