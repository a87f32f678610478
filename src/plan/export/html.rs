//! Print-ready HTML: the mission's agendas as one self-contained page to print or save as PDF.
//!
//! Every printed page is a `<section class="page">`: first the organiser's pages (a cover
//! with the day's figures and what could not be scheduled, the participants without a
//! meeting listed once, a table plan per slot for the venue), then one agenda per
//! participant WITH meetings — partner, where it is from, what it offers and needs, contact,
//! table, time, venue. A participant without meetings gets no page of its own: a page
//! saying "no meetings" is a page nobody needs, and they made most of the blank pages.
//!
//! Pages are separated by `break-after: page` on every section but the last (never
//! `break-before`, which adds a blank page when a section is the first on its sheet), with
//! `@page` margins, so the printout has exactly one sheet per short section. Participant
//! pages use only the words in `words` (no optimiser vocabulary) and topic names from the
//! details, never catalog keys.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::words::{Words, words};
use super::{Details, PartyInfo, RenderOptions, Schedule, ScheduledMeeting};

/// Most products listed per party in an agenda row; the rest are counted.
const MAX_PRODUCTS: usize = 4;

/// Participants without meetings listed per printed page (compact rows of two lines at
/// most fit an A4 sheet 25 at a time; measured with Chromium's print to PDF).
pub const IDLE_ROWS_PER_PAGE: usize = 25;

