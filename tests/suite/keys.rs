//! Keys per principal: every write route × role × own/other object, revoked and expired
//! keys, deals proposed by one side and confirmed by the other, who sees contacts, and the
//! audit trail naming the key behind every write.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{Fixture, Reply, TOKEN};

fn fixture() -> &'static Fixture {
    static OWN: OnceLock<Fixture> = OnceLock::new();
    OWN.get_or_init(Fixture::open)
}

/// Serialises the tests of this module: they share one engine and count its records.
static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn call(key: Option<&str>, method: &str, uri: &str, body: Option<(&str, String)>) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        b = b.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some((ct, text)) => b.header("content-type", ct).body(Body::from(text)),
        None => b.body(Body::empty()),
    };
    fixture().send(req.expect("request")).await
}

fn business(id: &str, province: &str) -> Value {
    json!({
        "id": id, "name": format!("UD {id}"), "kind": "umkm", "province": province,
        "offers": [{"commodity": "bawang_merah", "title": "Bawang merah"}],
        "contacts": {"phone": "0812-3456-7890", "contact_person": "Bu Sari"}
    })
}

async fn put(key: Option<&str>, id: &str, province: &str) -> Reply {
    call(
        key,
        "PUT",
        &format!("/v1/businesses/{id}"),
        Some(("application/json", business(id, province).to_string())),
    )
    .await
}

async fn deal(key: Option<&str>, buyer: &str, seller: &str) -> Reply {
    let body = json!({
        "buyer": buyer, "seller": seller, "commodity": "bawang_merah",
        "value_idr": 1.0e7, "date": "2026-11-30", "status": "completed"
    });
    call(
        key,
        "POST",
        "/v1/deals",
        Some(("application/json", body.to_string())),
    )
    .await
}

async fn import(key: Option<&str>, id: &str, province: &str) -> Reply {
    call(
        key,
        "POST",
        "/v1/import",
        Some(("application/x-ndjson", business(id, province).to_string())),
    )
    .await
}

