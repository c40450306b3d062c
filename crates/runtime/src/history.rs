//! [`Runtime::history`]: the event logs of many instances in bulk, for a
//! report over a period (the scorecard), one query per large page instead
//! of one per instance.
//!
//! A figure of the scorecard belongs to the period containing the instant
//! of its event, and is computed walking an instance's log forward; so a
//! period `[from, to)` needs, of every instance that had an event in it,
//! the events before `to`. The query keeps the instances whose life
//! overlaps the period — started before `to`, and open or changed since
//! `from` (`updated_at` is never before an instance's last event) — and of
//! them the events before `to`, in (instance, seq) order, paged by that key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sopflow::exec::Event;
use sqlx::Row as _;

use crate::board::{readable, Binds};
use crate::error::{corrupt, Result};
use crate::store::seconds;
use crate::types::Readers;
use crate::Runtime;

/// Which events [`Runtime::history`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// The period's start (inclusive): instances that were closed and
    /// unchanged before it are left out.
    pub from: Option<DateTime<Utc>>,
    /// The period's end (exclusive): only events before it, of instances
    /// started before it.
    pub to: Option<DateTime<Utc>>,
    /// Only instances these readers may read.
    pub readers: Readers,
    /// Start after this event: (instance, seq) of the previous page's last entry.
    pub after: Option<(String, i64)>,
    /// At most this many events (0 means 10,000).
    pub limit: u32,
}

/// One event of [`Runtime::history`], with its instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The instance id.
    pub instance: String,
    /// Its process.
    pub process: String,
    /// The version it runs on.
    pub version: i64,
    /// The event's place in the instance's log (1, 2, …).
    pub seq: i64,
    /// The event.
    pub event: Event,
}

impl Runtime {
    /// One page of the event logs of the instances `query` selects — of
    /// the instances whose life overlaps the period (started before `to`,
    /// open or changed since `from`), the events before `to`: what a
    /// scorecard of the period needs — ordered by instance id and seq. Call again with
    /// `after` set to the last entry's (instance, seq) until a page is
    /// shorter than the limit.
    ///
    /// # Errors
    /// [`Error::Database`](crate::Error::Database); [`Error::Corrupt`](crate::Error::Corrupt)
    /// for a stored event that does not parse.
    pub async fn history(&self, query: &HistoryQuery) -> Result<Vec<HistoryEntry>> {
        let limit = if query.limit == 0 {
            10_000
        } else {
            query.limit
        };
        let mut sql = String::from(
            "SELECT e.instance_id, i.process, i.version, e.seq, e.event \
             FROM events e JOIN instances i ON i.id = e.instance_id WHERE 1 = 1",
        );
        let mut binds = Binds::default();
        if let Some(to) = query.to {
            let to = binds.int(seconds(to));
            sql += &format!(" AND e.at < {to} AND i.created_at < {to}");
        }
        if let Some(from) = query.from {
            let from = binds.int(seconds(from));
            sql += &format!(" AND (i.status = 'open' OR i.updated_at >= {from})");
        }
        match readable(&query.readers, &mut binds, "i.id") {
            Some(clause) => sql += &clause,
            None => return Ok(Vec::new()),
        }
        if let Some((instance, seq)) = &query.after {
            let instance = binds.text(instance);
            let seq = binds.int(*seq);
            sql += &format!(
                " AND (e.instance_id > {instance} OR (e.instance_id = {instance} AND e.seq > {seq}))"
            );
        }
        let limit = binds.int(i64::from(limit));
        sql += &format!(" ORDER BY e.instance_id, e.seq LIMIT {limit}");
        let rows = binds.fetch_all(self.pool(), &sql).await?;
        rows.iter()
            .map(|row| {
                let event: String = row.try_get("event")?;
                Ok(HistoryEntry {
                    instance: row.try_get("instance_id")?,
                    process: row.try_get("process")?,
                    version: row.try_get("version")?,
                    seq: row.try_get("seq")?,
                    event: serde_json::from_str(&event).map_err(corrupt)?,
                })
            })
            .collect()
    }
}
