//! The retry window: command ids are remembered whole, for a bounded,
//! configurable number of commands; a reused id with another payload is an
//! error; the saved state does not grow with the history.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sopflow::exec::{
    replay, Attributes, Command, ExecError, Instance, Prepared, DEFAULT_COMMAND_WINDOW,
    MAX_COMMAND_WINDOW,
};
use sopflow::Definition;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

fn def() -> Definition {
    sopflow::parse("市场部 → 研发部 within 3d → 财务部", "a.sop").expect("parses")
}

fn pause(id: &str) -> Command {
    Command::Pause {
        id: id.into(),
        step: "研发部".into(),
        actor: "研发部".into(),
        reason: String::new(),
    }
}

fn resume(id: &str) -> Command {
    Command::Resume {
        id: id.into(),
        step: "研发部".into(),
        actor: "研发部".into(),
    }
}

/// An instance with 市场部 done and 研发部 active.
fn at_research(def: &Definition) -> Instance {
    let now = t("2026-03-02T01:00:00Z");
    let (mut instance, _) = Instance::start(def, "i", Attributes::new(), now).expect("starts");
    instance
        .handle(def, Command::complete("c1", "市场部", "市场部"), now)
        .expect("completes");
    instance
}

#[test]
fn a_reused_id_with_another_payload_is_an_error_and_changes_nothing() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    let before = instance.clone();
    // Same id as the completion, another command.
    let error = instance.handle(&def, pause("c1"), now).unwrap_err();
    assert_eq!(error, ExecError::IdReused { id: "c1".into() });
    assert_eq!(
        error.to_string(),
        "command id `c1` was already used for a different command"
    );
    assert_eq!(instance, before);
    // Same id, same type and step, another actor: another payload too.
    let other_actor = Command::complete("c1", "市场部", "研发部");
    assert!(matches!(
        instance.handle(&def, other_actor, now),
        Err(ExecError::IdReused { .. })
    ));
    // The same payload is a retry.
    let retry = instance
        .handle(&def, Command::complete("c1", "市场部", "市场部"), now)
        .expect("a retry");
    assert_eq!(retry.len(), 2);
    assert_eq!(instance, before);
}

#[test]
fn an_older_id_in_the_window_is_already_handled() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    instance.handle(&def, pause("p1"), now).expect("pauses");
    let before = instance.clone();
    let error = instance
        .handle(&def, Command::complete("c1", "市场部", "市场部"), now)
        .unwrap_err();
    assert_eq!(error, ExecError::AlreadyHandled { id: "c1".into() });
    assert_eq!(instance, before);
    // Another payload under the older id is still a reuse.
    assert!(matches!(
        instance.handle(&def, resume("c1"), now),
        Err(ExecError::IdReused { .. })
    ));
    // The newest is answered with its events.
    let again = instance.handle(&def, pause("p1"), now).expect("a retry");
    assert_eq!(again.len(), 1);
    assert_eq!(instance, before);
}

#[test]
fn an_id_older_than_the_window_runs_again() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    assert_eq!(instance.command_window(), DEFAULT_COMMAND_WINDOW);
    instance.set_command_window(2);
    instance.handle(&def, pause("p1"), now).expect("pauses");
    instance.handle(&def, resume("r1"), now).expect("resumes");
    // `p1` is in the window of 2: refused as handled.
    assert!(matches!(
        instance.handle(&def, pause("p1"), now),
        Err(ExecError::AlreadyHandled { .. })
    ));
    instance.handle(&def, pause("p2"), now).expect("pauses");
    instance.handle(&def, resume("r2"), now).expect("resumes");
    // `p1` fell out of the window: it is a new command, and pauses again.
    let events = instance.handle(&def, pause("p1"), now).expect("runs again");
    assert_eq!(events.len(), 1);
}

#[test]
fn a_window_of_zero_remembers_nothing() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    instance.set_command_window(0);
    instance.handle(&def, pause("p1"), now).expect("pauses");
    // Not remembered: runs again, and the step is paused already.
    assert!(matches!(
        instance.handle(&def, pause("p1"), now),
        Err(ExecError::WrongState { .. })
    ));
    let json = serde_json::to_value(&instance).unwrap();
    assert_eq!(
        json["commands"],
        serde_json::json!({"window": 0, "ids": []})
    );
    instance.set_command_window(u32::MAX);
    assert_eq!(instance.command_window(), MAX_COMMAND_WINDOW);
}

