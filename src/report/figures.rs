//! [`Figures`]: one department's numbers for one period, and the
//! accumulator they are computed from.
//!
//! Invariant: every count and sum is additive over disjoint periods; the
//! rates, averages and the p90 are derived from them (the p90 from the
//! individual latenesses) when the figures are made, and are not additive.

use serde::{Deserialize, Serialize};

/// One department's scorecard figures for one period (or one week).
///
/// Counts and `*_seconds` sums add up over disjoint periods; `on_time_rate`,
/// `lateness_avg_hours` and `lateness_p90_hours` do not (they are computed
/// from the counts and the individual latenesses). Times are working time on
/// the process calendar; see the [module docs](super) for every definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Steps completed (完成步骤), each co-owner counted.
    pub completed: u64,
    /// Of those, steps that had a deadline.
    pub with_deadline: u64,
    /// Of those, completed at or before the deadline.
    pub on_time: u64,
    /// Of those, completed after the deadline.
    pub late: u64,
    /// `on_time / with_deadline`, from 0 to 1; `None` without deadlines.
    pub on_time_rate: Option<f64>,
    /// Sum of the late steps' lateness, working seconds.
    pub lateness_seconds: i64,
    /// Average lateness of the late steps, working hours (two decimals).
    pub lateness_avg_hours: Option<f64>,
    /// 90th percentile (nearest rank) of the late steps' lateness, working
    /// hours (two decimals).
    pub lateness_p90_hours: Option<f64>,
    /// Warnings (超时预警) on the department's steps.
    pub warnings: u64,
    /// Escalation levels fired on the department's steps.
    pub escalations: u64,
    /// Send-backs the department's steps issued (发起退回).
    pub send_backs_caused: u64,
    /// Send-backs that returned work to the department's steps (被退回).
    pub send_backs_received: u64,
    /// Waits ended: times work came back to the department after it had
    /// handed over and had nothing active in the instance.
    pub waits: u64,
    /// Working seconds spent waiting on other departments.
    pub waiting_seconds: i64,
    /// `waiting_seconds` in working hours (two decimals).
    pub waiting_hours: f64,
}

/// The additive accumulator behind [`Figures`] (plus the latenesses, for the p90).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Tally {
    pub(super) completed: u64,
    pub(super) with_deadline: u64,
    pub(super) on_time: u64,
    pub(super) late: u64,
    /// Lateness of each late step, working seconds.
    pub(super) lateness: Vec<i64>,
    pub(super) warnings: u64,
    pub(super) escalations: u64,
    pub(super) send_backs_caused: u64,
    pub(super) send_backs_received: u64,
    pub(super) waits: u64,
    pub(super) waiting_seconds: i64,
}

impl Tally {
    pub(super) fn figures(&self) -> Figures {
        let lateness_seconds: i64 = self.lateness.iter().sum();
        let mut sorted = self.lateness.clone();
        sorted.sort_unstable();
        Figures {
            completed: self.completed,
            with_deadline: self.with_deadline,
            on_time: self.on_time,
            late: self.late,
            on_time_rate: (self.with_deadline > 0)
                .then(|| round(self.on_time as f64 / self.with_deadline as f64, 4)),
            lateness_seconds,
            lateness_avg_hours: (!sorted.is_empty())
                .then(|| hours(lateness_seconds as f64 / sorted.len() as f64)),
            lateness_p90_hours: p90(&sorted).map(|s| hours(s as f64)),
            warnings: self.warnings,
            escalations: self.escalations,
            send_backs_caused: self.send_backs_caused,
            send_backs_received: self.send_backs_received,
            waits: self.waits,
            waiting_seconds: self.waiting_seconds,
            waiting_hours: hours(self.waiting_seconds as f64),
        }
    }
}

