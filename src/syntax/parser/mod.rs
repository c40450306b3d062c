//! The pest binding: turns pairs into the AST and pest errors into diagnostics.

use chrono::{NaiveDate, NaiveTime, Weekday};
use pest::iterators::{FlatPairs, Pair, Pairs};
use pest::Parser as _;
use std::ops::Range;

use super::ast::*;
use super::MAX_NAME_CHARS;
use crate::calendar::Unit;
use crate::diagnostics::{tr, Code, Diagnostic, SourceId, Span, Text};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/sop.pest"]
struct SopParser;

/// The longest `holiday` or `workday` range accepted, in days.
const MAX_DATE_RANGE_DAYS: i64 = 366;

/// Builds the AST of one statement at a time, collecting diagnostics.
pub(crate) struct Builder<'t> {
    pub(crate) source: SourceId,
    /// The whole source as normalized by the lexer (comments are spaces).
    text: &'t str,
    /// Byte offset of the current statement in the whole source.
    offset: usize,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Names longer than [`MAX_NAME_CHARS`]: where, and how many characters.
    pub(crate) long_names: std::cell::RefCell<Vec<(Span, usize)>>,
    /// Declarations skipped for a syntax error (see [`File::unparsed`]).
    pub(crate) unparsed: Vec<(DeclKind, Name)>,
}

impl<'t> Builder<'t> {
    pub(crate) fn new(source: SourceId, text: &'t str) -> Self {
        Builder {
            source,
            text,
            offset: 0,
            diagnostics: Vec::new(),
            long_names: std::cell::RefCell::default(),
            unparsed: Vec::new(),
        }
    }

    /// Parses one statement, `text`, found at `offset` in the source.
    ///
    /// `text` is the statement as normalized by the lexer (same length as
    /// `original`, see `split.rs`); messages quote `original`.
    pub(crate) fn statement(&mut self, text: &str, original: &str, offset: usize) -> Option<Item> {
        self.offset = offset;
        match SopParser::parse(Rule::statement, text) {
            Ok(pairs) => pairs
                .into_iter()
                .find(|p| p.as_rule() != Rule::EOI)
                .and_then(|pair| self.item(pair)),
            Err(error) => {
                let diagnostic = syntax_error(&error, original, offset, self.source);
                self.diagnostics.push(diagnostic);
                if let Some((kind, name)) = declared_name(text) {
                    let span = Span::new(offset + name.start, offset + name.end);
                    self.unparsed
                        .push((kind, Spanned::new(text[name].into(), span)));
                }
                None
            }
        }
    }

