"""Corridor check: of the commodities East Java really sold on its missions, what fraction is
in a top-15 'what should East Java bring to province X' list from the supply model.

Mission goods -> catalog keys are jalin's own mapping (src/generate/tables/missions.rs, the
`sells` lists), copied here verbatim. Writes results/corridors.json and prints a summary.
"""
import json

import numpy as np

import checks as CH
import fit as F
import supply_data as D
import supply_model as M

FORM = CH.FORM
J = D.IX["35"]
TOP = 15

MISSIONS = {
    ("2022-12-14", "62"): ["daging_sapi", "rokok", "beras", "pakan_ikan"],
    ("2023-09-11", "36"): ["pakan_ikan", "rumput_laut", "daging_sapi", "benih", "rokok", "semen", "bata_ringan", "kopi", "daging_ayam", "beras", "mebel"],
    ("2025-05-08", "64"): ["pakan_ikan", "makanan_ringan", "tekstil", "telur_ayam", "sapi", "daging_ayam", "olahan_perikanan", "rokok", "bumbu", "mesin_peralatan"],
    ("2025-09-17", "63"): ["telur_ayam", "daging_ayam", "sapi", "kambing", "kopi", "mesin_peralatan", "pakan_ikan", "pakan_ternak", "apel", "jeruk", "rokok", "bumbu", "pupuk", "tekstil", "besi_baja", "benih", "gula_merah", "minyak_goreng"],
    ("2025-09-29", "16"): ["olahan_daging", "susu", "daging_ayam", "rokok", "ikan_beku", "gula_merah", "beras", "makanan_ringan", "fillet_dori", "mesin_peralatan", "sepatu", "produk_kebersihan", "benih"],
    ("2025-10-18", "72"): ["semen", "besi_baja", "benih", "susu", "olahan_daging", "pakan_ikan"],
    ("2026-01-29", "33"): ["rokok", "beras", "kopi", "molases", "pakan_ikan", "benih", "olahan_perikanan", "daging_ayam", "daging_sapi", "susu", "gula", "doc_ayam", "fillet_dori", "sapi", "jagung", "tekstil", "veneer", "pupuk_organik"],
    ("2026-03-02", "31"): ["daging_ayam", "doc_ayam", "ayam_hidup", "kopi", "fillet_dori", "olahan_perikanan", "olahan_daging", "susu", "telur_ayam", "gula", "pakan_ikan", "rokok", "tekstil", "sambal", "kecap", "bumbu", "makanan_ringan", "batik", "kayu", "ikan_hias", "cerutu", "domba"],
}


def candidates(include_proxy=True, include_new=True):
    keys = list(D.CATALOG_ROWS)
    if include_new:
        keys += D.NEW_KEYS
    out = {}
    for k in keys:
        sup = D.supply_table(k)
        if sup is None:
            continue
        if sup.kind == "proxy" and not include_proxy:
            continue
        out[k] = sup
    return out


def estimated_self_supply(sup, d):
    """Own production over the consumption proxy; for a destination missing from a partial
    table with a stated national total, the unlisted provinces' residual spread by population
    (flagged `estimated`). None when nothing is known."""
    s = M.self_supply(sup, d)
    if s is not None:
        return s, "measured"
    t = sup.table
    if t.national is None:
        return None, "unknown"
    unknown = np.array([st == "unknown" for st in t.status])
    resid = t.national - np.nansum(np.where(unknown, 0.0, t.tons))
    per_head = resid / D.POP[unknown].sum()
    return float(min(1.0, per_head / t.per_head)), "estimated"


