//! Reference data: the 38 provinces, the commodity catalog and production by province, and
//! what follows from them — each province's location quotient per commodity and the distance
//! between provinces.
//!
//! The data is embedded in the binary from `fixtures/` so a fresh `jalin serve` needs no
//! files; everything here is pure once loaded. Provinces and commodities are addressed by
//! dense indices (`ProvinceIx`, `CommodityIx`) so the scorer can use flat tables instead of
//! string maps on its hot path.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::FieldError;
use crate::supply::{Basis, CommoditySupply, NationalRow, SupplyModel, SupplyRow};

pub const PROVINCES_CSV: &str = include_str!("../fixtures/provinces.csv");
pub const COMMODITIES_CSV: &str = include_str!("../fixtures/commodities.csv");
pub const PRODUCTION_CSV: &str = include_str!("../fixtures/production.csv");
pub const SUPPLY_CSV: &str = include_str!("../fixtures/supply.csv");
pub const NATIONAL_TOTALS_CSV: &str = include_str!("../fixtures/national_totals.csv");

pub type ProvinceIx = usize;
pub type CommodityIx = usize;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Province {
    /// Two-digit Kemendagri code, e.g. `"35"`.
    pub code: String,
    pub name: String,
    pub abbrev: String,
    pub capital: String,
    pub lat: f64,
    pub lon: f64,
    pub island_group: String,
    /// The island (or island chain) the capital stands on: going from one to another is a
    /// sea crossing. Finer than `island_group` (Bali, Lombok and Timor are three).
    pub island: String,
    pub population: u64,
    pub population_year: u32,
    pub source: String,
}

impl Province {
    /// What people call the province besides its code: its name, abbreviation (empty for a
    /// few) and capital.
    pub fn names(&self) -> [&str; 3] {
        [&self.name, &self.abbrev, &self.capital]
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Commodity {
    /// Stable catalog key, e.g. `bawang_merah`.
    pub key: String,
    pub name_id: String,
    pub name_en: String,
    /// Other names: spellings, regional and English names.
    pub synonyms: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<String>,
    pub unit: String,
    pub shelf_life_days: u32,
    pub category: String,
    /// Words that name the family it belongs to ("cabai" for both chilies): such a word
    /// alone asks for every member.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub family: Vec<String>,
    /// The production table the supply model measures it by, and how much of the country
    /// that table covers; absent when none does.
    pub coverage: Option<crate::supply::Table>,
    /// Its most specific KBKI 2012 code (see `GET /v1/catalog/{code}`), e.g. `0125302`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kbki: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CommodityRow {
    key: String,
    name_id: String,
    name_en: String,
    synonyms: String,
    hs_code: String,
    unit: String,
    shelf_life_days: u32,
    category: String,
    family: String,
    #[allow(dead_code)]
    source: String,
    #[serde(default)]
    kbki: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductionRow {
    pub province_code: String,
    pub commodity: String,
    pub year: u32,
    pub tons: f64,
    /// `full` when the source covers (nearly) every province, `partial` for top-N tables.
    pub coverage: String,
    pub source: String,
}

/// The CSV texts reference data is read from (`fixtures/`).
#[derive(Debug, Clone, Copy)]
pub struct ReferenceCsv<'a> {
    pub provinces: &'a str,
    pub commodities: &'a str,
    pub production: &'a str,
    /// Which production table measures a commodity that has none of its own key.
    pub supply: &'a str,
    /// National totals stated by the sources of partial tables.
    pub national_totals: &'a str,
    /// Real manufacturing GDP by province (`stand_in`).
    pub manufacturing: &'a str,
}

impl ReferenceCsv<'static> {
    /// The files compiled into the binary.
    pub const EMBEDDED: ReferenceCsv<'static> = ReferenceCsv {
        provinces: PROVINCES_CSV,
        commodities: COMMODITIES_CSV,
        production: PRODUCTION_CSV,
        supply: SUPPLY_CSV,
        national_totals: NATIONAL_TOTALS_CSV,
        manufacturing: crate::stand_in::MANUFACTURING_CSV,
    };
}

/// Where an advantage figure comes from; the reasons name it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdvantageSource {
    /// BPS production statistics for the given year.
    Production { year: u32 },
    /// No production table: a manufactured good's stand-in, the province's manufacturing
    /// output per head against the nation's (BPS PDRB industri pengolahan; `stand_in`).
    Manufacturing { year: u32 },
    /// No production figure (or no national figure to compare it with): nothing is known,
    /// the province is treated as neutral (LQ 1).
    Neutral,
}

