//! `sopflow plan`: the static schedule of a process from a start instant,
//! or the worst start day of the coming months (`--scan`).

use std::io::{self, Write};

use chrono::{DateTime, Months, Utc};
use clap::{Args, ValueEnum};

use super::check::LangArg;
use super::root::RootArg;
use super::{ExitStatus, Terminal};
use sopflow::exec::Attributes;

/// Shown at the end of `sopflow plan --help`.
pub(super) const AFTER_HELP: &str = "\
Assumes every step takes its full deadline on the process calendar (wd/wh in working time),
a step with several arrows in starts when the last is due, a choice takes its longest
outcome, and no work is sent back. `--scan 12m` plans a start on every day of the next 12
months (at the time of day of --start) and names the start whose critical path ends the most
calendar days after it, and the holidays in its way.

Exit status:
  0  the plan meets the process deadline (or the process has none)
  1  the critical path ends after the process deadline (for --scan: some start day does)
  2  usage error, or a file that cannot be read or has errors, or a missing attribute

Examples:
  sopflow plan examples/新产品上市.sop --start 2026-03-02T09:00:00+08:00 --attr 上市日=2026-06-30
  sopflow plan examples/客户问题处理.sop --start 2026-03-02T09:00:00+08:00 --attr priority=P1 --lang zh
  sopflow plan examples/客户问题处理.sop --start 2026-01-05T09:00:00+08:00 --scan 12m
  sopflow plan examples/市场营销活动.sop --start 2026-08-03T09:00:00+08:00 --format json";

/// The arguments of `sopflow plan`.
#[derive(Debug, Args)]
pub(super) struct PlanArgs {
    /// The .sop file of the process.
    #[arg(value_name = "FILE")]
    file: String,

    /// When the instance starts, as RFC 3339 (e.g. 2026-03-02T09:00:00+08:00).
    #[arg(long, value_name = "RFC3339")]
    start: String,

    /// An instance attribute: `priority=P1` (selects `within P1 …` SLAs) or a
    /// date that `by` deadlines name, e.g. `上市日=2026-06-30`. Repeatable.
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    attrs: Vec<String>,

    /// Plan a start on every day of this many months from --start (e.g. 12m)
    /// and name the worst.
    #[arg(long, value_name = "MONTHS")]
    scan: Option<String>,

    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// The language of the human output: `zh` or `en`. By default the locale decides.
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<LangArg>,

    #[command(flatten)]
    root: RootArg,
}

/// The values of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table and sentences for people.
    Human,
    /// One JSON object (times in RFC 3339 UTC, lengths in minutes).
    Json,
}

/// Plans the process and prints the plan.
///
/// # Errors
/// Only when writing to `out` or `err` fails.
pub(super) fn run(
    args: &PlanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> io::Result<ExitStatus> {
    let start = match DateTime::parse_from_rfc3339(&args.start) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => {
            writeln!(
                err,
                "error: invalid --start `{}`: {e}; write RFC 3339, e.g. 2026-03-02T09:00:00+08:00",
                args.start
            )?;
            return Ok(ExitStatus::Error);
        }
    };
    let months = match args.scan.as_deref().map(parse_months) {
        None => None,
        Some(Ok(months)) => Some(months),
        Some(Err(())) => {
            writeln!(
                err,
                "error: invalid --scan `{}`: write a number of months from 1 to 60, e.g. 12m",
                args.scan.as_deref().unwrap_or_default()
            )?;
            return Ok(ExitStatus::Error);
        }
    };
    let mut pairs = Vec::new();
    for attr in &args.attrs {
        match attr.split_once('=') {
            Some((key, value)) => pairs.push((key.trim(), value.trim())),
            None => {
                writeln!(err, "error: invalid --attr `{attr}`: write KEY=VALUE, e.g. priority=P1 or 上市日=2026-06-30")?;
                return Ok(ExitStatus::Error);
            }
        }
    }
    let attributes = match Attributes::from_pairs(pairs) {
        Ok(attributes) => attributes,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let Some(definition) = super::load_definition(&args.file, &args.root, "", err)? else {
        return Ok(ExitStatus::Error);
    };
    let lang = args.lang.map_or(terminal.lang, Into::into);
    if let Some(months) = months {
        let days = start
            .date_naive()
            .checked_add_months(Months::new(months))
            .map_or(0, |end| (end - start.date_naive()).num_days());
        let days = u32::try_from(days).unwrap_or(0);
        let report = match sopflow::plan::scan(&definition, start, days, &attributes) {
            Ok(report) => report,
            Err(e) => {
                writeln!(err, "error: {e}")?;
                return Ok(ExitStatus::Error);
            }
        };
        match args.format {
            Format::Human => out.write_all(sopflow::plan::render_scan(&report, lang).as_bytes())?,
            Format::Json => json(out, &report)?,
        }
        return Ok(if report.infeasible > 0 {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }
    let plan = match sopflow::plan::plan(&definition, start, &attributes) {
        Ok(plan) => plan,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    match args.format {
        Format::Human => out.write_all(sopflow::plan::render(&plan, lang).as_bytes())?,
        Format::Json => json(out, &plan)?,
    }
    Ok(match &plan.deadline {
        Some(deadline) if !deadline.feasible => ExitStatus::Failure,
        _ => ExitStatus::Success,
    })
}

/// Writes `value` as pretty JSON and a line break.
fn json(out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// `12m`, `12` or `12月` → 12; from 1 to 60 months.
fn parse_months(text: &str) -> Result<u32, ()> {
    let digits = text
        .trim()
        .trim_end_matches(['m', 'M', '月'])
        .trim_end_matches('个');
    match digits.parse::<u32>() {
        Ok(n) if (1..=60).contains(&n) => Ok(n),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_months;

    #[test]
    fn months() {
        assert_eq!(parse_months("12m"), Ok(12));
        assert_eq!(parse_months("3"), Ok(3));
        assert_eq!(parse_months("6个月"), Ok(6));
        assert!(parse_months("0m").is_err());
        assert!(parse_months("1y").is_err());
        assert!(parse_months("61m").is_err());
    }
}
