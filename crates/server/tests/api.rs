//! The API through the router (no socket): the main flow on the virtual
//! clock, every documented answer checked against the OpenAPI document, and
//! bad requests that answer 4xx and change nothing.

mod common;

use axum::body::Body;
use axum::http::Method;
use common::*;
use serde_json::{json, Value};

fn types(events: &Value) -> Vec<String> {
    events["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("a type").to_owned())
        .collect()
}

#[tokio::test]
async fn start_complete_warn_escalate_on_the_virtual_clock() {
    flow(app(false).await).await;
}

#[tokio::test]
async fn start_complete_warn_escalate_on_postgres() {
    if let Some(app) = app_postgres("flow", false).await {
        flow(app).await;
    }
}

async fn flow(app: App) {
    let deployed = app.deploy(None, SMALL).await;
    assert_eq!(deployed.status.as_u16(), 201, "{}", deployed.text);
    check_documented("POST", "/api/v1/processes", 201, &deployed.body);
    assert_eq!(deployed.body["process"], "测试");
    let again = app.deploy(None, SMALL).await;
    assert_eq!(again.status.as_u16(), 200);
    assert_eq!(again.body["created"], false);

    let start = json!({"process": "测试", "id": "T-1"});
    let started = app.post("/api/v1/instances", None, start.clone()).await;
    assert_eq!(started.status.as_u16(), 201, "{}", started.text);
    check_documented("POST", "/api/v1/instances", 201, &started.body);
    assert_eq!(types(&started.body), ["instance_started", "step_activated"]);
    let repeated = app.post("/api/v1/instances", None, start).await;
    assert_eq!(repeated.status.as_u16(), 200);
    assert_eq!(repeated.body, started.body);
    let other = app
        .post(
            "/api/v1/instances",
            None,
            json!({"process": "测试", "id": "T-1", "attributes": {"priority": "P1"}}),
        )
        .await;
    assert_eq!(other.status.as_u16(), 409, "{}", other.text);
    check_documented("POST", "/api/v1/instances", 409, &other.body);
    assert_eq!(other.body["error"], "conflict");

    let complete =
        json!({"type": "complete", "id": "c1", "step": "市场部:提交", "actor": "市场部"});
    let done = app
        .post("/api/v1/instances/T-1/commands", None, complete.clone())
        .await;
    assert_eq!(done.status.as_u16(), 200, "{}", done.text);
    check_documented("POST", "/api/v1/instances/{id}/commands", 200, &done.body);
    assert_eq!(types(&done.body), ["step_completed", "step_activated"]);
    let same = app
        .post("/api/v1/instances/T-1/commands", None, complete)
        .await;
    assert_eq!(
        same.body, done.body,
        "a repeated command id answers the same events"
    );

    // 研发部:评估 is due at 11:00 (UTC 03:00); warning at 10:00.
    let view = app.get("/api/v1/instances/T-1", None).await;
    check_documented("GET", "/api/v1/instances/{id}", 200, &view.body);
    let step = &view.body["steps"][1];
    assert_eq!(step["key"], "研发部:评估");
    assert_eq!(step["status"], "active");
    assert_eq!(step["warn"], "none");
    assert_eq!(step["working_time_left_seconds"], 7200);

    let moved = app
        .post(
            "/api/v1/clock",
            None,
            json!({"now": "2026-03-02T10:30:00+08:00"}),
        )
        .await;
    assert_eq!(moved.status.as_u16(), 200, "{}", moved.text);
    check_documented("POST", "/api/v1/clock", 200, &moved.body);
    let fired: Vec<&str> = moved.body["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(fired, ["warning_raised"]);
    let view = app.get("/api/v1/instances/T-1", None).await;
    assert_eq!(view.body["steps"][1]["warn"], "warned");
    assert_eq!(view.body["steps"][1]["working_time_left_seconds"], 1800);
    assert_eq!(view.body["overdue"], false);

    // Two hours after the deadline: missed, owner, head (+1h), PMO (+2h).
    let moved = app
        .post(
            "/api/v1/clock",
            None,
            json!({"now": "2026-03-02T13:00:01+08:00"}),
        )
        .await;
    let fired: Vec<&str> = moved.body["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        fired,
        ["deadline_missed", "escalated", "escalated", "escalated"]
    );
    let view = app.get("/api/v1/instances/T-1", None).await;
    let step = &view.body["steps"][1];
    assert_eq!(step["warn"], "missed");
    assert_eq!(step["escalation_level"], 3);
    assert_eq!(step["working_time_left_seconds"], -7201);
    assert_eq!(view.body["overdue"], true);

    let moved_again = app
        .post(
            "/api/v1/clock",
            None,
            json!({"now": "2026-03-02T13:00:01+08:00"}),
        )
        .await;
    assert_eq!(moved_again.body["fired"], json!([]), "nothing fires twice");

    let list = app.get("/api/v1/instances?status=overdue", None).await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.text);
    check_documented("GET", "/api/v1/instances", 200, &list.body);
    assert_eq!(list.body["items"][0]["id"], "T-1");
    assert_eq!(
        list.body["items"][0]["active_steps"][0]["key"],
        "研发部:评估"
    );
    assert_eq!(list.body["next_cursor"], Value::Null);
    let none = app.get("/api/v1/instances?status=completed", None).await;
    assert_eq!(none.body["items"], json!([]));

    let events = app.get("/api/v1/instances/T-1/events", None).await;
    check_documented("GET", "/api/v1/instances/{id}/events", 200, &events.body);
    assert_eq!(
        events.body["events"].as_array().unwrap().len(),
        2 + 2 + 1 + 1 + 3
    );

    let processes = app.get("/api/v1/processes", None).await;
    check_documented("GET", "/api/v1/processes", 200, &processes.body);
    assert_eq!(processes.body["processes"][0]["open"], 1);

    let health = app.get("/healthz", None).await;
    check_documented("GET", "/healthz", 200, &health.body);
    let metrics = app.get("/metrics", None).await;
    assert!(
        metrics
            .text
            .contains("sopflow_instances{status=\"open\"} 1"),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains("sopflow_timer_events_total{type=\"escalated\"} 3"),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains("sopflow_commands_total{outcome=\"ok\"} 2"),
        "{}",
        metrics.text
    );
}

#[tokio::test]
async fn a_list_is_paged_with_a_cursor() {
    let app = app(false).await;
    app.deploy(None, SMALL).await;
    for i in 0..5 {
        let answer = app
            .post(
                "/api/v1/instances",
                None,
                json!({"process": "测试", "id": format!("P-{i}")}),
            )
            .await;
        assert_eq!(answer.status.as_u16(), 201);
    }
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/instances?limit=2&cursor={c}"),
            None => "/api/v1/instances?limit=2".to_owned(),
        };
        let page = app.get(&path, None).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text);
        for item in page.body["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(ids, ["P-0", "P-1", "P-2", "P-3", "P-4"]);
    let bad = app.get("/api/v1/instances?limit=0", None).await;
    assert_eq!(bad.status.as_u16(), 400);
    let bad = app.get("/api/v1/instances?status=late", None).await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(
        bad.body["message"]
            .as_str()
            .unwrap()
            .contains("open, overdue"),
        "{}",
        bad.text
    );
    let bad = app.get("/api/v1/instances?colour=red", None).await;
    assert_eq!(bad.status.as_u16(), 400);
}

