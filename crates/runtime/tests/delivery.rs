//! Delivery of the outbox against a local HTTP server started in the test,
//! on SQLite and (with `SOPFLOW_TEST_POSTGRES_URL`) on Postgres: each
//! channel kind, failures then recovery, dead letters, a worker stopped
//! mid-request, and a storm of 1,000 due timers. Time is virtual: every
//! pass gets its `now`, so backoff and windows are tested without sleeping.

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use common::{minutes, small, t};
use serde_json::{json, Value};
use sopflow::exec::{Attributes, Command, ManualClock};
use sopflow_runtime::delivery::{
    dingtalk_sign, feishu_sign, Delivery, DeliveryFilter, DeliveryStatus, NotifyConfig, Pass,
};
use sopflow_runtime::Runtime;

on_each_backend!(
    delivery_each_kind,
    delivery_failures_then_recovery,
    delivery_dead_letters,
    delivery_restart_mid_request,
    delivery_storm,
    delivery_rate_limit_holds_back,
);

// ------------------------------------------------------------------ server

/// What the test server answers on one path.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// The robot's success (`code`/`errcode` 0, or 200 for a webhook).
    Ok,
    /// This HTTP status.
    Status(u16),
    /// A robot's refusal: HTTP 200 with a nonzero code.
    Refuse,
    /// Never answers (the client times out).
    Hang,
}

/// One request the server got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    query: String,
    key: String,
    body: Value,
    /// Whether the server answered success.
    ok: bool,
}

#[derive(Default)]
struct Server {
    received: Vec<Received>,
    scripts: HashMap<String, VecDeque<Answer>>,
    always: HashMap<String, Answer>,
}

#[derive(Clone)]
struct Shared {
    server: Arc<Mutex<Server>>,
}

impl Shared {
    /// Answers the next requests on `path` with `answers`, then `Ok`.
    fn script(&self, path: &str, answers: &[Answer]) {
        let mut server = self.server.lock().unwrap();
        server
            .scripts
            .entry(path.to_owned())
            .or_default()
            .extend(answers.iter().copied());
    }

    /// Answers every request on `path` with `answer` (after any script).
    fn always(&self, path: &str, answer: Answer) {
        self.server
            .lock()
            .unwrap()
            .always
            .insert(path.to_owned(), answer);
    }

    fn received(&self) -> Vec<Received> {
        self.server.lock().unwrap().received.clone()
    }

    fn on(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

async fn hook(
    State(shared): State<Shared>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let answer = {
        let mut server = shared.server.lock().unwrap();
        let answer = match server.scripts.get_mut(&path).and_then(VecDeque::pop_front) {
            Some(answer) => answer,
            None => server.always.get(&path).copied().unwrap_or(Answer::Ok),
        };
        server.received.push(Received {
            path: path.clone(),
            query: query.unwrap_or_default(),
            key: headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body: serde_json::from_str(&body).expect("the body is JSON"),
            ok: matches!(answer, Answer::Ok),
        });
        answer
    };
    let robot = |code: i64| match path.as_str() {
        p if p.starts_with("feishu") => json!({"code": code, "msg": "x", "data": {}}).to_string(),
        p if p.starts_with("hook") => String::new(),
        _ => json!({"errcode": code, "errmsg": "x"}).to_string(),
    };
    match answer {
        Answer::Ok => (StatusCode::OK, robot(0)),
        Answer::Refuse => (StatusCode::OK, robot(410100)),
        Answer::Status(code) => (StatusCode::from_u16(code).unwrap(), "boom".into()),
        Answer::Hang => std::future::pending().await,
    }
}

/// Starts the server on a free loopback port; returns its base URL.
async fn serve() -> (String, Shared) {
    let shared = Shared {
        server: Arc::default(),
    };
    let app = Router::new()
        .route("/{path}", post(hook))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, shared)
}

// ------------------------------------------------------------------ helpers

fn config(value: Value) -> NotifyConfig {
    serde_json::from_value(value).expect("a valid [notify] table")
}

/// A runtime with the small SOP deployed and `n` instances started at `t0`,
/// their first step completed: 研发部:评估 is due at t0 + 2h, warned at
/// t0 + 1h; the ladder notifies 研发部 at 2h, 王强 at 3h, PMO at 4h.
async fn setup(url: &str, n: usize, t0: DateTime<Utc>) -> Runtime {
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    for i in 0..n {
        start(&runtime, &format!("n{i}"), t0).await;
    }
    runtime
}

async fn start(runtime: &Runtime, id: &str, at: DateTime<Utc>) {
    runtime
        .start("测试", id, Attributes::new(), at)
        .await
        .unwrap();
    runtime
        .handle(id, Command::complete("c", "市场部:提交", "市场部"), at)
        .await
        .unwrap();
}

async fn all(runtime: &Runtime) -> Vec<sopflow_runtime::delivery::DeliveryView> {
    runtime
        .deliveries(&DeliveryFilter {
            limit: 10_000,
            ..DeliveryFilter::default()
        })
        .await
        .unwrap()
}

fn pass(folded: usize, sent: usize, retried: usize, dead: usize) -> Pass {
    Pass {
        folded,
        sent,
        retried,
        dead,
    }
}

fn text(body: &Value) -> String {
    body.to_string()
}

fn query_param<'q>(query: &'q str, name: &str) -> &'q str {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("`{name}` in `{query}`"))
}

