//! Participants' meeting requests on a stored mission: every request route by role and
//! object (organiser, other province, reader, anonymous, the asking and the asked
//! business's keys, a business that is not a participant), the audit rows naming the key,
//! bad requests as 4xx naming the field, who reads which requests, and planning with them
//! (with `requests_need_acceptance` only accepted ones; never declined ones).

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{Fixture, Reply, TOKEN};

fn fixture() -> &'static Fixture {
    static OWN: OnceLock<Fixture> = OnceLock::new();
    OWN.get_or_init(Fixture::open)
}

async fn call(key: Option<&str>, method: &str, uri: &str, body: Option<Value>) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        b = b.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    };
    fixture().send(req.expect("request")).await
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A new key: (its id, the key).
async fn new_key(body: Value) -> (String, String) {
    let r = call(Some(TOKEN), "POST", "/v1/keys", Some(body)).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let v = r.json();
    (
        v["id"].as_str().expect("id").to_string(),
        v["key"].as_str().expect("key").to_string(),
    )
}

/// Registered businesses of the shipped Jatim–Banten mission: three of East Java, three
/// of Banten.
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
            .take(3)
            .collect()
    };
    (ids("origin"), ids("host"))
}

/// A mission of East Java's office (35) in Banten with two participants a side, the third
/// of each side registered but not taking part; only requested pairs may meet.
fn spec(name: &str, need_acceptance: bool) -> Value {
    let (o, h) = registered();
    json!({
        "name": name,
        "host_province": "36",
        "organiser": "35",
        "date": "2023-09-11",
        "slots": {"start": "09:00", "minutes": 20, "count": 4},
        "tables": 4,
        "max_meetings": 3,
        "time_limit_ms": 100,
        "seed": 3,
        "preferences_only": true,
        "requests_need_acceptance": need_acceptance,
        "participants": [
            {"id": o[0], "side": "origin"}, {"id": o[1], "side": "origin"},
            {"id": h[0], "side": "host"}, {"id": h[1], "side": "host"}
        ]
    })
}

