//! Every name the catalog answers to, and finding them in free text.
//!
//! Four kinds of name, in order of authority: a curated commodity's names and synonyms
//! (`reference`), the everyday names of `fixtures/kbki_synonyms.csv` (keripik, batik,
//! sabun), KBKI's own names, and their heads — the name cut before its qualifiers ("sepatu
//! olah raga" of "Sepatu olah raga dari kulit asli"), which is how people write them. A name
//! shared by several entries stands for all of them (their common ancestor is the answer);
//! a head so generic that its entries share no division is dropped.
//!
//! Finding is one pass of an Aho–Corasick automaton (the `aho-corasick` crate) over the
//! text's words: ~50 k names, so a scan per name would cost milliseconds per query, the
//! automaton microseconds. Matches must start and end on word boundaries; the longest match
//! claims its words first, and of equally long ones the more authoritative kind.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::{Catalog, Curated, EntryIx, Level, Via, err};
use crate::reference::{CommodityIx, ReferenceError};

/// What a name stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Commodity(CommodityIx),
    /// One or more KBKI entries (a generic name covers several).
    Entries(Vec<EntryIx>),
}

/// A name found in text.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The name as the catalog holds it (lower-cased words).
    pub name: String,
    /// First word and number of words in the text's words (see [`words`]).
    pub start: usize,
    pub len: usize,
    pub target: Target,
    pub via: Via,
    /// KBKI entries of the same name when a curated commodity holds it ("keripik tempe":
    /// `makanan_ringan`, and KBKI's 2314006001): the more specific code of what is meant.
    pub kbki: Vec<EntryIx>,
}

struct Pattern {
    name: String,
    words: usize,
    via: Via,
    target: Target,
    kbki: Vec<EntryIx>,
}

/// The names and the automaton over them.
#[derive(Default)]
pub(super) struct Names {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    /// Word → entries whose name holds it (each entry once, in code order).
    postings: HashMap<String, Vec<EntryIx>>,
    /// Words in each entry's name.
    name_len: Vec<u16>,
}

/// Lower-cased words: runs of letters and digits; anything else separates ("cabe-rawit" is
/// two words, as is "olah raga").
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words after which a KBKI name only qualifies its head.
const QUALIFIERS: &[&str] = &[
    "dari",
    "untuk",
    "yang",
    "dengan",
    "selain",
    "mengandung",
    "dalam",
    "tidak",
    "termasuk",
    "berupa",
    "atas",
    "menurut",
    "bukan",
];

/// Heads too vague to stand for anything on their own.
const VAGUE_HEADS: &[&str] = &[
    "bagian",
    "barang",
    "produk",
    "hasil",
    "bahan",
    "lainnya",
    "lain",
    "jenis",
    "komponen",
    "perlengkapan",
    "sisa",
    "limbah",
    "potongan",
];

/// Words that carry no product meaning when comparing names word by word.
const STOPWORDS: &[&str] = &[
    "dan", "atau", "dari", "untuk", "yang", "dengan", "di", "ke", "lainnya", "lain", "selain",
    "tidak", "termasuk", "dalam", "the", "of", "and", "produk", "hasil", "olahan", "khas", "asli",
];

#[derive(serde::Deserialize)]
struct SynonymRow {
    name: String,
    kbki: String,
    #[allow(dead_code)]
    note: String,
}

