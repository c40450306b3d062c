//! [`Core::apply`]: the only way the state changes, live and in replay, and
//! the helpers it uses.
//!
//! Invariant: applying an event never reads the clock or the calendar beyond
//! what the event says; `replay` therefore rebuilds the live state exactly.

use super::*;

impl Core {
    pub(super) fn new(p: &Prepared<'_>) -> Core {
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

    pub(super) fn emit(
        &mut self,
        ctx: &Ctx<'_, '_>,
        out: &mut Vec<Event>,
        event: Event,
    ) -> Result<(), ExecError> {
        self.apply(ctx, &event)?;
        out.push(event);
        Ok(())
    }

    pub(super) fn timers_mut(
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

    pub(super) fn fire(
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
    pub(super) fn set_assignment(&mut self, step: usize, delegate_for: Option<u32>, name: &str) {
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
    pub(super) fn apply(&mut self, ctx: &Ctx<'_, '_>, event: &Event) -> Result<(), ExecError> {
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
                self.fire(ctx, step, level.saturating_add(1))?;
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
                // Pauses add up to at most 68 years, far beyond any deadline.
                let paused = i32::try_from(*paused_for).unwrap_or(i32::MAX);
                state.extended = state.extended.saturating_add(paused);
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
}
