//! [`ServerClock`]: the real clock, or a virtual one that only
//! `POST /api/v1/clock` moves (for tests, demos and rehearsing an SOP).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sopflow::exec::{Clock, ManualClock, SystemClock};

/// Where the server takes `now` from. Cheap to clone: clones share one
/// virtual clock.
#[derive(Debug, Clone)]
pub enum ServerClock {
    /// The system clock.
    System,
    /// A virtual clock: it stands still until moved forward.
    Virtual(Arc<ManualClock>),
}

impl ServerClock {
    /// A virtual clock starting at `start`.
    pub fn virtual_at(start: DateTime<Utc>) -> ServerClock {
        ServerClock::Virtual(Arc::new(ManualClock::new(start)))
    }

    /// Whether it is virtual.
    pub fn is_virtual(&self) -> bool {
        matches!(self, ServerClock::Virtual(_))
    }
}

impl Clock for ServerClock {
    fn now(&self) -> DateTime<Utc> {
        match self {
            ServerClock::System => SystemClock.now(),
            ServerClock::Virtual(clock) => clock.now(),
        }
    }
}
