//! The score of a (need, offer) pair: features × weights, with explanations.
//!
//! Pure: no IO, no tantivy, HTTP or SQL types. The search index hands each candidate's
//! [`ListingFeatures`] (read from fast fields) to [`Scorer::score`], which must be cheap
//! because it runs on every matching listing; [`Scorer::explain`] runs only for the results
//! shown and turns the same numbers into a breakdown and sentences a business owner reads.
//!
//! The score is `Σ weight_f × feature_f` over five features, each roughly in [-1, 1]:
//! - `relevance`: the catalog commodity matches (0.6) plus saturated BM25 text relevance (0.4);
//! - `advantage`: where a production table measures the commodity, the supply model's
//!   expected share of the seller's province in what the buyer's province brings in
//!   (`supply`; for a seller asking for markets, scaled by the buyer's deficit), as
//!   `1 + log10(share) / 2` in [−1, 1]; a province with no figure counts as the least
//!   measured producer. Elsewhere the location quotients: the seller's (½) and the buyer's
//!   deficit (½), on a log scale where LQ 8 (or ⅛) is ±1;
//! - `relationship`: past deals between the two, from the deal network (given per request);
//! - `logistics`: minus the distance between the provinces' capitals, scaled by how
//!   perishable the commodity is, with a penalty for a sea crossing;
//! - `fit`: how much of the needed volume the offered capacity covers (0 when unknown).
//!
//! `explain` lists each weighted term, and they add up to the score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::units::BaseUnit;
use crate::model::{FieldError, ListingKind};
use crate::reference::{AdvantageSource, CommodityIx, ProvinceIx, Reference};

/// A listing's features as the index stores them.
#[derive(Debug, Clone, Copy)]
pub struct ListingFeatures {
    /// The business's stable numeric key in the store (for relationship look-ups).
    pub business_key: u64,
    /// BM25 of the query text against the listing (0 when there is no text).
    pub bm25: f32,
    pub kind: ListingKind,
    pub commodity: CommodityIx,
    pub province: ProvinceIx,
    pub business_kind: u64,
    pub certs: u64,
    /// Monthly amount in the base unit (kg for mass), negative when unknown.
    pub amount: f64,
    /// Unit code of `amount` (a [`BaseUnit`](crate::model::units::BaseUnit) code), 0 when unknown.
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

/// Which side the request stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A buyer looks for suppliers: the candidates are offers.
    Suppliers,
    /// A seller looks for markets: the candidates are needs.
    Markets,
}

use crate::model::Lang;

/// What the request asked for, resolved against the reference data.
#[derive(Debug, Clone)]
pub struct MatchContext {
    pub direction: Direction,
    /// The requesting side's province: the buyer's for suppliers, the seller's for markets.
    pub province: ProvinceIx,
    /// The commodities asked about (from the catalog key or the text).
    pub commodities: Vec<CommodityIx>,
    /// Monthly amount (needed for suppliers, offered for markets) in the base unit, and its
    /// unit code.
    pub amount: Option<(f64, u64)>,
    /// Certification bits the buyer requires.
    pub certs: u64,
    /// Relationship feature per counterpart business key, from the deal network; absent
    /// keys have none.
    pub relationship: std::collections::HashMap<u64, f32>,
    /// Reasons from the deal network per counterpart business key, worded already.
    pub relationship_reasons: std::collections::HashMap<u64, Vec<String>>,
    /// For counterparts not in `relationship`: each seller's own part of the feature by
    /// business key (suppliers), plus `relationship_province` by counterpart province.
    pub relationship_prior: Option<std::sync::Arc<Vec<f32>>>,
    pub relationship_province: Vec<f32>,
    /// An upper bound of `relationship_prior` over each province's businesses, by province
    /// index (absent: no bound below 1 is known).
    pub relationship_prior_max: Option<std::sync::Arc<Vec<f32>>>,
    /// Revealed comparative advantage from past deals `[c * provinces + p]`, used where the
    /// reference data has no production figure.
    pub revealed: Option<std::sync::Arc<Vec<Option<f32>>>>,
    pub lang: Lang,
}

