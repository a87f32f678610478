//! The PostgreSQL backend: the shared system of record when several jalin replicas serve one
//! deployment (`jalin serve --database-url postgres://…`). Each replica keeps its own search
//! index and deal network, derived from here and kept in step by `engine::follow`.
//!
//! The client is the synchronous `postgres` crate (0.19): the engine's writes already run
//! one at a time on a blocking thread pool and its reads on a query pool of plain threads, so
//! a blocking client fits without a second async runtime in every call path; `tokio-postgres`
//! with a pool (`deadpool-postgres`) or `sqlx` would make every store call async for no gain
//! here. A call made from inside tokio's async context (a few startup and status reads) is
//! moved off the worker with `block_in_place` (see [`outside_async`]).
//!
//! **Sequence order across processes.** Change sequences come from a `BIGSERIAL`, taken
//! before commit: two replicas writing at once could commit seq 8 before seq 7, and a
//! follower that had read "everything above 6" and seen 8 would skip 7 for ever. Every write
//! transaction therefore first takes one transaction-level advisory lock
//! (`pg_advisory_xact_lock`), held until it commits or rolls back: writes from all replicas
//! are serialised as SQLite's one writer serialises them, so sequences commit in order and
//! `seq > last` never skips a row. Waiting for the lock honours the write's deadline
//! (`lock_timeout`), so a write held up by another replica's import is answered busy
//! without having written anything.
//!
//! Each commit sends `NOTIFY jalin_changes`, which wakes the other replicas' followers; they
//! also poll, since notifications sent while a follower was disconnected are lost.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};

use super::db::{R, Sql, V, dollar_placeholders};
use super::{DEADLINE, check_deadline};
use crate::error::{Error, Result};

/// The notification channel every commit signals.
pub(super) const CHANNEL: &str = "jalin_changes";

/// The same schema as `sqlite::MIGRATIONS`, one for one, in PostgreSQL's types: 64-bit
/// integers, double precision, byte-order ("C") collation on the keys so that ordered
/// reads agree with SQLite's, and an explicit `rowid` where SQLite's implicit one is read.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: businesses, deals and the change log.
    r#"CREATE TABLE businesses (
        rowid BIGSERIAL NOT NULL UNIQUE,
        id TEXT COLLATE "C" PRIMARY KEY,
        province TEXT NOT NULL,
        doc TEXT NOT NULL,
        seq BIGINT NOT NULL
    );
    CREATE TABLE deals (
        id TEXT COLLATE "C" PRIMARY KEY,
        buyer TEXT COLLATE "C" NOT NULL,
        seller TEXT COLLATE "C" NOT NULL,
        commodity TEXT NOT NULL,
        value_idr DOUBLE PRECISION NOT NULL,
        date TEXT COLLATE "C" NOT NULL,
        status TEXT NOT NULL,
        doc TEXT NOT NULL,
        seq BIGINT NOT NULL
    );
    CREATE INDEX deals_buyer ON deals(buyer);
    CREATE INDEX deals_seller ON deals(seller);
    CREATE TABLE changes (
        seq BIGSERIAL PRIMARY KEY,
        entity TEXT NOT NULL,
        entity_id TEXT COLLATE "C" NOT NULL
    );"#,
    // 2: deals by change sequence.
    "CREATE INDEX deals_seq ON deals(seq);",
    // 3: contacts apart from the business document.
    r#"CREATE TABLE contacts (
        business_id TEXT COLLATE "C" PRIMARY KEY,
        contact_person TEXT,
        phone TEXT,
        whatsapp TEXT,
        email TEXT,
        address TEXT,
        website TEXT,
        publish BIGINT NOT NULL DEFAULT 0
    );"#,
    // 4: keys, audit, pending deals, tombstones.
    r#"CREATE TABLE keys (
        rowid BIGSERIAL NOT NULL UNIQUE,
        id TEXT COLLATE "C" PRIMARY KEY,
        hash TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE audit (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        key_id TEXT COLLATE "C" NOT NULL,
        role TEXT NOT NULL,
        route TEXT NOT NULL,
        request_id TEXT,
        entity TEXT NOT NULL,
        entity_id TEXT COLLATE "C" NOT NULL,
        province TEXT,
        seq BIGINT,
        before TEXT,
        after TEXT
    );
    CREATE INDEX audit_entity ON audit(entity_id);
    CREATE INDEX audit_key ON audit(key_id);
    CREATE TABLE pending_deals (
        rowid BIGSERIAL NOT NULL UNIQUE,
        id TEXT COLLATE "C" PRIMARY KEY,
        confirmer TEXT COLLATE "C" NOT NULL,
        proposer TEXT NOT NULL,
        doc TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE INDEX pending_deals_confirmer ON pending_deals(confirmer);
    CREATE TABLE tombstones (
        id TEXT COLLATE "C" PRIMARY KEY,
        province TEXT,
        deleted_seq BIGINT NOT NULL
    );"#,
    // 5: stored missions and their commitments.
    r#"CREATE TABLE missions (
        id TEXT COLLATE "C" PRIMARY KEY,
        organiser TEXT NOT NULL,
        host TEXT NOT NULL,
        body TEXT NOT NULL,
        plan TEXT,
        published BIGINT NOT NULL,
        version BIGINT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE commitments (
        id TEXT COLLATE "C" PRIMARY KEY,
        mission TEXT NOT NULL,
        body TEXT NOT NULL,
        deal TEXT
    );
    CREATE INDEX commitments_mission ON commitments(mission);
    CREATE INDEX audit_entity_kind ON audit(entity);"#,
    // 6: the businesses' keys for an index-only read (`Store::business_keys_unordered`).
    "CREATE INDEX businesses_keys ON businesses(id, province, rowid);",
];

