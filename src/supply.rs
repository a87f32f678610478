//! The supply model: for a commodity and a buying province, every other province's expected
//! share of what the buyer brings in, and the figures behind it (volume, surplus, distance,
//! sea crossing, source and year).
//!
//! Pure, built once when the reference data loads (`Reference::from_csv`): every share is a
//! table lookup on the ranking path.
//!
//! **The form** is a destination-constrained gravity (spatial-interaction) model, the
//! classical description of where a place buys its goods (Huff 1963, Wilson 1971, Anderson
//! & van Wincoop 2003):
//!
//! ```text
//! S(o | d, c) = M(o,c) · exp(−b·km(o,d)/1000 − c_sea·[o, d on different islands])  / Σ_o'≠d (same)
//! M(o,c)      = P(o,c) · min(r(o,c), r_cap)^γ,     r = P / C,   C = population · national P per head
//! ```
//!
//! `P` is the province's production (the newest full BPS table, or a partial one with a
//! stated national total), `r` its self-sufficiency ratio (the location quotient), so the
//! mass grows with the volume a province has *and* with how much of it is free to leave.
//! The destination covers its own consumption first (`self = min(1, P_d / C_d)`); `S`
//! splits what it buys. The parameters were fitted to the real statements of
//! `../shared/data/trade_flows_train.csv` (benches/supply_prototype/REPORT.md: leave-one-out
//! 8 of 9 main origins first; why this form and not others is argued there).
//!
//! **Unknown is unknown.** A province missing from a partial table has no share (`None`),
//! never a neutral one; the scorer places it at the lowest measured origin's level and says
//! "no production figure". A partial table gives a national figure only when its source
//! states one (`fixtures/national_totals.csv`): the sum of its rows would inflate every
//! quotient. A province missing from a full table produced nothing.
//!
//! Tables in the 34-province layout (before Papua's 2022 split) have rows for 91 and 92 that
//! cover the old territory; their figures are spread over the successor provinces by
//! population and marked [`Figure::Allocated`].

use serde::Serialize;
use utoipa::ToSchema;

use crate::reference::{CommodityIx, ProductionRow, Province, ProvinceIx};

/// The model's parameters (fitted; see the module comment).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct SupplyParams {
    /// Elasticity of the mass in the self-sufficiency ratio.
    pub gamma: f64,
    /// Cost per 1,000 km between capitals (a share halves every `ln 2 / b · 1000` km).
    pub b_per_1000km: f64,
    /// Fixed cost of a sea crossing (×`exp(−c_sea)`).
    pub c_sea: f64,
    /// The self-sufficiency ratio is capped here: beyond the calibration range.
    pub r_cap: f64,
}

/// Form A4 of benches/supply_prototype/REPORT.md §5, fitted on the statements' matching
/// vintages: γ = 2.84, b = 6.80 per 1,000 km, c_sea = 2.04, r ≤ 4.
pub const PARAMS: SupplyParams = SupplyParams {
    gamma: 2.84,
    b_per_1000km: 6.80,
    c_sea: 2.04,
    r_cap: 4.0,
};

/// What is known of one province in one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// A positive figure from the table.
    Measured,
    /// Zero: stated by the source, or absent from a table that covers every province.
    Zero,
    /// Spread by population from a pre-split Papua figure (not a statistic of its own).
    Allocated,
    /// Not in a partial table: nothing is known.
    Unknown,
}

/// How a catalog commodity relates to the table it is measured by (`fixtures/supply.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The commodity's own table.
    Direct,
    /// The same product under another table key.
    Same,
    /// Converted from another product's table by a factor (milled rice from paddy).
    Derived,
    /// Located by its main input (cigarettes by leaf tobacco): an estimate, flagged so.
    Proxy,
    /// No table of its own: measured by its nearest KBKI ancestor's table (`stand_in`).
    Ancestor,
}

/// The production table a commodity is measured by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Table {
    /// The table's key in `fixtures/production.csv`.
    pub key: String,
    pub year: u32,
    /// `full` or `partial`.
    pub coverage: String,
    /// The national figure in tons (of the commodity, after `factor`), when known.
    pub national_t: Option<f64>,
    /// Where the national figure comes from.
    pub national_basis: String,
    pub basis: Basis,
    /// Tons of the commodity per ton in the table.
    pub factor: f64,
    /// Why the table stands for the commodity (for `same`, `derived`, `proxy`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The same in Indonesian.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note_id: String,
    /// The table's source as `fixtures/production.csv` records it.
    pub source: String,
    /// Provinces with a figure (measured, zero or allocated).
    pub provinces_known: usize,
    /// Provinces with a positive figure of their own (not allocated).
    pub provinces_measured: usize,
}

