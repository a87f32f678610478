//! The KBKI catalog over HTTP: entries by name and code, a curated commodity's place in the
//! tree, search filtered by any KBKI level, and listings that carry their own code.

use serde_json::{Value, json};

use crate::common::{get, post_json};

fn codes(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_catalog_is_searched_by_name_and_by_code() {
    let v = get("/v1/catalog?q=keripik%20pisang").await.json();
    assert!(
        v["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["code"] == "2399911001" && e["level"] == "item"),
        "{v}"
    );
    assert_eq!(v["resolved"]["entry"]["code"], "2399911001", "{v}");
    let v = get("/v1/catalog?q=2399&limit=5").await.json();
    let found = codes(&v, "entries");
    assert_eq!(found.len(), 5);
    assert!(found.iter().all(|c| c.starts_with("2399")), "{v}");
    // A name BPS does not use, through the everyday names: sports shoes.
    let v = get("/v1/catalog?q=sepatu%20olahraga").await.json();
    assert!(
        v["resolved"]["entry"]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("294")),
        "{v}"
    );
    // No query: the five sections.
    let v = get("/v1/catalog").await.json();
    assert_eq!(codes(&v, "entries"), ["0", "1", "2", "3", "4"]);
    get("/v1/catalog?q=kopi&limit=0")
        .await
        .assert_error(400, "limit");
    get("/v1/catalog?q=kopi&limit=101")
        .await
        .assert_error(400, "limit");
    get("/v1/catalog?colour=red")
        .await
        .assert_error(400, "colour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_catalog_entry_shows_its_ancestors_children_and_commodities() {
    let v = get("/v1/catalog/2399").await.json();
    assert_eq!(v["entry"]["code"], "2399");
    assert_eq!(codes(&v, "ancestors"), ["2", "23", "239"]);
    let children = codes(&v, "children");
    assert!(children.contains(&"23999".to_string()), "{v}");
    assert!(
        children
            .iter()
            .all(|c| c.starts_with("2399") && c.len() == 5)
    );
    let commodities = v["commodities"].as_array().expect("commodities");
    for key in ["makanan_ringan", "kecap", "sambal"] {
        assert!(commodities.contains(&json!(key)), "{key}: {v}");
    }
    get("/v1/catalog/99999").await.assert_error_code(404);
    get("/v1/catalog/abc").await.assert_error_code(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_commodity_is_found_by_key_or_name_with_its_kbki_path() {
    let v = get("/v1/commodities/bawang_merah").await.json();
    assert_eq!(v["key"], "bawang_merah");
    assert_eq!(v["kbki"], "0125302");
    assert_eq!(
        codes(&v, "kbki_path"),
        ["0", "01", "012", "0125", "01253", "0125302"]
    );
    // The issue's complaint: "Kopi arabika" and "kopi_arabika" were rejected.
    for name in ["Kopi%20arabika", "kopi_arabika"] {
        let v = get(&format!("/v1/commodities/{name}")).await.json();
        assert_eq!(v["key"], "kopi", "{name}: {v}");
        assert_eq!(v["kbki"], "0161");
    }
    get("/v1/commodities/mobil_listrik")
        .await
        .assert_error_code(404);
    let all = get("/v1/commodities").await.json();
    assert!(
        all.as_array()
            .expect("commodities")
            .iter()
            .all(|c| c["kbki"].is_string()),
        "every curated commodity has a KBKI code"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn search_filters_by_any_kbki_level() {
    // 0125: vegetables taken for their roots and bulbs (shallots, garlic, onions, carrots…).
    let v = get("/v1/search?kbki=0125&limit=50").await.json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty(), "{v}");
    let allowed = [
        "bawang_merah",
        "bawang_putih",
        "bawang_bombay",
        "wortel",
        "bawang_daun",
    ];
    for r in results {
        let c = r["listing"]["commodity"].as_str().unwrap_or("");
        assert!(allowed.contains(&c), "{c} is not under 0125");
    }
    // A deeper code narrows, and text still ranks within it.
    let v = get("/v1/search?q=bawang&kbki=0125302&limit=50")
        .await
        .json();
    for r in v["results"].as_array().expect("results") {
        assert_eq!(r["listing"]["commodity"], "bawang_merah");
    }
    get("/v1/search?q=kopi&kbki=99999")
        .await
        .assert_error(400, "kbki");
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"keripik","province":"31"},"filters":{"kbki":["99"]}}"#,
    )
    .await;
    v.assert_error(400, "filters.kbki[0]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn understanding_reports_the_kbki_codes_of_what_is_named() {
    let v = post_json(
        "/v1/match",
        r#"{"need":{"text":"keripik tempe 200 kg per bulan","province":"31"},"limit":5}"#,
    )
    .await
    .json();
    assert_eq!(v["understood"]["commodities"], json!(["makanan_ringan"]));
    assert_eq!(v["understood"]["kbki"], json!(["2314006001"]), "{v}");
}

trait CodeOnly {
    fn assert_error_code(&self, status: u16);
}

impl CodeOnly for crate::common::Reply {
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

/// Every entry shown carries how many listings of the directory are filed under it: the
/// sample's offers that name an item count under the item and each of its ancestors, so
/// counts never grow going down a path; a code nothing is filed under counts none.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn catalog_entries_count_the_listings_filed_under_them() {
    // Offers of the committed sample that name emping melinjo.
    let named = include_str!("../../fixtures/businesses.jsonl")
        .matches(r#""kbki":"2399913001""#)
        .count();
    assert!(named > 0, "the sample names emping melinjo");
    let v = get("/v1/catalog/2399913001").await.json();
    assert_eq!(v["entry"]["listings"], json!(named), "{v}");
    let mut path: Vec<u64> = v["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .filter_map(|a| a["listings"].as_u64())
        .collect();
    path.push(named as u64);
    // Section 2, division 23, group 239, class 2399, subclass 23999, product 2399913, item.
    assert_eq!(path.len(), 7, "{v}");
    assert!(path.windows(2).all(|w| w[0] >= w[1]), "{path:?}");
    assert!(
        path[0] > path[6],
        "section 2 holds more than one item: {path:?}"
    );
    // Ornamental fish are listed under their commodity's entry, not species by species.
    let v = get("/v1/catalog/0411101105").await.json();
    assert_eq!(v["entry"]["listings"], json!(0), "{v}");
    // Searches and a commodity's path show the same counts.
    let v = get("/v1/catalog?q=emping%20melinjo").await.json();
    let entry = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["code"] == "2399913001")
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["listings"], json!(named), "{v}");
    let v = get("/v1/commodities/makanan_ringan").await.json();
    let own = v["kbki_path"]
        .as_array()
        .and_then(|p| p.last())
        .and_then(|e| e["listings"].as_u64())
        .unwrap_or(0);
    assert!(own > named as u64, "{v}");
}
