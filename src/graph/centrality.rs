//! The PageRank snapshot of the tie graph ([`Centrality`]): computed by power iteration on a
//! contiguous copy of the ties under `&self`, installed whole, and refreshed once stale.

use super::DealGraph;

/// A PageRank snapshot of the tie graph (undirected, unweighted; nodes without ties are
/// dangling and spread their rank evenly).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Centrality {
    /// PageRank per business index (sums to 1).
    pub(super) pagerank: Vec<f64>,
    /// Mid-rank percentile among businesses with ties, in [0, 1]; 0 without ties.
    pub(super) percentile: Vec<f32>,
    pub(super) iterations: usize,
    /// Deals in the graph when computed.
    pub(super) deals: usize,
}

impl Centrality {
    /// Power iterations it took.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Deals the graph held when it was computed.
    pub fn deals(&self) -> usize {
        self.deals
    }
}

impl DealGraph {
    /// True when more than [`Config::stale_fraction`] of the deals arrived after the snapshot
    /// (or there was none).
    ///
    /// [`Config::stale_fraction`]: super::Config::stale_fraction
    pub fn centrality_is_stale(&self) -> bool {
        let (now, then) = (self.deal_count(), self.centrality.deals);
        now > then && (then == 0 || (now - then) as f64 > self.config.stale_fraction * then as f64)
    }

