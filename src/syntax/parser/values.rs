//! The values inside fields: quoted strings, durations (`3wd`, `3个工作日`),
//! dates, times of day, date ranges (at most `MAX_DATE_RANGE_DAYS`), weekdays
//! and units, each read from its pair with the problems reported as
//! diagnostics, never a panic.

use super::*;

impl Builder<'_> {
    pub(super) fn string(&mut self, pair: &Pair<'_, Rule>) -> String {
        let raw = pair.as_str();
        let inner = pair
            .clone()
            .into_inner()
            .next()
            .map(|p| p.as_str())
            .unwrap_or("");
        if !raw.starts_with('"') {
            return inner.to_owned();
        }
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    /// `within 3d` or `within P1 2h, P2 1wd`, in one flat pass over the
    /// field's descendants as [`Builder::step_refs`] does: nearly every flow
    /// line has one.
    pub(super) fn within(&mut self, pair: &Pair<'_, Rule>) -> Field {
        let mut slas = SmallVec::new();
        let mut priority = None;
        let mut duration: Option<Spanned<Duration>> = None;
        let mut finish = |priority: &mut Option<Name>, duration: &mut Option<Spanned<Duration>>| {
            if let Some(duration) = duration.take() {
                slas.push(Sla {
                    priority: priority.take(),
                    duration,
                });
            }
        };
        for p in pair.clone().into_inner().flatten() {
            match p.as_rule() {
                Rule::sla => finish(&mut priority, &mut duration),
                Rule::name => priority = Some(self.spanned(&p)),
                Rule::duration => duration = Some(Spanned::new(NO_DURATION, self.span(&p))),
                // The parts of the duration follow it in the walk.
                rule => {
                    if let Some(d) = &mut duration {
                        duration_part(&mut d.node, rule, p.as_str());
                    }
                }
            }
        }
        finish(&mut priority, &mut duration);
        Field::Within(slas)
    }

    pub(super) fn duration(&mut self, pair: Pair<'_, Rule>) -> Spanned<Duration> {
        let mut duration = Spanned::new(NO_DURATION, self.span(&pair));
        for p in pair.into_inner() {
            duration_part(&mut duration.node, p.as_rule(), p.as_str());
        }
        duration
    }

    pub(super) fn date(&mut self, pair: &Pair<'_, Rule>) -> Option<NaiveDate> {
        let text = pair.as_str();
        let mut parts = text.split('-').map(|p| p.parse::<u32>().ok());
        let (y, m, d) = (
            parts.next().flatten(),
            parts.next().flatten(),
            parts.next().flatten(),
        );
        let date = match (y, m, d) {
            (Some(y), Some(m), Some(d)) => i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
            _ => None,
        };
        if date.is_none() {
            self.error(
                Code::InvalidLiteral,
                tr!("invalid date `{text}`", "日期 `{text}` 不存在"),
                self.span(pair),
                tr!("no such day", "日历上没有这一天"),
                tr!(
                    "write a real date as YYYY-MM-DD, e.g. 2026-06-30",
                    "请写一个真实存在的日期，格式为 年-月-日，例如 2026-06-30"
                ),
            );
        }
        date
    }

    /// Parses `HH:MM`; `24:00` is `Some(None)` (end of day) when `end` is true.
    pub(super) fn time(&mut self, pair: &Pair<'_, Rule>, end: bool) -> Option<Option<NaiveTime>> {
        let text = pair.as_str().replace('：', ":");
        let (h, m) = text.split_once(':').expect("grammar: a time has a colon");
        let (h, m) = (
            h.parse::<u32>().unwrap_or(99),
            m.parse::<u32>().unwrap_or(99),
        );
        if end && h == 24 && m == 0 {
            return Some(None);
        }
        match NaiveTime::from_hms_opt(h, m, 0) {
            Some(t) => Some(Some(t)),
            None => {
                self.error(
                    Code::InvalidLiteral,
                    {
                        let time = pair.as_str();
                        tr!("invalid time `{time}`", "时间 `{time}` 不存在")
                    },
                    self.span(pair),
                    tr!("no such time of day", "一天中没有这个时刻"),
                    tr!(
                        "write a time from 00:00 to 23:59 (24:00 only as a closing time)",
                        "请写 00:00 到 23:59 之间的时间（24:00 只能用作下班时间）"
                    ),
                );
                None
            }
        }
    }

    pub(super) fn date_spans<'i>(
        &mut self,
        pairs: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Vec<Spanned<DateRange>> {
        let mut out = Vec::new();
        for p in pairs.filter(|p| p.as_rule() == Rule::date_span) {
            let span = self.span(&p);
            let dates: Vec<_> = p
                .into_inner()
                .filter(|p| p.as_rule() == Rule::date)
                .collect();
            let first = self.date(&dates[0]);
            let last = match dates.get(1) {
                Some(d) => self.date(d),
                None => first,
            };
            let (Some(first), Some(last)) = (first, last) else {
                continue;
            };
            if last < first {
                self.error(
                    Code::InvalidLiteral,
                    tr!(
                        "date range ends before it starts: {first}..{last}",
                        "日期范围的结束早于开始：{first}..{last}"
                    ),
                    span,
                    tr!("empty range", "这个范围里没有任何一天"),
                    tr!("write the earlier date first", "请把较早的日期写在前面"),
                );
                continue;
            }
            let days = (last - first).num_days() + 1;
            if days > MAX_DATE_RANGE_DAYS {
                // Each day of a range is stored; a range of centuries would take
                // seconds and megabytes for every line that writes it.
                self.error(
                    Code::LimitExceeded,
                    tr!(
                        "date range is {days} days long, more than the limit of {MAX_DATE_RANGE_DAYS}",
                        "日期范围长达 {days} 天，超过了上限 {MAX_DATE_RANGE_DAYS} 天"
                    ),
                    span,
                    tr!("range too long", "范围太长"),
                    tr!(
                        "list holidays and workdays a year at a time at most",
                        "节假日和调休上班日每次最多写一年的范围"
                    ),
                );
                continue;
            }
            out.push(Spanned::new(DateRange { first, last }, span));
        }
        out
    }
}

