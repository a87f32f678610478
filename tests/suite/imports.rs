//! Spreadsheet imports (#18) as a dinas would run them, through the CLI and the API: a CSV
//! with Indonesian headers, regency/city names and plain-word capacities imports; the same
//! file with three bad rows reports all three in one answer and commits nothing; a dry run
//! changes nothing; `skip_invalid` commits the good rows and hands back the bad ones; the
//! templates read back; an empty start (`--no-sample`, `JALIN_SAMPLE=0`) has no businesses.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use jalin::engine::{EmptyStart, Engine};

use crate::common::{self, Reply, TOKEN};

/// Three UMKM of NTB and Jateng, as a dinas spreadsheet writes them (`;`-separated, as a
/// spreadsheet in an Indonesian locale saves CSV).
const GOOD: &str = "\u{feff}No;Nama Usaha;Jenis;Provinsi;Kab/Kota;Produk;Butuh;Sertifikat;No. HP;Tampilkan Kontak\n\
1;KUB Kopi Sembalun;UMKM;NTB;Lombok Timur;Kopi arabika 5 ton/bulan;;Halal;0812-3456-7890;ya\n\
2;Koperasi Madu Sumbawa;Koperasi;Nusa Tenggara Barat;Kab. Sumbawa;\"Madu hutan 200 kg per bulan; rumput laut kering 3 ton/minggu\";;PIRT;;\n\
3;PT Bawang Brebes Jaya;PT;Semarang;Brebes;Bawang merah 20 ton/minggu;Pupuk 10 ton/bulan;;;\n";

/// The same file with three bad rows: a misspelt province, an unknown product and a phone
/// that is no phone.
fn with_three_bad_rows() -> String {
    format!(
        "{GOOD}\
4;UD Salah Provinsi;UMKM;Jawa Tengh;Klaten;Beras 2 ton/bulan;;;;\n\
5;UD Produk Aneh;UMKM;Bali;Gianyar;Mobil listrik;;;;\n\
6;UD Telepon Salah;UMKM;Bali;Badung;Kopi robusta;;;12345;\n"
    )
}

