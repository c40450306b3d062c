//! The durable runtime's speed and size, on SQLite and (when
//! `SOPFLOW_TEST_POSTGRES_URL` is set) on Postgres. See docs/PERFORMANCE.md
//! for the figures and how to read them.
//!
//! Timed by criterion (throughput in elements per second):
//! - `{db}/command_seq`: durable commands per second, one at a time:
//!   [`Runtime::handle`] of pause/resume pairs on one open instance of
//!   新产品上市, each committed (events, state, command id) before it returns.
//! - `{db}/command_x16`: the same from 16 tasks at once, each on its own instance.
//! - `{db}/raw_insert_seq`, `{db}/raw_insert_x16`: the physical limit beside
//!   them: one transaction per INSERT of one event-sized row into a table of
//!   the same database, with the store's durability settings.
//!
//! Printed once before the timings (setups too long to repeat), only under
//! `cargo bench` (criterion's `--bench` flag), not in `cargo test`'s quick run:
//! - scheduler: the time of one `run_due` round that fires 100 due instances,
//!   and of a round with nothing due, with 10,000 and then 1,000,000 open
//!   instances in the store (bulk-loaded copies of a real state of
//!   新产品上市; `SOPFLOW_BENCH_OPEN=N` changes the larger count).
//! - bytes stored per open instance of 新产品上市 with its start events.
//!
//! Run with `cargo bench -p sopflow-runtime --bench runtime`; add
//! `-- --reports-only` for the printed figures without the timings.

// A bench measures wall time.
#![allow(clippy::disallowed_methods)]

#[path = "support/db.rs"]
mod db;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput};
use db::{raw_pool, BenchDb};
use sopflow::exec::{Attributes, Command};
use sopflow_runtime::{Runtime, SopFiles};
use sqlx::AnyPool;

#[path = "support/reports.rs"]
mod reports;

/// How many tasks the concurrent benches run.
const TASKS: u64 = 16;

/// 新产品上市 with the organisation file it imports.
pub fn example() -> SopFiles {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    SopFiles::read(dir.join("新产品上市.sop")).expect("the example is readable")
}

/// When every bench starts its instances.
pub fn t0() -> DateTime<Utc> {
    "2026-03-02T09:00:00+08:00".parse().expect("an instant")
}

/// The attributes 新产品上市 needs.
pub fn attributes() -> Attributes {
    Attributes::from_pairs([("上市日", "2026-09-30")]).expect("a date")
}

/// The `n`th command on an instance: pause, resume, pause, … of its first step.
fn command(n: u64) -> Command {
    let (id, step, actor) = (
        format!("c{n}"),
        "市场部:提交需求".to_owned(),
        "市场部".to_owned(),
    );
    if n.is_multiple_of(2) {
        Command::Pause {
            id,
            step,
            actor,
            reason: String::new(),
        }
    } else {
        Command::Resume { id, step, actor }
    }
}

/// A connected runtime with 新产品上市 deployed and `TASKS` instances started.
struct Fixture {
    runtime: Runtime,
    raw: AnyPool,
    /// The next command number of each instance.
    counters: Vec<AtomicU64>,
    /// The JSON of a pause event: the row the raw inserts write.
    event: String,
    raw_seq: AtomicU64,
    db: BenchDb,
}

impl Fixture {
    async fn new(db: BenchDb) -> Fixture {
        let runtime = Runtime::connect(&db.url).await.expect("connect");
        runtime.deploy(&example(), t0()).await.expect("deploy");
        for i in 0..TASKS {
            runtime
                .start("新产品上市", &format!("NP-{i}"), attributes(), t0())
                .await
                .expect("start");
        }
        let answer = runtime
            .handle("NP-0", command(0), t0())
            .await
            .expect("a pause");
        let event = serde_json::to_string(&answer.events[0]).expect("JSON");
        let counters = (0..TASKS)
            .map(|i| AtomicU64::new(u64::from(i == 0)))
            .collect();
        let raw = raw_pool(&db.url).await;
        sqlx::query(
            "CREATE TABLE bench_raw (instance_id TEXT NOT NULL, seq BIGINT NOT NULL, \
             at BIGINT NOT NULL, type TEXT NOT NULL, command_id TEXT, event TEXT NOT NULL, \
             PRIMARY KEY (instance_id, seq))",
        )
        .execute(&raw)
        .await
        .expect("create bench_raw");
        Fixture {
            runtime,
            raw,
            counters,
            event,
            raw_seq: AtomicU64::new(0),
            db,
        }
    }

