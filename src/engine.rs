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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{Error, Result};
use crate::model::{
    Business, BusinessKind, BusinessSummary, Certification, Deal, FieldError, ListingKind,
    ListingView, Quantity,
};
use crate::network::{self, Network};
use crate::plan::export::Schedule;
use crate::plan::{self, MissionSpec, PairScore, ProblemConfig, SpecError};
use crate::reference::{AdvantageSource, Commodity, Province, Reference};
use crate::score::{Direction, Lang, MatchContext, Scorer, ScorerTables, Weights, lq_term};
use crate::search::{Analysis, Filter, ScoreFn, SearchIndex, TextMode, TextQuery, unit_code};
use crate::store::{Counts, Store};
use crate::understand::{Understanding, understand};

/// The sample data compiled into the binary, loaded into an empty data directory.
pub const FIXTURE_BUSINESSES: &str = include_str!("../fixtures/businesses.jsonl");
pub const FIXTURE_DEALS: &str = include_str!("../fixtures/deals.jsonl");

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
    /// The deal network, derived from the store's deals.
    network: std::sync::RwLock<Network>,
    /// The scorer's request-independent tables for the network's current revealed advantage.
    scorer_tables: Mutex<Option<Arc<ScorerTables>>>,
    data_dir: Option<PathBuf>,
    default_weights: Weights,
    options: EngineOptions,
}

