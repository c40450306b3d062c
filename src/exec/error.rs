//! [`ExecError`]: why a command, a start or a replay was refused.

use crate::calendar::CalendarError;

/// Why the executor refused a start, a command or a replay. A refused call
/// changes nothing.
///
/// # Example
/// ```
/// use sopflow::exec::{Attributes, Command, ExecError, Instance};
/// let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (mut instance, _) = Instance::start(&def, "i-1", Attributes::new(), now).unwrap();
/// let err = instance
///     .handle(&def, Command::complete("c1", "市场部", "财务部"), now)
///     .unwrap_err();
/// assert!(matches!(err, ExecError::NotAuthorized { ref allowed, .. } if allowed == &["市场部"]));
/// assert_eq!(err.to_string(), "`财务部` may not act on step `市场部`; allowed: 市场部");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The instance was started from (or is replayed against) another definition.
    #[error("the instance belongs to definition {expected}, not {found}")]
    DefinitionMismatch {
        /// The fingerprint the instance recorded (16 hex digits).
        expected: String,
        /// The fingerprint of the definition passed in.
        found: String,
    },
    /// The process has no steps.
    #[error("the process has no steps")]
    EmptyProcess,
    /// No step has this key.
    #[error("unknown step `{0}`")]
    UnknownStep(String),
    /// The step is not in a state that allows the command.
    #[error("step `{step}` is {status}, not {expected}")]
    WrongState {
        /// The step.
        step: String,
        /// Its current status.
        status: super::StepStatus,
        /// The status the command needs (a command that also accepts a
        /// paused step names `active`).
        expected: super::StepStatus,
    },
    /// The actor may not act on this step.
    #[error("`{actor}` may not act on step `{step}`; allowed: {}", allowed.join(", "))]
    NotAuthorized {
        /// The step.
        step: String,
        /// Who tried.
        actor: String,
        /// Who may (empty when nobody may, e.g. a skip without escalation targets).
        allowed: Vec<String>,
    },
    /// An owner of a 会签 step completed it twice.
    #[error("`{actor}` has already signed step `{step}`")]
    AlreadySigned {
        /// The step.
        step: String,
        /// The owner.
        actor: String,
    },
    /// The instance needs an attribute it was not given (a `by` date or the priority).
    #[error("missing attribute `{0}`")]
    MissingAttribute(String),
    /// An attribute has a value the SOP cannot use.
    #[error("attribute `{name}` has invalid value `{value}`: {reason}")]
    InvalidAttribute {
        /// The attribute.
        name: String,
        /// Its value.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// A choice step completed without an outcome, with several for a single choice,
    /// or an outcome given to a step that is not a choice.
    #[error("step `{step}`: {reason}")]
    BadOutcome {
        /// The step.
        step: String,
        /// What is wrong.
        reason: String,
    },
    /// The step declares deliverables the completion did not hand over.
    #[error("step `{step}` is missing deliverables: {}", missing.join(", "))]
    MissingDeliverables {
        /// The step.
        step: String,
        /// The missing deliverables.
        missing: Vec<String>,
    },
    /// The SOP has no `rework` from this step to that one.
    #[error("step `{from}` may not send work back to `{to}`")]
    ReworkNotAllowed {
        /// The step sending back.
        from: String,
        /// The target.
        to: String,
    },
    /// The rework permission is used up.
    #[error("step `{from}` has already sent work back to `{to}` {max} times (the maximum)")]
    ReworkLimit {
        /// The step sending back.
        from: String,
        /// The target.
        to: String,
        /// The allowed count.
        max: u32,
    },
    /// The instance has completed or was cancelled.
    #[error("the instance is {0}")]
    Finished(&'static str),
    /// A deadline needs a business calendar but the process names none.
    #[error("a `wd`/`wh` duration needs a process calendar")]
    NoCalendar,
    /// An instant would fall after the year 9999 (the last year the
    /// executor computes with, so that every instant prints as RFC 3339).
    #[error("an instant falls after the year 9999")]
    Overflow,
    /// A deadline could not be computed; names the step (or the whole
    /// process) and the deadline as the SOP writes it.
    #[error("cannot compute the deadline `{deadline}` of {}: {reason}", step.as_deref().map_or_else(|| "the process".to_owned(), |s| format!("step `{s}`")))]
    Deadline {
        /// The step, or `None` for the whole-process deadline.
        step: Option<String>,
        /// The deadline as written, e.g. `within 3wd` or `by 上市日 - 5wd`.
        deadline: String,
        /// Why.
        reason: Box<ExecError>,
    },
    /// [`Prepared::with_calendar`](super::Prepared::with_calendar) was given
    /// a calendar the process does not use.
    #[error("the process runs on calendar {}, not `{found}`", expected.as_deref().map_or_else(|| "none".to_owned(), |e| format!("`{e}`")))]
    CalendarMismatch {
        /// The process calendar's name, if it has one.
        expected: Option<String>,
        /// The name of the calendar given.
        found: String,
    },
    /// A command names an actor, a delegate or an id that is empty or only
    /// white space.
    #[error("`{field}` must not be empty")]
    EmptyName {
        /// The command field: `id`, `actor` or `to`.
        field: &'static str,
    },
    /// A delegation that could never work, e.g. to a co-owner of a 会签
    /// step (who must sign for themselves).
    #[error("step `{step}` cannot be delegated to `{to}`: {reason}")]
    BadDelegation {
        /// The step.
        step: String,
        /// The intended delegate.
        to: String,
        /// Why not.
        reason: &'static str,
    },
    /// A send-back to a step that never ran in this instance (a branch of a
    /// choice that was not taken, or a step skipped).
    #[error("step `{from}` cannot send work back to `{to}`: `{to}` did not run in this instance")]
    ReworkTargetNotRun {
        /// The step sending back.
        from: String,
        /// The target that never ran.
        to: String,
    },
    /// Calendar arithmetic failed (e.g. a date beyond the calendar's holiday data).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// A command id the instance remembers was used again for a different
    /// command (another type, step, actor, reason, …): ids name one command
    /// each, so this is a host bug, not a retry.
    #[error("command id `{id}` was already used for a different command")]
    IdReused {
        /// The command id.
        id: String,
    },
    /// A retry of a command that the instance handled before the newest one
    /// (within its retry window): it changes nothing. Its events were
    /// returned when it was handled and are in the history, each with
    /// `"command": id`; only the newest command's events are kept to be
    /// returned again.
    #[error("command `{id}` was already handled; its events are in the history")]
    AlreadyHandled {
        /// The command id.
        id: String,
    },
    /// A saved [`Instance`](super::Instance) breaks an invariant of the
    /// state (checked on deserialization and by every call that takes the
    /// definition): it was damaged or edited by hand.
    #[error("corrupt instance state: {0}")]
    CorruptState(String),
    /// The events given to [`replay`](super::replay) do not form a valid history.
    #[error("cannot replay: {0}")]
    Replay(String),
}
