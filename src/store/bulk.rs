//! Bulk writes for imports, in two phases per batch of records: [`Writer::import_batch`]
//! fetches in a few queries everything the import's checks need to know of the stored
//! records (provinces, tombstones, stored deals, the audit's "before" digests), the import
//! checks its records against that [`ImportBatch`] (which also sees the batch's own writes),
//! and [`Writer::write_import_batch`] writes the batch.
//!
//! Why: an import that asked the store about each record, then wrote it row by row, made
//! about eight statements per record; on PostgreSQL each is a network round trip, which made
//! imports there ≈3.2× slower than into SQLite. Here a batch of 10 000 records costs a few
//! dozen round trips to read, and on PostgreSQL its rows are written with `COPY … FROM STDIN`
//! (text format): straight into the append-only tables (`changes`, `contacts` after the
//! batch's old rows are deleted, `audit`), and through temporary staging tables with
//! `INSERT … SELECT … ON CONFLICT` into the keyed ones (`businesses`, `deals`). SQLite (and
//! PostgreSQL with `JALIN_IMPORT_WRITES=rows`, for the benchmark) inserts the same rows one
//! statement at a time, which costs nothing there: it is a library call, not a round trip.
//!
//! Invariant: a batch writes exactly what [`Writer::put_business`] and [`Writer::put_deal`]
//! called one by one would write — the same change sequences (in record order, the next
//! after the store's last), the same documents, contacts, deal ids and audit rows (in record
//! order) — which `tests::a_batch_writes_what_row_writes_write` pins on both backends.
//! Change sequences are given explicitly (the next after the highest stored): every write
//! holds the store's one writer (PostgreSQL: its advisory lock), so none can take them
//! meanwhile, and PostgreSQL's sequence is moved past them for the writes after.

use std::collections::{HashMap, HashSet};

use super::db::{R, Sql, V, t};
use super::{Entity, Tx, Writer, keys, parse_doc, to_doc};
use crate::error::{Error, Result};
use crate::model::{Business, Contacts, Deal};

/// Ids per `IN (…)` list: few enough for any SQLite build's parameter limit.
const IN_CHUNK: usize = 500;

/// What the checks of one batch need to know of the stored records.
#[derive(Debug, Default)]
pub struct BatchNeeds {
    /// Businesses the batch writes: their province, tombstone and audit digest.
    pub businesses: Vec<String>,
    /// Businesses the batch's deals name: whether they exist and their province.
    pub parties: Vec<String>,
    /// Deal ids the batch names: the deal stored under each.
    pub deals: Vec<String>,
    /// How many deals without an id the batch may write (each gets `d-{its sequence}`).
    pub unnamed_deals: usize,
    /// How many records the batch holds (an upper bound of the writes it makes).
    pub records: usize,
}

impl BatchNeeds {
    /// A deal the batch may write: its parties and its id.
    pub fn add_deal(&mut self, d: &Deal) {
        self.parties.push(d.buyer.clone());
        self.parties.push(d.seller.clone());
        match &d.id {
            Some(id) => self.deals.push(id.clone()),
            None => self.unnamed_deals += 1,
        }
    }
}

/// A business as the batch will write it.
struct BusinessRow {
    business: Business,
    doc: String,
    /// The `contacts` row after the write (`None`: none).
    contacts: Option<([Option<String>; 6], i64)>,
}

enum Op {
    Business {
        row: Box<BusinessRow>,
        seq: u64,
        before: Option<String>,
        after: String,
    },
    Deal {
        deal: Box<Deal>,
        doc: String,
        seq: u64,
        before: Option<String>,
        province: Option<String>,
    },
}

/// One batch of an import: the stored state its checks read (fetched by
/// [`Writer::import_batch`]) overlaid with the batch's own writes, and those writes, in
/// order, until [`Writer::write_import_batch`].
pub struct ImportBatch {
    /// Every business known to exist, with its province.
    provinces: HashMap<String, String>,
    /// The audit digest of each business in `BatchNeeds::businesses` that exists.
    digests: HashMap<String, String>,
    tombstones: HashMap<String, u64>,
    /// Deals known to exist, with their stored text.
    deals: HashMap<String, (Deal, String)>,
    /// Ids `d-…` of deals without an id that are taken already.
    taken: HashSet<String>,
    /// The sequence of the batch's last write (the store's last before the first one).
    last_seq: u64,
    /// The last sequence whose `d-…` id was looked up in `taken`.
    candidates_upto: u64,
    ops: Vec<Op>,
}

