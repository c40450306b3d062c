//! Saved state that can be trusted: a damaged or hand-edited `Instance`
//! JSON is refused with `ExecError::CorruptState` (or `Replay` for a
//! history), never a panic, whatever commands and ticks follow.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use serde_json::Value;
use sopflow::exec::{replay, Attributes, Command, Event, ExecError, Instance, Prepared};
use sopflow::Definition;

fn load(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example exists")
        .definition
        .expect("the example checks clean")
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

fn attrs() -> Attributes {
    Attributes::from_pairs([("上市日", "2026-09-30")]).expect("valid attributes")
}

/// A 新产品上市 instance after the first two steps and a send-back, with its events.
fn launch(def: &Definition) -> (Instance, Vec<Event>) {
    let now = t("2026-03-02T01:00:00Z");
    let (mut instance, mut log) = Instance::start(def, "NP-1", attrs(), now).expect("starts");
    let complete = |instance: &mut Instance, id: &str, step: &str, by: &str| {
        let deliverables: Vec<String> = def
            .steps()
            .find(|(_, s)| s.key == step)
            .expect("a step of the example")
            .1
            .deliverables
            .clone();
        instance
            .handle(
                def,
                Command::Complete {
                    id: id.into(),
                    step: step.into(),
                    actor: by.into(),
                    outcomes: vec![],
                    deliverables,
                },
                now,
            )
            .expect("completes")
    };
    log.extend(complete(&mut instance, "c1", "市场部:提交需求", "市场部"));
    log.extend(
        instance
            .handle(def, pause("p1", "研发部:评估"), now)
            .expect("pauses"),
    );
    (instance, log)
}

fn tampered(instance: &Instance, edit: impl FnOnce(&mut Value)) -> Result<Instance, String> {
    let mut value = serde_json::to_value(instance).expect("serializes");
    edit(&mut value);
    serde_json::from_value::<Instance>(value).map_err(|e| e.to_string())
}

/// An edit of a saved instance's JSON.
type Tamper = dyn Fn(&mut Value);

fn is_corrupt(result: Result<Vec<Event>, ExecError>) -> bool {
    matches!(result, Err(ExecError::CorruptState(_)))
}

fn pause(id: &str, step: &str) -> Command {
    Command::Pause {
        id: id.into(),
        step: step.into(),
        actor: "研发部".into(),
        reason: String::new(),
    }
}

fn resume(id: &str, step: &str) -> Command {
    Command::Resume {
        id: id.into(),
        step: step.into(),
        actor: "研发部".into(),
    }
}

fn send_back(id: &str) -> Command {
    Command::SendBack {
        id: id.into(),
        from: "研发部:评估".into(),
        to: "市场部:提交需求".into(),
        actor: "研发部".into(),
        reason: "需求不清".into(),
    }
}

#[test]
fn trimmed_steps_are_refused_by_every_call() {
    let def = load("新产品上市");
    let (instance, _) = launch(&def);
    let mut damaged = tampered(&instance, |v| {
        v["steps"].as_array_mut().unwrap().truncate(1);
    })
    .expect("the shape alone is sound");
    let now = t("2026-03-03T01:00:00Z");
    assert!(matches!(
        damaged.verify(&def),
        Err(ExecError::CorruptState(_))
    ));
    assert!(is_corrupt(damaged.handle(
        &def,
        resume("r1", "研发部:评估"),
        now
    )));
    assert!(is_corrupt(damaged.tick(&def, t("2027-01-01T00:00:00Z"))));
    assert!(is_corrupt(damaged.revise_deadlines(&def, now)));
    let message = damaged.verify(&def).unwrap_err().to_string();
    assert_eq!(
        message,
        "corrupt instance state: 1 step states for a definition of 7 steps"
    );
}

#[test]
fn emptied_reworks_are_refused_before_a_send_back() {
    let def = load("新产品上市");
    let (instance, _) = launch(&def);
    let mut damaged = tampered(&instance, |v| {
        v.as_object_mut().unwrap().remove("reworks");
    })
    .expect("the shape alone is sound");
    let now = t("2026-03-03T01:00:00Z");
    assert!(is_corrupt(damaged.handle(
        &def,
        resume("r1", "研发部:评估"),
        now
    )));
    assert!(is_corrupt(damaged.handle(&def, send_back("s1"), now)));
}

#[test]
fn damaged_fields_are_refused() {
    let def = load("新产品上市");
    let (instance, _) = launch(&def);
    let shape: Vec<(&str, Box<Tamper>)> = vec![
        ("negative clock", Box::new(|v| v["clock"] = (-5).into())),
        (
            "clock past 9999",
            Box::new(|v| v["clock"] = i64::MAX.into()),
        ),
        (
            "warning without due",
            Box::new(|v| {
                v["process"].as_object_mut().unwrap().remove("due");
            }),
        ),
        (
            "paused without pause instant",
            Box::new(|v| {
                v["steps"][1].as_object_mut().unwrap().remove("paused");
            }),
        ),
        (
            "active without activation",
            Box::new(|v| {
                v["steps"][1]["status"] = "active".into();
                v["steps"][1]["activated"] = i64::MIN.into();
            }),
        ),
        (
            "completed with an open step",
            Box::new(|v| v["lifecycle"] = "completed".into()),
        ),
        ("empty id", Box::new(|v| v["id"] = "  ".into())),
        (
            "due far out",
            Box::new(|v| v["steps"][1]["timers"]["due"] = (i64::MAX - 1).into()),
        ),
        (
            "negative extension",
            Box::new(|v| v["steps"][1]["extended"] = (-1).into()),
        ),
    ];
    for (what, edit) in shape {
        let err = tampered(&instance, |v| edit(v)).expect_err(what);
        let refused = err.contains("corrupt instance state")
            || err.contains("unset instant")
            || err.contains("invalid type");
        assert!(refused, "{what}: {err}");
    }
    // A key given twice.
    let json = serde_json::to_string(&instance).unwrap();
    let twice = json.replacen(
        "\"steps\":[",
        "\"steps\":[{\"step\":\"市场部:提交需求\",\"status\":\"done\"},",
        1,
    );
    let err = serde_json::from_str::<Instance>(&twice)
        .unwrap_err()
        .to_string();
    assert!(err.contains("appears twice"), "{err}");
    let with_def: Vec<(&str, Box<Tamper>)> = vec![
        (
            "rework count above max",
            Box::new(|v| v["reworks"][0] = 9.into()),
        ),
        (
            "assignment step out of range",
            Box::new(|v| {
                v["assignments"] =
                    serde_json::json!([{"step": 99, "delegate_for": null, "name": "PMO"}]);
            }),
        ),
        (
            "assignment owner out of range",
            Box::new(|v| {
                v["assignments"] =
                    serde_json::json!([{"step": 1, "delegate_for": 7, "name": "PMO"}]);
            }),
        ),
        (
            "signed by a missing owner",
            Box::new(|v| v["steps"][1]["signed"] = 4.into()),
        ),
        (
            "taken arrow it lacks",
            Box::new(|v| v["steps"][0]["taken"] = serde_json::json!([5])),
        ),
        (
            "fired a level it lacks",
            Box::new(|v| v["steps"][1]["timers"]["fired"] = (1u64 << 40).into()),
        ),
        (
            "wakeup moved",
            Box::new(|v| v["wakeup"] = "2026-03-02T01:00:00Z".into()),
        ),
    ];
    for (what, edit) in with_def {
        let mut damaged = tampered(&instance, |v| edit(v)).expect(what);
        let err = damaged
            .handle(&def, resume("r1", "研发部:评估"), t("2026-03-03T01:00:00Z"))
            .expect_err(what);
        assert!(matches!(err, ExecError::CorruptState(_)), "{what}: {err}");
    }
}

#[test]
fn a_hand_made_history_is_a_replay_error() {
    let def = load("新产品上市");
    let (_, log) = launch(&def);
    let mut value = serde_json::to_value(&log).unwrap();
    // A warning instant but no due.
    value[0]["warn_at"] = "2026-03-05T01:00:00Z".into();
    value[0].as_object_mut().unwrap().remove("due");
    let events: Vec<Event> = serde_json::from_value(value).unwrap();
    assert!(matches!(replay(&def, &events), Err(ExecError::Replay(_))));
    // A pause of a step that never started.
    let mut value = serde_json::to_value(&log).unwrap();
    let last = value.as_array().unwrap().len() - 1;
    value[last]["step"] = "财务部:核算成本".into();
    let events: Vec<Event> = serde_json::from_value(value).unwrap();
    assert!(matches!(replay(&def, &events), Err(ExecError::Replay(_))));
}

/// One edit of a JSON tree, at the node a path of random numbers leads to.
#[derive(Debug, Clone)]
enum Edit {
    Drop,
    Duplicate,
    Number(i64),
    Float,
    Swap,
    Null,
    RemoveKey,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::Drop),
        Just(Edit::Duplicate),
        prop_oneof![
            Just(-1i64),
            Just(0),
            Just(1),
            Just(2),
            Just(31),
            Just(64),
            Just(i64::MIN),
            Just(i64::MAX),
            Just(253_402_300_799),
            -100_000_000i64..100_000_000,
        ]
        .prop_map(Edit::Number),
        Just(Edit::Float),
        Just(Edit::Swap),
        Just(Edit::Null),
        Just(Edit::RemoveKey),
    ]
}