    /// Parses consecutive `statements` in one pest pass and appends their
    /// items, if that text has no syntax error and pest's statements are
    /// exactly the splitter's; otherwise returns `false` having built and
    /// reported nothing, and the caller parses them one by one.
    ///
    /// One pass saves the setup pest does per call (its state, token queue
    /// and line index), which is most of its cost on short statements.
    /// Whether a statement is parsed alone or among others gives the same
    /// tree: no rule looks past a statement's end except to see a separator,
    /// which ends it in both cases (a property test compares the two paths).
    pub(crate) fn statements(
        &mut self,
        statements: &[Range<usize>],
        items: &mut Vec<Item>,
    ) -> bool {
        let (Some(first), Some(last)) = (statements.first(), statements.last()) else {
            return true;
        };
        self.offset = first.start;
        let Ok(pairs) = SopParser::parse(Rule::file, &self.text[first.start..last.end]) else {
            return false;
        };
        let mut expected = statements.iter();
        for pair in pairs.clone() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            let span = self.span(&pair);
            match expected.next() {
                Some(range) if (span.start, span.end) == (range.start, range.end) => {}
                _ => return false,
            }
        }
        if expected.next().is_some() {
            return false;
        }
        items.extend(
            pairs
                .filter(|p| p.as_rule() != Rule::EOI)
                .filter_map(|pair| self.item(pair)),
        );
        true
    }

    /// The span of `pair`, without the white space that pest's implicit
    /// `WHITESPACE` leaves at the end of a rule whose last optional part
    /// matched nothing (`A → B within 3d # note` would otherwise underline the
    /// comment too: the lexer has turned comments into spaces).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let whole = pair.as_span();
        self.span_of(whole.start(), whole.end())
    }

    /// [`Builder::span`] of the bytes `start..end` of the text pest parsed.
    fn span_of(&self, start: usize, end: usize) -> Span {
        let start = self.offset + start;
        let mut end = self.offset + end;
        let bytes = self.text.as_bytes();
        while end > start && bytes.get(end - 1) == Some(&b' ') {
            end -= 1;
        }
        Span::new(start, end)
    }

    fn spanned(&self, pair: &Pair<'_, Rule>) -> Name {
        self.name(pair.as_str(), self.span(pair))
    }

    /// A name; one of more than [`MAX_NAME_CHARS`] characters is noted in
    /// `long_names` (checked here, while the text is in cache: a name has at
    /// most as many characters as bytes, so most need no count).
    fn name(&self, text: &str, span: Span) -> Name {
        if text.len() > MAX_NAME_CHARS {
            let chars = text.chars().count();
            if chars > MAX_NAME_CHARS {
                self.long_names.borrow_mut().push((span, chars));
            }
        }
        Spanned::new(text.into(), span)
    }

    fn error(&mut self, code: Code, message: Text, span: Span, label: Text, help: Text) {
        self.diagnostics
            .push(Diagnostic::new(code, message, self.source, span, label).with_help(help));
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        Some(match pair.as_rule() {
            Rule::use_stmt => {
                let string = significant(pair).nth(1).expect("grammar: use has a string");
                Item::Use(Spanned::new(self.string(&string), self.span(&string)))
            }
            Rule::department => self.decl(DeclKind::Department, pair, span),
            Rule::role => self.decl(DeclKind::Role, pair, span),
            Rule::calendar => self.decl(DeclKind::Calendar, pair, span),
            Rule::ladder => self.decl(DeclKind::Ladder, pair, span),
            Rule::process => self.decl(DeclKind::Process, pair, span),
            Rule::step_block => {
                let mut inner = significant(pair);
                inner.next(); // `step`
                let step = self.step_ref(inner.next().expect("grammar: step has a reference"));
                let fields = inner.filter_map(|p| self.field(p)).collect();
                Item::Step(Box::new(StepBlock { step, fields, span }))
            }
            Rule::rework_stmt => {
                let mut inner = significant(pair);
                inner.next(); // `rework`
                let from = self.step_ref(inner.next().expect("grammar: rework has a source"));
                let to = self.step_ref(inner.next().expect("grammar: rework has a target"));
                let max = inner.next().map(|p| self.max(p));
                Item::Rework(Box::new(Rework {
                    from,
                    to,
                    max,
                    span,
                }))
            }
            Rule::flow => {
                let nodes = significant(pair).map(|p| self.flow_node(p)).collect();
                Item::Flow(Box::new(Flow { nodes, span }))
            }
            _ => return None,
        })
    }

    fn decl(&mut self, kind: DeclKind, pair: Pair<'_, Rule>, span: Span) -> Item {
        let mut inner = significant(pair);
        inner.next(); // the keyword
        let name = self.spanned(&inner.next().expect("grammar: a declaration has a name"));
        let mut fields = Vec::new();
        for p in inner {
            if p.as_rule() == Rule::string {
                // `department 研发部 "…"` and `role PMO "…"`: a description.
                let s = self.span(&p);
                fields.push(Spanned::new(Field::Description(self.string(&p)), s));
            } else if let Some(field) = self.field(p) {
                fields.push(field);
            }
        }
        Item::Decl(Box::new(Decl {
            kind,
            name,
            fields,
            span,
        }))
    }

    fn flow_node(&mut self, pair: Pair<'_, Rule>) -> FlowNode {
        let span = self.span(&pair);
        let mut inner = significant(pair);
        let group_pair = inner.next().expect("grammar: a node has a step group");
        let (steps, group) = self.step_refs(group_pair.into_inner().flatten());
        let mut condition: Option<Spanned<Condition>> = None;
        let mut deadlines = SmallVec::new();
        for p in inner {
            if p.as_rule() == Rule::condition {
                let s = self.span(&p);
                let names: Vec<Name> = p
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::name)
                    .map(|p| self.spanned(&p))
                    .collect();
                let c = if names.is_empty() {
                    Condition::Otherwise
                } else {
                    Condition::When(names)
                };
                if let Some(first) = &mut condition {
                    self.error(
                        Code::Duplicate,
                        tr!("arrow has two conditions", "一个箭头只能写一个条件"),
                        s,
                        tr!("second condition", "这是第二个条件"),
                        tr!(
                            "write one `when` with the outcomes separated by `|`, or `otherwise` alone",
                            "只写一个 `when`，几种结果之间用 `|` 隔开，例如 `when 通过 | 有条件通过`；或者只写 `otherwise`"
                        ),
                    );
                    // Keep `otherwise` if either is: the arrow then covers every
                    // case, and no second error about missing cases follows.
                    if c == Condition::Otherwise {
                        first.node = Condition::Otherwise;
                    }
                } else {
                    condition = Some(Spanned::new(c, s));
                }
            } else if let Some(field) = self.field(p) {
                deadlines.push(field);
            }
        }
        FlowNode {
            steps,
            group,
            condition,
            deadlines,
            span,
        }
    }

    /// The step references among `pairs` (a flow node's `A` or `{A, B}`, or
    /// a single reference), and whether a `{` was among them.
    ///
    /// One flat walk over the descendants instead of an iterator per nested
    /// pair: step references are most of a large file (10k steps: parse
    /// 30.5 -> 29 ms with the `within` fields built the same way).
    fn step_refs(&mut self, pairs: FlatPairs<'_, Rule>) -> (SmallVec<[StepRef; 1]>, bool) {
        let mut group = false;
        let mut steps = SmallVec::new();
        // The reference being built: its span, where its owners end, and its parts.
        let mut current: Option<(Span, usize)> = None;
        let mut department = None;
        let mut co_owners = Vec::new();
        let mut action = None;
        let mut finish = |current: Option<(Span, usize)>,
                          department: &mut Option<Name>,
                          co_owners: &mut Vec<Name>,
                          action: &mut Option<Name>| {
            if let Some((span, _)) = current {
                steps.push(StepRef {
                    department: department
                        .take()
                        .expect("grammar: a step reference has an owner"),
                    co_owners: std::mem::take(co_owners),
                    action: action.take(),
                    span,
                });
            }
        };
        for p in pairs {
            match p.as_rule() {
                Rule::open => group = true,
                Rule::step_ref => {
                    finish(current, &mut department, &mut co_owners, &mut action);
                    current = Some((self.span(&p), 0));
                }
                Rule::owners => {
                    if let Some((_, owners_end)) = &mut current {
                        *owners_end = p.as_span().end();
                    }
                }
                Rule::name => {
                    let name = self.spanned(&p);
                    let in_owners = current.is_some_and(|(_, end)| p.as_span().start() < end);
                    if !in_owners {
                        action = Some(name);
                    } else if department.is_none() {
                        department = Some(name);
                    } else {
                        co_owners.push(name);
                    }
                }
                Rule::string => {
                    let text = self.string(&p);
                    action = Some(self.name(&text, self.span(&p)));
                }
                _ => {}
            }
        }
        finish(current, &mut department, &mut co_owners, &mut action);
        (steps, group)
    }

    fn step_ref(&mut self, pair: Pair<'_, Rule>) -> StepRef {
        let (mut refs, _) = self.step_refs(Pairs::single(pair).flatten());
        refs.pop().expect("grammar: a step reference")
    }

    fn max(&mut self, pair: Pair<'_, Rule>) -> Spanned<u64> {
        let amount = significant(pair)
            .nth(1)
            .expect("grammar: max has an amount");
        let span = self.span(&amount);
        let value = amount.as_str().parse().unwrap_or(u64::MAX);
        Spanned::new(value, span)
    }

    fn string(&mut self, pair: &Pair<'_, Rule>) -> String {
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
    fn within(&mut self, pair: &Pair<'_, Rule>) -> Field {
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

    fn duration(&mut self, pair: Pair<'_, Rule>) -> Spanned<Duration> {
        let mut duration = Spanned::new(NO_DURATION, self.span(&pair));
        for p in pair.into_inner() {
            duration_part(&mut duration.node, p.as_rule(), p.as_str());
        }
        duration
    }

    fn date(&mut self, pair: &Pair<'_, Rule>) -> Option<NaiveDate> {
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
    fn time(&mut self, pair: &Pair<'_, Rule>, end: bool) -> Option<Option<NaiveTime>> {
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

    fn date_spans<'i>(
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

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<Field>> {
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

/// The inner pairs that carry meaning (not punctuation).
fn significant(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::arrow
                | Rule::colon
                | Rule::comma
                | Rule::amp
                | Rule::bar
                | Rule::open
                | Rule::close
                | Rule::minus
                | Rule::dash
        )
    })
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

fn names(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| p.as_rule() == Rule::name)
}

/// `Mon` … `Sun`, `周一` … `周日` (or `周天`), `星期一` … `星期日`.
fn weekday_of(text: &str) -> Option<Weekday> {
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

/// Characters authors type by accident on a Chinese keyboard, and what to type instead.
const LOOKALIKES: &[(char, &str)] = &[
    ('｛', "{"),
    ('｝', "}"),
    ('（', "("),
    ('）', ")"),
    ('＂', "\""),
    ('＞', ">"),
    ('＜', "<"),
    ('＋', "+"),
    ('－', "-"),
    ('％', "%"),
    ('｜', "|"),
    ('＃', "#"),
    ('．', "."),
    ('。', "a new line"),
    ('＝', "="),
    ('‘', "\""),
    ('’', "\""),
    ('”', "\""),
    ('【', "{"),
    ('】', "}"),
    ('—', "`→` or `->`"),
];

const A_STATEMENT: &str = "a statement";
const A_STEP: &str = "a step";
const A_DURATION: &str = "a duration like `3d` or `2wd`";
const A_UNIT: &str = "a unit (`m`, `h`, `d`, `w`, `wd` or `wh`)";

/// The Chinese for one of [`describe`]'s English descriptions; a keyword in
/// backquotes is the same in both.
fn describe_zh(en: &str) -> &str {
    match en {
        A_STATEMENT => "一条语句",
        A_STEP => "一个步骤",
        A_DURATION => "时长（例如 `3d`、`2wd`）",
        A_UNIT => "单位（`m`、`h`、`d`、`w`、`wd` 或 `wh`）",
        "a name" => "一个名称",
        "a quoted string" => "一段带引号的文字",
        "a document title like 《需求文档》" => "文件名称（例如 《需求文档》）",
        "a number" => "一个数字",
        "an offset like `0` or `2d`" => "时间（例如 `0` 或 `2d`）",
        "a percentage like `80%`" => "百分比（例如 `80%`）",
        "a date like `2026-06-30`" => "日期（例如 `2026-06-30`）",
        "a time like `09:00`" => "时刻（例如 `09:00`）",
        "a year like `2026`" => "年份（例如 `2026`）",
        "a weekday (`Mon` to `Sun`)" => "星期（`Mon` 到 `Sun`）",
        "a version like `1.2`" => "版本号（例如 `1.2`）",
        "a time zone like `Asia/Shanghai`" => "时区（例如 `Asia/Shanghai`）",
        "`owner`, `head`, `superior`, a role or a department" => {
            "`owner`、`head`、`superior`、一个角色或一个部门"
        }
        "`notify` or `reassign`" => "`notify` 或 `reassign`",
        "`all` or `any`" => "`all` 或 `any`",
        "the end of the statement" => "语句结尾",
        "an escalation level like `+2d notify head`" => "升级规则（例如 `+2d notify head`）",
        other => other,
    }
}

fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::name => "a name",
        Rule::string => "a quoted string",
        Rule::title => "a document title like 《需求文档》",
        Rule::duration | Rule::sla => A_DURATION,
        Rule::amount => "a number",
        Rule::unit => A_UNIT,
        Rule::offset => "an offset like `0` or `2d`",
        Rule::percent => "a percentage like `80%`",
        Rule::date | Rule::date_span => "a date like `2026-06-30`",
        Rule::time | Rule::time_span => "a time like `09:00`",
        Rule::year => "a year like `2026`",
        Rule::weekday | Rule::weekday_span => "a weekday (`Mon` to `Sun`)",
        Rule::version_number => "a version like `1.2`",
        Rule::zone_name => "a time zone like `Asia/Shanghai`",
        Rule::arrow => "`→`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::amp => "`&`",
        Rule::bar => "`|`",
        Rule::open => "`{`",
        Rule::close => "`}`",
        Rule::minus => "`-`",
        Rule::dash => "`-`",
        Rule::action | Rule::action_verb => "`notify` or `reassign`",
        Rule::target => "`owner`, `head`, `superior`, a role or a department",
        Rule::sign_mode => "`all` or `any`",
        Rule::choice_mode => "`any`",
        Rule::condition | Rule::kw_when => "`when`",
        Rule::kw_otherwise => "`otherwise`",
        Rule::kw_within | Rule::f_within => "`within`",
        Rule::kw_by | Rule::f_by => "`by`",
        Rule::kw_max | Rule::max => "`max`",
        Rule::step_ref | Rule::owners | Rule::step_group | Rule::flow_node => A_STEP,
        Rule::EOI => "the end of the statement",
        Rule::k_at => "`at`",
        Rule::k_before => "`before`",
        Rule::f_level => "an escalation level like `+2d notify head`",
        Rule::f_warn | Rule::k_warn | Rule::k_warn_zh | Rule::k_ahead => "`warn`",
        Rule::f_description | Rule::k_description => "`description`",
        Rule::f_version | Rule::k_version => "`version`",
        Rule::f_zone | Rule::k_zone => "`zone`",
        Rule::f_calendar | Rule::kw_calendar => "`calendar`",
        Rule::f_ladder | Rule::kw_ladder => "`ladder`",
        Rule::f_head | Rule::k_head => "`head`",
        Rule::f_escalate | Rule::k_escalate => "`escalate`",
        Rule::f_week | Rule::k_week => "`week`",
        Rule::f_hours | Rule::k_hours => "`hours`",
        Rule::f_holiday | Rule::k_holiday => "`holiday`",
        Rule::f_workday | Rule::k_workday => "`workday`",
        Rule::f_covers | Rule::k_covers => "`covers`",
        Rule::f_extends | Rule::k_extends => "`extends`",
        Rule::f_owner | Rule::k_owner => "`owner`",
        Rule::f_sign | Rule::k_sign => "`sign`",
        Rule::f_deliver | Rule::k_deliver => "`deliver`",
        Rule::f_accept | Rule::k_accept => "`accept`",
        Rule::f_outcomes | Rule::k_outcomes => "`outcomes`",
        Rule::f_rework | Rule::kw_rework => "`rework`",
        _ => return None,
    })
}

