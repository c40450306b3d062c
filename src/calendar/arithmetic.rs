//! Working-time arithmetic on the general path: `resolve` (a deadline from an
//! activation and a span), `resolve_back`, `working_time_between`,
//! `add_working_time` and `subtract_working_time`, walking local days through
//! the tz database.
//!
//! Each public method first tries the fixed-offset fast path (`fast.rs`) and
//! falls back here; both give the same answer (tested in `tests.rs`). Every
//! walk stops after `MAX_IDLE_DAYS` without working time and at the edge of
//! the covered years (`BeyondHorizon`), never guessing.

use super::*;

impl BusinessCalendar {
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
    pub(super) fn general_back(
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
    pub(super) fn general_between(
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
    pub(super) fn general_add_time(
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
    pub(super) fn general_add_days(
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
}
