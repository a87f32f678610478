//! Adding deals: [`DealGraph::new`], [`DealGraph::build`] (stage every deal, sort by pair,
//! aggregate each pair's run, merge the partner rows) and [`DealGraph::add`] (in place, O(1)
//! amortised), the checks that refuse a deal before anything changes, and the decay weights
//! the pairs' sums are kept with.
//!
//! Invariant: building from a list of deals and adding them one by one give the same answers
//! (tested below), and a refused deal changes nothing.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;

use super::storage::{MixState, pair_key};
use super::{
    AddError, Base, BuildError, Centrality, Config, DEFAULT_HALF_LIFE_DAYS, DealEdge, DealGraph,
    DealStatus, HI_SOLD, HI_SOLD_COMPLETED, LIMIT, LO_SOLD, LO_SOLD_COMPLETED, NO_DEAL,
    ProvinceFlows, SELLER_IS_LO, Tie,
};

/// The day the decayed sums are kept at (2024-01-01). Any day works; this keeps the factors
/// near 1 for real data.
const REFERENCE_DAY: i32 = 19_723;
/// Decay exponents are clamped to ±this many half-lives, so absurd dates cannot overflow the
/// `f32` sums (±120 years at the default half-life).
const MAX_HALF_LIVES: f64 = 60.0;

/// [`DealGraph::add`] compacts once this many pairs, and 1/8 of all, are new since the last
/// compaction.
const COMPACT_MIN: usize = 4096;

impl DealGraph {
    /// An empty graph for `provinces` provinces and `commodities` catalog entries.
    pub fn new(provinces: usize, commodities: usize) -> DealGraph {
        DealGraph::with_config(provinces, commodities, Config::default())
    }

    pub fn with_config(provinces: usize, commodities: usize, config: Config) -> DealGraph {
        let mut config = config;
        if !(config.half_life_days.is_finite() && config.half_life_days > 0.0) {
            config.half_life_days = DEFAULT_HALF_LIFE_DAYS;
        }
        let hasher = MixState::new();
        DealGraph {
            config,
            provinces,
            commodities,
            businesses: Vec::new(),
            name_arena: String::new(),
            name_end: Vec::new(),
            name_index: HashMap::with_hasher(hasher),
            name_collisions: HashMap::new(),
            name_hasher: RandomState::new(),
            ties: Vec::new(),
            tie_bits: Vec::new(),
            base: Base::new(),
            delta: Vec::new(),
            delta_pairs: 0,
            deal_prev: Vec::new(),
            deal_day: Vec::new(),
            deal_flags: Vec::new(),
            deal_id_end: Vec::new(),
            deal_ids: String::new(),
            flows: ProvinceFlows::new(provinces, commodities),
            centrality: Centrality::default(),
            newest_day: None,
            hasher,
        }
    }

