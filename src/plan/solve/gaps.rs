//! Layer 6, the idle-gap improvement phase: simulated annealing over the slot assignment of
//! the meetings already placed. It never adds or removes a meeting, so must-meets, minimum
//! coverage and value are untouched; only idle gaps (and, with `max_gap_spread`, their
//! spread) change.
//!
//! Why annealing and not only the greedy compaction before it: compaction accepts strictly
//! improving α/β swaps, which stall in local optima; on forum-like instances (one population,
//! windows, pins) an exact CP-SAT model finds far fewer gaps. Three move types cover the
//! space: move one meeting to another slot (both ends free there, a table left, inside its
//! window), exchange the slots of two meetings, and swap a Kempe chain (the α/β component
//! of a meeting between its slot and another, at most `CHAIN` meetings long: only the
//! chain's two end participants change agendas, so it moves where single moves are blocked
//! by full tables and busy partners; it took the forum bench from 367 to ~290 idle gaps).
//! A move is priced from the agendas of at most four participants (idle gaps × 1024 + empty
//! slots inside the agenda, so a hole that shrinks counts as progress). A participant with
//! several seats is in its agenda wherever it holds at least one meeting: a move is priced
//! from its meeting counts per slot (`Board::occ`), so its meetings move like anyone's (only
//! the chains, which assume one meeting per participant and slot, leave it out). The best
//! assignment seen is restored at the end (copied only when a move leaves it uphill); in
//! debug builds the walk's running cost is checked against a recount.
//!
//! Convergence and determinism: the moves come from a seeded SplitMix64; the search stops
//! when no participant has an idle gap, when the best has not improved for a stretch of
//! moves counted per meeting (see `improve_gaps`), or at a step budget; none of these reads
//! the clock. The clock is read only to honour the time limit, a ceiling: a plan is the same
//! for the same seed on any machine unless the time limit cut the search
//! (`stopped_by: "time"`, which in practice happens only past ~10,000 meetings). Large
//! plans cool in repeated cycles of 500,000 moves, so a cut still ends on an improved
//! assignment.

use super::board::Board;
use super::inst::NONE;
use super::slots::SlotSet;
use super::{Improvement, SolveConfig};
use std::time::Instant;

use crate::plan::rng::SplitMix;

/// Weight of one idle gap in the cost (the rest counts empty slots inside an agenda).
const GAP: i64 = 1024;
/// Share of the moves that swap a Kempe chain rather than move or exchange one meeting.
const KEMPE: f64 = 0.3;
/// Longest Kempe chain the annealing swaps, in meetings: longer ones rarely pay for tracing
/// them (measured on benches/forum and the 57 × 100 bench: same idle gaps, more moves).
const CHAIN: usize = 16;
/// Plans with at most this many movable meetings anneal from hot; larger ones descend.
const FORUM: u64 = 300;
/// Moves per movable meeting in one pass of a large plan.
const PASS: u64 = 20;
/// Passes without a better assignment after which a large plan has converged.
const PATIENCE: u64 = 2;
/// Most moves of one search, whatever the plan's size (the time limit is only a ceiling).
const MOST_MOVES: u64 = 3_000_000;
/// Weight of one idle gap of a participant beyond `max_gap_spread` over the fewest.
const SPREAD: i64 = 8 * GAP;

/// A priced move: the cost change, and each touched participant's (idle gaps before, after)
/// (the first `.2` entries).
type Priced = (i64, [(usize, usize); 4], usize);

/// The annealing walk's books: its running cost, the best assignment seen (slot per movable
/// meeting, copied only when a move leaves it uphill: `at_best`) and the move that found it.
struct Walk {
    cost: i64,
    best_cost: i64,
    best: Vec<u32>,
    at_best: bool,
    last_best: u64,
}

impl Walk {
    /// Whether the annealing at temperature `temp` takes a move of cost change `delta`:
    /// always downhill or level, uphill with probability e^(−delta / temp).
    fn accepts(&self, delta: i64, temp: f64, rng: &mut SplitMix) -> bool {
        delta <= 0 || rng.unit() < (-(delta as f64) / temp).exp()
    }
}

