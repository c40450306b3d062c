//! Counters for `GET /metrics`, rendered by hand as Prometheus text
//! (format 0.0.4): a handful of counters needs no metrics crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use sopflow_runtime::Stats;

/// Request counters and timer-round latency, kept in memory.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// (method, route, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// Commands answered by outcome kind (`ok` or the error kind).
    commands: BTreeMap<String, u64>,
    /// Timer rounds run for clock moves: count and total seconds.
    rounds: u64,
    round_seconds: f64,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Counters) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Counts one answered request.
    pub fn request(&self, method: &str, route: &str, status: u16) {
        self.with(|c| {
            *c.requests
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        });
    }

    /// Counts one command by outcome (`ok` or an error kind).
    pub fn command(&self, outcome: &str) {
        self.with(|c| *c.commands.entry(outcome.to_owned()).or_default() += 1);
    }

    /// Records the latency of one timer round.
    pub fn round(&self, took: Duration) {
        self.with(|c| {
            c.rounds += 1;
            c.round_seconds += took.as_secs_f64();
        });
    }

    /// The Prometheus text: these counters and the store's `stats`.
    pub fn render(&self, stats: &Stats) -> String {
        let mut out = String::from(
            "# HELP sopflow_instances Instances in the store by status.\n# TYPE sopflow_instances gauge\n",
        );
        for status in ["open", "completed", "cancelled"] {
            let n = stats.instances.get(status).copied().unwrap_or(0);
            let _ = writeln!(out, "sopflow_instances{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP sopflow_timer_events_total Events emitted by timers, by type.\n# TYPE sopflow_timer_events_total counter"
        );
        for kind in ["warning_raised", "deadline_missed", "escalated"] {
            let n = stats.timer_events.get(kind).copied().unwrap_or(0);
            let _ = writeln!(out, "sopflow_timer_events_total{{type=\"{kind}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP sopflow_commands_stored Commands handled and remembered in the store.\n# TYPE sopflow_commands_stored gauge\nsopflow_commands_stored {}",
            stats.commands
        );
        let _ = writeln!(
            out,
            "# HELP sopflow_notifications Outbox rows (deliveries) by status.\n# TYPE sopflow_notifications gauge"
        );
        for (status, n) in &stats.outbox {
            let _ = writeln!(
                out,
                "sopflow_notifications{{status=\"{}\"}} {n}",
                escape(status)
            );
        }
        self.with(|c| {
            let _ = writeln!(
                out,
                "# HELP sopflow_http_requests_total HTTP requests answered by this process.\n# TYPE sopflow_http_requests_total counter"
            );
            for ((method, route, status), n) in &c.requests {
                let _ = writeln!(
                    out,
                    "sopflow_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(method),
                    escape(route)
                );
            }
            let _ = writeln!(
                out,
                "# HELP sopflow_commands_total Commands answered by this process, by outcome.\n# TYPE sopflow_commands_total counter"
            );
            for (outcome, n) in &c.commands {
                let _ = writeln!(out, "sopflow_commands_total{{outcome=\"{}\"}} {n}", escape(outcome));
            }
            let _ = writeln!(
                out,
                "# HELP sopflow_clock_round_seconds Timer rounds run when the virtual clock moved.\n# TYPE sopflow_clock_round_seconds summary\nsopflow_clock_round_seconds_count {}\nsopflow_clock_round_seconds_sum {}",
                c.rounds, c.round_seconds
            );
        });
        out
    }
}

/// Escapes a label value.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
