//! Quality on two judged sets.
//!
//! - `judged_matches.tsv`, the ranking set: 55 buyers' requests written as buyers write them
//!   (descriptions, misspellings, several needs, volumes, certifications), each judged by hand
//!   with the origins a buyer in that province would call appropriate. Results of
//!   `POST /v1/match` are graded 0–3 over the whole top 10 (right commodity, appropriate
//!   origin, capacity against the volume asked, certifications) and scored by nDCG@10 against
//!   the best list the index could give; every configuration has its own thresholds.
//! - `judged_queries.tsv`, the search set: catalog names, affixes, regional and English names
//!   and typos; a listing is relevant when its commodity is judged relevant
//!   (precision@10 and nDCG@10 of `/v1/search`).
//!
//! Thresholds sit just under the figures measured on the committed fixtures; RELEVANCE.md
//! records the figures, the thresholds and the margins.

use jalin::engine::{Engine, EngineOptions, SearchParams};
use jalin::search::Analysis;

struct Judged {
    query: String,
    relevant: Vec<String>,
}

fn judged() -> Vec<Judged> {
    include_str!("judged_queries.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (q, rel) = l.split_once('\t').unwrap_or((l, ""));
            Judged {
                query: q.to_string(),
                relevant: rel.split(',').map(|s| s.trim().to_string()).collect(),
            }
        })
        .collect()
}

fn top10(engine: &Engine, query: &str) -> Vec<String> {
    engine
        .search(&SearchParams {
            q: Some(query.into()),
            limit: Some(10),
            ..SearchParams::default()
        })
        .expect("search")
        .results
        .into_iter()
        .map(|r| r.listing.commodity)
        .collect()
}

/// How many listings of these commodities the index holds (the ideal ranking's depth).
fn relevant_in_index(engine: &Engine, relevant: &[String]) -> usize {
    engine
        .search(&SearchParams {
            commodity: Some(relevant.join(",")),
            limit: Some(1),
            ..SearchParams::default()
        })
        .expect("search")
        .total
}

struct Quality {
    precision: f64,
    ndcg: f64,
    weak: Vec<String>,
}

/// Precision@10 (against what the index can give at most) and nDCG@10 with binary
/// relevance, averaged over the judged set.
fn measure(engine: &Engine, set: &[Judged]) -> Quality {
    let (mut p_sum, mut ndcg_sum) = (0.0, 0.0);
    let mut weak = Vec::new();
    for j in set {
        let got = top10(engine, &j.query);
        let rel: Vec<bool> = got.iter().map(|c| j.relevant.contains(c)).collect();
        let hits = rel.iter().filter(|r| **r).count();
        let dcg: f64 = rel
            .iter()
            .enumerate()
            .filter(|(_, r)| **r)
            .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
            .sum();
        let ideal_n = relevant_in_index(engine, &j.relevant).min(10);
        let idcg: f64 = (0..ideal_n).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
        let ndcg = if idcg > 0.0 { dcg / idcg } else { 1.0 };
        let p = if ideal_n > 0 {
            (hits as f64 / ideal_n as f64).min(1.0)
        } else {
            1.0
        };
        p_sum += p;
        ndcg_sum += ndcg;
        if ndcg < 0.5 {
            weak.push(format!("{:?}: nDCG {ndcg:.2}, got {got:?}", j.query));
        }
    }
    let n = set.len() as f64;
    Quality {
        precision: p_sum / n,
        ndcg: ndcg_sum / n,
        weak,
    }
}

fn engine(options: EngineOptions) -> Engine {
    let engine = Engine::in_memory(options).expect("engine");
    engine.load_fixtures(&mut |_, _, _| {}).expect("fixtures");
    engine
}

