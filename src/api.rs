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
    AdvantagesResponse, Engine, MatchRequest, MatchResponse, SearchParams, SearchResponse, Status,
};
use crate::error::Error;
use crate::model::Business;
use crate::reference::{Commodity, Province};

/// The largest request body accepted.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
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
            Error::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string()),
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
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("malformed JSON: {inner}")
            }
            _ => inner.to_string(),
        };
        let field = if path == "." { "body".to_string() } else { path };
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
                    message
                        .split('`')
                        .nth(1)
                        .unwrap_or("query")
                        .to_string()
                } else {
                    path
                };
                ApiError::new(StatusCode::BAD_REQUEST, "invalid", message).field(field)
            })
    }
}

/// Runs blocking engine work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "engine task failed");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; it has been logged",
            ))
        }
    }
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
    let status = blocking(move || engine.status()).await?;
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
    Ok(Json(blocking(move || engine.search(&params)).await?))
}

/// Ranked suppliers in other provinces for a need, each with its score breakdown and reasons.
#[utoipa::path(post, path = "/v1/match", request_body = MatchRequest,
    responses((status = 200, body = MatchResponse), (status = 400, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
async fn match_(
    State(engine): State<AppState>,
    ApiJson(req): ApiJson<MatchRequest>,
) -> ApiResult<Json<MatchResponse>> {
    Ok(Json(blocking(move || engine.match_request(&req)).await?))
}

/// A business profile with its offers and needs.
#[utoipa::path(get, path = "/v1/businesses/{id}",
    params(("id" = String, Path, description = "business id, e.g. jt-00042")),
    responses((status = 200, body = Business), (status = 404, body = ErrorBody)))]
async fn get_business(
    State(engine): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Business>> {
    Ok(Json(blocking(move || engine.get_business(&id)).await?))
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see /docs for the API",
    )
}

async fn root(headers: HeaderMap) -> Response {
    let _ = headers;
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "jalin: business matchmaking across Indonesia's provinces.\n\
         API documentation: /docs (OpenAPI: /openapi.json)\n\
         Try: curl -s localhost:8080/v1/match -H 'content-type: application/json' \
         -d '{\"need\":{\"text\":\"bawang merah\",\"province\":\"36\"},\"limit\":5}'\n",
    )
        .into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "jalin", description = "Business matchmaking across Indonesia's 38 provinces."),
    paths(healthz, provinces, advantages, commodities, search, match_, get_business),
    components(schemas(ErrorBody, ErrorDetail))
)]
pub struct ApiDoc;

/// The application: every route with its middleware.
pub fn router(engine: Arc<Engine>) -> Router {
    let api = Router::new()
        .route("/", get(root))
        .route("/healthz", get(healthz))
        .route("/v1/provinces", get(provinces))
        .route("/v1/provinces/{code}/advantages", get(advantages))
        .route("/v1/commodities", get(commodities))
        .route("/v1/search", get(search))
        .route("/v1/match", post(match_))
        .route("/v1/businesses/{id}", get(get_business))
        .fallback(not_found)
        .with_state(engine);
    api.merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        .layer(TraceLayer::new_for_http())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
}

/// Serves the API on `addr` until SIGINT or SIGTERM; in-flight requests finish.
pub async fn serve(engine: Arc<Engine>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = router(engine);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
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
