//! Trade missions: the participants of each of East Java's missions, the deals signed
//! there, and the Jatim–Banten mission spec (`POST /v1/missions/plan` body).
//!
//! Invariant: `jatim_banten_mission` picks participants exactly as `generate` did for the
//! `jatim-banten-2023` deals (same function, same stream), so the two agree.

use serde_json::{Value, json};

use crate::model::{Business, BusinessKind, DealStatus};
use crate::reference::{CommodityIx, ProvinceIx, Reference};

use super::model::Model;
use super::output::{DraftDeal, day_of};
use super::rng::{Rng, STREAM_MISSION_SPEC, STREAM_MISSIONS, fnv};
use super::roster::{Roster, UNKNOWN_PROVINCE};
use super::tables::{MISSIONS, MissionDef};
use super::text::{nice, round_price};

/// The Jatim–Banten mission spec shaped like the real one of 11 Sep 2023 (57 East Java + 100
/// Banten businesses, Serang), drawn from generated businesses: the body of
/// `POST /v1/missions/plan`.
///
/// The participants are chosen exactly as `generate` chose the participants of the
/// `jatim-banten-2023` deals, so with the businesses and the seed of a `generate` run the two
/// agree. East Java sends sellers of what Banten lacks (and of the goods actually sold there)
/// and some buyers of what Banten sells; Banten brings buyers with matching needs and some
/// sellers. A few must/want requests pair an East Java seller with a Banten buyer of the same
/// commodity; two such pairs are blocked (they already trade); a few participants are only
/// there in the morning or the afternoon.
pub fn jatim_banten_mission(reference: &Reference, businesses: &[Business], seed: u64) -> Value {
    let model = Model::new(reference);
    let mut roster = Roster::with_capacity(businesses.len());
    for b in businesses {
        roster.push_known(&model, b);
    }
    let mi = MISSIONS
        .iter()
        .position(|m| m.partner == "36" && m.date == "2023-09-11")
        .expect("the Banten mission is in the table");
    let m = &MISSIONS[mi];
    let (origin, host) = select_participants(&model, &roster, mi, seed);
    let mut rng = Rng::new(seed, STREAM_MISSION_SPEC);
    let id = |i: u32| businesses[i as usize].id.clone();

    let mut participants = Vec::new();
    let mut all: Vec<(u32, &str)> = origin.iter().map(|&b| (b, "origin")).collect();
    all.extend(host.iter().map(|&b| (b, "host")));
    // A few leave after the morning block (slots 0–5), a few only come after lunch (6–11).
    let mut limited: Vec<usize> = (0..all.len()).collect();
    rng.shuffle(&mut limited);
    let early: Vec<usize> = limited.iter().copied().take(6).collect();
    let late: Vec<usize> = limited.iter().copied().skip(6).take(3).collect();
    for (k, &(b, side)) in all.iter().enumerate() {
        let mut p = json!({"id": id(b), "side": side});
        if early.contains(&k) {
            p["available"] = json!([[0, 5]]);
        } else if late.contains(&k) {
            p["available"] = json!([[6, 11]]);
        }
        participants.push(p);
    }

    // Seller (origin) × buyer (host) pairs of the same commodity, the mission's goods first.
    let sells = model.keys(m.sells);
    let mut pairs: Vec<(u32, u32, CommodityIx, bool)> = Vec::new();
    for &s in &origin {
        for &c in roster.offers_of(s) {
            for &b in &host {
                if roster.needs_of(b).contains(&c) && !pairs.iter().any(|q| q.0 == s && q.1 == b) {
                    pairs.push((s, b, c as usize, sells.contains(&(c as usize))));
                }
            }
        }
    }
    let mut requests = Vec::new();
    let mut blocked = Vec::new();
    let mut used: Vec<u32> = Vec::new();
    let mut topics: Vec<CommodityIx> = Vec::new();
    // 3 must and 5 want requests, then 2 blocked pairs (they already trade): each participant
    // at most once, each commodity at most twice, the mission's goods preferred at first.
    for (round, want) in [3usize, 5, 2].into_iter().enumerate() {
        let mut got = 0;
        for tries in 0..1000 {
            if got == want || pairs.is_empty() {
                break;
            }
            let (s, b, c, in_mission) = pairs[rng.below(pairs.len())];
            let twice = topics.iter().filter(|&&t| t == c).count() >= 2;
            if (!in_mission && tries < 300) || twice || used.contains(&s) || used.contains(&b) {
                continue;
            }
            used.extend([s, b]);
            topics.push(c);
            got += 1;
            if round < 2 {
                let priority = if round == 0 { "must" } else { "want" };
                requests.push(json!({"a": id(s), "b": id(b), "priority": priority}));
            } else {
                blocked.push(json!([id(s), id(b)]));
            }
        }
    }
    json!({
        "name": "Misi Dagang Jatim–Banten 2023",
        "host_province": "36",
        "date": "2023-09-11",
        "venue": "Serang",
        "slots": {"start": "09:00", "minutes": 20, "count": 12, "breaks": [{"after": 5, "minutes": 60}]},
        "tables": 40,
        "max_meetings": 8,
        "participants": participants,
        "requests": requests,
        "blocked": blocked,
        "preferences_only": false,
    })
}