/// How the engine analyses text; the defaults are what the service uses.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    pub analysis: Analysis,
    /// Read commodities, volumes and certifications out of free text.
    pub understanding: bool,
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            analysis: Analysis::default(),
            understanding: true,
        }
    }
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
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating data directory {}", dir.display()), e))?;
        let started = Instant::now();
        let reference = Arc::new(Reference::embedded()?);
        let store = Store::open(&dir.join("jalin.db"))?;
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
            && engine.network().graph.deal_count() >= SNAPSHOT_MIN_DEALS
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
        if empty {
            report.fixtures_loaded = Some(engine.load_fixtures(progress)?);
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok((engine, report))
    }

    /// An engine with its index in memory and its store in a temporary file, nothing loaded:
    /// for tests and benchmarks.
    pub fn in_memory(options: EngineOptions) -> Result<Engine> {
        let reference = Arc::new(Reference::embedded()?);
        let index = SearchIndex::in_memory(&reference, options.analysis)?;
        let store = Store::open_temporary()?;
        let network = std::sync::RwLock::new(Network::build(&reference, &store)?);
        Ok(Engine {
            reference,
            store,
            index,
            network,
            scorer_tables: Mutex::new(None),
            index_sync: Mutex::new(()),
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

    /// Checks a business against the reference data and normalises it.
    pub fn validate_business(&self, b: &mut Business) -> Result<(), FieldError> {
        b.normalize()?;
        self.reference.require_province("province", &b.province)?;
        for (name, listings) in [("offers", &b.offers), ("needs", &b.needs)] {
            for (i, l) in listings.iter().enumerate() {
                self.reference
                    .require_commodity(&format!("{name}[{i}].commodity"), &l.commodity)?;
            }
        }
        Ok(())
    }

    fn validate_deal(&self, d: &Deal) -> Result<(), FieldError> {
        d.validate()?;
        self.reference
            .require_commodity("commodity", &d.commodity)?;
        Ok(())
    }

    /// Creates or replaces a business. Returns whether it was new.
    pub fn put_business(&self, mut b: Business) -> Result<(Business, bool)> {
        self.validate_business(&mut b)?;
        let (seq, existed) = self.store.write(|w| w.put_business(&b))?;
        if let (Some(key), Some(p)) = (
            self.store.business_key(&b.id)?,
            self.reference.province(&b.province),
        ) {
            self.network_mut().put_business(&b.id, key, p);
        }
        self.index_up_to(seq)?;
        Ok((b, !existed))
    }

    pub fn delete_business(&self, id: &str) -> Result<()> {
        match self.store.write(|w| w.delete_business(id))? {
            None => Err(Error::NotFound {
                what: "business",
                id: id.to_string(),
            }),
            Some(seq) => self.index_up_to(seq),
        }
    }

    pub fn get_business(&self, id: &str) -> Result<Business> {
        self.store.get_business(id)?.ok_or_else(|| Error::NotFound {
            what: "business",
            id: id.to_string(),
        })
    }

    /// Records a deal between two stored businesses.
    pub fn add_deal(&self, d: Deal) -> Result<Deal> {
        self.validate_deal(&d)?;
        let (deal, seq, provinces) = self.store.write(|w| {
            let mut provinces = Vec::with_capacity(2);
            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                match w.business_province(id)? {
                    Some(p) => provinces.push(p),
                    None => {
                        return Err(Error::invalid(field, format!("unknown business {id:?}")));
                    }
                }
            }
            if let Some(id) = &d.id
                && w.deal_exists(id)?
            {
                return Err(Error::invalid("id", format!("deal {id:?} already exists")));
            }
            let (deal, seq) = w.put_deal(&d)?;
            Ok((deal, seq, provinces))
        })?;
        // The store has it; the network learns it in place, before the write is acknowledged,
        // so the next match sees it.
        self.network_mut()
            .add_deal(&self.reference, &deal, seq, &provinces[0], &provinces[1]);
        Ok(deal)
    }

    /// Imports JSONL sources in one transaction: each line a business or a deal (a deal has
    /// a `buyer`). The first bad line aborts the whole import and names `file:line: field`.
    pub fn import(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
    ) -> Result<ImportStats> {
        self.import_checked(
            sources,
            progress,
            &std::sync::atomic::AtomicBool::new(false),
        )
    }

    /// [`Engine::import`] that rolls back instead of committing when `abandoned` is set by
    /// then (the HTTP request that carried it is gone).
    pub fn import_checked(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
        abandoned: &std::sync::atomic::AtomicBool,
    ) -> Result<ImportStats> {
        let started = Instant::now();
        let mut stats = ImportStats::default();
        // Businesses known to exist: those this import wrote, and those a deal found in the
        // store; a deal's two parties are then checked without a query each.
        let mut known: HashSet<String> = HashSet::new();
        self.store.write(|w| {
            for (name, reader) in sources {
                let mut lines = 0u64;
                for (i, line) in reader.lines().enumerate() {
                    let lineno = i as u64 + 1;
                    let fail = |field: &str, message: String| Error::Import {
                        file: name.clone(),
                        line: lineno,
                        field: field.to_string(),
                        message,
                    };
                    let line = line.map_err(|e| fail("-", format!("cannot read: {e}")))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match parse_record(&line) {
                        Err((field, message)) => return Err(fail(&field, message)),
                        Ok(Record::Business(mut b)) => {
                            self.validate_business(&mut b)
                                .map_err(|e| fail(&e.field, e.message))?;
                            stats.listings += (b.offers.len() + b.needs.len()) as u64;
                            w.put_business(&b)?;
                            known.insert(b.id);
                            stats.businesses += 1;
                        }
                        Ok(Record::Deal(d)) => {
                            self.validate_deal(&d)
                                .map_err(|e| fail(&e.field, e.message))?;
                            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                                if known.contains(id) {
                                    continue;
                                }
                                if !w.business_exists(id)? {
                                    return Err(fail(field, format!("unknown business {id:?}")));
                                }
                                known.insert(id.clone());
                            }
                            w.put_deal(&d)?;
                            stats.deals += 1;
                        }
                    }
                    lines += 1;
                    if lines.is_multiple_of(5000) {
                        progress(&format!("importing {name}"), lines, 0);
                    }
                }
                progress(&format!("importing {name}"), lines, lines);
            }
            if abandoned.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(Error::invalid(
                    "body",
                    "the request was abandoned before the import finished; nothing was imported",
                ));
            }
            Ok(())
        })?;
        if stats.businesses + stats.deals >= 10_000 {
            self.store.checkpoint()?;
        }
        stats.store_seconds = started.elapsed().as_secs_f64();
        let phase = Instant::now();
        progress("indexing", 0, stats.businesses);
        let seq = self.store.last_seq()?;
        self.index_up_to(seq)?;
        progress("indexing", stats.businesses, stats.businesses);
        stats.index_seconds = phase.elapsed().as_secs_f64();
        let phase = Instant::now();
        progress("building the deal network", 0, stats.deals);
        // A few deals go into the graph in place; many (more than a fifth of what it holds)
        // are faster to build from scratch, sorted.
        let in_place = (stats.deals as usize) * 5 < self.network().graph.deal_count();
        if in_place {
            let mut net = self.network_mut();
            net.refresh_businesses(&self.reference, &self.store)?;
            net.catch_up(&self.reference, &self.store)?;
        } else {
            let rebuilt = Network::build(&self.reference, &self.store)?;
            *self.network_mut() = rebuilt;
        }
        if stats.deals > 0 {
            self.save_network()?;
        }
        progress("building the deal network", stats.deals, stats.deals);
        stats.network_seconds = phase.elapsed().as_secs_f64();
        stats.seconds = started.elapsed().as_secs_f64();
        Ok(stats)
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
            network_deals: self.network().graph.deal_count() as u64,
            last_seq: counts.last_seq,
            index_seq: self.index.seq(),
            index_documents: self.index.num_docs(),
        })
    }

    pub fn provinces(&self) -> &[Province] {
        &self.reference.provinces
    }

    pub fn commodities(&self) -> &[Commodity] {
        &self.reference.commodities
    }

    /// A province's location quotients, strongest first.
    pub fn advantages(&self, code: &str) -> Result<AdvantagesResponse> {
        let r = &self.reference;
        let p = r.province(code).ok_or_else(|| Error::NotFound {
            what: "province",
            id: code.to_string(),
        })?;
        let revealed = self.network().revealed.clone();
        let np = r.provinces.len();
        let advantages = r
            .advantages_of(p)
            .into_iter()
            .map(|(c, a)| ProvinceAdvantage {
                rca_deals: revealed
                    .get(c * np + p)
                    .copied()
                    .flatten()
                    .map(|x| (f64::from(x) * 1000.0).round() / 1000.0),
                commodity: r.commodities[c].key.clone(),
                name: r.commodities[c].name_id.clone(),
                lq: (a.lq * 1000.0).round() / 1000.0,
                role: if a.lq >= 1.0 { "surplus" } else { "deficit" }.to_string(),
                year: match a.source {
                    AdvantageSource::Production { year } => Some(year),
                    AdvantageSource::Neutral => None,
                },
                source: source_of(r, code, &r.commodities[c].key),
            })
            .collect();
        Ok(AdvantagesResponse {
            province: r.provinces[p].clone(),
            advantages,
        })
    }

    /// Ranks partners: suppliers for a need, suppliers for every need of a buyer, or markets
    /// for every offer of a seller.
    pub fn match_request(&self, req: &MatchRequest, lang: Lang) -> Result<MatchResponse> {
        let started = Instant::now();
        let limit = check_limit(req.limit)?;
        let weights = req.weights.unwrap_or(self.default_weights);
        weights.validate()?;
        let given = [
            req.need.is_some(),
            req.buyer.is_some(),
            req.seller.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Error::invalid(
                "need",
                "send one of \"need\", \"buyer\" or \"seller\", not several",
            ));
        }
        let filters = self.resolve_filters(req.filters.as_ref())?;
        if let Some(need) = &req.need {
            return self.match_need(need, &filters, weights, lang, limit, started);
        }
        let (id, direction) = match (&req.buyer, &req.seller) {
            (Some(id), _) => (id, Direction::Suppliers),
            (_, Some(id)) => (id, Direction::Markets),
            _ => {
                return Err(Error::invalid(
                    "need",
                    "send a need ({\"need\": {\"text\": …, \"province\": …}}), a \"buyer\" id or a \"seller\" id",
                ));
            }
        };
        let business = self
            .store
            .get_business(id)?
            .ok_or_else(|| Error::NotFound {
                what: "business",
                id: id.clone(),
            })?;
        let province = self
            .reference
            .require_province("province", &business.province)?;
        let listings = match direction {
            Direction::Suppliers => &business.needs,
            Direction::Markets => &business.offers,
        };
        let mut groups = Vec::new();
        for l in listings {
            let commodity = self
                .reference
                .require_commodity("commodity", &l.commodity)?;
            let amount = l
                .amount(match direction {
                    Direction::Suppliers => ListingKind::Need,
                    Direction::Markets => ListingKind::Offer,
                })
                .and_then(|q| q.monthly_base())
                .map(|(a, u)| (a, unit_code(u)));
            let mut ctx = MatchContext::new(direction, province);
            ctx.commodities = vec![commodity];
            ctx.amount = amount;
            ctx.lang = lang;
            self.add_relationships(&mut ctx, Some(&business.id));
            let (total, results) =
                self.rank_partners(ctx, &l.title, Some(&business.id), &filters, weights, limit)?;
            let view = business
                .records()
                .into_iter()
                .find(|r| r.listing.id == l.id.clone().unwrap_or_default())
                .map(|r| r.listing);
            if let Some(listing) = view {
                groups.push(MatchGroup {
                    listing,
                    total,
                    results,
                });
            }
        }
        let mut results: Vec<MatchResult> = groups.iter().flat_map(|g| g.results.clone()).collect();
        results.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut seen = std::collections::HashSet::new();
        results.retain(|r| seen.insert(r.listing.id.clone()));
        results.truncate(limit);
        for (i, r) in results.iter_mut().enumerate() {
            r.rank = i + 1;
        }
        let message = if groups.is_empty() {
            Some(match (direction, lang) {
                (Direction::Suppliers, Lang::En) => format!(
                    "{} lists no needs yet; add needs to its profile to find suppliers",
                    business.name
                ),
                (Direction::Suppliers, Lang::Id) => format!(
                    "{} belum mencantumkan kebutuhan; tambahkan kebutuhan di profilnya untuk mencari pemasok",
                    business.name
                ),
                (Direction::Markets, Lang::En) => format!(
                    "{} lists no offers yet; add offers to its profile to find buyers",
                    business.name
                ),
                (Direction::Markets, Lang::Id) => format!(
                    "{} belum mencantumkan penawaran; tambahkan penawaran di profilnya untuk mencari pembeli",
                    business.name
                ),
            })
        } else {
            None
        };
        let r = &self.reference;
        Ok(MatchResponse {
            took_ms: elapsed_ms(started),
            understood: Understood {
                commodities: listings
                    .iter()
                    .map(|l| l.commodity.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                corrected: Vec::new(),
                province: Some(r.provinces[province].code.clone()),
                volume: None,
                certifications: Vec::new(),
                looking_for: Some(match direction {
                    Direction::Suppliers => ListingKind::Offer,
                    Direction::Markets => ListingKind::Need,
                }),
            },
            total: groups.iter().map(|g| g.total).sum(),
            business: Some(business.summary()),
            message,
            groups: Some(groups),
            results,
        })
    }

    fn match_need(
        &self,
        need: &NeedSpec,
        filters: &ResolvedFilters,
        weights: Weights,
        lang: Lang,
        limit: usize,
        started: Instant,
    ) -> Result<MatchResponse> {
        let r = &self.reference;
        let text = need.text.as_deref().unwrap_or("").trim();
        if text.len() > MAX_QUERY_TEXT {
            return Err(Error::invalid(
                "need.text",
                format!("is longer than {MAX_QUERY_TEXT} bytes"),
            ));
        }
        let mut u = if self.options.understanding {
            understand(r, text)
        } else {
            Understanding {
                commodities: r.commodities_in_text(text),
                ..Understanding::default()
            }
        };
        // What the request says explicitly wins over what was read from the text.
        let province = match &need.province {
            Some(code) => r.require_province("need.province", code)?,
            None => u.province.ok_or_else(|| {
                Error::invalid(
                    "need.province",
                    "give the buyer's province code (e.g. \"36\" for Banten) or name it in the text",
                )
            })?,
        };
        u.province = Some(province);
        if let Some(key) = &need.commodity {
            u.commodities = vec![r.require_commodity("need.commodity", key)?];
            u.fuzzy.clear();
        }
        let commodities = u.commodities.clone();
        if text.is_empty() && commodities.is_empty() {
            return Err(Error::invalid(
                "need",
                "say what you need: give \"text\" or a catalog \"commodity\"",
            ));
        }
        for c in parse_certs("need.certifications", &need.certifications)? {
            if !u.certifications.contains(&c) {
                u.certifications.push(c);
            }
        }
        let certs = u.certifications.clone();
        if let Some(q) = &need.volume {
            q.validate("need.volume")?;
            u.volume = Some(q.clone());
        }
        let amount = u
            .volume
            .as_ref()
            .and_then(|q| q.monthly_base())
            .map(|(a, unit)| (a, unit_code(unit)));
        let mut ctx = MatchContext::new(Direction::Suppliers, province);
        ctx.commodities = commodities.clone();
        ctx.amount = amount;
        ctx.certs = Certification::mask(&certs);
        ctx.lang = lang;
        self.add_relationships(&mut ctx, None);
        let (total, results) = self.rank_partners(ctx, text, None, filters, weights, limit)?;
        u.looking_for = Some(ListingKind::Offer);
        Ok(MatchResponse {
            took_ms: elapsed_ms(started),
            understood: self.understood(&u, None),
            total,
            business: None,
            message: None,
            groups: None,
            results,
        })
    }

    /// A scorer for the context, on tables shared by every request while the deal
    /// network's revealed advantage stays the same.
    fn scorer(&self, ctx: MatchContext, weights: Weights) -> Scorer {
        let tables = {
            let mut cached = self.scorer_tables.lock().unwrap_or_else(|p| p.into_inner());
            match &*cached {
                Some(t) if t.is_for(&ctx.revealed) => t.clone(),
                _ => {
                    let t = Arc::new(ScorerTables::new(&self.reference, ctx.revealed.clone()));
                    *cached = Some(t.clone());
                    t
                }
            }
        };
        Scorer::with_tables(&self.reference, tables, ctx, weights)
    }

    fn network(&self) -> std::sync::RwLockReadGuard<'_, Network> {
        self.network.read().unwrap_or_else(|p| p.into_inner())
    }

    fn network_mut(&self) -> std::sync::RwLockWriteGuard<'_, Network> {
        self.network.write().unwrap_or_else(|p| p.into_inner())
    }

    fn province_names(&self) -> Vec<&str> {
        self.reference
            .provinces
            .iter()
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Fills the context with the deal network's relationship feature for every candidate:
    /// pair-specific signals for the requester's neighbourhood, the seller-and-province part
    /// for everyone else (see `network`).
    fn add_relationships(&self, ctx: &mut MatchContext, requester: Option<&str>) {
        let net = self.network();
        let g = &net.graph;
        let today = network::today();
        let np = self.reference.provinces.len();
        let names = self.province_names();
        let lang = graph_lang(ctx.lang);
        let home = ctx.province as u8;
        ctx.revealed = Some(net.revealed.clone());
        match ctx.direction {
            Direction::Suppliers => {
                ctx.relationship_prior = Some(net.priors.clone());
                ctx.relationship_province = (0..np)
                    .map(|p| g.province_part(p as u8, home) as f32)
                    .collect();
                let Some(buyer) = requester else { return };
                let bc = g.buyer_context(buyer, Some(home));
                for n in g.neighbourhood(buyer, network::NEIGHBOURHOOD_CAP) {
                    let Some(&key) = net.keys.get(n) else {
                        continue;
                    };
                    let province = net.ids.get(&key).map(|(_, p)| *p as u8);
                    let sig = bc.signals(n, province, today);
                    ctx.relationship.insert(key, sig.feature());
                    let reasons = sig.reasons(lang, &names);
                    if !reasons.is_empty() {
                        ctx.relationship_reasons.insert(key, reasons);
                    }
                }
            }
            Direction::Markets => {
                let prior = requester
                    .and_then(|s| net.keys.get(s))
                    .and_then(|k| net.priors.get(*k as usize))
                    .copied()
                    .unwrap_or(0.0);
                ctx.relationship_prior = None;
                ctx.relationship_province = (0..np)
                    .map(|p| prior + g.province_part(home, p as u8) as f32)
                    .collect();
                let Some(seller) = requester else { return };
                for n in g.neighbourhood(seller, network::NEIGHBOURHOOD_CAP) {
                    let Some(&key) = net.keys.get(n) else {
                        continue;
                    };
                    let sig = g.signals(n, seller, today);
                    ctx.relationship.insert(key, sig.feature());
                    let reasons = sig.reasons_as(crate::graph::Asker::Seller, lang, &names);
                    if !reasons.is_empty() {
                        ctx.relationship_reasons.insert(key, reasons);
                    }
                }
            }
        }
    }

    fn resolve_filters(&self, f: Option<&MatchFilters>) -> Result<ResolvedFilters> {
        let r = &self.reference;
        let mut out = ResolvedFilters::default();
        let Some(f) = f else {
            return Ok(out);
        };
        for (name, len) in [
            ("filters.provinces", f.provinces.len()),
            ("filters.island_groups", f.island_groups.len()),
            ("filters.kinds", f.kinds.len()),
            ("filters.certifications", f.certifications.len()),
        ] {
            if len > MAX_FILTER_VALUES {
                return Err(Error::invalid(
                    name,
                    format!("at most {MAX_FILTER_VALUES} values"),
                ));
            }
        }
        for (i, code) in f.provinces.iter().enumerate() {
            out.provinces
                .push(r.require_province(&format!("filters.provinces[{i}]"), code)?);
        }
        if !f.island_groups.is_empty() {
            let mut in_groups = Vec::new();
            for (i, g) in f.island_groups.iter().enumerate() {
                let members: Vec<usize> = (0..r.provinces.len())
                    .filter(|p| r.provinces[*p].island_group.eq_ignore_ascii_case(g))
                    .collect();
                if members.is_empty() {
                    let mut groups: Vec<&str> = r
                        .provinces
                        .iter()
                        .map(|p| p.island_group.as_str())
                        .collect();
                    groups.sort();
                    groups.dedup();
                    return Err(Error::invalid(
                        format!("filters.island_groups[{i}]"),
                        format!(
                            "unknown island group {g:?}; use one of {}",
                            groups.join(", ")
                        ),
                    ));
                }
                in_groups.extend(members);
            }
            let mut member = vec![false; r.provinces.len()];
            for p in in_groups {
                member[p] = true;
            }
            out.provinces = if out.provinces.is_empty() {
                (0..member.len()).filter(|p| member[*p]).collect()
            } else {
                out.provinces.into_iter().filter(|p| member[*p]).collect()
            };
            if out.provinces.is_empty() {
                // Province and island filters that exclude each other: nothing can match.
                out.nothing = true;
            }
        }
        out.kinds = f.kinds.iter().map(|k| k.index()).collect();
        out.certs = Certification::mask(&parse_certs("filters.certifications", &f.certifications)?);
        if let Some(q) = &f.min_capacity {
            q.validate("filters.min_capacity")?;
            out.min_amount = q.monthly_base().map(|(a, u)| (a, unit_code(u)));
        }
        out.same_province = f.same_province;
        Ok(out)
    }

    /// Ranks counterpart listings for one context; returns how many passed the filters and
    /// the top `limit` with explanations.
    fn rank_partners(
        &self,
        ctx: MatchContext,
        text: &str,
        exclude_business: Option<&str>,
        filters: &ResolvedFilters,
        weights: Weights,
        limit: usize,
    ) -> Result<(usize, Vec<MatchResult>)> {
        if filters.nothing {
            return Ok((0, Vec::new()));
        }
        let r = &self.reference;
        let mut filter = Filter {
            kind: Some(match ctx.direction {
                Direction::Suppliers => ListingKind::Offer,
                Direction::Markets => ListingKind::Need,
            }),
            commodities: ctx.commodities.clone(),
            provinces: filters.provinces.clone(),
            business_kinds: filters.kinds.clone(),
            certs: filters.certs | ctx.certs,
            exclude_business: exclude_business.map(str::to_string),
            ..Filter::default()
        };
        if !filters.same_province {
            filter.exclude_provinces.push(ctx.province);
        }
        let mode = if ctx.commodities.is_empty() {
            TextMode::Required
        } else {
            TextMode::Optional
        };
        let scorer = Arc::new(self.scorer(ctx, weights));
        let s = scorer.clone();
        let min = filters.min_amount;
        let score: ScoreFn = Arc::new(move |f| {
            if let Some((a, u)) = min
                && (f.amount_unit != u || f.amount < a)
            {
                return None;
            }
            Some(s.score(f))
        });
        // Without a catalog commodity the text must match; with one, text only adds BM25.
        let found = self
            .index
            .rank(&filter, &TextQuery { text, mode }, limit, 0, score)?;
        let results = found
            .hits
            .into_iter()
            .enumerate()
            .map(|(i, hit)| {
                let mut e = scorer.explain(r, &hit.features);
                let ctx = &scorer.ctx;
                if !ctx
                    .relationship_reasons
                    .contains_key(&hit.features.business_key)
                    && e.explain.get("relationship").is_some_and(|v| *v > 0.0)
                {
                    e.reasons.extend(self.general_network_reasons(
                        ctx,
                        exclude_business,
                        &hit.record.business.id,
                        hit.features.province,
                    ));
                }
                MatchResult {
                    rank: i + 1,
                    score: (hit.score * 10_000.0).round() / 10_000.0,
                    business: hit.record.business,
                    listing: hit.record.listing,
                    explain: e.explain,
                    reasons: e.reasons,
                }
            })
            .collect();
        Ok((found.total, results))
    }

    /// The network's reasons for a counterpart outside the requester's neighbourhood: the
    /// seller's track record and the trade between the two provinces.
    fn general_network_reasons(
        &self,
        ctx: &MatchContext,
        requester: Option<&str>,
        candidate: &str,
        candidate_province: usize,
    ) -> Vec<String> {
        let net = self.network();
        let g = &net.graph;
        let names = self.province_names();
        let lang = graph_lang(ctx.lang);
        let today = network::today();
        match ctx.direction {
            Direction::Suppliers => g
                .buyer_context(requester.unwrap_or(""), Some(ctx.province as u8))
                .signals(candidate, Some(candidate_province as u8), today)
                .reasons(lang, &names),
            Direction::Markets => g
                .signals(candidate, requester.unwrap_or(""), today)
                .reasons_as(crate::graph::Asker::Seller, lang, &names),
        }
    }

    /// What province `from` should bring to province `to`: commodities ranked by the
    /// opportunity (seller advantage over buyer deficit × listed supply × listed demand),
    /// with the businesses behind each.
    pub fn corridor(
        &self,
        from: &str,
        to: &str,
        limit: usize,
        lang: Lang,
    ) -> Result<CorridorResponse> {
        let started = Instant::now();
        let r = &self.reference;
        let fp = r.require_province("from", from)?;
        let tp = r.require_province("to", to)?;
        if fp == tp {
            return Err(Error::invalid(
                "to",
                "must be another province than \"from\"",
            ));
        }
        if limit == 0 || limit > 100 {
            return Err(Error::invalid("limit", "must be from 1 to 100"));
        }
        let nc = r.commodities.len();
        let supply = self.index.count_by_commodity(
            &Filter {
                kind: Some(ListingKind::Offer),
                provinces: vec![fp],
                ..Filter::default()
            },
            nc,
        )?;
        let demand = self.index.count_by_commodity(
            &Filter {
                kind: Some(ListingKind::Need),
                provinces: vec![tp],
                ..Filter::default()
            },
            nc,
        )?;
        let (revealed, complementarity) = {
            let net = self.network();
            (net.revealed.clone(), net.graph.complementarity(fp, tp))
        };
        let np = r.provinces.len();
        // The advantage term of a province: its LQ from production, else its revealed
        // comparative advantage from past deals, else neutral.
        let term = |p: usize, c: usize| {
            let a = r.advantage(p, c);
            match (a.source, revealed.get(c * np + p).copied().flatten()) {
                (AdvantageSource::Neutral, Some(rca)) => {
                    lq_term(f64::from(rca), AdvantageSource::Production { year: 0 })
                }
                _ => lq_term(a.lq, a.source),
            }
        };
        let mut rows: Vec<(f64, usize)> = (0..nc)
            .filter(|c| supply[*c] > 0)
            .map(|c| {
                let ratio = ((term(fp, c) - term(tp, c)) as f64 * 8f64.ln())
                    .exp()
                    .sqrt();
                let opportunity =
                    ratio * (2.0 + supply[c] as f64).ln() * (2.0 + demand[c] as f64).ln();
                (opportunity, c)
            })
            .collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        rows.truncate(limit);
        let (fname, tname) = (&r.provinces[fp].name, &r.provinces[tp].name);
        let mut commodities = Vec::with_capacity(rows.len());
        for (opportunity, c) in rows {
            let commodity = &r.commodities[c];
            let cname = commodity.name_id.to_lowercase();
            let (s, b) = (r.advantage(fp, c), r.advantage(tp, c));
            let mut reasons = Vec::new();
            for (name, a) in [(fname, s), (tname, b)] {
                if let AdvantageSource::Production { year } = a.source {
                    reasons.push(match lang {
                        Lang::En => format!(
                            "{name} grows {:.2}× the national per-capita amount of {cname} (BPS {year})",
                            a.lq
                        ),
                        Lang::Id => format!(
                            "{name} menghasilkan {:.2}× rata-rata nasional per kapita untuk {cname} (BPS {year})",
                            a.lq
                        ),
                    });
                }
            }
            reasons.push(match lang {
                Lang::En => format!(
                    "{} offers of {cname} listed in {fname}, {} needs in {tname}",
                    supply[c], demand[c]
                ),
                Lang::Id => format!(
                    "{} penawaran {cname} terdaftar di {fname}, {} kebutuhan di {tname}",
                    supply[c], demand[c]
                ),
            });
            let mut ctx = MatchContext::new(Direction::Suppliers, tp);
            ctx.commodities = vec![c];
            ctx.lang = lang;
            self.add_relationships(&mut ctx, None);
            let only_from = ResolvedFilters {
                provinces: vec![fp],
                ..ResolvedFilters::default()
            };
            let (_, sellers) =
                self.rank_partners(ctx, "", None, &only_from, self.default_weights, 5)?;
            let mut ctx = MatchContext::new(Direction::Markets, fp);
            ctx.commodities = vec![c];
            ctx.lang = lang;
            self.add_relationships(&mut ctx, None);
            let only_to = ResolvedFilters {
                provinces: vec![tp],
                ..ResolvedFilters::default()
            };
            let (_, buyers) =
                self.rank_partners(ctx, "", None, &only_to, self.default_weights, 5)?;
            commodities.push(CorridorCommodity {
                commodity: commodity.key.clone(),
                name: commodity.name_id.clone(),
                opportunity: (opportunity * 1000.0).round() / 1000.0,
                seller_lq: (s.source != AdvantageSource::Neutral)
                    .then_some((s.lq * 1000.0).round() / 1000.0),
                buyer_lq: (b.source != AdvantageSource::Neutral)
                    .then_some((b.lq * 1000.0).round() / 1000.0),
                offers: supply[c],
                needs: demand[c],
                reasons,
                sellers: sellers
                    .into_iter()
                    .map(|m| CorridorParty {
                        business: m.business,
                        listing: m.listing,
                    })
                    .collect(),
                buyers: buyers
                    .into_iter()
                    .map(|m| CorridorParty {
                        business: m.business,
                        listing: m.listing,
                    })
                    .collect(),
            });
        }
        Ok(CorridorResponse {
            took_ms: elapsed_ms(started),
            from: r.provinces[fp].code.clone(),
            to: r.provinces[tp].code.clone(),
            complementarity: complementarity.map(|x| (x * 100.0).round() / 100.0),
            commodities,
        })
    }

    /// Full-text search over listings with filters, ranked by BM25.
    pub fn search(&self, q: &SearchParams) -> Result<SearchResponse> {
        let started = Instant::now();
        let limit = check_limit(q.limit)?;
        let offset = q.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(Error::invalid(
                "offset",
                format!("must be at most {MAX_OFFSET}"),
            ));
        }
        let r = &self.reference;
        let text = q.q.as_deref().unwrap_or("").trim();
        if text.len() > MAX_QUERY_TEXT {
            return Err(Error::invalid(
                "q",
                format!("is longer than {MAX_QUERY_TEXT} bytes"),
            ));
        }
        let mut filter = Filter::default();
        if let Some(kind) = &q.kind {
            filter.kind = Some(ListingKind::parse(kind).ok_or_else(|| {
                Error::invalid("kind", format!("{kind:?} is not \"offer\" or \"need\""))
            })?);
        }
        if let Some(p) = &q.province {
            for code in p.split(',').filter(|s| !s.is_empty()) {
                filter
                    .provinces
                    .push(r.require_province("province", code.trim())?);
            }
        }
        if let Some(c) = &q.commodity {
            for key in c.split(',').filter(|s| !s.is_empty()) {
                filter
                    .commodities
                    .push(r.require_commodity("commodity", key.trim())?);
            }
        }
        if let Some(c) = &q.cert {
            let list: Vec<String> = c.split(',').map(|s| s.trim().to_string()).collect();
            filter.certs = Certification::mask(&parse_certs("cert", &list)?);
        }
        let u = if self.options.understanding {
            understand(r, text)
        } else {
            Understanding::default()
        };
        // Listings of a commodity the text names come first, then the rest by BM25; a
        // listing of the kind the user looks for gets a small lift.
        let named = u.commodities.clone();
        let looking_for = u.looking_for;
        let score: ScoreFn = Arc::new(move |f| {
            let named_bonus = if named.contains(&f.commodity) {
                COMMODITY_BONUS
            } else {
                0.0
            };
            let kind_bonus = if looking_for == Some(f.kind) {
                1.0
            } else {
                0.0
            };
            Some(f.bm25 + named_bonus + kind_bonus)
        });
        let mode = if !u.commodities.is_empty() {
            TextMode::RequiredOr(u.commodities.clone())
        } else if text.is_empty() {
            TextMode::Optional
        } else {
            TextMode::Required
        };
        let found = self
            .index
            .rank(&filter, &TextQuery { text, mode }, limit, offset, score)?;
        Ok(SearchResponse {
            took_ms: elapsed_ms(started),
            total: found.total,
            understood: self.understood(&u, q.province.clone()),
            results: found
                .hits
                .into_iter()
                .map(|h| SearchResult {
                    score: (h.score * 10_000.0).round() / 10_000.0,
                    business: h.record.business,
                    listing: h.record.listing,
                })
                .collect(),
        })
    }
}

