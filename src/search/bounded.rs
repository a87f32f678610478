//! Exact top-k without scoring every candidate: one pass over the candidates that skips the
//! score of a listing whose province cannot reach the top k any more.
//!
//! The caller knows its score function and gives each province an upper bound of the score
//! any of its listings can reach (the score is a weighted sum of features; advantage and
//! logistics are the province's own, the rest is bounded per province: see
//! [`crate::score::Scorer::upper_bounds`]). While the pass runs, each segment keeps its best
//! `limit` candidates so far; once it holds `limit`, a candidate whose province's bound is
//! strictly below the worst of them cannot enter and is not scored (its columns are still
//! read, to count it). The answer is the same as [`SearchIndex::rank`] — the same listings,
//! scores and order, ties by document address — and so is the count of candidates the score
//! keeps (`total`), because a skipped candidate is counted by the part of the score function
//! that drops candidates (`keep`, a minimum amount) without its score.
//!
//! Session 7 ranked province by province, best bound first, one tantivy query per province:
//! it scored fewer candidates but paid a query per province and lost to scoring every
//! candidate at 100 k listings. This pass reads the commodity's postings once.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, SegmentOrdinal, SegmentReader};

use super::{
    ColumnCache, DocColumns, Filter, Ranked, ScoreFn, SearchIndex, SearchResults, TextQuery,
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
    /// The top `limit` listings that pass `filter`, by `score`, not scoring a candidate
    /// whose province's bound (`bounds`, by province index; a province not in it is never
    /// skipped) is below the worst of the best `limit` found so far. `keep` must drop
    /// exactly the candidates `score` drops (`None`).
    pub fn rank_bounded(
        &self,
        filter: &Filter,
        text: &TextQuery<'_>,
        limit: usize,
        score: ScoreFn,
        keep: KeepFn,
        bounds: Arc<[f32]>,
    ) -> Result<(SearchResults, SkipStats)> {
        let searcher = self.reader.searcher();
        let query = self.ranking_query(filter, text);
        let collector = BoundedTop {
            limit: limit.max(1),
            cache: self.columns.clone(),
            certs: filter.certs,
            score,
            keep,
            bounds,
        };
        let fruit = searcher.search(&query, &collector)?;
        Ok((self.hits(&searcher, fruit.kept, fruit.top)?, fruit.stats))
    }
}

/// What a bounded ranking collects: the best `limit`, best first, the count of kept
/// candidates and how many were scored.
struct Fruit {
    top: Vec<(Ranked, DocAddress)>,
    kept: usize,
    stats: SkipStats,
}

struct BoundedTop {
    limit: usize,
    cache: Arc<ColumnCache>,
    certs: u64,
    score: ScoreFn,
    keep: KeepFn,
    bounds: Arc<[f32]>,
}

/// A scored candidate in a segment's heap. The heap's greatest entry is the worst one: the
/// lowest score, and among equal scores the highest document (tantivy orders ties by
/// document address, lowest first).
struct Entry {
    score: f32,
    doc: DocId,
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
            .then(self.doc.cmp(&other.doc))
    }
}

struct BoundedSegment {
    segment: SegmentOrdinal,
    columns: Arc<[DocColumns]>,
    certs: u64,
    score: ScoreFn,
    keep: KeepFn,
    bounds: Arc<[f32]>,
    limit: usize,
    heap: BinaryHeap<Entry>,
    kept: usize,
    stats: SkipStats,
}

impl Collector for BoundedTop {
    type Fruit = Fruit;
    type Child = BoundedSegment;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<BoundedSegment> {
        Ok(BoundedSegment {
            segment: segment_local_id,
            columns: self.cache.of(segment),
            certs: self.certs,
            score: self.score.clone(),
            keep: self.keep.clone(),
            bounds: self.bounds.clone(),
            limit: self.limit,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            kept: 0,
            stats: SkipStats::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut merged = Fruit {
            top: Vec::new(),
            kept: 0,
            stats: SkipStats::default(),
        };
        for f in fruits {
            merged.top.extend(f.top);
            merged.kept += f.kept;
            merged.stats.candidates += f.stats.candidates;
            merged.stats.scored += f.stats.scored;
        }
        merged
            .top
            .sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.cmp(&b.1)));
        merged.top.truncate(self.limit);
        Ok(merged)
    }
}

impl SegmentCollector for BoundedSegment {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, bm25: tantivy::Score) {
        let Some(c) = self.columns.get(doc as usize) else {
            return;
        };
        if c.certs & self.certs != self.certs {
            return;
        }
        self.stats.candidates += 1;
        if self.heap.len() >= self.limit
            && let Some(worst) = self.heap.peek()
            && self
                .bounds
                .get(c.province as usize)
                .is_some_and(|&bound| bound < worst.score)
        {
            if (self.keep)(&c.features(0.0)) {
                self.kept += 1;
            }
            return;
        }
        self.stats.scored += 1;
        let features = c.features(bm25);
        let Some(score) = (self.score)(&features).filter(|s| s.is_finite()) else {
            return;
        };
        self.kept += 1;
        let entry = Entry {
            score,
            doc,
            features,
        };
        if self.heap.len() < self.limit {
            self.heap.push(entry);
        } else if self
            .heap
            .peek()
            .is_some_and(|worst| worst.worse_than(&entry))
        {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    fn harvest(self) -> Fruit {
        let segment = self.segment;
        let top = self
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| {
                (
                    Ranked {
                        score: e.score,
                        features: Some(e.features),
                    },
                    DocAddress::new(segment, e.doc),
                )
            })
            .collect();
        Fruit {
            top,
            kept: self.kept,
            stats: self.stats,
        }
    }
}
