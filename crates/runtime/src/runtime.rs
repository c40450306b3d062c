//! [`Runtime`]: the in-process API. Every call that changes something is one
//! transaction: load state → executor → append events, new state, next
//! wakeup and outbox rows → commit → answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sopflow::exec::{Attributes, Command, Event, Instance, Prepared};
use sopflow::load::Loader;
use sopflow::Definition;
use sqlx::{Any, AnyConnection, AnyPool, Row as _, Transaction};
use tokio::sync::Notify;
use tracing::{debug, info_span, warn, Instrument};

use crate::board::{self, Index};
use crate::error::{corrupt, Error, Result};
use crate::store::{self, instant, seconds, Backend};
use crate::types::{
    Answer, Deployment, Fired, InstanceSummary, InstanceView, ListFilter, Notification, Round,
    Stats, Status, StepView, VersionInfo,
};
use crate::{outbox, SopFiles};

/// The durable runtime: deployed definitions, instances, their event logs,
/// remembered command ids and the outbox, in one database.
///
/// Cheap to clone (the clones share one connection pool). Every method takes
/// the current instant from its caller (or, for the scheduler, from an
/// injected [`Clock`](sopflow::exec::Clock)); none reads the system clock.
///
/// See the [crate docs](crate) for an example.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    backend: Backend,
    /// Loaded definitions by (process, version): versions never change.
    definitions: Mutex<HashMap<(String, i64), Arc<Definition>>>,
    /// Woken after each commit that may have moved the earliest wakeup.
    pub(crate) wake: Notify,
    /// Timer events this process fired (committed), for `/metrics`: with
    /// several processes on one database, each counts only its own.
    fired_here: AtomicU64,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

/// An instance row, as loaded for a step of work.
struct Loaded {
    process: String,
    /// The whole-process deadline in force.
    process_due: Option<i64>,
    version: i64,
    state: String,
    revision: i64,
    event_count: i64,
}

/// How many times a start or deploy is tried again after losing a race for the same key.
const RACE_RETRIES: usize = 3;

impl Runtime {
    /// Connects to a database and brings its schema up to date (the
    /// migrations under `migrations/` run at every start; applied ones are
    /// skipped).
    ///
    /// URLs: `sqlite://PATH?mode=rwc` (creates the file) or `sqlite://PATH`,
    /// and `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for another scheme; [`Error::Database`] when the
    /// database cannot be reached; [`Error::Migrate`] when the schema cannot
    /// be migrated (e.g. it is newer than this build).
    pub async fn connect(url: &str) -> Result<Runtime> {
        let (pool, backend) = store::connect(url).await?;
        let runtime = Runtime {
            inner: Arc::new(Inner {
                pool,
                backend,
                definitions: Mutex::new(HashMap::new()),
                wake: Notify::new(),
                fired_here: AtomicU64::new(0),
            }),
        };
        let indexed = board::backfill(&runtime).await?;
        if indexed > 0 {
            tracing::info!(
                instances = indexed,
                "indexed instances stored before schema version 3"
            );
        }
        Ok(runtime)
    }

    /// The database the runtime runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// How many timer events this `Runtime` (and its clones) fired and
    /// committed since it connected. Other processes on the same database
    /// count their own; [`stats`](Self::stats) counts every timer event in
    /// the store.
    pub fn timer_events_fired_here(&self) -> u64 {
        self.inner.fired_here.load(Ordering::Relaxed)
    }

