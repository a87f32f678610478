//! A deal graph on disk: the built structure written as flat little-endian arrays, so a
//! service with millions of deals starts by reading one file instead of re-reading and
//! re-aggregating every deal from the store (see `network::Network::open`).
//!
//! Layout: the magic `JALINDG1`, the caller's header bytes (the network's change sequence
//! and counts), then every array of the graph with its length, then a 64-bit checksum of
//! everything before it. Partner rows are stored compacted (the CSR rows merged with the
//! newer pairs) and installed into a fresh CSR on load; the id index and the hashers are
//! rebuilt, with new random keys. Reading checks the checksum first and then every index
//! the graph will follow, so a damaged or foreign file is an error, never a panic or an
//! absurd allocation.

use std::collections::HashMap;
use std::collections::hash_map::{Entry, RandomState};
use std::hash::BuildHasher;
use std::io;

use super::{
    Base, Business, Centrality, Config, DealGraph, MixState, NO_DEAL, NameSlot, ProvinceFlows, Tie,
};

const MAGIC: &[u8; 8] = b"JALINDG1";

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("deal graph snapshot: {what}"),
    )
}

/// A fast 64-bit checksum: splitmix64 over 8-byte words, then the tail bytes.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x6a61_6c69_6e5f_6467;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = super::mix64(h ^ u64::from_le_bytes(a));
    }
    for &b in words.remainder() {
        h = super::mix64(h ^ u64::from(b));
    }
    super::mix64(h ^ bytes.len() as u64)
}

/// Appends values to a byte buffer.
#[derive(Default)]
struct Out(Vec<u8>);

macro_rules! put_num {
    ($name:ident, $t:ty) => {
        fn $name(&mut self, v: $t) {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    };
}

impl Out {
    put_num!(u8, u8);
    put_num!(u32, u32);
    put_num!(i32, i32);
    put_num!(u64, u64);
    put_num!(f32, f32);
    put_num!(f64, f64);

    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
}

/// Reads values from a byte slice, every read bounds-checked.
struct In<'a> {
    b: &'a [u8],
    at: usize,
}

macro_rules! get_num {
    ($name:ident, $t:ty) => {
        fn $name(&mut self) -> io::Result<$t> {
            let s = self.take(std::mem::size_of::<$t>())?;
            let mut a = [0u8; std::mem::size_of::<$t>()];
            a.copy_from_slice(s);
            Ok(<$t>::from_le_bytes(a))
        }
    };
}

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| bad("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    get_num!(u8, u8);
    get_num!(u32, u32);
    get_num!(i32, i32);
    get_num!(u64, u64);
    get_num!(f32, f32);
    get_num!(f64, f64);

    /// A count that is not a length (a size, a limit), as usize.
    fn usize(&mut self) -> io::Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| bad("count"))
    }

    /// A length of items of `size` bytes each, checked against what is left to read.
    fn len(&mut self, size: usize) -> io::Result<usize> {
        let n = usize::try_from(self.u64()?).map_err(|_| bad("length"))?;
        match n.checked_mul(size.max(1)) {
            Some(bytes) if bytes <= self.b.len() - self.at => Ok(n),
            _ => Err(bad("length beyond the file")),
        }
    }

    fn bytes(&mut self) -> io::Result<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }

    fn vec<T>(
        &mut self,
        size: usize,
        mut f: impl FnMut(&mut Self) -> io::Result<T>,
    ) -> io::Result<Vec<T>> {
        let n = self.len(size)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(f(self)?);
        }
        Ok(v)
    }
}

fn put_f64s(o: &mut Out, v: &[f64]) {
    o.len(v.len());
    for x in v {
        o.f64(*x);
    }
}

fn get_f64s(i: &mut In<'_>) -> io::Result<Vec<f64>> {
    i.vec(8, |i| i.f64())
}

fn put_u32s(o: &mut Out, v: &[u32]) {
    o.len(v.len());
    for x in v {
        o.u32(*x);
    }
}

fn get_u32s(i: &mut In<'_>) -> io::Result<Vec<u32>> {
    i.vec(4, |i| i.u32())
}

