//! Re-planning on the day: a no-show or a late cancellation, answered around the meetings
//! already held or confirmed. Pure, like the rest of `plan`.
//!
//! The method is the planner itself on a modified problem, so every guarantee of a plan
//! (validity, must-meets, minimums, value, gaps) carries over:
//! - meetings before `from_slot` (held) and confirmed ones are **pinned** to their slot: a
//!   pinned meeting is placed first and never moved or evicted;
//! - absent participants are unavailable from `from_slot` on; their later meetings are
//!   cancelled;
//! - every other earlier meeting is first pinned to its old slot too, so nothing moves that
//!   can stay; only those that cannot (their slot became impossible) are released — allowed
//!   anywhere from `from_slot` — in a second solve, and move or are cancelled. So the number
//!   moved is the number that cannot stay, the minimum;
//! - new meetings (the freed participants' best remaining pairs, by the usual objective)
//!   may only take slots from `from_slot` on;
//! - kept meetings keep their table when it is free.
//!
//! The answer lists what was added, moved and cancelled.

use super::solve::{Candidate, Problem, Solution, SolveConfig, solve_with};
use super::spec::{Mission, MissionSpec};
use crate::model::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// `POST /v1/missions/replan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplanRequest {
    /// The mission, as planned (its availability may have changed since).
    pub spec: MissionSpec,
    /// The meetings of the earlier answer (`meetings` of the plan, as returned).
    pub previous: Vec<PreviousMeeting>,
    /// The first slot that may still change: earlier meetings have been held.
    pub from_slot: u64,
    /// Ids of participants who will not come (no-shows, late cancellations).
    #[serde(default)]
    pub absent: Vec<String>,
    /// Meetings both sides have confirmed: they keep their slot.
    #[serde(default)]
    pub confirmed: Vec<PairRef>,
}

/// A meeting of the earlier answer. Only `a`, `b`, `slot` and `table` are read; the other
/// fields of a returned meeting (`start`, `weight`, names…) are accepted and ignored, so the
/// earlier answer's `meetings` can be sent back as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviousMeeting {
    pub a: String,
    pub b: String,
    pub slot: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<u64>,
}

/// Two participants, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRef {
    pub a: String,
    pub b: String,
}

/// A re-planning request with ids resolved to indices.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplanInput {
    pub previous: Vec<Previous>,
    pub from_slot: usize,
    pub absent: Vec<usize>,
    pub confirmed: Vec<(usize, usize)>,
}

/// Checks a re-planning request against its validated mission; errors name the field.
pub fn resolve(
    mission: &Mission,
    previous: &[PreviousMeeting],
    from_slot: u64,
    absent: &[String],
    confirmed: &[PairRef],
) -> Result<ReplanInput, FieldError> {
    let slots = mission.slot_times.len();
    let id = |field: String, id: &str| {
        mission
            .index_of(id)
            .ok_or_else(|| FieldError::new(field, format!("{id:?} is not one of the participants")))
    };
    if from_slot > slots as u64 {
        return Err(FieldError::new(
            "from_slot",
            format!("must be between 0 and {slots} (the slot count), got {from_slot}"),
        ));
    }
    let mut out = Vec::with_capacity(previous.len());
    let mut pairs = HashSet::new();
    let mut busy = HashMap::new();
    for (i, m) in previous.iter().enumerate() {
        let a = id(format!("previous[{i}].a"), &m.a)?;
        let b = id(format!("previous[{i}].b"), &m.b)?;
        if a == b {
            return Err(FieldError::new(
                format!("previous[{i}].b"),
                "a participant cannot meet itself",
            ));
        }
        if m.slot >= slots as u64 {
            return Err(FieldError::new(
                format!("previous[{i}].slot"),
                format!("slot {} is outside slots 0..={}", m.slot, slots - 1),
            ));
        }
        if !pairs.insert((a.min(b), a.max(b))) {
            return Err(FieldError::new(
                format!("previous[{i}]"),
                format!("{:?} and {:?} meet twice", m.a, m.b),
            ));
        }
        let slot = m.slot as usize;
        for (x, name) in [(a, &m.a), (b, &m.b)] {
            let k = busy.entry((x, slot)).or_insert(0usize);
            *k += 1;
            if *k > mission.participants[x].seats {
                return Err(FieldError::new(
                    format!("previous[{i}]"),
                    format!("{name:?} has more meetings than seats in slot {slot}"),
                ));
            }
        }
        let table = m.table.unwrap_or(0);
        if table > mission.spec.tables {
            return Err(FieldError::new(
                format!("previous[{i}].table"),
                format!("table {table} is above the {} tables", mission.spec.tables),
            ));
        }
        out.push(Previous {
            a,
            b,
            slot,
            table: table as usize,
        });
    }
    let absent = absent
        .iter()
        .enumerate()
        .map(|(i, x)| id(format!("absent[{i}]"), x))
        .collect::<Result<Vec<_>, _>>()?;
    let mut pairs_confirmed = Vec::with_capacity(confirmed.len());
    for (i, c) in confirmed.iter().enumerate() {
        let a = id(format!("confirmed[{i}].a"), &c.a)?;
        let b = id(format!("confirmed[{i}].b"), &c.b)?;
        if !pairs.contains(&(a.min(b), a.max(b))) {
            return Err(FieldError::new(
                format!("confirmed[{i}]"),
                format!("{:?} and {:?} have no meeting in previous", c.a, c.b),
            ));
        }
        pairs_confirmed.push((a, b));
    }
    Ok(ReplanInput {
        previous: out,
        from_slot: from_slot as usize,
        absent,
        confirmed: pairs_confirmed,
    })
}

