//! The facade that `api` and the CLI call: it owns the store, the search index and the
//! reference data, and keeps them consistent.
//!
//! Consistency has one mechanism: every write goes to the store first (acknowledged only
//! once its transaction commits), then [`Engine::sync_index`] applies every change after the
//! index's recorded sequence and commits the index with the new sequence as its payload.
//! The same function catches the index up on start, so a crash between the two steps loses
//! nothing. Store writes commit independently (SQLite serialises them); index commits are
//! grouped: a writer waits until the index holds its change sequence, and one commit covers
//! every change committed before it.
//!
//! The request and response types here are the JSON both the API and the CLI speak.
//!
//! Where things are: this file holds the engine itself (opening a data directory, the index
//! sync above, the deal network's snapshot, status) and the plumbing the use cases share;
//! each use case has a file of its own — `writes` (businesses, deals, imports, validated
//! against the reference data), `matching` (match and search), `scoring` (the scorer and
//! the deal network's relationship feature for a request), `corridors` (the corridor
//! opportunity formula, a province's advantages), `missions` (planning a mission, the pair
//! weight), `mission_book` (stored missions, participant sheets, the kept plan, publishing),
//! `mission_ledger` (commitments and attendance), `mission_report` (the mission report; `mission_report_xlsx` its workbook), `mission_replan` (re-planning a stored
//! mission around the planner grid's moves and locks),
//! `network_views` (a business's deal network, introductions, flows), `catalog` (the
//! KBKI catalog's entries and curated commodities by key or name) — and `types`
//! holds the request and response types.

mod access;
mod catalog;
mod corridors;
pub use corridors::Evidence;
mod documents;
pub mod follow;
mod imports;
mod listing;
mod matching;
mod mission_book;
mod mission_ledger;
mod mission_replan;
mod mission_report;
mod mission_report_xlsx;
mod mission_requests;
mod missions;
mod network_views;
mod scoring;
mod snapshot;
mod supply;
mod types;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::network::Network;
use crate::reference::{Commodity, Province, Reference};
use crate::score::{ScorerTables, Weights};
use crate::search::{Analysis, SearchIndex};
use crate::store::{Counts, Store};

pub use access::{Checked, DealPosted, Forbidden, create_key};
pub use imports::{ImportFormat, ImportOptions, ImportSource};
pub use listing::{BusinessPage, BusinessPageQuery};
pub use mission_book::{Attendance, MissionSummary, ParticipantsImported, StoredMission};
pub use mission_ledger::{AttendanceUpdate, Commitment, CommitmentInput, CommitmentKind};
pub use mission_replan::StoredReplan;
pub use mission_report::{
    CommodityTotal, EarlierMission, KindTotal, MissionReport, ParticipantOutcome, report_html,
};
pub use mission_report_xlsx::{REPORT_SHEETS, report_xlsx};
pub use mission_requests::{Decision, MeetingRequest, NewMeetingRequest, RequestStatus};
pub use missions::FIXTURE_MISSIONS;
pub use snapshot::{DerivedCopy, copy_derived};
pub use types::SkippedRecord;
pub use types::{
    AdvantagesResponse, CatalogEntry, CatalogEntryResponse, CatalogQuery, CatalogResolution,
    CatalogSearchResponse, CommodityResponse, CorridorCommodity, CorridorParams, CorridorParty,
    CorridorResponse, DealCounts, FlowView, FlowsView, HopView, ImportStats, IntroView,
    MatchFilters, MatchGroup, MatchOrder, MatchRequest, MatchResponse, MatchResult, NeedSpec,
    NetworkView, PartnerView, ProvinceAdvantage, ProvinceTradeView, SearchParams, SearchResponse,
    SearchResult, Status, SupplyModelInfo, SupplyOrigin, SupplyQuery, SupplyResponse, Understood,
};

/// The sample data compiled into the binary, loaded into an empty data directory.
pub const FIXTURE_BUSINESSES: &str = include_str!("../../fixtures/businesses.jsonl");
pub const FIXTURE_DEALS: &str = include_str!("../../fixtures/deals.jsonl");

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 1000;
pub const MAX_OFFSET: usize = 10_000;
/// The most values a filter list may hold.
pub const MAX_FILTER_VALUES: usize = 100;
const MAX_QUERY_TEXT: usize = 1000;

