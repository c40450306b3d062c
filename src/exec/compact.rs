//! The compact saved form of an [`Instance`]: the same state as the JSON
//! form (format [`FORMAT`]) in a few hundred bytes, for hosts that store
//! instances by the million.
//!
//! Layout (all integers LEB128 varints, signed ones zigzag; strings a
//! length then UTF-8): `SF`, the format byte, flags, the fingerprint (8
//! bytes, big-endian), id, start (Unix seconds), attributes, clock, one
//! entry per step *by position* in the definition (a header of presence
//! bits, then the fields present), the process timers, rework counters,
//! assignments, wakeup, and the retry window (ids with their digests; the
//! newest command's events as JSON without their `command` field).
//!
//! Invariant: reading never panics and never allocates more than the input
//! can hold (every count is checked against the bytes left); what it reads
//! is checked like the JSON form, against the definition it is given (the
//! steps are positional, so reading needs it).

use chrono::{Datelike, NaiveDate};

use super::command_log::Remembered;
use super::*;

const MAGIC: &[u8; 2] = b"SF";

// Instance flags.
const LEGACY: u64 = 1;
const ANY_LATE: u64 = 2;
const COMPLETED: u64 = 4;
const CANCELLED: u64 = 8;
const WAKEUP: u64 = 16;
const PROCESS: u64 = 32;

// Step header: the status in the low three bits, then presence bits.
const SIGNED: u64 = 1 << 3;
const TAKEN: u64 = 1 << 4;
const ACTIVATED: u64 = 1 << 5;
const PAUSED: u64 = 1 << 6;
const EXTENDED: u64 = 1 << 7;
const TIMERS: u64 = 1 << 8;

// Timers header.
const DUE: u64 = 1;
const WARN: u64 = 2;
const FIRED: u64 = 4;
const NEXT: u64 = 8;
const PROVISIONAL: u64 = 16;
const NEXT_IS_WARN: u64 = 32;
const NEXT_IS_DUE: u64 = 64;

struct Writer(Vec<u8>);

// Event tags: JSON as is, JSON of the newest command (its `command` left
// out), and the two kinds a command's answer holds most, field by field.
const EVENT_JSON: u8 = 0;
const EVENT_JSON_NEWEST: u8 = 1;
const EVENT_ACTIVATED: u8 = 2;
const EVENT_COMPLETED: u8 = 3;

impl Writer {
    fn strs(&mut self, items: &[String]) {
        self.u(items.len() as u64);
        for item in items {
            self.str(item);
        }
    }

    fn opt_at(&mut self, base: i64, at: Option<DateTime<Utc>>) {
        match at {
            None => self.u(0),
            Some(at) => {
                self.u(1);
                self.i(at.timestamp() - base);
            }
        }
    }

    fn event(&mut self, instance: &Instance, event: &Event, newest: Option<&str>) {
        let own = event.command.is_some() && event.command.as_deref() == newest;
        let base = instance.started_at.timestamp();
        let whole = event.at.timestamp_subsec_nanos() == 0;
        let index = |key: &str| instance.keys.iter().position(|k| **k == *key);
        match &event.kind {
            EventKind::StepActivated {
                step,
                owners,
                due,
                warn_at,
                provisional,
            } if own
                && whole
                && [due, warn_at]
                    .iter()
                    .all(|t| t.is_none_or(|t| t.timestamp_subsec_nanos() == 0))
                && index(step).is_some() =>
            {
                self.0.push(EVENT_ACTIVATED);
                self.i(event.at.timestamp() - base);
                self.u(index(step).unwrap_or_default() as u64);
                self.strs(owners);
                self.opt_at(base, *due);
                self.opt_at(base, *warn_at);
                self.0.push(u8::from(*provisional));
            }
            EventKind::StepCompleted {
                step,
                by,
                outcomes,
                deliverables,
                late,
                late_by,
            } if own && whole && index(step).is_some() => {
                self.0.push(EVENT_COMPLETED);
                self.i(event.at.timestamp() - base);
                self.u(index(step).unwrap_or_default() as u64);
                self.str(by);
                self.strs(outcomes);
                self.strs(deliverables);
                self.0.push(u8::from(*late));
                match late_by {
                    None => self.u(0),
                    Some(s) => {
                        self.u(1);
                        self.i(*s);
                    }
                }
            }
            _ => {
                self.0
                    .push(if own { EVENT_JSON_NEWEST } else { EVENT_JSON });
                let json = if own {
                    let mut bare = event.clone();
                    bare.command = None;
                    serde_json::to_vec(&bare)
                } else {
                    serde_json::to_vec(event)
                };
                self.bytes(&json.expect("an event serializes: its maps have string keys"));
            }
        }
    }

