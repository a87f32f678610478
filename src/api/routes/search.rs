//! `GET /v1/search`: full-text search over offers and needs.

use axum::Json;
use axum::extract::State;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiQuery;
use crate::api::{AppState, query};
use crate::engine::{SearchParams, SearchResponse};

/// Full-text search over offers and needs, with filters.
#[utoipa::path(get, path = "/v1/search", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody)))]
pub(crate) async fn search(
    State(engine): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResponse>> {
    Ok(Json(query(move || engine.search(&params)).await?))
}