const STATEMENT_RULES: &[Rule] = &[
    Rule::use_stmt,
    Rule::kw_use,
    Rule::department,
    Rule::kw_department,
    Rule::role,
    Rule::kw_role,
    Rule::kw_process,
    Rule::kw_step,
];

fn syntax_error(
    error: &pest::error::Error<Rule>,
    text: &str,
    offset: usize,
    source: SourceId,
) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = pos.min(text.len());
    let found = text[pos..].chars().next();
    let span = Span::new(offset + pos, offset + pos + found.map_or(0, char::len_utf8));
    if let Some(diagnostic) = heading(text, pos, offset, source) {
        return diagnostic;
    }
    if let Some(c) = found.filter(|c| ('０'..='９').contains(c)) {
        let digit = char::from_digit(u32::from(c) - u32::from('０'), 10).unwrap_or('0');
        return Diagnostic::new(
            Code::FullWidth,
            tr!("full-width digit `{c}`", "全角数字 `{c}`"),
            source,
            span,
            tr!("typed with a Chinese keyboard", "这是中文输入法打出的字符"),
        )
        .with_help(tr!(
            "type the ASCII digit `{digit}` instead of the full-width `{c}`",
            "请切换到英文输入法，输入半角数字 `{digit}`，不要用全角的 `{c}`"
        ));
    }
    if let Some(diagnostic) = other_date_format(text, pos, offset, source) {
        return diagnostic;
    }
    if let Some(c) = found {
        if let Some((_, instead)) = LOOKALIKES.iter().find(|(l, _)| *l == c) {
            let help = match c {
                // Characters the language has no ASCII counterpart for: say what was meant.
                '＝' | '＞' | '＜' | '—' => tr!(
                    "write an arrow as `→` or `->`",
                    "箭头请写成 `→` 或 `->`（切换到英文输入法输入 `-` 和 `>`）"
                ),
                '（' | '）' => tr!(
                    "parentheses are not part of the language: write a step's action as `部门:动作`, and notes after `#`",
                    "这里不能用括号：步骤的动作写成 `部门:动作`，备注写在 `#` 后面"
                ),
                '。' => tr!(
                    "type {instead} instead of `{c}`",
                    "句号不是语句的一部分：一条语句写完后直接换行"
                ),
                _ if instead.len() == 1 || instead.starts_with('"') => tr!(
                    "type `{instead}` (ASCII) instead of the full-width `{c}`",
                    "请切换到英文输入法，输入半角的 `{instead}`，不要用全角的 `{c}`"
                ),
                _ => tr!(
                    "type {instead} instead of `{c}`",
                    "请输入 {instead}，不要用 `{c}`"
                ),
            };
            return Diagnostic::new(
                Code::FullWidth,
                tr!("full-width character `{c}`", "全角字符 `{c}`"),
                source,
                span,
                tr!("typed with a Chinese keyboard", "这是中文输入法打出的字符"),
            )
            .with_help(help);
        }
    }
    if let Some(diagnostic) = chinese_numeral(text, pos, offset, source) {
        return diagnostic;
    }
    let mut expected: Vec<&'static str> = Vec::new();
    let mut statement = false;
    let mut close_expected = false;
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if STATEMENT_RULES.contains(rule) {
                statement = true;
            } else if let Some(words) = describe(*rule) {
                close_expected |= *rule == Rule::close;
                if !expected.contains(&words) {
                    expected.push(words);
                }
            }
        }
    }
    // The splitter starts each statement at its first significant character, so an
    // error at 0 is where a statement should start, whatever the grammar's positives
    // (a lookahead such as `&ASCII_ALPHA_LOWER` reports none of the keywords).
    statement |= pos == 0;
    if statement {
        // Where a statement may start, the keywords and names that could follow
        // are all "a statement"; listing `calendar` or `rework` alone would mislead.
        expected = vec![A_STATEMENT];
    }
    // A `{` without its `}` runs on to the end of the file: point at the `{`.
    let unclosed = if close_expected {
        unclosed_brace(&text[..pos])
    } else {
        None
    };
    if let (Some(open), None) = (unclosed, found) {
        let open_span = Span::new(offset + open, offset + open + 1);
        return Diagnostic::new(
            Code::Syntax,
            tr!("unclosed `{{`", "`{{` 没有配对的 `}}`"),
            source,
            open_span,
            tr!("this `{{` has no matching `}}`", "这个 `{{` 后面缺少 `}}`"),
        )
        .with_label(
            source,
            span,
            tr!("no `}}` before here", "到这里还没有出现 `}}`"),
        )
        .with_help(tr!(
            "add `}}` where the block ends",
            "在这一段内容结束的地方加上 `}}`"
        ));
    }
    let found_words = describe_found(found);
    // Only the sign of a number was expected here: the number itself is fine, but
    // what follows it is not a unit or `%` (`within 3 d`, `warn at 80 %`).
    let digits = text[pos..].len()
        - text[pos..]
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    if expected.is_empty() && digits > 0 {
        let after = text[pos + digits..].chars().next();
        let at = Span::new(
            offset + pos + digits,
            offset + pos + digits + after.map_or(0, char::len_utf8),
        );
        let number = &text[pos..pos + digits];
        let (found_en, found_zh) = (describe_found(after), describe_found_zh(after));
        return Diagnostic::new(
            Code::Syntax,
            tr!(
                "expected a unit or `%` right after `{number}`, found {found_en}",
                "`{number}` 后面应该紧跟单位或 `%`，这里却是{found_zh}"
            ),
            source,
            at,
            tr!("a unit or `%` goes here", "单位或 `%` 写在这里"),
        )
        .with_help(tr!(
            "write durations and percentages without a space: `{number}d`, `{number}wd`, `{number}%`",
            "时长和百分比中间不要空格：`{number}d`（天）、`{number}wd`（工作日）、`{number}%`"
        ));
    }
    if let Some(diagnostic) = misspelt_keyword(text, pos, offset, source, &expected) {
        return diagnostic;
    }
    let found_zh = describe_found_zh(found);
    let message = match expected.as_slice() {
        [] => tr!("unexpected {found_words}", "这里不应该出现{found_zh}"),
        list => {
            let (en, zh) = (join_or(list), join_or_zh(list));
            tr!(
                "expected {en}, found {found_words}",
                "这里应该是{zh}，却是{found_zh}"
            )
        }
    };
    let label = match found {
        None | Some('\n' | '\r') => tr!("statement ends here", "语句在这里结束了"),
        Some(_) => tr!("unexpected here", "这里写错了"),
    };
    // The `{` is on an earlier line: perhaps its `}` is missing.
    let opened_above = unclosed.filter(|&open| text[open..pos].contains('\n'));
    let help = if statement {
        tr!(
            "a statement is a flow like `市场部 → 研发部 within 3d`, or starts with `department`, `role`, `calendar`, `ladder`, `process`, `step`, `rework` or `use`",
            "每条语句要么是一条流程，例如 `市场部 → 研发部 within 3d`；要么以 `department`、`role`、`calendar`、`ladder`、`process`、`step`、`rework` 或 `use` 开头。说明文字请写在 `#` 后面"
        )
    } else {
        match expected.first().copied() {
            _ if expected.contains(&"`→`")
                && found.is_some_and(|c| c.is_alphabetic() || c == '_')
                && opened_above.is_none() =>
            {
                tr!(
                    "a step follows another only after an arrow: `市场部:提交需求 → 研发部:评估`",
                    "两个步骤之间要有箭头：`市场部:提交需求 → 研发部:评估`（箭头可以写 `→` 或 `->`）"
                )
            }
            Some(_) if opened_above.is_some() => tr!(
                "if the block ends before this line, close it with `}}`",
                "如果上面的 `{{` 那一段在这一行之前就该结束，请在那里补上 `}}`"
            ),
            Some(A_STEP) => tr!(
                "an arrow leads to a step: a department such as `研发部`, a department and an action such as `研发部:评估`, or a group such as `{{研发部, 财务部}}`",
                "箭头后面要写下一个步骤：一个部门，例如 `研发部`；部门加动作，例如 `研发部:评估`；或者几个部门一起，例如 `{{研发部, 财务部}}`"
            ),
            Some(A_UNIT) if found.is_some_and(is_space) => tr!(
                "write the unit right after the amount, without a space: `3d`, not `3 d`",
                "单位紧跟在数字后面，中间不要空格：写 `3d`，不要写 `3 d`"
            ),
            Some(A_DURATION | A_UNIT) => tr!(
                "a duration is an amount and a unit: `m` minutes, `h` hours, `d` days, `w` weeks, `wd` working days or `wh` working hours, e.g. `3d`",
                "时长是数字加单位：`m` 分钟、`h` 小时、`d` 天、`w` 周、`wd` 工作日、`wh` 工作小时，例如 `3d`"
            ),
            _ => tr!(
                "see grammar/LANGUAGE.md for the form of each statement",
                "每种语句的写法见 grammar/LANGUAGE.md"
            ),
        }
    };
    let mut diagnostic =
        Diagnostic::new(Code::Syntax, message, source, span, label).with_help(help);
    if let Some(open) = opened_above {
        diagnostic = diagnostic.with_label(
            source,
            Span::new(offset + open, offset + open + 1),
            tr!("block opened here", "这一段从这里的 `{{` 开始"),
        );
    }
    diagnostic
}