/// The nearest-rank 90th percentile of ascending `sorted`: the value at
/// rank ⌈0.9·n⌉ (from 1); `None` for no values.
pub(super) fn p90(sorted: &[i64]) -> Option<i64> {
    let rank = (sorted.len() * 9).div_ceil(10);
    sorted.get(rank.checked_sub(1)?).copied()
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn hours(seconds: f64) -> f64 {
    round(seconds / 3600.0, 2)
}

/// One figure of a scorecard as a column: its JSON key and its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The [`Figures`] field, as serialized.
    pub key: &'static str,
    /// The Chinese header.
    pub zh: &'static str,
    /// The English header.
    pub en: &'static str,
}

/// The figures shown in a scorecard table, in order: what `sopflow report`
/// prints and the page shows (the additive `with_deadline`, `on_time`,
/// `lateness_seconds` and `waits` are in the JSON only).
pub const COLUMNS: [Column; 10] = [
    Column { key: "completed", zh: "完成步骤", en: "Completed" },
    Column { key: "on_time_rate", zh: "按时率", en: "On time" },
    Column { key: "late", zh: "超时步骤", en: "Late" },
    Column { key: "lateness_avg_hours", zh: "平均超时(工时)", en: "Avg late (wh)" },
    Column { key: "lateness_p90_hours", zh: "P90超时(工时)", en: "P90 late (wh)" },
    Column { key: "warnings", zh: "预警", en: "Warnings" },
    Column { key: "escalations", zh: "升级", en: "Escalations" },
    Column { key: "send_backs_caused", zh: "发起退回", en: "Sent back" },
    Column { key: "send_backs_received", zh: "被退回", en: "Got back" },
    Column { key: "waiting_hours", zh: "等待他部门(工时)", en: "Waiting (wh)" },
];

impl Figures {
    /// The value of column `key` (a [`COLUMNS`] key or another field name)
    /// as display text: counts as integers, the rate as a percentage, hours
    /// with up to two decimals, `-` for no value; `None` for an unknown key.
    ///
    /// # Example
    /// ```
    /// use sopflow::report::Figures;
    /// let f = Figures { completed: 3, on_time_rate: Some(0.6667), ..Figures::default() };
    /// assert_eq!(f.cell("completed").as_deref(), Some("3"));
    /// assert_eq!(f.cell("on_time_rate").as_deref(), Some("66.7%"));
    /// assert_eq!(f.cell("lateness_p90_hours").as_deref(), Some("-"));
    /// assert_eq!(f.cell("nonsense"), None);
    /// ```
    pub fn cell(&self, key: &str) -> Option<String> {
        let hours = |h: Option<f64>| h.map_or_else(|| "-".to_owned(), |h| format!("{h}"));
        Some(match key {
            "completed" => self.completed.to_string(),
            "with_deadline" => self.with_deadline.to_string(),
            "on_time" => self.on_time.to_string(),
            "late" => self.late.to_string(),
            "on_time_rate" => self
                .on_time_rate
                .map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0)),
            "lateness_seconds" => self.lateness_seconds.to_string(),
            "lateness_avg_hours" => hours(self.lateness_avg_hours),
            "lateness_p90_hours" => hours(self.lateness_p90_hours),
            "warnings" => self.warnings.to_string(),
            "escalations" => self.escalations.to_string(),
            "send_backs_caused" => self.send_backs_caused.to_string(),
            "send_backs_received" => self.send_backs_received.to_string(),
            "waits" => self.waits.to_string(),
            "waiting_seconds" => self.waiting_seconds.to_string(),
            "waiting_hours" => hours(Some(self.waiting_hours)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p90_is_nearest_rank() {
        assert_eq!(p90(&[]), None);
        assert_eq!(p90(&[5]), Some(5));
        // n = 10: rank 9.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(p90(&ten), Some(9));
        // n = 11: rank ⌈9.9⌉ = 10.
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(p90(&eleven), Some(10));
        assert_eq!(p90(&[1, 2]), Some(2));
    }
}
