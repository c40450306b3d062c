//! Starting instances, commands, one instance and its event log.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sopflow::exec::{Attributes, Command, Event};

use super::Caller;
use crate::error::ApiError;
use crate::state::Service;
use crate::view::InstanceJson;

/// The body of `POST /api/v1/instances`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartRequest {
    process: String,
    id: String,
    #[serde(default)]
    attributes: Option<Attributes>,
}

/// `{"events": [...]}`, as `simulate` prints them.
#[derive(Serialize)]
pub(crate) struct Events {
    events: Vec<Event>,
}

/// Starts an instance: 201 with its events; the same request again 200
/// with the same events; another request with the same id 409.
pub(crate) async fn start(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    body: Result<Json<StartRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Events>), ApiError> {
    let Json(request) = body?;
    if request.id.trim().is_empty() {
        return Err(ApiError::invalid("`id` must not be empty"));
    }
    if !caller.admin {
        let newest = service
            .runtime
            .versions()
            .await?
            .into_iter()
            .filter(|v| v.process == request.process)
            .map(|v| v.version)
            .max();
        if let Some(version) = newest {
            let definition = service
                .runtime
                .definition(&request.process, version)
                .await?;
            if !caller.owns_a_step(&definition) {
                return Err(ApiError::Forbidden(format!(
                    "token `{}` may not start `{}`: none of its actors owns a step of it",
                    caller.name, request.process
                )));
            }
        }
    }
    let answer = service
        .runtime
        .start(
            &request.process,
            &request.id,
            request.attributes.unwrap_or_default(),
            service.now(),
        )
        .await?;
    let status = if answer.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(Events {
            events: answer.events,
        }),
    ))
}

/// Handles one command (as in `simulate` scripts, without `at`).
pub(crate) async fn command(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Events>, ApiError> {
    let result = command_inner(&service, &caller, &id, body).await;
    service.metrics.command(match &result {
        Ok(_) => "ok",
        Err(e) => e.status_and_kind().1,
    });
    result
}

async fn command_inner(
    service: &Service,
    caller: &crate::access::Principal,
    id: &str,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Events>, ApiError> {
    let Json(body) = body?;
    let serde_json::Value::Object(object) = body else {
        return Err(ApiError::bad_request(
            "the body must be one command object, e.g. {\"type\":\"complete\",\"id\":\"c1\",\"step\":\"市场部:提交需求\",\"actor\":\"市场部\"}",
        ));
    };
    if object.contains_key("at") {
        return Err(ApiError::invalid(
            "leave out `at`: the server's clock gives the time of a command",
        ));
    }
    // An instance the caller may not read does not exist for it. The check
    // reads the index of parties, not the log: a command's cost must not
    // grow with the instance's history.
    service.may_access(caller, id).await?;
    let actor = object
        .get("actor")
        .and_then(|a| a.as_str())
        .unwrap_or_default()
        .to_owned();
    let command = Command::deserialize(serde_json::Value::Object(object))
        .map_err(|e| ApiError::invalid(format!("invalid command: {e}")))?;
    if !caller.may_act_as(&actor) {
        return Err(ApiError::Forbidden(format!(
            "token `{}` may not act as `{actor}`",
            caller.name
        )));
    }
    let answer = service.runtime.handle(id, command, service.now()).await?;
    Ok(Json(Events {
        events: answer.events,
    }))
}

/// One instance: status, steps with owners, deadlines and warning state.
pub(crate) async fn get(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<InstanceJson>, ApiError> {
    let (json, _, _) = service.readable(&caller, &id).await?;
    Ok(Json(json))
}

/// The whole event log of an instance.
pub(crate) async fn events(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<Events>, ApiError> {
    let (_, _, events) = service.readable(&caller, &id).await?;
    Ok(Json(Events { events }))
}
