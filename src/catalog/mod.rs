//! The KBKI catalog: BPS's Klasifikasi Baku Komoditi Indonesia 2012 (goods), 27 k entries
//! from section (1 digit) down to item (10 digits), as a tree every listing can hang on.
//!
//! The curated commodities of `reference` are entries of this tree too (each names its most
//! specific KBKI code in `fixtures/commodities.csv`), so a listing of shallots and one of
//! keripik tempe both have a code and so a path of ancestors: search filters by any prefix
//! (`kbki=2399`), and understanding resolves a generic word ("keripik") to every entry it
//! names and their common ancestor.
//!
//! Codes are prefixes of their descendants except where BPS's list skips a level (26 codes
//! hang on their nearest existing ancestor, `fixtures/scripts/build_kbki.py`), so the tree
//! keeps explicit parents rather than relying on string prefixes alone. Pure once loaded;
//! names and their automaton live in `names`.

mod names;

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

pub use names::{Found, Target};

use crate::reference::{CommodityIx, ReferenceError};

/// The KBKI goods classification, built by `fixtures/scripts/build_kbki.py`.
pub const KBKI_CSV: &str = include_str!("../../fixtures/kbki.csv");
/// Everyday names of KBKI entries (keripik, kerupuk, batik, sabun…) with their codes.
pub const KBKI_SYNONYMS_CSV: &str = include_str!("../../fixtures/kbki_synonyms.csv");

pub type EntryIx = usize;

/// How deep an entry sits, by the length of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Section,
    Division,
    Group,
    Class,
    Subclass,
    Product,
    Item,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "section" => Level::Section,
            "division" => Level::Division,
            "group" => Level::Group,
            "class" => Level::Class,
            "subclass" => Level::Subclass,
            "product" => Level::Product,
            "item" => Level::Item,
            _ => return None,
        })
    }

    fn code_len(self) -> usize {
        match self {
            Level::Section => 1,
            Level::Division => 2,
            Level::Group => 3,
            Level::Class => 4,
            Level::Subclass => 5,
            Level::Product => 7,
            Level::Item => 10,
        }
    }
}

/// One KBKI entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub code: String,
    pub name_id: String,
    pub level: Level,
    parent: Option<EntryIx>,
}

impl Entry {
    pub fn parent(&self) -> Option<EntryIx> {
        self.parent
    }
}

#[derive(Debug, serde::Deserialize)]
struct KbkiRow {
    code: String,
    parent: String,
    level: String,
    name_id: String,
    #[allow(dead_code)]
    source: String,
}

/// A curated commodity as the catalog sees it: its names (lower-cased) and its KBKI code.
pub struct Curated<'a> {
    pub names: Vec<&'a str>,
    pub kbki: Option<&'a str>,
}

/// What a product name resolves to.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The most specific entry covering everything the name stands for.
    pub entry: EntryIx,
    /// The curated commodity, when the name is one of its names.
    pub commodity: Option<CommodityIx>,
    /// Every entry the name stands for (one, or the items a generic word covers).
    pub entries: Vec<EntryIx>,
    pub via: Via,
}

/// How a name was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A curated commodity's name or synonym.
    Commodity,
    /// An everyday name from `fixtures/kbki_synonyms.csv`.
    Synonym,
    /// A KBKI name, or the head of one ("sepatu olah raga" of "Sepatu olah raga dari kulit").
    Name,
    /// No name matched: the entry whose name shares the most (rarest) words.
    Nearest,
}