impl ImportBatch {
    /// The province of a business stored or written by this batch.
    pub fn business_province(&self, id: &str) -> Option<&str> {
        self.provinces.get(id).map(String::as_str)
    }

    pub fn business_exists(&self, id: &str) -> bool {
        self.provinces.contains_key(id)
    }

    /// The change that deleted business `id`, if one did.
    pub fn tombstone(&self, id: &str) -> Option<u64> {
        self.tombstones.get(id).copied()
    }

    /// The deal stored (or written by this batch) under `id`.
    pub fn get_deal(&self, id: &str) -> Option<&Deal> {
        self.deals.get(id).map(|(d, _)| d)
    }

    /// How many writes the batch holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    fn next_seq(&mut self) -> u64 {
        self.last_seq += 1;
        self.last_seq
    }

    /// [`Writer::put_business`] in the batch: creates or replaces a business (already
    /// validated). Returns whether it existed before.
    pub fn put_business(&mut self, b: &Business) -> Result<bool> {
        let before = self.digests.get(&b.id).cloned();
        let existed = before.is_some();
        if !existed && let Some(seq) = self.tombstone(&b.id) {
            return Err(Error::Conflict(crate::model::FieldError::new(
                "id",
                format!(
                    "{:?} was the id of a business deleted at change {seq}; a deleted \
                     business's id is never given to another: choose another id",
                    b.id
                ),
            )));
        }
        let seq = self.next_seq();
        let row = BusinessRow {
            doc: business_doc(b)?,
            contacts: contacts_row(b),
            business: b.clone(),
        };
        let after = keys::digest(&digest_text(&row.doc, row.contacts.as_ref()));
        self.provinces.insert(b.id.clone(), b.province.clone());
        self.digests.insert(b.id.clone(), after.clone());
        self.ops.push(Op::Business {
            row: Box::new(row),
            seq,
            before,
            after,
        });
        Ok(existed)
    }

    /// [`Writer::put_deal`] in the batch: records a deal (already validated, its parties
    /// known), giving it `d-{seq}` when it has no id. Returns its id.
    pub fn put_deal(&mut self, w: &mut Writer<'_>, d: &Deal) -> Result<String> {
        let seq = self.next_seq();
        let mut deal = d.clone();
        let id = match &deal.id {
            Some(id) => id.clone(),
            None => {
                let mut id = format!("d-{seq:06}");
                let fetched = seq <= self.candidates_upto;
                loop {
                    let taken = self.deals.contains_key(&id)
                        || if fetched && !id.ends_with('x') {
                            self.taken.contains(&id)
                        } else {
                            // Beyond the fetched candidates (rare: a taken id's `x` variants).
                            w.deal_exists(&id)?
                        };
                    if !taken {
                        break;
                    }
                    id.push('x');
                }
                id
            }
        };
        deal.id = Some(id.clone());
        let doc = to_doc(&deal)?;
        let before = self.deals.get(&id).map(|(_, text)| keys::digest(text));
        let province = self.provinces.get(&deal.buyer).cloned();
        self.deals.insert(id.clone(), (deal.clone(), doc.clone()));
        self.ops.push(Op::Deal {
            deal: Box::new(deal),
            doc,
            seq,
            before,
            province,
        });
        Ok(id)
    }
}

/// A business's stored document: without its contacts, which live in their own table.
pub(super) fn business_doc(b: &Business) -> Result<String> {
    if b.contacts.is_some() || b.publish_contacts {
        to_doc(&Business {
            contacts: None,
            publish_contacts: false,
            ..b.clone()
        })
    } else {
        to_doc(b)
    }
}