#[test]
fn judged_queries_meet_precision_and_ndcg_thresholds() {
    let set = judged();
    assert!(set.len() >= 60, "the judged set has {} queries", set.len());
    let variants = [
        (
            "basic (v0: no stemming, no understanding)",
            EngineOptions {
                analysis: Analysis::Basic,
                understanding: false,
                ..EngineOptions::default()
            },
        ),
        (
            "snowball only",
            EngineOptions {
                analysis: Analysis::Snowball,
                understanding: false,
                ..EngineOptions::default()
            },
        ),
        (
            "sastrawi only",
            EngineOptions {
                analysis: Analysis::Sastrawi,
                understanding: false,
                ..EngineOptions::default()
            },
        ),
        (
            "snowball + understanding",
            EngineOptions {
                analysis: Analysis::Snowball,
                understanding: true,
                ..EngineOptions::default()
            },
        ),
        (
            "sastrawi + understanding (default)",
            EngineOptions::default(),
        ),
    ];
    let mut default = None;
    for (name, options) in variants {
        let q = measure(&engine(options), &set);
        println!(
            "{name}: {} queries, precision@10 {:.3}, nDCG@10 {:.3}",
            set.len(),
            q.precision,
            q.ndcg
        );
        for w in &q.weak {
            println!("    weak: {w}");
        }
        default = Some(q);
    }
    let q = default.expect("measured");
    assert!(
        q.precision >= PRECISION_AT_10,
        "precision@10 {:.3} < {PRECISION_AT_10}",
        q.precision
    );
    assert!(q.ndcg >= NDCG_AT_10, "nDCG@10 {:.3} < {NDCG_AT_10}", q.ndcg);
}

/// Set just under the figures measured on the committed fixtures (see the note on issue 3).
const PRECISION_AT_10: f64 = 0.97;
const NDCG_AT_10: f64 = 0.97;

#[test]
fn the_ways_people_ask_for_shallots_and_chili_all_find_them() {
    let engine = engine(EngineOptions::default());
    for (q, want) in [
        ("pemasok bawang merah", "bawang_merah"),
        ("supplier shallots", "bawang_merah"),
        ("brambang", "bawang_merah"),
        ("bawang mera", "bawang_merah"),
        ("membutuhkan cabe rawit", "cabai_rawit"),
    ] {
        let got = top10(&engine, q);
        assert!(got.len() == 10, "{q}: {got:?}");
        assert!(got.iter().all(|c| c == want), "{q}: {got:?}");
    }
    // Garlic first: no shallot listing above a garlic one.
    let got = top10(&engine, "bawang putih");
    let first_shallot = got.iter().position(|c| c == "bawang_merah");
    let last_garlic = got.iter().rposition(|c| c == "bawang_putih");
    assert!(last_garlic.is_some(), "{got:?}");
    if let (Some(s), Some(g)) = (first_shallot, last_garlic) {
        assert!(s > g, "{got:?}");
    }
}

