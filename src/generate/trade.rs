//! Everyday trade: deals drawn from needs by buyer activity, with the seller's province by
//! gravity and advantage, and repeated buyer–seller relationships.

use crate::model::{BusinessKind, DealStatus};

use super::model::Model;
use super::output::{DraftDeal, day_of};
use super::rng::{Alias, Rng, STREAM_DEALS, search_cum};
use super::roster::Roster;
use super::text::{nice, round_price};
use super::{FIRST_DEAL_DAY, LAST_DEAL_DAY};

/// Share of everyday deals within one province.
const SAME_PROVINCE_SHARE: f64 = 0.15;
/// Share of deals that repeat an earlier buyer–seller pair (a relationship).
const REPEAT_SHARE: f64 = 0.3;
const RELATIONSHIP_POOL: usize = 1 << 16;

/// Draws deals: a need (weighted by its buyer's activity, so a few hub buyers trade a lot);
/// the seller's province: home with a fixed probability (where there are sellers at home),
/// else by gravity — the sellers' activity there × the province's advantage in the commodity
/// ÷ (1 + distance / 400 km); then a seller there by (the square root of) its activity.
/// About 30 % of deals repeat an earlier pair instead.
pub(super) struct Trade<'a> {
    model: &'a Model<'a>,
    roster: &'a Roster,
    rng: Rng,
    need_owner: Vec<u32>,
    offer_owner: Vec<u32>,
    needs: Option<Alias>,
    /// Offers grouped by (commodity, province): `group[c * np + p]` is a range of `grp_offer`.
    grp_start: Vec<u32>,
    grp_offer: Vec<u32>,
    /// Cumulative seller activity within each group.
    grp_cum: Vec<f64>,
    /// Cumulative weights of the seller's province (other than the buyer's) for (commodity,
    /// buyer province): `prov_cum[(c * np + bp) * np + sp]`.
    prov_cum: Vec<f64>,
    /// The chance to buy at home when there are sellers at home: set so that about
    /// `SAME_PROVINCE_SHARE` of all fresh deals are.
    p_home: f64,
    pool: Vec<(u32, u32)>,
    fresh: u64,
    first: i64,
    span: i64,
}

