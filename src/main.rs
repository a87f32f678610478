//! The `jalin` command line: wiring only. Each subcommand parses its arguments, calls the
//! engine (or the API server), prints, and returns an exit code: 0 on success, 2 when the
//! input was wrong (with a message naming it), 1 when something else failed.

use std::io::{BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use jalin::engine::{
    EmptyStart, Engine, ImportFormat, ImportOptions, ImportSource, ImportStats, MatchFilters,
    MatchRequest, NeedSpec,
};
use jalin::model::Quantity;
use jalin::model::json::parse_json;
use jalin::plan::export::PlanFormat;
use jalin::{Error, api};

// The service allocates many short-lived strings and vectors per request (query terms,
// results, JSON); mimalloc's thread-local free lists cut glibc malloc's share of a loaded
// server's CPU (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "cli/keys.rs"]
mod keys_cmd;
use keys_cmd::keys;

#[derive(Parser)]
#[command(
    name = "jalin",
    version,
    about = "Business matchmaking across Indonesia's provinces"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DataArg {
    /// The data directory (store and index). `serve`, `init` and `import` create it (with
    /// the sample businesses and deals unless --no-sample); reading commands need it.
    #[arg(long, env = "JALIN_DATA", default_value = "index")]
    data: PathBuf,
    /// A JSON config file ({"token": …, "weights": {…}}); default DATA/config.json if present.
    #[arg(long, env = "JALIN_CONFIG")]
    config: Option<PathBuf>,
    /// Start an empty data directory with the reference data only, without the sample
    /// businesses and deals (also JALIN_SAMPLE=0).
    #[arg(long)]
    no_sample: bool,
    /// Keep the records in this PostgreSQL database (postgres://USER@HOST:PORT/DB), shared
    /// by any number of replicas, instead of SQLite in the data directory; the data
    /// directory then holds only this replica's search index and deal network.
    #[arg(long, env = "JALIN_DATABASE_URL")]
    database_url: Option<String>,
}

impl DataArg {
    /// What an empty store starts with: `--no-sample` or `JALIN_SAMPLE=0` (or `false`,
    /// `no`) start it with nothing.
    /// Where the store is: PostgreSQL when a database URL is given, else the data
    /// directory.
    fn store_at(&self) -> Result<jalin::engine::StoreAt, Error> {
        match self.database_url.as_deref().map(str::trim) {
            None | Some("") => Ok(jalin::engine::StoreAt::DataDir),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(jalin::engine::StoreAt::Postgres(url.to_string()))
            }
            Some(_) => Err(Error::invalid(
                "database_url",
                "expected a PostgreSQL URL, postgres://USER@HOST:PORT/DB (leave it out for \
                 SQLite in the data directory)",
            )),
        }
    }

    fn open_store(&self) -> Result<jalin::store::Store, Error> {
        match self.store_at()? {
            jalin::engine::StoreAt::DataDir => {
                jalin::store::Store::open(&self.data.join("jalin.db"))
            }
            jalin::engine::StoreAt::Postgres(url) => jalin::store::Store::open_postgres(&url),
        }
    }

    /// Whether there is a store to read: the data directory's SQLite file, or (given a
    /// database URL) the PostgreSQL database, which is asked when it is opened.
    fn has_store(&self) -> Result<bool, Error> {
        Ok(match self.store_at()? {
            jalin::engine::StoreAt::DataDir => {
                self.data.join("jalin.db").try_exists().unwrap_or(false)
            }
            jalin::engine::StoreAt::Postgres(_) => true,
        })
    }

    fn empty_start(&self) -> EmptyStart {
        let env_off = std::env::var("JALIN_SAMPLE").is_ok_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off"
            )
        });
        if self.no_sample || env_off {
            EmptyStart::Nothing
        } else {
            EmptyStart::Sample
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// Address to listen on.
        #[arg(long, env = "JALIN_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Load businesses and deals in one transaction: JSONL files (each line a business or a
    /// deal), or spreadsheets of businesses (.csv, .xlsx, .xls, .ods; one row per business,
    /// headers as in GET /v1/templates/businesses.csv). Every bad row is printed as
    /// FILE:ROW: COLUMN: MESSAGE and nothing is imported (exit code 2).
    Import {
        #[command(flatten)]
        data: DataArg,
        /// The files; the format is taken from the extension (anything but .csv, .xlsx,
        /// .xls, .xlsm and .ods is read as JSONL).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows; write the bad ones beside each file as
        /// NAME.skipped.csv (spreadsheets, with the error in a last column) or
        /// NAME.skipped.jsonl, and print why.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// API keys: create (the key is printed once), list, revoke. Works beside a running
    /// server (it needs only the store).
    Keys {
        #[command(flatten)]
        data: DataArg,
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Create a data directory (or open an existing one): the sample businesses and deals,
    /// or with --no-sample the reference data only. `match` and `plan` read a directory
    /// that exists; they never create one.
    Init {
        #[command(flatten)]
        data: DataArg,
    },
    /// Copy a PostgreSQL replica's derived state (its search index as of its last commit
    /// and its deal network's snapshot) into a new directory, beside the running server; a
    /// new replica started with `--data OUT` then applies only the changes since instead of
    /// rebuilding from the database.
    Snapshot {
        #[command(flatten)]
        data: DataArg,
        /// The new directory (missing or empty).
        out: PathBuf,
    },
    /// Copy the store, consistently, into FILE (a new file), while a server runs and
    /// writes: SQLite's `VACUUM INTO`. `jalin restore` puts it back.
    Backup {
        #[command(flatten)]
        data: DataArg,
        file: PathBuf,
    },
    /// Write every business (with its contacts) and every deal as JSONL into OUT
    /// (businesses.jsonl, deals.jsonl; new files), which `jalin import` reads back. Works
    /// beside a running server.
    Export {
        #[command(flatten)]
        data: DataArg,
        out: PathBuf,
    },
    /// Make a new data directory (--data, which must not hold a store) from a backup; the
    /// search index and the deal network are rebuilt from it.
    Restore {
        #[command(flatten)]
        data: DataArg,
        file: PathBuf,
    },
    /// The sample businesses and deals: `jalin sample remove` deletes them (and every deal
    /// a sample business is a party of), so they no longer shape rankings.
    Sample {
        #[command(flatten)]
        data: DataArg,
        #[command(subcommand)]
        action: SampleAction,
    },
    /// Rebuild the search index from the store.
    Reindex {
        #[command(flatten)]
        data: DataArg,
    },
    /// Write a seeded sample of businesses and deals (JSONL) of any size, for tests and
    /// benchmarks; same seed, same bytes.
    Generate {
        #[arg(long, default_value_t = 3200)]
        businesses: usize,
        #[arg(long, default_value_t = 20000)]
        deals: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output directory: businesses.jsonl and deals.jsonl are written there.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
    },
    /// Plan a mission's meetings from a spec (a JSON file, or the name of a shipped one such
    /// as jatim-banten-2023).
    Plan {
        #[command(flatten)]
        data: DataArg,
        spec: String,
        /// json, csv, ics, html (print-ready agendas) or xlsx.
        #[arg(long, default_value = "json")]
        format: String,
        /// Language of the documents (id, the default, or en); of the JSON's reasons
        /// (default en).
        #[arg(long)]
        lang: Option<String>,
        /// CSV separator: ';' (default for id), ',' (default for en) or tab.
        #[arg(long)]
        sep: Option<String>,
        /// Only this participant's part: its agenda page, calendar or rows.
        #[arg(long)]
        participant: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Rank suppliers in other provinces for a need.
    Match {
        #[command(flatten)]
        data: DataArg,
        /// What you need, in words ("bawang merah", "supplier shallots").
        text: Option<String>,
        /// Your province code (e.g. 36 for Banten).
        #[arg(long)]
        province: Option<String>,
        /// A catalog commodity key (e.g. bawang_merah).
        #[arg(long)]
        commodity: Option<String>,
        /// Volume needed, e.g. "5 ton" or "5 ton/month".
        #[arg(long)]
        volume: Option<String>,
        /// Required certification (repeatable): halal, bpom, sni, pirt, organic, haccp, gap.
        #[arg(long = "cert")]
        certs: Vec<String>,
        /// Only sellers in these provinces (repeatable).
        #[arg(long = "from")]
        from: Vec<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// A whole request as the API takes it (JSON), instead of the flags.
        #[arg(long, conflicts_with_all = ["text", "province", "commodity", "volume"])]
        request: Option<String>,
        /// Print the API's JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Reasons in Indonesian.
        #[arg(long = "id")]
        lang_id: bool,
    },
}

#[derive(Subcommand)]
enum SampleAction {
    /// Delete the sample businesses and their deals (their ids are retired).
    Remove,
}

#[derive(Subcommand)]
enum KeysAction {
    /// Create a key and print it (only its hash is stored: keep it now).
    Create {
        /// admin, province, business or reader.
        #[arg(long)]
        role: String,
        /// A province key's province (code or name; repeatable).
        #[arg(long = "province")]
        provinces: Vec<String>,
        /// A business key's business id.
        #[arg(long)]
        business: Option<String>,
        /// What the key is for.
        #[arg(long)]
        label: Option<String>,
        /// The last day it works (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List the keys (without secrets).
    List,
    /// Revoke a key by its id; it stops working at once.
    Revoke { id: String },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Rows { rows, more }) => {
            // Every bad row of an import, one a line, as FILE:ROW: COLUMN: MESSAGE.
            let mut err = std::io::stderr().lock();
            for r in &rows {
                let _ = writeln!(err, "{r}");
            }
            if more > 0 {
                let _ = writeln!(err, "… and {more} more");
            }
            let _ = writeln!(
                err,
                "nothing was imported: fix these rows, or import the good ones with --skip-invalid"
            );
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_user_error() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// A reader that counts the bytes read through it, for the import's progress.
struct Counted<R> {
    inner: R,
    read: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// The import's progress over the bytes of its files, whose total is known up front: on a
/// terminal a bar with percentage, rate and time left; otherwise a log line every 10 s.
/// (Reading is most of an import; the index and network updates after it print their own
/// summary.)
struct ReadProgress {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ReadProgress {
    fn start(read: Arc<std::sync::atomic::AtomicU64>, total: u64) -> ReadProgress {
        use std::sync::atomic::Ordering;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = stop.clone();
        let thread = std::thread::spawn(move || {
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let bar = tty.then(|| {
                let bar = ProgressBar::new(total);
                let style = ProgressStyle::with_template(
                    "reading {bar:30} {percent:>3}% {binary_bytes}/{binary_total_bytes} \
                     {binary_bytes_per_sec}, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar
            });
            let started = std::time::Instant::now();
            let mut last_line = started;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(200));
                let n = read.load(Ordering::Relaxed);
                match &bar {
                    Some(bar) => bar.set_position(n),
                    None if last_line.elapsed() >= std::time::Duration::from_secs(10) => {
                        last_line = std::time::Instant::now();
                        let secs = started.elapsed().as_secs_f64();
                        let rate = n as f64 / secs.max(1e-9);
                        let left = total.saturating_sub(n) as f64 / rate.max(1.0);
                        eprintln!(
                            "import: read {:.0}% ({n} of {total} bytes), {:.1} MB/s, about \
                             {left:.0} s left",
                            100.0 * n as f64 / total.max(1) as f64,
                            rate / 1e6
                        );
                    }
                    None => {}
                }
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        });
        ReadProgress {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn progress_bar() -> impl FnMut(&str, u64, u64) {
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    move |stage: &str, done: u64, total: u64| {
        bar.set_message(stage.to_string());
        bar.set_length(total.max(done));
        bar.set_position(done);
        if total > 0 && done >= total {
            bar.finish();
            bar.reset();
        }
    }
}

/// The engine for a reading command (`match`, `plan`): opened as usual when nothing else
/// holds the data directory (the index caught up with the store first), and read-only
/// beside a running server, which keeps the index in step. Never creates a data directory.
fn open_for_reading(args: &DataArg) -> Result<Engine, Error> {
    // A data directory to read: its SQLite store, or (on PostgreSQL) its search index.
    let at = args.store_at()?;
    let marker = match at {
        jalin::engine::StoreAt::DataDir => args.data.join("jalin.db"),
        jalin::engine::StoreAt::Postgres(_) => args.data.join("search"),
    };
    if !marker.try_exists().unwrap_or(false) {
        // Says there is no data there, and how to make some.
        return Engine::open_read_only_on(&args.data, at, jalin::engine::EngineOptions::default());
    }
    match open(args) {
        Err(e) if e.is_held_by_another_process() => {
            tracing::info!(
                "{} is held by a running server: reading it as of the index's last commit",
                args.data.display()
            );
            let config = jalin::config::Config::load(args.config.as_deref(), &args.data)?;
            let mut engine = Engine::open_read_only_on(
                &args.data,
                args.store_at()?,
                jalin::engine::EngineOptions::default(),
            )?;
            if let Some(w) = config.weights {
                engine.set_default_weights(w);
            }
            Ok(engine)
        }
        other => other,
    }
}

/// The engine for a writing command (`import`, `reindex`, …): a running server holding the
/// directory is said plainly, with the way to do it through the API instead.
fn open_for_writing(args: &DataArg, instead: &str) -> Result<Engine, Error> {
    open(args).map_err(|e| {
        if e.is_held_by_another_process() {
            Error::ReadOnly(format!(
                "{} is held by a running jalin server (another process has its search index \
                 open for writing); stop it first, or {instead}",
                args.data.display()
            ))
        } else {
            e
        }
    })
}

fn open(args: &DataArg) -> Result<Engine, Error> {
    let data = &args.data;
    let config = jalin::config::Config::load(args.config.as_deref(), data)?;
    let mut progress = progress_bar();
    let (mut engine, report) = Engine::open_on(
        data,
        args.store_at()?,
        jalin::engine::EngineOptions::default(),
        args.empty_start(),
        &mut progress,
    )?;
    if let Some(w) = config.weights {
        engine.set_default_weights(w);
    }
    if let Some(stats) = &report.fixtures_loaded {
        eprintln!(
            "loaded the fixtures into {}: {} businesses, {} listings, {} deals",
            data.display(),
            stats.businesses,
            stats.listings,
            stats.deals
        );
    }
    if let Some(why) = &report.network.rebuilt_because
        && report.fixtures_loaded.is_none()
        && engine_has_deals(&engine)
    {
        eprintln!("built the deal network from the store ({why})");
    } else if report.network.applied > 0 {
        eprintln!(
            "deal network: snapshot plus {} deals written since",
            report.network.applied
        );
    }
    tracing::info!(
        "opened {} in {:.2} s: store {:.2} s, then side by side the search index {:.2} s and \
         the deal network {:.2} s ({})",
        data.display(),
        report.seconds,
        report.store_seconds,
        report.index_seconds,
        report.network_seconds,
        if report.network.from_snapshot {
            "from its snapshot"
        } else {
            "built from the store"
        }
    );
    if report.index_rebuilt {
        eprintln!("rebuilt the search index from the store");
    } else if report.caught_up > 0 {
        eprintln!("search index caught up: {} businesses", report.caught_up);
    }
    Ok(engine)
}

/// Writes `out/businesses.jsonl` (each business as `GET /v1/businesses/{id}` shows it to an
/// admin, contacts included) and `out/deals.jsonl`; neither may exist. Returns the counts.
fn export(store: &jalin::store::Store, out: &Path) -> Result<(u64, u64), Error> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    let create = |name: &str| {
        let path = out.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map(std::io::BufWriter::new)
            .map_err(|e| {
                Error::io(
                    format!("creating {} (an export never overwrites)", path.display()),
                    e,
                )
            })
    };
    let line = |w: &mut std::io::BufWriter<std::fs::File>, v: &dyn erased_line::Line| {
        v.write_line(w)
            .map_err(|e| Error::io(format!("writing into {}", out.display()), e))
    };
    let mut b = create("businesses.jsonl")?;
    let mut ids = Vec::new();
    store.business_keys(|id, _, _| ids.push(id.to_string()))?;
    let mut businesses = 0;
    for id in ids {
        if let Some(business) = store.get_business(&id)? {
            line(&mut b, &business)?;
            businesses += 1;
        }
    }
    let mut d = create("deals.jsonl")?;
    let mut deals = 0;
    store.for_each_deal(|deal| {
        line(&mut d, &deal)?;
        deals += 1;
        Ok(())
    })?;
    for (w, name) in [(b, "businesses.jsonl"), (d, "deals.jsonl")] {
        w.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(format!("writing {}", out.join(name).display()), e))?;
    }
    Ok((businesses, deals))
}

/// One JSON line of a business or a deal (a trait object, so one closure writes both).
mod erased_line {
    pub trait Line {
        fn write_line(&self, w: &mut dyn std::io::Write) -> std::io::Result<()>;
    }
    impl<T: serde::Serialize> Line for T {
        fn write_line(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
            serde_json::to_writer(&mut *w, self)?;
            w.write_all(b"\n")
        }
    }
}

fn engine_has_deals(engine: &Engine) -> bool {
    engine.status().is_ok_and(|s| s.network_deals > 0)
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Serve { data, addr } => {
            let config = jalin::config::Config::load(data.config.as_deref(), &data.data)?;
            let engine = Arc::new(open(&data)?);
            let token =
                jalin::config::token(std::env::var("JALIN_TOKEN").ok(), &config, &data.data)?;
            match (&token.file, token.created) {
                (Some(f), true) => eprintln!(
                    "created a write token in {} (send it as Authorization: Bearer <token>)",
                    f.display()
                ),
                (Some(f), false) => eprintln!("write token: {}", f.display()),
                (None, _) => eprintln!("write token: from JALIN_TOKEN or the config file"),
            }
            let mut api_config = api::ApiConfig::new(token.value);
            api_config.cors_origins =
                jalin::config::cors_origins(std::env::var("JALIN_CORS_ORIGINS").ok(), &config)?;
            let serve_options = api::ServeOptions::from_env()?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::io("starting the runtime", e))?;
            // With a shared store, other replicas' writes reach this one's index and
            // network through the follower (stopped when dropped, before the last save).
            let follower = jalin::engine::follow::start(engine.clone())?;
            let status = engine.status()?;
            let served = rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| Error::io(format!("listening on {addr}"), e))?;
                eprintln!(
                    "jalin is serving {} businesses ({} listings indexed) from {} at http://{addr}/  (API docs: http://{addr}/docs)",
                    status.businesses,
                    status.index_documents,
                    data.data.display()
                );
                api::serve(engine.clone(), api_config, listener, serve_options)
                    .await
                    .map_err(|e| Error::io("serving", e))
            });
            drop(follower);
            served?;
            // The next start reads the deal network from here instead of every deal.
            engine.save_network()
        }
        Command::Import {
            data,
            files,
            dry_run,
            skip_invalid,
        } => {
            let engine = open_for_writing(
                &data,
                "import through its API: POST /v1/import with the file as the body",
            )?;
            let mut sources = Vec::new();
            let read = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let mut total = 0;
            for f in &files {
                let file = std::fs::File::open(f)
                    .map_err(|e| Error::invalid("file", format!("{}: {e}", f.display())))?;
                total += file.metadata().map_or(0, |m| m.len());
                sources.push(ImportSource {
                    name: f.display().to_string(),
                    format: ImportFormat::of_path(f),
                    reader: Box::new(BufReader::new(Counted {
                        inner: file,
                        read: read.clone(),
                    })),
                });
            }
            let reading = ReadProgress::start(read, total);
            let options = ImportOptions {
                dry_run,
                skip_invalid,
                idempotency_key: None,
            };
            let stats = engine.import_sources(
                sources,
                options,
                &mut |_, _, _| {},
                &std::sync::atomic::AtomicBool::new(false),
            );
            reading.finish();
            report_import(&stats?, skip_invalid)
        }
        Command::Generate {
            businesses,
            deals,
            seed,
            out,
        } => generate(businesses, deals, seed, &out),
        Command::Plan {
            data,
            spec,
            format,
            lang,
            sep,
            participant,
            output,
        } => {
            let format =
                PlanFormat::parse(Some(&format)).map_err(|m| Error::invalid("--format", m))?;
            let lang = match lang.as_deref() {
                Some("id") => jalin::model::Lang::Id,
                Some("en") => jalin::model::Lang::En,
                Some(other) => {
                    return Err(Error::invalid(
                        "--lang",
                        format!("{other:?} is not a supported language; use id or en"),
                    ));
                }
                None if format == PlanFormat::Json => jalin::model::Lang::En,
                None => jalin::model::Lang::Id,
            };
            let sep = sep
                .as_deref()
                .map(jalin::plan::export::RenderOptions::parse_sep)
                .transpose()
                .map_err(|e| Error::invalid("--sep", e.message))?;
            let options = jalin::plan::export::RenderOptions {
                lang,
                sep,
                participant,
                dtstamp: None,
            };
            let text = match std::fs::read_to_string(&spec) {
                Ok(t) => t,
                Err(e) => jalin::engine::FIXTURE_MISSIONS
                    .iter()
                    .find(|(name, _)| *name == spec)
                    .map(|(_, t)| t.to_string())
                    .ok_or_else(|| Error::invalid("SPEC", format!("{spec}: {e}")))?,
            };
            let spec: jalin::plan::MissionSpec =
                parse_json(text.as_bytes()).map_err(|e| Error::invalid("SPEC", e.to_string()))?;
            let engine = open_for_reading(&data)?;
            let schedule = engine.plan_mission_in(spec, lang)?;
            // The operator at the command line holds the data directory: every contact.
            let operator = jalin::auth::Principal::admin("cli");
            let rendered = engine
                .render_plan(&schedule, Some(&operator), format, &options)?
                .bytes;
            match output {
                Some(path) => {
                    std::fs::write(&path, rendered)
                        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
                    let s = &schedule.stats;
                    eprintln!(
                        "{} meetings for {} participants, value {:.2} of at most {:.2} (gap {:.2}%), {} idle gaps, solved in {:.1} ms; written to {}",
                        s.meetings,
                        s.participants,
                        s.total_weight,
                        s.upper_bound,
                        s.gap_pct,
                        s.idle_gaps,
                        s.solve_ms,
                        path.display()
                    );
                }
                None => {
                    let _ = std::io::stdout().lock().write_all(&rendered);
                }
            }
            Ok(())
        }
        Command::Keys { data, action } => keys(&data, action),
        Command::Snapshot { data, out } => {
            let copy = jalin::engine::copy_derived(&data.data, &out)?;
            println!(
                "copied the search index (up to change {}){} of {} into {}; start a replica \
                 with --data {} to apply only the changes since",
                copy.index_seq,
                if copy.network {
                    " and the deal network's snapshot"
                } else {
                    " (no deal network snapshot: the replica builds it from the database)"
                },
                data.data.display(),
                out.display(),
                out.display()
            );
            Ok(())
        }
        Command::Backup { data, file } => {
            if let jalin::engine::StoreAt::Postgres(_) = data.store_at()? {
                return Err(Error::invalid(
                    "database_url",
                    "a PostgreSQL store is backed up with PostgreSQL's tools (pg_dump, \
                     pg_basebackup, WAL archiving); jalin backup copies SQLite stores",
                ));
            }
            let db = data.data.join("jalin.db");
            if !db.try_exists().unwrap_or(false) {
                return Err(Error::invalid(
                    "--data",
                    format!("no jalin data in {}", data.data.display()),
                ));
            }
            let seq = jalin::store::backup_file(&db, &file)?;
            println!(
                "backed up {} up to change {seq} into {}",
                data.data.display(),
                file.display()
            );
            Ok(())
        }
        Command::Export { data, out } => {
            if !data.has_store()? {
                return Err(Error::invalid(
                    "--data",
                    format!("no jalin data in {}", data.data.display()),
                ));
            }
            let store = data.open_store()?;
            let (businesses, deals) = export(&store, &out)?;
            println!(
                "exported {businesses} businesses and {deals} deals into {}",
                out.display()
            );
            Ok(())
        }
        Command::Restore { data, file } => {
            if let jalin::engine::StoreAt::Postgres(_) = data.store_at()? {
                return Err(Error::invalid(
                    "database_url",
                    "a PostgreSQL store is restored with PostgreSQL's tools (pg_restore); \
                     jalin restore restores SQLite backups",
                ));
            }
            jalin::store::Store::restore(&file, &data.data)?;
            let engine = open(&data)?;
            let s = engine.status()?;
            println!(
                "restored {} into {}: {} businesses, {} deals, up to change {}",
                file.display(),
                data.data.display(),
                s.businesses,
                s.deals,
                s.last_seq
            );
            Ok(())
        }
        Command::Sample {
            data,
            action: SampleAction::Remove,
        } => {
            if !data.has_store()? {
                return Err(Error::invalid(
                    "--data",
                    format!("no jalin data in {}", data.data.display()),
                ));
            }
            let engine = open_for_writing(
                &data,
                "delete the sample's businesses through its API (DELETE /v1/businesses/{id})",
            )?;
            let (businesses, deals) = engine.remove_sample()?;
            let s = engine.status()?;
            println!(
                "removed the sample: {businesses} businesses and {deals} deals; {} businesses \
                 and {} deals remain",
                s.businesses, s.deals
            );
            Ok(())
        }
        Command::Init { data } => {
            let engine = open_for_writing(&data, "it is there already")?;
            let s = engine.status()?;
            println!(
                "{}: {} businesses, {} deals",
                data.data.display(),
                s.businesses,
                s.deals
            );
            Ok(())
        }
        Command::Reindex { data } => {
            let engine = open_for_writing(
                &data,
                "restart it: a server rebuilds an index of another version or a lost one at start",
            )?;
            let mut progress = progress_bar();
            let n = engine.reindex(&mut progress)?;
            println!("reindexed {n} businesses");
            Ok(())
        }
        Command::Match {
            data,
            text,
            province,
            commodity,
            volume,
            certs,
            from,
            limit,
            request,
            json,
            lang_id,
        } => {
            let req: MatchRequest = match request {
                Some(body) => parse_json(body.as_bytes())
                    .map_err(|e| Error::invalid("--request", e.to_string()))?,
                None => MatchRequest {
                    need: Some(NeedSpec {
                        text,
                        commodity,
                        province,
                        volume: volume.map(|v| parse_volume(&v)).transpose()?,
                        certifications: certs,
                    }),
                    limit: Some(limit),
                    filters: Some(MatchFilters {
                        provinces: from,
                        ..MatchFilters::default()
                    }),
                    ..MatchRequest::default()
                },
            };
            let engine = open_for_reading(&data)?;
            let res = engine.match_request(
                &req,
                if lang_id {
                    jalin::model::Lang::Id
                } else {
                    jalin::model::Lang::En
                },
            )?;
            let mut out = std::io::stdout().lock();
            if json {
                let s = serde_json::to_string_pretty(&res)
                    .map_err(|e| Error::Corrupt(e.to_string()))?;
                let _ = writeln!(out, "{s}");
                return Ok(());
            }
            let r = engine.reference();
            let _ = writeln!(
                out,
                "understood: {} for province {} ({} candidates, {:.1} ms)",
                res.understood.commodities.join(", "),
                res.understood.province.as_deref().unwrap_or("?"),
                res.total,
                res.took_ms
            );
            for m in &res.results {
                let prov = r
                    .province(&m.business.province)
                    .map(|p| r.provinces[p].name.as_str())
                    .unwrap_or("?");
                let _ = writeln!(
                    out,
                    "{:>3}. {:.3}  {} ({}, {})  — {}",
                    m.rank, m.score, m.business.name, m.business.id, prov, m.listing.title
                );
                for reason in &m.reasons {
                    let _ = writeln!(out, "        · {reason}");
                }
            }
            Ok(())
        }
    }
}

/// Prints what an import did, and saves the rows it skipped beside their files.
fn report_import(stats: &ImportStats, skip_invalid: bool) -> Result<(), Error> {
    for c in &stats.ignored_columns {
        eprintln!("ignored column {c}");
    }
    let verb = if stats.dry_run {
        "would import"
    } else {
        "imported"
    };
    let unchanged = if stats.deals_unchanged > 0 {
        format!(", {} already stored", stats.deals_unchanged)
    } else {
        String::new()
    };
    let skipped = if stats.skipped > 0 {
        format!("; {} bad rows skipped", stats.skipped)
    } else {
        String::new()
    };
    println!(
        "{verb} {} businesses ({} new, {} replaced; {} listings) and {} deals{unchanged}{skipped} \
         in {:.1} s ({:.0} listings/s): store {:.1} s, index {:.1} s, deal network {:.1} s",
        stats.businesses,
        stats.businesses - stats.businesses_replaced,
        stats.businesses_replaced,
        stats.listings,
        stats.deals,
        stats.seconds,
        stats.listings as f64 / stats.seconds.max(1e-9),
        stats.store_seconds,
        stats.index_seconds,
        stats.network_seconds,
    );
    if !skip_invalid || stats.skipped == 0 {
        return Ok(());
    }
    for r in &stats.rows {
        eprintln!("{r}");
    }
    if stats.more > 0 {
        eprintln!("… and {} more", stats.more);
    }
    // One file of skipped rows per input file, in the input's order.
    let mut files: Vec<(&str, Vec<&jalin::engine::SkippedRecord>)> = Vec::new();
    for r in &stats.skipped_records {
        match files.iter_mut().find(|(f, _)| *f == r.file) {
            Some((_, list)) => list.push(r),
            None => files.push((&r.file, vec![r])),
        }
    }
    let mut written = Vec::new();
    for (file, records) in files {
        let sheet = records.first().and_then(|r| r.header.as_ref());
        let path = Path::new(file).with_extension(if sheet.is_some() {
            "skipped.csv"
        } else {
            "skipped.jsonl"
        });
        let mut text = String::new();
        if let Some(h) = sheet {
            text.push('\u{feff}');
            text.push_str(h);
            text.push('\n');
        }
        for r in records {
            text.push_str(&r.text);
            text.push('\n');
        }
        std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        written.push(path.display().to_string());
    }
    println!(
        "{} {} bad rows{}",
        if stats.dry_run {
            "would have skipped"
        } else {
            "skipped"
        },
        stats.skipped,
        if written.is_empty() {
            String::new()
        } else {
            format!(", written to {}", written.join(", "))
        }
    );
    Ok(())
}

fn generate(businesses: usize, deals: usize, seed: u64, out: &Path) -> Result<(), Error> {
    use jalin::generate::{GenConfig, generate};
    if businesses == 0 {
        return Err(Error::invalid("--businesses", "must be at least 1"));
    }
    if deals > 0 && businesses < 2 {
        return Err(Error::invalid(
            "--businesses",
            "deals need at least 2 businesses",
        ));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    let create = |name: &str| {
        let path = out.join(name);
        std::fs::File::create(&path)
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| Error::io(format!("creating {}", path.display()), e))
    };
    let mut b = create("businesses.jsonl")?;
    let mut d = create("deals.jsonl")?;
    let reference = jalin::reference::Reference::embedded()?;
    let started = std::time::Instant::now();
    let total = (businesses + deals) as u64;
    let mut bar = progress_bar();
    let cfg = GenConfig {
        businesses,
        deals,
        seed,
    };
    let stats = generate(&reference, &cfg, &mut b, &mut d, &mut |n| {
        bar("generating", n, total)
    })
    .map_err(|e| Error::io("writing the generated data", e))?;
    b.flush()
        .and_then(|_| d.flush())
        .map_err(|e| Error::io("writing the generated data", e))?;
    bar("generating", total, total);
    println!(
        "wrote {} businesses ({} listings, {} provinces) and {} deals to {} in {:.1} s",
        stats.businesses,
        stats.listings,
        stats.provinces,
        stats.deals,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Parses "5 ton", "5 ton/month" or "200 kg/week".
fn parse_volume(s: &str) -> Result<Quantity, Error> {
    let bad = || {
        Error::invalid(
            "--volume",
            format!("{s:?} is not like \"5 ton\" or \"5 ton/month\""),
        )
    };
    let mut parts = s.split_whitespace();
    let qty: f64 = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let rest = parts.next().ok_or_else(bad)?;
    let (unit, per) = match rest.split_once('/') {
        Some((u, p)) => (u.to_string(), Some(p.to_string())),
        None => (rest.to_string(), None),
    };
    let q = Quantity { qty, unit, per };
    q.validate("--volume")?;
    Ok(q)
}
