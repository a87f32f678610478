use crate::catalog::{Catalog, Level, Target, Via};
use crate::reference::Reference;

fn with_catalog(f: impl FnOnce(&Reference, &Catalog)) {
    let r = Reference::embedded().unwrap();
    let c = r.load_catalog().unwrap();
    f(&r, c);
}

fn code(c: &Catalog, e: usize) -> &str {
    &c.entry(e).code
}

#[test]
fn the_tree_holds_every_kbki_goods_code_with_its_ancestors() {
    with_catalog(|_, c| {
        assert_eq!(c.len(), 27_469);
        let e = c.find("2314006001").unwrap();
        assert_eq!(c.entry(e).name_id, "Keripik tempe");
        assert_eq!(c.entry(e).level, Level::Item);
        let path: Vec<&str> = c.ancestors(e).into_iter().map(|a| code(c, a)).collect();
        assert_eq!(path, ["2", "23", "231", "2314", "23140", "2314006"]);
        assert_eq!(
            c.path_codes(e),
            ["2", "23", "231", "2314", "23140", "2314006", "2314006001"]
        );
        let parent = c.find("2314006").unwrap();
        assert!(c.children(parent).contains(&e));
        // A code whose direct parent BPS's list lacks hangs on its nearest ancestor.
        let orphan = c.find("36111").unwrap();
        assert!(code(c, c.entry(orphan).parent().unwrap()).len() < 4);
    });
}

#[test]
fn the_common_ancestor_is_the_deepest_shared_entry() {
    with_catalog(|_, c| {
        let a = c.find("2314006").unwrap();
        let b = c.find("2399911").unwrap();
        assert_eq!(code(c, c.common_ancestor(&[a, b]).unwrap()), "23");
        assert_eq!(code(c, c.common_ancestor(&[a]).unwrap()), "2314006");
        let other_section = c.find("0125302").unwrap();
        assert_eq!(c.common_ancestor(&[a, other_section]), None);
        assert_eq!(c.common_ancestor(&[]), None);
    });
}

#[test]
fn every_curated_commodity_has_a_kbki_entry() {
    with_catalog(|r, c| {
        for (i, com) in r.commodities.iter().enumerate() {
            assert!(
                c.commodity_entry(i).is_some(),
                "{} has no KBKI code",
                com.key
            );
        }
        let shallot = r.commodity("bawang_merah").unwrap();
        assert_eq!(code(c, c.commodity_entry(shallot).unwrap()), "0125302");
    });
}

#[test]
fn curated_names_win_over_kbki_names() {
    with_catalog(|r, c| {
        // "bawang merah" is both a curated commodity and KBKI 0125302's name.
        let found = c.find_in_text("jual bawang merah nganjuk");
        assert_eq!(found.len(), 1);
        let shallot = r.commodity("bawang_merah").unwrap();
        assert_eq!(found[0].target, Target::Commodity(shallot));
        assert_eq!(found[0].via, Via::Commodity);
        let res = c.resolve("Kopi arabika").unwrap();
        assert_eq!(res.commodity, r.commodity("kopi"));
    });
}

#[test]
fn a_generic_name_resolves_to_the_common_ancestor_of_its_items() {
    with_catalog(|r, c| {
        // Curated (snacks) and KBKI's two "Keripik" products: the commodity stays, the code
        // is their common ancestor.
        let keripik = c.resolve("keripik").unwrap();
        assert_eq!(keripik.commodity, r.commodity("makanan_ringan"));
        assert_eq!(code(c, keripik.entry), "23");
        assert_eq!(keripik.entries.len(), 2);
        let tempe = c.resolve("keripik tempe").unwrap();
        assert_eq!(tempe.commodity, r.commodity("makanan_ringan"));
        assert_eq!(code(c, tempe.entry), "2314006001");
        // Meatballs of meat (211) and of fish (212): processed meat by the curated name,
        // their common ancestor by BPS's.
        let bakso = c.resolve("bakso").unwrap();
        assert_eq!(bakso.commodity, r.commodity("olahan_daging"));
        assert_eq!(code(c, bakso.entry), "21");
        // Fresh apples stay fresh: BPS's item "Apel" among preserved fruit is another section.
        let apel = c.resolve("apel").unwrap();
        assert_eq!(code(c, apel.entry), "01351");
        let batik = c.resolve("batik tulis").unwrap();
        assert_eq!(code(c, batik.entry), "26");
        let sabun = c.resolve("sabun herbal sereh").unwrap();
        assert!(code(c, sabun.entry).starts_with("3532"));
    });
}