    /// Builds a graph from deals in any order, compacts it and computes the centrality
    /// snapshot; the result equals adding the deals one by one, only faster (the pairs are
    /// found by sorting instead of one look-up per deal). Stops at the first deal it cannot
    /// add.
    pub fn build<I>(provinces: usize, commodities: usize, deals: I) -> Result<DealGraph, BuildError>
    where
        I: IntoIterator<Item = DealEdge>,
    {
        let mut g = DealGraph::new(provinces, commodities);
        let deals = deals.into_iter();
        let hint = deals.size_hint().0;
        g.reserve(0, hint);
        // 1. Every deal's own record, its pair key and value; flows as they come.
        let mut staged: Vec<(u64, u32)> = Vec::with_capacity(hint);
        let mut values: Vec<f64> = Vec::with_capacity(hint);
        for (position, deal) in deals.enumerate() {
            if let Err(error) = g.check(&deal) {
                return Err(BuildError {
                    position,
                    id: deal.id,
                    error,
                });
            }
            let b = g.intern(&deal.buyer, deal.buyer_province);
            let s = g.intern(&deal.seller, deal.seller_province);
            let ix = g.push_deal(&deal, s < b);
            staged.push((pair_key(b, s), ix));
            values.push(deal.value_idr);
            g.note_flows_and_day(&deal);
        }
        // 2. Pairs in key order; each pair's deals in input order, as `add` would.
        staged.sort_unstable();
        let pairs = staged.chunk_by(|x, y| x.0 == y.0).count();
        if pairs > LIMIT {
            return Err(BuildError {
                position: g.deal_count(),
                id: String::new(),
                error: AddError::Full("pairs"),
            });
        }
        g.ties.reserve_exact(pairs);
        let mut forward: Vec<u64> = Vec::with_capacity(pairs);
        for run in staged.chunk_by(|x, y| x.0 == y.0) {
            let key = run[0].0;
            let (lo, hi) = ((key >> 32) as u32, key as u32);
            let pid = g.ties.len() as u32;
            g.ties.push(Tie::default());
            for &(_, deal) in run {
                let flags = g.deal_flags[deal as usize];
                g.record(
                    pid,
                    lo,
                    hi,
                    deal,
                    DealStatus::from_code(flags),
                    values[deal as usize],
                );
            }
            forward.push(key);
        }
        drop(staged);
        drop(values);
        g.tie_bits.resize(g.ties.len().div_ceil(64), 0);
        for pid in 0..g.ties.len() {
            if g.ties[pid].is_tie() {
                g.tie_bits[pid / 64] |= 1 << (pid % 64);
            }
        }
        // 3. The partner rows: (lo, hi) in key order merged with (hi, lo) sorted.
        let mut backward: Vec<(u64, u32)> = forward
            .iter()
            .enumerate()
            .map(|(pid, &k)| (k.rotate_right(32), pid as u32))
            .collect();
        backward.sort_unstable();
        let mut rows: Vec<(u32, u32, u32)> = Vec::with_capacity(2 * forward.len());
        let (mut i, mut j) = (0, 0);
        while i < forward.len() || j < backward.len() {
            let take_forward = match (forward.get(i), backward.get(j)) {
                (Some(&f), Some(&(b, _))) => f < b,
                (Some(_), None) => true,
                _ => false,
            };
            let (key, pid) = if take_forward {
                i += 1;
                (forward[i - 1], (i - 1) as u32)
            } else {
                j += 1;
                backward[j - 1]
            };
            rows.push(((key >> 32) as u32, key as u32, pid));
        }
        drop(forward);
        drop(backward);
        g.install_base(&rows);
        drop(rows);
        g.refresh_centrality();
        Ok(g)
    }

    /// Room for this many more businesses and deals.
    pub fn reserve(&mut self, businesses: usize, deals: usize) {
        self.businesses.reserve(businesses);
        self.name_end.reserve(businesses);
        self.delta.reserve(businesses);
        self.name_index.reserve(businesses);
        self.deal_prev.reserve(deals);
        self.deal_day.reserve(deals);
        self.deal_flags.reserve(deals);
        self.deal_id_end.reserve(deals);
        self.deal_ids.reserve(deals.saturating_mul(10));
    }

    /// Records one deal in place, O(1) amortised: a new pair goes into two short sorted lists,
    /// which are folded into the partner rows ([`DealGraph::compact`], O(pairs)) whenever the
    /// new pairs reach 1/8 of all. Businesses not seen before get a node; a business's
    /// province is the one of its latest deal.
    pub fn add(&mut self, deal: DealEdge) -> Result<(), AddError> {
        self.check(&deal)?;
        if self.ties.len() >= LIMIT {
            return Err(AddError::Full("pairs"));
        }
        let b = self.intern(&deal.buyer, deal.buyer_province);
        let s = self.intern(&deal.seller, deal.seller_province);
        let (lo, hi) = if s < b { (s, b) } else { (b, s) };
        let pid = match self.pair(lo, hi) {
            Some(pid) => pid,
            None => self.new_pair(lo, hi),
        };
        let ix = self.push_deal(&deal, s < b);
        self.record(pid, lo, hi, ix, deal.status, deal.value_idr);
        if self.ties[pid as usize].is_tie() {
            self.tie_bits[pid as usize / 64] |= 1 << (pid % 64);
        }
        self.note_flows_and_day(&deal);
        // Keep the sorted lists of new pairs short: fold them in every 1/8 growth.
        if self.delta_pairs >= COMPACT_MIN && self.delta_pairs * 8 >= self.ties.len() {
            self.compact();
        }
        Ok(())
    }

