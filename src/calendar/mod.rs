//! Business calendars: time zone, working week, business hours, holidays and
//! make-up working days, and the deadline arithmetic built on them.
//!
//! A [`BusinessCalendar`] answers one question for the executor: by which
//! instant must a step activated at `start` be finished when its SOP says
//! `within 3wd`, `within 8wh` or `within 72h`? [`BusinessCalendar::resolve`]
//! runs once, at activation; the executor stores the result.
//!
//! # Invariants
//!
//! - **No I/O, no clock.** Nothing here reads a file, the network, the
//!   environment or the system clock (`Utc::now`, `SystemTime::now`,
//!   `Local::now`). Time only arrives as arguments. The built-in holiday data
//!   is compiled in with `include_str!`.
//! - **No dependency on other sopflow modules.** This module uses chrono,
//!   chrono-tz, serde and thiserror only; `exec` depends on it, never the
//!   other way round.
//! - **No guessing.** A working-day question about a date whose year lies
//!   outside the calendar's covered years is answered with
//!   [`CalendarError::BeyondHorizon`], never with an extrapolation.
//! - **Civil time in the calendar's zone.** Dates and business hours are
//!   local civil times in [`BusinessCalendar::zone`]; instants in and out are
//!   [`DateTime<Utc>`]. A local time that does not exist (a DST gap) means the
//!   first instant after the gap; an ambiguous one (a DST fold) means the
//!   earlier of the two instants.
//! - **Allocation-free arithmetic.** Resolving a deadline walks the days it
//!   spans once and allocates nothing (except the calendar name in an error).
//!
//! # Kinds of time
//!
//! - `m`, `h`, `d`, `w` are elapsed time: `3d` is 72 hours after `start`,
//!   whatever the calendar says.
//! - `N wd` follows articles 201 and 203 of the PRC Civil Code: the day of
//!   `start` (in the calendar's zone) is not counted; counting starts with the
//!   next calendar day, and the deadline is the close of business (the end of
//!   the last business-hours interval) of the Nth working day. A calendar
//!   without business hours closes at 24:00.
//! - `N wh` counts only time inside business hours of working days. A start
//!   outside business hours waits for the next opening; a deadline that lands
//!   exactly on a closing time is that closing time. Without business hours a
//!   working day counts as its whole civil day (24 h, or 23 h / 25 h on a DST
//!   change).
//!
//! # The built-in calendar and how to add a year
//!
//! [`BusinessCalendar::cn`] is mainland China (Asia/Shanghai, Monday to
//! Friday, 09:00–12:00 and 13:00–18:00) with holidays and make-up working
//! days (调休) from the State Council General Office (国务院办公厅) notices,
//! kept in `src/calendar/cn-holidays.txt`. To add a year, when the notice for
//! it is published (usually in November of the year before):
//!
//! 1. add one `holiday FIRST..LAST 名称` line per holiday period and one
//!    `workday DATE 名称调休` line per make-up working day, copied from the
//!    notice, and record the notice's title, number and date in the header;
//! 2. extend the `covers FROM..TO` line to the new year;
//! 3. run `cargo test calendar`: a unit test checks that the file parses,
//!    that every entry lies inside the covered years, and that every covered
//!    year names all seven holidays.
//!
//! The same text format is accepted for any calendar through
//! [`CalendarBuilder::holiday_data`].
//!
//! Users need not wait for a release that ships the year:
//!
//! - **In a `.sop` file**, usually the shared `org.sop`, a calendar extends
//!   another one; redeclaring `cn` this way gives every process that says
//!   `calendar cn` the new year (grammar/LANGUAGE.md, "Adding a year"; the
//!   dates below illustrate the form, they are not the 2027 notice):
//!
//!   ```text
//!   calendar cn extends cn {
//!     covers 2027
//!     holiday 2027-01-01 "元旦"
//!     workday 2027-02-07 "春节调休"
//!   }
//!   ```
//!
//! - **In a host program**, [`BusinessCalendar::to_builder`] copies a
//!   calendar and a `covers` line of [`CalendarBuilder::holiday_data`] (or
//!   [`CalendarBuilder::extend_coverage`]) joins the new year to the covered
//!   ones: `BusinessCalendar::cn().to_builder().holiday_data(text)?.build()?`.
//!
//! Either way the covered years must stay one range (2024..2026 and 2028
//! would leave 2027 without holidays: [`CalendarError::CoverageGap`]).
//! `sopflow calendar cn 2027` prints the year as month grids to check the
//! typing against the notice.

