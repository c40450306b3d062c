//! Shared by the `serve_*` tests: the real `sopflow serve` process on a
//! SQLite file in a temporary directory, and a small HTTP client (ureq).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A small SOP: 市场部 → 研发部 (2h) → 财务部 (1h), warning at 50%, then
/// owner, head (+1h) and PMO (+2h).
pub const SMALL: &str = "process 测试 { ladder 标准 }
department 市场部 head 李娜
department 研发部 head 王强
department 财务部 head 周洁
role PMO
ladder 标准 {
  warn at 50%
  +0 notify owner
  +1h notify head
  +2h notify PMO
}
市场部:提交 → 研发部:评估 within 2h → 财务部:核算 within 1h
";

/// A running `sopflow serve`; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts `sopflow serve --listen 127.0.0.1:0 --db sqlite://DIR/t.db
    /// --clock virtual:CLOCK DIR/flows` in `dir` and waits for its
    /// `listening on` line.
    pub fn start(dir: &Path, clock: &str, extra: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sopflow"));
        command
            .current_dir(dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(format!("sqlite://{}", dir.join("t.db").display()))
            .arg("--clock")
            .arg(format!("virtual:{clock}"))
            .args(extra)
            .arg(dir.join("flows"))
            .env("SOPFLOW_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("sopflow starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("sopflow prints `listening on` before it ends")
                .expect("UTF-8 output");
            if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        answer(agent().get(format!("{}{path}", self.base)).call())
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(agent().post(format!("{}{path}", self.base)).send_json(body))
    }

    /// Stops it with SIGTERM (graceful) and waits.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        self.child.wait().expect("the server ends")
    }

    /// Kills it with SIGKILL and waits.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
    match response {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
        // The connection broke (the server was killed): no answer.
        Err(_) => (0, Value::Null),
    }
}

/// A temporary directory with `flows/测试.sop`.
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let flows = dir.path().join("flows");
    std::fs::create_dir(&flows).expect("mkdir flows");
    std::fs::write(flows.join("测试.sop"), SMALL).expect("write the SOP");
    let path = dir.path().to_path_buf();
    (dir, path)
}

pub fn types(events: &Value) -> Vec<String> {
    events["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["type"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}
