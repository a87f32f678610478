//! The crash test: the server as a child process, writes from several clients,
//! `kill -9` at random moments, restart, and a check that every acknowledged write is in the
//! store, the index and the deal counts.
//!
//! Run by `.ci/run` against the binary `cargo test` builds (dev profile, opt-level 1; add
//! `--release` to test a release build):
//!
//! ```text
//! cargo test --locked --test crash -- --ignored --nocapture
//! ```
//!
//! `JALIN_CRASH_SEED` replays a run (the seed is printed first), `JALIN_CRASH_CYCLES` sets the
//! number of kills (40 by default; the requirement is at least 20), and
//! `JALIN_CRASH_SABOTAGE=wal` checks the checks: it deletes SQLite's write-ahead log after
//! each kill, and the test must then fail, listing the writes lost.
//!
//! A write counts as acknowledged only when its whole response, with a 2xx status, was read.
//! A write whose response was cut off by the kill may or may not have happened; the check
//! accepts either outcome for it (and an import must be all there or not at all), but an
//! acknowledged write must be visible after every restart:
//!
//! - `GET /v1/businesses/{id}` returns the last acknowledged version (or 404 after an
//!   acknowledged DELETE), and the business count in `/healthz` matches;
//! - `GET /v1/search?q=WORD` finds it by the unique word of its last version (and no longer
//!   finds a deleted one): the index caught up with the store;
//! - every acknowledged deal is counted in `/healthz` (`deals`, and `network_deals` for those
//!   between live businesses), and still holds its id (re-posting it with that id is refused
//!   as a duplicate); when `GET /v1/businesses/{id}/network` exists, the buyer's partners
//!   include the seller with at least as many deals;
//! - `last_seq == index_seq` in `/healthz`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::http::Response;
use common::rng::Rng;
use common::server::{Server, binary, log_tail};

const TOKEN: &str = "crash-test-token";
const CLIENTS: usize = 4;
const DEFAULT_CYCLES: usize = 40;
/// How long a start may take: the first loads the fixtures.
const START_TIMEOUT: Duration = Duration::from_secs(180);

const PROVINCES: &[&str] = &["35", "36", "33", "52", "11", "32", "73", "94"];
const COMMODITIES: &[&str] = &["bawang_merah", "cabai_rawit", "beras", "kopi"];
const KINDS: &[&str] = &["umkm", "bumd", "cooperative", "association", "corporate"];
const STATUSES: &[&str] = &["completed", "failed", "mou"];

// ---------------------------------------------------------------------------------------
// Requests (the client is `common::http`) and the server (`common::server`).

/// Sends one request to the server on `port` and reads the whole response. An error means no
/// complete response was read (refused, reset, cut off, timed out).
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
    key: Option<&str>,
) -> std::io::Result<Response> {
    let bearer = key.map(|k| format!("Bearer {k}"));
    let mut headers = Vec::new();
    if let Some(b) = &bearer {
        headers.push(("Authorization", b.as_str()));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method != "GET" {
        headers.push(("Content-Type", "application/json"));
    }
    common::http::request(
        &format!("127.0.0.1:{port}"),
        method,
        path,
        &headers,
        body.as_bytes(),
    )
}

/// Starts the server on `data` and waits for it.
fn start_ready(data: &Path, log: &Path) -> (Server, Value) {
    // The load comes from one address at full speed: no per-client rate limit, so that every
    // write is attempted (the test is about what survives a kill, not about 429s).
    common::server::start_ready(
        data,
        log,
        TOKEN,
        &[("JALIN_RATE_LIMIT", "0")],
        START_TIMEOUT,
    )
}

/// The end of the server log, for a failure message.
fn server_log_tail(log: &Path) -> String {
    format!("--- server log (last lines) ---\n{}", log_tail(log, 40))
}

// ---------------------------------------------------------------------------------------
// What the clients did, and what must therefore be there.

/// A business as far as the test knows it: absent, or present with the unique word of its
/// last version.
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Absent,
    Present(String),
}

#[derive(Debug)]
struct Tracked {
    /// After the last acknowledged write (or as last observed after a restart).
    state: State,
    /// What unacknowledged writes since then would have made it.
    maybe: Vec<State>,
    /// Every word it was ever written with, for the checks on deleted businesses.
    words: Vec<String>,
    /// Deleted for sure (an acknowledged DELETE, or seen gone after it existed): its id is
    /// retired, and creating it again must be refused with 409.
    retired: bool,
}

#[derive(Debug, Clone)]
struct DealRecord {
    id: String,
    buyer: String,
    seller: String,
    body: Value,
    cycle: usize,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    puts: u64,
    deletes: u64,
    deals: u64,
    imports: u64,
    unacknowledged: u64,
    /// PUTs of retired ids refused with 409, as they must be.
    retired_refused: u64,
    /// Imports answered 503 (another import was running), which must have written nothing.
    busy: u64,
    /// Missions created and commitments recorded.
    missions: u64,
    commitments: u64,
}

impl Tally {
    fn acknowledged(&self) -> u64 {
        self.puts + self.deletes + self.deals + self.imports + self.missions + self.commitments
    }

    fn add(&mut self, o: &Tally) {
        self.puts += o.puts;
        self.deletes += o.deletes;
        self.deals += o.deals;
        self.imports += o.imports;
        self.unacknowledged += o.unacknowledged;
        self.retired_refused += o.retired_refused;
        self.busy += o.busy;
        self.missions += o.missions;
        self.commitments += o.commitments;
    }
}

/// How a write ended.
enum Outcome {
    /// The whole response was read, with a 2xx status.
    Acked(Response),
    /// No complete response: it may or may not have happened.
    Unknown,
    /// A complete non-2xx response.
    Refused(Response),
}

