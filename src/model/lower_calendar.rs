//! Lowers `calendar NAME { … }` declarations into [`BusinessCalendar`]s.
//!
//! A calendar that `extends` another starts from a copy of it: its zone,
//! week and hours stay unless the declaration gives them, its holidays and
//! make-up working days are added to the other's, and its covered years are
//! joined to the other's (they must stay one range, E039).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime};

use crate::calendar::BusinessCalendar;
use crate::diagnostics::{Code, Diagnostic, SourceId, Span};
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
                            format!("unknown time zone `{z}`"),
                            source,
                            field.span,
                            "not an IANA time zone",
                        )
                        .with_help("write an IANA name such as `Asia/Shanghai` or `Europe/Berlin`"),
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
                            Diagnostic::new(Code::InvalidHours, "business hours end before they start", source, r.span, "closing time is not after opening time")
                                .with_help("write the opening time first, e.g. `09:00-12:00`; intervals cannot cross midnight"),
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
                    "business hours overlap",
                    source,
                    span_b,
                    "overlaps",
                )
                .with_label(source, span_a, "this interval")
                .with_help("make each interval end before the next one starts"),
            );
            ok = false;
        }
    }
    for (day, span) in &workdays {
        if let Some(h) = holidays.get(day) {
            diags.push(
                Diagnostic::new(
                    Code::HolidayWorkday,
                    format!("{day} is both a holiday and a workday"),
                    source,
                    *span,
                    "listed as a workday",
                )
                .with_label(source, *h, "listed as a holiday")
                .with_help(
                    "a make-up workday (调休) cannot also be a day off; remove it from one list",
                ),
            );
            ok = false;
        }
    }
    if let Some(base) = base {
        // A date the base lists one way cannot be listed the other way here.
        let mut conflicts: Vec<(NaiveDate, Span, &str)> = Vec::new();
        for (day, span) in &holidays {
            if base.workdays().binary_search(day).is_ok() {
                conflicts.push((*day, *span, "a make-up workday"));
            }
        }
        for (day, span) in &workdays {
            if base.holidays().binary_search(day).is_ok() {
                conflicts.push((*day, *span, "a holiday"));
            }
        }
        conflicts.sort_by_key(|(day, span, _)| (span.start, *day));
        for (day, span, what) in conflicts {
            diags.push(
                Diagnostic::new(
                    Code::HolidayWorkday,
                    format!("{day} is {what} in calendar `{}`, which this one extends", base.name()),
                    source,
                    span,
                    "listed the other way here",
                )
                .with_help("a date cannot be both a holiday and a make-up workday (调休); remove it here, or declare the calendar in full instead of extending it"),
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
                        format!(
                            "`covers {}` does not join the years calendar `{}` covers ({})",
                            years_text(from, to),
                            base.map_or("", BusinessCalendar::name),
                            years_text(a, b)
                        ),
                        source,
                        covers_span,
                        format!("{missing} would be covered without holidays"),
                    )
                    .with_help(format!(
                        "add {missing} first (with its holidays), or correct the year"
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
                    format!(
                        "calendar `{}` lists {day}, outside the years this one covers ({})",
                        base.name(),
                        years_text(from, to)
                    ),
                    source,
                    covers_span,
                    "`covers` bounds the extended calendar",
                )
                .with_help("widen `covers` to every year the calendar lists"),
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
                    format!("{day} is outside the years this calendar covers ({years})"),
                    source,
                    span,
                    "outside `covers`",
                )
                .with_help(if base.is_some() {
                    format!("correct the date, or add `covers {}` to this calendar once that year's holidays are all listed", day.year())
                } else {
                    "correct the date, or extend `covers` once that year's holidays are all listed".to_owned()
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
                    format!("invalid calendar: {e}"),
                    source,
                    decl.name.span,
                    "in this calendar",
                )
                .with_help("check the business hours, holidays and workdays of the calendar"),
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
