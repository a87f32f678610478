//! The HTTP API (axum): routes, request parsing, error mapping, OpenAPI. The only module that
//! knows HTTP.
//!
//! Every failure leaves as `{"error": {"code", "message", "field"}}`: 4xx for what the caller
//! sent wrong (with the JSON path of the offending field where there is one), 5xx only for
//! our own faults. Bodies and query strings are parsed by our own extractors so that serde's
//! errors keep the field path instead of axum's generic rejection text. Engine calls block
//! (tantivy, SQLite), so handlers run them on tokio's blocking pool.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::engine::{
    AdvantagesResponse, CorridorParams, CorridorResponse, Engine, ImportStats, MatchRequest,
    MatchResponse, SearchParams, SearchResponse, Status,
};
use crate::error::Error;
use crate::model::{Business, Deal};
use crate::reference::{Commodity, Province};
use crate::score::Lang;

/// The largest request body accepted, but for imports.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// The largest import body accepted.
pub const MAX_IMPORT: usize = 100 * 1024 * 1024;
/// The longest a request may take before it is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type AppState = Arc<Engine>;

/// An error as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `invalid`, `not_found`, `unsupported_media_type`,
    /// `payload_too_large`, `internal`…
    pub code: String,
    pub message: String,
    /// The JSON path or parameter name of the offending field, when there is one.
    pub field: Option<String>,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::Invalid(f) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", f.message).field(f.field)
            }
            Error::Import {
                file,
                line,
                field,
                message,
            } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("{file}:{line}: {field}: {message}"),
            )
            .field(field),
            Error::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON body, parsed so errors name the field; requires `Content-Type: application/json`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            )
            .field("content-type"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    "payload_too_large",
                    format!("the body is larger than {MAX_BODY} bytes"),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON naming the failing field (`need.volume.qty`) in the error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the body must be a JSON object",
        )
        .field("body"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (message, field) = match inner.classify() {
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io => {
                (format!("malformed JSON: {inner}"), "body".to_string())
            }
            _ if path == "." => (inner.to_string(), "body".to_string()),
            _ => (inner.to_string(), path),
        };
        ApiError::new(StatusCode::BAD_REQUEST, "invalid", message).field(field)
    })
}

/// Query parameters, parsed so errors name the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if path == "." {
                    // serde names unknown parameters in the message only.
                    message.split('`').nth(1).unwrap_or("query").to_string()
                } else {
                    path
                };
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", message).field(field)
            })
    }
}

/// Runs blocking engine work off the async threads: writes, imports, plans — work that may
/// wait on a lock or run for seconds.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(internal(&e)),
    }
}

/// Runs a read-only query (match, search, corridor, …) on a pool with one thread per core.
///
/// Queries are short and CPU-bound: run on tokio's blocking pool, 32 concurrent requests
/// become 32 threads sharing two cores, and the switching between them costs more than
/// the queue they wait in here (BENCHMARKS.md, "HTTP load").
async fn query<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> ApiResult<T> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("jalin-query-{i}"))
            .build()
            .map_err(|e| tracing::warn!(error = %e, "no query pool; queries use the blocking pool"))
            .ok()
    });
    let Some(pool) = pool else {
        return blocking(f).await;
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    pool.spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.await {
        Ok(Ok(r)) => r.map_err(ApiError::from),
        Ok(Err(_)) => Err(internal(&"query panicked")),
        Err(e) => Err(internal(&e)),
    }
}

fn internal(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "engine task failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; it has been logged",
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    #[serde(flatten)]
    pub store: Status,
}

/// Liveness and the store/index figures.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
async fn healthz(State(engine): State<AppState>) -> ApiResult<Json<Health>> {
    let status = query(move || engine.status()).await?;
    Ok(Json(Health {
        status: "ok".into(),
        store: status,
    }))
}

/// The 38 provinces with population, capital coordinates and island group.
#[utoipa::path(get, path = "/v1/provinces", responses((status = 200, body = [Province])))]
async fn provinces(State(engine): State<AppState>) -> Json<Vec<Province>> {
    Json(engine.provinces().to_vec())
}

/// A province's location quotient for each commodity with production figures.
#[utoipa::path(get, path = "/v1/provinces/{code}/advantages",
    params(("code" = String, Path, description = "two-digit province code, e.g. 35")),
    responses((status = 200, body = AdvantagesResponse), (status = 404, body = ErrorBody)))]
