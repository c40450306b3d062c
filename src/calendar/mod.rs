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

mod cn;
mod data;
mod duration;
mod year;

pub use duration::{BusinessDuration, ParseDurationError, Unit};
pub use year::{Day, DayKind, ListedDays, MonthGrid, YearGrid};

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

/// Days from 0001-01-01 (day 1 of the common era, as chrono counts) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// A range of local dates on which a zone has one UTC offset, with the
/// working days of that range as a bitmap: the executor's hot paths answer
/// from it with integer arithmetic on seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FixedSpan {
    first: NaiveDate,
    last: NaiveDate,
    offset: chrono::FixedOffset,
    /// `offset` in seconds (local minus UTC).
    offset_seconds: i64,
    /// Days from 1970-01-01 to `first`.
    epoch_day: i64,
    /// Days in `first..=last`.
    days: i64,
    /// Bit `n` (of word `n / 64`) is set when the `n`th day of the span
    /// works. Derived from the calendar's week, holidays and make-up days.
    working: Box<[u64]>,
}

impl FixedSpan {
    /// Samples the zone's offset twice a day from the day before `first` to
    /// the day after `last`. DST and other offset changes last far longer than
    /// twelve hours, so one offset at every sample means one offset throughout.
    fn find(
        zone: Tz,
        covers: Option<(i32, i32)>,
        week: u8,
        holidays: &[NaiveDate],
        workdays: &[NaiveDate],
    ) -> Option<FixedSpan> {
        let (from, to) = covers?;
        let first = NaiveDate::from_ymd_opt(from, 1, 1)?;
        let last = NaiveDate::from_ymd_opt(to, 12, 31)?;
        let start = first.pred_opt()?.and_time(NaiveTime::MIN);
        let end = last.succ_opt()?.succ_opt()?.and_time(NaiveTime::MIN);
        let offset = zone.offset_from_utc_datetime(&start).fix();
        let mut at = start;
        while at <= end {
            if zone.offset_from_utc_datetime(&at).fix() != offset {
                return None;
            }
            at += TimeDelta::hours(12);
        }
        let epoch_day = i64::from(first.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE;
        let days = i64::from(last.num_days_from_ce() - first.num_days_from_ce()) + 1;
        let words = usize::try_from((days + 63) / 64).ok()?;
        let mut working = vec![0u64; words].into_boxed_slice();
        let monday = i64::from(first.weekday().num_days_from_monday());
        for n in 0..days {
            let weekday = (monday + n) % 7;
            if week & (1 << weekday) != 0 {
                working[(n / 64) as usize] |= 1 << (n % 64);
            }
        }
        let index =
            |date: &NaiveDate| i64::from(date.num_days_from_ce() - first.num_days_from_ce());
        // Listed dates lie inside the covered years (checked by `build`).
        for n in holidays.iter().map(index).filter(|n| (0..days).contains(n)) {
            working[(n / 64) as usize] &= !(1 << (n % 64));
        }
        for n in workdays.iter().map(index).filter(|n| (0..days).contains(n)) {
            working[(n / 64) as usize] |= 1 << (n % 64);
        }
        Some(FixedSpan {
            first,
            last,
            offset,
            offset_seconds: i64::from(offset.local_minus_utc()),
            epoch_day,
            days,
            working,
        })
    }

    /// The index in the span of the local day containing local second
    /// `local` (seconds since 1970-01-01 00:00 local time), if inside.
    fn day_of(&self, local: i64) -> Option<i64> {
        let n = local.div_euclid(i64::from(DAY_SECONDS)) - self.epoch_day;
        (0..self.days).contains(&n).then_some(n)
    }

    /// Local seconds at the midnight starting day `n` of the span.
    fn midnight(&self, n: i64) -> i64 {
        (self.epoch_day + n) * i64::from(DAY_SECONDS)
    }

    /// Whether day `n` of the span (`0 <= n < days`) works.
    fn works(&self, n: i64) -> bool {
        self.working[(n / 64) as usize] & (1 << (n % 64)) != 0
    }

    /// Local seconds of an instant on whole seconds, or `None`.
    fn local(&self, at: DateTime<Utc>) -> Option<i64> {
        (at.timestamp_subsec_nanos() == 0).then(|| at.timestamp() + self.offset_seconds)
    }

    /// The instant of local second `local`.
    fn instant(&self, local: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(local - self.offset_seconds, 0)
    }
}

/// Collects the parts of a [`BusinessCalendar`]; [`CalendarBuilder::build`]
/// validates them.
///
/// A new builder works Monday to Friday, has no business hours (the whole
/// day counts), no holidays and no bound on its years.
#[derive(Debug, Clone)]
#[must_use]
pub struct CalendarBuilder {
    name: String,
    zone: Tz,
    week: u8,
    hours: Vec<(NaiveTime, NaiveTime)>,
    holidays: Vec<NaiveDate>,
    workdays: Vec<NaiveDate>,
    covers: Option<(i32, i32)>,
    labels: Vec<Label>,
}

impl CalendarBuilder {
    /// Renames the calendar, e.g. a copy of `cn` made with
    /// [`BusinessCalendar::to_builder`] that becomes a company calendar.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the time zone whose civil time the dates and hours are in.
    pub fn zone(mut self, zone: Tz) -> Self {
        self.zone = zone;
        self
    }

    /// Sets the weekdays that work, replacing the default Monday to Friday.
    pub fn week(mut self, days: &[Weekday]) -> Self {
        self.week = days
            .iter()
            .fold(0, |mask, day| mask | 1 << day.num_days_from_monday());
        self
    }

    /// Sets the business hours of every working day, replacing earlier ones.
    ///
    /// Each pair is a local `[start, end)` interval; an `end` of 00:00 means
    /// 24:00, the end of the day. Intervals may come in any order; touching
    /// intervals are merged. No intervals (the default) means the whole day.
    pub fn hours(mut self, intervals: &[(NaiveTime, NaiveTime)]) -> Self {
        self.hours = intervals.to_vec();
        self
    }

    /// Adds a day off.
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.holidays.push(date);
        self
    }

    /// Adds every day of an inclusive range as a day off; a range whose end
    /// lies before its start adds nothing.
    pub fn holidays(mut self, range: RangeInclusive<NaiveDate>) -> Self {
        self.holidays.extend(
            range
                .start()
                .iter_days()
                .take_while(|day| day <= range.end()),
        );
        self
    }