/// The `contacts` row a business is stored with (see `Writer::put_contacts`).
fn contacts_row(b: &Business) -> Option<([Option<String>; 6], i64)> {
    match b.contacts.as_ref().filter(|c| !c.is_empty()) {
        Some(c) => {
            let Contacts {
                contact_person,
                phone,
                whatsapp,
                email,
                address,
                website,
            } = c.clone();
            Some((
                [contact_person, phone, whatsapp, email, address, website],
                i64::from(b.publish_contacts),
            ))
        }
        None if b.publish_contacts => Some((Default::default(), 1)),
        None => None,
    }
}

/// The text a business's audit digest is taken of: its document and its contacts row, as
/// `keys::business_digest` reads them back.
pub(super) fn digest_text(doc: &str, contacts: Option<&([Option<String>; 6], i64)>) -> String {
    let mut text = doc.to_string();
    for i in 0..6 {
        text.push('\u{1f}');
        if let Some(v) = contacts.and_then(|(c, _)| c[i].as_deref()) {
            text.push_str(v);
        }
    }
    text.push('\u{1f}');
    text.push_str(&contacts.map_or(0, |(_, p)| *p).to_string());
    text
}

/// Runs `head (?1, ?2, …)` over `ids` in chunks (padded with the last id, so that every
/// chunk is the same prepared statement), calling `f` on every row. Ids holding U+0000 are
/// left out: no stored id has one.
fn each_in(
    db: &mut dyn Sql,
    head: &str,
    ids: &[&str],
    f: &mut dyn FnMut(&R<'_>) -> Result<()>,
) -> Result<()> {
    let ids: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !id.contains('\0'))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = (1..=IN_CHUNK).map(|n| format!("?{n}")).collect();
    let sql = format!("{head} ({})", list.join(", "));
    for chunk in ids.chunks(IN_CHUNK) {
        let mut params: Vec<V<'_>> = chunk.iter().map(|id| t(id)).collect();
        let last = *chunk.last().unwrap_or(&"");
        params.resize(IN_CHUNK, t(last));
        db.each(&sql, &params, f)?;
    }
    Ok(())
}

fn unique(ids: &[String]) -> Vec<&str> {
    let mut seen = HashSet::new();
    ids.iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect()
}

/// A cell of a row to write.
enum Cell {
    T(Option<String>),
    I(Option<i64>),
    F(f64),
}

/// The rows a batch writes into one table.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    /// `ON CONFLICT …` for a keyed table; `None`: rows are only appended.
    conflict: Option<&'static str>,
    rows: Vec<Vec<Cell>>,
}

const BUSINESSES_CONFLICT: &str = "(id) DO UPDATE SET province = excluded.province,
     doc = excluded.doc, seq = excluded.seq";
const DEALS_CONFLICT: &str = "(id) DO UPDATE SET buyer = excluded.buyer,
     seller = excluded.seller, commodity = excluded.commodity, value_idr = excluded.value_idr,
     date = excluded.date, status = excluded.status, doc = excluded.doc, seq = excluded.seq";