impl MatchContext {
    pub fn new(direction: Direction, province: ProvinceIx) -> MatchContext {
        MatchContext {
            direction,
            province,
            commodities: Vec::new(),
            amount: None,
            certs: 0,
            relationship: Default::default(),
            relationship_reasons: Default::default(),
            relationship_prior: None,
            relationship_province: Vec::new(),
            relationship_prior_max: None,
            revealed: None,
            lang: Lang::En,
        }
    }
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

/// The parts of a scorer that depend on the reference data and the deal network's revealed
/// advantage only, not on the request: built once per network state and shared.
#[derive(Debug)]
pub struct ScorerTables {
    /// Per commodity and province, the log-scaled location quotient `[c * provinces + p]`.
    lq_terms: Vec<f32>,
    /// Per commodity: how perishable it is, 0 (keeps a year or more) to 1 (a week or less).
    perishability: Vec<f32>,
    /// The supply model's advantage of every pair, where a production table measures the
    /// commodity (shared with the reference data).
    supply: std::sync::Arc<crate::supply::AdvantageTerms>,
    /// The revealed advantage the table was built from (to tell whether it is current).
    revealed: Option<std::sync::Arc<Vec<Option<f32>>>>,
}

impl ScorerTables {
    pub fn new(
        reference: &Reference,
        revealed: Option<std::sync::Arc<Vec<Option<f32>>>>,
    ) -> ScorerTables {
        let np = reference.provinces.len();
        let nc = reference.commodities.len();
        let revealed_at = |i: usize| revealed.as_ref()?.get(i).copied().flatten();
        let mut lq_terms = vec![0.0; nc * np];
        for c in 0..nc {
            for p in 0..np {
                let a = reference.advantage(p, c);
                lq_terms[c * np + p] = match (a.source, revealed_at(c * np + p)) {
                    (AdvantageSource::Neutral, Some(rca)) => {
                        lq_term(f64::from(rca), AdvantageSource::Production { year: 0 })
                    }
                    _ => lq_term(a.lq, a.source),
                };
            }
        }
        let perishability = reference
            .commodities
            .iter()
            .map(|c| perishability(c.shelf_life_days))
            .collect();
        ScorerTables {
            lq_terms,
            perishability,
            supply: reference.supply_terms(),
            revealed,
        }
    }

