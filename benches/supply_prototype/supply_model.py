"""The gravity-style supply model: expected origin shares of a destination's purchases.

S(o | d, c) = M(o,c) exp(-cost(o,d,c)) / sum over o' != d of the same,
  M(o,c)    = P(o,c)^alpha * (P(o,c) / C(o,c))^gamma   (production, and surplus ratio r = P/C)
  cost      = b * km/1000 * (1 + kappa * perish(c)) + c_sea * crossing(o,d)     ("exp" form)
           or beta * ln(km + 50) + c_sea * crossing                              ("pow" form)
  C(o,c)    = population(o) * national production per head (the consumption proxy)
The destination first covers its own consumption: self = min(1, P(d)/C(d)); only the
deficit 1 - self is bought, and S splits that deficit among origins. Provinces without a
figure (partial tables) are not ranked: no share, "no production figure".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import supply_data as D

RANKABLE = {"measured", "allocated"}


@dataclass(frozen=True)
class Form:
    name: str
    distance: str = "exp"  # exp | pow
    crossing: str = "island"  # island | group
    alpha_free: bool = False
    kappa: bool = False
    r_cap: float = float("inf")  # surplus ratio capped here (fixed, not fitted)
    mass: str = "ratio"  # ratio: P^a r^g ; sat: P^a (2r/(1+r))^g ; linear: max(P - theta C, 0)

    def param_names(self):
        names = ["theta" if self.mass == "linear" else "gamma",
                 "beta" if self.distance == "pow" else "b_per_1000km", "c_sea"]
        if self.distance == "exp_sea":
            names.append("b_sea_per_1000km")
        if self.alpha_free:
            names.append("alpha")
        if self.kappa:
            names.append("kappa")
        return names


def origin_weights(sup: D.Supply, dest: int, form: Form, p: dict) -> np.ndarray:
    """Unnormalised weights per origin; NaN where the origin has no figure, 0 where it
    produces nothing, 0 for the destination itself."""
    t = sup.table
    P = t.tons
    C = t.consumption()
    rank = np.array([s in RANKABLE for s in t.status])
    w = np.full(D.NP, np.nan)
    pos = rank & (P > 0)
    w[np.array([s in ("zero", "absent_zero") for s in t.status])] = 0.0
    w[rank & ~(P > 0)] = 0.0
    alpha = p.get("alpha", 1.0)
    if form.mass in ("ratio", "sat"):
        logm = alpha * np.log(np.where(pos, P, 1.0))
        if C is not None:
            r = np.minimum(np.where(pos, P / C, 1.0), form.r_cap)
            # ratio: r^gamma grows without bound; sat: (2r/(1+r))^gamma, 1 at r = 1, tends to
            # 2^gamma for large surpluses and to (2r)^gamma for deficits.
            g = r if form.mass == "ratio" else 2.0 * r / (1.0 + r)
            logm = logm + p["gamma"] * np.log(g)
    else:  # linear surplus, falls back to production when C is unknown
        if C is not None:
            m = np.maximum(P - p["theta"] * C, 0.0)
        else:
            m = P.copy()
        with np.errstate(divide="ignore"):
            logm = np.where(pos & (m > 0), np.log(np.where(m > 0, m, 1.0)), -np.inf)
    km = D.DIST[:, dest]
    cross = D.CROSS_ISLAND[:, dest] if form.crossing == "island" else D.CROSS_GROUP[:, dest]
    if form.distance == "exp":
        perish = D.perishability(sup.shelf_life_days)
        cost = p["b_per_1000km"] * km / 1000.0 * (1.0 + p.get("kappa", 0.0) * perish)
    elif form.distance == "exp_sea":
        # road km at b, sea-crossing pairs at their own (cheaper) per-km rate b_sea
        cross_ = D.CROSS_ISLAND[:, dest] if form.crossing == "island" else D.CROSS_GROUP[:, dest]
        cost = np.where(cross_ > 0, p["b_sea_per_1000km"], p["b_per_1000km"]) * km / 1000.0
    else:
        cost = p["beta"] * np.log(km + 50.0)
    cost = cost + p["c_sea"] * cross
    lw = logm - cost
    lw = lw - np.nanmax(np.where(pos, lw, -np.inf))
    w[pos] = np.exp(lw[pos])
    w[dest] = 0.0
    return w


def shares(sup: D.Supply, dest: int, form: Form, p: dict) -> np.ndarray:
    w = origin_weights(sup, dest, form, p)
    tot = np.nansum(w)
    return w / tot if tot > 0 else w


def self_supply(sup: D.Supply, dest: int) -> float | None:
    """Fraction of the destination's consumption it covers itself; None when unknown."""
    t = sup.table
    C = t.consumption()
    if C is None or t.status[dest] == "unknown":
        return None
    return float(min(1.0, t.tons[dest] / C[dest]))


def deficit_tons(sup: D.Supply, dest: int) -> float | None:
    t = sup.table
    C = t.consumption()
    if C is None or t.status[dest] == "unknown":
        return None
    return float(max(0.0, C[dest] - t.tons[dest]))


def ranking(sup, dest, form, p):
    """Origins (codes) with a share, highest first, then those without a figure."""
    s = shares(sup, dest, form, p)
    known = [(s[i], D.CODES[i]) for i in range(D.NP) if not np.isnan(s[i]) and i != dest]
    known.sort(key=lambda x: -x[0])
    unknown = [D.CODES[i] for i in range(D.NP) if np.isnan(s[i]) and i != dest]
    return known, unknown


def rank_of(sup, dest, form, p, code):
    known, _ = ranking(sup, dest, form, p)
    for r, (_, c) in enumerate(known, 1):
        if c == code:
            return r
    return None


def flows(sup: D.Supply, form: Form, p: dict) -> np.ndarray:
    """Expected flows T[o, d] in tons: each destination's deficit split by S(o|d)."""
    T = np.zeros((D.NP, D.NP))
    for d in range(D.NP):
        dt = deficit_tons(sup, d)
        if not dt:
            continue
        s = np.nan_to_num(shares(sup, d, form, p))
        T[:, d] = s * dt
    return T
