//! Plans and scans as text for people, in English or Chinese.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Measure, Plan, ScanReport};
use crate::diagnostics::Lang;

/// Renders `plan` for a person: a table of steps (critical ones marked
/// `*`), the critical path, whether the process deadline can be met, and
/// the assumptions the numbers rest on.
///
/// # Example
/// ```
/// use sopflow::diagnostics::Lang;
/// use sopflow::exec::Attributes;
///
/// let def = sopflow::parse(
///     "process 上新 { calendar cn within 5wd }\n市场部:提交需求 within 3wd → 研发部:评估 within 3wd",
///     "上新.sop",
/// ).unwrap();
/// let start = "2026-03-02T09:00:00+08:00".parse().unwrap();
/// let plan = sopflow::plan::plan(&def, start, &Attributes::new()).unwrap();
/// let text = sopflow::plan::render(&plan, Lang::En);
/// assert!(text.contains("the process allows 5wd"), "{text}");
/// assert!(text.contains("infeasible by 1wd"), "{text}");
/// let text = sopflow::plan::render(&plan, Lang::Zh);
/// assert!(text.contains("无法按时完成，超出 1个工作日"), "{text}");
/// ```
pub fn render(plan: &Plan, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let zone: Tz = plan.zone.parse().unwrap_or(Tz::UTC);
    let span = |minutes: i64| duration(plan.measure, minutes, zh);
    let mut out = String::new();
    let calendar = plan.calendar.as_deref();
    let _ = match (zh, calendar, plan.measure) {
        (false, Some(c), Measure::Working { minutes_per_day }) => writeln!(
            out,
            "{} planned from {} ({}) on calendar {c}; lengths in working time (1wd = {})",
            plan.process,
            time(plan.start, zone),
            plan.zone,
            duration(Measure::Elapsed, minutes_per_day, false)
        ),
        (true, Some(c), Measure::Working { minutes_per_day }) => writeln!(
            out,
            "{} 从 {}（{}）开始的计划，按日历 {c}；时长按工作时间计（1 个工作日 = {}）",
            plan.process,
            time(plan.start, zone),
            plan.zone,
            duration(Measure::Elapsed, minutes_per_day, true)
        ),
        (false, _, _) => writeln!(
            out,
            "{} planned from {} ({}); no calendar, lengths in elapsed time",
            plan.process,
            time(plan.start, zone),
            plan.zone
        ),
        (true, _, _) => writeln!(
            out,
            "{} 从 {}（{}）开始的计划；没有工作日历，时长按自然时间计",
            plan.process,
            time(plan.start, zone),
            plan.zone
        ),
    };
    out.push('\n');
    let (start_h, due_h, slack_h, step_h) = if zh {
        ("最早开始", "截止", "余量", "步骤")
    } else {
        ("start", "due", "slack", "step")
    };
    let slacks: Vec<String> = plan.steps.iter().map(|s| span(s.slack_minutes)).collect();
    let slack_w = slacks
        .iter()
        .map(|s| unicode_width::UnicodeWidthStr::width(s.as_str()))
        .chain([unicode_width::UnicodeWidthStr::width(slack_h)])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "  {}  {}  {}  {step_h}",
        pad(start_h, 16),
        pad(due_h, 16),
        pad(slack_h, slack_w)
    );
    for (step, slack) in plan.steps.iter().zip(&slacks) {
        let mark = if step.critical { '*' } else { ' ' };
        let deadline = match &step.deadline {
            Some(d) => format!(" ({d})"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{mark} {}  {}  {}  {}{deadline}",
            time(step.start, zone),
            time(step.due, zone),
            pad(slack, slack_w),
            step.step
        );
    }
    out.push('\n');
    let path = plan.critical_path.join(" → ");
    let length = span(plan.length_minutes);
    let _ = if zh {
        writeln!(
            out,
            "关键路径（{length}，{} 截止）：{path}",
            time(plan.end, zone)
        )
    } else {
        writeln!(
            out,
            "critical path ({length}, due {}): {path}",
            time(plan.end, zone)
        )
    };
    if let Some(deadline) = &plan.deadline {
        let allowed = span(deadline.allowed_minutes);
        let over = span(deadline.over_minutes);
        let spare = span((deadline.allowed_minutes - plan.length_minutes).max(0));
        let _ = match (zh, deadline.feasible) {
            (false, true) => writeln!(
                out,
                "{} takes at most {length} on its critical path; the process allows {allowed} ({}, due {}): feasible, {spare} to spare",
                plan.process, deadline.written, time(deadline.due, zone)
            ),
            (false, false) => writeln!(
                out,
                "{} takes at most {length} on its critical path; the process allows {allowed} ({}, due {}): infeasible by {over}",
                plan.process, deadline.written, time(deadline.due, zone)
            ),
            (true, true) => writeln!(
                out,
                "{} 的关键路径最长需要 {length}；流程时限（{}，{} 截止）允许 {allowed}：可以按时完成，还余 {spare}",
                plan.process, deadline.written, time(deadline.due, zone)
            ),
            (true, false) => writeln!(
                out,
                "{} 的关键路径最长需要 {length}；流程时限（{}，{} 截止）只允许 {allowed}：无法按时完成，超出 {over}",
                plan.process, deadline.written, time(deadline.due, zone)
            ),
        };
    }
    notes(plan, zh, &mut out);
    out
}

