//! `sopflow simulate`: run one instance on a virtual clock and print its events.
//!
//! The simulation starts an instance at `--start`, then moves a virtual clock
//! forward: to the next scripted command or to the instance's next wakeup,
//! whichever comes first, applying the command or ticking there. It stops
//! when the script is done and nothing more is scheduled, or at `--until`.
//! No real time passes and the system clock is never read.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Deserialize;

use super::root::RootArg;
use super::ExitStatus;
use sopflow::exec::{Attributes, Command, Event, Instance, Prepared};
use sopflow::load::{read_regular_file, LoadError};
use sopflow::report::{LogRecord, Version};

/// Shown at the end of `sopflow simulate --help`.
pub(super) const AFTER_HELP: &str = "\
Script format: one JSON object per line, a command with the instant it is issued:
  {\"at\":\"2026-03-02T10:00:00+08:00\",\"type\":\"complete\",\"id\":\"c1\",\"step\":\"市场部:提交需求\",\"actor\":\"市场部\"}
`at` is RFC 3339 with a UTC offset (+08:00 or Z). Command types, each with an `id`: complete
(step, actor, deliverables?, outcomes?), send_back (from, to, actor, reason), pause (step,
actor, reason?), resume (step, actor), delegate (step, actor, to), skip (step, actor, reason),
cancel (actor, reason). Any other field is an error. Blank lines and lines starting with # are
ignored.

Output: every event as one JSON line on stdout (with --instance ID, as a log record
{\"instance\":…,\"process\":…,\"version\":…,\"event\":{…}} for `sopflow report`); a failed command is reported on stderr and the
simulation goes on.

Exit status:
  0  the simulation ran and every command succeeded
  1  a command failed, or the instance could not start (e.g. a missing attribute)
  2  usage error (e.g. --until before --start), an unreadable or invalid file or script

Example:
  sopflow simulate examples/新产品上市.sop --start 2026-03-02T09:00:00+08:00 \\
      --attr 上市日=2026-06-30 --script script.jsonl --until 2026-04-30T00:00:00+08:00";

/// The arguments of `sopflow simulate`.
#[derive(Debug, Args)]
pub(super) struct SimulateArgs {
    /// The .sop file of the process.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// When the instance starts, as RFC 3339.
    #[arg(long, value_name = "RFC3339")]
    start: String,

    /// An instance attribute: `priority=P1` or a date such as `上市日=2026-06-30`.
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    attrs: Vec<String>,

    /// Commands to apply, one JSON object per line (see below).
    #[arg(long, value_name = "COMMANDS.jsonl")]
    script: Option<PathBuf>,

    /// Stop the virtual clock here (default: when nothing more is scheduled);
    /// not before --start.
    #[arg(long, value_name = "RFC3339")]
    until: Option<String>,

    /// Name the instance ID and print each event as a log record
    /// `{"instance":…,"process":…,"version":…,"event":{…}}`, so that the
    /// outputs of several runs can be mixed into one log for `sopflow report`.
    #[arg(long, value_name = "ID")]
    instance: Option<String>,

    #[command(flatten)]
    root: RootArg,
}

/// One line of a script.
#[derive(Debug)]
struct Scripted {
    at: DateTime<Utc>,
    command: Command,
}

/// The largest script read, in bytes (as for `.sop` files).
const MAX_SCRIPT_LEN: usize = sopflow::syntax::MAX_SOURCE_LEN;

/// Reads one script line; the message says what is wrong, naming the field.
fn script_line(line: &str) -> Result<Scripted, String> {
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let at = match object.remove("at") {
        Some(serde_json::Value::String(at)) => at,
        Some(other) => {
            return Err(format!(
                "invalid `at` {other}: write a string, RFC 3339 with a UTC offset, \
                 e.g. \"2026-03-02T10:00:00+08:00\""
            ))
        }
        None => {
            return Err("missing field `at`: the instant the command is issued, \
                 RFC 3339 with a UTC offset, e.g. \"at\":\"2026-03-02T10:00:00+08:00\""
                .to_owned())
        }
    };
    let at = DateTime::parse_from_rfc3339(&at)
        .map_err(|e| {
            format!(
                "invalid `at` `{at}`: {e}; write RFC 3339 with a UTC offset, \
                 e.g. 2026-03-02T10:00:00+08:00 or 2026-03-02T02:00:00Z"
            )
        })?
        .with_timezone(&Utc);
    // `Command` refuses unknown fields: a misspelt `"outcome"` is an error.
    let command =
        Command::deserialize(serde_json::Value::Object(object)).map_err(|e| e.to_string())?;
    Ok(Scripted { at, command })
}

fn instant(flag: &str, text: &str, err: &mut dyn Write) -> io::Result<Option<DateTime<Utc>>> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Ok(Some(t.with_timezone(&Utc))),
        Err(e) => {
            writeln!(err, "error: invalid {flag} `{text}`: {e}; write RFC 3339, e.g. 2026-03-02T09:00:00+08:00")?;
            Ok(None)
        }
    }
}

/// Reads the script: `(line number, command)` in the order of their instants
/// (lines with the same instant keep their order).
fn script(path: &Path, err: &mut dyn Write) -> io::Result<Option<Vec<(usize, Scripted)>>> {
    let shown = path.display().to_string();
    let text = match read_regular_file(path, &shown, MAX_SCRIPT_LEN) {
        Ok(t) => t,
        Err(e @ LoadError::Io { .. }) => {
            writeln!(err, "error: {e}")?;
            return Ok(None);
        }
        Err(e) => {
            writeln!(err, "error: cannot read the script: {e}")?;
            return Ok(None);
        }
    };
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match script_line(line) {
            Ok(s) => lines.push((n + 1, s)),
            Err(e) => {
                writeln!(err, "error: {shown}:{}: {e}", n + 1)?;
                return Ok(None);
            }
        }
    }
    lines.sort_by_key(|(_, s)| s.at);
    Ok(Some(lines))
}

