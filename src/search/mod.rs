//! The search index: tantivy, derived from the store; the only module that knows tantivy.
//!
//! One document per listing (an offer or a need). Text goes to a BM25 field; everything the
//! scorer and the filters need per listing — kind, commodity, province, business kind,
//! certifications, amount — is a fast field, so ranking reads columns, never stored
//! documents. The stored part is the listing record as JSON, read only for the final top-k.
//!
//! Ranking is exact: the caller's score function runs on every document that passes the
//! filters (tantivy's `tweak_score` collector), so the top-k is the true top-k under the full
//! score, not a BM25 top-N re-ranked — or, with [`SearchIndex::rank_bounded`], on every
//! candidate whose province's upper bound can still reach the top k found so far (the
//! listings of one commodity, kind and province are one range of documents; a range that
//! cannot reach the top k is skipped whole), which gives the same answer.
//!
//! The commit payload holds the last store change sequence the index contains, the schema
//! version and a fingerprint of the commodity catalog (commodities are stored as catalog
//! indices); a mismatch on open means the index is rebuilt from the store.

mod analysis;
mod bounded;
mod columns;
mod snapshot;

pub use analysis::Analysis;
pub use bounded::{KeepFn, SkipCounter, SkipStats};
pub use snapshot::copy_committed;

use columns::{ColumnCache, DocColumns};

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, FuzzyTermQuery, Occur,
    Query, TermQuery, Weight,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher,
    SegmentReader, TantivyDocument, Term, Warmer,
};

use crate::error::{Error, Result};
use crate::model::{Business, ListingKind, ListingRecord};
use crate::reference::{CommodityIx, ProvinceIx, Reference};
use crate::score::ListingFeatures;

/// Bumped whenever the schema or the analysis changes; an index of another version is rebuilt.
const SCHEMA_VERSION: u32 = 7;
const WRITER_MEMORY: usize = 100_000_000;

/// What the index remembers in its commit payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub seq: u64,
    pub version: u32,
    pub catalog: u64,
    #[serde(default)]
    pub analysis: u32,
}

#[derive(Clone, Copy)]
struct Fields {
    business_id: Field,
    business_key: Field,
    listing_id: Field,
    kind: Field,
    commodity: Field,
    kbki: Field,
    province: Field,
    business_kind: Field,
    certs: Field,
    amount: Field,
    amount_unit: Field,
    sort_key: Field,
    text: Field,
    text_exact: Field,
    names: Field,
    record: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        business_id: b.add_text_field("business_id", STRING),
        business_key: b.add_u64_field("business_key", FAST),
        listing_id: b.add_text_field("listing_id", STRING),
        kind: b.add_u64_field("kind", INDEXED | FAST),
        commodity: b.add_u64_field("commodity", INDEXED | FAST),
        // The listing's KBKI code (its own, else its commodity's) and every ancestor's: a
        // filter by any prefix of the tree is one term.
        kbki: b.add_text_field("kbki", STRING),
        province: b.add_u64_field("province", INDEXED | FAST),
        business_kind: b.add_u64_field("business_kind", INDEXED | FAST),
        certs: b.add_u64_field("certs", FAST),
        amount: b.add_f64_field("amount", FAST),
        // A base unit's code (`model::units::BaseUnit`), 0 when unknown.
        amount_unit: b.add_u64_field("amount_unit", FAST),
        // (commodity, kind, province) in one number (`sort_key`): the index's order.
        sort_key: b.add_u64_field("sort_key", FAST),
        text: b.add_text_field("text", text_opts(analysis::STEM)),
        text_exact: b.add_text_field("text_exact", text_opts(analysis::EXACT)),
        names: b.add_text_field("names", text_opts(analysis::EXACT)),
        record: b.add_text_field("record", STORED),
    };
    (b.build(), fields)
}