/// The assumptions behind a plan, one `note:` line each.
fn notes(plan: &Plan, zh: bool, out: &mut String) {
    let _ = if zh {
        writeln!(out, "注：每个步骤都按用满时限计算；退回（rework）不计入")
    } else {
        writeln!(
            out,
            "note: every step takes its full deadline; rework (send-back) is not counted"
        )
    };
    if !plan.choices.is_empty() {
        let list = plan.choices.join("、");
        let _ = if zh {
            writeln!(out, "注：选择步骤按耗时最长的结果计算：{list}")
        } else {
            writeln!(
                out,
                "note: choices count their longest outcome: {}",
                plan.choices.join(", ")
            )
        };
    }
    if !plan.untimed.is_empty() {
        let _ = if zh {
            writeln!(
                out,
                "注：没有时限的步骤按不耗时计算：{}",
                plan.untimed.join("、")
            )
        } else {
            writeln!(
                out,
                "note: steps without a deadline take no time: {}",
                plan.untimed.join(", ")
            )
        };
    }
    if let Some(year) = plan.provisional_from {
        let _ = if zh {
            writeln!(
                out,
                "注：日历没有 {year} 年的节假日数据，从 {year} 年起只按工作周计算"
            )
        } else {
            writeln!(out, "note: the calendar has no holiday data for {year}; from {year} on only the working week counts")
        };
    }
}

/// Renders a scan: the worst start, by how much, and why.
///
/// # Example
/// ```
/// use sopflow::diagnostics::Lang;
/// use sopflow::exec::Attributes;
///
/// let def = sopflow::parse(
///     "process 上新 { calendar cn }\n市场部:提交需求 within 3wd → 研发部:评估 within 3wd",
///     "上新.sop",
/// ).unwrap();
/// let first = "2026-09-01T09:00:00+08:00".parse().unwrap();
/// let report = sopflow::plan::scan(&def, first, 60, &Attributes::new()).unwrap();
/// let text = sopflow::plan::render_scan(&report, Lang::En);
/// assert!(text.contains("because of") && text.contains("国庆节"), "{text}");
/// ```
pub fn render_scan(report: &ScanReport, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let zone: Tz = report.zone.parse().unwrap_or(Tz::UTC);
    let mut out = String::new();
    let (Some(first), Some(last)) = (report.days.first(), report.days.last()) else {
        return out;
    };
    let Some(worst) = report.days.get(report.worst) else {
        return out;
    };
    let date = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d").to_string();
    let _ = if zh {
        writeln!(
            out,
            "{}：从 {} 到 {} 每天开始一次，共 {} 次",
            report.process,
            date(first.start),
            date(last.start),
            report.days.len()
        )
    } else {
        writeln!(
            out,
            "{}: started on each of {} days from {} to {}",
            report.process,
            report.days.len(),
            date(first.start),
            date(last.start)
        )
    };
    let because = if report.holidays.is_empty() {
        String::new()
    } else if zh {
        format!("，因为遇上{}", report.holidays.join("、"))
    } else {
        format!(" because of {}", report.holidays.join(", "))
    };
    let _ = if zh {
        writeln!(
            out,
            "最差：{} 开始，关键路径 {} 结束，共 {} 个日历日，比通常（{} 个日历日）晚 {} 天{because}",
            date(worst.start),
            time(worst.end, zone),
            worst.calendar_days,
            report.typical_days,
            report.extra_days
        )
    } else {
        writeln!(
            out,
            "worst: started {}, the critical path ends {} after {} calendar days, {} calendar days later than typical ({}){because}",
            date(worst.start),
            time(worst.end, zone),
            worst.calendar_days,
            report.extra_days,
            report.typical_days
        )
    };
    if report.days.iter().any(|d| d.feasible.is_some()) {
        let _ = if zh {
            writeln!(out, "有 {} 个开始日无法按流程时限完成", report.infeasible)
        } else {
            writeln!(
                out,
                "{} start days miss the process deadline",
                report.infeasible
            )
        };
    }
    if let Some(year) = report.provisional_from {
        let _ = if zh {
            writeln!(
                out,
                "注：日历没有 {year} 年的节假日数据，从 {year} 年起只按工作周计算"
            )
        } else {
            writeln!(out, "note: the calendar has no holiday data for {year}; from {year} on only the working week counts")
        };
    }
    out
}

/// `2026-03-02 09:00` in `zone`.
fn time(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

/// `text` padded with spaces to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// A length in minutes of `measure`: `3wd 4wh`, `2d 3h`; in Chinese `3个工作日4个工作小时`, `2天3小时`.
pub(crate) fn duration(measure: Measure, minutes: i64, zh: bool) -> String {
    let (day, hour, units) = match measure {
        Measure::Working { minutes_per_day } => (
            minutes_per_day.max(1),
            60,
            if zh {
                ["个工作日", "个工作小时", "分钟"]
            } else {
                ["wd", "wh", "m"]
            },
        ),
        Measure::Elapsed => (
            24 * 60,
            60,
            if zh {
                ["天", "小时", "分钟"]
            } else {
                ["d", "h", "m"]
            },
        ),
    };
    let days = minutes / day;
    let hours = (minutes % day) / hour;
    let mins = minutes % day % hour;
    let mut parts = Vec::new();
    for (amount, unit) in [(days, units[0]), (hours, units[1]), (mins, units[2])] {
        if amount != 0 {
            parts.push(format!("{amount}{unit}"));
        }
    }
    if parts.is_empty() {
        return "0".to_owned();
    }
    parts.join(if zh { "" } else { " " })
}
