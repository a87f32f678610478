//! `GET /v1/corridors`: what one province should bring to another.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{ApiQuery, lang_of};
use crate::api::{AppState, query};
use crate::engine::{CorridorParams, CorridorResponse, Evidence};

/// What one province should bring to another: commodities ranked by opportunity, with the
/// businesses behind each.
#[utoipa::path(get, path = "/v1/corridors", params(CorridorParams),
    responses((status = 200, body = CorridorResponse), (status = 400, body = ErrorBody)))]
pub(crate) async fn corridors(
    State(engine): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CorridorParams>,
) -> ApiResult<Json<CorridorResponse>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    let limit = q.limit.unwrap_or(10);
    let evidence = match q.evidence.as_deref() {
        None | Some("all") => Evidence::All,
        Some("statistics") => Evidence::Statistics,
        Some(_) => {
            return Err(
                crate::error::Error::invalid("evidence", "must be all or statistics").into(),
            );
        }
    };
    Ok(Json(
        query(move || engine.corridor(&q.from, &q.to, limit, lang, evidence)).await?,
    ))
}
