//! Businesses written out as a sheet in the template's columns ([`super::columns`]): what
//! `GET /v1/businesses?format=csv|xlsx` answers. One row per business; offers and needs as
//! "title amount" items separated by ';', as the template asks for them. JSONL is the
//! lossless export (descriptions and prices of listings, KBKI codes); the sheet is for
//! people and spreadsheet programs.

use super::columns::{COLUMNS, Column};
use crate::model::{Business, Listing, Quantity};

/// The sheet's headers: the template's (Indonesian) names.
pub fn business_headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|(_, id, ..)| *id).collect()
}

fn amount(q: &Quantity) -> String {
    let qty = if q.qty.fract() == 0.0 {
        format!("{}", q.qty as i64)
    } else {
        format!("{}", q.qty)
    };
    match &q.per {
        Some(per) => format!("{qty} {}/{}", q.unit, per_word(per)),
        None => format!("{qty} {}", q.unit),
    }
}

/// A period as the sheet's readers (and the import) write it.
fn per_word(per: &str) -> &str {
    match per {
        "day" => "hari",
        "week" => "minggu",
        "month" => "bulan",
        "year" => "tahun",
        other => other,
    }
}

fn items(listings: &[Listing]) -> String {
    listings
        .iter()
        .map(|l| match l.capacity.as_ref().or(l.volume.as_ref()) {
            Some(q) => format!("{} {}", l.title, amount(q)),
            None => l.title.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A business as a row in [`business_headers`]' order; its contacts only if `b` carries
/// them (the caller has already removed what the reader may not see).
pub fn business_row(b: &Business) -> Vec<String> {
    let contacts = b.contacts.clone().unwrap_or_default();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    COLUMNS
        .iter()
        .map(|(c, ..)| match c {
            Column::Id => b.id.clone(),
            Column::Name => b.name.clone(),
            Column::Kind => b.kind.as_str().to_string(),
            Column::Province => b.province.clone(),
            Column::City => text(&b.city),
            Column::Description => text(&b.description),
            Column::Offers => items(&b.offers),
            Column::Needs => items(&b.needs),
            Column::Certifications => b
                .certifications
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            Column::ContactPerson => text(&contacts.contact_person),
            Column::Phone => text(&contacts.phone),
            Column::Whatsapp => text(&contacts.whatsapp),
            Column::Email => text(&contacts.email),
            Column::Address => text(&contacts.address),
            Column::Website => text(&contacts.website),
            Column::PublishContacts => if b.publish_contacts { "ya" } else { "tidak" }.to_string(),
            _ => String::new(),
        })
        .collect()
}

/// The businesses as CSV with a UTF-8 byte-order mark (spreadsheet programs then read it as
/// UTF-8); cells that a spreadsheet would run as a formula are prefixed with `'`.
pub fn businesses_csv(businesses: &[Business]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(business_headers());
        for b in businesses {
            let _ = w.write_record(business_row(b).iter().map(|c| neutralised(c)));
        }
        let _ = w.flush();
    }
    out
}

/// The businesses as an XLSX workbook, one sheet "Usaha".
pub fn businesses_xlsx(businesses: &[Business]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Usaha").map_err(|e| e.to_string())?;
    for (col, h) in business_headers().iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *h, &bold)
            .and_then(|s| s.set_column_width(col as u16, 20))
            .map_err(|e| e.to_string())?;
    }
    for (row, b) in businesses.iter().enumerate() {
        for (col, cell) in business_row(b).iter().enumerate() {
            sheet
                .write_string(row as u32 + 1, col as u16, cell)
                .map_err(|e| e.to_string())?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets a leading
/// `'`; a phone number's `+62…` is kept as it is.
fn neutralised(cell: &str) -> String {
    let formula = cell.starts_with(['=', '@', '-'])
        || (cell.starts_with('+') && !cell[1..].chars().all(|c| c.is_ascii_digit()));
    if formula {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}