#[test]
fn kbki_names_and_their_heads_are_found_in_free_text() {
    with_catalog(|_, c| {
        // A full KBKI item name.
        let r = c.resolve("Keripik tempe sagu khas Malang").unwrap();
        assert_eq!(code(c, r.entry), "2314006001");
        let r = c.resolve("Emping melinjo Pandeglang").unwrap();
        assert_eq!((code(c, r.entry), r.via), ("2399913001", Via::Name));
        // The head of "Sepatu olah raga dari kulit asli" and its siblings.
        let r = c.resolve("sepatu olah raga anak").unwrap();
        assert!(code(c, r.entry).starts_with("294"), "{}", code(c, r.entry));
        // Words run together or split by punctuation are words.
        let r = c.resolve("KERUPUK-udang").unwrap();
        assert!(code(c, r.entry).starts_with("23"));
    });
}

#[test]
fn names_no_rule_knows_fall_back_to_the_nearest_entry() {
    with_catalog(|_, c| {
        // Words that only occur inside BPS's names, never at their head.
        let r = c.resolve("berdiameter kedap").unwrap();
        assert_eq!(r.via, Via::Nearest);
        let name = c.entry(r.entry).name_id.to_lowercase();
        assert!(
            name.contains("berdiameter") || name.contains("kedap"),
            "{name}"
        );
        assert!(c.resolve("qwxz zzqy").is_none());
        let near = c.nearest("minyak kayu cendana", 5);
        assert!(!near.is_empty() && near.len() <= 5);
    });
}

#[test]
fn catalog_search_finds_codes_by_prefix_and_names_by_words() {
    with_catalog(|_, c| {
        let by_code = c.search("23999", 50);
        assert!(by_code.iter().all(|e| code(c, *e).starts_with("23999")));
        assert_eq!(code(c, by_code[0]), "23999");
        let by_name = c.search("keripik pisang", 10);
        assert!(
            by_name
                .iter()
                .any(|e| c.entry(*e).name_id == "Keripik pisang")
        );
        assert!(c.search("zzzz", 10).is_empty());
    });
}

/// `tests/data/product_phrases.csv`: every product named on East Java's recorded trade
/// missions (`../shared/data/jatim_trade_missions.csv`, each with its news source), with
/// the KBKI division a reader would file it under; blank where the phrase names no one
/// product ("makanan-minuman").
const PHRASES: &str = include_str!("../../tests/data/product_phrases.csv");

#[derive(serde::Deserialize)]
struct Phrase {
    phrase: String,
    division: String,
    east_java: String,
    #[allow(dead_code)]
    mission: String,
    source: String,
}

fn phrases() -> Vec<Phrase> {
    csv::Reader::from_reader(PHRASES.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn real_product_phrases_map_to_the_right_division() {
    with_catalog(|_, c| {
        let all = phrases();
        let judged: Vec<&Phrase> = all.iter().filter(|p| !p.division.is_empty()).collect();
        assert!(judged.len() >= 100, "{} judged phrases", judged.len());
        assert!(all.iter().all(|p| p.source.starts_with("http")));
        let mut wrong = Vec::new();
        for p in &judged {
            let got = c.resolve(&p.phrase).map(|r| c.entry(r.entry).code.clone());
            let right = got
                .as_deref()
                .is_some_and(|code| code.len() >= 2 && code[..2] == p.division);
            if !right {
                wrong.push(format!("{:?} → {:?} (want {})", p.phrase, got, p.division));
            }
        }
        let share = 1.0 - wrong.len() as f64 / judged.len() as f64;
        eprintln!(
            "{} of {} phrases in the right division ({:.1} %); wrong: {wrong:#?}",
            judged.len() - wrong.len(),
            judged.len(),
            share * 100.0
        );
        assert!(
            share >= 0.9,
            "{:.1} % right; wrong: {wrong:#?}",
            share * 100.0
        );
    });
}

#[test]
fn every_product_east_java_sold_on_its_missions_maps_to_a_catalog_entry() {
    with_catalog(|_, c| {
        let sold: Vec<Phrase> = phrases()
            .into_iter()
            .filter(|p| p.east_java == "sold")
            .collect();
        assert!(sold.len() >= 80, "{}", sold.len());
        let unmapped: Vec<&str> = sold
            .iter()
            .filter(|p| c.resolve(&p.phrase).is_none())
            .map(|p| p.phrase.as_str())
            .collect();
        assert!(unmapped.is_empty(), "unmapped: {unmapped:?}");
    });
}