impl Writer<'_> {
    /// Fetches what the checks of one batch need (see [`BatchNeeds`]), in a few queries.
    pub fn import_batch(&mut self, needs: &BatchNeeds) -> Result<ImportBatch> {
        let sqlite = matches!(self.tx, Tx::Sqlite(_));
        let db = self.db();
        let last_seq = db.int("SELECT max(seq) FROM changes", &[])?.max(0) as u64;
        let mut provinces = HashMap::new();
        let mut digests = HashMap::new();
        let businesses = unique(&needs.businesses);
        each_in(
            db,
            "SELECT b.id, b.province, b.doc, c.contact_person, c.phone, c.whatsapp, c.email,
                    c.address, c.website, c.publish
             FROM businesses b LEFT JOIN contacts c ON c.business_id = b.id WHERE b.id IN",
            &businesses,
            &mut |r| {
                let id = r.text(0)?;
                let mut contacts: [Option<String>; 6] = Default::default();
                for (i, c) in contacts.iter_mut().enumerate() {
                    *c = r.opt_text(3 + i)?;
                }
                let row = (contacts, r.opt_int(9)?.unwrap_or(0));
                let text = digest_text(&r.text(2)?, Some(&row));
                digests.insert(id.clone(), keys::digest(&text));
                provinces.insert(id, r.text(1)?);
                Ok(())
            },
        )?;
        let parties: Vec<&str> = unique(&needs.parties)
            .into_iter()
            .filter(|id| !provinces.contains_key(*id))
            .collect();
        // The parties' provinces from the narrow index of ids and provinces: through the
        // primary key each would be a read of the business's page of the (large) table.
        let parties_sql = if sqlite {
            "SELECT id, province FROM businesses INDEXED BY businesses_keys WHERE id IN"
        } else {
            "SELECT id, province FROM businesses WHERE id IN"
        };
        each_in(db, parties_sql, &parties, &mut |r| {
            provinces.insert(r.text(0)?, r.text(1)?);
            Ok(())
        })?;
        let absent: Vec<&str> = businesses
            .into_iter()
            .filter(|id| !provinces.contains_key(*id))
            .collect();
        let mut tombstones = HashMap::new();
        each_in(
            db,
            "SELECT id, deleted_seq FROM tombstones WHERE id IN",
            &absent,
            &mut |r| {
                tombstones.insert(r.text(0)?, r.int(1)? as u64);
                Ok(())
            },
        )?;
        let mut deals = HashMap::new();
        each_in(
            db,
            "SELECT id, doc FROM deals WHERE id IN",
            &unique(&needs.deals),
            &mut |r| {
                let text = r.text(1)?;
                deals.insert(r.text(0)?, (parse_doc::<Deal>(&text)?, text));
                Ok(())
            },
        )?;
        // A deal without an id takes `d-{its sequence}`: the sequences this batch can give.
        let mut taken = HashSet::new();
        let mut candidates_upto = last_seq;
        if needs.unnamed_deals > 0 {
            candidates_upto += needs.records as u64;
            let candidates: Vec<String> = (1..=needs.records as u64)
                .map(|k| format!("d-{:06}", last_seq + k))
                .collect();
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            each_in(
                db,
                "SELECT id FROM deals WHERE id IN",
                &candidates,
                &mut |r| {
                    taken.insert(r.text(0)?);
                    Ok(())
                },
            )?;
        }
        Ok(ImportBatch {
            provinces,
            digests,
            tombstones,
            deals,
            taken,
            last_seq,
            candidates_upto,
            ops: Vec::new(),
        })
    }

    /// Writes a batch's records: with `COPY` on PostgreSQL, row by row on SQLite (see the
    /// module comment).
    pub fn write_import_batch(&mut self, batch: ImportBatch) -> Result<()> {
        if batch.ops.is_empty() {
            return Ok(());
        }
        self.defer_indexes(batch.ops.len())?;
        self.changed = true;
        let (key_id, role, route, request_id) = keys::current_actor();
        let at = crate::auth::now_utc();
        let mut changes = Vec::new();
        let mut audit = Vec::new();
        // Businesses and deals once each, at their first write, with their last values (a
        // record written twice is replaced, keeping its place).
        let mut businesses: Vec<Vec<Cell>> = Vec::new();
        let mut contacts: Vec<Vec<Cell>> = Vec::new();
        let mut business_at: HashMap<String, usize> = HashMap::new();
        let mut deals: Vec<Vec<Cell>> = Vec::new();
        let mut deal_at: HashMap<String, usize> = HashMap::new();
        let text = |s: &str| Cell::T(Some(s.to_string()));
        for op in batch.ops {
            let (entity, id, province, seq, before, after) = match op {
                Op::Business {
                    row,
                    seq,
                    before,
                    after,
                } => {
                    let b = &row.business;
                    let cells = vec![
                        text(&b.id),
                        text(&b.province),
                        Cell::T(Some(row.doc)),
                        Cell::I(Some(seq as i64)),
                    ];
                    let contact = row.contacts.map(|([p, ph, wa, em, ad, web], publish)| {
                        vec![
                            text(&b.id),
                            Cell::T(p),
                            Cell::T(ph),
                            Cell::T(wa),
                            Cell::T(em),
                            Cell::T(ad),
                            Cell::T(web),
                            Cell::I(Some(publish)),
                        ]
                    });
                    match business_at.get(&b.id) {
                        Some(&n) => {
                            businesses[n] = cells;
                            contacts[n] = contact.unwrap_or_default();
                        }
                        None => {
                            business_at.insert(b.id.clone(), businesses.len());
                            businesses.push(cells);
                            contacts.push(contact.unwrap_or_default());
                        }
                    }
                    (
                        Entity::Business,
                        b.id.clone(),
                        Some(b.province.clone()),
                        seq,
                        before,
                        Some(after),
                    )
                }
                Op::Deal {
                    deal,
                    doc,
                    seq,
                    before,
                    province,
                } => {
                    let id = deal.id.clone().unwrap_or_default();
                    let after = keys::digest(&doc);
                    let cells = vec![
                        text(&id),
                        text(&deal.buyer),
                        text(&deal.seller),
                        text(&deal.commodity),
                        Cell::F(deal.value_idr),
                        text(&deal.date),
                        text(deal.status.as_str()),
                        Cell::T(Some(doc)),
                        Cell::I(Some(seq as i64)),
                    ];
                    match deal_at.get(&id) {
                        Some(&n) => deals[n] = cells,
                        None => {
                            deal_at.insert(id.clone(), deals.len());
                            deals.push(cells);
                        }
                    }
                    (Entity::Deal, id, province, seq, before, Some(after))
                }
            };
            changes.push(vec![
                Cell::I(Some(seq as i64)),
                text(entity.as_str()),
                text(&id),
            ]);
            audit.push(vec![
                text(&at),
                text(&key_id),
                text(role),
                text(&route),
                Cell::T(request_id.clone()),
                text(entity.as_str()),
                Cell::T(Some(id)),
                Cell::T(province),
                Cell::I(Some(seq as i64)),
                Cell::T(before),
                Cell::T(after),
            ]);
        }
        // The batch's businesses lose their old contacts rows; the new ones are appended.
        let ids: Vec<&str> = business_at.keys().map(String::as_str).collect();
        each_in_exec(self.db(), "DELETE FROM contacts WHERE business_id IN", &ids)?;
        let tables = [
            Table {
                name: "changes",
                columns: &["seq", "entity", "entity_id"],
                conflict: None,
                rows: changes,
            },
            Table {
                name: "businesses",
                columns: &["id", "province", "doc", "seq"],
                conflict: Some(BUSINESSES_CONFLICT),
                rows: businesses,
            },
            Table {
                name: "contacts",
                columns: &[
                    "business_id",
                    "contact_person",
                    "phone",
                    "whatsapp",
                    "email",
                    "address",
                    "website",
                    "publish",
                ],
                conflict: None,
                rows: contacts.into_iter().filter(|r| !r.is_empty()).collect(),
            },
            Table {
                name: "deals",
                columns: &[
                    "id",
                    "buyer",
                    "seller",
                    "commodity",
                    "value_idr",
                    "date",
                    "status",
                    "doc",
                    "seq",
                ],
                conflict: Some(DEALS_CONFLICT),
                rows: deals,
            },
            Table {
                name: "audit",
                columns: &[
                    "at",
                    "key_id",
                    "role",
                    "route",
                    "request_id",
                    "entity",
                    "entity_id",
                    "province",
                    "seq",
                    "before",
                    "after",
                ],
                conflict: None,
                rows: audit,
            },
        ];
        let copy = matches!(self.tx, Tx::Postgres(_)) && !rows_forced();
        for table in &tables {
            if table.rows.is_empty() {
                continue;
            }
            if copy {
                self.copy_table(table)?;
            } else {
                insert_rows(self.db(), table)?;
            }
        }
        if let Tx::Postgres(tx) = &mut self.tx {
            tx.sequence_past(batch.last_seq)?;
        }
        Ok(())
    }

    /// Appends a table's rows with `COPY … FROM STDIN`; a keyed table's go through a
    /// temporary staging table and `INSERT … SELECT … ON CONFLICT`, in the batch's order.
    fn copy_table(&mut self, table: &Table) -> Result<()> {
        let Tx::Postgres(tx) = &mut self.tx else {
            return Err(Error::Corrupt("COPY is PostgreSQL's".into()));
        };
        let columns = table.columns.join(", ");
        let mut data = Vec::new();
        for (n, row) in table.rows.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    data.push(b'\t');
                }
                copy_cell(&mut data, cell)?;
            }
            if table.conflict.is_some() {
                data.extend_from_slice(format!("\t{n}").as_bytes());
            }
            data.push(b'\n');
        }
        let Some(conflict) = table.conflict else {
            return tx.copy_in(
                &format!("COPY {} ({columns}) FROM STDIN", table.name),
                &data,
            );
        };
        let stage = format!("jalin_stage_{}", table.name);
        tx.batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS
                 SELECT {columns}, 0::BIGINT AS ord FROM {name} WITH NO DATA;
             TRUNCATE {stage}",
            name = table.name
        ))?;
        tx.copy_in(&format!("COPY {stage} ({columns}, ord) FROM STDIN"), &data)?;
        tx.batch(&format!(
            "INSERT INTO {name} ({columns}) SELECT {columns} FROM {stage} ORDER BY ord
             ON CONFLICT {conflict}",
            name = table.name
        ))
    }
}

