//! Fields of declarations and step blocks (`owner`, `within`, `deliver`,
//! `accept`, `hours`, `holiday`, …) into [`Field`]s: one match over the
//! grammar's `f_*` rules.

use super::*;

impl Builder<'_> {
    pub(super) fn field(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<Field>> {
        // The pairs of a statement borrow its text; the AST owns everything it keeps.
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = significant(pair.clone());
        inner.next(); // the field's keyword
        let field = match rule {
            Rule::f_description => Field::Description(self.string(&inner.next()?)),
            Rule::f_version => {
                let p = inner.next()?;
                Field::Version(if p.as_rule() == Rule::string {
                    self.string(&p)
                } else {
                    p.as_str().to_owned()
                })
            }
            Rule::f_zone => {
                let p = inner.next()?;
                Field::Zone(if p.as_rule() == Rule::string {
                    self.string(&p)
                } else {
                    p.as_str().to_owned()
                })
            }
            Rule::f_calendar => Field::Calendar(self.spanned(&inner.next()?)),
            Rule::f_ladder => Field::Ladder(self.spanned(&inner.next()?)),
            Rule::f_head => {
                let p = inner.next()?;
                Field::Head(if p.as_rule() == Rule::string {
                    self.string(&p)
                } else {
                    p.as_str().to_owned()
                })
            }
            Rule::f_escalate => Field::Escalate(
                inner
                    .filter(|p| p.as_rule() == Rule::name)
                    .map(|p| self.spanned(&p))
                    .collect(),
            ),
            Rule::f_within => self.within(&pair),
            Rule::f_by => {
                let anchor_pair = inner.next()?;
                let anchor_span = self.span(&anchor_pair);
                let anchor = if anchor_pair.as_rule() == Rule::date {
                    ByAnchor::Date(self.date(&anchor_pair)?)
                } else {
                    ByAnchor::Attribute(anchor_pair.as_str().to_owned())
                };
                let minus = inner
                    .find(|p| p.as_rule() == Rule::duration)
                    .map(|p| self.duration(p));
                Field::By {
                    anchor: Spanned::new(anchor, anchor_span),
                    minus,
                }
            }
            Rule::f_warn => {
                let p = inner.find(|p| matches!(p.as_rule(), Rule::percent | Rule::duration))?;
                if p.as_rule() == Rule::percent {
                    let negative = p.as_str().starts_with(['-', '－']);
                    let digits = p
                        .clone()
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::amount)?;
                    let value = digits.as_str().parse::<i64>().unwrap_or(i64::MAX);
                    Field::Warn(Warn::Percent(if negative { -value } else { value }))
                } else {
                    Field::Warn(Warn::Before(self.duration(p).node))
                }
            }
            Rule::f_level => {
                let mut offset = None;
                let mut actions = Vec::new();
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::offset => {
                            let s = self.span(&p);
                            let text = p.as_str();
                            let d = p
                                .clone()
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::duration);
                            if d.is_none() && text.bytes().any(|b| b != b'0') {
                                // `+5` without a unit: only `+0` may omit it.
                                self.error(
                                    Code::Syntax,
                                    tr!(
                                        "escalation offset `+{text}` has no unit",
                                        "升级时间 `+{text}` 缺少单位"
                                    ),
                                    s,
                                    tr!("a unit is missing", "这里缺少单位"),
                                    tr!(
                                        "write the unit after the amount, e.g. `+{text}d` or `+{text}h`; only `+0` (at the deadline) goes without one",
                                        "在数字后面紧接着写单位，例如 `+{text}d`（天）或 `+{text}h`（小时）；只有 `+0`（到期时）可以不写单位"
                                    ),
                                );
                                return None;
                            }
                            let d = d.map(|d| self.duration(d).node);
                            offset = Some(Spanned::new(d, s));
                        }
                        Rule::action => {
                            let mut parts = p.into_inner();
                            let verb = parts.next()?;
                            let target = parts.next()?;
                            let verb = if matches!(verb.as_str(), "notify" | "通知") {
                                Verb::Notify
                            } else {
                                Verb::Reassign
                            };
                            // The Chinese `owner`, `head` and `superior` mean what the English ones do.
                            let text = match target.as_str() {
                                "负责部门" => "owner",
                                "部门负责人" => "head",
                                "上级" => "superior",
                                other => other,
                            };
                            actions.push(Action {
                                verb,
                                target: self.name(text, self.span(&target)),
                            });
                        }
                        _ => {}
                    }
                }
                Field::Level {
                    offset: offset?,
                    actions,
                }
            }
            Rule::f_week => {
                let mut days = Vec::new();
                for span_pair in inner.filter(|p| p.as_rule() == Rule::weekday_span) {
                    let ends: Vec<Weekday> = span_pair
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::weekday)
                        .filter_map(|p| weekday_of(p.as_str()))
                        .collect();
                    let first = *ends.first()?;
                    let last = *ends.last()?;
                    let mut day = first;
                    loop {
                        if !days.contains(&day) {
                            days.push(day);
                        }
                        if day == last {
                            break;
                        }
                        day = day.succ();
                    }
                }
                Field::Week(days)
            }
            Rule::f_hours => {
                let mut ranges = Vec::new();
                for p in inner.filter(|p| p.as_rule() == Rule::time_span) {
                    let s = self.span(&p);
                    let times: Vec<_> = p
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::time)
                        .collect();
                    let start = self.time(&times[0], false);
                    let end = self.time(&times[1], true);
                    if let (Some(Some(start)), Some(end)) = (start, end) {
                        ranges.push(Spanned::new(TimeRange { start, end }, s));
                    }
                }
                Field::Hours(ranges)
            }
            Rule::f_holiday | Rule::f_workday => {
                let pairs: Vec<_> = inner.collect();
                let label = pairs
                    .iter()
                    .find(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p));
                let dates = self.date_spans(pairs.into_iter());
                if rule == Rule::f_holiday {
                    Field::Holiday(dates, label)
                } else {
                    Field::Workday(dates, label)
                }
            }
            Rule::f_extends => Field::Extends(self.spanned(&inner.next()?)),
            Rule::f_covers => {
                let years: Vec<i32> = inner
                    .filter(|p| p.as_rule() == Rule::year)
                    .filter_map(|p| p.as_str().parse().ok())
                    .collect();
                let first = *years.first()?;
                let last = *years.last()?;
                if last < first {
                    self.error(
                        Code::InvalidLiteral,
                        tr!(
                            "year range ends before it starts: {first}..{last}",
                            "年份范围的结束早于开始：{first}..{last}"
                        ),
                        span,
                        tr!("empty range", "这个范围里没有任何一年"),
                        tr!("write the earlier year first", "请把较早的年份写在前面"),
                    );
                    return None;
                }
                Field::Covers(first, last)
            }
            Rule::f_owner => Field::Owner(names(inner.next()?).map(|p| self.spanned(&p)).collect()),
            // `sign any` ends with its mode; `或签` is one word.
            Rule::f_sign => Field::Sign(
                if matches!(significant(pair.clone()).last()?.as_str(), "any" | "或签") {
                    SignMode::Any
                } else {
                    SignMode::All
                },
            ),
            Rule::f_deliver => Field::Deliver(
                inner
                    .filter(|p| matches!(p.as_rule(), Rule::title | Rule::string))
                    .map(|p| {
                        let s = self.span(&p);
                        let text = if p.as_rule() == Rule::title {
                            p.as_str().to_owned()
                        } else {
                            self.string(&p)
                        };
                        Spanned::new(text, s)
                    })
                    .collect(),
            ),
            Rule::f_accept => Field::Accept(self.string(&inner.next()?)),
            Rule::f_outcomes => {
                let mut multi = false;
                let mut list = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::choice_mode => multi = matches!(p.as_str(), "any" | "多选"),
                        Rule::name => list.push(self.spanned(&p)),
                        _ => {}
                    }
                }
                Field::Outcomes { multi, names: list }
            }
            Rule::f_rework => {
                let to = self.step_ref(inner.next()?);
                let max = inner.next().map(|p| self.max(p));
                Field::Rework {
                    to: Box::new(to),
                    max,
                }
            }
            _ => return None,
        };
        Some(Spanned::new(field, span))
    }
}
