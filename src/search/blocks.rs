//! Exact top-k without scoring every candidate: the candidates are ranked one block at a
//! time — the listings of one province — best upper bound first, and the ranking stops when
//! no block left can reach the k-th score found so far.
//!
//! The caller knows its score function and gives each block an upper bound of the score any
//! listing in it can reach (the score is a weighted sum of features; advantage and logistics
//! are the province's own, the rest is bounded per province: see
//! [`crate::score::Scorer::upper_bounds`]). Inside a block the ranking is the ordinary exact
//! one. The merged answer is the same as [`SearchIndex::rank`] over every block at once,
//! ties included: both order by score, then by document address, on one searcher. The count
//! of candidates the score keeps (`total`) is still exact: blocks not ranked are counted by
//! a collector that reads columns only, without scoring.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, SegmentReader};

use super::{ColumnCache, DocColumns, Filter, Ranked, SearchIndex, SearchResults, TextQuery};
use crate::error::Result;
use crate::reference::ProvinceIx;
use crate::score::ListingFeatures;

/// The listings of one province, with an upper bound of their scores.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub province: ProvinceIx,
    pub bound: f32,
}

/// Whether a candidate is kept, without its score: the part of the score function that
/// drops candidates (a minimum amount), for counting the blocks that were not ranked.
pub type KeepFn = Arc<dyn Fn(&ListingFeatures) -> bool + Send + Sync>;

/// How much of the candidates a blocked ranking had to score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockStats {
    pub blocks: usize,
    pub ranked: usize,
}

/// [`BlockStats`] summed over rankings, shared by threads.
#[derive(Debug, Default)]
pub struct BlockCounter {
    blocks: AtomicUsize,
    ranked: AtomicUsize,
}

impl BlockCounter {
    pub fn add(&self, s: BlockStats) {
        self.blocks.fetch_add(s.blocks, Ordering::Relaxed);
        self.ranked.fetch_add(s.ranked, Ordering::Relaxed);
    }

    pub fn get(&self) -> BlockStats {
        BlockStats {
            blocks: self.blocks.load(Ordering::Relaxed),
            ranked: self.ranked.load(Ordering::Relaxed),
        }
    }
}

impl SearchIndex {
    /// The top `limit` listings that pass `filter`, by `score`, ranking the `blocks`
    /// (provinces, which replace `filter.provinces`) best bound first. `keep` must drop
    /// exactly the candidates `score` drops (`None`).
    pub fn rank_blocks(
        &self,
        filter: &Filter,
        text: &TextQuery<'_>,
        limit: usize,
        score: super::ScoreFn,
        keep: KeepFn,
        mut blocks: Vec<Block>,
    ) -> Result<(SearchResults, BlockStats)> {
        let searcher = self.reader.searcher();
        let limit = limit.max(1);
        blocks.sort_by(|a, b| {
            b.bound
                .total_cmp(&a.bound)
                .then(a.province.cmp(&b.province))
        });
        let mut best: Vec<(Ranked, DocAddress)> = Vec::new();
        let mut total = 0;
        let mut stats = BlockStats {
            blocks: blocks.len(),
            ranked: 0,
        };
        let mut rest = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            // A listing scoring exactly the k-th score could still come first on its document
            // address, so a block is skipped only when its bound is strictly below.
            if best.len() >= limit && best[limit - 1].0.score > block.bound {
                rest = blocks[i..].iter().map(|b| b.province).collect();
                break;
            }
            let one = Filter {
                provinces: vec![block.province],
                ..filter.clone()
            };
            let query = self.ranking_query(&one, text);
            let (kept, top) =
                self.collect_top(&searcher, &query, limit, 0, score.clone(), filter.certs)?;
            stats.ranked += 1;
            total += kept;
            best.extend(top.into_iter().filter(|(r, _)| r.features.is_some()));
            best.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.cmp(&b.1)));
            best.truncate(limit);
        }
        if !rest.is_empty() {
            let others = Filter {
                provinces: rest,
                ..filter.clone()
            };
            let query = self.ranking_query(&others, text);
            total += searcher.search(
                &query,
                &CountKept {
                    cache: self.columns.clone(),
                    certs: filter.certs,
                    keep,
                },
            )?;
        }
        Ok((self.hits(&searcher, total, best)?, stats))
    }
}

/// Counts the documents a query matches that pass the certification filter and `keep`,
/// reading columns only (no scoring).
struct CountKept {
    cache: Arc<ColumnCache>,
    certs: u64,
    keep: KeepFn,
}

struct CountKeptSegment {
    columns: Arc<[DocColumns]>,
    certs: u64,
    keep: KeepFn,
    count: usize,
}

impl Collector for CountKept {
    type Fruit = usize;
    type Child = CountKeptSegment;

    fn for_segment(
        &self,
        _segment_local_id: tantivy::SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<CountKeptSegment> {
        Ok(CountKeptSegment {
            columns: self.cache.of(segment),
            certs: self.certs,
            keep: self.keep.clone(),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<usize>) -> tantivy::Result<usize> {
        Ok(fruits.into_iter().sum())
    }
}

impl SegmentCollector for CountKeptSegment {
    type Fruit = usize;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        if let Some(c) = self.columns.get(doc as usize)
            && c.certs & self.certs == self.certs
            && (self.keep)(&c.features(0.0))
        {
            self.count += 1;
        }
    }

    fn harvest(self) -> usize {
        self.count
    }
}
