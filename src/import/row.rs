//! One row of a business sheet → one [`Business`] (of a deal sheet → one [`Deal`]), every
//! bad cell reported with what would be accepted.

use super::columns::key;
use super::{CellError, Column, ColumnMap, Row};
use crate::model::contact::{normalize_email, normalize_phone};
use crate::model::{
    Business, BusinessKind, Certification, Contacts, Deal, DealStatus, Listing, ListingKind,
    Quantity, parse_date, units, validate_id,
};
use crate::reference::{ProvinceIx, Reference};
use crate::understand::{edit_distance, understand, words};

/// Reads one row. `Err` lists every bad cell of it.
pub fn business_from_row(
    reference: &Reference,
    map: &ColumnMap,
    row: &Row,
) -> Result<Business, Vec<CellError>> {
    let cell = |c: Column| map.cell(&row.cells, c);
    let mut errors = Vec::new();
    let mut fail = |c: Column, message: String| errors.push(CellError::new(map.header(c), message));

    let name = cell(Column::Name);
    if name.is_empty() {
        fail(Column::Name, "is empty; every business needs a name".into());
    }
    let kind = match kind_named(cell(Column::Kind)) {
        Some(k) => k,
        None => {
            fail(
                Column::Kind,
                format!(
                    "unknown kind {:?}; use UMKM, Koperasi, BUMD, Asosiasi or Perusahaan (PT, CV)",
                    cell(Column::Kind)
                ),
            );
            BusinessKind::Umkm
        }
    };
    let province_text = cell(Column::Province);
    let province = match reference.province_named(province_text) {
        Some(p) => Some(reference.provinces[p].code.clone()),
        None => {
            let message = if province_text.is_empty() {
                "is empty; give the province's name, abbreviation, capital or code".to_string()
            } else {
                let hint = nearest_province(reference, province_text)
                    .map(|p| format!("did you mean {}? ", reference.provinces[p].name))
                    .unwrap_or_default();
                format!(
                    "unknown province {province_text:?}; {hint}give a name, abbreviation, \
                     capital or two-digit code (see GET /v1/provinces)"
                )
            };
            fail(Column::Province, message);
            None
        }
    };
    let text = |c: Column| Some(cell(c).to_string()).filter(|s| !s.is_empty());
    let city = text(Column::City);
    let description = text(Column::Description);

    let mut certifications = Vec::new();
    for part in split_list(cell(Column::Certifications), &[';', ',', '/']) {
        match certification_named(part) {
            Some(c) => certifications.push(c),
            None => fail(
                Column::Certifications,
                format!(
                    "unknown certification {part:?}; use Halal, BPOM, SNI, PIRT, Organik, HACCP or GAP"
                ),
            ),
        }
    }

    let mut listings = [Vec::new(), Vec::new()];
    for (slot, (column, kind)) in [
        (Column::Offers, ListingKind::Offer),
        (Column::Needs, ListingKind::Need),
    ]
    .into_iter()
    .enumerate()
    {
        for item in split_list(cell(column), &[';', '\n']) {
            match listing(reference, item, kind) {
                Ok(l) => listings[slot].push(l),
                Err(m) => fail(column, m),
            }
        }
    }
    let [offers, needs] = listings;

    let mut contacts = Contacts {
        contact_person: text(Column::ContactPerson),
        address: text(Column::Address),
        website: text(Column::Website),
        ..Contacts::default()
    };
    for (column, slot) in [(Column::Phone, 0), (Column::Whatsapp, 1)] {
        let Some(t) = text(column) else { continue };
        match normalize_phone(&t) {
            Ok(p) if slot == 0 => contacts.phone = Some(p),
            Ok(p) => contacts.whatsapp = Some(p),
            Err(m) => fail(column, m),
        }
    }
    if let Some(e) = text(Column::Email) {
        match normalize_email(&e) {
            Ok(e) => contacts.email = Some(e),
            Err(m) => fail(Column::Email, m),
        }
    }
    let publish_contacts = match yes_no(cell(Column::PublishContacts)) {
        Some(b) => b,
        None => {
            fail(
                Column::PublishContacts,
                format!(
                    "{:?} is neither yes nor no; write ya or tidak",
                    cell(Column::PublishContacts)
                ),
            );
            false
        }
    };

    let id = match text(Column::Id) {
        Some(id) => id,
        None => derive_id(
            province.as_deref().unwrap_or(""),
            name,
            city.as_deref().unwrap_or(""),
        ),
    };
    let Some(province) = province else {
        return Err(errors);
    };
    let mut b = Business {
        id,
        name: name.to_string(),
        kind,
        province,
        city,
        description,
        certifications,
        offers,
        needs,
        contacts: Some(contacts),
        publish_contacts,
    };
    if errors.is_empty() {
        // What the model checks beyond the cells (ids, lengths, the website's shape).
        if let Err(e) = b.normalize() {
            errors.push(CellError::new(column_of_field(map, &e.field), e.message));
        }
    }
    if errors.is_empty() {
        Ok(b)
    } else {
        Err(errors)
    }
}

