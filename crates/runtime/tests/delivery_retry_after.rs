//! `429` and `503` with `Retry-After` against a local HTTP server, on
//! SQLite and (with `SOPFLOW_TEST_POSTGRES_URL`) on Postgres: the next
//! attempt is not before what the receiver asked (delta-seconds or an
//! HTTP-date, at most an hour), and a throttled reply does not count toward
//! `max_attempts` (see `delivery/throttle.rs`). Time is virtual.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use common::{minutes, small, t};
use serde_json::json;
use sopflow::exec::{Attributes, Command};
use sopflow_runtime::delivery::{Delivery, DeliveryStatus, DeliveryView, NotifyConfig, Pass};
use sopflow_runtime::Runtime;

on_each_backend!(
    retry_after_is_honoured,
    throttles_do_not_dead_letter_like_failures,
    a_receiver_that_throttles_forever_ends_in_a_dead_letter,
);

/// A status and an optional `Retry-After`.
type Reply = (u16, Option<String>);

/// Answers, in order: a status and an optional `Retry-After`; then 200.
#[derive(Clone, Default)]
struct Script {
    answers: Arc<Mutex<VecDeque<Reply>>>,
    always: Arc<Mutex<Option<Reply>>>,
    requests: Arc<Mutex<usize>>,
}

impl Script {
    fn push(&self, status: u16, retry_after: Option<&str>) {
        self.answers
            .lock()
            .unwrap()
            .push_back((status, retry_after.map(str::to_owned)));
    }

    fn requests(&self) -> usize {
        *self.requests.lock().unwrap()
    }
}

async fn hook(State(script): State<Script>) -> (StatusCode, HeaderMap, String) {
    *script.requests.lock().unwrap() += 1;
    let next = script.answers.lock().unwrap().pop_front();
    let (status, wait) = next
        .or_else(|| script.always.lock().unwrap().clone())
        .unwrap_or((200, None));
    let mut headers = HeaderMap::new();
    if let Some(wait) = wait {
        headers.insert("retry-after", wait.parse().unwrap());
    }
    (
        StatusCode::from_u16(status).unwrap(),
        headers,
        "busy".into(),
    )
}

async fn serve() -> (String, Script) {
    let script = Script::default();
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, script)
}

/// One instance of the small SOP whose warning (t0 + 1h) is folded into
/// one message for the webhook `url`; returns the runtime, a worker and
/// the instant of the warning.
async fn setup(url: &str, hook: &str, max_attempts: u32) -> (Runtime, Delivery, DateTime<Utc>) {
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    runtime
        .start("测试", "r1", Attributes::new(), t0)
        .await
        .unwrap();
    runtime
        .handle("r1", Command::complete("c", "市场部:提交", "市场部"), t0)
        .await
        .unwrap();
    let now = t0 + minutes(60);
    runtime.run_due(now, 10).await.unwrap();
    let config: NotifyConfig = serde_json::from_value(json!({
        "digest_window_secs": 0,
        "max_attempts": max_attempts,
        "backoff_initial_secs": 30,
        "backoff_max_secs": 30,
        "default": "ops",
        "channels": { "ops": { "kind": "webhook", "url": hook } }
    }))
    .unwrap();
    let delivery = Delivery::new(&runtime, &config).unwrap();
    (runtime, delivery, now)
}

async fn the_message(runtime: &Runtime) -> DeliveryView {
    let all = runtime.deliveries(&Default::default()).await.unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap()
}

fn pass(folded: usize, sent: usize, retried: usize, dead: usize) -> Pass {
    Pass {
        folded,
        sent,
        retried,
        dead,
    }
}

