//! Walking one instance's events and charging each figure to departments.
//!
//! Invariant: the whole log of an instance is walked (a step activated
//! before `--from` still has its deadline known); only the charging checks
//! the period, by the instant of the event a figure belongs to.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::figures::Tally;
use crate::calendar::BusinessCalendar;
use crate::exec::{Event, EventKind};
use crate::Definition;

/// Where figures are charged: department → (total, week → tally).
#[derive(Debug, Default)]
pub(super) struct Ledger {
    pub(super) from: Option<DateTime<Utc>>,
    pub(super) to: Option<DateTime<Utc>>,
    pub(super) zone: Option<Tz>,
    pub(super) departments: BTreeMap<String, Account>,
    /// The earliest and latest instants charged.
    pub(super) span: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// One department's figures: the period's total and each week's.
#[derive(Debug, Default)]
pub(super) struct Account {
    pub(super) total: Tally,
    pub(super) weeks: BTreeMap<NaiveDate, Tally>,
}

impl Ledger {
    /// The Monday of the week `at` falls in, in the report's zone.
    pub(super) fn week(&self, at: DateTime<Utc>) -> NaiveDate {
        let date = at
            .with_timezone(&self.zone.unwrap_or(Tz::UTC))
            .date_naive();
        date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
    }

    fn charge(&mut self, department: &str, at: DateTime<Utc>, add: impl Fn(&mut Tally)) {
        if self.from.is_some_and(|from| at < from) || self.to.is_some_and(|to| at >= to) {
            return;
        }
        self.span = Some(match self.span {
            Some((first, last)) => (first.min(at), last.max(at)),
            None => (at, at),
        });
        let week = self.week(at);
        let account = self.departments.entry(department.to_owned()).or_default();
        add(&mut account.total);
        add(account.weeks.entry(week).or_default());
    }
}

/// Working time on a process's calendar, or elapsed time without one.
pub(super) struct Clock<'d> {
    calendar: Option<&'d BusinessCalendar>,
    /// The calendar without its bound on years, for instants beyond it.
    unbounded: Option<BusinessCalendar>,
}

impl<'d> Clock<'d> {
    pub(super) fn new(def: &'d Definition) -> Self {
        Clock {
            calendar: def.calendar(),
            unbounded: None,
        }
    }

    /// Working seconds from `a` to `b` (0 when `b` is not after `a`).
    ///
    /// Past the calendar's holiday data it counts on the working week and
    /// business hours alone (as provisional deadlines are computed).
    pub(super) fn working_seconds(&mut self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        let elapsed = (b - a).num_seconds().max(0);
        let Some(calendar) = self.calendar else {
            return elapsed;
        };
        if let Ok(t) = calendar.working_time_between(a, b) {
            return t.num_seconds();
        }
        let unbounded = self.unbounded.get_or_insert_with(|| calendar.unbounded());
        unbounded
            .working_time_between(a, b)
            .map_or(elapsed, |t| t.num_seconds())
    }
}

/// An active step: its owners and current deadline.
struct Active {
    owners: Vec<String>,
    due: Option<DateTime<Utc>>,
}

/// The state of one instance while its events are walked.
pub(super) struct Walk<'d, 'l> {
    def: &'d Definition,
    clock: Clock<'d>,
    ledger: &'l mut Ledger,
    active: HashMap<String, Active>,
    /// Active steps per department.
    busy: HashMap<String, u32>,
    /// Since when a department that handed over has had nothing active.
    idle_since: HashMap<String, DateTime<Utc>>,
}

impl<'d, 'l> Walk<'d, 'l> {
    pub(super) fn new(def: &'d Definition, ledger: &'l mut Ledger) -> Self {
        Walk {
            def,
            clock: Clock::new(def),
            ledger,
            active: HashMap::new(),
            busy: HashMap::new(),
            idle_since: HashMap::new(),
        }
    }

    /// The owners of step `key`: as activated, else as defined; `None` for
    /// a step the definition does not have.
    fn owners(&self, key: &str) -> Option<Vec<String>> {
        if let Some(active) = self.active.get(key) {
            return Some(active.owners.clone());
        }
        let id = self.def.find(key)?;
        Some(self.def.step(id).owners.clone())
    }

