//! The sanitised instance: the problem with indices checked, a pair listed twice merged into
//! its first entry, availability as slot sets and caps made effective (never more than the
//! available slots). Every layer after this works on `Inst`, never on the raw `Problem`, so
//! garbage candidates are ignored, not fatal.

use super::slots::SlotSet;
use super::{Problem, SLOT_LIMIT};
use crate::plan::spec::Priority;

pub(super) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
pub(super) struct Cand {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) w: f64,
    /// A must-meet request, or pinned to a slot (a fixed meeting is placed before anything).
    pub(super) must: bool,
    pub(super) req: bool,
    /// Requested as `must` (`must` is also set by a pin).
    pub(super) asked_must: bool,
    /// Pinned to one slot: it never moves and is never evicted.
    pub(super) pin: bool,
    /// Index into `Inst::windows` when the meeting may take only some slots, else NONE.
    pub(super) dom: u32,
    /// In range, two different groups, not a duplicate of an earlier pair.
    pub(super) ok: bool,
}

/// The problem with indices checked, availability as bitsets and caps made effective
/// (never more than the available slots).
pub(super) struct Inst {
    pub(super) n: usize,
    pub(super) slots: usize,
    pub(super) tables: usize,
    pub(super) avail: Vec<SlotSet>,
    pub(super) cap: Vec<u32>,
    pub(super) cap_given: Vec<usize>,
    /// Meetings wanted at least (never above `cap`).
    pub(super) min: Vec<u32>,
    /// The minimum as given (for the report).
    pub(super) min_given: Vec<usize>,
    /// Meetings allowed in one slot (≥ 1).
    pub(super) seats: Vec<u32>,
    /// Whether anyone has a minimum.
    pub(super) has_min: bool,
    pub(super) ids: Vec<String>,
    pub(super) cands: Vec<Cand>,
    /// The slot sets of restricted candidates (windows and pins).
    pub(super) windows: Vec<SlotSet>,
}