async fn advantages(
    State(engine): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<AdvantagesResponse>> {
    Ok(Json(engine.advantages(&code)?))
}

/// The commodity catalog: keys, names, synonyms, HS codes, units, shelf life.
#[utoipa::path(get, path = "/v1/commodities", responses((status = 200, body = [Commodity])))]
async fn commodities(State(engine): State<AppState>) -> Json<Vec<Commodity>> {
    Json(engine.commodities().to_vec())
}

/// Full-text search over offers and needs, with filters.
#[utoipa::path(get, path = "/v1/search", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody)))]
async fn search(
    State(engine): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResponse>> {
    Ok(Json(query(move || engine.search(&params)).await?))
}

/// Ranked suppliers in other provinces for a need, each with its score breakdown and reasons.
#[utoipa::path(post, path = "/v1/match", request_body = MatchRequest, params(LangParams),
    responses((status = 200, body = MatchResponse), (status = 400, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
async fn match_(
    State(engine): State<AppState>,
    ApiQuery(q): ApiQuery<LangParams>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<MatchRequest>,
) -> ApiResult<Json<MatchResponse>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    Ok(Json(query(move || engine.match_request(&req, lang)).await?))
}

/// The `lang` query parameter that endpoints with worded reasons take.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangParams {
    /// `en` or `id`; without it, the `Accept-Language` header decides (default English).
    pub lang: Option<String>,
}

/// The language of reasons: `lang=` first, then `Accept-Language`.
fn lang_of(param: Option<&str>, headers: &HeaderMap) -> ApiResult<Lang> {
    match param {
        Some("en") => Ok(Lang::En),
        Some("id") => Ok(Lang::Id),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("{other:?} is not a supported language; use en or id"),
        )
        .field("lang")),
        None => Ok(headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::parse)
            .unwrap_or_default()),
    }
}

/// What one province should bring to another: commodities ranked by opportunity, with the
/// businesses behind each.
#[utoipa::path(get, path = "/v1/corridors", params(CorridorParams),
    responses((status = 200, body = CorridorResponse), (status = 400, body = ErrorBody)))]
async fn corridors(
    State(engine): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CorridorParams>,
) -> ApiResult<Json<CorridorResponse>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    let limit = q.limit.unwrap_or(10);
    Ok(Json(
        query(move || engine.corridor(&q.from, &q.to, limit, lang)).await?,
    ))
}

/// A business profile with its offers and needs.
#[utoipa::path(get, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id, e.g. jt-00042")),
    responses((status = 200, body = Business), (status = 404, body = ErrorBody)))]
async fn get_business(
    State(engine): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Business>> {
    Ok(Json(query(move || engine.get_business(&id)).await?))
}

/// What the server needs besides the engine.
#[derive(Clone)]
pub struct ApiConfig {
    /// The bearer token that writes must present.
    pub token: Arc<str>,
}

#[derive(Clone)]
struct Shared {
    engine: Arc<Engine>,
    config: ApiConfig,
}

impl axum::extract::FromRef<Shared> for Arc<Engine> {
    fn from_ref(s: &Shared) -> Arc<Engine> {
        s.engine.clone()
    }
}

/// Compares in time independent of where the first difference is.
fn same_token(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Writes need `Authorization: Bearer <token>`.
async fn require_token(
    State(shared): State<Shared>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if same_token(t.as_bytes(), shared.config.token.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong token")
            .field("authorization")
            .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "writes need the header Authorization: Bearer <token>",
        )
        .field("authorization")
        .into_response(),
    }
}

/// Creates or replaces a business with its listings (listing ids are assigned when absent).
#[utoipa::path(put, path = "/v1/businesses/{id}", request_body = Business,
    params(("id" = String, Path, description = "business id")),
    security(("bearer" = [])),
    responses((status = 201, body = Business, description = "created"),
              (status = 200, body = Business, description = "replaced"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn put_business(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Business>,
) -> ApiResult<(StatusCode, Json<Business>)> {
    if b.id != id {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("the body's id {:?} differs from the path's {id:?}", b.id),
        )
        .field("id"));
    }
    let (stored, created) = blocking(move || engine.put_business(b)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored)))
}