fn jalin(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jalin"))
        .args(args)
        .env("JALIN_DATA", data)
        .env("RUST_LOG", "warn")
        .envs(crate::common::pg::env_for_run(data, args, env))
        .envs(env.iter().copied())
        .output()
        .expect("run jalin")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn open_empty(dir: &Path) -> Engine {
    let (engine, report) = crate::common::pg::open_engine(dir, EmptyStart::Nothing).expect("open");
    assert!(report.fixtures_loaded.is_none());
    engine
}

#[test]
fn cli_imports_a_dinas_csv_reports_every_bad_row_and_dry_runs() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let good = dir.path().join("umkm_ntb.csv");
    let bad = dir.path().join("umkm_bad.csv");
    std::fs::write(&good, GOOD).expect("write");
    std::fs::write(&bad, with_three_bad_rows()).expect("write");
    let path = |p: &Path| p.to_str().unwrap_or("").to_string();
    let empty_env = [("JALIN_SAMPLE", "0")];

    // Three bad rows: each named on a line of its own, exit code 2, nothing kept.
    let out = jalin(&data, &["import", &path(&bad)], &empty_env);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("umkm_bad.csv:"))
        .collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].contains(
            "umkm_bad.csv:5: Provinsi: unknown province \"Jawa Tengh\"; did you mean Jawa Tengah?"
        ),
        "{err}"
    );
    // "Mobil listrik" is a KBKI product (motor vehicles) that no curated commodity covers.
    assert!(
        lines[1].contains("umkm_bad.csv:6: Produk: \"Mobil listrik\" is KBKI 49")
            && lines[1].contains("no catalog commodity covers"),
        "{err}"
    );
    assert!(lines[2].contains("umkm_bad.csv:7: No. HP:"), "{err}");

    // A dry run of the good file says what it would do and does nothing.
    let out = jalin(&data, &["import", "--dry-run", &path(&good)], &empty_env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("would import 3 businesses (3 new, 0 replaced; 5 listings)"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("ignored column"),
        "{}",
        text(&out.stderr)
    );
    {
        let engine = open_empty(&data);
        assert_eq!(
            engine.status().expect("status").businesses,
            0,
            "no sample, nothing imported"
        );
    }

    // The good file imports, with regency names and capacities read.
    let out = jalin(&data, &["import", "--no-sample", &path(&good)], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 3 businesses"),
        "{}",
        text(&out.stdout)
    );

    // --skip-invalid: the three good rows again (same derived ids: replaced, not doubled),
    // the bad ones written beside the file with their errors.
    let out = jalin(&data, &["import", "--skip-invalid", &path(&bad)], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("skipped 3 bad rows"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("3 businesses (0 new, 3 replaced;"),
        "{}",
        text(&out.stdout)
    );
    let skipped =
        std::fs::read_to_string(dir.path().join("umkm_bad.skipped.csv")).expect("skipped file");
    let skipped: Vec<&str> = skipped.lines().collect();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert!(skipped[0].ends_with("Kesalahan"), "{skipped:?}");
    assert!(
        skipped[1].contains("UD Salah Provinsi") && skipped[1].contains("did you mean"),
        "{skipped:?}"
    );

    let engine = open_empty(&data);
    assert_eq!(engine.status().expect("status").businesses, 3);
    let id = jalin::import::derive_id("52", "KUB Kopi Sembalun", "Lombok Timur");
    let kopi = engine
        .get_business(&id)
        .expect("stored under its derived id");
    assert_eq!(kopi.city.as_deref(), Some("Lombok Timur"));
    let cap = kopi.offers[0].capacity.clone().expect("capacity");
    assert_eq!(
        (cap.qty, cap.unit.as_str(), cap.per.as_deref()),
        (5.0, "ton", Some("month"))
    );
    assert_eq!(
        kopi.contacts.and_then(|c| c.phone).as_deref(),
        Some("+6281234567890")
    );
    assert!(kopi.publish_contacts);
    let brebes = engine
        .get_business(&jalin::import::derive_id(
            "33",
            "PT Bawang Brebes Jaya",
            "Brebes",
        ))
        .expect("Semarang is Jawa Tengah's capital");
    assert_eq!(brebes.kind, jalin::model::BusinessKind::Corporate);
    assert_eq!(brebes.needs[0].commodity, "pupuk");
}

#[test]
fn cli_imports_an_xlsx_workbook() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let file = dir.path().join("anggota.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 5]; 3] = [
        ["Name", "Kind", "Province", "City", "Offers"],
        [
            "Gapoktan Sumber Rejeki",
            "Asosiasi",
            "Jatim",
            "Probolinggo",
            "bawang merah 40 ton per bulan",
        ],
        [
            "BUMD Agro Banten",
            "BUMD",
            "36",
            "Serang",
            "beras 100 ton/bulan",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).expect("cell");
        }
    }
    book.save(&file).expect("save");
    let out = jalin(
        &data,
        &["import", "--no-sample", file.to_str().unwrap_or("")],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 2 businesses"),
        "{}",
        text(&out.stdout)
    );
    let engine = open_empty(&data);
    assert_eq!(engine.status().expect("status").businesses, 2);
}

/// A router over an engine that started empty.
fn empty_app() -> (axum::Router, Arc<Engine>, crate::common::pg::TestDir) {
    let dir = crate::common::temp_dir();
    let engine = Arc::new(open_empty(dir.path()));
    let app = jalin::api::router(engine.clone(), jalin::api::ApiConfig::new(TOKEN));
    (app, engine, dir)
}