/// Reports progress of long work: a stage name, items done, items in all (0: unknown).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// The matchmaking engine.
pub struct Engine {
    reference: Arc<Reference>,
    store: Store,
    index: SearchIndex,
    /// Serialises index commits (see [`Engine::index_up_to`]).
    index_sync: Mutex<()>,
    /// Held by the import that is running: one at a time, the next is told to retry.
    import_running: Mutex<()>,
    /// The last change sequence [`Engine::follow`] applied (the engine opens caught up).
    followed: Mutex<u64>,
    /// The deal network, derived from the store's deals.
    network: std::sync::RwLock<Network>,
    /// The scorer's request-independent tables for the network's current revealed advantage.
    scorer_tables: Mutex<Option<Arc<ScorerTables>>>,
    data_dir: Option<PathBuf>,
    default_weights: Weights,
    options: EngineOptions,
    /// Candidates seen and scored by bounded rankings since the engine opened.
    skips: crate::search::SkipCounter,
    /// Rank by scoring every candidate ([`EngineOptions::exhaustive`], switchable).
    exhaustive: std::sync::atomic::AtomicBool,
}

/// How the engine analyses text; the defaults are what the service uses.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    pub analysis: Analysis,
    /// Read commodities, volumes and certifications out of free text.
    pub understanding: bool,
    /// Score every candidate of a ranking instead of skipping the candidates whose
    /// province's best possible score cannot enter the top k (same answers; for benchmarks
    /// and the equivalence test).
    pub exhaustive: bool,
}

impl Engine {
    /// Candidates bounded rankings saw and those they scored, since the engine opened: how
    /// much of the candidates the exact top-k had to score.
    pub fn skip_counts(&self) -> crate::search::SkipStats {
        self.skips.get()
    }

    /// Switches between the exact top-k that skips candidates by their province's bound and
    /// scoring every candidate: the same answers, for benchmarks and the equivalence test.
    pub fn set_exhaustive(&self, on: bool) {
        self.exhaustive
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            analysis: Analysis::default(),
            understanding: true,
            // The bounded ranking is exact (tests/suite/exact_topk.rs) and faster from 1 M
            // listings on (BENCHMARKS.md, #20).
            exhaustive: false,
        }
    }
}

/// Where the store is.
#[derive(Debug, Clone, Default)]
pub enum StoreAt {
    /// SQLite, `jalin.db` in the data directory (the default).
    #[default]
    DataDir,
    /// A PostgreSQL database (`postgres://…`), shared by every replica.
    Postgres(String),
}

/// What an empty store starts with: the sample businesses and deals (the default, for a
/// demonstration), or nothing but the reference data (for real use: `jalin serve
/// --no-sample`, `JALIN_SAMPLE=0`). Asked when the store is created: a store that exists
/// and is empty (started with nothing, or everything deleted) stays as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmptyStart {
    #[default]
    Sample,
    Nothing,
}

/// What opening a data directory did.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    pub fixtures_loaded: Option<ImportStats>,
    pub index_rebuilt: bool,
    pub caught_up: usize,
    /// How the deal network was loaded.
    pub network: crate::network::NetworkOpen,
    /// Seconds spent opening the store, the search index (with its caches) and the deal
    /// network, and in all (the index and the network open side by side).
    pub store_seconds: f64,
    pub index_seconds: f64,
    pub network_seconds: f64,
    pub seconds: f64,
}

/// The deal network's snapshot in a data directory.
const NETWORK_SNAPSHOT: &str = "network.snapshot";

/// A network rebuilt at start with at least this many deals is saved right away, so the
/// next start reads it instead of rebuilding.
const SNAPSHOT_MIN_DEALS: usize = 10_000;

impl Engine {
    /// Opens the data directory `dir` (creating it), loading the embedded fixtures when the
    /// store is new and bringing the index up to date with the store.
    pub fn open(dir: &Path, progress: Progress<'_>) -> Result<(Engine, OpenReport)> {
        Engine::open_with(dir, EngineOptions::default(), progress)
    }

    /// [`Engine::open`] with other options.
    pub fn open_with(
        dir: &Path,
        options: EngineOptions,
        progress: Progress<'_>,
    ) -> Result<(Engine, OpenReport)> {
        Engine::open_starting_with(dir, options, EmptyStart::Sample, progress)
    }

    /// [`Engine::open_with`], saying what an empty store starts with.
    pub fn open_starting_with(
        dir: &Path,
        options: EngineOptions,
        start: EmptyStart,
        progress: Progress<'_>,
    ) -> Result<(Engine, OpenReport)> {
        Engine::open_on(dir, StoreAt::DataDir, options, start, progress)
    }

