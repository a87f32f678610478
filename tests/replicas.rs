//! Several `jalin serve` replicas on one PostgreSQL database (issue #19): a write answered by
//! one is found by `/v1/search` on the other within a second, or at once when the read
//! carries the write's sequence as `min_seq`; and over repeated `kill -9` of one replica
//! under concurrent writes to both, no acknowledged write is missing from the database or
//! from either replica's index.
//!
//! Needs `JALIN_TEST_DATABASE_URL` (`.ci/postgres start` prints it; `.ci/run` sets it).
//! Without it each test prints a notice and passes without running. Every test works in a
//! schema of its own, created here and dropped at the end.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::http::{Response, request};
use common::server::{Server, log_tail};

const TOKEN: &str = "replica-test-token";
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A schema of its own in the test database, dropped when the test ends.
struct Schema {
    admin: String,
    name: String,
    /// The URL the replicas use (its `search_path` is the schema).
    url: String,
}

impl Schema {
    fn new(tag: &str) -> Option<Schema> {
        let Ok(admin) = std::env::var("JALIN_TEST_DATABASE_URL") else {
            eprintln!("notice: JALIN_TEST_DATABASE_URL is unset: the replica test did not run");
            return None;
        };
        let name = format!("jalin_{tag}_{}", std::process::id());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("database");
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .expect("schema");
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Some(Schema { admin, name, url })
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("database")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

fn start(data: &Path, log: &Path, url: &str) -> Server {
    start_with(data, log, url, &[])
}

fn start_with(data: &Path, log: &Path, url: &str, extra: &[(&str, &str)]) -> Server {
    let mut last = String::new();
    for _ in 0..3 {
        let mut env = vec![
            ("JALIN_DATABASE_URL", url),
            ("JALIN_SAMPLE", "0"),
            ("JALIN_RATE_LIMIT", "0"),
        ];
        env.extend_from_slice(extra);
        let mut s = Server::start(data, log, TOKEN, &env);
        match s.wait_ready(START_TIMEOUT) {
            Ok(_) => return s,
            Err(e) => last = e,
        }
    }
    panic!("a replica did not start: {last}\n{}", log_tail(log, 40));
}

fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<Response> {
    let bearer = format!("Bearer {TOKEN}");
    let mut headers = vec![("Authorization", bearer.as_str())];
    let body = body.map(Value::to_string).unwrap_or_default();
    if method != "GET" {
        headers.push(("Content-Type", "application/json"));
    }
    request(
        &format!("127.0.0.1:{port}"),
        method,
        path,
        &headers,
        body.as_bytes(),
    )
}

fn business(id: &str, word: &str) -> Value {
    json!({
        "id": id, "name": format!("UD {word}"), "kind": "umkm", "province": "35",
        "city": "Kota Uji",
        "offers": [{"commodity": "bawang_merah", "title": format!("Bawang {word}"),
                    "capacity": {"qty": 5, "unit": "ton", "per": "month"}}]
    })
}

/// Writes a business; its change sequence (`X-Jalin-Seq`) when acknowledged.
fn put(port: u16, id: &str, word: &str) -> Option<u64> {
    let r = call(
        port,
        "PUT",
        &format!("/v1/businesses/{id}"),
        Some(&business(id, word)),
    )
    .ok()?;
    if !(200..300).contains(&r.status) {
        return None;
    }
    r.header("x-jalin-seq")?.parse().ok()
}

/// Whether `/v1/search` on `port` finds business `id` by `word` (with `min_seq` if given).
fn finds(port: u16, id: &str, word: &str, min_seq: Option<u64>) -> Result<bool, String> {
    let mut path = format!("/v1/search?q={word}&limit=50");
    if let Some(s) = min_seq {
        path.push_str(&format!("&min_seq={s}"));
    }
    let r = call(port, "GET", &path, None).map_err(|e| e.to_string())?;
    if r.status != 200 {
        return Err(format!("{path}: {} {}", r.status, r.text()));
    }
    Ok(r.json()["results"]
        .as_array()
        .is_some_and(|a| a.iter().any(|h| h["business"]["id"] == id)))
}

#[test]
fn a_write_on_one_replica_is_found_on_the_other() {
    let Some(schema) = Schema::new("follow") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("replicas.log");
    let a = start(&dir.path().join("a"), &log, &schema.url);
    let b = start(&dir.path().join("b"), &log, &schema.url);

    // At once with min_seq: the replica applies what it lacks before answering.
    for i in 0..5 {
        let word = format!("seketika{i}x");
        let seq = put(a.port, &format!("now-{i}"), &word).expect("write on A");
        assert!(
            finds(b.port, &format!("now-{i}"), &word, Some(seq)).unwrap(),
            "B did not find a business written on A with min_seq={seq}"
        );
    }

    // Within a second without it: the follower applies it.
    for (i, (writer, reader)) in [(b.port, a.port), (a.port, b.port)].iter().enumerate() {
        let (id, word) = (format!("later-{i}"), format!("sebentar{i}x"));
        put(*writer, &id, &word).expect("write");
        let started = Instant::now();
        loop {
            if finds(*reader, &id, &word, None).unwrap() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "not found on the other replica within a second\n{}",
                log_tail(&log, 20)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("found on the other replica after {:?}", started.elapsed());
    }

    // A replica asked for a sequence the store does not have yet answers 503, and says
    // which sequence it has.
    let r = call(a.port, "GET", "/v1/search?q=x&min_seq=999999999", None).unwrap();
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["error"]["field"], "min_seq");
    assert!(r.header("x-jalin-seq").is_some());
    let r = call(a.port, "GET", "/v1/search?q=x&min_seq=soon", None).unwrap();
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"]["field"], "min_seq");

    let health = call(b.port, "GET", "/healthz", None).unwrap().json();
    assert_eq!(health["caught_up"], true, "{health}");
    a.kill();
    b.kill();
}

#[test]
fn an_import_on_one_replica_is_found_on_the_other() {
    let Some(schema) = Schema::new("import") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("replicas.log");
    // Batches of 7 records: the import below is written in several COPY batches.
    let a = start_with(
        &dir.path().join("a"),
        &log,
        &schema.url,
        &[("JALIN_IMPORT_BATCH", "7")],
    );
    let b = start(&dir.path().join("b"), &log, &schema.url);
    let mut body = String::new();
    for i in 0..30 {
        body.push_str(&business(&format!("imp-{i}"), &format!("impor{i}x")).to_string());
        body.push('\n');
    }
    for i in 0..10 {
        let deal = json!({"buyer": format!("imp-{i}"), "seller": format!("imp-{}", i + 1),
                          "commodity": "bawang_merah", "value_idr": 1.5e6,
                          "date": "2024-01-02", "status": "completed"});
        body.push_str(&deal.to_string());
        body.push('\n');
    }
    let bearer = format!("Bearer {TOKEN}");
    let r = request(
        &format!("127.0.0.1:{}", a.port),
        "POST",
        "/v1/import",
        &[
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/x-ndjson"),
        ],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["businesses"].as_u64(), v["deals"].as_u64()),
        (Some(30), Some(10)),
        "{v}"
    );
    let seq: u64 = r.header("x-jalin-seq").unwrap().parse().unwrap();
    assert_eq!(seq, 40, "one change per record, numbered from 1");
    for i in 0..30 {
        let (id, word) = (format!("imp-{i}"), format!("impor{i}x"));
        assert!(
            finds(b.port, &id, &word, Some(seq)).unwrap(),
            "B did not find {id}, imported on A\n{}",
            log_tail(&log, 20)
        );
    }
    let h = call(b.port, "GET", "/healthz", None).unwrap().json();
    assert_eq!(h["index_seq"], 40, "{h}");
    // The change log and the audit trail agree, one row per record, in record order.
    let mut db = schema.client();
    let changes: Vec<(i64, String)> = db
        .query("SELECT seq, entity_id FROM changes ORDER BY seq", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let audit: Vec<(i64, String)> = db
        .query("SELECT seq, entity_id FROM audit ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(changes, audit);
    assert_eq!(changes[0], (1, "imp-0".to_string()));
    assert_eq!(changes[30], (31, "d-000031".to_string()));
    a.kill();
    b.kill();
}

/// What one writer had acknowledged: business id → its word.
type Acked = Arc<Mutex<BTreeMap<String, (String, u64)>>>;

fn writer(port: Arc<Mutex<u16>>, name: String, acked: Acked, stop: Arc<AtomicBool>) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let id = format!("{name}-{n}");
        let word = format!("kata{name}n{n}x").replace('-', "");
        let p = *port.lock().unwrap();
        match put(p, &id, &word) {
            Some(seq) => {
                acked.lock().unwrap().insert(id, (word, seq));
            }
            // Refused, cut off or not answered (the replica was killed): not acknowledged.
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

#[test]
fn kill_9_of_a_replica_under_writes_loses_no_acknowledged_write() {
    let Some(schema) = Schema::new("kill") else {
        return;
    };
    let cycles: usize = std::env::var("JALIN_REPLICA_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("replicas.log");
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let a = start(&data_a, &log, &schema.url);
    let mut b = start(&data_b, &log, &schema.url);
    let acked: Acked = Arc::default();
    let port_a = Arc::new(Mutex::new(a.port));
    let port_b = Arc::new(Mutex::new(b.port));
    for cycle in 0..cycles {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for (w, port) in [
            ("a1", &port_a),
            ("a2", &port_a),
            ("b1", &port_b),
            ("b2", &port_b),
        ] {
            let (port, acked, stop) = (port.clone(), acked.clone(), stop.clone());
            let name = format!("c{cycle}{w}");
            threads.push(std::thread::spawn(move || writer(port, name, acked, stop)));
        }
        std::thread::sleep(Duration::from_millis(700 + 300 * cycle as u64));
        b.kill();
        // A keeps serving while B is down.
        let before = acked.lock().unwrap().len();
        std::thread::sleep(Duration::from_millis(400));
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        assert!(
            acked.lock().unwrap().len() > before,
            "A acknowledged nothing while B was down\n{}",
            log_tail(&log, 30)
        );
        b = start(&data_b, &log, &schema.url);
        *port_b.lock().unwrap() = b.port;
    }

    let acked = acked.lock().unwrap().clone();
    let top = acked.values().map(|(_, s)| *s).max().unwrap_or(0);
    eprintln!(
        "{} acknowledged writes over {cycles} kills, up to change {top}",
        acked.len()
    );
    assert!(acked.len() >= 20, "too few writes to tell anything");
    // In the database.
    let mut db = schema.client();
    let stored: std::collections::HashSet<String> = db
        .query("SELECT id FROM businesses", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let missing: Vec<&String> = acked.keys().filter(|id| !stored.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged, not in the database: {missing:?}"
    );
    // In both indexes (min_seq: each has applied everything acknowledged).
    let mut lost = Vec::new();
    for (name, port) in [("A", a.port), ("B", b.port)] {
        for (id, (word, _)) in &acked {
            match finds(port, id, word, Some(top)) {
                Ok(true) => {}
                Ok(false) => lost.push(format!("{name}: {id}")),
                Err(e) => lost.push(format!("{name}: {id}: {e}")),
            }
        }
        let h = call(port, "GET", "/healthz", None).unwrap().json();
        assert_eq!(h["last_seq"], h["index_seq"], "{name}: {h}");
    }
    assert!(
        lost.is_empty(),
        "{} lost or inconsistent: {:?}",
        lost.len(),
        &lost[..lost.len().min(20)]
    );
    a.kill();
    b.kill();
}

#[test]
fn a_new_replica_starts_from_a_snapshot_of_another_and_applies_only_what_came_after() {
    let Some(schema) = Schema::new("snapshot") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("replicas.log");
    let a = start(&dir.path().join("a"), &log, &schema.url);
    for i in 0..20 {
        put(a.port, &format!("before-{i}"), &format!("sebelum{i}x")).expect("write on A");
    }
    // Taken beside the running replica, while it writes.
    let bin = common::server::binary();
    let copy = dir.path().join("c");
    let out = std::process::Command::new(&bin)
        .args(["snapshot", "--data"])
        .arg(dir.path().join("a"))
        .arg(&copy)
        .env("JALIN_DATABASE_URL", &schema.url)
        .output()
        .expect("jalin snapshot");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("copied the search index"), "{said}");
    // A snapshot never goes into a directory that holds something.
    let again = std::process::Command::new(&bin)
        .args(["snapshot", "--data"])
        .arg(dir.path().join("a"))
        .arg(&copy)
        .output()
        .expect("jalin snapshot");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let mut last = 0;
    for i in 0..3 {
        last = put(a.port, &format!("after-{i}"), &format!("sesudah{i}x")).expect("write on A");
    }
    let c_log = dir.path().join("c.log");
    let c = start(&copy, &c_log, &schema.url);
    let started = std::fs::read_to_string(&c_log).unwrap_or_default();
    assert!(
        !started.contains("rebuilt the search index"),
        "the replica rebuilt its index instead of starting from the snapshot:\n{started}"
    );
    assert!(
        started.contains("search index caught up: 3 businesses"),
        "the replica did not apply just the three later writes:\n{started}"
    );
    for (prefix, word, n) in [("before", "sebelum", 20), ("after", "sesudah", 3)] {
        for i in 0..n {
            assert!(
                finds(
                    c.port,
                    &format!("{prefix}-{i}"),
                    &format!("{word}{i}x"),
                    Some(last)
                )
                .unwrap(),
                "the replica started from the snapshot lacks {prefix}-{i}"
            );
        }
    }
    a.kill();
    c.kill();
}
