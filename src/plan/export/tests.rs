//! Tests of the renderings, on a small planned mission with hostile names: every format
//! escapes user text, the documents speak the reader's language, print no catalog keys and
//! no optimiser words on participant pages, and have one page per firm with meetings.

use super::super::{PairScore, ProblemConfig, plan};
use super::csv::field as csv_text;
use super::ics::{fold, ics_time, time_zone};
use super::*;
use crate::model::Contacts;
use crate::plan::spec::MissionSpec;
use serde_json::json;

fn planned() -> Schedule {
    let spec: MissionSpec = serde_json::from_value(json!({
        "name": "Misi Dagang Jatim–Banten, \"2023\"", "host_province": "36", "date": "2023-09-11",
        "venue": "Serang; Hall A",
        "slots": {"start": "23:00", "minutes": 20, "count": 3},
        "tables": 3, "max_meetings": 3,
        "participants": [
            {"id": "jt-1", "side": "origin", "name": "UD Brambang, \"Jaya\"\nNganjuk"},
            {"id": "jt-2", "side": "origin", "name": "=HYPERLINK(\"x\")"},
            {"id": "bt-1", "side": "host", "name": "<script>alert(1)</script> & Co"},
            {"id": "bt-2", "side": "host"},
            {"id": "bt-3", "side": "host", "available": []}
        ],
        "requests": [{"a": "jt-1", "b": "bt-3", "priority": "want"}],
        "preferences": [{"a": "jt-1", "b": "bt-1", "weight": 2.0,
                         "topic": "bawang_merah"}]
    }))
    .expect("spec");
    let mission = spec.validate().expect("valid");
    let score = |_: &str, _: &str| {
        Some(PairScore {
            weight: 1.123456,
            topic: Some("besi_baja".to_string()),
        })
    };
    let (problem, solution) = plan(&mission, &score, &ProblemConfig::default());
    let names = |id: &str| (id == "bt-2").then(|| "PT Dua".to_string());
    schedule(&mission, &problem, &solution, Some(&names), true)
}

/// Details as the engine would fill them: a city and province for everyone, products, and a
/// contact for bt-1 only.
fn details() -> Details {
    let mut d = Details::default();
    for (id, city, prov) in [
        ("jt-1", "Nganjuk", "Jawa Timur"),
        ("jt-2", "Surabaya", "Jawa Timur"),
        ("bt-1", "Serang", "Banten"),
        ("bt-2", "Cilegon", "Banten"),
        ("bt-3", "Tangerang", "Banten"),
    ] {
        d.insert_party(
            id,
            PartyInfo {
                name: match id {
                    "bt-2" => "PT Dua".into(),
                    "bt-1" => "<script>alert(1)</script> & Co".into(),
                    "jt-2" => "=HYPERLINK(\"x\")".into(),
                    _ => format!("Usaha {id}"),
                },
                city: Some(city.into()),
                province: Some(prov.into()),
                offers: vec!["Bawang merah".into(), "Besi dan baja".into()],
                needs: vec!["Garam".into()],
                contact: (id == "bt-1").then(|| Contacts {
                    contact_person: Some("Ibu Sari".into()),
                    phone: Some("+62812345678".into()),
                    ..Contacts::default()
                }),
            },
        );
    }
    d.insert_topic("bawang_merah", "Bawang merah");
    d.insert_topic("besi_baja", "Besi dan baja");
    d
}

fn id() -> RenderOptions {
    RenderOptions::default()
}

fn en() -> RenderOptions {
    RenderOptions {
        lang: Lang::En,
        ..RenderOptions::default()
    }
}

#[test]
fn json_has_the_contract_fields() {
    let s = planned();
    let v = serde_json::to_value(&s).expect("serialises");
    assert_eq!(s.meetings.len(), 4);
    for key in [
        "total_weight",
        "upper_bound",
        "gap_pct",
        "meetings",
        "participants",
        "idle_gaps",
        "solve_ms",
    ] {
        assert!(v["stats"].get(key).is_some(), "stats.{key}");
    }
    let m = &v["meetings"][0];
    for key in ["slot", "start", "end", "table", "a", "b", "weight"] {
        assert!(m.get(key).is_some(), "meetings[0].{key}");
    }
    assert_eq!(
        v["unscheduled"][0]["reason"],
        "jt-1 and bt-3 have no available slot in common"
    );
    assert_eq!(v["agendas"]["jt-1"].as_array().map(Vec::len), Some(2));
    assert!(
        s.meetings
            .iter()
            .any(|m| m.b_name.as_deref() == Some("PT Dua")),
        "names from the lookup"
    );
    let back: Schedule = serde_json::from_value(v).expect("round trip");
    assert_eq!(back, s);
}

