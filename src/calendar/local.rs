//! Local time: a calendar's business hours in seconds after local midnight,
//! conversions between UTC and the calendar's zone (a time in a DST gap
//! resolves to the gap's end, one in a fold to the earlier instant), and
//! `HH:MM` text for clock times.

use super::*;

impl BusinessCalendar {
    /// The business-hours intervals of a working day, in seconds.
    pub(super) fn intervals(&self) -> &[(u32, u32)] {
        if self.hours.is_empty() {
            WHOLE_DAY
        } else {
            &self.hours
        }
    }

    /// The civil date of `at` in the calendar's zone.
    pub(super) fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
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
    pub(super) fn at_local(
        &self,
        date: NaiveDate,
        seconds: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
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
    pub(super) fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
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
pub(super) fn checked_add(
    start: DateTime<Utc>,
    delta: TimeDelta,
) -> Result<DateTime<Utc>, CalendarError> {
    start
        .checked_add_signed(delta)
        .filter(|end| end.year() <= MAX_YEAR)
        .ok_or(CalendarError::Overflow)
}

/// A local time of day from seconds since midnight, below `DAY_SECONDS`.
pub(super) fn time_of(seconds: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
        .expect("callers pass seconds below DAY_SECONDS")
}

/// `HH:MM`, or `HH:MM:SS` when there are seconds, for seconds since midnight
/// up to `DAY_SECONDS` (24:00).
pub(super) fn clock_text(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A `NaiveTime` as `HH:MM` or `HH:MM:SS` (sub-seconds are not shown).
pub(super) fn clock(time: NaiveTime) -> String {
    clock_text(time.num_seconds_from_midnight())
}

/// An interval as `HH:MM-HH:MM`.
pub(super) fn interval_text((from, to): (u32, u32)) -> String {
    format!("{}-{}", clock_text(from), clock_text(to))
}

/// Parses `HH:MM` or `HH:MM:SS` into seconds since midnight; `24:00` is
/// `DAY_SECONDS`.
pub(super) fn parse_clock(text: &str) -> Option<u32> {
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
