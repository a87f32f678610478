//! The greedy round-robin baseline the planner is measured against (MeetMax's documented
//! method). It shares the instance, the board and the report with the planner, nothing else.

use super::board::Board;
use super::inst::{Inst, NONE};
use super::report::{Finish, finish};
use super::{Improvement, Problem, Solution};
use crate::model::lang::Lang;
use std::time::Instant;

/// The greedy round-robin baseline, as MeetMax documents it: for each slot in order, go
/// through the participants (starting at a rotating offset) and give each its best remaining
/// partner that is free. No bound is computed (`upper_bound` is 0).
pub fn round_robin(problem: &Problem) -> Solution {
    let started = Instant::now();
    let inst = Inst::new(problem);
    let mut adjacency: Vec<Vec<u32>> = vec![Vec::new(); inst.n];
    for (c, cand) in inst.cands.iter().enumerate() {
        if cand.ok && (cand.w > 0.0 || cand.req) {
            adjacency[cand.a as usize].push(c as u32);
            adjacency[cand.b as usize].push(c as u32);
        }
    }
    for list in &mut adjacency {
        list.sort_by(|&x, &y| inst.better(x, y));
    }
    let mut board = Board::new(&inst, 0);
    let stride = (inst.n / inst.slots.max(1)).max(1);
    for s in 0..inst.slots {
        for k in 0..inst.n {
            if board.load[s] as usize >= inst.tables {
                break;
            }
            let p = (k + s * stride) % inst.n;
            if !inst.avail[p].contains(s) || board.busy[p].contains(s) || board.at_cap(p) {
                continue;
            }
            let partner = adjacency[p].iter().copied().find(|&c| {
                let q = inst.other(c, p);
                board.slot_of[c as usize] == NONE
                    && inst.avail[q].contains(s)
                    && !board.busy[q].contains(s)
                    && !board.at_cap(q)
            });
            if let Some(c) = partner {
                board.place(c, s);
            }
        }
    }
    finish(
        problem,
        &board,
        Finish {
            bound: 0.0,
            exact: false,
            started,
            gaps_before: board.idle_gaps(),
            improvement: Improvement::default(),
            lang: Lang::En,
        },
    )
}
