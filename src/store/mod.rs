//! The system of record: SQLite through rusqlite, the only module that knows SQL.
//!
//! Every write runs in a transaction and appends to the `changes` table, whose
//! autoincrement key is the store's **change sequence**. Derived structures (the search
//! index, the deal graph) remember the last sequence they hold and catch up from it, so they
//! can always be rebuilt from here.
//!
//! Durability: WAL journal with `synchronous = FULL`, so a transaction that returned is on
//! disk even if the machine loses power, not only if the process dies (`NORMAL` in WAL mode
//! survives a process crash but may lose the last commits on power loss). The cost is one
//! fsync of the WAL per commit, which is small next to the rest of a write.
//!
//! Records are kept as their JSON documents plus the columns queries need; schema changes
//! are numbered migrations applied in order (`PRAGMA user_version`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::{Error, Result};
use crate::model::{Business, Contacts, Deal};

mod backup;
mod deals;
mod keys;
mod missions;
pub use keys::{Actor, AuditEntry, AuditQuery, PendingDeal, with_actor};
pub use missions::{CommitmentRow, MissionRow};

/// Numbered schema migrations; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: businesses, deals and the change log.
    "CREATE TABLE businesses (
        id TEXT PRIMARY KEY,
        province TEXT NOT NULL,
        doc TEXT NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE TABLE deals (
        id TEXT PRIMARY KEY,
        buyer TEXT NOT NULL,
        seller TEXT NOT NULL,
        commodity TEXT NOT NULL,
        value_idr REAL NOT NULL,
        date TEXT NOT NULL,
        status TEXT NOT NULL,
        doc TEXT NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX deals_buyer ON deals(buyer);
    CREATE INDEX deals_seller ON deals(seller);
    CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL
    );",
    // 2: deals by change sequence, for catching the deal network up from a snapshot.
    "CREATE INDEX deals_seq ON deals(seq);",
    // 3: contacts (personal data) apart from the business document, which the index, the
    // deal network and every listing of businesses read: only `get_business` joins them.
    "CREATE TABLE contacts (
        business_id TEXT PRIMARY KEY,
        contact_person TEXT,
        phone TEXT,
        whatsapp TEXT,
        email TEXT,
        address TEXT,
        website TEXT,
        publish INTEGER NOT NULL DEFAULT 0
    );",
    // 4: API keys (their hashes), the audit trail (written in the transaction of the write
    // it records), deals a business proposed that wait for the other party, and the ids of
    // deleted businesses (never given to another business: their deals stay theirs).
    "CREATE TABLE keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        key_id TEXT NOT NULL,
        role TEXT NOT NULL,
        route TEXT NOT NULL,
        request_id TEXT,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        province TEXT,
        seq INTEGER,
        before TEXT,
        after TEXT
    );
    CREATE INDEX audit_entity ON audit(entity_id);
    CREATE INDEX audit_key ON audit(key_id);
    CREATE TABLE pending_deals (
        id TEXT PRIMARY KEY,
        confirmer TEXT NOT NULL,
        proposer TEXT NOT NULL,
        doc TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE INDEX pending_deals_confirmer ON pending_deals(confirmer);
    CREATE TABLE tombstones (
        id TEXT PRIMARY KEY,
        province TEXT,
        deleted_seq INTEGER NOT NULL
    );",
    // 5: stored trade missions (the spec and the day as JSON, the kept plan) and their
    // commitment ledger (`store/missions.rs`). Plain columns only, so it ports.
    "CREATE TABLE missions (
        id TEXT PRIMARY KEY,
        organiser TEXT NOT NULL,
        host TEXT NOT NULL,
        body TEXT NOT NULL,
        plan TEXT,
        published INTEGER NOT NULL,
        version INTEGER NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE commitments (
        id TEXT PRIMARY KEY,
        mission TEXT NOT NULL,
        body TEXT NOT NULL,
        deal TEXT
    );
    CREATE INDEX commitments_mission ON commitments(mission);
    CREATE INDEX audit_entity_kind ON audit(entity);",
];

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

