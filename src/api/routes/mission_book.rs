//! Stored missions over HTTP: `GET/POST /v1/missions`, `GET/PUT/DELETE /v1/missions/{id}`,
//! the participant spreadsheet (`POST /v1/missions/{id}/participants`, the templates at
//! `/v1/templates/participants.csv` and `.xlsx`), the kept plan (`POST`/`GET
//! /v1/missions/{id}/plan`, re-planned around the grid's edits at `…/replan`), publishing, attendance, the commitment ledger and the report.
//! Each handler calls one engine use case; writes go through `write_checked` (403 for a key
//! that may not), reads pass the caller so unpublished missions stay the organiser's.

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::imports::{XLSX, XlsxBytes};
use super::missions::{PlanParams, document};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::{AppState, Caller, WriteDeadline, blocking, query, write_checked};
use crate::auth::Principal;
use crate::engine::Engine;
use crate::engine::{
    AttendanceUpdate, Checked, Commitment, CommitmentInput, MissionReport, MissionSummary,
    ParticipantsImported, StoredMission, StoredReplan,
};
use crate::import::TableFormat;
use crate::model::Lang;
use crate::plan::MissionSpec;
use crate::plan::export::Schedule;

/// A stored mission, or a spec that ships with jalin.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(crate) enum MissionOrSpec {
    Stored(Box<StoredMission>),
    Shipped(Box<MissionSpec>),
}

/// The stored missions the caller may read (anonymous callers and readers: the published
/// ones; admins and organising offices: theirs too; a business key: those its business
/// takes part in too), then the specs that ship with jalin
/// (`shipped`).
#[utoipa::path(get, path = "/v1/missions",
    responses((status = 200, body = [MissionSummary])))]
pub(crate) async fn list_missions(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<MissionSummary>>> {
    Ok(Json(
        query(move || engine.missions_for(caller.0.as_ref())).await?,
    ))
}

/// A stored mission (`m-N`; unpublished ones only for their organisers and the business
/// keys of businesses taking part), or a shipped
/// mission spec by name (`jatim-banten-2023`), ready to plan or to edit.
#[utoipa::path(get, path = "/v1/missions/{id}",
    params(("id" = String, Path, description = "a stored mission's id (m-1) or a shipped spec's name (jatim-banten-2023)")),
    responses((status = 200, description = "a stored mission, or a shipped spec", body = MissionOrSpec),
              (status = 404, body = ErrorBody)))]
pub(crate) async fn get_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<MissionOrSpec>> {
    if let Some((_, text)) = crate::engine::FIXTURE_MISSIONS
        .iter()
        .find(|(n, _)| *n == id)
    {
        let spec: MissionSpec =
            serde_json::from_str(text).map_err(|e| crate::api::error::internal(&e))?;
        return Ok(Json(MissionOrSpec::Shipped(Box::new(spec))));
    }
    let m = query(move || engine.mission_for(caller.0.as_ref(), &id)).await?;
    Ok(Json(MissionOrSpec::Stored(Box::new(m))))
}

/// Creates a mission: the planner's mission spec (participants optional — add them later,
/// or from a spreadsheet), with `firms` for participants that are not registered businesses
/// and `organiser` (the organising province; by default the key's first province). Admins
/// and the organising province's office may; the mission is unpublished until planned and
/// published.
#[utoipa::path(post, path = "/v1/missions", request_body = MissionSpec,
    security(("bearer" = [])),
    responses((status = 201, body = StoredMission, description = "created, with its id"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(crate) async fn create_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    ApiJson(spec): ApiJson<MissionSpec>,
) -> ApiResult<Response> {
    let by = caller.principal();
    let m = write_checked(deadline, move || engine.create_mission_as(&by, spec)).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// Replaces a mission's spec. Its kept plan is dropped and it is unpublished (plan and
/// publish again); attendance and commitments stay.
#[utoipa::path(put, path = "/v1/missions/{id}", request_body = MissionSpec,
    params(("id" = String, Path, description = "m-1")),
    security(("bearer" = [])),
    responses((status = 200, body = StoredMission), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(crate) async fn put_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    ApiJson(spec): ApiJson<MissionSpec>,
) -> ApiResult<Json<StoredMission>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || engine.put_mission_as(&by, &id, spec)).await?,
    ))
}

