//! How far the deadlines of a process can reach on its calendar, for the
//! W031 warning: does an instance started `today` need a year the calendar
//! has no holidays for?
//!
//! The estimate follows the flow from `today`: each step is activated when
//! the steps before it are due (the latest of them at a join, every branch of
//! a choice), its deadline is counted on the calendar with the longest entry
//! of its `within` (or from its fixed `by` date), and its escalation levels
//! after that. The process's own deadline counts from `today`. Deadlines
//! that name an attribute (`by 上市日 - 5wd`) are not known before an
//! instance starts and are left out, as are steps without a deadline (they
//! take no time here) and rework. The date comes from the caller: nothing
//! here reads a clock.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};

use super::{Anchor, Deadline, Definition, StepId};
use crate::calendar::{BusinessCalendar, BusinessDuration, CalendarError, Unit};

/// What first needs a year the calendar does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needer {
    /// The process's own `within` or `by`.
    Process,
    /// A step's deadline.
    Step(StepId),
    /// An escalation level of a step, after its deadline.
    Level(StepId),
}

/// The first uncovered year an instance started `today` would need, and
/// what needs it; `None` when the process has no calendar, the calendar is
/// not bounded, or every estimated deadline lies in covered years.
pub(crate) fn uncovered_year(definition: &Definition, today: NaiveDate) -> Option<(i32, Needer)> {
    let calendar = definition.calendar()?;
    calendar.covers()?;
    let start = calendar
        .zone()
        .from_local_datetime(&today.and_time(NaiveTime::MIN))
        .earliest()?
        .with_timezone(&Utc);
    let walk = Walk { calendar };

    if let Some(deadline) = &definition.header().deadline {
        if let Err(year) = walk.due(deadline, start) {
            return Some((year, Needer::Process));
        }
    }
    // The latest estimated deadline of each step, by its index.
    let mut due: Vec<Option<DateTime<Utc>>> = vec![None; definition.graph().node_count()];
    for (id, step) in definition.steps() {
        let activated = definition
            .predecessors(id)
            .filter_map(|p| due[p.index()])
            .max()
            .unwrap_or(start);
        let deadline = match &step.deadline {
            Some(deadline) => match walk.due(deadline, activated) {
                Ok(at) => at.unwrap_or(activated),
                Err(year) => return Some((year, Needer::Step(id))),
            },
            None => activated,
        };
        due[id.index()] = Some(deadline);
        if step.deadline.is_some() {
            for level in &step.ladder.levels {
                if let Some(after) = level.after {
                    if let Err(year) = walk.add(deadline, after) {
                        return Some((year, Needer::Level(id)));
                    }
                }
            }
        }
    }
    None
}

/// Deadline arithmetic that tells an uncovered year (`Err(year)`) from an
/// answer (`Ok(Some(at))`) and from what cannot be estimated (`Ok(None)`).
struct Walk<'c> {
    calendar: &'c BusinessCalendar,
}

impl Walk<'_> {
    /// The latest instant any entry of `deadline` gives for an activation at `at`.
    fn due(&self, deadline: &Deadline, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, i32> {
        match deadline {
            Deadline::Within(sla) => {
                let mut latest: Option<DateTime<Utc>> = None;
                for d in sla.default.iter().chain(sla.by_priority.values()) {
                    if let Some(t) = self.add(at, *d)? {
                        latest = latest.max(Some(t));
                    }
                }
                Ok(latest)
            }
            Deadline::By {
                anchor: Anchor::Date(date),
                minus,
            } => {
                let Some(close) = known(self.calendar.end_of_business(*date))? else {
                    return Ok(None);
                };
                let due =
                    match minus {
                        None => Some(close),
                        Some(d) => match d.unit {
                            Unit::WorkingDay => known(self.calendar.resolve_back(*date, d.amount))?,
                            Unit::WorkingHour => known(self.calendar.subtract_working_time(
                                close,
                                TimeDelta::hours(i64::from(d.amount)),
                            ))?,
                            _ => d.as_elapsed().and_then(|e| close.checked_sub_signed(e)),
                        },
                    };
                Ok(due.map(|t| t.max(at)))
            }
            Deadline::By {
                anchor: Anchor::Attribute(_),
                ..
            } => Ok(None),
        }
    }

    /// `at` plus `d`: on the calendar for `wd`/`wh`, elapsed otherwise.
    fn add(&self, at: DateTime<Utc>, d: BusinessDuration) -> Result<Option<DateTime<Utc>>, i32> {
        known(self.calendar.resolve(at, d))
    }
}

/// An uncovered year as `Err`, any other failure as "not known".
fn known(result: Result<DateTime<Utc>, CalendarError>) -> Result<Option<DateTime<Utc>>, i32> {
    match result {
        Ok(at) => Ok(Some(at)),
        Err(CalendarError::BeyondHorizon { year, .. }) => Err(year),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(source: &str, today: (i32, u32, u32)) -> Option<(i32, Needer)> {
        let definition = crate::parse(source, "p.sop").expect("a valid source");
        let today = NaiveDate::from_ymd_opt(today.0, today.1, today.2).unwrap();
        uncovered_year(&definition, today)
    }

    #[test]
    fn the_process_window_reaches_the_next_year() {
        let source = "process P { calendar cn; within 60wd }\n市场部 → 研发部 within 3wd\n";
        assert_eq!(reach(source, (2026, 12, 2)), Some((2027, Needer::Process)));
        assert_eq!(reach(source, (2026, 3, 2)), None);
    }

    #[test]
    fn step_windows_add_up_along_the_flow() {
        // 3 × 10wd from 2026-12-02: 12-16, 12-30, then the third in 2027.
        let source =
            "process P { calendar cn }\nA → B within 10wd → C within 10wd → D within 10wd\n";
        let found = reach(source, (2026, 12, 2));
        let definition = crate::parse(source, "p.sop").unwrap();
        assert_eq!(
            found,
            Some((2027, Needer::Step(definition.find("D").unwrap())))
        );
        assert_eq!(reach(source, (2026, 11, 2)), None);
    }

    #[test]
    fn elapsed_time_and_attributes_need_no_year() {
        assert_eq!(
            reach(
                "process P { calendar cn; within 60d }\nA → B within 40d\n",
                (2026, 12, 2)
            ),
            None
        );
        assert_eq!(
            reach(
                "process P { calendar cn }\nA → B by 上市日 - 5wd\n",
                (2026, 12, 2)
            ),
            None
        );
        assert_eq!(reach("A → B within 3d\n", (2026, 12, 30)), None);
    }

    #[test]
    fn fixed_dates_and_levels_count() {
        let by = "process P { calendar cn }\nA → B by 2027-03-01 - 2wd\n";
        assert!(matches!(
            reach(by, (2026, 6, 1)),
            Some((2027, Needer::Step(_)))
        ));
        let level = "process P { calendar cn; +20wd notify head }\nA → B within 2wd\n";
        assert!(matches!(
            reach(level, (2026, 12, 2)),
            Some((2027, Needer::Level(_)))
        ));
        assert_eq!(reach(level, (2026, 11, 2)), None);
    }
}
