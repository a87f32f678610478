//! The mission solver: which pairs meet, in which slot, at which table. Pure, no IO.
//!
//! The problem is NP-hard in general (list edge colouring with table limits), but it has a
//! structure that makes most of it exact, so the solver is built in layers, each exact where
//! the structure allows it:
//!
//! 1. **Selection** — a maximum-weight b-matching: each participant at most `min(cap, free
//!    slots)` meetings, at most `tables × slots` in all. Must-meets are fixed first (a valid
//!    spec never asks more of anyone than it can attend), the rest is a min-cost circulation
//!    solved exactly by cost scaling (Goldberg–Tarjan push–relabel). Successive shortest
//!    paths would need one Dijkstra per meeting — 20,000 of them on a million arcs at
//!    trade-show size — while cost scaling needs ~10 refine passes. The optimum's dual prices
//!    give the **upper bound** reported, computed in `f64` from the original weights, so it
//!    is a true bound although the flow runs on integer costs. When the candidate graph is
//!    not bipartite (a forum of three or more provinces), the flow runs on the bipartite
//!    double cover: half its optimum is the fractional b-matching bound, and its
//!    half-integral solution seeds a greedy selection that a swap pass improves. That case is
//!    not exact; the bound is still valid.
//! 2. **Placement** — meetings are edges, slots are colours. König: a bipartite graph of
//!    maximum degree Δ ≤ slots is edge-coloured with `slots` colours by alternating-path
//!    (Kempe chain) swaps; de Werra: the colour classes can then be balanced to within one
//!    by swapping α/β paths. So with full availability every selected meeting fits as long
//!    as `tables × slots` does, and the value reaches the bound. Availability turns it into
//!    list colouring: the same swaps restricted to available slots, then ejection (place a
//!    meeting by evicting lighter ones, which are re-placed in turn).
//! 3. **Fill** — any remaining candidate that fits, best first, so no capacity is wasted.
//! 4. **Improvement** — only when placement lost value: a bounded large-neighbourhood
//!    search forces a lost meeting in, repairs around it, and keeps the result only if the
//!    value rose (a journal rolls everything else back).
//! 5. **Compaction** — fewer idle gaps, by swapping α/β components and whole slots; a swap
//!    only changes the agendas of a path's two ends, so each move is priced in O(1).
//! 6. **Report** — value, bound, gap, and a plain-English reason for every request left out.
//!
//! Slots are bitsets (`SlotSet`, 256 bits), so "a slot free for both and with a table left"
//! is a few word-wise ANDs. The local searches run on step budgets ([`SolveConfig`]), not
//! clocks, so a plan is deterministic. [`check`] re-verifies a finished solution from
//! scratch.
//!
//! Where each part lives: [`Problem`], [`Solution`], [`SolveConfig`], [`solve`] and [`check`]
//! here; the sanitised instance in `inst`, slot sets in `slots`; selection in `select` on the
//! min-cost circulation in `flow`; the board of placed meetings in `board`, with placement in
//! `colour`, fill and improvement in `repair`, compaction in `compact` and the report in
//! `report`; the round-robin baseline in `baseline` ([`round_robin`]).

mod baseline;
mod board;
mod colour;
mod compact;
mod flow;
mod inst;
mod repair;
mod report;
mod select;
mod slots;

pub use baseline::round_robin;

use super::spec::Priority;
use board::Board;
use inst::Inst;
use report::finish;
use select::select;
use std::time::Instant;

/// Most slots the solver handles; slots past this are treated as unavailable
/// (the spec allows 200).
pub const SLOT_LIMIT: usize = 256;

/// A participant as the solver sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub id: String,
    /// Side or province group; meetings are only between different groups.
    pub group: usize,
    /// Most meetings this participant may have.
    pub cap: usize,
    /// One entry per slot; a missing entry counts as unavailable.
    pub available: Vec<bool>,
}

/// A pair that may meet, with the value of the meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub a: usize,
    pub b: usize,
    /// Value of the meeting (≥ 0; negative or non-finite counts as 0).
    pub weight: f64,
    pub priority: Option<Priority>,
    pub topic: Option<String>,
}