    fn u(&mut self, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }

    fn i(&mut self, n: i64) {
        self.u(((n << 1) ^ (n >> 63)) as u64);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.u(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn timers(&mut self, t: &Timers) {
        let mut head = 0;
        let set = |rel: Rel, bit: u64| if rel != NONE { bit } else { 0 };
        head |= set(t.due, DUE) | set(t.warn, WARN);
        if t.fired != 0 {
            head |= FIRED;
        }
        if t.provisional {
            head |= PROVISIONAL;
        }
        if t.next != NONE {
            head |= if t.next == t.warn {
                NEXT_IS_WARN
            } else if t.next == t.due {
                NEXT_IS_DUE
            } else {
                NEXT
            };
        }
        self.u(head);
        if t.due != NONE {
            self.i(t.due);
        }
        if t.warn != NONE {
            self.i(t.warn);
        }
        if t.fired != 0 {
            self.u(t.fired);
        }
        if head & NEXT != 0 {
            self.i(t.next);
        }
    }
}

/// Reads what [`Writer`] wrote; every error is a [`ExecError::CorruptState`].
struct Reader<'a>(&'a [u8]);

fn corrupt(what: &str) -> ExecError {
    ExecError::CorruptState(format!("compact state: {what}"))
}

impl<'a> Reader<'a> {
    fn strs(&mut self) -> Result<Vec<String>, ExecError> {
        let n = self.count(1)?;
        (0..n).map(|_| self.str()).collect()
    }

    fn at(&mut self, base: DateTime<Utc>) -> Result<DateTime<Utc>, ExecError> {
        base.timestamp()
            .checked_add(self.i()?)
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| corrupt("an event instant is out of range"))
    }

    fn opt_at(&mut self, base: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, ExecError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.at(base).map(Some),
            _ => Err(corrupt("bad optional instant")),
        }
    }

    fn flag(&mut self) -> Result<bool, ExecError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("bad flag")),
        }
    }

    fn event(
        &mut self,
        p: &Prepared<'_>,
        base: DateTime<Utc>,
        newest: Option<&str>,
    ) -> Result<Event, ExecError> {
        let tag = self.byte()?;
        let newest = || {
            newest
                .map(str::to_owned)
                .ok_or_else(|| corrupt("an event of a command that is not remembered"))
        };
        let step = |r: &mut Self| -> Result<String, ExecError> {
            let i = usize::try_from(r.u()?).unwrap_or(usize::MAX);
            p.step_keys
                .get(i)
                .map(|k| k.to_string())
                .ok_or_else(|| corrupt("an event names a step out of range"))
        };
        Ok(match tag {
            EVENT_JSON | EVENT_JSON_NEWEST => {
                let mut event: Event = serde_json::from_slice(self.bytes()?)
                    .map_err(|e| corrupt(&format!("an event: {e}")))?;
                if tag == EVENT_JSON_NEWEST {
                    if event.command.is_some() {
                        return Err(corrupt("bad event of the newest command"));
                    }
                    event.command = Some(newest()?);
                }
                event
            }
            EVENT_ACTIVATED => {
                let at = self.at(base)?;
                let kind = EventKind::StepActivated {
                    step: step(self)?,
                    owners: self.strs()?,
                    due: self.opt_at(base)?,
                    warn_at: self.opt_at(base)?,
                    provisional: self.flag()?,
                };
                Event {
                    at,
                    command: Some(newest()?),
                    kind,
                }
            }
            EVENT_COMPLETED => {
                let at = self.at(base)?;
                let kind = EventKind::StepCompleted {
                    step: step(self)?,
                    by: self.str()?,
                    outcomes: self.strs()?,
                    deliverables: self.strs()?,
                    late: self.flag()?,
                    late_by: match self.byte()? {
                        0 => None,
                        1 => Some(self.i()?),
                        _ => return Err(corrupt("bad lateness")),
                    },
                };
                Event {
                    at,
                    command: Some(newest()?),
                    kind,
                }
            }
            _ => return Err(corrupt("unknown event tag")),
        })
    }

    fn byte(&mut self) -> Result<u8, ExecError> {
        let (&b, rest) = self
            .0
            .split_first()
            .ok_or_else(|| corrupt("it ends early"))?;
        self.0 = rest;
        Ok(b)
    }

    fn u(&mut self) -> Result<u64, ExecError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(corrupt("a number is too large"));
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(corrupt("a number is too long"))
    }

    fn i(&mut self) -> Result<i64, ExecError> {
        let n = self.u()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn u32(&mut self) -> Result<u32, ExecError> {
        u32::try_from(self.u()?).map_err(|_| corrupt("a number is out of range"))
    }

    /// A count of items that take at least `min` bytes each.
    fn count(&mut self, min: usize) -> Result<usize, ExecError> {
        let n = self.u()?;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min.max(1)) <= self.0.len() => Ok(n),
            _ => Err(corrupt("a count is larger than the data")),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], ExecError> {
        let n = self.count(1)?;
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(b)
    }

    fn str(&mut self) -> Result<String, ExecError> {
        std::str::from_utf8(self.bytes()?)
            .map(str::to_owned)
            .map_err(|_| corrupt("a string is not UTF-8"))
    }

    fn rel(&mut self) -> Result<Rel, ExecError> {
        match self.i()? {
            NONE => Err(corrupt("an instant is the unset sentinel")),
            rel => Ok(rel),
        }
    }

    fn timers(&mut self) -> Result<Timers, ExecError> {
        let head = self.u()?;
        let next_bits = head & (NEXT | NEXT_IS_WARN | NEXT_IS_DUE);
        if head >= 128 || next_bits.count_ones() > 1 {
            return Err(corrupt("bad timers header"));
        }
        let mut t = Timers::default();
        if head & DUE != 0 {
            t.due = self.rel()?;
        }
        if head & WARN != 0 {
            t.warn = self.rel()?;
        }
        if head & FIRED != 0 {
            t.fired = self.u()?;
        }
        t.provisional = head & PROVISIONAL != 0;
        if head & NEXT != 0 {
            t.next = self.rel()?;
        } else if head & NEXT_IS_WARN != 0 {
            t.next = t.warn;
        } else if head & NEXT_IS_DUE != 0 {
            t.next = t.due;
        }
        Ok(t)
    }
}