/// Deletes a business and its listings; its past deals stay in the history.
#[utoipa::path(delete, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn delete_business(
    State(engine): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    blocking(move || engine.delete_business(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a deal between two stored businesses.
#[utoipa::path(post, path = "/v1/deals", request_body = Deal,
    security(("bearer" = [])),
    responses((status = 201, body = Deal), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
async fn post_deal(
    State(engine): State<AppState>,
    ApiJson(d): ApiJson<Deal>,
) -> ApiResult<(StatusCode, Json<Deal>)> {
    let stored = blocking(move || engine.add_deal(d)).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// What the async side sends the blocking import.
enum Chunk {
    Data(Bytes),
    /// The whole body arrived.
    End,
    Failed(String),
}

/// A blocking reader over the chunks of a request body, fed from the async side. The body
/// ends only at [`Chunk::End`]: a channel closed without it means the request was cut short,
/// and reading fails so the import rolls back.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    current: Bytes,
    ended: bool,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Chunk::Data(chunk)) => self.current = chunk,
                Some(Chunk::End) => self.ended = true,
                Some(Chunk::Failed(e)) => return Err(std::io::Error::other(e)),
                None => {
                    return Err(std::io::Error::other(
                        "the request body was cut short; nothing was imported",
                    ));
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Imports JSONL (each line a business or a deal), streamed, in one transaction: the first
/// bad line aborts it and is named.
#[utoipa::path(post, path = "/v1/import", request_body(content = String, content_type = "application/x-ndjson"),
    security(("bearer" = [])),
    responses((status = 200, body = ImportStats), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn import(State(engine): State<AppState>, req: Request) -> ApiResult<Json<ImportStats>> {
    use http_body_util::BodyExt;
    // If this handler is dropped (timeout, client gone) the import must not commit: the
    // guard raises the flag the import checks just before its commit.
    struct Abandon(Option<Arc<std::sync::atomic::AtomicBool>>);
    impl Drop for Abandon {
        fn drop(&mut self) {
            if let Some(flag) = &self.0 {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
    let abandoned = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut guard = Abandon(Some(abandoned.clone()));
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(16);
    let work = tokio::task::spawn_blocking(move || {
        let reader = std::io::BufReader::new(ChannelReader {
            rx,
            current: Bytes::new(),
            ended: false,
        });
        engine.import_checked(
            vec![("body".to_string(), Box::new(reader))],
            &mut |_, _, _| {},
            &abandoned,
        )
    });
    let mut body = req.into_body();
    let mut received = 0usize;
    let mut too_large = false;
    let mut complete = true;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => {
                let Ok(data) = f.into_data() else { continue };
                received += data.len();
                if received > MAX_IMPORT {
                    too_large = true;
                    let _ = tx.send(Chunk::Failed("the body is too large".into())).await;
                    complete = false;
                    break;
                }
                if tx.send(Chunk::Data(data)).await.is_err() {
                    break; // the import stopped early (a bad line)
                }
            }
            Err(e) => {
                too_large = e.to_string().contains("length limit");
                let _ = tx.send(Chunk::Failed(e.to_string())).await;
                complete = false;
                break;
            }
        }
    }
    if complete {
        let _ = tx.send(Chunk::End).await;
    }
    drop(tx);
    let result = work.await.map_err(|e| {
        tracing::error!(error = %e, "import task failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    })?;
    guard.0 = None; // finished: nothing to abandon
    drop(guard);
    if too_large {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the import is larger than {MAX_IMPORT} bytes; nothing was imported"),
        )
        .field("body"));
    }
    Ok(Json(result?))
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
    request_body(content = serde_json::Value, description = "a mission spec; see fixtures/missions/"),
    responses((status = 200, description = "the schedule, in the format asked for"),
              (status = 400, body = ErrorBody)))]
async fn plan_mission(
    State(engine): State<AppState>,
    ApiQuery(q): ApiQuery<PlanParams>,
    ApiJson(spec): ApiJson<crate::plan::MissionSpec>,
) -> ApiResult<Response> {
    let format = PlanFormat::parse(q.format.as_deref())
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("format"))?;
    let schedule = blocking(move || engine.plan_mission(spec)).await?;
    Ok(format.render(&schedule))
}

/// The output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Json,
    Csv,
    Ics,
    Html,
}

impl PlanFormat {
    pub fn parse(s: Option<&str>) -> Result<PlanFormat, String> {
        match s.unwrap_or("json") {
            "json" => Ok(PlanFormat::Json),
            "csv" => Ok(PlanFormat::Csv),
            "ics" | "ical" => Ok(PlanFormat::Ics),
            "html" => Ok(PlanFormat::Html),
            other => Err(format!("{other:?} is not one of json, csv, ics, html")),
        }
    }

    /// The schedule as text in this format (what the CLI writes).
    pub fn render_text(self, schedule: &crate::plan::export::Schedule) -> String {
        use crate::plan::export::{to_csv, to_html, to_ics};
        match self {
            PlanFormat::Json => serde_json::to_string_pretty(schedule).unwrap_or_default() + "\n",
            PlanFormat::Csv => to_csv(schedule),
            PlanFormat::Ics => to_ics(schedule, None),
            PlanFormat::Html => to_html(schedule),
        }
    }

    fn render(self, schedule: &crate::plan::export::Schedule) -> Response {
        use crate::plan::export::{to_csv, to_html, to_ics};
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
        match self {
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
}

/// The mission specs that ship with jalin.
#[utoipa::path(get, path = "/v1/missions", responses((status = 200, body = [String])))]
async fn missions() -> Json<Vec<&'static str>> {
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
    responses((status = 200, description = "a mission spec"), (status = 404, body = ErrorBody)))]
async fn mission(Path(name): Path<String>) -> ApiResult<Response> {
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

/// `?limit=&lang=` of the network view.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkParams {
    /// How many partners, 1 to 1000 (default 50).
    pub limit: Option<usize>,
    /// `en` or `id`.
    pub lang: Option<String>,
}

/// A business's trading partners, deal counts and values, and the provinces it trades with.
#[utoipa::path(get, path = "/v1/businesses/{id}/network",
    params(("id" = String, Path, description = "business id"), NetworkParams),
    responses((status = 200, body = crate::engine::NetworkView), (status = 404, body = ErrorBody)))]
async fn business_network(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<NetworkParams>,
) -> ApiResult<Json<crate::engine::NetworkView>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    let limit = q.limit.unwrap_or(50);
    Ok(Json(
        query(move || engine.business_network(&id, limit, lang)).await?,
    ))
}

/// `?from=&to=&lang=` of an introduction.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntroParams {
    /// The business that wants the introduction.
    pub from: String,
    /// The business it wants to meet.
    pub to: String,
    pub lang: Option<String>,
}