/// A new index's settings. Documents are kept in (commodity, kind, province) order within
/// each segment (tantivy sorts a segment when it is written and keeps the order when it
/// merges): a ranking visits the listings of one or a few commodities, and in this order
/// their postings are dense and their columns adjacent in memory, instead of one cache miss
/// per candidate; and the listings of one commodity, kind and province are one range of
/// documents, which [`SearchIndex::rank_bounded`] visits or skips whole. Small doc-store blocks make reading the 20 shown records cheap: each read
/// decompresses one block.
fn create(schema: Schema) -> tantivy::IndexBuilder {
    Index::builder().schema(schema).settings(settings())
}

fn settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        sort_by_field: Some(tantivy::IndexSortByField {
            field: "sort_key".to_string(),
            order: tantivy::Order::Asc,
        }),
        docstore_blocksize: 4096,
        ..tantivy::IndexSettings::default()
    }
}

/// The score function the caller ranks by; `None` drops the document.
pub type ScoreFn = Arc<dyn Fn(&ListingFeatures) -> Option<f32> + Send + Sync>;

/// Which listings to consider.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<ListingKind>,
    /// Any of these commodities (empty: any).
    pub commodities: Vec<CommodityIx>,
    /// Filed under any of these KBKI codes, at any level (empty: any).
    pub kbki: Vec<String>,
    /// Any of these provinces (empty: any).
    pub provinces: Vec<ProvinceIx>,
    pub exclude_provinces: Vec<ProvinceIx>,
    /// Any of these business kinds (empty: any).
    pub business_kinds: Vec<u64>,
    /// Every one of these certification bits.
    pub certs: u64,
    pub exclude_business: Option<String>,
}

/// Whether listings must contain the query's words.
#[derive(Debug, Clone)]
pub enum TextMode {
    /// The words only add BM25.
    Optional,
    /// At least one word must match.
    Required,
    /// At least one word must match, or the listing is of one of these commodities.
    RequiredOr(Vec<CommodityIx>),
}

/// The text part of a ranking request.
#[derive(Debug, Clone)]
pub struct TextQuery<'a> {
    pub text: &'a str,
    pub mode: TextMode,
}

/// A ranked listing.
#[derive(Debug, Clone)]
pub struct Hit {
    pub score: f32,
    pub features: ListingFeatures,
    pub record: ListingRecord,
}

pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// The sort key of the collector: the caller's score, carrying the features along.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: f32,
    features: Option<ListingFeatures>,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.score == other.score
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.score.partial_cmp(&other.score)
    }
}

/// The weights of a text's clauses (see [`SearchIndex::text_weights`]).
struct TextWeights(Vec<Box<dyn Weight>>);

impl TextWeights {
    fn scorer(&self, segment: &SegmentReader) -> tantivy::Result<TextScorer> {
        Ok(TextScorer {
            clauses: self
                .0
                .iter()
                .map(|w| w.scorer(segment, 1.0))
                .collect::<tantivy::Result<_>>()?,
            last: 0,
        })
    }
}

/// The BM25 of a text in one segment, document by document in increasing order: each
/// clause's score where it matches, summed in the clauses' order. The exhaustive and the
/// bounded rankings both score text this way, so their floats are the same; each clause
/// moves with `seek` (skip lists), so a ranking that visits a few ranges of documents reads
/// only their postings' blocks.
struct TextScorer {
    clauses: Vec<Box<dyn tantivy::query::Scorer>>,
    /// The last document scored: a scorer only moves forward.
    last: DocId,
}

impl TextScorer {
    /// Whether `doc` can still be scored (it is not behind the last one).
    fn reaches(&self, doc: DocId) -> bool {
        doc >= self.last
    }

    fn score(&mut self, doc: DocId) -> f32 {
        self.last = doc;
        let mut sum = 0.0;
        for c in &mut self.clauses {
            if c.doc() < doc {
                c.seek(doc);
            }
            if c.doc() == doc {
                sum += c.score();
            }
        }
        sum
    }
}