/// `JALIN_IMPORT_WRITES=rows`: PostgreSQL imports insert row by row as SQLite does (the
/// import benchmark's "before").
fn rows_forced() -> bool {
    std::env::var("JALIN_IMPORT_WRITES").is_ok_and(|v| v == "rows")
}

/// Runs `head (?1, …)` as a statement over `ids` in chunks (see [`each_in`]).
fn each_in_exec(db: &mut dyn Sql, head: &str, ids: &[&str]) -> Result<()> {
    let list: Vec<String> = (1..=IN_CHUNK).map(|n| format!("?{n}")).collect();
    let sql = format!("{head} ({})", list.join(", "));
    let ids: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !id.contains('\0'))
        .collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let mut params: Vec<V<'_>> = chunk.iter().map(|id| t(id)).collect();
        let last = *chunk.last().unwrap_or(&"");
        params.resize(IN_CHUNK, t(last));
        db.exec(&sql, &params)?;
    }
    Ok(())
}

/// A table's rows, one `INSERT` each.
fn insert_rows(db: &mut dyn Sql, table: &Table) -> Result<()> {
    let list: Vec<String> = (1..=table.columns.len()).map(|n| format!("?{n}")).collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        table.columns.join(", "),
        list.join(", ")
    );
    if let Some(conflict) = table.conflict {
        sql.push_str(" ON CONFLICT");
        sql.push_str(conflict);
    }
    for row in &table.rows {
        let params: Vec<V<'_>> = row
            .iter()
            .map(|c| match c {
                Cell::T(s) => V::T(s.as_deref()),
                Cell::I(n) => V::I(*n),
                Cell::F(x) => V::F(*x),
            })
            .collect();
        db.exec(&sql, &params)?;
    }
    Ok(())
}

