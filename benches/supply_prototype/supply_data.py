"""Reference data for the supply-model prototype: provinces, distances, islands, and one
production table per commodity with a status per province.

Reads only ../shared/data from the project root (read-only). Every figure keeps its source; nothing is estimated
except where flagged (`allocated` Papua splits, the GKG->beras factor, proxies).
"""
from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
CATALOG = ROOT / "fixtures" / "commodities.csv"

# --- provinces -------------------------------------------------------------------------------

with open(DATA / "provinces.csv", newline="", encoding="utf-8") as f:
    PROVINCES = list(csv.DictReader(f))
CODES = [p["code"] for p in PROVINCES]
IX = {c: i for i, c in enumerate(CODES)}
NP = len(CODES)
POP = np.array([float(p["population"]) for p in PROVINCES])
LAT = np.array([float(p["lat"]) for p in PROVINCES])
LON = np.array([float(p["lon"]) for p in PROVINCES])
GROUP = [p["island_group"] for p in PROVINCES]
NAME = {p["code"]: p["name"] for p in PROVINCES}
ABBR = {p["code"]: (p["abbrev"] or p["name"]) for p in PROVINCES}

# The island a capital stands on. jalin's island_group puts Kepri and Babel with Sumatra, Bali,
# NTB and NTT together, Maluku with Maluku Utara: each of those is a sea crossing in reality.
ISLAND = {}
for c in CODES:
    if c in ("19",):
        ISLAND[c] = "Bangka-Belitung"
    elif c == "21":
        ISLAND[c] = "Riau Islands"
    elif c[0] in "12":
        ISLAND[c] = "Sumatra"
    elif c[0] == "3":
        ISLAND[c] = "Java"
    elif c == "51":
        ISLAND[c] = "Bali"
    elif c == "52":
        ISLAND[c] = "Lombok-Sumbawa"
    elif c == "53":
        ISLAND[c] = "Timor-Flores"
    elif c[0] == "6":
        ISLAND[c] = "Borneo"
    elif c[0] == "7":
        ISLAND[c] = "Sulawesi"
    elif c == "81":
        ISLAND[c] = "Ambon-Seram"
    elif c == "82":
        ISLAND[c] = "Halmahera"
    else:
        ISLAND[c] = "New Guinea"


def haversine_km(lat1, lon1, lat2, lon2):
    """Same formula and radius as jalin's reference::haversine_km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


DIST = np.array([[haversine_km(LAT[a], LON[a], LAT[b], LON[b]) for b in range(NP)] for a in range(NP)])
CROSS_GROUP = np.array([[float(GROUP[a] != GROUP[b]) for b in range(NP)] for a in range(NP)])
CROSS_ISLAND = np.array(
    [[float(ISLAND[CODES[a]] != ISLAND[CODES[b]]) for b in range(NP)] for a in range(NP)]
)

# --- catalog ---------------------------------------------------------------------------------

with open(CATALOG, newline="", encoding="utf-8") as f:
    CATALOG_ROWS = {r["key"]: r for r in csv.DictReader(f)}


def perishability(shelf_life_days: float) -> float:
    """jalin's score::perishability: a week or less 1, a year or more 0, log-linear between."""
    d = max(shelf_life_days, 1.0)
    return min(max(1.0 - math.log(d / 7.0) / math.log(365.0 / 7.0), 0.0), 1.0)


# --- production tables -----------------------------------------------------------------------

# National totals stated by a source for partial tables (production_more/NOTES.md). A partial
# table without one gets no consumption proxy: its surplus/deficit is unknown.
STATED_NATIONAL = {
    ("telur_ayam_ras", 2024): (6_342_705.0, "national total stated by the source (mensdaily.id), NOTES.md"),
    ("susu_segar", 2023): (837_223.0, "national total stated by databoks/haloblitar, NOTES.md"),
    ("ubi_kayu", 2019): (19_301_588.0, "national total stated by taninews (Kementan 2019), NOTES.md"),
    ("rumput_laut", 2020): (5_010_000.0, "BPS 2020 national 5.01 Mt (rounded), NOTES.md"),
}

PRE_SPLIT = {"91": ["91", "93", "94", "95"], "92": ["92", "96"]}
NEW_PAPUA = {"93", "94", "95", "96"}


