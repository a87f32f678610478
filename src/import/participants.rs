//! A mission's participant list as a trade office keeps it — a spreadsheet, one firm a row —
//! read into business records and sides, and the template for it.
//!
//! The columns are the business sheet's (`Nama Usaha`, `Provinsi`, `Kab/Kota`,
//! `Menawarkan`/`Produk`, `Butuh`, `Kontak`, `Telepon`, …, matched by name the same way, each
//! row read by [`business_from_row`]), plus `Sisi` (side: `asal`/origin or `tuan rumah`/host,
//! or any group name). A row's `ID` naming a registered business links the row to it; the
//! engine decides that, since only it knows the store. Every bad cell of every row is
//! collected, so one answer lists all that is wrong with the file.

use super::columns::{COLUMNS, key};
use super::{CellError, Column, ColumnMap, SheetKind, Table, business_from_row};
use crate::model::Business;
use crate::reference::Reference;

/// One good row of a participant sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantRow {
    /// The row number as the user sees it.
    pub row: u64,
    /// The firm as written (its id derived from province, name and city when not given).
    pub business: Business,
    /// Whether the sheet gave the id (which may name a registered business).
    pub id_given: bool,
    /// `origin`, `host` or another group name; none: from the province.
    pub side: Option<String>,
}

/// The side column's names, as [`key`] writes them.
const SIDE_NAMES: [&str; 6] = ["sisi", "side", "pihak", "kelompok", "group", "delegasi"];

/// The template's columns: the business sheet's that a participant list needs, then `Sisi`.
const TEMPLATE_COLUMNS: [Column; 11] = [
    Column::Id,
    Column::Name,
    Column::Kind,
    Column::Province,
    Column::City,
    Column::Offers,
    Column::Needs,
    Column::ContactPerson,
    Column::Phone,
    Column::Email,
    Column::PublishContacts,
];

