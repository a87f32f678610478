//! Ranking benchmark (criterion): match latency in the three modes (`need`, `buyer`,
//! `seller`), a bare tantivy BM25 top 20 for the same queries on the same index
//! (`bm25_baseline`, so that jalin's scoring cost reads as a ratio), `search` and `corridor`,
//! one group per size (`match/10k`, `match/100k`, …); plus bulk import throughput.
//!
//! `cargo bench --bench ranking` (10k and 100k listings, and the `import` benchmark);
//! `JALIN_BENCH_SIZES=10000,100000,1000000 cargo bench --bench ranking` for other sizes
//! (≈ listings; 1M needs a few minutes of set-up and a few GB);
//! `cargo bench --bench ranking -- match/100k/need` for the benchmarks whose id contains the
//! filter (only the sizes it names are set up); `-- --quick` for a short run;
//! `JALIN_BENCH_DATA=DIR JALIN_BENCH_SIZES=10000000 cargo bench --bench ranking -- match/10M`
//! measures on an existing data directory (made by `jalin generate` and `jalin import`)
//! instead of generating one in memory (the size then only names the group);
//! `JALIN_ANALYSIS=basic|snowball cargo bench --bench ranking` for the first version's text
//! handling or the other stemmer; `need`, `buyer` and `seller` score every
//! candidate; `*_bounded` skip the ranges of documents whose province cannot enter the
//! top k (the same answers; the service's default since issue #20). A bounded benchmark also
//! prints how many candidates it scored.
//!
//! The project's targets are percentiles (p50, p99), which criterion does not report: every
//! call is timed on its own (`iter_custom`) and recorded, and after each benchmark a line
//! `p50 … ms  p99 … ms  (n calls)` is printed over all the calls criterion made (its warm-up
//! included), after a warm-up of our own. Queries are realistic and drawn in a fixed order.
//! The expensive set-up of a size (generate, `Engine::in_memory`, import) runs once, outside
//! the measurements, and prints the import throughput; the `import` benchmark times 10k
//! listings into a fresh in-memory engine per iteration (criterion reports elements/s).

mod common;

// The server's allocator (src/main.rs), so the benchmark measures what `jalin serve` runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::cell::OnceCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use jalin::engine::{Engine, EngineOptions, MatchRequest, SearchParams};
use jalin::generate::{GenConfig, GenStats, generate};
use jalin::model::Lang;
use jalin::reference::Reference;

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

/// Listings in the `import` benchmark.
const IMPORT_LISTINGS: usize = 10_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Every timed call of one benchmark, in ms.
#[derive(Default)]
struct Calls(Vec<f64>);

impl Calls {
    /// Times `iters` calls of `f` one by one (`f` gets a running call number), records each,
    /// and returns their sum for criterion.
    fn time(&mut self, iters: u64, next: &mut usize, f: &mut impl FnMut(usize)) -> Duration {
        self.0.reserve(iters as usize);
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let i = *next;
            *next += 1;
            let t = Instant::now();
            f(i);
            let d = t.elapsed();
            total += d;
            self.0.push(d.as_secs_f64() * 1000.0);
        }
        total
    }

    /// Prints the percentiles (nothing when criterion ran no call, e.g. filtered out).
    fn report(mut self, id: &str) {
        if self.0.is_empty() {
            return;
        }
        self.0.sort_by(f64::total_cmp);
        println!(
            "{id:<26} p50 {:>8.3} ms  p99 {:>8.3} ms  ({} calls)",
            percentile(&self.0, 0.5),
            percentile(&self.0, 0.99),
            self.0.len()
        );
    }
}

/// `businesses.jsonl` and `deals.jsonl` for about `listings` listings (2.8 per generated
/// business, 5 deals per business), and how long generating took.
fn data(listings: usize) -> (Vec<u8>, Vec<u8>, GenStats, f64) {
    let businesses = (listings as f64 / 2.8).ceil() as usize;
    let reference = Reference::embedded().expect("reference");
    let (mut b, mut d) = (Vec::new(), Vec::new());
    let t = Instant::now();
    let stats = generate(
        &reference,
        &GenConfig {
            businesses,
            deals: businesses * 5,
            seed: 7,
        },
        &mut b,
        &mut d,
        &mut |_| {},
    )
    .expect("generate");
    (b, d, stats, t.elapsed().as_secs_f64())
}

