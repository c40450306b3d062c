//! What the [`Runtime`](crate::Runtime) answers: plain data, serde-ready for
//! an HTTP layer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sopflow::exec::{Event, Instance, StepStatus};

/// The outcome of [`Runtime::deploy`](crate::Runtime::deploy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The process name.
    pub process: String,
    /// Its version: 1 for the first deployment, +1 for each changed definition.
    pub version: i64,
    /// The definition's fingerprint, 16 hex digits.
    pub fingerprint: String,
    /// `false` when the newest version already had this fingerprint (nothing was added).
    pub created: bool,
}

/// One deployed version of a process, with how many instances run on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// The process name.
    pub process: String,
    /// The version.
    pub version: i64,
    /// The definition's fingerprint.
    pub fingerprint: String,
    /// The name of the main file it was deployed from.
    pub origin: String,
    /// When it was deployed.
    pub deployed_at: DateTime<Utc>,
    /// Instances on this version that are still open.
    pub open: i64,
    /// Instances on this version that completed.
    pub completed: i64,
    /// Instances on this version that were cancelled.
    pub cancelled: i64,
}

/// The answer to a start or a command: the events it caused, committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The events, as the executor emitted them (and as the log holds them).
    pub events: Vec<Event>,
    /// `true` when the same request had been answered before and this is
    /// that answer again (nothing changed this time).
    pub repeated: bool,
}

/// An instance's place in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Steps are open.
    Open,
    /// Every step is done or skipped.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl Status {
    /// The stored name: `open`, `completed`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    pub(crate) fn of(instance: &Instance) -> Status {
        match instance.lifecycle() {
            sopflow::exec::Lifecycle::Running => Status::Open,
            sopflow::exec::Lifecycle::Completed => Status::Completed,
            sopflow::exec::Lifecycle::Cancelled => Status::Cancelled,
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Status> {
        match name {
            "open" => Some(Status::Open),
            "completed" => Some(Status::Completed),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }
}

/// One line of [`Runtime::list`](crate::Runtime::list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSummary {
    /// The instance id.
    pub id: String,
    /// The process name.
    pub process: String,
    /// The version it runs on.
    pub version: i64,
    /// Open, completed or cancelled.
    pub status: Status,
    /// When a timer is next due, if any.
    pub next_wakeup: Option<DateTime<Utc>>,
    /// Why the last timer round failed for it, if it did (its timers then stop
    /// until a command succeeds).
    pub error: Option<String>,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A step of an instance, as [`Runtime::instance`](crate::Runtime::instance) shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// The step key, e.g. `研发部:评估`.
    pub key: String,
    /// Its owner departments.
    pub owners: Vec<String>,
    /// Pending, active, paused, done or skipped.
    pub status: StepStatus,
    /// When it became active (the last time).
    pub activated_at: Option<DateTime<Utc>>,
    /// Its deadline, if it has one and was activated.
    pub due: Option<DateTime<Utc>>,
}

/// An instance with its steps and the executor's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceView {
    /// The summary.
    #[serde(flatten)]
    pub summary: InstanceSummary,
    /// The definition's fingerprint.
    pub fingerprint: String,
    /// Every step, in topological order.
    pub steps: Vec<StepView>,
    /// The executor's state, as stored.
    pub state: Instance,
}

/// Which instances [`Runtime::list`](crate::Runtime::list) returns, ordered by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListFilter {
    /// Only this process.
    pub process: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only ids after this one (the last id of the previous page).
    pub after: Option<String>,
    /// At most this many (0 means 100).
    pub limit: u32,
}

/// An event that a timer round emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fired {
    /// The instance.
    pub instance: String,
    /// The event (its `at` is the instant it fell due).
    pub event: Event,
}

