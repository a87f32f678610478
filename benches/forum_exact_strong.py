#!/usr/bin/env python3
"""Stronger exact model for benches/forum.rs instances (issue #16): gap indicators as the objective, per-participant lower bounds from each participant alone, a no-gap window constraint, planner hint. Proves the optimum on the 8-10 slot instances (see report); bounds stay weak past ~12 slots.
Usage: forum_exact_strong.py $CARGO_TARGET_DIR/forum/instances.json --t 90 --hint"""
import argparse, json, time
from ortools.sat.python import cp_model

def domains(inst):
    slots = inst["slots"]; avail = inst["available"]
    out = []
    for m in inst["meetings"]:
        a, b = m["a"], m["b"]
        if m["pin"] is not None:
            dom = [m["pin"]]
        else:
            lo, hi = m["window"] if m["window"] else (0, slots - 1)
            dom = list(range(lo, hi + 1))
        out.append([s for s in dom if avail[a][s] and avail[b][s]])
    return out

def runs_model(model, n, slots, seats, mine_of, doms, x):
    """y, starts, per-participant runs expression."""
    pass

def alone_lb(inst, doms, p, time_limit=10):
    """Fewest idle gaps of p alone: its meetings, their domains, its seats; partners and tables ignored."""
    slots = inst["slots"]
    ms = [k for k, m in enumerate(inst["meetings"]) if p in (m["a"], m["b"])]
    if len(ms) <= 1:
        return 0
    md = cp_model.CpModel()
    at = {}
    for k in ms:
        xs = []
        for s in doms[k]:
            v = md.NewBoolVar("")
            xs.append(v); at.setdefault(s, []).append(v)
        md.AddExactlyOne(xs)
    ys = []
    for s in range(slots):
        xs = at.get(s, [])
        if not xs:
            ys.append(None); continue
        md.Add(sum(xs) <= inst["seats"][p])
        y = md.NewBoolVar("")
        for v in xs: md.AddImplication(v, y)
        md.AddBoolOr(xs).OnlyEnforceIf(y)
        ys.append(y)
    st = []
    for s in range(slots):
        if ys[s] is None: continue
        v = md.NewBoolVar("")
        md.AddImplication(v, ys[s])
        if s > 0 and ys[s-1] is not None:
            md.AddImplication(v, ys[s-1].Not())
            md.AddBoolOr([v, ys[s].Not(), ys[s-1]])
        else:
            md.AddImplication(ys[s], v)
        st.append(v)
    md.Minimize(sum(st))
    sv = cp_model.CpSolver(); sv.parameters.max_time_in_seconds = time_limit; sv.parameters.num_workers = 1
    r = sv.Solve(md)
    assert r == cp_model.OPTIMAL, sv.StatusName(r)
    return int(round(sv.ObjectiveValue())) - 1

def solve(inst, time_limit, workers, hint, lbs, core, seed=1):
    slots, tables = inst["slots"], inst["tables"]
    avail, seats = inst["available"], inst["seats"]
    n = len(avail)
    doms = domains(inst)
    model = cp_model.CpModel()
    model_x = {}
    at = {}
    per_slot = {s: [] for s in range(slots)}
    deg = [0] * n
    for k, m in enumerate(inst["meetings"]):
        a, b = m["a"], m["b"]; deg[a] += 1; deg[b] += 1
        xs = []
        for s in doms[k]:
            v = model.NewBoolVar(f"x{k}_{s}"); model_x[k, s] = v
            if hint and inst.get("planner_slots"):
                model.AddHint(v, int(inst["planner_slots"][k] == s))
            xs.append(v)
            at.setdefault((a, s), []).append(v); at.setdefault((b, s), []).append(v)
            per_slot[s].append(v)
        model.AddExactlyOne(xs)
    for s in range(slots):
        model.Add(sum(per_slot[s]) <= tables)
    obj = []
    for p in range(n):
        if deg[p] == 0: continue
        ys = []
        for s in range(slots):
            xs = at.get((p, s), [])
            if not xs: ys.append(None); continue
            if seats[p] == 1:
                y = model.NewBoolVar(f"y{p}_{s}")
                model.Add(sum(xs) == y)
            else:
                model.Add(sum(xs) <= seats[p])
                y = model.NewBoolVar(f"y{p}_{s}")
                for v in xs: model.AddImplication(v, y)
                model.AddBoolOr(xs).OnlyEnforceIf(y)
            ys.append(y)
        st = []
        for s in range(slots):
            if ys[s] is None: continue
            v = model.NewBoolVar(f"st{p}_{s}")
            model.AddImplication(v, ys[s])
            if s > 0 and ys[s-1] is not None:
                model.AddImplication(v, ys[s-1].Not())
                model.AddBoolOr([v, ys[s].Not(), ys[s-1]])
            else:
                model.AddImplication(ys[s], v)
            st.append(v)
        # gap indicators h_k = [gaps >= k]
        maxg = max(0, len(st) - 1)
        hs = [model.NewBoolVar(f"h{p}_{k}") for k in range(maxg)]
        for k in range(1, len(hs)): model.AddImplication(hs[k], hs[k-1])
        model.Add(sum(st) - 1 <= sum(hs))
        lb = lbs[p] if lbs else 0
        for k in range(min(lb, len(hs))): model.Add(hs[k] == 1)
        if seats[p] == 1 and hs:
            # no gap -> meetings within [F, F + deg - 1]
            F = model.NewIntVar(0, slots - 1, f"F{p}")
            for s in range(slots):
                if ys[s] is None: continue
                model.Add(F <= s).OnlyEnforceIf([ys[s], hs[0].Not()])
                model.Add(F >= s - deg[p] + 1).OnlyEnforceIf([ys[s], hs[0].Not()])
        obj.extend(hs)
    model.Minimize(sum(obj))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if core:
        solver.parameters.optimize_with_core = True
    t = time.time()
    status = solver.Solve(model)
    took = time.time() - t
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, int(solver.BestObjectiveBound()), took, solver.StatusName(status)
    # Recount the gaps of the solution from its slots (the model is checked, not trusted).
    occ = [[0] * slots for _ in range(n)]
    for k, m in enumerate(inst["meetings"]):
        s = [s for s in doms[k] if solver.Value(model_x[k, s])]
        assert len(s) == 1
        occ[m["a"]][s[0]] += 1; occ[m["b"]][s[0]] += 1
    gaps = 0
    for p in range(n):
        row = [1 if o else 0 for o in occ[p]]
        if sum(row):
            runs = sum(1 for s in range(slots) if row[s] and (s == 0 or not row[s-1]))
            gaps += runs - 1
    assert gaps == int(round(solver.ObjectiveValue())), (gaps, solver.ObjectiveValue())
    return int(round(solver.ObjectiveValue())), int(round(solver.BestObjectiveBound())), took, solver.StatusName(status)

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("file"); ap.add_argument("--only", type=int, nargs="*")
    ap.add_argument("--t", type=float, default=60); ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hint", action="store_true"); ap.add_argument("--core", action="store_true")
    ap.add_argument("--nolb", action="store_true")
    a = ap.parse_args()
    insts = json.load(open(a.file))
    for k, inst in enumerate(insts):
        if a.only and k not in a.only: continue
        doms = domains(inst); n = len(inst["available"])
        t = time.time()
        lbs = [alone_lb(inst, doms, p) for p in range(n)]
        tl = time.time() - t
        res = solve(inst, a.t, a.workers, a.hint, None if a.nolb else lbs, a.core)
        print(k, "planner", inst["planner"]["idle_gaps"], "alone-LB", sum(lbs), f"({tl:.1f}s)", "exact", res, flush=True)