impl Engine {
    fn understood(&self, u: &Understanding, province: Option<String>) -> Understood {
        let r = &self.reference;
        let keys = |cs: &[usize]| cs.iter().map(|c| r.commodities[*c].key.clone()).collect();
        Understood {
            commodities: keys(&u.commodities),
            corrected: keys(&u.fuzzy),
            province: province.or_else(|| u.province.map(|p| r.provinces[p].code.clone())),
            volume: u.volume.clone(),
            certifications: u.certifications.clone(),
            looking_for: u.looking_for,
        }
    }
}

/// What a search adds to the BM25 of a listing whose commodity the text names: more than any
/// BM25, so the named commodity always ranks first.
const COMMODITY_BONUS: f32 = 100.0;

fn graph_lang(lang: Lang) -> crate::graph::Lang {
    match lang {
        Lang::En => crate::graph::Lang::En,
        Lang::Id => crate::graph::Lang::Id,
    }
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

fn check_limit(limit: Option<usize>) -> Result<usize> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::invalid(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

fn parse_certs(field: &str, names: &[String]) -> Result<Vec<Certification>> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            continue;
        }
        let c = Certification::parse(n).ok_or_else(|| {
            Error::invalid(
                format!("{field}[{i}]"),
                format!(
                    "unknown certification {n:?}; use halal, bpom, sni, pirt, organic, haccp or gap"
                ),
            )
        })?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

fn source_of(r: &Reference, province: &str, commodity: &str) -> Option<String> {
    r.production
        .iter()
        .find(|row| row.province_code == province && row.commodity == commodity)
        .map(|row| row.source.clone())
        .or_else(|| {
            r.production
                .iter()
                .find(|row| row.commodity == commodity)
                .map(|row| format!("national total from: {}", row.source))
        })
}

enum Record {
    Business(Business),
    Deal(Deal),
}

/// Parses one JSONL line into a business or a deal, naming the failing field.
fn parse_record(line: &str) -> std::result::Result<Record, (String, String)> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| ("-".to_string(), format!("not JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err(("-".into(), "each line must be a JSON object".into()));
    };
    let is_deal = obj.contains_key("buyer") || obj.contains_key("seller");
    let named = |e: serde_path_to_error::Error<serde_json::Error>| {
        let path = e.path().to_string();
        let field = if path == "." { "-".to_string() } else { path };
        (field, e.into_inner().to_string())
    };
    if is_deal {
        serde_path_to_error::deserialize(value)
            .map(Record::Deal)
            .map_err(named)
    } else {
        serde_path_to_error::deserialize(value)
            .map(Record::Business)
            .map_err(named)
    }
}

/// What an import loaded.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportStats {
    pub businesses: u64,
    pub listings: u64,
    pub deals: u64,
    /// The whole import, and its three phases: reading and writing the store (one
    /// transaction), bringing the search index up to date, updating the deal network.
    pub seconds: f64,
    pub store_seconds: f64,
    pub index_seconds: f64,
    pub network_seconds: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    pub businesses: u64,
    pub deals: u64,
    /// Deals in the deal network (the store's, less those with a deleted party).
    pub network_deals: u64,
    /// The store's last change sequence.
    pub last_seq: u64,
    /// The change sequence the search index holds.
    pub index_seq: u64,
    pub index_documents: u64,
}

