//! Businesses: the province of each, then one business at a time — kind, sector, offers,
//! needs, place, quantities, prices and certifications.

use crate::model::{Business, BusinessKind, Certification, Listing, PriceRange, Quantity};
use crate::reference::{CommodityIx, ProvinceIx};

use super::business_text::{business_description, business_name};
use super::listing_text::{need_description, need_title, offer_description, offer_title};
use super::model::Model;
use super::rng::Rng;
use super::tables::{KIND_SHARES, SECTORS, Sector, sector_ix};
use super::text::{nice, round_price};

/// The province of each business in file order: counts by population (largest remainder)
/// with a floor of 3 per province, shuffled so the file is not sorted by province.
pub(super) fn province_order(model: &Model, n: usize, rng: &mut Rng) -> Vec<u8> {
    let np = model.np;
    let floor = (n / np.max(1)).min(3);
    let mut counts = vec![floor; np];
    let rest = n - floor * np;
    let total: f64 = model.r.provinces.iter().map(|p| p.population as f64).sum();
    let shares: Vec<f64> = model
        .r
        .provinces
        .iter()
        .map(|p| rest as f64 * p.population as f64 / total)
        .collect();
    let mut given = 0;
    for (count, share) in counts.iter_mut().zip(&shares) {
        *count += share.floor() as usize;
        given += share.floor() as usize;
    }
    let mut by_remainder: Vec<usize> = (0..np).collect();
    by_remainder.sort_by(|&a, &b| {
        let (ra, rb) = (shares[a] - shares[a].floor(), shares[b] - shares[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &p in by_remainder.iter().cycle().take(rest - given) {
        counts[p] += 1;
    }
    let mut order: Vec<u8> = Vec::with_capacity(n);
    for (p, &k) in counts.iter().enumerate() {
        order.extend(std::iter::repeat_n(p as u8, k));
    }
    rng.shuffle(&mut order);
    order
}

fn kind_scale(kind: BusinessKind) -> f64 {
    match kind {
        BusinessKind::Umkm => 1.0,
        BusinessKind::Cooperative => 4.0,
        BusinessKind::Association => 10.0,
        BusinessKind::Bumd => 15.0,
        BusinessKind::Corporate => 30.0,
    }
}

/// Draws a count from weights over 0, 1, 2, ….
fn draw_count(rng: &mut Rng, weights: &[f64]) -> usize {
    rng.weighted(weights).unwrap_or(0)
}

pub(super) struct Draft {
    pub(super) kind: BusinessKind,
    pub(super) sector: usize,
    pub(super) offers: Vec<CommodityIx>,
    needs: Vec<CommodityIx>,
    pub(super) english: bool,
}

pub(super) fn make_business(
    model: &Model,
    rng: &mut Rng,
    p: ProvinceIx,
    seq: u32,
    bumds: &mut u32,
) -> Business {
    let id = model.business_id(p, seq);
    let kind = BusinessKind::ALL[rng.weighted(&KIND_SHARES).unwrap_or(0)];
    let ns = SECTORS.len();
    let ki = BusinessKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0);
    let known_bumd = if kind == BusinessKind::Bumd {
        *bumds += 1;
        model.known_bumd[p].filter(|_| *bumds == 1)
    } else {
        None
    };
    let dagang = sector_ix(Sector::Dagang);
    let sector = if known_bumd.is_some() {
        dagang
    } else {
        let w: Vec<f64> = (0..ns)
            .map(|s| SECTORS[s].kinds[ki] * model.strength[p * ns + s])
            .collect();
        rng.weighted(&w).unwrap_or(dagang)
    };

    // Offers: from the sector's pool, by popularity × the province's advantage (BUMDs sharpen
    // it to their province's real strengths).
    let n_offers = 1 + draw_count(
        rng,
        match kind {
            BusinessKind::Umkm => &[55.0, 30.0, 12.0, 3.0],
            BusinessKind::Cooperative => &[35.0, 35.0, 20.0, 10.0],
            BusinessKind::Association => &[0.0, 35.0, 40.0, 25.0],
            BusinessKind::Bumd => &[0.0, 30.0, 40.0, 30.0],
            BusinessKind::Corporate => &[30.0, 35.0, 25.0, 10.0],
        },
    );
    let offer_weights = |pool: &[CommodityIx]| -> Vec<f64> {
        pool.iter()
            .map(|&c| {
                let w = model.ow(p, c);
                model.pop[c] * if kind == BusinessKind::Bumd { w * w } else { w }
            })
            .collect()
    };
    let mut sector = sector;
    let mut offers: Vec<CommodityIx> = Vec::new();
    for s in [sector, dagang, sector_ix(Sector::Kuliner)] {
        let pool = &model.pools[s];
        let picked = rng.weighted_distinct(&offer_weights(pool), n_offers);
        if !picked.is_empty() {
            offers = picked.into_iter().map(|i| pool[i]).collect();
            sector = s;
            break;
        }
    }
    if offers.is_empty() {
        // Only when every weight of the province is zero (a reference without data).
        offers.push(model.pools[sector].first().copied().unwrap_or(0));
    }

    // Needs: what the offered goods are made from (restaurants: their kitchen; traders: what
    // the province lacks), by popularity × the province's deficit.
    let sec = SECTORS[sector].sector;
    let n_needs = draw_count(
        rng,
        match (sec, kind) {
            (Sector::Kuliner, _) => &[0.0, 30.0, 40.0, 30.0],
            (Sector::Dagang, _) => &[15.0, 40.0, 30.0, 15.0],
            (_, BusinessKind::Umkm) => &[35.0, 40.0, 20.0, 5.0],
            (_, BusinessKind::Cooperative) => &[20.0, 45.0, 25.0, 10.0],
            (_, BusinessKind::Association) => &[40.0, 35.0, 20.0, 5.0],
            (_, BusinessKind::Bumd) => &[30.0, 35.0, 25.0, 10.0],
            (_, BusinessKind::Corporate) => &[15.0, 35.0, 35.0, 15.0],
        },
    );
    let mut candidates: Vec<CommodityIx> = match sec {
        Sector::Kuliner => model.kitchen.clone(),
        Sector::Dagang => model.pools[dagang].clone(),
        _ => {
            let mut v: Vec<CommodityIx> = Vec::new();
            for &o in &offers {
                for &c in &model.inputs[o] {
                    if !v.contains(&c) {
                        v.push(c);
                    }
                }
            }
            v
        }
    };
    candidates.retain(|c| !offers.contains(c));
    let need_weights: Vec<f64> = candidates
        .iter()
        .map(|&c| {
            let w = model.nw(p, c);
            model.pop[c] * if sec == Sector::Dagang { w * w } else { w }
        })
        .collect();
    let needs: Vec<CommodityIx> = rng
        .weighted_distinct(&need_weights, n_needs)
        .into_iter()
        .map(|i| candidates[i])
        .collect();

    let english = rng.chance(0.15);
    let draft = Draft {
        kind,
        sector,
        offers,
        needs,
        english,
    };

    // Place: often the famous origin of the main product, else a city of the province.
    let cities = model.city_list(p);
    let main = draft.offers[0];
    let origin = model.origins[main]
        .iter()
        .filter(|o| o.0 == p)
        .collect::<Vec<_>>();
    // Farms sit in the regencies; firms, traders and kitchens as often in the capital.
    let farm = matches!(
        sec,
        Sector::Horti | Sector::Pangan | Sector::Kebun | Sector::Ternak | Sector::Ikan
    );
    let city: String = if !origin.is_empty() && rng.chance(0.6) {
        rng.pick(&origin).1.to_string()
    } else if cities.len() > 1 && farm {
        rng.pick(&cities[1..]).to_string()
    } else if rng.chance(0.3) {
        cities[0].to_string()
    } else {
        rng.pick(&cities).to_string()
    };
    let label = |c: CommodityIx| -> Option<&str> {
        model.origins[c]
            .iter()
            .find(|o| o.0 == p && o.1 == city)
            .map(|o| o.2)
    };

    let founded = match kind {
        BusinessKind::Umkm => rng.range(1995, 2023),
        BusinessKind::Cooperative => rng.range(1975, 2021),
        BusinessKind::Association => rng.range(1990, 2022),
        BusinessKind::Bumd => rng.range(1965, 2020),
        BusinessKind::Corporate => rng.range(1970, 2021),
    };
    let scale = kind_scale(kind);

    let mut offers = Vec::with_capacity(draft.offers.len());
    for (i, &c) in draft.offers.iter().enumerate() {
        let unit = model.unit(c).to_string();
        let perishable = model.r.commodities[c].shelf_life_days <= 7;
        let monthly = nice(model.base_qty[c] * scale * rng.spread());
        let per_draw = rng.unit();
        let (qty, per) = if per_draw < if perishable { 0.2 } else { 0.08 } {
            (nice(monthly / 4.0), "week")
        } else if per_draw > 0.93 {
            (nice(monthly * 12.0), "year")
        } else {
            (monthly, "month")
        };
        let (lo, hi, price_per, _) = model.price[c];
        let price = rng.chance(0.85).then(|| {
            let width = hi - lo;
            let min = round_price(lo + width * rng.uniform(0.0, 0.7));
            let max = round_price((min + width * rng.uniform(0.1, 0.4)).min(hi)).max(min);
            PriceRange {
                min,
                max,
                per: price_per.to_string(),
            }
        });
        let title = offer_title(model, rng, c, label(c), &city, draft.english);
        let description = rng
            .chance(0.55)
            .then(|| offer_description(model, rng, c, &draft, qty, &unit, per));
        // A share of offers name a KBKI item of their commodity (own stream: shifts nothing).
        let item = model
            .items
            .draw(&id, i, c)
            .map(|e| model.r.catalog().entry(e));
        let (title, kbki) = match item {
            Some(e) => (
                super::catalog_items::item_title(&e.name_id, &city),
                Some(e.code.clone()),
            ),
            None => (title, None),
        };
        offers.push(Listing {
            id: Some(format!("{id}-o{}", i + 1)),
            commodity: model.key(c).to_string(),
            kbki,
            title,
            description,
            capacity: Some(Quantity {
                qty,
                unit,
                per: Some(per.to_string()),
            }),
            volume: None,
            price,
        });
    }
    let mut needs = Vec::with_capacity(draft.needs.len());
    for (i, &c) in draft.needs.iter().enumerate() {
        let unit = model.unit(c).to_string();
        let small = if sec == Sector::Kuliner { 0.15 } else { 0.4 };
        let qty = nice(model.base_qty[c] * scale * small * rng.spread());
        let per = if rng.chance(0.9) { "month" } else { "week" };
        let qty = if per == "week" { nice(qty / 4.0) } else { qty };
        let (lo, hi, price_per, _) = model.price[c];
        let price = rng.chance(0.2).then(|| PriceRange {
            min: round_price(lo),
            max: round_price(lo + (hi - lo) * rng.uniform(0.3, 0.8)),
            per: price_per.to_string(),
        });
        let title = need_title(model, rng, c, draft.english);
        let description = rng
            .chance(0.45)
            .then(|| need_description(model, rng, c, &draft));
        needs.push(Listing {
            id: Some(format!("{id}-n{}", i + 1)),
            commodity: model.key(c).to_string(),
            kbki: None,
            title,
            description,
            capacity: None,
            volume: Some(Quantity {
                qty,
                unit,
                per: Some(per.to_string()),
            }),
            price,
        });
    }

    let certifications = certifications(model, rng, &draft);
    let name = match known_bumd {
        Some(n) => n.to_string(),
        None => business_name(model, rng, p, &draft, &city),
    };
    let cap = offers[0].capacity.clone().unwrap_or(Quantity {
        qty: 1.0,
        unit: "ton".into(),
        per: None,
    });
    let description = business_description(model, rng, p, &draft, &city, founded, &cap);
    Business {
        id,
        name,
        kind,
        province: model.r.provinces[p].code.clone(),
        city: Some(city),
        description: Some(description),
        certifications,
        offers,
        needs,
        contacts: None,
        publish_contacts: false,
    }
}

fn certifications(model: &Model, rng: &mut Rng, d: &Draft) -> Vec<Certification> {
    use BusinessKind as K;
    use Certification as C;
    let big = matches!(d.kind, K::Corporate | K::Bumd);
    let mut out: Vec<Certification> = Vec::new();
    let mut add = |c: Certification, p: f64, rng: &mut Rng| {
        if rng.chance(p) && !out.contains(&c) {
            out.push(c);
        }
    };
    for &c in &d.offers {
        let key = model.key(c);
        match model.category(c) {
            "processed_food" => {
                add(C::Halal, if big { 0.95 } else { 0.7 }, rng);
                if d.kind == K::Umkm {
                    add(C::Pirt, 0.6, rng);
                    add(C::Bpom, 0.1, rng);
                } else {
                    add(C::Bpom, 0.65, rng);
                }
                if big {
                    add(C::Haccp, 0.3, rng);
                }
            }
            "horticulture" | "food_crop" | "estate_crop" => {
                add(
                    C::Gap,
                    if d.kind == K::Cooperative { 0.2 } else { 0.1 },
                    rng,
                );
                add(C::Organic, 0.06, rng);
            }
            "fishery" => {
                add(C::Haccp, if big { 0.7 } else { 0.15 }, rng);
                if !matches!(key, "perikanan_tangkap" | "tuna" | "ikan_segar") {
                    add(C::Gap, 0.1, rng);
                }
            }
            "livestock" => {
                if matches!(key, "daging_sapi" | "daging_ayam") {
                    add(C::Halal, 0.7, rng);
                    if big {
                        add(C::Haccp, 0.4, rng);
                    }
                }
            }
            "building_material" => add(C::Sni, if d.kind == K::Umkm { 0.3 } else { 0.75 }, rng),
            "agri_input" => {
                if matches!(key, "pupuk" | "pakan_ternak" | "pakan_ikan") {
                    add(C::Sni, 0.5, rng);
                }
            }
            "manufacturing" => {
                if matches!(
                    key,
                    "mesin_peralatan" | "karung" | "kemasan" | "produk_kebersihan"
                ) {
                    add(C::Sni, 0.25, rng);
                }
            }
            _ => {}
        }
    }
    if SECTORS[d.sector].sector == Sector::Kuliner {
        add(C::Halal, 0.6, rng);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::generate::test_support::sample;

    #[test]
    fn businesses_follow_population_and_kinds() {
        let (s, businesses, _) = sample();
        assert_eq!(s.stats.provinces, 38);
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        for b in businesses {
            *per.entry(b.province.as_str()).or_default() += 1;
        }
        assert_eq!(per.len(), 38);
        assert!(per.values().all(|&n| n >= 3), "{per:?}");
        // West Java is the most populous, then East and Central Java.
        let mut top: Vec<(&&str, &usize)> = per.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1));
        assert_eq!(
            top.iter().take(3).map(|t| *t.0).collect::<Vec<_>>(),
            ["32", "35", "33"]
        );
        let share =
            |k: BusinessKind| businesses.iter().filter(|b| b.kind == k).count() as f64 / 3200.0;
        assert!((0.70..0.80).contains(&share(BusinessKind::Umkm)));
        assert!((0.07..0.13).contains(&share(BusinessKind::Cooperative)));
        assert!((0.02..0.06).contains(&share(BusinessKind::Association)));
        assert!((0.02..0.06).contains(&share(BusinessKind::Bumd)));
        assert!((0.05..0.09).contains(&share(BusinessKind::Corporate)));
        assert!(
            businesses
                .iter()
                .any(|b| b.name == "PT Panca Wira Usaha Jawa Timur (Perseroda)")
        );
    }
}
