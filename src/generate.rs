//! The seeded fixture generator: `businesses.jsonl` and `deals.jsonl` of any size whose
//! structure follows the real figures, and the Jatim–Banten mission spec.
//!
//! What follows the data, and what is a heuristic:
//! - businesses per province follow the BPS population (`provinces.csv`), with a floor of a
//!   few per province so all 38 appear;
//! - offers follow each province's location quotient where `production.csv` has a figure
//!   (`Reference::advantage`), needs its deficit (LQ < 1). Where there is no figure, a small
//!   hand-written table of well-known regional specialisations ([`SPECIALISATIONS`]) stands
//!   in: that table (and Jakarta's lack of farmland) is a generator heuristic, not a statistic;
//! - the trade missions and their dates, participant counts, totals and traded goods are
//!   East Java's real domestic missions (`shared/data/jatim_trade_missions.csv`, copied into
//!   [`MISSIONS`]);
//! - names, descriptions, capacities and prices are plausible inventions.
//!
//! Determinism: one ChaCha8 stream per phase (businesses, deals, each mission), seeded from
//! the config's seed; every random choice is made by the small helpers on [`Rng`] on top of
//! `next_u64`, so the output does not depend on a `rand` version. No hash-map iteration order
//! is used anywhere. Floats are formatted by serde_json (shortest round-trip), and generated
//! numbers are rounded to "nice" values first. The only transcendental functions involved are
//! the reference's great-circle distances; everything here is `+ − × ÷ sqrt`.
//!
//! Scale: businesses are streamed out as they are made; what deal generation needs is kept in
//! compact flat vectors (a few dozen bytes per listing). 400 k businesses (1.1 M listings) and
//! 5 M deals take about 25 s and 50 MB on one core.

use std::io::{self, Write};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng as _, SeedableRng};
use serde_json::{Value, json};

use crate::model::{
    Business, BusinessKind, Certification, Deal, DealStatus, Listing, PriceRange, Quantity,
};
use crate::reference::{AdvantageSource, CommodityIx, ProvinceIx, Reference};

/// How much to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    pub businesses: usize,
    pub deals: usize,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    pub businesses: usize,
    pub listings: usize,
    pub deals: usize,
    /// Provinces with at least one business.
    pub provinces: usize,
}

/// First day and last day (inclusive) of generated deals.
const FIRST_DEAL_DAY: &str = "2019-01-01";
const LAST_DEAL_DAY: &str = "2026-10-31";

/// How often `progress` is called, in items (businesses, then deals).
const PROGRESS_EVERY: u64 = 10_000;

/// Output is collected in a buffer of about this size before each `write_all`.
const WRITE_CHUNK: usize = 1 << 16;

/// Streams `businesses.jsonl` and `deals.jsonl` (one JSON object per line, `\n`): the same
/// config gives the same bytes.
///
/// Writes go out in chunks of about 64 KiB, so an unbuffered `File` is fine too; both writers
/// are flushed at the end. `progress(n)` is called every 10 000 items with the number of items
/// (businesses, then deals) done so far, and once at the end.
///
/// Deals are only made where a buyer's need meets a seller's offer of the same commodity, so
/// with very few businesses fewer deals than asked may come out (see the returned stats).
pub fn generate(
    reference: &Reference,
    cfg: &GenConfig,
    businesses_out: &mut dyn Write,
    deals_out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> io::Result<GenStats> {
    let model = Model::new(reference);
    let mut done: u64 = 0;

    // --- businesses -------------------------------------------------------------------------
    let mut rng = Rng::new(cfg.seed, STREAM_BUSINESSES);
    let order = province_order(&model, cfg.businesses, &mut rng);
    let mut roster = Roster::with_capacity(cfg.businesses);
    let mut seq = vec![0u32; model.np];
    let mut bumd_seen = vec![0u32; model.np];
    let mut out = Chunked::new(businesses_out);
    let mut listings = 0usize;
    for &p in &order {
        let p = p as usize;
        seq[p] += 1;
        let b = make_business(&model, &mut rng, p, seq[p], &mut bumd_seen[p]);
        listings += b.offers.len() + b.needs.len();
        roster.push(&model, &b, p, seq[p]);
        out.json_line(&b)?;
        done += 1;
        tick(done, progress);
    }
    out.finish()?;
    let provinces = seq.iter().filter(|&&n| n > 0).count();

    // --- deals ------------------------------------------------------------------------------
    let mut out = Chunked::new(deals_out);
    let mut writer = DealWriter::new(&model, &roster);
    let mut made = 0usize;
    // Mission deals first, in mission order, then the everyday trade.
    let per_mission_cap = cfg.deals / 200;
    for (mi, m) in MISSIONS.iter().enumerate() {
        if made >= cfg.deals || per_mission_cap == 0 {
            break;
        }
        let deals = mission_deals(
            &model,
            &roster,
            mi,
            cfg.seed,
            per_mission_cap.min(cfg.deals - made),
        );
        for d in deals {
            writer.write(&mut out, &d, Some(m))?;
            made += 1;
            done += 1;
            tick(done, progress);
        }
    }
    let mut trade = Trade::new(&model, &roster, cfg.seed);
    while made < cfg.deals {
        let Some(d) = trade.next() else { break };
        writer.write(&mut out, &d, None)?;
        made += 1;
        done += 1;
        tick(done, progress);
    }
    out.finish()?;
    if !done.is_multiple_of(PROGRESS_EVERY) {
        progress(done);
    }
    Ok(GenStats {
        businesses: cfg.businesses,
        listings,
        deals: made,
        provinces,
    })
}

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

// ------------------------------------------------------------------------------------------
// Randomness
// ------------------------------------------------------------------------------------------

const STREAM_BUSINESSES: u64 = 1;
const STREAM_DEALS: u64 = 2;
const STREAM_MISSION_SPEC: u64 = 3;
/// Mission `i` selects its participants from stream `STREAM_MISSIONS + 2i` and makes its
/// deals from `STREAM_MISSIONS + 2i + 1`.
const STREAM_MISSIONS: u64 = 100;

/// ChaCha8 with the few draws the generator needs, all built on `next_u64`.
struct Rng(ChaCha8Rng);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(stream);
        Rng(r)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-40 for the sizes used here).
    fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((self.0.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given (non-negative) weights; `None` when they sum to zero.
    fn weighted(&mut self, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return None;
        }
        let mut x = self.unit() * total;
        let mut last = None;
        for (i, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                if x < w {
                    return Some(i);
                }
                x -= w;
                last = Some(i);
            }
        }
        last
    }

    /// Up to `k` distinct indices drawn with the given weights, without replacement.
    fn weighted_distinct(&mut self, weights: &[f64], k: usize) -> Vec<usize> {
        let mut w = weights.to_vec();
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            match self.weighted(&w) {
                Some(i) => {
                    out.push(i);
                    w[i] = 0.0;
                }
                None => break,
            }
        }
        out
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A positive size factor with median about 1 and a long right tail (0.3 to about 7).
    fn spread(&mut self) -> f64 {
        let a = self.unit();
        let b = self.unit();
        (0.3 + 1.4 * a) * (1.0 + 3.0 * b * b * b)
    }

    /// A Pareto(α = 1) activity in [1, 20]: most businesses trade a little, a few a lot.
    fn activity(&mut self) -> f64 {
        1.0 / (0.05 + 0.95 * self.unit())
    }
}

/// Walker's alias table: O(1) draws from a fixed discrete distribution.
struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(weights: &[f64]) -> Option<Alias> {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || total <= 0.0 {
            return None;
        }
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for (i, &p) in prob.iter().enumerate() {
            if p < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i as usize] = 1.0;
        }
        Some(Alias { prob, alias })
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len());
        if rng.unit() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Index of the first cumulative weight above `x` within `cum` (non-decreasing).
fn search_cum(cum: &[f64], x: f64) -> usize {
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

/// A stable 64-bit hash (FNV-1a) for deterministic choices that must not depend on the seed.
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

// ------------------------------------------------------------------------------------------
// Hand-written tables
// ------------------------------------------------------------------------------------------

/// Where personal names in business names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Java,
    Sunda,
    Sumatra,
    Batak,
    Minang,
    Bugis,
    Minahasa,
    Bali,
    Sasak,
    Kalimantan,
    East,
}

/// Per province (Kemendagri code): the 2-letter business-id prefix, the naming region, and
/// places for the `city` field — the capital first, then well-known regencies and cities.
///
/// Prefixes are the ISO 3166-2:ID subdivision codes, lower-cased, except three that would read
/// wrongly here: DKI Jakarta is `dk` (ISO `JK`), Jawa Tengah `jg` (ISO `JT`) and Jawa Timur
/// `jt` (ISO `JI`), so that `jt-00042` is East Java as in the design's examples.
#[rustfmt::skip]
const PROVINCES: &[(&str, &str, Region, &[&str])] = &[
    ("11", "ac", Region::Sumatra, &["Banda Aceh", "Takengon", "Bireuen", "Lhokseumawe", "Meulaboh", "Bener Meriah", "Aceh Besar"]),
    ("12", "su", Region::Batak, &["Medan", "Deli Serdang", "Kabanjahe", "Pematangsiantar", "Sidikalang", "Tebing Tinggi", "Sibolga", "Binjai", "Simalungun"]),
    ("13", "sb", Region::Minang, &["Padang", "Bukittinggi", "Solok", "Payakumbuh", "Agam", "Pariaman", "Padang Panjang"]),
    ("14", "ri", Region::Sumatra, &["Pekanbaru", "Dumai", "Kampar", "Siak", "Tembilahan", "Rokan Hulu", "Pelalawan"]),
    ("15", "ja", Region::Sumatra, &["Jambi", "Muaro Jambi", "Kerinci", "Muara Bungo", "Sarolangun"]),
    ("16", "ss", Region::Sumatra, &["Palembang", "Banyuasin", "Prabumulih", "Lubuklinggau", "Pagar Alam", "Ogan Komering Ilir", "Muara Enim"]),
    ("17", "be", Region::Sumatra, &["Bengkulu", "Curup", "Kepahiang", "Bengkulu Utara"]),
    ("18", "la", Region::Sumatra, &["Bandar Lampung", "Metro", "Lampung Tengah", "Tanggamus", "Lampung Barat", "Pringsewu", "Tulang Bawang", "Lampung Selatan"]),
    ("19", "bb", Region::Sumatra, &["Pangkal Pinang", "Muntok", "Tanjung Pandan", "Sungailiat"]),
    ("21", "kr", Region::Sumatra, &["Tanjung Pinang", "Batam", "Bintan", "Karimun"]),
    ("31", "dk", Region::Java, &["Jakarta Utara", "Jakarta Barat", "Jakarta Timur", "Jakarta Selatan", "Jakarta Pusat"]),
    ("32", "jb", Region::Sunda, &["Bandung", "Bogor", "Bekasi", "Garut", "Cirebon", "Indramayu", "Sukabumi", "Tasikmalaya", "Karawang", "Majalengka", "Lembang", "Cianjur", "Kuningan", "Subang", "Purwakarta", "Depok", "Sumedang", "Pangalengan"]),
    ("33", "jg", Region::Java, &["Semarang", "Brebes", "Jepara", "Kudus", "Pekalongan", "Surakarta", "Boyolali", "Magelang", "Temanggung", "Wonosobo", "Purwokerto", "Klaten", "Pati", "Tegal", "Rembang", "Kendal", "Blora", "Grobogan", "Banyumas"]),
    ("34", "yo", Region::Java, &["Yogyakarta", "Sleman", "Bantul", "Kulon Progo", "Gunungkidul"]),
    ("35", "jt", Region::Java, &["Surabaya", "Malang", "Batu", "Nganjuk", "Kediri", "Probolinggo", "Jember", "Banyuwangi", "Sidoarjo", "Gresik", "Tuban", "Blitar", "Pasuruan", "Lamongan", "Madiun", "Lumajang", "Bojonegoro", "Tulungagung", "Sumenep", "Pamekasan", "Bangkalan", "Mojokerto", "Bondowoso"]),
    ("36", "bt", Region::Sunda, &["Serang", "Cilegon", "Tangerang", "Tangerang Selatan", "Lebak", "Pandeglang"]),
    ("51", "ba", Region::Bali, &["Denpasar", "Badung", "Gianyar", "Tabanan", "Singaraja", "Bangli", "Karangasem", "Klungkung"]),
    ("52", "nb", Region::Sasak, &["Mataram", "Lombok Timur", "Lombok Tengah", "Bima", "Sumbawa Besar", "Dompu"]),
    ("53", "nt", Region::East, &["Kupang", "Ende", "Maumere", "Labuan Bajo", "Waingapu", "Atambua", "Bajawa"]),
    ("61", "kb", Region::Kalimantan, &["Pontianak", "Singkawang", "Sambas", "Ketapang", "Sintang"]),
    ("62", "kt", Region::Kalimantan, &["Palangka Raya", "Sampit", "Pangkalan Bun", "Kuala Kapuas"]),
    ("63", "ks", Region::Kalimantan, &["Banjarbaru", "Banjarmasin", "Martapura", "Kotabaru", "Tanah Laut"]),
    ("64", "ki", Region::Kalimantan, &["Samarinda", "Balikpapan", "Bontang", "Tenggarong", "Berau"]),
    ("65", "ku", Region::Kalimantan, &["Tanjung Selor", "Tarakan", "Nunukan", "Malinau"]),
    ("71", "sa", Region::Minahasa, &["Manado", "Bitung", "Tomohon", "Minahasa", "Kotamobagu"]),
    ("72", "st", Region::Bugis, &["Palu", "Donggala", "Poso", "Luwuk", "Parigi Moutong"]),
    ("73", "sn", Region::Bugis, &["Makassar", "Enrekang", "Parepare", "Bone", "Gowa", "Pinrang", "Bulukumba", "Toraja", "Sidrap", "Palopo", "Pangkep", "Takalar"]),
    ("74", "sg", Region::Bugis, &["Kendari", "Kolaka", "Baubau", "Konawe", "Muna"]),
    ("75", "go", Region::Bugis, &["Gorontalo", "Limboto", "Boalemo", "Pohuwato"]),
    ("76", "sr", Region::Bugis, &["Mamuju", "Polewali Mandar", "Majene", "Pasangkayu"]),
    ("81", "ma", Region::East, &["Ambon", "Tual", "Masohi", "Banda Neira"]),
    ("82", "mu", Region::East, &["Sofifi", "Ternate", "Tidore", "Tobelo"]),
    ("91", "pa", Region::East, &["Jayapura", "Sentani", "Biak", "Sarmi"]),
    ("92", "pb", Region::East, &["Manokwari", "Fakfak", "Bintuni"]),
    ("93", "ps", Region::East, &["Merauke", "Boven Digoel", "Asmat"]),
    ("94", "pt", Region::East, &["Nabire", "Timika", "Paniai"]),
    ("95", "pe", Region::East, &["Wamena", "Lanny Jaya", "Yahukimo"]),
    ("96", "pd", Region::East, &["Sorong", "Raja Ampat", "Sorong Selatan"]),
];

