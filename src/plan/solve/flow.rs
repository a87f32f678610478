//! The b-matching as a min-cost circulation: Goldberg–Tarjan cost scaling with FIFO
//! push–relabel on integer costs, and the LP-dual upper bound read off the final prices in
//! `f64` from the original weights, so it is a true bound however the costs were rounded.

use super::inst::Inst;
use std::collections::VecDeque;

/// Maximum-weight b-matching on `edges` with residual caps `rem` and at most `limit`
/// edges, as a min-cost circulation. With `sides` (a bipartition) it is exact; without, it
/// runs on the bipartite double cover and returns, per edge, how many of its two copies
/// are used (0, 1 or 2). Returns the flow per edge and the dual upper bound on the
/// (integral) optimum.
pub(super) fn b_matching(
    inst: &Inst,
    edges: &[u32],
    rem: &[u32],
    limit: usize,
    sides: Option<&[u8]>,
) -> (Vec<u8>, f64) {
    let n = inst.n;
    let copies = if sides.is_some() { 1 } else { 2 };
    // Node layout: participants as left nodes [0, n), right nodes [n, 2n) (only used by
    // the double cover; the bipartite case puts each participant on its own side), then
    // source and sink.
    let (source, sink) = (2 * n, 2 * n + 1);
    let left = |p: usize| p;
    let right = |p: usize| if sides.is_some() { p } else { n + p };
    let mut degree = vec![0u32; n];
    for &c in edges {
        let (a, b) = inst.ends(c);
        degree[a] += 1;
        degree[b] += 1;
    }
    let max_w = edges
        .iter()
        .map(|&c| inst.cands[c as usize].w)
        .fold(0.0f64, f64::max);
    let nodes = 2 * n + 2;
    // Integer costs: the largest weight maps to ~1e6, kept small enough that costs ×
    // (nodes + 1) × nodes cannot overflow an i64 during scaling.
    let resolution = (1e6f64).min(1e18 / ((nodes as f64 + 1.0) * nodes as f64 * 4.0));
    let k = resolution / max_w;
    let limit_cap = i32::try_from(limit.saturating_mul(copies)).unwrap_or(i32::MAX);

    let mut arcs: Vec<(u32, u32, i32, i64)> = Vec::with_capacity(edges.len() * copies + 2 * n + 1);
    let mut terminal = Vec::new(); // (node, is_source_arc, cap)
    for p in 0..n {
        if degree[p] == 0 || rem[p] == 0 {
            continue;
        }
        let cap = rem[p] as i32;
        let on_left = sides.is_none_or(|s| s[p] == 0);
        let on_right = sides.is_none_or(|s| s[p] == 1);
        if on_left {
            terminal.push((left(p), true, cap));
            arcs.push((source as u32, left(p) as u32, cap, 0));
        }
        if on_right {
            terminal.push((right(p), false, cap));
            arcs.push((right(p) as u32, sink as u32, cap, 0));
        }
    }
    arcs.push((sink as u32, source as u32, limit_cap, 0));
    let first_edge_arc = arcs.len();
    for &c in edges {
        let (a, b) = inst.ends(c);
        let cost = -((inst.cands[c as usize].w * k).round() as i64).max(1);
        match sides {
            Some(s) => {
                let (l, r) = if s[a] == 0 { (a, b) } else { (b, a) };
                arcs.push((left(l) as u32, right(r) as u32, 1, cost));
            }
            None => {
                arcs.push((left(a) as u32, right(b) as u32, 1, cost));
                arcs.push((left(b) as u32, right(a) as u32, 1, cost));
            }
        }
    }
    let (mut net, pos) = Circulation::new(nodes, &arcs);
    net.solve();

    let flow: Vec<u8> = (0..edges.len())
        .map(|e| {
            (0..copies)
                .map(|j| net.flow(pos[first_edge_arc + e * copies + j]) as u8)
                .sum()
        })
        .collect();

    // Dual bound. With prices p and reduced cost c + p(tail) − p(head) ≥ −ε on residual
    // arcs: y(left x) = max(0, p(x) − p(s)), y(right x) = max(0, p(t) − p(x)),
    // λ = max(0, p(s) − p(t)) and z(e) = max(0, w − y − y' − λ) form a feasible solution of
    // the LP dual, whatever the prices; its value bounds every b-matching from above.
    let unit = k * net.multiplier as f64;
    let price = |v: usize| net.price[v] as f64 / unit;
    let (ps, pt) = (price(source), price(sink));
    let mut y = vec![0.0f64; nodes];
    let mut dual = 0.0;
    for &(node, from_source, cap) in &terminal {
        y[node] = if from_source {
            (price(node) - ps).max(0.0)
        } else {
            (pt - price(node)).max(0.0)
        };
        dual += f64::from(cap) * y[node];
    }
    let lambda = (ps - pt).max(0.0);
    dual += limit_cap as f64 * lambda;
    for (e, &c) in edges.iter().enumerate() {
        let w = inst.cands[c as usize].w;
        for j in 0..copies {
            let (tail, head, _, _) = arcs[first_edge_arc + e * copies + j];
            dual += (w - y[tail as usize] - y[head as usize] - lambda).max(0.0);
        }
    }
    (flow, dual / copies as f64)
}