/// The day of a mission: the reported date, or for a month or a year only a fixed day in it
/// chosen by a hash of the date and partner (so it does not change with the seed).
pub(super) fn mission_day(m: &MissionDef) -> String {
    let h = fnv(&format!("{}|{}", m.date, m.partner));
    match m.date.len() {
        10 => m.date.to_string(),
        7 => format!("{}-{:02}", m.date, 1 + h % 28),
        _ => format!("{}-{:02}-{:02}", m.date, 1 + h % 12, 1 + (h >> 8) % 28),
    }
}

/// The East Java (origin) and partner (host) participants of mission `mi`: East Java sellers
/// of what the host lacks and of the goods the mission really traded, East Java buyers of
/// what the host sells; host buyers of what East Java grows and host sellers of what it buys.
/// BUMDs, associations and corporates come more often (missions bring them). Weighted
/// sampling without replacement from the mission's own stream, so it depends only on the
/// roster, the reference and the seed.
fn select_participants(
    model: &Model,
    roster: &Roster,
    mi: usize,
    seed: u64,
) -> (Vec<u32>, Vec<u32>) {
    let m = &MISSIONS[mi];
    let (Some(o), Some(h)) = (model.r.province("35"), model.r.province(m.partner)) else {
        return (Vec::new(), Vec::new());
    };
    let mut rng = Rng::new(seed, STREAM_MISSIONS + 2 * mi as u64);
    let sells = model.keys(m.sells);
    let buys = model.keys(m.buys);
    let deficit = |p: ProvinceIx, c: CommodityIx| model.nw(p, c).min(5.0) / 5.0;
    let surplus = |p: ProvinceIx, c: CommodityIx| model.ow(p, c).min(6.0) / 6.0;
    let flag = |list: &[CommodityIx], c: CommodityIx| if list.contains(&c) { 1.0 } else { 0.0 };
    let mut pick = |home: ProvinceIx, away: ProvinceIx, origin: bool, k: usize| -> Vec<u32> {
        let members: Vec<u32> = (0..roster.len() as u32)
            .filter(|&b| {
                roster.province[b as usize] as usize == home
                    && roster.province[b as usize] != UNKNOWN_PROVINCE
            })
            .collect();
        let weights: Vec<f64> = members
            .iter()
            .map(|&b| {
                let mut s = 0.2;
                for &c in roster.offers_of(b) {
                    let c = c as usize;
                    s += if origin {
                        deficit(away, c) + 2.0 * flag(&sells, c)
                    } else {
                        0.5 * deficit(away, c) + 1.5 * flag(&buys, c)
                    };
                }
                for &c in roster.needs_of(b) {
                    let c = c as usize;
                    s += if origin {
                        0.5 * surplus(away, c) + 1.5 * flag(&buys, c)
                    } else {
                        surplus(away, c) + 2.0 * flag(&sells, c)
                    };
                }
                let big = matches!(
                    roster.kind[b as usize],
                    BusinessKind::Bumd | BusinessKind::Association | BusinessKind::Corporate
                );
                if big { s * 1.5 } else { s }
            })
            .collect();
        let mut chosen: Vec<u32> = rng
            .weighted_distinct(&weights, k)
            .into_iter()
            .map(|i| members[i])
            .collect();
        chosen.sort_unstable();
        chosen
    };
    let origin = pick(o, h, true, m.origin);
    let host = pick(h, o, false, m.host);
    (origin, host)
}

