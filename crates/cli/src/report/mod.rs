//! `sopflow report`: the cross-department scorecard of an event log, as a
//! table, JSON, CSV or one self-contained HTML file.
//!
//! The computation is the core's [`sopflow::report::scorecard`] (the page
//! shows the same numbers); this module reads the files, parses the flags
//! and writes one of the renderings in [`table`] and [`html`].

mod html;
mod table;

use std::io::{self, Write};
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use clap::{Args, ValueEnum};

use super::check::LangArg;
use super::root::RootArg;
use super::{walk, ExitStatus, Terminal};
use sopflow::diagnostics::Lang;
use sopflow::load::FsResolver;
use sopflow::report::{parse_log, scorecard, ReportOptions, Skipped};
use sopflow::{Definition, Loader};

/// Shown at the end of `sopflow report --help`.
pub(super) const AFTER_HELP: &str = "\
Input: a JSON-lines event log, each line a record
  {\"instance\":\"NP-1\",\"process\":\"新产品上市\",\"version\":\"2.1\",\"event\":{…}}
as `sopflow simulate --instance ID` prints them (instances may interleave), or bare events as
`sopflow simulate` prints them (each belongs to the instance_started above it). `-` reads
standard input. Instances are matched to the definitions in --sop by fingerprint, else by
process name.

Definitions of every figure (what counts as late, working time, which department is charged):
docs/scorecard.md. In short: a figure belongs to the period of its event's instant (--from
inclusive, --to exclusive); lateness and waiting are working hours on the process calendar;
each owner of a co-owned step is charged.

CSV is RFC 4180, UTF-8 with a byte-order mark so that Excel shows Chinese correctly.

Exit status:
  0  the report was written
  1  some instances or events could not be counted (listed on stderr)
  2  usage error, or an unreadable or invalid file

Examples:
  sopflow report --sop examples/ events.jsonl
  sopflow report --sop examples/ --from 2026-03-01 --to 2026-04-01 --format csv events.jsonl > 三月.csv
  sopflow report --sop examples/ --format html events.jsonl > scorecard.html";

/// The arguments of `sopflow report`.
#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// The event log (JSON lines); `-` for standard input.
    #[arg(value_name = "EVENTS.jsonl")]
    log: PathBuf,

    /// The .sop files (or directories of them) the processes come from.
    #[arg(long = "sop", value_name = "PATH", required = true)]
    sop: Vec<PathBuf>,

    /// Count from here (inclusive): RFC 3339, or a date YYYY-MM-DD (its
    /// midnight in --zone).
    #[arg(long, value_name = "WHEN")]
    from: Option<String>,

    /// Count up to here (exclusive): RFC 3339, or a date YYYY-MM-DD (its
    /// midnight in --zone).
    #[arg(long, value_name = "WHEN")]
    to: Option<String>,

    /// The time zone of dates and weeks (IANA, e.g. Asia/Shanghai). Default:
    /// the processes' calendar zone when they share one, else UTC.
    #[arg(long, value_name = "ZONE")]
    zone: Option<String>,

    /// How to print the scorecard.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// The language of headers: `zh` (中文) or `en`. By default the locale
    /// decides, as for `check`.
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<LangArg>,

    #[command(flatten)]
    root: RootArg,
}

/// The values of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// An aligned table per department, then the weekly trend.
    Table,
    /// The scorecard as one JSON object.
    Json,
    /// One row per department and week, RFC 4180 with a UTF-8 byte-order mark.
    Csv,
    /// One self-contained HTML file with charts (Chart.js, inlined).
    Html,
}

/// The largest event log read, in bytes.
const MAX_LOG_LEN: u64 = 1 << 30;

/// Runs `sopflow report`.
///
/// # Errors
/// Only when writing to `out` or `err` fails.
pub(super) fn run(
    args: &ReportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> io::Result<ExitStatus> {
    let lang = args.lang.map_or(terminal.lang, Lang::from);
    let Some(definitions) = definitions(args, err)? else {
        return Ok(ExitStatus::Error);
    };
    let Some(text) = read_log(args, err)? else {
        return Ok(ExitStatus::Error);
    };
    let records = match parse_log(&text) {
        Ok(records) => records,
        Err(e) => {
            writeln!(err, "error: {}:{e}", args.log.display())?;
            return Ok(ExitStatus::Error);
        }
    };
    let refs: Vec<&Definition> = definitions.iter().collect();
    let zone = match &args.zone {
        Some(text) => match text.parse::<Tz>() {
            Ok(zone) => zone,
            Err(_) => {
                writeln!(
                    err,
                    "error: invalid --zone `{text}`: write an IANA time zone, e.g. Asia/Shanghai or UTC"
                )?;
                return Ok(ExitStatus::Error);
            }
        },
        None => sopflow::report::default_zone(&refs),
    };
    let (Some(from), Some(to)) = (
        instant("--from", args.from.as_deref(), zone, err)?,
        instant("--to", args.to.as_deref(), zone, err)?,
    ) else {
        return Ok(ExitStatus::Error);
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            writeln!(
                err,
                "error: --to `{}` is not after --from `{}`; the period is empty",
                args.to.as_deref().unwrap_or_default(),
                args.from.as_deref().unwrap_or_default()
            )?;
            return Ok(ExitStatus::Error);
        }
    }
    let options = ReportOptions {
        from,
        to,
        zone: Some(zone),
    };
    let card = scorecard(&records, &refs, &options);
    match args.format {
        Format::Table => table::table(&card, lang, out)?,
        Format::Json => {
            let json = serde_json::to_string_pretty(&card).map_err(io::Error::other)?;
            writeln!(out, "{json}")?;
        }
        Format::Csv => table::csv(&card, lang, out)?,
        Format::Html => html::html(&card, lang, out)?,
    }
    let mut status = ExitStatus::Success;
    for skipped in &card.skipped {
        let level = match skipped {
            Skipped::OtherVersion { .. } => "warning",
            Skipped::NoDefinition { .. } | Skipped::UnknownStep { .. } => {
                status = ExitStatus::Failure;
                "error"
            }
        };
        writeln!(err, "{level}: {skipped}")?;
    }
    Ok(status)
}

