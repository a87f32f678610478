//! The seeded fixture generator: `businesses.jsonl` and `deals.jsonl` of any size whose
//! structure follows the real figures, and the Jatim–Banten mission spec.
//!
//! What follows the data, and what is a heuristic:
//! - businesses per province follow the BPS population (`provinces.csv`), with a floor of a
//!   few per province so all 38 appear;
//! - offers follow each province's location quotient where `production.csv` has a figure
//!   (`Reference::advantage`), needs its deficit (LQ < 1). Where there is no figure, a small
//!   hand-written table of well-known regional specialisations
//!   ([`SPECIALISATIONS`](tables::SPECIALISATIONS)) stands in: that table (and Jakarta's lack
//!   of farmland) is a generator heuristic, not a statistic;
//! - the trade missions and their dates, participant counts, totals and traded goods are
//!   East Java's real domestic missions (`shared/data/jatim_trade_missions.csv`, copied into
//!   [`MISSIONS`]);
//! - names, descriptions, capacities and prices are plausible inventions.
//!
//! Determinism: one ChaCha8 stream per phase (businesses, deals, each mission), seeded from
//! the config's seed; every random choice is made by the small helpers on [`Rng`] on top of
//! `next_u64`, so the output does not depend on a `rand` version. No hash-map iteration order
//! is used anywhere. Floats are formatted by serde_json (shortest round-trip), and generated
//! numbers are rounded to "nice" values first. The only transcendental functions involved are
//! the reference's great-circle distances; everything here is `+ − × ÷ sqrt`.
//!
//! Scale: businesses are streamed out as they are made; what deal generation needs is kept in
//! compact flat vectors (a few dozen bytes per listing). 400 k businesses (1.1 M listings) and
//! 5 M deals take about 25 s and 50 MB on one core.
//!
//! Where things are:
//! - [`tables`]: the hand-written data — provinces, specialisations, goods, prices, titles,
//!   sectors, names and the real missions;
//! - [`rng`]: the seeded random streams and the draws built on them;
//! - [`model`]: the tables resolved against the reference data;
//! - [`business`] (with [`text`], [`listing_text`] and [`business_text`] for the words):
//!   one business at a time;
//! - [`roster`]: the compact per-business vectors kept for deal generation;
//! - [`trade`]: everyday deals; [`missions`]: mission participants, deals and the spec;
//! - [`output`]: chunked JSON-lines writing and the deal writer.

use std::io::{self, Write};

use crate::reference::Reference;

mod business;
mod business_text;
mod catalog_items;
mod listing_text;
mod missions;
mod model;
mod output;
mod rng;
mod roster;
mod tables;
#[cfg(test)]
mod test_support;
mod text;
mod trade;

pub use missions::jatim_banten_mission;

/// What East Java sold on each of its recorded domestic missions that names its goods
/// (`shared/data/jatim_trade_missions.csv`, goods as catalog keys): (partner province code,
/// date, goods). The corridor test measures recall against it.
pub fn recorded_mission_sales() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    tables::MISSIONS
        .iter()
        .filter(|m| !m.sells.is_empty())
        .map(|m| (m.partner, m.date, m.sells))
        .collect()
}

use business::{make_business, province_order};
use missions::mission_deals;
use model::Model;
use output::{Chunked, DealWriter, tick};
use rng::{Rng, STREAM_BUSINESSES};
use roster::Roster;
use tables::MISSIONS;
use trade::Trade;

/// How much to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    pub businesses: usize,
    pub deals: usize,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    pub businesses: usize,
    pub listings: usize,
    pub deals: usize,
    /// Provinces with at least one business.
    pub provinces: usize,
}

/// First day and last day (inclusive) of generated deals.
const FIRST_DEAL_DAY: &str = "2019-01-01";
const LAST_DEAL_DAY: &str = "2026-10-31";

/// How often `progress` is called, in items (businesses, then deals).
const PROGRESS_EVERY: u64 = 10_000;

