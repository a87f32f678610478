//! Layer 5, compaction: fewer idle gaps, by swapping α/β components and whole slots. A move
//! is accepted only if it strictly lowers the total agenda cost; it never changes which
//! meetings are placed, so the value is untouched.

use super::board::Board;
use super::slots::moved;

impl Board<'_> {
    /// Reduces idle gaps by α/β component swaps and whole-slot swaps, each accepted only if
    /// it strictly lowers the total agenda cost.
    ///
    /// Swapping an α/β path moves only its two end participants (everyone inside keeps one
    /// meeting in each slot), so a swap can only help if one end gains; the search starts
    /// from such participants and never traces the rest.
    pub(super) fn compact(&mut self, passes: usize, steps: u64) {
        self.budget = steps;
        let mut comp = Vec::new();
        let mut stamp = vec![0u32; self.inst.cands.len()];
        let mut round = 0u32;
        for _ in 0..passes {
            let mut improved = false;
            for alpha in 0..self.slots {
                for beta in alpha + 1..self.slots {
                    if self.budget == 0 {
                        return;
                    }
                    self.budget = self.budget.saturating_sub(self.inst.n as u64);
                    round += 1;
                    for p in 0..self.inst.n {
                        if self.inst.seated(p) {
                            continue;
                        }
                        let busy = self.present[p];
                        let from = match (busy.contains(alpha), busy.contains(beta)) {
                            (true, false) => alpha,
                            (false, true) => beta,
                            _ => continue,
                        };
                        if moved(busy, from, alpha + beta - from).agenda_cost()
                            >= busy.agenda_cost()
                        {
                            continue;
                        }
                        let m = self.at(p, from);
                        if stamp[m as usize] == round {
                            continue;
                        }
                        let ends = self.component(m, alpha, beta, &mut comp);
                        self.budget = self.budget.saturating_sub(comp.len() as u64);
                        for &e in &comp {
                            stamp[e as usize] = round;
                        }
                        let Some(ends) = ends else { continue };
                        let delta: i64 = ends
                            .iter()
                            .map(|&(q, s)| {
                                let before = self.present[q];
                                moved(before, s, alpha + beta - s).agenda_cost()
                                    - before.agenda_cost()
                            })
                            .sum();
                        if delta < 0 && self.swappable(&comp, alpha, beta) {
                            self.recolour(&comp, alpha, beta);
                            improved = true;
                        }
                    }
                }
            }
            improved |= self.permute_slots();
            if !improved {
                break;
            }
        }
    }

    /// Swaps the contents of two whole slots when everyone involved is available in both
    /// and the total of idle gaps drops.
    fn permute_slots(&mut self) -> bool {
        let mut improved = false;
        for i in 0..self.slots {
            for j in i + 1..self.slots {
                if self.budget == 0 {
                    return improved;
                }
                self.budget = self.budget.saturating_sub(self.inst.n as u64);
                let mut delta = 0i64;
                let ok = self.members[i].iter().all(|&e| self.inst.allows(e, j))
                    && self.members[j].iter().all(|&e| self.inst.allows(e, i));
                for p in 0..self.inst.n {
                    if !ok {
                        break;
                    }
                    let busy = self.present[p];
                    let (bi, bj) = (busy.contains(i), busy.contains(j));
                    if bi == bj {
                        continue;
                    }
                    let after = if bi {
                        moved(busy, i, j)
                    } else {
                        moved(busy, j, i)
                    };
                    delta += after.agenda_cost() - busy.agenda_cost();
                }
                if ok && delta < 0 {
                    let (mi, mj) = (self.members[i].clone(), self.members[j].clone());
                    for &e in mi.iter().chain(&mj) {
                        self.unplace(e);
                    }
                    for &e in &mi {
                        self.place(e, j);
                    }
                    for &e in &mj {
                        self.place(e, i);
                    }
                    improved = true;
                }
            }
        }
        improved
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        Candidate, Participant, Problem, SolveConfig, check, round_robin, solve, solve_with,
    };
    use crate::plan::testkit::{Rng, Shape, problem_with};

    #[test]
    fn medium_instances_respect_every_constraint_and_compaction_helps() {
        let mut rng = Rng::new(8);
        let no_compaction = SolveConfig {
            compaction_passes: 0,
            time_limit_ms: 0,
            ..SolveConfig::default()
        };
        for i in 0..60 {
            let p = problem_with(&mut rng, |rng| {
                let slots = rng.range(6, 24);
                Shape {
                    sizes: [rng.range(10, 40), rng.range(10, 60)],
                    groups: if rng.chance(0.2) { 3 } else { 2 },
                    slots,
                    tables: rng.range(3, 30),
                    cap: rng.range(2, slots),
                    density: rng.unit() * 0.5,
                    partial: rng.unit() * 0.5,
                    must: 0.01,
                    want: 0.05,
                }
            });
            let s = solve(&p);
            if let Err(e) = check(&p, &s) {
                panic!("instance {i}: {e}");
            }
            check(&p, &round_robin(&p)).expect("round robin is valid");
            let loose = solve_with(&p, &no_compaction);
            assert!(s.stats.idle_gaps <= loose.stats.idle_gaps, "instance {i}");
            assert!((s.stats.total_weight - loose.stats.total_weight).abs() < 1e-9);
            if s.stats.exact_selection && s.stats.must_placed == s.stats.must_requested {
                assert!(s.stats.total_weight <= s.stats.upper_bound + 1e-6);
            }
        }
    }

    #[test]
    fn compaction_leaves_no_needless_gaps() {
        // One seller meeting three buyers in a 6-slot day: three consecutive slots.
        let p = Problem {
            slots: 6,
            tables: 1,
            participants: (0..4)
                .map(|i| Participant {
                    id: format!("p{i}"),
                    group: usize::from(i > 0),
                    cap: 6,
                    available: vec![true; 6],
                    ..Default::default()
                })
                .collect(),
            candidates: (1..4)
                .map(|b| Candidate {
                    a: 0,
                    b,
                    weight: 1.0,
                    priority: None,
                    topic: None,
                    ..Default::default()
                })
                .collect(),
        };
        let s = solve(&p);
        assert_eq!(s.meetings.len(), 3);
        assert_eq!(s.stats.idle_gaps, 0);
        assert!(s.meetings.iter().all(|m| m.table == 1));
    }
}
