//! The score of a (need, offer) pair: features × weights, with explanations.
//!
//! Pure: no IO, no tantivy, HTTP or SQL types. The search index hands each candidate's
//! [`ListingFeatures`] (read from fast fields) to [`Scorer::score`], which must be cheap
//! because it runs on every matching listing; [`Scorer::explain`] runs only for the results
//! shown and turns the same numbers into a breakdown and sentences a business owner reads.
//!
//! The score is `Σ weight_f × feature_f` over five features, each roughly in [-1, 1]:
//! - `relevance`: the catalog commodity matches (0.6) plus saturated BM25 text relevance (0.4);
//! - `advantage`: the seller province's location quotient for the commodity (¾) and the
//!   buyer province's deficit (¼), on a log scale where LQ 8 (or ⅛) is ±1;
//! - `relationship`: past deals between the two (filled by the deal network; 0 until then);
//! - `logistics`: minus the distance between the provinces' capitals, scaled by how
//!   perishable the commodity is, with a penalty for crossing to another island group;
//! - `fit`: how much of the needed volume the offered capacity covers.
//! `explain` lists each weighted term, and they add up to the score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{FieldError, ListingKind};
use crate::reference::{AdvantageSource, CommodityIx, ProvinceIx, Reference};

/// A listing's features as the index stores them.
#[derive(Debug, Clone, Copy)]
pub struct ListingFeatures {
    /// BM25 of the query text against the listing (0 when there is no text).
    pub bm25: f32,
    pub kind: ListingKind,
    pub commodity: CommodityIx,
    pub province: ProvinceIx,
    pub business_kind: u64,
    pub certs: u64,
    /// Monthly amount in the base unit (kg for mass), negative when unknown.
    pub amount: f64,
    /// Unit code of `amount` (see `search::UNITS`), 0 when unknown.
    pub amount_unit: u64,
}

/// The weight of each feature. Every field is optional in a request; absent ones keep their
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub relevance: f32,
    pub advantage: f32,
    pub relationship: f32,
    pub logistics: f32,
    pub fit: f32,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            relevance: 1.0,
            advantage: 0.6,
            relationship: 0.5,
            logistics: 0.25,
            fit: 0.25,
        }
    }
}

/// The largest weight a request may set; far beyond any sensible use.
pub const MAX_WEIGHT: f32 = 100.0;

impl Weights {
    pub fn validate(&self) -> Result<(), FieldError> {
        for (name, w) in self.named() {
            if !w.is_finite() || !(0.0..=MAX_WEIGHT).contains(&w) {
                return Err(FieldError::new(
                    format!("weights.{name}"),
                    format!("must be a number from 0 to {MAX_WEIGHT}"),
                ));
            }
        }
        Ok(())
    }

    fn named(&self) -> [(&'static str, f32); 5] {
        [
            ("relevance", self.relevance),
            ("advantage", self.advantage),
            ("relationship", self.relationship),
            ("logistics", self.logistics),
            ("fit", self.fit),
        ]
    }
}

/// What the buyer asked for, resolved against the reference data.
#[derive(Debug, Clone)]
pub struct NeedContext {
    pub buyer_province: ProvinceIx,
    /// The commodities the need names (from the catalog key or the text).
    pub commodities: Vec<CommodityIx>,
    /// Monthly amount needed in the base unit and its unit code.
    pub amount: Option<(f64, u64)>,
    /// Certification bits the buyer requires.
    pub certs: u64,
}

/// The five feature values of one pair, before weighting.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Features {
    pub relevance: f32,
    pub advantage: f32,
    pub relationship: f32,
    pub logistics: f32,
    pub fit: f32,
}

/// The weighted terms (they add up to the score) and the reasons behind them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub explain: BTreeMap<String, f32>,
    pub reasons: Vec<String>,
}

/// Scores offers for one need. Cheap to build, shared across the search threads.
#[derive(Debug, Clone)]
pub struct Scorer {
    pub need: NeedContext,
    pub weights: Weights,
    /// Per commodity: the buyer province's advantage term (constant across candidates).
    buyer_deficit: Vec<f32>,
    /// Per commodity: how perishable it is, 0 (keeps a year or more) to 1 (a week or less).
    perishability: Vec<f32>,
    /// Per province: advantage term per commodity, `[c * provinces + p]`.
    seller_advantage: Vec<f32>,
    /// Per province: logistics term for the commodity-independent part (distance, islands).
    distance_term: Vec<f32>,
    provinces: usize,
}

const LQ_SCALE: f32 = 2.0794415; // ln 8

fn lq_term(lq: f64, source: AdvantageSource) -> f32 {
    if source == AdvantageSource::Neutral {
        return 0.0;
    }
    ((lq.max(1.0 / 64.0) as f32).ln() / LQ_SCALE).clamp(-1.0, 1.0)
}

/// Perishability from shelf life: a week or less is 1, a year or more 0, log-linear between.
pub fn perishability(shelf_life_days: u32) -> f32 {
    let d = shelf_life_days.max(1) as f32;
    (1.0 - (d / 7.0).ln() / (365.0f32 / 7.0).ln()).clamp(0.0, 1.0)
}

