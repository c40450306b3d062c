//! `sopflow calendar`: one year of a calendar as month grids, so that an
//! author can compare it with the notice it was typed from.
//!
//! The days, their kinds and the listed dates come from
//! [`BusinessCalendar::year_grid`]; this module only lays them out as text.
//! A Han character is two columns wide (unicode-width), so titles and the
//! weekday row are padded by display width, not by characters.

use std::io::{self, Write};

use chrono::{Datelike, NaiveTime, Weekday};
use clap::Args;
use unicode_width::UnicodeWidthStr;

use super::ExitStatus;
use sopflow::calendar::{BusinessCalendar, DayKind, MonthGrid, YearGrid};

/// Shown at the end of `sopflow calendar --help`.
pub(super) const AFTER_HELP: &str = "\
Prints the twelve months of YEAR, Monday first, three months a row. Each day is marked:
   9   a working day
   9.  a rest day of the working week (weekend)
   9*  a listed holiday (节假日)
   9+  a listed make-up working day (调休)
followed by the listed holidays and make-up days with their names. A year the calendar
does not cover is printed by the working week alone, with a notice.

Exit status:
  0  the year was printed (also for a year the calendar does not cover)
  2  usage error, or a calendar file that cannot be read or has errors

Examples:
  sopflow calendar cn 2026
  sopflow calendar examples/org.sop#公司 2026
  sopflow calendar org.sop#cn 2027        Check a year added with `calendar cn extends cn`";

/// The arguments of `sopflow calendar`.
#[derive(Debug, Args)]
pub(super) struct CalendarArgs {
    /// The calendar: `cn` (built in), or a .sop file that declares calendars
    /// (its first calendar, or the one named after `#`: `org.sop#公司`).
    #[arg(value_name = "NAME|FILE")]
    calendar: String,

    /// The year to print, e.g. 2026.
    #[arg(value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1..=9999))]
    year: i32,

    #[command(flatten)]
    root: super::root::RootArg,
}

/// The width of one day: two digits and a mark.
const CELL: usize = 3;
/// The width of a month: seven days.
const MONTH: usize = 7 * CELL;
/// The space between two months of a row.
const GAP: &str = "   ";

