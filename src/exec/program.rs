//! [`Prepared`] definitions and the [`Program`] trait: the definition hashed
//! and indexed once (adjacency lists, step keys, the process calendar), so
//! that commands and ticks do not redo it.
//!
//! Invariant: a `Prepared` borrows its definition and never changes it; a
//! calendar given to [`Prepared::with_calendar`] replaces the process calendar
//! of the same name and nothing else, so the fingerprint stays the definition's.

use super::*;

/// A definition prepared for execution: its fingerprint and adjacency lists,
/// computed once. Pass it instead of the [`Definition`] on hot paths: calls
/// with a plain `&Definition` prepare it (and hash it) on every call.
///
/// # Example
/// ```
/// use sopflow::exec::{Attributes, Command, Instance, Prepared};
/// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
/// let prepared = Prepared::new(&def);
/// assert_eq!(prepared.fingerprint(), def.fingerprint());
/// let now = "2026-03-02T01:00:00Z".parse().unwrap();
/// let (mut instance, _) = Instance::start(&prepared, "i", Attributes::new(), now).unwrap();
/// instance.handle(&prepared, Command::complete("1", "市场部", "市场部"), now).unwrap();
/// assert!(instance.handle(&prepared, Command::complete("2", "市场部", "市场部"), now).is_err());
/// ```
#[derive(Debug)]
pub struct Prepared<'d> {
    pub(super) def: &'d Definition,
    pub(super) fingerprint: u64,
    /// Outgoing arrows per step index, in [`Definition::successors`] order.
    pub(super) succ: Vec<Vec<(u32, &'d Condition)>>,
    /// Incoming arrows per step index: source and its bit in the source's `succ`.
    pub(super) pred: Vec<Vec<(u32, u32)>>,
    /// Topological position per step index.
    pub(super) pos: Vec<u32>,
    /// Step index by key (FxHash: the table holds the definition's keys
    /// only, so a chosen lookup key cannot degrade it).
    pub(super) keys: rustc_hash::FxHashMap<&'d str, u32>,
    /// The step keys by step index: how a saved instance names its steps.
    pub(super) step_keys: std::sync::Arc<[Box<str>]>,
    pub(super) zone: Tz,
    /// The process calendar: the definition's, or one given to [`Prepared::with_calendar`].
    pub(super) calendar: Option<Cow<'d, BusinessCalendar>>,
    /// The process calendar without its bound on years, made on first use:
    /// provisional deadlines are computed on it.
    pub(super) unbounded: OnceLock<BusinessCalendar>,
    /// The format 1 fingerprint, computed when a format 1 state or history
    /// is checked against this definition.
    pub(super) legacy: OnceLock<u64>,
}

impl<'d> Prepared<'d> {
    /// Prepares `def`: hashes it and builds adjacency lists.
    pub fn new(def: &'d Definition) -> Self {
        let n = def.graph().node_count();
        let mut succ = vec![Vec::new(); n];
        let mut pred = vec![Vec::new(); n];
        let mut pos = vec![0; n];
        let mut keys = rustc_hash::FxHashMap::with_capacity_and_hasher(n, Default::default());
        let mut step_keys: Vec<Box<str>> = vec![Box::from(""); n];
        for (position, (id, step)) in def.steps().enumerate() {
            step_keys[id.index()] = step.key.as_str().into();
            pos[id.index()] = index_u32(position);
            keys.insert(step.key.as_str(), index_u32(id.index()));
            for (bit, (to, edge)) in def.successors(id).enumerate() {
                succ[id.index()].push((index_u32(to.index()), &edge.condition));
                pred[to.index()].push((index_u32(id.index()), index_u32(bit)));
            }
        }
        let zone = def
            .header()
            .zone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(Tz::UTC);
        Prepared {
            def,
            fingerprint: def.fingerprint(),
            succ,
            pred,
            pos,
            keys,
            step_keys: step_keys.into(),
            zone,
            calendar: def.calendar().map(Cow::Borrowed),
            unbounded: OnceLock::new(),
            legacy: OnceLock::new(),
        }
    }

    /// Runs the definition on `calendar` instead of its own process
    /// calendar of the same name: how a host adds holiday data (a year's
    /// notice) to running instances without changing their definition.
    /// Deadlines computed from then on use it, and
    /// [`Instance::revise_deadlines`] recomputes the provisional ones.
    ///
    /// # Errors
    /// [`ExecError::CalendarMismatch`] when the process has no calendar or
    /// one of another name.
    ///
    /// # Example
    /// ```
    /// use sopflow::calendar::BusinessCalendar;
    /// use sopflow::exec::Prepared;
    /// let def = sopflow::parse("process 上新 { calendar cn }\n市场部 → 研发部 within 3wd", "a.sop").unwrap();
    /// let with_2027 = BusinessCalendar::cn()
    ///     .to_builder()
    ///     .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")?
    ///     .build()?;
    /// let prepared = Prepared::new(&def).with_calendar(with_2027)?;
    /// assert_eq!(prepared.fingerprint(), def.fingerprint());
    /// let other = BusinessCalendar::builder("hk", chrono_tz::Asia::Hong_Kong).build()?;
    /// assert!(Prepared::new(&def).with_calendar(other).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_calendar(mut self, calendar: BusinessCalendar) -> Result<Self, ExecError> {
        match self.def.calendar() {
            Some(own) if own.name() == calendar.name() => {
                self.calendar = Some(Cow::Owned(calendar));
                self.unbounded = OnceLock::new();
                Ok(self)
            }
            own => Err(ExecError::CalendarMismatch {
                expected: own.map(|c| c.name().to_owned()),
                found: calendar.name().to_owned(),
            }),
        }
    }

    /// The definition.
    pub fn definition(&self) -> &'d Definition {
        self.def
    }

    /// The fingerprint format 1 states recorded: FNV-1a 64 over the
    /// definition's JSON export. Kept only to read them (see `legacy.rs`).
    pub(super) fn legacy_fingerprint(&self) -> u64 {
        *self.legacy.get_or_init(|| legacy::fingerprint(self.def))
    }

    /// The definition's [`fingerprint`](Definition::fingerprint).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

pub(super) fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("a definition has fewer than 2^32 steps")
}

/// What the executor runs against: a [`Definition`] (prepared on every call)
/// or a [`Prepared`] one.
pub trait Program {
    /// Calls `f` with the prepared definition.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::Program;
    /// let def = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    /// assert_eq!(def.with_prepared(|p| p.fingerprint()), def.fingerprint());
    /// ```
    fn with_prepared<R>(&self, f: impl FnOnce(&Prepared<'_>) -> R) -> R;
}

impl Program for Definition {
    fn with_prepared<R>(&self, f: impl FnOnce(&Prepared<'_>) -> R) -> R {
        f(&Prepared::new(self))
    }
}

impl Program for Prepared<'_> {
    fn with_prepared<R>(&self, f: impl FnOnce(&Prepared<'_>) -> R) -> R {
        f(self)
    }
}
