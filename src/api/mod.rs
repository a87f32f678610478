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

pub mod consistency;
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

use crate::auth::Principal;
use crate::engine::Engine;
use crate::error::Error;
use crate::store::Actor;
use error::{ApiResult, internal, json_errors, not_found};
use routes::{
    businesses, corridors, deals, health, imports, keys, matching, mission_book, mission_requests,
    missions, network, reference, search,
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
    /// How long a write may wait for the store (another write, an import) before it is
    /// answered 503 — having written nothing.
    pub write_deadline: Duration,
    /// Web origins whose pages may call the API (CORS); empty: none but our own.
    pub cors_origins: Vec<String>,
    /// Requests per second and burst allowed to one key, whatever address it calls from
    /// (`None`: no per-key limit; `serve` sets it to its per-address limit).
    pub key_rate_limit: Option<(u64, u32)>,
}

impl ApiConfig {
    /// The token, with the default write deadline ([`REQUEST_TIMEOUT`]).
    pub fn new(token: impl Into<Arc<str>>) -> ApiConfig {
        ApiConfig {
            token: token.into(),
            write_deadline: REQUEST_TIMEOUT,
            cors_origins: Vec::new(),
            key_rate_limit: None,
        }
    }
}

/// When a write must have committed by, and who is writing (for the audit trail): set on
/// each write request as it arrives.
#[derive(Debug, Clone)]
pub(crate) struct WriteDeadline(pub std::time::Instant, pub Actor);

/// The principal behind a request (`None`: anonymous), set by [`authenticate`] on every
/// request.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub Option<Principal>);

impl Caller {
    /// The principal of a request that passed [`require_writer`].
    pub(crate) fn principal(&self) -> Principal {
        // `require_writer` lets no anonymous request through to a write route; if one did,
        // it gets a principal that may do nothing.
        self.0.clone().unwrap_or(Principal {
            key_id: "anonymous".into(),
            role: crate::auth::Role::Reader,
            provinces: Vec::new(),
            business: None,
        })
    }
}

async fn set_write_deadline(
    State(shared): State<Shared>,
    mut req: Request,
    next: axum::middleware::Next,
) -> Response {
    let deadline = std::time::Instant::now() + shared.config.write_deadline;
    let actor = actor_of(&req);
    req.extensions_mut().insert(WriteDeadline(deadline, actor));
    next.run(req).await
}

/// Who a request's writes are recorded as: its key, its route (`METHOD /path/{param}`) and
/// its request id.
pub(crate) fn actor_of(req: &Request) -> Actor {
    let principal = req.extensions().get::<Caller>().and_then(|c| c.0.clone());
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    Actor {
        key_id: principal
            .as_ref()
            .map_or_else(|| "anonymous".to_string(), |p| p.key_id.clone()),
        role: principal.as_ref().map_or("anonymous", |p| p.role.as_str()),
        route: format!("{} {route}", req.method()),
        request_id: req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

/// [`blocking`] for a write: the store's writes under the request's deadline, so a write
/// either commits and is answered, or is answered 503 having written nothing. (A timeout
/// around the handler could not promise that: the work behind it would go on and commit.)
/// The audit trail names the request's key.
async fn write<T: Send + 'static>(
    deadline: WriteDeadline,
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> ApiResult<T> {
    let WriteDeadline(at, actor) = deadline;
    blocking(move || crate::store::with_actor(actor, || crate::store::with_deadline(at, f))).await
}

/// [`write`] of an ownership-checked engine call: a refusal becomes 403.
async fn write_checked<T: Send + 'static>(
    deadline: WriteDeadline,
    f: impl FnOnce() -> crate::engine::Checked<T> + Send + 'static,
) -> ApiResult<T> {
    write(deadline, f).await?.map_err(forbidden)
}

/// A 403 for what the caller's key may not do.
pub(crate) fn forbidden(f: crate::engine::Forbidden) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", f.0).field("authorization")
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

impl axum::extract::FromRef<Shared> for ApiConfig {
    fn from_ref(s: &Shared) -> ApiConfig {
        s.config.clone()
    }
}

/// The bearer credential of a request, if it sent one (the scheme in any case, RFC 9110
/// §11.1).
fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Finds the principal behind every request's `Authorization: Bearer …`: the configured
/// token (the bootstrap admin), or a key of ours that is live. A credential that is neither
/// is answered 401 on every route, so a client learns at once that its key is wrong,
/// revoked or expired. No credential: anonymous.
async fn authenticate(
    State(shared): State<Shared>,
    mut req: Request,
    next: axum::middleware::Next,
) -> Response {
    let has_header = req.headers().contains_key(header::AUTHORIZATION);
    let principal = match bearer(req.headers()) {
        None => None,
        Some(t) if same_token(t.as_bytes(), shared.config.token.as_bytes()) => {
            Some(Principal::bootstrap())
        }
        Some(t) if crate::auth::key_id(t).is_some() => {
            let (engine, t) = (shared.engine.clone(), t.to_string());
            match blocking(move || engine.key_principal(&t)).await {
                Ok(p) => p,
                Err(e) => return e.into_response(),
            }
        }
        Some(_) => None,
    };
    if has_header && principal.is_none() {
        return unauthorized(
            "unknown, revoked or expired key (or a malformed Authorization header)",
        );
    }
    req.extensions_mut().insert(Caller(principal));
    next.run(req).await
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
        .field("authorization")
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"jalin\""),
    );
    response
}

