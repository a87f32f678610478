//! Understanding benchmark (criterion): how long reading a query or a product name takes.
//!
//! - `understand/query`: `understand::understand` (curated commodities, families, volumes,
//!   provinces) over realistic queries — what every match and search pays;
//! - `catalog/find_in_text`: the KBKI name automaton (27 k BPS names, their heads, the
//!   curated names and everyday synonyms) over the same queries;
//! - `catalog/resolve`: a product name to its KBKI code (the automaton, then the nearest
//!   entry by shared words), over the 119 product phrases of East Java's trade missions
//!   (`tests/data/product_phrases.csv`) — what an import pays per product cell;
//! - `catalog/build`: building the catalog once (parsing 27 k rows, the automaton), which
//!   `Engine::open` pays at start.
//!
//! `cargo bench --bench understanding` (`-- --quick` for a short run). Each call is timed on
//! its own and `p50 … µs  p99 … µs` is printed after each benchmark: the target is well
//! under a millisecond per query.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jalin::reference::Reference;
use jalin::understand::understand;

const QUERIES: &[&str] = &[
    "bawang merah",
    "supplier shallots",
    "butuh 5 ton cabe rawit halal untuk restoran di Serang",
    "keripik tempe sagu khas Malang",
    "kopi arabika 2 ton per bulan",
    "sepatu olahraga kulit",
    "mesin las dan sparepart",
    "sabun herbal sereh",
    "batik tulis madura",
    "pakan ikan dan udang",
    "frozen food nugget ayam",
    "furniture rotan untuk hotel",
    "kerupuk udang sidoarjo",
    "alat peraga edukasi sekolah",
    "gula semut organik",
    "minyak goreng curah 10 ton",
];

const PHRASES: &str = include_str!("../tests/data/product_phrases.csv");

fn phrases() -> Vec<String> {
    PHRASES
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            rdr.records().next()?.ok()?.get(0).map(str::to_string)
        })
        .collect()
}

/// Times every call, reports criterion's figures and prints our percentiles.
fn timed<F: FnMut(usize)>(c: &mut Criterion, id: &str, n: usize, mut f: F) {
    let mut samples: Vec<Duration> = Vec::new();
    let mut i = 0;
    c.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                f(i % n);
                let d = t.elapsed();
                total += d;
                samples.push(d);
                i += 1;
            }
            total
        })
    });
    samples.sort();
    if !samples.is_empty() {
        let p = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
        println!(
            "{id}: p50 {:.1} µs  p99 {:.1} µs  ({} calls)",
            p(0.5),
            p(0.99),
            samples.len()
        );
    }
}

fn bench(c: &mut Criterion) {
    let r = Reference::embedded().expect("embedded reference data");
    let catalog = r.load_catalog().expect("embedded KBKI catalog");
    let phrases = phrases();
    timed(c, "understand/query", QUERIES.len(), |i| {
        black_box(understand(&r, QUERIES[i]));
    });
    timed(c, "catalog/find_in_text", QUERIES.len(), |i| {
        black_box(catalog.find_in_text(QUERIES[i]));
    });
    timed(c, "catalog/resolve", phrases.len(), |i| {
        black_box(catalog.resolve(&phrases[i]));
    });
    let mut group = c.benchmark_group("catalog");
    group.sample_size(10);
    group.bench_function("build", |b| {
        b.iter(|| {
            let r = Reference::embedded().expect("embedded reference data");
            black_box(r.load_catalog().map(|c| c.len()).unwrap_or(0));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
