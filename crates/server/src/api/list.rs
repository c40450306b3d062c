//! `GET /api/v1/instances`: instances a caller may read, filtered and paged,
//! each with its active steps, so that a board is one request.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sopflow::exec::StepStatus;
use sopflow_runtime::{InstanceSummary, ListFilter, Status};

use super::Caller;
use crate::error::ApiError;
use crate::state::Service;
use crate::view::{StepJson, Warn};

/// The default page size.
const DEFAULT_LIMIT: u32 = 50;
/// The largest page size.
const MAX_LIMIT: u32 = 500;
/// At most this many instances are examined for one page; a page may then
/// hold fewer items than `limit` and still have a `next_cursor`.
const MAX_SCAN: usize = 2_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    process: Option<String>,
    status: Option<String>,
    department: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// One line of the list.
#[derive(Serialize)]
pub(crate) struct Item {
    #[serde(flatten)]
    summary: InstanceSummary,
    overdue: bool,
    due: Option<DateTime<Utc>>,
    warn: Warn,
    /// Active and paused steps.
    active_steps: Vec<StepJson>,
}

/// A page.
#[derive(Serialize)]
pub(crate) struct Page {
    items: Vec<Item>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Lists instances (see the module docs).
pub(crate) async fn list(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let Query(query) = query?;
    let (status, overdue_only) = match query.status.as_deref() {
        None | Some("") => (None, false),
        Some("open") => (Some(Status::Open), false),
        Some("overdue") => (Some(Status::Open), true),
        Some("completed") => (Some(Status::Completed), false),
        Some("cancelled") => (Some(Status::Cancelled), false),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid status `{other}`: one of open, overdue, completed, cancelled"
            )))
        }
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "invalid limit {limit}: from 1 to {MAX_LIMIT}"
        )));
    }
    let mut filter = ListFilter {
        process: query.process.filter(|p| !p.is_empty()),
        status,
        after: query.cursor.filter(|c| !c.is_empty()),
        limit: limit.min(100),
    };
    let department = query.department.filter(|d| !d.is_empty());
    let mut items = Vec::new();
    let mut scanned = 0;
    let next_cursor = 'scan: loop {
        let rows = service.runtime.list(&filter).await?;
        let exhausted = rows.len() < filter.limit as usize;
        let count = rows.len();
        for (index, row) in rows.into_iter().enumerate() {
            let last = exhausted && index + 1 == count;
            if scanned >= MAX_SCAN {
                break 'scan filter.after.clone();
            }
            scanned += 1;
            let id = row.id.clone();
            filter.after = Some(id.clone());
            let (json, definition, events) = match service.readable(&caller, &id).await {
                Ok(found) => found,
                // Gone or not readable: leave it out.
                Err(ApiError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            if overdue_only && !json.overdue {
                continue;
            }
            if let Some(department) = &department {
                let mut parties = crate::access::parties(&definition, &events);
                if !parties.any(|p| p == department) {
                    continue;
                }
            }
            items.push(Item {
                summary: json.summary,
                overdue: json.overdue,
                due: json.due,
                warn: json.warn,
                active_steps: json
                    .steps
                    .into_iter()
                    .filter(|s| matches!(s.status, StepStatus::Active | StepStatus::Paused))
                    .collect(),
            });
            if items.len() == limit as usize {
                break 'scan (!last).then_some(id);
            }
        }
        if exhausted {
            break None;
        }
    };
    Ok(Json(Page { items, next_cursor }))
}