/// Reader connections per store.
const READERS: usize = 4;

/// Runs a blocking PostgreSQL call. The `postgres` crate drives its connection on a runtime
/// of its own, which must not be started from inside tokio's async context: there the call
/// is moved off the worker (`block_in_place`); on the blocking pool, the query pool and
/// plain threads it runs as is.
pub(crate) fn outside_async<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// A connection with its prepared statements (prepared once per connection).
pub(super) struct PgConn {
    client: Client,
    stmts: HashMap<String, Statement>,
}

/// A write transaction.
pub(super) struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    stmts: &'c mut HashMap<String, Statement>,
}

fn pg_params<'a>(params: &'a [V<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| match p {
            V::T(s) => s as &(dyn ToSql + Sync),
            V::I(n) => n as &(dyn ToSql + Sync),
            V::F(x) => x as &(dyn ToSql + Sync),
        })
        .collect()
}

/// Whether a text parameter holds U+0000, which PostgreSQL's text cannot (SQLite's can): no
/// stored value has one, so a query for one finds nothing without asking, and a write of
/// one is bad input ([`nul_refused`]) rather than the server's encoding error (a 500).
fn has_nul(params: &[V<'_>]) -> bool {
    params
        .iter()
        .any(|p| matches!(p, V::T(Some(s)) if s.contains('\0')))
}

pub(super) fn nul_refused() -> Error {
    Error::invalid("body", "text may not contain the NUL character (U+0000)")
}

fn is_select(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("select"))
}

