//! An empty start (`--no-sample`, `JALIN_SAMPLE=0`) has reference data and no businesses.

use std::process::Command;
use std::time::Duration;

use crate::common::TOKEN;

/// `jalin serve --no-sample` and `JALIN_SAMPLE=0` start with the reference data only.
#[test]
fn an_empty_start_serves_no_sample() {
    use crate::common::http::request;
    use crate::common::server::{Proc, start_ready, wait_http};
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("serve.log");
    let data = dir.path().join("flag");
    let port = crate::common::http::free_port();
    let mut cmd = Command::new(crate::common::server::binary());
    cmd.args(["serve", "--no-sample", "--data"])
        .arg(&data)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env("JALIN_TOKEN", TOKEN)
        .env_remove("JALIN_DATA")
        .env_remove("JALIN_CONFIG");
    let mut proc = Proc::spawn("jalin serve --no-sample", &mut cmd, &log);
    let addr = format!("127.0.0.1:{port}");
    wait_http(&addr, "/healthz", &mut proc, Duration::from_secs(60));
    let health = request(&addr, "GET", "/healthz", &[], b"")
        .expect("healthz")
        .json();
    assert_eq!(
        (health["businesses"].as_u64(), health["deals"].as_u64()),
        (Some(0), Some(0)),
        "{health}"
    );
    let provinces = request(&addr, "GET", "/v1/provinces", &[], b"")
        .expect("provinces")
        .json();
    assert_eq!(
        provinces.as_array().map(Vec::len),
        Some(38),
        "reference data is there"
    );
    proc.kill();

    let (server, health) = start_ready(
        &dir.path().join("env"),
        &log,
        TOKEN,
        &[("JALIN_SAMPLE", "0")],
        Duration::from_secs(60),
    );
    assert_eq!(health["businesses"].as_u64(), Some(0), "{health}");
    server.kill();
}
