//! [`Scheduler`]: a tokio task that fires due timers.
//!
//! It sleeps until the earliest wakeup in the store, or until a start or a
//! command of its [`Runtime`] may have moved that wakeup, or until asked for a
//! round; it never polls in a busy loop. Time comes from an injected
//! [`Clock`]; a virtual clock does not advance by itself, so whoever moves it
//! calls [`Scheduler::run_now`] (or [`Scheduler::wake`]).

use std::sync::Arc;
use std::time::Duration;

use sopflow::exec::Clock;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{error, info_span, Instrument};

use crate::error::Result;
use crate::types::Round;
use crate::Runtime;

/// How a [`Scheduler`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerOptions {
    /// How many due instances one transaction claims.
    pub batch: u32,
    /// The longest sleep. Other runtimes on the same (Postgres) database do
    /// not wake this one, so it looks again at least this often.
    pub max_idle: Duration,
    /// How long to wait after a failed round (the database unreachable, …).
    pub retry_after: Duration,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        SchedulerOptions {
            batch: 100,
            max_idle: Duration::from_secs(30),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// Runs on the task right before a requested round (e.g. moves a virtual clock).
type Before = Box<dyn FnOnce() + Send>;

enum Request {
    Round(Option<Before>, oneshot::Sender<Result<Round>>),
    Stop,
}

/// A running timer task that fires due timers: it sleeps until the earliest
/// wakeup in the store, until a start or a command of its [`Runtime`] may have
/// moved that wakeup, or until [`run_now`](Self::run_now) asks for a round;
/// it never polls in a busy loop. A virtual clock does not advance by
/// itself, so whoever moves it calls `run_now`. Dropping the handle does not
/// stop the task: call [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct Scheduler {
    requests: mpsc::Sender<Request>,
    runtime: Runtime,
    task: JoinHandle<()>,
}

impl Runtime {
    /// Spawns a [`Scheduler`] on the current tokio runtime. It fires
    /// whatever is already due at once (catch-up after downtime), then sleeps
    /// until the next wakeup.
    pub fn spawn_scheduler(
        &self,
        clock: Arc<dyn Clock + Send + Sync>,
        options: SchedulerOptions,
    ) -> Scheduler {
        let (requests, receiver) = mpsc::channel(16);
        let task = tokio::spawn(run(self.clone(), clock, options, receiver));
        Scheduler {
            requests,
            runtime: self.clone(),
            task,
        }
    }
}

impl Scheduler {
    /// Wakes the task so that it looks at the clock and the store again.
    pub fn wake(&self) {
        self.runtime.wake().notify_one();
    }

    /// Asks the task for a round at the clock's current instant and waits
    /// until everything due by then has fired and committed. The round's
    /// events are returned.
    ///
    /// # Errors
    /// The round's error; [`Error::Invalid`](crate::Error::Invalid) when the task has stopped.
    pub async fn run_now(&self) -> Result<Round> {
        self.request_round(None).await
    }

    /// Like [`run_now`](Self::run_now), but the task first calls `before`
    /// (typically: move a virtual clock forward). The task's own rounds run
    /// on the same task, so none of them can see what `before` changes until
    /// this round has run: every timer that falls due because of `before` is
    /// in the returned round, and fires once. Moving the clock from outside
    /// and then calling `run_now` gives no such promise: the task may wake
    /// in between and fire those timers in a round of its own.
    ///
    /// # Errors
    /// As [`run_now`](Self::run_now).
    pub async fn run_now_after(&self, before: impl FnOnce() + Send + 'static) -> Result<Round> {
        self.request_round(Some(Box::new(before))).await
    }

    async fn request_round(&self, before: Option<Before>) -> Result<Round> {
        let (reply, answer) = oneshot::channel();
        let stopped = || crate::Error::Invalid("the scheduler has stopped".into());
        self.requests
            .send(Request::Round(before, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stops the task after the round in progress, if any, and waits for it.
    pub async fn shutdown(self) {
        let _ = self.requests.send(Request::Stop).await;
        let _ = self.task.await;
    }
}

async fn run(
    runtime: Runtime,
    clock: Arc<dyn Clock + Send + Sync>,
    options: SchedulerOptions,
    mut requests: mpsc::Receiver<Request>,
) {
    loop {
        let now = clock.now();
        let wait = match runtime
            .catch_up(now, options.batch)
            .instrument(info_span!("scheduler_round"))
            .await
        {
            Err(e) => {
                error!(error = %e, "timer round failed");
                options.retry_after
            }
            Ok(_) => match runtime.next_wakeup().await {
                Err(e) => {
                    error!(error = %e, "cannot read the next wakeup");
                    options.retry_after
                }
                Ok(None) => options.max_idle,
                Ok(Some(next)) => (next - clock.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(options.max_idle),
            },
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = runtime.wake().notified() => {}
            request = requests.recv() => match request {
                Some(Request::Round(before, reply)) => {
                    if let Some(before) = before {
                        before();
                    }
                    let round = runtime.catch_up(clock.now(), options.batch).await;
                    let _ = reply.send(round);
                }
                Some(Request::Stop) | None => return,
            },
        }
    }
}