/// The kind and the name of the declaration a statement starts (`ladder 标准 { ＋2d … }`
/// gives a ladder named 标准), if it starts like one: a keyword, spaces, a name.
fn declared_name(text: &str) -> Option<(DeclKind, Range<usize>)> {
    let trimmed = text.trim_start();
    let start = text.len() - trimmed.len();
    let (kind, keyword) = [
        (DeclKind::Department, "department"),
        (DeclKind::Department, "部门"),
        (DeclKind::Role, "role"),
        (DeclKind::Role, "角色"),
        (DeclKind::Calendar, "calendar"),
        (DeclKind::Calendar, "日历"),
        (DeclKind::Ladder, "ladder"),
        (DeclKind::Ladder, "阶梯"),
    ]
    .into_iter()
    .find(|(_, k)| trimmed.starts_with(k))?;
    let after = &trimmed[keyword.len()..];
    let name = after.trim_start_matches(' ');
    if name.len() == after.len() {
        return None; // no space: not this keyword (`departments`, `部门研发部`)
    }
    let len = name.len()
        - name
            .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
            .len();
    let name_start = start + keyword.len() + (after.len() - name.len());
    (len > 0).then_some((kind, name_start..name_start + len))
}

/// `【新产品上市】` alone at the start of a statement: a heading, as in a Word document.
/// Say how to name the process, or to make the line a comment.
fn heading(text: &str, pos: usize, offset: usize, source: SourceId) -> Option<Diagnostic> {
    let line = text[pos..].lines().next().unwrap_or("").trim_end();
    let title = line.strip_prefix('【')?.strip_suffix('】')?;
    if !text[..pos].trim().is_empty() || title.is_empty() || title.contains(['【', '】']) {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::FullWidth,
            tr!("`【{title}】` is not a statement", "`【{title}】` 不是一条语句"),
            source,
            Span::new(offset + pos, offset + pos + line.len()),
            tr!("a heading", "这是一个标题"),
        )
        .with_help(tr!(
            "to name the process, write `process {title} {{ … }}` (or `process {title}`); to keep it as a heading, make it a comment: `# 【{title}】`",
            "要给流程起名，请写 `流程 {title}`（或 `process {title}`），后面可以跟 `{{ … }}` 写日历、时限等；如果只是标题，请在前面加 `#` 变成注释：`# 【{title}】`"
        )),
    )
}