#[test]
fn csv_has_a_bom_semicolons_for_indonesian_slots_from_one_and_rounded_weights() {
    let s = planned();
    let csv = to_csv(&s, &details(), &id());
    assert!(csv.starts_with("\u{feff}Sesi;Mulai;Selesai;Meja;ID A;Nama A;ID B;Nama B;Bobot;"));
    assert_eq!(csv.matches("\r\n").count(), 1 + s.meetings.len());
    let rows: Vec<Vec<&str>> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').collect())
        .collect();
    let mut slots: Vec<usize> = rows
        .iter()
        .map(|r| r[0].parse().expect("a slot number"))
        .collect();
    slots.sort_unstable();
    assert_eq!(slots.first(), Some(&1), "slots count from 1");
    let first_slot = s.meetings.iter().map(|m| m.slot).min().unwrap_or(0);
    assert_eq!(slots[0], first_slot + 1);
    // 1.123456 (plus request bonuses) printed with two decimals and a decimal comma.
    for r in &rows {
        let weight = r[8];
        let (int, frac) = weight.split_once(',').expect("a decimal comma");
        assert!(int.parse::<u32>().is_ok() && frac.len() == 2, "{weight}");
    }
    assert!(csv.contains(";Besi dan baja;"), "topic names, not keys");
    assert!(!csv.contains("besi_baja"));
    assert!(csv.contains(";Nganjuk;Jawa Timur;"));
    // The separator follows the option; English defaults to commas.
    let comma = to_csv(
        &s,
        &details(),
        &RenderOptions {
            sep: Some(','),
            ..id()
        },
    );
    assert!(
        comma.contains("\"1,12\"") || comma.contains("\"1,62\""),
        "{comma}"
    );
    let english = to_csv(&s, &details(), &en());
    assert!(english.starts_with(
        "\u{feff}slot,start,end,table,a,a_name,b,b_name,weight,topic,priority,pinned,window,"
    ));
    assert!(english.contains(",1.12,") || english.contains(",1.62,"));
}

#[test]
fn csv_quotes_and_neutralises_user_text() {
    let s = planned();
    let csv = to_csv(&s, &Details::default(), &en());
    assert!(csv.contains("\"UD Brambang, \"\"Jaya\"\"\nNganjuk\""));
    assert!(csv.contains("'=HYPERLINK(\"\"x\"\")"));
    assert_eq!(csv_text("plain", ','), "plain");
    assert_eq!(csv_text("a,b", ','), "\"a,b\"");
    assert_eq!(csv_text("a,b", ';'), "a,b");
    assert_eq!(csv_text("a;b", ';'), "\"a;b\"");
    assert_eq!(csv_text("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_text("-1", ','), "'-1");
    assert_eq!(csv_text("x\r\ny", ';'), "\"x\r\ny\"");
    assert_eq!(RenderOptions::parse_sep(";").ok(), Some(';'));
    assert_eq!(RenderOptions::parse_sep("tab").ok(), Some('\t'));
    assert_eq!(
        RenderOptions::parse_sep("|").map_err(|e| e.field).err(),
        Some("sep".to_string())
    );
}

#[test]
fn ics_escapes_folds_and_has_every_meeting() {
    let s = planned();
    let ics = to_ics(&s, &Details::default(), &en());
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "line too long: {line:?}");
    }
    let unfolded = ics.replace("\r\n ", "");
    assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), s.meetings.len());
    for m in &s.meetings {
        assert!(unfolded.contains(&format!("-s{}-t{}@jalin", m.slot, m.table)));
    }
    assert!(unfolded.contains("TZID:Asia/Jakarta"));
    assert!(unfolded.contains("DTSTART;TZID=Asia/Jakarta:20230911T230000"));
    assert!(
        unfolded.contains("DTEND;TZID=Asia/Jakarta:20230912T000000"),
        "24:00 rolls over"
    );
    assert!(unfolded.contains("LOCATION:Table 1\\, Serang\\; Hall A"));
    assert!(unfolded.contains("SUMMARY:Meeting: UD Brambang\\, \"Jaya\"\\nNganjuk × "));
    assert!(unfolded.contains("X-WR-CALNAME:Misi Dagang Jatim–Banten\\, \"2023\""));
    assert!(unfolded.contains("UID:misi-dagang-jatim-banten-2023-2023-09-11-s"));
}