// ------------------------------------------------------------------ tests

/// Each robot gets its documented format, signed where it signs; the
/// generic webhook gets the notifications as data with an Idempotency-Key.
async fn delivery_each_kind(url: &str) {
    let (base, server) = serve().await;
    let t0 = t("2026-03-02T01:00:00Z"); // 09:00 in Beijing
    let runtime = setup(url, 1, t0).await;
    let robots = config(json!({
        "digest_window_secs": 0,
        "routes": { "研发部": "rd", "王强": "head", "PMO": "pmo" },
        "channels": {
            "rd": { "kind": "dingtalk", "url": format!("{base}/dingtalk?access_token=T"), "secret": "SECrd" },
            "head": { "kind": "feishu", "url": format!("{base}/feishu"), "secret": "SEChead" },
            "pmo": { "kind": "wecom", "url": format!("{base}/wecom?key=K") },
        }
    }));
    let delivery = Delivery::new(&runtime, &robots).unwrap();

    // The warning alone: one 钉钉 message, signed on the URL.
    let now = t0 + minutes(60);
    runtime.run_due(now, 10).await.unwrap();
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(1, 1, 0, 0));
    let got = server.on("dingtalk");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["msgtype"], "markdown");
    assert_eq!(
        got[0].body["markdown"]["title"],
        "【超时预警】测试 n0 · 研发部:评估 将于 3月2日 11:00 到期"
    );
    let timestamp = query_param(&got[0].query, "timestamp");
    assert_eq!(timestamp, now.timestamp_millis().to_string());
    assert_eq!(
        query_param(&got[0].query, "sign"),
        dingtalk_sign("SECrd", now.timestamp_millis())
    );
    assert_eq!(query_param(&got[0].query, "access_token"), "T");

    // Two hours later: a digest of the miss and the first escalation to
    // 研发部, the head (王强) on 飞书, the PMO on 企业微信.
    let now = t0 + minutes(240);
    runtime.run_due(now, 10).await.unwrap();
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(3, 3, 0, 0));
    let digest = &server.on("dingtalk")[1].body;
    assert!(
        text(digest).contains("【汇总】研发部:2 项提醒(升级 1 · 已超时 1)"),
        "{digest}"
    );
    let feishu = &server.on("feishu")[0].body;
    assert_eq!(feishu["msg_type"], "post");
    assert_eq!(feishu["timestamp"], now.timestamp().to_string());
    assert_eq!(feishu["sign"], feishu_sign("SEChead", now.timestamp()));
    assert_eq!(
        feishu["content"]["post"]["zh_cn"]["title"],
        "【升级】测试 n0 · 研发部:评估 已超时 1小时,第 2 级升级"
    );
    let wecom = &server.on("wecom")[0];
    assert_eq!(query_param(&wecom.query, "key"), "K");
    assert_eq!(wecom.body["msgtype"], "markdown");
    assert!(text(&wecom.body).contains("第 3 级升级"), "{}", wecom.body);
    assert!(text(&wecom.body).contains("通知:PMO(升级第 3 级)"));

    // Every outbox row is sent, every message once.
    assert!(runtime.pending_notifications(100).await.unwrap().is_empty());
    assert!(all(&runtime)
        .await
        .iter()
        .all(|d| d.status == DeliveryStatus::Sent && d.attempts == 1));

    // A generic webhook as the default channel gets data.
    start(&runtime, "w1", now).await;
    let later = now + minutes(300);
    runtime.run_due(later, 10).await.unwrap();
    let hooks = config(json!({
        "digest_window_secs": 0,
        "default": "ops",
        "channels": { "ops": { "kind": "webhook", "url": format!("{base}/hook") } }
    }));
    let webhook = Delivery::new(&runtime, &hooks).unwrap();
    assert_eq!(webhook.run_once(later).await.unwrap(), pass(3, 3, 0, 0));
    let got = server.on("hook");
    assert_eq!(got.len(), 3, "one message per recipient: 研发部, 王强, PMO");
    for received in &got {
        assert_eq!(received.body["idempotency_key"], received.key);
        assert!(received.key.starts_with("sopflow-outbox-"));
        let notifications = received.body["notifications"].as_array().unwrap();
        assert!(notifications
            .iter()
            .all(|n| n["instance"] == "w1" && n["process"] == "测试"));
    }
    let research = got
        .iter()
        .find(|r| r.body["recipient"] == "研发部")
        .unwrap();
    assert_eq!(research.body["notifications"].as_array().unwrap().len(), 3);
}

