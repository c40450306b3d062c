//! The runtime's behaviour, on SQLite and (with `SOPFLOW_TEST_POSTGRES_URL`)
//! on Postgres: deploy and versions, start, commands and their errors,
//! timers on a virtual clock, restarts, catch-up, the scheduler task, two
//! workers on one database. Time is always virtual.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use common::{example, minutes, small, t, SMALL};
use sopflow::exec::{replay, Attributes, Command, Event, EventKind, Instance, ManualClock};
use sopflow::load::{FsResolver, Loader};
use sopflow_runtime::{ListFilter, Runtime, SchedulerOptions, SopFiles, Status};

on_each_backend!(
    example_runs_like_the_executor,
    errors_change_nothing,
    versions,
    restart_loses_nothing,
    catch_up_after_downtime,
    scheduler_task,
    two_workers_fire_each_timer_once,
    listing,
    a_bad_row_fails_alone,
);

/// The `type` of an event, as in its JSON.
fn kind(event: &Event) -> String {
    serde_json::to_value(event).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Timer events as (type, step, level): each may appear once per instance.
fn timer_key(event: &Event) -> Option<(String, Option<String>, u32)> {
    match &event.kind {
        EventKind::WarningRaised { step, .. } => Some(("warning".into(), step.clone(), 0)),
        EventKind::DeadlineMissed { step, .. } => Some(("missed".into(), step.clone(), 0)),
        EventKind::Escalated { step, level, .. } => {
            Some(("escalated".into(), step.clone(), *level))
        }
        _ => None,
    }
}

fn complete(id: &str, step: &str, actor: &str) -> Command {
    Command::complete(id, step, actor)
}

/// The bundled 新产品上市 example, run through the runtime with timer rounds
/// at several virtual instants, gives the same event log as the executor
/// alone (and as README's `sopflow simulate` walk-through), and the outbox
/// holds one notification per recipient of each warning, miss and escalation.
async fn example_runs_like_the_executor(url: &str) {
    let runtime = Runtime::connect(url).await.unwrap();
    let files = example("新产品上市.sop");
    assert!(files.files.keys().any(|name| name.ends_with("org.sop")));
    let deployed = runtime
        .deploy(&files, t("2026-03-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (deployed.process.as_str(), deployed.version),
        ("新产品上市", 1)
    );

    let attributes = Attributes::from_pairs([("上市日", "2026-06-30")]).unwrap();
    let start = t("2026-03-02T09:00:00+08:00");
    let c1 = Command::Complete {
        id: "c1".into(),
        step: "市场部:提交需求".into(),
        actor: "市场部".into(),
        deliverables: vec!["《市场需求文档》".into()],
        outcomes: vec![],
    };
    let c2 = Command::Complete {
        id: "c2".into(),
        step: "研发部:评估".into(),
        actor: "研发部".into(),
        deliverables: ["《技术可行性报告》", "《产品原型图》", "《MVP功能清单》"]
            .map(String::from)
            .to_vec(),
        outcomes: vec![],
    };

    // The executor alone.
    let examples = std::path::Path::new(&files.main).parent().unwrap();
    let definition = Loader::new(FsResolver::new(examples).unwrap())
        .load(&files.main)
        .unwrap()
        .unwrap();
    let (mut alone, mut expected) =
        Instance::start(&definition, "NP-1", attributes.clone(), start).unwrap();
    expected.extend(
        alone
            .handle(&definition, c1.clone(), t("2026-03-03T10:00:00+08:00"))
            .unwrap(),
    );
    expected.extend(alone.tick(&definition, t("2026-03-10T01:00:00Z")).unwrap());
    expected.extend(
        alone
            .handle(&definition, c2.clone(), t("2026-03-10T10:00:00+08:00"))
            .unwrap(),
    );

    // The runtime, with timer rounds before, at and after each timer.
    let started = runtime
        .start("新产品上市", "NP-1", attributes, start)
        .await
        .unwrap();
    assert!(!started.repeated);
    runtime
        .handle("NP-1", c1, t("2026-03-03T10:00:00+08:00"))
        .await
        .unwrap();
    let mut fired = Vec::new();
    for now in [
        "2026-03-04T00:00:00Z",
        "2026-03-06T06:00:00Z",
        "2026-03-06T10:00:00Z",
        "2026-03-07T00:00:00Z",
        "2026-03-10T01:00:00Z",
    ] {
        let round = runtime.run_due(t(now), 10).await.unwrap();
        fired.extend(round.fired.into_iter().map(|f| kind(&f.event)));
    }
    assert_eq!(
        fired,
        [
            "warning_raised",
            "deadline_missed",
            "escalated",
            "escalated"
        ]
    );
    let answer = runtime
        .handle("NP-1", c2, t("2026-03-10T10:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!(
        answer.events.iter().map(kind).collect::<Vec<_>>(),
        ["step_completed", "step_activated"]
    );

    let log = runtime.events("NP-1").await.unwrap();
    assert_eq!(log, expected);
    let view = runtime.instance("NP-1").await.unwrap();
    assert_eq!(replay(&definition, &log).unwrap(), view.state);
    assert_eq!(view.summary.status, Status::Open);
    assert_eq!(view.summary.version, 1);
    let evaluation = view.steps.iter().find(|s| s.key == "研发部:评估").unwrap();
    assert_eq!(evaluation.due, Some(t("2026-03-06T10:00:00Z")));

    let notes = runtime.pending_notifications(100).await.unwrap();
    let notes: Vec<(String, Option<i64>, String)> = notes
        .into_iter()
        .map(|n| (n.kind, n.level, n.recipient))
        .collect();
    let owned = |k: &str, l: Option<i64>, r: &str| (k.to_owned(), l, r.to_owned());
    assert_eq!(
        notes,
        [
            owned("warning_raised", None, "研发部"),
            owned("deadline_missed", None, "研发部"),
            owned("escalated", Some(1), "研发部"),
            owned("escalated", Some(2), "王强"),
            owned("escalated", Some(2), "市场部"),
        ]
    );
}

/// Refused calls name their kind and change nothing; a retried command id or
/// start gets the first answer again.
async fn errors_change_nothing(url: &str) {
    let runtime = Runtime::connect(url).await.unwrap();
    let t0 = t("2026-03-02T01:00:00Z");
    runtime.deploy(&small(), t0).await.unwrap();
    let kind_of = |r: sopflow_runtime::Result<sopflow_runtime::Answer>| r.unwrap_err().kind();

    assert_eq!(
        kind_of(runtime.start("没有", "x", Attributes::new(), t0).await),
        "not_found"
    );
    assert_eq!(
        kind_of(runtime.start("测试", "", Attributes::new(), t0).await),
        "invalid"
    );
    let first = runtime
        .start("测试", "i1", Attributes::new(), t0)
        .await
        .unwrap();
    let again = runtime
        .start("测试", "i1", Attributes::new(), t0 + minutes(5))
        .await
        .unwrap();
    assert!(again.repeated);
    assert_eq!(again.events, first.events);
    let other = Attributes::new().with_priority("P1");
    assert_eq!(
        kind_of(runtime.start("测试", "i1", other, t0).await),
        "conflict"
    );

    let cases = [
        (
            "nobody",
            complete("c1", "市场部:提交", "市场部"),
            "not_found",
        ),
        (
            "i1",
            complete("c1", "市场部:提交", "财务部"),
            "not_authorized",
        ),
        ("i1", complete("c1", "法务部:审核", "法务部"), "invalid"),
        ("i1", complete("c1", "研发部:评估", "研发部"), "wrong_state"),
        ("i1", complete("", "市场部:提交", "市场部"), "invalid"),
    ];
    for (instance, command, expected) in cases {
        let error = runtime.handle(instance, command, t0).await.unwrap_err();
        assert_eq!(error.kind(), expected, "{error}");
    }
    assert_eq!(
        runtime.events("i1").await.unwrap().len(),
        first.events.len()
    );

    let done = runtime
        .handle("i1", complete("c1", "市场部:提交", "市场部"), t0)
        .await
        .unwrap();
    assert!(!done.repeated);
    let log = runtime.events("i1").await.unwrap().len();
    let retried = runtime
        .handle(
            "i1",
            complete("c1", "市场部:提交", "市场部"),
            t0 + minutes(1),
        )
        .await
        .unwrap();
    assert!(retried.repeated);
    assert_eq!(retried.events, done.events);
    assert_eq!(runtime.events("i1").await.unwrap().len(), log);
    let reused = runtime
        .handle("i1", complete("c1", "研发部:评估", "研发部"), t0)
        .await;
    assert_eq!(kind_of(reused), "conflict");

    let cancel = Command::Cancel {
        id: "c2".into(),
        actor: "PMO".into(),
        reason: "需求取消".into(),
    };
    runtime.handle("i1", cancel, t0).await.unwrap();
    let late = runtime
        .handle("i1", complete("c3", "研发部:评估", "研发部"), t0)
        .await;
    assert_eq!(kind_of(late), "wrong_state");
    let view = runtime.instance("i1").await.unwrap();
    assert_eq!(view.summary.status, Status::Cancelled);
    assert_eq!(view.summary.next_wakeup, None);

    let broken = SopFiles::new("坏.sop", "市场部 → → 研发部");
    let error = runtime.deploy(&broken, t0).await.unwrap_err();
    assert_eq!(error.kind(), "invalid_source");
    assert!(error.diagnostics().unwrap().has_errors());
    assert_eq!(runtime.versions().await.unwrap().len(), 1);
    assert_eq!(
        runtime.instance("nobody").await.unwrap_err().kind(),
        "not_found"
    );
    assert_eq!(
        runtime.events("nobody").await.unwrap_err().kind(),
        "not_found"
    );
}

/// A changed definition adds a version; the same one does not; running
/// instances keep their version, new ones take the newest.
async fn versions(url: &str) {
    let runtime = Runtime::connect(url).await.unwrap();
    let t0 = t("2026-03-02T01:00:00Z");
    let v1 = runtime.deploy(&small(), t0).await.unwrap();
    assert!(v1.created);
    assert_eq!(v1.version, 1);
    assert_eq!(v1.fingerprint.len(), 16);
    let same = runtime.deploy(&small(), t0 + minutes(1)).await.unwrap();
    assert_eq!((same.version, same.created), (1, false));
    runtime
        .start("测试", "old", Attributes::new(), t0)
        .await
        .unwrap();

    let changed = SopFiles::new("测试.sop", SMALL.replace("within 2h", "within 3h"));
    let v2 = runtime.deploy(&changed, t0 + minutes(2)).await.unwrap();
    assert_eq!((v2.version, v2.created), (2, true));
    assert_ne!(v2.fingerprint, v1.fingerprint);
    runtime
        .start("测试", "new", Attributes::new(), t0)
        .await
        .unwrap();
    assert_eq!(runtime.instance("old").await.unwrap().summary.version, 1);
    assert_eq!(runtime.instance("new").await.unwrap().summary.version, 2);

    // The old instance runs to its end on version 1, with version 1's deadline.
    runtime
        .handle("old", complete("a", "市场部:提交", "市场部"), t0)
        .await
        .unwrap();
    runtime
        .handle("new", complete("a", "市场部:提交", "市场部"), t0)
        .await
        .unwrap();
    let due = |view: sopflow_runtime::InstanceView| {
        view.steps
            .iter()
            .find(|s| s.key == "研发部:评估")
            .unwrap()
            .due
    };
    assert_eq!(
        due(runtime.instance("old").await.unwrap()),
        Some(t0 + minutes(120))
    );
    assert_eq!(
        due(runtime.instance("new").await.unwrap()),
        Some(t0 + minutes(180))
    );
    runtime
        .handle("old", complete("b", "研发部:评估", "研发部"), t0)
        .await
        .unwrap();
    runtime
        .handle("old", complete("c", "财务部:核算", "财务部"), t0)
        .await
        .unwrap();

    // Deploying version 1's text again is a change from version 2: version 3.
    let v3 = runtime.deploy(&small(), t0 + minutes(3)).await.unwrap();
    assert_eq!(
        (v3.version, v3.fingerprint.as_str()),
        (3, v1.fingerprint.as_str())
    );

    let versions = runtime.versions().await.unwrap();
    let counts: Vec<(i64, i64, i64)> = versions
        .iter()
        .map(|v| (v.version, v.open, v.completed))
        .collect();
    assert_eq!(counts, [(1, 0, 1), (2, 1, 0), (3, 0, 0)]);
    assert_eq!(versions[0].deployed_at, t0);
    assert_eq!(versions[0].origin, "测试.sop");
    assert_eq!(runtime.definition("测试", 2).await.unwrap().name(), "测试");
    assert_eq!(
        runtime.definition("测试", 9).await.unwrap_err().kind(),
        "not_found"
    );
}

/// Closing the runtime and connecting again (a restart) keeps every
/// instance, event and command id; work goes on where it stopped.
async fn restart_loses_nothing(url: &str) {
    let t0 = t("2026-03-02T01:00:00Z");
    let first_answer = {
        let runtime = Runtime::connect(url).await.unwrap();
        runtime.deploy(&small(), t0).await.unwrap();
        runtime
            .start("测试", "r1", Attributes::new(), t0)
            .await
            .unwrap();
        let answer = runtime
            .handle("r1", complete("a", "市场部:提交", "市场部"), t0)
            .await
            .unwrap();
        let round = runtime.run_due(t0 + minutes(61), 10).await.unwrap();
        assert_eq!(round.fired.len(), 1); // the warning
        runtime.close().await;
        answer
    };
    let runtime = Runtime::connect(url).await.unwrap();
    assert_eq!(runtime.deploy(&small(), t0).await.unwrap().version, 1);
    let retried = runtime
        .handle(
            "r1",
            complete("a", "市场部:提交", "市场部"),
            t0 + minutes(70),
        )
        .await
        .unwrap();
    assert!(retried.repeated);
    assert_eq!(retried.events, first_answer.events);
    // The warning does not fire again; the deadline does, once.
    assert!(runtime
        .run_due(t0 + minutes(62), 10)
        .await
        .unwrap()
        .fired
        .is_empty());
    let round = runtime.run_due(t0 + minutes(121), 10).await.unwrap();
    assert_eq!(
        round
            .fired
            .iter()
            .map(|f| kind(&f.event))
            .collect::<Vec<_>>(),
        ["deadline_missed", "escalated"]
    );
    runtime
        .handle(
            "r1",
            complete("b", "研发部:评估", "研发部"),
            t0 + minutes(130),
        )
        .await
        .unwrap();
    runtime.close().await;

    let runtime = Runtime::connect(url).await.unwrap();
    let log = runtime.events("r1").await.unwrap();
    let kinds: Vec<String> = log.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "step_activated",
            "step_completed",
            "step_activated",
            "warning_raised",
            "deadline_missed",
            "escalated",
            "step_completed",
            "step_activated",
        ]
    );
    let definition = runtime.definition("测试", 1).await.unwrap();
    assert_eq!(
        replay(&*definition, &log).unwrap(),
        runtime.instance("r1").await.unwrap().state
    );
}

/// After downtime, one catch-up fires everything that fell due, each event
/// with the instant it fell due, in order, exactly as the executor would.
async fn catch_up_after_downtime(url: &str) {
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    let definition = sopflow::parse(SMALL, "测试.sop").unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..5 {
        let id = format!("d{i}");
        let at = t0 + minutes(10 * i);
        runtime
            .start("测试", &id, Attributes::new(), at)
            .await
            .unwrap();
        runtime
            .handle(&id, complete("a", "市场部:提交", "市场部"), at)
            .await
            .unwrap();
        let (mut alone, _) =
            Instance::start(&definition, id.as_str(), Attributes::new(), at).unwrap();
        alone
            .handle(&definition, complete("a", "市场部:提交", "市场部"), at)
            .unwrap();
        expected.insert(id, alone.tick(&definition, t0 + minutes(600)).unwrap());
    }
    runtime.close().await;

    let runtime = Runtime::connect(url).await.unwrap();
    assert_eq!(runtime.next_wakeup().await.unwrap(), Some(t0 + minutes(60)));
    let round = runtime.catch_up(t0 + minutes(600), 2).await.unwrap();
    assert_eq!(round.claimed, 5);
    let mut fired: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for f in round.fired {
        fired.entry(f.instance).or_default().push(f.event);
    }
    assert_eq!(fired, expected);
    let d1 = &fired["d1"];
    let instants: Vec<_> = d1.iter().map(|e| e.at).collect();
    assert_eq!(
        instants,
        [70, 130, 130, 190, 250].map(|m| t0 + minutes(m)),
        "each event carries the instant it fell due"
    );
    assert_eq!(
        runtime
            .catch_up(t0 + minutes(600), 2)
            .await
            .unwrap()
            .claimed,
        0
    );
    assert_eq!(runtime.next_wakeup().await.unwrap(), None);
    assert_eq!(
        runtime.pending_notifications(1000).await.unwrap().len(),
        5 * 5
    );
}

/// The scheduler task fires what is due when it starts (catch-up), and on a
/// virtual clock whenever it is asked after the clock moved.
async fn scheduler_task(url: &str) {
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    runtime
        .start("测试", "s1", Attributes::new(), t0)
        .await
        .unwrap();
    runtime
        .handle("s1", complete("a", "市场部:提交", "市场部"), t0)
        .await
        .unwrap();

    let clock = Arc::new(ManualClock::new(t0 + minutes(150)));
    let scheduler = runtime.spawn_scheduler(clock.clone(), SchedulerOptions::default());
    // Whatever the first round (at spawn) fired, by now it has committed.
    scheduler.run_now().await.unwrap();
    let kinds: Vec<String> = runtime
        .events("s1")
        .await
        .unwrap()
        .iter()
        .map(kind)
        .collect();
    assert_eq!(
        &kinds[4..],
        ["warning_raised", "deadline_missed", "escalated"]
    );

    // The task may also run a round by itself whenever it wakes (a commit
    // wakes it), so look at the log, which holds what fired, whoever fired it.
    let kinds = || async {
        runtime
            .events("s1")
            .await
            .unwrap()
            .iter()
            .map(kind)
            .collect::<Vec<_>>()
    };
    clock.set(t0 + minutes(600));
    scheduler.run_now().await.unwrap();
    assert_eq!(&kinds().await[7..], ["escalated", "escalated"]);
    runtime
        .handle(
            "s1",
            complete("b", "研发部:评估", "研发部"),
            t0 + minutes(600),
        )
        .await
        .unwrap();
    scheduler.run_now().await.unwrap();
    assert_eq!(&kinds().await[9..], ["step_completed", "step_activated"]);
    clock.set(t0 + minutes(631));
    scheduler.run_now().await.unwrap();
    assert_eq!(&kinds().await[11..], ["warning_raised"]); // on 财务部:核算
    scheduler.shutdown().await;
}

/// Two runtimes on one database run timer rounds at the same time over many
/// due instances: each timer event fires once in total.
async fn two_workers_fire_each_timer_once(url: &str) {
    const INSTANCES: usize = 120;
    let t0 = t("2026-03-02T01:00:00Z");
    let a = Runtime::connect(url).await.unwrap();
    let b = Runtime::connect(url).await.unwrap();
    a.deploy(&small(), t0).await.unwrap();
    for i in 0..INSTANCES {
        let id = format!("w{i:03}");
        a.start("测试", &id, Attributes::new(), t0).await.unwrap();
        a.handle(&id, complete("a", "市场部:提交", "市场部"), t0)
            .await
            .unwrap();
    }
    let later = t0 + minutes(600);
    let (ra, rb) = tokio::join!(a.catch_up(later, 7), b.catch_up(later, 7));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(
        ra.claimed + rb.claimed,
        INSTANCES,
        "{} + {}",
        ra.claimed,
        rb.claimed
    );
    eprintln!("worker a claimed {}, worker b {}", ra.claimed, rb.claimed);
    let mut seen = HashSet::new();
    for f in ra.fired.iter().chain(&rb.fired) {
        let key = (f.instance.clone(), timer_key(&f.event).unwrap());
        assert!(seen.insert(key), "fired twice: {f:?}");
    }
    assert_eq!(seen.len(), INSTANCES * 5);
    for i in 0..INSTANCES {
        let log = a.events(&format!("w{i:03}")).await.unwrap();
        let timers: Vec<_> = log.iter().filter_map(timer_key).collect();
        assert_eq!(timers.len(), 5);
        assert_eq!(timers.iter().collect::<HashSet<_>>().len(), 5);
    }
}

/// Listing filters by process and status and pages by id.
async fn listing(url: &str) {
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    runtime
        .deploy(&example("市场营销活动.sop"), t0)
        .await
        .unwrap();
    for i in 0..5 {
        runtime
            .start("测试", &format!("l{i}"), Attributes::new(), t0)
            .await
            .unwrap();
    }
    let cancel = Command::Cancel {
        id: "x".into(),
        actor: "PMO".into(),
        reason: "测试".into(),
    };
    runtime.handle("l3", cancel, t0).await.unwrap();
    let ids = |list: Vec<sopflow_runtime::InstanceSummary>| {
        list.into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    let page = |after: Option<&str>| ListFilter {
        process: Some("测试".into()),
        after: after.map(String::from),
        limit: 2,
        ..ListFilter::default()
    };
    assert_eq!(ids(runtime.list(&page(None)).await.unwrap()), ["l0", "l1"]);
    assert_eq!(
        ids(runtime.list(&page(Some("l1"))).await.unwrap()),
        ["l2", "l3"]
    );
    assert_eq!(ids(runtime.list(&page(Some("l3"))).await.unwrap()), ["l4"]);
    let cancelled = ListFilter {
        status: Some(Status::Cancelled),
        ..ListFilter::default()
    };
    assert_eq!(ids(runtime.list(&cancelled).await.unwrap()), ["l3"]);
    let other = ListFilter {
        process: Some("市场营销活动".into()),
        ..ListFilter::default()
    };
    assert!(runtime.list(&other).await.unwrap().is_empty());
    assert_eq!(runtime.list(&ListFilter::default()).await.unwrap().len(), 5);
}

/// An instance whose stored state cannot be loaded fails alone in a timer
/// round: the others fire, and it leaves the due set with its error shown.
async fn a_bad_row_fails_alone(url: &str) {
    use sqlx::Executor;
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    for id in ["p1", "p2"] {
        runtime
            .start("测试", id, Attributes::new(), t0)
            .await
            .unwrap();
        runtime
            .handle(id, complete("a", "市场部:提交", "市场部"), t0)
            .await
            .unwrap();
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    pool.execute("UPDATE instances SET state = '{}' WHERE id = 'p1'")
        .await
        .unwrap();
    let round = runtime.run_due(t0 + minutes(600), 10).await.unwrap();
    assert_eq!(round.claimed, 2);
    assert_eq!(round.failed.len(), 1);
    assert_eq!(round.failed[0].0, "p1");
    assert!(round.fired.iter().all(|f| f.instance == "p2"));
    assert_eq!(round.fired.len(), 5);
    let p1 = runtime
        .list(&ListFilter::default())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(p1.id, "p1");
    assert!(p1.error.unwrap().contains("stored data cannot be loaded"));
    assert_eq!(p1.next_wakeup, None);
    assert_eq!(
        runtime
            .run_due(t0 + minutes(600), 10)
            .await
            .unwrap()
            .claimed,
        0
    );
}