/// A warm introduction: the strongest short chain of past deals between two businesses.
#[utoipa::path(get, path = "/v1/intro", params(IntroParams),
    responses((status = 200, body = crate::engine::IntroView), (status = 404, body = ErrorBody)))]
async fn intro(
    State(engine): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<IntroParams>,
) -> ApiResult<Json<crate::engine::IntroView>> {
    let lang = lang_of(q.lang.as_deref(), &headers)?;
    Ok(Json(
        query(move || engine.intro(&q.from, &q.to, lang)).await?,
    ))
}

/// Completed trade between provinces, seller's province to buyer's, largest first.
#[utoipa::path(get, path = "/v1/flows", responses((status = 200, body = crate::engine::FlowsView)))]
async fn flows(State(engine): State<AppState>) -> ApiResult<Json<crate::engine::FlowsView>> {
    Ok(Json(query(move || Ok(engine.flows())).await?))
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see /docs for the API",
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jalin",
        description = "Business matchmaking across Indonesia's 38 provinces."
    ),
    paths(healthz, provinces, advantages, commodities, search, match_, corridors, get_business,
        missions, mission, plan_mission, business_network, intro, flows,
        put_business, delete_business, post_deal, import),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody, ErrorDetail))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The application: every route with its middleware.
pub fn router(engine: Arc<Engine>, config: ApiConfig) -> Router {
    let shared = Shared { engine, config };
    let timeout = |d: Duration| TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, d);
    let writes = Router::new()
        .route(
            "/v1/businesses/{id}",
            axum::routing::put(put_business).delete(delete_business),
        )
        .route("/v1/deals", post(post_deal))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(timeout(REQUEST_TIMEOUT))
        .merge(
            // An import streams up to 100 MB into one transaction: it gets its own limits.
            Router::new()
                .route("/v1/import", post(import))
                .layer(RequestBodyLimitLayer::new(MAX_IMPORT))
                .layer(timeout(IMPORT_TIMEOUT)),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ));
    let reads = Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/provinces", get(provinces))
        .route("/v1/provinces/{code}/advantages", get(advantages))
        .route("/v1/commodities", get(commodities))
        .route("/v1/search", get(search))
        .route("/v1/match", post(match_))
        .route("/v1/corridors", get(corridors))
        .route("/v1/missions", get(missions))
        .route("/v1/missions/{name}", get(mission))
        .route("/v1/missions/plan", post(plan_mission))
        .route("/v1/businesses/{id}", get(get_business))
        .route("/v1/businesses/{id}/network", get(business_network))
        .route("/v1/intro", get(intro))
        .route("/v1/flows", get(flows))
        .route("/metrics", get(metrics))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(timeout(REQUEST_TIMEOUT));
    let (metrics_layer, _) = metrics_pair();
    let overload = tower::ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
        .load_shed()
        .concurrency_limit(MAX_IN_FLIGHT);
    reads
        .merge(writes)
        .fallback(not_found)
        .with_state(shared)
        .merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        .merge(crate::web::routes())
        .layer(metrics_layer)
        .layer(axum::middleware::from_fn(json_errors))
        .layer(overload)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id = %id, method = %req.method(), uri = %req.uri())
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            RequestIds::default(),
        ))
}

