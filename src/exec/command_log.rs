//! [`CommandLog`]: the ids of handled commands and the events of the most
//! recent ones, so that a repeated id is answered again and changes nothing.

use super::*;

/// How many recent commands keep their events for repeated ids.
pub const RECENT_COMMANDS: usize = 1;

/// Which command ids were handled, and the events of the most recent ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(super) struct CommandLog {
    /// FNV-1a hashes of every handled id, sorted.
    pub(super) seen: Vec<u64>,
    /// The last [`RECENT_COMMANDS`] ids with their events, oldest first.
    pub(super) recent: Vec<(String, Vec<Event>)>,
}

impl CommandLog {
    /// Refuses empty ids (a damaged state).
    pub(super) fn validate(&self) -> Result<(), ExecError> {
        if self.recent.iter().any(|(id, _)| id.trim().is_empty()) {
            return Err(ExecError::CorruptState(
                "a remembered command id is empty".into(),
            ));
        }
        Ok(())
    }

    pub(super) fn lookup(&self, id: &str) -> Option<Vec<Event>> {
        if let Some((_, events)) = self.recent.iter().find(|(i, _)| i == id) {
            return Some(events.clone());
        }
        self.seen.binary_search(&fnv(id)).is_ok().then(Vec::new)
    }

    pub(super) fn record(&mut self, id: String, events: Vec<Event>) {
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
    pub(super) fn record_copy(&mut self, id: String, events: &[Event]) {
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

/// FNV-1a 64 of a string.
pub(super) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