/// Well-known regional specialisations for goods without a production figure (or beyond the
/// top-N of a partial table): commodity → (province, offer weight; 1 = neutral). A generator
/// heuristic from common knowledge (Jepara furniture, Gresik cement and fertiliser, Cilegon
/// steel, Pekalongan batik, Madura salt…), not a statistic. Provinces not listed for a
/// commodity in this table get [`UNLISTED_WEIGHT`].
#[rustfmt::skip]
const SPECIALISATIONS: &[(&str, &[(&str, f64)])] = &[
    ("jagung", &[("35", 4.0), ("33", 3.0), ("73", 3.0), ("18", 3.0), ("52", 3.0), ("75", 4.0), ("32", 1.5), ("12", 1.5)]),
    ("kedelai", &[("35", 4.0), ("33", 3.0), ("52", 3.0), ("32", 1.5)]),
    ("kacang_tanah", &[("35", 3.0), ("33", 3.0), ("34", 3.0), ("52", 2.0)]),
    ("ubi_kayu", &[("18", 6.0), ("35", 2.5), ("33", 2.5), ("32", 1.5)]),
    ("ubi_jalar", &[("32", 3.0), ("95", 6.0), ("91", 3.0), ("35", 1.5)]),
    ("bawang_putih", &[("33", 3.0), ("52", 4.0), ("32", 1.5), ("35", 1.5)]),
    ("bawang_bombay", &[("33", 2.0), ("52", 2.0), ("32", 1.5)]),
    ("tomat", &[("32", 3.0), ("12", 3.0), ("33", 2.0), ("13", 2.0), ("35", 1.5)]),
    ("kentang", &[("32", 3.0), ("33", 3.0), ("12", 3.5), ("35", 2.0), ("13", 2.0), ("73", 1.5)]),
    ("kubis", &[("32", 3.0), ("33", 3.0), ("12", 3.0), ("35", 2.0), ("13", 2.0)]),
    ("wortel", &[("32", 3.5), ("33", 3.0), ("12", 2.5), ("35", 2.0)]),
    ("mangga", &[("35", 3.5), ("32", 3.0), ("33", 2.0), ("52", 2.0)]),
    ("manggis", &[("32", 3.0), ("13", 3.0), ("35", 2.0), ("51", 2.0), ("17", 2.0)]),
    ("pisang", &[("35", 3.0), ("18", 3.5), ("32", 2.0), ("33", 2.0)]),
    ("jeruk", &[("35", 3.0), ("12", 3.5), ("61", 3.0), ("51", 2.0)]),
    ("apel", &[("35", 8.0)]),
    ("alpukat", &[("35", 3.0), ("32", 2.5), ("33", 2.0), ("12", 2.0)]),
    ("buah_naga", &[("35", 4.0), ("61", 2.0), ("52", 2.0)]),
    ("kelapa", &[("71", 4.0), ("14", 3.0), ("82", 4.0), ("72", 3.0), ("75", 3.0), ("81", 3.0), ("35", 1.5), ("33", 1.5)]),
    ("kopra", &[("71", 5.0), ("82", 5.0), ("81", 4.0), ("72", 4.0), ("75", 3.0)]),
    ("kelapa_sawit", &[("11", 2.0), ("17", 2.0), ("63", 2.0), ("76", 2.0), ("65", 2.0), ("32", 0.02), ("33", 0.02), ("35", 0.02), ("31", 0.0), ("34", 0.0), ("51", 0.0)]),
    ("kopi", &[("51", 3.0), ("32", 1.5), ("11", 3.0), ("12", 3.0), ("18", 3.0)]),
    ("cengkeh", &[("71", 5.0), ("73", 3.0), ("81", 4.0), ("33", 2.0), ("35", 1.5)]),
    ("pala", &[("81", 8.0), ("82", 6.0), ("92", 5.0), ("71", 3.0)]),
    ("lada", &[("19", 8.0), ("18", 5.0), ("64", 2.0), ("74", 3.0), ("73", 2.0), ("36", 1.5)]),
    ("vanili", &[("53", 4.0), ("51", 3.0), ("91", 3.0), ("35", 1.5)]),
    ("jambu_mete", &[("53", 6.0), ("74", 5.0), ("52", 4.0), ("73", 3.0)]),
    ("tembakau", &[("35", 5.0), ("52", 5.0), ("33", 4.0)]),
    ("tebu", &[("35", 6.0), ("18", 5.0), ("33", 2.5), ("73", 1.5)]),
    ("karet", &[("16", 6.0), ("12", 4.0), ("15", 5.0), ("14", 3.0), ("61", 4.0), ("63", 3.0)]),
    ("teh", &[("32", 6.0), ("33", 2.0), ("13", 2.0), ("12", 2.0)]),
    ("sapi", &[("35", 3.0), ("52", 5.0), ("53", 5.0), ("73", 3.0), ("51", 3.0), ("18", 2.5)]),
    ("kambing", &[("35", 2.5), ("33", 2.5), ("32", 2.0), ("18", 2.0)]),
    ("domba", &[("32", 5.0), ("33", 2.5)]),
    ("daging_ayam", &[("32", 3.0), ("33", 2.5), ("35", 2.5), ("36", 2.0), ("12", 1.5)]),
    ("ayam_hidup", &[("32", 3.0), ("33", 2.5), ("35", 2.5), ("12", 1.5)]),
    ("doc_ayam", &[("32", 3.0), ("33", 2.5), ("35", 3.0), ("36", 2.0)]),
    ("telur_ayam", &[("35", 4.0), ("33", 2.5), ("32", 2.0), ("12", 2.0)]),
    ("susu", &[("35", 5.0), ("33", 3.0), ("32", 3.0)]),
    ("madu", &[("52", 4.0), ("14", 2.0), ("53", 3.0), ("35", 1.5)]),
    ("sarang_walet", &[("61", 4.0), ("62", 4.0), ("64", 3.0), ("12", 2.0), ("35", 1.5)]),
    ("ikan_segar", &[("35", 2.0), ("73", 2.5), ("81", 3.0), ("71", 2.5), ("82", 2.5), ("32", 1.5)]),
    ("ikan_beku", &[("35", 3.0), ("31", 2.0), ("81", 3.0), ("71", 2.5)]),
    ("udang", &[("35", 3.0), ("18", 4.0), ("52", 2.5), ("73", 2.5), ("36", 1.5)]),
    ("udang_beku", &[("35", 4.0), ("18", 4.0), ("73", 2.0)]),
    ("lele", &[("33", 3.0), ("32", 3.0), ("35", 2.5), ("34", 2.5)]),
    ("patin", &[("16", 5.0), ("14", 4.0), ("15", 4.0), ("63", 4.0)]),
    ("fillet_dori", &[("35", 4.0), ("14", 2.0), ("16", 2.0), ("32", 1.5)]),
    ("bandeng", &[("35", 4.0), ("33", 2.5), ("73", 3.0), ("32", 2.0)]),
    ("tuna", &[("71", 5.0), ("81", 5.0), ("82", 4.0), ("73", 2.0), ("51", 2.5)]),
    ("ikan_hias", &[("32", 4.0), ("35", 3.0), ("31", 2.0), ("34", 2.0)]),
    ("benih_ikan", &[("35", 3.0), ("32", 3.0), ("33", 2.5), ("51", 2.0)]),
    ("rumput_laut", &[("73", 6.0), ("53", 5.0), ("51", 4.0), ("72", 4.0), ("74", 4.0), ("52", 3.0)]),
    ("olahan_perikanan", &[("35", 3.0), ("16", 3.0), ("33", 2.0), ("73", 2.0), ("36", 1.5)]),
    ("gula", &[("35", 6.0), ("18", 5.0), ("33", 2.0)]),
    ("gula_merah", &[("33", 4.0), ("35", 2.5), ("32", 2.5), ("34", 3.0), ("36", 2.5)]),
    ("molases", &[("35", 6.0), ("18", 5.0), ("33", 2.0)]),
    ("minyak_goreng", &[("14", 4.0), ("12", 4.0), ("16", 2.5), ("61", 2.5), ("35", 2.0), ("36", 1.5)]),
    ("tepung_tapioka", &[("18", 6.0), ("33", 3.0), ("35", 2.0)]),
    ("tepung_terigu", &[("31", 4.0), ("36", 5.0), ("35", 3.0), ("73", 2.0)]),
    ("kopi_olahan", &[("35", 2.0), ("11", 3.0), ("51", 2.5), ("34", 2.0), ("32", 1.5), ("18", 2.0)]),
    ("olahan_daging", &[("35", 2.5), ("32", 2.0), ("36", 2.0), ("31", 2.0)]),
    ("makanan_ringan", &[("35", 2.0), ("33", 2.0), ("32", 1.5), ("34", 2.0), ("36", 1.5)]),
    ("kecap", &[("33", 3.0), ("32", 2.0), ("35", 2.0)]),
    ("sambal", &[("35", 2.5), ("33", 2.0), ("32", 1.5)]),
    ("bumbu", &[("35", 2.0), ("33", 2.0), ("32", 1.5), ("31", 1.5)]),
    ("minuman", &[("36", 3.0), ("32", 2.5), ("35", 2.0), ("31", 2.0)]),
    ("garam", &[("35", 6.0), ("33", 3.0), ("52", 3.0), ("53", 3.0), ("32", 2.0)]),
    ("pakan_ternak", &[("35", 3.0), ("36", 3.5), ("32", 2.5), ("33", 2.0), ("12", 2.0), ("18", 2.0)]),
    ("pakan_ikan", &[("35", 4.0), ("32", 2.5), ("36", 3.0), ("18", 2.0), ("12", 1.5)]),
    ("pupuk", &[("35", 5.0), ("16", 5.0), ("64", 5.0), ("11", 4.0), ("32", 3.0)]),
    ("pupuk_organik", &[("35", 2.5), ("33", 2.5), ("32", 2.0)]),
    ("benih", &[("35", 4.0), ("32", 3.0), ("33", 2.5)]),
    ("semen", &[("35", 5.0), ("13", 5.0), ("32", 3.0), ("73", 4.0), ("33", 2.5), ("11", 2.0)]),
    ("bata", &[("33", 2.0), ("35", 2.0), ("32", 2.0)]),
    ("bata_ringan", &[("35", 3.0), ("32", 3.0), ("36", 3.0)]),
    ("besi_baja", &[("36", 8.0), ("35", 3.0), ("31", 2.0), ("32", 2.0)]),
    ("kayu", &[("62", 5.0), ("61", 4.0), ("64", 4.0), ("33", 2.5), ("91", 3.0)]),
    ("kayu_bulat", &[("62", 6.0), ("61", 5.0), ("64", 5.0), ("91", 5.0), ("65", 5.0), ("92", 4.0)]),
    ("kayu_lapis", &[("64", 5.0), ("62", 4.0), ("35", 3.0), ("61", 3.0)]),
    ("veneer", &[("35", 4.0), ("33", 3.0), ("62", 3.0), ("63", 3.0)]),
    ("mebel", &[("33", 6.0), ("35", 3.0), ("32", 2.5), ("34", 2.5)]),
    ("rokok", &[("35", 8.0), ("33", 6.0)]),
    ("cerutu", &[("35", 10.0)]),
    ("arang_tempurung", &[("71", 4.0), ("33", 2.0), ("35", 2.0), ("36", 3.0), ("82", 3.0)]),
    ("arang_kayu", &[("63", 5.0), ("62", 4.0), ("61", 3.0)]),
    ("mesin_peralatan", &[("35", 3.0), ("31", 3.0), ("32", 3.0), ("36", 3.0)]),
    ("karung", &[("35", 3.0), ("32", 3.0), ("36", 3.0)]),
    ("kemasan", &[("36", 4.0), ("32", 3.0), ("35", 3.0), ("31", 2.5)]),
    ("produk_kebersihan", &[("36", 3.0), ("32", 3.0), ("35", 2.5), ("31", 2.5)]),
    ("sepatu", &[("36", 4.0), ("32", 3.5), ("35", 3.0), ("33", 2.0)]),
    ("batik", &[("33", 6.0), ("34", 6.0), ("32", 3.0), ("35", 3.0)]),
    ("tekstil", &[("32", 4.0), ("33", 3.0), ("36", 2.5), ("35", 2.0), ("31", 2.0)]),
    ("kerajinan", &[("51", 6.0), ("34", 5.0), ("33", 3.0), ("35", 2.0), ("32", 2.0)]),
];

/// Offer weight of a province that [`SPECIALISATIONS`] does not list for a commodity it does
/// list (the base rate elsewhere), and of a province missing from a partial (top-N) table.
const UNLISTED_WEIGHT: f64 = 0.5;

/// Commodities whose province figure is missing are read from a related one: milled rice
/// and rice bran follow paddy, bird's eye chili (a top-10 table) follows large chili.
const PROXIES: &[(&str, &str)] = &[
    ("beras", "padi"),
    ("katul", "padi"),
    ("cabai_rawit", "cabai_besar"),
];

/// Famous origins: (commodity, province, city, the name buyers know it by). A business that
/// offers the commodity in that province is often placed there, and its title may carry the
/// name ("Bawang merah Nganjuk", "Kopi arabika Gayo").
#[rustfmt::skip]
const ORIGINS: &[(&str, &str, &str, &str)] = &[
    ("bawang_merah", "35", "Nganjuk", "Nganjuk"),
    ("bawang_merah", "35", "Probolinggo", "Probolinggo"),
    ("bawang_merah", "33", "Brebes", "Brebes"),
    ("bawang_merah", "73", "Enrekang", "Enrekang"),
    ("bawang_merah", "52", "Bima", "Bima"),
    ("bawang_merah", "13", "Solok", "Solok"),
    ("bawang_merah", "34", "Bantul", "Bantul"),
    ("cabai_rawit", "35", "Kediri", "Kediri"),
    ("cabai_rawit", "35", "Blitar", "Blitar"),
    ("cabai_rawit", "33", "Magelang", "Magelang"),
    ("cabai_besar", "32", "Garut", "Garut"),
    ("cabai_besar", "12", "Kabanjahe", "Karo"),
    ("cabai_besar", "33", "Magelang", "Magelang"),
    ("kopi", "11", "Takengon", "Gayo"),
    ("kopi", "11", "Bener Meriah", "Gayo"),
    ("kopi", "12", "Sidikalang", "Sidikalang"),
    ("kopi", "51", "Bangli", "Kintamani"),
    ("kopi", "73", "Toraja", "Toraja"),
    ("kopi", "35", "Bondowoso", "Ijen Raung"),
    ("kopi", "18", "Lampung Barat", "Lampung"),
    ("kopi", "16", "Pagar Alam", "Semendo"),
    ("kopi", "53", "Bajawa", "Flores Bajawa"),
    ("kopi", "32", "Garut", "Java Preanger"),
    ("kopi_olahan", "11", "Takengon", "Gayo"),
    ("kopi_olahan", "51", "Bangli", "Kintamani"),
    ("kopi_olahan", "73", "Toraja", "Toraja"),
    ("apel", "35", "Batu", "Malang"),
    ("jeruk", "12", "Kabanjahe", "Berastagi"),
    ("jeruk", "61", "Sambas", "Pontianak"),
    ("jeruk", "35", "Batu", "Batu"),
    ("mangga", "35", "Probolinggo", "Probolinggo"),
    ("mangga", "32", "Indramayu", "Indramayu"),
    ("manggis", "32", "Tasikmalaya", "Tasikmalaya"),
    ("pisang", "35", "Lumajang", "Lumajang"),
    ("kentang", "33", "Wonosobo", "Dieng"),
    ("kentang", "32", "Pangalengan", "Pangalengan"),
    ("ubi_jalar", "32", "Sumedang", "Cilembu"),
    ("mebel", "33", "Jepara", "Jepara"),
    ("mebel", "35", "Pasuruan", "Pasuruan"),
    ("mebel", "32", "Cirebon", "Cirebon"),
    ("batik", "33", "Pekalongan", "Pekalongan"),
    ("batik", "33", "Surakarta", "Solo"),
    ("batik", "34", "Yogyakarta", "Yogya"),
    ("batik", "32", "Cirebon", "Trusmi"),
    ("batik", "35", "Pamekasan", "Madura"),
    ("garam", "35", "Sumenep", "Madura"),
    ("garam", "35", "Pamekasan", "Madura"),
    ("garam", "33", "Rembang", "Rembang"),
    ("garam", "52", "Bima", "Bima"),
    ("tembakau", "35", "Jember", "Jember"),
    ("tembakau", "35", "Pamekasan", "Madura"),
    ("tembakau", "33", "Temanggung", "Temanggung"),
    ("cerutu", "35", "Jember", "Jember"),
    ("rokok", "35", "Kediri", "Kediri"),
    ("rokok", "35", "Malang", "Malang"),
    ("rokok", "33", "Kudus", "Kudus"),
    ("susu", "35", "Pasuruan", "Nongkojajar"),
    ("susu", "33", "Boyolali", "Boyolali"),
    ("susu", "32", "Lembang", "Lembang"),
    ("sapi", "35", "Sumenep", "Madura"),
    ("sapi", "51", "Karangasem", "Bali"),
    ("sapi", "52", "Sumbawa Besar", "Sumbawa"),
    ("domba", "32", "Garut", "Garut"),
    ("teh", "32", "Pangalengan", "Pangalengan"),
    ("telur_ayam", "35", "Blitar", "Blitar"),
    ("madu", "52", "Sumbawa Besar", "Sumbawa"),
    ("pala", "81", "Banda Neira", "Banda"),
    ("cengkeh", "71", "Minahasa", "Minahasa"),
    ("lada", "19", "Muntok", "Muntok"),
    ("lada", "18", "Lampung Barat", "Lampung"),
    ("gula_merah", "33", "Banyumas", "Banyumas"),
    ("gula_merah", "36", "Lebak", "Lebak"),
    ("gula_merah", "34", "Kulon Progo", "Kulon Progo"),
    ("olahan_perikanan", "35", "Sidoarjo", "Sidoarjo"),
    ("olahan_perikanan", "16", "Palembang", "Palembang"),
    ("bandeng", "35", "Gresik", "Gresik"),
    ("bandeng", "35", "Sidoarjo", "Sidoarjo"),
    ("tuna", "71", "Bitung", "Bitung"),
    ("tuna", "81", "Ambon", "Ambon"),
    ("rumput_laut", "73", "Takalar", "Takalar"),
    ("rumput_laut", "51", "Klungkung", "Nusa Penida"),
    ("semen", "35", "Gresik", "Gresik"),
    ("semen", "35", "Tuban", "Tuban"),
    ("semen", "13", "Padang", "Padang"),
    ("semen", "73", "Pangkep", "Tonasa"),
    ("pupuk", "35", "Gresik", "Gresik"),
    ("pupuk", "16", "Palembang", "Palembang"),
    ("pupuk", "64", "Bontang", "Bontang"),
    ("pupuk", "11", "Lhokseumawe", "Lhokseumawe"),
    ("pupuk", "32", "Karawang", "Cikampek"),
    ("pakan_ikan", "35", "Sidoarjo", "Sidoarjo"),
    ("pakan_ikan", "35", "Gresik", "Gresik"),
    ("besi_baja", "36", "Cilegon", "Cilegon"),
    ("sepatu", "32", "Bandung", "Cibaduyut"),
    ("sepatu", "35", "Mojokerto", "Mojokerto"),
    ("kerajinan", "51", "Gianyar", "Bali"),
    ("kerajinan", "34", "Yogyakarta", "Yogya"),
    ("kayu", "33", "Blora", "Blora"),
    ("veneer", "35", "Lumajang", "Lumajang"),
    ("veneer", "33", "Temanggung", "Temanggung"),
    ("ikan_hias", "35", "Blitar", "Blitar"),
    ("arang_kayu", "63", "Banjarmasin", "Banjar"),
    ("udang", "18", "Tulang Bawang", "Lampung"),
    ("jambu_mete", "53", "Maumere", "Flores"),
];

/// Names in running text where the catalog's is a group ("Sambal dan saus") or too long:
/// (commodity, Indonesian, English).
#[rustfmt::skip]
const TEXT_NAMES: &[(&str, &str, &str)] = &[
    ("kelapa_sawit", "minyak sawit", "palm oil"), ("cabai_besar", "cabai merah", "red chili"),
    ("kopi", "kopi", "green coffee"), ("perikanan_tangkap", "ikan laut", "sea fish"),
    ("olahan_perikanan", "olahan ikan", "processed fish"), ("kopi_olahan", "kopi bubuk", "roasted coffee"),
    ("olahan_daging", "olahan daging", "processed meat"), ("makanan_ringan", "makanan ringan", "snacks"),
    ("sambal", "sambal", "chili sauce"), ("bumbu", "bumbu", "spices"), ("minuman", "minuman kemasan", "bottled drinks"),
    ("benih", "benih", "seeds"), ("benih_ikan", "benih ikan", "fish fry"), ("pakan_ikan", "pakan ikan", "fish feed"),
    ("besi_baja", "besi baja", "steel"), ("kayu", "kayu olahan", "sawn timber"), ("mesin_peralatan", "mesin", "machinery"),
    ("produk_kebersihan", "produk kebersihan", "cleaning products"), ("sepatu", "sepatu", "footwear"),
    ("tekstil", "pakaian jadi", "garments"), ("kerajinan", "kerajinan tangan", "handicrafts"),
    ("doc_ayam", "DOC ayam", "day-old chicks"), ("ayam_hidup", "ayam broiler", "live broilers"),
    ("arang_tempurung", "arang batok kelapa", "coconut shell charcoal"), ("gula", "gula pasir", "sugar"),
    ("jambu_mete", "kacang mete", "cashew nuts"), ("susu", "susu segar", "fresh milk"), ("katul", "bekatul", "rice bran"),
    ("tuna", "tuna", "tuna"), ("sapi", "sapi", "cattle"), ("rokok", "rokok kretek", "kretek cigarettes"),
    ("pupuk", "pupuk", "fertiliser"), ("pupuk_organik", "pupuk organik", "organic fertiliser"),
    ("padi", "gabah", "paddy"), ("ubi_kayu", "singkong", "cassava"), ("kubis", "kubis", "cabbage"),
];

