//! Query understanding: what a business owner's free text asks for, in catalog terms.
//!
//! "butuh 5 ton cabe rawit halal untuk restoran di Serang" → commodity `cabai_rawit`,
//! 5 t, halal, province Banten, looking for offers. The result is shown back to the user
//! (`understood` in responses) so a wrong guess can be corrected.
//!
//! Commodity names come from the catalog (Indonesian, regional and English names and
//! synonyms) and are matched as whole phrases, longest first, so *bawang merah* is never read
//! as *bawang putih*. A phrase of five letters or more also matches with one typo
//! (*bawang mera*, *cabai rawitt*), but only when exactly one catalog name is that close.
//! Every product name is also read against the KBKI catalog (`catalog`: 27 k BPS names in
//! one automaton pass), so "keripik tempe" reports KBKI 2314006001 beside the curated snacks.
//! Pure: no IO, no tantivy.

use crate::catalog::EntryIx;
use crate::model::units;
use crate::model::{Certification, ListingKind, Quantity};
use crate::reference::{CommodityIx, ProvinceIx, Reference};

/// What free text was understood to ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Understanding {
    pub commodities: Vec<CommodityIx>,
    /// Family words read as all their members ("cabai": both chilies).
    pub families: Vec<String>,
    /// Commodities found only through a typo-tolerant match.
    pub fuzzy: Vec<CommodityIx>,
    pub volume: Option<Quantity>,
    pub certifications: Vec<Certification>,
    pub province: Option<ProvinceIx>,
    /// The kind of listing the user looks for: offers (suppliers) or needs (buyers).
    pub looking_for: Option<ListingKind>,
    /// KBKI entries the text names (the catalog's reading of every product name in it,
    /// curated or not): "keripik tempe" → 2314006001.
    pub kbki: Vec<EntryIx>,
}

