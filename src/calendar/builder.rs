//! [`CalendarBuilder`]: the parts of a calendar collected one by one, then
//! validated by `build` (sorted, merged hours; holidays and make-up days
//! disjoint and inside the covered years), and the two ways to start one,
//! [`BusinessCalendar::builder`] and [`BusinessCalendar::to_builder`].

use super::*;

/// Collects the parts of a [`BusinessCalendar`]; [`CalendarBuilder::build`]
/// validates them.
///
/// A new builder works Monday to Friday, has no business hours (the whole
/// day counts), no holidays and no bound on its years.
#[derive(Debug, Clone)]
#[must_use]
pub struct CalendarBuilder {
    pub(super) name: String,
    pub(super) zone: Tz,
    pub(super) week: u8,
    pub(super) hours: Vec<(NaiveTime, NaiveTime)>,
    pub(super) holidays: Vec<NaiveDate>,
    pub(super) workdays: Vec<NaiveDate>,
    pub(super) covers: Option<(i32, i32)>,
    pub(super) labels: Vec<Label>,
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
}
