//! Executor scenarios on the example SOPs: a virtual clock jumps from
//! `next_wakeup()` to `next_wakeup()` (no sleeps, no wall clock), and each
//! scenario's event stream is snapshotted as JSON lines.

use chrono::{DateTime, TimeDelta, Utc};
use sopflow::exec::{replay, Attributes, Command, Event, ExecError, Instance, Prepared};
use sopflow::Definition;

fn load(name: &str) -> Definition {
    let checked =
        sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
            .check(&format!("examples/{name}.sop"))
            .expect("the example exists");
    checked.definition.expect("the example checks clean")
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// One instance on a virtual clock, with its event log.
struct Run<'d> {
    def: &'d Definition,
    p: Prepared<'d>,
    instance: Instance,
    log: Vec<Event>,
    now: DateTime<Utc>,
    n: u32,
}

impl<'d> Run<'d> {
    fn start(def: &'d Definition, attrs: Attributes, at: &str) -> Self {
        let p = Prepared::new(def);
        let now = t(at);
        let (instance, log) = Instance::start(&p, "NP-1", attrs, now).expect("starts");
        Run {
            def,
            p,
            instance,
            log,
            now,
            n: 0,
        }
    }

    fn next_id(&mut self) -> String {
        self.n += 1;
        format!("c{}", self.n)
    }

    fn try_cmd(&mut self, command: Command) -> Result<Vec<Event>, ExecError> {
        let events = self.instance.handle(&self.p, command, self.now)?;
        self.log.extend(events.iter().cloned());
        Ok(events)
    }

    fn deliverables(&self, step: &str) -> Vec<String> {
        let id = self
            .def
            .find(step)
            .unwrap_or_else(|| panic!("no step {step}"));
        self.def.step(id).deliverables.clone()
    }

    fn complete_with(&mut self, step: &str, actor: &str, outcomes: &[&str]) -> Vec<Event> {
        let command = Command::Complete {
            id: self.next_id(),
            step: step.into(),
            actor: actor.into(),
            deliverables: self.deliverables(step),
            outcomes: outcomes.iter().map(|o| o.to_string()).collect(),
        };
        self.try_cmd(command)
            .unwrap_or_else(|e| panic!("complete {step} by {actor}: {e}"))
    }

    fn complete(&mut self, step: &str, actor: &str) -> Vec<Event> {
        self.complete_with(step, actor, &[])
    }

    /// Moves the clock forward by `d`, ticking at every wakeup on the way.
    fn advance(&mut self, d: TimeDelta) {
        let until = self.now + d;
        while let Some(wake) = self.instance.next_wakeup().filter(|&w| w <= until) {
            self.now = self.now.max(wake);
            let events = self
                .instance
                .tick(&self.p, self.now)
                .expect("same definition");
            assert!(!events.is_empty(), "a wakeup emits something");
            self.log.extend(events);
        }
        self.now = until;
        let events = self
            .instance
            .tick(&self.p, self.now)
            .expect("same definition");
        assert!(events.is_empty(), "everything due was already emitted");
    }

    /// Jumps to the next wakeup and ticks once.
    fn wake(&mut self) -> Vec<Event> {
        let wake = self.instance.next_wakeup().expect("something is scheduled");
        self.now = self.now.max(wake);
        let events = self
            .instance
            .tick(&self.p, self.now)
            .expect("same definition");
        self.log.extend(events.iter().cloned());
        events
    }