/// How commonly each commodity is traded by small businesses (relative; default 3).
#[rustfmt::skip]
const POPULARITY: &[(&str, f64)] = &[
    ("padi", 5.0), ("beras", 10.0), ("jagung", 7.0), ("kedelai", 3.0), ("kacang_tanah", 2.0),
    ("ubi_kayu", 3.0), ("ubi_jalar", 2.0), ("bawang_merah", 10.0), ("bawang_putih", 3.0),
    ("bawang_bombay", 1.0), ("cabai_rawit", 8.0), ("cabai_besar", 8.0), ("tomat", 3.0),
    ("kentang", 4.0), ("mangga", 4.0), ("manggis", 2.0), ("pisang", 4.0), ("jeruk", 4.0),
    ("apel", 2.0), ("buah_naga", 2.0), ("kelapa", 5.0), ("kopra", 2.0), ("kelapa_sawit", 4.0),
    ("kopi", 8.0), ("kakao", 4.0), ("pala", 2.0), ("vanili", 1.0), ("jambu_mete", 2.0),
    ("teh", 2.0), ("sapi", 6.0), ("domba", 2.0), ("daging_sapi", 5.0), ("daging_ayam", 6.0),
    ("doc_ayam", 2.0), ("telur_ayam", 6.0), ("madu", 2.0), ("sarang_walet", 1.0),
    ("ikan_segar", 5.0), ("ikan_beku", 4.0), ("udang", 4.0), ("lele", 4.0), ("fillet_dori", 2.0),
    ("bandeng", 4.0), ("ikan_hias", 2.0), ("rumput_laut", 4.0), ("olahan_perikanan", 5.0),
    ("gula", 4.0), ("gula_merah", 4.0), ("molases", 1.0), ("tepung_terigu", 2.0),
    ("kopi_olahan", 6.0), ("olahan_daging", 6.0), ("makanan_ringan", 10.0), ("kecap", 2.0),
    ("sambal", 5.0), ("bumbu", 5.0), ("minuman", 4.0), ("pakan_ternak", 5.0), ("pakan_ikan", 5.0),
    ("katul", 2.0), ("pupuk", 5.0), ("pupuk_organik", 4.0), ("benih", 4.0), ("semen", 4.0),
    ("bata", 4.0), ("besi_baja", 4.0), ("kayu", 4.0), ("kayu_bulat", 2.0), ("veneer", 2.0),
    ("mebel", 6.0), ("cerutu", 1.0), ("arang_kayu", 2.0), ("mesin_peralatan", 4.0), ("karung", 1.0), ("kemasan", 1.5),
    ("batik", 6.0), ("tekstil", 8.0), ("kerajinan", 6.0),
];

/// A small business's typical monthly output, in the commodity's catalog unit. Kinds scale it
/// ([`kind_scale`]). Missing keys fall back to a default per unit ([`default_qty`]).
#[rustfmt::skip]
const BASE_QTY: &[(&str, f64)] = &[
    ("padi", 20.0), ("beras", 10.0), ("jagung", 15.0), ("kedelai", 3.0), ("kacang_tanah", 2.0),
    ("ubi_kayu", 20.0), ("ubi_jalar", 5.0), ("bawang_merah", 5.0), ("bawang_putih", 2.0),
    ("bawang_bombay", 2.0), ("cabai_rawit", 2.0), ("cabai_besar", 3.0), ("tomat", 4.0),
    ("kentang", 5.0), ("kubis", 6.0), ("wortel", 4.0), ("mangga", 4.0), ("manggis", 2.0),
    ("pisang", 6.0), ("jeruk", 4.0), ("apel", 3.0), ("alpukat", 2.0), ("buah_naga", 2.0),
    ("kelapa", 10.0), ("kopra", 5.0), ("kelapa_sawit", 30.0), ("kopi", 1.0), ("kakao", 1.0),
    ("cengkeh", 0.5), ("pala", 300.0), ("lada", 0.5), ("vanili", 30.0), ("jambu_mete", 1.0),
    ("tembakau", 2.0), ("tebu", 100.0), ("karet", 5.0), ("teh", 2.0), ("sapi", 8.0),
    ("kambing", 25.0), ("domba", 25.0), ("daging_sapi", 1.0), ("daging_ayam", 3.0),
    ("ayam_hidup", 3000.0), ("doc_ayam", 10000.0), ("telur_ayam", 3.0), ("susu", 3000.0),
    ("madu", 100.0), ("sarang_walet", 5.0), ("perikanan_tangkap", 5.0), ("ikan_segar", 3.0),
    ("ikan_beku", 5.0), ("udang", 2.0), ("udang_beku", 2.0), ("lele", 2.0), ("patin", 2.0),
    ("fillet_dori", 2.0), ("bandeng", 2.0), ("tuna", 2.0), ("ikan_hias", 2000.0),
    ("benih_ikan", 100000.0), ("rumput_laut", 5.0), ("olahan_perikanan", 500.0), ("gula", 5.0),
    ("gula_merah", 2.0), ("molases", 20.0), ("minyak_goreng", 2000.0), ("tepung_tapioka", 5.0),
    ("tepung_terigu", 5.0), ("kopi_olahan", 300.0), ("olahan_daging", 500.0),
    ("makanan_ringan", 300.0), ("kecap", 1000.0), ("sambal", 200.0), ("bumbu", 200.0),
    ("minuman", 3000.0), ("garam", 10.0), ("pakan_ternak", 10.0), ("pakan_ikan", 10.0),
    ("katul", 10.0), ("pupuk", 10.0), ("pupuk_organik", 10.0), ("benih", 300.0), ("semen", 50.0),
    ("bata", 50000.0), ("bata_ringan", 100.0), ("besi_baja", 10.0), ("kayu", 30.0),
    ("kayu_bulat", 100.0), ("kayu_lapis", 1000.0), ("veneer", 50.0), ("mebel", 30.0),
    ("rokok", 1000000.0), ("cerutu", 5000.0), ("arang_tempurung", 10.0), ("arang_kayu", 5.0),
    ("mesin_peralatan", 20.0), ("karung", 50000.0), ("kemasan", 100000.0),
    ("produk_kebersihan", 2000.0), ("sepatu", 500.0), ("batik", 200.0), ("tekstil", 2000.0),
    ("kerajinan", 500.0),
];

/// Price ranges in rupiah: (commodity, low, high, per). `per` is `kg` for goods counted in
/// tons, otherwise the catalog unit. Typical 2019–2025 farm-gate to wholesale prices.
#[rustfmt::skip]
const PRICES: &[(&str, f64, f64, &str)] = &[
    ("padi", 5_500.0, 7_000.0, "kg"), ("beras", 11_000.0, 15_000.0, "kg"),
    ("jagung", 4_500.0, 6_500.0, "kg"), ("kedelai", 9_000.0, 12_000.0, "kg"),
    ("kacang_tanah", 20_000.0, 30_000.0, "kg"), ("ubi_kayu", 1_500.0, 3_000.0, "kg"),
    ("ubi_jalar", 4_000.0, 10_000.0, "kg"), ("bawang_merah", 20_000.0, 40_000.0, "kg"),
    ("bawang_putih", 25_000.0, 40_000.0, "kg"), ("bawang_bombay", 15_000.0, 30_000.0, "kg"),
    ("cabai_rawit", 25_000.0, 80_000.0, "kg"), ("cabai_besar", 25_000.0, 70_000.0, "kg"),
    ("tomat", 5_000.0, 12_000.0, "kg"), ("kentang", 10_000.0, 18_000.0, "kg"),
    ("kubis", 3_000.0, 8_000.0, "kg"), ("wortel", 7_000.0, 14_000.0, "kg"),
    ("mangga", 12_000.0, 30_000.0, "kg"), ("manggis", 15_000.0, 35_000.0, "kg"),
    ("pisang", 5_000.0, 12_000.0, "kg"), ("jeruk", 12_000.0, 25_000.0, "kg"),
    ("apel", 20_000.0, 35_000.0, "kg"), ("alpukat", 15_000.0, 35_000.0, "kg"),
    ("buah_naga", 12_000.0, 25_000.0, "kg"), ("kelapa", 3_000.0, 6_000.0, "kg"),
    ("kopra", 8_000.0, 12_000.0, "kg"), ("kelapa_sawit", 11_000.0, 15_000.0, "kg"),
    ("kopi", 60_000.0, 200_000.0, "kg"), ("kakao", 30_000.0, 110_000.0, "kg"),
    ("cengkeh", 90_000.0, 150_000.0, "kg"), ("pala", 80_000.0, 160_000.0, "kg"),
    ("lada", 60_000.0, 120_000.0, "kg"), ("vanili", 1_500_000.0, 4_000_000.0, "kg"),
    ("jambu_mete", 80_000.0, 140_000.0, "kg"), ("tembakau", 35_000.0, 90_000.0, "kg"),
    ("tebu", 600.0, 800.0, "kg"), ("karet", 12_000.0, 22_000.0, "kg"),
    ("teh", 20_000.0, 45_000.0, "kg"), ("sapi", 18_000_000.0, 28_000_000.0, "ekor"),
    ("kambing", 2_500_000.0, 4_500_000.0, "ekor"), ("domba", 2_500_000.0, 5_000_000.0, "ekor"),
    ("daging_sapi", 120_000.0, 150_000.0, "kg"), ("daging_ayam", 32_000.0, 45_000.0, "kg"),
    ("ayam_hidup", 40_000.0, 55_000.0, "ekor"), ("doc_ayam", 5_000.0, 9_000.0, "ekor"),
    ("telur_ayam", 25_000.0, 30_000.0, "kg"), ("susu", 6_000.0, 9_000.0, "liter"),
    ("madu", 100_000.0, 300_000.0, "kg"), ("sarang_walet", 8_000_000.0, 15_000_000.0, "kg"),
    ("perikanan_tangkap", 15_000.0, 40_000.0, "kg"), ("ikan_segar", 20_000.0, 45_000.0, "kg"),
    ("ikan_beku", 18_000.0, 40_000.0, "kg"), ("udang", 60_000.0, 120_000.0, "kg"),
    ("udang_beku", 80_000.0, 150_000.0, "kg"), ("lele", 18_000.0, 25_000.0, "kg"),
    ("patin", 18_000.0, 26_000.0, "kg"), ("fillet_dori", 35_000.0, 55_000.0, "kg"),
    ("bandeng", 25_000.0, 40_000.0, "kg"), ("tuna", 40_000.0, 90_000.0, "kg"),
    ("ikan_hias", 10_000.0, 250_000.0, "ekor"), ("benih_ikan", 50.0, 300.0, "ekor"),
    ("rumput_laut", 10_000.0, 35_000.0, "kg"), ("olahan_perikanan", 40_000.0, 150_000.0, "kg"),
    ("gula", 13_000.0, 18_000.0, "kg"), ("gula_merah", 15_000.0, 30_000.0, "kg"),
    ("molases", 2_000.0, 3_500.0, "kg"), ("minyak_goreng", 14_000.0, 20_000.0, "liter"),
    ("tepung_tapioka", 8_000.0, 14_000.0, "kg"), ("tepung_terigu", 9_000.0, 13_000.0, "kg"),
    ("kopi_olahan", 80_000.0, 300_000.0, "kg"), ("olahan_daging", 50_000.0, 150_000.0, "kg"),
    ("makanan_ringan", 40_000.0, 120_000.0, "kg"), ("kecap", 20_000.0, 40_000.0, "liter"),
    ("sambal", 40_000.0, 120_000.0, "kg"), ("bumbu", 40_000.0, 150_000.0, "kg"),
    ("minuman", 4_000.0, 15_000.0, "liter"), ("garam", 800.0, 4_000.0, "kg"),
    ("pakan_ternak", 6_500.0, 9_500.0, "kg"), ("pakan_ikan", 9_000.0, 16_000.0, "kg"),
    ("katul", 3_500.0, 5_500.0, "kg"), ("pupuk", 2_500.0, 12_000.0, "kg"),
    ("pupuk_organik", 800.0, 2_500.0, "kg"), ("benih", 10_000.0, 250_000.0, "kg"),
    ("semen", 1_200.0, 1_600.0, "kg"), ("bata", 600.0, 1_000.0, "pcs"),
    ("bata_ringan", 600_000.0, 800_000.0, "m3"), ("besi_baja", 11_000.0, 16_000.0, "kg"),
    ("kayu", 3_000_000.0, 14_000_000.0, "m3"), ("kayu_bulat", 1_500_000.0, 5_000_000.0, "m3"),
    ("kayu_lapis", 80_000.0, 350_000.0, "lembar"), ("veneer", 2_500_000.0, 6_000_000.0, "m3"),
    ("mebel", 500_000.0, 15_000_000.0, "pcs"), ("rokok", 900.0, 2_200.0, "pcs"),
    ("cerutu", 10_000.0, 150_000.0, "pcs"), ("arang_tempurung", 9_000.0, 20_000.0, "kg"),
    ("arang_kayu", 5_000.0, 12_000.0, "kg"), ("mesin_peralatan", 1_000_000.0, 80_000_000.0, "pcs"),
    ("karung", 1_500.0, 4_000.0, "pcs"), ("kemasan", 300.0, 3_000.0, "pcs"),
    ("produk_kebersihan", 8_000.0, 30_000.0, "liter"), ("sepatu", 80_000.0, 450_000.0, "pcs"),
    ("batik", 150_000.0, 1_500_000.0, "lembar"), ("tekstil", 35_000.0, 250_000.0, "pcs"),
    ("kerajinan", 25_000.0, 750_000.0, "pcs"),
];

