//! Commands: who may act ([`Role`]), in which state, and what each command
//! emits. A command validates everything before it emits its first event;
//! a later failure is undone by the caller (see `Instance::handle`).

use super::*;

/// The role of an actor on a step.
#[derive(Debug, Clone, Copy)]
pub(super) enum Role {
    Owner(u32),
    Assignee,
    Delegate(u32),
}

impl Core {
    /// The role of `actor` on a step: an owner, the assignee, or a delegate.
    /// A delegate of several co-owners of a 会签 step acts first for one who
    /// has not signed yet.
    pub(super) fn role(&self, ctx: &Ctx<'_, '_>, step: usize, actor: &str) -> Option<Role> {
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

    pub(super) fn authorize(
        &self,
        ctx: &Ctx<'_, '_>,
        step: usize,
        actor: &str,
    ) -> Result<Role, ExecError> {
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

    pub(super) fn expect_status(
        &self,
        ctx: &Ctx<'_, '_>,
        step: usize,
        ok: &[StepStatus],
        expected: StepStatus,
    ) -> Result<(), ExecError> {
        let status = self.steps[step].status;
        if ok.contains(&status) {
            Ok(())
        } else {
            Err(ExecError::WrongState {
                step: ctx.step(step).key.clone(),
                status,
                expected,
            })
        }
    }

    /// Runs a command whose id was moved into `ctx`; strings the events
    /// need are moved out of `command` once it has been validated.
    pub(super) fn run(
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
                self.expect_status(ctx, i, &[StepStatus::Active], StepStatus::Active)?;
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
                self.expect_status(
                    ctx,
                    f,
                    &[StepStatus::Active, StepStatus::Paused],
                    StepStatus::Active,
                )?;
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
                self.expect_status(ctx, i, &[StepStatus::Active], StepStatus::Active)?;
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
                self.expect_status(ctx, i, &[StepStatus::Paused], StepStatus::Paused)?;
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
                self.expect_status(
                    ctx,
                    i,
                    &[StepStatus::Active, StepStatus::Paused],
                    StepStatus::Active,
                )?;
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
                self.expect_status(
                    ctx,
                    i,
                    &[StepStatus::Active, StepStatus::Paused],
                    StepStatus::Active,
                )?;
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
pub(super) fn check_outcomes(
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
