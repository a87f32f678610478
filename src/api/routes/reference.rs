//! The reference data: `GET /v1/provinces`, `/v1/provinces/{code}/advantages`, `/v1/commodities`
//! (and one by key or name), the KBKI catalog (`/v1/catalog`, `/v1/catalog/{code}`), and the
//! supply model's answer for one commodity and buyer, `GET /v1/supply`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{ApiQuery, lang_of};
use crate::api::{AppState, query};
use crate::engine::{
    AdvantagesResponse, CatalogEntryResponse, CatalogQuery, CatalogSearchResponse,
    CommodityResponse, SupplyQuery, SupplyResponse,
};
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

/// One curated commodity by catalog key (`kopi_olahan`) or name ("Kopi arabika"), with its
/// KBKI code and the path of its ancestors.
#[utoipa::path(get, path = "/v1/commodities/{key}",
    params(("key" = String, Path, description = "catalog key or name, e.g. bawang_merah")),
    responses((status = 200, body = CommodityResponse), (status = 404, body = ErrorBody)))]
pub(crate) async fn commodity(
    State(engine): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<CommodityResponse>> {
    Ok(Json(engine.commodity(&key)?))
}

/// The KBKI 2012 goods catalog (27 k entries): entries whose name holds the words of `q`
/// or whose code starts with it, and what `q` resolves to as a product name.
#[utoipa::path(get, path = "/v1/catalog", params(CatalogQuery),
    responses((status = 200, body = CatalogSearchResponse), (status = 400, body = ErrorBody)))]
pub(crate) async fn catalog(
    State(engine): State<AppState>,
    ApiQuery(q): ApiQuery<CatalogQuery>,
) -> ApiResult<Json<CatalogSearchResponse>> {
    Ok(Json(query(move || engine.catalog_search(&q)).await?))
}

/// One KBKI entry with its ancestors, children and the curated commodities under it.
#[utoipa::path(get, path = "/v1/catalog/{code}",
    params(("code" = String, Path, description = "KBKI code, 1 to 10 digits, e.g. 2399")),
    responses((status = 200, body = CatalogEntryResponse), (status = 404, body = ErrorBody)))]
pub(crate) async fn catalog_entry(
    State(engine): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<CatalogEntryResponse>> {
    Ok(Json(engine.catalog_entry(&code)?))
}

/// Where a province is expected to buy a commodity: every origin province by expected share
/// (the supply model: production, surplus over own consumption, distance and sea crossings,
/// fitted to real inter-provincial trade), with volume, surplus, distance and the source
/// and year of every figure.
#[utoipa::path(get, path = "/v1/supply", params(SupplyQuery),
    responses((status = 200, body = SupplyResponse), (status = 400, body = ErrorBody)))]
pub(crate) async fn supply(
    State(engine): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<SupplyQuery>,
) -> ApiResult<Json<SupplyResponse>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    Ok(Json(
        query(move || engine.supply(&q.commodity, &q.to, q.limit, lang)).await?,
    ))
}