    /// Everything that can refuse a deal, before anything changes.
    fn check(&self, d: &DealEdge) -> Result<(), AddError> {
        if d.buyer == d.seller {
            return Err(AddError::SameBusiness);
        }
        for (field, index) in [
            ("buyer_province", d.buyer_province),
            ("seller_province", d.seller_province),
        ] {
            if usize::from(index) >= self.provinces {
                return Err(AddError::ProvinceOutOfRange {
                    field,
                    index,
                    provinces: self.provinces,
                });
            }
        }
        if usize::from(d.commodity) >= self.commodities {
            return Err(AddError::CommodityOutOfRange {
                index: d.commodity,
                commodities: self.commodities,
            });
        }
        if !(d.value_idr.is_finite() && d.value_idr >= 0.0) {
            return Err(AddError::InvalidValue(d.value_idr));
        }
        if self.businesses.len() + 2 > LIMIT {
            return Err(AddError::Full("businesses"));
        }
        if self.deal_day.len() + 1 > LIMIT {
            return Err(AddError::Full("deals"));
        }
        if self.deal_ids.len() + d.id.len() > u32::MAX as usize {
            return Err(AddError::Full("deal id bytes"));
        }
        if self.name_arena.len() + d.buyer.len() + d.seller.len() > u32::MAX as usize {
            return Err(AddError::Full("business id bytes"));
        }
        Ok(())
    }

    /// Appends the deal's own record (its pair list link is set by `record`).
    fn push_deal(&mut self, d: &DealEdge, seller_is_lo: bool) -> u32 {
        let ix = self.deal_day.len() as u32;
        self.deal_prev.push(NO_DEAL);
        self.deal_day.push(d.day);
        self.deal_flags
            .push(d.status.code() | if seller_is_lo { SELLER_IS_LO } else { 0 });
        self.deal_ids.push_str(&d.id);
        self.deal_id_end.push(self.deal_ids.len() as u32);
        ix
    }

    fn note_flows_and_day(&mut self, d: &DealEdge) {
        if d.status == DealStatus::Completed {
            self.flows.record(
                usize::from(d.seller_province),
                usize::from(d.buyer_province),
                usize::from(d.commodity),
                d.value_idr,
            );
        }
        self.newest_day = Some(self.newest_day.map_or(d.day, |n| n.max(d.day)));
    }

    /// Folds deal `ix` into its pair's aggregates and the two businesses' ones.
    fn record(&mut self, pid: u32, lo: u32, hi: u32, ix: u32, status: DealStatus, value: f64) {
        let day = self.deal_day[ix as usize];
        let seller_is_lo = self.deal_flags[ix as usize] & SELLER_IS_LO != 0;
        let w = self.weight_at_reference(day);
        let tie = &mut self.ties[pid as usize];
        let was_tie = tie.is_tie();
        let (sold_bit, completed_bit) = if seller_is_lo {
            (LO_SOLD, LO_SOLD_COMPLETED)
        } else {
            (HI_SOLD, HI_SOLD_COMPLETED)
        };
        let first_completed_sale =
            status == DealStatus::Completed && tie.flags & completed_bit == 0;
        tie.flags |= sold_bit;
        tie.last_day = tie.last_day.max(day);
        match status {
            DealStatus::Completed => {
                tie.completed = tie.completed.saturating_add(1);
                tie.value_completed += value;
                tie.k_completed += w as f32;
                tie.kv_completed += (w * value) as f32;
                tie.last_completed_day = tie.last_completed_day.max(day);
                tie.flags |= completed_bit;
            }
            DealStatus::Failed => {
                tie.failed = tie.failed.saturating_add(1);
                tie.k_failed += w as f32;
            }
            DealStatus::Mou => {
                tie.mou = tie.mou.saturating_add(1);
                tie.value_mou += value;
                tie.k_mou += w as f32;
            }
        }
        self.deal_prev[ix as usize] = std::mem::replace(&mut tie.head, ix);
        if !was_tie && tie.is_tie() {
            self.businesses[lo as usize].ties += 1;
            self.businesses[hi as usize].ties += 1;
        }
        let seller = &mut self.businesses[if seller_is_lo { lo } else { hi } as usize];
        match status {
            DealStatus::Completed => {
                seller.sold_completed = seller.sold_completed.saturating_add(1)
            }
            DealStatus::Failed => seller.sold_failed = seller.sold_failed.saturating_add(1),
            DealStatus::Mou => seller.sold_mou = seller.sold_mou.saturating_add(1),
        }
        if first_completed_sale {
            seller.completed_buyers += 1;
        }
    }

    fn exponent(&self, day: i32) -> f64 {
        ((f64::from(day) - f64::from(REFERENCE_DAY)) / self.config.half_life_days)
            .clamp(-MAX_HALF_LIVES, MAX_HALF_LIVES)
    }

