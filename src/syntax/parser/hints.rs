//! Guesses at what the author meant, for a statement that does not parse: a
//! Markdown heading, a date in another format, a misspelt keyword, a Chinese
//! numeral, an unclosed brace. Each hint is a pure function of the
//! statement's text; `None` leaves the general message. Also the wording of
//! a found character and of `a, b or c` lists, in both languages.

use super::*;

/// The kind and the name of the declaration a statement starts (`ladder 标准 { ＋2d … }`
/// gives a ladder named 标准), if it starts like one: a keyword, spaces, a name.
pub(super) fn declared_name(text: &str) -> Option<(DeclKind, Range<usize>)> {
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
pub(super) fn heading(
    text: &str,
    pos: usize,
    offset: usize,
    source: SourceId,
) -> Option<Diagnostic> {
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
pub(super) fn other_date_format(
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
pub(super) fn misspelt_keyword(
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
pub(super) fn chinese_numeral(
    text: &str,
    pos: usize,
    offset: usize,
    source: SourceId,
) -> Option<Diagnostic> {
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
pub(super) fn is_space(c: char) -> bool {
    c == '\t' || c == '\u{feff}' || c.is_whitespace() && !matches!(c, '\n' | '\r')
}

/// How a Chinese error message names what it found.
pub(super) fn describe_found_zh(found: Option<char>) -> String {
    match found {
        None => "语句的结尾".to_owned(),
        Some('\n' | '\r') => "行尾".to_owned(),
        Some(c) if is_space(c) => "空格".to_owned(),
        Some(c) if c.is_control() => format!("控制字符 U+{:04X}", u32::from(c)),
        Some(c) => format!(" `{c}`"),
    }
}

/// How an error message names what it found.
pub(super) fn describe_found(found: Option<char>) -> String {
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
pub(super) fn unclosed_brace(text: &str) -> Option<usize> {
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
pub(super) fn join_or_zh(items: &[&str]) -> String {
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

pub(super) fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
