//! The documents people print from a planned mission, on the shipped Jatim–Banten mission:
//! the HTML agendas (one page per firm with meetings plus the organiser's pages, no blank
//! page, Indonesian, partner details, no catalog keys or optimiser words on participant
//! pages, contacts only for readers who may see them), the CSV, a firm's own calendar, and
//! the XLSX workbook read back with calamine.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::Request;
use calamine::{Reader, Xlsx};
use jalin::auth::Principal;
use jalin::model::{Contacts, Lang};
use jalin::plan::MissionSpec;
use jalin::plan::export::{IDLE_ROWS_PER_PAGE, PlanFormat, RenderOptions, Schedule};
use serde_json::Value;

use crate::common::{Fixture, TOKEN, fixture, get, post_json};

async fn spec_text() -> String {
    let reply = get("/v1/missions/jatim-banten-2023").await;
    assert_eq!(reply.status, 200);
    String::from_utf8_lossy(&reply.body).to_string()
}

fn planned(spec: &str) -> Schedule {
    let spec: MissionSpec = serde_json::from_str(spec).expect("the shipped spec");
    fixture()
        .engine
        .plan_mission_in(spec, Lang::Id)
        .expect("planned")
}

/// The `<section class="page …">` blocks of a document.
fn pages(html: &str) -> Vec<&str> {
    html.split("<section class=\"page")
        .skip(1)
        .map(|p| p.split("</section>").next().unwrap_or(""))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_shipped_missions_agendas_print_one_page_per_firm_with_meetings_in_indonesian() {
    let schedule = planned(&spec_text().await);
    let engine = &fixture().engine;
    let html = engine
        .render_plan(&schedule, None, PlanFormat::Html, &RenderOptions::default())
        .expect("rendered");
    assert_eq!(html.content_type, "text/html; charset=utf-8");
    let html = String::from_utf8(html.bytes).expect("utf-8");
    let pages = pages(&html);
    let with_meetings = schedule
        .participants
        .iter()
        .filter(|p| p.meetings > 0)
        .count();
    let without = schedule.participants.len() - with_meetings;
    let slots: BTreeSet<usize> = schedule.meetings.iter().map(|m| m.slot).collect();
    assert!(
        with_meetings > 100 && without > 0,
        "{with_meetings} {without}"
    );
    let agendas: Vec<&&str> = pages.iter().filter(|p| p.starts_with(" agenda")).collect();
    let organiser = pages.iter().filter(|p| p.starts_with(" organiser")).count();
    assert_eq!(
        agendas.len(),
        with_meetings,
        "one page per firm with meetings"
    );
    assert_eq!(
        organiser,
        1 + without.div_ceil(IDLE_ROWS_PER_PAGE) + slots.len(),
        "cover, firms without meetings, a table plan per slot"
    );
    assert_eq!(pages.len(), with_meetings + organiser);
    println!(
        "  {} pages: {with_meetings} agendas, {organiser} for the organisers ({} participants)",
        pages.len(),
        schedule.participants.len()
    );
    // No blank page: every page has content, and breaks come after pages, never before.
    for p in &pages {
        assert!(
            p.contains("<td") || p.contains("<dd>"),
            "an empty page: {p:.300}"
        );
    }
    assert!(html.contains("break-after:page") && !html.contains("break-before"));
    assert!(html.contains("body>.page:last-child{break-after:auto"));
    assert!(!html.contains("No meetings scheduled"));
    // Indonesian, with partner details and topic names.
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"id\">"));
    for word in [
        "Jadwal pertemuan Anda",
        "Mitra",
        "Meja",
        "Menawarkan",
        "Membutuhkan",
        "Jawa Timur",
        "Banten",
        "Senin, 11 September 2023",
        "Denah meja",
        "Peserta tanpa pertemuan",
    ] {
        assert!(html.contains(word), "{word}");
    }
    let keys: BTreeSet<&str> = schedule
        .meetings
        .iter()
        .filter_map(|m| m.topic.as_deref())
        .filter(|t| t.contains('_'))
        .collect();
    assert!(
        !keys.is_empty(),
        "the fixture's topics include keys like bawang_merah"
    );
    for key in keys.iter().chain(&["besi_baja"]) {
        assert!(!html.contains(key), "raw key {key} on a page");
    }
    for page in &agendas {
        let lower = page.to_lowercase();
        for jargon in ["upper bound", "gap", "idle", "weight", "bobot"] {
            assert!(!lower.contains(jargon), "{jargon:?} on a participant page");
        }
        assert!(page.contains("Serang"), "the venue on every agenda");
    }
    // Every agenda row is a meeting: each meeting appears on both its firms' pages.
    let rows: usize = agendas
        .iter()
        .map(|p| p.matches("<tr><th scope=\"row\">").count())
        .sum();
    assert_eq!(rows, 2 * schedule.meetings.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn agendas_show_contacts_only_to_readers_who_may_see_them() {
    // An engine of its own: two participants get contacts, one published, one not.
    let f = Fixture::open();
    let spec = spec_text().await;
    let parsed: MissionSpec = serde_json::from_str(&spec).expect("the shipped spec");
    let schedule = f.engine.plan_mission_in(parsed, Lang::Id).expect("planned");
    let met: Vec<&str> = schedule
        .participants
        .iter()
        .filter(|p| p.meetings > 0)
        .map(|p| p.id.as_str())
        .collect();
    let (secret, public) = (met[0], met[1]);
    for (id, phone, publish) in [
        (secret, "+6281200000001", false),
        (public, "+6281200000002", true),
    ] {
        let mut b = f.engine.get_business(id).expect("registered");
        b.contacts = Some(Contacts {
            contact_person: Some("Ibu Uji".into()),
            phone: Some(phone.into()),
            ..Contacts::default()
        });
        b.publish_contacts = publish;
        f.engine.put_business(b).expect("stored");
    }
    let anonymous = f
        .post_json("/v1/missions/plan?format=html", spec.clone())
        .await;
    assert_eq!(anonymous.status, 200);
    let anonymous = String::from_utf8_lossy(&anonymous.body).to_string();
    let admin = f
        .send(
            Request::post("/v1/missions/plan?format=html")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Body::from(spec.clone()))
                .expect("request"),
        )
        .await;
    assert_eq!(admin.status, 200);
    let admin = String::from_utf8_lossy(&admin.body).to_string();
    assert!(
        admin.contains("Ibu Uji<br>+6281200000001"),
        "the admin sees it"
    );
    assert!(admin.contains("+6281200000002"));
    assert!(
        !anonymous.contains("+6281200000001"),
        "an unpublished phone leaked"
    );
    assert!(
        anonymous.contains("Ibu Uji<br>+6281200000002"),
        "a published one shows"
    );

    // The Principal rule for a province key: its own province's contacts, and published ones.
    let province = |code: &str| Principal {
        key_id: "t".into(),
        role: jalin::auth::Role::Province,
        provinces: vec![code.into()],
        business: None,
    };
    let secret_province = f.engine.get_business(secret).expect("stored").province;
    let other = if secret_province == "35" { "36" } else { "35" };
    for (viewer, sees) in [(province(&secret_province), true), (province(other), false)] {
        let details = f
            .engine
            .plan_details(&schedule, Some(&viewer), Lang::Id)
            .expect("details");
        let contact = |id: &str| details.party(id).and_then(|d| d.contact.clone());
        assert_eq!(contact(secret).is_some(), sees, "{viewer:?}");
        assert!(contact(public).is_some(), "published: everyone");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_csv_has_a_bom_and_semicolons_and_a_firm_gets_its_own_calendar() {
    let spec = spec_text().await;
    let json = post_json("/v1/missions/plan", spec.clone()).await.json();
    let meetings = json["meetings"].as_array().map(Vec::len).expect("meetings");
    let csv = post_json("/v1/missions/plan?format=csv", spec.clone()).await;
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.header("content-disposition").contains(".csv"));
    let text = String::from_utf8(csv.body).expect("utf-8");
    assert!(
        text.starts_with("\u{feff}Sesi;Mulai;Selesai;Meja;"),
        "{text:.80}"
    );
    assert_eq!(
        text.split("\r\n").filter(|l| !l.is_empty()).count(),
        meetings + 1
    );
    let slots: BTreeSet<u64> = text
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split(';').next()?.parse().ok())
        .collect();
    assert_eq!(slots.first(), Some(&1), "slots from 1");
    assert_eq!(slots.last(), Some(&12), "the fixture's 12 slots");
    assert!(!text.contains("bawang_merah"), "topic names, not keys");
    let comma = post_json("/v1/missions/plan?format=csv&sep=,", spec.clone()).await;
    assert!(String::from_utf8_lossy(&comma.body).starts_with("\u{feff}Sesi,Mulai,"));
    post_json("/v1/missions/plan?format=csv&sep=|", spec.clone())
        .await
        .assert_error(400, "sep");

    // One firm's calendar: its meetings only, seen from its side, with the table.
    let firm = "jt-00020";
    let mine = json["meetings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["a"] == firm || m["b"] == firm)
        .count();
    assert!(mine > 0);
    let ics = post_json(
        &format!("/v1/missions/plan?format=ics&participant={firm}"),
        spec.clone(),
    )
    .await;
    assert_eq!(ics.status, 200);
    assert!(
        ics.header("content-disposition")
            .contains(&format!("-{firm}.ics"))
    );
    let text = String::from_utf8_lossy(&ics.body).replace("\r\n ", "");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), mine);
    assert!(text.contains("SUMMARY:Pertemuan dengan "));
    assert!(text.contains("LOCATION:Meja ") && text.contains("\\, Serang"));
    post_json(
        "/v1/missions/plan?format=ics&participant=nobody",
        spec.clone(),
    )
    .await
    .assert_error(400, "participant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_workbook_has_the_schedule_agendas_tables_and_participants() {
    let spec = spec_text().await;
    let reply = post_json("/v1/missions/plan?format=xlsx", spec.clone()).await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.contains("spreadsheetml"));
    assert!(reply.header("content-disposition").ends_with(".xlsx\""));
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(reply.body)).expect("an XLSX");
    assert_eq!(book.sheet_names(), ["Jadwal", "Agenda", "Meja", "Peserta"]);
    let rows = |book: &mut Xlsx<_>, name: &str| -> Vec<Vec<String>> {
        book.worksheet_range(name)
            .expect("a sheet")
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let jadwal = rows(&mut book, "Jadwal");
    let agenda = rows(&mut book, "Agenda");
    let meja = rows(&mut book, "Meja");
    let peserta = rows(&mut book, "Peserta");
    // The same plan as JSON (the selection is deterministic; only slots may differ).
    let v: Value = post_json("/v1/missions/plan", spec).await.json();
    let meetings = v["meetings"].as_array().map(Vec::len).expect("meetings");
    let participants = v["participants"].as_array().map(Vec::len).expect("ps");
    assert_eq!(jadwal.len(), 1 + meetings);
    assert_eq!(agenda.len(), 1 + 2 * meetings);
    assert_eq!(peserta.len(), 1 + participants);
    let tables: BTreeSet<&str> = jadwal.iter().skip(1).map(|r| r[2].as_str()).collect();
    assert_eq!(meja.len(), 1 + tables.len(), "a row per table used");
    assert_eq!(jadwal[0][0], "Sesi");
    assert!(jadwal.iter().skip(1).all(|r| r[0] != "0"), "slots from 1");
    assert!(peserta.iter().any(|r| r.iter().any(|c| c == "Jawa Timur")));
}
