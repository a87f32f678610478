//! `/v1/businesses/{id}`: read (`GET`), and the token-guarded writes `PUT` and `DELETE`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::{AppState, Caller, WriteDeadline, query, write_checked};
use crate::model::Business;

/// A business profile with its offers and needs. Its `contacts` are shown only when the
/// business sets `publish_contacts`, or to a key that may see them (admin and reader keys,
/// its province's key, its own business key).
#[utoipa::path(get, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id, e.g. jt-00042")),
    responses((status = 200, body = Business), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_business(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Business>> {
    let b = query(move || engine.get_business(&id)).await?;
    let sees = caller
        .0
        .as_ref()
        .is_some_and(|p| p.sees_contacts_of(&b.id, &b.province));
    Ok(Json(if sees { b } else { b.public_view() }))
}

/// Creates or replaces a business with its listings (listing ids are assigned when absent).
#[utoipa::path(put, path = "/v1/businesses/{id}", request_body = Business,
    params(("id" = String, Path, description = "business id")),
    security(("bearer" = [])),
    responses((status = 201, body = Business, description = "created"),
              (status = 200, body = Business, description = "replaced"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn put_business(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Business>,
) -> ApiResult<(StatusCode, Json<Business>)> {
    if b.id != id {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("the body's id {:?} differs from the path's {id:?}", b.id),
        )
        .field("id"));
    }
    let by = caller.principal();
    let (stored, created) = write_checked(deadline, move || engine.put_business_as(&by, b)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored)))
}

/// Deletes a business and its listings; its past deals stay in the history.
#[utoipa::path(delete, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn delete_business(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let by = caller.principal();
    write_checked(deadline, move || engine.delete_business_as(&by, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