/// Streams `businesses.jsonl` and `deals.jsonl` (one JSON object per line, `\n`): the same
/// config gives the same bytes.
///
/// Writes go out in chunks of about 64 KiB, so an unbuffered `File` is fine too; both writers
/// are flushed at the end. `progress(n)` is called every 10 000 items with the number of items
/// (businesses, then deals) done so far, and once at the end.
///
/// Deals are only made where a buyer's need meets a seller's offer of the same commodity, so
/// with very few businesses fewer deals than asked may come out (see the returned stats).
pub fn generate(
    reference: &Reference,
    cfg: &GenConfig,
    businesses_out: &mut dyn Write,
    deals_out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> io::Result<GenStats> {
    let model = Model::new(reference);
    let mut done: u64 = 0;

    // --- businesses -------------------------------------------------------------------------
    let mut rng = Rng::new(cfg.seed, STREAM_BUSINESSES);
    let order = province_order(&model, cfg.businesses, &mut rng);
    let mut roster = Roster::with_capacity(cfg.businesses);
    let mut seq = vec![0u32; model.np];
    let mut bumd_seen = vec![0u32; model.np];
    let mut out = Chunked::new(businesses_out);
    let mut listings = 0usize;
    for &p in &order {
        let p = p as usize;
        seq[p] += 1;
        let b = make_business(&model, &mut rng, p, seq[p], &mut bumd_seen[p]);
        listings += b.offers.len() + b.needs.len();
        roster.push(&model, &b, p, seq[p]);
        out.json_line(&b)?;
        done += 1;
        tick(done, progress);
    }
    out.finish()?;
    let provinces = seq.iter().filter(|&&n| n > 0).count();

    // --- deals ------------------------------------------------------------------------------
    let mut out = Chunked::new(deals_out);
    let mut writer = DealWriter::new(&model, &roster);
    let mut made = 0usize;
    // Mission deals first, in mission order, then the everyday trade.
    let per_mission_cap = cfg.deals / 200;
    for (mi, m) in MISSIONS.iter().enumerate() {
        if made >= cfg.deals || per_mission_cap == 0 {
            break;
        }
        let deals = mission_deals(
            &model,
            &roster,
            mi,
            cfg.seed,
            per_mission_cap.min(cfg.deals - made),
        );
        for d in deals {
            writer.write(&mut out, &d, Some(m))?;
            made += 1;
            done += 1;
            tick(done, progress);
        }
    }
    let mut trade = Trade::new(&model, &roster, cfg.seed);
    while made < cfg.deals {
        let Some(d) = trade.next() else { break };
        writer.write(&mut out, &d, None)?;
        made += 1;
        done += 1;
        tick(done, progress);
    }
    out.finish()?;
    if !done.is_multiple_of(PROGRESS_EVERY) {
        progress(done);
    }
    Ok(GenStats {
        businesses: cfg.businesses,
        listings,
        deals: made,
        provinces,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::test_support::{lines, reference, run, sample};
    use super::*;
    use crate::model::Deal;

    #[test]
    fn same_seed_same_bytes_different_seed_different_bytes() {
        let a = run(500, 3000, 7);
        let b = run(500, 3000, 7);
        assert!(a.businesses == b.businesses && a.deals == b.deals);
        let c = run(500, 3000, 8);
        assert_ne!(a.businesses, c.businesses);
        assert_ne!(a.deals, c.deals);
        // The committed sample is stable too.
        let (s, _, _) = sample();
        let again = run(3200, 20_000, 42);
        assert!(s.businesses == again.businesses && s.deals == again.deals);
    }

    #[test]
    fn every_line_parses_and_validates_unchanged() {
        let (s, businesses, deals) = sample();
        assert!(s.businesses.ends_with(b"\n") && s.deals.ends_with(b"\n"));
        assert_eq!(businesses.len(), 3200);
        assert_eq!(deals.len(), 20_000);
        assert_eq!(s.stats.businesses, 3200);
        assert_eq!(s.stats.deals, 20_000);
        let r = reference();
        let mut ids = BTreeSet::new();
        let mut listings = 0;
        for b in businesses {
            let mut n = b.clone();
            n.normalize().unwrap_or_else(|e| panic!("{}: {e}", b.id));
            assert_eq!(&n, b, "normalize changed {}", b.id);
            assert!(ids.insert(b.id.clone()), "duplicate id {}", b.id);
            assert!(r.province(&b.province).is_some());
            assert!(
                (1..=4).contains(&b.offers.len()) && b.needs.len() <= 3,
                "{}",
                b.id
            );
            for (i, l) in b.offers.iter().enumerate() {
                assert_eq!(
                    l.id.as_deref(),
                    Some(format!("{}-o{}", b.id, i + 1).as_str())
                );
                let c = r.commodity(&l.commodity).expect("catalog key");
                assert_eq!(
                    l.capacity.as_ref().map(|q| q.unit.as_str()),
                    Some(r.commodities[c].unit.as_str())
                );
            }
            for (i, l) in b.needs.iter().enumerate() {
                assert_eq!(
                    l.id.as_deref(),
                    Some(format!("{}-n{}", b.id, i + 1).as_str())
                );
                let c = r.commodity(&l.commodity).expect("catalog key");
                assert_eq!(
                    l.volume.as_ref().map(|q| q.unit.as_str()),
                    Some(r.commodities[c].unit.as_str())
                );
                assert!(b.offers.iter().all(|o| o.commodity != l.commodity));
            }
            listings += b.offers.len() + b.needs.len();
        }
        assert_eq!(listings, s.stats.listings);
        for (i, d) in deals.iter().enumerate() {
            d.validate().unwrap_or_else(|e| panic!("{:?}: {e}", d.id));
            assert_eq!(d.id.as_deref(), Some(format!("d-{:06}", i + 1).as_str()));
            assert!(
                ids.contains(&d.buyer) && ids.contains(&d.seller),
                "{:?}",
                d.id
            );
            assert!(r.commodity(&d.commodity).is_some());
            assert!(d.value_idr > 0.0);
            assert!(
                ("2019-01-01".."2026-11-01").contains(&d.date.as_str()),
                "{}",
                d.date
            );
        }
    }

    #[test]
    fn progress_is_reported_every_ten_thousand_items_and_at_the_end() {
        let mut seen = Vec::new();
        let cfg = GenConfig {
            businesses: 4000,
            deals: 17_000,
            seed: 1,
        };
        generate(
            reference(),
            &cfg,
            &mut io::sink(),
            &mut io::sink(),
            &mut |n| seen.push(n),
        )
        .unwrap();
        assert_eq!(seen, [10_000, 20_000, 21_000]);
    }

    #[test]
    fn tiny_and_empty_configs_work() {
        let s = run(0, 10, 1);
        assert!(s.businesses.is_empty() && s.deals.is_empty());
        assert_eq!(s.stats.deals, 0);
        let s = run(20, 50, 1);
        assert_eq!(s.stats.businesses, 20);
        assert_eq!(lines(&s.businesses).count(), 20);
        for l in lines(&s.deals) {
            let d: Deal = serde_json::from_str(l).unwrap();
            d.validate().unwrap();
        }
    }
}
