//! Deadline arithmetic at activation: due instants, warning instants,
//! escalation instants and pause extensions, on the elapsed or the business clock.
//!
//! # Provisional deadlines
//!
//! A calendar refuses to count through a year it has no holiday data for
//! ([`CalendarError::BeyondHorizon`]). A missing year must never block work,
//! so every business-clock computation here goes through
//! [`Ctx::on_calendar`]: when the process calendar refuses, the same
//! computation runs on [`BusinessCalendar::unbounded`] (the working week and
//! business hours alone) and the missing year is recorded in `Ctx::gap`.
//! The caller marks what it computed as provisional and says which year
//! lacked data; [`Instance::revise_deadlines`](super::Instance::revise_deadlines)
//! recomputes it once the host has the data.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::calendar::{BusinessCalendar, BusinessDuration, CalendarError, Unit};
use crate::model::{Anchor, Deadline, Level, Warn};

use super::{Ctx, ExecError};

/// A computed deadline: the due instant, the warning instant, and the first
/// year the calendar lacked (set when the deadline is provisional).
pub(super) type Computed = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<i32>);

impl Ctx<'_, '_> {
    fn calendar(&self) -> Result<&BusinessCalendar, ExecError> {
        match self.p.calendar.as_deref() {
            Some(calendar) => Ok(calendar),
            None => Err(ExecError::NoCalendar),
        }
    }

    /// Runs `f` on the process calendar; where the calendar lacks a year's
    /// holiday data, records the year and runs `f` on the unbounded calendar.
    fn on_calendar<T>(
        &self,
        f: impl Fn(&BusinessCalendar) -> Result<T, CalendarError>,
    ) -> Result<T, ExecError> {
        let calendar = self.calendar()?;
        match f(calendar) {
            Err(CalendarError::BeyondHorizon { year, .. }) => {
                if self.gap.get().is_none() {
                    self.gap.set(Some(year));
                }
                let unbounded = self.p.unbounded.get_or_init(|| calendar.unbounded());
                Ok(f(unbounded)?)
            }
            other => Ok(other?),
        }
    }

    /// The deadline and warning of a step (or of the process, `None`)
    /// activated at `at`, after checking that its escalation instants can be
    /// computed, with the first year the calendar lacked (a provisional
    /// deadline). Errors name the step and the deadline.
    pub(super) fn deadline(
        &self,
        step: Option<usize>,
        at: DateTime<Utc>,
    ) -> Result<Computed, ExecError> {
        let (deadline, ladder) = match step {
            Some(i) => (self.step(i).deadline.as_ref(), &*self.step(i).ladder),
            None => (
                self.p.def.header().deadline.as_ref(),
                &self.p.def.header().ladder,
            ),
        };
        self.gap.set(None);
        let computed = (|| {
            let business = self.is_business(deadline);
            let due = self.due(deadline, at)?;
            let warn_at = self.warn(ladder.warn, at, due, business)?;
            self.check_levels(ladder, due)?;
            self.rel_opt(due)?;
            Ok((due, warn_at))
        })();
        let gap = self.gap.take();
        match computed {
            Ok((due, warn_at)) => Ok((due, warn_at, gap)),
            Err(reason) => Err(ExecError::Deadline {
                step: step.map(|i| self.step(i).key.clone()),
                deadline: deadline.map_or_else(String::new, |d| self.describe(d)),
                reason: Box::new(reason),
            }),
        }
    }

    /// A deadline as the SOP writes it, for the instance's priority.
    fn describe(&self, deadline: &Deadline) -> String {
        match deadline {
            Deadline::Within(sla) => match sla.for_priority(self.attrs.priority.as_deref()) {
                Some(d) => format!("within {d}"),
                None => "within".to_owned(),
            },
            Deadline::By { anchor, minus } => {
                let anchor = match anchor {
                    Anchor::Date(date) => date.to_string(),
                    Anchor::Attribute(name) => name.clone(),
                };
                match minus {
                    Some(d) => format!("by {anchor} - {d}"),
                    None => format!("by {anchor}"),
                }
            }
        }
    }

    /// The name of the process calendar, for events about missing data.
    pub(super) fn calendar_name(&self) -> &str {
        self.p
            .calendar
            .as_deref()
            .map_or("", BusinessCalendar::name)
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
                let close = self.end_of_day(date)?;
                if close <= at {
                    // Already past: due at activation, whatever the offset
                    // (and whatever years the calendar covers).
                    return Ok(Some(at));
                }
                match minus {
                    None => close,
                    Some(d) => match d.unit {
                        Unit::WorkingDay => self.on_calendar(|c| c.resolve_back(date, d.amount))?,
                        Unit::WorkingHour => {
                            let hours = TimeDelta::hours(i64::from(d.amount));
                            self.on_calendar(|c| {
                                c.subtract_working_time(c.end_of_business(date)?, hours)
                            })?
                        }
                        _ => {
                            let elapsed = d.as_elapsed().ok_or(ExecError::Overflow)?;
                            close
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
        if let Some(calendar) = self.p.calendar.as_deref() {
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
            self.on_calendar(|c| c.resolve(at, d))
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
    ///
    /// On the business clock (`business`), the warning counts working time:
    /// `warn at 80%` is 80 % of the working time in the window; `warn 4h
    /// before` (or `4wh`, or minutes) is 4 working hours before the due;
    /// `warn 1d before` (or `1wd`) is the close of business of the working
    /// day before the due's, and `warn 1w before` as many working days as
    /// the calendar's week has. On the elapsed clock, a `wd`/`wh` offset
    /// still counts on the calendar, and other offsets are elapsed time.
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
                    self.on_calendar(|c| {
                        let total = c.working_time_between(at, due)?;
                        c.add_working_time(at, TimeDelta::seconds(total.num_seconds() * pc / 100))
                    })?
                } else {
                    at + TimeDelta::seconds((due - at).num_seconds() * pc / 100)
                }
            }
            Warn::Before(d) => {
                let days = match d.unit {
                    Unit::WorkingDay => Some(d.amount),
                    Unit::Day if business => Some(d.amount),
                    Unit::Week if business => {
                        let week = self.calendar()?.working_week().count();
                        Some(d.amount.saturating_mul(u32::try_from(week).unwrap_or(5)))
                    }
                    _ => None,
                };
                let working = d.unit == Unit::WorkingHour
                    || (business && matches!(d.unit, Unit::Hour | Unit::Minute));
                if let Some(days) = days {
                    self.on_calendar(|c| {
                        let date = due.with_timezone(&c.zone()).date_naive();
                        c.resolve_back(date, days)
                    })?
                } else if working {
                    let amount = match d.unit {
                        Unit::WorkingHour => TimeDelta::hours(i64::from(d.amount)),
                        _ => d.as_elapsed().ok_or(ExecError::Overflow)?,
                    };
                    self.on_calendar(|c| {
                        // Counting back no further than the window keeps the
                        // walk inside the years the window spans.
                        if amount >= c.working_time_between(at, due)? {
                            Ok(at)
                        } else {
                            c.subtract_working_time(due, amount)
                        }
                    })?
                } else {
                    let amount = d.as_elapsed().ok_or(ExecError::Overflow)?;
                    due.checked_sub_signed(amount).unwrap_or(at)
                }
            }
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
            self.on_calendar(|c| c.add_working_time(t, amount))
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
            self.on_calendar(|c| c.working_time_between(from, to))
        } else {
            Ok((to - from).max(TimeDelta::zero()))
        }
    }
}