/// Compares in time independent of where the first difference is.
fn same_token(a: &[u8], b: &[u8]) -> bool {
    crate::auth::same_secret(a, b)
}

/// One token bucket per key (GCRA).
type KeyLimiter = governor::DefaultKeyedRateLimiter<String>;

fn key_limiter(limit: Option<(u64, u32)>) -> Option<Arc<KeyLimiter>> {
    let (per_second, burst) = limit?;
    let per_second = std::num::NonZeroU32::new(u32::try_from(per_second).unwrap_or(u32::MAX))?;
    let burst = std::num::NonZeroU32::new(burst).unwrap_or(per_second);
    Some(Arc::new(governor::RateLimiter::keyed(
        governor::Quota::per_second(per_second).allow_burst(burst),
    )))
}

/// The per-key rate limit: a key used from many addresses is still one client. Runs after
/// [`authenticate`], so only live keys have buckets (a made-up key is 401 before it gets one;
/// the per-address limit of `serve` covers anonymous callers and guessing).
async fn limit_per_key(
    State(limiter): State<Arc<KeyLimiter>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let key = req
        .extensions()
        .get::<Caller>()
        .and_then(|c| c.0.as_ref())
        .map(|p| p.key_id.clone());
    if let Some(key) = key
        && let Err(not_until) = limiter.check_key(&key)
    {
        use governor::clock::{Clock, DefaultClock};
        let wait = not_until
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests with this key; retry in {wait} s"),
        )
        .into_response();
        if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    next.run(req).await
}

/// Routes for operators (`/metrics`) need a live key of any role.
async fn require_key(req: Request, next: axum::middleware::Next) -> Response {
    match req.extensions().get::<Caller>().and_then(|c| c.0.as_ref()) {
        None => unauthorized("this route needs the header Authorization: Bearer <key>"),
        Some(_) => next.run(req).await,
    }
}

/// Writes (and the routes about keys and the audit trail) need a key that may write:
/// anonymous callers get 401, reader keys 403. Which objects a key may touch is checked by
/// the engine's `*_as` calls.
async fn require_writer(req: Request, next: axum::middleware::Next) -> Response {
    match req.extensions().get::<Caller>().and_then(|c| c.0.as_ref()) {
        None => unauthorized("writes need the header Authorization: Bearer <key>"),
        Some(p) if p.role == crate::auth::Role::Reader => ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a reader key cannot write",
        )
        .field("authorization")
        .into_response(),
        Some(_) => next.run(req).await,
    }
}