async fn create(name: &str, need_acceptance: bool) -> String {
    let r = call(
        Some(TOKEN),
        "POST",
        "/v1/missions",
        Some(spec(name, need_acceptance)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", text(&r));
    r.json()["id"].as_str().expect("id").to_string()
}

async fn ask(key: Option<&str>, mission: &str, body: Value) -> Reply {
    call(
        key,
        "POST",
        &format!("/v1/missions/{mission}/requests"),
        Some(body),
    )
    .await
}

async fn act(key: Option<&str>, mission: &str, rid: &str, action: &str) -> Reply {
    let (method, uri) = match action {
        "withdraw" => ("DELETE", format!("/v1/missions/{mission}/requests/{rid}")),
        other => (
            "POST",
            format!("/v1/missions/{mission}/requests/{rid}/{other}"),
        ),
    };
    call(key, method, &uri, None).await
}

fn code(r: &Reply) -> u16 {
    r.status.as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_request_route_by_role_and_object() {
    let (o, h) = registered();
    let (a1, a2, b1, b2, outsider) = (&o[0], &o[1], &h[0], &h[1], &o[2]);
    let m = create("Misi Jatim–Banten (permintaan, hak akses)", false).await;
    let (_, jatim) = new_key(json!({"role": "province", "provinces": ["35"]})).await;
    let (_, banten) = new_key(json!({"role": "province", "provinces": ["36"]})).await;
    let (_, reader) = new_key(json!({"role": "reader"})).await;
    let (asker_id, asker) = new_key(json!({"role": "business", "business": a1})).await;
    let (asked_id, asked) = new_key(json!({"role": "business", "business": b1})).await;
    let (_, stranger) = new_key(json!({"role": "business", "business": outsider})).await;
    let admin = Some(TOKEN);

    // Asking: a business key from its own business only; organisers for anyone.
    let wish =
        json!({"a": a1, "b": b1, "priority": "must", "note": "Bawang merah", "window": [0, 1]});
    for (who, key, want) in [
        ("anonymous", None, 401),
        ("reader", Some(reader.as_str()), 403),
        ("banten office", Some(banten.as_str()), 403),
        ("the asked business", Some(asked.as_str()), 403),
        ("a business not taking part", Some(stranger.as_str()), 403),
    ] {
        let r = ask(key, &m, wish.clone()).await;
        assert_eq!(code(&r), want, "{who} asks from {a1}: {}", text(&r));
    }
    let asked_for = json!({"a": b1, "b": a1});
    ask(Some(&asker), &m, asked_for)
        .await
        .assert_error(403, "authorization");
    let r = ask(Some(&asker), &m, wish.clone()).await;
    assert_eq!(code(&r), 201, "{}", text(&r));
    let r1 = r.json();
    assert_eq!(r1["id"], "r-1");
    assert_eq!(r1["status"], "pending");
    assert_eq!(r1["requested_by"], asker_id.as_str());
    assert!(r1["decided_by"].is_null());
    let r = ask(Some(&jatim), &m, json!({"a": a2, "b": b2})).await;
    assert_eq!(code(&r), 201, "{}", text(&r));
    assert_eq!(r.json()["priority"], "want", "want by default");
    let r = ask(admin, &m, json!({"a": a2, "b": b1})).await;
    assert_eq!(code(&r), 201, "{}", text(&r));

    // Answering: the asked business's key or an organiser.
    for (who, key, want) in [
        ("anonymous", None, 401),
        ("reader", Some(reader.as_str()), 403),
        ("banten office", Some(banten.as_str()), 403),
        ("the asking business", Some(asker.as_str()), 403),
        ("a business not taking part", Some(stranger.as_str()), 403),
    ] {
        for action in ["accept", "decline"] {
            let r = act(key, &m, "r-1", action).await;
            assert_eq!(code(&r), want, "{who} {action}s r-1: {}", text(&r));
        }
    }
    let r = act(Some(&asked), &m, "r-1", "accept").await;
    assert_eq!(code(&r), 200, "{}", text(&r));
    assert_eq!(r.json()["status"], "accepted");
    assert_eq!(r.json()["decided_by"], asked_id.as_str());
    assert!(r.json()["decided_at"].is_string());
    // r-2 is addressed to b2: b1's key may not answer it, the organiser may.
    assert_eq!(code(&act(Some(&asked), &m, "r-2", "decline").await), 403);
    let r = act(Some(&jatim), &m, "r-2", "decline").await;
    assert_eq!(code(&r), 200, "{}", text(&r));
    assert_eq!(r.json()["status"], "declined");
    // A declined request may still be accepted before publication (the other side changed
    // its mind), and declined again.
    assert_eq!(
        act(admin, &m, "r-2", "accept").await.json()["status"],
        "accepted"
    );
    assert_eq!(
        act(admin, &m, "r-2", "decline").await.json()["status"],
        "declined"
    );

    // Withdrawing: the asking business's key or an organiser.
    for (who, key, want) in [
        ("anonymous", None, 401),
        ("reader", Some(reader.as_str()), 403),
        ("banten office", Some(banten.as_str()), 403),
        ("the asked business", Some(asked.as_str()), 403),
        ("a business not taking part", Some(stranger.as_str()), 403),
    ] {
        let r = act(key, &m, "r-1", "withdraw").await;
        assert_eq!(code(&r), want, "{who} withdraws r-1: {}", text(&r));
    }
    // a1's key did not ask r-3 (a2 did, through the admin).
    assert_eq!(code(&act(Some(&asker), &m, "r-3", "withdraw").await), 403);
    let r = act(Some(&asker), &m, "r-1", "withdraw").await;
    assert_eq!(code(&r), 200, "{}", text(&r));
    assert_eq!(r.json()["status"], "withdrawn");
    assert_eq!(r.json()["decided_by"], asker_id.as_str());
    act(Some(&asker), &m, "r-1", "withdraw")
        .await
        .assert_error(409, "status");
    act(Some(&asked), &m, "r-1", "accept")
        .await
        .assert_error(409, "status");
    // Once withdrawn, the pair may ask again.
    let r = ask(Some(&asker), &m, wish.clone()).await;
    assert_eq!(code(&r), 201, "{}", text(&r));
    assert_eq!(r.json()["id"], "r-4");

    // Reading: organisers all, a participating business its own, others nothing.
    let list = |key: Option<String>| {
        let m = m.clone();
        async move {
            call(
                key.as_deref(),
                "GET",
                &format!("/v1/missions/{m}/requests"),
                None,
            )
            .await
        }
    };
    let all = list(Some(jatim.clone())).await;
    assert_eq!(code(&all), 200);
    let ids: Vec<Value> = all
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, vec!["r-1", "r-2", "r-3", "r-4"]);
    let mine = list(Some(asked.clone())).await.json();
    let mine: Vec<&str> = mine
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(mine, ["r-1", "r-3", "r-4"], "those asking b1");
    for key in [
        None,
        Some(reader.clone()),
        Some(banten.clone()),
        Some(stranger.clone()),
    ] {
        assert_eq!(code(&list(key).await), 404, "unpublished: not found");
    }
    // A participating business reads the unpublished mission (whom it may ask), not its
    // plan; others do not see it at all.
    let get = |key: &str, path: &str| {
        let uri = format!("/v1/missions/{m}{path}");
        let key = key.to_string();
        async move { call(Some(&key), "GET", &uri, None).await }
    };
    assert_eq!(code(&get(&asked, "").await), 200);
    assert_eq!(code(&get(&asked, "/report").await), 404);
    assert_eq!(code(&get(&stranger, "").await), 404);
    let listed = call(Some(&asker), "GET", "/v1/missions", None).await.json();
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == m.as_str()),
        "{listed}"
    );
    let listed = call(Some(&stranger), "GET", "/v1/missions", None)
        .await
        .json();
    assert!(
        !listed
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == m.as_str()),
        "{listed}"
    );

    // Every write is audited under the key that made it.
    let rows = call(
        Some(TOKEN),
        "GET",
        &format!("/v1/audit?entity={m}&limit=100"),
        None,
    )
    .await
    .json();
    let rows = rows.as_array().expect("rows");
    let routes_of = |key: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["key_id"] == key)
            .filter_map(|r| r["route"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        routes_of(&asked_id),
        ["POST /v1/missions/{id}/requests/{rid}/accept"],
        "{rows:?}"
    );
    assert_eq!(
        routes_of(&asker_id),
        [
            "POST /v1/missions/{id}/requests",
            "DELETE /v1/missions/{id}/requests/{rid}",
            "POST /v1/missions/{id}/requests",
        ],
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_requests_are_4xx_naming_the_field() {
    let (o, h) = registered();
    let (a1, a2, b1, outsider) = (&o[0], &o[1], &h[0], &o[2]);
    let m = create("Misi Jatim–Banten (permintaan salah)", false).await;
    let admin = Some(TOKEN);
    for (body, status, field) in [
        (json!({"a": "nobody", "b": b1}), 400, "a"),
        (json!({"a": a1, "b": outsider}), 400, "b"),
        (json!({"a": a1, "b": a1}), 400, "b"),
        (json!({"a": a1, "b": a2}), 400, "b"),
        (json!({"a": a1, "b": b1, "window": [2, 1]}), 400, "window"),
        (json!({"a": a1, "b": b1, "window": [0, 4]}), 400, "window"),
        (
            json!({"a": a1, "b": b1, "note": "x".repeat(501)}),
            400,
            "note",
        ),
        (
            json!({"a": a1, "b": b1, "priority": "maybe"}),
            400,
            "priority",
        ),
        (
            json!({"a": a1, "b": b1, "status": "accepted"}),
            400,
            "status",
        ),
    ] {
        ask(admin, &m, body.clone())
            .await
            .assert_error(status, field);
    }
    assert_eq!(code(&ask(admin, &m, json!({"a": a1, "b": b1})).await), 201);
    // The same pair again, either way round, while the first is not withdrawn.
    ask(admin, &m, json!({"a": b1, "b": a1}))
        .await
        .assert_error(409, "b");
    assert_eq!(code(&act(admin, &m, "r-9", "accept").await), 404);
    assert_eq!(code(&act(admin, "m-999999", "r-1", "accept").await), 404);
    assert_eq!(
        code(&ask(admin, "m-999999", json!({"a": a1, "b": b1})).await),
        404
    );
    // Published: requests are closed.
    assert_eq!(
        code(&call(admin, "POST", &format!("/v1/missions/{m}/plan"), None).await),
        200
    );
    assert_eq!(
        code(&call(admin, "POST", &format!("/v1/missions/{m}/publish"), None).await),
        200
    );
    ask(admin, &m, json!({"a": a2, "b": b1}))
        .await
        .assert_error(409, "published");
    act(admin, &m, "r-1", "decline")
        .await
        .assert_error(409, "published");
    // Published, anyone reads the mission, but only parties and organisers the requests.
    let r = call(None, "GET", &format!("/v1/missions/{m}/requests"), None).await;
    assert_eq!(code(&r), 200);
    assert_eq!(r.json(), json!([]));
}

/// The pairs that meet in a plan, each as (origin, host).
fn pairs(plan: &Value) -> Vec<(String, String)> {
    let (o, _) = registered();
    plan["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .map(|m| {
            let (a, b) = (
                m["a"].as_str().unwrap_or("").to_string(),
                m["b"].as_str().unwrap_or("").to_string(),
            );
            if o.contains(&a) { (a, b) } else { (b, a) }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn planning_uses_accepted_requests_and_never_declined_ones() {
    let (o, h) = registered();
    let (a1, a2, b1, b2) = (&o[0], &o[1], &h[0], &h[1]);
    let name = "Misi Jatim–Banten (permintaan direncanakan)";
    let m = create(name, true).await;
    let admin = Some(TOKEN);
    for (a, b, priority) in [(a1, b1, "must"), (a2, b2, "must"), (a1, b2, "want")] {
        let r = ask(admin, &m, json!({"a": a, "b": b, "priority": priority})).await;
        assert_eq!(code(&r), 201, "{}", text(&r));
    }
    assert_eq!(code(&act(admin, &m, "r-1", "accept").await), 200);
    assert_eq!(code(&act(admin, &m, "r-2", "decline").await), 200);
    let plan_it = || async {
        let r = call(admin, "POST", &format!("/v1/missions/{m}/plan"), None).await;
        assert_eq!(code(&r), 200, "{}", text(&r));
        r.json()
    };

    // Acceptance needed: only r-1 (accepted) is planned; r-3 waits, r-2 was declined.
    let plan = plan_it().await;
    let met = pairs(&plan);
    assert!(met.contains(&(a1.clone(), b1.clone())), "{met:?}");
    assert!(
        !met.contains(&(a2.clone(), b2.clone())),
        "declined: {met:?}"
    );
    assert!(!met.contains(&(a1.clone(), b2.clone())), "pending: {met:?}");
    let meeting = plan["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .find(|x| x["a"] == a1.as_str() || x["b"] == a1.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(meeting["priority"], "must", "{meeting}");
    let tally = &plan["requests"];
    assert_eq!(tally["used"], 1, "{tally}");
    assert_eq!(tally["placed"], 1, "{tally}");
    assert_eq!(
        tally["left_out"],
        json!([{"id": "r-2", "reason": "declined"}, {"id": "r-3", "reason": "pending"}])
    );
    // The kept plan says so too.
    let kept = call(admin, "GET", &format!("/v1/missions/{m}/plan"), None)
        .await
        .json();
    assert_eq!(kept["requests"], *tally);

    // Without acceptance every request neither declined nor withdrawn is planned.
    let mut s = spec(name, false);
    let r = call(admin, "PUT", &format!("/v1/missions/{m}"), Some(s.clone())).await;
    assert_eq!(code(&r), 200, "{}", text(&r));
    let plan = plan_it().await;
    let met = pairs(&plan);
    assert!(met.contains(&(a1.clone(), b1.clone())), "{met:?}");
    assert!(
        met.contains(&(a1.clone(), b2.clone())),
        "pending, used: {met:?}"
    );
    assert!(
        !met.contains(&(a2.clone(), b2.clone())),
        "declined: {met:?}"
    );
    assert_eq!(plan["requests"]["used"], 2, "{}", plan["requests"]);
    assert_eq!(plan["requests"]["placed"], 2, "{}", plan["requests"]);

    // A request the edited mission cannot hold any more is left out, not a failed plan.
    s["participants"] = json!([
        {"id": a1, "side": "origin"}, {"id": a2, "side": "origin"}, {"id": b1, "side": "host"}
    ]);
    let r = call(admin, "PUT", &format!("/v1/missions/{m}"), Some(s)).await;
    assert_eq!(code(&r), 200, "{}", text(&r));
    let plan = plan_it().await;
    assert_eq!(plan["requests"]["used"], 1, "{}", plan["requests"]);
    let left = plan["requests"]["left_out"].as_array().expect("left out");
    assert!(
        left.iter().any(
            |x| x["id"] == "r-3" && x["reason"].as_str().unwrap_or("").contains("participants")
        ),
        "{left:?}"
    );
}