/// A date written as `2026/06/30`, `2026.06.30` or `2026年6月30日`: say to write
/// `2026-06-30`.
fn other_date_format(
    text: &str,
    pos: usize,
    offset: usize,
    source: SourceId,
) -> Option<Diagnostic> {
    // The date starts at `pos` or at the digits just before it.
    let start = text[..pos]
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .len();
    let rest = &text[start..];
    let number = |s: &str| -> Option<(u32, usize)> {
        let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        Some((s[..digits].parse().ok()?, digits))
    };
    let (year, n) = number(rest)?;
    if n != 4 {
        return None;
    }
    let after_year = &rest[n..];
    let (sep, month_text) = ['/', '.', '年']
        .iter()
        .find_map(|&sep| Some((sep, after_year.strip_prefix(sep)?)))?;
    let (month, m) = number(month_text)?;
    let after_month = &month_text[m..];
    let day_sep = if sep == '年' { '月' } else { sep };
    let day_text = after_month.strip_prefix(day_sep)?;
    let (day, d) = number(day_text)?;
    let mut end = text.len() - day_text.len() + d;
    if sep == '年' && day_text[d..].starts_with('日') {
        end += '日'.len_utf8();
    }
    let written = &text[start..end];
    let iso = format!("{year}-{month:02}-{day:02}");
    Some(
        Diagnostic::new(
            Code::Syntax,
            tr!(
                "dates are written as `2026-06-30`, not `{written}`",
                "日期要写成 `2026-06-30` 这样，不能写 `{written}`"
            ),
            source,
            Span::new(offset + start, offset + end),
            tr!("write `{iso}`", "请写成 `{iso}`"),
        )
        .with_help(tr!(
            "write dates as year-month-day with `-`: `{iso}`",
            "日期按 年-月-日 的顺序，用 `-` 隔开：`{iso}`"
        )),
    )
}

