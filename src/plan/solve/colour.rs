//! Layer 2, placement: meetings are edges, slots are colours. Direct placement, Kempe
//! (α/β chain) swaps, de Werra's balancing of slot loads, then eviction of what still
//! overflows the tables, handed to repair. Every chain move checks availability (and, when
//! asked, table limits) on each meeting it moves.

use super::board::Board;
use super::inst::NONE;
use std::collections::VecDeque;

/// Most chain swaps tried to place one meeting. With full availability the first one
/// works; the cap only bounds the list-colouring case.
const KEMPE_TRIES: usize = 128;

impl Board<'_> {
    /// Places `c` in a free slot, the least loaded one; with `tables`, only below the table
    /// limit.
    pub(super) fn direct(&mut self, c: u32, tables: bool) -> bool {
        let mut free = self.free_for(c);
        if tables {
            free = free.minus(self.full);
        }
        let (a, b) = self.inst.ends(c);
        let added = |p: usize, s: usize| {
            let mut after = self.present[p];
            after.insert(s);
            after.agenda_cost() - self.present[p].agenda_cost()
        };
        match free
            .iter()
            .min_by_key(|&s| (added(a, s) + added(b, s), self.load[s], s))
        {
            Some(s) => {
                self.place(c, s);
                true
            }
            None => false,
        }
    }

    /// Places `c = (x, y)` in a slot α free at `x` but taken at `y`, after swapping the
    /// α/β chain that starts at `y` (β free at `y`). In a bipartite graph the chain never
    /// reaches `x` (König); availability and, with `tables`, table limits are checked on
    /// every meeting the chain moves.
    pub(super) fn kempe(&mut self, c: u32, tables: bool) -> bool {
        let (u, v) = self.inst.ends(c);
        let both = self.inst.common(c);
        let mut tries = 0;
        for (x, y) in [(u, v), (v, u)] {
            let alphas = both.minus(self.busy[x]).and(self.busy[y]);
            let betas = self.inst.avail[y].minus(self.busy[y]);
            for alpha in alphas.iter() {
                for beta in betas.iter() {
                    if self.budget == 0 || tries == KEMPE_TRIES {
                        return false;
                    }
                    self.budget -= 1;
                    tries += 1;
                    if self.try_chain(c, x, y, alpha, beta, tables) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// One α/β chain swap for `c`, if every moved meeting is available in its new slot
    /// and (with `tables`) no slot overflows; applied only if it succeeds.
    fn try_chain(
        &mut self,
        c: u32,
        x: usize,
        y: usize,
        alpha: usize,
        beta: usize,
        tables: bool,
    ) -> bool {
        let mut path = std::mem::take(&mut self.path);
        path.clear();
        let (mut p, mut col) = (y, alpha);
        let (mut k_alpha, mut k_beta) = (0i64, 0i64);
        let ok = loop {
            let e = self.at(p, col);
            if e == NONE {
                break true;
            }
            self.budget = self.budget.saturating_sub(1);
            let q = self.inst.other(e, p);
            let new = if col == alpha { beta } else { alpha };
            // Chains assume one meeting per participant and slot: a participant with several
            // seats ends the attempt.
            if q == x
                || !self.inst.allows(e, new)
                || self.inst.seated(p)
                || self.inst.seated(q)
                || path.len() > self.inst.n
            {
                break false;
            }
            path.push(e);
            if col == alpha {
                k_alpha += 1;
            } else {
                k_beta += 1;
            }
            p = q;
            col = new;
        };
        let t = self.inst.tables as i64;
        let fits = !tables
            || (i64::from(self.load[alpha]) - k_alpha + k_beta < t
                && i64::from(self.load[beta]) + k_alpha - k_beta <= t);
        if ok && fits {
            self.recolour(&path, alpha, beta);
            self.place(c, alpha);
        }
        self.path = path;
        ok && fits
    }

    /// Swaps slots α and β of every meeting in `path`.
    pub(super) fn recolour(&mut self, path: &[u32], alpha: usize, beta: usize) {
        let targets: Vec<usize> = path
            .iter()
            .map(|&e| {
                if self.slot_of[e as usize] as usize == alpha {
                    beta
                } else {
                    alpha
                }
            })
            .collect();
        for &e in path {
            self.unplace(e);
        }
        for (&e, &s) in path.iter().zip(&targets) {
            self.place(e, s);
        }
    }

    /// The α/β component through meeting `m`: its meetings in `out` and, unless it is a
    /// cycle, its two end participants, each with the slot of its meeting in the component.
    pub(super) fn component(
        &self,
        m: u32,
        alpha: usize,
        beta: usize,
        out: &mut Vec<u32>,
    ) -> Option<[(usize, usize); 2]> {
        self.short_component(m, alpha, beta, out, 2 * self.inst.n)
    }

    /// [`Board::component`], or `None` once it holds more than `longest` meetings.
    pub(super) fn short_component(
        &self,
        m: u32,
        alpha: usize,
        beta: usize,
        out: &mut Vec<u32>,
        longest: usize,
    ) -> Option<[(usize, usize); 2]> {
        out.clear();
        out.push(m);
        let (a, b) = self.inst.ends(m);
        if self.inst.seated(a) || self.inst.seated(b) {
            return None;
        }
        let flip = |s: usize| if s == alpha { beta } else { alpha };
        let first = self.slot_of[m as usize] as usize;
        let mut ends = [(a, first), (b, first)];
        for (side, start) in [b, a].into_iter().enumerate() {
            let (mut x, mut col) = (start, flip(first));
            loop {
                let e = self.at(x, col);
                if e == NONE {
                    ends[1 - side] = (x, flip(col));
                    break;
                }
                if e == m || out.len() > longest {
                    // A cycle (swapping it changes nobody's agenda), or too long.
                    return None;
                }
                out.push(e);
                x = self.inst.other(e, x);
                if self.inst.seated(x) {
                    return None;
                }
                col = flip(col);
            }
        }
        Some(ends)
    }

    /// Whether every meeting of `comp` may move to the other slot of the pair.
    pub(super) fn swappable(&self, comp: &[u32], alpha: usize, beta: usize) -> bool {
        let (mut k_alpha, mut k_beta) = (0i64, 0i64);
        for &e in comp {
            let s = self.slot_of[e as usize] as usize;
            let new = if s == alpha { beta } else { alpha };
            if !self.inst.allows(e, new) {
                return false;
            }
            if s == alpha {
                k_alpha += 1;
            } else {
                k_beta += 1;
            }
        }
        // A slot may not grow past the table count (it may shrink while still over it).
        let t = self.inst.tables as i64;
        let grow = k_beta - k_alpha;
        (grow <= 0 || i64::from(self.load[alpha]) + grow <= t)
            && (grow >= 0 || i64::from(self.load[beta]) - grow <= t)
    }

    /// Places the selected meetings: colour ignoring tables, balance the slots, evict what
    /// still overflows, then repair.
    pub(super) fn place_selection(&mut self, chosen: &[u32]) {
        let inst = self.inst;
        let mut order = chosen.to_vec();
        // Must-meets first, then the most constrained pairs, then the heaviest.
        order.sort_by(|&x, &y| {
            let (cx, cy) = (&inst.cands[x as usize], &inst.cands[y as usize]);
            cy.must
                .cmp(&cx.must)
                .then(inst.common(x).len().cmp(&inst.common(y).len()))
                .then(inst.better(x, y))
        });
        let mut failed: Vec<u32> = Vec::new();
        for &c in &order {
            if !self.direct(c, false) && !self.kempe(c, false) {
                failed.push(c);
            }
        }
        self.balance();
        for s in 0..self.slots {
            while self.load[s] as usize > inst.tables {
                let victim = self.members[s]
                    .iter()
                    .copied()
                    .max_by(|&x, &y| inst.better(x, y));
                match victim {
                    Some(v) => {
                        self.unplace(v);
                        failed.push(v);
                    }
                    None => break,
                }
            }
        }
        failed.sort_by(|&x, &y| inst.better(x, y));
        let mut queue: VecDeque<u32> = failed.into();
        self.drain(&mut queue);
    }

    /// Evens out slot loads by swapping α/β paths that hold one more meeting in the
    /// overfull slot α than in β (de Werra's balancing; exact with full availability).
    fn balance(&mut self) {
        let tables = self.inst.tables as u32;
        let mut comp = Vec::new();
        let mut stamp = vec![0u32; self.inst.cands.len()];
        let mut round = 0;
        for alpha in 0..self.slots {
            if self.load[alpha] <= tables {
                continue;
            }
            let mut betas: Vec<usize> =
                (0..self.slots).filter(|&s| self.load[s] < tables).collect();
            betas.sort_by_key(|&s| (self.load[s], s));
            for beta in betas {
                round += 1;
                for m in self.members[alpha].clone() {
                    if self.load[alpha] <= tables || self.load[beta] >= tables || self.budget == 0 {
                        break;
                    }
                    if stamp[m as usize] == round || self.slot_of[m as usize] as usize != alpha {
                        continue;
                    }
                    let ends = self.component(m, alpha, beta, &mut comp);
                    self.budget = self.budget.saturating_sub(comp.len() as u64);
                    for &e in &comp {
                        stamp[e as usize] = round;
                    }
                    if ends.is_none() {
                        continue;
                    }
                    let k_alpha = comp
                        .iter()
                        .filter(|&&e| self.slot_of[e as usize] as usize == alpha)
                        .count();
                    if 2 * k_alpha == comp.len() + 1 && self.swappable(&comp, alpha, beta) {
                        self.recolour(&comp, alpha, beta);
                    }
                }
            }
        }
    }
}