/// A server that fails (500, then no answer within the timeout) and then
/// recovers: the message is retried with backoff and delivered once, with
/// the same key and the same words every time.
async fn delivery_failures_then_recovery(url: &str) {
    let (base, server) = serve().await;
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = setup(url, 1, t0).await;
    let delivery = Delivery::new(
        &runtime,
        &config(json!({
            "digest_window_secs": 0,
            "timeout_secs": 1,
            "backoff_initial_secs": 30,
            "default": "ops",
            "channels": { "ops": { "kind": "webhook", "url": format!("{base}/hook") } }
        })),
    )
    .unwrap();
    server.script("hook", &[Answer::Status(500), Answer::Hang]);
    let now = t0 + minutes(60);
    runtime.run_due(now, 10).await.unwrap();

    assert_eq!(delivery.run_once(now).await.unwrap(), pass(1, 0, 1, 0));
    let [first] = all(&runtime).await.try_into().unwrap();
    assert_eq!(first.status, DeliveryStatus::Pending);
    assert_eq!(first.attempts, 1);
    assert!(first.last_error.as_deref().unwrap().starts_with("HTTP 500"));
    let wait = first.next_attempt_at - now;
    assert!(
        wait >= TimeDelta::seconds(15) && wait <= TimeDelta::seconds(30),
        "{wait}"
    );

    // Not due yet: nothing happens.
    assert_eq!(
        delivery
            .run_once(now + TimeDelta::seconds(14))
            .await
            .unwrap(),
        Pass::default()
    );

    // The second attempt times out; the wait doubles.
    let now = first.next_attempt_at;
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 0, 1, 0));
    let [second] = all(&runtime).await.try_into().unwrap();
    assert_eq!(second.attempts, 2);
    assert!(
        second.last_error.as_deref().unwrap().contains("timeout"),
        "{second:?}"
    );
    let wait = second.next_attempt_at - now;
    assert!(
        wait >= TimeDelta::seconds(30) && wait <= TimeDelta::seconds(60),
        "{wait}"
    );

    // The server recovered: delivered, and never again.
    let now = second.next_attempt_at;
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 1, 0, 0));
    assert_eq!(
        delivery.run_once(now + minutes(600)).await.unwrap(),
        Pass::default()
    );
    let got = server.on("hook");
    assert_eq!(got.len(), 3);
    assert!(got
        .iter()
        .all(|r| r.key == got[0].key && r.body == got[0].body));
    assert_eq!(got.iter().filter(|r| r.ok).count(), 1);
    let [sent] = all(&runtime).await.try_into().unwrap();
    assert_eq!(sent.status, DeliveryStatus::Sent);
    assert_eq!(sent.sent_at, Some(now));
}

