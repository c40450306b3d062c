//! Storage of deliveries and attempts: the SQL of folding, claiming and
//! finishing, and the read API ([`Runtime::deliveries`],
//! [`Runtime::dead_letters`], [`Runtime::retry_dead_letter`]).
//!
//! Invariants:
//! - An outbox row is folded into at most one message: it leaves `pending`
//!   in the transaction that inserts its message (on Postgres the pending
//!   rows are read `FOR UPDATE SKIP LOCKED`, so two workers fold disjoint
//!   rows).
//! - A claim is a lease: it moves `next_attempt_at` past the request's
//!   timeout and records the attempt before any request is made, so a
//!   worker that dies mid-request leaves a message that is tried again
//!   after the lease (at least once), and the attempt still counts against
//!   the channel's rate limit.
//! - A message leaves `pending` only once: `sent` or `dead` are written
//!   with `WHERE status = 'pending'`, with its outbox rows in the same
//!   transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

use crate::error::{corrupt, Error, Result};
use crate::store::{self, instant, seconds};
use crate::{Backend, Runtime};

use super::message::Message;

/// Where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or being tried).
    Pending,
    /// The channel took it.
    Sent,
    /// Given up: too many failed attempts, or no channel for the recipient.
    Dead,
}

impl DeliveryStatus {
    /// As stored: `pending`, `sent`, `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Result<DeliveryStatus> {
        match text {
            "pending" => Ok(DeliveryStatus::Pending),
            "sent" => Ok(DeliveryStatus::Sent),
            "dead" => Ok(DeliveryStatus::Dead),
            other => Err(corrupt(format!("delivery status `{other}`"))),
        }
    }
}

/// A message to a channel, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    /// The message id (increasing).
    pub id: i64,
    /// The channel's name (empty when the recipient has none).
    pub channel: String,
    /// Who is told.
    pub recipient: String,
    /// How many outbox rows (notifications) it carries: more than one for a digest.
    pub items: i64,
    /// The first line of the message.
    pub title: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// How many requests were made.
    pub attempts: i64,
    /// When it may be tried next (while `pending`).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed (kept when it is dead).
    pub last_error: Option<String>,
    /// When it was folded.
    pub created_at: DateTime<Utc>,
    /// When the channel took it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it last changed: folded, claimed for an attempt, the attempt's
    /// outcome recorded, or retried by hand.
    pub updated_at: DateTime<Utc>,
    /// The notifications it carries, in the order the message lists them.
    pub notifications: Vec<DeliveryItem>,
}

/// One notification a message carries: which instance, step and event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryItem {
    /// The outbox row.
    pub outbox_id: i64,
    /// The instance (`NP-7`).
    pub instance: String,
    /// Its process.
    pub process: String,
    /// The step key, or `None` for the whole process.
    pub step: Option<String>,
    /// `warning_raised`, `deadline_missed`, `escalated` or `calendar_data_missing`.
    pub kind: String,
    /// The escalation level.
    pub level: Option<i64>,
}

/// Which deliveries [`Runtime::deliveries`] lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilter {
    /// Only those in this status.
    pub status: Option<DeliveryStatus>,
    /// Only those of this channel.
    pub channel: Option<String>,
    /// Only ids after this one (the last id of the previous page).
    pub after: Option<i64>,
    /// At most this many (0 means 100).
    pub limit: u32,
}

const COLUMNS: &str = "id, channel, recipient, items, title, message, status, attempts, \
                       next_attempt_at, last_error, created_at, sent_at, \
                       COALESCE(updated_at, created_at) AS updated_at";