struct Client {
    ix: usize,
    tag: String,
    /// The key this client writes with, and its id as the audit trail names it.
    key: String,
    key_id: String,
    next: u64,
    businesses: BTreeMap<String, Tracked>,
    deals: Vec<DealRecord>,
    /// Acknowledged missions: id, name, and the ids of their acknowledged commitments.
    missions: Vec<(String, String, Vec<String>)>,
    /// Acknowledged meeting requests: (mission id, request id), accepted when `true` was
    /// acknowledged too.
    requests: Vec<(String, String, bool)>,
    /// Deals whose response was lost, and all-or-nothing imports whose response was lost.
    unknown_deals: u64,
    unknown_imports: Vec<Vec<String>>,
    tally: Tally,
    /// Surprises during the load: refused or failed writes (each fails the test).
    errors: Vec<String>,
}

fn write(port: u16, key: &str, method: &str, path: &str, body: Option<&str>) -> Outcome {
    match http(port, method, path, body, Some(key)) {
        Err(_) => Outcome::Unknown,
        Ok(r) if (200..300).contains(&r.status) => Outcome::Acked(r),
        Ok(r) => Outcome::Refused(r),
    }
}

impl Client {
    fn new(ix: usize, tag: &str, key: String, key_id: String) -> Client {
        Client {
            ix,
            tag: tag.to_string(),
            key,
            key_id,
            next: 0,
            businesses: BTreeMap::new(),
            deals: Vec::new(),
            missions: Vec::new(),
            requests: Vec::new(),
            unknown_deals: 0,
            unknown_imports: Vec::new(),
            tally: Tally::default(),
            errors: Vec::new(),
        }
    }

