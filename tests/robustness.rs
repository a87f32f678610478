mod common;
use axum::body::Body;
use axum::http::Request;
use jalin::engine::{Engine, EngineOptions};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe() {
    let engine = Arc::new(Engine::in_memory(EngineOptions::default()).unwrap());
    let app = jalin::api::router(
        engine.clone(),
        jalin::api::ApiConfig {
            token: "tok".into(),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = app.clone();
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });
    let s = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"POST /v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 100000\r\n\r\n{\"id\":\"a\"").unwrap();
        s
    }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(3),
        app.clone()
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap()),
    )
    .await;
    println!(
        "healthz during stalled import: {:?} after {:?}",
        r.map(|r| r.unwrap().status()),
        t.elapsed()
    );
    let r = tokio::time::timeout(
        Duration::from_secs(3),
        app.clone().oneshot(
            Request::get("/v1/search?q=beras")
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await;
    println!(
        "search during stalled import: {:?} after {:?}",
        r.map(|r| r.unwrap().status()),
        t.elapsed()
    );
    drop(s);
}
