//! A deal graph as bytes: [`DealGraph::write_snapshot`] streams the built structure as flat
//! little-endian arrays and [`DealGraph::read_snapshot`] reads it back, so a service with
//! millions of deals starts by reading one file instead of re-reading and re-aggregating
//! every deal from the store (see `network::Network::open`).
//!
//! # Format (version 1)
//!
//! All integers and floats little-endian.
//!
//! 1. Header, fixed size: the magic `JALIN-DG`, the format version (u32), a reserved u32 (0),
//!    then [`HEADER_WORDS`] u64 words — the catalog sizes, every array's length, the
//!    centrality's bookkeeping, the newest day, the [`Config`] and the flows' total — and a
//!    checksum of the header alone, so a damaged length is caught before anything is
//!    allocated for it.
//! 2. The arrays, lengths implied by the header: businesses (21-byte records), business id
//!    ends and bytes, pairs (57-byte records), partner rows (each business's count, then
//!    `(partner, pair)` in increasing partner order: the compacted rows with the newer pairs
//!    merged in), the per-deal arrays and deal id bytes, the province flows, PageRank and
//!    percentiles.
//! 3. A [`Checksum`] of every byte before it.
//!
//! Derived state is rebuilt on load instead of stored: the tie bits (from the pairs), the id
//! index and the hashers (with new random keys). Arrays are encoded and decoded through a
//! 256 KiB buffer a slice at a time; the reader never pulls a byte past the snapshot's end,
//! so a caller can frame it in a larger file. Reading checks the header checksum, allocates
//! with `try_reserve` (an absurd length is an error, not an abort), checks the final
//! checksum, and then every index the graph will follow, so a damaged or foreign file is an
//! error, never a panic, a hang or a wrong answer from a half-read graph.

use std::collections::HashMap;
use std::collections::hash_map::{Entry, RandomState};
use std::hash::BuildHasher;
use std::io::{self, Read, Write};

use super::storage::{MixState, NameSlot, mix64, span};
use super::{Base, Business, Centrality, Config, DealGraph, LIMIT, NO_DEAL, ProvinceFlows, Tie};

const MAGIC: [u8; 8] = *b"JALIN-DG";
/// The layout version this build writes and reads; bumped on any change.
pub const SNAPSHOT_VERSION: u32 = 1;
/// u64 words in the header after the magic, version and reserved word.
const HEADER_WORDS: usize = 20;
const HEADER_BYTES: usize = 16 + 8 * HEADER_WORDS;
const BUSINESS_BYTES: usize = 21;
const TIE_BYTES: usize = 57;
/// Encoding and decoding go through a buffer this big.
const CHUNK: usize = 1 << 18;
/// `newest_day` of a graph without deals.
const NO_NEWEST: u64 = i64::MIN as u64;

fn bad(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("deal graph snapshot: {what}"),
    )
}

// ---------------------------------------------------------------------------------------------
// Checksum

/// A streaming 64-bit checksum for snapshots: four lanes of xor-multiply-rotate over 8-byte
/// little-endian words (32-byte blocks, the last one zero-padded), folded with the length by
/// splitmix64. Every step is a bijection of its lane, so any one changed word (in particular
/// any changed byte) always changes the result; several changes go unnoticed with
/// probability about 2⁻⁶⁴. Not cryptographic. Runs at several GB/s.
#[derive(Debug, Clone)]
pub struct Checksum {
    lanes: [u64; 4],
    tail: [u8; 32],
    tail_len: usize,
    len: u64,
}

const LANE_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

impl Default for Checksum {
    fn default() -> Checksum {
        Checksum::new()
    }
}

impl Checksum {
    pub fn new() -> Checksum {
        Checksum {
            lanes: [
                0x6a61_6c69_6e2d_6467,
                0x2d73_6e61_7073_686f,
                0x0123_4567_89ab_cdef,
                0xfedc_ba98_7654_3210,
            ],
            tail: [0; 32],
            tail_len: 0,
            len: 0,
        }
    }

