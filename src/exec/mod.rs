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
//! - Command ids: the events of the last [`RECENT_COMMANDS`] commands are
//!   kept and returned again for a repeated id; older ids are remembered as
//!   64-bit hashes and answered with no events (their events were returned
//!   the first time). A failed command is not remembered, so a retry runs again.
//! - A command whose `now` is earlier than the latest event is treated as
//!   happening at that event's instant, so a history never goes back in time.
//!
//! # Size and speed
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

mod clock;
mod command;
mod error;
mod event;
mod timing;

pub use clock::{Clock, ManualClock, SystemClock};
pub use command::Command;
pub use error::ExecError;
pub use event::{Event, EventKind, SkipReason};

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::model::{Action, Condition, Definition, Ladder, Step, StepId, Target};

/// How many recent commands keep their events for repeated ids.
pub const RECENT_COMMANDS: usize = 1;

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

/// The attributes an instance starts with: its priority (which selects SLAs
/// such as `within P1 2h, P2 1wd`) and the dates `by` deadlines refer to.
///
/// # Example
/// ```
/// use sopflow::exec::Attributes;
/// let attrs = Attributes::from_pairs([("priority", "P1"), ("上市日", "2026-06-30")]).unwrap();
/// assert_eq!(attrs.priority.as_deref(), Some("P1"));
/// assert_eq!(attrs.date("上市日").unwrap().to_string(), "2026-06-30");
/// assert!(Attributes::from_pairs([("上市日", "六月")]).is_err());
/// let json = serde_json::to_string(&attrs).unwrap();
/// assert_eq!(json, r#"{"priority":"P1","上市日":"2026-06-30"}"#);
/// assert_eq!(serde_json::from_str::<Attributes>(&json).unwrap(), attrs);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attributes {
    /// The priority, e.g. `P1`.
    pub priority: Option<String>,
    /// Date attributes, sorted by name.
    pub dates: Vec<(String, NaiveDate)>,
}

/// Attributes serialize as one flat JSON object of strings:
/// `{"priority":"P1","上市日":"2026-06-30"}`.
impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(
            self.dates.len() + usize::from(self.priority.is_some()),
        ))?;
        if let Some(priority) = &self.priority {
            map.serialize_entry("priority", priority)?;
        }
        for (name, date) in &self.dates {
            map.serialize_entry(name, &date.format("%Y-%m-%d").to_string())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        Attributes::from_pairs(pairs).map_err(serde::de::Error::custom)
    }
}

impl Attributes {
    /// No priority, no dates.
    pub fn new() -> Self {
        Attributes::default()
    }

    /// Sets the priority.
    ///
    /// # Example
    /// ```
    /// let attrs = sopflow::exec::Attributes::new().with_priority("P2");
    /// assert_eq!(attrs.priority.as_deref(), Some("P2"));
    /// ```
    pub fn with_priority(mut self, priority: impl Into<String>) -> Self {
        self.priority = Some(priority.into());
        self
    }

    /// Sets a date attribute (replacing one of the same name).
    ///
    /// # Example
    /// ```
    /// let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    /// let attrs = sopflow::exec::Attributes::new().with_date("上市日", date);
    /// assert_eq!(attrs.date("上市日"), Some(date));
    /// assert_eq!(attrs.date("交付日"), None);
    /// ```
    pub fn with_date(mut self, name: impl Into<String>, date: NaiveDate) -> Self {
        let name = name.into();
        match self.dates.binary_search_by(|(n, _)| n.as_str().cmp(&name)) {
            Ok(i) => self.dates[i].1 = date,
            Err(i) => self.dates.insert(i, (name, date)),
        }
        self
    }

    /// Builds attributes from `key=value` pairs: `priority` sets the priority,
    /// every other key is a date (`YYYY-MM-DD`).
    ///
    /// # Errors
    /// [`ExecError::InvalidAttribute`] for a value that is not a date.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::Attributes;
    /// assert!(Attributes::from_pairs([("priority", "P1")]).is_ok());
    /// assert!(Attributes::from_pairs([("上市日", "2026-02-30")]).is_err());
    /// ```
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ExecError> {
        let mut attrs = Attributes::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            if key == "priority" {
                attrs.priority = Some(value.to_owned());
            } else {
                let date = value
                    .parse::<NaiveDate>()
                    .map_err(|_| ExecError::InvalidAttribute {
                        name: key.to_owned(),
                        value: value.to_owned(),
                        reason: "expected a date YYYY-MM-DD".into(),
                    })?;
                attrs = attrs.with_date(key, date);
            }
        }
        Ok(attrs)
    }

    /// The date attribute `name`.
    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        self.dates
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.dates[i].1)
    }
}

/// A definition prepared for execution: its fingerprint and adjacency lists,
/// computed once. Pass it instead of the [`Definition`] on hot paths: calls
/// with a plain `&Definition` prepare it (and hash it) on every call.
///
/// # Example
/// ```
/// use sopflow::exec::{Attributes, Command, Instance, Prepared};
/// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
/// let prepared = Prepared::new(&def);
/// assert_eq!(prepared.fingerprint(), def.fingerprint());
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (mut instance, _) = Instance::start(&prepared, "i", Attributes::new(), now).unwrap();
/// instance.handle(&prepared, Command::complete("1", "市场部", "市场部"), now).unwrap();
/// assert!(instance.handle(&prepared, Command::complete("2", "市场部", "市场部"), now).is_err());
/// ```
#[derive(Debug)]
pub struct Prepared<'d> {
    def: &'d Definition,
    fingerprint: u64,
    /// Outgoing arrows per step index, in [`Definition::successors`] order.
    succ: Vec<Vec<(u32, &'d Condition)>>,
    /// Incoming arrows per step index: source and its bit in the source's `succ`.
    pred: Vec<Vec<(u32, u32)>>,
    /// Topological position per step index.
    pos: Vec<u32>,
    keys: HashMap<&'d str, u32, BuildHasherDefault<KeyHasher>>,
    zone: Tz,
    /// The process calendar: the definition's, or one given to [`Prepared::with_calendar`].
    calendar: Option<Cow<'d, BusinessCalendar>>,
    /// The process calendar without its bound on years, made on first use:
    /// provisional deadlines are computed on it.
    unbounded: OnceLock<BusinessCalendar>,
}

/// A multiply-rotate hash over eight bytes at a time (as rustc's FxHash)
/// for step keys: short strings, looked up a few times per command. The
/// table holds the definition's keys only, so a chosen lookup key cannot
/// degrade it.
#[derive(Default)]
struct KeyHasher(u64);

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
}

impl<'d> Prepared<'d> {
    /// Prepares `def`: hashes it and builds adjacency lists.
    pub fn new(def: &'d Definition) -> Self {
        let n = def.graph().node_count();
        let mut succ = vec![Vec::new(); n];
        let mut pred = vec![Vec::new(); n];
        let mut pos = vec![0; n];
        let mut keys = HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default());
        for (position, (id, step)) in def.steps().enumerate() {
            pos[id.index()] = index_u32(position);
            keys.insert(step.key.as_str(), index_u32(id.index()));
            for (bit, (to, edge)) in def.successors(id).enumerate() {
                succ[id.index()].push((index_u32(to.index()), &edge.condition));
                pred[to.index()].push((index_u32(id.index()), index_u32(bit)));
            }
        }
        let zone = def
            .header()
            .zone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(Tz::UTC);
        Prepared {
            def,
            fingerprint: def.fingerprint(),
            succ,
            pred,
            pos,
            keys,
            zone,
            calendar: def.calendar().map(Cow::Borrowed),
            unbounded: OnceLock::new(),
        }
    }

    /// Runs the definition on `calendar` instead of its own process
    /// calendar of the same name: how a host adds holiday data (a year's
    /// notice) to running instances without changing their definition.
    /// Deadlines computed from then on use it, and
    /// [`Instance::revise_deadlines`] recomputes the provisional ones.
    ///
    /// # Errors
    /// [`ExecError::CalendarMismatch`] when the process has no calendar or
    /// one of another name.
    ///
    /// # Example
    /// ```
    /// use sopflow::calendar::BusinessCalendar;
    /// use sopflow::exec::Prepared;
    /// let def = sopflow::parse("process 上新 { calendar cn }\n市场部 → 研发部 within 3wd", "a.sop").unwrap();
    /// let with_2027 = BusinessCalendar::cn()
    ///     .to_builder()
    ///     .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")?
    ///     .build()?;
    /// let prepared = Prepared::new(&def).with_calendar(with_2027)?;
    /// assert_eq!(prepared.fingerprint(), def.fingerprint());
    /// let other = BusinessCalendar::builder("hk", chrono_tz::Asia::Hong_Kong).build()?;
    /// assert!(Prepared::new(&def).with_calendar(other).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_calendar(mut self, calendar: BusinessCalendar) -> Result<Self, ExecError> {
        match self.def.calendar() {
            Some(own) if own.name() == calendar.name() => {
                self.calendar = Some(Cow::Owned(calendar));
                self.unbounded = OnceLock::new();
                Ok(self)
            }
            own => Err(ExecError::CalendarMismatch {
                expected: own.map(|c| c.name().to_owned()),
                found: calendar.name().to_owned(),
            }),
        }
    }

    /// The definition.
    pub fn definition(&self) -> &'d Definition {
        self.def
    }

    /// The definition's [`fingerprint`](Definition::fingerprint).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("a definition has fewer than 2^32 steps")
}

/// What the executor runs against: a [`Definition`] (prepared on every call)
/// or a [`Prepared`] one.
pub trait Program {
    /// Calls `f` with the prepared definition.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::Program;
    /// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    /// assert_eq!(def.with_prepared(|p| p.fingerprint()), def.fingerprint());
    /// ```
    fn with_prepared<R>(&self, f: impl FnOnce(&Prepared<'_>) -> R) -> R;
}

impl Program for Definition {
    fn with_prepared<R>(&self, f: impl FnOnce(&Prepared<'_>) -> R) -> R {
        f(&Prepared::new(self))
    }
}

impl Program for Prepared<'_> {
    fn with_prepared<R>(&self, f: impl FnOnce(&Prepared<'_>) -> R) -> R {
        f(self)
    }
}

/// Where a step is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not yet reached.
    #[default]
    Pending,
    /// Active: its owners are working on it.
    Active,
    /// Active, with its SLA clock stopped.
    Paused,
    /// Completed.
    Done,
    /// Skipped: a branch not taken, or a [`Command::Skip`].
    Skipped,
}

impl StepStatus {
    fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Active => "active",
            StepStatus::Paused => "paused",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
        }
    }

    fn is_closed(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped)
    }
}

/// Whether the instance is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Steps are open.
    #[default]
    Running,
    /// Every step is done or skipped.
    Completed,
    /// Cancelled by a [`Command::Cancel`].
    Cancelled,
}

