//! `sopflow serve` end to end: the real binary on SQLite, a real HTTP
//! client, the virtual clock, a restart on the same database.

mod common;
mod serve_common;

use serde_json::json;
use serve_common::*;

#[test]
fn start_complete_warn_escalate_restart_and_nothing_is_lost_or_repeated() {
    let (_dir, dir) = workspace();
    let server = Server::start(&dir, "2026-03-02T09:00:00+08:00", &[]);
    assert_eq!(server.get("/healthz").0, 200);
    let (status, started) = server.post(
        "/api/v1/instances",
        &json!({"process": "测试", "id": "T-1"}),
    );
    assert_eq!(status, 201, "{started}");
    let (status, done) = server.post(
        "/api/v1/instances/T-1/commands",
        &json!({"type": "complete", "id": "c1", "step": "市场部:提交", "actor": "市场部"}),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(types(&done), ["step_completed", "step_activated"]);
    let (status, moved) = server.post(
        "/api/v1/clock",
        &json!({"now": "2026-03-02T10:30:00+08:00"}),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["fired"][0]["event"]["type"], "warning_raised");
    let (_, view) = server.get("/api/v1/instances/T-1");
    assert_eq!(view["steps"][1]["warn"], "warned");
    let (_, before) = server.get("/api/v1/instances/T-1/events");
    assert!(server.stop().success(), "SIGTERM stops the server cleanly");

    // Restart three hours later: catch-up fires the missed deadline and the
    // escalations once, at the instants they fell due.
    let server = Server::start(&dir, "2026-03-02T13:30:00+08:00", &[]);
    let (_, after) = server.get("/api/v1/instances/T-1/events");
    let before = before["events"].as_array().unwrap();
    let after_events = after["events"].as_array().unwrap();
    assert_eq!(&after_events[..before.len()], &before[..], "nothing lost");
    assert_eq!(
        types(&after)[before.len()..],
        ["deadline_missed", "escalated", "escalated", "escalated"]
    );
    assert_eq!(after_events[before.len()]["at"], "2026-03-02T03:00:00Z");
    // The same command again: the same answer, nothing new.
    let (status, again) = server.post(
        "/api/v1/instances/T-1/commands",
        &json!({"type": "complete", "id": "c1", "step": "市场部:提交", "actor": "市场部"}),
    );
    assert_eq!((status, &again), (200, &done));
    let (_, list) = server.get("/api/v1/instances?status=overdue");
    assert_eq!(list["items"][0]["active_steps"][0]["escalation_level"], 3);
    let (_, final_log) = server.get("/api/v1/instances/T-1/events");
    assert_eq!(final_log, after, "nothing twice");
    let (status, error) = server.get("/api/v1/instances/NOPE");
    assert_eq!((status, error["error"].as_str()), (404, Some("not_found")));
}

#[test]
fn a_non_loopback_address_without_tokens_is_refused() {
    let (_dir, dir) = workspace();
    let run = common::sopflow_in(&dir, &["serve", "--listen", "0.0.0.0:0", "flows"]);
    assert_eq!(run.code, 2);
    let err = run.stderr;
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0 without tokens"),
        "{err}"
    );
    assert!(!dir.join("sopflow.db").exists(), "nothing was created");
}

#[test]
fn a_config_with_tokens_requires_them() {
    let (_dir, dir) = workspace();
    std::fs::write(
        dir.join("sopflow.toml"),
        "[[tokens]]\nname = \"研发部负责人\"\ntoken_env = \"SOPFLOW_TEST_TOKEN\"\nactors = [\"研发部\"]\n",
    )
    .unwrap();
    // The variable is unset: a clear error, exit 2.
    let mut command = common::command(&["serve", "--listen", "127.0.0.1:0", "flows"]);
    command.current_dir(&dir).env_remove("SOPFLOW_TEST_TOKEN");
    let run = common::run(command);
    assert_eq!(run.code, 2);
    let err = run.stderr;
    assert!(err.contains("SOPFLOW_TEST_TOKEN` is not set"), "{err}");
}
