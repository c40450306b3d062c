//! Two `sopflow serve` processes on one Postgres database, the real binary:
//! instances started through either, both virtual clocks moved forward at
//! the same time past warnings, deadlines and escalations. Every timer
//! event is in each instance's log exactly once, and both processes fired
//! some (their `/metrics` count their own).
//!
//! Needs `SOPFLOW_TEST_POSTGRES_URL` (a database on a server where the user
//! may create databases); skipped without it, failed without it when
//! `SOPFLOW_REQUIRE_POSTGRES=1`. The test creates (and drops afterwards) the
//! database named as the URL's with `_serve_two` appended.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// How many instances the two servers share.
const INSTANCES: usize = 200;

/// The Postgres server the test may use; `None` (skipped) without one
/// unless `SOPFLOW_REQUIRE_POSTGRES=1`.
fn postgres_url() -> Option<String> {
    match std::env::var("SOPFLOW_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("SOPFLOW_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SOPFLOW_REQUIRE_POSTGRES=1 but SOPFLOW_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipped: SOPFLOW_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// A fresh database beside the one in `admin`; dropped when dropped.
struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    fn create(admin: &str, suffix: &str) -> TestDatabase {
        let (base, database) = admin
            .split('?')
            .next()
            .and_then(|url| url.rsplit_once('/'))
            .expect("a Postgres URL ends with /DATABASE");
        let name = format!("{database}_{suffix}");
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "a plain database name: {name}"
        );
        let db = TestDatabase {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name,
        };
        db.execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.execute(&format!("CREATE DATABASE {}", db.name));
        db
    }

    fn execute(&self, sql: &str) {
        use sqlx::{Connection, Executor};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&self.admin)
                .await
                .expect("the test Postgres server is reachable");
            conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = conn.close().await;
        });
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A running `sopflow serve`; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str, clock: &str) -> Server {
        let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sopflow"))
            .current_dir(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db, "--clock"])
            .arg(format!("virtual:{clock}"))
            .arg(examples)
            .env("SOPFLOW_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sopflow starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("sopflow prints `listening on` before it ends")
                .expect("UTF-8 output");
            if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(agent().post(format!("{}{path}", self.base)).send_json(body))
    }

    fn get(&self, path: &str) -> (u16, Value) {
        answer(agent().get(format!("{}{path}", self.base)).call())
    }

    /// `sopflow_timer_events_fired_here_total` of its `/metrics`.
    fn fired_here(&self) -> u64 {
        let (status, text) = self.get("/metrics");
        assert_eq!(status, 200);
        let text = text.as_str().expect("Prometheus text");
        text.lines()
            .find_map(|line| line.strip_prefix("sopflow_timer_events_fired_here_total "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no per-process timer counter in\n{text}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// What identifies a timer event within one instance's log.
fn timer_key(event: &Value) -> Option<String> {
    let kind = event["type"].as_str()?;
    matches!(kind, "warning_raised" | "deadline_missed" | "escalated").then(|| {
        format!(
            "{kind} {} {} {}",
            event["step"], event["level"], event["at"]
        )
    })
}

#[test]
fn two_servers_on_one_postgres_fire_each_timer_once() {
    let Some(admin) = postgres_url() else {
        return;
    };
    let db = TestDatabase::create(&admin, "serve_two");
    let t0 = "2026-03-02T09:00:00+08:00";
    let a = Server::start(&db.url, t0);
    let b = Server::start(&db.url, t0);
    let servers = [&a, &b];
    for i in 0..INSTANCES {
        let server = servers[i % 2];
        let id = format!("NP-{i:03}");
        let (status, body) = server.post(
            "/api/v1/instances",
            &json!({"process": "新产品上市", "id": id, "attributes": {"上市日": "2026-06-30"}}),
        );
        assert_eq!(status, 201, "{body}");
        // Half of them move on to 研发部:评估 (3 working days, warned 4
        // working hours before), through the other server.
        if i % 4 < 2 {
            let (status, body) = servers[(i + 1) % 2].post(
                &format!("/api/v1/instances/{id}/commands"),
                &json!({"type": "complete", "id": "c1", "step": "市场部:提交需求", "actor": "市场部", "deliverables": ["《市场需求文档》"]}),
            );
            assert_eq!(status, 200, "{body}");
        }
    }

    // Both clocks forward together, a day and a half at a time, for four
    // months: every step's warning, missed deadline and escalations, and the
    // process's own.
    let start = chrono::DateTime::parse_from_rfc3339(t0).unwrap();
    for step in 1..=80 {
        let now = (start + chrono::TimeDelta::hours(36 * step)).to_rfc3339();
        std::thread::scope(|scope| {
            for server in servers {
                let now = now.clone();
                scope.spawn(move || {
                    let (status, body) = server.post("/api/v1/clock", &json!({ "now": now }));
                    assert_eq!(status, 200, "{body}");
                });
            }
        });
    }

    // Each instance's log holds each timer event once, and instances that
    // took the same path have the same timer events (none lost on one).
    let mut by_path: BTreeMap<bool, Vec<String>> = BTreeMap::new();
    let mut total = 0;
    for i in 0..INSTANCES {
        let id = format!("NP-{i:03}");
        let (status, log) = servers[i % 3 % 2].get(&format!("/api/v1/instances/{id}/events"));
        assert_eq!(status, 200, "{log}");
        let keys: Vec<String> = log["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(timer_key)
            .collect();
        let unique: HashSet<&String> = keys.iter().collect();
        assert_eq!(
            unique.len(),
            keys.len(),
            "{id} has a timer event twice: {keys:#?}"
        );
        total += keys.len();
        match by_path.get(&(i % 4 < 2)) {
            None => {
                by_path.insert(i % 4 < 2, keys);
            }
            Some(first) => assert_eq!(&keys, first, "{id} differs from its peers"),
        }
    }
    for keys in by_path.values() {
        assert!(
            keys.iter().any(|k| k.starts_with("warning_raised"))
                && keys.iter().any(|k| k.starts_with("deadline_missed"))
                && keys.iter().any(|k| k.starts_with("escalated")),
            "the clock passed warnings, deadlines and escalations: {keys:#?}"
        );
    }
    let (fired_a, fired_b) = (a.fired_here(), b.fired_here());
    eprintln!("{total} timer events: server a fired {fired_a}, server b {fired_b}");
    assert_eq!(
        fired_a + fired_b,
        total as u64,
        "every fired event is in a log"
    );
    assert!(fired_a > 0 && fired_b > 0, "both servers fired timers");
    drop((a, b));
}