    /// The checksum of `bytes` alone.
    pub fn of(bytes: &[u8]) -> u64 {
        let mut c = Checksum::new();
        c.update(bytes);
        c.finish()
    }

    fn block(&mut self, b: &[u8]) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let w = u64::get(&b[8 * i..8 * i + 8]);
            *lane = (*lane ^ w).wrapping_mul(LANE_MUL).rotate_left(31);
        }
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.tail_len > 0 {
            let n = (32 - self.tail_len).min(bytes.len());
            self.tail[self.tail_len..self.tail_len + n].copy_from_slice(&bytes[..n]);
            self.tail_len += n;
            bytes = &bytes[n..];
            if self.tail_len < 32 {
                return;
            }
            let block = self.tail;
            self.block(&block);
            self.tail_len = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for b in &mut blocks {
            self.block(b);
        }
        let rest = blocks.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    pub fn finish(&self) -> u64 {
        let mut c = self.clone();
        if c.tail_len > 0 {
            let mut block = [0u8; 32];
            block[..c.tail_len].copy_from_slice(&c.tail[..c.tail_len]);
            c.block(&block);
        }
        let mut h = mix64(c.len);
        for lane in c.lanes {
            h = mix64(h ^ lane);
        }
        h
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// A plain number with a fixed little-endian encoding.
trait Le: Copy {
    const SIZE: usize;
    /// Writes itself into `out`, exactly `SIZE` bytes.
    fn put(self, out: &mut [u8]);
    /// Reads itself from `b`, exactly `SIZE` bytes.
    fn get(b: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(b: &[u8]) -> $t {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                <$t>::from_le_bytes(a)
            }
        }
    )*};
}

le!(u8, u32, i32, u64, f32, f64);

/// Field `T` at byte `at` of a record.
#[inline]
fn field<T: Le>(b: &[u8], at: usize) -> T {
    T::get(&b[at..at + T::SIZE])
}

#[inline]
fn set<T: Le>(out: &mut [u8], at: usize, v: T) {
    v.put(&mut out[at..at + T::SIZE]);
}

fn encode_business(b: &Business, out: &mut [u8]) {
    set(out, 0, b.province);
    set(out, 1, b.ties);
    set(out, 5, b.sold_completed);
    set(out, 9, b.sold_failed);
    set(out, 13, b.sold_mou);
    set(out, 17, b.completed_buyers);
}

fn decode_business(b: &[u8]) -> Business {
    Business {
        province: field(b, 0),
        ties: field(b, 1),
        sold_completed: field(b, 5),
        sold_failed: field(b, 9),
        sold_mou: field(b, 13),
        completed_buyers: field(b, 17),
    }
}

fn encode_tie(t: &Tie, out: &mut [u8]) {
    set(out, 0, t.value_completed);
    set(out, 8, t.value_mou);
    set(out, 16, t.completed);
    set(out, 20, t.failed);
    set(out, 24, t.mou);
    set(out, 28, t.last_day);
    set(out, 32, t.last_completed_day);
    set(out, 36, t.head);
    set(out, 40, t.k_completed);
    set(out, 44, t.k_failed);
    set(out, 48, t.k_mou);
    set(out, 52, t.kv_completed);
    set(out, 56, t.flags);
}

fn decode_tie(b: &[u8]) -> Tie {
    Tie {
        value_completed: field(b, 0),
        value_mou: field(b, 8),
        completed: field(b, 16),
        failed: field(b, 20),
        mou: field(b, 24),
        last_day: field(b, 28),
        last_completed_day: field(b, 32),
        head: field(b, 36),
        k_completed: field(b, 40),
        k_failed: field(b, 44),
        k_mou: field(b, 48),
        kv_completed: field(b, 52),
        flags: field(b, 56),
    }
}

/// Encodes into a buffer, writes it out a chunk at a time and checksums what it writes.
struct Writer<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
    sum: Checksum,
}

