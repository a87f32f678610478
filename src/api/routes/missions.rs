//! Trade missions without a store (stored ones and the shipped specs are `mission_book`'s):
//! the planner (`POST /v1/missions/plan`) and re-planning on the day
//! (`POST /v1/missions/replan`), answered in the format `?format=` asks for: JSON, or a
//! document (`plan::export::render` through `Engine::render_plan`, with the parties'
//! contacts as the caller may see them).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery, lang_of};
use crate::api::{AppState, Caller, blocking};
use crate::model::Lang;
use crate::plan::export::{PlanFormat, RenderOptions, Rendered, Schedule};
use crate::plan::spec::PlanLimits;

/// `?format=&lang=&sep=&participant=` of a plan.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// `json` (default), `csv` (one row per meeting, with a byte-order mark), `ics` (one
    /// event per meeting), `html` (print-ready agendas: one page per firm with meetings,
    /// the organiser's pages, a table plan per slot) or `xlsx` (sheets Jadwal, Agenda,
    /// Meja, Peserta).
    pub format: Option<String>,
    /// `id` or `en`. Documents are Indonesian unless `lang=en`; the JSON's reasons follow
    /// `lang`, else the `Accept-Language` header (default English).
    pub lang: Option<String>,
    /// The CSV separator: `;` (default for Indonesian), `,` (default for English) or `tab`.
    pub sep: Option<String>,
    /// One participant's part only: its agenda page, its own calendar, its rows.
    pub participant: Option<String>,
}

impl PlanParams {
    /// The format, the language and the document options these parameters ask for.
    pub(crate) fn read(&self, headers: &HeaderMap) -> ApiResult<(PlanFormat, RenderOptions)> {
        let format = PlanFormat::parse(self.format.as_deref())
            .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("format"))?;
        let lang = match (format, self.lang.as_deref()) {
            (PlanFormat::Json, _) | (_, Some(_)) => lang_of(self.lang.as_deref(), headers)?,
            (_, None) => Lang::Id,
        };
        let sep = self
            .sep
            .as_deref()
            .map(RenderOptions::parse_sep)
            .transpose()
            .map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.message).field("sep")
            })?;
        Ok((
            format,
            RenderOptions {
                lang,
                sep,
                participant: self.participant.clone(),
                dtstamp: None,
            },
        ))
    }
}

/// Plans a mission: who meets whom, when, at which table, with per-participant agendas.
///
/// The objective is lexicographic: must-meet requests (and pinned meetings) first, then a
/// minimum number of meetings for everyone who has a possible partner (`min_meetings`), then
/// total score, then idle gaps (an improvement phase bounded by `time_limit_ms`). A request
/// that cannot be placed never fails the plan: it is listed in `unscheduled` with the reason.
#[utoipa::path(post, path = "/v1/missions/plan", params(PlanParams),
    request_body(content = crate::plan::MissionSpec,
        description = "a mission spec; see fixtures/missions/"),
    responses((status = 200, description = "the schedule, in the format `?format=` asks for",
                content((Schedule = "application/json"), (String = "text/csv"),
                        (String = "text/calendar"), (String = "text/html"),
                        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody)))]
pub(crate) async fn plan_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(spec): ApiJson<crate::plan::MissionSpec>,
) -> ApiResult<Response> {
    limits(&caller).check(&spec)?;
    let (format, options) = q.read(&headers)?;
    let answer = blocking(move || {
        let schedule = engine.plan_mission_in(spec, options.lang)?;
        document(&engine, &caller, schedule, format, &options)
    })
    .await?;
    Ok(answer.into_response())
}

/// Re-plans a mission on the day, around what already happened: meetings before
/// `from_slot` and `confirmed` ones never move; the `absent` participants' later meetings
/// are cancelled; freed participants get new meetings from the best remaining pairs. The
/// answer is a schedule like a plan's, with `changes` listing what was added, moved (as few
/// as possible: only what cannot stay) and cancelled.
#[utoipa::path(post, path = "/v1/missions/replan", params(PlanParams),
    request_body(content = crate::plan::replan::ReplanRequest,
        description = "the mission spec, the earlier plan's meetings, and what happened"),
    responses((status = 200, description = "the new schedule, in the format `?format=` asks for",
                content((Schedule = "application/json"), (String = "text/csv"),
                        (String = "text/calendar"), (String = "text/html"),
                        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 400, body = ErrorBody)))]
pub(crate) async fn replan_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(request): ApiJson<crate::plan::replan::ReplanRequest>,
) -> ApiResult<Response> {
    limits(&caller).check(&request.spec)?;
    let (format, options) = q.read(&headers)?;
    let answer = blocking(move || {
        let schedule = engine.replan_mission(request, options.lang)?;
        document(&engine, &caller, schedule, format, &options)
    })
    .await?;
    Ok(answer.into_response())
}

/// The plan size a caller may ask for: larger with a key.
fn limits(caller: &Caller) -> PlanLimits {
    if caller.0.is_some() {
        PlanLimits::KEYED
    } else {
        PlanLimits::ANONYMOUS
    }
}

/// A plan's answer: the schedule as JSON, or a rendered document.
pub(crate) enum PlanAnswer {
    Json(Box<Schedule>),
    Document(Rendered),
}

/// `schedule` in `format`, with contacts as `caller` may see them. Runs on the blocking
/// pool (the details are read from the store).
pub(crate) fn document(
    engine: &crate::engine::Engine,
    caller: &Caller,
    schedule: Schedule,
    format: PlanFormat,
    options: &RenderOptions,
) -> crate::error::Result<PlanAnswer> {
    if format == PlanFormat::Json && options.participant.is_none() {
        return Ok(PlanAnswer::Json(Box::new(schedule)));
    }
    engine
        .render_plan(&schedule, caller.0.as_ref(), format, options)
        .map(PlanAnswer::Document)
}

impl IntoResponse for PlanAnswer {
    /// JSON; an HTML page shown in the browser; anything else as an attachment.
    fn into_response(self) -> Response {
        match self {
            PlanAnswer::Json(s) => Json(s).into_response(),
            PlanAnswer::Document(d) if d.content_type.starts_with("text/html") => {
                ([(header::CONTENT_TYPE, d.content_type)], d.bytes).into_response()
            }
            PlanAnswer::Document(d) => (
                [
                    (header::CONTENT_TYPE, d.content_type.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}\"", d.file_name),
                    ),
                ],
                d.bytes,
            )
                .into_response(),
        }
    }
}