/// A min-cost circulation on integer costs, solved by Goldberg–Tarjan cost scaling with
/// FIFO push–relabel. Costs are multiplied by `nodes + 1`, so the final 1-optimal
/// circulation is optimal for the original costs. Arcs are stored compressed by tail.
struct Circulation {
    start: Vec<u32>,
    head: Vec<u32>,
    rev: Vec<u32>,
    cap: Vec<i32>,
    cost: Vec<i64>,
    price: Vec<i64>,
    multiplier: i64,
}

/// Shrink factor of ε between refine passes.
const ALPHA: i64 = 10;

impl Circulation {
    /// Builds the network; returns it and, for each input arc, its position.
    fn new(nodes: usize, arcs: &[(u32, u32, i32, i64)]) -> (Circulation, Vec<u32>) {
        let mut start = vec![0u32; nodes + 1];
        for &(t, h, _, _) in arcs {
            start[t as usize + 1] += 1;
            start[h as usize + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let m = 2 * arcs.len();
        let mut next: Vec<u32> = start[..nodes].to_vec();
        let mut net = Circulation {
            start,
            head: vec![0; m],
            rev: vec![0; m],
            cap: vec![0; m],
            cost: vec![0; m],
            price: vec![0; nodes],
            multiplier: nodes as i64 + 1,
        };
        let mut pos = Vec::with_capacity(arcs.len());
        for &(t, h, cap, cost) in arcs {
            let f = next[t as usize] as usize;
            next[t as usize] += 1;
            let r = next[h as usize] as usize;
            next[h as usize] += 1;
            net.head[f] = h;
            net.head[r] = t;
            net.rev[f] = r as u32;
            net.rev[r] = f as u32;
            net.cap[f] = cap;
            net.cost[f] = cost * net.multiplier;
            net.cost[r] = -cost * net.multiplier;
            pos.push(f as u32);
        }
        (net, pos)
    }

    fn flow(&self, arc: u32) -> i32 {
        self.cap[self.rev[arc as usize] as usize]
    }

    fn solve(&mut self) {
        let mut eps = self.cost.iter().map(|c| c.abs()).max().unwrap_or(0);
        if eps == 0 {
            return;
        }
        let nodes = self.price.len();
        let mut excess = vec![0i64; nodes];
        let mut current = vec![0u32; nodes];
        let mut queue = VecDeque::new();
        loop {
            eps = (eps / ALPHA).max(1);
            self.refine(eps, &mut excess, &mut current, &mut queue);
            if eps == 1 {
                break;
            }
        }
    }

    /// Turns an ε·α-optimal circulation into an ε-optimal one.
    fn refine(
        &mut self,
        eps: i64,
        excess: &mut [i64],
        current: &mut [u32],
        queue: &mut VecDeque<u32>,
    ) {
        let nodes = self.price.len();
        // Saturate every arc with negative reduced cost: 0-optimal, but not a circulation.
        for v in 0..nodes {
            let pv = self.price[v];
            for a in self.start[v] as usize..self.start[v + 1] as usize {
                let r = self.cap[a];
                if r > 0 && self.cost[a] + pv - self.price[self.head[a] as usize] < 0 {
                    let w = self.head[a] as usize;
                    self.cap[a] = 0;
                    self.cap[self.rev[a] as usize] += r;
                    excess[v] -= i64::from(r);
                    excess[w] += i64::from(r);
                }
            }
        }
        queue.clear();
        for v in 0..nodes {
            current[v] = self.start[v];
            if excess[v] > 0 {
                queue.push_back(v as u32);
            }
        }
        while let Some(v) = queue.pop_front() {
            let v = v as usize;
            let end = self.start[v + 1] as usize;
            while excess[v] > 0 {
                let pv = self.price[v];
                let mut a = current[v] as usize;
                while a < end {
                    let r = self.cap[a];
                    if r > 0 {
                        let w = self.head[a] as usize;
                        if self.cost[a] + pv - self.price[w] < 0 {
                            let d = excess[v].min(i64::from(r));
                            self.cap[a] -= d as i32;
                            self.cap[self.rev[a] as usize] += d as i32;
                            excess[v] -= d;
                            let before = excess[w];
                            excess[w] += d;
                            if before <= 0 && excess[w] > 0 {
                                queue.push_back(w as u32);
                            }
                            if excess[v] == 0 {
                                break;
                            }
                        }
                    }
                    a += 1;
                }
                current[v] = a as u32;
                if excess[v] == 0 {
                    break;
                }
                // Relabel: lower the price just enough to make the best arc admissible.
                let mut best = i64::MIN;
                for a in self.start[v] as usize..end {
                    if self.cap[a] > 0 {
                        best = best.max(self.price[self.head[a] as usize] - self.cost[a]);
                    }
                }
                if best == i64::MIN {
                    break; // unreachable for a circulation: excess always has a way out
                }
                self.price[v] = best - eps;
                current[v] = self.start[v];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Problem;
    use super::super::inst::Inst;
    use super::super::select::select;
    use crate::plan::testkit::{Rng, Shape, problem_with};

    /// Reference: successive shortest paths with Bellman–Ford on the same b-matching.
    fn ssp_selection(p: &Problem) -> f64 {
        let inst = Inst::new(p);
        let (s, t) = (inst.n, inst.n + 1);
        let mut arcs: Vec<(usize, usize, i64, f64)> = Vec::new(); // to, from, cap, cost
        let add =
            |arcs: &mut Vec<(usize, usize, i64, f64)>, u: usize, v: usize, cap: i64, cost: f64| {
                arcs.push((v, u, cap, cost));
                arcs.push((u, v, 0, -cost));
            };
        for (c, cand) in inst.cands.iter().enumerate() {
            if cand.ok && cand.w > 0.0 && !inst.common(c as u32).is_empty() {
                let (a, b) = (cand.a as usize, cand.b as usize);
                let (l, r) = if p.participants[a].group == 0 {
                    (a, b)
                } else {
                    (b, a)
                };
                add(&mut arcs, l, r, 1, -cand.w);
            }
        }
        for i in 0..inst.n {
            if p.participants[i].group == 0 {
                add(&mut arcs, s, i, i64::from(inst.cap[i]), 0.0);
            } else {
                add(&mut arcs, i, t, i64::from(inst.cap[i]), 0.0);
            }
        }
        let mut total = 0.0;
        for _ in 0..inst.total_capacity() {
            let mut dist = vec![f64::INFINITY; inst.n + 2];
            let mut via = vec![usize::MAX; inst.n + 2];
            dist[s] = 0.0;
            for _ in 0..inst.n + 2 {
                let mut changed = false;
                for (k, &(to, from, cap, cost)) in arcs.iter().enumerate() {
                    if cap > 0 && dist[from] + cost < dist[to] - 1e-12 {
                        dist[to] = dist[from] + cost;
                        via[to] = k;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            if dist[t] >= -1e-12 {
                break;
            }
            total -= dist[t];
            let mut v = t;
            while v != s {
                let k = via[v];
                arcs[k].2 -= 1;
                arcs[k ^ 1].2 += 1;
                v = arcs[k].1;
            }
        }
        total
    }

    #[test]
    fn cost_scaling_agrees_with_successive_shortest_paths() {
        let mut rng = Rng::new(6);
        for i in 0..60 {
            let slots = rng.range(2, 12);
            let p = problem_with(&mut rng, |rng| Shape {
                sizes: [rng.range(5, 25), rng.range(5, 40)],
                groups: 2,
                slots,
                tables: rng.range(3, 30),
                cap: slots,
                density: rng.unit(),
                partial: 0.3,
                must: 0.0,
                want: 0.0,
            });
            let inst = Inst::new(&p);
            let sel = select(&inst);
            let value: f64 = sel.chosen.iter().map(|&c| inst.cands[c as usize].w).sum();
            let reference = ssp_selection(&p);
            assert!(
                (value - reference).abs() <= 1e-6 * reference.max(1.0),
                "instance {i}: {value} vs {reference}"
            );
            assert!(sel.bound >= reference - 1e-6 && sel.bound <= reference * (1.0 + 1e-5) + 1e-6);
        }
    }
}
