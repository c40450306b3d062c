//! The board's index: per instance its earliest deadline and its parties,
//! written with every state change, and [`Runtime::board`], the list the
//! 看板 reads — late and nearly late first, filtered by process, status,
//! department and who may read, one indexed query per page.
//!
//! Rows written before schema version 3 have `indexed = 0`;
//! [`backfill`] derives their columns from the state and the log at
//! [`Runtime::connect`], in batches, each its own transaction, so an
//! interrupted upgrade resumes where it stopped.

use std::collections::BTreeSet;

use sopflow::exec::{Event, EventKind, Instance, StepStatus};
use sopflow::Definition;
use sqlx::{Any, Row as _, Transaction};
use tracing::warn;

use crate::error::{corrupt, Error, Result};
use crate::runtime::summary;
use crate::store::{self, instant, seconds, Backend};
use crate::types::{BoardCursor, BoardItem, BoardPage, BoardQuery, Readers, Status};
use crate::Runtime;

/// `due_order` of an instance without a deadline: after every real instant.
pub(crate) const NO_DUE: i64 = 1 << 62;

/// How many rows one backfill transaction indexes.
const BACKFILL_BATCH: i64 = 500;

/// Everyone who is a party to an instance of `definition` with this log
/// (with repeats): the owners and co-owners of every step of the version, a
/// delegate a step was handed to (`step_reassigned`), and the recipients of
/// an escalation (`escalated`, e.g. `PMO`, `研发部负责人`).
///
/// The store keeps this set per instance (table `instance_parties`); the
/// HTTP layer decides who may read an instance by it.
pub fn parties<'a>(
    definition: &'a Definition,
    events: &'a [Event],
) -> impl Iterator<Item = &'a str> + 'a {
    let owners = definition
        .steps()
        .flat_map(|(_, step)| step.owners.iter().map(String::as_str));
    owners.chain(parties_in(events))
}

/// The parties a log adds beyond the version's owners.
fn parties_in(events: &[Event]) -> impl Iterator<Item = &str> {
    events.iter().flat_map(|event| -> Vec<&str> {
        match &event.kind {
            EventKind::StepReassigned { to, .. } => vec![to.as_str()],
            EventKind::Escalated { recipients, .. } => {
                recipients.iter().map(String::as_str).collect()
            }
            _ => Vec::new(),
        }
    })
}

/// The whole-process deadline after `events`, given the one before them.
pub(crate) fn process_due(before: Option<i64>, events: &[Event]) -> Option<i64> {
    events.iter().fold(before, |due, event| match &event.kind {
        EventKind::InstanceStarted { due, .. } => due.map(seconds),
        EventKind::DeadlineRevised {
            step: None, due, ..
        } => Some(seconds(*due)),
        _ => due,
    })
}

/// The earliest deadline of an open instance: of its active steps and of
/// the process (`None` when it has none or is closed). An instance is
/// overdue at `now` exactly when this is before `now`.
pub(crate) fn earliest_due(
    definition: &Definition,
    instance: &Instance,
    process_due: Option<i64>,
) -> Option<i64> {
    if Status::of(instance) != Status::Open {
        return None;
    }
    definition
        .steps()
        .filter(|(id, _)| instance.step_status(*id) == Some(StepStatus::Active))
        .filter_map(|(id, _)| instance.step_due(id).map(seconds))
        .chain(process_due)
        .min()
}

/// The board columns of an instance row.
pub(crate) struct Index {
    pub(crate) process_due: Option<i64>,
    pub(crate) due: Option<i64>,
    pub(crate) due_order: i64,
}

impl Index {
    pub(crate) fn of(
        definition: &Definition,
        instance: &Instance,
        process_due_before: Option<i64>,
        events: &[Event],
    ) -> Index {
        let process_due = process_due(process_due_before, events);
        let due = earliest_due(definition, instance, process_due);
        Index {
            process_due,
            due,
            due_order: due.unwrap_or(NO_DUE),
        }
    }
}

