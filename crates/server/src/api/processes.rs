//! `GET /api/v1/processes` and `POST /api/v1/processes` (deploy a `.sop` source).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use sopflow_runtime::{Deployment, SopFiles, VersionInfo};

use super::Caller;
use crate::error::ApiError;
use crate::state::Service;

/// The largest `.sop` source accepted over HTTP, in bytes.
pub const MAX_SOURCE_BODY: usize = 4 * 1024 * 1024;

#[derive(serde::Serialize)]
pub(crate) struct Processes {
    processes: Vec<VersionInfo>,
}

/// Every deployed version, with how many instances run on each.
pub(crate) async fn list(
    State(service): State<Arc<Service>>,
    Caller(_): Caller,
) -> Result<Json<Processes>, ApiError> {
    Ok(Json(Processes {
        processes: service.runtime.versions().await?,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeployQuery {
    /// The file name diagnostics show (default `api.sop`).
    name: Option<String>,
}

/// Deploys the `.sop` source in the body: 201 for a new version, 200 when
/// the newest version already has this definition, 422 with diagnostics.
pub(crate) async fn deploy(
    State(service): State<Arc<Service>>,
    Caller(caller): Caller,
    query: Result<Query<DeployQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Deployment>), ApiError> {
    caller.require_admin("deploy processes")?;
    let Query(query) = query?;
    let body = body.map_err(|e| ApiError::Invalid {
        status: e.status(),
        message: format!(
            "{} (a .sop source over HTTP may have at most {MAX_SOURCE_BODY} bytes)",
            e.body_text()
        ),
    })?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|e| ApiError::bad_request(format!("the body is not UTF-8 text: {e}")))?;
    if text.trim().is_empty() {
        return Err(ApiError::invalid(
            "the body is empty: send the text of a .sop file",
        ));
    }
    let name = query.name.unwrap_or_else(|| "api.sop".to_owned());
    if name.contains(['/', '\\']) || !name.ends_with(".sop") {
        return Err(ApiError::bad_request(format!(
            "invalid name `{name}`: a file name ending in .sop, without directories"
        )));
    }
    let deployed = service
        .runtime
        .deploy(&SopFiles::new(name, text), service.now())
        .await?;
    let status = if deployed.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(deployed)))
}
