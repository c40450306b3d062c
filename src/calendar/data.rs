//! The plain-text holiday data format read by
//! [`CalendarBuilder::holiday_data`](super::CalendarBuilder::holiday_data).
//!
//! One entry per line, `#` starts a comment, blank lines are ignored:
//!
//! ```text
//! covers 2024..2026                       # years with complete data
//! holiday 2026-02-15..2026-02-23 春节     # an inclusive range of days off
//! holiday 2026-01-01 元旦                 # a single day off
//! workday 2026-02-14 春节调休             # a make-up working day
//! ```
//!
//! Anything after the date or range is a free-text label.

use chrono::{Datelike, NaiveDate};

use super::CalendarError;

/// Whether an entry lists days off or make-up working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryKind {
    /// `holiday`: days off.
    Holiday,
    /// `workday`: make-up working days.
    Workday,
}

/// One `holiday` or `workday` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry<'a> {
    /// The line number, from 1.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) line: usize,
    /// Days off or working days.
    pub(super) kind: EntryKind,
    /// The first day of the range.
    pub(super) first: NaiveDate,
    /// The last day of the range (inclusive); equal to `first` for one day.
    pub(super) last: NaiveDate,
    /// The free-text label, possibly empty.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) label: &'a str,
}

/// A parsed holiday data text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HolidayData<'a> {
    /// The `covers` line, if any.
    pub(super) covers: Option<(i32, i32)>,
    /// The entries in file order.
    pub(super) entries: Vec<Entry<'a>>,
}

/// Parses holiday data; the first bad line is an error.
pub(super) fn parse(text: &str) -> Result<HolidayData<'_>, CalendarError> {
    let mut data = HolidayData {
        covers: None,
        entries: Vec::new(),
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |message: String| CalendarError::HolidayData { line, message };
        let content = raw.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        let (keyword, rest) = split_word(content);
        let (value, label) = split_word(rest);
        if value.is_empty() {
            return Err(error(format!("`{keyword}` needs a value")));
        }
        match keyword {
            "covers" => {
                if data.covers.is_some() {
                    return Err(error("a second `covers` line".to_owned()));
                }
                if !label.is_empty() {
                    return Err(error(format!("unexpected `{label}` after the years")));
                }
                let (from, to) = split_range(value);
                let year = |text: &str| {
                    text.parse::<i32>()
                        .map_err(|_| error(format!("`{text}` is not a year")))
                };
                let (from, to) = (year(from)?, year(to)?);
                if from > to {
                    return Err(error(format!("the range {value} is empty")));
                }
                data.covers = Some((from, to));
            }
            "holiday" | "workday" => {
                let kind = if keyword == "holiday" {
                    EntryKind::Holiday
                } else {
                    EntryKind::Workday
                };
                let (first, last) = split_range(value);
                let date = |text: &str| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map_err(|_| error(format!("`{text}` is not a date YYYY-MM-DD")))
                };
                let (first, last) = (date(first)?, date(last)?);
                if first > last {
                    return Err(error(format!("the range {value} is empty")));
                }
                if first.year() != last.year() {
                    return Err(error(format!(
                        "the range {value} crosses a year boundary; split it"
                    )));
                }
                data.entries.push(Entry {
                    line,
                    kind,
                    first,
                    last,
                    label,
                });
            }
            other => {
                return Err(error(format!(
                    "unknown keyword `{other}`, expected `covers`, `holiday` or `workday`"
                )))
            }
        }
    }
    Ok(data)
}

/// Splits off the first whitespace-separated word.
fn split_word(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (text, ""),
    }
}

/// Splits `A..B` into `(A, B)`, and `A` into `(A, A)`.
fn split_range(text: &str) -> (&str, &str) {
    text.split_once("..").unwrap_or((text, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_line() {
        let text = "# header\n\ncovers 2026\nholiday 2026-02-15..2026-02-23 春节 # nine days\n\
                    workday 2026-02-14 春节调休\n";
        let data = parse(text).expect("valid data");
        assert_eq!(data.covers, Some((2026, 2026)));
        assert_eq!(data.entries.len(), 2);
        assert_eq!(data.entries[0].line, 4);
        assert_eq!(data.entries[0].label, "春节");
        assert_eq!(data.entries[0].kind, EntryKind::Holiday);
        assert_eq!(data.entries[1].kind, EntryKind::Workday);
        assert_eq!(data.entries[1].first, data.entries[1].last);
    }

    #[test]
    fn reports_the_first_bad_line() {
        for (text, line) in [
            ("holiday 2026-02-30\n", 1),
            ("covers 2024..2026\nvacation 2026-01-01\n", 2),
            ("covers 2026..2024\n", 1),
            ("covers 2024\ncovers 2025\n", 2),
            ("holiday\n", 1),
            ("holiday 2026-02-23..2026-02-15\n", 1),
            ("holiday 2025-12-31..2026-01-01\n", 1),
            ("covers 2024..2026 extra\n", 1),
        ] {
            match parse(text) {
                Err(CalendarError::HolidayData { line: got, .. }) => {
                    assert_eq!(got, line, "{text}")
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }
}
