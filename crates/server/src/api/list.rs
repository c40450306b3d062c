//! `GET /api/v1/instances`: instances a caller may read, filtered and paged,
//! each with its active steps, so that a board is one request.
//!
//! The late and nearly late first: ordered by the earliest deadline of an
//! active step or of the process (`earliest_due`), instances without one
//! last, then by id. The runtime's board index answers the filters, the
//! order and the access check in one query per page
//! ([`Runtime::board`](sopflow_runtime::Runtime::board)); only the
//! instances on the page are read in full. A page has `limit` items unless
//! it is the last; `next_cursor` is opaque.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sopflow::exec::StepStatus;
use sopflow_runtime::{BoardCursor, BoardQuery, InstanceSummary, Status};

use super::Caller;
use crate::error::ApiError;
use crate::state::Service;
use crate::view::{StepJson, Warn};

/// The default page size.
const DEFAULT_LIMIT: u32 = 50;
/// The largest page size.
const MAX_LIMIT: u32 = 500;

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
    /// The whole-process deadline.
    due: Option<DateTime<Utc>>,
    /// The earliest deadline of an active step or of the process: the
    /// list's order (`null` for none, listed last).
    earliest_due: Option<DateTime<Utc>>,
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
    let now = service.now();
    let (status, overdue_at) = match query.status.as_deref() {
        None | Some("") => (None, None),
        Some("open") => (Some(Status::Open), None),
        Some("overdue") => (Some(Status::Open), Some(now)),
        Some("completed") => (Some(Status::Completed), None),
        Some("cancelled") => (Some(Status::Cancelled), None),
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
    let after = match query.cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => Some(BoardCursor::decode(&text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid cursor `{text}`: pass the `next_cursor` of the previous page"
            ))
        })?),
    };
    let readers = caller.readers();
    let page = service
        .runtime
        .board(&BoardQuery {
            process: query.process.filter(|p| !p.is_empty()),
            status,
            overdue_at,
            department: query.department.filter(|d| !d.is_empty()),
            readers,
            after,
            limit,
        })
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for item in page.items {
        let id = item.summary.id.clone();
        let json = match service.view(&id).await {
            Ok((json, _, _)) => json,
            // Gone meanwhile (instances are never deleted, but be safe).
            Err(ApiError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        items.push(Item {
            summary: json.summary,
            overdue: json.overdue,
            due: json.due,
            earliest_due: item.due,
            warn: json.warn,
            active_steps: json
                .steps
                .into_iter()
                .filter(|s| matches!(s.status, StepStatus::Active | StepStatus::Paused))
                .collect(),
        });
    }
    Ok(Json(Page {
        items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
