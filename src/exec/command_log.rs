//! [`CommandLog`]: the retry window. The ids of the most recent commands
//! (with a digest of each payload) and the events of the newest, so that a
//! repeated id is answered again and changes nothing.
//!
//! Invariants: at most `window` ids, oldest first, each non-empty and
//! distinct; `last` holds the events of the newest id (none when no id is
//! remembered). The log never grows with the history: its size is bounded
//! by the window, not by how many commands the instance handled.

use std::collections::VecDeque;

use super::*;

/// How many recent commands keep their events for repeated ids: the newest.
pub const RECENT_COMMANDS: usize = 1;

/// How many command ids an instance remembers unless the host sets another
/// window with [`Instance::set_command_window`].
///
/// Retries arrive within seconds, a few commands later at most; sixteen ids
/// cost about 200 bytes of saved state. Hosts that keep a ledger of command
/// ids in a database (as `sopflow-runtime` does) may keep fewer, even none.
pub const DEFAULT_COMMAND_WINDOW: u32 = 16;

/// The largest retry window ([`Instance::set_command_window`] clamps to it,
/// and a saved state with a larger one is refused as corrupt).
pub const MAX_COMMAND_WINDOW: u32 = 1 << 16;

/// A remembered command: its whole id and the digest of its payload.
///
/// Compared by id alone: the digest is not in the history, so an instance
/// rebuilt by [`replay`] cannot know it, and it is still the same instance.
#[derive(Debug, Clone)]
pub(super) struct Remembered {
    pub(super) id: String,
    /// [`Command::digest`] of the payload; `None` when not known (an id
    /// rebuilt by [`replay`] or read from a format 1 state): then any
    /// payload with that id counts as the same command.
    pub(super) digest: Option<u64>,
}

impl PartialEq for Remembered {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Remembered {}

/// The retry window of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CommandLog {
    /// How many ids are kept, at most [`MAX_COMMAND_WINDOW`].
    pub(super) window: u32,
    /// The remembered ids, oldest first.
    pub(super) ids: VecDeque<Remembered>,
    /// The events of the newest id.
    pub(super) last: Vec<Event>,
}

impl Default for CommandLog {
    fn default() -> Self {
        CommandLog {
            window: DEFAULT_COMMAND_WINDOW,
            ids: VecDeque::new(),
            last: Vec::new(),
        }
    }
}

/// What the log knows of a command id.
pub(super) enum Known {
    /// Not remembered: run the command.
    New,
    /// The newest command again: its events.
    Last(Vec<Event>),
}

impl CommandLog {
    /// Refuses a damaged log.
    pub(super) fn validate(&self) -> Result<(), ExecError> {
        let corrupt = |m: &str| Err(ExecError::CorruptState(m.into()));
        if self.window > MAX_COMMAND_WINDOW {
            return corrupt("the command window is larger than the maximum");
        }
        if self.ids.len() > self.window as usize {
            return corrupt("more command ids are remembered than the window holds");
        }
        if self.ids.iter().any(|r| r.id.trim().is_empty()) {
            return corrupt("a remembered command id is empty");
        }
        for (i, r) in self.ids.iter().enumerate() {
            if self.ids.iter().skip(i + 1).any(|o| o.id == r.id) {
                return corrupt("a command id is remembered twice");
            }
        }
        if self.ids.is_empty() && !self.last.is_empty() {
            return corrupt("events are kept for a command that is not remembered");
        }
        Ok(())
    }

    /// Whether `id` is remembered.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.ids.iter().any(|r| r.id == id)
    }

    /// What a command with this id and payload digest is: new, a repeat of
    /// the newest command, or an error (the id was used for another
    /// payload, or by an older command whose events are in the history).
    pub(super) fn lookup(&self, id: &str, digest: u64) -> Result<Known, ExecError> {
        let Some(pos) = self.ids.iter().rposition(|r| r.id == id) else {
            return Ok(Known::New);
        };
        if self.ids[pos].digest.is_some_and(|d| d != digest) {
            return Err(ExecError::IdReused { id: id.to_owned() });
        }
        if pos + 1 == self.ids.len() {
            Ok(Known::Last(self.last.clone()))
        } else {
            Err(ExecError::AlreadyHandled { id: id.to_owned() })
        }
    }

    /// Remembers a handled command, forgetting the oldest beyond the window.
    pub(super) fn record(&mut self, id: String, digest: Option<u64>, events: Vec<Event>) {
        if self.window == 0 {
            return;
        }
        while self.ids.len() >= self.window as usize {
            self.ids.pop_front();
        }
        self.ids.push_back(Remembered { id, digest });
        self.last = events;
    }

    /// [`CommandLog::record`] with a copy of `events`, made in the buffers of
    /// the events it replaces where they fit, and in the id buffer it evicts.
    pub(super) fn record_copy(&mut self, id: &str, digest: u64, events: &[Event]) {
        if self.window == 0 {
            return;
        }
        let mut evicted = None;
        while self.ids.len() >= self.window as usize {
            evicted = self.ids.pop_front();
        }
        let remembered = match evicted {
            Some(mut r) => {
                copy_string(&mut r.id, id);
                r.digest = Some(digest);
                r
            }
            None => Remembered {
                id: id.to_owned(),
                digest: Some(digest),
            },
        };
        self.ids.push_back(remembered);
        copy_events(&mut self.last, events);
    }

    /// Sets the window, forgetting the oldest ids beyond it.
    pub(super) fn set_window(&mut self, window: u32) {
        self.window = window.min(MAX_COMMAND_WINDOW);
        while self.ids.len() > self.window as usize {
            self.ids.pop_front();
        }
        if self.ids.is_empty() {
            self.last = Vec::new();
        }
    }
}

/// Makes `dst` equal to `src`, reusing the strings and vectors of `dst`
/// where events of the same kind line up and a buffer has exactly the
/// length it needs: the copy holds exactly the heap a clone would.
pub(super) fn copy_events(dst: &mut Vec<Event>, src: &[Event]) {
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
pub(super) fn copy_string(to: &mut String, from: &str) {
    if to.capacity() == from.len() {
        to.clear();
        to.push_str(from);
    } else {
        *to = from.to_owned();
    }
}

/// `*to = from.clone()`, in `to`'s buffers where they have exactly the length.
pub(super) fn copy_strings(to: &mut Vec<String>, from: &[String]) {
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
pub(super) fn copy_event(to: &mut Event, from: &Event) {
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
