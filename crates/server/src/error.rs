//! [`ApiError`]: every failure of a request, mapped to a status code and a
//! JSON body `{"error": "<snake_case kind>", "message": "…"}` in one place.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sopflow::diagnostics::Lang;
use sopflow_runtime::Error;

/// Why a request failed. A failed request changed nothing.
#[derive(Debug)]
pub enum ApiError {
    /// The runtime refused or failed; the status follows [`Error::kind`].
    Runtime(Error),
    /// No or an unknown bearer token (401 `unauthorized`).
    Unauthorized(String),
    /// The token may not do this (403 `not_authorized`).
    Forbidden(String),
    /// Nothing by this name, or nothing the token may see (404 `not_found`).
    NotFound(String),
    /// The request is malformed: bad JSON, an unknown field, a bad query
    /// (400 `bad_request`) or a well-formed request that cannot be carried
    /// out (422 `invalid`).
    Invalid {
        /// 400 or 422.
        status: StatusCode,
        /// What is wrong, naming the field.
        message: String,
    },
    /// The request's state does not allow this, e.g. the clock cannot move
    /// back (409 `wrong_state`).
    WrongState(String),
}

impl ApiError {
    /// A 422 `invalid` with this message.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.into(),
        }
    }

    /// A 400 `bad_request` with this message.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A 404 for an instance id.
    pub fn unknown_instance(id: &str) -> ApiError {
        ApiError::NotFound(format!("unknown instance `{id}`"))
    }

    /// The status code and the snake_case kind.
    pub fn status_and_kind(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Runtime(e) => {
                let kind = e.kind();
                let status = match kind {
                    "not_found" => StatusCode::NOT_FOUND,
                    "not_authorized" => StatusCode::FORBIDDEN,
                    "wrong_state" | "conflict" => StatusCode::CONFLICT,
                    "invalid" | "invalid_source" => StatusCode::UNPROCESSABLE_ENTITY,
                    "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, kind)
            }
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "not_authorized"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Invalid { status, .. } if *status == StatusCode::BAD_REQUEST => {
                (*status, "bad_request")
            }
            ApiError::Invalid { status, .. } => (*status, "invalid"),
            ApiError::WrongState(_) => (StatusCode::CONFLICT, "wrong_state"),
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        ApiError::Runtime(error)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = rejection.status();
        let message = rejection.body_text();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Invalid { status, message }
        } else {
            ApiError::bad_request(message)
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_kind();
        let mut body = serde_json::Map::new();
        body.insert("error".into(), kind.into());
        let message = match &self {
            ApiError::Runtime(e) => e.to_string(),
            ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::WrongState(m)
            | ApiError::Invalid { message: m, .. } => m.clone(),
        };
        body.insert("message".into(), message.into());
        if let Some(diagnostics) = match &self {
            ApiError::Runtime(e) => e.diagnostics(),
            _ => None,
        } {
            // As `sopflow check --format json` prints them, in Chinese first.
            let records = serde_json::to_value(diagnostics.records_in(Lang::Zh))
                .expect("records hold only strings, integers and unit enums");
            body.insert("diagnostics".into(), records);
        }
        if status.is_server_error() {
            tracing::error!(kind, message = %body["message"], "request failed");
        }
        (status, Json(serde_json::Value::Object(body))).into_response()
    }
}