/// Prints the year.
///
/// # Errors
/// Only when writing to `out` or `err` fails.
pub(super) fn run(
    args: &CalendarArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let Some(calendar) = super::due::calendar(&args.calendar, &args.root, err)? else {
        return Ok(ExitStatus::Error);
    };
    let grid = match calendar.year_grid(args.year) {
        Ok(grid) => grid,
        Err(e) => {
            writeln!(err, "error: cannot show {}: {e}", args.year)?;
            return Ok(ExitStatus::Error);
        }
    };
    out.write_all(render(&calendar, &grid).as_bytes())?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// The whole text: header, coverage, month grids, legend, listed dates.
pub(super) fn render(calendar: &BusinessCalendar, grid: &YearGrid) -> String {
    let mut text = String::new();
    let year = grid.year();
    let name = calendar.name();
    text.push_str(&format!(
        "calendar `{name}`, {year}: {}, works {}, {}\n",
        calendar.zone().name(),
        week_text(calendar),
        hours_text(calendar)
    ));
    match calendar.covers() {
        None => text.push_str("holiday data: every year (the calendar has no `covers`)\n"),
        Some(years) if grid.is_covered() => text.push_str(&format!(
            "holiday data: {} (covered)\n",
            years_text(years.start(), years.end())
        )),
        Some(years) => {
            text.push_str(&format!(
                "holiday data: {}\n\n\
                 !! {year} is NOT covered: calendar `{name}` lists no holidays and no make-up days for it.\n\
                 !! The grid follows the working week alone; the real {year} has holidays and 调休 days.\n\
                 !! To add the year: `calendar {name} extends {name} {{ covers {year} … }}` in a .sop file\n\
                 !! (see \"Adding a year\" in grammar/LANGUAGE.md).\n",
                years_text(years.start(), years.end())
            ));
        }
    }
    text.push_str(&format!(
        "{} working days ({} make-up), {} days off ({} listed holidays)\n",
        grid.working_days(),
        grid.count(DayKind::MakeUpWorkday),
        grid.count(DayKind::Rest) + grid.count(DayKind::Holiday),
        grid.count(DayKind::Holiday)
    ));

    for quarter in grid.months().chunks(3) {
        text.push('\n');
        let blocks: Vec<Vec<String>> = quarter.iter().map(month_lines).collect();
        let rows = blocks.iter().map(Vec::len).max().unwrap_or(0);
        for row in 0..rows {
            let cells: Vec<String> = blocks
                .iter()
                .map(|block| pad(block.get(row).map_or("", String::as_str), MONTH))
                .collect();
            text.push_str(cells.join(GAP).trim_end());
            text.push('\n');
        }
    }

    text.push_str(
        "\n 9 working day    9. rest day (weekend)    9* holiday    9+ make-up day (调休)\n",
    );
    if !grid.listed().is_empty() {
        text.push_str("\nlisted days:\n");
        for listed in grid.listed() {
            let dates = if listed.first == listed.last {
                listed.first.format("%m-%d").to_string()
            } else {
                format!(
                    "{}..{}",
                    listed.first.format("%m-%d"),
                    listed.last.format("%m-%d")
                )
            };
            let kind = match listed.kind {
                DayKind::MakeUpWorkday => "workday",
                _ => "holiday",
            };
            let line = format!(
                "  {dates:<12}  {kind}  {}",
                listed.label.as_deref().unwrap_or("")
            );
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }
    text
}

/// `2026` or `2024..2026`.
fn years_text(from: &i32, to: &i32) -> String {
    if from == to {
        format!("{from}")
    } else {
        format!("{from}..{to}")
    }
}

/// The lines of one month: title, weekday row, weeks.
fn month_lines(month: &MonthGrid) -> Vec<String> {
    let mut lines = vec![center(&format!("{}月", month.month), MONTH)];
    lines.push("一 二 三 四 五 六 日".to_owned());
    for week in &month.weeks {
        let mut line = String::with_capacity(MONTH);
        for day in week {
            match day {
                None => line.push_str("   "),
                Some(day) => {
                    let mark = match day.kind {
                        DayKind::Working => ' ',
                        DayKind::Rest => '.',
                        DayKind::Holiday => '*',
                        DayKind::MakeUpWorkday => '+',
                    };
                    line.push_str(&format!("{:>2}{mark}", day.date.day()));
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// `text` padded with spaces to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    let used = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// `text` centred in `width` display columns (extra space on the right).
fn center(text: &str, width: usize) -> String {
    let left = width.saturating_sub(text.width()) / 2;
    pad(&format!("{}{text}", " ".repeat(left)), width)
}

/// The working week, e.g. `Mon-Fri` or `Mon-Fri, Sun`.
fn week_text(calendar: &BusinessCalendar) -> String {
    let days: Vec<Weekday> = calendar.working_week().collect();
    if days.is_empty() {
        return "no weekday".to_owned();
    }
    let mut runs: Vec<(Weekday, Weekday)> = Vec::new();
    for day in days {
        match runs.last_mut() {
            Some(run) if run.1.succ() == day && day != Weekday::Mon => run.1 = day,
            _ => runs.push((day, day)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                format!("{a}")
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The business hours, e.g. `09:00-12:00, 13:00-18:00`, or `all day`.
fn hours_text(calendar: &BusinessCalendar) -> String {
    let hours: Vec<String> = calendar
        .hours()
        .map(|(from, to)| {
            let end = if to == NaiveTime::MIN {
                "24:00".to_owned()
            } else {
                to.format("%H:%M").to_string()
            };
            format!("{}-{end}", from.format("%H:%M"))
        })
        .collect();
    if hours.is_empty() {
        "all day".to_owned()
    } else {
        hours.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_rows_are_aligned_by_display_width() {
        let cn = BusinessCalendar::cn();
        let grid = cn.year_grid(2026).expect("a supported year");
        let text = render(&cn, &grid);
        for line in text.lines() {
            assert!(line.width() <= 80, "{line}");
        }
        // Each weekday row holds three months, each month 21 columns (the
        // weekday names are two columns wide) and the gap between them.
        let weekdays = "一 二 三 四 五 六 日 ";
        let header = format!("{weekdays}{GAP}{weekdays}{GAP}{weekdays}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with('一')).count(),
            4,
            "{text}"
        );
        for line in text.lines().filter(|l| l.starts_with('一')) {
            assert_eq!(line, header.trim_end());
            assert_eq!(line.width(), 3 * MONTH + 2 * GAP.len() - 1);
        }
        // January 2026 starts on a Thursday with three days of 元旦 and a
        // make-up Sunday.
        assert!(text.contains("          1* 2* 3* 4+"), "{text}");
        assert_eq!(center("12月", 7), " 12月  ");
    }

    #[test]
    fn weeks_are_written_as_runs() {
        let cn = BusinessCalendar::cn();
        assert_eq!(week_text(&cn), "Mon-Fri");
        let odd = BusinessCalendar::builder("odd", chrono_tz::UTC)
            .week(&[Weekday::Mon, Weekday::Wed, Weekday::Thu, Weekday::Sun])
            .build()
            .unwrap();
        assert_eq!(week_text(&odd), "Mon, Wed-Thu, Sun");
        assert_eq!(hours_text(&odd), "all day");
    }
}