/// Everything the solver needs; indices refer to `participants`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problem {
    pub slots: usize,
    pub tables: usize,
    pub participants: Vec<Participant>,
    pub candidates: Vec<Candidate>,
}

/// A placed meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// Index into `Problem::candidates`.
    pub candidate: usize,
    pub a: usize,
    pub b: usize,
    pub slot: usize,
    /// 1-based.
    pub table: usize,
    pub weight: f64,
    pub topic: Option<String>,
    pub priority: Option<Priority>,
}

/// A requested meeting that could not be placed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unscheduled {
    pub candidate: usize,
    pub a: usize,
    pub b: usize,
    pub priority: Priority,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Sum of the weights of the placed meetings.
    pub total_weight: f64,
    /// No schedule that keeps every must-meet can be worth more (0 from `round_robin`).
    pub upper_bound: f64,
    /// `100 · (upper_bound − total_weight) / upper_bound`.
    pub gap_pct: f64,
    pub meetings: usize,
    pub participants: usize,
    /// Participants with at least one meeting.
    pub participants_met: usize,
    pub tables_used_max: usize,
    /// Meetings over `tables × slots`, in percent.
    pub table_utilisation_pct: f64,
    /// Runs of empty slots between a participant's first and last meeting, summed.
    pub idle_gaps: usize,
    pub must_requested: usize,
    pub must_placed: usize,
    /// Whether the selection step was solved exactly (bipartite candidate graph).
    pub exact_selection: bool,
    pub solve_ms: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Solution {
    /// Sorted by slot, then table.
    pub meetings: Vec<Meeting>,
    pub unscheduled: Vec<Unscheduled>,
    pub stats: Stats,
}

/// Knobs for the local searches; the defaults suit every size up to a trade show.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveConfig {
    /// Passes of the idle-gap search (each pass tries every pair of slots).
    pub compaction_passes: usize,
    /// Work budget for the idle-gap search, in participant visits.
    pub compaction_steps: u64,
    /// Work budget, in elementary steps, for chain swaps and ejections while placing.
    pub repair_steps: u64,
    /// Work budget for the improvement search after placement (see `Board::improve`).
    pub improve_steps: u64,
    /// The improvement search stops once the value is within this many percent of the
    /// selection optimum.
    pub improve_until_gap_pct: f64,
}

impl Default for SolveConfig {
    fn default() -> Self {
        SolveConfig {
            compaction_passes: 8,
            compaction_steps: 100_000_000,
            repair_steps: 40_000_000,
            improve_steps: 4_000_000,
            improve_until_gap_pct: 0.01,
        }
    }
}

/// Plans with the default configuration.
pub fn solve(problem: &Problem) -> Solution {
    solve_with(problem, &SolveConfig::default())
}

/// Select, place, fill, compact, report.
pub fn solve_with(problem: &Problem, config: &SolveConfig) -> Solution {
    let started = Instant::now();
    let inst = Inst::new(problem);
    let selection = select(&inst);
    let mut board = Board::new(&inst, config.repair_steps);
    board.place_selection(&selection.chosen);
    board.fill();
    // An exact selection is the target; otherwise only the bound is known.
    let target = if selection.exact {
        selection.value
    } else {
        selection.bound
    };
    board.improve(
        target * (1.0 - config.improve_until_gap_pct / 100.0),
        &selection.chosen,
        config.improve_steps,
    );
    board.compact(config.compaction_passes, config.compaction_steps);
    finish(problem, &board, selection.bound, selection.exact, started)
}

