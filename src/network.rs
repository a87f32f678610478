//! The deal network as the engine keeps it: the graph (`graph`), the map from business ids
//! to store keys, and each seller's prior (the part of the relationship feature that depends
//! on the seller alone), so the scorer can give every candidate its exact relationship
//! feature from a flat array instead of a graph query per document.
//!
//! For a requester R and a candidate C, the relationship feature is
//! `penalty × (prior[seller] + province_part + direct + common)`; only the pairs in R's
//! neighbourhood (partners, and partners of partners) have a `direct`, `common` or penalty
//! of their own, and those are computed from the graph per request. Everyone else's feature
//! is `prior[seller] + province_part`, read from arrays. Derived from the store; updated in
//! place when a deal is recorded.
//!
//! Start-up reads a snapshot of the built graph (`DATA/network.snapshot`, see
//! `graph::snapshot`) instead of every deal: it holds the deals up to a change sequence, the
//! store is asked whether it still has exactly those, and the deals written since are
//! applied on top. A missing, damaged or stale snapshot means a rebuild from the store.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
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
    /// The last change sequence of the deals read from the store (at a build or a
    /// [`Network::catch_up`]); a deal at or below it is already in (SQLite commits writes
    /// one at a time, in sequence order).
    pub built_seq: u64,
    /// Deals above `built_seq` recorded in place since (writers may arrive out of order).
    pub applied_above: HashSet<u64>,
}

/// What [`Network::open`] did.
#[derive(Debug, Clone, Default)]
pub struct NetworkOpen {
    /// Whether the graph came from the snapshot.
    pub from_snapshot: bool,
    /// Deals written after the snapshot and applied on top of it.
    pub applied: u64,
    /// Why the snapshot was not used, when it was not.
    pub rebuilt_because: Option<String>,
}

