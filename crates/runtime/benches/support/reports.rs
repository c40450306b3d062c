//! Printed figures (see `runtime.rs`): scheduler round time against the
//! number of open instances, and bytes stored per open instance.

use std::time::Instant;

use sqlx::AnyPool;

use crate::db::{raw_pool, BenchDb};
use crate::{attributes, example, t0};
use sopflow_runtime::Runtime;

/// Instances due in each timed round (the scheduler's default batch).
const DUE: u64 = 100;
/// Rounds timed at each size.
const ROUNDS: usize = 15;
/// The id of the instance whose state the bulk rows copy; as long as theirs.
const TEMPLATE: &str = "tmpl-00000000";

pub async fn report_all() {
    let large = std::env::var("SOPFLOW_BENCH_OPEN")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000u64);
    report_bytes(BenchDb::sqlite(), 1000).await;
    if let Some(db) = BenchDb::postgres("bytes").await {
        report_bytes(db, 1000).await;
    }
    report_rounds(BenchDb::sqlite(), large).await;
    if let Some(db) = BenchDb::postgres("rounds").await {
        report_rounds(db, large).await;
    }
}

/// Bytes per open instance: the database's size after `n` starts of
/// 新产品上市, less its size before them, over `n`.
async fn report_bytes(db: BenchDb, n: usize) {
    let runtime = Runtime::connect(&db.url).await.expect("connect");
    runtime.deploy(&example(), t0()).await.expect("deploy");
    let raw = raw_pool(&db.url).await;
    let before = size(&raw, db.kind).await;
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let runtime = runtime.clone();
            tokio::spawn(async move {
                for i in (k..n).step_by(16) {
                    runtime
                        .start("新产品上市", &format!("NP-2026-{i:05}"), attributes(), t0())
                        .await
                        .expect("start");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a start task");
    }
    let after = size(&raw, db.kind).await;
    let bytes = if db.kind == "sqlite" {
        "LENGTH(CAST(state AS BLOB))"
    } else {
        "octet_length(state)"
    };
    let (events, state): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT (SELECT COUNT(*) FROM events), \
         (SELECT CAST(SUM({bytes}) AS BIGINT) FROM instances)"
    )))
    .fetch_one(&raw)
    .await
    .expect("counts");
    println!(
        "{}/bytes: {n} open instances of 新产品上市 ({:.1} start events each, state JSON {} B \
         each): {} B stored per instance",
        db.kind,
        events as f64 / n as f64,
        state / n as i64,
        (after - before) / n as i64,
    );
    raw.close().await;
    runtime.close().await;
    db.finish().await;
}

/// The database's size in bytes, as the store keeps it.
async fn size(raw: &AnyPool, kind: &str) -> i64 {
    if kind == "sqlite" {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(raw)
            .await
            .expect("checkpoint");
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(raw)
            .await
            .expect("page_count");
        let page: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(raw)
            .await
            .expect("page_size");
        pages * page
    } else {
        sqlx::query_scalar(
            "SELECT CAST(SUM(pg_total_relation_size(CAST(t AS regclass))) AS BIGINT) FROM \
             (VALUES ('instances'), ('events'), ('commands'), ('outbox'), ('definitions')) AS v(t)",
        )
        .fetch_one(raw)
        .await
        .expect("pg_total_relation_size")
    }
}

/// The template's stored row, copied into the bulk rows and restored before each round.
struct Template {
    state: String,
    wakeup: i64,
    revision: i64,
    event_count: i64,
}

