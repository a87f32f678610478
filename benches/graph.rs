//! Deal-network benchmark (criterion), per size in the group `graph/100k`, `graph/1M`, …:
//! `build`, `jalin::graph::DealGraph::build` over a synthetic power-law deal set (the sorted
//! bulk build, PageRank included); `write_snapshot` and `read_snapshot`, the graph written as
//! a snapshot and read back (what a restart does instead of a build). Criterion reports
//! deals/s.
//!
//! `cargo bench --bench graph` (100k and 1M deals); `JALIN_GRAPH_DEALS=5000000 cargo bench
//! --bench graph` for the DESIGN.md size, or a list (`100000,1000000,5000000`); 5M needs
//! ~1 min of set-up and ~3 GB (the input, its copy, the graph and its snapshot);
//! `cargo bench --bench graph -- graph/1M` for the benchmarks whose id contains the filter
//! (only the sizes it names are generated); `-- --quick` for a short run.
//!
//! The deal set is the one of the ignored test `graph::tests::bench_five_million_deals` (same
//! seed and shape): businesses drawn from Zipf(0.7) ranks shuffled over ids, one business per
//! 12.5 deals (400k at 5M), 38 provinces, commodities from Zipf(1.0) over 300, log-normal
//! values around Rp 50 m, days over seven years, 80 % completed, 10 % failed, 10 % MoU. Unlike
//! that test (which by default generates the input while building), the input is generated
//! once per size and each measured build takes a fresh copy of it, made outside the
//! measurement: 10 samples of one build each. Once per size the graph's counts, estimated heap
//! and snapshot size are printed.

mod common;

use std::cell::OnceCell;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use jalin::graph::{DealEdge, DealGraph, DealStatus};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

const PROVINCES: usize = 38;
const COMMODITIES: usize = 300;

/// Cumulative weights of ranks 1..=n under Zipf(exponent).
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, exponent: f64) -> Zipf {
        let mut acc = 0.0;
        Zipf(
            (0..n)
                .map(|i| {
                    acc += 1.0 / ((i + 1) as f64).powf(exponent);
                    acc
                })
                .collect(),
        )
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let u = unit(rng) * total;
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// `deals` deals among `deals / 12.5` businesses with power-law degrees.
fn deal_set(deals: usize) -> Vec<DealEdge> {
    let n = (deals * 2 / 25).max(2);
    let mut rng = ChaCha8Rng::seed_from_u64(20_230_911);
    let zipf = Zipf::new(n, 0.7);
    let mut perm: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        perm.swap(i, below(&mut rng, i + 1));
    }
    let names: Vec<String> = (0..n).map(|i| format!("bz-{i:06}")).collect();
    let province: Vec<u8> = (0..n).map(|_| below(&mut rng, PROVINCES) as u8).collect();
    let commodity_zipf = Zipf::new(COMMODITIES, 1.0);
    (0..deals)
        .map(|i| {
            let b = perm[zipf.sample(&mut rng)] as usize;
            let mut s = perm[zipf.sample(&mut rng)] as usize;
            if s == b {
                s = (b + 1) % n;
            }
            let z = (-2.0 * unit(&mut rng).max(1e-300).ln()).sqrt()
                * (2.0 * std::f64::consts::PI * unit(&mut rng)).cos();
            let r = unit(&mut rng);
            DealEdge {
                id: format!("d-{i:07}"),
                buyer: names[b].clone(),
                seller: names[s].clone(),
                buyer_province: province[b],
                seller_province: province[s],
                commodity: commodity_zipf.sample(&mut rng) as u16,
                value_idr: (5e7f64.ln() + 1.2 * z).exp().round(),
                qty_kg: None,
                day: 17_897 + below(&mut rng, 2_557) as i32,
                status: if r < 0.8 {
                    DealStatus::Completed
                } else if r < 0.9 {
                    DealStatus::Failed
                } else {
                    DealStatus::Mou
                },
            }
        })
        .collect()
}

fn build(deals: Vec<DealEdge>) -> DealGraph {
    DealGraph::build(PROVINCES, COMMODITIES, deals).expect("build")
}

/// One size: the input, the graph built from it, and the graph's snapshot.
struct Prepared {
    input: Vec<DealEdge>,
    graph: DealGraph,
    snapshot: Vec<u8>,
}

/// Generates the input and builds it once, printing what came out.
fn prepare(deals: usize) -> Prepared {
    let t = Instant::now();
    let input = deal_set(deals);
    let generated = t.elapsed();
    let t = Instant::now();
    let graph = build(input.clone());
    let built = t.elapsed();
    let mem = graph.memory();
    let snapshot = graph.to_snapshot(&[0; 16]);
    println!(
        "\n{} deals, {} businesses, {} pairs ({} ties): generated in {:.2} s, built once in {:.2} s; estimated heap {} MB = {:.1} bytes/deal; snapshot {:.1} MB = {:.1} bytes/deal",
        graph.deal_count(),
        graph.business_count(),
        graph.pair_count(),
        graph.tie_count(),
        generated.as_secs_f64(),
        built.as_secs_f64(),
        mem.total >> 20,
        mem.total as f64 / deals as f64,
        snapshot.len() as f64 / 1e6,
        snapshot.len() as f64 / deals as f64,
    );
    Prepared {
        input,
        graph,
        snapshot,
    }
}

fn graph(c: &mut Criterion) {
    for deals in common::sizes("JALIN_GRAPH_DEALS", &[100_000, 1_000_000]) {
        let id = format!("graph/{}", common::label(deals));
        let prepared = OnceCell::new();
        let prepared = || prepared.get_or_init(|| prepare(deals));
        let ids: Vec<String> = ["build", "write_snapshot", "read_snapshot"]
            .iter()
            .map(|n| format!("{id}/{n}"))
            .collect();
        if common::selected(&ids) {
            prepared();
        }
        // About 1 s per million deals on the project machine: time for ten builds.
        let per_build = Duration::from_secs_f64(deals as f64 / 1e6);
        let mut group = c.benchmark_group(&id);
        group
            .throughput(Throughput::Elements(deals as u64))
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time((per_build * 12).max(Duration::from_secs(3)));
        group.bench_function("build", |b| {
            let input = &prepared().input;
            b.iter_batched(|| input.clone(), build, BatchSize::PerIteration);
        });
        // Snapshots take a fraction of a build; each result is dropped before the next call.
        group.measurement_time((per_build * 4).max(Duration::from_secs(3)));
        group.bench_function("write_snapshot", |b| {
            let g = &prepared().graph;
            b.iter_batched(|| (), |()| g.to_snapshot(&[0; 16]), BatchSize::PerIteration);
        });
        group.bench_function("read_snapshot", |b| {
            let bytes = &prepared().snapshot;
            b.iter_batched(
                || (),
                |()| DealGraph::from_snapshot(bytes).expect("read snapshot"),
                BatchSize::PerIteration,
            );
        });
        group.finish();
    }
}

criterion_group!(benches, graph);
criterion_main!(benches);
