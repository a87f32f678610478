"""Checks of the fitted model against the statements not used in the fit, the product view
(newest tables) of the fitted statements, and the issue's worked examples.
Writes results/checks.json and prints a summary."""
import json

import numpy as np

import fit as F
import supply_data as D
import supply_model as M

FORM = M.Form("A4 exp+island cap r<=4", "exp", "island", r_cap=4.0)


def params():
    r = json.load(open(F.OUT / "fit_matched.json"))
    return r["forms"][FORM.name]["params"]  # A4: exp distance, island crossing, r capped at 4


def top(sup, dest, p, n=6):
    known, unknown = M.ranking(sup, D.IX[dest], FORM, p)
    t = sup.table
    out = []
    for s, c in known[:n]:
        i = D.IX[c]
        C = t.consumption()
        out.append({
            "origin": c, "name": D.ABBR[c], "share": round(float(s), 3),
            "tons": round(float(t.tons[i])), "status": t.status[i],
            "self_ratio": None if C is None else round(float(t.tons[i] / C[i]), 2),
            "km": round(float(D.DIST[i, D.IX[dest]])),
            "sea": bool(D.CROSS_ISLAND[i, D.IX[dest]]),
        })
    return out, unknown


def main():
    p = params()
    res = {"params": p}
    # Product view: the fitted statements against the newest tables only.
    prod = []
    for st in F.load_statements("newest"):
        ev = F.evaluate(st, FORM, p)
        prod.append({k: ev[k] for k in ("id", "commodity", "table_year", "destination", "main",
                                        "rank_of_main", "predicted_top3")})
    res["product_view_newest_tables"] = prod
    # F06: generic 'cabai' into DKI, named set vs top-6 of both chilies combined.
    chili = D.combined(["cabai_besar", "cabai_rawit"])
    t6, _ = top(chili, "31", p, 6)
    named = ["33", "34", "35", "32", "51", "73"]
    res["F06"] = {"top6": t6, "named": named,
                  "named_in_top6": sorted(set(named) & {r["origin"] for r in t6})}
    # F19: Sulsel's rice outflow to provinces outside Sulawesi; share going to DKI.
    beras = D.supply_table("beras")
    T = M.flows(beras, FORM, p)
    o = D.IX["73"]
    outside = [j for j in range(D.NP) if D.ISLAND[D.CODES[j]] != "Sulawesi"]
    tot = T[o, outside].sum()
    dests = sorted(((T[o, j] / tot, D.CODES[j]) for j in outside), reverse=True)[:6]
    res["F19"] = {"stated_dki_share": 0.33,
                  "model_dki_share": round(float(T[o, D.IX["31"]] / tot), 3),
                  "model_top_destinations": [(c, round(float(s), 3)) for s, c in dests],
                  "model_sulsel_outflow_kt": round(float(T[o].sum() / 1000)),
                  "sulsel_surplus_kt": round(float((beras.table.tons[o] - beras.table.consumption()[o]) / 1000))}
    # F20: Riau's self-supply of red chili with the 2021 and 2023 tables.
    f20 = {}
    for year in (2021, 2023):
        sup = F.supply_for("cabai_besar", year, "matched")
        f20[year] = {"riau_tons": round(float(sup.table.tons[D.IX["14"]])),
                     "proxy_need_tons": round(float(sup.table.consumption()[D.IX["14"]])),
                     "deficit_fraction": round(1 - M.self_supply(sup, D.IX["14"]), 3)}
    res["F20_deficit"] = {"stated": {"need_t": 29193, "deficit_t": 15096, "deficit_fraction": 0.5171},
                          "model": f20}
    # F29/F30: eggs into DKI.
    egg = D.supply_table("telur_ayam")
    s = M.shares(egg, D.IX["31"], FORM, p)
    dki_cons_proxy = float(egg.table.consumption()[D.IX["31"]])
    t_egg, unk = top(egg, "31", p, 5)
    res["F29_F30"] = {
        "dki_status_in_table": egg.table.status[D.IX["31"]],
        "dki_self_supply_model": M.self_supply(egg, D.IX["31"]),
        "dki_consumption_proxy_t": round(dki_cons_proxy),
        "dki_consumption_stated_2020_t": 88160,
        "proxy_over_stated": round(dki_cons_proxy / 88160, 2),
        "jatim_share_of_dki_purchases": round(float(s[D.IX["35"]]), 3),
        "blitar_lower_bound": [round(5 * 365 / 88160, 3), round(10 * 365 / 88160, 3)],
        "top5": t_egg, "unranked_no_figure": len(unk),
    }
    # F31: eggs into the eastern provinces (assumed set).
    f31 = {}
    for d in ["81", "82", "91", "92", "93", "94", "95", "96"]:
        tt, _ = top(egg, d, p, 3)
        f31[d] = [(r["origin"], r["share"]) for r in tt]
    res["F31"] = f31
    # The worked examples.
    ex = {}
    for key, dest in [("bawang_merah", "36"), ("beras", "31"), ("cabai_rawit", "31"),
                      ("cabai_besar", "14"), ("cabai_besar", "21"), ("telur_ayam", "63"),
                      ("gula", "31"), ("jagung", "73"), ("beras", "81")]:
        sup = D.supply_table(key)
        tt, unk = top(sup, dest, p, 6)
        self_ = M.self_supply(sup, D.IX[dest])
        ex[f"{key}->{dest}"] = {"table": f"{sup.table.key} {sup.table.year} {sup.table.coverage}",
                               "dest_self_supply": None if self_ is None else round(self_, 3),
                               "top": tt, "no_figure": unk}
    res["examples"] = ex
    json.dump(res, open(F.OUT / "checks.json", "w"), indent=1, default=str)
    print(json.dumps({k: v for k, v in res.items() if k != "examples"}, indent=1, default=str))
    for k, v in ex.items():
        print(k, v["table"], "self", v["dest_self_supply"])
        for r in v["top"]:
            print("   ", r)
        if v["no_figure"]:
            print("    no figure:", len(v["no_figure"]))


if __name__ == "__main__":
    main()