    fn fresh(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn new_id(&mut self) -> String {
        let n = self.fresh();
        format!("c{}-{n}", self.ix)
    }

    /// A word no other write uses: digits keep it out of stemming and typo matching.
    fn word(&mut self) -> String {
        let n = self.fresh();
        format!("zq{}c{}n{n}", self.tag, self.ix)
    }

    /// Ids deleted for sure, with nothing unsettled about them.
    fn retired(&self) -> Vec<String> {
        self.businesses
            .iter()
            .filter(|(_, t)| t.retired && t.maybe.is_empty() && t.state == State::Absent)
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn present(&self) -> Vec<String> {
        self.businesses
            .iter()
            .filter(|(_, t)| t.maybe.is_empty() && matches!(t.state, State::Present(_)))
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn business_body(rng: &mut Rng, id: &str, word: &str) -> Value {
        let mut b = json!({
            "id": id, "name": format!("UD {word}"), "kind": rng.pick(KINDS),
            "province": rng.pick(PROVINCES), "city": "Kota Uji",
            "offers": [{"commodity": rng.pick(COMMODITIES), "title": format!("Produk {word}"),
                        "capacity": {"qty": rng.range(1, 90), "unit": "ton", "per": "month"}}]
        });
        if rng.below(2) == 0 {
            b["needs"] = json!([{"commodity": rng.pick(COMMODITIES), "title": "Pasokan rutin",
                                 "volume": {"qty": rng.range(1, 20), "unit": "ton"}}]);
        }
        b
    }

    /// Runs writes until `stop` (the kill) or until a write gets no complete response.
    fn run(&mut self, port: u16, seed: u64, cycle: usize, stop: &AtomicBool) {
        let mut rng = Rng::new(seed);
        while !stop.load(Ordering::Relaxed) {
            let present = self.present();
            let roll = rng.below(100);
            let go_on = if roll < 40 || present.len() < 2 {
                let id = self.new_id();
                self.put(&mut rng, port, &id, 201)
            } else if roll < 58 {
                let id = rng.pick(&present).clone();
                self.put(&mut rng, port, &id, 200)
            } else if roll < 68 {
                let id = rng.pick(&present).clone();
                self.delete(port, &id)
            } else if roll < 73 {
                // A deleted business's id is retired: creating it again is refused (409) and
                // stores nothing, across crashes too.
                let retired = self.retired();
                if retired.is_empty() {
                    let id = self.new_id();
                    self.put(&mut rng, port, &id, 201)
                } else {
                    let id = rng.pick(&retired).clone();
                    self.put_retired(&mut rng, port, &id)
                }
            } else if roll < 91 {
                let buyer = rng.pick(&present).clone();
                let seller = loop {
                    let s = rng.pick(&present).clone();
                    if s != buyer {
                        break s;
                    }
                };
                self.deal(&mut rng, port, &buyer, &seller, cycle)
            } else if roll < 95 {
                let a = rng.pick(&present).clone();
                let b = loop {
                    let s = rng.pick(&present).clone();
                    if s != a {
                        break s;
                    }
                };
                self.mission(port, &a, &b)
            } else {
                self.import(&mut rng, port, cycle)
            };
            if !go_on {
                return;
            }
        }
    }

    /// Notes a write's new state for `id`; returns whether to go on.
    fn settle(&mut self, id: &str, new: State, outcome: Outcome, expect: u16, what: &str) -> bool {
        let tracked = self
            .businesses
            .entry(id.to_string())
            .or_insert_with(|| Tracked {
                state: State::Absent,
                maybe: Vec::new(),
                words: Vec::new(),
                retired: false,
            });
        if let State::Present(w) = &new {
            tracked.words.push(w.clone());
        }
        match outcome {
            Outcome::Acked(r) => {
                if what == "DELETE" && r.status == 204 {
                    tracked.retired = true;
                }
                tracked.state = new;
                tracked.maybe.clear();
                if r.status != expect {
                    self.errors.push(format!(
                        "{what} {id}: {} where {expect} was expected (the store disagrees with \
                         the acknowledged history)",
                        r.status
                    ));
                }
                true
            }
            Outcome::Unknown => {
                tracked.maybe.push(new);
                self.tally.unacknowledged += 1;
                false
            }
            Outcome::Refused(r) => {
                if r.status >= 500 {
                    // Ours to fix, and it may have been stored anyway.
                    tracked.maybe.push(new);
                }
                self.errors
                    .push(format!("{what} {id}: refused {}: {}", r.status, r.text()));
                true
            }
        }
    }

    fn put(&mut self, rng: &mut Rng, port: u16, id: &str, expect: u16) -> bool {
        let word = self.word();
        let body = Client::business_body(rng, id, &word).to_string();
        let outcome = write(
            port,
            &self.key,
            "PUT",
            &format!("/v1/businesses/{id}"),
            Some(&body),
        );
        if matches!(outcome, Outcome::Acked(_)) {
            self.tally.puts += 1;
        }
        self.settle(id, State::Present(word), outcome, expect, "PUT")
    }

    /// PUT of a retired id: must be refused with 409, the id staying absent.
    fn put_retired(&mut self, rng: &mut Rng, port: u16, id: &str) -> bool {
        let word = self.word();
        let body = Client::business_body(rng, id, &word).to_string();
        match write(
            port,
            &self.key,
            "PUT",
            &format!("/v1/businesses/{id}"),
            Some(&body),
        ) {
            Outcome::Refused(r) if r.status == 409 => {
                self.tally.retired_refused += 1;
                true
            }
            Outcome::Unknown => {
                // Cut off by the kill: it must not have been stored either; the check after the
                // restart holds it to Absent.
                self.tally.unacknowledged += 1;
                false
            }
            Outcome::Acked(r) | Outcome::Refused(r) => {
                self.errors.push(format!(
                    "PUT of the retired id {id}: {} where 409 was expected: {}",
                    r.status,
                    r.text()
                ));
                if r.status < 300 {
                    // It was stored: track it so the checks stay consistent.
                    if let Some(t) = self.businesses.get_mut(id) {
                        t.words.push(word.clone());
                        t.state = State::Present(word);
                    }
                }
                true
            }
        }
    }

    fn delete(&mut self, port: u16, id: &str) -> bool {
        let outcome = write(
            port,
            &self.key,
            "DELETE",
            &format!("/v1/businesses/{id}"),
            None,
        );
        if matches!(outcome, Outcome::Acked(_)) {
            self.tally.deletes += 1;
        }
        self.settle(id, State::Absent, outcome, 204, "DELETE")
    }

    fn deal(&mut self, rng: &mut Rng, port: u16, buyer: &str, seller: &str, cycle: usize) -> bool {
        let mut body = json!({
            "buyer": buyer, "seller": seller, "commodity": rng.pick(COMMODITIES),
            "value_idr": rng.range(1_000, 5_000_000_000), "date": "2024-05-01",
            "status": rng.pick(STATUSES)
        });
        if rng.below(2) == 0 {
            let n = self.fresh();
            body["id"] = json!(format!("dl-{}-c{}-{n}", self.tag, self.ix));
        }
        match write(
            port,
            &self.key,
            "POST",
            "/v1/deals",
            Some(&body.to_string()),
        ) {
            Outcome::Acked(r) => {
                let v = r.json();
                let Some(id) = v["id"].as_str() else {
                    self.errors
                        .push(format!("POST /v1/deals: 2xx without an id: {}", r.text()));
                    return true;
                };
                if body
                    .get("id")
                    .is_some_and(|given| given.as_str() != Some(id))
                {
                    self.errors.push(format!(
                        "POST /v1/deals: asked for {}, got {id}",
                        body["id"]
                    ));
                }
                if r.status != 201 {
                    self.errors.push(format!(
                        "POST /v1/deals: {} where 201 was expected",
                        r.status
                    ));
                }
                self.tally.deals += 1;
                self.deals.push(DealRecord {
                    id: id.to_string(),
                    buyer: buyer.to_string(),
                    seller: seller.to_string(),
                    body,
                    cycle,
                });
                true
            }
            Outcome::Unknown => {
                self.unknown_deals += 1;
                self.tally.unacknowledged += 1;
                false
            }
            Outcome::Refused(r) => {
                if r.status >= 500 {
                    self.unknown_deals += 1;
                }
                self.errors.push(format!(
                    "POST /v1/deals {buyer} -> {seller}: refused {}: {}",
                    r.status,
                    r.text()
                ));
                true
            }
        }
    }

    /// Imports three new businesses and a deal between two of them, all or nothing.
    /// A stored mission of two present businesses, then a commitment between them (an
    /// investment: not recorded as a deal, so the deal counts stay the deal writes').
    fn mission(&mut self, port: u16, a: &str, b: &str) -> bool {
        let name = format!("Misi {}", self.word());
        let spec = json!({
            "name": name, "host_province": "36", "organiser": "35", "date": "2026-12-03",
            "slots": {"start": "09:00", "minutes": 20, "count": 4}, "tables": 2,
            "max_meetings": 2,
            "participants": [{"id": a, "side": "origin"}, {"id": b, "side": "host"}]
        });
        let id = match self.expect(port, "/v1/missions", Some(&spec.to_string()), 201) {
            Ok(r) => {
                let id = r.json()["id"].as_str().unwrap_or_default().to_string();
                self.tally.missions += 1;
                self.missions.push((id.clone(), name, Vec::new()));
                id
            }
            Err(alive) => return alive,
        };
        let commitment = json!({"kind": "investment", "commodity": "beras",
                                "value_idr": 1.0e8, "a": a, "b": b});
        let path = format!("/v1/missions/{id}/commitments");
        let alive = match self.expect(port, &path, Some(&commitment.to_string()), 201) {
            Ok(r) => {
                let c = r.json()["id"].as_str().unwrap_or_default().to_string();
                self.tally.commitments += 1;
                if let Some(m) = self.missions.last_mut() {
                    m.2.push(c);
                }
                true
            }
            Err(alive) => alive,
        };
        alive && self.meeting_request(port, &id, a, b)
    }

    /// A meeting request of `a` to `b` on mission `id`, then its acceptance (both kept in
    /// the mission's document).
    fn meeting_request(&mut self, port: u16, id: &str, a: &str, b: &str) -> bool {
        let path = format!("/v1/missions/{id}/requests");
        let body = json!({"a": a, "b": b, "priority": "must"}).to_string();
        let rid = match self.expect(port, &path, Some(&body), 201) {
            Ok(r) => {
                let rid = r.json()["id"].as_str().unwrap_or_default().to_string();
                self.requests.push((id.to_string(), rid.clone(), false));
                rid
            }
            Err(alive) => return alive,
        };
        let path = format!("/v1/missions/{id}/requests/{rid}/accept");
        match self.expect(port, &path, None, 200) {
            Ok(_) => {
                if let Some(q) = self.requests.last_mut() {
                    q.2 = true;
                }
                true
            }
            Err(alive) => alive,
        }
    }

    /// POSTs `body` to `path`: the response when it is acknowledged with `status`; else
    /// `Err(alive)` after counting it — busy (503) or an error (another status) with the
    /// server alive, or cut off by a kill (`Err(false)`).
    fn expect(
        &mut self,
        port: u16,
        path: &str,
        body: Option<&str>,
        status: u16,
    ) -> Result<Response, bool> {
        match write(port, &self.key, "POST", path, body) {
            Outcome::Acked(r) if r.status == status => Ok(r),
            Outcome::Acked(r) | Outcome::Refused(r) => {
                if r.status == 503 {
                    self.tally.busy += 1;
                } else {
                    self.errors
                        .push(format!("POST {path}: {} {}", r.status, r.text()));
                }
                Err(true)
            }
            Outcome::Unknown => {
                self.tally.unacknowledged += 1;
                Err(false)
            }
        }
    }

    fn import(&mut self, rng: &mut Rng, port: u16, cycle: usize) -> bool {
        let mut lines = Vec::new();
        let mut members = Vec::new();
        for _ in 0..3 {
            let id = self.new_id();
            let word = self.word();
            lines.push(Client::business_body(rng, &id, &word).to_string());
            members.push((id, word));
        }
        let n = self.fresh();
        let deal = json!({
            "id": format!("dl-{}-c{}-{n}", self.tag, self.ix),
            "buyer": members[0].0, "seller": members[1].0, "commodity": "beras",
            "value_idr": rng.range(1_000, 5_000_000_000), "date": "2024-06-01",
            "status": "mou"
        });
        lines.push(deal.to_string());
        let body = lines.join("\n") + "\n";
        let outcome = write(port, &self.key, "POST", "/v1/import", Some(&body));
        let ids: Vec<String> = members.iter().map(|(id, _)| id.clone()).collect();
        match outcome {
            Outcome::Acked(r) => {
                self.tally.imports += 1;
                for (id, word) in &members {
                    self.settle(
                        id,
                        State::Present(word.clone()),
                        Outcome::Acked(Response {
                            status: 201,
                            headers: Vec::new(),
                            body: Vec::new(),
                        }),
                        201,
                        "import",
                    );
                }
                let v = r.json();
                if v["businesses"] != 3 || v["deals"] != 1 {
                    self.errors
                        .push(format!("POST /v1/import: unexpected stats {}", r.text()));
                }
                self.deals.push(DealRecord {
                    id: deal["id"].as_str().unwrap_or_default().to_string(),
                    buyer: members[0].0.clone(),
                    seller: members[1].0.clone(),
                    body: deal,
                    cycle,
                });
                true
            }
            Outcome::Refused(r) if r.status == 503 => {
                // Another client's import was running (one at a time) or the store was busy:
                // a 503 wrote nothing, and the checks hold its businesses to absent.
                for (id, word) in &members {
                    self.businesses.insert(
                        id.clone(),
                        Tracked {
                            state: State::Absent,
                            maybe: Vec::new(),
                            words: vec![word.clone()],
                            retired: false,
                        },
                    );
                }
                self.tally.busy += 1;
                true
            }
            Outcome::Unknown | Outcome::Refused(_) => {
                let refused = match &outcome {
                    Outcome::Refused(r) => Some((r.status, r.text())),
                    _ => None,
                };
                for (id, word) in &members {
                    self.businesses.insert(
                        id.clone(),
                        Tracked {
                            state: State::Absent,
                            maybe: vec![State::Present(word.clone())],
                            words: vec![word.clone()],
                            retired: false,
                        },
                    );
                }
                self.unknown_imports.push(ids);
                self.unknown_deals += 1;
                match refused {
                    None => {
                        self.tally.unacknowledged += 1;
                        false
                    }
                    Some((status, text)) => {
                        self.errors
                            .push(format!("POST /v1/import: refused {status}: {text}"));
                        true
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The check after a restart.

struct Check<'a> {
    port: u16,
    /// Reads are anonymous, except the audit trail's (the bootstrap admin token).
    key: Option<&'a str>,
    lost: &'a mut Vec<String>,
}

impl Check<'_> {
    fn get(&mut self, path: &str) -> Option<Response> {
        match http(self.port, "GET", path, None, self.key) {
            Ok(r) => Some(r),
            Err(e) => {
                self.lost.push(format!(
                    "GET {path}: no answer from the restarted server: {e}"
                ));
                None
            }
        }
    }

    /// The state the store shows for `id`.
    fn observe(&mut self, id: &str, words: &[String]) -> Option<State> {
        let r = self.get(&format!("/v1/businesses/{id}"))?;
        match r.status {
            404 => Some(State::Absent),
            200 => {
                let v = r.json();
                let title = v["offers"][0]["title"].as_str().unwrap_or("");
                match words
                    .iter()
                    .find(|w| title.split(' ').any(|t| t == w.as_str()))
                {
                    Some(w) => Some(State::Present(w.clone())),
                    None => {
                        self.lost
                            .push(format!("{id}: a version no client wrote: {}", r.text()));
                        None
                    }
                }
            }
            s => {
                self.lost
                    .push(format!("GET /v1/businesses/{id}: {s}: {}", r.text()));
                None
            }
        }
    }

    /// Whether a search for `word` returns `id`.
    fn found(&mut self, word: &str, id: &str) -> Option<bool> {
        let r = self.get(&format!("/v1/search?q={word}&limit=50"))?;
        if r.status != 200 {
            self.lost.push(format!(
                "GET /v1/search?q={word}: {}: {}",
                r.status,
                r.text()
            ));
            return None;
        }
        let v = r.json();
        Some(
            v["results"]
                .as_array()
                .is_some_and(|a| a.iter().any(|h| h["business"]["id"] == id)),
        )
    }
}

/// What a check covered.
#[derive(Default)]
struct Checked {
    present: u64,
    graph_checked: u64,
    graph_route: Option<bool>,
    /// Acknowledged deals read back by id and compared field by field.
    deals_checked: u64,
    /// Of those, deals whose buyer or seller has since been deleted.
    deals_of_deleted: u64,
    /// Audit rows compared with the writes behind them.
    audited: u64,
    /// Acknowledged missions read back (with their commitments).
    missions_checked: u64,
}

/// Checks every business and deal the clients know of against the restarted server, and
/// settles each unacknowledged write to what the server shows.
fn check_all(
    port: u16,
    clients: &mut [Client],
    base: &Baseline,
    health: &Value,
    lost: &mut Vec<String>,
) -> Checked {
    let mut out = Checked::default();
    let mut c = Check {
        port,
        key: None,
        lost,
    };
    // Unacknowledged imports: all their businesses, or none.
    let mut observed: BTreeMap<String, State> = BTreeMap::new();
    for client in clients.iter_mut() {
        for (id, t) in client.businesses.iter_mut() {
            let Some(actual) = c.observe(id, &t.words) else {
                continue;
            };
            let mut allowed = vec![t.state.clone()];
            allowed.extend(t.maybe.iter().cloned());
            if !allowed.contains(&actual) {
                c.lost.push(match (&t.state, &actual) {
                    (State::Present(w), State::Absent) => {
                        format!("acknowledged PUT of {id} ({w}) lost: GET answers 404")
                    }
                    (State::Absent, State::Present(w)) => {
                        format!("acknowledged DELETE of {id} lost: it is back, as {w}")
                    }
                    (State::Present(w), State::Present(got)) => {
                        format!("acknowledged PUT of {id} ({w}) lost: the store has {got}")
                    }
                    _ => format!("{id}: {actual:?} not among {allowed:?}"),
                });
            }
            // The index must agree with the store.
            match &actual {
                State::Present(w) => {
                    out.present += 1;
                    if c.found(w, id) == Some(false) {
                        c.lost.push(format!(
                            "{id} ({w}) is in the store but a search for {w} does not find it \
                             (index behind the store)"
                        ));
                    }
                }
                State::Absent => {
                    if let Some(w) = t.words.last()
                        && c.found(w, id) == Some(true)
                    {
                        c.lost.push(format!(
                            "{id} is deleted but a search for {w} still finds it"
                        ));
                    }
                }
            }
            observed.insert(id.clone(), actual.clone());
            if actual == State::Absent && matches!(t.state, State::Present(_)) {
                // It existed and is gone: deleted, so retired.
                t.retired = true;
            }
            t.state = actual;
            t.maybe.clear();
        }
        for group in client.unknown_imports.drain(..) {
            let there = group
                .iter()
                .filter(|id| matches!(observed.get(*id), Some(State::Present(_))))
                .count();
            if there != 0 && there != group.len() {
                c.lost.push(format!(
                    "an import was half applied: {there} of {group:?} are there"
                ));
            }
        }
    }
    // Counts and sequences.
    let n = |k: &str| health[k].as_u64().unwrap_or(u64::MAX);
    if n("last_seq") != n("index_seq") {
        c.lost.push(format!(
            "after the restart the index is at {} but the store at {}",
            n("index_seq"),
            n("last_seq")
        ));
    }
    if n("businesses") != base.businesses + out.present {
        c.lost.push(format!(
            "/healthz counts {} businesses; the fixtures' {} and our {} present make {}",
            n("businesses"),
            base.businesses,
            out.present,
            base.businesses + out.present
        ));
    }
    let acked: u64 = clients.iter().map(|c| c.deals.len() as u64).sum();
    let unknown: u64 = clients.iter().map(|c| c.unknown_deals).sum();
    let deals = n("deals");
    let (lo, hi) = (base.deals + acked, base.deals + acked + unknown);
    if deals < lo || deals > hi {
        c.lost.push(format!(
            "/healthz counts {deals} deals; the fixtures' {} and our {acked} acknowledged \
             (+ up to {unknown} unacknowledged) make {lo}..={hi}",
            base.deals
        ));
    }
    // The deal network (rebuilt from the store on start) holds every acknowledged deal whose
    // parties both exist.
    if let (Some(net), Some(base_net)) = (health["network_deals"].as_u64(), base.network_deals) {
        let exists = |id: &str| matches!(observed.get(id), Some(State::Present(_)));
        let live = clients
            .iter()
            .flat_map(|c| &c.deals)
            .filter(|d| exists(&d.buyer) && exists(&d.seller))
            .count() as u64;
        if net < base_net + live || net > deals {
            c.lost.push(format!(
                "/healthz counts {net} deals in the network; the fixtures' {base_net} and our \
                 {live} acknowledged between live businesses make at least {}, and the store \
                 has {deals}",
                base_net + live
            ));
        }
    }
    // Each acknowledged deal reads back by id with what was sent, field by field, whether or
    // not its parties still exist (deals stay as history when a party is deleted).
    for client in clients.iter() {
        for d in &client.deals {
            let Some(r) = c.get(&format!("/v1/deals/{}", d.id)) else {
                continue;
            };
            out.deals_checked += 1;
            let deleted = [&d.buyer, &d.seller]
                .iter()
                .any(|id| !matches!(observed.get(id.as_str()), Some(State::Present(_))));
            out.deals_of_deleted += u64::from(deleted);
            if r.status != 200 {
                c.lost.push(format!(
                    "acknowledged deal {} ({} -> {}, cycle {}{}) lost: GET answers {} {}",
                    d.id,
                    d.buyer,
                    d.seller,
                    d.cycle,
                    if deleted {
                        ", a party since deleted"
                    } else {
                        ""
                    },
                    r.status,
                    r.text()
                ));
                continue;
            }
            let stored = r.json();
            for (field, sent) in d.body.as_object().into_iter().flatten() {
                let same = match (sent.as_f64(), stored[field].as_f64()) {
                    (Some(a), Some(b)) => a == b,
                    _ => stored[field] == *sent,
                };
                if !same {
                    c.lost.push(format!(
                        "acknowledged deal {}: {field} was sent as {sent}, the store has {}",
                        d.id, stored[field]
                    ));
                }
            }
        }
    }
    // Each acknowledged deal still holds its id: re-posting it with that id is refused as a
    // duplicate. (Only while both parties exist: otherwise an unknown party is refused
    // first.) A 201 means it was lost; the test fails then, so recreating it does no harm.
    for client in clients.iter() {
        for d in &client.deals {
            let exists = |id: &str| matches!(observed.get(id), Some(State::Present(_)));
            if !exists(&d.buyer) || !exists(&d.seller) {
                continue;
            }
            let mut body = d.body.clone();
            body["id"] = json!(d.id);
            match http(
                port,
                "POST",
                "/v1/deals",
                Some(&body.to_string()),
                Some(&client.key),
            ) {
                Ok(r) if r.status == 400 && r.json()["error"]["field"] == "id" => {}
                Ok(r) if r.status == 201 => c.lost.push(format!(
                    "acknowledged deal {} ({} -> {}, cycle {}) lost: its id was free",
                    d.id, d.buyer, d.seller, d.cycle
                )),
                Ok(r) => c.lost.push(format!(
                    "re-posting deal {}: {} {} (expected 400 on field id)",
                    d.id,
                    r.status,
                    r.text()
                )),
                Err(e) => c.lost.push(format!("re-posting deal {}: {e}", d.id)),
            }
        }
    }
    // The deal network, when the API exposes it: the buyer's partners include the seller,
    // with at least the acknowledged deals between them.
    let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
    for client in clients.iter() {
        for d in &client.deals {
            *pairs
                .entry((d.buyer.clone(), d.seller.clone()))
                .or_default() += 1;
        }
    }
    let buyers: BTreeSet<String> = pairs.keys().map(|(b, _)| b.clone()).collect();
    for buyer in buyers {
        if out.graph_route == Some(false) {
            break;
        }
        if !matches!(observed.get(&buyer), Some(State::Present(_))) {
            continue;
        }
        let Some(r) = c.get(&format!("/v1/businesses/{buyer}/network?limit=1000")) else {
            continue;
        };
        if r.status == 404
            && r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no such route"))
        {
            out.graph_route = Some(false);
            break;
        }
        out.graph_route = Some(true);
        if r.status != 200 {
            c.lost.push(format!(
                "GET /v1/businesses/{buyer}/network: {} {}",
                r.status,
                r.text()
            ));
            continue;
        }
        let v = r.json();
        for ((b, seller), count) in pairs.range((buyer.clone(), String::new())..) {
            if *b != buyer {
                break;
            }
            if !matches!(observed.get(seller), Some(State::Present(_))) {
                continue;
            }
            out.graph_checked += 1;
            let partner = v["partners"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["id"] == seller.as_str()));
            let deals = partner.map_or(0, |p| {
                ["completed", "failed", "mou"]
                    .iter()
                    .map(|k| p[*k].as_u64().unwrap_or(0))
                    .sum()
            });
            if deals < *count {
                c.lost.push(format!(
                    "the deal network shows {deals} deals {buyer} -> {seller}; {count} were \
                     acknowledged"
                ));
            }
        }
    }
    out.missions_checked = check_missions(&mut c, clients);
    out.audited = check_audit(&mut c, clients, &observed);
    out
}

/// Every acknowledged mission is there with its name, and lists every acknowledged
/// commitment and meeting request of it (accepted when the acceptance was acknowledged).
/// Returns the missions and requests compared.
fn check_missions(c: &mut Check, clients: &[Client]) -> u64 {
    c.key = Some(TOKEN);
    let mut checked = 0;
    for client in clients {
        for (id, name, commitments) in &client.missions {
            let Some(r) = c.get(&format!("/v1/missions/{id}")) else {
                continue;
            };
            checked += 1;
            if r.status != 200 || !r.text().contains(name.as_str()) {
                c.lost.push(format!(
                    "acknowledged mission {id} ({name}) lost: GET answers {} {}",
                    r.status,
                    r.text()
                ));
                continue;
            }
            let Some(r) = c.get(&format!("/v1/missions/{id}/commitments")) else {
                continue;
            };
            let listed: Vec<String> = r
                .json()
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["id"].as_str().map(str::to_string))
                .collect();
            for k in commitments {
                if !listed.contains(k) {
                    c.lost.push(format!(
                        "acknowledged commitment {k} of mission {id} lost: the mission lists \
                         {listed:?}"
                    ));
                }
            }
        }
    }
    for client in clients {
        for (id, rid, accepted) in &client.requests {
            let Some(r) = c.get(&format!("/v1/missions/{id}/requests")) else {
                continue;
            };
            let listed = r.json();
            let found = listed
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["id"] == rid.as_str());
            match found {
                None => c.lost.push(format!(
                    "acknowledged request {rid} of mission {id} lost: the mission lists {listed}"
                )),
                Some(x) if *accepted && x["status"] != "accepted" => c.lost.push(format!(
                    "acknowledged acceptance of request {rid} of mission {id} lost: {x}"
                )),
                Some(_) => checked += 1,
            }
        }
    }
    c.key = None;
    checked
}

/// The audit trail names the key behind every write, across the crashes: for each client,
/// the newest row about each of its present businesses was written with its key and holds
/// the record after the write; a business it deleted has a delete as its newest row; each
/// of its acknowledged deals has a row written with its key. Returns the rows compared.
fn check_audit(c: &mut Check, clients: &[Client], observed: &BTreeMap<String, State>) -> u64 {
    c.key = Some(TOKEN);
    let mut compared = 0;
    for client in clients {
        // Every row written with the client's key, newest first, a page at a time.
        let mut newest: BTreeMap<String, Value> = BTreeMap::new();
        let mut before: Option<u64> = None;
        loop {
            let mut path = format!("/v1/audit?key={}&limit=1000", client.key_id);
            if let Some(b) = before {
                path.push_str(&format!("&before={b}"));
            }
            let Some(r) = c.get(&path) else {
                c.key = None;
                return compared;
            };
            if r.status != 200 {
                c.lost
                    .push(format!("GET {path}: {} {}", r.status, r.text()));
                c.key = None;
                return compared;
            }
            let rows = r.json().as_array().cloned().unwrap_or_default();
            for row in &rows {
                if let Some(id) = row["entity_id"].as_str() {
                    newest.entry(id.to_string()).or_insert_with(|| row.clone());
                }
            }
            match rows.last().and_then(|r| r["id"].as_u64()) {
                Some(last) if rows.len() == 1000 => before = Some(last),
                _ => break,
            }
        }
        for (id, t) in &client.businesses {
            let row = newest.get(id);
            match (observed.get(id), row) {
                (Some(State::Present(_)), Some(row)) => {
                    compared += 1;
                    if row["entity"] != "business" || row["after"].as_str().is_none() {
                        c.lost.push(format!(
                            "{id} is present, but the newest audit row by {} is {row}",
                            client.key_id
                        ));
                    }
                }
                (Some(State::Present(_)), None) => c.lost.push(format!(
                    "{id} is present, but no audit row names {}, the key that wrote it",
                    client.key_id
                )),
                (Some(State::Absent), Some(row)) if t.retired => {
                    compared += 1;
                    if row["after"].as_str().is_some() {
                        c.lost.push(format!(
                            "{id} was deleted, but the newest audit row by {} is {row}",
                            client.key_id
                        ));
                    }
                }
                (Some(State::Absent), None) if t.retired => c.lost.push(format!(
                    "{id} was deleted, but no audit row names {}, the key that deleted it",
                    client.key_id
                )),
                _ => {}
            }
        }
        for d in &client.deals {
            compared += 1;
            if newest.get(&d.id).is_none_or(|row| row["entity"] != "deal") {
                c.lost.push(format!(
                    "acknowledged deal {} has no audit row naming {}, the key that wrote it",
                    d.id, client.key_id
                ));
            }
        }
    }
    c.key = None;
    compared
}

struct Baseline {
    businesses: u64,
    deals: u64,
    network_deals: Option<u64>,
}

// ---------------------------------------------------------------------------------------

#[test]
#[ignore = "slow: run by .ci/run (--ignored)"]
fn acknowledged_writes_survive_kill_9() {
    let started = Instant::now();
    let seed = std::env::var("JALIN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let cycles: usize = std::env::var("JALIN_CRASH_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CYCLES);
    println!(
        "crash test: seed {seed} (JALIN_CRASH_SEED={seed} replays it), {cycles} cycles, \
         binary {}",
        binary().display()
    );
    let mut rng = Rng::new(seed);
    let data = tempfile::tempdir().expect("data dir");
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("server.log");
    File::create(&log).expect("log");
    let tag = format!("{:04x}", seed % 0xffff);

    let mut lost: Vec<String> = Vec::new();
    let mut startup_kills = 0;
    let mut graph_checked = 0;
    let mut deals_checked = 0;
    let mut deals_of_deleted = 0;
    let mut graph_route = None;

    let (mut server, health) = start_ready(data.path(), &log);
    println!(
        "first start (fixtures loaded) in {:.1} s: {health}",
        started.elapsed().as_secs_f64()
    );
    // One client writes with the bootstrap token; each other with an admin key of its own,
    // created here (keys are records too: a lost one would make its client's writes 401).
    let mut clients: Vec<Client> = Vec::new();
    for i in 0..CLIENTS {
        let (key, key_id) = if i == 0 {
            (TOKEN.to_string(), "token".to_string())
        } else {
            let body = json!({"role": "admin", "label": format!("crash client {i}")});
            let r = http(
                server.port,
                "POST",
                "/v1/keys",
                Some(&body.to_string()),
                Some(TOKEN),
            )
            .expect("POST /v1/keys");
            assert_eq!(r.status, 201, "creating a key: {}", r.text());
            let v = r.json();
            (
                v["key"].as_str().expect("key").to_string(),
                v["id"].as_str().expect("id").to_string(),
            )
        };
        clients.push(Client::new(i, &tag, key, key_id));
    }
    let mut audited = 0;
    let mut missions_checked = 0;
    let base = Baseline {
        businesses: health["businesses"].as_u64().expect("businesses"),
        deals: health["deals"].as_u64().expect("deals"),
        network_deals: health["network_deals"].as_u64(),
    };

    for cycle in 0..cycles {
        // Load from every client, then SIGKILL after 50–600 ms.
        let port = server.port;
        let stop = AtomicBool::new(false);
        let load = Duration::from_millis(rng.range(50, 600));
        let seeds: Vec<u64> = (0..CLIENTS).map(|_| rng.next()).collect();
        let before: u64 = clients.iter().map(|c| c.tally.acknowledged()).sum();
        std::thread::scope(|s| {
            for (client, seed) in clients.iter_mut().zip(&seeds) {
                let stop = &stop;
                s.spawn(move || client.run(port, *seed, cycle, stop));
            }
            std::thread::sleep(load);
            server.proc.child.kill().expect("kill -9");
            stop.store(true, Ordering::Relaxed);
        });
        server.kill();
        let after: u64 = clients.iter().map(|c| c.tally.acknowledged()).sum();

        // A self-test of the checks: `JALIN_CRASH_SABOTAGE=wal` throws away SQLite's
        // write-ahead log after each kill, i.e. the last acknowledged commits; the test must
        // then report them lost.
        if std::env::var("JALIN_CRASH_SABOTAGE").as_deref() == Ok("wal") {
            let _ = std::fs::remove_file(data.path().join("jalin.db-wal"));
            let _ = std::fs::remove_file(data.path().join("jalin.db-shm"));
        }

        // Sometimes kill it again while it starts (catching the index up).
        if rng.below(4) == 0 {
            let s = Server::start(data.path(), &log, TOKEN, &[]);
            std::thread::sleep(Duration::from_millis(rng.range(0, 250)));
            s.kill();
            startup_kills += 1;
        }

        // Restart and check everything acknowledged so far.
        let (restarted, health) = start_ready(data.path(), &log);
        server = restarted;
        let before_lost = lost.len();
        let checked = check_all(server.port, &mut clients, &base, &health, &mut lost);
        graph_checked += checked.graph_checked;
        deals_checked += checked.deals_checked;
        deals_of_deleted += checked.deals_of_deleted;
        audited += checked.audited;
        missions_checked += checked.missions_checked;
        graph_route = graph_route.or(checked.graph_route);
        println!(
            "cycle {:2}: killed after {:3} ms, {:3} writes acknowledged, {} businesses of ours \
             present, {} problems",
            cycle + 1,
            load.as_millis(),
            after - before,
            checked.present,
            lost.len() - before_lost
        );
        if lost.len() - before_lost > 0 {
            for l in &lost[before_lost..] {
                println!("    {l}");
            }
        }
    }
    server.kill();

    let mut tally = Tally::default();
    let mut errors = Vec::new();
    for c in &clients {
        tally.add(&c.tally);
        errors.extend(c.errors.iter().cloned());
    }
    let graph = match graph_route {
        Some(true) => {
            format!("{graph_checked} buyer→seller checks against GET /v1/businesses/{{id}}/network")
        }
        Some(false) => {
            "deal network not checked (no GET /v1/businesses/{id}/network yet; deals checked by \
             count and id)"
                .to_string()
        }
        None => "deal network not checked (no pair to check)".to_string(),
    };
    println!(
        "crash test: {cycles} cycles (+{startup_kills} kills during start-up), {} acknowledged \
         writes ({} puts, {} deletes, {} deals, {} imports, {} missions, {} commitments), {} re-creations of deleted ids \
         refused, {} imports told to retry (503), {} unacknowledged at the kills, {} lost; {deals_checked} deal reads compared field by field ({deals_of_deleted} of deals \
         whose buyer or seller was deleted); {audited} audit rows naming the writing key \
         ({CLIENTS} keys); {missions_checked} mission reads with their commitments and requests; {graph}; seed {seed}, {:.0} s",
        tally.acknowledged(),
        tally.puts,
        tally.deletes,
        tally.deals,
        tally.imports,
        tally.missions,
        tally.commitments,
        tally.retired_refused,
        tally.busy,
        tally.unacknowledged,
        lost.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        tally.acknowledged() >= cycles as u64,
        "too few writes were acknowledged to mean anything"
    );
    assert!(
        tally.deals == 0 || deals_checked > 0,
        "acknowledged deals were never read back"
    );
    assert!(
        tally.acknowledged() == 0 || audited > 0,
        "the audit trail was never compared with the writes"
    );
    if !lost.is_empty() || !errors.is_empty() {
        panic!(
            "{} lost or inconsistent, {} refused writes (seed {seed}):\n  {}\n  {}\n{}",
            lost.len(),
            errors.len(),
            lost.join("\n  "),
            errors.join("\n  "),
            server_log_tail(&log)
        );
    }
}
