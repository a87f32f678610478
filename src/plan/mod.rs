//! The mission planner: a mission spec in, a meeting schedule out. Pure: no IO, no HTTP,
//! no SQL; the engine hands it a scorer closure and gets a [`Solution`] back.
//!
//! Four rooms, one job each:
//! - [`spec`] — the JSON spec and its validation (every error names a field);
//! - [`solve`](mod@solve) — the optimiser, on plain indices and weights; it knows nothing of specs;
//! - [`export`] — JSON, CSV, iCalendar and HTML renderings of a schedule;
//! - this file — the bridge: [`build_problem`] turns a validated [`Mission`] and the
//!   engine's pair scores into a solver [`Problem`], and [`plan`] runs the whole way.
//!
//! The solver sees weights, not scores, so the scoring model can change without touching
//! it; requests add a bonus here (the spec's "plus a bonus for requests"), and must-meets are
//! additionally forced first inside the solver.

pub mod export;
pub mod limits;
pub mod replan;
pub mod rng;
pub mod solve;
pub mod spec;

pub use solve::{
    Candidate, Participant, Problem, Solution, SolveConfig, round_robin, solve, solve_with,
};
pub use spec::{Mission, MissionSpec, Pairing, Priority};

use crate::model::lang::Lang;

use std::collections::HashMap;

/// The engine's score of a pair (in either direction: each side may buy from the other).
#[derive(Debug, Clone, PartialEq)]
pub struct PairScore {
    pub weight: f64,
    pub topic: Option<String>,
}

/// How a mission's pairs become weighted candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemConfig {
    /// Added to the value of a `must` pair.
    pub must_bonus: f64,
    /// Added to the value of a `want` pair.
    pub want_bonus: f64,
    /// The value of a pair the engine cannot score, eligible only when the mission asks for
    /// a minimum number of meetings (below the engine's floor for any scored pair).
    pub compatible_weight: f64,
}

impl Default for ProblemConfig {
    fn default() -> Self {
        ProblemConfig {
            must_bonus: 1.0,
            want_bonus: 0.5,
            compatible_weight: 0.01,
        }
    }
}

/// Builds the solver's problem from a validated mission.
///
/// Eligible pairs: participants of different sides that are not blocked, scored by
/// `score(a, b)` (called once per such pair, so pass a cheap lookup; `None` or a weight ≤ 0
/// makes the pair ineligible unless requested). A preference replaces the score of its pair.
/// With `preferences_only`, `score` is asked only about requested pairs that have no
/// preference, and only preferred or requested pairs are eligible.
pub fn build_problem(
    mission: &Mission,
    score: &dyn Fn(&str, &str) -> Option<PairScore>,
    config: &ProblemConfig,
) -> Problem {
    let people = &mission.participants;
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut index: HashMap<(usize, usize), usize> = HashMap::new();
    let key = |a: usize, b: usize| (a.min(b), a.max(b));

    for pref in &mission.preferences {
        index.insert(key(pref.a, pref.b), candidates.len());
        candidates.push(Candidate {
            a: pref.a,
            b: pref.b,
            weight: pref.weight,
            priority: None,
            topic: pref.topic.clone(),
            ..Default::default()
        });
    }
    for r in &mission.requests {
        let bonus = match r.priority {
            Priority::Must => config.must_bonus,
            Priority::Want => config.want_bonus,
        };
        match index.get(&key(r.a, r.b)) {
            Some(&i) => {
                candidates[i].priority = Some(r.priority);
                candidates[i].weight += bonus;
                candidates[i].window = r.window;
                candidates[i].pinned = r.slot;
            }
            None => {
                let scored = score(&people[r.a].id, &people[r.b].id);
                index.insert(key(r.a, r.b), candidates.len());
                candidates.push(Candidate {
                    a: r.a,
                    b: r.b,
                    weight: scored.as_ref().map_or(0.0, |s| s.weight.max(0.0)) + bonus,
                    priority: Some(r.priority),
                    topic: scored.and_then(|s| s.topic),
                    window: r.window,
                    pinned: r.slot,
                });
            }
        }
    }
    let any = mission.spec.pairing == Pairing::Any;
    // With a minimum, a pair the engine cannot score is still a possible meeting: the
    // minimum comes before score, so it may be needed when the scored pairs run out.
    let compatible = people.iter().any(|p| p.min > 0);
    if !mission.spec.preferences_only {
        for a in 0..people.len() {
            for b in a + 1..people.len() {
                if (!any && people[a].group == people[b].group)
                    || mission.is_blocked(a, b)
                    || index.contains_key(&(a, b))
                {
                    continue;
                }
                match score(&people[a].id, &people[b].id) {
                    Some(s) if s.weight.is_finite() && s.weight > 0.0 => {
                        candidates.push(Candidate {
                            a,
                            b,
                            weight: s.weight,
                            priority: None,
                            topic: s.topic,
                            ..Default::default()
                        });
                    }
                    _ if compatible => candidates.push(Candidate {
                        a,
                        b,
                        weight: config.compatible_weight,
                        ..Default::default()
                    }),
                    _ => {}
                }
            }
        }
    }
    // Blocked preferences are dropped (a blocked request is rejected by validation).
    candidates.retain(|c| !mission.is_blocked(c.a, c.b));
    Problem {
        slots: mission.slot_times.len(),
        tables: mission.spec.tables as usize,
        participants: people
            .iter()
            .enumerate()
            .map(|(i, p)| Participant {
                id: p.id.clone(),
                // One population: everyone is a group of its own, so any two may meet.
                group: if any { i } else { p.group },
                cap: p.cap,
                available: p.available.clone(),
                min: p.min,
                seats: p.seats,
            })
            .collect(),
        candidates,
    }
}