/// Reads every row of a participant sheet. `Err` holds every bad cell as (row, error).
pub fn participants_from_table(
    reference: &Reference,
    table: &Table,
) -> Result<Vec<ParticipantRow>, Vec<(u64, CellError)>> {
    let map = ColumnMap::from_headers(&table.headers).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| (table.header_row, e))
            .collect::<Vec<_>>()
    })?;
    if map.kind() == SheetKind::Deals {
        return Err(vec![(
            table.header_row,
            CellError::new(
                "-",
                "this sheet has buyer and seller columns (deals); a participant list has one \
                 firm a row, as in GET /v1/templates/participants.csv",
            ),
        )]);
    }
    let side_column = table
        .headers
        .iter()
        .position(|h| SIDE_NAMES.contains(&key(h).as_str()));
    let mut errors = Vec::new();
    let mut out: Vec<ParticipantRow> = Vec::new();
    for row in table.rows.iter().filter(|r| !r.is_blank()) {
        let side = side_column
            .and_then(|i| row.cells.get(i))
            .map(|s| side_named(s))
            .filter(|s| !s.is_empty());
        match business_from_row(reference, &map, row) {
            Ok(business) => {
                if let Some(first) = out.iter().find(|p| p.business.id == business.id) {
                    let column = if map.has(Column::Id) {
                        map.header(Column::Id)
                    } else {
                        map.header(Column::Name)
                    };
                    errors.push((
                        row.number,
                        CellError::new(
                            column,
                            format!(
                                "the same firm as row {} (id {:?}); list each firm once",
                                first.row, business.id
                            ),
                        ),
                    ));
                    continue;
                }
                out.push(ParticipantRow {
                    row: row.number,
                    id_given: !map.cell(&row.cells, Column::Id).is_empty(),
                    business,
                    side,
                });
            }
            Err(cells) => errors.extend(cells.into_iter().map(|e| (row.number, e))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A side as written: `asal`/`origin`/`pengunjung` → `origin`, `tuan rumah`/`host` → `host`,
/// anything else kept as a group name.
fn side_named(text: &str) -> String {
    match key(text).as_str() {
        "asal" | "origin" | "pengunjung" | "delegasi" | "visitor" => "origin".to_string(),
        "tuanrumah" | "host" | "tuan" | "lokal" => "host".to_string(),
        _ => text.trim().to_string(),
    }
}

/// The header of the side column in the template.
const SIDE_HEADER: &str = "Sisi";

fn template_rows() -> (Vec<&'static str>, Vec<&'static str>) {
    let mut headers = Vec::new();
    let mut example = Vec::new();
    for c in TEMPLATE_COLUMNS {
        if let Some((_, id, _, _, ex)) = COLUMNS.iter().find(|(d, ..)| *d == c) {
            headers.push(*id);
            example.push(if c == Column::Id { "" } else { *ex });
        }
    }
    headers.push(SIDE_HEADER);
    example.push("asal");
    (headers, example)
}

/// The participant template as CSV: a UTF-8 byte-order mark, the headers, one example row.
pub fn participants_template_csv() -> Vec<u8> {
    let (headers, example) = template_rows();
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    let _ = w.write_record(&headers);
    let _ = w.write_record(&example);
    let _ = w.flush();
    drop(w);
    out
}

/// The participant template as an XLSX workbook: the sheet "Peserta" (headers and the example
/// row) and "Petunjuk" explaining the columns.
pub fn participants_template_xlsx() -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let (headers, example) = template_rows();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Peserta").map_err(|e| e.to_string())?;
    for (col, (h, ex)) in headers.iter().zip(&example).enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .and_then(|s| s.write_string(1, col, *ex))
            .and_then(|s| s.set_column_width(col, 22))
            .map_err(|e| e.to_string())?;
    }
    let help = book.add_worksheet();
    help.set_name("Petunjuk").map_err(|e| e.to_string())?;
    let lines = [
        (
            "ID",
            "Kosongkan untuk usaha baru; isi dengan ID usaha terdaftar untuk menautkannya. \
             Empty for a new firm; a registered business's id links the row to it.",
        ),
        (
            "Nama Usaha, Provinsi",
            "Wajib / required. Provinsi: nama, singkatan, ibu kota atau kode (Jawa Timur, Jatim, 35).",
        ),
        (
            "Menawarkan, Butuh",
            "Produk dipisah ';' seperti katalog (GET /v1/commodities): Kopi arabika 5 ton/bulan.",
        ),
        (
            SIDE_HEADER,
            "asal (delegasi) atau tuan rumah; kosong: dari provinsinya. origin or host; empty: \
             by province.",
        ),
    ];
    for (row, (column, text)) in lines.iter().enumerate() {
        help.write_string(row as u32, 0, *column)
            .and_then(|s| s.write_string(row as u32, 1, *text))
            .map_err(|e| e.to_string())?;
    }
    help.set_column_width(0, 22)
        .and_then(|s| s.set_column_width(1, 110))
        .map_err(|e| e.to_string())?;
    book.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{TableFormat, read_table};

    fn reference() -> Reference {
        Reference::embedded().unwrap()
    }

    #[test]
    fn every_bad_row_is_reported_with_its_row_and_column() {
        let csv = "Nama Usaha;Provinsi;Kab/Kota;Produk;Sisi\n\
                   UD Satu;Jawa Timur;Surabaya;Kopi arabika;asal\n\
                   ;Banten;Serang;Kopi arabika;tuan rumah\n\
                   UD Tiga;Jawa Tengahh;;;\n\
                   UD Empat;Banten;Serang;batu akik ajaib;\n";
        let r = reference();
        let table = read_table(TableFormat::Csv, csv.as_bytes()).unwrap();
        let errors = participants_from_table(&r, &table).unwrap_err();
        let rows: Vec<u64> = errors.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, [3, 4, 5], "{errors:?}");
        assert_eq!(errors[0].1.column, "Nama Usaha");
        assert_eq!(errors[1].1.column, "Provinsi");
        assert_eq!(errors[2].1.column, "Produk");
    }

    #[test]
    fn sides_and_products_are_read() {
        let csv = "Nama Usaha,Provinsi,Produk,Butuh,Sisi\n\
                   UD Satu,Jatim,Kopi arabika,,Asal\n\
                   CV Dua,36,,Kopi arabika,Tuan Rumah\n";
        let r = reference();
        let table = read_table(TableFormat::Csv, csv.as_bytes()).unwrap();
        let rows = participants_from_table(&r, &table).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].side.as_deref(), Some("origin"));
        assert_eq!(rows[1].side.as_deref(), Some("host"));
        assert_eq!(rows[0].business.province, "35");
        assert_eq!(rows[1].business.needs.len(), 1);
        assert!(!rows[0].id_given);
    }

    #[test]
    fn the_template_reads_back_as_one_participant() {
        let r = reference();
        let table = read_table(TableFormat::Csv, &participants_template_csv()[..]).unwrap();
        let rows = participants_from_table(&r, &table).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].side.as_deref(), Some("origin"));
        let book = participants_template_xlsx().unwrap();
        let table = read_table(TableFormat::Workbook, &book[..]).unwrap();
        assert_eq!(participants_from_table(&r, &table).unwrap().len(), 1);
    }
}
