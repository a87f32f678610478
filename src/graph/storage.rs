//! How the graph is laid out and read: business ids interned into one arena (an index keyed
//! by a SipHash of the id, short ids held inline in their slot), partner rows in a petgraph
//! `Csr` plus short sorted lists of the pairs created since the last compaction, pair
//! look-up, compaction, and the seeded integer hasher of the graph's own maps.
//!
//! Invariant: a business's compacted row and its list of newer pairs are each sorted by
//! partner and never share a partner, so [`Partners`] merges them into one increasing list;
//! compaction folds every newer pair into the rows and empties the lists.

use std::collections::hash_map::{Entry, RandomState};
use std::hash::{BuildHasher, Hasher};

use super::{Base, Business, Config, DealGraph, Tie};

/// A `HashMap` hasher for the graph's own integer keys: a seeded splitmix64 finaliser. The
/// seed is random per graph, so crafted ids cannot aim at collisions.
#[derive(Debug, Clone, Copy)]
pub(super) struct MixState(u64);

impl MixState {
    pub(super) fn new() -> MixState {
        MixState(RandomState::new().hash_one(0x006a_616c_696e_u64))
    }
}

impl BuildHasher for MixState {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher(self.0)
    }
}

pub(super) struct MixHasher(u64);

pub(super) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = mix64(self.0 ^ u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix64(self.0 ^ n);
    }
}

pub(super) fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

/// Ids up to this many bytes are kept in their index slot (checked without touching the arena).
const NAME_INLINE: usize = 26;

#[derive(Debug, Clone, Copy)]
pub(super) struct NameSlot {
    pub(super) ix: u32,
    /// The id's length, saturated at 255.
    len: u8,
    name: [u8; NAME_INLINE],
}

impl NameSlot {
    pub(super) fn new(id: &str, ix: u32) -> NameSlot {
        let mut name = [0; NAME_INLINE];
        let n = id.len().min(NAME_INLINE);
        name[..n].copy_from_slice(&id.as_bytes()[..n]);
        NameSlot {
            ix,
            len: id.len().min(255) as u8,
            name,
        }
    }
}

/// A business's partners in increasing index order, with their pair ids: the compacted row
/// merged with the newer pairs.
pub(super) struct Partners<'a> {
    base: &'a [u32],
    base_pairs: &'a [u32],
    delta: &'a [(u32, u32)],
    i: usize,
    j: usize,
}

impl Iterator for Partners<'_> {
    type Item = (u32, u32);
    fn next(&mut self) -> Option<(u32, u32)> {
        let b = self.base.get(self.i).copied();
        let d = self.delta.get(self.j).copied();
        match (b, d) {
            (Some(z), Some((y, _))) if z < y => {
                self.i += 1;
                Some((z, self.base_pairs[self.i - 1]))
            }
            (Some(z), None) => {
                self.i += 1;
                Some((z, self.base_pairs[self.i - 1]))
            }
            (_, Some(e)) => {
                self.j += 1;
                Some(e)
            }
            (None, None) => None,
        }
    }
}

impl DealGraph {
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn business_count(&self) -> usize {
        self.businesses.len()
    }

    pub fn deal_count(&self) -> usize {
        self.deal_day.len()
    }

    /// Pairs of businesses that have dealt (failed-only pairs included).
    pub fn pair_count(&self) -> usize {
        self.ties.len()
    }

    /// Pairs with a completed or MoU deal.
    pub fn tie_count(&self) -> usize {
        self.tie_bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn contains(&self, business: &str) -> bool {
        self.lookup(business).is_some()
    }

    /// The province a business had in its latest deal.
    pub fn province_of(&self, business: &str) -> Option<u8> {
        self.lookup(business).map(|b| self.business(b).province)
    }

    /// The newest deal's day.
    pub fn newest_day(&self) -> Option<i32> {
        self.newest_day
    }

    /// Every business with its province (the one of its latest deal), in the order the
    /// graph first saw them.
    pub fn businesses(&self) -> impl Iterator<Item = (&str, u8)> + '_ {
        self.businesses
            .iter()
            .enumerate()
            .map(|(ix, b)| (self.name(ix as u32), b.province))
    }

    pub(super) fn intern(&mut self, id: &str, province: u8) -> u32 {
        let h = self.name_hasher.hash_one(id);
        let known = match self.name_index.get(&h) {
            Some(slot) if self.slot_holds(slot, id) => Some(slot.ix),
            Some(_) => self.name_collisions.get(id).copied(),
            None => None,
        };
        if let Some(ix) = known {
            self.businesses[ix as usize].province = province;
            return ix;
        }
        let ix = self.businesses.len() as u32;
        self.businesses.push(Business {
            province,
            ..Business::default()
        });
        self.name_arena.push_str(id);
        self.name_end.push(self.name_arena.len() as u32);
        self.delta.push(Vec::new());
        match self.name_index.entry(h) {
            Entry::Vacant(v) => {
                v.insert(NameSlot::new(id, ix));
            }
            Entry::Occupied(_) => {
                self.name_collisions.insert(id.into(), ix);
            }
        }
        ix
    }

    pub(super) fn lookup(&self, id: &str) -> Option<u32> {
        let h = self.name_hasher.hash_one(id);
        match self.name_index.get(&h) {
            Some(slot) if self.slot_holds(slot, id) => Some(slot.ix),
            Some(_) => self.name_collisions.get(id).copied(),
            None => None,
        }
    }

    /// Whether the slot found by `id`'s hash is `id`'s: compared in the slot itself for short
    /// ids (no second memory access), against the arena for long ones.
    fn slot_holds(&self, slot: &NameSlot, id: &str) -> bool {
        let len = usize::from(slot.len);
        if len <= NAME_INLINE {
            slot.name.get(..len) == Some(id.as_bytes())
        } else {
            self.name(slot.ix) == id
        }
    }

