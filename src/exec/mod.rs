//! The sans-IO executor: workflow [`Instance`]s of a [`Definition`], driven by
//! [`Command`]s and by time, emitting [`Event`]s.
//!
//! # Invariants
//!
//! - **No I/O, no clock.** Every call takes `now` from the host; only
//!   [`SystemClock`] reads the real clock, and the executor never calls it.
//!   `exec` knows nothing of pest, files or the CLI.
//! - **Validate, then mutate.** A command that fails (unknown step,
//!   [`ExecError::NotAuthorized`], a calendar error, …) leaves the instance
//!   exactly as it was: it runs on a copy of the state that replaces the
//!   original only on success.
//! - **Events are the history.** Every change of state is an [`Event`], and
//!   the same code applies an event live and in [`replay`], so
//!   `replay(definition, events)` equals the live instance.
//! - **Deadlines are computed once**, at activation, and stored; a pause moves
//!   them by the paused time on their clock. Times are kept to the second
//!   (`now` is truncated).
//! - **Timers fire once.** Each warning and escalation level has a bit in the
//!   step's state; [`Instance::tick`] sets it when it emits the event, so
//!   repeated, early or out-of-order ticks emit nothing twice.
//! - **The instance does not borrow the definition.** It records the
//!   definition's [`fingerprint`](Definition::fingerprint); every call checks
//!   it and fails with [`ExecError::DefinitionMismatch`] for another definition.
//!
//! # Host loop
//!
//! ```
//! use sopflow::exec::{Attributes, Clock, Command, Instance, ManualClock};
//!
//! let def = sopflow::parse(
//!     "process 上新 { calendar cn }\n\
//!      ladder 标准 { warn at 50%\n +0 notify owner\n +1wd notify head }\n\
//!      市场部:提交需求 → 研发部:评估 within 2wd\n\
//!      step 研发部:评估 { ladder 标准 }",
//!     "上新.sop",
//! ).unwrap();
//! let clock = ManualClock::new("2026-03-02T09:00:00+08:00".parse().unwrap());
//! let (mut instance, events) = Instance::start(&def, "NP-1", Attributes::new(), clock.now())?;
//! assert_eq!(events.len(), 2); // instance_started, step_activated
//! instance.handle(&def, Command::complete("c1", "市场部:提交需求", "市场部"), clock.now())?;
//! // Nobody acts on 评估: jump the clock from wakeup to wakeup.
//! let mut kinds = Vec::new();
//! while let Some(wake) = instance.next_wakeup() {
//!     clock.set(wake);
//!     for event in instance.tick(&def, clock.now())? {
//!         kinds.push(serde_json::to_value(&event)?["type"].as_str().unwrap().to_owned());
//!     }
//! }
//! assert_eq!(kinds, ["warning_raised", "deadline_missed", "escalated", "escalated"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Events
//!
//! Each [`Event`] serializes as one flat JSON object with `at`, `type`, the
//! fields of its [`EventKind`], and `command` when a command caused it:
//!
//! ```json
//! {"at":"2026-03-02T01:00:00Z","type":"instance_started","instance":"NP-1","process":"上新","fingerprint":"…","attributes":{}}
//! {"at":"2026-03-02T01:00:00Z","type":"step_activated","step":"市场部:提交需求","owners":["市场部"]}
//! {"at":"2026-03-02T01:00:00Z","command":"c1","type":"step_completed","step":"市场部:提交需求","by":"市场部","late":false}
//! {"at":"2026-03-04T10:00:00Z","type":"escalated","step":"研发部:评估","level":1,"recipients":["研发部"],"overdue_by":0}
//! ```
//!
//! Events due at the same instant are ordered by the position of their step
//! in [`Definition::steps`] (the whole-process timers last), then warning,
//! deadline missed, and the escalation levels in ladder order. A command's
//! events come in causal order: the command's own event, then activations and
//! skips of the steps that follow (in topological order), then
//! `instance_completed`.
//!
//! # Semantics
//!
//! - A step activates when no arrow into it is undecided and at least one was
//!   taken; it is skipped (`branch_not_taken`) when every arrow into it is
//!   dead. An arrow is taken when its source completed and its condition
//!   holds (`when` an outcome was chosen; `otherwise` when no `when` arrow of
//!   the step was taken); a skipped step's arrows are dead, except after a
//!   [`Command::Skip`], which takes its unconditional arrows and decides a
//!   choice like a completion: with the outcomes it names, or without any
//!   through the `otherwise` arrow. Skipping a choice that has no
//!   `otherwise` without naming an outcome is refused
//!   ([`ExecError::BadOutcome`]): it would silently close every branch.
//! - Outcomes: a choice accepts its declared `outcomes`, or else the names
//!   its `when` arrows use; anything else, and an outcome given twice, is
//!   [`ExecError::BadOutcome`].
//! - Deadlines and the boundary: a step that completes at or before its due
//!   instant is on time (`late: false`). `deadline_missed` and the levels at
//!   the deadline (`+0`) fire one second (the executor's resolution) after
//!   the due instant, with `at` the due instant itself.
//! - Send-backs (退回, [`Command::SendBack`]) go to a step that completed
//!   in this instance ([`ExecError::ReworkTargetNotRun`] otherwise). They
//!   withdraw every step downstream of the target that had started,
//!   finished or been skipped, the sender among them, also on parallel
//!   branches: each gets a [`EventKind::StepReset`] (its completion,
//!   signatures, deadline and delegations are void) and runs again when the
//!   flow reaches it; then the target is activated again.
//! - Delegations: each owner of a 会签 step may delegate their own
//!   signature; delegations of different owners coexist. A delegation to an
//!   owner of the step is refused ([`ExecError::BadDelegation`]): an owner
//!   signs for themselves. Empty or blank actors, delegates and command ids
//!   are refused ([`ExecError::EmptyName`]).
//! - Priorities: see [`Instance::start`]; a known priority that a step's SLA
//!   list leaves out takes the list's default, or no deadline at that step.
//! - Missing holiday data never blocks work. A deadline that reaches a year
//!   the calendar has no holiday data for is computed on the working week and
//!   business hours alone, marked `provisional` in its event and in the
//!   state, and followed by [`EventKind::CalendarDataMissing`] (calendar and
//!   year). Timers fire on it as usual. When the data arrives, a host runs the
//!   definition with [`Prepared::with_calendar`] and calls
//!   [`Instance::revise_deadlines`], which emits
//!   [`EventKind::DeadlineRevised`] (old and new due). Other calendar errors
//!   name the step and the deadline ([`ExecError::Deadline`]).
//! - Instants: the executor computes up to 9999-12-31T23:59:59Z (so that
//!   every instant prints as RFC 3339); a deadline after that is
//!   [`ExecError::Overflow`], named by [`ExecError::Deadline`].
//!   [`Command::Cancel`] always works.
//! - Actors are names: the owner departments of a step, the role or
//!   department a ladder reassigned it to (转交), or the delegate named in a
//!   [`Command::Delegate`]. Owners, the current assignee and the delegate
//!   may complete, send back, pause, resume and delegate. A skip is allowed
//!   to the escalation recipients (other than `owner`) of the step's ladder
//!   and the process ladder. Anyone may cancel: hosts authorize cancellation.
//! - 会签 (`sign all`) steps complete when each owner has signed (a delegate
//!   signs for the owner who delegated; an assignee completes the step
//!   outright); 或签 steps complete on the first completion. Outcomes and
//!   deliverables are checked on the completing signature.
//! - Escalation recipients: `owner` → the owner departments; `head` → each
//!   owner department's head, or `<部门>负责人` when none is declared;
//!   `superior` → the first entry of the first owner's escalation chain that
//!   every owner's chain contains (the heads when there is none); a role or
//!   department → its name. For the process ladder, the owners are those of
//!   the start step.
//! - Clocks: a `within` deadline in `wd`/`wh` runs on the process calendar's
//!   business clock: its warning percentage, `warn … before` and pause
//!   extensions count working time (`warn 4h before` is four working hours
//!   before the due; `warn 1d before` the close of business of the working
//!   day before). Every other deadline, including `by` dates, runs on elapsed
//!   time. A `by` deadline already past at activation is due at activation.
//! - Command ids (the retry window): an instance remembers the ids of its
//!   last [`DEFAULT_COMMAND_WINDOW`] handled commands (16; hosts set another
//!   window with [`Instance::set_command_window`], up to
//!   [`MAX_COMMAND_WINDOW`]), whole, each with a digest of its payload. The
//!   newest command repeated is answered with its events again; an older
//!   one in the window with [`ExecError::AlreadyHandled`] (its events are
//!   in the history); the same id with a different payload with
//!   [`ExecError::IdReused`]. Either way nothing changes. An id older than
//!   the window is forgotten: the command runs again as a new one (and
//!   usually fails, e.g. a step completed twice). Hosts that must recognise
//!   every id ever used keep a ledger (as `sopflow-runtime` does). A failed
//!   command is not remembered, so a retry runs again. The window bounds the
//!   instance's size: it does not grow with its history.
//! - A command whose `now` is earlier than the latest event is treated as
//!   happening at that event's instant, so a history never goes back in time.
//!
//! # Size and speed
//!
//! Saved, an open 新产品上市 instance takes 736 to 1,410 bytes of JSON and
//! 83 to 244 bytes in the compact form ([`Instance::to_compact`]); neither
//! grows with the history (the retry window is bounded).
//!
//! A step's state is a few small integers and second offsets from the
//! instance start (no strings); names live in the definition. `benches/exec.rs`
//! measures an open instance of `examples/新产品上市.sop` with a counting global
//! allocator: 256 bytes inline plus 436 bytes of heap after start (692 B);
//! the cached answer to the last command adds its events (about 0.8 KiB for a
//! completion). [`Instance::tick`] with nothing due compares `now` with the
//! cached wakeup and returns (about 8 ns). Completing a step costs what its
//! successors' deadlines cost on the calendar: about 1 µs per completion with
//! elapsed-time deadlines, about 2.7 µs on the `cn` calendar.
mod apply;
mod attributes;
mod clock;
mod command;
mod command_log;
mod compact;
mod ctx;
mod error;
mod event;
mod flow;
mod instance;
mod legacy;
mod program;
mod replay;
mod run;
mod saved;
mod state;
#[cfg(test)]
mod tests;
mod timers;
mod timing;
mod validate;

