//! Forum-like instances for the planner, to compare with an exact solver (issue #16).
//!
//! `cargo bench --bench forum` generates the instances, plans each with the planner, checks
//! every plan from scratch (`plan::solve::check`: windows, pins, availability, tables,
//! seats) and writes `$CARGO_TARGET_DIR/forum/instances.json` (the instances and the
//! planner's figures); `benches/forum_exact.py` then solves the same instances exactly with
//! CP-SAT and prints both side by side. `benches/forum.sh` runs the two.
//!
//! An instance is a brokerage forum: one population (anyone may meet anyone), 40–80
//! participants, 8–22 slots, every meeting requested (`must`), some for the morning or the
//! afternoon (a window), some pinned to a slot, participants with forbidden slots. Every
//! requested meeting is placeable by construction: a hidden schedule is drawn first, and the
//! windows, pins, forbidden slots and table count are chosen around it. The hidden schedule
//! is then forgotten; its idle gaps are not a target (meetings are drawn at random slots).
//!
//! Each instance is planned twice: by the planner, and by the previous planner (the same
//! solver with `SolveConfig::gap_chains` off: the idle-gap search as before session 7,
//! single moves and exchanges only). Both plans go into the JSON, slot by meeting, so the
//! Python side checks them without trusting this program.
//!
//! Arguments: `--count N` (default 12), `--seed S` (default 1), `--participants LO-HI`
//! (default 40-80), `--slots LO-HI` (default 8-22), `--time-limit-ms T` (default 1000, the
//! planner's default).

use jalin::plan::rng::SplitMix;
use jalin::plan::solve::{Candidate, Participant, Problem, SolveConfig, check, solve_with};
use jalin::plan::spec::Priority;
use serde_json::json;
use std::time::Instant;

