//! The system of record, the only module that knows SQL: SQLite (the default, a file in the
//! data directory) or PostgreSQL (shared by several replicas), behind one [`Store`] and one
//! [`Writer`], so the engine does not know which it talks to.
//!
//! Every write runs in a transaction and appends to the `changes` table, whose
//! autoincrement key is the store's **change sequence**. Derived structures (the search
//! index, the deal graph) remember the last sequence they hold and catch up from it, so they
//! can always be rebuilt from here. Both backends commit sequences in order (SQLite has one
//! writer; PostgreSQL writes take an advisory lock first, see `postgres.rs`), so a reader that
//! has applied everything up to `seq` only ever needs the changes after it.
//!
//! Records are kept as their JSON documents plus the columns queries need; schema changes
//! are numbered migrations applied in order, written once per backend (`sqlite.rs`,
//! `postgres.rs`). The queries are written once, in the SQL both understand, against the
//! narrow interface of `db.rs`. A new table is a migration in each backend's list and its
//! queries in a file of its own here (as `keys.rs`).

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Business, Contacts, Deal};

mod backup;
mod bulk;
mod db;
mod deals;
mod keys;
mod missions;
mod pages;
mod postgres;
mod sqlite;

pub use backup::backup_file;
pub use bulk::{BatchNeeds, ImportBatch};
use db::{Sql, V, i, t};
pub use keys::{Actor, AuditEntry, AuditQuery, PendingDeal, with_actor};
pub use missions::{CommitmentRow, MissionRow};
pub use postgres::Listener;

/// Which kind of record a change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Business,
    Deal,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Business => "business",
            Entity::Deal => "deal",
        }
    }
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

