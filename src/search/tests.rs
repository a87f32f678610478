//! Unit tests of the search index: crash leftovers, the index order and its ranges.

use super::columns::{SegmentColumns, read_columns};
use super::*;

/// `read_columns` (a column at a time) gives every document exactly what reading each
/// document's fast fields one by one gives, on generated businesses (offers and needs,
/// amounts or none, certifications, many provinces and commodities).
#[test]
fn the_column_cache_holds_each_documents_fast_fields() {
    let reference = Reference::embedded().unwrap();
    let mut jsonl = Vec::new();
    let cfg = crate::generate::GenConfig {
        businesses: 400,
        deals: 0,
        seed: 3,
    };
    crate::generate::generate(&reference, &cfg, &mut jsonl, &mut Vec::new(), &mut |_| {}).unwrap();
    let businesses: Vec<(u64, Business)> = std::str::from_utf8(&jsonl)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| (i as u64 + 1, serde_json::from_str(line).unwrap()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (index, _) =
        SearchIndex::open(&dir.path().join("search"), &reference, Analysis::default()).unwrap();
    index.stage_new(&reference, &businesses[..200]).unwrap();
    index.commit(1).unwrap();
    index.stage_new(&reference, &businesses[200..]).unwrap();
    index.commit(2).unwrap();
    let searcher = index.reader.searcher();
    let mut docs = 0;
    let mut amounts = 0;
    for segment in searcher.segment_readers() {
        let ff = segment.fast_fields();
        let u = |name: &str, doc: u32| {
            ff.u64(name)
                .map_or(0, |c| c.first_or_default_col(0).get_val(doc))
        };
        let got = read_columns(segment);
        assert_eq!(got.len(), segment.max_doc() as usize);
        for (doc, d) in got.iter().enumerate() {
            let doc = doc as u32;
            let amount = ff
                .f64("amount")
                .map_or(-1.0, |c| c.first_or_default_col(-1.0).get_val(doc));
            assert_eq!(d.business_key, u("business_key", doc));
            assert_eq!(d.amount.to_bits(), amount.to_bits());
            assert_eq!(d.certs, u("certs", doc));
            assert_eq!(u64::from(d.commodity), u("commodity", doc));
            assert_eq!(u64::from(d.kind), u("kind", doc));
            assert_eq!(u64::from(d.province), u("province", doc));
            assert_eq!(u64::from(d.business_kind), u("business_kind", doc));
            assert_eq!(u64::from(d.amount_unit), u("amount_unit", doc));
            amounts += usize::from(amount >= 0.0);
        }
        docs += got.len();
    }
    assert!(docs > 400, "{docs} listings");
    assert!(amounts > 0, "{amounts} of {docs} with an amount");
}

fn doc(commodity: u32, kind: u8, province: u8) -> DocColumns {
    DocColumns {
        commodity,
        kind,
        province,
        ..DocColumns::default()
    }
}

/// A segment in the index's order is cut into one range per (commodity, kind, province);
/// one out of order has none, and rankings then score every candidate.
#[test]
fn a_sorted_segment_has_one_range_per_key_and_an_unsorted_one_none() {
    let docs = vec![
        doc(2, 0, 5),
        doc(2, 0, 5),
        doc(2, 0, 9),
        doc(2, 1, 1),
        doc(7, 0, 0),
        doc(7, 0, 0),
        doc(7, 0, 0),
    ];
    let s = SegmentColumns::new(docs.clone());
    let r = |c, k, p| s.range(sort_key(c, k, p)).map(|r| (r.start, r.end));
    assert_eq!(r(2, 0, 5), Some((0, 2)));
    assert_eq!(r(2, 0, 9), Some((2, 3)));
    assert_eq!(r(2, 1, 1), Some((3, 4)));
    assert_eq!(r(7, 0, 0), Some((4, 7)));
    assert_eq!(r(2, 1, 5), None);
    assert_eq!(s.ranges.as_ref().map(|r| r.len()), Some(4));
    let mut shuffled = docs;
    shuffled.swap(0, 4);
    let s = SegmentColumns::new(shuffled);
    assert!(s.ranges.is_none());
    assert_eq!(s.range(sort_key(2, 0, 5)), None);
}

/// The index really is in (commodity, kind, province) order once written: every
/// segment of a built index has its ranges.
#[test]
fn a_built_index_is_in_range_order() {
    let reference = Reference::embedded().unwrap();
    let index = SearchIndex::in_memory(&reference, Analysis::default()).unwrap();
    let (mut b, mut d) = (Vec::new(), Vec::new());
    let config = crate::generate::GenConfig {
        businesses: 400,
        deals: 0,
        seed: 5,
    };
    crate::generate::generate(&reference, &config, &mut b, &mut d, &mut |_| {}).unwrap();
    let businesses: Vec<(u64, Business)> = b
        .split(|c| *c == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, serde_json::from_slice(l).unwrap()))
        .collect();
    index.stage_new(&reference, &businesses).unwrap();
    index.commit(1).unwrap();
    let searcher = index.reader.searcher();
    assert!(!searcher.segment_readers().is_empty());
    for segment in searcher.segment_readers() {
        let columns = index.columns.of(segment);
        let ranges = columns.ranges.as_ref().expect("segment out of order");
        assert!(ranges.len() > 100, "{} ranges", ranges.len());
    }
}

/// A process killed during a commit leaves files the committed state does not use (the
/// crash test met a deletes file whose name the next commit wanted); opening removes them.
#[test]
fn opening_removes_files_a_killed_commit_left() {
    let reference = Reference::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let (index, rebuild) = SearchIndex::open(&path, &reference, Analysis::default()).unwrap();
    assert!(rebuild);
    index.commit(1).unwrap();
    drop(index);
    // What a killed writer leaves: a file the directory manages but no commit lists.
    let orphan = Path::new("0123456789abcdef0123456789abcdef.7.del");
    {
        use tantivy::directory::{Directory, TerminatingWrite};
        let raw = Index::open_in_dir(&path).unwrap();
        let mut w = raw.directory().open_write(orphan).unwrap();
        std::io::Write::write_all(&mut w, b"left over").unwrap();
        w.terminate().unwrap();
    }
    assert!(path.join(orphan).exists());
    let (index, rebuild) = SearchIndex::open(&path, &reference, Analysis::default()).unwrap();
    assert!(!rebuild);
    assert!(!path.join(orphan).exists(), "the orphan is still there");
    index.commit(2).unwrap();
}