/// The index with its one writer and one reader.
pub struct SearchIndex {
    fields: Fields,
    reader: IndexReader,
    /// Fast fields by document, kept current by the reader's warmer.
    columns: Arc<ColumnCache>,
    /// `None` when opened read-only (beside a server that holds the writer's lock).
    writer: Option<Mutex<IndexWriter>>,
    payload: Mutex<Payload>,
    catalog: u64,
    analysis: Analysis,
    /// Catalog words the stemmer leaves alone.
    protected: Arc<std::collections::HashSet<String>>,
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates it. Returns the index and whether it must be
    /// rebuilt from the store (new, or of another schema or catalog).
    pub fn open(
        dir: &Path,
        reference: &Reference,
        analysis: Analysis,
    ) -> Result<(SearchIndex, bool)> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let (schema, fields) = schema();
        let catalog = reference.catalog_fingerprint();
        let meta_exists = dir.join("meta.json").try_exists().unwrap_or(false);
        // An index of this schema, settings, version, catalog and analysis is kept; anything
        // else (or an unreadable one) is started over: the store is the truth.
        let current = if meta_exists {
            match Index::open_in_dir(dir) {
                Ok(index) if index.schema() == schema && *index.settings() == settings() => {
                    let payload = read_payload(&index)?;
                    (payload.version == SCHEMA_VERSION
                        && payload.catalog == catalog
                        && payload.analysis == analysis.code())
                    .then_some(index)
                }
                _ => None,
            }
        } else {
            None
        };
        let (index, rebuild) = match current {
            Some(index) => (index, false),
            None => {
                if meta_exists {
                    std::fs::remove_dir_all(dir)
                        .and_then(|_| std::fs::create_dir_all(dir))
                        .map_err(|e| Error::io(format!("clearing {}", dir.display()), e))?;
                }
                (create(schema).create_in_dir(dir)?, true)
            }
        };
        SearchIndex::finish(index, fields, reference, analysis, rebuild, true)
    }

    /// Opens the index in `dir` for reading only, without taking the writer's lock, so it
    /// works beside a server that holds it. The index must exist and be of this version
    /// (nothing is rebuilt); it shows what its last commit holds.
    pub fn open_read_only(
        dir: &Path,
        reference: &Reference,
        analysis: Analysis,
    ) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let unusable = |why: &str| {
            Error::ReadOnly(format!(
                "the search index in {} {why}; start `jalin serve` on it once (or run \
                 `jalin reindex`) to build it",
                dir.display()
            ))
        };
        if !dir.join("meta.json").try_exists().unwrap_or(false) {
            return Err(unusable("does not exist yet"));
        }
        let index = Index::open_in_dir(dir).map_err(|_| unusable("cannot be read"))?;
        if index.schema() != schema || *index.settings() != settings() {
            return Err(unusable("is of another version"));
        }
        let payload = read_payload(&index)?;
        if payload.version != SCHEMA_VERSION
            || payload.catalog != reference.catalog_fingerprint()
            || payload.analysis != analysis.code()
        {
            return Err(unusable("is of another version"));
        }
        Ok(SearchIndex::finish(index, fields, reference, analysis, false, false)?.0)
    }

    /// An index in memory, for tests.
    pub fn in_memory(reference: &Reference, analysis: Analysis) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = create(schema).create_in_ram()?;
        Ok(SearchIndex::finish(index, fields, reference, analysis, true, true)?.0)
    }

    fn finish(
        index: Index,
        fields: Fields,
        reference: &Reference,
        analysis: Analysis,
        rebuild: bool,
        writable: bool,
    ) -> Result<(SearchIndex, bool)> {
        let catalog = reference.catalog_fingerprint();
        let protected = Arc::new(protected_words(reference));
        index
            .tokenizers()
            .register(analysis::EXACT, analysis::exact());
        index.tokenizers().register(
            analysis::STEM,
            analysis::stemmed(analysis, protected.clone()),
        );
        let writer = if writable {
            let writer: IndexWriter = index.writer(WRITER_MEMORY)?;
            // A process killed during a commit can leave files the last committed state does
            // not use (a deletes file named after the next opstamp, say); the next commit
            // would try to create the same name and fail. Remove them before anything is
            // written.
            writer.garbage_collect_files().wait()?;
            Some(Mutex::new(writer))
        } else {
            None
        };
        let columns = Arc::new(ColumnCache::default());
        let warmer: Weak<dyn Warmer> = Arc::downgrade(&columns) as Weak<dyn Warmer>;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![warmer])
            .try_into()?;
        let payload = if rebuild {
            Payload::default()
        } else {
            read_payload(&index)?
        };
        Ok((
            SearchIndex {
                fields,
                reader,
                columns,
                writer,
                payload: Mutex::new(payload),
                catalog,
                analysis,
                protected,
            },
            rebuild,
        ))
    }

    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>> {
        match &self.writer {
            Some(w) => Ok(w.lock().unwrap_or_else(|p| p.into_inner())),
            None => Err(Error::ReadOnly(
                "the search index was opened read-only".to_string(),
            )),
        }
    }

    /// The store change sequence the index holds.
    pub fn seq(&self) -> u64 {
        self.payload.lock().unwrap_or_else(|p| p.into_inner()).seq
    }

    /// A bare tantivy BM25 top-k for the text (the same query the ranking builds, no
    /// filters, no scoring function): the baseline the benchmarks compare ranking against.
    pub fn bm25_top(&self, text: &str, k: usize) -> Result<usize> {
        let Some(q) = self.text_query(text, true) else {
            return Ok(0);
        };
        let top = self
            .reader
            .searcher()
            .search(&q, &TopDocs::with_limit(k.max(1)).order_by_score())?;
        Ok(top.len())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// How many listings (offers and needs) are filed under a KBKI code, at any level: those
    /// naming it or an item below it, and those of a commodity whose entry is at or below it.
    pub fn count_kbki(&self, code: &str) -> Result<u64> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kbki, code),
            IndexRecordOption::Basic,
        );
        Ok(self
            .reader
            .searcher()
            .search(&query, &tantivy::collector::Count)? as u64)
    }

    /// Replaces every listing of each business (a `None` body deletes it), uncommitted.
    pub fn stage(
        &self,
        reference: &Reference,
        changes: &[(String, Option<(u64, Business)>)],
    ) -> Result<()> {
        let writer = self.writer()?;
        for (id, business) in changes {
            writer.delete_term(Term::from_field_text(self.fields.business_id, id));
            if let Some((key, b)) = business {
                self.add_business(&writer, reference, *key, b)?;
            }
        }
        Ok(())
    }

    /// Adds a business's listings without deleting old ones: for a rebuild after `clear`.
    pub fn stage_new(&self, reference: &Reference, businesses: &[(u64, Business)]) -> Result<()> {
        let writer = self.writer()?;
        for (key, b) in businesses {
            self.add_business(&writer, reference, *key, b)?;
        }
        Ok(())
    }

    /// Deletes every document, uncommitted.
    pub fn clear(&self) -> Result<()> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    fn add_business(
        &self,
        writer: &IndexWriter,
        reference: &Reference,
        key: u64,
        b: &Business,
    ) -> Result<()> {
        let f = &self.fields;
        let province = reference.province(&b.province).ok_or_else(|| {
            Error::Corrupt(format!(
                "business {} has unknown province {}",
                b.id, b.province
            ))
        })? as u64;
        let certs = crate::model::Certification::mask(&b.certifications);
        for record in b.records() {
            let l = &record.listing;
            let commodity = reference.commodity(&l.commodity).ok_or_else(|| {
                Error::Corrupt(format!(
                    "listing {} has unknown commodity {}",
                    l.id, l.commodity
                ))
            })?;
            let c = &reference.commodities[commodity];
            let mut doc = TantivyDocument::default();
            doc.add_text(f.business_id, &b.id);
            doc.add_u64(f.business_key, key);
            doc.add_text(f.listing_id, &l.id);
            doc.add_u64(f.kind, listing_kind_code(l.kind));
            doc.add_u64(f.commodity, commodity as u64);
            let catalog = reference.catalog();
            let entry = l
                .kbki
                .as_deref()
                .and_then(|k| catalog.find(k))
                .or_else(|| catalog.commodity_entry(commodity));
            if let Some(e) = entry {
                for code in catalog.path_codes(e) {
                    doc.add_text(f.kbki, code);
                }
            }
            doc.add_u64(f.province, province);
            doc.add_u64(f.business_kind, b.kind.index());
            doc.add_u64(f.certs, certs);
            let amount = match l.kind {
                ListingKind::Offer => l.capacity.as_ref().or(l.volume.as_ref()),
                ListingKind::Need => l.volume.as_ref().or(l.capacity.as_ref()),
            }
            .and_then(|q| q.monthly_base());
            doc.add_f64(f.amount, amount.map_or(-1.0, |a| a.0));
            doc.add_u64(f.amount_unit, amount.map_or(0, |a| a.1.code()));
            doc.add_u64(
                f.sort_key,
                sort_key(commodity as u64, listing_kind_code(l.kind), province),
            );
            let mut text = String::with_capacity(256);
            for part in [l.title.as_str(), l.description.as_deref().unwrap_or("")] {
                text.push_str(part);
                text.push('\n');
            }
            text.push_str(&c.name_id);
            text.push('\n');
            text.push_str(&b.name);
            if let Some(city) = &b.city {
                text.push('\n');
                text.push_str(city);
            }
            doc.add_text(f.text, &text);
            doc.add_text(f.text_exact, &text);
            let mut names = String::with_capacity(128);
            names.push_str(&c.name_id);
            names.push('\n');
            names.push_str(&c.name_en);
            for syn in &c.synonyms {
                names.push('\n');
                names.push_str(syn);
            }
            doc.add_text(f.names, &names);
            let json = serde_json::to_string(&record).map_err(|e| Error::Corrupt(e.to_string()))?;
            doc.add_text(f.record, json);
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Commits what was staged, recording `seq` as the change sequence the index now holds,
    /// and makes it visible to searches.
    pub fn commit(&self, seq: u64) -> Result<()> {
        let payload = Payload {
            seq,
            version: SCHEMA_VERSION,
            catalog: self.catalog,
            analysis: self.analysis.code(),
        };
        let json = serde_json::to_string(&payload).map_err(|e| Error::Corrupt(e.to_string()))?;
        {
            let mut writer = self.writer()?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&json);
            prepared.commit()?;
        }
        self.reader.reload()?;
        *self.payload.lock().unwrap_or_else(|p| p.into_inner()) = payload;
        Ok(())
    }

    /// The text analysed as the exact field analyses it.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        analysis::tokens(&mut analysis::exact(), text)
    }

    /// The BM25 part of a query: exact wording first, then stems, catalog names, and (for
    /// words of five letters or more) one typo, each weighted below the one before.
    ///
    /// Without `fuzzy` the typo clauses are left out: when a catalog commodity already picks
    /// the candidates, the text only orders them and typo matching (a Levenshtein automaton
    /// per word) would cost more than it adds.
    fn text_query(&self, text: &str, fuzzy: bool) -> Option<Box<dyn Query>> {
        let clauses = self.text_clauses(text, fuzzy);
        if clauses.is_empty() {
            return None;
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// The clauses of [`SearchIndex::text_query`] (each `Should`), in their order.
    fn text_clauses(&self, text: &str, fuzzy: bool) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let exact = self.tokens(text);
        if exact.is_empty() {
            return Vec::new();
        }
        let term = |field: Field, t: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let q: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            ));
            let q: Box<dyn Query> = if boost == 1.0 {
                q
            } else {
                Box::new(BoostQuery::new(q, boost))
            };
            (Occur::Should, q)
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if self.analysis == Analysis::Basic {
            for t in &exact {
                clauses.push(term(f.text, t, 1.0));
            }
        } else {
            for t in &exact {
                clauses.push(term(f.text_exact, t, 1.5));
                clauses.push(term(f.names, t, 0.5));
                if fuzzy && t.chars().count() >= 5 && t.chars().all(char::is_alphabetic) {
                    let fuzzy =
                        FuzzyTermQuery::new(Term::from_field_text(f.text_exact, t), 1, true);
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(fuzzy), 0.3)),
                    ));
                }
            }
            let mut stemmed = analysis::stemmed(self.analysis, self.protected.clone());
            for t in analysis::tokens(&mut stemmed, text) {
                clauses.push(term(f.text, &t, 1.0));
            }
        }
        clauses
    }

    /// The weights of the text's clauses when the text only adds BM25 (no fuzzy terms), for
    /// [`TextScorer`]; `None` when the text has no words.
    fn text_weights(&self, searcher: &Searcher, text: &str) -> Result<Option<TextWeights>> {
        let clauses = self.text_clauses(text, false);
        if clauses.is_empty() {
            return Ok(None);
        }
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let weights = clauses
            .into_iter()
            .map(|(_, q)| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Some(TextWeights(weights)))
    }

    fn filter_query(&self, filter: &Filter) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let u64_term = |field: Field, v: u64| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_u64(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let any_of = |field: Field, values: &[u64]| -> Box<dyn Query> {
            if values.len() == 1 {
                return u64_term(field, values[0]);
            }
            Box::new(BooleanQuery::new(
                values
                    .iter()
                    .map(|v| (Occur::Should, u64_term(field, *v)))
                    .collect(),
            ))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut must = |q: Box<dyn Query>| {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        };
        if let Some(kind) = filter.kind {
            must(u64_term(f.kind, listing_kind_code(kind)));
        }
        if !filter.commodities.is_empty() {
            let v: Vec<u64> = filter.commodities.iter().map(|c| *c as u64).collect();
            must(any_of(f.commodity, &v));
        }
        if !filter.kbki.is_empty() {
            let codes: Vec<(Occur, Box<dyn Query>)> = filter
                .kbki
                .iter()
                .map(|code| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.kbki, code),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            must(Box::new(BooleanQuery::new(codes)));
        }
        if !filter.provinces.is_empty() {
            let v: Vec<u64> = filter.provinces.iter().map(|c| *c as u64).collect();
            must(any_of(f.province, &v));
        }
        if !filter.business_kinds.is_empty() {
            must(any_of(f.business_kind, &filter.business_kinds));
        }
        for p in &filter.exclude_provinces {
            clauses.push((Occur::MustNot, u64_term(f.province, *p as u64)));
        }
        if let Some(id) = &filter.exclude_business {
            clauses.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.business_id, id),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        clauses
    }

    /// Ranks the listings that pass `filter` by `score`; `text` decides which must match
    /// the query's words.
    pub fn rank(
        &self,
        filter: &Filter,
        text: &TextQuery<'_>,
        limit: usize,
        offset: usize,
        score: ScoreFn,
    ) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        // Text that only adds BM25 is scored by `TextScorer`, as `rank_bounded` scores it (the
        // same floats, whatever tantivy's union would sum first); the query only filters.
        let (query, text_weights) = match text.mode {
            TextMode::Optional => {
                let filters_only = TextQuery {
                    text: "",
                    mode: TextMode::Optional,
                };
                (
                    self.ranking_query(filter, &filters_only),
                    self.text_weights(&searcher, text.text)?,
                )
            }
            _ => (self.ranking_query(filter, text), None),
        };
        let text_scorers = match &text_weights {
            Some(w) => searcher
                .segment_readers()
                .iter()
                .map(|r| Ok((r.segment_id(), w.scorer(r)?)))
                .collect::<tantivy::Result<HashMap<_, _>>>()?,
            None => HashMap::new(),
        };
        let (total, top) = self.collect_top(
            &searcher,
            &query,
            limit,
            offset,
            score,
            filter.certs,
            text_scorers,
        )?;
        self.hits(&searcher, total, top)
    }

    /// The query of a ranking: the filters, and the text as `text.mode` says.
    fn ranking_query(&self, filter: &Filter, text: &TextQuery<'_>) -> BooleanQuery {
        let mut clauses = self.filter_query(filter);
        let fuzzy = !matches!(text.mode, TextMode::Optional);
        if let Some(q) = self.text_query(text.text, fuzzy) {
            match &text.mode {
                TextMode::Optional => clauses.push((Occur::Should, q)),
                TextMode::Required => clauses.push((Occur::Must, q)),
                TextMode::RequiredOr(commodities) => {
                    let values: Vec<(Occur, Box<dyn Query>)> = commodities
                        .iter()
                        .map(|c| -> (Occur, Box<dyn Query>) {
                            (
                                Occur::Should,
                                Box::new(ConstScoreQuery::new(
                                    Box::new(TermQuery::new(
                                        Term::from_field_u64(self.fields.commodity, *c as u64),
                                        IndexRecordOption::Basic,
                                    )),
                                    0.0,
                                )),
                            )
                        })
                        .chain(std::iter::once((Occur::Should, q)))
                        .collect();
                    clauses.push((Occur::Must, Box::new(BooleanQuery::new(values))));
                }
            }
        }
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            ));
        }
        BooleanQuery::new(clauses)
    }

    /// The top `limit` after `offset` of the documents `query` matches, by `score`, in
    /// tantivy's order (score descending, then document address ascending), and how many
    /// documents the score keeps.
    #[allow(clippy::too_many_arguments)] // main's signature (cee1934); the lead may fold these
    fn collect_top(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        limit: usize,
        offset: usize,
        score: ScoreFn,
        certs_required: u64,
        text_scorers: HashMap<SegmentId, TextScorer>,
    ) -> Result<(usize, Vec<(Ranked, DocAddress)>)> {
        let cache = self.columns.clone();
        // Each segment takes its own text scorer (made before the search, so an error is
        // returned, not swallowed); without one, BM25 is tantivy's score of the query.
        let text_scorers = Mutex::new(text_scorers);
        // `total` counts what paging can return: the documents the score keeps, not every
        // document the query matches (a certification filter or an excluded province drops
        // some). Each segment counts in a plain cell and adds it to the shared total once.
        let kept = Arc::new(AtomicUsize::new(0));
        let kept_by_segments = kept.clone();
        let collector = TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .tweak_score(move |segment: &tantivy::SegmentReader| {
                let columns = cache.of(segment);
                let text = text_scorers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&segment.segment_id())
                    .map(std::cell::RefCell::new);
                let score = score.clone();
                let counter = SegmentCount::new(kept_by_segments.clone());
                move |doc: tantivy::DocId, bm25: tantivy::Score| {
                    let dropped = Ranked {
                        score: f32::NEG_INFINITY,
                        features: None,
                    };
                    let Some(c) = columns.docs.get(doc as usize) else {
                        return dropped;
                    };
                    if c.certs & certs_required != certs_required {
                        return dropped;
                    }
                    let bm25 = match &text {
                        Some(t) => t.borrow_mut().score(doc),
                        None => bm25,
                    };
                    let features = c.features(bm25);
                    match score(&features) {
                        Some(s) if s.is_finite() => {
                            counter.add_one();
                            Ranked {
                                score: s,
                                features: Some(features),
                            }
                        }
                        _ => dropped,
                    }
                }
            });
        let top = searcher.search(query, &collector)?;
        Ok((kept.load(Ordering::Relaxed), top))
    }

    /// The ranked documents with their records.
    fn hits(
        &self,
        searcher: &Searcher,
        total: usize,
        top: Vec<(Ranked, DocAddress)>,
    ) -> Result<SearchResults> {
        let mut hits = Vec::with_capacity(top.len());
        for (ranked, addr) in top {
            let Some(features) = ranked.features else {
                continue;
            };
            hits.push(Hit {
                score: ranked.score,
                features,
                record: self.record(searcher, addr)?,
            });
        }
        Ok(SearchResults { total, hits })
    }

    fn record(&self, searcher: &tantivy::Searcher, addr: DocAddress) -> Result<ListingRecord> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let json = doc
            .get_first(self.fields.record)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Corrupt("index document without a record".into()))?;
        serde_json::from_str(json).map_err(|e| Error::Corrupt(e.to_string()))
    }
}

