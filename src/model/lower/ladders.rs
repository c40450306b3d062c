//! Escalation ladders: `warn`, `level` and `ladder` fields applied over a base
//! ladder, and the named `ladder NAME { … }` declarations.
//!
//! A ladder's levels must be in order (W030); a named ladder that counts
//! working time is remembered, so that a process without a calendar cannot
//! use it.

use super::*;

impl<'a> Lowerer<'a> {
    /// Applies warn/level/ladder fields over `base`. Returns the ladder and where its warning was written.
    pub(super) fn ladder_fields(
        &mut self,
        base: &Ladder,
        base_warn_at: Option<Location>,
        fields: &[(&Spanned<Field>, SourceId)],
    ) -> (Ladder, Option<Location>) {
        let mut ladder = base.clone();
        let mut warn_at = base_warn_at;
        let mut own_levels: Vec<Level> = Vec::new();
        let mut own_level_spans: Vec<(Option<BusinessDuration>, Location)> = Vec::new();
        let mut seen_warn: Option<Span> = None;
        let mut seen_ladder: Option<Span> = None;
        for (field, source) in fields {
            if let Field::Ladder(name) = &field.node {
                if let Some(prev) = seen_ladder.replace(field.span) {
                    self.duplicate_field(field, *source, prev);
                    continue;
                }
                match self.ladder_index.get(name.node.as_str()) {
                    Some(_) => {
                        if let Some(l) = self.ladders.get(name.node.as_str()) {
                            ladder = l.clone();
                            warn_at = self.ladder_warn_at(&name.node);
                        }
                        if let (false, Some(&at)) = (
                            self.has_calendar,
                            self.ladder_business.get(name.node.as_str()),
                        ) {
                            let ladder_name = &name.node;
                            let d = Diagnostic::new(
                                Code::NoCalendar,
                                tr!(
                                    "ladder `{ladder_name}` counts working time, but the process has no calendar",
                                    "升级阶梯 `{ladder_name}` 按工作时间计算，但这个流程没有指定日历"
                                ),
                                *source,
                                name.span,
                                tr!("used here", "在这里使用"),
                            )
                            .with_label(at.source, at.span, tr!("working time", "工作时间"))
                            .with_help(tr!(
                                "add `calendar cn` (or a calendar you declare) to the `process` header, or use a ladder in elapsed units `m`, `h`, `d`, `w`",
                                "在 `流程`（`process`）那一行的 `{{ }}` 里加上 `日历 cn`（或你声明的日历）；或者让升级阶梯改用自然时间单位 `m`、`h`、`d`、`w`（`天`、`小时`）"
                            ));
                            self.push(d);
                        }
                    }
                    None => {
                        let known = self.ladder_index.keys().map(String::as_str).collect();
                        let d = self.unknown(
                            "ladder",
                            &name.node,
                            *source,
                            name.span,
                            suggest(&name.node, known),
                            tr!(
                                "declare it with `ladder NAME {{ … }}`",
                                "请先声明：`阶梯 NAME {{ … }}`"
                            ),
                        );
                        if let Some(d) = d {
                            self.push(d);
                        }
                    }
                }
            }
        }
        for (field, source) in fields {
            match &field.node {
                Field::Warn(w) => {
                    if let Some(prev) = seen_warn.replace(field.span) {
                        self.duplicate_field(field, *source, prev);
                        continue;
                    }
                    let warn = match w {
                        ast::Warn::Percent(p) if (1..=99).contains(p) => {
                            Some(Warn::Percent(u8::try_from(*p).expect("1..=99")))
                        }
                        ast::Warn::Percent(p) => {
                            let (code, msg) = if *p <= 0 {
                                (
                                    Code::InvalidLiteral,
                                    tr!(
                                        "warning at {p}% would come before any of the deadline window has passed",
                                        "在 {p}% 时预警，会在期限还没开始计时之前就预警"
                                    ),
                                )
                            } else {
                                (
                                    Code::WarnAfterDeadline,
                                    if *p == i64::MAX {
                                        tr!(
                                            "warning percentage is not before the deadline",
                                            "预警的百分比没有早于期限"
                                        )
                                    } else {
                                        tr!(
                                            "warning at {p}% is not before the deadline",
                                            "在 {p}% 时预警，没有早于期限"
                                        )
                                    },
                                )
                            };
                            self.push(
                                Diagnostic::new(
                                    code,
                                    msg,
                                    *source,
                                    field.span,
                                    tr!("out of range", "超出了范围"),
                                )
                                .with_help(tr!(
                                    "warn at a percentage from 1% to 99% of the window",
                                    "预警百分比请写 1% 到 99% 之间，例如 `warn at 80%`"
                                )),
                            );
                            None
                        }
                        ast::Warn::Before(d) => {
                            let d = Spanned::new(*d, field.span);
                            self.duration(
                                &d,
                                *source,
                                || tr!("warning offset", "预警提前量"),
                                false,
                            )
                            .map(Warn::Before)
                        }
                    };
                    if let Some(w) = warn {
                        ladder.warn = Some(w);
                        warn_at = Some(Location {
                            source: *source,
                            span: field.span,
                        });
                    }
                }
                Field::Level { offset, actions } => {
                    let after = match &offset.node {
                        None => None,
                        Some(d) => {
                            let d = Spanned::new(*d, offset.span);
                            match self.duration(
                                &d,
                                *source,
                                || tr!("escalation offset", "升级时间"),
                                true,
                            ) {
                                Some(d) if d.amount == 0 => None,
                                Some(d) => Some(d),
                                None => continue,
                            }
                        }
                    };
                    let mut acts = Vec::new();
                    for a in actions {
                        if let Some(t) = self.target(&a.target, *source) {
                            acts.push(match a.verb {
                                ast::Verb::Notify => Action::Notify(t),
                                ast::Verb::Reassign => Action::Reassign(t),
                            });
                        }
                    }
                    own_level_spans.push((
                        after,
                        Location {
                            source: *source,
                            span: field.span,
                        },
                    ));
                    own_levels.push(Level {
                        after,
                        actions: acts,
                    });
                }
                _ => {}
            }
        }
        // Levels written here replace the inherited levels.
        if !own_levels.is_empty() {
            for pair in own_level_spans.windows(2) {
                if let (Some(a), Some(b)) = (comparable(pair[0].0), comparable(pair[1].0)) {
                    // `+0` (at the deadline) comes before any other offset, whatever its clock.
                    if (a.0 == b.0 || b.1 == 0) && b.1 < a.1 {
                        let offset = |d: Option<BusinessDuration>| {
                            d.map_or_else(|| "+0".to_owned(), |d| format!("+{d}"))
                        };
                        self.push(
                            Diagnostic::new(
                                Code::LadderOrder,
                                {
                                    let (b, a) = (offset(pair[1].0), offset(pair[0].0));
                                    tr!(
                                        "escalation levels are out of order: {b} is written after {a}",
                                        "升级的顺序不对：{b} 写在了 {a} 后面"
                                    )
                                },
                                pair[1].1.source,
                                pair[1].1.span,
                                tr!("earlier than the previous level", "比上一级还早"),
                            )
                            .with_label(pair[0].1.source, pair[0].1.span, tr!("previous level", "上一级"))
                            .with_help(tr!(
                                "list levels in ascending order of their offset after the deadline",
                                "按超期时间从短到长排列各级，例如先 `+1d`，再 `+2d`"
                            )),
                        );
                    }
                }
            }
            ladder.levels = own_levels;
        }
        (ladder, warn_at)
    }

    fn ladder_warn_at(&self, name: &str) -> Option<Location> {
        let &i = self.ladder_index.get(name)?;
        let (decl, source) = self.ladder_decls[i];
        decl.fields
            .iter()
            .find(|f| matches!(f.node, Field::Warn(_)))
            .map(|f| Location {
                source,
                span: f.span,
            })
    }

    pub(super) fn named_ladders(&mut self) {
        // Whether working-time units are allowed depends on the process calendar.
        self.has_calendar = self.header.is_some_and(|(decl, _)| {
            decl.fields
                .iter()
                .any(|f| matches!(f.node, Field::Calendar(_)))
        });
        let decls = self.ladder_decls.clone();
        for (decl, source) in decls {
            let fields: Vec<_> = decl.fields.iter().map(|f| (f, source)).collect();
            self.in_named_ladder = Some(decl.name.node.as_str().to_owned());
            let (ladder, _) = self.ladder_fields(&Ladder::default(), None, &fields);
            self.in_named_ladder = None;
            self.ladders
                .insert(decl.name.node.as_str().to_owned(), ladder);
        }
    }
}