/// The instance, process and version `--instance` wraps each event in.
struct Envelope {
    instance: String,
    process: String,
    version: Option<Version>,
}

/// Prints events as JSON lines: bare, or as [`LogRecord`]s with `--instance`.
fn print(out: &mut dyn Write, events: &[Event], envelope: Option<&Envelope>) -> io::Result<()> {
    for event in events {
        let line = match envelope {
            Some(e) => serde_json::to_string(&LogRecord {
                instance: e.instance.clone(),
                process: e.process.clone(),
                version: e.version.clone(),
                event: event.clone(),
            }),
            None => serde_json::to_string(event),
        }
        .map_err(io::Error::other)?;
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Runs the simulation.
///
/// # Errors
/// Only when writing to `out` or `err` fails.
pub(super) fn run(
    args: &SimulateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let Some(name) = args.file.to_str() else {
        writeln!(
            err,
            "error: cannot read `{}`: the path is not valid UTF-8",
            args.file.display()
        )?;
        return Ok(ExitStatus::Error);
    };
    let Some(start) = instant("--start", &args.start, err)? else {
        return Ok(ExitStatus::Error);
    };
    let until = match &args.until {
        Some(text) => match instant("--until", text, err)? {
            Some(t) => Some(t),
            None => return Ok(ExitStatus::Error),
        },
        None => None,
    };
    if until.is_some_and(|until| until < start) {
        writeln!(
            err,
            "error: --until `{}` is earlier than --start `{}`; give an --until at or after the start",
            args.until.as_deref().unwrap_or_default(),
            args.start
        )?;
        return Ok(ExitStatus::Error);
    }
    let mut pairs = Vec::new();
    for attr in &args.attrs {
        match attr.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                pairs.push((k.trim().to_owned(), v.trim().to_owned()))
            }
            _ => {
                writeln!(err, "error: invalid --attr `{attr}`: write KEY=VALUE, e.g. priority=P1 or 上市日=2026-06-30")?;
                return Ok(ExitStatus::Error);
            }
        }
    }
    let attributes = match Attributes::from_pairs(pairs) {
        Ok(a) => a,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let commands = match &args.script {
        Some(path) => match script(path, err)? {
            Some(c) => c,
            None => return Ok(ExitStatus::Error),
        },
        None => Vec::new(),
    };
    let Some(definition) = super::load_definition(name, &args.root, "", err)? else {
        return Ok(ExitStatus::Error);
    };
    let prepared = Prepared::new(&definition);
    let instance_id = match &args.instance {
        Some(id) => id.clone(),
        None => args
            .file
            .file_stem()
            .map_or_else(|| "instance".into(), |s| s.to_string_lossy())
            .into_owned(),
    };
    let envelope = args.instance.as_ref().map(|id| Envelope {
        instance: id.clone(),
        process: definition.name().to_owned(),
        version: definition.header().version.clone().map(Version::Text),
    });
    let record = envelope.as_ref();
    let (mut instance, events) = match Instance::start(&prepared, instance_id, attributes, start) {
        Ok(started) => started,
        Err(e) => {
            writeln!(err, "error: cannot start the instance: {e}")?;
            return Ok(ExitStatus::Failure);
        }
    };
    print(out, &events, record)?;
    let mut status = ExitStatus::Success;
    let mut pending = commands.into_iter().peekable();
    loop {
        let next_command = pending.peek().map(|(_, s)| s.at);
        let wake = instance.next_wakeup();
        let within = |t: DateTime<Utc>| until.is_none_or(|u| t <= u);
        match (wake, next_command) {
            (Some(w), c) if c.is_none_or(|c| w <= c) && within(w) => {
                match instance.tick(&prepared, w) {
                    Ok(events) => print(out, &events, record)?,
                    Err(e) => {
                        writeln!(err, "error: tick at {w}: {e}")?;
                        return Ok(ExitStatus::Failure);
                    }
                }
                // A tick at the wakeup fires what was due, so the wakeup moves on;
                // if it did not, stop rather than loop.
                if instance.next_wakeup() == Some(w) {
                    writeln!(err, "error: the instance did not advance past {w}")?;
                    return Ok(ExitStatus::Failure);
                }
            }
            (_, Some(c)) if within(c) => {
                let (line, scripted) = pending.next().expect("peeked");
                match instance.handle(&prepared, scripted.command, c) {
                    Ok(events) => print(out, &events, record)?,
                    Err(e) => {
                        writeln!(err, "error: script line {line}: {e}")?;
                        status = ExitStatus::Failure;
                    }
                }
            }
            _ => break,
        }
    }
    if let Some(u) = until {
        match instance.tick(&prepared, u) {
            Ok(events) => print(out, &events, record)?,
            Err(e) => {
                writeln!(err, "error: tick at {u}: {e}")?;
                return Ok(ExitStatus::Failure);
            }
        }
    }
    if let Some((line, _)) = pending.next() {
        writeln!(
            err,
            "note: commands from script line {line} on come after --until and were not applied"
        )?;
    }
    Ok(status)
}