/// Verifies a solution against its problem from scratch: only candidate pairs, each at most
/// once, nobody twice in a slot, slots available, caps and tables respected, tables numbered
/// 1..=tables without clashes. Returns the first violation.
pub fn check(problem: &Problem, solution: &Solution) -> Result<(), String> {
    let n = problem.participants.len();
    let mut seen_pair = std::collections::HashSet::new();
    let mut busy = std::collections::HashSet::new();
    let mut table_used = std::collections::HashSet::new();
    let mut count = vec![0usize; n];
    let mut load = vec![0usize; problem.slots.min(SLOT_LIMIT)];
    for (i, m) in solution.meetings.iter().enumerate() {
        let c = problem
            .candidates
            .get(m.candidate)
            .ok_or(format!("meeting {i}: no candidate {}", m.candidate))?;
        if (c.a, c.b) != (m.a, m.b) || m.a >= n || m.b >= n || m.a == m.b {
            return Err(format!("meeting {i}: pair differs from its candidate"));
        }
        if problem.participants[m.a].group == problem.participants[m.b].group {
            return Err(format!("meeting {i}: both participants in one group"));
        }
        if !seen_pair.insert((m.a.min(m.b), m.a.max(m.b))) {
            return Err(format!("meeting {i}: pair {}-{} meets twice", m.a, m.b));
        }
        if m.slot >= problem.slots.min(SLOT_LIMIT) {
            return Err(format!("meeting {i}: slot {} out of range", m.slot));
        }
        for p in [m.a, m.b] {
            if !problem.participants[p]
                .available
                .get(m.slot)
                .copied()
                .unwrap_or(false)
            {
                return Err(format!(
                    "meeting {i}: participant {p} unavailable in slot {}",
                    m.slot
                ));
            }
            if !busy.insert((p, m.slot)) {
                return Err(format!(
                    "meeting {i}: participant {p} twice in slot {}",
                    m.slot
                ));
            }
            count[p] += 1;
            if count[p] > problem.participants[p].cap {
                return Err(format!("meeting {i}: participant {p} over its cap"));
            }
        }
        load[m.slot] += 1;
        if load[m.slot] > problem.tables {
            return Err(format!("slot {}: more meetings than tables", m.slot));
        }
        if m.table == 0 || m.table > problem.tables || !table_used.insert((m.slot, m.table)) {
            return Err(format!(
                "meeting {i}: bad or double-booked table {}",
                m.table
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::{Rng, Shape, problem_with};

    fn shape(rng: &mut Rng) -> Shape {
        let slots = rng.range(1, 10);
        Shape {
            sizes: [rng.range(1, 12), rng.range(1, 16)],
            groups: if rng.chance(0.2) { rng.range(3, 4) } else { 2 },
            slots,
            tables: rng.range(1, 8),
            cap: rng.range(1, slots + 2),
            density: rng.unit(),
            partial: rng.unit() * 0.6,
            must: rng.unit() * 0.2,
            want: rng.unit() * 0.3,
        }
    }

    #[test]
    fn random_instances_respect_every_constraint() {
        let mut rng = Rng::new(1);
        let mut multi = 0;
        for i in 0..3000 {
            let p = problem_with(&mut rng, shape);
            let s = solve(&p);
            if let Err(e) = check(&p, &s) {
                panic!("instance {i}: {e}\n{p:?}");
            }
            let rr = round_robin(&p);
            if let Err(e) = check(&p, &rr) {
                panic!("round robin, instance {i}: {e}");
            }
            if s.stats.must_placed == s.stats.must_requested {
                assert!(
                    s.stats.total_weight <= s.stats.upper_bound + 1e-6,
                    "instance {i}: value above the bound"
                );
            }
            // Every request is either placed or explained.
            let requested = p.candidates.iter().filter(|c| c.priority.is_some()).count();
            assert_eq!(
                s.meetings.iter().filter(|m| m.priority.is_some()).count() + s.unscheduled.len(),
                requested,
                "instance {i}"
            );
            assert!(s.unscheduled.iter().all(|u| !u.reason.is_empty()));
            multi += usize::from(!s.stats.exact_selection);
        }
        assert!(multi > 100, "the generator covers multi-group forums");
    }

    #[test]
    fn must_meets_are_placed_whenever_they_fit() {
        let mut rng = Rng::new(2);
        for i in 0..500 {
            let slots = rng.range(2, 8);
            let n = rng.range(2, 20);
            let p = problem_with(&mut rng, |rng| Shape {
                sizes: [n, rng.range(2, 20)],
                groups: 2,
                slots,
                tables: 40,
                cap: slots,
                density: 0.6,
                partial: 0.0,
                must: 0.3,
                want: 0.2,
            });
            let s = solve(&p);
            assert_eq!(s.stats.must_placed, s.stats.must_requested, "instance {i}");
        }
    }
}