impl Names {
    pub(super) fn build(
        catalog: &Catalog,
        synonyms: &str,
        curated: &[Curated<'_>],
    ) -> Result<Names, ReferenceError> {
        // name → pattern index; a name is held once, by its most authoritative kind.
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut add = |name: String, via: Via, target: Target, head: bool| {
            let ws = words(&name);
            if ws.is_empty() {
                return;
            }
            let name = ws.join(" ");
            match by_name.get(&name) {
                Some(&i) => {
                    let p: &mut Pattern = &mut patterns[i];
                    let Target::Entries(more) = &target else {
                        return;
                    };
                    let have = match &mut p.target {
                        Target::Entries(have) if p.via == via => have,
                        // Heads are too loose to stand for a curated name ("susu" heads
                        // eleven kinds of processed milk).
                        Target::Commodity(_) if via != Via::Commodity && !head => &mut p.kbki,
                        _ => return,
                    };
                    for e in more {
                        if !have.contains(e) {
                            have.push(*e);
                        }
                    }
                }
                None => {
                    by_name.insert(name.clone(), patterns.len());
                    patterns.push(Pattern {
                        name,
                        words: ws.len(),
                        via,
                        target,
                        kbki: Vec::new(),
                    });
                }
            }
        };
        for (c, cur) in curated.iter().enumerate() {
            if cur.kbki.is_none() {
                continue;
            }
            for n in &cur.names {
                add(n.to_string(), Via::Commodity, Target::Commodity(c), false);
            }
        }
        let mut rdr = csv::Reader::from_reader(synonyms.as_bytes());
        for (i, row) in rdr.deserialize::<SynonymRow>().enumerate() {
            let line = i + 2;
            let row = row.map_err(|e| err("kbki_synonyms.csv", line, e.to_string()))?;
            let mut entries = Vec::new();
            for code in row.kbki.split('|').map(str::trim) {
                entries.push(catalog.find(code).ok_or_else(|| {
                    err(
                        "kbki_synonyms.csv",
                        line,
                        format!("unknown KBKI code {code:?}"),
                    )
                })?);
            }
            if entries.is_empty() {
                return Err(err("kbki_synonyms.csv", line, "no KBKI code".into()));
            }
            add(row.name, Via::Synonym, Target::Entries(entries), false);
        }
        for (e, entry) in catalog.entries.iter().enumerate() {
            if entry.level == Level::Section {
                continue;
            }
            add(
                entry.name_id.clone(),
                Via::Name,
                Target::Entries(vec![e]),
                false,
            );
        }
        // Heads, grouped, then kept only where their entries share a division.
        let mut heads: HashMap<String, Vec<EntryIx>> = HashMap::new();
        for (e, entry) in catalog.entries.iter().enumerate() {
            let ws = words(&entry.name_id);
            let cut = ws
                .iter()
                .position(|w| QUALIFIERS.contains(&w.as_str()))
                .unwrap_or(ws.len());
            if cut == 0 || cut == ws.len() {
                continue;
            }
            let head = &ws[..cut];
            if head.len() == 1 && VAGUE_HEADS.contains(&head[0].as_str()) {
                continue;
            }
            heads.entry(head.join(" ")).or_default().push(e);
        }
        let mut heads: Vec<(String, Vec<EntryIx>)> = heads.into_iter().collect();
        heads.sort();
        for (head, entries) in heads {
            let specific = catalog
                .common_ancestor(&entries)
                .is_some_and(|a| catalog.entries[a].level > Level::Section);
            if specific {
                add(head, Via::Name, Target::Entries(entries), true);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns.iter().map(|p| p.name.as_str()))
            .map_err(|e| err("kbki.csv", 0, format!("name automaton: {e}")))?;
        let mut postings: HashMap<String, Vec<EntryIx>> = HashMap::new();
        let mut name_len = Vec::with_capacity(catalog.entries.len());
        for (e, entry) in catalog.entries.iter().enumerate() {
            let ws = words(&entry.name_id);
            name_len.push(u16::try_from(ws.len()).unwrap_or(u16::MAX));
            for w in ws {
                let list = postings.entry(w).or_default();
                if list.last() != Some(&e) {
                    list.push(e);
                }
            }
        }
        Ok(Names {
            automaton: Some(automaton),
            patterns,
            postings,
            name_len,
        })
    }

    /// Names found in the text, in order of appearance; each word belongs to one name.
    pub(super) fn find(&self, text: &str) -> Vec<Found> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let ws = words(text);
        if ws.is_empty() {
            return Vec::new();
        }
        let hay = ws.join(" ");
        // Byte offset of each word's start, and of the end.
        let mut starts = Vec::with_capacity(ws.len() + 1);
        let mut at = 0;
        for w in &ws {
            starts.push(at);
            at += w.len() + 1;
        }
        let word_at = |byte: usize| starts.binary_search(&byte).ok();
        let bytes = hay.as_bytes();
        let mut hits: Vec<(usize, usize, usize)> = Vec::new(); // (pattern, first word, words)
        for m in ac.find_overlapping_iter(&hay) {
            let (s, e) = (m.start(), m.end());
            if e != bytes.len() && bytes[e] != b' ' {
                continue;
            }
            let Some(first) = word_at(s) else { continue };
            let p = m.pattern().as_usize();
            hits.push((p, first, self.patterns[p].words));
        }
        let rank = |&(p, first, _): &(usize, usize, usize)| {
            let pat = &self.patterns[p];
            (std::cmp::Reverse(pat.name.len()), pat.via as u8, first)
        };
        hits.sort_by_key(rank);
        let mut taken = vec![false; ws.len()];
        let mut out = Vec::new();
        for (p, first, len) in hits {
            let span = &mut taken[first..first + len];
            if span.iter().any(|t| *t) {
                continue;
            }
            span.iter_mut().for_each(|t| *t = true);
            let pat = &self.patterns[p];
            out.push(Found {
                name: pat.name.clone(),
                start: first,
                len,
                target: pat.target.clone(),
                via: pat.via,
                kbki: pat.kbki.clone(),
            });
        }
        out.sort_by_key(|f| f.start);
        out
    }

    /// Up to `n` entries sharing the most (rarest) meaningful words with the text, best
    /// first, with their scores. Ties go to the shorter name, then the shallower entry.
    pub(super) fn nearest(&self, catalog: &Catalog, text: &str, n: usize) -> Vec<(EntryIx, f32)> {
        let total = catalog.entries.len().max(1) as f32;
        let mut score: HashMap<EntryIx, f32> = HashMap::new();
        let mut seen: Vec<String> = Vec::new();
        for w in words(text) {
            if STOPWORDS.contains(&w.as_str()) || seen.contains(&w) {
                continue;
            }
            let Some(list) = self.postings.get(&w) else {
                continue;
            };
            let idf = (total / list.len() as f32).ln() + 1.0;
            for e in list {
                *score.entry(*e).or_default() += idf;
            }
            seen.push(w);
        }
        let mut ranked: Vec<(EntryIx, f32)> = score.into_iter().collect();
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.name_len[a.0].cmp(&self.name_len[b.0]))
                .then(catalog.entries[a.0].level.cmp(&catalog.entries[b.0].level))
                .then(catalog.entries[a.0].code.cmp(&catalog.entries[b.0].code))
        });
        ranked.truncate(n);
        ranked
    }

    /// Entries whose name holds every word of the query.
    pub(super) fn containing_all(&self, query: &str) -> Vec<EntryIx> {
        let ws = words(query);
        let mut lists: Vec<&Vec<EntryIx>> = Vec::new();
        for w in &ws {
            match self.postings.get(w) {
                Some(l) => lists.push(l),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let Some((first, rest)) = lists.split_first() else {
            return Vec::new();
        };
        first
            .iter()
            .copied()
            .filter(|e| rest.iter().all(|l| l.binary_search(e).is_ok()))
            .collect()
    }
}