/// The snapshot's own header: the sequence it holds deals up to and the deals skipped.
const HEADER_LEN: usize = 16;

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
        let (np, nc) = (reference.provinces.len(), reference.commodities.len());
        // The bulk build sorts instead of looking each pair up; it stops at a deal the graph
        // cannot take (none, for deals the store validated), and then deals go in one by one.
        let graph = match DealGraph::build(np, nc, edges) {
            Ok(graph) => graph,
            Err(_) => {
                let mut graph = DealGraph::new(np, nc);
                skipped = 0;
                store.deal_rows(|row| {
                    if edge(reference, row).is_none_or(|e| graph.add(e).is_err()) {
                        skipped += 1;
                    }
                    Ok(())
                })?;
                graph.refresh_centrality();
                graph
            }
        };
        Network::finish(reference, store, graph, skipped, built_seq)
    }

    fn finish(
        reference: &Reference,
        store: &Store,
        graph: DealGraph,
        skipped: u64,
        built_seq: u64,
    ) -> crate::Result<Network> {
        let mut network = Network {
            graph,
            keys: HashMap::new(),
            ids: HashMap::new(),
            priors: Arc::new(Vec::new()),
            revealed: Arc::new(Vec::new()),
            skipped,
            built_seq,
            applied_above: HashSet::new(),
        };
        network.refresh_businesses(reference, store)?;
        network.recompute_revealed();
        Ok(network)
    }

    /// The network from its snapshot at `path` and the deals written since, or — when the
    /// snapshot is missing, damaged, of another catalog or not what the store holds — built
    /// from the store.
    pub fn open(
        reference: &Reference,
        store: &Store,
        path: &Path,
    ) -> crate::Result<(Network, NetworkOpen)> {
        match Network::load(reference, store, path) {
            Ok((network, applied)) => Ok((
                network,
                NetworkOpen {
                    from_snapshot: true,
                    applied,
                    rebuilt_because: None,
                },
            )),
            Err(why) => Ok((
                Network::build(reference, store)?,
                NetworkOpen {
                    from_snapshot: false,
                    applied: 0,
                    rebuilt_because: Some(why),
                },
            )),
        }
    }

    fn load(
        reference: &Reference,
        store: &Store,
        path: &Path,
    ) -> std::result::Result<(Network, u64), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (graph, header) = DealGraph::from_snapshot(&bytes).map_err(|e| e.to_string())?;
        drop(bytes);
        if graph.province_flows().provinces() != reference.provinces.len()
            || graph.province_flows().commodities() != reference.commodities.len()
        {
            return Err("the snapshot is of another catalog".into());
        }
        let word = |i: usize| -> u64 {
            let mut a = [0u8; 8];
            if let Some(b) = header.get(i * 8..i * 8 + 8) {
                a.copy_from_slice(b);
            }
            u64::from_le_bytes(a)
        };
        if header.len() != HEADER_LEN {
            return Err("the snapshot's header".into());
        }
        let (built_seq, skipped) = (word(0), word(1));
        let stored = store
            .deal_count_upto(built_seq)
            .map_err(|e| e.to_string())?;
        if stored != graph.deal_count() as u64 + skipped {
            return Err(format!(
                "the store holds {stored} deals up to change {built_seq}, the snapshot {}",
                graph.deal_count() as u64 + skipped
            ));
        }
        let mut network = Network::finish(reference, store, graph, skipped, built_seq)
            .map_err(|e| e.to_string())?;
        let applied = network
            .catch_up(reference, store)
            .map_err(|e| e.to_string())?;
        Ok((network, applied))
    }

    /// Applies the store's deals written after `built_seq` that are not in the graph yet and
    /// moves `built_seq` to the last of them. Returns how many were applied.
    pub fn catch_up(&mut self, reference: &Reference, store: &Store) -> crate::Result<u64> {
        let mut applied = 0;
        let mut last = self.built_seq;
        let mut rows = Vec::new();
        store.deal_rows_after(self.built_seq, |row| {
            last = last.max(row.seq);
            if !self.applied_above.contains(&row.seq) {
                rows.push(row);
            }
            Ok(())
        })?;
        let sellers: HashSet<String> = rows.iter().map(|r| r.seller.clone()).collect();
        for row in rows {
            if edge(reference, row).is_some_and(|e| self.graph.add(e).is_ok()) {
                applied += 1;
            } else {
                self.skipped += 1;
            }
        }
        self.built_seq = last;
        self.applied_above.clear();
        if applied > 0 {
            if self.graph.centrality_is_stale() {
                self.graph.refresh_centrality();
                self.recompute_priors();
            } else {
                for s in &sellers {
                    self.set_prior(s);
                }
            }
            self.recompute_revealed();
        }
        Ok(applied)
    }

    /// Writes the snapshot to `path` (a new file renamed over the old one, so a crash leaves
    /// either), after catching up with the store so that it holds exactly the store's deals
    /// up to its sequence.
    pub fn save(&mut self, reference: &Reference, store: &Store, path: &Path) -> crate::Result<()> {
        self.catch_up(reference, store)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(&self.built_seq.to_le_bytes());
        header.extend_from_slice(&self.skipped.to_le_bytes());
        let bytes = self.graph.to_snapshot(&header);
        let tmp = path.with_extension("snapshot-new");
        let io = |e: std::io::Error| crate::Error::io(format!("writing {}", tmp.display()), e);
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Reads the businesses' keys and provinces from the store again (after an import) and
    /// recomputes the priors, which are kept by key.
    pub fn refresh_businesses(
        &mut self,
        reference: &Reference,
        store: &Store,
    ) -> crate::Result<()> {
        let mut keys = HashMap::new();
        let mut ids = HashMap::new();
        store.business_keys(|id, key, province| {
            keys.insert(id.to_string(), key);
            if let Some(p) = reference.province(province) {
                ids.insert(key, (id.to_string(), p));
            }
        })?;
        self.keys = keys;
        self.ids = ids;
        self.recompute_priors();
        Ok(())
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
        if seq <= self.built_seq || !self.applied_above.insert(seq) {
            return; // read from the store already, by a build or a catch-up
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