/// One segment's count of kept documents, added to the ranking's total when the segment's
/// scorer is dropped (after the segment is collected): one shared atomic add per segment
/// instead of one per candidate.
struct SegmentCount {
    here: std::cell::Cell<usize>,
    total: Arc<AtomicUsize>,
}

impl SegmentCount {
    fn new(total: Arc<AtomicUsize>) -> SegmentCount {
        SegmentCount {
            here: std::cell::Cell::new(0),
            total,
        }
    }

    fn add_one(&self) {
        self.here.set(self.here.get() + 1);
    }
}

impl Drop for SegmentCount {
    fn drop(&mut self) {
        self.total.fetch_add(self.here.get(), Ordering::Relaxed);
    }
}

/// Every word of the catalog's names and synonyms, as the exact analyzer writes them.
fn protected_words(reference: &Reference) -> std::collections::HashSet<String> {
    let mut exact = analysis::exact();
    let mut out = std::collections::HashSet::new();
    for (name, _) in reference.commodity_names() {
        out.extend(analysis::tokens(&mut exact, name));
    }
    out
}

/// The index's order: commodity, then kind, then province (each below 2^8 but the
/// commodity, which has 48 bits).
fn sort_key(commodity: u64, kind: u64, province: u64) -> u64 {
    (commodity << 16) | ((kind & 0xff) << 8) | (province & 0xff)
}

