//! Executor semantics that users hit in production: the year-end cliff,
//! warnings on the business clock, sizes without silent caps, and the odd
//! but legal paths through choices, send-backs, delegations and deadlines.
//! Each test drives the public API as a host would, on a virtual clock.

use chrono::{DateTime, TimeDelta, Utc};
use sopflow::calendar::BusinessCalendar;
use sopflow::diagnostics::Code;
use sopflow::exec::{
    replay, Attributes, Command, Event, EventKind, ExecError, Instance, Prepared, StepStatus,
};
use sopflow::Definition;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

fn def(source: &str) -> Definition {
    sopflow::parse(source, "test.sop")
        .unwrap_or_else(|d| panic!("{}", d.render(&Default::default())))
}

/// An instance with its log, on a virtual clock.
struct Host<'d> {
    p: Prepared<'d>,
    instance: Instance,
    log: Vec<Event>,
    n: u32,
}

impl<'d> Host<'d> {
    fn start(def: &'d Definition, attrs: Attributes, at: &str) -> Self {
        let p = Prepared::new(def);
        let (instance, log) = Instance::start(&p, "I-1", attrs, t(at)).expect("starts");
        Host {
            p,
            instance,
            log,
            n: 0,
        }
    }

    fn id(&mut self) -> String {
        self.n += 1;
        format!("c{}", self.n)
    }

    fn try_do(&mut self, command: Command, at: &str) -> Result<Vec<Event>, ExecError> {
        let before = self.instance.clone();
        let result = self.instance.handle(&self.p, command, t(at));
        match &result {
            Ok(events) => self.log.extend(events.iter().cloned()),
            Err(_) => assert_eq!(self.instance, before, "a refused command changes nothing"),
        }
        result
    }

    fn complete(&mut self, step: &str, actor: &str, at: &str) -> Vec<Event> {
        let id = self.id();
        self.try_do(Command::complete(id, step, actor), at)
            .unwrap_or_else(|e| panic!("complete {step}: {e}"))
    }

    fn choose(
        &mut self,
        step: &str,
        actor: &str,
        outcomes: &[&str],
        at: &str,
    ) -> Result<Vec<Event>, ExecError> {
        let command = Command::Complete {
            id: self.id(),
            step: step.into(),
            actor: actor.into(),
            deliverables: vec![],
            outcomes: outcomes.iter().map(|o| o.to_string()).collect(),
        };
        self.try_do(command, at)
    }

    fn tick(&mut self, at: &str) -> Vec<Event> {
        let events = self.instance.tick(&self.p, t(at)).expect("ticks");
        self.log.extend(events.iter().cloned());
        events
    }

    fn status(&self, def: &Definition, step: &str) -> StepStatus {
        self.instance
            .step_status(def.find(step).expect("a step"))
            .expect("a status")
    }

