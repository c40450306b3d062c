//! `/healthz`, `/metrics`, the clock and the OpenAPI document.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sopflow_runtime::Fired;

use super::Caller;
use crate::clock::ServerClock;
use crate::error::ApiError;
use crate::state::Service;

/// The OpenAPI document, hand-written and kept true by `tests/openapi.rs`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// `{"status": "ok"}` when the database answers, 503 otherwise.
pub(crate) async fn healthz(State(service): State<Arc<Service>>) -> impl IntoResponse {
    match service.runtime.next_wakeup().await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable", "message": e.to_string() })),
        ),
    }
}

/// Prometheus text.
pub(crate) async fn metrics(
    State(service): State<Arc<Service>>,
) -> Result<impl IntoResponse, ApiError> {
    let stats = service.runtime.stats().await?;
    let mut text = service.metrics.render(&stats);
    let deliveries = service.runtime.delivery_counts().await?;
    let _ = writeln!(
        text,
        "# HELP sopflow_deliveries Messages to channels by status (a digest is one message).\n# TYPE sopflow_deliveries gauge"
    );
    for (status, n) in deliveries {
        let _ = writeln!(
            text,
            "sopflow_deliveries{{status=\"{}\"}} {n}",
            status.as_str()
        );
    }
    let _ = writeln!(
        text,
        "# HELP sopflow_timer_events_fired_here_total Timer events this process fired; with several servers on one database each counts its own.\n# TYPE sopflow_timer_events_fired_here_total counter\nsopflow_timer_events_fired_here_total {}",
        service.runtime.timer_events_fired_here()
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}

/// The OpenAPI document.
pub(crate) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// The server's clock.
#[derive(Serialize)]
pub(crate) struct ClockJson {
    now: DateTime<Utc>,
    #[serde(rename = "virtual")]
    is_virtual: bool,
    /// The events timers emitted because the clock moved (`POST` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    fired: Option<Vec<Fired>>,
}

/// `GET /api/v1/clock`: the server's current instant and whether it is virtual.
pub(crate) async fn get_clock(
    State(service): State<Arc<Service>>,
    Caller(_): Caller,
) -> Json<ClockJson> {
    Json(ClockJson {
        now: service.now(),
        is_virtual: service.clock.is_virtual(),
        fired: None,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveClock {
    now: String,
}

/// `POST /api/v1/clock`: moves the virtual clock forward and answers after
/// every timer due by then has fired and committed.
pub(crate) async fn move_clock(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    body: Result<Json<MoveClock>, JsonRejection>,
) -> Result<Json<ClockJson>, ApiError> {
    caller.require_admin("move the clock")?;
    let Json(body) = body?;
    let ServerClock::Virtual(clock) = &service.clock else {
        return Err(ApiError::WrongState(
            "the server runs on the real clock; start it with --clock virtual:RFC3339 to move time"
                .into(),
        ));
    };
    let now = DateTime::parse_from_rfc3339(&body.now)
        .map_err(|e| {
            ApiError::invalid(format!(
                "invalid `now` `{}`: {e}; write RFC 3339 with a UTC offset, e.g. 2026-03-05T09:00:00+08:00",
                body.now
            ))
        })?
        .with_timezone(&Utc);
    let _moving = service.clock_move.lock().await;
    let current = sopflow::exec::Clock::now(clock.as_ref());
    if now < current {
        return Err(ApiError::WrongState(format!(
            "the clock moves forward only: it is {} and {} is earlier",
            current.to_rfc3339(),
            now.to_rfc3339()
        )));
    }
    // Latency for /metrics, not domain time: the monotonic clock is right here.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let round = match &service.scheduler {
        // The scheduler's task moves the clock itself, so that no round of its
        // own fires these timers before the round whose events we answer with.
        Some(scheduler) => {
            let clock = Arc::clone(clock);
            scheduler.run_now_after(move || clock.set(now)).await?
        }
        None => {
            clock.set(now);
            service.runtime.catch_up(now, 100).await?
        }
    };
    service.metrics.round(started.elapsed());
    Ok(Json(ClockJson {
        now,
        is_virtual: true,
        fired: Some(round.fired),
    }))
}
