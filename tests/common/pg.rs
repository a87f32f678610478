//! The suite on PostgreSQL. With `JALIN_SUITE_DATABASE_URL` set to a database on a cluster
//! the tests may create databases on (`.ci/postgres start` prints one; `.ci/run` runs the
//! suite a second time with it), every engine and every `jalin` process the suite starts keeps
//! its records in a fresh PostgreSQL database of its own instead of SQLite in its data
//! directory: one database per data directory (`url_for`), created on first use and dropped
//! with the test's `TestDir`; in-memory engines get a temporary schema. Unset, everything is
//! SQLite as before and nothing here touches a network.
//!
//! A few tests are about SQLite files themselves (backups of the file, a restored older
//! file); they call `skip_on_postgres` with the reason and return early.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use jalin::engine::{EmptyStart, Engine, EngineOptions, OpenReport, StoreAt};
use jalin::store::Store;

/// The cluster the suite runs on, when it runs on PostgreSQL.
pub fn suite_url() -> Option<String> {
    std::env::var("JALIN_SUITE_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// True (after saying why) when the suite runs on PostgreSQL and the calling test is about
/// SQLite only.
pub fn skip_on_postgres(reason: &str) -> bool {
    if suite_url().is_some() {
        eprintln!("skipped on PostgreSQL: {reason}");
        return true;
    }
    false
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let head = match base.rfind('/') {
        // `postgresql://host` has no path: the two slashes of the scheme end at 12 or 13.
        Some(i) if base[..i].contains("://") => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{head}/{name}?{q}"),
        None => format!("{head}/{name}"),
    }
}

/// Runs `f` on a thread of its own: the `postgres` client blocks on a runtime of its own,
/// which cannot start inside a test's async runtime.
fn apart<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("JALIN_SUITE_DATABASE_URL: cannot connect ({e})"))
}

/// The data directories given a database in this process, and each one's name.
fn registry() -> &'static Mutex<HashMap<PathBuf, String>> {
    static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        if let Some(url) = suite_url() {
            apart(|| drop_stale(&url));
        }
        Mutex::new(HashMap::new())
    })
}

const PREFIX: &str = "jalin_suite_";

/// Drops the databases earlier runs left behind (a test that panicked before its `TestDir`
/// went, a killed run): those whose process is gone.
fn drop_stale(url: &str) {
    let mut c = admin(url);
    let names: Vec<String> = c
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'jalin\\_suite\\_%'",
            &[],
        )
        .map(|rows| rows.iter().filter_map(|r| r.try_get(0).ok()).collect())
        .unwrap_or_default();
    for name in names {
        let pid = name[PREFIX.len()..].split('_').next().unwrap_or("");
        if !Path::new("/proc").join(pid).exists() {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The database holding the sample, loaded once per run (through an engine, as a new store
/// loads it); a data directory that starts with the sample gets a copy of it
/// (`CREATE DATABASE … TEMPLATE`), which takes milliseconds where loading the sample row by
/// row into each database would take most of the run.
fn sample_template(url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = format!("{PREFIX}{}_sample", std::process::id());
            apart(|| {
                admin(url)
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                let dir = tempfile::tempdir().expect("temp dir");
                let (engine, report) = Engine::open_on(
                    dir.path(),
                    StoreAt::Postgres(with_database(url, &name)),
                    EngineOptions::default(),
                    EmptyStart::Sample,
                    &mut |_, _, _| {},
                )
                .expect("load the sample into the template database");
                assert!(
                    report.fixtures_loaded.is_some(),
                    "a new database gets the sample"
                );
                // Its connections close here: a template must have none.
                drop(engine);
            });
            name
        })
        .clone()
}

/// Whether a `jalin` process with these arguments and environment would start a new store
/// with the sample.
pub fn wants_sample(args: &[&str], env: &[(&str, &str)]) -> bool {
    !args.contains(&"--no-sample")
        && !env
            .iter()
            .any(|(k, v)| *k == "JALIN_SAMPLE" && matches!(*v, "0" | "false" | "no" | "off"))
}

/// The URL of the database that holds `data`'s records, created on first use (a new one,
/// which the first engine on it fills with the sample unless told not to); `None` when the
/// suite runs on SQLite.
pub fn url_for(data: &Path) -> Option<String> {
    url_starting(data, EmptyStart::Nothing)
}

/// [`url_for`], a database created now holding the sample already when `start` says so.
pub fn url_starting(data: &Path, start: EmptyStart) -> Option<String> {
    let url = suite_url()?;
    let mut known = registry().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(name) = known.get(data) {
        return Some(with_database(&url, name));
    }
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "{PREFIX}{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let template = match start {
        EmptyStart::Sample => format!(" TEMPLATE {}", sample_template(&url)),
        EmptyStart::Nothing => String::new(),
    };
    apart(|| {
        admin(&url)
            .batch_execute(&format!("CREATE DATABASE {name}{template}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"))
    });
    known.insert(data.to_path_buf(), name.clone());
    Some(with_database(&url, &name))
}