fn view(row: &sqlx::any::AnyRow) -> Result<DeliveryView> {
    let status: String = row.try_get("status")?;
    let message: Message = serde_json::from_str(&row.try_get::<String, _>("message")?)
        .map_err(|e| corrupt(format!("delivery message: {e}")))?;
    let notifications = message
        .items
        .into_iter()
        .map(|item| DeliveryItem {
            outbox_id: item.outbox_id,
            instance: item.instance,
            process: item.process,
            step: item.step,
            kind: item.kind,
            level: item.level,
        })
        .collect();
    Ok(DeliveryView {
        id: row.try_get("id")?,
        channel: row.try_get("channel")?,
        recipient: row.try_get("recipient")?,
        items: row.try_get("items")?,
        title: row.try_get("title")?,
        status: DeliveryStatus::parse(&status)?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: instant(row.try_get("next_attempt_at")?)?,
        last_error: row.try_get("last_error")?,
        created_at: instant(row.try_get("created_at")?)?,
        sent_at: row
            .try_get::<Option<i64>, _>("sent_at")?
            .map(instant)
            .transpose()?,
        updated_at: instant(row.try_get("updated_at")?)?,
        notifications,
    })
}

impl Runtime {
    /// Messages to channels, oldest first, filtered.
    ///
    /// # Errors
    /// [`Error::Database`] when the store cannot be read.
    pub async fn deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<DeliveryView>> {
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM deliveries \
             WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR channel = $2) AND id > $3 \
             ORDER BY id LIMIT $4"
        )))
        .bind(filter.status.map(DeliveryStatus::as_str))
        .bind(filter.channel.as_deref())
        .bind(filter.after.unwrap_or(0))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(view).collect()
    }

    /// How many messages are in each status (every status present, zero
    /// when none), for `/metrics`.
    ///
    /// # Errors
    /// [`Error::Database`] when the store cannot be read.
    pub async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, i64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
                .fetch_all(self.pool())
                .await?;
        let mut counts = vec![
            (DeliveryStatus::Pending, 0),
            (DeliveryStatus::Sent, 0),
            (DeliveryStatus::Dead, 0),
        ];
        for (status, n) in rows {
            let status = DeliveryStatus::parse(&status)?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == status) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }

    /// One message by id; `None` when there is none.
    ///
    /// # Errors
    /// [`Error::Database`] when the store cannot be read.
    pub async fn delivery(&self, id: i64) -> Result<Option<DeliveryView>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM deliveries WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(view).transpose()
    }

    /// Dead letters: messages given up after too many failed attempts, or
    /// whose recipient has no channel; each keeps its last error.
    ///
    /// # Errors
    /// [`Error::Database`] when the store cannot be read.
    pub async fn dead_letters(&self, limit: u32) -> Result<Vec<DeliveryView>> {
        self.deliveries(&DeliveryFilter {
            status: Some(DeliveryStatus::Dead),
            limit,
            ..DeliveryFilter::default()
        })
        .await
    }

    /// Gives a dead letter another round of attempts from `now` (after the
    /// webhook or the configuration was fixed). A letter without a channel
    /// is folded again under the current routes.
    ///
    /// # Errors
    /// [`Error::NotFound`] when `id` is not a dead letter.
    pub async fn retry_dead_letter(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        let mut tx = store::begin(self.pool(), self.backend()).await?;
        let channel: Option<String> =
            sqlx::query_scalar("SELECT channel FROM deliveries WHERE id = $1 AND status = 'dead'")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(channel) = channel else {
            return Err(Error::NotFound {
                what: "dead letter",
                name: id.to_string(),
            });
        };
        if channel.is_empty() {
            // No channel when folded: back to the outbox, folded anew.
            sqlx::query(
                "UPDATE outbox SET status = 'pending', delivery_id = NULL, last_error = NULL, \
                 created_at = $2 WHERE delivery_id = $1",
            )
            .bind(id)
            .bind(seconds(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM deliveries WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', attempts = 0, throttled = 0, \
                 next_attempt_at = $2, updated_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(seconds(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE outbox SET status = 'queued' WHERE delivery_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A pending outbox row with its instance's process and version.
pub(crate) struct OutboxRow {
    pub id: i64,
    pub instance: String,
    pub process: String,
    pub version: i64,
    pub recipient: String,
    pub kind: String,
    pub step: Option<String>,
    pub level: Option<i64>,
    pub event: String,
    pub created_at: DateTime<Utc>,
}

/// Reads up to `limit` pending outbox rows, oldest first; on Postgres, locks
/// them and skips rows another worker holds.
pub(crate) async fn pending_outbox(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF o SKIP LOCKED",
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT o.id, o.instance_id, o.recipient, o.kind, o.step, o.level, o.event, o.created_at, \
         i.process, i.version FROM outbox o JOIN instances i ON i.id = o.instance_id \
         WHERE o.status = 'pending' ORDER BY o.id LIMIT $1{lock}"
    )))
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxRow {
                id: row.try_get("id")?,
                instance: row.try_get("instance_id")?,
                process: row.try_get("process")?,
                version: row.try_get("version")?,
                recipient: row.try_get("recipient")?,
                kind: row.try_get("kind")?,
                step: row.try_get("step")?,
                level: row.try_get("level")?,
                event: row.try_get("event")?,
                created_at: instant(row.try_get("created_at")?)?,
            })
        })
        .collect()
}