/// Delta-seconds, an HTTP-date and a wait beyond the cap: the next attempt
/// is exactly when the receiver asked (capped at an hour), not before.
async fn retry_after_is_honoured(url: &str) {
    let (hook, script) = serve().await;
    let (runtime, delivery, now) = setup(url, &hook, 2).await;
    script.push(429, Some("120"));
    let date = (now + TimeDelta::seconds(120 + 600))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    script.push(503, Some(&date));
    script.push(429, Some("86400"));

    assert_eq!(delivery.run_once(now).await.unwrap(), pass(1, 0, 1, 0));
    let message = the_message(&runtime).await;
    assert_eq!(message.next_attempt_at, now + TimeDelta::seconds(120));
    assert!(
        message.last_error.as_deref().unwrap().contains("HTTP 429"),
        "{message:?}"
    );
    // Not a second early.
    let early = now + TimeDelta::seconds(119);
    assert_eq!(delivery.run_once(early).await.unwrap(), pass(0, 0, 0, 0));
    assert_eq!(script.requests(), 1);

    let now = now + TimeDelta::seconds(120);
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 0, 1, 0));
    assert_eq!(
        the_message(&runtime).await.next_attempt_at,
        now + TimeDelta::seconds(600),
        "the HTTP-date"
    );

    let now = now + TimeDelta::seconds(600);
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 0, 1, 0));
    assert_eq!(
        the_message(&runtime).await.next_attempt_at,
        now + TimeDelta::hours(1),
        "a day is capped at an hour"
    );
    assert_eq!(
        delivery
            .run_once(now + TimeDelta::minutes(59))
            .await
            .unwrap(),
        pass(0, 0, 0, 0)
    );

    let now = now + TimeDelta::hours(1);
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 1, 0, 0));
    let message = the_message(&runtime).await;
    assert_eq!(
        (message.status, message.attempts),
        (DeliveryStatus::Sent, 4)
    );
    assert_eq!(script.requests(), 4);
}

/// With `max_attempts = 2`, two throttles and one failure leave the
/// message pending; the second failure makes it a dead letter. A 503
/// without `Retry-After` is a failure.
async fn throttles_do_not_dead_letter_like_failures(url: &str) {
    let (hook, script) = serve().await;
    let (runtime, delivery, mut now) = setup(url, &hook, 2).await;
    script.push(429, Some("60"));
    script.push(429, None); // no Retry-After: the usual backoff (30 s)
    script.push(503, None); // a failure
    script.push(500, None); // the second failure: dead
    let mut passes = Vec::new();
    for _ in 0..4 {
        passes.push(delivery.run_once(now).await.unwrap());
        now = the_message(&runtime).await.next_attempt_at.max(now);
    }
    assert_eq!(
        passes,
        [
            pass(1, 0, 1, 0),
            pass(0, 0, 1, 0),
            pass(0, 0, 1, 0),
            pass(0, 0, 0, 1)
        ]
    );
    let message = the_message(&runtime).await;
    assert_eq!(
        (message.status, message.attempts),
        (DeliveryStatus::Dead, 4)
    );
    assert!(
        message
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("HTTP 500"),
        "{message:?}"
    );
    // Retried by hand, it starts afresh: a throttle, then success.
    script.push(429, Some("5"));
    runtime.retry_dead_letter(message.id, now).await.unwrap();
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 0, 1, 0));
    let now = now + TimeDelta::seconds(5);
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 1, 0, 0));
    assert_eq!(script.requests(), 6);
}

/// A receiver that answers 429 forever cannot keep a message forever: it
/// is a dead letter after `THROTTLE_CEILING` × `max_attempts` requests.
async fn a_receiver_that_throttles_forever_ends_in_a_dead_letter(url: &str) {
    let (hook, script) = serve().await;
    *script.always.lock().unwrap() = Some((429, Some("1".into())));
    let (runtime, delivery, mut now) = setup(url, &hook, 2).await;
    let ceiling = usize::try_from(sopflow_runtime::delivery::THROTTLE_CEILING * 2).unwrap();
    for _ in 0..ceiling + 3 {
        delivery.run_once(now).await.unwrap();
        now += TimeDelta::seconds(1);
    }
    let message = the_message(&runtime).await;
    assert_eq!(message.status, DeliveryStatus::Dead, "{message:?}");
    assert_eq!(script.requests(), ceiling);
    assert_eq!(message.attempts, ceiling as i64);
}
