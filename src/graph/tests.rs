//! Fixtures shared by the graph's unit tests (a deal, a small graph, random graphs,
//! `assert_close!`), and the ignored benchmark on five million deals.

use super::*;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

pub(super) const TODAY: i32 = 20_000;

/// A completed deal of Rp 1 m today, `buyer` (province 0) buying from `seller` (province 1).
pub(super) fn deal(id: &str, buyer: &str, seller: &str) -> DealEdge {
    DealEdge {
        id: id.to_string(),
        buyer: buyer.to_string(),
        seller: seller.to_string(),
        buyer_province: 0,
        seller_province: 1,
        commodity: 0,
        value_idr: 1e6,
        qty_kg: None,
        day: TODAY,
        status: DealStatus::Completed,
    }
}

pub(super) fn graph(deals: Vec<DealEdge>) -> DealGraph {
    let mut g = DealGraph::new(4, 2);
    for d in deals {
        g.add(d).unwrap();
    }
    g
}

pub(super) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + b.abs())
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b) = ($a as f64, $b as f64);
        assert!(
            $crate::graph::tests::close(a, b),
            "{} = {a}, expected {b}",
            stringify!($a)
        );
    }};
}
pub(super) use assert_close;

// -- properties on random graphs --------------------------------------------------------

pub(super) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

pub(super) fn random_status(rng: &mut ChaCha8Rng) -> DealStatus {
    match below(rng, 10) {
        0..=6 => DealStatus::Completed,
        7 => DealStatus::Failed,
        _ => DealStatus::Mou,
    }
}

pub(super) struct World {
    pub(super) provinces: Vec<u8>,
}

impl World {
    pub(super) fn deal(
        &self,
        rng: &mut ChaCha8Rng,
        i: usize,
        b: usize,
        s: usize,
        st: DealStatus,
    ) -> DealEdge {
        DealEdge {
            id: format!("r{i}"),
            buyer: format!("b{b}"),
            seller: format!("b{s}"),
            buyer_province: self.provinces[b],
            seller_province: self.provinces[s],
            commodity: below(rng, 2) as u16,
            value_idr: (1 + below(rng, 1000)) as f64 * 1e6,
            qty_kg: None,
            day: TODAY - below(rng, 3000) as i32,
            status: st,
        }
    }
}

pub(super) fn random_graph(
    rng: &mut ChaCha8Rng,
    config: Config,
) -> (DealGraph, World, Vec<DealEdge>) {
    let n = 6 + below(rng, 10);
    let world = World {
        provinces: (0..n).map(|_| below(rng, 3) as u8).collect(),
    };
    let mut g = DealGraph::with_config(4, 2, config);
    let mut deals = Vec::new();
    for i in 0..below(rng, 60) {
        let b = below(rng, n);
        let s = (b + 1 + below(rng, n - 1)) % n;
        let status = random_status(rng);
        let d = world.deal(rng, i, b, s, status);
        deals.push(d.clone());
        g.add(d).unwrap();
    }
    match below(rng, 3) {
        0 => g.refresh_centrality(),
        1 => g.compact(),
        _ => {}
    }
    (g, world, deals)
}

// -- benchmark ----------------------------------------------------------------------------

