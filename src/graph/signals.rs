//! What the network says about one (buyer, seller) pair: [`Signals`] (direct ties, partners in
//! common, the seller's record, province trade, centrality), the relationship feature and its
//! parts, the seller-only prior and the businesses with pair-specific evidence, and
//! [`BuyerContext`] for one buyer and many sellers.
//!
//! Invariant: a completed deal between the two never lowers [`Signals::feature`] and a failed
//! one never raises it, and batch answers equal single ones (tested below on random graphs).

use std::collections::HashSet;

use serde::Serialize;

use super::{Business, DealGraph, MOU_WEIGHT, NO_DAY, Tie};

// Weights of the relationship feature (they sum to 1).
const W_DIRECT: f64 = 0.40;
const W_COMMON: f64 = 0.20;
const W_TRACK: f64 = 0.15;
const W_BREADTH: f64 = 0.05;
const W_PROVINCE: f64 = 0.10;
const W_CENTRALITY: f64 = 0.10;
/// Beta prior of a seller's record: as if it had 2 completed and 0.5 failed deals already.
const PRIOR_COMPLETED: f64 = 2.0;
const PRIOR_FAILED: f64 = 0.5;
const PRIOR_RELIABILITY: f64 = PRIOR_COMPLETED / (PRIOR_COMPLETED + PRIOR_FAILED);

/// Deals between the two businesses, in either direction, decayed to `today` with
/// `0.5^(age_days / half_life)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DirectTies {
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    pub completed_decayed: f64,
    pub failed_decayed: f64,
    pub mou_decayed: f64,
    /// Value of the completed deals.
    pub value_idr: f64,
    pub value_decayed: f64,
    pub last_completed_day: Option<i32>,
    pub last_day: Option<i32>,
}

/// Partners the buyer and the seller have in common (ties only).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommonPartners {
    /// Σ over common partners z of `1 / ln(ties(z))`.
    pub adamic_adar: f64,
    pub common: u32,
    /// Common partners who completed a purchase from the seller.
    pub bought_from_seller: u32,
    /// Both sides had more than [`Config::common_scan_limit`] partners: the figures above
    /// count only part of them.
    ///
    /// [`Config::common_scan_limit`]: super::Config::common_scan_limit
    pub truncated: bool,
}

/// A business's record as a seller.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackRecord {
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    /// Distinct buyers with a completed purchase.
    pub distinct_buyers: u32,
    /// `(completed + 2) / (completed + failed + 2.5)`: a Beta-smoothed completion rate, 0.8
    /// with no record, so one deal is not a perfect record.
    pub reliability: f64,
}

impl TrackRecord {
    pub(super) fn of(b: &Business) -> TrackRecord {
        TrackRecord {
            completed: b.sold_completed,
            failed: b.sold_failed,
            mou: b.sold_mou,
            distinct_buyers: b.completed_buyers,
            reliability: reliability(b.sold_completed, b.sold_failed),
        }
    }
}

fn reliability(completed: u32, failed: u32) -> f64 {
    (f64::from(completed) + PRIOR_COMPLETED)
        / (f64::from(completed) + f64::from(failed) + PRIOR_COMPLETED + PRIOR_FAILED)
}

/// Completed trade from the seller's province to the buyer's.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProvinceTie {
    pub seller_province: Option<u8>,
    pub buyer_province: Option<u8>,
    /// Completed value sold from the seller's province to the buyer's.
    pub value_idr: f64,
    /// That value as a share of everything the buyer's province bought, in [0, 1].
    pub share: f64,
}

/// What the deal network says about one (buyer, seller) pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Signals {
    pub buyer_known: bool,
    pub seller_known: bool,
    pub direct: DirectTies,
    pub common: CommonPartners,
    pub seller: TrackRecord,
    pub provinces: ProvinceTie,
    /// PageRank percentiles in [0, 1] (0 without ties or before the first snapshot).
    pub seller_centrality: f64,
    pub buyer_centrality: f64,
}

