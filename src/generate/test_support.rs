//! Shared test fixtures: the embedded reference, an in-memory `generate` run, and the
//! committed sample's size (3,200 businesses, 20,000 deals, seed 42) generated once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::model::{Business, Deal};
use crate::reference::Reference;

use super::{GenConfig, GenStats, generate};

pub(super) struct Sample {
    pub(super) businesses: Vec<u8>,
    pub(super) deals: Vec<u8>,
    pub(super) stats: GenStats,
}

pub(super) fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| Reference::embedded().expect("embedded reference data"))
}

pub(super) fn run(businesses: usize, deals: usize, seed: u64) -> Sample {
    let (mut b, mut d) = (Vec::new(), Vec::new());
    let cfg = GenConfig {
        businesses,
        deals,
        seed,
    };
    let stats = generate(reference(), &cfg, &mut b, &mut d, &mut |_| {}).expect("in-memory writes");
    Sample {
        businesses: b,
        deals: d,
        stats,
    }
}

/// The committed sample's size: 3,200 businesses and 20,000 deals, seed 42.
pub(super) fn sample() -> &'static (Sample, Vec<Business>, Vec<Deal>) {
    static S: OnceLock<(Sample, Vec<Business>, Vec<Deal>)> = OnceLock::new();
    S.get_or_init(|| {
        let s = run(3200, 20_000, 42);
        let b = lines(&s.businesses)
            .map(|l| serde_json::from_str(l).expect(l))
            .collect();
        let d = lines(&s.deals)
            .map(|l| serde_json::from_str(l).expect(l))
            .collect();
        (s, b, d)
    })
}

pub(super) fn lines(bytes: &[u8]) -> impl Iterator<Item = &str> {
    std::str::from_utf8(bytes).expect("UTF-8").lines()
}

pub(super) fn province_of(businesses: &[Business]) -> BTreeMap<&str, &str> {
    businesses
        .iter()
        .map(|b| (b.id.as_str(), b.province.as_str()))
        .collect()
}
