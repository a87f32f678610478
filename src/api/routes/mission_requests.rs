//! Participants' meeting requests over HTTP: `GET/POST /v1/missions/{id}/requests`,
//! `POST /v1/missions/{id}/requests/{rid}/accept` and `…/decline`, `DELETE
//! /v1/missions/{id}/requests/{rid}` to withdraw.
//!
//! Accept and decline are two POST routes rather than a PATCH of `status`: each is one
//! party's decision with its own permission (the addressee's), while withdrawing is the
//! asker's; one PATCH would carry three permissions behind one body field. Each handler
//! calls one engine use case; writes go through `write_checked` (403 for a key that may not).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiJson;
use crate::api::{AppState, Caller, WriteDeadline, query, write_checked};
use crate::engine::{Decision, MeetingRequest, NewMeetingRequest};

/// A mission's meeting requests, oldest first, with their status (`pending`, `accepted`,
/// `declined`, `withdrawn`), who asked, who decided and when. Its organisers see them all;
/// a business key sees those its business asked or was asked (also before the mission is
/// published); anyone else none.
#[utoipa::path(get, path = "/v1/missions/{id}/requests",
    params(("id" = String, Path, description = "m-1")),
    responses((status = 200, body = [MeetingRequest]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_requests(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MeetingRequest>>> {
    Ok(Json(
        query(move || engine.requests_for(caller.0.as_ref(), &id)).await?,
    ))
}

/// Asks for a meeting: participant `a` wants to meet participant `b` (`must` or `want`,
/// with a note and a window of slots). A business key asks only from its own business; an
/// organiser for anyone. Unknown participants, a participant twice, both on one side or a
/// blocked pair are 400 naming the field; a request already there for the pair (not
/// withdrawn), or a published mission, 409. Whether the planner waits for `b` to accept is
/// the mission's `requests_need_acceptance`.
#[utoipa::path(post, path = "/v1/missions/{id}/requests", request_body = NewMeetingRequest,
    params(("id" = String, Path, description = "m-1")),
    security(("bearer" = [])),
    responses((status = 201, body = MeetingRequest, description = "filed, pending"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub(crate) async fn post_request(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    ApiJson(new): ApiJson<NewMeetingRequest>,
) -> ApiResult<Response> {
    let by = caller.principal();
    let r = write_checked(deadline, move || engine.request_meeting_as(&by, &id, new)).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

async fn decide(
    engine: AppState,
    caller: Caller,
    deadline: WriteDeadline,
    (id, rid): (String, String),
    decision: Decision,
) -> ApiResult<Json<MeetingRequest>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || {
            engine.decide_request_as(&by, &id, &rid, decision)
        })
        .await?,
    ))
}

/// Accepts a request: the asked participant's business key, or an organiser. A declined
/// request may still be accepted until the mission is published; a withdrawn one not (409).
#[utoipa::path(post, path = "/v1/missions/{id}/requests/{rid}/accept",
    params(("id" = String, Path, description = "m-1"), ("rid" = String, Path, description = "r-1")),
    security(("bearer" = [])),
    responses((status = 200, body = MeetingRequest), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub(crate) async fn accept_request(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<Json<MeetingRequest>> {
    decide(engine, caller, deadline, ids, Decision::Accept).await
}

/// Declines a request: the asked participant's business key, or an organiser. The planner
/// never gets a declined request.
#[utoipa::path(post, path = "/v1/missions/{id}/requests/{rid}/decline",
    params(("id" = String, Path, description = "m-1"), ("rid" = String, Path, description = "r-1")),
    security(("bearer" = [])),
    responses((status = 200, body = MeetingRequest), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub(crate) async fn decline_request(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(ids): Path<(String, String)>,
) -> ApiResult<Json<MeetingRequest>> {
    decide(engine, caller, deadline, ids, Decision::Decline).await
}

/// Withdraws a request: the asking participant's business key, or an organiser. It stays
/// listed as `withdrawn` (the history of who asked and who withdrew); the pair may then ask
/// again.
#[utoipa::path(delete, path = "/v1/missions/{id}/requests/{rid}",
    params(("id" = String, Path, description = "m-1"), ("rid" = String, Path, description = "r-1")),
    security(("bearer" = [])),
    responses((status = 200, body = MeetingRequest, description = "withdrawn"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn withdraw_request(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path((id, rid)): Path<(String, String)>,
) -> ApiResult<Json<MeetingRequest>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || engine.withdraw_request_as(&by, &id, &rid)).await?,
    ))
}
