//! Tests of `snapshot`: a graph read back answers exactly like the one written and keeps
//! taking deals, any reader works, a damaged, truncated or foreign snapshot is an error and
//! never a panic, and the checksum sees every changed byte.

use super::tests::{TODAY, World, below, random_graph, random_status};
use super::{Checksum, Config, DealGraph};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

// -- snapshots ----------------------------------------------------------------------------

fn snapshot(g: &DealGraph) -> Vec<u8> {
    let mut bytes = Vec::new();
    g.write_snapshot(&mut bytes).unwrap();
    bytes
}

/// Reads a snapshot that must fill `bytes` exactly.
fn load(bytes: &[u8]) -> std::io::Result<DealGraph> {
    let mut rest = bytes;
    let g = DealGraph::read_snapshot(&mut rest)?;
    assert!(rest.is_empty(), "{} bytes left unread", rest.len());
    Ok(g)
}

/// Every public answer about businesses `b0..b{n}` (and one unknown) is the same.
fn assert_answers_alike(g: &DealGraph, h: &DealGraph, provinces: &[u8]) {
    assert_eq!(h.config(), g.config());
    assert_eq!(h.business_count(), g.business_count());
    assert_eq!(h.deal_count(), g.deal_count());
    assert_eq!(h.pair_count(), g.pair_count());
    assert_eq!(h.tie_count(), g.tie_count());
    assert_eq!(h.newest_day(), g.newest_day());
    assert_eq!(h.province_flows(), g.province_flows());
    assert_eq!(h.centrality(), g.centrality());
    assert_eq!(h.centrality_is_stale(), g.centrality_is_stale());
    assert!(h.businesses().eq(g.businesses()));
    assert!(h.seller_priors(TODAY).eq(g.seller_priors(TODAY)));
    for (id, province, prior) in g.seller_priors(TODAY) {
        assert_eq!(g.province_of(id), Some(province));
        assert_eq!(g.seller_prior(id, TODAY), prior);
    }
    let (np, nc) = (
        g.province_flows().provinces(),
        g.province_flows().commodities(),
    );
    for p in 0..np {
        for q in 0..np {
            assert_eq!(h.complementarity(p, q), g.complementarity(p, q));
            assert_eq!(
                h.province_part(p as u8, q as u8),
                g.province_part(p as u8, q as u8)
            );
        }
        for c in 0..nc {
            assert_eq!(h.rca_from_deals(p, c), g.rca_from_deals(p, c));
        }
    }
    let names: Vec<String> = (0..provinces.len())
        .map(|a| format!("b{a}"))
        .chain(["nobody".to_string()])
        .collect();
    for (a, an) in names.iter().enumerate() {
        let province = provinces.get(a).copied();
        assert_eq!(h.contains(an), g.contains(an));
        assert_eq!(h.province_of(an), g.province_of(an));
        assert_eq!(h.pagerank(an), g.pagerank(an));
        assert_eq!(h.seller_prior(an, TODAY), g.seller_prior(an, TODAY));
        for limit in [0, 1, 50] {
            assert_eq!(h.ties_of(an, limit), g.ties_of(an, limit));
        }
        for cap in [2, 100] {
            assert_eq!(h.neighbourhood(an, cap), g.neighbourhood(an, cap));
        }
        let (hc, gc) = (h.buyer_context(an, province), g.buyer_context(an, province));
        let sellers: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            h.signals_for_seller_batch(an, &sellers, TODAY),
            g.signals_for_seller_batch(an, &sellers, TODAY)
        );
        for (b, bn) in names.iter().enumerate() {
            let sp = provinces.get(b).copied();
            assert_eq!(h.signals(an, bn, TODAY), g.signals(an, bn, TODAY));
            assert_eq!(hc.signals(bn, sp, TODAY), gc.signals(bn, sp, TODAY));
            for hops in [1, 3] {
                assert_eq!(h.intro(an, bn, hops), g.intro(an, bn, hops));
            }
        }
    }
}

#[test]
fn a_snapshot_answers_like_the_graph_it_was_taken_of_and_keeps_taking_deals() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for trial in 0..150 {
        let config = Config {
            common_scan_limit: if trial % 3 == 0 { 1 } else { 2_000 },
            hop_deal_ids: 1 + trial % 4,
            stale_fraction: 0.5,
            ..Config::default()
        };
        let (mut g, mut world, _) = random_graph(&mut rng, config);
        let bytes = snapshot(&g);
        let mut h = load(&bytes).unwrap();
        assert_answers_alike(&g, &h, &world.provinces);
        assert_eq!(
            snapshot(&h),
            bytes,
            "a loaded graph writes the same snapshot"
        );
        // The engine adds deals to a loaded graph in place, new businesses included.
        world.provinces.extend([0, 2]);
        let n = world.provinces.len();
        for i in 0..below(&mut rng, 30) {
            let b = below(&mut rng, n);
            let s = (b + 1 + below(&mut rng, n - 1)) % n;
            let status = random_status(&mut rng);
            let d = world.deal(&mut rng, 10_000 + i, b, s, status);
            g.add(d.clone()).unwrap();
            h.add(d).unwrap();
        }
        assert_answers_alike(&g, &h, &world.provinces);
        assert_eq!(snapshot(&h), snapshot(&g));
        g.refresh_centrality();
        h.refresh_centrality();
        assert_answers_alike(&g, &h, &world.provinces);
    }
    let empty = DealGraph::new(38, 300);
    let loaded = load(&snapshot(&empty)).unwrap();
    assert_answers_alike(&empty, &loaded, &[]);
}

