//! Layer 1, selection: which pairs meet, before any slot is chosen. Must-meets are fixed
//! first, then a maximum-weight b-matching (module `flow`) picks the rest: exactly when the
//! candidate graph is bipartite, otherwise from the double cover's half-integral solution,
//! rounded greedily and improved by a swap pass. Invariant: the bound reported is never below
//! the value selected.

use super::flow::b_matching;
use super::inst::Inst;
use std::collections::VecDeque;

pub(super) struct Selection {
    pub(super) chosen: Vec<u32>,
    /// Total weight of `chosen`.
    pub(super) value: f64,
    pub(super) bound: f64,
    pub(super) exact: bool,
}

pub(super) fn select(inst: &Inst) -> Selection {
    let mut rem = inst.cap.clone();
    let mut left = inst.total_capacity();
    let usable = |c: usize| inst.cands[c].ok && !inst.common(c as u32).is_empty();

    // Must-meets first, pins before the rest (`better`). When someone has more than it can
    // attend, the heaviest that fit; the others are reported with a reason.
    let mut musts: Vec<u32> = (0..inst.cands.len())
        .filter(|&c| usable(c) && inst.cands[c].must)
        .map(|c| c as u32)
        .collect();
    musts.sort_by(|&x, &y| inst.better(x, y));
    let mut chosen = Vec::new();
    let mut taken = vec![false; inst.cands.len()];
    let mut must_value = 0.0;
    for c in musts {
        let (a, b) = inst.ends(c);
        if rem[a] > 0 && rem[b] > 0 && left > 0 {
            rem[a] -= 1;
            rem[b] -= 1;
            left -= 1;
            must_value += inst.cands[c as usize].w;
            taken[c as usize] = true;
            chosen.push(c);
        }
    }

    let rest: Vec<u32> = (0..inst.cands.len())
        .filter(|&c| {
            let (a, b) = inst.ends(c as u32);
            usable(c) && !taken[c] && inst.cands[c].w > 0.0 && rem[a] > 0 && rem[b] > 0
        })
        .map(|c| c as u32)
        .collect();
    if rest.is_empty() || left == 0 {
        return Selection {
            chosen,
            value: must_value,
            bound: must_value,
            exact: true,
        };
    }
    let sides = two_colour(inst, &rest);
    let exact = sides.is_some();
    let (flow, bound) = b_matching(inst, &rest, &rem, left, sides.as_deref());
    match sides {
        Some(_) => chosen.extend(
            rest.iter()
                .zip(&flow)
                .filter(|(_, f)| **f > 0)
                .map(|(c, _)| *c),
        ),
        None => chosen.extend(round_half_integral(inst, &rest, &flow, &mut rem, left)),
    }
    let value: f64 = chosen.iter().map(|&c| inst.cands[c as usize].w).sum();
    Selection {
        chosen,
        value,
        // The dual bound is exact up to rounding of the flow's costs; never report a bound
        // below a value actually reached.
        bound: (must_value + bound).max(value),
        exact,
    }
}

/// Two-colours the graph of `edges`; `None` if it has an odd cycle.
fn two_colour(inst: &Inst, edges: &[u32]) -> Option<Vec<u8>> {
    let adj = adjacency(inst.n, edges.iter().map(|&c| inst.ends(c)));
    let mut side = vec![u8::MAX; inst.n];
    let mut queue = VecDeque::new();
    for root in 0..inst.n {
        if side[root] != u8::MAX {
            continue;
        }
        side[root] = 0;
        queue.push_back(root);
        while let Some(x) = queue.pop_front() {
            for &y in &adj.1[adj.0[x]..adj.0[x + 1]] {
                let y = y as usize;
                if side[y] == u8::MAX {
                    side[y] = 1 - side[x];
                    queue.push_back(y);
                } else if side[y] == side[x] {
                    return None;
                }
            }
        }
    }
    Some(side)
}