/// Drops the databases of the data directories under `dir`.
fn drop_under(dir: &Path) {
    let Some(url) = suite_url() else { return };
    let names: Vec<String> = {
        let mut known = registry().lock().unwrap_or_else(|p| p.into_inner());
        let paths: Vec<PathBuf> = known
            .keys()
            .filter(|p| p.starts_with(dir))
            .cloned()
            .collect();
        paths.iter().filter_map(|p| known.remove(p)).collect()
    };
    if names.is_empty() {
        return;
    }
    apart(|| {
        if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
            for name in names {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    });
}

/// The environment that points a `jalin` process on `data` at its database (none on SQLite).
pub fn env_for(data: &Path) -> Vec<(&'static str, String)> {
    url_for(data)
        .map(|u| vec![("JALIN_DATABASE_URL", u)])
        .unwrap_or_default()
}

/// [`env_for`] a `jalin` process with these arguments and environment: a data directory it
/// creates with the sample gets a copy of the sample's database.
pub fn env_for_run(
    data: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Vec<(&'static str, String)> {
    let start = if wants_sample(args, env) {
        EmptyStart::Sample
    } else {
        EmptyStart::Nothing
    };
    url_starting(data, start)
        .map(|u| vec![("JALIN_DATABASE_URL", u)])
        .unwrap_or_default()
}

/// Where the engine on `data` keeps its records.
pub fn store_at(data: &Path) -> StoreAt {
    url_for(data).map_or(StoreAt::DataDir, StoreAt::Postgres)
}

/// The store of the data directory `data`, opened directly.
pub fn open_store(data: &Path) -> Store {
    match url_for(data) {
        Some(url) => Store::open_postgres(&url).expect("open the PostgreSQL store"),
        None => Store::open(&data.join("jalin.db")).expect("open the store"),
    }
}

/// `Engine::open_on` the data directory `data` with its store where the suite keeps it.
///
/// On PostgreSQL a data directory's first engine with the sample gets a copy of the sample's
/// database, so its report says no fixtures were loaded; see [`sample_loaded`].
pub fn open_engine(data: &Path, start: EmptyStart) -> jalin::error::Result<(Engine, OpenReport)> {
    let at = url_starting(data, start).map_or(StoreAt::DataDir, StoreAt::Postgres);
    Engine::open_on(data, at, EngineOptions::default(), start, &mut |_, _, _| {})
}

/// Whether opening a new data directory gave it the sample: the report says so on SQLite;
/// on PostgreSQL the store was a copy of the sample's database.
pub fn sample_loaded(report: &OpenReport) -> bool {
    report.fixtures_loaded.is_some() || suite_url().is_some()
}

/// `Engine::in_memory`, its store a temporary schema on PostgreSQL when the suite runs there.
pub fn in_memory(options: EngineOptions) -> Engine {
    match suite_url() {
        Some(url) => Engine::in_memory_on(
            Store::open_postgres_temporary(&url).expect("temporary PostgreSQL store"),
            options,
        )
        .expect("engine"),
        None => Engine::in_memory(options).expect("engine"),
    }
}

/// A temporary directory that also drops, with it, the databases of the data directories
/// under it.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        drop_under(self.dir.path());
    }
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgresql://jalin@%2Ftmp%2Fx:23060/jalin", "d1"),
        "postgresql://jalin@%2Ftmp%2Fx:23060/d1"
    );
    assert_eq!(
        with_database("postgres://u@h:5432/jalin?options=-csearch_path%3Ds", "d1"),
        "postgres://u@h:5432/d1?options=-csearch_path%3Ds"
    );
    assert_eq!(with_database("postgres://u@h", "d1"), "postgres://u@h/d1");
}