fn listing_kind_code(kind: ListingKind) -> u64 {
    match kind {
        ListingKind::Offer => 0,
        ListingKind::Need => 1,
    }
}

fn read_payload(index: &Index) -> Result<Payload> {
    let meta = index.load_metas()?;
    Ok(meta
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default())
}

/// Counts listings per commodity among the documents a query matches.
struct CommodityCounts {
    commodities: usize,
}

struct CommodityCountsSegment {
    column: Option<Arc<dyn tantivy::columnar::ColumnValues<u64>>>,
    counts: Vec<u64>,
}

impl tantivy::collector::Collector for CommodityCounts {
    type Fruit = Vec<u64>;
    type Child = CommodityCountsSegment;

    fn for_segment(
        &self,
        _segment_local_id: tantivy::SegmentOrdinal,
        segment: &tantivy::SegmentReader,
    ) -> tantivy::Result<CommodityCountsSegment> {
        let column = segment
            .fast_fields()
            .u64("commodity")
            .ok()
            .map(|c| c.first_or_default_col(u64::MAX));
        Ok(CommodityCountsSegment {
            column,
            counts: vec![0; self.commodities],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut total = vec![0; self.commodities];
        for f in fruits {
            for (t, n) in total.iter_mut().zip(f) {
                *t += n;
            }
        }
        Ok(total)
    }
}

impl tantivy::collector::SegmentCollector for CommodityCountsSegment {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        if let Some(col) = &self.column
            && let Some(n) = self.counts.get_mut(col.get_val(doc) as usize)
        {
            *n += 1;
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}

impl SearchIndex {
    /// How many listings pass `filter`, per commodity index.
    pub fn count_by_commodity(&self, filter: &Filter, commodities: usize) -> Result<Vec<u64>> {
        let mut clauses = self.filter_query(filter);
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let query = BooleanQuery::new(clauses);
        Ok(self
            .reader
            .searcher()
            .search(&query, &CommodityCounts { commodities })?)
    }
}

#[cfg(test)]
mod tests;
