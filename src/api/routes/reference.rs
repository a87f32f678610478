//! The reference data: `GET /v1/provinces`, `/v1/provinces/{code}/advantages`, `/v1/commodities`.

use axum::Json;
use axum::extract::{Path, State};

use crate::api::AppState;
use crate::api::error::{ApiResult, ErrorBody};
use crate::engine::AdvantagesResponse;
use crate::reference::{Commodity, Province};

/// The 38 provinces with population, capital coordinates and island group.
#[utoipa::path(get, path = "/v1/provinces", responses((status = 200, body = [Province])))]
pub(crate) async fn provinces(State(engine): State<AppState>) -> Json<Vec<Province>> {
    Json(engine.provinces().to_vec())
}

/// A province's location quotient for each commodity with production figures.
#[utoipa::path(get, path = "/v1/provinces/{code}/advantages",
    params(("code" = String, Path, description = "two-digit province code, e.g. 35")),
    responses((status = 200, body = AdvantagesResponse), (status = 404, body = ErrorBody)))]
pub(crate) async fn advantages(
    State(engine): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<AdvantagesResponse>> {
    Ok(Json(engine.advantages(&code)?))
}

/// The commodity catalog: keys, names, synonyms, HS codes, units, shelf life.
#[utoipa::path(get, path = "/v1/commodities", responses((status = 200, body = [Commodity])))]
pub(crate) async fn commodities(State(engine): State<AppState>) -> Json<Vec<Commodity>> {
    Json(engine.commodities().to_vec())
}