/// A deadline with its warning and escalation timers, as offsets from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Timers {
    due: Rel,
    warn: Rel,
    /// Bit [`WARN_BIT`], [`MISSED_BIT`], then `2 + level index`
    /// (ladders have at most [`crate::model::MAX_LEVELS`] levels).
    fired: u64,
    /// The earliest instant an unfired timer fires at, or [`NONE`].
    next: Rel,
    /// Computed without the calendar's holiday data for a year it reaches.
    provisional: bool,
}

impl Timers {
    fn has_fired(&self, bit: u32) -> bool {
        self.fired & 1u64.checked_shl(bit).unwrap_or(0) != 0
    }
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            due: NONE,
            warn: NONE,
            fired: 0,
            next: NONE,
            provisional: false,
        }
    }
}

/// A set of bit indices: one word inline, more on the heap (a step may
/// have any number of arrows out of it). Serialized as the sorted list of
/// its indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bits(smallvec::SmallVec<[u64; 1]>);

/// The largest index [`Bits`] accepts when deserializing: more arrows than
/// any definition has, small enough that a damaged state cannot make it
/// allocate much.
const MAX_BIT: usize = 1 << 20;

impl Serialize for Bits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bits = (0..self.0.len() * 64).filter(|&bit| self.contains(bit));
        serializer.collect_seq(bits)
    }
}

impl<'de> Deserialize<'de> for Bits {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let indices = Vec::<usize>::deserialize(deserializer)?;
        let mut bits = Bits::default();
        for bit in indices {
            if bit > MAX_BIT {
                return Err(serde::de::Error::custom(format!(
                    "arrow index {bit} is out of range"
                )));
            }
            bits.insert(bit);
        }
        Ok(bits)
    }
}

impl Bits {
    fn contains(&self, bit: usize) -> bool {
        self.0
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    fn insert(&mut self, bit: usize) {
        if self.0.len() <= bit / 64 {
            self.0.resize(bit / 64 + 1, 0);
        }
        self.0[bit / 64] |= 1 << (bit % 64);
    }
}

/// The compact state of one step (about 80 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StepState {
    status: StepStatus,
    /// Owners who signed a 会签 step, by owner index.
    signed: u32,
    /// Taken outgoing arrows (by successor index) once done or skipped.
    taken: Bits,
    activated: Rel,
    paused: Rel,
    /// Pause time added to the deadline so far, on the deadline's clock.
    extended: Rel,
    timers: Timers,
}

impl Default for StepState {
    fn default() -> Self {
        StepState {
            status: StepStatus::Pending,
            signed: 0,
            taken: Bits::default(),
            activated: NONE,
            paused: NONE,
            extended: 0,
            timers: Timers::default(),
        }
    }
}

/// Who besides the owners may act on a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Assignment {
    step: u32,
    /// A delegate (with the owner index it acts for, or [`WHOLE`]) or, when
    /// `None`, the assignee an escalation level reassigned the step to.
    delegate_for: Option<u32>,
    name: String,
}

/// The mutable state, copied for each command so that failures change nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Core {
    /// The latest event instant.
    clock: Rel,
    lifecycle: Lifecycle,
    any_late: bool,
    steps: Vec<StepState>,
    process: Timers,
    /// Use counts per [`Definition::reworks`] entry.
    reworks: Vec<u32>,
    assignments: Vec<Assignment>,
    wakeup: Option<DateTime<Utc>>,
}

/// How many steps and rework counters [`Undo`] saves without allocating.
const UNDO_INLINE: usize = 16;

/// A copy of a small [`Core`] taken before a command runs in place, so that
/// a failing command leaves the state as it was (without cloning the core's
/// vectors for every command).
struct Undo {
    clock: Rel,
    lifecycle: Lifecycle,
    any_late: bool,
    steps: [StepState; UNDO_INLINE],
    process: Timers,
    reworks: [u32; UNDO_INLINE],
    /// `None` when there were none (the common case): nothing to clone.
    assignments: Option<Vec<Assignment>>,
    wakeup: Option<DateTime<Utc>>,
}

impl Undo {
    /// Saves `core`, or `None` when it has too many steps or rework entries.
    fn save(core: &Core) -> Option<Undo> {
        // Destructured so that a new field of `Core` must be saved here too.
        let Core {
            clock,
            lifecycle,
            any_late,
            steps: saved_steps,
            process,
            reworks: saved_reworks,
            assignments,
            wakeup,
        } = core;
        if saved_steps.len() > UNDO_INLINE || saved_reworks.len() > UNDO_INLINE {
            return None;
        }
        let mut steps: [StepState; UNDO_INLINE] = std::array::from_fn(|_| StepState::default());
        steps[..saved_steps.len()].clone_from_slice(saved_steps);
        let mut reworks = [0; UNDO_INLINE];
        reworks[..saved_reworks.len()].copy_from_slice(saved_reworks);
        Some(Undo {
            clock: *clock,
            lifecycle: *lifecycle,
            any_late: *any_late,
            steps,
            process: *process,
            reworks,
            assignments: (!assignments.is_empty()).then(|| assignments.clone()),
            wakeup: *wakeup,
        })
    }

    /// Puts the saved state back. Commands never change how many steps or
    /// rework entries there are.
    fn restore(self, core: &mut Core) {
        let (steps, reworks) = (core.steps.len(), core.reworks.len());
        core.clock = self.clock;
        core.lifecycle = self.lifecycle;
        core.any_late = self.any_late;
        core.steps.clone_from_slice(&self.steps[..steps]);
        core.process = self.process;
        core.reworks.copy_from_slice(&self.reworks[..reworks]);
        core.assignments = self.assignments.unwrap_or_default();
        core.wakeup = self.wakeup;
    }
}

/// Which command ids were handled, and the events of the most recent ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct CommandLog {
    /// FNV-1a hashes of every handled id, sorted.
    seen: Vec<u64>,
    /// The last [`RECENT_COMMANDS`] ids with their events, oldest first.
    recent: Vec<(String, Vec<Event>)>,
}

impl CommandLog {
    fn lookup(&self, id: &str) -> Option<Vec<Event>> {
        if let Some((_, events)) = self.recent.iter().find(|(i, _)| i == id) {
            return Some(events.clone());
        }
        self.seen.binary_search(&fnv(id)).is_ok().then(Vec::new)
    }

    fn record(&mut self, id: String, events: Vec<Event>) {
        let hash = fnv(&id);
        if let Err(i) = self.seen.binary_search(&hash) {
            self.seen.insert(i, hash);
        }
        if self.recent.len() >= RECENT_COMMANDS {
            self.recent.remove(0);
        }
        self.recent.push((id, events));
    }

    /// [`CommandLog::record`] with a copy of `events`, made in the buffers of
    /// the entry it evicts where they fit.
    fn record_copy(&mut self, id: String, events: &[Event]) {
        if self.recent.len() < RECENT_COMMANDS {
            return self.record(id, events.to_vec());
        }
        let hash = fnv(&id);
        if let Err(i) = self.seen.binary_search(&hash) {
            self.seen.insert(i, hash);
        }
        let mut entry = self.recent.remove(0);
        entry.0 = id;
        copy_events(&mut entry.1, events);
        self.recent.push(entry);
    }
}

/// Makes `dst` equal to `src`, reusing the strings and vectors of `dst`
/// where events of the same kind line up and a buffer has exactly the
/// length it needs: the copy holds exactly the heap a clone would.
fn copy_events(dst: &mut Vec<Event>, src: &[Event]) {
    if dst.capacity() != src.len() {
        *dst = src.to_vec();
        return;
    }
    dst.truncate(src.len());
    let reused = dst.len();
    for (to, from) in dst.iter_mut().zip(src) {
        copy_event(to, from);
    }
    dst.extend_from_slice(&src[reused..]);
}

/// `*to = from.clone()`, in `to`'s buffer when it has exactly the length.
fn copy_string(to: &mut String, from: &str) {
    if to.capacity() == from.len() {
        to.clear();
        to.push_str(from);
    } else {
        *to = from.to_owned();
    }
}

/// `*to = from.clone()`, in `to`'s buffers where they have exactly the length.
fn copy_strings(to: &mut Vec<String>, from: &[String]) {
    if to.capacity() != from.len() {
        *to = from.to_vec();
        return;
    }
    to.truncate(from.len());
    let reused = to.len();
    for (to, from) in to.iter_mut().zip(from) {
        copy_string(to, from);
    }
    to.extend_from_slice(&from[reused..]);
}

/// Makes `to` equal to `from`, reusing its buffers for the kinds commands
/// emit most.
fn copy_event(to: &mut Event, from: &Event) {
    to.at = from.at;
    match (&mut to.command, &from.command) {
        (Some(to), Some(from)) => copy_string(to, from),
        (to, from) => to.clone_from(from),
    }
    match (&mut to.kind, &from.kind) {
        (
            EventKind::StepActivated {
                step,
                owners,
                due,
                warn_at,
                provisional,
            },
            EventKind::StepActivated {
                step: from_step,
                owners: from_owners,
                due: from_due,
                warn_at: from_warn_at,
                provisional: from_provisional,
            },
        ) => {
            copy_string(step, from_step);
            copy_strings(owners, from_owners);
            *due = *from_due;
            *warn_at = *from_warn_at;
            *provisional = *from_provisional;
        }
        (
            EventKind::StepCompleted {
                step,
                by,
                outcomes,
                deliverables,
                late,
                late_by,
            },
            EventKind::StepCompleted {
                step: from_step,
                by: from_by,
                outcomes: from_outcomes,
                deliverables: from_deliverables,
                late: from_late,
                late_by: from_late_by,
            },
        ) => {
            copy_string(step, from_step);
            copy_string(by, from_by);
            copy_strings(outcomes, from_outcomes);
            copy_strings(deliverables, from_deliverables);
            *late = *from_late;
            *late_by = *from_late_by;
        }
        (
            EventKind::StepSigned { step, by, owner },
            EventKind::StepSigned {
                step: from_step,
                by: from_by,
                owner: from_owner,
            },
        ) => {
            copy_string(step, from_step);
            copy_string(by, from_by);
            copy_string(owner, from_owner);
        }
        (kind, from) => *kind = from.clone(),
    }
}

/// FNV-1a 64 of a string.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One running (or finished) workflow instance: compact, serde, and
/// independent of the [`Definition`] it runs (it records its fingerprint).
///
/// # Example
/// ```
/// use sopflow::exec::{Attributes, Command, Instance, Lifecycle};
/// let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (mut instance, _) = Instance::start(&def, "i-1", Attributes::new(), now)?;
/// instance.handle(&def, Command::complete("1", "市场部", "市场部"), now)?;
/// // On time up to the due instant: the deadline is missed a second later.
/// assert_eq!(instance.next_wakeup(), Some("2026-03-05T01:00:01Z".parse()?));
/// let events = instance.handle(&def, Command::complete("2", "研发部", "研发部"), now)?;
/// assert_eq!(events.len(), 2); // step_completed, instance_completed
/// assert_eq!(instance.lifecycle(), Lifecycle::Completed);
/// assert!(instance.handle(&def, Command::complete("3", "研发部", "研发部"), now).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    id: String,
    fingerprint: u64,
    started_at: DateTime<Utc>,
    attributes: Attributes,
    core: Core,
    commands: CommandLog,
}

