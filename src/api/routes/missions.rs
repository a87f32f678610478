//! Trade missions without a store: the planner (`POST /v1/missions/plan`) and re-planning on
//! the day (`POST /v1/missions/replan`), answered in the format `?format=` asks for. Stored
//! missions (and the shipped specs) are `mission_book`'s.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery, lang_of};
use crate::api::{AppState, Caller, blocking};
use crate::plan::export::{PlanFormat, Schedule, to_csv, to_html, to_ics};
use crate::plan::spec::PlanLimits;

/// `?format=&lang=` of a plan.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// `json` (default), `csv` (one row per meeting), `ics` (one event per meeting) or
    /// `html` (printable agendas).
    pub format: Option<String>,
    /// Language of the reasons (`unscheduled`, `stats.below_min`, cancellations): `en` or
    /// `id`; without it, the `Accept-Language` header decides (default English).
    pub lang: Option<String>,
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
                        (String = "text/calendar"), (String = "text/html"))),
              (status = 400, body = ErrorBody)))]
pub(crate) async fn plan_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(spec): ApiJson<crate::plan::MissionSpec>,
) -> ApiResult<Response> {
    limits(&caller).check(&spec)?;
    let format = PlanFormat::parse(q.format.as_deref())
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("format"))?;
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    let schedule = blocking(move || engine.plan_mission_in(spec, lang)).await?;
    Ok(render(format, &schedule))
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
                        (String = "text/calendar"), (String = "text/html"))),
              (status = 400, body = ErrorBody)))]
pub(crate) async fn replan_mission(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(request): ApiJson<crate::plan::replan::ReplanRequest>,
) -> ApiResult<Response> {
    limits(&caller).check(&request.spec)?;
    let format = PlanFormat::parse(q.format.as_deref())
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("format"))?;
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    let schedule = blocking(move || engine.replan_mission(request, lang)).await?;
    Ok(render(format, &schedule))
}

/// The plan size a caller may ask for: larger with a key.
fn limits(caller: &Caller) -> PlanLimits {
    if caller.0.is_some() {
        PlanLimits::KEYED
    } else {
        PlanLimits::ANONYMOUS
    }
}

/// The schedule as the response in `format`: JSON, or a CSV or ICS attachment, or an HTML page.
pub(crate) fn render(format: PlanFormat, schedule: &Schedule) -> Response {
    let file = |ext: &str| {
        let stem: String = schedule
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("attachment; filename=\"{}.{ext}\"", stem.trim_matches('-'))
    };
    match format {
        PlanFormat::Json => Json(schedule).into_response(),
        PlanFormat::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, file("csv")),
            ],
            to_csv(schedule),
        )
            .into_response(),
        PlanFormat::Ics => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/calendar; charset=utf-8".to_string(),
                ),
                (header::CONTENT_DISPOSITION, file("ics")),
            ],
            to_ics(schedule, None),
        )
            .into_response(),
        PlanFormat::Html => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string())],
            to_html(schedule),
        )
            .into_response(),
    }
}