/// Offer titles per commodity, Indonesian, with regional names and varieties so that search
/// has something to do ("Brambang super", "Lombok rawit"). The catalog name is the fallback.
#[rustfmt::skip]
const TITLES: &[(&str, &[&str])] = &[
    ("padi", &["Gabah kering giling", "Gabah kering panen", "Gabah IR64", "Gabah Ciherang", "Padi gabah kering"]),
    ("beras", &["Beras medium", "Beras premium", "Beras IR64", "Beras pandan wangi", "Beras merah", "Beras ungu", "Beras Rojolele", "Beras Ciherang", "Beras organik", "Beras premium 25 kg"]),
    ("jagung", &["Jagung pipil kering", "Jagung pakan", "Jagung pipilan", "Jagung hibrida kering", "Jagung kering KA 15%"]),
    ("kedelai", &["Kedelai lokal", "Kedelai Grobogan", "Kedele lokal", "Kedelai Anjasmoro"]),
    ("kacang_tanah", &["Kacang tanah ose", "Kacang tanah kupas", "Kacang tanah kulit"]),
    ("ubi_kayu", &["Singkong segar", "Ubi kayu", "Pohong", "Ketela pohon", "Singkong mentega"]),
    ("ubi_jalar", &["Ubi jalar", "Ubi ungu", "Boled madu", "Ketela rambat", "Ubi jalar oranye"]),
    ("bawang_merah", &["Bawang merah", "Bawang merah super", "Brambang super", "Bawang merah konsumsi", "Bawang merah Bima Brebes", "Bawang merah Tajuk", "Bawang merah rogol", "Brambang kering", "Bawang merah kering askip"]),
    ("bawang_putih", &["Bawang putih", "Bawang putih lokal", "Bawang putih kating", "Bawang lanang", "Bawang putih Lumbu Hijau"]),
    ("bawang_bombay", &["Bawang bombay", "Bawang bombai", "Bawang bombay lokal"]),
    ("cabai_rawit", &["Cabai rawit merah", "Cabai rawit hijau", "Cabe rawit", "Lombok rawit", "Cabai rawit segar", "Cengek", "Cabe setan", "Cabe rawit merah super"]),
    ("cabai_besar", &["Cabai merah keriting", "Cabai merah besar", "Cabe merah", "Lombok abang", "Cabai keriting segar", "Cabai hijau besar", "Lombok keriting", "Cabe merah TW"]),
    ("tomat", &["Tomat sayur", "Tomat buah", "Tomat segar", "Tomat servo"]),
    ("kentang", &["Kentang granola", "Kentang sayur", "Kentang segar", "Kentang industri"]),
    ("kubis", &["Kubis", "Kol bulat", "Kobis", "Kubis segar"]),
    ("wortel", &["Wortel", "Wortel segar", "Wortel super", "Wortel lokal"]),
    ("mangga", &["Mangga arumanis", "Mangga manalagi", "Mangga gadung", "Pelem golek", "Mangga harum manis"]),
    ("manggis", &["Manggis", "Manggis segar", "Manggis kualitas ekspor"]),
    ("pisang", &["Pisang kepok", "Pisang raja", "Pisang cavendish", "Pisang agung", "Pisang ambon"]),
    ("jeruk", &["Jeruk siam", "Jeruk keprok", "Jeruk manis", "Jeruk siam madu"]),
    ("apel", &["Apel manalagi", "Apel Anna", "Apel rome beauty", "Apel segar"]),
    ("alpukat", &["Alpukat mentega", "Alpukat", "Alpukat miki", "Alpukat aligator"]),
    ("buah_naga", &["Buah naga merah", "Buah naga putih", "Buah naga super merah"]),
    ("kelapa", &["Kelapa bulat", "Kelapa butir", "Kelapa tua", "Kelapa kupas", "Krambil"]),
    ("kopra", &["Kopra", "Kopra putih", "Kopra asap", "Kopra kering"]),
    ("kelapa_sawit", &["CPO", "Minyak sawit mentah", "Crude palm oil", "Minyak sawit mentah (CPO)"]),
    ("kopi", &["Kopi arabika", "Kopi robusta", "Green bean arabika", "Kopi ose robusta", "Biji kopi robusta", "Kopi beras arabika", "Green bean robusta grade 1"]),
    ("kakao", &["Biji kakao", "Biji kakao fermentasi", "Kakao kering", "Biji cokelat"]),
    ("cengkeh", &["Cengkeh kering", "Cengkeh", "Cengkih kering"]),
    ("pala", &["Biji pala", "Pala kering", "Pala dan fuli"]),
    ("lada", &["Lada putih", "Lada hitam", "Merica putih", "Sahang"]),
    ("vanili", &["Vanili kering", "Vanili grade A", "Panili kering"]),
    ("jambu_mete", &["Kacang mete", "Mete kupas", "Jambu mete gelondong", "Kacang mede"]),
    ("tembakau", &["Tembakau rajangan", "Tembakau kasturi", "Tembakau Virginia", "Daun tembakau", "Tembakau Na-Oogst"]),
    ("tebu", &["Tebu giling", "Tebu", "Batang tebu"]),
    ("karet", &["Karet bokar", "Lateks", "Karet remah", "Getah karet"]),
    ("teh", &["Teh hitam", "Teh hijau", "Daun teh kering", "Teh orthodox"]),
    ("sapi", &["Sapi potong", "Sapi bakalan", "Sapi Madura", "Sapi Bali", "Sapi PO", "Sapi limosin", "Sapi perah"]),
    ("kambing", &["Kambing potong", "Kambing etawa", "Kambing kacang", "Kambing aqiqah"]),
    ("domba", &["Domba garut", "Domba potong", "Domba ekor gemuk"]),
    ("daging_sapi", &["Daging sapi segar", "Daging sapi beku", "Karkas sapi", "Daging sapi has dalam", "Daging sapi lokal"]),
    ("daging_ayam", &["Karkas ayam", "Ayam potong segar", "Ayam frozen", "Daging ayam fillet", "Ayam karkas beku"]),
    ("ayam_hidup", &["Ayam broiler hidup", "Ayam ras pedaging", "Ayam broiler siap panen"]),
    ("doc_ayam", &["DOC broiler", "DOC layer", "Anak ayam umur sehari", "DOC ayam kampung super"]),
    ("telur_ayam", &["Telur ayam ras", "Telur ayam negeri", "Telur konsumsi", "Telur ayam segar"]),
    ("susu", &["Susu sapi segar", "Susu murni", "Susu pasteurisasi", "Susu sapi perah"]),
    ("madu", &["Madu hutan", "Madu murni", "Madu lebah", "Madu randu", "Madu klanceng"]),
    ("sarang_walet", &["Sarang walet", "Sarang walet mangkok", "Sarang walet bersih"]),
    ("perikanan_tangkap", &["Ikan laut segar", "Hasil tangkapan laut", "Ikan tangkapan nelayan", "Ikan layang", "Ikan kembung"]),
    ("ikan_segar", &["Ikan segar", "Ikan kakap merah", "Ikan kerapu", "Ikan nila segar", "Ikan gurame"]),
    ("ikan_beku", &["Ikan beku", "Ikan frozen", "Ikan layang beku", "Ikan kembung beku"]),
    ("udang", &["Udang vaname", "Udang windu", "Udang segar", "Udang vaname size 50"]),
    ("udang_beku", &["Udang beku", "Udang frozen", "Udang beku kupas", "Udang beku HOSO"]),
    ("lele", &["Lele segar", "Lele sangkuriang", "Lele dumbo", "Ikan lele konsumsi"]),
    ("patin", &["Ikan patin", "Patin segar", "Patin siam"]),
    ("fillet_dori", &["Fillet dori", "Dori fillet beku", "Fillet patin"]),
    ("bandeng", &["Ikan bandeng", "Bandeng segar", "Bandeng tambak"]),
    ("tuna", &["Tuna loin", "Ikan tuna segar", "Tongkol", "Cakalang", "Tuna sirip kuning"]),
    ("ikan_hias", &["Ikan koi", "Ikan cupang", "Ikan arwana", "Ikan hias air tawar", "Ikan guppy"]),
    ("benih_ikan", &["Benih lele", "Benur vaname", "Nener bandeng", "Benih nila", "Bibit ikan"]),
    ("rumput_laut", &["Rumput laut kering", "Rumput laut cottonii", "Rumput laut spinosum", "Gracilaria kering"]),
    ("olahan_perikanan", &["Bandeng presto", "Bandeng asap", "Bakso ikan", "Ikan asin", "Otak-otak", "Abon ikan", "Surimi"]),
    ("gula", &["Gula kristal putih", "Gula pasir", "Gula putih curah"]),
    ("gula_merah", &["Gula merah tebu", "Gula aren", "Gula semut aren", "Gula jawa", "Gula kelapa"]),
    ("molases", &["Tetes tebu", "Molases", "Tetes tebu (molase)"]),
    ("minyak_goreng", &["Minyak goreng curah", "Minyak goreng sawit", "Minyak goreng kemasan"]),
    ("tepung_tapioka", &["Tepung tapioka", "Tepung kanji", "Aci", "Tapioka kualitas A"]),
    ("tepung_terigu", &["Tepung terigu", "Terigu protein tinggi", "Tepung terigu serbaguna"]),
    ("kopi_olahan", &["Kopi bubuk", "Kopi sangrai", "Kopi bubuk robusta", "Kopi sangrai arabika", "Kopi bubuk kemasan"]),
    ("olahan_daging", &["Bakso sapi", "Sosis ayam", "Nugget ayam", "Frozen food", "Kornet sapi", "Bakso ayam"]),
    ("makanan_ringan", &["Keripik singkong", "Keripik tempe", "Kerupuk udang", "Rengginang", "Keripik buah", "Rempeyek kacang", "Kripik pisang", "Opak", "Kerupuk"]),
    ("kecap", &["Kecap manis", "Kecap asin", "Kecap manis kemasan"]),
    ("sambal", &["Sambal bawang", "Sambal pecel", "Saus sambal", "Sambal terasi", "Saos tomat", "Bumbu pecel"]),
    ("bumbu", &["Bumbu instan", "Bumbu dapur", "Rempah bubuk", "Bumbu jadi", "Bumbu racik"]),
    ("minuman", &["Minuman kemasan", "Air minum dalam kemasan", "Minuman botanical", "Minuman ringan"]),
    ("garam", &["Garam krosok", "Garam konsumsi beryodium", "Garam rakyat", "Garam industri"]),
    ("pakan_ternak", &["Pakan ayam petelur", "Konsentrat sapi", "Pakan unggas", "Pakan broiler", "Konsentrat"]),
    ("pakan_ikan", &["Pakan ikan apung", "Pelet ikan", "Pakan udang", "Pakan lele", "Pakan ikan dan udang"]),
    ("katul", &["Bekatul", "Dedak padi", "Katul"]),
    ("pupuk", &["Pupuk NPK", "Pupuk urea", "Pupuk ZA", "Pupuk SP-36", "Pupuk NPK 15-15-15"]),
    ("pupuk_organik", &["Pupuk kompos", "Pupuk kandang", "Pupuk organik cair", "Bokashi", "Pupuk organik granul"]),
    ("benih", &["Benih padi", "Benih jagung hibrida", "Bibit bawang merah", "Benih hortikultura", "Benih cabai", "Bibit kentang", "Benih tebu"]),
    ("semen", &["Semen portland", "Semen PCC 50 kg", "Semen curah", "Semen portland komposit"]),
    ("bata", &["Bata merah", "Batu bata press", "Bata merah oven"]),
    ("bata_ringan", &["Bata ringan", "Hebel", "Bata ringan AAC"]),
    ("besi_baja", &["Besi beton", "Baja ringan", "Wiremesh", "Besi siku", "Galvalume", "Baja canai panas"]),
    ("kayu", &["Kayu jati", "Kayu meranti", "Kayu balok", "Papan kayu", "Kayu gergajian"]),
    ("kayu_bulat", &["Kayu bulat", "Kayu log", "Kayu gelondongan", "Log sengon"]),
    ("kayu_lapis", &["Kayu lapis", "Triplek", "Multipleks", "Plywood"]),
    ("veneer", &["Veneer kayu", "Face veneer", "Core veneer sengon", "Veneer"]),
    ("mebel", &["Mebel jati", "Kursi tamu jati", "Meja makan kayu", "Lemari pakaian", "Furnitur rotan", "Furnitur jati"]),
    ("rokok", &["Sigaret kretek tangan", "Rokok kretek", "Sigaret kretek mesin", "Rokok kretek filter"]),
    ("cerutu", &["Cerutu", "Cerutu premium", "Cerutu daun Besuki"]),
    ("arang_tempurung", &["Arang batok kelapa", "Briket arang kelapa", "Coconut charcoal briquette", "Arang tempurung"]),
    ("arang_kayu", &["Arang kayu", "Arang halaban", "Arang bakau"]),
    ("mesin_peralatan", &["Mesin las", "Alat mesin pertanian", "Suku cadang mesin", "Peralatan dapur", "Mesin perontok padi"]),
    ("karung", &["Karung plastik", "Karung beras", "Karung PP", "Karung plastik 50 kg"]),
    ("kemasan", &["Kemasan plastik", "Botol plastik", "Cup plastik", "Standing pouch"]),
    ("produk_kebersihan", &["Sabun cuci", "Pembersih lantai", "Deterjen cair", "Sabun cair"]),
    ("sepatu", &["Sepatu kulit", "Sepatu olahraga", "Sandal", "Sepatu sekolah"]),
    ("batik", &["Batik tulis", "Batik cap", "Kain batik", "Batik printing", "Batik kombinasi"]),
    ("tekstil", &["Kaos sablon", "Seragam kerja", "Busana muslim", "Hijab", "Pakaian jadi", "Kemeja batik"]),
    ("kerajinan", &["Kerajinan rotan", "Anyaman bambu", "Tas anyam", "Ukiran kayu", "Gerabah", "Suvenir"]),
];

/// What a producer of a commodity buys to make it (raw materials and inputs).
#[rustfmt::skip]
const INPUTS: &[(&str, &[&str])] = &[
    ("padi", &["pupuk", "benih", "pupuk_organik", "mesin_peralatan"]),
    ("beras", &["padi", "karung"]),
    ("jagung", &["pupuk", "benih"]),
    ("kedelai", &["benih", "pupuk"]),
    ("kacang_tanah", &["benih", "pupuk"]),
    ("ubi_kayu", &["pupuk"]),
    ("ubi_jalar", &["pupuk", "benih"]),
    ("katul", &["padi"]),
    ("bawang_merah", &["benih", "pupuk", "pupuk_organik"]),
    ("bawang_putih", &["benih", "pupuk"]),
    ("bawang_bombay", &["benih", "pupuk"]),
    ("cabai_rawit", &["benih", "pupuk", "pupuk_organik"]),
    ("cabai_besar", &["benih", "pupuk", "pupuk_organik"]),
    ("tomat", &["benih", "pupuk"]),
    ("kentang", &["benih", "pupuk", "karung"]),
    ("kubis", &["benih", "pupuk"]),
    ("wortel", &["benih", "pupuk"]),
    ("mangga", &["pupuk_organik", "pupuk"]),
    ("manggis", &["pupuk_organik"]),
    ("pisang", &["pupuk_organik"]),
    ("jeruk", &["pupuk", "pupuk_organik"]),
    ("apel", &["pupuk", "pupuk_organik"]),
    ("alpukat", &["pupuk_organik", "benih"]),
    ("buah_naga", &["pupuk_organik", "benih"]),
    ("kelapa", &["pupuk"]),
    ("kopra", &["kelapa", "karung"]),
    ("kelapa_sawit", &["pupuk", "mesin_peralatan"]),
    ("kopi", &["pupuk_organik", "karung", "benih"]),
    ("kakao", &["pupuk", "karung"]),
    ("cengkeh", &["pupuk", "karung"]),
    ("pala", &["karung"]),
    ("lada", &["pupuk", "karung"]),
    ("vanili", &["pupuk_organik"]),
    ("jambu_mete", &["karung"]),
    ("tembakau", &["pupuk", "benih"]),
    ("tebu", &["pupuk", "benih"]),
    ("karet", &["pupuk"]),
    ("teh", &["pupuk", "kemasan"]),
    ("sapi", &["pakan_ternak", "katul", "jagung", "sapi"]),
    ("kambing", &["pakan_ternak", "katul"]),
    ("domba", &["pakan_ternak", "katul"]),
    ("daging_sapi", &["sapi"]),
    ("daging_ayam", &["ayam_hidup", "kemasan"]),
    ("ayam_hidup", &["doc_ayam", "pakan_ternak", "jagung"]),
    ("doc_ayam", &["pakan_ternak", "jagung"]),
    ("telur_ayam", &["pakan_ternak", "jagung", "katul", "doc_ayam"]),
    ("susu", &["pakan_ternak", "katul"]),
    ("madu", &["kemasan"]),
    ("perikanan_tangkap", &["garam", "mesin_peralatan"]),
    ("ikan_segar", &["garam"]),
    ("ikan_beku", &["perikanan_tangkap", "ikan_segar"]),
    ("udang", &["pakan_ikan", "benih_ikan"]),
    ("udang_beku", &["udang", "kemasan"]),
    ("lele", &["pakan_ikan", "benih_ikan"]),
    ("patin", &["pakan_ikan", "benih_ikan"]),
    ("fillet_dori", &["patin", "kemasan"]),
    ("bandeng", &["pakan_ikan", "benih_ikan"]),
    ("tuna", &["garam"]),
    ("ikan_hias", &["pakan_ikan"]),
    ("benih_ikan", &["pakan_ikan"]),
    ("rumput_laut", &["karung"]),
    ("olahan_perikanan", &["ikan_segar", "bandeng", "tuna", "garam", "kemasan"]),
    ("gula", &["tebu", "karung"]),
    ("gula_merah", &["kelapa", "tebu", "kemasan"]),
    ("molases", &["tebu"]),
    ("minyak_goreng", &["kelapa_sawit", "kopra", "kemasan"]),
    ("tepung_tapioka", &["ubi_kayu", "karung"]),
    ("tepung_terigu", &["karung"]),
    ("kopi_olahan", &["kopi", "kemasan"]),
    ("olahan_daging", &["daging_sapi", "daging_ayam", "tepung_tapioka", "bawang_putih", "bumbu", "kemasan"]),
    ("makanan_ringan", &["ubi_kayu", "tepung_tapioka", "minyak_goreng", "bawang_merah", "kemasan", "tepung_terigu", "kedelai"]),
    ("kecap", &["kedelai", "gula_merah", "garam"]),
    ("sambal", &["cabai_rawit", "cabai_besar", "bawang_merah", "bawang_putih", "tomat", "gula", "garam"]),
    ("bumbu", &["bawang_merah", "bawang_putih", "lada", "cabai_besar", "garam", "pala"]),
    ("minuman", &["gula", "kemasan"]),
    ("garam", &["karung"]),
    ("pakan_ternak", &["jagung", "katul", "kedelai", "molases", "karung"]),
    ("pakan_ikan", &["jagung", "katul", "kedelai", "tepung_tapioka", "karung"]),
    ("pupuk", &["karung"]),
    ("pupuk_organik", &["karung"]),
    ("benih", &["kemasan"]),
    ("semen", &["karung"]),
    ("bata_ringan", &["semen"]),
    ("kayu", &["kayu_bulat"]),
    ("kayu_bulat", &["mesin_peralatan"]),
    ("kayu_lapis", &["kayu_bulat", "veneer"]),
    ("veneer", &["kayu_bulat"]),
    ("mebel", &["kayu", "kayu_lapis", "veneer"]),
    ("rokok", &["tembakau", "cengkeh", "kemasan"]),
    ("cerutu", &["tembakau"]),
    ("arang_tempurung", &["kelapa", "karung"]),
    ("arang_kayu", &["kayu_bulat"]),
    ("mesin_peralatan", &["besi_baja"]),
    ("produk_kebersihan", &["kemasan"]),
    ("sepatu", &["tekstil"]),
    ("batik", &["tekstil"]),
    ("kerajinan", &["kayu"]),
];

/// What restaurants, caterers and hotels buy.
#[rustfmt::skip]
const KITCHEN: &[&str] = &[
    "beras", "cabai_rawit", "cabai_besar", "bawang_merah", "bawang_putih", "daging_sapi", "daging_ayam",
    "telur_ayam", "minyak_goreng", "ikan_segar", "gula", "tepung_terigu", "kecap", "tomat", "kentang",
];

/// Lines of business. Each has a pool of goods it offers, the kinds of business that run it
/// (weights in `BusinessKind::ALL` order: UMKM, BUMD, cooperative, association, corporate),
/// and words for names and descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sector {
    Horti,
    Pangan,
    Kebun,
    Ternak,
    Ikan,
    Olahan,
    Kuliner,
    Input,
    Bangunan,
    Manufaktur,
    Tekstil,
    /// Traders of farm goods; BUMDs here market their province's strengths.
    Dagang,
}

struct SectorDef {
    sector: Sector,
    /// Offered goods; empty for `Dagang`, which trades every farm and food good.
    offers: &'static [&'static str],
    kinds: [f64; 5],
    label_id: &'static str,
    label_en: &'static str,
    /// Who the members of a cooperative or association are.
    members_id: &'static str,
    members_en: &'static str,
    /// Words for company names.
    words: &'static [&'static str],
}

fn sector_ix(s: Sector) -> usize {
    SECTORS
        .iter()
        .position(|d| d.sector == s)
        .expect("every sector is in SECTORS")
}

#[rustfmt::skip]
const SECTORS: &[SectorDef] = &[
    SectorDef {
        sector: Sector::Horti,
        offers: &["bawang_merah", "bawang_putih", "bawang_bombay", "cabai_rawit", "cabai_besar", "tomat", "kentang", "kubis", "wortel", "mangga", "manggis", "pisang", "jeruk", "apel", "alpukat", "buah_naga"],
        kinds: [14.0, 6.0, 25.0, 16.0, 3.0],
        label_id: "hortikultura",
        label_en: "horticulture",
        members_id: "petani",
        members_en: "farmers",
        words: &["Agro", "Tani", "Hortikultura", "Agri", "Hijau"],
    },
    SectorDef {
        sector: Sector::Pangan,
        offers: &["padi", "beras", "jagung", "kedelai", "kacang_tanah", "ubi_kayu", "ubi_jalar", "katul"],
        kinds: [6.0, 16.0, 22.0, 8.0, 5.0],
        label_id: "tanaman pangan",
        label_en: "food crops",
        members_id: "petani",
        members_en: "farmers",
        words: &["Pangan", "Agri", "Tani", "Beras", "Lumbung"],
    },
    SectorDef {
        sector: Sector::Kebun,
        offers: &["kelapa", "kopra", "kelapa_sawit", "kopi", "kakao", "cengkeh", "pala", "lada", "vanili", "jambu_mete", "tembakau", "tebu", "karet", "teh"],
        kinds: [6.0, 10.0, 16.0, 12.0, 10.0],
        label_id: "perkebunan",
        label_en: "plantation crops",
        members_id: "pekebun",
        members_en: "smallholders",
        words: &["Perkebunan", "Agro", "Plantation", "Kebun", "Estate"],
    },
    SectorDef {
        sector: Sector::Ternak,
        offers: &["sapi", "kambing", "domba", "daging_sapi", "daging_ayam", "ayam_hidup", "doc_ayam", "telur_ayam", "susu", "madu", "sarang_walet"],
        kinds: [8.0, 10.0, 15.0, 12.0, 8.0],
        label_id: "peternakan",
        label_en: "livestock",
        members_id: "peternak",
        members_en: "livestock farmers",
        words: &["Ternak", "Peternakan", "Farm", "Satwa", "Unggas"],
    },
    SectorDef {
        sector: Sector::Ikan,
        offers: &["perikanan_tangkap", "ikan_segar", "ikan_beku", "udang", "udang_beku", "lele", "patin", "fillet_dori", "bandeng", "tuna", "ikan_hias", "benih_ikan", "rumput_laut"],
        kinds: [8.0, 8.0, 14.0, 12.0, 8.0],
        label_id: "perikanan",
        label_en: "fisheries",
        members_id: "nelayan dan pembudidaya ikan",
        members_en: "fishers and fish farmers",
        words: &["Mina", "Bahari", "Samudra", "Seafood", "Perikanan", "Segara"],
    },
    SectorDef {
        sector: Sector::Olahan,
        offers: &["olahan_perikanan", "gula", "gula_merah", "molases", "minyak_goreng", "tepung_tapioka", "tepung_terigu", "kopi_olahan", "olahan_daging", "makanan_ringan", "kecap", "sambal", "bumbu", "minuman", "garam"],
        kinds: [20.0, 6.0, 5.0, 12.0, 20.0],
        label_id: "pengolahan pangan",
        label_en: "food processing",
        members_id: "pelaku usaha olahan pangan",
        members_en: "food processors",
        words: &["Food", "Pangan", "Boga", "Rasa", "Citarasa", "Foods"],
    },
    SectorDef {
        sector: Sector::Kuliner,
        offers: &["olahan_daging", "sambal", "bumbu", "makanan_ringan", "kopi_olahan", "minuman", "olahan_perikanan"],
        kinds: [12.0, 0.0, 0.0, 3.0, 3.0],
        label_id: "kuliner dan katering",
        label_en: "food service",
        members_id: "pengusaha rumah makan dan katering",
        members_en: "restaurants and caterers",
        words: &["Boga", "Katering", "Kuliner", "Catering", "Rasa"],
    },
    SectorDef {
        sector: Sector::Input,
        offers: &["pupuk", "pupuk_organik", "pakan_ternak", "pakan_ikan", "benih", "mesin_peralatan", "karung"],
        kinds: [3.0, 6.0, 2.0, 5.0, 14.0],
        label_id: "sarana produksi pertanian",
        label_en: "farm inputs",
        members_id: "penyalur sarana produksi",
        members_en: "input dealers",
        words: &["Agrindo", "Feed", "Pakan", "Benih", "Saprotan", "Agro"],
    },
    SectorDef {
        sector: Sector::Bangunan,
        offers: &["semen", "bata", "bata_ringan", "besi_baja", "kayu", "kayu_bulat", "kayu_lapis"],
        kinds: [4.0, 8.0, 0.0, 5.0, 14.0],
        label_id: "bahan bangunan",
        label_en: "building materials",
        members_id: "pengusaha bahan bangunan",
        members_en: "building-material suppliers",
        words: &["Beton", "Baja", "Bangun", "Material", "Konstruksi"],
    },
    SectorDef {
        sector: Sector::Manufaktur,
        offers: &["veneer", "mebel", "rokok", "cerutu", "arang_tempurung", "arang_kayu", "mesin_peralatan", "karung", "kemasan", "produk_kebersihan", "sepatu"],
        kinds: [7.0, 2.0, 0.0, 8.0, 12.0],
        label_id: "industri pengolahan",
        label_en: "manufacturing",
        members_id: "pelaku industri kecil dan menengah",
        members_en: "small manufacturers",
        words: &["Industri", "Manufaktur", "Furnindo", "Plastindo", "Teknik", "Karya"],
    },
    SectorDef {
        sector: Sector::Tekstil,
        offers: &["batik", "tekstil", "kerajinan"],
        kinds: [8.0, 0.0, 1.0, 6.0, 4.0],
        label_id: "tekstil dan kerajinan",
        label_en: "textiles and crafts",
        members_id: "perajin",
        members_en: "artisans",
        words: &["Tekstil", "Garmen", "Busana", "Kriya", "Batik"],
    },
    SectorDef {
        sector: Sector::Dagang,
        offers: &[],
        kinds: [4.0, 28.0, 5.0, 0.0, 9.0],
        label_id: "perdagangan hasil bumi",
        label_en: "agricultural trading",
        members_id: "pedagang",
        members_en: "traders",
        words: &["Niaga", "Perdagangan", "Trading", "Distribusi", "Logistik"],
    },
];

