//! `POST /v1/deals` (token-guarded): records a deal; `GET /v1/deals/{id}` reads one back.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::{AppState, Caller, WriteDeadline, query, write_checked};
use crate::engine::DealPosted;
use crate::model::Deal;

/// Records a deal between two stored businesses. With an `Idempotency-Key` header a retry is
/// safe: the same key and deal answer 200 with the deal stored the first time (and
/// `Idempotent-Replayed: true`) instead of storing it twice; the same key with another deal
/// is refused.
///
/// An admin key, or a province key with a party in its provinces, records the deal at once
/// (201). A business key that is a party proposes it: the answer is 202 with the pending
/// deal, which counts once the other side confirms it (`POST /v1/deals/pending/{id}/confirm`).
#[utoipa::path(post, path = "/v1/deals", request_body = Deal,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1 to 200 printable ASCII characters naming this deal; a retry with the same key stores nothing new")),
    responses((status = 201, body = Deal, description = "recorded"),
              (status = 200, body = Deal, description = "a retry with the same Idempotency-Key: the deal recorded the first time"),
              (status = 202, body = crate::store::PendingDeal, description = "proposed by a business key; waits for the other side"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn post_deal(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    headers: HeaderMap,
    ApiJson(d): ApiJson<Deal>,
) -> ApiResult<Response> {
    let key = crate::api::extract::idempotency_key(&headers)?;
    let by = caller.principal();
    let Some(key) = key else {
        return Ok(
            match write_checked(deadline, move || engine.post_deal_as(&by, d)).await? {
                DealPosted::Recorded(stored) => (StatusCode::CREATED, Json(stored)).into_response(),
                DealPosted::Pending(p) => (StatusCode::ACCEPTED, Json(p)).into_response(),
            },
        );
    };
    let (stored, replayed) = write_checked(deadline, move || {
        engine.add_deal_idempotent_as(&by, d, &key)
    })
    .await?;
    if replayed {
        Ok((
            StatusCode::OK,
            [("idempotent-replayed", "true")],
            Json(stored),
        )
            .into_response())
    } else {
        Ok((StatusCode::CREATED, Json(stored)).into_response())
    }
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

/// Deletes a deal recorded by mistake: an admin key, or a province key with a party in its
/// provinces. The deal leaves the deal network and the rankings; the audit trail keeps its
/// digest. A deal recorded from a mission's commitment is answered 409 naming the
/// commitment: the mission's report counts it (delete the mission first).
#[utoipa::path(delete, path = "/v1/deals/{id}",
    params(("id" = String, Path, description = "deal id, e.g. d-000001")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the deal records a mission's commitment")))]
pub(crate) async fn delete_deal(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let by = caller.principal();
    write_checked(deadline, move || engine.delete_deal_as(&by, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