/// One forum instance; see the module comment.
fn forum(seed: u64, participants: (usize, usize), slots: (usize, usize)) -> Problem {
    let mut rng = SplitMix::from_state(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let n = rng.range(participants.0, participants.1);
    let slots = rng.range(slots.0, slots.1);
    let half = slots / 2;
    // Up to 300 meetings; each participant in at most ~70 % of the slots.
    let target = (n * slots / 4).min(300);
    let mut busy = vec![vec![false; slots]; n];
    let mut pairs = std::collections::HashSet::new();
    let mut hidden: Vec<(usize, usize, usize)> = Vec::new();
    let mut tries = 0;
    while hidden.len() < target && tries < 50 * target {
        tries += 1;
        let (a, b) = (rng.below(n), rng.below(n));
        if a == b || pairs.contains(&(a.min(b), a.max(b))) {
            continue;
        }
        let s = rng.below(slots);
        let limit = slots * 7 / 10;
        let load = |p: usize, busy: &[Vec<bool>]| busy[p].iter().filter(|&&x| x).count();
        if busy[a][s] || busy[b][s] || load(a, &busy) >= limit || load(b, &busy) >= limit {
            continue;
        }
        busy[a][s] = true;
        busy[b][s] = true;
        pairs.insert((a.min(b), a.max(b)));
        hidden.push((a, b, s));
    }
    let mut load = vec![0usize; slots];
    for &(_, _, s) in &hidden {
        load[s] += 1;
    }
    // A little slack over the hidden schedule's busiest slot.
    let tables = load.iter().copied().max().unwrap_or(1) + rng.range(0, 2);
    let participants: Vec<Participant> = (0..n)
        .map(|p| {
            let mut available = vec![true; slots];
            if rng.chance(0.35) {
                for _ in 0..rng.range(1, 3) {
                    let s = rng.below(slots);
                    if !busy[p][s] {
                        available[s] = false;
                    }
                }
            }
            Participant {
                id: format!("f{p:02}"),
                group: p, // one population
                cap: slots,
                available,
                min: 0,
                seats: 1,
            }
        })
        .collect();
    let candidates = hidden
        .iter()
        .map(|&(a, b, s)| {
            let (window, pinned) = if rng.chance(0.08) {
                (None, Some(s))
            } else if rng.chance(0.45) {
                let w = if s < half {
                    (0, half - 1)
                } else {
                    (half, slots - 1)
                };
                (Some(w), None)
            } else {
                (None, None)
            };
            Candidate {
                a,
                b,
                weight: 1.0,
                priority: Some(Priority::Must),
                topic: None,
                window,
                pinned,
            }
        })
        .collect();
    Problem {
        slots,
        tables,
        participants,
        candidates,
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `NAME LO-HI`, or `default` if absent or not a range within `bounds`.
fn range_arg(name: &str, default: (usize, usize), bounds: (usize, usize)) -> (usize, usize) {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.split_once('-'))
        .and_then(|(lo, hi)| Some((lo.parse().ok()?, hi.parse().ok()?)))
        .filter(|&(lo, hi): &(usize, usize)| bounds.0 <= lo && lo <= hi && hi <= bounds.1)
        .unwrap_or(default)
}

/// One plan of `p`: the figures and each meeting's slot (by candidate), for the JSON.
fn run(p: &Problem, config: &SolveConfig) -> (serde_json::Value, usize) {
    let t = Instant::now();
    let s = solve_with(p, config);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let valid = check(p, &s);
    if let Err(e) = &valid {
        eprintln!("invalid plan: {e}");
    }
    let mut slot_of = vec![None; p.candidates.len()];
    for m in &s.meetings {
        slot_of[m.candidate] = Some(m.slot);
    }
    let figures = json!({
        "placed": s.stats.meetings,
        "idle_gaps": s.stats.idle_gaps,
        "idle_gaps_before": s.stats.idle_gaps_before,
        "ms": ms,
        "valid": valid.is_ok(),
        "stopped_by": s.stats.improvement.stopped_by,
        "slots": slot_of,
    });
    (figures, s.stats.idle_gaps)
}

fn main() {
    let count = arg("--count", 12);
    let seed = arg("--seed", 1);
    let time_limit_ms = arg("--time-limit-ms", 1000);
    let participants = range_arg("--participants", (40, 80), (2, 1000));
    let slots = range_arg("--slots", (8, 22), (2, 200));
    let config = SolveConfig {
        time_limit_ms,
        seed: 7,
        ..SolveConfig::default()
    };
    // The previous planner: the idle-gap search without Kempe-chain swaps (as before
    // session 7; on plans of this size its budget and stop were the same).
    let previous = SolveConfig {
        gap_chains: false,
        ..config.clone()
    };
    let mut out = Vec::new();
    println!(
        "{:>4} {:>4} {:>5} {:>6} {:>8} {:>8} {:>6} {:>7} {:>8} {:>8}",
        "inst", "n", "slots", "tables", "meetings", "placed", "gaps", "before", "previous", "ms"
    );
    for k in 0..count {
        let p = forum(seed + k, participants, slots);
        let (planner, gaps) = run(&p, &config);
        let (prev, prev_gaps) = run(&p, &previous);
        println!(
            "{k:>4} {:>4} {:>5} {:>6} {:>8} {:>8} {gaps:>6} {:>7} {prev_gaps:>8} {:>8.1}  ({})",
            p.participants.len(),
            p.slots,
            p.tables,
            p.candidates.len(),
            planner["placed"].as_u64().unwrap_or(0),
            planner["idle_gaps_before"],
            planner["ms"].as_f64().unwrap_or(0.0),
            planner["stopped_by"].as_str().unwrap_or(""),
        );
        out.push(json!({
            "slots": p.slots,
            "tables": p.tables,
            "available": p.participants.iter().map(|q| &q.available).collect::<Vec<_>>(),
            "seats": p.participants.iter().map(|q| q.seats.max(1)).collect::<Vec<_>>(),
            "meetings": p.candidates.iter().map(|c| json!({
                "a": c.a, "b": c.b,
                "window": c.window.map(|(f, l)| [f, l]),
                "pin": c.pinned,
            })).collect::<Vec<_>>(),
            "planner": planner,
            "previous": prev,
        }));
    }
    let dir = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_string()),
    )
    .join("forum");
    let path = dir.join("instances.json");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, serde_json::Value::Array(out).to_string()));
    match written {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