impl<'a> Trade<'a> {
    pub(super) fn new(model: &'a Model<'a>, roster: &'a Roster, seed: u64) -> Trade<'a> {
        let mut rng = Rng::new(seed, STREAM_DEALS);
        let (np, nc) = (model.np, model.nc);
        let activity: Vec<f64> = roster
            .kind
            .iter()
            .map(|k| {
                let a = rng.activity();
                a * match k {
                    BusinessKind::Umkm => 1.0,
                    BusinessKind::Cooperative => 1.5,
                    BusinessKind::Association => 2.0,
                    BusinessKind::Bumd => 3.0,
                    BusinessKind::Corporate => 4.0,
                }
            })
            .collect();
        let need_owner = Roster::owners(&roster.need_start);
        let offer_owner = Roster::owners(&roster.offer_start);

        // Group offers by (commodity, province) with a counting sort.
        let ngroups = nc * np;
        let group_of = |o: usize| {
            roster.offer_c[o] as usize * np + roster.province[offer_owner[o] as usize] as usize
        };
        let mut grp_start = vec![0u32; ngroups + 1];
        for o in 0..offer_owner.len() {
            grp_start[group_of(o) + 1] += 1;
        }
        for g in 0..ngroups {
            grp_start[g + 1] += grp_start[g];
        }
        let mut fill = grp_start.clone();
        let mut grp_offer = vec![0u32; offer_owner.len()];
        for o in 0..offer_owner.len() {
            let g = group_of(o);
            grp_offer[fill[g] as usize] = o as u32;
            fill[g] += 1;
        }
        let mut grp_cum = vec![0.0; grp_offer.len()];
        let mut mass = vec![0.0; ngroups];
        for g in 0..ngroups {
            let mut acc = 0.0;
            for i in grp_start[g] as usize..grp_start[g + 1] as usize {
                acc += activity[offer_owner[grp_offer[i] as usize] as usize].sqrt();
                grp_cum[i] = acc;
            }
            mass[g] = acc;
        }

        // The seller's province, per (commodity, buyer province).
        let mut prov_cum = vec![0.0; nc * np * np];
        for c in 0..nc {
            for bp in 0..np {
                let row = &mut prov_cum[(c * np + bp) * np..(c * np + bp + 1) * np];
                let mut acc = 0.0;
                for (sp, w) in row.iter_mut().enumerate() {
                    let m = mass[c * np + sp];
                    if sp != bp && m > 0.0 {
                        let advantage = 0.5 + model.ow(sp, c).min(6.0).sqrt();
                        let gravity = 1.0 / (1.0 + model.r.distance_km(bp, sp) as f64 / 400.0);
                        acc += m * advantage * gravity;
                    }
                    *w = acc;
                }
            }
        }
        let need_weights: Vec<f64> = (0..need_owner.len())
            .map(|n| {
                let c = roster.need_c[n] as usize;
                let has_sellers = grp_start[c * np + np] > grp_start[c * np];
                if has_sellers {
                    activity[need_owner[n] as usize]
                } else {
                    0.0
                }
            })
            .collect();
        let needs = Alias::new(&need_weights);
        let (mut total, mut at_home) = (0.0, 0.0);
        for (n, w) in need_weights.iter().enumerate() {
            let c = roster.need_c[n] as usize;
            let bp = roster.province[need_owner[n] as usize] as usize;
            total += w;
            if mass[c * np + bp] > 0.0 {
                at_home += w;
            }
        }
        let p_home = if at_home > 0.0 {
            (SAME_PROVINCE_SHARE * total / at_home).min(1.0)
        } else {
            0.0
        };
        let first = day_of(FIRST_DEAL_DAY);
        let span = day_of(LAST_DEAL_DAY) - first + 1;
        Trade {
            model,
            roster,
            rng,
            need_owner,
            offer_owner,
            needs,
            grp_start,
            grp_offer,
            grp_cum,
            prov_cum,
            pool: Vec::new(),
            fresh: 0,
            p_home,
            first,
            span,
        }
    }

    pub(super) fn next(&mut self) -> Option<DraftDeal> {
        let needs = self.needs.as_ref()?;
        let np = self.model.np;
        let (need, offer) = if !self.pool.is_empty() && self.rng.chance(REPEAT_SHARE) {
            *self.rng.pick(&self.pool)
        } else {
            let n = needs.draw(&mut self.rng);
            let c = self.roster.need_c[n] as usize;
            let bp = self.roster.province[self.need_owner[n] as usize] as usize;
            let row = &self.prov_cum[(c * np + bp) * np..(c * np + bp + 1) * np];
            let home = self.grp_start[c * np + bp + 1] > self.grp_start[c * np + bp];
            let sp = if home && (row[np - 1] == 0.0 || self.rng.chance(self.p_home)) {
                bp
            } else {
                search_cum(row, self.rng.unit() * row[np - 1])
            };
            let g = c * np + sp;
            let (s, e) = (self.grp_start[g] as usize, self.grp_start[g + 1] as usize);
            let cum = &self.grp_cum[s..e];
            let o = self.grp_offer[s + search_cum(cum, self.rng.unit() * cum[cum.len() - 1])];
            let pair = (n as u32, o);
            self.fresh += 1;
            if self.pool.len() < RELATIONSHIP_POOL {
                self.pool.push(pair);
            } else {
                let j = self.rng.below(self.fresh as usize);
                if j < RELATIONSHIP_POOL {
                    self.pool[j] = pair;
                }
            }
            pair
        };
        let (need, offer) = (need as usize, offer as usize);
        let c = self.roster.need_c[need] as usize;
        let rng = &mut self.rng;
        let months = *rng.pick(&[1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 6.0, 12.0]);
        let wanted = self.roster.need_qty[need] as f64 * months * rng.uniform(0.3, 1.2);
        let can = self.roster.offer_qty[offer] as f64 * months;
        let qty = nice(wanted.min(can));
        let [lo, hi] = self.roster.offer_price[offer];
        let price = round_price(rng.uniform(lo as f64, hi as f64));
        // Trade grows over the years: half the deals uniform, half with density rising in time.
        let t = if rng.chance(0.5) {
            rng.unit()
        } else {
            rng.unit().sqrt()
        };
        let day = self.first + ((t * self.span as f64) as i64).min(self.span - 1);
        let status = match rng.weighted(&[78.0, 12.0, 10.0]) {
            Some(1) => DealStatus::Mou,
            Some(2) => DealStatus::Failed,
            _ => DealStatus::Completed,
        };
        Some(DraftDeal {
            buyer: self.need_owner[need],
            seller: self.offer_owner[offer],
            c,
            qty,
            price,
            day,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use crate::generate::test_support::{province_of, sample};
    use crate::model::DealStatus;

    #[test]
    fn deals_cross_provinces_repeat_pairs_and_follow_the_status_mix() {
        let (_, businesses, deals) = sample();
        let prov = province_of(businesses);
        let cross = deals
            .iter()
            .filter(|d| prov[d.buyer.as_str()] != prov[d.seller.as_str()])
            .count();
        let share = cross as f64 / deals.len() as f64;
        assert!((0.80..0.92).contains(&share), "{share}");
        let status = |s: DealStatus| {
            deals.iter().filter(|d| d.status == s).count() as f64 / deals.len() as f64
        };
        assert!((0.70..0.82).contains(&status(DealStatus::Completed)));
        assert!((0.09..0.17).contains(&status(DealStatus::Mou)));
        assert!((0.07..0.13).contains(&status(DealStatus::Failed)));
        let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for d in deals {
            *pairs.entry((&d.buyer, &d.seller)).or_default() += 1;
        }
        let repeated = pairs.values().filter(|&&n| n > 1).count();
        assert!(repeated > 1000, "{repeated}");
        // A buyer's deals are for what it needs (except mission fallbacks).
        let needs: BTreeSet<(&str, &str)> = businesses
            .iter()
            .flat_map(|b| {
                b.needs
                    .iter()
                    .map(move |n| (b.id.as_str(), n.commodity.as_str()))
            })
            .collect();
        let offers: BTreeSet<(&str, &str)> = businesses
            .iter()
            .flat_map(|b| {
                b.offers
                    .iter()
                    .map(move |n| (b.id.as_str(), n.commodity.as_str()))
            })
            .collect();
        for d in deals.iter().filter(|d| d.mission.is_none()) {
            assert!(
                needs.contains(&(d.buyer.as_str(), d.commodity.as_str())),
                "{:?}",
                d.id
            );
            assert!(
                offers.contains(&(d.seller.as_str(), d.commodity.as_str())),
                "{:?}",
                d.id
            );
        }
    }
}