    /// Adds a make-up working day (调休): a date that works even though its
    /// weekday normally does not.
    pub fn workday(mut self, date: NaiveDate) -> Self {
        self.workdays.push(date);
        self
    }

    /// Names the listed dates of an inclusive range, e.g. `国庆节`. Names are
    /// shown to people (`sopflow calendar`) and change no computation; when
    /// two names cover a date, the later one is the date's name.
    pub fn label(mut self, dates: RangeInclusive<NaiveDate>, text: impl Into<String>) -> Self {
        let (first, last) = dates.into_inner();
        self.labels.push(Label {
            first,
            last,
            text: text.into(),
        });
        self
    }

    /// Declares the inclusive range of years for which the holiday list is
    /// complete, replacing earlier covered years. Working-day questions
    /// outside it are errors.
    pub fn covers(mut self, from_year: i32, to_year: i32) -> Self {
        self.covers = Some((from_year, to_year));
        self
    }

    /// Adds the years `from_year..=to_year` to the covered years: the result
    /// is the union, which must be one range. A builder without covered years
    /// (a new one, or one made from a calendar without a bound) takes these.
    ///
    /// This is how a year is added to a calendar, for example to the built-in
    /// `cn` before sopflow ships the year (see also
    /// [`BusinessCalendar::to_builder`]).
    ///
    /// # Errors
    /// [`CalendarError::InvalidCoverage`] when `from_year > to_year`;
    /// [`CalendarError::CoverageGap`] when the two ranges neither overlap nor
    /// touch (2024..2026 and 2028 would leave 2027 without holidays).
    ///
    /// # Example
    /// ```
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn().to_builder().extend_coverage(2027, 2027)?.build()?;
    /// assert_eq!(cn.covers(), Some(2024..=2027));
    ///
    /// let gap = BusinessCalendar::cn().to_builder().extend_coverage(2028, 2028);
    /// assert!(matches!(gap, Err(CalendarError::CoverageGap { covered_to: 2026, from: 2028, .. })));
    /// # Ok::<(), CalendarError>(())
    /// ```
    pub fn extend_coverage(mut self, from_year: i32, to_year: i32) -> Result<Self, CalendarError> {
        if from_year > to_year {
            return Err(CalendarError::InvalidCoverage {
                from: from_year,
                to: to_year,
            });
        }
        self.covers = Some(match self.covers {
            None => (from_year, to_year),
            Some((from, to)) => {
                if from_year > to.saturating_add(1) || to_year < from.saturating_sub(1) {
                    return Err(CalendarError::CoverageGap {
                        covered_from: from,
                        covered_to: to,
                        from: from_year,
                        to: to_year,
                    });
                }
                (from.min(from_year), to.max(to_year))
            }
        });
        Ok(self)
    }

    /// Adds the holidays, make-up working days and covered years of a text
    /// in the holiday data format, the format of `src/calendar/cn-holidays.txt`.
    ///
    /// One entry per line; `#` starts a comment; a trailing label is free text:
    ///
    /// ```text
    /// covers 2024..2026
    /// holiday 2026-02-15..2026-02-23 春节
    /// workday 2026-02-14 春节调休
    /// ```
    ///
    /// Ranges are inclusive; a label names the dates of its line (see
    /// [`CalendarBuilder::label`]). A `covers` line adds its years to the
    /// builder's covered years, as [`CalendarBuilder::extend_coverage`] does,
    /// so that data for a new year extends a calendar made with
    /// [`BusinessCalendar::to_builder`].
    ///
    /// # Errors
    /// Returns [`CalendarError::HolidayData`] with the line number of the
    /// first line that cannot be read, and [`CalendarError::CoverageGap`] when
    /// the `covers` line does not join the builder's covered years.
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveDate;
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cal = BusinessCalendar::builder("hk", chrono_tz::Asia::Hong_Kong)
    ///     .holiday_data("covers 2026\nholiday 2026-07-01 香港特别行政区成立纪念日\n")?
    ///     .build()?;
    /// assert!(!cal.is_working_day(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()));
    ///
    /// let bad = BusinessCalendar::builder("hk", chrono_tz::Asia::Hong_Kong)
    ///     .holiday_data("holiday 2026-13-01\n");
    /// assert!(matches!(bad, Err(CalendarError::HolidayData { line: 1, .. })));
    ///
    /// // A year added to the built-in calendar: 2024..2026 become 2024..2027.
    /// let cn = BusinessCalendar::cn()
    ///     .to_builder()
    ///     .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")?
    ///     .build()?;
    /// assert_eq!(cn.covers(), Some(2024..=2027));
    /// assert_eq!(cn.label(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()), Some("元旦"));
    /// # Ok::<(), CalendarError>(())
    /// ```
    pub fn holiday_data(mut self, text: &str) -> Result<Self, CalendarError> {
        let parsed = data::parse(text)?;
        if let Some((from, to)) = parsed.covers {
            self = self.extend_coverage(from, to)?;
        }
        for entry in &parsed.entries {
            let days = entry.first.iter_days().take_while(|day| *day <= entry.last);
            match entry.kind {
                data::EntryKind::Holiday => self.holidays.extend(days),
                data::EntryKind::Workday => self.workdays.extend(days),
            }
            if !entry.label.is_empty() {
                self = self.label(entry.first..=entry.last, entry.label);
            }
        }
        Ok(self)
    }