#[tokio::test]
async fn bad_requests_answer_4xx_and_change_nothing() {
    let app = app(false).await;
    app.deploy(None, SMALL).await;
    app.post(
        "/api/v1/instances",
        None,
        json!({"process": "测试", "id": "T-1"}),
    )
    .await;
    let before = app.get("/api/v1/instances/T-1/events", None).await.body;

    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"type": "complete", "id": "x1", "step": "市场部:提交", "actor": "市场部", "at": "2026-03-02T10:00:00+08:00"}),
            422,
            "invalid",
        ),
        (
            json!({"type": "complete", "id": "x2", "step": "市场部:提交", "actor": "市场部", "outcome": "a"}),
            422,
            "invalid",
        ),
        (
            json!({"type": "complete", "id": "x3", "step": "法务部", "actor": "市场部"}),
            422,
            "invalid",
        ),
        (
            json!({"type": "complete", "id": "x4", "step": "研发部:评估", "actor": "研发部"}),
            409,
            "wrong_state",
        ),
        (
            json!({"type": "complete", "id": "x5", "step": "市场部:提交", "actor": "研发部"}),
            403,
            "not_authorized",
        ),
        (json!(["not", "an", "object"]), 400, "bad_request"),
    ];
    for (command, status, kind) in cases {
        let answer = app
            .post("/api/v1/instances/T-1/commands", None, command.clone())
            .await;
        assert_eq!(answer.status.as_u16(), status, "{command}: {}", answer.text);
        assert_eq!(answer.body["error"], kind, "{command}");
        assert!(!answer.body["message"].as_str().unwrap().is_empty());
        if status != 400 {
            check_documented(
                "POST",
                "/api/v1/instances/{id}/commands",
                status,
                &answer.body,
            );
        }
    }
    let unknown = app
        .post(
            "/api/v1/instances/NOPE/commands",
            None,
            json!({"type": "cancel", "id": "x", "actor": "市场部", "reason": "r"}),
        )
        .await;
    assert_eq!(unknown.status.as_u16(), 404);
    check_documented(
        "POST",
        "/api/v1/instances/{id}/commands",
        404,
        &unknown.body,
    );
    let malformed = app
        .send(
            Method::POST,
            "/api/v1/instances/T-1/commands",
            None,
            Body::from("{\"type\":"),
            "application/json",
        )
        .await;
    assert_eq!(malformed.status.as_u16(), 400, "{}", malformed.text);
    assert_eq!(malformed.body["error"], "bad_request");
    let huge = "x".repeat(sopflow_server::MAX_JSON_BODY + 1);
    let too_big = app
        .send(
            Method::POST,
            "/api/v1/instances/T-1/commands",
            None,
            Body::from(format!("{{\"reason\":\"{huge}\"}}")),
            "application/json",
        )
        .await;
    assert_eq!(too_big.status.as_u16(), 413, "{}", too_big.text);

    let broken = app.deploy(None, "市场部 → 研发部 within 3x\n").await;
    assert_eq!(broken.status.as_u16(), 422, "{}", broken.text);
    check_documented("POST", "/api/v1/processes", 422, &broken.body);
    assert_eq!(broken.body["error"], "invalid_source");
    assert!(
        broken.body["diagnostics"][0]["code"].is_string(),
        "{}",
        broken.text
    );
    assert_eq!(broken.body["diagnostics"][0]["file"], "t.sop");

    let back = app
        .post(
            "/api/v1/clock",
            None,
            json!({"now": "2026-03-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(back.status.as_u16(), 409);
    assert_eq!(back.body["error"], "wrong_state");
    let garbled = app
        .post("/api/v1/clock", None, json!({"now": "tomorrow"}))
        .await;
    assert_eq!(garbled.status.as_u16(), 422);
    let missing = app
        .post(
            "/api/v1/instances",
            None,
            json!({"process": "无此流程", "id": "Z"}),
        )
        .await;
    assert_eq!(missing.status.as_u16(), 404);
    assert_eq!(missing.body["error"], "not_found");

    let after = app.get("/api/v1/instances/T-1/events", None).await.body;
    assert_eq!(before, after, "no refused request changed the log");
    let processes = app.get("/api/v1/processes", None).await;
    assert_eq!(processes.body["processes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_source_larger_than_a_json_body_deploys_and_a_huge_one_is_413() {
    let app = app(false).await;
    let big = format!("{SMALL}# {}\n", "注".repeat(100_000));
    assert!(big.len() > sopflow_server::MAX_JSON_BODY);
    let answer = app.deploy(None, &big).await;
    assert_eq!(answer.status.as_u16(), 201, "{}", answer.text);
    let huge = format!("{SMALL}# {}\n", "x".repeat(sopflow_server::MAX_SOURCE_BODY));
    let answer = app.deploy(None, &huge).await;
    assert_eq!(answer.status.as_u16(), 413, "{}", answer.text);
    assert!(
        answer.body["message"].as_str().unwrap().contains("at most"),
        "{}",
        answer.text
    );
}

/// Every page of `path` (which has a query), following `next_cursor`: the ids per page.
async fn pages(app: &App, path: &str, token: Option<&str>) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={}", urlencode(c)),
            None => path.to_owned(),
        };
        let page = app.get(&url, token).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text);
        check_documented("GET", "/api/v1/instances", 200, &page.body);
        pages.push(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect(),
        );
        assert!(pages.len() < 50, "the cursors end");
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
    }
}

