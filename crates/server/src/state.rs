//! [`Service`]: what every handler shares — the runtime, the clock, the
//! tokens, the scheduler (to fire timers when the virtual clock moves) and
//! the request counters.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sopflow::exec::Clock;
use sopflow::Definition;
use sopflow_runtime::{Readers, Runtime, Scheduler};

use crate::access::{Access, Principal};
use crate::clock::ServerClock;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::view::{self, InstanceJson};

/// The state behind the router. Build it with [`Service::new`], wrap it in
/// an [`Arc`] and hand it to [`router`](crate::router).
#[derive(Debug)]
pub struct Service {
    pub(crate) runtime: Runtime,
    pub(crate) clock: ServerClock,
    pub(crate) access: Access,
    pub(crate) scheduler: Option<Arc<Scheduler>>,
    pub(crate) metrics: Metrics,
    /// Serializes moves of the virtual clock.
    pub(crate) clock_move: tokio::sync::Mutex<()>,
}

impl Service {
    /// A service over `runtime`, taking `now` from `clock` and callers from `access`.
    pub fn new(runtime: Runtime, clock: ServerClock, access: Access) -> Service {
        Service {
            runtime,
            clock,
            access,
            scheduler: None,
            metrics: Metrics::default(),
            clock_move: tokio::sync::Mutex::new(()),
        }
    }

    /// Lets `POST /api/v1/clock` fire due timers through this scheduler (so
    /// that its rounds and the clock's never overlap); without one, the
    /// service runs the round itself.
    #[must_use]
    pub fn with_scheduler(mut self, scheduler: Arc<Scheduler>) -> Service {
        self.scheduler = Some(scheduler);
        self
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The server's current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Checks that `principal` may read instance `id`, from the runtime's
    /// index of parties: no state and no log is read, so the check costs the
    /// same on an instance with ten events as on one with a million. 404
    /// when it may not; an admin (or a caller acting as anyone) passes, and
    /// an unknown id is then refused by the call that follows.
    pub(crate) async fn may_access(&self, principal: &Principal, id: &str) -> Result<(), ApiError> {
        match principal.readers() {
            Readers::Parties(actors) => {
                if self.runtime.is_party(id, &actors).await? {
                    Ok(())
                } else {
                    Err(ApiError::unknown_instance(id))
                }
            }
            Readers::All => Ok(()),
        }
    }

    /// Loads an instance for `principal`: its view, definition and log;
    /// 404 when it does not exist or the principal may not read it.
    pub(crate) async fn readable(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(InstanceJson, Arc<Definition>, Vec<sopflow::exec::Event>), ApiError> {
        let found = self.view(id).await?;
        if !principal.may_read(&found.1, &found.2) {
            return Err(ApiError::unknown_instance(id));
        }
        Ok(found)
    }

    /// Loads an instance without an access check: its view, definition and
    /// log; 404 when it does not exist.
    pub(crate) async fn view(
        &self,
        id: &str,
    ) -> Result<(InstanceJson, Arc<Definition>, Vec<sopflow::exec::Event>), ApiError> {
        let view = match self.runtime.instance(id).await {
            Err(e) if e.kind() == "not_found" => return Err(ApiError::unknown_instance(id)),
            other => other?,
        };
        let definition = self
            .runtime
            .definition(&view.summary.process, view.summary.version)
            .await?;
        let events = self.runtime.events(id).await?;
        let json = view::instance(view, &definition, &events, self.now());
        Ok((json, definition, events))
    }
}