/// Strings of the instance (step keys, statuses, names) to swap in.
const STRINGS: &[&str] = &[
    "active",
    "paused",
    "done",
    "skipped",
    "pending",
    "completed",
    "cancelled",
    "running",
    "研发部",
    "",
    "2026-03-02T01:00:00Z",
    "9999-12-31T23:59:59Z",
];

fn apply(value: &mut Value, path: &[usize], edit: &Edit) {
    let (step, rest) = match path.split_first() {
        Some(split) => split,
        None => (&0, &[][..]),
    };
    let descend = !rest.is_empty();
    match value {
        Value::Array(items) if !items.is_empty() => {
            let i = step % items.len();
            if descend && (items[i].is_object() || items[i].is_array()) {
                return apply(&mut items[i], rest, edit);
            }
            match edit {
                Edit::Drop => {
                    items.remove(i);
                }
                Edit::Duplicate => items.insert(i, items[i].clone()),
                _ => leaf(&mut items[i], step, edit),
            }
        }
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(step % map.len()).unwrap().clone();
            if descend && (map[&key].is_object() || map[&key].is_array()) {
                return apply(map.get_mut(&key).unwrap(), rest, edit);
            }
            match edit {
                Edit::RemoveKey | Edit::Drop => {
                    map.remove(&key);
                }
                _ => leaf(map.get_mut(&key).unwrap(), step, edit),
            }
        }
        other => leaf(other, step, edit),
    }
}

