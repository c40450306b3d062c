//! The databases the benchmarks run on, shared by `crates/runtime/benches`
//! and `crates/server/benches` (included there with `#[path]`): a fresh
//! SQLite file per bench, and a fresh Postgres database per bench when
//! `SOPFLOW_TEST_POSTGRES_URL` is set (skipped, and said so, otherwise).
//!
//! [`raw_pool`] opens a second pool on the same database with the store's own
//! settings (see `crates/runtime/src/store.rs`): WAL, `synchronous=FULL`, a
//! 30 s busy timeout and 4 connections on SQLite; 8 connections on Postgres.
#![allow(dead_code)]

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// One database for one bench.
pub struct BenchDb {
    /// `sqlite` or `postgres`.
    pub kind: &'static str,
    /// The URL [`sopflow_runtime::Runtime::connect`] takes.
    pub url: String,
    /// For Postgres: the server's URL and this database's name, dropped at the end.
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchDb {
    /// A new SQLite file in a temporary directory (under `target/`, on the
    /// same disk as the project, not a tmpfs).
    pub fn sqlite() -> BenchDb {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tmp");
        std::fs::create_dir_all(&base).expect("target/tmp");
        let dir = tempfile::tempdir_in(base).expect("a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        BenchDb {
            kind: "sqlite",
            url,
            postgres: None,
            _dir: Some(dir),
        }
    }

    /// The Postgres server of `SOPFLOW_TEST_POSTGRES_URL`, or `None` (and a line saying so).
    pub fn postgres_server() -> Option<String> {
        match std::env::var("SOPFLOW_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                eprintln!("postgres: skipped (SOPFLOW_TEST_POSTGRES_URL is not set)");
                None
            }
        }
    }

    /// A database named `{server's database}_b_{name}`, dropped and created anew.
    pub async fn postgres(name: &str) -> Option<BenchDb> {
        let admin = Self::postgres_server()?;
        let (base, database) = admin
            .rsplit_once('/')
            .expect("a Postgres URL ends with /DATABASE");
        let database = format!(
            "{}_b_{name}",
            database.split('?').next().unwrap_or(database)
        );
        let db = BenchDb {
            kind: "postgres",
            url: format!("{base}/{database}"),
            postgres: Some((admin.clone(), database.clone())),
            _dir: None,
        };
        drop_database(&admin, &database).await;
        admin_execute(&admin, &format!("CREATE DATABASE {database}")).await;
        Some(db)
    }

    /// Drops a Postgres database (an SQLite file goes with its directory).
    pub async fn finish(self) {
        if let Some((admin, database)) = &self.postgres {
            drop_database(admin, database).await;
        }
    }
}

async fn admin_execute(admin: &str, sql: &str) {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(admin)
        .await
        .expect("the Postgres server is reachable");
    conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn drop_database(admin: &str, database: &str) {
    admin_execute(
        admin,
        &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
    )
    .await;
}

/// A pool on `url` with the store's connection settings.
pub async fn raw_pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url).expect("a database URL");
    if url.starts_with("sqlite:") {
        AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .expect("connect")
    } else {
        AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .expect("connect")
    }
}
