//! Layer 6, report: table numbers, the `Solution` with its statistics, and a plain-English
//! reason for every request left out.

use super::board::Board;
use super::inst::NONE;
use super::{Meeting, Problem, Solution, Stats, Unscheduled};
use crate::plan::spec::Priority;
use std::time::Instant;

impl Board<'_> {
    /// Numbers the tables of each slot, keeping a participant at the table it had last
    /// when it can (the one with more meetings stays put; the other walks over).
    fn tables(&self) -> Vec<u32> {
        let inst = self.inst;
        let mut table = vec![NONE; inst.cands.len()];
        let mut last = vec![NONE; inst.n];
        let mut used = vec![false; inst.tables + 1];
        for s in 0..self.slots {
            let mut list = self.members[s].clone();
            list.sort_unstable();
            let anchor = |c: u32| {
                let (a, b) = inst.ends(c);
                if self.count[b] > self.count[a] {
                    (b, a)
                } else {
                    (a, b)
                }
            };
            let mut pending = Vec::new();
            for &c in &list {
                let t = last[anchor(c).0];
                if t != NONE && !used[t as usize] {
                    used[t as usize] = true;
                    table[c as usize] = t;
                } else {
                    pending.push(c);
                }
            }
            let mut next = 1usize;
            for c in pending {
                let t = last[anchor(c).1];
                if t != NONE && !used[t as usize] {
                    used[t as usize] = true;
                    table[c as usize] = t;
                    continue;
                }
                while next <= inst.tables && used[next] {
                    next += 1;
                }
                if next <= inst.tables {
                    used[next] = true;
                    table[c as usize] = next as u32;
                }
            }
            for &c in &list {
                let (a, b) = inst.ends(c);
                last[a] = table[c as usize];
                last[b] = table[c as usize];
                if table[c as usize] != NONE {
                    used[table[c as usize] as usize] = false;
                }
            }
        }
        table
    }

    /// Why a requested meeting was left out, in words a participant understands.
    fn reason(&self, c: u32) -> String {
        let inst = self.inst;
        let (a, b) = inst.ends(c);
        let (ida, idb) = (&inst.ids[a], &inst.ids[b]);
        if inst.common(c).is_empty() {
            return format!("{ida} and {idb} have no available slot in common");
        }
        for p in [a, b] {
            if self.at_cap(p) {
                let id = &inst.ids[p];
                let worth_more = self.busy[p]
                    .iter()
                    .all(|s| inst.cands[self.at(p, s) as usize].w >= inst.cands[c as usize].w);
                let what = if (inst.cap[p] as usize) < inst.cap_given[p] {
                    format!(
                        "{id} is booked in all {} of its available slots",
                        inst.cap[p]
                    )
                } else {
                    format!("{id} reached its meeting cap ({})", inst.cap[p])
                };
                return if worth_more {
                    format!("{what}; lower value than the meetings chosen for {id}")
                } else {
                    what
                };
            }
        }
        let free = self.free_for(c);
        if free.is_empty() {
            return format!("{ida} and {idb} are never free in the same slot");
        }
        if free.minus(self.full).is_empty() {
            return "no table left in the slots where both are free".to_string();
        }
        format!("lower value than the meetings chosen for {ida} and {idb}")
    }
}

pub(super) fn finish(
    problem: &Problem,
    board: &Board,
    bound: f64,
    exact: bool,
    started: Instant,
) -> Solution {
    let inst = board.inst;
    let table = board.tables();
    let mut meetings: Vec<Meeting> = (0..inst.cands.len())
        .filter(|&c| board.slot_of[c] != NONE)
        .map(|c| {
            let source = &problem.candidates[c];
            Meeting {
                candidate: c,
                a: source.a,
                b: source.b,
                slot: board.slot_of[c] as usize,
                table: table[c] as usize,
                weight: inst.cands[c].w,
                topic: source.topic.clone(),
                priority: inst.priority(c as u32),
            }
        })
        .collect();
    meetings.sort_by_key(|m| (m.slot, m.table));
    let unscheduled: Vec<Unscheduled> = (0..inst.cands.len())
        .filter(|&c| inst.cands[c].ok && inst.cands[c].req && board.slot_of[c] == NONE)
        .filter_map(|c| {
            let source = &problem.candidates[c];
            Some(Unscheduled {
                candidate: c,
                a: source.a,
                b: source.b,
                priority: inst.priority(c as u32)?,
                reason: board.reason(c as u32),
            })
        })
        .collect();
    let total_weight: f64 = meetings.iter().map(|m| m.weight).sum();
    let capacity = inst.total_capacity();
    let must_requested = inst.cands.iter().filter(|c| c.ok && c.must).count();
    let stats = Stats {
        total_weight,
        upper_bound: bound,
        gap_pct: if bound > 0.0 {
            (100.0 * (bound - total_weight) / bound).max(0.0)
        } else {
            0.0
        },
        meetings: meetings.len(),
        participants: inst.n,
        participants_met: board.count.iter().filter(|&&c| c > 0).count(),
        tables_used_max: board.load.iter().copied().max().unwrap_or(0) as usize,
        table_utilisation_pct: if capacity > 0 {
            100.0 * meetings.len() as f64 / capacity as f64
        } else {
            0.0
        },
        idle_gaps: board.busy.iter().map(|b| b.idle_gaps() as usize).sum(),
        must_requested,
        must_placed: meetings
            .iter()
            .filter(|m| m.priority == Some(Priority::Must))
            .count(),
        exact_selection: exact,
        solve_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    Solution {
        meetings,
        unscheduled,
        stats,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Candidate, Participant, Problem, solve};
    use crate::plan::spec::Priority;

    #[test]
    fn reasons_name_the_obstacle() {
        let person = |id: &str, group: usize, cap: usize, available: Vec<bool>| Participant {
            id: id.into(),
            group,
            cap,
            available,
        };
        let want = |a: usize, b: usize, weight: f64| Candidate {
            a,
            b,
            weight,
            priority: Some(Priority::Want),
            topic: None,
        };
        let p = Problem {
            slots: 2,
            tables: 5,
            participants: vec![
                person("o1", 0, 1, vec![true, true]),
                person("h1", 1, 2, vec![true, true]),
                person("h2", 1, 2, vec![true, true]),
                person("h3", 1, 2, vec![false, false]),
            ],
            candidates: vec![want(0, 1, 5.0), want(0, 2, 1.0), want(0, 3, 9.0)],
        };
        let s = solve(&p);
        let reasons: Vec<&str> = s.unscheduled.iter().map(|u| u.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "o1 reached its meeting cap (1); lower value than the meetings chosen for o1",
                "o1 and h3 have no available slot in common",
            ]
        );
        let p = Problem {
            tables: 1,
            slots: 1,
            participants: vec![
                person("o1", 0, 1, vec![true]),
                person("o2", 0, 1, vec![true]),
                person("h1", 1, 1, vec![true]),
                person("h2", 1, 1, vec![true]),
            ],
            candidates: vec![want(0, 2, 5.0), want(1, 3, 1.0)],
        };
        let s = solve(&p);
        assert_eq!(
            s.unscheduled[0].reason,
            "no table left in the slots where both are free"
        );
    }
}