/// After `max_attempts` failures a message is a dead letter with its last
/// error; a recipient without a channel is one at once. A dead letter can
/// be retried once the channel works.
async fn delivery_dead_letters(url: &str) {
    let (base, server) = serve().await;
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = setup(url, 1, t0).await;
    let delivery = Delivery::new(
        &runtime,
        &config(json!({
            "digest_window_secs": 0,
            "max_attempts": 3,
            "routes": { "研发部": "rd" },
            "channels": { "rd": { "kind": "dingtalk", "url": format!("{base}/dingtalk") } }
        })),
    )
    .unwrap();
    server.always("dingtalk", Answer::Refuse);
    let mut now = t0 + minutes(240);
    runtime.run_due(now, 10).await.unwrap();
    // 研发部 (3 notifications) has a channel; 王强 and PMO have none.
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(3, 0, 1, 0));
    let letters = runtime.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 2);
    assert!(letters
        .iter()
        .all(|d| d.channel.is_empty() && d.attempts == 0));
    assert!(letters[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("没有为「"));

    for _ in 0..2 {
        let [pending] = runtime
            .deliveries(&DeliveryFilter {
                status: Some(DeliveryStatus::Pending),
                ..DeliveryFilter::default()
            })
            .await
            .unwrap()
            .try_into()
            .unwrap();
        now = pending.next_attempt_at;
        delivery.run_once(now).await.unwrap();
    }
    let letters = runtime.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 3);
    let dead = letters.iter().find(|d| d.channel == "rd").unwrap();
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.items, 3);
    assert!(
        dead.last_error
            .as_deref()
            .unwrap()
            .contains("errcode 410100"),
        "{dead:?}"
    );
    assert_eq!(server.on("dingtalk").len(), 3);
    // Nothing more is tried.
    assert_eq!(
        delivery.run_once(now + minutes(6000)).await.unwrap(),
        Pass::default()
    );

    // Fixed: the dead letter is tried again and delivered.
    server.always("dingtalk", Answer::Ok);
    runtime.retry_dead_letter(dead.id, now).await.unwrap();
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(0, 1, 0, 0));
    assert!(runtime.retry_dead_letter(dead.id, now).await.is_err());
}

/// The worker stops in the middle of a request (its task is aborted, the
/// runtime reconnects: a restart). Nothing is lost: the message is posted
/// again after its lease, under the same key; a message whose success was
/// committed before the stop is never posted again.
async fn delivery_restart_mid_request(url: &str) {
    let (base, server) = serve().await;
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = setup(url, 1, t0).await;
    let notify = config(json!({
        "digest_window_secs": 0,
        "timeout_secs": 5,
        "default": "ops",
        "channels": { "ops": { "kind": "webhook", "url": format!("{base}/hook") } }
    }));
    let delivery = Delivery::new(&runtime, &notify).unwrap();
    let now = t0 + minutes(60);
    runtime.run_due(now, 10).await.unwrap();
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(1, 1, 0, 0));

    // The next message hangs on the server; the worker stops meanwhile.
    let now = t0 + minutes(121);
    runtime.run_due(now, 10).await.unwrap();
    server.script("hook", &[Answer::Hang]);
    let worker = tokio::spawn({
        let delivery = delivery.clone();
        async move { delivery.run_once(now).await }
    });
    // Wait (without a time limit) until the request is on the server.
    while server.on("hook").len() < 2 {
        assert!(!worker.is_finished(), "{:?}", worker.await);
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    worker.abort();
    let _ = worker.await;
    runtime.close().await;

    let runtime = Runtime::connect(url).await.unwrap();
    let delivery = Delivery::new(&runtime, &notify).unwrap();
    // Leased: not before the lease (2 × timeout + 30 s) ends.
    assert_eq!(
        delivery
            .run_once(now + TimeDelta::seconds(39))
            .await
            .unwrap(),
        Pass::default()
    );
    assert_eq!(
        delivery
            .run_once(now + TimeDelta::seconds(40))
            .await
            .unwrap(),
        pass(0, 1, 0, 0)
    );
    assert_eq!(
        delivery.run_once(now + minutes(600)).await.unwrap(),
        Pass::default()
    );

    let got = server.on("hook");
    assert_eq!(got.len(), 3);
    let mut per_key: HashMap<&str, (usize, usize)> = HashMap::new();
    for r in &got {
        let entry = per_key.entry(&r.key).or_default();
        entry.0 += 1;
        entry.1 += usize::from(r.ok);
    }
    let mut counts: Vec<_> = per_key.values().copied().collect();
    counts.sort();
    assert_eq!(
        counts,
        [(1, 1), (2, 1)],
        "posted once, and twice after the stop"
    );
    assert!(all(&runtime)
        .await
        .iter()
        .all(|d| d.status == DeliveryStatus::Sent));
    assert!(runtime.pending_notifications(100).await.unwrap().is_empty());
}

