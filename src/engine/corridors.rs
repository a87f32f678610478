//! Province trade: the corridor from one province to another (`GET /v1/corridors`,
//! commodities ranked by the opportunity formula, with the best-placed sellers and buyers)
//! and a province's advantages (`GET /v1/provinces/{code}/advantages`).

use std::time::Instant;

use super::matching::ResolvedFilters;
use super::types::{
    AdvantagesResponse, CorridorCommodity, CorridorParty, CorridorResponse, ProvinceAdvantage,
};
use super::{Engine, elapsed_ms};
use crate::error::{Error, Result};
use crate::model::Lang;
use crate::model::ListingKind;
use crate::reference::{AdvantageSource, Reference};
use crate::score::{Direction, MatchContext, lq_term};
use crate::search::Filter;

/// What a corridor's ranking may use (`GET /v1/corridors?evidence=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Official statistics, then the directory's listing counts and past deals for goods no
    /// table measures.
    All,
    /// Official statistics alone: production tables, KBKI ancestors and manufacturing by
    /// province. What a measurement against real trade must use when the directory's data
    /// was generated from that trade.
    Statistics,
}

impl Engine {
    /// A province's location quotients, strongest first.
    pub fn advantages(&self, code: &str) -> Result<AdvantagesResponse> {
        let r = &self.reference;
        let p = r.province(code).ok_or_else(|| Error::NotFound {
            what: "province",
            id: code.to_string(),
        })?;
        let revealed = self.network().revealed().clone();
        let np = r.provinces.len();
        let advantages = r
            .advantages_of(p)
            .into_iter()
            .map(|(c, a)| ProvinceAdvantage {
                rca_deals: revealed
                    .get(c * np + p)
                    .copied()
                    .flatten()
                    .map(|x| (f64::from(x) * 1000.0).round() / 1000.0),
                commodity: r.commodities[c].key.clone(),
                name: r.commodities[c].name_id.clone(),
                lq: (a.lq * 1000.0).round() / 1000.0,
                role: if a.lq >= 1.0 { "surplus" } else { "deficit" }.to_string(),
                year: match a.source {
                    AdvantageSource::Production { year }
                    | AdvantageSource::Manufacturing { year } => Some(year),
                    AdvantageSource::Neutral => None,
                },
                source: source_of(r, code, &r.commodities[c].key),
            })
            .collect();
        Ok(AdvantagesResponse {
            province: r.provinces[p].clone(),
            advantages,
        })
    }