/// The header of the column a model field (`contacts.website`, `offers[2].title`) came from.
pub(crate) fn column_of_field(map: &ColumnMap, field: &str) -> String {
    let head = field.split(['.', '[']).next().unwrap_or("");
    let last = field.rsplit('.').next().unwrap_or("");
    let column = match head {
        "id" => Column::Id,
        "name" => Column::Name,
        "kind" => Column::Kind,
        "province" => Column::Province,
        "city" => Column::City,
        "description" => Column::Description,
        "certifications" => Column::Certifications,
        "offers" => Column::Offers,
        "needs" => Column::Needs,
        "contacts" => match last {
            "phone" => Column::Phone,
            "whatsapp" => Column::Whatsapp,
            "email" => Column::Email,
            "address" => Column::Address,
            "website" => Column::Website,
            _ => Column::ContactPerson,
        },
        _ => return "-".to_string(),
    };
    if column == Column::Id && !map.has(Column::Id) {
        return "-".to_string();
    }
    map.header(column)
}

/// The id of a row without one: the province code, the name in lower-case ASCII letters and
/// digits joined by `-` (at most 40 characters), and 8 hex digits of the 64-bit FNV-1a hash
/// of the name, province code and city (lower-cased, spaces collapsed). The same business
/// imported again gets the same id, so it is replaced rather than duplicated.
/// `("52", "KUB Kopi Sembalun", "Lombok Timur")` → `52-kub-kopi-sembalun-xxxxxxxx`.
pub fn derive_id(province: &str, name: &str, city: &str) -> String {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{}\u{1f}{}\u{1f}{}", norm(name), province, norm(city)).bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let mut id = String::new();
    for part in [province, slug] {
        if !part.is_empty() {
            id.push_str(part);
            id.push('-');
        }
    }
    id.push_str(&format!("{:08x}", hash >> 32));
    id
}

fn split_list<'a>(cell: &'a str, separators: &'a [char]) -> impl Iterator<Item = &'a str> + 'a {
    cell.split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn kind_named(text: &str) -> Option<BusinessKind> {
    let k = key(text);
    let kind = match k.as_str() {
        "" | "umkm" | "ukm" | "umk" | "usahamikro" | "usahakecil" | "usahamenengah" | "ud"
        | "msme" | "sme" | "micro" => BusinessKind::Umkm,
        "koperasi" | "kud" | "kop" | "cooperative" | "coop" => BusinessKind::Cooperative,
        "bumd" | "perumda" | "perusahaandaerah" | "bumdes" | "bumdesa" => BusinessKind::Bumd,
        "asosiasi" | "association" | "gapoktan" | "poktan" | "kelompoktani" => {
            BusinessKind::Association
        }
        "perusahaan" | "pt" | "cv" | "corporate" | "company" | "firma" | "pttbk" | "tbk" => {
            BusinessKind::Corporate
        }
        _ => return BusinessKind::ALL.into_iter().find(|b| b.as_str() == k),
    };
    Some(kind)
}

