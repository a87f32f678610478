//! The mission solver: which pairs meet, in which slot, at which table. Pure, no IO.
//!
//! The problem is NP-hard in general (list edge colouring with table limits), but it has a
//! structure that makes most of it exact, so the solver is built in layers, each exact where
//! the structure allows it:
//!
//! 1. **Selection** — a maximum-weight b-matching: each participant at most `min(cap, free
//!    slots)` meetings, at most `tables × slots` in all. Must-meets and pins are fixed first
//!    (pins first; when someone has more than it can attend, the heaviest that fit), the rest is a min-cost circulation
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
//!    (must-meets, coverage, value) key rose (a journal rolls everything else back).
//! 5. **Minimums** — participants below `min` take candidates (partners below their own
//!    minimum first) by insertion, chain swap or an ejection that does not lower coverage;
//!    then improvement runs again for the heavy meetings this displaced. Every ejection and
//!    forced move compares the lexicographic key (must-meets, Σ min(meetings, minimum),
//!    value), so minimums come before score and never cost a must-meet.
//! 6. **Compaction** — fewer idle gaps, by swapping α/β components and whole slots; a swap
//!    only changes the agendas of a path's two ends, so each move is priced in O(1).
//! 7. **Annealing** (`gaps`) — seeded simulated annealing over the slot assignment (move a
//!    meeting, exchange two, swap a short Kempe chain), stopped by convergence with the time
//!    limit as a ceiling, the best assignment kept; it never changes which meetings are
//!    placed.
//! 8. **Report** — value, bound, gap, idle gaps before and after, participants below their
//!    minimum and every request left out, each with a reason in the caller's language.
//!
//! Windows and pins are per-candidate slot sets (`Inst::common` is availability ∩ window);
//! a pinned meeting counts as a must-meet, is placed first and never moves. A participant
//! with several seats may hold that many meetings in a slot; the chain moves (which assume
//! one meeting per participant and slot) skip such participants, direct placement, ejection
//! and annealing handle them. A one-population forum (`pairing: any`) gives everyone its own
//! group, so it takes the general-graph paths.
//!
//! Slots are bitsets (`SlotSet`, 256 bits), so "a slot free for both and with a table left"
//! is a few word-wise ANDs. The local searches run on step budgets ([`SolveConfig`]), and
//! the annealing on a seeded generator with the clock only as a ceiling, so a plan is
//! deterministic for a seed unless the time limit cut it (`Improvement::stopped_by`).
//! [`check`] re-verifies a finished solution from scratch.
//!
//! Where each part lives: [`Problem`], [`Solution`], [`SolveConfig`], [`solve`] and [`check`]
//! here; the sanitised instance in `inst`, slot sets in `slots`; selection in `select` on the
//! min-cost circulation in `flow`; the board of placed meetings in `board`, with placement in
//! `colour`, fill, improvement and minimums in `repair`, compaction in `compact`, annealing
//! in `gaps` and the report in `report`; the round-robin baseline in `baseline`
//! ([`round_robin`]).

mod baseline;
mod board;
mod colour;
mod compact;
mod flow;
mod gaps;
mod inst;
mod repair;
mod report;
mod select;
mod slots;

pub use baseline::round_robin;

use super::spec::Priority;
use crate::model::lang::Lang;
use board::Board;
use inst::Inst;
use report::{Finish, finish};
use select::select;
use std::time::Instant;

/// Most slots the solver handles; slots past this are treated as unavailable
/// (the spec allows 200).
pub const SLOT_LIMIT: usize = 256;

/// A participant as the solver sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Participant {
    pub id: String,
    /// Side or province group; meetings are only between different groups (for a
    /// one-population forum, give everyone a group of its own).
    pub group: usize,
    /// Most meetings this participant may have.
    pub cap: usize,
    /// One entry per slot; a missing entry counts as unavailable.
    pub available: Vec<bool>,
    /// Meetings wanted at least: the second objective, after must-meets (0: none).
    pub min: usize,
    /// Meetings it may hold in one slot (0 or 1: one).
    pub seats: usize,
}

/// A pair that may meet, with the value of the meeting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub a: usize,
    pub b: usize,
    /// Value of the meeting (≥ 0; negative or non-finite counts as 0).
    pub weight: f64,
    pub priority: Option<Priority>,
    pub topic: Option<String>,
    /// Inclusive slot range the meeting may take.
    pub window: Option<(usize, usize)>,
    /// Pinned to this slot: placed first (like a must-meet), never moved or evicted.
    pub pinned: Option<usize>,
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
    pub pinned: bool,
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
    /// Idle gaps before the improvement phase (`idle_gaps` is after it).
    pub idle_gaps_before: usize,
    /// Most idle gaps of one participant minus fewest, among those with a meeting.
    pub gap_spread: usize,
    /// Participants with a minimum who got fewer meetings, and why.
    pub below_min: Vec<BelowMin>,
    /// Participants whose minimum was met (among those with a minimum above 0).
    pub min_met: usize,
    pub improvement: Improvement,
}

/// A participant that ended below its minimum number of meetings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BelowMin {
    pub participant: usize,
    pub meetings: usize,
    pub min: usize,
    pub reason: String,
}

/// What the idle-gap improvement phase did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Improvement {
    pub iterations: u64,
    /// `"converged"` (no improving move left in its step budget), `"time"` (the time limit
    /// cut it short: then the plan may differ between runs) or `"skipped"`.
    pub stopped_by: &'static str,
    pub ms: f64,
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
    /// Time budget of the idle-gap search (module `gaps`), in milliseconds; 0 skips it.
    pub time_limit_ms: u64,
    /// Seed of the idle-gap search.
    pub seed: u64,
    /// Most idle gaps one participant may have beyond another (a soft target the idle-gap
    /// search pursues).
    pub max_gap_spread: Option<usize>,
    /// The language of reasons.
    pub lang: Lang,
    /// Whether the idle-gap search also swaps Kempe chains (module `gaps`). `false` is the
    /// search as it was before session 7 (single moves and exchanges only), kept so
    /// `benches/forum` can print the previous planner beside the current one.
    pub gap_chains: bool,
}

