//! Properties of the executor under random command sequences on the example
//! SOPs: determinism, replay, serde, events only for active steps, each
//! escalation level at most once, completion iff all non-skipped steps are
//! done, deadlines never before activation, idle ticks before the wakeup.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use sopflow::exec::{
    replay, Attributes, Command, Event, EventKind, Instance, Lifecycle, Prepared, StepStatus,
};
use sopflow::model::Condition;
use sopflow::Definition;

fn load(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example exists")
        .definition
        .expect("the example checks clean")
}

#[derive(Debug, Clone)]
enum Op {
    Advance(u32),
    Complete {
        step: usize,
        actor: usize,
        outcome: usize,
    },
    SendBack {
        rework: usize,
    },
    Pause {
        step: usize,
    },
    Resume {
        step: usize,
    },
    Delegate {
        step: usize,
    },
    Skip {
        step: usize,
    },
    Cancel,
    RepeatLast,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u32..60).prop_map(Op::Advance),
        6 => (0usize..16, 0usize..5, 0usize..4).prop_map(|(step, actor, outcome)| Op::Complete { step, actor, outcome }),
        1 => (0usize..4).prop_map(|rework| Op::SendBack { rework }),
        1 => (0usize..16).prop_map(|step| Op::Pause { step }),
        1 => (0usize..16).prop_map(|step| Op::Resume { step }),
        1 => (0usize..16).prop_map(|step| Op::Delegate { step }),
        1 => (0usize..16).prop_map(|step| Op::Skip { step }),
        1 => Just(Op::RepeatLast),
        1 => Just(Op::Cancel).prop_filter("rare", |_| true),
    ]
}

struct Outcome {
    instance: Instance,
    /// Every event returned, including repeated answers to repeated ids.
    log: Vec<Event>,
    /// The history without repeated answers.
    clean: Vec<Event>,
}

fn attrs(name: &str) -> Attributes {
    match name {
        "新产品上市" => Attributes::from_pairs([("上市日", "2026-09-30")]).unwrap(),
        "客户问题处理" => Attributes::new().with_priority("P2"),
        _ => Attributes::new(),
    }
}

fn start_time(name: &str) -> DateTime<Utc> {
    match name {
        "市场营销活动" => "2026-09-01T10:00:00+08:00".parse().unwrap(),
        _ => "2026-03-02T09:00:00+08:00".parse().unwrap(),
    }
}

/// Runs the ops; commands that fail are skipped (and must change nothing).
fn run(def: &Definition, name: &str, ops: &[Op]) -> Outcome {
    let p = Prepared::new(def);
    let mut now = start_time(name);
    let (mut instance, mut log) = Instance::start(&p, "P-1", attrs(name), now).expect("starts");
    let steps: Vec<_> = def.steps().map(|(_, s)| s).collect();
    // The outcomes each choice accepts: declared, or its `when` names.
    let when_names: Vec<Vec<String>> = def
        .steps()
        .map(|(id, _)| {
            let mut names = Vec::new();
            for (_, edge) in def.successors(id) {
                if let Condition::When(when) = &edge.condition {
                    names.extend(when.iter().cloned());
                }
            }
            names
        })
        .collect();
    let mut clean = log.clone();
    let mut last: Option<Command> = None;
    for (n, op) in ops.iter().enumerate() {
        let id = format!("c{n}");
        let step = |i: usize| steps[i % steps.len()];
        let command = match op {
            Op::Advance(hours) => {
                let until = now + TimeDelta::hours(i64::from(*hours));
                // A tick before the wakeup emits nothing.
                if let Some(wake) = instance.next_wakeup() {
                    if wake > now {
                        assert!(instance
                            .tick(&p, wake - TimeDelta::seconds(1))
                            .unwrap()
                            .is_empty());
                    }
                }
                let events = instance.tick(&p, until).unwrap();
                clean.extend(events.iter().cloned());
                log.extend(events);
                now = until;
                continue;
            }
            Op::Complete {
                step: i,
                actor,
                outcome,
            } => {
                let s = step(*i);
                let actor = s
                    .owners
                    .get(*actor)
                    .cloned()
                    .unwrap_or_else(|| ["PMO", "外人"][actor % 2].to_owned());
                let names = &when_names[*i % steps.len()];
                let outcomes = match &s.choice {
                    Some(choice) if !choice.outcomes.is_empty() => {
                        vec![choice.outcomes[outcome % choice.outcomes.len()].clone()]
                    }
                    // One index past the names: an unknown outcome, refused.
                    Some(_) => match names.get(outcome % (names.len() + 1)) {
                        Some(name) => vec![name.clone()],
                        None => vec!["其他".to_owned()],
                    },
                    None => vec![],
                };
                Command::Complete {
                    id,
                    step: s.key.clone(),
                    actor,
                    deliverables: s.deliverables.clone(),
                    outcomes,
                }
            }
            Op::SendBack { rework } => {
                let Some(r) = def.reworks().get(rework % def.reworks().len().max(1)) else {
                    continue;
                };
                let from = def.step(r.from);
                Command::SendBack {
                    id,
                    from: from.key.clone(),
                    to: def.step(r.to).key.clone(),
                    actor: from.owners[0].clone(),
                    reason: "退回".into(),
                }
            }
            Op::Pause { step: i } => {
                let s = step(*i);
                Command::Pause {
                    id,
                    step: s.key.clone(),
                    actor: s.owners[0].clone(),
                    reason: "等待".into(),
                }
            }
            Op::Resume { step: i } => {
                let s = step(*i);
                Command::Resume {
                    id,
                    step: s.key.clone(),
                    actor: s.owners[0].clone(),
                }
            }
            Op::Delegate { step: i } => {
                let s = step(*i);
                Command::Delegate {
                    id,
                    step: s.key.clone(),
                    actor: s.owners[0].clone(),
                    to: "代理人".into(),
                }
            }
            Op::Skip { step: i } => Command::Skip {
                id,
                step: step(*i).key.clone(),
                actor: "PMO".into(),
                reason: "跳过".into(),
                outcomes: vec![],
            },
            Op::Cancel => Command::Cancel {
                id,
                actor: "总经理".into(),
                reason: "取消".into(),
            },
            Op::RepeatLast => match &last {
                Some(command) => command.clone(),
                None => continue,
            },
        };
        let before = instance.clone();
        match instance.handle(&p, command.clone(), now) {
            Ok(events) => {
                if !matches!(op, Op::RepeatLast) {
                    clean.extend(events.iter().cloned());
                }
                log.extend(events);
                last = Some(command);
            }
            Err(_) => assert_eq!(instance, before, "a failed command changes nothing"),
        }
    }
    Outcome {
        instance,
        log,
        clean,
    }
}

