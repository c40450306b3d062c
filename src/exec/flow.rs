//! How the flow moves: activating steps (with their deadlines), skipping
//! branches not taken, finishing the instance, and the next wakeup.

use super::*;

impl Core {
    /// Activates a step: computes its deadline and warning, checks its
    /// escalation instants; a deadline computed without a year's holiday
    /// data is provisional and followed by `calendar_data_missing`.
    pub(super) fn activate(
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
    pub(super) fn emit_gap(
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
    pub(super) fn propagate(
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

    pub(super) fn finish_if_done(
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

    pub(super) fn refresh_wakeup(&mut self, ctx: &Ctx<'_, '_>) {
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
}