/// `POST /v1/match`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// What the buyer needs.
    #[serde(default)]
    pub need: Option<NeedSpec>,
    /// Suppliers for every need of this business.
    #[serde(default)]
    pub buyer: Option<String>,
    /// Markets (buyers in other provinces) for every offer of this business.
    #[serde(default)]
    pub seller: Option<String>,
    /// How many results, 1 to 1000 (default 20).
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub filters: Option<MatchFilters>,
    /// Feature weights; absent ones keep their defaults.
    #[serde(default)]
    pub weights: Option<Weights>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedSpec {
    /// Free text, e.g. "bawang merah" or "supplier shallots".
    #[serde(default)]
    pub text: Option<String>,
    /// A catalog key; found in the text when absent.
    #[serde(default)]
    pub commodity: Option<String>,
    /// The buyer's province code; read from the text ("untuk Serang") when absent.
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub volume: Option<Quantity>,
    #[serde(default)]
    pub certifications: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchFilters {
    /// Only partners in these provinces (codes).
    #[serde(default)]
    pub provinces: Vec<String>,
    /// Only partners in these island groups (e.g. "Jawa", "Sumatera").
    #[serde(default)]
    pub island_groups: Vec<String>,
    /// Only these kinds of business.
    #[serde(default)]
    pub kinds: Vec<BusinessKind>,
    /// Partners must hold every one of these certifications.
    #[serde(default)]
    pub certifications: Vec<String>,
    /// Partners whose listed monthly amount is at least this.
    #[serde(default)]
    pub min_capacity: Option<Quantity>,
    /// Also partners in the requester's own province (default: only other provinces).
    #[serde(default)]
    pub same_province: bool,
}

/// Filters resolved against the reference data.
#[derive(Debug, Clone, Default)]
struct ResolvedFilters {
    provinces: Vec<usize>,
    kinds: Vec<u64>,
    certs: u64,
    min_amount: Option<(f64, u64)>,
    same_province: bool,
    /// The filters exclude each other.
    nothing: bool,
}

/// The results for one listing of a business (buyer and seller modes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchGroup {
    /// The need (buyer mode) or offer (seller mode) these results are for.
    pub listing: ListingView,
    pub total: usize,
    pub results: Vec<MatchResult>,
}

