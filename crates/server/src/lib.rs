//! sopflow's HTTP service: the JSON API (`/api/v1/…`) and the 看板 page (`/`)
//! over [`sopflow_runtime`].
//!
//! ```text
//! client ──HTTP──▶ router ──▶ handler: parse, check access ──▶ Runtime ──▶ store
//!                    │                       ▲
//!                    └─ ApiError ──▶ {"error": kind, "message"} (one place: error.rs)
//! ```
//!
//! # What it knows and what it must not
//!
//! - It is the only crate that speaks HTTP as a server. It knows the
//!   runtime's public API ([`Runtime`](sopflow_runtime::Runtime)) and nothing
//!   of its tables or SQL; the core's public API for commands, events and
//!   calendars.
//! - It reads no files, no environment and no command line: the caller
//!   (the `sopflow serve` command) reads `sopflow.toml` and hands its text to
//!   [`Config::parse`], the token secrets through a lookup function.
//! - It reads the real clock only through [`ServerClock::System`]
//!   (`sopflow::exec::SystemClock`); with a virtual clock, time moves only by
//!   `POST /api/v1/clock`.
//! - It prints nothing and exits nothing: it logs with `tracing`.
//! - The page is static files embedded in the binary (nothing is loaded from
//!   the internet) that read the same JSON API every other client uses.
//!
//! # Invariants
//!
//! - Handlers are thin: parse, check access ([`access`]), call the runtime,
//!   answer. Every error is an [`ApiError`], mapped to a status in one place.
//! - A refused request changes nothing: validation and access checks come
//!   before the runtime call, and a runtime call that fails has rolled back.
//! - Every route is in [`ROUTES`], from which the router is built, and in
//!   the OpenAPI document (a test compares the two).
//! - Bodies are limited: JSON to [`MAX_JSON_BODY`] bytes, a `.sop` source to
//!   [`MAX_SOURCE_BODY`] bytes (413 beyond).
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use sopflow_server::{router, Access, ServerClock, Service};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = sopflow_runtime::Runtime::connect("sqlite://sopflow.db?mode=rwc").await?;
//! let service = Service::new(runtime, ServerClock::System, Access::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, router(Arc::new(service))).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Dependencies
//!
//! - `axum` (http1, json, query, tokio): the router, extractors and server,
//!   on hyper and tower, the usual choice of Rust HTTP services.
//! - `tokio`: the async runtime axum and the runtime crate share.
//! - `toml`: the configuration file (`sopflow.toml`).
//! - `serde`, `serde_json`, `chrono`, `thiserror`, `tracing`: as in the runtime.
//! - No metrics crate: `/metrics` is a dozen counters written as Prometheus
//!   text by hand ([`metrics`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
mod api;
pub mod assets;
mod clock;
pub mod config;
mod error;
pub mod metrics;
pub mod page;
mod page_api;
mod state;
pub mod view;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tracing::{info, info_span, Instrument};

pub use access::{Access, Principal};
pub use api::ops::OPENAPI;
pub use api::processes::MAX_SOURCE_BODY;
pub use clock::ServerClock;
pub use config::{Config, ConfigError, Token};
pub use error::ApiError;
pub use page_api::ROUTES as PAGE_ROUTES;
pub use state::Service;

/// The largest JSON body accepted, in bytes.
pub const MAX_JSON_BODY: usize = 256 * 1024;

/// Every route of the API: (method, path), in the router's path syntax.
/// The page's routes (`/` and its assets) are not part of the API.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/processes"),
    ("POST", "/api/v1/processes"),
    ("GET", "/api/v1/instances"),
    ("POST", "/api/v1/instances"),
    ("GET", "/api/v1/instances/{id}"),
    ("GET", "/api/v1/instances/{id}/events"),
    ("POST", "/api/v1/instances/{id}/commands"),
    ("GET", "/api/v1/clock"),
    ("POST", "/api/v1/clock"),
    ("GET", "/api/v1/deliveries"),
    ("POST", "/api/v1/deliveries/{id}/retry"),
];

fn handler(method: &str, path: &str) -> MethodRouter<Arc<Service>> {
    use api::{deliveries, instances, list, ops, processes};
    match (method, path) {
        ("GET", "/healthz") => get(ops::healthz),
        ("GET", "/metrics") => get(ops::metrics),
        ("GET", "/api/v1/openapi.json") => get(ops::openapi),
        ("GET", "/api/v1/processes") => get(processes::list),
        ("POST", "/api/v1/processes") => {
            post(processes::deploy).layer(DefaultBodyLimit::max(MAX_SOURCE_BODY))
        }
        ("GET", "/api/v1/instances") => get(list::list),
        ("POST", "/api/v1/instances") => post(instances::start),
        ("GET", "/api/v1/instances/{id}") => get(instances::get),
        ("GET", "/api/v1/instances/{id}/events") => get(instances::events),
        ("POST", "/api/v1/instances/{id}/commands") => post(instances::command),
        ("GET", "/api/v1/clock") => get(ops::get_clock),
        ("POST", "/api/v1/clock") => post(ops::move_clock),
        ("GET", "/api/v1/deliveries") => get(deliveries::list),
        ("POST", "/api/v1/deliveries/{id}/retry") => post(deliveries::retry),
        _ => unreachable!("every entry of ROUTES has a handler: {method} {path}"),
    }
}

/// The service's router: the API ([`ROUTES`]) and the page.
pub fn router(service: Arc<Service>) -> Router {
    let mut api: Router<Arc<Service>> = Router::new();
    let mut paths: Vec<&str> = ROUTES.iter().map(|&(_, path)| path).collect();
    paths.dedup();
    for path in paths {
        let methods = ROUTES
            .iter()
            .filter(|&&(_, p)| p == path)
            .map(|&(method, _)| handler(method, path))
            .reduce(MethodRouter::merge)
            .expect("each path has a method");
        api = api.route(path, methods);
    }
    api.layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .merge(page_api::routes())
        .merge(page::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(service.clone(), observe))
        .with_state(service)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound(format!(
        "no route {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// A span per request, a log line and a count per answer.
async fn observe(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(none)", MatchedPath::as_str)
        .to_owned();
    let span = info_span!("request", %method, path = %request.uri().path());
    // Latency for the log, not domain time.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.in_scope(|| {
        info!(
            status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "answered"
        );
    });
    service.metrics.request(&method, &route, status.as_u16());
    response.into_response()
}

/// Serves [`router`] on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (graceful shutdown).
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(service))
        .with_graceful_shutdown(shutdown)
        .await
}