/// The deals signed at mission `mi` (at most `cap`): between its participants, mostly East
/// Java selling, on the mission day; volumes scaled so that their value adds up to the
/// reported total (East Java's sales plus purchases where reported).
pub(super) fn mission_deals(
    model: &Model,
    roster: &Roster,
    mi: usize,
    seed: u64,
    cap: usize,
) -> Vec<DraftDeal> {
    let m = &MISSIONS[mi];
    let (origin, host) = select_participants(model, roster, mi, seed);
    if origin.is_empty() || host.is_empty() {
        return Vec::new();
    }
    let mut rng = Rng::new(seed, STREAM_MISSIONS + 2 * mi as u64 + 1);
    let n = m
        .deals
        .unwrap_or(((origin.len() + host.len()) as f64 * 0.6).round() as usize)
        .min(cap);
    // (seller, buyer, commodity) with a weight: the goods the mission really traded first.
    let triples = |sellers: &[u32], buyers: &[u32], goods: &[CommodityIx]| {
        let mut t: Vec<(u32, u32, u16)> = Vec::new();
        let mut w: Vec<f64> = Vec::new();
        for &s in sellers {
            for &c in roster.offers_of(s) {
                for &b in buyers {
                    if roster.needs_of(b).contains(&c) {
                        t.push((s, b, c));
                        w.push(if goods.contains(&(c as usize)) {
                            4.0
                        } else {
                            1.0
                        });
                    }
                }
            }
        }
        (t, w)
    };
    let sell = triples(&origin, &host, &model.keys(m.sells));
    let buy = triples(&host, &origin, &model.keys(m.buys));
    let sell_share = if m.sell_idr + m.buy_idr > 0.0 {
        m.sell_idr / (m.sell_idr + m.buy_idr)
    } else {
        0.85
    };
    let day = day_of(&mission_day(m));
    let mut deals = Vec::with_capacity(n);
    for _ in 0..n {
        let want_sell = rng.chance(sell_share);
        let (t, w) = if (want_sell && !sell.0.is_empty()) || buy.0.is_empty() {
            &sell
        } else {
            &buy
        };
        let (seller, buyer, c, qty) = match rng.weighted(w) {
            Some(i) => {
                let (s, b, c) = t[i];
                let need = roster.need_ix(b, c).expect("buyer needs c");
                (
                    s,
                    b,
                    c,
                    roster.need_qty[need] as f64 * 12.0 * rng.uniform(0.5, 1.5),
                )
            }
            None => {
                // Nobody matches: an East Java seller's main product to a host participant.
                let s = *rng.pick(&origin);
                let Some(&c) = roster.offers_of(s).first() else {
                    continue;
                };
                let b = *rng.pick(&host);
                let o = roster.offer_ix(s, c).expect("seller offers c");
                (s, b, c, roster.offer_qty[o] as f64 * 6.0)
            }
        };
        let o = roster.offer_ix(seller, c).expect("seller offers c");
        let [lo, hi] = roster.offer_price[o];
        let status = match rng.weighted(&[45.0, 50.0, 5.0]) {
            Some(1) => DealStatus::Mou,
            Some(2) => DealStatus::Failed,
            _ => DealStatus::Completed,
        };
        deals.push(DraftDeal {
            buyer,
            seller,
            c: c as usize,
            qty,
            price: round_price(rng.uniform(lo as f64, hi as f64)),
            day,
            status,
        });
    }
    let target = if m.sell_idr + m.buy_idr > 0.0 {
        m.sell_idr + m.buy_idr
    } else {
        m.total_idr
    };
    let sum: f64 = deals.iter().map(|d| d.value(model)).sum();
    if sum > 0.0 {
        let k = target / sum;
        for d in &mut deals {
            d.qty = nice(d.qty * k);
        }
    }
    deals
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::generate::test_support::{province_of, reference, sample};
    use crate::model::Deal;

    #[test]
    fn mission_deals_are_on_the_real_dates_between_east_java_and_the_partner() {
        let (_, businesses, deals) = sample();
        let prov = province_of(businesses);
        for m in MISSIONS {
            let tagged: Vec<&Deal> = deals
                .iter()
                .filter(|d| d.mission.as_deref() == Some(m.id().as_str()))
                .collect();
            assert!(!tagged.is_empty(), "{}", m.id());
            let day = mission_day(m);
            assert!(day.starts_with(m.date));
            for d in &tagged {
                assert_eq!(d.date, day);
                let pair = [prov[d.buyer.as_str()], prov[d.seller.as_str()]];
                assert!(
                    pair.contains(&"35") && pair.contains(&m.partner),
                    "{:?}",
                    d.id
                );
            }
            let total: f64 = tagged.iter().map(|d| d.value_idr).sum();
            let target = if m.sell_idr > 0.0 {
                m.sell_idr + m.buy_idr
            } else {
                m.total_idr
            };
            assert!(
                (total / target - 1.0).abs() < 0.1,
                "{}: {total} vs {target}",
                m.id()
            );
        }
        let banten = deals
            .iter()
            .filter(|d| d.mission.as_deref() == Some("jatim-banten-2023"))
            .count();
        assert!((50..=100).contains(&banten), "{banten}");
    }

    #[test]
    fn the_banten_mission_has_57_east_java_and_100_banten_participants() {
        let (_, businesses, deals) = sample();
        let spec = jatim_banten_mission(reference(), businesses, 42);
        assert_eq!(spec, jatim_banten_mission(reference(), businesses, 42));
        let prov = province_of(businesses);
        let parts = spec["participants"].as_array().unwrap();
        let side = |s: &str| -> Vec<&str> {
            parts
                .iter()
                .filter(|p| p["side"] == s)
                .map(|p| p["id"].as_str().unwrap())
                .collect()
        };
        let (origin, host) = (side("origin"), side("host"));
        assert_eq!(origin.len(), 57);
        assert_eq!(host.len(), 100);
        assert!(origin.iter().all(|id| prov[id] == "35"));
        assert!(host.iter().all(|id| prov[id] == "36"));
        assert_eq!(
            parts
                .iter()
                .filter(|p| p.get("available").is_some())
                .count(),
            9
        );
        assert_eq!(spec["host_province"], "36");
        assert_eq!(spec["date"], "2023-09-11");
        let by_id: BTreeMap<&str, &Business> =
            businesses.iter().map(|b| (b.id.as_str(), b)).collect();
        let requests = spec["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 8);
        assert_eq!(
            requests.iter().filter(|r| r["priority"] == "must").count(),
            3
        );
        for r in requests {
            let (a, b) = (
                by_id[r["a"].as_str().unwrap()],
                by_id[r["b"].as_str().unwrap()],
            );
            assert!(origin.contains(&a.id.as_str()) && host.contains(&b.id.as_str()));
            assert!(
                a.offers
                    .iter()
                    .any(|o| b.needs.iter().any(|n| n.commodity == o.commodity))
            );
        }
        assert_eq!(spec["blocked"].as_array().unwrap().len(), 2);
        // The mission's deals in deals.jsonl are between these same participants.
        for d in deals
            .iter()
            .filter(|d| d.mission.as_deref() == Some("jatim-banten-2023"))
        {
            let (b, s) = (d.buyer.as_str(), d.seller.as_str());
            assert!(
                (origin.contains(&s) && host.contains(&b))
                    || (host.contains(&s) && origin.contains(&b)),
                "{:?}",
                d.id
            );
        }
    }

    #[test]
    fn dates_round_trip_and_mission_days_are_fixed() {
        for day in [0, 17_897, 19_611, 19_782, 20_757] {
            assert_eq!(
                crate::model::parse_date(&crate::model::format_date(day)),
                Some(day)
            );
        }
        assert_eq!(crate::model::format_date(19_611), "2023-09-11");
        let m = &MISSIONS[0];
        assert_eq!(mission_day(m), mission_day(m));
        assert!(crate::model::parse_date(&mission_day(m)).is_some());
    }
}
