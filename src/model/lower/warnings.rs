//! Warnings about a whole definition once it is built: W040 when the
//! deadlines along the longest path exceed the process's `within`, and W031
//! when an instance started `today` could need a year its calendar does not
//! cover.
//!
//! Both read the finished [`Definition`] and change nothing.

use super::*;

impl<'a> Lowerer<'a> {
    /// W040 when the deadlines along the longest path add up to more than
    /// the process's `within` (see [`super::budget`]).
    pub(super) fn deadline_overrun(&self, definition: &Definition) -> Option<Diagnostic> {
        let overrun = super::budget::overrun(definition)?;
        let (decl, source) = self.header?;
        let within = decl
            .fields
            .iter()
            .find(|f| matches!(f.node, Field::Within(_)))?;
        let span = |zh| crate::plan::duration(overrun.measure, overrun.total, zh);
        let (total_en, total_zh) = (span(false), span(true));
        let allowed_en = crate::plan::duration(overrun.measure, overrun.allowed, false);
        let allowed_zh = crate::plan::duration(overrun.measure, overrun.allowed, true);
        let over = overrun.total - overrun.allowed;
        let (over_en, over_zh) = (
            crate::plan::duration(overrun.measure, over, false),
            crate::plan::duration(overrun.measure, over, true),
        );
        let path = overrun
            .path
            .iter()
            .map(|&id| definition.step(id).key.as_str())
            .collect::<Vec<_>>()
            .join(" → ");
        let last = *overrun.path.last()?;
        let name = definition.name();
        Some(
            Diagnostic::new(
                Code::DeadlineOverrun,
                tr!(
                    "the deadlines along the longest path add up to {total_en}, but process `{name}` allows {allowed_en}",
                    "最长路径上各步骤的时限加起来要 {total_zh}，但流程 `{name}` 只给了 {allowed_zh}"
                ),
                source,
                within.span,
                tr!(
                    "{over_en} too short for the path {path}",
                    "比这条路径少了 {over_zh}：{path}"
                ),
            )
            .with_label(
                definition.step(last).location.source,
                definition.step(last).location.span,
                tr!(
                    "the path ends here, {total_en} after the process starts",
                    "路径到这里结束，离流程开始已经 {total_zh}"
                ),
            )
            .with_help(tr!(
                "give the process at least {total_en} in its `within`, or shorten deadlines on the path; `sopflow plan` shows the schedule and each step's slack",
                "请把流程时限放宽到至少 {total_zh}，或缩短这条路径上的步骤时限；用 `sopflow plan` 可以看到排期和每个步骤的余量"
            )),
        )
    }

    /// W031 when an instance of `definition` started `today` could need a
    /// year its calendar does not cover.
    pub(super) fn calendar_ending(
        &self,
        definition: &Definition,
        today: chrono::NaiveDate,
    ) -> Option<Diagnostic> {
        let (year, needer) = super::horizon::uncovered_year(definition, today)?;
        let calendar = definition.calendar()?;
        let covers = calendar.covers()?;
        let (decl, source) = self.header?;
        let field = |matches: fn(&Field) -> bool| decl.fields.iter().find(|f| matches(&f.node));
        let chosen = field(|f| matches!(f, Field::Calendar(_)))?;
        let name = calendar.name();
        let years = super::lower_calendar::years_text(*covers.start(), *covers.end());
        let message = if year > *covers.end() {
            let end = covers.end();
            tr!(
                "calendar `{name}` has holidays only up to {end}, but deadlines of this process can reach {year}",
                "日历 `{name}` 的节假日只写到 {end} 年，但这个流程的期限可能到 {year} 年"
            )
        } else {
            let start = covers.start();
            tr!(
                "calendar `{name}` has holidays only from {start}, but deadlines of this process need {year}",
                "日历 `{name}` 的节假日从 {start} 年才开始，但这个流程的期限需要 {year} 年"
            )
        };
        let mut warning = Diagnostic::new(
            Code::CalendarEnding,
            message,
            source,
            chosen.span,
            tr!("covers {years}", "覆盖 {years} 年"),
        );
        let (at, label) = match needer {
            super::horizon::Needer::Process => {
                let deadline = field(|f| matches!(f, Field::Within(_) | Field::By { .. }))?;
                (
                    Location {
                        source,
                        span: deadline.span,
                    },
                    tr!(
                        "counted from {today}, this deadline can fall in {year}",
                        "从 {today} 算起，这个期限可能落在 {year} 年"
                    ),
                )
            }
            super::horizon::Needer::Step(id) => (
                definition.step(id).location,
                tr!(
                    "counted from {today}, this step's deadline can fall in {year}",
                    "从 {today} 算起，这个步骤的期限可能落在 {year} 年"
                ),
            ),
            super::horizon::Needer::Level(id) => (
                definition.step(id).location,
                tr!(
                    "counted from {today}, an escalation level of this step can fall in {year}",
                    "从 {today} 算起，这个步骤的某一级升级可能落在 {year} 年"
                ),
            ),
        };
        warning = warning.with_label(at.source, at.span, label);
        Some(warning.with_help(tr!(
            "add {year} when its holidays are published, e.g. in a shared file: `calendar {name} extends {name} {{ covers {year} … }}` (see \"Adding a year\" in the language reference, grammar/LANGUAGE.md)",
            "{year} 年的放假安排公布后，请把它补上，例如在共用文件里写 `calendar {name} extends {name} {{ covers {year} … }}`（见 grammar/LANGUAGE.md 的 \"Adding a year\" 一节）"
        )))
    }
}