/// The document: organiser pages (unless `options.participant` narrows it to one firm),
/// then one page per participant with meetings.
pub fn to_html(schedule: &Schedule, details: &Details, options: &RenderOptions) -> String {
    let w = words(options.lang);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        w.lang,
        esc(&schedule.name),
        w.agendas
    );
    let when = when_and_where(schedule, w);
    if options.participant.is_none() {
        cover(&mut h, schedule, details, w, &when);
        without_meetings(&mut h, schedule, details, w, &when);
        table_plans(&mut h, schedule, details, w, &when);
    }
    let mut agenda: BTreeMap<&str, Vec<&ScheduledMeeting>> = BTreeMap::new();
    for m in &schedule.meetings {
        agenda.entry(&m.a).or_default().push(m);
        agenda.entry(&m.b).or_default().push(m);
    }
    for (i, p) in schedule.participants.iter().enumerate() {
        if let Some(items) = agenda.get(p.id.as_str()) {
            agenda_page(&mut h, schedule, details, w, &when, i, &p.id, items);
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// "Senin, 11 September 2023 · Serang", escaped.
fn when_and_where(schedule: &Schedule, w: &Words) -> String {
    let mut s = esc(&w.long_date(&schedule.date));
    if let Some(v) = &schedule.venue {
        let _ = write!(s, " · {}", esc(v));
    }
    s
}

fn cover(h: &mut String, schedule: &Schedule, details: &Details, w: &Words, when: &str) {
    let s = &schedule.stats;
    let _ = write!(
        h,
        "<section class=\"page organiser\" aria-labelledby=\"cover\">\n\
         <p class=\"kicker\">{}</p>\n<h1 id=\"cover\">{}</h1>\n<p class=\"meta\">{when}</p>\n<dl>\n\
         <dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{} {} {}</dd>\n",
        w.organiser,
        esc(&schedule.name),
        w.meetings,
        s.meetings,
        w.participants_met,
        s.participants_met,
        w.of,
        s.participants,
    );
    if s.must_requested > 0 {
        let _ = writeln!(
            h,
            "<dt>{}</dt><dd>{} {} {}</dd>",
            w.must_placed, s.must_placed, w.of, s.must_requested
        );
    }
    h.push_str("</dl>\n");
    let name = |id: &str| esc(schedule.name_of(id, details));
    if !schedule.unscheduled.is_empty() {
        let _ = write!(
            h,
            "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
            w.not_scheduled, w.participant, w.partner, w.reason, w.priority_label
        );
        for u in &schedule.unscheduled {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                name(&u.a),
                name(&u.b),
                esc(&u.reason),
                w.priority(&u.priority)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !s.below_min.is_empty() {
        let _ = write!(
            h,
            "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
            w.below_min, w.participant, w.meetings, w.minimum, w.reason
        );
        for b in &s.below_min {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                name(&b.id),
                b.meetings,
                b.min,
                esc(&b.reason)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

/// The participants without meetings, [`IDLE_ROWS_PER_PAGE`] to a page: each page section
/// fits one sheet, so the printout has exactly as many sheets as sections.
fn without_meetings(h: &mut String, schedule: &Schedule, details: &Details, w: &Words, when: &str) {
    let idle: Vec<_> = schedule
        .participants
        .iter()
        .filter(|p| !schedule.meetings.iter().any(|m| m.a == p.id || m.b == p.id))
        .collect();
    let sheets = idle.len().div_ceil(IDLE_ROWS_PER_PAGE);
    for (k, chunk) in idle.chunks(IDLE_ROWS_PER_PAGE).enumerate() {
        let part = if sheets > 1 {
            format!(" — {}/{sheets}", k + 1)
        } else {
            String::new()
        };
        let _ = write!(
            h,
            "<section class=\"page organiser\" aria-labelledby=\"idle{k}\">\n<p class=\"kicker\">{} · {}</p>\n\
             <h2 id=\"idle{k}\">{} ({}){part}</h2>\n<p class=\"meta\">{when}</p>\n<p>{}</p>\n\
             <table class=\"compact\">\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
            w.organiser,
            esc(&schedule.name),
            w.without_meetings,
            idle.len(),
            w.without_meetings_note,
            w.participant,
            w.place,
            w.offers,
            w.needs,
        );
        for p in chunk {
            let info = details.party(&p.id);
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(schedule.name_of(&p.id, details)),
                esc(&info.map(PartyInfo::place).unwrap_or_default()),
                esc(&products(info.map(|i| i.offers.as_slice()), 2, w)),
                esc(&products(info.map(|i| i.needs.as_slice()), 2, w)),
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
}

/// One page per slot with meetings: table by table, who sits there.
fn table_plans(h: &mut String, schedule: &Schedule, details: &Details, w: &Words, when: &str) {
    let slots: BTreeSet<usize> = schedule.meetings.iter().map(|m| m.slot).collect();
    for slot in slots {
        let mut at: Vec<&ScheduledMeeting> = schedule
            .meetings
            .iter()
            .filter(|m| m.slot == slot)
            .collect();
        at.sort_by_key(|m| m.table);
        let (start, end) = at
            .first()
            .map(|m| (m.start.as_str(), m.end.as_str()))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<section class=\"page organiser tables\" aria-labelledby=\"slot{slot}\">\n\
             <p class=\"kicker\">{} · {}</p>\n<h2 id=\"slot{slot}\">{} — {} {}, {start}–{end}</h2>\n\
             <p class=\"meta\">{when}</p>\n<table class=\"compact\">\n<thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
            w.organiser,
            esc(&schedule.name),
            w.table_plan,
            w.session,
            slot + 1,
            w.table,
            w.participant,
            w.participant,
        );
        // One line per table, so the largest venue's slot fits a sheet: name and city.
        let who = |id: &str| {
            let place = details
                .party(id)
                .and_then(|p| p.city.clone().or_else(|| p.province.clone()))
                .unwrap_or_default();
            if place.is_empty() {
                esc(schedule.name_of(id, details))
            } else {
                format!(
                    "{} <span class=\"place\">{}</span>",
                    esc(schedule.name_of(id, details)),
                    esc(&place)
                )
            }
        };
        for m in at {
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                m.table,
                who(&m.a),
                who(&m.b)
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
}

#[allow(clippy::too_many_arguments)]
fn agenda_page(
    h: &mut String,
    schedule: &Schedule,
    details: &Details,
    w: &Words,
    when: &str,
    i: usize,
    id: &str,
    items: &[&ScheduledMeeting],
) {
    let me = details.party(id);
    let mut meta = me.map(PartyInfo::place).unwrap_or_default();
    if !meta.is_empty() {
        meta.push_str(" · ");
    }
    let _ = write!(meta, "{} {}", items.len(), w.meetings.to_lowercase());
    let _ = write!(
        h,
        "<section class=\"page agenda\" aria-labelledby=\"p{i}\">\n\
         <p class=\"kicker\">{} · {when}</p>\n<h2 id=\"p{i}\">{}</h2>\n<p class=\"meta\">{}</p>\n\
         <table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{} / {}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        esc(&schedule.name),
        esc(schedule.name_of(id, details)),
        esc(&meta),
        w.your_meetings,
        w.time,
        w.table,
        w.partner,
        w.offers,
        w.needs,
        w.contact,
    );
    for m in items {
        let other = if m.a == id { &m.b } else { &m.a };
        let info = details.party(other);
        let mut partner = format!("<strong>{}</strong>", esc(schedule.name_of(other, details)));
        if let Some(place) = info.map(PartyInfo::place).filter(|p| !p.is_empty()) {
            let _ = write!(partner, "<br><span class=\"place\">{}</span>", esc(&place));
        }
        if let Some(t) = &m.topic {
            let _ = write!(partner, "<br>{}: {}", w.topic, esc(&details.topic(t)));
        }
        let mut trade = String::new();
        if let Some(i) = info {
            if !i.offers.is_empty() {
                let _ = write!(
                    trade,
                    "{}: {}",
                    w.offers,
                    esc(&products(Some(&i.offers), MAX_PRODUCTS, w))
                );
            }
            if !i.needs.is_empty() {
                if !trade.is_empty() {
                    trade.push_str("<br>");
                }
                let _ = write!(
                    trade,
                    "{}: {}",
                    w.needs,
                    esc(&products(Some(&i.needs), MAX_PRODUCTS, w))
                );
            }
        }
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}–{}<br><span class=\"place\">{} {}</span></th>\
             <td class=\"num\">{}</td><td>{partner}</td><td>{trade}</td><td class=\"contact\">{}</td></tr>",
            esc(&m.start),
            esc(&m.end),
            w.session,
            m.slot + 1,
            m.table,
            info.map(PartyInfo::contact_short)
                .unwrap_or_default()
                .iter()
                .map(|l| esc(l))
                .collect::<Vec<_>>()
                .join("<br>"),
        );
    }
    let _ = write!(h, "</tbody>\n</table>\n<p class=\"note\">{}", w.agenda_note);
    if let Some(v) = &schedule.venue {
        let _ = write!(h, " {}: {}.", w.venue, esc(v));
    }
    h.push_str("</p>\n</section>\n");
}

/// The first `max` products, and how many more: "Bawang merah, Jagung +3 lainnya".
fn products(list: Option<&[String]>, max: usize, w: &Words) -> String {
    let Some(list) = list else {
        return String::new();
    };
    let mut s = list
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > max {
        let _ = write!(s, " +{} {}", list.len() - max, w.and_more);
    }
    s
}

/// Print first: A4 with margins, every page section ends its sheet except the last, rows
/// never split across sheets; on screen the sections are cards. Measured with Chromium's
/// print to PDF on the shipped mission with a four-line contact in every agenda row: 9.5pt
/// keeps the longest agendas (eight meetings) on one sheet, 10pt did not for three of 113.
const CSS: &str = "
@page{size:A4;margin:14mm 12mm}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#111;line-height:1.35;font-size:10.5pt;background:#f3f3f3}
.page{background:#fff;max-width:190mm;margin:1rem auto;padding:12mm;box-sizing:border-box}
h1{margin:.2rem 0 .25rem;font-size:18pt}h2{margin:.2rem 0 .25rem;font-size:15pt}
.kicker{margin:0;color:#555;font-size:9pt;text-transform:uppercase;letter-spacing:.04em}
.meta{color:#333;margin:0 0 .6rem}.place{color:#555;font-size:9pt}.note{color:#333;font-size:9pt;margin-top:.6rem}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
thead th{background:#eee}tbody th{white-space:nowrap;font-weight:normal}td.num{text-align:center;font-weight:600;font-size:12pt}
td.contact{font-size:8.5pt;width:24%;overflow-wrap:anywhere}table.compact{font-size:8.5pt;line-height:1.2}table.compact th,table.compact td{padding:.1rem .3rem}table.compact .place{font-size:8pt}
@media print{body{background:none;font-size:9.5pt}th,td{padding:.15rem .35rem}.page{margin:0;padding:0;max-width:none;break-after:page;page-break-after:always}
body>.page:last-child{break-after:auto;page-break-after:auto}thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}}
";

/// Escapes text for HTML element content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