/// The store: SQLite or PostgreSQL. Reads take a reader connection of their own, so they
/// never wait for a write transaction; writes go one at a time through [`Store::write`].
pub struct Store {
    backend: Backend,
    /// The file of a temporary SQLite store, removed on drop.
    temporary: Option<std::path::PathBuf>,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(path) = &self.temporary {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub businesses: u64,
    pub deals: u64,
    pub last_seq: u64,
}

thread_local! {
    /// The latest moment a write on this thread may commit (see [`with_deadline`]).
    static DEADLINE: std::cell::Cell<Option<std::time::Instant>> =
        const { std::cell::Cell::new(None) };
}

/// Runs `f` with a deadline for the store writes it makes on this thread: a write that
/// could not commit by then rolls back and fails with [`Error::Busy`], so a caller that was
/// told "busy" can be sure nothing was written. The API runs every write this way.
pub fn with_deadline<T>(deadline: std::time::Instant, f: impl FnOnce() -> T) -> T {
    let before = DEADLINE.with(|d| d.replace(Some(deadline)));
    let out = f();
    DEADLINE.with(|d| d.set(before));
    out
}

fn check_deadline() -> Result<()> {
    match DEADLINE.with(std::cell::Cell::get) {
        Some(d) if std::time::Instant::now() >= d => Err(Error::Busy(
            "another write held the store too long (an import, say); nothing was written, \
             retry shortly"
                .to_string(),
        )),
        _ => Ok(()),
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store {
            backend: Backend::Sqlite(sqlite::Sqlite::open(path)?),
            temporary: None,
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user@host:port/db`; a
    /// Unix socket directory as a percent-encoded host) and brings its schema up to date.
    pub fn open_postgres(url: &str) -> Result<Store> {
        Ok(Store {
            backend: Backend::Postgres(Box::new(postgres::Postgres::open(url)?)),
            temporary: None,
        })
    }

    /// A store in a new schema of the PostgreSQL database at `url`, dropped with the store:
    /// for tests.
    pub fn open_postgres_temporary(url: &str) -> Result<Store> {
        Ok(Store {
            backend: Backend::Postgres(Box::new(postgres::Postgres::open_temporary(url)?)),
            temporary: None,
        })
    }

    /// A store in a new temporary file, deleted when the store is dropped: for tests and
    /// benchmarks. (A file, not `:memory:`, so that readers and the writer are separate
    /// connections exactly as in service.)
    pub fn open_temporary() -> Result<Store> {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("jalin-{}-{n}-{nanos}.db", std::process::id()));
        let mut store = Store::open(&path)?;
        store.temporary = Some(path);
        Ok(store)
    }

    /// Whether opening this PostgreSQL store created its schema (the database held no jalin
    /// tables): of several replicas starting together on a new database, exactly one sees
    /// true. Always false for SQLite, whose new file the caller sees before opening it.
    pub fn created_schema(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(_) => false,
            Backend::Postgres(p) => p.created(),
        }
    }

    /// Which backend this is: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A connection that waits for other processes' commits: PostgreSQL only (with SQLite
    /// this process is the only writer).
    pub fn listener(&self) -> Option<Listener> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => Some(Listener::new(p.config().clone())),
        }
    }

    /// A reader connection of a SQLite store (its backups); a PostgreSQL store is backed up
    /// with PostgreSQL's own tools.
    fn sqlite_conn(&self) -> Result<std::sync::MutexGuard<'_, rusqlite::Connection>> {
        match &self.backend {
            Backend::Sqlite(s) => Ok(s.conn()),
            Backend::Postgres(_) => Err(Error::invalid(
                "database_url",
                "a PostgreSQL store is backed up with PostgreSQL's tools (pg_dump, \
                 pg_basebackup, WAL archiving); jalin backup copies SQLite stores",
            )),
        }
    }

    /// Runs `f` on a reader connection.
    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let mut conn = s.conn();
                f(&mut *conn)
            }
            Backend::Postgres(p) => p.with_reader(|c| f(c)),
        }
    }

    /// Runs `f` in one read snapshot: reads that must agree with each other.
    fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let conn = s.conn();
                let mut tx = conn.unchecked_transaction()?;
                let out = f(&mut tx)?;
                tx.commit()?;
                Ok(out)
            }
            Backend::Postgres(p) => p.snapshot(f),
        }
    }

    /// Runs `f` in one transaction; commits if it returns `Ok`, rolls back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.write_or_roll_back(|w| f(w).map(|out| (out, true)))
    }

    /// Runs `f` in one transaction and commits only when it returns `Ok((_, true))`; with
    /// `false` (a dry run, an import with bad rows) everything it wrote is rolled back.
    pub fn write_or_roll_back<T>(
        &self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<(T, bool)>,
    ) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let mut conn = s.writer_in_time()?;
                check_deadline()?;
                let tx = conn.transaction()?;
                Writer::run(Tx::Sqlite(tx), f)
            }
            Backend::Postgres(p) => {
                let mut conn = p.writer_in_time()?;
                check_deadline()?;
                let tx = p.begin(&mut conn)?;
                Writer::run(Tx::Postgres(tx), f)
            }
        }
    }

    /// After a bulk import: SQLite copies its WAL into the database and truncates it
    /// (waiting for readers that hold an older snapshot); PostgreSQL has nothing to do.
    pub fn checkpoint(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.checkpoint(),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// A business with its contacts: the one read that returns them (a business's own page;
    /// who may see them is the caller's to decide).
    pub fn get_business(&self, id: &str) -> Result<Option<Business>> {
        let Some((_, mut b)) = self.get_business_keyed(id)? else {
            return Ok(None);
        };
        let contacts = self.read(|db| {
            db.one(
                "SELECT contact_person, phone, whatsapp, email, address, website, publish
                 FROM contacts WHERE business_id = ?1",
                &[t(id)],
                |r| {
                    Ok((
                        Contacts {
                            contact_person: r.opt_text(0)?,
                            phone: r.opt_text(1)?,
                            whatsapp: r.opt_text(2)?,
                            email: r.opt_text(3)?,
                            address: r.opt_text(4)?,
                            website: r.opt_text(5)?,
                        },
                        r.int(6)? != 0,
                    ))
                },
            )
        })?;
        if let Some((c, publish)) = contacts {
            b.contacts = Some(c).filter(|c| !c.is_empty());
            b.publish_contacts = publish;
        }
        Ok(Some(b))
    }

    /// A business with its stable numeric key (a row id that survives updates), without its
    /// contacts: what the index and the planner read.
    pub fn get_business_keyed(&self, id: &str) -> Result<Option<(u64, Business)>> {
        let row = self.read(|db| {
            db.one(
                "SELECT rowid, doc FROM businesses WHERE id = ?1",
                &[t(id)],
                |r| Ok((r.int(0)?, r.text(1)?)),
            )
        })?;
        row.map(|(k, d)| Ok((k as u64, parse_doc(&d)?))).transpose()
    }

    /// The numeric key of a business.
    pub fn business_key(&self, id: &str) -> Result<Option<u64>> {
        let k = self.read(|db| {
            db.one(
                "SELECT rowid FROM businesses WHERE id = ?1",
                &[t(id)],
                |r| r.int(0),
            )
        })?;
        Ok(k.map(|k| k as u64))
    }

    pub fn counts(&self) -> Result<Counts> {
        self.snapshot(|db| {
            Ok(Counts {
                businesses: db.int("SELECT count(*) FROM businesses", &[])? as u64,
                deals: db.int("SELECT count(*) FROM deals", &[])? as u64,
                last_seq: last_seq(db)?,
            })
        })
    }

    pub fn last_seq(&self) -> Result<u64> {
        self.read(last_seq)
    }

    /// The businesses changed after `seq` (created, replaced or deleted), each once, and the
    /// sequence they bring the caller up to.
    pub fn businesses_changed_since(&self, seq: u64) -> Result<(Vec<String>, u64)> {
        // One read transaction, so the ids and the sequence they bring us to come from the
        // same snapshot: a write committed in between must not be counted as applied.
        self.snapshot(|db| {
            let ids = db.all(
                "SELECT entity_id, max(seq) FROM changes
                 WHERE seq > ?1 AND entity = 'business' GROUP BY entity_id",
                &[i(seq as i64)],
                |r| r.text(0),
            )?;
            Ok((ids, last_seq(db)?))
        })
    }

    /// Calls `f` on every business with its key, in key order, in batches so memory stays
    /// flat. Without contacts: what is read here feeds the index and listings, never a
    /// business's own page.
    pub fn for_each_business(&self, mut f: impl FnMut(u64, Business) -> Result<()>) -> Result<()> {
        let mut after: i64 = 0;
        loop {
            let batch: Vec<(i64, String)> = self.read(|db| {
                db.all(
                    "SELECT rowid, doc FROM businesses WHERE rowid > ?1 ORDER BY rowid LIMIT 2000",
                    &[i(after)],
                    |r| Ok((r.int(0)?, r.text(1)?)),
                )
            })?;
            let Some((last, _)) = batch.last() else {
                return Ok(());
            };
            after = *last;
            for (key, doc) in batch {
                f(key as u64, parse_doc(&doc)?)?;
            }
        }
    }

    /// Every business's id, key and province, in key order.
    pub fn business_keys(&self, mut f: impl FnMut(&str, u64, &str)) -> Result<()> {
        self.read(|db| {
            db.each(
                "SELECT id, rowid, province FROM businesses ORDER BY rowid",
                &[],
                &mut |r| {
                    f(&r.text(0)?, r.int(1)? as u64, &r.text(2)?);
                    Ok(())
                },
            )
        })
    }

    /// [`Store::business_keys`] in no particular order, read from the narrow index of ids,
    /// provinces and keys (`businesses_keys`) instead of the business documents' pages.
    pub fn business_keys_unordered(&self, mut f: impl FnMut(&str, u64, &str)) -> Result<()> {
        self.read(|db| {
            db.each(
                "SELECT id, rowid, province FROM businesses",
                &[],
                &mut |r| {
                    f(&r.text(0)?, r.int(1)? as u64, &r.text(2)?);
                    Ok(())
                },
            )
        })
    }

    /// Every deal with its parties' current provinces (`None` for a deleted party), in
    /// change order, without parsing the JSON documents.
    pub fn deal_rows(&self, f: impl FnMut(DealRow) -> Result<()>) -> Result<()> {
        self.deal_rows_after(0, f)
    }

    /// [`Store::deal_rows`] for the deals written after change `seq`.
    ///
    /// The parties' provinces come from a map of the businesses (all of them read at once
    /// for a full read, one by one and remembered for a short tail), not from a join: a join
    /// looks each party up in the businesses' id index, two random page reads per deal,
    /// which at millions of deals costs a minute where the map costs a second.
    pub fn deal_rows_after(
        &self,
        seq: u64,
        mut f: impl FnMut(DealRow) -> Result<()>,
    ) -> Result<()> {
        const DEALS: &str = "SELECT id, buyer, seller, commodity, value_idr, date, status, seq
             FROM deals WHERE seq > ?1 ORDER BY seq";
        fn row(r: &db::R<'_>) -> Result<DealRow> {
            Ok(DealRow {
                id: r.text(0)?,
                buyer: r.text(1)?,
                seller: r.text(2)?,
                buyer_province: None,
                seller_province: None,
                commodity: r.text(3)?,
                value_idr: r.real(4)?,
                date: r.text(5)?,
                status: r.text(6)?,
                seq: r.int(7)? as u64,
            })
        }
        self.snapshot(|db| {
            if seq == 0 {
                // Everything: every business's province first, then the deals streamed.
                let mut provinces: HashMap<String, String> = HashMap::new();
                db.each("SELECT id, province FROM businesses", &[], &mut |r| {
                    provinces.insert(r.text(0)?, r.text(1)?);
                    Ok(())
                })?;
                return db.each(DEALS, &[i(0)], &mut |r| {
                    let mut d = row(r)?;
                    d.buyer_province = provinces.get(&d.buyer).cloned();
                    d.seller_province = provinces.get(&d.seller).cloned();
                    f(d)
                });
            }
            // A tail: its deals, then their parties' provinces one by one.
            let deals = db.all(DEALS, &[i(seq as i64)], row)?;
            let mut provinces: HashMap<String, Option<String>> = HashMap::new();
            for mut d in deals {
                for party in [d.buyer.clone(), d.seller.clone()] {
                    if let std::collections::hash_map::Entry::Vacant(e) = provinces.entry(party) {
                        let p = db.one(
                            "SELECT province FROM businesses WHERE id = ?1",
                            &[t(e.key())],
                            |r| r.text(0),
                        )?;
                        e.insert(p);
                    }
                }
                d.buyer_province = provinces.get(&d.buyer).cloned().flatten();
                d.seller_province = provinces.get(&d.seller).cloned().flatten();
                f(d)?;
            }
            Ok(())
        })
    }

    /// How many deals were last written at or before change `seq`.
    pub fn deal_count_upto(&self, seq: u64) -> Result<u64> {
        let n = self.read(|db| {
            db.int(
                "SELECT count(*) FROM deals WHERE seq <= ?1",
                &[i(seq as i64)],
            )
        })?;
        Ok(n as u64)
    }

    /// One stored deal by id (deals stay when their parties are deleted).
    pub fn get_deal(&self, id: &str) -> Result<Option<Deal>> {
        let doc = self.read(|db| {
            db.one("SELECT doc FROM deals WHERE id = ?1", &[t(id)], |r| {
                r.text(0)
            })
        })?;
        doc.map(|d| parse_doc(&d)).transpose()
    }

    /// The deals a business took part in, as buyer or seller, newest first.
    pub fn deals_of(&self, business: &str, limit: usize) -> Result<Vec<Deal>> {
        let docs = self.read(|db| {
            db.all(
                "SELECT doc FROM deals WHERE buyer = ?1 OR seller = ?1
                 ORDER BY date DESC, id LIMIT ?2",
                &[t(business), i(limit as i64)],
                |r| r.text(0),
            )
        })?;
        docs.iter().map(|d| parse_doc(d)).collect()
    }
}

/// A deal as the deal network needs it.
#[derive(Debug, Clone)]
pub struct DealRow {
    pub id: String,
    pub buyer: String,
    pub seller: String,
    pub buyer_province: Option<String>,
    pub seller_province: Option<String>,
    pub commodity: String,
    pub value_idr: f64,
    pub date: String,
    pub status: String,
    /// The change sequence of the deal's write.
    pub seq: u64,
}

fn last_seq(db: &mut dyn Sql) -> Result<u64> {
    Ok(db.int("SELECT max(seq) FROM changes", &[])?.max(0) as u64)
}

fn parse_doc<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::Corrupt(e.to_string()))
}

fn to_doc<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}

/// A write transaction of either backend.
enum Tx<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres(postgres::PgTx<'c>),
}

/// Writes inside one open transaction; see [`Store::write`].
pub struct Writer<'c> {
    tx: Tx<'c>,
    /// Whether a change was logged (PostgreSQL then notifies the other replicas).
    changed: bool,
    /// What a bulk import deferred to its commit (`bulk::Deferred`).
    deferred: bulk::Deferred,
}

impl<'c> Writer<'c> {
    /// Runs `f` in the transaction `tx`, then commits or rolls back.
    fn run<T>(tx: Tx<'c>, f: impl FnOnce(&mut Writer<'c>) -> Result<(T, bool)>) -> Result<T> {
        let mut w = Writer {
            tx,
            changed: false,
            deferred: bulk::Deferred::default(),
        };
        match f(&mut w) {
            // A write whose caller has given up (the API answered it 503) must not land
            // later: past the deadline it rolls back instead of committing.
            Ok((out, true)) => match check_deadline() {
                Ok(()) => {
                    w.finish(true)?;
                    Ok(out)
                }
                Err(e) => {
                    w.finish(false)?;
                    Err(e)
                }
            },
            Ok((out, false)) => {
                w.finish(false)?;
                Ok(out)
            }
            Err(e) => {
                // The error is what the caller needs; a failed rollback (a lost
                // connection) leaves nothing committed either.
                let _ = w.finish(false);
                Err(e)
            }
        }
    }

    fn finish(mut self, commit: bool) -> Result<()> {
        // Indexes a bulk import dropped are built again inside the transaction, so a commit
        // never lands without them (a rollback brings them back by itself).
        if commit {
            self.build_deferred()?;
        }
        self.restore_cache();
        match (self.tx, commit) {
            (Tx::Sqlite(tx), true) => Ok(tx.commit()?),
            (Tx::Sqlite(tx), false) => Ok(tx.rollback()?),
            (Tx::Postgres(tx), true) => tx.commit(self.changed),
            (Tx::Postgres(tx), false) => tx.rollback(),
        }
    }

    fn db(&mut self) -> &mut dyn Sql {
        match &mut self.tx {
            Tx::Sqlite(tx) => tx,
            Tx::Postgres(tx) => tx,
        }
    }
}

impl Writer<'_> {
    fn change(&mut self, entity: Entity, id: &str) -> Result<u64> {
        self.changed = true;
        let seq = self.db().one(
            "INSERT INTO changes (entity, entity_id) VALUES (?1, ?2) RETURNING seq",
            &[t(entity.as_str()), t(id)],
            |r| r.int(0),
        )?;
        seq.map(|s| s as u64)
            .ok_or_else(|| Error::Corrupt("the change log gave no sequence".into()))
    }

    /// Creates or replaces a business (already validated). Returns its change sequence and
    /// whether it existed before.
    pub fn put_business(&mut self, b: &Business) -> Result<(u64, bool)> {
        let before = self.business_digest(&b.id)?;
        let existed = before.is_some();
        if !existed && let Some(seq) = self.tombstone(&b.id)? {
            return Err(Error::Conflict(crate::model::FieldError::new(
                "id",
                format!(
                    "{:?} was the id of a business deleted at change {seq}; a deleted \
                     business's id is never given to another (its deals stay its own): choose \
                     another id",
                    b.id
                ),
            )));
        }
        let seq = self.change(Entity::Business, &b.id)?;
        self.put_contacts(b)?;
        // The contacts live in their own table (migration 3), never in the document.
        let doc = bulk::business_doc(b)?;
        self.db().exec(
            "INSERT INTO businesses (id, province, doc, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET province = excluded.province,
                 doc = excluded.doc, seq = excluded.seq",
            &[t(&b.id), t(&b.province), t(&doc), i(seq as i64)],
        )?;
        let after = self.business_digest(&b.id)?;
        self.audit(
            "business",
            &b.id,
            Some(&b.province),
            Some(seq),
            before.as_deref(),
            after.as_deref(),
        )?;
        Ok((seq, existed))
    }

    fn put_contacts(&mut self, b: &Business) -> Result<()> {
        let Some(c) = b.contacts.as_ref().filter(|c| !c.is_empty()) else {
            self.db()
                .exec("DELETE FROM contacts WHERE business_id = ?1", &[t(&b.id)])?;
            if b.publish_contacts {
                self.db().exec(
                    "INSERT INTO contacts (business_id, publish) VALUES (?1, 1)",
                    &[t(&b.id)],
                )?;
            }
            return Ok(());
        };
        self.db().exec(
            "INSERT INTO contacts
                 (business_id, contact_person, phone, whatsapp, email, address, website, publish)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(business_id) DO UPDATE SET contact_person = excluded.contact_person,
                 phone = excluded.phone, whatsapp = excluded.whatsapp, email = excluded.email,
                 address = excluded.address, website = excluded.website,
                 publish = excluded.publish",
            &[
                t(&b.id),
                V::T(c.contact_person.as_deref()),
                V::T(c.phone.as_deref()),
                V::T(c.whatsapp.as_deref()),
                V::T(c.email.as_deref()),
                V::T(c.address.as_deref()),
                V::T(c.website.as_deref()),
                i(i64::from(b.publish_contacts)),
            ],
        )?;
        Ok(())
    }

    /// Deletes a business and its contacts; its deals stay as history. Returns the change
    /// sequence, or `None` when there was no such business.
    pub fn delete_business(&mut self, id: &str) -> Result<Option<u64>> {
        let before = self.business_digest(id)?;
        let province = self.business_province(id)?;
        let n = self
            .db()
            .exec("DELETE FROM businesses WHERE id = ?1", &[t(id)])?;
        if n == 0 {
            return Ok(None);
        }
        self.db()
            .exec("DELETE FROM contacts WHERE business_id = ?1", &[t(id)])?;
        let seq = self.change(Entity::Business, id)?;
        self.db().exec(
            "INSERT INTO tombstones (id, province, deleted_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET province = excluded.province,
                 deleted_seq = excluded.deleted_seq",
            &[t(id), V::T(province.as_deref()), i(seq as i64)],
        )?;
        self.audit(
            "business",
            id,
            province.as_deref(),
            Some(seq),
            before.as_deref(),
            None,
        )?;
        Ok(Some(seq))
    }

    /// The change that deleted business `id`, if one did (its id is retired).
    pub fn tombstone(&mut self, id: &str) -> Result<Option<u64>> {
        let seq = self.db().one(
            "SELECT deleted_seq FROM tombstones WHERE id = ?1",
            &[t(id)],
            |r| r.int(0),
        )?;
        Ok(seq.map(|s| s as u64))
    }

    pub fn business_exists(&mut self, id: &str) -> Result<bool> {
        self.db()
            .exists("SELECT 1 FROM businesses WHERE id = ?1", &[t(id)])
    }

    /// The province of a stored business.
    pub fn business_province(&mut self, id: &str) -> Result<Option<String>> {
        self.db().one(
            "SELECT province FROM businesses WHERE id = ?1",
            &[t(id)],
            |r| r.text(0),
        )
    }

    /// A stored deal, read inside this transaction.
    pub fn get_deal(&mut self, id: &str) -> Result<Option<Deal>> {
        let doc = self
            .db()
            .one("SELECT doc FROM deals WHERE id = ?1", &[t(id)], |r| {
                r.text(0)
            })?;
        doc.map(|d| parse_doc(&d)).transpose()
    }

    pub fn deal_exists(&mut self, id: &str) -> Result<bool> {
        self.db()
            .exists("SELECT 1 FROM deals WHERE id = ?1", &[t(id)])
    }

    /// Records a deal (already validated, buyer and seller known). Assigns `d-{seq}` when
    /// it has no id. Returns the stored deal and its change sequence.
    pub fn put_deal(&mut self, d: &Deal) -> Result<(Deal, u64)> {
        let mut deal = d.clone();
        let id = match &deal.id {
            Some(id) => id.clone(),
            None => {
                let next = self.db().int("SELECT max(seq) FROM changes", &[])? + 1;
                let mut id = format!("d-{next:06}");
                while self.deal_exists(&id)? {
                    id.push('x');
                }
                id
            }
        };
        deal.id = Some(id.clone());
        let before = self
            .db()
            .one("SELECT doc FROM deals WHERE id = ?1", &[t(&id)], |r| {
                r.text(0)
            })?;
        let seq = self.change(Entity::Deal, &id)?;
        let doc = to_doc(&deal)?;
        let province = self.business_province(&deal.buyer)?;
        self.audit(
            "deal",
            &id,
            province.as_deref(),
            Some(seq),
            before.as_deref().map(keys::digest).as_deref(),
            Some(&keys::digest(&doc)),
        )?;
        self.db().exec(
            "INSERT INTO deals (id, buyer, seller, commodity, value_idr, date, status, doc, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET buyer = excluded.buyer, seller = excluded.seller,
                 commodity = excluded.commodity, value_idr = excluded.value_idr,
                 date = excluded.date, status = excluded.status, doc = excluded.doc,
                 seq = excluded.seq",
            &[
                t(&id),
                t(&deal.buyer),
                t(&deal.seller),
                t(&deal.commodity),
                V::F(deal.value_idr),
                t(&deal.date),
                t(deal.status.as_str()),
                t(&doc),
                i(seq as i64),
            ],
        )?;
        Ok((deal, seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BusinessKind, DealStatus};

    /// Every backend this run can test: SQLite always, PostgreSQL when
    /// `JALIN_TEST_DATABASE_URL` names a database (`.ci/run` starts one and sets it), each
    /// store in a schema of its own.
    pub(crate) fn backends() -> Vec<Store> {
        let mut out = vec![Store::open_temporary().unwrap()];
        match std::env::var("JALIN_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => out.push(Store::open_postgres_temporary(&url).unwrap()),
            _ => eprintln!(
                "notice: JALIN_TEST_DATABASE_URL is unset: the store's tests ran on SQLite only"
            ),
        }
        out
    }

    fn business(id: &str) -> Business {
        Business {
            id: id.into(),
            name: format!("UD {id}"),
            kind: BusinessKind::Umkm,
            province: "35".into(),
            city: None,
            description: None,
            certifications: vec![],
            offers: vec![],
            needs: vec![],
            contacts: None,
            publish_contacts: false,
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_database_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jalin.db");
        let s = Store::open(&path).unwrap();
        s.write(|w| w.put_business(&business("a"))).unwrap();
        for f in ["jalin.db", "jalin.db-wal"] {
            let mode = std::fs::metadata(dir.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{f} has mode {:o}", mode & 0o777);
        }
    }

    #[test]
    fn writes_advance_the_change_sequence() {
        for s in backends() {
            assert_eq!(s.last_seq().unwrap(), 0);
            let (seq1, existed) = s.write(|w| w.put_business(&business("a"))).unwrap();
            assert!(!existed);
            let (seq2, existed) = s.write(|w| w.put_business(&business("a"))).unwrap();
            assert!(existed);
            assert!(seq2 > seq1);
            let (changed, upto) = s.businesses_changed_since(0).unwrap();
            assert_eq!(changed, ["a"]);
            assert_eq!(upto, seq2);
            assert!(s.businesses_changed_since(seq2).unwrap().0.is_empty());
        }
    }

    #[test]
    fn contacts_are_kept_apart_and_joined_on_read() {
        for s in backends() {
            let backend = s.backend();
            let mut b = business("c");
            b.contacts = Some(Contacts {
                phone: Some("+628123456789".into()),
                ..Contacts::default()
            });
            s.write(|w| w.put_business(&b)).unwrap();
            assert_eq!(s.get_business("c").unwrap(), Some(b.clone()));
            let mut docs = Vec::new();
            s.for_each_business(|_, b| {
                docs.push(b);
                Ok(())
            })
            .unwrap();
            assert_eq!(docs[0].contacts, None, "the document has no personal data");
            b.contacts = None;
            b.publish_contacts = true;
            s.write(|w| w.put_business(&b)).unwrap();
            assert_eq!(s.get_business("c").unwrap(), Some(b));
            s.write(|w| w.delete_business("c")).unwrap();
            let left = s
                .read(|db| db.int("SELECT count(*) FROM contacts", &[]))
                .unwrap();
            assert_eq!(left, 0, "{backend}");
        }
    }

    #[test]
    fn every_write_is_audited_in_its_own_transaction() {
        for s in backends() {
            let actor = Actor {
                key_id: "k1".into(),
                role: "province",
                route: "PUT /v1/businesses/{id}".into(),
                request_id: Some("r-1".into()),
            };
            with_actor(actor, || {
                s.write(|w| w.put_business(&business("a"))).unwrap();
                s.write(|w| w.put_business(&business("a"))).unwrap();
                let failed: Result<()> = s.write(|w| {
                    w.put_business(&business("b"))?;
                    Err(Error::invalid("x", "boom"))
                });
                assert!(failed.is_err());
            });
            s.write(|w| w.delete_business("a")).unwrap();
            let rows = s
                .audit(
                    &AuditQuery {
                        limit: 10,
                        ..AuditQuery::default()
                    },
                    |_| true,
                )
                .unwrap();
            assert_eq!(rows.len(), 3, "the rolled-back write left no row: {rows:?}");
            assert_eq!(rows[0].key_id, "system");
            assert_eq!(
                (rows[0].before.is_some(), rows[0].after.is_none()),
                (true, true)
            );
            assert_eq!(rows[1].key_id, "k1");
            assert_eq!(rows[1].request_id.as_deref(), Some("r-1"));
            assert_eq!(rows[1].before, rows[1].after, "the same document");
            assert_eq!(rows[2].before, None);
            assert_eq!(rows[2].province.as_deref(), Some("35"));
            assert!(rows[0].seq > rows[1].seq && rows[1].seq > rows[2].seq);
        }
    }

    #[test]
    fn a_failed_write_keeps_nothing() {
        for s in backends() {
            let r: Result<()> = s.write(|w| {
                w.put_business(&business("a"))?;
                Err(Error::invalid("x", "boom"))
            });
            assert!(r.is_err());
            assert!(s.get_business("a").unwrap().is_none());
            assert_eq!(s.counts().unwrap(), Counts::default());
        }
    }

    #[test]
    fn deals_get_ids_and_are_listed_per_business() {
        for s in backends() {
            let d = Deal {
                id: None,
                buyer: "b".into(),
                seller: "s".into(),
                commodity: "bawang_merah".into(),
                value_idr: 1e6,
                volume: None,
                date: "2024-01-02".into(),
                status: DealStatus::Completed,
                mission: None,
            };
            let (stored, _) = s.write(|w| w.put_deal(&d)).unwrap();
            assert!(stored.id.as_deref().unwrap().starts_with("d-"));
            assert_eq!(s.deals_of("s", 10).unwrap().len(), 1);
            assert_eq!(s.deals_of("x", 10).unwrap().len(), 0);
        }
    }
}
