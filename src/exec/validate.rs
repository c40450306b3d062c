//! Saved state that can be trusted: the structural invariants of an
//! [`Instance`], checked when it is deserialized (those that need no
//! definition) and by every call that takes the definition (the rest), so
//! that a damaged or hand-edited state is refused with
//! [`ExecError::CorruptState`] and never makes the executor panic.
//!
//! Invariants checked:
//! - without the definition: a non-empty id; `clock` ≥ 0; every stored instant
//!   (start plus offset) between the years 1 and 9999; a warning instant only
//!   with a due instant, and not after it; pause extensions ≥ 0; an active or
//!   paused step has an activation instant, a paused step a pause instant
//!   and a pending or active one none; a completed instance has only done or
//!   skipped steps; a finished instance has no wakeup; command ids are not
//!   empty.
//! - with the definition: one step state per step and one rework counter per
//!   `rework`, each at most its `max`; assignments name a step in range and an
//!   owner index of that step; signatures only of owners; taken arrows only of
//!   arrows the step has; fired timers only of the ladder's levels; the cached
//!   wakeup equals the earliest pending timer.

use super::*;

/// The first instant the executor accepts in a saved state: 0001-01-01T00:00:00Z.
const FIRST_SECOND: i64 = -62_135_596_800;

fn corrupt(message: impl Into<String>) -> ExecError {
    ExecError::CorruptState(message.into())
}

impl Instance {
    /// The invariants that need no definition (checked on deserialization).
    pub(super) fn validate_shape(&self) -> Result<(), ExecError> {
        if self.id.trim().is_empty() {
            return Err(corrupt("the instance id is empty"));
        }
        let base = self.started_at.timestamp();
        if !(FIRST_SECOND..=LAST_SECOND).contains(&base) {
            return Err(corrupt("the start instant is out of range"));
        }
        let instant = |what: &str, rel: Rel| -> Result<(), ExecError> {
            match base.checked_add(rel) {
                Some(at) if rel == NONE || (FIRST_SECOND..=LAST_SECOND).contains(&at) => Ok(()),
                _ if rel == NONE => Ok(()),
                _ => Err(corrupt(format!("{what} is out of range"))),
            }
        };
        let core = &self.core;
        if core.clock < 0 {
            return Err(corrupt("`clock` is negative"));
        }
        instant("`clock`", core.clock)?;
        let timers = |what: &str, t: &Timers| -> Result<(), ExecError> {
            instant(what, t.due)?;
            instant(what, t.warn)?;
            instant(what, t.next)?;
            if t.warn != NONE && (t.due == NONE || t.warn > t.due) {
                return Err(corrupt(format!(
                    "{what} has a warning instant without a due instant at or after it"
                )));
            }
            Ok(())
        };
        timers("the process deadline", &core.process)?;
        for (i, step) in core.steps.iter().enumerate() {
            let what = format!("step state {i}");
            timers(&what, &step.timers)?;
            instant(&what, step.activated)?;
            instant(&what, step.paused)?;
            if step.extended < 0 {
                return Err(corrupt(format!("{what} has an extension out of range")));
            }
            let open = matches!(step.status, StepStatus::Active | StepStatus::Paused);
            if open && step.activated == NONE {
                return Err(corrupt(format!(
                    "{what} is {} without an activation instant",
                    step.status.as_str()
                )));
            }
            if !step.status.is_closed()
                && (step.status == StepStatus::Paused) != (step.paused != NONE)
            {
                return Err(corrupt(format!(
                    "{what} is {} but its pause instant is {}",
                    step.status.as_str(),
                    if step.paused == NONE { "unset" } else { "set" }
                )));
            }
            if core.lifecycle == Lifecycle::Completed && !step.status.is_closed() {
                return Err(corrupt(format!(
                    "the instance is completed but {what} is {}",
                    step.status.as_str()
                )));
            }
        }
        if core.lifecycle != Lifecycle::Running && core.wakeup.is_some() {
            return Err(corrupt("a finished instance has a wakeup"));
        }
        if let Some(wakeup) = core.wakeup {
            if wakeup.timestamp() > LAST_SECOND {
                return Err(corrupt("the wakeup is out of range"));
            }
        }
        self.commands.validate()?;
        Ok(())
    }

