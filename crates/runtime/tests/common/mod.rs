//! Shared by the runtime's integration tests: databases to run on, the
//! examples, a small SOP with short elapsed-time deadlines, time helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};
use sopflow_runtime::SopFiles;

/// A small SOP: three steps, the last two with deadlines of 2h and 1h, and a
/// ladder that warns at 50%, notifies the owner at the deadline, the
/// department head an hour later and the PMO two hours later.
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

pub fn small() -> SopFiles {
    SopFiles::new("测试.sop", SMALL)
}

/// The repository's `examples/` folder.
pub fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// An example with the files it uses.
pub fn example(name: &str) -> SopFiles {
    SopFiles::read(examples().join(name)).expect("the examples are readable")
}

pub fn t(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("a valid RFC 3339 instant")
}

pub fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

/// The Postgres server the tests may use, from `SOPFLOW_TEST_POSTGRES_URL`.
/// Without it the Postgres variants are skipped, unless
/// `SOPFLOW_REQUIRE_POSTGRES=1`: then they fail, so that CI cannot skip them
/// silently.
pub fn postgres_url() -> Option<String> {
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

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new SQLite file in a temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("sopflow.db").display()
        );
        TestDb {
            url,
            _dir: Some(dir),
        }
    }

    /// A database named `sopflow_t_{name}` on the test server, dropped and
    /// created anew; `None` when there is no server (see [`postgres_url`]).
    pub async fn postgres(name: &str) -> Option<TestDb> {
        use sqlx::Executor;
        let admin = postgres_url()?;
        let database = format!("sopflow_t_{name}");
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("the test Postgres server is reachable");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
        )))
        .await
        .expect("drop the test database");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .await
            .expect("create the test database");
        let base = admin
            .rsplit_once('/')
            .map(|(base, _)| base)
            .expect("a Postgres URL ends with /DATABASE");
        Some(TestDb {
            url: format!("{base}/{database}"),
            _dir: None,
        })
    }
}

/// Runs an async test body once per backend: `$name::sqlite` always,
/// `$name::postgres` against the test server (see [`postgres_url`]).
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite();
                super::$name(&db.url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::common::TestDb::postgres(stringify!($name)).await {
                    super::$name(&db.url).await;
                }
            }
        }
    )*};
}
