//! Trade missions: the shipped specs (`GET /v1/missions`, `/v1/missions/{name}`) and the
//! planner (`POST /v1/missions/plan`), answered in the format `?format=` asks for.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::{AppState, blocking};
use crate::plan::export::{PlanFormat, Schedule, to_csv, to_html, to_ics};

/// The mission specs that ship with jalin.
#[utoipa::path(get, path = "/v1/missions", responses((status = 200, body = [String])))]
pub(crate) async fn missions() -> Json<Vec<&'static str>> {
    Json(
        crate::engine::FIXTURE_MISSIONS
            .iter()
            .map(|(n, _)| *n)
            .collect(),
    )
}

/// One shipped mission spec, ready to plan or to edit.
#[utoipa::path(get, path = "/v1/missions/{name}",
    params(("name" = String, Path, description = "e.g. jatim-banten-2023")),
    responses((status = 200, description = "a mission spec", body = crate::plan::MissionSpec),
              (status = 404, body = ErrorBody)))]
pub(crate) async fn mission(Path(name): Path<String>) -> ApiResult<Response> {
    crate::engine::FIXTURE_MISSIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, spec)| ([(header::CONTENT_TYPE, "application/json")], *spec).into_response())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no mission {name:?}"),
            )
        })
}

/// `?format=` of a plan.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// `json` (default), `csv` (one row per meeting), `ics` (one event per meeting) or
    /// `html` (printable agendas).
    pub format: Option<String>,
}

/// Plans a mission: who meets whom, when, at which table, with per-participant agendas.
#[utoipa::path(post, path = "/v1/missions/plan", params(PlanParams),
    request_body(content = crate::plan::MissionSpec,
        description = "a mission spec; see fixtures/missions/"),
    responses((status = 200, description = "the schedule, in the format `?format=` asks for",
                content((Schedule = "application/json"), (String = "text/csv"),
                        (String = "text/calendar"), (String = "text/html"))),
              (status = 400, body = ErrorBody)))]
pub(crate) async fn plan_mission(
    State(engine): State<AppState>,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(spec): ApiJson<crate::plan::MissionSpec>,
) -> ApiResult<Response> {
    let format = PlanFormat::parse(q.format.as_deref())
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("format"))?;
    let schedule = blocking(move || engine.plan_mission(spec)).await?;
    Ok(render(format, &schedule))
}

/// The schedule as the response in `format`: JSON, or a CSV or ICS attachment, or an HTML page.
fn render(format: PlanFormat, schedule: &Schedule) -> Response {
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