#[test]
fn a_firms_calendar_holds_its_meetings_seen_from_its_side() {
    let s = planned();
    let opts = RenderOptions {
        participant: Some("bt-2".into()),
        ..id()
    };
    let out = render(&s, &details(), PlanFormat::Ics, &opts).expect("renders");
    assert_eq!(out.file_name, "misi-dagang-jatim-banten-2023-bt-2.ics");
    let ics = String::from_utf8(out.bytes)
        .expect("utf-8")
        .replace("\r\n ", "");
    let mine = s
        .meetings
        .iter()
        .filter(|m| m.a == "bt-2" || m.b == "bt-2")
        .count();
    assert!(mine > 0);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), mine);
    assert!(ics.contains("SUMMARY:Pertemuan dengan Usaha jt-"));
    assert!(ics.contains("LOCATION:Meja "));
    assert!(ics.contains("Mitra: Usaha jt-"));
    assert!(ics.contains("Topik: Besi dan baja"));
    assert!(!ics.contains("PT Dua ×"), "not the organiser's wording");
    let unknown = RenderOptions {
        participant: Some("nobody".into()),
        ..id()
    };
    match render(&s, &details(), PlanFormat::Ics, &unknown) {
        Err(RenderError::Invalid(e)) => assert_eq!(e.field, "participant"),
        other => panic!("expected an invalid participant, got {other:?}"),
    }
}

#[test]
fn folding_respects_octets_and_characters() {
    let mut out = String::new();
    let line = format!("DESCRIPTION:{}", "é".repeat(100));
    fold(&line, &mut out);
    for l in out.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(l.len() <= 75);
    }
    assert_eq!(out.replace("\r\n ", "").trim_end(), line);
    let mut short = String::new();
    fold("A:b", &mut short);
    assert_eq!(short, "A:b\r\n");
}

#[test]
fn time_zones_follow_the_host_province() {
    assert_eq!(time_zone("36").0, "Asia/Jakarta");
    assert_eq!(time_zone("51").0, "Asia/Makassar");
    assert_eq!(time_zone("73").0, "Asia/Makassar");
    assert_eq!(time_zone("94").0, "Asia/Jayapura");
    assert_eq!(time_zone("xx").0, "Asia/Jakarta");
    assert_eq!(ics_time("2023-12-31", "24:00"), "20240101T000000");
}

/// The `<section class="page …">` blocks of a document, each as its text.
pub(super) fn pages(html: &str) -> Vec<&str> {
    html.split("<section class=\"page")
        .skip(1)
        .map(|p| p.split("</section>").next().unwrap_or(""))
        .collect()
}

