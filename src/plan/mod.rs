//! Static schedules: when each step of a process starts and is due if every
//! step before it takes its full SLA, the critical path, the slack of every
//! step, and whether the process's own `within`/`by` can be met.
//!
//! A plan is a pure function of a [`Definition`], a start instant and the
//! instance [`Attributes`] (the priority that selects an SLA, the dates `by`
//! deadlines name). It reads no clock. Durations count on the process
//! calendar as the executor counts them (`wd`/`wh` in working time, other
//! units in elapsed time); slack and path lengths are measured in working
//! time when the process has a calendar (from the close of the start day, as
//! `within 3wd` counts three working days after the day work starts), in
//! elapsed time otherwise.
//!
//! Assumptions, stated in every rendering: a step without a deadline takes
//! no time; a choice may take any of its outcomes, so the longest counts;
//! a step with several arrows in starts when the last of them is done;
//! rework (send-back) arrows are not taken.
//!
//! # Example
//! ```
//! use sopflow::exec::Attributes;
//! use sopflow::plan::plan;
//!
//! let def = sopflow::parse(
//!     "process 上新 { calendar cn within 5wd }\n市场部:提交需求 within 3wd → 研发部:评估 within 3wd",
//!     "上新.sop",
//! ).unwrap();
//! // Monday 2026-03-02, 09:00 in Beijing.
//! let start = "2026-03-02T09:00:00+08:00".parse().unwrap();
//! let plan = plan(&def, start, &Attributes::new()).unwrap();
//! assert_eq!(plan.critical_path, ["市场部:提交需求", "研发部:评估"]);
//! let deadline = plan.deadline.as_ref().unwrap();
//! assert!(!deadline.feasible); // 6 working days on the path, 5 allowed
//! assert_eq!(deadline.over_minutes, 8 * 60); // one working day of 8 hours
//! ```

mod render;
mod scan;

pub(crate) use render::duration;
pub use render::{render, render_scan};
pub use scan::{scan, ScanDay, ScanReport};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::calendar::{BusinessCalendar, BusinessDuration, CalendarError, Unit};
use crate::exec::Attributes;
use crate::model::{Anchor, Condition, Deadline, Definition, StepId};

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A `by` deadline names a date attribute that was not given.
    #[error("missing attribute `{0}`: give it as --attr {0}=YYYY-MM-DD")]
    MissingAttribute(String),
    /// The calendar could not compute a deadline.
    #[error("cannot compute the deadline of `{step}`: {source}")]
    Calendar {
        /// The step, or the process name for the process deadline.
        step: String,
        /// What the calendar said.
        source: CalendarError,
    },
    /// A date or duration left the range chrono can represent.
    #[error("a date in the plan is out of range")]
    Overflow,
}

/// How plan lengths are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Measure {
    /// Working time on the process calendar; a working day has this many minutes.
    Working {
        /// Minutes of work in a full working day of the calendar.
        minutes_per_day: i64,
    },
    /// Elapsed (calendar) time: the process has no calendar.
    Elapsed,
}

/// The schedule of one process started at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The process name.
    pub process: String,
    /// When the instance starts.
    pub start: DateTime<Utc>,
    /// The time zone times are shown in (the calendar's, else the process's `zone`, else UTC).
    pub zone: String,
    /// The calendar durations count on, if any.
    pub calendar: Option<String>,
    /// How `length_minutes`, `slack_minutes` and `over_minutes` are measured.
    pub measure: Measure,
    /// Every step, in a topological order.
    pub steps: Vec<PlannedStep>,
    /// The critical path: step keys from a first step to the step due last.
    pub critical_path: Vec<String>,
    /// When the last step is due.
    pub end: DateTime<Utc>,
    /// Length of the critical path to `end`, in minutes of [`Plan::measure`]
    /// (working time from the close of the start day, or elapsed time from `start`).
    pub length_minutes: i64,
    /// The process's own deadline, if it has one.
    pub deadline: Option<ProcessDeadline>,
    /// Choice steps whose longest outcome was assumed.
    pub choices: Vec<String>,
    /// Steps without a deadline (taken to need no time).
    pub untimed: Vec<String>,
    /// The first year the calendar has no holiday data for, when the plan
    /// reaches it: times from then on count the working week alone.
    pub provisional_from: Option<i32>,
}