@dataclass
class Table:
    key: str  # production key as in the data (padi_gkg, tebu_gula, ...)
    year: int
    coverage: str  # full | partial
    tons: np.ndarray  # per province, NaN where unknown
    status: list  # measured | zero | absent_zero | allocated | unknown
    national: float | None
    national_basis: str
    source: str
    notes: list = field(default_factory=list)

    @property
    def per_head(self) -> float | None:
        return None if self.national is None else self.national / POP.sum()

    def consumption(self) -> np.ndarray | None:
        """Population x national production per head (the consumption proxy)."""
        ph = self.per_head
        return None if ph is None else POP * ph


def _read_rows():
    rows = []
    with open(DATA / "commodity_production.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            r = dict(r)
            r["file"] = "commodity_production.csv"
            rows.append(r)
    with open(DATA / "production_more" / "production_more.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            r = dict(r)
            r["file"] = "production_more.csv"
            rows.append(r)
    return rows


def _build_tables():
    groups = defaultdict(list)
    for r in _read_rows():
        groups[(r["commodity"], int(r["year"]))].append(r)
    # The 2023 kakao single-row gap fill and 2022 DKP fisheries are superseded below anyway.
    tables = {}
    for (key, year), rows in groups.items():
        codes = {r["province_code"] for r in rows}
        cov = rows[0].get("coverage") or ("full" if len(rows) >= 33 else "partial")
        if key == "kakao" and year == 2023:
            cov = "full"  # 37 rows + the Babel gap fill in production_more
        if key == "perikanan_tangkap" and year == 2022:
            cov = "partial"
        tons = np.full(NP, np.nan)
        status = ["unknown"] * NP
        for r in rows:
            i = IX[r["province_code"]]
            tons[i] = float(r["tons"])
            status[i] = "measured" if tons[i] > 0 else "zero"
        notes = []
        layout34 = cov == "full" and not (codes & NEW_PAPUA)
        if layout34:
            # 34-province layout: 91 and 92 stand for the pre-split territory. Spread each over
            # its successors by population (flagged `allocated`; not a statistic).
            for old, members in PRE_SPLIT.items():
                if old not in codes:
                    continue
                total = tons[IX[old]]
                w = np.array([POP[IX[m]] for m in members])
                for m, share in zip(members, w / w.sum()):
                    tons[IX[m]] = total * share
                    status[IX[m]] = "allocated" if total > 0 else "zero"
            notes.append("34-province layout: 91/92 cover the pre-split territory, spread by population")
        if cov == "full":
            for i in range(NP):
                if status[i] == "unknown":
                    tons[i] = 0.0
                    status[i] = "absent_zero"
                    notes.append(f"{CODES[i]} absent from a full table, read as 0")
            national = float(np.nansum(tons))
            basis = "sum of a full table"
        else:
            national, basis = STATED_NATIONAL.get((key, year), (None, "no national total stated"))
        srcs = sorted({r["source"] for r in rows})
        tables[(key, year)] = Table(key, year, cov, tons, status, national, basis, srcs[0][:160], notes)
    return tables


ALL_TABLES = _build_tables()


def newest_table(key: str) -> Table | None:
    """The newest full table of a production key, else the newest partial one with at least
    three rows (one- or two-row tables cannot rank origins)."""
    cands = [t for (k, _), t in ALL_TABLES.items() if k == key]
    full = [t for t in cands if t.coverage == "full" and t.tons.size and (np.nansum(t.tons) > 0)]
    if full:
        return max(full, key=lambda t: t.year)
    part = [t for t in cands if sum(s != "unknown" for s in t.status) >= 3]
    return max(part, key=lambda t: t.year) if part else None


# GKG -> milled rice: Jatim beras 2024 (5.35 Mt, rounded) / Jatim padi_gkg 2024, both in the
# data. BPS's own 2024 conversion (30.62 Mt beras from 53.14 Mt GKG) is 0.576; same thing.
_padi = ALL_TABLES[("padi_gkg", 2024)]
GKG_TO_BERAS = ALL_TABLES[("beras", 2024)].tons[IX["35"]] / _padi.tons[IX["35"]]


def derived_beras() -> Table:
    t = _padi
    return Table(
        "beras(padi_gkg x %.4f)" % GKG_TO_BERAS,
        t.year,
        "full",
        t.tons * GKG_TO_BERAS,
        list(t.status),
        t.national * GKG_TO_BERAS,
        "sum of the full padi table x GKG->beras factor",
        t.source,
        ["beras from padi GKG x %.4f (Jatim beras/padi 2024); the 1-row beras table is not used for the national figure" % GKG_TO_BERAS],
    )


# Catalog key -> production key (same product).
DIRECT = {
    "padi": "padi_gkg",
    "jagung": "jagung",
    "bawang_merah": "bawang_merah",
    "bawang_putih": "bawang_putih",
    "cabai_rawit": "cabai_rawit",
    "cabai_besar": "cabai_besar",
    "tomat": "tomat",
    "kentang": "kentang",
    "kubis": "kubis",
    "wortel": "wortel",
    "kelapa": "kelapa",
    "kelapa_sawit": "kelapa_sawit",
    "kopi": "kopi",
    "kakao": "kakao",
    "karet": "karet",
    "teh": "teh",
    "tembakau": "tembakau",
    "gula": "tebu_gula",  # BPS 'Tebu' column = gula hablur = white crystal sugar
    "perikanan_tangkap": "perikanan_tangkap",
    "telur_ayam": "telur_ayam_ras",
    "susu": "susu_segar",
    "daging_sapi": "daging_sapi",
    "rumput_laut": "rumput_laut",
    "ubi_kayu": "ubi_kayu",
}

# Production keys not in today's catalog (issue 15 asks to add them).
NEW_KEYS = [
    "bawang_daun", "kembang_kol", "sawi", "kacang_panjang", "terung", "buncis", "ketimun",
    "labu_siam", "kangkung", "bayam", "melinjo", "paprika", "jamur", "petai", "jengkol", "nanas",
    "daging_kerbau",
]

# Input proxies: a processed good whose supply geography follows one raw input. Declared from
# what the good is made of, before looking at any evaluation; flagged `proxy` wherever shown.
PROXY = {
    "tebu": ("tebu_gula", "cane is milled where it grows; sugar output locates cane"),
    "molases": ("tebu_gula", "by-product of the same sugar mills"),
    "rokok": ("tembakau", "kretek is made mainly where leaf tobacco is grown (Jatim, Jateng, NTB)"),
    "cerutu": ("tembakau", "cigars: leaf tobacco (Jember)"),
    "kopi_olahan": ("kopi", "roasted coffee from green coffee"),
    "kopra": ("kelapa", "the BPS kelapa column is copra-equivalent"),
    "minyak_goreng": ("kelapa_sawit", "palm olein is refined from CPO"),
    "sapi": ("daging_sapi", "beef is slaughtered where cattle are raised (partial table)"),
    "katul": ("padi_gkg", "rice bran is a by-product of milling paddy"),
    "pakan_ternak": ("jagung", "maize is about half of compound poultry feed"),
    "ikan_segar": ("perikanan_tangkap", "fresh fish = capture landings"),
    "tuna": ("perikanan_tangkap_laut", "tuna/skipjack are marine capture"),
    "ikan_beku": ("perikanan_tangkap", "frozen at the landing ports"),
    "olahan_perikanan": ("perikanan_tangkap", "processed near the landing ports"),
    "tepung_tapioka": ("ubi_kayu", "tapioca is milled from cassava (partial table)"),
}


@dataclass
class Supply:
    """What the model needs for one catalog commodity."""
    key: str
    table: Table
    kind: str  # direct | proxy | new
    shelf_life_days: float
    unit: str
    proxy_note: str = ""


def supply_table(key: str) -> Supply | None:
    cat = CATALOG_ROWS.get(key)
    shelf = float(cat["shelf_life_days"]) if cat else 30.0
    unit = cat["unit"] if cat else "ton"
    if key == "beras":
        return Supply(key, derived_beras(), "direct", shelf, unit)
    if key in DIRECT:
        t = newest_table(DIRECT[key])
        return Supply(key, t, "direct", shelf, unit) if t else None
    if key in PROXY:
        src, why = PROXY[key]
        t = newest_table(src)
        return Supply(key, t, "proxy", shelf, unit, why) if t else None
    if key in NEW_KEYS:
        t = newest_table(key)
        # shelf life for the new vegetables: 14 days (not in the catalog yet); buffalo meat 7
        return Supply(key, t, "new", 7.0 if key == "daging_kerbau" else 14.0, "ton") if t else None
    return None


def combined(keys: list[str]) -> Supply:
    """Sum of several full tables (e.g. both chilies for a generic 'cabai')."""
    parts = [supply_table(k) for k in keys]
    tons = sum(p.table.tons for p in parts)
    status = ["measured" if x > 0 else "zero" for x in tons]
    nat = sum(p.table.national for p in parts)
    t = Table("+".join(p.table.key for p in parts), max(p.table.year for p in parts), "full", tons,
              status, nat, "sum of full tables", "; ".join(p.table.source for p in parts))
    return Supply("+".join(keys), t, "direct", min(p.shelf_life_days for p in parts), "ton")