/// Share of each kind among all businesses, in `BusinessKind::ALL` order (UMKM, BUMD,
/// cooperative, association, corporate).
const KIND_SHARES: [f64; 5] = [75.0, 4.0, 10.0, 4.0, 7.0];

/// Auspicious words of Indonesian business names ("Sumber Rejeki", "Berkah Jaya").
#[rustfmt::skip]
const NAME_FIRST: &[&str] = &[
    "Sumber", "Tani", "Berkah", "Sinar", "Maju", "Mitra", "Karya", "Putra", "Cahaya", "Mekar", "Harapan",
    "Anugerah", "Sari", "Tunas", "Bintang", "Mulya", "Surya", "Citra", "Bumi", "Sentosa", "Barokah", "Dwi",
    "Tri", "Panca", "Rejeki", "Gemilang", "Mustika", "Kencana", "Lestari", "Subur", "Agung", "Usaha",
    "Rukun", "Setia", "Langgeng", "Makmur", "Sido", "Jaya", "Cipta", "Prima",
];
#[rustfmt::skip]
const NAME_SECOND: &[&str] = &[
    "Rejeki", "Makmur", "Jaya", "Abadi", "Bersama", "Sentosa", "Mandiri", "Sejahtera", "Lestari", "Agung",
    "Utama", "Perkasa", "Mulia", "Barokah", "Sukses", "Indah", "Alam", "Nusantara", "Sakti", "Rahayu",
    "Luhur", "Berkah", "Makmur Jaya", "Sentosa Abadi", "Tani", "Lancar", "Rukun", "Santoso",
];
const CORP_TAIL: &[&str] = &[
    "Indonesia",
    "Nusantara",
    "Utama",
    "Abadi",
    "Perkasa",
    "Sejahtera",
    "Prima",
    "Mandiri",
    "Jaya",
];

/// Personal names by region: (male, female, male honorifics, female honorifics).
type People = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

#[rustfmt::skip]
fn people(region: Region) -> People {
    match region {
        Region::Java => (
            &["Slamet", "Sugeng", "Joko", "Bambang", "Suparman", "Wahyudi", "Agus", "Budi", "Hadi", "Sutrisno", "Darmo", "Gunawan", "Haryanto", "Karsono", "Mulyono"],
            &["Sri", "Endang", "Siti", "Tutik", "Wulan", "Ratna", "Yuni", "Darmi", "Lastri", "Sumarni", "Sulastri"],
            &["Pak", "Mas", "Cak", "Haji"],
            &["Bu", "Mbok", "Hajah", "Mbak"],
        ),
        Region::Sunda => (
            &["Asep", "Ujang", "Dadang", "Cecep", "Dede", "Yayan", "Entis", "Iwan", "Aceng", "Deden", "Ade", "Engkos"],
            &["Euis", "Neneng", "Iis", "Enok", "Imas", "Yeni", "Nining", "Lilis"],
            &["Kang", "Mang", "Pak", "Haji"],
            &["Teh", "Ceu", "Bu", "Hajah"],
        ),
        Region::Sumatra => (
            &["Rahmat", "Syahrul", "Zulkifli", "Hasan", "Fauzi", "Rizal", "Yusuf", "Ismail", "Azhar", "Teuku Ridwan", "Mukhlis"],
            &["Nurhayati", "Rosmawati", "Fitri", "Yusnidar", "Rahmah", "Cut Mutia"],
            &["Pak", "Haji", "Bang"],
            &["Bu", "Hajah", "Kak"],
        ),
        Region::Batak => (
            &["Siregar", "Nasution", "Simanjuntak", "Sitompul", "Manurung", "Hutapea", "Sinaga", "Lubis", "Tarigan", "Ginting"],
            &["Tiurma", "Lasma", "Rosmawati", "Nurhaida", "Rugun"],
            &["Pak", "Amang", "Haji"],
            &["Bu", "Inang", "Hajah"],
        ),
        Region::Minang => (
            &["Syafrizal", "Afrizal", "Yusrizal", "Nasrul", "Zulhendri", "Datuak Rajo", "Masrul"],
            &["Yusnimar", "Rosmaniar", "Nurhasanah", "Desmawati"],
            &["Uda", "Pak", "Haji"],
            &["Uni", "Bu", "Hajah"],
        ),
        Region::Bugis => (
            &["Andi Baso", "Syamsul", "Arifin", "Hasanuddin", "Ambo Dalle", "Rusli", "Muhlis", "Basri"],
            &["Ramlah", "Hasnah", "Andi Tenri", "Nurjannah", "Hamsiah"],
            &["Daeng", "Pak", "Haji"],
            &["Bu", "Hajah"],
        ),
        Region::Minahasa => (
            &["Ronald", "Stevi", "Frangky", "Jemmy", "Hendrik", "Wenas", "Lumentut", "Sondakh"],
            &["Meiske", "Olvie", "Deasy", "Fientje", "Sisca"],
            &["Pak", "Om"],
            &["Ibu", "Tante"],
        ),
        Region::Bali => (
            &["Made", "Wayan", "Ketut", "Nyoman", "Putu", "Komang", "Gede", "Kadek"],
            &["Luh Sari", "Ayu", "Made Sri", "Ketut Ayu", "Putu Rai"],
            &["Pak", "Bli"],
            &["Bu", "Mbok"],
        ),
        Region::Sasak => (
            &["Lalu Ahmad", "Muhammad", "Zainul", "Saparudin", "Mustafa", "Lalu Sahnan"],
            &["Baiq Nurul", "Rohani", "Sumiati", "Baiq Ernawati"],
            &["Pak", "Haji", "Amaq"],
            &["Bu", "Hajah", "Inaq"],
        ),
        Region::Kalimantan => (
            &["Akhmad", "Rudi", "Hendra", "Syarif", "Abdul Haris", "Hamdani", "Rusdi", "Norhadi"],
            &["Syarifah", "Yanti", "Rusmini", "Normah", "Aluh"],
            &["Pak", "Haji", "Abah"],
            &["Bu", "Hajah", "Acil"],
        ),
        Region::East => (
            &["Yohanes", "Marthen", "Yakob", "Johanis", "Frans", "Niko", "Abdullah", "Paulus", "Fransiskus", "Herman"],
            &["Maria", "Ruth", "Yuliana", "Agustina", "Ance", "Yosina"],
            &["Pak", "Bapa", "Om"],
            &["Ibu", "Mama", "Tante"],
        ),
    }
}

/// Real regional state firms that the first BUMD of a province is named after (synthetic
/// listings; the names are public). Later BUMDs get generated names.
#[rustfmt::skip]
const KNOWN_BUMD: &[(&str, &str)] = &[
    ("35", "PT Panca Wira Usaha Jawa Timur (Perseroda)"),
    ("36", "PT Agrobisnis Banten Mandiri (Perseroda)"),
    ("31", "PT Food Station Tjipinang Jaya (Perseroda)"),
    ("32", "PT Agro Jabar (Perseroda)"),
    ("33", "PT Jateng Agro Berdikari (Perseroda)"),
];

/// East Java's domestic trade missions, from `shared/data/jatim_trade_missions.csv` (the Hong
/// Kong mission has no partner province and is left out). `date` is as given there: a day, a
/// month or a year ([`mission_day`] picks a fixed day for the last two). Totals in rupiah;
/// `sell`/`buy` are East Java's sales and purchases where reported (0 = not reported).
/// `origin`/`host` are participant counts (reported for three missions; otherwise 60 + 100),
/// `deals` the reported number of transactions where known. `sells`/`buys` map the goods the
/// source names to catalog keys.
struct MissionDef {
    date: &'static str,
    partner: &'static str,
    slug: &'static str,
    total_idr: f64,
    sell_idr: f64,
    buy_idr: f64,
    origin: usize,
    host: usize,
    deals: Option<usize>,
    sells: &'static [&'static str],
    buys: &'static [&'static str],
}

