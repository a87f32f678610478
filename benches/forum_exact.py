#!/usr/bin/env python3
"""The exact baseline for the forum-like instances of benches/forum.rs (issue #16).

Reads $CARGO_TARGET_DIR/forum/instances.json (written by `cargo bench --bench forum`), solves
each instance with an exact CP-SAT model (OR-Tools, from PyPI) and prints the planner's
figures beside the exact ones: meetings placed, idle gaps, time.

The model: x[m, s] = 1 if meeting m takes slot s, for s in its domain (both participants
available, inside its window, or its pinned slot); every meeting takes exactly one slot; at
most `seats` meetings per participant and slot; at most `tables` per slot. y[p, s] = 1 if p
meets in slot s; start[p, s] >= y[p, s] - y[p, s - 1] marks where a run of meetings starts.
A participant's idle gaps are its runs minus one, so the objective — total idle gaps — is
sum(start) minus the number of participants with a meeting. CP-SAT proves optimality or
stops at the time limit with its best solution and a lower bound (both printed).

Run: python3 -m venv $CARGO_TARGET_DIR/plan-venv; $CARGO_TARGET_DIR/plan-venv/bin/pip install
ortools; then benches/forum.sh (or this script with that venv's python).
Options: --time-limit SECONDS per instance (default 60), --workers N (default 2).
"""
import argparse
import json
import os
import time

from ortools.sat.python import cp_model


def solve(inst, time_limit, workers, hint=False):
    slots, tables = inst["slots"], inst["tables"]
    avail, seats = inst["available"], inst["seats"]
    n = len(avail)
    model = cp_model.CpModel()
    at = {}  # (p, s) -> list of x
    per_slot = {s: [] for s in range(slots)}
    for k, m in enumerate(inst["meetings"]):
        a, b = m["a"], m["b"]
        if m["pin"] is not None:
            dom = [m["pin"]]
        else:
            lo, hi = m["window"] if m["window"] else (0, slots - 1)
            dom = list(range(lo, hi + 1))
        dom = [s for s in dom if avail[a][s] and avail[b][s]]
        xs = []
        for s in dom:
            x = model.NewBoolVar(f"x{k}_{s}")
            if hint and inst.get("planner_slots"):
                model.AddHint(x, int(inst["planner_slots"][k] == s))
            xs.append(x)
            at.setdefault((a, s), []).append(x)
            at.setdefault((b, s), []).append(x)
            per_slot[s].append(x)
        model.Add(sum(xs) == 1)
    for s in range(slots):
        model.Add(sum(per_slot[s]) <= tables)
    starts = []
    active = set()
    for p in range(n):
        ys = []
        for s in range(slots):
            xs = at.get((p, s), [])
            if not xs:
                ys.append(0)
                continue
            active.add(p)
            model.Add(sum(xs) <= seats[p])
            y = model.NewBoolVar(f"y{p}_{s}")
            # y = 1 iff p meets in s.
            for x in xs:
                model.AddImplication(x, y)
            model.Add(sum(xs) >= 1).OnlyEnforceIf(y)
            ys.append(y)
        mine = []
        for s in range(slots):
            if isinstance(ys[s], int):
                continue
            st = model.NewBoolVar(f"st{p}_{s}")
            prev = ys[s - 1] if s > 0 else 0
            model.Add(st >= ys[s] - prev)
            mine.append(st)
        if mine:
            # Someone with a meeting has at least one run (a valid cut that lifts the bound).
            model.Add(sum(mine) >= 1)
        starts.extend(mine)
    model.Minimize(sum(starts) - len(active))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    t = time.time()
    status = solver.Solve(model)
    took = time.time() - t
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, took, solver.StatusName(status)
    return (
        int(round(solver.ObjectiveValue())),
        int(round(solver.BestObjectiveBound())),
        took,
        solver.StatusName(status),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--file", default=None)
    ap.add_argument(
        "--hint",
        action="store_true",
        help="start CP-SAT from the planner's assignment (then it can only do better)",
    )
    args = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    path = args.file or os.path.join(target, "forum", "instances.json")
    with open(path) as f:
        instances = json.load(f)
    print(
        "| inst | n | slots | tables | meetings | planner placed | planner gaps "
        "(before improvement) | planner ms | exact gaps | exact bound | exact s | status "
        "| within 1.25x+2 |"
    )
    print("|" + " --- |" * 13)
    tot_p = tot_e = 0
    ok = 0
    for k, inst in enumerate(instances):
        gaps, bound, took, status = solve(inst, args.time_limit, args.workers, args.hint)
        pl = inst["planner"]
        within = gaps is not None and pl["idle_gaps"] <= 1.25 * gaps + 2
        ok += within
        if gaps is not None:
            tot_p += pl["idle_gaps"]
            tot_e += gaps
        print(
            f"| {k} | {len(inst['available'])} | {inst['slots']} | {inst['tables']} "
            f"| {len(inst['meetings'])} | {pl['placed']}{'' if pl['valid'] else ' INVALID'} "
            f"| {pl['idle_gaps']} ({pl['idle_gaps_before']}) | {pl['ms']:.0f} "
            f"| {gaps} | {bound} | {took:.1f} | {status} | {'yes' if within else 'NO'} |",
            flush=True,
        )
    print(
        f"\ntotal idle gaps: planner {tot_p}, exact {tot_e}; "
        f"{ok}/{len(instances)} within 1.25 x exact + 2"
    )


if __name__ == "__main__":
    main()
