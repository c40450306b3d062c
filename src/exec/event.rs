//! [`Event`]: what happened to an instance, as a stable JSON shape.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Attributes;

/// One thing that happened to an instance, at instant `at`.
///
/// Serialized as one flat JSON object: `at` (RFC 3339, UTC), `type` (the
/// [`EventKind`] in snake case), the kind's fields, and `command` (the id of
/// the command that caused it; absent for events of [`start`] and [`tick`]).
/// Durations (`late_by`, `overdue_by`, `paused_for`) are whole seconds.
///
/// # Versioning
///
/// Events are the durable history, so their JSON shape is versioned by
/// [`EVENT_SCHEMA`](super::EVENT_SCHEMA). Within one schema version a release
/// only *adds*: new [`EventKind`]s and new optional fields (absent when
/// unset), never renames, removes or changes the meaning of one. A host
/// that reads an event with a `type` it does not know is reading a newer
/// release's history (store it as JSON, do not treat it as damage); a
/// known `type` that fails to read is damage. An incompatible change would
/// raise the schema version.
///
/// [`start`]: super::Instance::start
/// [`tick`]: super::Instance::tick
///
/// # Example
/// ```
/// use sopflow::exec::{Event, EventKind};
/// let event = Event {
///     at: "2026-03-02T01:00:00Z".parse().unwrap(),
///     command: None,
///     kind: EventKind::InstanceCompleted { on_time: true },
/// };
/// let json = serde_json::to_string(&event).unwrap();
/// assert_eq!(json, r#"{"at":"2026-03-02T01:00:00Z","type":"instance_completed","on_time":true}"#);
/// assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
/// assert!(serde_json::from_str::<Event>(r#"{"type":"instance_completed"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The instant the event is about: a command's `now`, or the instant a
    /// warning or escalation was due (not the later instant of the tick).
    pub at: DateTime<Utc>,
    /// The id of the command that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Why a step was skipped. `#[non_exhaustive]`: match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// A choice took other arrows, and every arrow into the step is dead.
    BranchNotTaken,
    /// An escalation target skipped it with a [`Command::Skip`](super::Command::Skip).
    By {
        /// Who skipped it.
        actor: String,
        /// Why.
        reason: String,
    },
}