/// Percent-encodes a query value.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_list_is_late_first_and_every_page_but_the_last_is_full() {
    let app = app(false).await;
    app.deploy(None, SMALL).await;
    for i in 0..6 {
        let answer = app
            .post(
                "/api/v1/instances",
                None,
                json!({"process": "测试", "id": format!("L-{i}")}),
            )
            .await;
        assert_eq!(answer.status.as_u16(), 201);
    }
    let submit = |id: &str| {
        let path = format!("/api/v1/instances/{id}/commands");
        let app = &app;
        async move {
            let answer = app
                .post(
                    &path,
                    None,
                    json!({"type": "complete", "id": "s", "step": "市场部:提交", "actor": "市场部"}),
                )
                .await;
            assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
        }
    };
    let clock = |now: &'static str| {
        let app = &app;
        async move {
            let moved = app.post("/api/v1/clock", None, json!({ "now": now })).await;
            assert_eq!(moved.status.as_u16(), 200, "{}", moved.text);
        }
    };
    // L-4, L-1, L-3 due at 11:00 (Beijing), L-0 at 11:30; L-2, L-5 have no deadline.
    for id in ["L-4", "L-1", "L-3"] {
        submit(id).await;
    }
    clock("2026-03-02T09:30:00+08:00").await;
    submit("L-0").await;
    assert_eq!(
        pages(&app, "/api/v1/instances?limit=2", None).await,
        [vec!["L-1", "L-3"], vec!["L-4", "L-0"], vec!["L-2", "L-5"]]
    );
    let first = app.get("/api/v1/instances?limit=1", None).await;
    assert_eq!(
        first.body["items"][0]["earliest_due"],
        "2026-03-02T03:00:00Z"
    );
    assert_eq!(first.body["items"][0]["due"], Value::Null);
    let overdue = "/api/v1/instances?status=overdue&limit=1";
    assert_eq!(pages(&app, overdue, None).await, [Vec::<String>::new()]);
    // Overdue flips when the clock passes the deadline.
    clock("2026-03-02T11:00:01+08:00").await;
    assert_eq!(
        pages(&app, overdue, None).await.concat(),
        ["L-1", "L-3", "L-4"]
    );
    clock("2026-03-02T11:30:01+08:00").await;
    assert_eq!(
        pages(&app, overdue, None).await.concat(),
        ["L-1", "L-3", "L-4", "L-0"]
    );
    let bad = app.get("/api/v1/instances?cursor=L-1", None).await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(
        bad.body["message"]
            .as_str()
            .unwrap()
            .contains("next_cursor"),
        "{}",
        bad.text
    );
}