#[test]
fn a_need_in_words_is_understood_and_matched() {
    let engine = engine(EngineOptions::default());
    let req: jalin::engine::MatchRequest = serde_json::from_str(
        r#"{"need": {"text": "butuh 5 ton cabe rawit halal per bulan untuk restoran di Serang"}, "limit": 10}"#,
    )
    .expect("request");
    let res = engine
        .match_request(&req, jalin::model::Lang::En)
        .expect("match");
    let u = &res.understood;
    assert_eq!(u.commodities, ["cabai_rawit"]);
    assert_eq!(u.province.as_deref(), Some("36"));
    assert_eq!(
        u.volume.as_ref().map(|v| (v.qty, v.unit.as_str())),
        Some((5.0, "ton"))
    );
    assert_eq!(u.certifications, [jalin::model::Certification::Halal]);
    assert!(
        !res.results.is_empty(),
        "no halal cabai rawit supplier for Banten"
    );
    for r in &res.results {
        assert_eq!(r.listing.commodity, "cabai_rawit");
        assert_ne!(r.business.province, "36");
        assert!(
            r.business
                .certifications
                .contains(&jalin::model::Certification::Halal)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The judged set for ranking (`judged_matches.tsv`): buyers' requests as buyers write them,
// graded over whole result lists. See RELEVANCE.md for the measured figures.

struct JudgedNeed {
    text: String,
    province: String,
    /// Relevant commodity → the origins judged appropriate for this buyer.
    relevant: Vec<(String, Vec<String>)>,
    /// Tons a month asked.
    volume: Option<f64>,
    certs: Vec<jalin::model::Certification>,
}

fn judged_needs() -> Vec<JudgedNeed> {
    include_str!("judged_matches.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let col = |i: usize| cols.get(i).map(|s| s.trim()).unwrap_or("");
            JudgedNeed {
                text: col(0).to_string(),
                province: col(1).to_string(),
                relevant: col(2)
                    .split(';')
                    .filter_map(|part| {
                        let (key, origins) = part.trim().split_once('=')?;
                        Some((
                            key.trim().to_string(),
                            origins.split(',').map(|o| o.trim().to_string()).collect(),
                        ))
                    })
                    .collect(),
                volume: col(3).parse().ok(),
                certs: col(4)
                    .split(',')
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| serde_json::from_value(serde_json::json!(c.trim())).expect("cert"))
                    .collect(),
            }
        })
        .collect()
}

/// A listing's monthly capacity in tons, when it is given by mass.
fn monthly_tons(listing: &jalin::model::ListingView) -> Option<f64> {
    let (base, unit) = listing.capacity.as_ref()?.monthly_base()?;
    (unit.name() == "kg").then_some(base / 1000.0)
}

/// The judged grade of one result for one need (see the file's header).
fn grade(
    need: &JudgedNeed,
    business: &jalin::model::BusinessSummary,
    listing: &jalin::model::ListingView,
) -> u32 {
    let Some((_, origins)) = need.relevant.iter().find(|(k, _)| *k == listing.commodity) else {
        return 0;
    };
    if need
        .certs
        .iter()
        .any(|c| !business.certifications.contains(c))
    {
        return 0;
    }
    let mut g = 1;
    if origins.contains(&business.province) {
        g += 1;
    }
    if let (Some(v), Some(t)) = (need.volume, monthly_tons(listing))
        && t >= v
    {
        g += 1;
    }
    g
}

fn dcg(gains: &[u32]) -> f64 {
    gains
        .iter()
        .enumerate()
        .map(|(i, g)| (2f64.powi(*g as i32) - 1.0) / (i as f64 + 2.0).log2())
        .sum()
}

struct RankQuality {
    ndcg: f64,
    /// Share of the top 10 that is relevant (grade ≥ 1).
    precision: f64,
    /// Share of the relevant results in the top 10 from an appropriate origin.
    appropriate: f64,
    weak: Vec<String>,
}

/// nDCG@10 with graded gains `2^g − 1`; the ideal list is every offer of the relevant
/// commodities outside the buyer's province, best grades first.
fn measure_ranking(engine: &Engine, set: &[JudgedNeed], weights: Option<&str>) -> RankQuality {
    let (mut ndcg_sum, mut p_sum, mut a_sum, mut a_n) = (0.0, 0.0, 0.0, 0);
    let mut weak = Vec::new();
    for need in set {
        let mut req = serde_json::json!({
            "need": {"text": need.text, "province": need.province}, "limit": 10
        });
        if let Some(w) = weights {
            req["weights"] = serde_json::from_str(w).expect("weights");
        }
        let req: jalin::engine::MatchRequest = serde_json::from_value(req).expect("request");
        let res = engine
            .match_request(&req, jalin::model::Lang::En)
            .expect("match");
        let gains: Vec<u32> = res
            .results
            .iter()
            .map(|r| grade(need, &r.business, &r.listing))
            .collect();
        let keys: Vec<&str> = need.relevant.iter().map(|(k, _)| k.as_str()).collect();
        let pool = engine
            .search(&SearchParams {
                commodity: Some(keys.join(",")),
                kind: Some("offer".into()),
                limit: Some(1000),
                ..SearchParams::default()
            })
            .expect("pool");
        let mut ideal: Vec<u32> = pool
            .results
            .iter()
            .filter(|r| r.business.province != need.province)
            .map(|r| grade(need, &r.business, &r.listing))
            .collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        ideal.truncate(10);
        let ndcg = if dcg(&ideal) > 0.0 {
            dcg(&gains) / dcg(&ideal)
        } else {
            1.0
        };
        ndcg_sum += ndcg;
        let relevant: Vec<&jalin::engine::MatchResult> = res
            .results
            .iter()
            .filter(|r| grade(need, &r.business, &r.listing) > 0)
            .collect();
        p_sum += relevant.len() as f64 / 10.0;
        if !relevant.is_empty() {
            let ok = relevant
                .iter()
                .filter(|r| {
                    need.relevant
                        .iter()
                        .any(|(k, o)| *k == r.listing.commodity && o.contains(&r.business.province))
                })
                .count();
            a_sum += ok as f64 / relevant.len() as f64;
            a_n += 1;
        }
        if ndcg < 0.6 {
            weak.push(format!("{:?}: nDCG {ndcg:.2}, gains {gains:?}", need.text));
        }
    }
    let n = set.len() as f64;
    RankQuality {
        ndcg: ndcg_sum / n,
        precision: p_sum / n,
        appropriate: a_sum / a_n.max(1) as f64,
        weak,
    }
}

/// Each configuration with the thresholds it must meet: (name, options, weights, nDCG@10,
/// precision@10, appropriate origins). Thresholds sit just under the figures measured on the
/// committed fixtures (RELEVANCE.md records both and the margin).
type RankConfig = (
    &'static str,
    EngineOptions,
    Option<&'static str>,
    f64,
    f64,
    f64,
);

#[test]
fn the_judged_needs_meet_their_ranking_thresholds() {
    let set = judged_needs();
    assert!(set.len() >= 50, "{} judged needs", set.len());
    for need in &set {
        assert!(!need.relevant.is_empty(), "{:?}", need.text);
    }
    let configs: [RankConfig; 5] = [
        (
            "default (sastrawi + understanding, default weights)",
            EngineOptions::default(),
            None,
            RANK_NDCG,
            RANK_PRECISION,
            RANK_APPROPRIATE,
        ),
        (
            "basic analysis, no understanding",
            EngineOptions {
                analysis: Analysis::Basic,
                understanding: false,
                ..EngineOptions::default()
            },
            None,
            0.74,
            0.88,
            0.77,
        ),
        (
            "snowball + understanding",
            EngineOptions {
                analysis: Analysis::Snowball,
                understanding: true,
                ..EngineOptions::default()
            },
            None,
            0.84,
            0.96,
            0.76,
        ),
        (
            "default without the supply model (advantage weight 0)",
            EngineOptions::default(),
            Some(r#"{"advantage": 0.0}"#),
            0.78,
            0.96,
            0.63,
        ),
        (
            "default without logistics (logistics weight 0)",
            EngineOptions::default(),
            Some(r#"{"logistics": 0.0}"#),
            0.84,
            0.96,
            0.75,
        ),
    ];
    let mut failures = Vec::new();
    let mut appropriate_of = Vec::new();
    for (name, options, weights, ndcg, precision, appropriate) in configs {
        let q = measure_ranking(&engine(options), &set, weights);
        appropriate_of.push(q.appropriate);
        println!(
            "{name}: {} needs, nDCG@10 {:.3} (≥ {ndcg}), precision@10 {:.3} (≥ {precision}), appropriate origins {:.3} (≥ {appropriate})",
            set.len(),
            q.ndcg,
            q.precision,
            q.appropriate
        );
        for w in &q.weak {
            println!("    weak: {w}");
        }
        if q.ndcg < ndcg || q.precision < precision || q.appropriate < appropriate {
            failures.push(name);
        }
    }
    assert!(failures.is_empty(), "below threshold: {failures:?}");
    // The supply model is what puts suppliers from the right provinces first: without it,
    // fewer of the relevant results come from an appropriate origin (measured 0.781 against
    // 0.658).
    assert!(
        appropriate_of[0] - appropriate_of[3] >= 0.08,
        "the supply model adds {:.3} appropriate origins",
        appropriate_of[0] - appropriate_of[3]
    );
}

// Measured on the committed fixtures: nDCG@10 0.861, precision@10 0.980, appropriate origins
// 0.781 (RELEVANCE.md).
const RANK_NDCG: f64 = 0.84;
const RANK_PRECISION: f64 = 0.96;
const RANK_APPROPRIATE: f64 = 0.76;