    /// A deal's weight in the reference-day sums.
    fn weight_at_reference(&self, day: i32) -> f64 {
        self.exponent(day).exp2()
    }

    /// Turns a reference-day sum into one decayed to `today`.
    pub(super) fn decay_to(&self, today: i32) -> f64 {
        (-self.exponent(today)).exp2()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::CommonPartners;
    use crate::graph::tests::{TODAY, World, below, deal, graph, random_status};
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn bad_deals_are_refused_and_change_nothing() {
        let mut g = DealGraph::new(4, 2);
        let cases = [
            (deal("1", "a", "a"), Some("seller")),
            (
                DealEdge {
                    buyer_province: 4,
                    ..deal("2", "a", "b")
                },
                Some("buyer_province"),
            ),
            (
                DealEdge {
                    seller_province: 200,
                    ..deal("3", "a", "b")
                },
                Some("seller_province"),
            ),
            (
                DealEdge {
                    commodity: 2,
                    ..deal("4", "a", "b")
                },
                Some("commodity"),
            ),
            (
                DealEdge {
                    value_idr: f64::NAN,
                    ..deal("5", "a", "b")
                },
                Some("value_idr"),
            ),
            (
                DealEdge {
                    value_idr: -1.0,
                    ..deal("6", "a", "b")
                },
                Some("value_idr"),
            ),
        ];
        for (d, field) in cases {
            let err = g.add(d).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
        assert_eq!(
            (g.deal_count(), g.business_count(), g.pair_count()),
            (0, 0, 0)
        );
        let err =
            DealGraph::build(4, 2, vec![deal("ok", "a", "b"), deal("bad", "c", "c")]).unwrap_err();
        assert_eq!((err.position, err.id.as_str()), (1, "bad"));
        assert_eq!(err.error, AddError::SameBusiness);
        // Unknown businesses get empty signals, a business with itself too.
        let g = graph(vec![deal("1", "a", "b")]);
        assert_eq!(g.signals("a", "a", TODAY).feature(), 0.0);
        let unknown = g.signals("nobody", "b", TODAY);
        assert!(!unknown.buyer_known && unknown.seller_known);
        assert!(unknown.common == CommonPartners::default());
        assert_eq!(g.province_of("b"), Some(1));
    }

    fn assert_same_answers(a: &DealGraph, b: &DealGraph, names: &[String], what: &str) {
        for x in names {
            assert_eq!(a.ties_of(x, 5), b.ties_of(x, 5), "{what}: network of {x}");
            for y in names {
                assert_eq!(
                    a.signals(x, y, TODAY),
                    b.signals(x, y, TODAY),
                    "{what}: {x} ← {y}"
                );
                assert_eq!(
                    a.intro(x, y, 3),
                    b.intro(x, y, 3),
                    "{what}: intro {x} → {y}"
                );
            }
        }
    }

    #[test]
    fn build_add_and_compact_give_the_same_answers() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut cases: Vec<(usize, usize)> = (0..30).map(|_| (12, 60)).collect();
        // Big enough for `add` to compact by itself on the way.
        cases.push((300, 12_000));
        for (n, count) in cases {
            let world = World {
                provinces: (0..n).map(|_| below(&mut rng, 3) as u8).collect(),
            };
            let deals: Vec<DealEdge> = (0..count)
                .map(|i| {
                    let b = below(&mut rng, n);
                    let s = (b + 1 + below(&mut rng, n - 1)) % n;
                    let status = random_status(&mut rng);
                    world.deal(&mut rng, i, b, s, status)
                })
                .collect();
            let mut added = DealGraph::new(4, 2);
            for d in &deals {
                added.add(d.clone()).unwrap();
            }
            if count > 10_000 {
                assert!(added.uncompacted_pairs() < added.pair_count());
            }
            added.set_centrality(added.compute_centrality());
            let built = DealGraph::build(4, 2, deals).unwrap();
            assert_eq!(built.uncompacted_pairs(), 0);
            let mut compacted = added.clone();
            compacted.compact();
            assert_eq!(compacted.uncompacted_pairs(), 0);
            let names: Vec<String> = (0..n.min(40)).map(|i| format!("b{i}")).collect();
            assert_same_answers(&added, &built, &names, "add vs build");
            assert_same_answers(&added, &compacted, &names, "add vs compact");
            assert_eq!(added.province_flows(), built.province_flows());
            assert_eq!(added.centrality(), built.centrality());
        }
    }
}