fn import(engine: &Engine, businesses: &[u8], deals: &[u8]) -> jalin::engine::ImportStats {
    engine
        .import(
            vec![
                ("businesses".into(), Box::new(businesses)),
                ("deals".into(), Box::new(deals)),
            ],
            &mut |_, _, _| {},
        )
        .expect("import")
}

fn need(text: &str, province: &str) -> MatchRequest {
    serde_json::from_value(serde_json::json!({
        "need": {"text": text, "province": province}, "limit": 20
    }))
    .expect("need request")
}

/// One size, imported: the engine and the requests of each mode.
struct Setup {
    engine: Engine,
    needs: Vec<MatchRequest>,
    buyers: Vec<MatchRequest>,
    sellers: Vec<MatchRequest>,
}

impl Setup {
    fn new(listings: usize) -> Setup {
        let engine = match std::env::var_os("JALIN_BENCH_DATA") {
            // A data directory made by `jalin generate` + `jalin import` (10 M listings do
            // not fit in memory twice): opened as the server opens it.
            Some(dir) => {
                let t = Instant::now();
                let (engine, _) =
                    Engine::open_with(std::path::Path::new(&dir), options(), &mut |_, _, _| {})
                        .expect("open JALIN_BENCH_DATA");
                println!(
                    "\nopened {} ({} listings) in {:.1} s",
                    dir.to_string_lossy(),
                    engine.status().map_or(0, |s| s.index_documents),
                    t.elapsed().as_secs_f64()
                );
                engine
            }
            None => {
                let (b, d, stats, gen_s) = data(listings);
                let engine = Engine::in_memory(options()).expect("engine");
                let t = Instant::now();
                let imported = import(&engine, &b, &d);
                let import_s = t.elapsed().as_secs_f64();
                println!(
                    "\n{} listings ({} businesses, {} deals): generated in {gen_s:.1} s, imported in {import_s:.1} s = {:.0} listings/s (store + index + network)",
                    imported.listings,
                    stats.businesses,
                    imported.deals,
                    imported.listings as f64 / import_s
                );
                engine
            }
        };
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
                        .expect("search")
                        .results
                        .into_iter()
                        .next()
                        .map(|r| r.business.id)
                })
                .collect()
        };
        let buyers: Vec<MatchRequest> = pick("need")
            .into_iter()
            .map(|id| MatchRequest {
                buyer: Some(id),
                limit: Some(20),
                ..MatchRequest::default()
            })
            .collect();
        let sellers: Vec<MatchRequest> = pick("offer")
            .into_iter()
            .map(|id| MatchRequest {
                seller: Some(id),
                limit: Some(20),
                ..MatchRequest::default()
            })
            .collect();
        assert!(!buyers.is_empty(), "no business with a need was found");
        assert!(!sellers.is_empty(), "no business with an offer was found");
        Setup {
            engine,
            needs: QUERIES.iter().map(|(t, p)| need(t, p)).collect(),
            buyers,
            sellers,
        }
    }
}

/// `JALIN_ANALYSIS=basic` measures the first version's text handling (no stemming, no query
/// understanding) for comparison; `snowball` the other stemmer.
fn options() -> EngineOptions {
    match std::env::var("JALIN_ANALYSIS").as_deref() {
        Ok("basic") => EngineOptions {
            analysis: jalin::search::Analysis::Basic,
            understanding: false,
            ..EngineOptions::default()
        },
        Ok("snowball") => EngineOptions {
            analysis: jalin::search::Analysis::Snowball,
            understanding: true,
            ..EngineOptions::default()
        },
        _ => EngineOptions::default(),
    }
}

/// Benchmarks `call` (given the set-up and a running call number) as `name` in `group`, each
/// call timed and recorded, after `warm_up` untimed calls; then prints the percentiles.
fn bench_calls(
    group: &mut BenchmarkGroup<'_, WallTime>,
    size: &Size,
    name: &str,
    warm_up: usize,
    call: impl Fn(&Setup, usize),
) {
    let mut calls = Calls::default();
    let mut next = 0;
    let mut warmed = false;
    let mut skips_before = None;
    group.bench_function(name, |b| {
        let s = size.setup();
        skips_before.get_or_insert_with(|| s.engine.skip_counts());
        let mut f = |i: usize| call(s, i);
        if !warmed {
            for _ in 0..warm_up {
                f(next);
                next += 1;
            }
            warmed = true;
        }
        b.iter_custom(|iters| calls.time(iters, &mut next, &mut f));
    });
    calls.report(&format!("{}/{name}", size.id));
    // What the bounded passes saw and scored during this benchmark (zero for the others).
    if let (Some(before), Some(s)) = (skips_before, size.setup.get()) {
        let now = s.engine.skip_counts();
        let candidates = now.candidates - before.candidates;
        if candidates > 0 {
            let scored = now.scored - before.scored;
            println!(
                "{}/{name}: scored {scored} of {candidates} candidates ({:.1} %)",
                size.id,
                100.0 * scored as f64 / candidates as f64
            );
        }
    }
}

