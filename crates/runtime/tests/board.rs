//! The board index and [`Runtime::board`], and the bulk log
//! [`Runtime::history`], on SQLite and (with `SOPFLOW_TEST_POSTGRES_URL`)
//! on Postgres: late first with equal deadlines paged by id, filters,
//! readers, overdue flipping as the clock passes a deadline, parties added
//! by escalations, the backfill of rows stored before schema version 3.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use common::{minutes, small, t};
use sopflow::exec::{Attributes, Command};
use sopflow_runtime::{BoardCursor, BoardQuery, HistoryQuery, Readers, Runtime, SopFiles, Status};

on_each_backend!(
    board_orders_late_first,
    board_filters_and_readers,
    board_backfill,
    board_history,
);

/// A process only 财务部 takes part in.
fn finance_only() -> SopFiles {
    SopFiles::new(
        "报销.sop",
        "process 报销 {}\n财务部:审核 within 1h → 财务部:付款\n",
    )
}

/// `a`, `b`, `c` due at t0+2h, `d` at t0+1h30m, `e` without a deadline,
/// `f` completed; `r1` (报销) due at t0+1h.
async fn fixture(url: &str) -> (Runtime, DateTime<Utc>) {
    let t0 = t("2026-03-02T01:00:00Z");
    let runtime = Runtime::connect(url).await.unwrap();
    runtime.deploy(&small(), t0).await.unwrap();
    runtime.deploy(&finance_only(), t0).await.unwrap();
    let early = t0 - minutes(30);
    for id in ["c", "a", "e", "f", "d", "b"] {
        runtime
            .start("测试", id, Attributes::new(), early)
            .await
            .unwrap();
    }
    for (id, at) in [("a", t0), ("b", t0), ("c", t0), ("d", early), ("f", t0)] {
        let submit = Command::complete("submit", "市场部:提交", "市场部");
        runtime.handle(id, submit, at).await.unwrap();
    }
    for (n, (step, actor)) in [("研发部:评估", "研发部"), ("财务部:核算", "财务部")]
        .into_iter()
        .enumerate()
    {
        let command = Command::complete(format!("c{n}"), step, actor);
        runtime.handle("f", command, t0).await.unwrap();
    }
    runtime
        .start("报销", "r1", Attributes::new(), t0)
        .await
        .unwrap();
    (runtime, t0)
}

fn ids(page: &sopflow_runtime::BoardPage) -> Vec<&str> {
    page.items.iter().map(|i| i.summary.id.as_str()).collect()
}

/// Every page of `query`, following the cursors.
async fn all_pages(runtime: &Runtime, query: &BoardQuery) -> Vec<Vec<String>> {
    let mut query = query.clone();
    let mut pages = Vec::new();
    loop {
        let page = runtime.board(&query).await.unwrap();
        pages.push(ids(&page).into_iter().map(String::from).collect());
        assert!(pages.len() < 20, "the cursors end");
        match page.next {
            // The cursor survives a round trip through a URL.
            Some(next) => query.after = BoardCursor::decode(&next.encode()),
            None => return pages,
        }
    }
}

