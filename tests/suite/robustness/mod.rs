//! Bad input never brings the service down: every malformed, mistyped, oversized, deeply
//! nested or otherwise hostile request gets a 4xx with the JSON error body
//! `{"error": {"code", "message", "field"}}` (405 from axum may have an empty body), never a
//! 5xx or a panic; and a failing import leaves the store exactly as it was.
//!
//! The battery goes through the real router in-process (reads against the shared fixture
//! engine; writes against a fresh in-memory engine per test, so that counts can be compared
//! while other tests run). The fuzz tests are seeded (`JALIN_FUZZ_SEED` replays a run) and
//! print every failing input.
//!
//! This file holds what every part shares: the verdicts, the request helpers, fresh engines
//! and the JSON mutations. The tests are in `battery` (bodies, query strings, paths,
//! methods, content types, tokens), `missions` (the planner and the deal-network reads),
//! `connections` (silent connections against the real server), `hardening` (headers,
//! the bearer scheme, request ids, hidden characters, empty queries),
//! `imports` (cut short and stalled) and `fuzz`.

mod battery;
mod connections;
mod fuzz;
mod hardening;
mod imports;
mod missions;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use jalin::engine::{Engine, EngineOptions};
use serde_json::{Value, json};

use crate::common::endpoints::send_to_every_write_endpoint;
use crate::common::{self, Reply, TOKEN, call, get, post_json, send};

// ---------------------------------------------------------------------------------------
// Verdicts.

/// Why a reply breaks the rules for any request: a 5xx, or a 4xx without the JSON error
/// body (an empty 405 from axum's method router is allowed).
fn broken(r: &Reply) -> Option<String> {
    let status = r.status.as_u16();
    let body = String::from_utf8_lossy(&r.body[..r.body.len().min(300)]).into_owned();
    if status >= 500 {
        return Some(format!("server error {status}: {body}"));
    }
    if !(400..500).contains(&status) {
        return None;
    }
    if status == 405 && r.body.is_empty() {
        return None;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&r.body) else {
        return Some(format!(
            "{status} without the JSON error body (content-type {:?}): {body:?}",
            r.content_type
        ));
    };
    let e = &v["error"];
    if e["code"].as_str().is_none_or(|c| c.is_empty())
        || e["message"].as_str().is_none_or(|m| m.is_empty())
    {
        return Some(format!(
            "{status} with an error body lacking code/message: {body}"
        ));
    }
    None
}

/// Why a reply to a request that must be refused is wrong: anything but a well-formed 4xx.
fn not_refused(r: &Reply) -> Option<String> {
    if !r.status.is_client_error() {
        let body = String::from_utf8_lossy(&r.body[..r.body.len().min(300)]).into_owned();
        return Some(format!("expected a 4xx, got {}: {body}", r.status.as_u16()));
    }
    broken(r)
}

/// Collects failures and reports them all at once.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, what: impl std::fmt::Display, verdict: Option<String>) {
        if let Some(why) = verdict {
            self.0.push(format!("{what}\n      -> {why}"));
        }
    }

    fn assert_none(self, battery: &str) {
        assert!(
            self.0.is_empty(),
            "{battery}: {} bad replies:\n  {}",
            self.0.len(),
            self.0.join("\n  ")
        );
    }
}

/// At most `n` characters of `s`, for messages.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}… ({} bytes)",
            s.chars().take(n).collect::<String>(),
            s.len()
        )
    }
}

// ---------------------------------------------------------------------------------------
// Requests.

fn request(
    method: &str,
    uri: &str,
    body: impl Into<Body>,
    content_type: Option<&str>,
    token: bool,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    if token {
        b = b.header("authorization", format!("Bearer {TOKEN}"));
    }
    b.body(body.into()).expect("request")
}

/// An engine of its own (in memory, empty) and its router, for tests that write.
fn fresh() -> (Arc<Engine>, Router) {
    let engine = Arc::new(crate::common::pg::in_memory(EngineOptions::default()));
    let app = jalin::api::router(engine.clone(), jalin::api::ApiConfig::new(TOKEN));
    (engine, app)
}

/// Businesses, deals and the change sequence of an engine, as /healthz reports them.
async fn counts(app: &Router) -> (u64, u64, u64) {
    let v = call(app, request("GET", "/healthz", Body::empty(), None, false))
        .await
        .json();
    (
        v["businesses"].as_u64().expect("businesses"),
        v["deals"].as_u64().expect("deals"),
        v["last_seq"].as_u64().expect("last_seq"),
    )
}

fn business_json(id: &str) -> String {
    json!({"id": id, "name": format!("UD {id}"), "kind": "umkm", "province": "35",
           "offers": [{"commodity": "bawang_merah", "title": "Bawang merah"}]})
    .to_string()
}