/// What the engine understood of a request, so the user can correct it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Understood {
    /// Catalog commodities named (or given).
    pub commodities: Vec<String>,
    /// Those of them read through a typo ("bawang mera" → bawang_merah).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<String>,
    /// The province the request is for.
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<Quantity>,
    pub certifications: Vec<Certification>,
    /// Offers (suppliers) or needs (buyers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looking_for: Option<ListingKind>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchResult {
    pub rank: usize,
    pub score: f32,
    pub business: BusinessSummary,
    pub listing: ListingView,
    /// Each feature's weighted contribution; they add up to `score`.
    pub explain: BTreeMap<String, f32>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchResponse {
    pub took_ms: f64,
    pub understood: Understood,
    /// How many listings passed the filters.
    pub total: usize,
    /// The business asking (buyer and seller modes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessSummary>,
    /// Why there are no results, when that is not an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Per need (buyer mode) or per offer (seller mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<MatchGroup>>,
    /// The best results: for a need, its ranking; for a business, the best across its groups.
    pub results: Vec<MatchResult>,
}

/// `GET /v1/corridors` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CorridorParams {
    /// The province that brings goods (code).
    pub from: String,
    /// The province that buys them (code).
    pub to: String,
    /// How many commodities, 1 to 100 (default 10).
    pub limit: Option<usize>,
    /// `en` or `id`.
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorridorParty {
    pub business: BusinessSummary,
    pub listing: ListingView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorridorCommodity {
    pub commodity: String,
    pub name: String,
    /// √(A_from / A_to) × ln(2 + offers) × ln(2 + needs), where A is the LQ from production
    /// or, without a figure, the revealed comparative advantage from past deals (clamped to
    /// [⅛, 8], neutral 1 without either).
    pub opportunity: f64,
    pub seller_lq: Option<f64>,
    pub buyer_lq: Option<f64>,
    /// Offers of the commodity listed in the `from` province.
    pub offers: u64,
    /// Needs of the commodity listed in the `to` province.
    pub needs: u64,
    pub reasons: Vec<String>,
    /// The best-placed sellers in `from`.
    pub sellers: Vec<CorridorParty>,
    /// The best-placed buyers in `to`.
    pub buyers: Vec<CorridorParty>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorridorResponse {
    pub took_ms: f64,
    pub from: String,
    pub to: String,
    /// Michaely's trade complementarity (0–100) of `from` as seller and `to` as buyer, from
    /// the past deals' export and import shares; absent without deals on either side.
    pub complementarity: Option<f64>,
    pub commodities: Vec<CorridorCommodity>,
}

/// `GET /v1/search` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text.
    pub q: Option<String>,
    /// Province codes, comma-separated.
    pub province: Option<String>,
    /// `offer` or `need`.
    pub kind: Option<String>,
    /// Catalog keys, comma-separated.
    pub commodity: Option<String>,
    /// Required certifications, comma-separated.
    pub cert: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResult {
    pub score: f32,
    pub business: BusinessSummary,
    pub listing: ListingView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    pub took_ms: f64,
    pub total: usize,
    pub understood: Understood,
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvinceAdvantage {
    /// Balassa's revealed comparative advantage in past deals (value sold), when any.
    pub rca_deals: Option<f64>,
    pub commodity: String,
    pub name: String,
    /// Location quotient: production per head over the national production per head.
    pub lq: f64,
    /// `surplus` (LQ ≥ 1) or `deficit`.
    pub role: String,
    pub year: Option<u32>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvantagesResponse {
    pub province: Province,
    pub advantages: Vec<ProvinceAdvantage>,
}

/// The mission specs compiled into the binary from `fixtures/missions/`.
pub const FIXTURE_MISSIONS: &[(&str, &str)] = &[(
    "jatim-banten-2023",
    include_str!("../fixtures/missions/jatim-banten-2023.json"),
)];

/// What a business brings to a mission's pair scoring.
struct Profile {
    key: u64,
    province: usize,
    certs: u64,
    kind: u64,
    /// (commodity, monthly amount, unit code) per offer.
    offers: Vec<(usize, f64, u64)>,
    needs: Vec<(usize, f64, u64)>,
}

impl Engine {
    /// Plans a mission: resolves its participants against the store (unless
    /// `preferences_only`), scores every cross-side pair in both directions, and runs the
    /// planner. Returns the schedule with per-participant agendas.
    pub fn plan_mission(&self, mut spec: MissionSpec) -> Result<Schedule> {
        let r = &self.reference;
        r.require_province("host_province", &spec.host_province)?;
        let mut businesses: HashMap<String, (u64, Business)> = HashMap::new();
        for (i, p) in spec.participants.iter().enumerate() {
            if let Some(prov) = &p.province {
                r.require_province(&format!("participants[{i}].province"), prov)?;
            }
            match self.store.get_business_keyed(&p.id)? {
                Some(b) => {
                    businesses.insert(p.id.clone(), b);
                }
                None if spec.preferences_only => {}
                None => {
                    return Err(Error::invalid(
                        format!("participants[{i}].id"),
                        format!(
                            "unknown business {:?}; add it first, or plan with \"preferences_only\": true",
                            p.id
                        ),
                    ));
                }
            }
        }
        spec.resolve_sides(|id| businesses.get(id).map(|(_, b)| b.province.clone()))
            .map_err(spec_error)?;
        let mission = spec.validate().map_err(spec_error)?;
        let profiles: HashMap<&str, Profile> = businesses
            .iter()
            .filter_map(|(id, (key, b))| Some((id.as_str(), self.profile(*key, b)?)))
            .collect();
        // One scorer per buyer province, for both directions of every pair.
        let mut scorers: HashMap<usize, Scorer> = HashMap::new();
        for p in profiles.values() {
            scorers.entry(p.province).or_insert_with(|| {
                let mut ctx = MatchContext::new(Direction::Suppliers, p.province);
                ctx.commodities = (0..r.commodities.len()).collect();
                self.add_relationships(&mut ctx, None);
                self.scorer(ctx, self.default_weights)
            });
        }
        let one_way = |seller: &Profile, buyer: &Profile| -> Option<(f32, usize)> {
            let scorer = scorers.get(&buyer.province)?;
            let mut best: Option<(f32, usize)> = None;
            for &(c, amount, unit) in &seller.offers {
                for &(nc, need, need_unit) in &buyer.needs {
                    if nc != c {
                        continue;
                    }
                    let l = crate::score::ListingFeatures {
                        business_key: seller.key,
                        bm25: 0.0,
                        kind: ListingKind::Offer,
                        commodity: c,
                        province: seller.province,
                        business_kind: seller.kind,
                        certs: seller.certs,
                        amount,
                        amount_unit: unit,
                    };
                    let f = scorer.features_with(&l, (need > 0.0).then_some((need, need_unit)));
                    let s = scorer.total(&f);
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, c));
                    }
                }
            }
            best
        };
        let score = |a: &str, b: &str| -> Option<PairScore> {
            let (pa, pb) = (profiles.get(a)?, profiles.get(b)?);
            let best = match (one_way(pa, pb), one_way(pb, pa)) {
                (Some(x), Some(y)) => Some(if x.0 >= y.0 { x } else { y }),
                (x, y) => x.or(y),
            }?;
            // Every pair with something to trade is worth a meeting; a better-placed pair
            // more so. Scores can dip below zero (far apart, no advantage), weights cannot.
            Some(PairScore {
                weight: f64::from(best.0.max(0.0)) + 0.05,
                topic: Some(r.commodities[best.1].key.clone()),
            })
        };
        let (problem, solution) = plan::plan(&mission, &score, &ProblemConfig::default());
        let names = |id: &str| businesses.get(id).map(|(_, b)| b.name.clone());
        Ok(plan::export::schedule(
            &mission,
            &problem,
            &solution,
            Some(&names),
            true,
        ))
    }

    fn profile(&self, key: u64, b: &Business) -> Option<Profile> {
        let r = &self.reference;
        let amounts = |listings: &[crate::model::Listing], kind: ListingKind| {
            listings
                .iter()
                .filter_map(|l| {
                    let c = r.commodity(&l.commodity)?;
                    let (a, u) = l
                        .amount(kind)
                        .and_then(|q| q.monthly_base())
                        .map_or((-1.0, 0), |(a, u)| (a, unit_code(u)));
                    Some((c, a, u))
                })
                .collect()
        };
        Some(Profile {
            key,
            province: r.province(&b.province)?,
            certs: Certification::mask(&b.certifications),
            kind: b.kind.index(),
            offers: amounts(&b.offers, ListingKind::Offer),
            needs: amounts(&b.needs, ListingKind::Need),
        })
    }
}

fn spec_error(e: SpecError) -> Error {
    Error::invalid(
        if e.field.is_empty() {
            "body".to_string()
        } else {
            e.field
        },
        e.message,
    )
}

/// `GET /v1/businesses/{id}/network`: who a business has traded with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkView {
    pub business: BusinessSummary,
    pub partners: Vec<PartnerView>,
    /// Provinces traded with, by completed value.
    pub provinces: Vec<ProvinceTradeView>,
    pub deals: DealCounts,
    /// A message when the business has no deals yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub province: String,
    /// `bought_from`, `sold_to` or `both`.
    pub role: String,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    /// Value of the completed deals, rupiah.
    pub value_idr: f64,
    pub last_date: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvinceTradeView {
    pub province: String,
    pub name: String,
    pub partners: u32,
    pub deals: u32,
    pub value_idr: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DealCounts {
    pub partners: u32,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    pub value_idr: f64,
}

/// `GET /v1/intro`: a warm introduction through past deals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntroView {
    pub from: String,
    pub to: String,
    /// The hops from `from` to `to`; absent when they are not connected.
    pub path: Option<Vec<HopView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HopView {
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    /// What `from` did with `to`: `bought_from`, `sold_to` or `both`.
    pub role: String,
    /// The deals behind this hop, newest first.
    pub deals: Vec<String>,
    pub completed: u32,
    pub mou: u32,
    pub value_idr: f64,
    pub last_date: String,
}

/// `GET /v1/flows`: completed trade between provinces, seller's to buyer's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlowsView {
    pub flows: Vec<FlowView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlowView {
    pub from: String,
    pub to: String,
    pub value_idr: f64,
}

fn role_name(role: crate::graph::Role) -> String {
    match role {
        crate::graph::Role::BoughtFrom => "bought_from",
        crate::graph::Role::SoldTo => "sold_to",
        crate::graph::Role::Both => "both",
    }
    .to_string()
}

impl Engine {
    fn name_of(&self, id: &str) -> Option<String> {
        self.store.get_business(id).ok().flatten().map(|b| b.name)
    }

    /// Who a business has traded with.
    pub fn business_network(&self, id: &str, limit: usize, lang: Lang) -> Result<NetworkView> {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Error::invalid(
                "limit",
                format!("must be from 1 to {MAX_LIMIT}"),
            ));
        }
        let business = self.get_business(id)?;
        let r = &self.reference;
        let code = |p: u8| {
            r.provinces
                .get(p as usize)
                .map(|x| x.code.clone())
                .unwrap_or_default()
        };
        let net = self.network();
        let Some(view) = net.graph.network(id, limit) else {
            return Ok(NetworkView {
                business: business.summary(),
                partners: Vec::new(),
                provinces: Vec::new(),
                deals: DealCounts {
                    partners: 0,
                    completed: 0,
                    failed: 0,
                    mou: 0,
                    value_idr: 0.0,
                },
                message: Some(match lang {
                    Lang::En => format!("{} has no recorded deals yet", business.name),
                    Lang::Id => format!("{} belum memiliki transaksi tercatat", business.name),
                }),
            });
        };
        drop(net);
        Ok(NetworkView {
            business: business.summary(),
            partners: view
                .partners
                .iter()
                .map(|p| PartnerView {
                    name: self.name_of(&p.id),
                    id: p.id.clone(),
                    province: code(p.province),
                    role: role_name(p.role),
                    completed: p.completed,
                    failed: p.failed,
                    mou: p.mou,
                    value_idr: p.value_idr,
                    last_date: crate::model::format_date(i64::from(p.last_day)),
                })
                .collect(),
            provinces: view
                .provinces
                .iter()
                .map(|p| ProvinceTradeView {
                    province: code(p.province),
                    name: r
                        .provinces
                        .get(p.province as usize)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    partners: p.partners,
                    deals: p.deals,
                    value_idr: p.value_idr,
                })
                .collect(),
            deals: DealCounts {
                partners: view.totals.partners,
                completed: view.totals.completed,
                failed: view.totals.failed,
                mou: view.totals.mou,
                value_idr: view.totals.value_idr,
            },
            message: None,
        })
    }

    /// The strongest short path of past deals from one business to another.
    pub fn intro(&self, from: &str, to: &str, lang: Lang) -> Result<IntroView> {
        for (field, id) in [("from", from), ("to", to)] {
            crate::model::validate_id(field, id)?;
            if self.store.business_key(id)?.is_none() {
                return Err(Error::NotFound {
                    what: "business",
                    id: id.to_string(),
                });
            }
        }
        let path = self.network().graph.intro(from, to, 4);
        let message = match (&path, lang) {
            (None, Lang::En) => Some(format!(
                "no chain of past deals of at most 4 hops connects {from} and {to}"
            )),
            (None, Lang::Id) => Some(format!(
                "tidak ada rantai transaksi (paling banyak 4 langkah) yang menghubungkan {from} dan {to}"
            )),
            _ => None,
        };
        Ok(IntroView {
            from: from.to_string(),
            to: to.to_string(),
            path: path.map(|p| {
                p.hops
                    .into_iter()
                    .map(|h| HopView {
                        from_name: self.name_of(&h.from),
                        to_name: self.name_of(&h.to),
                        from: h.from,
                        to: h.to,
                        role: role_name(h.role),
                        deals: h.deals,
                        completed: h.completed,
                        mou: h.mou,
                        value_idr: h.value_idr,
                        last_date: crate::model::format_date(i64::from(h.last_day)),
                    })
                    .collect()
            }),
            message,
        })
    }

    /// Completed trade between provinces (within a province included), largest first.
    pub fn flows(&self) -> FlowsView {
        let r = &self.reference;
        let net = self.network();
        let f = net.graph.province_flows();
        let np = r.provinces.len();
        let mut flows: Vec<FlowView> = (0..np)
            .flat_map(|a| (0..np).map(move |b| (a, b)))
            .filter_map(|(a, b)| {
                let v = f.flow(a, b);
                (v > 0.0).then(|| FlowView {
                    from: r.provinces[a].code.clone(),
                    to: r.provinces[b].code.clone(),
                    value_idr: v,
                })
            })
            .collect();
        flows.sort_by(|a, b| b.value_idr.total_cmp(&a.value_idr));
        FlowsView { flows }
    }
}