    /// Validates the parts and builds the calendar.
    ///
    /// # Errors
    /// - [`CalendarError::InvalidHours`] when an interval does not end after
    ///   it starts or is not on whole seconds;
    /// - [`CalendarError::OverlappingHours`] when two intervals overlap;
    /// - [`CalendarError::HolidayWorkday`] when a date is both a holiday and a
    ///   make-up working day;
    /// - [`CalendarError::InvalidCoverage`] when the covered years are empty
    ///   or outside 1 to 9999;
    /// - [`CalendarError::OutsideCoverage`] when a listed date lies outside
    ///   the covered years.
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveTime;
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    /// let night_shift = BusinessCalendar::builder("night", chrono_tz::UTC)
    ///     .hours(&[(hm(0, 0), hm(6, 0)), (hm(22, 0), hm(0, 0))]) // 22:00–24:00
    ///     .build();
    /// assert!(night_shift.is_ok());
    ///
    /// let overlapping = BusinessCalendar::builder("bad", chrono_tz::UTC)
    ///     .hours(&[(hm(9, 0), hm(12, 0)), (hm(11, 0), hm(13, 0))])
    ///     .build();
    /// assert!(matches!(overlapping, Err(CalendarError::OverlappingHours { .. })));
    /// ```
    pub fn build(self) -> Result<BusinessCalendar, CalendarError> {
        if let Some((from, to)) = self.covers {
            if from > to || from < MIN_YEAR || to > MAX_YEAR {
                return Err(CalendarError::InvalidCoverage { from, to });
            }
        }

        let mut hours = Vec::with_capacity(self.hours.len());
        for &(start, end) in &self.hours {
            let interval = || format!("{}-{}", clock(start), clock(end));
            if start.nanosecond() != 0 || end.nanosecond() != 0 {
                return Err(CalendarError::InvalidHours {
                    interval: interval(),
                    reason: "times must be whole seconds",
                });
            }
            let from = start.num_seconds_from_midnight();
            let to = match end.num_seconds_from_midnight() {
                0 => DAY_SECONDS,
                seconds => seconds,
            };
            if to <= from {
                return Err(CalendarError::InvalidHours {
                    interval: interval(),
                    reason: "the end is not after the start",
                });
            }
            hours.push((from, to));
        }
        hours.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(hours.len());
        for (from, to) in hours {
            match merged.last_mut() {
                Some(last) if from < last.1 => {
                    return Err(CalendarError::OverlappingHours {
                        first: interval_text(*last),
                        second: interval_text((from, to)),
                    });
                }
                Some(last) if from == last.1 => last.1 = to,
                _ => merged.push((from, to)),
            }
        }

        let mut holidays = self.holidays;
        holidays.sort_unstable();
        holidays.dedup();
        let mut workdays = self.workdays;
        workdays.sort_unstable();
        workdays.dedup();
        if let Some(&date) = workdays
            .iter()
            .find(|day| holidays.binary_search(day).is_ok())
        {
            return Err(CalendarError::HolidayWorkday { date });
        }
        if let Some((from, to)) = self.covers {
            if let Some(&date) = holidays
                .iter()
                .chain(&workdays)
                .find(|day| !(from..=to).contains(&day.year()))
            {
                return Err(CalendarError::OutsideCoverage { date, from, to });
            }
        }

        Ok(BusinessCalendar {
            fixed: FixedSpan::find(self.zone, self.covers, self.week, &holidays, &workdays),
            name: self.name,
            zone: self.zone,
            week: self.week,
            hours: merged,
            holidays,
            workdays,
            covers: self.covers,
            labels: self.labels,
        })
    }
}

impl BusinessCalendar {
    /// Starts building a calendar named `name` in the time zone `zone`.
    ///
    /// See [`CalendarBuilder`] for the defaults.
    pub fn builder(name: impl Into<String>, zone: Tz) -> CalendarBuilder {
        CalendarBuilder {
            name: name.into(),
            zone,
            week: 0b001_1111,
            hours: Vec::new(),
            holidays: Vec::new(),
            workdays: Vec::new(),
            covers: None,
            labels: Vec::new(),
        }
    }

    /// A builder holding everything this calendar has: name, zone, week,
    /// hours, holidays, make-up working days, covered years and labels.
    ///
    /// This is the library's way to extend a calendar, as `calendar cn
    /// extends cn { … }` does in a `.sop` file: add dates and
    /// [`extend_coverage`](CalendarBuilder::extend_coverage) (or
    /// [`holiday_data`](CalendarBuilder::holiday_data) with a `covers` line),
    /// then build. Setters such as [`hours`](CalendarBuilder::hours) replace
    /// what the calendar had.
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveDate;
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn()
    ///     .to_builder()
    ///     .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")?
    ///     .build()?;
    /// assert_eq!(cn.name(), "cn");
    /// assert_eq!(cn.covers(), Some(2024..=2027));
    /// assert!(!cn.is_working_day(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    /// // The 2026 data is still there.
    /// assert!(!cn.is_working_day(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()));
    /// # Ok::<(), CalendarError>(())
    /// ```
    pub fn to_builder(&self) -> CalendarBuilder {
        CalendarBuilder {
            name: self.name.clone(),
            zone: self.zone,
            week: self.week,
            hours: self.hours().collect(),
            holidays: self.holidays.clone(),
            workdays: self.workdays.clone(),
            covers: self.covers,
            labels: self.labels.clone(),
        }
    }

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

