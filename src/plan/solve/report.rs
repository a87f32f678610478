//! Layer 6, report: table numbers, the `Solution` with its statistics, and a plain-English
//! reason for every request left out.

use super::board::Board;
use super::inst::NONE;
use super::{BelowMin, Candidate, Improvement, Meeting, Problem, Solution, Stats, Unscheduled};
use crate::model::lang::Lang;
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
    fn reason(&self, c: u32, source: &Candidate, lang: Lang) -> String {
        let inst = self.inst;
        let id = lang == Lang::Id;
        let (a, b) = inst.ends(c);
        let (ida, idb) = (&inst.ids[a], &inst.ids[b]);
        if let Some(k) = source.pinned {
            if inst.common(c).is_empty() {
                return if id {
                    format!(
                        "{ida} atau {idb} tidak tersedia di slot {k}, tempat pertemuan ini dipatok"
                    )
                } else {
                    format!(
                        "{ida} or {idb} is not available in slot {k}, where the meeting is pinned"
                    )
                };
            }
            return if id {
                format!(
                    "slot {k}, tempat pertemuan ini dipatok, sudah terisi untuk {ida} atau {idb}, atau mejanya habis"
                )
            } else {
                format!(
                    "slot {k}, where the meeting is pinned, is already taken for {ida} or {idb}, or has no table left"
                )
            };
        }
        if inst.common(c).is_empty() {
            return match (source.window, id) {
                (Some((f, l)), true) => {
                    format!("{ida} dan {idb} tidak punya slot tersedia yang sama di slot {f}–{l}")
                }
                (Some((f, l)), false) => {
                    format!("{ida} and {idb} have no available slot in common within slots {f}–{l}")
                }
                (None, true) => format!("{ida} dan {idb} tidak punya slot tersedia yang sama"),
                (None, false) => format!("{ida} and {idb} have no available slot in common"),
            };
        }
        for p in [a, b] {
            if self.at_cap(p) {
                let who = &inst.ids[p];
                let worth_more = self.present[p].iter().all(|s| {
                    let e = self.at(p, s);
                    e == NONE || inst.cands[e as usize].w >= inst.cands[c as usize].w
                });
                let what = match ((inst.cap[p] as usize) < inst.cap_given[p], id) {
                    (true, true) => format!(
                        "{who} sudah terisi di semua {} slot tersedianya",
                        inst.cap[p]
                    ),
                    (true, false) => format!(
                        "{who} is booked in all {} of its available slots",
                        inst.cap[p]
                    ),
                    (false, true) => {
                        format!("{who} sudah mencapai batas pertemuannya ({})", inst.cap[p])
                    }
                    (false, false) => format!("{who} reached its meeting cap ({})", inst.cap[p]),
                };
                return match (worth_more, id) {
                    (true, true) => format!(
                        "{what}; nilainya lebih rendah daripada pertemuan yang dipilih untuk {who}"
                    ),
                    (true, false) => {
                        format!("{what}; lower value than the meetings chosen for {who}")
                    }
                    (false, _) => what,
                };
            }
        }
        let free = self.free_for(c);
        if free.is_empty() {
            return if id {
                format!("{ida} dan {idb} tidak pernah kosong di slot yang sama")
            } else {
                format!("{ida} and {idb} are never free in the same slot")
            };
        }
        if free.minus(self.full).is_empty() {
            return if id {
                "tidak ada meja tersisa di slot saat keduanya kosong".to_string()
            } else {
                "no table left in the slots where both are free".to_string()
            };
        }
        if id {
            format!("nilainya lebih rendah daripada pertemuan yang dipilih untuk {ida} dan {idb}")
        } else {
            format!("lower value than the meetings chosen for {ida} and {idb}")
        }
    }

    /// Why participant `p` stayed below its minimum.
    fn short_reason(&self, p: usize, lang: Lang) -> String {
        let inst = self.inst;
        let id = lang == Lang::Id;
        let partners = inst
            .cands
            .iter()
            .enumerate()
            .filter(|(c, cand)| {
                cand.ok
                    && (cand.a as usize == p || cand.b as usize == p)
                    && !inst.common(*c as u32).is_empty()
            })
            .count();
        let who = &inst.ids[p];
        if partners == 0 {
            return if id {
                format!("{who} tidak punya calon mitra yang bisa ditemui")
            } else {
                format!("{who} has no possible partner")
            };
        }
        if partners < inst.min[p] as usize {
            return if id {
                format!("{who} hanya punya {partners} calon mitra yang bisa ditemui")
            } else {
                format!("{who} has only {partners} possible partners")
            };
        }
        if id {
            format!(
                "semua calon mitra {who} sudah penuh (batas pertemuan, meja, atau slot yang sama) \
                 di slot saat {who} tersedia"
            )
        } else {
            format!(
                "every possible partner of {who} is fully booked (meeting caps, tables or \
                 common slots) when {who} is available"
            )
        }
    }
}

/// What the last layers hand the report besides the board.
pub(super) struct Finish {
    pub(super) bound: f64,
    pub(super) exact: bool,
    pub(super) started: Instant,
    pub(super) gaps_before: usize,
    pub(super) improvement: Improvement,
    pub(super) lang: Lang,
}

pub(super) fn finish(problem: &Problem, board: &Board, f: Finish) -> Solution {
    let Finish {
        bound,
        exact,
        started,
        gaps_before,
        improvement,
        lang,
    } = f;
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
                priority: inst.priority_of(c as u32),
                pinned: inst.cands[c].pin,
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
                priority: inst.priority_of(c as u32)?,
                reason: board.reason(c as u32, source, lang),
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
        idle_gaps: board.idle_gaps(),
        must_requested,
        must_placed: meetings
            .iter()
            .filter(|m| m.priority == Some(Priority::Must))
            .count(),
        exact_selection: exact,
        solve_ms: started.elapsed().as_secs_f64() * 1000.0,
        idle_gaps_before: gaps_before,
        gap_spread: board.gap_spread(),
        below_min: (0..inst.n)
            .filter(|&p| (board.count[p] as usize) < inst.min_given[p])
            .map(|p| BelowMin {
                participant: p,
                meetings: board.count[p] as usize,
                min: inst.min_given[p],
                reason: board.short_reason(p, lang),
            })
            .collect(),
        min_met: (0..inst.n)
            .filter(|&p| inst.min_given[p] > 0 && board.count[p] as usize >= inst.min_given[p])
            .count(),
        improvement,
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
            ..Default::default()
        };
        let want = |a: usize, b: usize, weight: f64| Candidate {
            a,
            b,
            weight,
            priority: Some(Priority::Want),
            topic: None,
            ..Default::default()
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