/// Inserts a message and moves its outbox rows out of `pending`: to
/// `queued` for a channel, or `dead` (with `error`) without one.
pub(crate) async fn insert_delivery(
    tx: &mut Transaction<'static, Any>,
    channel: Option<&str>,
    message: &Message,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let json = serde_json::to_string(message).map_err(corrupt)?;
    let status = if channel.is_some() { "pending" } else { "dead" };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliveries (channel, recipient, items, title, message, status, attempts, \
         next_attempt_at, last_error, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $7, $7) RETURNING id",
    )
    .bind(channel.unwrap_or_default())
    .bind(&message.recipient)
    .bind(i64::try_from(message.items.len()).map_err(corrupt)?)
    .bind(&message.title)
    .bind(&json)
    .bind(status)
    .bind(seconds(now))
    .bind(error)
    .fetch_one(&mut **tx)
    .await?;
    let outbox_status = if channel.is_some() { "queued" } else { "dead" };
    let ids: Vec<i64> = message.items.iter().map(|item| item.outbox_id).collect();
    for chunk in ids.chunks(500) {
        // The ids are integers from the database: safe to inline.
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET status = $1, delivery_id = $2, last_error = $3 \
             WHERE status = 'pending' AND id IN ({list})"
        )))
        .bind(outbox_status)
        .bind(id)
        .bind(error)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

/// Requests per channel since `since` (the rate limit's window).
pub(crate) async fn attempts_since(
    tx: &mut Transaction<'static, Any>,
    channel: &str,
    since: DateTime<Utc>,
) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM delivery_attempts WHERE channel = $1 AND at > $2")
            .bind(channel)
            .bind(seconds(since))
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Messages of a channel waiting to be sent.
pub(crate) async fn pending_of(tx: &mut Transaction<'static, Any>, channel: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM deliveries WHERE channel = $1 AND status = 'pending'",
    )
    .bind(channel)
    .fetch_one(&mut **tx)
    .await?)
}

/// A message claimed for one attempt.
pub(crate) struct Claimed {
    pub id: i64,
    pub channel: String,
    pub message: Message,
    /// This attempt's number, from 1.
    pub attempt: i64,
    /// How many of the earlier attempts were throttled (429/503 with
    /// `Retry-After`): they do not count as failures.
    pub throttled: i64,
}

/// Messages due at `now`, earliest first (on Postgres, locked and skipping
/// those another worker holds).
pub(crate) async fn due(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(i64, String, String, i64, i64)>> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, channel, message, attempts, throttled FROM deliveries \
         WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2{lock}"
    )))
    .bind(seconds(now))
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                row.try_get("channel")?,
                row.try_get("message")?,
                row.try_get("attempts")?,
                row.try_get("throttled")?,
            ))
        })
        .collect()
}

