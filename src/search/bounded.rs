//! Exact top-k without scoring every candidate: the listings of one commodity, kind and
//! province are one range of documents in each segment (the index's order, see
//! [`super::settings`]), so a ranking visits those ranges best bound first and skips every
//! range whose province cannot reach the top k any more, without reading its postings.
//!
//! The caller knows its score function and gives each province an upper bound of the score
//! any of its listings can reach (the score is a weighted sum of features; advantage and
//! logistics are the province's own, the rest is bounded per province: see
//! [`crate::score::Scorer::upper_bounds`]). Ranges are taken in the order of their bounds,
//! across segments, in batches that grow geometrically, each visited in document order;
//! once the best `limit` so far are held, a range whose bound is strictly below the worst of
//! them is not scored, and neither is any after it. The answer is the same
//! as [`SearchIndex::rank`] — the same listings, scores and order, ties by document address —
//! and so is the count of candidates the score keeps (`total`): a skipped range's candidates
//! are counted from the columns by the part of the score function that drops candidates
//! (`keep`, a minimum amount), without their score.
//!
//! The text's BM25 comes from [`super::TextScorer`], as in the exhaustive ranking (so the
//! same floats), its clauses moved to each visited range with `seek`.
//!
//! Only a ranking of one commodity and kind, whose text only adds BM25 and with no KBKI
//! filter, takes this path; any other is scored exhaustively.
//!
//! Session 7 ranked province by province with one tantivy query each (a query per province
//! cost more than it saved at 100 k listings); session 8 ran one pass over every candidate
//! and skipped only the score (the per-candidate bound check cost as much as it saved).

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, TERMINATED, Term};

use super::{
    DocColumns, Filter, Ranked, ScoreFn, SearchIndex, SearchResults, TextMode, TextQuery,
    TextScorer, listing_kind_code, sort_key,
};
use crate::error::Result;
use crate::score::ListingFeatures;

/// Whether a candidate is kept, without its score: the part of the score function that
/// drops candidates (a minimum amount), for counting the candidates that are not scored.
pub type KeepFn = Arc<dyn Fn(&ListingFeatures) -> bool + Send + Sync>;

/// How many candidates a bounded ranking saw and how many it scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkipStats {
    pub candidates: usize,
    pub scored: usize,
}

/// [`SkipStats`] summed over rankings, shared by threads.
#[derive(Debug, Default)]
pub struct SkipCounter {
    candidates: AtomicUsize,
    scored: AtomicUsize,
}

impl SkipCounter {
    pub fn add(&self, s: SkipStats) {
        self.candidates.fetch_add(s.candidates, Ordering::Relaxed);
        self.scored.fetch_add(s.scored, Ordering::Relaxed);
    }

    pub fn get(&self) -> SkipStats {
        SkipStats {
            candidates: self.candidates.load(Ordering::Relaxed),
            scored: self.scored.load(Ordering::Relaxed),
        }
    }
}