/// A meeting of the earlier plan, by participant index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    pub a: usize,
    pub b: usize,
    pub slot: usize,
    /// 1-based; 0 when unknown.
    pub table: usize,
}

/// What changed against the earlier plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// Indices into the new solution's meetings.
    pub added: Vec<usize>,
    /// (index into the new meetings, the earlier slot).
    pub moved: Vec<(usize, usize)>,
    /// Earlier meetings that no longer take place, with the reason.
    pub cancelled: Vec<(Previous, Cancel)>,
}

/// Why an earlier meeting was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// One of the two is absent.
    Absent(usize),
    /// It could neither stay nor move to another free slot.
    NoRoom,
}

/// Re-plans `problem` around `previous` (see the module comment). `absent` and `confirmed`
/// are participant indices; the problem's indices must be valid (the spec was validated).
pub fn replan(
    problem: &Problem,
    previous: &[Previous],
    from_slot: usize,
    absent: &[usize],
    confirmed: &[(usize, usize)],
    config: &SolveConfig,
) -> (Problem, Solution, Changes) {
    let key = |a: usize, b: usize| (a.min(b), a.max(b));
    let absent: HashSet<usize> = absent.iter().copied().collect();
    let confirmed: HashSet<(usize, usize)> = confirmed.iter().map(|&(a, b)| key(a, b)).collect();
    let mut p = problem.clone();
    let slots = p.slots;
    let from = from_slot.min(slots);
    for &x in &absent {
        if let Some(q) = p.participants.get_mut(x) {
            for s in from..q.available.len() {
                q.available[s] = false;
            }
        }
    }
    // New meetings only from `from_slot` on.
    for c in &mut p.candidates {
        c.window = match c.window {
            _ if from >= slots => Some((slots, slots)),
            Some((f, l)) => Some((f.max(from), l)),
            None if from > 0 => Some((from, slots.saturating_sub(1))),
            None => None,
        };
        if c.pinned.is_some_and(|k| k < from) {
            c.window = Some((slots, slots)); // a pin in the past that was not held
            c.pinned = None;
        }
    }
    let mut at: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, c) in p.candidates.iter().enumerate() {
        at.entry(key(c.a, c.b)).or_insert(i);
    }
    let mut changes = Changes::default();
    // Earlier meetings: pinned (held, confirmed, or kept where they were).
    let mut soft: Vec<(usize, Previous)> = Vec::new();
    for m in previous {
        let n = p.participants.len();
        if m.a >= n || m.b >= n || m.a == m.b || m.slot >= slots {
            continue;
        }
        let held = m.slot < from;
        if !held && let Some(&x) = [m.a, m.b].iter().find(|x| absent.contains(x)) {
            changes.cancelled.push((*m, Cancel::Absent(x)));
            continue;
        }
        let i = *at.entry(key(m.a, m.b)).or_insert_with(|| {
            p.candidates.push(Candidate {
                a: m.a,
                b: m.b,
                ..Default::default()
            });
            p.candidates.len() - 1
        });
        let c = &mut p.candidates[i];
        c.pinned = Some(m.slot);
        c.window = None;
        if held {
            // History: held whatever availability now says.
            for x in [m.a, m.b] {
                if let Some(slot) = p.participants[x].available.get_mut(m.slot) {
                    *slot = true;
                }
            }
        } else if !confirmed.contains(&key(m.a, m.b)) {
            soft.push((i, *m));
        }
    }
    let mut solution = solve_with(&p, config);
    // Kept meetings that could not stay where they were: release them and solve again.
    let placed: HashSet<usize> = solution.meetings.iter().map(|m| m.candidate).collect();
    let stuck: Vec<usize> = soft
        .iter()
        .filter(|(i, _)| !placed.contains(i))
        .map(|(i, _)| *i)
        .collect();
    if !stuck.is_empty() {
        for &i in &stuck {
            let c = &mut p.candidates[i];
            c.pinned = None;
            c.window = (from < slots).then(|| (from, slots - 1));
            c.priority = Some(super::Priority::Must);
        }
        solution = solve_with(&p, config);
    }
    keep_tables(&mut solution, previous, p.tables);
    // The differences.
    let before: HashMap<(usize, usize), Previous> =
        previous.iter().map(|m| (key(m.a, m.b), *m)).collect();
    let mut still: HashSet<(usize, usize)> = HashSet::new();
    for (k, m) in solution.meetings.iter().enumerate() {
        let pair = key(m.a, m.b);
        still.insert(pair);
        match before.get(&pair) {
            None => changes.added.push(k),
            Some(old) if old.slot != m.slot => changes.moved.push((k, old.slot)),
            Some(_) => {}
        }
    }
    for m in previous {
        let pair = key(m.a, m.b);
        if !still.contains(&pair) && !changes.cancelled.iter().any(|(c, _)| key(c.a, c.b) == pair) {
            changes.cancelled.push((*m, Cancel::NoRoom));
        }
    }
    (p, solution, changes)
}

