//! The mission planner and the deal-network reads (network, intro, flows, missions) refuse
//! garbage with a well-formed 4xx.

use serde_json::json;

use super::*;

fn bad_mission_numbers(field: &str) -> &'static [&'static str] {
    match field {
        "tables" => &["0", "-1", "10001", "1.5", "1e400", "18446744073709551616"],
        "count" => &["0", "-1", "201", "1e400"],
        "minutes" => &["0", "-1", "601", "1e400"],
        "max_meetings" => &["0", "-1", "1e400", "18446744073709551616"],
        "weight" => &["-1", "-1e-9", "1e400", "-1e400"],
        "after" => &["-1", "6", "99", "1e400"],
        _ => &[],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_field_of_a_mission_plan_mistyped_or_out_of_range_is_a_400() {
    let base = full_mission();
    let ok = post_json("/v1/missions/plan", base.to_string()).await;
    assert_eq!(
        ok.status,
        200,
        "the unmutated mission is valid: {}",
        String::from_utf8_lossy(&ok.body)
    );
    let mut cases = refused_mutations(
        &base,
        &[
            "name",
            "host_province",
            "date",
            "slots",
            "slots.start",
            "slots.minutes",
            "slots.count",
            "slots.breaks[0].after",
            "slots.breaks[0].minutes",
            "tables",
            "max_meetings",
            "participants",
            "participants[0].id",
            "requests[0].a",
            "requests[0].b",
            "preferences[0].a",
            "preferences[0].b",
            "preferences[0].weight",
        ],
    );
    for (path, node) in nodes(&base) {
        if let Some(Key::Field(last)) = path.last() {
            for raw in bad_mission_numbers(last) {
                if node.is_number() {
                    cases.push((
                        format!("{} = {raw}", path_name(&path)),
                        splice(&base, &path, raw),
                    ));
                }
            }
        }
    }
    for (path, raw) in [
        ("host_province", "\"99\""),
        ("date", "\"2023-02-29\""),
        ("date", "\"01-05-2024\""),
        ("slots.start", "\"25:00\""),
        ("slots.start", "\"09:60\""),
        ("slots.start", "\"9\""),
        ("slots.start", "\"\""),
        ("slots.start", "\"23:00\""),
        ("participants", "[]"),
        ("participants[1].available", "[[3, 1]]"),
        ("participants[1].available", "[[0, 99]]"),
        ("participants[1].available", "[[-1, 2]]"),
        ("participants[1].available", "[[0]]"),
        ("participants[1].available", "[[0, 1, 2]]"),
        ("participants[1].max_meetings", "0"),
        ("participants[2].province", "\"99\""),
        ("participants[0].id", "\"no-such-business\""),
        ("participants[0].id", "\"\""),
        ("participants[0].id", "\"jt-00031\""),
        ("requests[0].a", "\"not-a-participant\""),
        ("requests[0].b", "\"jt-00028\""),
        ("requests[0].priority", "\"urgent\""),
        ("blocked[0]", "[\"jt-00051\"]"),
        ("blocked[0]", "[\"jt-00051\", \"bt-00007\", \"bt-00009\"]"),
        ("blocked[0]", "[\"jt-00028\", \"bt-00002\"]"),
        ("preferences[0].b", "\"not-a-participant\""),
    ] {
        cases.push((format!("{path} = {raw}"), with_raw(&base, path, raw)));
    }
    let mut f = Failures::default();
    for (what, body) in &cases {
        let r = post_json("/v1/missions/plan", body.clone()).await;
        f.check(format!("POST /v1/missions/plan {what}"), not_refused(&r));
    }
    for format in ["pdf", "", "JSON", "%FF", "json&format=csv"] {
        let uri = format!("/v1/missions/plan?format={format}");
        let r = post_json(&uri, base.to_string()).await;
        f.check(format!("POST {uri}"), not_refused(&r));
    }
    for format in ["json", "csv", "ics", "html"] {
        let uri = format!("/v1/missions/plan?format={format}");
        let r = post_json(&uri, base.to_string()).await;
        f.check(format!("POST {uri}"), broken(&r));
        if !r.status.is_success() {
            f.check(&uri, Some(format!("{} for a valid mission", r.status)));
        }
    }
    // Valid but extreme: huge preference weights, every slot blocked for someone.
    let mut extreme = base.clone();
    extreme["preferences"] = json!([
        {"a": "jt-00059", "b": "bt-00009", "weight": 1e308},
        {"a": "jt-00028", "b": "bt-00004", "weight": 1e308},
        {"a": "jt-00051", "b": "bt-00009", "weight": 0}
    ]);
    extreme["participants"][1]["available"] = json!([[0, 0], [0, 0], [5, 5]]);
    let r = post_json("/v1/missions/plan", extreme.to_string()).await;
    f.check("POST /v1/missions/plan with weights of 1e308", broken(&r));
    assert!(cases.len() > 100, "{} cases", cases.len());
    f.assert_none("mission plan mutations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_network_intro_flows_and_missions_reads_refuse_garbage() {
    let mut f = Failures::default();
    for uri in [
        "/v1/businesses/jt-00001/network?limit=0",
        "/v1/businesses/jt-00001/network?limit=1001",
        "/v1/businesses/jt-00001/network?limit=-1",
        "/v1/businesses/jt-00001/network?limit=1e400",
        "/v1/businesses/jt-00001/network?limit=abc",
        "/v1/businesses/jt-00001/network?lang=fr",
        "/v1/businesses/jt-00001/network?bogus=1",
        "/v1/businesses/jt-00001/network?limit=1&limit=2",
        "/v1/businesses/no-such-business/network",
        "/v1/businesses/%FF/network",
        "/v1/businesses/%E2%9C%93/network",
        "/v1/intro",
        "/v1/intro?from=jt-00001",
        "/v1/intro?to=jt-00001",
        "/v1/intro?from=no-such&to=jt-00001",
        "/v1/intro?from=jt-00001&to=no-such",
        "/v1/intro?from=jt-00001&to=jt-00002&lang=fr",
        "/v1/intro?from=jt-00001&to=jt-00002&bogus=1",
        "/v1/intro?from=%FF&to=%FE",
        "/v1/missions/no-such-mission",
        "/v1/missions/%FF",
        "/v1/missions/..%2F..%2Fetc%2Fpasswd",
    ] {
        let r = get(uri).await;
        f.check(format!("GET {uri}"), not_refused(&r));
    }
    for uri in [
        "/v1/intro?from=jt-00001&to=jt-00001",
        "/v1/intro?from=&to=",
        "/v1/flows?bogus=1",
        "/v1/flows",
        "/v1/missions",
        "/v1/businesses/jt-00001/network?limit=1000&lang=id",
        "/metrics",
        "/metrics?x=%FF",
    ] {
        let r = get(uri).await;
        f.check(format!("GET {uri}"), broken(&r));
    }
    f.assert_none("network, intro, flows and missions");
}

/// A mission of `n` participants and `slots` slots, half on each side (unregistered names:
/// the size limits are checked before anything else).
fn mission_of(n: usize, slots: u64) -> Value {
    let participants: Vec<Value> = (0..n)
        .map(|i| {
            json!({"id": format!("p{i}"), "name": format!("Peserta {i}"),
                   "province": if i % 2 == 0 { "35" } else { "36" },
                   "side": if i % 2 == 0 { "origin" } else { "host" }})
        })
        .collect();
    json!({
        "name": "Besar", "host_province": "36", "date": "2024-05-01",
        "slots": {"start": "08:00", "minutes": 5, "count": slots},
        "tables": 2000, "max_meetings": 10, "participants": participants
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn plans_too_large_for_the_caller_are_400s_before_any_planning() {
    let plan_as = |key: Option<&'static str>, body: Value| async move {
        let mut req = Request::post("/v1/missions/plan").header("content-type", "application/json");
        if let Some(k) = key {
            req = req.header("authorization", format!("Bearer {k}"));
        }
        send(req.body(Body::from(body.to_string())).expect("request")).await
    };
    let field = |r: &Reply| {
        serde_json::from_slice::<Value>(&r.body).expect("JSON error")["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // The probe of the issue: 5,000 participants without a key.
    let r = plan_as(None, mission_of(5_000, 200)).await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(field(&r), "participants");
    assert!(String::from_utf8_lossy(&r.body).contains("without a key"));
    // Few enough participants, but too many participants × slots.
    let r = plan_as(None, mission_of(500, 40)).await;
    assert_eq!(
        (r.status.as_u16(), field(&r).as_str()),
        (400, "slots.count")
    );
    // And a long improvement budget.
    let mut long = full_mission();
    long["time_limit_ms"] = json!(30_000);
    let r = plan_as(None, long.clone()).await;
    assert_eq!(
        (r.status.as_u16(), field(&r).as_str()),
        (400, "time_limit_ms")
    );
    // A key lifts the bounds: 5,000 participants pass, 5,000 × 60 slots do not.
    let r = plan_as(Some(TOKEN), mission_of(5_000, 60)).await;
    assert_eq!(
        (r.status.as_u16(), field(&r).as_str()),
        (400, "slots.count")
    );
    assert!(!String::from_utf8_lossy(&r.body).contains("without a key"));
    long["time_limit_ms"] = json!(50);
    let r = plan_as(Some(TOKEN), long).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Re-planning is held to the same bounds.
    let replan = json!({"spec": mission_of(5_000, 12), "previous": [], "from_slot": 0});
    let req = Request::post("/v1/missions/replan").header("content-type", "application/json");
    let r = send(req.body(Body::from(replan.to_string())).expect("request")).await;
    assert_eq!(
        (r.status.as_u16(), field(&r).as_str()),
        (400, "participants")
    );
}