impl<'w, W: Write> Writer<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Writer {
            out,
            buf: Vec::with_capacity(CHUNK),
            sum: Checksum::new(),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sum.update(&self.buf);
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    fn put<T: Le>(&mut self, v: T) -> io::Result<()> {
        if self.buf.len() + T::SIZE > CHUNK {
            self.flush()?;
        }
        let at = self.buf.len();
        self.buf.resize(at + T::SIZE, 0);
        v.put(&mut self.buf[at..]);
        Ok(())
    }

    /// Records of `size` bytes (≤ `CHUNK`), as many per chunk as fit.
    fn put_records<T>(
        &mut self,
        mut items: &[T],
        size: usize,
        encode: impl Fn(&T, &mut [u8]),
    ) -> io::Result<()> {
        while !items.is_empty() {
            let fit = (CHUNK - self.buf.len()) / size;
            if fit == 0 {
                self.flush()?;
                continue;
            }
            let (now, rest) = items.split_at(fit.min(items.len()));
            let at = self.buf.len();
            self.buf.resize(at + now.len() * size, 0);
            for (out, item) in self.buf[at..].chunks_exact_mut(size).zip(now) {
                encode(item, out);
            }
            items = rest;
        }
        Ok(())
    }

    fn put_slice<T: Le>(&mut self, items: &[T]) -> io::Result<()> {
        self.put_records(items, T::SIZE, |&v, out| v.put(out))
    }

    fn put_bytes(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let fit = CHUNK - self.buf.len();
            if fit == 0 {
                self.flush()?;
                continue;
            }
            let (now, rest) = bytes.split_at(fit.min(bytes.len()));
            self.buf.extend_from_slice(now);
            bytes = rest;
        }
        Ok(())
    }

    /// Writes what is buffered and the checksum of everything.
    fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        let sum = self.sum.finish();
        self.out.write_all(&sum.to_le_bytes())
    }
}

/// Decodes from a reader through a buffer, checksumming what it consumes, and never reads
/// past `limit` bytes in all.
struct Reader<'r, R: Read> {
    inp: &'r mut R,
    buf: Vec<u8>,
    at: usize,
    end: usize,
    /// Bytes it may still pull from `inp`.
    limit: u64,
    sum: Checksum,
}

impl<'r, R: Read> Reader<'r, R> {
    fn new(inp: &'r mut R) -> Self {
        Reader {
            inp,
            buf: Vec::new(),
            at: 0,
            end: 0,
            limit: 0,
            sum: Checksum::new(),
        }
    }

    /// Lets it read `n` more bytes from `inp` (nothing it has not consumed is buffered).
    fn allow(&mut self, n: u64) {
        self.limit = n;
        let want = usize::try_from(n).unwrap_or(CHUNK).min(CHUNK);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
    }

