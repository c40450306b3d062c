//! Endpoints the 看板 page needs beyond the instance API: a version's steps
//! (what completing one asks for), a process diagram, and the scorecard.
//!
//! - `GET /api/v1/processes/{name}/versions/{version}/steps`: every step of
//!   that version with its owners, deliverables, acceptance criteria,
//!   outcomes, and the steps it may send work back to (`send_back_to`).
//! - `GET /api/v1/processes/{name}/diagram.svg?version=&lang=`: the
//!   process drawn by [`sopflow::graph::svg`] (the newest version unless
//!   `version` is given; `lang=en` for English labels), each step a
//!   `<g class="step" data-step=…>` the page colours by status.
//! - `GET /api/v1/scorecard?from=&to=`: [`sopflow::report::scorecard`] over
//!   the store's event log and every deployed version — the same
//!   computation as `sopflow report`, so the page and the report agree —
//!   with the table's `columns` (key, Chinese and English header). The log
//!   is read in bulk for the period: of the instances whose life overlaps
//!   it, the events before `to` (every figure belongs to an event in the
//!   period, and a walk needs only what came before), so `instances`
//!   counts those instances.
//!   `from`/`to` are dates (midnight in the report's zone) or RFC 3339
//!   instants; `to` is exclusive.
//!
//! Access is the API's ([`crate::access`]): with tokens every endpoint needs
//! one; steps and diagrams show definitions (visible to every token, as the
//! process list is); the scorecard counts only the instances the token may
//! read, so a department head's scorecard is built from their department's
//! instances. Errors answer `{"error": "<snake_case kind>", "message": "…"}`
//! like the rest of the API.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sopflow::diagnostics::Lang;
use sopflow::graph::{self, Diagram};
use sopflow::report::{self, LogRecord, ReportOptions, Version};
use sopflow::Definition;
use sopflow_runtime::HistoryQuery;

use crate::access::Principal;
use crate::api::Caller;
use crate::error::ApiError;
use crate::state::Service;

/// Every route the page needs beyond [`ROUTES`](crate::ROUTES): (method,
/// path); documented in the OpenAPI document like the API's.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/processes/{name}/versions/{version}/steps"),
    ("GET", "/api/v1/processes/{name}/diagram.svg"),
    ("GET", "/api/v1/scorecard"),
];

/// The page's extra routes, to merge into the service's router.
pub(crate) fn routes() -> Router<Arc<Service>> {
    Router::new()
        .route(ROUTES[0].1, get(steps))
        .route(ROUTES[1].1, get(diagram))
        .route(ROUTES[2].1, get(scorecard))
}

/// One step as the page's action forms need it.
#[derive(Debug, Serialize)]
struct StepInfo<'a> {
    #[serde(flatten)]
    step: &'a sopflow::model::Step,
    /// Steps this one may send work back to (its `rework` arrows).
    send_back_to: Vec<&'a str>,
}

async fn steps(
    State(service): State<Arc<Service>>,
    Caller(_): Caller,
    Path((name, version)): Path<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let definition = service.runtime.definition(&name, version).await?;
    let steps: Vec<StepInfo<'_>> = definition
        .steps()
        .map(|(id, step)| StepInfo {
            step,
            send_back_to: definition
                .reworks()
                .iter()
                .filter(|r| r.from == id)
                .map(|r| definition.step(r.to).key.as_str())
                .collect(),
        })
        .collect();
    Ok(Json(
        json!({ "process": name, "version": version, "steps": steps }),
    ))
}

/// Which picture of a process.
#[derive(Debug, Deserialize)]
struct Picture {
    version: Option<i64>,
    lang: Option<String>,
}

async fn diagram(
    State(service): State<Arc<Service>>,
    Caller(_): Caller,
    Path(name): Path<String>,
    picture: Result<Query<Picture>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(picture) = picture?;
    let runtime = &service.runtime;
    let version = match picture.version {
        Some(v) => v,
        None => runtime
            .versions()
            .await?
            .iter()
            .filter(|v| v.process == name)
            .map(|v| v.version)
            .max()
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "没有部署名为 `{name}` 的流程 (no process `{name}` is deployed)"
                ))
            })?,
    };
    let definition = runtime.definition(&name, version).await?;
    let lang = match picture.lang.as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    let svg = graph::svg(&Diagram::new(&definition, lang));
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        svg,
    )
        .into_response())
}

