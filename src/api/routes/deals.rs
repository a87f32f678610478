//! `POST /v1/deals` (token-guarded): records a deal.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::{AppState, blocking};
use crate::model::Deal;

/// Records a deal between two stored businesses.
#[utoipa::path(post, path = "/v1/deals", request_body = Deal,
    security(("bearer" = [])),
    responses((status = 201, body = Deal), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(crate) async fn post_deal(
    State(engine): State<AppState>,
    ApiJson(d): ApiJson<Deal>,
) -> ApiResult<(StatusCode, Json<Deal>)> {
    let stored = blocking(move || engine.add_deal(d)).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}
