//! The fast path: [`FixedSpan`], the covered years of a zone with one UTC
//! offset and a bitmap of their working days, and the arithmetic that answers
//! from it with integers on seconds.
//!
//! Each `fast_*` method returns `None` (use the general path) whenever it
//! cannot answer exactly: sub-second instants, or a walk that leaves the span.

use super::*;

/// Days from 0001-01-01 (day 1 of the common era, as chrono counts) to 1970-01-01.
pub(super) const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// A range of local dates on which a zone has one UTC offset, with the
/// working days of that range as a bitmap: the executor's hot paths answer
/// from it with integer arithmetic on seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FixedSpan {
    pub(super) first: NaiveDate,
    pub(super) last: NaiveDate,
    pub(super) offset: chrono::FixedOffset,
    /// `offset` in seconds (local minus UTC).
    pub(super) offset_seconds: i64,
    /// Days from 1970-01-01 to `first`.
    pub(super) epoch_day: i64,
    /// Days in `first..=last`.
    pub(super) days: i64,
    /// Bit `n` (of word `n / 64`) is set when the `n`th day of the span
    /// works. Derived from the calendar's week, holidays and make-up days.
    pub(super) working: Box<[u64]>,
}

impl FixedSpan {
    /// Samples the zone's offset twice a day from the day before `first` to
    /// the day after `last`. DST and other offset changes last far longer than
    /// twelve hours, so one offset at every sample means one offset throughout.
    pub(super) fn find(
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
    pub(super) fn midnight(&self, n: i64) -> i64 {
        (self.epoch_day + n) * i64::from(DAY_SECONDS)
    }

    /// Whether day `n` of the span (`0 <= n < days`) works.
    pub(super) fn works(&self, n: i64) -> bool {
        self.working[(n / 64) as usize] & (1 << (n % 64)) != 0
    }

    /// Local seconds of an instant on whole seconds, or `None`.
    pub(super) fn local(&self, at: DateTime<Utc>) -> Option<i64> {
        (at.timestamp_subsec_nanos() == 0).then(|| at.timestamp() + self.offset_seconds)
    }

    /// The instant of local second `local`.
    pub(super) fn instant(&self, local: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(local - self.offset_seconds, 0)
    }
}

impl BusinessCalendar {
    /// The close of business in seconds after local midnight.
    pub(super) fn close(&self) -> u32 {
        self.intervals().last().map_or(DAY_SECONDS, |&(_, to)| to)
    }

    /// [`BusinessCalendar::working_time_between`] for `a < b` on the fixed
    /// span's bitmap; `None` (use the general path) when an instant has
    /// sub-second nanos or the walk leaves the span.
    pub(super) fn fast_between(
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
    pub(super) fn fast_add_time(
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
    pub(super) fn fast_add_days(
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
    pub(super) fn fast_back(
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
}
