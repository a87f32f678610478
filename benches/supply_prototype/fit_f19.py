"""Sensitivity: add F19 (origin-side: 33% of South Sulawesi's inter-island rice shipments go to
Jakarta) to the fit, for forms A4 and J4 (separate sea per-km rate). Writes results/fit_f19.json."""
import itertools
import json
import math

import numpy as np
from scipy.optimize import minimize

import fit as F
import supply_data as D
import supply_model as M

BERAS = D.supply_table("beras")
O = D.IX["73"]
OUTSIDE = [j for j in range(D.NP) if D.ISLAND[D.CODES[j]] != "Sulawesi"]


def f19_share(form, p):
    T = M.flows(BERAS, form, p)
    tot = T[O, OUTSIDE].sum()
    return float(T[O, D.IX["31"]] / tot) if tot > 0 else 0.0


def loss(theta, names, form, stmts):
    p = dict(zip(names, theta))
    q = min(max(f19_share(form, p), 1e-9), 1 - 1e-9)
    kl = 0.33 * math.log(0.33 / q) + 0.67 * math.log(0.67 / (1 - q))
    return F.total_loss(theta, names, form, stmts, {}) + kl


def main():
    stmts = F.load_statements("matched")
    out = {}
    for form in [M.Form("A4", "exp", "island", r_cap=4.0),
                 M.Form("C4 pow", "pow", "island", r_cap=4.0),
                 M.Form("J4", "exp_sea", "island", r_cap=4.0)]:
        names = form.param_names()
        best = None
        for start in itertools.product(*[F.STARTS[n] for n in names]):
            res = minimize(loss, np.array(start), args=(names, form, stmts), method="Nelder-Mead",
                           bounds=[F.BOUNDS[n] for n in names],
                           options={"xatol": 1e-3, "fatol": 1e-5, "maxiter": 500})
            if best is None or res.fun < best.fun:
                best = res
        p = dict(zip(names, best.x.tolist()))
        ev = [F.evaluate(st, form, p) for st in stmts]
        out[form.name] = {"params": {k: round(v, 3) for k, v in p.items()}, "loss": round(best.fun, 3),
                          "f19_model": round(f19_share(form, p), 3),
                          "main_first": sum(r["rank_of_main"] == 1 for r in ev),
                          "rice_dki": ev[0]["predicted_top3"], "f14": ev[1]["predicted"]}
        print(form.name, out[form.name], flush=True)
    json.dump(out, open(F.OUT / "fit_f19.json", "w"), indent=1)


if __name__ == "__main__":
    main()
