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
//!   the store's whole event log and every deployed version — the same
//!   computation as `sopflow report`, so the page and the report agree —
//!   with the table's `columns` (key, Chinese and English header).
//!   `from`/`to` are dates (midnight in the report's zone) or RFC 3339
//!   instants; `to` is exclusive.
//!
//! Errors answer `{"error": "<snake_case kind>", "message": "…"}` like the
//! rest of the API.

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
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
use sopflow_runtime::{ListFilter, Runtime};

/// The page's extra routes over `runtime`, to merge into the service's router.
pub fn routes<S: Clone + Send + Sync + 'static>(runtime: Runtime) -> Router<S> {
    Router::new()
        .route(
            "/api/v1/processes/{name}/versions/{version}/steps",
            get(steps),
        )
        .route("/api/v1/processes/{name}/diagram.svg", get(diagram))
        .route("/api/v1/scorecard", get(scorecard))
        .with_state(runtime)
}

/// A failure as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl ApiError {
    fn invalid(message: String) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "invalid",
            message,
        }
    }
}

impl From<sopflow_runtime::Error> for ApiError {
    fn from(e: sopflow_runtime::Error) -> ApiError {
        let kind = e.kind();
        let status = match kind {
            "not_found" => StatusCode::NOT_FOUND,
            "invalid" | "invalid_source" => StatusCode::UNPROCESSABLE_ENTITY,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            kind,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.kind, "message": self.message }));
        (self.status, body).into_response()
    }
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
    State(runtime): State<Runtime>,
    Path((name, version)): Path<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let definition = runtime.definition(&name, version).await?;
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
    State(runtime): State<Runtime>,
    Path(name): Path<String>,
    Query(picture): Query<Picture>,
) -> Result<Response, ApiError> {
    let version = match picture.version {
        Some(v) => v,
        None => runtime
            .versions()
            .await?
            .iter()
            .filter(|v| v.process == name)
            .map(|v| v.version)
            .max()
            .ok_or_else(|| ApiError {
                status: StatusCode::NOT_FOUND,
                kind: "not_found",
                message: format!("没有部署名为 `{name}` 的流程 (no process `{name}` is deployed)"),
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

/// How many instances are listed per query while reading the log.
const PAGE: u32 = 500;

async fn scorecard(
    State(runtime): State<Runtime>,
    Query(period): Query<Period>,
) -> Result<Json<Value>, ApiError> {
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
            return Err(ApiError::invalid(format!(
                "`to` ({t}) 不晚于 `from` ({f}): 时段为空 (the period is empty)"
            )));
        }
    }
    let records = log(&runtime).await?;
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
    let mut body = serde_json::to_value(&card).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        kind: "internal",
        message: e.to_string(),
    })?;
    body["columns"] = Value::Array(columns);
    Ok(Json(body))
}

/// Every event of every instance in the store, as log records.
async fn log(runtime: &Runtime) -> Result<Vec<LogRecord>, ApiError> {
    let mut records = Vec::new();
    let mut after = None;
    loop {
        let filter = ListFilter {
            after: after.take(),
            limit: PAGE,
            ..ListFilter::default()
        };
        let page = runtime.list(&filter).await?;
        for summary in &page {
            for event in runtime.events(&summary.id).await? {
                records.push(LogRecord {
                    instance: summary.id.clone(),
                    process: summary.process.clone(),
                    version: Some(Version::Number(summary.version)),
                    event,
                });
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.id.clone()),
            _ => return Ok(records),
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
    Err(ApiError::invalid(format!(
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
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("无效"), "{}", e.message);
    }
}
