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
//! # Snapshots
//!
//! Start-up reads a snapshot of the network (`DATA/network.snapshot`, written by
//! [`Network::write_snapshot`]) instead of every deal, so it takes about as long at 5 M deals
//! as at a few. The file holds a small header — the change sequence S the graph holds every deal up
//! to, the deals above S it took in place, how many deals it skipped, a fingerprint of the
//! catalog — then the graph ([`DealGraph::write_snapshot`]). [`Network::open`] uses it only
//! when the store agrees: no older than the snapshot, as many deals at or below S as the
//! snapshot holds, the deals taken in place still at their sequences, and every business of
//! the graph still stored, in the province the graph has, and no business whose deals were
//! skipped (its party deleted) stored again: any of those changes what a build would give. The deals written since are applied on top in sequence order.
//! Anything else — no file, a damaged or truncated one, another format version or catalog, a
//! stale one — means a build from the store, and [`NetworkOpen`] says why. The business keys,
//! priors and revealed advantage are always derived afresh (the keys are read from the store
//! while the graph is read from the file).

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::graph::{Checksum, DealEdge, DealGraph};
use crate::model::{Deal, DealStatus, parse_date};
use crate::reference::Reference;
use crate::store::{DealRow, Store};

/// At most this many businesses get pair-specific signals per request; beyond it (a hub's
/// partners of partners) the rest get the seller-and-province part only.
pub const NEIGHBOURHOOD_CAP: usize = 20_000;

/// The deal network. Its fields are private so that only its own methods change them:
/// deals go in through [`Network::add_deal`] (in place, once) and [`Network::catch_up`] (from
/// the store), businesses through [`Network::put_business`] and
/// [`Network::refresh_businesses`]; everyone else reads through the accessors below.
///
/// **Invariant:** derived from the store. A deal recorded in place is skipped if a build or a
/// catch-up already read it (its sequence at or below `built_seq`, or in `applied_above`), so
/// no deal is counted twice; `skipped`, `moved` and `skipped_parties` say how far the graph is
/// from what a build would give, which decides whether its snapshot can be used.
pub struct Network {
    graph: DealGraph,
    /// Business id → store key.
    keys: HashMap<String, u64>,
    /// Store key → business id and province index, for the reverse look-up.
    ids: HashMap<u64, (String, usize)>,
    /// The seller prior by store key (0 for keys without deals).
    priors: Arc<Vec<f32>>,
    /// An upper bound of the priors of each province's businesses, by province index: exact
    /// when the priors are computed, raised (never lowered) as single priors change. The
    /// ranking skips provinces whose best possible score cannot enter the top k.
    prior_max: Arc<Vec<f32>>,
    /// Deals the store holds that the graph does not (a party deleted before they were
    /// read, a deal the graph refused).
    skipped: u64,
    /// Balassa's revealed comparative advantage from past deals, `[c * provinces + p]`,
    /// where deals show any: the fallback where production figures are missing.
    revealed: Arc<Vec<Option<f32>>>,
    /// The last change sequence of the deals read from the store (at a build, a load or a
    /// [`Network::catch_up`]); a deal at or below it is already in (SQLite commits writes
    /// one at a time, in sequence order).
    built_seq: u64,
    /// Deals above `built_seq` recorded in place since (writers may arrive out of order),
    /// taken or skipped.
    applied_above: HashSet<u64>,
    /// Businesses of the graph seen deleted from the store or in another province than the
    /// graph's since it was built, and businesses of `skipped_parties` seen stored again (at
    /// least this many): the graph is no longer what a build would give, so a snapshot with
    /// any is not used.
    moved: u64,
    /// The parties that made deals skip: not stored (deleted) or in a province outside the
    /// catalog when the deal was read. Were one stored again, a build would take its deals.
    skipped_parties: HashSet<String>,
    /// [`Reference::catalog_fingerprint`] of the reference the graph's indices are of.
    catalog: u64,
}

impl Network {
    /// The deal graph, to read: it changes only through the network's own methods.
    pub fn graph(&self) -> &DealGraph {
        &self.graph
    }

    /// A business's store key.
    pub fn key(&self, id: &str) -> Option<u64> {
        self.keys.get(id).copied()
    }

    /// The province index of the business with store key `key` (businesses in a catalog
    /// province only).
    pub fn province_of_key(&self, key: u64) -> Option<usize> {
        self.ids.get(&key).map(|(_, p)| *p)
    }

    /// The seller prior by store key (0 for keys without deals).
    pub fn priors(&self) -> &Arc<Vec<f32>> {
        &self.priors
    }

    /// An upper bound of the seller priors of each province's businesses, by province index.
    pub fn prior_max_by_province(&self) -> &Arc<Vec<f32>> {
        &self.prior_max
    }

