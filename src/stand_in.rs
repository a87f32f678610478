//! Stand-ins for the advantage of a commodity that no production table of its own measures
//! (#22): most of what small firms sell — snacks, feed, textiles, machines — has no BPS
//! production table by province.
//!
//! In order, the first that applies:
//! 1. **The nearest KBKI ancestor with a table.** A curated commodity whose KBKI code is the
//!    longest proper prefix of this one's and that a table measures lends its table (fish
//!    feed, KBKI 2331906, is measured as animal feed, 2331). [`ancestor_rows`] writes these as
//!    extra rows of `fixtures/supply.csv`, so the supply model, `/v1/supply`, `/v1/match` and
//!    `/v1/corridors` use them like any other mapping, flagged `ancestor` in the reasons.
//! 2. **Revealed advantage from deals** (Balassa's RCA over the stored deal network): not
//!    here, it changes with every deal; the scorer and corridors read it from `network`.
//! 3. **Manufacturing by province**, for manufactured goods only (KBKI sections 2–4: food
//!    products, textiles, other transportable goods, metal products and machinery): the
//!    province's real manufacturing GDP per head against the nation's
//!    (`fixtures/manufacturing.csv`, BPS PDRB industri pengolahan 2023, every size of firm,
//!    38 provinces). It says where making things happens, not which thing, so it is a weak
//!    signal and says so.
//! 4. Else unknown: neutral, never above a measured producer.
//!
//! Pure: built once when the reference data loads.

use std::collections::HashMap;

use crate::reference::{Province, ProvinceIx};
use crate::supply::SupplyRow;

/// Real manufacturing GDP by province, built by `fixtures/scripts/build_manufacturing.py`.
pub const MANUFACTURING_CSV: &str = include_str!("../fixtures/manufacturing.csv");

/// A row of `fixtures/manufacturing.csv`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ManufacturingRow {
    pub province_code: String,
    pub year: u32,
    pub value_idr_million: f64,
    pub source: String,
}

/// Whether a KBKI code names a manufactured good: sections 2 (food, beverages, tobacco,
/// textiles, leather), 3 (other transportable goods) and 4 (metal products, machinery).
/// Section 0 (crops, livestock, fish, forestry) and 1 (ores, minerals) are not.
pub fn is_manufactured(kbki: Option<&str>) -> bool {
    matches!(kbki.and_then(|k| k.chars().next()), Some('2' | '3' | '4'))
}

/// Extra `supply.csv` rows for commodities with no table of their own: each is measured by the
/// table of its nearest KBKI ancestor among the curated commodities that have one.
///
/// `commodities` are (key, KBKI code) in catalog order; `has_table(key)` says whether a
/// production table has that key. An ancestor measured by a proxy passes on the proxy's
/// table and stays a proxy (its note says both steps); otherwise the row is `ancestor`.
pub fn ancestor_rows(
    commodities: &[(&str, Option<&str>)],
    has_table: &dyn Fn(&str) -> bool,
    mappings: &[SupplyRow],
    name_of: &dyn Fn(&str) -> (String, String),
) -> Vec<SupplyRow> {
    let measured = |key: &str| has_table(key) || mappings.iter().any(|m| m.commodity == key);
    let mut out = Vec::new();
    for &(key, code) in commodities {
        let Some(code) = code else { continue };
        if measured(key) {
            continue;
        }
        let ancestor = commodities
            .iter()
            .filter_map(|&(k, c)| Some((k, c?)))
            .filter(|&(k, c)| k != key && c.len() < code.len() && code.starts_with(c))
            .filter(|&(k, _)| measured(k))
            .max_by_key(|&(_, c)| c.len());
        let Some((akey, acode)) = ancestor else {
            continue;
        };
        let (name_en, name_id) = name_of(akey);
        let lead_en = format!("measured as its KBKI group {name_en} ({acode})");
        let lead_id = format!("diukur sebagai kelompok KBKI-nya, {name_id} ({acode})");
        out.push(match mappings.iter().find(|m| m.commodity == akey) {
            Some(m) => SupplyRow {
                commodity: key.to_string(),
                table: m.table.clone(),
                factor: m.factor,
                kind: if m.kind == "proxy" {
                    "proxy"
                } else {
                    "ancestor"
                }
                .to_string(),
                note: format!("{lead_en}; {}", m.note),
                note_id: format!("{lead_id}; {}", m.note_id),
            },
            None => SupplyRow {
                commodity: key.to_string(),
                table: akey.to_string(),
                factor: 1.0,
                kind: "ancestor".to_string(),
                note: lead_en,
                note_id: lead_id,
            },
        });
    }
    out
}

/// The manufacturing location quotient of every province: its real manufacturing GDP per
/// head over the nation's (`None` where the file has no figure for it).
#[derive(Debug, Clone, Default)]
pub struct ManufacturingLq {
    pub year: u32,
    pub source: String,
    lq: Vec<Option<f64>>,
}