impl DealGraph {
    /// The graph as bytes, after `header` (the caller's own fields, returned by
    /// [`DealGraph::from_snapshot`]).
    pub fn to_snapshot(&self, header: &[u8]) -> Vec<u8> {
        let mut o = Out(Vec::with_capacity(
            64 * self.ties.len() + 16 * self.deal_day.len() + 64 * self.businesses.len(),
        ));
        o.0.extend_from_slice(MAGIC);
        o.bytes(header);
        o.len(self.provinces);
        o.len(self.commodities);
        let c = &self.config;
        o.f64(c.half_life_days);
        o.len(c.common_scan_limit);
        o.f64(c.damping);
        o.len(c.pagerank_max_iterations);
        o.f64(c.pagerank_tolerance);
        o.f64(c.stale_fraction);
        o.len(c.hop_deal_ids);
        o.len(self.businesses.len());
        for b in &self.businesses {
            o.u8(b.province);
            o.u32(b.ties);
            o.u32(b.sold_completed);
            o.u32(b.sold_failed);
            o.u32(b.sold_mou);
            o.u32(b.completed_buyers);
        }
        o.bytes(self.name_arena.as_bytes());
        put_u32s(&mut o, &self.name_end);
        o.len(self.ties.len());
        for t in &self.ties {
            o.f64(t.value_completed);
            o.f64(t.value_mou);
            o.u32(t.completed);
            o.u32(t.failed);
            o.u32(t.mou);
            o.i32(t.last_day);
            o.i32(t.last_completed_day);
            o.u32(t.head);
            o.f32(t.k_completed);
            o.f32(t.k_failed);
            o.f32(t.k_mou);
            o.f32(t.kv_completed);
            o.u8(t.flags);
        }
        o.len(self.tie_bits.len());
        for w in &self.tie_bits {
            o.u64(*w);
        }
        // Partner rows, compacted: (business, partner, pair) sorted by business then partner.
        let rows: usize = (0..self.businesses.len() as u32)
            .map(|a| self.partner_count(a))
            .sum();
        o.len(rows);
        for a in 0..self.businesses.len() as u32 {
            for (z, pid) in self.partners(a) {
                o.u32(a);
                o.u32(z);
                o.u32(pid);
            }
        }
        put_u32s(&mut o, &self.deal_prev);
        o.len(self.deal_day.len());
        for d in &self.deal_day {
            o.i32(*d);
        }
        o.bytes(&self.deal_flags);
        put_u32s(&mut o, &self.deal_id_end);
        o.bytes(self.deal_ids.as_bytes());
        let f = &self.flows;
        o.len(f.provinces);
        o.len(f.commodities);
        for v in [
            &f.flow,
            &f.purchases,
            &f.sold,
            &f.bought,
            &f.sold_total,
            &f.bought_total,
            &f.commodity_total,
        ] {
            put_f64s(&mut o, v);
        }
        o.f64(f.total);
        let cen = &self.centrality;
        put_f64s(&mut o, &cen.pagerank);
        o.len(cen.percentile.len());
        for p in &cen.percentile {
            o.f32(*p);
        }
        o.len(cen.iterations);
        o.len(cen.deals);
        match self.newest_day {
            Some(d) => {
                o.u8(1);
                o.i32(d);
            }
            None => {
                o.u8(0);
                o.i32(0);
            }
        }
        let sum = checksum(&o.0);
        o.u64(sum);
        o.0
    }