    fn jsonl(&self) -> String {
        let rebuilt = replay(&self.p, &self.log).expect("the log replays");
        assert_eq!(rebuilt, self.instance, "replay equals the live instance");
        let json = serde_json::to_string(&self.instance).expect("serializes");
        let back: Instance = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, self.instance, "serde round trip");
        let mut out = String::new();
        for event in &self.log {
            let line = serde_json::to_string(event).expect("serializes");
            let back: Event = serde_json::from_str(&line).expect("deserializes");
            assert_eq!(&back, event, "event serde round trip");
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

fn launch_attrs() -> Attributes {
    Attributes::from_pairs([("上市日", "2026-09-30")]).unwrap()
}

const LAUNCH_START: &str = "2026-03-02T09:00:00+08:00";

/// Completes the 新产品上市 main line from 供应链部 on, one hour apart.
fn finish_launch(run: &mut Run<'_>) {
    for (step, actors) in [
        ("供应链部:确认物料", &["供应链部"][..]),
        ("生产部:制定排产计划", &["生产部"]),
        ("质量部:小批量试产", &["质量部", "生产部", "销售部"]),
        ("销售部:制定推广方案", &["销售部", "市场部"]),
        ("财务部:核算成本", &["财务部"]),
    ] {
        for actor in actors {
            run.advance(TimeDelta::hours(1));
            run.complete(step, actor);
        }
    }
}

#[test]
fn launch_all_on_time() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    run.advance(TimeDelta::hours(2));
    run.complete("市场部:提交需求", "市场部");
    run.advance(TimeDelta::hours(3));
    run.complete("研发部:评估", "研发部");
    finish_launch(&mut run);
    assert_eq!(
        run.instance.lifecycle(),
        sopflow::exec::Lifecycle::Completed
    );
    assert_eq!(run.instance.next_wakeup(), None);
    insta::assert_snapshot!(run.jsonl());
}

#[test]
fn launch_late_with_warning_and_two_escalations() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    run.advance(TimeDelta::hours(1));
    run.complete("市场部:提交需求", "市场部");
    // 研发部 sits on the evaluation: warning, deadline, level 1 (+0), level 2 (+2d).
    let mut kinds = Vec::new();
    for _ in 0..3 {
        for event in run.wake() {
            kinds.push(
                serde_json::to_value(&event).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(
        kinds,
        [
            "warning_raised",
            "deadline_missed",
            "escalated",
            "escalated"
        ]
    );
    run.advance(TimeDelta::hours(2));
    let events = run.complete("研发部:评估", "研发部");
    assert!(serde_json::to_string(&events[0])
        .unwrap()
        .contains(r#""late":true"#));
    finish_launch(&mut run);
    insta::assert_snapshot!(run.jsonl());
}

#[test]
fn launch_paused_and_resumed() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    run.advance(TimeDelta::hours(1));
    run.complete("市场部:提交需求", "市场部");
    let step = def.find("研发部:评估").unwrap();
    let due_before = run.instance.step_due(step).unwrap();
    run.advance(TimeDelta::hours(24));
    let id = run.next_id();
    run.try_cmd(Command::Pause {
        id,
        step: "研发部:评估".into(),
        actor: "研发部".into(),
        reason: "等待市场部补充用户画像".into(),
    })
    .unwrap();
    // Paused: the step's timers are off; only the process warning remains.
    assert!(run.instance.next_wakeup() > Some(due_before + TimeDelta::days(30)));
    run.advance(TimeDelta::days(7));
    let id = run.next_id();
    run.try_cmd(Command::Resume {
        id,
        step: "研发部:评估".into(),
        actor: "研发部".into(),
    })
    .unwrap();
    let due_after = run.instance.step_due(step).unwrap();
    // A week of pause is five working days (45 working hours) on the cn calendar.
    assert!(
        due_after > due_before + TimeDelta::days(6),
        "{due_before} → {due_after}"
    );
    // Completing after the old deadline is on time against the moved one.
    run.advance(TimeDelta::days(2));
    let events = run.complete("研发部:评估", "研发部");
    assert!(serde_json::to_string(&events[0])
        .unwrap()
        .contains(r#""late":false"#));
    finish_launch(&mut run);
    insta::assert_snapshot!(run.jsonl());
}

#[test]
fn launch_sent_back_twice_then_refused() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    for round in 0..2 {
        run.advance(TimeDelta::hours(1));
        run.complete("市场部:提交需求", "市场部");
        run.advance(TimeDelta::hours(1));
        let id = run.next_id();
        let events = run
            .try_cmd(Command::SendBack {
                id,
                from: "研发部:评估".into(),
                to: "市场部:提交需求".into(),
                actor: "研发部".into(),
                reason: format!("需求不清楚（第{}次）", round + 1),
            })
            .unwrap();
        let kinds: Vec<_> = events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap()["type"].clone())
            .collect();
        assert_eq!(
            kinds,
            ["sent_back", "step_reset", "step_activated"],
            "the sender is withdrawn, the target activated again"
        );
    }
    run.advance(TimeDelta::hours(1));
    run.complete("市场部:提交需求", "市场部");
    let before = run.instance.clone();
    let id = run.next_id();
    let err = run
        .try_cmd(Command::SendBack {
            id,
            from: "研发部:评估".into(),
            to: "市场部:提交需求".into(),
            actor: "研发部".into(),
            reason: "第三次".into(),
        })
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `研发部:评估` has already sent work back to `市场部:提交需求` 2 times (the maximum)");
    assert_eq!(run.instance, before, "a refused command changes nothing");
    run.complete("研发部:评估", "研发部");
    finish_launch(&mut run);
    insta::assert_snapshot!("launch_sent_back_twice_then_refused", run.jsonl());
}

#[test]
fn launch_reassigned_by_escalation() {
    // 供应链部 uses the 紧急 ladder: `+4h notify superior, reassign PMO`.
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    run.advance(TimeDelta::hours(1));
    run.complete("市场部:提交需求", "市场部");
    run.complete("研发部:评估", "研发部");
    let err = run
        .try_cmd(Command::complete("x", "供应链部:确认物料", "PMO"))
        .unwrap_err();
    assert!(matches!(err, ExecError::NotAuthorized { .. }));
    while !run
        .wake()
        .iter()
        .any(|e| serde_json::to_string(e).unwrap().contains("reassigned_to"))
    {}
    run.advance(TimeDelta::hours(1));
    run.complete("供应链部:确认物料", "PMO");
    insta::assert_snapshot!(run.jsonl());
}

#[test]
fn support_choice_skips_untaken_branches_and_merge_completes() {
    let def = load("客户问题处理");
    let attrs = Attributes::new().with_priority("P2");
    let mut run = Run::start(&def, attrs, "2026-03-03T10:00:00+08:00");
    run.advance(TimeDelta::minutes(10));
    run.complete("客服部:登记工单", "客服部");
    run.advance(TimeDelta::hours(2));
    let err = run
        .try_cmd(Command::complete("bad", "技术部:诊断", "技术部"))
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `技术部:诊断`: a choice needs an outcome: one of 设计缺陷, 功能缺失, 使用问题, 操作失误, 硬件故障");
    run.complete_with("技术部:诊断", "技术部", &["使用问题"]);
    run.advance(TimeDelta::hours(1));
    run.complete("客服部:远程指导", "客服部");
    run.advance(TimeDelta::hours(1));
    // 或签: either 客服部 or 销售部 completes the visit.
    run.complete("客服部:回访客户", "销售部");
    assert_eq!(
        run.instance.lifecycle(),
        sopflow::exec::Lifecycle::Completed
    );
    insta::assert_snapshot!(
        "support_choice_skips_untaken_branches_and_merge_completes",
        run.jsonl()
    );
}

#[test]
fn campaign_multi_choice_and_countersigned_join() {
    let def = load("市场营销活动");
    let mut run = Run::start(&def, Attributes::new(), "2026-09-01T10:00:00+08:00");
    run.advance(TimeDelta::days(3));
    run.complete("市场部:活动策划", "市场部");
    run.advance(TimeDelta::days(1));
    run.complete("财务部:审核预算", "财务部");
    for (step, actor) in [
        ("销售部:客户邀约", "销售部"),
        ("客服部:开通咨询通道", "客服部"),
        ("市场部:广告投放", "市场部"),
    ] {
        run.advance(TimeDelta::days(1));
        run.complete(step, actor);
    }
    run.advance(TimeDelta::days(1));
    run.complete("市场部:活动上线", "市场部");
    run.advance(TimeDelta::days(5));
    run.complete_with("客服部:汇总活动咨询", "客服部", &["售后问题", "购买意向"]);
    run.advance(TimeDelta::hours(5));
    run.complete("客服部:处理售后工单", "客服部");
    run.complete("销售部:跟进意向客户", "销售部");
    run.advance(TimeDelta::days(3));
    run.complete("财务部:监控费用", "财务部");
    // 会签: both owners sign; the same owner twice is refused.
    run.complete("财务部:核算活动ROI", "市场部");
    let err = run
        .try_cmd(Command::complete("again", "财务部:核算活动ROI", "市场部"))
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"`市场部` has already signed step `财务部:核算活动ROI`");
    run.complete("财务部:核算活动ROI", "财务部");
    assert_eq!(
        run.instance.lifecycle(),
        sopflow::exec::Lifecycle::Completed
    );
    insta::assert_snapshot!("campaign_multi_choice_and_countersigned_join", run.jsonl());
}

#[test]
fn campaign_cancelled() {
    let def = load("市场营销活动");
    let mut run = Run::start(&def, Attributes::new(), "2026-09-01T10:00:00+08:00");
    run.advance(TimeDelta::days(1));
    run.complete("市场部:活动策划", "市场部");
    run.advance(TimeDelta::days(1));
    let id = run.next_id();
    run.try_cmd(Command::Cancel {
        id,
        actor: "总经理".into(),
        reason: "战略调整，取消本次大促".into(),
    })
    .unwrap();
    assert_eq!(run.instance.next_wakeup(), None);
    let err = run
        .try_cmd(Command::complete("late", "财务部:审核预算", "财务部"))
        .unwrap_err();
    assert_eq!(err, ExecError::Finished("cancelled"));
    run.advance(TimeDelta::days(30));
    insta::assert_snapshot!(run.jsonl());
}

#[test]
fn skip_by_escalation_target_and_delegation() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    run.complete("市场部:提交需求", "市场部");
    let id = run.next_id();
    let err = run
        .try_cmd(Command::Skip {
            id,
            step: "研发部:评估".into(),
            actor: "研发部".into(),
            reason: "x".into(),
            outcomes: vec![],
        })
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"`研发部` may not act on step `研发部:评估`; allowed: 王强, 市场部, PMO");
    let id = run.next_id();
    run.try_cmd(Command::Skip {
        id,
        step: "研发部:评估".into(),
        actor: "PMO".into(),
        reason: "沿用上一代产品的评估".into(),
        outcomes: vec![],
    })
    .unwrap();
    let id = run.next_id();
    run.try_cmd(Command::Delegate {
        id,
        step: "供应链部:确认物料".into(),
        actor: "供应链部".into(),
        to: "采购组".into(),
    })
    .unwrap();
    run.complete("供应链部:确认物料", "采购组");
    insta::assert_snapshot!("skip_by_escalation_target_and_delegation", run.jsonl());
}

#[test]
fn not_authorized_changes_nothing() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    let before = run.instance.clone();
    let err = run
        .try_cmd(Command::complete("c1", "市场部:提交需求", "研发部"))
        .unwrap_err();
    assert_eq!(
        err,
        ExecError::NotAuthorized {
            step: "市场部:提交需求".into(),
            actor: "研发部".into(),
            allowed: vec!["市场部".into()]
        }
    );
    insta::assert_snapshot!(err.to_string(), @"`研发部` may not act on step `市场部:提交需求`; allowed: 市场部");
    assert_eq!(run.instance, before);
    // The failed id is not remembered: the corrected retry runs.
    run.complete("市场部:提交需求", "市场部");
    let err = run
        .try_cmd(Command::complete("c9", "研发部:评估", "研发部"))
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `研发部:评估` is missing deliverables: 《技术可行性报告》, 《产品原型图》, 《MVP功能清单》");
}

