//! README's "delivered webhook" walk-through, kept true: `sopflow serve
//! examples/` on a virtual clock with a `[notify]` table that sends to a
//! local webhook receiver; NP-7 starts, the clock moves past 研发部's
//! warning, and the receiver gets the message README shows (its
//! `Idempotency-Key` header, recipient, title and notification), which
//! `GET /api/v1/deliveries` then lists as sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use serde_json::{json, Value};

/// One request the receiver got: the `Idempotency-Key` header and the body.
struct Received {
    key: String,
    body: Value,
}

/// A webhook receiver on a free loopback port: answers 200 to each POST and
/// sends what it got down the channel.
fn receiver() -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/sopflow", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("a socket"));
            let (mut key, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                match name.to_ascii_lowercase().as_str() {
                    "idempotency-key" => key = value.trim().to_owned(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let body = serde_json::from_slice(&body).expect("the body is JSON");
            if tx.send(Received { key, body }).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

struct Server {
    child: Child,
    base: String,
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

fn call(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

impl Server {
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        call(agent().post(format!("{}{path}", self.base)).send_json(body))
    }

    fn get(&self, path: &str) -> (u16, Value) {
        call(agent().get(format!("{}{path}", self.base)).call())
    }
}

#[test]
fn a_warning_reaches_a_webhook_as_readme_shows() {
    let (url, received) = receiver();
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("sopflow.toml"),
        format!(
            "[notify]\ndefault = \"ops\"\ndigest_window_secs = 0\n\n[notify.channels.ops]\nkind = \"webhook\"\nurl = \"{url}\"\n"
        ),
    )
    .unwrap();
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sopflow"))
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--clock",
            "virtual:2026-03-02T09:00:00+08:00",
        ])
        .arg(&examples)
        .env("SOPFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sopflow starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let base = loop {
        let line = lines.next().expect("a `listening on` line").unwrap();
        if let Some(address) = line.strip_prefix("listening on ") {
            break address.to_owned();
        }
        printed.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    let server = Server { child, base };
    // org.sop holds shared declarations: checked, not deployed as a process.
    assert!(
        printed.iter().any(|l| l.starts_with("skipped ")
            && l.ends_with("org.sop: it defines no process (shared declarations for `use`)")),
        "{printed:#?}"
    );
    assert!(
        !printed.iter().any(|l| l.starts_with("deployed org ")),
        "{printed:#?}"
    );
    let (_, processes) = server.get("/api/v1/processes");
    assert!(!processes.to_string().contains("\"org\""), "{processes}");

    let (status, body) = server.post(
        "/api/v1/instances",
        &json!({"process": "新产品上市", "id": "NP-7", "attributes": {"上市日": "2026-06-30"}}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.post(
        "/api/v1/instances/NP-7/commands",
        &json!({"type": "complete", "id": "c1", "step": "市场部:提交需求", "actor": "市场部", "deliverables": ["《市场需求文档》"]}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.post(
        "/api/v1/clock",
        &json!({"now": "2026-03-05T15:00:00+08:00"}),
    );
    assert_eq!(status, 200, "{body}");

    // The worker's next pass (it looks at least every 10 s) posts it.
    let got = received.recv().expect("the receiver gets the warning");
    assert_eq!(got.key, "sopflow-outbox-1");
    assert_eq!(got.body["idempotency_key"], "sopflow-outbox-1");
    assert_eq!(got.body["recipient"], "研发部");
    assert_eq!(
        got.body["title"],
        "【超时预警】新产品上市 NP-7 · 研发部:评估 将于 3月5日 18:00 到期"
    );
    let notification = &got.body["notifications"][0];
    assert_eq!(notification["instance"], "NP-7");
    assert_eq!(notification["kind"], "warning_raised");
    assert_eq!(notification["step"], "研发部:评估");
    assert_eq!(notification["due"], "2026-03-05T10:00:00Z");

    // Sent: listed through the API, with the same notification. The answer
    // may be recorded a moment after the receiver saw the request.
    let sent = loop {
        let (status, page) = server.get("/api/v1/deliveries");
        assert_eq!(status, 200, "{page}");
        if page["items"][0]["status"] == "sent" {
            break page;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let item = &sent["items"][0];
    assert_eq!(item["channel"], "ops");
    assert_eq!(item["instance"], "NP-7");
    assert_eq!(item["kind"], "warning_raised");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["sent_at"], "2026-03-05T07:00:00Z");
}
