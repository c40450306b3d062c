//! The words: what a notification says to the person who gets it, in
//! Chinese, and how several for one recipient fold into one digest.
//!
//! A [`Message`] is rendered once, when its outbox rows are folded, and
//! stored; every attempt sends the same words. This module reads no clock
//! (`now` is an argument) and knows no channel format.

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sopflow::exec::{Event, EventKind};

use super::config::ADMIN_RECIPIENT;

/// How many notifications a digest lists line by line; the rest are counted.
pub const DIGEST_LINES: usize = 15;

/// One outbox row with what a person needs to read it: the process, the
/// step's owners and its due time in the calendar's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The outbox row id.
    pub outbox_id: i64,
    /// The instance id (`NP-7`).
    pub instance: String,
    /// The process name (`新产品上市`).
    pub process: String,
    /// The version the instance runs on.
    pub version: i64,
    /// `warning_raised`, `deadline_missed`, `escalated` or `calendar_data_missing`.
    pub kind: String,
    /// The step key (`研发部:评估`), or `None` for the whole process.
    pub step: Option<String>,
    /// The escalation level.
    pub level: Option<i64>,
    /// Who is told.
    pub recipient: String,
    /// The step's owners (for the whole process, its start step's).
    pub owners: Vec<String>,
    /// The deadline concerned, if the event names one.
    pub due: Option<DateTime<Utc>>,
    /// The event as the executor emitted it.
    pub event: Event,
}

/// A message to one recipient: a title line and detail lines, and the
/// notifications it carries (for the generic webhook's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who is told.
    pub recipient: String,
    /// The first line: `【超时预警】新产品上市 NP-7 · 研发部:评估 将于 3月4日 18:00 到期`.
    pub title: String,
    /// The lines after it.
    pub lines: Vec<String>,
    /// The notifications, in the order listed.
    pub items: Vec<Item>,
}

impl Message {
    /// The whole text: the title, then each line.
    pub fn text(&self) -> String {
        let mut text = self.title.clone();
        for line in &self.lines {
            text.push('\n');
            text.push_str(line);
        }
        text
    }
}

/// Renders the message for `items` (all for one recipient, not empty): the
/// item itself when there is one, a digest otherwise. Times are shown in
/// the zone `zones` gives each item (its calendar's); how late is measured at `now`.
pub fn render(
    recipient: &str,
    mut items: Vec<Item>,
    zones: &dyn Fn(&Item) -> FixedOffset,
    now: DateTime<Utc>,
) -> Message {
    items.sort_by_key(|item| (severity(&item.kind), item.due, item.outbox_id));
    if let [item] = items.as_slice() {
        let zone = zones(item);
        let mut lines = details(item, zone, now);
        lines.push(format!("通知:{}({})", who(recipient), why(item)));
        return Message {
            recipient: recipient.to_owned(),
            title: headline(item, zone, now),
            lines,
            items,
        };
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for item in &items {
        let label = label(&item.kind);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(label, n)| format!("{label} {n}"))
        .collect();
    let title = format!(
        "【汇总】{}:{} 项提醒({})",
        who(recipient),
        items.len(),
        summary.join(" · ")
    );
    let mut lines: Vec<String> = items
        .iter()
        .take(DIGEST_LINES)
        .map(|item| format!("· {}", headline(item, zones(item), now)))
        .collect();
    if items.len() > DIGEST_LINES {
        lines.push(format!(
            "……另有 {} 项,详见 sopflow 的实例列表",
            items.len() - DIGEST_LINES
        ));
    }
    lines.push(format!(
        "通知:{}(这些提醒在同一时段内到达,合并为一条)",
        who(recipient)
    ));
    Message {
        recipient: recipient.to_owned(),
        title,
        lines,
        items,
    }
}

/// Escalations first, then missed deadlines, warnings, calendar notices.
fn severity(kind: &str) -> u8 {
    match kind {
        "escalated" => 0,
        "deadline_missed" => 1,
        "warning_raised" => 2,
        _ => 3,
    }
}

fn label(kind: &str) -> &'static str {
    match kind {
        "escalated" => "升级",
        "deadline_missed" => "已超时",
        "warning_raised" => "超时预警",
        "calendar_data_missing" => "日历缺数据",
        _ => "提醒",
    }
}

fn who(recipient: &str) -> &str {
    if recipient == ADMIN_RECIPIENT {
        "系统管理员"
    } else {
        recipient
    }
}

fn why(item: &Item) -> String {
    match item.kind.as_str() {
        "escalated" => format!("升级第 {} 级", item.level.unwrap_or(1)),
        "calendar_data_missing" => "日历数据需要补充".to_owned(),
        _ if item.owners.iter().any(|owner| owner == &item.recipient) => "步骤负责方".to_owned(),
        _ => "按升级规则".to_owned(),
    }
}

