//! Connections that never send a request: the server closes them within its header-read
//! timeout, closes at once those beyond its connection cap, and keeps answering others. (Before,
//! they stayed open for ever: ~20,000 of them used up the file descriptors and `/healthz` stopped
//! answering for everyone.)

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::http::request;
use crate::common::server::start_ready;

/// Whether the server has closed this connection (a read sees the end, or a reset).
fn closed_by_server(s: &TcpStream) -> bool {
    let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
    let mut buf = [0u8; 64];
    let mut reader = s;
    match reader.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

fn healthz(addr: &str) -> bool {
    request(addr, "GET", "/healthz", &[], &[]).is_ok_and(|r| r.status == 200)
}

#[test]
fn silent_connections_are_closed_and_the_server_keeps_answering() {
    let dir = crate::common::temp_dir();
    let log = dir.path().join("server.log");
    let (server, _) = start_ready(
        &dir.path().join("data"),
        &log,
        "connections-test-token-0123456789",
        &[
            ("JALIN_HEADER_TIMEOUT_MS", "1000"),
            ("JALIN_MAX_CONNECTIONS", "100"),
            ("JALIN_RATE_LIMIT", "0"),
        ],
        Duration::from_secs(120),
    );
    let addr = server.addr();

    // Below the cap: 60 silent connections; the server still answers, and closes all of them
    // within the header timeout (1 s here).
    let idle: Vec<TcpStream> = (0..60)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    assert!(healthz(&addr), "healthz beside 60 silent connections");
    let opened = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    let closed = idle.iter().filter(|s| closed_by_server(s)).count();
    assert_eq!(closed, 60, "closed within {:?}", opened.elapsed());
    drop(idle);

    // Beyond the cap: 300 silent connections; those over the cap are closed at once, the
    // rest within the timeout, and the server answers again right after.
    let flood: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let at_once = flood.iter().filter(|s| closed_by_server(s)).count();
    assert!(
        at_once >= 150,
        "only {at_once} of {} connections over the cap of 100 were closed at once",
        flood.len()
    );
    std::thread::sleep(Duration::from_millis(1500));
    let all = flood.iter().filter(|s| closed_by_server(s)).count();
    assert_eq!(all, flood.len(), "every silent connection is closed");
    assert!(healthz(&addr), "healthz after the flood");
    // A client that keeps its connection busy is not cut off by the timeout: three requests
    // a second apart on fresh connections all answer.
    for _ in 0..3 {
        assert!(healthz(&addr));
        std::thread::sleep(Duration::from_millis(300));
    }
    server.kill();
}

/// One client address sending faster than its rate gets 429 with `Retry-After` and the JSON
/// error body; after waiting it is served again.
#[test]
fn a_client_over_its_rate_gets_429_and_retry_after() {
    let dir = crate::common::temp_dir();
    let log = dir.path().join("server.log");
    let (server, _) = start_ready(
        &dir.path().join("data"),
        &log,
        "connections-test-token-0123456789",
        &[("JALIN_RATE_LIMIT", "5"), ("JALIN_RATE_BURST", "5")],
        Duration::from_secs(120),
    );
    let addr = server.addr();
    // The start-up checks used some of the burst; 30 requests at once exceed it.
    let replies: Vec<_> = (0..30)
        .map(|_| request(&addr, "GET", "/v1/provinces", &[], &[]).expect("request"))
        .collect();
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(limited.len() >= 20, "{} of 30 were limited", limited.len());
    let r = limited[0];
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=5).contains(&wait), "{wait}");
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON body");
    assert_eq!(body["error"]["code"], "rate_limited");
    std::thread::sleep(Duration::from_secs(wait + 1));
    let again = request(&addr, "GET", "/v1/provinces", &[], &[]).expect("request");
    assert_eq!(again.status, 200);
    server.kill();
}
