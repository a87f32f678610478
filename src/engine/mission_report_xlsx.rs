//! The mission report as an XLSX workbook (`GET /v1/missions/{id}/report?format=xlsx`), in
//! Indonesian like the printed report: the figures every mission is judged by, in sheets an
//! organiser can sum and chart in Excel. Values are numbers (rupiah), never formatted text, so
//! the workbook's totals are the ledger's.
//!
//! Sheets: `Ringkasan` (summary), `Per jenis` (by kind), `Per komoditas`, `Penandatanganan`
//! (top signings), `Peserta` (each participant's outcome), `Misi sebelumnya` (earlier recorded
//! missions between the same provinces).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::mission_book::Attendance;
use super::mission_report::MissionReport;

/// The sheets' names, in order.
pub const REPORT_SHEETS: [&str; 6] = [
    "Ringkasan",
    "Per jenis",
    "Per komoditas",
    "Penandatanganan",
    "Peserta",
    "Misi sebelumnya",
];

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "sale" => "Penjualan",
        "purchase" => "Pembelian",
        "investment" => "Investasi",
        "mou" => "Nota kesepahaman (MoU)",
        _ => "Lainnya",
    }
}

/// The report as XLSX bytes.
pub fn report_xlsx(r: &MissionReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let header = |sheet: &mut rust_xlsxwriter::Worksheet, cols: &[&str]| -> Result<(), XlsxError> {
        for (c, h) in cols.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        Ok(())
    };

    let sheet = book.add_worksheet().set_name(REPORT_SHEETS[0])?;
    let rows: [(&str, Option<String>, Option<f64>); 11] = [
        ("Misi", Some(r.name.clone()), None),
        ("ID", Some(r.mission.clone()), None),
        ("Tanggal", Some(r.date.clone()), None),
        ("Provinsi tuan rumah", Some(r.host_province.clone()), None),
        ("Provinsi penyelenggara", Some(r.organiser.clone()), None),
        ("Jumlah komitmen", None, Some(r.commitments as f64)),
        ("Total nilai (Rp)", None, Some(r.total_value_idr)),
        (
            "Pertemuan direncanakan",
            None,
            Some(r.meetings_planned as f64),
        ),
        ("Pertemuan terlaksana", None, Some(r.meetings_held as f64)),
        (
            "Pertemuan batal (tidak hadir)",
            None,
            Some(r.meetings_lost as f64),
        ),
        ("Peserta tidak hadir", Some(r.no_shows.join(", ")), None),
    ];
    for (i, (label, text, number)) in rows.iter().enumerate() {
        let row = i as u32;
        sheet.write_string_with_format(row, 0, *label, &bold)?;
        if let Some(t) = text {
            sheet.write_string(row, 1, t)?;
        }
        if let Some(n) = number {
            sheet.write_number_with_format(row, 1, *n, &money)?;
        }
    }
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 40)?;

    let sheet = book.add_worksheet().set_name(REPORT_SHEETS[1])?;
    header(sheet, &["Jenis", "Komitmen", "Nilai (Rp)"])?;
    for (i, k) in r.by_kind.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, kind_name(k.kind.as_str()))?;
        sheet.write_number(row, 1, k.commitments as f64)?;
        sheet.write_number_with_format(row, 2, k.value_idr, &money)?;
    }

    let sheet = book.add_worksheet().set_name(REPORT_SHEETS[2])?;
    header(
        sheet,
        &["Komoditas", "Kode", "Komitmen", "Nilai (Rp)", "Volume"],
    )?;
    for (i, c) in r.by_commodity.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &c.name)?;
        sheet.write_string(row, 1, &c.commodity)?;
        sheet.write_number(row, 2, c.commitments as f64)?;
        sheet.write_number_with_format(row, 3, c.value_idr, &money)?;
        let volume: Vec<String> = c
            .quantities
            .iter()
            .map(|(unit, q)| format!("{} {unit}", crate::model::Lang::Id.number(*q, 2)))
            .collect();
        sheet.write_string(row, 4, volume.join("; "))?;
    }

    let sheet = book.add_worksheet().set_name(REPORT_SHEETS[3])?;
    header(
        sheet,
        &[
            "ID",
            "Jenis",
            "Komoditas",
            "Pihak A",
            "Pihak B",
            "Jumlah",
            "Satuan",
            "Nilai (Rp)",
        ],
    )?;
    for (i, c) in r.top_signings.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &c.id)?;
        sheet.write_string(row, 1, kind_name(c.kind.as_str()))?;
        sheet.write_string(row, 2, &c.commodity)?;
        sheet.write_string(row, 3, &c.a)?;
        sheet.write_string(row, 4, &c.b)?;
        if let Some(q) = c.qty {
            sheet.write_number(row, 5, q)?;
        }
        if let Some(u) = &c.unit {
            sheet.write_string(row, 6, u)?;
        }
        sheet.write_number_with_format(row, 7, c.value_idr, &money)?;
    }

    let sheet = book.add_worksheet().set_name(REPORT_SHEETS[4])?;
    header(
        sheet,
        &[
            "ID",
            "Nama",
            "Provinsi",
            "Usaha baru",
            "Kehadiran",
            "Pertemuan direncanakan",
            "Pertemuan terlaksana",
            "Komitmen",
            "Nilai (Rp)",
        ],
    )?;
    for (i, p) in r.participants.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &p.id)?;
        sheet.write_string(row, 1, p.name.clone().unwrap_or_default())?;
        sheet.write_string(row, 2, p.province.clone().unwrap_or_default())?;
        sheet.write_string(row, 3, if p.firm { "ya" } else { "" })?;
        sheet.write_string(
            row,
            4,
            match p.attendance {
                Some(Attendance::Present) => "hadir",
                Some(Attendance::Absent) => "tidak hadir",
                None => "",
            },
        )?;
        sheet.write_number(row, 5, p.meetings_planned as f64)?;
        sheet.write_number(row, 6, p.meetings_held as f64)?;
        sheet.write_number(row, 7, p.commitments as f64)?;
        sheet.write_number_with_format(row, 8, p.value_idr, &money)?;
    }

    let sheet = book.add_worksheet().set_name(REPORT_SHEETS[5])?;
    header(
        sheet,
        &[
            "Tanggal",
            "Provinsi mitra",
            "Mitra",
            "Kota",
            "Nilai (Rp)",
            "Peserta",
            "Sumber",
        ],
    )?;
    for (i, e) in r.earlier_missions.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &e.date)?;
        sheet.write_string(row, 1, &e.partner_province)?;
        sheet.write_string(row, 2, &e.partner)?;
        sheet.write_string(row, 3, e.venue_city.clone().unwrap_or_default())?;
        sheet.write_number_with_format(row, 4, e.total_idr, &money)?;
        sheet.write_string(row, 5, e.participants.clone().unwrap_or_default())?;
        sheet.write_string(row, 6, &e.source)?;
    }
    book.save_to_buffer()
}
