//! Our request extractors: [`ApiJson`] for bodies and [`ApiQuery`] for query strings, whose
//! errors name the offending field's JSON path or parameter (axum's own extractors answer
//! with generic rejection text), and `lang_of`, the language of worded reasons.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::MAX_BODY;
use super::error::{ApiError, ApiResult};
use crate::model::Lang;
use crate::model::json::parse_json;

/// A JSON body, parsed so errors name the field; requires `Content-Type: application/json`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            )
            .field("content-type"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    "payload_too_large",
                    format!("the body is larger than {MAX_BODY} bytes"),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson).map_err(ApiError::from)
    }
}

/// Query parameters, parsed so errors name the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if path == "." {
                    // serde names unknown parameters in the message only.
                    message.split('`').nth(1).unwrap_or("query").to_string()
                } else {
                    path
                };
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", message).field(field)
            })
    }
}

/// The language of reasons: `lang=` first, then `Accept-Language`.
pub(super) fn lang_of(param: Option<&str>, headers: &HeaderMap) -> ApiResult<Lang> {
    match param {
        Some("en") => Ok(Lang::En),
        Some("id") => Ok(Lang::Id),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("{other:?} is not a supported language; use en or id"),
        )
        .field("lang")),
        None => Ok(headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::parse)
            .unwrap_or_default()),
    }
}

/// The `Idempotency-Key` header, trimmed, if the request has one (its length is checked
/// where it is used); a value that is not printable ASCII is a 400 naming the header.
pub(crate) fn idempotency_key(
    headers: &axum::http::HeaderMap,
) -> Result<Option<String>, super::error::ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v.to_str().map(|k| Some(k.trim().to_string())).map_err(|_| {
            super::error::ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid",
                "must be printable ASCII",
            )
            .field("Idempotency-Key")
        }),
    }
}
