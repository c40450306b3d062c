//! The durable runtime for sopflow: a store, a scheduler and an outbox
//! around the sans-IO executor [`sopflow::exec`], with an async API in
//! process ([`Runtime`]).
//!
//! ```text
//! caller ──deploy/start/handle──▶ Runtime ──one transaction──▶ store (SQLite | Postgres)
//!                                   │  load state → exec → append events, new state,
//!                                   │  next wakeup, outbox rows → commit → answer
//! Scheduler (tokio task) ──run_due(now)──▶ the same, for instances whose next wakeup is due
//! ```
//!
//! # What it knows and what it must not
//!
//! - It knows the core only through its public API: [`sopflow::load`] to read
//!   and check `.sop` files, [`sopflow::exec::Instance`] to start, handle and
//!   tick, serde for the instance state and the events, which it stores as
//!   JSON and returns without looking inside (except for the three timer
//!   events that go to the outbox). The core knows nothing of this crate.
//! - It knows no HTTP, prints nothing and exits nothing: an HTTP server (the
//!   `sopflow serve` slice) is a thin layer over [`Runtime`] that maps
//!   [`Error::kind`] to status codes in one place.
//! - It reads no clock: every call takes `now`, and the [`Scheduler`] takes an
//!   injected [`Clock`](sopflow::exec::Clock).
//! - It delivers notifications only after commit, from the outbox, on its own
//!   task ([`delivery`]): webhooks and the 飞书, 钉钉 and 企业微信 robots, at
//!   least once, folded into digests within each robot's rate limit.
//!
//! # Invariants
//!
//! - **One transaction per step of work.** A start, a command or a timer
//!   round loads the state, runs the executor, and appends its events,
//!   writes the new state and next wakeup and inserts its outbox rows in one
//!   transaction; the caller gets the answer after the commit. A refused
//!   call rolls back and changes nothing.
//! - **Each command id and each timer applies once.** Handled command ids
//!   are stored with the seq range of their events, so a retried id gets the
//!   same events; a timer fires inside the transaction that stores the
//!   executor's "fired" bit. Two workers never apply work to one instance at
//!   once: SQLite has one writer (`BEGIN IMMEDIATE`); Postgres locks the
//!   instance row (`FOR UPDATE`, `FOR UPDATE SKIP LOCKED` for due timers),
//!   and every update also checks the row's `revision`.
//! - **The event log is append-only and is the truth**: `replay` of an
//!   instance's log gives its stored state.
//! - **The board index is never stale.** Each instance row carries its
//!   earliest deadline and the table `instance_parties` its parties
//!   ([`parties`]); both are written in the transaction of the start,
//!   command or timer round that changes them, so [`Runtime::board`] lists,
//!   filters and checks access with one indexed query per page, and
//!   [`Runtime::history`] reads a period's logs in bulk. Rows stored before
//!   schema version 3 are indexed at [`Runtime::connect`].
//! - **Versions are immutable.** Deploying a changed definition adds a
//!   version; an instance keeps the version it started on.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use sopflow::exec::{Attributes, Command, SystemClock};
//! use sopflow_runtime::{Runtime, SchedulerOptions, SopFiles};
//!
//! # async fn run() -> Result<(), sopflow_runtime::Error> {
//! let runtime = Runtime::connect("sqlite://sopflow.db?mode=rwc").await?;
//! let now = "2026-03-02T09:00:00+08:00".parse().unwrap();
//! let deployed = runtime.deploy(&SopFiles::read("examples/新产品上市.sop")?, now).await?;
//! println!("{} v{}", deployed.process, deployed.version);
//!
//! // Timers fire in the background; the scheduler sleeps until the next one is due.
//! let scheduler = runtime.spawn_scheduler(Arc::new(SystemClock), SchedulerOptions::default());
//!
//! let attributes = Attributes::from_pairs([("上市日", "2026-06-30")]).unwrap();
//! let answer = runtime.start("新产品上市", "NP-7", attributes, now).await?;
//! println!("{} events", answer.events.len());
//! let command = Command::complete("c1", "市场部:提交需求", "市场部"); // no 《市场需求文档》
//! match runtime.handle("NP-7", command, now).await {
//!     Ok(answer) => println!("committed: {:?}", answer.events),
//!     Err(error) => println!("{}: {error}", error.kind()), // invalid: a deliverable is missing
//! }
//! scheduler.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Databases
//!
//! `sqlite://PATH?mode=rwc` is the embedded default: WAL journal,
//! `synchronous=FULL` (in WAL mode, `NORMAL` may lose the last commits on
//! power loss, and an answered command must not be lost), a 30 s busy
//! timeout, one writer at a time. `postgres://…` lets several runtimes share
//! one database and split the due timers. Both run the same SQL through
//! sqlx's `Any` driver; migrations live in `migrations/sqlite` and
//! `migrations/postgres` and run at [`Runtime::connect`].
//!
//! # Dependencies
//!
//! - `sopflow` (without default features): the language and the executor.
//! - `sqlx` (sqlite, postgres, any, migrate, runtime-tokio): one async query
//!   layer over both databases, with embedded migrations; no compile-time
//!   checked queries, so building needs no database.
//! - `tokio` (rt, sync, time, macros): the async runtime sqlx runs on, and the
//!   scheduler's sleep, notification and channels.
//! - `tracing`: spans per command and per timer round, for whatever
//!   subscriber the host installs.
//! - `thiserror`: the [`Error`] enum.
//! - `serde`, `serde_json`: the stored JSON of states and events, and serde
//!   on the answers for an HTTP layer.
//! - `chrono`: instants, as the core uses them.
//! - `reqwest` (rustls, no default features): the HTTP client of [`delivery`],
//!   with timeouts; rustls, so no OpenSSL on the system.
//! - `hmac`, `sha2`, `base64`: the HMAC-SHA256 signatures 飞书 and 钉钉 robots
//!   require (RustCrypto crates, already in the tree through sqlx).
#![warn(missing_docs)]

mod board;
pub mod delivery;
mod error;
mod history;
mod outbox;
mod runtime;
mod scheduler;
mod sources;
mod store;
mod types;

pub use board::parties;
pub use error::{Error, Result};
pub use history::{HistoryEntry, HistoryQuery};
pub use runtime::Runtime;
pub use scheduler::{Scheduler, SchedulerOptions};
pub use sources::SopFiles;
pub use store::Backend;
pub use types::{
    Answer, BoardCursor, BoardItem, BoardPage, BoardQuery, Deployment, Fired, InstanceSummary,
    InstanceView, ListFilter, Notification, Readers, Round, Stats, Status, StepView, VersionInfo,
};
