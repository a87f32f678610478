//! Imports cut short, and imports that stall: nothing of a broken import is committed, and a
//! stalled one does not hold up reads.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;

use super::*;

async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Opens a connection and sends an import's head (announcing `length` bytes) and `sent`.
async fn start_import(
    addr: std::net::SocketAddr,
    length: usize,
    sent: String,
) -> std::net::TcpStream {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        let head = format!(
            "POST /v1/import HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/x-ndjson\r\nContent-Length: {length}\r\n\r\n"
        );
        s.write_all(head.as_bytes()).expect("write");
        s.write_all(sent.as_bytes()).expect("write");
        s.flush().expect("flush");
        s
    })
    .await
    .expect("client")
}

/// An import whose handler is dropped before its body has arrived — what the router's own
/// `TimeoutLayer` does after 30 s, answering 503 — commits nothing. (Found by this test: the
/// channel to the blocking reader closed, `ChannelReader` reported a clean end of input and
/// `Engine::import` committed the lines received so far, so a client told 503 had part of
/// its "one transaction" import stored, and a retry would duplicate its server-numbered
/// deals.) The test wraps the router in the same kind of timeout, at 300 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_short_commits_nothing() {
    let (_, app) = fresh_with_two().await;
    let before = counts(&app).await;
    let timed = app.clone().layer(axum::middleware::from_fn(
        |req: axum::extract::Request, next: axum::middleware::Next| async move {
            match tokio::time::timeout(Duration::from_millis(300), next.run(req)).await {
                Ok(res) => res,
                Err(_) => axum::response::IntoResponse::into_response(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                ),
            }
        },
    ));
    let addr = serve(timed).await;
    let deal = full_deal().to_string();
    let lines = format!(
        "{}\n{}\n{deal}\n",
        business_json("rb-cut-1"),
        business_json("rb-cut-2")
    );
    // The head promises far more than is sent; the rest never comes.
    let stream = start_import(addr, lines.len() * 100, lines).await;
    let response = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut stream = stream;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .expect("client");
    assert!(
        response.starts_with("HTTP/1.1 503"),
        "the import timed out: {response:?}"
    );
    // Let the blocking import finish whatever it does with what it received.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = counts(&app).await;
    let kept = call(
        &app,
        request("GET", "/v1/businesses/rb-cut-1", Body::empty(), None, false),
    )
    .await;
    assert!(
        after == before && kept.status == 404,
        "an import answered 503 (never acknowledged) left part of itself in the store: \
         (businesses, deals, last_seq) {before:?} -> {after:?}, GET rb-cut-1 -> {}",
        kept.status
    );
}

/// A slow (or stalled) import client does not stop store reads. (Found by this test: the
/// import held the store's only connection while it waited for its body from the network,
/// so `/healthz`, `GET /v1/businesses/{id}` and buyer/seller matches hung until the import
/// ended or timed out.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_import_does_not_stall_reads() {
    let (_, app) = fresh_with_two().await;
    let addr = serve(app.clone()).await;
    let partial = format!("{}\n{{\"id\":\"rb-st", business_json("rb-stall"));
    let stream = start_import(addr, 1 << 20, partial).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut stalled = Vec::new();
    for uri in ["/healthz", "/v1/businesses/rd-a"] {
        let started = Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(2),
            call(&app, request("GET", uri, Body::empty(), None, false)),
        )
        .await;
        match r {
            Ok(r) if r.status.is_success() => {}
            Ok(r) => stalled.push(format!("GET {uri} -> {}", r.status)),
            Err(_) => stalled.push(format!(
                "GET {uri} got no answer in {:?} while an import waited for its body",
                started.elapsed()
            )),
        }
    }
    drop(stream);
    assert!(stalled.is_empty(), "{}", stalled.join("\n"));
}
