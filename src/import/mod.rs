//! Spreadsheets of businesses (CSV, XLSX/XLS/ODS) read into [`Business`] records: the way
//! a dinas or an association hands over its list of members.
//!
//! Built in three steps, each a file: `table` reads the bytes into a header row and rows of
//! text cells (whatever the format, so everything after it is format-blind), `columns`
//! matches the headers by name in Indonesian or English ("Nama Usaha", "Name", "Kab/Kota";
//! case, spaces and punctuation ignored) and writes the template, `row` turns one row into a
//! business — province by name, abbreviation, capital or code, products found in the
//! catalog with the reference's text understanding, plain-word capacities ("5 ton/bulan")
//! with the one unit table — collecting **every** bad cell of the row instead of stopping
//! at the first, so one answer can list all that is wrong with a file. A sheet with a buyer
//! and a seller column holds deals instead, one a row (`deal_from_row`).
//!
//! **Invariant:** pure — bytes and the reference data in, records or errors out; no store.
//! The engine validates the records once more (`Engine::validate_business`) and owns the
//! transaction.

mod columns;
mod export;
mod participants;
mod row;
mod table;

pub use columns::{Column, ColumnMap, SheetKind, template_csv, template_deals_csv, template_xlsx};
pub use export::{business_headers, business_row, businesses_csv, businesses_xlsx};
pub use participants::{
    ParticipantRow, participants_from_table, participants_template_csv, participants_template_xlsx,
};
pub(crate) use row::column_of_field;
pub use row::{business_from_row, deal_from_row, derive_id};
pub use table::{Row, Table, TableFormat, read_table};

/// What is wrong with one cell (or the whole row, `column` "-"), with what would be
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The column's header as written in the file, or "-".
    pub column: String,
    pub message: String,
}

impl CellError {
    pub fn new(column: impl Into<String>, message: impl Into<String>) -> CellError {
        CellError {
            column: column.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests;
