//! The battery: malformed, mistyped, out-of-range, oversized, deeply nested and otherwise
//! hostile requests to the match, business, deal and import endpoints, each answered with a
//! well-formed 4xx.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::HeaderValue;
use serde_json::json;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn malformed_json_bodies_are_400s() {
    let bodies: Vec<Vec<u8>> = [
        "{",
        "}",
        "{]",
        "{\"need\":",
        "{\"need\": {\"text\": \"a\"}",
        "{\"need\": {\"text\": \"a\"}}}",
        "{} {}",
        "{}garbage",
        "nul",
        "null",
        "true",
        "123",
        "\"string\"",
        "[1, 2]",
        "[]",
        "{'need': 1}",
        "{need: 1}",
        "{\"limit\": NaN}",
        "{\"limit\": Infinity}",
        "{\"limit\": -Infinity}",
        "{\"limit\": 0x10}",
        "{\"limit\": 01}",
        "{\"limit\": 1.}",
        "{\"limit\": .5}",
        "{\"limit\": +1}",
        "{\"need\": {\"text\": \"\\ud800\"}}",
        "{\"need\": {\"text\": \"\\u12\"}}",
        "{\"need\": {\"text\": \"\\x41\"}}",
        "{\"need\": {\"text\": \"tab\there\"}}",
        "{\"need\" {\"text\": \"a\"}}",
        "{,}",
        "{\"need\": {\"text\": \"a\",}}",
        "{\"limit\": 5, \"limit\": 6}",
        "\u{feff}{\"limit\": 5}",
        "/* comment */ {}",
        "{\"need\": {\"text\": \"a\"}} // trailing",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([
        b"{\"need\": {\"text\": \"\0\"}}".to_vec(),
        b"\0\0\0\0".to_vec(),
        vec![b'{'; 5000],
        vec![b'}'; 5000],
    ])
    .collect();
    let (_, app) = fresh_with_two().await;
    let mut f = Failures::default();
    for body in &bodies {
        let shown = clip(&String::from_utf8_lossy(body), 60);
        let r = post_json("/v1/match", body.clone()).await;
        f.check(format!("POST /v1/match {shown:?}"), not_refused(&r));
        for (endpoint, r) in send_to_every_write_endpoint(&app, body).await {
            f.check(format!("{endpoint} {shown:?}"), not_refused(&r));
        }
    }
    assert_eq!(counts(&app).await.0, 2, "nothing was written");
    f.assert_none("malformed JSON");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_field_of_a_match_request_mistyped_or_out_of_range_is_a_400() {
    let base = full_match_request();
    let ok = post_json("/v1/match", base.to_string()).await;
    assert_eq!(
        ok.status,
        200,
        "the unmutated request is valid: {}",
        String::from_utf8_lossy(&ok.body)
    );
    let mut cases = refused_mutations(
        &base,
        &[
            "need.volume.qty",
            "need.volume.unit",
            "filters.min_capacity.qty",
            "filters.min_capacity.unit",
        ],
    );
    // Values of the right type that mean nothing.
    for (path, raw) in [
        ("need.province", "\"99\""),
        ("need.province", "\"\""),
        ("need.province", "\"3\u{0665}\""),
        ("need.commodity", "\"unobtainium\""),
        ("need.commodity", "\"\""),
        ("need.volume.unit", "\"bushel\""),
        ("need.volume.unit", "\"\""),
        ("need.volume.per", "\"fortnight\""),
        ("need.certifications", "[\"kosher\"]"),
        ("filters.provinces", "[\"00\"]"),
        ("filters.island_groups", "[\"Atlantis\"]"),
        ("filters.kinds", "[\"UMKM\"]"),
        ("filters.kinds", "[\"startup\"]"),
        ("filters.certifications", "[\"iso9001\"]"),
        ("filters.min_capacity.per", "\"\""),
        ("need.text", &format!("\"{}\"", "a".repeat(1001))),
    ] {
        cases.push((
            format!("{path} = {}", clip(raw, 30)),
            with_raw(&base, path, raw),
        ));
    }
    cases.push(("{} (no need, buyer or seller)".into(), "{}".into()));
    cases.push((
        "need and buyer".into(),
        json!({"need": {"text": "beras", "province": "35"}, "buyer": "jt-00001"}).to_string(),
    ));
    cases.push((
        "need without province".into(),
        json!({"need": {"text": "beras"}}).to_string(),
    ));
    cases.push((
        "need without text or commodity".into(),
        json!({"need": {"province": "35"}}).to_string(),
    ));
    cases.push((
        "unknown buyer".into(),
        json!({"buyer": "no-such-business"}).to_string(),
    ));
    cases.push((
        "unknown seller with odd characters".into(),
        json!({"seller": "../../etc/passwd\u{0}✓"}).to_string(),
    ));
    let mut f = Failures::default();
    for (what, body) in &cases {
        let r = post_json("/v1/match", body.clone()).await;
        f.check(format!("POST /v1/match {what}"), not_refused(&r));
    }
    assert!(cases.len() > 150, "{} cases", cases.len());
    f.assert_none("match request mutations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_field_of_a_business_mistyped_or_out_of_range_is_a_400() {
    let (_, app) = fresh();
    let base = full_business("rb-base");
    let put = |body: String| {
        let app = app.clone();
        async move {
            call(
                &app,
                request(
                    "PUT",
                    "/v1/businesses/rb-base",
                    body,
                    Some("application/json"),
                    true,
                ),
            )
            .await
        }
    };
    let ok = put(base.to_string()).await;
    assert_eq!(
        ok.status,
        201,
        "the unmutated business is valid: {}",
        String::from_utf8_lossy(&ok.body)
    );
    let before = counts(&app).await;
    let required = [
        "id",
        "name",
        "kind",
        "province",
        "offers[0].commodity",
        "offers[0].title",
        "offers[0].capacity.qty",
        "offers[0].capacity.unit",
        "offers[0].price.min",
        "offers[0].price.max",
        "offers[0].price.per",
        "needs[0].commodity",
        "needs[0].title",
        "needs[0].volume.qty",
        "needs[0].volume.unit",
    ];
    let mut cases = refused_mutations(&base, &required);
    let long = format!("\"{}\"", "x".repeat(4001));
    let id65 = format!("\"{}\"", "a".repeat(65));
    let many_offers = format!(
        "[{}]",
        vec![r#"{"commodity":"beras","title":"Beras"}"#; 201].join(",")
    );
    for (path, raw) in [
        ("id", "\"rb-other\""),
        ("id", "\"\""),
        ("id", id65.as_str()),
        ("kind", "\"UMKM\""),
        ("kind", "\"startup\""),
        ("province", "\"99\""),
        ("province", "\"\""),
        ("province", "\"35 \""),
        ("name", "\"\""),
        ("name", "\"   \""),
        ("name", long.as_str()),
        ("city", long.as_str()),
        ("description", long.as_str()),
        ("certifications", "[\"kosher\"]"),
        ("offers", many_offers.as_str()),
        ("offers[0].id", "\"rb base o1\""),
        ("offers[0].id", "\"\""),
        ("offers[0].id", "\"ø\""),
        ("offers[0].commodity", "\"unobtainium\""),
        ("offers[0].title", "\"\""),
        ("offers[0].title", long.as_str()),
        ("offers[0].description", long.as_str()),
        ("offers[0].capacity.unit", "\"bushel\""),
        ("offers[0].capacity.per", "\"fortnight\""),
        ("offers[0].price.min", "40000"),
        ("needs[0].volume.unit", "\"\""),
    ] {
        cases.push((
            format!("{path} = {}", clip(raw, 30)),
            with_raw(&base, path, raw),
        ));
    }
    let mut dup = base.clone();
    dup["needs"][0]["id"] = json!("rb-base-o1");
    cases.push(("a listing id used twice".into(), dup.to_string()));
    let mut f = Failures::default();
    for (what, body) in &cases {
        let r = put(body.clone()).await;
        f.check(
            format!("PUT /v1/businesses/rb-base {what}"),
            not_refused(&r),
        );
    }
    assert_eq!(
        counts(&app).await,
        before,
        "a refused PUT changed the store"
    );
    let stored = call(
        &app,
        request("GET", "/v1/businesses/rb-base", Body::empty(), None, false),
    )
    .await
    .json();
    assert_eq!(
        stored["name"], "UD Robust",
        "a refused PUT changed the business"
    );
    f.assert_none("business mutations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_field_of_a_deal_mistyped_or_out_of_range_is_a_400() {
    let (_, app) = fresh_with_two().await;
    let post = |body: String| {
        let app = app.clone();
        async move {
            call(
                &app,
                request("POST", "/v1/deals", body, Some("application/json"), true),
            )
            .await
        }
    };
    let base = full_deal();
    let ok = post(base.to_string()).await;
    assert_eq!(
        ok.status,
        201,
        "the unmutated deal is valid: {}",
        String::from_utf8_lossy(&ok.body)
    );
    let assigned = ok.json()["id"].as_str().expect("assigned id").to_string();
    let before = counts(&app).await;
    let mut cases = refused_mutations(
        &base,
        &[
            "buyer",
            "seller",
            "commodity",
            "value_idr",
            "date",
            "status",
            "volume.qty",
            "volume.unit",
        ],
    );
    for (path, raw) in [
        ("buyer", "\"no-such-business\""),
        ("seller", "\"no-such-business\""),
        ("seller", "\"rd-a\""),
        ("buyer", "\"\""),
        ("buyer", "\"a/b\""),
        ("commodity", "\"unobtainium\""),
        ("date", "\"2023-02-29\""),
        ("date", "\"2024-13-01\""),
        ("date", "\"2024-1-1\""),
        ("date", "\"1899-12-31\""),
        ("date", "\"99999-01-01\""),
        ("date", "\"2024-05-01T00:00:00Z\""),
        ("date", "\"２０２４-０５-０１\""),
        ("date", "\"\""),
        ("status", "\"pending\""),
        ("status", "\"Completed\""),
        ("mission", "\"m 2024\""),
        ("volume.unit", "\"bushel\""),
    ] {
        cases.push((format!("{path} = {raw}"), with_raw(&base, path, raw)));
    }
    let mut dup = base.clone();
    dup["id"] = json!(assigned);
    cases.push((format!("id = {assigned:?} (taken)"), dup.to_string()));
    let mut f = Failures::default();
    for (what, body) in &cases {
        let r = post(body.clone()).await;
        f.check(format!("POST /v1/deals {what}"), not_refused(&r));
    }
    assert_eq!(
        counts(&app).await,
        before,
        "a refused deal changed the store"
    );
    f.assert_none("deal mutations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_numbers_in_query_strings_are_400s() {
    let mut f = Failures::default();
    for param in ["limit", "offset"] {
        for value in [
            "-1",
            "1e400",
            "1e308",
            "1.5",
            "NaN",
            "nan",
            "inf",
            "-0",
            "0x10",
            "",
            "%20",
            "18446744073709551616",
            "99999999999999999999999999",
            "%FF",
            "1%00",
            "%EF%BC%91%EF%BC%90",
        ] {
            if param == "offset" && (value == "-0") {
                continue; // parses as 0
            }
            let uri = format!("/v1/search?q=beras&{param}={value}");
            let r = get(&uri).await;
            f.check(format!("GET {uri}"), not_refused(&r));
        }
    }
    for uri in [
        "/v1/search?limit=0",
        "/v1/search?limit=1001",
        "/v1/search?offset=10001",
        "/v1/search?kind=both",
        "/v1/search?province=99",
        "/v1/search?province=35,99",
        "/v1/search?commodity=unobtainium",
        "/v1/search?cert=kosher",
        "/v1/search?q=a&q=b",
        "/v1/search?bogus=1",
        "/v1/search?%FF=1",
        &format!("/v1/search?q={}", "a".repeat(1001)),
        "/v1/corridors",
        "/v1/corridors?from=35",
        "/v1/corridors?from=35&to=35",
        "/v1/corridors?from=35&to=99",
        "/v1/corridors?from=35&to=36&limit=0",
        "/v1/corridors?from=35&to=36&limit=101",
        "/v1/corridors?from=35&to=36&limit=-1",
        "/v1/corridors?from=35&to=36&limit=1e400",
        "/v1/corridors?from=35&to=36&lang=fr",
        "/v1/corridors?from=35&to=36&lang=%FF",
        "/v1/match?lang=fr",
    ] {
        let r = if uri.starts_with("/v1/match") {
            post_json(uri, r#"{"need":{"text":"beras","province":"35"}}"#).await
        } else {
            get(uri).await
        };
        f.check(format!("GET {}", clip(uri, 80)), not_refused(&r));
    }
    f.assert_none("query strings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn garbage_in_query_strings_never_breaks_search() {
    let mut f = Failures::default();
    for q in [
        "%FF%FE",
        "%",
        "%%",
        "%%%",
        "%G0",
        "%E2%82",
        "%00",
        "%C0%AF",
        "%ED%A0%80",
        "+++",
        "%2B%2B",
        "a%26limit%3D0",
        "%F0%9F%A7%85",
        "bawang%20merah%20%E2%9C%93",
        "%D8%A8%D8%B5%D9%84",
        "%E0%B8%AB%E0%B8%AD%E0%B8%A1",
        "membutuhkan%20pengembalian%20kauperbelanjakannya",
        "1e400%20ton",
        "5,5,5,5%20ton%20per%20bulan",
        "%5C%22%27%3B--",
        "*",
        "title:beras",
        "beras~2",
        "%22beras",
        "%28beras",
        "beras%20AND%20OR%20NOT",
    ] {
        let uri = format!("/v1/search?q={q}");
        let r = get(&uri).await;
        f.check(format!("GET {uri}"), broken(&r));
        let uri = format!("/v1/search?q={q}&province={q}&kind={q}&commodity={q}&cert={q}");
        let r = get(&uri).await;
        f.check(format!("GET {uri}"), broken(&r));
    }
    f.assert_none("query-string garbage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn odd_ids_in_paths_are_404s_or_400s() {
    let (_, app) = fresh();
    let long = "a".repeat(10_000);
    let mut f = Failures::default();
    for id in [
        long.as_str(),
        "a%2Fb",
        "a%2F..%2F..%2Fetc",
        "%2E%2E",
        "%E2%9C%93",
        "%F0%9F%A7%85%F0%9F%A7%85",
        "jt-00001%00",
        "%20",
        "a%20b",
        "null",
        "%25",
        "..",
        "'%20OR%201=1--",
    ] {
        let uri = format!("/v1/businesses/{id}");
        let shown = clip(&uri, 60);
        let r = get(&uri).await;
        f.check(format!("GET {shown}"), not_refused(&r));
        let r = call(&app, request("DELETE", &uri, Body::empty(), None, true)).await;
        f.check(format!("DELETE {shown}"), not_refused(&r));
        // The body's id as the path decodes it, when the id check refuses it.
        let decoded = String::from_utf8_lossy(
            &percent_decode(id.as_bytes()).unwrap_or_else(|| id.as_bytes().to_vec()),
        )
        .into_owned();
        if jalin::model::validate_id("id", &decoded).is_ok() {
            continue;
        }
        let mut body = full_business("x");
        body["id"] = json!(decoded);
        let r = call(
            &app,
            request(
                "PUT",
                &uri,
                body.to_string(),
                Some("application/json"),
                true,
            ),
        )
        .await;
        f.check(format!("PUT {shown}"), not_refused(&r));
    }
    // The path's id differs from the body's.
    let r = call(
        &app,
        request(
            "PUT",
            "/v1/businesses/rb-1",
            full_business("rb-2").to_string(),
            Some("application/json"),
            true,
        ),
    )
    .await;
    f.check("PUT /v1/businesses/rb-1 with id rb-2", not_refused(&r));
    for uri in [
        "/v1/provinces/99/advantages",
        "/v1/provinces/%E2%9C%93/advantages",
        &format!("/v1/provinces/{long}/advantages"),
        "/v1/businesses/",
        "/v1/businesses/a/b",
        "/v1/nope",
        "/v2/search",
        "//v1/search",
        "/v1/search/",
    ] {
        let r = get(uri).await;
        f.check(format!("GET {}", clip(uri, 60)), not_refused(&r));
    }
    assert_eq!(counts(&app).await.0, 0, "nothing was written");
    f.assert_none("odd ids");
}

fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A percent-encoded path segment that is not UTF-8 gets the JSON error body. (Found by
/// this test: axum's `Path<String>` rejection answered `400 text/plain` "Invalid URL:
/// Invalid UTF-8 in `id`".)
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn invalid_utf8_in_a_path_gets_the_json_error() {
    let (_, app) = fresh();
    let mut f = Failures::default();
    for uri in [
        "/v1/businesses/%FF",
        "/v1/businesses/%C0%AF",
        "/v1/businesses/a%ED%A0%80",
        "/v1/provinces/%FF/advantages",
    ] {
        let r = get(uri).await;
        f.check(format!("GET {uri}"), not_refused(&r));
    }
    let r = call(
        &app,
        request("DELETE", "/v1/businesses/%FF", Body::empty(), None, true),
    )
    .await;
    f.check("DELETE /v1/businesses/%FF", not_refused(&r));
    let r = call(
        &app,
        request(
            "PUT",
            "/v1/businesses/%FF",
            full_business("x").to_string(),
            Some("application/json"),
            true,
        ),
    )
    .await;
    f.check("PUT /v1/businesses/%FF", not_refused(&r));
    f.assert_none("invalid UTF-8 in paths");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn huge_bodies_are_413s() {
    let (_, app) = fresh();
    let mut f = Failures::default();
    // A valid JSON document just over the limit, and 3 MiB of spaces.
    let big_text = format!(
        r#"{{"need":{{"text":"{}","province":"35"}}}}"#,
        "a".repeat(jalin::api::MAX_BODY)
    );
    let spaces = vec![b' '; 3 << 20];
    for body in [big_text.as_bytes().to_vec(), spaces] {
        let r = post_json("/v1/match", body.clone()).await;
        f.check("POST /v1/match (streamed, > 2 MiB)", not_refused(&r));
        if r.status != 413 {
            f.check(
                "POST /v1/match (streamed, > 2 MiB)",
                Some(format!("{} not 413", r.status)),
            );
        }
        for (method, uri) in [("PUT", "/v1/businesses/rb-1"), ("POST", "/v1/deals")] {
            let r = call(
                &app,
                request(method, uri, body.clone(), Some("application/json"), true),
            )
            .await;
            f.check(
                format!("{method} {uri} (streamed, > 2 MiB)"),
                not_refused(&r),
            );
            if r.status != 413 {
                f.check(uri, Some(format!("{} not 413", r.status)));
            }
        }
    }
    // Just under the limit but far over the field limits: 400, not 413 or 5xx.
    let under = format!(
        r#"{{"id":"rb-1","name":"{}","kind":"umkm","province":"35"}}"#,
        "n".repeat(jalin::api::MAX_BODY - 100)
    );
    let r = call(
        &app,
        request(
            "PUT",
            "/v1/businesses/rb-1",
            under,
            Some("application/json"),
            true,
        ),
    )
    .await;
    f.check("PUT a 2 MiB name", not_refused(&r));
    assert_eq!(counts(&app).await.0, 0, "nothing was written");
    f.assert_none("huge bodies");
}

/// A body whose `Content-Length` is over the limit — what every real HTTP client sends —
/// gets the JSON 413. (Found by this test: tower-http's `RequestBodyLimitLayer` answered
/// `413 text/plain` "length limit exceeded" itself; only a streamed body without a length
/// reached `ApiJson` and its JSON error.)
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn huge_bodies_announced_by_content_length_get_the_json_error() {
    let (_, app) = fresh();
    let body = vec![b' '; (jalin::api::MAX_BODY) + 1];
    let mut f = Failures::default();
    for (method, uri) in [
        ("POST", "/v1/match"),
        ("PUT", "/v1/businesses/rb-1"),
        ("POST", "/v1/deals"),
    ] {
        let mut req = request(method, uri, body.clone(), Some("application/json"), true);
        req.headers_mut()
            .insert("content-length", HeaderValue::from(body.len()));
        let r = call(&app, req).await;
        f.check(
            format!("{method} {uri} with Content-Length: {}", body.len()),
            not_refused(&r),
        );
    }
    f.assert_none("huge bodies with Content-Length");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn deeply_nested_json_is_a_400_not_a_stack_overflow() {
    let (_, app) = fresh_with_two().await;
    let n = 100_000;
    let opens = "[".repeat(n);
    let objects = "{\"a\":".repeat(n);
    let bodies = [
        opens.clone(),
        format!("{{\"need\":{opens}"),
        format!("{{\"need\":{{\"text\":{opens}"),
        format!("{{\"filters\":{{\"kinds\":{opens}"),
        format!("{{\"weights\":{opens}"),
        format!("{{\"need\":{objects}"),
        format!("{{\"bogus\":{opens}"),
        format!("{{\"limit\":5,\"x\":{}{}}}", "[".repeat(n), "]".repeat(n)),
        format!(
            "{{\"need\":{{\"volume\":{}1{}}}}}",
            "[".repeat(n),
            "]".repeat(n)
        ),
    ];
    let mut f = Failures::default();
    for body in &bodies {
        let shown = clip(body, 40);
        let r = post_json("/v1/match", body.clone()).await;
        f.check(format!("POST /v1/match {shown}"), not_refused(&r));
        for (endpoint, r) in send_to_every_write_endpoint(&app, body.as_bytes()).await {
            f.check(format!("{endpoint} {shown}"), not_refused(&r));
        }
    }
    // A nested document inside an otherwise valid import line.
    let line = format!(
        "{}\n{{\"id\":\"rb-9\",\"name\":\"x\",\"kind\":\"umkm\",\"province\":\"35\",\"offers\":{}\n",
        business_json("rb-8"),
        "[".repeat(n)
    );
    let r = call(&app, request("POST", "/v1/import", line, None, true)).await;
    f.check("POST /v1/import nested offers", not_refused(&r));
    assert_eq!(counts(&app).await.0, 2, "nothing was written");
    f.assert_none("deep nesting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn invalid_utf8_bodies_are_400s() {
    let (_, app) = fresh_with_two().await;
    let bodies: [&[u8]; 6] = [
        b"{\"need\":{\"text\":\"\xff\xfe\",\"province\":\"35\"}}",
        b"{\"need\":{\"text\":\"bawang \xc0\xaf\",\"province\":\"35\"}}",
        b"{\"need\":{\"text\":\"\xed\xa0\x80\",\"province\":\"35\"}}",
        b"{\"\xff\":1}",
        b"\xef\xbb\xbf{}",
        b"{\"id\":\"rb-1\",\"name\":\"UD \xf0\x9f\",\"kind\":\"umkm\",\"province\":\"35\"}",
    ];
    let mut f = Failures::default();
    for body in bodies {
        let shown = String::from_utf8_lossy(body).into_owned();
        let r = post_json("/v1/match", body.to_vec()).await;
        f.check(format!("POST /v1/match {shown:?}"), not_refused(&r));
        let r = call(
            &app,
            request(
                "PUT",
                "/v1/businesses/rb-1",
                body.to_vec(),
                Some("application/json"),
                true,
            ),
        )
        .await;
        f.check(format!("PUT {shown:?}"), not_refused(&r));
        let mut line = business_json("rb-2").into_bytes();
        line.push(b'\n');
        line.extend_from_slice(body);
        let r = call(&app, request("POST", "/v1/import", line, None, true)).await;
        f.check(format!("POST /v1/import {shown:?}"), not_refused(&r));
    }
    assert_eq!(counts(&app).await.0, 2, "nothing was written");
    f.assert_none("invalid UTF-8 bodies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn wrong_methods_are_4xx() {
    let (_, app) = fresh();
    let mut f = Failures::default();
    for (method, uri) in [
        ("DELETE", "/v1/match"),
        ("GET", "/v1/match"),
        ("PUT", "/v1/search"),
        ("POST", "/v1/search"),
        ("POST", "/healthz"),
        ("PATCH", "/v1/businesses/jt-00001"),
        ("POST", "/v1/businesses/jt-00001"),
        ("GET", "/v1/deals"),
        ("DELETE", "/v1/deals"),
        ("GET", "/v1/import"),
        ("PUT", "/v1/import"),
        ("DELETE", "/v1/provinces"),
        ("POST", "/v1/provinces/35/advantages"),
        ("TRACE", "/v1/search"),
        ("CONNECT", "/v1/search"),
        ("FOO", "/v1/search"),
    ] {
        for token in [false, true] {
            let r = call(
                &app,
                request(method, uri, "{}", Some("application/json"), token),
            )
            .await;
            f.check(format!("{method} {uri} (token: {token})"), not_refused(&r));
        }
    }
    f.assert_none("wrong methods");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn wrong_content_types_are_415s() {
    let (_, app) = fresh_with_two().await;
    let bodies = [
        (
            "/v1/match",
            json!({"need":{"text":"beras","province":"35"}}).to_string(),
        ),
        ("/v1/deals", full_deal().to_string()),
        ("/v1/businesses/rb-1", full_business("rb-1").to_string()),
    ];
    let mut f = Failures::default();
    for (uri, body) in &bodies {
        let method = if uri.starts_with("/v1/businesses") {
            "PUT"
        } else {
            "POST"
        };
        for ct in [
            None,
            Some("text/plain"),
            Some("application/jsonx"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("json"),
            Some(""),
            Some(";"),
            Some("application/xml"),
            Some("text/json+xml"),
        ] {
            let r = call(&app, request(method, uri, body.clone(), ct, true)).await;
            f.check(
                format!("{method} {uri} content-type {ct:?}"),
                not_refused(&r),
            );
            if r.status != 415 {
                f.check(uri, Some(format!("{ct:?}: {} not 415", r.status)));
            }
        }
        let mut req = request(method, uri, body.clone(), None, true);
        req.headers_mut().insert(
            "content-type",
            HeaderValue::from_bytes(b"application/\xffjson").expect("opaque header"),
        );
        let r = call(&app, req).await;
        f.check(
            format!("{method} {uri} content-type with a non-ASCII byte"),
            not_refused(&r),
        );
    }
    assert_eq!(counts(&app).await, (2, 0, 2), "nothing was written");
    f.assert_none("content types");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_tokens_and_empty_bodies_are_4xx() {
    let (_, app) = fresh();
    let mut f = Failures::default();
    for auth in [
        b"".as_slice(),
        b"Bearer",
        b"Bearer ",
        // (The scheme in lower case is accepted: schemes are case-insensitive, see
        // `hardening`.)
        b"Token test-token",
        b"Basic dGVzdC10b2tlbg==",
        b"Bearer test-token-and-more",
        b"Bearer \xfftest",
        b"Bearer test\xe2\x9c\x93",
    ] {
        let mut req = request(
            "PUT",
            "/v1/businesses/rb-1",
            full_business("rb-1").to_string(),
            Some("application/json"),
            false,
        );
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_bytes(auth).expect("opaque header"),
        );
        let r = call(&app, req).await;
        f.check(
            format!("PUT with authorization {:?}", String::from_utf8_lossy(auth)),
            not_refused(&r),
        );
    }
    for (method, uri) in [("PUT", "/v1/businesses/rb-1"), ("POST", "/v1/deals")] {
        let r = call(
            &app,
            request(method, uri, Body::empty(), Some("application/json"), true),
        )
        .await;
        f.check(
            format!("{method} {uri} with an empty body"),
            not_refused(&r),
        );
        let r = call(
            &app,
            request(method, uri, "   \n\t ", Some("application/json"), true),
        )
        .await;
        f.check(format!("{method} {uri} with a blank body"), not_refused(&r));
    }
    let r = post_json("/v1/match", Body::empty()).await;
    f.check("POST /v1/match with an empty body", not_refused(&r));
    // An empty import imports nothing; it must not fail on our side.
    let r = call(
        &app,
        request("POST", "/v1/import", Body::empty(), None, true),
    )
    .await;
    f.check("POST /v1/import with an empty body", broken(&r));
    assert_eq!(counts(&app).await.0, 0, "nothing was written");
    f.assert_none("tokens and empty bodies");
}

/// Long filter lists cost linear time (or are refused). (Found by this test: engine.rs
/// `resolve_filters` intersected `filters.provinces` with the members of
/// `filters.island_groups` by `Vec::contains`, neither list deduplicated nor bounded, so one
/// unauthenticated 190 KB match request — 10,000 provinces outside Java × 20,000 "Jawa" —
/// took 10 s in a debug build, and a 2 MiB one ~100× more, far past the 30 s request
/// timeout, with the blocking thread burning a core after the 503.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_filter_lists_cost_linear_time() {
    let _ = common::fixture();
    let provinces = vec!["\"11\""; 5_000].join(",");
    let groups = vec!["\"Jawa\""; 10_000].join(",");
    let body = format!(
        r#"{{"need":{{"text":"bawang merah","province":"36"}},"filters":{{"provinces":[{provinces}],"island_groups":[{groups}]}}}}"#
    );
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(1), post_json("/v1/match", body)).await;
    let took = started.elapsed();
    let r = r.unwrap_or_else(|_| {
        panic!("a 95 KB match request (5,000 provinces × 10,000 island groups) took over {took:?}")
    });
    assert!(broken(&r).is_none(), "{:?}", broken(&r));
}

/// Repeated filter values do not multiply the work. (Found by this test: they were not
/// deduplicated, so `"island_groups": ["Jawa", × 100,000]` became a tantivy query of 600,000
/// term clauses: a 700 KB unauthenticated request took 12 s in a debug build.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_filter_values_do_not_multiply_the_work() {
    let _ = common::fixture();
    let groups = vec!["\"Jawa\""; 50_000].join(",");
    let body = format!(
        r#"{{"need":{{"text":"bawang merah","province":"36"}},"filters":{{"island_groups":[{groups}]}}}}"#
    );
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(1), post_json("/v1/match", body)).await;
    let took = started.elapsed();
    let r = r.unwrap_or_else(|_| {
        panic!("a 350 KB match request (50,000 island groups) took over {took:?}")
    });
    assert!(broken(&r).is_none(), "{:?}", broken(&r));
}