/// An ASCII word where keywords were expected, close to one of them (`deliverable`
/// for `deliver`): name the keyword instead of listing them all.
fn misspelt_keyword(
    text: &str,
    pos: usize,
    offset: usize,
    source: SourceId,
    expected: &[&str],
) -> Option<Diagnostic> {
    let rest = &text[pos..];
    let len = rest.len()
        - rest
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .len();
    if len < 2 {
        return None;
    }
    let word = &rest[..len];
    let keywords = expected.iter().filter_map(|e| {
        let k = e.strip_prefix('`')?.strip_suffix('`')?;
        k.bytes().all(|b| b.is_ascii_lowercase()).then_some(k)
    });
    let (_, keyword) = keywords
        .map(|k| {
            let d = if word.starts_with(k) || k.starts_with(word) {
                1
            } else {
                crate::diagnostics::edit_distance(word, k)
            };
            (d, k)
        })
        // One edit for short keywords, two (a swap of letters) from four letters on.
        .filter(|&(d, k)| d <= if k.len() >= 4 { 2 } else { 1 })
        .min()?;
    Some(
        Diagnostic::new(
            Code::Syntax,
            tr!("unknown keyword `{word}`", "不认识的关键字 `{word}`"),
            source,
            Span::new(offset + pos, offset + pos + len),
            tr!("did you mean `{keyword}`?", "是不是要写 `{keyword}`？"),
        )
        .with_help(tr!(
            "write `{keyword}`; grammar/LANGUAGE.md lists the keywords",
            "请写 `{keyword}`；所有关键字（以及对应的中文写法）见 grammar/LANGUAGE.md"
        )),
    )
}