/// What one [`Runtime::run_due`](crate::Runtime::run_due) call did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Round {
    /// How many due instances it claimed.
    pub claimed: usize,
    /// The events the claimed instances emitted, instance by instance in claim order.
    pub fired: Vec<Fired>,
    /// Instances whose tick failed, with the reason; their timers stop (see
    /// [`InstanceSummary::error`]).
    pub failed: Vec<(String, String)>,
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The outbox row id (increasing).
    pub id: i64,
    /// The instance.
    pub instance: String,
    /// The seq of the event in the instance's log: with `instance` and
    /// `recipient`, the idempotency key of the delivery.
    pub seq: i64,
    /// Who is to be told: a department, a person (部门负责人) or a role.
    pub recipient: String,
    /// `warning_raised`, `deadline_missed` or `escalated`.
    pub kind: String,
    /// The step, or `None` for the whole process.
    pub step: Option<String>,
    /// The escalation level, for `escalated`.
    pub level: Option<i64>,
    /// The event's instant.
    pub at: DateTime<Utc>,
    /// The event.
    pub event: Event,
    /// `pending` until delivery (a later part of the runtime) takes it.
    pub status: String,
}

/// Counts for monitoring, from [`Runtime::stats`](crate::Runtime::stats).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Instances by status (`open`, `completed`, `cancelled`).
    pub instances: std::collections::BTreeMap<String, i64>,
    /// Events that timers emitted, by type (`warning_raised`,
    /// `deadline_missed`, `escalated`).
    pub timer_events: std::collections::BTreeMap<String, i64>,
    /// Commands handled (remembered command ids).
    pub commands: i64,
    /// Outbox rows by status (`pending`, and the delivery states).
    pub outbox: std::collections::BTreeMap<String, i64>,
}

/// Who may read the instances [`Runtime::board`](crate::Runtime::board) lists.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Readers {
    /// Everyone may read everything (an admin).
    #[default]
    All,
    /// Only instances to which one of these actors is a party (see
    /// [`parties`](crate::parties)); none for an empty set.
    Parties(std::collections::BTreeSet<String>),
}

/// Where a board page starts: after this instance in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardCursor {
    /// The last item's earliest deadline.
    pub due: Option<DateTime<Utc>>,
    /// The last item's id.
    pub id: String,
}

impl BoardCursor {
    /// The cursor as one opaque string for a URL: `SECONDS~ID` (`-~ID`
    /// without a deadline).
    ///
    /// # Example
    /// ```
    /// use sopflow_runtime::BoardCursor;
    /// let cursor = BoardCursor { due: "2026-03-04T10:00:00Z".parse().ok(), id: "NP-7".into() };
    /// assert_eq!(cursor.encode(), "1772618400~NP-7");
    /// assert_eq!(BoardCursor::decode(&cursor.encode()), Some(cursor));
    /// assert_eq!(BoardCursor::decode("NP-7"), None);
    /// ```
    pub fn encode(&self) -> String {
        match self.due {
            Some(due) => format!("{}~{}", due.timestamp(), self.id),
            None => format!("-~{}", self.id),
        }
    }

    /// Reads [`encode`](Self::encode)'s string; `None` when it is not one.
    pub fn decode(text: &str) -> Option<BoardCursor> {
        let (due, id) = text.split_once('~')?;
        let due = match due {
            "-" => None,
            seconds => Some(DateTime::from_timestamp(seconds.parse().ok()?, 0)?),
        };
        Some(BoardCursor {
            due,
            id: id.to_owned(),
        })
    }
}

/// Which instances [`Runtime::board`](crate::Runtime::board) returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BoardQuery {
    /// Only this process.
    pub process: Option<String>,
    /// Only this status (ignored with `overdue_at`).
    pub status: Option<Status>,
    /// Only open instances whose earliest deadline is before this instant
    /// (overdue now).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Only instances this department (or role) is a party to.
    pub department: Option<String>,
    /// Only instances these readers may read.
    pub readers: Readers,
    /// Start after this item (the previous page's [`BoardPage::next`]).
    pub after: Option<BoardCursor>,
    /// At most this many items (at least 1).
    pub limit: u32,
}

/// One line of the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardItem {
    /// The instance.
    pub summary: InstanceSummary,
    /// Its earliest deadline: of its active steps and of the whole process;
    /// `None` when it has none or is closed.
    pub due: Option<DateTime<Utc>>,
}

/// A page of the board.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BoardPage {
    /// The items, late first.
    pub items: Vec<BoardItem>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<BoardCursor>,
}