/// One size's group id and its set-up, made on first use.
struct Size {
    id: String,
    listings: usize,
    setup: OnceCell<Setup>,
}

impl Size {
    fn setup(&self) -> &Setup {
        self.setup.get_or_init(|| Setup::new(self.listings))
    }
}

fn ranking(c: &mut Criterion) {
    for listings in common::sizes("JALIN_BENCH_SIZES", &[10_000, 100_000]) {
        let size = Size {
            id: format!("match/{}", common::label(listings)),
            listings,
            setup: OnceCell::new(),
        };
        let names = [
            "need",
            "buyer",
            "seller",
            "need_bounded",
            "buyer_bounded",
            "seller_bounded",
            "bm25_baseline",
            "search",
            "corridor",
        ];
        let ids: Vec<String> = names.iter().map(|n| format!("{}/{n}", size.id)).collect();
        if common::selected(&ids) {
            // Set up now, before criterion's first "Benchmarking …" line.
            size.setup();
        }
        let mut group = c.benchmark_group(&size.id);
        group
            .sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
        let lang = Lang::En;
        // Each mode twice, side by side: scoring every candidate (the default) and the
        // bounded pass that skips candidates whose province cannot reach the top k.
        for (suffix, exhaustive) in [("", true), ("_bounded", false)] {
            bench_calls(&mut group, &size, &format!("need{suffix}"), 40, |s, i| {
                s.engine.set_exhaustive(exhaustive);
                let r = &s.needs[i % s.needs.len()];
                black_box(s.engine.match_request(r, lang).expect("match need"));
            });
            bench_calls(&mut group, &size, &format!("buyer{suffix}"), 20, |s, i| {
                s.engine.set_exhaustive(exhaustive);
                let r = &s.buyers[i % s.buyers.len()];
                black_box(s.engine.match_request(r, lang).expect("match buyer"));
            });
            bench_calls(&mut group, &size, &format!("seller{suffix}"), 20, |s, i| {
                s.engine.set_exhaustive(exhaustive);
                let r = &s.sellers[i % s.sellers.len()];
                black_box(s.engine.match_request(r, lang).expect("match seller"));
            });
        }
        bench_calls(&mut group, &size, "bm25_baseline", 40, |s, i| {
            let q = QUERIES[i % QUERIES.len()].0;
            black_box(s.engine.bm25_baseline(q, 20).expect("bm25"));
        });
        bench_calls(&mut group, &size, "search", 40, |s, i| {
            let params = SearchParams {
                q: Some(QUERIES[i % QUERIES.len()].0.into()),
                limit: Some(20),
                ..SearchParams::default()
            };
            black_box(s.engine.search(&params).expect("search"));
        });
        group.sample_size(10);
        bench_calls(&mut group, &size, "corridor", 2, |s, _| {
            s.engine.set_exhaustive(true);
            black_box(
                s.engine
                    .corridor("35", "36", 10, lang, jalin::engine::Evidence::All)
                    .expect("corridor"),
            );
        });
        group.finish();
    }
}

/// Bulk import of 10k listings (with their deals) into a fresh `Engine::in_memory` per
/// iteration; the engine is made and dropped outside the measurement.
fn import_bench(c: &mut Criterion) {
    let name = common::label(IMPORT_LISTINGS);
    let input = OnceCell::new();
    let input = || input.get_or_init(|| data(IMPORT_LISTINGS));
    let listings = if common::selected(&[format!("import/{name}")]) {
        input().2.listings
    } else {
        IMPORT_LISTINGS
    };
    let mut group = c.benchmark_group("import");
    group
        .throughput(Throughput::Elements(listings as u64))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function(&name, |bench| {
        let (b, d, _, _) = input();
        bench.iter_batched(
            || Engine::in_memory(options()).expect("engine"),
            |engine| {
                black_box(import(&engine, b, d));
                engine
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, ranking, import_bench);
criterion_main!(benches);