impl ManufacturingLq {
    pub fn build(
        provinces: &[Province],
        province_ix: &HashMap<String, ProvinceIx>,
        rows: &[ManufacturingRow],
    ) -> ManufacturingLq {
        let mut value = vec![None; provinces.len()];
        for r in rows {
            if let Some(&p) = province_ix.get(&r.province_code)
                && r.value_idr_million.is_finite()
                && r.value_idr_million >= 0.0
            {
                value[p] = Some(r.value_idr_million);
            }
        }
        // The nation is the provinces with a figure, so a missing one does not deflate the rest.
        let (mut v_all, mut pop_all) = (0.0, 0.0);
        for (p, v) in value.iter().enumerate() {
            if let Some(v) = v {
                v_all += v;
                pop_all += provinces[p].population as f64;
            }
        }
        let lq = value
            .iter()
            .enumerate()
            .map(|(p, v)| {
                let pop = provinces[p].population as f64;
                let v = (*v)?;
                (v_all > 0.0 && pop > 0.0 && pop_all > 0.0).then(|| (v / pop) / (v_all / pop_all))
            })
            .collect();
        ManufacturingLq {
            year: rows.iter().map(|r| r.year).max().unwrap_or(0),
            source: rows.first().map(|r| r.source.clone()).unwrap_or_default(),
            lq,
        }
    }

    /// The province's quotient, `None` where unknown.
    pub fn lq(&self, p: ProvinceIx) -> Option<f64> {
        self.lq.get(p).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(commodity: &str, table: &str, kind: &str) -> SupplyRow {
        SupplyRow {
            commodity: commodity.into(),
            table: table.into(),
            factor: 1.0,
            kind: kind.into(),
            note: "n".into(),
            note_id: "n".into(),
        }
    }

    #[test]
    fn manufactured_goods_are_kbki_sections_two_to_four() {
        assert!(is_manufactured(Some("23999"))); // snacks
        assert!(is_manufactured(Some("381"))); // furniture
        assert!(is_manufactured(Some("44"))); // machinery
        assert!(!is_manufactured(Some("0161"))); // coffee beans
        assert!(!is_manufactured(Some("1620001"))); // salt: a mineral
        assert!(!is_manufactured(None));
    }

    #[test]
    fn the_nearest_ancestor_with_a_table_lends_it() {
        let commodities = [
            ("kopi", Some("0161")),
            ("kopi_luwak", Some("01610")),
            ("kopi_luwak_arabika", Some("0161001")),
            ("pakan_ternak", Some("2331")),
            ("pakan_ikan", Some("2331906")),
            ("mebel", Some("381")),
        ];
        let tables = |k: &str| k == "kopi" || k == "kopi_luwak";
        let mappings = [row("pakan_ternak", "jagung", "proxy")];
        let names = |k: &str| (format!("{k} en"), format!("{k} id"));
        let rows = ancestor_rows(&commodities, &tables, &mappings, &names);
        let of = |k: &str| rows.iter().find(|r| r.commodity == k);
        // Nearest, not the first: 0161001 → 01610, not 0161.
        let luwak = of("kopi_luwak_arabika").unwrap();
        assert_eq!(
            (luwak.table.as_str(), luwak.kind.as_str()),
            ("kopi_luwak", "ancestor")
        );
        assert!(luwak.note.contains("01610"), "{}", luwak.note);
        // An ancestor measured by a proxy passes the proxy on, and stays a proxy.
        let feed = of("pakan_ikan").unwrap();
        assert_eq!(
            (feed.table.as_str(), feed.kind.as_str()),
            ("jagung", "proxy")
        );
        assert!(feed.note_id.contains("2331"));
        // Measured already, or no ancestor: no row.
        assert!(of("kopi_luwak").is_none() && of("mebel").is_none() && of("kopi").is_none());
    }

    #[test]
    fn the_manufacturing_quotient_is_output_per_head_against_the_nation() {
        let p = |code: &str, population: u64| Province {
            code: code.into(),
            name: code.into(),
            abbrev: String::new(),
            capital: String::new(),
            lat: 0.0,
            lon: 0.0,
            island_group: String::new(),
            island: String::new(),
            population,
            population_year: 2025,
            source: String::new(),
        };
        let provinces = [p("a", 100), p("b", 300), p("c", 100)];
        let ix: HashMap<String, ProvinceIx> =
            [("a".into(), 0), ("b".into(), 1), ("c".into(), 2)].into();
        let rows: Vec<ManufacturingRow> = [("a", 200.0), ("b", 200.0)]
            .iter()
            .map(|(c, v)| ManufacturingRow {
                province_code: c.to_string(),
                year: 2023,
                value_idr_million: *v,
                source: "s".into(),
            })
            .collect();
        let m = ManufacturingLq::build(&provinces, &ix, &rows);
        // The nation: 400 over 400 people. a: 2 per head → 2; b: ⅔ → ⅔; c unknown.
        assert!((m.lq(0).unwrap() - 2.0).abs() < 1e-9);
        assert!((m.lq(1).unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.lq(2), None);
        assert_eq!(m.year, 2023);
    }
}