pub use attributes::Attributes;
pub use clock::{Clock, ManualClock, SystemClock};
pub use command::Command;
pub use command_log::{DEFAULT_COMMAND_WINDOW, MAX_COMMAND_WINDOW, RECENT_COMMANDS};
pub use error::ExecError;
pub use event::{Event, EventKind, SkipReason};
pub use instance::Instance;
pub use program::{Prepared, Program};
pub use replay::replay;
pub use saved::FORMAT;

/// The version of the event JSON schema ([`Event`], [`EventKind`]). It
/// changes only with an incompatible change of an existing event; new kinds
/// and new optional fields keep it (see [`Event`]'s versioning rules).
pub const EVENT_SCHEMA: u32 = 1;
pub use state::{Lifecycle, StepStatus};

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::{Arc, OnceLock};

/// The chrono types of the public API (instants, dates, durations),
/// re-exported so that hosts need not pin a matching chrono themselves.
pub use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use chrono::Timelike;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::model::{Action, Condition, Definition, Ladder, Step, StepId, Target};

use attributes::check_attributes;
use command_log::{CommandLog, Known};
use ctx::Ctx;
use program::index_u32;
use run::Role;
use state::{Assignment, Bits, Core, StepState, Timers, Undo};

/// A time offset from the instance start, in seconds; [`NONE`] when unset.
type Rel = i64;
/// The unset [`Rel`].
const NONE: Rel = i64::MIN;
/// The last instant the executor computes with: 9999-12-31T23:59:59Z, so
/// that every instant it emits prints as RFC 3339.
const LAST_SECOND: i64 = 253_402_300_799;
/// The principal of a delegation by the assignee: the whole step.
const WHOLE: u32 = u32::MAX;
/// Timer bits: warning, deadline missed, then one bit per escalation level.
const WARN_BIT: u32 = 0;
const MISSED_BIT: u32 = 1;

/// Truncates to whole seconds: the executor's resolution.
fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

fn hex(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}
