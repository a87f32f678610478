//! Fuzzing: seeded (`JALIN_FUZZ_SEED` replays a run), no new dependencies. Match requests,
//! searches, imports and mission plans built from mutated valid documents and random bytes
//! never get a 5xx or a malformed 4xx, and enough of them succeed to show the fuzzer reaches
//! the success path.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use super::*;
use crate::common::rng::Rng;

fn fuzz_seed(salt: u64) -> u64 {
    let seed = std::env::var("JALIN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6a61_6c69_6e21);
    println!("fuzz seed {seed} (set JALIN_FUZZ_SEED={seed} to replay)");
    seed ^ salt
}

const FIELD_NAMES: &[&str] = &[
    "need",
    "text",
    "commodity",
    "province",
    "volume",
    "qty",
    "unit",
    "per",
    "certifications",
    "buyer",
    "seller",
    "limit",
    "filters",
    "provinces",
    "island_groups",
    "kinds",
    "min_capacity",
    "same_province",
    "weights",
    "relevance",
    "advantage",
    "relationship",
    "logistics",
    "fit",
    "id",
    "name",
    "kind",
    "city",
    "description",
    "offers",
    "needs",
    "title",
    "capacity",
    "price",
    "min",
    "max",
    "value_idr",
    "date",
    "status",
    "mission",
    "",
    "__proto__",
    "ä",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "5",
    "20",
    "1.5",
    "0.25",
    "100",
    "1000",
    "1001",
    "10000",
    "1e308",
    "-1e308",
    "1e400",
    "-1e400",
    "1e-400",
    "5e-324",
    "3.5e38",
    "1E+2",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "0.1e1",
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "bawang merah",
    "bawang_merah",
    "cabai_rawit",
    "beras",
    "kopi",
    "35",
    "36",
    "52",
    "99",
    "3",
    "halal",
    "kosher",
    "ton",
    "kg",
    "bushel",
    "month",
    "week",
    "fortnight",
    "umkm",
    "cooperative",
    "UMKM",
    "Jawa",
    "Atlantis",
    "completed",
    "mou",
    "2024-05-01",
    "2023-02-29",
    "jt-00001",
    "ri-00001",
    "rd-a",
    "rd-b",
    "butuh 5 ton cabe rawit halal untuk restoran di Serang",
    "supplier shallots 2,5 kuintal per bulan",
    "1.500 kg sebulan",
    "5ton/minggu",
    "\\u0000",
    "\\ud83e\\uddc5",
    "\\ud800",
    "\\udc00\\ud800",
    "🧅🧅🧅",
    "e\u{301}\u{301}\u{301}",
    "ﷺ",
    "\u{202e}RTL",
    "bawang\u{200b}merah",
    "БАВАНГ",
    "ǅ",
    "İstanbul",
    "ß",
    "ﬃ",
    "%FF",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\\\"quoted\\\"",
    "tab\\there\\nnewline",
    "membutuhkan",
    "kauperbelanjakannya",
    "pengembalian",
    "memper",
    "mempermainkan",
    "keberhasilan",
    "diperdengarkan",
];

/// Words made of Indonesian affixes around short roots, for the stemmer.
fn affixed_word(rng: &mut Rng) -> String {
    const PREFIXES: &[&str] = &[
        "", "me", "mem", "men", "meng", "meny", "menge", "pe", "pem", "pen", "peng", "peny",
        "penge", "per", "ber", "be", "bel", "ter", "te", "di", "ke", "se", "ku", "kau", "mempe",
        "memper", "diper", "keber",
    ];
    const ROOTS: &[&str] = &[
        "", "a", "i", "r", "ng", "ny", "ajar", "ambil", "tani", "kopi", "rasa", "r", "l", "e", "k",
        "p", "s", "t", "lah", "kan", "an", "nya", "kah", "pun",
    ];
    const SUFFIXES: &[&str] = &[
        "", "kan", "an", "i", "nya", "lah", "kah", "pun", "ku", "mu", "tah",
    ];
    let mut w = String::new();
    for _ in 0..1 + rng.below(3) {
        w.push_str(rng.pick::<&str>(PREFIXES));
    }
    w.push_str(rng.pick::<&str>(ROOTS));
    if rng.chance(4) {
        for _ in 0..rng.below(4) {
            w.push((b'a' + rng.below(26) as u8) as char);
        }
    }
    for _ in 0..rng.below(4) {
        w.push_str(rng.pick::<&str>(SUFFIXES));
    }
    if rng.chance(8) {
        w.push('-');
        w.push_str(rng.pick::<&str>(SUFFIXES));
    }
    w
}

/// A random string's JSON text (quoted), with unicode, escapes and affixed words.
fn json_string(rng: &mut Rng) -> String {
    let inner = match rng.below(6) {
        0 | 1 => rng.pick(STRINGS).to_string(),
        2 => (0..1 + rng.below(6))
            .map(|_| affixed_word(rng))
            .collect::<Vec<_>>()
            .join(" "),
        3 => {
            let mut s = String::new();
            for _ in 0..rng.below(20) {
                let c = match rng.below(5) {
                    0 => char::from_u32(0x20 + rng.below(0x5f) as u32),
                    1 => char::from_u32(0xa0 + rng.below(0x700) as u32),
                    2 => char::from_u32(0x4e00 + rng.below(0x500) as u32),
                    3 => char::from_u32(0x1f300 + rng.below(0x300) as u32),
                    _ => char::from_u32(rng.below(0x110000) as u32),
                };
                match c {
                    Some('"') | Some('\\') => s.push_str("\\\\"),
                    Some(c) if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
                    Some(c) => s.push(c),
                    None => {}
                }
            }
            s
        }
        4 => "ab ".repeat(rng.below(600)),
        _ => format!("{} {}", rng.pick(STRINGS), rng.pick(STRINGS)),
    };
    format!("\"{inner}\"")
}

/// A random JSON value's text, nested up to `depth`.
fn json_value(rng: &mut Rng, depth: usize) -> String {
    let kinds = if depth == 0 { 4 } else { 7 };
    match rng.below(kinds) {
        0 => rng.pick(&["null", "true", "false"]).to_string(),
        1 => {
            if rng.chance(3) {
                format!("{}", rng.next() as i64 % 100_000)
            } else {
                rng.pick(NUMBERS).to_string()
            }
        }
        2 | 3 => json_string(rng),
        4 => {
            let n = rng.below(5);
            let items: Vec<String> = (0..n).map(|_| json_value(rng, depth - 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let n = rng.below(6);
            let items: Vec<String> = (0..n)
                .map(|_| {
                    let key = if rng.chance(5) {
                        json_string(rng)
                    } else {
                        format!("\"{}\"", rng.pick(FIELD_NAMES))
                    };
                    format!("{key}:{}", json_value(rng, depth - 1))
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

/// A valid document with one to three random changes: a node dropped, replaced by a random
/// value (any type, any number), an unknown field added, a string given unicode, or a key
/// duplicated.
fn mutated(rng: &mut Rng, doc: &Value) -> String {
    let mut v = doc.clone();
    let mut raw: Option<(String, String)> = None;
    for _ in 0..1 + rng.below(3) {
        let all = nodes(&v);
        if all.is_empty() {
            break;
        }
        let (path, node) = all[rng.below(all.len())].clone();
        match rng.below(6) {
            0 => v = without(&v, &path),
            1 | 2 => {
                let text = json_value(rng, 2);
                match serde_json::from_str::<Value>(&text) {
                    Ok(parsed) => *node_mut(&mut v, &path) = parsed,
                    Err(_) if raw.is_none() => {
                        *node_mut(&mut v, &path) = Value::String(PLACEHOLDER.into());
                        raw = Some((Value::String(PLACEHOLDER.into()).to_string(), text));
                    }
                    Err(_) => {}
                }
            }
            3 => {
                if let Some(o) = node_mut(&mut v, &path).as_object_mut() {
                    o.insert(rng.pick(FIELD_NAMES).to_string(), json!(1));
                }
            }
            4 => {
                if let Value::String(s) = node {
                    let pos = s.chars().count();
                    let at = rng.below(pos + 1);
                    let mut chars: Vec<char> = s.chars().collect();
                    chars.insert(
                        at,
                        *rng.pick(&['\u{301}', '🧅', '\u{0}', 'ı', 'ß', '\u{fffd}', '\u{202e}']),
                    );
                    *node_mut(&mut v, &path) = Value::String(chars.into_iter().collect());
                }
            }
            _ => {
                if let Some(Key::Field(f)) = path.last() {
                    // A duplicated key: serde refuses it; raw text since Value cannot hold it.
                    let text = v.to_string();
                    let needle = format!("\"{f}\":");
                    if let Some(at) = text.find(&needle) {
                        let dup = format!("{needle}{},", json_value(rng, 1));
                        let s = format!("{}{dup}{}", &text[..at], &text[at..]);
                        return s;
                    }
                }
            }
        }
    }
    let mut text = v.to_string();
    if let Some((placeholder, raw)) = raw {
        text = text.replacen(&placeholder, &raw, 1);
    }
    if rng.chance(10) && !text.is_empty() {
        let cut = rng.below(text.len());
        let cut = (0..=cut)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
    }
    text
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(200);
    let mut b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
    if rng.chance(2) {
        b.insert(0, b'{');
    }
    b
}

/// The body of a fuzzed match request.
fn match_body(rng: &mut Rng) -> Vec<u8> {
    let bases = [
        full_match_request(),
        json!({"need": {"text": "bawang merah", "province": "36"}, "limit": 5}),
        json!({"need": {"text": "butuh 5 ton cabe rawit halal untuk restoran di Serang"}}),
        json!({"buyer": "jt-00001", "limit": 3}),
        json!({"seller": "ri-00001", "limit": 3, "filters": {"same_province": true}}),
    ];
    match rng.below(10) {
        0 => random_bytes(rng),
        1 => json_value(rng, 4).into_bytes(),
        2 | 3 => {
            // Free text through query understanding, the analyzers and the ranker.
            let text = (0..1 + rng.below(3))
                .map(|_| json_string(rng).trim_matches('"').to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let province = *rng.pick(&["35", "36", "52", "11", "94"]);
            let limit = 1 + rng.below(50);
            format!(r#"{{"need":{{"text":"{text}","province":"{province}"}},"limit":{limit}}}"#)
                .into_bytes()
        }
        _ => {
            let base = &bases[rng.below(bases.len())];
            mutated(rng, base).into_bytes()
        }
    }
}

/// Percent-encodes everything but unreserved characters.
fn percent_encode(bytes: &[u8]) -> String {
    let mut s = String::new();
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
            s.push(*b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// A fuzzed `/v1/search` URI: random bytes, unicode, affixed words, broken escapes and
/// random values for the other parameters.
fn search_uri(rng: &mut Rng) -> String {
    let q: Vec<u8> = match rng.below(5) {
        0 => (0..rng.below(60)).map(|_| rng.next() as u8).collect(),
        1 => {
            let s = json_string(rng);
            s.trim_matches('"').as_bytes().to_vec()
        }
        2 => (0..1 + rng.below(8))
            .map(|_| affixed_word(rng))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        3 => rng.pick(STRINGS).as_bytes().to_vec(),
        _ => "x".repeat(rng.below(1100)).into_bytes(),
    };
    let mut uri = format!("/v1/search?q={}", percent_encode(&q));
    if rng.chance(4) {
        // Broken escapes, raw.
        uri.push_str(rng.pick::<&str>(&["%", "%G", "%E2%82", "%%41", "%FF%FE", "+%2", "%0"]));
    }
    const PARAMS: &[&str] = &[
        "province",
        "kind",
        "commodity",
        "cert",
        "limit",
        "offset",
        "q",
        "lang",
        "bogus",
    ];
    for _ in 0..rng.below(4) {
        let value = match rng.below(3) {
            0 => rng.pick(NUMBERS).to_string(),
            1 => rng.pick(STRINGS).to_string(),
            _ => (0..rng.below(8))
                .map(|_| *rng.pick(&["35", "36", "halal", "offer", "need", "beras", ",", ""]))
                .collect::<Vec<_>>()
                .join(","),
        };
        uri.push_str(&format!(
            "&{}={}",
            rng.pick(PARAMS),
            percent_encode(value.as_bytes())
        ));
    }
    uri
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_match_requests_never_fail_on_our_side() {
    let mut rng = Rng::new(fuzz_seed(1));
    let mut f = Failures::default();
    let started = Instant::now();
    let cases = 500;
    let mut answered = 0;
    for i in 0..cases {
        let body = match_body(&mut rng);
        let uri = if rng.chance(8) {
            format!(
                "/v1/match?lang={}",
                rng.pick(&["en", "id", "fr", "", "%FF", "en&lang=id"])
            )
        } else {
            "/v1/match".to_string()
        };
        let r = post_json(&uri, body.clone()).await;
        answered += usize::from(r.status.is_success());
        f.check(
            format!(
                "case {i}: POST {uri} {:?}",
                clip(&String::from_utf8_lossy(&body), 400)
            ),
            broken(&r),
        );
    }
    println!(
        "{cases} match cases ({answered} answered 200) in {:?}",
        started.elapsed()
    );
    assert_eq!(get("/healthz").await.status, 200);
    // The fuzzer must also reach the success path: with the default seed about a fifth of
    // the cases are valid; fewer than one in twenty means the mutations broke every case.
    assert!(
        answered * 20 >= cases,
        "too few valid match requests succeeded ({} of {})",
        answered,
        cases
    );
    f.assert_none("fuzzed match requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_searches_never_fail_on_our_side() {
    let mut rng = Rng::new(fuzz_seed(2));
    let mut f = Failures::default();
    let started = Instant::now();
    let (mut cases, mut sent, mut answered) = (500, 0, 0);
    while cases > 0 {
        let uri = search_uri(&mut rng);
        let Ok(req) = Request::get(uri.as_str()).body(Body::empty()) else {
            continue; // not a URI http accepts; a real client could not send it either
        };
        cases -= 1;
        sent += 1;
        let r = send(req).await;
        answered += usize::from(r.status.is_success());
        f.check(format!("GET {}", clip(&uri, 300)), broken(&r));
    }
    println!(
        "{sent} searches ({answered} answered 200) in {:?}",
        started.elapsed()
    );
    assert_eq!(get("/healthz").await.status, 200);
    // The fuzzer must also reach the success path: with the default seed about a fifth of
    // the cases are valid; fewer than one in twenty means the mutations broke every case.
    assert!(
        answered * 20 >= sent,
        "too few valid searches succeeded ({} of {})",
        answered,
        sent
    );
    f.assert_none("fuzzed searches");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_imports_never_fail_on_our_side_and_failures_keep_nothing() {
    let mut rng = Rng::new(fuzz_seed(3));
    let (_, app) = fresh_with_two().await;
    let mut f = Failures::default();
    let started = Instant::now();
    let mut fresh_id = 0u64;
    let (mut failed, mut succeeded) = (0, 0);
    let cases = 600;
    for i in 0..cases {
        // One to four lines; the fresh valid ones must vanish when the import fails.
        let mut body: Vec<u8> = Vec::new();
        let mut fresh_ids = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let line: Vec<u8> = match rng.below(9) {
                0 => {
                    fresh_id += 1;
                    let id = format!("fz-{fresh_id}");
                    fresh_ids.push(id.clone());
                    business_json(&id).into_bytes()
                }
                1 => full_deal().to_string().into_bytes(),
                2 | 3 => {
                    fresh_id += 1;
                    let id = format!("fz-{fresh_id}");
                    fresh_ids.push(id.clone());
                    mutated(&mut rng, &full_business(&id)).into_bytes()
                }
                4 => mutated(&mut rng, &full_deal()).into_bytes(),
                5 => json_value(&mut rng, 4).into_bytes(),
                6 => random_bytes(&mut rng),
                7 => b"   ".to_vec(),
                _ => {
                    let mut b = full_business("fz-x").to_string().into_bytes();
                    let at = rng.below(b.len());
                    b.truncate(at);
                    b
                }
            };
            body.extend_from_slice(&line);
            body.extend_from_slice(if rng.chance(6) { b"\r\n" } else { b"\n" });
        }
        let before = counts(&app).await;
        let r = call(
            &app,
            request("POST", "/v1/import", body.clone(), None, true),
        )
        .await;
        let shown = format!(
            "case {i}: POST /v1/import {:?}",
            clip(&String::from_utf8_lossy(&body), 600)
        );
        f.check(&shown, broken(&r));
        if r.status.is_client_error() {
            failed += 1;
            let after = counts(&app).await;
            if after != before {
                f.check(
                    &shown,
                    Some(format!(
                        "a failed import changed (businesses, deals, last_seq) {before:?} -> {after:?}"
                    )),
                );
            }
            for id in &fresh_ids {
                let g = call(
                    &app,
                    request(
                        "GET",
                        &format!("/v1/businesses/{id}"),
                        Body::empty(),
                        None,
                        false,
                    ),
                )
                .await;
                if g.status != 404 {
                    f.check(
                        &shown,
                        Some(format!("{id} from a failed import is there ({})", g.status)),
                    );
                }
            }
        } else if r.status.is_success() {
            succeeded += 1;
        }
    }
    println!(
        "{cases} imports ({failed} refused, {succeeded} imported) in {:?}",
        started.elapsed()
    );
    // The fuzzer must also reach the success path: with the default seed about a fifth of
    // the cases are valid; fewer than one in twenty means the mutations broke every case.
    assert!(
        succeeded * 20 >= cases,
        "too few valid imports succeeded ({} of {})",
        succeeded,
        cases
    );
    f.assert_none("fuzzed imports");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_mission_plans_never_fail_on_our_side() {
    let mut rng = Rng::new(fuzz_seed(4));
    let mut f = Failures::default();
    let started = Instant::now();
    let base = full_mission();
    let (cases, mut answered) = (300, 0);
    for i in 0..cases {
        let body = match rng.below(8) {
            0 => random_bytes(&mut rng),
            1 => json_value(&mut rng, 4).into_bytes(),
            _ => mutated(&mut rng, &base).into_bytes(),
        };
        let format = *rng.pick(&["json", "csv", "ics", "html"]);
        let uri = format!("/v1/missions/plan?format={format}");
        let r = post_json(&uri, body.clone()).await;
        answered += usize::from(r.status.is_success());
        f.check(
            format!(
                "case {i}: POST {uri} {:?}",
                clip(&String::from_utf8_lossy(&body), 600)
            ),
            broken(&r),
        );
    }
    println!(
        "{cases} mission plans ({answered} answered 200) in {:?}",
        started.elapsed()
    );
    // The fuzzer must also reach the success path: with the default seed about a fifth of
    // the cases are valid; fewer than one in twenty means the mutations broke every case.
    assert!(
        answered * 20 >= cases,
        "too few valid mission plans succeeded ({} of {})",
        answered,
        cases
    );
    f.assert_none("fuzzed mission plans");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_replans_never_fail_on_our_side() {
    let mut rng = Rng::new(fuzz_seed(5));
    let mut f = Failures::default();
    let spec = full_mission();
    let plan = post_json("/v1/missions/plan", spec.to_string()).await;
    assert_eq!(plan.status, 200);
    let base = serde_json::json!({
        "spec": spec,
        "previous": plan.json()["meetings"],
        "from_slot": 2,
        "absent": ["jt-00028"],
        "confirmed": []
    });
    let (cases, mut answered) = (200, 0);
    for i in 0..cases {
        let body = match rng.below(8) {
            0 => random_bytes(&mut rng),
            1 => json_value(&mut rng, 4).into_bytes(),
            _ => mutated(&mut rng, &base).into_bytes(),
        };
        let r = post_json("/v1/missions/replan", body.clone()).await;
        answered += usize::from(r.status.is_success());
        f.check(
            format!(
                "case {i}: POST /v1/missions/replan {:?}",
                clip(&String::from_utf8_lossy(&body), 600)
            ),
            broken(&r),
        );
    }
    assert!(answered * 20 >= cases, "too few valid replans ({answered})");
    f.assert_none("fuzzed replans");
}