/// The context of one call: the prepared definition and the instance's constants.
struct Ctx<'a, 'd> {
    p: &'a Prepared<'d>,
    base: DateTime<Utc>,
    /// `base.timestamp()`, which chrono computes from the date each time.
    base_seconds: i64,
    attrs: &'a Attributes,
    command: Option<&'a str>,
    /// The first year a computation needed and the calendar lacked: set
    /// when a deadline was computed provisionally (see `timing.rs`).
    gap: Cell<Option<i32>>,
}

impl<'a, 'd> Ctx<'a, 'd> {
    fn new(
        p: &'a Prepared<'d>,
        base: DateTime<Utc>,
        attrs: &'a Attributes,
        command: Option<&'a str>,
    ) -> Self {
        Ctx {
            p,
            base,
            base_seconds: base.timestamp(),
            attrs,
            command,
            gap: Cell::new(None),
        }
    }
}

impl Ctx<'_, '_> {
    fn abs(&self, rel: Rel) -> Option<DateTime<Utc>> {
        (rel != NONE).then(|| {
            DateTime::from_timestamp(self.base_seconds + rel, self.base.timestamp_subsec_nanos())
                .unwrap_or_else(|| self.base + TimeDelta::seconds(rel))
        })
    }

    fn rel(&self, t: DateTime<Utc>) -> Result<Rel, ExecError> {
        if t.timestamp() > LAST_SECOND {
            return Err(ExecError::Overflow);
        }
        Ok(
            if t.timestamp_subsec_nanos() == self.base.timestamp_subsec_nanos() {
                t.timestamp() - self.base_seconds
            } else {
                (t - self.base).num_seconds()
            },
        )
    }

    fn rel_opt(&self, t: Option<DateTime<Utc>>) -> Result<Rel, ExecError> {
        t.map_or(Ok(NONE), |t| self.rel(t))
    }

    fn index(&self, key: &str) -> Result<usize, ExecError> {
        self.p
            .keys
            .get(key)
            .map(|&i| i as usize)
            .ok_or_else(|| ExecError::UnknownStep(key.to_owned()))
    }

    fn step(&self, index: usize) -> &Step {
        self.p
            .def
            .graph()
            .node_weight(petgraph::graph::NodeIndex::new(index))
            .expect("index of this definition")
    }

    fn event(&self, at: DateTime<Utc>, kind: EventKind) -> Event {
        Event {
            at,
            command: self.command.map(str::to_owned),
            kind,
        }
    }

    /// The ladder of a step, or of the process for `None`.
    fn ladder(&self, step: Option<usize>) -> &Ladder {
        match step {
            Some(i) => &self.step(i).ladder,
            None => &self.p.def.header().ladder,
        }
    }

    /// The owners a ladder addresses: the step's, or the start step's.
    fn owners(&self, step: Option<usize>) -> &[String] {
        match step.or_else(|| self.p.def.start().map(StepId::index)) {
            Some(i) => &self.step(i).owners,
            None => &[],
        }
    }

    fn head(&self, department: &str) -> String {
        self.p
            .def
            .departments()
            .iter()
            .find(|d| d.name == department)
            .and_then(|d| d.head.clone())
            .unwrap_or_else(|| format!("{department}负责人"))
    }

    fn resolve(&self, target: &Target, owners: &[String], out: &mut Vec<String>) {
        let mut push = |name: String| {
            if !out.contains(&name) {
                out.push(name);
            }
        };
        match target {
            Target::Owner => owners.iter().cloned().for_each(push),
            Target::Head => owners.iter().map(|o| self.head(o)).for_each(push),
            Target::Superior => {
                let chain = |name: &str| -> &[String] {
                    self.p
                        .def
                        .departments()
                        .iter()
                        .find(|d| d.name == name)
                        .map_or(&[], |d| d.escalation.as_slice())
                };
                let common = owners.first().and_then(|first| {
                    chain(first)
                        .iter()
                        .find(|e| owners.iter().all(|o| chain(o).contains(e)))
                });
                match common {
                    Some(name) => push(name.clone()),
                    None => owners.iter().map(|o| self.head(o)).for_each(push),
                }
            }
            Target::Role(name) | Target::Department(name) => push(name.clone()),
        }
    }

    /// The recipients of a level and the name a `reassign` hands the step to.
    fn recipients(&self, step: Option<usize>, level: usize) -> (Vec<String>, Option<String>) {
        let owners = self.owners(step);
        let mut recipients = Vec::new();
        let mut reassigned = None;
        for action in &self.ladder(step).levels[level].actions {
            let (Action::Notify(target) | Action::Reassign(target)) = action;
            let mut names = Vec::new();
            self.resolve(target, owners, &mut names);
            if matches!(action, Action::Reassign(_)) && reassigned.is_none() {
                reassigned = names.first().cloned();
            }
            for name in names {
                if !recipients.contains(&name) {
                    recipients.push(name);
                }
            }
        }
        (recipients, reassigned)
    }

    /// Who may skip a step: the non-owner escalation recipients of its ladder and the process ladder.
    fn skippers(&self, step: usize) -> Vec<String> {
        let owners = &self.step(step).owners;
        let mut out = Vec::new();
        for ladder in [&self.step(step).ladder, &self.p.def.header().ladder] {
            for level in &ladder.levels {
                for action in &level.actions {
                    let (Action::Notify(target) | Action::Reassign(target)) = action;
                    if *target != Target::Owner {
                        self.resolve(target, owners, &mut out);
                    }
                }
            }
        }
        out
    }

    /// The instant timer `bit` (warning, missed, level) of a deadline is
    /// about: the warning instant, the due instant, or the due instant plus
    /// the level's offset. Events carry this instant as `at`.
    fn timer_at(&self, ladder: &Ladder, timers: &Timers, bit: u32) -> Option<DateTime<Utc>> {
        match bit {
            WARN_BIT => self.abs(timers.warn),
            MISSED_BIT => self.abs(timers.due),
            _ => {
                let level = ladder.levels.get((bit - 2) as usize)?;
                // Validated when the deadline was set, so this cannot fail.
                self.level(level, self.abs(timers.due)?).ok()
            }
        }
    }

    /// The instant timer `bit` fires at. The boundary rule: a step that
    /// completes at its due instant is on time, so the deadline is missed,
    /// and levels at the deadline (`+0`) fire, one second (the executor's
    /// resolution) after it.
    fn fires_at(&self, ladder: &Ladder, timers: &Timers, bit: u32) -> Option<DateTime<Utc>> {
        let at = self.timer_at(ladder, timers, bit)?;
        if bit == WARN_BIT {
            return Some(at);
        }
        let after_due = self.abs(timers.due)? + TimeDelta::seconds(1);
        Some(at.max(after_due))
    }

    /// The timer bits of a ladder.
    fn bits(ladder: &Ladder) -> std::ops::Range<u32> {
        0..2 + index_u32(ladder.levels.len())
    }

    /// The earliest instant an unfired timer fires at.
    fn next_timer(&self, ladder: &Ladder, timers: &Timers) -> Rel {
        if let Some(next) = self.next_timer_seconds(ladder, timers) {
            return next;
        }
        Self::bits(ladder)
            .filter(|&bit| !timers.has_fired(bit))
            .filter_map(|bit| self.fires_at(ladder, timers, bit))
            .min()
            .and_then(|t| self.rel(t).ok())
            .unwrap_or(NONE)
    }

