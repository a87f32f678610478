//! Warm introductions: the path through ties with the fewest hops, and among those the
//! strongest ([`IntroPath`], made of [`Hop`]s), by a bidirectional breadth-first search that
//! expands one whole layer at a time from the side with fewer ties.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::Serialize;

use super::storage::MixState;
use super::{DealGraph, DealStatus, NO_DEAL, Role};

/// One step of an introduction path: `from` and `to` have dealt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    /// What `from` did with `to`.
    pub role: Role,
    /// Ids of the completed and MoU deals, newest first, at most [`Config::hop_deal_ids`].
    ///
    /// [`Config::hop_deal_ids`]: super::Config::hop_deal_ids
    pub deals: Vec<String>,
    pub completed: u32,
    pub mou: u32,
    /// Completed value.
    pub value_idr: f64,
    pub last_day: i32,
    /// Decayed completed deals + ½ decayed MoUs, as of [`IntroPath::as_of_day`].
    pub strength: f64,
}

/// A warm introduction: the fewest hops through past deals, and among those the strongest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntroPath {
    /// Empty when `from` and `to` are the same business.
    pub hops: Vec<Hop>,
    /// Σ 1 / strength over the hops.
    pub cost: f64,
    /// Strengths are decayed to the newest deal's day.
    pub as_of_day: Option<i32>,
}

impl DealGraph {
    /// A warm introduction from `from` to `to`: the path through ties with the fewest hops
    /// (at most `max_hops`), and among those the one with the least Σ 1/strength. `None` when
    /// either business is unknown or no such path exists; `from == to` gives an empty path.
    ///
    /// Bidirectional breadth-first search, one whole layer at a time from the side whose
    /// frontier has fewer ties, carrying the best cost to each node; the first layer that
    /// meets the other side fixes the length, and the best meeting node the path. Exact, and
    /// on a power-law graph it touches about two layers on each side.
    pub fn intro(&self, from: &str, to: &str, max_hops: usize) -> Option<IntroPath> {
        let f = self.lookup(from)?;
        let t = self.lookup(to)?;
        let as_of_day = self.newest_day;
        if f == t {
            return Some(IntroPath {
                hops: Vec::new(),
                cost: 0.0,
                as_of_day,
            });
        }
        let mut fw = Search::new(f, self.hasher);
        let mut bw = Search::new(t, self.hasher);
        loop {
            if fw.depth + bw.depth >= max_hops || fw.frontier.is_empty() || bw.frontier.is_empty() {
                return None;
            }
            let forward = fw.frontier_ties(self) <= bw.frontier_ties(self);
            let (this, other) = if forward {
                (&mut fw, &bw)
            } else {
                (&mut bw, &fw)
            };
            this.expand(self);
            let mut best: Option<(u32, f64, u32)> = None;
            for &v in &this.frontier {
                let (Some(a), Some(o)) = (this.visits.get(&v), other.visits.get(&v)) else {
                    continue;
                };
                let cand = (a.depth + o.depth, a.cost + o.cost, v);
                if best.is_none_or(|b| cand < b) {
                    best = Some(cand);
                }
            }
            if let Some((_, _, meet)) = best {
                return self.intro_path(&fw, &bw, f, t, meet);
            }
        }
    }

    fn intro_path(
        &self,
        fw: &Search,
        bw: &Search,
        from: u32,
        to: u32,
        meet: u32,
    ) -> Option<IntroPath> {
        let mut steps: Vec<(u32, u32, u32)> = Vec::new();
        let mut v = meet;
        while v != from {
            let visit = fw.visits.get(&v)?;
            steps.push((visit.parent, v, visit.pair));
            v = visit.parent;
        }
        steps.reverse();
        let mut v = meet;
        while v != to {
            let visit = bw.visits.get(&v)?;
            steps.push((v, visit.parent, visit.pair));
            v = visit.parent;
        }
        let k = self.newest_day.map_or(1.0, |d| self.decay_to(d));
        let hops: Vec<Hop> = steps
            .into_iter()
            .map(|(a, b, pid)| self.hop(a, b, pid, k))
            .collect();
        let cost = hops.iter().map(|h| 1.0 / h.strength).sum();
        Some(IntroPath {
            hops,
            cost,
            as_of_day: self.newest_day,
        })
    }