    /// Returns the instant by which a step activated at `start` must finish
    /// when it is given the duration `d`.
    ///
    /// `m`, `h`, `d` and `w` are elapsed time added to `start`. `N wd` ends at
    /// the close of business of the Nth working day after the day of `start`
    /// (that day does not count). `N wh` counts N hours of business time from
    /// `start`, see [`BusinessCalendar::add_working_time`]. A zero amount
    /// resolves to `start`.
    ///
    /// # Errors
    /// - [`CalendarError::BeyondHorizon`] when the count reaches a year that
    ///   the calendar has no holiday data for;
    /// - [`CalendarError::NoWorkingTime`] when no working time is found in
    ///   ten years;
    /// - [`CalendarError::Overflow`] when the result would be after 9999.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use sopflow::calendar::{BusinessCalendar, BusinessDuration, CalendarError, Unit};
    ///
    /// let cn = BusinessCalendar::cn();
    /// // Activated on Friday 2026-02-13 at 10:00 in Beijing, `within 2wd`:
    /// // Saturday 02-14 is a make-up working day, then 春节 lasts to 02-23.
    /// let start: DateTime<Utc> = "2026-02-13T10:00:00+08:00".parse()?;
    /// let deadline = cn.resolve(start, BusinessDuration::new(2, Unit::WorkingDay))?;
    /// assert_eq!(deadline, "2026-02-24T18:00:00+08:00".parse::<DateTime<Utc>>()?);
    ///
    /// // The built-in holiday data ends with 2026: no guess about 2027.
    /// let late: DateTime<Utc> = "2026-12-31T10:00:00+08:00".parse()?;
    /// let err = cn.resolve(late, BusinessDuration::new(1, Unit::WorkingDay)).unwrap_err();
    /// assert_eq!(err, CalendarError::BeyondHorizon { calendar: "cn".into(), year: 2027 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(
        &self,
        start: DateTime<Utc>,
        d: BusinessDuration,
    ) -> Result<DateTime<Utc>, CalendarError> {
        match d.unit {
            Unit::WorkingDay => self.add_working_days(start, d.amount),
            Unit::WorkingHour => {
                self.add_working_time(start, TimeDelta::hours(i64::from(d.amount)))
            }
            Unit::Minute | Unit::Hour | Unit::Day | Unit::Week => {
                let elapsed = d.as_elapsed().ok_or(CalendarError::Overflow)?;
                checked_add(start, elapsed)
            }
        }
    }

    /// Returns the close of business of the `working_days`-th working day
    /// strictly before `date`, for deadlines such as `by 上市日 - 5wd`.
    /// Zero working days means the close of business of `date` itself.
    ///
    /// # Errors
    /// [`CalendarError::BeyondHorizon`] when the count reaches a year without
    /// holiday data; [`CalendarError::NoWorkingTime`] when no working day is
    /// found in ten years; [`CalendarError::Overflow`] before the year 1.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, NaiveDate, Utc};
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn();
    /// // Five working days before Monday 2026-10-12: Sat 10-10 (调休), 10-09,
    /// // 10-08, then 国庆 back to 09-30 and 09-29.
    /// let listing = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
    /// let deadline = cn.resolve_back(listing, 5)?;
    /// assert_eq!(deadline, "2026-09-29T18:00:00+08:00".parse::<DateTime<Utc>>()?);
    ///
    /// let early = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    /// assert!(matches!(
    ///     cn.resolve_back(early, 2),
    ///     Err(CalendarError::BeyondHorizon { year: 2023, .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve_back(
        &self,
        date: NaiveDate,
        working_days: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if let Some(at) = self
            .fixed
            .as_ref()
            .and_then(|fixed| self.fast_back(fixed, date, working_days))
        {
            return Ok(at);
        }
        self.general_back(date, working_days)
    }

    /// [`BusinessCalendar::resolve_back`] day by day on chrono dates.
    fn general_back(
        &self,
        date: NaiveDate,
        working_days: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let mut day = date;
        let mut left = working_days;
        let mut idle = 0;
        while left > 0 {
            day = day.pred_opt().ok_or(CalendarError::Overflow)?;
            if self.check_working_day(day)? {
                left -= 1;
                idle = 0;
            } else {
                idle += 1;
                self.check_idle(idle)?;
            }
        }
        self.end_of_business(day)
    }

    /// Returns the close of business of `date`: the end of its last
    /// business-hours interval, or 24:00 without business hours. It does not
    /// matter whether `date` is a working day or a covered year, so this
    /// serves absolute deadlines such as `by 2026-06-30`.
    ///
    /// # Errors
    /// [`CalendarError::Overflow`] outside the years 1 to 9999.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, NaiveDate, Utc};
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn();
    /// let date = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    /// assert_eq!(cn.end_of_business(date)?, "2026-06-30T18:00:00+08:00".parse::<DateTime<Utc>>()?);
    /// assert_eq!(cn.end_of_business(NaiveDate::MAX), Err(CalendarError::Overflow));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn end_of_business(&self, date: NaiveDate) -> Result<DateTime<Utc>, CalendarError> {
        self.at_local(date, self.close())
    }

    /// Returns how much working time lies in `[a, b)`: the time inside
    /// business hours of working days. Zero when `b` is not after `a`.
    ///
    /// # Errors
    /// [`CalendarError::BeyondHorizon`] when the span touches a year without
    /// holiday data; [`CalendarError::Overflow`] outside the years 1 to 9999.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn();
    /// let a: DateTime<Utc> = "2026-03-02T11:00:00+08:00".parse()?;
    /// let b: DateTime<Utc> = "2026-03-03T10:00:00+08:00".parse()?;
    /// // 11–12, 13–18 on Monday and 09–10 on Tuesday.
    /// assert_eq!(cn.working_time_between(a, b)?, TimeDelta::hours(7));
    ///
    /// let c: DateTime<Utc> = "2027-01-04T10:00:00+08:00".parse()?;
    /// assert!(matches!(cn.working_time_between(a, c), Err(CalendarError::BeyondHorizon { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn working_time_between(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        if b <= a {
            return Ok(TimeDelta::zero());
        }
        if let Some(total) = self
            .fixed
            .as_ref()
            .and_then(|fixed| self.fast_between(fixed, a, b))
        {
            return Ok(total);
        }
        self.general_between(a, b)
    }

    /// [`BusinessCalendar::working_time_between`] day by day on chrono
    /// dates and instants.
    fn general_between(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        let mut total = TimeDelta::zero();
        if b <= a {
            return Ok(total);
        }
        let mut day = self.local_date(a);
        loop {
            if self.at_local(day, 0)? >= b {
                return Ok(total);
            }
            if self.check_working_day(day)? {
                for &(from, to) in self.intervals() {
                    let open = self.at_local(day, from)?.max(a);
                    let close = self.at_local(day, to)?.min(b);
                    if close > open {
                        total += close - open;
                    }
                }
            }
            day = day.succ_opt().ok_or(CalendarError::Overflow)?;
        }
    }

    /// Returns the latest instant from which `amount` of working time ends at
    /// `end`: [`add_working_time`](Self::add_working_time) run backwards, for
    /// deadlines counted back from a date (`by 上市日 - 8wh`).
    ///
    /// A result that falls exactly on an opening time is that opening time.
    /// Zero returns `end`.
    ///
    /// # Errors
    /// [`CalendarError::NegativeDuration`] for a negative `amount`;
    /// [`CalendarError::BeyondHorizon`] when the count reaches a year without
    /// holiday data; [`CalendarError::NoWorkingTime`] when no working time is
    /// found in ten years; [`CalendarError::Overflow`] before the year 1.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn();
    /// let end: DateTime<Utc> = "2026-10-08T10:00:00+08:00".parse()?; // after 国庆
    /// // One hour on 10-08, seven on 09-30 (国庆 in between is off).
    /// assert_eq!(
    ///     cn.subtract_working_time(end, TimeDelta::hours(8))?,
    ///     "2026-09-30T10:00:00+08:00".parse::<DateTime<Utc>>()?
    /// );
    /// assert_eq!(
    ///     cn.subtract_working_time(end, TimeDelta::hours(-1)),
    ///     Err(CalendarError::NegativeDuration)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subtract_working_time(
        &self,
        end: DateTime<Utc>,
        amount: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if amount < TimeDelta::zero() {
            return Err(CalendarError::NegativeDuration);
        }
        if amount.is_zero() {
            return Ok(end);
        }
        end.checked_sub_signed(amount)
            .filter(|start| start.year() >= MIN_YEAR)
            .ok_or(CalendarError::Overflow)?;
        let mut remaining = amount;
        let mut day = self.local_date(end);
        let mut idle = 0;
        loop {
            let mut counted = false;
            if self.check_working_day(day)? {
                for &(from, to) in self.intervals().iter().rev() {
                    let open = self.at_local(day, from)?;
                    if open >= end {
                        continue;
                    }
                    let close = self.at_local(day, to)?.min(end);
                    let available = close - open;
                    if available <= TimeDelta::zero() {
                        continue;
                    }
                    if remaining <= available {
                        return Ok(close - remaining);
                    }
                    remaining -= available;
                    counted = true;
                }
            }
            if counted {
                idle = 0;
            } else {
                idle += 1;
                self.check_idle(idle)?;
            }
            day = day.pred_opt().ok_or(CalendarError::Overflow)?;
        }
    }

    /// Returns the instant at which `amount` of working time has passed since
    /// `start`, counting only time inside business hours of working days.
    ///
    /// A `start` outside business hours waits for the next opening. A result
    /// that falls exactly on a closing time is that closing time, not the next
    /// opening. Zero returns `start`. The count is additive:
    /// `add(add(t, a), b) == add(t, a + b)`.
    ///
    /// # Errors
    /// [`CalendarError::NegativeDuration`] for a negative `amount`;
    /// [`CalendarError::BeyondHorizon`] when the count reaches a year without
    /// holiday data; [`CalendarError::NoWorkingTime`] when no working time is
    /// found in ten years; [`CalendarError::Overflow`] after the year 9999.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use sopflow::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let cn = BusinessCalendar::cn();
    /// let start: DateTime<Utc> = "2026-03-02T11:30:00+08:00".parse()?;
    /// // Half an hour before lunch, half an hour after.
    /// assert_eq!(
    ///     cn.add_working_time(start, TimeDelta::hours(1))?,
    ///     "2026-03-02T13:30:00+08:00".parse::<DateTime<Utc>>()?
    /// );
    /// assert_eq!(
    ///     cn.add_working_time(start, TimeDelta::hours(-1)),
    ///     Err(CalendarError::NegativeDuration)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_working_time(
        &self,
        start: DateTime<Utc>,
        amount: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if amount < TimeDelta::zero() {
            return Err(CalendarError::NegativeDuration);
        }
        if amount.is_zero() {
            return Ok(start);
        }
        // Working time never passes faster than elapsed time, so a result
        // beyond the supported years is certain when this overflows.
        checked_add(start, amount)?;
        if let Some(at) = self
            .fixed
            .as_ref()
            .and_then(|fixed| self.fast_add_time(fixed, start, amount))
        {
            return Ok(at);
        }
        self.general_add_time(start, amount)
    }

    /// [`BusinessCalendar::add_working_time`] for a positive amount, day by
    /// day on chrono dates and instants.
    fn general_add_time(
        &self,
        start: DateTime<Utc>,
        amount: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let mut remaining = amount;
        let mut day = self.local_date(start);
        let mut idle = 0;
        loop {
            let mut counted = false;
            if self.check_working_day(day)? {
                for &(from, to) in self.intervals() {
                    let close = self.at_local(day, to)?;
                    if close <= start {
                        continue;
                    }
                    let open = self.at_local(day, from)?.max(start);
                    let available = close - open;
                    if available <= TimeDelta::zero() {
                        continue;
                    }
                    if remaining <= available {
                        return Ok(open + remaining);
                    }
                    remaining -= available;
                    counted = true;
                }
            }
            if counted {
                idle = 0;
            } else {
                idle += 1;
                self.check_idle(idle)?;
            }
            day = day.succ_opt().ok_or(CalendarError::Overflow)?;
        }
    }

    /// `N wd`: close of business of the Nth working day after the day of
    /// `start`.
    fn add_working_days(
        &self,
        start: DateTime<Utc>,
        amount: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if amount == 0 {
            return Ok(start);
        }
        if let Some(at) = self
            .fixed
            .as_ref()
            .and_then(|fixed| self.fast_add_days(fixed, start, amount))
        {
            return Ok(at);
        }
        self.general_add_days(start, amount)
    }

    /// [`BusinessCalendar::add_working_days`] day by day on chrono dates.
    fn general_add_days(
        &self,
        start: DateTime<Utc>,
        amount: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if amount == 0 {
            return Ok(start);
        }
        let mut day = self.local_date(start);
        let mut left = amount;
        let mut idle = 0;
        while left > 0 {
            day = day.succ_opt().ok_or(CalendarError::Overflow)?;
            if self.check_working_day(day)? {
                left -= 1;
                idle = 0;
            } else {
                idle += 1;
                self.check_idle(idle)?;
            }
        }
        self.end_of_business(day)
    }

    /// The close of business in seconds after local midnight.
    fn close(&self) -> u32 {
        self.intervals().last().map_or(DAY_SECONDS, |&(_, to)| to)
    }

    /// [`BusinessCalendar::working_time_between`] for `a < b` on the fixed
    /// span's bitmap; `None` (use the general path) when an instant has
    /// sub-second nanos or the walk leaves the span.
    fn fast_between(
        &self,
        fixed: &FixedSpan,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Option<TimeDelta> {
        let (la, lb) = (fixed.local(a)?, fixed.local(b)?);
        let mut n = fixed.day_of(la)?;
        let mut total = 0i64;
        loop {
            let base = fixed.midnight(n);
            if base >= lb {
                return Some(TimeDelta::seconds(total));
            }
            if n >= fixed.days {
                return None;
            }
            if fixed.works(n) {
                for &(from, to) in self.intervals() {
                    let open = (base + i64::from(from)).max(la);
                    let close = (base + i64::from(to)).min(lb);
                    if close > open {
                        total += close - open;
                    }
                }
            }
            n += 1;
        }
    }

    /// [`BusinessCalendar::add_working_time`] for a positive amount that
    /// does not overflow, on the fixed span's bitmap; `None` (use the general
    /// path) for sub-second nanos, a walk that leaves the span, or a search
    /// that is about to fail for lack of working time.
    fn fast_add_time(
        &self,
        fixed: &FixedSpan,
        start: DateTime<Utc>,
        amount: TimeDelta,
    ) -> Option<DateTime<Utc>> {
        if amount.subsec_nanos() != 0 {
            return None;
        }
        let ls = fixed.local(start)?;
        let mut remaining = amount.num_seconds();
        let mut n = fixed.day_of(ls)?;
        let mut idle = 0;
        loop {
            if n >= fixed.days {
                return None;
            }
            let mut counted = false;
            if fixed.works(n) {
                let base = fixed.midnight(n);
                for &(from, to) in self.intervals() {
                    let close = base + i64::from(to);
                    if close <= ls {
                        continue;
                    }
                    let open = (base + i64::from(from)).max(ls);
                    let available = close - open;
                    if available <= 0 {
                        continue;
                    }
                    if remaining <= available {
                        return fixed.instant(open + remaining);
                    }
                    remaining -= available;
                    counted = true;
                }
            }
            if counted {
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_IDLE_DAYS {
                    return None;
                }
            }
            n += 1;
        }
    }

    /// `N wd` (N > 0) on the fixed span's bitmap; `None` (use the general
    /// path) when the count leaves the span or finds no working day.
    fn fast_add_days(
        &self,
        fixed: &FixedSpan,
        start: DateTime<Utc>,
        amount: u32,
    ) -> Option<DateTime<Utc>> {
        // The local day does not depend on sub-second nanos.
        let mut n = fixed.day_of(start.timestamp() + fixed.offset_seconds)?;
        let mut left = amount;
        let mut idle = 0;
        while left > 0 {
            n += 1;
            if n >= fixed.days {
                return None;
            }
            if fixed.works(n) {
                left -= 1;
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_IDLE_DAYS {
                    return None;
                }
            }
        }
        fixed.instant(fixed.midnight(n) + i64::from(self.close()))
    }

    /// [`BusinessCalendar::resolve_back`] on the fixed span's bitmap; `None`
    /// (use the general path) when `date` or the count leaves the span or
    /// finds no working day.
    fn fast_back(
        &self,
        fixed: &FixedSpan,
        date: NaiveDate,
        working_days: u32,
    ) -> Option<DateTime<Utc>> {
        if !(fixed.first..=fixed.last).contains(&date) {
            return None;
        }
        let mut n = i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE - fixed.epoch_day;
        let mut left = working_days;
        let mut idle = 0;
        while left > 0 {
            n -= 1;
            if n < 0 {
                return None;
            }
            if fixed.works(n) {
                left -= 1;
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_IDLE_DAYS {
                    return None;
                }
            }
        }
        fixed.instant(fixed.midnight(n) + i64::from(self.close()))
    }

    /// Fails once a search has seen too many days without working time.
    fn check_idle(&self, idle: u32) -> Result<(), CalendarError> {
        if idle > MAX_IDLE_DAYS {
            Err(CalendarError::NoWorkingTime {
                calendar: self.name.clone(),
            })
        } else {
            Ok(())
        }
    }

    /// The business-hours intervals of a working day, in seconds.
    fn intervals(&self) -> &[(u32, u32)] {
        if self.hours.is_empty() {
            WHOLE_DAY
        } else {
            &self.hours
        }
    }

    /// The civil date of `at` in the calendar's zone.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        if let Some(fixed) = &self.fixed {
            let local = at.timestamp() + fixed.offset_seconds;
            let days = local.div_euclid(i64::from(DAY_SECONDS)) + UNIX_EPOCH_DAYS_FROM_CE;
            if let Some(date) = i32::try_from(days)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
            {
                if (fixed.first..=fixed.last).contains(&date) {
                    return date;
                }
            }
        }
        at.with_timezone(&self.zone).date_naive()
    }

    /// The instant of the local civil time `seconds` after midnight of `date`
    /// (`DAY_SECONDS` is 24:00, the next midnight).
    fn at_local(&self, date: NaiveDate, seconds: u32) -> Result<DateTime<Utc>, CalendarError> {
        if let Some(fixed) = &self.fixed {
            if (fixed.first..=fixed.last).contains(&date) {
                // Plain arithmetic on seconds: this is the executor's hot path.
                let days = i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE;
                let local = days * i64::from(DAY_SECONDS) + i64::from(seconds);
                let utc = local - i64::from(fixed.offset.local_minus_utc());
                return DateTime::from_timestamp(utc, 0).ok_or(CalendarError::Overflow);
            }
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
            return Err(CalendarError::Overflow);
        }
        let local = date
            .and_time(NaiveTime::MIN)
            .checked_add_signed(TimeDelta::seconds(i64::from(seconds)))
            .ok_or(CalendarError::Overflow)?;
        Ok(self.local_to_utc(local))
    }

    /// Converts local civil time to an instant: the earlier instant of an
    /// ambiguous time, the end of the gap for a time that does not exist.
    fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        if let Some(fixed) = &self.fixed {
            if (fixed.first..=fixed.last).contains(&local.date()) {
                return Utc.from_utc_datetime(&(local - fixed.offset));
            }
        }
        match self.zone.from_local_datetime(&local).earliest() {
            Some(at) => at.with_timezone(&Utc),
            None => self.after_gap(local),
        }
    }

    /// The first instant whose local time is at or after `local`, which lies
    /// in a DST gap: the instant the gap ends.
    fn after_gap(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut probe = local;
        // Gaps in the tz database are at most a day long (Pacific/Apia, 2011).
        for _ in 0..2 * 24 * 60 {
            probe = match probe.checked_add_signed(TimeDelta::minutes(1)) {
                Some(next) => next,
                None => break,
            };
            if let Some(found) = self.zone.from_local_datetime(&probe).earliest() {
                let mut at = found.with_timezone(&Utc);
                // The gap may end between whole minutes: step back to it.
                for _ in 0..60 {
                    let before = at - TimeDelta::seconds(1);
                    if before.with_timezone(&self.zone).naive_local() < local {
                        break;
                    }
                    at = before;
                }
                return at;
            }
        }
        // Unreachable with the tz database; read `local` with the offset in
        // force at the same UTC reading rather than fail.
        let offset = self.zone.offset_from_utc_datetime(&local).fix();
        let utc = local - TimeDelta::seconds(i64::from(offset.local_minus_utc()));
        Utc.from_utc_datetime(&utc)
    }
}

