//! The schedule as CSV, one row per meeting, for a spreadsheet.
//!
//! Written for Excel as people in Indonesia open it: a UTF-8 byte-order mark (without it
//! Excel reads the file as the local code page and breaks every accented name), `;` between
//! fields for Indonesian (Indonesian Excel takes the comma as its decimal mark, and splits
//! on `;`), decimals written the reader's way, slots numbered from 1. RFC 4180 otherwise:
//! CRLF line ends; a field holding the separator, a quote, CR or LF is quoted, with quotes
//! doubled. A text field starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`
//! so a spreadsheet shows it instead of running it as a formula.

use super::words::words;
use super::{Details, RenderOptions, Schedule};

/// The byte-order mark every CSV starts with.
pub const BOM: char = '\u{feff}';

/// One row per meeting: slot, times, table, both parties (id, name, city, province), the
/// pair's weight (2 decimals), topic by name, priority, pinned, window.
pub fn to_csv(schedule: &Schedule, details: &Details, options: &RenderOptions) -> String {
    let w = words(options.lang);
    let sep = options.csv_sep();
    let mut out = String::new();
    out.push(BOM);
    let header: Vec<String> = w.csv_header.iter().map(|h| field(h, sep)).collect();
    out.push_str(&header.join(&sep.to_string()));
    out.push_str("\r\n");
    let party = |id: &str| details.party(id);
    for m in &schedule.meetings {
        let (a, b) = (party(&m.a), party(&m.b));
        let fields = [
            (m.slot + 1).to_string(),
            m.start.clone(),
            m.end.clone(),
            m.table.to_string(),
            field(&m.a, sep),
            field(schedule.name_of(&m.a, details), sep),
            field(&m.b, sep),
            field(schedule.name_of(&m.b, details), sep),
            field(&options.lang.number(m.weight, 2), sep),
            field(
                &m.topic
                    .as_deref()
                    .map(|t| details.topic(t))
                    .unwrap_or_default(),
                sep,
            ),
            m.priority
                .as_deref()
                .map(|p| w.priority(p))
                .unwrap_or_default()
                .to_string(),
            if m.pinned { "x" } else { "" }.to_string(),
            m.window
                .map(|[f, l]| format!("{}-{}", f + 1, l + 1))
                .unwrap_or_default(),
            field(a.and_then(|p| p.city.as_deref()).unwrap_or_default(), sep),
            field(
                a.and_then(|p| p.province.as_deref()).unwrap_or_default(),
                sep,
            ),
            field(b.and_then(|p| p.city.as_deref()).unwrap_or_default(), sep),
            field(
                b.and_then(|p| p.province.as_deref()).unwrap_or_default(),
                sep,
            ),
        ];
        out.push_str(&fields.join(&sep.to_string()));
        out.push_str("\r\n");
    }
    out
}

/// A text field, neutralised and quoted for separator `sep`.
pub(super) fn field(s: &str, sep: char) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([sep, '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