/// One cell in `COPY`'s text format: `\N` for null, backslash escapes for the separators.
fn copy_cell(out: &mut Vec<u8>, cell: &Cell) -> Result<()> {
    match cell {
        Cell::T(None) | Cell::I(None) => out.extend_from_slice(b"\\N"),
        Cell::I(Some(n)) => out.extend_from_slice(n.to_string().as_bytes()),
        Cell::F(x) => {
            let s = if x.is_nan() {
                "NaN".to_string()
            } else if x.is_infinite() {
                if *x > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
            } else {
                // Rust prints the shortest text that reads back as the same double.
                format!("{x}")
            };
            out.extend_from_slice(s.as_bytes());
        }
        Cell::T(Some(s)) => {
            for b in s.bytes() {
                match b {
                    0 => return Err(super::postgres::nul_refused()),
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
    Ok(())
}

/// The secondary indexes a large import may drop and build again at its commit, by table,
/// with the statements that build them (as their migrations do).
const DEFERRABLE: &[(&str, &[(&str, &str)])] = &[
    (
        "deals",
        &[
            ("deals_buyer", "CREATE INDEX deals_buyer ON deals(buyer)"),
            ("deals_seller", "CREATE INDEX deals_seller ON deals(seller)"),
            ("deals_seq", "CREATE INDEX deals_seq ON deals(seq)"),
        ],
    ),
    (
        "audit",
        &[
            (
                "audit_entity",
                "CREATE INDEX audit_entity ON audit(entity_id)",
            ),
            ("audit_key", "CREATE INDEX audit_key ON audit(key_id)"),
            (
                "audit_entity_kind",
                "CREATE INDEX audit_entity_kind ON audit(entity)",
            ),
        ],
    ),
];

/// A batch of at least this many writes marks an import as large enough to defer indexes.
pub(super) const DEFER_MIN_BATCH: usize = 5_000;

/// A table's indexes are deferred only while it holds fewer rows than this: rebuilding them
/// then costs a fraction of a second, where inserting millions of rows into them one by one,
/// at random places of B-trees larger than the page cache, costs minutes.
const DEFER_MAX_ROWS: i64 = 100_000;

/// The writer's page cache while a large import runs, in KiB (2 GB): the tables' primary
/// keys (deal ids, business ids) take inserts at random places, and every deal looks its
/// parties up; with those B-trees in the cache each costs memory, not a page read. A page
/// read inside a long transaction is the worst kind: the page is in the WAL, and SQLite's
/// look-up of a WAL frame walks one hash table per 4,096 frames written (18 % of a 1 M-listing
/// import's time with the 64 MB cache, and growing with the import).
const BULK_CACHE_KIB: i64 = 2 << 20;

/// What a large import into SQLite changed for its duration (see
/// [`Writer::defer_indexes`]): the indexes it dropped, to build again before it commits, and
/// whether it raised the page cache.
#[derive(Debug, Default)]
pub(super) struct Deferred {
    /// Looked at already (once per transaction).
    checked: bool,
    /// `CREATE INDEX` statements to run before the commit.
    indexes: Vec<&'static str>,
    cache_raised: bool,
}

impl Writer<'_> {
    /// For a large import into SQLite (its first batch of at least [`DEFER_MIN_BATCH`]
    /// writes), once per transaction: raises the writer's page cache to [`BULK_CACHE_KIB`],
    /// and drops the secondary indexes of the `deals` and `audit` tables that hold fewer than
    /// [`DEFER_MAX_ROWS`] rows, to be built again, sorted, just before the commit
    /// (`Writer::finish`). All inside the import's transaction: a rollback restores them, and
    /// no commit lands without them. Reads during the import use the primary keys only.
    /// Returns how many indexes it dropped.
    pub(super) fn defer_indexes(&mut self, batch_writes: usize) -> Result<usize> {
        if self.deferred.checked
            || batch_writes < DEFER_MIN_BATCH
            || !matches!(self.tx, Tx::Sqlite(_))
        {
            return Ok(0);
        }
        self.deferred.checked = true;
        let db = self.db();
        db.exec(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"), &[])?;
        self.deferred.cache_raised = true;
        let mut dropped = Vec::new();
        for (table, indexes) in DEFERRABLE {
            let rows = self.db().int(
                &format!("SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {DEFER_MAX_ROWS})"),
                &[],
            )?;
            if rows >= DEFER_MAX_ROWS {
                continue;
            }
            for (name, create) in *indexes {
                let exists = self.db().int(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    &[t(name)],
                )?;
                if exists > 0 {
                    self.db().exec(&format!("DROP INDEX {name}"), &[])?;
                    dropped.push(*create);
                }
            }
        }
        let n = dropped.len();
        self.deferred.indexes = dropped;
        Ok(n)
    }

    /// Builds the indexes [`Writer::defer_indexes`] dropped (before a commit).
    pub(super) fn build_deferred(&mut self) -> Result<()> {
        for create in std::mem::take(&mut self.deferred.indexes) {
            self.db().exec(create, &[])?;
        }
        Ok(())
    }

    /// Puts the writer's page cache back to its usual size, if a large import raised it.
    /// A failure only leaves the cache larger.
    pub(super) fn restore_cache(&mut self) {
        if std::mem::take(&mut self.deferred.cache_raised) {
            let sql = format!("PRAGMA cache_size = -{}", super::sqlite::WRITER_CACHE_KIB);
            let _ = self.db().exec(&sql, &[]);
        }
    }
}

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