    /// Revealed comparative advantage from past deals, `[c * provinces + p]`.
    pub fn revealed(&self) -> &Arc<Vec<Option<f32>>> {
        &self.revealed
    }

    /// The last change sequence of the deals read from the store: every deal at or below it
    /// is in the graph or counted in [`Network::skipped`].
    pub fn built_seq(&self) -> u64 {
        self.built_seq
    }

    /// Deals the store holds that the graph does not.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
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

/// First bytes of a network snapshot, and the layout version of its header (the graph's
/// part has its own, [`crate::graph::SNAPSHOT_VERSION`]).
const SNAPSHOT_MAGIC: [u8; 8] = *b"JALINNET";
const SNAPSHOT_VERSION: u32 = 1;
/// u64 fields in the fixed part of the header, after the magic, version and reserved word;
/// the last is the length of the variable part (the deals taken in place, the skipped
/// parties), which the header's checksum follows.
const HEADER_WORDS: usize = 10;
const FIXED_HEADER: usize = 16 + 8 * HEADER_WORDS;

/// Today as days since 1970-01-01, the reference day of the decay.
pub fn today() -> i32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i32)
        .unwrap_or(0)
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
        status: DealStatus::parse(&row.status)?,
        id: row.id,
        buyer: row.buyer,
        seller: row.seller,
    })
}

/// [`edge`], noting in `absent` the parties that make it fail: not stored, or in a province
/// outside the catalog.
fn edge_or_note(
    reference: &Reference,
    row: DealRow,
    absent: &mut HashSet<String>,
) -> Option<DealEdge> {
    let gone = |p: &Option<String>| p.as_deref().and_then(|c| reference.province(c)).is_none();
    if gone(&row.buyer_province) {
        absent.insert(row.buyer.clone());
    }
    if gone(&row.seller_province) {
        absent.insert(row.seller.clone());
    }
    edge(reference, row)
}

type Keys = HashMap<String, u64>;
type Ids = HashMap<u64, (String, usize)>;

/// Every business's key and province, from the store; `hint` is how many there probably are.
fn read_businesses(
    reference: &Reference,
    store: &Store,
    hint: usize,
) -> crate::Result<(Keys, Ids)> {
    let mut keys = HashMap::with_capacity(hint);
    let mut ids = HashMap::with_capacity(hint);
    store.business_keys_unordered(|id, key, province| {
        keys.insert(id.to_string(), key);
        if let Some(p) = reference.province(province) {
            ids.insert(key, (id.to_string(), p));
        }
    })?;
    Ok((keys, ids))
}

/// The network's own fields in a snapshot, before the graph.
#[derive(Debug, Clone, PartialEq)]
struct Header {
    built_seq: u64,
    skipped: u64,
    /// Deals in the graph.
    deals: u64,
    moved: u64,
    provinces: u64,
    commodities: u64,
    catalog: u64,
    /// Business keys when it was written: room to make for them when reading them again.
    businesses: u64,
    /// `applied_above`, ascending.
    above: Vec<u64>,
    skipped_parties: HashSet<String>,
}

