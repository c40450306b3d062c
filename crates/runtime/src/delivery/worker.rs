//! The delivery worker: a pass folds what is ready, claims what is due
//! within each channel's rate limit, posts it, and records how each attempt
//! ended; [`Delivery::spawn`] runs passes on its own tokio task.
//!
//! Invariants:
//! - No request is made inside a database transaction, and the worker runs
//!   on its own task with an HTTP timeout: a slow or dead webhook delays
//!   only its own messages, never commands or timer rounds.
//! - At least once: a message is marked `sent` only after its channel took
//!   it; a worker that stops mid-request leaves it to be tried again after
//!   its lease. After a committed `sent`, it is never posted again.
//! - Time comes from the caller (`now`) or the injected [`Clock`]; backoff
//!   jitter is a hash of the message id and attempt, so tests can predict it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sopflow::exec::Clock;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{error, info_span, warn, Instrument};

use crate::error::{Error, Result};
use crate::{store as db, Runtime};

use super::config::{Channels, ConfigError, DeliverySettings, NotifyConfig};
use super::fold::{budget, fold};
use super::format::{check_answer, request};
use super::store::{claim, due, finish, next_due, Claimed, Outcome};
use super::throttle::{is_throttle, retry_after, THROTTLE_CEILING};

/// How many messages one claim takes (and posts at once).
const CLAIM_BATCH: i64 = 32;
/// The longest sleep of a spawned worker: other workers on the same
/// database (Postgres) do not wake this one.
const MAX_IDLE: Duration = Duration::from_secs(10);
/// The shortest sleep after a pass that left due work (held by a rate limit).
const MIN_IDLE: Duration = Duration::from_secs(1);

/// Delivers the outbox: folds notifications into messages and posts them to
/// the channels of a checked [`NotifyConfig`]. Cheap to clone.
///
/// Drive it yourself with [`run_once`](Self::run_once) (tests, a virtual
/// clock), or [`spawn`](Self::spawn) it on its own task.
///
/// # Example
///
/// ```no_run
/// use std::sync::Arc;
/// use sopflow::exec::SystemClock;
/// use sopflow_runtime::delivery::{Delivery, NotifyConfig};
/// use sopflow_runtime::Runtime;
///
/// # async fn run(config: NotifyConfig) -> Result<(), Box<dyn std::error::Error>> {
/// let runtime = Runtime::connect("sqlite://sopflow.db?mode=rwc").await?;
/// let delivery = Delivery::new(&runtime, &config)?; // reads url_env, secret_env
/// let handle = delivery.spawn(Arc::new(SystemClock));
/// // … serve commands; timers write outbox rows; the worker posts them …
/// for letter in runtime.dead_letters(100).await? {
///     eprintln!("{} → {}: {:?}", letter.title, letter.channel, letter.last_error);
/// }
/// handle.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Delivery {
    runtime: Runtime,
    channels: Arc<Channels>,
    client: reqwest::Client,
}

/// What one [`Delivery::run_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Messages made from pending notifications (dead letters for
    /// recipients without a channel included).
    pub folded: usize,
    /// Messages the channels took.
    pub sent: usize,
    /// Attempts that failed and will be tried again.
    pub retried: usize,
    /// Messages that became dead letters after their last attempt.
    pub dead: usize,
}

/// Why a [`Delivery`] cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The configuration is wrong.
    #[error("[notify]: {0}")]
    Config(#[from] ConfigError),
    /// The HTTP client cannot be built (no TLS roots, …).
    #[error("the HTTP client cannot start: {0}")]
    Client(String),
}

impl Delivery {
    /// Checks `config` (reading `url_env` and `secret_env`) and builds the
    /// HTTP client (rustls, the configured timeout).
    ///
    /// # Errors
    /// [`DeliveryError::Config`] for a wrong configuration.
    pub fn new(runtime: &Runtime, config: &NotifyConfig) -> Result<Delivery, DeliveryError> {
        Delivery::with_channels(runtime, config.check()?)
    }

