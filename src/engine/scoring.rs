//! How a request is scored: the scorer on tables shared while the deal network's revealed
//! advantage stays the same, and the deal network's relationship feature (pair-specific for
//! the requester's neighbourhood, seller-and-province for everyone else; see `network`) with
//! the reasons it gives.

use std::sync::Arc;

use super::Engine;
use crate::network;
use crate::score::{Direction, MatchContext, Scorer, ScorerTables, Weights};

impl Engine {
    /// A scorer for the context, on tables shared by every request while the deal
    /// network's revealed advantage stays the same.
    pub(super) fn scorer(&self, ctx: MatchContext, weights: Weights) -> Scorer {
        let tables = {
            let mut cached = self.scorer_tables.lock().unwrap_or_else(|p| p.into_inner());
            match &*cached {
                Some(t) if t.is_for(&ctx.revealed) => t.clone(),
                _ => {
                    let t = Arc::new(ScorerTables::new(&self.reference, ctx.revealed.clone()));
                    *cached = Some(t.clone());
                    t
                }
            }
        };
        Scorer::with_tables(&self.reference, tables, ctx, weights)
    }

    fn province_names(&self) -> Vec<&str> {
        self.reference
            .provinces
            .iter()
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Fills the context with the deal network's relationship feature for every candidate:
    /// pair-specific signals for the requester's neighbourhood, the seller-and-province part
    /// for everyone else (see `network`).
    pub(super) fn add_relationships(&self, ctx: &mut MatchContext, requester: Option<&str>) {
        let net = self.network();
        let g = net.graph();
        let today = network::today();
        let np = self.reference.provinces.len();
        let names = self.province_names();
        let lang = ctx.lang;
        let home = ctx.province as u8;
        ctx.revealed = Some(net.revealed().clone());
        match ctx.direction {
            Direction::Suppliers => {
                ctx.relationship_prior = Some(net.priors().clone());
                ctx.relationship_prior_max = Some(net.prior_max_by_province().clone());
                ctx.relationship_province = (0..np)
                    .map(|p| g.province_part(p as u8, home) as f32)
                    .collect();
                let Some(buyer) = requester else { return };
                let bc = g.buyer_context(buyer, Some(home));
                for n in g.neighbourhood(buyer, network::NEIGHBOURHOOD_CAP) {
                    let Some(key) = net.key(n) else {
                        continue;
                    };
                    let province = net.province_of_key(key).map(|p| p as u8);
                    let sig = bc.signals(n, province, today);
                    ctx.relationship.insert(key, sig.feature());
                    let reasons = sig.reasons(lang, &names);
                    if !reasons.is_empty() {
                        ctx.relationship_reasons.insert(key, reasons);
                    }
                }
            }
            Direction::Markets => {
                let prior = requester
                    .and_then(|s| net.key(s))
                    .and_then(|k| net.priors().get(k as usize))
                    .copied()
                    .unwrap_or(0.0);
                ctx.relationship_prior = None;
                ctx.relationship_province = (0..np)
                    .map(|p| prior + g.province_part(home, p as u8) as f32)
                    .collect();
                let Some(seller) = requester else { return };
                for n in g.neighbourhood(seller, network::NEIGHBOURHOOD_CAP) {
                    let Some(key) = net.key(n) else {
                        continue;
                    };
                    let sig = g.signals(n, seller, today);
                    ctx.relationship.insert(key, sig.feature());
                    let reasons = sig.reasons_as(crate::graph::Asker::Seller, lang, &names);
                    if !reasons.is_empty() {
                        ctx.relationship_reasons.insert(key, reasons);
                    }
                }
            }
        }
    }

    /// The network's reasons for a counterpart outside the requester's neighbourhood: the
    /// seller's track record and the trade between the two provinces.
    pub(super) fn general_network_reasons(
        &self,
        ctx: &MatchContext,
        requester: Option<&str>,
        candidate: &str,
        candidate_province: usize,
    ) -> Vec<String> {
        let net = self.network();
        let g = net.graph();
        let names = self.province_names();
        let lang = ctx.lang;
        let today = network::today();
        match ctx.direction {
            Direction::Suppliers => g
                .buyer_context(requester.unwrap_or(""), Some(ctx.province as u8))
                .signals(candidate, Some(candidate_province as u8), today)
                .reasons(lang, &names),
            Direction::Markets => g
                .signals(candidate, requester.unwrap_or(""), today)
                .reasons_as(crate::graph::Asker::Seller, lang, &names),
        }
    }
}
