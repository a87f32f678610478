//! The deal network as the engine keeps it: the graph (`graph`), the map from business ids
//! to store keys, and each seller's prior (the part of the relationship feature that depends
//! on the seller alone), so the scorer can give every candidate its exact relationship
//! feature from a flat array instead of a graph query per document.
//!
//! For a requester R and a candidate C, the relationship feature is
//! `penalty × (prior[seller] + province_part + direct + common)`; only the pairs in R's
//! neighbourhood (partners, and partners of partners) have a `direct`, `common` or penalty
//! of their own, and those are computed from the graph per request. Everyone else's feature
//! is `prior[seller] + province_part`, read from arrays. Derived from the store and rebuilt
//! on start; updated in place when a deal is recorded.

use std::collections::HashMap;
use std::sync::Arc;

use crate::graph::{DealEdge, DealGraph, Status};
use crate::model::{Deal, DealStatus, parse_date};
use crate::reference::Reference;
use crate::store::{DealRow, Store};

/// At most this many businesses get pair-specific signals per request; beyond it (a hub's
/// partners of partners) the rest get the seller-and-province part only.
pub const NEIGHBOURHOOD_CAP: usize = 20_000;

pub struct Network {
    pub graph: DealGraph,
    /// Business id → store key.
    pub keys: HashMap<String, u64>,
    /// Store key → business id and province index, for the reverse look-up.
    pub ids: HashMap<u64, (String, usize)>,
    /// The seller prior by store key (0 for keys without deals).
    pub priors: Arc<Vec<f32>>,
    /// Deals the store holds that the graph does not (a party deleted before the start).
    pub skipped: u64,
    /// Balassa's revealed comparative advantage from past deals, `[c * provinces + p]`,
    /// where deals show any: the fallback where production figures are missing.
    pub revealed: Arc<Vec<Option<f32>>>,
    /// The last change sequence of the deals read when the network was built; a deal at or
    /// below it is already in (SQLite commits writes one at a time, in sequence order).
    pub built_seq: u64,
}

/// Today as days since 1970-01-01, the reference day of the decay.
pub fn today() -> i32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i32)
        .unwrap_or(0)
}

fn status(s: &str) -> Option<Status> {
    match DealStatus::parse(s)? {
        DealStatus::Completed => Some(Status::Completed),
        DealStatus::Failed => Some(Status::Failed),
        DealStatus::Mou => Some(Status::Mou),
    }
}

/// A stored deal as a graph edge, when both parties' provinces are known.
pub fn edge(reference: &Reference, row: DealRow) -> Option<DealEdge> {
    Some(DealEdge {
        buyer_province: reference.province(row.buyer_province.as_deref()?)? as u8,
        seller_province: reference.province(row.seller_province.as_deref()?)? as u8,
        commodity: reference.commodity(&row.commodity)? as u16,
        value_idr: row.value_idr,
        qty_kg: None,
        day: parse_date(&row.date)? as i32,
        status: status(&row.status)?,
        id: row.id,
        buyer: row.buyer,
        seller: row.seller,
    })
}

impl Network {
    /// Builds the network from the store.
    pub fn build(reference: &Reference, store: &Store) -> crate::Result<Network> {
        let mut edges = Vec::new();
        let mut skipped = 0;
        let mut built_seq = 0;
        store.deal_rows(|row| {
            built_seq = built_seq.max(row.seq);
            match edge(reference, row) {
                Some(e) => edges.push(e),
                None => skipped += 1,
            }
            Ok(())
        })?;
        let mut graph = DealGraph::new(reference.provinces.len(), reference.commodities.len());
        graph.reserve(0, edges.len());
        for e in edges {
            if graph.add(e).is_err() {
                skipped += 1;
            }
        }
        graph.refresh_centrality();
        let mut keys = HashMap::new();
        let mut ids = HashMap::new();
        store.business_keys(|id, key, province| {
            keys.insert(id.to_string(), key);
            if let Some(p) = reference.province(province) {
                ids.insert(key, (id.to_string(), p));
            }
        })?;
        let mut network = Network {
            graph,
            keys,
            ids,
            priors: Arc::new(Vec::new()),
            revealed: Arc::new(Vec::new()),
            skipped,
            built_seq,
        };
        network.recompute_priors();
        network.recompute_revealed();
        Ok(network)
    }

    /// Every seller's prior, from the graph.
    pub fn recompute_priors(&mut self) {
        let today = today();
        let max = self.keys.values().copied().max().unwrap_or(0) as usize;
        let mut priors = vec![0.0f32; max + 1];
        for (id, key) in &self.keys {
            if self.graph.contains(id) {
                priors[*key as usize] = self.graph.seller_prior(id, today) as f32;
            }
        }
        self.priors = Arc::new(priors);
    }

    /// Every province's revealed comparative advantage per commodity, from the deals.
    pub fn recompute_revealed(&mut self) {
        let flows = self.graph.province_flows();
        let (np, nc) = (flows.provinces(), flows.commodities());
        let mut revealed = vec![None; np * nc];
        for c in 0..nc {
            for p in 0..np {
                revealed[c * np + p] = self.graph.rca_from_deals(p, c).map(|x| x as f32);
            }
        }
        self.revealed = Arc::new(revealed);
    }

    fn set_prior(&mut self, id: &str) {
        let Some(key) = self.keys.get(id).copied() else {
            return;
        };
        let prior = self.graph.seller_prior(id, today()) as f32;
        let priors = Arc::make_mut(&mut self.priors);
        if priors.len() <= key as usize {
            priors.resize(key as usize + 1, 0.0);
        }
        priors[key as usize] = prior;
    }

    /// Records a business (new or moved to another province).
    pub fn put_business(&mut self, id: &str, key: u64, province: usize) {
        self.keys.insert(id.to_string(), key);
        self.ids.insert(key, (id.to_string(), province));
        self.set_prior(id);
    }

    /// Records a stored deal in place: the graph, the seller's prior, and — when enough has
    /// changed — centrality and every prior.
    pub fn add_deal(
        &mut self,
        reference: &Reference,
        deal: &Deal,
        seq: u64,
        buyer_province: &str,
        seller_province: &str,
    ) {
        if seq <= self.built_seq {
            return; // a rebuild read it from the store already
        }
        let row = DealRow {
            seq,
            id: deal.id.clone().unwrap_or_default(),
            buyer: deal.buyer.clone(),
            seller: deal.seller.clone(),
            buyer_province: Some(buyer_province.to_string()),
            seller_province: Some(seller_province.to_string()),
            commodity: deal.commodity.clone(),
            value_idr: deal.value_idr,
            date: deal.date.clone(),
            status: deal.status.as_str().to_string(),
        };
        let Some(e) = edge(reference, row) else {
            self.skipped += 1;
            return;
        };
        if self.graph.add(e).is_err() {
            self.skipped += 1;
            return;
        }
        if self.graph.centrality_is_stale() {
            self.graph.refresh_centrality();
            self.recompute_priors();
            self.recompute_revealed();
        } else {
            self.set_prior(&deal.seller);
        }
    }
}
