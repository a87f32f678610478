//! The HTTP API over the fixtures: what a user of `POST /v1/match` and the read endpoints
//! sees, and how every kind of bad input is answered.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{self, fixture, get, post_json, send};

fn lq(province: &str, commodity: &str) -> f64 {
    let r = fixture().engine.reference();
    let p = r.province(province).expect("province");
    let c = r.commodity(commodity).expect("commodity");
    r.advantage(p, c).lq
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn shallot_suppliers_for_banten_come_from_surplus_provinces() {
    let reply = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"limit":20}"#,
    )
    .await;
    assert_eq!(reply.status, 200);
    let v = reply.json();
    let results = v["results"].as_array().expect("results");
    assert!(results.len() >= 10, "only {} results", results.len());
    assert_eq!(v["understood"]["commodities"], json!(["bawang_merah"]));
    for r in results {
        assert_ne!(r["business"]["province"], "36", "{r}");
        assert_eq!(r["listing"]["commodity"], "bawang_merah", "{r}");
        assert_eq!(r["listing"]["kind"], "offer", "{r}");
    }
    for r in &results[..5] {
        let p = r["business"]["province"].as_str().expect("province");
        assert!(
            lq(p, "bawang_merah") > 1.0,
            "{p} has LQ {}",
            lq(p, "bawang_merah")
        );
    }
    assert!(v["took_ms"].as_f64().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_result_explains_its_score() {
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"cabai rawit","province":"36","volume":{"qty":5,"unit":"ton","per":"month"},
            "certifications":[]},"limit":10}"#,
    )
    .await
    .json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut last = f64::INFINITY;
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        let score = r["score"].as_f64().expect("score");
        assert!(score <= last + 1e-9, "ranked by score");
        last = score;
        let sum: f64 = r["explain"]
            .as_object()
            .expect("explain")
            .values()
            .map(|x| x.as_f64().expect("number"))
            .sum();
        assert!(
            (sum - score).abs() < 2e-3,
            "explain sums to {sum}, score {score}"
        );
        let reasons = r["reasons"].as_array().expect("reasons");
        assert!(
            reasons.iter().any(
                |x| x.as_str().unwrap_or("").contains("is expected to supply")
                    || x.as_str().unwrap_or("").contains("national per-capita")
                    || x.as_str().unwrap_or("").contains("No production figure")
            ),
            "{reasons:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn required_certifications_and_province_filters_hold() {
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36","certifications":["halal"]},
            "filters":{"provinces":["35","33"]},"limit":50}"#,
    )
    .await
    .json();
    let results = v["results"].as_array().expect("results");
    assert!(
        !results.is_empty(),
        "no halal shallot supplier in 33/35: {v}"
    );
    for r in results {
        let p = r["business"]["province"].as_str().expect("province");
        assert!(p == "35" || p == "33", "{p}");
        let certs = r["business"]["certifications"].as_array().expect("certs");
        assert!(certs.contains(&json!("halal")), "{r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_match_requests_get_a_4xx_naming_the_field() {
    let cases: &[(&str, u16, &str)] = &[
        (
            r#"{"need":{"text":"bawang merah","province":"36""#,
            400,
            "body",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"99"}}"#,
            400,
            "need.province",
        ),
        (
            r#"{"need":{"commodity":"unobtainium","province":"36"}}"#,
            400,
            "need.commodity",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"limit":0}"#,
            400,
            "limit",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"limit":100000}"#,
            400,
            "limit",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"limit":"ten"}"#,
            400,
            "limit",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"limit":-3}"#,
            400,
            "limit",
        ),
        (r#"{"need":{"text":"","province":"36"}}"#, 400, "need"),
        (r#"{"need":{"province":"36"}}"#, 400, "need"),
        (r#"{}"#, 400, "need"),
        (
            r#"{"need":{"text":"bawang merah","province":"36","colour":"red"}}"#,
            400,
            "need",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"weights":{"advantage":-1}}"#,
            400,
            "weights.advantage",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"weights":{"advantage":"a lot"}}"#,
            400,
            "weights.advantage",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36","volume":{"qty":-5,"unit":"ton"}}}"#,
            400,
            "need.volume.qty",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36","volume":{"qty":5,"unit":"bushel"}}}"#,
            400,
            "need.volume.unit",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36","certifications":["kosher"]}}"#,
            400,
            "need.certifications[0]",
        ),
        (
            r#"{"need":{"text":"bawang merah","province":"36"},"filters":{"provinces":["77"]}}"#,
            400,
            "filters.provinces[0]",
        ),
        (r#"[1,2,3]"#, 400, "body"),
        (r#""#, 400, "body"),
    ];
    for (body, status, field) in cases {
        let reply = post_json("/v1/match", *body).await;
        assert!(reply.status.is_client_error(), "{body} → {}", reply.status);
        let v = reply.json();
        let got = v["error"]["field"].as_str().unwrap_or("");
        assert!(
            got == *field
                || got.starts_with(&format!("{field}."))
                || (*field == "need" && got.starts_with("need")),
            "{body}: expected field {field}, got {v}"
        );
        assert_eq!(reply.status.as_u16(), *status, "{body}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_wrong_content_type_is_415() {
    let reply = send(
        Request::post("/v1/match")
            .header("content-type", "text/plain")
            .body(Body::from(
                r#"{"need":{"text":"bawang merah","province":"36"}}"#,
            ))
            .expect("request"),
    )
    .await;
    reply.assert_error(415, "content-type");
    let reply = send(
        Request::post("/v1/match")
            .body(Body::from(
                r#"{"need":{"text":"bawang merah","province":"36"}}"#,
            ))
            .expect("request"),
    )
    .await;
    reply.assert_error(415, "content-type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn invalid_utf8_and_huge_bodies_are_4xx() {
    let reply = post_json("/v1/match", vec![b'{', 0xff, 0xfe, b'}']).await;
    assert_eq!(reply.status, 400);
    let big = format!(
        r#"{{"need":{{"text":"{}","province":"36"}}}}"#,
        "a".repeat(3 * 1024 * 1024)
    );
    let reply = post_json("/v1/match", big).await;
    assert_eq!(
        reply.status,
        413,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let long = format!(
        r#"{{"need":{{"text":"{}","province":"36"}}}}"#,
        "bawang ".repeat(400)
    );
    post_json("/v1/match", long)
        .await
        .assert_error(400, "need.text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn search_finds_listings_by_text_and_filters() {
    let reply = get("/v1/search?q=bawang%20merah&kind=offer&limit=10").await;
    assert_eq!(reply.status, 200);
    let v = reply.json();
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 10);
    assert!(v["total"].as_u64().unwrap_or(0) >= 10);
    for r in results {
        assert_eq!(r["listing"]["kind"], "offer");
    }
    assert!(
        results
            .iter()
            .filter(|r| r["listing"]["commodity"] == "bawang_merah")
            .count()
            >= 8,
        "{v}"
    );

    let v = get("/v1/search?province=35&commodity=bawang_merah&kind=offer&limit=5")
        .await
        .json();
    assert!(!v["results"].as_array().expect("results").is_empty(), "{v}");
    for r in v["results"].as_array().expect("results") {
        assert_eq!(r["business"]["province"], "35");
        assert_eq!(r["listing"]["commodity"], "bawang_merah");
    }
    let page1 = get("/v1/search?q=kopi&limit=5").await.json();
    let page2 = get("/v1/search?q=kopi&limit=5&offset=5").await.json();
    assert_ne!(
        page1["results"][0]["listing"]["id"],
        page2["results"][0]["listing"]["id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_search_parameters_name_the_parameter() {
    get("/v1/search?q=kopi&kind=sale")
        .await
        .assert_error(400, "kind");
    get("/v1/search?q=kopi&limit=abc")
        .await
        .assert_error(400, "limit");
    get("/v1/search?q=kopi&limit=0")
        .await
        .assert_error(400, "limit");
    get("/v1/search?q=kopi&offset=99999999")
        .await
        .assert_error(400, "offset");
    get("/v1/search?q=kopi&province=99")
        .await
        .assert_error(400, "province");
    get("/v1/search?q=kopi&commodity=nope")
        .await
        .assert_error(400, "commodity");
    get("/v1/search?q=kopi&cert=kosher")
        .await
        .assert_error(400, "cert[0]");
    get("/v1/search?q=kopi&colour=red")
        .await
        .assert_error(400, "colour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn provinces_commodities_and_advantages_are_served() {
    let v = get("/v1/provinces").await.json();
    assert_eq!(v.as_array().map(Vec::len), Some(38));
    let v = get("/v1/commodities").await.json();
    assert!(v.as_array().map(Vec::len).unwrap_or(0) >= 40);
    let v = get("/v1/provinces/35/advantages").await.json();
    assert_eq!(v["province"]["name"], "Jawa Timur");
    let shallots = v["advantages"]
        .as_array()
        .expect("advantages")
        .iter()
        .find(|a| a["commodity"] == "bawang_merah")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(shallots["role"], "surplus", "{v}");
    assert!(
        shallots["source"]
            .as_str()
            .unwrap_or("")
            .contains("databoks")
    );
    get("/v1/provinces/99/advantages")
        .await
        .assert_error_code(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn businesses_are_readable_by_id() {
    let some = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"limit":1}"#,
    )
    .await
    .json();
    let id = some["results"][0]["business"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let v = get(&format!("/v1/businesses/{id}")).await.json();
    assert_eq!(v["id"], id.as_str());
    assert!(v["offers"].as_array().map(Vec::len).unwrap_or(0) >= 1);
    get("/v1/businesses/no-such-business")
        .await
        .assert_error_code(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn health_openapi_and_docs_are_served() {
    let v = get("/healthz").await.json();
    assert_eq!(v["status"], "ok");
    assert!(v["businesses"].as_u64().unwrap_or(0) >= 3000);
    assert_eq!(v["last_seq"], v["index_seq"]);
    let v = get("/openapi.json").await.json();
    assert!(v["paths"]["/v1/match"]["post"].is_object());
    assert!(v["paths"]["/v1/search"]["get"].is_object());
    let docs = get("/docs/").await;
    assert_eq!(docs.status, 200);
    assert!(docs.content_type.starts_with("text/html"));
    get("/v1/nothing-here").await.assert_error_code(404);
}

trait CodeOnly {
    fn assert_error_code(&self, status: u16);
}

impl CodeOnly for common::Reply {
    fn assert_error_code(&self, status: u16) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(self.json()["error"]["message"].is_string());
    }
}

async fn some_business(query: &str) -> String {
    let v = get(&format!("/v1/search?{query}&limit=1")).await.json();
    v["results"][0]["business"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no business for {query}: {v}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_buyer_gets_suppliers_for_each_of_its_needs() {
    let id = some_business("province=36&kind=need&commodity=bawang_merah").await;
    let v = post_json("/v1/match", format!(r#"{{"buyer":"{id}","limit":5}}"#))
        .await
        .json();
    let groups = v["groups"].as_array().expect("groups");
    assert!(!groups.is_empty(), "{v}");
    for g in groups {
        assert_eq!(g["listing"]["kind"], "need");
        for r in g["results"].as_array().expect("results") {
            assert_eq!(r["listing"]["kind"], "offer");
            assert_eq!(r["listing"]["commodity"], g["listing"]["commodity"]);
            assert_ne!(r["business"]["province"], "36");
            assert_ne!(r["business"]["id"], id.as_str());
        }
    }
    assert_eq!(v["business"]["id"], id.as_str());
    assert!(!v["results"].as_array().expect("results").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_seller_gets_markets_in_other_provinces() {
    let id = some_business("province=35&kind=offer&commodity=bawang_merah").await;
    let v = post_json("/v1/match", format!(r#"{{"seller":"{id}","limit":10}}"#))
        .await
        .json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty(), "{v}");
    for r in results {
        assert_eq!(r["listing"]["kind"], "need");
        assert_ne!(r["business"]["province"], "35");
    }
    post_json("/v1/match", r#"{"seller":"no-such-business"}"#)
        .await
        .assert_error_code(404);
    post_json(
        "/v1/match",
        format!(r#"{{"seller":"{id}","buyer":"{id}"}}"#),
    )
    .await
    .assert_error(400, "need");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn match_filters_by_island_group_kind_and_capacity() {
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"limit":50,
            "filters":{"island_groups":["Jawa"],"kinds":["umkm","cooperative"],
                       "min_capacity":{"qty":10,"unit":"ton","per":"month"}}}"#,
    )
    .await
    .json();
    assert!(!v["results"].as_array().expect("results").is_empty(), "{v}");
    for r in v["results"].as_array().expect("results") {
        let p = r["business"]["province"].as_str().unwrap_or("");
        assert!(p.starts_with('3'), "Jawa provinces are 31–36: {p}");
        let kind = r["business"]["kind"].as_str().unwrap_or("");
        assert!(kind == "umkm" || kind == "cooperative", "{kind}");
        let cap = &r["listing"]["capacity"];
        let kg =
            cap["qty"].as_f64().unwrap_or(0.0) * if cap["unit"] == "ton" { 1000.0 } else { 1.0 };
        assert!(kg >= 10_000.0 || cap["per"] != "month", "{cap}");
    }
    post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"filters":{"island_groups":["Atlantis"]}}"#,
    )
    .await
    .assert_error(400, "filters.island_groups[0]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_east_java_to_banten_corridor_leads_with_what_east_java_supplies() {
    let v = get("/v1/corridors?from=35&to=36&limit=15").await.json();
    let rows = v["commodities"].as_array().expect("commodities");
    let top: Vec<&str> = rows
        .iter()
        .take(5)
        .map(|c| c["commodity"].as_str().unwrap_or(""))
        .collect();
    // East Java grows most of the bird's-eye chili that Java buys (trade_flows_train.csv F07).
    assert!(top.contains(&"cabai_rawit"), "{top:?}");
    // Measured commodities come by expected share, and none without a figure above them
    // unless the model puts the measured one below 1 %.
    let mut last = (0, f64::INFINITY);
    for c in rows {
        let (tier, share) = match c["basis"].as_str() {
            Some("supply_model") => {
                let share = c["expected_share"].as_f64().expect("expected_share");
                let reasons = c["reasons"].to_string();
                assert!(reasons.contains("is expected to supply"), "{reasons}");
                (if share >= 0.01 { 0 } else { 2 }, share)
            }
            Some("listings") => {
                assert!(c["expected_share"].is_null(), "{c}");
                (1, f64::NAN)
            }
            other => panic!("basis {other:?}"),
        };
        assert!(tier >= last.0, "tiers in order: {c}");
        if tier == last.0 && tier != 1 {
            assert!(share <= last.1 + 1e-9, "by expected share: {c}");
        }
        last = (tier, share);
    }
    let tc = v["complementarity"]
        .as_f64()
        .expect("Michaely's complementarity from the deals");
    assert!((0.0..=100.0).contains(&tc), "{tc}");
    let first = &v["commodities"][0];
    assert!(!first["sellers"].as_array().expect("sellers").is_empty());
    for s in first["sellers"].as_array().expect("sellers") {
        assert_eq!(s["business"]["province"], "35");
    }
    for b in first["buyers"].as_array().expect("buyers") {
        assert_eq!(b["business"]["province"], "36");
    }
    get("/v1/corridors?from=99&to=36")
        .await
        .assert_error(400, "from");
    get("/v1/corridors?from=35&to=35")
        .await
        .assert_error(400, "to");
    get("/v1/corridors?from=35").await.assert_error(400, "to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn reasons_come_in_indonesian_on_request() {
    let body = r#"{"need":{"text":"bawang merah","province":"36"},"limit":1}"#;
    let v = post_json("/v1/match?lang=id", body).await.json();
    let reasons = v["results"][0]["reasons"].to_string();
    assert!(reasons.contains("diperkirakan memasok"), "{reasons}");
    let v = send(
        Request::post("/v1/match")
            .header("content-type", "application/json")
            .header("accept-language", "id-ID,id;q=0.9,en;q=0.5")
            .body(Body::from(body))
            .expect("request"),
    )
    .await
    .json();
    assert!(
        v["results"][0]["reasons"]
            .to_string()
            .contains("diperkirakan memasok")
    );
    post_json("/v1/match?lang=fr", body)
        .await
        .assert_error(400, "lang");
    let v = get("/v1/corridors?from=35&to=36&lang=id").await.json();
    assert!(
        v["commodities"][0]["reasons"]
            .to_string()
            .contains("penawaran")
    );
}

async fn fixture_mission() -> Value {
    let reply = get("/v1/missions/jatim-banten-2023").await;
    assert_eq!(reply.status, 200);
    reply.json()
}

/// Checks a planned schedule's meetings: nobody twice in a slot, at most `tables` per slot,
/// tables in range, no pair twice. Returns meetings per participant id.
fn check_schedule(v: &Value, tables: u64) -> std::collections::HashMap<String, usize> {
    let meetings = v["meetings"].as_array().expect("meetings");
    let mut busy = std::collections::HashSet::new();
    let mut per_slot = std::collections::HashMap::new();
    let mut pairs = std::collections::HashSet::new();
    let mut count = std::collections::HashMap::new();
    for m in meetings {
        let slot = m["slot"].as_u64().expect("slot");
        for who in [&m["a"], &m["b"]] {
            let id = who.as_str().expect("id").to_string();
            assert!(busy.insert((slot, id.clone())), "{id} twice in slot {slot}");
            *count.entry(id).or_insert(0) += 1;
        }
        *per_slot.entry(slot).or_insert(0u64) += 1;
        let table = m["table"].as_u64().expect("table");
        assert!((1..=tables).contains(&table));
        let (a, b) = (m["a"].to_string(), m["b"].to_string());
        assert!(
            pairs.insert((a.clone().min(b.clone()), a.max(b))),
            "pair twice"
        );
    }
    assert!(per_slot.values().all(|n| *n <= tables));
    count
}

/// Issue #16's acceptance test: with `"min_meetings": 3` every one of the shipped mission's
/// 157 firms gets at least 3 meetings, and every must request is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_fixture_mission_with_min_meetings_gives_every_firm_three() {
    let mut spec = fixture_mission().await;
    // A short idle-gap phase: the test server is a debug build sharing two cores with the
    // rest of the suite (a full-length one was seen to pass the 30 s request timeout under
    // load), and the annealing does not change who meets whom.
    spec["time_limit_ms"] = json!(200);
    let without = post_json("/v1/missions/plan", spec.to_string()).await;
    assert_eq!(
        without.status,
        200,
        "{}",
        String::from_utf8_lossy(&without.body)
    );
    let without = without.json();
    spec["min_meetings"] = json!(3);
    let reply = post_json("/v1/missions/plan", spec.to_string()).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let v = reply.json();
    let count = check_schedule(&v, 40);
    let ids: Vec<&str> = spec["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 157);
    let short: Vec<(&str, usize)> = ids
        .iter()
        .map(|id| (*id, count.get(*id).copied().unwrap_or(0)))
        .filter(|(_, n)| *n < 3)
        .collect();
    assert!(short.is_empty(), "below 3 meetings: {short:?}");
    let stats = &v["stats"];
    assert_eq!(stats["below_min"], json!([]), "{stats}");
    assert_eq!(stats["min_met"], 157, "{stats}");
    assert_eq!(stats["must_placed"], stats["must_requested"], "{stats}");
    let musts = spec["requests"]
        .as_array()
        .map(|r| r.iter().filter(|r| r["priority"] == "must").count())
        .unwrap_or(0);
    assert_eq!(stats["must_requested"].as_u64(), Some(musts as u64));
    // Without the minimum, the same mission leaves firms with fewer (the issue's complaint).
    let before = check_schedule(&without, 40);
    assert!(
        ids.iter()
            .any(|id| before.get(*id).copied().unwrap_or(0) < 3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_mission_replans_around_a_no_show() {
    let mut spec = fixture_mission().await;
    spec["time_limit_ms"] = json!(200); // a debug server under load: see above
    let plan = post_json("/v1/missions/plan", spec.to_string())
        .await
        .json();
    let meetings = plan["meetings"].as_array().expect("meetings").clone();
    // The busiest participant does not come after slot 5; one later meeting is confirmed.
    let first = meetings
        .iter()
        .find(|m| m["slot"].as_u64() >= Some(6))
        .expect("an afternoon meeting");
    let absent = first["a"].as_str().expect("id").to_string();
    let confirmed = meetings
        .iter()
        .find(|m| m["slot"].as_u64() >= Some(6) && m["a"] != absent && m["b"] != absent)
        .expect("another afternoon meeting")
        .clone();
    let body = json!({
        "spec": spec,
        "previous": meetings,
        "from_slot": 6,
        "absent": [absent],
        "confirmed": [{"a": confirmed["a"], "b": confirmed["b"]}]
    });
    let reply = post_json("/v1/missions/replan?lang=id", body.to_string()).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let v = reply.json();
    check_schedule(&v, 40);
    let now: std::collections::HashMap<(String, String), u64> = v["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .map(|m| {
            (
                (m["a"].to_string(), m["b"].to_string()),
                m["slot"].as_u64().unwrap_or(999),
            )
        })
        .collect();
    for m in &meetings {
        let slot = m["slot"].as_u64().expect("slot");
        let key = (m["a"].to_string(), m["b"].to_string());
        if slot < 6 {
            assert_eq!(now.get(&key), Some(&slot), "a held meeting moved");
        }
    }
    let key = (confirmed["a"].to_string(), confirmed["b"].to_string());
    assert_eq!(now.get(&key), confirmed["slot"].as_u64().as_ref());
    let cancelled = v["changes"]["cancelled"].as_array().expect("cancelled");
    assert!(!cancelled.is_empty());
    assert!(
        cancelled.iter().all(|c| c["reason"]
            .as_str()
            .is_some_and(|r| r.contains("tidak hadir"))),
        "{cancelled:?}"
    );
    assert_eq!(v["changes"]["moved"], json!([]), "nothing had to move");

    // Bad input names the field.
    let mut bad = body.clone();
    bad["from_slot"] = json!(13);
    post_json("/v1/missions/replan", bad.to_string())
        .await
        .assert_error(400, "from_slot");
    let mut bad = body.clone();
    bad["absent"] = json!(["nobody"]);
    post_json("/v1/missions/replan", bad.to_string())
        .await
        .assert_error(400, "absent[0]");
    let mut bad = body;
    bad["previous"][0]["slot"] = json!(99);
    post_json("/v1/missions/replan", bad.to_string())
        .await
        .assert_error(400, "previous[0].slot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_fixture_mission_plans_with_every_constraint_kept() {
    let list = get("/v1/missions").await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["id"], "jatim-banten-2023");
    assert_eq!(list[0]["shipped"], true);
    let spec = fixture_mission().await;
    let reply = post_json("/v1/missions/plan", spec.to_string()).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let v = reply.json();
    let meetings = v["meetings"].as_array().expect("meetings");
    assert!(meetings.len() >= 100, "{} meetings", meetings.len());
    let mut busy = std::collections::HashSet::new();
    let mut per_slot = std::collections::HashMap::new();
    let mut pairs = std::collections::HashSet::new();
    for m in meetings {
        let slot = m["slot"].as_u64().expect("slot");
        for who in [&m["a"], &m["b"]] {
            assert!(
                busy.insert((slot, who.to_string())),
                "{who} twice in slot {slot}"
            );
        }
        *per_slot.entry(slot).or_insert(0) += 1;
        let table = m["table"].as_u64().expect("table");
        assert!((1..=40).contains(&table));
        assert!(
            pairs.insert((m["a"].to_string(), m["b"].to_string())),
            "pair twice"
        );
        assert!(m["start"].as_str().is_some_and(|s| s.len() == 5));
    }
    assert!(per_slot.values().all(|n| *n <= 40));
    let stats = &v["stats"];
    assert_eq!(stats["participants"], 157);
    assert!(stats["gap_pct"].as_f64().expect("gap") <= 0.5, "{stats}");
    let total_weight = stats["total_weight"].as_f64().expect("total_weight");
    let upper_bound = stats["upper_bound"].as_f64().expect("upper_bound");
    assert!(total_weight > 0.0, "{stats}");
    assert!(total_weight <= upper_bound + 1e-9, "{stats}");
    assert!(v["agendas"].as_object().map(|a| a.len()).unwrap_or(0) > 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_plan_comes_as_csv_icalendar_and_html() {
    let spec = fixture_mission().await.to_string();
    let meetings = post_json("/v1/missions/plan", spec.clone()).await.json()["meetings"]
        .as_array()
        .map(Vec::len)
        .expect("meetings");
    let csv = post_json("/v1/missions/plan?format=csv&lang=en", spec.clone()).await;
    assert!(csv.content_type.starts_with("text/csv"));
    let text = String::from_utf8_lossy(&csv.body).to_string();
    assert!(
        text.starts_with("\u{feff}slot,start,end,table,a,a_name,b,b_name,weight,topic"),
        "{text:.200}"
    );
    assert_eq!(
        text.lines().count(),
        meetings + 1,
        "a header and one row per meeting"
    );
    let ics = post_json("/v1/missions/plan?format=ics&lang=en", spec.clone()).await;
    assert!(ics.content_type.starts_with("text/calendar"));
    let text = String::from_utf8_lossy(&ics.body).to_string();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        meetings,
        "one event per meeting"
    );
    assert!(text.contains("LOCATION:Table"));
    let html = post_json("/v1/missions/plan?format=html", spec.clone()).await;
    assert!(html.content_type.starts_with("text/html"));
    assert!(String::from_utf8_lossy(&html.body).contains("<table"));
    post_json("/v1/missions/plan?format=pdf", spec)
        .await
        .assert_error(400, "format");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_mission_specs_name_the_field() {
    let spec = fixture_mission().await;
    let with = |path: &[&str], value: Value| {
        let mut s = spec.clone();
        let mut node = &mut s;
        for p in &path[..path.len() - 1] {
            node = match p.parse::<usize>() {
                Ok(i) => &mut node[i],
                Err(_) => &mut node[*p],
            };
        }
        node[path[path.len() - 1]] = value;
        s.to_string()
    };
    post_json("/v1/missions/plan", with(&["tables"], json!(0)))
        .await
        .assert_error(400, "tables");
    post_json("/v1/missions/plan", with(&["slots", "minutes"], json!(0)))
        .await
        .assert_error(400, "slots.minutes");
    post_json(
        "/v1/missions/plan",
        with(&["slots", "start"], json!("25:99")),
    )
    .await
    .assert_error(400, "slots.start");
    post_json(
        "/v1/missions/plan",
        with(&["participants", "0", "id"], json!("nobody-here")),
    )
    .await
    .assert_error(400, "participants[0].id");
    post_json("/v1/missions/plan", with(&["host_province"], json!("99")))
        .await
        .assert_error(400, "host_province");
    // A planner's own spreadsheet: only listed pairs, participants need not exist.
    let own = json!({"name": "Forum", "host_province": "36", "date": "2024-05-02",
        "slots": {"start": "10:00", "minutes": 15, "count": 4}, "tables": 2, "max_meetings": 4,
        "participants": [{"id": "x1", "side": "origin"}, {"id": "x2", "side": "origin"},
                         {"id": "y1", "side": "host"}, {"id": "y2", "side": "host"}],
        "preferences": [{"a": "x1", "b": "y1", "weight": 3}, {"a": "x2", "b": "y1", "weight": 2},
                        {"a": "x2", "b": "y2", "weight": 1}],
        "preferences_only": true});
    let v = post_json("/v1/missions/plan", own.to_string()).await;
    assert_eq!(v.status, 200, "{}", String::from_utf8_lossy(&v.body));
    let v = v.json();
    assert_eq!(v["meetings"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["stats"]["total_weight"], 6.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_deal_network_is_served() {
    let flows = get("/v1/flows").await.json();
    let list = flows["flows"].as_array().expect("flows");
    assert!(list.len() > 50, "{} flows", list.len());
    assert!(list.iter().any(|f| f["from"] == "35" && f["to"] == "36"));
    let values: Vec<f64> = list
        .iter()
        .map(|f| f["value_idr"].as_f64().unwrap_or(0.0))
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "largest first");
    // The first fixture deal's buyer has its seller among its partners.
    let first: Value = serde_json::from_str(
        include_str!("../../fixtures/deals.jsonl")
            .lines()
            .next()
            .expect("a deal"),
    )
    .expect("deal");
    let buyer = first["buyer"].as_str().expect("buyer");
    let net = get(&format!("/v1/businesses/{buyer}/network?limit=1000"))
        .await
        .json();
    let partners = net["partners"].as_array().expect("partners");
    assert!(partners.iter().any(|p| p["id"] == first["seller"]), "{net}");
    assert!(!net["provinces"].as_array().expect("provinces").is_empty());
    let intro = get(&format!(
        "/v1/intro?from={buyer}&to={}",
        first["seller"].as_str().unwrap_or("")
    ))
    .await
    .json();
    assert_eq!(intro["path"][0]["to"], first["seller"]);
    get("/v1/businesses/nobody/network")
        .await
        .assert_error_code(404);
    get("/v1/intro?from=x").await.assert_error(400, "to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_forum_of_three_provinces_plans_across_them() {
    // Sellers of shallots from East and Central Java, buyers from Banten; no sides given,
    // so each province is its own group and only cross-province pairs meet.
    let mut ids = Vec::new();
    for (province, kind) in [("35", "offer"), ("33", "offer"), ("36", "need")] {
        let v = get(&format!(
            "/v1/search?province={province}&kind={kind}&commodity=bawang_merah&limit=5"
        ))
        .await
        .json();
        for r in v["results"].as_array().expect("results") {
            let id = r["business"]["id"].as_str().unwrap_or_default().to_string();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let participants: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    let spec = json!({"name": "Forum bawang merah", "host_province": "36", "date": "2024-03-05",
        "slots": {"start": "13:00", "minutes": 15, "count": 6}, "tables": 10, "max_meetings": 4,
        "participants": participants});
    let reply = post_json("/v1/missions/plan", spec.to_string()).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let v = reply.json();
    let side: std::collections::HashMap<String, String> = v["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or("").to_string(),
                p["side"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let sides: std::collections::HashSet<&String> = side.values().collect();
    assert!(sides.len() >= 3, "one group per province: {sides:?}");
    let meetings = v["meetings"].as_array().expect("meetings");
    assert!(!meetings.is_empty());
    for m in meetings {
        let (a, b) = (m["a"].as_str().unwrap_or(""), m["b"].as_str().unwrap_or(""));
        assert_ne!(
            side.get(a),
            side.get(b),
            "{a} and {b} are from the same province"
        );
    }
}

/// Pages through every result of `uri` (which ends in a query string) and returns how many
/// there were; each page asks for `page` results.
async fn count_by_paging(uri: &str, page: usize) -> usize {
    let mut seen = 0;
    loop {
        let v = get(&format!("{uri}&limit={page}&offset={seen}"))
            .await
            .json();
        let n = v["results"].as_array().expect("results").len();
        seen += n;
        if n < page {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn search_total_is_what_paging_returns_for_every_filter() {
    for query in [
        "q=bawang%20merah",
        "q=bawang%20merah&cert=halal",
        "cert=halal",
        "q=kopi&cert=organic",
        "q=bawang%20merah&kind=offer&province=35",
        "commodity=beras&cert=halal&kind=need",
    ] {
        let uri = format!("/v1/search?{query}");
        let first = get(&format!("{uri}&limit=1")).await;
        assert_eq!(first.status, 200, "{query}");
        let total = first.json()["total"].as_u64().expect("total") as usize;
        assert!(total <= 10_000, "{query}: {total} is past the offset cap");
        let paged = count_by_paging(&uri, 1000).await;
        assert_eq!(
            total, paged,
            "{query}: total {total}, paging returns {paged}"
        );
        if query.contains("q=bawang") {
            assert!(total > 0, "{query}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn match_total_is_what_paging_returns_with_a_certification_filter() {
    // Match has no offset: one answer of up to 1,000 results is the whole page.
    for body in [
        r#""need":{"text":"bawang merah","province":"36","certifications":["halal"]}"#,
        r#""need":{"text":"bawang merah","province":"36"}"#,
        r#""need":{"text":"cabai rawit","province":"31"},"filters":{"island_groups":["Jawa"]}"#,
    ] {
        let reply = post_json("/v1/match", format!("{{{body},\"limit\":1000}}")).await;
        assert_eq!(reply.status, 200, "{body}");
        let v = reply.json();
        let total = v["total"].as_u64().expect("total") as usize;
        let shown = v["results"].as_array().expect("results").len();
        assert!(total > 0 && total < 1000, "{body}: total {total}");
        assert_eq!(total, shown, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn metrics_do_not_grow_with_unknown_paths() {
    for i in 0..5 {
        let reply = get(&format!("/no-such-path-{i}/scan-{i}")).await;
        assert_eq!(reply.status, 404);
    }
    let reply = get("/v1/provinces").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        get("/metrics").await.status,
        401,
        "the counters are for key holders"
    );
    let reply = crate::common::send(
        axum::http::Request::get("/metrics")
            .header("authorization", format!("Bearer {}", crate::common::TOKEN))
            .body(axum::body::Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(reply.status, 200);
    let text = String::from_utf8(reply.body).expect("utf-8");
    assert!(
        !text.contains("no-such-path"),
        "raw paths in labels:\n{text}"
    );
    assert!(
        text.contains(&format!("endpoint=\"{}\"", jalin::api::UNMATCHED_ENDPOINT)),
        "{text}"
    );
    assert!(text.contains("endpoint=\"/v1/provinces\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_province_may_be_named_instead_of_coded() {
    let by_code = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"limit":20}"#,
    )
    .await;
    assert_eq!(by_code.status, 200);
    let ids = |v: &Value| -> Vec<Value> {
        v["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["business"]["id"].clone())
            .collect()
    };
    let expected = ids(&by_code.json());
    assert!(!expected.is_empty());
    for name in ["Banten", "banten", "Serang"] {
        let body = json!({"need": {"text": "bawang merah", "province": name}, "limit": 20});
        let reply = post_json("/v1/match", body.to_string()).await;
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(ids(&reply.json()), expected, "{name}");
    }
    let filtered = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"filters":{"provinces":["Jawa Tengah"]}}"#,
    )
    .await;
    assert_eq!(filtered.status, 200);
    let v = filtered.json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["business"]["province"], "33", "{r}");
    }
    let search = get("/v1/search?q=bawang&province=Jatim").await;
    assert_eq!(search.status, 200);
    let v = search.json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["business"]["province"], "35", "{r}");
    }
    let corridor = get("/v1/corridors?from=Jatim&to=Banten").await;
    assert_eq!(corridor.status, 200);
    assert_eq!(corridor.json()["from"], "35");
    post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"Atlantis"}}"#,
    )
    .await
    .assert_error(400, "need.province");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn two_commodities_in_one_need_are_answered_per_commodity() {
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"butuh bawang merah dan cabai rawit 5 ton per bulan","province":"Banten"},"limit":10}"#,
    )
    .await
    .json();
    assert_eq!(
        v["understood"]["commodities"],
        json!(["bawang_merah", "cabai_rawit"])
    );
    let groups = v["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    for (g, key) in groups.iter().zip(["bawang_merah", "cabai_rawit"]) {
        assert_eq!(g["commodity"], key);
        let results = g["results"].as_array().expect("results");
        assert_eq!(results.len(), 10, "{key}");
        for r in results {
            assert_eq!(r["listing"]["commodity"], key);
        }
    }
    // The best of both, each listing once.
    let best = v["results"].as_array().expect("results");
    assert_eq!(best.len(), 10);
    assert!(
        best.iter()
            .any(|r| r["listing"]["commodity"] == "bawang_merah")
    );
    // "bawang" alone covers the onion family; "cabai rawit" stays one commodity.
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang","province":"36"},"limit":5}"#,
    )
    .await
    .json();
    assert_eq!(v["understood"]["families"], json!(["bawang"]));
    assert_eq!(
        v["understood"]["commodities"],
        json!(["bawang_merah", "bawang_putih", "bawang_bombay"])
    );
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"cabai rawit","province":"36"},"limit":5}"#,
    )
    .await
    .json();
    assert!(
        v["understood"].get("families").is_none(),
        "{}",
        v["understood"]
    );
    assert!(v["groups"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn nearest_first_and_a_distance_limit() {
    let km = |a: &str, b: &str| {
        let r = fixture().engine.reference();
        f64::from(r.distance_km(
            r.province(a).expect("province"),
            r.province(b).expect("province"),
        ))
    };
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"order":"nearest","limit":30}"#,
    )
    .await
    .json();
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 30);
    let mut last = (0.0, f64::INFINITY);
    for r in results {
        let p = r["business"]["province"].as_str().expect("province");
        let d = km("36", p);
        let score = r["score"].as_f64().expect("score");
        assert!(
            d >= last.0,
            "nearest first: {p} at {d} km after {} km",
            last.0
        );
        if d == last.0 {
            assert!(score <= last.1 + 1e-6, "by score within a province");
        }
        // The score shown is the pair's own, and its terms still add up to it.
        let sum: f64 = r["explain"]
            .as_object()
            .expect("explain")
            .values()
            .filter_map(Value::as_f64)
            .sum();
        assert!((sum - score).abs() < 2e-3, "{sum} vs {score}");
        last = (d, score);
    }
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"filters":{"max_km":500},"limit":50}"#,
    )
    .await
    .json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let p = r["business"]["province"].as_str().expect("province");
        assert!(km("36", p) <= 500.0, "{p}");
    }
    post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"filters":{"max_km":0}}"#,
    )
    .await
    .assert_error(400, "filters.max_km");
    post_json(
        "/v1/match",
        r#"{"need":{"text":"bawang merah","province":"36"},"order":"closest"}"#,
    )
    .await
    .assert_error(400, "order");
}
