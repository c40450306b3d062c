//! Lowers `calendar NAME { … }` declarations into [`BusinessCalendar`]s.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime};

use crate::calendar::BusinessCalendar;
use crate::diagnostics::{Code, Diagnostic, SourceId, Span};
use crate::syntax::ast::{self, Field};

/// Builds one calendar, reporting problems with the spans they were written at.
pub(crate) fn calendar(
    decl: &ast::Decl,
    source: SourceId,
    diags: &mut Vec<Diagnostic>,
) -> Option<BusinessCalendar> {
    let mut zone = chrono_tz::Tz::Asia__Shanghai;
    let mut week = None;
    let mut hours: Vec<(NaiveTime, Option<NaiveTime>, Span)> = Vec::new();
    let mut holidays: HashMap<NaiveDate, Span> = HashMap::new();
    let mut workdays: Vec<(NaiveDate, Span)> = Vec::new();
    let mut covers = None;
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
                    zone = tz;
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
            Field::Holiday(ranges) => {
                for r in ranges {
                    for day in r.node.first.iter_days().take_while(|d| *d <= r.node.last) {
                        holidays.entry(day).or_insert(r.span);
                    }
                }
            }
            Field::Workday(ranges) => {
                for r in ranges {
                    for day in r.node.first.iter_days().take_while(|d| *d <= r.node.last) {
                        workdays.push((day, r.span));
                    }
                }
            }
            Field::Covers(a, b) => covers = Some((*a, *b)),
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
            let years = if from == to {
                format!("{from}")
            } else {
                format!("{from}..{to}")
            };
            diags.push(
                Diagnostic::new(
                    Code::DateOutsideCoverage,
                    format!("{day} is outside the years this calendar covers ({years})"),
                    source,
                    span,
                    "outside `covers`",
                )
                .with_help(
                    "correct the date, or extend `covers` once that year's holidays are all listed",
                ),
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
    let mut builder =
        BusinessCalendar::builder(decl.name.node.as_str().to_owned(), zone).hours(&intervals);
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
