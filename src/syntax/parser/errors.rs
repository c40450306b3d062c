//! Pest errors into diagnostics: what was expected, in words an SOP author
//! knows ("a duration like `3d`", not rule names), in both languages, with
//! the more specific hints of `hints.rs` tried first.

use super::*;

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
pub(super) fn describe_zh(en: &str) -> &str {
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

pub(super) fn syntax_error(
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
