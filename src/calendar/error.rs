//! [`CalendarError`]: what can go wrong building a calendar or computing with
//! one. Every variant names the calendar or the value at fault; none is a
//! guess (outside its covered years a calendar answers `BeyondHorizon`).

use super::*;

/// An error from building a calendar or computing with one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A computation needed to know whether a date in `year` is a working
    /// day, but the calendar has no holiday data for that year.
    #[error("calendar `{calendar}` has no holiday data for {year}")]
    BeyondHorizon {
        /// The calendar's name.
        calendar: String,
        /// The first year that was needed and is not covered.
        year: i32,
    },
    /// The calendar has no working time in ten years, so no deadline can be
    /// found.
    #[error("calendar `{calendar}` has no working time in ten years")]
    NoWorkingTime {
        /// The calendar's name.
        calendar: String,
    },
    /// A result would lie outside the years 1 to 9999.
    #[error("time arithmetic left the supported years 1 to 9999")]
    Overflow,
    /// Working time to add was negative.
    #[error("working time to add is negative")]
    NegativeDuration,
    /// A business-hours interval is malformed.
    #[error("invalid business hours `{interval}`: {reason}")]
    InvalidHours {
        /// The interval as written, such as `18:00-09:00`.
        interval: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two business-hours intervals overlap.
    #[error("business hours `{first}` and `{second}` overlap")]
    OverlappingHours {
        /// The earlier interval, such as `09:00-12:00`.
        first: String,
        /// The later interval, such as `11:00-13:00`.
        second: String,
    },
    /// A date is listed both as a holiday and as a make-up working day.
    #[error("{date} is listed both as a holiday and as a working day")]
    HolidayWorkday {
        /// The date listed twice.
        date: NaiveDate,
    },
    /// The covered years are empty or outside 1 to 9999.
    #[error("covered years {from}..{to} are empty or outside 1..9999")]
    InvalidCoverage {
        /// The first covered year.
        from: i32,
        /// The last covered year.
        to: i32,
    },
    /// Joining covered years would leave a gap: the years between them would
    /// be covered without their holidays.
    #[error("covered years {from}..{to} do not join {covered_from}..{covered_to}: the years between would have no holidays")]
    CoverageGap {
        /// The first year covered so far.
        covered_from: i32,
        /// The last year covered so far.
        covered_to: i32,
        /// The first year to add.
        from: i32,
        /// The last year to add.
        to: i32,
    },
    /// A holiday or working day is listed outside the covered years.
    #[error("{date} is listed but lies outside the covered years {from}..{to}")]
    OutsideCoverage {
        /// The listed date.
        date: NaiveDate,
        /// The first covered year.
        from: i32,
        /// The last covered year.
        to: i32,
    },
    /// A time zone name is not in the IANA database.
    #[error("unknown time zone `{zone}`")]
    UnknownZone {
        /// The name as given.
        zone: String,
    },
    /// A line of holiday data could not be read.
    #[error("holiday data line {line}: {message}")]
    HolidayData {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
}