/// Records the parties `events` add (and, with `definition`, the owners of
/// every step: at the start). Repeats are ignored.
pub(crate) async fn add_parties(
    tx: &mut Transaction<'static, Any>,
    instance_id: &str,
    definition: Option<&Definition>,
    events: &[Event],
) -> Result<()> {
    let mut names: BTreeSet<&str> = parties_in(events).collect();
    if let Some(definition) = definition {
        names.extend(parties(definition, &[]));
    }
    // A few statements at most (a start adds about seven names): `$1` is the
    // instance, `$2…` the names, in chunks far below either database's limit
    // on parameters.
    let names: Vec<&str> = names.into_iter().collect();
    for chunk in names.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${})", i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO instance_parties (instance_id, party) VALUES {} \
             ON CONFLICT (instance_id, party) DO NOTHING",
            values.join(", ")
        );
        // Safe: the statement holds only numbered placeholders; the names are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(instance_id);
        for name in chunk {
            query = query.bind(*name);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Indexes every row written before schema version 3, in batches; returns
/// how many. Idempotent: a row is marked `indexed = 1` with its columns in
/// one transaction, and rows written since version 3 start indexed.
pub(crate) async fn backfill(runtime: &Runtime) -> Result<u64> {
    let mut total = 0;
    loop {
        let mut tx = store::begin(runtime.pool(), runtime.backend()).await?;
        let lock = match runtime.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        // Safe: `lock` is one of two constants.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, process, version, state FROM instances WHERE indexed = 0 \
             ORDER BY id LIMIT $1{lock}"
        )))
        .bind(BACKFILL_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(total);
        }
        for row in &rows {
            let id: String = row.try_get("id")?;
            let process: String = row.try_get("process")?;
            let version: i64 = row.try_get("version")?;
            let state: String = row.try_get("state")?;
            let definition = match runtime.load_definition(&mut tx, &process, version).await {
                Ok(definition) => Some(definition),
                // Its version no longer loads: the timer round fails it alone;
                // here it gets the parties its log names and no deadline.
                Err(e @ (Error::Corrupt(_) | Error::NotFound { .. } | Error::Load(_))) => {
                    warn!(instance = %id, error = %e, "indexing without the definition");
                    None
                }
                Err(e) => return Err(e),
            };
            let events: Vec<(String,)> = sqlx::query_as(
                "SELECT event FROM events WHERE instance_id = $1 AND type IN \
                 ('instance_started', 'deadline_revised', 'step_reassigned', 'escalated') \
                 ORDER BY seq",
            )
            .bind(&id)
            .fetch_all(&mut *tx)
            .await?;
            let events: Vec<Event> = events
                .iter()
                .map(|(json,)| serde_json::from_str(json).map_err(corrupt))
                .collect::<Result<_>>()?;
            let instance = serde_json::from_str::<Instance>(&state);
            let index = match (&definition, instance) {
                (Some(definition), Ok(instance)) => Index::of(definition, &instance, None, &events),
                // A state that does not load fails its timer round alone;
                // here it gets no deadline.
                _ => Index {
                    process_due: process_due(None, &events),
                    due: None,
                    due_order: NO_DUE,
                },
            };
            add_parties(&mut tx, &id, definition.as_deref(), &events).await?;
            sqlx::query(
                "UPDATE instances SET process_due = $1, due = $2, due_order = $3, indexed = 1 \
                 WHERE id = $4",
            )
            .bind(index.process_due)
            .bind(index.due)
            .bind(index.due_order)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        total += rows.len() as u64;
        tx.commit().await?;
    }
}