#[test]
fn ids_are_kept_whole() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    let long = "请求-".repeat(200);
    let (a, b) = (format!("{long}a"), format!("{long}b"));
    instance.handle(&def, pause(&a), now).expect("pauses");
    instance
        .handle(&def, resume(&b), now)
        .expect("resumes: another id");
    let json = serde_json::to_value(&instance).unwrap();
    let ids: Vec<&str> = json["commands"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c1", a.as_str(), b.as_str()]);
    let restored: Instance = serde_json::from_value(json).unwrap();
    assert_eq!(restored, instance);
}

#[test]
fn the_window_survives_saving() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    instance.set_command_window(3);
    instance.handle(&def, pause("p1"), now).expect("pauses");
    let json = serde_json::to_string(&instance).unwrap();
    let mut restored: Instance = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, instance);
    assert_eq!(restored.command_window(), 3);
    assert!(matches!(
        restored.handle(&def, resume("p1"), now),
        Err(ExecError::IdReused { .. })
    ));
}

#[test]
fn a_damaged_window_is_refused() {
    let def = def();
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    instance.handle(&def, pause("p1"), now).expect("pauses");
    let value = serde_json::to_value(&instance).unwrap();
    let refused = |edit: &dyn Fn(&mut Value)| {
        let mut v = value.clone();
        edit(&mut v);
        serde_json::from_value::<Instance>(v)
            .expect_err("a damaged window is refused")
            .to_string()
    };
    let message = refused(&|v| v["commands"]["window"] = 1.into());
    assert!(message.contains("than the window holds"), "{message}");
    let message = refused(&|v| v["commands"]["window"] = (MAX_COMMAND_WINDOW + 1).into());
    assert!(message.contains("maximum"), "{message}");
    let message = refused(&|v| v["commands"]["ids"][1]["id"] = "c1".into());
    assert!(message.contains("twice"), "{message}");
    let message = refused(&|v| v["commands"]["ids"][1]["id"] = " ".into());
    assert!(message.contains("empty"), "{message}");
    let message = refused(&|v| v["commands"]["ids"][0]["payload"] = "xyz".into());
    assert!(message.contains("16 hex digits"), "{message}");
    let message = refused(&|v| v["commands"]["seen"] = serde_json::json!([1]));
    assert!(message.contains("format 1"), "{message}");
    let message = refused(&|v| v["commands"]["ids"] = serde_json::json!([]));
    assert!(message.contains("not remembered"), "{message}");
}

#[test]
fn a_replayed_instance_remembers_ids_without_payloads() {
    let def = def();
    let now = t("2026-03-02T01:00:00Z");
    let (mut live, mut log) = Instance::start(&def, "i", Attributes::new(), now).unwrap();
    log.extend(
        live.handle(&def, Command::complete("c1", "市场部", "市场部"), now)
            .unwrap(),
    );
    log.extend(live.handle(&def, pause("p1"), now).unwrap());
    let mut replayed = replay(&def, &log).unwrap();
    assert!(matches!(
        replayed.handle(&def, Command::complete("c1", "市场部", "市场部"), now),
        Err(ExecError::AlreadyHandled { .. })
    ));
    // The payload of a replayed id is not known: its newest is answered.
    assert_eq!(replayed.handle(&def, pause("p1"), now).unwrap().len(), 1);
}

/// 200,000 pause/resume commands on one instance: the saved state stays
/// the size it had after the first window full of commands.
#[test]
fn two_hundred_thousand_commands_keep_the_state_bounded() {
    let def = def();
    let prepared = Prepared::new(&def);
    let now = t("2026-03-02T02:00:00Z");
    let mut instance = at_research(&def);
    let mut sizes = Vec::new();
    for i in 0..100_000u32 {
        // Ids of a fixed width, so that sizes compare exactly.
        instance
            .handle(&prepared, pause(&format!("p{i:06}")), now)
            .expect("pauses");
        instance
            .handle(&prepared, resume(&format!("r{i:06}")), now)
            .expect("resumes");
        if i + 1 == 100 || i + 1 == 100_000 {
            sizes.push(serde_json::to_vec(&instance).unwrap().len());
        }
    }
    println!("saved state after 200 and 200,000 commands: {sizes:?} bytes");
    assert_eq!(sizes[0], sizes[1]);
    assert!(sizes[1] < 2048, "{sizes:?}");
    // The newest is still answered; an id of the window is known.
    assert_eq!(
        instance
            .handle(&prepared, resume("r099999"), now)
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        instance.handle(&prepared, resume("r099995"), now),
        Err(ExecError::AlreadyHandled { .. })
    ));
}