/// Deletes a mission and its commitment ledger (deals recorded from it stay as history).
#[utoipa::path(delete, path = "/v1/missions/{id}",
    params(("id" = String, Path, description = "m-1")),
    security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let by = caller.principal();
    write_checked(deadline, move || engine.delete_mission_as(&by, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Plans a stored mission with the planner (as `POST /v1/missions/plan` would) and keeps the
/// plan; answers it in the format `?format=` asks for. A mission changed while it was being
/// planned is answered 409 (plan again).
#[utoipa::path(post, path = "/v1/missions/{id}/plan", params(("id" = String, Path, description = "m-1"), PlanParams),
    security(("bearer" = [])),
    responses((status = 200, description = "the kept schedule",
                content((Schedule = "application/json"), (String = "text/csv"),
                        (String = "text/calendar"), (String = "text/html"),
                        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub(crate) async fn plan_stored_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
) -> ApiResult<Response> {
    keep_plan(engine, caller, deadline, &headers, q, move |e, by, lang| {
        e.plan_stored_mission_as(by, &id, lang)
    })
    .await
}

/// Re-plans a stored mission around the organiser's edits and keeps the new plan: the
/// meetings as moved or swapped in the planner grid (by default the kept plan's), the
/// `locked` ones kept at their slot whatever happens, the others kept where they can stay;
/// freed seats get new meetings. The answer lists what was added, moved and cancelled
/// (`changes`). A mission changed meanwhile is answered 409 (re-plan again).
#[utoipa::path(post, path = "/v1/missions/{id}/replan", request_body = StoredReplan,
    params(("id" = String, Path, description = "m-1"), PlanParams),
    security(("bearer" = [])),
    responses((status = 200, description = "the new kept schedule",
                content((Schedule = "application/json"), (String = "text/csv"),
                        (String = "text/calendar"), (String = "text/html"),
                        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub(crate) async fn replan_stored_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(edit): ApiJson<StoredReplan>,
) -> ApiResult<Response> {
    keep_plan(engine, caller, deadline, &headers, q, move |e, by, lang| {
        e.replan_stored_mission_as(by, &id, edit, lang)
    })
    .await
}

/// Plans (or re-plans) a stored mission with `plan`, as a write behind the caller's
/// authorisation, and answers the kept schedule in the format `?format=` asks for.
async fn keep_plan(
    engine: AppState,
    caller: Caller,
    deadline: WriteDeadline,
    headers: &HeaderMap,
    q: PlanParams,
    plan: impl FnOnce(&Engine, &Principal, Lang) -> Checked<Schedule> + Send + 'static,
) -> ApiResult<Response> {
    let (format, options) = q.read(headers)?;
    let by = caller.principal();
    let lang = options.lang;
    let planner = engine.clone();
    let schedule = write_checked(deadline, move || plan(&planner, &by, lang)).await?;
    let answer = blocking(move || document(&engine, &caller, schedule, format, &options)).await?;
    Ok(answer.into_response())
}

/// A stored mission's kept plan, as JSON, CSV, iCalendar, printable HTML agendas or XLSX.
#[utoipa::path(get, path = "/v1/missions/{id}/plan", params(("id" = String, Path, description = "m-1"), PlanParams),
    responses((status = 200, description = "the kept schedule",
                content((Schedule = "application/json"), (String = "text/csv"),
                        (String = "text/calendar"), (String = "text/html"),
                        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_stored_plan(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
) -> ApiResult<Response> {
    let (format, options) = q.read(&headers)?;
    let answer = blocking(move || {
        let schedule = engine.stored_plan_for(caller.0.as_ref(), &id)?;
        document(&engine, &caller, schedule, format, &options)
    })
    .await?;
    Ok(answer.into_response())
}

/// Publishes a planned mission: everyone may then read it, its plan, commitments and report.
#[utoipa::path(post, path = "/v1/missions/{id}/publish",
    params(("id" = String, Path, description = "m-1")),
    security(("bearer" = [])),
    responses((status = 200, body = StoredMission), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "not planned yet")))]
pub(crate) async fn publish_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredMission>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || engine.publish_mission_as(&by, &id, true)).await?,
    ))
}

/// Withdraws a published mission (only its organisers read it again).
#[utoipa::path(delete, path = "/v1/missions/{id}/publish",
    params(("id" = String, Path, description = "m-1")),
    security(("bearer" = [])),
    responses((status = 200, body = StoredMission), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn unpublish_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredMission>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || engine.publish_mission_as(&by, &id, false)).await?,
    ))
}

/// Adds participants from a spreadsheet (`text/csv`, or an XLSX, XLS or ODS workbook; one
/// firm a row, headers as in `GET /v1/templates/participants.csv`). A row whose `ID` (or
/// whose province, name and city) is a registered business's is listed by its id; any other
/// becomes a firm of the mission; a participant already there is replaced. Every bad row is
/// reported in one 400 answer (`rows`: row, column, message) and nothing is changed.
#[utoipa::path(post, path = "/v1/missions/{id}/participants",
    params(("id" = String, Path, description = "m-1")),
    request_body(content(
        (String = "text/csv"),
        (XlsxBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (XlsxBytes = "application/vnd.ms-excel"),
        (XlsxBytes = "application/vnd.oasis.opendocument.spreadsheet")
    )),
    security(("bearer" = [])),
    responses((status = 200, body = ParticipantsImported), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
pub(crate) async fn post_participants(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ParticipantsImported>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let format = match ct.as_str() {
        "text/csv" => TableFormat::Csv,
        XLSX | "application/vnd.ms-excel" | "application/vnd.oasis.opendocument.spreadsheet" => {
            TableFormat::Workbook
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the participant list as text/csv or an XLSX, XLS or ODS workbook",
            )
            .field("content-type"));
        }
    };
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || {
            engine.import_participants_as(&by, &id, format, &body)
        })
        .await?,
    ))
}

