//! The scorecard as an aligned text table and as CSV.
//!
//! Columns are aligned by display width (a Chinese character is two columns
//! wide, per `unicode-width`), so the table lines up in a terminal.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use sopflow::diagnostics::Lang;
use sopflow::report::{Figures, Scorecard, COLUMNS};

/// A header in `lang`.
pub(super) fn label(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The period as one line: `2026-03-01 00:00 – 2026-04-01 00:00 (Asia/Shanghai)`.
pub(super) fn period(card: &Scorecard, lang: Lang) -> String {
    let zone: chrono_tz::Tz = card.zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let show = |t: Option<chrono::DateTime<chrono::Utc>>, open: &str| {
        t.map_or_else(
            || open.to_owned(),
            |t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    let from = show(card.from, label(lang, "最早", "the beginning"));
    let to = show(card.to, label(lang, "最新", "the end"));
    match lang {
        Lang::Zh => format!(
            "{from} 至 {to}（不含），时区 {}，实例 {} 个",
            card.zone, card.instances
        ),
        Lang::En => format!(
            "{from} to {to} (exclusive), zone {}, {} instances",
            card.zone, card.instances
        ),
    }
}

/// Pads `text` to `width` display columns, on the left (`right`) or the right.
fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.width()));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// Writes rows aligned: the first column left, the others right, two spaces apart.
fn aligned(rows: &[Vec<String>], out: &mut dyn Write) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| pad(cell, widths[c], c > 0))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// The table: one row per department with every [`COLUMNS`] figure, then
/// the weekly trend of completed and late steps.
pub(super) fn table(card: &Scorecard, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        label(lang, "跨部门协作评分", "Cross-department scorecard")
    )?;
    writeln!(out, "{}", period(card, lang))?;
    writeln!(out)?;
    let mut rows = vec![
        std::iter::once(label(lang, "部门", "Department").to_owned())
            .chain(COLUMNS.iter().map(|c| label(lang, c.zh, c.en).to_owned()))
            .collect::<Vec<_>>(),
    ];
    for d in &card.departments {
        rows.push(
            std::iter::once(d.department.clone())
                .chain(
                    COLUMNS
                        .iter()
                        .map(|c| d.figures.cell(c.key).unwrap_or_default()),
                )
                .collect(),
        );
    }
    aligned(&rows, out)?;
    if card.weeks.is_empty() || card.departments.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        label(
            lang,
            "按周趋势（完成步骤 / 其中超时）",
            "Trend by week (completed / of which late)"
        )
    )?;
    let mut rows = vec![std::iter::once(label(lang, "周一", "Week of").to_owned())
        .chain(card.departments.iter().map(|d| d.department.clone()))
        .collect::<Vec<_>>()];
    for (i, week) in card.weeks.iter().enumerate() {
        rows.push(
            std::iter::once(week.to_string())
                .chain(card.departments.iter().map(|d| {
                    let f = &d.trend[i];
                    format!("{}/{}", f.completed, f.late)
                }))
                .collect(),
        );
    }
    aligned(&rows, out)
}

/// Every [`Figures`] field in CSV order, with its Chinese header.
const CSV_FIELDS: [(&str, &str); 15] = [
    ("completed", "完成步骤"),
    ("with_deadline", "有时限步骤"),
    ("on_time", "按时步骤"),
    ("late", "超时步骤"),
    ("on_time_rate", "按时率"),
    ("lateness_seconds", "超时合计(工作秒)"),
    ("lateness_avg_hours", "平均超时(工时)"),
    ("lateness_p90_hours", "P90超时(工时)"),
    ("warnings", "预警"),
    ("escalations", "升级"),
    ("send_backs_caused", "发起退回"),
    ("send_backs_received", "被退回"),
    ("waits", "等待次数"),
    ("waiting_seconds", "等待他部门(工作秒)"),
    ("waiting_hours", "等待他部门(工时)"),
];

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A figure as a CSV value: a plain number (the rate as a fraction), empty
/// for none.
fn value(figures: &Figures, key: &str) -> String {
    let option = |x: Option<f64>| x.map_or_else(String::new, |x| x.to_string());
    match key {
        "on_time_rate" => option(figures.on_time_rate),
        "lateness_avg_hours" => option(figures.lateness_avg_hours),
        "lateness_p90_hours" => option(figures.lateness_p90_hours),
        key => figures.cell(key).unwrap_or_default(),
    }
}

/// The CSV: a byte-order mark, a header row, then per department one row
/// for the whole period (week empty) and one per week. Lines end in CRLF.
pub(super) fn csv(card: &Scorecard, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let header: Vec<&str> = [
        label(lang, "部门", "department"),
        label(lang, "周一", "week"),
    ]
    .into_iter()
    .chain(CSV_FIELDS.iter().map(|(key, zh)| label(lang, zh, key)))
    .collect();
    write!(out, "{}\r\n", header.join(","))?;
    let mut row = |department: &str, week: &str, figures: &Figures| -> io::Result<()> {
        let cells: Vec<String> = [field(department), field(week)]
            .into_iter()
            .chain(CSV_FIELDS.iter().map(|(key, _)| value(figures, key)))
            .collect();
        write!(out, "{}\r\n", cells.join(","))
    };
    for d in &card.departments {
        row(&d.department, "", &d.figures)?;
        for (week, figures) in card.weeks.iter().zip(&d.trend) {
            row(&d.department, &week.to_string(), figures)?;
        }
    }
    Ok(())
}
