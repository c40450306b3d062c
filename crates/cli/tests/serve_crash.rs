//! Crash test over HTTP: a burst of starts, commands and clock moves while
//! the server process is killed with SIGKILL at pseudo-random moments and
//! restarted, ten times. Afterwards every acknowledged start and command is
//! in the log with exactly the events it was answered with, once, and every
//! timer event is there exactly once.

mod serve_common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use serve_common::*;

#[derive(Default)]
struct Acked {
    /// Instance ids whose start was answered 201/200.
    started: BTreeSet<String>,
    /// (instance, command id) → the events answered.
    commands: BTreeMap<(String, String), Vec<Value>>,
    /// Every instance id a start was sent for.
    tried: BTreeSet<String>,
    /// The latest instant the virtual clock was moved to.
    clock: Option<DateTime<Utc>>,
}

fn burst(server_base: String, round: usize, clock: DateTime<Utc>, acked: Arc<Mutex<Acked>>) {
    let server = Server2 { base: server_base };
    let mut now = clock;
    for k in 0.. {
        let id = format!("I-{round}-{k}");
        acked.lock().unwrap().tried.insert(id.clone());
        let (status, _) = server.post("/api/v1/instances", &json!({"process": "测试", "id": id}));
        match status {
            200 | 201 => {
                acked.lock().unwrap().started.insert(id.clone());
            }
            0 => return,
            other => panic!("start {id}: {other}"),
        }
        if k % 2 == 0 {
            let command = format!("c-{round}-{k}");
            let (status, answer) = server.post(
                &format!("/api/v1/instances/{id}/commands"),
                &json!({"type": "complete", "id": command, "step": "市场部:提交", "actor": "市场部"}),
            );
            match status {
                200 => {
                    let events = answer["events"].as_array().unwrap().clone();
                    acked
                        .lock()
                        .unwrap()
                        .commands
                        .insert((id.clone(), command), events);
                }
                0 => return,
                other => panic!("command on {id}: {other} {answer}"),
            }
        }
        if k % 3 == 0 {
            now += TimeDelta::minutes(20);
            let (status, _) = server.post("/api/v1/clock", &json!({"now": now.to_rfc3339()}));
            if status == 0 {
                return;
            }
            assert_eq!(status, 200);
            acked.lock().unwrap().clock = Some(now);
        }
    }
}

/// A client for a server another thread owns.
struct Server2 {
    base: String,
}

impl Server2 {
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        match agent.post(format!("{}{path}", self.base)).send_json(body) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let text = response.body_mut().read_to_string().unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged_and_fires_nothing_twice() {
    let (_dir, dir) = workspace();
    let t0: DateTime<Utc> = "2026-03-02T01:00:00Z".parse().unwrap();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut seed: u64 = 0x5eed_cafe;
    for round in 0..10 {
        // Each life of the server starts later than the last one's clock went.
        let reached = acked.lock().unwrap().clock.unwrap_or(t0);
        let clock = reached.max(t0) + TimeDelta::hours(1);
        let server = Server::start(&dir, &clock.to_rfc3339(), &[]);
        let client = {
            let (base, acked) = (server.base.clone(), acked.clone());
            std::thread::spawn(move || burst(base, round, clock, acked))
        };
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(50 + (seed >> 33) % 400));
        server.kill();
        client
            .join()
            .expect("the client thread ends when the server dies");
    }
    // A last life, a day later: catch-up fires whatever fell due.
    let acked = acked.lock().unwrap();
    let last = acked.clock.unwrap_or(t0) + TimeDelta::days(1);
    let server = Server::start(&dir, &last.to_rfc3339(), &[]);
    assert!(
        acked.commands.len() >= 5,
        "the burst got commands through ({})",
        acked.commands.len()
    );
    let mut instances = 0;
    for id in &acked.tried {
        let (status, log) = server.get(&format!("/api/v1/instances/{id}/events"));
        if status == 404 {
            assert!(
                !acked.started.contains(id),
                "acknowledged start of {id} lost"
            );
            continue;
        }
        assert_eq!(status, 200);
        instances += 1;
        let events = log["events"].as_array().unwrap();
        assert_eq!(events[0]["type"], "instance_started");
        // Each command's events, once, as answered.
        let mut by_command: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for event in events {
            if let Some(command) = event["command"].as_str() {
                by_command.entry(command).or_default().push(event);
            }
        }
        for ((instance, command), answered) in acked.commands.range((id.clone(), String::new())..) {
            if instance != id {
                break;
            }
            let logged: Vec<Value> = by_command
                .get(command.as_str())
                .map(|v| v.iter().map(|e| (*e).clone()).collect())
                .unwrap_or_default();
            assert_eq!(&logged, answered, "{id} {command}");
        }
        // Every timer event once; the deadlines of steps still open have all fired.
        let mut timers = BTreeSet::new();
        for event in events.iter().filter(|e| e["command"].is_null()) {
            let kind = event["type"].as_str().unwrap();
            if ["warning_raised", "deadline_missed", "escalated"].contains(&kind) {
                let key = (
                    kind.to_owned(),
                    event["step"].to_string(),
                    event["level"].to_string(),
                );
                assert!(timers.insert(key.clone()), "{id}: {key:?} fired twice");
            }
        }
        let (_, view) = server.get(&format!("/api/v1/instances/{id}"));
        for step in view["steps"].as_array().unwrap() {
            if step["status"] == "active" && !step["due"].is_null() {
                assert_eq!(step["warn"], "missed", "{id}: {step}");
                assert_eq!(step["escalation_level"], 3, "{id}: {step}");
            }
        }
    }
    assert!(instances >= acked.started.len());
    eprintln!(
        "crash test: {} instances, {} acknowledged commands, 10 SIGKILLs",
        instances,
        acked.commands.len()
    );
}
