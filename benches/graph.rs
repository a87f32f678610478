//! Deal-graph benchmark, with criterion: building the graph from deals (sorted bulk build),
//! writing its snapshot and reading it back (what a restart does instead of a build).
//!
//! `cargo bench --bench graph` (100k and 1M deals over 20k and 80k businesses);
//! `JALIN_GRAPH_DEALS=5000000 cargo bench --bench graph` for the DESIGN.md size
//! (5 M deals over 400k businesses; ~1 min of set-up). Deals are synthetic with power-law
//! degrees (a few hubs, a long tail), 38 provinces, 100 commodities.

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jalin::graph::{DealEdge, DealGraph, Status};

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A business index with power-law popularity: index ⌊n·u³⌋ favours small indices.
    fn skewed(&mut self, n: usize) -> usize {
        ((n as f64) * self.unit().powi(3)) as usize % n
    }
}

fn deals(n: usize, businesses: usize) -> Vec<DealEdge> {
    let mut rng = Rng(20_230_911);
    let province: Vec<u8> = (0..businesses).map(|_| (rng.next() % 38) as u8).collect();
    (0..n)
        .map(|i| {
            let b = rng.skewed(businesses);
            let mut s = rng.skewed(businesses);
            if s == b {
                s = (b + 1) % businesses;
            }
            let r = rng.unit();
            DealEdge {
                id: format!("d-{i:07}"),
                buyer: format!("bz-{b:06}"),
                seller: format!("bz-{s:06}"),
                buyer_province: province[b],
                seller_province: province[s],
                commodity: (rng.next() % 100) as u16,
                value_idr: (1 + rng.next() % 1000) as f64 * 1e6,
                qty_kg: None,
                day: 17_897 + (rng.next() % 2_557) as i32,
                status: if r < 0.8 {
                    Status::Completed
                } else if r < 0.9 {
                    Status::Mou
                } else {
                    Status::Failed
                },
            }
        })
        .collect()
}

fn graph(c: &mut Criterion) {
    let sizes: Vec<(usize, usize)> = match std::env::var("JALIN_GRAPH_DEALS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(n) => vec![(n, (n / 12).max(100))],
        None => vec![(100_000, 20_000), (1_000_000, 80_000)],
    };
    for (n, businesses) in sizes {
        let edges = deals(n, businesses);
        let mut group = c.benchmark_group(format!("graph/{n} deals"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(if n >= 1_000_000 { 10 } else { 5 }))
            .throughput(Throughput::Elements(n as u64));
        group.bench_function("build", |b| {
            b.iter_batched(
                || edges.clone(),
                |e| DealGraph::build(38, 100, e).expect("build"),
                BatchSize::PerIteration,
            )
        });
        let g = DealGraph::build(38, 100, edges.clone()).expect("build");
        group.bench_function("write snapshot", |b| b.iter(|| g.to_snapshot(&[0; 16])));
        let bytes = g.to_snapshot(&[0; 16]);
        println!(
            "graph of {n} deals: snapshot {:.1} MB ({:.0} bytes per deal)",
            bytes.len() as f64 / 1e6,
            bytes.len() as f64 / n as f64
        );
        group.bench_function("read snapshot", |b| {
            b.iter(|| DealGraph::from_snapshot(&bytes).expect("read"))
        });
        group.finish();
    }
}

criterion_group!(benches, graph);
criterion_main!(benches);
