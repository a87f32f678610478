//! The facade that `api` and the CLI call: it owns the store, the search index and the
//! reference data, and keeps them consistent.
//!
//! Consistency has one mechanism: every write goes to the store first (acknowledged only
//! once its transaction commits), then [`Engine::sync_index`] applies every change after the
//! index's recorded sequence and commits the index with the new sequence as its payload.
//! The same function catches the index up on start, so a crash between the two steps loses
//! nothing. Writers are serialised by one lock, which keeps "store order" and "index order"
//! the same.
//!
//! The request and response types here are the JSON both the API and the CLI speak.

use std::collections::BTreeMap;
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
use crate::reference::{AdvantageSource, Commodity, Province, Reference};
use crate::score::{NeedContext, Scorer, Weights};
use crate::search::{Filter, ScoreFn, SearchIndex, unit_code};
use crate::store::{Counts, Store};

/// The sample data compiled into the binary, loaded into an empty data directory.
pub const FIXTURE_BUSINESSES: &str = include_str!("../fixtures/businesses.jsonl");
pub const FIXTURE_DEALS: &str = include_str!("../fixtures/deals.jsonl");

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 1000;
pub const MAX_OFFSET: usize = 10_000;
const MAX_QUERY_TEXT: usize = 1000;

/// Reports progress of long work: a stage name, items done, items in all (0: unknown).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// The matchmaking engine.
pub struct Engine {
    reference: Arc<Reference>,
    store: Store,
    index: SearchIndex,
    writes: Mutex<()>,
    data_dir: Option<PathBuf>,
}

/// What opening a data directory did.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    pub fixtures_loaded: Option<ImportStats>,
    pub index_rebuilt: bool,
    pub caught_up: usize,
}

impl Engine {
    /// Opens the data directory `dir` (creating it), loading the embedded fixtures when the
    /// store is new and bringing the index up to date with the store.
    pub fn open(dir: &Path, progress: Progress<'_>) -> Result<(Engine, OpenReport)> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating data directory {}", dir.display()), e))?;
        let reference = Arc::new(Reference::embedded()?);
        let store = Store::open(&dir.join("jalin.db"))?;
        let (index, rebuild) = SearchIndex::open(&dir.join("search"), &reference)?;
        let engine = Engine {
            reference,
            store,
            index,
            writes: Mutex::new(()),
            data_dir: Some(dir.to_path_buf()),
        };
        let mut report = OpenReport::default();
        if engine.store.last_seq()? == 0 {
            report.fixtures_loaded = Some(engine.load_fixtures(progress)?);
        }
        if rebuild {
            engine.reindex(progress)?;
            report.index_rebuilt = true;
        } else {
            report.caught_up = engine.sync_index()?;
        }
        Ok((engine, report))
    }

    /// An engine in memory with nothing loaded, for tests.
    pub fn in_memory() -> Result<Engine> {
        let reference = Arc::new(Reference::embedded()?);
        let index = SearchIndex::in_memory(&reference)?;
        Ok(Engine {
            reference,
            store: Store::open_in_memory()?,
            index,
            writes: Mutex::new(()),
            data_dir: None,
        })
    }

    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// Loads the embedded sample businesses and deals.
    pub fn load_fixtures(&self, progress: Progress<'_>) -> Result<ImportStats> {
        self.import(
            vec![
                ("fixtures/businesses.jsonl".to_string(), Box::new(FIXTURE_BUSINESSES.as_bytes())),
                ("fixtures/deals.jsonl".to_string(), Box::new(FIXTURE_DEALS.as_bytes())),
            ],
            progress,
        )
    }

    fn lock_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies every store change after the index's sequence to the index and commits it.
    /// Returns how many businesses were re-indexed.
    pub fn sync_index(&self) -> Result<usize> {
        let (ids, upto) = self.store.businesses_changed_since(self.index.seq())?;
        if upto == self.index.seq() {
            return Ok(0);
        }
        for chunk in ids.chunks(2000) {
            let mut changes = Vec::with_capacity(chunk.len());
            for id in chunk {
                changes.push((id.clone(), self.store.get_business(id)?));
            }
            self.index.stage(&self.reference, &changes)?;
        }
        self.index.commit(upto)?;
        Ok(ids.len())
    }