impl Inst {
    pub(super) fn new(problem: &Problem) -> Inst {
        let slots = problem.slots.min(SLOT_LIMIT);
        let n = problem.participants.len();
        let avail: Vec<SlotSet> = problem
            .participants
            .iter()
            .map(|p| {
                let mut set = SlotSet::default();
                for (s, _) in p
                    .available
                    .iter()
                    .take(slots)
                    .enumerate()
                    .filter(|(_, a)| **a)
                {
                    set.insert(s);
                }
                set
            })
            .collect();
        let seats: Vec<u32> = problem
            .participants
            .iter()
            .map(|p| p.seats.clamp(1, 255) as u32)
            .collect();
        let cap: Vec<u32> = problem
            .participants
            .iter()
            .zip(&avail)
            .zip(&seats)
            .map(|((p, a), &k)| p.cap.min(a.len() * k as usize) as u32)
            .collect();
        let min: Vec<u32> = problem
            .participants
            .iter()
            .zip(&cap)
            .map(|(p, &c)| (p.min as u32).min(c))
            .collect();
        let mut windows: Vec<SlotSet> = Vec::new();
        let mut cands: Vec<Cand> = problem
            .candidates
            .iter()
            .map(|c| Cand {
                pin: c.pinned.is_some_and(|s| s < slots),
                dom: match (c.pinned, c.window) {
                    (Some(s), _) => {
                        let mut set = SlotSet::default();
                        if s < slots {
                            set.insert(s);
                        }
                        windows.push(set);
                        windows.len() as u32 - 1
                    }
                    (None, Some((first, last))) => {
                        let mut set = SlotSet::default();
                        for s in first..=last.min(slots.saturating_sub(1)) {
                            set.insert(s);
                        }
                        windows.push(set);
                        windows.len() as u32 - 1
                    }
                    (None, None) => NONE,
                },
                a: c.a.min(u32::MAX as usize - 1) as u32,
                b: c.b.min(u32::MAX as usize - 1) as u32,
                w: if c.weight.is_finite() && c.weight > 0.0 {
                    c.weight
                } else {
                    0.0
                },
                must: c.priority == Some(Priority::Must) || c.pinned.is_some(),
                asked_must: c.priority == Some(Priority::Must),
                req: c.priority.is_some(),
                ok: c.a < n
                    && c.b < n
                    && c.a != c.b
                    && problem.participants[c.a].group != problem.participants[c.b].group,
            })
            .collect();
        // A pair listed twice is one candidate, its first entry: the best weight, the
        // strongest request. Sorting keeps this deterministic and cheap at a million pairs.
        let mut keys: Vec<(u64, u32)> = cands
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ok)
            .map(|(i, c)| {
                (
                    (u64::from(c.a.min(c.b)) << 32) | u64::from(c.a.max(c.b)),
                    i as u32,
                )
            })
            .collect();
        keys.sort_unstable();
        for run in keys.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() > 1) {
            let first = run[0].1 as usize;
            for &(_, i) in &run[1..] {
                let dup = cands[i as usize];
                let keep = &mut cands[first];
                keep.w = keep.w.max(dup.w);
                keep.must |= dup.must;
                keep.asked_must |= dup.asked_must;
                keep.req |= dup.req;
                if keep.dom == NONE {
                    keep.dom = dup.dom;
                    keep.pin = dup.pin;
                }
                cands[i as usize].ok = false;
            }
        }
        Inst {
            n,
            slots,
            tables: problem.tables,
            avail,
            cap,
            cap_given: problem.participants.iter().map(|p| p.cap).collect(),
            has_min: min.iter().any(|&m| m > 0),
            min,
            min_given: problem.participants.iter().map(|p| p.min).collect(),
            seats,
            ids: problem.participants.iter().map(|p| p.id.clone()).collect(),
            cands,
            windows,
        }
    }

    pub(super) fn ends(&self, c: u32) -> (usize, usize) {
        let cand = &self.cands[c as usize];
        (cand.a as usize, cand.b as usize)
    }

    pub(super) fn other(&self, c: u32, p: usize) -> usize {
        let (a, b) = self.ends(c);
        if a == p { b } else { a }
    }

    /// The slots `c` may take: both ends available, inside its window or pin.
    pub(super) fn common(&self, c: u32) -> SlotSet {
        let (a, b) = self.ends(c);
        let both = self.avail[a].and(self.avail[b]);
        match self.cands[c as usize].dom {
            NONE => both,
            d => both.and(self.windows[d as usize]),
        }
    }

    /// Whether meeting `c` may take slot `s` (availability, window, pin).
    pub(super) fn allows(&self, c: u32, s: usize) -> bool {
        let (a, b) = self.ends(c);
        self.avail[a].contains(s)
            && self.avail[b].contains(s)
            && match self.cands[c as usize].dom {
                NONE => true,
                d => self.windows[d as usize].contains(s),
            }
    }

    /// Whether `p` may hold more than one meeting in a slot.
    pub(super) fn seated(&self, p: usize) -> bool {
        self.seats[p] > 1
    }

    /// Sorts more important candidates first: must, then request, then weight, then index.
    pub(super) fn better(&self, x: u32, y: u32) -> std::cmp::Ordering {
        let (cx, cy) = (&self.cands[x as usize], &self.cands[y as usize]);
        (cy.pin, cy.must, cy.req)
            .cmp(&(cx.pin, cx.must, cx.req))
            .then(cy.w.total_cmp(&cx.w))
            .then(x.cmp(&y))
    }

    /// Orders by what evicting costs: non-must first, then lighter.
    pub(super) fn cheaper(&self, x: u32, y: u32) -> std::cmp::Ordering {
        let (cx, cy) = (&self.cands[x as usize], &self.cands[y as usize]);
        cx.must.cmp(&cy.must).then(cx.w.total_cmp(&cy.w))
    }

    /// The request priority as the caller gave it (a pin alone makes no request).
    pub(super) fn priority_of(&self, c: u32) -> Option<Priority> {
        let cand = &self.cands[c as usize];
        match (cand.asked_must, cand.req) {
            (true, _) => Some(Priority::Must),
            (false, true) => Some(Priority::Want),
            _ => None,
        }
    }

    pub(super) fn total_capacity(&self) -> usize {
        self.tables.saturating_mul(self.slots)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Candidate, Participant, Problem, check, round_robin, solve};
    use crate::plan::spec::Priority;

    #[test]
    fn garbage_candidates_are_ignored_not_fatal() {
        let p = Problem {
            slots: 3,
            tables: 2,
            participants: (0..3)
                .map(|i| Participant {
                    id: format!("p{i}"),
                    group: usize::from(i > 0),
                    cap: 2,
                    available: vec![true; 2], // shorter than `slots`
                    ..Default::default()
                })
                .collect(),
            candidates: vec![
                Candidate {
                    a: 0,
                    b: 9,
                    weight: 1.0,
                    priority: None,
                    topic: None,
                    ..Default::default()
                },
                Candidate {
                    a: 0,
                    b: 0,
                    weight: 1.0,
                    priority: None,
                    topic: None,
                    ..Default::default()
                },
                Candidate {
                    a: 0,
                    b: 2,
                    weight: 1.0,
                    priority: None,
                    topic: None,
                    ..Default::default()
                },
                Candidate {
                    a: 0,
                    b: 1,
                    weight: f64::NAN,
                    priority: Some(Priority::Want),
                    topic: None,
                    ..Default::default()
                },
                Candidate {
                    a: 1,
                    b: 0,
                    weight: 5.0,
                    priority: None,
                    topic: None,
                    ..Default::default()
                },
                Candidate {
                    a: 1,
                    b: 2,
                    weight: -3.0,
                    priority: None,
                    topic: None,
                    ..Default::default()
                },
            ],
        };
        let s = solve(&p);
        check(&p, &s).expect("valid");
        assert_eq!(s.meetings.len(), 2);
        assert!(s.meetings.iter().all(|m| m.slot < 2));
        let merged = s.meetings.iter().find(|m| m.candidate == 3);
        assert_eq!(
            merged.map(|m| (m.weight, m.priority)),
            Some((5.0, Some(Priority::Want))),
            "a duplicate pair merges into its first entry"
        );
        let empty = Problem::default();
        assert_eq!(solve(&empty).meetings.len(), 0);
        assert_eq!(round_robin(&empty).meetings.len(), 0);
    }
}