/// A tentative change of one participant's occupancy of one slot.
#[derive(Clone, Copy)]
struct Touch {
    p: usize,
    s: usize,
    d: i32,
}

impl Board<'_> {
    /// Total idle gaps of the agendas.
    pub(super) fn idle_gaps(&self) -> usize {
        self.present.iter().map(|b| b.idle_gaps() as usize).sum()
    }

    /// Most idle gaps of one participant minus fewest, among those with a meeting.
    pub(super) fn gap_spread(&self) -> usize {
        let gaps = self
            .present
            .iter()
            .filter(|b| !b.is_empty())
            .map(|b| b.idle_gaps() as usize);
        let (lo, hi) = gaps.fold((usize::MAX, 0), |(lo, hi), g| (lo.min(g), hi.max(g)));
        hi.saturating_sub(lo.min(hi))
    }

    /// Anneals the slot assignment; see the module comment.
    pub(super) fn improve_gaps(&mut self, config: &SolveConfig) -> Improvement {
        let started = Instant::now();
        let inst = self.inst;
        let movable: Vec<u32> = (0..inst.cands.len() as u32)
            .filter(|&c| self.placed(c) && !inst.cands[c as usize].pin)
            .filter(|&c| inst.common(c).len() > 1)
            .collect();
        if config.time_limit_ms == 0 || movable.is_empty() || self.slots < 2 {
            return Improvement {
                iterations: 0,
                stopped_by: "skipped",
                ms: 0.0,
            };
        }
        // The assignment it starts from, to fall back on: the walk prices moves from the
        // agendas they touch, and the end result is checked against a full recount below.
        let start: Vec<u32> = movable.iter().map(|&c| self.slot_of[c as usize]).collect();
        let start_gaps = self.idle_gaps();
        let spread_limit = config.max_gap_spread;
        // Histogram of idle gaps over participants with a meeting (fixed set: moves keep
        // every participant's meeting count).
        let mut hist = vec![0usize; self.slots + 1];
        for b in self.present.iter().filter(|b| !b.is_empty()) {
            hist[b.idle_gaps() as usize] += 1;
        }
        // The price of unfairness: every participant's idle gaps beyond the fewest anyone
        // has plus the limit, summed. It is zero exactly when the spread is within the
        // limit, and — unlike the spread itself, which moves only when the last participant
        // at the top comes down — each participant brought down lowers it, so the walk has a
        // slope to follow.
        let spread_cost = |hist: &[usize]| -> i64 {
            let Some(limit) = spread_limit else { return 0 };
            let Some(lo) = hist.iter().position(|&k| k > 0) else {
                return 0;
            };
            let excess: usize = hist
                .iter()
                .enumerate()
                .skip(lo + limit + 1)
                .map(|(g, &k)| k * (g - lo - limit))
                .sum();
            SPREAD * excess as i64
        };
        let cost = self.present.iter().map(|b| b.agenda_cost()).sum::<i64>() + spread_cost(&hist);
        let mut walk = Walk {
            cost,
            best_cost: cost,
            best: start.clone(),
            at_best: true,
            last_best: 0,
        };

        let n_moves = movable.len() as u64;
        // Forum-sized plans (up to FORUM meetings) anneal from hot over 10,000 moves per
        // meeting, stopping once a fifth of that passed without a better assignment (after
        // the first quarter). Larger ones descend (cool from the start) for at most 500
        // moves per meeting and stop after PATIENCE passes without a better assignment:
        // the first-wave 57 × 100 mission converges in ~100,000 moves, 15–40 ms.
        let small = n_moves <= FORUM;
        let budget = if small {
            n_moves * 10_000
        } else {
            n_moves * 500
        }
        .clamp(2_000, MOST_MOVES);
        let patience = if small {
            (budget / 5).max(1_000)
        } else {
            n_moves * PASS * PATIENCE
        };
        // One cooling schedule for forum-sized plans; repeated shorter ones for large plans,
        // so a time limit that cuts the search finds it cool, not in the middle of a hot walk.
        let cycle = if small { budget } else { budget.min(500_000) };
        let limit = std::time::Duration::from_millis(config.time_limit_ms);
        let mut rng = SplitMix::from_state(config.seed ^ 0x005E_ED0F_6A95);
        // Large plans get too few moves per meeting for a hot start to pay off: they descend
        // (ties and rare uphill steps accepted).
        let (t0, t1) = if small {
            (0.8 * GAP as f64, 0.02 * GAP as f64)
        } else {
            (0.15 * GAP as f64, 0.02 * GAP as f64)
        };
        let mut touches: Vec<Touch> = Vec::with_capacity(8);
        let mut comp: Vec<u32> = Vec::new();
        let mut stopped_by = "converged";
        let mut it = 0u64;
        while it < budget {
            it += 1;
            if it & 255 == 0 && started.elapsed() >= limit {
                stopped_by = "time";
                break;
            }
            if walk.best_cost == 0
                || ((!small || it > budget / 4) && it - walk.last_best > patience)
            {
                break;
            }
            let temp = t0 * (t1 / t0).powf((it % cycle) as f64 / cycle as f64);
            let c = movable[rng.below(movable.len())];
            let s = self.slot_of[c as usize] as usize;
            let choices = inst.common(c);
            // Half the time, a slot next to another meeting of one of the two: where a gap
            // can close.
            let t = {
                let (a, b) = inst.ends(c);
                let p = if rng.unit() < 0.5 { a } else { b };
                let mut near = SlotSet::default();
                if rng.unit() < 0.5 {
                    for x in self.present[p].iter().filter(|&x| x != s) {
                        if x > 0 {
                            near.insert(x - 1);
                        }
                        if x + 1 < self.slots {
                            near.insert(x + 1);
                        }
                    }
                    near = near.and(choices).minus(self.present[p]);
                }
                if near.is_empty() {
                    nth(choices, rng.below(choices.len()))
                } else {
                    nth(near, rng.below(near.len()))
                }
            };
            if t == s {
                continue;
            }
            // A third of the time, swap the α/β component of `c` between `s` and `t`
            // (a Kempe chain): only its two end participants' agendas change.
            if rng.unit() < KEMPE && config.gap_chains {
                let Some(ends) = self.short_component(c, s, t, &mut comp, CHAIN) else {
                    continue;
                };
                if !self.swappable(&comp, s, t) {
                    continue;
                }
                touches.clear();
                for (q, from) in ends {
                    touches.push(Touch {
                        p: q,
                        s: from,
                        d: -1,
                    });
                    touches.push(Touch {
                        p: q,
                        s: s + t - from,
                        d: 1,
                    });
                }
                if let Some(priced) = self.price(&touches, &mut hist, &spread_cost)
                    && walk.accepts(priced.0, temp, &mut rng)
                {
                    self.step(&mut walk, &movable, priced, &mut hist, it, |board| {
                        board.recolour(&comp, s, t);
                    });
                }
                continue;
            }
            // Move `c` to `t`, or exchange it with a meeting `d` already in `t`.
            let d = if self.load[t] as usize >= inst.tables || rng.unit() < 0.3 {
                let m = &self.members[t];
                if m.is_empty() {
                    NONE
                } else {
                    m[rng.below(m.len())]
                }
            } else {
                NONE
            };
            if d != NONE && (inst.cands[d as usize].pin || !inst.allows(d, s)) {
                continue;
            }
            if d == NONE && self.load[t] as usize >= inst.tables {
                continue;
            }
            touches.clear();
            let (a, b) = inst.ends(c);
            for p in [a, b] {
                touches.push(Touch { p, s, d: -1 });
                touches.push(Touch { p, s: t, d: 1 });
            }
            if d != NONE {
                let (x, y) = inst.ends(d);
                for p in [x, y] {
                    touches.push(Touch { p, s: t, d: -1 });
                    touches.push(Touch { p, s, d: 1 });
                }
            }
            if let Some(priced) = self.price(&touches, &mut hist, &spread_cost)
                && walk.accepts(priced.0, temp, &mut rng)
            {
                self.step(&mut walk, &movable, priced, &mut hist, it, |board| {
                    board.unplace(c);
                    if d != NONE {
                        board.unplace(d);
                        board.place(d, s);
                    }
                    board.place(c, t);
                });
            }
        }
        // The walk's running cost is exactly a recount: every move was priced right.
        debug_assert_eq!(
            walk.cost,
            self.present.iter().map(|b| b.agenda_cost()).sum::<i64>() + spread_cost(&hist),
            "the gap phase priced a move wrongly"
        );
        // Restore the best assignment unless the walk ended on one: take every movable
        // meeting out, then put each back.
        if !walk.at_best {
            self.assign(&movable, &walk.best);
        }
        // Never more idle gaps than it started with, counted afresh. The walk minimises
        // idle gaps × GAP + holes, so only a loss of more than GAP holes could buy a gap
        // (or, with `max_gap_spread`, a fairer spread, which is wanted): a debug check, and
        // the start restored should it ever happen.
        if spread_limit.is_none() && self.idle_gaps() > start_gaps {
            debug_assert!(false, "the gap phase ended above its start");
            self.assign(&movable, &start);
        }
        Improvement {
            iterations: it,
            stopped_by,
            ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// Applies an accepted move (`apply`) and keeps the walk's books: the gap histogram,
    /// the running cost, and the best assignment, copied first when the move leaves it
    /// uphill.
    fn step(
        &mut self,
        walk: &mut Walk,
        movable: &[u32],
        (delta, changed, k): Priced,
        hist: &mut [usize],
        it: u64,
        apply: impl FnOnce(&mut Self),
    ) {
        if delta > 0 && walk.at_best {
            for (slot, &m) in walk.best.iter_mut().zip(movable) {
                *slot = self.slot_of[m as usize];
            }
            walk.at_best = false;
        }
        apply(self);
        for &(x, y) in &changed[..k] {
            hist[x] -= 1;
            hist[y] += 1;
        }
        walk.cost += delta;
        if walk.cost <= walk.best_cost {
            if walk.cost < walk.best_cost {
                walk.last_best = it;
            }
            walk.best_cost = walk.cost;
            walk.at_best = true;
        }
    }

    /// Takes every meeting of `movable` out, then puts each back in its slot of `slots`.
    fn assign(&mut self, movable: &[u32], slots: &[u32]) {
        for &m in movable {
            self.unplace(m);
        }
        for (&m, &s) in movable.iter().zip(slots) {
            self.place(m, s as usize);
        }
    }

    /// The change of cost if the occupancy changes in `touches` were applied, with each
    /// touched participant's (idle gaps before, after), or `None` if they would overfill
    /// someone's seats. `hist` is left as it was.
    fn price(
        &self,
        touches: &[Touch],
        hist: &mut [usize],
        spread_cost: &dyn Fn(&[usize]) -> i64,
    ) -> Option<Priced> {
        let mut delta = 0i64;
        let mut changed: [(usize, usize); 4] = [(0, 0); 4];
        let mut k = 0;
        for (i, tch) in touches.iter().enumerate() {
            let p = tch.p;
            if touches[..i].iter().any(|x| x.p == p) {
                continue;
            }
            let mut after = self.present[p];
            // Net occupancy change per slot for this participant.
            for x in touches.iter().filter(|x| x.p == p) {
                let net: i32 = touches
                    .iter()
                    .filter(|y| y.p == p && y.s == x.s)
                    .map(|y| y.d)
                    .sum();
                let occ = i32::from(self.occ[p * self.slots + x.s]) + net;
                if occ > self.inst.seats[p] as i32 || occ < 0 {
                    return None;
                }
                if occ > 0 {
                    after.insert(x.s);
                } else {
                    after.remove(x.s);
                }
            }
            let before = self.present[p];
            delta += after.agenda_cost() - before.agenda_cost();
            if k < 4 {
                changed[k] = (before.idle_gaps() as usize, after.idle_gaps() as usize);
                k += 1;
            }
        }
        let mut spread = 0;
        if changed[..k].iter().any(|(x, y)| x != y) {
            let old = spread_cost(hist);
            for &(x, y) in &changed[..k] {
                hist[x] -= 1;
                hist[y] += 1;
            }
            spread = spread_cost(hist) - old;
            for &(x, y) in &changed[..k] {
                hist[y] -= 1;
                hist[x] += 1;
            }
        }
        Some((delta + spread, changed, k))
    }
}

/// The `k`-th member of a slot set.
fn nth(set: SlotSet, k: usize) -> usize {
    set.iter().nth(k).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::{Problem, Solution, SolveConfig, check, solve_with};
    use crate::plan::testkit::{Rng, Shape, problem_with};

    /// Idle gaps counted from the meetings alone (a participant is present in a slot if it
    /// has at least one meeting there), not from the solver's agendas.
    fn recount(p: &Problem, s: &Solution) -> usize {
        gaps_by_participant(p, s).iter().sum()
    }

    /// A one-population forum of 8 to `2 * most` participants, several seats for some:
    /// any two may meet, 4–12 slots.
    fn seated_forum(rng: &mut Rng, most: usize) -> Problem {
        let slots = rng.range(4, 12);
        let mut p = problem_with(rng, |rng| Shape {
            sizes: [rng.range(4, most), rng.range(4, most)],
            groups: 2,
            slots,
            tables: rng.range(3, 12),
            cap: slots,
            density: 0.2 + 0.5 * rng.unit(),
            partial: 0.3,
            must: 0.1,
            want: 0.2,
        });
        for (k, q) in p.participants.iter_mut().enumerate() {
            q.group = k;
            q.seats = if rng.chance(0.3) { rng.range(2, 3) } else { 1 };
        }
        p
    }

    /// Participants with several seats take part in the gap phase (their meetings move, two
    /// may share a slot) and the phase never ends with more idle gaps than it started with,
    /// counted from the meetings; the reported count is that recount.
    #[test]
    fn seated_meetings_move_and_the_gap_phase_never_ends_above_its_start() {
        let mut rng = Rng::new(16);
        let (mut moved, mut fewer) = (0, 0);
        for i in 0..150 {
            let p = seated_forum(&mut rng, 12);
            let config = SolveConfig {
                time_limit_ms: 60_000,
                ..SolveConfig::default()
            };
            let base = solve_with(
                &p,
                &SolveConfig {
                    time_limit_ms: 0,
                    ..config.clone()
                },
            );
            let s = solve_with(&p, &config);
            if let Err(e) = check(&p, &s) {
                panic!("instance {i}: {e}");
            }
            let (before, after) = (recount(&p, &base), recount(&p, &s));
            assert_eq!(base.stats.idle_gaps, before, "instance {i}");
            assert_eq!(s.stats.idle_gaps, after, "instance {i}");
            assert!(after <= before, "instance {i}: {after} > {before}");
            assert_eq!(s.meetings.len(), base.meetings.len(), "instance {i}");
            fewer += usize::from(after < before);
            let seated = |c: usize| {
                let q = &p.candidates[c];
                p.participants[q.a].seats > 1 || p.participants[q.b].seats > 1
            };
            moved += usize::from(base.meetings.iter().any(|m| {
                seated(m.candidate)
                    && s.meetings
                        .iter()
                        .any(|n| n.candidate == m.candidate && n.slot != m.slot)
            }));
        }
        assert!(moved > 75 && fewer > 75, "moved {moved}, fewer {fewer}");
    }

    /// Idle gaps of each participant with a meeting, counted from the meetings.
    fn gaps_by_participant(p: &Problem, s: &Solution) -> Vec<usize> {
        let mut present = vec![vec![false; p.slots]; p.participants.len()];
        for m in &s.meetings {
            present[m.a][m.slot] = true;
            present[m.b][m.slot] = true;
        }
        present
            .iter()
            .filter(|row| row.iter().any(|&x| x))
            .map(|row| {
                let runs = (0..row.len())
                    .filter(|&k| row[k] && (k == 0 || !row[k - 1]))
                    .count();
                runs - 1
            })
            .collect()
    }

    /// `max_gap_spread` is pursued and reported: with it, the plan keeps every meeting, its
    /// reported spread is the one recounted from the meetings, and over open forums (full
    /// availability) whose plan without it spreads idle gaps wider than asked, at least half
    /// of the spread beyond the limit goes. It is not a guarantee: gaps that windows, pins
    /// or seats force stay (on the seated forums above, a limit of 1 took 1 of 31 gaps of
    /// excess), and a limit of 0 is mostly out of reach (1 of 14 met).
    #[test]
    fn max_gap_spread_narrows_the_spread_of_idle_gaps_and_reports_it() {
        let mut rng = Rng::new(23);
        let limit = 1;
        let (mut wider, mut met, mut excess_free, mut excess_fair) = (0, 0, 0, 0);
        for i in 0..60 {
            // Full availability and one seat each: idle gaps that moves can close.
            let slots = rng.range(10, 20);
            let mut p = problem_with(&mut rng, |rng| Shape {
                sizes: [rng.range(8, 30), rng.range(8, 30)],
                groups: 2,
                slots,
                tables: rng.range(4, 12),
                cap: slots,
                density: 0.1 + 0.2 * rng.unit(),
                partial: 0.0,
                must: 0.0,
                want: 0.0,
            });
            for (k, q) in p.participants.iter_mut().enumerate() {
                q.group = k;
            }
            let with = |spread: Option<usize>| {
                solve_with(
                    &p,
                    &SolveConfig {
                        time_limit_ms: 60_000,
                        max_gap_spread: spread,
                        ..SolveConfig::default()
                    },
                )
            };
            let (free, fair) = (with(None), with(Some(limit)));
            if let Err(e) = check(&p, &fair) {
                panic!("instance {i}: {e}");
            }
            assert_eq!(fair.meetings.len(), free.meetings.len(), "instance {i}");
            let spread = |s: &Solution| {
                let g = gaps_by_participant(&p, s);
                g.iter().max().copied().unwrap_or(0) - g.iter().min().copied().unwrap_or(0)
            };
            let (sf, sa) = (spread(&free), spread(&fair));
            assert_eq!(fair.stats.gap_spread, sa, "instance {i}");
            if sf > limit {
                wider += 1;
                excess_free += sf - limit;
                excess_fair += sa.saturating_sub(limit);
                met += usize::from(sa <= limit);
            }
        }
        println!(
            "{wider} forums wider than {limit} without the limit; with it {met} meet it, \
             excess {excess_free} -> {excess_fair}"
        );
        // Open forums rarely spread gaps wider than one once the gap phase has run: 4 of 60
        // here (and on 3 of 120 denser ones), each brought within the limit.
        assert!(wider >= 3, "only {wider} instances to judge by");
        assert!(
            excess_fair * 2 <= excess_free,
            "the limit took less than half of the excess: {excess_free} -> {excess_fair}"
        );
    }

    /// Convergence, not the clock, ends the gap phase: the same seed gives the same plan
    /// under a 10 s and a 60 s ceiling. Forums of 8–12 participants, which converge in well
    /// under a second even in a debug build on a loaded machine (a 2 s ceiling was hit
    /// there with 24 participants, so the test would have measured the machine).
    #[test]
    fn the_plan_is_the_same_under_any_time_ceiling_it_does_not_hit() {
        let mut rng = Rng::new(61);
        for i in 0..12 {
            let p = seated_forum(&mut rng, 6);
            let with = |ms: u64| {
                solve_with(
                    &p,
                    &SolveConfig {
                        time_limit_ms: ms,
                        seed: 3,
                        ..SolveConfig::default()
                    },
                )
            };
            let (short, long) = (with(10_000), with(60_000));
            assert_eq!(
                short.stats.improvement.stopped_by, "converged",
                "instance {i}: {:?}",
                short.stats.improvement
            );
            assert_eq!(
                long.stats.improvement.stopped_by, "converged",
                "instance {i}"
            );
            assert_eq!(short.meetings, long.meetings, "instance {i}");
            assert_eq!(
                short.stats.improvement.iterations, long.stats.improvement.iterations,
                "instance {i}"
            );
        }
    }
}