impl Scorer {
    pub fn new(reference: &Reference, need: NeedContext, weights: Weights) -> Scorer {
        let np = reference.provinces.len();
        let nc = reference.commodities.len();
        let buyer_deficit = (0..nc)
            .map(|c| {
                let a = reference.advantage(need.buyer_province, c);
                -lq_term(a.lq, a.source)
            })
            .collect();
        let perishability = reference
            .commodities
            .iter()
            .map(|c| perishability(c.shelf_life_days))
            .collect();
        let mut seller_advantage = vec![0.0; nc * np];
        for c in 0..nc {
            for p in 0..np {
                let a = reference.advantage(p, c);
                seller_advantage[c * np + p] = lq_term(a.lq, a.source);
            }
        }
        let buyer_island = &reference.provinces[need.buyer_province].island_group;
        let distance_term = (0..np)
            .map(|p| {
                let d = reference.distance_km(need.buyer_province, p) / 3000.0;
                let island = if &reference.provinces[p].island_group != buyer_island {
                    0.15
                } else {
                    0.0
                };
                d.min(1.0) + island
            })
            .collect();
        Scorer {
            need,
            weights,
            buyer_deficit,
            perishability,
            seller_advantage,
            distance_term,
            provinces: np,
        }
    }

    /// The unweighted features of one candidate listing.
    pub fn features(&self, l: &ListingFeatures) -> Features {
        let commodity_match = if self.need.commodities.contains(&l.commodity) {
            1.0
        } else {
            0.0
        };
        let text = l.bm25 / (l.bm25 + 4.0);
        let relevance = 0.6 * commodity_match + 0.4 * text;
        let seller = self
            .seller_advantage
            .get(l.commodity * self.provinces + l.province)
            .copied()
            .unwrap_or(0.0);
        let buyer = self.buyer_deficit.get(l.commodity).copied().unwrap_or(0.0);
        let advantage = 0.75 * seller + 0.25 * buyer;
        let perish = self.perishability.get(l.commodity).copied().unwrap_or(0.5);
        let logistics = -self.distance_term.get(l.province).copied().unwrap_or(1.0)
            * (0.4 + 0.6 * perish);
        let fit = match self.need.amount {
            Some((need, unit)) if l.amount > 0.0 && unit == l.amount_unit && need > 0.0 => {
                ((l.amount / need) as f32).min(1.0)
            }
            _ => 0.0,
        };
        Features {
            relevance,
            advantage,
            relationship: 0.0,
            logistics,
            fit,
        }
    }

    pub fn total(&self, f: &Features) -> f32 {
        let w = &self.weights;
        w.relevance * f.relevance
            + w.advantage * f.advantage
            + w.relationship * f.relationship
            + w.logistics * f.logistics
            + w.fit * f.fit
    }

    /// The score of one candidate: what the ranking uses.
    pub fn score(&self, l: &ListingFeatures) -> f32 {
        self.total(&self.features(l))
    }

    /// The weighted terms and the reasons, for a result that is shown.
    pub fn explain(&self, reference: &Reference, l: &ListingFeatures) -> Explanation {
        let f = self.features(l);
        let w = &self.weights;
        let mut explain = BTreeMap::new();
        for (name, value) in [
            ("relevance", w.relevance * f.relevance),
            ("advantage", w.advantage * f.advantage),
            ("relationship", w.relationship * f.relationship),
            ("logistics", w.logistics * f.logistics),
            ("fit", w.fit * f.fit),
        ] {
            explain.insert(name.to_string(), round4(value));
        }
        let mut reasons = Vec::new();
        let commodity = &reference.commodities[l.commodity];
        let seller = &reference.provinces[l.province];
        let buyer = &reference.provinces[self.need.buyer_province];
        if self.need.commodities.contains(&l.commodity) {
            reasons.push(format!(
                "Offers {}, the commodity you asked for",
                commodity.name_id.to_lowercase()
            ));
        }
        let a = reference.advantage(l.province, l.commodity);
        match a.source {
            AdvantageSource::Production { year } => {
                if a.lq >= 1.0 {
                    reasons.push(format!(
                        "{} grows {:.1}× the national per-capita amount of {} (BPS {year})",
                        seller.name,
                        a.lq,
                        commodity.name_id.to_lowercase()
                    ));
                } else {
                    reasons.push(format!(
                        "{} grows only {:.2}× the national per-capita amount of {} (BPS {year})",
                        seller.name,
                        a.lq,
                        commodity.name_id.to_lowercase()
                    ));
                }
            }
            AdvantageSource::Neutral => reasons.push(format!(
                "No production figure for {} in {}; its advantage counts as neutral",
                commodity.name_id.to_lowercase(),
                seller.name
            )),
        }
        let b = reference.advantage(self.need.buyer_province, l.commodity);
        if let AdvantageSource::Production { year } = b.source {
            if b.lq < 1.0 {
                reasons.push(format!(
                    "{} grows only {:.2}× the national per-capita amount, so it buys {} in (BPS {year})",
                    buyer.name,
                    b.lq,
                    commodity.name_id.to_lowercase()
                ));
            }
        }
        let km = reference.distance_km(self.need.buyer_province, l.province);
        let crossing = if seller.island_group != buyer.island_group {
            format!(", across from {} to {}", seller.island_group, buyer.island_group)
        } else {
            String::new()
        };
        reasons.push(format!(
            "{} is {:.0} km from {}{crossing}; {} keeps about {} days",
            seller.capital,
            km,
            buyer.capital,
            commodity.name_id.to_lowercase(),
            commodity.shelf_life_days
        ));
        if let Some((need, unit)) = self.need.amount {
            if l.amount > 0.0 && unit == l.amount_unit {
                let u = crate::search::UNITS[unit as usize];
                if l.amount >= need {
                    reasons.push(format!(
                        "Capacity of {} {u} a month covers your {} {u}",
                        fmt_amount(l.amount),
                        fmt_amount(need)
                    ));
                } else {
                    reasons.push(format!(
                        "Capacity of {} {u} a month covers {:.0}% of your {} {u}",
                        fmt_amount(l.amount),
                        100.0 * l.amount / need,
                        fmt_amount(need)
                    ));
                }
            }
        }
        if self.need.certs != 0 {
            let names: Vec<&str> = crate::model::Certification::ALL
                .iter()
                .filter(|c| self.need.certs & c.bit() != 0)
                .map(|c| c.as_str())
                .collect();
            reasons.push(format!("Certified {}, as you asked", names.join(", ")));
        }
        Explanation { explain, reasons }
    }
}

