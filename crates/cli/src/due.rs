//! `sopflow due`: the calendar arithmetic on its own, for authors and scripts.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;

use super::root::RootArg;
use super::ExitStatus;
use sopflow::calendar::{BusinessCalendar, BusinessDuration, CalendarError};

/// Shown at the end of `sopflow due --help`.
pub(super) const AFTER_HELP: &str = "\
Prints the deadline as RFC 3339 with the calendar's UTC offset.

Exit status:
  0  the deadline was printed
  1  the deadline cannot be computed (e.g. it falls outside the years the calendar covers)
  2  usage error (including a zero duration, E030 in .sop files, or one over 100 years,
     E031), or a calendar file that cannot be read or has errors

Examples:
  sopflow due --calendar cn --from 2026-09-30T10:00:00+08:00 --within 3wd
  sopflow due --calendar examples/org.sop --from 2026-05-08T17:00:00+08:00 --within 8wh
  sopflow due --calendar examples/org.sop#公司 --from 2026-05-08T17:00:00+08:00 --within 2d";

/// The arguments of `sopflow due`.
#[derive(Debug, Args)]
pub(super) struct DueArgs {
    /// The calendar: `cn` (built in), or a .sop file that declares calendars
    /// (its first calendar, or the one named after `#`: `org.sop#公司`).
    #[arg(long, value_name = "NAME|FILE")]
    calendar: String,

    /// When the step becomes active, as RFC 3339 (e.g. 2026-09-30T10:00:00+08:00).
    #[arg(long, value_name = "RFC3339")]
    from: String,

    /// The duration: an amount and a unit (m, h, d, w, wd, wh), e.g. 3wd.
    #[arg(long, value_name = "DURATION")]
    within: String,

    #[command(flatten)]
    root: RootArg,
}

/// Computes and prints one deadline.
///
/// # Errors
/// Only when writing to `out` or `err` fails.
pub(super) fn run(
    args: &DueArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let from = match DateTime::parse_from_rfc3339(&args.from) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => {
            writeln!(
                err,
                "error: invalid --from `{}`: {e}; write RFC 3339, e.g. 2026-09-30T10:00:00+08:00",
                args.from
            )?;
            return Ok(ExitStatus::Error);
        }
    };
    let duration: BusinessDuration = match args.within.parse() {
        Ok(d) => d,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    // The same rules as a `within` in a .sop file: E030 and E031.
    if duration.amount == 0 {
        writeln!(
            err,
            "error: invalid --within `{}`: a duration must be positive, as in .sop files (E030); \
             write at least 1, e.g. 1{}",
            args.within,
            duration.unit.suffix()
        )?;
        return Ok(ExitStatus::Error);
    }
    let max = duration.unit.max_amount();
    if u64::from(duration.amount) > max {
        writeln!(
            err,
            "error: invalid --within `{}`: durations are limited to 100 years, as in .sop files \
             (E031): at most {max}{}",
            args.within,
            duration.unit.suffix()
        )?;
        return Ok(ExitStatus::Error);
    }
    let calendar = match calendar(&args.calendar, &args.root, err)? {
        Some(c) => c,
        None => return Ok(ExitStatus::Error),
    };
    match calendar.resolve(from, duration) {
        Ok(due) => {
            let local = due.with_timezone(&calendar.zone());
            writeln!(
                out,
                "{}",
                local.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            )?;
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            writeln!(err, "error: cannot compute the deadline: {e}")?;
            if let CalendarError::BeyondHorizon { calendar, year } = &e {
                writeln!(
                    err,
                    "help: add {year} once its holidays are published: in a .sop file, \
                     `calendar {calendar} extends {calendar} {{ covers {year} … }}` with one \
                     `holiday`/`workday` line per date of the notice, then pass \
                     `--calendar FILE#{calendar}`; see \"Adding a year\" in grammar/LANGUAGE.md"
                )?;
            }
            Ok(ExitStatus::Failure)
        }
    }
}

/// Finds the calendar named by `--calendar`; reports why not on `err`.
pub(super) fn calendar(
    spec: &str,
    root: &RootArg,
    err: &mut dyn Write,
) -> io::Result<Option<BusinessCalendar>> {
    if spec == "cn" {
        return Ok(Some(BusinessCalendar::cn()));
    }
    let (path, name) = match spec.rsplit_once('#') {
        Some((path, name)) => (path, Some(name)),
        None => (spec, None),
    };
    let Some(definition) = super::load_definition(
        path,
        root,
        "; --calendar takes `cn` or a .sop file that declares a calendar",
        err,
    )?
    else {
        return Ok(None);
    };
    let found = match name {
        // A file may extend `cn` (`calendar cn extends cn { … }`); without
        // that, `#cn` is the built-in calendar.
        Some(n) => definition
            .calendars()
            .iter()
            .find(|c| c.name() == n)
            .cloned()
            .or_else(|| (n == "cn").then(BusinessCalendar::cn)),
        None => definition.calendars().first().cloned(),
    };
    if found.is_none() {
        let names: Vec<&str> = definition
            .calendars()
            .iter()
            .map(BusinessCalendar::name)
            .collect();
        match name {
            Some(n) => writeln!(
                err,
                "error: `{path}` declares no calendar `{n}` (it declares: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )?,
            None => writeln!(err, "error: `{path}` declares no calendar")?,
        }
    }
    Ok(found)
}
