//! The wider catalog in generated listings (#22): a share of offers name a KBKI item of
//! their commodity — keripik tempe or kerupuk udang under snacks, batik cap under batik, a
//! rattan chair under furniture, a hand tractor under machinery — with its code and BPS's name
//! as the title, so the sample looks like a real directory and not like 121 commodity names.
//!
//! The items come from a hand-written list of what small firms really sell
//! ([`ITEMS`](super::tables::ITEMS)), not from every leaf under the commodity's code: KBKI's
//! subtrees are statistical classes (the snack class holds cannabis extracts, the drinks
//! class methanol). The item changes the title and the code, never the commodity, the place,
//! the unit or the quantities: where a commodity is offered follows its production table, the
//! nearest ancestor's, or the manufacturing quotient (`model`). The draw has a stream of its
//! own per business (`STREAM_CATALOG_ITEMS`, seeded by the business id and the offer's
//! number), so adding it shifts no other draw.

use crate::catalog::EntryIx;
use crate::reference::{CommodityIx, Reference};

use super::rng::{Rng, fnv};
use super::tables::ITEMS;

/// The stream item draws come from (with the business id's hash as seed).
pub(super) const STREAM_CATALOG_ITEMS: u64 = 4;

/// The share of offers (of commodities with items) that name an item.
pub(super) const ITEM_SHARE: f64 = 0.35;

/// The catalog entries each commodity's offers can name.
pub(super) struct CatalogItems {
    by_commodity: Vec<Vec<EntryIx>>,
}

impl CatalogItems {
    /// Resolves [`ITEMS`] against the catalog; a code the catalog lacks is skipped (the test
    /// below keeps the list true).
    pub(super) fn new(r: &Reference) -> CatalogItems {
        let catalog = r.catalog();
        let mut by_commodity = vec![Vec::new(); r.commodities.len()];
        for &(key, codes) in ITEMS {
            if let Some(c) = r.commodity(key) {
                by_commodity[c] = codes.iter().filter_map(|code| catalog.find(code)).collect();
            }
        }
        CatalogItems { by_commodity }
    }

    /// Items a commodity's listings can name.
    pub(super) fn of(&self, c: CommodityIx) -> &[EntryIx] {
        self.by_commodity.get(c).map_or(&[], Vec::as_slice)
    }

    /// For offer `i` of business `id`: an item of commodity `c`, `ITEM_SHARE` of the time.
    pub(super) fn draw(&self, id: &str, i: usize, c: CommodityIx) -> Option<EntryIx> {
        let items = self.of(c);
        if items.is_empty() {
            return None;
        }
        let mut rng = Rng::new(fnv(id) ^ i as u64, STREAM_CATALOG_ITEMS);
        rng.chance(ITEM_SHARE).then(|| *rng.pick(items))
    }
}

/// A title for an item: BPS's name as a seller writes it and where it comes from. BPS's
/// qualifiers after `(`, `;` or `,` go when what precedes them is a name of its own ("Bakso
/// ikan, dalam kemasan…" → "Bakso ikan"; "Meja, kursi tamu dari bambu/rotan" and "Arabika
/// (kopi bubuk)" stay whole).
pub(super) fn item_title(bps_name: &str, city: &str) -> String {
    let named = |head: &str| head.split_whitespace().count() >= 2;
    let mut name = bps_name.trim();
    for sep in [';', '(', ','] {
        if let Some((head, _)) = name.split_once(sep)
            && named(head)
        {
            name = head.trim();
        }
    }
    let mut chars = name.chars();
    let name = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    format!("{name}, {city}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_item_is_a_catalog_entry_its_commodity_can_stand_for() {
        let r = Reference::embedded().unwrap();
        let catalog = r.catalog();
        let items = CatalogItems::new(&r);
        for &(key, codes) in ITEMS {
            let c = r
                .commodity(key)
                .unwrap_or_else(|| panic!("unknown commodity {key}"));
            assert_eq!(
                items.of(c).len(),
                codes.len(),
                "{key}: a code the catalog lacks"
            );
            let own = catalog.commodity_entry(c).unwrap();
            for &e in items.of(c) {
                let entry = catalog.entry(e);
                // Under the commodity's own code, or what the catalog resolves the item's
                // name to: the commodity, with this code (keripik tempe, 2314006001).
                let under = catalog.ancestors(e).contains(&own);
                let resolved = catalog
                    .resolve(&entry.name_id)
                    .is_some_and(|res| res.commodity == Some(c) && res.entry == e);
                assert!(under || resolved, "{key}: {} {}", entry.code, entry.name_id);
                assert!(
                    !entry.name_id.to_lowercase().contains("lainnya"),
                    "{key}: {} is a residual class, not a product",
                    entry.name_id
                );
            }
        }
    }

    #[test]
    fn snacks_name_real_items_and_draws_are_replayable() {
        let r = Reference::embedded().unwrap();
        let items = CatalogItems::new(&r);
        let snacks = r.commodity("makanan_ringan").unwrap();
        let catalog = r.catalog();
        let names: Vec<&str> = items
            .of(snacks)
            .iter()
            .map(|&e| catalog.entry(e).name_id.as_str())
            .collect();
        for expected in [
            "Keripik tempe",
            "Kerupuk udang",
            "Emping melinjo",
            "Dodol ketan",
        ] {
            assert!(names.contains(&expected), "{names:?}");
        }
        // A commodity with no list names nothing.
        let padi = r.commodity("padi").unwrap();
        assert!(items.of(padi).is_empty());
        assert_eq!(items.draw("b1", 0, padi), None);
        // The same business and offer draw the same item; about ITEM_SHARE of them draw one.
        let drawn: Vec<Option<EntryIx>> = (0..400)
            .map(|i| items.draw(&format!("b{i}"), 0, snacks))
            .collect();
        let again: Vec<Option<EntryIx>> = (0..400)
            .map(|i| items.draw(&format!("b{i}"), 0, snacks))
            .collect();
        assert_eq!(drawn, again);
        let share = drawn.iter().flatten().count() as f64 / 400.0;
        assert!((0.25..0.45).contains(&share), "{share}");
    }

    #[test]
    fn titles_read_as_a_seller_writes_them() {
        assert_eq!(
            item_title("keripik tempe", "Malang"),
            "Keripik tempe, Malang"
        );
        assert_eq!(
            item_title("Bakso ikan, dalam kemasan tanpa kedap udara", "Sidoarjo"),
            "Bakso ikan, Sidoarjo"
        );
        assert_eq!(
            item_title("Meja, kursi tamu dari bambu/rotan", "Cirebon"),
            "Meja, kursi tamu dari bambu/rotan, Cirebon"
        );
        assert_eq!(
            item_title("Sarung untuk wanita (dewasa/anak-anak)", "Gresik"),
            "Sarung untuk wanita, Gresik"
        );
        assert_eq!(
            item_title("Arabika (kopi bubuk)", "Wamena"),
            "Arabika (kopi bubuk), Wamena"
        );
    }
}