    /// Closes the connection pool; calls after this fail.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    pub(crate) fn wake(&self) -> &Notify {
        &self.inner.wake
    }

    async fn begin(&self) -> Result<Transaction<'static, Any>> {
        store::begin(&self.inner.pool, self.inner.backend).await
    }

    /// Deploys a process: checks the files and, when the definition's
    /// fingerprint differs from the newest version of the process, stores
    /// them as a new version. The same definition again is the same version
    /// (`created: false`). Running instances keep their version; new
    /// instances take the newest.
    ///
    /// # Errors
    /// [`Error::Diagnostics`] when the source has errors (nothing is stored).
    pub async fn deploy(&self, files: &SopFiles, now: DateTime<Utc>) -> Result<Deployment> {
        let definition = Loader::new(files.resolver())
            .check(&files.main)?
            .into_result()
            .map_err(|d| Error::Diagnostics(Box::new(d)))?;
        let process = definition.name().to_owned();
        let fingerprint = hex(definition.fingerprint());
        // Store exactly the files the loader read (the main file first).
        let used: Vec<(String, String)> = definition
            .warnings()
            .sources()
            .iter()
            .map(|(_, s)| (s.name().to_owned(), s.text().to_owned()))
            .collect();
        let imports: serde_json::Map<String, serde_json::Value> = used
            .iter()
            .filter(|(name, _)| *name != files.main)
            .map(|(name, text)| (name.clone(), text.clone().into()))
            .collect();
        let imports = serde_json::Value::Object(imports).to_string();
        let span = info_span!("deploy", process = %process, fingerprint = %fingerprint);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = async {
                let mut tx = self.begin().await?;
                let latest: Option<(i64, String)> = sqlx::query_as(
                    "SELECT version, fingerprint FROM definitions WHERE process = $1 \
                     ORDER BY version DESC LIMIT 1",
                )
                .bind(&process)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((version, known)) = &latest {
                    if *known == fingerprint {
                        return Ok(Deployment {
                            process: process.clone(),
                            version: *version,
                            fingerprint: fingerprint.clone(),
                            created: false,
                        });
                    }
                }
                let version = latest.map_or(1, |(v, _)| v + 1);
                sqlx::query(
                    "INSERT INTO definitions \
                     (process, version, fingerprint, origin, source, imports, deployed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&process)
                .bind(version)
                .bind(&fingerprint)
                .bind(&files.main)
                .bind(files.main_text())
                .bind(&imports)
                .bind(seconds(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Deployment {
                    process: process.clone(),
                    version,
                    fingerprint: fingerprint.clone(),
                    created: true,
                })
            }
            .instrument(span.clone())
            .await;
            match result {
                Ok(deployment) => {
                    if deployment.created {
                        self.inner
                            .definitions
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(
                                (process.clone(), deployment.version),
                                Arc::new(definition.clone()),
                            );
                    }
                    return Ok(deployment);
                }
                Err(e) if attempt < RACE_RETRIES && store::is_unique_violation(&e) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Every deployed version of every process, by process and version, with
    /// how many instances run on each.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn versions(&self) -> Result<Vec<VersionInfo>> {
        let rows = sqlx::query(
            "SELECT d.process, d.version, d.fingerprint, d.origin, d.deployed_at, \
             (SELECT COUNT(*) FROM instances i WHERE i.process = d.process AND i.version = d.version AND i.status = 'open') AS open, \
             (SELECT COUNT(*) FROM instances i WHERE i.process = d.process AND i.version = d.version AND i.status = 'completed') AS completed, \
             (SELECT COUNT(*) FROM instances i WHERE i.process = d.process AND i.version = d.version AND i.status = 'cancelled') AS cancelled \
             FROM definitions d ORDER BY d.process, d.version",
        )
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(VersionInfo {
                    process: row.try_get(0)?,
                    version: row.try_get(1)?,
                    fingerprint: row.try_get(2)?,
                    origin: row.try_get(3)?,
                    deployed_at: instant(row.try_get(4)?)?,
                    open: row.try_get(5)?,
                    completed: row.try_get(6)?,
                    cancelled: row.try_get(7)?,
                })
            })
            .collect()
    }

    /// The definition of a deployed version.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown process or version; [`Error::Corrupt`]
    /// when the stored files no longer give the stored fingerprint (the
    /// `.sop` language changed meaning between sopflow versions).
    pub async fn definition(&self, process: &str, version: i64) -> Result<Arc<Definition>> {
        let mut conn = self.inner.pool.acquire().await?;
        self.load_definition(&mut conn, process, version).await
    }

    pub(crate) async fn load_definition(
        &self,
        conn: &mut AnyConnection,
        process: &str,
        version: i64,
    ) -> Result<Arc<Definition>> {
        let key = (process.to_owned(), version);
        if let Some(found) = self
            .inner
            .definitions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(found.clone());
        }
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT fingerprint, origin, source, imports FROM definitions \
             WHERE process = $1 AND version = $2",
        )
        .bind(process)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
        let (fingerprint, origin, source, imports) = row.ok_or_else(|| Error::NotFound {
            what: "version",
            name: format!("{process} v{version}"),
        })?;
        let imports: HashMap<String, String> = serde_json::from_str(&imports).map_err(corrupt)?;
        let files = imports
            .into_iter()
            .fold(SopFiles::new(&origin, source), |f, (name, text)| {
                f.with(name, text)
            });
        let definition = Loader::new(files.resolver())
            .check(&origin)?
            .into_result()
            .map_err(|d| corrupt(format!("{process} v{version} no longer checks: {d:?}")))?;
        if hex(definition.fingerprint()) != fingerprint {
            return Err(corrupt(format!(
                "{process} v{version} was deployed as {fingerprint} but loads as {}",
                hex(definition.fingerprint())
            )));
        }
        let definition = Arc::new(definition);
        self.inner
            .definitions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, definition.clone());
        Ok(definition)
    }

    /// Starts instance `id` of the newest version of `process` at `now`.
    ///
    /// Idempotent: the same id with the same process and attributes again
    /// returns the first answer (`repeated: true`) and changes nothing.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown process; [`Error::Conflict`] when
    /// the id was started with another process or other attributes;
    /// [`Error::Exec`] when the executor refuses (a missing attribute, …).
    pub async fn start(
        &self,
        process: &str,
        id: &str,
        attributes: Attributes,
        now: DateTime<Utc>,
    ) -> Result<Answer> {
        if id.is_empty() {
            return Err(Error::Invalid("an instance id must not be empty".into()));
        }
        let request =
            serde_json::json!({ "process": process, "attributes": attributes }).to_string();
        let span = info_span!("start", process, instance = id);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .start_once(process, id, &attributes, &request, now)
                .instrument(span.clone())
                .await;
            match result {
                Err(e) if attempt < RACE_RETRIES && store::is_unique_violation(&e) => continue,
                Ok(answer) => {
                    if !answer.repeated {
                        self.inner.wake.notify_one();
                    }
                    return Ok(answer);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn start_once(
        &self,
        process: &str,
        id: &str,
        attributes: &Attributes,
        request: &str,
        now: DateTime<Utc>,
    ) -> Result<Answer> {
        let mut tx = self.begin().await?;
        let existing: Option<(String, i64)> =
            sqlx::query_as("SELECT request, start_events FROM instances WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((known, count)) = existing {
            if known != request {
                return Err(Error::Conflict(format!(
                    "instance `{id}` was started before with another request: {known}"
                )));
            }
            let events = read_events(&mut tx, id, 1, count).await?;
            return Ok(Answer {
                events,
                repeated: true,
            });
        }
        let version: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM definitions WHERE process = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(process)
        .fetch_optional(&mut *tx)
        .await?;
        let version = version.ok_or_else(|| Error::NotFound {
            what: "process",
            name: process.to_owned(),
        })?;
        let definition = self.load_definition(&mut tx, process, version).await?;
        let (instance, events) = Instance::start(&*definition, id, attributes.clone(), now)?;
        let state = serde_json::to_string(&instance).map_err(corrupt)?;
        let index = Index::of(&definition, &instance, None, &events);
        sqlx::query(
            "INSERT INTO instances (id, process, version, status, state, next_wakeup, revision, \
             event_count, request, start_events, error, created_at, updated_at, \
             process_due, due, due_order, indexed) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7, NULL, $9, $9, $10, $11, $12, 1)",
        )
        .bind(id)
        .bind(process)
        .bind(version)
        .bind(Status::of(&instance).as_str())
        .bind(&state)
        .bind(instance.next_wakeup().map(seconds))
        .bind(count(&events))
        .bind(request)
        .bind(seconds(now))
        .bind(index.process_due)
        .bind(index.due)
        .bind(index.due_order)
        .execute(&mut *tx)
        .await?;
        board::add_parties(&mut tx, id, Some(&definition), &events).await?;
        append(&mut tx, &definition, id, 0, &events, now).await?;
        tx.commit().await?;
        debug!(events = events.len(), "started");
        Ok(Answer {
            events,
            repeated: false,
        })
    }

    /// Handles one command for instance `instance_id` at `now`: the events,
    /// the new state, the next wakeup, the outbox rows and the command id
    /// commit together before this returns.
    ///
    /// A command id handled before is answered with the events it caused
    /// then (`repeated: true`), and nothing changes.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown instance; [`Error::Conflict`] when
    /// the command id was used before with another command; [`Error::Invalid`]
    /// for an empty command id; [`Error::Exec`] when the executor refuses
    /// (see [`Error::kind`]: `not_authorized`, `wrong_state`, `invalid`).
    pub async fn handle(
        &self,
        instance_id: &str,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Answer> {
        if command.id().is_empty() {
            return Err(Error::Invalid("a command id must not be empty".into()));
        }
        let span = info_span!("command", instance = instance_id, command = command.id());
        let answer = self
            .handle_once(instance_id, command, now)
            .instrument(span)
            .await?;
        if !answer.repeated {
            self.inner.wake.notify_one();
        }
        Ok(answer)
    }

    async fn handle_once(
        &self,
        instance_id: &str,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Answer> {
        let request = serde_json::to_string(&command).map_err(corrupt)?;
        let mut tx = self.begin().await?;
        let loaded = self.lock_instance(&mut tx, instance_id).await?;
        let known: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT request, first_seq, event_count FROM commands \
             WHERE instance_id = $1 AND command_id = $2",
        )
        .bind(instance_id)
        .bind(command.id())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((known, first, n)) = known {
            if known != request {
                return Err(Error::Conflict(format!(
                    "command id `{}` was used before for another command: {known}",
                    command.id()
                )));
            }
            let events = read_events(&mut tx, instance_id, first, n).await?;
            return Ok(Answer {
                events,
                repeated: true,
            });
        }
        let definition = self
            .load_definition(&mut tx, &loaded.process, loaded.version)
            .await?;
        let mut instance: Instance = serde_json::from_str(&loaded.state).map_err(corrupt)?;
        let command_id = command.id().to_owned();
        let events = instance.handle(&*definition, command, now)?;
        append(
            &mut tx,
            &definition,
            instance_id,
            loaded.event_count,
            &events,
            now,
        )
        .await?;
        sqlx::query(
            "INSERT INTO commands (instance_id, command_id, request, first_seq, event_count, handled_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(instance_id)
        .bind(&command_id)
        .bind(&request)
        .bind(loaded.event_count + 1)
        .bind(count(&events))
        .bind(seconds(now))
        .execute(&mut *tx)
        .await?;
        save(
            &mut tx,
            &definition,
            instance_id,
            &loaded,
            &instance,
            &events,
            now,
        )
        .await?;
        tx.commit().await?;
        debug!(events = events.len(), "handled");
        Ok(Answer {
            events,
            repeated: false,
        })
    }

    async fn lock_instance(&self, tx: &mut Transaction<'static, Any>, id: &str) -> Result<Loaded> {
        let row = sqlx::query(store::select_instance_for_update(self.inner.backend))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "instance",
                name: id.to_owned(),
            })?;
        Ok(Loaded {
            process: row.try_get("process")?,
            version: row.try_get("version")?,
            state: row.try_get("state")?,
            revision: row.try_get("revision")?,
            event_count: row.try_get("event_count")?,
            process_due: row.try_get("process_due")?,
        })
    }

    /// Fires the timers due at `now` of up to `limit` instances, earliest
    /// wakeup first, in one transaction: each claimed instance is ticked, and
    /// its events, new state, next wakeup and outbox rows commit together.
    /// Events carry the instants at which they fell due, so a round after
    /// downtime catches up in order.
    ///
    /// On Postgres, instances that another worker holds are skipped (`FOR
    /// UPDATE SKIP LOCKED`), so several runtimes on one database split the
    /// due work and each timer fires once in total. An instance whose tick
    /// fails keeps its state, records the error and leaves the due set (see
    /// [`Round::failed`]).
    ///
    /// An instance whose state or definition cannot be loaded fails the same
    /// way, alone.
    ///
    /// # Errors
    /// [`Error::Database`] (nothing of the round commits).
    pub async fn run_due(&self, now: DateTime<Utc>, limit: u32) -> Result<Round> {
        let span = info_span!("timer_round", now = %now, limit);
        self.run_due_once(now, limit).instrument(span).await
    }

    async fn run_due_once(&self, now: DateTime<Utc>, limit: u32) -> Result<Round> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(store::claim_due(self.inner.backend))
            .bind(seconds(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut definitions: HashMap<(String, i64), Arc<Definition>> = HashMap::new();
        // Versions that cannot be loaded: their instances fail alone, so
        // that one bad row cannot stop every other timer.
        let mut broken: HashMap<(String, i64), String> = HashMap::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let loaded = Loaded {
                process: row.try_get("process")?,
                version: row.try_get("version")?,
                state: row.try_get("state")?,
                revision: row.try_get("revision")?,
                event_count: row.try_get("event_count")?,
                process_due: row.try_get("process_due")?,
            };
            let key = (loaded.process.clone(), loaded.version);
            if !definitions.contains_key(&key) && !broken.contains_key(&key) {
                match self
                    .load_definition(&mut tx, &loaded.process, loaded.version)
                    .await
                {
                    Ok(definition) => {
                        definitions.insert(key, definition);
                    }
                    Err(e @ (Error::Corrupt(_) | Error::NotFound { .. } | Error::Load(_))) => {
                        broken.insert(key, e.to_string());
                    }
                    Err(e) => return Err(e),
                }
            }
            claimed.push((id, loaded));
        }
        // Tick every claimed instance, preparing each definition once.
        let ticked: Vec<_> = {
            let prepared: HashMap<&(String, i64), Prepared<'_>> = definitions
                .iter()
                .map(|(key, definition)| (key, Prepared::new(definition)))
                .collect();
            claimed
                .iter()
                .map(|(id, loaded)| {
                    let key = (loaded.process.clone(), loaded.version);
                    let outcome = match (prepared.get(&key), broken.get(&key)) {
                        (Some(program), _) => serde_json::from_str::<Instance>(&loaded.state)
                            .map_err(|e| corrupt(e).to_string())
                            .and_then(|mut instance| {
                                instance
                                    .tick(program, now)
                                    .map(|events| (instance, events))
                                    .map_err(|e| e.to_string())
                            }),
                        (None, reason) => Err(reason.cloned().unwrap_or_default()),
                    };
                    (id, loaded, outcome)
                })
                .collect()
        };
        let mut round = Round {
            claimed: claimed.len(),
            ..Round::default()
        };
        for (id, loaded, outcome) in ticked {
            let failure = match outcome {
                Ok((instance, events)) => match instance.next_wakeup() {
                    // The executor emits everything due by `now`, so its next
                    // wakeup is later; anything else would spin the scheduler.
                    Some(next) if next <= now => {
                        Some(format!("the next wakeup {next} is not after {now}"))
                    }
                    _ => {
                        let definition = &definitions[&(loaded.process.clone(), loaded.version)];
                        append(&mut tx, definition, id, loaded.event_count, &events, now).await?;
                        save(&mut tx, definition, id, loaded, &instance, &events, now).await?;
                        round.fired.extend(events.into_iter().map(|event| Fired {
                            instance: id.clone(),
                            event,
                        }));
                        None
                    }
                },
                Err(reason) => Some(reason),
            };
            if let Some(reason) = failure {
                warn!(instance = %id, %reason, "timer round failed for an instance; its timers stop");
                let updated = sqlx::query(
                    "UPDATE instances SET next_wakeup = NULL, error = $1, revision = revision + 1, \
                     updated_at = $2 WHERE id = $3 AND revision = $4",
                )
                .bind(&reason)
                .bind(seconds(now))
                .bind(id)
                .bind(loaded.revision)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(conflict(id));
                }
                round.failed.push((id.clone(), reason));
            }
        }
        tx.commit().await?;
        self.inner
            .fired_here
            .fetch_add(round.fired.len() as u64, Ordering::Relaxed);
        if round.claimed > 0 {
            debug!(
                claimed = round.claimed,
                fired = round.fired.len(),
                "timer round"
            );
        }
        Ok(round)
    }

    /// Runs [`run_due`](Self::run_due) rounds of `batch` instances until
    /// nothing is due at `now`, and sums them up: after downtime, this fires
    /// everything that fell due meanwhile.
    ///
    /// # Errors
    /// As [`run_due`](Self::run_due); rounds committed before an error stay committed.
    pub async fn catch_up(&self, now: DateTime<Utc>, batch: u32) -> Result<Round> {
        let batch = batch.max(1);
        let mut total = Round::default();
        loop {
            let round = self.run_due(now, batch).await?;
            let done = round.claimed < batch as usize;
            total.claimed += round.claimed;
            total.fired.extend(round.fired);
            total.failed.extend(round.failed);
            if done {
                return Ok(total);
            }
        }
    }

    /// The earliest instant at which any instance has a timer due.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn next_wakeup(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT next_wakeup FROM instances WHERE next_wakeup IS NOT NULL \
             ORDER BY next_wakeup LIMIT 1",
        )
        .fetch_optional(&self.inner.pool)
        .await?;
        next.map(instant).transpose()
    }

    /// An instance: its summary, each step's status, owners and deadline,
    /// and the executor's state.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown instance.
    pub async fn instance(&self, id: &str) -> Result<InstanceView> {
        let mut conn = self.inner.pool.acquire().await?;
        let row = sqlx::query(
            "SELECT id, process, version, status, next_wakeup, error, created_at, updated_at, state \
             FROM instances WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "instance",
            name: id.to_owned(),
        })?;
        let summary = summary(&row)?;
        let state: String = row.try_get("state")?;
        let state: Instance = serde_json::from_str(&state).map_err(corrupt)?;
        let definition = self
            .load_definition(&mut conn, &summary.process, summary.version)
            .await?;
        let steps = definition
            .steps()
            .map(|(step_id, step)| StepView {
                key: step.key.clone(),
                owners: step.owners.clone(),
                status: state.step_status(step_id).unwrap_or_default(),
                activated_at: state.step_activated_at(step_id),
                due: state.step_due(step_id),
            })
            .collect();
        Ok(InstanceView {
            summary,
            fingerprint: hex(state.fingerprint()),
            steps,
            state,
        })
    }

    /// The whole event log of an instance, in order (seq 1, 2, …).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown instance.
    pub async fn events(&self, id: &str) -> Result<Vec<Event>> {
        let mut tx = self.inner.pool.begin().await?;
        let count: Option<i64> =
            sqlx::query_scalar("SELECT event_count FROM instances WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let count = count.ok_or_else(|| Error::NotFound {
            what: "instance",
            name: id.to_owned(),
        })?;
        let events = read_events(&mut tx, id, 1, count).await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Instances matching `filter`, ordered by id, one page at a time.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<InstanceSummary>> {
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        let rows = sqlx::query(
            "SELECT id, process, version, status, next_wakeup, error, created_at, updated_at \
             FROM instances \
             WHERE ($1 IS NULL OR process = $1) AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR id > $3) \
             ORDER BY id LIMIT $4",
        )
        .bind(filter.process.as_deref())
        .bind(filter.status.map(Status::as_str))
        .bind(filter.after.as_deref())
        .bind(i64::from(limit))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(summary).collect()
    }

    /// Counts for monitoring: instances by status, timer events by type
    /// (events no command caused: warnings, missed deadlines, escalations),
    /// commands remembered, and outbox rows by status. Each is one indexed or
    /// grouped query; meant for a `/metrics` scrape, not for a hot path.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn stats(&self) -> Result<Stats> {
        let pool = &self.inner.pool;
        let pairs = |rows: Vec<(String, i64)>| rows.into_iter().collect();
        let instances: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM instances GROUP BY status")
                .fetch_all(pool)
                .await?;
        let timer_events: Vec<(String, i64)> = sqlx::query_as(
            "SELECT type, COUNT(*) FROM events WHERE command_id IS NULL \
             AND type IN ('warning_raised', 'deadline_missed', 'escalated') GROUP BY type",
        )
        .fetch_all(pool)
        .await?;
        let commands: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM commands")
            .fetch_one(pool)
            .await?;
        let outbox: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status")
                .fetch_all(pool)
                .await?;
        Ok(Stats {
            instances: pairs(instances),
            timer_events: pairs(timer_events),
            commands,
            outbox: pairs(outbox),
        })
    }

    /// Notifications in the outbox that are still `pending`, oldest first.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn pending_notifications(&self, limit: u32) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, instance_id, seq, recipient, kind, step, level, at, event, status \
             FROM outbox WHERE status = 'pending' ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let event: String = row.try_get("event")?;
                Ok(Notification {
                    id: row.try_get("id")?,
                    instance: row.try_get("instance_id")?,
                    seq: row.try_get("seq")?,
                    recipient: row.try_get("recipient")?,
                    kind: row.try_get("kind")?,
                    step: row.try_get("step")?,
                    level: row.try_get("level")?,
                    at: instant(row.try_get("at")?)?,
                    event: serde_json::from_str(&event).map_err(corrupt)?,
                    status: row.try_get("status")?,
                })
            })
            .collect()
    }
}

