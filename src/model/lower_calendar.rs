//! Lowers `calendar NAME { … }` declarations into [`BusinessCalendar`]s.
//!
//! A calendar that `extends` another starts from a copy of it: its zone,
//! week and hours stay unless the declaration gives them, its holidays and
//! make-up working days are added to the other's, and its covered years are
//! joined to the other's (they must stay one range, E039).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime};

use crate::calendar::BusinessCalendar;
use crate::diagnostics::{tr, Code, Diagnostic, SourceId, Span};
use crate::syntax::ast::{self, Field};

/// Builds one calendar, reporting problems with the spans they were written
/// at; `base` is the calendar it `extends`, already built.
pub(crate) fn calendar(
    decl: &ast::Decl,
    source: SourceId,
    base: Option<&BusinessCalendar>,
    diags: &mut Vec<Diagnostic>,
) -> Option<BusinessCalendar> {
    let mut zone = None;
    let mut week = None;
    let mut hours: Vec<(NaiveTime, Option<NaiveTime>, Span)> = Vec::new();
    let mut has_hours = false;
    let mut holidays: HashMap<NaiveDate, Span> = HashMap::new();
    let mut workdays: Vec<(NaiveDate, Span)> = Vec::new();
    let mut labels: Vec<(NaiveDate, NaiveDate, &str)> = Vec::new();
    let mut covers = None;
    let mut covers_span = decl.name.span;
    let mut ok = true;
    let mut seen: HashMap<&'static str, Span> = HashMap::new();
    for field in &decl.fields {
        let kw = field.node.keyword();
        if !matches!(kw, "holiday" | "workday") {
            if let Some(prev) = seen.insert(kw, field.span) {
                diags.push(super::lower::duplicate_field(field, source, prev));
                ok = false;
                continue;
            }
        }
        match &field.node {
            Field::Zone(z) => match z.parse::<chrono_tz::Tz>() {
                Ok(tz) => {
                    zone = Some(tz);
                }
                Err(_) => {
                    diags.push(
                        Diagnostic::new(
                            Code::UnknownTimeZone,
                            tr!("unknown time zone `{z}`", "不认识时区 `{z}`"),
                            source,
                            field.span,
                            tr!("not an IANA time zone", "这不是标准的时区名称"),
                        )
                        .with_help(tr!(
                            "write an IANA name such as `Asia/Shanghai` or `Europe/Berlin`",
                            "请写标准时区名称，例如 `Asia/Shanghai`（北京时间）或 `Europe/Berlin`"
                        )),
                    );
                    ok = false;
                }
            },
            Field::Week(days) => week = Some(days.clone()),
            Field::Hours(ranges) => {
                has_hours = true;
                for r in ranges {
                    let end_of_day = r.node.end.is_none();
                    if !end_of_day && r.node.end <= Some(r.node.start) {
                        diags.push(
                            Diagnostic::new(
                                Code::InvalidHours,
                                tr!("business hours end before they start", "下班时间早于上班时间"),
                                source,
                                r.span,
                                tr!("closing time is not after opening time", "结束时间不在开始时间之后"),
                            )
                            .with_help(tr!(
                                "write the opening time first, e.g. `09:00-12:00`; intervals cannot cross midnight",
                                "先写开始时间，例如 `09:00-12:00`；一段时间不能跨过午夜"
                            )),
                        );
                        ok = false;
                        continue;
                    }
                    hours.push((r.node.start, r.node.end, r.span));
                }
            }
            Field::Holiday(ranges, label) => {
                for r in ranges {
                    for day in r.node.first.iter_days().take_while(|d| *d <= r.node.last) {
                        holidays.entry(day).or_insert(r.span);
                    }
                    if let Some(label) = label {
                        labels.push((r.node.first, r.node.last, label));
                    }
                }
            }
            Field::Workday(ranges, label) => {
                for r in ranges {
                    for day in r.node.first.iter_days().take_while(|d| *d <= r.node.last) {
                        workdays.push((day, r.span));
                    }
                    if let Some(label) = label {
                        labels.push((r.node.first, r.node.last, label));
                    }
                }
            }
            Field::Covers(a, b) => {
                covers = Some((*a, *b));
                covers_span = field.span;
            }
            _ => {}
        }
    }
    hours.sort_by_key(|h| h.0);
    for pair in hours.windows(2) {
        let (_, end_a, span_a) = pair[0];
        let (start_b, _, span_b) = pair[1];
        if end_a.is_none_or(|e| e > start_b) {
            diags.push(
                Diagnostic::new(
                    Code::InvalidHours,
                    tr!("business hours overlap", "工作时间段互相重叠"),
                    source,
                    span_b,
                    tr!("overlaps", "与另一段重叠"),
                )
                .with_label(source, span_a, tr!("this interval", "这一段"))
                .with_help(tr!(
                    "make each interval end before the next one starts",
                    "每一段的结束时间要早于下一段的开始时间，例如 `09:00-12:00, 13:30-18:00`"
                )),
            );
            ok = false;
        }
    }
    for (day, span) in &workdays {
        if let Some(h) = holidays.get(day) {
            diags.push(
                Diagnostic::new(
                    Code::HolidayWorkday,
                    tr!(
                        "{day} is both a holiday and a workday",
                        "{day} 既写成了假日，又写成了调休上班日"
                    ),
                    source,
                    *span,
                    tr!("listed as a workday", "这里写成了调休上班日"),
                )
                .with_label(source, *h, tr!("listed as a holiday", "这里写成了假日"))
                .with_help(tr!(
                    "a make-up workday (调休) cannot also be a day off; remove it from one list",
                    "调休上班的日子不能同时放假；请从其中一处删掉这一天"
                )),
            );
            ok = false;
        }
    }
    if let Some(base) = base {
        // A date the base lists one way cannot be listed the other way here.
        let mut conflicts: Vec<(NaiveDate, Span, &str, &str)> = Vec::new();
        for (day, span) in &holidays {
            if base.workdays().binary_search(day).is_ok() {
                conflicts.push((*day, *span, "a make-up workday", "调休上班日"));
            }
        }
        for (day, span) in &workdays {
            if base.holidays().binary_search(day).is_ok() {
                conflicts.push((*day, *span, "a holiday", "假日"));
            }
        }
        conflicts.sort_by_key(|(day, span, _, _)| (span.start, *day));
        for (day, span, what, what_zh) in conflicts {
            let base_name = base.name();
            diags.push(
                Diagnostic::new(
                    Code::HolidayWorkday,
                    tr!(
                        "{day} is {what} in calendar `{base_name}`, which this one extends",
                        "{day} 在被扩展的日历 `{base_name}` 里是{what_zh}"
                    ),
                    source,
                    span,
                    tr!("listed the other way here", "这里却写成了相反的一种"),
                )
                .with_help(tr!(
                    "a date cannot be both a holiday and a make-up workday (调休); remove it here, or declare the calendar in full instead of extending it",
                    "同一天不能既放假又调休上班；请删掉这里的这一天，或者不用 `extends`，把日历完整地写一遍"
                )),
            );
            ok = false;
        }
    }
    // The covered years: the base's joined with this declaration's.
    let covers = match (base.and_then(BusinessCalendar::covers), covers) {
        (Some(have), Some((from, to))) => {
            let (a, b) = (*have.start(), *have.end());
            if from > b.saturating_add(1) || to < a.saturating_sub(1) {
                let missing = if from > b {
                    years_text(b + 1, from - 1)
                } else {
                    years_text(to + 1, a - 1)
                };
                diags.push(
                    Diagnostic::new(
                        Code::CoverageGap,
                        {
                            let (given, have) = (years_text(from, to), years_text(a, b));
                            let base_name = base.map_or("", BusinessCalendar::name);
                            tr!(
                                "`covers {given}` does not join the years calendar `{base_name}` covers ({have})",
                                "`covers {given}` 和日历 `{base_name}` 已有的年份（{have}）接不上"
                            )
                        },
                        source,
                        covers_span,
                        tr!(
                            "{missing} would be covered without holidays",
                            "中间的 {missing} 年就没有节假日数据了"
                        ),
                    )
                    .with_help(tr!(
                        "add {missing} first (with its holidays), or correct the year",
                        "请先补上 {missing} 年（连同它的节假日），或者改正年份"
                    )),
                );
                ok = false;
                None
            } else {
                Some((from.min(a), to.max(b)))
            }
        }
        (Some(have), None) => Some((*have.start(), *have.end())),
        (None, own) => own,
    };
    if let (Some(base), Some((from, to))) = (base, covers) {
        // A base without `covers` may list dates outside the years given here.
        if let Some(day) = base
            .holidays()
            .iter()
            .chain(base.workdays())
            .find(|day| !(from..=to).contains(&day.year()))
        {
            diags.push(
                Diagnostic::new(
                    Code::DateOutsideCoverage,
                    {
                        let (base_name, years) = (base.name(), years_text(from, to));
                        tr!(
                            "calendar `{base_name}` lists {day}, outside the years this one covers ({years})",
                            "日历 `{base_name}` 里有 {day}，不在这个日历覆盖的年份（{years}）之内"
                        )
                    },
                    source,
                    covers_span,
                    tr!(
                        "`covers` bounds the extended calendar",
                        "`covers` 限定了扩展后日历的年份"
                    ),
                )
                .with_help(tr!(
                    "widen `covers` to every year the calendar lists",
                    "请把 `covers` 扩大到包含日历里写到的每一年"
                )),
            );
            ok = false;
        }
    }
    if let Some((from, to)) = covers {
        // One diagnostic per written range, at the first date outside the years.
        let mut reported: Vec<Span> = Vec::new();
        let mut dates: Vec<(NaiveDate, Span)> = holidays.iter().map(|(d, s)| (*d, *s)).collect();
        dates.extend(workdays.iter().copied());
        dates.sort_by_key(|(d, s)| (s.start, *d));
        for (day, span) in dates {
            if (from..=to).contains(&day.year()) || reported.contains(&span) {
                continue;
            }
            reported.push(span);
            let years = years_text(from, to);
            diags.push(
                Diagnostic::new(
                    Code::DateOutsideCoverage,
                    tr!(
                        "{day} is outside the years this calendar covers ({years})",
                        "{day} 不在这个日历覆盖的年份（{years}）之内"
                    ),
                    source,
                    span,
                    tr!("outside `covers`", "超出了 `covers`"),
                )
                .with_help(if base.is_some() {
                    let year = day.year();
                    tr!(
                        "correct the date, or add `covers {year}` to this calendar once that year's holidays are all listed",
                        "请改正日期；或者等 {year} 年的节假日全部写好后，给这个日历加上 `covers {year}`"
                    )
                } else {
                    tr!(
                        "correct the date, or extend `covers` once that year's holidays are all listed",
                        "请改正日期；或者等那一年的节假日全部写好后，再扩大 `covers`"
                    )
                }),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let midnight = NaiveTime::MIN;
    let intervals: Vec<(NaiveTime, NaiveTime)> = hours
        .iter()
        .map(|(s, e, _)| (*s, e.unwrap_or(midnight)))
        .collect();
    let name = decl.name.node.as_str().to_owned();
    let mut builder = match base {
        Some(base) => base.to_builder().name(name),
        None => BusinessCalendar::builder(name, chrono_tz::Tz::Asia__Shanghai),
    };
    if let Some(zone) = zone {
        builder = builder.zone(zone);
    }
    if has_hours {
        builder = builder.hours(&intervals);
    }
    if let Some(days) = &week {
        builder = builder.week(days);
    }
    let mut days: Vec<_> = holidays.keys().copied().collect();
    days.sort();
    for d in days {
        builder = builder.holiday(d);
    }
    for (d, _) in workdays {
        builder = builder.workday(d);
    }
    for (first, last, label) in labels {
        builder = builder.label(first..=last, label);
    }
    if let Some((a, b)) = covers {
        builder = builder.covers(a, b);
    }
    match builder.build() {
        Ok(c) => Some(c),
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    Code::InvalidHours,
                    tr!("invalid calendar: {e}", "日历有误：{e}"),
                    source,
                    decl.name.span,
                    tr!("in this calendar", "在这个日历里"),
                )
                .with_help(tr!(
                    "check the business hours, holidays and workdays of the calendar",
                    "请检查这个日历的工作时间、假日和调休上班日"
                )),
            );
            None
        }
    }
}

/// `2026` or `2024..2026`.
pub(crate) fn years_text(from: i32, to: i32) -> String {
    if from == to {
        format!("{from}")
    } else {
        format!("{from}..{to}")
    }
}