/// A duration written with Chinese numerals (`三个工作日`, `两小时内`) where the error is:
/// say to write the amount in digits. The word is the one at `pos`, or the one just
/// before it (after `时限`, `三个工作日` reads as a priority name and the error comes
/// after it).
fn chinese_numeral(text: &str, pos: usize, offset: usize, source: SourceId) -> Option<Diagnostic> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = pos;
    for (i, c) in text[..pos].char_indices().rev() {
        if !is_word(c) {
            break;
        }
        start = i;
    }
    let end = text[pos..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(i, _)| pos + i);
    let word = &text[start..end];
    let digits_end = word
        .char_indices()
        .find(|&(_, c)| !"〇零一二两三四五六七八九十百".contains(c))
        .map_or(word.len(), |(i, _)| i);
    let (numeral, rest) = word.split_at(digits_end);
    let rest_unit = rest
        .trim_end_matches("之内")
        .trim_end_matches("以内")
        .trim_end_matches('内');
    const UNITS: &[&str] = &[
        "个工作日",
        "工作日",
        "个工作小时",
        "工作小时",
        "个小时",
        "小时",
        "分钟",
        "天",
        "周",
    ];
    if numeral.is_empty() || !UNITS.contains(&rest_unit) {
        return None;
    }
    let amount = chinese_number(numeral).map_or_else(|| "3".to_owned(), |n| n.to_string());
    let digits = format!("{amount}{rest}");
    Some(
        Diagnostic::new(
            Code::Syntax,
            tr!(
                "amount `{numeral}` is written in Chinese numerals",
                "时长里的数字 `{numeral}` 要用阿拉伯数字写"
            ),
            source,
            Span::new(offset + start, offset + start + numeral.len()),
            tr!("write digits here", "这里请写阿拉伯数字"),
        )
        .with_help(tr!(
            "write the amount in digits: `{digits}`",
            "请写成 `{digits}`"
        )),
    )
}

