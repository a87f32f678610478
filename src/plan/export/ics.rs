//! The schedule as an iCalendar file (RFC 5545): the organiser's calendar of every meeting,
//! or — with `RenderOptions::participant` — one firm's own calendar, each event named after
//! its partner, with the venue and table as the location.
//!
//! Times are local at the host province (a VTIMEZONE is included; Indonesia has no daylight
//! saving). An event's UID is the meeting's (mission, slot, table), so a firm's calendar and
//! the organiser's agree on it and a re-sent file updates rather than duplicates.

use std::fmt::Write as _;

use super::words::words;
use super::{Details, RenderOptions, Schedule, slug};
use crate::model::dates;

/// Indonesia's three time zones by province code (BPS): WITA for Bali, Nusa Tenggara,
/// South/East/North Kalimantan and Sulawesi; WIT for Maluku and Papua; WIB otherwise.
pub(super) fn time_zone(province: &str) -> (&'static str, &'static str, &'static str) {
    match province.parse::<u32>().unwrap_or(0) {
        51..=53 | 63..=65 | 71..=76 => ("Asia/Makassar", "+0800", "WITA"),
        81 | 82 | 91..=99 => ("Asia/Jayapura", "+0900", "WIT"),
        _ => ("Asia/Jakarta", "+0700", "WIB"),
    }
}

/// One event per meeting of `schedule` (already narrowed to one participant when
/// `options.participant` is set: then each event is seen from that participant's side).
pub fn to_ics(schedule: &Schedule, details: &Details, options: &RenderOptions) -> String {
    let w = words(options.lang);
    let (tzid, offset, tzname) = time_zone(&schedule.host_province);
    let stamp = options
        .dtstamp
        .clone()
        .unwrap_or_else(|| format!("{}T000000Z", schedule.date.replace('-', "")));
    let uid_stem = slug(&format!("{} {}", schedule.name, schedule.date));
    let me = options.participant.as_deref();
    let mut out = String::new();
    let mut line = |s: &str| fold(s, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//jalin//mission planner//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    let calname = match me {
        Some(id) => format!("{} — {}", schedule.name, schedule.name_of(id, details)),
        None => schedule.name.clone(),
    };
    line(&format!("X-WR-CALNAME:{}", ics_text(&calname)));
    line("BEGIN:VTIMEZONE");
    line(&format!("TZID:{tzid}"));
    line("BEGIN:STANDARD");
    line("DTSTART:19700101T000000");
    line(&format!("TZOFFSETFROM:{offset}"));
    line(&format!("TZOFFSETTO:{offset}"));
    line(&format!("TZNAME:{tzname}"));
    line("END:STANDARD");
    line("END:VTIMEZONE");
    for m in &schedule.meetings {
        let location = match &schedule.venue {
            Some(v) => format!("{} {}, {v}", w.table, m.table),
            None => format!("{} {}", w.table, m.table),
        };
        let describe = |id: &str| {
            let mut s = format!("{} ({id})", schedule.name_of(id, details));
            if let Some(p) = details.party(id) {
                let place = p.place();
                if !place.is_empty() {
                    let _ = write!(s, ", {place}");
                }
                if !p.offers.is_empty() {
                    let _ = write!(s, "\n{}: {}", w.offers, p.offers.join(", "));
                }
                if !p.needs.is_empty() {
                    let _ = write!(s, "\n{}: {}", w.needs, p.needs.join(", "));
                }
                let contact = p.contact_line();
                if !contact.is_empty() {
                    let _ = write!(s, "\n{}: {contact}", w.contact);
                }
            }
            s
        };
        let (summary, mut description) = match me {
            Some(id) => {
                let other = if m.a == id { &m.b } else { &m.a };
                (
                    format!("{} {}", w.meeting_with, schedule.name_of(other, details)),
                    format!("{}: {}", w.partner, describe(other)),
                )
            }
            None => (
                format!(
                    "{}: {} × {}",
                    w.meeting,
                    schedule.name_of(&m.a, details),
                    schedule.name_of(&m.b, details)
                ),
                format!("{}\n×\n{}", describe(&m.a), describe(&m.b)),
            ),
        };
        if let Some(t) = &m.topic {
            let _ = write!(description, "\n{}: {}", w.topic, details.topic(t));
        }
        line("BEGIN:VEVENT");
        line(&format!("UID:{uid_stem}-s{}-t{}@jalin", m.slot, m.table));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!(
            "DTSTART;TZID={tzid}:{}",
            ics_time(&schedule.date, &m.start)
        ));
        line(&format!(
            "DTEND;TZID={tzid}:{}",
            ics_time(&schedule.date, &m.end)
        ));
        line(&format!("SUMMARY:{}", ics_text(&summary)));
        line(&format!("LOCATION:{}", ics_text(&location)));
        line(&format!("DESCRIPTION:{}", ics_text(&description)));
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// Escapes a TEXT value: backslash, semicolon, comma, and newlines as `\n` (CRs dropped).
pub(super) fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a content line, folded so no physical line exceeds 75 octets (continuations
/// start with a space), never splitting a UTF-8 character, and ended by CRLF.
pub(super) fn fold(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

/// `YYYYMMDDTHHMM00` local time; `24:00` rolls over to the next day.
pub(super) fn ics_time(date: &str, hhmm: &str) -> String {
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    // The spec's date was validated; an unreadable one shows as zeros rather than panicking.
    let (mut y, mut mo, mut d) = dates::parse_ymd(date).unwrap_or((0, 0, 0));
    let mut t = hhmm.split(':');
    let (mut h, mi) = (num(t.next()), num(t.next()));
    if h >= 24 {
        h -= 24;
        if y > 0 {
            (y, mo, d) = dates::civil_from_days(dates::days_from_civil(y, mo, d) + 1);
        }
    }
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}00")
}