/// What a caller's `x-request-id` may hold to be kept (logged and echoed): at most 64
/// letters, digits and `-_.:`. Anything else — spaces, quotes, line breaks — could forge
/// or break log lines, so such an id is replaced by one of ours.
fn acceptable_request_id(v: &header::HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

async fn sanitize_request_id(mut req: Request, next: axum::middleware::Next) -> Response {
    if req
        .headers()
        .get("x-request-id")
        .is_some_and(|v| !acceptable_request_id(v))
    {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

/// The policy for HTML that is not the web app (which sets its own): the API docs and the
/// printable agendas load only from this origin and cannot be framed by another site.
const HTML_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Headers every answer carries: `nosniff` (a JSON or CSV body is never run as something
/// else), and for HTML a Content-Security-Policy with `frame-ancestors 'none'` and
/// `X-Frame-Options: DENY` unless the route set its own.
async fn security_headers(req: Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(req).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = response.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(header::HeaderValue::from_static("nosniff"));
    if html {
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(header::HeaderValue::from_static(HTML_CSP));
        h.entry(header::X_FRAME_OPTIONS)
            .or_insert(header::HeaderValue::from_static("DENY"));
    }
    response
}

/// The application: every route with its middleware.
pub fn router(engine: Arc<Engine>, config: ApiConfig) -> Router {
    let cors = cors_layer(&config.cors_origins);
    let shared = Shared { engine, config };
    let timeout = |d: Duration| TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, d);
    let writes = Router::new()
        .route(
            "/v1/businesses/{id}",
            axum::routing::put(businesses::put_business).delete(businesses::delete_business),
        )
        .route("/v1/deals", post(deals::post_deal))
        .route("/v1/deals/{id}", axum::routing::delete(deals::delete_deal))
        .route("/v1/missions", post(mission_book::create_mission))
        .route(
            "/v1/missions/{id}",
            axum::routing::put(mission_book::put_mission).delete(mission_book::delete_mission),
        )
        .route(
            "/v1/missions/{id}/plan",
            post(mission_book::plan_stored_mission),
        )
        .route(
            "/v1/missions/{id}/replan",
            post(mission_book::replan_stored_mission),
        )
        .route(
            "/v1/missions/{id}/publish",
            post(mission_book::publish_mission).delete(mission_book::unpublish_mission),
        )
        .route(
            "/v1/missions/{id}/participants",
            post(mission_book::post_participants),
        )
        .route(
            "/v1/missions/{id}/attendance",
            post(mission_book::post_attendance),
        )
        .route(
            "/v1/missions/{id}/commitments",
            post(mission_book::post_commitment),
        )
        .route(
            "/v1/missions/{id}/requests",
            post(mission_requests::post_request),
        )
        .route(
            "/v1/missions/{id}/requests/{rid}",
            axum::routing::delete(mission_requests::withdraw_request),
        )
        .route(
            "/v1/missions/{id}/requests/{rid}/accept",
            post(mission_requests::accept_request),
        )
        .route(
            "/v1/missions/{id}/requests/{rid}/decline",
            post(mission_requests::decline_request),
        )
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        // No timeout around the handler (see `write`): the body must arrive in time, and
        // the write itself keeps to its deadline.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            REQUEST_TIMEOUT,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            set_write_deadline,
        ))
        .merge(
            // An import streams up to 100 MB into one transaction: it gets its own limits.
            Router::new()
                .route("/v1/import", post(imports::import))
                .layer(RequestBodyLimitLayer::new(MAX_IMPORT))
                .layer(timeout(IMPORT_TIMEOUT)),
        )
        .merge(
            Router::new()
                .route("/v1/keys", get(keys::list_keys).post(keys::create_key))
                .route("/v1/keys/{id}", axum::routing::delete(keys::revoke_key))
                .route("/v1/audit", get(keys::audit))
                .route("/v1/businesses/{id}/history", get(keys::business_history))
                .route("/v1/deals/pending", get(keys::pending_deals))
                .route("/v1/deals/pending/{id}/confirm", post(keys::confirm_deal))
                .layer(RequestBodyLimitLayer::new(MAX_BODY))
                .layer(timeout(REQUEST_TIMEOUT))
                .route_layer(axum::middleware::from_fn_with_state(
                    shared.clone(),
                    set_write_deadline,
                )),
        )
        .route_layer(axum::middleware::from_fn(require_writer));
    let reads = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/v1/provinces", get(reference::provinces))
        .route(
            "/v1/provinces/{code}/advantages",
            get(reference::advantages),
        )
        .route("/v1/commodities", get(reference::commodities))
        .route("/v1/commodities/{key}", get(reference::commodity))
        .route("/v1/catalog", get(reference::catalog))
        .route("/v1/catalog/{code}", get(reference::catalog_entry))
        .route("/v1/templates/businesses.csv", get(imports::template_csv))
        .route("/v1/templates/businesses.xlsx", get(imports::template_xlsx))
        .route("/v1/templates/deals.csv", get(imports::template_deals_csv))
        .route("/v1/supply", get(reference::supply))
        .route("/v1/search", get(search::search))
        .route("/v1/match", post(matching::match_))
        .route("/v1/corridors", get(corridors::corridors))
        .route(
            "/v1/templates/participants.csv",
            get(mission_book::participants_template_csv),
        )
        .route(
            "/v1/templates/participants.xlsx",
            get(mission_book::participants_template_xlsx),
        )
        .route("/v1/missions", get(mission_book::list_missions))
        .route("/v1/missions/{id}", get(mission_book::get_mission))
        .route("/v1/missions/{id}/plan", get(mission_book::get_stored_plan))
        .route(
            "/v1/missions/{id}/commitments",
            get(mission_book::list_commitments),
        )
        .route(
            "/v1/missions/{id}/report",
            get(mission_book::mission_report),
        )
        .route(
            "/v1/missions/{id}/requests",
            get(mission_requests::list_requests),
        )
        .route("/v1/missions/plan", post(missions::plan_mission))
        .route("/v1/missions/replan", post(missions::replan_mission))
        .route("/v1/businesses", get(businesses::list_businesses))
        .route("/v1/businesses/{id}", get(businesses::get_business))
        .route("/v1/deals/{id}", get(deals::get_deal))
        .route(
            "/v1/businesses/{id}/network",
            get(network::business_network),
        )
        .route("/v1/intro", get(network::intro))
        .route("/v1/flows", get(network::flows))
        .merge(
            // The server's counters are for operators: any live key, not anonymous callers.
            Router::new()
                .route("/metrics", get(metrics))
                .route_layer(axum::middleware::from_fn(require_key)),
        )
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(timeout(REQUEST_TIMEOUT));
    let (metrics_layer, _) = metrics_pair();
    let overload = tower::ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
        .load_shed()
        // One limit for the whole server: `Router::layer` gives every route its own copy of
        // a layer, and a plain concurrency limit would count per route.
        .layer(tower::limit::GlobalConcurrencyLimitLayer::with_semaphore(
            in_flight_semaphore(),
        ));
    let app = reads.merge(writes).fallback(not_found);
    let app = match key_limiter(shared.config.key_rate_limit) {
        Some(limiter) => app.layer(axum::middleware::from_fn_with_state(limiter, limit_per_key)),
        None => app,
    };
    app.layer(axum::middleware::from_fn_with_state(
        shared.clone(),
        authenticate,
    ))
    .layer(axum::middleware::from_fn_with_state(
        shared.clone(),
        consistency::consistency,
    ))
    .with_state(shared)
    .merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
    .merge(crate::web::routes())
    .layer(metrics_layer)
    .layer(axum::middleware::from_fn(json_errors))
    .layer(axum::middleware::from_fn(security_headers))
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
    .layer(cors)
    .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
    .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
        RequestIds::default(),
    ))
    .layer(axum::middleware::from_fn(sanitize_request_id))
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

