//! The compact roster kept for deal generation: what deals and mission selection need of
//! each business, in flat vectors.

use crate::model::{Business, BusinessKind, Quantity};
use crate::reference::ProvinceIx;

use super::model::Model;

/// What deal generation and mission selection need of each business, in flat vectors
/// (listings of business `b` are `offer_start[b]..offer_start[b + 1]`). Quantities are per
/// month in the catalog unit.
#[derive(Default)]
pub(super) struct Roster {
    pub(super) province: Vec<u8>,
    pub(super) seq: Vec<u32>,
    pub(super) kind: Vec<BusinessKind>,
    pub(super) offer_start: Vec<u32>,
    pub(super) offer_c: Vec<u16>,
    pub(super) offer_qty: Vec<f32>,
    pub(super) offer_price: Vec<[f32; 2]>,
    pub(super) need_start: Vec<u32>,
    pub(super) need_c: Vec<u16>,
    pub(super) need_qty: Vec<f32>,
}

pub(super) const UNKNOWN_PROVINCE: u8 = u8::MAX;

fn monthly(q: &Quantity) -> f32 {
    let f = match q.per.as_deref() {
        Some("day") => 30.0,
        Some("week") => 30.0 / 7.0,
        Some("quarter") => 1.0 / 3.0,
        Some("year") => 1.0 / 12.0,
        _ => 1.0,
    };
    (q.qty * f) as f32
}

impl Roster {
    pub(super) fn with_capacity(n: usize) -> Roster {
        let mut r = Roster {
            province: Vec::with_capacity(n),
            seq: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            offer_start: Vec::with_capacity(n + 1),
            need_start: Vec::with_capacity(n + 1),
            ..Roster::default()
        };
        r.offer_start.push(0);
        r.need_start.push(0);
        r
    }

    pub(super) fn len(&self) -> usize {
        self.province.len()
    }

    pub(super) fn push(&mut self, model: &Model, b: &Business, p: ProvinceIx, seq: u32) {
        self.province.push(p as u8);
        self.seq.push(seq);
        self.kind.push(b.kind);
        for l in &b.offers {
            let Some(c) = model.r.commodity(&l.commodity) else {
                continue;
            };
            let (lo, hi, _, _) = model.price[c];
            let price = l
                .price
                .as_ref()
                .map(|p| [p.min as f32, p.max as f32])
                .unwrap_or([lo as f32, hi as f32]);
            self.offer_c.push(c as u16);
            self.offer_qty
                .push(l.capacity.as_ref().map(monthly).unwrap_or(1.0));
            self.offer_price.push(price);
        }
        for l in &b.needs {
            let Some(c) = model.r.commodity(&l.commodity) else {
                continue;
            };
            self.need_c.push(c as u16);
            self.need_qty
                .push(l.volume.as_ref().map(monthly).unwrap_or(1.0));
        }
        self.offer_start.push(self.offer_c.len() as u32);
        self.need_start.push(self.need_c.len() as u32);
    }

    /// A business read back from a file (for the mission spec).
    pub(super) fn push_known(&mut self, model: &Model, b: &Business) {
        let p = model.r.province(&b.province);
        self.push(model, b, p.unwrap_or(0), 0);
        if p.is_none() {
            *self.province.last_mut().expect("just pushed") = UNKNOWN_PROVINCE;
        }
    }

    pub(super) fn offers_of(&self, b: u32) -> &[u16] {
        let b = b as usize;
        &self.offer_c[self.offer_start[b] as usize..self.offer_start[b + 1] as usize]
    }

    pub(super) fn needs_of(&self, b: u32) -> &[u16] {
        let b = b as usize;
        &self.need_c[self.need_start[b] as usize..self.need_start[b + 1] as usize]
    }

    /// The index of business b's offer (or need) of commodity c.
    pub(super) fn offer_ix(&self, b: u32, c: u16) -> Option<usize> {
        let s = self.offer_start[b as usize] as usize;
        self.offers_of(b)
            .iter()
            .position(|&x| x == c)
            .map(|i| s + i)
    }

    pub(super) fn need_ix(&self, b: u32, c: u16) -> Option<usize> {
        let s = self.need_start[b as usize] as usize;
        self.needs_of(b).iter().position(|&x| x == c).map(|i| s + i)
    }

    /// The owner of each offer and of each need.
    pub(super) fn owners(starts: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(*starts.last().unwrap_or(&0) as usize);
        for b in 0..starts.len().saturating_sub(1) {
            out.extend(std::iter::repeat_n(
                b as u32,
                (starts[b + 1] - starts[b]) as usize,
            ));
        }
        out
    }
}