/// The period of a scorecard request.
#[derive(Debug, Deserialize)]
struct Period {
    from: Option<String>,
    to: Option<String>,
}

/// How many events are read per query while reading the log.
const PAGE: u32 = 10_000;

async fn scorecard(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    period: Result<Query<Period>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(period) = period?;
    let runtime = &service.runtime;
    let mut definitions: Vec<std::sync::Arc<Definition>> = Vec::new();
    for v in runtime.versions().await? {
        definitions.push(runtime.definition(&v.process, v.version).await?);
    }
    let refs: Vec<&Definition> = definitions.iter().map(|d| d.as_ref()).collect();
    let zone = report::default_zone(&refs);
    let from = instant("from", period.from.as_deref(), zone)?;
    let to = instant("to", period.to.as_deref(), zone)?;
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            return Err(ApiError::bad_request(format!(
                "`to` ({t}) 不晚于 `from` ({f}): 时段为空 (the period is empty)"
            )));
        }
    }
    let records = log(&service, &caller, from, to).await?;
    let options = ReportOptions {
        from,
        to,
        zone: Some(zone),
    };
    let card = report::scorecard(&records, &refs, &options);
    let columns: Vec<Value> = report::COLUMNS
        .iter()
        .map(|c| json!({ "key": c.key, "zh": c.zh, "en": c.en }))
        .collect();
    let mut body =
        serde_json::to_value(&card).expect("a scorecard serializes: plain data, string keys");
    body["columns"] = Value::Array(columns);
    Ok(Json(body))
}

/// The events the scorecard of `[from, to)` needs, of the instances
/// `caller` may read, as log records: read in bulk, a large page per query
/// ([`Runtime::history`](sopflow_runtime::Runtime::history)).
async fn log(
    service: &Service,
    caller: &Principal,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<LogRecord>, ApiError> {
    let readers = caller.readers();
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let query = HistoryQuery {
            from,
            to,
            readers: readers.clone(),
            after: after.take(),
            limit: PAGE,
        };
        let page = service.runtime.history(&query).await?;
        let full = page.len() == PAGE as usize;
        after = page.last().map(|e| (e.instance.clone(), e.seq));
        records.extend(page.into_iter().map(|e| LogRecord {
            instance: e.instance,
            process: e.process,
            version: Some(Version::Number(e.version)),
            event: e.event,
        }));
        if !full {
            return Ok(records);
        }
    }
}

/// Parses `from`/`to` as `sopflow report` does: an RFC 3339 instant, or a
/// date meaning midnight in `zone`.
fn instant(name: &str, text: Option<&str>, zone: Tz) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(date) = text.parse::<NaiveDate>() {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        if let Some(t) = zone.from_local_datetime(&midnight).earliest() {
            return Ok(Some(t.with_timezone(&Utc)));
        }
    }
    Err(ApiError::bad_request(format!(
        "`{name}` 无效: `{text}`; 请写日期如 2026-03-01 或时刻如 2026-03-01T09:00:00+08:00 \
         (invalid `{name}`: write a date such as 2026-03-01 or an instant such as 2026-03-01T09:00:00+08:00)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_like_sopflow_report() {
        let zone: Tz = "Asia/Shanghai".parse().unwrap();
        let t = instant("from", Some("2026-03-02"), zone).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-01T16:00:00+00:00");
        let t = instant("to", Some("2026-03-02T09:00:00+08:00"), zone)
            .unwrap()
            .unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T01:00:00+00:00");
        assert_eq!(instant("to", Some(""), zone).unwrap(), None);
        let e = instant("from", Some("3月2日"), zone).unwrap_err();
        assert_eq!(e.status_and_kind().0.as_u16(), 400);
        match e {
            ApiError::Invalid { message, .. } => assert!(message.contains("无效"), "{message}"),
            other => panic!("not a 400: {:?}", other.status_and_kind()),
        }
    }
}