#[rustfmt::skip]
const MISSIONS: &[MissionDef] = &[
    MissionDef { date: "2020", partner: "16", slug: "sumsel", total_idr: 306_550_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef { date: "2021", partner: "31", slug: "dki", total_idr: 750_440_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef { date: "2022-02", partner: "72", slug: "sulteng", total_idr: 104_920_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef { date: "2022", partner: "63", slug: "kalsel", total_idr: 147_310_000_000.0, sell_idr: 0.0, buy_idr: 0.0, origin: 60, host: 100, deals: None, sells: &[], buys: &[] },
    MissionDef {
        date: "2022-12-14", partner: "62", slug: "kalteng", total_idr: 293_590_000_000.0, sell_idr: 0.0, buy_idr: 0.0,
        origin: 55, host: 98, deals: Some(40),
        sells: &["daging_sapi", "rokok", "beras", "pakan_ikan"], buys: &[],
    },
    MissionDef {
        date: "2023-09-11", partner: "36", slug: "banten", total_idr: 340_477_000_000.0, sell_idr: 312_017_000_000.0, buy_idr: 28_400_000_000.0,
        origin: 57, host: 100, deals: None,
        sells: &["pakan_ikan", "rumput_laut", "daging_sapi", "benih", "rokok", "semen", "bata_ringan", "kopi", "daging_ayam", "beras", "mebel"],
        buys: &["beras", "arang_tempurung", "besi_baja", "lada", "gula_merah"],
    },
    MissionDef {
        date: "2025-05-08", partner: "64", slug: "kaltim", total_idr: 1_053_146_943_500.0, sell_idr: 598_953_143_500.0, buy_idr: 230_099_800_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["pakan_ikan", "makanan_ringan", "tekstil", "telur_ayam", "sapi", "daging_ayam", "olahan_perikanan", "rokok", "bumbu", "mesin_peralatan"],
        buys: &[],
    },
    MissionDef {
        date: "2025-09-17", partner: "63", slug: "kalsel", total_idr: 1_661_131_683_000.0, sell_idr: 1_574_000_000_000.0, buy_idr: 86_894_000_000.0,
        origin: 61, host: 120, deals: None,
        sells: &["telur_ayam", "daging_ayam", "sapi", "kambing", "kopi", "mesin_peralatan", "pakan_ikan", "pakan_ternak", "apel", "jeruk", "rokok", "bumbu", "pupuk", "tekstil", "besi_baja", "benih", "gula_merah", "minyak_goreng"],
        buys: &["arang_kayu", "bandeng", "patin", "udang", "veneer", "arang_tempurung", "olahan_daging", "kayu_bulat"],
    },
    MissionDef {
        date: "2025-09-29", partner: "16", slug: "sumsel", total_idr: 1_000_055_301_000.0, sell_idr: 904_867_201_000.0, buy_idr: 95_188_100_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["olahan_daging", "susu", "daging_ayam", "rokok", "ikan_beku", "gula_merah", "beras", "makanan_ringan", "fillet_dori", "mesin_peralatan", "sepatu", "produk_kebersihan", "benih"],
        buys: &["kelapa", "veneer", "madu", "daging_ayam"],
    },
    MissionDef {
        date: "2025-10-18", partner: "72", slug: "sulteng", total_idr: 1_542_000_000_000.0, sell_idr: 1_297_000_000_000.0, buy_idr: 245_090_000_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["semen", "besi_baja", "benih", "susu", "olahan_daging", "pakan_ikan"],
        buys: &["kopi", "kelapa", "tuna", "bandeng"],
    },
    MissionDef {
        date: "2026-01-29", partner: "33", slug: "jateng", total_idr: 3_152_408_358_000.0, sell_idr: 2_759_547_585_000.0, buy_idr: 296_860_773_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["rokok", "beras", "kopi", "molases", "pakan_ikan", "benih", "olahan_perikanan", "daging_ayam", "daging_sapi", "susu", "gula", "doc_ayam", "fillet_dori", "sapi", "jagung", "tekstil", "veneer", "pupuk_organik"],
        buys: &["kayu_bulat", "karung", "cengkeh", "tembakau", "katul", "minuman", "sambal", "kemasan", "tepung_tapioka", "kerajinan", "gula_merah"],
    },
    MissionDef {
        date: "2026-03-02", partner: "31", slug: "dki", total_idr: 5_744_955_800_000.0, sell_idr: 5_615_355_800_000.0, buy_idr: 129_600_000_000.0,
        origin: 60, host: 100, deals: None,
        sells: &["daging_ayam", "doc_ayam", "ayam_hidup", "kopi", "fillet_dori", "olahan_perikanan", "olahan_daging", "susu", "telur_ayam", "gula", "pakan_ikan", "rokok", "tekstil", "sambal", "kecap", "bumbu", "makanan_ringan", "batik", "kayu", "ikan_hias", "cerutu", "domba"],
        buys: &["daging_sapi"],
    },
];

impl MissionDef {
    fn id(&self) -> String {
        format!("jatim-{}-{}", self.slug, &self.date[..4])
    }
}

/// The day of a mission: the reported date, or for a month or a year only a fixed day in it
/// chosen by a hash of the date and partner (so it does not change with the seed).
fn mission_day(m: &MissionDef) -> String {
    let h = fnv(&format!("{}|{}", m.date, m.partner));
    match m.date.len() {
        10 => m.date.to_string(),
        7 => format!("{}-{:02}", m.date, 1 + h % 28),
        _ => format!("{}-{:02}-{:02}", m.date, 1 + h % 12, 1 + (h >> 8) % 28),
    }
}

// ------------------------------------------------------------------------------------------
// The model: the tables above resolved against the reference data
// ------------------------------------------------------------------------------------------

struct Model<'r> {
    r: &'r Reference,
    np: usize,
    nc: usize,
    /// How readily a business in province p offers commodity c: `offer_w[p * nc + c]`,
    /// 1 = neutral. From the location quotient where there is a production figure (LQ²
    /// above 1, capped at 6; LQ³ below), else from [`SPECIALISATIONS`].
    offer_w: Vec<f64>,
    /// How readily it needs c: high where the province is short (`1.25 / (0.25 + offer_w)`).
    need_w: Vec<f64>,
    /// [`POPULARITY`] per commodity.
    pop: Vec<f64>,
    /// [`BASE_QTY`] per commodity.
    base_qty: Vec<f64>,
    /// (low, high, per, price units per catalog unit).
    price: Vec<(f64, f64, &'static str, f64)>,
    titles: Vec<&'static [&'static str]>,
    inputs: Vec<Vec<CommodityIx>>,
    kitchen: Vec<CommodityIx>,
    /// Offered goods per sector (index into `SECTORS`).
    pools: Vec<Vec<CommodityIx>>,
    /// Mean offer weight of a sector's goods in a province: `strength[p * SECTORS.len() + s]`.
    strength: Vec<f64>,
    prefix: Vec<&'static str>,
    region: Vec<Region>,
    cities: Vec<&'static [&'static str]>,
    /// Per commodity: (province, city, label).
    origins: Vec<Vec<(ProvinceIx, &'static str, &'static str)>>,
    known_bumd: Vec<Option<&'static str>>,
    /// Indonesian name in running text ("bawang merah") and in names ("Bawang Merah").
    lower: Vec<String>,
    proper: Vec<String>,
    english: Vec<String>,
}

/// Categories that need farmland (Jakarta has next to none).
const FARMLAND_CATEGORIES: &[&str] = &["food_crop", "horticulture", "estate_crop", "livestock"];
/// Categories that traders of farm goods (the `Dagang` sector) deal in.
const FARM_CATEGORIES: &[&str] = &[
    "food_crop",
    "horticulture",
    "estate_crop",
    "livestock",
    "fishery",
    "processed_food",
];

fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The default small-business monthly quantity for a unit without a [`BASE_QTY`] entry.
fn default_qty(unit: &str) -> f64 {
    match unit {
        "ton" => 5.0,
        "kg" => 200.0,
        "liter" => 1000.0,
        "ekor" => 100.0,
        "m3" => 20.0,
        "lembar" => 200.0,
        _ => 1000.0,
    }
}

/// The catalog name before any parenthesis or comma: "Kelapa sawit (CPO)" → "Kelapa sawit".
fn short_name(name: &str) -> &str {
    let end = name.find([',', '(']).unwrap_or(name.len());
    name[..end].trim()
}

fn lower_first(s: &str) -> String {
    let first_word = s.split(' ').next().unwrap_or("");
    if first_word.len() > 1 && first_word.chars().all(|c| c.is_ascii_uppercase()) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn title_case(s: &str) -> String {
    s.split(' ').map(upper_first).collect::<Vec<_>>().join(" ")
}

impl<'r> Model<'r> {
    fn new(r: &'r Reference) -> Model<'r> {
        let np = r.provinces.len();
        let nc = r.commodities.len();
        let key = |c: CommodityIx| r.commodities[c].key.as_str();
        let keys = |list: &[&str]| -> Vec<CommodityIx> {
            list.iter().filter_map(|k| r.commodity(k)).collect()
        };

        // Offer weights.
        let has_data: Vec<bool> = (0..nc)
            .map(|c| (0..np).any(|p| r.advantage(p, c).source != AdvantageSource::Neutral))
            .collect();
        // LQ² above 1 (capped at 6), LQ³ below: a province making half the national amount per
        // head offers it an eighth as often as a neutral one.
        let from_lq = |lq: f64| {
            if lq >= 1.0 {
                (lq * lq).min(6.0)
            } else {
                lq * lq * lq
            }
        };
        let mut offer_w = vec![1.0; np * nc];
        for c in 0..nc {
            let spec = lookup(SPECIALISATIONS, key(c));
            let proxy = lookup(PROXIES, key(c)).and_then(|k| r.commodity(k));
            for p in 0..np {
                let a = r.advantage(p, c);
                let code = r.provinces[p].code.as_str();
                offer_w[p * nc + c] = if a.source != AdvantageSource::Neutral {
                    from_lq(a.lq)
                } else if let Some(pc) =
                    proxy.filter(|&pc| r.advantage(p, pc).source != AdvantageSource::Neutral)
                {
                    from_lq(r.advantage(p, pc).lq)
                } else if let Some(w) = spec.and_then(|s| lookup(s, code)) {
                    w
                } else if code == "31"
                    && FARMLAND_CATEGORIES.contains(&r.commodities[c].category.as_str())
                {
                    // Jakarta has next to no farmland (a heuristic like SPECIALISATIONS).
                    0.02
                } else if spec.is_some() || has_data[c] {
                    UNLISTED_WEIGHT
                } else {
                    1.0
                };
            }
        }
        let need_w = offer_w.iter().map(|w| 1.25 / (0.25 + w)).collect();

        let pop = (0..nc)
            .map(|c| lookup(POPULARITY, key(c)).unwrap_or(3.0))
            .collect();
        let base_qty = (0..nc)
            .map(|c| {
                lookup(BASE_QTY, key(c)).unwrap_or_else(|| default_qty(&r.commodities[c].unit))
            })
            .collect();
        let price = (0..nc)
            .map(|c| {
                let unit = r.commodities[c].unit.as_str();
                let (lo, hi, per) = PRICES
                    .iter()
                    .find(|t| t.0 == key(c))
                    .map(|t| (t.1, t.2, t.3))
                    .unwrap_or((
                        10_000.0,
                        50_000.0,
                        if unit == "ton" { "kg" } else { "unit" },
                    ));
                let factor = match (unit, per) {
                    ("ton", "kg") => 1000.0,
                    _ => 1.0,
                };
                (lo, hi, per, factor)
            })
            .collect();
        let titles = (0..nc)
            .map(|c| lookup(TITLES, key(c)).unwrap_or(&[]))
            .collect();
        let inputs = (0..nc)
            .map(|c| lookup(INPUTS, key(c)).map(keys).unwrap_or_default())
            .collect();
        let farm: Vec<CommodityIx> = (0..nc)
            .filter(|&c| FARM_CATEGORIES.contains(&r.commodities[c].category.as_str()))
            .collect();
        let pools: Vec<Vec<CommodityIx>> = SECTORS
            .iter()
            .map(|s| {
                if s.sector == Sector::Dagang {
                    farm.clone()
                } else {
                    keys(s.offers)
                }
            })
            .collect();
        let ns = SECTORS.len();
        let mut strength = vec![1.0; np * ns];
        for p in 0..np {
            for (s, pool) in pools.iter().enumerate() {
                let sector = SECTORS[s].sector;
                if matches!(sector, Sector::Kuliner | Sector::Dagang) || pool.is_empty() {
                    continue;
                }
                let (mut num, mut den) = (0.0, 0.0);
                for &c in pool {
                    let w: f64 = lookup(POPULARITY, key(c)).unwrap_or(3.0);
                    num += w * offer_w[p * nc + c];
                    den += w;
                }
                strength[p * ns + s] = num / den;
            }
        }
        let mut prefix = Vec::with_capacity(np);
        let mut region = Vec::with_capacity(np);
        let mut cities = Vec::with_capacity(np);
        let mut known_bumd = Vec::with_capacity(np);
        for prov in &r.provinces {
            match PROVINCES.iter().find(|t| t.0 == prov.code) {
                Some(&(_, px, rg, cs)) => {
                    prefix.push(px);
                    region.push(rg);
                    cities.push(cs);
                }
                None => {
                    // A province the tables do not know (the reference grew): still usable.
                    prefix.push("xx");
                    region.push(Region::Java);
                    cities.push(&[][..]);
                }
            }
            known_bumd.push(lookup(KNOWN_BUMD, &prov.code));
        }
        let mut origins = vec![Vec::new(); nc];
        for &(k, code, city, label) in ORIGINS {
            if let (Some(c), Some(p)) = (r.commodity(k), r.province(code)) {
                origins[c].push((p, city, label));
            }
        }
        let text = |c: &crate::reference::Commodity| TEXT_NAMES.iter().find(|t| t.0 == c.key);
        let lower: Vec<String> = r
            .commodities
            .iter()
            .map(|c| {
                text(c)
                    .map(|t| t.1.to_string())
                    .unwrap_or_else(|| lower_first(short_name(&c.name_id)))
            })
            .collect();
        let proper = lower.iter().map(|l| title_case(l)).collect();
        let english = r
            .commodities
            .iter()
            .map(|c| {
                text(c)
                    .map(|t| t.2.to_string())
                    .unwrap_or_else(|| lower_first(short_name(&c.name_en)))
            })
            .collect();
        Model {
            r,
            np,
            nc,
            offer_w,
            need_w,
            pop,
            base_qty,
            price,
            titles,
            inputs,
            kitchen: keys(KITCHEN),
            pools,
            strength,
            prefix,
            region,
            cities,
            origins,
            known_bumd,
            lower,
            proper,
            english,
        }
    }

    fn ow(&self, p: ProvinceIx, c: CommodityIx) -> f64 {
        self.offer_w[p * self.nc + c]
    }

    fn nw(&self, p: ProvinceIx, c: CommodityIx) -> f64 {
        self.need_w[p * self.nc + c]
    }

    fn keys(&self, list: &[&str]) -> Vec<CommodityIx> {
        list.iter().filter_map(|k| self.r.commodity(k)).collect()
    }

    fn key(&self, c: CommodityIx) -> &str {
        &self.r.commodities[c].key
    }

    fn unit(&self, c: CommodityIx) -> &str {
        &self.r.commodities[c].unit
    }

    fn category(&self, c: CommodityIx) -> &str {
        &self.r.commodities[c].category
    }

    fn city_list(&self, p: ProvinceIx) -> Vec<&str> {
        let cs = self.cities[p];
        if cs.is_empty() {
            vec![self.r.provinces[p].capital.as_str()]
        } else {
            cs.to_vec()
        }
    }

    /// The business id of the `seq`-th business of province p: `jt-00042`.
    fn business_id(&self, p: ProvinceIx, seq: u32) -> String {
        format!("{}-{:05}", self.prefix[p], seq)
    }
}

// ------------------------------------------------------------------------------------------
// Businesses
// ------------------------------------------------------------------------------------------

/// The province of each business in file order: counts by population (largest remainder)
/// with a floor of 3 per province, shuffled so the file is not sorted by province.
fn province_order(model: &Model, n: usize, rng: &mut Rng) -> Vec<u8> {
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

/// Rounds to two significant digits, so quantities read like a person wrote them.
fn nice(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let mut m = x;
    let mut e: i32 = 0;
    while m >= 100.0 {
        m /= 10.0;
        e += 1;
    }
    while m < 10.0 {
        m *= 10.0;
        e -= 1;
    }
    let m = m.round();
    if e >= 0 {
        m * 10f64.powi(e)
    } else {
        m / 10f64.powi(-e)
    }
}

/// A price rounded to a step a trader would quote.
fn round_price(x: f64) -> f64 {
    let step = match x {
        x if x >= 10_000_000.0 => 500_000.0,
        x if x >= 1_000_000.0 => 50_000.0,
        x if x >= 100_000.0 => 5_000.0,
        x if x >= 10_000.0 => 500.0,
        x if x >= 1_000.0 => 50.0,
        _ => 5.0,
    };
    ((x / step).round() * step).max(step)
}

/// Draws a count from weights over 0, 1, 2, ….
fn draw_count(rng: &mut Rng, weights: &[f64]) -> usize {
    rng.weighted(weights).unwrap_or(0)
}

struct Draft {
    kind: BusinessKind,
    sector: usize,
    offers: Vec<CommodityIx>,
    needs: Vec<CommodityIx>,
    english: bool,
}

fn make_business(
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
        offers.push(Listing {
            id: Some(format!("{id}-o{}", i + 1)),
            commodity: model.key(c).to_string(),
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
    }
}

// ------------------------------------------------------------------------------------------
// Text: titles, names, descriptions
// ------------------------------------------------------------------------------------------

/// A number as Indonesians write it: `1.500`, `2,5`.
fn num_id(x: f64) -> String {
    fmt_num(x, '.', ',')
}

/// A number as English writes it: `1,500`, `2.5`.
fn num_en(x: f64) -> String {
    fmt_num(x, ',', '.')
}

fn fmt_num(x: f64, thousands: char, decimal: char) -> String {
    let cents = (x * 100.0).round() as u64;
    let (int, frac) = (cents / 100, cents % 100);
    let digits = int.to_string();
    let mut out = String::with_capacity(digits.len() + 6);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(ch);
    }
    if frac > 0 {
        out.push(decimal);
        if frac % 10 == 0 {
            out.push_str(&(frac / 10).to_string());
        } else {
            out.push_str(&format!("{frac:02}"));
        }
    }
    out
}

fn unit_id(unit: &str) -> &str {
    match unit {
        "m3" => "m³",
        u => u,
    }
}

fn unit_en(unit: &str, qty: f64) -> &str {
    let one = qty == 1.0;
    match unit {
        "ton" if !one => "tons",
        "ekor" => "head",
        "lembar" if !one => "pieces",
        "lembar" => "piece",
        "liter" if !one => "litres",
        "liter" => "litre",
        "m3" => "m³",
        u => u,
    }
}

fn per_id(per: &str) -> &str {
    match per {
        "day" => "per hari",
        "week" => "per minggu",
        "year" => "per tahun",
        "quarter" => "per triwulan",
        _ => "per bulan",
    }
}

fn per_en(per: &str) -> &str {
    match per {
        "day" => "a day",
        "week" => "a week",
        "year" => "a year",
        "quarter" => "a quarter",
        _ => "a month",
    }
}

fn amount_id(q: &Quantity) -> String {
    format!(
        "{} {} {}",
        num_id(q.qty),
        unit_id(&q.unit),
        per_id(q.per.as_deref().unwrap_or("month"))
    )
}

fn amount_en(q: &Quantity) -> String {
    format!(
        "{} {} {}",
        num_en(q.qty),
        unit_en(&q.unit, q.qty),
        per_en(q.per.as_deref().unwrap_or("month"))
    )
}

/// "a, b dan c" / "a, b and c".
fn join_list(items: &[String], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

fn offer_title(
    model: &Model,
    rng: &mut Rng,
    c: CommodityIx,
    label: Option<&str>,
    city: &str,
    english: bool,
) -> String {
    let titles = model.titles[c];
    let base = if english && rng.chance(0.6) {
        let en = upper_first(&model.english[c]);
        match model.category(c) {
            "horticulture" | "fishery" if rng.chance(0.5) => format!("Fresh {}", model.english[c]),
            _ if rng.chance(0.3) => format!("Premium {}", model.english[c]),
            _ => en,
        }
    } else if !titles.is_empty() && rng.chance(0.85) {
        rng.pick(titles).to_string()
    } else {
        upper_first(&model.lower[c])
    };
    match label {
        Some(l) if rng.chance(0.7) && !base.contains(l) => format!("{base} {l}"),
        _ if rng.chance(0.12) && !base.contains(city) => format!("{base} {city}"),
        _ => base,
    }
}

fn need_title(model: &Model, rng: &mut Rng, c: CommodityIx, english: bool) -> String {
    let titles = model.titles[c];
    let base = if !titles.is_empty() && rng.chance(0.7) {
        rng.pick(titles).to_string()
    } else {
        upper_first(&model.lower[c])
    };
    if english {
        let en = &model.english[c];
        return match rng.below(3) {
            0 => format!("Sourcing {en}"),
            1 => format!("{} supply wanted", upper_first(en)),
            _ => base,
        };
    }
    let low = lower_first(&base);
    match rng.below(6) {
        0 => format!("Butuh {low}"),
        1 => format!("Kebutuhan {low} rutin"),
        2 => format!("Pasokan {low}"),
        3 => format!("Dicari pemasok {low}"),
        _ => base,
    }
}

fn offer_description(
    model: &Model,
    rng: &mut Rng,
    c: CommodityIx,
    d: &Draft,
    qty: f64,
    unit: &str,
    per: &str,
) -> String {
    let q = Quantity {
        qty,
        unit: unit.to_string(),
        per: Some(per.to_string()),
    };
    if d.english {
        let en = &model.english[c];
        return match rng.below(4) {
            0 => format!(
                "Steady supply of {en}, up to {}. Delivery to other provinces by truck or ship.",
                amount_en(&q)
            ),
            1 => format!(
                "Graded and packed to order; minimum order {} {}.",
                num_en(nice(qty / 10.0)),
                unit_en(unit, 2.0)
            ),
            2 => format!("Long-term contracts welcome. Capacity {}.", amount_en(&q)),
            _ => format!(
                "Harvested and shipped weekly; price negotiable for regular buyers of {en}."
            ),
        };
    }
    let name = &model.lower[c];
    let cat = model.category(c);
    let mut parts: Vec<String> = Vec::new();
    parts.push(match rng.below(5) {
        0 => format!(
            "Stok {name} rutin setiap bulan, kapasitas {}.",
            amount_id(&q)
        ),
        1 => format!(
            "Minimal order {} {}.",
            num_id(nice(qty / 10.0)),
            unit_id(unit)
        ),
        2 => "Harga bisa nego untuk kontrak jangka panjang.".to_string(),
        3 => format!("Siap kirim ke luar provinsi, kapasitas {}.", amount_id(&q)),
        _ => format!("Pemasok {name} langsung dari produsen."),
    });
    let extra = match cat {
        "horticulture" | "food_crop" => {
            Some("Sortir grade A, kemasan karung atau keranjang sesuai permintaan.")
        }
        "fishery" => Some("Penanganan rantai dingin, pengiriman dengan boks berinsulasi."),
        "processed_food" => Some("Kemasan rapi dengan label, bisa maklon untuk merek pembeli."),
        "building_material" => Some("Bisa kirim langsung ke lokasi proyek."),
        "livestock" => Some("Sehat, dengan surat keterangan kesehatan hewan."),
        "estate_crop" => Some("Kadar air terjaga, kualitas ekspor tersedia."),
        _ => None,
    };
    if let Some(e) = extra.filter(|_| rng.chance(0.5)) {
        parts.push(e.to_string());
    }
    parts.join(" ")
}

fn need_description(model: &Model, rng: &mut Rng, c: CommodityIx, d: &Draft) -> String {
    let name = &model.lower[c];
    let product = &model.lower[d.offers[0]];
    if d.english {
        return match rng.below(3) {
            0 => format!(
                "Raw material for our {}; regular monthly orders.",
                model.english[d.offers[0]]
            ),
            1 => format!(
                "Looking for a steady supplier of {} from another province.",
                model.english[c]
            ),
            _ => "Payment 14–30 days after delivery.".to_string(),
        };
    }
    match (SECTORS[d.sector].sector, rng.below(4)) {
        (Sector::Kuliner, 0 | 1) => {
            format!("Untuk kebutuhan dapur dan katering, {name} dipesan rutin tiap minggu.")
        }
        (Sector::Dagang, 0 | 1) => format!(
            "Untuk dipasarkan kembali ke pasar-pasar di daerah kami; mencari pemasok {name} tetap."
        ),
        (_, 0) => format!("Bahan baku produksi {product}, kebutuhan rutin tiap bulan."),
        (_, 1) => format!("Mencari pemasok {name} tetap dari luar provinsi."),
        (_, 2) => "Pembayaran tempo 14–30 hari, kontrak jangka panjang terbuka.".to_string(),
        _ => format!("Kualitas {name} sesuai standar, pengiriman ke gudang kami."),
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

/// Initials of the significant words: "Asosiasi Petani Bawang Merah Nganjuk" → "APBMN".
fn acronym(name: &str) -> String {
    name.split(' ')
        .filter(|w| !matches!(*w, "dan" | "di" | "&"))
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

fn auspicious(rng: &mut Rng) -> String {
    let a = *rng.pick(NAME_FIRST);
    let mut b = *rng.pick(NAME_SECOND);
    while b == a || b.starts_with(a) {
        b = *rng.pick(NAME_SECOND);
    }
    format!("{a} {b}")
}

fn person(model: &Model, rng: &mut Rng, p: ProvinceIx, honorific: bool) -> String {
    let (men, women, hm, hw) = people(model.region[p]);
    let woman = rng.chance(0.4);
    let name = if woman {
        rng.pick(women)
    } else {
        rng.pick(men)
    };
    if honorific {
        let h = if woman { rng.pick(hw) } else { rng.pick(hm) };
        format!("{h} {name}")
    } else {
        name.to_string()
    }
}

/// A short product word for names: "Brambang", "Lombok", "Mina" for fish…
fn product_word(model: &Model, rng: &mut Rng, c: CommodityIx) -> String {
    let words: &[&str] = match model.key(c) {
        "bawang_merah" => &["Brambang", "Bawang"],
        "cabai_rawit" | "cabai_besar" => &["Lombok", "Cabe"],
        "padi" | "beras" => &["Beras", "Padi", "Lumbung"],
        "sapi" | "daging_sapi" => &["Lembu", "Sapi"],
        "daging_ayam" | "ayam_hidup" | "doc_ayam" | "telur_ayam" => &["Unggas", "Ayam", "Telur"],
        "susu" => &["Susu", "Perah"],
        k if model.category(c) == "fishery" && k != "rumput_laut" => &["Mina", "Bahari", "Samudra"],
        "rumput_laut" => &["Rumput Laut", "Bahari"],
        "mebel" | "kayu" | "veneer" | "kayu_lapis" | "kayu_bulat" => &["Jati", "Kayu", "Mebel"],
        "pupuk" | "pupuk_organik" | "benih" => &["Agro", "Tani"],
        "pakan_ternak" | "pakan_ikan" => &["Pakan", "Feed"],
        "semen" | "bata" | "bata_ringan" | "besi_baja" => &["Bangunan", "Beton", "Material"],
        _ => &[],
    };
    if words.is_empty() {
        model.proper[c].clone()
    } else {
        rng.pick(words).to_string()
    }
}

fn business_name(model: &Model, rng: &mut Rng, p: ProvinceIx, d: &Draft, city: &str) -> String {
    use BusinessKind as K;
    let sec = &SECTORS[d.sector];
    let main = d.offers[0];
    let prov = &model.r.provinces[p];
    let prov_short = if prov.abbrev.is_empty() {
        prov.name.as_str()
    } else {
        prov.abbrev.as_str()
    };
    let product = &model.proper[main];
    match d.kind {
        K::Umkm => match (sec.sector, rng.below(6)) {
            (Sector::Kuliner, 0 | 1) => {
                let place = *rng.pick(&["Rumah Makan", "Warung", "Depot", "Katering", "Dapur"]);
                format!("{place} {}", person(model, rng, p, true))
            }
            (Sector::Kuliner, 2 | 3) => {
                let place = *rng.pick(&["Rumah Makan", "Resto", "Katering", "Warung Makan"]);
                format!("{place} {}", auspicious(rng))
            }
            (Sector::Olahan | Sector::Tekstil, 0 | 1) => {
                format!("{product} {}", person(model, rng, p, true))
            }
            (Sector::Horti | Sector::Ternak | Sector::Ikan | Sector::Kebun, 0) => {
                let suffix = *rng.pick(&["Farm", "Tani", "Putra", "Group"]);
                format!("{} {suffix}", person(model, rng, p, false))
            }
            (_, 1 | 2) => {
                let legal = *rng.pick(&["UD", "UD", "CV", "PD"]);
                format!(
                    "{legal} {} {}",
                    product_word(model, rng, main),
                    rng.pick(NAME_SECOND)
                )
            }
            (_, 3) => format!("CV {} Putra", person(model, rng, p, false)),
            _ => {
                let legal = *rng.pick(&["UD", "UD", "CV", "CV", "PD", "Toko"]);
                format!("{legal} {}", auspicious(rng))
            }
        },
        K::Cooperative => match (sec.sector, rng.below(4)) {
            (Sector::Ternak, 0) if model.key(main) == "susu" => format!("KPSP {}", auspicious(rng)),
            (Sector::Ternak, 0 | 1) => format!(
                "Koperasi Peternak {} {}",
                product_word(model, rng, main),
                rng.pick(NAME_SECOND)
            ),
            (Sector::Ikan, 0 | 1) => format!("Koperasi Nelayan Mina {}", rng.pick(NAME_SECOND)),
            (Sector::Horti | Sector::Pangan | Sector::Kebun, 0) => {
                format!("Koperasi Tani {}", auspicious(rng))
            }
            (_, 1) => format!("Koperasi Produsen {product} {city}"),
            (_, 2) => format!("KUD {}", auspicious(rng)),
            _ => format!("Koperasi Serba Usaha {}", auspicious(rng)),
        },
        K::Association => {
            let base = match (sec.sector, rng.below(4)) {
                (Sector::Horti | Sector::Pangan | Sector::Kebun, 0) => {
                    format!("Gabungan Kelompok Tani {}", auspicious(rng))
                }
                (Sector::Horti | Sector::Pangan | Sector::Kebun, _) => {
                    format!("Asosiasi Petani {product} {city}")
                }
                (Sector::Ternak, _) => format!("Asosiasi Peternak {product} {}", prov.name),
                (Sector::Ikan, 0) => format!("Himpunan Nelayan {city}"),
                (Sector::Ikan, _) => format!("Asosiasi Pembudidaya {product} {}", prov.name),
                (Sector::Tekstil | Sector::Manufaktur, 0) => {
                    format!("Perkumpulan Perajin {product} {city}")
                }
                (Sector::Kuliner, _) => format!("Asosiasi Pengusaha Kuliner {}", prov.name),
                (_, 1) => format!("Himpunan Pengusaha {product} {}", prov.name),
                (_, 2) => format!(
                    "Gabungan Pengusaha {} {}",
                    title_case(sec.label_id),
                    prov.name
                ),
                _ => format!("Asosiasi Industri Kecil Menengah {product} {city}"),
            };
            if rng.chance(0.35) {
                format!("{base} ({})", acronym(&base))
            } else {
                base
            }
        }
        K::Bumd => match rng.below(5) {
            0..=2 => {
                let word = *rng.pick(&[
                    "Agro",
                    "Pangan",
                    "Niaga",
                    "Wira",
                    "Aneka",
                    "Sarana",
                    "Agrobisnis",
                    "Mina",
                    "Bina",
                ]);
                let tail = *rng.pick(&[
                    "Mandiri",
                    "Utama",
                    "Berdikari",
                    "Sejahtera",
                    "Jaya",
                    "Makmur",
                    "Usaha",
                ]);
                format!("PT {word} {prov_short} {tail} (Perseroda)")
            }
            3 => {
                let word = *rng.pick(&["Pasar", "Pangan", "Agro", "Aneka Usaha", "Tirta"]);
                format!("Perumda {word} {city}")
            }
            _ => format!("PD Aneka Usaha {city}"),
        },
        K::Corporate => {
            let word = if rng.chance(0.6) {
                rng.pick(sec.words).to_string()
            } else {
                product_word(model, rng, main)
            };
            match rng.below(4) {
                0 => format!("PT {} {word} {}", rng.pick(NAME_FIRST), rng.pick(CORP_TAIL)),
                1 => format!("PT {city} {word} {}", rng.pick(CORP_TAIL)),
                2 => format!("PT {} {word}", auspicious(rng)),
                _ => format!(
                    "PT {word} {} {}",
                    rng.pick(NAME_SECOND),
                    rng.pick(CORP_TAIL)
                ),
            }
        }
    }
}

fn business_description(
    model: &Model,
    rng: &mut Rng,
    p: ProvinceIx,
    d: &Draft,
    city: &str,
    founded: u32,
    cap: &Quantity,
) -> String {
    use BusinessKind as K;
    let sec = &SECTORS[d.sector];
    let prov = &model.r.provinces[p].name;
    let ids: Vec<String> = d.offers.iter().map(|&c| model.lower[c].clone()).collect();
    let ens: Vec<String> = d.offers.iter().map(|&c| model.english[c].clone()).collect();
    let (product, products) = (&ids[0], join_list(&ids, "dan"));
    let (product_en, products_en) = (&ens[0], join_list(&ens, "and"));
    let members = match d.kind {
        K::Association => rng.range(2, 60) * 5,
        _ => rng.range(3, 120) * 5,
    };
    let provinces = rng.range(3, 20);
    if d.english {
        return match d.kind {
            K::Umkm => match rng.below(3) {
                0 => format!(
                    "Family-run {product_en} business in {city}, {prov}, since {founded}. Capacity {}.",
                    amount_en(cap)
                ),
                1 => format!(
                    "Small producer of {products_en} from {city}, founded {founded}; we supply about {}.",
                    amount_en(cap)
                ),
                _ => format!(
                    "{} supplier based in {city} since {founded}, shipping across Indonesia.",
                    upper_first(product_en)
                ),
            },
            K::Cooperative => format!(
                "Cooperative of {members} {} in {city}, founded {founded}; markets its members' {products_en}, about {}.",
                sec.members_en,
                amount_en(cap)
            ),
            K::Association => format!(
                "Association of {members} {} in {prov}, founded {founded}. Members supply {products_en}.",
                sec.members_en
            ),
            K::Bumd => format!(
                "Regional government-owned enterprise of {prov}, trading the province's {products_en} since {founded}."
            ),
            K::Corporate => format!(
                "{} company in {city} since {founded}; capacity {}, shipping to {provinces} provinces.",
                upper_first(sec.label_en),
                amount_en(cap)
            ),
        };
    }
    let cap_id = amount_id(cap);
    match d.kind {
        K::Umkm => match (sec.sector, rng.below(4)) {
            (Sector::Kuliner, _) => format!(
                "Rumah makan dan katering di {city} sejak {founded}, melayani sekitar {} porsi per hari. Juga menjual {products}.",
                rng.range(5, 80) * 10
            ),
            (Sector::Horti | Sector::Pangan | Sector::Kebun, 0) => format!(
                "Petani dan pemasok {product} sejak {founded}. Lahan {} hektare di {city}, kapasitas {cap_id}.",
                rng.range(1, 25)
            ),
            (Sector::Horti | Sector::Pangan | Sector::Kebun, 1) => format!(
                "Pengepul {product} dari petani sekitar {city}; berdiri {founded}, pasokan rutin {cap_id}."
            ),
            (Sector::Ternak, 0 | 1) => {
                format!("Peternakan keluarga di {city} sejak {founded}, kapasitas {cap_id}.")
            }
            (Sector::Ikan, 0 | 1) => {
                format!("Usaha perikanan di {city}, {prov}, sejak {founded}; kapasitas {cap_id}.")
            }
            (Sector::Olahan | Sector::Manufaktur | Sector::Tekstil, 0 | 1) => format!(
                "Industri rumahan {product} di {city} dengan {} karyawan, berdiri {founded}. Kapasitas produksi {cap_id}.",
                rng.range(3, 40)
            ),
            (_, 2) => format!(
                "Usaha keluarga di {city}, {prov}, yang memasarkan {products} sejak {founded}. Kapasitas {cap_id}."
            ),
            _ => format!(
                "UMKM {} dari {city} sejak {founded}: {products}, kapasitas {cap_id}.",
                sec.label_id
            ),
        },
        K::Cooperative => format!(
            "Koperasi dengan {members} anggota {} di {city}, berdiri {founded}. Memasarkan {products} hasil anggota, kapasitas {cap_id}.",
            sec.members_id
        ),
        K::Association => format!(
            "Asosiasi {members} {} di {prov}, didirikan {founded}. Anggota memasok {products}.",
            sec.members_id
        ),
        K::Bumd => format!(
            "Badan usaha milik daerah {prov} di bidang {}; memasarkan {products} hasil daerah sejak {founded}.",
            sec.label_id
        ),
        K::Corporate => match rng.below(2) {
            0 => format!(
                "Perusahaan {} di {city} sejak {founded}, kapasitas {cap_id}, distribusi ke {provinces} provinsi.",
                sec.label_id
            ),
            _ => format!(
                "Produsen dan distributor {products} berskala besar, berkantor di {city} sejak {founded}; kapasitas {cap_id}."
            ),
        },
    }
}

// ------------------------------------------------------------------------------------------
// The compact roster kept for deal generation
// ------------------------------------------------------------------------------------------

/// What deal generation and mission selection need of each business, in flat vectors
/// (listings of business `b` are `offer_start[b]..offer_start[b + 1]`). Quantities are per
/// month in the catalog unit.
#[derive(Default)]
struct Roster {
    province: Vec<u8>,
    seq: Vec<u32>,
    kind: Vec<BusinessKind>,
    offer_start: Vec<u32>,
    offer_c: Vec<u16>,
    offer_qty: Vec<f32>,
    offer_price: Vec<[f32; 2]>,
    need_start: Vec<u32>,
    need_c: Vec<u16>,
    need_qty: Vec<f32>,
}

const UNKNOWN_PROVINCE: u8 = u8::MAX;

fn monthly(q: &Quantity) -> f32 {
    let f = match q.per.as_deref() {
        Some("day") => 30.0,
        Some("week") => 30.0 / 7.0,
        Some("quarter") => 1.0 / 3.0,
        Some("year") => 1.0 / 12.0,
        _ => 1.0,
    };
    (q.qty * f) as f32
}

impl Roster {
    fn with_capacity(n: usize) -> Roster {
        let mut r = Roster {
            province: Vec::with_capacity(n),
            seq: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            offer_start: Vec::with_capacity(n + 1),
            need_start: Vec::with_capacity(n + 1),
            ..Roster::default()
        };
        r.offer_start.push(0);
        r.need_start.push(0);
        r
    }

    fn len(&self) -> usize {
        self.province.len()
    }

    fn push(&mut self, model: &Model, b: &Business, p: ProvinceIx, seq: u32) {
        self.province.push(p as u8);
        self.seq.push(seq);
        self.kind.push(b.kind);
        for l in &b.offers {
            let Some(c) = model.r.commodity(&l.commodity) else {
                continue;
            };
            let (lo, hi, _, _) = model.price[c];
            let price = l
                .price
                .as_ref()
                .map(|p| [p.min as f32, p.max as f32])
                .unwrap_or([lo as f32, hi as f32]);
            self.offer_c.push(c as u16);
            self.offer_qty
                .push(l.capacity.as_ref().map(monthly).unwrap_or(1.0));
            self.offer_price.push(price);
        }
        for l in &b.needs {
            let Some(c) = model.r.commodity(&l.commodity) else {
                continue;
            };
            self.need_c.push(c as u16);
            self.need_qty
                .push(l.volume.as_ref().map(monthly).unwrap_or(1.0));
        }
        self.offer_start.push(self.offer_c.len() as u32);
        self.need_start.push(self.need_c.len() as u32);
    }

    /// A business read back from a file (for the mission spec).
    fn push_known(&mut self, model: &Model, b: &Business) {
        let p = model.r.province(&b.province);
        self.push(model, b, p.unwrap_or(0), 0);
        if p.is_none() {
            *self.province.last_mut().expect("just pushed") = UNKNOWN_PROVINCE;
        }
    }

    fn offers_of(&self, b: u32) -> &[u16] {
        let b = b as usize;
        &self.offer_c[self.offer_start[b] as usize..self.offer_start[b + 1] as usize]
    }

    fn needs_of(&self, b: u32) -> &[u16] {
        let b = b as usize;
        &self.need_c[self.need_start[b] as usize..self.need_start[b + 1] as usize]
    }

    /// The index of business b's offer (or need) of commodity c.
    fn offer_ix(&self, b: u32, c: u16) -> Option<usize> {
        let s = self.offer_start[b as usize] as usize;
        self.offers_of(b)
            .iter()
            .position(|&x| x == c)
            .map(|i| s + i)
    }

    fn need_ix(&self, b: u32, c: u16) -> Option<usize> {
        let s = self.need_start[b as usize] as usize;
        self.needs_of(b).iter().position(|&x| x == c).map(|i| s + i)
    }

    /// The owner of each offer and of each need.
    fn owners(starts: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(*starts.last().unwrap_or(&0) as usize);
        for b in 0..starts.len().saturating_sub(1) {
            out.extend(std::iter::repeat_n(
                b as u32,
                (starts[b + 1] - starts[b]) as usize,
            ));
        }
        out
    }
}

// ------------------------------------------------------------------------------------------
// Output
// ------------------------------------------------------------------------------------------

/// JSON lines collected into ~64 KiB chunks before each write.
struct Chunked<'w> {
    out: &'w mut dyn Write,
    buf: Vec<u8>,
}

impl<'w> Chunked<'w> {
    fn new(out: &'w mut dyn Write) -> Chunked<'w> {
        Chunked {
            out,
            buf: Vec::with_capacity(WRITE_CHUNK + 4096),
        }
    }

    fn json_line<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.buf, value)?;
        self.buf.push(b'\n');
        if self.buf.len() >= WRITE_CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

fn tick(done: u64, progress: &mut dyn FnMut(u64)) {
    if done.is_multiple_of(PROGRESS_EVERY) {
        progress(done);
    }
}

fn day_of(date: &str) -> i64 {
    crate::model::parse_date(date).expect("a valid constant date")
}

/// A deal before it is written: indices into the roster.
struct DraftDeal {
    buyer: u32,
    seller: u32,
    c: CommodityIx,
    /// In the catalog unit.
    qty: f64,
    /// Rupiah per price unit (see `Model::price`).
    price: f64,
    day: i64,
    status: DealStatus,
}

impl DraftDeal {
    fn value(&self, model: &Model) -> f64 {
        self.qty * model.price[self.c].3 * self.price
    }
}

struct DealWriter<'a> {
    model: &'a Model<'a>,
    roster: &'a Roster,
    n: usize,
}

impl<'a> DealWriter<'a> {
    fn new(model: &'a Model<'a>, roster: &'a Roster) -> DealWriter<'a> {
        DealWriter {
            model,
            roster,
            n: 0,
        }
    }

    fn id(&self, b: u32) -> String {
        let b = b as usize;
        self.model
            .business_id(self.roster.province[b] as usize, self.roster.seq[b])
    }

    fn write(
        &mut self,
        out: &mut Chunked,
        d: &DraftDeal,
        mission: Option<&MissionDef>,
    ) -> io::Result<()> {
        self.n += 1;
        let deal = Deal {
            id: Some(format!("d-{:06}", self.n)),
            buyer: self.id(d.buyer),
            seller: self.id(d.seller),
            commodity: self.model.key(d.c).to_string(),
            value_idr: ((d.value(self.model) / 1000.0).round() * 1000.0).max(1000.0),
            volume: Some(Quantity {
                qty: d.qty,
                unit: self.model.unit(d.c).to_string(),
                per: None,
            }),
            date: crate::model::format_date(d.day),
            status: d.status,
            mission: mission.map(MissionDef::id),
        };
        out.json_line(&deal)
    }
}

// ------------------------------------------------------------------------------------------
// Everyday trade
// ------------------------------------------------------------------------------------------

/// Share of everyday deals within one province.
const SAME_PROVINCE_SHARE: f64 = 0.15;
/// Share of deals that repeat an earlier buyer–seller pair (a relationship).
const REPEAT_SHARE: f64 = 0.3;
const RELATIONSHIP_POOL: usize = 1 << 16;

/// Draws deals: a need (weighted by its buyer's activity, so a few hub buyers trade a lot);
/// the seller's province: home with a fixed probability (where there are sellers at home),
/// else by gravity — the sellers' activity there × the province's advantage in the commodity
/// ÷ (1 + distance / 400 km); then a seller there by (the square root of) its activity.
/// About 30 % of deals repeat an earlier pair instead.
struct Trade<'a> {
    model: &'a Model<'a>,
    roster: &'a Roster,
    rng: Rng,
    need_owner: Vec<u32>,
    offer_owner: Vec<u32>,
    needs: Option<Alias>,
    /// Offers grouped by (commodity, province): `group[c * np + p]` is a range of `grp_offer`.
    grp_start: Vec<u32>,
    grp_offer: Vec<u32>,
    /// Cumulative seller activity within each group.
    grp_cum: Vec<f64>,
    /// Cumulative weights of the seller's province (other than the buyer's) for (commodity,
    /// buyer province): `prov_cum[(c * np + bp) * np + sp]`.
    prov_cum: Vec<f64>,
    /// The chance to buy at home when there are sellers at home: set so that about
    /// `SAME_PROVINCE_SHARE` of all fresh deals are.
    p_home: f64,
    pool: Vec<(u32, u32)>,
    fresh: u64,
    first: i64,
    span: i64,
}

impl<'a> Trade<'a> {
    fn new(model: &'a Model<'a>, roster: &'a Roster, seed: u64) -> Trade<'a> {
        let mut rng = Rng::new(seed, STREAM_DEALS);
        let (np, nc) = (model.np, model.nc);
        let activity: Vec<f64> = roster
            .kind
            .iter()
            .map(|k| {
                let a = rng.activity();
                a * match k {
                    BusinessKind::Umkm => 1.0,
                    BusinessKind::Cooperative => 1.5,
                    BusinessKind::Association => 2.0,
                    BusinessKind::Bumd => 3.0,
                    BusinessKind::Corporate => 4.0,
                }
            })
            .collect();
        let need_owner = Roster::owners(&roster.need_start);
        let offer_owner = Roster::owners(&roster.offer_start);

        // Group offers by (commodity, province) with a counting sort.
        let ngroups = nc * np;
        let group_of = |o: usize| {
            roster.offer_c[o] as usize * np + roster.province[offer_owner[o] as usize] as usize
        };
        let mut grp_start = vec![0u32; ngroups + 1];
        for o in 0..offer_owner.len() {
            grp_start[group_of(o) + 1] += 1;
        }
        for g in 0..ngroups {
            grp_start[g + 1] += grp_start[g];
        }
        let mut fill = grp_start.clone();
        let mut grp_offer = vec![0u32; offer_owner.len()];
        for o in 0..offer_owner.len() {
            let g = group_of(o);
            grp_offer[fill[g] as usize] = o as u32;
            fill[g] += 1;
        }
        let mut grp_cum = vec![0.0; grp_offer.len()];
        let mut mass = vec![0.0; ngroups];
        for g in 0..ngroups {
            let mut acc = 0.0;
            for i in grp_start[g] as usize..grp_start[g + 1] as usize {
                acc += activity[offer_owner[grp_offer[i] as usize] as usize].sqrt();
                grp_cum[i] = acc;
            }
            mass[g] = acc;
        }

        // The seller's province, per (commodity, buyer province).
        let mut prov_cum = vec![0.0; nc * np * np];
        for c in 0..nc {
            for bp in 0..np {
                let row = &mut prov_cum[(c * np + bp) * np..(c * np + bp + 1) * np];
                let mut acc = 0.0;
                for (sp, w) in row.iter_mut().enumerate() {
                    let m = mass[c * np + sp];
                    if sp != bp && m > 0.0 {
                        let advantage = 0.5 + model.ow(sp, c).min(6.0).sqrt();
                        let gravity = 1.0 / (1.0 + model.r.distance_km(bp, sp) as f64 / 400.0);
                        acc += m * advantage * gravity;
                    }
                    *w = acc;
                }
            }
        }
        let need_weights: Vec<f64> = (0..need_owner.len())
            .map(|n| {
                let c = roster.need_c[n] as usize;
                let has_sellers = grp_start[c * np + np] > grp_start[c * np];
                if has_sellers {
                    activity[need_owner[n] as usize]
                } else {
                    0.0
                }
            })
            .collect();
        let needs = Alias::new(&need_weights);
        let (mut total, mut at_home) = (0.0, 0.0);
        for (n, w) in need_weights.iter().enumerate() {
            let c = roster.need_c[n] as usize;
            let bp = roster.province[need_owner[n] as usize] as usize;
            total += w;
            if mass[c * np + bp] > 0.0 {
                at_home += w;
            }
        }
        let p_home = if at_home > 0.0 {
            (SAME_PROVINCE_SHARE * total / at_home).min(1.0)
        } else {
            0.0
        };
        let first = day_of(FIRST_DEAL_DAY);
        let span = day_of(LAST_DEAL_DAY) - first + 1;
        Trade {
            model,
            roster,
            rng,
            need_owner,
            offer_owner,
            needs,
            grp_start,
            grp_offer,
            grp_cum,
            prov_cum,
            pool: Vec::new(),
            fresh: 0,
            p_home,
            first,
            span,
        }
    }

    fn next(&mut self) -> Option<DraftDeal> {
        let needs = self.needs.as_ref()?;
        let np = self.model.np;
        let (need, offer) = if !self.pool.is_empty() && self.rng.chance(REPEAT_SHARE) {
            *self.rng.pick(&self.pool)
        } else {
            let n = needs.draw(&mut self.rng);
            let c = self.roster.need_c[n] as usize;
            let bp = self.roster.province[self.need_owner[n] as usize] as usize;
            let row = &self.prov_cum[(c * np + bp) * np..(c * np + bp + 1) * np];
            let home = self.grp_start[c * np + bp + 1] > self.grp_start[c * np + bp];
            let sp = if home && (row[np - 1] == 0.0 || self.rng.chance(self.p_home)) {
                bp
            } else {
                search_cum(row, self.rng.unit() * row[np - 1])
            };
            let g = c * np + sp;
            let (s, e) = (self.grp_start[g] as usize, self.grp_start[g + 1] as usize);
            let cum = &self.grp_cum[s..e];
            let o = self.grp_offer[s + search_cum(cum, self.rng.unit() * cum[cum.len() - 1])];
            let pair = (n as u32, o);
            self.fresh += 1;
            if self.pool.len() < RELATIONSHIP_POOL {
                self.pool.push(pair);
            } else {
                let j = self.rng.below(self.fresh as usize);
                if j < RELATIONSHIP_POOL {
                    self.pool[j] = pair;
                }
            }
            pair
        };
        let (need, offer) = (need as usize, offer as usize);
        let c = self.roster.need_c[need] as usize;
        let rng = &mut self.rng;
        let months = *rng.pick(&[1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 6.0, 12.0]);
        let wanted = self.roster.need_qty[need] as f64 * months * rng.uniform(0.3, 1.2);
        let can = self.roster.offer_qty[offer] as f64 * months;
        let qty = nice(wanted.min(can));
        let [lo, hi] = self.roster.offer_price[offer];
        let price = round_price(rng.uniform(lo as f64, hi as f64));
        // Trade grows over the years: half the deals uniform, half with density rising in time.
        let t = if rng.chance(0.5) {
            rng.unit()
        } else {
            rng.unit().sqrt()
        };
        let day = self.first + ((t * self.span as f64) as i64).min(self.span - 1);
        let status = match rng.weighted(&[78.0, 12.0, 10.0]) {
            Some(1) => DealStatus::Mou,
            Some(2) => DealStatus::Failed,
            _ => DealStatus::Completed,
        };
        Some(DraftDeal {
            buyer: self.need_owner[need],
            seller: self.offer_owner[offer],
            c,
            qty,
            price,
            day,
            status,
        })
    }
}

// ------------------------------------------------------------------------------------------
// Missions
// ------------------------------------------------------------------------------------------

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
fn mission_deals(
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
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::OnceLock;

    use super::*;

    struct Sample {
        businesses: Vec<u8>,
        deals: Vec<u8>,
        stats: GenStats,
    }

    fn reference() -> &'static Reference {
        static R: OnceLock<Reference> = OnceLock::new();
        R.get_or_init(|| Reference::embedded().expect("embedded reference data"))
    }

    fn run(businesses: usize, deals: usize, seed: u64) -> Sample {
        let (mut b, mut d) = (Vec::new(), Vec::new());
        let cfg = GenConfig {
            businesses,
            deals,
            seed,
        };
        let stats =
            generate(reference(), &cfg, &mut b, &mut d, &mut |_| {}).expect("in-memory writes");
        Sample {
            businesses: b,
            deals: d,
            stats,
        }
    }

    /// The committed sample's size: 3,200 businesses and 20,000 deals, seed 42.
    fn sample() -> &'static (Sample, Vec<Business>, Vec<Deal>) {
        static S: OnceLock<(Sample, Vec<Business>, Vec<Deal>)> = OnceLock::new();
        S.get_or_init(|| {
            let s = run(3200, 20_000, 42);
            let b = lines(&s.businesses)
                .map(|l| serde_json::from_str(l).expect(l))
                .collect();
            let d = lines(&s.deals)
                .map(|l| serde_json::from_str(l).expect(l))
                .collect();
            (s, b, d)
        })
    }

    fn lines(bytes: &[u8]) -> impl Iterator<Item = &str> {
        std::str::from_utf8(bytes).expect("UTF-8").lines()
    }

    fn province_of(businesses: &[Business]) -> BTreeMap<&str, &str> {
        businesses
            .iter()
            .map(|b| (b.id.as_str(), b.province.as_str()))
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_different_seed_different_bytes() {
        let a = run(500, 3000, 7);
        let b = run(500, 3000, 7);
        assert!(a.businesses == b.businesses && a.deals == b.deals);
        let c = run(500, 3000, 8);
        assert_ne!(a.businesses, c.businesses);
        assert_ne!(a.deals, c.deals);
        // The committed sample is stable too.
        let (s, _, _) = sample();
        let again = run(3200, 20_000, 42);
        assert!(s.businesses == again.businesses && s.deals == again.deals);
    }

    #[test]
    fn every_line_parses_and_validates_unchanged() {
        let (s, businesses, deals) = sample();
        assert!(s.businesses.ends_with(b"\n") && s.deals.ends_with(b"\n"));
        assert_eq!(businesses.len(), 3200);
        assert_eq!(deals.len(), 20_000);
        assert_eq!(s.stats.businesses, 3200);
        assert_eq!(s.stats.deals, 20_000);
        let r = reference();
        let mut ids = BTreeSet::new();
        let mut listings = 0;
        for b in businesses {
            let mut n = b.clone();
            n.normalize().unwrap_or_else(|e| panic!("{}: {e}", b.id));
            assert_eq!(&n, b, "normalize changed {}", b.id);
            assert!(ids.insert(b.id.clone()), "duplicate id {}", b.id);
            assert!(r.province(&b.province).is_some());
            assert!(
                (1..=4).contains(&b.offers.len()) && b.needs.len() <= 3,
                "{}",
                b.id
            );
            for (i, l) in b.offers.iter().enumerate() {
                assert_eq!(
                    l.id.as_deref(),
                    Some(format!("{}-o{}", b.id, i + 1).as_str())
                );
                let c = r.commodity(&l.commodity).expect("catalog key");
                assert_eq!(
                    l.capacity.as_ref().map(|q| q.unit.as_str()),
                    Some(r.commodities[c].unit.as_str())
                );
            }
            for (i, l) in b.needs.iter().enumerate() {
                assert_eq!(
                    l.id.as_deref(),
                    Some(format!("{}-n{}", b.id, i + 1).as_str())
                );
                let c = r.commodity(&l.commodity).expect("catalog key");
                assert_eq!(
                    l.volume.as_ref().map(|q| q.unit.as_str()),
                    Some(r.commodities[c].unit.as_str())
                );
                assert!(b.offers.iter().all(|o| o.commodity != l.commodity));
            }
            listings += b.offers.len() + b.needs.len();
        }
        assert_eq!(listings, s.stats.listings);
        for (i, d) in deals.iter().enumerate() {
            d.validate().unwrap_or_else(|e| panic!("{:?}: {e}", d.id));
            assert_eq!(d.id.as_deref(), Some(format!("d-{:06}", i + 1).as_str()));
            assert!(
                ids.contains(&d.buyer) && ids.contains(&d.seller),
                "{:?}",
                d.id
            );
            assert!(r.commodity(&d.commodity).is_some());
            assert!(d.value_idr > 0.0);
            assert!(
                ("2019-01-01".."2026-11-01").contains(&d.date.as_str()),
                "{}",
                d.date
            );
        }
    }

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

    #[test]
    fn shallots_are_offered_where_the_lq_is_high_and_needed_in_banten() {
        let r = reference();
        let (_, businesses, _) = sample();
        let c = r.commodity("bawang_merah").unwrap();
        let lq = |code: &str| r.advantage(r.province(code).unwrap(), c).lq;
        let offers: Vec<&str> = businesses
            .iter()
            .flat_map(|b| {
                b.offers
                    .iter()
                    .filter(|o| o.commodity == "bawang_merah")
                    .map(|_| b.province.as_str())
            })
            .collect();
        let surplus = offers.iter().filter(|p| lq(p) > 1.0).count();
        assert!(offers.len() >= 40, "{}", offers.len());
        assert!(
            surplus as f64 >= 0.8 * offers.len() as f64,
            "{surplus} of {}",
            offers.len()
        );
        let banten_needs = businesses
            .iter()
            .filter(|b| b.province == "36")
            .flat_map(|b| &b.needs)
            .filter(|n| n.commodity == "bawang_merah")
            .count();
        assert!(banten_needs >= 3, "{banten_needs}");
        assert!(
            !businesses
                .iter()
                .any(|b| b.province == "31" && b.offers.iter().any(|o| o.commodity == "padi"))
        );
    }

    #[test]
    fn deals_cross_provinces_repeat_pairs_and_follow_the_status_mix() {
        let (_, businesses, deals) = sample();
        let prov = province_of(businesses);
        let cross = deals
            .iter()
            .filter(|d| prov[d.buyer.as_str()] != prov[d.seller.as_str()])
            .count();
        let share = cross as f64 / deals.len() as f64;
        assert!((0.80..0.92).contains(&share), "{share}");
        let status = |s: DealStatus| {
            deals.iter().filter(|d| d.status == s).count() as f64 / deals.len() as f64
        };
        assert!((0.70..0.82).contains(&status(DealStatus::Completed)));
        assert!((0.09..0.17).contains(&status(DealStatus::Mou)));
        assert!((0.07..0.13).contains(&status(DealStatus::Failed)));
        let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for d in deals {
            *pairs.entry((&d.buyer, &d.seller)).or_default() += 1;
        }
        let repeated = pairs.values().filter(|&&n| n > 1).count();
        assert!(repeated > 1000, "{repeated}");
        // A buyer's deals are for what it needs (except mission fallbacks).
        let needs: BTreeSet<(&str, &str)> = businesses
            .iter()
            .flat_map(|b| {
                b.needs
                    .iter()
                    .map(move |n| (b.id.as_str(), n.commodity.as_str()))
            })
            .collect();
        let offers: BTreeSet<(&str, &str)> = businesses
            .iter()
            .flat_map(|b| {
                b.offers
                    .iter()
                    .map(move |n| (b.id.as_str(), n.commodity.as_str()))
            })
            .collect();
        for d in deals.iter().filter(|d| d.mission.is_none()) {
            assert!(
                needs.contains(&(d.buyer.as_str(), d.commodity.as_str())),
                "{:?}",
                d.id
            );
            assert!(
                offers.contains(&(d.seller.as_str(), d.commodity.as_str())),
                "{:?}",
                d.id
            );
        }
    }

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
    fn progress_is_reported_every_ten_thousand_items_and_at_the_end() {
        let mut seen = Vec::new();
        let cfg = GenConfig {
            businesses: 4000,
            deals: 17_000,
            seed: 1,
        };
        generate(
            reference(),
            &cfg,
            &mut io::sink(),
            &mut io::sink(),
            &mut |n| seen.push(n),
        )
        .unwrap();
        assert_eq!(seen, [10_000, 20_000, 21_000]);
    }

    #[test]
    fn tiny_and_empty_configs_work() {
        let s = run(0, 10, 1);
        assert!(s.businesses.is_empty() && s.deals.is_empty());
        assert_eq!(s.stats.deals, 0);
        let s = run(20, 50, 1);
        assert_eq!(s.stats.businesses, 20);
        assert_eq!(lines(&s.businesses).count(), 20);
        for l in lines(&s.deals) {
            let d: Deal = serde_json::from_str(l).unwrap();
            d.validate().unwrap();
        }
    }

    #[test]
    fn tables_name_catalog_keys_and_real_provinces() {
        let r = reference();
        let key = |k: &str| assert!(r.commodity(k).is_some(), "unknown commodity {k}");
        let prov = |p: &str| assert!(r.province(p).is_some(), "unknown province {p}");
        for (k, list) in SPECIALISATIONS {
            key(k);
            list.iter().for_each(|(p, _)| prov(p));
        }
        for (a, b) in PROXIES {
            key(a);
            key(b);
        }
        for (k, p, _, _) in ORIGINS {
            key(k);
            prov(p);
        }
        POPULARITY.iter().for_each(|t| key(t.0));
        BASE_QTY.iter().for_each(|t| key(t.0));
        TEXT_NAMES.iter().for_each(|t| key(t.0));
        TITLES.iter().for_each(|t| key(t.0));
        KITCHEN.iter().for_each(|k| key(k));
        for (k, ins) in INPUTS {
            key(k);
            ins.iter().for_each(|k| key(k));
        }
        for s in SECTORS {
            s.offers.iter().for_each(|k| key(k));
        }
        for m in MISSIONS {
            prov(m.partner);
            m.sells.iter().chain(m.buys).for_each(|k| key(k));
        }
        // Every commodity has a price, a title list and a base quantity; every offer pool
        // commodity belongs to some sector.
        for c in &r.commodities {
            assert!(
                PRICES.iter().any(|t| t.0 == c.key),
                "no price for {}",
                c.key
            );
            assert!(
                TITLES.iter().any(|t| t.0 == c.key),
                "no titles for {}",
                c.key
            );
            assert!(
                BASE_QTY.iter().any(|t| t.0 == c.key),
                "no quantity for {}",
                c.key
            );
        }
        // 38 unique prefixes, one per province.
        let prefixes: BTreeSet<&str> = PROVINCES.iter().map(|t| t.1).collect();
        assert_eq!(prefixes.len(), 38);
        for p in &r.provinces {
            assert!(
                PROVINCES.iter().any(|t| t.0 == p.code),
                "no row for {}",
                p.code
            );
        }
        let model = Model::new(r);
        assert_eq!(model.business_id(r.province("35").unwrap(), 42), "jt-00042");
        assert_eq!(model.business_id(r.province("36").unwrap(), 7), "bt-00007");
        assert_eq!(
            model.business_id(r.province("32").unwrap(), 123_456),
            "jb-123456"
        );
    }

    #[test]
    fn helpers() {
        for day in [0, 17_897, 19_611, 19_782, 20_757] {
            assert_eq!(
                crate::model::parse_date(&crate::model::format_date(day)),
                Some(day)
            );
        }
        assert_eq!(crate::model::format_date(19_611), "2023-09-11");
        assert_eq!(nice(37.3), 37.0);
        assert_eq!(nice(4.27), 4.3);
        assert_eq!(nice(1234.0), 1200.0);
        assert_eq!(nice(0.0456), 0.046);
        assert_eq!(round_price(28_260.0), 28_500.0);
        assert_eq!(num_id(1_500_000.0), "1.500.000");
        assert_eq!(num_id(2.5), "2,5");
        assert_eq!(num_en(12_000.25), "12,000.25");
        assert_eq!(acronym("Asosiasi Petani Bawang Merah Nganjuk"), "APBMN");
        let m = &MISSIONS[0];
        assert_eq!(mission_day(m), mission_day(m));
        assert!(crate::model::parse_date(&mission_day(m)).is_some());
        let mut rng = Rng::new(1, 1);
        let a = Alias::new(&[1.0, 0.0, 3.0]).unwrap();
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[a.draw(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            (counts[2] as f64 / counts[0] as f64 - 3.0).abs() < 0.2,
            "{counts:?}"
        );
    }
}