/// One commodity's supply: figures per province and the shares of every (origin,
/// destination) pair.
#[derive(Debug, Clone)]
pub struct CommoditySupply {
    pub table: Table,
    /// Tons per province (of the commodity); `None` where unknown.
    tons: Vec<Option<f64>>,
    figure: Vec<Figure>,
    /// Population × national per head; `None` without a national figure.
    consumption: Option<Vec<f64>>,
    /// `S(o | d)` at `[d * np + o]`; NaN where the origin is unknown; 0 on the diagonal.
    share: Vec<f32>,
    np: usize,
}

impl CommoditySupply {
    pub fn tons(&self, p: ProvinceIx) -> Option<f64> {
        self.tons.get(p).copied().flatten()
    }

    pub fn figure(&self, p: ProvinceIx) -> Figure {
        self.figure.get(p).copied().unwrap_or(Figure::Unknown)
    }

    /// What the province consumes on the national per-head figure.
    pub fn consumption(&self, p: ProvinceIx) -> Option<f64> {
        self.consumption.as_ref()?.get(p).copied()
    }

    /// Production over consumption (the location quotient), when both are known.
    pub fn ratio(&self, p: ProvinceIx) -> Option<f64> {
        let c = self.consumption(p)?;
        (c > 0.0).then_some(self.tons(p)? / c)
    }

    /// The part of its own consumption a province covers itself, in [0, 1].
    pub fn self_supply(&self, d: ProvinceIx) -> Option<f64> {
        Some(self.ratio(d)?.min(1.0))
    }

    /// Tons a year the province buys from elsewhere (consumption minus production, ≥ 0).
    pub fn deficit_t(&self, d: ProvinceIx) -> Option<f64> {
        Some((self.consumption(d)? - self.tons(d)?).max(0.0))
    }

    /// `S(o | d)`: the expected share of origin `o` in what `d` buys from other provinces;
    /// `None` where `o` has no figure, 0 for `o == d`.
    pub fn share(&self, o: ProvinceIx, d: ProvinceIx) -> Option<f64> {
        let s = *self.share.get(d * self.np + o)?;
        (!s.is_nan()).then_some(f64::from(s))
    }

    /// Origins with a figure and a positive share for destination `d`, largest first.
    pub fn origins(&self, d: ProvinceIx) -> Vec<(ProvinceIx, f64)> {
        let mut v: Vec<(ProvinceIx, f64)> = (0..self.np)
            .filter(|&o| o != d)
            .filter_map(|o| Some((o, self.share(o, d)?)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Provinces other than `d` with no figure in the table.
    pub fn unknown_origins(&self, d: ProvinceIx) -> Vec<ProvinceIx> {
        (0..self.np)
            .filter(|&o| o != d && self.figure(o) == Figure::Unknown)
            .collect()
    }

    /// The advantage feature's input for a pair: for `o ≠ d` the share `S(o | d)`, scaled
    /// by `d`'s deficit when `markets` (a seller asks where its goods are lacking and
    /// reachable); for `o == d`, the part `d` covers itself. `None` where unknown.
    pub fn pair_value(&self, o: ProvinceIx, d: ProvinceIx, markets: bool) -> Option<f64> {
        if o == d {
            return self.self_supply(d);
        }
        let s = self.share(o, d)?;
        if markets {
            Some(s * (1.0 - self.self_supply(d).unwrap_or(0.0)))
        } else {
            Some(s)
        }
    }
}

/// Scaled to the advantage feature: `1 + log10(x) / 2` in [−1, 1]: a province expected to
/// supply everything is +1, 10 % is +0.5, 1 % is 0, 0.01 % or less is −1.
pub fn value_term(x: f64) -> f32 {
    (1.0 + x.max(1e-4).log10() / 2.0).clamp(-1.0, 1.0) as f32
}

/// A row of `fixtures/supply.csv`: which table measures a commodity.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SupplyRow {
    pub commodity: String,
    pub table: String,
    pub factor: f64,
    pub kind: String,
    pub note: String,
    pub note_id: String,
}

/// A row of `fixtures/national_totals.csv`: a national figure a source states for a partial
/// table.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NationalRow {
    pub commodity: String,
    pub year: u32,
    pub tons: f64,
    pub source: String,
}

/// The island a province's capital stands on decides sea crossings.
fn crossing(provinces: &[Province], o: ProvinceIx, d: ProvinceIx) -> bool {
    provinces[o].island != provinces[d].island
}

/// The provinces created from Papua in 2022: absent from tables of the 34-province layout.
const NEW_PAPUA: [&str; 4] = ["93", "94", "95", "96"];
/// Pre-split province → its successors (itself included).
const PRE_SPLIT: [(&str, &[&str]); 2] = [("91", &["91", "93", "94", "95"]), ("92", &["92", "96"])];

/// Picks a table key's table: the newest full one with a positive total, else the newest
/// partial one with at least three provinces (fewer cannot rank origins).
fn choose_table<'a>(
    rows: &'a [ProductionRow],
    key: &str,
) -> Option<(u32, bool, Vec<&'a ProductionRow>)> {
    let mut years: Vec<(u32, bool)> = rows
        .iter()
        .filter(|r| r.commodity == key)
        .map(|r| (r.year, r.coverage == "full"))
        .collect();
    years.sort_unstable();
    years.dedup();
    let of = |year: u32, full: bool| -> Vec<&'a ProductionRow> {
        rows.iter()
            .filter(|r| r.commodity == key && r.year == year && (r.coverage == "full") == full)
            .collect()
    };
    let full = years
        .iter()
        .rev()
        .filter(|(_, f)| *f)
        .map(|&(y, _)| (y, of(y, true)))
        .find(|(_, t)| t.iter().map(|r| r.tons).sum::<f64>() > 0.0);
    if let Some((y, t)) = full {
        return Some((y, true, t));
    }
    years
        .iter()
        .rev()
        .map(|&(y, _)| (y, of(y, false)))
        .find(|(_, t)| t.len() >= 3)
        .map(|(y, t)| (y, false, t))
}

