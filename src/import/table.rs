//! Reading a spreadsheet into rows of text cells: CSV (UTF-8, with or without a byte-order
//! mark; the separator — `,`, `;` or tab — taken from the header line, since spreadsheets
//! in an Indonesian locale write `;`) and the first sheet of an XLSX, XLS or ODS workbook
//! (calamine). Row numbers are the ones the user sees: the line in the CSV file, the row in
//! the sheet.

use std::io::Read;

use super::CellError;

/// The formats a table comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    /// XLSX, XLS or ODS: calamine tells them apart by their bytes.
    Workbook,
}

/// One data row: its number as the user sees it, and its cells as text, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u64,
    pub cells: Vec<String>,
}

impl Row {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A header row and the data rows below it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    /// The row number of the header.
    pub header_row: u64,
    pub rows: Vec<Row>,
}

/// Reads a whole table. An error is the row it happened on and what went wrong.
pub fn read_table(format: TableFormat, mut reader: impl Read) -> Result<Table, (u64, CellError)> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| (0, CellError::new("-", format!("cannot read: {e}"))))?;
    match format {
        TableFormat::Csv => read_csv(&bytes),
        // calamine parses untrusted zip and XML; a panic in it must be a 400, not a lost
        // worker (nothing is shared across this call, so unwinding is safe).
        TableFormat::Workbook => std::panic::catch_unwind(move || read_workbook(bytes))
            .unwrap_or_else(|_| {
                Err((
                    0,
                    CellError::new("-", "not a readable XLSX, XLS or ODS workbook; or send CSV"),
                ))
            }),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, (u64, CellError)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|c| (count(*c), *c == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            (line, CellError::new("-", format!("not CSV: {e}")))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut cells = Vec::with_capacity(record.len());
        for field in record.iter() {
            let text = std::str::from_utf8(field).map_err(|_| {
                (
                    line,
                    CellError::new(
                        "-",
                        "the file is not UTF-8 text; save it as \"CSV UTF-8\" (or send XLSX)",
                    ),
                )
            })?;
            cells.push(text.trim().to_string());
        }
        match &header {
            None if cells.iter().all(String::is_empty) => {}
            None => header = Some((line, cells)),
            Some(_) => rows.push(Row {
                number: line,
                cells,
            }),
        }
    }
    let (header_row, headers) = header.ok_or_else(|| {
        (
            1,
            CellError::new(
                "-",
                "the file is empty; the first row must name the columns",
            ),
        )
    })?;
    Ok(Table {
        headers,
        header_row,
        rows,
    })
}

fn read_workbook(bytes: Vec<u8>) -> Result<Table, (u64, CellError)> {
    use calamine::Reader;
    let bad = |e: &dyn std::fmt::Display| {
        (
            0,
            CellError::new(
                "-",
                format!("not an XLSX, XLS or ODS workbook ({e}); or send CSV"),
            ),
        )
    };
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| bad(&e))?,
        None => return Err(bad(&"it has no sheet")),
    };
    let first_row = range.start().map(|(r, _)| u64::from(r)).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let number = first_row + i as u64 + 1;
        // Cells left of the used range are blank: keep columns where the sheet has them.
        let mut text: Vec<String> = vec![String::new(); first_col];
        text.extend(cells.iter().map(cell_text));
        match &header {
            None if text.iter().all(String::is_empty) => {}
            None => header = Some((number, text)),
            Some(_) => rows.push(Row {
                number,
                cells: text,
            }),
        }
    }
    let (header_row, headers) = header.ok_or_else(|| {
        (
            1,
            CellError::new(
                "-",
                "the first sheet is empty; its first row must name the columns",
            ),
        )
    })?;
    Ok(Table {
        headers,
        header_row,
        rows,
    })
}

/// A cell as the text the user sees: whole numbers without a fraction (a spreadsheet keeps
/// "35" as 35.0).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // A date cell: days since 1899-12-30 (the 1900 date system), as YYYY-MM-DD.
        Data::DateTime(d) if d.as_f64().is_finite() && d.as_f64().abs() < 1e7 => {
            crate::model::format_date(
                crate::model::dates::days_from_civil(1899, 12, 30) + d.as_f64().floor() as i64,
            )
        }
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}
