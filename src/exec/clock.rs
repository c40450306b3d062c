//! Where `now` comes from: the [`Clock`] trait, the real [`SystemClock`] and a
//! [`ManualClock`] for tests and simulations.
//!
//! The executor itself never calls a clock; hosts read one and pass `now` in.

use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current instant.
///
/// # Example
/// ```
/// use sopflow::exec::{Clock, ManualClock};
/// let clock = ManualClock::new("2026-03-02T09:00:00+08:00".parse().unwrap());
/// let t0 = clock.now();
/// clock.advance(chrono::TimeDelta::hours(1));
/// assert_eq!(clock.now() - t0, chrono::TimeDelta::hours(1));
/// ```
pub trait Clock {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock: the only place in the executor that reads it.
///
/// # Example
/// ```
/// use sopflow::exec::{Clock, SystemClock};
/// let now = SystemClock.now();
/// assert!(now.timestamp() > 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one sanctioned read of the real clock (STYLE.md §2): hosts choose
    // this clock explicitly; the executor's logic only ever sees `now` values.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(std::time::SystemTime::now())
    }
}

/// A clock that moves only when told to: for tests, simulations and replays.
///
/// # Example
/// ```
/// use sopflow::exec::{Clock, ManualClock};
/// let start: chrono::DateTime<chrono::Utc> = "2026-03-02T01:00:00Z".parse().unwrap();
/// let clock = ManualClock::new(start);
/// clock.set("2026-03-03T01:00:00Z".parse().unwrap());
/// assert_eq!(clock.now() - start, chrono::TimeDelta::days(1));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock to `now` (backwards too: the executor copes with that).
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the clock forward by `delta`.
    pub fn advance(&self, delta: TimeDelta) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += delta;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}
