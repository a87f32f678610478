//! `POST /v1/deals` (token-guarded): records a deal; `GET /v1/deals/{id}` reads one back.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::{AppState, WriteDeadline, query, write};
use crate::model::Deal;

/// Records a deal between two stored businesses.
#[utoipa::path(post, path = "/v1/deals", request_body = Deal,
    security(("bearer" = [])),
    responses((status = 201, body = Deal), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(crate) async fn post_deal(
    State(engine): State<AppState>,
    Extension(deadline): Extension<WriteDeadline>,
    ApiJson(d): ApiJson<Deal>,
) -> ApiResult<(StatusCode, Json<Deal>)> {
    let stored = write(deadline, move || engine.add_deal(d)).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// A recorded deal, as stored (deals stay as history when a party is deleted).
#[utoipa::path(get, path = "/v1/deals/{id}",
    params(("id" = String, Path, description = "deal id, e.g. d-000001")),
    responses((status = 200, body = Deal), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_deal(
    State(engine): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deal>> {
    Ok(Json(query(move || engine.get_deal(&id)).await?))
}