/// The solver's knobs a mission spec sets: the improvement phase's time limit and seed,
/// the gap spread, and the language of reasons.
pub fn solve_config(mission: &Mission, lang: Lang) -> SolveConfig {
    let spec = &mission.spec;
    SolveConfig {
        time_limit_ms: spec.time_limit_ms.unwrap_or(spec::DEFAULT_TIME_LIMIT_MS),
        seed: spec.seed.unwrap_or(0),
        max_gap_spread: spec.max_gap_spread.map(|d| d as usize),
        lang,
        ..SolveConfig::default()
    }
}

/// Builds the problem and solves it.
pub fn plan(
    mission: &Mission,
    score: &dyn Fn(&str, &str) -> Option<PairScore>,
    config: &ProblemConfig,
) -> (Problem, Solution) {
    plan_in(mission, score, config, Lang::En)
}

/// [`plan`], with reasons in `lang`.
pub fn plan_in(
    mission: &Mission,
    score: &dyn Fn(&str, &str) -> Option<PairScore>,
    config: &ProblemConfig,
    lang: Lang,
) -> (Problem, Solution) {
    let problem = build_problem(mission, score, config);
    let solution = solve_with(&problem, &solve_config(mission, lang));
    (problem, solution)
}

/// Deterministic randomness for the tests: SplitMix64, and generators of random problems.
#[cfg(test)]
pub(crate) mod testkit {
    use super::solve::{Candidate, Participant, Problem};
    use super::spec::Priority;

