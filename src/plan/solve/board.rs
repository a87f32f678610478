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
    /// `at[p * slots + s]`: the candidate participant `p` meets in slot `s`, or NONE.
    pub(super) at: Vec<u32>,
    pub(super) busy: Vec<SlotSet>,
    pub(super) count: Vec<u32>,
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
            count: vec![0; inst.n],
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
        c != self.pinned && (musts_too || !self.inst.cands[c as usize].must)
    }

    pub(super) fn placed(&self, c: u32) -> bool {
        self.slot_of[c as usize] != NONE
    }

    pub(super) fn place(&mut self, c: u32, s: usize) {
        let (a, b) = self.inst.ends(c);
        debug_assert!(self.at(a, s) == NONE && self.at(b, s) == NONE && !self.placed(c));
        self.at[a * self.slots + s] = c;
        self.at[b * self.slots + s] = c;
        self.busy[a].insert(s);
        self.busy[b].insert(s);
        self.count[a] += 1;
        self.count[b] += 1;
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
        self.at[a * self.slots + s] = NONE;
        self.at[b * self.slots + s] = NONE;
        self.busy[a].remove(s);
        self.busy[b].remove(s);
        self.count[a] -= 1;
        self.count[b] -= 1;
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

    /// Slots where both ends are available and free.
    pub(super) fn free_for(&self, c: u32) -> SlotSet {
        let (a, b) = self.inst.ends(c);
        self.inst.common(c).minus(self.busy[a]).minus(self.busy[b])
    }
}
