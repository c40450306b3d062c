//! What the API shows of an instance: its steps with owners, deadline,
//! warning state and the working time left, folded from the runtime's view
//! and the event log.
//!
//! The warning state of a step is read from the log (the executor keeps it
//! in its opaque state): the last activation, resume or revision gives the
//! warning instant and whether the deadline is provisional;
//! `warning_raised`, `deadline_missed` and `escalated` after it say how far
//! the ladder went. A `step_reset` starts the step afresh.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sopflow::exec::{Event, EventKind, StepStatus};
use sopflow::Definition;
use sopflow_runtime::{InstanceSummary, InstanceView};

/// How far a step's (or the process's) ladder has gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Warn {
    /// Nothing fired.
    #[default]
    None,
    /// The warning (预警) fired; the deadline has not passed.
    Warned,
    /// The deadline passed (超时).
    Missed,
}

/// One step as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepJson {
    /// The step key, e.g. `研发部:评估`.
    pub key: String,
    /// Its owner departments.
    pub owners: Vec<String>,
    /// Who it was delegated to (转交), if it was.
    pub delegated_to: Option<String>,
    /// `pending`, `active`, `paused`, `done` or `skipped`.
    pub status: StepStatus,
    /// When it became active (the last time).
    pub activated_at: Option<DateTime<Utc>>,
    /// Its deadline.
    pub due: Option<DateTime<Utc>>,
    /// Its warning instant.
    pub warn_at: Option<DateTime<Utc>>,
    /// How far its ladder went.
    pub warn: Warn,
    /// The highest escalation level that fired (0 for none).
    pub escalation_level: u32,
    /// Whether the deadline was computed without the calendar's holiday data.
    pub provisional: bool,
    /// Working time from now to `due` on the process calendar (wall-clock
    /// time without one), negative when late; only for active and paused
    /// steps with a deadline.
    pub working_time_left_seconds: Option<i64>,
}

/// An instance as `GET /api/v1/instances/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceJson {
    /// Id, process, version, status, next wakeup, error, times.
    #[serde(flatten)]
    pub summary: InstanceSummary,
    /// Whether it is open and a deadline of an active step or of the process has passed.
    pub overdue: bool,
    /// The definition's fingerprint.
    pub fingerprint: String,
    /// The whole-process deadline.
    pub due: Option<DateTime<Utc>>,
    /// How far the whole-process ladder went.
    pub warn: Warn,
    /// Every step, in topological order.
    pub steps: Vec<StepJson>,
}

#[derive(Default)]
struct Fold {
    warn_at: Option<DateTime<Utc>>,
    provisional: bool,
    warn: Warn,
    level: u32,
    delegated_to: Option<String>,
}

/// Builds the API's view of an instance at `now`.
pub fn instance(
    view: InstanceView,
    definition: &Definition,
    events: &[Event],
    now: DateTime<Utc>,
) -> InstanceJson {
    let mut steps: HashMap<&str, Fold> = HashMap::new();
    let mut process = Fold::default();
    let mut process_due = None;
    for event in events {
        match &event.kind {
            EventKind::InstanceStarted {
                due,
                warn_at,
                provisional,
                ..
            } => {
                process_due = *due;
                process.warn_at = *warn_at;
                process.provisional = *provisional;
            }
            EventKind::StepActivated {
                step,
                warn_at,
                provisional,
                ..
            } => {
                let fold = steps.entry(step).or_default();
                *fold = Fold {
                    warn_at: *warn_at,
                    provisional: *provisional,
                    delegated_to: fold.delegated_to.take(),
                    ..Fold::default()
                };
            }
            EventKind::StepResumed {
                step,
                warn_at,
                provisional,
                ..
            } => {
                let fold = steps.entry(step).or_default();
                fold.warn_at = *warn_at;
                fold.provisional = *provisional;
            }
            EventKind::DeadlineRevised {
                step,
                due,
                warn_at,
                provisional,
                ..
            } => {
                let fold = match step {
                    Some(step) => steps.entry(step).or_default(),
                    None => {
                        process_due = Some(*due);
                        &mut process
                    }
                };
                fold.warn_at = *warn_at;
                fold.provisional = *provisional;
            }
            EventKind::WarningRaised { step, .. } => {
                let fold = fold_of(&mut steps, &mut process, step.as_deref());
                fold.warn = fold.warn.max_with(Warn::Warned);
            }
            EventKind::DeadlineMissed { step, .. } => {
                fold_of(&mut steps, &mut process, step.as_deref()).warn = Warn::Missed;
            }
            EventKind::Escalated { step, level, .. } => {
                let fold = fold_of(&mut steps, &mut process, step.as_deref());
                fold.level = fold.level.max(*level);
            }
            EventKind::StepReassigned { step, to, .. } => {
                steps.entry(step).or_default().delegated_to = Some(to.clone());
            }
            EventKind::StepReset { step, .. } => {
                steps.insert(step, Fold::default());
            }
            _ => {}
        }
    }
    let calendar = definition.calendar();
    let left = |due: DateTime<Utc>| -> Option<i64> {
        match calendar {
            None => Some((due - now).num_seconds()),
            Some(calendar) if due >= now => calendar
                .working_time_between(now, due)
                .ok()
                .map(|d| d.num_seconds()),
            Some(calendar) => calendar
                .working_time_between(due, now)
                .ok()
                .map(|d| -d.num_seconds()),
        }
    };
    let open = view.summary.status == sopflow_runtime::Status::Open;
    let steps: Vec<StepJson> = view
        .steps
        .into_iter()
        .map(|step| {
            let fold = steps.remove(step.key.as_str()).unwrap_or_default();
            let running = matches!(step.status, StepStatus::Active | StepStatus::Paused);
            StepJson {
                working_time_left_seconds: step.due.filter(|_| running && open).and_then(left),
                key: step.key,
                owners: step.owners,
                delegated_to: fold.delegated_to,
                status: step.status,
                activated_at: step.activated_at,
                due: step.due,
                warn_at: fold.warn_at,
                warn: fold.warn,
                escalation_level: fold.level,
                provisional: fold.provisional,
            }
        })
        .collect();
    let overdue = open
        && (process_due.is_some_and(|due| due < now)
            || steps
                .iter()
                .any(|s| s.status == StepStatus::Active && s.due.is_some_and(|due| due < now)));
    InstanceJson {
        summary: view.summary,
        overdue,
        fingerprint: view.fingerprint,
        due: process_due,
        warn: process.warn,
        steps,
    }
}

fn fold_of<'a, 'e>(
    steps: &'a mut HashMap<&'e str, Fold>,
    process: &'a mut Fold,
    step: Option<&'e str>,
) -> &'a mut Fold {
    match step {
        Some(step) => steps.entry(step).or_default(),
        None => process,
    }
}

impl Warn {
    fn max_with(self, other: Warn) -> Warn {
        if self == Warn::Missed {
            self
        } else {
            other
        }
    }
}
