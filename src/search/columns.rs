//! The ranking's view of a segment: every listing's fast fields copied into one flat array
//! (`DocColumns`), and where the listings of each (commodity, kind, province) lie
//! (`KeyRange`), kept per segment by a tantivy warmer (`ColumnCache`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use tantivy::index::SegmentId;
use tantivy::{Searcher, SearcherGeneration, SegmentReader, Warmer};

use super::sort_key;
use crate::model::ListingKind;
use crate::score::ListingFeatures;

/// One listing's fast fields, copied out of tantivy's columns: the ranking reads one
/// 32-byte record per candidate instead of eight compressed columns through a `dyn` call each.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct DocColumns {
    pub(super) business_key: u64,
    pub(super) amount: f64,
    pub(super) certs: u64,
    pub(super) commodity: u32,
    pub(super) kind: u8,
    pub(super) province: u8,
    pub(super) business_kind: u8,
    pub(super) amount_unit: u8,
}

impl DocColumns {
    pub(super) fn features(&self, bm25: f32) -> ListingFeatures {
        ListingFeatures {
            business_key: self.business_key,
            bm25,
            kind: if self.kind == 1 {
                ListingKind::Need
            } else {
                ListingKind::Offer
            },
            commodity: self.commodity as usize,
            province: self.province as usize,
            business_kind: self.business_kind as u64,
            certs: self.certs,
            amount: self.amount,
            amount_unit: self.amount_unit as u64,
        }
    }
}

/// The documents of one (commodity, kind, province) in a segment: `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyRange {
    pub(super) key: u64,
    pub(super) start: u32,
    pub(super) end: u32,
}

/// One segment's columns by document, and where each (commodity, kind, province) lies.
pub(super) struct SegmentColumns {
    pub(super) docs: Box<[DocColumns]>,
    /// By key; `None` when the segment is not in the index's order (never expected: tantivy
    /// sorts every segment it writes or merges; rankings then score every candidate).
    pub(super) ranges: Option<Box<[KeyRange]>>,
}

impl SegmentColumns {
    pub(super) fn new(docs: Vec<DocColumns>) -> SegmentColumns {
        let mut ranges: Vec<KeyRange> = Vec::new();
        let mut sorted = true;
        for (doc, c) in docs.iter().enumerate() {
            let key = sort_key(c.commodity as u64, c.kind as u64, c.province as u64);
            let doc = doc as u32;
            match ranges.last_mut() {
                Some(last) if last.key == key => last.end = doc + 1,
                Some(last) if last.key > key => {
                    sorted = false;
                    break;
                }
                _ => ranges.push(KeyRange {
                    key,
                    start: doc,
                    end: doc + 1,
                }),
            }
        }
        SegmentColumns {
            docs: docs.into_boxed_slice(),
            ranges: sorted.then(|| ranges.into_boxed_slice()),
        }
    }

    /// The documents of `key`, if the segment has any (and is in the index's order).
    pub(super) fn range(&self, key: u64) -> Option<KeyRange> {
        let ranges = self.ranges.as_ref()?;
        let i = ranges.binary_search_by_key(&key, |r| r.key).ok()?;
        ranges.get(i).copied()
    }
}

/// Each segment's columns by document. Segments are immutable, so an entry is filled
/// once, when a reload first shows the segment (tantivy calls `warm` before it publishes the
/// new searcher), and dropped when no live searcher holds the segment any more. ~32 MB per
/// million listings.
#[derive(Default)]
pub(super) struct ColumnCache {
    pub(super) segments: RwLock<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl ColumnCache {
    /// The segment's columns, read now if the warmer has not seen the segment yet.
    pub(super) fn of(&self, segment: &SegmentReader) -> Arc<SegmentColumns> {
        let id = segment.segment_id();
        if let Some(c) = self
            .segments
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            return c.clone();
        }
        let columns = Arc::new(SegmentColumns::new(read_columns(segment)));
        self.segments
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, columns.clone());
        columns
    }
}

impl Warmer for ColumnCache {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for segment in searcher.segment_readers() {
            self.of(segment);
        }
        Ok(())
    }

    fn garbage_collect(&self, live: &[&SearcherGeneration]) {
        let live: HashSet<SegmentId> = live
            .iter()
            .flat_map(|g| g.segments().keys().copied())
            .collect();
        self.segments
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|id, _| live.contains(id));
    }
}

/// Reads every document's fast fields of a segment (deleted documents included: tantivy
/// never hands them to a collector), a column at a time: one `get_range` call per column
/// decodes it in a loop tantivy's compiler sees whole, where a `get_val` per document and
/// column was a dynamic call each (at 10 M listings, 80 M of them at every start).
pub(super) fn read_columns(segment: &SegmentReader) -> Vec<DocColumns> {
    let ff = segment.fast_fields();
    let n = segment.max_doc() as usize;
    let mut out = vec![DocColumns::default(); n];
    let mut buf = vec![0u64; n];
    let mut column = |name: &str, set: fn(&mut DocColumns, u64)| {
        if let Ok(c) = ff.u64(name) {
            c.first_or_default_col(0).get_range(0, &mut buf);
            for (d, &v) in out.iter_mut().zip(&buf) {
                set(d, v);
            }
        }
    };
    column("business_key", |d, v| d.business_key = v);
    column("kind", |d, v| d.kind = v as u8);
    column("commodity", |d, v| d.commodity = v as u32);
    column("province", |d, v| d.province = v as u8);
    column("business_kind", |d, v| d.business_kind = v as u8);
    column("certs", |d, v| d.certs = v);
    column("amount_unit", |d, v| d.amount_unit = v as u8);
    drop(buf);
    let mut amounts = vec![-1.0f64; n];
    if let Ok(c) = ff.f64("amount") {
        c.first_or_default_col(-1.0).get_range(0, &mut amounts);
    }
    for (d, a) in out.iter_mut().zip(amounts) {
        d.amount = a;
    }
    out
}
