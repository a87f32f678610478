//! Stored missions through the API: a 157-firm mission from an uploaded spreadsheet (three
//! bad rows reported together and nothing imported, then fixed) to a kept plan, publishing,
//! attendance, commitments and a report whose totals equal what was recorded; and who may
//! write a mission (anonymous 401, reader 403, another province 403).

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{Fixture, Reply, TOKEN};

fn fixture() -> &'static Fixture {
    static OWN: OnceLock<Fixture> = OnceLock::new();
    OWN.get_or_init(Fixture::open)
}

async fn call(key: Option<&str>, method: &str, uri: &str, body: Option<(&str, Vec<u8>)>) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        b = b.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some((ct, bytes)) => b.header("content-type", ct).body(Body::from(bytes)),
        None => b.body(Body::empty()),
    };
    fixture().send(req.expect("request")).await
}

async fn json_call(key: Option<&str>, method: &str, uri: &str, body: Value) -> Reply {
    call(
        key,
        method,
        uri,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

async fn new_key(body: Value) -> String {
    let r = json_call(Some(TOKEN), "POST", "/v1/keys", body).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    r.json()["key"].as_str().expect("key").to_string()
}

fn spec(name: &str) -> Value {
    json!({
        "name": name,
        "host_province": "36",
        "date": "2023-09-11",
        "venue": "Serang",
        "slots": {"start": "09:00", "minutes": 20, "count": 12,
                  "breaks": [{"after": 5, "minutes": 60}]},
        "tables": 60,
        "max_meetings": 8,
        "time_limit_ms": 200,
        "seed": 7
    })
}

/// Registered businesses of the shipped Jatim–Banten mission: (origin ids, host ids).
fn registered() -> (Vec<String>, Vec<String>) {
    let shipped: Value = serde_json::from_str(include_str!(
        "../../fixtures/missions/jatim-banten-2023.json"
    ))
    .expect("shipped spec");
    let ids = |side: &str| -> Vec<String> {
        shipped["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .filter(|p| p["side"] == side)
            .filter_map(|p| p["id"].as_str().map(str::to_string))
            .take(20)
            .collect()
    };
    (ids("origin"), ids("host"))
}

/// The participant sheet: 57 Jatim firms (20 of them registered, by ID) and 100 Banten
/// firms (20 registered), `;`-separated as Indonesian spreadsheets write it. `bad` spoils
/// three rows: a firm without a name, an unknown province, an unknown product.
fn sheet(bad: bool) -> (String, usize) {
    let (origin, host) = registered();
    let offers = [
        "Kopi robusta",
        "Bawang merah",
        "Beras",
        "Gula pasir",
        "Telur ayam",
    ];
    let needs = [
        "Pakan ikan",
        "Rumput laut",
        "Jagung",
        "Kopi robusta",
        "Beras",
    ];
    let mut csv =
        String::from("ID;Nama Usaha;Provinsi;Kab/Kota;Menawarkan;Butuh;Kontak;Telepon;Sisi\n");
    let mut rows = 0;
    for i in 0..57 {
        let id = origin.get(i).cloned().unwrap_or_default();
        let name = if bad && i == 30 {
            String::new()
        } else {
            format!("UD Jatim Makmur {i}")
        };
        let province = if bad && i == 40 {
            "Atlantis"
        } else {
            "Jawa Timur"
        };
        let offer = if bad && i == 50 {
            "batu akik ajaib"
        } else {
            offers[i % offers.len()]
        };
        csv.push_str(&format!(
            "{id};{name};{province};Surabaya;{offer};{};Bu Sari {i};0812-3456-{:04};asal\n",
            needs[(i + 2) % needs.len()],
            1000 + i
        ));
        rows += 1;
    }
    for i in 0..100 {
        let id = host.get(i).cloned().unwrap_or_default();
        csv.push_str(&format!(
            "{id};CV Banten Jaya {i};Banten;Serang;{};{};Pak Budi {i};0813-5555-{:04};tuan rumah\n",
            needs[i % needs.len()],
            offers[i % offers.len()],
            2000 + i
        ));
        rows += 1;
    }
    (csv, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_157_firm_mission_goes_from_a_spreadsheet_to_a_report_that_adds_up() {
    let jatim = new_key(json!({"role": "province", "provinces": ["35"]})).await;
    let created = json_call(
        Some(&jatim),
        "POST",
        "/v1/missions",
        spec("Misi Dagang Jatim–Banten"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", text(&created));
    let m = created.json();
    let id = m["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("m-"), "{id}");
    assert_eq!(
        m["spec"]["organiser"], "35",
        "the key's province organises it"
    );
    assert_eq!(m["published"], false);

    // Three bad rows, reported together; nothing of the sheet is imported.
    let (bad, _) = sheet(true);
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/participants"),
        Some(("text/csv", bad.into_bytes())),
    )
    .await;
    assert_eq!(r.status, 400, "{}", text(&r));
    let rows = r.json()["rows"].as_array().expect("rows").clone();
    let at: Vec<(u64, String)> = rows
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap_or(0),
                e["column"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            (32, "Nama Usaha".to_string()),
            (42, "Provinsi".to_string()),
            (52, "Menawarkan".to_string())
        ],
        "{rows:?}"
    );
    let unchanged = call(Some(&jatim), "GET", &format!("/v1/missions/{id}"), None)
        .await
        .json();
    assert_eq!(
        unchanged["spec"]["participants"],
        json!([]),
        "nothing half-imported"
    );
    assert!(unchanged["spec"].get("firms").is_none());

    // Fixed: every row is in.
    let (good, n) = sheet(false);
    assert_eq!(n, 157);
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/participants"),
        Some(("text/csv; charset=utf-8", good.into_bytes())),
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let imported = r.json();
    assert_eq!(imported["rows"], 157);
    assert_eq!(imported["registered"], 40);
    assert_eq!(imported["firms"], 117);
    assert_eq!(imported["added"], 157);

    // Plan; the plan is kept.
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/plan"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let schedule = r.json();
    let meetings = schedule["meetings"].as_array().expect("meetings").clone();
    assert!(meetings.len() > 100, "{} meetings", meetings.len());
    let mut busy = std::collections::HashSet::new();
    for x in &meetings {
        for who in [&x["a"], &x["b"]] {
            assert!(
                busy.insert((x["slot"].as_u64(), who.to_string())),
                "{who} twice in a slot"
            );
        }
    }
    let firm_met = meetings.iter().any(|x| {
        x["a"]
            .as_str()
            .is_some_and(|a| !a.starts_with("jt-") && !a.starts_with("bt-"))
    });
    assert!(firm_met, "unregistered firms get meetings too");

    // Unpublished: the organiser reads it, nobody else.
    assert_eq!(
        call(None, "GET", &format!("/v1/missions/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        call(None, "GET", &format!("/v1/missions/{id}/plan"), None)
            .await
            .status,
        404
    );
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/publish"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["published"], true);
    let public = call(None, "GET", &format!("/v1/missions/{id}"), None).await;
    assert_eq!(public.status, 200);
    let firms = public.json()["spec"]["firms"]
        .as_array()
        .expect("firms")
        .clone();
    assert_eq!(firms.len(), 117);
    assert!(
        firms.iter().all(|f| f.get("contacts").is_none()),
        "no personal data for anonymous callers"
    );
    let own = call(Some(&jatim), "GET", &format!("/v1/missions/{id}"), None)
        .await
        .json();
    assert!(
        own["spec"]["firms"][0]["contacts"]["phone"].is_string(),
        "the organiser sees contacts"
    );
    let kept = call(None, "GET", &format!("/v1/missions/{id}/plan"), None).await;
    assert_eq!(
        kept.json()["meetings"],
        json!(meetings),
        "the kept plan is the one planned"
    );
    let csv = call(
        None,
        "GET",
        &format!("/v1/missions/{id}/plan?format=csv"),
        None,
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    let listed = call(None, "GET", "/v1/missions", None).await.json();
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == id.as_str() && x["participants"] == 157)
    );

    // Attendance: the first ten meetings' parties checked in, one participant absent.
    let mut present = Vec::new();
    for x in meetings.iter().take(10) {
        present.push(x["a"].clone());
        present.push(x["b"].clone());
    }
    let absent = meetings.last().expect("a meeting")["b"].clone();
    present.retain(|p| *p != absent);
    let r = json_call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/attendance"),
        json!({"present": &present, "absent": [absent]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));

    // Commitments for twelve meetings, of every kind.
    let kinds = ["sale", "purchase", "investment", "mou"];
    let commodities = ["kopi", "bawang_merah", "beras", "gula"];
    let mut sum = 0.0;
    let mut by_kind = std::collections::BTreeMap::new();
    let mut deals = Vec::new();
    for (i, x) in meetings.iter().take(12).enumerate() {
        let value = 125_000_000.0 * (i as f64 + 1.0) + 0.5;
        let body = json!({
            "kind": kinds[i % 4], "commodity": commodities[i % 4], "qty": 2.5 * (i as f64 + 1.0),
            "unit": "ton", "value_idr": value, "a": x["a"], "b": x["b"], "meeting": x["slot"]
        });
        let r = json_call(
            Some(&jatim),
            "POST",
            &format!("/v1/missions/{id}/commitments"),
            body,
        )
        .await;
        assert_eq!(r.status, 201, "{}", text(&r));
        let c = r.json();
        let both_registered = [&x["a"], &x["b"]].iter().all(|p| {
            p.as_str()
                .is_some_and(|p| p.starts_with("jt-") || p.starts_with("bt-"))
        });
        if both_registered && kinds[i % 4] != "investment" {
            deals.push(c["deal"].as_str().expect("recorded as a deal").to_string());
        } else {
            assert!(c.get("deal").is_none(), "{c}");
        }
        sum += value;
        *by_kind.entry(kinds[i % 4]).or_insert(0.0) += value;
    }
    // With an Idempotency-Key a retry records nothing new; the key with another commitment
    // is refused.
    let keyed = json!({
        "kind": "sale", "commodity": "kopi", "qty": 1.0, "unit": "ton", "value_idr": 7.0e6,
        "a": meetings[12]["a"], "b": meetings[12]["b"]
    });
    let mut first = None;
    for attempt in 0..2 {
        let r = fixture()
            .send(
                Request::post(format!("/v1/missions/{id}/commitments"))
                    .header("authorization", format!("Bearer {jatim}"))
                    .header("content-type", "application/json")
                    .header("idempotency-key", "meja-12-kopi")
                    .body(Body::from(keyed.to_string()))
                    .expect("request"),
            )
            .await;
        assert_eq!(
            r.status,
            if attempt == 0 { 201 } else { 200 },
            "{}",
            text(&r)
        );
        let c = r.json();
        if let Some(f) = &first {
            assert_eq!(&c, f, "the replay answers the commitment recorded first");
            assert_eq!(r.header("idempotent-replayed"), "true");
        }
        first = Some(c);
    }
    sum += 7.0e6;
    *by_kind.entry("sale").or_insert(0.0) += 7.0e6;
    let mut other = keyed.clone();
    other["value_idr"] = json!(8.0e6);
    let r = fixture()
        .send(
            Request::post(format!("/v1/missions/{id}/commitments"))
                .header("authorization", format!("Bearer {jatim}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "meja-12-kopi")
                .body(Body::from(other.to_string()))
                .expect("request"),
        )
        .await;
    r.assert_error(409, "Idempotency-Key");
    // A commitment naming a meeting that was not planned is refused.
    let r = json_call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/commitments"),
        json!({
            "kind": "sale", "commodity": "kopi", "value_idr": 1.0,
            "a": meetings[0]["a"], "b": meetings[0]["b"], "meeting": 199
        }),
    )
    .await;
    r.assert_error(400, "meeting");
    for d in &deals {
        let deal = call(None, "GET", &format!("/v1/deals/{d}"), None).await;
        assert_eq!(deal.status, 200, "{}", text(&deal));
        assert_eq!(deal.json()["mission"], id.as_str());
    }
    let ledger = call(None, "GET", &format!("/v1/missions/{id}/commitments"), None)
        .await
        .json();
    assert_eq!(ledger.as_array().map(Vec::len), Some(13));

    // The report adds up to what was recorded.
    let r = call(None, "GET", &format!("/v1/missions/{id}/report"), None).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let report = r.json();
    assert_eq!(report["commitments"], 13);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-3;
    assert!(
        close(report["total_value_idr"].as_f64().unwrap_or(0.0), sum),
        "{report}"
    );
    let kinds_total: f64 = report["by_kind"]
        .as_array()
        .expect("by_kind")
        .iter()
        .map(|k| k["value_idr"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(close(kinds_total, sum));
    for k in report["by_kind"].as_array().expect("by_kind") {
        let want = by_kind[k["kind"].as_str().expect("kind")];
        assert!(close(k["value_idr"].as_f64().unwrap_or(0.0), want), "{k}");
    }
    let commodities_total: f64 = report["by_commodity"]
        .as_array()
        .expect("by_commodity")
        .iter()
        .map(|k| k["value_idr"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(close(commodities_total, sum));
    let participants_total: f64 = report["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| p["value_idr"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(
        close(participants_total, 2.0 * sum),
        "each commitment counts for both parties"
    );
    assert_eq!(report["participants"].as_array().map(Vec::len), Some(157));
    assert_eq!(
        report["top_signings"][0]["value_idr"].as_f64(),
        Some(125_000_000.0 * 12.0 + 0.5)
    );
    assert_eq!(
        report["meetings_planned"].as_u64(),
        Some(meetings.len() as u64)
    );
    let both_present = meetings
        .iter()
        .filter(|x| present.contains(&x["a"]) && present.contains(&x["b"]))
        .count();
    assert!(both_present >= 9, "{both_present}");
    assert_eq!(report["meetings_held"].as_u64(), Some(both_present as u64));
    assert!(report["meetings_lost"].as_u64().unwrap_or(0) >= 1);
    assert_eq!(report["no_shows"], json!([absent]));
    let earlier = report["earlier_missions"]
        .as_array()
        .expect("earlier")
        .clone();
    assert!(
        earlier.iter().any(|e| e["date"] == "2023-09-11"
            && e["total_idr"].as_f64() == Some(340_477_000_000.0)
            && e["source"].as_str().is_some_and(|s| s.starts_with("http"))),
        "{earlier:?}"
    );
    let html = call(
        None,
        "GET",
        &format!("/v1/missions/{id}/report?format=html"),
        None,
    )
    .await;
    assert_eq!(html.status, 200);
    assert!(text(&html).contains("Laporan Misi Dagang"));

    // An edit drops the plan and unpublishes.
    let r = json_call(
        Some(&jatim),
        "PUT",
        &format!("/v1/missions/{id}"),
        spec("Misi Dagang (diubah)"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["planned"], false);
    assert_eq!(r.json()["published"], false);
    assert_eq!(
        call(None, "GET", &format!("/v1/missions/{id}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn only_admins_and_the_organising_office_write_a_mission() {
    let jatim = new_key(json!({"role": "province", "provinces": ["35"]})).await;
    let banten = new_key(json!({"role": "province", "provinces": ["36"]})).await;
    let reader = new_key(json!({"role": "reader"})).await;
    let mut s = spec("Misi Dagang Jatim–Banten (hak akses)");
    s["organiser"] = json!("35");
    assert_eq!(
        json_call(None, "POST", "/v1/missions", s.clone())
            .await
            .status,
        401
    );
    assert_eq!(
        json_call(Some(&reader), "POST", "/v1/missions", s.clone())
            .await
            .status,
        403
    );
    let r = json_call(Some(&banten), "POST", "/v1/missions", s.clone()).await;
    r.assert_error(403, "authorization");
    let r = json_call(Some(&jatim), "POST", "/v1/missions", s.clone()).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let id = r.json()["id"].as_str().expect("id").to_string();
    let admin = json_call(Some(TOKEN), "POST", "/v1/missions", s.clone()).await;
    assert_eq!(admin.status, 201);
    assert_ne!(admin.json()["id"], id.as_str(), "ids are never shared");

    let commitment =
        json!({"kind": "sale", "commodity": "kopi", "value_idr": 1.0, "a": "x", "b": "y"});
    let writes: [(&str, String, Option<Value>); 5] = [
        ("PUT", format!("/v1/missions/{id}"), Some(s.clone())),
        ("POST", format!("/v1/missions/{id}/plan"), None),
        (
            "POST",
            format!("/v1/missions/{id}/commitments"),
            Some(commitment),
        ),
        (
            "POST",
            format!("/v1/missions/{id}/attendance"),
            Some(json!({"present": ["x"]})),
        ),
        ("DELETE", format!("/v1/missions/{id}"), None),
    ];
    for (method, uri, body) in &writes {
        for (who, key, want) in [
            ("anonymous", None, 401),
            ("reader", Some(&reader), 403),
            ("banten", Some(&banten), 403),
        ] {
            let r = match body {
                Some(b) => json_call(key.map(String::as_str), method, uri, b.clone()).await,
                None => call(key.map(String::as_str), method, uri, None).await,
            };
            assert_eq!(
                r.status.as_u16(),
                want,
                "{who} {method} {uri}: {}",
                text(&r)
            );
        }
    }
    // Unpublished, it is the organiser's to read.
    assert_eq!(
        call(Some(&reader), "GET", &format!("/v1/missions/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        call(
            Some(&banten),
            "GET",
            &format!("/v1/missions/{id}/report"),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(
            Some(&jatim),
            "GET",
            &format!("/v1/missions/{id}/report"),
            None
        )
        .await
        .status,
        200
    );
    // Publishing needs a plan.
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/publish"),
        None,
    )
    .await;
    r.assert_error(409, "published");
    // A participant must be known: a registered business or a firm.
    let mut bad = s.clone();
    bad["participants"] = json!([{"id": "no-such-business"}]);
    json_call(Some(&jatim), "POST", "/v1/missions", bad)
        .await
        .assert_error(400, "participants[0].id");
    let mut bad = s.clone();
    bad["firms"] = json!([{"id": "f1", "name": "UD X", "kind": "umkm", "province": "99"}]);
    json_call(Some(&jatim), "POST", "/v1/missions", bad)
        .await
        .assert_error(400, "firms[0].province");
    let r = call(Some(&jatim), "DELETE", &format!("/v1/missions/{id}"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        call(Some(&jatim), "GET", &format!("/v1/missions/{id}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_participant_templates_read_back() {
    let csv = call(None, "GET", "/v1/templates/participants.csv", None).await;
    assert_eq!(csv.status, 200);
    assert!(text(&csv).contains("Nama Usaha") && text(&csv).contains("Sisi"));
    let xlsx = call(None, "GET", "/v1/templates/participants.xlsx", None).await;
    assert_eq!(xlsx.status, 200);
    let jatim = new_key(json!({"role": "province", "provinces": ["35"]})).await;
    let r = json_call(Some(&jatim), "POST", "/v1/missions", spec("Template")).await;
    let id = r.json()["id"].as_str().expect("id").to_string();
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/participants"),
        Some((
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx.body.clone(),
        )),
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["firms"], 1);
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/participants"),
        Some(("application/json", b"{}".to_vec())),
    )
    .await;
    assert_eq!(r.status, 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn mission_routes_answer_garbage_with_4xx_never_5xx() {
    let r = json_call(Some(TOKEN), "POST", "/v1/missions", spec("Garbage")).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let id = r.json()["id"].as_str().expect("id").to_string();
    let ids = [
        id.as_str(),
        "m-999999",
        "%FF",
        "..%2F..",
        "plan",
        "jatim-banten-2023",
    ];
    let bodies: [(&str, &[u8]); 10] = [
        ("application/json", b""),
        ("application/json", b"{}"),
        ("application/json", b"[]"),
        ("application/json", b"null"),
        (
            "application/json",
            b"{\"kind\": \"sale\", \"value_idr\": 1e400}",
        ),
        (
            "application/json",
            b"{\"present\": [\"\"], \"absent\": [1]}",
        ),
        (
            "application/json",
            b"{\"a\": \"x\", \"b\": \"\\u0000\", \"window\": [18446744073709551615, 0]}",
        ),
        ("text/csv", b"\xff\xfe\x00garbage"),
        ("text/csv", b"Nama Usaha\n\n\n"),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK\x03\x04 not a zip",
        ),
    ];
    for m in ids {
        for (method, path) in [
            ("GET", format!("/v1/missions/{m}")),
            ("PUT", format!("/v1/missions/{m}")),
            ("GET", format!("/v1/missions/{m}/plan?format=pdf")),
            ("POST", format!("/v1/missions/{m}/plan?format=csv")),
            ("POST", format!("/v1/missions/{m}/publish")),
            ("DELETE", format!("/v1/missions/{m}/publish")),
            ("POST", format!("/v1/missions/{m}/participants")),
            ("POST", format!("/v1/missions/{m}/attendance")),
            ("POST", format!("/v1/missions/{m}/commitments")),
            ("GET", format!("/v1/missions/{m}/commitments")),
            ("GET", format!("/v1/missions/{m}/report?format=xml")),
            ("GET", format!("/v1/missions/{m}/report")),
            ("GET", format!("/v1/missions/{m}/requests")),
            ("POST", format!("/v1/missions/{m}/requests")),
            ("POST", format!("/v1/missions/{m}/requests/r-1/accept")),
            ("POST", format!("/v1/missions/{m}/requests/%FF/decline")),
            ("DELETE", format!("/v1/missions/{m}/requests/r-1")),
        ] {
            // A GET has no body: one is enough.
            let n = if method == "GET" { 1 } else { bodies.len() };
            for (ct, body) in bodies.into_iter().take(n) {
                for key in [None, Some(TOKEN)] {
                    let r = call(key, method, &path, Some((ct, body.to_vec()))).await;
                    assert!(
                        r.status.is_client_error() || r.status.is_success(),
                        "{method} {path} ({ct}, {:?}): {} {}",
                        String::from_utf8_lossy(body),
                        r.status,
                        text(&r)
                    );
                }
            }
        }
    }
    // The mission is still there, unharmed by all of it.
    let r = call(Some(TOKEN), "GET", &format!("/v1/missions/{id}"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["spec"]["name"], "Garbage");
}

/// The planner grid's edit: a meeting moved to another slot and locked stays there when the
/// stored mission is re-planned (`POST /v1/missions/{id}/replan`), the new plan is kept and
/// audited, and only the organisers may ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_moved_and_locked_meeting_stays_where_the_organiser_put_it_on_replan() {
    let jatim = new_key(json!({"role": "province", "provinces": ["35"]})).await;
    let banten = new_key(json!({"role": "province", "provinces": ["36"]})).await;
    let r = json_call(Some(&jatim), "POST", "/v1/missions", spec("Misi (grid)")).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let id = r.json()["id"].as_str().expect("id").to_string();
    let (good, _) = sheet(false);
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/participants"),
        Some(("text/csv", good.into_bytes())),
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let uri = format!("/v1/missions/{id}/replan");
    // Nothing to re-plan before a plan is kept.
    json_call(Some(&jatim), "POST", &uri, json!({}))
        .await
        .assert_error(409, "meetings");
    let r = call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/plan"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let mut meetings: Vec<Value> = r.json()["meetings"].as_array().expect("meetings").clone();

    // Move one meeting to a slot where both of its firms are free, and lock it.
    let busy = |m: &[Value], who: &Value, slot: u64| {
        m.iter()
            .any(|x| x["slot"] == slot && (x["a"] == *who || x["b"] == *who))
    };
    let (i, to) = meetings
        .iter()
        .enumerate()
        .find_map(|(i, x)| {
            (0..12u64).find_map(|s| {
                (x["slot"] != s && !busy(&meetings, &x["a"], s) && !busy(&meetings, &x["b"], s))
                    .then_some((i, s))
            })
        })
        .expect("a meeting that can move");
    meetings[i]["slot"] = json!(to);
    meetings[i]["table"] = Value::Null;
    let (a, b) = (meetings[i]["a"].clone(), meetings[i]["b"].clone());
    let edit = json!({"meetings": meetings, "locked": [{"a": a, "b": b}]});

    assert_eq!(
        json_call(None, "POST", &uri, edit.clone()).await.status,
        401
    );
    json_call(Some(&banten), "POST", &uri, edit.clone())
        .await
        .assert_error(403, "authorization");
    let mut bad = edit.clone();
    bad["locked"] = json!([{"a": a, "b": "no-such-firm"}]);
    json_call(Some(&jatim), "POST", &uri, bad)
        .await
        .assert_error(400, "locked[0].b");

    let r = json_call(Some(&jatim), "POST", &uri, edit).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let at = |s: &Value| {
        s["meetings"]
            .as_array()
            .expect("meetings")
            .iter()
            .find(|x| x["a"] == a && x["b"] == b)
            .map(|x| x["slot"].clone())
    };
    assert_eq!(at(&r.json()), Some(json!(to)), "the locked meeting stayed");
    let kept = call(
        Some(&jatim),
        "GET",
        &format!("/v1/missions/{id}/plan"),
        None,
    )
    .await;
    assert_eq!(at(&kept.json()), Some(json!(to)), "the new plan is kept");
    let audit = call(Some(TOKEN), "GET", &format!("/v1/audit?entity={id}"), None).await;
    let rows = audit.json();
    assert_eq!(rows[0]["route"], "POST /v1/missions/{id}/replan", "{rows}");

    // The report as a workbook, read back: its sheets, and the ledger's total as a number.
    let r = json_call(
        Some(&jatim),
        "POST",
        &format!("/v1/missions/{id}/commitments"),
        json!({"kind": "sale", "commodity": "kopi", "qty": 5, "unit": "ton",
               "value_idr": 1.5e9, "a": a, "b": b, "meeting": to}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let deal = r.json()["deal"]
        .as_str()
        .expect("recorded as a deal")
        .to_string();
    let commitment = r.json()["id"].as_str().expect("its id").to_string();
    let r = call(
        Some(&jatim),
        "GET",
        &format!("/v1/missions/{id}/report?format=xlsx"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(r.body.to_vec()))
        .expect("the report reads back");
    assert_eq!(
        book.sheet_names(),
        [
            "Ringkasan",
            "Per jenis",
            "Per komoditas",
            "Penandatanganan",
            "Peserta",
            "Misi sebelumnya"
        ]
    );
    let summary = book.worksheet_range("Ringkasan").expect("Ringkasan");
    let total = summary
        .rows()
        .find(|row| row[0] == "Total nilai (Rp)")
        .map(|row| row[1].clone());
    assert_eq!(total, Some(calamine::Data::Float(1.5e9)));
    let kinds = book.worksheet_range("Per jenis").expect("Per jenis");
    assert_eq!(
        kinds.rows().nth(1).map(|row| row[0].to_string()),
        Some("Penjualan".into())
    );
    let participants = book.worksheet_range("Peserta").expect("Peserta");
    assert_eq!(
        participants.rows().count(),
        158,
        "a header and 157 participants"
    );
    call(
        Some(&jatim),
        "GET",
        &format!("/v1/missions/{id}/report?format=pdf"),
        None,
    )
    .await
    .assert_error(400, "format");

    // The commitment's deal is not deleted from under the report: 409 naming the
    // commitment; once the mission is gone, the deal may go.
    let r = call(Some(TOKEN), "DELETE", &format!("/v1/deals/{deal}"), None).await;
    r.assert_error(409, "id");
    assert!(text(&r).contains(&commitment), "{}", text(&r));
    let r = call(Some(&jatim), "DELETE", &format!("/v1/missions/{id}"), None).await;
    assert_eq!(r.status, 204, "{}", text(&r));
    let r = call(Some(TOKEN), "DELETE", &format!("/v1/deals/{deal}"), None).await;
    assert_eq!(r.status, 204, "{}", text(&r));
}