    /// At least `n` bytes buffered (`n` no more than it was last allowed, or `CHUNK`).
    fn fill(&mut self, n: usize) -> io::Result<()> {
        if self.end - self.at >= n {
            return Ok(());
        }
        self.buf.copy_within(self.at..self.end, 0);
        self.end -= self.at;
        self.at = 0;
        while self.end < n {
            let room =
                (self.buf.len() - self.end).min(usize::try_from(self.limit).unwrap_or(usize::MAX));
            if room == 0 {
                return Err(bad("truncated"));
            }
            match self.inp.read(&mut self.buf[self.end..self.end + room]) {
                Ok(0) => return Err(bad("truncated")),
                Ok(k) => {
                    self.end += k;
                    self.limit -= k as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn bytes(&mut self, n: usize) -> io::Result<&[u8]> {
        self.fill(n)?;
        let b = &self.buf[self.at..self.at + n];
        self.sum.update(b);
        self.at += n;
        Ok(b)
    }

    fn get<T: Le>(&mut self) -> io::Result<T> {
        self.bytes(T::SIZE).map(T::get)
    }

    /// `n` records of `size` (≤ `CHUNK`) bytes, with room for `extra` more.
    fn records<T>(
        &mut self,
        n: usize,
        size: usize,
        extra: usize,
        mut decode: impl FnMut(&[u8]) -> T,
    ) -> io::Result<Vec<T>> {
        let mut v = Vec::new();
        v.try_reserve_exact(n.saturating_add(extra))
            .map_err(|_| bad(format_args!("{n} records do not fit in memory")))?;
        let mut left = n;
        while left > 0 {
            self.fill(size)?;
            let k = ((self.end - self.at) / size).min(left);
            let b = &self.buf[self.at..self.at + k * size];
            v.extend(b.chunks_exact(size).map(&mut decode));
            self.sum.update(b);
            self.at += k * size;
            left -= k;
        }
        Ok(v)
    }

    fn vec<T: Le>(&mut self, n: usize, extra: usize) -> io::Result<Vec<T>> {
        self.records(n, T::SIZE, extra, T::get)
    }

    fn byte_vec(&mut self, n: usize, extra: usize) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        v.try_reserve_exact(n.saturating_add(extra))
            .map_err(|_| bad(format_args!("{n} bytes do not fit in memory")))?;
        let mut left = n;
        while left > 0 {
            self.fill(1)?;
            let k = (self.end - self.at).min(left);
            let b = &self.buf[self.at..self.at + k];
            v.extend_from_slice(b);
            self.sum.update(b);
            self.at += k;
            left -= k;
        }
        Ok(v)
    }
}

/// Room kept on load for the arrays that grow with every deal, so the first deals after a
/// start do not copy them whole (address space only until used).
fn headroom(n: usize) -> usize {
    n / 16 + 1024
}

/// Checks ends of strings laid end to end in `arena`: non-decreasing, on character
/// boundaries, the last at the arena's end.
fn ends_ok(ends: &[u32], arena: &str) -> bool {
    let mut prev = 0u32;
    ends.iter().all(|&e| {
        let ok = e >= prev && arena.is_char_boundary(e as usize);
        prev = e;
        ok
    }) && prev as usize == arena.len()
}

/// The header's word `i`.
fn word(header: &[u8], i: usize) -> u64 {
    field(header, 16 + 8 * i)
}

impl DealGraph {
    /// Writes the graph as a snapshot (see the module documentation for the format); the
    /// newer pairs are merged into the partner rows as they are written, the graph is not
    /// changed. About 80 bytes per deal at 5 M deals.
    pub fn write_snapshot(&self, w: &mut impl Write) -> io::Result<()> {
        let nb = self.businesses.len();
        let c = &self.config;
        let words: [u64; HEADER_WORDS] = [
            self.provinces as u64,
            self.commodities as u64,
            nb as u64,
            self.name_arena.len() as u64,
            self.ties.len() as u64,
            self.deal_day.len() as u64,
            self.deal_ids.len() as u64,
            self.centrality.pagerank.len() as u64,
            self.centrality.percentile.len() as u64,
            self.centrality.iterations as u64,
            self.centrality.deals as u64,
            self.newest_day.map_or(NO_NEWEST, |d| i64::from(d) as u64),
            c.half_life_days.to_bits(),
            c.common_scan_limit as u64,
            c.damping.to_bits(),
            c.pagerank_max_iterations as u64,
            c.pagerank_tolerance.to_bits(),
            c.stale_fraction.to_bits(),
            c.hop_deal_ids as u64,
            self.flows.total.to_bits(),
        ];
        let mut header = Vec::with_capacity(HEADER_BYTES);
        header.extend_from_slice(&MAGIC);
        header.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
        for x in words {
            header.extend_from_slice(&x.to_le_bytes());
        }
        let mut out = Writer::new(w);
        out.put_bytes(&header)?;
        out.put(Checksum::of(&header))?;
        out.put_records(&self.businesses, BUSINESS_BYTES, encode_business)?;
        out.put_slice(&self.name_end)?;
        out.put_bytes(self.name_arena.as_bytes())?;
        out.put_records(&self.ties, TIE_BYTES, encode_tie)?;
        // Partner rows: every pair appears in both of its businesses' rows.
        for a in 0..nb as u32 {
            out.put(self.partner_count(a) as u32)?;
        }
        let mut row: Vec<[u32; 2]> = Vec::new();
        for a in 0..nb as u32 {
            row.clear();
            row.extend(self.partners(a).map(|(z, pid)| [z, pid]));
            out.put_records(&row, 8, |&[z, pid], b| {
                set(b, 0, z);
                set(b, 4, pid);
            })?;
        }
        out.put_slice(&self.deal_prev)?;
        out.put_slice(&self.deal_day)?;
        out.put_bytes(&self.deal_flags)?;
        out.put_slice(&self.deal_id_end)?;
        out.put_bytes(self.deal_ids.as_bytes())?;
        let f = &self.flows;
        for table in [
            &f.flow,
            &f.purchases,
            &f.sold,
            &f.bought,
            &f.sold_total,
            &f.bought_total,
            &f.commodity_total,
        ] {
            out.put_slice(table)?;
        }
        out.put_slice(&self.centrality.pagerank)?;
        out.put_slice(&self.centrality.percentile)?;
        out.finish()
    }

    /// Reads a graph written by [`DealGraph::write_snapshot`], consuming exactly its bytes.
    /// It answers every query as the written graph did and keeps taking deals. A truncated,
    /// damaged or foreign input, or one of another [`SNAPSHOT_VERSION`], is an
    /// [`io::ErrorKind::InvalidData`] error (a failing reader's own errors pass through).
    pub fn read_snapshot(r: &mut impl Read) -> io::Result<DealGraph> {
        let mut inp = Reader::new(r);
        inp.allow(16);
        let start = inp.bytes(16)?;
        if start[..8] != MAGIC {
            return Err(bad("not a jalin deal graph"));
        }
        let version: u32 = field(start, 8);
        if version != SNAPSHOT_VERSION {
            return Err(bad(format_args!(
                "format version {version}, this build reads version {SNAPSHOT_VERSION}"
            )));
        }
        let mut header = start.to_vec();
        inp.allow((HEADER_BYTES - 16 + 8) as u64);
        header.extend_from_slice(inp.bytes(HEADER_BYTES - 16)?);
        let header_sum: u64 = inp.get()?;
        if Checksum::of(&header) != header_sum {
            return Err(bad("damaged header"));
        }
        if field::<u32>(&header, 12) != 0 {
            return Err(bad("unknown flags"));
        }
        let count = |i: usize, max: usize| -> io::Result<usize> {
            usize::try_from(word(&header, i))
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| bad(format_args!("header word {i} out of range")))
        };
        let provinces = count(0, 1 << 16)?;
        let commodities = count(1, 1 << 16)?;
        let nb = count(2, LIMIT)?;
        let name_bytes = count(3, u32::MAX as usize)?;
        let np = count(4, LIMIT)?;
        let nd = count(5, LIMIT)?;
        let deal_id_bytes = count(6, u32::MAX as usize)?;
        let pagerank_len = count(7, nb)?;
        let percentile_len = count(8, nb)?;
        let iterations = count(9, usize::MAX)?;
        let centrality_deals = count(10, usize::MAX)?;
        let newest_day = match word(&header, 11) {
            NO_NEWEST => None,
            d => Some(i32::try_from(d as i64).map_err(|_| bad("newest day"))?),
        };
        let f64_at = |i: usize| f64::from_bits(word(&header, i));
        let config = Config {
            half_life_days: f64_at(12),
            common_scan_limit: count(13, usize::MAX)?,
            damping: f64_at(14),
            pagerank_max_iterations: count(15, usize::MAX)?,
            pagerank_tolerance: f64_at(16),
            stale_fraction: f64_at(17),
            hop_deal_ids: count(18, usize::MAX)?,
        };
        let total = f64_at(19);
        let finite = [
            config.damping,
            config.pagerank_tolerance,
            config.stale_fraction,
        ]
        .iter()
        .all(|x| x.is_finite());
        if !(finite && config.half_life_days.is_finite() && config.half_life_days > 0.0) {
            return Err(bad("configuration"));
        }
        // Every length is known now: allow exactly the snapshot's bytes to be read.
        let sizes = [
            (nb, BUSINESS_BYTES + 4 + 4),
            (name_bytes, 1),
            (np, TIE_BYTES + 2 * 8),
            (nd, 4 + 4 + 1 + 4),
            (deal_id_bytes, 1),
            (provinces * provinces, 8),
            (3 * provinces + 2 * provinces * commodities + commodities, 8),
            (pagerank_len, 8),
            (percentile_len, 4),
            (1, 8),
        ];
        let mut body: u64 = 0;
        for (n, size) in sizes {
            body = (n as u64)
                .checked_mul(size as u64)
                .and_then(|b| body.checked_add(b))
                .ok_or_else(|| bad("sizes"))?;
        }
        inp.allow(body);

        let businesses = inp.records(nb, BUSINESS_BYTES, headroom(nb), decode_business)?;
        let name_end: Vec<u32> = inp.vec(nb, headroom(nb))?;
        let name_arena = inp.byte_vec(name_bytes, headroom(name_bytes))?;
        let ties = inp.records(np, TIE_BYTES, headroom(np), decode_tie)?;
        let row_len: Vec<u32> = inp.vec(nb, 0)?;
        let entries: u64 = row_len.iter().map(|&n| u64::from(n)).sum();
        if entries != 2 * np as u64 {
            return Err(bad("partner rows do not hold every pair twice"));
        }
        let mut rows = inp.records(2 * np, 8, 0, |b| {
            (0u32, field::<u32>(b, 0), field::<u32>(b, 4))
        })?;
        let mut at = 0;
        for (a, &n) in row_len.iter().enumerate() {
            for r in &mut rows[at..at + n as usize] {
                r.0 = a as u32;
            }
            at += n as usize;
        }
        drop(row_len);
        let deal_prev: Vec<u32> = inp.vec(nd, headroom(nd))?;
        let deal_day: Vec<i32> = inp.vec(nd, headroom(nd))?;
        let deal_flags = inp.byte_vec(nd, headroom(nd))?;
        let deal_id_end: Vec<u32> = inp.vec(nd, headroom(nd))?;
        let deal_ids = inp.byte_vec(deal_id_bytes, headroom(deal_id_bytes))?;
        let (p, c) = (provinces, commodities);
        let flow = inp.vec(p * p, 0)?;
        let purchases = inp.vec(p, 0)?;
        let sold = inp.vec(p * c, 0)?;
        let bought = inp.vec(p * c, 0)?;
        let sold_total = inp.vec(p, 0)?;
        let bought_total = inp.vec(p, 0)?;
        let commodity_total = inp.vec(c, 0)?;
        let pagerank = inp.vec(pagerank_len, 0)?;
        let percentile = inp.vec(percentile_len, 0)?;
        let expected = inp.sum.finish();
        if inp.get::<u64>()? != expected {
            return Err(bad("checksum mismatch (damaged or partly written)"));
        }

        // Every index the graph follows must point inside its array.
        let name_arena = String::from_utf8(name_arena).map_err(|_| bad("business ids"))?;
        let deal_ids = String::from_utf8(deal_ids).map_err(|_| bad("deal ids"))?;
        if !ends_ok(&name_end, &name_arena) || !ends_ok(&deal_id_end, &deal_ids) {
            return Err(bad("id ends"));
        }
        if businesses.iter().any(|b| usize::from(b.province) >= p) {
            return Err(bad("a business's province"));
        }
        if ties
            .iter()
            .any(|t| t.head != NO_DEAL && t.head as usize >= nd)
        {
            return Err(bad("a pair's newest deal"));
        }
        // A pair's deals are linked newest to oldest, so the links only go down (no cycles).
        if deal_prev
            .iter()
            .enumerate()
            .any(|(i, &prev)| prev != NO_DEAL && prev as usize >= i)
        {
            return Err(bad("deal links"));
        }
        let rows_ok = rows
            .iter()
            .all(|&(a, z, pid)| (z as usize) < nb && (pid as usize) < np && z != a)
            && rows.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1));
        if !rows_ok {
            return Err(bad("partner rows"));
        }

        let mut tie_bits = vec![0u64; np.div_ceil(64)];
        for (pid, t) in ties.iter().enumerate() {
            if t.is_tie() {
                tie_bits[pid / 64] |= 1 << (pid % 64);
            }
        }
        let hasher = MixState::new();
        let name_hasher = RandomState::new();
        let mut name_index: HashMap<u64, NameSlot, MixState> =
            HashMap::with_capacity_and_hasher(nb + headroom(nb), hasher);
        let mut name_collisions: HashMap<Box<str>, u32> = HashMap::new();
        for ix in 0..nb as u32 {
            let id = span(&name_arena, &name_end, ix);
            match name_index.entry(name_hasher.hash_one(id)) {
                Entry::Vacant(v) => {
                    v.insert(NameSlot::new(id, ix));
                }
                Entry::Occupied(o) => {
                    if span(&name_arena, &name_end, o.get().ix) == id
                        || name_collisions.insert(id.into(), ix).is_some()
                    {
                        return Err(bad("a business id twice"));
                    }
                }
            }
        }
        let mut base = Base::from_sorted_edges(&rows).map_err(|_| bad("partner rows"))?;
        drop(rows);
        while base.node_count() < nb {
            base.add_node(());
        }
        let mut delta = Vec::with_capacity(nb + headroom(nb));
        delta.resize_with(nb, Vec::new);
        Ok(DealGraph {
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
            base,
            delta,
            delta_pairs: 0,
            deal_prev,
            deal_day,
            deal_flags,
            deal_id_end,
            deal_ids,
            flows: ProvinceFlows {
                provinces,
                commodities,
                flow,
                purchases,
                sold,
                bought,
                sold_total,
                bought_total,
                commodity_total,
                total,
            },
            centrality: Centrality {
                pagerank,
                percentile,
                iterations,
                deals: centrality_deals,
            },
            newest_day,
            hasher,
        })
    }
}

