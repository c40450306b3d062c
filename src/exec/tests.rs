//! Unit tests of the executor's internals.

use super::command_log::copy_events;
use super::state::UNDO_INLINE;
use super::*;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an instant")
}

#[test]
fn step_state_is_compact() {
    assert!(
        std::mem::size_of::<StepState>() <= 88,
        "{}",
        std::mem::size_of::<StepState>()
    );
}

#[test]
fn by_date_without_calendar_is_midnight_in_the_process_zone() {
    let def = crate::parse(
        "process 活动 { zone Asia/Shanghai }\n市场部 by 2026-10-30 → 销售部",
        "a.sop",
    )
    .unwrap();
    let (instance, events) =
        Instance::start(&def, "i", Attributes::new(), t("2026-10-01T00:00:00Z")).unwrap();
    assert_eq!(
        instance.step_due(def.find("市场部").unwrap()),
        Some(t("2026-10-30T16:00:00Z"))
    );
    assert!(matches!(
        events[1].kind,
        EventKind::StepActivated { due: Some(_), .. }
    ));
}

#[test]
fn a_past_by_date_is_due_at_activation() {
    let def = crate::parse("市场部 by 2026-01-01 → 销售部", "a.sop").unwrap();
    let now = t("2026-03-01T00:00:00Z");
    let (instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
    assert_eq!(instance.step_due(def.find("市场部").unwrap()), Some(now));
}

/// Copying events into the evicted cache entry gives equal events,
/// whatever kinds and lengths line up.
#[test]
fn copied_events_are_equal() {
    let at = t("2026-03-02T01:00:00Z");
    let s = |x: &str| x.to_owned();
    let event = |command: Option<&str>, kind| Event {
        at,
        command: command.map(str::to_owned),
        kind,
    };
    let samples = vec![
        event(
            Some("c1"),
            EventKind::StepActivated {
                step: s("研发部:评估"),
                owners: vec![s("研发部")],
                due: Some(at),
                warn_at: None,
                provisional: false,
            },
        ),
        event(
            Some("command-2"),
            EventKind::StepActivated {
                step: s("a"),
                owners: vec![s("销售部"), s("市场部"), s("x")],
                due: None,
                warn_at: Some(at),
                provisional: true,
            },
        ),
        event(
            None,
            EventKind::StepCompleted {
                step: s("市场部:提交需求"),
                by: s("市场部"),
                outcomes: vec![s("通过")],
                deliverables: vec![s("《市场需求文档》"), s("《b》")],
                late: true,
                late_by: Some(5),
            },
        ),
        event(
            Some("c"),
            EventKind::StepCompleted {
                step: s("b"),
                by: s("c"),
                outcomes: Vec::new(),
                deliverables: vec![s("d")],
                late: false,
                late_by: None,
            },
        ),
        event(
            Some("c9"),
            EventKind::StepSigned {
                step: s("a"),
                by: s("b"),
                owner: s("c"),
            },
        ),
        event(
            Some("c10"),
            EventKind::StepSigned {
                step: s("销售部 & 市场部:制定推广方案"),
                by: s("销售部"),
                owner: s("销售部"),
            },
        ),
        event(Some("c3"), EventKind::InstanceCompleted { on_time: true }),
    ];
    let lists: Vec<Vec<Event>> = (0..samples.len())
        .flat_map(|i| (i..=samples.len()).map(move |j| (i, j)))
        .map(|(i, j)| samples[i..j].to_vec())
        .chain((0..samples.len()).map(|i| {
            let mut v = samples.clone();
            v.rotate_left(i);
            v
        }))
        .collect();
    for from in &lists {
        for to in &lists {
            let mut copy = to.clone();
            copy_events(&mut copy, from);
            assert_eq!(&copy, from);
            assert_eq!(copy.capacity(), from.len(), "as much heap as a clone");
            for event in &copy {
                let command = event.command.as_ref();
                assert!(command.is_none_or(|c| c.capacity() == c.len()));
            }
        }
    }
}

/// A command that fails after it has changed the state (here: the
/// successor's deadline lies after the year 9999) leaves the instance
/// as it was, on the in-place path and on the cloning path.
#[test]
fn a_command_failing_midway_changes_nothing() {
    let small = "市场部 → 研发部 within 36600d\n";
    let mut large = String::from("市场部 → 研发部 within 36600d\n");
    for i in 0..UNDO_INLINE {
        large.push_str(&format!("研发部 → 部门{i}\n"));
    }
    for source in [small.to_owned(), large] {
        let def = crate::parse(&source, "a.sop").unwrap();
        let now = t("9950-03-02T01:00:00Z");
        let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
        let before = instance.clone();
        let err = instance
            .handle(&def, Command::complete("c1", "市场部", "市场部"), now)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot compute the deadline `within 36600d` of step `研发部`: an instant falls after the year 9999"
        );
        assert_eq!(instance, before);
        // The id was not recorded: the same id runs again (and fails again).
        assert!(instance
            .handle(&def, Command::complete("c1", "市场部", "市场部"), now)
            .is_err());
        assert_eq!(instance, before);
    }
}

