//! The board: meetings placed in slots. `place` and `unplace` are the only methods that
//! change it, and they keep every index consistent (per participant and slot, per slot, per
//! candidate, the value and the must-meet count) and journal each change while a tentative
//! move runs, so it can be rolled back. The layers that move meetings (`colour`, `repair`,
//! `compact`) and the one that reads the result (`report`) add their own `impl Board`.

use super::inst::{Inst, NONE};
use super::slots::SlotSet;

pub(super) struct Board<'a> {
    pub(super) inst: &'a Inst,
    pub(super) slots: usize,
    /// `at[p * slots + s]`: the candidate participant `p` meets in slot `s` (one of them,
    /// for a participant with several seats), or NONE.
    pub(super) at: Vec<u32>,
    /// Slots where a participant has no seat left (for one seat: has a meeting).
    pub(super) busy: Vec<SlotSet>,
    /// Slots where a participant has a meeting: its agenda, whose idle gaps count.
    pub(super) present: Vec<SlotSet>,
    /// Meetings per participant and slot (`p * slots + s`).
    pub(super) occ: Vec<u8>,
    pub(super) count: Vec<u32>,
    /// Σ min(meetings, minimum) over participants: the second objective.
    pub(super) covered: i64,
    pub(super) load: Vec<u32>,
    /// Slots whose load has reached the table count.
    pub(super) full: SlotSet,
    /// Per candidate: its slot, or NONE.
    pub(super) slot_of: Vec<u32>,
    /// Per slot: the candidates placed there, and each one's position in that list.
    pub(super) members: Vec<Vec<u32>>,
    pub(super) pos: Vec<u32>,
    /// Remaining work for chain swaps and ejections.
    pub(super) budget: u64,
    pub(super) path: Vec<u32>,
    /// Placed value and must-meets, kept up to date by `place`/`unplace`.
    pub(super) value: f64,
    pub(super) musts: usize,
    /// While a tentative move runs: every change, so it can be rolled back.
    pub(super) journal: Option<Vec<Change>>,
    /// A meeting that ejection may not evict (the one a tentative move forced in).
    pub(super) pinned: u32,
}

#[derive(Clone, Copy)]
pub(super) enum Change {
    Placed(u32),
    Removed(u32, usize),
}

impl<'a> Board<'a> {
    pub(super) fn new(inst: &'a Inst, budget: u64) -> Board<'a> {
        Board {
            inst,
            slots: inst.slots,
            at: vec![NONE; inst.n * inst.slots],
            busy: vec![SlotSet::default(); inst.n],
            present: vec![SlotSet::default(); inst.n],
            occ: vec![0; inst.n * inst.slots],
            count: vec![0; inst.n],
            covered: 0,
            load: vec![0; inst.slots],
            full: SlotSet::default(),
            slot_of: vec![NONE; inst.cands.len()],
            members: vec![Vec::new(); inst.slots],
            pos: vec![0; inst.cands.len()],
            budget,
            path: Vec::new(),
            value: 0.0,
            musts: 0,
            journal: None,
            pinned: NONE,
        }
    }

    pub(super) fn at(&self, p: usize, s: usize) -> u32 {
        self.at[p * self.slots + s]
    }

    pub(super) fn at_cap(&self, p: usize) -> bool {
        self.count[p] >= self.inst.cap[p]
    }

    pub(super) fn evictable(&self, c: u32, musts_too: bool) -> bool {
        let cand = &self.inst.cands[c as usize];
        c != self.pinned && !cand.pin && (musts_too || !cand.must)
    }

    pub(super) fn placed(&self, c: u32) -> bool {
        self.slot_of[c as usize] != NONE
    }

    pub(super) fn place(&mut self, c: u32, s: usize) {
        let (a, b) = self.inst.ends(c);
        debug_assert!(!self.busy[a].contains(s) && !self.busy[b].contains(s) && !self.placed(c));
        for p in [a, b] {
            let k = p * self.slots + s;
            if self.at[k] == NONE {
                self.at[k] = c;
            }
            self.occ[k] += 1;
            if u32::from(self.occ[k]) >= self.inst.seats[p] {
                self.busy[p].insert(s);
            }
            self.present[p].insert(s);
            self.count[p] += 1;
            if self.count[p] <= self.inst.min[p] {
                self.covered += 1;
            }
        }
        self.load[s] += 1;
        if self.load[s] as usize >= self.inst.tables {
            self.full.insert(s);
        }
        self.slot_of[c as usize] = s as u32;
        self.pos[c as usize] = self.members[s].len() as u32;
        self.members[s].push(c);
        let cand = &self.inst.cands[c as usize];
        self.value += cand.w;
        self.musts += usize::from(cand.must);
        if let Some(j) = &mut self.journal {
            j.push(Change::Placed(c));
        }
    }

    pub(super) fn unplace(&mut self, c: u32) {
        let s = self.slot_of[c as usize] as usize;
        let (a, b) = self.inst.ends(c);
        for p in [a, b] {
            let k = p * self.slots + s;
            self.occ[k] -= 1;
            self.busy[p].remove(s);
            if self.occ[k] == 0 {
                self.present[p].remove(s);
                self.at[k] = NONE;
            } else if self.at[k] == c {
                // Another meeting of this participant in the slot takes its place.
                self.at[k] = self.members[s]
                    .iter()
                    .copied()
                    .find(|&e| {
                        let (x, y) = self.inst.ends(e);
                        e != c && (x == p || y == p)
                    })
                    .unwrap_or(NONE);
            }
            if self.count[p] <= self.inst.min[p] {
                self.covered -= 1;
            }
            self.count[p] -= 1;
        }
        self.load[s] -= 1;
        if (self.load[s] as usize) < self.inst.tables {
            self.full.remove(s);
        }
        self.slot_of[c as usize] = NONE;
        let i = self.pos[c as usize] as usize;
        self.members[s].swap_remove(i);
        if let Some(&moved) = self.members[s].get(i) {
            self.pos[moved as usize] = i as u32;
        }
        let cand = &self.inst.cands[c as usize];
        self.value -= cand.w;
        self.musts -= usize::from(cand.must);
        if let Some(j) = &mut self.journal {
            j.push(Change::Removed(c, s));
        }
    }

    /// (must-meets, minimum coverage, value): what every move must not lower, in that order.
    pub(super) fn key(&self) -> (usize, i64, f64) {
        (self.musts, self.covered, self.value)
    }

    /// Whether `key` is strictly better than `before` (value beyond `eps`).
    pub(super) fn gained(&self, before: (usize, i64, f64), eps: f64) -> bool {
        let now = self.key();
        now.0 > before.0
            || (now.0 == before.0
                && (now.1 > before.1 || (now.1 == before.1 && now.2 > before.2 + eps)))
    }

    /// Slots where both ends are available and free.
    pub(super) fn free_for(&self, c: u32) -> SlotSet {
        let (a, b) = self.inst.ends(c);
        self.inst.common(c).minus(self.busy[a]).minus(self.busy[b])
    }
}
