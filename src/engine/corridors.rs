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
                    AdvantageSource::Production { year } => Some(year),
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

    /// What province `from` should bring to province `to`: commodities ranked by the
    /// opportunity (seller advantage over buyer deficit × listed supply × listed demand),
    /// with the businesses behind each.
    pub fn corridor(
        &self,
        from: &str,
        to: &str,
        limit: usize,
        lang: Lang,
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
        // The advantage term of a province: its LQ from production, else its revealed
        // comparative advantage from past deals, else neutral.
        let term = |p: usize, c: usize| {
            let a = r.advantage(p, c);
            match (a.source, revealed.get(c * np + p).copied().flatten()) {
                (AdvantageSource::Neutral, Some(rca)) => {
                    lq_term(f64::from(rca), AdvantageSource::Production { year: 0 })
                }
                _ => lq_term(a.lq, a.source),
            }
        };
        let mut rows: Vec<(f64, usize)> = (0..nc)
            .filter(|c| supply[*c] > 0)
            .map(|c| {
                let ratio = ((term(fp, c) - term(tp, c)) as f64 * 8f64.ln())
                    .exp()
                    .sqrt();
                let opportunity =
                    ratio * (2.0 + supply[c] as f64).ln() * (2.0 + demand[c] as f64).ln();
                (opportunity, c)
            })
            .collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        rows.truncate(limit);
        let (fname, tname) = (&r.provinces[fp].name, &r.provinces[tp].name);
        let mut commodities = Vec::with_capacity(rows.len());
        for (opportunity, c) in rows {
            let commodity = &r.commodities[c];
            let cname = commodity.name_id.to_lowercase();
            let (s, b) = (r.advantage(fp, c), r.advantage(tp, c));
            let mut reasons = Vec::new();
            for (name, a) in [(fname, s), (tname, b)] {
                if let AdvantageSource::Production { year } = a.source {
                    reasons.push(match lang {
                        Lang::En => format!(
                            "{name} grows {:.2}× the national per-capita amount of {cname} (BPS {year})",
                            a.lq
                        ),
                        Lang::Id => format!(
                            "{name} menghasilkan {:.2}× rata-rata nasional per kapita untuk {cname} (BPS {year})",
                            a.lq
                        ),
                    });
                }
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
            commodities.push(CorridorCommodity {
                commodity: commodity.key.clone(),
                name: commodity.name_id.clone(),
                opportunity: (opportunity * 1000.0).round() / 1000.0,
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

fn source_of(r: &Reference, province: &str, commodity: &str) -> Option<String> {
    r.production
        .iter()
        .find(|row| row.province_code == province && row.commodity == commodity)
        .map(|row| row.source.clone())
        .or_else(|| {
            r.production
                .iter()
                .find(|row| row.commodity == commodity)
                .map(|row| format!("national total from: {}", row.source))
        })
}