/// A duration before its parts are read.
const NO_DURATION: Duration = Duration {
    negative: false,
    amount: None,
    unit: Unit::Minute,
};

/// Sets the part of a duration that a pair of `rule` holds (its sign,
/// amount or unit); other rules hold none.
fn duration_part(duration: &mut Duration, rule: Rule, text: &str) {
    match rule {
        Rule::sign => duration.negative = true,
        Rule::amount => duration.amount = text.parse::<u64>().ok(),
        Rule::unit => duration.unit = unit_of(text),
        _ => {}
    }
}

/// `Mon` … `Sun`, `周一` … `周日` (or `周天`), `星期一` … `星期日`.
pub(super) fn weekday_of(text: &str) -> Option<Weekday> {
    let day = text
        .strip_prefix("星期")
        .or_else(|| text.strip_prefix('周'));
    Some(match day {
        Some("一") => Weekday::Mon,
        Some("二") => Weekday::Tue,
        Some("三") => Weekday::Wed,
        Some("四") => Weekday::Thu,
        Some("五") => Weekday::Fri,
        Some("六") => Weekday::Sat,
        Some("日" | "天") => Weekday::Sun,
        Some(_) => return None,
        None => return text.parse().ok(),
    })
}

fn unit_of(text: &str) -> Unit {
    match text {
        "m" | "分钟" => Unit::Minute,
        "h" | "小时" | "个小时" => Unit::Hour,
        "d" | "天" => Unit::Day,
        "w" | "周" => Unit::Week,
        "wd" | "工作日" | "个工作日" => Unit::WorkingDay,
        "wh" | "工作小时" | "个工作小时" => Unit::WorkingHour,
        _ => Unit::WorkingHour,
    }
}