    fn jsonl(&self) -> String {
        self.log
            .iter()
            .map(|e| serde_json::to_string(e).expect("serializes"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn check_replay(&self) {
        assert_eq!(replay(&self.p, &self.log).expect("replays"), self.instance);
    }
}

fn types(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            serde_json::to_value(e).expect("serializes")["type"]
                .as_str()
                .expect("a type")
                .to_owned()
        })
        .collect()
}

// ------------------------------------------------------------------ 1. the year-end cliff

const YEAR_END: &str = "process 上新 { calendar cn }\n市场部 → 研发部 within 3wd";

#[test]
fn a_successor_due_in_an_uncovered_year_activates_provisionally() {
    let def = def(YEAR_END);
    let mut host = Host::start(&def, Attributes::new(), "2026-12-28T10:00:00+08:00");
    let events = host.complete("市场部", "市场部", "2026-12-29T10:00:00+08:00");
    assert_eq!(
        types(&events),
        ["step_completed", "step_activated", "calendar_data_missing"]
    );
    // By the working week alone: Wed 12-30, Thu 12-31, Fri 2027-01-01.
    insta::assert_snapshot!(host.jsonl(), @r#"
    {"at":"2026-12-28T02:00:00Z","type":"instance_started","instance":"I-1","process":"上新","fingerprint":"b811ab9805cf0f03","attributes":{}}
    {"at":"2026-12-28T02:00:00Z","type":"step_activated","step":"市场部","owners":["市场部"]}
    {"at":"2026-12-29T02:00:00Z","command":"c1","type":"step_completed","step":"市场部","by":"市场部","late":false}
    {"at":"2026-12-29T02:00:00Z","command":"c1","type":"step_activated","step":"研发部","owners":["研发部"],"due":"2027-01-01T10:00:00Z","provisional":true}
    {"at":"2026-12-29T02:00:00Z","command":"c1","type":"calendar_data_missing","step":"研发部","calendar":"cn","year":2027}
    "#);
    // Timers fire on the provisional deadline as usual.
    let wake = host
        .instance
        .next_wakeup()
        .expect("a deadline is scheduled");
    assert_eq!(wake, t("2027-01-01T10:00:01Z"));
    assert_eq!(
        types(&host.tick("2027-01-02T00:00:00Z")),
        ["deadline_missed"]
    );
    host.check_replay();
}

#[test]
fn revising_provisional_deadlines_when_the_year_arrives() {
    let def = def(YEAR_END);
    let mut host = Host::start(&def, Attributes::new(), "2026-12-28T10:00:00+08:00");
    host.complete("市场部", "市场部", "2026-12-29T10:00:00+08:00");
    // The notice arrives: 2027-01-01 is off (a made-up year for the test).
    let with_2027 = BusinessCalendar::cn()
        .to_builder()
        .holiday_data("covers 2027\nholiday 2027-01-01 元旦\n")
        .expect("valid data")
        .build()
        .expect("a calendar");
    host.p = Prepared::new(&def)
        .with_calendar(with_2027)
        .expect("same calendar name");
    let events = host
        .instance
        .revise_deadlines(&host.p, t("2026-12-30T09:00:00+08:00"))
        .expect("revises");
    host.log.extend(events.iter().cloned());
    let json: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert_eq!(
        json,
        [
            r#"{"at":"2026-12-30T01:00:00Z","type":"deadline_revised","step":"研发部","previous_due":"2027-01-01T10:00:00Z","due":"2027-01-04T10:00:00Z"}"#
        ]
    );
    assert_eq!(host.instance.next_wakeup(), Some(t("2027-01-04T10:00:01Z")));
    // Nothing more to revise.
    assert!(host
        .instance
        .revise_deadlines(&host.p, t("2026-12-30T09:00:00+08:00"))
        .unwrap()
        .is_empty());
    host.check_replay();
}

#[test]
fn a_by_deadline_already_past_is_due_at_activation_whatever_the_years() {
    // The lower edge: 上市日 - 3wd counts back into 2023, which `cn` does not
    // cover, but 上市日 is long past: due at activation.
    let def = def("process 上新 { calendar cn }\n市场部:提交 → 研发部:评估 by 2024-01-02 → 财务部:核算 by 上市日 - 3wd");
    let attrs = Attributes::from_pairs([("上市日", "2024-01-03")]).unwrap();
    let mut host = Host::start(&def, attrs, "2026-03-02T09:00:00+08:00");
    host.complete("市场部:提交", "市场部", "2026-03-02T10:00:00+08:00");
    let events = host.complete("研发部:评估", "研发部", "2026-03-02T11:00:00+08:00");
    match &events[1].kind {
        EventKind::StepActivated { step, due, .. } => {
            assert_eq!(step, "财务部:核算");
            assert_eq!(*due, Some(t("2026-03-02T11:00:00+08:00")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_that_remain_name_the_step_and_the_deadline() {
    let def = def("市场部 → 研发部 within 36600d");
    let mut host = Host::start(&def, Attributes::new(), "9950-01-01T00:00:00Z");
    let err = host
        .try_do(
            Command::complete("c1", "市场部", "市场部"),
            "9950-01-01T00:00:00Z",
        )
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"cannot compute the deadline `within 36600d` of step `研发部`: an instant falls after the year 9999");
}

// ------------------------------------------------------------------ 2. warnings on the business clock

fn warn_at(source: &str, at: &str) -> DateTime<Utc> {
    let def = def(source);
    let (_, events) = Instance::start(&def, "w", Attributes::new(), t(at)).unwrap();
    match &events[1].kind {
        EventKind::StepActivated { warn_at, .. } => warn_at.expect("a warning"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn warn_hours_before_a_working_time_deadline_count_working_hours() {
    // Tue 10:30 + 16 working hours = Thu 10:30; 4 working hours before: Wed 15:30.
    let source = "process p { calendar cn }\nladder L { warn 4h before }\n市场部 within 16wh → 研发部\nstep 市场部 { ladder L }";
    assert_eq!(
        warn_at(source, "2026-03-10T10:30:00+08:00"),
        t("2026-03-11T15:30:00+08:00")
    );
    // Due Wed 18:00; 6 working hours before: 5 in the afternoon, 1 in the morning.
    let source = "process p { calendar cn }\nladder L { warn 6h before }\n市场部 within 2wd → 研发部\nstep 市场部 { ladder L }";
    assert_eq!(
        warn_at(source, "2026-03-09T09:00:00+08:00"),
        t("2026-03-11T11:00:00+08:00")
    );
    // `1d before` a working-day deadline: the close of the working day before.
    let source = "process p { calendar cn }\nladder L { warn 1d before }\n市场部 within 3wd → 研发部\nstep 市场部 { ladder L }";
    assert_eq!(
        warn_at(source, "2026-03-02T10:00:00+08:00"),
        t("2026-03-04T18:00:00+08:00")
    );
    // On an elapsed deadline, `4h before` stays elapsed time.
    let source = "ladder L { warn 4h before }\n市场部 within 2d → 研发部\nstep 市场部 { ladder L }";
    assert_eq!(
        warn_at(source, "2026-03-02T10:00:00+08:00"),
        t("2026-03-04T06:00:00+08:00")
    );
}

#[test]
fn the_process_warning_counts_working_hours_too() {
    let def = def("process p { calendar cn; within 16wh; warn 4h before }\n市场部 → 研发部");
    let (_, events) =
        Instance::start(&def, "w", Attributes::new(), t("2026-03-10T10:30:00+08:00")).unwrap();
    match &events[0].kind {
        EventKind::InstanceStarted { warn_at, .. } => {
            assert_eq!(*warn_at, Some(t("2026-03-11T15:30:00+08:00")));
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------ 3. no silent caps

#[test]
fn a_seventy_way_split_activates_every_branch() {
    let branches: Vec<String> = (0..70).map(|i| format!("部门{i}")).collect();
    let source = format!("市场部 → {{{}}} → 财务部", branches.join(", "));
    let def = def(&source);
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    let events = host.complete("市场部", "市场部", "2026-03-02T10:00:00+08:00");
    assert_eq!(events.len(), 71, "the completion and 70 activations");
    for b in &branches {
        host.complete(b, b, "2026-03-02T11:00:00+08:00");
    }
    assert_eq!(host.status(&def, "财务部"), StepStatus::Active);
    host.check_replay();
}

#[test]
fn owner_and_ladder_limits_are_checked_on_both_sides() {
    let owners = |n: usize| -> String {
        let names: Vec<String> = (0..n).map(|i| format!("部门{i}")).collect();
        format!("市场部 → {}:会签", names.join(" & "))
    };
    assert!(sopflow::parse(&owners(32), "a.sop").is_ok());
    let err = sopflow::parse(&owners(33), "a.sop").unwrap_err();
    assert_eq!(
        err.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::LimitExceeded]
    );
    assert!(err
        .iter()
        .next()
        .unwrap()
        .message
        .contains("33 owners, more than the limit of 32"));

    let ladder = |n: usize| -> String {
        let levels: Vec<String> = (1..=n).map(|i| format!("+{i}h notify owner")).collect();
        format!(
            "ladder L {{ {} }}\n市场部 within 1d → 研发部\nstep 市场部 {{ ladder L }}",
            levels.join("; ")
        )
    };
    let ok = def(&ladder(62));
    // All 62 levels fire.
    let mut host = Host::start(&ok, Attributes::new(), "2026-03-02T00:00:00Z");
    let fired = host.tick("2026-03-10T00:00:00Z");
    assert_eq!(
        types(&fired).iter().filter(|t| *t == "escalated").count(),
        62
    );
    let err = sopflow::parse(&ladder(63), "a.sop").unwrap_err();
    assert_eq!(
        err.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::LimitExceeded]
    );
    assert!(err
        .iter()
        .next()
        .unwrap()
        .message
        .contains("63 escalation levels, more than the limit of 62"));
}

#[test]
fn a_thirty_two_owner_countersign_needs_every_signature() {
    let names: Vec<String> = (0..32).map(|i| format!("部门{i}")).collect();
    let def = def(&format!("市场部 → {}:会签 → 财务部", names.join(" & ")));
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    host.complete("市场部", "市场部", "2026-03-02T10:00:00+08:00");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(
            host.status(&def, "部门0:会签"),
            StepStatus::Active,
            "after {i} signatures"
        );
        host.complete("部门0:会签", name, "2026-03-02T11:00:00+08:00");
    }
    assert_eq!(host.status(&def, "部门0:会签"), StepStatus::Done);
}

// ------------------------------------------------------------------ 4. wrong results

const REVIEW: &str = "role PMO
process 审核流程 { +2d notify PMO }
step 法务部:审核 { outcomes 通过 | 驳回 }
市场部:提交 → 法务部:审核
法务部:审核 → 市场部:发布 when 通过
法务部:审核 → 研发部:修改 when 驳回
市场部:发布 → 财务部:归档
研发部:修改 → 财务部:归档
财务部:归档 → 总经办:结案 within 1d";

#[test]
fn skipping_a_choice_must_decide_it() {
    let def = def(REVIEW);
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    host.complete("市场部:提交", "市场部", "2026-03-02T10:00:00+08:00");
    let skip = |id: &str, outcomes: &[&str]| Command::Skip {
        id: id.into(),
        step: "法务部:审核".into(),
        actor: "PMO".into(),
        reason: "法务外包".into(),
        outcomes: outcomes.iter().map(|o| o.to_string()).collect(),
    };
    let err = host
        .try_do(skip("s1", &[]), "2026-03-02T11:00:00+08:00")
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `法务部:审核`: skipping a choice without `otherwise` must choose its outcome: one of 通过, 驳回");
    let err = host
        .try_do(skip("s2", &["同意"]), "2026-03-02T11:00:00+08:00")
        .unwrap_err();
    assert!(matches!(err, ExecError::BadOutcome { .. }), "{err}");
    let events = host
        .try_do(skip("s3", &["通过"]), "2026-03-02T11:00:00+08:00")
        .unwrap();
    assert_eq!(
        types(&events),
        ["step_skipped", "step_activated", "step_skipped"]
    );
    assert_eq!(host.status(&def, "市场部:发布"), StepStatus::Active);
    assert_eq!(host.status(&def, "研发部:修改"), StepStatus::Skipped);
    host.complete("市场部:发布", "市场部", "2026-03-02T12:00:00+08:00");
    assert_eq!(host.status(&def, "财务部:归档"), StepStatus::Active);
    host.check_replay();
}

#[test]
fn skipping_a_choice_with_otherwise_takes_it() {
    let def = def("role PMO\nladder L { +1d notify PMO }\nprocess p { ladder L }\n市场部 → 法务部:审核\n法务部:审核 → 市场部:加急 when 加急\n法务部:审核 → 市场部:普通 otherwise");
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    host.complete("市场部", "市场部", "2026-03-02T10:00:00+08:00");
    let skip = Command::Skip {
        id: "s".into(),
        step: "法务部:审核".into(),
        actor: "PMO".into(),
        reason: "x".into(),
        outcomes: vec![],
    };
    host.try_do(skip, "2026-03-02T11:00:00+08:00").unwrap();
    assert_eq!(host.status(&def, "市场部:普通"), StepStatus::Active);
    assert_eq!(host.status(&def, "市场部:加急"), StepStatus::Skipped);
}

const PARALLEL: &str = "市场部:立项 → {研发部:开发, 销售部:调研} within 3d
{研发部:开发, 销售部:调研} → 财务部:核算
rework 研发部:开发 → 市场部:立项 max 2";

#[test]
fn a_send_back_reports_every_step_it_withdraws() {
    let def = def(PARALLEL);
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    host.complete("市场部:立项", "市场部", "2026-03-02T10:00:00+08:00");
    host.complete("销售部:调研", "销售部", "2026-03-02T11:00:00+08:00");
    let id = host.id();
    host.try_do(
        Command::Delegate {
            id,
            step: "研发部:开发".into(),
            actor: "研发部".into(),
            to: "张工".into(),
        },
        "2026-03-02T11:30:00+08:00",
    )
    .unwrap();
    let id = host.id();
    let events = host
        .try_do(
            Command::SendBack {
                id,
                from: "研发部:开发".into(),
                to: "市场部:立项".into(),
                actor: "张工".into(),
                reason: "预算不清".into(),
            },
            "2026-03-02T12:00:00+08:00",
        )
        .unwrap();
    let json: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    insta::assert_snapshot!(json.join("\n"), @r#"
    {"at":"2026-03-02T04:00:00Z","command":"c4","type":"sent_back","from":"研发部:开发","to":"市场部:立项","count":1,"by":"张工","reason":"预算不清"}
    {"at":"2026-03-02T04:00:00Z","command":"c4","type":"step_reset","step":"研发部:开发","was":"active"}
    {"at":"2026-03-02T04:00:00Z","command":"c4","type":"step_reset","step":"销售部:调研","was":"done"}
    {"at":"2026-03-02T04:00:00Z","command":"c4","type":"step_activated","step":"市场部:立项","owners":["市场部"]}
    "#);
    assert_eq!(host.status(&def, "销售部:调研"), StepStatus::Pending);
    // The delegation went with the reset: after re-activation, 张工 may not act.
    host.complete("市场部:立项", "市场部", "2026-03-02T13:00:00+08:00");
    let err = host
        .try_do(
            Command::complete("x", "研发部:开发", "张工"),
            "2026-03-02T13:00:00+08:00",
        )
        .unwrap_err();
    assert!(matches!(err, ExecError::NotAuthorized { .. }));
    host.check_replay();
}

#[test]
fn a_send_back_into_a_branch_never_taken_is_refused() {
    let def = def("法务部:审核 → 市场部:加急修改 when 加急
法务部:审核 → 市场部:普通修改 otherwise
市场部:加急修改 → 财务部:归档
市场部:普通修改 → 财务部:归档
rework 财务部:归档 → 市场部:加急修改 max 1");
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    // No `when` outcome: the `otherwise` branch runs.
    host.choose("法务部:审核", "法务部", &[], "2026-03-02T10:00:00+08:00")
        .unwrap();
    host.complete("市场部:普通修改", "市场部", "2026-03-02T11:00:00+08:00");
    let id = host.id();
    let err = host
        .try_do(
            Command::SendBack {
                id,
                from: "财务部:归档".into(),
                to: "市场部:加急修改".into(),
                actor: "财务部".into(),
                reason: "x".into(),
            },
            "2026-03-02T12:00:00+08:00",
        )
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `财务部:归档` cannot send work back to `市场部:加急修改`: `市场部:加急修改` did not run in this instance");
}

#[test]
fn outcomes_are_the_names_the_arrows_use() {
    let def = def(
        "法务部:审核 → 市场部:发布 when 通过 | 有条件通过\n法务部:审核 → 研发部:修改 otherwise",
    );
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    let err = host
        .choose(
            "法务部:审核",
            "法务部",
            &["同意"],
            "2026-03-02T10:00:00+08:00",
        )
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `法务部:审核`: unknown outcome `同意`; expected one of: 通过, 有条件通过");
    host.choose(
        "法务部:审核",
        "法务部",
        &["有条件通过"],
        "2026-03-02T10:00:00+08:00",
    )
    .unwrap();
    assert_eq!(host.status(&def, "市场部:发布"), StepStatus::Active);

    let multi = self::def("step 客服部:分类 { outcomes any 售后 | 投诉 }\n客服部:分类 → 技术部 when 售后\n客服部:分类 → 质量部 when 投诉");
    let mut host = Host::start(&multi, Attributes::new(), "2026-03-02T09:00:00+08:00");
    let err = host
        .choose(
            "客服部:分类",
            "客服部",
            &["售后", "售后"],
            "2026-03-02T10:00:00+08:00",
        )
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `客服部:分类`: outcome `售后` is chosen twice");
}

#[test]
fn countersign_delegations_coexist_and_cannot_go_to_a_co_owner() {
    let def = def("市场部 → 销售部 & 财务部:定价 → 总经办");
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    host.complete("市场部", "市场部", "2026-03-02T10:00:00+08:00");
    let delegate = |id: &str, actor: &str, to: &str| Command::Delegate {
        id: id.into(),
        step: "销售部:定价".into(),
        actor: actor.into(),
        to: to.into(),
    };
    let err = host
        .try_do(
            delegate("d0", "销售部", "财务部"),
            "2026-03-02T10:00:00+08:00",
        )
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"step `销售部:定价` cannot be delegated to `财务部`: they own the step already (a 会签 co-owner signs for themselves)");
    host.try_do(
        delegate("d1", "销售部", "小王"),
        "2026-03-02T10:00:00+08:00",
    )
    .unwrap();
    host.try_do(
        delegate("d2", "财务部", "小李"),
        "2026-03-02T10:00:00+08:00",
    )
    .unwrap();
    host.complete("销售部:定价", "小王", "2026-03-02T11:00:00+08:00");
    let events = host.complete("销售部:定价", "小李", "2026-03-02T11:00:00+08:00");
    assert_eq!(types(&events), ["step_completed", "step_activated"]);
    // One delegate for both owners signs for each in turn.
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    host.complete("市场部", "市场部", "2026-03-02T10:00:00+08:00");
    host.try_do(
        delegate("d1", "销售部", "助理"),
        "2026-03-02T10:00:00+08:00",
    )
    .unwrap();
    host.try_do(
        delegate("d2", "财务部", "助理"),
        "2026-03-02T10:00:00+08:00",
    )
    .unwrap();
    assert_eq!(
        types(&host.complete("销售部:定价", "助理", "2026-03-02T11:00:00+08:00")),
        ["step_signed"]
    );
    assert_eq!(
        types(&host.complete("销售部:定价", "助理", "2026-03-02T11:00:00+08:00")),
        ["step_completed", "step_activated"]
    );
    host.check_replay();
}

#[test]
fn empty_names_are_refused() {
    let def = def("市场部 → 研发部");
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    for (command, field) in [
        (Command::complete("c", "市场部", ""), "actor"),
        (Command::complete("c", "市场部", "  "), "actor"),
        (Command::complete("", "市场部", "市场部"), "id"),
        (
            Command::Delegate {
                id: "d".into(),
                step: "市场部".into(),
                actor: "市场部".into(),
                to: " ".into(),
            },
            "to",
        ),
    ] {
        let err = host
            .try_do(command, "2026-03-02T10:00:00+08:00")
            .unwrap_err();
        assert_eq!(err, ExecError::EmptyName { field });
    }
    assert!(Instance::start(&def, "", Attributes::new(), t("2026-03-02T09:00:00Z")).is_err());
}

#[test]
fn completing_exactly_at_the_due_instant_is_on_time() {
    let def =
        def("ladder L { +0 notify owner }\nprocess p { ladder L }\n市场部 within 2h → 研发部");
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    // A tick at the due instant fires nothing: the step is not late yet.
    assert!(host.tick("2026-03-02T11:00:00+08:00").is_empty());
    let events = host.complete("市场部", "市场部", "2026-03-02T11:00:00+08:00");
    assert!(matches!(
        events[0].kind,
        EventKind::StepCompleted { late: false, .. }
    ));
    // One second later is late, and the miss fires with `at` = the due instant.
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    let events = host.tick("2026-03-02T11:00:01+08:00");
    assert_eq!(types(&events), ["deadline_missed", "escalated"]);
    assert!(events
        .iter()
        .all(|e| e.at == t("2026-03-02T11:00:00+08:00")));
    let events = host.complete("市场部", "市场部", "2026-03-02T11:00:01+08:00");
    assert!(matches!(
        events[0].kind,
        EventKind::StepCompleted {
            late: true,
            late_by: Some(1),
            ..
        }
    ));
}

#[test]
fn priorities_follow_the_documented_rules() {
    let def = def("process p { calendar cn }\n客服部:登记 → 技术部:诊断 within P1 2h, P2 1wd\n技术部:诊断 → 客服部:回访 within P1 4h, P2 2wd, P3 3wd");
    // P3 is known (回访 names it): 诊断 has no P3 entry and no default, so no deadline there.
    let mut host = Host::start(
        &def,
        Attributes::new().with_priority("P3"),
        "2026-03-02T09:00:00+08:00",
    );
    let events = host.complete("客服部:登记", "客服部", "2026-03-02T10:00:00+08:00");
    assert!(matches!(
        &events[1].kind,
        EventKind::StepActivated { due: None, .. }
    ));
    let events = host.complete("技术部:诊断", "技术部", "2026-03-02T11:00:00+08:00");
    assert!(matches!(
        &events[1].kind,
        EventKind::StepActivated { due: Some(_), .. }
    ));
    // A priority no SLA names is a typo.
    let err = Instance::start(
        &def,
        "x",
        Attributes::new().with_priority("P9"),
        t("2026-03-02T01:00:00Z"),
    )
    .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"attribute `priority` has invalid value `P9`: the process knows the priorities P1, P2, P3");
    // Without a priority, a list without a default would silently drop the SLA.
    let err = Instance::start(&def, "x", Attributes::new(), t("2026-03-02T01:00:00Z")).unwrap_err();
    assert_eq!(err, ExecError::MissingAttribute("priority".into()));
    // With a default entry everywhere, no priority is needed.
    let with_default = self::def("process p { calendar cn }\n客服部 → 技术部 within P1 2h, 1wd");
    assert!(Instance::start(
        &with_default,
        "x",
        Attributes::new(),
        t("2026-03-02T01:00:00Z")
    )
    .is_ok());
}

#[test]
fn the_far_future_has_limits_that_say_what_they_are_and_cancel_always_works() {
    // A hundred-year deadline (the longest duration) is fine.
    let def = def("市场部 → 研发部 within 36600d");
    let mut host = Host::start(&def, Attributes::new(), "2026-03-02T09:00:00+08:00");
    let events = host.complete("市场部", "市场部", "2026-03-02T10:00:00+08:00");
    assert!(
        matches!(&events[1].kind, EventKind::StepActivated { due: Some(due), .. } if *due == t("2126-05-17T10:00:00+08:00"))
    );
    // Seventy years later, commands still work.
    host.complete("研发部", "研发部", "2096-03-02T10:00:00+08:00");
    // Cancel works even with a host clock past the year 9999.
    let mut host = Host::start(&def, Attributes::new(), "9999-12-01T00:00:00Z");
    let late = t("9999-12-31T23:59:59Z") + TimeDelta::days(400);
    let events = host
        .instance
        .handle(
            &host.p,
            Command::Cancel {
                id: "x".into(),
                actor: "总经理".into(),
                reason: "年代久远".into(),
            },
            late,
        )
        .unwrap();
    assert_eq!(events[0].at, t("9999-12-31T23:59:59Z"));
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(json.contains(r#""at":"9999-12-31T23:59:59Z""#), "{json}");
}