/// The value of a Chinese numeral up to 999 (`三` 3, `十二` 12, `两百` 200), if it is one.
fn chinese_number(numeral: &str) -> Option<u32> {
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .find(c)
            .map(|i| (i / 3) as u32)
            .or(match c {
                '零' => Some(0),
                '两' => Some(2),
                _ => None,
            })
    };
    let mut total = 0;
    let mut current: Option<u32> = None;
    for c in numeral.chars() {
        match c {
            '十' => {
                total += current.take().unwrap_or(1) * 10;
            }
            '百' => {
                total += current.take()? * 100;
            }
            c => {
                if current.is_some() {
                    return None;
                }
                current = Some(digit(c)?);
            }
        }
    }
    Some(total + current.unwrap_or(0))
}

/// White space inside a line, as the grammar's `WHITESPACE` knows it.
fn is_space(c: char) -> bool {
    c == '\t' || c == '\u{feff}' || c.is_whitespace() && !matches!(c, '\n' | '\r')
}

/// How a Chinese error message names what it found.
fn describe_found_zh(found: Option<char>) -> String {
    match found {
        None => "语句的结尾".to_owned(),
        Some('\n' | '\r') => "行尾".to_owned(),
        Some(c) if is_space(c) => "空格".to_owned(),
        Some(c) if c.is_control() => format!("控制字符 U+{:04X}", u32::from(c)),
        Some(c) => format!(" `{c}`"),
    }
}

/// How an error message names what it found.
fn describe_found(found: Option<char>) -> String {
    match found {
        None => "the end of the statement".to_owned(),
        Some('\n' | '\r') => "the end of the line".to_owned(),
        Some(c) if is_space(c) => "a space".to_owned(),
        Some(c) if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        Some(c) => format!("`{c}`"),
    }
}

/// The byte offset of the last `{` in `text` that no `}` closes, skipping
/// strings, titles and comments.
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let close = match c {
            '{' => {
                open.push(i);
                continue;
            }
            '}' => {
                open.pop();
                continue;
            }
            '#' => '\n',
            '/' if matches!(chars.peek(), Some((_, '/'))) => '\n',
            '"' => '"',
            '“' => '”',
            '「' => '」',
            '《' => '》',
            _ => continue,
        };
        while let Some((_, d)) = chars.next() {
            if d == close || d == '\n' {
                break;
            }
            if d == '\\' && close == '"' {
                chars.next();
            }
        }
    }
    open.pop()
}

/// The Chinese list of what was expected: `一个名称、`:` 或 `→``.
fn join_or_zh(items: &[&str]) -> String {
    let zh: Vec<&str> = items.iter().map(|en| describe_zh(en)).collect();
    match zh.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => {
            // Spaces around `或` only next to code in backquotes.
            let init = init.join("、");
            let before = if init.ends_with('`') { " " } else { "" };
            let after = if last.starts_with('`') { " " } else { "" };
            format!("{init}{before}或{after}{last}")
        }
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