fn kind(event: &Event) -> (Option<&str>, &'static str) {
    match &event.kind {
        EventKind::InstanceStarted { .. } => (None, "started"),
        EventKind::StepActivated { step, .. } => (Some(step), "activated"),
        EventKind::StepSigned { step, .. } => (Some(step), "active"),
        EventKind::WarningRaised { step, .. }
        | EventKind::DeadlineMissed { step, .. }
        | EventKind::Escalated { step, .. } => (step.as_deref(), "active"),
        EventKind::StepPaused { step, .. } => (Some(step), "active"),
        EventKind::StepResumed { step, .. } => (Some(step), "paused"),
        EventKind::StepReassigned { step, .. } => (Some(step), "open"),
        EventKind::StepCompleted { step, .. } => (Some(step), "active"),
        EventKind::StepSkipped { step, .. } => (Some(step), "skip"),
        EventKind::SentBack { from, .. } => (Some(from), "open"),
        EventKind::StepReset { step, .. } => (Some(step), "started"),
        EventKind::CalendarDataMissing { step, .. } | EventKind::DeadlineRevised { step, .. } => {
            (step.as_deref(), "open")
        }
        EventKind::InstanceCompleted { .. } | EventKind::InstanceCancelled { .. } => (None, "end"),
        other => panic!("a new event kind: add it to this model: {other:?}"),
    }
}