def corridor(dest_code, cands, p, score="share"):
    d = D.IX[dest_code]
    rows = []
    for k, sup in cands.items():
        t = sup.table
        if t.status[J] not in M.RANKABLE:  # East Java has no figure: not ranked
            continue
        s = M.shares(sup, d, FORM, p)
        sj = float(np.nan_to_num(s[J]))
        self_, basis = estimated_self_supply(sup, d)
        deficit_frac = 0.5 if self_ is None else 1.0 - self_  # unknown: neutral
        C = t.consumption()
        deficit_t = None if (self_ is None or C is None) else deficit_frac * C[d]
        lq_j = t.tons[J] / C[J] if C is not None else None
        lq_d = (t.tons[d] / C[d]) if (C is not None and t.status[d] != "unknown") else None
        if score == "share":  # East Java's expected share of what d consumes
            v = deficit_frac * sj
        elif score == "volume":  # expected tons East Java sells to d
            v = (deficit_t or 0.0) * sj
        elif score == "lq":  # today's idea: seller LQ over buyer LQ (log), no distance
            tj = 0.0 if lq_j is None else np.clip(np.log(max(lq_j, 1 / 64)) / np.log(8), -1, 1)
            td = 0.0 if lq_d is None else np.clip(np.log(max(lq_d, 1 / 64)) / np.log(8), -1, 1)
            v = tj - td
        rows.append({"commodity": k, "kind": sup.kind, "score": v, "jatim_share": round(sj, 3),
                     "dest_self_supply": None if self_ is None else round(self_, 3),
                     "self_basis": basis,
                     "deficit_t": None if deficit_t is None else round(deficit_t)})
    rows.sort(key=lambda r: (-r["score"], r["commodity"]))
    return rows


def evaluate(p, score, include_proxy=True, include_new=True):
    cands = candidates(include_proxy, include_new)
    per = []
    hit_total = sold_total = covered_total = 0
    for (date, dest), sold in MISSIONS.items():
        rows = corridor(dest, cands, p, score)
        top = [r["commodity"] for r in rows[:TOP]]
        hits = [k for k in sold if k in top]
        ranked = {r["commodity"] for r in rows}
        covered = [k for k in sold if k in ranked]
        per.append({"mission": date, "to": dest, "sold": len(sold), "covered": len(covered),
                    "hits": hits, "recall": round(len(hits) / len(sold), 3),
                    "top15": [(r["commodity"], round(r["score"], 4), r["kind"]) for r in rows[:TOP]],
                    "missed_ranked": [(k, [r["commodity"] for r in rows].index(k) + 1)
                                      for k in covered if k not in top]})
        hit_total += len(hits)
        sold_total += len(sold)
        covered_total += len(covered)
    return {"score": score, "proxies": include_proxy, "new_keys": include_new,
            "candidates": len(cands), "recall": round(hit_total / sold_total, 3),
            "hits": hit_total, "sold": sold_total, "ceiling": round(covered_total / sold_total, 3),
            "covered": covered_total,
            "macro_recall": round(float(np.mean([m["recall"] for m in per])), 3), "missions": per}


def main():
    p = CH.params()
    out = []
    for score in ("share", "volume", "lq"):
        for proxy, new in ((False, True), (True, True), (True, False)):
            r = evaluate(p, score, proxy, new)
            out.append(r)
            print(f"score={score:6s} proxies={proxy!s:5s} new_keys={new!s:5s} candidates={r['candidates']:3d} "
                  f"recall@15={r['recall']:.3f} ({r['hits']}/{r['sold']}) macro={r['macro_recall']:.3f} "
                  f"ceiling={r['ceiling']:.3f} ({r['covered']}/{r['sold']})")
    json.dump(out, open(F.OUT / "corridors.json", "w"), indent=1, default=str)
    best = [r for r in out if r["score"] == "share" and r["proxies"] and r["new_keys"]][0]
    for m in best["missions"]:
        print(m["mission"], m["to"], "recall", m["recall"], "hits", m["hits"], "missed-but-ranked", m["missed_ranked"])
        print("    top15:", [c for c, _, _ in m["top15"]])
    sold = [k for v in MISSIONS.values() for k in v]
    cands = candidates(True, True)
    from collections import Counter
    print("sold, no figure:", Counter(k for k in sold if k not in cands or cands[k].table.status[J] not in M.RANKABLE).most_common())


if __name__ == "__main__":
    main()