#[test]
fn duplicate_command_id_is_answered_once() {
    let def = load("新产品上市");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    let command = Command::Complete {
        id: "same".into(),
        step: "市场部:提交需求".into(),
        actor: "市场部".into(),
        deliverables: run.deliverables("市场部:提交需求"),
        outcomes: vec![],
    };
    let first = run.try_cmd(command.clone()).unwrap();
    let after_first = run.instance.clone();
    run.now += TimeDelta::hours(1);
    let second = run.try_cmd(command.clone()).unwrap();
    assert_eq!(first, second);
    assert_eq!(run.instance, after_first);
    // The host appended the repeated answer too: replay ignores it.
    assert_eq!(replay(&def, &run.log).unwrap(), run.instance);
    // After newer commands, the id is still in the retry window: refused
    // as handled, with nothing changed (its events are in the history).
    run.complete("研发部:评估", "研发部");
    run.complete("供应链部:确认物料", "供应链部");
    let before = run.instance.clone();
    assert_eq!(
        run.try_cmd(command).unwrap_err(),
        ExecError::AlreadyHandled { id: "same".into() }
    );
    assert_eq!(run.instance, before);
    assert_eq!(replay(&def, &run.log).unwrap(), run.instance);
}

#[test]
fn missing_attributes_are_refused_at_start() {
    let def = load("新产品上市");
    let err = Instance::start(&def, "x", Attributes::new(), t(LAUNCH_START)).unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"missing attribute `上市日`");
    let support = load("客户问题处理");
    let err = Instance::start(&support, "x", Attributes::new(), t(LAUNCH_START)).unwrap_err();
    assert_eq!(err, ExecError::MissingAttribute("priority".into()));
    let err = Instance::start(
        &support,
        "x",
        Attributes::new().with_priority("P9"),
        t(LAUNCH_START),
    )
    .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"attribute `priority` has invalid value `P9`: the process knows the priorities P1, P2, P3");
}

