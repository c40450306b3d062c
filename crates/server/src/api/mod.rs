//! The JSON API under `/api/v1`, and `/healthz`, `/metrics`: thin handlers
//! that parse the request, check access, call the runtime and answer.

pub(crate) mod deliveries;
pub(crate) mod instances;
pub(crate) mod list;
pub(crate) mod ops;
pub(crate) mod processes;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::sync::Arc;

use crate::access::Principal;
use crate::error::ApiError;
use crate::state::Service;

/// The caller, from the `Authorization` header (see [`crate::access`]).
pub(crate) struct Caller(pub Principal);

impl FromRequestParts<Arc<Service>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &Arc<Service>,
    ) -> Result<Self, Self::Rejection> {
        service.access.principal(&parts.headers).map(Caller)
    }
}