mod arithmetic;
mod builder;
mod cn;
mod data;
mod duration;
mod error;
mod fast;
mod local;
mod repr;
#[cfg(test)]
mod tests;
mod year;

pub use builder::CalendarBuilder;
pub use duration::{BusinessDuration, ParseDurationError, Unit};
pub use error::CalendarError;
pub use year::{Day, DayKind, ListedDays, MonthGrid, YearGrid};

use fast::{FixedSpan, UNIX_EPOCH_DAYS_FROM_CE};
use local::{checked_add, clock, clock_text, interval_text, parse_clock, time_of};
use repr::CalendarRepr;

use std::ops::RangeInclusive;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Timelike,
    Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Seconds in a civil day without a DST change; also the encoding of 24:00.
const DAY_SECONDS: u32 = 86_400;

/// The business hours of a calendar that declares none: the whole day.
const WHOLE_DAY: &[(u32, u32)] = &[(0, DAY_SECONDS)];

/// How many days in a row without working time a search tolerates before it
/// reports [`CalendarError::NoWorkingTime`]: about ten years.
const MAX_IDLE_DAYS: u32 = 3660;

/// The earliest year any computation may touch.
const MIN_YEAR: i32 = 1;

/// The latest year any computation may touch; later results are an
/// [`CalendarError::Overflow`]. Keeps every deadline printable as RFC 3339.
const MAX_YEAR: i32 = 9999;

/// The weekdays in the order of their bit in [`BusinessCalendar::week`].
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A business calendar: where, on which days and at which hours work happens.
///
/// Build one with [`BusinessCalendar::builder`] or take the built-in
/// mainland China calendar, [`BusinessCalendar::cn`]. A calendar is
/// immutable; it serializes with its zone as an IANA name and business hours
/// as `"HH:MM"` strings (`"24:00"` for the end of the day), and deserializing
/// validates it like [`CalendarBuilder::build`].
///
/// # Example
/// ```
/// use chrono::{NaiveDate, NaiveTime, Weekday};
/// use sopflow::calendar::BusinessCalendar;
///
/// let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
/// let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
///     .week(&[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri])
///     .hours(&[(hm(9, 0), hm(17, 0))])
///     .holiday(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap())
///     .build()?;
/// assert!(!berlin.is_working_day(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()));
/// assert!(berlin.is_working_day(NaiveDate::from_ymd_opt(2026, 12, 28).unwrap()));
/// # Ok::<(), sopflow::calendar::CalendarError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "CalendarRepr", try_from = "CalendarRepr")]
pub struct BusinessCalendar {
    name: String,
    zone: Tz,
    /// Bit `n` is set when the weekday `n` days from Monday works.
    week: u8,
    /// Sorted, non-overlapping, non-touching `[start, end)` intervals in
    /// seconds since local midnight, `end <= DAY_SECONDS`; empty = whole day.
    hours: Vec<(u32, u32)>,
    /// Sorted, deduplicated days off.
    holidays: Vec<NaiveDate>,
    /// Sorted, deduplicated make-up working days; disjoint from `holidays`.
    workdays: Vec<NaiveDate>,
    /// Inclusive range of years with known holiday data; `None` = unbounded.
    covers: Option<(i32, i32)>,
    /// The zone's UTC offset when it is the same on every local date of
    /// `first..=last` (the covered years): conversions there skip the tz
    /// database. Derived from `zone` and `covers`, so equality ignores nothing.
    fixed: Option<FixedSpan>,
    /// Names of listed dates, in the order they were given; a later name of
    /// a date wins. Not serialized and not compared.
    labels: Vec<Label>,
}

impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        // `labels` are for people and take no part; `fixed` is derived from the rest.
        self.name == other.name
            && self.zone == other.zone
            && self.week == other.week
            && self.hours == other.hours
            && self.holidays == other.holidays
            && self.workdays == other.workdays
            && self.covers == other.covers
    }
}

impl Eq for BusinessCalendar {}

/// A name for an inclusive range of dates, such as `国庆节` for
/// 2026-10-01..2026-10-07.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Label {
    first: NaiveDate,
    last: NaiveDate,
    text: String,
}

impl BusinessCalendar {
    /// The name of a date, such as `国庆节` for 2026-10-01 on the built-in
    /// calendar, when its holiday data or declaration gives one.
    pub fn label(&self, date: NaiveDate) -> Option<&str> {
        self.labels
            .iter()
            .rev()
            .find(|label| (label.first..=label.last).contains(&date))
            .map(|label| label.text.as_str())
    }