    /// Rebuilds the search index from the store.
    pub fn reindex(&self, progress: Progress<'_>) -> Result<u64> {
        let _guard = self.lock_writes();
        let counts = self.store.counts()?;
        self.index.clear()?;
        let mut batch = Vec::with_capacity(1000);
        let mut done = 0u64;
        self.store.for_each_business(|b| {
            batch.push(b);
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
        self.reference.require_commodity("commodity", &d.commodity)?;
        Ok(())
    }

    /// Creates or replaces a business. Returns whether it was new.
    pub fn put_business(&self, mut b: Business) -> Result<(Business, bool)> {
        self.validate_business(&mut b)?;
        let _guard = self.lock_writes();
        let (_, existed) = self.store.write(|w| w.put_business(&b))?;
        self.sync_index()?;
        Ok((b, !existed))
    }

    pub fn delete_business(&self, id: &str) -> Result<()> {
        let _guard = self.lock_writes();
        match self.store.write(|w| w.delete_business(id))? {
            None => Err(Error::NotFound {
                what: "business",
                id: id.to_string(),
            }),
            Some(_) => {
                self.sync_index()?;
                Ok(())
            }
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
        let _guard = self.lock_writes();
        let (deal, _) = self.store.write(|w| {
            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                if !w.business_exists(id)? {
                    return Err(Error::invalid(field, format!("unknown business {id:?}")));
                }
            }
            if let Some(id) = &d.id {
                if w.deal_exists(id)? {
                    return Err(Error::invalid("id", format!("deal {id:?} already exists")));
                }
            }
            w.put_deal(&d)
        })?;
        Ok(deal)
    }

    pub fn deals_of(&self, business: &str, limit: usize) -> Result<Vec<Deal>> {
        Ok(self.store.deals_of(business, limit)?)
    }

    /// Imports JSONL sources in one transaction: each line a business or a deal (a deal has
    /// a `buyer`). The first bad line aborts the whole import and names `file:line: field`.
    pub fn import(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
    ) -> Result<ImportStats> {
        let started = Instant::now();
        let _guard = self.lock_writes();
        let mut stats = ImportStats::default();
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
                            stats.businesses += 1;
                        }
                        Ok(Record::Deal(d)) => {
                            self.validate_deal(&d).map_err(|e| fail(&e.field, e.message))?;
                            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                                if !w.business_exists(id)? {
                                    return Err(fail(field, format!("unknown business {id:?}")));
                                }
                            }
                            w.put_deal(&d)?;
                            stats.deals += 1;
                        }
                    }
                    lines += 1;
                    if lines % 5000 == 0 {
                        progress(&format!("importing {name}"), lines, 0);
                    }
                }
                progress(&format!("importing {name}"), lines, lines);
            }
            Ok(())
        })?;
        progress("indexing", 0, stats.businesses);
        self.sync_index()?;
        progress("indexing", stats.businesses, stats.businesses);
        stats.seconds = started.elapsed().as_secs_f64();
        Ok(stats)
    }

    /// Store and index figures, for health checks and metrics.
    pub fn status(&self) -> Result<Status> {
        let counts: Counts = self.store.counts()?;
        Ok(Status {
            businesses: counts.businesses,
            deals: counts.deals,
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
        let advantages = r
            .advantages_of(p)
            .into_iter()
            .map(|(c, a)| ProvinceAdvantage {
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

    /// Ranks offers from other provinces for one need.
    pub fn match_request(&self, req: &MatchRequest) -> Result<MatchResponse> {
        let started = Instant::now();
        let limit = check_limit(req.limit)?;
        let weights = req.weights.unwrap_or_default();
        weights.validate()?;
        let Some(need) = &req.need else {
            return Err(if req.buyer.is_some() || req.seller.is_some() {
                Error::invalid(
                    if req.buyer.is_some() { "buyer" } else { "seller" },
                    "matching by business id is not available yet; send a \"need\"",
                )
            } else {
                Error::invalid("need", "send a need: {\"need\": {\"text\": …, \"province\": …}}")
            });
        };
        let r = &self.reference;
        let buyer_province = r.require_province("need.province", &need.province)?;
        let text = need.text.as_deref().unwrap_or("").trim();
        if text.len() > MAX_QUERY_TEXT {
            return Err(Error::invalid(
                "need.text",
                format!("is longer than {MAX_QUERY_TEXT} bytes"),
            ));
        }
        let commodities = match &need.commodity {
            Some(key) => vec![r.require_commodity("need.commodity", key)?],
            None => r.commodities_in_text(text),
        };
        if text.is_empty() && commodities.is_empty() {
            return Err(Error::invalid(
                "need",
                "say what you need: give \"text\" or a catalog \"commodity\"",
            ));
        }
        let certs = parse_certs("need.certifications", &need.certifications)?;
        let amount = match &need.volume {
            Some(q) => {
                q.validate("need.volume")?;
                q.monthly_base().map(|(a, u)| (a, unit_code(u)))
            }
            None => None,
        };
        let filters = req.filters.clone().unwrap_or_default();
        let mut filter = Filter {
            kind: Some(ListingKind::Offer),
            commodities: commodities.clone(),
            certs: Certification::mask(&certs),
            ..Filter::default()
        };
        for (i, code) in filters.provinces.iter().enumerate() {
            filter
                .provinces
                .push(r.require_province(&format!("filters.provinces[{i}]"), code)?);
        }
        if !filters.same_province {
            filter.exclude_provinces.push(buyer_province);
        }
        filter.business_kinds = filters.kinds.iter().map(|k| k.index()).collect();
        let scorer = Arc::new(Scorer::new(
            r,
            NeedContext {
                buyer_province,
                commodities: commodities.clone(),
                amount,
                certs: filter.certs,
            },
            weights,
        ));
        let s = scorer.clone();
        let score: ScoreFn = Arc::new(move |f| Some(s.score(f)));
        // Without a catalog commodity the text must match; with one, text only adds BM25.
        let found = self
            .index
            .rank(&filter, text, commodities.is_empty(), limit, 0, score)?;
        let results = found
            .hits
            .into_iter()
            .enumerate()
            .map(|(i, hit)| {
                let e = scorer.explain(r, &hit.features);
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
        Ok(MatchResponse {
            took_ms: elapsed_ms(started),
            understood: Understood {
                commodities: commodities.iter().map(|c| r.commodities[*c].key.clone()).collect(),
                province: need.province.clone(),
                volume: need.volume.clone(),
                certifications: certs,
            },
            total: found.total,
            results,
        })
    }

    /// Full-text search over listings with filters, ranked by BM25.
    pub fn search(&self, q: &SearchParams) -> Result<SearchResponse> {
        let started = Instant::now();
        let limit = check_limit(q.limit)?;
        let offset = q.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(Error::invalid("offset", format!("must be at most {MAX_OFFSET}")));
        }
        let r = &self.reference;
        let text = q.q.as_deref().unwrap_or("").trim();
        if text.len() > MAX_QUERY_TEXT {
            return Err(Error::invalid("q", format!("is longer than {MAX_QUERY_TEXT} bytes")));
        }
        let mut filter = Filter::default();
        if let Some(kind) = &q.kind {
            filter.kind = Some(ListingKind::parse(kind).ok_or_else(|| {
                Error::invalid("kind", format!("{kind:?} is not \"offer\" or \"need\""))
            })?);
        }
        if let Some(p) = &q.province {
            for code in p.split(',').filter(|s| !s.is_empty()) {
                filter.provinces.push(r.require_province("province", code.trim())?);
            }
        }
        if let Some(c) = &q.commodity {
            for key in c.split(',').filter(|s| !s.is_empty()) {
                filter.commodities.push(r.require_commodity("commodity", key.trim())?);
            }
        }
        if let Some(c) = &q.cert {
            let list: Vec<String> = c.split(',').map(|s| s.trim().to_string()).collect();
            filter.certs = Certification::mask(&parse_certs("cert", &list)?);
        }
        let understood: Vec<String> = r
            .commodities_in_text(text)
            .into_iter()
            .map(|c| r.commodities[c].key.clone())
            .collect();
        let score: ScoreFn = Arc::new(|f| Some(f.bm25));
        let found = self
            .index
            .rank(&filter, text, !text.is_empty(), limit, offset, score)?;
        Ok(SearchResponse {
            took_ms: elapsed_ms(started),
            total: found.total,
            understood: Understood {
                commodities: understood,
                province: q.province.clone().unwrap_or_default(),
                volume: None,
                certifications: Vec::new(),
            },
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

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

fn check_limit(limit: Option<usize>) -> Result<usize> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::invalid("limit", format!("must be from 1 to {MAX_LIMIT}")));
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
                format!("unknown certification {n:?}; use halal, bpom, sni, pirt, organic, haccp or gap"),
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
        serde_path_to_error::deserialize(value).map(Record::Deal).map_err(named)
    } else {
        serde_path_to_error::deserialize(value).map(Record::Business).map_err(named)
    }
}

/// What an import loaded.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportStats {
    pub businesses: u64,
    pub listings: u64,
    pub deals: u64,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    pub businesses: u64,
    pub deals: u64,
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
    /// Suppliers for every need of this business (not yet available).
    #[serde(default)]
    pub buyer: Option<String>,
    /// Markets for every offer of this business (not yet available).
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
    /// The buyer's province code.
    pub province: String,
    #[serde(default)]
    pub volume: Option<Quantity>,
    #[serde(default)]
    pub certifications: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchFilters {
    /// Only sellers in these provinces.
    #[serde(default)]
    pub provinces: Vec<String>,
    /// Only these kinds of business.
    #[serde(default)]
    pub kinds: Vec<BusinessKind>,
    /// Also sellers in the buyer's own province (default: only other provinces).
    #[serde(default)]
    pub same_province: bool,
}

/// What the engine understood of a request, so the user can correct it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Understood {
    pub commodities: Vec<String>,
    pub province: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<Quantity>,
    pub certifications: Vec<Certification>,
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
    pub results: Vec<MatchResult>,
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