/// One step of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedStep {
    /// The step key, e.g. `研发部:评估`.
    pub step: String,
    /// The department that names it.
    pub department: String,
    /// Its deadline as written, e.g. `within 3wd`.
    pub deadline: Option<String>,
    /// The earliest start: when the last step before it is due.
    pub start: DateTime<Utc>,
    /// Its due time if it takes its full SLA from `start`.
    pub due: DateTime<Utc>,
    /// How much later it could be due without moving the end, in minutes of [`Plan::measure`].
    pub slack_minutes: i64,
    /// Whether it is on the critical path.
    pub critical: bool,
}

/// The process's own `within`/`by` against the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessDeadline {
    /// As written, e.g. `within 60wd`.
    pub written: String,
    /// When the process is due.
    pub due: DateTime<Utc>,
    /// Time to `due`, in minutes of [`Plan::measure`] (as [`Plan::length_minutes`]).
    pub allowed_minutes: i64,
    /// Whether the critical path ends by `due`.
    pub feasible: bool,
    /// How far the critical path ends after `due` (0 when feasible), in minutes of [`Plan::measure`].
    pub over_minutes: i64,
}

/// Plans `definition` started at `start` with `attributes`.
///
/// # Errors
/// [`PlanError::MissingAttribute`] when a `by` deadline names a date that
/// `attributes` lacks; [`PlanError::Calendar`] when the calendar cannot
/// count a deadline (e.g. it has no working time); [`PlanError::Overflow`]
/// for dates beyond chrono's range.
pub fn plan(
    definition: &Definition,
    start: DateTime<Utc>,
    attributes: &Attributes,
) -> Result<Plan, PlanError> {
    Planner::new(definition, attributes).plan(start)
}

/// The parts of a definition a plan needs, prepared once (a scan plans many starts).
pub(crate) struct Planner<'d> {
    definition: &'d Definition,
    attributes: &'d Attributes,
    calendar: Option<&'d BusinessCalendar>,
    unbounded: Option<BusinessCalendar>,
    zone: Tz,
    measure: Measure,
}

impl<'d> Planner<'d> {
    pub(crate) fn new(definition: &'d Definition, attributes: &'d Attributes) -> Self {
        let calendar = definition.calendar();
        let zone = match calendar {
            Some(c) => c.zone(),
            None => definition
                .header()
                .zone
                .as_deref()
                .and_then(|z| z.parse().ok())
                .unwrap_or(Tz::UTC),
        };
        let measure = match calendar {
            Some(c) => Measure::Working {
                minutes_per_day: minutes_per_day(c),
            },
            None => Measure::Elapsed,
        };
        Planner {
            definition,
            attributes,
            calendar,
            unbounded: calendar.map(BusinessCalendar::unbounded),
            zone,
            measure,
        }
    }

    pub(crate) fn zone(&self) -> Tz {
        self.zone
    }

    pub(crate) fn calendar(&self) -> Option<&BusinessCalendar> {
        self.calendar
    }

    /// Runs `f` on the calendar; past its holiday data, on the working week
    /// alone, noting the first year missing in `gap`.
    fn on_calendar<T>(
        &self,
        gap: &mut Option<i32>,
        f: impl Fn(&BusinessCalendar) -> Result<T, CalendarError>,
    ) -> Result<T, CalendarError> {
        let (Some(calendar), Some(unbounded)) = (self.calendar, self.unbounded.as_ref()) else {
            // A definition uses `wd`/`wh` only with a calendar (its invariant).
            return Err(CalendarError::Overflow);
        };
        match f(calendar) {
            Err(CalendarError::BeyondHorizon { year, .. }) => {
                gap.get_or_insert(year);
                f(unbounded)
            }
            other => other,
        }
    }

    /// `at` plus `d`, on the calendar for `wd`/`wh`.
    fn add(
        &self,
        gap: &mut Option<i32>,
        at: DateTime<Utc>,
        d: BusinessDuration,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if d.unit.is_business() {
            self.on_calendar(gap, |c| c.resolve(at, d))
        } else {
            d.as_elapsed()
                .and_then(|elapsed| at.checked_add_signed(elapsed))
                .ok_or(CalendarError::Overflow)
        }
    }