/// A fresh engine with two businesses, `rd-a` (Jawa Timur) and `rd-b` (NTB), for deals.
async fn fresh_with_two() -> (Arc<Engine>, Router) {
    let (engine, app) = fresh();
    let body = format!("{}\n{}\n", business_json("rd-a"), business_json("rd-b"));
    let r = call(&app, request("POST", "/v1/import", body, None, true)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    (engine, app)
}

// ---------------------------------------------------------------------------------------
// JSON mutation: every node of a valid document replaced by values of the wrong type or out
// of range. Raw JSON text is spliced in through a placeholder so that numbers serde_json
// cannot hold (1e400) can be sent too.

const PLACEHOLDER: &str = "\u{1}RAW\u{1}";

#[derive(Clone, Debug)]
enum Key {
    Field(String),
    Index(usize),
}

fn path_name(path: &[Key]) -> String {
    let mut s = String::new();
    for k in path {
        match k {
            Key::Field(f) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(f);
            }
            Key::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Every node below the root, with its path.
fn nodes(v: &Value) -> Vec<(Vec<Key>, Value)> {
    fn walk(v: &Value, path: &mut Vec<Key>, out: &mut Vec<(Vec<Key>, Value)>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    path.push(Key::Field(k.clone()));
                    out.push((path.clone(), child.clone()));
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    path.push(Key::Index(i));
                    out.push((path.clone(), child.clone()));
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn node_mut<'a>(v: &'a mut Value, path: &[Key]) -> &'a mut Value {
    let mut cur = v;
    for k in path {
        cur = match k {
            Key::Field(f) => cur.get_mut(f.as_str()).expect("field"),
            Key::Index(i) => cur.get_mut(*i).expect("index"),
        };
    }
    cur
}

/// `doc` with the node at `path` replaced by the raw JSON text `raw`.
fn splice(doc: &Value, path: &[Key], raw: &str) -> String {
    let mut v = doc.clone();
    *node_mut(&mut v, path) = Value::String(PLACEHOLDER.into());
    let text = v.to_string();
    let quoted = Value::String(PLACEHOLDER.into()).to_string();
    text.replacen(&quoted, raw, 1)
}

/// `doc` without the node at `path`.
fn without(doc: &Value, path: &[Key]) -> Value {
    let mut v = doc.clone();
    let (last, parent) = path.split_last().expect("not the root");
    let parent = node_mut(&mut v, parent);
    match last {
        Key::Field(f) => {
            parent.as_object_mut().expect("object").remove(f);
        }
        Key::Index(i) => {
            parent.as_array_mut().expect("array").remove(*i);
        }
    }
    v
}

/// Values of another type than `v` (never `null`, which optional fields accept).
fn wrong_types(v: &Value) -> Vec<&'static str> {
    match v {
        Value::String(_) => vec!["5", "true", "[\"x\"]", "{\"a\":1}"],
        Value::Number(_) => vec!["\"5\"", "true", "[5]", "{\"a\":1}", "\"\""],
        Value::Bool(_) => vec!["\"true\"", "1", "null", "[]"],
        // `[]` is left out: serde reads a struct from a sequence, so `"weights": []`
        // means the defaults.
        Value::Object(_) => vec!["\"x\"", "5", "true", "[\"x\", \"y\"]"],
        Value::Array(_) => vec!["\"x\"", "5", "{\"a\":1}", "[{\"a\":1}]", "[[]]"],
        Value::Null => vec![],
    }
}

/// Out-of-range numbers for a field, by the last part of its name.
fn bad_numbers(field: &str) -> &'static [&'static str] {
    match field {
        "limit" => &[
            "-1",
            "0",
            "1001",
            "1.5",
            "1e308",
            "1e400",
            "-1e400",
            "18446744073709551616",
            "-9223372036854775809",
        ],
        "relevance" | "advantage" | "relationship" | "logistics" | "fit" => &[
            "-1", "100.5", "1e308", "3.5e38", "1e400", "-1e400", "-1e308",
        ],
        "qty" => &["-1", "0", "-0", "1e13", "1e308", "1e400", "-1e400"],
        "value_idr" => &["-1", "-0.5", "1e17", "1e308", "1e400", "-1e400"],
        "min" | "max" => &["-1", "-1e308", "1e400", "-1e400"],
        _ => &[],
    }
}

/// The mutations of `doc` that must all be refused: each node given the wrong type, or an
/// out-of-range number, each required field dropped, an unknown field in each object.
fn refused_mutations(doc: &Value, required: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, node) in nodes(doc) {
        let name = path_name(&path);
        for raw in wrong_types(&node) {
            out.push((format!("{name} = {raw}"), splice(doc, &path, raw)));
        }
        if let Some(Key::Field(last)) = path.last() {
            for raw in bad_numbers(last) {
                out.push((format!("{name} = {raw}"), splice(doc, &path, raw)));
            }
            if required.contains(&name.as_str()) {
                out.push((format!("{name} missing"), without(doc, &path).to_string()));
                out.push((format!("{name} = null"), splice(doc, &path, "null")));
            }
        }
        if node.is_object() {
            let mut v = doc.clone();
            node_mut(&mut v, &path)
                .as_object_mut()
                .expect("object")
                .insert("bogus_field".into(), json!(1));
            out.push((format!("{name}.bogus_field = 1"), v.to_string()));
        }
    }
    let mut v = doc.clone();
    v.as_object_mut()
        .expect("object")
        .insert("bogus_field".into(), json!(1));
    out.push(("bogus_field = 1".into(), v.to_string()));
    out
}