impl Default for SolveConfig {
    fn default() -> Self {
        SolveConfig {
            compaction_passes: 8,
            compaction_steps: 100_000_000,
            repair_steps: 40_000_000,
            improve_steps: 4_000_000,
            improve_until_gap_pct: 0.01,
            time_limit_ms: 1_000,
            seed: 0,
            max_gap_spread: None,
            lang: Lang::En,
            gap_chains: true,
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
    if inst.has_min {
        board.cover();
        // Raising minimums may have evicted heavy meetings: try them again, keeping only
        // what does not lower (must-meets, coverage).
        board.improve(
            target * (1.0 - config.improve_until_gap_pct / 100.0),
            &selection.chosen,
            config.improve_steps,
        );
    }
    let gaps_before = board.idle_gaps();
    board.compact(config.compaction_passes, config.compaction_steps);
    let improvement = board.improve_gaps(config);
    finish(
        problem,
        &board,
        Finish {
            bound: selection.bound,
            exact: selection.exact,
            started,
            gaps_before,
            improvement,
            lang: config.lang,
        },
    )
}

/// Verifies a solution against its problem from scratch: only candidate pairs, each at most
/// once, nobody twice in a slot, slots available, caps and tables respected, tables numbered
/// 1..=tables without clashes. Returns the first violation.
pub fn check(problem: &Problem, solution: &Solution) -> Result<(), String> {
    let n = problem.participants.len();
    let mut seen_pair = std::collections::HashSet::new();
    let mut busy = std::collections::HashMap::new();
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
        if let Some(k) = c.pinned
            && k != m.slot
        {
            return Err(format!(
                "meeting {i}: pinned to slot {k}, placed in {}",
                m.slot
            ));
        }
        if let Some((first, last)) = c.window
            && (m.slot < first || m.slot > last)
        {
            return Err(format!("meeting {i}: slot {} outside its window", m.slot));
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
            let seated = busy.entry((p, m.slot)).or_insert(0usize);
            *seated += 1;
            if *seated > problem.participants[p].seats.max(1) {
                return Err(format!(
                    "meeting {i}: participant {p} in more meetings than seats in slot {}",
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

    /// Windows, pins, seats, minimums and one-population forums on random instances: every
    /// plan passes `check`, pins never move, and every request is placed or explained.
    #[test]
    fn windows_pins_seats_and_minimums_respect_every_constraint() {
        let mut rng = Rng::new(9);
        let config = SolveConfig {
            time_limit_ms: 20,
            ..SolveConfig::default()
        };
        let (mut pinned, mut seated, mut raised) = (0, 0, 0);
        for i in 0..800 {
            let mut p = problem_with(&mut rng, shape);
            let any = rng.chance(0.3);
            for (k, q) in p.participants.iter_mut().enumerate() {
                if any {
                    q.group = k;
                }
                q.seats = if rng.chance(0.15) { rng.range(2, 3) } else { 1 };
                q.min = if rng.chance(0.5) { rng.range(0, 3) } else { 0 };
            }
            let slots = p.slots;
            for c in &mut p.candidates {
                if rng.chance(0.2) {
                    let first = rng.range(0, slots - 1);
                    c.window = Some((first, rng.range(first, slots - 1)));
                } else if rng.chance(0.08) {
                    c.pinned = Some(rng.range(0, slots - 1));
                }
            }
            let base = solve_with(
                &p,
                &SolveConfig {
                    time_limit_ms: 0,
                    ..config.clone()
                },
            );
            let s = solve_with(&p, &config);
            if let Err(e) = check(&p, &s) {
                panic!("instance {i}: {e}\n{p:?}");
            }
            let requested = p.candidates.iter().filter(|c| c.priority.is_some()).count();
            assert_eq!(
                s.meetings.iter().filter(|m| m.priority.is_some()).count() + s.unscheduled.len(),
                requested,
                "instance {i}"
            );
            // The annealing changes slots only: the same meetings, never more gaps.
            assert_eq!(s.meetings.len(), base.meetings.len(), "instance {i}");
            assert!(
                s.stats.idle_gaps <= base.stats.idle_gaps,
                "instance {i}: {} > {} ({:?})",
                s.stats.idle_gaps,
                base.stats.idle_gaps,
                s.stats
            );
            assert_eq!(s.stats.below_min.len(), base.stats.below_min.len());
            pinned += s.meetings.iter().filter(|m| m.pinned).count();
            seated += usize::from(s.meetings.iter().any(|m| {
                s.meetings
                    .iter()
                    .filter(|o| o.slot == m.slot && (o.a == m.a || o.b == m.a))
                    .count()
                    > 1
            }));
            raised += s.stats.min_met;
        }
        assert!(
            pinned > 100 && seated > 20 && raised > 100,
            "{pinned} {seated} {raised}"
        );
    }

    /// The same spec and seed give the same plan.
    #[test]
    fn plans_are_deterministic_for_a_seed() {
        let mut rng = Rng::new(12);
        for _ in 0..30 {
            let p = problem_with(&mut rng, shape);
            let config = SolveConfig {
                seed: 5,
                time_limit_ms: 60_000,
                ..SolveConfig::default()
            };
            let (x, y) = (solve_with(&p, &config), solve_with(&p, &config));
            assert_eq!(x.meetings, y.meetings);
            assert_ne!(x.stats.improvement.stopped_by, "time");
        }
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