fn vm(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// CPU seconds of this process (user + system), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the whole line are 12 and 13 after the command name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

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

/// `JALIN_BENCH_DEALS` and `JALIN_BENCH_BUSINESSES`, 5 M and 400 k by default.
fn bench_size() -> (usize, usize) {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    (
        env("JALIN_BENCH_DEALS", 5_000_000),
        env("JALIN_BENCH_BUSINESSES", 400_000),
    )
}

/// The benchmarks' deals: power-law degrees (business ranks drawn from Zipf(0.7), ranks
/// shuffled over ids), 38 provinces, 300 commodities drawn from Zipf(1), log-normal
/// values around Rp 50 m, seven years of days; 80 % completed, 10 % failed, 10 % MoU.
struct PowerLaw {
    zipf: Zipf,
    perm: Vec<u32>,
    names: Vec<String>,
    province: Vec<u8>,
    commodity: Zipf,
}

impl PowerLaw {
    fn new(rng: &mut ChaCha8Rng, n: usize) -> PowerLaw {
        let zipf = Zipf::new(n, 0.7);
        let mut perm: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            perm.swap(i, below(rng, i + 1));
        }
        PowerLaw {
            zipf,
            perm,
            names: (0..n).map(|i| format!("bz-{i:06}")).collect(),
            province: (0..n).map(|_| below(rng, 38) as u8).collect(),
            commodity: Zipf::new(300, 1.0),
        }
    }

    fn deal(&self, rng: &mut ChaCha8Rng, i: usize) -> DealEdge {
        let n = self.perm.len();
        let b = self.perm[self.zipf.sample(rng)] as usize;
        let mut s = self.perm[self.zipf.sample(rng)] as usize;
        if s == b {
            s = (b + 1) % n;
        }
        let z = (-2.0 * unit(rng).max(1e-300).ln()).sqrt()
            * (2.0 * std::f64::consts::PI * unit(rng)).cos();
        let r = unit(rng);
        DealEdge {
            id: format!("d-{i:07}"),
            buyer: self.names[b].clone(),
            seller: self.names[s].clone(),
            buyer_province: self.province[b],
            seller_province: self.province[s],
            commodity: self.commodity.sample(rng) as u16,
            value_idr: (5e7f64.ln() + 1.2 * z).exp().round(),
            qty_kg: None,
            day: 17_897 + below(rng, 2_557) as i32,
            status: if r < 0.8 {
                DealStatus::Completed
            } else if r < 0.9 {
                DealStatus::Failed
            } else {
                DealStatus::Mou
            },
        }
    }
}

