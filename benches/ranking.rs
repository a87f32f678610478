//! Ranking benchmark: match latency (p50, p99) in the three modes, search, corridors and a
//! bare tantivy BM25 top-20 on the same index, at growing sizes; plus import throughput.
//!
//! `cargo bench --bench ranking` (sizes 10k and 100k listings);
//! `cargo bench --bench ranking -- 1000000` for one size of your choice (≈ listings);
//! `JALIN_ANALYSIS=basic cargo bench --bench ranking` for the first version's text handling.
//!
//! A hand-written harness rather than criterion: the targets are percentiles (p50, p99),
//! which criterion does not report, and each size needs one expensive set-up (generate and
//! import) shared by every measurement. Each figure is taken over hundreds of requests after
//! a warm-up, with realistic queries drawn in a fixed order.

use std::time::Instant;

use jalin::engine::{Engine, EngineOptions, MatchRequest, SearchParams};
use jalin::generate::{GenConfig, generate};
use jalin::reference::Reference;
use jalin::score::Lang;

const QUERIES: &[(&str, &str)] = &[
    ("bawang merah", "36"),
    ("supplier shallots", "31"),
    ("cabe rawit", "36"),
    ("beras premium", "12"),
    ("kopi arabika", "35"),
    ("gula pasir", "64"),
    ("jagung pipil", "32"),
    ("telur ayam", "61"),
    ("daging sapi", "31"),
    ("pakan ikan", "73"),
    ("rumput laut", "35"),
    ("pupuk npk", "52"),
    ("semen", "91"),
    ("mebel jepara", "51"),
    ("keripik singkong", "33"),
    ("butuh 5 ton cabai besar halal", "36"),
    ("fresh fish", "31"),
    ("kakao", "35"),
    ("minyak goreng", "81"),
    ("brambang", "36"),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Runs `f` `n` times after `n / 10` warm-up calls; returns (p50, p99, mean) in ms.
fn measure(n: usize, mut f: impl FnMut(usize)) -> (f64, f64, f64) {
    for i in 0..n / 10 {
        f(i);
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mean = times.iter().sum::<f64>() / n as f64;
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), percentile(&times, 0.99), mean)
}

fn row(name: &str, (p50, p99, mean): (f64, f64, f64)) {
    println!("  {name:<34} p50 {p50:>8.3} ms   p99 {p99:>8.3} ms   mean {mean:>8.3} ms");
}

fn need(text: &str, province: &str) -> MatchRequest {
    serde_json::from_value(serde_json::json!({
        "need": {"text": text, "province": province}, "limit": 20
    }))
    .unwrap_or_default()
}

fn run(listings: usize) {
    // About 2.8 listings per generated business; 5 deals per business.
    let businesses = (listings as f64 / 2.8).ceil() as usize;
    let deals = businesses * 5;
    let reference = Reference::embedded().expect("reference");
    let (mut b, mut d) = (Vec::new(), Vec::new());
    let t = Instant::now();
    let stats = generate(
        &reference,
        &GenConfig {
            businesses,
            deals,
            seed: 7,
        },
        &mut b,
        &mut d,
        &mut |_| {},
    )
    .expect("generate");
    let gen_s = t.elapsed().as_secs_f64();
    let engine = Engine::in_memory(options()).expect("engine");
    let t = Instant::now();
    let imported = engine
        .import(
            vec![
                ("businesses".into(), Box::new(b.as_slice())),
                ("deals".into(), Box::new(d.as_slice())),
            ],
            &mut |_, _, _| {},
        )
        .expect("import");
    let import_s = t.elapsed().as_secs_f64();
    println!(
        "\n{} listings ({} businesses, {} deals): generated in {gen_s:.1} s, imported in {import_s:.1} s = {:.0} listings/s (store + index + network)",
        imported.listings,
        stats.businesses,
        imported.deals,
        imported.listings as f64 / import_s
    );
    let n = 400;
    let reqs: Vec<MatchRequest> = QUERIES.iter().map(|(t, p)| need(t, p)).collect();
    row(
        "match need (top 20)",
        measure(n, |i| {
            let _ = engine.match_request(&reqs[i % reqs.len()], Lang::En);
        }),
    );
    row(
        "bare tantivy BM25 top 20",
        measure(n, |i| {
            let _ = engine.bm25_baseline(QUERIES[i % QUERIES.len()].0, 20);
        }),
    );
    // Businesses with needs and offers, for the buyer and seller modes.
    let pick = |kind: &str| -> Vec<String> {
        QUERIES
            .iter()
            .filter_map(|(q, _)| {
                engine
                    .search(&SearchParams {
                        q: Some((*q).into()),
                        kind: Some(kind.into()),
                        limit: Some(1),
                        ..SearchParams::default()
                    })
                    .ok()?
                    .results
                    .into_iter()
                    .next()
                    .map(|r| r.business.id)
            })
            .collect()
    };
    let buyers = pick("need");
    let sellers = pick("offer");
    if !buyers.is_empty() {
        row(
            "match buyer (all its needs)",
            measure(n / 2, |i| {
                let req = MatchRequest {
                    buyer: Some(buyers[i % buyers.len()].clone()),
                    limit: Some(20),
                    ..MatchRequest::default()
                };
                let _ = engine.match_request(&req, Lang::En);
            }),
        );
    }
    if !sellers.is_empty() {
        row(
            "match seller (all its offers)",
            measure(n / 2, |i| {
                let req = MatchRequest {
                    seller: Some(sellers[i % sellers.len()].clone()),
                    limit: Some(20),
                    ..MatchRequest::default()
                };
                let _ = engine.match_request(&req, Lang::En);
            }),
        );
    }
    row(
        "search (top 20)",
        measure(n, |i| {
            let _ = engine.search(&SearchParams {
                q: Some(QUERIES[i % QUERIES.len()].0.into()),
                limit: Some(20),
                ..SearchParams::default()
            });
        }),
    );
    row(
        "corridor 35 -> 36 (top 10)",
        measure(20, |_| {
            let _ = engine.corridor("35", "36", 10, Lang::En);
        }),
    );
}

/// `JALIN_ANALYSIS=basic` measures the first version's text handling (no stemming, no query
/// understanding) for comparison; `snowball` the other stemmer.
fn options() -> EngineOptions {
    match std::env::var("JALIN_ANALYSIS").as_deref() {
        Ok("basic") => EngineOptions {
            analysis: jalin::search::Analysis::Basic,
            understanding: false,
        },
        Ok("snowball") => EngineOptions {
            analysis: jalin::search::Analysis::Snowball,
            understanding: true,
        },
        _ => EngineOptions::default(),
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    for s in sizes {
        run(s);
    }
}
