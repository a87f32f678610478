//! The small holes an attacker's probe found, each closed: headers that keep a browser from
//! misreading or framing answers, the bearer scheme in any case with a `WWW-Authenticate`
//! challenge, request ids that cannot forge log lines, names that cannot hide control or
//! text-direction characters, and queries of nothing but punctuation or too many values.

use axum::body::Body;
use axum::http::Request;

use crate::common::{TOKEN, call, get, post_json, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn answers_carry_nosniff_and_html_cannot_be_framed() {
    for uri in ["/v1/provinces", "/v1/no-such-thing", "/healthz"] {
        let r = get(uri).await;
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
    }
    let docs = get("/docs/").await;
    assert!(
        docs.content_type.starts_with("text/html"),
        "{}",
        docs.content_type
    );
    assert!(
        docs.header("content-security-policy")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(docs.header("x-frame-options"), "DENY");
    // The printable agendas of a plan.
    let spec = get("/v1/missions/jatim-banten-2023").await.body;
    let plan = send(
        Request::post("/v1/missions/plan?format=html")
            .header("content-type", "application/json")
            .body(Body::from(spec))
            .expect("request"),
    )
    .await;
    assert_eq!(plan.status, 200);
    assert!(
        plan.header("content-security-policy")
            .contains("frame-ancestors 'none'")
    );
    // The web app keeps its own, stricter policy.
    let app = get("/partners").await;
    assert!(
        app.header("content-security-policy")
            .contains("script-src 'self'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_bearer_scheme_is_case_insensitive_and_401_says_how_to_authenticate() {
    // Writes go to an engine of this test's own, not the shared fixture.
    let (_, app) = super::fresh();
    let body = r#"{"id":"w-hard-1","name":"UD Bearer","kind":"umkm","province":"35"}"#;
    let put = |auth: Option<String>| {
        let mut b =
            Request::put("/v1/businesses/w-hard-1").header("content-type", "application/json");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(Body::from(body)).expect("request")
    };
    let none = call(&app, put(None)).await;
    assert_eq!(none.status, 401);
    assert!(
        none.header("www-authenticate").starts_with("Bearer"),
        "{:?}",
        none.headers
    );
    let wrong = call(&app, put(Some("Bearer not-the-token".into()))).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("www-authenticate").starts_with("Bearer"));
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let ok = call(&app, put(Some(format!("{scheme} {TOKEN}")))).await;
        assert!(ok.status.is_success(), "{scheme}: {}", ok.status);
    }
    let gone = call(
        &app,
        Request::delete("/v1/businesses/w-hard-1")
            .header("authorization", format!("bearer {TOKEN}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(gone.status.is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn request_ids_that_could_forge_log_lines_are_replaced() {
    let with_id = |id: &'static str| {
        Request::get("/healthz")
            .header("x-request-id", id)
            .body(Body::empty())
            .expect("request")
    };
    let clean = send(with_id("req-42.a:b_c")).await;
    assert_eq!(clean.header("x-request-id"), "req-42.a:b_c");
    for bad in ["a b", "x\" method=DELETE", "spaces and more spaces"] {
        let r = send(with_id(bad)).await;
        let id = r.header("x-request-id");
        assert!(!id.is_empty() && id != bad, "{bad:?} came back as {id:?}");
        assert!(!id.contains(' '));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn names_cannot_hide_control_or_direction_characters() {
    let (_, app) = super::fresh();
    for (name, title, field) in [
        ("UD \u{202E}lanigirO", "Bawang", "name"),
        ("UD Baris\nPalsu", "Bawang", "name"),
        ("UD Bersih", "Bawang\u{1b}[31m merah", "offers[0].title"),
        ("UD Bersih", "Bawang\u{2066}", "offers[0].title"),
    ] {
        let body = serde_json::json!({"id": "w-hard-2", "name": name, "kind": "umkm", "province": "35",
            "offers": [{"commodity": "bawang_merah", "title": title}]});
        call(
            &app,
            Request::put("/v1/businesses/w-hard-2")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
        .assert_error(400, field);
    }
    let stored = call(
        &app,
        Request::get("/v1/businesses/w-hard-2")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(stored.status, 404, "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn queries_of_only_punctuation_and_too_many_values_are_refused() {
    for q in ["%21%21%21", "%F0%9F%99%82", "...%20---"] {
        get(&format!("/v1/search?q={q}"))
            .await
            .assert_error(400, "q");
    }
    post_json("/v1/match", r#"{"need":{"text":"?!?!","province":"36"}}"#)
        .await
        .assert_error(400, "need");
    let many = vec!["35"; 101].join(",");
    get(&format!("/v1/search?q=beras&province={many}"))
        .await
        .assert_error(400, "province");
    let many = vec!["beras"; 101].join(",");
    get(&format!("/v1/search?commodity={many}"))
        .await
        .assert_error(400, "commodity");
}

/// A write that waits too long for the store is answered 503 with `Retry-After` — and has
/// written nothing, then or later. (Before, the timeout answered 503 while the write went on
/// and committed once the store was free: a retried deal was stored twice.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_answered_busy_has_written_nothing() {
    let engine = std::sync::Arc::new(crate::common::pg::in_memory(
        jalin::engine::EngineOptions::default(),
    ));
    let mut config = jalin::api::ApiConfig::new(TOKEN);
    config.write_deadline = std::time::Duration::from_millis(300);
    let app = jalin::api::router(engine.clone(), config);
    let put = || {
        Request::put("/v1/businesses/w-busy")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Body::from(
                r#"{"id":"w-busy","name":"UD Sibuk","kind":"umkm","province":"35"}"#,
            ))
            .expect("request")
    };
    // Something else holds the store for a second and a half.
    let holder = {
        let engine = engine.clone();
        std::thread::spawn(move || engine.pause_writes(std::time::Duration::from_millis(1500)))
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    let started = std::time::Instant::now();
    let busy = call(&app, put()).await;
    assert_eq!(busy.status, 503, "{}", String::from_utf8_lossy(&busy.body));
    assert!(!busy.header("retry-after").is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1200),
        "answered at its deadline, not when the store came free ({:?})",
        started.elapsed()
    );
    holder.join().expect("holder").expect("pause");
    // The store is free now: the write that was refused did not land after all.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = call(
        &app,
        Request::get("/v1/businesses/w-busy")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(after.status, 404, "the refused write was not stored");
    // A retry now succeeds, once.
    assert_eq!(call(&app, put()).await.status, 201);
}

/// A provincial portal on its own domain may call the API from the browser; other sites may
/// not; credentials are never allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn cors_answers_the_configured_origins_only() {
    let engine = std::sync::Arc::new(crate::common::pg::in_memory(
        jalin::engine::EngineOptions::default(),
    ));
    let mut config = jalin::api::ApiConfig::new(TOKEN);
    config.cors_origins = vec!["https://portal.jatimprov.go.id".into()];
    let app = jalin::api::router(engine, config);
    let preflight = |origin: &str| {
        Request::options("/v1/match")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .expect("request")
    };
    let ok = call(&app, preflight("https://portal.jatimprov.go.id")).await;
    assert!(ok.status.is_success(), "{}", ok.status);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        "https://portal.jatimprov.go.id"
    );
    assert!(ok.header("access-control-allow-methods").contains("POST"));
    assert_ne!(ok.header("access-control-allow-credentials"), "true");
    let other = call(&app, preflight("https://evil.example")).await;
    assert_eq!(other.header("access-control-allow-origin"), "");
    let get = call(
        &app,
        Request::get("/v1/provinces")
            .header("origin", "https://portal.jatimprov.go.id")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(get.status, 200);
    assert_eq!(
        get.header("access-control-allow-origin"),
        "https://portal.jatimprov.go.id"
    );
    // Without a configured origin, no site but our own is allowed.
    let plain = call(
        &super::fresh().1,
        Request::get("/v1/provinces")
            .header("origin", "https://portal.jatimprov.go.id")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(plain.header("access-control-allow-origin"), "");
}