impl Header {
    fn to_bytes(&self) -> Vec<u8> {
        let mut rest = Vec::with_capacity(8 * self.above.len() + 8);
        for x in &self.above {
            rest.extend_from_slice(&x.to_le_bytes());
        }
        let mut parties: Vec<&String> = self.skipped_parties.iter().collect();
        parties.sort_unstable();
        rest.extend_from_slice(&(parties.len() as u64).to_le_bytes());
        for id in parties {
            rest.extend_from_slice(&(id.len() as u64).to_le_bytes());
            rest.extend_from_slice(id.as_bytes());
        }
        let mut b = Vec::with_capacity(FIXED_HEADER + rest.len() + 8);
        b.extend_from_slice(&SNAPSHOT_MAGIC);
        b.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        let words: [u64; HEADER_WORDS] = [
            self.built_seq,
            self.skipped,
            self.deals,
            self.moved,
            self.provinces,
            self.commodities,
            self.catalog,
            self.businesses,
            self.above.len() as u64,
            rest.len() as u64,
        ];
        for x in words {
            b.extend_from_slice(&x.to_le_bytes());
        }
        b.extend_from_slice(&rest);
        let sum = Checksum::of(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        b
    }

    /// Reads a header from a file of `len` bytes; `Err` says what is wrong with it.
    fn read(r: &mut impl Read, len: u64) -> Result<Header, String> {
        let u64_at = |b: &[u8], at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[at..at + 8]);
            u64::from_le_bytes(a)
        };
        let io = |e: std::io::Error| format!("reading it: {e}");
        let mut fixed = [0u8; FIXED_HEADER];
        r.read_exact(&mut fixed).map_err(io)?;
        if fixed[..8] != SNAPSHOT_MAGIC {
            return Err("not a jalin network snapshot".into());
        }
        let version = u64_at(&fixed, 8) as u32;
        if version != SNAPSHOT_VERSION {
            return Err(format!(
                "format version {version}, this build reads version {SNAPSHOT_VERSION}"
            ));
        }
        let word = |i: usize| u64_at(&fixed, 16 + 8 * i);
        let rest_len = word(HEADER_WORDS - 1);
        if rest_len > len.saturating_sub(FIXED_HEADER as u64 + 8) {
            return Err("damaged header".into());
        }
        let mut rest = vec![0u8; rest_len as usize + 8];
        r.read_exact(&mut rest).map_err(io)?;
        let (rest, sum) = rest.split_at(rest_len as usize);
        let mut c = Checksum::new();
        c.update(&fixed);
        c.update(rest);
        if c.finish() != u64_at(sum, 0) {
            return Err("damaged header".into());
        }
        // The variable part, every length checked against what is left of it.
        let damaged = || "damaged header".to_string();
        let mut at = 0usize;
        let mut take = |n: u64| -> Result<&[u8], String> {
            let n = usize::try_from(n).map_err(|_| damaged())?;
            let end = at.checked_add(n).filter(|&e| e <= rest.len());
            let end = end.ok_or_else(damaged)?;
            let b = &rest[at..end];
            at = end;
            Ok(b)
        };
        let above = take(word(8).checked_mul(8).ok_or_else(damaged)?)?
            .chunks_exact(8)
            .map(|w| u64_at(w, 0))
            .collect();
        let parties = u64_at(take(8)?, 0);
        let mut skipped_parties = HashSet::new();
        for _ in 0..parties {
            let n = u64_at(take(8)?, 0);
            let id = std::str::from_utf8(take(n)?).map_err(|_| damaged())?;
            skipped_parties.insert(id.to_string());
        }
        if at != rest.len() {
            return Err(damaged());
        }
        Ok(Header {
            built_seq: word(0),
            skipped: word(1),
            deals: word(2),
            moved: word(3),
            provinces: word(4),
            commodities: word(5),
            catalog: word(6),
            businesses: word(7),
            above,
            skipped_parties,
        })
    }
}

/// Temporary snapshot files are unique per save, so two saves at once cannot mix.
static SAVES: AtomicU64 = AtomicU64::new(0);