    /// A worker for already checked channels.
    ///
    /// # Errors
    /// [`DeliveryError::Client`] when the HTTP client cannot be built.
    pub fn with_channels(runtime: &Runtime, channels: Channels) -> Result<Delivery, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(channels.settings.timeout())
            .connect_timeout(channels.settings.timeout())
            .user_agent(concat!("sopflow/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DeliveryError::Client(e.to_string()))?;
        Ok(Delivery {
            runtime: runtime.clone(),
            channels: Arc::new(channels),
            client,
        })
    }

    /// The checked channels.
    pub fn channels(&self) -> &Channels {
        &self.channels
    }

    /// One pass at `now`: folds the notifications that are ready, then
    /// posts every message that is due, as the rate limits allow, and
    /// records each outcome. Returns when nothing more is due at `now`.
    ///
    /// # Errors
    /// [`Error::Database`] when the store fails; a failed request is not an
    /// error (it is retried, or becomes a dead letter).
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Pass> {
        let mut pass = Pass {
            folded: fold(&self.runtime, &self.channels, now).await?,
            ..Pass::default()
        };
        loop {
            let claimed = self.claim(now).await?;
            if claimed.is_empty() {
                return Ok(pass);
            }
            let mut requests = JoinSet::new();
            for claimed in claimed {
                let this = self.clone();
                requests.spawn(async move {
                    let outcome = this.attempt(&claimed, now).await;
                    (claimed, outcome)
                });
            }
            while let Some(done) = requests.join_next().await {
                let (claimed, outcome) = done.map_err(|e| Error::Invalid(e.to_string()))?;
                if finish(&self.runtime, &claimed, &outcome, now).await? {
                    match outcome {
                        Outcome::Sent => pass.sent += 1,
                        Outcome::Retry(..) | Outcome::Throttled(..) => pass.retried += 1,
                        Outcome::Dead(_) => pass.dead += 1,
                    }
                }
            }
        }
    }

    /// Claims the messages due at `now` that the rate limits allow.
    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<Claimed>> {
        let settings = self.channels.settings;
        let lease = TimeDelta::from_std(settings.timeout() * 2).unwrap_or(TimeDelta::MAX)
            + TimeDelta::seconds(30);
        let mut tx = db::begin(self.runtime.pool(), self.runtime.backend()).await?;
        let candidates = due(&mut tx, self.runtime.backend(), now, CLAIM_BATCH * 4).await?;
        let mut room = std::collections::HashMap::new();
        let mut claimed = Vec::new();
        for (id, channel, message, attempts, throttled) in candidates {
            if let Some(config) = self.channels.get(&channel) {
                let free = match room.get(&channel) {
                    Some(free) => *free,
                    None => budget(&mut tx, config, now).await?,
                };
                if free <= 0 {
                    room.insert(channel, free);
                    continue;
                }
                room.insert(channel.clone(), free - 1);
            }
            // A message for a channel no longer configured is claimed too; its
            // attempt fails at once (see `attempt`).
            claimed.push(
                claim(
                    &mut tx,
                    (id, &channel, &message),
                    (attempts, throttled),
                    now,
                    now + lease,
                )
                .await?,
            );
            if claimed.len() as i64 >= CLAIM_BATCH {
                break;
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Posts a claimed message once.
    async fn attempt(&self, claimed: &Claimed, now: DateTime<Utc>) -> Outcome {
        let settings = self.channels.settings;
        let Some(channel) = self.channels.get(&claimed.channel) else {
            return Outcome::Dead(format!(
                "the channel `{}` is no longer configured in [notify.channels]",
                claimed.channel
            ));
        };
        let post = request(channel, &claimed.message, now);
        let mut builder = self
            .client
            .post(&post.url)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(post.body.to_string());
        for (name, value) in &post.headers {
            builder = builder.header(name, value);
        }
        let answer = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let body = response.text().await?;
            Ok::<_, reqwest::Error>((status, wait, body))
        }
        .instrument(info_span!("delivery_attempt", id = claimed.id, attempt = claimed.attempt, channel = %channel.name))
        .await;
        let mut throttled = None;
        let result = match answer {
            Ok((status, wait, body)) => {
                if is_throttle(status, wait.as_deref()) {
                    throttled = Some(wait.as_deref().and_then(|w| retry_after(w, now)));
                }
                check_answer(channel.kind, status, &body)
            }
            Err(e) if e.is_timeout() => Err(format!(
                "no answer within {} s (timeout)",
                settings.timeout().as_secs()
            )),
            Err(e) => Err(format!("request failed: {}", without_url(e))),
        };
        let max_attempts = i64::from(settings.max_attempts);
        // Failures so far, this one included when it is not a throttle.
        let failures = claimed.attempt - claimed.throttled - i64::from(throttled.is_some());
        match (result, throttled) {
            (Ok(()), _) => Outcome::Sent,
            (Err(error), _) if claimed.attempt >= max_attempts * THROTTLE_CEILING => {
                warn!(id = claimed.id, %error, "delivery is dead after its last request");
                Outcome::Dead(error)
            }
            (Err(error), Some(wait)) => {
                let wait =
                    wait.unwrap_or_else(|| backoff(&settings, claimed.id, claimed.throttled + 1));
                let error = format!("{error} (throttled; waiting {} s)", wait.num_seconds());
                Outcome::Throttled(error, now + wait)
            }
            (Err(error), None) if failures >= max_attempts => {
                warn!(id = claimed.id, %error, "delivery is dead after its last attempt");
                Outcome::Dead(error)
            }
            (Err(error), None) => {
                Outcome::Retry(error, now + backoff(&settings, claimed.id, failures))
            }
        }
    }

    /// Runs passes on a new tokio task until [`DeliveryHandle::shutdown`]:
    /// after each pass it sleeps until the next message or window is due
    /// (at most 10 s, at least 1 s when a rate limit holds work back), or
    /// until [`DeliveryHandle::run_now`] asks for a pass.
    pub fn spawn(self, clock: Arc<dyn Clock + Send + Sync>) -> DeliveryHandle {
        let (requests, receiver) = mpsc::channel(16);
        let task = tokio::spawn(run(self, clock, receiver));
        DeliveryHandle { requests, task }
    }
}

/// The wait before attempt `attempt + 1`: `backoff_initial_secs` doubled per
/// failure, at most `backoff_max_secs`, then "equal jitter" (half fixed,
/// half a hash of the message id and attempt), so that messages that failed
/// together do not all come back together.
pub fn backoff(settings: &DeliverySettings, id: i64, attempt: i64) -> TimeDelta {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(32);
    let full = settings
        .backoff_initial_secs
        .max(1)
        .saturating_mul(1u64 << doublings)
        .min(settings.backoff_max_secs.max(1));
    let half = full / 2;
    let jitter = splitmix(id.unsigned_abs() ^ (attempt.unsigned_abs() << 48)) % (full - half + 1);
    TimeDelta::seconds(i64::try_from((half + jitter).max(1)).unwrap_or(i64::MAX))
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The error without the URL, which may hold a robot's access token or key.
fn without_url(error: reqwest::Error) -> String {
    let mut causes = String::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        causes.push_str(": ");
        causes.push_str(&cause.to_string());
        source = cause.source();
    }
    format!("{}{causes}", error.without_url())
}

enum Request {
    Pass(oneshot::Sender<Result<Pass>>),
    Stop,
}

/// A running delivery task. Dropping it does not stop the task: call
/// [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct DeliveryHandle {
    requests: mpsc::Sender<Request>,
    task: JoinHandle<()>,
}

impl DeliveryHandle {
    /// Asks for a pass at the clock's current instant and waits for it (a
    /// virtual clock does not advance by itself).
    ///
    /// # Errors
    /// The pass's error; [`Error::Invalid`] when the task has stopped.
    pub async fn run_now(&self) -> Result<Pass> {
        let (reply, answer) = oneshot::channel();
        let stopped = || Error::Invalid("the delivery task has stopped".into());
        self.requests
            .send(Request::Pass(reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stops the task after the pass in progress (whose requests end within
    /// the HTTP timeout), and waits for it.
    pub async fn shutdown(self) {
        let _ = self.requests.send(Request::Stop).await;
        let _ = self.task.await;
    }
}

async fn run(
    delivery: Delivery,
    clock: Arc<dyn Clock + Send + Sync>,
    mut requests: mpsc::Receiver<Request>,
) {
    let window = i64::try_from(delivery.channels.settings.digest_window_secs).unwrap_or(0);
    loop {
        let now = clock.now();
        let wait = match delivery
            .run_once(now)
            .instrument(info_span!("delivery_pass"))
            .await
        {
            Err(e) => {
                error!(error = %e, "delivery pass failed");
                MIN_IDLE
            }
            Ok(_) => match next_due(&delivery.runtime, window).await {
                Err(e) => {
                    error!(error = %e, "cannot read the next delivery");
                    MIN_IDLE
                }
                Ok(None) => MAX_IDLE,
                Ok(Some(next)) => (next - clock.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .clamp(MIN_IDLE, MAX_IDLE),
            },
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            request = requests.recv() => match request {
                Some(Request::Pass(reply)) => {
                    let pass = delivery.run_once(clock.now()).await;
                    let _ = reply.send(pass);
                }
                Some(Request::Stop) | None => return,
            },
        }
    }
}