/// `doc` with the node at `path` (dotted, `[i]` for indices) replaced by raw JSON.
fn with_raw(doc: &Value, path: &str, raw: &str) -> String {
    let keys: Vec<Key> = path
        .split('.')
        .flat_map(|part| {
            let mut keys = Vec::new();
            let (name, rest) = part.split_once('[').unwrap_or((part, ""));
            keys.push(Key::Field(name.to_string()));
            if !rest.is_empty() {
                keys.push(Key::Index(
                    rest.trim_end_matches(']').parse().expect("index"),
                ));
            }
            keys
        })
        .collect();
    splice(doc, &keys, raw)
}

fn full_match_request() -> Value {
    json!({
        "need": {"text": "bawang merah", "commodity": "bawang_merah", "province": "36",
                 "volume": {"qty": 5, "unit": "ton", "per": "month"},
                 "certifications": ["halal"]},
        "limit": 5,
        "filters": {"provinces": ["35", "52"], "island_groups": ["Jawa", "Bali-Nusa Tenggara"],
                    "kinds": ["umkm", "cooperative"], "certifications": ["halal"],
                    "min_capacity": {"qty": 1, "unit": "ton", "per": "month"},
                    "same_province": false},
        "weights": {"relevance": 1, "advantage": 0.6, "relationship": 0.5,
                    "logistics": 0.25, "fit": 0.25}
    })
}

fn full_business(id: &str) -> Value {
    json!({
        "id": id, "name": "UD Robust", "kind": "umkm", "province": "35", "city": "Malang",
        "description": "Petani bawang merah", "certifications": ["halal", "gap"],
        "offers": [{"id": format!("{id}-o1"), "commodity": "bawang_merah",
                    "title": "Bawang merah Batu", "description": "kering askip",
                    "capacity": {"qty": 5, "unit": "ton", "per": "month"},
                    "price": {"min": 20000, "max": 30000, "per": "kg"}}],
        "needs": [{"commodity": "pupuk", "title": "Pupuk NPK",
                   "volume": {"qty": 2, "unit": "ton", "per": "week"}}]
    })
}

fn full_deal() -> Value {
    json!({"buyer": "rd-a", "seller": "rd-b", "commodity": "bawang_merah",
           "value_idr": 1000000, "volume": {"qty": 1, "unit": "ton"},
           "date": "2024-05-01", "status": "completed", "mission": "m-2024"})
}

/// A small mission over fixture businesses: four from Jawa Timur, four from Banten.
fn full_mission() -> Value {
    json!({
        "name": "Misi Uji", "host_province": "36", "date": "2024-05-01", "venue": "Serang",
        "slots": {"start": "09:00", "minutes": 20, "count": 6,
                  "breaks": [{"after": 2, "minutes": 30}]},
        "tables": 4, "max_meetings": 4,
        "participants": [
            {"id": "jt-00028", "side": "origin"},
            {"id": "jt-00031", "side": "origin", "available": [[0, 3]], "max_meetings": 2},
            {"id": "jt-00051", "side": "origin", "name": "Peserta", "province": "35"},
            {"id": "jt-00059"},
            {"id": "bt-00002", "side": "host"},
            {"id": "bt-00004", "side": "host"},
            {"id": "bt-00007", "side": "host"},
            {"id": "bt-00009", "side": "host"}
        ],
        "requests": [{"a": "jt-00028", "b": "bt-00002", "priority": "must"},
                     {"a": "jt-00031", "b": "bt-00004"}],
        "blocked": [["jt-00051", "bt-00007"]],
        "preferences": [{"a": "jt-00059", "b": "bt-00009", "weight": 3.5, "topic": "beras"}],
        "preferences_only": false
    })
}