/// Lower-cased words of the text: letters, digits, apostrophes and decimal separators
/// inside numbers kept.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        let digit_sep = (ch == '.' || ch == ',')
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if ch.is_alphanumeric() || ch == '\'' || digit_sep {
            cur.extend(ch.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Levenshtein distance, stopping early past `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

const CERT_WORDS: [(&str, Certification); 10] = [
    ("halal", Certification::Halal),
    ("bpom", Certification::Bpom),
    ("sni", Certification::Sni),
    ("pirt", Certification::Pirt),
    ("p-irt", Certification::Pirt),
    ("organik", Certification::Organic),
    ("organic", Certification::Organic),
    ("haccp", Certification::Haccp),
    ("gap", Certification::Gap),
    ("cbib", Certification::Gap),
];
/// Words that say the user looks for suppliers (offers).
const WANTS_OFFERS: [&str; 14] = [
    "pemasok",
    "supplier",
    "suppliers",
    "penjual",
    "seller",
    "sellers",
    "produsen",
    "butuh",
    "membutuhkan",
    "cari",
    "mencari",
    "perlu",
    "beli",
    "membeli",
];
/// Words that say the user looks for buyers (needs).
const WANTS_NEEDS: [&str; 8] = [
    "pembeli", "buyer", "buyers", "pasar", "market", "markets", "jual", "menjual",
];

fn unit_of(word: &str) -> Option<&'static str> {
    units::unit_of_word(word).map(|u| u.name)
}

fn period_of(word: &str) -> Option<&'static str> {
    units::period_of_word(word)
}

fn number_of(word: &str) -> Option<f64> {
    if !word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // Indonesian writes 2,5 for 2.5; a dot before three digits is a thousands separator.
    let w = if word.contains(',') {
        word.replace('.', "").replace(',', ".")
    } else if word.split('.').skip(1).all(|g| g.len() == 3) && word.contains('.') {
        word.replace('.', "")
    } else {
        word.to_string()
    };
    w.parse().ok().filter(|x: &f64| x.is_finite() && *x > 0.0)
}

/// Splits "5ton" or "5t" into a number and a unit word.
fn split_number_unit(word: &str) -> Option<(f64, &'static str)> {
    let pos = word.find(|c: char| c.is_alphabetic())?;
    let (n, u) = word.split_at(pos);
    Some((number_of(n)?, unit_of(u)?))
}

/// Reads free text against the reference data.
pub fn understand(reference: &Reference, text: &str) -> Understanding {
    let words = words(text);
    // What is needed comes before what it is for: "kentang untuk pabrik keripik" asks for
    // potatoes, not chips; "cengkeh buat pabrik rokok" for cloves. The part after the first
    // purpose word counts only when the part before names nothing.
    let head = match words.iter().position(|w| PURPOSE.contains(&w.as_str())) {
        Some(i) if i > 0 => {
            let head = words[..i].join(" ");
            let named = !reference.commodities_in_text(&head).is_empty()
                || !reference.families_in_text(&head, &[]).is_empty();
            if named { head } else { text.to_string() }
        }
        _ => text.to_string(),
    };
    let head_words = self::words(&head);
    let mut u = Understanding {
        commodities: reference.commodities_in_text(&head),
        ..Understanding::default()
    };
    if u.commodities.is_empty() {
        u.fuzzy = fuzzy_commodities(reference, &head_words);
        u.commodities = u.fuzzy.clone();
    }
    // Family words not part of a name found above ("bawang" in "bawang mera" is not).
    for (word, members) in reference.families_in_text(&head, &u.commodities) {
        for c in members {
            if !u.commodities.contains(&c) {
                u.commodities.push(c);
            }
        }
        u.families.push(word);
    }
    let catalog = reference.catalog();
    for found in catalog.find_in_text(&head) {
        if let Some(r) = catalog.resolution_of(&found)
            && !u.kbki.contains(&r.entry)
        {
            u.kbki.push(r.entry);
        }
    }
    // Volume: "5 ton", "5ton", "2,5 kuintal per bulan", "200 kg/minggu".
    for i in 0..words.len() {
        let (qty, unit, next) = if let Some(q) = number_of(&words[i]) {
            match words.get(i + 1).and_then(|w| unit_of(w)) {
                Some(unit) => (q, unit, i + 2),
                None => continue,
            }
        } else if let Some((q, unit)) = split_number_unit(&words[i]) {
            (q, unit, i + 1)
        } else {
            continue;
        };
        let mut per = None;
        for w in words.iter().skip(next).take(2) {
            if let Some(p) = period_of(w) {
                per = Some(p.to_string());
                break;
            }
            if w != "per" && w != "a" && w != "setiap" && w != "tiap" {
                break;
            }
        }
        let q = Quantity {
            qty,
            unit: unit.to_string(),
            per,
        };
        if q.validate("volume").is_ok() {
            u.volume = Some(q);
            break;
        }
    }
    for w in &words {
        if let Some((_, c)) = CERT_WORDS.iter().find(|(name, _)| name == w)
            && !u.certifications.contains(c)
        {
            u.certifications.push(*c);
        }
    }
    u.province = province_in(reference, &words);
    if words.iter().any(|w| WANTS_NEEDS.contains(&w.as_str())) {
        u.looking_for = Some(ListingKind::Need);
    }
    if words.iter().any(|w| WANTS_OFFERS.contains(&w.as_str())) {
        u.looking_for = Some(ListingKind::Offer);
    }
    u
}

/// A province named in the text by its name, abbreviation (Jatim) or capital (Serang).
fn province_in(reference: &Reference, words: &[String]) -> Option<ProvinceIx> {
    let joined = format!(" {} ", words.join(" "));
    let mut best: Option<(usize, ProvinceIx)> = None;
    for (i, p) in reference.provinces.iter().enumerate() {
        for name in p.names() {
            let n = name.to_lowercase();
            if n.len() < 4 {
                continue;
            }
            if joined.contains(&format!(" {n} ")) && best.is_none_or(|(len, _)| n.len() > len) {
                best = Some((n.len(), i));
            }
        }
    }
    best.map(|(_, i)| i)
}

/// Catalog names within one edit of a run of words (five letters or more), when exactly
/// one commodity is that close.
/// Words that say what a need is for; see [`understand`].
const PURPOSE: &[&str] = &["untuk", "utk", "buat", "bagi", "guna", "for"];

/// Everyday words of a request that sit one letter from a catalog name ("segar", fresh, is
/// not a typo of "sugar"): never read as a typo.
const NOT_TYPOS: &[&str] = &[
    "segar", "kering", "beku", "basah", "mentah", "murah", "halus", "kasar", "super", "lokal",
    "curah", "grosir", "rutin", "kirim", "pasar", "harga", "stok", "siap", "panen", "bulan",
    "minggu", "hari", "tahun", "fresh", "dried", "frozen",
];

fn fuzzy_commodities(reference: &Reference, words: &[String]) -> Vec<CommodityIx> {
    let mut found = Vec::new();
    let names = reference.commodity_names();
    let mut i = 0;
    while i < words.len() {
        let mut matched = None;
        for n in (1..=3).rev() {
            if i + n > words.len() {
                continue;
            }
            let window = words[i..i + n].join(" ");
            if window.chars().count() < 5
                || window.chars().any(|c| c.is_ascii_digit())
                || words[i..i + n]
                    .iter()
                    .any(|w| NOT_TYPOS.contains(&w.as_str()))
            {
                continue;
            }
            let mut hits: Vec<CommodityIx> = Vec::new();
            for (name, c) in names {
                if name.split(' ').count() != n || name.len().abs_diff(window.len()) > 1 {
                    continue;
                }
                if edit_distance(&window, name, 1) <= 1 && !hits.contains(c) {
                    hits.push(*c);
                }
            }
            if hits.len() == 1 {
                matched = Some((n, hits[0]));
                break;
            }
        }
        match matched {
            Some((n, c)) => {
                if !found.contains(&c) {
                    found.push(c);
                }
                i += n;
            }
            None => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(r: &Reference, cs: &[CommodityIx]) -> Vec<String> {
        cs.iter().map(|c| r.commodities[*c].key.clone()).collect()
    }

    #[test]
    fn a_need_in_words_is_understood() {
        let r = Reference::embedded().unwrap();
        let u = understand(&r, "butuh 5 ton cabe rawit halal untuk restoran di Serang");
        assert_eq!(keys(&r, &u.commodities), ["cabai_rawit"]);
        let v = u.volume.unwrap();
        assert_eq!((v.qty, v.unit.as_str()), (5.0, "ton"));
        assert_eq!(u.certifications, [Certification::Halal]);
        assert_eq!(u.province.map(|p| r.provinces[p].code.as_str()), Some("36"));
        assert_eq!(u.looking_for, Some(ListingKind::Offer));
    }

    #[test]
    fn volumes_take_many_shapes() {
        let r = Reference::embedded().unwrap();
        let v = |t: &str| understand(&r, t).volume.map(|q| (q.qty, q.unit, q.per));
        assert_eq!(
            v("2,5 kuintal per bulan"),
            Some((2.5, "kuintal".into(), Some("month".into())))
        );
        assert_eq!(
            v("200 kg/minggu"),
            Some((200.0, "kg".into(), Some("week".into())))
        );
        assert_eq!(v("need 10t of rice"), Some((10.0, "ton".into(), None)));
        assert_eq!(
            v("1.500 kg sebulan"),
            Some((1500.0, "kg".into(), Some("month".into())))
        );
        assert_eq!(v("bawang merah"), None);
    }

    #[test]
    fn typos_find_the_one_close_commodity() {
        let r = Reference::embedded().unwrap();
        let k = |t: &str| keys(&r, &understand(&r, t).commodities);
        assert_eq!(k("bawang mera"), ["bawang_merah"]);
        assert_eq!(k("cabai rawitt"), ["cabai_rawit"]);
        assert_eq!(k("kopii arabika"), ["kopi"]);
        assert_eq!(k("bawang putih"), ["bawang_putih"]);
        assert!(k("mobil listrik").is_empty());
    }

    #[test]
    fn a_family_word_alone_covers_the_family() {
        let r = Reference::embedded().unwrap();
        let k = |t: &str| keys(&r, &understand(&r, t).commodities);
        assert_eq!(k("cabe"), ["cabai_rawit", "cabai_besar"]);
        assert_eq!(k("butuh lombok"), ["cabai_rawit", "cabai_besar"]);
        assert_eq!(
            k("bawang merah dan cabai"),
            ["bawang_merah", "cabai_rawit", "cabai_besar"]
        );
        assert_eq!(k("cabai rawit"), ["cabai_rawit"]);
        assert_eq!(k("daging"), ["daging_sapi", "daging_ayam", "daging_kerbau"]);
        assert_eq!(understand(&r, "cabe").families, ["cabe"]);
        assert!(understand(&r, "cabai rawit").families.is_empty());
    }

    #[test]
    fn the_need_comes_before_what_it_is_for() {
        let r = Reference::embedded().unwrap();
        let k = |t: &str| keys(&r, &understand(&r, t).commodities);
        assert_eq!(k("kentang granola untuk pabrik keripik"), ["kentang"]);
        assert_eq!(k("cengkeh kering buat pabrik rokok kretek"), ["cengkeh"]);
        assert_eq!(
            k("beras dan minyak goreng untuk paket sembako"),
            ["beras", "minyak_goreng"]
        );
        // Nothing named before it: the whole text counts.
        assert_eq!(k("untuk pabrik keripik"), ["makanan_ringan"]);
        // "segar" (fresh) is no typo of "sugar".
        assert_eq!(k("tomatt segar 3 ton"), ["tomat"]);
    }

    #[test]
    fn product_names_beyond_the_curated_catalog_get_kbki_codes() {
        let r = Reference::embedded().unwrap();
        let codes = |t: &str| -> Vec<String> {
            let c = r.catalog();
            understand(&r, t)
                .kbki
                .iter()
                .map(|e| c.entry(*e).code.clone())
                .collect()
        };
        assert_eq!(codes("butuh keripik tempe 200 kg"), ["2314006001"]);
        assert_eq!(codes("bawang merah"), ["0125302"]);
        assert_eq!(codes("mesin las untuk bengkel"), ["44241"]);
        assert!(codes("untuk dijual lagi").is_empty());
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("bawang mera", "bawang merah", 1), 1);
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("kitten", "sitting", 1), 2);
        assert_eq!(edit_distance("", "", 1), 0);
    }
}