/// The KBKI tree with its names.
pub struct Catalog {
    entries: Vec<Entry>,
    by_code: HashMap<String, EntryIx>,
    children: Vec<Vec<EntryIx>>,
    /// Each curated commodity's entry.
    commodity_entry: Vec<Option<EntryIx>>,
    names: names::Names,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

fn err(file: &'static str, line: usize, message: String) -> ReferenceError {
    ReferenceError {
        file,
        line: line as u64,
        message,
    }
}

impl Catalog {
    /// Builds the tree from `kbki.csv`, the everyday names from `kbki_synonyms.csv`, and the
    /// curated commodities (in catalog order) with their names and codes.
    pub fn from_csv(
        kbki: &str,
        synonyms: &str,
        curated: &[Curated<'_>],
    ) -> Result<Catalog, ReferenceError> {
        let mut rdr = csv::Reader::from_reader(kbki.as_bytes());
        let mut entries: Vec<Entry> = Vec::new();
        let mut by_code: HashMap<String, EntryIx> = HashMap::new();
        let mut parents: Vec<String> = Vec::new();
        for (i, row) in rdr.deserialize::<KbkiRow>().enumerate() {
            let line = i + 2;
            let row = row.map_err(|e| err("kbki.csv", line, e.to_string()))?;
            let level = Level::parse(&row.level)
                .ok_or_else(|| err("kbki.csv", line, format!("unknown level {:?}", row.level)))?;
            if row.code.len() != level.code_len() || !row.code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(
                    "kbki.csv",
                    line,
                    format!("code {:?} is not a {:?} code", row.code, level),
                ));
            }
            if by_code.insert(row.code.clone(), entries.len()).is_some() {
                return Err(err(
                    "kbki.csv",
                    line,
                    format!("duplicate code {}", row.code),
                ));
            }
            parents.push(row.parent);
            entries.push(Entry {
                code: row.code,
                name_id: row.name_id,
                level,
                parent: None,
            });
        }
        let mut children = vec![Vec::new(); entries.len()];
        for (i, parent) in parents.iter().enumerate() {
            if parent.is_empty() {
                continue;
            }
            let p = *by_code
                .get(parent)
                .ok_or_else(|| err("kbki.csv", i + 2, format!("unknown parent {parent}")))?;
            if !entries[i].code.starts_with(parent.as_str()) || entries[p].level >= entries[i].level
            {
                return Err(err(
                    "kbki.csv",
                    i + 2,
                    format!("{} cannot hang on {parent}", entries[i].code),
                ));
            }
            entries[i].parent = Some(p);
            children[p].push(i);
        }
        let mut commodity_entry = Vec::with_capacity(curated.len());
        for c in curated {
            commodity_entry.push(match c.kbki {
                Some(code) => Some(*by_code.get(code).ok_or_else(|| {
                    err("commodities.csv", 0, format!("unknown KBKI code {code}"))
                })?),
                None => None,
            });
        }
        let mut catalog = Catalog {
            entries,
            by_code,
            children,
            commodity_entry,
            names: names::Names::default(),
        };
        catalog.names = names::Names::build(&catalog, synonyms, curated)?;
        Ok(catalog)
    }

    /// A catalog with no entries: what callers see if the embedded one failed to build
    /// (which `Engine::open` refuses before serving).
    pub fn empty() -> &'static Catalog {
        static EMPTY: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(|| Catalog {
            entries: Vec::new(),
            by_code: HashMap::new(),
            children: Vec::new(),
            commodity_entry: Vec::new(),
            names: names::Names::default(),
        });
        &EMPTY
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entry(&self, ix: EntryIx) -> &Entry {
        &self.entries[ix]
    }

    /// The entry of a code.
    pub fn find(&self, code: &str) -> Option<EntryIx> {
        self.by_code.get(code).copied()
    }

    pub fn children(&self, ix: EntryIx) -> &[EntryIx] {
        &self.children[ix]
    }

    /// The entry's ancestors, its section first, without the entry itself.
    pub fn ancestors(&self, ix: EntryIx) -> Vec<EntryIx> {
        let mut out = Vec::new();
        let mut at = self.entries[ix].parent;
        while let Some(p) = at {
            out.push(p);
            at = self.entries[p].parent;
        }
        out.reverse();
        out
    }

