//! W040: the deadlines along the longest path of the flow add up to more
//! than the process's own `within` allows.
//!
//! Static, with no start date: each step counts the shortest of its `within`
//! durations (its default, else its fastest priority), on the clock of the
//! process deadline: `wd` and `wh` as working minutes of the calendar's
//! working day when the process counts working time, `m h d w` as elapsed
//! minutes when it counts elapsed time. A step on the other clock, a `by`
//! step or a step without a deadline counts nothing, so the sum is a lower
//! bound and the warning never fires without cause. Rework is not counted.

use super::{Deadline, Definition, StepId};
use crate::calendar::BusinessDuration;
use crate::plan::Measure;

/// The longest path and how far it overruns the process deadline.
pub(crate) struct Overrun {
    /// The path, first step first.
    pub(crate) path: Vec<StepId>,
    /// The sum of its deadlines, in minutes of `measure`.
    pub(crate) total: i64,
    /// What the process allows, in minutes of `measure`.
    pub(crate) allowed: i64,
    /// The clock both are counted on.
    pub(crate) measure: Measure,
}

/// The longest path of `definition` when its deadlines add up to more than
/// the process's `within`; `None` when they fit or cannot be compared.
pub(crate) fn overrun(definition: &Definition) -> Option<Overrun> {
    let Some(Deadline::Within(sla)) = &definition.header().deadline else {
        return None;
    };
    let allowed = sla.default?;
    let measure = if allowed.unit.is_business() {
        Measure::Working {
            minutes_per_day: crate::plan::minutes_per_day(definition.calendar()?),
        }
    } else {
        Measure::Elapsed
    };
    let minutes = |d: BusinessDuration| -> Option<i64> {
        match measure {
            Measure::Working { minutes_per_day } => match d.unit {
                crate::calendar::Unit::WorkingDay => Some(i64::from(d.amount) * minutes_per_day),
                crate::calendar::Unit::WorkingHour => Some(i64::from(d.amount) * 60),
                _ => None,
            },
            Measure::Elapsed if !d.unit.is_business() => d.as_elapsed().map(|e| e.num_minutes()),
            Measure::Elapsed => None,
        }
    };
    let allowed = minutes(allowed)?;
    let count = definition.graph().node_count();
    let mut longest = vec![0i64; count];
    let mut before: Vec<Option<StepId>> = vec![None; count];
    for (id, step) in definition.steps() {
        let own = match &step.deadline {
            Some(Deadline::Within(sla)) => sla
                .default
                .into_iter()
                .chain(sla.by_priority.values().copied())
                .take(if sla.default.is_some() { 1 } else { usize::MAX })
                .map(|d| minutes(d).unwrap_or(0))
                .min()
                .unwrap_or(0),
            _ => 0,
        };
        let (best, from) = definition
            .predecessors(id)
            .map(|p| (longest[p.index()], Some(p)))
            .max_by_key(|&(total, p)| (total, std::cmp::Reverse(p.map(StepId::index))))
            .unwrap_or((0, None));
        longest[id.index()] = best.saturating_add(own);
        before[id.index()] = from;
    }
    let (last, total) = definition
        .steps()
        .map(|(id, _)| (id, longest[id.index()]))
        .max_by_key(|&(id, total)| (total, std::cmp::Reverse(id.index())))?;
    if total <= allowed {
        return None;
    }
    let mut path = vec![last];
    while let Some(p) = before[path[path.len() - 1].index()] {
        path.push(p);
    }
    path.reverse();
    Some(Overrun {
        path,
        total,
        allowed,
        measure,
    })
}