    /// [`Engine::open_starting_with`] on the store at `at`: the data directory's SQLite file,
    /// or a PostgreSQL database shared with other replicas (the data directory then holds
    /// only this replica's index and deal network).
    pub fn open_on(
        dir: &Path,
        at: StoreAt,
        options: EngineOptions,
        start: EmptyStart,
        progress: Progress<'_>,
    ) -> Result<(Engine, OpenReport)> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating data directory {}", dir.display()), e))?;
        let started = Instant::now();
        let reference = Arc::new(Reference::embedded()?);
        // The KBKI catalog is built on first use; build it now so a bad fixture stops here.
        reference.load_catalog()?;
        // The sample goes only into a store created now: one made empty on purpose
        // (`--no-sample`, or everything deleted) stays empty. On PostgreSQL "created now" is
        // "this open created the schema", which of replicas starting together on a new
        // database only one does (the migration runs under the advisory lock), so the sample
        // is loaded once; a deployment sets `JALIN_SAMPLE=0` (docs/DEPLOY.md).
        let (store, created) = match &at {
            StoreAt::DataDir => {
                let created = !dir.join("jalin.db").try_exists().unwrap_or(false);
                (Store::open(&dir.join("jalin.db"))?, created)
            }
            StoreAt::Postgres(url) => {
                let store = Store::open_postgres(url)?;
                let created = store.created_schema();
                (store, created)
            }
        };
        let store_seconds = started.elapsed().as_secs_f64();
        // The index (its column caches warmed) and the deal network (its snapshot read) need
        // nothing of each other: open them side by side.
        let (opened_index, opened_network) = std::thread::scope(|s| {
            let index = s.spawn(|| {
                let t = Instant::now();
                SearchIndex::open(&dir.join("search"), &reference, options.analysis)
                    .map(|opened| (opened, t.elapsed().as_secs_f64()))
            });
            let t = Instant::now();
            let network = Network::open(&reference, &store, &dir.join(NETWORK_SNAPSHOT))
                .map(|opened| (opened, t.elapsed().as_secs_f64()));
            let index = index
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (index, network)
        });
        let ((index, rebuild), index_seconds) = opened_index?;
        let ((network, network_open), network_seconds) = opened_network?;
        let network = std::sync::RwLock::new(network);
        let engine = Engine {
            reference,
            store,
            index,
            network,
            scorer_tables: Mutex::new(None),
            index_sync: Mutex::new(()),
            import_running: Mutex::new(()),
            skips: Default::default(),
            exhaustive: options.exhaustive.into(),
            followed: Mutex::new(0),
            data_dir: Some(dir.to_path_buf()),
            default_weights: Weights::default(),
            options,
        };
        let mut report = OpenReport {
            network: network_open,
            store_seconds,
            index_seconds,
            network_seconds,
            ..OpenReport::default()
        };
        if !report.network.from_snapshot
            && engine.network().graph().deal_count() >= SNAPSHOT_MIN_DEALS
        {
            engine.save_network()?;
        }
        let last = engine.store.last_seq()?;
        let empty = last == 0;
        // An index that claims changes the store does not have (the store restored from an
        // older backup, a lost WAL) cannot be caught up: rebuild it from the store.
        let rebuild = rebuild || engine.index.seq() > last;
        if rebuild {
            engine.reindex(progress)?;
            report.index_rebuilt = !empty;
        } else {
            report.caught_up = engine.sync_index()?;
        }
        if empty && created && start == EmptyStart::Sample {
            report.fixtures_loaded = Some(engine.load_fixtures(progress)?);
        }
        // Opening caught the index and the network up with the store: the follower starts
        // from there.
        *engine.followed.lock().unwrap_or_else(|p| p.into_inner()) = engine.index.seq();
        report.seconds = started.elapsed().as_secs_f64();
        Ok((engine, report))
    }

    /// Opens the data directory `dir` for reading only, beside a server that holds it: the
    /// store is read as it is, the search index as of its last commit (the server keeps it in
    /// step), the deal network from its snapshot and the deals after it. Nothing in `dir` is
    /// created or written; writes through this engine fail with [`Error::ReadOnly`].
    pub fn open_read_only(dir: &Path, options: EngineOptions) -> Result<Engine> {
        Engine::open_read_only_on(dir, StoreAt::DataDir, options)
    }

    /// [`Engine::open_read_only`] on the store at `at`: beside a replica of a PostgreSQL
    /// store, the records are read from the database and the index from `dir`.
    pub fn open_read_only_on(dir: &Path, at: StoreAt, options: EngineOptions) -> Result<Engine> {
        let db = dir.join("jalin.db");
        let marker = match at {
            StoreAt::DataDir => db.clone(),
            StoreAt::Postgres(_) => dir.join("search"),
        };
        if !marker.try_exists().unwrap_or(false) {
            return Err(Error::invalid(
                "--data",
                format!(
                    "no jalin data in {}: start `jalin serve --data {0}` (the sample, or \
                     --no-sample for none) or `jalin import --data {0} FILE…` first",
                    dir.display()
                ),
            ));
        }
        let reference = Arc::new(Reference::embedded()?);
        let store = match &at {
            StoreAt::DataDir => Store::open(&db)?,
            StoreAt::Postgres(url) => Store::open_postgres(url)?,
        };
        let index = SearchIndex::open_read_only(&dir.join("search"), &reference, options.analysis)?;
        let (network, _) = Network::open(&reference, &store, &dir.join(NETWORK_SNAPSHOT))?;
        Ok(Engine {
            reference,
            store,
            index,
            network: std::sync::RwLock::new(network),
            scorer_tables: Mutex::new(None),
            index_sync: Mutex::new(()),
            import_running: Mutex::new(()),
            skips: Default::default(),
            exhaustive: options.exhaustive.into(),
            followed: Mutex::new(0),
            // No data directory: nothing (the network's snapshot) is written into it.
            data_dir: None,
            default_weights: Weights::default(),
            options,
        })
    }

    /// An engine with its index in memory and its store in a temporary file, nothing loaded:
    /// for tests and benchmarks.
    pub fn in_memory(options: EngineOptions) -> Result<Engine> {
        Engine::in_memory_on(Store::open_temporary()?, options)
    }

    /// [`Engine::in_memory`] over `store` (a temporary PostgreSQL store, say): for tests.
    pub fn in_memory_on(store: Store, options: EngineOptions) -> Result<Engine> {
        let reference = Arc::new(Reference::embedded()?);
        let index = SearchIndex::in_memory(&reference, options.analysis)?;
        let network = std::sync::RwLock::new(Network::build(&reference, &store)?);
        Ok(Engine {
            reference,
            store,
            index,
            network,
            scorer_tables: Mutex::new(None),
            index_sync: Mutex::new(()),
            import_running: Mutex::new(()),
            skips: Default::default(),
            exhaustive: options.exhaustive.into(),
            followed: Mutex::new(0),
            data_dir: None,
            default_weights: Weights::default(),
            options,
        })
    }

    /// Sets the weights used when a request gives none (from the config file).
    pub fn set_default_weights(&mut self, weights: Weights) {
        self.default_weights = weights;
    }

    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Loads the embedded sample businesses and deals.
    pub fn load_fixtures(&self, progress: Progress<'_>) -> Result<ImportStats> {
        self.import(
            vec![
                (
                    "fixtures/businesses.jsonl".to_string(),
                    Box::new(FIXTURE_BUSINESSES.as_bytes()),
                ),
                (
                    "fixtures/deals.jsonl".to_string(),
                    Box::new(FIXTURE_DEALS.as_bytes()),
                ),
            ],
            progress,
        )
    }

    /// Deletes the sample (`jalin sample remove`): every business of the embedded sample
    /// still stored, every deal it is a party of, and so every sample deal; in one
    /// transaction. Their ids are retired like any deleted business's. Returns how many
    /// businesses and deals went.
    pub fn remove_sample(&self) -> Result<(u64, u64)> {
        let ids: Vec<String> = FIXTURE_BUSINESSES
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect();
        let (businesses, deals, last) = self.store.write(|w| {
            let (mut businesses, mut deals, mut last) = (0, 0, 0);
            for id in &ids {
                for deal in w.deal_ids_of(id)? {
                    if let Some(seq) = w.delete_deal(&deal)? {
                        deals += 1;
                        last = seq;
                    }
                }
                if let Some(seq) = w.delete_business(id)? {
                    businesses += 1;
                    last = seq;
                }
            }
            Ok((businesses, deals, last))
        })?;
        if last > 0 {
            self.index_up_to(last)?;
            self.network_mut().catch_up(&self.reference, &self.store)?;
            self.save_network()?;
        }
        Ok((businesses, deals))
    }

    fn lock_index(&self) -> std::sync::MutexGuard<'_, ()> {
        self.index_sync.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes every store change up to `seq` visible to searches (read-your-writes).
    ///
    /// This is the group commit: writers commit to the store independently, then queue
    /// here; whoever holds the lock applies *all* changes committed so far in one index
    /// commit, and the writers queued behind find their change already applied.
    fn index_up_to(&self, seq: u64) -> Result<()> {
        let _guard = self.lock_index();
        if self.index.seq() < seq {
            self.sync_index_locked()?;
        }
        Ok(())
    }

    /// Applies every store change after the index's sequence to the index and commits it.
    /// Returns how many businesses were re-indexed.
    pub fn sync_index(&self) -> Result<usize> {
        let _guard = self.lock_index();
        self.sync_index_locked()
    }

    fn sync_index_locked(&self) -> Result<usize> {
        let (ids, upto) = self.store.businesses_changed_since(self.index.seq())?;
        if upto == self.index.seq() {
            return Ok(0);
        }
        for chunk in ids.chunks(2000) {
            let mut changes = Vec::with_capacity(chunk.len());
            for id in chunk {
                changes.push((id.clone(), self.store.get_business_keyed(id)?));
            }
            self.index.stage(&self.reference, &changes)?;
        }
        self.index.commit(upto)?;
        Ok(ids.len())
    }

    /// Rebuilds the search index from the store.
    pub fn reindex(&self, progress: Progress<'_>) -> Result<u64> {
        let _guard = self.lock_index();
        let counts = self.store.counts()?;
        self.index.clear()?;
        let mut batch = Vec::with_capacity(1000);
        let mut done = 0u64;
        self.store.for_each_business(|key, b| {
            batch.push((key, b));
            if batch.len() == 1000 {
                self.index.stage_new(&self.reference, &batch)?;
                done += batch.len() as u64;
                batch.clear();
                progress("indexing businesses", done, counts.businesses);
            }
            Ok(())
        })?;
        self.index.stage_new(&self.reference, &batch)?;
        done += batch.len() as u64;
        progress("indexing businesses", done, counts.businesses);
        self.index.commit(counts.last_seq)?;
        Ok(done)
    }

    /// Writes the deal network's snapshot into the data directory (nothing in memory), so the
    /// next start reads it instead of every deal. Called after imports, at start after a
    /// rebuild, and at shutdown.
    pub fn save_network(&self) -> Result<()> {
        let Some(dir) = &self.data_dir else {
            return Ok(());
        };
        // Catching up needs the write lock; writing the file needs only the read lock, so
        // queries go on while it is written.
        self.network_mut().catch_up(&self.reference, &self.store)?;
        self.network().write_snapshot(&dir.join(NETWORK_SNAPSHOT))
    }

    /// The size of the store's files on disk (database and WAL), 0 in memory.
    pub fn store_bytes(&self) -> u64 {
        let Some(dir) = &self.data_dir else {
            return 0;
        };
        ["jalin.db", "jalin.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// A bare BM25 top-k over the listing text, for benchmarks (see `benches/`).
    pub fn bm25_baseline(&self, text: &str, k: usize) -> Result<usize> {
        self.index.bm25_top(text, k)
    }

    /// Store and index figures, for health checks and metrics.
    pub fn status(&self) -> Result<Status> {
        let counts: Counts = self.store.counts()?;
        Ok(Status {
            businesses: counts.businesses,
            deals: counts.deals,
            network_deals: self.network().graph().deal_count() as u64,
            last_seq: counts.last_seq,
            index_seq: self.index.seq(),
            caught_up: self.index.seq() >= counts.last_seq,
            index_documents: self.index.num_docs(),
        })
    }

    pub fn provinces(&self) -> &[Province] {
        &self.reference.provinces
    }

    /// Holds the store's write lock for `d`: every write waits meanwhile, and one that runs
    /// under a deadline (every API write) gives up at its deadline having written nothing.
    /// For a maintenance pause, and for the tests of that promise.
    pub fn pause_writes(&self, d: std::time::Duration) -> Result<()> {
        self.store.write(|_| {
            std::thread::sleep(d);
            Ok(())
        })
    }

    pub fn commodities(&self) -> &[Commodity] {
        &self.reference.commodities
    }

    fn network(&self) -> std::sync::RwLockReadGuard<'_, Network> {
        self.network.read().unwrap_or_else(|p| p.into_inner())
    }

    fn network_mut(&self) -> std::sync::RwLockWriteGuard<'_, Network> {
        self.network.write().unwrap_or_else(|p| p.into_inner())
    }
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}