/// What the model is built from: the reference data as loaded.
pub struct Inputs<'a> {
    pub provinces: &'a [Province],
    pub province_ix: &'a dyn Fn(&str) -> Option<ProvinceIx>,
    pub distance_km: &'a dyn Fn(ProvinceIx, ProvinceIx) -> f32,
    pub production: &'a [ProductionRow],
    /// `fixtures/supply.csv`.
    pub mappings: &'a [SupplyRow],
    /// `fixtures/national_totals.csv`.
    pub national: &'a [NationalRow],
}

/// Builds one commodity's supply, or `None` when no table measures it.
fn build(inputs: &Inputs<'_>, key: &str, params: &SupplyParams) -> Option<CommoditySupply> {
    let Inputs {
        provinces,
        province_ix,
        distance_km,
        production,
        mappings,
        national,
    } = inputs;
    let mapping = mappings.iter().find(|r| r.commodity == key);
    let np = provinces.len();
    let (table_key, factor, basis, note, note_id) = match mapping {
        Some(m) => (
            m.table.as_str(),
            m.factor,
            match m.kind.as_str() {
                "same" => Basis::Same,
                "derived" => Basis::Derived,
                "ancestor" => Basis::Ancestor,
                _ => Basis::Proxy,
            },
            m.note.clone(),
            m.note_id.clone(),
        ),
        None => (key, 1.0, Basis::Direct, String::new(), String::new()),
    };
    let (year, full, rows) = choose_table(production, table_key)?;
    let mut tons: Vec<Option<f64>> = vec![None; np];
    let mut figure = vec![Figure::Unknown; np];
    for r in &rows {
        if let Some(p) = province_ix(&r.province_code) {
            tons[p] = Some(r.tons * factor);
            figure[p] = if r.tons > 0.0 {
                Figure::Measured
            } else {
                Figure::Zero
            };
        }
    }
    let has = |code: &str| rows.iter().any(|r| r.province_code == code);
    if full && !NEW_PAPUA.iter().any(|c| has(c)) {
        for (old, members) in PRE_SPLIT {
            let Some(total) = province_ix(old).and_then(|p| tons[p]) else {
                continue;
            };
            let ix: Vec<ProvinceIx> = members.iter().filter_map(|m| province_ix(m)).collect();
            let pop: f64 = ix.iter().map(|&p| provinces[p].population as f64).sum();
            if pop <= 0.0 {
                continue;
            }
            for p in ix {
                tons[p] = Some(total * provinces[p].population as f64 / pop);
                figure[p] = if total > 0.0 {
                    Figure::Allocated
                } else {
                    Figure::Zero
                };
            }
        }
    }
    if full {
        for p in 0..np {
            if figure[p] == Figure::Unknown {
                tons[p] = Some(0.0);
                figure[p] = Figure::Zero;
            }
        }
    }
    let (national_t, national_basis) = if full {
        (
            Some(tons.iter().flatten().sum::<f64>()),
            "sum of a table that covers every province".to_string(),
        )
    } else {
        match national
            .iter()
            .find(|n| n.commodity == table_key && n.year == year)
        {
            Some(n) => (
                Some(n.tons * factor),
                format!("stated by the source: {}", n.source),
            ),
            None => (
                None,
                "none: a partial table without a stated national total".to_string(),
            ),
        }
    };
    let total_pop: f64 = provinces.iter().map(|p| p.population as f64).sum();
    let consumption = national_t.filter(|n| *n > 0.0 && total_pop > 0.0).map(|n| {
        provinces
            .iter()
            .map(|p| p.population as f64 * n / total_pop)
            .collect::<Vec<f64>>()
    });
    // log M(o): production, times the capped self-sufficiency ratio to the γ.
    let log_mass: Vec<Option<f64>> = (0..np)
        .map(|o| {
            let t = tons[o]?;
            if t <= 0.0 {
                return Some(f64::NEG_INFINITY);
            }
            let mut m = t.ln();
            if let Some(c) = consumption.as_ref().map(|c| c[o]).filter(|c| *c > 0.0) {
                m += params.gamma * (t / c).min(params.r_cap).ln();
            }
            Some(m)
        })
        .collect();
    let mut share = vec![f32::NAN; np * np];
    for d in 0..np {
        let weights: Vec<Option<f64>> = (0..np)
            .map(|o| {
                if o == d {
                    return Some(f64::NEG_INFINITY);
                }
                let cost = params.b_per_1000km * f64::from(distance_km(o, d)) / 1000.0
                    + if crossing(provinces, o, d) {
                        params.c_sea
                    } else {
                        0.0
                    };
                Some(log_mass[o]? - cost)
            })
            .collect();
        let top = weights
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = if top.is_finite() {
            weights.iter().flatten().map(|w| (w - top).exp()).sum()
        } else {
            0.0
        };
        for o in 0..np {
            share[d * np + o] = match weights[o] {
                None => f32::NAN,
                Some(_) if o == d => 0.0,
                Some(w) if sum > 0.0 => ((w - top).exp() / sum) as f32,
                Some(_) => 0.0,
            };
        }
    }
    let source = rows.first().map(|r| r.source.clone()).unwrap_or_default();
    Some(CommoditySupply {
        table: Table {
            key: table_key.to_string(),
            year,
            coverage: if full { "full" } else { "partial" }.to_string(),
            national_t,
            national_basis,
            basis,
            factor,
            note,
            note_id,
            source,
            provinces_known: figure.iter().filter(|f| **f != Figure::Unknown).count(),
            provinces_measured: figure.iter().filter(|f| **f == Figure::Measured).count(),
        },
        tons,
        figure,
        consumption,
        share,
        np,
    })
}