#[test]
fn html_has_one_page_per_firm_with_meetings_and_the_organisers_pages() {
    let s = planned();
    let html = to_html(&s, &details(), &id());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"id\">"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    let pages = pages(&html);
    let with_meetings = s.participants.iter().filter(|p| p.meetings > 0).count();
    let slots: std::collections::BTreeSet<_> = s.meetings.iter().map(|m| m.slot).collect();
    let agendas: Vec<_> = pages.iter().filter(|p| p.starts_with(" agenda")).collect();
    let organiser = pages.iter().filter(|p| p.starts_with(" organiser")).count();
    assert_eq!(
        agendas.len(),
        with_meetings,
        "one page per firm with meetings"
    );
    // Cover, the firms without meetings (bt-3), a table plan per slot.
    assert_eq!(organiser, 1 + 1 + slots.len());
    assert_eq!(pages.len(), agendas.len() + organiser);
    for p in &pages {
        assert!(
            p.contains("<table") || p.contains("<dl>"),
            "an empty page: {p}"
        );
    }
    // bt-3 is listed once among the firms without meetings (and named in the unscheduled
    // request on the cover), never given an agenda.
    let idle: Vec<_> = pages
        .iter()
        .filter(|p| p.contains("Peserta tanpa pertemuan"))
        .collect();
    assert_eq!(idle.len(), 1);
    assert_eq!(idle[0].matches("Usaha bt-3").count(), 1);
    assert!(agendas.iter().all(|p| !p.contains("Usaha bt-3")));
    assert!(html.contains("Peserta tanpa pertemuan (1)"));
    assert!(html.contains("<td>Tangerang, Banten</td>"));
    // Printing: a page break after each page but the last, none before.
    assert!(html.contains("break-after:page"));
    assert!(html.contains("body>.page:last-child{break-after:auto"));
    assert!(!html.contains("break-before"));
    assert!(html.contains("@page{"));
    // Indonesian, with partner details, no keys, no optimiser words on participant pages.
    for word in [
        "Jadwal pertemuan Anda",
        "Mitra",
        "Meja",
        "Menawarkan",
        "Senin, 11 September 2023",
    ] {
        assert!(html.contains(word), "{word}");
    }
    assert!(!html.contains("besi_baja") && !html.contains("bawang_merah"));
    for page in &agendas {
        let lower = page.to_lowercase();
        for jargon in ["upper bound", "gap", "idle", "weight", "bobot", "slot"] {
            assert!(!lower.contains(jargon), "{jargon:?} on {page}");
        }
        assert!(page.contains("Serang; Hall A"), "the venue");
    }
    // bt-1's contact shows on its partners' pages; bt-2's page shows its partners' places.
    assert!(html.contains("<td class=\"contact\">Ibu Sari<br>+62812345678</td>"));
    assert!(html.contains("Nganjuk, Jawa Timur"));
    // Rows: each meeting in both agendas, and once in its slot's table plan.
    let agenda_rows: usize = agendas
        .iter()
        .map(|p| p.matches("<tr><th scope=\"row\">").count())
        .sum();
    assert_eq!(agenda_rows, 2 * s.meetings.len());
}

#[test]
fn html_in_english_and_for_one_firm() {
    let s = planned();
    let html = to_html(&s, &details(), &en());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("Your meetings") && html.contains("Monday, 11 September 2023"));
    let one = render(
        &s,
        &details(),
        PlanFormat::Html,
        &RenderOptions {
            participant: Some("jt-1".into()),
            ..id()
        },
    )
    .expect("renders");
    let html = String::from_utf8(one.bytes).expect("utf-8");
    let pages = pages(&html);
    assert_eq!(pages.len(), 1, "the firm's page only");
    assert!(pages[0].starts_with(" agenda"));
}

#[test]
fn xlsx_has_the_four_sheets_with_a_row_per_meeting() {
    use calamine::{Data, Reader, Xlsx};
    let s = planned();
    let bytes = to_xlsx(&s, &details(), &id()).expect("a workbook");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("readable");
    assert_eq!(book.sheet_names(), ["Jadwal", "Agenda", "Meja", "Peserta"]);
    let rows = |book: &mut Xlsx<_>, name: &str| {
        book.worksheet_range(name)
            .map(|r| r.rows().count())
            .expect("a sheet")
    };
    assert_eq!(rows(&mut book, "Jadwal"), 1 + s.meetings.len());
    assert_eq!(rows(&mut book, "Agenda"), 1 + 2 * s.meetings.len());
    let tables: std::collections::BTreeSet<_> = s.meetings.iter().map(|m| m.table).collect();
    assert_eq!(rows(&mut book, "Meja"), 1 + tables.len());
    assert_eq!(rows(&mut book, "Peserta"), 1 + s.participants.len());
    let jadwal = book.worksheet_range("Jadwal").expect("Jadwal");
    assert_eq!(jadwal.get((0, 0)), Some(&Data::String("Sesi".into())));
    let first = jadwal.get((1, 0)).and_then(|d| match d {
        Data::Float(f) => Some(*f),
        _ => None,
    });
    assert!(first.is_some_and(|f| f >= 1.0), "slots from 1: {first:?}");
    let peserta = book.worksheet_range("Peserta").expect("Peserta");
    assert!(
        peserta.rows().any(|r| r
            .iter()
            .any(|c| *c == Data::String("=HYPERLINK(\"x\")".into()))),
        "text stays text"
    );
    let english = to_xlsx(&s, &details(), &en()).expect("a workbook");
    let book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(english)).expect("readable");
    assert_eq!(
        book.sheet_names(),
        ["Schedule", "Agenda", "Tables", "Participants"]
    );
}