#[test]
fn elapsed_pause_moves_deadline_and_warning() {
    let def = crate::parse("ladder L { warn at 50%\n +0 notify head }\nprocess p { ladder L }\n市场部 within 10h → 销售部", "a.sop").unwrap();
    let now = t("2026-03-02T00:00:00Z");
    let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
    assert_eq!(instance.next_wakeup(), Some(t("2026-03-02T05:00:00Z")));
    let pause = Command::Pause {
        id: "p".into(),
        step: "市场部".into(),
        actor: "市场部".into(),
        reason: String::new(),
    };
    instance
        .handle(&def, pause, t("2026-03-02T01:00:00Z"))
        .unwrap();
    assert_eq!(instance.next_wakeup(), None);
    assert!(instance
        .tick(&def, t("2026-03-03T00:00:00Z"))
        .unwrap()
        .is_empty());
    let resume = Command::Resume {
        id: "r".into(),
        step: "市场部".into(),
        actor: "市场部".into(),
    };
    let events = instance
        .handle(&def, resume, t("2026-03-02T04:00:00Z"))
        .unwrap();
    assert!(matches!(
        events[0].kind,
        EventKind::StepResumed {
            paused_for: 10800,
            ..
        }
    ));
    assert_eq!(
        instance.step_due(def.find("市场部").unwrap()),
        Some(t("2026-03-02T13:00:00Z"))
    );
    assert_eq!(instance.next_wakeup(), Some(t("2026-03-02T08:00:00Z")));
    // At the due instant only the warning: the step is still on time.
    let events = instance.tick(&def, t("2026-03-02T13:00:00Z")).unwrap();
    assert_eq!(events.len(), 1, "warning: {events:?}");
    assert_eq!(instance.next_wakeup(), Some(t("2026-03-02T13:00:01Z")));
    let mut events_after = instance.tick(&def, t("2026-03-02T13:00:01Z")).unwrap();
    assert!(events_after
        .iter()
        .all(|e| e.at == t("2026-03-02T13:00:00Z")));
    let mut events = events;
    events.append(&mut events_after);
    let kinds: Vec<_> = events
        .iter()
        .map(|e| std::mem::discriminant(&e.kind))
        .collect();
    assert_eq!(kinds.len(), 3, "warning, missed, level 1: {events:?}");
    assert!(
        matches!(&events[2].kind, EventKind::Escalated { recipients, .. } if recipients == &["市场部负责人"])
    );
}

#[test]
fn warn_before_in_working_days_is_the_close_of_an_earlier_working_day() {
    let def = crate::parse("process p { calendar cn }\nladder L { warn 1wd before }\n市场部 within 3wd → 销售部\nstep 市场部 { ladder L }", "a.sop").unwrap();
    // Monday 10:00 in Beijing: due Thursday 18:00, warned Wednesday 18:00.
    let (_, events) =
        Instance::start(&def, "i", Attributes::new(), t("2026-03-02T02:00:00Z")).unwrap();
    match &events[1].kind {
        EventKind::StepActivated { due, warn_at, .. } => {
            assert_eq!(*due, Some(t("2026-03-05T10:00:00Z")));
            assert_eq!(*warn_at, Some(t("2026-03-04T10:00:00Z")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn commands_before_the_latest_event_happen_at_its_instant() {
    let def = crate::parse("市场部 → 销售部 → 财务部", "a.sop").unwrap();
    let now = t("2026-03-02T00:00:00Z");
    let (mut instance, _) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
    instance
        .handle(
            &def,
            Command::complete("a", "市场部", "市场部"),
            now + TimeDelta::hours(5),
        )
        .unwrap();
    let events = instance
        .handle(&def, Command::complete("b", "销售部", "销售部"), now)
        .unwrap();
    assert_eq!(events[0].at, now + TimeDelta::hours(5));
}
