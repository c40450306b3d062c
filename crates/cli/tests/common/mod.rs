//! Shared by the end-to-end tests of the `sopflow` binary: one way to run it.
//!
//! Every run starts from [`command`], which clears the variables that would
//! change what the binary prints (colour, terminal width, locale), so a test
//! sees the same output on every machine; a test that wants one of them sets
//! it again. Every run asserts that the binary did not panic.
//!
//! Each test file includes this module with `mod common;` and uses only part
//! of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The workspace root: the directory most tests run the binary in (it holds
/// `examples/`).
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The variables cleared before every run: colour, width and locale.
const CLEARED: &[&str] = &[
    "CLICOLOR_FORCE",
    "CLICOLOR",
    "NO_COLOR",
    "COLUMNS",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
];

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    /// The exit status.
    pub code: i32,
    /// Standard output, UTF-8.
    pub stdout: String,
    /// Standard error, UTF-8.
    pub stderr: String,
}

/// `sopflow ARGS` in the workspace root, with colour, width and locale
/// cleared from the environment; not started yet.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sopflow"));
    command.args(args).current_dir(ROOT);
    for name in CLEARED {
        command.env_remove(name);
    }
    command
}

/// Runs `sopflow ARGS` in the workspace root.
pub fn sopflow(args: &[&str]) -> Run {
    run(command(args))
}

/// Runs `sopflow ARGS` in `dir`.
pub fn sopflow_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = command(args);
    command.current_dir(dir);
    run(command)
}

/// Runs `command` to its end, with no standard input.
pub fn run(mut command: Command) -> Run {
    let output = command
        .stdin(Stdio::null())
        .output()
        .expect("the sopflow binary runs");
    finish(output)
}

/// Runs `command` with `stdin` as its standard input.
pub fn run_with_stdin(mut command: Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sopflow binary runs");
    child
        .stdin
        .take()
        .expect("standard input is piped")
        .write_all(stdin.as_bytes())
        .expect("the binary reads its standard input");
    finish(child.wait_with_output().expect("output is collected"))
}

/// Runs `command`, killing it and failing the test if it has not ended after
/// `limit`: for runs that a regression could leave blocked (on a FIFO, a
/// device), so that it cannot hang the suite.
pub fn run_or_kill_after(mut command: Command, limit: Duration) -> Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sopflow binary runs");
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while waited < limit {
        if child.try_wait().expect("waiting works").is_some() {
            break;
        }
        std::thread::sleep(step);
        waited += step;
    }
    if child.try_wait().expect("waiting works").is_none() {
        child.kill().expect("the child can be killed");
        panic!("sopflow {command:?} did not finish: blocked on a FIFO or a device?");
    }
    finish(child.wait_with_output().expect("output is collected"))
}

/// The run's outcome, after checking that it ended by itself, printed UTF-8
/// and did not panic.
fn finish(output: Output) -> Run {
    let run = Run {
        code: output
            .status
            .code()
            .unwrap_or_else(|| panic!("sopflow was killed: {:?}", output.status)),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "{run:#?}");
    run
}