/// Claims a message for one attempt: its lease runs to `lease_until`, and the
/// attempt is recorded (it counts against the rate limit from now on).
pub(crate) async fn claim(
    tx: &mut Transaction<'static, Any>,
    (id, channel, message): (i64, &str, &str),
    (attempts, throttled): (i64, i64),
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Claimed> {
    let attempt = attempts + 1;
    sqlx::query(
        "UPDATE deliveries SET attempts = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(attempt)
    .bind(seconds(lease_until))
    .bind(seconds(now))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO delivery_attempts (delivery_id, attempt, channel, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(attempt)
    .bind(channel)
    .bind(seconds(now))
    .execute(&mut **tx)
    .await?;
    Ok(Claimed {
        id,
        channel: channel.to_owned(),
        message: serde_json::from_str(message).map_err(corrupt)?,
        attempt,
        throttled,
    })
}

/// How an attempt ended.
pub(crate) enum Outcome {
    /// The channel took it.
    Sent,
    /// It failed; try again at this instant.
    Retry(String, DateTime<Utc>),
    /// The receiver asked to wait (429, or 503 with `Retry-After`): try
    /// again at this instant; not counted as a failure.
    Throttled(String, DateTime<Utc>),
    /// It failed for the last time.
    Dead(String),
}

/// Records how an attempt ended, with the message and its outbox rows, in
/// one transaction. Returns whether the message was still this worker's to
/// finish (it is not when its lease ran out and another attempt finished it).
pub(crate) async fn finish(
    runtime: &Runtime,
    claimed: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = store::begin(runtime.pool(), runtime.backend()).await?;
    let (status, error, next) = match outcome {
        Outcome::Sent => ("sent", None, None),
        Outcome::Retry(error, at) | Outcome::Throttled(error, at) => {
            ("pending", Some(error.as_str()), Some(*at))
        }
        Outcome::Dead(error) => ("dead", Some(error.as_str()), None),
    };
    let throttled = matches!(outcome, Outcome::Throttled(..));
    sqlx::query(
        "UPDATE delivery_attempts SET outcome = $3, error = $4 \
         WHERE delivery_id = $1 AND attempt = $2 AND outcome IS NULL",
    )
    .bind(claimed.id)
    .bind(claimed.attempt)
    .bind(match outcome {
        Outcome::Sent => "sent",
        Outcome::Throttled(..) => "throttled",
        Outcome::Retry(..) | Outcome::Dead(_) => "failed",
    })
    .bind(error)
    .execute(&mut *tx)
    .await?;
    let changed = sqlx::query(
        "UPDATE deliveries SET status = $2, last_error = $3, throttled = throttled + $7, \
         updated_at = $5, \
         next_attempt_at = COALESCE($4, next_attempt_at), \
         sent_at = CASE WHEN $2 = 'sent' THEN $5 ELSE sent_at END \
         WHERE id = $1 AND status = 'pending' AND attempts = $6",
    )
    .bind(claimed.id)
    .bind(status)
    .bind(error)
    .bind(next.map(seconds))
    .bind(seconds(now))
    .bind(claimed.attempt)
    .bind(i64::from(throttled))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        tx.commit().await?;
        return Ok(false);
    }
    if status != "pending" {
        sqlx::query(
            "UPDATE outbox SET status = $2, attempts = $3, last_error = $4 WHERE delivery_id = $1",
        )
        .bind(claimed.id)
        .bind(status)
        .bind(claimed.attempt)
        .bind(error)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// When something is next due: the earliest pending message's next attempt,
/// or the earliest pending outbox row's arrival plus `window` seconds.
pub(crate) async fn next_due(runtime: &Runtime, window: i64) -> Result<Option<DateTime<Utc>>> {
    let message: Option<i64> =
        sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'")
            .fetch_one(runtime.pool())
            .await?;
    let outbox: Option<i64> =
        sqlx::query_scalar("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'")
            .fetch_one(runtime.pool())
            .await?;
    let next = match (message, outbox.map(|at| at + window)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    next.map(instant).transpose()
}