macro_rules! pg_sql_impl {
    ($ty:ty, $client:ident, $stmts:ident) => {
        impl Sql for $ty {
            fn exec(&mut self, sql: &str, params: &[V<'_>]) -> Result<u64> {
                if has_nul(params) {
                    return Err(nul_refused());
                }
                outside_async(|| {
                    let stmt = prepared(&mut self.$client, &mut self.$stmts, sql)?;
                    Ok(self.$client.execute(&stmt, &pg_params(params))?)
                })
            }
            fn each_while(
                &mut self,
                sql: &str,
                params: &[V<'_>],
                f: &mut dyn FnMut(&R<'_>) -> Result<bool>,
            ) -> Result<()> {
                if has_nul(params) {
                    return if is_select(sql) {
                        Ok(())
                    } else {
                        Err(nul_refused())
                    };
                }
                outside_async(|| {
                    let stmt = prepared(&mut self.$client, &mut self.$stmts, sql)?;
                    let mut rows = self.$client.query_raw(&stmt, pg_params(params))?;
                    while let Some(r) =
                        postgres::fallible_iterator::FallibleIterator::next(&mut rows)?
                    {
                        if !f(&R::Pg(&r))? {
                            break;
                        }
                    }
                    Ok(())
                })
            }
        }
    };
}

pg_sql_impl!(PgConn, client, stmts);
pg_sql_impl!(PgTx<'_>, tx, stmts);

/// The statement for `sql`, prepared on first use.
fn prepared(
    client: &mut impl postgres::GenericClient,
    stmts: &mut HashMap<String, Statement>,
    sql: &str,
) -> Result<Statement> {
    if let Some(s) = stmts.get(sql) {
        return Ok(s.clone());
    }
    let s = client.prepare(&dollar_placeholders(sql))?;
    stmts.insert(sql.to_string(), s.clone());
    Ok(s)
}

impl PgTx<'_> {
    /// Commits, telling the followers of every replica that there is something new.
    pub(super) fn commit(mut self, changed: bool) -> Result<()> {
        outside_async(|| {
            if changed {
                self.tx.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
            }
            self.tx.commit()?;
            Ok(())
        })
    }

    pub(super) fn rollback(self) -> Result<()> {
        outside_async(|| Ok(self.tx.rollback()?))
    }

    /// Runs `COPY … FROM STDIN` with `data` (in the statement's format).
    pub(super) fn copy_in(&mut self, sql: &str, data: &[u8]) -> Result<()> {
        outside_async(|| {
            use std::io::Write as _;
            let mut w = self.tx.copy_in(sql)?;
            w.write_all(data)
                .map_err(|e| Error::Corrupt(format!("COPY failed: {e}")))?;
            w.finish()?;
            Ok(())
        })
    }

    /// Runs statements without parameters.
    pub(super) fn batch(&mut self, sql: &str) -> Result<()> {
        outside_async(|| Ok(self.tx.batch_execute(sql)?))
    }

    /// Moves the change sequence past `seq` (given explicitly by a bulk write), so that the
    /// writes after take the ones above it.
    pub(super) fn sequence_past(&mut self, seq: u64) -> Result<()> {
        outside_async(|| {
            self.tx.execute(
                "SELECT setval(pg_get_serial_sequence('changes', 'seq'), $1)
                 WHERE $1 > COALESCE(pg_sequence_last_value(
                     pg_get_serial_sequence('changes', 'seq')::regclass), 0)",
                &[&(seq as i64)],
            )?;
            Ok(())
        })
    }
}

pub(super) struct Postgres {
    config: postgres::Config,
    writer: Mutex<Option<PgConn>>,
    readers: Vec<Mutex<Option<PgConn>>>,
    next_reader: std::sync::atomic::AtomicUsize,
    /// The advisory lock every write transaction takes (one per schema, so test stores in
    /// schemas of their own do not wait for each other).
    lock_key: i64,
    /// The schema of a temporary store, dropped with it.
    temporary: Option<String>,
    /// Whether this open created the schema (the database had no jalin tables).
    created: bool,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Closing a connection runs the client's own runtime, which must not happen on an
        // async worker (a store dropped with the last handle to an engine inside a request
        // handler or an async test): close them where `outside_async` says.
        let readers = std::mem::take(&mut self.readers);
        let writer = self
            .writer
            .get_mut()
            .map(Option::take)
            .unwrap_or_else(|mut p| p.get_mut().take());
        outside_async(move || {
            drop(readers);
            drop(writer);
        });
        if let Some(schema) = self.temporary.take() {
            let config = self.config.clone();
            // Our connections are closed; drop the schema from a fresh one.
            let _ = outside_async(|| -> Result<()> {
                let mut c = connect(&config)?;
                c.client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))?;
                Ok(())
            });
        }
    }
}