    /// [`Ctx::next_timer`] in seconds from the start, without chrono
    /// arithmetic for elapsed escalation offsets; `None` (use the instants)
    /// when the start or a business-clock escalation has sub-second nanos.
    fn next_timer_seconds(&self, ladder: &Ladder, timers: &Timers) -> Option<Rel> {
        if self.base.timestamp_subsec_nanos() != 0 {
            return None;
        }
        let rel = |r: Rel| (r != NONE).then_some(r);
        let mut next: Option<i64> = None;
        for bit in Self::bits(ladder).filter(|&bit| !timers.has_fired(bit)) {
            let at = match bit {
                WARN_BIT => rel(timers.warn),
                MISSED_BIT => rel(timers.due).map(|due| due + 1),
                _ => match (ladder.levels.get((bit - 2) as usize), rel(timers.due)) {
                    (Some(level), Some(due)) => match level.after {
                        None => Some(due + 1),
                        // Beyond chrono's range the instant form drops the
                        // level; here it is later than any valid instant,
                        // so the minimum is the same.
                        Some(d) if !d.unit.is_business() => {
                            d.as_elapsed().map(|e| (due + e.num_seconds()).max(due + 1))
                        }
                        Some(_) => match self.timer_at(ladder, timers, bit) {
                            Some(t) if t.timestamp_subsec_nanos() == 0 => {
                                Some((t.timestamp() - self.base_seconds).max(due + 1))
                            }
                            Some(_) => return None,
                            None => None,
                        },
                    },
                    _ => None,
                },
            };
            if let Some(at) = at {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Some(next.unwrap_or(NONE))
    }

    /// Checks that every escalation instant of a deadline can be computed.
    fn check_levels(&self, ladder: &Ladder, due: Option<DateTime<Utc>>) -> Result<(), ExecError> {
        let Some(due) = due else {
            return Ok(());
        };
        // Elapsed offsets are checked in seconds from the start: both ways
        // fail with `Overflow` exactly when the instant is out of range.
        let seconds = (due.timestamp_subsec_nanos() == 0
            && self.base.timestamp_subsec_nanos() == 0)
            .then(|| due.timestamp() - self.base_seconds);
        for level in &ladder.levels {
            match (seconds, level.after) {
                (Some(due), None) => self.check_rel(Some(due + 1))?,
                (Some(due), Some(d)) if !d.unit.is_business() => {
                    self.check_rel(d.as_elapsed().map(|e| due + e.num_seconds()))?;
                }
                _ => {
                    let at = self.level(level, due)?;
                    self.rel(at)?;
                }
            }
        }
        Ok(())
    }

    /// The timers of a deadline set by an event, none fired yet.
    fn timers(
        &self,
        step: Option<usize>,
        due: Option<DateTime<Utc>>,
        warn: Option<DateTime<Utc>>,
        provisional: bool,
    ) -> Result<Timers, ExecError> {
        match (due, warn) {
            (None, Some(_)) => {
                return Err(ExecError::Replay(
                    "a warning instant without a deadline".into(),
                ))
            }
            (Some(due), Some(warn)) if warn > due => {
                return Err(ExecError::Replay(
                    "a warning instant after its deadline".into(),
                ))
            }
            _ => {}
        }
        let mut timers = Timers {
            due: self.rel_opt(due)?,
            warn: self.rel_opt(warn)?,
            fired: 0,
            next: NONE,
            provisional,
        };
        timers.next = self.next_timer(self.ladder(step), &timers);
        Ok(timers)
    }

    /// Whether seconds from the start lie before the year 10000.
    fn check_rel(&self, seconds: Option<i64>) -> Result<(), ExecError> {
        match seconds.and_then(|s| s.checked_add(self.base_seconds)) {
            Some(at) if at <= LAST_SECOND => Ok(()),
            _ => Err(ExecError::Overflow),
        }
    }

    /// The arrows a finished step takes, given its chosen outcomes.
    fn taken(&self, step: usize, outcomes: &[String]) -> Bits {
        let mut mask = Bits::default();
        let mut when_taken = false;
        for (bit, (_, condition)) in self.p.succ[step].iter().enumerate() {
            let take = match condition {
                Condition::Always => true,
                Condition::When(names) => {
                    let hit = outcomes.iter().any(|o| names.contains(o));
                    when_taken |= hit;
                    hit
                }
                Condition::Otherwise => false,
            };
            if take {
                mask.insert(bit);
            }
        }
        if !when_taken {
            for (bit, (_, condition)) in self.p.succ[step].iter().enumerate() {
                if matches!(condition, Condition::Otherwise) {
                    mask.insert(bit);
                }
            }
        }
        mask
    }
}

/// The role of an actor on a step.
#[derive(Debug, Clone, Copy)]
enum Role {
    Owner(u32),
    Assignee,
    Delegate(u32),
}

impl Core {
    fn new(p: &Prepared<'_>) -> Core {
        Core {
            clock: 0,
            lifecycle: Lifecycle::Running,
            any_late: false,
            steps: vec![StepState::default(); p.pos.len()],
            process: Timers::default(),
            reworks: vec![0; p.def.reworks().len()],
            assignments: Vec::new(),
            wakeup: None,
        }
    }

    fn emit(
        &mut self,
        ctx: &Ctx<'_, '_>,
        out: &mut Vec<Event>,
        event: Event,
    ) -> Result<(), ExecError> {
        self.apply(ctx, &event)?;
        out.push(event);
        Ok(())
    }

    fn timers_mut(
        &mut self,
        ctx: &Ctx<'_, '_>,
        step: &Option<String>,
    ) -> Result<(Option<usize>, &mut Timers), ExecError> {
        match step {
            Some(key) => {
                let i = ctx.index(key)?;
                Ok((Some(i), &mut self.steps[i].timers))
            }
            None => Ok((None, &mut self.process)),
        }
    }

    fn fire(
        &mut self,
        ctx: &Ctx<'_, '_>,
        step: &Option<String>,
        bit: u32,
    ) -> Result<(), ExecError> {
        let (index, timers) = self.timers_mut(ctx, step)?;
        timers.fired |= 1u64.checked_shl(bit).unwrap_or(0);
        timers.next = ctx.next_timer(ctx.ladder(index), timers);
        Ok(())
    }

    /// Gives `name` a right on a step: the assignee (`None`), or the
    /// delegate of one principal (an owner index, or [`WHOLE`]). It replaces
    /// only the earlier holder of the same right, so delegations of
    /// different co-owners coexist.
    fn set_assignment(&mut self, step: usize, delegate_for: Option<u32>, name: &str) {
        let step = index_u32(step);
        self.assignments
            .retain(|a| !(a.step == step && a.delegate_for == delegate_for));
        self.assignments.push(Assignment {
            step,
            delegate_for,
            name: name.to_owned(),
        });
    }

    /// Applies one event: the only way the state changes, live and in replay.
    fn apply(&mut self, ctx: &Ctx<'_, '_>, event: &Event) -> Result<(), ExecError> {
        let at = ctx.rel(event.at)?;
        self.clock = self.clock.max(at);
        match &event.kind {
            EventKind::InstanceStarted {
                due,
                warn_at,
                provisional,
                ..
            } => {
                self.process = ctx.timers(None, *due, *warn_at, *provisional)?;
            }
            EventKind::StepActivated {
                step,
                due,
                warn_at,
                provisional,
                ..
            } => {
                let i = ctx.index(step)?;
                self.steps[i] = StepState {
                    status: StepStatus::Active,
                    activated: at,
                    timers: ctx.timers(Some(i), *due, *warn_at, *provisional)?,
                    ..StepState::default()
                };
                self.assignments.retain(|a| a.step as usize != i);
            }
            EventKind::CalendarDataMissing { .. } => {}
            EventKind::DeadlineRevised {
                step,
                due,
                warn_at,
                provisional,
                ..
            } => {
                let (index, timers) = self.timers_mut(ctx, step)?;
                let fired = timers.fired;
                let mut revised = ctx.timers(index, Some(*due), *warn_at, *provisional)?;
                revised.fired = fired;
                revised.next = ctx.next_timer(ctx.ladder(index), &revised);
                *timers = revised;
            }
            EventKind::StepSigned { step, owner, .. } => {
                let i = ctx.index(step)?;
                let bit = ctx
                    .step(i)
                    .owners
                    .iter()
                    .position(|o| o == owner)
                    .ok_or_else(|| {
                        ExecError::Replay(format!("`{owner}` does not own step `{step}`"))
                    })?;
                self.steps[i].signed |= 1u32.checked_shl(index_u32(bit)).unwrap_or(0);
            }
            EventKind::WarningRaised { step, .. } => self.fire(ctx, step, WARN_BIT)?,
            EventKind::DeadlineMissed { step, .. } => self.fire(ctx, step, MISSED_BIT)?,
            EventKind::Escalated {
                step,
                level,
                reassigned_to,
                ..
            } => {
                self.fire(ctx, step, level + 1)?;
                if let (Some(key), Some(to)) = (step, reassigned_to) {
                    let i = ctx.index(key)?;
                    self.set_assignment(i, None, to);
                }
            }
            EventKind::StepPaused { step, .. } => {
                let i = ctx.index(step)?;
                self.steps[i].status = StepStatus::Paused;
                self.steps[i].paused = at;
            }
            EventKind::StepResumed {
                step,
                due,
                warn_at,
                provisional,
                paused_for,
                ..
            } => {
                let i = ctx.index(step)?;
                let fired = self.steps[i].timers.fired;
                let mut timers = ctx.timers(Some(i), *due, *warn_at, *provisional)?;
                timers.fired = fired;
                timers.next = ctx.next_timer(ctx.ladder(Some(i)), &timers);
                let state = &mut self.steps[i];
                state.status = StepStatus::Active;
                state.paused = NONE;
                state.extended = state.extended.saturating_add(*paused_for);
                state.timers = timers;
            }
            EventKind::StepReassigned { step, by, to } => {
                let i = ctx.index(step)?;
                let principal = match self.role(ctx, i, by) {
                    Some(Role::Owner(o) | Role::Delegate(o)) => o,
                    Some(Role::Assignee) | None => WHOLE,
                };
                self.set_assignment(i, Some(principal), to);
            }
            EventKind::StepCompleted {
                step,
                outcomes,
                late,
                ..
            } => {
                let i = ctx.index(step)?;
                self.steps[i].status = StepStatus::Done;
                self.steps[i].taken = ctx.taken(i, outcomes);
                self.any_late |= *late;
            }
            EventKind::StepSkipped {
                step,
                reason,
                outcomes,
            } => {
                let i = ctx.index(step)?;
                self.steps[i].status = StepStatus::Skipped;
                self.steps[i].taken = match reason {
                    SkipReason::BranchNotTaken => Bits::default(),
                    SkipReason::By { .. } => ctx.taken(i, outcomes),
                };
            }
            EventKind::SentBack {
                from, to, count, ..
            } => {
                let (f, t) = (ctx.index(from)?, ctx.index(to)?);
                let rework = ctx
                    .p
                    .def
                    .reworks()
                    .iter()
                    .position(|r| r.from.index() == f && r.to.index() == t)
                    .ok_or_else(|| ExecError::ReworkNotAllowed {
                        from: from.clone(),
                        to: to.clone(),
                    })?;
                self.reworks[rework] = *count;
            }
            EventKind::StepReset { step, .. } => {
                let i = ctx.index(step)?;
                self.steps[i] = StepState::default();
                self.assignments.retain(|a| a.step as usize != i);
            }
            EventKind::InstanceCompleted { .. } => self.lifecycle = Lifecycle::Completed,
            EventKind::InstanceCancelled { .. } => self.lifecycle = Lifecycle::Cancelled,
        }
        Ok(())
    }

    /// The role of `actor` on a step: an owner, the assignee, or a delegate.
    /// A delegate of several co-owners of a 会签 step acts first for one who
    /// has not signed yet.
    fn role(&self, ctx: &Ctx<'_, '_>, step: usize, actor: &str) -> Option<Role> {
        if let Some(o) = ctx.step(step).owners.iter().position(|o| o == actor) {
            return Some(Role::Owner(index_u32(o)));
        }
        let signed = self.steps[step].signed;
        let step = index_u32(step);
        let mut found = None;
        for a in self
            .assignments
            .iter()
            .filter(|a| a.step == step && a.name == actor)
        {
            let role = match a.delegate_for {
                None => Role::Assignee,
                Some(p) => Role::Delegate(p),
            };
            match role {
                Role::Delegate(p)
                    if p != WHOLE && signed & 1u32.checked_shl(p).unwrap_or(0) == 0 =>
                {
                    return Some(role)
                }
                _ => {
                    found.get_or_insert(role);
                }
            }
        }
        found
    }

    fn authorize(&self, ctx: &Ctx<'_, '_>, step: usize, actor: &str) -> Result<Role, ExecError> {
        self.role(ctx, step, actor).ok_or_else(|| {
            let mut allowed = ctx.step(step).owners.clone();
            let s = index_u32(step);
            allowed.extend(
                self.assignments
                    .iter()
                    .filter(|a| a.step == s)
                    .map(|a| a.name.clone()),
            );
            ExecError::NotAuthorized {
                step: ctx.step(step).key.clone(),
                actor: actor.to_owned(),
                allowed,
            }
        })
    }

    fn expect_status(
        &self,
        ctx: &Ctx<'_, '_>,
        step: usize,
        ok: &[StepStatus],
        expected: &'static str,
    ) -> Result<(), ExecError> {
        let status = self.steps[step].status;
        if ok.contains(&status) {
            Ok(())
        } else {
            Err(ExecError::WrongState {
                step: ctx.step(step).key.clone(),
                status: status.as_str(),
                expected,
            })
        }
    }

    /// Activates a step: computes its deadline and warning, checks its
    /// escalation instants; a deadline computed without a year's holiday
    /// data is provisional and followed by `calendar_data_missing`.
    fn activate(
        &mut self,
        ctx: &Ctx<'_, '_>,
        i: usize,
        now: DateTime<Utc>,
        out: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let step = ctx.step(i);
        let (due, warn_at, gap) = ctx.deadline(Some(i), now)?;
        let kind = EventKind::StepActivated {
            step: step.key.clone(),
            owners: step.owners.clone(),
            due,
            warn_at,
            provisional: gap.is_some(),
        };
        self.emit(ctx, out, ctx.event(now, kind))?;
        self.emit_gap(ctx, Some(i), gap, now, out)
    }

    /// Emits `calendar_data_missing` for a deadline computed provisionally.
    fn emit_gap(
        &mut self,
        ctx: &Ctx<'_, '_>,
        step: Option<usize>,
        gap: Option<i32>,
        now: DateTime<Utc>,
        out: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let Some(year) = gap else {
            return Ok(());
        };
        let kind = EventKind::CalendarDataMissing {
            step: step.map(|i| ctx.step(i).key.clone()),
            calendar: ctx.calendar_name().to_owned(),
            year,
        };
        self.emit(ctx, out, ctx.event(now, kind))
    }

    /// Activates or skips the steps after `from`, in topological order.
    fn propagate(
        &mut self,
        ctx: &Ctx<'_, '_>,
        from: usize,
        now: DateTime<Utc>,
        out: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let mut work: Vec<u32> = ctx.p.succ[from].iter().map(|&(s, _)| s).collect();
        while !work.is_empty() {
            let (k, _) = work
                .iter()
                .enumerate()
                .min_by_key(|&(_, &s)| ctx.p.pos[s as usize])
                .expect("work is not empty");
            let i = work.swap_remove(k) as usize;
            if self.steps[i].status != StepStatus::Pending {
                continue;
            }
            let (mut pending, mut taken) = (false, false);
            for &(source, bit) in &ctx.p.pred[i] {
                let state = &self.steps[source as usize];
                if state.status.is_closed() {
                    taken |= state.taken.contains(bit as usize);
                } else {
                    pending = true;
                }
            }
            if pending {
                continue;
            }
            if taken {
                self.activate(ctx, i, now, out)?;
            } else {
                let kind = EventKind::StepSkipped {
                    step: ctx.step(i).key.clone(),
                    reason: SkipReason::BranchNotTaken,
                    outcomes: Vec::new(),
                };
                self.emit(ctx, out, ctx.event(now, kind))?;
                work.extend(ctx.p.succ[i].iter().map(|&(s, _)| s));
            }
        }
        Ok(())
    }

    fn finish_if_done(
        &mut self,
        ctx: &Ctx<'_, '_>,
        now: DateTime<Utc>,
        out: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        if self.steps.iter().all(|s| s.status.is_closed()) {
            let within = ctx.abs(self.process.due).is_none_or(|due| now <= due);
            let kind = EventKind::InstanceCompleted {
                on_time: !self.any_late && within,
            };
            self.emit(ctx, out, ctx.event(now, kind))?;
        }
        Ok(())
    }

    fn refresh_wakeup(&mut self, ctx: &Ctx<'_, '_>) {
        if self.lifecycle != Lifecycle::Running {
            self.wakeup = None;
            return;
        }
        let steps = self
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Active)
            .map(|s| s.timers.next);
        let next = steps
            .chain([self.process.next])
            .filter(|&r| r != NONE)
            .min();
        self.wakeup = next.and_then(|r| ctx.abs(r));
    }

    /// Runs a command whose id was moved into `ctx`; strings the events
    /// need are moved out of `command` once it has been validated.
    fn run(
        &mut self,
        ctx: &Ctx<'_, '_>,
        command: &mut Command,
        now: DateTime<Utc>,
        out: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        match command {
            Command::Complete {
                step,
                actor,
                deliverables,
                outcomes,
                ..
            } => {
                let i = ctx.index(step)?;
                self.expect_status(ctx, i, &[StepStatus::Active], "active")?;
                let role = self.authorize(ctx, i, actor)?;
                let def_step = ctx.step(i);
                let all = (1u64 << def_step.owners.len().min(32)) - 1;
                let sign_for = match role {
                    Role::Owner(o) | Role::Delegate(o) if o != WHOLE => Some(o),
                    _ => None,
                };
                if let (crate::model::SignMode::All, true, Some(o)) =
                    (def_step.sign, def_step.owners.len() > 1, sign_for)
                {
                    let bit = 1u32.checked_shl(o).unwrap_or(0);
                    let owner = &def_step.owners[o as usize];
                    if self.steps[i].signed & bit != 0 {
                        return Err(ExecError::AlreadySigned {
                            step: step.clone(),
                            actor: owner.clone(),
                        });
                    }
                    if u64::from(self.steps[i].signed | bit) != all {
                        // `step` is the key: `ctx.index` found it.
                        let kind = EventKind::StepSigned {
                            step: std::mem::take(step),
                            by: std::mem::take(actor),
                            owner: owner.clone(),
                        };
                        return self.emit(ctx, out, ctx.event(now, kind));
                    }
                }
                check_outcomes(ctx, i, outcomes, false)?;
                let missing: Vec<String> = def_step
                    .deliverables
                    .iter()
                    .filter(|d| !deliverables.contains(d))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    return Err(ExecError::MissingDeliverables {
                        step: step.clone(),
                        missing,
                    });
                }
                // On time up to and including the due instant (`Ctx::fires_at`).
                let late_by = ctx
                    .abs(self.steps[i].timers.due)
                    .map(|due| (now - due).num_seconds())
                    .filter(|&s| s > 0);
                let kind = EventKind::StepCompleted {
                    step: std::mem::take(step),
                    by: std::mem::take(actor),
                    outcomes: std::mem::take(outcomes),
                    deliverables: std::mem::take(deliverables),
                    late: late_by.is_some(),
                    late_by,
                };
                self.emit(ctx, out, ctx.event(now, kind))?;
                self.propagate(ctx, i, now, out)?;
                self.finish_if_done(ctx, now, out)
            }
            Command::SendBack {
                from,
                to,
                actor,
                reason,
                ..
            } => {
                let (f, t) = (ctx.index(from)?, ctx.index(to)?);
                self.expect_status(ctx, f, &[StepStatus::Active, StepStatus::Paused], "active")?;
                self.authorize(ctx, f, actor)?;
                let (k, rework) = ctx
                    .p
                    .def
                    .reworks()
                    .iter()
                    .enumerate()
                    .find(|(_, r)| r.from.index() == f && r.to.index() == t)
                    .ok_or_else(|| ExecError::ReworkNotAllowed {
                        from: from.clone(),
                        to: to.clone(),
                    })?;
                if self.steps[t].status != StepStatus::Done {
                    return Err(ExecError::ReworkTargetNotRun {
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
                if self.reworks[k] >= rework.max {
                    return Err(ExecError::ReworkLimit {
                        from: from.clone(),
                        to: to.clone(),
                        max: rework.max,
                    });
                }
                let kind = EventKind::SentBack {
                    from: from.clone(),
                    to: to.clone(),
                    count: self.reworks[k] + 1,
                    by: actor.clone(),
                    reason: reason.clone(),
                };
                self.emit(ctx, out, ctx.event(now, kind))?;
                // Withdraw every started step downstream of `to` (the sender
                // among them), in topological order; `to` itself is activated.
                let mut reset = Vec::new();
                let mut stack: Vec<usize> =
                    ctx.p.succ[t].iter().map(|&(s, _)| s as usize).collect();
                let mut seen = vec![false; self.steps.len()];
                while let Some(i) = stack.pop() {
                    if std::mem::replace(&mut seen[i], true) {
                        continue;
                    }
                    if self.steps[i].status != StepStatus::Pending {
                        reset.push(i);
                    }
                    stack.extend(ctx.p.succ[i].iter().map(|&(s, _)| s as usize));
                }
                reset.sort_by_key(|&i| ctx.p.pos[i]);
                for i in reset {
                    let kind = EventKind::StepReset {
                        step: ctx.step(i).key.clone(),
                        was: self.steps[i].status,
                    };
                    self.emit(ctx, out, ctx.event(now, kind))?;
                }
                self.activate(ctx, t, now, out)
            }
            Command::Pause {
                step,
                actor,
                reason,
                ..
            } => {
                let i = ctx.index(step)?;
                self.expect_status(ctx, i, &[StepStatus::Active], "active")?;
                self.authorize(ctx, i, actor)?;
                let kind = EventKind::StepPaused {
                    step: step.clone(),
                    by: actor.clone(),
                    reason: reason.clone(),
                };
                self.emit(ctx, out, ctx.event(now, kind))
            }
            Command::Resume { step, actor, .. } => {
                let i = ctx.index(step)?;
                self.expect_status(ctx, i, &[StepStatus::Paused], "paused")?;
                self.authorize(ctx, i, actor)?;
                let def_step = ctx.step(i);
                let business = ctx.is_business(def_step.deadline.as_ref());
                let state = &self.steps[i];
                let paused_at = ctx.abs(state.paused).ok_or_else(|| {
                    ExecError::Replay(format!("step `{step}` is paused without an instant"))
                })?;
                ctx.gap.set(None);
                let amount = ctx.between(business, paused_at, now)?;
                let due = ctx
                    .abs(state.timers.due)
                    .map(|d| ctx.shift(business, d, amount))
                    .transpose()?;
                let warn_at = match ctx.abs(state.timers.warn) {
                    Some(w) if !state.timers.has_fired(WARN_BIT) => {
                        Some(ctx.shift(business, w, amount)?)
                    }
                    other => other,
                };
                ctx.check_levels(&def_step.ladder, due)?;
                ctx.rel_opt(due)?;
                ctx.rel_opt(warn_at)?;
                let gap = ctx.gap.take();
                let kind = EventKind::StepResumed {
                    step: step.clone(),
                    by: actor.clone(),
                    paused_for: amount.num_seconds(),
                    due,
                    warn_at,
                    provisional: state.timers.provisional || gap.is_some(),
                };
                self.emit(ctx, out, ctx.event(now, kind))?;
                self.emit_gap(ctx, Some(i), gap, now, out)
            }
            Command::Delegate {
                step, actor, to, ..
            } => {
                let i = ctx.index(step)?;
                self.expect_status(ctx, i, &[StepStatus::Active, StepStatus::Paused], "active")?;
                self.authorize(ctx, i, actor)?;
                if ctx.step(i).owners.contains(to) {
                    return Err(ExecError::BadDelegation {
                        step: step.clone(),
                        to: to.clone(),
                        reason: "they own the step already (a 会签 co-owner signs for themselves)",
                    });
                }
                let kind = EventKind::StepReassigned {
                    step: step.clone(),
                    by: actor.clone(),
                    to: to.clone(),
                };
                self.emit(ctx, out, ctx.event(now, kind))
            }
            Command::Skip {
                step,
                actor,
                reason,
                outcomes,
                ..
            } => {
                let i = ctx.index(step)?;
                self.expect_status(ctx, i, &[StepStatus::Active, StepStatus::Paused], "active")?;
                let allowed = ctx.skippers(i);
                if !allowed.contains(actor) {
                    return Err(ExecError::NotAuthorized {
                        step: step.clone(),
                        actor: actor.clone(),
                        allowed,
                    });
                }
                check_outcomes(ctx, i, outcomes, true)?;
                let reason = SkipReason::By {
                    actor: actor.clone(),
                    reason: reason.clone(),
                };
                let kind = EventKind::StepSkipped {
                    step: step.clone(),
                    reason,
                    outcomes: std::mem::take(outcomes),
                };
                self.emit(ctx, out, ctx.event(now, kind))?;
                self.propagate(ctx, i, now, out)?;
                self.finish_if_done(ctx, now, out)
            }
            Command::Cancel { actor, reason, .. } => {
                let kind = EventKind::InstanceCancelled {
                    by: actor.clone(),
                    reason: reason.clone(),
                };
                self.emit(ctx, out, ctx.event(now, kind))
            }
        }
    }
}

/// Checks the outcomes a completion (or a skip, `skip`) chose against the
/// step's choice. The outcomes a choice accepts are its declared
/// `outcomes`, or else the names its `when` arrows use; each may be chosen
/// once. No outcome at all takes the `otherwise` arrow: allowed for a skip,
/// and for a completion of a choice without an `outcomes` list.
fn check_outcomes(
    ctx: &Ctx<'_, '_>,
    i: usize,
    outcomes: &[String],
    skip: bool,
) -> Result<(), ExecError> {
    let step = ctx.step(i);
    let bad = |reason: String| {
        Err(ExecError::BadOutcome {
            step: step.key.clone(),
            reason,
        })
    };
    let Some(choice) = &step.choice else {
        return if outcomes.is_empty() {
            Ok(())
        } else {
            bad("the step is not a choice".into())
        };
    };
    let known: Vec<&String> = if choice.outcomes.is_empty() {
        let mut names = Vec::new();
        for (_, condition) in &ctx.p.succ[i] {
            if let Condition::When(when) = condition {
                for name in when {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        names
    } else {
        choice.outcomes.iter().collect()
    };
    let list = || {
        known
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if outcomes.is_empty() {
        let otherwise = ctx.p.succ[i]
            .iter()
            .any(|(_, c)| matches!(c, Condition::Otherwise));
        // No outcome takes the `otherwise` arrow: always for a skip, and for
        // a completion where the step declares no `outcomes` list (its
        // `otherwise` means "none of the `when` names").
        if otherwise && (skip || choice.outcomes.is_empty()) {
            return Ok(());
        }
        return bad(if skip {
            format!(
                "skipping a choice without `otherwise` must choose its outcome: one of {}",
                list()
            )
        } else {
            format!("a choice needs an outcome: one of {}", list())
        });
    }
    if !choice.multi && outcomes.len() > 1 {
        return bad("only one outcome may be chosen".into());
    }
    if let Some(o) = outcomes.iter().find(|o| !known.contains(o)) {
        return bad(format!(
            "unknown outcome `{o}`; expected one of: {}",
            list()
        ));
    }
    if let Some((_, o)) = outcomes
        .iter()
        .enumerate()
        .find(|(k, o)| outcomes[..*k].contains(o))
    {
        return bad(format!("outcome `{o}` is chosen twice"));
    }
    Ok(())
}

/// Truncates to whole seconds: the executor's resolution.
fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

fn hex(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}

impl Instance {
    /// Starts an instance at `now`: records the attributes, computes the
    /// whole-process deadline and activates the start step.
    ///
    /// # Errors
    /// [`ExecError::MissingAttribute`] when a `by` deadline names a date
    /// attribute that is missing, or an SLA by priority has no entry for the
    /// (missing) priority; [`ExecError::InvalidAttribute`] for an unknown
    /// priority; [`ExecError::EmptyProcess`]; calendar errors.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, ExecError, Instance};
    /// let def = sopflow::parse("process 上新 { calendar cn }\n市场部 → 研发部 by 上市日 - 5wd", "a.sop").unwrap();
    /// let now = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let err = Instance::start(&def, "i", Attributes::new(), now).unwrap_err();
    /// assert_eq!(err, ExecError::MissingAttribute("上市日".into()));
    /// let attrs = Attributes::from_pairs([("上市日", "2026-06-30")]).unwrap();
    /// let (instance, events) = Instance::start(&def, "i", attrs, now).unwrap();
    /// assert_eq!(events.len(), 2);
    /// assert_eq!(instance.id(), "i");
    /// ```
    pub fn start<D: Program>(
        def: &D,
        id: impl Into<String>,
        attributes: Attributes,
        now: DateTime<Utc>,
    ) -> Result<(Instance, Vec<Event>), ExecError> {
        def.with_prepared(|p| Instance::start_prepared(p, id.into(), attributes, truncate(now)))
    }

    fn start_prepared(
        p: &Prepared<'_>,
        id: String,
        attributes: Attributes,
        now: DateTime<Utc>,
    ) -> Result<(Instance, Vec<Event>), ExecError> {
        let start = p.def.start().ok_or(ExecError::EmptyProcess)?;
        if id.trim().is_empty() {
            return Err(ExecError::EmptyName { field: "id" });
        }
        check_attributes(p.def, &attributes)?;
        let mut core = Core::new(p);
        let mut out = Vec::new();
        let ctx = Ctx::new(p, now, &attributes, None);
        let (due, warn_at, gap) = ctx.deadline(None, now)?;
        let kind = EventKind::InstanceStarted {
            instance: id.clone(),
            process: p.def.name().to_owned(),
            fingerprint: hex(p.fingerprint),
            attributes: attributes.clone(),
            due,
            warn_at,
            provisional: gap.is_some(),
        };
        core.emit(&ctx, &mut out, ctx.event(now, kind))?;
        core.emit_gap(&ctx, None, gap, now, &mut out)?;
        core.activate(&ctx, start.index(), now, &mut out)?;
        core.refresh_wakeup(&ctx);
        let instance = Instance {
            id,
            fingerprint: p.fingerprint,
            started_at: now,
            attributes,
            core,
            commands: CommandLog::default(),
        };
        Ok((instance, out))
    }

    fn check(&self, p: &Prepared<'_>) -> Result<(), ExecError> {
        if self.fingerprint == p.fingerprint {
            Ok(())
        } else {
            Err(ExecError::DefinitionMismatch {
                expected: hex(self.fingerprint),
                found: hex(p.fingerprint),
            })
        }
    }

    /// Handles one command at `now` and returns its events.
    ///
    /// A command id seen before returns the same events (or none, for an id
    /// older than the last [`RECENT_COMMANDS`]) and changes nothing.
    ///
    /// # Errors
    /// Any [`ExecError`]; the instance is then unchanged.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Command, Instance};
    /// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    /// let now = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now)?;
    /// let first = instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// let again = instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// assert_eq!(first, again);
    /// assert!(instance.handle(&def, Command::complete("c2", "未知", "市场部"), now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle<D: Program>(
        &mut self,
        def: &D,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, ExecError> {
        def.with_prepared(|p| self.handle_prepared(p, command, now))
    }

    fn handle_prepared(
        &mut self,
        p: &Prepared<'_>,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, ExecError> {
        self.check(p)?;
        command.check_names()?;
        if let Some(events) = self.commands.lookup(command.id()) {
            return Ok(events);
        }
        match self.core.lifecycle {
            Lifecycle::Running => {}
            Lifecycle::Completed => return Err(ExecError::Finished("completed")),
            Lifecycle::Cancelled => return Err(ExecError::Finished("cancelled")),
        }
        let mut command = command;
        let id = command.take_id();
        let ctx = Ctx::new(p, self.started_at, &self.attributes, Some(&id));
        let mut now = truncate(now).max(ctx.abs(self.core.clock).unwrap_or(self.started_at));
        if matches!(command, Command::Cancel { .. }) {
            // Cancelling always works: even a host clock past the year 9999
            // cancels, at the last instant the executor represents.
            now = now.min(DateTime::from_timestamp(LAST_SECOND, 0).unwrap_or(now));
        }
        let mut out = Vec::with_capacity(4);
        match Undo::save(&self.core) {
            // Small instances: run in place, put the state back on failure.
            Some(undo) => {
                if let Err(error) = self.core.run(&ctx, &mut command, now, &mut out) {
                    undo.restore(&mut self.core);
                    return Err(error);
                }
                self.core.refresh_wakeup(&ctx);
            }
            None => {
                let mut core = self.core.clone();
                core.run(&ctx, &mut command, now, &mut out)?;
                core.refresh_wakeup(&ctx);
                self.core = core;
            }
        }
        self.commands.record_copy(id, &out);
        Ok(out)
    }

    /// Emits every warning, deadline miss and escalation due at or before
    /// `now`, once each, in the documented order. With nothing due (checked
    /// against the cached [`next_wakeup`](Self::next_wakeup) before anything
    /// else) it returns an empty vector without allocating.
    ///
    /// # Errors
    /// [`ExecError::DefinitionMismatch`] when something is due and `def` is
    /// not the instance's definition.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Instance};
    /// let def = sopflow::parse("市场部 within 2h → 研发部", "a.sop").unwrap();
    /// let now: chrono::DateTime<chrono::Utc> = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now)?;
    /// let later = now + chrono::TimeDelta::hours(3);
    /// assert_eq!(instance.tick(&def, later)?.len(), 1); // deadline_missed
    /// assert!(instance.tick(&def, later)?.is_empty()); // once only
    /// assert!(instance.tick(&def, now)?.is_empty()); // an earlier tick does nothing
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tick<D: Program>(
        &mut self,
        def: &D,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, ExecError> {
        match self.core.wakeup {
            Some(wake) if now >= wake => {
                def.with_prepared(|p| self.tick_prepared(p, truncate(now)))
            }
            _ => Ok(Vec::new()),
        }
    }

    fn tick_prepared(
        &mut self,
        p: &Prepared<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, ExecError> {
        self.check(p)?;
        let ctx = Ctx::new(p, self.started_at, &self.attributes, None);
        // (instant, topological position, timer bit, step)
        let mut due: Vec<(DateTime<Utc>, u32, u32, Option<usize>)> = Vec::new();
        let mut collect = |step: Option<usize>, timers: &Timers, position: u32| {
            let ladder = ctx.ladder(step);
            for bit in Ctx::bits(ladder).filter(|&bit| !timers.has_fired(bit)) {
                if ctx
                    .fires_at(ladder, timers, bit)
                    .is_some_and(|at| at <= now)
                {
                    if let Some(at) = ctx.timer_at(ladder, timers, bit) {
                        due.push((at, position, bit, step));
                    }
                }
            }
        };
        for (i, state) in self.core.steps.iter().enumerate() {
            if state.status == StepStatus::Active
                && state.timers.next != NONE
                && ctx.abs(state.timers.next).is_some_and(|n| n <= now)
            {
                collect(Some(i), &state.timers, p.pos[i]);
            }
        }
        if self.core.process.next != NONE
            && ctx.abs(self.core.process.next).is_some_and(|n| n <= now)
        {
            collect(None, &self.core.process, u32::MAX);
        }
        due.sort_by_key(|&(at, position, bit, _)| (at, position, bit));
        let mut out = Vec::with_capacity(due.len());
        for (at, _, bit, step) in due {
            let key = step.map(|i| ctx.step(i).key.clone());
            let timers = match step {
                Some(i) => &self.core.steps[i].timers,
                None => &self.core.process,
            };
            // `fires_at` is `None` without a due instant, so this is `Some`.
            let Some(due_at) = ctx.abs(timers.due) else {
                continue;
            };
            let kind = match bit {
                WARN_BIT => EventKind::WarningRaised {
                    step: key,
                    due: due_at,
                },
                MISSED_BIT => EventKind::DeadlineMissed {
                    step: key,
                    due: due_at,
                },
                _ => {
                    let (recipients, reassigned_to) = ctx.recipients(step, (bit - 2) as usize);
                    EventKind::Escalated {
                        step: key,
                        level: bit - 1,
                        recipients,
                        reassigned_to,
                        overdue_by: (at - due_at).num_seconds(),
                    }
                }
            };
            self.core.emit(&ctx, &mut out, ctx.event(at, kind))?;
        }
        self.core.refresh_wakeup(&ctx);
        Ok(out)
    }

    /// Recomputes the provisional deadlines of the open steps (and of the
    /// process) on the calendar `def` runs on now, typically a
    /// [`Prepared::with_calendar`] that has the year the deadline lacked.
    ///
    /// Each deadline that changes, or stops being provisional, gets a
    /// [`EventKind::DeadlineRevised`] with the old and the new due instant
    /// (a pause's extension is kept); one that still lacks data is followed
    /// by [`EventKind::CalendarDataMissing`]. Timers that already fired do not
    /// fire again, even if the deadline moved later.
    ///
    /// # Errors
    /// [`ExecError::DefinitionMismatch`]; calendar errors other than missing
    /// holiday data, naming the step. The instance is then unchanged.
    ///
    /// # Example
    /// ```
    /// use sopflow::calendar::BusinessCalendar;
    /// use sopflow::exec::{Attributes, Command, EventKind, Instance, Prepared};
    ///
    /// let def = sopflow::parse("process 上新 { calendar cn }\n市场部 → 研发部 within 3wd", "a.sop")?;
    /// let now = "2026-12-29T10:00:00+08:00".parse()?;
    /// let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now)?;
    /// // 2027 is not in the built-in data: 研发部's deadline is provisional.
    /// let events = instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// assert!(matches!(events[2].kind, EventKind::CalendarDataMissing { year: 2027, .. }));
    ///
    /// // The 2027 notice arrives: the host adds it to `cn` (here: 2027-01-01 off).
    /// let extended = BusinessCalendar::cn()
    ///     .to_builder()
    ///     .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")?
    ///     .build()?;
    /// let prepared = Prepared::new(&def).with_calendar(extended)?;
    /// let revised = instance.revise_deadlines(&prepared, now)?;
    /// assert!(matches!(
    ///     revised[0].kind,
    ///     EventKind::DeadlineRevised { provisional: false, .. }
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn revise_deadlines<D: Program>(
        &mut self,
        def: &D,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, ExecError> {
        def.with_prepared(|p| self.revise_prepared(p, now))
    }

    fn revise_prepared(
        &mut self,
        p: &Prepared<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, ExecError> {
        self.check(p)?;
        let mut out = Vec::new();
        if self.core.lifecycle != Lifecycle::Running {
            return Ok(out);
        }
        let ctx = Ctx::new(p, self.started_at, &self.attributes, None);
        let now = truncate(now).max(ctx.abs(self.core.clock).unwrap_or(self.started_at));
        let mut core = self.core.clone();
        let open = core
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.status, StepStatus::Active | StepStatus::Paused))
            .filter(|(_, s)| s.timers.provisional)
            .map(|(i, _)| Some(i));
        let process = core.process.provisional.then_some(None);
        let mut targets: Vec<Option<usize>> = open.chain(process).collect();
        targets.sort_by_key(|t| t.map_or(u32::MAX, |i| p.pos[i]));
        for target in targets {
            let (timers, activated, extended) = match target {
                Some(i) => {
                    let s = &core.steps[i];
                    (s.timers, s.activated, s.extended)
                }
                None => (core.process, 0, 0),
            };
            let activated = ctx.abs(activated).unwrap_or(self.started_at);
            let (due, warn_at, gap) = ctx.deadline(target, activated)?;
            let (Some(previous), Some(mut due)) = (ctx.abs(timers.due), due) else {
                continue;
            };
            let mut warn_at = warn_at;
            if extended > 0 {
                let business = ctx.is_business(match target {
                    Some(i) => ctx.step(i).deadline.as_ref(),
                    None => p.def.header().deadline.as_ref(),
                });
                let amount = TimeDelta::seconds(extended);
                due = ctx.shift(business, due, amount)?;
                warn_at = warn_at
                    .map(|w| ctx.shift(business, w, amount))
                    .transpose()?;
            }
            let provisional = gap.is_some();
            if due != previous || warn_at != ctx.abs(timers.warn) || !provisional {
                let kind = EventKind::DeadlineRevised {
                    step: target.map(|i| ctx.step(i).key.clone()),
                    previous_due: previous,
                    due,
                    warn_at,
                    provisional,
                };
                core.emit(&ctx, &mut out, ctx.event(now, kind))?;
                core.emit_gap(&ctx, target, gap, now, &mut out)?;
            }
        }
        core.refresh_wakeup(&ctx);
        self.core = core;
        Ok(out)
    }

    /// The earliest instant at which [`tick`](Self::tick) could emit
    /// something, or `None` when nothing is scheduled (paused steps, a
    /// finished instance). Hosts sleep until then or index instances by it.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Instance};
    /// let def = sopflow::parse("市场部 within 1h → 研发部", "a.sop").unwrap();
    /// let now: chrono::DateTime<chrono::Utc> = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (instance, _) = Instance::start(&def, "i", Attributes::new(), now)?;
    /// // Missed one second after the due instant (completing at it is on time).
    /// assert_eq!(instance.next_wakeup(), Some(now + chrono::TimeDelta::seconds(3601)));
    /// let plain = sopflow::parse("市场部 → 研发部", "b.sop").unwrap();
    /// let (idle, _) = Instance::start(&plain, "j", Attributes::new(), now)?;
    /// assert_eq!(idle.next_wakeup(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_wakeup(&self) -> Option<DateTime<Utc>> {
        self.core.wakeup
    }

    /// The instance id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The fingerprint of the definition the instance runs.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// When it started (truncated to the second).
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// The attributes it started with.
    pub fn attributes(&self) -> &Attributes {
        &self.attributes
    }

    /// Running, completed or cancelled.
    pub fn lifecycle(&self) -> Lifecycle {
        self.core.lifecycle
    }

    /// The status of a step of the instance's definition.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Instance, StepStatus};
    /// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    /// let now = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
    /// assert_eq!(instance.step_status(def.find("市场部").unwrap()), Some(StepStatus::Active));
    /// assert_eq!(instance.step_status(def.find("研发部").unwrap()), Some(StepStatus::Pending));
    /// ```
    pub fn step_status(&self, step: StepId) -> Option<StepStatus> {
        self.core.steps.get(step.index()).map(|s| s.status)
    }

    /// The stored deadline of a step (set at activation, moved by pauses).
    pub fn step_due(&self, step: StepId) -> Option<DateTime<Utc>> {
        let rel = self.core.steps.get(step.index())?.timers.due;
        (rel != NONE).then(|| self.started_at + TimeDelta::seconds(rel))
    }

    /// The stored activation instant of a step.
    pub fn step_activated_at(&self, step: StepId) -> Option<DateTime<Utc>> {
        let rel = self.core.steps.get(step.index())?.activated;
        (rel != NONE).then(|| self.started_at + TimeDelta::seconds(rel))
    }

    /// Checks that this (e.g. deserialized) instance belongs to `def`.
    ///
    /// # Errors
    /// [`ExecError::DefinitionMismatch`].
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Instance};
    /// let a = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    /// let b = sopflow::parse("市场部 → 财务部", "a.sop").unwrap();
    /// let (instance, _) = Instance::start(&a, "i", Attributes::new(), "2026-03-02T01:00:00Z".parse().unwrap()).unwrap();
    /// assert!(instance.verify(&a).is_ok());
    /// assert!(instance.verify(&b).is_err());
    /// ```
    pub fn verify<D: Program>(&self, def: &D) -> Result<(), ExecError> {
        def.with_prepared(|p| self.check(p))
    }
}

/// Checks that the attributes cover every date and priority the SOP needs.
///
/// Priorities: a process whose SLAs name priorities (`within P1 2h, P2
/// 1wd`) knows those names. An instance's priority must be one of them
/// ([`ExecError::InvalidAttribute`] lists them). An instance without a
/// priority is refused ([`ExecError::MissingAttribute`]) when some SLA has
/// no default entry, since that step would silently run without a deadline.
/// A known priority that one step's list leaves out takes that list's
/// default, and with no default that step has no deadline: the author's
/// choice.
fn check_attributes(def: &Definition, attrs: &Attributes) -> Result<(), ExecError> {
    let deadlines = || {
        def.steps()
            .filter_map(|(_, s)| s.deadline.as_ref())
            .chain(def.header().deadline.as_ref())
    };
    let mut known: Vec<&str> = Vec::new();
    let mut needs_priority = false;
    for deadline in deadlines() {
        match deadline {
            crate::model::Deadline::By {
                anchor: crate::model::Anchor::Attribute(name),
                ..
            } if attrs.date(name).is_none() => {
                return Err(ExecError::MissingAttribute(name.clone()));
            }
            crate::model::Deadline::Within(sla) if !sla.by_priority.is_empty() => {
                needs_priority |= sla.default.is_none();
                for name in sla.by_priority.keys() {
                    if !known.contains(&name.as_str()) {
                        known.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    match &attrs.priority {
        Some(p) if !known.is_empty() && !known.contains(&p.as_str()) => {
            known.sort_unstable();
            Err(ExecError::InvalidAttribute {
                name: "priority".into(),
                value: p.clone(),
                reason: format!("the process knows the priorities {}", known.join(", ")),
            })
        }
        None if needs_priority => Err(ExecError::MissingAttribute("priority".into())),
        _ => Ok(()),
    }
}

/// Rebuilds an instance from its events (as returned by
/// [`Instance::start`], [`Instance::handle`] and [`Instance::tick`], in
/// order). The result equals the live instance. Events repeated by a
/// duplicate command id are ignored.
///
/// # Errors
/// [`ExecError::DefinitionMismatch`] when the history belongs to another
/// definition; [`ExecError::Replay`] when it does not start with
/// `instance_started`; [`ExecError::UnknownStep`] for a step the definition lacks.
///
/// # Example
/// ```
/// use sopflow::exec::{replay, Attributes, Command, Instance};
/// let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (mut instance, mut log) = Instance::start(&def, "i", Attributes::new(), now)?;
/// log.extend(instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?);
/// assert_eq!(replay(&def, &log)?, instance);
/// let other = sopflow::parse("市场部 → 研发部 within 4d", "a.sop").unwrap();
/// assert!(replay(&other, &log).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn replay<D: Program>(def: &D, events: &[Event]) -> Result<Instance, ExecError> {
    def.with_prepared(|p| replay_prepared(p, events))
}

fn replay_prepared(p: &Prepared<'_>, events: &[Event]) -> Result<Instance, ExecError> {
    let Some(Event {
        at,
        kind:
            EventKind::InstanceStarted {
                instance,
                fingerprint,
                attributes,
                ..
            },
        ..
    }) = events.first()
    else {
        return Err(ExecError::Replay(
            "the first event must be instance_started".into(),
        ));
    };
    if *fingerprint != hex(p.fingerprint) {
        return Err(ExecError::DefinitionMismatch {
            expected: fingerprint.clone(),
            found: hex(p.fingerprint),
        });
    }
    let mut result = Instance {
        id: instance.clone(),
        fingerprint: p.fingerprint,
        started_at: *at,
        attributes: attributes.clone(),
        core: Core::new(p),
        commands: CommandLog::default(),
    };
    let mut group: Option<(String, Vec<Event>)> = None;
    {
        let ctx = Ctx::new(p, result.started_at, &result.attributes, None);
        for event in events {
            match &event.command {
                Some(id) => {
                    // A group continues until its id changes or its first event
                    // comes again (a duplicate answer appended by the host).
                    let continues = group
                        .as_ref()
                        .is_some_and(|(g, evs)| g == id && evs.first() != Some(event));
                    if !continues {
                        if let Some((g, evs)) = group.take() {
                            result.commands.record(g, evs);
                        }
                        if result.commands.lookup(id).is_some() {
                            continue; // a duplicate command's repeated answer
                        }
                        group = Some((id.clone(), Vec::new()));
                    }
                }
                None => {
                    if let Some((g, evs)) = group.take() {
                        result.commands.record(g, evs);
                    }
                }
            }
            result.core.apply(&ctx, event)?;
            if let Some((_, evs)) = group.as_mut() {
                evs.push(event.clone());
            }
        }
        if let Some((g, evs)) = group.take() {
            result.commands.record(g, evs);
        }
        result.core.refresh_wakeup(&ctx);
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("an instant")
    }

    #[test]
    fn step_state_is_compact() {
        assert!(
            std::mem::size_of::<StepState>() <= 96,
            "{}",
            std::mem::size_of::<StepState>()
        );
    }

    #[test]
    fn by_date_without_calendar_is_midnight_in_the_process_zone() {
        let def = crate::parse(
            "process 活动 { zone Asia/Shanghai }\n市场部 by 2026-10-30 → 销售部",
            "a.sop",
        )
        .unwrap();
        let (instance, events) =
            Instance::start(&def, "i", Attributes::new(), t("2026-10-01T00:00:00Z")).unwrap();
        assert_eq!(
            instance.step_due(def.find("市场部").unwrap()),
            Some(t("2026-10-30T16:00:00Z"))
        );
        assert!(matches!(
            events[1].kind,
            EventKind::StepActivated { due: Some(_), .. }
        ));
    }

    #[test]
    fn a_past_by_date_is_due_at_activation() {
        let def = crate::parse("市场部 by 2026-01-01 → 销售部", "a.sop").unwrap();
        let now = t("2026-03-01T00:00:00Z");
        let (instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
        assert_eq!(instance.step_due(def.find("市场部").unwrap()), Some(now));
    }

    /// Copying events into the evicted cache entry gives equal events,
    /// whatever kinds and lengths line up.
    #[test]
    fn copied_events_are_equal() {
        let at = t("2026-03-02T01:00:00Z");
        let s = |x: &str| x.to_owned();
        let event = |command: Option<&str>, kind| Event {
            at,
            command: command.map(str::to_owned),
            kind,
        };
        let samples = vec![
            event(
                Some("c1"),
                EventKind::StepActivated {
                    step: s("研发部:评估"),
                    owners: vec![s("研发部")],
                    due: Some(at),
                    warn_at: None,
                    provisional: false,
                },
            ),
            event(
                Some("command-2"),
                EventKind::StepActivated {
                    step: s("a"),
                    owners: vec![s("销售部"), s("市场部"), s("x")],
                    due: None,
                    warn_at: Some(at),
                    provisional: true,
                },
            ),
            event(
                None,
                EventKind::StepCompleted {
                    step: s("市场部:提交需求"),
                    by: s("市场部"),
                    outcomes: vec![s("通过")],
                    deliverables: vec![s("《市场需求文档》"), s("《b》")],
                    late: true,
                    late_by: Some(5),
                },
            ),
            event(
                Some("c"),
                EventKind::StepCompleted {
                    step: s("b"),
                    by: s("c"),
                    outcomes: Vec::new(),
                    deliverables: vec![s("d")],
                    late: false,
                    late_by: None,
                },
            ),
            event(
                Some("c9"),
                EventKind::StepSigned {
                    step: s("a"),
                    by: s("b"),
                    owner: s("c"),
                },
            ),
            event(
                Some("c10"),
                EventKind::StepSigned {
                    step: s("销售部 & 市场部:制定推广方案"),
                    by: s("销售部"),
                    owner: s("销售部"),
                },
            ),
            event(Some("c3"), EventKind::InstanceCompleted { on_time: true }),
        ];
        let lists: Vec<Vec<Event>> = (0..samples.len())
            .flat_map(|i| (i..=samples.len()).map(move |j| (i, j)))
            .map(|(i, j)| samples[i..j].to_vec())
            .chain((0..samples.len()).map(|i| {
                let mut v = samples.clone();
                v.rotate_left(i);
                v
            }))
            .collect();
        for from in &lists {
            for to in &lists {
                let mut copy = to.clone();
                copy_events(&mut copy, from);
                assert_eq!(&copy, from);
                assert_eq!(copy.capacity(), from.len(), "as much heap as a clone");
                for event in &copy {
                    let command = event.command.as_ref();
                    assert!(command.is_none_or(|c| c.capacity() == c.len()));
                }
            }
        }
    }

    /// A command that fails after it has changed the state (here: the
    /// successor's deadline lies after the year 9999) leaves the instance
    /// as it was, on the in-place path and on the cloning path.
    #[test]
    fn a_command_failing_midway_changes_nothing() {
        let small = "市场部 → 研发部 within 36600d\n";
        let mut large = String::from("市场部 → 研发部 within 36600d\n");
        for i in 0..UNDO_INLINE {
            large.push_str(&format!("研发部 → 部门{i}\n"));
        }
        for source in [small.to_owned(), large] {
            let def = crate::parse(&source, "a.sop").unwrap();
            let now = t("9950-03-02T01:00:00Z");
            let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
            let before = instance.clone();
            let err = instance
                .handle(&def, Command::complete("c1", "市场部", "市场部"), now)
                .unwrap_err();
            assert_eq!(
                err.to_string(),
                "cannot compute the deadline `within 36600d` of step `研发部`: an instant falls after the year 9999"
            );
            assert_eq!(instance, before);
            // The id was not recorded: the same id runs again (and fails again).
            assert!(instance
                .handle(&def, Command::complete("c1", "市场部", "市场部"), now)
                .is_err());
            assert_eq!(instance, before);
        }
    }

    #[test]
    fn elapsed_pause_moves_deadline_and_warning() {
        let def = crate::parse("ladder L { warn at 50%\n +0 notify head }\nprocess p { ladder L }\n市场部 within 10h → 销售部", "a.sop").unwrap();
        let now = t("2026-03-02T00:00:00Z");
        let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
        assert_eq!(instance.next_wakeup(), Some(t("2026-03-02T05:00:00Z")));
        let pause = Command::Pause {
            id: "p".into(),
            step: "市场部".into(),
            actor: "市场部".into(),
            reason: String::new(),
        };
        instance
            .handle(&def, pause, t("2026-03-02T01:00:00Z"))
            .unwrap();
        assert_eq!(instance.next_wakeup(), None);
        assert!(instance
            .tick(&def, t("2026-03-03T00:00:00Z"))
            .unwrap()
            .is_empty());
        let resume = Command::Resume {
            id: "r".into(),
            step: "市场部".into(),
            actor: "市场部".into(),
        };
        let events = instance
            .handle(&def, resume, t("2026-03-02T04:00:00Z"))
            .unwrap();
        assert!(matches!(
            events[0].kind,
            EventKind::StepResumed {
                paused_for: 10800,
                ..
            }
        ));
        assert_eq!(
            instance.step_due(def.find("市场部").unwrap()),
            Some(t("2026-03-02T13:00:00Z"))
        );
        assert_eq!(instance.next_wakeup(), Some(t("2026-03-02T08:00:00Z")));
        // At the due instant only the warning: the step is still on time.
        let events = instance.tick(&def, t("2026-03-02T13:00:00Z")).unwrap();
        assert_eq!(events.len(), 1, "warning: {events:?}");
        assert_eq!(instance.next_wakeup(), Some(t("2026-03-02T13:00:01Z")));
        let mut events_after = instance.tick(&def, t("2026-03-02T13:00:01Z")).unwrap();
        assert!(events_after
            .iter()
            .all(|e| e.at == t("2026-03-02T13:00:00Z")));
        let mut events = events;
        events.append(&mut events_after);
        let kinds: Vec<_> = events
            .iter()
            .map(|e| std::mem::discriminant(&e.kind))
            .collect();
        assert_eq!(kinds.len(), 3, "warning, missed, level 1: {events:?}");
        assert!(
            matches!(&events[2].kind, EventKind::Escalated { recipients, .. } if recipients == &["市场部负责人"])
        );
    }

    #[test]
    fn warn_before_in_working_days_is_the_close_of_an_earlier_working_day() {
        let def = crate::parse("process p { calendar cn }\nladder L { warn 1wd before }\n市场部 within 3wd → 销售部\nstep 市场部 { ladder L }", "a.sop").unwrap();
        // Monday 10:00 in Beijing: due Thursday 18:00, warned Wednesday 18:00.
        let (_, events) =
            Instance::start(&def, "i", Attributes::new(), t("2026-03-02T02:00:00Z")).unwrap();
        match &events[1].kind {
            EventKind::StepActivated { due, warn_at, .. } => {
                assert_eq!(*due, Some(t("2026-03-05T10:00:00Z")));
                assert_eq!(*warn_at, Some(t("2026-03-04T10:00:00Z")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn commands_before_the_latest_event_happen_at_its_instant() {
        let def = crate::parse("市场部 → 销售部 → 财务部", "a.sop").unwrap();
        let now = t("2026-03-02T00:00:00Z");
        let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
        instance
            .handle(
                &def,
                Command::complete("a", "市场部", "市场部"),
                now + TimeDelta::hours(5),
            )
            .unwrap();
        let events = instance
            .handle(&def, Command::complete("b", "销售部", "销售部"), now)
            .unwrap();
        assert_eq!(events[0].at, now + TimeDelta::hours(5));
    }
}