/// `cargo test --release -- --ignored --nocapture bench_five_million_deals`
/// (`JALIN_BENCH_DEALS` and `JALIN_BENCH_BUSINESSES` change the size).
#[test]
#[ignore = "benchmark; run in release"]
fn bench_five_million_deals() {
    use std::time::Instant;
    let (deals, n) = bench_size();
    let mut rng = ChaCha8Rng::seed_from_u64(20_230_911);
    let world = PowerLaw::new(&mut rng, n);
    let (zipf, perm, names) = (&world.zipf, &world.perm, &world.names);
    let make = |rng: &mut ChaCha8Rng, i: usize| world.deal(rng, i);
    let t = Instant::now();
    let mut gen_rng = rng.clone();
    let mut sink = 0usize;
    for i in 0..deals {
        sink += make(&mut gen_rng, i).id.len();
    }
    let generate = t.elapsed();
    assert!(sink > 0);

    let mut build_rng = rng.clone();
    // JALIN_BENCH_PREGEN=1 times the build alone from a ready Vec (RSS then includes the
    // allocator's leftovers from the input); otherwise the input is generated on the fly.
    let pregen: Option<Vec<DealEdge>> = std::env::var("JALIN_BENCH_PREGEN")
        .is_ok()
        .then(|| (0..deals).map(|i| make(&mut build_rng, i)).collect());
    let rss_before = vm("VmRSS:");
    let cpu = cpu_seconds();
    let t = Instant::now();
    let g = match pregen {
        Some(v) => DealGraph::build(38, 300, v).unwrap(),
        None => DealGraph::build(38, 300, (0..deals).map(|i| make(&mut build_rng, i))).unwrap(),
    };
    let build = t.elapsed();
    let build_cpu = cpu_seconds() - cpu;
    let rss_after = vm("VmRSS:");
    let t = Instant::now();
    let c = g.compute_centrality();
    let pagerank = t.elapsed();
    let mem = g.memory();
    println!(
        "deals {} businesses {} pairs {} (ties {})",
        g.deal_count(),
        g.business_count(),
        g.pair_count(),
        g.tie_count()
    );
    println!(
        "build {:.2} s ({:.2} s CPU) incl. generating the input ({:.2} s alone) and PageRank; \
         PageRank alone {:.2} s ({} iterations)",
        build.as_secs_f64(),
        build_cpu,
        generate.as_secs_f64(),
        pagerank.as_secs_f64(),
        c.iterations()
    );
    println!(
        "RSS before {} MB, after {} MB, peak {} MB: {:.1} bytes/deal resident; estimated heap \
         {} MB = {:.1} bytes/deal {:?}",
        rss_before >> 20,
        rss_after >> 20,
        vm("VmHWM:") >> 20,
        (rss_after.saturating_sub(rss_before)) as f64 / deals as f64,
        mem.total >> 20,
        mem.total as f64 / deals as f64,
        mem
    );
    let max_ties = g.businesses.iter().map(|b| b.ties).max().unwrap_or(0);
    println!("largest hub: {max_ties} ties");

    let pairs: Vec<(usize, usize)> = (0..1000)
        .map(|_| {
            (
                perm[zipf.sample(&mut rng)] as usize,
                perm[zipf.sample(&mut rng)] as usize,
            )
        })
        .collect();
    let t = Instant::now();
    let mut feature = 0.0;
    let mut related = 0;
    for &(b, s) in &pairs {
        let sig = g.signals(&names[b], &names[s], 20_454);
        feature += sig.feature();
        related += usize::from(sig.common.common > 0);
    }
    let single = t.elapsed();
    println!(
        "1000 signals (Zipf-drawn pairs): {:.2} ms, {:.2} µs each; {related} with partners \
         in common, mean feature {:.4}",
        single.as_secs_f64() * 1e3,
        single.as_secs_f64() * 1e6 / 1000.0,
        feature / 1000.0
    );
    // One buyer, 1000 sellers: its two-hop neighbourhood first, then Zipf-drawn ones.
    let buyer = &names[pairs[0].0];
    let cx = g.buyer_context(buyer, None);
    let sellers: Vec<&str> = pairs.iter().map(|&(_, s)| names[s].as_str()).collect();
    let t = Instant::now();
    let batch: Vec<Signals> = sellers
        .iter()
        .map(|s| cx.signals(s, None, 20_454))
        .collect();
    let batched = t.elapsed();
    println!(
        "1000 signals for one buyer via buyer_context: {:.2} ms (buyer has {} ties)",
        batched.as_secs_f64() * 1e3,
        g.lookup(buyer).map_or(0, |b| g.business(b).ties)
    );
    assert_eq!(batch.len(), 1000);
    let hub = (0..g.business_count() as u32)
        .max_by_key(|&v| g.business(v).ties)
        .unwrap_or(0);
    let t = Instant::now();
    for &(b, _) in &pairs {
        std::hint::black_box(g.signals(&names[b], g.name(hub), 20_454));
    }
    println!(
        "1000 signals with the largest hub as seller: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let mut found = 0;
    let mut hops = 0;
    let t = Instant::now();
    for _ in 0..100 {
        let a = &names[below(&mut rng, n)];
        let b = &names[below(&mut rng, n)];
        if let Some(p) = g.intro(a, b, 4) {
            found += 1;
            hops += p.hops.len();
        }
    }
    let intro = t.elapsed();
    println!(
        "100 intro (uniform pairs, max 4 hops): {:.2} ms, {:.2} ms each; {found} found, mean \
         {:.2} hops",
        intro.as_secs_f64() * 1e3,
        intro.as_secs_f64() * 10.0,
        hops as f64 / found.max(1) as f64
    );
    let t = Instant::now();
    let mut listed = 0;
    for &(b, _) in pairs.iter().take(100) {
        listed += g.ties_of(&names[b], 50).map_or(0, |n| n.partners.len());
    }
    println!(
        "100 network views (limit 50): {:.2} ms ({listed} partners)",
        t.elapsed().as_secs_f64() * 1e3
    );
}