/// Parses `--from`/`--to`: `Some(None)` when absent, `None` when invalid
/// (reported on `err`).
fn instant(
    flag: &str,
    text: Option<&str>,
    zone: Tz,
    err: &mut dyn Write,
) -> io::Result<Option<Option<DateTime<Utc>>>> {
    let Some(text) = text else {
        return Ok(Some(None));
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(Some(t.with_timezone(&Utc))));
    }
    if let Ok(date) = text.parse::<NaiveDate>() {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        if let Some(t) = zone.from_local_datetime(&midnight).earliest() {
            return Ok(Some(Some(t.with_timezone(&Utc))));
        }
    }
    writeln!(
        err,
        "error: invalid {flag} `{text}`: write a date such as 2026-03-01 or an instant such as 2026-03-01T09:00:00+08:00"
    )?;
    Ok(None)
}

/// Reads the event log, or says why not.
fn read_log(args: &ReportArgs, err: &mut dyn Write) -> io::Result<Option<String>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = if args.log.as_os_str() == "-" {
        io::stdin()
            .lock()
            .take(MAX_LOG_LEN + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(&args.log).and_then(|f| f.take(MAX_LOG_LEN + 1).read_to_end(&mut bytes))
    };
    if let Err(e) = read {
        writeln!(err, "error: cannot read `{}`: {e}", args.log.display())?;
        return Ok(None);
    }
    if bytes.len() as u64 > MAX_LOG_LEN {
        writeln!(
            err,
            "error: `{}` is larger than {} GiB; report on a shorter period of the log",
            args.log.display(),
            MAX_LOG_LEN >> 30
        )?;
        return Ok(None);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => {
            writeln!(
                err,
                "error: `{}` is not UTF-8 text (invalid byte at offset {})",
                args.log.display(),
                e.utf8_error().valid_up_to()
            )?;
            Ok(None)
        }
    }
}

/// Loads every .sop file under `--sop`; files with errors are reported and
/// fail the command (a scorecard on a partial set would silently drop instances).
fn definitions(args: &ReportArgs, err: &mut dyn Write) -> io::Result<Option<Vec<Definition>>> {
    let root = match args.root.canonical() {
        Ok(root) => root,
        Err(message) => {
            writeln!(err, "{message}")?;
            return Ok(None);
        }
    };
    let found = walk::find(&args.sop, root.as_deref());
    let mut ok = true;
    for e in &found.errors {
        ok = false;
        writeln!(
            err,
            "error: cannot read `{}`: {}",
            e.path.display(),
            e.error
        )?;
    }
    let mut definitions = Vec::new();
    for walk::FoundFile { path, root } in &found.files {
        let Some(name) = path.to_str() else {
            ok = false;
            writeln!(
                err,
                "error: cannot read `{}`: the path is not valid UTF-8",
                path.display()
            )?;
            continue;
        };
        let loader = match FsResolver::new(&found.roots[*root]) {
            Ok(resolver) => Loader::new(resolver),
            Err(e) => {
                ok = false;
                writeln!(err, "error: cannot read `{name}`: {e}")?;
                continue;
            }
        };
        match loader.check(name) {
            Ok(checked) => match checked.definition {
                Some(definition) => definitions.push(definition),
                None => {
                    ok = false;
                    write!(
                        err,
                        "{}",
                        checked
                            .diagnostics
                            .render(&sopflow::diagnostics::RenderOptions::default())
                    )?;
                    writeln!(err, "error: `{name}` has errors")?;
                }
            },
            Err(e) => {
                ok = false;
                writeln!(err, "error: {e}")?;
            }
        }
    }
    if found.files.is_empty() && ok {
        writeln!(
            err,
            "error: no .sop files found in --sop; name the files the processes come from"
        )?;
        return Ok(None);
    }
    Ok(ok.then_some(definitions))
}