fn certification_named(text: &str) -> Option<Certification> {
    let c = match key(text).as_str() {
        "halal" | "halalmui" | "bpjph" => Certification::Halal,
        "bpom" | "bpomri" | "md" | "ml" => Certification::Bpom,
        "sni" => Certification::Sni,
        "pirt" | "sppirt" => Certification::Pirt,
        "organik" | "organic" => Certification::Organic,
        "haccp" => Certification::Haccp,
        "gap" | "cbib" => Certification::Gap,
        _ => return None,
    };
    Some(c)
}

fn yes_no(text: &str) -> Option<bool> {
    match key(text).as_str() {
        "ya" | "y" | "yes" | "true" | "1" | "iya" | "benar" => Some(true),
        "" | "tidak" | "t" | "no" | "n" | "false" | "0" | "tdk" | "bukan" => Some(false),
        _ => None,
    }
}

/// The province whose name, abbreviation or capital is nearest the text (at most three
/// edits), for "did you mean".
fn nearest_province(reference: &Reference, text: &str) -> Option<ProvinceIx> {
    let wanted = text.trim().to_lowercase();
    let mut best: Option<(usize, ProvinceIx)> = None;
    for (i, p) in reference.provinces.iter().enumerate() {
        for n in p.names() {
            let d = edit_distance(&wanted, &n.to_lowercase(), 3);
            if d <= 3 && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// One product of a cell: "Kopi arabika 5 ton/bulan" → coffee, 5 t a month.
fn listing(reference: &Reference, item: &str, kind: ListingKind) -> Result<Listing, String> {
    // The product is named before its amount ("Kopi arabika 5 ton/bulan"): only that part
    // is searched, so a word of the amount ("3 karung") is never read as a product.
    let cut = item
        .char_indices()
        .find(|(i, ch)| {
            ch.is_ascii_digit() && (*i == 0 || item[..*i].ends_with(char::is_whitespace))
        })
        .map(|(i, _)| i)
        .unwrap_or(item.len());
    let head = item[..cut].trim().trim_end_matches([',', '-', ':']).trim();
    let named = if head.is_empty() { item } else { head };
    let found = reference.commodities_in_text(named);
    let catalog = reference.catalog();
    // KBKI's reading of the name: a code for what is listed, more specific than a curated
    // commodity's own, or the only place of a product no curated commodity names.
    let resolved = catalog
        .resolve(named)
        .filter(|r| r.via != crate::catalog::Via::Nearest);
    let (commodity, kbki) = match found.as_slice() {
        [c] => {
            let kbki = resolved
                .as_ref()
                .filter(|r| r.commodity == Some(*c) && Some(r.entry) != catalog.commodity_entry(*c))
                .map(|r| catalog.entry(r.entry).code.clone());
            (*c, kbki)
        }
        [] => {
            let u = understand(reference, named);
            match (u.fuzzy.as_slice(), u.families.is_empty()) {
                ([c], true) => (*c, None),
                _ if !u.families.is_empty() => {
                    let names: Vec<&str> = u
                        .commodities
                        .iter()
                        .map(|c| reference.commodities[*c].name_id.as_str())
                        .collect();
                    return Err(format!(
                        "{item:?} stands for several products ({}); name one",
                        names.join(", ")
                    ));
                }
                _ => match &resolved {
                    Some(r) => {
                        let entry = catalog.entry(r.entry);
                        let c = catalog.commodity_covering(r.entry).ok_or_else(|| {
                            format!(
                                "{item:?} is KBKI {} ({}), which no catalog commodity covers \
                                 yet; name a catalog product (GET /v1/commodities)",
                                entry.code, entry.name_id
                            )
                        })?;
                        (c, Some(entry.code.clone()))
                    }
                    None => {
                        let hint = nearest_commodity(reference, item)
                            .map(|n| format!("did you mean {n:?}? "))
                            .unwrap_or_default();
                        let near: Vec<String> = catalog
                            .nearest(named, 3)
                            .into_iter()
                            .map(|e| {
                                let e = catalog.entry(e);
                                format!("{} {}", e.code, e.name_id)
                            })
                            .collect();
                        let near = if near.is_empty() {
                            String::new()
                        } else {
                            format!("nearest KBKI entries: {}; ", near.join(", "))
                        };
                        return Err(format!(
                            "no catalog product in {item:?}; {hint}{near}name products as the \
                             catalog does (GET /v1/commodities), separated by ';'"
                        ));
                    }
                },
            }
        }
        several => {
            let names: Vec<&str> = several
                .iter()
                .map(|c| reference.commodities[*c].name_id.as_str())
                .collect();
            return Err(format!(
                "{item:?} names several products ({}); separate them with ';'",
                names.join(", ")
            ));
        }
    };
    let amount = understand(reference, item).volume;
    if amount.is_none()
        && words(item)
            .iter()
            .any(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Err(format!(
            "cannot read the amount in {item:?}; write it like \"5 ton/bulan\" with a unit \
             ({}) and optionally a period (hari, minggu, bulan, tahun)",
            units::unit_list()
        ));
    }
    let c = &reference.commodities[commodity];
    // The title is the product as written, without its amount.
    let title = if head.is_empty() {
        c.name_id.clone()
    } else {
        head.to_string()
    };
    let (capacity, volume): (Option<Quantity>, Option<Quantity>) = match kind {
        ListingKind::Offer => (amount, None),
        ListingKind::Need => (None, amount),
    };
    Ok(Listing {
        id: None,
        commodity: c.key.clone(),
        kbki,
        title,
        description: None,
        capacity,
        volume,
        price: None,
    })
}

/// The catalog name nearest the text's words before any amount (at most two edits).
fn nearest_commodity(reference: &Reference, item: &str) -> Option<String> {
    let head: Vec<String> = words(item)
        .into_iter()
        .take_while(|w| !w.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    let text = head.join(" ");
    if text.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for (name, _) in reference.commodity_names() {
        let d = edit_distance(&text, name, 2);
        if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, name));
        }
    }
    best.map(|(_, n)| n.to_string())
}

/// One row of a deal sheet → one [`Deal`]; its parties are checked against the store by
/// the engine.
pub fn deal_from_row(
    reference: &Reference,
    map: &ColumnMap,
    row: &Row,
) -> Result<Deal, Vec<CellError>> {
    let cell = |c: Column| map.cell(&row.cells, c);
    let text = |c: Column| Some(cell(c).to_string()).filter(|s| !s.is_empty());
    let mut errors = Vec::new();
    let mut fail = |c: Column, message: String| errors.push(CellError::new(map.header(c), message));
    for c in [Column::Buyer, Column::Seller] {
        if let Err(e) = validate_id("", cell(c)) {
            fail(
                c,
                format!("{:?} {}; give the business's id", cell(c), e.message),
            );
        }
    }
    let commodity_text = cell(Column::Commodity);
    let commodity = match reference.commodity(commodity_text) {
        Some(c) => Some(c),
        None => match reference.commodities_in_text(commodity_text).as_slice() {
            [c] => Some(*c),
            _ => {
                let hint = nearest_commodity(reference, commodity_text)
                    .map(|n| format!("did you mean {n:?}? "))
                    .unwrap_or_default();
                fail(
                    Column::Commodity,
                    format!(
                        "{commodity_text:?} is not one catalog product; {hint}see GET /v1/commodities"
                    ),
                );
                None
            }
        },
    };
    let value = rupiah(cell(Column::Value));
    if value.is_none() {
        fail(
            Column::Value,
            format!(
                "{:?} is not an amount of rupiah; write it like 125.000.000, Rp 125 juta or 1,5 miliar",
                cell(Column::Value)
            ),
        );
    }
    let volume = match text(Column::Volume) {
        None => None,
        Some(v) => match understand(reference, &v).volume {
            Some(q) => Some(q),
            None => {
                fail(
                    Column::Volume,
                    format!(
                        "cannot read the amount {v:?}; write it like \"5 ton\" with a unit ({})",
                        units::unit_list()
                    ),
                );
                None
            }
        },
    };
    let date = date_of(cell(Column::Date));
    if date.is_none() {
        fail(
            Column::Date,
            format!(
                "{:?} is not a date; write it like 2023-09-11 or 11/09/2023",
                cell(Column::Date)
            ),
        );
    }
    let status = match key(cell(Column::Status)).as_str() {
        "completed" | "selesai" | "berhasil" | "lunas" | "terkirim" | "done" => {
            Some(DealStatus::Completed)
        }
        "failed" | "gagal" | "batal" | "dibatalkan" | "cancelled" | "canceled" => {
            Some(DealStatus::Failed)
        }
        "mou" | "nota kesepahaman" | "notakesepahaman" => Some(DealStatus::Mou),
        _ => {
            fail(
                Column::Status,
                format!(
                    "unknown status {:?}; use selesai (completed), gagal (failed) or MoU",
                    cell(Column::Status)
                ),
            );
            None
        }
    };
    let (Some(commodity), Some(value_idr), Some(date), Some(status)) =
        (commodity, value, date, status)
    else {
        return Err(errors);
    };
    let d = Deal {
        id: text(Column::Id),
        buyer: cell(Column::Buyer).to_string(),
        seller: cell(Column::Seller).to_string(),
        commodity: reference.commodities[commodity].key.clone(),
        value_idr,
        volume,
        date,
        status,
        mission: text(Column::Mission),
    };
    if errors.is_empty()
        && let Err(e) = d.validate()
    {
        let column = match e.field.split('.').next().unwrap_or("") {
            "id" => Column::Id,
            "buyer" => Column::Buyer,
            "seller" => Column::Seller,
            "value_idr" => Column::Value,
            "volume" => Column::Volume,
            "date" => Column::Date,
            "mission" => Column::Mission,
            _ => Column::Commodity,
        };
        errors.push(CellError::new(map.header(column), e.message));
    }
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(errors)
    }
}

