//! The wider catalog in generated listings (#22): a share of offers name a KBKI item under
//! their commodity's entry — keripik tempe under snacks, batik tulis under batik, a welding
//! machine under machinery — with its code and BPS's name as the title, so the sample looks
//! like a real directory and not like 121 commodity names.
//!
//! Only leaves of the commodity's own subtree that no more specific curated commodity covers
//! are drawn (keripik tempe is `makanan_ringan`'s, not `kedelai`'s). The draw has a stream of
//! its own per business (`STREAM_CATALOG_ITEMS`, seeded by the business id), so adding it
//! shifts no other draw.

use crate::catalog::EntryIx;
use crate::reference::{CommodityIx, Reference};

use super::rng::{Rng, fnv};

/// The stream item draws come from (with the business id's hash as seed).
pub(super) const STREAM_CATALOG_ITEMS: u64 = 4;

/// The share of offers (of commodities with items) that name an item.
pub(super) const ITEM_SHARE: f64 = 0.35;

/// Leaves under each commodity's entry that it covers itself.
pub(super) struct CatalogItems {
    by_commodity: Vec<Vec<EntryIx>>,
}

impl CatalogItems {
    pub(super) fn new(r: &Reference) -> CatalogItems {
        let catalog = r.catalog();
        let by_commodity = (0..r.commodities.len())
            .map(|c| {
                let Some(root) = catalog.commodity_entry(c) else {
                    return Vec::new();
                };
                let mut leaves = Vec::new();
                let mut stack = vec![root];
                while let Some(e) = stack.pop() {
                    let children = catalog.children(e);
                    if children.is_empty() {
                        if e != root && catalog.commodity_covering(e) == Some(c) {
                            leaves.push(e);
                        }
                    } else {
                        stack.extend(children.iter().copied());
                    }
                }
                leaves.sort_unstable();
                leaves
            })
            .collect();
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

/// A title for an item: BPS's name (its first clause, capitalised as a seller writes it) and
/// where it comes from.
pub(super) fn item_title(bps_name: &str, city: &str) -> String {
    let name = bps_name
        .split([',', ';', '('])
        .next()
        .unwrap_or(bps_name)
        .trim();
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
    fn snacks_have_items_of_their_own_and_draws_are_replayable() {
        let r = Reference::embedded().unwrap();
        let items = CatalogItems::new(&r);
        let snacks = r.commodity("makanan_ringan").unwrap();
        let catalog = r.catalog();
        assert!(items.of(snacks).len() > 5, "{}", items.of(snacks).len());
        for &e in items.of(snacks) {
            let code = &catalog.entry(e).code;
            assert!(code.starts_with("23999"), "{code}");
            assert_eq!(catalog.commodity_covering(e), Some(snacks));
        }
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
        assert_eq!(
            item_title("keripik tempe, dari kedelai", "Malang"),
            "Keripik tempe, Malang"
        );
    }
}