/// Round times with 10,000 and then `large` open instances, `DUE` of them due.
async fn report_rounds(db: BenchDb, large: u64) {
    let runtime = Runtime::connect(&db.url).await.expect("connect");
    runtime.deploy(&example(), t0()).await.expect("deploy");
    runtime
        .start("新产品上市", TEMPLATE, attributes(), t0())
        .await
        .expect("start");
    let raw = raw_pool(&db.url).await;
    let (state, wakeup, revision, event_count): (String, i64, i64, i64) = sqlx::query_as(
        "SELECT state, next_wakeup, revision, event_count FROM instances WHERE id = $1",
    )
    .bind(TEMPLATE)
    .fetch_one(&raw)
    .await
    .expect("the template");
    assert!(
        state.contains(&format!("\"{TEMPLATE}\"")),
        "the state names its instance"
    );
    let template = Template {
        state,
        wakeup,
        revision,
        event_count,
    };
    let mut loaded = 0;
    for open in [10_000, large] {
        let started = Instant::now();
        bulk_load(&raw, db.kind, loaded + 1, open).await;
        let load_s = started.elapsed().as_secs_f64();
        // The template itself is no longer due: only the bulk rows are.
        sqlx::query("UPDATE instances SET next_wakeup = NULL WHERE id = $1")
            .bind(TEMPLATE)
            .execute(&raw)
            .await
            .expect("template");
        if db.kind == "postgres" {
            // What autovacuum does after a bulk load: statistics for the planner.
            sqlx::query("ANALYZE instances")
                .execute(&raw)
                .await
                .expect("analyze");
        }
        loaded = open;
        let due_at = chrono::DateTime::from_timestamp(template.wakeup, 0).expect("an instant");
        let (mut busy, mut idle, mut fired) = (Vec::new(), Vec::new(), 0);
        for _ in 0..ROUNDS {
            reset_due(&raw, &template).await;
            let started = Instant::now();
            let round = runtime.run_due(due_at, DUE as u32).await.expect("a round");
            busy.push(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(round.claimed, DUE as usize, "every due instance is claimed");
            assert!(round.failed.is_empty(), "{:?}", round.failed);
            fired = round.fired.len();
            let started = Instant::now();
            let round = runtime.run_due(due_at, DUE as u32).await.expect("a round");
            idle.push(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(round.claimed, 0);
        }
        println!(
            "{}/scheduler: {open} open instances ({DUE} due; loaded in {load_s:.1} s): a round \
             firing {DUE} instances ({fired} events) {}; a round with nothing due {}",
            db.kind,
            spread(&mut busy),
            spread(&mut idle),
        );
    }
    raw.close().await;
    runtime.close().await;
    db.finish().await;
}

/// Min, median and max of `ROUNDS` times in ms.
fn spread(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    format!(
        "min {:.2} ms, median {:.2} ms, max {:.2} ms",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    )
}

/// Inserts open instances `from..=to` in one transaction and one statement:
/// copies of the template's row whose state names the copy, due at the
/// template's wakeup for the first `DUE`, a century later for the others.
async fn bulk_load(raw: &AnyPool, kind: &str, from: u64, to: u64) {
    let (numbers, id) = if kind == "sqlite" {
        (
            "(WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
             SELECT i FROM n)",
            "printf('bulk-%08d', i)",
        )
    } else {
        (
            "(SELECT generate_series(CAST($1 AS BIGINT), CAST($2 AS BIGINT)) AS i)",
            "'bulk-' || lpad(CAST(i AS TEXT), 8, '0')",
        )
    };
    let sql = format!(
        "INSERT INTO instances (id, process, version, status, state, next_wakeup, revision, \
         event_count, request, start_events, error, created_at, updated_at) \
         SELECT {id}, t.process, t.version, t.status, replace(t.state, $3, '\"' || {id} || '\"'), \
         CASE WHEN i <= $4 THEN t.next_wakeup ELSE t.next_wakeup + $5 END, t.revision, \
         t.event_count, t.request, t.start_events, NULL, t.created_at, t.updated_at \
         FROM {numbers} AS n, instances AS t WHERE t.id = $6"
    );
    let mut tx = raw.begin().await.expect("begin");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from as i64)
        .bind(to as i64)
        .bind(format!("\"{TEMPLATE}\""))
        .bind(DUE as i64)
        .bind(100 * 365 * 86_400i64)
        .bind(TEMPLATE)
        .execute(&mut *tx)
        .await
        .expect("bulk load");
    tx.commit().await.expect("commit");
}

/// Makes the first `DUE` bulk instances due again, as loaded (untimed).
async fn reset_due(raw: &AnyPool, template: &Template) {
    let last = format!("bulk-{DUE:08}");
    let mut tx = raw.begin().await.expect("begin");
    for table in ["events", "outbox"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE instance_id BETWEEN 'bulk-00000001' AND $1"
        )))
        .bind(&last)
        .execute(&mut *tx)
        .await
        .expect("delete");
    }
    sqlx::query(
        "UPDATE instances SET state = replace($1, $2, '\"' || id || '\"'), next_wakeup = $3, \
         revision = $4, event_count = $5, error = NULL \
         WHERE id BETWEEN 'bulk-00000001' AND $6",
    )
    .bind(&template.state)
    .bind(format!("\"{TEMPLATE}\""))
    .bind(template.wakeup)
    .bind(template.revision)
    .bind(template.event_count)
    .bind(&last)
    .execute(&mut *tx)
    .await
    .expect("reset");
    tx.commit().await.expect("commit");
}