/// The longest an import may take, body upload included.
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(600);

/// Turns the error responses that axum and tower-http produce themselves (a 413 for a
/// declared body size, a 400 for a path that is not UTF-8, a 405…) into the API's JSON error,
/// so every 4xx has the same shape.
async fn json_errors(req: Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "invalid",
    };
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "the body is larger than this endpoint accepts (2 MiB; imports 100 MiB)".to_string()
    } else if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text.clone()
    };
    let field = if status == StatusCode::PAYLOAD_TOO_LARGE {
        Some("body".to_string())
    } else {
        text.split('`').nth(1).map(str::to_string)
    };
    let mut out = ApiError {
        status,
        code,
        message,
        field,
    }
    .into_response();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        out.headers_mut().insert(name.clone(), value.clone());
    }
    out
}

/// How many requests may be in flight before new ones are answered 503 with `Retry-After`.
pub const MAX_IN_FLIGHT: usize = 512;

async fn overloaded(_e: tower::BoxError) -> Response {
    let mut res = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "the service is at capacity; retry shortly",
    )
    .into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    res
}

/// Request ids: the caller's `x-request-id` if it sent one, else a process-unique counter.
#[derive(Clone, Default)]
struct RequestIds(Arc<std::sync::atomic::AtomicU64>);

impl tower_http::request_id::MakeRequestId for RequestIds {
    fn make_request_id<B>(
        &mut self,
        _req: &axum::http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{:x}-{n}", std::process::id());
        axum::http::HeaderValue::from_str(&id)
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}

/// The Prometheus layer and handle. The exporter installs a process-global recorder, so it
/// is built once however many routers are made (tests make many).
fn metrics_pair() -> (
    axum_prometheus::PrometheusMetricLayer<'static>,
    axum_prometheus::metrics_exporter_prometheus::PrometheusHandle,
) {
    static PAIR: std::sync::OnceLock<(
        axum_prometheus::PrometheusMetricLayer<'static>,
        axum_prometheus::metrics_exporter_prometheus::PrometheusHandle,
    )> = std::sync::OnceLock::new();
    PAIR.get_or_init(|| {
        axum_prometheus::PrometheusMetricLayerBuilder::new()
            .with_endpoint_label_type(axum_prometheus::EndpointLabel::MatchedPathWithFallbackFn(
                unmatched_endpoint,
            ))
            .with_default_metrics()
            .build_pair()
    })
    .clone()
}

/// The endpoint label of every request no route matched. Labelling them by their raw path
/// would let any scanner create one time series per path it tries.
fn unmatched_endpoint(_path: &str) -> String {
    UNMATCHED_ENDPOINT.to_string()
}

/// The one `endpoint` label that `/metrics` gives requests no route matched.
pub const UNMATCHED_ENDPOINT: &str = "unmatched";

/// Prometheus metrics: request counts and latency histograms per route, plus the store and
/// index figures.
async fn metrics(State(engine): State<AppState>) -> ApiResult<Response> {
    let status = blocking(move || {
        let status = engine.status()?;
        let bytes = engine.store_bytes();
        Ok((status, bytes))
    })
    .await?;
    let (status, bytes) = status;
    metrics::gauge!("jalin_index_documents").set(status.index_documents as f64);
    metrics::gauge!("jalin_businesses").set(status.businesses as f64);
    metrics::gauge!("jalin_deals").set(status.deals as f64);
    metrics::gauge!("jalin_last_change_seq").set(status.last_seq as f64);
    metrics::gauge!("jalin_index_change_seq").set(status.index_seq as f64);
    metrics::gauge!("jalin_store_bytes").set(bytes as f64);
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics_pair().1.render(),
    )
        .into_response())
}

/// Serves the API on `addr` until SIGINT or SIGTERM; in-flight requests finish.
pub async fn serve(
    engine: Arc<Engine>,
    config: ApiConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let app = router(engine, config);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