impl Network {
    /// Builds the network from the store.
    pub fn build(reference: &Reference, store: &Store) -> crate::Result<Network> {
        let mut edges = Vec::new();
        let mut skipped = 0;
        let mut built_seq = 0;
        let mut absent = HashSet::new();
        store.deal_rows(|row| {
            built_seq = built_seq.max(row.seq);
            match edge_or_note(reference, row, &mut absent) {
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
        let mut network = Network::of(reference, graph, skipped, built_seq);
        network.skipped_parties = absent;
        (network.keys, network.ids) = read_businesses(reference, store, 0)?;
        network.recompute_priors();
        network.recompute_revealed();
        Ok(network)
    }

    fn of(reference: &Reference, graph: DealGraph, skipped: u64, built_seq: u64) -> Network {
        Network {
            graph,
            keys: HashMap::new(),
            ids: HashMap::new(),
            priors: Arc::new(Vec::new()),
            prior_max: Arc::new(Vec::new()),
            revealed: Arc::new(Vec::new()),
            skipped,
            built_seq,
            applied_above: HashSet::new(),
            moved: 0,
            skipped_parties: HashSet::new(),
            catalog: reference.catalog_fingerprint(),
        }
    }

    /// The network from its snapshot at `path` and the deals written since, or — when the
    /// snapshot is missing, damaged, of another format version or catalog, or not what the
    /// store holds — built from the store. Errors are the store's only.
    pub fn open(
        reference: &Reference,
        store: &Store,
        path: &Path,
    ) -> crate::Result<(Network, NetworkOpen)> {
        let (network, how) = match Network::load(reference, store, path)? {
            Ok((network, applied)) => (
                network,
                NetworkOpen {
                    from_snapshot: true,
                    applied,
                    ..NetworkOpen::default()
                },
            ),
            Err(why) => (
                Network::build(reference, store)?,
                NetworkOpen {
                    rebuilt_because: Some(why),
                    ..NetworkOpen::default()
                },
            ),
        };
        Ok((network, how))
    }

    /// The snapshot and the deals after it, or why not; the outer error is the store's.
    fn load(
        reference: &Reference,
        store: &Store,
        path: &Path,
    ) -> crate::Result<Result<(Network, u64), String>> {
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Err(format!("no snapshot at {}", path.display())));
            }
            Err(e) => return Ok(Err(format!("{}: {e}", path.display()))),
        };
        let len = file.metadata().map_or(0, |m| m.len());
        let header = match Header::read(&mut file, len) {
            Ok(h) => h,
            Err(why) => return Ok(Err(format!("snapshot {}: {why}", path.display()))),
        };
        let (np, nc) = (reference.provinces.len(), reference.commodities.len());
        if header.provinces != np as u64
            || header.commodities != nc as u64
            || header.catalog != reference.catalog_fingerprint()
        {
            return Ok(Err(format!(
                "the snapshot is of another catalog ({} provinces and {} commodities, now {np} \
                 and {nc})",
                header.provinces, header.commodities
            )));
        }
        if header.moved > 0 {
            return Ok(Err(format!(
                "{} businesses had been deleted or moved province when it was written",
                header.moved
            )));
        }
        // The store must hold exactly the deals the snapshot does up to its sequence (and be
        // no older copy, which could hold as many); then the graph is read from the file
        // while the business keys are read from the store.
        let last = store.last_seq()?;
        let top = header
            .above
            .iter()
            .copied()
            .fold(header.built_seq, u64::max);
        if last < top {
            return Ok(Err(format!(
                "the store's changes end at {last}, the snapshot's at {top} (an older copy of \
                 the store?)"
            )));
        }
        // Three reads side by side (each a connection of its own): the count of the store's
        // deals up to S (a scan of the seq index, over a second when not cached), the
        // businesses' keys, and the graph from the file.
        let hint = header.businesses.min(1 << 24) as usize;
        let started = std::time::Instant::now();
        let timed = |t: std::time::Instant| t.elapsed().as_secs_f64();
        let (upto, store_side, graph, times) = std::thread::scope(|s| {
            let upto = s.spawn(|| {
                let t = std::time::Instant::now();
                (store.deal_count_upto(header.built_seq), timed(t))
            });
            let store_side = s.spawn(|| {
                let t = std::time::Instant::now();
                (read_businesses(reference, store, hint), timed(t))
            });
            let graph = DealGraph::read_snapshot(&mut file);
            let trailing = !matches!(file.read(&mut [0u8; 1]), Ok(0));
            let graph_seconds = timed(started);
            let (upto, upto_seconds) = upto.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            let (store_side, keys_seconds) = store_side
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let times = [graph_seconds, keys_seconds, upto_seconds];
            (upto, store_side, graph.map(|g| (g, trailing)), times)
        });
        let read_seconds = timed(started);
        let upto = upto?;
        let held = header.deals.checked_add(header.skipped);
        if upto.checked_add(header.above.len() as u64) != held {
            return Ok(Err(format!(
                "the store holds {upto} deals up to change {}, the snapshot {}",
                header.built_seq,
                held.map_or(0, |h| h.saturating_sub(header.above.len() as u64))
            )));
        }
        let (keys, ids) = store_side?;
        let graph = match graph {
            Ok((_, true)) => {
                return Ok(Err(format!("snapshot {}: trailing bytes", path.display())));
            }
            Ok((g, false)) => g,
            Err(e) => return Ok(Err(format!("snapshot {}: {e}", path.display()))),
        };
        let flows = graph.province_flows();
        if graph.deal_count() as u64 != header.deals
            || flows.provinces() != np
            || flows.commodities() != nc
        {
            return Ok(Err(format!("snapshot {}: inconsistent", path.display())));
        }
        let mut network = Network::of(reference, graph, header.skipped, header.built_seq);
        network.applied_above = header.above.into_iter().collect();
        (network.keys, network.ids) = (keys, ids);
        network.skipped_parties = header.skipped_parties;
        let returned = network.returned();
        if returned > 0 {
            return Ok(Err(format!(
                "{returned} businesses whose deals the snapshot skipped are stored again"
            )));
        }
        let (priors, moved) = network.priors_and_moved();
        if moved > 0 {
            return Ok(Err(format!(
                "{moved} businesses of the snapshot have been deleted or moved province since"
            )));
        }
        network.set_priors(priors);
        let priors_seconds = timed(started) - read_seconds;
        let (applied, complete, sellers) = network.apply_after(reference, store)?;
        if !complete {
            return Ok(Err(
                "a deal the network took in place has been written again since".into(),
            ));
        }
        network.after_applying(applied, &sellers);
        network.recompute_revealed();
        tracing::info!(
            "deal network from its snapshot in {:.2} s: side by side the graph {:.2} s, the \
             business keys {:.2} s and the deal count {:.2} s; then the priors {:.2} s and \
             {applied} deals after it {:.2} s",
            timed(started),
            times[0],
            times[1],
            times[2],
            priors_seconds,
            timed(started) - read_seconds - priors_seconds,
        );
        Ok(Ok((network, applied)))
    }