fn leaf(value: &mut Value, seed: &usize, edit: &Edit) {
    *value = match edit {
        Edit::Number(n) => (*n).into(),
        Edit::Float => serde_json::json!(1.5),
        Edit::Swap => STRINGS[seed % STRINGS.len()].into(),
        Edit::Null => Value::Null,
        Edit::Duplicate => serde_json::json!([value.clone(), value.clone()]),
        Edit::Drop | Edit::RemoveKey => serde_json::json!({}),
    };
}

/// Drives every kind of command and tick on `instance`; only panics matter.
fn drive(def: &Prepared<'_>, instance: &mut Instance) {
    let mut now = t("2026-03-03T01:00:00Z");
    let keys: Vec<String> = def
        .definition()
        .steps()
        .map(|(_, s)| s.key.clone())
        .collect();
    for (n, key) in keys.iter().enumerate() {
        let owner = key.split(':').next().unwrap_or("x").to_owned();
        let commands = [
            Command::complete(format!("c{n}"), key.clone(), owner.clone()),
            resume(&format!("r{n}"), key),
            pause(&format!("p{n}"), key),
            send_back(&format!("s{n}")),
            Command::Skip {
                id: format!("k{n}"),
                step: key.clone(),
                actor: "PMO".into(),
                reason: String::new(),
                outcomes: vec![],
            },
            Command::Delegate {
                id: format!("d{n}"),
                step: key.clone(),
                actor: owner,
                to: "王五".into(),
            },
        ];
        for command in commands {
            let _ = instance.handle(def, command, now);
        }
        now += TimeDelta::days(7);
        let _ = instance.tick(def, now);
        let _ = instance.revise_deadlines(def, now);
        let _ = instance.next_wakeup();
        for (id, _) in def.definition().steps() {
            let _ = (
                instance.step_status(id),
                instance.step_due(id),
                instance.step_activated_at(id),
            );
        }
    }
    let _ = instance.tick(def, t("9999-12-31T23:59:59Z"));
    let _ = instance.handle(
        def,
        Command::Cancel {
            id: "x".into(),
            actor: "PMO".into(),
            reason: String::new(),
        },
        t("9999-12-31T23:59:59Z"),
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn tampered_instances_never_panic(
        stage in 0usize..3,
        edits in prop::collection::vec(
            (prop::collection::vec(0usize..64, 1..6), edit()),
            1..4,
        ),
    ) {
        let def = load("新产品上市");
        let prepared = Prepared::new(&def);
        let (mut instance, _) = launch(&def);
        if stage >= 1 {
            let _ = instance.handle(&prepared, resume("r", "研发部:评估"), t("2026-03-02T02:00:00Z"));
        }
        if stage >= 2 {
            let _ = instance.tick(&prepared, t("2026-03-20T02:00:00Z"));
        }
        let mut value = serde_json::to_value(&instance).unwrap();
        for (path, edit) in &edits {
            apply(&mut value, path, edit);
        }
        if let Ok(mut damaged) = serde_json::from_value::<Instance>(value) {
            let _ = damaged.verify(&prepared);
            drive(&prepared, &mut damaged);
        }
    }
}

/// A state saved by format 1, committed: every later release must still
/// read it and run it. Its fingerprint (the format 1 hash) is checked once
/// and replaced by the current one; its older command ids (format 1 kept
/// them as hashes) are forgotten, the newest is kept.
#[test]
fn a_format_1_fixture_still_loads_and_runs() {
    let def = load("新产品上市");
    let json = include_str!("fixtures/state/v1_launch_paused.json");
    assert!(!json.contains("-9223372036854775808"));
    let mut instance: Instance = serde_json::from_str(json).expect("format 1 loads");
    instance.verify(&def).expect("it belongs to the example");
    assert_eq!(
        format!("{:016x}", instance.fingerprint()),
        "c3aff86a4796f56f"
    );
    // Not yet upgraded: written with the flag, and read back the same.
    let saved = serde_json::to_value(&instance).unwrap();
    assert_eq!(saved["format"], 2);
    assert_eq!(saved["legacy_fingerprint"], true);
    assert_eq!(serde_json::from_value::<Instance>(saved).unwrap(), instance);
    let (live, _) = launch(&def);
    let v1: Value = serde_json::from_str(json).unwrap();
    let now: Value = serde_json::to_value(&live).unwrap();
    for field in [
        "steps",
        "process",
        "reworks",
        "wakeup",
        "clock",
        "attributes",
    ] {
        assert_eq!(v1[field], now[field], "{field}");
    }
    // The newest command of format 1 is answered again.
    let again = instance
        .handle(&def, pause("p1", "研发部:评估"), t("2026-03-02T01:00:00Z"))
        .expect("a retry");
    assert_eq!(again.len(), 1);
    assert_eq!(instance.fingerprint(), def.fingerprint());
    let events = instance
        .handle(&def, resume("r1", "研发部:评估"), t("2026-03-03T01:00:00Z"))
        .expect("runs");
    assert_eq!(events.len(), 1);
    // Another definition is still refused.
    let other = sopflow::parse("市场部 → 研发部", "a.sop").unwrap();
    let v1_again: Instance = serde_json::from_str(json).unwrap();
    assert!(matches!(
        v1_again.verify(&other),
        Err(ExecError::DefinitionMismatch { .. })
    ));
}

/// A state saved by format 2 (this release), committed.
#[test]
fn a_format_2_fixture_loads_runs_and_is_what_this_release_writes() {
    let def = load("新产品上市");
    let json = include_str!("fixtures/state/v2_launch_paused.json");
    let mut instance: Instance = serde_json::from_str(json).expect("format 2 loads");
    instance.verify(&def).expect("it belongs to the example");
    let (live, _) = launch(&def);
    assert_eq!(instance, live);
    let written: Value = serde_json::to_value(&live).unwrap();
    assert_eq!(written, serde_json::from_str::<Value>(json).unwrap());
    assert_eq!(written["format"], 2);
    let events = instance
        .handle(&def, resume("r1", "研发部:评估"), t("2026-03-03T01:00:00Z"))
        .expect("runs");
    assert_eq!(events.len(), 1);
}

#[test]
#[ignore = "writes tests/fixtures/state/v2_launch_paused.json"]
fn write_fixture() {
    let def = load("新产品上市");
    let (live, _) = launch(&def);
    std::fs::write(
        "tests/fixtures/state/v2_launch_paused.json",
        serde_json::to_string_pretty(&live).unwrap() + "\n",
    )
    .unwrap();
}