/// A Monday-morning storm: 1,000 instances whose timers all fell due over a
/// holiday fire in one catch-up (5,000 notifications). Two 钉钉 groups and
/// a 企业微信 group get one digest per recipient, not thousands of
/// messages, within their rate limits; the spawned worker delivers it on a
/// virtual clock.
async fn delivery_storm(url: &str) {
    let (base, server) = serve().await;
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = setup(url, 1000, t0).await;
    let monday = t("2026-03-09T01:00:00Z");
    let mut fired = 0;
    loop {
        let round = runtime.catch_up(monday, 200).await.unwrap();
        if round.claimed == 0 {
            break;
        }
        fired += round.fired.len();
    }
    assert_eq!(fired, 5000);
    let notify = config(json!({
        "routes": { "研发部": "rd", "王强": "rd", "PMO": "pmo" },
        "channels": {
            "rd": { "kind": "dingtalk", "url": format!("{base}/dingtalk") },
            "pmo": { "kind": "wecom", "url": format!("{base}/wecom") },
        }
    }));
    let clock = Arc::new(ManualClock::new(monday));
    let handle = Delivery::new(&runtime, &notify)
        .unwrap()
        .spawn(clock.clone());
    // Within the digest window: nothing is sent yet.
    assert_eq!(handle.run_now().await.unwrap(), Pass::default());
    clock.advance(TimeDelta::seconds(60));
    // (The task may have run this pass by itself already.)
    handle.run_now().await.unwrap();
    handle.shutdown().await;

    let got = server.received();
    assert_eq!(got.len(), 3, "one digest per recipient");
    let research = got
        .iter()
        .find(|r| text(&r.body).contains("【汇总】研发部:3000 项提醒"))
        .expect("the 研发部 digest");
    let lines = research.body["markdown"]["text"].as_str().unwrap();
    assert!(lines.contains("……另有 2985 项"), "{lines}");
    assert!(lines.len() < 18_000);
    assert!(text(&got.iter().find(|r| r.path == "wecom").unwrap().body)
        .contains("【汇总】PMO:1000 项提醒(升级 1000)"));
    let messages = all(&runtime).await;
    assert_eq!(messages.iter().map(|d| d.items).sum::<i64>(), 5000);
    assert!(runtime.pending_notifications(10).await.unwrap().is_empty());
}

/// A channel's rate limit holds messages back; what arrives meanwhile folds
/// into the waiting recipient's digest instead of queueing small messages.
async fn delivery_rate_limit_holds_back(url: &str) {
    let (base, server) = serve().await;
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = setup(url, 1, t0).await;
    let delivery = Delivery::new(
        &runtime,
        &config(json!({
            "digest_window_secs": 0,
            "default": "rd",
            "channels": { "rd": {
                "kind": "dingtalk", "url": format!("{base}/dingtalk"),
                "rate_limit": { "messages": 2, "per_secs": 60 }
            } }
        })),
    )
    .unwrap();
    // 研发部, 王强 and PMO each have notifications: three messages, room for two.
    let now = t0 + minutes(240);
    runtime.run_due(now, 10).await.unwrap();
    assert_eq!(delivery.run_once(now).await.unwrap(), pass(2, 2, 0, 0));
    assert_eq!(runtime.pending_notifications(10).await.unwrap().len(), 3);
    // A new instance's warning for 研发部 arrives while the channel is full.
    start(&runtime, "n9", now).await;
    runtime.run_due(now + minutes(60), 10).await.unwrap();
    assert_eq!(
        delivery
            .run_once(now + TimeDelta::seconds(59))
            .await
            .unwrap(),
        Pass::default()
    );
    // Later, room again: 研发部's three and the new warning in one digest.
    assert_eq!(
        delivery.run_once(now + minutes(60)).await.unwrap(),
        pass(1, 1, 0, 0)
    );
    let got = server.received();
    assert_eq!(got.len(), 3);
    assert!(
        text(&got[2].body).contains("【汇总】研发部:4 项提醒"),
        "{}",
        got[2].body
    );
}