    /// Applies, in sequence order, the store's deals after `built_seq` that are not in
    /// `applied_above`, and moves `built_seq` to the last deal. Returns how many it applied,
    /// whether every deal of `applied_above` was still there (else one was written again,
    /// under a new sequence, and the graph holds its old version), and the sellers of the
    /// deals applied.
    fn apply_after(
        &mut self,
        reference: &Reference,
        store: &Store,
    ) -> crate::Result<(u64, bool, HashSet<String>)> {
        let (mut applied, mut found) = (0, 0);
        let mut sellers = HashSet::new();
        let mut last = self.built_seq;
        store.deal_rows_after(self.built_seq, |row| {
            last = last.max(row.seq);
            if self.applied_above.contains(&row.seq) {
                found += 1;
                return Ok(());
            }
            let seller = row.seller.clone();
            let e = edge_or_note(reference, row, &mut self.skipped_parties);
            if e.is_some_and(|e| self.graph.add(e).is_ok()) {
                applied += 1;
                sellers.insert(seller);
            } else {
                self.skipped += 1;
            }
            Ok(())
        })?;
        let complete = found == self.applied_above.len();
        self.built_seq = last;
        self.applied_above.clear();
        Ok((applied, complete, sellers))
    }

    /// After deals were applied: a new centrality snapshot and every prior when enough
    /// changed, else the priors of their sellers.
    fn after_applying(&mut self, applied: u64, sellers: &HashSet<String>) {
        if applied == 0 {
            return;
        }
        if self.graph.centrality_is_stale() {
            self.graph.refresh_centrality();
            self.recompute_priors();
        } else {
            for s in sellers {
                self.set_prior(s);
            }
        }
    }

    /// Applies the store's deals written after `built_seq` that are not in the graph yet and
    /// moves `built_seq` to the last of them; returns how many were applied. When the store
    /// no longer holds what the graph does (a deal written again under a new sequence, as an
    /// import may do), the network is built from the store instead.
    pub fn catch_up(&mut self, reference: &Reference, store: &Store) -> crate::Result<u64> {
        let (applied, complete, sellers) = self.apply_after(reference, store)?;
        let held = self.graph.deal_count() as u64 + self.skipped;
        if !complete || store.deal_count_upto(self.built_seq)? != held {
            *self = Network::build(reference, store)?;
            return Ok(applied);
        }
        if applied > 0 {
            self.after_applying(applied, &sellers);
            self.recompute_revealed();
        }
        Ok(applied)
    }