/// The per-client rate limit: a token bucket per client address (GCRA), shared by every
/// route; over it, 429 with `Retry-After` and the usual JSON error body.
fn with_rate_limit(app: Router, options: &ServeOptions) -> std::io::Result<Router> {
    let nanos = (1_000_000_000 / options.rate_per_second.max(1)).max(1);
    let config = tower_governor::governor::GovernorConfigBuilder::default()
        .per_nanosecond(nanos)
        .burst_size(options.rate_burst.max(1))
        .finish()
        .ok_or_else(|| std::io::Error::other("invalid rate limit"))?;
    Ok(app.layer(
        tower_governor::GovernorLayer::new(config).error_handler(|e| {
            let (status, code, message, wait) = match e {
                tower_governor::GovernorError::TooManyRequests { wait_time, .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many requests from this address; retry in {wait_time} s"),
                    wait_time.max(1),
                ),
                _ => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "the service could not tell who is asking; retry shortly".to_string(),
                    1,
                ),
            };
            let mut response = ApiError::new(status, code, message).into_response();
            if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }),
    ))
}

/// CORS for the configured origins only: a portal on its own domain may call the API (its
/// preflight is answered), any other site's page may not. Bearer tokens travel in a header,
/// so credentials (cookies) are never allowed.
fn cors_layer(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let list: Vec<header::HeaderValue> = origins
        .iter()
        .filter_map(|o| header::HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::PUT,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(Duration::from_secs(600))
}

/// The permits of [`MAX_IN_FLIGHT`], one set per router.
fn in_flight_semaphore() -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT))
}