#[test]
fn beyond_the_calendar_horizon_starts_provisionally() {
    let def = load("新产品上市");
    let (instance, events) =
        Instance::start(&def, "x", launch_attrs(), t("2026-12-30T10:00:00+08:00")).unwrap();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::to_value(e).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "calendar_data_missing",
            "step_activated",
            "calendar_data_missing"
        ]
    );
    assert!(instance.next_wakeup().is_some());
}

#[test]
fn definition_mismatch_is_refused() {
    let def = load("新产品上市");
    let other = load("市场营销活动");
    let mut run = Run::start(&def, launch_attrs(), LAUNCH_START);
    let before = run.instance.clone();
    let err = run
        .instance
        .handle(
            &other,
            Command::complete("c1", "市场部:提交需求", "市场部"),
            run.now,
        )
        .unwrap_err();
    assert!(matches!(err, ExecError::DefinitionMismatch { .. }), "{err}");
    assert_eq!(run.instance, before);
    assert!(matches!(
        replay(&other, &run.log),
        Err(ExecError::DefinitionMismatch { .. })
    ));
    assert!(run.instance.verify(&other).is_err());
    // A due tick against the wrong definition is refused too.
    let wake = run.instance.next_wakeup().unwrap();
    assert!(run.instance.tick(&other, wake).is_err());
    assert_eq!(run.instance, before);
}