/// The SQLite store: one writer connection (SQLite serialises writers anyway) and a few
/// reader connections, so reads never wait for a write transaction — a long streamed import
/// holds the writer for its whole upload. In WAL mode readers see the last committed state.
pub struct Store {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    /// The file of a temporary store, removed on drop.
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

/// Reader connections per store.
const READERS: usize = 4;

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

/// Creates the database file readable by its owner only (SQLite gives its write-ahead log
/// and shared-memory files the same mode): it holds every business's records.
#[cfg(unix)]
fn create_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(format!("creating {}", path.display()), e)),
    }
}

#[cfg(not(unix))]
fn create_private(_path: &Path) -> Result<()> {
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        create_private(path)?;
        let conn = Connection::open(path)?;
        let mut store = Store::init(conn)?;
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            reader.busy_timeout(std::time::Duration::from_secs(5))?;
            reader.pragma_update(None, "cache_size", -16_384)?;
            store.readers.push(Mutex::new(reader));
        }
        Ok(store)
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

    fn init(mut conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 64 MB of page cache for the writer (SQLite's default is 2 MB): a bulk import
        // inserts into several indexes keyed by random ids, and re-reads the same pages.
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tx = conn.transaction()?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        // Fold whatever a previous run left in the WAL into the database: every read looks
        // pages up in the WAL first, and a WAL of gigabytes (a bulk import that was never
        // checkpointed) makes that lookup the cost of every read.
        checkpoint(&conn)?;
        Ok(Store {
            writer: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            temporary: None,
        })
    }

    // A panic while holding a lock cannot leave SQLite inconsistent (its own transactions
    // roll back), so a poisoned lock is safe to take over.
    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer, waiting no longer than this thread's write deadline (if it has one).
    fn writer_in_time(&self) -> Result<MutexGuard<'_, Connection>> {
        let Some(deadline) = DEADLINE.with(std::cell::Cell::get) else {
            return Ok(self.writer());
        };
        loop {
            match self.writer.try_lock() {
                Ok(guard) => return Ok(guard),
                Err(std::sync::TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => {
                    check_deadline()?;
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    std::thread::sleep(left.min(std::time::Duration::from_millis(5)));
                }
            }
        }
    }

    /// A free reader connection if there is one, else the next in turn.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.writer();
        }
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one transaction; commits if it returns `Ok`, rolls back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer_in_time()?;
        check_deadline()?;
        let tx = conn.transaction()?;
        let mut w = Writer { tx };
        let out = f(&mut w)?;
        // A write whose caller has given up (the API answered it 503) must not land later:
        // past the deadline it rolls back instead of committing.
        check_deadline()?;
        w.tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in one transaction and commits only when it returns `Ok((_, true))`; with
    /// `false` (a dry run, an import with bad rows) everything it wrote is rolled back.
    pub fn write_or_roll_back<T>(
        &self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<(T, bool)>,
    ) -> Result<T> {
        let mut conn = self.writer_in_time()?;
        check_deadline()?;
        let tx = conn.transaction()?;
        let mut w = Writer { tx };
        let (out, commit) = f(&mut w)?;
        if commit {
            // As in `write`: past the caller's deadline it rolls back instead.
            check_deadline()?;
            w.tx.commit()?;
        } else {
            w.tx.rollback()?;
        }
        Ok(out)
    }

    /// Copies the WAL into the database and truncates it (after a bulk import). Waits for
    /// readers that hold an older snapshot; harmless to call at any time.
    pub fn checkpoint(&self) -> Result<()> {
        checkpoint(&self.writer())
    }

    /// A business with its contacts: the one read that returns them (a business's own page;
    /// who may see them is the caller's to decide).
    pub fn get_business(&self, id: &str) -> Result<Option<Business>> {
        let Some((_, mut b)) = self.get_business_keyed(id)? else {
            return Ok(None);
        };
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT contact_person, phone, whatsapp, email, address, website, publish
             FROM contacts WHERE business_id = ?1",
        )?;
        let contacts = stmt
            .query_row([id], |r| {
                Ok((
                    Contacts {
                        contact_person: r.get(0)?,
                        phone: r.get(1)?,
                        whatsapp: r.get(2)?,
                        email: r.get(3)?,
                        address: r.get(4)?,
                        website: r.get(5)?,
                    },
                    r.get::<_, i64>(6)? != 0,
                ))
            })
            .optional()?;
        if let Some((c, publish)) = contacts {
            b.contacts = Some(c).filter(|c| !c.is_empty());
            b.publish_contacts = publish;
        }
        Ok(Some(b))
    }

    /// A business with its stable numeric key (the SQLite rowid, which survives updates),
    /// without its contacts: what the index and the planner read.
    pub fn get_business_keyed(&self, id: &str) -> Result<Option<(u64, Business)>> {
        let conn = self.conn();
        let row: Option<(i64, String)> = conn
            .query_row(
                "SELECT rowid, doc FROM businesses WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(k, d)| Ok((k as u64, parse_doc(&d)?))).transpose()
    }

    /// The numeric key of a business.
    pub fn business_key(&self, id: &str) -> Result<Option<u64>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT rowid FROM businesses WHERE id = ?1")?;
        let k: Option<i64> = stmt.query_row([id], |r| r.get(0)).optional()?;
        Ok(k.map(|k| k as u64))
    }

    pub fn counts(&self) -> Result<Counts> {
        let conn = self.conn();
        let businesses: i64 =
            conn.query_row("SELECT count(*) FROM businesses", [], |r| r.get(0))?;
        let deals: i64 = conn.query_row("SELECT count(*) FROM deals", [], |r| r.get(0))?;
        Ok(Counts {
            businesses: businesses as u64,
            deals: deals as u64,
            last_seq: last_seq(&conn)?,
        })
    }

    pub fn last_seq(&self) -> Result<u64> {
        last_seq(&self.conn())
    }

    /// The businesses changed after `seq` (created, replaced or deleted), each once, and the
    /// sequence they bring the caller up to.
    pub fn businesses_changed_since(&self, seq: u64) -> Result<(Vec<String>, u64)> {
        let conn = self.conn();
        // One read transaction, so the ids and the sequence they bring us to come from the
        // same snapshot: a write committed in between must not be counted as applied.
        let tx = conn.unchecked_transaction()?;
        let ids = {
            let mut stmt = tx.prepare(
                "SELECT entity_id, max(seq) FROM changes
                 WHERE seq > ?1 AND entity = 'business' GROUP BY entity_id",
            )?;
            let rows = stmt.query_map([seq as i64], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let upto = last_seq(&tx)?;
        tx.commit()?;
        Ok((ids, upto))
    }

    /// Calls `f` on every business with its key, in key order, in batches so memory stays
    /// flat. Without contacts: what is read here feeds the index and listings, never a
    /// business's own page.
    pub fn for_each_business(&self, mut f: impl FnMut(u64, Business) -> Result<()>) -> Result<()> {
        let mut after: i64 = 0;
        loop {
            let batch: Vec<(i64, String)> = {
                let conn = self.conn();
                let mut stmt = conn.prepare_cached(
                    "SELECT rowid, doc FROM businesses WHERE rowid > ?1 ORDER BY rowid LIMIT 2000",
                )?;
                let rows = stmt.query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
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
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, rowid, province FROM businesses ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let key: i64 = r.get(1)?;
            let province: String = r.get(2)?;
            f(&id, key as u64, &province);
        }
        Ok(())
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
        let conn = self.conn();
        let mut provinces: HashMap<String, Option<String>> = HashMap::new();
        if seq == 0 {
            let mut stmt = conn.prepare("SELECT id, province FROM businesses")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                provinces.insert(r.get(0)?, Some(r.get(1)?));
            }
        }
        let complete = seq == 0;
        let mut province_of = |conn: &Connection, id: &str| -> Result<Option<String>> {
            if let Some(p) = provinces.get(id) {
                return Ok(p.clone());
            }
            if complete {
                return Ok(None);
            }
            let mut stmt = conn.prepare_cached("SELECT province FROM businesses WHERE id = ?1")?;
            let p: Option<String> = stmt.query_row([id], |r| r.get(0)).optional()?;
            provinces.insert(id.to_string(), p.clone());
            Ok(p)
        };
        let mut stmt = conn.prepare(
            "SELECT id, buyer, seller, commodity, value_idr, date, status, seq
             FROM deals WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([seq as i64])?;
        while let Some(r) = rows.next()? {
            let buyer: String = r.get(1)?;
            let seller: String = r.get(2)?;
            f(DealRow {
                id: r.get(0)?,
                buyer_province: province_of(&conn, &buyer)?,
                seller_province: province_of(&conn, &seller)?,
                buyer,
                seller,
                commodity: r.get(3)?,
                value_idr: r.get(4)?,
                date: r.get(5)?,
                status: r.get(6)?,
                seq: r.get::<_, i64>(7)? as u64,
            })?;
        }
        Ok(())
    }

    /// How many deals were last written at or before change `seq`.
    pub fn deal_count_upto(&self, seq: u64) -> Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM deals WHERE seq <= ?1",
            [seq as i64],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// One stored deal by id (deals stay when their parties are deleted).
    pub fn get_deal(&self, id: &str) -> Result<Option<Deal>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT doc FROM deals WHERE id = ?1")?;
        let doc: Option<String> = stmt.query_row([id], |r| r.get(0)).optional()?;
        doc.map(|d| parse_doc(&d)).transpose()
    }

    /// The deals a business took part in, as buyer or seller, newest first.
    pub fn deals_of(&self, business: &str, limit: usize) -> Result<Vec<Deal>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT doc FROM deals WHERE buyer = ?1 OR seller = ?1 ORDER BY date DESC, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![business, limit as i64], |r| r.get::<_, String>(0))?;
        let docs = rows.collect::<Result<Vec<_>, _>>()?;
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

fn checkpoint(conn: &Connection) -> Result<()> {
    // Returns (busy, wal frames, frames checkpointed); busy only when a reader holds an old
    // snapshot, and then the next checkpoint finishes the job.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

fn last_seq(conn: &Connection) -> Result<u64> {
    let seq: Option<i64> = conn.query_row("SELECT max(seq) FROM changes", [], |r| r.get(0))?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

fn parse_doc<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::Corrupt(e.to_string()))
}

fn to_doc<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}

