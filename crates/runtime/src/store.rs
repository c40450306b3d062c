//! The database: connecting, migrations, transactions and the SQL the
//! [`Runtime`](crate::Runtime) runs. Both backends go through sqlx's `Any`
//! driver with the same statements; where the two dialects differ (row
//! locks, how a write transaction begins) the [`Backend`] chooses.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::error::{corrupt, Error, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a [`Runtime`](crate::Runtime) runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file: one writer at a time (`BEGIN IMMEDIATE`), WAL,
    /// `synchronous=FULL`. The embedded default.
    Sqlite,
    /// PostgreSQL: several runtimes share one database; instances are
    /// locked row by row (`FOR UPDATE`, and `SKIP LOCKED` for due timers).
    Postgres,
}

impl Backend {
    /// The backend a database URL names: `sqlite:…` or `postgres:…`/`postgresql:…`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for any other scheme.
    ///
    /// # Example
    /// ```
    /// use sopflow_runtime::Backend;
    /// assert_eq!(Backend::of_url("sqlite://sopflow.db?mode=rwc").unwrap(), Backend::Sqlite);
    /// assert_eq!(Backend::of_url("postgres://u@localhost/db").unwrap(), Backend::Postgres);
    /// assert!(Backend::of_url("mysql://localhost/db").is_err());
    /// ```
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::Invalid(format!(
                "unsupported database URL `{url}`: use sqlite://PATH?mode=rwc or postgres://…"
            )))
        }
    }
}

/// How long an SQLite connection waits for another writer before it gives up.
const SQLITE_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 30000";

pub(crate) async fn connect(url: &str) -> Result<(AnyPool, Backend)> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let options = AnyConnectOptions::from_str(url)?;
    let pool = match backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                // Readers run beside the one writer (WAL); writers queue on
                // SQLite's lock, waiting up to the busy timeout.
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // The busy timeout first: switching to WAL takes a lock.
                        conn.execute(SQLITE_BUSY_TIMEOUT).await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        // FULL: in WAL mode, NORMAL may lose the last commits
                        // on power loss; an acknowledged command must not be lost.
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?
        }
        Backend::Postgres => {
            AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?
        }
    };
    match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
        Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
    }
    Ok((pool, backend))
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite takes the write
/// lock at once (a deferred transaction that reads first and writes later
/// can fail with `SQLITE_BUSY` instead of waiting); on Postgres, row locks
/// taken by the statements themselves serialize the work on one instance.
pub(crate) async fn begin(pool: &AnyPool, backend: Backend) -> Result<Transaction<'static, Any>> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// The instance row, locked for the transaction on Postgres.
pub(crate) fn select_instance_for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT process, version, status, state, revision, event_count, request, start_events, \
             process_due FROM instances WHERE id = $1"
        }
        Backend::Postgres => {
            "SELECT process, version, status, state, revision, event_count, request, start_events, \
             process_due FROM instances WHERE id = $1 FOR UPDATE"
        }
    }
}

/// Claims up to `$2` instances due at `$1`, earliest first. On Postgres,
/// rows another worker holds are skipped, so workers split the due set.
pub(crate) fn claim_due(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT id, process, version, state, revision, event_count, process_due FROM instances \
             WHERE next_wakeup IS NOT NULL AND next_wakeup <= $1 \
             ORDER BY next_wakeup, id LIMIT $2"
        }
        Backend::Postgres => {
            "SELECT id, process, version, state, revision, event_count, process_due FROM instances \
             WHERE next_wakeup IS NOT NULL AND next_wakeup <= $1 \
             ORDER BY next_wakeup, id LIMIT $2 FOR UPDATE SKIP LOCKED"
        }
    }
}

/// An instant as stored: Unix seconds.
pub(crate) fn seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

/// A stored instant.
pub(crate) fn instant(seconds: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| corrupt(format!("instant {seconds}")))
}

/// Whether the error is a violated unique constraint (a concurrent insert of the same key).
pub(crate) fn is_unique_violation(error: &Error) -> bool {
    matches!(error, Error::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
}
