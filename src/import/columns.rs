//! The columns a spreadsheet of businesses may have, matched by name, and the template that
//! shows them.
//!
//! A header matches a column when, lower-cased with everything but letters and digits
//! removed, it equals one of the column's names ("Kab/Kota" → `kabkota`, "E-mail" →
//! `email`). The template's headers are the first (Indonesian) names, so the template and
//! the reader cannot drift apart: both come from [`COLUMNS`].

use super::CellError;

/// A column of the business sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Id,
    Name,
    Kind,
    Province,
    City,
    Description,
    Offers,
    Needs,
    Certifications,
    ContactPerson,
    Phone,
    Whatsapp,
    Email,
    Address,
    Website,
    PublishContacts,
    // A sheet of deals.
    Buyer,
    Seller,
    Commodity,
    Value,
    Volume,
    Date,
    Status,
    Mission,
}

/// What a sheet holds: businesses, or (with a buyer and a seller column) deals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Businesses,
    Deals,
}

/// The columns of a sheet of deals, like [`COLUMNS`] (its `ID` is the deal's).
pub(super) const DEAL_COLUMNS: [(Column, &str, &str, &[&str], &str); 8] = [
    (
        Column::Buyer,
        "Pembeli",
        "Buyer",
        &["idpembeli", "buyerid", "kodepembeli"],
        "bt-00018",
    ),
    (
        Column::Seller,
        "Penjual",
        "Seller",
        &[
            "idpenjual",
            "sellerid",
            "kodepenjual",
            "pemasok",
            "supplier",
        ],
        "ntb-kopi-001",
    ),
    (
        Column::Commodity,
        "Komoditas",
        "Commodity",
        &["barang", "komoditi"],
        "Kopi arabika",
    ),
    (
        Column::Value,
        "Nilai (Rp)",
        "Value (IDR)",
        &[
            "nilai",
            "nilaitransaksi",
            "value",
            "valueidr",
            "nilaikontrak",
        ],
        "125.000.000",
    ),
    (
        Column::Volume,
        "Volume",
        "Volume",
        &["jumlah", "quantity", "kuantitas"],
        "5 ton",
    ),
    (
        Column::Date,
        "Tanggal",
        "Date",
        &["tgl", "tanggaltransaksi", "dealdate"],
        "2023-09-11",
    ),
    (
        Column::Status,
        "Status",
        "Status",
        &["statustransaksi"],
        "MoU",
    ),
    (
        Column::Mission,
        "Misi",
        "Mission",
        &["misidagang", "trademission"],
        "jatim-banten-2023",
    ),
];

/// Each column: the template's header, the English header, other names people write, and
/// the template's example cell.
pub(super) const COLUMNS: [(Column, &str, &str, &[&str], &str); 16] = [
    (
        Column::Id,
        "ID",
        "Id",
        &["kode", "kodeusaha", "businessid", "nib"],
        "ntb-kopi-001",
    ),
    (
        Column::Name,
        "Nama Usaha",
        "Name",
        &[
            "nama",
            "namaperusahaan",
            "namabadanusaha",
            "businessname",
            "company",
        ],
        "KUB Kopi Sembalun",
    ),
    (
        Column::Kind,
        "Jenis",
        "Kind",
        &[
            "jenisusaha",
            "bentukusaha",
            "badanusaha",
            "type",
            "businesstype",
        ],
        "UMKM",
    ),
    (
        Column::Province,
        "Provinsi",
        "Province",
        &["prov", "kodeprovinsi"],
        "NTB",
    ),
    (
        Column::City,
        "Kab/Kota",
        "City",
        &[
            "kabupatenkota",
            "kabupaten",
            "kota",
            "regency",
            "cityregency",
            "regencycity",
        ],
        "Lombok Timur",
    ),
    (
        Column::Description,
        "Deskripsi",
        "Description",
        &["keterangan", "uraian", "profil"],
        "Kelompok usaha bersama petani kopi di lereng Rinjani.",
    ),
    (
        Column::Offers,
        "Menawarkan",
        "Offers",
        &[
            "produk",
            "produkyangditawarkan",
            "products",
            "offer",
            "jual",
        ],
        "Kopi arabika 5 ton/bulan; Madu hutan 200 kg/bulan",
    ),
    (
        Column::Needs,
        "Butuh",
        "Needs",
        &["kebutuhan", "membutuhkan", "need", "beli"],
        "Pupuk organik 2 ton/bulan",
    ),
    (
        Column::Certifications,
        "Sertifikat",
        "Certifications",
        &["sertifikasi", "certification", "certificates", "izin"],
        "Halal; PIRT",
    ),
    (
        Column::ContactPerson,
        "Kontak",
        "Contact Person",
        &[
            "namakontak",
            "narahubung",
            "pic",
            "contact",
            "contactperson",
            "pemilik",
        ],
        "Ibu Sari",
    ),
    (
        Column::Phone,
        "Telepon",
        "Phone",
        &[
            "telp",
            "notelp",
            "notelepon",
            "nomortelepon",
            "hp",
            "nohp",
            "telephone",
        ],
        "0812-3456-7890",
    ),
    (
        Column::Whatsapp,
        "WhatsApp",
        "WhatsApp",
        &["wa", "nowa", "nomorwa", "nomorwhatsapp"],
        "0812-3456-7890",
    ),
    (
        Column::Email,
        "Email",
        "E-mail",
        &["surel", "surat elektronik", "emailaddress"],
        "kopi.sembalun@example.id",
    ),
    (
        Column::Address,
        "Alamat",
        "Address",
        &["alamatusaha", "alamatlengkap"],
        "Jl. Raya Sembalun No. 1, Sembalun, Lombok Timur",
    ),
    (
        Column::Website,
        "Website",
        "Website",
        &["situs", "web", "url", "laman"],
        "https://kopisembalun.example.id",
    ),
    (
        Column::PublishContacts,
        "Tampilkan Kontak",
        "Publish Contacts",
        &["publikasikankontak", "kontakpublik", "publishcontacts"],
        "ya",
    ),
];