    /// The tests' stream: SplitMix64 from a seed.
    pub struct Rng(super::rng::SplitMix);

    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(super::rng::SplitMix::from_state(
                seed ^ 0x9E37_79B9_7F4A_7C15,
            ))
        }
    }

    impl std::ops::Deref for Rng {
        type Target = super::rng::SplitMix;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }

    impl std::ops::DerefMut for Rng {
        fn deref_mut(&mut self) -> &mut Self::Target {
            &mut self.0
        }
    }

    /// Shape of a random problem.
    #[derive(Clone, Copy)]
    pub struct Shape {
        pub sizes: [usize; 2],
        pub groups: usize,
        pub slots: usize,
        pub tables: usize,
        pub cap: usize,
        pub density: f64,
        /// Chance that a participant is available in only part of the day.
        pub partial: f64,
        pub must: f64,
        pub want: f64,
    }

    /// A random problem of a random shape.
    pub fn problem_with(rng: &mut Rng, shape: impl FnOnce(&mut Rng) -> Shape) -> Problem {
        let shape = shape(rng);
        problem(rng, shape)
    }

    /// A random problem whose must-meets never exceed anyone's cap or free slots (the
    /// guarantee validation gives the solver).
    pub fn problem(rng: &mut Rng, shape: Shape) -> Problem {
        let n = shape.sizes[0] + shape.sizes[1];
        let participants: Vec<Participant> = (0..n)
            .map(|i| {
                let group = if shape.groups <= 2 {
                    usize::from(i >= shape.sizes[0])
                } else {
                    rng.range(0, shape.groups - 1)
                };
                let mut available = vec![true; shape.slots];
                if rng.chance(shape.partial) {
                    let first = rng.range(0, shape.slots - 1);
                    let last = rng.range(first, shape.slots - 1);
                    for (s, a) in available.iter_mut().enumerate() {
                        *a = (first..=last).contains(&s) || rng.chance(0.15);
                    }
                }
                Participant {
                    id: format!("p{i}"),
                    group,
                    cap: rng.range(1, shape.cap.max(1)),
                    available,
                    ..Default::default()
                }
            })
            .collect();
        let mut musts = vec![0usize; n];
        let free: Vec<usize> = participants
            .iter()
            .map(|p| p.cap.min(p.available.iter().filter(|&&a| a).count()))
            .collect();
        let mut candidates = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if participants[a].group == participants[b].group || !rng.chance(shape.density) {
                    continue;
                }
                let weight = if rng.chance(0.1) {
                    0.0
                } else {
                    (rng.unit() * 10.0 * 100.0).round() / 100.0
                };
                let mut priority = None;
                if rng.chance(shape.must) && musts[a] < free[a] && musts[b] < free[b] {
                    musts[a] += 1;
                    musts[b] += 1;
                    priority = Some(Priority::Must);
                } else if rng.chance(shape.want) {
                    priority = Some(Priority::Want);
                }
                let (a, b) = if rng.chance(0.5) { (a, b) } else { (b, a) };
                candidates.push(Candidate {
                    a,
                    b,
                    weight,
                    priority,
                    topic: rng.chance(0.5).then(|| "bawang_merah".to_string()),
                    ..Default::default()
                });
            }
        }
        Problem {
            slots: shape.slots,
            tables: shape.tables,
            participants,
            candidates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mission() -> Mission {
        let spec: MissionSpec = serde_json::from_value(json!({
            "name": "Misi", "host_province": "36", "date": "2023-09-11",
            "slots": {"start": "09:00", "minutes": 20, "count": 4},
            "tables": 2, "max_meetings": 3,
            "participants": [
                {"id": "o1", "side": "origin"}, {"id": "o2", "side": "origin"},
                {"id": "h1", "side": "host"}, {"id": "h2", "side": "host"}, {"id": "h3", "side": "host"}
            ],
            "requests": [{"a": "o1", "b": "h3", "priority": "must"}],
            "blocked": [["o2", "h2"]],
            "preferences": [{"a": "o1", "b": "h1", "weight": 3.5, "topic": "garam"}]
        }))
        .expect("spec");
        spec.validate().expect("valid")
    }

    #[test]
    fn pairs_are_scored_blocked_preferred_and_requested() {
        let m = mission();
        let score = |_: &str, b: &str| {
            (b != "h3").then(|| PairScore {
                weight: 1.0,
                topic: Some("cabai".into()),
            })
        };
        let p = build_problem(&m, &score, &ProblemConfig::default());
        let find = |a: &str, b: &str| {
            p.candidates.iter().find(|c| {
                let (x, y) = (&p.participants[c.a].id, &p.participants[c.b].id);
                (x == a && y == b) || (x == b && y == a)
            })
        };
        assert_eq!(find("o1", "h1").map(|c| c.weight), Some(3.5));
        assert_eq!(
            find("o1", "h1").and_then(|c| c.topic.clone()).as_deref(),
            Some("garam")
        );
        assert_eq!(
            find("o1", "h3").map(|c| (c.weight, c.priority)),
            Some((1.0, Some(Priority::Must)))
        );
        assert!(find("o2", "h2").is_none(), "blocked");
        assert!(find("o2", "h3").is_none(), "unscored");
        assert!(find("o1", "o2").is_none(), "same side");
        assert_eq!(p.candidates.len(), 4);

        let (problem, solution) = plan(&m, &score, &ProblemConfig::default());
        solve::check(&problem, &solution).expect("valid schedule");
        assert_eq!(solution.stats.must_placed, 1);
    }

    /// Minimums, a one-population forum, and reasons in Indonesian: a participant blocked
    /// from everyone is reported below its minimum with why; must-meets beyond the slots are
    /// unscheduled, not an error.
    #[test]
    fn minimums_any_pairing_and_reasons_in_the_requests_language() {
        let spec: MissionSpec = serde_json::from_value(json!({
            "name": "Forum", "host_province": "36", "date": "2023-09-11",
            "slots": {"start": "09:00", "minutes": 20, "count": 3},
            "tables": 3, "max_meetings": 3, "min_meetings": 2, "pairing": "any",
            "participants": [
                {"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d", "available": [[0, 0]]},
                {"id": "e"}
            ],
            "requests": [
                {"a": "d", "b": "a", "priority": "must"},
                {"a": "d", "b": "b", "priority": "must"},
                {"a": "a", "b": "b", "window": [1, 2]},
                {"a": "a", "b": "c", "slot": 2}
            ],
            "blocked": [["e", "a"], ["e", "b"], ["e", "c"], ["e", "d"]]
        }))
        .expect("spec");
        let m = spec
            .validate()
            .expect("valid: sides are optional with pairing any");
        let score = |_: &str, _: &str| None;
        let (problem, solution) = plan_in(&m, &score, &ProblemConfig::default(), Lang::Id);
        solve::check(&problem, &solution).expect("valid schedule");
        // a and b may meet although neither has a side: any-to-any.
        let met = |x: usize, y: usize| {
            solution
                .meetings
                .iter()
                .any(|mt| (mt.a, mt.b) == (x, y) || (mt.a, mt.b) == (y, x))
        };
        assert!(met(0, 1) && met(0, 2));
        let pinned = solution.meetings.iter().find(|mt| met(0, 2) && mt.pinned);
        assert_eq!(pinned.map(|mt| mt.slot), Some(2));
        // d is present in one slot and has two must-meets: one is placed, one explained.
        assert_eq!(solution.stats.must_placed, 1);
        assert_eq!(solution.unscheduled.len(), 1);
        assert!(
            solution.unscheduled[0].reason.contains("slot tersedianya"),
            "{}",
            solution.unscheduled[0].reason
        );
        // e has no possible partner: below its minimum, with the reason, in Indonesian.
        let e = solution.stats.below_min.iter().find(|b| b.participant == 4);
        assert_eq!(
            e.map(|b| (b.meetings, b.min, b.reason.as_str())),
            Some((0, 2, "e tidak punya calon mitra yang bisa ditemui"))
        );
        // Everyone else with a partner reaches the minimum (c meets a and, unscored, b).
        for p in 0..3 {
            assert!(
                solution
                    .meetings
                    .iter()
                    .filter(|mt| mt.a == p || mt.b == p)
                    .count()
                    >= 2,
                "participant {p}"
            );
        }
    }

    #[test]
    fn preferences_only_uses_listed_pairs() {
        let mut m = mission();
        m.spec.preferences_only = true;
        let p = build_problem(
            &m,
            &|_, _| {
                Some(PairScore {
                    weight: 1.0,
                    topic: None,
                })
            },
            &ProblemConfig::default(),
        );
        assert_eq!(p.candidates.len(), 2);
    }
}