/// Adds elapsed time, failing outside the supported years.
fn checked_add(start: DateTime<Utc>, delta: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
    start
        .checked_add_signed(delta)
        .filter(|end| end.year() <= MAX_YEAR)
        .ok_or(CalendarError::Overflow)
}

/// A local time of day from seconds since midnight, below `DAY_SECONDS`.
fn time_of(seconds: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
        .expect("callers pass seconds below DAY_SECONDS")
}

/// `HH:MM`, or `HH:MM:SS` when there are seconds, for seconds since midnight
/// up to `DAY_SECONDS` (24:00).
fn clock_text(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A `NaiveTime` as `HH:MM` or `HH:MM:SS` (sub-seconds are not shown).
fn clock(time: NaiveTime) -> String {
    clock_text(time.num_seconds_from_midnight())
}

/// An interval as `HH:MM-HH:MM`.
fn interval_text((from, to): (u32, u32)) -> String {
    format!("{}-{}", clock_text(from), clock_text(to))
}

/// Parses `HH:MM` or `HH:MM:SS` into seconds since midnight; `24:00` is
/// `DAY_SECONDS`.
fn parse_clock(text: &str) -> Option<u32> {
    let mut parts = text.split(':');
    let mut field = |max: u32| -> Option<u32> {
        let part = parts.next()?;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok().filter(|value| *value <= max)
    };
    let h = field(24)?;
    let m = field(59)?;
    let s = if text.len() > 5 { field(59)? } else { 0 };
    if parts.next().is_some() {
        return None;
    }
    let seconds = h * 3600 + m * 60 + s;
    (seconds <= DAY_SECONDS).then_some(seconds)
}

/// The serialized form of a [`BusinessCalendar`].
#[derive(Serialize, Deserialize)]
#[serde(rename = "BusinessCalendar", deny_unknown_fields)]
struct CalendarRepr {
    name: String,
    /// IANA name, such as `Asia/Shanghai`.
    zone: String,
    week: Vec<Weekday>,
    /// `["09:00", "12:00"]`; `"24:00"` ends the day.
    #[serde(default)]
    hours: Vec<[String; 2]>,
    #[serde(default)]
    holidays: Vec<NaiveDate>,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
    #[serde(default)]
    covers: Option<[i32; 2]>,
}

impl From<BusinessCalendar> for CalendarRepr {
    fn from(calendar: BusinessCalendar) -> Self {
        CalendarRepr {
            zone: calendar.zone.name().to_owned(),
            week: calendar.working_week().collect(),
            hours: calendar
                .hours
                .iter()
                .map(|&(from, to)| [clock_text(from), clock_text(to)])
                .collect(),
            covers: calendar.covers.map(|(from, to)| [from, to]),
            name: calendar.name,
            holidays: calendar.holidays,
            workdays: calendar.workdays,
        }
    }
}

impl TryFrom<CalendarRepr> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(repr: CalendarRepr) -> Result<Self, Self::Error> {
        let zone: Tz = repr.zone.parse().map_err(|_| CalendarError::UnknownZone {
            zone: repr.zone.clone(),
        })?;
        let mut hours = Vec::with_capacity(repr.hours.len());
        for [from, to] in &repr.hours {
            let invalid = || CalendarError::InvalidHours {
                interval: format!("{from}-{to}"),
                reason: "times must be written HH:MM or HH:MM:SS, up to 24:00",
            };
            let start = parse_clock(from)
                .filter(|seconds| *seconds < DAY_SECONDS)
                .ok_or_else(invalid)?;
            let end = parse_clock(to).ok_or_else(invalid)?;
            if end == 0 {
                // 00:00 as an end would read as 24:00 in the builder.
                return Err(CalendarError::InvalidHours {
                    interval: format!("{from}-{to}"),
                    reason: "the end is not after the start",
                });
            }
            hours.push((time_of(start), time_of(end % DAY_SECONDS)));
        }
        let mut builder = BusinessCalendar::builder(repr.name, zone)
            .week(&repr.week)
            .hours(&hours);
        builder.holidays = repr.holidays;
        builder.workdays = repr.workdays;
        builder.covers = repr.covers.map(|[from, to]| (from, to));
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed-offset fast path agrees with the tz database on every day it covers.
    #[test]
    fn fixed_offset_fast_path_matches_the_zone() {
        let cn = BusinessCalendar::cn();
        assert!(
            cn.fixed.is_some(),
            "Asia/Shanghai has one offset in 2024-2026"
        );
        let mut day = NaiveDate::from_ymd_opt(2023, 12, 30).unwrap();
        while day <= NaiveDate::from_ymd_opt(2027, 1, 2).unwrap() {
            for seconds in [0, 1, 9 * 3600, 12 * 3600 + 30 * 60, 86_399, DAY_SECONDS] {
                let local = day.and_time(NaiveTime::MIN) + TimeDelta::seconds(i64::from(seconds));
                let expected = cn
                    .zone
                    .from_local_datetime(&local)
                    .earliest()
                    .unwrap()
                    .with_timezone(&Utc);
                assert_eq!(
                    cn.at_local(day, seconds).unwrap(),
                    expected,
                    "{day} +{seconds}s"
                );
                assert_eq!(
                    cn.local_date(expected),
                    expected.with_timezone(&cn.zone).date_naive()
                );
            }
            day = day.succ_opt().unwrap();
        }
        let berlin = BusinessCalendar::builder("b", chrono_tz::Europe::Berlin)
            .covers(2026, 2026)
            .build()
            .unwrap();
        assert!(berlin.fixed.is_none(), "Berlin changes offset twice a year");
    }

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random instant from a few days before 2024 to a few days after 2026,
    /// often on round local times (openings, closings, midnights).
    fn instant(rng: &mut Rng, nanos: bool) -> DateTime<Utc> {
        let from = "2023-12-28T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let span = 3 * 366 * 86_400 + 10 * 86_400;
        let seconds = match rng.below(3) {
            0 => rng.below(span),
            1 => rng.below(span / 3600) * 3600,
            _ => rng.below(span / 1800) * 1800,
        };
        let at = from + TimeDelta::seconds(seconds as i64);
        if nanos && rng.below(4) == 0 {
            at + TimeDelta::nanoseconds(1 + rng.below(999_999_999) as i64)
        } else {
            at
        }
    }

    /// Compares every public entry point with the general (day by day,
    /// chrono) path on random inputs; returns how often the fast path answered.
    fn compare_fast_and_general(calendar: &BusinessCalendar, seed: u64) -> usize {
        let mut rng = Rng(seed);
        let mut fast = 0;
        for _ in 0..4000 {
            let a = instant(&mut rng, true);
            let b = if rng.below(2) == 0 {
                a + TimeDelta::seconds(rng.below(40 * 86_400) as i64)
            } else {
                instant(&mut rng, true)
            };
            let between = calendar.working_time_between(a, b);
            assert_eq!(between, calendar.general_between(a, b), "between {a} {b}");
            if let Some(fixed) = &calendar.fixed {
                fast += usize::from(b > a && calendar.fast_between(fixed, a, b).is_some());
            }

            let amount = match rng.below(3) {
                0 => TimeDelta::seconds(rng.below(400 * 3600) as i64),
                1 => TimeDelta::hours(rng.below(200) as i64),
                _ => TimeDelta::milliseconds(rng.below(100_000_000) as i64),
            };
            let added = calendar.add_working_time(a, amount);
            let general = if amount.is_zero() {
                Ok(a)
            } else {
                calendar.general_add_time(a, amount)
            };
            assert_eq!(added, general, "add {a} {amount}");
            if let Some(fixed) = &calendar.fixed {
                fast += usize::from(calendar.fast_add_time(fixed, a, amount).is_some());
            }

            let days = rng.below(90) as u32;
            let wd = calendar.resolve(a, BusinessDuration::new(days, Unit::WorkingDay));
            assert_eq!(wd, calendar.general_add_days(a, days), "{a} + {days}wd");
            let wh = calendar.resolve(a, BusinessDuration::new(days, Unit::WorkingHour));
            let general = if days == 0 {
                Ok(a)
            } else {
                calendar.general_add_time(a, TimeDelta::hours(i64::from(days)))
            };
            assert_eq!(wh, general, "{a} + {days}wh");
            if let Some(fixed) = &calendar.fixed {
                fast += usize::from(days > 0 && calendar.fast_add_days(fixed, a, days).is_some());
            }

            let date = a.with_timezone(&calendar.zone).date_naive();
            assert_eq!(
                calendar.resolve_back(date, days),
                calendar.general_back(date, days),
                "{date} - {days}wd"
            );
            if let Some(fixed) = &calendar.fixed {
                fast += usize::from(calendar.fast_back(fixed, date, days).is_some());
            }
            let close = calendar.close();
            let expected = if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
                let local = date.and_time(NaiveTime::MIN) + TimeDelta::seconds(i64::from(close));
                Ok(calendar.local_to_utc(local))
            } else {
                Err(CalendarError::Overflow)
            };
            assert_eq!(calendar.end_of_business(date), expected, "close of {date}");
        }
        fast
    }

    /// The bitmap fast paths agree with the general path; the general path
    /// alone serves zones whose offset changes.
    #[test]
    fn fast_paths_match_the_general_path() {
        let cn = BusinessCalendar::cn();
        let fast = compare_fast_and_general(&cn, 0x5eed_0001);
        assert!(fast > 8000, "the fast path answered {fast} times");

        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let whole_days = BusinessCalendar::builder("tokyo", chrono_tz::Asia::Tokyo)
            .week(&[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
            ])
            .holidays(date(2024, 12, 29)..=date(2025, 1, 3))
            .holiday(date(2026, 5, 5))
            .workday(date(2025, 3, 9))
            .covers(2024, 2026)
            .build()
            .unwrap();
        assert!(whole_days.fixed.is_some() && whole_days.hours.is_empty());
        let fast = compare_fast_and_general(&whole_days, 0x5eed_0002);
        assert!(fast > 8000, "the fast path answered {fast} times");

        // A week without working days: searches fail the same way.
        let idle = BusinessCalendar::builder("idle", chrono_tz::UTC)
            .week(&[])
            .covers(2000, 2040)
            .build()
            .unwrap();
        let start = "2024-03-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(matches!(
            idle.resolve(start, BusinessDuration::new(1, Unit::WorkingDay)),
            Err(CalendarError::NoWorkingTime { .. })
        ));
        assert!(matches!(
            idle.add_working_time(start, TimeDelta::hours(1)),
            Err(CalendarError::NoWorkingTime { .. })
        ));

        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
            .hours(&[(hm(9, 0), hm(17, 0))])
            .holiday(date(2025, 12, 25))
            .covers(2024, 2026)
            .build()
            .unwrap();
        assert!(berlin.fixed.is_none(), "Berlin uses the general path");
        assert_eq!(compare_fast_and_general(&berlin, 0x5eed_0003), 0);
    }

    #[test]
    fn clock_round_trips() {
        for seconds in [
            0,
            1,
            59,
            60,
            9 * 3600,
            12 * 3600 + 30 * 60 + 15,
            DAY_SECONDS,
        ] {
            assert_eq!(parse_clock(&clock_text(seconds)), Some(seconds));
        }
        for bad in [
            "24:01",
            "9:00",
            "09:60",
            "09:00:",
            "09-00",
            "",
            "25:00",
            "09:00:00:00",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn gap_resolves_to_its_end() {
        let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
            .build()
            .expect("default calendar is valid");
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).expect("valid date");
        // 02:30 does not exist in Berlin on 2026-03-29: clocks jump 02:00 → 03:00.
        let at = berlin.at_local(day, 2 * 3600 + 1800).expect("in range");
        assert_eq!(at.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        // Lord Howe moves by 30 minutes, at 02:00 → 02:30.
        let lord_howe = BusinessCalendar::builder("lh", chrono_tz::Australia::Lord_Howe)
            .build()
            .expect("default calendar is valid");
        let day = NaiveDate::from_ymd_opt(2025, 10, 5).expect("valid date");
        let at = lord_howe.at_local(day, 2 * 3600 + 600).expect("in range");
        assert_eq!(
            at.with_timezone(&chrono_tz::Australia::Lord_Howe)
                .to_rfc3339(),
            "2025-10-05T02:30:00+11:00"
        );
    }

    #[test]
    fn fold_resolves_to_the_earlier_instant() {
        let berlin = BusinessCalendar::builder("berlin", chrono_tz::Europe::Berlin)
            .build()
            .expect("default calendar is valid");
        let day = NaiveDate::from_ymd_opt(2026, 10, 25).expect("valid date");
        let at = berlin.at_local(day, 2 * 3600 + 1800).expect("in range");
        assert_eq!(at.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }
}
