//! Search quality on a judged query set (`tests/suite/judged_queries.tsv`): Indonesian with affixes,
//! regional and English names, typos. A listing is relevant when its commodity is one of the
//! query's judged commodities. The test computes precision@10 and nDCG@10 over the fixtures
//! and fails below thresholds set just under the measured figures, so a change that makes
//! search worse is caught.

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
            },
        ),
        (
            "snowball only",
            EngineOptions {
                analysis: Analysis::Snowball,
                understanding: false,
            },
        ),
        (
            "sastrawi only",
            EngineOptions {
                analysis: Analysis::Sastrawi,
                understanding: false,
            },
        ),
        (
            "snowball + understanding",
            EngineOptions {
                analysis: Analysis::Snowball,
                understanding: true,
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
