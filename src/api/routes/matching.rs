//! `POST /v1/match`: ranked suppliers for a need.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery, lang_of};
use crate::api::{AppState, query};
use crate::engine::{MatchRequest, MatchResponse};

/// Ranked suppliers in other provinces for a need, each with its score breakdown and reasons.
#[utoipa::path(post, path = "/v1/match", request_body = MatchRequest, params(LangParams),
    responses((status = 200, body = MatchResponse), (status = 400, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
pub(crate) async fn match_(
    State(engine): State<AppState>,
    ApiQuery(q): ApiQuery<LangParams>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<MatchRequest>,
) -> ApiResult<Json<MatchResponse>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    Ok(Json(query(move || engine.match_request(&req, lang)).await?))
}

/// The `lang` query parameter that endpoints with worded reasons take.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangParams {
    /// `en` or `id`; without it, the `Accept-Language` header decides (default English).
    pub lang: Option<String>,
}