/// The parts of [`Signals::feature`], each in [0, 1]; see the module documentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FeatureParts {
    pub direct: f64,
    pub common: f64,
    pub track: f64,
    pub breadth: f64,
    pub province: f64,
    pub centrality: f64,
    /// Multiplies the weighted sum: `1 / (1 + decayed failed deals between the two)`.
    pub penalty: f64,
}

impl Signals {
    pub fn parts(&self) -> FeatureParts {
        let d = &self.direct;
        let aa = self.common.adamic_adar.max(0.0);
        let excess = (self.seller.reliability - PRIOR_RELIABILITY) / (1.0 - PRIOR_RELIABILITY);
        FeatureParts {
            direct: 1.0 - (-(d.completed_decayed + MOU_WEIGHT * d.mou_decayed)).exp2(),
            common: aa / (aa + 2.0),
            track: excess.clamp(0.0, 1.0),
            breadth: 1.0 - (-f64::from(self.seller.distinct_buyers) / 10.0).exp2(),
            province: self.provinces.share.clamp(0.0, 1.0),
            centrality: self.seller_centrality.clamp(0.0, 1.0),
            penalty: 1.0 / (1.0 + d.failed_decayed.max(0.0)),
        }
    }

    /// The relationship feature in [0, 1]: `penalty × (0.40·direct + 0.20·common + 0.15·track
    /// + 0.05·breadth + 0.10·province + 0.10·centrality)`.
    pub fn feature(&self) -> f32 {
        let p = self.parts();
        let sum = W_DIRECT * p.direct
            + W_COMMON * p.common
            + W_TRACK * p.track
            + W_BREADTH * p.breadth
            + W_PROVINCE * p.province
            + W_CENTRALITY * p.centrality;
        let f = (sum * p.penalty) as f32;
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// A business in a signals call: its index when the graph knows it, and its province.
#[derive(Clone, Copy)]
struct Party {
    ix: Option<u32>,
    province: Option<u8>,
}

/// The first index at or after `from` whose key is ≥ `target`, by galloping: cheap when the
/// caller walks targets in increasing order.
fn seek<T>(s: &[T], from: usize, target: u32, key: impl Fn(&T) -> u32) -> usize {
    let mut lo = from;
    if lo >= s.len() || key(&s[lo]) >= target {
        return lo;
    }
    let mut step = 1;
    let mut hi = lo + step;
    while hi < s.len() && key(&s[hi]) < target {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    let hi = hi.min(s.len());
    // Invariant: key(s[lo]) < target; the answer is in (lo, hi].
    lo + 1 + s[lo + 1..hi].partition_point(|x| key(x) < target)
}

impl DealGraph {
    /// What the network says about `buyer` buying from `seller`, decayed to `today`. Unknown
    /// businesses (and a business paired with itself) get empty signals. Provinces are the
    /// ones the graph knows, so a business without deals has no province tie here; see
    /// [`DealGraph::buyer_context`] to supply provinces.
    pub fn signals(&self, buyer: &str, seller: &str, today: i32) -> Signals {
        let party = |id: &str| {
            let ix = self.lookup(id);
            Party {
                ix,
                province: ix.map(|i| self.business(i).province),
            }
        };
        self.signals_of(party(buyer), party(seller), None, today)
    }

    /// The weighted part of the relationship feature that depends on the seller alone
    /// (track record, breadth of buyers, centrality). For a buyer with no pair-specific
    /// evidence about this seller (no deal between them, no partner in common), the feature
    /// is `seller_prior + province_part`; see [`DealGraph::neighbourhood`].
    pub fn seller_prior(&self, seller: &str, today: i32) -> f64 {
        self.prior_of(self.lookup(seller), today)
    }

    /// Every business with its province (as [`DealGraph::businesses`]) and its
    /// [`DealGraph::seller_prior`], without looking the ids up.
    pub fn seller_priors(&self, today: i32) -> impl Iterator<Item = (&str, u8, f64)> + '_ {
        self.businesses()
            .enumerate()
            .map(move |(ix, (id, province))| (id, province, self.prior_of(Some(ix as u32), today)))
    }

    fn prior_of(&self, seller: Option<u32>, today: i32) -> f64 {
        let nobody = Party {
            ix: None,
            province: None,
        };
        let seller = Party {
            ix: seller,
            province: None,
        };
        let p = self.signals_of(nobody, seller, None, today).parts();
        W_TRACK * p.track + W_BREADTH * p.breadth + W_CENTRALITY * p.centrality
    }

    /// The weighted province part of the relationship feature: the seller province's share
    /// of the buyer province's purchases.
    pub fn province_part(&self, seller_province: u8, buyer_province: u8) -> f64 {
        W_PROVINCE
            * self
                .province_tie(Some(buyer_province), Some(seller_province))
                .share
                .clamp(0.0, 1.0)
    }

    /// The businesses whose pair with `id` has evidence of its own: every partner (failed
    /// deals included, since they lower the feature) and every tie partner of a tie partner
    /// (partners in common). At most `cap` of them, partners first; `id` itself excluded.
    pub fn neighbourhood(&self, id: &str, cap: usize) -> Vec<&str> {
        let Some(a) = self.lookup(id) else {
            return Vec::new();
        };
        let mut seen: HashSet<u32> = HashSet::new();
        let mut out = Vec::new();
        for (z, _) in self.partners(a) {
            if out.len() >= cap {
                return out;
            }
            if seen.insert(z) {
                out.push(self.name(z));
            }
        }
        for z in self.tie_partners(a) {
            for y in self.tie_partners(z) {
                if out.len() >= cap {
                    return out;
                }
                if y != a && seen.insert(y) {
                    out.push(self.name(y));
                }
            }
        }
        out
    }

    /// Precomputes the buyer's side (its sorted partners) for many
    /// [`BuyerContext::signals`] calls. `province` supplies or overrides the buyer's province.
    pub fn buyer_context(&self, buyer: &str, province: Option<u8>) -> BuyerContext<'_> {
        let ix = self.lookup(buyer);
        BuyerContext {
            graph: self,
            buyer: Party {
                ix,
                province: province.or_else(|| ix.map(|i| self.business(i).province)),
            },
            partners: ix.map(|b| self.tie_partners(b)).unwrap_or_default(),
        }
    }

    /// [`DealGraph::signals`] for one buyer and many sellers; the same answers, cheaper.
    pub fn signals_for_seller_batch(
        &self,
        buyer: &str,
        sellers: &[&str],
        today: i32,
    ) -> Vec<Signals> {
        let cx = self.buyer_context(buyer, None);
        sellers.iter().map(|s| cx.signals(s, None, today)).collect()
    }

    fn signals_of(
        &self,
        buyer: Party,
        seller: Party,
        buyer_partners: Option<&[u32]>,
        today: i32,
    ) -> Signals {
        let mut out = Signals {
            buyer_known: buyer.ix.is_some(),
            seller_known: seller.ix.is_some(),
            ..Signals::default()
        };
        if let (Some(b), Some(s)) = (buyer.ix, seller.ix)
            && b == s
        {
            return out;
        }
        out.provinces = self.province_tie(buyer.province, seller.province);
        if let Some(s) = seller.ix {
            out.seller = TrackRecord::of(self.business(s));
            out.seller_centrality = self.percentile(s);
        }
        if let Some(b) = buyer.ix {
            out.buyer_centrality = self.percentile(b);
        }
        let (Some(b), Some(s)) = (buyer.ix, seller.ix) else {
            return out;
        };
        let pair = self.pair(b, s);
        if let Some(pid) = pair {
            out.direct = self.direct(self.tie(pid), today);
        }
        out.common = self.common_partners(b, s, pair, buyer_partners);
        out
    }

    fn direct(&self, t: &Tie, today: i32) -> DirectTies {
        let k = self.decay_to(today);
        let day = |d: i32| (d != NO_DAY).then_some(d);
        DirectTies {
            completed: t.completed,
            failed: t.failed,
            mou: t.mou,
            completed_decayed: f64::from(t.k_completed) * k,
            failed_decayed: f64::from(t.k_failed) * k,
            mou_decayed: f64::from(t.k_mou) * k,
            value_idr: t.value_completed,
            value_decayed: f64::from(t.kv_completed) * k,
            last_completed_day: day(t.last_completed_day),
            last_day: day(t.last_day),
        }
    }

    fn province_tie(&self, buyer: Option<u8>, seller: Option<u8>) -> ProvinceTie {
        let mut out = ProvinceTie {
            seller_province: seller,
            buyer_province: buyer,
            ..ProvinceTie::default()
        };
        if let (Some(bp), Some(sp)) = (buyer, seller) {
            let (bp, sp) = (usize::from(bp), usize::from(sp));
            out.value_idr = self.flows.flow(sp, bp);
            let all = self.flows.purchases(bp);
            if all > 0.0 {
                out.share = (out.value_idr / all).clamp(0.0, 1.0);
            }
        }
        out
    }

    pub(super) fn percentile(&self, ix: u32) -> f64 {
        self.centrality
            .percentile
            .get(ix as usize)
            .map_or(0.0, |&p| f64::from(p))
    }

    /// Partners in common: walk the side with fewer ties in increasing index order and gallop
    /// through the other side's sorted list. Degrees leave out the pair itself, so a new deal
    /// between the two never changes which side is walked nor what is found; when both sides
    /// have more than [`Config::common_scan_limit`] ties, only that many of the walked side's
    /// (the smallest indices) are examined.
    ///
    /// [`Config::common_scan_limit`]: super::Config::common_scan_limit
    fn common_partners(
        &self,
        b: u32,
        s: u32,
        pair: Option<u32>,
        buyer_partners: Option<&[u32]>,
    ) -> CommonPartners {
        let minus = u32::from(pair.is_some_and(|p| self.is_tie(p)));
        let deg_b = self.business(b).ties.saturating_sub(minus) as usize;
        let deg_s = self.business(s).ties.saturating_sub(minus) as usize;
        if deg_b == 0 || deg_s == 0 {
            return CommonPartners::default();
        }
        let limit = self.config.common_scan_limit;
        let mut out = CommonPartners {
            truncated: deg_b.min(deg_s) > limit,
            ..CommonPartners::default()
        };
        let owned;
        let mine: &[u32] = match buyer_partners {
            Some(p) => p,
            None => {
                owned = self.tie_partners(b);
                &owned
            }
        };
        if deg_b <= deg_s {
            let (base, base_pairs) = self.base_row(s);
            let delta = self.delta_row(s);
            let (mut i, mut j) = (0, 0);
            for &z in mine.iter().filter(|&&z| z != s).take(limit) {
                i = seek(base, i, z, |&x| x);
                let pid = if base.get(i) == Some(&z) {
                    Some(base_pairs[i])
                } else {
                    j = seek(delta, j, z, |e| e.0);
                    delta.get(j).filter(|e| e.0 == z).map(|e| e.1)
                };
                if let Some(pid) = pid.filter(|&p| self.is_tie(p)) {
                    self.count_common(&mut out, z, s, pid);
                }
            }
        } else {
            let mut k = 0;
            let theirs = self
                .partners(s)
                .filter(|&(z, pid)| z != b && self.is_tie(pid))
                .take(limit);
            for (z, pid) in theirs {
                k = seek(mine, k, z, |&x| x);
                if mine.get(k) == Some(&z) {
                    self.count_common(&mut out, z, s, pid);
                }
            }
        }
        out
    }

    fn count_common(&self, out: &mut CommonPartners, z: u32, s: u32, pid: u32) {
        out.common += 1;
        let deg = self.business(z).ties;
        if deg > 1 {
            out.adamic_adar += 1.0 / f64::from(deg).ln();
        }
        if self.tie(pid).sold_completed(s < z) {
            out.bought_from_seller += 1;
        }
    }
}

/// The buyer's side of many signals calls, computed once: its partners, sorted.
pub struct BuyerContext<'g> {
    graph: &'g DealGraph,
    buyer: Party,
    partners: Vec<u32>,
}