/// How the server treats connections (`jalin serve`).
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// A connection must send a request's whole head within this time — the first one after
    /// it opens, and the next one while it idles between requests — or it is closed.
    pub header_read_timeout: Duration,
    /// Open connections beyond this are closed as soon as they are accepted, so idle
    /// sockets cannot use up the process's file descriptors.
    pub max_connections: usize,
    /// Requests a second one client address may send on average (0: no limit); beyond it
    /// and its burst, 429 with `Retry-After`.
    pub rate_per_second: u64,
    /// How many requests a client may send at once before the rate applies.
    pub rate_burst: u32,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 2048,
            rate_per_second: 200,
            rate_burst: 400,
        }
    }
}

impl ServeOptions {
    /// The defaults, overridden by `JALIN_HEADER_TIMEOUT_MS`, `JALIN_MAX_CONNECTIONS`,
    /// `JALIN_RATE_LIMIT` (requests a second per client address, 0 for none) and
    /// `JALIN_RATE_BURST`.
    pub fn from_env() -> Result<ServeOptions, Error> {
        let mut o = ServeOptions::default();
        let number = |name: &str| -> Result<Option<u64>, Error> {
            match std::env::var(name) {
                Ok(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                    Error::invalid(name, format!("must be a whole number, not {v:?}"))
                }),
                Err(_) => Ok(None),
            }
        };
        if let Some(ms) = number("JALIN_HEADER_TIMEOUT_MS")? {
            if ms == 0 {
                return Err(Error::invalid("JALIN_HEADER_TIMEOUT_MS", "must be above 0"));
            }
            o.header_read_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = number("JALIN_MAX_CONNECTIONS")? {
            if n == 0 {
                return Err(Error::invalid("JALIN_MAX_CONNECTIONS", "must be above 0"));
            }
            o.max_connections = n as usize;
        }
        if let Some(n) = number("JALIN_RATE_LIMIT")? {
            o.rate_per_second = n;
        }
        if let Some(n) = number("JALIN_RATE_BURST")? {
            if n == 0 || n > u64::from(u32::MAX) {
                return Err(Error::invalid(
                    "JALIN_RATE_BURST",
                    "must be from 1 to 4294967295",
                ));
            }
            o.rate_burst = n as u32;
        }
        Ok(o)
    }
}

/// Serves the API until SIGINT or SIGTERM; in-flight requests finish.
pub async fn serve(
    engine: Arc<Engine>,
    config: ApiConfig,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let mut config = config;
    if options.rate_per_second > 0 && config.key_rate_limit.is_none() {
        config.key_rate_limit = Some((options.rate_per_second, options.rate_burst));
    }
    let mut app = router(engine, config);
    if options.rate_per_second > 0 {
        app = with_rate_limit(app, &options)?;
    }
    let connections = Arc::new(tokio::sync::Semaphore::new(options.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!(
                limit = options.max_connections,
                "too many open connections; closing a new one"
            );
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            app.clone()
                .map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(axum::body::Body::new);
                    // The client's address, for the per-client rate limit.
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop(permit);
        });
    }
    // In-flight requests finish; idle connections close.
    graceful.shutdown().await;
    Ok(())
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