/// Gives kept meetings their earlier table when it is free in their slot, and numbers the
/// rest into the tables left.
fn keep_tables(solution: &mut Solution, previous: &[Previous], tables: usize) {
    let old: HashMap<(usize, usize, usize), usize> = previous
        .iter()
        .map(|m| ((m.a.min(m.b), m.a.max(m.b), m.slot), m.table))
        .collect();
    let mut by_slot: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, m) in solution.meetings.iter().enumerate() {
        by_slot.entry(m.slot).or_default().push(k);
    }
    for list in by_slot.values() {
        let mut used = vec![false; tables + 1];
        let mut rest = Vec::new();
        for &k in list {
            let m = &solution.meetings[k];
            match old.get(&(m.a.min(m.b), m.a.max(m.b), m.slot)) {
                Some(&t) if t >= 1 && t <= tables && !used[t] => {
                    used[t] = true;
                    solution.meetings[k].table = t;
                }
                _ => rest.push(k),
            }
        }
        let mut next = 1;
        for k in rest {
            while next <= tables && used[next] {
                next += 1;
            }
            if next <= tables {
                used[next] = true;
                solution.meetings[k].table = next;
            }
        }
    }
    solution.meetings.sort_by_key(|m| (m.slot, m.table));
}

#[cfg(test)]
mod tests {
    use super::super::solve::{check, solve};
    use super::*;
    use crate::plan::testkit::{Rng, Shape, problem_with};

    /// An earlier answer's meetings as re-planning takes them.
    fn previous_of(s: &crate::plan::Solution) -> Vec<Previous> {
        s.meetings
            .iter()
            .map(|m| Previous {
                a: m.a,
                b: m.b,
                slot: m.slot,
                table: m.table,
            })
            .collect()
    }

