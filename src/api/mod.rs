//! The HTTP API (axum): routes, request parsing, error mapping, OpenAPI. The only module that
//! knows HTTP.
//!
//! Every failure leaves as `{"error": {"code", "message", "field"}}`: 4xx for what the caller
//! sent wrong (with the JSON path of the offending field where there is one), 5xx only for
//! our own faults. Bodies and query strings are parsed by our own extractors so that serde's
//! errors keep the field path instead of axum's generic rejection text. Engine calls block
//! (tantivy, SQLite), so handlers run them on tokio's blocking pool.
//!
//! Where things are:
//! - this file — [`router`] (every route with its middleware: body limits, timeouts, the
//!   write token, load shedding, request ids, tracing, metrics), [`ApiConfig`], [`serve`],
//!   and `query`/`blocking`, which run engine work off the async threads;
//! - `error` — [`ApiError`] and the JSON error body, the 404 fallback, and the middleware
//!   that rewrites axum's and tower's own errors into that body;
//! - `extract` — [`ApiJson`] and [`ApiQuery`], whose errors name the field;
//! - `openapi` — [`ApiDoc`], the OpenAPI document;
//! - `routes/` — the handlers, one file per resource.

mod error;
mod extract;
mod openapi;
mod routes;

pub use crate::plan::export::PlanFormat;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use extract::{ApiJson, ApiQuery};
pub use openapi::ApiDoc;
pub use routes::health::Health;
pub use routes::matching::LangParams;
pub use routes::missions::PlanParams;
pub use routes::network::{IntroParams, NetworkParams};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::engine::Engine;
use crate::error::Error;
use error::{ApiResult, internal, json_errors, not_found};
use routes::{
    businesses, corridors, deals, health, imports, matching, missions, network, reference, search,
};

/// The largest request body accepted, but for imports.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// The largest import body accepted.
pub const MAX_IMPORT: usize = 100 * 1024 * 1024;
/// The longest a request may take before it is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type AppState = Arc<Engine>;

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

/// The application: every route with its middleware.
pub fn router(engine: Arc<Engine>, config: ApiConfig) -> Router {
    let shared = Shared { engine, config };
    let timeout = |d: Duration| TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, d);
    let writes = Router::new()
        .route(
            "/v1/businesses/{id}",
            axum::routing::put(businesses::put_business).delete(businesses::delete_business),
        )
        .route("/v1/deals", post(deals::post_deal))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(timeout(REQUEST_TIMEOUT))
        .merge(
            // An import streams up to 100 MB into one transaction: it gets its own limits.
            Router::new()
                .route("/v1/import", post(imports::import))
                .layer(RequestBodyLimitLayer::new(MAX_IMPORT))
                .layer(timeout(IMPORT_TIMEOUT)),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ));
    let reads = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/v1/provinces", get(reference::provinces))
        .route(
            "/v1/provinces/{code}/advantages",
            get(reference::advantages),
        )
        .route("/v1/commodities", get(reference::commodities))
        .route("/v1/search", get(search::search))
        .route("/v1/match", post(matching::match_))
        .route("/v1/corridors", get(corridors::corridors))
        .route("/v1/missions", get(missions::missions))
        .route("/v1/missions/{name}", get(missions::mission))
        .route("/v1/missions/plan", post(missions::plan_mission))
        .route("/v1/missions/replan", post(missions::replan_mission))
        .route("/v1/businesses/{id}", get(businesses::get_business))
        .route("/v1/deals/{id}", get(deals::get_deal))
        .route(
            "/v1/businesses/{id}/network",
            get(network::business_network),
        )
        .route("/v1/intro", get(network::intro))
        .route("/v1/flows", get(network::flows))
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
