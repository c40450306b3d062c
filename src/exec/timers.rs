//! Timers: when the warning, the missed deadline and each escalation level
//! of a deadline fire, and the earliest one still to fire.
//!
//! Invariants: each timer has a bit in its deadline's `fired` set and fires
//! once; a step is on time up to and including its due instant, so the miss
//! and the levels at the deadline fire one second after it.

use super::*;

impl Ctx<'_, '_> {
    /// The instant timer `bit` (warning, missed, level) of a deadline is
    /// about: the warning instant, the due instant, or the due instant plus
    /// the level's offset. Events carry this instant as `at`.
    pub(super) fn timer_at(
        &self,
        ladder: &Ladder,
        timers: &Timers,
        bit: u32,
    ) -> Option<DateTime<Utc>> {
        match bit {
            WARN_BIT => self.abs(timers.warn),
            MISSED_BIT => self.abs(timers.due),
            _ => {
                let level = ladder.levels.get((bit - 2) as usize)?;
                // Validated when the deadline was set, so this cannot fail.
                self.level(level, self.abs(timers.due)?).ok()
            }
        }
    }

    /// The instant timer `bit` fires at. The boundary rule: a step that
    /// completes at its due instant is on time, so the deadline is missed,
    /// and levels at the deadline (`+0`) fire, one second (the executor's
    /// resolution) after it.
    pub(super) fn fires_at(
        &self,
        ladder: &Ladder,
        timers: &Timers,
        bit: u32,
    ) -> Option<DateTime<Utc>> {
        let at = self.timer_at(ladder, timers, bit)?;
        if bit == WARN_BIT {
            return Some(at);
        }
        let after_due = self.abs(timers.due)? + TimeDelta::seconds(1);
        Some(at.max(after_due))
    }

    /// The timer bits of a ladder.
    pub(super) fn bits(ladder: &Ladder) -> std::ops::Range<u32> {
        0..2 + index_u32(ladder.levels.len())
    }

    /// The earliest instant an unfired timer fires at.
    pub(super) fn next_timer(&self, ladder: &Ladder, timers: &Timers) -> Rel {
        if let Some(next) = self.next_timer_seconds(ladder, timers) {
            return next;
        }
        Self::bits(ladder)
            .filter(|&bit| !timers.has_fired(bit))
            .filter_map(|bit| self.fires_at(ladder, timers, bit))
            .min()
            .and_then(|t| self.rel(t).ok())
            .unwrap_or(NONE)
    }

    /// [`Ctx::next_timer`] in seconds from the start, without chrono
    /// arithmetic for elapsed escalation offsets; `None` (use the instants)
    /// when the start or a business-clock escalation has sub-second nanos.
    pub(super) fn next_timer_seconds(&self, ladder: &Ladder, timers: &Timers) -> Option<Rel> {
        if self.base.timestamp_subsec_nanos() != 0 {
            return None;
        }
        let rel = |r: Rel| (r != NONE).then_some(r);
        let mut next: Option<i64> = None;
        for bit in Self::bits(ladder).filter(|&bit| !timers.has_fired(bit)) {
            let at = match bit {
                WARN_BIT => rel(timers.warn),
                MISSED_BIT => rel(timers.due).map(|due| due + 1),
                _ => match (ladder.levels.get((bit - 2) as usize), rel(timers.due)) {
                    (Some(level), Some(due)) => match level.after {
                        None => Some(due + 1),
                        // Beyond chrono's range the instant form drops the
                        // level; here it is later than any valid instant,
                        // so the minimum is the same.
                        Some(d) if !d.unit.is_business() => {
                            d.as_elapsed().map(|e| (due + e.num_seconds()).max(due + 1))
                        }
                        Some(_) => match self.timer_at(ladder, timers, bit) {
                            Some(t) if t.timestamp_subsec_nanos() == 0 => {
                                Some((t.timestamp() - self.base_seconds).max(due + 1))
                            }
                            Some(_) => return None,
                            None => None,
                        },
                    },
                    _ => None,
                },
            };
            if let Some(at) = at {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Some(next.unwrap_or(NONE))
    }

    /// Checks that every escalation instant of a deadline can be computed.
    pub(super) fn check_levels(
        &self,
        ladder: &Ladder,
        due: Option<DateTime<Utc>>,
    ) -> Result<(), ExecError> {
        let Some(due) = due else {
            return Ok(());
        };
        // Elapsed offsets are checked in seconds from the start: both ways
        // fail with `Overflow` exactly when the instant is out of range.
        let seconds = (due.timestamp_subsec_nanos() == 0
            && self.base.timestamp_subsec_nanos() == 0)
            .then(|| due.timestamp() - self.base_seconds);
        for level in &ladder.levels {
            match (seconds, level.after) {
                (Some(due), None) => self.check_rel(Some(due + 1))?,
                (Some(due), Some(d)) if !d.unit.is_business() => {
                    self.check_rel(d.as_elapsed().map(|e| due + e.num_seconds()))?;
                }
                _ => {
                    let at = self.level(level, due)?;
                    self.rel(at)?;
                }
            }
        }
        Ok(())
    }

    /// The timers of a deadline set by an event, none fired yet.
    pub(super) fn timers(
        &self,
        step: Option<usize>,
        due: Option<DateTime<Utc>>,
        warn: Option<DateTime<Utc>>,
        provisional: bool,
    ) -> Result<Timers, ExecError> {
        match (due, warn) {
            (None, Some(_)) => {
                return Err(ExecError::Replay(
                    "a warning instant without a deadline".into(),
                ))
            }
            (Some(due), Some(warn)) if warn > due => {
                return Err(ExecError::Replay(
                    "a warning instant after its deadline".into(),
                ))
            }
            _ => {}
        }
        let mut timers = Timers {
            due: self.rel_opt(due)?,
            warn: self.rel_opt(warn)?,
            fired: 0,
            next: NONE,
            provisional,
        };
        timers.next = self.next_timer(self.ladder(step), &timers);
        Ok(timers)
    }

    /// Whether seconds from the start lie before the year 10000.
    pub(super) fn check_rel(&self, seconds: Option<i64>) -> Result<(), ExecError> {
        match seconds.and_then(|s| s.checked_add(self.base_seconds)) {
            Some(at) if at <= LAST_SECOND => Ok(()),
            _ => Err(ExecError::Overflow),
        }
    }
}