/// Lower-case letters and digits only: the form headers are compared in.
pub(super) fn key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Column {
    fn names(self) -> impl Iterator<Item = String> {
        COLUMNS
            .iter()
            .chain(DEAL_COLUMNS.iter())
            .filter(move |(c, ..)| *c == self)
            .flat_map(|(_, id, en, other, _)| {
                [key(id), key(en)]
                    .into_iter()
                    .chain(other.iter().map(|o| key(o)))
            })
    }

    /// The template's header ("Nama Usaha") and the English one ("Name").
    pub fn headers(self) -> (&'static str, &'static str) {
        COLUMNS
            .iter()
            .chain(DEAL_COLUMNS.iter())
            .find(|(c, ..)| *c == self)
            .map(|(_, id, en, ..)| (*id, *en))
            .unwrap_or(("?", "?"))
    }

    fn of_header(header: &str) -> Option<Column> {
        let k = key(header);
        if k.is_empty() {
            return None;
        }
        COLUMNS
            .iter()
            .chain(DEAL_COLUMNS.iter())
            .map(|(c, ..)| *c)
            .find(|c| c.names().any(|n| n == k))
    }
}

/// Which cell of a row holds which column, and the headers as written.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    positions: Vec<(Column, usize)>,
    headers: Vec<String>,
    /// Headers that name no column (ignored, and reported).
    pub ignored: Vec<String>,
}

impl ColumnMap {
    /// Matches the header row; an error for a column named twice or a required one missing.
    pub fn from_headers(headers: &[String]) -> Result<ColumnMap, Vec<CellError>> {
        let mut map = ColumnMap {
            headers: headers.to_vec(),
            ..ColumnMap::default()
        };
        let mut errors = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            match Column::of_header(h) {
                Some(c) => match map.positions.iter().find(|(d, _)| *d == c) {
                    Some((_, j)) => errors.push(CellError::new(
                        h.as_str(),
                        format!(
                            "names the same column as {:?}; keep one of them",
                            headers[*j]
                        ),
                    )),
                    None => map.positions.push((c, i)),
                },
                None => map.ignored.push(h.clone()),
            }
        }
        let required: &[Column] = match map.kind() {
            SheetKind::Businesses => &[Column::Name, Column::Province],
            SheetKind::Deals => &[
                Column::Buyer,
                Column::Seller,
                Column::Commodity,
                Column::Value,
                Column::Date,
                Column::Status,
            ],
        };
        for &required in required {
            if map.position(required).is_none() {
                let (id, en) = required.headers();
                errors.push(CellError::new(
                    "-",
                    format!(
                        "no column {id:?} (or {en:?}); the first row must name the columns, \
                         as in GET /v1/templates/{}.csv",
                        match map.kind() {
                            SheetKind::Businesses => "businesses",
                            SheetKind::Deals => "deals",
                        }
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors)
        }
    }

    /// A sheet with a buyer or a seller column holds deals; any other, businesses.
    pub fn kind(&self) -> SheetKind {
        if self.has(Column::Buyer) || self.has(Column::Seller) {
            SheetKind::Deals
        } else {
            SheetKind::Businesses
        }
    }

    fn position(&self, c: Column) -> Option<usize> {
        self.positions
            .iter()
            .find(|(d, _)| *d == c)
            .map(|(_, i)| *i)
    }

    /// Whether the sheet has the column.
    pub fn has(&self, c: Column) -> bool {
        self.position(c).is_some()
    }

    /// The cell of column `c` in `cells`, trimmed; empty when the sheet has no such column.
    pub fn cell<'a>(&self, cells: &'a [String], c: Column) -> &'a str {
        self.position(c)
            .and_then(|i| cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// The column's header as written in the file (the template's if the file has none).
    pub fn header(&self, c: Column) -> String {
        self.position(c)
            .and_then(|i| self.headers.get(i))
            .cloned()
            .unwrap_or_else(|| c.headers().0.to_string())
    }
}

/// The deals template as CSV, like [`template_csv`].
pub fn template_deals_csv() -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    let columns = || std::iter::once(&COLUMNS[0]).chain(DEAL_COLUMNS.iter());
    let _ = w.write_record(columns().map(|(_, id, ..)| *id));
    let example = |c: &(Column, &str, &str, &[&str], &'static str)| match c.0 {
        Column::Id => "",
        _ => c.4,
    };
    let _ = w.write_record(columns().map(example));
    let _ = w.flush();
    drop(w);
    out
}

/// The template as CSV: a UTF-8 byte-order mark (so spreadsheet programs read it as UTF-8),
/// the headers and one example row.
pub fn template_csv() -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    let _ = w.write_record(COLUMNS.iter().map(|(_, id, ..)| *id));
    let _ = w.write_record(COLUMNS.iter().map(|(.., example)| *example));
    let _ = w.flush();
    drop(w);
    out
}