    /// Writes the snapshot of the network as it is to `path`, atomically: into a new file in
    /// the same directory, synced, then renamed over `path` (a crash leaves the old snapshot
    /// or the new one) and the directory synced. Needs only `&self`, so the engine can write
    /// under a read lock; deals recorded in place are listed, so nothing is applied twice.
    pub fn write_snapshot(&self, path: &Path) -> crate::Result<()> {
        let mut above: Vec<u64> = self.applied_above.iter().copied().collect();
        above.sort_unstable();
        let flows = self.graph.province_flows();
        let header = Header {
            built_seq: self.built_seq,
            skipped: self.skipped,
            deals: self.graph.deal_count() as u64,
            moved: self.moved,
            provinces: flows.provinces() as u64,
            commodities: flows.commodities() as u64,
            catalog: self.catalog,
            businesses: self.keys.len() as u64,
            above,
            skipped_parties: self.skipped_parties.clone(),
        };
        let name = path
            .file_name()
            .map_or_else(|| "network.snapshot".into(), |n| n.to_string_lossy());
        let tmp: PathBuf = path.with_file_name(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            SAVES.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&header.to_bytes())?;
            self.graph.write_snapshot(&mut file)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(crate::Error::io(
                format!("writing the deal network snapshot {}", path.display()),
                e,
            ));
        }
        // The rename is durable once the directory is; where a directory cannot be opened
        // (not Unix), the file system's own ordering is what there is.
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Ok(d) = std::fs::File::open(dir) {
            d.sync_all().map_err(|e| {
                crate::Error::io(format!("syncing the directory {}", dir.display()), e)
            })?;
        }
        Ok(())
    }

    /// Reads the businesses' keys and provinces from the store again (after an import),
    /// notes graph businesses deleted or moved since, and recomputes the priors, which are
    /// kept by key.
    pub fn refresh_businesses(
        &mut self,
        reference: &Reference,
        store: &Store,
    ) -> crate::Result<()> {
        (self.keys, self.ids) = read_businesses(reference, store, self.keys.len())?;
        let (priors, moved) = self.priors_and_moved();
        self.set_priors(priors);
        self.moved = self.moved.max(moved + self.returned());
        Ok(())
    }

    /// Businesses of `skipped_parties` that the store has again, in a catalog province.
    fn returned(&self) -> u64 {
        self.skipped_parties
            .iter()
            .filter(|id| self.keys.get(*id).is_some_and(|k| self.ids.contains_key(k)))
            .count() as u64
    }

    /// Every seller's prior, from the graph.
    fn recompute_priors(&mut self) {
        let priors = self.priors_and_moved().0;
        self.set_priors(priors);
    }

    /// Replaces every prior, and each province's maximum with them.
    fn set_priors(&mut self, priors: Vec<f32>) {
        let mut max = vec![0.0f32; self.catalog_provinces()];
        for (key, (_, p)) in &self.ids {
            if let (Some(m), Some(prior)) = (max.get_mut(*p), priors.get(*key as usize)) {
                *m = m.max(*prior);
            }
        }
        self.priors = Arc::new(priors);
        self.prior_max = Arc::new(max);
    }

    /// How many provinces the businesses' province indices range over.
    fn catalog_provinces(&self) -> usize {
        self.ids.values().map(|(_, p)| p + 1).max().unwrap_or(0)
    }

    /// Every seller's prior by key, and how many businesses of the graph the store no
    /// longer has, or has in another province: one pass over the graph's businesses.
    fn priors_and_moved(&self) -> (Vec<f32>, u64) {
        let max = self.keys.values().copied().max().unwrap_or(0) as usize;
        let mut priors = vec![0.0f32; max + 1];
        let mut moved = 0;
        for (id, province, prior) in self.graph.seller_priors(today()) {
            let Some(&key) = self.keys.get(id) else {
                moved += 1;
                continue;
            };
            priors[key as usize] = prior as f32;
            if self
                .ids
                .get(&key)
                .is_none_or(|(_, p)| *p != usize::from(province))
            {
                moved += 1;
            }
        }
        (priors, moved)
    }

    /// Every province's revealed comparative advantage per commodity, from the deals.
    fn recompute_revealed(&mut self) {
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
        if let Some(&(_, p)) = self.ids.get(&key) {
            let max = Arc::make_mut(&mut self.prior_max);
            if max.len() <= p {
                max.resize(p + 1, 0.0);
            }
            max[p] = max[p].max(prior);
        }
    }

    /// Records a business (new or moved to another province).
    pub fn put_business(&mut self, id: &str, key: u64, province: usize) {
        if self
            .graph
            .province_of(id)
            .is_some_and(|p| usize::from(p) != province)
            || self.skipped_parties.contains(id)
        {
            self.moved += 1;
        }
        self.keys.insert(id.to_string(), key);
        self.ids.insert(key, (id.to_string(), province));
        self.set_prior(id);
    }

    /// Records a stored deal in place: the graph, the seller's prior, and — when enough has
    /// changed — centrality and every prior. The engine calls it after the store's commit and
    /// before acknowledging the write; a deal a build or a catch-up already read (`seq` at or
    /// below `built_seq`) or recorded before (in `applied_above`) is skipped.
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
        let Some(e) = edge_or_note(reference, row, &mut self.skipped_parties) else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Business, BusinessKind};
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
        (rng.next_u64() % n as u64) as usize
    }

    fn business(reference: &Reference, i: usize, province: usize) -> Business {
        Business {
            id: format!("b{i}"),
            name: format!("UD {i}"),
            kind: BusinessKind::Umkm,
            province: reference.provinces[province].code.clone(),
            city: None,
            description: None,
            certifications: vec![],
            offers: vec![],
            needs: vec![],
            contacts: None,
            publish_contacts: false,
        }
    }

    fn random_deal(reference: &Reference, rng: &mut ChaCha8Rng, n: usize) -> Deal {
        let b = below(rng, n);
        let s = (b + 1 + below(rng, n - 1)) % n;
        let status = [DealStatus::Completed, DealStatus::Failed, DealStatus::Mou][below(rng, 3)];
        Deal {
            id: None,
            buyer: format!("b{b}"),
            seller: format!("b{s}"),
            commodity: reference.commodities[below(rng, 3)].key.clone(),
            value_idr: (1 + below(rng, 1000)) as f64 * 1e6,
            volume: None,
            date: format!(
                "20{}-{:02}-{:02}",
                19 + below(rng, 7),
                1 + below(rng, 12),
                1 + below(rng, 28)
            ),
            status,
            mission: None,
        }
    }

    /// Businesses `b0..b{n}` in the first three provinces, and `deals` random deals.
    fn store_with(reference: &Reference, rng: &mut ChaCha8Rng, n: usize, deals: usize) -> Store {
        let store = Store::open_temporary().unwrap();
        store
            .write(|w| {
                for i in 0..n {
                    w.put_business(&business(reference, i, i % 3))?;
                }
                for _ in 0..deals {
                    w.put_deal(&random_deal(reference, rng, n))?;
                }
                Ok(())
            })
            .unwrap();
        store
    }

    /// Records a deal as the engine does: into the store, then into the network in place.
    fn record(net: &mut Network, reference: &Reference, store: &Store, d: &Deal) -> (Deal, u64) {
        let (deal, seq) = store.write(|w| w.put_deal(d)).unwrap();
        tell(net, reference, store, &deal, seq);
        (deal, seq)
    }

    /// Tells the network about a stored deal, as the engine does after the store's commit.
    fn tell(net: &mut Network, reference: &Reference, store: &Store, deal: &Deal, seq: u64) {
        let province = |id: &str| store.get_business(id).unwrap().unwrap().province;
        net.add_deal(
            reference,
            deal,
            seq,
            &province(&deal.buyer),
            &province(&deal.seller),
        );
    }

    fn graph_bytes(g: &DealGraph) -> Vec<u8> {
        let mut b = Vec::new();
        g.write_snapshot(&mut b).unwrap();
        b
    }

    /// Everything the engine reads from the two networks is the same.
    fn assert_same(a: &Network, b: &Network) {
        assert_eq!(a.keys, b.keys);
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.priors, b.priors);
        assert_eq!(a.revealed, b.revealed);
        assert_eq!(a.skipped, b.skipped);
        assert_eq!(a.built_seq, b.built_seq);
        assert_eq!(graph_bytes(&a.graph), graph_bytes(&b.graph));
        let ids: Vec<&String> = a.keys.keys().collect();
        for x in &ids {
            assert_eq!(a.graph.ties_of(x, 10), b.graph.ties_of(x, 10));
            for y in &ids {
                assert_eq!(a.graph.signals(x, y, 20_000), b.graph.signals(x, y, 20_000));
                assert_eq!(a.graph.intro(x, y, 3), b.graph.intro(x, y, 3));
            }
        }
    }

    fn open(reference: &Reference, store: &Store, path: &Path) -> (Network, NetworkOpen) {
        Network::open(reference, store, path).unwrap()
    }

    /// The snapshot was not used, and the network is what a build gives.
    fn assert_rebuilt(reference: &Reference, store: &Store, path: &Path, why: &str) {
        let (net, how) = open(reference, store, path);
        assert!(!how.from_snapshot, "{why}: {how:?}");
        let because = how.rebuilt_because.unwrap_or_default();
        assert!(because.contains(why), "{why:?} not in {because:?}");
        assert_same(&net, &Network::build(reference, store).unwrap());
    }

    #[test]
    fn a_saved_network_opens_with_the_same_answers_and_applies_later_deals_once() {
        let reference = Reference::embedded().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 30;
        let store = store_with(&reference, &mut rng, n, 300);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.snapshot");
        let mut net = Network::build(&reference, &store).unwrap();
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        let (opened, how) = open(&reference, &store, &path);
        assert!(how.from_snapshot && how.applied == 0, "{how:?}");
        assert_same(&opened, &net);

        // Deals recorded in place (one of them out of order), and deals the network never
        // saw (a crash after the store's commit), interleaved.
        let mut deal = || random_deal(&reference, &mut rng, n);
        record(&mut net, &reference, &store, &deal());
        let unseen = store.write(|w| w.put_deal(&deal())).unwrap();
        let late = store.write(|w| w.put_deal(&deal())).unwrap();
        record(&mut net, &reference, &store, &deal());
        tell(&mut net, &reference, &store, &late.0, late.1);
        for _ in 0..3 {
            store.write(|w| w.put_deal(&deal())).unwrap();
        }
        assert!(unseen.1 < late.1);
        assert_eq!(net.applied_above.len(), 3);
        // Written as it is (as under a read lock): the deals taken in place are listed.
        net.write_snapshot(&path).unwrap();
        let (opened, how) = open(&reference, &store, &path);
        assert!(how.from_snapshot, "{how:?}");
        assert_eq!(how.applied, 4);
        assert_eq!(net.catch_up(&reference, &store).unwrap(), 4);
        assert_same(&opened, &net);

        // Saved after catching up: nothing to apply, nothing applied twice.
        record(&mut net, &reference, &store, &deal());
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        assert!(net.applied_above.is_empty());
        let (mut opened, how) = open(&reference, &store, &path);
        assert!(how.from_snapshot && how.applied == 0, "{how:?}");
        assert_same(&opened, &net);
        // And a loaded network keeps taking deals in place like the one that was saved.
        for _ in 0..5 {
            let (d, seq) = record(&mut net, &reference, &store, &deal());
            tell(&mut opened, &reference, &store, &d, seq);
        }
        assert_same(&opened, &net);
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 1, "no temporary files left");
    }

    #[test]
    fn a_missing_damaged_foreign_or_stale_snapshot_is_rebuilt_from_the_store() {
        let reference = Reference::embedded().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let n = 20;
        let store = store_with(&reference, &mut rng, n, 120);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.snapshot");
        assert_rebuilt(&reference, &store, &path, "no snapshot");
        let mut net = Network::build(&reference, &store).unwrap();
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        let good = std::fs::read(&path).unwrap();
        let with = |bytes: &[u8], why: &str| {
            std::fs::write(&path, bytes).unwrap();
            assert_rebuilt(&reference, &store, &path, why);
        };
        // Damage anywhere: the network's header, the graph's header, its arrays, its end.
        for at in [
            3,
            20,
            90,
            130,
            400,
            good.len() / 2,
            good.len() - 9,
            good.len() - 1,
        ] {
            let mut bad = good.clone();
            bad[at] ^= 0x04;
            with(&bad, "");
        }
        for cut in [0, 10, 100, good.len() / 3, good.len() - 1] {
            with(&good[..cut], "");
        }
        with(&[&good[..], b"x"].concat(), "trailing");
        let mut other = good.clone();
        other[8] = 9;
        with(&other, "version 9");
        // Another catalog: the header says so (its checksum right).
        let header = Header::read(&mut &good[..], good.len() as u64).unwrap();
        let old = header.to_bytes();
        let foreign = Header {
            commodities: header.commodities + 1,
            ..header.clone()
        };
        with(
            &[&foreign.to_bytes()[..], &good[old.len()..]].concat(),
            "catalog",
        );
        std::fs::write(&path, &good).unwrap();
        assert!(open(&reference, &store, &path).1.from_snapshot);

        // A store older than the snapshot.
        let older = store_with(&reference, &mut ChaCha8Rng::seed_from_u64(6), n, 100);
        assert_rebuilt(&reference, &older, &path, "older copy");
        // A deal of the snapshot written again (an import replacing it).
        let mut rows = Vec::new();
        store
            .deal_rows(|r| {
                rows.push(r);
                Ok(())
            })
            .unwrap();
        let again = Deal {
            id: Some(rows[7].id.clone()),
            ..random_deal(&reference, &mut rng, n)
        };
        store.write(|w| w.put_deal(&again)).unwrap();
        assert_rebuilt(&reference, &store, &path, "deals up to change");
        net = Network::build(&reference, &store).unwrap();
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();

        // A deal taken in place and then written again.
        let d = random_deal(&reference, &mut rng, n);
        let (deal, _) = record(&mut net, &reference, &store, &d);
        net.write_snapshot(&path).unwrap();
        assert!(open(&reference, &store, &path).1.from_snapshot);
        let d = random_deal(&reference, &mut rng, n);
        store.write(|w| w.put_deal(&d)).unwrap();
        let again = Deal {
            value_idr: 1.0,
            ..deal
        };
        store.write(|w| w.put_deal(&again)).unwrap();
        assert_rebuilt(&reference, &store, &path, "written again");
        // Catching up notices it too, and builds afresh.
        net.catch_up(&reference, &store).unwrap();
        assert_same(&net, &Network::build(&reference, &store).unwrap());
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        assert!(open(&reference, &store, &path).1.from_snapshot);

        // A business of the graph moved to another province, or deleted, since.
        let traded = net.graph.businesses().next().unwrap().0.to_string();
        let ix: usize = traded[1..].parse().unwrap();
        let moved = business(&reference, ix, (ix + 1) % 3);
        store.write(|w| w.put_business(&moved)).unwrap();
        assert_rebuilt(&reference, &store, &path, "moved province since");
        // The live network notes the move, so its next snapshot is not used either.
        let key = store.business_key(&traded).unwrap().unwrap();
        net.put_business(&traded, key, (ix + 1) % 3);
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        assert_rebuilt(&reference, &store, &path, "when it was written");
        net = Network::build(&reference, &store).unwrap();
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        assert!(open(&reference, &store, &path).1.from_snapshot);
        store
            .write(|w| w.delete_business(&traded).map(|_| ()))
            .unwrap();
        assert_rebuilt(&reference, &store, &path, "deleted or moved");
        // An import's refresh notices a deletion as well.
        net.refresh_businesses(&reference, &store).unwrap();
        assert!(net.moved > 0);

        // Deals of a deleted party are skipped, and the snapshot holds without them while
        // the party stays deleted ...
        net = Network::build(&reference, &store).unwrap();
        assert!(net.skipped > 0 && net.skipped_parties.contains(&traded));
        net.catch_up(&reference, &store).unwrap();
        net.write_snapshot(&path).unwrap();
        assert!(open(&reference, &store, &path).1.from_snapshot);
        // ... and the party cannot come back: its id is retired, so nobody inherits its
        // deals, and the snapshot written without them stays good.
        let back = business(&reference, ix, ix % 3);
        let again = store.write(|w| w.put_business(&back));
        assert!(
            matches!(again, Err(crate::error::Error::Conflict(_))),
            "a deleted id is refused: {again:?}"
        );
        assert!(open(&reference, &store, &path).1.from_snapshot);
        assert!(Network::build(&reference, &store).unwrap().skipped > 0);
    }
}