    /// Reads a graph written by [`DealGraph::to_snapshot`]; returns it with the header.
    pub fn from_snapshot(bytes: &[u8]) -> io::Result<(DealGraph, Vec<u8>)> {
        if bytes.len() < MAGIC.len() + 8 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad("not a jalin deal graph, or another version"));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 8);
        let mut sum = [0u8; 8];
        sum.copy_from_slice(tail);
        if checksum(body) != u64::from_le_bytes(sum) {
            return Err(bad("checksum mismatch (damaged or partly written)"));
        }
        let mut i = In {
            b: body,
            at: MAGIC.len(),
        };
        let header = i.bytes()?.to_vec();
        let provinces = i.usize()?;
        let commodities = i.usize()?;
        if provinces > 256 || commodities > u16::MAX as usize + 1 {
            return Err(bad("catalog sizes"));
        }
        let config = Config {
            half_life_days: i.f64()?,
            common_scan_limit: i.usize()?,
            damping: i.f64()?,
            pagerank_max_iterations: i.usize()?,
            pagerank_tolerance: i.f64()?,
            stale_fraction: i.f64()?,
            hop_deal_ids: i.usize()?,
        };
        let businesses = i.vec(21, |i| {
            Ok(Business {
                province: i.u8()?,
                ties: i.u32()?,
                sold_completed: i.u32()?,
                sold_failed: i.u32()?,
                sold_mou: i.u32()?,
                completed_buyers: i.u32()?,
            })
        })?;
        let name_arena = String::from_utf8(i.bytes()?.to_vec()).map_err(|_| bad("ids"))?;
        let name_end = get_u32s(&mut i)?;
        let ties = i.vec(57, |i| {
            Ok(Tie {
                value_completed: i.f64()?,
                value_mou: i.f64()?,
                completed: i.u32()?,
                failed: i.u32()?,
                mou: i.u32()?,
                last_day: i.i32()?,
                last_completed_day: i.i32()?,
                head: i.u32()?,
                k_completed: i.f32()?,
                k_failed: i.f32()?,
                k_mou: i.f32()?,
                kv_completed: i.f32()?,
                flags: i.u8()?,
            })
        })?;
        let tie_bits = i.vec(8, |i| i.u64())?;
        let rows = i.vec(12, |i| Ok((i.u32()?, i.u32()?, i.u32()?)))?;
        let deal_prev = get_u32s(&mut i)?;
        let deal_day = i.vec(4, |i| i.i32())?;
        let deal_flags = i.bytes()?.to_vec();
        let deal_id_end = get_u32s(&mut i)?;
        let deal_ids = String::from_utf8(i.bytes()?.to_vec()).map_err(|_| bad("deal ids"))?;
        let flows_provinces = i.usize()?;
        let flows_commodities = i.usize()?;
        let mut tables = Vec::with_capacity(7);
        for _ in 0..7 {
            tables.push(get_f64s(&mut i)?);
        }
        let total = i.f64()?;
        let pagerank = get_f64s(&mut i)?;
        let percentile = i.vec(4, |i| i.f32())?;
        let iterations = i.usize()?;
        let centrality_deals = i.usize()?;
        let newest_day = match (i.u8()?, i.i32()?) {
            (0, _) => None,
            (_, d) => Some(d),
        };
        if i.at != body.len() {
            return Err(bad("trailing bytes"));
        }

        // Every index the graph follows must point inside its array.
        let (nb, nd, np) = (businesses.len(), deal_day.len(), ties.len());
        let ends_ok = |ends: &[u32], arena: &str| {
            let mut prev = 0u32;
            ends.iter().all(|&e| {
                let ok = e >= prev && arena.is_char_boundary(e as usize);
                prev = e;
                ok
            }) && ends
                .last()
                .map_or(arena.is_empty(), |&e| e as usize == arena.len())
        };
        let consistent = name_end.len() == nb
            && ends_ok(&name_end, &name_arena)
            && ends_ok(&deal_id_end, &deal_ids)
            && deal_prev.len() == nd
            && deal_flags.len() == nd
            && deal_id_end.len() == nd
            && tie_bits.len() == np.div_ceil(64)
            && businesses
                .iter()
                .all(|b| (b.province as usize) < provinces.max(1))
            && ties
                .iter()
                .all(|t| t.head == NO_DEAL || (t.head as usize) < nd)
            && deal_prev.iter().all(|&p| p == NO_DEAL || (p as usize) < nd)
            && rows
                .iter()
                .all(|&(a, z, pid)| (a as usize) < nb && (z as usize) < nb && (pid as usize) < np)
            && rows.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
            && flows_provinces == provinces
            && flows_commodities == commodities
            && tables[0].len() == provinces * provinces
            && tables[1].len() == provinces
            && tables[2].len() == provinces * commodities
            && tables[3].len() == provinces * commodities
            && tables[4].len() == provinces
            && tables[5].len() == provinces
            && tables[6].len() == commodities
            && (pagerank.is_empty() || pagerank.len() <= nb)
            && (percentile.is_empty() || percentile.len() <= nb);
        if !consistent {
            return Err(bad("inconsistent contents"));
        }
        let mut tables = tables.into_iter();
        let mut next = || tables.next().unwrap_or_default();
        let flows = ProvinceFlows {
            provinces,
            commodities,
            flow: next(),
            purchases: next(),
            sold: next(),
            bought: next(),
            sold_total: next(),
            bought_total: next(),
            commodity_total: next(),
            total,
        };
        let hasher = MixState::new();
        let name_hasher = RandomState::new();
        let mut name_index: HashMap<u64, NameSlot, MixState> =
            HashMap::with_capacity_and_hasher(nb, hasher);
        let mut name_collisions: HashMap<Box<str>, u32> = HashMap::new();
        for ix in 0..nb as u32 {
            let id = super::span(&name_arena, &name_end, ix);
            let h = name_hasher.hash_one(id);
            match name_index.entry(h) {
                Entry::Vacant(v) => {
                    v.insert(NameSlot::new(id, ix));
                }
                Entry::Occupied(o) => {
                    let first = o.get().ix;
                    if super::span(&name_arena, &name_end, first) == id
                        || name_collisions.insert(id.into(), ix).is_some()
                    {
                        return Err(bad("an id twice"));
                    }
                }
            }
        }
        let mut g = DealGraph {
            config,
            provinces,
            commodities,
            businesses,
            name_arena,
            name_end,
            name_index,
            name_collisions,
            name_hasher,
            ties,
            tie_bits,
            base: Base::new(),
            delta: vec![Vec::new(); nb],
            delta_pairs: 0,
            deal_prev,
            deal_day,
            deal_flags,
            deal_id_end,
            deal_ids,
            flows,
            centrality: Centrality {
                pagerank,
                percentile,
                iterations,
                deals: centrality_deals,
            },
            newest_day,
            hasher,
        };
        let mut base = Base::from_sorted_edges(&rows).map_err(|_| bad("partner rows"))?;
        while base.node_count() < nb {
            base.add_node(());
        }
        g.base = base;
        Ok((g, header))
    }
}