/// Records check-ins (`present`) and no-shows (`absent`) by participant id.
#[utoipa::path(post, path = "/v1/missions/{id}/attendance", request_body = AttendanceUpdate,
    params(("id" = String, Path, description = "m-1")),
    security(("bearer" = [])),
    responses((status = 200, body = StoredMission), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(crate) async fn post_attendance(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<AttendanceUpdate>,
) -> ApiResult<Json<StoredMission>> {
    let by = caller.principal();
    Ok(Json(
        write_checked(deadline, move || {
            engine.record_attendance_as(&by, &id, update)
        })
        .await?,
    ))
}

/// Records what a meeting produced: a sale (`a` sells to `b`), a purchase (`a` buys from
/// `b`), an investment or an MoU, with its commodity, quantity and value. Between two
/// registered businesses a sale, purchase or MoU is also recorded as a deal of the mission
/// (status `mou`), which feeds the deal network. With an `Idempotency-Key` a retry is safe:
/// the same key and commitment answer 200 with the one recorded first
/// (`Idempotent-Replayed: true`); the same key with another commitment is refused (409).
#[utoipa::path(post, path = "/v1/missions/{id}/commitments", request_body = CommitmentInput,
    params(("id" = String, Path, description = "m-1"),
        ("Idempotency-Key" = Option<String>, Header,
         description = "1 to 200 printable ASCII characters naming this commitment; a retry with the same key records nothing new")),
    security(("bearer" = [])),
    responses((status = 201, body = Commitment, description = "recorded"),
              (status = 200, body = Commitment, description = "a retry with the same Idempotency-Key: the commitment recorded the first time"),
              (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn post_commitment(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(deadline): Extension<WriteDeadline>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(c): ApiJson<CommitmentInput>,
) -> ApiResult<Response> {
    let key = crate::api::extract::idempotency_key(&headers)?;
    let by = caller.principal();
    let (recorded, replayed) = write_checked(deadline, move || {
        engine.record_commitment_as(&by, &id, c, key.as_deref())
    })
    .await?;
    Ok(if replayed {
        (
            StatusCode::OK,
            [("idempotent-replayed", "true")],
            Json(recorded),
        )
            .into_response()
    } else {
        (StatusCode::CREATED, Json(recorded)).into_response()
    })
}

/// A mission's commitment ledger, oldest first.
#[utoipa::path(get, path = "/v1/missions/{id}/commitments",
    params(("id" = String, Path, description = "m-1")),
    responses((status = 200, body = [Commitment]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_commitments(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Commitment>>> {
    Ok(Json(
        query(move || engine.commitments_for(caller.0.as_ref(), &id)).await?,
    ))
}

/// `?format=` of a report.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `json` (default), `html` (a printable page) or `xlsx` (a workbook: Ringkasan, Per
    /// jenis, Per komoditas, Penandatanganan, Peserta, Misi sebelumnya).
    pub format: Option<String>,
}

/// The mission report: totals by kind and commodity (equal to the sum of what was
/// recorded), top signings, each participant's outcome, meetings held against planned,
/// no-shows, and East Java's earlier recorded missions between the same provinces.
#[utoipa::path(get, path = "/v1/missions/{id}/report",
    params(("id" = String, Path, description = "m-1"), ReportParams),
    responses((status = 200, description = "the report",
                content((MissionReport = "application/json"), (String = "text/html"),
                        (XlsxBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn mission_report(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "html" | "xlsx") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("{format:?} is not one of json, html, xlsx"),
        )
        .field("format"));
    }
    let report = query(move || engine.mission_report_for(caller.0.as_ref(), &id)).await?;
    Ok(match format {
        "html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            crate::engine::report_html(&report),
        )
            .into_response(),
        "xlsx" => {
            let bytes =
                crate::engine::report_xlsx(&report).map_err(|e| crate::api::error::internal(&e))?;
            (
                [
                    (header::CONTENT_TYPE, XLSX.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"laporan-{}.xlsx\"", report.mission),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        _ => Json(report).into_response(),
    })
}

/// The participant template as CSV: a UTF-8 byte-order mark, the headers (Indonesian;
/// English ones are accepted too) and an example row.
#[utoipa::path(get, path = "/v1/templates/participants.csv",
    responses((status = 200, content_type = "text/csv", body = String,
               description = "the headers and an example row")))]
pub(crate) async fn participants_template_csv() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"peserta.csv\"",
            ),
        ],
        crate::import::participants_template_csv(),
    )
        .into_response()
}

/// The participant template as an XLSX workbook: the sheet to fill in and a sheet of
/// instructions ("Petunjuk").
#[utoipa::path(get, path = "/v1/templates/participants.xlsx",
    responses((status = 200, body = XlsxBytes,
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub(crate) async fn participants_template_xlsx() -> ApiResult<Response> {
    let bytes =
        crate::import::participants_template_xlsx().map_err(|e| crate::api::error::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"peserta.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