    /// Whether these tables were built from this revealed advantage.
    pub fn is_for(&self, revealed: &Option<std::sync::Arc<Vec<Option<f32>>>>) -> bool {
        match (&self.revealed, revealed) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// Scores candidates for one request. Cheap to build, shared across the search threads.
#[derive(Debug, Clone)]
pub struct Scorer {
    pub ctx: MatchContext,
    pub weights: Weights,
    tables: std::sync::Arc<ScorerTables>,
    /// Per counterpart province: scaled distance plus the island-crossing penalty.
    distance_term: Vec<f32>,
    provinces: usize,
}

const LQ_SCALE: f32 = 2.0794415; // ln 8

/// A location quotient on a log scale: LQ 8 is +1, LQ ⅛ is −1, unknown is 0.
pub fn lq_term(lq: f64, source: AdvantageSource) -> f32 {
    if source == AdvantageSource::Neutral {
        return 0.0;
    }
    ((lq.max(1.0 / 64.0) as f32).ln() / LQ_SCALE).clamp(-1.0, 1.0)
}

fn revealed_at(ctx: &MatchContext, i: usize) -> Option<f32> {
    ctx.revealed.as_ref()?.get(i).copied().flatten()
}

/// Perishability from shelf life: a week or less is 1, a year or more 0, log-linear between.
pub fn perishability(shelf_life_days: u32) -> f32 {
    let d = shelf_life_days.max(1) as f32;
    (1.0 - (d / 7.0).ln() / (365.0f32 / 7.0).ln()).clamp(0.0, 1.0)
}

impl Scorer {
    pub fn new(reference: &Reference, ctx: MatchContext, weights: Weights) -> Scorer {
        let tables = std::sync::Arc::new(ScorerTables::new(reference, ctx.revealed.clone()));
        Scorer::with_tables(reference, tables, ctx, weights)
    }

    /// A scorer on tables built already (see [`ScorerTables::is_for`]).
    pub fn with_tables(
        reference: &Reference,
        tables: std::sync::Arc<ScorerTables>,
        ctx: MatchContext,
        weights: Weights,
    ) -> Scorer {
        let np = reference.provinces.len();
        let home_island = &reference.provinces[ctx.province].island;
        let distance_term = (0..np)
            .map(|p| {
                let d = reference.distance_km(ctx.province, p) / 3000.0;
                let island = if &reference.provinces[p].island != home_island {
                    0.15
                } else {
                    0.0
                };
                d.min(1.0) + island
            })
            .collect();
        Scorer {
            ctx,
            weights,
            tables,
            distance_term,
            provinces: np,
        }
    }

    /// (seller province, buyer province) for a candidate.
    fn sides(&self, l: &ListingFeatures) -> (ProvinceIx, ProvinceIx) {
        match self.ctx.direction {
            Direction::Suppliers => (l.province, self.ctx.province),
            Direction::Markets => (self.ctx.province, l.province),
        }
    }

    fn lq(&self, c: CommodityIx, p: ProvinceIx) -> f32 {
        self.tables
            .lq_terms
            .get(c * self.provinces + p)
            .copied()
            .unwrap_or(0.0)
    }

    /// The unweighted features of one candidate listing.
    pub fn features(&self, l: &ListingFeatures) -> Features {
        self.features_with(l, self.ctx.amount)
    }

    /// [`Scorer::features`] with another amount for the requesting side (the planner scores
    /// many needs of one province with one scorer).
    pub fn features_with(&self, l: &ListingFeatures, amount: Option<(f64, u64)>) -> Features {
        let commodity_match = if self.ctx.commodities.contains(&l.commodity) {
            1.0
        } else {
            0.0
        };
        let text = l.bm25 / (l.bm25 + 4.0);
        let relevance = 0.6 * commodity_match + 0.4 * text;
        let (seller, buyer) = self.sides(l);
        let markets = matches!(self.ctx.direction, Direction::Markets);
        let advantage = match self.tables.supply.get(markets, l.commodity, seller, buyer) {
            Some(term) => term,
            None => 0.5 * self.lq(l.commodity, seller) - 0.5 * self.lq(l.commodity, buyer),
        };
        let perish = self
            .tables
            .perishability
            .get(l.commodity)
            .copied()
            .unwrap_or(0.5);
        let logistics =
            -self.distance_term.get(l.province).copied().unwrap_or(1.0) * (0.4 + 0.6 * perish);
        let (supply, demand) = match (self.ctx.direction, amount) {
            (_, None) => (-1.0, -1.0),
            (Direction::Suppliers, Some((a, _))) => (l.amount, a),
            (Direction::Markets, Some((a, _))) => (a, l.amount),
        };
        let same_unit = amount.is_some_and(|(_, u)| u == l.amount_unit && u != 0);
        let fit = if same_unit && supply > 0.0 && demand > 0.0 {
            ((supply / demand) as f32).min(1.0)
        } else {
            0.0
        };
        let relationship = match self.ctx.relationship.get(&l.business_key) {
            Some(r) => *r,
            None => {
                let prior = self
                    .ctx
                    .relationship_prior
                    .as_ref()
                    .and_then(|p| p.get(l.business_key as usize))
                    .copied()
                    .unwrap_or(0.0);
                let province = self
                    .ctx
                    .relationship_province
                    .get(l.province)
                    .copied()
                    .unwrap_or(0.0);
                (prior + province).clamp(0.0, 1.0)
            }
        };
        Features {
            relevance,
            advantage,
            relationship,
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

    /// For each of `provinces`, an upper bound of [`Scorer::score`] over every listing of
    /// `commodity` in that province: the province's own terms (advantage, logistics) exactly,
    /// the listing's own terms at their best — full text relevance when the query has text
    /// (`text`), full fit when a volume is asked, and the best relationship any business of
    /// the province can have. Exact top-k ranking skips a province whose bound is below the
    /// k-th score found (weights are never negative, so the best features give the best score).
    pub fn upper_bounds(
        &self,
        commodity: CommodityIx,
        provinces: &[ProvinceIx],
        text: bool,
    ) -> Vec<f32> {
        let pairwise = self
            .ctx
            .relationship
            .values()
            .copied()
            .fold(0.0f32, f32::max);
        provinces
            .iter()
            .map(|&p| {
                let probe = ListingFeatures {
                    business_key: u64::MAX,
                    bm25: 0.0,
                    kind: match self.ctx.direction {
                        Direction::Suppliers => ListingKind::Offer,
                        Direction::Markets => ListingKind::Need,
                    },
                    commodity,
                    province: p,
                    business_kind: 0,
                    certs: 0,
                    amount: -1.0,
                    amount_unit: 0,
                };
                let mut f = self.features_with(&probe, None);
                let matched = if self.ctx.commodities.contains(&commodity) {
                    1.0
                } else {
                    0.0
                };
                f.relevance = 0.6 * matched + if text { 0.4 } else { 0.0 };
                f.fit = if self.ctx.amount.is_some() { 1.0 } else { 0.0 };
                let prior = match (
                    &self.ctx.relationship_prior,
                    &self.ctx.relationship_prior_max,
                ) {
                    (None, _) => 0.0,
                    (Some(_), Some(max)) => max.get(p).copied().unwrap_or(1.0),
                    (Some(_), None) => 1.0,
                };
                let province = self
                    .ctx
                    .relationship_province
                    .get(p)
                    .copied()
                    .unwrap_or(0.0);
                f.relationship = pairwise.max((prior + province).clamp(0.0, 1.0));
                // f32 sums in another order may differ in the last bits.
                self.total(&f) + 1e-4
            })
            .collect()
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
        let id = self.ctx.lang == Lang::Id;
        let mut reasons = Vec::new();
        let commodity = &reference.commodities[l.commodity];
        let cname = commodity.name_id.to_lowercase();
        let (sp, bp) = self.sides(l);
        let (seller, buyer) = (&reference.provinces[sp], &reference.provinces[bp]);
        if self.ctx.commodities.contains(&l.commodity) {
            reasons.push(match (id, self.ctx.direction) {
                (false, Direction::Suppliers) => {
                    format!("Offers {cname}, the commodity you asked for")
                }
                (false, Direction::Markets) => format!("Needs {cname}, which you offer"),
                (true, Direction::Suppliers) => {
                    format!("Menawarkan {cname}, komoditas yang Anda cari")
                }
                (true, Direction::Markets) => format!("Membutuhkan {cname}, yang Anda tawarkan"),
            });
        }
        if reference.supply(l.commodity).is_some() {
            reasons.extend(supply_reasons(
                reference,
                l.commodity,
                sp,
                bp,
                self.ctx.lang,
            ));
        } else {
            // No production table measures the commodity (the supply model and the location
            // quotients both come from one), so what is known is what past deals reveal.
            let rca = revealed_at(&self.ctx, l.commodity * self.provinces + sp)
                .map(|x| self.ctx.lang.number(f64::from(x), 1));
            reasons.push(match (rca, id) {
                (Some(rca), false) => format!(
                    "No production figure for {cname} in {}; past deals show it sells {rca}× its share of {cname} (revealed comparative advantage)",
                    seller.name
                ),
                (None, false) => format!(
                    "No production figure for {cname} in {}; its advantage counts as neutral",
                    seller.name
                ),
                (Some(rca), true) => format!(
                    "Belum ada data produksi {cname} untuk {}; transaksi sebelumnya menunjukkan penjualan {rca}× porsinya (keunggulan komparatif terungkap)",
                    seller.name
                ),
                (None, true) => format!(
                    "Belum ada data produksi {cname} untuk {}; keunggulannya dianggap netral",
                    seller.name
                ),
            });
        }
        let km = self
            .ctx
            .lang
            .number(f64::from(reference.distance_km(sp, bp)), 0);
        let crossing = seller.island != buyer.island;
        reasons.push(match (id, crossing) {
            (false, false) => format!(
                "{} is {km} km from {}; {cname} keeps about {} days",
                seller.capital, buyer.capital, commodity.shelf_life_days
            ),
            (false, true) => format!(
                "{} is {km} km from {}, across the sea from {} to {}; {cname} keeps about {} days",
                seller.capital,
                buyer.capital,
                seller.island,
                buyer.island,
                commodity.shelf_life_days
            ),
            (true, false) => format!(
                "{} berjarak {km} km dari {}; {cname} tahan sekitar {} hari",
                seller.capital, buyer.capital, commodity.shelf_life_days
            ),
            (true, true) => format!(
                "{} berjarak {km} km dari {}, menyeberang laut dari {} ke {}; {cname} tahan sekitar {} hari",
                seller.capital,
                buyer.capital,
                seller.island,
                buyer.island,
                commodity.shelf_life_days
            ),
        });
        if let Some((amount, unit)) = self.ctx.amount
            && l.amount > 0.0
            && unit == l.amount_unit
            && unit != 0
        {
            let u = BaseUnit::from_code(unit).map_or("", BaseUnit::name);
            let (supply, demand) = match self.ctx.direction {
                Direction::Suppliers => (l.amount, amount),
                Direction::Markets => (amount, l.amount),
            };
            let lang = self.ctx.lang;
            let (s, d) = (fmt_amount(supply, u, lang), fmt_amount(demand, u, lang));
            let pct = self.ctx.lang.number(100.0 * supply / demand, 0);
            reasons.push(match (id, supply >= demand) {
                (false, true) => format!("A supply of {s} a month covers the {d} needed"),
                (false, false) => {
                    format!("A supply of {s} a month covers {pct}% of the {d} needed")
                }
                (true, true) => {
                    format!("Pasokan {s} per bulan mencukupi kebutuhan {d}")
                }
                (true, false) => {
                    format!("Pasokan {s} per bulan memenuhi {pct}% dari kebutuhan {d}")
                }
            });
        }
        if self.ctx.certs != 0 {
            let names: Vec<&str> = crate::model::Certification::ALL
                .iter()
                .filter(|c| self.ctx.certs & c.bit() != 0)
                .map(|c| c.as_str())
                .collect();
            reasons.push(if id {
                format!("Bersertifikat {}, sesuai permintaan", names.join(", "))
            } else {
                format!("Certified {}, as you asked", names.join(", "))
            });
        }
        if let Some(more) = self.ctx.relationship_reasons.get(&l.business_key) {
            reasons.extend(more.iter().cloned());
        }
        Explanation { explain, reasons }
    }
}

/// Why the supply model ranks origin `o` for destination `d` as it does, in a buyer's words:
/// the expected share, the origin's volume and surplus, the buyer's deficit, and how the
/// table stands for the commodity, each with its source and year. Also what
/// `GET /v1/supply` says of each origin.
pub fn supply_reasons(
    reference: &Reference,
    c: CommodityIx,
    o: ProvinceIx,
    d: ProvinceIx,
    lang: Lang,
) -> Vec<String> {
    let Some(s) = reference.supply(c) else {
        return Vec::new();
    };
    let id = lang == Lang::Id;
    let cname = reference.commodities[c].name_id.to_lowercase();
    let table_name = reference
        .commodity(&s.table.key)
        .map_or(s.table.key.replace('_', " "), |k| {
            reference.commodities[k].name_id.to_lowercase()
        });
    // Tons are of the table's product: for a proxy, its input (tobacco for cigarettes).
    let tname = if s.table.basis == crate::supply::Basis::Proxy {
        table_name.clone()
    } else {
        cname.clone()
    };
    let (op, dp) = (&reference.provinces[o], &reference.provinces[d]);
    let (on, dn) = (&op.name, &dp.name);
    let year = s.table.year;
    let src = if s.table.coverage == "full" {
        format!("BPS {year}")
    } else if id {
        format!("tabel parsial {year}")
    } else {
        format!("partial table {year}")
    };
    let t = |x: f64| lang.number(x, 0);
    let mut out = Vec::new();
    if o == d {
        if let Some(x) = s.self_supply(d) {
            out.push(if id {
                format!(
                    "{on} memenuhi {} kebutuhan {cname}-nya sendiri ({src})",
                    lang.percent(x)
                )
            } else {
                format!(
                    "{on} covers {} of its own {cname} consumption ({src})",
                    lang.percent(x)
                )
            });
        }
    } else {
        match s.share(o, d) {
            Some(x) => out.push(if id {
                format!(
                    "{on} diperkirakan memasok {} {cname} yang didatangkan {dn} dari provinsi lain (model pasokan: produksi, surplus, jarak; {src})",
                    lang.percent(x)
                )
            } else {
                format!(
                    "{on} is expected to supply {} of the {cname} {dn} buys from other provinces (supply model: production, surplus, distance; {src})",
                    lang.percent(x)
                )
            }),
            None => out.push(if id {
                format!(
                    "Belum ada data produksi {cname} untuk {on} (tabel {year} hanya memuat {} provinsi): tidak dinilai lebih tinggi dari produsen terukur terendah",
                    s.table.provinces_known
                )
            } else {
                format!(
                    "No production figure for {cname} in {on} (the {year} table lists {} provinces): ranked no higher than the least measured producer",
                    s.table.provinces_known
                )
            }),
        }
    }
    let allocated = s.figure(o) == crate::supply::Figure::Allocated;
    match (s.tons(o), s.ratio(o)) {
        (Some(x), _) if x <= 0.0 => out.push(if id {
            format!("{on} tidak menghasilkan {tname} ({src})")
        } else {
            format!("{on} produces no {tname} ({src})")
        }),
        (Some(x), ratio) => {
            let mut line = if id {
                format!("{on} menghasilkan {} t {tname} ({src})", t(x))
            } else {
                format!("{on} produced {} t of {tname} ({src})", t(x))
            };
            if let Some(r) = ratio {
                line.push_str(&if id {
                    format!(", {}× kebutuhannya sendiri", lang.number(r, 1))
                } else {
                    format!(", {}× its own consumption", lang.number(r, 1))
                });
            }
            if allocated {
                line.push_str(if id {
                    " (bagian dari angka Papua sebelum pemekaran, menurut jumlah penduduk)"
                } else {
                    " (its part of the pre-split Papua figure, by population)"
                });
            }
            out.push(line);
        }
        (None, _) => {}
    }
    if o != d
        && let (Some(selfd), Some(deficit)) = (s.self_supply(d), s.deficit_t(d))
        && selfd < 1.0
    {
        out.push(if id {
            format!(
                "{dn} hanya memenuhi {} kebutuhan {tname} sendiri dan mendatangkan sekitar {} t per tahun ({src})",
                lang.percent(selfd),
                t(deficit)
            )
        } else {
            format!(
                "{dn} grows {} of the {tname} it consumes and buys in about {} t a year ({src})",
                lang.percent(selfd),
                t(deficit)
            )
        });
    }
    match s.table.basis {
        crate::supply::Basis::Proxy => out.push(if id {
            format!(
                "Diperkirakan dari produksi {table_name}: {}",
                s.table.note_id
            )
        } else {
            format!("Estimated from {table_name} production: {}", s.table.note)
        }),
        crate::supply::Basis::Derived => out.push(if id {
            format!(
                "Dihitung dari produksi {table_name} × {}",
                lang.number(s.table.factor, 4)
            )
        } else {
            format!(
                "Computed from {table_name} production × {}",
                lang.number(s.table.factor, 4)
            )
        }),
        _ => {}
    }
    out
}

fn round4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

/// An amount in its base unit, in tons when it is mass of a ton or more.
fn fmt_amount(base: f64, unit: &str, lang: Lang) -> String {
    if unit == "kg" && base >= 1000.0 {
        format!("{} t", trim(base / 1000.0, lang))
    } else {
        format!("{} {unit}", trim(base, lang))
    }
}

/// One decimal, none when it is zero, written as the language writes numbers.
fn trim(x: f64, lang: Lang) -> String {
    let decimals = if (x * 10.0).round() % 10.0 == 0.0 {
        0
    } else {
        1
    };
    lang.number(x, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        Reference::embedded().unwrap()
    }

    fn offer(r: &Reference, province: &str, commodity: &str) -> ListingFeatures {
        ListingFeatures {
            business_key: 1,
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

    fn shallot_need(r: &Reference) -> MatchContext {
        let mut ctx = MatchContext::new(Direction::Suppliers, r.province("36").unwrap());
        ctx.commodities = vec![r.commodity("bawang_merah").unwrap()];
        ctx.amount = Some((5000.0, 1));
        ctx
    }

    #[test]
    fn a_larger_expected_share_never_lowers_the_advantage() {
        let r = reference();
        let s = Scorer::new(&r, shallot_need(&r), Weights::default());
        let c = r.commodity("bawang_merah").unwrap();
        let banten = r.province("36").unwrap();
        let supply = r.supply(c).unwrap();
        // Same distance and text: compare the advantage feature alone across provinces.
        let mut by_share: Vec<(f64, f32)> = (0..r.provinces.len())
            .filter(|&p| p != banten)
            .map(|p| {
                let mut o = offer(&r, "35", "bawang_merah");
                o.province = p;
                (supply.share(p, banten).unwrap(), s.features(&o).advantage)
            })
            .collect();
        by_share.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in by_share.windows(2) {
            assert!(w[1].1 >= w[0].1, "{w:?}");
        }
        // Central Java, the nearest large producer, leads; West Sumatra is far below.
        let adv = |code: &str| {
            let mut o = offer(&r, code, "bawang_merah");
            o.province = r.province(code).unwrap();
            s.features(&o).advantage
        };
        assert!(
            adv("33") > adv("35") && adv("35") > adv("13"),
            "{} {} {}",
            adv("33"),
            adv("35"),
            adv("13")
        );
    }

    #[test]
    fn a_province_without_a_figure_never_outranks_a_measured_producer() {
        // Eggs: a top-10 table with a stated national total; most provinces are unknown.
        let r = reference();
        let c = r.commodity("telur_ayam").unwrap();
        let supply = r.supply(c).unwrap();
        for buyer in ["36", "31", "64"] {
            let d = r.province(buyer).unwrap();
            let mut ctx = MatchContext::new(Direction::Suppliers, d);
            ctx.commodities = vec![c];
            let s = Scorer::new(&r, ctx, Weights::default());
            let adv = |p: usize| {
                let mut o = offer(&r, "35", "telur_ayam");
                o.province = p;
                s.features(&o).advantage
            };
            let measured: Vec<f32> = (0..r.provinces.len())
                .filter(|&p| p != d && supply.figure(p) == crate::supply::Figure::Measured)
                .map(adv)
                .collect();
            let lowest = measured.iter().copied().fold(f32::INFINITY, f32::min);
            let unknown: Vec<usize> = supply.unknown_origins(d);
            assert!(!unknown.is_empty() && !measured.is_empty());
            for p in unknown {
                assert!(
                    adv(p) <= lowest,
                    "{buyer}: {} {} > {lowest}",
                    r.provinces[p].code,
                    adv(p)
                );
            }
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
            assert!(
                (sum - s.score(&o)).abs() < 1e-3,
                "{p}: {sum} vs {}",
                s.score(&o)
            );
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
                .any(|x| x.contains("Jawa Timur produced 484,670 t of bawang merah (BPS 2023)")),
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