    fn hop(&self, a: u32, b: u32, pid: u32, decay: f64) -> Hop {
        let t = self.tie(pid);
        let mut deals: Vec<(i32, u32)> = Vec::new();
        let mut ix = t.head;
        while ix != NO_DEAL {
            let i = ix as usize;
            if DealStatus::from_code(self.deal_flags[i]) != DealStatus::Failed {
                deals.push((self.deal_day[i], ix));
            }
            ix = self.deal_prev[i];
        }
        deals.sort_unstable_by(|x, y| y.cmp(x));
        deals.truncate(self.config.hop_deal_ids);
        Hop {
            from: self.name(a).to_string(),
            to: self.name(b).to_string(),
            role: t.role_of(a < b),
            deals: deals
                .into_iter()
                .map(|(_, i)| self.deal_id(i).to_string())
                .collect(),
            completed: t.completed,
            mou: t.mou,
            value_idr: t.value_completed,
            last_day: t.last_day,
            strength: t.strength_at_reference() * decay,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Visit {
    depth: u32,
    cost: f64,
    parent: u32,
    pair: u32,
}

/// One side of the bidirectional introduction search.
struct Search {
    visits: HashMap<u32, Visit, MixState>,
    frontier: Vec<u32>,
    depth: usize,
}

impl Search {
    fn new(start: u32, hasher: MixState) -> Search {
        let mut visits = HashMap::with_hasher(hasher);
        visits.insert(
            start,
            Visit {
                depth: 0,
                cost: 0.0,
                parent: start,
                pair: NO_DEAL,
            },
        );
        Search {
            visits,
            frontier: vec![start],
            depth: 0,
        }
    }

    fn frontier_ties(&self, g: &DealGraph) -> u64 {
        self.frontier
            .iter()
            .map(|&v| u64::from(g.business(v).ties))
            .sum()
    }

    /// Visits the next layer whole, keeping for each new node its cheapest parent.
    fn expand(&mut self, g: &DealGraph) {
        let depth = self.depth as u32 + 1;
        let mut next = Vec::new();
        for &u in &self.frontier {
            let Some(cu) = self.visits.get(&u).map(|v| v.cost) else {
                continue;
            };
            for (v, pid) in g.partners(u) {
                if !g.is_tie(pid) {
                    continue;
                }
                let strength = g.tie(pid).strength_at_reference();
                if strength <= 0.0 {
                    continue;
                }
                let visit = Visit {
                    depth,
                    cost: cu + 1.0 / strength,
                    parent: u,
                    pair: pid,
                };
                match self.visits.entry(v) {
                    Entry::Vacant(slot) => {
                        slot.insert(visit);
                        next.push(v);
                    }
                    Entry::Occupied(mut slot) => {
                        let old = slot.get_mut();
                        if old.depth == depth && visit.cost < old.cost {
                            *old = visit;
                        }
                    }
                }
            }
        }
        self.frontier = next;
        self.depth += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{TODAY, assert_close, close, deal, graph, random_graph};
    use crate::graph::{Config, DealEdge};
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    fn intro_graph() -> DealGraph {
        let mut deals = vec![
            // A–B–D: weak (one deal each).
            deal("ab", "a", "b"),
            deal("bd", "d", "b"),
            // A–C–D: strong (three deals each), equally short.
            DealEdge {
                day: TODAY - 2,
                ..deal("ca1", "a", "c")
            },
            DealEdge {
                day: TODAY - 1,
                ..deal("ca2", "a", "c")
            },
            deal("ca3", "a", "c"),
            deal("cd1", "d", "c"),
            deal("cd2", "d", "c"),
            deal("cd3", "d", "c"),
            DealEdge {
                status: DealStatus::Failed,
                ..deal("cd-failed", "d", "c")
            },
            // I hangs off D.
            deal("di", "i", "d"),
            // G–H: an island. X–Y only ever failed.
            deal("gh", "g", "h"),
            DealEdge {
                status: DealStatus::Failed,
                ..deal("xy", "x", "y")
            },
        ];
        // A–E–F–D: very strong but three hops.
        for (i, (b, s)) in [("a", "e"), ("e", "f"), ("f", "d")].into_iter().enumerate() {
            for k in 0..10 {
                deals.push(deal(&format!("long{i}-{k}"), b, s));
            }
        }
        graph(deals)
    }

    #[test]
    fn intro_takes_the_fewest_hops_then_the_strongest() {
        let g = intro_graph();
        let p = g.intro("a", "d", 4).unwrap();
        let path: Vec<(&str, &str)> = p
            .hops
            .iter()
            .map(|h| (h.from.as_str(), h.to.as_str()))
            .collect();
        assert_eq!(path, vec![("a", "c"), ("c", "d")]);
        let first = &p.hops[0];
        assert_eq!(first.role, Role::BoughtFrom);
        assert_eq!(first.deals, vec!["ca3", "ca2", "ca1"], "newest first");
        assert_eq!((first.completed, first.mou), (3, 0));
        assert_close!(first.value_idr, 3e6);
        let strength = 1.0 + (-1.0f64 / 730.0).exp2() + (-2.0f64 / 730.0).exp2();
        assert_close!(first.strength, strength);
        assert_eq!(p.hops[1].role, Role::SoldTo);
        assert_eq!(
            p.hops[1].deals,
            vec!["cd3", "cd2", "cd1"],
            "failed deals are left out"
        );
        assert_close!(p.cost, 1.0 / strength + 1.0 / 3.0);
        assert_eq!(p.as_of_day, Some(TODAY));
        // The reverse is the same path backwards.
        let back = g.intro("d", "a", 4).unwrap();
        let back_path: Vec<(&str, &str)> = back
            .hops
            .iter()
            .map(|h| (h.from.as_str(), h.to.as_str()))
            .collect();
        assert_eq!(back_path, vec![("d", "c"), ("c", "a")]);
    }

    #[test]
    fn intro_respects_max_hops_and_says_none_when_unconnected() {
        let g = intro_graph();
        assert!(g.intro("a", "d", 1).is_none());
        assert!(g.intro("a", "i", 2).is_none());
        let three = g.intro("a", "i", 3).unwrap();
        assert_eq!(three.hops.len(), 3);
        assert_eq!(three.hops[2].to, "i");
        assert!(g.intro("a", "g", 6).is_none(), "another island");
        assert!(g.intro("x", "y", 6).is_none(), "failed deals are no tie");
        assert!(
            g.intro("a", "nobody", 4).is_none(),
            "unknown → None (the caller says 404)"
        );
        let same = g.intro("a", "a", 4).unwrap();
        assert!(same.hops.is_empty() && same.cost == 0.0);
        assert_eq!(g.intro("g", "h", 1).unwrap().hops[0].deals, vec!["gh"]);
        assert!(g.intro("g", "h", 0).is_none());
    }

    #[test]
    fn intro_paths_are_shortest_on_random_graphs() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100 {
            let (g, world, deals) = random_graph(&mut rng, Config::default());
            let n = world.provinces.len();
            // An independent oracle from the deal list: tie strengths as of the newest day.
            let newest = deals.iter().map(|d| d.day).max().unwrap_or(TODAY);
            let mut strength: HashMap<(usize, usize), f64> = HashMap::new();
            for d in &deals {
                let key = |x: &str| x[1..].parse::<usize>().unwrap();
                let (b, s) = (key(&d.buyer), key(&d.seller));
                let w = match d.status {
                    DealStatus::Completed => 1.0,
                    DealStatus::Mou => 0.5,
                    DealStatus::Failed => 0.0,
                };
                let decayed = w * 0.5f64.powf(f64::from(newest - d.day) / 730.0);
                *strength.entry((b.min(s), b.max(s))).or_default() += decayed;
            }
            let tie = |a: usize, b: usize| {
                strength
                    .get(&(a.min(b), a.max(b)))
                    .copied()
                    .filter(|&s| s > 0.0)
            };
            for a in 0..n {
                if g.lookup(&format!("b{a}")).is_none() {
                    continue;
                }
                let mut dist = vec![usize::MAX; n];
                dist[a] = 0;
                let mut queue = std::collections::VecDeque::from([a]);
                while let Some(u) = queue.pop_front() {
                    for v in 0..n {
                        if tie(u, v).is_some() && dist[v] == usize::MAX {
                            dist[v] = dist[u] + 1;
                            queue.push_back(v);
                        }
                    }
                }
                // The cheapest cost over shortest paths, by a plain one-sided pass in BFS order.
                let mut by_dist: Vec<usize> = (0..n).filter(|&v| dist[v] < 4).collect();
                by_dist.sort_by_key(|&v| dist[v]);
                let mut best = vec![f64::INFINITY; n];
                best[a] = 0.0;
                for &v in &by_dist {
                    for u in 0..n {
                        if let Some(st) = tie(u, v)
                            && dist[u] != usize::MAX
                            && dist[u] + 1 == dist[v]
                        {
                            best[v] = best[v].min(best[u] + 1.0 / st);
                        }
                    }
                }
                for (v, &d) in dist.iter().enumerate() {
                    let to = format!("b{v}");
                    let got = g.intro(&format!("b{a}"), &to, 3);
                    match got {
                        Some(p) => {
                            assert_eq!(p.hops.len(), d);
                            assert!(close(p.cost, best[v]), "{} vs {}", p.cost, best[v]);
                            for w in p.hops.windows(2) {
                                assert_eq!(w[0].to, w[1].from);
                            }
                        }
                        None => assert!(d > 3 || g.lookup(&to).is_none()),
                    }
                }
            }
        }
    }
}