/// `新产品上市 NP-7 · 研发部:评估`.
fn subject(item: &Item) -> String {
    let step = item.step.as_deref().unwrap_or("整个流程");
    format!("{} {} · {}", item.process, item.instance, step)
}

/// The one-line summary of an item.
fn headline(item: &Item, zone: FixedOffset, now: DateTime<Utc>) -> String {
    let subject = subject(item);
    let due = item.due.map(|due| when(due, zone, now));
    match (&item.event.kind, due) {
        (EventKind::WarningRaised { .. }, Some(due)) => {
            format!("【超时预警】{subject} 将于 {due} 到期")
        }
        (EventKind::DeadlineMissed { due: at, .. }, Some(due)) => format!(
            "【已超时】{subject} 已于 {due} 到期,已超时 {}",
            span((now - *at).num_seconds())
        ),
        (
            EventKind::Escalated {
                level, overdue_by, ..
            },
            _,
        ) => format!(
            "【升级】{subject} 已超时 {},第 {level} 级升级",
            span(*overdue_by)
        ),
        (EventKind::CalendarDataMissing { year, .. }, _) => {
            format!("【日历缺数据】{subject} 的期限是临时的:日历缺少 {year} 年的节假日")
        }
        _ => format!("【提醒】{subject}"),
    }
}

/// The lines under a single item's title.
fn details(item: &Item, zone: FixedOffset, now: DateTime<Utc>) -> Vec<String> {
    let mut lines = Vec::new();
    if !item.owners.is_empty() {
        lines.push(format!("负责:{}", item.owners.join("、")));
    }
    match &item.event.kind {
        EventKind::Escalated {
            reassigned_to,
            overdue_by,
            ..
        } => {
            if let Some(due) = item.due {
                lines.push(format!(
                    "期限:{}(已超时 {})",
                    when(due, zone, now),
                    span(*overdue_by)
                ));
            }
            if let Some(to) = reassigned_to {
                lines.push(format!("已转交:{to}"));
            }
        }
        EventKind::CalendarDataMissing { calendar, year, .. } => {
            lines.push(format!(
                "日历「{calendar}」没有 {year} 年的节假日数据,期限只按工作周和工作时间临时计算。"
            ));
            lines.push("请补充该年的节假日后修订期限(revise_deadlines)。".to_owned());
        }
        _ => {}
    }
    lines
}

/// `3月4日 18:00`, with the year when it is not the current one.
fn when(at: DateTime<Utc>, zone: FixedOffset, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    if local.year() == now.with_timezone(&zone).year() {
        local.format("%-m月%-d日 %H:%M").to_string()
    } else {
        local.format("%Y年%-m月%-d日 %H:%M").to_string()
    }
}

/// A duration in words: `2天3小时`, `3小时5分钟`, `45分钟`, `不到1分钟`.
pub fn span(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut text = String::new();
    if days > 0 {
        text.push_str(&format!("{days}天"));
    }
    if hours > 0 {
        text.push_str(&format!("{hours}小时"));
    }
    if minutes > 0 && days == 0 {
        text.push_str(&format!("{minutes}分钟"));
    }
    if text.is_empty() {
        text.push_str("不到1分钟");
    }
    text
}

/// The deadline an event is about: a warning's or a missed deadline's
/// `due`; for an escalation, the instant it fired less how late it was.
pub fn due_of(event: &Event) -> Option<DateTime<Utc>> {
    match &event.kind {
        EventKind::WarningRaised { due, .. } | EventKind::DeadlineMissed { due, .. } => Some(*due),
        EventKind::Escalated { overdue_by, .. } => {
            Some(event.at - chrono::TimeDelta::seconds(*overdue_by))
        }
        _ => None,
    }
}

/// The zone a definition's times are shown in: its calendar's, at the
/// instant shown; China Standard Time (UTC+8) for a process without a
/// calendar.
pub fn zone_of(definition: &sopflow::Definition, at: DateTime<Utc>) -> FixedOffset {
    match definition.calendar() {
        Some(calendar) => *at.with_timezone(&calendar.zone()).fixed_offset().offset(),
        None => FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"),
    }
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_read_as_chinese() {
        assert_eq!(span(0), "不到1分钟");
        assert_eq!(span(59), "不到1分钟");
        assert_eq!(span(45 * 60), "45分钟");
        assert_eq!(span(3 * 3600 + 5 * 60), "3小时5分钟");
        assert_eq!(span(2 * 86400 + 3 * 3600 + 7 * 60), "2天3小时");
        assert_eq!(span(86400), "1天");
        assert_eq!(span(-5), "不到1分钟");
    }
}