    fn charge_owners(&mut self, key: &str, at: DateTime<Utc>, add: impl Fn(&mut Tally)) -> bool {
        let Some(owners) = self.owners(key) else {
            return false;
        };
        for owner in &owners {
            self.ledger.charge(owner, at, &add);
        }
        true
    }

    /// A step stopped being active at `at`: departments left with nothing
    /// active start waiting.
    fn release(&mut self, key: &str, at: DateTime<Utc>) -> Option<Active> {
        let active = self.active.remove(key)?;
        for owner in &active.owners {
            let busy = self.busy.entry(owner.clone()).or_default();
            *busy = busy.saturating_sub(1);
            if *busy == 0 {
                self.idle_since.insert(owner.clone(), at);
            }
        }
        Some(active)
    }

    /// Walks one event; returns the step key it names that the definition
    /// lacks, if any.
    pub(super) fn event(&mut self, event: &Event) -> Option<String> {
        let at = event.at;
        let known = match &event.kind {
            EventKind::StepActivated {
                step, owners, due, ..
            } => {
                for owner in owners {
                    let busy = self.busy.entry(owner.clone()).or_default();
                    if *busy == 0 {
                        if let Some(since) = self.idle_since.remove(owner) {
                            let seconds = self.clock.working_seconds(since, at);
                            self.ledger.charge(owner, at, |t| {
                                t.waits += 1;
                                t.waiting_seconds += seconds;
                            });
                        }
                    }
                    *busy += 1;
                }
                let previous = self.active.insert(
                    step.clone(),
                    Active {
                        owners: owners.clone(),
                        due: *due,
                    },
                );
                // An activation of an active step (not emitted by the executor)
                // must not count its owners twice.
                if let Some(previous) = previous {
                    for owner in &previous.owners {
                        if let Some(busy) = self.busy.get_mut(owner) {
                            *busy = busy.saturating_sub(1);
                        }
                    }
                }
                true
            }
            EventKind::StepResumed { step, due, .. } => {
                if let Some(active) = self.active.get_mut(step) {
                    active.due = *due;
                }
                true
            }
            EventKind::DeadlineRevised {
                step: Some(step),
                due,
                ..
            } => {
                if let Some(active) = self.active.get_mut(step) {
                    active.due = Some(*due);
                }
                true
            }
            EventKind::StepCompleted { step, late, .. } => {
                let active = self.release(step, at);
                let owners = match active.as_ref() {
                    Some(a) => Some(a.owners.clone()),
                    None => self.owners(step),
                };
                let due = active.and_then(|a| a.due);
                let lateness = match (late, due) {
                    (true, Some(due)) => Some(self.clock.working_seconds(due, at)),
                    (true, None) => Some(0),
                    (false, _) => None,
                };
                for owner in owners.iter().flatten() {
                    self.ledger.charge(owner, at, |t| {
                        t.completed += 1;
                        if due.is_some() || *late {
                            t.with_deadline += 1;
                        }
                        match lateness {
                            Some(seconds) => {
                                t.late += 1;
                                t.lateness.push(seconds);
                            }
                            None if due.is_some() => t.on_time += 1,
                            None => {}
                        }
                    });
                }
                owners.is_some()
            }
            EventKind::StepSkipped { step, .. } | EventKind::StepReset { step, .. } => {
                self.release(step, at);
                true
            }
            EventKind::WarningRaised { step: Some(step), .. } => {
                self.charge_owners(step, at, |t| t.warnings += 1)
            }
            EventKind::Escalated { step: Some(step), .. } => {
                self.charge_owners(step, at, |t| t.escalations += 1)
            }
            EventKind::SentBack { from, to, .. } => {
                let from_known = self.charge_owners(from, at, |t| t.send_backs_caused += 1);
                let to_known = self.charge_owners(to, at, |t| t.send_backs_received += 1);
                if !from_known {
                    return Some(from.clone());
                }
                if !to_known {
                    return Some(to.clone());
                }
                true
            }
            EventKind::InstanceCompleted { .. } | EventKind::InstanceCancelled { .. } => {
                self.idle_since.clear();
                true
            }
            _ => true,
        };
        if known {
            return None;
        }
        match &event.kind {
            EventKind::StepCompleted { step, .. }
            | EventKind::WarningRaised { step: Some(step), .. }
            | EventKind::Escalated { step: Some(step), .. } => Some(step.clone()),
            _ => None,
        }
    }
}