    /// The close of `date`: of business on the calendar, else midnight after it in the zone.
    fn end_of_day(
        &self,
        gap: &mut Option<i32>,
        date: NaiveDate,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if self.calendar.is_some() {
            return self.on_calendar(gap, |c| c.end_of_business(date));
        }
        let midnight = date
            .succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .ok_or(CalendarError::Overflow)?;
        self.zone
            .from_local_datetime(&midnight)
            .earliest()
            .map(|local| local.with_timezone(&Utc))
            .ok_or(CalendarError::Overflow)
    }

    /// The due time of something with `deadline` activated at `at`; never before `at`.
    fn due(
        &self,
        gap: &mut Option<i32>,
        deadline: Option<&Deadline>,
        at: DateTime<Utc>,
    ) -> Result<Result<DateTime<Utc>, CalendarError>, PlanError> {
        let due = match deadline {
            None => Ok(at),
            Some(Deadline::Within(sla)) => {
                match sla.for_priority(self.attributes.priority.as_deref()) {
                    Some(d) => self.add(gap, at, d),
                    // No default and no priority given: the longest SLA counts.
                    None => {
                        let mut latest = Ok(at);
                        for &d in sla.by_priority.values() {
                            let due = self.add(gap, at, d);
                            latest = match (latest, due) {
                                (Ok(a), Ok(b)) => Ok(a.max(b)),
                                (Err(e), _) | (_, Err(e)) => Err(e),
                            };
                        }
                        latest
                    }
                }
            }
            Some(Deadline::By { anchor, minus }) => {
                let date = match anchor {
                    Anchor::Date(date) => *date,
                    Anchor::Attribute(name) => self
                        .attributes
                        .date(name)
                        .ok_or_else(|| PlanError::MissingAttribute(name.clone()))?,
                };
                self.by(gap, date, *minus, at)
            }
        };
        Ok(due.map(|due| due.max(at)))
    }

    /// `by DATE - minus`, as the executor computes it.
    fn by(
        &self,
        gap: &mut Option<i32>,
        date: NaiveDate,
        minus: Option<BusinessDuration>,
        at: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let close = self.end_of_day(gap, date)?;
        if close <= at {
            return Ok(at);
        }
        match minus {
            None => Ok(close),
            Some(d) => match d.unit {
                Unit::WorkingDay => self.on_calendar(gap, |c| c.resolve_back(date, d.amount)),
                Unit::WorkingHour => {
                    let hours = TimeDelta::hours(i64::from(d.amount));
                    self.on_calendar(gap, |c| {
                        c.subtract_working_time(c.end_of_business(date)?, hours)
                    })
                }
                _ => {
                    let elapsed = d.as_elapsed().ok_or(CalendarError::Overflow)?;
                    close
                        .checked_sub_signed(elapsed)
                        .ok_or(CalendarError::Overflow)
                }
            },
        }
    }

    /// Minutes of [`Measure`] from `a` to `b` (0 when `b` is not after `a`).
    fn minutes(
        &self,
        gap: &mut Option<i32>,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        let delta = match self.measure {
            Measure::Working { .. } => self.on_calendar(gap, |c| c.working_time_between(a, b))?,
            Measure::Elapsed => (b - a).max(TimeDelta::zero()),
        };
        Ok(delta.num_minutes())
    }