fn status_code(status: StepStatus) -> u64 {
    match status {
        StepStatus::Pending => 0,
        StepStatus::Active => 1,
        StepStatus::Paused => 2,
        StepStatus::Done => 3,
        StepStatus::Skipped => 4,
    }
}

fn status_of(code: u64) -> Result<StepStatus, ExecError> {
    Ok(match code {
        0 => StepStatus::Pending,
        1 => StepStatus::Active,
        2 => StepStatus::Paused,
        3 => StepStatus::Done,
        4 => StepStatus::Skipped,
        _ => return Err(corrupt("unknown step status")),
    })
}

impl Instance {
    /// The compact saved form: the state of the JSON form in a binary
    /// layout (see `src/exec/compact.rs`), with steps by position instead
    /// of by key. An open 新产品上市 instance takes 83 bytes just started,
    /// 242 to 244 bytes with the answer to its last command kept (its JSON
    /// form: 736, 1,070 and 1,410 bytes; `tests/exec_compact.rs` prints
    /// them). Read it back with [`Instance::from_compact`] and the same
    /// definition.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::{Attributes, Command, Instance};
    /// let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
    /// let now = "2026-03-02T01:00:00Z".parse().unwrap();
    /// let (mut instance, _) = Instance::start(&def, "i-1", Attributes::new(), now)?;
    /// instance.handle(&def, Command::complete("c1", "市场部", "市场部"), now)?;
    /// let bytes = instance.to_compact();
    /// assert!(bytes.len() < serde_json::to_vec(&instance)?.len() / 2);
    /// assert_eq!(Instance::from_compact(&def, &bytes)?, instance);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_compact(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(128));
        w.0.extend_from_slice(MAGIC);
        w.0.push(FORMAT as u8);
        let core = &self.core;
        let mut flags = match core.lifecycle {
            Lifecycle::Running => 0,
            Lifecycle::Completed => COMPLETED,
            Lifecycle::Cancelled => CANCELLED,
        };
        if self.legacy_fingerprint {
            flags |= LEGACY;
        }
        if core.any_late {
            flags |= ANY_LATE;
        }
        if core.wakeup.is_some() {
            flags |= WAKEUP;
        }
        if core.process != Timers::default() {
            flags |= PROCESS;
        }
        w.u(flags);
        w.0.extend_from_slice(&self.fingerprint.to_be_bytes());
        w.str(&self.id);
        w.i(self.started_at.timestamp());
        match &self.attributes.priority {
            None => w.u(0),
            Some(p) => {
                w.u(1);
                w.str(p);
            }
        }
        w.u(self.attributes.dates.len() as u64);
        for (name, date) in &self.attributes.dates {
            w.str(name);
            w.i(i64::from(date.num_days_from_ce()));
        }
        w.i(core.clock);
        w.u(core.steps.len() as u64);
        for s in &core.steps {
            let mut head = status_code(s.status);
            let words = s.taken.words();
            let taken = (0..words).any(|n| s.taken.word(n) != 0);
            for (on, bit) in [
                (s.signed != 0, SIGNED),
                (taken, TAKEN),
                (s.activated != NONE, ACTIVATED),
                (s.paused != NONE, PAUSED),
                (s.extended != 0, EXTENDED),
                (s.timers != Timers::default(), TIMERS),
            ] {
                if on {
                    head |= bit;
                }
            }
            w.u(head);
            if s.signed != 0 {
                w.u(u64::from(s.signed));
            }
            if taken {
                w.u(words as u64);
                for n in 0..words {
                    w.u(s.taken.word(n));
                }
            }
            if s.activated != NONE {
                w.i(s.activated);
            }
            if s.paused != NONE {
                w.i(s.paused);
            }
            if s.extended != 0 {
                w.i(i64::from(s.extended));
            }
            if head & TIMERS != 0 {
                w.timers(&s.timers);
            }
        }
        if flags & PROCESS != 0 {
            w.timers(&core.process);
        }
        w.u(core.reworks.len() as u64);
        for &r in &core.reworks {
            w.u(u64::from(r));
        }
        w.u(core.assignments.len() as u64);
        for a in &core.assignments {
            w.u(u64::from(a.step));
            w.u(a.delegate_for.map_or(0, |d| u64::from(d) + 1));
            w.str(&a.name);
        }
        if let Some(wake) = core.wakeup {
            w.i(wake.timestamp() - self.started_at.timestamp());
        }
        let log = &self.commands;
        w.u(u64::from(log.window));
        w.u(log.ids.len() as u64);
        for r in &log.ids {
            w.str(&r.id);
            match r.digest {
                None => w.0.push(0),
                Some(d) => {
                    w.0.push(1);
                    w.0.extend_from_slice(&d.to_be_bytes());
                }
            }
        }
        let newest = log.ids.back().map(|r| r.id.as_str());
        w.u(log.last.len() as u64);
        for event in &log.last {
            w.event(self, event, newest);
        }
        w.0
    }

    /// Reads the [`to_compact`](Self::to_compact) form of an instance of
    /// `def`, checking it like the JSON form and against `def`.
    ///
    /// # Errors
    /// [`ExecError::CorruptState`] for bytes that are not a compact state
    /// (truncated, trailing or damaged data, another format) or that break
    /// an invariant; [`ExecError::DefinitionMismatch`] for another definition.
    pub fn from_compact<D: Program>(def: &D, bytes: &[u8]) -> Result<Instance, ExecError> {
        def.with_prepared(|p| {
            let instance = read(p, bytes)?;
            instance.validate_shape()?;
            instance.check(p)?;
            Ok(instance)
        })
    }
}

