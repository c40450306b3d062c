//! Durable commands per second over HTTP: `POST /api/v1/instances/{id}/commands`
//! through `sopflow serve`'s router ([`sopflow_server::serve`]) on
//! 127.0.0.1:0 in this process, from a keep-alive HTTP/1.1 client (reqwest)
//! on the same tokio runtime, on SQLite and (when `SOPFLOW_TEST_POSTGRES_URL`
//! is set) on Postgres.
//!
//! - `http_{db}/command_seq`: one request at a time on one connection.
//! - `http_{db}/command_x16`: 16 tasks at once, each on its own instance and
//!   connection.
//!
//! Each request is a pause or a resume of 新产品上市's first step, answered
//! 200 after its events committed. The client shares the machine's two cores
//! with the server, as a load tool would; it costs far less than the commit.
//!
//! Run with `cargo bench -p sopflow-server --bench http`.

// A bench measures wall time.
#![allow(clippy::disallowed_methods)]

#[path = "../../runtime/benches/support/db.rs"]
mod db;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput};
use db::BenchDb;
use sopflow::exec::Command;
use sopflow_runtime::{Runtime, SopFiles};
use sopflow_server::{Access, ServerClock, Service};

const TASKS: u64 = 16;

fn t0() -> DateTime<Utc> {
    "2026-03-02T09:00:00+08:00".parse().expect("an instant")
}

/// The `n`th command on an instance: pause, resume, pause, … of its first step.
fn command(n: u64) -> String {
    let (id, step, actor) = (
        format!("c{n}"),
        "市场部:提交需求".to_owned(),
        "市场部".to_owned(),
    );
    let command = if n.is_multiple_of(2) {
        Command::Pause {
            id,
            step,
            actor,
            reason: String::new(),
        }
    } else {
        Command::Resume { id, step, actor }
    };
    serde_json::to_string(&command).expect("JSON")
}

struct Server {
    base: String,
    client: reqwest::Client,
    counters: Vec<AtomicU64>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    runtime: Runtime,
    db: BenchDb,
}

impl Server {
    async fn start(db: BenchDb) -> Server {
        let runtime = Runtime::connect(&db.url).await.expect("connect");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let files = SopFiles::read(dir.join("新产品上市.sop")).expect("the example");
        runtime.deploy(&files, t0()).await.expect("deploy");
        let service = Arc::new(Service::new(
            runtime.clone(),
            ServerClock::virtual_at(t0()),
            Access::new(Vec::new()),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(sopflow_server::serve(listener, service, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        for i in 0..TASKS {
            let body = serde_json::json!({
                "process": "新产品上市",
                "id": format!("NP-{i}"),
                "attributes": { "上市日": "2026-09-30" },
            });
            let response = client
                .post(format!("{base}/api/v1/instances"))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("start");
            assert_eq!(response.status(), 201, "{:?}", response.text().await);
        }
        Server {
            base,
            client,
            counters: (0..TASKS).map(|_| AtomicU64::new(0)).collect(),
            stop,
            task,
            runtime,
            db,
        }
    }

    async fn command(&self, i: usize) {
        let n = self.counters[i].fetch_add(1, Ordering::Relaxed);
        let response = self
            .client
            .post(format!("{}/api/v1/instances/NP-{i}/commands", self.base))
            .header("content-type", "application/json")
            .body(command(n))
            .send()
            .await
            .expect("a request");
        let status = response.status();
        let body = response.bytes().await.expect("an answer");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }

    async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.runtime.close().await;
        self.db.finish().await;
    }
}

async fn timed(server: &Arc<Server>, iters: u64, concurrent: bool) -> Duration {
    let started = Instant::now();
    if concurrent {
        let tasks: Vec<_> = (0..TASKS)
            .map(|k| {
                let share = iters / TASKS + u64::from(k < iters % TASKS);
                let server = server.clone();
                tokio::spawn(async move {
                    for _ in 0..share {
                        server.command(k as usize).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a client task");
        }
    } else {
        for _ in 0..iters {
            server.command(0).await;
        }
    }
    started.elapsed()
}

fn bench_http(c: &mut Criterion, rt: &tokio::runtime::Runtime, db: BenchDb) {
    let kind = db.kind;
    let server = Arc::new(rt.block_on(Server::start(db)));
    let mut group = c.benchmark_group(format!("http_{kind}"));
    group
        .throughput(Throughput::Elements(1))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (name, concurrent) in [("seq", false), ("x16", true)] {
        group.bench_function(format!("command_{name}"), |b| {
            b.iter_custom(|iters| rt.block_on(timed(&server, iters, concurrent)))
        });
    }
    group.finish();
    let server = Arc::into_inner(server).expect("the benches are done");
    rt.block_on(server.finish());
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }
    let mut c = Criterion::default().configure_from_args();
    bench_http(&mut c, &rt, BenchDb::sqlite());
    if let Some(db) = rt.block_on(BenchDb::postgres("http")) {
        bench_http(&mut c, &rt, db);
    }
    c.final_summary();
}