    /// Every invariant, against the definition `p`.
    pub(super) fn validate(&self, p: &Prepared<'_>) -> Result<(), ExecError> {
        self.validate_shape()?;
        let core = &self.core;
        let ctx = Ctx::new(p, self.started_at, &self.attributes, None);
        if core.steps.len() != p.pos.len() {
            return Err(corrupt(format!(
                "{} step states for a definition of {} steps",
                core.steps.len(),
                p.pos.len()
            )));
        }
        if !Arc::ptr_eq(&self.keys, &p.step_keys) && *self.keys != *p.step_keys {
            let (saved, expected) = self
                .keys
                .iter()
                .zip(p.step_keys.iter())
                .find(|(a, b)| a != b)
                .map_or(("", ""), |(a, b)| (&**a, &**b));
            return Err(corrupt(format!(
                "the saved steps are not the definition's: `{saved}` where `{expected}` belongs"
            )));
        }
        let reworks = p.def.reworks();
        if core.reworks.len() != reworks.len() {
            return Err(corrupt(format!(
                "{} rework counters for a definition with {} reworks",
                core.reworks.len(),
                reworks.len()
            )));
        }
        for (count, rework) in core.reworks.iter().zip(reworks) {
            if *count > rework.max {
                return Err(corrupt(format!(
                    "a rework counter ({count}) exceeds its maximum ({})",
                    rework.max
                )));
            }
        }
        for a in &core.assignments {
            if a.step as usize >= core.steps.len() {
                return Err(corrupt(format!(
                    "an assignment names step index {}",
                    a.step
                )));
            }
            let step = ctx.step(a.step as usize);
            {}
            match a.delegate_for {
                Some(o) if o != WHOLE && o as usize >= step.owners.len() => {
                    return Err(corrupt(format!(
                        "an assignment of step `{}` names owner index {o}",
                        step.key
                    )))
                }
                _ => {}
            }
            if a.name.trim().is_empty() {
                return Err(corrupt(format!(
                    "an assignment of step `{}` has an empty name",
                    step.key
                )));
            }
        }
        let fired_ok = |ladder: &Ladder, t: &Timers| {
            let bits = Ctx::bits(ladder).end;
            bits >= 64 || t.fired >> bits == 0
        };
        for (i, state) in core.steps.iter().enumerate() {
            let step = ctx.step(i);
            let owners = step.owners.len();
            if owners < 32 && state.signed >> owners != 0 {
                return Err(corrupt(format!(
                    "step `{}` is signed by an owner it does not have",
                    step.key
                )));
            }
            let arrows = p.succ[i].len();
            if (arrows..state.taken.words() * 64).any(|bit| state.taken.contains(bit)) {
                return Err(corrupt(format!(
                    "step `{}` took an arrow it does not have",
                    step.key
                )));
            }
            if !fired_ok(&step.ladder, &state.timers) {
                return Err(corrupt(format!(
                    "step `{}` fired a timer its ladder does not have",
                    step.key
                )));
            }
        }
        if !fired_ok(&p.def.header().ladder, &core.process) {
            return Err(corrupt(
                "the process fired a timer its ladder does not have",
            ));
        }
        let next = core
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Active)
            .map(|s| s.timers.next)
            .chain([core.process.next])
            .filter(|&r| r != NONE)
            .min();
        let expected = match core.lifecycle {
            Lifecycle::Running => next.and_then(|r| ctx.abs(r)),
            _ => None,
        };
        if core.wakeup != expected {
            return Err(corrupt("the wakeup is not the earliest pending timer"));
        }
        Ok(())
    }
}