    /// What province `from` should bring to province `to`: commodities its firms offer,
    /// ranked by the supply model's expected share of `from` in what `to` consumes (where a
    /// production table measures them), with the businesses behind each.
    pub fn corridor(
        &self,
        from: &str,
        to: &str,
        limit: usize,
        lang: Lang,
        evidence: Evidence,
    ) -> Result<CorridorResponse> {
        let started = Instant::now();
        let r = &self.reference;
        let fp = r.require_province_named("from", from)?;
        let tp = r.require_province_named("to", to)?;
        if fp == tp {
            return Err(Error::invalid(
                "to",
                "must be another province than \"from\"",
            ));
        }
        if limit == 0 || limit > 100 {
            return Err(Error::invalid("limit", "must be from 1 to 100"));
        }
        let nc = r.commodities.len();
        let supply = self.index.count_by_commodity(
            &Filter {
                kind: Some(ListingKind::Offer),
                provinces: vec![fp],
                ..Filter::default()
            },
            nc,
        )?;
        let demand = self.index.count_by_commodity(
            &Filter {
                kind: Some(ListingKind::Need),
                provinces: vec![tp],
                ..Filter::default()
            },
            nc,
        )?;
        let (revealed, complementarity) = {
            let net = self.network();
            (net.revealed().clone(), net.graph().complementarity(fp, tp))
        };
        let np = r.provinces.len();
        let statistics = evidence == Evidence::Statistics;
        // The advantage term of a province: its LQ from production, else its revealed
        // comparative advantage from past deals, else a manufactured good's manufacturing
        // quotient, else neutral.
        let term = |p: usize, c: usize| {
            let a = r.advantage(p, c);
            let rca = revealed
                .get(c * np + p)
                .copied()
                .flatten()
                .filter(|_| !statistics);
            match (a.source, rca) {
                (AdvantageSource::Neutral | AdvantageSource::Manufacturing { .. }, Some(rca)) => {
                    lq_term(f64::from(rca), AdvantageSource::Production { year: 0 })
                }
                _ => lq_term(a.lq, a.source),
            }
        };
        // Three tiers, each by its own measure: commodities the supply model expects `from`
        // to sell to `to` at 1 % or more of what `to` consumes, by that share; then those no
        // production table measures, by the old opportunity (listings, and the revealed
        // advantage from past deals); then the measured ones below 1 %. A commodity with no
        // figure never outranks one the figures say `from` sells; one the figures say it
        // hardly sells does not crowd out what its firms list.
        let mut rows: Vec<(u8, f64, usize)> = (0..nc)
            .filter(|c| supply[*c] > 0)
            .map(|c| {
                let listings = if statistics {
                    1.0
                } else {
                    (2.0 + supply[c] as f64).ln() * (2.0 + demand[c] as f64).ln()
                };
                match r.supply(c).and_then(|s| s.pair_value(fp, tp, true)) {
                    Some(v) if v >= 0.01 => (0, v, c),
                    Some(v) => (2, v, c),
                    None => {
                        let ratio = ((term(fp, c) - term(tp, c)) as f64 * 8f64.ln())
                            .exp()
                            .sqrt();
                        (1, ratio * listings, c)
                    }
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            let by_listings = if statistics {
                std::cmp::Ordering::Equal
            } else {
                demand[b.2]
                    .cmp(&demand[a.2])
                    .then(supply[b.2].cmp(&supply[a.2]))
            };
            a.0.cmp(&b.0)
                .then(b.1.total_cmp(&a.1))
                .then(by_listings)
                .then(a.2.cmp(&b.2))
        });
        rows.truncate(limit);
        let (fname, tname) = (&r.provinces[fp].name, &r.provinces[tp].name);
        let mut commodities = Vec::with_capacity(rows.len());
        for (tier, opportunity, c) in rows {
            let commodity = &r.commodities[c];
            let cname = commodity.name_id.to_lowercase();
            let (s, b) = (r.advantage(fp, c), r.advantage(tp, c));
            let mut reasons = Vec::new();
            if r.supply(c).is_some() {
                reasons.extend(crate::score::supply_reasons(r, c, fp, tp, lang));
            } else {
                if let AdvantageSource::Manufacturing { year } = s.source {
                    reasons.push(crate::score::manufacturing_reason(
                        &cname, fname, s.lq, year, lang,
                    ));
                    reasons.push(crate::score::manufacturing_reason(
                        &cname, tname, b.lq, year, lang,
                    ));
                }
                reasons.push(match (lang, statistics) {
                    (Lang::En, false) => format!(
                        "No production table measures {cname}: ranked by the listings and past deals"
                    ),
                    (Lang::Id, false) => format!(
                        "Belum ada tabel produksi untuk {cname}: diurutkan menurut daftar penawaran/kebutuhan dan transaksi sebelumnya"
                    ),
                    (Lang::En, true) => format!(
                        "No production table measures {cname}: ranked by official statistics only (no listing counts, no past deals)"
                    ),
                    (Lang::Id, true) => format!(
                        "Belum ada tabel produksi untuk {cname}: diurutkan hanya menurut statistik resmi (tanpa jumlah daftar dan transaksi)"
                    ),
                });
            }
            reasons.push(match lang {
                Lang::En => format!(
                    "{} offers of {cname} listed in {fname}, {} needs in {tname}",
                    supply[c], demand[c]
                ),
                Lang::Id => format!(
                    "{} penawaran {cname} terdaftar di {fname}, {} kebutuhan di {tname}",
                    supply[c], demand[c]
                ),
            });
            let mut ctx = MatchContext::new(Direction::Suppliers, tp);
            ctx.commodities = vec![c];
            ctx.lang = lang;
            self.add_relationships(&mut ctx, None);
            let only_from = ResolvedFilters {
                provinces: vec![fp],
                ..ResolvedFilters::default()
            };
            let (_, sellers) =
                self.rank_partners(ctx, "", None, &only_from, self.default_weights, 5)?;
            let mut ctx = MatchContext::new(Direction::Markets, fp);
            ctx.commodities = vec![c];
            ctx.lang = lang;
            self.add_relationships(&mut ctx, None);
            let only_to = ResolvedFilters {
                provinces: vec![tp],
                ..ResolvedFilters::default()
            };
            let (_, buyers) =
                self.rank_partners(ctx, "", None, &only_to, self.default_weights, 5)?;
            let sup = r.supply(c);
            commodities.push(CorridorCommodity {
                commodity: commodity.key.clone(),
                name: commodity.name_id.clone(),
                opportunity: (opportunity * 100_000.0).round() / 100_000.0,
                basis: if tier == 1 {
                    "listings"
                } else {
                    "supply_model"
                }
                .to_string(),
                expected_share: sup
                    .and_then(|s| s.pair_value(fp, tp, true))
                    .map(|v| (v * 100_000.0).round() / 100_000.0),
                share_of_imports: sup
                    .and_then(|s| s.share(fp, tp))
                    .map(|v| (v * 100_000.0).round() / 100_000.0),
                seller_lq: (s.source != AdvantageSource::Neutral)
                    .then_some((s.lq * 1000.0).round() / 1000.0),
                buyer_lq: (b.source != AdvantageSource::Neutral)
                    .then_some((b.lq * 1000.0).round() / 1000.0),
                offers: supply[c],
                needs: demand[c],
                reasons,
                sellers: sellers
                    .into_iter()
                    .map(|m| CorridorParty {
                        business: m.business,
                        listing: m.listing,
                    })
                    .collect(),
                buyers: buyers
                    .into_iter()
                    .map(|m| CorridorParty {
                        business: m.business,
                        listing: m.listing,
                    })
                    .collect(),
            });
        }
        Ok(CorridorResponse {
            took_ms: elapsed_ms(started),
            from: r.provinces[fp].code.clone(),
            to: r.provinces[tp].code.clone(),
            complementarity: complementarity.map(|x| (x * 100.0).round() / 100.0),
            commodities,
        })
    }
}

/// The source of the table a commodity's figure comes from (the province's row when it has
/// one: sources may differ by row within a table).
fn source_of(r: &Reference, province: &str, commodity: &str) -> Option<String> {
    let c = r.commodity(commodity)?;
    let table = &r.supply(c)?.table;
    r.production
        .iter()
        .find(|row| {
            row.province_code == province && row.commodity == table.key && row.year == table.year
        })
        .map(|row| row.source.clone())
        .or_else(|| Some(table.source.clone()))
}