fn parse_url(url: &str) -> Result<postgres::Config> {
    url.parse::<postgres::Config>().map_err(|e| {
        Error::invalid(
            "database_url",
            format!("not a PostgreSQL connection URL ({e}); expected postgres://USER@HOST:PORT/DB"),
        )
    })
}

fn connect(config: &postgres::Config) -> Result<PgConn> {
    outside_async(|| {
        Ok(PgConn {
            client: config.connect(NoTls)?,
            stmts: HashMap::new(),
        })
    })
}

/// A usable connection in `slot`: the one there, or a new one when there is none or the
/// server closed it (a restart of PostgreSQL must not need a restart of every replica).
fn live<'a>(
    config: &postgres::Config,
    slot: &'a mut MutexGuard<'_, Option<PgConn>>,
) -> Result<&'a mut PgConn> {
    if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
        let fresh = connect(config)?;
        // The closed one is dropped where a connection may be (see `outside_async`).
        let old = slot.replace(fresh);
        outside_async(move || drop(old));
    }
    slot.as_mut()
        .ok_or_else(|| Error::Corrupt("no database connection".into()))
}

impl Postgres {
    /// Connects to the database at `url` and brings its schema up to date.
    pub(super) fn open(url: &str) -> Result<Postgres> {
        Postgres::open_config(parse_url(url)?, None)
    }

    /// A store in a new schema of the database at `url`, dropped with the store: for tests.
    pub(super) fn open_temporary(url: &str) -> Result<Postgres> {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut config = parse_url(url)?;
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let schema = format!("jalin_test_{}_{n}_{nanos}", std::process::id());
        let mut admin = connect(&config)?;
        let create = format!("CREATE SCHEMA {schema}");
        // `admin` is closed inside too (see `outside_async`).
        outside_async(move || admin.client.batch_execute(&create))?;
        config.options(&format!("-c search_path={schema}"));
        Postgres::open_config(config, Some(schema))
    }

    fn open_config(config: postgres::Config, temporary: Option<String>) -> Result<Postgres> {
        let mut writer = connect(&config)?;
        let schema: String = outside_async(|| {
            writer
                .client
                .query_one("SELECT current_schema()::text", &[])?
                .try_get(0)
        })?;
        let lock_key = lock_key(&schema);
        let created = migrate(&mut writer, lock_key)?;
        let mut readers = Vec::new();
        for _ in 0..READERS {
            readers.push(Mutex::new(None));
        }
        Ok(Postgres {
            config,
            writer: Mutex::new(Some(writer)),
            readers,
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            lock_key,
            temporary,
            created,
        })
    }

    /// Whether this open created the schema: of replicas starting together on a new
    /// database, exactly one (migrations run under the advisory lock).
    pub(super) fn created(&self) -> bool {
        self.created
    }

    /// A copy of the connection settings (for the follower's listening connection).
    pub(super) fn config(&self) -> &postgres::Config {
        &self.config
    }

    fn writer(&self) -> MutexGuard<'_, Option<PgConn>> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer connection, waiting no longer than this thread's write deadline.
    pub(super) fn writer_in_time(&self) -> Result<MutexGuard<'_, Option<PgConn>>> {
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