impl DealGraph {
    /// The snapshot in memory after a caller's `header` (its length, its bytes and their
    /// [`Checksum`], then [`DealGraph::write_snapshot`]'s bytes), for callers that frame
    /// fields of their own with the graph in one buffer.
    pub fn to_snapshot(&self, header: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.snapshot_len_estimate() + header.len() + 16);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(header);
        let sum = Checksum::of(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        // Writing into a Vec cannot fail.
        let _ = self.write_snapshot(&mut out);
        out
    }

    /// Reads what [`DealGraph::to_snapshot`] wrote: the graph and the caller's header. The
    /// whole of `bytes` must be the snapshot.
    pub fn from_snapshot(bytes: &[u8]) -> io::Result<(DealGraph, Vec<u8>)> {
        let mut r = bytes;
        let len = r
            .get(..8)
            .map(u64::get)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= r.len() - 8)
            .ok_or_else(|| bad("no header"))?;
        let framed = r
            .get(..8 + len + 8)
            .ok_or_else(|| bad("truncated header"))?;
        let (head, sum) = framed.split_at(8 + len);
        if Checksum::of(head) != u64::get(sum) {
            return Err(bad("damaged header"));
        }
        let header = head[8..].to_vec();
        r = &r[8 + len + 8..];
        let g = DealGraph::read_snapshot(&mut r)?;
        if !r.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok((g, header))
    }

    /// About how many bytes [`DealGraph::write_snapshot`] writes.
    fn snapshot_len_estimate(&self) -> usize {
        HEADER_BYTES
            + 16
            + self.businesses.len() * (BUSINESS_BYTES + 8)
            + self.name_arena.len()
            + self.ties.len() * (TIE_BYTES + 16)
            + self.deal_day.len() * 13
            + self.deal_ids.len()
            + 8 * (self.flows.flow.len() + 2 * self.flows.sold.len())
            + 12 * self.centrality.pagerank.len()
    }
}
