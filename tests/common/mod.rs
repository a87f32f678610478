//! The one support module of the integration tests (`tests/suite`, `tests/crash.rs`,
//! `tests/browser.rs`; each binary uses what it needs).
//!
//! Here: the in-process harness — an engine over the embedded fixtures in a temporary data
//! directory, and helpers that send requests through the real router
//! (`tower::ServiceExt::oneshot`) as an HTTP client would. The shared engine (`fixture()`)
//! is only read from; a module that writes opens its own `Fixture`.
//!
//! Beside it: `rng` (the one seeded RNG), `http` (a blocking HTTP/1.1 client and
//! `free_port`), `server` (the `jalin` binary as a child process), `endpoints` (every
//! write endpoint, and a helper that sends one body to each), and `pg` (the suite on
//! PostgreSQL: `JALIN_SUITE_DATABASE_URL` gives every data directory a database of its own).

#![allow(dead_code)]

pub mod endpoints;
pub mod http;
pub mod pg;
pub mod rng;
pub mod server;

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use jalin::engine::Engine;
use serde_json::Value;
use tower::ServiceExt;

/// The write token the test router accepts.
pub const TOKEN: &str = "test-token";

/// An engine over the fixtures in a temporary data directory of its own.
pub struct Fixture {
    pub engine: Arc<Engine>,
    _dir: pg::TestDir,
}

/// A temporary directory for a test's data directories; on PostgreSQL their databases are
/// dropped with it.
pub fn temp_dir() -> pg::TestDir {
    pg::TestDir::new()
}

impl Fixture {
    /// Opens a new engine, loading the fixtures.
    pub fn open() -> Fixture {
        let dir = temp_dir();
        let (engine, report) =
            pg::open_engine(dir.path(), jalin::engine::EmptyStart::Sample).expect("open engine");
        assert!(
            pg::sample_loaded(&report),
            "a new data dir loads the fixtures"
        );
        Fixture {
            engine: Arc::new(engine),
            _dir: dir,
        }
    }

    /// Sends a request through this engine's router.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let app = jalin::api::router(self.engine.clone(), jalin::api::ApiConfig::new(TOKEN));
        call(&app, req).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn post_json(&self, uri: &str, body: impl Into<Body>) -> Reply {
        self.send(
            Request::post(uri)
                .header("content-type", "application/json")
                .body(body.into())
                .expect("request"),
        )
        .await
    }
}

/// The engine the read-only tests share, loaded on first use. Nothing writes to it, so what
/// one test reads does not depend on which others ran.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::open)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    /// Asserts a 4xx error body `{"error": {"code", "message", "field"}}` naming `field`.
    pub fn assert_error(&self, status: u16, field: &str) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        let v = self.json();
        let e = &v["error"];
        assert!(e["code"].is_string(), "{v}");
        assert!(!e["message"].as_str().unwrap_or("").is_empty(), "{v}");
        assert_eq!(e["field"].as_str(), Some(field), "{v}");
    }
}

/// Sends a request through the shared engine's router.
pub async fn send(req: Request<Body>) -> Reply {
    fixture().send(req).await
}

/// Sends a request through any router and reads the whole reply.
pub async fn call(app: &axum::Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.expect("router never fails");
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        content_type,
        body,
    }
}

pub async fn get(uri: &str) -> Reply {
    fixture().get(uri).await
}

pub async fn post_json(uri: &str, body: impl Into<Body>) -> Reply {
    fixture().post_json(uri, body).await
}