    pub(super) fn name(&self, ix: u32) -> &str {
        span(&self.name_arena, &self.name_end, ix)
    }

    pub(super) fn deal_id(&self, ix: u32) -> &str {
        span(&self.deal_ids, &self.deal_id_end, ix)
    }

    pub(super) fn business(&self, ix: u32) -> &Business {
        &self.businesses[ix as usize]
    }

    pub(super) fn tie(&self, pid: u32) -> &Tie {
        &self.ties[pid as usize]
    }

    pub(super) fn is_tie(&self, pid: u32) -> bool {
        self.tie_bits
            .get(pid as usize / 64)
            .is_some_and(|w| w & (1 << (pid % 64)) != 0)
    }

    pub(super) fn base_row(&self, a: u32) -> (&[u32], &[u32]) {
        if (a as usize) < self.base.node_count() {
            (self.base.neighbors_slice(a), self.base.edges_slice(a))
        } else {
            (&[], &[])
        }
    }

    pub(super) fn delta_row(&self, a: u32) -> &[(u32, u32)] {
        self.delta.get(a as usize).map_or(&[], |d| d.as_slice())
    }

    /// All of `a`'s partners, failed-only ones included, in increasing index order.
    pub(super) fn partners(&self, a: u32) -> Partners<'_> {
        let (base, base_pairs) = self.base_row(a);
        Partners {
            base,
            base_pairs,
            delta: self.delta_row(a),
            i: 0,
            j: 0,
        }
    }

    /// `a`'s partners with a completed or MoU deal, in increasing index order.
    pub(super) fn tie_partners(&self, a: u32) -> Vec<u32> {
        self.partners(a)
            .filter(|&(_, pid)| self.is_tie(pid))
            .map(|(z, _)| z)
            .collect()
    }

    pub(super) fn partner_count(&self, a: u32) -> usize {
        self.base_row(a).0.len() + self.delta_row(a).len()
    }

    /// The pair id of `a` and `b`: a binary search in the shorter partner list.
    pub(super) fn pair(&self, a: u32, b: u32) -> Option<u32> {
        let (x, y) = if self.partner_count(a) <= self.partner_count(b) {
            (a, b)
        } else {
            (b, a)
        };
        let (base, pairs) = self.base_row(x);
        if let Ok(i) = base.binary_search(&y) {
            return Some(pairs[i]);
        }
        let d = self.delta_row(x);
        d.binary_search_by_key(&y, |e| e.0).ok().map(|i| d[i].1)
    }

    pub(super) fn new_pair(&mut self, lo: u32, hi: u32) -> u32 {
        let pid = self.ties.len() as u32;
        self.ties.push(Tie::default());
        if self.tie_bits.len() * 64 < self.ties.len() {
            self.tie_bits.push(0);
        }
        for (a, z) in [(lo, hi), (hi, lo)] {
            let row = &mut self.delta[a as usize];
            let at = row.partition_point(|e| e.0 < z);
            row.insert(at, (z, pid));
        }
        self.delta_pairs += 1;
        pid
    }

    // -- compaction ---------------------------------------------------------------------------

    /// Pairs created since the last compaction.
    pub fn uncompacted_pairs(&self) -> usize {
        self.delta_pairs
    }

    /// Folds the pairs created since the last compaction into the contiguous partner rows
    /// (O(pairs), sequential). Answers do not change; look-ups get faster. Done by
    /// [`DealGraph::build`] and [`DealGraph::refresh_centrality`].
    pub fn compact(&mut self) {
        if self.delta_pairs == 0 && self.base.node_count() == self.businesses.len() {
            return;
        }
        let mut rows: Vec<(u32, u32, u32)> = Vec::with_capacity(2 * self.ties.len());
        for a in 0..self.businesses.len() as u32 {
            rows.extend(self.partners(a).map(|(z, pid)| (a, z, pid)));
        }
        self.install_base(&rows);
    }

    /// `rows` sorted by (business, partner), both ways round.
    pub(super) fn install_base(&mut self, rows: &[(u32, u32, u32)]) {
        // Rows come sorted and unique by construction; if not, keep what we have.
        let Ok(mut base) = Base::from_sorted_edges(rows) else {
            debug_assert!(false, "partner rows out of order");
            return;
        };
        while base.node_count() < self.businesses.len() {
            base.add_node(());
        }
        self.base = base;
        for d in &mut self.delta {
            *d = Vec::new();
        }
        self.delta_pairs = 0;
    }
}

/// Entry `ix` of an arena of strings laid end to end.
pub(super) fn span<'a>(arena: &'a str, ends: &[u32], ix: u32) -> &'a str {
    let i = ix as usize;
    let end = ends.get(i).copied().unwrap_or(0) as usize;
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0) as usize
    };
    arena.get(start..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Signals;
    use crate::graph::tests::{deal, graph};

    #[test]
    fn the_graph_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<DealGraph>();
        shared::<Signals>();
    }

    #[test]
    fn long_ids_are_found_too() {
        let long = "a-business-id-much-longer-than-the-inline-slot";
        let longer = "a-business-id-much-longer-than-the-inline-slot-too";
        let g = graph(vec![deal("1", long, longer), deal("2", "short", long)]);
        assert!(g.contains(long) && g.contains(longer) && !g.contains(&long[..30]));
        assert_eq!(g.ties_of(long, 5).unwrap().totals.partners, 2);
        assert_eq!(g.intro("short", longer, 2).unwrap().hops[1].to, longer);
    }
}