/// The model for every catalog commodity (`None` where no table measures one).
#[derive(Debug, Clone)]
pub struct SupplyModel {
    pub params: SupplyParams,
    by_commodity: Vec<Option<CommoditySupply>>,
    terms: std::sync::Arc<AdvantageTerms>,
}

/// The advantage feature of every (commodity, destination, origin), both ways, ready for
/// the scorer: `[(c * np + d) * np + o]`, NaN where no table measures the commodity.
#[derive(Debug, Clone, Default)]
pub struct AdvantageTerms {
    /// A buyer in `d` looking for suppliers: [`value_term`] of `S(o | d)`.
    pub suppliers: Vec<f32>,
    /// A seller in `o` looking for markets: [`value_term`] of `(1 − self_d) · S(o | d)`.
    pub markets: Vec<f32>,
    pub np: usize,
}

impl AdvantageTerms {
    /// The term of a pair, `None` where the commodity has no supply model.
    pub fn get(&self, markets: bool, c: CommodityIx, o: ProvinceIx, d: ProvinceIx) -> Option<f32> {
        let v = if markets {
            &self.markets
        } else {
            &self.suppliers
        };
        let t = *v.get((c * self.np + d) * self.np + o)?;
        (!t.is_nan()).then_some(t)
    }
}

impl SupplyModel {
    /// The model of every commodity of the catalog, in catalog order.
    pub fn build<'k>(
        inputs: &Inputs<'_>,
        keys: impl Iterator<Item = &'k str>,
        params: SupplyParams,
    ) -> SupplyModel {
        let by_commodity = keys.map(|k| build(inputs, k, &params)).collect();
        SupplyModel::new(params, by_commodity)
    }

    fn new(params: SupplyParams, by_commodity: Vec<Option<CommoditySupply>>) -> SupplyModel {
        let np = by_commodity
            .iter()
            .flatten()
            .map(|s| s.np)
            .next()
            .unwrap_or(0);
        let nc = by_commodity.len();
        let mut terms = AdvantageTerms {
            suppliers: vec![f32::NAN; nc * np * np],
            markets: vec![f32::NAN; nc * np * np],
            np,
        };
        for (c, s) in by_commodity.iter().enumerate() {
            let Some(s) = s else { continue };
            for d in 0..np {
                for (markets, out) in [(false, &mut terms.suppliers), (true, &mut terms.markets)] {
                    let row: Vec<Option<f32>> = (0..np)
                        .map(|o| s.pair_value(o, d, markets).map(value_term))
                        .collect();
                    // An origin with no figure counts as the least-supplying measured one:
                    // never rewarded, never above a measured producer.
                    let floor = row
                        .iter()
                        .enumerate()
                        .filter(|(o, _)| {
                            *o != d && matches!(s.figure(*o), Figure::Measured | Figure::Allocated)
                        })
                        .filter_map(|(_, t)| *t)
                        .fold(f32::INFINITY, f32::min);
                    let floor = if floor.is_finite() { floor } else { 0.0 };
                    for (o, t) in row.into_iter().enumerate() {
                        out[(c * np + d) * np + o] = t.unwrap_or(floor);
                    }
                }
            }
        }
        SupplyModel {
            params,
            by_commodity,
            terms: std::sync::Arc::new(terms),
        }
    }

    pub fn of(&self, c: CommodityIx) -> Option<&CommoditySupply> {
        self.by_commodity.get(c)?.as_ref()
    }

    /// The advantage terms, shared with every scorer.
    pub fn terms(&self) -> std::sync::Arc<AdvantageTerms> {
        self.terms.clone()
    }
}