/// Writes inside one open transaction; see [`Store::write`].
pub struct Writer<'c> {
    tx: Transaction<'c>,
}

impl Writer<'_> {
    fn change(&mut self, entity: Entity, id: &str) -> Result<u64> {
        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO changes (entity, entity_id) VALUES (?1, ?2)")?;
        stmt.execute(params![entity.as_str(), id])?;
        Ok(self.tx.last_insert_rowid() as u64)
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
        let doc = if b.contacts.is_some() || b.publish_contacts {
            to_doc(&Business {
                contacts: None,
                publish_contacts: false,
                ..b.clone()
            })?
        } else {
            to_doc(b)?
        };
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO businesses (id, province, doc, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET province = excluded.province,
                 doc = excluded.doc, seq = excluded.seq",
        )?;
        stmt.execute(params![b.id, b.province, doc, seq as i64])?;
        drop(stmt);
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
            let mut stmt = self
                .tx
                .prepare_cached("DELETE FROM contacts WHERE business_id = ?1")?;
            stmt.execute([&b.id])?;
            if b.publish_contacts {
                let mut stmt = self
                    .tx
                    .prepare_cached("INSERT INTO contacts (business_id, publish) VALUES (?1, 1)")?;
                stmt.execute([&b.id])?;
            }
            return Ok(());
        };
        let mut stmt = self.tx.prepare_cached(
            "INSERT OR REPLACE INTO contacts
                 (business_id, contact_person, phone, whatsapp, email, address, website, publish)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        stmt.execute(params![
            b.id,
            c.contact_person,
            c.phone,
            c.whatsapp,
            c.email,
            c.address,
            c.website,
            i64::from(b.publish_contacts)
        ])?;
        Ok(())
    }

    /// Deletes a business and its contacts; its deals stay as history. Returns the change
    /// sequence, or `None` when there was no such business.
    pub fn delete_business(&mut self, id: &str) -> Result<Option<u64>> {
        let before = self.business_digest(id)?;
        let province = self.business_province(id)?;
        let n = self
            .tx
            .execute("DELETE FROM businesses WHERE id = ?1", [id])?;
        if n == 0 {
            return Ok(None);
        }
        self.tx
            .execute("DELETE FROM contacts WHERE business_id = ?1", [id])?;
        let seq = self.change(Entity::Business, id)?;
        self.tx.execute(
            "INSERT OR REPLACE INTO tombstones (id, province, deleted_seq) VALUES (?1, ?2, ?3)",
            params![id, province, seq as i64],
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
        let mut stmt = self
            .tx
            .prepare_cached("SELECT deleted_seq FROM tombstones WHERE id = ?1")?;
        let seq: Option<i64> = stmt.query_row([id], |r| r.get(0)).optional()?;
        Ok(seq.map(|s| s as u64))
    }

    pub fn business_exists(&mut self, id: &str) -> Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM businesses WHERE id = ?1")?;
        Ok(stmt.exists([id])?)
    }

    /// The province of a stored business.
    pub fn business_province(&mut self, id: &str) -> Result<Option<String>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT province FROM businesses WHERE id = ?1")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    /// A stored deal, read inside this transaction.
    pub fn get_deal(&mut self, id: &str) -> Result<Option<Deal>> {
        let doc: Option<String> = self
            .tx
            .query_row("SELECT doc FROM deals WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        doc.map(|d| parse_doc(&d)).transpose()
    }

    pub fn deal_exists(&mut self, id: &str) -> Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM deals WHERE id = ?1")?;
        Ok(stmt.exists([id])?)
    }

    /// Records a deal (already validated, buyer and seller known). Assigns `d-{seq}` when
    /// it has no id. Returns the stored deal and its change sequence.
    pub fn put_deal(&mut self, d: &Deal) -> Result<(Deal, u64)> {
        let mut deal = d.clone();
        let id = match &deal.id {
            Some(id) => id.clone(),
            None => {
                let next: i64 = self.tx.query_row(
                    "SELECT coalesce(max(seq), 0) + 1 FROM changes",
                    [],
                    |r| r.get(0),
                )?;
                let mut id = format!("d-{next:06}");
                while self.deal_exists(&id)? {
                    id.push('x');
                }
                id
            }
        };
        deal.id = Some(id.clone());
        let before: Option<String> = self
            .tx
            .query_row("SELECT doc FROM deals WHERE id = ?1", [&id], |r| r.get(0))
            .optional()?;
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
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO deals (id, buyer, seller, commodity, value_idr, date, status, doc, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET buyer = excluded.buyer, seller = excluded.seller,
                 commodity = excluded.commodity, value_idr = excluded.value_idr,
                 date = excluded.date, status = excluded.status, doc = excluded.doc,
                 seq = excluded.seq",
        )?;
        stmt.execute(params![
            id,
            deal.buyer,
            deal.seller,
            deal.commodity,
            deal.value_idr,
            deal.date,
            deal.status.as_str(),
            doc,
            seq as i64
        ])?;
        Ok((deal, seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BusinessKind, DealStatus};

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
        let s = Store::open_temporary().unwrap();
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

    #[test]
    fn contacts_are_kept_apart_and_joined_on_read() {
        let s = Store::open_temporary().unwrap();
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
        let left: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn every_write_is_audited_in_its_own_transaction() {
        let s = Store::open_temporary().unwrap();
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

    #[test]
    fn a_failed_write_keeps_nothing() {
        let s = Store::open_temporary().unwrap();
        let r: Result<()> = s.write(|w| {
            w.put_business(&business("a"))?;
            Err(Error::invalid("x", "boom"))
        });
        assert!(r.is_err());
        assert!(s.get_business("a").unwrap().is_none());
        assert_eq!(s.counts().unwrap(), Counts::default());
    }

    #[test]
    fn deals_get_ids_and_are_listed_per_business() {
        let s = Store::open_temporary().unwrap();
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
