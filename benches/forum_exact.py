#!/usr/bin/env python3
"""The exact baseline for the forum-like instances of benches/forum.rs (issue #16).

Reads $CARGO_TARGET_DIR/forum/instances.json (written by the forum bench: every instance
with the planner's and the previous planner's slot for each meeting), and for each instance:

1. checks both plans here, without trusting the Rust side: every meeting placed exactly
   once, inside its window, on its pinned slot, both participants available, at most
   `tables` meetings per slot and `seats` per participant and slot; and recounts the idle
   gaps from the slots (a mismatch with what the planner reported is an error);
2. solves the instance exactly with CP-SAT (OR-Tools from PyPI) and prints the optimum, a
   "proven" flag (CP-SAT's status OPTIMAL: its lower bound met its best solution) and the
   solver's time, beside the planner's figures.

The model. x[m, s] = 1 if meeting m takes slot s, for s in its domain (both participants
available, inside its window, or only its pinned slot); each meeting takes exactly one slot;
at most `tables` meetings per slot, at most `seats` per participant and slot. y[p, s] = 1
if p meets in slot s; start[p, s] marks the first slot of a run of meetings (y[p, s] and not
y[p, s - 1]). A participant's idle gaps are its runs minus one; they are counted by
indicators h[p, k] = [p has at least k + 1 idle gaps] (h[p, k] implies h[p, k - 1],
Σ start[p] − 1 ≤ Σ h[p]), and the objective is Σ h, the total idle gaps. Three things, each
valid for every solution, make the bound close on 8–10 slots where the plain run-start
model never proves anything:
- a lower bound per participant: its fewest idle gaps alone (its own meetings and domains,
  partners and tables ignored), solved first by a small CP-SAT model; h[p, k] = 1 below it;
- for a participant with one seat: no idle gap means all its d meetings lie in d consecutive
  slots (first slot F: F ≤ s ≤ F + d − 1 for every slot it meets in);
- optionally (--hint) the planner's plan as a hint, which only speeds up finding solutions.
With --core CP-SAT searches by unsatisfiable cores, which raises the lower bound far faster
on this objective (a sum of booleans); benches/forum.sh passes both.
The solution's gaps are recounted from its slots and must equal the objective.

Run: benches/forum.sh (creates the venv $CARGO_TARGET_DIR/plan-venv with ortools), or this
script with that venv's python: forum_exact.py [FILE] [--time-limit S] [--workers N]
[--only K ...] [--hint] [--core] [--c C]. The last column says whether the planner is within
1.25 × optimum + C (C default 2): "yes" when proven, or when it holds for CP-SAT's lower bound
(then for any optimum); "vs best only" against an unproven best solution. Exit status 1 if a
plan breaks a rule or the planner misses it on a proven instance.
"""
import argparse
import json
import os
import sys
import time

from ortools.sat.python import cp_model


def domains(inst):
    """Each meeting's slots: its pin, else its window, where both ends are available."""
    slots, avail = inst["slots"], inst["available"]
    out = []
    for m in inst["meetings"]:
        if m["pin"] is not None:
            dom = [m["pin"]]
        else:
            lo, hi = m["window"] if m["window"] else (0, slots - 1)
            dom = range(lo, hi + 1)
        out.append([s for s in dom if avail[m["a"]][s] and avail[m["b"]][s]])
    return out


def idle_gaps(inst, slot_of):
    """Total idle gaps of an assignment (meeting -> slot): runs of meetings minus one, per
    participant with a meeting."""
    n, slots = len(inst["available"]), inst["slots"]
    busy = [[False] * slots for _ in range(n)]
    for m, s in zip(inst["meetings"], slot_of):
        if s is not None:
            busy[m["a"]][s] = busy[m["b"]][s] = True
    gaps = 0
    for row in busy:
        runs = sum(1 for s in range(slots) if row[s] and (s == 0 or not row[s - 1]))
        gaps += max(0, runs - 1)
    return gaps


