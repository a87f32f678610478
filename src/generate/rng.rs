//! Randomness: the seeded ChaCha8 streams and every draw the generator makes, built on
//! `next_u64` only so the output does not depend on a `rand` version.
//!
//! Invariant: each phase has its own stream (`STREAM_*`); adding a draw to one phase must not
//! shift another's.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng as _, SeedableRng};

pub(super) const STREAM_BUSINESSES: u64 = 1;
pub(super) const STREAM_DEALS: u64 = 2;
pub(super) const STREAM_MISSION_SPEC: u64 = 3;
/// Mission `i` selects its participants from stream `STREAM_MISSIONS + 2i` and makes its
/// deals from `STREAM_MISSIONS + 2i + 1`.
pub(super) const STREAM_MISSIONS: u64 = 100;

/// ChaCha8 with the few draws the generator needs, all built on `next_u64`.
pub(super) struct Rng(ChaCha8Rng);

impl Rng {
    pub(super) fn new(seed: u64, stream: u64) -> Rng {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(stream);
        Rng(r)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub(super) fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-40 for the sizes used here).
    pub(super) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((self.0.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    pub(super) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given (non-negative) weights; `None` when they sum to zero.
    pub(super) fn weighted(&mut self, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return None;
        }
        let mut x = self.unit() * total;
        let mut last = None;
        for (i, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                if x < w {
                    return Some(i);
                }
                x -= w;
                last = Some(i);
            }
        }
        last
    }

    /// Up to `k` distinct indices drawn with the given weights, without replacement.
    pub(super) fn weighted_distinct(&mut self, weights: &[f64], k: usize) -> Vec<usize> {
        let mut w = weights.to_vec();
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            match self.weighted(&w) {
                Some(i) => {
                    out.push(i);
                    w[i] = 0.0;
                }
                None => break,
            }
        }
        out
    }

    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A positive size factor with median about 1 and a long right tail (0.3 to about 7).
    pub(super) fn spread(&mut self) -> f64 {
        let a = self.unit();
        let b = self.unit();
        (0.3 + 1.4 * a) * (1.0 + 3.0 * b * b * b)
    }

    /// A Pareto(α = 1) activity in [1, 20]: most businesses trade a little, a few a lot.
    pub(super) fn activity(&mut self) -> f64 {
        1.0 / (0.05 + 0.95 * self.unit())
    }
}

/// Walker's alias table: O(1) draws from a fixed discrete distribution.
pub(super) struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    pub(super) fn new(weights: &[f64]) -> Option<Alias> {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || total <= 0.0 {
            return None;
        }
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for (i, &p) in prob.iter().enumerate() {
            if p < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i as usize] = 1.0;
        }
        Some(Alias { prob, alias })
    }

    pub(super) fn draw(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len());
        if rng.unit() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Index of the first cumulative weight above `x` within `cum` (non-decreasing).
pub(super) fn search_cum(cum: &[f64], x: f64) -> usize {
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

/// A stable 64-bit hash (FNV-1a) for deterministic choices that must not depend on the seed.
pub(super) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_draws_follow_the_weights() {
        let mut rng = Rng::new(1, 1);
        let a = Alias::new(&[1.0, 0.0, 3.0]).unwrap();
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[a.draw(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            (counts[2] as f64 / counts[0] as f64 - 3.0).abs() < 0.2,
            "{counts:?}"
        );
    }
}
