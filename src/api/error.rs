//! The API's one error shape, `{"error": {"code", "message", "field"}}`, and everything that
//! produces it: [`ApiError`] (from the engine's [`Error`]: 4xx for what the caller sent wrong,
//! 5xx, logged, for our own faults), the 404 fallback, and `json_errors`, the middleware
//! that rewrites the plain-text errors axum and tower-http produce themselves.
//!
//! Invariant: every 4xx and 5xx the API sends has this JSON shape.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, RowError};
use crate::model::FieldError;

/// An error as the API returns it. An import with bad rows adds every bad row (`rows`, at
/// most 200) and how many more there were (`more`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rows: Option<Vec<RowError>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub more: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `invalid`, `not_found`, `unsupported_media_type`,
    /// `payload_too_large`, `internal`…
    pub code: String,
    pub message: String,
    /// The JSON path or parameter name of the offending field, when there is one.
    pub field: Option<String>,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    /// An import's bad rows, and how many more there were.
    rows: Option<(Vec<RowError>, u64)>,
    /// Seconds for a `Retry-After` header (503s).
    retry_after: Option<u32>,
}

impl ApiError {
    pub(super) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            rows: None,
            retry_after: None,
        }
    }

    pub(super) fn retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub(super) fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::Invalid(f) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", f.message).field(f.field)
            }
            Error::Import {
                file,
                line,
                field,
                message,
            } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("{file}:{line}: {field}: {message}"),
            )
            .field(field),
            Error::Rows { rows, more } => {
                let total = rows.len() as u64 + more;
                let (message, field) = match rows.first() {
                    Some(first) if total == 1 => (first.to_string(), first.column.clone()),
                    Some(first) => (
                        format!(
                            "{total} problems in the import; nothing was imported. First: {first}"
                        ),
                        first.column.clone(),
                    ),
                    None => ("the import has bad rows".to_string(), "body".to_string()),
                };
                let mut e = ApiError::new(StatusCode::BAD_REQUEST, "invalid", message).field(field);
                e.rows = Some((rows, more));
                e
            }
            Error::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            Error::Conflict(f) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", f.message).field(f.field)
            }
            Error::Busy(message) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).retry_after(5)
            }
            other if other.is_transient() => {
                tracing::warn!(error = %other, "store busy");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the store is busy or unreachable for a moment; retry shortly",
                )
                .retry_after(1)
            }
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; it has been logged",
                )
            }
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(f: FieldError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid", f.message).field(f.field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
            more: self.rows.as_ref().map(|(_, more)| *more),
            rows: self.rows.map(|(rows, _)| rows),
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub(super) type ApiResult<T> = Result<T, ApiError>;

pub(super) fn internal(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "engine task failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; it has been logged",
    )
}

pub(super) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see /docs for the API",
    )
}

/// Turns the error responses that axum and tower-http produce themselves (a 413 for a
/// declared body size, a 400 for a path that is not UTF-8, a 405…) into the API's JSON error,
/// so every 4xx has the same shape.
pub(super) async fn json_errors(req: Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "invalid",
    };
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "the body is larger than this endpoint accepts (2 MiB; imports 100 MiB)".to_string()
    } else if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text.clone()
    };
    let field = if status == StatusCode::PAYLOAD_TOO_LARGE {
        Some("body".to_string())
    } else {
        text.split('`').nth(1).map(str::to_string)
    };
    let mut out = ApiError {
        status,
        code,
        message,
        field,
        rows: None,
        retry_after: None,
    }
    .into_response();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        out.headers_mut().insert(name.clone(), value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store busy for a moment is 503 with `Retry-After` (retrying is safe), not 500.
    #[test]
    fn a_busy_or_locked_store_is_503_with_retry_after() {
        for code in [rusqlite::ffi::SQLITE_BUSY, rusqlite::ffi::SQLITE_LOCKED] {
            let e = Error::Store(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(code),
                None,
            ));
            assert!(e.is_transient());
            let api = ApiError::from(e);
            assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(api.code, "busy");
            let response = api.into_response();
            assert!(
                response
                    .headers()
                    .contains_key(axum::http::header::RETRY_AFTER)
            );
        }
        // PostgreSQL out of reach (nothing listens on port 1): a 503 too.
        let unreachable = crate::store::Store::open_postgres("postgres://jalin@127.0.0.1:1/jalin")
            .err()
            .expect("nothing listens there");
        assert!(unreachable.is_transient(), "{unreachable}");
        // A constraint violation is our fault, not the moment's.
        let e = Error::Store(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
            None,
        ));
        assert!(!e.is_transient());
        assert_eq!(ApiError::from(e).status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