/// A reader that hands out a few bytes per call, and is interrupted now and then.
struct Trickle<'a> {
    bytes: &'a [u8],
    calls: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(5) {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = (self.calls % 7 + 1).min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
fn a_large_snapshot_streams_through_any_reader_and_compacts_after_loading() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let n = 3_000;
    let world = World {
        provinces: (0..n).map(|_| below(&mut rng, 4) as u8).collect(),
    };
    let mut deals = Vec::new();
    for i in 0..40_000 {
        let b = below(&mut rng, n);
        let s = (b + 1 + below(&mut rng, n - 1)) % n;
        let status = random_status(&mut rng);
        deals.push(world.deal(&mut rng, i, b, s, status));
    }
    let mut g = DealGraph::build(4, 2, deals).unwrap();
    let bytes = snapshot(&g);
    assert!(bytes.len() > 4 * (1 << 18), "spans several buffers");
    let mut slow = Trickle {
        bytes: &bytes,
        calls: 0,
    };
    let mut h = DealGraph::read_snapshot(&mut slow).unwrap();
    assert!(slow.bytes.is_empty());
    assert_eq!(snapshot(&h), bytes);
    // Enough new pairs on both to compact them (at least 4096, an eighth of all).
    for i in 0..8_000 {
        let b = below(&mut rng, n);
        let s = (b + 1 + below(&mut rng, n - 1)) % n;
        let status = random_status(&mut rng);
        let d = world.deal(&mut rng, 100_000 + i, b, s, status);
        g.add(d.clone()).unwrap();
        h.add(d).unwrap();
    }
    assert_eq!(snapshot(&h), snapshot(&g));
    for _ in 0..300 {
        let (a, b) = (
            format!("b{}", below(&mut rng, n)),
            format!("b{}", below(&mut rng, n)),
        );
        assert_eq!(h.signals(&a, &b, TODAY), g.signals(&a, &b, TODAY));
        assert_eq!(h.intro(&a, &b, 4), g.intro(&a, &b, 4));
        assert_eq!(h.ties_of(&a, 20), g.ties_of(&a, 20));
    }
}

#[test]
fn a_damaged_truncated_or_foreign_snapshot_is_an_error_not_a_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (g, _, _) = loop {
        let x = random_graph(&mut rng, Config::default());
        if x.0.deal_count() > 20 {
            break x;
        }
    };
    let bytes = snapshot(&g);
    assert!(load(&bytes).is_ok());
    for at in 0..bytes.len() {
        for flip in [0x01, 0x80] {
            let mut bad = bytes.clone();
            bad[at] ^= flip;
            assert!(load(&bad).is_err(), "flip {flip:#x} at {at}");
        }
    }
    for cut in 0..bytes.len() {
        let err = load(&bytes[..cut]).err().unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "cut at {cut}");
    }
    // The reader takes its own bytes and leaves what follows.
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"next");
    let mut rest = &longer[..];
    assert!(DealGraph::read_snapshot(&mut rest).is_ok());
    assert_eq!(rest, b"next");
    assert!(load(b"not a graph at all").is_err());
    assert!(load(&[]).is_err());
    // Another version is refused as such.
    let mut other = bytes.clone();
    other[8] = 2;
    let err = load(&other).err().unwrap().to_string();
    assert!(err.contains("version 2"), "{err}");
    // A header that claims absurd sizes, its own checksum right: an error, no abort.
    for word in [2, 5, 6] {
        let mut huge = bytes.clone();
        huge[16 + 8 * word..24 + 8 * word].copy_from_slice(&(1u64 << 31).to_le_bytes());
        let sum = Checksum::of(&huge[..16 + 8 * 20]);
        huge[16 + 8 * 20..24 + 8 * 20].copy_from_slice(&sum.to_le_bytes());
        assert!(load(&huge).is_err(), "word {word}");
    }
    // The framed form with a caller's header.
    let framed = g.to_snapshot(b"header");
    let (h, header) = DealGraph::from_snapshot(&framed).unwrap();
    assert_eq!(header, b"header");
    assert_eq!(snapshot(&h), bytes);
    for at in (0..framed.len()).step_by(3) {
        let mut bad = framed.clone();
        bad[at] ^= 0x10;
        assert!(DealGraph::from_snapshot(&bad).is_err(), "flip at {at}");
    }
    for cut in [0, 4, 8, 14, 22, framed.len() - 1] {
        assert!(
            DealGraph::from_snapshot(&framed[..cut]).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn the_checksum_sees_any_changed_byte_and_does_not_depend_on_how_bytes_arrive() {
    let bytes: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
    let whole = Checksum::of(&bytes);
    for split in 0..bytes.len() {
        let mut c = Checksum::new();
        c.update(&bytes[..split]);
        c.update(&bytes[split..]);
        assert_eq!(c.finish(), whole);
    }
    for at in 0..bytes.len() {
        let mut b = bytes.clone();
        b[at] ^= 1;
        assert_ne!(Checksum::of(&b), whole);
    }
    assert_ne!(Checksum::of(&bytes[..299]), whole);
    assert_ne!(Checksum::of(&[]), Checksum::of(&[0]));
}