    pub(crate) fn plan(&self, start: DateTime<Utc>) -> Result<Plan, PlanError> {
        let def = self.definition;
        let name = def.name();
        let mut gap = None;
        let calendar_err = |step: &str| {
            let step = step.to_owned();
            move |source| PlanError::Calendar { step, source }
        };
        let count = def.graph().node_count();
        let order: Vec<StepId> = def.steps().map(|(id, _)| id).collect();
        let mut starts = vec![start; count];
        let mut dues = vec![start; count];
        // Forward pass: a step starts when every step before it is due.
        for &id in &order {
            let i = id.index();
            let at = def
                .predecessors(id)
                .map(|p| dues[p.index()])
                .max()
                .unwrap_or(start);
            let step = def.step(id);
            starts[i] = at;
            dues[i] = self
                .due(&mut gap, step.deadline.as_ref(), at)?
                .map_err(calendar_err(&step.key))?;
        }
        let end = order
            .iter()
            .map(|id| dues[id.index()])
            .max()
            .unwrap_or(start);
        // Offsets in the plan's measure. Working time counts from the close
        // of the start day, as `within 3wd` does: three working days after
        // the day work starts, whatever the hour.
        let base = match self.measure {
            Measure::Working { .. } => {
                let date = start.with_timezone(&self.zone).date_naive();
                let close = self
                    .on_calendar(&mut gap, |c| c.end_of_business(date))
                    .map_err(calendar_err(name))?;
                close.max(start)
            }
            Measure::Elapsed => start,
        };
        let mut start_off = vec![0; count];
        let mut due_off = vec![0; count];
        for &id in &order {
            let i = id.index();
            let key = &def.step(id).key;
            start_off[i] = self
                .minutes(&mut gap, base, starts[i])
                .map_err(calendar_err(key))?;
            due_off[i] = self
                .minutes(&mut gap, base, dues[i])
                .map_err(calendar_err(key))?;
        }
        let length = self
            .minutes(&mut gap, base, end)
            .map_err(calendar_err(name))?;
        // Backward pass: the latest due of each step that keeps the end.
        let mut latest = vec![length; count];
        for &id in order.iter().rev() {
            let i = id.index();
            for (next, _) in def.successors(id) {
                let n = next.index();
                let duration = due_off[n] - start_off[n];
                latest[i] = latest[i].min(latest[n] - duration);
            }
        }
        // The critical path: back from the step due last, through the
        // predecessor whose due is the step's start.
        let mut path = Vec::new();
        let mut on_path = vec![false; count];
        if let Some(&last) = order
            .iter()
            .rev()
            .max_by_key(|id| (dues[id.index()], std::cmp::Reverse(id.index())))
        {
            let mut current = last;
            loop {
                on_path[current.index()] = true;
                path.push(def.step(current).key.clone());
                let at = starts[current.index()];
                let before = def
                    .predecessors(current)
                    .filter(|p| dues[p.index()] == at)
                    .min_by_key(|p| p.index());
                match before {
                    Some(p) => current = p,
                    None => break,
                }
            }
        }
        path.reverse();
        let steps = order
            .iter()
            .map(|&id| {
                let i = id.index();
                let step = def.step(id);
                PlannedStep {
                    step: step.key.clone(),
                    department: step.department().to_owned(),
                    deadline: step.deadline.as_ref().map(describe),
                    start: starts[i],
                    due: dues[i],
                    slack_minutes: (latest[i] - due_off[i]).max(0),
                    critical: on_path[i],
                }
            })
            .collect();
        let deadline = match &def.header().deadline {
            None => None,
            Some(written) => {
                let due = self
                    .due(&mut gap, Some(written), start)?
                    .map_err(calendar_err(name))?;
                let allowed = self
                    .minutes(&mut gap, base, due)
                    .map_err(calendar_err(name))?;
                let over = self
                    .minutes(&mut gap, due, end)
                    .map_err(calendar_err(name))?;
                Some(ProcessDeadline {
                    written: describe(written),
                    due,
                    allowed_minutes: allowed,
                    feasible: end <= due,
                    over_minutes: over,
                })
            }
        };
        let choices = order
            .iter()
            .filter(|&&id| {
                def.successors(id)
                    .any(|(_, edge)| edge.condition != Condition::Always)
            })
            .map(|&id| def.step(id).key.clone())
            .collect();
        let untimed = order
            .iter()
            .filter(|&&id| def.step(id).deadline.is_none())
            .map(|&id| def.step(id).key.clone())
            .collect();
        Ok(Plan {
            process: name.to_owned(),
            start,
            zone: self.zone.name().to_owned(),
            calendar: self.calendar.map(|c| c.name().to_owned()),
            measure: self.measure,
            steps,
            critical_path: path,
            end,
            length_minutes: length,
            deadline,
            choices,
            untimed,
            provisional_from: gap,
        })
    }
}

/// Minutes of work in a working day of `calendar` (its business hours; 8 hours when it has none).
pub(crate) fn minutes_per_day(calendar: &BusinessCalendar) -> i64 {
    let total: i64 = calendar
        .hours()
        .map(|(from, to)| (to - from).num_minutes().max(0))
        .sum();
    if total > 0 {
        total
    } else {
        8 * 60
    }
}

/// A deadline as written in a `.sop` file: `within 3wd`, `by 上市日 - 5wd`.
pub(crate) fn describe(deadline: &Deadline) -> String {
    match deadline {
        Deadline::Within(sla) => {
            let mut parts: Vec<String> = sla
                .by_priority
                .iter()
                .map(|(p, d)| format!("{p} {d}"))
                .collect();
            parts.extend(sla.default.map(|d| d.to_string()));
            format!("within {}", parts.join(", "))
        }
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
