//! `GET /api/v1/deliveries` and `POST /api/v1/deliveries/{id}/retry`:
//! dead letters made by a delivery worker whose webhook does not answer,
//! listed and paged through the API (admin only), retried, and the
//! deliveries by status in `/metrics`.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{check_documented, Answer, ADMIN, CONFIG, MKT, RD, SMALL, T0};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sopflow_runtime::delivery::{Delivery, NotifyConfig};
use sopflow_runtime::Runtime;
use sopflow_server::{router, Access, Config, ServerClock, Service};
use tower::ServiceExt;

struct Setup {
    router: axum::Router,
    runtime: Runtime,
    _dir: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let runtime = Runtime::connect(&url).await.unwrap();
        let tokens = Config::parse(CONFIG).unwrap().tokens(|_| None).unwrap();
        let clock = ServerClock::virtual_at(T0.parse().unwrap());
        let service = Service::new(runtime.clone(), clock, Access::new(tokens));
        Setup {
            router: router(Arc::new(service)),
            runtime,
            _dir: dir,
        }
    }

    async fn send(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Answer { status, body, text }
    }
}

/// Three instances past their warning, then their deadline, notifications
/// to a webhook that refuses connections, one attempt allowed: two dead
/// letters (each a digest of three notifications to 研发部).
async fn two_dead_letters() -> Setup {
    let setup = Setup::new().await;
    let post = |path: String, body: Value| {
        let setup = &setup;
        async move { setup.send(Method::POST, &path, ADMIN, Some(body)).await }
    };
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/processes?name=t.sop")
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(Body::from(SMALL))
        .unwrap();
    let answer = setup.router.clone().oneshot(request).await.unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    for id in ["D-1", "D-2", "D-3"] {
        let answer = post(
            "/api/v1/instances".into(),
            json!({"process": "测试", "id": id}),
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        let answer = setup
            .send(
                Method::POST,
                &format!("/api/v1/instances/{id}/commands"),
                MKT,
                Some(json!({"type": "complete", "id": "c1", "step": "市场部:提交", "actor": "市场部"})),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    let moved = post(
        "/api/v1/clock".into(),
        json!({"now": "2026-03-02T02:00:00Z"}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let config: NotifyConfig = serde_json::from_value(json!({
        "digest_window_secs": 0,
        "max_attempts": 1,
        "timeout_secs": 2,
        "default": "ops",
        "channels": { "ops": { "kind": "webhook", "url": "http://127.0.0.1:9/hook" } }
    }))
    .unwrap();
    let delivery = Delivery::new(&setup.runtime, &config).unwrap();
    let pass = delivery
        .run_once("2026-03-02T02:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!((pass.folded, pass.dead), (1, 1), "one digest: {pass:?}");
    // Past the deadlines (03:00): a second digest, dead too.
    let moved = post(
        "/api/v1/clock".into(),
        json!({"now": "2026-03-02T03:30:00Z"}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let pass = delivery
        .run_once("2026-03-02T03:30:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!((pass.folded, pass.dead), (1, 1), "{pass:?}");
    setup
}

#[tokio::test]
async fn dead_letters_are_listed_paged_and_retried() {
    let setup = two_dead_letters().await;
    let get = |path: String, token: &'static str| {
        let setup = &setup;
        async move { setup.send(Method::GET, &path, token, None).await }
    };

    let page = get("/api/v1/deliveries?status=dead&limit=1".into(), ADMIN).await;
    assert_eq!(page.status, 200, "{}", page.text);
    check_documented("GET", "/api/v1/deliveries", 200, &page.body);
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let first = &items[0];
    assert_eq!(first["status"], "dead");
    assert_eq!(first["channel"], "ops");
    assert_eq!(first["recipient"], "研发部");
    assert_eq!(first["instance"], "D-1");
    assert_eq!(first["step"], "研发部:评估");
    assert_eq!(first["kind"], "warning_raised");
    assert_eq!(first["attempts"], 1);
    assert_eq!(first["notifications"].as_array().unwrap().len(), 3);
    assert_eq!(first["next_attempt_at"], Value::Null);
    assert_eq!(first["created_at"], "2026-03-02T02:00:00Z");
    assert_eq!(first["updated_at"], "2026-03-02T02:00:00Z");
    assert!(
        first["last_error"]
            .as_str()
            .unwrap()
            .starts_with("request failed"),
        "{first}"
    );
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = get(
        format!("/api/v1/deliveries?status=dead&limit=1&cursor={cursor}"),
        ADMIN,
    )
    .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["items"][0]["status"], "dead");
    assert_eq!(rest.body["items"][0]["created_at"], "2026-03-02T03:30:00Z");
    assert_eq!(rest.body["next_cursor"], Value::Null);
    for status in ["pending", "sent"] {
        let none = get(format!("/api/v1/deliveries?status={status}"), ADMIN).await;
        assert_eq!(none.body["items"], json!([]), "{status}");
    }

    // /metrics counts messages by status.
    let metrics = get("/metrics".into(), ADMIN).await;
    assert!(
        metrics
            .text
            .contains("sopflow_deliveries{status=\"dead\"} 2\n")
            && metrics
                .text
                .contains("sopflow_deliveries{status=\"pending\"} 0\n"),
        "{}",
        metrics.text
    );

    // A retry puts it back to pending from now; a second retry is a 409.
    let id = first["id"].as_i64().unwrap();
    let path = format!("/api/v1/deliveries/{id}/retry");
    let retried = setup.send(Method::POST, &path, ADMIN, None).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    // (Its `delivery` is `oneOf` Delivery or null, beyond the schema subset
    // `check_documented` reads; the listing above checks the Delivery shape.)
    assert_eq!(retried.body["retried"], id);
    assert_eq!(retried.body["delivery"]["status"], "pending");
    assert_eq!(retried.body["delivery"]["attempts"], 0);
    assert_eq!(
        retried.body["delivery"]["next_attempt_at"],
        "2026-03-02T03:30:00Z"
    );
    let again = setup.send(Method::POST, &path, ADMIN, None).await;
    assert_eq!(
        (again.status.as_u16(), &again.body["error"]),
        (409, &json!("wrong_state")),
        "{}",
        again.text
    );
    assert!(
        again.text.contains("is pending, not dead"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn deliveries_need_an_admin_and_valid_queries() {
    let setup = two_dead_letters().await;
    let answer = setup
        .send(Method::GET, "/api/v1/deliveries", RD, None)
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    let answer = setup
        .send(Method::POST, "/api/v1/deliveries/1/retry", RD, None)
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    for (query, needle) in [
        (
            "status=lost",
            "invalid status `lost`: one of pending, sent, dead",
        ),
        ("limit=0", "invalid limit 0"),
        ("cursor=abc", "invalid cursor `abc`"),
        ("color=red", "unknown field"),
    ] {
        let answer = setup
            .send(
                Method::GET,
                &format!("/api/v1/deliveries?{query}"),
                ADMIN,
                None,
            )
            .await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert!(answer.text.contains(needle), "{query}: {}", answer.text);
    }
    for id in ["999", "abc"] {
        let answer = setup
            .send(
                Method::POST,
                &format!("/api/v1/deliveries/{id}/retry"),
                ADMIN,
                None,
            )
            .await;
        assert_eq!(answer.status, 404, "{id}: {}", answer.text);
        assert_eq!(answer.body["error"], "not_found");
    }
}