    /// What `date` is on this calendar: a working day, a rest day of the
    /// working week, a listed holiday or a make-up working day (调休).
    ///
    /// Like [`BusinessCalendar::is_working_day`], this answers from the lists
    /// even outside the covered years, where there are no listed dates.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if self.workdays.binary_search(&date).is_ok() {
            DayKind::MakeUpWorkday
        } else if self.holidays.binary_search(&date).is_ok() {
            DayKind::Holiday
        } else if self.works_on(date.weekday()) {
            DayKind::Working
        } else {
            DayKind::Rest
        }
    }

    /// The calendar's name, as SOP files refer to it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The time zone whose civil time the calendar's dates and hours are in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether `weekday` is normally a working day (before holidays and
    /// make-up working days).
    pub fn works_on(&self, weekday: Weekday) -> bool {
        self.week & (1 << weekday.num_days_from_monday()) != 0
    }

    /// The weekdays that normally work, Monday first.
    pub fn working_week(&self) -> impl Iterator<Item = Weekday> + '_ {
        WEEKDAYS.into_iter().filter(|day| self.works_on(*day))
    }

    /// The business-hours intervals of a working day, sorted; an end of 00:00
    /// means 24:00. Empty when the whole day counts.
    pub fn hours(&self) -> impl Iterator<Item = (NaiveTime, NaiveTime)> + '_ {
        self.hours
            .iter()
            .map(|&(from, to)| (time_of(from), time_of(to % DAY_SECONDS)))
    }

    /// The listed days off, sorted.
    pub fn holidays(&self) -> &[NaiveDate] {
        &self.holidays
    }

    /// The listed make-up working days, sorted.
    pub fn workdays(&self) -> &[NaiveDate] {
        &self.workdays
    }

    /// The inclusive range of years with known holiday data, or `None` when
    /// the calendar is not bounded.
    pub fn covers(&self) -> Option<RangeInclusive<i32>> {
        self.covers.map(|(from, to)| from..=to)
    }

    /// A copy of this calendar without its bound on years: outside the
    /// covered years, a date works when its weekday works.
    ///
    /// The copy is a deliberate, labelled guess. The executor uses it only
    /// after the real calendar answered [`CalendarError::BeyondHorizon`], and
    /// marks the deadline it computes as provisional; nothing else should.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use sopflow::calendar::{BusinessCalendar, BusinessDuration, Unit};
    ///
    /// let cn = BusinessCalendar::cn();
    /// let start: DateTime<Utc> = "2026-12-31T10:00:00+08:00".parse()?;
    /// let d = BusinessDuration::new(1, Unit::WorkingDay);
    /// assert!(cn.resolve(start, d).is_err()); // 2027 is not covered
    /// // By the working week alone, Friday 2027-01-01 is the next working day.
    /// let guess = cn.unbounded().resolve(start, d)?;
    /// assert_eq!(guess, "2027-01-01T18:00:00+08:00".parse::<DateTime<Utc>>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unbounded(&self) -> BusinessCalendar {
        BusinessCalendar {
            name: self.name.clone(),
            zone: self.zone,
            week: self.week,
            hours: self.hours.clone(),
            holidays: self.holidays.clone(),
            workdays: self.workdays.clone(),
            labels: self.labels.clone(),
            covers: None,
            fixed: None,
        }
    }

    /// Whether `date` is a working day: a listed make-up working day is, a
    /// listed holiday is not, and any other date is when its weekday works.
    ///
    /// This answers from the lists even outside the covered years; use
    /// [`BusinessCalendar::check_working_day`] to get an error there instead.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.binary_search(&date).is_ok() {
            true
        } else if self.holidays.binary_search(&date).is_ok() {
            false
        } else {
            self.works_on(date.weekday())
        }
    }

    /// Like [`BusinessCalendar::is_working_day`], but refuses to answer for a
    /// date outside the covered years.
    ///
    /// # Errors
    /// [`CalendarError::BeyondHorizon`] when the year of `date` is not
    /// covered; [`CalendarError::Overflow`] outside the years 1 to 9999.
    pub fn check_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let year = date.year();
        if let Some((from, to)) = self.covers {
            if year < from || year > to {
                return Err(CalendarError::BeyondHorizon {
                    calendar: self.name.clone(),
                    year,
                });
            }
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CalendarError::Overflow);
        }
        Ok(self.is_working_day(date))
    }
}