fn read(p: &Prepared<'_>, bytes: &[u8]) -> Result<Instance, ExecError> {
    let mut r = Reader(bytes);
    if r.0.get(..2) != Some(MAGIC.as_slice()) {
        return Err(corrupt("it does not start with `SF`"));
    }
    r.0 = &r.0[2..];
    let format = r.byte()?;
    if format != FORMAT as u8 {
        return Err(corrupt(&format!(
            "format {format} is not one this release reads compact (it reads {FORMAT})"
        )));
    }
    let flags = r.u()?;
    if flags >= 64 || flags & COMPLETED != 0 && flags & CANCELLED != 0 {
        return Err(corrupt("bad flags"));
    }
    let mut fingerprint = [0; 8];
    for b in &mut fingerprint {
        *b = r.byte()?;
    }
    let id = r.str()?;
    let started_at = DateTime::from_timestamp(r.i()?, 0)
        .ok_or_else(|| corrupt("the start instant is out of range"))?;
    let mut attributes = Attributes::new();
    attributes.priority = match r.byte()? {
        0 => None,
        1 => Some(r.str()?),
        _ => return Err(corrupt("bad priority")),
    };
    for _ in 0..r.count(2)? {
        let name = r.str()?;
        let days = i32::try_from(r.i()?).map_err(|_| corrupt("a date is out of range"))?;
        let date = NaiveDate::from_num_days_from_ce_opt(days)
            .ok_or_else(|| corrupt("a date is out of range"))?;
        if attributes
            .dates
            .last()
            .is_some_and(|(last, _)| *last >= name)
        {
            return Err(corrupt("date attributes are not sorted by name"));
        }
        attributes.dates.push((name, date));
    }
    let clock = r.rel()?;
    let n = r.count(1)?;
    if n != p.step_keys.len() {
        return Err(corrupt(&format!(
            "{n} step states for {} steps",
            p.step_keys.len()
        )));
    }
    let mut steps = Vec::with_capacity(n);
    for _ in 0..n {
        let head = r.u()?;
        if head >= 1 << 9 {
            return Err(corrupt("bad step header"));
        }
        let mut s = StepState {
            status: status_of(head & 7)?,
            ..StepState::default()
        };
        if head & SIGNED != 0 {
            s.signed = r.u32()?;
        }
        if head & TAKEN != 0 {
            let words = r.count(1)?;
            if words > state::MAX_BIT / 64 + 1 {
                return Err(corrupt("too many arrows"));
            }
            for n in 0..words {
                let word = r.u()?;
                for bit in (0..64).filter(|b| word & (1 << b) != 0) {
                    s.taken.insert(n * 64 + bit);
                }
            }
        }
        if head & ACTIVATED != 0 {
            s.activated = r.rel()?;
        }
        if head & PAUSED != 0 {
            s.paused = r.rel()?;
        }
        if head & EXTENDED != 0 {
            s.extended = i32::try_from(r.i()?).map_err(|_| corrupt("bad extension"))?;
        }
        if head & TIMERS != 0 {
            s.timers = r.timers()?;
        }
        steps.push(s);
    }
    let process = if flags & PROCESS != 0 {
        r.timers()?
    } else {
        Timers::default()
    };
    let mut reworks = Vec::new();
    for _ in 0..r.count(1)? {
        reworks.push(r.u32()?);
    }
    let mut assignments = Vec::new();
    for _ in 0..r.count(3)? {
        let step = r.u32()?;
        let delegate_for = match r.u()? {
            0 => None,
            d => Some(u32::try_from(d - 1).map_err(|_| corrupt("bad assignment"))?),
        };
        assignments.push(Assignment {
            step,
            delegate_for,
            name: r.str()?,
        });
    }
    let wakeup = if flags & WAKEUP != 0 {
        let at = started_at
            .timestamp()
            .checked_add(r.i()?)
            .and_then(|s| DateTime::from_timestamp(s, 0));
        Some(at.ok_or_else(|| corrupt("the wakeup is out of range"))?)
    } else {
        None
    };
    let mut commands = CommandLog {
        window: r.u32()?,
        ..CommandLog::default()
    };
    for _ in 0..r.count(2)? {
        let id = r.str()?;
        let digest = match r.byte()? {
            0 => None,
            1 => {
                let mut d = [0; 8];
                for b in &mut d {
                    *b = r.byte()?;
                }
                Some(u64::from_be_bytes(d))
            }
            _ => return Err(corrupt("bad digest flag")),
        };
        commands.ids.push_back(Remembered { id, digest });
    }
    let newest = commands.ids.back().map(|r| r.id.clone());
    for _ in 0..r.count(2)? {
        let event = r.event(p, started_at, newest.as_deref())?;
        commands.last.push(event);
    }
    if !r.0.is_empty() {
        return Err(corrupt("trailing bytes"));
    }
    commands.validate()?;
    Ok(Instance {
        id,
        fingerprint: u64::from_be_bytes(fingerprint),
        started_at,
        attributes,
        keys: p.step_keys.clone(),
        core: Core {
            clock,
            lifecycle: if flags & COMPLETED != 0 {
                Lifecycle::Completed
            } else if flags & CANCELLED != 0 {
                Lifecycle::Cancelled
            } else {
                Lifecycle::Running
            },
            any_late: flags & ANY_LATE != 0,
            steps,
            process,
            reworks,
            assignments,
            wakeup,
        },
        commands,
        legacy_fingerprint: flags & LEGACY != 0,
    })
}