#[cfg(test)]
mod tests {
    use crate::reference::Reference;

    fn top(r: &Reference, key: &str, to: &str) -> Vec<(String, f64)> {
        let c = r.commodity(key).unwrap();
        let d = r.province(to).unwrap();
        r.supply(c)
            .unwrap()
            .origins(d)
            .into_iter()
            .take(5)
            .map(|(o, s)| (r.provinces[o].code.clone(), s))
            .collect()
    }

    #[test]
    fn the_issues_examples_come_out_as_trade_really_goes() {
        let r = Reference::embedded().unwrap();
        // (commodity, buyer, expected first origin, its least share)
        for (key, to, first, least) in [
            ("bawang_merah", "36", "33", 0.6), // Banten's shallots: Central Java
            ("beras", "31", "32", 0.5),        // Jakarta's rice: West Java (PIBC: 0.48–0.77)
            ("cabai_rawit", "31", "35", 0.5),  // Jakarta's bird's-eye chili: East Java
            ("cabai_besar", "14", "13", 0.5),  // Riau's red chili: West Sumatra
        ] {
            let got = top(&r, key, to);
            assert_eq!(got[0].0, first, "{key} → {to}: {got:?}");
            assert!(got[0].1 >= least, "{key} → {to}: {got:?}");
            let sum: f64 = r
                .supply(r.commodity(key).unwrap())
                .unwrap()
                .origins(r.province(to).unwrap())
                .iter()
                .map(|o| o.1)
                .sum();
            assert!((sum - 1.0).abs() < 1e-4, "shares sum to {sum}");
        }
    }

    #[test]
    fn partial_tables_never_stand_for_the_nation() {
        let r = Reference::embedded().unwrap();
        // Milled rice comes from the full paddy table, not the one-row beras table.
        let beras = r.supply(r.commodity("beras").unwrap()).unwrap();
        assert_eq!(beras.table.key, "padi");
        assert_eq!(beras.table.coverage, "full");
        let jatim = r.province("35").unwrap();
        let lq = r.advantage(jatim, r.commodity("beras").unwrap()).lq;
        assert!(
            (0.5..2.0).contains(&lq),
            "East Java's rice LQ {lq} (was 6.74)"
        );
        // Beef: a top-and-bottom-10 table with no stated total has no quotient at all.
        let beef = r.commodity("daging_sapi").unwrap();
        assert!(r.supply(beef).unwrap().table.national_t.is_none());
        assert_eq!(
            r.advantage(jatim, beef).source,
            crate::reference::AdvantageSource::Neutral
        );
        // East Java, the largest sugar producer, has its sugar figure.
        let gula = r.commodity("gula").unwrap();
        assert!(r.advantage(jatim, gula).lq > 2.0);
    }
}