impl BuyerContext<'_> {
    /// Signals for buying from `seller`; `seller_province` supplies or overrides its province.
    pub fn signals(&self, seller: &str, seller_province: Option<u8>, today: i32) -> Signals {
        let g = self.graph;
        let ix = g.lookup(seller);
        let seller = Party {
            ix,
            province: seller_province.or_else(|| ix.map(|i| g.business(i).province)),
        };
        g.signals_of(self.buyer, seller, Some(&self.partners), today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{TODAY, assert_close, below, deal, graph, random_graph};
    use crate::graph::{Config, DealEdge, DealStatus, Lang};
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn direct_ties_decay_with_a_two_year_half_life() {
        let g = graph(vec![
            DealEdge {
                value_idr: 100e6,
                day: TODAY - 730,
                ..deal("d1", "a", "b")
            },
            DealEdge {
                value_idr: 300e6,
                ..deal("d2", "a", "b")
            },
            DealEdge {
                day: TODAY - 1460,
                status: DealStatus::Failed,
                ..deal("d3", "a", "b")
            },
            // The other direction counts too.
            DealEdge {
                value_idr: 50e6,
                day: TODAY - 365,
                status: DealStatus::Mou,
                buyer_province: 1,
                seller_province: 0,
                ..deal("d4", "b", "a")
            },
        ]);
        let s = g.signals("a", "b", TODAY);
        let d = &s.direct;
        assert_eq!((d.completed, d.failed, d.mou), (2, 1, 1));
        assert_close!(d.completed_decayed, 1.5);
        assert_close!(d.failed_decayed, 0.25);
        assert_close!(d.mou_decayed, 0.5f64.sqrt());
        assert_close!(d.value_idr, 400e6);
        assert_close!(d.value_decayed, 100e6 * 0.5 + 300e6);
        assert_eq!(d.last_completed_day, Some(TODAY));
        assert_eq!(d.last_day, Some(TODAY));
        // Two years later everything weighs half.
        let later = g.signals("a", "b", TODAY + 730);
        assert_close!(later.direct.completed_decayed, 0.75);
        assert_close!(later.direct.failed_decayed, 0.125);
        // Either order of the pair sees the same direct ties.
        assert_eq!(g.signals("b", "a", TODAY).direct, s.direct);

        // The seller's record: 2 completed, 1 failed, to one buyer.
        assert_eq!(
            (s.seller.completed, s.seller.failed, s.seller.mou),
            (2, 1, 0)
        );
        assert_eq!(s.seller.distinct_buyers, 1);
        assert_close!(s.seller.reliability, 4.0 / 5.5);
        // Province 1 sold 400 m to province 0, all that province 0 bought.
        assert_close!(s.provinces.value_idr, 400e6);
        assert_close!(s.provinces.share, 1.0);

        let p = s.parts();
        assert_close!(p.direct, 1.0 - (-(1.5 + 0.5 * 0.5f64.sqrt())).exp2());
        assert_close!(p.penalty, 0.8);
        assert_eq!(p.track, 0.0, "a record below the prior earns nothing");
        assert_close!(p.breadth, 1.0 - (-0.1f64).exp2());
        assert_eq!((p.common, p.centrality), (0.0, 0.0));
        let expected = 0.8 * (0.4 * p.direct + 0.05 * p.breadth + 0.1);
        assert_close!(s.feature(), expected);
    }

    /// X buys from Y. Common ties: Z1 (deg 2; bought from Y), Z2 (deg 3; sold to Y), Z5 (deg 2;
    /// an MoU with Y). Z4 only failed with Y and Z3 knows only X: neither counts.
    fn common_partner_deals() -> Vec<DealEdge> {
        vec![
            deal("1", "z1", "y"),
            deal("2", "x", "z1"),
            deal("3", "y", "z2"),
            deal("4", "x", "z2"),
            deal("5", "w", "z2"),
            deal("6", "x", "z3"),
            deal("7", "x", "z4"),
            DealEdge {
                status: DealStatus::Failed,
                ..deal("8", "z4", "y")
            },
            DealEdge {
                status: DealStatus::Mou,
                ..deal("9", "z5", "y")
            },
            deal("10", "z5", "x"),
        ]
    }

    #[test]
    fn adamic_adar_counts_common_ties_by_hand() {
        let g = graph(common_partner_deals());
        let aa = 2.0 / 2f64.ln() + 1.0 / 3f64.ln();
        // Y has fewer ties than X: the seller's side is scanned.
        let s = g.signals("x", "y", TODAY);
        assert_close!(s.common.adamic_adar, aa);
        assert_eq!(s.common.common, 3);
        assert_eq!(
            s.common.bought_from_seller, 1,
            "only z1 completed a purchase from y"
        );
        assert!(!s.common.truncated);
        // The other way round the buyer's side is scanned; z5 is the one who bought from x.
        let r = g.signals("y", "x", TODAY);
        assert_close!(r.common.adamic_adar, aa);
        assert_eq!((r.common.common, r.common.bought_from_seller), (3, 1));
        // The batch call answers the same.
        assert_eq!(
            g.signals_for_seller_batch("x", &["y"], TODAY),
            vec![s.clone()]
        );
        assert_eq!(g.signals_for_seller_batch("y", &["x"], TODAY), vec![r]);
        assert_close!(s.parts().common, aa / (aa + 2.0));
    }

    #[test]
    fn common_partners_scan_is_bounded_for_hubs() {
        let mut g = DealGraph::with_config(
            4,
            2,
            Config {
                common_scan_limit: 1,
                ..Config::default()
            },
        );
        for d in common_partner_deals() {
            g.add(d).unwrap();
        }
        // z1 has the smallest index among y's ties, so it is the one examined.
        let s = g.signals("x", "y", TODAY);
        assert!(s.common.truncated);
        assert_eq!((s.common.common, s.common.bought_from_seller), (1, 1));
        assert_close!(s.common.adamic_adar, 1.0 / 2f64.ln());
        assert_eq!(g.signals_for_seller_batch("x", &["y"], TODAY), vec![s]);
    }

    #[test]
    fn track_record_is_smoothed_and_counts_buyers_with_completed_purchases() {
        let mut deals = vec![deal("only", "b0", "one")];
        for i in 0..14 {
            deals.push(deal(&format!("c{i}"), &format!("buyer{}", i % 9), "busy"));
        }
        deals.push(DealEdge {
            status: DealStatus::Failed,
            ..deal("f", "buyer-who-failed", "busy")
        });
        deals.push(deal("as-buyer", "newcomer", "b0"));
        let g = graph(deals);
        let none = g.signals("b0", "newcomer", TODAY).seller;
        assert_close!(none.reliability, 0.8);
        let one = g.signals("b0", "one", TODAY);
        assert_close!(one.seller.reliability, 3.0 / 3.5);
        assert_close!(one.parts().track, (3.0 / 3.5 - 0.8) / 0.2);
        let busy = g.signals("x", "busy", TODAY).seller;
        assert_eq!(
            (busy.completed, busy.failed, busy.distinct_buyers),
            (14, 1, 9)
        );
        assert_close!(busy.reliability, 16.0 / 17.5);
        assert_eq!(
            g.signals("x", "busy", TODAY).reasons(Lang::En, &[]),
            vec!["Track record: 14 completed, 1 failed deals with 9 buyers"]
        );
        assert_eq!(
            g.signals("x", "busy", TODAY).reasons(Lang::Id, &[]),
            vec!["Rekam jejak: 14 transaksi selesai, 1 gagal, dengan 9 pembeli"]
        );
    }

    #[test]
    fn buyer_context_supplies_provinces_for_newcomers() {
        let g = graph(vec![DealEdge {
            value_idr: 3e9,
            ..deal("1", "a", "b")
        }]);
        // A newcomer in province 0 looking at b (province 1): 3 bn of province 0's purchases
        // came from province 1, all of them.
        let cx = g.buyer_context("newcomer", Some(0));
        let s = cx.signals("b", None, TODAY);
        assert!(!s.buyer_known);
        assert_close!(s.provinces.share, 1.0);
        assert!(s.feature() > 0.0);
        assert_eq!(g.signals("newcomer", "b", TODAY).provinces.share, 0.0);
        // An override of the seller's province.
        assert_eq!(cx.signals("b", Some(2), TODAY).provinces.value_idr, 0.0);
    }

    #[test]
    fn a_completed_deal_never_lowers_the_feature_and_a_failed_one_never_raises_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for trial in 0..400 {
            let limit = if trial % 3 == 0 { 1 } else { 10_000 };
            let config = Config {
                common_scan_limit: limit,
                ..Config::default()
            };
            let (g, world, _) = random_graph(&mut rng, config);
            let n = world.provinces.len();
            for _ in 0..5 {
                let b = below(&mut rng, n);
                let s = (b + 1 + below(&mut rng, n - 1)) % n;
                let (bn, sn) = (format!("b{b}"), format!("b{s}"));
                // The engine knows every business's province, deals or not.
                let feature = |g: &DealGraph| {
                    g.buyer_context(&bn, Some(world.provinces[b]))
                        .signals(&sn, Some(world.provinces[s]), TODAY)
                        .feature()
                };
                let before = feature(&g);
                // Either direction: the pair's deals count both ways.
                let (db, ds) = if below(&mut rng, 2) == 0 {
                    (b, s)
                } else {
                    (s, b)
                };
                let mut up = g.clone();
                up.add(world.deal(&mut rng, 999, db, ds, DealStatus::Completed))
                    .unwrap();
                let after = feature(&up);
                assert!(
                    after >= before,
                    "trial {trial}: completed {before} → {after}"
                );
                let mut down = g.clone();
                down.add(world.deal(&mut rng, 999, db, ds, DealStatus::Failed))
                    .unwrap();
                let after = feature(&down);
                assert!(after <= before, "trial {trial}: failed {before} → {after}");
                assert!((0.0..=1.0).contains(&before));
            }
        }
    }

    #[test]
    fn batch_signals_equal_single_signals_on_random_graphs() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for trial in 0..100 {
            let limit = if trial % 2 == 0 { 2 } else { 10_000 };
            let config = Config {
                common_scan_limit: limit,
                ..Config::default()
            };
            let (g, world, _) = random_graph(&mut rng, config);
            let names: Vec<String> = (0..world.provinces.len())
                .map(|i| format!("b{i}"))
                .collect();
            let sellers: Vec<&str> = names.iter().map(String::as_str).collect();
            for buyer in &sellers {
                let batch = g.signals_for_seller_batch(buyer, &sellers, TODAY);
                for (s, got) in sellers.iter().zip(batch) {
                    assert_eq!(
                        got,
                        g.signals(buyer, s, TODAY),
                        "trial {trial}: {buyer} ← {s}"
                    );
                }
            }
        }
    }
}
