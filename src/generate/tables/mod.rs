//! The generator's hand-written data, apart from the logic that uses it: places and
//! specialisations ([`places`]), goods — names, popularity, quantities, prices, titles and
//! inputs ([`goods`]), lines of business ([`sectors`]), words and people for names
//! ([`names`]) and East Java's real trade missions ([`missions`]).
//!
//! Invariant (checked by the test below): every commodity key and province code in these
//! tables is in the reference data, and every catalog commodity has a price, titles and a
//! base quantity.

mod goods;
mod items;
mod missions;
mod names;
mod places;
mod sectors;

pub(super) use goods::*;
pub(super) use items::*;
pub(super) use missions::*;
pub(super) use names::*;
pub(super) use places::*;
pub(super) use sectors::*;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::generate::model::Model;
    use crate::generate::test_support::reference;

    #[test]
    fn tables_name_catalog_keys_and_real_provinces() {
        let r = reference();
        let key = |k: &str| assert!(r.commodity(k).is_some(), "unknown commodity {k}");
        let prov = |p: &str| assert!(r.province(p).is_some(), "unknown province {p}");
        for (k, list) in SPECIALISATIONS {
            key(k);
            list.iter().for_each(|(p, _)| prov(p));
        }
        for (a, b) in PROXIES {
            key(a);
            key(b);
        }
        for (k, p, _, _) in ORIGINS {
            key(k);
            prov(p);
        }
        POPULARITY.iter().for_each(|t| key(t.0));
        BASE_QTY.iter().for_each(|t| key(t.0));
        TEXT_NAMES.iter().for_each(|t| key(t.0));
        TITLES.iter().for_each(|t| key(t.0));
        KITCHEN.iter().for_each(|k| key(k));
        for (k, ins) in INPUTS {
            key(k);
            ins.iter().for_each(|k| key(k));
        }
        for s in SECTORS {
            s.offers.iter().for_each(|k| key(k));
        }
        for m in MISSIONS {
            prov(m.partner);
            m.sells.iter().chain(m.buys).for_each(|k| key(k));
        }
        // Every commodity has a price, a title list and a base quantity; every offer pool
        // commodity belongs to some sector.
        for c in &r.commodities {
            assert!(
                PRICES.iter().any(|t| t.0 == c.key),
                "no price for {}",
                c.key
            );
            assert!(
                TITLES.iter().any(|t| t.0 == c.key),
                "no titles for {}",
                c.key
            );
            assert!(
                BASE_QTY.iter().any(|t| t.0 == c.key),
                "no quantity for {}",
                c.key
            );
        }
        // 38 unique prefixes, one per province.
        let prefixes: BTreeSet<&str> = PROVINCES.iter().map(|t| t.1).collect();
        assert_eq!(prefixes.len(), 38);
        for p in &r.provinces {
            assert!(
                PROVINCES.iter().any(|t| t.0 == p.code),
                "no row for {}",
                p.code
            );
        }
        let model = Model::new(r);
        assert_eq!(model.business_id(r.province("35").unwrap(), 42), "jt-00042");
        assert_eq!(model.business_id(r.province("36").unwrap(), 7), "bt-00007");
        assert_eq!(
            model.business_id(r.province("32").unwrap(), 123_456),
            "jb-123456"
        );
    }
}
