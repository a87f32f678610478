"""Print the markdown tables used in REPORT.md from results/*.json."""
import json
import sys

import supply_data as D

R = json.load(open("results/fit_matched.json"))
FORM = sys.argv[1] if len(sys.argv) > 1 else "A4 exp+island cap r<=4"


def fmt(pairs):
    return ", ".join(f"{D.ABBR[c] if c in D.ABBR else c} {v:.2f}" for c, v in pairs)


def nm(codes):
    return "+".join(D.ABBR[c] for c in codes.split("+"))


print("| form | params | loss | main first: in-sample | LOO | leave-group-out | newest tables | LOO share MAE |")
print("|---|---|---|---|---|---|---|---|")
for name, f in R["forms"].items():
    ps = ", ".join(f"{k}={v:.3g}" for k, v in f["params"].items())
    print(f"| {name} | {ps} | {f['loss']:.3f} | {f['main_first_in_sample']}/{f['n']} | {f['main_first_loo']}/{f['n']} | "
          f"{f.get('main_first_logo', '-')}/{f['n']} | {f['product_view_first']}/{f['n']} | {f['loo_share_mae']:.3f} |")
print()
f = R["forms"][FORM]
print(f"Per statement, form {FORM}:")
print()
print("| id | commodity → dest (table) | main | rank in-sample | rank LOO | rank LOGO | rank newest tables | LOO predicted top 3 | stated shares | LOO predicted shares | LOO params (γ, b, c_sea) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
logo = {r["id"]: r for r in f["logo"]}
newest = {r["id"]: r for r in f["product_view"]}
for a, b in zip(f["in_sample"], f["loo"]):
    stated = "; ".join(f"{nm(c)} {v:.3g}" for c, v in b["stated"]) or "–"
    pred = "; ".join(f"{nm(c)} {v:.3f}" for c, v in b["predicted"]) or f"main {b['share_of_main']:.3f}"
    pp = b["params"]
    print(f"| {a['id']} | {a['commodity']} → {D.ABBR[a['destination']]} ({a['table_year']}) | {D.ABBR[a['main']]} | "
          f"{a['rank_of_main']} | {b['rank_of_main']} | {logo[a['id']]['rank_of_main']} | {newest[a['id']]['rank_of_main']} (tbl {newest[a['id']]['table_year']}) | "
          f"{fmt(b['predicted_top3'])} | {stated} | {pred} | {pp.get('gamma', 0):.2f}, {pp.get('b_per_1000km', 0):.2f}, {pp.get('c_sea', 0):.2f} |")
