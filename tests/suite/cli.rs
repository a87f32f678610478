//! The `jalin` binary as a user runs it, and the store/index invariants across restarts:
//! imports are all-or-nothing with `file:line: field` errors, the index catches up from the
//! store after a crash, and a lost index is rebuilt.

use std::path::Path;
use std::process::{Command, Output};

use jalin::engine::{Engine, SearchParams};
use jalin::model::Business;

fn jalin(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jalin"))
        .args(args)
        .env("JALIN_DATA", data)
        .env("RUST_LOG", "warn")
        .envs(crate::common::pg::env_for_run(data, args, &[]))
        .output()
        .expect("run jalin")
}

fn open_engine(data: &Path) -> jalin::error::Result<(Engine, jalin::engine::OpenReport)> {
    crate::common::pg::open_engine(data, jalin::engine::EmptyStart::Sample)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const GOOD: &str = r#"{"id":"tst-1","name":"UD Uji Coba","kind":"umkm","province":"35","offers":[{"commodity":"bawang_merah","title":"Bawang merah uji brambang"}]}
{"id":"tst-2","name":"CV Pembeli Uji","kind":"umkm","province":"36","needs":[{"commodity":"bawang_merah","title":"Butuh bawang"}]}
{"buyer":"tst-2","seller":"tst-1","commodity":"bawang_merah","value_idr":1000000,"date":"2024-05-01","status":"completed"}
"#;

#[test]
fn cli_import_match_and_errors() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let files = dir.path();
    std::fs::write(files.join("good.jsonl"), GOOD).expect("write");
    std::fs::write(
        files.join("bad.jsonl"),
        "{\"id\":\"tst-3\",\"name\":\"UD Tiga\",\"kind\":\"umkm\",\"province\":\"35\"}\n\
         {\"id\":\"tst-4\",\"name\":\"UD Empat\",\"kind\":\"umkm\",\"province\":\"35\",\"offers\":[{\"commodity\":\"unobtainium\",\"title\":\"x\"}]}\n",
    )
    .expect("write");

    // A bad line aborts the whole import, naming file, line and field.
    let good = files.join("good.jsonl");
    let bad = files.join("bad.jsonl");
    let out = jalin(
        &data,
        &[
            "import",
            good.to_str().unwrap_or(""),
            bad.to_str().unwrap_or(""),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("bad.jsonl:2: offers[0].commodity"), "{err}");
    let out = jalin(
        &data,
        &["match", "--province", "36", "--json", "brambang uji"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("tst-1"),
        "nothing of the failed import is kept"
    );

    // The good file alone imports.
    let out = jalin(&data, &["import", good.to_str().unwrap_or("")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 2 businesses"),
        "{}",
        text(&out.stdout)
    );

    // Match prints the API's JSON with --json, a readable list without.
    let out = jalin(
        &data,
        &[
            "match",
            "--province",
            "36",
            "--limit",
            "5",
            "--json",
            "bawang merah",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["results"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["understood"]["commodities"][0], "bawang_merah");
    let out = jalin(
        &data,
        &[
            "match",
            "--province",
            "36",
            "--volume",
            "5 ton/month",
            "bawang merah",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("is expected to supply"),
        "{}",
        text(&out.stdout)
    );

    // Bad CLI input: a message and exit code 2.
    let out = jalin(&data, &["match", "--province", "99", "bawang merah"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("need.province"),
        "{}",
        text(&out.stderr)
    );
    let out = jalin(
        &data,
        &["match", "--province", "36", "--volume", "lots", "bawang"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--volume"),
        "{}",
        text(&out.stderr)
    );
    let missing = files.join("missing.jsonl");
    let out = jalin(&data, &["import", missing.to_str().unwrap_or("")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.jsonl"));
}

fn find(engine: &Engine, q: &str) -> Vec<String> {
    engine
        .search(&SearchParams {
            q: Some(q.into()),
            limit: Some(50),
            ..SearchParams::default()
        })
        .expect("search")
        .results
        .into_iter()
        .map(|r| r.business.id)
        .collect()
}

#[test]
fn the_index_catches_up_with_the_store_and_is_rebuilt_when_lost() {
    let dir = crate::common::temp_dir();
    let (engine, report) = open_engine(dir.path()).expect("open");
    assert!(crate::common::pg::sample_loaded(&report));
    let docs = engine.status().expect("status").index_documents;
    assert!(docs > 5000, "{docs} listings indexed");
    drop(engine);

    // A write that reached the store but not the index (a crash in between).
    let mut b: Business = serde_json::from_str(
        r#"{"id":"crash-1","name":"UD Setelah Crash","kind":"umkm","province":"52",
            "offers":[{"commodity":"bawang_merah","title":"Bawang merah zyxwvu"}]}"#,
    )
    .expect("business");
    b.normalize().expect("valid");
    let store = crate::common::pg::open_store(dir.path());
    store.write(|w| w.put_business(&b)).expect("write");
    drop(store);

    let (engine, report) = open_engine(dir.path()).expect("reopen");
    assert!(
        report.fixtures_loaded.is_none(),
        "fixtures load only into an empty store"
    );
    assert_eq!(report.caught_up, 1);
    assert_eq!(find(&engine, "zyxwvu"), ["crash-1"]);
    let status = engine.status().expect("status");
    assert_eq!(status.index_seq, status.last_seq);
    drop(engine);

    // The index is derived: delete it and it is rebuilt, with the same documents.
    std::fs::remove_dir_all(dir.path().join("search")).expect("rm index");
    let (engine, report) = open_engine(dir.path()).expect("reopen");
    assert!(report.index_rebuilt);
    assert_eq!(engine.status().expect("status").index_documents, docs + 1);
    assert_eq!(find(&engine, "zyxwvu"), ["crash-1"]);
}

#[test]
fn cli_plans_the_shipped_mission_into_files() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    // The sample the shipped mission's participants are in.
    let out = jalin(&data, &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for format in ["json", "csv", "ics", "html", "xlsx"] {
        let out_file = dir.path().join(format!("plan.{format}"));
        let out = jalin(
            &data,
            &[
                "plan",
                "jatim-banten-2023",
                "--format",
                format,
                "-o",
                out_file.to_str().unwrap_or(""),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("157 participants"),
            "{}",
            text(&out.stderr)
        );
        let written = std::fs::read(&out_file).expect("written");
        assert!(written.len() > 1000, "{format}: {} bytes", written.len());
    }
    // One firm's agenda page in English, and its CSV rows with the separator asked for.
    let out = jalin(
        &data,
        &[
            "plan",
            "jatim-banten-2023",
            "--format",
            "html",
            "--lang",
            "en",
            "--participant",
            "jt-00020",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = text(&out.stdout);
    assert_eq!(html.matches("<section class=\"page agenda\"").count(), 1);
    assert_eq!(html.matches("<section class=\"page").count(), 1);
    assert!(html.contains("Your meetings"));
    let out = jalin(
        &data,
        &["plan", "jatim-banten-2023", "--format", "csv", "--sep", ","],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("\u{feff}Sesi,Mulai,"));
    for bad in [
        ["--sep", "|"],
        ["--lang", "fr"],
        ["--participant", "nobody"],
    ] {
        let mut args = vec!["plan", "jatim-banten-2023", "--format", "csv"];
        args.extend(bad);
        let out = jalin(&data, &args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(bad[0].trim_start_matches('-')), "{stderr}");
    }
    let out = jalin(&data, &["plan", "no-such-mission.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-mission.json"));
    let out = jalin(&data, &["plan", "jatim-banten-2023", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_index_ahead_of_the_store_is_rebuilt() {
    if crate::common::pg::skip_on_postgres("restores an older copy of the SQLite file") {
        return;
    }
    let dir = crate::common::temp_dir();
    let (engine, _) = open_engine(dir.path()).expect("open");
    let mut b: Business = serde_json::from_str(
        r#"{"id":"ahead-1","name":"UD Hilang","kind":"umkm","province":"35",
            "offers":[{"commodity":"kopi","title":"Kopi qwxzylost"}]}"#,
    )
    .expect("business");
    b.normalize().expect("valid");
    // Keep a copy of the store from before the write: a restore from an older backup.
    drop(engine);
    let db = dir.path().join("jalin.db");
    std::fs::copy(&db, dir.path().join("backup.db")).expect("backup");
    let (engine, _) = open_engine(dir.path()).expect("reopen");
    engine.put_business(b).expect("put");
    assert_eq!(find(&engine, "qwxzylost"), ["ahead-1"]);
    drop(engine);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("jalin.db{suffix}")));
    }
    std::fs::copy(dir.path().join("backup.db"), &db).expect("restore");
    let (engine, report) = open_engine(dir.path()).expect("reopen");
    assert!(report.index_rebuilt, "the index was ahead of the store");
    assert!(
        find(&engine, "qwxzylost").is_empty(),
        "nothing the store lost is found"
    );
}

#[test]
fn the_committed_sample_is_what_jalin_generate_writes() {
    let dir = crate::common::temp_dir();
    let out = dir.path().join("gen");
    let run = jalin(
        &dir.path().join("data"),
        &[
            "generate",
            "--businesses",
            "3200",
            "--deals",
            "20000",
            "--seed",
            "42",
            "--out",
            out.to_str().unwrap_or(""),
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    for f in ["businesses.jsonl", "deals.jsonl"] {
        let generated = std::fs::read(out.join(f)).expect("generated");
        let committed = std::fs::read(format!("{}/fixtures/{f}", env!("CARGO_MANIFEST_DIR")))
            .expect("committed");
        assert!(
            generated == committed,
            "fixtures/{f} differs from `jalin generate --seed 42`"
        );
    }
    let bad = jalin(
        &dir.path().join("data"),
        &[
            "generate",
            "--businesses",
            "0",
            "--out",
            out.to_str().unwrap_or(""),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
}

/// `jalin match` and `jalin plan` read a data directory a running server holds (read-only,
/// as of the index's last commit, which the server keeps current); writing commands say
/// plainly that the server holds it and what to do instead; nothing creates a data
/// directory that is not there.
#[test]
fn reading_commands_work_beside_a_running_server() {
    use crate::common::http::request;
    use crate::common::server::start_ready;
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, GOOD).expect("write");
    let good = good.to_str().unwrap_or("");
    let out = jalin(&data, &["import", "--no-sample", good]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let log = dir.path().join("server.log");
    let (server, _) = start_ready(
        &data,
        &log,
        "cli-test-token-0123",
        &[],
        std::time::Duration::from_secs(120),
    );
    let out = jalin(
        &data,
        &["match", "--province", "36", "--json", "brambang uji"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("tst-1"), "{}", text(&out.stdout));
    // A business the server stores now is seen by the next command.
    let body = r#"{"id":"tst-9","name":"UD Zqlive","kind":"umkm","province":"33","offers":[{"commodity":"bawang_merah","title":"Bawang zqlive"}]}"#;
    let r = request(
        &server.addr(),
        "PUT",
        "/v1/businesses/tst-9",
        &[
            ("Authorization", "Bearer cli-test-token-0123"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .expect("PUT");
    assert_eq!(r.status, 201, "{}", r.text());
    let out = jalin(
        &data,
        &["match", "--province", "36", "--json", "bawang zqlive"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("tst-9"), "{}", text(&out.stdout));
    // A writing command is told who holds the directory, and how to do it instead.
    let out = jalin(&data, &["import", good]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("held by a running jalin server") && err.contains("POST /v1/import"),
        "{err}"
    );
    server.kill();

    // No data directory: a clear error, and none is created.
    let missing = dir.path().join("nothing-here");
    let out = jalin(&missing, &["match", "--province", "36", "bawang merah"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no jalin data"),
        "{}",
        text(&out.stderr)
    );
    assert!(!missing.exists());
}

/// A backup taken while a server takes writes is consistent: restored into a new directory
/// it serves what was acknowledged before the backup began, at most what was acknowledged by
/// its end, with the index in step; a backup after the writes restores to the same counts.
#[test]
fn a_backup_under_write_load_restores_to_a_directory_that_serves_the_same_counts() {
    if crate::common::pg::skip_on_postgres("jalin backup/restore copy SQLite files") {
        return;
    }
    use crate::common::http::request;
    use crate::common::server::start_ready;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    const TOKEN: &str = "backup-test-token-0123";
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let out = jalin(&data, &["init", "--no-sample"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = dir.path().join("server.log");
    let wait = std::time::Duration::from_secs(120);
    let (server, _) = start_ready(&data, &log, TOKEN, &[("JALIN_RATE_LIMIT", "0")], wait);
    let addr = server.addr();
    let acked = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let put = |n: u64| {
        let body = format!(
            r#"{{"id":"w-{n}","name":"UD Tulis {n}","kind":"umkm","province":"35","offers":[{{"commodity":"beras","title":"Beras {n}"}}]}}"#
        );
        request(
            &addr,
            "PUT",
            &format!("/v1/businesses/w-{n}"),
            &[
                ("Authorization", &format!("Bearer {TOKEN}")),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
        .map(|r| r.status)
    };
    let backup = dir.path().join("under-load.db");
    let (before, after) = std::thread::scope(|s| {
        s.spawn(|| {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                assert_eq!(put(n).ok(), Some(201));
                acked.store(n, Ordering::SeqCst);
            }
        });
        while acked.load(Ordering::SeqCst) < 20 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let before = acked.load(Ordering::SeqCst);
        let out = jalin(&data, &["backup", backup.to_str().unwrap_or("")]);
        let after = acked.load(Ordering::SeqCst) + 1; // one may be in flight
        std::thread::sleep(std::time::Duration::from_millis(100));
        stop.store(true, Ordering::SeqCst);
        assert!(out.status.success(), "{}", text(&out.stderr));
        (before, after)
    });
    let count_of = |restored: &std::path::Path| -> u64 {
        let (server, health) = start_ready(restored, &log, TOKEN, &[], wait);
        server.kill();
        assert_eq!(health["index_seq"], health["last_seq"], "{health}");
        assert_eq!(health["index_documents"], health["businesses"], "{health}");
        health["businesses"].as_u64().unwrap_or(0)
    };
    let restored = dir.path().join("restored");
    let out = jalin(&restored, &["restore", backup.to_str().unwrap_or("")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let n = count_of(&restored);
    assert!(
        (before..=after).contains(&n),
        "the backup holds {n} businesses; {before} were acknowledged before it began and at \
         most {after} by its end"
    );
    // A second backup once the writes are over restores to what the live server serves.
    let live = request(&addr, "GET", "/healthz", &[], b"")
        .expect("healthz")
        .json();
    let again = dir.path().join("after.db");
    let out = jalin(&data, &["backup", again.to_str().unwrap_or("")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Backups never overwrite, and restores never go over a store.
    assert!(
        !jalin(&data, &["backup", again.to_str().unwrap_or("")])
            .status
            .success()
    );
    assert!(
        !jalin(&restored, &["restore", again.to_str().unwrap_or("")])
            .status
            .success()
    );
    server.kill();
    let restored2 = dir.path().join("restored2");
    let out = jalin(&restored2, &["restore", again.to_str().unwrap_or("")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(Some(count_of(&restored2)), live["businesses"].as_u64());
}

/// `jalin sample remove` on a sampled directory leaves none of the sample: its businesses
/// and deals are gone, the operator's own records stay, and rankings cite only those.
#[test]
fn sample_remove_leaves_only_the_operators_records() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, GOOD).expect("write");
    let out = jalin(&data, &["import", good.to_str().unwrap_or("")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sampled = jalin(
        &data,
        &["match", "--province", "36", "--json", "bawang merah"],
    );
    let ids = |out: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["business"]["id"].as_str().map(str::to_string))
            .collect()
    };
    assert!(
        ids(&sampled).iter().any(|id| !id.starts_with("tst-")),
        "the sample is there to begin with"
    );

    let out = jalin(&data, &["sample", "remove"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("2 businesses and 1 deals remain"), "{said}");
    let after = jalin(
        &data,
        &["match", "--province", "36", "--json", "bawang merah"],
    );
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert_eq!(ids(&after), ["tst-1"], "{}", text(&after.stdout));
    // Removing again removes nothing.
    let out = jalin(&data, &["sample", "remove"]);
    assert!(
        text(&out.stdout).contains("0 businesses and 0 deals"),
        "{}",
        text(&out.stdout)
    );
}

/// `jalin export` writes what the store holds, contacts included, as JSONL that `jalin import`
/// reads back into an empty directory to the same records.
#[test]
fn an_export_imports_back_to_the_same_records() {
    let dir = crate::common::temp_dir();
    let data = dir.path().join("data");
    let with_contacts = r#"{"id":"ex-1","name":"UD Ekspor","kind":"umkm","province":"35","city":"Malang","offers":[{"commodity":"kopi","title":"Kopi arabika"}],"contacts":{"contact_person":"Bu Sri","phone":"0812-3456-7890","email":"sri@example.id"}}
{"id":"ex-2","name":"CV Impor","kind":"umkm","province":"36","needs":[{"commodity":"kopi","title":"Kopi"}]}
{"id":"ex-d1","buyer":"ex-2","seller":"ex-1","commodity":"kopi","value_idr":5000000,"date":"2024-05-01","status":"completed"}
"#;
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, with_contacts).expect("write");
    let out = jalin(
        &data,
        &["import", "--no-sample", file.to_str().unwrap_or("")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dump = dir.path().join("dump");
    let out = jalin(&data, &["export", dump.to_str().unwrap_or("")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 businesses and 1 deals"),
        "{}",
        text(&out.stdout)
    );
    // Never over an earlier export.
    assert!(
        !jalin(&data, &["export", dump.to_str().unwrap_or("")])
            .status
            .success()
    );

    let copy = dir.path().join("copy");
    let b = dump.join("businesses.jsonl");
    let d = dump.join("deals.jsonl");
    let out = jalin(
        &copy,
        &[
            "import",
            "--no-sample",
            b.to_str().unwrap_or(""),
            d.to_str().unwrap_or(""),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let a = crate::common::pg::open_store(&data);
    let c = crate::common::pg::open_store(&copy);
    for id in ["ex-1", "ex-2"] {
        let original = a.get_business(id).expect("read");
        assert!(original.is_some());
        assert_eq!(original, c.get_business(id).expect("read"), "{id}");
    }
    let contacts = c
        .get_business("ex-1")
        .expect("read")
        .and_then(|b| b.contacts);
    assert!(contacts.is_some(), "contacts travel with the export");
    assert_eq!(
        a.get_deal("ex-d1").expect("read"),
        c.get_deal("ex-d1").expect("read")
    );
    assert!(c.get_deal("ex-d1").expect("read").is_some());
}
