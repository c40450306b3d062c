//! The compact state of an instance: step statuses, timers and the
//! [`Core`] that commands change, plus [`Undo`], its copy for small instances.
//!
//! Invariant: the state holds no strings but delegate names; names live in the
//! definition, and instants are seconds from the instance start.

use super::*;

/// Where a step is in its life. Displayed (and serialized) in snake case:
/// `pending`, `active`, `paused`, `done`, `skipped`.
///
/// `#[non_exhaustive]`: a later release may add a status; match with a
/// wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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

impl std::fmt::Display for StepStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StepStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Active => "active",
            StepStatus::Paused => "paused",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
        }
    }

    pub(super) fn is_closed(self) -> bool {
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

/// Serde for an optional [`Rel`]: absent (or `null`) when unset, never the
/// [`NONE`] sentinel, which is refused when read.
pub(super) mod opt_rel {
    use super::{Rel, NONE};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(in crate::exec) fn serialize<S: Serializer>(rel: &Rel, s: S) -> Result<S::Ok, S::Error> {
        match *rel {
            NONE => s.serialize_none(),
            rel => s.serialize_some(&rel),
        }
    }

    pub(in crate::exec) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Rel, D::Error> {
        match Option::<i64>::deserialize(d)? {
            None => Ok(NONE),
            Some(NONE) => Err(serde::de::Error::custom(
                "an unset instant is written as null or left out",
            )),
            Some(rel) => Ok(rel),
        }
    }

    pub(in crate::exec) fn is_none(rel: &Rel) -> bool {
        *rel == NONE
    }

    pub(in crate::exec) fn none() -> Rel {
        NONE
    }
}

fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A deadline with its warning and escalation timers, as offsets from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Timers {
    #[serde(
        default = "opt_rel::none",
        skip_serializing_if = "opt_rel::is_none",
        with = "opt_rel"
    )]
    pub(super) due: Rel,
    #[serde(
        default = "opt_rel::none",
        skip_serializing_if = "opt_rel::is_none",
        with = "opt_rel"
    )]
    pub(super) warn: Rel,
    /// Bit [`WARN_BIT`], [`MISSED_BIT`], then `2 + level index`
    /// (ladders have at most [`crate::model::MAX_LEVELS`] levels).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) fired: u64,
    /// The earliest instant an unfired timer fires at, or [`NONE`].
    #[serde(
        default = "opt_rel::none",
        skip_serializing_if = "opt_rel::is_none",
        with = "opt_rel"
    )]
    pub(super) next: Rel,
    /// Computed without the calendar's holiday data for a year it reaches.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) provisional: bool,
}

impl Timers {
    pub(super) fn has_fired(&self, bit: u32) -> bool {
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

/// A set of bit indices: the first 64 inline, more on the heap (a step may
/// have any number of arrows out of it; almost all have fewer than 64).
/// Serialized as the sorted list of its indices. 16 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Bits {
    first: u64,
    /// Words 1, 2, …; `None` (not an empty vector) when there are none, so
    /// that equal sets compare equal.
    // A thin pointer to the vector keeps `Bits` at 16 bytes (a `Vec` or a
    // boxed slice would make it 32 or 24), for every step of every instance;
    // the extra allocation happens only for steps with more than 64 arrows.
    #[allow(clippy::box_collection)]
    rest: Option<Box<Vec<u64>>>,
}

/// The largest index [`Bits`] accepts when deserializing: more arrows than
/// any definition has, small enough that a damaged state cannot make it
/// allocate much.
pub(super) const MAX_BIT: usize = 1 << 20;

impl Serialize for Bits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bits = (0..self.words() * 64).filter(|&bit| self.contains(bit));
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
    pub(super) fn word(&self, n: usize) -> u64 {
        match n {
            0 => self.first,
            _ => self
                .rest
                .as_ref()
                .and_then(|rest| rest.get(n - 1).copied())
                .unwrap_or(0),
        }
    }

    pub(super) fn contains(&self, bit: usize) -> bool {
        self.word(bit / 64) & (1 << (bit % 64)) != 0
    }

    /// How many 64-bit words hold the set.
    pub(super) fn words(&self) -> usize {
        1 + self.rest.as_ref().map_or(0, |rest| rest.len())
    }

    pub(super) fn insert(&mut self, bit: usize) {
        let (n, mask) = (bit / 64, 1 << (bit % 64));
        if n == 0 {
            self.first |= mask;
            return;
        }
        let rest = self.rest.get_or_insert_with(Default::default);
        if rest.len() < n {
            rest.resize(n, 0);
        }
        rest[n - 1] |= mask;
    }
}

/// The compact state of one step (88 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StepState {
    pub(super) status: StepStatus,
    /// Owners who signed a 会签 step, by owner index.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) signed: u32,
    /// Taken outgoing arrows (by successor index) once done or skipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) taken: Bits,
    #[serde(
        default = "opt_rel::none",
        skip_serializing_if = "opt_rel::is_none",
        with = "opt_rel"
    )]
    pub(super) activated: Rel,
    #[serde(
        default = "opt_rel::none",
        skip_serializing_if = "opt_rel::is_none",
        with = "opt_rel"
    )]
    pub(super) paused: Rel,
    /// Pause time added to the deadline so far, on the deadline's clock.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) extended: i32,
    #[serde(default, skip_serializing_if = "is_default_timers")]
    pub(super) timers: Timers,
}

fn is_default_timers(timers: &Timers) -> bool {
    *timers == Timers::default()
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
pub(super) struct Assignment {
    pub(super) step: u32,
    /// A delegate (with the owner index it acts for, or [`WHOLE`]) or, when
    /// `None`, the assignee an escalation level reassigned the step to.
    pub(super) delegate_for: Option<u32>,
    pub(super) name: String,
}

/// The mutable state, copied for each command so that failures change nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Core {
    /// The latest event instant.
    pub(super) clock: Rel,
    pub(super) lifecycle: Lifecycle,
    pub(super) any_late: bool,
    pub(super) steps: Vec<StepState>,
    pub(super) process: Timers,
    /// Use counts per [`Definition::reworks`] entry.
    pub(super) reworks: Vec<u32>,
    pub(super) assignments: Vec<Assignment>,
    pub(super) wakeup: Option<DateTime<Utc>>,
}

/// How many steps and rework counters [`Undo`] saves without allocating.
pub(super) const UNDO_INLINE: usize = 16;

/// A copy of a small [`Core`] taken before a command runs in place, so that
/// a failing command leaves the state as it was (without cloning the core's
/// vectors for every command).
pub(super) struct Undo {
    pub(super) clock: Rel,
    pub(super) lifecycle: Lifecycle,
    pub(super) any_late: bool,
    pub(super) steps: [StepState; UNDO_INLINE],
    pub(super) process: Timers,
    pub(super) reworks: [u32; UNDO_INLINE],
    /// `None` when there were none (the common case): nothing to clone.
    pub(super) assignments: Option<Vec<Assignment>>,
    pub(super) wakeup: Option<DateTime<Utc>>,
}

impl Undo {
    /// Saves `core`, or `None` when it has too many steps or rework entries.
    pub(super) fn save(core: &Core) -> Option<Undo> {
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
    pub(super) fn restore(self, core: &mut Core) {
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
