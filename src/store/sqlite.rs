//! The SQLite backend (rusqlite, bundled): the default, one file in the data directory.
//!
//! One writer connection (SQLite serialises writers anyway) and a few reader connections,
//! so reads never wait for a write transaction — a long streamed import holds the writer for
//! its whole upload. In WAL mode readers see the last committed state.
//!
//! Durability: WAL journal with `synchronous = FULL`, so a transaction that returned is on
//! disk even if the machine loses power, not only if the process dies (`NORMAL` in WAL mode
//! survives a process crash but may lose the last commits on power loss). The cost is one
//! fsync of the WAL per commit, which is small next to the rest of a write.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use super::db::{R, Sql, V};
use super::{DEADLINE, check_deadline};
use crate::error::{Error, Result};

/// Numbered schema migrations; `PRAGMA user_version` records how many ran. PostgreSQL's
/// are the same tables in its types (`postgres::MIGRATIONS`), one for one.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // commitment ledger (`store/missions.rs`).
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
    // 6: the businesses' ids and provinces beside their keys (rowids), so that the deal
    // network's start reads them from this narrow index instead of every business document
    // (`Store::business_keys_unordered`): at 3.5 M businesses the table is gigabytes.
    "CREATE INDEX businesses_keys ON businesses(id, province);",
];

/// The writer's page cache, in KiB (64 MB; SQLite's default is 2 MB): a bulk import
/// inserts into several indexes keyed by random ids, and re-reads the same pages.
pub(super) const WRITER_CACHE_KIB: i64 = 65_536;

/// Reader connections per store.
const READERS: usize = 4;

pub(super) struct Sqlite {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
}

impl rusqlite::ToSql for V<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            V::T(s) => s.to_sql(),
            V::I(n) => n.to_sql(),
            V::F(x) => x.to_sql(),
        }
    }
}

fn exec(conn: &Connection, sql: &str, params: &[V<'_>]) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql)?;
    Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
}

fn each(
    conn: &Connection,
    sql: &str,
    params: &[V<'_>],
    f: &mut dyn FnMut(&R<'_>) -> Result<bool>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        if !f(&R::Lite(r))? {
            break;
        }
    }
    Ok(())
}

impl Sql for Connection {
    fn exec(&mut self, sql: &str, params: &[V<'_>]) -> Result<u64> {
        exec(self, sql, params)
    }
    fn each_while(
        &mut self,
        sql: &str,
        params: &[V<'_>],
        f: &mut dyn FnMut(&R<'_>) -> Result<bool>,
    ) -> Result<()> {
        each(self, sql, params, f)
    }
}

impl Sql for rusqlite::Transaction<'_> {
    fn exec(&mut self, sql: &str, params: &[V<'_>]) -> Result<u64> {
        exec(self, sql, params)
    }
    fn each_while(
        &mut self,
        sql: &str,
        params: &[V<'_>],
        f: &mut dyn FnMut(&R<'_>) -> Result<bool>,
    ) -> Result<()> {
        each(self, sql, params, f)
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

impl Sqlite {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub(super) fn open(path: &Path) -> Result<Sqlite> {
        create_private(path)?;
        let conn = Connection::open(path)?;
        let mut store = Sqlite::init(conn)?;
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

    fn init(mut conn: Connection) -> Result<Sqlite> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
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
        // checkpointed) makes that lookup the cost of every read. Passive: a command opening
        // the store beside a running server (`keys`, `export`, `match`) must never hold up
        // the server's writers, as a truncating checkpoint does; the next write restarts the
        // WAL from its beginning once it has been copied back.
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(Sqlite {
            writer: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    // A panic while holding a lock cannot leave SQLite inconsistent (its own transactions
    // roll back), so a poisoned lock is safe to take over.
    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer, waiting no longer than this thread's write deadline (if it has one).
    pub(super) fn writer_in_time(&self) -> Result<MutexGuard<'_, Connection>> {
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
    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
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

    /// Copies the WAL into the database and truncates it (after a bulk import).
    pub(super) fn checkpoint(&self) -> Result<()> {
        checkpoint(&self.writer())
    }
}

fn checkpoint(conn: &Connection) -> Result<()> {
    // Returns (busy, wal frames, frames checkpointed); busy only when a reader holds an old
    // snapshot, and then the next checkpoint finishes the job.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}