/// A province's location quotient for one commodity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Advantage {
    /// Production per head relative to the national production per head.
    pub lq: f64,
    pub source: AdvantageSource,
}

impl Advantage {
    const NEUTRAL: Advantage = Advantage {
        lq: 1.0,
        source: AdvantageSource::Neutral,
    };
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ReferenceError {
    pub file: &'static str,
    pub line: u64,
    pub message: String,
}

/// All reference data, indexed.
#[derive(Debug)]
pub struct Reference {
    pub provinces: Vec<Province>,
    pub commodities: Vec<Commodity>,
    pub production: Vec<ProductionRow>,
    province_ix: HashMap<String, ProvinceIx>,
    commodity_ix: HashMap<String, CommodityIx>,
    /// `advantage[c * provinces + p]`.
    advantage: Vec<Advantage>,
    /// Where each commodity comes from: shares of every origin for every destination.
    supply: crate::supply::SupplyModel,
    /// The manufacturing location quotient: the stand-in for manufactured goods no table
    /// measures.
    manufacturing: crate::stand_in::ManufacturingLq,
    /// Great-circle distance between capitals in km, `distance[a * provinces + b]`.
    distance: Vec<f32>,
    /// Lower-cased names and synonyms → commodity, longest first, for finding commodities
    /// in free text.
    names: Vec<(String, CommodityIx)>,
    /// The same names as word sequences (see `text_words`) → (place in `names`, commodity);
    /// the first name of a sequence wins.
    name_words: HashMap<String, (usize, CommodityIx)>,
    /// The most words in one name.
    max_name_words: usize,
    /// Family word → its members, in catalog order.
    families: HashMap<String, Vec<CommodityIx>>,
    /// The KBKI catalog, built on first use (27 k names: most uses of the reference data
    /// never need it) and shared by every `Reference` of the same catalog in the process.
    catalog: std::sync::OnceLock<Result<std::sync::Arc<crate::catalog::Catalog>, String>>,
}

/// Lower-cased words of free text: letters, digits and apostrophes; anything else separates.
fn text_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '\'' {
            word.extend(ch.to_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn read_csv<T: serde::de::DeserializeOwned>(
    file: &'static str,
    text: &str,
) -> Result<Vec<T>, ReferenceError> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in rdr.deserialize().enumerate() {
        out.push(row.map_err(|e| ReferenceError {
            file,
            line: i as u64 + 2,
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

impl Reference {
    /// The reference data compiled into the binary from `fixtures/`.
    pub fn embedded() -> Result<Reference, ReferenceError> {
        Reference::from_csv(ReferenceCsv::EMBEDDED)
    }

    pub fn from_csv(csv: ReferenceCsv<'_>) -> Result<Reference, ReferenceError> {
        let provinces: Vec<Province> = read_csv("provinces.csv", csv.provinces)?;
        let rows: Vec<CommodityRow> = read_csv("commodities.csv", csv.commodities)?;
        let production: Vec<ProductionRow> = read_csv("production.csv", csv.production)?;
        let supply_rows: Vec<SupplyRow> = read_csv("supply.csv", csv.supply)?;
        let national: Vec<NationalRow> = read_csv("national_totals.csv", csv.national_totals)?;
        let manufacturing_rows: Vec<crate::stand_in::ManufacturingRow> =
            read_csv("manufacturing.csv", csv.manufacturing)?;
        let commodities: Vec<Commodity> = rows
            .into_iter()
            .map(|r| Commodity {
                synonyms: r
                    .synonyms
                    .split('|')
                    .map(|s| s.trim().to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect(),
                hs_code: Some(r.hs_code).filter(|h| !h.is_empty()),
                key: r.key,
                name_id: r.name_id,
                name_en: r.name_en,
                unit: r.unit,
                shelf_life_days: r.shelf_life_days,
                category: r.category,
                family: r
                    .family
                    .split('|')
                    .map(|s| s.trim().to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect(),
                coverage: None,
                kbki: Some(r.kbki.trim().to_string()).filter(|k| !k.is_empty()),
            })
            .collect();
        let province_ix: HashMap<String, ProvinceIx> = provinces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        let commodity_ix: HashMap<String, CommodityIx> = commodities
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key.clone(), i))
            .collect();
        // A production table is keyed by a catalog commodity or by a table that
        // `supply.csv` maps a commodity to (the BPS marine capture series, say).
        let table_keys: std::collections::HashSet<&str> = commodity_ix
            .keys()
            .map(String::as_str)
            .chain(supply_rows.iter().map(|r| r.table.as_str()))
            .collect();
        for (i, r) in production.iter().enumerate() {
            let err = |message: String| ReferenceError {
                file: "production.csv",
                line: i as u64 + 2,
                message,
            };
            if !province_ix.contains_key(&r.province_code) {
                return Err(err(format!("unknown province {}", r.province_code)));
            }
            if !table_keys.contains(r.commodity.as_str()) {
                return Err(err(format!("unknown commodity {}", r.commodity)));
            }
            if !r.tons.is_finite() || r.tons < 0.0 {
                return Err(err(format!("tons must be a number ≥ 0, not {}", r.tons)));
            }
            if r.coverage != "full" && r.coverage != "partial" {
                return Err(err(format!(
                    "coverage must be full or partial, not {:?}",
                    r.coverage
                )));
            }
        }
        for (i, r) in supply_rows.iter().enumerate() {
            let err = |message: String| ReferenceError {
                file: "supply.csv",
                line: i as u64 + 2,
                message,
            };
            if !commodity_ix.contains_key(&r.commodity) {
                return Err(err(format!("unknown commodity {}", r.commodity)));
            }
            if !matches!(r.kind.as_str(), "same" | "derived" | "proxy") {
                return Err(err(format!(
                    "kind must be same, derived or proxy, not {:?}",
                    r.kind
                )));
            }
            if !r.factor.is_finite() || r.factor <= 0.0 {
                return Err(err(format!(
                    "factor must be a number > 0, not {}",
                    r.factor
                )));
            }
        }
        let np = provinces.len();
        let distance: Vec<f32> = (0..np * np)
            .map(|i| {
                let (a, b) = (&provinces[i / np], &provinces[i % np]);
                haversine_km(a.lat, a.lon, b.lat, b.lon) as f32
            })
            .collect();
        let mut names: Vec<(String, CommodityIx)> = Vec::new();
        for (i, c) in commodities.iter().enumerate() {
            names.push((c.name_id.to_lowercase(), i));
            names.push((c.name_en.to_lowercase(), i));
            names.push((c.key.replace('_', " "), i));
            for s in &c.synonyms {
                names.push((s.clone(), i));
            }
        }
        names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        names.dedup();
        let mut name_words = HashMap::new();
        let mut max_name_words = 0;
        for (i, (name, c)) in names.iter().enumerate() {
            let words = text_words(name);
            max_name_words = max_name_words.max(words.len());
            name_words.entry(words.join(" ")).or_insert((i, *c));
        }
        // Commodities with no table of their own borrow their nearest KBKI ancestor's.
        let mut supply_rows = supply_rows;
        {
            let keyed: Vec<(&str, Option<&str>)> = commodities
                .iter()
                .map(|c| (c.key.as_str(), c.kbki.as_deref()))
                .collect();
            let has_table = |k: &str| production.iter().any(|r| r.commodity == k);
            let name_of = |k: &str| {
                commodities
                    .iter()
                    .find(|c| c.key == k)
                    .map_or((k.to_string(), k.to_string()), |c| {
                        (c.name_en.to_lowercase(), c.name_id.to_lowercase())
                    })
            };
            let extra = crate::stand_in::ancestor_rows(&keyed, &has_table, &supply_rows, &name_of);
            supply_rows.extend(extra);
        }
        let manufacturing =
            crate::stand_in::ManufacturingLq::build(&provinces, &province_ix, &manufacturing_rows);
        let supply = {
            let ix = |code: &str| province_ix.get(code).copied();
            let km = |a: ProvinceIx, b: ProvinceIx| distance[a * np + b];
            let inputs = crate::supply::Inputs {
                provinces: &provinces,
                province_ix: &ix,
                distance_km: &km,
                production: &production,
                mappings: &supply_rows,
                national: &national,
            };
            SupplyModel::build(
                &inputs,
                commodities.iter().map(|c| c.key.as_str()),
                crate::supply::PARAMS,
            )
        };
        let mut commodities = commodities;
        for (c, commodity) in commodities.iter_mut().enumerate() {
            commodity.coverage = supply.of(c).map(|s| s.table.clone());
        }
        let mut families: HashMap<String, Vec<CommodityIx>> = HashMap::new();
        for (i, c) in commodities.iter().enumerate() {
            for w in &c.family {
                families.entry(w.clone()).or_default().push(i);
            }
        }
        let mut reference = Reference {
            families,
            provinces,
            commodities,
            production,
            province_ix,
            commodity_ix,
            advantage: Vec::new(),
            supply,
            manufacturing,
            distance,
            names,
            name_words,
            max_name_words,
            catalog: std::sync::OnceLock::new(),
        };
        reference.advantage = reference.compute_advantages();
        Ok(reference)
    }

    /// Location quotients, `LQ(p,c) = (X[p,c]/P[p]) / (X[all,c]/P[all])`, from the table the
    /// supply model measures the commodity by: production over consumption on the national
    /// per-head figure. A province without a figure, a table without a national figure (a
    /// partial table whose source states none) and a proxy table give no quotient (neutral):
    /// a partial table's rows never stand for the nation.
    ///
    /// A manufactured good no table measures (KBKI sections 2–4) gets the province's
    /// manufacturing quotient instead, marked [`AdvantageSource::Manufacturing`].
    fn compute_advantages(&self) -> Vec<Advantage> {
        let np = self.provinces.len();
        let nc = self.commodities.len();
        let mut adv = vec![Advantage::NEUTRAL; nc * np];
        for c in 0..nc {
            let Some(s) = self.supply.of(c) else {
                if crate::stand_in::is_manufactured(self.commodities[c].kbki.as_deref()) {
                    for p in 0..np {
                        if let Some(lq) = self.manufacturing.lq(p) {
                            adv[c * np + p] = Advantage {
                                lq,
                                source: AdvantageSource::Manufacturing {
                                    year: self.manufacturing.year,
                                },
                            };
                        }
                    }
                }
                continue;
            };
            if s.table.basis == Basis::Proxy {
                continue;
            }
            for p in 0..np {
                if let Some(lq) = s.ratio(p) {
                    adv[c * np + p] = Advantage {
                        lq,
                        source: AdvantageSource::Production { year: s.table.year },
                    };
                }
            }
        }
        adv
    }

    /// The KBKI catalog with the curated commodities as its entries, or why it could not be
    /// built (a fixture error). Built on first use; `Engine::open` asks for it at start so a
    /// bad fixture stops the server there.
    pub fn load_catalog(&self) -> Result<&crate::catalog::Catalog, ReferenceError> {
        let built = self.catalog.get_or_init(|| {
            shared_catalog(self.catalog_fingerprint(), || {
                let curated: Vec<crate::catalog::Curated<'_>> = (0..self.commodities.len())
                    .map(|c| crate::catalog::Curated {
                        names: self
                            .names
                            .iter()
                            .filter(|(_, of)| *of == c)
                            .map(|(n, _)| n.as_str())
                            .collect(),
                        kbki: self.commodities[c].kbki.as_deref(),
                    })
                    .collect();
                crate::catalog::Catalog::from_csv(
                    crate::catalog::KBKI_CSV,
                    crate::catalog::KBKI_SYNONYMS_CSV,
                    &curated,
                )
                .map_err(|e| e.to_string())
            })
        });
        built.as_deref().map_err(|message| ReferenceError {
            file: "kbki.csv",
            line: 0,
            message: message.clone(),
        })
    }

    /// The KBKI catalog (see [`Reference::load_catalog`]); an empty one if it could not be
    /// built, which `Engine::open` has already refused.
    pub fn catalog(&self) -> &crate::catalog::Catalog {
        match self.load_catalog() {
            Ok(c) => c,
            Err(_) => crate::catalog::Catalog::empty(),
        }
    }

    /// The supply model of a commodity, when a production table measures it.
    pub fn supply(&self, c: CommodityIx) -> Option<&CommoditySupply> {
        self.supply.of(c)
    }

    pub fn supply_params(&self) -> &crate::supply::SupplyParams {
        &self.supply.params
    }

    /// The supply model's advantage terms for the scorer.
    pub fn supply_terms(&self) -> std::sync::Arc<crate::supply::AdvantageTerms> {
        self.supply.terms()
    }

    pub fn province(&self, code: &str) -> Option<ProvinceIx> {
        self.province_ix.get(code).copied()
    }

    pub fn commodity(&self, key: &str) -> Option<CommodityIx> {
        self.commodity_ix.get(key).copied()
    }

    /// Resolves a province code or reports the field that named it.
    pub fn require_province(&self, field: &str, code: &str) -> Result<ProvinceIx, FieldError> {
        self.province(code).ok_or_else(|| {
            FieldError::new(
                field,
                format!("unknown province code {code:?}; see GET /v1/provinces for the 38 two-digit codes"),
            )
        })
    }

    /// A province by its code, or by its name, abbreviation or capital written as people write
    /// them ("Banten", "jawa timur", "Jatim", "Serang"): case, surrounding spaces and repeated
    /// spaces do not matter. For fields a caller reads with (a buyer's province, a filter),
    /// not for stored records, which keep the code.
    pub fn province_named(&self, text: &str) -> Option<ProvinceIx> {
        if let Some(p) = self.province(text.trim()) {
            return Some(p);
        }
        let wanted = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if wanted.is_empty() {
            return None;
        }
        self.provinces.iter().position(|p| {
            p.names()
                .iter()
                .any(|n| !n.is_empty() && n.to_lowercase() == wanted)
        })
    }

    /// [`Reference::province_named`], or an error naming the field.
    pub fn require_province_named(
        &self,
        field: &str,
        text: &str,
    ) -> Result<ProvinceIx, FieldError> {
        self.province_named(text).ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "unknown province {text:?}; give a two-digit code or a province's name, \
                     abbreviation or capital (see GET /v1/provinces)"
                ),
            )
        })
    }

    pub fn require_commodity(&self, field: &str, key: &str) -> Result<CommodityIx, FieldError> {
        self.commodity(key).ok_or_else(|| {
            FieldError::new(
                field,
                format!("unknown commodity {key:?}; see GET /v1/commodities for the catalog keys"),
            )
        })
    }

    /// Resolves a KBKI code or reports the field that named it.
    pub fn require_kbki(
        &self,
        field: &str,
        code: &str,
    ) -> Result<crate::catalog::EntryIx, FieldError> {
        self.catalog().find(code.trim()).ok_or_else(|| {
            FieldError::new(
                field,
                format!("unknown KBKI code {code:?}; see GET /v1/catalog?q= for the codes"),
            )
        })
    }

    pub fn advantage(&self, p: ProvinceIx, c: CommodityIx) -> Advantage {
        self.advantage[c * self.provinces.len() + p]
    }

    pub fn distance_km(&self, a: ProvinceIx, b: ProvinceIx) -> f32 {
        self.distance[a * self.provinces.len() + b]
    }

    /// The manufacturing quotient by province (the stand-in for manufactured goods).
    pub fn manufacturing(&self) -> &crate::stand_in::ManufacturingLq {
        &self.manufacturing
    }

    /// A province's advantage in every commodity a production table measures, strongest
    /// first (the manufacturing stand-in is one figure for every manufactured good, so it is
    /// not listed).
    pub fn advantages_of(&self, p: ProvinceIx) -> Vec<(CommodityIx, Advantage)> {
        let mut v: Vec<(CommodityIx, Advantage)> = (0..self.commodities.len())
            .map(|c| (c, self.advantage(p, c)))
            .filter(|(_, a)| matches!(a.source, AdvantageSource::Production { .. }))
            .collect();
        v.sort_by(|a, b| b.1.lq.total_cmp(&a.1.lq));
        v
    }

    /// A fingerprint of what derived state stores by index or by word: the province codes and
    /// commodity keys in catalog order (the graph and the index store their indices) and every
    /// name and synonym (the index analyses them and the stemmer protects their words).
    /// FNV-1a, with a separator after each part; derived state under another fingerprint is
    /// rebuilt.
    pub fn catalog_fingerprint(&self) -> u64 {
        let mut h: u64 = 0xcbf29ce484222325;
        let provinces = self.provinces.iter().map(|p| p.code.as_str());
        let keys = self.commodities.iter().map(|c| c.key.as_str());
        let names = self.names.iter().map(|(n, _)| n.as_str());
        let kbki = self
            .commodities
            .iter()
            .map(|c| c.kbki.as_deref().unwrap_or(""));
        for part in provinces
            .chain(std::iter::once("\u{1}"))
            .chain(keys)
            .chain(std::iter::once("\u{1}"))
            .chain(names)
            .chain(std::iter::once("\u{1}"))
            .chain(kbki)
        {
            for b in part.bytes().chain(std::iter::once(0)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100000001b3);
            }
        }
        h
    }

    /// Family words of the text ("cabai", "bawang") with their members, where the word is not
    /// part of the name of a commodity already found (`found`): "bawang merah dan cabai" asks
    /// for shallots and every chili, "cabai rawit" for bird's-eye chili alone.
    pub fn families_in_text(
        &self,
        text: &str,
        found: &[CommodityIx],
    ) -> Vec<(String, Vec<CommodityIx>)> {
        let named: std::collections::HashSet<String> = self
            .names
            .iter()
            .filter(|(_, c)| found.contains(c))
            .flat_map(|(n, _)| text_words(n))
            .collect();
        let mut out: Vec<(String, Vec<CommodityIx>)> = Vec::new();
        for w in text_words(text) {
            if named.contains(&w) || out.iter().any(|(f, _)| *f == w) {
                continue;
            }
            if let Some(members) = self.families.get(&w) {
                out.push((w, members.clone()));
            }
        }
        out
    }

    /// Every lower-cased catalog name and synonym with its commodity, longest first.
    pub fn commodity_names(&self) -> &[(String, CommodityIx)] {
        &self.names
    }

    /// Catalog commodities named in free text, by their names and synonyms, longest names
    /// first so "cabai rawit" wins over "cabai"; each commodity once, in order of appearance.
    pub fn commodities_in_text(&self, text: &str) -> Vec<CommodityIx> {
        let words = text_words(text);
        // Every name that occurs as a run of whole words: (place in `names`, first word,
        // words, commodity). A hash lookup per run, not a scan of the text per name.
        let mut found: Vec<(usize, usize, usize, CommodityIx)> = Vec::new();
        let mut key = String::new();
        for start in 0..words.len() {
            key.clear();
            for len in 1..=self.max_name_words.min(words.len() - start) {
                if len > 1 {
                    key.push(' ');
                }
                key.push_str(&words[start + len - 1]);
                if let Some(&(place, c)) = self.name_words.get(key.as_str()) {
                    found.push((place, start, len, c));
                }
            }
        }
        // Longest names first (the order of `names`) claim their words.
        found.sort_unstable();
        let mut taken = vec![false; words.len()];
        let mut claimed: Vec<(usize, CommodityIx)> = Vec::new();
        for (_, start, len, c) in found {
            let span = &mut taken[start..start + len];
            if !span.iter().any(|t| *t) {
                span.iter_mut().for_each(|t| *t = true);
                claimed.push((start, c));
            }
        }
        claimed.sort_unstable();
        let mut out = Vec::new();
        for (_, c) in claimed {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// The catalog of a reference data set, built once per process and fingerprint: building it
/// parses 27 k rows and an automaton (seconds in a debug build; BENCHMARKS.md), and
/// tests and the CLI load the same embedded data many times. The lock is held while building
/// so concurrent first uses build it once.
fn shared_catalog(
    fingerprint: u64,
    build: impl FnOnce() -> Result<crate::catalog::Catalog, String>,
) -> Result<std::sync::Arc<crate::catalog::Catalog>, String> {
    type Built = Vec<(u64, std::sync::Arc<crate::catalog::Catalog>)>;
    static BUILT: std::sync::Mutex<Built> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, c)) = built.iter().find(|(f, _)| *f == fingerprint) {
        return Ok(c.clone());
    }
    let c = std::sync::Arc::new(build()?);
    built.push((fingerprint, c.clone()));
    Ok(c)
}

/// Great-circle distance on a sphere of the Earth's mean radius.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {

    #[test]
    fn provinces_are_found_by_code_name_abbreviation_or_capital() {
        let r = Reference::embedded().unwrap();
        let banten = r.province("36").unwrap();
        for text in ["36", " Banten ", "banten", "BANTEN", "Serang"] {
            assert_eq!(r.province_named(text), Some(banten), "{text:?}");
        }
        let jatim = r.province("35").unwrap();
        for text in ["jawa   timur", "Jatim", "Surabaya"] {
            assert_eq!(r.province_named(text), Some(jatim), "{text:?}");
        }
        for text in ["", "  ", "Atlantis", "3"] {
            assert_eq!(r.province_named(text), None, "{text:?}");
        }
        let e = r
            .require_province_named("need.province", "Atlantis")
            .unwrap_err();
        assert_eq!(e.field, "need.province");
    }

    use super::*;

    fn reference() -> Reference {
        Reference::embedded().unwrap()
    }

    #[test]
    fn embedded_reference_loads_all_provinces() {
        let r = reference();
        assert_eq!(r.provinces.len(), 38);
        assert!(r.commodities.len() >= 40);
        assert!(r.province("35").is_some());
        assert!(r.province("99").is_none());
    }

    #[test]
    fn east_java_has_a_shallot_surplus_and_banten_a_deficit() {
        let r = reference();
        let c = r.commodity("bawang_merah").unwrap();
        let jatim = r.advantage(r.province("35").unwrap(), c);
        let banten = r.advantage(r.province("36").unwrap(), c);
        assert!(jatim.lq > 1.0, "{jatim:?}");
        assert!(banten.lq < 1.0, "{banten:?}");
        assert!(matches!(
            jatim.source,
            AdvantageSource::Production { year: 2023 }
        ));
    }

    #[test]
    fn population_weighted_lq_averages_to_one_for_full_tables() {
        let r = reference();
        let c = r.commodity("padi").unwrap();
        let pop: f64 = r.provinces.iter().map(|p| p.population as f64).sum();
        let avg: f64 = (0..r.provinces.len())
            .map(|p| r.advantage(p, c).lq * r.provinces[p].population as f64)
            .sum::<f64>()
            / pop;
        assert!((avg - 1.0).abs() < 1e-9, "{avg}");
    }

    #[test]
    fn commodities_are_found_in_text_longest_name_first() {
        let r = reference();
        let key = |t: &str| -> Vec<&str> {
            r.commodities_in_text(t)
                .into_iter()
                .map(|c| r.commodities[c].key.as_str())
                .collect()
        };
        assert_eq!(key("Bawang Merah Nganjuk"), ["bawang_merah"]);
        assert_eq!(
            key("butuh cabe rawit dan brambang"),
            ["cabai_rawit", "bawang_merah"]
        );
        assert_eq!(key("supplier shallots"), ["bawang_merah"]);
        // Runs of spaces and punctuation separate words like one space.
        assert_eq!(
            key("BAWANG  merah, cabe-rawit"),
            ["bawang_merah", "cabai_rawit"]
        );
        assert_eq!(key("bawang"), Vec::<&str>::new());
        assert!(key("sesuatu yang lain").is_empty());
    }

    #[test]
    fn distances_are_symmetric_and_plausible() {
        let r = reference();
        let (jt, bt) = (r.province("35").unwrap(), r.province("36").unwrap());
        let d = r.distance_km(jt, bt);
        assert_eq!(d, r.distance_km(bt, jt));
        assert!((550.0..800.0).contains(&d), "{d}");
        assert_eq!(r.distance_km(jt, jt), 0.0);
    }

    #[test]
    fn manufactured_goods_without_a_table_take_the_manufacturing_quotient() {
        let r = Reference::embedded().unwrap();
        let jatim = r.province("35").unwrap();
        let ntt = r.province("53").unwrap();
        let mebel = r.commodity("mebel").unwrap();
        let a = r.advantage(jatim, mebel);
        assert_eq!(a.source, AdvantageSource::Manufacturing { year: 2023 });
        // East Java makes more per head than the nation, East Nusa Tenggara far less.
        assert!(a.lq > 1.0 && r.advantage(ntt, mebel).lq < 0.2, "{a:?}");
        // Every manufactured good without a table has the same figure; a crop keeps its own.
        let tekstil = r.commodity("tekstil").unwrap();
        assert_eq!(r.advantage(jatim, tekstil), a);
        let beras = r.commodity("beras").unwrap();
        assert!(matches!(
            r.advantage(jatim, beras).source,
            AdvantageSource::Production { .. }
        ));
        // Live goats are not manufactured: unknown stays unknown.
        let kambing = r.commodity("kambing").unwrap();
        assert_eq!(r.advantage(jatim, kambing).source, AdvantageSource::Neutral);
        // Fish feed borrows its KBKI group's table (animal feed, itself proxied by maize).
        let feed = r.supply(r.commodity("pakan_ikan").unwrap()).unwrap();
        assert_eq!(feed.table.key, "jagung");
        assert_eq!(feed.table.basis, crate::supply::Basis::Proxy);
        assert!(feed.table.note.contains("2331"), "{}", feed.table.note);
        // The stand-in is not a production advantage: the province's list leaves it out.
        assert!(r.advantages_of(jatim).iter().all(|(c, _)| *c != mebel));
    }
}