impl Runtime {
    /// One page of the board: instances matching `query`, the late and
    /// nearly late first — by their earliest deadline ([`BoardItem::due`])
    /// ascending, instances without one last, then by id — each with that
    /// deadline. One indexed query per page; a page has `query.limit` items
    /// unless it is the last (then [`BoardPage::next`] is `None`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a limit of 0; [`Error::Database`].
    pub async fn board(&self, query: &BoardQuery) -> Result<BoardPage> {
        if query.limit == 0 {
            return Err(Error::Invalid("a page holds at least one item".into()));
        }
        let mut sql = String::from(
            "SELECT i.id, i.process, i.version, i.status, i.next_wakeup, i.error, \
             i.created_at, i.updated_at, i.due FROM instances i WHERE 1 = 1",
        );
        let mut binds = Binds::default();
        if let Some(process) = &query.process {
            sql += &format!(" AND i.process = {}", binds.text(process));
        }
        if let Some(at) = query.overdue_at {
            let now = binds.int(seconds(at));
            sql += &format!(" AND i.status = 'open' AND i.due_order < {now}");
        } else if let Some(status) = query.status {
            sql += &format!(" AND i.status = {}", binds.text(status.as_str()));
        }
        if let Some(department) = &query.department {
            sql += &format!(
                " AND EXISTS (SELECT 1 FROM instance_parties p \
                 WHERE p.instance_id = i.id AND p.party = {})",
                binds.text(department)
            );
        }
        match readable(&query.readers, &mut binds, "i.id") {
            Some(clause) => sql += &clause,
            None => return Ok(BoardPage::default()),
        }
        if let Some(after) = &query.after {
            let due = binds.int(after.due.map_or(NO_DUE, seconds));
            let id = binds.text(&after.id);
            sql += &format!(" AND (i.due_order > {due} OR (i.due_order = {due} AND i.id > {id}))");
        }
        let limit = binds.int(i64::from(query.limit) + 1);
        sql += &format!(" ORDER BY i.due_order, i.id LIMIT {limit}");
        let rows = binds.fetch_all(self.pool(), &sql).await?;
        let more = rows.len() > query.limit as usize;
        let items = rows
            .iter()
            .take(query.limit as usize)
            .map(|row| {
                Ok(BoardItem {
                    summary: summary(row)?,
                    due: row
                        .try_get::<Option<i64>, _>("due")?
                        .map(instant)
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = if more {
            items.last().map(|last| BoardCursor {
                due: last.due,
                id: last.summary.id.clone(),
            })
        } else {
            None
        };
        Ok(BoardPage { items, next })
    }

    /// Whether one of `actors` is a party to instance `id` (see [`parties`](crate::parties)),
    /// from the stored index: no log is read.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn is_party(&self, id: &str, actors: &BTreeSet<String>) -> Result<bool> {
        if actors.is_empty() {
            return Ok(false);
        }
        let list: Vec<String> = (2..actors.len() + 2).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM instance_parties WHERE instance_id = $1 AND party IN ({})",
            list.join(", ")
        );
        // Safe: only placeholders are formatted in; the values are bound.
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(id);
        for actor in actors {
            q = q.bind(actor.as_str());
        }
        Ok(q.fetch_one(self.pool()).await? > 0)
    }
}

/// The clause that keeps the instances `readers` may read (the instance id
/// is `id`); `None` when they may read none.
pub(crate) fn readable(readers: &Readers, binds: &mut Binds, id: &str) -> Option<String> {
    match readers {
        Readers::All => Some(String::new()),
        Readers::Parties(actors) if actors.is_empty() => None,
        Readers::Parties(actors) => {
            let list: Vec<String> = actors.iter().map(|a| binds.text(a)).collect();
            Some(format!(
                " AND EXISTS (SELECT 1 FROM instance_parties p \
                 WHERE p.instance_id = {id} AND p.party IN ({}))",
                list.join(", ")
            ))
        }
    }
}

/// Values bound to the placeholders (`$1`, `$2`, …) of a query built at run time.
#[derive(Default)]
pub(crate) struct Binds(Vec<Bind>);

enum Bind {
    Text(String),
    Int(i64),
}

impl Binds {
    /// Binds a text; returns its placeholder.
    pub(crate) fn text(&mut self, value: &str) -> String {
        self.0.push(Bind::Text(value.to_owned()));
        format!("${}", self.0.len())
    }

    /// Binds an integer; returns its placeholder.
    pub(crate) fn int(&mut self, value: i64) -> String {
        self.0.push(Bind::Int(value));
        format!("${}", self.0.len())
    }

    /// Runs `sql` with these values.
    pub(crate) async fn fetch_all(
        self,
        pool: &sqlx::AnyPool,
        sql: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        // Safe: the callers format in only placeholders and constants; the
        // values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        for bind in self.0 {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(n) => query.bind(n),
            };
        }
        Ok(query.fetch_all(pool).await?)
    }
}
