//! `GET /api/v1/deliveries` and `POST /api/v1/deliveries/{id}/retry`: the
//! messages the delivery worker made from the outbox, dead letters among
//! them, and a retry for a dead letter once its webhook is fixed. Admin
//! only: a message may carry notifications about any instance.

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sopflow_runtime::delivery::{DeliveryFilter, DeliveryItem, DeliveryStatus, DeliveryView};

use super::Caller;
use crate::error::ApiError;
use crate::state::Service;

/// The default page size.
const DEFAULT_LIMIT: u32 = 50;
/// The largest page size.
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveriesQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// One message, as the API shows it.
#[derive(Serialize)]
pub(crate) struct DeliveryJson {
    id: i64,
    /// The channel's name in `[notify.channels]` (empty: the recipient had none).
    channel: String,
    recipient: String,
    status: DeliveryStatus,
    /// The first line of the message.
    title: String,
    /// The first notification's instance, step and kind (a digest carries
    /// several: see `notifications`).
    instance: Option<String>,
    step: Option<String>,
    kind: Option<String>,
    /// Requests made (throttled ones included).
    attempts: i64,
    last_error: Option<String>,
    /// When it may be tried next (`pending` only).
    next_attempt_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    notifications: Vec<DeliveryItem>,
}

impl From<DeliveryView> for DeliveryJson {
    fn from(view: DeliveryView) -> Self {
        let first = view.notifications.first();
        DeliveryJson {
            id: view.id,
            instance: first.map(|n| n.instance.clone()),
            step: first.and_then(|n| n.step.clone()),
            kind: first.map(|n| n.kind.clone()),
            channel: view.channel,
            recipient: view.recipient,
            status: view.status,
            title: view.title,
            attempts: view.attempts,
            last_error: view.last_error,
            next_attempt_at: (view.status == DeliveryStatus::Pending)
                .then_some(view.next_attempt_at),
            created_at: view.created_at,
            updated_at: view.updated_at,
            sent_at: view.sent_at,
            notifications: view.notifications,
        }
    }
}

/// A page, oldest first.
#[derive(Serialize)]
pub(crate) struct Page {
    items: Vec<DeliveryJson>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Lists messages, filtered by status and paged by id.
pub(crate) async fn list(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    query: Result<Query<DeliveriesQuery>, QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    caller.require_admin("read deliveries")?;
    let Query(query) = query?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some("pending") => Some(DeliveryStatus::Pending),
        Some("sent") => Some(DeliveryStatus::Sent),
        Some("dead") => Some(DeliveryStatus::Dead),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid status `{other}`: one of pending, sent, dead"
            )))
        }
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "invalid limit {limit}: from 1 to {MAX_LIMIT}"
        )));
    }
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!(
                "invalid cursor `{cursor}`: pass the `next_cursor` of the previous page"
            ))
        })?),
    };
    // One more than asked tells whether there is a next page.
    let mut views = service
        .runtime
        .deliveries(&DeliveryFilter {
            status,
            channel: None,
            after,
            limit: limit + 1,
        })
        .await?;
    let next_cursor = if views.len() > limit as usize {
        views.truncate(limit as usize);
        views.last().map(|v| v.id.to_string())
    } else {
        None
    };
    Ok(Json(Page {
        items: views.into_iter().map(DeliveryJson::from).collect(),
        next_cursor,
    }))
}

/// Gives a dead letter another round of attempts from now: 404 for an
/// unknown id, 409 for a message that is not dead.
pub(crate) async fn retry(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Retried>, ApiError> {
    caller.require_admin("retry deliveries")?;
    let Path(id) = id.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let unknown = || ApiError::NotFound(format!("unknown delivery `{id}`"));
    let number: i64 = id.parse().map_err(|_| unknown())?;
    let Some(view) = service.runtime.delivery(number).await? else {
        return Err(unknown());
    };
    let not_dead = |status: DeliveryStatus| {
        ApiError::WrongState(format!(
            "delivery {number} is {}, not dead: only a dead letter is retried",
            status.as_str()
        ))
    };
    if view.status != DeliveryStatus::Dead {
        return Err(not_dead(view.status));
    }
    match service
        .runtime
        .retry_dead_letter(number, service.now())
        .await
    {
        Ok(()) => {}
        // Retried (or deleted by a retry without channel) meanwhile.
        Err(sopflow_runtime::Error::NotFound { .. }) => {
            return Err(not_dead(DeliveryStatus::Pending));
        }
        Err(e) => return Err(e.into()),
    }
    // The delivery worker finds it at its next pass (within 10 s). A letter
    // without a channel went back to the outbox, to be folded anew under the
    // current routes: then there is no message any more (`delivery: null`).
    let delivery = service.runtime.delivery(number).await?;
    Ok(Json(Retried {
        retried: number,
        delivery: delivery.map(DeliveryJson::from),
    }))
}

/// The answer to a retry.
#[derive(Serialize)]
pub(crate) struct Retried {
    retried: i64,
    delivery: Option<DeliveryJson>,
}