fn round4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

fn fmt_amount(base: f64) -> String {
    if base >= 1000.0 {
        format!("{} t", trim(base / 1000.0))
    } else {
        trim(base)
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        Reference::embedded().unwrap()
    }

    fn offer(r: &Reference, province: &str, commodity: &str) -> ListingFeatures {
        ListingFeatures {
            bm25: 3.0,
            kind: ListingKind::Offer,
            commodity: r.commodity(commodity).unwrap(),
            province: r.province(province).unwrap(),
            business_kind: 0,
            certs: 0,
            amount: 40_000.0,
            amount_unit: 1,
        }
    }

    fn shallot_need(r: &Reference) -> NeedContext {
        NeedContext {
            buyer_province: r.province("36").unwrap(),
            commodities: vec![r.commodity("bawang_merah").unwrap()],
            amount: Some((5000.0, 1)),
            certs: 0,
        }
    }

    #[test]
    fn higher_seller_advantage_never_lowers_the_score() {
        let r = reference();
        let s = Scorer::new(&r, shallot_need(&r), Weights::default());
        let c = r.commodity("bawang_merah").unwrap();
        // Same distance and text: compare the advantage feature alone across provinces.
        let mut by_lq: Vec<(f64, f32)> = (0..r.provinces.len())
            .map(|p| {
                let mut o = offer(&r, "35", "bawang_merah");
                o.province = p;
                (r.advantage(p, c).lq, s.features(&o).advantage)
            })
            .collect();
        by_lq.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in by_lq.windows(2) {
            assert!(w[1].1 >= w[0].1, "{w:?}");
        }
    }

    #[test]
    fn explain_adds_up_to_the_score() {
        let r = reference();
        let s = Scorer::new(&r, shallot_need(&r), Weights::default());
        for p in ["35", "33", "52", "31", "12"] {
            let o = offer(&r, p, "bawang_merah");
            let e = s.explain(&r, &o);
            let sum: f32 = e.explain.values().sum();
            assert!((sum - s.score(&o)).abs() < 1e-3, "{p}: {sum} vs {}", s.score(&o));
            assert!(!e.reasons.is_empty());
        }
    }

    #[test]
    fn east_java_outranks_a_province_without_shallots() {
        let r = reference();
        let s = Scorer::new(&r, shallot_need(&r), Weights::default());
        let jatim = s.score(&offer(&r, "35", "bawang_merah"));
        let dki = s.score(&offer(&r, "31", "bawang_merah"));
        assert!(jatim > dki, "{jatim} vs {dki}");
        let e = s.explain(&r, &offer(&r, "35", "bawang_merah"));
        assert!(
            e.reasons
                .iter()
                .any(|x| x.contains("Jawa Timur grows") && x.contains("bawang merah")),
            "{:?}",
            e.reasons
        );
    }

    #[test]
    fn weights_are_validated_by_name() {
        let w = Weights {
            advantage: -1.0,
            ..Weights::default()
        };
        assert_eq!(w.validate().unwrap_err().field, "weights.advantage");
        let w = Weights {
            fit: f32::NAN,
            ..Weights::default()
        };
        assert_eq!(w.validate().unwrap_err().field, "weights.fit");
        Weights::default().validate().unwrap();
    }

    #[test]
    fn perishable_goods_pay_more_for_distance() {
        assert_eq!(perishability(2), 1.0);
        assert_eq!(perishability(3650), 0.0);
        assert!(perishability(60) > perishability(365));
    }
}