/// Rupiah as people write them: `125000000`, `125.000.000`, `Rp 125.000.000,00`,
/// `125 juta`, `1,5 miliar`.
fn rupiah(text: &str) -> Option<f64> {
    let lower = text.trim().to_lowercase();
    let lower = lower
        .strip_prefix("rp")
        .unwrap_or(&lower)
        .trim_start_matches('.');
    let mut words = lower.split_whitespace();
    let number = words.next()?;
    let scale = match words.next() {
        None => 1.0,
        Some("ribu" | "rb") => 1e3,
        Some("juta" | "jt") => 1e6,
        Some("miliar" | "milyar" | "m") => 1e9,
        Some("triliun" | "t") => 1e12,
        Some(_) => return None,
    };
    if words.next().is_some() {
        return None;
    }
    // A dot groups thousands, a comma is the decimal point (Indonesian); a plain number
    // with one dot and no comma ("1.5") is read as a decimal only when it is not three
    // digits after the dot.
    let n = if number.contains(',') {
        number.replace('.', "").replace(',', ".")
    } else if number.split('.').skip(1).all(|g| g.len() == 3) {
        number.replace('.', "")
    } else {
        number.to_string()
    };
    let v: f64 = n.parse().ok()?;
    Some(v * scale).filter(|v| v.is_finite() && *v >= 0.0)
}

/// `YYYY-MM-DD`, or `DD/MM/YYYY` and `DD-MM-YYYY` as Indonesian spreadsheets write them.
fn date_of(text: &str) -> Option<String> {
    let t = text.trim();
    if parse_date(t).is_some() {
        return Some(t.to_string());
    }
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let iso = format!("{y:0>4}-{m:0>2}-{d:0>2}");
    parse_date(&iso).map(|_| iso)
}
