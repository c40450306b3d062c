//! What the runtime's tests and the server's tests share: the small SOP they
//! both deploy, and fresh databases on the test Postgres server.
//!
//! One copy: `crates/runtime/tests/common/mod.rs` declares this module, and
//! `crates/server/tests/common/mod.rs` includes the same file with
//! `#[path = …]` (a dev-only crate would add a workspace member and a lock
//! entry for some sixty lines).

/// A small SOP: 市场部 → 研发部 (2h) → 财务部 (1h), and a ladder that warns at
/// 50%, notifies the owner at the deadline, the department head an hour
/// later and the PMO two hours later.
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

/// The URL of the database `database` on the test server, dropped and
/// created anew; `None` when there is no server (see [`postgres_url`]).
pub async fn fresh_postgres(database: &str) -> Option<String> {
    use sqlx::Executor;
    let admin = postgres_url()?;
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
    Some(format!("{base}/{database}"))
}