/// The template as an XLSX workbook: the sheet to fill in (headers and the example row) and
/// a sheet "Petunjuk" explaining each column.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Usaha").map_err(|e| e.to_string())?;
    for (col, (_, id, _, _, example)) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, *id, &bold)
            .and_then(|s| s.write_string(1, col, *example))
            .and_then(|s| s.set_column_width(col, 22))
            .map_err(|e| e.to_string())?;
    }
    let help = book.add_worksheet();
    help.set_name("Petunjuk").map_err(|e| e.to_string())?;
    for (col, title) in ["Kolom", "Column", "Isi / Contents"].iter().enumerate() {
        help.write_string_with_format(0, col as u16, *title, &bold)
            .map_err(|e| e.to_string())?;
    }
    for (row, (column, id, en, ..)) in COLUMNS.iter().enumerate() {
        let row = row as u32 + 1;
        help.write_string(row, 0, *id)
            .and_then(|s| s.write_string(row, 1, *en))
            .and_then(|s| s.write_string(row, 2, explain(*column)))
            .map_err(|e| e.to_string())?;
    }
    help.set_column_width(0, 18)
        .and_then(|s| s.set_column_width(1, 18))
        .and_then(|s| s.set_column_width(2, 100))
        .map_err(|e| e.to_string())?;
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// What a column holds, for the template's help sheet.
fn explain(c: Column) -> &'static str {
    match c {
        Column::Id => {
            "Optional stable id (letters, digits, - _ .). Empty: derived from province, name and city, so the same row imports to the same business again."
        }
        Column::Name => "Required. The business's name.",
        Column::Kind => "UMKM, Koperasi, BUMD, Asosiasi or Perusahaan (PT, CV). Empty: UMKM.",
        Column::Province => {
            "Required. Name, abbreviation, capital or two-digit code: Nusa Tenggara Barat, NTB, Mataram or 52."
        }
        Column::City => "Kabupaten or kota, as written.",
        Column::Description => "Free text.",
        Column::Offers => {
            "Products offered, separated by ';', each as the catalog names it (GET /v1/commodities), with an optional capacity: Kopi arabika 5 ton/bulan."
        }
        Column::Needs => "Products needed, written like the offers: Pupuk organik 2 ton/bulan.",
        Column::Certifications => {
            "Halal, BPOM, SNI, PIRT, Organik, HACCP, GAP; separated by ';' or ','."
        }
        Column::ContactPerson => "Who to talk to.",
        Column::Phone | Column::Whatsapp => {
            "Indonesian number: 0812-3456-7890, +62 812 3456 7890 or (021) 555-1234."
        }
        Column::Email => "nama@usaha.co.id",
        Column::Address => "Street address.",
        Column::Website => "Starting with http:// or https://",
        Column::PublishContacts => {
            "ya / tidak (yes / no). Contacts are shown to everyone only with 'ya'; otherwise only to the data's administrators."
        }
        _ => "",
    }
}