async fn board_orders_late_first(url: &str) {
    let (runtime, t0) = fixture(url).await;
    let query = BoardQuery {
        process: Some("测试".into()),
        limit: 2,
        ..BoardQuery::default()
    };
    // Equal deadlines (a, b, c) by id across a page boundary; no deadline last.
    assert_eq!(
        all_pages(&runtime, &query).await,
        [vec!["d", "a"], vec!["b", "c"], vec!["e", "f"]]
    );
    let first = runtime.board(&query).await.unwrap();
    assert_eq!(first.items[0].due, Some(t0 + minutes(90)));
    assert_eq!(first.items[1].due, Some(t0 + minutes(120)));
    let one_each = BoardQuery {
        limit: 1,
        ..query.clone()
    };
    assert_eq!(
        all_pages(&runtime, &one_each).await.concat(),
        ["d", "a", "b", "c", "e", "f"]
    );
    let everything = BoardQuery {
        limit: 100,
        ..BoardQuery::default()
    };
    let page = runtime.board(&everything).await.unwrap();
    assert_eq!(ids(&page), ["r1", "d", "a", "b", "c", "e", "f"]);
    assert_eq!(page.next, None);
    // A completed step moves the deadline: d's 评估 is done, 核算 is due 1h later.
    let done = Command::complete("x", "研发部:评估", "研发部");
    runtime.handle("d", done, t0 + minutes(100)).await.unwrap();
    let page = runtime.board(&everything).await.unwrap();
    assert_eq!(ids(&page), ["r1", "a", "b", "c", "d", "e", "f"]);
    assert_eq!(page.items[4].due, Some(t0 + minutes(160)));
    assert!(runtime
        .board(&BoardQuery::default())
        .await
        .unwrap_err()
        .to_string()
        .contains("at least one"));
}

async fn board_filters_and_readers(url: &str) {
    let (runtime, t0) = fixture(url).await;
    let all = BoardQuery {
        limit: 100,
        ..BoardQuery::default()
    };
    let ids_of = |query: BoardQuery| {
        let runtime = runtime.clone();
        async move {
            let page = runtime.board(&query).await.unwrap();
            ids(&page).into_iter().map(String::from).collect::<Vec<_>>()
        }
    };
    // Overdue flips when the clock passes a deadline (completing at it is on time).
    let overdue = |at| BoardQuery {
        overdue_at: Some(at),
        ..all.clone()
    };
    assert!(ids_of(overdue(t0 + minutes(60))).await.is_empty());
    assert_eq!(ids_of(overdue(t0 + minutes(61))).await, ["r1"]);
    assert_eq!(ids_of(overdue(t0 + minutes(91))).await, ["r1", "d"]);
    assert_eq!(
        ids_of(overdue(t0 + minutes(121))).await,
        ["r1", "d", "a", "b", "c"]
    );
    let status = |status| BoardQuery {
        status: Some(status),
        ..all.clone()
    };
    assert_eq!(ids_of(status(Status::Completed)).await, ["f"]);
    assert!(ids_of(status(Status::Cancelled)).await.is_empty());
    assert_eq!(ids_of(status(Status::Open)).await.len(), 6);
    let department = |d: &str| BoardQuery {
        department: Some(d.into()),
        ..all.clone()
    };
    assert_eq!(ids_of(department("财务部")).await.len(), 7);
    assert_eq!(ids_of(department("研发部")).await.len(), 6);
    assert!(ids_of(department("PMO")).await.is_empty());
    let readers = |names: &[&str]| BoardQuery {
        readers: Readers::Parties(names.iter().map(|n| n.to_string()).collect()),
        ..all.clone()
    };
    // A 研发部 token never sees the 财务部-only instance.
    let rd = ids_of(readers(&["研发部"])).await;
    assert_eq!(rd, ["d", "a", "b", "c", "e", "f"]);
    assert_eq!(ids_of(readers(&["财务部"])).await.len(), 7);
    assert!(ids_of(readers(&[])).await.is_empty());
    assert!(ids_of(readers(&["PMO", "李娜"])).await.is_empty());
    let actors: BTreeSet<String> = ["研发部".to_string()].into();
    assert!(!runtime.is_party("r1", &actors).await.unwrap());
    assert!(runtime.is_party("a", &actors).await.unwrap());
    // Escalations add their recipients as parties, in the timer round's transaction.
    runtime.run_due(t0 + minutes(90 + 121), 100).await.unwrap();
    assert_eq!(ids_of(readers(&["PMO"])).await, ["d"]);
    assert_eq!(ids_of(readers(&["王强"])).await, ["d", "a", "b", "c"]);
    let pmo: BTreeSet<String> = ["PMO".to_string()].into();
    assert!(runtime.is_party("d", &pmo).await.unwrap());
    // Filters combine.
    let both = BoardQuery {
        process: Some("测试".into()),
        overdue_at: Some(t0 + minutes(100)),
        readers: Readers::Parties(pmo),
        ..all.clone()
    };
    assert_eq!(ids_of(both).await, ["d"]);
}

