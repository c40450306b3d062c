//! Shared by the runtime's integration tests: databases to run on, the
//! examples, a small SOP with short elapsed-time deadlines, time helpers.
#![allow(dead_code)]

mod shared;

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};
use sopflow_runtime::SopFiles;

// Each test binary uses a part of this module.
#[allow(unused_imports)]
pub use shared::{fresh_postgres, postgres_url, SMALL};

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
        Some(TestDb {
            url: fresh_postgres(&format!("sopflow_t_{name}")).await?,
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