/// Replays the log against a status model and checks the per-event
/// properties; returns the model's status of each step.
fn check_log(def: &Definition, log: &[Event]) -> HashMap<String, &'static str> {
    let mut status: HashMap<String, &'static str> = def
        .steps()
        .map(|(_, s)| (s.key.clone(), "pending"))
        .collect();
    let mut epoch: HashMap<String, u32> = HashMap::new();
    let mut levels: HashSet<(Option<String>, u32, u32)> = HashSet::new();
    let mut ended = false;
    for event in log {
        assert!(!ended, "nothing after the end: {event:?}");
        let (step, need) = kind(event);
        if let Some(step) = step {
            let current = status[step];
            match need {
                "active" => assert_eq!(current, "active", "{event:?}"),
                "paused" => assert_eq!(current, "paused", "{event:?}"),
                "open" => assert!(matches!(current, "active" | "paused"), "{event:?}"),
                "activated" => assert_eq!(current, "pending", "{event:?}"),
                "started" => assert_ne!(current, "pending", "{event:?}"),
                "skip" => assert!(
                    matches!(current, "pending" | "active" | "paused"),
                    "{event:?}"
                ),
                _ => {}
            }
        }
        match &event.kind {
            EventKind::StepActivated {
                step, due, warn_at, ..
            } => {
                status.insert(step.clone(), "active");
                *epoch.entry(step.clone()).or_default() += 1;
                if let Some(due) = due {
                    assert!(*due >= event.at, "deadline before activation: {event:?}");
                    if let Some(warn) = warn_at {
                        assert!(event.at <= *warn && warn <= due, "{event:?}");
                    }
                }
            }
            EventKind::Escalated { step, level, .. } => {
                let e = step.as_ref().map_or(0, |s| epoch[s]);
                assert!(
                    levels.insert((step.clone(), *level, e)),
                    "level fired twice: {event:?}"
                );
            }
            EventKind::StepPaused { step, .. } => {
                status.insert(step.clone(), "paused");
            }
            EventKind::StepResumed { step, .. } => {
                status.insert(step.clone(), "active");
            }
            EventKind::StepCompleted { step, .. } => {
                status.insert(step.clone(), "done");
            }
            EventKind::StepSkipped { step, .. } => {
                status.insert(step.clone(), "skipped");
            }
            // The model learns of withdrawn steps from the events alone: the
            // target is activated by the next event, every other started step
            // downstream gets `step_reset`.
            EventKind::SentBack { to, .. } => {
                assert_eq!(status[to.as_str()], "done", "{event:?}");
                status.insert(to.clone(), "pending");
            }
            EventKind::StepReset { step, .. } => {
                status.insert(step.clone(), "pending");
            }
            EventKind::InstanceCompleted { .. } => {
                assert!(
                    status.values().all(|s| matches!(*s, "done" | "skipped")),
                    "{status:?}"
                );
                ended = true;
            }
            EventKind::InstanceCancelled { .. } => ended = true,
            _ => {}
        }
    }
    status
}

fn example() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("新产品上市"),
        Just("客户问题处理"),
        Just("市场营销活动")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn executor_properties(name in example(), ops in prop::collection::vec(op(), 0..60)) {
        let def = load(name);
        let a = run(&def, name, &ops);
        let b = run(&def, name, &ops);
        // Determinism.
        prop_assert_eq!(&a.log, &b.log);
        prop_assert_eq!(&a.instance, &b.instance);
        // Replay equals the live instance.
        prop_assert_eq!(&replay(&def, &a.log).unwrap(), &a.instance);
        // Serde round trip of the instance and of the events.
        let json = serde_json::to_string(&a.instance).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Instance>(&json).unwrap(), &a.instance);
        let events = serde_json::to_string(&a.log).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Vec<Event>>(&events).unwrap(), &a.log);
        let model = check_log(&def, &a.clean);
        prop_assert_eq!(&replay(&def, &a.clean).unwrap(), &a.instance);
        // A host that reads only the events knows every step's status.
        for (id, step) in def.steps() {
            let status = match a.instance.step_status(id) {
                Some(StepStatus::Pending) => "pending",
                Some(StepStatus::Active) => "active",
                Some(StepStatus::Paused) => "paused",
                Some(StepStatus::Done) => "done",
                Some(StepStatus::Skipped) => "skipped",
                other => panic!("unexpected status {other:?}"),
            };
            prop_assert_eq!(model[step.key.as_str()], status, "step {}", step.key);
        }
        // Completed iff every step is done or skipped (unless cancelled).
        let closed = def.steps().all(|(id, _)| {
            matches!(a.instance.step_status(id), Some(StepStatus::Done | StepStatus::Skipped))
        });
        match a.instance.lifecycle() {
            Lifecycle::Completed => prop_assert!(closed),
            Lifecycle::Running => prop_assert!(!closed),
            Lifecycle::Cancelled => {}
        }
        // Every stored deadline is at or after its activation.
        for (id, _) in def.steps() {
            if let (Some(at), Some(due)) = (a.instance.step_activated_at(id), a.instance.step_due(id)) {
                prop_assert!(due >= at);
            }
        }
    }

    #[test]
    fn completing_everything_in_order_finishes(name in example(), gap in 0u32..30) {
        let def = load(name);
        let mut ops = Vec::new();
        for _ in 0..3 {
            for step in 0..16 {
                for actor in 0..3 {
                    ops.push(Op::Complete { step, actor, outcome: 0 });
                }
                ops.push(Op::Advance(gap));
            }
        }
        let outcome = run(&def, name, &ops);
        prop_assert_eq!(outcome.instance.lifecycle(), Lifecycle::Completed);
        check_log(&def, &outcome.clean);
    }
}