/// Compressed adjacency lists: `(offsets, neighbours)`.
fn adjacency(
    n: usize,
    edges: impl Iterator<Item = (usize, usize)> + Clone,
) -> (Vec<usize>, Vec<u32>) {
    let mut start = vec![0usize; n + 1];
    for (a, b) in edges.clone() {
        start[a + 1] += 1;
        start[b + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut nbr = vec![0u32; start[n]];
    for (a, b) in edges {
        nbr[next[a]] = b as u32;
        next[a] += 1;
        nbr[next[b]] = a as u32;
        next[b] += 1;
    }
    (start, nbr)
}

/// Turns the double cover's half-integral b-matching into an integral one: edges used
/// twice first, then once, then the rest, each heaviest first; then a swap pass.
fn round_half_integral(
    inst: &Inst,
    edges: &[u32],
    flow: &[u8],
    rem: &mut [u32],
    mut left: usize,
) -> Vec<u32> {
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&x, &y| flow[y].cmp(&flow[x]).then(inst.better(edges[x], edges[y])));
    let mut chosen = vec![false; edges.len()];
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); inst.n];
    for &e in &order {
        let (a, b) = inst.ends(edges[e]);
        if rem[a] > 0 && rem[b] > 0 && left > 0 {
            rem[a] -= 1;
            rem[b] -= 1;
            left -= 1;
            chosen[e] = true;
            at[a].push(e);
            at[b].push(e);
        }
    }
    // Swap pass: an unchosen edge replaces the lightest chosen edge at each saturated end
    // when it is worth more than what it displaces.
    let w = |e: usize| inst.cands[edges[e] as usize].w;
    order.sort_by(|&x, &y| inst.better(edges[x], edges[y]));
    for _ in 0..3 {
        let mut improved = false;
        for &e in &order {
            if chosen[e] {
                continue;
            }
            let (a, b) = inst.ends(edges[e]);
            let lightest = |p: usize, at: &[Vec<usize>]| {
                at[p].iter().copied().min_by(|&x, &y| w(x).total_cmp(&w(y)))
            };
            let out_a = if rem[a] == 0 { lightest(a, &at) } else { None };
            let out_b = if rem[b] == 0 { lightest(b, &at) } else { None };
            if (rem[a] == 0 && out_a.is_none()) || (rem[b] == 0 && out_b.is_none()) {
                continue;
            }
            if left == 0 && out_a.is_none() && out_b.is_none() {
                continue;
            }
            let lost: f64 = out_a.map_or(0.0, w) + out_b.map_or(0.0, w);
            if w(e) <= lost + 1e-12 * w(e).max(1.0) {
                continue;
            }
            for out in [out_a, out_b].into_iter().flatten() {
                let (x, y) = inst.ends(edges[out]);
                chosen[out] = false;
                at[x].retain(|&f| f != out);
                at[y].retain(|&f| f != out);
                rem[x] += 1;
                rem[y] += 1;
                left += 1;
            }
            rem[a] -= 1;
            rem[b] -= 1;
            left -= 1;
            chosen[e] = true;
            at[a].push(e);
            at[b].push(e);
            improved = true;
        }
        if !improved {
            break;
        }
    }
    (0..edges.len())
        .filter(|&e| chosen[e])
        .map(|e| edges[e])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Problem, solve};
    use super::*;
    use crate::plan::testkit::{Rng, Shape, problem_with};

    /// Best (must-meets, value) over every subset of candidates that respects caps and the
    /// `tables × slots` total: the selection optimum.
    fn brute_selection(p: &Problem) -> (usize, f64) {
        let inst = Inst::new(p);
        let useful: Vec<usize> = (0..p.candidates.len())
            .filter(|&c| inst.cands[c].ok && (inst.cands[c].w > 0.0 || inst.cands[c].must))
            .collect();
        let mut best = (0, 0.0);
        for mask in 0u32..1 << useful.len() {
            let mut count = vec![0u32; inst.n];
            let (mut musts, mut value, mut total, mut ok) = (0, 0.0, 0, true);
            for (k, &c) in useful.iter().enumerate() {
                if mask >> k & 1 == 1 {
                    let (a, b) = inst.ends(c as u32);
                    count[a] += 1;
                    count[b] += 1;
                    total += 1;
                    ok &= count[a] <= inst.cap[a] && count[b] <= inst.cap[b];
                    musts += usize::from(inst.cands[c].must);
                    value += inst.cands[c].w;
                }
            }
            if ok && total <= inst.total_capacity() && (musts, value) > best {
                best = (musts, value);
            }
        }
        best
    }

    #[test]
    fn full_availability_bipartite_matches_brute_force_exactly() {
        // With full availability, any b-matching within the caps and the table total can be
        // placed (König + de Werra), so the planner must reach the selection optimum.
        let mut rng = Rng::new(3);
        let mut tested = 0;
        while tested < 400 {
            let slots = rng.range(1, 5);
            let p = problem_with(&mut rng, |rng| Shape {
                sizes: [rng.range(1, 5), rng.range(1, 6)],
                groups: 2,
                slots,
                tables: rng.range(1, 4),
                cap: slots + 1,
                density: 0.5,
                partial: 0.0,
                must: 0.1,
                want: 0.1,
            });
            if p.candidates.len() > 14 {
                continue;
            }
            tested += 1;
            let s = solve(&p);
            let (musts, best) = brute_selection(&p);
            assert_eq!(s.stats.must_placed, musts, "instance {tested}");
            assert!(
                (s.stats.total_weight - best).abs() <= 1e-6 * best.max(1.0),
                "instance {tested}: planner {} vs optimum {best}\n{p:?}",
                s.stats.total_weight
            );
            assert!(s.stats.upper_bound >= best - 1e-6);
            assert!(
                s.stats.upper_bound <= best + 1e-4 * best.max(1.0),
                "bound is tight"
            );
        }
    }

    #[test]
    fn three_group_bound_is_valid() {
        let mut rng = Rng::new(7);
        let mut tested = 0;
        while tested < 300 {
            let slots = rng.range(1, 4);
            let p = problem_with(&mut rng, |rng| Shape {
                sizes: [rng.range(2, 4), rng.range(2, 4)],
                groups: 3,
                slots,
                tables: 10,
                cap: slots,
                density: 0.6,
                partial: 0.0,
                must: 0.0,
                want: 0.0,
            });
            if p.candidates.len() > 14 {
                continue;
            }
            tested += 1;
            let (_, best) = brute_selection(&p);
            let s = solve(&p);
            assert!(s.stats.upper_bound >= best - 1e-6, "instance {tested}");
            assert!(s.stats.total_weight <= best + 1e-6);
        }
    }
}
