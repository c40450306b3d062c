//! [`Ctx`]: the context of one call (the prepared definition and the
//! instance's constants) and what it answers about the definition: step
//! lookups, ladders, escalation recipients, who may skip, which arrows a
//! closed step takes.

use super::*;

/// The context of one call: the prepared definition and the instance's constants.
pub(super) struct Ctx<'a, 'd> {
    pub(super) p: &'a Prepared<'d>,
    pub(super) base: DateTime<Utc>,
    /// `base.timestamp()`, which chrono computes from the date each time.
    pub(super) base_seconds: i64,
    pub(super) attrs: &'a Attributes,
    pub(super) command: Option<&'a str>,
    /// The first year a computation needed and the calendar lacked: set
    /// when a deadline was computed provisionally (see `timing.rs`).
    pub(super) gap: Cell<Option<i32>>,
}

impl<'a, 'd> Ctx<'a, 'd> {
    pub(super) fn new(
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
    pub(super) fn abs(&self, rel: Rel) -> Option<DateTime<Utc>> {
        (rel != NONE).then(|| {
            DateTime::from_timestamp(self.base_seconds + rel, self.base.timestamp_subsec_nanos())
                .unwrap_or_else(|| self.base + TimeDelta::seconds(rel))
        })
    }

    pub(super) fn rel(&self, t: DateTime<Utc>) -> Result<Rel, ExecError> {
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

    pub(super) fn rel_opt(&self, t: Option<DateTime<Utc>>) -> Result<Rel, ExecError> {
        t.map_or(Ok(NONE), |t| self.rel(t))
    }

    pub(super) fn index(&self, key: &str) -> Result<usize, ExecError> {
        self.p
            .keys
            .get(key)
            .map(|&i| i as usize)
            .ok_or_else(|| ExecError::UnknownStep(key.to_owned()))
    }

    pub(super) fn step(&self, index: usize) -> &Step {
        self.p
            .def
            .graph()
            .node_weight(petgraph::graph::NodeIndex::new(index))
            .expect("index of this definition")
    }

    pub(super) fn event(&self, at: DateTime<Utc>, kind: EventKind) -> Event {
        Event {
            at,
            command: self.command.map(str::to_owned),
            kind,
        }
    }

    /// The ladder of a step, or of the process for `None`.
    pub(super) fn ladder(&self, step: Option<usize>) -> &Ladder {
        match step {
            Some(i) => &self.step(i).ladder,
            None => &self.p.def.header().ladder,
        }
    }

    /// The owners a ladder addresses: the step's, or the start step's.
    pub(super) fn owners(&self, step: Option<usize>) -> &[String] {
        match step.or_else(|| self.p.def.start().map(StepId::index)) {
            Some(i) => &self.step(i).owners,
            None => &[],
        }
    }

    pub(super) fn head(&self, department: &str) -> String {
        self.p
            .def
            .departments()
            .iter()
            .find(|d| d.name == department)
            .and_then(|d| d.head.clone())
            .unwrap_or_else(|| format!("{department}负责人"))
    }

    pub(super) fn resolve(&self, target: &Target, owners: &[String], out: &mut Vec<String>) {
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
    pub(super) fn recipients(
        &self,
        step: Option<usize>,
        level: usize,
    ) -> (Vec<String>, Option<String>) {
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
    pub(super) fn skippers(&self, step: usize) -> Vec<String> {
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

    /// The arrows a finished step takes, given its chosen outcomes.
    pub(super) fn taken(&self, step: usize, outcomes: &[String]) -> Bits {
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
