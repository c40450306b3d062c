//! Durations and deadlines: amounts checked against their unit (positive, at
//! most 100 years), working-time units only with a calendar, and the deadline
//! fields of a step or process (`within`, per priority; `by` a date attribute)
//! lowered into one [`Deadline`].

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn duration(
        &mut self,
        d: &Spanned<ast::Duration>,
        source: SourceId,
        what: impl Fn() -> Text,
        zero_ok: bool,
    ) -> Option<BusinessDuration> {
        let what = &what;
        let unit = d.node.unit;
        let amount = match d.node.amount {
            Some(a) if a <= max_amount(unit) => a,
            _ => {
                self.push(
                    Diagnostic::new(
                        Code::DurationOverflow,
                        {
                            let what = what();
                            let (w, wz) = what.parts();
                            tr!("{w} is too long", "{wz}太长了")
                        },
                        source,
                        d.span,
                        tr!("more than 100 years", "超过了 100 年"),
                    )
                    .with_help({
                        let (max, suffix) = (max_amount(unit), unit.suffix());
                        tr!(
                            "durations are limited to 100 years ({max}{suffix})",
                            "时长最多 100 年（{max}{suffix}）"
                        )
                    }),
                );
                return None;
            }
        };
        if d.node.negative || (amount == 0 && !zero_ok) {
            self.push(
                Diagnostic::new(
                    Code::NonPositiveDuration,
                    {
                        let what = what();
                        let (w, wz) = what.parts();
                        tr!("{w} must be positive", "{wz}必须大于零")
                    },
                    source,
                    d.span,
                    if d.node.negative {
                        tr!("negative", "这是负数")
                    } else {
                        tr!("zero", "这是零")
                    },
                )
                .with_help(tr!(
                    "write a duration of at least 1, e.g. `3d` or `2wd`",
                    "时长至少为 1，例如 `3d`（3 天）或 `2wd`（2 个工作日）"
                )),
            );
            return None;
        }
        if unit.is_business() && !self.has_calendar {
            if let Some(ladder) = &self.in_named_ladder {
                // A shared ladder may be used by processes with a calendar: it is
                // checked where a process without one uses it (see `ladder_fields`).
                self.ladder_business
                    .entry(ladder.clone())
                    .or_insert(Location {
                        source,
                        span: d.span,
                    });
                return Some(BusinessDuration::new(
                    u32::try_from(amount).expect("checked against max_amount"),
                    unit,
                ));
            }
            self.push(
                {
                    let suffix = unit.suffix();
                    Diagnostic::new(
                        Code::NoCalendar,
                        tr!(
                            "`{suffix}` counts working time, but the process has no calendar",
                            "`{suffix}` 按工作时间计算，但这个流程没有指定日历"
                        ),
                        source,
                        d.span,
                        tr!("needs a calendar", "需要日历"),
                    )
                    .with_help(tr!(
                        "add `calendar cn` (or a calendar you declare) to the `process` header, or use elapsed units `m`, `h`, `d`, `w`",
                        "在 `流程`（`process`）那一行的 `{{ }}` 里加上 `日历 cn`（或你声明的日历）；或者改用自然时间单位 `m`、`h`、`d`、`w`（`天`、`小时`）"
                    ))
                },
            );
            return None;
        }
        Some(BusinessDuration::new(
            u32::try_from(amount).expect("checked against max_amount"),
            unit,
        ))
    }

    pub(super) fn deadline(
        &mut self,
        fields: &[(&Spanned<Field>, SourceId)],
        what: &dyn Fn() -> Text,
    ) -> Option<(Deadline, Location)> {
        let mut result: Option<(Deadline, Location, &'static str)> = None;
        for (field, source) in fields {
            let deadline = match &field.node {
                Field::Within(slas) => {
                    let mut sla = Sla::default();
                    // A handful of entries at most: a list beats a hash map.
                    let mut seen: Vec<(Option<&str>, Span)> = Vec::new();
                    let mut ok = true;
                    for entry in slas {
                        let key = entry.priority.as_ref().map(|p| p.node.as_str().to_owned());
                        let at = entry
                            .priority
                            .as_ref()
                            .map_or(entry.duration.span, |p| p.span);
                        let name = entry.priority.as_ref().map(|p| p.node.as_str());
                        let prev = seen.iter().find(|(n, _)| *n == name).map(|&(_, s)| s);
                        seen.push((name, at));
                        if let Some(prev) = prev {
                            let label = match &key {
                                Some(p) => tr!(
                                    "priority `{p}` is given two durations",
                                    "优先级 `{p}` 写了两个时长"
                                ),
                                None => tr!("two default durations", "写了两个不带优先级的时长"),
                            };
                            self.push(
                                Diagnostic::new(
                                    Code::Duplicate,
                                    label,
                                    *source,
                                    at,
                                    tr!("given again here", "这里又写了一次"),
                                )
                                .with_label(*source, prev, tr!("first given here", "第一次写在这里"))
                                .with_help(tr!(
                                    "give each priority one duration, and at most one duration without a priority",
                                    "每个优先级只写一个时长；不带优先级的时长最多写一个"
                                )),
                            );
                            ok = false;
                            continue;
                        }
                        match self.duration(
                            &entry.duration,
                            *source,
                            || {
                                let what = what();
                                let (w, wz) = what.parts();
                                tr!("deadline of {w}", "{wz}的期限")
                            },
                            false,
                        ) {
                            Some(d) => match key {
                                Some(p) => {
                                    sla.by_priority.insert(p, d);
                                }
                                None => sla.default = Some(d),
                            },
                            None => ok = false,
                        }
                    }
                    if !ok {
                        continue;
                    }
                    Deadline::Within(sla)
                }
                Field::By { anchor, minus } => {
                    let minus = match minus {
                        Some(m) => match self.duration(
                            m,
                            *source,
                            || tr!("offset before the date", "日期前的提前量"),
                            false,
                        ) {
                            Some(d) => Some(d),
                            None => continue,
                        },
                        None => None,
                    };
                    let anchor = match &anchor.node {
                        ast::ByAnchor::Date(d) => Anchor::Date(*d),
                        ast::ByAnchor::Attribute(a) => Anchor::Attribute(a.clone()),
                    };
                    Deadline::By { anchor, minus }
                }
                _ => continue,
            };
            let at = Location {
                source: *source,
                span: field.span,
            };
            let kw = field.node.keyword();
            if let Some((_, first, first_kw)) = &result {
                let (code, message, help) = if *first_kw == kw {
                    let what = what();
                    let (w, wz) = what.parts();
                    (
                        Code::Duplicate,
                        tr!("{w} has two `{kw}` deadlines", "{wz}写了两个 `{kw}` 期限"),
                        tr!("keep one deadline", "只保留一个期限"),
                    )
                } else {
                    let what = what();
                    let (w, wz) = what.parts();
                    (
                        Code::TwoDeadlines,
                        tr!(
                            "{w} has both a `within` and a `by` deadline",
                            "{wz}同时写了 `within` 和 `by` 两种期限"
                        ),
                        tr!(
                            "keep one: `within` counts from activation, `by` from a date",
                            "只保留一种：`within` 从步骤开始时算起，`by` 以某个日期为准"
                        ),
                    )
                };
                self.push(
                    Diagnostic::new(
                        code,
                        message,
                        at.source,
                        at.span,
                        tr!("second deadline", "第二个期限"),
                    )
                    .with_label(
                        first.source,
                        first.span,
                        tr!("first deadline", "第一个期限"),
                    )
                    .with_help(help),
                );
                continue;
            }
            result = Some((deadline, at, kw));
        }
        result.map(|(d, at, _)| (d, at))
    }
}
