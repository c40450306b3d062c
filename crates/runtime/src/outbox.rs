//! Which events become notifications, and for whom. Rows are written in the
//! transaction that appends the events; delivery reads them after commit.

use sopflow::exec::{Event, EventKind};
use sopflow::Definition;

/// The recipient of administrator notices: a deadline computed without the
/// calendar's holiday data (`calendar_data_missing`). No name in a `.sop`
/// file can start with `@`, so it never collides with a department or role.
pub(crate) const ADMIN_RECIPIENT: &str = "@admin";

/// One notification row to write for an event.
pub(crate) struct Row<'e> {
    pub kind: &'static str,
    pub step: Option<&'e str>,
    pub level: Option<i64>,
    pub recipients: Vec<String>,
}

/// The notification an event causes, if any: a warning (预警) or a missed
/// deadline goes to the step's owners (for the whole process, the owners of
/// its start step, as the executor resolves `owner`); an escalation goes to
/// the recipients its ladder level resolved (部门负责人, PMO, …); a
/// deadline computed without the calendar's holiday data goes to the
/// administrator ([`ADMIN_RECIPIENT`]).
pub(crate) fn row<'e>(definition: &Definition, event: &'e Event) -> Option<Row<'e>> {
    let (kind, step, level, recipients) = match &event.kind {
        EventKind::WarningRaised { step, .. } => (
            "warning_raised",
            step,
            None,
            owners(definition, step.as_deref()),
        ),
        EventKind::DeadlineMissed { step, .. } => (
            "deadline_missed",
            step,
            None,
            owners(definition, step.as_deref()),
        ),
        EventKind::Escalated {
            step,
            level,
            recipients,
            ..
        } => (
            "escalated",
            step,
            Some(i64::from(*level)),
            recipients.clone(),
        ),
        EventKind::CalendarDataMissing { step, .. } => (
            "calendar_data_missing",
            step,
            None,
            vec![ADMIN_RECIPIENT.to_owned()],
        ),
        _ => return None,
    };
    let mut unique: Vec<String> = Vec::with_capacity(recipients.len());
    for recipient in recipients {
        if !unique.contains(&recipient) {
            unique.push(recipient);
        }
    }
    Some(Row {
        kind,
        step: step.as_deref(),
        level,
        recipients: unique,
    })
}

fn owners(definition: &Definition, step: Option<&str>) -> Vec<String> {
    let id = match step {
        Some(key) => definition.find(key),
        None => definition.start(),
    };
    id.map(|id| definition.step(id).owners.clone())
        .unwrap_or_default()
}
