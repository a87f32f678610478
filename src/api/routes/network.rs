//! The deal network: a business's partners (`GET /v1/businesses/{id}/network`), warm
//! introductions (`GET /v1/intro`) and trade flows between provinces (`GET /v1/flows`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{ApiQuery, lang_of};
use crate::api::{AppState, query};

/// `?limit=&lang=` of the network view.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkParams {
    /// How many partners, 1 to 1000 (default 50).
    pub limit: Option<usize>,
    /// `en` or `id`.
    pub lang: Option<String>,
}

/// A business's trading partners, deal counts and values, and the provinces it trades with.
#[utoipa::path(get, path = "/v1/businesses/{id}/network",
    params(("id" = String, Path, description = "business id"), NetworkParams),
    responses((status = 200, body = crate::engine::NetworkView), (status = 404, body = ErrorBody)))]
pub(crate) async fn business_network(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<NetworkParams>,
) -> ApiResult<Json<crate::engine::NetworkView>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    let limit = q.limit.unwrap_or(50);
    Ok(Json(
        query(move || engine.business_network(&id, limit, lang)).await?,
    ))
}

/// `?from=&to=&lang=` of an introduction.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntroParams {
    /// The business that wants the introduction.
    pub from: String,
    /// The business it wants to meet.
    pub to: String,
    pub lang: Option<String>,
}

/// A warm introduction: the strongest short chain of past deals between two businesses.
#[utoipa::path(get, path = "/v1/intro", params(IntroParams),
    responses((status = 200, body = crate::engine::IntroView), (status = 404, body = ErrorBody)))]
pub(crate) async fn intro(
    State(engine): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<IntroParams>,
) -> ApiResult<Json<crate::engine::IntroView>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    Ok(Json(
        query(move || engine.intro(&q.from, &q.to, lang)).await?,
    ))
}

/// Completed trade between provinces, seller's province to buyer's, largest first.
#[utoipa::path(get, path = "/v1/flows", responses((status = 200, body = crate::engine::FlowsView)))]
pub(crate) async fn flows(
    State(engine): State<AppState>,
) -> ApiResult<Json<crate::engine::FlowsView>> {
    Ok(Json(query(move || Ok(engine.flows())).await?))
}