def violations(inst, slot_of):
    """Every rule a plan breaks, as sentences (empty: a valid plan with every meeting)."""
    slots, tables = inst["slots"], inst["tables"]
    avail, seats = inst["available"], inst["seats"]
    out = []
    per_slot = [0] * slots
    per_seat = {}
    if len(slot_of) != len(inst["meetings"]):
        return [f"{len(slot_of)} slots for {len(inst['meetings'])} meetings"]
    for k, (m, s) in enumerate(zip(inst["meetings"], slot_of)):
        if s is None:
            out.append(f"meeting {k} not placed")
            continue
        if not 0 <= s < slots:
            out.append(f"meeting {k} in slot {s} of {slots}")
            continue
        if m["window"] and not m["window"][0] <= s <= m["window"][1]:
            out.append(f"meeting {k} in slot {s} outside its window {m['window']}")
        if m["pin"] is not None and s != m["pin"]:
            out.append(f"meeting {k} in slot {s}, pinned to {m['pin']}")
        for p in (m["a"], m["b"]):
            if not avail[p][s]:
                out.append(f"meeting {k}: participant {p} unavailable in slot {s}")
            per_seat[p, s] = per_seat.get((p, s), 0) + 1
        per_slot[s] += 1
    out += [f"slot {s}: {c} meetings, {tables} tables" for s, c in enumerate(per_slot) if c > tables]
    out += [
        f"participant {p}: {c} meetings in slot {s}, {seats[p]} seat(s)"
        for (p, s), c in per_seat.items()
        if c > seats[p]
    ]
    return out


def alone_bound(inst, doms, p, time_limit=10):
    """Fewest idle gaps of participant p alone: its meetings in their domains, its seats;
    partners and tables ignored. A lower bound on p's idle gaps in any plan."""
    slots = inst["slots"]
    mine = [k for k, m in enumerate(inst["meetings"]) if p in (m["a"], m["b"])]
    if len(mine) <= 1:
        return 0
    model = cp_model.CpModel()
    at = {}
    for k in mine:
        xs = [model.NewBoolVar("") for _ in doms[k]]
        for v, s in zip(xs, doms[k]):
            at.setdefault(s, []).append(v)
        model.AddExactlyOne(xs)
    for xs in at.values():
        model.Add(sum(xs) <= inst["seats"][p])
    starts, _ = run_starts(model, slots, at, inst["seats"][p])
    model.Minimize(sum(starts))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    status = solver.Solve(model)
    if status != cp_model.OPTIMAL:
        return 0  # no bound rather than a wrong one
    return int(round(solver.ObjectiveValue())) - 1


def run_starts(model, slots, at, seats):
    """y[s] (meets in slot s) from the x's of `at[s]`, and the run starts: start[s] iff
    y[s] and not y[s - 1]. Returns (start variables, y per slot or None)."""
    ys = []
    for s in range(slots):
        xs = at.get(s, [])
        if not xs:
            ys.append(None)
            continue
        y = model.NewBoolVar("")
        if seats == 1:
            model.Add(sum(xs) == y)
        else:
            for v in xs:
                model.AddImplication(v, y)
            model.AddBoolOr(xs).OnlyEnforceIf(y)
        ys.append(y)
    starts = []
    for s in range(slots):
        if ys[s] is None:
            continue
        v = model.NewBoolVar("")
        model.AddImplication(v, ys[s])
        if s > 0 and ys[s - 1] is not None:
            model.AddImplication(v, ys[s - 1].Not())
            model.AddBoolOr([v, ys[s].Not(), ys[s - 1]])
        else:
            model.AddImplication(ys[s], v)
        starts.append(v)
    return starts, ys