    /// Starts a write transaction on the writer connection: takes the store's advisory lock
    /// (within the write's deadline, if it has one) before anything is written.
    pub(super) fn begin<'c>(
        &self,
        slot: &'c mut MutexGuard<'_, Option<PgConn>>,
    ) -> Result<PgTx<'c>> {
        let conn = live(&self.config, slot)?;
        let PgConn { client, stmts } = conn;
        let key = self.lock_key;
        outside_async(|| {
            let mut tx = client.transaction()?;
            if let Some(deadline) = DEADLINE.with(std::cell::Cell::get) {
                let ms = deadline
                    .saturating_duration_since(std::time::Instant::now())
                    .as_millis()
                    .max(1);
                tx.batch_execute(&format!("SET LOCAL lock_timeout = {ms}"))?;
            }
            match tx.execute("SELECT pg_advisory_xact_lock($1)", &[&key]) {
                Ok(_) => Ok(PgTx { tx, stmts }),
                Err(e) if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
                    Err(Error::Busy(
                        "another write held the store too long (an import, say); nothing was \
                         written, retry shortly"
                            .to_string(),
                    ))
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    /// A free reader connection if there is one, else the next in turn.
    pub(super) fn reader(&self) -> MutexGuard<'_, Option<PgConn>> {
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len().max(1);
        match self.readers.get(i) {
            Some(r) => r.lock().unwrap_or_else(|p| p.into_inner()),
            None => self.writer(),
        }
    }

    /// A reader connection, connected.
    pub(super) fn with_reader<T>(&self, f: impl FnOnce(&mut PgConn) -> Result<T>) -> Result<T> {
        let mut slot = self.reader();
        let conn = live(&self.config, &mut slot)?;
        f(conn)
    }

    /// Runs `f` in one read-only snapshot (REPEATABLE READ): several reads that must agree.
    pub(super) fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let mut slot = self.reader();
        let conn = live(&self.config, &mut slot)?;
        let PgConn { client, stmts } = conn;
        let tx = outside_async(|| {
            client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
        })?;
        let mut tx = PgTx { tx, stmts };
        let out = f(&mut tx)?;
        tx.rollback()?;
        Ok(out)
    }
}

fn lock_key(schema: &str) -> i64 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(format!("jalin-writes:{schema}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_le_bytes(b)
}

/// Applies the migrations not yet applied, under the write lock, so replicas starting
/// together migrate once.
/// Brings the schema up to date; true when it created it (there was no `jalin_schema`).
fn migrate(conn: &mut PgConn, lock_key: i64) -> Result<bool> {
    outside_async(|| {
        let mut tx = conn.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS jalin_schema (version BIGINT NOT NULL)")?;
        let version: Option<i64> = tx
            .query_opt("SELECT version FROM jalin_schema", &[])?
            .map(|r| r.try_get(0))
            .transpose()?;
        if version.is_none() {
            tx.execute("INSERT INTO jalin_schema (version) VALUES (0)", &[])?;
        }
        let created = version.is_none();
        let version = version.unwrap_or(0).max(0) as usize;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.batch_execute(sql)?;
            tx.execute("UPDATE jalin_schema SET version = $1", &[&((i + 1) as i64)])?;
        }
        tx.commit()?;
        Ok(created)
    })
}

/// A connection that waits for the other replicas' commits (`LISTEN jalin_changes`).
pub struct Listener {
    config: postgres::Config,
    conn: Option<Client>,
}

impl Listener {
    pub(super) fn new(config: postgres::Config) -> Listener {
        Listener { config, conn: None }
    }

    /// Waits until a commit is notified or `timeout` passes. A lost connection is opened
    /// again on the next call (the follower polls meanwhile, so nothing is missed).
    pub fn wait(&mut self, timeout: std::time::Duration) {
        let started = std::time::Instant::now();
        let got = outside_async(|| -> Result<bool> {
            if self.conn.as_ref().is_none_or(Client::is_closed) {
                let mut c = self.config.connect(NoTls)?;
                c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                self.conn = Some(c);
            }
            let Some(c) = self.conn.as_mut() else {
                return Ok(false);
            };
            use postgres::fallible_iterator::FallibleIterator;
            let mut n = c.notifications();
            let got = n.timeout_iter(timeout).next()?.is_some();
            // Several commits may have been notified together: take them all.
            let mut rest = n.iter();
            while rest.next()?.is_some() {}
            Ok(got)
        });
        if got.is_err() {
            self.conn = None;
            std::thread::sleep(timeout.saturating_sub(started.elapsed()));
        }
    }
}
