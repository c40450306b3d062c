//! Scanning start days: the same plan started on every day of a period,
//! and the start whose critical path ends latest after it (holidays move
//! the answer: a flow started just before 国庆 waits out the holiday).

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::{PlanError, Planner};
use crate::calendar::DayKind;
use crate::exec::Attributes;
use crate::model::Definition;

/// One start day of a [`ScanReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanDay {
    /// When the instance starts.
    pub start: DateTime<Utc>,
    /// When its critical path ends.
    pub end: DateTime<Utc>,
    /// Calendar days from the start date to the end date, in the plan's zone.
    pub calendar_days: i64,
    /// Whether the process's own deadline is met (`None` without one).
    pub feasible: Option<bool>,
}

/// Every start day of a period, and the worst and best of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// The process name.
    pub process: String,
    /// The zone the dates are in.
    pub zone: String,
    /// Every start, one per day, in order.
    pub days: Vec<ScanDay>,
    /// Index into `days` of the start whose critical path takes the most calendar days (the first such).
    pub worst: usize,
    /// The median of the starts' calendar days: what a start usually takes.
    pub typical_days: i64,
    /// How many more calendar days the worst start takes than a typical one.
    pub extra_days: i64,
    /// Holidays (their calendar labels, e.g. `国庆节`) between the worst start and its end.
    pub holidays: Vec<String>,
    /// How many starts miss the process's own deadline.
    pub infeasible: usize,
    /// The first year the calendar has no holiday data for, if the scan reaches it.
    pub provisional_from: Option<i32>,
}

/// Plans `definition` started at `first` and at the same local time on each
/// of the `days - 1` following days, and names the worst start.
///
/// # Errors
/// As [`plan`](super::plan), for the first start that fails.
///
/// # Example
/// ```
/// use sopflow::exec::Attributes;
/// use sopflow::plan::scan;
///
/// let def = sopflow::parse(
///     "process 上新 { calendar cn }\n市场部:提交需求 within 3wd → 研发部:评估 within 3wd",
///     "上新.sop",
/// ).unwrap();
/// let first = "2026-09-01T09:00:00+08:00".parse().unwrap();
/// let report = scan(&def, first, 60, &Attributes::new()).unwrap();
/// assert_eq!(report.days.len(), 60);
/// assert!(report.holidays.iter().any(|h| h.contains("国庆")), "{report:?}");
/// ```
pub fn scan(
    definition: &Definition,
    first: DateTime<Utc>,
    days: u32,
    attributes: &Attributes,
) -> Result<ScanReport, PlanError> {
    let planner = Planner::new(definition, attributes);
    let zone = planner.zone();
    let local = first.with_timezone(&zone);
    let (date, time) = (local.date_naive(), local.time());
    let mut out = Vec::with_capacity(days as usize);
    let mut provisional_from: Option<i32> = None;
    for offset in 0..u64::from(days.max(1)) {
        let day = date
            .checked_add_days(Days::new(offset))
            .ok_or(PlanError::Overflow)?;
        // A local time that a DST change skips takes the next valid instant.
        let Some(start) = zone
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(day.and_time(time) + chrono::TimeDelta::hours(1)))
                    .earliest()
            })
        else {
            continue;
        };
        let start = start.with_timezone(&Utc);
        let plan = planner.plan(start)?;
        if let Some(year) = plan.provisional_from {
            provisional_from = Some(provisional_from.map_or(year, |y| y.min(year)));
        }
        let end_date = plan.end.with_timezone(&zone).date_naive();
        out.push(ScanDay {
            start,
            end: plan.end,
            calendar_days: (end_date - day).num_days(),
            feasible: plan.deadline.as_ref().map(|d| d.feasible),
        });
    }
    let worst = first_max_by(&out, |d| d.calendar_days);
    let mut lengths: Vec<i64> = out.iter().map(|d| d.calendar_days).collect();
    lengths.sort_unstable();
    let typical_days = lengths.get(lengths.len() / 2).copied().unwrap_or(0);
    let extra_days = out.get(worst).map_or(0, |w| w.calendar_days - typical_days);
    let holidays = match (out.get(worst), planner.calendar()) {
        (Some(w), Some(calendar)) => {
            let from = w.start.with_timezone(&zone).date_naive();
            let to = w.end.with_timezone(&zone).date_naive();
            holiday_labels(calendar, from, to)
        }
        _ => Vec::new(),
    };
    Ok(ScanReport {
        process: definition.name().to_owned(),
        zone: zone.name().to_owned(),
        infeasible: out.iter().filter(|d| d.feasible == Some(false)).count(),
        days: out,
        worst,
        typical_days,
        extra_days,
        holidays,
        provisional_from,
    })
}

/// The index of the first greatest `key` (0 for an empty slice).
fn first_max_by(days: &[ScanDay], key: impl Fn(&ScanDay) -> i64) -> usize {
    let mut best = 0;
    for (i, day) in days.iter().enumerate() {
        if key(day) > key(&days[best]) {
            best = i;
        }
    }
    best
}

/// The distinct labels of the holidays from `from` to `to`, in date order.
fn holiday_labels(
    calendar: &crate::calendar::BusinessCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        if calendar.day_kind(date) == DayKind::Holiday {
            let label = calendar
                .label(date)
                .map_or_else(|| date.to_string(), str::to_owned);
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    labels
}
