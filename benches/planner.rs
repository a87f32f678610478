//! Planner benchmark (criterion) at the DESIGN.md target sizes: the mission instances
//! 57 × 100 (12 slots) and 700 × 1,500 (36 or 72 slots) in a few variants, and one stress
//! instance, each in the group `plan`.
//!
//! `cargo bench --bench planner` (all instances); `cargo bench --bench planner -- 57x100`
//! (those whose id contains the filter; only they are generated); `-- --quick` for a short run.
//!
//! Each instance is solved once first, untimed by criterion, to print the quality of its
//! schedule: value against the upper bound (and the gap), and the round-robin baseline's, both
//! re-checked by `plan::solve::check`. Criterion then times `solve`: 20 samples for the
//! 57 × 100 ones, 10 flat samples (one solve each) for the big ones, which take 0.4–2 s a
//! solve on the project machine.
//!
//! Instances are synthetic but shaped like real missions: each business deals in a few of
//! 30 commodities, a pair sharing one scores high, everyone else scores a little (dense
//! candidates), some participants are present only part of the day, a few pairs are
//! requested.

mod common;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use jalin::plan::rng::SplitMix;
use jalin::plan::solve::{Candidate, Participant, Problem, Solution, round_robin, solve};
use jalin::plan::spec::Priority;
use std::cell::OnceCell;
use std::time::{Duration, Instant};

struct Shape {
    name: &'static str,
    origin: usize,
    host: usize,
    slots: usize,
    tables: usize,
    cap: usize,
    /// Candidates per host-side participant; `None` = every pair.
    per_host: Option<usize>,
    partial: f64,
    /// Partial presence as random windows rather than half days.
    windows: bool,
    musts: usize,
    wants: usize,
}

fn instance_of(shape: &Shape, seed: u64) -> Problem {
    let mut rng = SplitMix::from_state(seed);
    let n = shape.origin + shape.host;
    let goods: Vec<[usize; 3]> = (0..n)
        .map(|_| [rng.below(30), rng.below(30), rng.below(30)])
        .collect();
    let appeal: Vec<f64> = (0..n).map(|_| 0.3 + 0.7 * rng.unit()).collect();
    let participants: Vec<Participant> = (0..n)
        .map(|i| {
            let mut available = vec![true; shape.slots];
            if rng.unit() < shape.partial {
                if shape.windows {
                    // Present for a random third to two thirds of the day.
                    let len = shape.slots / 3 + rng.below(shape.slots / 3 + 1);
                    let first = rng.below(shape.slots - len + 1);
                    for (s, a) in available.iter_mut().enumerate() {
                        *a = (first..first + len).contains(&s);
                    }
                } else {
                    // Present only in the morning or only in the afternoon.
                    let half = shape.slots / 2;
                    let morning = rng.unit() < 0.5;
                    for (s, a) in available.iter_mut().enumerate() {
                        *a = (s < half) == morning;
                    }
                }
            }
            Participant {
                id: format!("{}-{i:05}", if i < shape.origin { "jt" } else { "bt" }),
                group: usize::from(i >= shape.origin),
                cap: shape.cap,
                available,
                ..Default::default()
            }
        })
        .collect();
    let weight = |rng: &mut SplitMix, a: usize, b: usize| {
        let shared = goods[a].iter().filter(|g| goods[b].contains(g)).count() as f64;
        let w = 2.0 * shared + appeal[a] * appeal[b] * (0.5 + rng.unit());
        (w * 100.0).round() / 100.0
    };
    let mut candidates = Vec::new();
    match shape.per_host {
        None => {
            for a in 0..shape.origin {
                for b in shape.origin..n {
                    let w = weight(&mut rng, a, b);
                    candidates.push(Candidate {
                        a,
                        b,
                        weight: w,
                        priority: None,
                        topic: None,
                        ..Default::default()
                    });
                }
            }
        }
        Some(k) => {
            for b in shape.origin..n {
                let mut seen = std::collections::HashSet::new();
                while seen.len() < k.min(shape.origin) {
                    let a = rng.below(shape.origin);
                    if seen.insert(a) {
                        let w = weight(&mut rng, a, b);
                        candidates.push(Candidate {
                            a,
                            b,
                            weight: w,
                            priority: None,
                            topic: None,
                            ..Default::default()
                        });
                    }
                }
            }
        }
    }
    // Requests: a few musts (at most 2 per participant) and some wants, as bonuses.
    let mut musts = vec![0; n];
    let mut placed_musts = 0;
    let mut i = 0;
    while placed_musts < shape.musts && i < 10 * shape.musts {
        i += 1;
        let c = rng.below(candidates.len());
        let (a, b) = (candidates[c].a, candidates[c].b);
        let common = (0..shape.slots)
            .filter(|&s| participants[a].available[s] && participants[b].available[s])
            .count();
        if candidates[c].priority.is_none() && musts[a] < 2 && musts[b] < 2 && common > 0 {
            musts[a] += 1;
            musts[b] += 1;
            candidates[c].priority = Some(Priority::Must);
            candidates[c].weight += 1.0;
            placed_musts += 1;
        }
    }
    for _ in 0..shape.wants {
        let c = rng.below(candidates.len());
        if candidates[c].priority.is_none() {
            candidates[c].priority = Some(Priority::Want);
            candidates[c].weight += 0.5;
        }
    }
    Problem {
        slots: shape.slots,
        tables: shape.tables,
        participants,
        candidates,
    }
}

