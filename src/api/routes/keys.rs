//! Keys and accountability: `/v1/keys` (create, list, revoke), `/v1/audit` (who wrote what),
//! `/v1/businesses/{id}/history`, and deals waiting for the other party's confirmation
//! (`/v1/deals/pending`). Every route here needs a key that may write (`require_writer`);
//! what each key may see or do is the engine's `*_as` checks (`auth`).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::{AppState, Caller, WriteDeadline, forbidden, query, write_checked};
use crate::auth::{KeyRecord, NewKey};
use crate::model::Deal;
use crate::store::{AuditEntry, AuditQuery, PendingDeal};

/// A new key: its record and the key itself, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    pub id: String,
    /// The key, for `Authorization: Bearer <key>`. Only its hash is stored: keep it now.
    pub key: String,
    pub record: KeyRecord,
}

/// Creates a key (admin: any role; a province key: `business` keys for businesses of its
/// provinces). The key is in the answer once and never again.
#[utoipa::path(post, path = "/v1/keys", request_body = NewKey,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedKey), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create_key(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    ApiJson(new): ApiJson<NewKey>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    let by = caller.principal();
    let (record, key) = write_checked(deadline, move || engine.create_key(&by, new)).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id: record.id.clone(),
            key,
            record,
        }),
    ))
}

/// The keys this caller may manage (admin: all; a province key: those it made), without
/// secrets.
#[utoipa::path(get, path = "/v1/keys", security(("bearer" = [])),
    responses((status = 200, body = Vec<KeyRecord>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn list_keys(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<KeyRecord>>> {
    let by = caller.principal();
    Ok(Json(query(move || engine.keys(&by)).await?))
}

/// Revokes a key; it stops working with the next request.
#[utoipa::path(delete, path = "/v1/keys/{id}",
    params(("id" = String, Path, description = "the key's id (12 hex digits)")),
    security(("bearer" = [])),
    responses((status = 200, body = KeyRecord), (status = 404, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn revoke_key(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<Json<KeyRecord>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || engine.revoke_key(&by, &id)).await?,
    ))
}

/// Which audit rows to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Rows about this record (a business, deal or key id).
    pub entity: Option<String>,
    /// Rows written with this key.
    pub key: Option<String>,
    /// Rows older than this row id (the next page).
    pub before: Option<u64>,
    /// At most this many rows (1–1000, default 100).
    pub limit: Option<usize>,
}

fn limit_of(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "limit must be between 1 and 1000",
        )
        .field("limit")),
    }
}

/// The audit trail, newest first: every write with the key, route and request id behind
/// it and digests of the record before and after. Admins see all; a province key its
/// provinces' records; a business key its own business.
#[utoipa::path(get, path = "/v1/audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn audit(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let q = AuditQuery {
        entity_id: p.entity,
        key_id: p.key,
        before_id: p.before,
        limit: limit_of(p.limit)?,
    };
    let by = caller.principal();
    Ok(Json(query(move || engine.audit(&by, &q)).await?))
}

/// Paging of a business's history.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// At most this many changes (1–1000, default 100).
    pub limit: Option<usize>,
}

/// A business's changes, newest first (who, when, which route): for the business's own
/// key, its province's office and admins.
#[utoipa::path(get, path = "/v1/businesses/{id}/history", params(
        ("id" = String, Path, description = "business id"), HistoryParams),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 404, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn business_history(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<HistoryParams>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let limit = limit_of(p.limit)?;
    let by = caller.principal();
    let rows = query(move || engine.business_history(&by, &id, limit)).await?;
    Ok(Json(rows.map_err(forbidden)?))
}

/// Deals proposed by one party and waiting for this caller's confirmation (a business key:
/// its own; a province key: its provinces'; admin: all).
#[utoipa::path(get, path = "/v1/deals/pending", security(("bearer" = [])),
    responses((status = 200, body = Vec<PendingDeal>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn pending_deals(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<PendingDeal>>> {
    let by = caller.principal();
    Ok(Json(query(move || engine.pending_deals(&by)).await?))
}

/// Confirms a pending deal: it is recorded and counts in rankings from now on.
#[utoipa::path(post, path = "/v1/deals/pending/{id}/confirm",
    params(("id" = String, Path, description = "the pending deal's id, e.g. p-000001")),
    security(("bearer" = [])),
    responses((status = 201, body = Deal), (status = 404, body = ErrorBody),
              (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn confirm_deal(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Deal>)> {
    let by = caller.principal();
    let deal = write_checked(deadline, move || engine.confirm_deal(&by, &id)).await?;
    Ok((StatusCode::CREATED, Json(deal)))
}