pub(crate) fn summary(row: &sqlx::any::AnyRow) -> Result<InstanceSummary> {
    let status: String = row.try_get("status")?;
    Ok(InstanceSummary {
        id: row.try_get("id")?,
        process: row.try_get("process")?,
        version: row.try_get("version")?,
        status: Status::parse(&status).ok_or_else(|| corrupt(format!("status `{status}`")))?,
        next_wakeup: row
            .try_get::<Option<i64>, _>("next_wakeup")?
            .map(instant)
            .transpose()?,
        error: row.try_get("error")?,
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
    })
}

/// Appends `events` to the log after seq `last`, with the outbox rows they cause.
async fn append(
    tx: &mut Transaction<'static, Any>,
    definition: &Definition,
    instance_id: &str,
    last: i64,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<()> {
    for (seq, event) in (last + 1..).zip(events) {
        let json = serde_json::to_value(event).map_err(corrupt)?;
        let kind = json
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        let json = json.to_string();
        sqlx::query(
            "INSERT INTO events (instance_id, seq, at, type, command_id, event) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(instance_id)
        .bind(seq)
        .bind(seconds(event.at))
        .bind(&kind)
        .bind(event.command.as_deref())
        .bind(&json)
        .execute(&mut **tx)
        .await?;
        if let Some(row) = outbox::row(definition, event) {
            for recipient in &row.recipients {
                sqlx::query(
                    "INSERT INTO outbox (instance_id, seq, recipient, kind, step, level, at, event, \
                     status, attempts, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9)",
                )
                .bind(instance_id)
                .bind(seq)
                .bind(recipient)
                .bind(row.kind)
                .bind(row.step)
                .bind(row.level)
                .bind(seconds(event.at))
                .bind(&json)
                .bind(seconds(now))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

/// Writes the new state of an instance loaded at `loaded.revision`, with
/// its board index; fails with [`Error::Conflict`] when another writer
/// changed it meanwhile.
async fn save(
    tx: &mut Transaction<'static, Any>,
    definition: &Definition,
    id: &str,
    loaded: &Loaded,
    instance: &Instance,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<()> {
    let state = serde_json::to_string(instance).map_err(corrupt)?;
    let index = Index::of(definition, instance, loaded.process_due, events);
    let updated = sqlx::query(
        "UPDATE instances SET state = $1, status = $2, next_wakeup = $3, revision = revision + 1, \
         event_count = $4, error = NULL, updated_at = $5, process_due = $8, due = $9, \
         due_order = $10 WHERE id = $6 AND revision = $7",
    )
    .bind(&state)
    .bind(Status::of(instance).as_str())
    .bind(instance.next_wakeup().map(seconds))
    .bind(loaded.event_count + count(events))
    .bind(seconds(now))
    .bind(id)
    .bind(loaded.revision)
    .bind(index.process_due)
    .bind(index.due)
    .bind(index.due_order)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 1 {
        board::add_parties(tx, id, None, events).await
    } else {
        Err(conflict(id))
    }
}

fn conflict(id: &str) -> Error {
    Error::Conflict(format!(
        "instance `{id}` was changed by another worker; try again"
    ))
}

/// Reads `n` events of an instance from seq `first` on.
async fn read_events(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    first: i64,
    n: i64,
) -> Result<Vec<Event>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT event FROM events WHERE instance_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
    )
    .bind(id)
    .bind(first)
    .bind(first + n)
    .fetch_all(&mut **tx)
    .await?;
    if rows.len() as i64 != n {
        return Err(corrupt(format!(
            "instance `{id}`: expected {n} events from seq {first}, found {}",
            rows.len()
        )));
    }
    rows.iter()
        .map(|(json,)| serde_json::from_str(json).map_err(corrupt))
        .collect()
}

fn count(events: &[Event]) -> i64 {
    i64::try_from(events.len()).expect("fewer than 2^63 events")
}

/// A fingerprint as stored and shown: 16 hex digits.
pub(crate) fn hex(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}