    /// The codes an entry is filed under: its own and every ancestor's. What the search index
    /// stores, so a filter by any of them finds it.
    pub fn path_codes(&self, ix: EntryIx) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .ancestors(ix)
            .into_iter()
            .map(|a| self.entries[a].code.as_str())
            .collect();
        out.push(&self.entries[ix].code);
        out
    }

    /// The deepest entry that is (or is an ancestor of) every given entry; `None` for an
    /// empty list or entries of different sections.
    pub fn common_ancestor(&self, entries: &[EntryIx]) -> Option<EntryIx> {
        let (first, rest) = entries.split_first()?;
        let mut path = self.ancestors(*first);
        path.push(*first);
        for e in rest {
            let mut other = self.ancestors(*e);
            other.push(*e);
            let same = path.iter().zip(&other).take_while(|(a, b)| a == b).count();
            path.truncate(same);
        }
        path.last().copied()
    }

    /// The curated commodity's entry.
    pub fn commodity_entry(&self, c: CommodityIx) -> Option<EntryIx> {
        self.commodity_entry.get(c).copied().flatten()
    }

    /// The curated commodity whose entry is the deepest at or above `e`: the commodity a
    /// listing of a KBKI-only product is filed under (tempe keripik → none; welding
    /// machines 44241 → `mesin_peralatan`, 44).
    pub fn commodity_covering(&self, e: EntryIx) -> Option<CommodityIx> {
        let mut path = self.ancestors(e);
        path.push(e);
        path.iter()
            .rev()
            .find_map(|a| self.commodity_entry.iter().position(|ce| *ce == Some(*a)))
    }

    /// Names of the catalog found in free text, longest first; curated names win over
    /// KBKI's where both name the same words.
    pub fn find_in_text(&self, text: &str) -> Vec<Found> {
        self.names.find(text)
    }

    /// What a product name (an import cell, a phrase) stands for: the longest name found in
    /// it, else the nearest entry by shared words; `None` when no word of it is known.
    pub fn resolve(&self, text: &str) -> Option<Resolution> {
        if let Some(r) = self
            .names
            .find(text)
            .iter()
            .find_map(|found| self.resolution_of(found))
        {
            return Some(r);
        }
        let nearest = self.names.nearest(self, text, 1);
        let &(e, _) = nearest.first()?;
        Some(Resolution {
            entry: e,
            commodity: None,
            entries: vec![e],
            via: Via::Nearest,
        })
    }

    /// The resolution of a found name. A curated commodity's name that is also a KBKI name
    /// of the same section keeps the commodity but takes KBKI's code for it ("keripik
    /// tempe": `makanan_ringan`, 2314006001), which is more specific.
    pub fn resolution_of(&self, found: &Found) -> Option<Resolution> {
        match &found.target {
            Target::Commodity(c) => {
                let own = self.commodity_entry(*c)?;
                // Only within the commodity's section: "apel" (fresh apples, section 0) is
                // not BPS's item "Apel" among preserved fruit (section 2).
                let same_section = |a: EntryIx| {
                    self.entries[a].code.as_bytes().first()
                        == self.entries[own].code.as_bytes().first()
                };
                let (entry, entries) = match self.common_ancestor(&found.kbki) {
                    Some(a) if same_section(a) => (a, found.kbki.clone()),
                    _ => (own, vec![own]),
                };
                Some(Resolution {
                    entry,
                    commodity: Some(*c),
                    entries,
                    via: found.via,
                })
            }
            Target::Entries(es) => Some(Resolution {
                entry: self.common_ancestor(es)?,
                commodity: None,
                entries: es.clone(),
                via: found.via,
            }),
        }
    }

    /// Up to `n` entries whose names share the most (rarest) words with the text, best
    /// first: the candidates shown for a name that could not be mapped.
    pub fn nearest(&self, text: &str, n: usize) -> Vec<EntryIx> {
        self.names
            .nearest(self, text, n)
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }

    /// Entries whose code starts with the query, or whose name holds every word of it;
    /// shallow entries first, then by code.
    pub fn search(&self, query: &str, limit: usize) -> Vec<EntryIx> {
        let q = query.trim();
        if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) {
            return self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.code.starts_with(q))
                .map(|(i, _)| i)
                .take(limit)
                .collect();
        }
        let mut hits = self.names.containing_all(q);
        hits.sort_by(|a, b| {
            let (ea, eb) = (&self.entries[*a], &self.entries[*b]);
            ea.level.cmp(&eb.level).then(ea.code.cmp(&eb.code))
        });
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests;
