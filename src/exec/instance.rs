//! [`Instance`]: the public face of the executor (start, handle, tick,
//! revise_deadlines, accessors).

use super::*;

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
///
/// # Saved form (format 2)
///
/// An instance serializes as one JSON object with `format` ([`FORMAT`]),
/// `id`, `fingerprint` (16 hex digits), `started_at`, `attributes`, `clock`
/// (seconds from the start to the latest event), `lifecycle`, `steps` (one
/// entry per step of the definition, each naming its `step` key, in the
/// definition's order), `process` (the whole-process timers), `reworks` (use
/// counts per `rework`), `assignments`, `wakeup` and `commands` (the retry
/// window: `window` when not the default, `ids`, oldest first, each `id` with
/// the `payload` digest in 16 hex digits, and `last`, the newest command's
/// events). Instants inside are seconds from `started_at`; an unset instant
/// is left out (never a sentinel number); fields at their default are left
/// out. `fingerprint` is [`Definition::fingerprint`] in 16 hex digits.
/// Reading it checks every invariant that needs no definition and refuses
/// a damaged state ([`ExecError::CorruptState`]); every call that takes the
/// definition checks the rest (one state per step, by key and in order,
/// rework counters, assignment and owner indices, timers, the wakeup).
/// States written by every format are kept as fixtures
/// (`tests/fixtures/state/`) that later releases must read. Reading format 1
/// keeps its newest command id (without a payload digest) and forgets the
/// older ones (format 1 kept them as hashes); its fingerprint (the format 1
/// hash) is checked once and replaced by the current one on the first call
/// with the definition (until then it is written with `legacy_fingerprint`).
///
/// ```
/// use sopflow::exec::{Attributes, Instance};
/// let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (instance, _) = Instance::start(&def, "i-1", Attributes::new(), now)?;
/// let json = serde_json::to_string(&instance)?;
/// let fingerprint = format!("{:016x}", def.fingerprint());
/// assert_eq!(json, format!(concat!(
///     r#"{{"format":2,"id":"i-1","fingerprint":"{}","started_at":"2026-03-02T01:00:00Z","#,
///     r#""attributes":{{}},"clock":0,"lifecycle":"running","steps":["#,
///     r#"{{"step":"市场部","status":"active","activated":0}},"#,
///     r#"{{"step":"研发部","status":"pending"}}]}}"#),
///     fingerprint));
/// assert_eq!(serde_json::from_str::<Instance>(&json)?, instance);
/// let trimmed = json.replace(r#"{"step":"研发部","status":"pending"}"#, "").replace(",]", "]");
/// let damaged: Instance = serde_json::from_str(&trimmed)?;
/// assert!(damaged.verify(&def).is_err()); // one step state for two steps
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub(super) id: String,
    pub(super) fingerprint: u64,
    pub(super) started_at: DateTime<Utc>,
    pub(super) attributes: Attributes,
    /// The step keys by step index (shared with the [`Prepared`] definition
    /// that started it): the saved form names each step state by its key.
    pub(super) keys: Arc<[Box<str>]>,
    pub(super) core: Core,
    pub(super) commands: CommandLog,
    /// Read from a format 1 state: `fingerprint` is the format 1 hash
    /// (FNV-1a over the definition's JSON export) until a call with the
    /// definition checks it and replaces it with the current fingerprint.
    pub(super) legacy_fingerprint: bool,
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
            keys: p.step_keys.clone(),
            core,
            commands: CommandLog::default(),
            legacy_fingerprint: false,
        };
        Ok((instance, out))
    }

    /// Checks that the instance belongs to `p` and that its state is sound
    /// for it (see `validate.rs`).
    pub(super) fn check(&self, p: &Prepared<'_>) -> Result<(), ExecError> {
        let found = match self.legacy_fingerprint {
            false => p.fingerprint,
            true => p.legacy_fingerprint(),
        };
        if self.fingerprint != found {
            return Err(ExecError::DefinitionMismatch {
                expected: hex(self.fingerprint),
                found: hex(found),
            });
        }
        self.validate(p)
    }

    /// [`Instance::check`], then replaces a format 1 fingerprint with the
    /// current one (the check proved they name the same definition).
    fn check_upgrade(&mut self, p: &Prepared<'_>) -> Result<(), ExecError> {
        self.check(p)?;
        if self.legacy_fingerprint {
            self.fingerprint = p.fingerprint;
            self.legacy_fingerprint = false;
        }
        Ok(())
    }

    /// Handles one command at `now` and returns its events.
    ///
    /// The newest command repeated (same id, same payload) returns the same
    /// events and changes nothing (see the retry window in the
    /// [module docs](super#semantics)).
    ///
    /// # Errors
    /// Any [`ExecError`]; the instance is then unchanged. In particular
    /// [`ExecError::IdReused`] for a remembered id with a different payload,
    /// [`ExecError::AlreadyHandled`] for a remembered id older than the
    /// newest, [`ExecError::EmptyName`] for an empty id.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Command, ExecError, Instance};
    /// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    /// let now = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now)?;
    /// let first = instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// let again = instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// assert_eq!(first, again);
    /// // The same id for another command is refused.
    /// let other = Command::complete("c1", "研发部", "研发部");
    /// assert!(matches!(instance.handle(&def, other, now), Err(ExecError::IdReused { .. })));
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
        self.check_upgrade(p)?;
        command.check_names()?;
        let digest = command.digest();
        if let Known::Last(events) = self.commands.lookup(command.id(), digest)? {
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
        self.commands.record_copy(&id, digest, &out);
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
        self.check_upgrade(p)?;
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
        self.check_upgrade(p)?;
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
                let amount = TimeDelta::seconds(i64::from(extended));
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

    /// How many command ids the instance remembers (its retry window):
    /// [`DEFAULT_COMMAND_WINDOW`] unless set.
    pub fn command_window(&self) -> u32 {
        self.commands.window
    }

    /// Sets the retry window: how many of the latest command ids the
    /// instance remembers, at most [`MAX_COMMAND_WINDOW`] (larger values are
    /// clamped). A smaller window forgets the oldest ids at once. `0`
    /// remembers none: for hosts that keep their own ledger of command ids
    /// (each id then runs as a new command). The window is saved with the
    /// instance; its size grows with the window, not with the history.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Command, ExecError, Instance};
    /// let def = sopflow::parse("市场部 → 研发部 → 财务部", "a.sop").unwrap();
    /// let now = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now)?;
    /// instance.set_command_window(1);
    /// instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// instance.handle(&def, Command::complete("c2", "研发部", "研发部"), now)?;
    /// // `c1` fell out of the window: it runs again, and 市场部 is done already.
    /// let again = instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now);
    /// assert!(matches!(again, Err(ExecError::WrongState { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_command_window(&mut self, window: u32) {
        self.commands.set_window(window);
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

    /// Checks that this (e.g. deserialized) instance belongs to `def` and
    /// that its state is sound for it.
    ///
    /// # Errors
    /// [`ExecError::DefinitionMismatch`]; [`ExecError::CorruptState`] for a
    /// damaged or hand-edited state.
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