/// Rows stored before schema version 3 are indexed at the next connect,
/// in batches, to the same board.
async fn board_backfill(url: &str) {
    use sqlx::Executor;
    let (runtime, t0) = fixture(url).await;
    runtime.run_due(t0 + minutes(211), 100).await.unwrap();
    let all = BoardQuery {
        limit: 100,
        ..BoardQuery::default()
    };
    let pmo = BoardQuery {
        readers: Readers::Parties(["PMO".to_string()].into()),
        ..all.clone()
    };
    let before = (
        runtime.board(&all).await.unwrap(),
        runtime.board(&pmo).await.unwrap(),
    );
    runtime.close().await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    pool.execute(
        "UPDATE instances SET process_due = NULL, due = NULL, \
         due_order = 4611686018427387904, indexed = 0",
    )
    .await
    .unwrap();
    pool.execute("DELETE FROM instance_parties").await.unwrap();
    pool.close().await;
    let runtime = Runtime::connect(url).await.unwrap();
    let after = (
        runtime.board(&all).await.unwrap(),
        runtime.board(&pmo).await.unwrap(),
    );
    assert_eq!(before, after);
    assert_eq!(ids(&after.1), ["d"]);
    // Again: nothing to do, nothing changes.
    let runtime = Runtime::connect(url).await.unwrap();
    assert_eq!(runtime.board(&all).await.unwrap(), before.0);
}

/// The bulk log pages through every event once, in (instance, seq) order,
/// and keeps the instances whose life overlaps the period.
async fn board_history(url: &str) {
    let (runtime, t0) = fixture(url).await;
    let mut expected = Vec::new();
    for id in ["a", "b", "c", "d", "e", "f", "r1"] {
        for (seq, event) in runtime.events(id).await.unwrap().into_iter().enumerate() {
            expected.push((id.to_string(), seq as i64 + 1, event));
        }
    }
    let mut query = HistoryQuery {
        limit: 4,
        ..HistoryQuery::default()
    };
    let mut got = Vec::new();
    loop {
        let page = runtime.history(&query).await.unwrap();
        let full = page.len() == 4;
        query.after = page.last().map(|e| (e.instance.clone(), e.seq));
        got.extend(page.into_iter().map(|e| (e.instance, e.seq, e.event)));
        if !full {
            break;
        }
    }
    assert_eq!(got, expected);
    // Before t0: the starts at t0-30m and d's submission, not r1 (started at t0).
    let early = HistoryQuery {
        to: Some(t0),
        ..HistoryQuery::default()
    };
    let page = runtime.history(&early).await.unwrap();
    assert!(page.iter().all(|e| e.event.at < t0));
    let instances: BTreeSet<&str> = page.iter().map(|e| e.instance.as_str()).collect();
    assert_eq!(instances, ["a", "b", "c", "d", "e", "f"].into());
    // After everything closed: only what is still open.
    let late = HistoryQuery {
        from: Some(t0 + minutes(1)),
        ..HistoryQuery::default()
    };
    let page = runtime.history(&late).await.unwrap();
    let instances: BTreeSet<&str> = page.iter().map(|e| e.instance.as_str()).collect();
    assert_eq!(instances, ["a", "b", "c", "d", "e", "r1"].into());
    let rd = HistoryQuery {
        readers: Readers::Parties(["研发部".to_string()].into()),
        ..HistoryQuery::default()
    };
    let page = runtime.history(&rd).await.unwrap();
    assert!(page.iter().all(|e| e.instance != "r1"));
    assert_eq!(
        page.len(),
        expected.len() - runtime.events("r1").await.unwrap().len()
    );
}