async fn post(app: &axum::Router, uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    let req = Request::post(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", content_type)
        .body(body.into())
        .expect("request");
    common::call(app, req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn api_reports_every_bad_row_commits_nothing_and_dry_runs() {
    let (app, engine, _dir) = empty_app();
    let businesses = || engine.status().expect("status").businesses;

    let reply = post(&app, "/v1/import", "text/csv", with_three_bad_rows()).await;
    reply.assert_error(400, "Provinsi");
    let v = reply.json();
    assert_eq!(v["error"]["code"], "invalid");
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{v}");
    let got: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap_or(0),
                r["column"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(got, [(5, "Provinsi"), (6, "Produk"), (7, "No. HP")]);
    assert!(
        rows[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("did you mean Jawa Tengah?")
    );
    assert_eq!(v["more"], 0);
    assert_eq!(businesses(), 0, "nothing committed");

    let reply = post(
        &app,
        "/v1/import?dry_run=true",
        "text/csv; charset=utf-8",
        GOOD,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", text(&reply.body));
    let v = reply.json();
    assert_eq!(
        (v["dry_run"].as_bool(), v["businesses"].as_u64()),
        (Some(true), Some(3))
    );
    assert_eq!(businesses(), 0, "a dry run changes nothing");

    let reply = post(
        &app,
        "/v1/import?skip_invalid=true",
        "text/csv",
        with_three_bad_rows(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", text(&reply.body));
    let v = reply.json();
    assert_eq!(
        (v["businesses"].as_u64(), v["skipped"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(businesses(), 3);

    // Read-your-writes: the imported coffee is found by a buyer elsewhere.
    let found = engine
        .search(&jalin::engine::SearchParams {
            q: Some("kopi arabika".into()),
            ..Default::default()
        })
        .expect("search");
    assert!(
        found
            .results
            .iter()
            .any(|r| r.business.name == "KUB Kopi Sembalun")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_templates_download_and_import_cleanly() {
    let (app, engine, _dir) = empty_app();
    let csv = common::call(
        &app,
        Request::get("/v1/templates/businesses.csv")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(
        csv.body.starts_with(b"\xEF\xBB\xBFID,Nama Usaha,"),
        "{}",
        text(&csv.body)
    );
    let xlsx = common::call(
        &app,
        Request::get("/v1/templates/businesses.xlsx")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"), "a zip");
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    assert_eq!(xlsx.content_type, xlsx_type);
    for (ty, body) in [("text/csv", csv.body), (xlsx_type, xlsx.body)] {
        let reply = post(&app, "/v1/import?dry_run=true", ty, body).await;
        assert_eq!(reply.status, 200, "{ty}: {}", text(&reply.body));
        assert_eq!(reply.json()["businesses"], 1);
    }
    assert_eq!(engine.status().expect("status").businesses, 0);
    // Not a workbook: a 400 naming the body, not a 500.
    let reply = post(&app, "/v1/import", xlsx_type, "PK\u{3}\u{4} not really").await;
    assert_eq!(reply.status, 400, "{}", text(&reply.body));
    // JSONL stays the default.
    let line = r#"{"id":"j-1","name":"UD JSON","kind":"umkm","province":"35"}"#;
    let reply = post(&app, "/v1/import", "application/x-ndjson", line).await;
    assert_eq!(reply.status, 200, "{}", text(&reply.body));
}

/// A token `serve` accepts (at least 16 characters).
const SERVE_TOKEN: &str = "imports-test-token-0001";

/// `jalin serve --no-sample` and `JALIN_SAMPLE=0` start with the reference data only.
#[test]
fn an_empty_start_serves_no_sample() {
    use crate::common::http::request;
    use crate::common::server::{Proc, start_ready, wait_http};
    let dir = crate::common::temp_dir();
    let log = dir.path().join("serve.log");
    let data = dir.path().join("flag");
    let port = crate::common::http::free_port();
    let mut cmd = Command::new(crate::common::server::binary());
    cmd.args(["serve", "--no-sample", "--data"])
        .arg(&data)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env("JALIN_TOKEN", SERVE_TOKEN)
        .env_remove("JALIN_DATA")
        .env_remove("JALIN_CONFIG")
        .envs(crate::common::pg::env_for_run(&data, &["--no-sample"], &[]));
    let mut proc = Proc::spawn("jalin serve --no-sample", &mut cmd, &log);
    let addr = format!("127.0.0.1:{port}");
    wait_http(&addr, "/healthz", &mut proc, Duration::from_secs(60));
    let health = request(&addr, "GET", "/healthz", &[], b"")
        .expect("healthz")
        .json();
    assert_eq!(
        (health["businesses"].as_u64(), health["deals"].as_u64()),
        (Some(0), Some(0)),
        "{health}"
    );
    let provinces = request(&addr, "GET", "/v1/provinces", &[], b"")
        .expect("provinces")
        .json();
    assert_eq!(
        provinces.as_array().map(Vec::len),
        Some(38),
        "reference data is there"
    );
    proc.kill();

    let (server, health) = start_ready(
        &dir.path().join("env"),
        &log,
        SERVE_TOKEN,
        &[("JALIN_SAMPLE", "0")],
        Duration::from_secs(60),
    );
    assert_eq!(health["businesses"].as_u64(), Some(0), "{health}");
    server.kill();
}

/// A sheet with a buyer and a seller column holds deals: imported with the businesses they
/// name (in the same run), or reported when a party is unknown.
#[test]
fn cli_imports_deals_from_a_sheet_beside_their_businesses() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let businesses = dir.path().join("umkm.csv");
    let deals = dir.path().join("transaksi.csv");
    std::fs::write(&businesses, GOOD).expect("write");
    let kopi = jalin::import::derive_id("52", "KUB Kopi Sembalun", "Lombok Timur");
    let brebes = jalin::import::derive_id("33", "PT Bawang Brebes Jaya", "Brebes");
    std::fs::write(
        &deals,
        format!(
            "Pembeli,Penjual,Komoditas,Nilai (Rp),Volume,Tanggal,Status\n\
             {brebes},{kopi},Kopi arabika,\"Rp 125.000.000\",5 ton,11/09/2023,selesai\n\
             {kopi},{brebes},bawang merah,2 juta,,2024-01-05,MoU\n"
        ),
    )
    .expect("write");
    let path = |p: &Path| p.to_str().unwrap_or("").to_string();
    let out = jalin(
        &data,
        &["import", "--no-sample", &path(&businesses), &path(&deals)],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("imported 3 businesses (3 new, 0 replaced; 5 listings) and 2 deals"),
        "{}",
        text(&out.stdout)
    );
    let engine = open_empty(&data);
    let status = engine.status().expect("status");
    assert_eq!((status.deals, status.network_deals), (2, 2));

    // A deal naming a business that is not stored: its row and column, nothing kept.
    std::fs::write(
        &deals,
        "Pembeli,Penjual,Komoditas,Nilai (Rp),Tanggal,Status\n\
         nobody-1,nobody-2,kopi,1000000,2024-01-05,selesai\n",
    )
    .expect("write");
    drop(engine);
    let out = jalin(&data, &["import", &path(&deals)], &[("JALIN_SAMPLE", "0")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("transaksi.csv:2: Pembeli: unknown business \"nobody-1\""),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_retried_import_with_an_idempotency_key_stores_its_deals_once() {
    let (app, engine, _dir) = empty_app();
    let deals = || engine.status().expect("status").deals;
    let body = [
        r#"{"id":"ik-a","name":"UD Satu","kind":"umkm","province":"35","city":"Kediri","offers":[{"commodity":"beras","title":"Beras"}]}"#,
        r#"{"id":"ik-b","name":"UD Dua","kind":"umkm","province":"36","city":"Serang","needs":[{"commodity":"beras","title":"Beras"}]}"#,
        r#"{"buyer":"ik-b","seller":"ik-a","commodity":"beras","value_idr":1000000,"date":"2024-05-01","status":"completed"}"#,
        r#"{"buyer":"ik-b","seller":"ik-a","commodity":"beras","value_idr":2000000,"date":"2024-06-01","status":"completed"}"#,
    ]
    .join("\n");
    let send = |key: Option<&'static str>| {
        let mut req = Request::post("/v1/import")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/x-ndjson");
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let req = req.body(Body::from(body.clone())).expect("request");
        let app = app.clone();
        async move { common::call(&app, req).await }
    };
    let first = send(Some("umkm-ntb-2024-05")).await;
    assert_eq!(first.status, 200, "{}", text(&first.body));
    assert_eq!(first.json()["deals"], 2);
    let stored = deals();
    // The retry: same key, same body — the deals are found stored and not written again.
    let retry = send(Some("umkm-ntb-2024-05")).await;
    assert_eq!(retry.status, 200, "{}", text(&retry.body));
    assert_eq!(
        (
            retry.json()["deals"].clone(),
            retry.json()["deals_unchanged"].clone()
        ),
        (0.into(), 2.into())
    );
    assert_eq!(deals(), stored);
    // Without a key each import is new deals (nothing says it is a retry).
    let plain = send(None).await;
    assert_eq!(plain.json()["deals"], 2);
    assert_eq!(deals(), stored + 2);
    // A bad key is a 400 naming the header, and writes nothing.
    let long: &'static str = Box::leak("k".repeat(201).into_boxed_str());
    send(Some(long)).await.assert_error(400, "Idempotency-Key");
    assert_eq!(deals(), stored + 2);
}

/// An import read and written in batches of three records (`JALIN_IMPORT_BATCH=3`) reports,
/// counts and stores exactly what the same import in one batch does: businesses written again
/// in a later batch, deals naming businesses of earlier batches, deals without an id, bad rows
/// in several batches, and a second import of the same file.
#[test]
fn an_import_in_small_batches_is_the_import_in_one() {
    let dir = crate::common::temp_dir();
    let mut good = Vec::new();
    for i in 0..7 {
        let contacts = if i % 2 == 0 {
            r#","contacts":{"phone":"0812-3456-7890"},"publish_contacts":true"#
        } else {
            ""
        };
        good.push(format!(
            r#"{{"id":"b-{i}","name":"UD Kopi {i}","kind":"umkm","province":"35","offers":[{{"commodity":"kopi","title":"Kopi {i}"}}]{contacts}}}"#
        ));
    }
    good.push(r#"{"id":"b-1","name":"UD Kopi Satu Lagi","kind":"umkm","province":"52"}"#.into());
    for (id, buyer, seller) in [
        (Some("dx-1"), "b-0", "b-6"),
        (None, "b-2", "b-5"),
        (None, "b-6", "b-1"),
        (Some("dx-1"), "b-0", "b-6"),
    ] {
        let id = id.map(|i| format!(r#""id":"{i}","#)).unwrap_or_default();
        good.push(format!(
            r#"{{{id}"buyer":"{buyer}","seller":"{seller}","commodity":"kopi","value_idr":2500000,"date":"2024-03-01","status":"completed"}}"#
        ));
    }
    let mut bad = good.clone();
    bad.insert(
        2,
        r#"{"id":"b-x","name":"UD X","kind":"umkm","province":"Jawa Tengh"}"#.into(),
    );
    bad.push(r#"{"buyer":"b-0","seller":"nobody","commodity":"kopi","value_idr":1,"date":"2024-03-01","status":"completed"}"#.into());
    let (good_file, bad_file) = (dir.path().join("good.jsonl"), dir.path().join("bad.jsonl"));
    std::fs::write(&good_file, good.join("\n")).expect("write");
    std::fs::write(&bad_file, bad.join("\n")).expect("write");
    let summary = |out: &Output| {
        let s = text(&out.stdout);
        s.split(" in ").next().unwrap_or_default().to_string()
    };
    let mut seen = Vec::new();
    for batch in ["10000", "3"] {
        let data = dir.path().join(format!("data-{batch}"));
        let env = [("JALIN_IMPORT_BATCH", batch)];
        let refused = jalin(
            &data,
            &["import", "--no-sample", bad_file.to_str().unwrap_or("")],
            &env,
        );
        assert!(!refused.status.success());
        let first = jalin(
            &data,
            &["import", "--no-sample", good_file.to_str().unwrap_or("")],
            &env,
        );
        assert!(first.status.success(), "{}", text(&first.stderr));
        let again = jalin(
            &data,
            &["import", "--no-sample", good_file.to_str().unwrap_or("")],
            &env,
        );
        assert!(again.status.success(), "{}", text(&again.stderr));
        let dump = dir.path().join(format!("dump-{batch}"));
        let out = jalin(&data, &["export", dump.to_str().unwrap_or("")], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let read = |f: &str| std::fs::read_to_string(dump.join(f)).expect("export");
        seen.push((
            text(&refused.stderr),
            summary(&first),
            summary(&again),
            read("businesses.jsonl"),
            read("deals.jsonl"),
        ));
    }
    let (one, small) = (&seen[0], &seen[1]);
    assert!(one.0.contains(":3:") && one.0.contains(":14:"), "{}", one.0);
    assert!(
        one.1.contains("8 businesses (7 new, 1 replaced") && one.1.contains("3 deals"),
        "{}",
        one.1
    );
    assert!(one.2.contains("8 replaced"), "{}", one.2);
    assert!(
        one.4.contains("\"d-0000"),
        "a deal without an id got one: {}",
        one.4
    );
    assert_eq!(one, small);
}