/// What happened. `step` fields hold step keys (`研发部:评估`); a `step` that
/// is `None` (absent in JSON) means the whole-process deadline.
///
/// `#[non_exhaustive]`: later releases add kinds (and optional fields)
/// without a new [`EVENT_SCHEMA`](super::EVENT_SCHEMA); match with a wildcard
/// arm, and treat a `type` this release does not know (a deserialization
/// error naming an unknown variant) as an event of a newer release, not as
/// damage. See [`Event`] for the versioning rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The instance started; the first event of every history.
    InstanceStarted {
        /// The instance id.
        instance: String,
        /// The process name.
        process: String,
        /// The definition fingerprint, 16 hex digits.
        fingerprint: String,
        /// The attributes it was started with.
        attributes: Attributes,
        /// The whole-process deadline, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
        /// The whole-process warning instant, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_at: Option<DateTime<Utc>>,
        /// Whether the deadline was computed without the calendar's holiday
        /// data for a year it reaches (see [`EventKind::CalendarDataMissing`]):
        /// on the working week and business hours alone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    /// A step became active.
    StepActivated {
        /// The step.
        step: String,
        /// Its owner departments.
        owners: Vec<String>,
        /// Its deadline (computed once, now).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
        /// Its warning instant (预警).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_at: Option<DateTime<Utc>>,
        /// Whether the deadline was computed without the calendar's holiday
        /// data for a year it reaches (see [`EventKind::CalendarDataMissing`]):
        /// on the working week and business hours alone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    /// The deadline just computed (by the event before this one: an
    /// activation, a start, a resume or a revision) needed holiday data the
    /// calendar does not have, and is provisional. Add the year's data to the
    /// calendar and call [`Instance::revise_deadlines`](super::Instance::revise_deadlines).
    CalendarDataMissing {
        /// The step, or `None` for the process.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        /// The calendar's name.
        calendar: String,
        /// The first year it lacks.
        year: i32,
    },
    /// A provisional deadline was computed again
    /// ([`Instance::revise_deadlines`](super::Instance::revise_deadlines)).
    /// Timers that already fired do not fire again.
    DeadlineRevised {
        /// The step, or `None` for the process.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        /// The deadline before.
        previous_due: DateTime<Utc>,
        /// The deadline now.
        due: DateTime<Utc>,
        /// The warning instant now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_at: Option<DateTime<Utc>>,
        /// Whether the deadline was computed without the calendar's holiday
        /// data for a year it reaches (see [`EventKind::CalendarDataMissing`]):
        /// on the working week and business hours alone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    /// One owner of a 会签 step signed; others still have to.
    StepSigned {
        /// The step.
        step: String,
        /// Who acted.
        by: String,
        /// The owner signed for (`by` itself, or the owner `by` is a delegate of).
        owner: String,
    },
    /// The step's warning instant passed (预警).
    WarningRaised {
        /// The step, or `None` for the process.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        /// The deadline warned about.
        due: DateTime<Utc>,
    },
    /// The deadline passed without completion.
    DeadlineMissed {
        /// The step, or `None` for the process.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        /// The deadline.
        due: DateTime<Utc>,
    },
    /// An escalation level fired.
    Escalated {
        /// The step, or `None` for the process.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        /// The level, from 1, in ladder order.
        level: u32,
        /// Who is notified (resolved names, deduplicated, in action order).
        recipients: Vec<String>,
        /// Who the step was handed to (转交), for a `reassign` level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reassigned_to: Option<String>,
        /// Seconds past the deadline.
        overdue_by: i64,
    },
    /// A step's SLA clock stopped.
    StepPaused {
        /// The step.
        step: String,
        /// Who paused it.
        by: String,
        /// Why.
        reason: String,
    },
    /// A step's SLA clock restarted; its deadline moved.
    StepResumed {
        /// The step.
        step: String,
        /// Who resumed it.
        by: String,
        /// Seconds paused, on the deadline's clock (working seconds for `wd`/`wh`).
        paused_for: i64,
        /// The new deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
        /// The new warning instant (unchanged once the warning fired).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_at: Option<DateTime<Utc>>,
        /// Whether the deadline was computed without the calendar's holiday
        /// data for a year it reaches (see [`EventKind::CalendarDataMissing`]):
        /// on the working week and business hours alone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        provisional: bool,
    },
    /// A step was delegated.
    StepReassigned {
        /// The step.
        step: String,
        /// Who delegated it.
        by: String,
        /// The delegate.
        to: String,
    },
    /// A step completed.
    StepCompleted {
        /// The step.
        step: String,
        /// Who completed it (for 会签, the last signer).
        by: String,
        /// The chosen outcomes of a choice step.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcomes: Vec<String>,
        /// The deliverables handed over.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        deliverables: Vec<String>,
        /// Whether it completed after its deadline.
        late: bool,
        /// Seconds after the deadline, when late.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late_by: Option<i64>,
    },
    /// A step will not run.
    StepSkipped {
        /// The step.
        step: String,
        /// Why.
        reason: SkipReason,
        /// For a choice skipped by a [`Command::Skip`](super::Command::Skip):
        /// the outcomes whose arrows are taken.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcomes: Vec<String>,
    },
    /// Work went back upstream (see [`EventKind::StepReset`] for what it
    /// withdraws); `to` is activated again by the next event.
    SentBack {
        /// The step that sent it back.
        from: String,
        /// The step that gets it again.
        to: String,
        /// How often `from` has now sent back to `to`.
        count: u32,
        /// Who sent it back.
        by: String,
        /// Why.
        reason: String,
    },
    /// A send-back withdrew a step downstream of its target: the step is
    /// pending again (its completion, signatures, deadline and delegations
    /// are void) and runs again when the flow reaches it. One event per step
    /// that had started, after [`EventKind::SentBack`], in topological order.
    StepReset {
        /// The step.
        step: String,
        /// What it was before: `active`, `paused`, `done` or `skipped`.
        was: super::StepStatus,
    },
    /// Every step is done or skipped.
    InstanceCompleted {
        /// No step completed late and the process deadline (if any) was kept.
        on_time: bool,
    },
    /// The instance was cancelled.
    InstanceCancelled {
        /// Who cancelled it.
        by: String,
        /// Why.
        reason: String,
    },
}
