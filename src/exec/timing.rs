//! Deadline arithmetic at activation: due instants, warning instants,
//! escalation instants and pause extensions, on the elapsed or the business clock.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::calendar::{BusinessCalendar, BusinessDuration, Unit};
use crate::model::{Anchor, Deadline, Level, Warn};

use super::{Ctx, ExecError};

impl Ctx<'_, '_> {
    fn calendar(&self) -> Result<&BusinessCalendar, ExecError> {
        match self.p.def.calendar() {
            Some(calendar) => Ok(calendar),
            None => Err(ExecError::NoCalendar),
        }
    }

    /// Whether a deadline runs on the business clock: only `within` a
    /// `wd`/`wh` duration. A `by` deadline is a date, not a duration: its
    /// warning percentage and pause extensions use elapsed time.
    pub(super) fn is_business(&self, deadline: Option<&Deadline>) -> bool {
        match deadline {
            Some(Deadline::Within(sla)) => sla
                .for_priority(self.attrs.priority.as_deref())
                .is_some_and(|d| d.unit.is_business()),
            Some(Deadline::By { .. }) | None => false,
        }
    }

    /// The deadline of something activated at `at`; never before `at`.
    pub(super) fn due(
        &self,
        deadline: Option<&Deadline>,
        at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ExecError> {
        let due = match deadline {
            None => return Ok(None),
            Some(Deadline::Within(sla)) => match sla.for_priority(self.attrs.priority.as_deref()) {
                None => return Ok(None),
                Some(d) => self.add(at, d)?,
            },
            Some(Deadline::By { anchor, minus }) => {
                let date = match anchor {
                    Anchor::Date(date) => *date,
                    Anchor::Attribute(name) => self
                        .attrs
                        .date(name)
                        .ok_or_else(|| ExecError::MissingAttribute(name.clone()))?,
                };
                match minus {
                    None => self.end_of_day(date)?,
                    Some(d) => match d.unit {
                        Unit::WorkingDay => self.calendar()?.resolve_back(date, d.amount)?,
                        Unit::WorkingHour => {
                            let hours = TimeDelta::hours(i64::from(d.amount));
                            let calendar = self.calendar()?;
                            calendar
                                .subtract_working_time(calendar.end_of_business(date)?, hours)?
                        }
                        _ => {
                            let elapsed = d.as_elapsed().ok_or(ExecError::Overflow)?;
                            self.end_of_day(date)?
                                .checked_sub_signed(elapsed)
                                .ok_or(ExecError::Overflow)?
                        }
                    },
                }
            }
        };
        Ok(Some(due.max(at)))
    }

    /// The close of business of `date`, or 24:00 in the process zone without a calendar.
    fn end_of_day(&self, date: NaiveDate) -> Result<DateTime<Utc>, ExecError> {
        if let Some(calendar) = self.p.def.calendar() {
            return Ok(calendar.end_of_business(date)?);
        }
        let next = date.succ_opt().ok_or(ExecError::Overflow)?;
        let midnight = next.and_hms_opt(0, 0, 0).ok_or(ExecError::Overflow)?;
        use chrono::TimeZone;
        let local = self
            .p
            .zone
            .from_local_datetime(&midnight)
            .earliest()
            .ok_or(ExecError::Overflow)?;
        Ok(local.with_timezone(&Utc))
    }

    /// `at` plus `d`, on the calendar for `wd`/`wh`.
    fn add(&self, at: DateTime<Utc>, d: BusinessDuration) -> Result<DateTime<Utc>, ExecError> {
        if d.unit.is_business() {
            Ok(self.calendar()?.resolve(at, d)?)
        } else {
            match d
                .as_elapsed()
                .and_then(|elapsed| at.checked_add_signed(elapsed))
            {
                Some(t) => Ok(t),
                None => Err(ExecError::Overflow),
            }
        }
    }

    /// The warning instant for a window `[at, due]`, between the two.
    pub(super) fn warn(
        &self,
        warn: Option<Warn>,
        at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        business: bool,
    ) -> Result<Option<DateTime<Utc>>, ExecError> {
        let (Some(warn), Some(due)) = (warn, due) else {
            return Ok(None);
        };
        let instant = match warn {
            Warn::Percent(pc) => {
                let pc = i64::from(pc.min(100));
                if business {
                    let calendar = self.calendar()?;
                    let total = calendar.working_time_between(at, due)?;
                    calendar
                        .add_working_time(at, TimeDelta::seconds(total.num_seconds() * pc / 100))?
                } else {
                    at + TimeDelta::seconds((due - at).num_seconds() * pc / 100)
                }
            }
            Warn::Before(d) => match d.unit {
                Unit::WorkingDay => {
                    let calendar = self.calendar()?;
                    let date = due.with_timezone(&calendar.zone()).date_naive();
                    calendar.resolve_back(date, d.amount)?
                }
                Unit::WorkingHour => {
                    let calendar = self.calendar()?;
                    let total = calendar.working_time_between(at, due)?;
                    let before = TimeDelta::hours(i64::from(d.amount));
                    if before >= total {
                        at
                    } else {
                        calendar.add_working_time(at, total - before)?
                    }
                }
                _ => due
                    .checked_sub_signed(d.as_elapsed().ok_or(ExecError::Overflow)?)
                    .ok_or(ExecError::Overflow)?,
            },
        };
        Ok(Some(instant.clamp(at, due)))
    }

    /// The instant of an escalation level: the deadline plus the level's offset.
    pub(super) fn level(
        &self,
        level: &Level,
        due: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, ExecError> {
        match level.after {
            None => Ok(due),
            Some(d) => self.add(due, d),
        }
    }

    /// Moves `t` by the time between `from` and `to` on the given clock;
    /// returns the moved instant and the amount.
    pub(super) fn shift(
        &self,
        business: bool,
        t: DateTime<Utc>,
        amount: TimeDelta,
    ) -> Result<DateTime<Utc>, ExecError> {
        if business {
            Ok(self.calendar()?.add_working_time(t, amount)?)
        } else {
            t.checked_add_signed(amount).ok_or(ExecError::Overflow)
        }
    }

    /// The time between `from` and `to` on the given clock.
    pub(super) fn between(
        &self,
        business: bool,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<TimeDelta, ExecError> {
        if business {
            Ok(self.calendar()?.working_time_between(from, to)?)
        } else {
            Ok((to - from).max(TimeDelta::zero()))
        }
    }
}