def solve(inst, time_limit, workers, hint, bounds, core=False, seed=1):
    """The exact model (see the module comment). Returns (optimum or best, lower bound,
    seconds, status name); optimum is None when no solution was found."""
    slots, tables, seats = inst["slots"], inst["tables"], inst["seats"]
    n = len(inst["available"])
    doms = domains(inst)
    model = cp_model.CpModel()
    x = {}
    at = {}
    per_slot = {s: [] for s in range(slots)}
    degree = [0] * n
    for k, m in enumerate(inst["meetings"]):
        degree[m["a"]] += 1
        degree[m["b"]] += 1
        xs = []
        for s in doms[k]:
            v = model.NewBoolVar(f"x{k}_{s}")
            x[k, s] = v
            if hint:
                model.AddHint(v, int(inst["planner"]["slots"][k] == s))
            xs.append(v)
            for p in (m["a"], m["b"]):
                at.setdefault(p, {}).setdefault(s, []).append(v)
            per_slot[s].append(v)
        model.AddExactlyOne(xs)
    for s in range(slots):
        model.Add(sum(per_slot[s]) <= tables)
    for p, by_slot in at.items():
        for xs in by_slot.values():
            model.Add(sum(xs) <= seats[p])
    objective = []
    for p in range(n):
        if degree[p] == 0:
            continue
        starts, ys = run_starts(model, slots, at[p], seats[p])
        h = [model.NewBoolVar(f"h{p}_{k}") for k in range(max(0, len(starts) - 1))]
        for k in range(1, len(h)):
            model.AddImplication(h[k], h[k - 1])
        model.Add(sum(starts) - 1 <= sum(h))
        for k in range(min(bounds[p], len(h))):
            model.Add(h[k] == 1)
        if seats[p] == 1 and h:
            first = model.NewIntVar(0, slots - 1, f"F{p}")
            for s, y in enumerate(ys):
                if y is not None:
                    model.Add(first <= s).OnlyEnforceIf([y, h[0].Not()])
                    model.Add(first >= s - degree[p] + 1).OnlyEnforceIf([y, h[0].Not()])
        objective.extend(h)
    model.Minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.optimize_with_core = core
    started = time.time()
    status = solver.Solve(model)
    took = time.time() - started
    bound = int(round(solver.BestObjectiveBound()))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, bound, took, solver.StatusName(status)
    slot_of = [next(s for s in doms[k] if solver.Value(x[k, s])) for k in range(len(doms))]
    best = int(round(solver.ObjectiveValue()))
    assert not violations(inst, slot_of), violations(inst, slot_of)
    assert idle_gaps(inst, slot_of) == best, (idle_gaps(inst, slot_of), best)
    return best, bound, took, solver.StatusName(status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    ap.add_argument("file", nargs="?", default=os.path.join(target, "forum", "instances.json"))
    ap.add_argument("--time-limit", type=float, default=300, help="CP-SAT seconds per instance")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", type=int, nargs="*")
    ap.add_argument("--hint", action="store_true", help="start CP-SAT from the planner's plan")
    ap.add_argument("--core", action="store_true", help="core-based search (stronger bounds)")
    ap.add_argument("--c", type=int, default=2, help="the constant in 1.25 x optimum + c")
    args = ap.parse_args()
    with open(args.file) as f:
        instances = json.load(f)
    head = ("inst", "n", "slots", "tables", "meetings", "placed", "violations", "gaps",
            "previous", "optimum", "proven", "exact s", "planner ms", "within")
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    failed = False
    totals = [0, 0, 0]
    for k, inst in enumerate(instances):
        if args.only and k not in args.only:
            continue
        bad = []
        for who in ("planner", "previous"):
            plan = inst[who]
            broken = violations(inst, plan["slots"])
            gaps = idle_gaps(inst, plan["slots"])
            if gaps != plan["idle_gaps"]:
                broken.append(f"reported {plan['idle_gaps']} idle gaps, recounted {gaps}")
            bad += [f"{who}: {v}" for v in broken]
        for v in bad:
            print(f"instance {k}: {v}", file=sys.stderr)
        doms = domains(inst)
        bounds = [alone_bound(inst, doms, p) for p in range(len(inst["available"]))]
        best, bound, took, status = solve(
            inst, args.time_limit, args.workers, args.hint, bounds, args.core
        )
        proven = status == "OPTIMAL"
        planner = idle_gaps(inst, inst["planner"]["slots"])
        previous = idle_gaps(inst, inst["previous"]["slots"])
        # Within 1.25 x optimum + c: certain when it holds for the lower bound (the optimum
        # is at least that), else only against CP-SAT's best solution if it is not proven.
        if planner <= 1.25 * bound + args.c:
            within = "yes"
        elif best is not None and planner <= 1.25 * best + args.c:
            within = "yes" if proven else "vs best only"
        else:
            within = "NO"
        if bad or (proven and within == "NO"):
            failed = True
        placed = sum(s is not None for s in inst["planner"]["slots"])
        totals[0] += planner
        totals[1] += previous
        totals[2] += best if best is not None else 0
        print(
            f"| {k} | {len(inst['available'])} | {inst['slots']} | {inst['tables']} "
            f"| {len(inst['meetings'])} | {placed} | {len(bad)} | {planner} | {previous} "
            f"| {best if best is not None else '—'}{'' if proven else f' (bound {bound})'} "
            f"| {'yes' if proven else 'no'} | {took:.1f} | {inst['planner']['ms']:.0f} "
            f"| {within} |",
            flush=True,
        )
    print(f"| **all** | | | | | | | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** | | | | |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