fn line(label: &str, s: &Solution, ms: f64, ub: f64) {
    println!(
        "  {label:<11} {ms:>9.1} ms  value {:>11.2}  {:>6.2}% of bound  meetings {:>6}  musts {}/{}  idle gaps {:>6}  max tables {}",
        s.stats.total_weight,
        100.0 * s.stats.total_weight / ub,
        s.stats.meetings,
        s.stats.must_placed,
        s.stats.must_requested,
        s.stats.idle_gaps,
        s.stats.tables_used_max,
    );
}

fn shapes() -> [Shape; 9] {
    [
        Shape {
            name: "jatim-banten 57x100, 12 slots, 40 tables, dense",
            origin: 57,
            host: 100,
            slots: 12,
            tables: 40,
            cap: 8,
            per_host: None,
            partial: 0.1,
            windows: false,
            musts: 30,
            wants: 100,
        },
        Shape {
            name: "57x100, full availability",
            origin: 57,
            host: 100,
            slots: 12,
            tables: 40,
            cap: 8,
            per_host: None,
            partial: 0.0,
            windows: false,
            musts: 30,
            wants: 100,
        },
        Shape {
            name: "ate 700x1500, 36 slots, 700 tables, 20/seller",
            origin: 700,
            host: 1500,
            slots: 36,
            tables: 700,
            cap: 30,
            per_host: Some(20),
            partial: 0.1,
            windows: false,
            musts: 500,
            wants: 2000,
        },
        Shape {
            name: "ate 700x1500, 36 slots, 700 tables, 100/seller",
            origin: 700,
            host: 1500,
            slots: 36,
            tables: 700,
            cap: 30,
            per_host: Some(100),
            partial: 0.1,
            windows: false,
            musts: 500,
            wants: 2000,
        },
        Shape {
            name: "ate 700x1500, 36 slots, 700 tables, dense",
            origin: 700,
            host: 1500,
            slots: 36,
            tables: 700,
            cap: 30,
            per_host: None,
            partial: 0.1,
            windows: false,
            musts: 500,
            wants: 2000,
        },
        Shape {
            name: "ate 700x1500, 72 slots (2 days), 1000 tables, 100/seller",
            origin: 700,
            host: 1500,
            slots: 72,
            tables: 1000,
            cap: 72,
            per_host: Some(100),
            partial: 0.1,
            windows: false,
            musts: 500,
            wants: 2000,
        },
        Shape {
            name: "57x100 restricted: 40% in random windows, 30 tables",
            origin: 57,
            host: 100,
            slots: 12,
            tables: 30,
            cap: 8,
            per_host: None,
            partial: 0.4,
            windows: true,
            musts: 30,
            wants: 100,
        },
        Shape {
            name: "ate 700x1500 restricted: 40% in windows, 500 tables, 100/seller",
            origin: 700,
            host: 1500,
            slots: 36,
            tables: 500,
            cap: 30,
            per_host: Some(100),
            partial: 0.4,
            windows: true,
            musts: 500,
            wants: 2000,
        },
        Shape {
            name: "stress: 1000x1000, 200 slots, 2000 tables, 60/seller",
            origin: 1000,
            host: 1000,
            slots: 200,
            tables: 2000,
            cap: 200,
            per_host: Some(60),
            partial: 0.4,
            windows: true,
            musts: 500,
            wants: 2000,
        },
    ]
}

/// Solves `p` once and prints the quality of the schedule and the round-robin baseline's;
/// returns how long the solve took.
fn quality(name: &str, p: &Problem) -> Duration {
    println!("\n{name} — {} candidates", p.candidates.len());
    let t = Instant::now();
    let s = solve(p);
    let took = t.elapsed();
    jalin::plan::solve::check(p, &s).expect("valid schedule");
    let ub = s.stats.upper_bound;
    line("planner", &s, took.as_secs_f64() * 1000.0, ub);
    println!(
        "  {:<11} bound {:.2}, gap {:.3}%, exact selection {}",
        "", ub, s.stats.gap_pct, s.stats.exact_selection
    );
    let t = Instant::now();
    let r = round_robin(p);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    jalin::plan::solve::check(p, &r).expect("valid schedule");
    line("round robin", &r, ms, ub);
    took
}

fn planner(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    for (k, shape) in shapes().iter().enumerate() {
        let instance = OnceCell::new();
        let instance = || instance.get_or_init(|| instance_of(shape, 42 + k as u64));
        let big = shape.origin + shape.host > 1_000;
        let mut took = None;
        if common::selected(&[format!("plan/{}", shape.name)]) {
            took = Some(quality(shape.name, instance()));
        }
        if big {
            // One solve per sample; the measurement time fits ten of them.
            let per_solve = took.unwrap_or(Duration::from_secs(1));
            group
                .sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time((per_solve * 11).max(Duration::from_secs(3)));
        } else {
            group
                .sample_size(20)
                .sampling_mode(SamplingMode::Auto)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3));
        }
        group.bench_function(shape.name, |b| {
            let p = instance();
            b.iter_with_large_drop(|| solve(p));
        });
    }
    group.finish();
}

criterion_group!(benches, planner);
criterion_main!(benches);
