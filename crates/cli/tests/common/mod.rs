//! Running the built `handshake` binary, for both test targets (`tests/cli.rs` and
//! `tests/jobs/`): with arguments in a folder, stdin fed or empty, stdout read or already closed.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `handshake` with `arguments` in `dir`, stdin empty, stdout and stderr read.
fn command(dir: &Path, arguments: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handshake"));
    command
        .args(arguments)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `handshake` with `arguments` in `dir`, feeding `stdin` when given (empty otherwise).
pub fn handshake_at(dir: &Path, arguments: &[&str], stdin: Option<&str>) -> Output {
    let mut command = command(dir, arguments);
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().expect("the handshake binary starts");
    if let Some(text) = stdin {
        let written = child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(text.as_bytes());
        // A command that fails before reading stdin (a usage error) closes the pipe early.
        if let Err(error) = written {
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writing stdin: {error}"
            );
        }
    }
    child.wait_with_output().expect("the handshake binary ends")
}

/// Runs `handshake` with stdout a pipe whose reading end is already closed (as after `| head`).
pub fn with_closed_stdout(dir: &Path, arguments: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    command(dir, arguments)
        .stdout(writer)
        .output()
        .expect("the handshake binary runs")
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}