impl SearchIndex {
    /// The top `limit` listings that pass `filter`, by `score`, not scoring the listings of
    /// a province whose bound (`bounds`, by province index) is below the worst of the best
    /// `limit` found so far. `keep` must drop exactly the candidates `score` drops (`None`);
    /// no `keep` says `score` drops none.
    /// A ranking this path does not cover (see the module) is scored exhaustively and
    /// reports no candidates.
    pub fn rank_bounded(
        &self,
        filter: &Filter,
        text: &TextQuery<'_>,
        limit: usize,
        score: ScoreFn,
        keep: Option<KeepFn>,
        bounds: Arc<[f32]>,
    ) -> Result<(SearchResults, SkipStats)> {
        let searcher = self.reader.searcher();
        let covered = matches!(text.mode, TextMode::Optional)
            && filter.kbki.is_empty()
            && filter.commodities.len() == 1;
        let (Some(kind), [commodity], true) = (filter.kind, filter.commodities.as_slice(), covered)
        else {
            return Ok((
                self.rank(filter, text, limit, 0, score)?,
                SkipStats::default(),
            ));
        };
        let limit = limit.max(1);
        let segments: Vec<_> = searcher
            .segment_readers()
            .iter()
            .map(|s| self.columns.of(s))
            .collect();
        if segments.iter().any(|s| s.ranges.is_none()) {
            return Ok((
                self.rank(filter, text, limit, 0, score)?,
                SkipStats::default(),
            ));
        }
        let provinces: Vec<usize> = (0..bounds.len())
            .filter(|p| filter.provinces.is_empty() || filter.provinces.contains(p))
            .filter(|p| !filter.exclude_provinces.contains(p))
            .collect();
        // Every (segment, province) range of the commodity and kind, best bound first.
        let mut ranges: Vec<(f32, usize, u32, u32)> = Vec::new();
        for (ord, columns) in segments.iter().enumerate() {
            for &p in &provinces {
                let key = sort_key(*commodity as u64, listing_kind_code(kind), p as u64);
                if let Some(r) = columns.range(key) {
                    let bound = bounds.get(p).copied().unwrap_or(f32::INFINITY);
                    ranges.push((bound, ord, r.start, r.end));
                }
            }
        }
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        // The text's scorer (one per segment, made again when a range lies behind it).
        let text_weights = self.text_weights(&searcher, text.text)?;
        let mut text_scorers: Vec<Option<TextScorer>> = (0..segments.len()).map(|_| None).collect();
        // The documents of the excluded business, by segment.
        let mut excluded: Vec<Vec<DocId>> = vec![Vec::new(); segments.len()];
        if let Some(id) = &filter.exclude_business {
            let term = Term::from_field_text(self.fields.business_id, id);
            for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                let inverted = reader.inverted_index(self.fields.business_id)?;
                if let Some(mut postings) = inverted
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(tantivy::TantivyError::from)?
                {
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        excluded[ord].push(doc);
                        doc = postings.advance();
                    }
                }
            }
        }
        let passes = |ord: usize, doc: DocId, c: &DocColumns| {
            c.certs & filter.certs == filter.certs
                && (filter.business_kinds.is_empty()
                    || filter.business_kinds.contains(&(c.business_kind as u64)))
                && !excluded[ord].contains(&doc)
        };
        let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(limit + 1);
        let mut kept = 0usize;
        let mut stats = SkipStats::default();
        // Ranges are taken best bound first, in batches that grow geometrically; a batch is
        // visited in document order, so each segment's text scorer only moves forward
        // within it (a scorer is made again only when a later batch lies behind it). A
        // range is skipped only when its bound is below the worst of a full top k, so the
        // batching changes what is scored, never the answer.
        let cannot_enter = |heap: &BinaryHeap<Entry>, bound: f32| {
            heap.len() >= limit && heap.peek().is_some_and(|worst| bound < worst.score)
        };
        let mut next = 0;
        let mut batch_size = 4 * limit;
        while next < ranges.len() {
            let mut batch = Vec::new();
            let mut size = 0usize;
            while let Some(&r) = ranges.get(next) {
                if size >= batch_size || cannot_enter(&heap, r.0) {
                    break;
                }
                size += (r.3 - r.2) as usize;
                batch.push(r);
                next += 1;
            }
            if batch.is_empty() {
                break;
            }
            batch_size = batch_size.saturating_mul(2);
            batch.sort_by_key(|r| (r.1, r.2));
            for (_, ord, start, end) in batch {
                let reader = &searcher.segment_readers()[ord];
                let columns = &segments[ord];
                let alive = reader.alive_bitset();
                let mut text = match (&text_weights, text_scorers[ord].take()) {
                    (Some(_), Some(s)) if s.reaches(start) => Some(s),
                    (Some(w), _) => Some(w.scorer(reader)?),
                    (None, _) => None,
                };
                for doc in (start..end).filter(|&d| alive.is_none_or(|a| a.is_alive(d))) {
                    let Some(c) = columns.docs.get(doc as usize) else {
                        continue;
                    };
                    if !passes(ord, doc, c) {
                        continue;
                    }
                    stats.candidates += 1;
                    stats.scored += 1;
                    let bm25 = text.as_mut().map_or(0.0, |t| t.score(doc));
                    let features = c.features(bm25);
                    let Some(score) = score(&features).filter(|s| s.is_finite()) else {
                        continue;
                    };
                    kept += 1;
                    let entry = Entry {
                        score,
                        address: DocAddress::new(ord as u32, doc),
                        features,
                    };
                    if heap.len() < limit {
                        heap.push(entry);
                    } else if heap.peek().is_some_and(|worst| worst.worse_than(&entry)) {
                        heap.pop();
                        heap.push(entry);
                    }
                }
                text_scorers[ord] = text;
            }
        }
        // What is left cannot enter: its candidates are counted, not scored. Without a
        // filter or `keep` that looks at each listing, a range's count is its live
        // documents: no column is read.
        let per_listing = keep.is_some() || filter.certs != 0 || !filter.business_kinds.is_empty();
        for &(_, ord, start, end) in &ranges[next..] {
            let columns = &segments[ord];
            let alive = searcher.segment_readers()[ord].alive_bitset();
            let end_in_columns = end.min(columns.docs.len() as u32);
            if !per_listing && !excluded[ord].iter().any(|d| (start..end).contains(d)) {
                let live = match alive {
                    None => end_in_columns.saturating_sub(start) as usize,
                    Some(a) => (start..end_in_columns).filter(|&d| a.is_alive(d)).count(),
                };
                stats.candidates += live;
                kept += live;
                continue;
            }
            for doc in (start..end).filter(|&d| alive.is_none_or(|a| a.is_alive(d))) {
                let Some(c) = columns.docs.get(doc as usize) else {
                    continue;
                };
                if passes(ord, doc, c) {
                    stats.candidates += 1;
                    if keep.as_ref().is_none_or(|k| k(&c.features(0.0))) {
                        kept += 1;
                    }
                }
            }
        }
        let top = heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| {
                (
                    Ranked {
                        score: e.score,
                        features: Some(e.features),
                    },
                    e.address,
                )
            })
            .collect();
        Ok((self.hits(&searcher, kept, top)?, stats))
    }
}

/// A scored candidate in the heap. The heap's greatest entry is the worst one: the lowest
/// score, and among equal scores the highest document address (tantivy orders ties by
/// document address, lowest first).
struct Entry {
    score: f32,
    address: DocAddress,
    features: ListingFeatures,
}

impl Entry {
    fn worse_than(&self, other: &Entry) -> bool {
        self.cmp(other) == CmpOrdering::Greater
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.address.cmp(&other.address))
    }
}