    #[test]
    fn replanning_never_moves_the_past_or_confirmed_and_never_double_books() {
        let mut rng = Rng::new(16);
        let config = SolveConfig {
            time_limit_ms: 50,
            ..SolveConfig::default()
        };
        let mut added = 0;
        for i in 0..300 {
            let p = problem_with(&mut rng, |rng| {
                let slots = rng.range(2, 10);
                Shape {
                    sizes: [rng.range(2, 12), rng.range(2, 14)],
                    groups: if rng.chance(0.2) { 3 } else { 2 },
                    slots,
                    tables: rng.range(1, 8),
                    cap: rng.range(1, slots),
                    density: rng.unit(),
                    partial: rng.unit() * 0.4,
                    must: rng.unit() * 0.1,
                    want: rng.unit() * 0.2,
                }
            });
            let first = solve(&p);
            let previous = previous_of(&first);
            let from = rng.range(0, p.slots);
            let n = p.participants.len();
            let absent: Vec<usize> = (0..n).filter(|_| rng.chance(0.15)).collect();
            let confirmed: Vec<(usize, usize)> = previous
                .iter()
                .filter(|m| {
                    m.slot >= from
                        && !absent.contains(&m.a)
                        && !absent.contains(&m.b)
                        && rng.chance(0.4)
                })
                .map(|m| (m.a, m.b))
                .collect();
            let (q, s, changes) = replan(&p, &previous, from, &absent, &confirmed, &config);
            if let Err(e) = check(&q, &s) {
                panic!("instance {i}: {e}");
            }
            let now: HashMap<(usize, usize), usize> = s
                .meetings
                .iter()
                .map(|m| ((m.a.min(m.b), m.a.max(m.b)), m.slot))
                .collect();
            for m in &previous {
                let pair = (m.a.min(m.b), m.a.max(m.b));
                let fixed = m.slot < from || confirmed.contains(&(m.a, m.b));
                if fixed {
                    assert_eq!(now.get(&pair), Some(&m.slot), "instance {i}: {m:?} moved");
                }
                if m.slot >= from && (absent.contains(&m.a) || absent.contains(&m.b)) {
                    assert!(!now.contains_key(&pair), "instance {i}: absent still meets");
                }
            }
            // Nothing new before `from_slot`, and no absent participant from then on.
            for &k in &changes.added {
                let m = &s.meetings[k];
                assert!(m.slot >= from, "instance {i}: added before from_slot");
                assert!(!absent.contains(&m.a) && !absent.contains(&m.b));
            }
            // Without absences nothing needs to move.
            if absent.is_empty() {
                assert!(
                    changes.moved.is_empty(),
                    "instance {i}: moved without a reason"
                );
            }
            added += changes.added.len();
        }
        assert!(
            added > 50,
            "freed participants get new meetings ({added} added)"
        );
    }

    #[test]
    fn a_no_show_cancels_only_its_own_later_meetings() {
        use super::super::Participant;
        // Three buyers, three sellers, two slots; buyer 0 does not come after slot 0.
        let p = Problem {
            slots: 2,
            tables: 3,
            participants: (0..6)
                .map(|i| Participant {
                    id: format!("p{i}"),
                    group: usize::from(i >= 3),
                    cap: 2,
                    available: vec![true; 2],
                    ..Default::default()
                })
                .collect(),
            candidates: (0..3)
                .flat_map(|a| (3..6).map(move |b| (a, b)))
                .map(|(a, b)| Candidate {
                    a,
                    b,
                    weight: 1.0 + (a * 3 + b) as f64 / 10.0,
                    ..Default::default()
                })
                .collect(),
        };
        let first = solve(&p);
        assert_eq!(first.meetings.len(), 6);
        let previous = previous_of(&first);
        let (_, s, changes) = replan(&p, &previous, 1, &[0], &[], &SolveConfig::default());
        assert_eq!(changes.cancelled.len(), 1, "{changes:?}");
        assert!(changes.moved.is_empty());
        let lost = changes.cancelled[0].0;
        let freed = if lost.a == 0 { lost.b } else { lost.a };
        // The freed seller meets someone else in slot 1 if anyone is free then (no one is:
        // buyers 1 and 2 are busy), so it stays free; nothing else changes.
        assert!(
            s.meetings
                .iter()
                .all(|m| m.slot < 1 || (m.a != 0 && m.b != 0))
        );
        let _ = freed;
        assert_eq!(s.meetings.len(), 5);
    }
}