    /// PageRank of the tie graph by power iteration on a contiguous copy of the ties. Needs
    /// only `&self`, so the engine can compute it under a read lock and swap it in with
    /// [`DealGraph::set_centrality`].
    pub fn compute_centrality(&self) -> Centrality {
        let n = self.businesses.len();
        if n == 0 {
            return Centrality {
                deals: self.deal_count(),
                ..Centrality::default()
            };
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets: Vec<u32> = Vec::with_capacity(2 * self.ties.len());
        offsets.push(0usize);
        for a in 0..n as u32 {
            targets.extend(
                self.partners(a)
                    .filter(|&(_, pid)| self.is_tie(pid))
                    .map(|(z, _)| z),
            );
            offsets.push(targets.len());
        }
        let d = self.config.damping.clamp(0.0, 1.0);
        let nf = n as f64;
        let mut rank = vec![1.0 / nf; n];
        let mut next = vec![0.0; n];
        let mut share = vec![0.0; n];
        let mut iterations = 0;
        for _ in 0..self.config.pagerank_max_iterations {
            iterations += 1;
            let mut dangling = 0.0;
            for v in 0..n {
                let deg = offsets[v + 1] - offsets[v];
                if deg == 0 {
                    dangling += rank[v];
                    share[v] = 0.0;
                } else {
                    share[v] = rank[v] / deg as f64;
                }
            }
            let base = (1.0 - d) / nf + d * dangling / nf;
            let mut change = 0.0;
            for v in 0..n {
                let sum: f64 = targets[offsets[v]..offsets[v + 1]]
                    .iter()
                    .map(|&u| share[u as usize])
                    .sum();
                next[v] = base + d * sum;
                change += (next[v] - rank[v]).abs();
            }
            std::mem::swap(&mut rank, &mut next);
            if change < self.config.pagerank_tolerance {
                break;
            }
        }
        // Mid-rank percentiles among businesses with ties.
        let mut order: Vec<u32> = (0..n)
            .filter(|&v| offsets[v + 1] > offsets[v])
            .map(|v| v as u32)
            .collect();
        order.sort_unstable_by(|&a, &b| rank[a as usize].total_cmp(&rank[b as usize]));
        let mut percentile = vec![0.0f32; n];
        let m = order.len();
        let mut i = 0;
        while i < m {
            let r = rank[order[i] as usize];
            let mut j = i + 1;
            while j < m && rank[order[j] as usize] == r {
                j += 1;
            }
            let p = if m > 1 {
                (i as f64 + 0.5 * (j - i - 1) as f64) / (m - 1) as f64
            } else {
                1.0
            };
            for &v in &order[i..j] {
                percentile[v as usize] = p as f32;
            }
            i = j;
        }
        Centrality {
            pagerank: rank,
            percentile,
            iterations,
            deals: self.deal_count(),
        }
    }

    /// Installs a snapshot from [`DealGraph::compute_centrality`]; businesses that arrived
    /// after it have centrality 0 until the next one.
    pub fn set_centrality(&mut self, centrality: Centrality) {
        self.centrality = centrality;
    }

    /// The periodic upkeep: [`DealGraph::compact`], then a new centrality snapshot.
    pub fn refresh_centrality(&mut self) {
        self.compact();
        let c = self.compute_centrality();
        self.set_centrality(c);
    }

    pub fn centrality(&self) -> &Centrality {
        &self.centrality
    }

    /// The business's PageRank in the current snapshot.
    pub fn pagerank(&self, business: &str) -> Option<f64> {
        let ix = self.lookup(business)?;
        Some(
            self.centrality
                .pagerank
                .get(ix as usize)
                .copied()
                .unwrap_or(0.0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{TODAY, assert_close, deal};
    use crate::graph::{DealEdge, DealStatus};

    #[test]
    fn pagerank_on_a_triangle_and_a_star() {
        let tri = DealGraph::build(
            4,
            2,
            vec![
                deal("1", "a", "b"),
                deal("2", "b", "c"),
                deal("3", "c", "a"),
            ],
        )
        .unwrap();
        for id in ["a", "b", "c"] {
            assert_close!(tri.pagerank(id).unwrap(), 1.0 / 3.0);
            assert_close!(tri.signals("x", id, TODAY).seller_centrality, 0.5);
        }
        // A star with 3 leaves: centre (1 + 3d) / (4 (1 + d)), leaves (1 − centre) / 3.
        let mut star = DealGraph::build(
            4,
            2,
            vec![
                deal("1", "l1", "c"),
                deal("2", "l2", "c"),
                deal("3", "c", "l3"),
                // A failed-only pair is no tie: its businesses dangle.
                DealEdge {
                    status: DealStatus::Failed,
                    ..deal("4", "f1", "f2")
                },
            ],
        )
        .unwrap();
        let d = 0.85;
        // The two dangling businesses spread their rank over all 6.
        let n = 6.0;
        // With dangling mass δ shared evenly: c = t + d·3l, l = t + d·c/3, t = (1−d)/n + dδ/n,
        // δ = 2f, f = t. Solved numerically below; check the ratios and sum instead.
        let (c, l, f) = (
            star.pagerank("c").unwrap(),
            star.pagerank("l1").unwrap(),
            star.pagerank("f1").unwrap(),
        );
        assert_close!(c + 3.0 * l + 2.0 * f, 1.0);
        assert_close!(f, (1.0 - d) / n + d * 2.0 * f / n);
        assert_close!(l, f + d * c / 3.0);
        assert_close!(c, f + d * 3.0 * l);
        assert_eq!(star.signals("x", "c", TODAY).seller_centrality, 1.0);
        assert_close!(star.signals("x", "l2", TODAY).seller_centrality, 1.0 / 3.0);
        assert_eq!(star.signals("x", "f2", TODAY).seller_centrality, 0.0);
        assert!(star.centrality().iterations() > 1);
        // The plain star, no dangling nodes: the textbook values.
        let plain = DealGraph::build(
            4,
            2,
            vec![
                deal("1", "l1", "c"),
                deal("2", "l2", "c"),
                deal("3", "c", "l3"),
            ],
        )
        .unwrap();
        let centre = (1.0 + 3.0 * d) / (4.0 * (1.0 + d));
        assert_close!(plain.pagerank("c").unwrap(), centre);
        assert_close!(plain.pagerank("l3").unwrap(), (1.0 - centre) / 3.0);
        // Staleness: one more deal on top of four is more than 10 %.
        assert!(!star.centrality_is_stale());
        star.add(deal("5", "l4", "c")).unwrap();
        assert!(star.centrality_is_stale());
        star.refresh_centrality();
        assert!(!star.centrality_is_stale());
    }
}