    /// One durable command on instance `i`.
    async fn command(&self, i: usize) {
        let n = self.counters[i].fetch_add(1, Ordering::Relaxed);
        self.runtime
            .handle(&format!("NP-{i}"), command(n), t0())
            .await
            .expect("a pause or a resume");
    }

    /// One transaction with one INSERT of an event-sized row.
    async fn raw_insert(&self, i: usize) {
        let seq = self.raw_seq.fetch_add(1, Ordering::Relaxed);
        let mut tx = if self.db.kind == "sqlite" {
            self.raw.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.raw.begin().await
        }
        .expect("begin");
        sqlx::query(
            "INSERT INTO bench_raw (instance_id, seq, at, type, command_id, event) \
             VALUES ($1, $2, $3, 'step_paused', $4, $5)",
        )
        .bind(format!("NP-{i}"))
        .bind(seq as i64)
        .bind(t0().timestamp())
        .bind(format!("c{seq}"))
        .bind(&self.event)
        .execute(&mut *tx)
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
    }

    async fn finish(self) {
        self.raw.close().await;
        self.runtime.close().await;
        self.db.finish().await;
    }
}

/// Times `iters` operations: one at a time, or spread over `TASKS` tasks.
async fn timed<F, Fut>(fixture: &Arc<Fixture>, iters: u64, concurrent: bool, op: F) -> Duration
where
    F: Fn(Arc<Fixture>, usize) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    if concurrent {
        let tasks: Vec<_> = (0..TASKS)
            .map(|k| {
                let share = iters / TASKS + u64::from(k < iters % TASKS);
                let fixture = fixture.clone();
                tokio::spawn(async move {
                    for _ in 0..share {
                        op(fixture.clone(), k as usize).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a bench task");
        }
    } else {
        for _ in 0..iters {
            op(fixture.clone(), 0).await;
        }
    }
    started.elapsed()
}

fn bench_commands(c: &mut Criterion, rt: &tokio::runtime::Runtime, db: BenchDb) {
    let kind = db.kind;
    let fixture = Arc::new(rt.block_on(Fixture::new(db)));
    let mut group = c.benchmark_group(kind);
    group
        .throughput(Throughput::Elements(1))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (name, concurrent) in [("seq", false), ("x16", true)] {
        group.bench_function(format!("command_{name}"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(timed(&fixture, iters, concurrent, |f, i| async move {
                    f.command(i).await
                }))
            })
        });
        group.bench_function(format!("raw_insert_{name}"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(timed(&fixture, iters, concurrent, |f, i| async move {
                    f.raw_insert(i).await
                }))
            })
        });
    }
    group.finish();
    let fixture = Arc::into_inner(fixture).expect("the benches are done");
    rt.block_on(fixture.finish());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reports_only = args.iter().any(|a| a == "--reports-only");
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then the long setups are skipped and each timing runs once.
    let full = reports_only || args.iter().any(|a| a == "--bench");
    let listing = args.iter().any(|a| a == "--list");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if full && !listing {
        report_environment(&rt);
        rt.block_on(reports::report_all());
    }
    if reports_only {
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench_commands(&mut c, &rt, BenchDb::sqlite());
    if let Some(db) = rt.block_on(BenchDb::postgres("commands")) {
        bench_commands(&mut c, &rt, db);
    }
    c.final_summary();
}

/// The machine's load and the Postgres durability settings, for the record.
fn report_environment(rt: &tokio::runtime::Runtime) {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }
    if let Some(url) = BenchDb::postgres_server() {
        rt.block_on(async {
            let pool = raw_pool(&url).await;
            for setting in [
                "fsync",
                "synchronous_commit",
                "wal_sync_method",
                "server_version",
            ] {
                let value: String =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
                        .fetch_one(&pool)
                        .await
                        .expect("SHOW");
                println!("postgres {setting} = {value}");
            }
            pool.close().await;
        });
    }
}