async fn new_key(body: Value) -> (String, String) {
    let r = call(
        Some(TOKEN),
        "POST",
        "/v1/keys",
        Some(("application/json", body.to_string())),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    let key = v["key"].as_str().expect("key").to_string();
    assert!(key.starts_with("jk_"), "{key}");
    (v["id"].as_str().expect("id").to_string(), key)
}

fn code(r: &Reply) -> u16 {
    r.status.as_u16()
}

/// The keys of one run: a province office of East Java (35), a business of East Java, a
/// reader, a province office of Banten (36), an expired and a revoked key.
struct Keys {
    province: String,
    business: String,
    reader: String,
    banten: String,
    expired: String,
    revoked: String,
    province_id: String,
}

async fn setup(tag: &str) -> Keys {
    for (id, p) in [
        (format!("{tag}-own"), "35"),
        (format!("{tag}-other"), "36"),
        (format!("{tag}-third"), "36"),
    ] {
        assert_eq!(code(&put(Some(TOKEN), &id, p).await), 201);
    }
    let (province_id, province) =
        new_key(json!({"role": "province", "provinces": ["Jawa Timur"], "label": "Disperindag"}))
            .await;
    let (_, business) =
        new_key(json!({"role": "business", "business": format!("{tag}-own")})).await;
    let (_, reader) = new_key(json!({"role": "reader"})).await;
    let (_, banten) = new_key(json!({"role": "province", "provinces": ["36"]})).await;
    let (_, expired) = new_key(json!({"role": "admin", "expires": "2020-01-01"})).await;
    let (revoked_id, revoked) = new_key(json!({"role": "admin"})).await;
    let r = call(
        Some(TOKEN),
        "DELETE",
        &format!("/v1/keys/{revoked_id}"),
        None,
    )
    .await;
    assert_eq!(code(&r), 200);
    assert!(r.json()["revoked"].is_string());
    Keys {
        province,
        business,
        reader,
        banten,
        expired,
        revoked,
        province_id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_write_route_by_role_and_object() {
    let _g = LOCK.lock().await;
    let k = setup("km").await;
    let (own, other) = ("km-own", "km-other");
    // (who, key, [PUT own, PUT other, move own to 36, deal own–other, deal other–other,
    //  import own, import other])
    let admin = Some(TOKEN);
    let rows: [(&str, Option<&str>, [u16; 7]); 7] = [
        ("anonymous", None, [401, 401, 401, 401, 401, 401, 401]),
        ("admin", admin, [200, 200, 200, 201, 201, 200, 200]),
        (
            "province 35",
            Some(&k.province),
            [200, 403, 403, 201, 403, 200, 400],
        ),
        (
            "business own",
            Some(&k.business),
            [200, 403, 200, 202, 403, 200, 400],
        ),
        (
            "reader",
            Some(&k.reader),
            [403, 403, 403, 403, 403, 403, 403],
        ),
        (
            "expired",
            Some(&k.expired),
            [401, 401, 401, 401, 401, 401, 401],
        ),
        (
            "revoked",
            Some(&k.revoked),
            [401, 401, 401, 401, 401, 401, 401],
        ),
    ];
    for (who, key, want) in rows {
        let got = [
            code(&put(key, own, "35").await),
            code(&put(key, other, "36").await),
            {
                // Moving a business: to another province and back (the admin restores it).
                let c = code(&put(key, own, "36").await);
                put(admin, own, "35").await;
                c
            },
            code(&deal(key, own, other).await),
            code(&deal(key, other, "km-third").await),
            code(&import(key, own, "35").await),
            code(&import(key, other, "36").await),
        ];
        assert_eq!(
            got, want,
            "{who}: PUT own, PUT other, move own, deal own, deal other, import own, import other"
        );
    }
    // A refusal names the authorization and says why; a bad import row says so too.
    let r = put(Some(&k.province), other, "36").await;
    r.assert_error(403, "authorization");
    let r = import(Some(&k.province), other, "36").await;
    assert_eq!(code(&r), 400);
    assert!(
        r.json()["rows"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("province 36"),
        "{}",
        r.json()
    );

    // Deletes: a business key its own only, a province key its provinces' only.
    for (id, p) in [("km-d1", "35"), ("km-d2", "36"), ("km-d3", "35")] {
        put(admin, id, p).await;
    }
    let del = |key: String, id: &'static str| async move {
        code(&call(Some(&key), "DELETE", &format!("/v1/businesses/{id}"), None).await)
    };
    assert_eq!(del(k.reader.clone(), "km-d1").await, 403);
    assert_eq!(del(k.business.clone(), "km-d1").await, 403);
    assert_eq!(del(k.province.clone(), "km-d2").await, 403);
    assert_eq!(del(k.banten.clone(), "km-d1").await, 403);
    assert_eq!(del(k.province.clone(), "km-d1").await, 204);
    assert_eq!(del(k.banten.clone(), "km-d2").await, 204);
    assert_eq!(del(TOKEN.to_string(), "km-d3").await, 204);
    assert_eq!(
        code(&call(None, "DELETE", "/v1/businesses/km-other", None).await),
        401
    );

    // Deleting deals: admin, or a province key with a party in its provinces; a business
    // key never. A deleted deal is gone (404) and leaves the deal network.
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = deal(admin, own, "km-third").await;
        assert_eq!(code(&r), 201);
        ids.push(r.json()["id"].as_str().expect("deal id").to_string());
    }
    let del_deal = |key: Option<String>, id: String| async move {
        code(&call(key.as_deref(), "DELETE", &format!("/v1/deals/{id}"), None).await)
    };
    let partners = || async {
        let r = call(
            None,
            "GET",
            "/v1/businesses/km-own/network?limit=1000",
            None,
        )
        .await;
        r.json()["partners"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["id"] == "km-third").cloned())
            .map_or(0, |p| p["completed"].as_u64().unwrap_or(0))
    };
    let before = partners().await;
    assert_eq!(del_deal(None, ids[0].clone()).await, 401);
    assert_eq!(del_deal(Some(k.reader.clone()), ids[0].clone()).await, 403);
    assert_eq!(
        del_deal(Some(k.business.clone()), ids[0].clone()).await,
        403
    );
    assert_eq!(
        del_deal(Some(k.province.clone()), ids[0].clone()).await,
        204
    );
    assert_eq!(del_deal(Some(k.banten.clone()), ids[1].clone()).await, 204);
    assert_eq!(del_deal(Some(TOKEN.to_string()), ids[2].clone()).await, 204);
    assert_eq!(del_deal(Some(TOKEN.to_string()), ids[2].clone()).await, 404);
    assert_eq!(
        code(&call(None, "GET", &format!("/v1/deals/{}", ids[0]), None).await),
        404
    );
    assert_eq!(partners().await, before - 3, "the deals left the network");
    let audit = call(
        Some(TOKEN),
        "GET",
        &format!("/v1/audit?entity={}", ids[0]),
        None,
    )
    .await;
    let rows = audit.json();
    assert_eq!(rows[0]["route"], "DELETE /v1/deals/{id}", "{rows}");
    assert!(
        rows[0]["after"].is_null() && rows[0]["before"].is_string(),
        "{rows}"
    );

    // Keys: who may make which.
    let make = |key: String, body: Value| async move {
        code(
            &call(
                Some(&key),
                "POST",
                "/v1/keys",
                Some(("application/json", body.to_string())),
            )
            .await,
        )
    };
    let for_own = json!({"role": "business", "business": own});
    let for_other = json!({"role": "business", "business": other});
    assert_eq!(make(k.province.clone(), for_own.clone()).await, 201);
    assert_eq!(make(k.province.clone(), for_other.clone()).await, 403);
    assert_eq!(
        make(k.province.clone(), json!({"role": "admin"})).await,
        403
    );
    assert_eq!(make(k.business.clone(), for_own.clone()).await, 403);
    assert_eq!(make(k.reader.clone(), for_own.clone()).await, 403);
    assert_eq!(make(k.revoked.clone(), for_own).await, 401);
    // A province key lists the keys it made, not the others.
    let listed = call(Some(&k.province), "GET", "/v1/keys", None).await;
    assert_eq!(code(&listed), 200);
    let listed = listed.json();
    let listed = listed.as_array().expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["business"], own);
    assert!(listed[0].get("key").is_none() && listed[0].get("hash").is_none());
    let all = call(Some(TOKEN), "GET", "/v1/keys", None).await.json();
    assert!(all.as_array().expect("list").len() >= 7);
    assert!(!all.to_string().contains("jk_"), "no secret is ever listed");
    // A province key cannot revoke a key it did not make (it is not even told it exists).
    let r = call(
        Some(&k.banten),
        "DELETE",
        &format!("/v1/keys/{}", k.province_id),
        None,
    )
    .await;
    assert_eq!(code(&r), 404);
    assert_eq!(code(&put(Some(&k.province), own, "35").await), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_deal_proposed_by_one_side_counts_once_the_other_confirms() {
    let _g = LOCK.lock().await;
    let k = setup("kd").await;
    let (_, other_key) = new_key(json!({"role": "business", "business": "kd-other"})).await;
    let deals = || async {
        call(None, "GET", "/healthz", None).await.json()["deals"]
            .as_u64()
            .expect("deals")
    };
    let before = deals().await;
    let r = deal(Some(&k.business), "kd-own", "kd-other").await;
    assert_eq!(code(&r), 202, "{}", String::from_utf8_lossy(&r.body));
    let pending = r.json();
    let id = pending["id"].as_str().expect("pending id").to_string();
    assert_eq!(pending["confirmer"], "kd-other");
    assert_eq!(deals().await, before, "a proposed deal does not count yet");
    // The other side sees it waiting; the proposer cannot confirm it.
    let waiting = call(Some(&other_key), "GET", "/v1/deals/pending", None).await;
    assert!(waiting.json().to_string().contains(&id));
    let confirm = |key: String| {
        let id = id.clone();
        async move {
            call(
                Some(&key),
                "POST",
                &format!("/v1/deals/pending/{id}/confirm"),
                None,
            )
            .await
        }
    };
    confirm(k.business.clone())
        .await
        .assert_error(403, "authorization");
    assert_eq!(code(&confirm(k.reader.clone()).await), 403);
    let done = confirm(other_key.clone()).await;
    assert_eq!(code(&done), 201, "{}", String::from_utf8_lossy(&done.body));
    assert!(done.json()["id"].as_str().is_some());
    assert_eq!(deals().await, before + 1);
    assert_eq!(code(&confirm(other_key).await), 404, "confirmed once");
    // A business key's deal with an Idempotency-Key is refused (it must be confirmed).
    let r = fixture()
        .send(
            Request::post("/v1/deals")
                .header("authorization", format!("Bearer {}", k.business))
                .header("content-type", "application/json")
                .header("idempotency-key", "kd-1")
                .body(Body::from(
                    json!({"buyer": "kd-own", "seller": "kd-other", "commodity": "kopi",
                           "value_idr": 5.0, "date": "2026-11-30", "status": "completed"})
                    .to_string(),
                ))
                .expect("request"),
        )
        .await;
    r.assert_error(400, "Idempotency-Key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn contacts_are_shown_to_those_allowed() {
    let _g = LOCK.lock().await;
    let k = setup("kc").await;
    let phone = |key: Option<String>| async move {
        let r = call(key.as_deref(), "GET", "/v1/businesses/kc-own", None).await;
        assert_eq!(code(&r), 200);
        r.json()["contacts"]["phone"].as_str().map(str::to_string)
    };
    assert_eq!(phone(None).await, None, "anonymous");
    assert_eq!(
        phone(Some(k.banten.clone())).await,
        None,
        "another province"
    );
    for who in [&k.reader, &k.province, &k.business] {
        assert_eq!(
            phone(Some(who.clone())).await.as_deref(),
            Some("+6281234567890")
        );
    }
    assert_eq!(
        code(&call(Some(&k.expired), "GET", "/v1/businesses/kc-own", None).await),
        401,
        "a dead key is refused on reads too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_audit_trail_names_the_key_behind_every_write() {
    let _g = LOCK.lock().await;
    let k = setup("ka").await;
    assert_eq!(code(&put(Some(&k.province), "ka-own", "35").await), 200);
    assert_eq!(code(&put(Some(&k.business), "ka-own", "35").await), 200);
    // Anonymous and readers may not read it.
    assert_eq!(code(&call(None, "GET", "/v1/audit", None).await), 401);
    assert_eq!(
        code(&call(Some(&k.reader), "GET", "/v1/audit", None).await),
        403
    );
    let rows = call(Some(TOKEN), "GET", "/v1/audit?entity=ka-own", None)
        .await
        .json();
    let rows = rows.as_array().expect("rows");
    // Newest first: the business key's PUT, the province key's, the admin's creation.
    let who: Vec<&str> = rows.iter().filter_map(|r| r["key_id"].as_str()).collect();
    let province_id = &k.province_id;
    assert_eq!(rows[0]["role"], "business", "{rows:?}");
    assert_eq!(who[1], province_id.as_str(), "{rows:?}");
    assert_eq!(*who.last().expect("rows"), "token", "{rows:?}");
    assert_eq!(rows[0]["route"], "PUT /v1/businesses/{id}");
    assert!(rows[0]["request_id"].is_string());
    assert_eq!(rows.last().expect("rows")["before"], Value::Null, "created");
    // The same document twice: after equals before; a change of contacts changes it.
    assert_eq!(rows[0]["before"], rows[0]["after"]);
    // A province key sees its provinces' rows only; a business key its own history.
    let seen = call(Some(&k.banten), "GET", "/v1/audit?limit=1000", None)
        .await
        .json();
    for r in seen.as_array().expect("rows") {
        assert_eq!(r["province"], "36", "{r}");
    }
    let history = call(
        Some(&k.business),
        "GET",
        "/v1/businesses/ka-own/history",
        None,
    )
    .await;
    assert_eq!(code(&history), 200);
    assert_eq!(history.json().as_array().map(Vec::len), Some(rows.len()));
    let r = call(
        Some(&k.business),
        "GET",
        "/v1/businesses/ka-other/history",
        None,
    )
    .await;
    r.assert_error(403, "authorization");
    // Keys' creation and revocation are in the trail too.
    let keys = call(Some(TOKEN), "GET", "/v1/audit?key=token&limit=1000", None)
        .await
        .json();
    assert!(
        keys.as_array()
            .expect("rows")
            .iter()
            .any(|r| r["entity"] == "key" && r["before"].is_string()),
        "a revocation is audited"
    );
    // Bad parameters are 400s naming the field.
    call(Some(TOKEN), "GET", "/v1/audit?limit=0", None)
        .await
        .assert_error(400, "limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_key_requests_are_400s_naming_the_field() {
    let _g = LOCK.lock().await;
    for (body, field) in [
        (json!({"role": "province"}), "provinces"),
        (
            json!({"role": "province", "provinces": ["Atlantis"]}),
            "provinces[0]",
        ),
        (json!({"role": "business"}), "business"),
        (
            json!({"role": "business", "business": "no-such-firm"}),
            "business",
        ),
        (
            json!({"role": "reader", "expires": "2026-13-01"}),
            "expires",
        ),
        (json!({"role": "king"}), "role"),
    ] {
        let r = call(
            Some(TOKEN),
            "POST",
            "/v1/keys",
            Some(("application/json", body.to_string())),
        )
        .await;
        r.assert_error(400, field);
    }
    let r = call(Some(TOKEN), "DELETE", "/v1/keys/000000000000", None).await;
    assert_eq!(code(&r), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_deleted_business_id_is_never_given_to_another() {
    let _g = LOCK.lock().await;
    let admin = Some(TOKEN);
    for id in ["kt-a", "kt-b", "kt-c"] {
        assert_eq!(code(&put(admin, id, "35").await), 201);
    }
    let r = deal(admin, "kt-a", "kt-b").await;
    assert_eq!(code(&r), 201);
    let deal_id = r.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        code(&call(admin, "DELETE", "/v1/businesses/kt-a", None).await),
        204
    );
    // The id is retired: a newcomer (in another province) cannot take it, nor inherit its
    // deals, by PUT or by import.
    put(admin, "kt-a", "36").await.assert_error(409, "id");
    let r = import(admin, "kt-a", "36").await;
    assert_eq!(code(&r), 400);
    assert_eq!(r.json()["rows"][0]["column"], "id", "{}", r.json());
    assert_eq!(
        code(&call(admin, "GET", "/v1/businesses/kt-a", None).await),
        404
    );
    // The deal stays as history.
    let stored = call(admin, "GET", &format!("/v1/deals/{deal_id}"), None)
        .await
        .json();
    assert_eq!(stored["buyer"], "kt-a");
    // An import cannot overwrite a deal recorded through the API with other details.
    let r = deal(admin, "kt-c", "kt-b").await;
    let deal_id = r.json()["id"].as_str().expect("id").to_string();
    let stored = r.json();
    let mut other = stored.clone();
    other["value_idr"] = json!(1.0);
    let r = call(
        admin,
        "POST",
        "/v1/import",
        Some(("application/x-ndjson", other.to_string())),
    )
    .await;
    assert_eq!(code(&r), 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.json()["rows"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("already stored")
    );
    assert_eq!(
        call(admin, "GET", &format!("/v1/deals/{deal_id}"), None)
            .await
            .json()["value_idr"],
        stored["value_idr"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_key_has_its_own_rate_limit() {
    let _g = LOCK.lock().await;
    let (_, reader) = new_key(json!({"role": "reader"})).await;
    let mut config = jalin::api::ApiConfig::new(TOKEN);
    config.key_rate_limit = Some((1, 3));
    let app = jalin::api::router(fixture().engine.clone(), config);
    let get = |key: Option<String>| {
        let app = app.clone();
        async move {
            let mut b = Request::get("/v1/provinces");
            if let Some(k) = key {
                b = b.header("authorization", format!("Bearer {k}"));
            }
            crate::common::call(&app, b.body(Body::empty()).expect("request")).await
        }
    };
    for _ in 0..3 {
        assert_eq!(code(&get(Some(reader.clone())).await), 200);
    }
    let limited = get(Some(reader.clone())).await;
    assert_eq!(code(&limited), 429);
    assert!(
        limited
            .header("retry-after")
            .parse::<u64>()
            .is_ok_and(|s| s >= 1)
    );
    // Another key, and anonymous callers (limited per address by `serve`), go on.
    assert_eq!(code(&get(Some(TOKEN.to_string())).await), 200);
    assert_eq!(code(&get(None).await), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_directory_pages_filters_and_exports_with_contacts_for_those_allowed() {
    let _g = LOCK.lock().await;
    let k = setup("kl").await;
    // kl-own (35) has contacts, unpublished; the fixture's sample is there too.
    let page = |key: Option<String>, uri: String| async move {
        let r = call(key.as_deref(), "GET", &uri, None).await;
        assert_eq!(code(&r), 200, "{uri}: {}", String::from_utf8_lossy(&r.body));
        r
    };
    // Pages follow the cursor, without repeats, and the filters hold on every record.
    let mut seen = std::collections::HashSet::new();
    let mut after = 0u64;
    let mut pages = 0;
    loop {
        let r = page(
            None,
            format!("/v1/businesses?province=Jawa+Timur&kind=umkm&limit=100&after={after}"),
        )
        .await;
        let v = r.json();
        for b in v["businesses"].as_array().expect("businesses") {
            assert_eq!(
                (b["province"].as_str(), b["kind"].as_str()),
                (Some("35"), Some("umkm")),
                "{b}"
            );
            assert!(
                seen.insert(b["id"].as_str().unwrap_or_default().to_string()),
                "a repeat: {b}"
            );
        }
        pages += 1;
        match v["next"].as_u64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert!(
        pages > 1 && seen.len() > 100,
        "{pages} pages, {} businesses",
        seen.len()
    );
    assert!(seen.contains("kl-own"));
    let kopi = page(
        None,
        "/v1/businesses?commodity=bawang_merah&limit=50".into(),
    )
    .await
    .json();
    for b in kopi["businesses"].as_array().expect("businesses") {
        assert!(
            b.to_string().contains("\"commodity\":\"bawang_merah\""),
            "{b}"
        );
    }
    // Contacts: hidden from anonymous callers and other provinces, shown to its province.
    let contacts_of = |v: &Value| {
        v["businesses"]
            .as_array()
            .and_then(|a| a.iter().find(|b| b["id"] == "kl-own").cloned())
            .map(|b| b["contacts"]["phone"].clone())
    };
    let uri = "/v1/businesses?province=35&limit=1000".to_string();
    let anon = page(None, uri.clone()).await.json();
    assert_eq!(contacts_of(&anon), Some(Value::Null));
    let banten = page(Some(k.banten.clone()), uri.clone()).await.json();
    assert_eq!(contacts_of(&banten), Some(Value::Null));
    let own = page(Some(k.province.clone()), uri.clone()).await.json();
    assert_eq!(contacts_of(&own), Some(json!("+6281234567890")));
    // Files: JSONL a business a line, CSV with the template's headers, XLSX.
    let r = page(
        Some(k.province.clone()),
        "/v1/businesses?province=35&format=jsonl&limit=10".into(),
    )
    .await;
    assert_eq!(r.content_type, "application/x-ndjson");
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert_eq!(text.lines().count(), 10);
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
    assert!(
        r.headers.get("x-next-after").is_some(),
        "the next page's cursor"
    );
    let r = page(None, "/v1/businesses?province=35&format=csv&limit=5".into()).await;
    let csv = String::from_utf8_lossy(&r.body).to_string();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark");
    assert!(
        csv.lines()
            .next()
            .unwrap_or_default()
            .contains("Nama Usaha")
    );
    assert_eq!(csv.lines().count(), 6);
    let r = page(None, "/v1/businesses?format=xlsx&limit=3".into()).await;
    assert!(r.body.starts_with(b"PK"), "an XLSX (zip) workbook");
    // Bad parameters are 400s naming them.
    for (uri, field) in [
        ("/v1/businesses?format=pdf", "format"),
        ("/v1/businesses?limit=0", "limit"),
        ("/v1/businesses?limit=1001", "limit"),
        ("/v1/businesses?province=Atlantis", "province"),
        ("/v1/businesses?kind=giant", "kind"),
        ("/v1/businesses?commodity=unobtainium", "commodity"),
    ] {
        call(None, "GET", uri, None).await.assert_error(400, field);
    }
}
