//! Layers 3 and 4, repair and improvement. A meeting is inserted directly, by a chain swap,
//! or by ejecting cheaper meetings, which go back in the queue; `fill` adds every further
//! candidate that fits; `improve` forces a lost meeting in and keeps the result only if
//! (must-meets, value) rose, rolling back through the board's journal otherwise. Invariant:
//! an ejection never evicts a must-meet and always raises (must-meets, value), so repair
//! terminates.

use super::board::{Board, Change};
use super::inst::NONE;
use std::collections::VecDeque;

impl Board<'_> {
    /// Places every meeting of the queue, with what it evicts put back in the queue.
    pub(super) fn drain(&mut self, queue: &mut VecDeque<u32>) {
        while let Some(c) = queue.pop_front() {
            if !self.placed(c) {
                self.insert(c, queue);
            }
        }
    }

    /// Places `c` directly, by a chain swap, or by ejection, whichever works first.
    pub(super) fn insert(&mut self, c: u32, queue: &mut VecDeque<u32>) -> bool {
        let (a, b) = self.inst.ends(c);
        if !self.at_cap(a) && !self.at_cap(b) && (self.direct(c, true) || self.kempe(c, true)) {
            return true;
        }
        self.eject(c, queue)
    }

    /// Places `c` by evicting cheaper meetings (see [`Board::eviction`]), in the slot where
    /// that costs least. A non-must `c` must be worth more than all it evicts, and must-meets
    /// are never evicted, so every ejection raises the schedule's (must-meets, value) and
    /// repair terminates.
    fn eject(&mut self, c: u32, queue: &mut VecDeque<u32>) -> bool {
        if self.budget == 0 {
            return false;
        }
        let inst = self.inst;
        let cand = inst.cands[c as usize];
        let tol = 1e-9 * cand.w.max(1.0);
        // A cheap lower bound first: a participant at its cap gives up at least its
        // lightest meeting (only weight matters when nobody has a minimum).
        if !cand.must && !inst.has_min {
            let mut bound = 0.0;
            for p in [cand.a as usize, cand.b as usize] {
                if self.at_cap(p) {
                    match self.lightest(p, usize::MAX, &[], false) {
                        Some(e) => bound += inst.cands[e as usize].w,
                        None => return false,
                    }
                }
            }
            if cand.w <= bound + tol {
                return false;
            }
        }
        let mut best: Option<((i64, f64), usize, Vec<u32>)> = None;
        for s in inst.common(c).iter() {
            let Some(((_, cost), out)) = self.eviction(c, s, false) else {
                continue;
            };
            // Lexicographic: a must-meet goes in; otherwise minimum coverage, then value.
            let cover = self.coverage_delta(c, &out);
            if !cand.must && (cover < 0 || (cover == 0 && cost + tol >= cand.w)) {
                continue;
            }
            let rank = (-cover, cost);
            if best
                .as_ref()
                .is_none_or(|(b, _, _)| rank.0 < b.0 || (rank.0 == b.0 && rank.1 < b.1))
            {
                best = Some((rank, s, out));
            }
        }
        match best {
            Some((_, s, out)) => {
                for &e in &out {
                    self.unplace(e);
                }
                self.place(c, s);
                queue.extend(out);
                true
            }
            None => false,
        }
    }

    /// What must leave so that `c` fits in slot `s`: whatever `c`'s two participants have
    /// there, the lightest meeting of the slot if its tables are all taken, and the lightest
    /// meeting elsewhere of a participant at its cap. `None` if that would take a meeting
    /// that may not be evicted (the pinned one, or a must-meet unless `musts_too`). The cost
    /// is (must-meets, weight) evicted.
    #[allow(clippy::type_complexity)]
    fn eviction(&mut self, c: u32, s: usize, musts_too: bool) -> Option<((usize, f64), Vec<u32>)> {
        let inst = self.inst;
        let (u, v) = inst.ends(c);
        self.budget = self.budget.saturating_sub(1);
        let mut out: Vec<u32> = Vec::with_capacity(4);
        for p in [u, v] {
            if !self.busy[p].contains(s) {
                continue; // a seat is left
            }
            // The cheapest evictable meeting of `p` in the slot (with one seat, its only one).
            let e = if self.inst.seated(p) {
                self.members[s]
                    .iter()
                    .copied()
                    .filter(|&e| {
                        let (x, y) = inst.ends(e);
                        (x == p || y == p) && !out.contains(&e)
                    })
                    .filter(|&e| self.evictable(e, musts_too))
                    .min_by(|&x, &y| inst.cheaper(x, y))?
            } else {
                self.at(p, s)
            };
            if e != NONE && !out.contains(&e) {
                if !self.evictable(e, musts_too) {
                    return None;
                }
                out.push(e);
            }
        }
        if self.load[s] as usize - out.len() >= inst.tables {
            self.budget = self.budget.saturating_sub(u64::from(self.load[s]));
            let victim = self.members[s]
                .iter()
                .copied()
                .filter(|e| self.evictable(*e, musts_too) && !out.contains(e))
                .min_by(|&x, &y| inst.cheaper(x, y));
            out.push(victim?);
        }
        for p in [u, v] {
            let freed = out
                .iter()
                .filter(|&&e| {
                    let (x, y) = inst.ends(e);
                    x == p || y == p
                })
                .count() as u32;
            if self.count[p] - freed >= inst.cap[p] {
                out.push(self.lightest(p, s, &out, musts_too)?);
            }
        }
        let musts = out.iter().filter(|&&e| inst.cands[e as usize].must).count();
        let weight = out.iter().map(|&e| inst.cands[e as usize].w).sum();
        Some(((musts, weight), out))
    }

    /// The cheapest evictable meeting of `p` outside slot `s` and not in `skip`.
    fn lightest(&self, p: usize, s: usize, skip: &[u32], musts_too: bool) -> Option<u32> {
        if self.inst.seated(p) {
            return self.present[p]
                .iter()
                .filter(|&t| t != s)
                .flat_map(|t| self.members[t].iter().copied())
                .filter(|&e| {
                    let (x, y) = self.inst.ends(e);
                    x == p || y == p
                })
                .filter(|e| self.evictable(*e, musts_too) && !skip.contains(e))
                .min_by(|&x, &y| self.inst.cheaper(x, y));
        }
        self.present[p]
            .iter()
            .filter(|&t| t != s)
            .map(|t| self.at(p, t))
            .filter(|e| self.evictable(*e, musts_too) && !skip.contains(e))
            .min_by(|&x, &y| self.inst.cheaper(x, y))
    }

    /// The change in minimum coverage (Σ min(meetings, minimum)) if `out` leaves and `c`
    /// comes in.
    pub(super) fn coverage_delta(&self, c: u32, out: &[u32]) -> i64 {
        let inst = self.inst;
        if !inst.has_min {
            return 0;
        }
        let mut touched: [(usize, i64); 10] = [(usize::MAX, 0); 10];
        let mut k = 0;
        let mut bump = |p: usize, d: i64, touched: &mut [(usize, i64); 10]| {
            if let Some(t) = touched[..k].iter_mut().find(|(q, _)| *q == p) {
                t.1 += d;
            } else if k < touched.len() {
                touched[k] = (p, d);
                k += 1;
            }
        };
        let (a, b) = inst.ends(c);
        bump(a, 1, &mut touched);
        bump(b, 1, &mut touched);
        for &e in out {
            let (x, y) = inst.ends(e);
            bump(x, -1, &mut touched);
            bump(y, -1, &mut touched);
        }
        touched
            .iter()
            .filter(|(p, _)| *p != usize::MAX)
            .map(|&(p, d)| {
                let now = i64::from(self.count[p]);
                let min = i64::from(inst.min[p]);
                (now + d).min(min) - now.min(min)
            })
            .sum()
    }

    /// Adds every further candidate that fits, most important first.
    pub(super) fn fill(&mut self) {
        let inst = self.inst;
        let mut rest: Vec<u32> = (0..inst.cands.len() as u32)
            .filter(|&c| {
                let cand = &inst.cands[c as usize];
                cand.ok
                    && (cand.w > 0.0 || cand.req)
                    && !self.placed(c)
                    && !inst.common(c).is_empty()
            })
            .collect();
        rest.sort_by(|&x, &y| inst.better(x, y));
        let mut queue = VecDeque::new();
        for c in rest {
            if !self.placed(c) && self.insert(c, &mut queue) {
                self.drain(&mut queue);
            }
        }
    }

    /// Raises participants below their minimum: for each, its candidates (partners that are
    /// below their own minimum first, then the best) are inserted directly, by a chain swap,
    /// or by an ejection that does not lower minimum coverage; until nobody can gain.
    pub(super) fn cover(&mut self) {
        let inst = self.inst;
        if !inst.has_min {
            return;
        }
        let mut incident: Vec<Vec<u32>> = vec![Vec::new(); inst.n];
        for c in 0..inst.cands.len() as u32 {
            let cand = &inst.cands[c as usize];
            if cand.ok && !inst.common(c).is_empty() {
                incident[cand.a as usize].push(c);
                incident[cand.b as usize].push(c);
            }
        }
        let mut queue = VecDeque::new();
        for _ in 0..4 {
            let before = self.covered;
            let mut short: Vec<usize> = (0..inst.n)
                .filter(|&p| self.count[p] < inst.min[p])
                .collect();
            short.sort_by_key(|&p| (self.count[p] as i64 - i64::from(inst.min[p]), p));
            for p in short {
                let mut list = incident[p].clone();
                list.sort_by(|&x, &y| {
                    let short_x = self.count[inst.other(x, p)] < inst.min[inst.other(x, p)];
                    let short_y = self.count[inst.other(y, p)] < inst.min[inst.other(y, p)];
                    short_y.cmp(&short_x).then(inst.better(x, y))
                });
                for c in list {
                    if self.count[p] >= inst.min[p] || self.budget == 0 {
                        break;
                    }
                    if !self.placed(c) && self.insert(c, &mut queue) {
                        self.drain(&mut queue);
                    }
                }
            }
            if self.covered == before {
                break;
            }
        }
    }

    /// A large-neighbourhood search for what one-for-one ejection cannot fix (giving up a
    /// heavy meeting so that two lighter ones fit): force an unplaced candidate in, evicting
    /// the cheapest set, re-place what was evicted, refill around everyone who lost a
    /// meeting, and keep the result only if the schedule gained; otherwise roll back.
    /// Skipped when the value already reaches `target`.
    pub(super) fn improve(&mut self, target: f64, chosen: &[u32], steps: u64) {
        let saved = std::mem::replace(&mut self.budget, steps);
        self.improve_within(target, chosen);
        self.budget = saved;
    }

    fn improve_within(&mut self, target: f64, chosen: &[u32]) {
        let inst = self.inst;
        let eps = 1e-9 * target.max(1.0);
        if self.value >= target - eps {
            return;
        }
        let mut order: Vec<u32> = (0..inst.cands.len() as u32)
            .filter(|&c| {
                let x = &inst.cands[c as usize];
                x.ok && (x.w > 0.0 || x.must) && !inst.common(c).is_empty()
            })
            .collect();
        order.sort_by(|&x, &y| inst.better(x, y));
        // Incident candidates per participant, best first.
        let mut incident: Vec<Vec<u32>> = vec![Vec::new(); inst.n];
        for &c in &order {
            let (a, b) = inst.ends(c);
            incident[a].push(c);
            incident[b].push(c);
        }
        // Selected meetings that placement lost come first: the optimum wants them.
        let mut lost: Vec<u32> = chosen
            .iter()
            .copied()
            .filter(|&c| !self.placed(c))
            .collect();
        lost.sort_by(|&x, &y| inst.better(x, y));
        let mut in_lost = vec![false; inst.cands.len()];
        for &c in &lost {
            in_lost[c as usize] = true;
        }
        lost.extend(order.iter().copied().filter(|&c| !in_lost[c as usize]));
        let order = lost;
        for _ in 0..3 {
            let mut improved = false;
            for &c in &order {
                if self.budget == 0 || self.value >= target - eps {
                    return;
                }
                if !self.placed(c) && self.force(c, &incident, eps) {
                    improved = true;
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// Tries `c` in each of its slots in turn; keeps the first that raises the schedule's
    /// (must-meets, value) after repair.
    fn force(&mut self, c: u32, incident: &[Vec<u32>], eps: f64) -> bool {
        for s in self.inst.common(c).iter() {
            if self.budget == 0 {
                return false;
            }
            let Some((_, out)) = self.eviction(c, s, true) else {
                continue;
            };
            let before = self.key();
            self.journal = Some(Vec::new());
            for &e in &out {
                self.unplace(e);
            }
            self.place(c, s);
            self.pinned = c;
            let mut queue: VecDeque<u32> = out.into();
            self.drain(&mut queue);
            let mut touched: Vec<usize> = Vec::new();
            for change in self.journal.iter().flatten() {
                if let Change::Removed(e, _) = *change {
                    let (a, b) = self.inst.ends(e);
                    touched.extend([a, b]);
                }
            }
            touched.sort_unstable();
            touched.dedup();
            for p in touched {
                for &d in &incident[p] {
                    self.budget = self.budget.saturating_sub(1);
                    if !self.placed(d) && self.insert(d, &mut queue) {
                        self.drain(&mut queue);
                    }
                }
            }
            self.pinned = NONE;
            let journal = self.journal.take().unwrap_or_default();
            if self.gained(before, eps) {
                return true;
            }
            for change in journal.into_iter().rev() {
                match change {
                    Change::Placed(e) => self.unplace(e),
                    Change::Removed(e, s) => self.place(e, s),
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::inst::Inst;
    use super::super::slots::SlotSet;
    use super::super::{Problem, Solution, solve};
    use crate::plan::testkit::{Rng, Shape, problem_with};

    /// Placed must-meets and value of a solution.
    fn score(s: &Solution) -> (usize, f64) {
        (s.stats.must_placed, s.stats.total_weight)
    }

    /// Best (must-meets, value) over every assignment of candidates to slots (or none).
    fn brute_schedule(p: &Problem) -> (usize, f64) {
        struct Search<'a> {
            inst: &'a Inst,
            list: Vec<u32>,
            rest: Vec<(usize, f64)>,
            busy: Vec<SlotSet>,
            count: Vec<u32>,
            load: Vec<usize>,
            best: (usize, f64),
        }
        impl Search<'_> {
            fn go(&mut self, i: usize, musts: usize, value: f64) {
                if (musts, value) > self.best {
                    self.best = (musts, value);
                }
                if i == self.list.len()
                    || (musts + self.rest[i].0, value + self.rest[i].1) <= self.best
                {
                    return;
                }
                let c = self.list[i];
                let (a, b) = self.inst.ends(c);
                let cand = self.inst.cands[c as usize];
                if self.count[a] < self.inst.cap[a] && self.count[b] < self.inst.cap[b] {
                    let free = self.inst.common(c).minus(self.busy[a]).minus(self.busy[b]);
                    for s in free.iter() {
                        if self.load[s] >= self.inst.tables {
                            continue;
                        }
                        self.busy[a].insert(s);
                        self.busy[b].insert(s);
                        self.count[a] += 1;
                        self.count[b] += 1;
                        self.load[s] += 1;
                        self.go(i + 1, musts + usize::from(cand.must), value + cand.w);
                        self.busy[a].remove(s);
                        self.busy[b].remove(s);
                        self.count[a] -= 1;
                        self.count[b] -= 1;
                        self.load[s] -= 1;
                    }
                }
                self.go(i + 1, musts, value);
            }
        }
        let inst = Inst::new(p);
        let mut list: Vec<u32> = (0..p.candidates.len() as u32)
            .filter(|&c| {
                inst.cands[c as usize].ok
                    && (inst.cands[c as usize].w > 0.0 || inst.cands[c as usize].must)
            })
            .collect();
        list.sort_by(|&x, &y| inst.better(x, y));
        let mut rest = vec![(0, 0.0); list.len() + 1];
        for i in (0..list.len()).rev() {
            let c = inst.cands[list[i] as usize];
            rest[i] = (rest[i + 1].0 + usize::from(c.must), rest[i + 1].1 + c.w);
        }
        let mut search = Search {
            inst: &inst,
            list,
            rest,
            busy: vec![SlotSet::default(); inst.n],
            count: vec![0; inst.n],
            load: vec![0; inst.slots],
            best: (0, 0.0),
        };
        search.go(0, 0, 0.0);
        search.best
    }

    /// Worst value ratio against exhaustive search over slot assignments, on tiny instances
    /// with restricted availability and few tables.
    fn exhaustive_comparison(seed: u64, groups: usize, instances: usize) -> (f64, usize, usize) {
        exhaustive_sized(seed, groups, instances, [4, 4], 4, 9)
    }

    fn exhaustive_sized(
        seed: u64,
        groups: usize,
        instances: usize,
        sizes: [usize; 2],
        max_slots: usize,
        max_cands: usize,
    ) -> (f64, usize, usize) {
        let mut rng = Rng::new(seed);
        let (mut worst, mut below, mut must_short) = (1.0f64, 0, 0);
        let mut tested = 0;
        while tested < instances {
            let slots = rng.range(1, max_slots);
            let p = problem_with(&mut rng, |rng| Shape {
                sizes: [rng.range(1, sizes[0]), rng.range(1, sizes[1])],
                groups,
                slots,
                tables: rng.range(1, 3),
                cap: rng.range(1, slots + 1),
                density: 0.7,
                partial: 0.7,
                must: 0.15,
                want: 0.1,
            });
            if p.candidates.len() > max_cands {
                continue;
            }
            tested += 1;
            let s = solve(&p);
            let (musts, best) = brute_schedule(&p);
            let (got_musts, got) = score(&s);
            assert!(got_musts <= musts && (got_musts < musts || got <= best + 1e-9));
            must_short += usize::from(got_musts < musts);
            if got_musts == musts && best > 0.0 {
                let ratio = got / best;
                worst = worst.min(ratio);
                below += usize::from(ratio < 1.0 - 1e-9);
            }
        }
        (worst, below, must_short)
    }

    #[test]
    fn restricted_instances_are_near_the_exhaustive_optimum() {
        let (worst, below, must_short) = exhaustive_comparison(4, 2, 1500);
        println!(
            "bipartite: worst ratio {worst:.4}, {below} of 1500 below optimum, {must_short} short of musts"
        );
        assert_eq!(must_short, 0);
        assert!(below <= 15, "{below} instances below the optimum");
        let (worst3, below3, short3) = exhaustive_comparison(5, 3, 1500);
        println!(
            "three groups: worst ratio {worst3:.4}, {below3} of 1500 below optimum, {short3} short of musts"
        );
        assert!(below3 <= 30);
        assert!(worst.min(worst3) >= 0.5);
    }

    /// Larger instances (up to 12 participants, 13 candidates, 5 slots), where the
    /// planner's local repairs occasionally miss a two-step exchange.
    #[test]
    fn larger_instances_against_exhaustive_search() {
        for groups in [2, 3] {
            let (worst, below, short) = exhaustive_sized(11, groups, 3000, [6, 6], 5, 13);
            println!(
                "{groups} groups: worst ratio {worst:.4}, {below} of 3000 below optimum, {short} short of musts"
            );
            assert_eq!(short, 0);
            assert!(below <= 30 && worst >= 0.5);
        }
    }
}