#[test]
fn ticks_are_idempotent_and_order_independent() {
    let def = load("新产品上市");
    let mut a = Run::start(&def, launch_attrs(), LAUNCH_START);
    a.complete("市场部:提交需求", "市场部");
    let mut b = Run {
        def: &def,
        p: Prepared::new(&def),
        instance: a.instance.clone(),
        log: a.log.clone(),
        now: a.now,
        n: a.n,
    };
    // a: one big jump; b: many small, repeated and backwards ticks.
    let end = a.now + TimeDelta::days(20);
    let events_a = a.instance.tick(&a.p, end).unwrap();
    let mut events_b = Vec::new();
    let mut now = b.now;
    while now < end {
        now += TimeDelta::hours(7);
        let now = now.min(end);
        events_b.extend(b.instance.tick(&b.p, now).unwrap());
        events_b.extend(b.instance.tick(&b.p, now).unwrap());
        events_b.extend(b.instance.tick(&b.p, now - TimeDelta::days(3)).unwrap());
    }
    assert_eq!(events_a, events_b);
    assert_eq!(a.instance, b.instance);
    assert_eq!(
        events_a.len(),
        5,
        "warning, missed and three levels of 研发部:评估"
    );
}

/// `by 上市日 - 8wh` counts working hours back from the close of business of the date.
#[test]
fn by_a_date_minus_working_hours() {
    let def = sopflow::parse(
        "process 上新 { calendar cn }\n市场部:准备 → 销售部:发布 by 上市日 - 8wh\n",
        "上新.sop",
    )
    .unwrap();
    let now: chrono::DateTime<chrono::Utc> = "2026-09-21T09:00:00+08:00".parse().unwrap();
    let attrs = sopflow::exec::Attributes::new().with_date(
        "上市日",
        chrono::NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
    );
    let (mut instance, _) = sopflow::exec::Instance::start(&def, "i", attrs, now).unwrap();
    instance
        .handle(
            &def,
            sopflow::exec::Command::complete("c", "市场部:准备", "市场部"),
            now,
        )
        .unwrap();
    // 10-08 closes at 18:00; 8 working hours back is 10-08 09:00 (国庆 10-01..07 is off).
    let step = def.find("销售部:发布").unwrap();
    let expected: chrono::DateTime<chrono::Utc> = "2026-10-08T09:00:00+08:00".parse().unwrap();
    assert_eq!(instance.step_due(step), Some(expected));
}
