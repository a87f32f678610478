//! The deal network: businesses are nodes, past deals are edges, and what the network says
//! about a (buyer, seller) pair — the `relationship` feature of the score, its reasons, warm
//! introductions through past deals, and the province-to-province flows that deals reveal.
//!
//! In memory and self-contained: no other module's types, no files. The engine feeds it
//! [`DealEdge`]s (from the store, in any order) and asks it questions; it can always be
//! rebuilt from the store, and to start faster it can be written to a byte stream and read
//! back ([`DealGraph::write_snapshot`], [`DealGraph::read_snapshot`]; format in `snapshot`).
//!
//! # Why it is built this way
//!
//! It must hold 5 million deals over ~400k businesses in well under a gigabyte, build from
//! them in seconds at start-up, and answer a [`DealGraph::signals`] call per match candidate,
//! thousands per query. At that size every random memory access costs (on a VM with 4 KiB
//! pages, several hundred nanoseconds), so the layout is chosen to make few of them:
//!
//! - **One record per pair, not per deal.** Each pair of businesses that ever dealt has a
//!   `Tie` aggregating all their deals, both directions: counts by status, values, last
//!   days, which side sold, and *decayed sums kept at a fixed reference day*. Because
//!   `0.5^(age/h)` factors as `2^((day−ref)/h) · 2^((ref−today)/h)`, the decayed count at any
//!   `today` is one multiplication away, so [`DealGraph::add`] stays O(1) and a signal never
//!   walks a pair's deals.
//! - **Partner rows in a petgraph [`Csr`], plus short sorted lists of newer pairs.** Row `a`
//!   of the compressed-sparse-row graph lists `a`'s partners in increasing order with their
//!   pair ids, contiguously; pairs created since the last compaction sit in a sorted list per
//!   business and are folded in by [`DealGraph::compact`] (O(pairs), sequential) every 1/8
//!   growth. A pair is found by binary search in the shorter list — no pair hash map — and a
//!   neighbourhood is read sequentially. (The first version used petgraph's linked-list
//!   [`petgraph::graph::UnGraph`] with a pair map; measured at 5 M deals it took 3× as long
//!   to build, 25 % more memory, and was 4–15× slower on signals and 8× on introductions.)
//! - **Sorting, not probing, to build.** [`DealGraph::build`] stages every deal with its pair
//!   key, sorts, and aggregates each pair's run; the rows come out of a merge. The answers are
//!   identical to adding the deals one by one (tested).
//! - **Compact ids.** Business ids are interned once: one string arena, and a table from a
//!   keyed SipHash of the id to its index that holds short ids inline, so a look-up touches
//!   one slot instead of a slot and a heap string (this halved the build). Per-deal records
//!   are what the intro hops need (the deal ids, newest first): 13 bytes in four parallel
//!   vectors plus the id in an arena; a pair's deals are linked through `prev`, so appending
//!   never moves anything.
//! - **Ties, not contacts.** A pair is a *tie* when it has at least one completed or MoU deal
//!   (a bit per pair says so); a pair with only failed deals counts against the pair but is not
//!   a partner for Adamic–Adar, PageRank or introductions.
//! - **Centrality is a snapshot** ([`Centrality`]): PageRank needs the whole graph, so it is
//!   computed after [`DealGraph::build`] and again when the engine sees
//!   [`DealGraph::centrality_is_stale`] (10 % new deals by default), by power iteration on a
//!   contiguous copy of the ties. (petgraph's own `page_rank` is O(V²) per iteration.)
//! - **Bounded work per signal.** Partners in common are found by walking the side with fewer
//!   ties in increasing order and galloping through the other side's sorted list. Only when
//!   both sides have more than [`Config::common_scan_limit`] ties is the walk cut to that many
//!   (the smallest indices; [`CommonPartners::truncated`] says so and the sums are lower
//!   bounds). The choice depends only on the graph, not on its layout, so compaction never
//!   changes an answer.
//!
//! # The relationship feature
//!
//! [`Signals::feature`] is `penalty × Σ wᵢ·partᵢ`, every part in [0, 1] and the weights summing
//! to 1 (see [`FeatureParts`]):
//!
//! | part | weight | value |
//! | --- | --- | --- |
//! | direct | 0.40 | `1 − 2^−(c + ½·m)`, c/m the decayed completed/MoU deals between the two |
//! | common | 0.20 | `AA / (AA + 2)`, AA the Adamic–Adar sum over partners in common |
//! | track | 0.15 | `max(0, (r − 0.8) / 0.2)`, r = `(completed + 2) / (completed + failed + 2.5)` |
//! | breadth | 0.05 | `1 − 2^−(buyers / 10)`, distinct buyers with a completed purchase |
//! | province | 0.10 | share of the buyer province's purchases that came from the seller's |
//! | centrality | 0.10 | the seller's PageRank percentile among businesses with ties |
//!
//! and `penalty = 1 / (1 + f)`, f the decayed failed deals between the two. Feature 0 means
//! the network knows nothing in the pair's favour (no deals, no partners in common, a seller
//! without record or centrality, no trade between the provinces). Adding a completed deal
//! between the two never lowers the feature and a failed one never raises it (between
//! centrality refreshes, and given the businesses' provinces); the tests check both on random
//! graphs.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher};

mod snapshot;

pub use snapshot::{Checksum, SNAPSHOT_VERSION};

use petgraph::Directed;
use petgraph::csr::Csr;
use serde::{Deserialize, Serialize};

/// Half-life of a deal's weight: two years.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 730.0;
/// The day the decayed sums are kept at (2024-01-01). Any day works; this keeps the factors
/// near 1 for real data.
const REFERENCE_DAY: i32 = 19_723;
/// Decay exponents are clamped to ±this many half-lives, so absurd dates cannot overflow the
/// `f32` sums (±120 years at the default half-life).
const MAX_HALF_LIVES: f64 = 60.0;
const NO_DEAL: u32 = u32::MAX;
const NO_DAY: i32 = i32::MIN;

// Weights of the relationship feature (they sum to 1).
const W_DIRECT: f64 = 0.40;
const W_COMMON: f64 = 0.20;
const W_TRACK: f64 = 0.15;
const W_BREADTH: f64 = 0.05;
const W_PROVINCE: f64 = 0.10;
const W_CENTRALITY: f64 = 0.10;
/// Beta prior of a seller's record: as if it had 2 completed and 0.5 failed deals already.
const PRIOR_COMPLETED: f64 = 2.0;
const PRIOR_FAILED: f64 = 0.5;
const PRIOR_RELIABILITY: f64 = PRIOR_COMPLETED / (PRIOR_COMPLETED + PRIOR_FAILED);
/// An MoU counts half a completed deal in a tie's strength.
const MOU_WEIGHT: f64 = 0.5;

// ---------------------------------------------------------------------------------------------
// Input

/// How a deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Completed,
    Failed,
    /// A memorandum of understanding, signed but not yet delivered.
    Mou,
}

impl Status {
    fn code(self) -> u8 {
        match self {
            Status::Completed => 0,
            Status::Failed => 1,
            Status::Mou => 2,
        }
    }

    fn from_code(code: u8) -> Status {
        match code & STATUS_MASK {
            0 => Status::Completed,
            1 => Status::Failed,
            _ => Status::Mou,
        }
    }
}

/// One deal as the graph takes it; the engine converts from its own types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealEdge {
    /// The store's deal id, listed back in introduction hops. The graph does not check that
    /// ids are unique (the store does).
    pub id: String,
    pub buyer: String,
    pub seller: String,
    /// Province indices, `0..provinces`.
    pub buyer_province: u8,
    pub seller_province: u8,
    /// Catalog index, `0..commodities`.
    pub commodity: u16,
    pub value_idr: f64,
    /// Accepted for the engine's convenience; no signal uses volumes yet.
    pub qty_kg: Option<f64>,
    /// Days since 1970-01-01.
    pub day: i32,
    pub status: Status,
}

/// Why [`DealGraph::add`] refused a deal. Nothing was changed.
#[derive(Debug, Clone, PartialEq)]
pub enum AddError {
    /// Buyer and seller are the same business.
    SameBusiness,
    ProvinceOutOfRange {
        field: &'static str,
        index: u8,
        provinces: usize,
    },
    CommodityOutOfRange {
        index: u16,
        commodities: usize,
    },
    /// Negative, infinite or NaN.
    InvalidValue(f64),
    /// More than `u32::MAX - 2` businesses, pairs or deals, or 4 GiB of deal ids.
    Full(&'static str),
}

impl AddError {
    /// The [`DealEdge`] field at fault, for an error that names it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AddError::SameBusiness => Some("seller"),
            AddError::ProvinceOutOfRange { field, .. } => Some(field),
            AddError::CommodityOutOfRange { .. } => Some("commodity"),
            AddError::InvalidValue(_) => Some("value_idr"),
            AddError::Full(_) => None,
        }
    }
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddError::SameBusiness => write!(f, "buyer and seller are the same business"),
            AddError::ProvinceOutOfRange {
                field,
                index,
                provinces,
            } => write!(f, "{field} {index} is not below {provinces}"),
            AddError::CommodityOutOfRange { index, commodities } => {
                write!(f, "commodity {index} is not below {commodities}")
            }
            AddError::InvalidValue(v) => write!(f, "value_idr {v} is not a finite amount ≥ 0"),
            AddError::Full(what) => write!(f, "the deal graph holds too many {what}"),
        }
    }
}

impl std::error::Error for AddError {}

/// [`DealGraph::build`] stopped at a deal it could not add.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildError {
    /// Position of the deal in the input.
    pub position: usize,
    pub id: String,
    pub error: AddError,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deal {:?} (#{}): {}", self.id, self.position, self.error)
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Tuning knobs; [`Config::default`] is what the engine should use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Half-life of a deal's weight in days (fixed for a graph's life: the decayed sums are
    /// kept with it).
    pub half_life_days: f64,
    /// Partners in common are counted exactly when either side has at most this many partners;
    /// beyond, only this many (the smallest ids) of the smaller side are examined.
    pub common_scan_limit: usize,
    /// PageRank damping factor.
    pub damping: f64,
    pub pagerank_max_iterations: usize,
    /// PageRank stops when the L1 change of an iteration is below this.
    pub pagerank_tolerance: f64,
    /// The centrality snapshot is stale once this fraction of new deals has arrived.
    pub stale_fraction: f64,
    /// At most this many deal ids are listed per introduction hop (the newest).
    pub hop_deal_ids: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            half_life_days: DEFAULT_HALF_LIFE_DAYS,
            common_scan_limit: 2_000,
            damping: 0.85,
            pagerank_max_iterations: 100,
            pagerank_tolerance: 1e-8,
            stale_fraction: 0.1,
            hop_deal_ids: 20,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Storage

/// One business's aggregates.
#[derive(Debug, Clone, Copy, Default)]
struct Business {
    /// Province of the business in its latest deal.
    province: u8,
    /// Partners with at least one completed or MoU deal (the degree in the tie graph).
    ties: u32,
    /// Deals as the seller, by status.
    sold_completed: u32,
    sold_failed: u32,
    sold_mou: u32,
    /// Distinct businesses that completed a purchase from this one.
    completed_buyers: u32,
}

// `Tie::flags`: which side of the pair has sold to the other. `lo` is the business with the
// smaller index.
const LO_SOLD: u8 = 1;
const HI_SOLD: u8 = 2;
const LO_SOLD_COMPLETED: u8 = 4;
const HI_SOLD_COMPLETED: u8 = 8;

// Per-deal flags: the status in the low bits, and whether the seller was `lo`.
const STATUS_MASK: u8 = 3;
const SELLER_IS_LO: u8 = 4;

/// Everything two businesses did together, in both directions.
#[derive(Debug, Clone, Copy)]
struct Tie {
    value_completed: f64,
    value_mou: f64,
    completed: u32,
    failed: u32,
    mou: u32,
    last_day: i32,
    last_completed_day: i32,
    /// Newest deal of the pair (head of the `deal_prev` list).
    head: u32,
    /// Decayed sums at `REFERENCE_DAY`: Σ 2^((day − ref)/half-life) per status, and of the
    /// completed values.
    k_completed: f32,
    k_failed: f32,
    k_mou: f32,
    kv_completed: f32,
    flags: u8,
}

impl Default for Tie {
    fn default() -> Tie {
        Tie {
            value_completed: 0.0,
            value_mou: 0.0,
            completed: 0,
            failed: 0,
            mou: 0,
            last_day: NO_DAY,
            last_completed_day: NO_DAY,
            head: NO_DEAL,
            k_completed: 0.0,
            k_failed: 0.0,
            k_mou: 0.0,
            kv_completed: 0.0,
            flags: 0,
        }
    }
}

impl Tie {
    /// A tie makes the two partners: at least one completed or MoU deal.
    fn is_tie(&self) -> bool {
        self.completed > 0 || self.mou > 0
    }

    /// Strength at the reference day: decayed completed deals plus half the decayed MoUs.
    fn strength_at_reference(&self) -> f64 {
        f64::from(self.k_completed) + MOU_WEIGHT * f64::from(self.k_mou)
    }

    fn sold(&self, node_is_lo: bool) -> bool {
        self.flags & if node_is_lo { LO_SOLD } else { HI_SOLD } != 0
    }

    fn sold_completed(&self, node_is_lo: bool) -> bool {
        self.flags
            & if node_is_lo {
                LO_SOLD_COMPLETED
            } else {
                HI_SOLD_COMPLETED
            }
            != 0
    }

    /// `a`'s role towards its partner.
    fn role_of(&self, a_is_lo: bool) -> Role {
        match (self.sold(a_is_lo), self.sold(!a_is_lo)) {
            (true, true) => Role::Both,
            (true, false) => Role::SoldTo,
            _ => Role::BoughtFrom,
        }
    }
}

/// A `HashMap` hasher for the graph's own integer keys: a seeded splitmix64 finaliser. The
/// seed is random per graph, so crafted ids cannot aim at collisions.
#[derive(Debug, Clone, Copy)]
struct MixState(u64);

impl MixState {
    fn new() -> MixState {
        MixState(RandomState::new().hash_one(0x006a_616c_696e_u64))
    }
}

impl BuildHasher for MixState {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher(self.0)
    }
}

struct MixHasher(u64);

fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = mix64(self.0 ^ u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix64(self.0 ^ n);
    }
}

fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

// ---------------------------------------------------------------------------------------------
// Province flows

/// Completed deal value between provinces, and per province and commodity, kept up to date by
/// every [`DealGraph::add`].
///
/// `flow` counts every completed deal (the diagonal holds deals inside a province); `sold` and
/// `bought` count only deals that cross a province border — exports and imports — because a
/// province trading with itself reveals no advantage over the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvinceFlows {
    provinces: usize,
    commodities: usize,
    /// `[seller_province × provinces + buyer_province]`.
    flow: Vec<f64>,
    /// Σ over seller provinces of `flow[·][buyer_province]`.
    purchases: Vec<f64>,
    /// `[province × commodities + commodity]`.
    sold: Vec<f64>,
    bought: Vec<f64>,
    sold_total: Vec<f64>,
    bought_total: Vec<f64>,
    /// Σ over provinces of `sold[·][commodity]`.
    commodity_total: Vec<f64>,
    total: f64,
}

impl ProvinceFlows {
    fn new(provinces: usize, commodities: usize) -> ProvinceFlows {
        ProvinceFlows {
            provinces,
            commodities,
            flow: vec![0.0; provinces * provinces],
            purchases: vec![0.0; provinces],
            sold: vec![0.0; provinces * commodities],
            bought: vec![0.0; provinces * commodities],
            sold_total: vec![0.0; provinces],
            bought_total: vec![0.0; provinces],
            commodity_total: vec![0.0; commodities],
            total: 0.0,
        }
    }

    fn record(&mut self, seller: usize, buyer: usize, commodity: usize, value: f64) {
        let (p, c) = (self.provinces, self.commodities);
        self.flow[seller * p + buyer] += value;
        self.purchases[buyer] += value;
        if seller != buyer {
            self.sold[seller * c + commodity] += value;
            self.bought[buyer * c + commodity] += value;
            self.sold_total[seller] += value;
            self.bought_total[buyer] += value;
            self.commodity_total[commodity] += value;
            self.total += value;
        }
    }

    pub fn provinces(&self) -> usize {
        self.provinces
    }

    pub fn commodities(&self) -> usize {
        self.commodities
    }

    /// Completed value sold by businesses of province `from` to businesses of province `to`
    /// (0 out of range).
    pub fn flow(&self, from: usize, to: usize) -> f64 {
        if from < self.provinces && to < self.provinces {
            self.flow[from * self.provinces + to]
        } else {
            0.0
        }
    }

    /// Completed value bought by province `p` from anywhere, itself included.
    pub fn purchases(&self, p: usize) -> f64 {
        self.purchases.get(p).copied().unwrap_or(0.0)
    }

    /// Value of commodity `c` that province `p` sold to other provinces.
    pub fn sold(&self, p: usize, c: usize) -> f64 {
        self.cell(&self.sold, p, c)
    }

    /// Value of commodity `c` that province `p` bought from other provinces.
    pub fn bought(&self, p: usize, c: usize) -> f64 {
        self.cell(&self.bought, p, c)
    }

    /// All that province `p` sold to other provinces.
    pub fn sold_total(&self, p: usize) -> f64 {
        self.sold_total.get(p).copied().unwrap_or(0.0)
    }

    /// All that province `p` bought from other provinces.
    pub fn bought_total(&self, p: usize) -> f64 {
        self.bought_total.get(p).copied().unwrap_or(0.0)
    }

    fn cell(&self, table: &[f64], p: usize, c: usize) -> f64 {
        if p < self.provinces && c < self.commodities {
            table[p * self.commodities + c]
        } else {
            0.0
        }
    }

    /// Balassa's revealed comparative advantage from deals:
    /// `RCA(p,c) = (S[p,c] / S[p]) / (S[all,c] / S[all])` over inter-provincial sales. `None`
    /// when `p` sold nothing, nobody sold `c`, or an index is out of range.
    pub fn rca(&self, p: usize, c: usize) -> Option<f64> {
        if p >= self.provinces || c >= self.commodities {
            return None;
        }
        let (sp, sc) = (self.sold_total[p], self.commodity_total[c]);
        if sp <= 0.0 || sc <= 0.0 || self.total <= 0.0 {
            return None;
        }
        Some((self.sold(p, c) / sp) / (sc / self.total))
    }

    /// Michaely's trade complementarity, 0 (nothing in common) to 100 (the seller province
    /// exports exactly the mix the buyer province imports):
    /// `TC(s,b) = 100 · (1 − Σ_c |m[b,c] − x[s,c]| / 2)`, m the buyer's import shares and x the
    /// seller's export shares by value. `None` when either has no such trade.
    pub fn complementarity(&self, seller: usize, buyer: usize) -> Option<f64> {
        if seller >= self.provinces || buyer >= self.provinces {
            return None;
        }
        let (xs, mb) = (self.sold_total[seller], self.bought_total[buyer]);
        if xs <= 0.0 || mb <= 0.0 {
            return None;
        }
        let c = self.commodities;
        let x = &self.sold[seller * c..(seller + 1) * c];
        let m = &self.bought[buyer * c..(buyer + 1) * c];
        let gap: f64 = x.iter().zip(m).map(|(x, m)| (m / mb - x / xs).abs()).sum();
        Some(100.0 * (1.0 - gap / 2.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Centrality

/// A PageRank snapshot of the tie graph (undirected, unweighted; nodes without ties are
/// dangling and spread their rank evenly).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Centrality {
    /// PageRank per business index (sums to 1).
    pagerank: Vec<f64>,
    /// Mid-rank percentile among businesses with ties, in [0, 1]; 0 without ties.
    percentile: Vec<f32>,
    iterations: usize,
    /// Deals in the graph when computed.
    deals: usize,
}

impl Centrality {
    /// Power iterations it took.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Deals the graph held when it was computed.
    pub fn deals(&self) -> usize {
        self.deals
    }
}

// ---------------------------------------------------------------------------------------------
// Output types

/// Language of the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    En,
    Id,
}

/// Who reads the reasons: the buyer (about a seller) or the seller (about a buyer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Asker {
    Buyer,
    Seller,
}

/// What a business did with a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The business bought from the partner.
    BoughtFrom,
    /// The business sold to the partner.
    SoldTo,
    Both,
}

/// Deals between the two businesses, in either direction, decayed to `today` with
/// `0.5^(age_days / half_life)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DirectTies {
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    pub completed_decayed: f64,
    pub failed_decayed: f64,
    pub mou_decayed: f64,
    /// Value of the completed deals.
    pub value_idr: f64,
    pub value_decayed: f64,
    pub last_completed_day: Option<i32>,
    pub last_day: Option<i32>,
}

/// Partners the buyer and the seller have in common (ties only).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommonPartners {
    /// Σ over common partners z of `1 / ln(ties(z))`.
    pub adamic_adar: f64,
    pub common: u32,
    /// Common partners who completed a purchase from the seller.
    pub bought_from_seller: u32,
    /// Both sides had more than [`Config::common_scan_limit`] partners: the figures above
    /// count only part of them.
    pub truncated: bool,
}

/// A business's record as a seller.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackRecord {
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    /// Distinct buyers with a completed purchase.
    pub distinct_buyers: u32,
    /// `(completed + 2) / (completed + failed + 2.5)`: a Beta-smoothed completion rate, 0.8
    /// with no record, so one deal is not a perfect record.
    pub reliability: f64,
}

impl TrackRecord {
    fn of(b: &Business) -> TrackRecord {
        TrackRecord {
            completed: b.sold_completed,
            failed: b.sold_failed,
            mou: b.sold_mou,
            distinct_buyers: b.completed_buyers,
            reliability: reliability(b.sold_completed, b.sold_failed),
        }
    }
}

fn reliability(completed: u32, failed: u32) -> f64 {
    (f64::from(completed) + PRIOR_COMPLETED)
        / (f64::from(completed) + f64::from(failed) + PRIOR_COMPLETED + PRIOR_FAILED)
}

/// Completed trade from the seller's province to the buyer's.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProvinceTie {
    pub seller_province: Option<u8>,
    pub buyer_province: Option<u8>,
    /// Completed value sold from the seller's province to the buyer's.
    pub value_idr: f64,
    /// That value as a share of everything the buyer's province bought, in [0, 1].
    pub share: f64,
}

/// What the deal network says about one (buyer, seller) pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Signals {
    pub buyer_known: bool,
    pub seller_known: bool,
    pub direct: DirectTies,
    pub common: CommonPartners,
    pub seller: TrackRecord,
    pub provinces: ProvinceTie,
    /// PageRank percentiles in [0, 1] (0 without ties or before the first snapshot).
    pub seller_centrality: f64,
    pub buyer_centrality: f64,
}

/// The parts of [`Signals::feature`], each in [0, 1]; see the module documentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FeatureParts {
    pub direct: f64,
    pub common: f64,
    pub track: f64,
    pub breadth: f64,
    pub province: f64,
    pub centrality: f64,
    /// Multiplies the weighted sum: `1 / (1 + decayed failed deals between the two)`.
    pub penalty: f64,
}

impl Signals {
    pub fn parts(&self) -> FeatureParts {
        let d = &self.direct;
        let aa = self.common.adamic_adar.max(0.0);
        let excess = (self.seller.reliability - PRIOR_RELIABILITY) / (1.0 - PRIOR_RELIABILITY);
        FeatureParts {
            direct: 1.0 - (-(d.completed_decayed + MOU_WEIGHT * d.mou_decayed)).exp2(),
            common: aa / (aa + 2.0),
            track: excess.clamp(0.0, 1.0),
            breadth: 1.0 - (-f64::from(self.seller.distinct_buyers) / 10.0).exp2(),
            province: self.provinces.share.clamp(0.0, 1.0),
            centrality: self.seller_centrality.clamp(0.0, 1.0),
            penalty: 1.0 / (1.0 + d.failed_decayed.max(0.0)),
        }
    }

    /// The relationship feature in [0, 1]: `penalty × (0.40·direct + 0.20·common + 0.15·track
    /// + 0.05·breadth + 0.10·province + 0.10·centrality)`.
    pub fn feature(&self) -> f32 {
        let p = self.parts();
        let sum = W_DIRECT * p.direct
            + W_COMMON * p.common
            + W_TRACK * p.track
            + W_BREADTH * p.breadth
            + W_PROVINCE * p.province
            + W_CENTRALITY * p.centrality;
        let f = (sum * p.penalty) as f32;
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Sentences for the buyer about this seller. `provinces[i]` names province `i` (a missing
    /// name reads "province i").
    pub fn reasons(&self, lang: Lang, provinces: &[&str]) -> Vec<String> {
        self.reasons_as(Asker::Buyer, lang, provinces)
    }

    /// Sentences for whoever asks: the buyer about the seller, or the seller about the buyer.
    pub fn reasons_as(&self, asker: Asker, lang: Lang, provinces: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let en = lang == Lang::En;
        let (them_en, them_id) = match asker {
            Asker::Buyer => ("this seller", "penjual ini"),
            Asker::Seller => ("this buyer", "pembeli ini"),
        };
        let d = &self.direct;
        if d.completed > 0 {
            let year = d.last_completed_day.map(year_of);
            out.push(match (en, year) {
                (true, Some(y)) => format!(
                    "You have completed {} with {them_en} (last in {y})",
                    plural(d.completed, "deal", "deals")
                ),
                (true, None) => format!(
                    "You have completed {} with {them_en}",
                    plural(d.completed, "deal", "deals")
                ),
                (false, Some(y)) => format!(
                    "Anda telah menyelesaikan {} transaksi dengan {them_id} (terakhir pada {y})",
                    d.completed
                ),
                (false, None) => format!(
                    "Anda telah menyelesaikan {} transaksi dengan {them_id}",
                    d.completed
                ),
            });
        }
        if d.mou > 0 {
            out.push(if en {
                format!("You signed {} with {them_en}", plural(d.mou, "MoU", "MoUs"))
            } else {
                format!("Anda telah menandatangani {} MoU dengan {them_id}", d.mou)
            });
        }
        if d.failed > 0 {
            out.push(if en {
                let verb = if d.failed == 1 { "has" } else { "have" };
                format!(
                    "{} earlier {} with {them_en} {verb} failed",
                    d.failed,
                    if d.failed == 1 { "deal" } else { "deals" }
                )
            } else {
                format!("{} transaksi sebelumnya dengan {them_id} gagal", d.failed)
            });
        }
        let c = &self.common;
        let k = c.bought_from_seller;
        if k > 0 {
            out.push(match (asker, en) {
                (Asker::Buyer, true) => format!(
                    "{k} of your past partners {} bought from this seller",
                    if k == 1 { "has" } else { "have" }
                ),
                (Asker::Buyer, false) => {
                    format!("{k} mitra Anda sebelumnya pernah membeli dari penjual ini")
                }
                (Asker::Seller, true) => format!(
                    "{k} of this buyer's past partners {} bought from you",
                    if k == 1 { "has" } else { "have" }
                ),
                (Asker::Seller, false) => {
                    format!("{k} mitra sebelumnya dari pembeli ini pernah membeli dari Anda")
                }
            });
        } else if c.common > 0 {
            out.push(if en {
                format!(
                    "You and {them_en} share {}",
                    plural(c.common, "trading partner", "trading partners")
                )
            } else {
                format!(
                    "Anda dan {them_id} memiliki {} mitra dagang yang sama",
                    c.common
                )
            });
        }
        let t = &self.seller;
        if asker == Asker::Buyer && t.completed + t.failed > 0 {
            out.push(if en {
                format!(
                    "Track record: {} completed, {} failed {} with {}",
                    t.completed,
                    t.failed,
                    if t.completed + t.failed == 1 {
                        "deal"
                    } else {
                        "deals"
                    },
                    plural(t.distinct_buyers, "buyer", "buyers")
                )
            } else {
                format!(
                    "Rekam jejak: {} transaksi selesai, {} gagal, dengan {} pembeli",
                    t.completed, t.failed, t.distinct_buyers
                )
            });
        }
        let p = &self.provinces;
        if let (Some(sp), Some(bp)) = (p.seller_province, p.buyer_province)
            && sp != bp
            && p.value_idr > 0.0
        {
            let (s, b) = (province_name(provinces, sp), province_name(provinces, bp));
            let v = idr(p.value_idr, lang);
            out.push(if en {
                format!("{s} sold {v} of goods to {b} in past deals")
            } else {
                format!("{s} telah menjual barang senilai {v} ke {b} dalam transaksi sebelumnya")
            });
        }
        let centrality = match asker {
            Asker::Buyer => self.seller_centrality,
            Asker::Seller => self.buyer_centrality,
        };
        if centrality >= 0.9 {
            let top = ((1.0 - centrality) * 100.0).ceil().max(1.0);
            out.push(if en {
                format!(
                    "{} is among the best-connected {top}% of businesses in the deal network",
                    capitalise(them_en)
                )
            } else {
                format!(
                    "{} termasuk {top}% bisnis dengan jaringan transaksi terluas",
                    capitalise(them_id)
                )
            });
        }
        out
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn province_name(names: &[&str], p: u8) -> String {
    match names.get(usize::from(p)) {
        Some(n) => (*n).to_string(),
        None => format!("province {p}"),
    }
}

/// Rupiah for a sentence: "Rp 1.2 bn" / "Rp 1,2 miliar".
fn idr(value: f64, lang: Lang) -> String {
    let v = value.max(0.0);
    let scales: [(f64, &str, &str); 3] = [
        (1e12, "tn", "triliun"),
        (1e9, "bn", "miliar"),
        (1e6, "million", "juta"),
    ];
    for (scale, en, id) in scales {
        if v >= scale {
            let mut n = format!("{:.1}", v / scale);
            if n.ends_with(".0") {
                n.truncate(n.len() - 2);
            }
            return match lang {
                Lang::En => format!("Rp {n} {en}"),
                Lang::Id => format!("Rp {} {id}", n.replace('.', ",")),
            };
        }
    }
    let digits = format!("{:.0}", v);
    let sep = if lang == Lang::En { ',' } else { '.' };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(sep);
        }
        grouped.push(ch);
    }
    format!("Rp {grouped}")
}

/// The calendar year of a day number (days since 1970-01-01), proleptic Gregorian.
fn year_of(day: i32) -> i64 {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let y = yoe + era * 400;
    if mp >= 10 { y + 1 } else { y }
}

/// A business's place in the network, for `GET /v1/businesses/{id}/network`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    pub id: String,
    pub province: u8,
    /// Sorted by completed value, then MoU value, then deals, then id; cut to the limit.
    pub partners: Vec<Partner>,
    /// Provinces of all partners, by completed value.
    pub provinces: Vec<ProvinceTrade>,
    pub totals: NetworkTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Partner {
    pub id: String,
    pub province: u8,
    /// What the business did with this partner.
    pub role: Role,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    /// Value of the completed deals.
    pub value_idr: f64,
    pub mou_value_idr: f64,
    pub last_day: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvinceTrade {
    pub province: u8,
    pub partners: u32,
    pub deals: u32,
    /// Completed value, both directions.
    pub value_idr: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkTotals {
    /// All partners, failed-only ones included.
    pub partners: u32,
    /// Partners with a completed or MoU deal.
    pub ties: u32,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    pub value_idr: f64,
    pub mou_value_idr: f64,
    pub last_day: Option<i32>,
    /// The business's record as a seller.
    pub as_seller: TrackRecord,
    pub pagerank: f64,
    pub centrality: f64,
}

/// One step of an introduction path: `from` and `to` have dealt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    /// What `from` did with `to`.
    pub role: Role,
    /// Ids of the completed and MoU deals, newest first, at most [`Config::hop_deal_ids`].
    pub deals: Vec<String>,
    pub completed: u32,
    pub mou: u32,
    /// Completed value.
    pub value_idr: f64,
    pub last_day: i32,
    /// Decayed completed deals + ½ decayed MoUs, as of [`IntroPath::as_of_day`].
    pub strength: f64,
}

/// A warm introduction: the fewest hops through past deals, and among those the strongest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntroPath {
    /// Empty when `from` and `to` are the same business.
    pub hops: Vec<Hop>,
    /// Σ 1 / strength over the hops.
    pub cost: f64,
    /// Strengths are decayed to the newest deal's day.
    pub as_of_day: Option<i32>,
}

/// Estimated heap bytes by part (from capacities; the allocator adds a little).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryUse {
    /// Pair aggregates, partner rows and business aggregates.
    pub graph: usize,
    pub names: usize,
    pub deals: usize,
    pub other: usize,
    pub total: usize,
}

// ---------------------------------------------------------------------------------------------
// The graph

/// Partner lists as of the last compaction: row `a` holds `a`'s partners in increasing order,
/// and the parallel edge weights their pair ids. Stored both ways round.
type Base = Csr<(), u32, Directed, u32>;

/// The deal network. See the module documentation.
#[derive(Debug, Clone)]
pub struct DealGraph {
    config: Config,
    provinces: usize,
    commodities: usize,
    businesses: Vec<Business>,
    /// Business ids, end to end; `name_end[i]` is where id `i` ends.
    name_arena: String,
    name_end: Vec<u32>,
    /// SipHash (keyed per graph) of an id → its index, with the id itself when short; the
    /// rare id whose hash is taken by another id lives in `name_collisions`.
    name_index: HashMap<u64, NameSlot, MixState>,
    name_collisions: HashMap<Box<str>, u32>,
    name_hasher: RandomState,
    /// Pair aggregates, by pair id.
    ties: Vec<Tie>,
    /// Bit per pair id: is it a tie (a completed or MoU deal)?
    tie_bits: Vec<u64>,
    base: Base,
    /// Pairs created since the last compaction, per business, sorted by partner.
    delta: Vec<Vec<(u32, u32)>>,
    delta_pairs: usize,
    deal_prev: Vec<u32>,
    deal_day: Vec<i32>,
    deal_flags: Vec<u8>,
    /// End offset of each deal's id in `deal_ids`.
    deal_id_end: Vec<u32>,
    deal_ids: String,
    flows: ProvinceFlows,
    centrality: Centrality,
    newest_day: Option<i32>,
    hasher: MixState,
}

/// Ids up to this many bytes are kept in their index slot (checked without touching the arena).
const NAME_INLINE: usize = 26;

#[derive(Debug, Clone, Copy)]
struct NameSlot {
    ix: u32,
    /// The id's length, saturated at 255.
    len: u8,
    name: [u8; NAME_INLINE],
}

impl NameSlot {
    fn new(id: &str, ix: u32) -> NameSlot {
        let mut name = [0; NAME_INLINE];
        let n = id.len().min(NAME_INLINE);
        name[..n].copy_from_slice(&id.as_bytes()[..n]);
        NameSlot {
            ix,
            len: id.len().min(255) as u8,
            name,
        }
    }
}

/// A business in a signals call: its index when the graph knows it, and its province.
#[derive(Clone, Copy)]
struct Party {
    ix: Option<u32>,
    province: Option<u8>,
}

/// A business's partners in increasing index order, with their pair ids: the compacted row
/// merged with the newer pairs.
struct Partners<'a> {
    base: &'a [u32],
    base_pairs: &'a [u32],
    delta: &'a [(u32, u32)],
    i: usize,
    j: usize,
}

impl Iterator for Partners<'_> {
    type Item = (u32, u32);
    fn next(&mut self) -> Option<(u32, u32)> {
        let b = self.base.get(self.i).copied();
        let d = self.delta.get(self.j).copied();
        match (b, d) {
            (Some(z), Some((y, _))) if z < y => {
                self.i += 1;
                Some((z, self.base_pairs[self.i - 1]))
            }
            (Some(z), None) => {
                self.i += 1;
                Some((z, self.base_pairs[self.i - 1]))
            }
            (_, Some(e)) => {
                self.j += 1;
                Some(e)
            }
            (None, None) => None,
        }
    }
}

/// The first index at or after `from` whose key is ≥ `target`, by galloping: cheap when the
/// caller walks targets in increasing order.
fn seek<T>(s: &[T], from: usize, target: u32, key: impl Fn(&T) -> u32) -> usize {
    let mut lo = from;
    if lo >= s.len() || key(&s[lo]) >= target {
        return lo;
    }
    let mut step = 1;
    let mut hi = lo + step;
    while hi < s.len() && key(&s[hi]) < target {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    let hi = hi.min(s.len());
    // Invariant: key(s[lo]) < target; the answer is in (lo, hi].
    lo + 1 + s[lo + 1..hi].partition_point(|x| key(x) < target)
}

impl DealGraph {
    /// An empty graph for `provinces` provinces and `commodities` catalog entries.
    pub fn new(provinces: usize, commodities: usize) -> DealGraph {
        DealGraph::with_config(provinces, commodities, Config::default())
    }

    pub fn with_config(provinces: usize, commodities: usize, config: Config) -> DealGraph {
        let mut config = config;
        if !(config.half_life_days.is_finite() && config.half_life_days > 0.0) {
            config.half_life_days = DEFAULT_HALF_LIFE_DAYS;
        }
        let hasher = MixState::new();
        DealGraph {
            config,
            provinces,
            commodities,
            businesses: Vec::new(),
            name_arena: String::new(),
            name_end: Vec::new(),
            name_index: HashMap::with_hasher(hasher),
            name_collisions: HashMap::new(),
            name_hasher: RandomState::new(),
            ties: Vec::new(),
            tie_bits: Vec::new(),
            base: Base::new(),
            delta: Vec::new(),
            delta_pairs: 0,
            deal_prev: Vec::new(),
            deal_day: Vec::new(),
            deal_flags: Vec::new(),
            deal_id_end: Vec::new(),
            deal_ids: String::new(),
            flows: ProvinceFlows::new(provinces, commodities),
            centrality: Centrality::default(),
            newest_day: None,
            hasher,
        }
    }

    /// Builds a graph from deals in any order, compacts it and computes the centrality
    /// snapshot; the result equals adding the deals one by one, only faster (the pairs are
    /// found by sorting instead of one look-up per deal). Stops at the first deal it cannot
    /// add.
    pub fn build<I>(provinces: usize, commodities: usize, deals: I) -> Result<DealGraph, BuildError>
    where
        I: IntoIterator<Item = DealEdge>,
    {
        let mut g = DealGraph::new(provinces, commodities);
        let deals = deals.into_iter();
        let hint = deals.size_hint().0;
        g.reserve(0, hint);
        // 1. Every deal's own record, its pair key and value; flows as they come.
        let mut staged: Vec<(u64, u32)> = Vec::with_capacity(hint);
        let mut values: Vec<f64> = Vec::with_capacity(hint);
        for (position, deal) in deals.enumerate() {
            if let Err(error) = g.check(&deal) {
                return Err(BuildError {
                    position,
                    id: deal.id,
                    error,
                });
            }
            let b = g.intern(&deal.buyer, deal.buyer_province);
            let s = g.intern(&deal.seller, deal.seller_province);
            let ix = g.push_deal(&deal, s < b);
            staged.push((pair_key(b, s), ix));
            values.push(deal.value_idr);
            g.note_flows_and_day(&deal);
        }
        // 2. Pairs in key order; each pair's deals in input order, as `add` would.
        staged.sort_unstable();
        let pairs = staged.chunk_by(|x, y| x.0 == y.0).count();
        if pairs > LIMIT {
            return Err(BuildError {
                position: g.deal_count(),
                id: String::new(),
                error: AddError::Full("pairs"),
            });
        }
        g.ties.reserve_exact(pairs);
        let mut forward: Vec<u64> = Vec::with_capacity(pairs);
        for run in staged.chunk_by(|x, y| x.0 == y.0) {
            let key = run[0].0;
            let (lo, hi) = ((key >> 32) as u32, key as u32);
            let pid = g.ties.len() as u32;
            g.ties.push(Tie::default());
            for &(_, deal) in run {
                let flags = g.deal_flags[deal as usize];
                g.record(
                    pid,
                    lo,
                    hi,
                    deal,
                    Status::from_code(flags),
                    values[deal as usize],
                );
            }
            forward.push(key);
        }
        drop(staged);
        drop(values);
        g.tie_bits.resize(g.ties.len().div_ceil(64), 0);
        for pid in 0..g.ties.len() {
            if g.ties[pid].is_tie() {
                g.tie_bits[pid / 64] |= 1 << (pid % 64);
            }
        }
        // 3. The partner rows: (lo, hi) in key order merged with (hi, lo) sorted.
        let mut backward: Vec<(u64, u32)> = forward
            .iter()
            .enumerate()
            .map(|(pid, &k)| (k.rotate_right(32), pid as u32))
            .collect();
        backward.sort_unstable();
        let mut rows: Vec<(u32, u32, u32)> = Vec::with_capacity(2 * forward.len());
        let (mut i, mut j) = (0, 0);
        while i < forward.len() || j < backward.len() {
            let take_forward = match (forward.get(i), backward.get(j)) {
                (Some(&f), Some(&(b, _))) => f < b,
                (Some(_), None) => true,
                _ => false,
            };
            let (key, pid) = if take_forward {
                i += 1;
                (forward[i - 1], (i - 1) as u32)
            } else {
                j += 1;
                backward[j - 1]
            };
            rows.push(((key >> 32) as u32, key as u32, pid));
        }
        drop(forward);
        drop(backward);
        g.install_base(&rows);
        drop(rows);
        g.refresh_centrality();
        Ok(g)
    }

    /// Room for this many more businesses and deals.
    pub fn reserve(&mut self, businesses: usize, deals: usize) {
        self.businesses.reserve(businesses);
        self.name_end.reserve(businesses);
        self.delta.reserve(businesses);
        self.name_index.reserve(businesses);
        self.deal_prev.reserve(deals);
        self.deal_day.reserve(deals);
        self.deal_flags.reserve(deals);
        self.deal_id_end.reserve(deals);
        self.deal_ids.reserve(deals.saturating_mul(10));
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn business_count(&self) -> usize {
        self.businesses.len()
    }

    pub fn deal_count(&self) -> usize {
        self.deal_day.len()
    }

    /// Pairs of businesses that have dealt (failed-only pairs included).
    pub fn pair_count(&self) -> usize {
        self.ties.len()
    }

    /// Pairs with a completed or MoU deal.
    pub fn tie_count(&self) -> usize {
        self.tie_bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn contains(&self, business: &str) -> bool {
        self.lookup(business).is_some()
    }

    /// The province a business had in its latest deal.
    pub fn province_of(&self, business: &str) -> Option<u8> {
        self.lookup(business).map(|b| self.business(b).province)
    }

    /// The newest deal's day.
    pub fn newest_day(&self) -> Option<i32> {
        self.newest_day
    }

    /// Every business with its province (the one of its latest deal), in the order the
    /// graph first saw them.
    pub fn businesses(&self) -> impl Iterator<Item = (&str, u8)> + '_ {
        self.businesses
            .iter()
            .enumerate()
            .map(|(ix, b)| (self.name(ix as u32), b.province))
    }

    /// Records one deal in place, O(1) amortised: a new pair goes into two short sorted lists,
    /// which are folded into the partner rows ([`DealGraph::compact`], O(pairs)) whenever the
    /// new pairs reach 1/8 of all. Businesses not seen before get a node; a business's
    /// province is the one of its latest deal.
    pub fn add(&mut self, deal: DealEdge) -> Result<(), AddError> {
        self.check(&deal)?;
        if self.ties.len() >= LIMIT {
            return Err(AddError::Full("pairs"));
        }
        let b = self.intern(&deal.buyer, deal.buyer_province);
        let s = self.intern(&deal.seller, deal.seller_province);
        let (lo, hi) = if s < b { (s, b) } else { (b, s) };
        let pid = match self.pair(lo, hi) {
            Some(pid) => pid,
            None => self.new_pair(lo, hi),
        };
        let ix = self.push_deal(&deal, s < b);
        self.record(pid, lo, hi, ix, deal.status, deal.value_idr);
        if self.ties[pid as usize].is_tie() {
            self.tie_bits[pid as usize / 64] |= 1 << (pid % 64);
        }
        self.note_flows_and_day(&deal);
        // Keep the sorted lists of new pairs short: fold them in every 1/8 growth.
        if self.delta_pairs >= COMPACT_MIN && self.delta_pairs * 8 >= self.ties.len() {
            self.compact();
        }
        Ok(())
    }

    /// Everything that can refuse a deal, before anything changes.
    fn check(&self, d: &DealEdge) -> Result<(), AddError> {
        if d.buyer == d.seller {
            return Err(AddError::SameBusiness);
        }
        for (field, index) in [
            ("buyer_province", d.buyer_province),
            ("seller_province", d.seller_province),
        ] {
            if usize::from(index) >= self.provinces {
                return Err(AddError::ProvinceOutOfRange {
                    field,
                    index,
                    provinces: self.provinces,
                });
            }
        }
        if usize::from(d.commodity) >= self.commodities {
            return Err(AddError::CommodityOutOfRange {
                index: d.commodity,
                commodities: self.commodities,
            });
        }
        if !(d.value_idr.is_finite() && d.value_idr >= 0.0) {
            return Err(AddError::InvalidValue(d.value_idr));
        }
        if self.businesses.len() + 2 > LIMIT {
            return Err(AddError::Full("businesses"));
        }
        if self.deal_day.len() + 1 > LIMIT {
            return Err(AddError::Full("deals"));
        }
        if self.deal_ids.len() + d.id.len() > u32::MAX as usize {
            return Err(AddError::Full("deal id bytes"));
        }
        if self.name_arena.len() + d.buyer.len() + d.seller.len() > u32::MAX as usize {
            return Err(AddError::Full("business id bytes"));
        }
        Ok(())
    }

    fn intern(&mut self, id: &str, province: u8) -> u32 {
        let h = self.name_hasher.hash_one(id);
        let known = match self.name_index.get(&h) {
            Some(slot) if self.slot_holds(slot, id) => Some(slot.ix),
            Some(_) => self.name_collisions.get(id).copied(),
            None => None,
        };
        if let Some(ix) = known {
            self.businesses[ix as usize].province = province;
            return ix;
        }
        let ix = self.businesses.len() as u32;
        self.businesses.push(Business {
            province,
            ..Business::default()
        });
        self.name_arena.push_str(id);
        self.name_end.push(self.name_arena.len() as u32);
        self.delta.push(Vec::new());
        match self.name_index.entry(h) {
            Entry::Vacant(v) => {
                v.insert(NameSlot::new(id, ix));
            }
            Entry::Occupied(_) => {
                self.name_collisions.insert(id.into(), ix);
            }
        }
        ix
    }

    fn lookup(&self, id: &str) -> Option<u32> {
        let h = self.name_hasher.hash_one(id);
        match self.name_index.get(&h) {
            Some(slot) if self.slot_holds(slot, id) => Some(slot.ix),
            Some(_) => self.name_collisions.get(id).copied(),
            None => None,
        }
    }

    /// Whether the slot found by `id`'s hash is `id`'s: compared in the slot itself for short
    /// ids (no second memory access), against the arena for long ones.
    fn slot_holds(&self, slot: &NameSlot, id: &str) -> bool {
        let len = usize::from(slot.len);
        if len <= NAME_INLINE {
            slot.name.get(..len) == Some(id.as_bytes())
        } else {
            self.name(slot.ix) == id
        }
    }

    fn name(&self, ix: u32) -> &str {
        span(&self.name_arena, &self.name_end, ix)
    }

    fn deal_id(&self, ix: u32) -> &str {
        span(&self.deal_ids, &self.deal_id_end, ix)
    }

    fn business(&self, ix: u32) -> &Business {
        &self.businesses[ix as usize]
    }

    fn tie(&self, pid: u32) -> &Tie {
        &self.ties[pid as usize]
    }

    fn is_tie(&self, pid: u32) -> bool {
        self.tie_bits
            .get(pid as usize / 64)
            .is_some_and(|w| w & (1 << (pid % 64)) != 0)
    }

    fn base_row(&self, a: u32) -> (&[u32], &[u32]) {
        if (a as usize) < self.base.node_count() {
            (self.base.neighbors_slice(a), self.base.edges_slice(a))
        } else {
            (&[], &[])
        }
    }

    fn delta_row(&self, a: u32) -> &[(u32, u32)] {
        self.delta.get(a as usize).map_or(&[], |d| d.as_slice())
    }

    /// All of `a`'s partners, failed-only ones included, in increasing index order.
    fn partners(&self, a: u32) -> Partners<'_> {
        let (base, base_pairs) = self.base_row(a);
        Partners {
            base,
            base_pairs,
            delta: self.delta_row(a),
            i: 0,
            j: 0,
        }
    }

    /// `a`'s partners with a completed or MoU deal, in increasing index order.
    fn tie_partners(&self, a: u32) -> Vec<u32> {
        self.partners(a)
            .filter(|&(_, pid)| self.is_tie(pid))
            .map(|(z, _)| z)
            .collect()
    }

    fn partner_count(&self, a: u32) -> usize {
        self.base_row(a).0.len() + self.delta_row(a).len()
    }

    /// The pair id of `a` and `b`: a binary search in the shorter partner list.
    fn pair(&self, a: u32, b: u32) -> Option<u32> {
        let (x, y) = if self.partner_count(a) <= self.partner_count(b) {
            (a, b)
        } else {
            (b, a)
        };
        let (base, pairs) = self.base_row(x);
        if let Ok(i) = base.binary_search(&y) {
            return Some(pairs[i]);
        }
        let d = self.delta_row(x);
        d.binary_search_by_key(&y, |e| e.0).ok().map(|i| d[i].1)
    }

    fn new_pair(&mut self, lo: u32, hi: u32) -> u32 {
        let pid = self.ties.len() as u32;
        self.ties.push(Tie::default());
        if self.tie_bits.len() * 64 < self.ties.len() {
            self.tie_bits.push(0);
        }
        for (a, z) in [(lo, hi), (hi, lo)] {
            let row = &mut self.delta[a as usize];
            let at = row.partition_point(|e| e.0 < z);
            row.insert(at, (z, pid));
        }
        self.delta_pairs += 1;
        pid
    }

    /// Appends the deal's own record (its pair list link is set by `record`).
    fn push_deal(&mut self, d: &DealEdge, seller_is_lo: bool) -> u32 {
        let ix = self.deal_day.len() as u32;
        self.deal_prev.push(NO_DEAL);
        self.deal_day.push(d.day);
        self.deal_flags
            .push(d.status.code() | if seller_is_lo { SELLER_IS_LO } else { 0 });
        self.deal_ids.push_str(&d.id);
        self.deal_id_end.push(self.deal_ids.len() as u32);
        ix
    }

    fn note_flows_and_day(&mut self, d: &DealEdge) {
        if d.status == Status::Completed {
            self.flows.record(
                usize::from(d.seller_province),
                usize::from(d.buyer_province),
                usize::from(d.commodity),
                d.value_idr,
            );
        }
        self.newest_day = Some(self.newest_day.map_or(d.day, |n| n.max(d.day)));
    }

    /// Folds deal `ix` into its pair's aggregates and the two businesses' ones.
    fn record(&mut self, pid: u32, lo: u32, hi: u32, ix: u32, status: Status, value: f64) {
        let day = self.deal_day[ix as usize];
        let seller_is_lo = self.deal_flags[ix as usize] & SELLER_IS_LO != 0;
        let w = self.weight_at_reference(day);
        let tie = &mut self.ties[pid as usize];
        let was_tie = tie.is_tie();
        let (sold_bit, completed_bit) = if seller_is_lo {
            (LO_SOLD, LO_SOLD_COMPLETED)
        } else {
            (HI_SOLD, HI_SOLD_COMPLETED)
        };
        let first_completed_sale = status == Status::Completed && tie.flags & completed_bit == 0;
        tie.flags |= sold_bit;
        tie.last_day = tie.last_day.max(day);
        match status {
            Status::Completed => {
                tie.completed = tie.completed.saturating_add(1);
                tie.value_completed += value;
                tie.k_completed += w as f32;
                tie.kv_completed += (w * value) as f32;
                tie.last_completed_day = tie.last_completed_day.max(day);
                tie.flags |= completed_bit;
            }
            Status::Failed => {
                tie.failed = tie.failed.saturating_add(1);
                tie.k_failed += w as f32;
            }
            Status::Mou => {
                tie.mou = tie.mou.saturating_add(1);
                tie.value_mou += value;
                tie.k_mou += w as f32;
            }
        }
        self.deal_prev[ix as usize] = std::mem::replace(&mut tie.head, ix);
        if !was_tie && tie.is_tie() {
            self.businesses[lo as usize].ties += 1;
            self.businesses[hi as usize].ties += 1;
        }
        let seller = &mut self.businesses[if seller_is_lo { lo } else { hi } as usize];
        match status {
            Status::Completed => seller.sold_completed = seller.sold_completed.saturating_add(1),
            Status::Failed => seller.sold_failed = seller.sold_failed.saturating_add(1),
            Status::Mou => seller.sold_mou = seller.sold_mou.saturating_add(1),
        }
        if first_completed_sale {
            seller.completed_buyers += 1;
        }
    }

    fn exponent(&self, day: i32) -> f64 {
        ((f64::from(day) - f64::from(REFERENCE_DAY)) / self.config.half_life_days)
            .clamp(-MAX_HALF_LIVES, MAX_HALF_LIVES)
    }

    /// A deal's weight in the reference-day sums.
    fn weight_at_reference(&self, day: i32) -> f64 {
        self.exponent(day).exp2()
    }

    /// Turns a reference-day sum into one decayed to `today`.
    fn decay_to(&self, today: i32) -> f64 {
        (-self.exponent(today)).exp2()
    }

    // -- compaction ---------------------------------------------------------------------------

    /// Pairs created since the last compaction.
    pub fn uncompacted_pairs(&self) -> usize {
        self.delta_pairs
    }

    /// Folds the pairs created since the last compaction into the contiguous partner rows
    /// (O(pairs), sequential). Answers do not change; look-ups get faster. Done by
    /// [`DealGraph::build`] and [`DealGraph::refresh_centrality`].
    pub fn compact(&mut self) {
        if self.delta_pairs == 0 && self.base.node_count() == self.businesses.len() {
            return;
        }
        let mut rows: Vec<(u32, u32, u32)> = Vec::with_capacity(2 * self.ties.len());
        for a in 0..self.businesses.len() as u32 {
            rows.extend(self.partners(a).map(|(z, pid)| (a, z, pid)));
        }
        self.install_base(&rows);
    }

    /// `rows` sorted by (business, partner), both ways round.
    fn install_base(&mut self, rows: &[(u32, u32, u32)]) {
        // Rows come sorted and unique by construction; if not, keep what we have.
        let Ok(mut base) = Base::from_sorted_edges(rows) else {
            debug_assert!(false, "partner rows out of order");
            return;
        };
        while base.node_count() < self.businesses.len() {
            base.add_node(());
        }
        self.base = base;
        for d in &mut self.delta {
            *d = Vec::new();
        }
        self.delta_pairs = 0;
    }

    // -- province level -----------------------------------------------------------------------

    /// Completed trade between provinces and by commodity.
    pub fn province_flows(&self) -> &ProvinceFlows {
        &self.flows
    }

    /// [`ProvinceFlows::rca`].
    pub fn rca_from_deals(&self, province: usize, commodity: usize) -> Option<f64> {
        self.flows.rca(province, commodity)
    }

    /// [`ProvinceFlows::complementarity`].
    pub fn complementarity(&self, seller_province: usize, buyer_province: usize) -> Option<f64> {
        self.flows.complementarity(seller_province, buyer_province)
    }

    // -- signals ------------------------------------------------------------------------------

    /// What the network says about `buyer` buying from `seller`, decayed to `today`. Unknown
    /// businesses (and a business paired with itself) get empty signals. Provinces are the
    /// ones the graph knows, so a business without deals has no province tie here; see
    /// [`DealGraph::buyer_context`] to supply provinces.
    pub fn signals(&self, buyer: &str, seller: &str, today: i32) -> Signals {
        let party = |id: &str| {
            let ix = self.lookup(id);
            Party {
                ix,
                province: ix.map(|i| self.business(i).province),
            }
        };
        self.signals_of(party(buyer), party(seller), None, today)
    }

    /// The weighted part of the relationship feature that depends on the seller alone
    /// (track record, breadth of buyers, centrality). For a buyer with no pair-specific
    /// evidence about this seller (no deal between them, no partner in common), the feature
    /// is `seller_prior + province_part`; see [`DealGraph::neighbourhood`].
    pub fn seller_prior(&self, seller: &str, today: i32) -> f64 {
        self.prior_of(self.lookup(seller), today)
    }

    /// Every business with its province (as [`DealGraph::businesses`]) and its
    /// [`DealGraph::seller_prior`], without looking the ids up.
    pub fn seller_priors(&self, today: i32) -> impl Iterator<Item = (&str, u8, f64)> + '_ {
        self.businesses()
            .enumerate()
            .map(move |(ix, (id, province))| (id, province, self.prior_of(Some(ix as u32), today)))
    }

    fn prior_of(&self, seller: Option<u32>, today: i32) -> f64 {
        let nobody = Party {
            ix: None,
            province: None,
        };
        let seller = Party {
            ix: seller,
            province: None,
        };
        let p = self.signals_of(nobody, seller, None, today).parts();
        W_TRACK * p.track + W_BREADTH * p.breadth + W_CENTRALITY * p.centrality
    }

    /// The weighted province part of the relationship feature: the seller province's share
    /// of the buyer province's purchases.
    pub fn province_part(&self, seller_province: u8, buyer_province: u8) -> f64 {
        W_PROVINCE
            * self
                .province_tie(Some(buyer_province), Some(seller_province))
                .share
                .clamp(0.0, 1.0)
    }

    /// The businesses whose pair with `id` has evidence of its own: every partner (failed
    /// deals included, since they lower the feature) and every tie partner of a tie partner
    /// (partners in common). At most `cap` of them, partners first; `id` itself excluded.
    pub fn neighbourhood(&self, id: &str, cap: usize) -> Vec<&str> {
        let Some(a) = self.lookup(id) else {
            return Vec::new();
        };
        let mut seen: HashSet<u32> = HashSet::new();
        let mut out = Vec::new();
        for (z, _) in self.partners(a) {
            if out.len() >= cap {
                return out;
            }
            if seen.insert(z) {
                out.push(self.name(z));
            }
        }
        for z in self.tie_partners(a) {
            for y in self.tie_partners(z) {
                if out.len() >= cap {
                    return out;
                }
                if y != a && seen.insert(y) {
                    out.push(self.name(y));
                }
            }
        }
        out
    }

    /// Precomputes the buyer's side (its sorted partners) for many
    /// [`BuyerContext::signals`] calls. `province` supplies or overrides the buyer's province.
    pub fn buyer_context(&self, buyer: &str, province: Option<u8>) -> BuyerContext<'_> {
        let ix = self.lookup(buyer);
        BuyerContext {
            graph: self,
            buyer: Party {
                ix,
                province: province.or_else(|| ix.map(|i| self.business(i).province)),
            },
            partners: ix.map(|b| self.tie_partners(b)).unwrap_or_default(),
        }
    }

    /// [`DealGraph::signals`] for one buyer and many sellers; the same answers, cheaper.
    pub fn signals_for_seller_batch(
        &self,
        buyer: &str,
        sellers: &[&str],
        today: i32,
    ) -> Vec<Signals> {
        let cx = self.buyer_context(buyer, None);
        sellers.iter().map(|s| cx.signals(s, None, today)).collect()
    }

    fn signals_of(
        &self,
        buyer: Party,
        seller: Party,
        buyer_partners: Option<&[u32]>,
        today: i32,
    ) -> Signals {
        let mut out = Signals {
            buyer_known: buyer.ix.is_some(),
            seller_known: seller.ix.is_some(),
            ..Signals::default()
        };
        if let (Some(b), Some(s)) = (buyer.ix, seller.ix)
            && b == s
        {
            return out;
        }
        out.provinces = self.province_tie(buyer.province, seller.province);
        if let Some(s) = seller.ix {
            out.seller = TrackRecord::of(self.business(s));
            out.seller_centrality = self.percentile(s);
        }
        if let Some(b) = buyer.ix {
            out.buyer_centrality = self.percentile(b);
        }
        let (Some(b), Some(s)) = (buyer.ix, seller.ix) else {
            return out;
        };
        let pair = self.pair(b, s);
        if let Some(pid) = pair {
            out.direct = self.direct(self.tie(pid), today);
        }
        out.common = self.common_partners(b, s, pair, buyer_partners);
        out
    }

    fn direct(&self, t: &Tie, today: i32) -> DirectTies {
        let k = self.decay_to(today);
        let day = |d: i32| (d != NO_DAY).then_some(d);
        DirectTies {
            completed: t.completed,
            failed: t.failed,
            mou: t.mou,
            completed_decayed: f64::from(t.k_completed) * k,
            failed_decayed: f64::from(t.k_failed) * k,
            mou_decayed: f64::from(t.k_mou) * k,
            value_idr: t.value_completed,
            value_decayed: f64::from(t.kv_completed) * k,
            last_completed_day: day(t.last_completed_day),
            last_day: day(t.last_day),
        }
    }

    fn province_tie(&self, buyer: Option<u8>, seller: Option<u8>) -> ProvinceTie {
        let mut out = ProvinceTie {
            seller_province: seller,
            buyer_province: buyer,
            ..ProvinceTie::default()
        };
        if let (Some(bp), Some(sp)) = (buyer, seller) {
            let (bp, sp) = (usize::from(bp), usize::from(sp));
            out.value_idr = self.flows.flow(sp, bp);
            let all = self.flows.purchases(bp);
            if all > 0.0 {
                out.share = (out.value_idr / all).clamp(0.0, 1.0);
            }
        }
        out
    }

    fn percentile(&self, ix: u32) -> f64 {
        self.centrality
            .percentile
            .get(ix as usize)
            .map_or(0.0, |&p| f64::from(p))
    }

    /// Partners in common: walk the side with fewer ties in increasing index order and gallop
    /// through the other side's sorted list. Degrees leave out the pair itself, so a new deal
    /// between the two never changes which side is walked nor what is found; when both sides
    /// have more than [`Config::common_scan_limit`] ties, only that many of the walked side's
    /// (the smallest indices) are examined.
    fn common_partners(
        &self,
        b: u32,
        s: u32,
        pair: Option<u32>,
        buyer_partners: Option<&[u32]>,
    ) -> CommonPartners {
        let minus = u32::from(pair.is_some_and(|p| self.is_tie(p)));
        let deg_b = self.business(b).ties.saturating_sub(minus) as usize;
        let deg_s = self.business(s).ties.saturating_sub(minus) as usize;
        if deg_b == 0 || deg_s == 0 {
            return CommonPartners::default();
        }
        let limit = self.config.common_scan_limit;
        let mut out = CommonPartners {
            truncated: deg_b.min(deg_s) > limit,
            ..CommonPartners::default()
        };
        let owned;
        let mine: &[u32] = match buyer_partners {
            Some(p) => p,
            None => {
                owned = self.tie_partners(b);
                &owned
            }
        };
        if deg_b <= deg_s {
            let (base, base_pairs) = self.base_row(s);
            let delta = self.delta_row(s);
            let (mut i, mut j) = (0, 0);
            for &z in mine.iter().filter(|&&z| z != s).take(limit) {
                i = seek(base, i, z, |&x| x);
                let pid = if base.get(i) == Some(&z) {
                    Some(base_pairs[i])
                } else {
                    j = seek(delta, j, z, |e| e.0);
                    delta.get(j).filter(|e| e.0 == z).map(|e| e.1)
                };
                if let Some(pid) = pid.filter(|&p| self.is_tie(p)) {
                    self.count_common(&mut out, z, s, pid);
                }
            }
        } else {
            let mut k = 0;
            let theirs = self
                .partners(s)
                .filter(|&(z, pid)| z != b && self.is_tie(pid))
                .take(limit);
            for (z, pid) in theirs {
                k = seek(mine, k, z, |&x| x);
                if mine.get(k) == Some(&z) {
                    self.count_common(&mut out, z, s, pid);
                }
            }
        }
        out
    }

    fn count_common(&self, out: &mut CommonPartners, z: u32, s: u32, pid: u32) {
        out.common += 1;
        let deg = self.business(z).ties;
        if deg > 1 {
            out.adamic_adar += 1.0 / f64::from(deg).ln();
        }
        if self.tie(pid).sold_completed(s < z) {
            out.bought_from_seller += 1;
        }
    }

    // -- centrality ---------------------------------------------------------------------------

    /// True when more than [`Config::stale_fraction`] of the deals arrived after the snapshot
    /// (or there was none).
    pub fn centrality_is_stale(&self) -> bool {
        let (now, then) = (self.deal_count(), self.centrality.deals);
        now > then && (then == 0 || (now - then) as f64 > self.config.stale_fraction * then as f64)
    }

    /// PageRank of the tie graph by power iteration on a contiguous copy of the ties. Needs
    /// only `&self`, so the engine can compute it under a read lock and swap it in with
    /// [`DealGraph::set_centrality`].
    pub fn compute_centrality(&self) -> Centrality {
        let n = self.businesses.len();
        if n == 0 {
            return Centrality {
                deals: self.deal_count(),
                ..Centrality::default()
            };
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets: Vec<u32> = Vec::with_capacity(2 * self.ties.len());
        offsets.push(0usize);
        for a in 0..n as u32 {
            targets.extend(
                self.partners(a)
                    .filter(|&(_, pid)| self.is_tie(pid))
                    .map(|(z, _)| z),
            );
            offsets.push(targets.len());
        }
        let d = self.config.damping.clamp(0.0, 1.0);
        let nf = n as f64;
        let mut rank = vec![1.0 / nf; n];
        let mut next = vec![0.0; n];
        let mut share = vec![0.0; n];
        let mut iterations = 0;
        for _ in 0..self.config.pagerank_max_iterations {
            iterations += 1;
            let mut dangling = 0.0;
            for v in 0..n {
                let deg = offsets[v + 1] - offsets[v];
                if deg == 0 {
                    dangling += rank[v];
                    share[v] = 0.0;
                } else {
                    share[v] = rank[v] / deg as f64;
                }
            }
            let base = (1.0 - d) / nf + d * dangling / nf;
            let mut change = 0.0;
            for v in 0..n {
                let sum: f64 = targets[offsets[v]..offsets[v + 1]]
                    .iter()
                    .map(|&u| share[u as usize])
                    .sum();
                next[v] = base + d * sum;
                change += (next[v] - rank[v]).abs();
            }
            std::mem::swap(&mut rank, &mut next);
            if change < self.config.pagerank_tolerance {
                break;
            }
        }
        // Mid-rank percentiles among businesses with ties.
        let mut order: Vec<u32> = (0..n)
            .filter(|&v| offsets[v + 1] > offsets[v])
            .map(|v| v as u32)
            .collect();
        order.sort_unstable_by(|&a, &b| rank[a as usize].total_cmp(&rank[b as usize]));
        let mut percentile = vec![0.0f32; n];
        let m = order.len();
        let mut i = 0;
        while i < m {
            let r = rank[order[i] as usize];
            let mut j = i + 1;
            while j < m && rank[order[j] as usize] == r {
                j += 1;
            }
            let p = if m > 1 {
                (i as f64 + 0.5 * (j - i - 1) as f64) / (m - 1) as f64
            } else {
                1.0
            };
            for &v in &order[i..j] {
                percentile[v as usize] = p as f32;
            }
            i = j;
        }
        Centrality {
            pagerank: rank,
            percentile,
            iterations,
            deals: self.deal_count(),
        }
    }

    /// Installs a snapshot from [`DealGraph::compute_centrality`]; businesses that arrived
    /// after it have centrality 0 until the next one.
    pub fn set_centrality(&mut self, centrality: Centrality) {
        self.centrality = centrality;
    }

    /// The periodic upkeep: [`DealGraph::compact`], then a new centrality snapshot.
    pub fn refresh_centrality(&mut self) {
        self.compact();
        let c = self.compute_centrality();
        self.set_centrality(c);
    }

    pub fn centrality(&self) -> &Centrality {
        &self.centrality
    }

    /// The business's PageRank in the current snapshot.
    pub fn pagerank(&self, business: &str) -> Option<f64> {
        let ix = self.lookup(business)?;
        Some(
            self.centrality
                .pagerank
                .get(ix as usize)
                .copied()
                .unwrap_or(0.0),
        )
    }

    // -- introductions ------------------------------------------------------------------------

    /// A warm introduction from `from` to `to`: the path through ties with the fewest hops
    /// (at most `max_hops`), and among those the one with the least Σ 1/strength. `None` when
    /// either business is unknown or no such path exists; `from == to` gives an empty path.
    ///
    /// Bidirectional breadth-first search, one whole layer at a time from the side whose
    /// frontier has fewer ties, carrying the best cost to each node; the first layer that
    /// meets the other side fixes the length, and the best meeting node the path. Exact, and
    /// on a power-law graph it touches about two layers on each side.
    pub fn intro(&self, from: &str, to: &str, max_hops: usize) -> Option<IntroPath> {
        let f = self.lookup(from)?;
        let t = self.lookup(to)?;
        let as_of_day = self.newest_day;
        if f == t {
            return Some(IntroPath {
                hops: Vec::new(),
                cost: 0.0,
                as_of_day,
            });
        }
        let mut fw = Search::new(f, self.hasher);
        let mut bw = Search::new(t, self.hasher);
        loop {
            if fw.depth + bw.depth >= max_hops || fw.frontier.is_empty() || bw.frontier.is_empty() {
                return None;
            }
            let forward = fw.frontier_ties(self) <= bw.frontier_ties(self);
            let (this, other) = if forward {
                (&mut fw, &bw)
            } else {
                (&mut bw, &fw)
            };
            this.expand(self);
            let mut best: Option<(u32, f64, u32)> = None;
            for &v in &this.frontier {
                let (Some(a), Some(o)) = (this.visits.get(&v), other.visits.get(&v)) else {
                    continue;
                };
                let cand = (a.depth + o.depth, a.cost + o.cost, v);
                if best.is_none_or(|b| cand < b) {
                    best = Some(cand);
                }
            }
            if let Some((_, _, meet)) = best {
                return self.intro_path(&fw, &bw, f, t, meet);
            }
        }
    }

    fn intro_path(
        &self,
        fw: &Search,
        bw: &Search,
        from: u32,
        to: u32,
        meet: u32,
    ) -> Option<IntroPath> {
        let mut steps: Vec<(u32, u32, u32)> = Vec::new();
        let mut v = meet;
        while v != from {
            let visit = fw.visits.get(&v)?;
            steps.push((visit.parent, v, visit.pair));
            v = visit.parent;
        }
        steps.reverse();
        let mut v = meet;
        while v != to {
            let visit = bw.visits.get(&v)?;
            steps.push((v, visit.parent, visit.pair));
            v = visit.parent;
        }
        let k = self.newest_day.map_or(1.0, |d| self.decay_to(d));
        let hops: Vec<Hop> = steps
            .into_iter()
            .map(|(a, b, pid)| self.hop(a, b, pid, k))
            .collect();
        let cost = hops.iter().map(|h| 1.0 / h.strength).sum();
        Some(IntroPath {
            hops,
            cost,
            as_of_day: self.newest_day,
        })
    }

    fn hop(&self, a: u32, b: u32, pid: u32, decay: f64) -> Hop {
        let t = self.tie(pid);
        let mut deals: Vec<(i32, u32)> = Vec::new();
        let mut ix = t.head;
        while ix != NO_DEAL {
            let i = ix as usize;
            if Status::from_code(self.deal_flags[i]) != Status::Failed {
                deals.push((self.deal_day[i], ix));
            }
            ix = self.deal_prev[i];
        }
        deals.sort_unstable_by(|x, y| y.cmp(x));
        deals.truncate(self.config.hop_deal_ids);
        Hop {
            from: self.name(a).to_string(),
            to: self.name(b).to_string(),
            role: t.role_of(a < b),
            deals: deals
                .into_iter()
                .map(|(_, i)| self.deal_id(i).to_string())
                .collect(),
            completed: t.completed,
            mou: t.mou,
            value_idr: t.value_completed,
            last_day: t.last_day,
            strength: t.strength_at_reference() * decay,
        }
    }

    // -- network view -------------------------------------------------------------------------

    /// A business's partners (the `limit` biggest by completed value), the provinces it trades
    /// with and its totals. `None` for an unknown business.
    pub fn network(&self, business: &str, limit: usize) -> Option<Network> {
        let ix = self.lookup(business)?;
        let me = self.business(ix);
        let mut partners = Vec::new();
        let mut by_province: Vec<(u32, u32, f64)> = vec![(0, 0, 0.0); self.provinces];
        let mut totals = NetworkTotals {
            partners: 0,
            ties: 0,
            completed: 0,
            failed: 0,
            mou: 0,
            value_idr: 0.0,
            mou_value_idr: 0.0,
            last_day: None,
            as_seller: TrackRecord::of(me),
            pagerank: self
                .centrality
                .pagerank
                .get(ix as usize)
                .copied()
                .unwrap_or(0.0),
            centrality: self.percentile(ix),
        };
        for (z, pid) in self.partners(ix) {
            let t = self.tie(pid);
            let province = self.business(z).province;
            totals.partners += 1;
            totals.ties += u32::from(t.is_tie());
            totals.completed += t.completed;
            totals.failed += t.failed;
            totals.mou += t.mou;
            totals.value_idr += t.value_completed;
            totals.mou_value_idr += t.value_mou;
            totals.last_day = Some(totals.last_day.map_or(t.last_day, |d| d.max(t.last_day)));
            if let Some(p) = by_province.get_mut(usize::from(province)) {
                p.0 += 1;
                p.1 += t.completed + t.failed + t.mou;
                p.2 += t.value_completed;
            }
            partners.push(Partner {
                id: self.name(z).to_string(),
                province,
                role: t.role_of(ix < z),
                completed: t.completed,
                failed: t.failed,
                mou: t.mou,
                value_idr: t.value_completed,
                mou_value_idr: t.value_mou,
                last_day: t.last_day,
            });
        }
        let order = |a: &Partner, b: &Partner| {
            b.value_idr
                .total_cmp(&a.value_idr)
                .then(b.mou_value_idr.total_cmp(&a.mou_value_idr))
                .then((b.completed + b.mou + b.failed).cmp(&(a.completed + a.mou + a.failed)))
                .then_with(|| a.id.cmp(&b.id))
        };
        if limit < partners.len() {
            if limit > 0 {
                partners.select_nth_unstable_by(limit - 1, order);
            }
            partners.truncate(limit);
        }
        partners.sort_unstable_by(order);
        let mut provinces: Vec<ProvinceTrade> = by_province
            .into_iter()
            .enumerate()
            .filter(|(_, p)| p.0 > 0)
            .map(|(i, (partners, deals, value_idr))| ProvinceTrade {
                province: i as u8,
                partners,
                deals,
                value_idr,
            })
            .collect();
        provinces.sort_by(|a, b| {
            b.value_idr
                .total_cmp(&a.value_idr)
                .then(b.deals.cmp(&a.deals))
                .then(a.province.cmp(&b.province))
        });
        Some(Network {
            id: self.name(ix).to_string(),
            province: me.province,
            partners,
            provinces,
            totals,
        })
    }

    // -- accounting ---------------------------------------------------------------------------

    /// Estimated heap bytes, from capacities (hash tables by their bucket counts).
    pub fn memory(&self) -> MemoryUse {
        use std::mem::size_of;
        let buckets = |cap: usize| {
            if cap == 0 {
                0
            } else {
                (cap * 8 / 7).next_power_of_two()
            }
        };
        let rows = self.base.edge_count() * 8 + (self.base.node_count() + 1) * 8;
        let delta: usize = self.delta.capacity() * size_of::<Vec<(u32, u32)>>()
            + self.delta.iter().map(|d| d.capacity() * 8).sum::<usize>();
        let graph = self.ties.capacity() * size_of::<Tie>()
            + self.tie_bits.capacity() * 8
            + rows
            + delta
            + self.businesses.capacity() * size_of::<Business>();
        let names = self.name_arena.capacity()
            + self.name_end.capacity() * 4
            + buckets(self.name_index.capacity()) * (size_of::<(u64, NameSlot)>() + 1)
            + buckets(self.name_collisions.capacity()) * (size_of::<(Box<str>, u32)>() + 1);
        let deals = self.deal_prev.capacity() * 4
            + self.deal_day.capacity() * 4
            + self.deal_flags.capacity()
            + self.deal_id_end.capacity() * 4
            + self.deal_ids.capacity();
        let other = 8
            * (self.flows.flow.len()
                + self.flows.sold.len()
                + self.flows.bought.len()
                + 4 * self.provinces
                + self.commodities)
            + self.centrality.pagerank.capacity() * 8
            + self.centrality.percentile.capacity() * 4;
        MemoryUse {
            graph,
            names,
            deals,
            other,
            total: graph + names + deals + other,
        }
    }
}

/// [`DealGraph::add`] compacts once this many pairs, and 1/8 of all, are new since the last
/// compaction.
const COMPACT_MIN: usize = 4096;

/// Indices stay below `u32::MAX`, the `NO_DEAL` sentinel.
const LIMIT: usize = (u32::MAX - 2) as usize;

/// Entry `ix` of an arena of strings laid end to end.
fn span<'a>(arena: &'a str, ends: &[u32], ix: u32) -> &'a str {
    let i = ix as usize;
    let end = ends.get(i).copied().unwrap_or(0) as usize;
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0) as usize
    };
    arena.get(start..end).unwrap_or("")
}

/// The buyer's side of many signals calls, computed once: its partners, sorted.
pub struct BuyerContext<'g> {
    graph: &'g DealGraph,
    buyer: Party,
    partners: Vec<u32>,
}

impl BuyerContext<'_> {
    /// Signals for buying from `seller`; `seller_province` supplies or overrides its province.
    pub fn signals(&self, seller: &str, seller_province: Option<u8>, today: i32) -> Signals {
        let g = self.graph;
        let ix = g.lookup(seller);
        let seller = Party {
            ix,
            province: seller_province.or_else(|| ix.map(|i| g.business(i).province)),
        };
        g.signals_of(self.buyer, seller, Some(&self.partners), today)
    }
}

#[derive(Debug, Clone, Copy)]
struct Visit {
    depth: u32,
    cost: f64,
    parent: u32,
    pair: u32,
}

/// One side of the bidirectional introduction search.
struct Search {
    visits: HashMap<u32, Visit, MixState>,
    frontier: Vec<u32>,
    depth: usize,
}

impl Search {
    fn new(start: u32, hasher: MixState) -> Search {
        let mut visits = HashMap::with_hasher(hasher);
        visits.insert(
            start,
            Visit {
                depth: 0,
                cost: 0.0,
                parent: start,
                pair: NO_DEAL,
            },
        );
        Search {
            visits,
            frontier: vec![start],
            depth: 0,
        }
    }

    fn frontier_ties(&self, g: &DealGraph) -> u64 {
        self.frontier
            .iter()
            .map(|&v| u64::from(g.business(v).ties))
            .sum()
    }

    /// Visits the next layer whole, keeping for each new node its cheapest parent.
    fn expand(&mut self, g: &DealGraph) {
        let depth = self.depth as u32 + 1;
        let mut next = Vec::new();
        for &u in &self.frontier {
            let Some(cu) = self.visits.get(&u).map(|v| v.cost) else {
                continue;
            };
            for (v, pid) in g.partners(u) {
                if !g.is_tie(pid) {
                    continue;
                }
                let strength = g.tie(pid).strength_at_reference();
                if strength <= 0.0 {
                    continue;
                }
                let visit = Visit {
                    depth,
                    cost: cu + 1.0 / strength,
                    parent: u,
                    pair: pid,
                };
                match self.visits.entry(v) {
                    Entry::Vacant(slot) => {
                        slot.insert(visit);
                        next.push(v);
                    }
                    Entry::Occupied(mut slot) => {
                        let old = slot.get_mut();
                        if old.depth == depth && visit.cost < old.cost {
                            *old = visit;
                        }
                    }
                }
            }
        }
        self.frontier = next;
        self.depth += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: i32 = 20_000;

    /// A completed deal of Rp 1 m today, `buyer` (province 0) buying from `seller` (province 1).
    fn deal(id: &str, buyer: &str, seller: &str) -> DealEdge {
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
            status: Status::Completed,
        }
    }

    fn graph(deals: Vec<DealEdge>) -> DealGraph {
        let mut g = DealGraph::new(4, 2);
        for d in deals {
            g.add(d).unwrap();
        }
        g
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * (1.0 + b.abs())
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr) => {{
            let (a, b) = ($a as f64, $b as f64);
            assert!(close(a, b), "{} = {a}, expected {b}", stringify!($a));
        }};
    }

    #[test]
    fn direct_ties_decay_with_a_two_year_half_life() {
        let g = graph(vec![
            DealEdge {
                value_idr: 100e6,
                day: TODAY - 730,
                ..deal("d1", "a", "b")
            },
            DealEdge {
                value_idr: 300e6,
                ..deal("d2", "a", "b")
            },
            DealEdge {
                day: TODAY - 1460,
                status: Status::Failed,
                ..deal("d3", "a", "b")
            },
            // The other direction counts too.
            DealEdge {
                value_idr: 50e6,
                day: TODAY - 365,
                status: Status::Mou,
                buyer_province: 1,
                seller_province: 0,
                ..deal("d4", "b", "a")
            },
        ]);
        let s = g.signals("a", "b", TODAY);
        let d = &s.direct;
        assert_eq!((d.completed, d.failed, d.mou), (2, 1, 1));
        assert_close!(d.completed_decayed, 1.5);
        assert_close!(d.failed_decayed, 0.25);
        assert_close!(d.mou_decayed, 0.5f64.sqrt());
        assert_close!(d.value_idr, 400e6);
        assert_close!(d.value_decayed, 100e6 * 0.5 + 300e6);
        assert_eq!(d.last_completed_day, Some(TODAY));
        assert_eq!(d.last_day, Some(TODAY));
        // Two years later everything weighs half.
        let later = g.signals("a", "b", TODAY + 730);
        assert_close!(later.direct.completed_decayed, 0.75);
        assert_close!(later.direct.failed_decayed, 0.125);
        // Either order of the pair sees the same direct ties.
        assert_eq!(g.signals("b", "a", TODAY).direct, s.direct);

        // The seller's record: 2 completed, 1 failed, to one buyer.
        assert_eq!(
            (s.seller.completed, s.seller.failed, s.seller.mou),
            (2, 1, 0)
        );
        assert_eq!(s.seller.distinct_buyers, 1);
        assert_close!(s.seller.reliability, 4.0 / 5.5);
        // Province 1 sold 400 m to province 0, all that province 0 bought.
        assert_close!(s.provinces.value_idr, 400e6);
        assert_close!(s.provinces.share, 1.0);

        let p = s.parts();
        assert_close!(p.direct, 1.0 - (-(1.5 + 0.5 * 0.5f64.sqrt())).exp2());
        assert_close!(p.penalty, 0.8);
        assert_eq!(p.track, 0.0, "a record below the prior earns nothing");
        assert_close!(p.breadth, 1.0 - (-0.1f64).exp2());
        assert_eq!((p.common, p.centrality), (0.0, 0.0));
        let expected = 0.8 * (0.4 * p.direct + 0.05 * p.breadth + 0.1);
        assert_close!(s.feature(), expected);
    }

    /// X buys from Y. Common ties: Z1 (deg 2; bought from Y), Z2 (deg 3; sold to Y), Z5 (deg 2;
    /// an MoU with Y). Z4 only failed with Y and Z3 knows only X: neither counts.
    fn common_partner_deals() -> Vec<DealEdge> {
        vec![
            deal("1", "z1", "y"),
            deal("2", "x", "z1"),
            deal("3", "y", "z2"),
            deal("4", "x", "z2"),
            deal("5", "w", "z2"),
            deal("6", "x", "z3"),
            deal("7", "x", "z4"),
            DealEdge {
                status: Status::Failed,
                ..deal("8", "z4", "y")
            },
            DealEdge {
                status: Status::Mou,
                ..deal("9", "z5", "y")
            },
            deal("10", "z5", "x"),
        ]
    }

    #[test]
    fn adamic_adar_counts_common_ties_by_hand() {
        let g = graph(common_partner_deals());
        let aa = 2.0 / 2f64.ln() + 1.0 / 3f64.ln();
        // Y has fewer ties than X: the seller's side is scanned.
        let s = g.signals("x", "y", TODAY);
        assert_close!(s.common.adamic_adar, aa);
        assert_eq!(s.common.common, 3);
        assert_eq!(
            s.common.bought_from_seller, 1,
            "only z1 completed a purchase from y"
        );
        assert!(!s.common.truncated);
        // The other way round the buyer's side is scanned; z5 is the one who bought from x.
        let r = g.signals("y", "x", TODAY);
        assert_close!(r.common.adamic_adar, aa);
        assert_eq!((r.common.common, r.common.bought_from_seller), (3, 1));
        // The batch call answers the same.
        assert_eq!(
            g.signals_for_seller_batch("x", &["y"], TODAY),
            vec![s.clone()]
        );
        assert_eq!(g.signals_for_seller_batch("y", &["x"], TODAY), vec![r]);
        assert_close!(s.parts().common, aa / (aa + 2.0));
    }

    #[test]
    fn common_partners_scan_is_bounded_for_hubs() {
        let mut g = DealGraph::with_config(
            4,
            2,
            Config {
                common_scan_limit: 1,
                ..Config::default()
            },
        );
        for d in common_partner_deals() {
            g.add(d).unwrap();
        }
        // z1 has the smallest index among y's ties, so it is the one examined.
        let s = g.signals("x", "y", TODAY);
        assert!(s.common.truncated);
        assert_eq!((s.common.common, s.common.bought_from_seller), (1, 1));
        assert_close!(s.common.adamic_adar, 1.0 / 2f64.ln());
        assert_eq!(g.signals_for_seller_batch("x", &["y"], TODAY), vec![s]);
    }

    #[test]
    fn track_record_is_smoothed_and_counts_buyers_with_completed_purchases() {
        let mut deals = vec![deal("only", "b0", "one")];
        for i in 0..14 {
            deals.push(deal(&format!("c{i}"), &format!("buyer{}", i % 9), "busy"));
        }
        deals.push(DealEdge {
            status: Status::Failed,
            ..deal("f", "buyer-who-failed", "busy")
        });
        deals.push(deal("as-buyer", "newcomer", "b0"));
        let g = graph(deals);
        let none = g.signals("b0", "newcomer", TODAY).seller;
        assert_close!(none.reliability, 0.8);
        let one = g.signals("b0", "one", TODAY);
        assert_close!(one.seller.reliability, 3.0 / 3.5);
        assert_close!(one.parts().track, (3.0 / 3.5 - 0.8) / 0.2);
        let busy = g.signals("x", "busy", TODAY).seller;
        assert_eq!(
            (busy.completed, busy.failed, busy.distinct_buyers),
            (14, 1, 9)
        );
        assert_close!(busy.reliability, 16.0 / 17.5);
        assert_eq!(
            g.signals("x", "busy", TODAY).reasons(Lang::En, &[]),
            vec!["Track record: 14 completed, 1 failed deals with 9 buyers"]
        );
        assert_eq!(
            g.signals("x", "busy", TODAY).reasons(Lang::Id, &[]),
            vec!["Rekam jejak: 14 transaksi selesai, 1 gagal, dengan 9 pembeli"]
        );
    }

    /// Completed flows (seller province → buyer province, commodity, value): 0→1 c0 60,
    /// 0→2 c1 20, 1→2 c1 40, 2→0 c0 30; inside province 0: c0 100; a failed 0→1 and an MoU
    /// 0→1 that do not count. Province 3 never trades.
    fn province_deals() -> Vec<DealEdge> {
        let flow = |id: &str, sp: u8, bp: u8, c: u16, v: f64| DealEdge {
            seller_province: sp,
            buyer_province: bp,
            commodity: c,
            value_idr: v,
            ..deal(
                id,
                &format!("buyer-{bp}-{id}"),
                &format!("seller-{sp}-{id}"),
            )
        };
        vec![
            flow("a", 0, 1, 0, 60.0),
            flow("b", 0, 2, 1, 20.0),
            flow("c", 1, 2, 1, 40.0),
            flow("d", 2, 0, 0, 30.0),
            flow("e", 0, 0, 0, 100.0),
            DealEdge {
                status: Status::Failed,
                ..flow("f", 0, 1, 0, 1000.0)
            },
            DealEdge {
                status: Status::Mou,
                ..flow("g", 0, 1, 1, 500.0)
            },
        ]
    }

    #[test]
    fn province_flows_count_completed_value() {
        let g = graph(province_deals());
        let f = g.province_flows();
        assert_eq!(f.flow(0, 1), 60.0);
        assert_eq!(
            f.flow(0, 0),
            100.0,
            "the diagonal holds trade inside a province"
        );
        assert_eq!(f.flow(2, 0), 30.0);
        assert_eq!(f.flow(1, 0), 0.0);
        assert_eq!(f.flow(9, 0), 0.0);
        assert_eq!(f.purchases(0), 130.0);
        assert_eq!(
            (f.sold(0, 0), f.sold(0, 1), f.sold_total(0)),
            (60.0, 20.0, 80.0)
        );
        assert_eq!((f.bought(2, 1), f.bought_total(2)), (60.0, 60.0));
        assert_eq!(
            f.bought_total(0),
            30.0,
            "inside-province trade is not an import"
        );
    }

    #[test]
    fn rca_from_deals_by_hand() {
        let g = graph(province_deals());
        // S[0] = (60, 20), S[1] = (0, 40), S[2] = (30, 0); S[all] = (90, 60), total 150.
        assert_close!(
            g.rca_from_deals(0, 0).unwrap(),
            (60.0 / 80.0) / (90.0 / 150.0)
        );
        assert_close!(g.rca_from_deals(0, 0).unwrap(), 1.25);
        assert_close!(g.rca_from_deals(1, 1).unwrap(), 2.5);
        assert_eq!(g.rca_from_deals(1, 0), Some(0.0));
        assert_close!(g.rca_from_deals(2, 0).unwrap(), 1.0 / 0.6);
        assert_eq!(g.rca_from_deals(3, 0), None, "province 3 sold nothing");
        assert_eq!(g.rca_from_deals(0, 7), None);
        assert_eq!(DealGraph::new(4, 2).rca_from_deals(0, 0), None);
    }

    #[test]
    fn michaely_complementarity_by_hand() {
        let g = graph(province_deals());
        // x[0] = (.75, .25); m[2] = (0, 1): Σ|m − x| = 1.5 → 25.
        assert_close!(g.complementarity(0, 2).unwrap(), 25.0);
        // x[1] = (0, 1) is exactly what province 2 imports.
        assert_close!(g.complementarity(1, 2).unwrap(), 100.0);
        // m[1] = (1, 0): Σ = .5 → 75.
        assert_close!(g.complementarity(0, 1).unwrap(), 75.0);
        assert_close!(g.complementarity(2, 2).unwrap(), 0.0);
        assert_close!(g.complementarity(2, 1).unwrap(), 100.0);
        assert_eq!(g.complementarity(3, 0), None);
        assert_eq!(g.complementarity(0, 3), None);
        assert_eq!(g.complementarity(0, 40), None);
    }

    #[test]
    fn pagerank_on_a_triangle_and_a_star() {
        let tri = DealGraph::build(
            4,
            2,
            vec![
                deal("1", "a", "b"),
                deal("2", "b", "c"),
                deal("3", "c", "a"),
            ],
        )
        .unwrap();
        for id in ["a", "b", "c"] {
            assert_close!(tri.pagerank(id).unwrap(), 1.0 / 3.0);
            assert_close!(tri.signals("x", id, TODAY).seller_centrality, 0.5);
        }
        // A star with 3 leaves: centre (1 + 3d) / (4 (1 + d)), leaves (1 − centre) / 3.
        let mut star = DealGraph::build(
            4,
            2,
            vec![
                deal("1", "l1", "c"),
                deal("2", "l2", "c"),
                deal("3", "c", "l3"),
                // A failed-only pair is no tie: its businesses dangle.
                DealEdge {
                    status: Status::Failed,
                    ..deal("4", "f1", "f2")
                },
            ],
        )
        .unwrap();
        let d = 0.85;
        // The two dangling businesses spread their rank over all 6.
        let n = 6.0;
        // With dangling mass δ shared evenly: c = t + d·3l, l = t + d·c/3, t = (1−d)/n + dδ/n,
        // δ = 2f, f = t. Solved numerically below; check the ratios and sum instead.
        let (c, l, f) = (
            star.pagerank("c").unwrap(),
            star.pagerank("l1").unwrap(),
            star.pagerank("f1").unwrap(),
        );
        assert_close!(c + 3.0 * l + 2.0 * f, 1.0);
        assert_close!(f, (1.0 - d) / n + d * 2.0 * f / n);
        assert_close!(l, f + d * c / 3.0);
        assert_close!(c, f + d * 3.0 * l);
        assert_eq!(star.signals("x", "c", TODAY).seller_centrality, 1.0);
        assert_close!(star.signals("x", "l2", TODAY).seller_centrality, 1.0 / 3.0);
        assert_eq!(star.signals("x", "f2", TODAY).seller_centrality, 0.0);
        assert!(star.centrality().iterations() > 1);
        // The plain star, no dangling nodes: the textbook values.
        let plain = DealGraph::build(
            4,
            2,
            vec![
                deal("1", "l1", "c"),
                deal("2", "l2", "c"),
                deal("3", "c", "l3"),
            ],
        )
        .unwrap();
        let centre = (1.0 + 3.0 * d) / (4.0 * (1.0 + d));
        assert_close!(plain.pagerank("c").unwrap(), centre);
        assert_close!(plain.pagerank("l3").unwrap(), (1.0 - centre) / 3.0);
        // Staleness: one more deal on top of four is more than 10 %.
        assert!(!star.centrality_is_stale());
        star.add(deal("5", "l4", "c")).unwrap();
        assert!(star.centrality_is_stale());
        star.refresh_centrality();
        assert!(!star.centrality_is_stale());
    }

    fn intro_graph() -> DealGraph {
        let mut deals = vec![
            // A–B–D: weak (one deal each).
            deal("ab", "a", "b"),
            deal("bd", "d", "b"),
            // A–C–D: strong (three deals each), equally short.
            DealEdge {
                day: TODAY - 2,
                ..deal("ca1", "a", "c")
            },
            DealEdge {
                day: TODAY - 1,
                ..deal("ca2", "a", "c")
            },
            deal("ca3", "a", "c"),
            deal("cd1", "d", "c"),
            deal("cd2", "d", "c"),
            deal("cd3", "d", "c"),
            DealEdge {
                status: Status::Failed,
                ..deal("cd-failed", "d", "c")
            },
            // I hangs off D.
            deal("di", "i", "d"),
            // G–H: an island. X–Y only ever failed.
            deal("gh", "g", "h"),
            DealEdge {
                status: Status::Failed,
                ..deal("xy", "x", "y")
            },
        ];
        // A–E–F–D: very strong but three hops.
        for (i, (b, s)) in [("a", "e"), ("e", "f"), ("f", "d")].into_iter().enumerate() {
            for k in 0..10 {
                deals.push(deal(&format!("long{i}-{k}"), b, s));
            }
        }
        graph(deals)
    }

    #[test]
    fn intro_takes_the_fewest_hops_then_the_strongest() {
        let g = intro_graph();
        let p = g.intro("a", "d", 4).unwrap();
        let path: Vec<(&str, &str)> = p
            .hops
            .iter()
            .map(|h| (h.from.as_str(), h.to.as_str()))
            .collect();
        assert_eq!(path, vec![("a", "c"), ("c", "d")]);
        let first = &p.hops[0];
        assert_eq!(first.role, Role::BoughtFrom);
        assert_eq!(first.deals, vec!["ca3", "ca2", "ca1"], "newest first");
        assert_eq!((first.completed, first.mou), (3, 0));
        assert_close!(first.value_idr, 3e6);
        let strength = 1.0 + (-1.0f64 / 730.0).exp2() + (-2.0f64 / 730.0).exp2();
        assert_close!(first.strength, strength);
        assert_eq!(p.hops[1].role, Role::SoldTo);
        assert_eq!(
            p.hops[1].deals,
            vec!["cd3", "cd2", "cd1"],
            "failed deals are left out"
        );
        assert_close!(p.cost, 1.0 / strength + 1.0 / 3.0);
        assert_eq!(p.as_of_day, Some(TODAY));
        // The reverse is the same path backwards.
        let back = g.intro("d", "a", 4).unwrap();
        let back_path: Vec<(&str, &str)> = back
            .hops
            .iter()
            .map(|h| (h.from.as_str(), h.to.as_str()))
            .collect();
        assert_eq!(back_path, vec![("d", "c"), ("c", "a")]);
    }

    #[test]
    fn intro_respects_max_hops_and_says_none_when_unconnected() {
        let g = intro_graph();
        assert!(g.intro("a", "d", 1).is_none());
        assert!(g.intro("a", "i", 2).is_none());
        let three = g.intro("a", "i", 3).unwrap();
        assert_eq!(three.hops.len(), 3);
        assert_eq!(three.hops[2].to, "i");
        assert!(g.intro("a", "g", 6).is_none(), "another island");
        assert!(g.intro("x", "y", 6).is_none(), "failed deals are no tie");
        assert!(
            g.intro("a", "nobody", 4).is_none(),
            "unknown → None (the caller says 404)"
        );
        let same = g.intro("a", "a", 4).unwrap();
        assert!(same.hops.is_empty() && same.cost == 0.0);
        assert_eq!(g.intro("g", "h", 1).unwrap().hops[0].deals, vec!["gh"]);
        assert!(g.intro("g", "h", 0).is_none());
    }

    #[test]
    fn network_view_lists_partners_by_value() {
        let on = |d: DealEdge, buyer_province: u8, seller_province: u8| DealEdge {
            buyer_province,
            seller_province,
            ..d
        };
        let g = graph(vec![
            on(
                DealEdge {
                    value_idr: 100.0,
                    day: TODAY - 10,
                    ..deal("1", "p1", "n")
                },
                1,
                0,
            ),
            on(
                DealEdge {
                    value_idr: 200.0,
                    ..deal("2", "p1", "n")
                },
                1,
                0,
            ),
            on(
                DealEdge {
                    status: Status::Failed,
                    value_idr: 9.0,
                    ..deal("3", "p1", "n")
                },
                1,
                0,
            ),
            on(
                DealEdge {
                    value_idr: 500.0,
                    ..deal("4", "n", "p2")
                },
                0,
                2,
            ),
            on(
                DealEdge {
                    status: Status::Mou,
                    value_idr: 50.0,
                    ..deal("5", "p2", "n")
                },
                2,
                0,
            ),
            on(
                DealEdge {
                    status: Status::Failed,
                    ..deal("6", "n", "p3")
                },
                0,
                1,
            ),
            on(
                DealEdge {
                    status: Status::Mou,
                    value_idr: 70.0,
                    ..deal("7", "p4", "n")
                },
                3,
                0,
            ),
        ]);
        assert!(g.network("nobody", 10).is_none());
        let all = g.network("n", 10).unwrap();
        let order: Vec<&str> = all.partners.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(order, vec!["p2", "p1", "p4", "p3"]);
        let roles: Vec<Role> = all.partners.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            vec![Role::Both, Role::SoldTo, Role::SoldTo, Role::BoughtFrom]
        );
        let p1 = &all.partners[1];
        assert_eq!((p1.completed, p1.failed, p1.mou, p1.province), (2, 1, 0, 1));
        assert_eq!((p1.value_idr, p1.last_day), (300.0, TODAY));
        let t = &all.totals;
        assert_eq!((t.partners, t.ties), (4, 3));
        assert_eq!((t.completed, t.failed, t.mou), (3, 2, 2));
        assert_eq!((t.value_idr, t.mou_value_idr), (800.0, 120.0));
        assert_eq!(t.last_day, Some(TODAY));
        assert_eq!(
            (t.as_seller.completed, t.as_seller.failed, t.as_seller.mou),
            (2, 1, 2)
        );
        assert_eq!(t.as_seller.distinct_buyers, 1);
        let provinces: Vec<(u8, u32, u32, f64)> = all
            .provinces
            .iter()
            .map(|p| (p.province, p.partners, p.deals, p.value_idr))
            .collect();
        assert_eq!(
            provinces,
            vec![(2, 1, 2, 500.0), (1, 2, 4, 300.0), (3, 1, 1, 0.0)]
        );
        let top = g.network("n", 2).unwrap();
        assert_eq!(top.partners, all.partners[..2].to_vec());
        assert_eq!(top.totals, all.totals, "totals cover every partner");
        assert!(g.network("n", 0).unwrap().partners.is_empty());
        let json = serde_json::to_value(&top).unwrap();
        assert_eq!(json["partners"][0]["role"], "both");
        assert_eq!(json["partners"][1]["role"], "sold_to");
        assert_eq!(g.network("p3", 5).unwrap().partners[0].role, Role::SoldTo);
    }

    #[test]
    fn reasons_in_english_and_indonesian() {
        let names = ["Aceh", "Jawa Timur", "Banten"];
        // X (Banten) buys from Y (Jawa Timur); three of X's suppliers also bought from Y.
        let mut deals = vec![
            DealEdge {
                buyer_province: 2,
                value_idr: 0.5e9,
                day: 19_783,
                ..deal("x1", "x", "y")
            },
            DealEdge {
                buyer_province: 2,
                value_idr: 0.7e9,
                day: 19_875,
                ..deal("x2", "x", "y")
            },
        ];
        for i in 1..=3 {
            let z = format!("z{i}");
            deals.push(deal(&format!("zy{i}"), &z, "y"));
            deals.push(DealEdge {
                buyer_province: 2,
                seller_province: 0,
                ..deal(&format!("xz{i}"), "x", &z)
            });
        }
        let g = graph(deals);
        let s = g.signals("x", "y", TODAY);
        assert_eq!(
            s.reasons(Lang::En, &names),
            vec![
                "You have completed 2 deals with this seller (last in 2024)",
                "3 of your past partners have bought from this seller",
                "Track record: 5 completed, 0 failed deals with 4 buyers",
                "Jawa Timur sold Rp 1.2 bn of goods to Banten in past deals",
            ]
        );
        assert_eq!(
            s.reasons(Lang::Id, &names),
            vec![
                "Anda telah menyelesaikan 2 transaksi dengan penjual ini (terakhir pada 2024)",
                "3 mitra Anda sebelumnya pernah membeli dari penjual ini",
                "Rekam jejak: 5 transaksi selesai, 0 gagal, dengan 4 pembeli",
                "Jawa Timur telah menjual barang senilai Rp 1,2 miliar ke Banten dalam \
                 transaksi sebelumnya",
            ]
        );
        assert_eq!(
            s.reasons_as(Asker::Seller, Lang::En, &[]),
            vec![
                "You have completed 2 deals with this buyer (last in 2024)",
                "3 of this buyer's past partners have bought from you",
                "province 1 sold Rp 1.2 bn of goods to province 2 in past deals",
            ]
        );
        assert!(
            g.signals("x", "nobody", TODAY)
                .reasons(Lang::En, &names)
                .is_empty()
        );
    }

    #[test]
    fn money_and_years_read_naturally() {
        assert_eq!(idr(1.2e9, Lang::En), "Rp 1.2 bn");
        assert_eq!(idr(340.5e9, Lang::Id), "Rp 340,5 miliar");
        assert_eq!(idr(2e12, Lang::Id), "Rp 2 triliun");
        assert_eq!(idr(25e6, Lang::En), "Rp 25 million");
        assert_eq!(idr(750_000.0, Lang::En), "Rp 750,000");
        assert_eq!(idr(750_000.0, Lang::Id), "Rp 750.000");
        assert_eq!(idr(12.0, Lang::Id), "Rp 12");
        assert_eq!(
            (year_of(0), year_of(-1), year_of(11_016)),
            (1970, 1969, 2000)
        );
        assert_eq!((year_of(19_722), year_of(19_723)), (2023, 2024));
    }

    #[test]
    fn bad_deals_are_refused_and_change_nothing() {
        let mut g = DealGraph::new(4, 2);
        let cases = [
            (deal("1", "a", "a"), Some("seller")),
            (
                DealEdge {
                    buyer_province: 4,
                    ..deal("2", "a", "b")
                },
                Some("buyer_province"),
            ),
            (
                DealEdge {
                    seller_province: 200,
                    ..deal("3", "a", "b")
                },
                Some("seller_province"),
            ),
            (
                DealEdge {
                    commodity: 2,
                    ..deal("4", "a", "b")
                },
                Some("commodity"),
            ),
            (
                DealEdge {
                    value_idr: f64::NAN,
                    ..deal("5", "a", "b")
                },
                Some("value_idr"),
            ),
            (
                DealEdge {
                    value_idr: -1.0,
                    ..deal("6", "a", "b")
                },
                Some("value_idr"),
            ),
        ];
        for (d, field) in cases {
            let err = g.add(d).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
        assert_eq!(
            (g.deal_count(), g.business_count(), g.pair_count()),
            (0, 0, 0)
        );
        let err =
            DealGraph::build(4, 2, vec![deal("ok", "a", "b"), deal("bad", "c", "c")]).unwrap_err();
        assert_eq!((err.position, err.id.as_str()), (1, "bad"));
        assert_eq!(err.error, AddError::SameBusiness);
        // Unknown businesses get empty signals, a business with itself too.
        let g = graph(vec![deal("1", "a", "b")]);
        assert_eq!(g.signals("a", "a", TODAY).feature(), 0.0);
        let unknown = g.signals("nobody", "b", TODAY);
        assert!(!unknown.buyer_known && unknown.seller_known);
        assert!(unknown.common == CommonPartners::default());
        assert_eq!(g.province_of("b"), Some(1));
    }

    #[test]
    fn buyer_context_supplies_provinces_for_newcomers() {
        let g = graph(vec![DealEdge {
            value_idr: 3e9,
            ..deal("1", "a", "b")
        }]);
        // A newcomer in province 0 looking at b (province 1): 3 bn of province 0's purchases
        // came from province 1, all of them.
        let cx = g.buyer_context("newcomer", Some(0));
        let s = cx.signals("b", None, TODAY);
        assert!(!s.buyer_known);
        assert_close!(s.provinces.share, 1.0);
        assert!(s.feature() > 0.0);
        assert_eq!(g.signals("newcomer", "b", TODAY).provinces.share, 0.0);
        // An override of the seller's province.
        assert_eq!(cx.signals("b", Some(2), TODAY).provinces.value_idr, 0.0);
    }

    // -- properties on random graphs --------------------------------------------------------

    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
        (rng.next_u64() % n as u64) as usize
    }

    fn random_status(rng: &mut ChaCha8Rng) -> Status {
        match below(rng, 10) {
            0..=6 => Status::Completed,
            7 => Status::Failed,
            _ => Status::Mou,
        }
    }

    struct World {
        provinces: Vec<u8>,
    }

    impl World {
        fn deal(&self, rng: &mut ChaCha8Rng, i: usize, b: usize, s: usize, st: Status) -> DealEdge {
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

    fn random_graph(rng: &mut ChaCha8Rng, config: Config) -> (DealGraph, World, Vec<DealEdge>) {
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

    #[test]
    fn a_completed_deal_never_lowers_the_feature_and_a_failed_one_never_raises_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for trial in 0..400 {
            let limit = if trial % 3 == 0 { 1 } else { 10_000 };
            let config = Config {
                common_scan_limit: limit,
                ..Config::default()
            };
            let (g, world, _) = random_graph(&mut rng, config);
            let n = world.provinces.len();
            for _ in 0..5 {
                let b = below(&mut rng, n);
                let s = (b + 1 + below(&mut rng, n - 1)) % n;
                let (bn, sn) = (format!("b{b}"), format!("b{s}"));
                // The engine knows every business's province, deals or not.
                let feature = |g: &DealGraph| {
                    g.buyer_context(&bn, Some(world.provinces[b]))
                        .signals(&sn, Some(world.provinces[s]), TODAY)
                        .feature()
                };
                let before = feature(&g);
                // Either direction: the pair's deals count both ways.
                let (db, ds) = if below(&mut rng, 2) == 0 {
                    (b, s)
                } else {
                    (s, b)
                };
                let mut up = g.clone();
                up.add(world.deal(&mut rng, 999, db, ds, Status::Completed))
                    .unwrap();
                let after = feature(&up);
                assert!(
                    after >= before,
                    "trial {trial}: completed {before} → {after}"
                );
                let mut down = g.clone();
                down.add(world.deal(&mut rng, 999, db, ds, Status::Failed))
                    .unwrap();
                let after = feature(&down);
                assert!(after <= before, "trial {trial}: failed {before} → {after}");
                assert!((0.0..=1.0).contains(&before));
            }
        }
    }

    #[test]
    fn batch_signals_equal_single_signals_on_random_graphs() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for trial in 0..100 {
            let limit = if trial % 2 == 0 { 2 } else { 10_000 };
            let config = Config {
                common_scan_limit: limit,
                ..Config::default()
            };
            let (g, world, _) = random_graph(&mut rng, config);
            let names: Vec<String> = (0..world.provinces.len())
                .map(|i| format!("b{i}"))
                .collect();
            let sellers: Vec<&str> = names.iter().map(String::as_str).collect();
            for buyer in &sellers {
                let batch = g.signals_for_seller_batch(buyer, &sellers, TODAY);
                for (s, got) in sellers.iter().zip(batch) {
                    assert_eq!(
                        got,
                        g.signals(buyer, s, TODAY),
                        "trial {trial}: {buyer} ← {s}"
                    );
                }
            }
        }
    }

    fn assert_same_answers(a: &DealGraph, b: &DealGraph, names: &[String], what: &str) {
        for x in names {
            assert_eq!(a.network(x, 5), b.network(x, 5), "{what}: network of {x}");
            for y in names {
                assert_eq!(
                    a.signals(x, y, TODAY),
                    b.signals(x, y, TODAY),
                    "{what}: {x} ← {y}"
                );
                assert_eq!(
                    a.intro(x, y, 3),
                    b.intro(x, y, 3),
                    "{what}: intro {x} → {y}"
                );
            }
        }
    }

    #[test]
    fn build_add_and_compact_give_the_same_answers() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut cases: Vec<(usize, usize)> = (0..30).map(|_| (12, 60)).collect();
        // Big enough for `add` to compact by itself on the way.
        cases.push((300, 12_000));
        for (n, count) in cases {
            let world = World {
                provinces: (0..n).map(|_| below(&mut rng, 3) as u8).collect(),
            };
            let deals: Vec<DealEdge> = (0..count)
                .map(|i| {
                    let b = below(&mut rng, n);
                    let s = (b + 1 + below(&mut rng, n - 1)) % n;
                    let status = random_status(&mut rng);
                    world.deal(&mut rng, i, b, s, status)
                })
                .collect();
            let mut added = DealGraph::new(4, 2);
            for d in &deals {
                added.add(d.clone()).unwrap();
            }
            if count > 10_000 {
                assert!(added.uncompacted_pairs() < added.pair_count());
            }
            added.set_centrality(added.compute_centrality());
            let built = DealGraph::build(4, 2, deals).unwrap();
            assert_eq!(built.uncompacted_pairs(), 0);
            let mut compacted = added.clone();
            compacted.compact();
            assert_eq!(compacted.uncompacted_pairs(), 0);
            let names: Vec<String> = (0..n.min(40)).map(|i| format!("b{i}")).collect();
            assert_same_answers(&added, &built, &names, "add vs build");
            assert_same_answers(&added, &compacted, &names, "add vs compact");
            assert_eq!(added.province_flows(), built.province_flows());
            assert_eq!(added.centrality(), built.centrality());
        }
    }

    #[test]
    fn the_graph_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<DealGraph>();
        shared::<Signals>();
    }

    #[test]
    fn long_ids_are_found_too() {
        let long = "a-business-id-much-longer-than-the-inline-slot";
        let longer = "a-business-id-much-longer-than-the-inline-slot-too";
        let g = graph(vec![deal("1", long, longer), deal("2", "short", long)]);
        assert!(g.contains(long) && g.contains(longer) && !g.contains(&long[..30]));
        assert_eq!(g.network(long, 5).unwrap().totals.partners, 2);
        assert_eq!(g.intro("short", longer, 2).unwrap().hops[1].to, longer);
    }

    #[test]
    fn intro_paths_are_shortest_on_random_graphs() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100 {
            let (g, world, deals) = random_graph(&mut rng, Config::default());
            let n = world.provinces.len();
            // An independent oracle from the deal list: tie strengths as of the newest day.
            let newest = deals.iter().map(|d| d.day).max().unwrap_or(TODAY);
            let mut strength: HashMap<(usize, usize), f64> = HashMap::new();
            for d in &deals {
                let key = |x: &str| x[1..].parse::<usize>().unwrap();
                let (b, s) = (key(&d.buyer), key(&d.seller));
                let w = match d.status {
                    Status::Completed => 1.0,
                    Status::Mou => 0.5,
                    Status::Failed => 0.0,
                };
                let decayed = w * 0.5f64.powf(f64::from(newest - d.day) / 730.0);
                *strength.entry((b.min(s), b.max(s))).or_default() += decayed;
            }
            let tie = |a: usize, b: usize| {
                strength
                    .get(&(a.min(b), a.max(b)))
                    .copied()
                    .filter(|&s| s > 0.0)
            };
            for a in 0..n {
                if g.lookup(&format!("b{a}")).is_none() {
                    continue;
                }
                let mut dist = vec![usize::MAX; n];
                dist[a] = 0;
                let mut queue = std::collections::VecDeque::from([a]);
                while let Some(u) = queue.pop_front() {
                    for v in 0..n {
                        if tie(u, v).is_some() && dist[v] == usize::MAX {
                            dist[v] = dist[u] + 1;
                            queue.push_back(v);
                        }
                    }
                }
                // The cheapest cost over shortest paths, by a plain one-sided pass in BFS order.
                let mut by_dist: Vec<usize> = (0..n).filter(|&v| dist[v] < 4).collect();
                by_dist.sort_by_key(|&v| dist[v]);
                let mut best = vec![f64::INFINITY; n];
                best[a] = 0.0;
                for &v in &by_dist {
                    for u in 0..n {
                        if let Some(st) = tie(u, v)
                            && dist[u] != usize::MAX
                            && dist[u] + 1 == dist[v]
                        {
                            best[v] = best[v].min(best[u] + 1.0 / st);
                        }
                    }
                }
                for (v, &d) in dist.iter().enumerate() {
                    let to = format!("b{v}");
                    let got = g.intro(&format!("b{a}"), &to, 3);
                    match got {
                        Some(p) => {
                            assert_eq!(p.hops.len(), d);
                            assert!(close(p.cost, best[v]), "{} vs {}", p.cost, best[v]);
                            for w in p.hops.windows(2) {
                                assert_eq!(w[0].to, w[1].from);
                            }
                        }
                        None => assert!(d > 3 || g.lookup(&to).is_none()),
                    }
                }
            }
        }
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
                    Status::Completed
                } else if r < 0.9 {
                    Status::Failed
                } else {
                    Status::Mou
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
            listed += g.network(&names[b], 50).map_or(0, |n| n.partners.len());
        }
        println!(
            "100 network views (limit 50): {:.2} ms ({listed} partners)",
            t.elapsed().as_secs_f64() * 1e3
        );
    }

    // -- snapshots ----------------------------------------------------------------------------

    fn snapshot(g: &DealGraph) -> Vec<u8> {
        let mut bytes = Vec::new();
        g.write_snapshot(&mut bytes).unwrap();
        bytes
    }

    /// Reads a snapshot that must fill `bytes` exactly.
    fn load(bytes: &[u8]) -> std::io::Result<DealGraph> {
        let mut rest = bytes;
        let g = DealGraph::read_snapshot(&mut rest)?;
        assert!(rest.is_empty(), "{} bytes left unread", rest.len());
        Ok(g)
    }

    /// Every public answer about businesses `b0..b{n}` (and one unknown) is the same.
    fn assert_answers_alike(g: &DealGraph, h: &DealGraph, provinces: &[u8]) {
        assert_eq!(h.config(), g.config());
        assert_eq!(h.business_count(), g.business_count());
        assert_eq!(h.deal_count(), g.deal_count());
        assert_eq!(h.pair_count(), g.pair_count());
        assert_eq!(h.tie_count(), g.tie_count());
        assert_eq!(h.newest_day(), g.newest_day());
        assert_eq!(h.province_flows(), g.province_flows());
        assert_eq!(h.centrality(), g.centrality());
        assert_eq!(h.centrality_is_stale(), g.centrality_is_stale());
        assert!(h.businesses().eq(g.businesses()));
        assert!(h.seller_priors(TODAY).eq(g.seller_priors(TODAY)));
        for (id, province, prior) in g.seller_priors(TODAY) {
            assert_eq!(g.province_of(id), Some(province));
            assert_eq!(g.seller_prior(id, TODAY), prior);
        }
        let (np, nc) = (
            g.province_flows().provinces(),
            g.province_flows().commodities(),
        );
        for p in 0..np {
            for q in 0..np {
                assert_eq!(h.complementarity(p, q), g.complementarity(p, q));
                assert_eq!(
                    h.province_part(p as u8, q as u8),
                    g.province_part(p as u8, q as u8)
                );
            }
            for c in 0..nc {
                assert_eq!(h.rca_from_deals(p, c), g.rca_from_deals(p, c));
            }
        }
        let names: Vec<String> = (0..provinces.len())
            .map(|a| format!("b{a}"))
            .chain(["nobody".to_string()])
            .collect();
        for (a, an) in names.iter().enumerate() {
            let province = provinces.get(a).copied();
            assert_eq!(h.contains(an), g.contains(an));
            assert_eq!(h.province_of(an), g.province_of(an));
            assert_eq!(h.pagerank(an), g.pagerank(an));
            assert_eq!(h.seller_prior(an, TODAY), g.seller_prior(an, TODAY));
            for limit in [0, 1, 50] {
                assert_eq!(h.network(an, limit), g.network(an, limit));
            }
            for cap in [2, 100] {
                assert_eq!(h.neighbourhood(an, cap), g.neighbourhood(an, cap));
            }
            let (hc, gc) = (h.buyer_context(an, province), g.buyer_context(an, province));
            let sellers: Vec<&str> = names.iter().map(String::as_str).collect();
            assert_eq!(
                h.signals_for_seller_batch(an, &sellers, TODAY),
                g.signals_for_seller_batch(an, &sellers, TODAY)
            );
            for (b, bn) in names.iter().enumerate() {
                let sp = provinces.get(b).copied();
                assert_eq!(h.signals(an, bn, TODAY), g.signals(an, bn, TODAY));
                assert_eq!(hc.signals(bn, sp, TODAY), gc.signals(bn, sp, TODAY));
                for hops in [1, 3] {
                    assert_eq!(h.intro(an, bn, hops), g.intro(an, bn, hops));
                }
            }
        }
    }

    #[test]
    fn a_snapshot_answers_like_the_graph_it_was_taken_of_and_keeps_taking_deals() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for trial in 0..150 {
            let config = Config {
                common_scan_limit: if trial % 3 == 0 { 1 } else { 2_000 },
                hop_deal_ids: 1 + trial % 4,
                stale_fraction: 0.5,
                ..Config::default()
            };
            let (mut g, mut world, _) = random_graph(&mut rng, config);
            let bytes = snapshot(&g);
            let mut h = load(&bytes).unwrap();
            assert_answers_alike(&g, &h, &world.provinces);
            assert_eq!(
                snapshot(&h),
                bytes,
                "a loaded graph writes the same snapshot"
            );
            // The engine adds deals to a loaded graph in place, new businesses included.
            world.provinces.extend([0, 2]);
            let n = world.provinces.len();
            for i in 0..below(&mut rng, 30) {
                let b = below(&mut rng, n);
                let s = (b + 1 + below(&mut rng, n - 1)) % n;
                let status = random_status(&mut rng);
                let d = world.deal(&mut rng, 10_000 + i, b, s, status);
                g.add(d.clone()).unwrap();
                h.add(d).unwrap();
            }
            assert_answers_alike(&g, &h, &world.provinces);
            assert_eq!(snapshot(&h), snapshot(&g));
            g.refresh_centrality();
            h.refresh_centrality();
            assert_answers_alike(&g, &h, &world.provinces);
        }
        let empty = DealGraph::new(38, 300);
        let loaded = load(&snapshot(&empty)).unwrap();
        assert_answers_alike(&empty, &loaded, &[]);
    }

    /// A reader that hands out a few bytes per call, and is interrupted now and then.
    struct Trickle<'a> {
        bytes: &'a [u8],
        calls: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(5) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = (self.calls % 7 + 1).min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_large_snapshot_streams_through_any_reader_and_compacts_after_loading() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let n = 3_000;
        let world = World {
            provinces: (0..n).map(|_| below(&mut rng, 4) as u8).collect(),
        };
        let mut deals = Vec::new();
        for i in 0..40_000 {
            let b = below(&mut rng, n);
            let s = (b + 1 + below(&mut rng, n - 1)) % n;
            let status = random_status(&mut rng);
            deals.push(world.deal(&mut rng, i, b, s, status));
        }
        let mut g = DealGraph::build(4, 2, deals).unwrap();
        let bytes = snapshot(&g);
        assert!(bytes.len() > 4 * (1 << 18), "spans several buffers");
        let mut slow = Trickle {
            bytes: &bytes,
            calls: 0,
        };
        let mut h = DealGraph::read_snapshot(&mut slow).unwrap();
        assert!(slow.bytes.is_empty());
        assert_eq!(snapshot(&h), bytes);
        // Enough new pairs on both to compact them (at least 4096, an eighth of all).
        for i in 0..8_000 {
            let b = below(&mut rng, n);
            let s = (b + 1 + below(&mut rng, n - 1)) % n;
            let status = random_status(&mut rng);
            let d = world.deal(&mut rng, 100_000 + i, b, s, status);
            g.add(d.clone()).unwrap();
            h.add(d).unwrap();
        }
        assert_eq!(snapshot(&h), snapshot(&g));
        for _ in 0..300 {
            let (a, b) = (
                format!("b{}", below(&mut rng, n)),
                format!("b{}", below(&mut rng, n)),
            );
            assert_eq!(h.signals(&a, &b, TODAY), g.signals(&a, &b, TODAY));
            assert_eq!(h.intro(&a, &b, 4), g.intro(&a, &b, 4));
            assert_eq!(h.network(&a, 20), g.network(&a, 20));
        }
    }

    #[test]
    fn a_damaged_truncated_or_foreign_snapshot_is_an_error_not_a_panic() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let (g, _, _) = loop {
            let x = random_graph(&mut rng, Config::default());
            if x.0.deal_count() > 20 {
                break x;
            }
        };
        let bytes = snapshot(&g);
        assert!(load(&bytes).is_ok());
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80] {
                let mut bad = bytes.clone();
                bad[at] ^= flip;
                assert!(load(&bad).is_err(), "flip {flip:#x} at {at}");
            }
        }
        for cut in 0..bytes.len() {
            let err = load(&bytes[..cut]).err().unwrap();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "cut at {cut}");
        }
        // The reader takes its own bytes and leaves what follows.
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"next");
        let mut rest = &longer[..];
        assert!(DealGraph::read_snapshot(&mut rest).is_ok());
        assert_eq!(rest, b"next");
        assert!(load(b"not a graph at all").is_err());
        assert!(load(&[]).is_err());
        // Another version is refused as such.
        let mut other = bytes.clone();
        other[8] = 2;
        let err = load(&other).err().unwrap().to_string();
        assert!(err.contains("version 2"), "{err}");
        // A header that claims absurd sizes, its own checksum right: an error, no abort.
        for word in [2, 5, 6] {
            let mut huge = bytes.clone();
            huge[16 + 8 * word..24 + 8 * word].copy_from_slice(&(1u64 << 31).to_le_bytes());
            let sum = Checksum::of(&huge[..16 + 8 * 20]);
            huge[16 + 8 * 20..24 + 8 * 20].copy_from_slice(&sum.to_le_bytes());
            assert!(load(&huge).is_err(), "word {word}");
        }
        // The framed form with a caller's header.
        let framed = g.to_snapshot(b"header");
        let (h, header) = DealGraph::from_snapshot(&framed).unwrap();
        assert_eq!(header, b"header");
        assert_eq!(snapshot(&h), bytes);
        for at in (0..framed.len()).step_by(3) {
            let mut bad = framed.clone();
            bad[at] ^= 0x10;
            assert!(DealGraph::from_snapshot(&bad).is_err(), "flip at {at}");
        }
        for cut in [0, 4, 8, 14, 22, framed.len() - 1] {
            assert!(
                DealGraph::from_snapshot(&framed[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn the_checksum_sees_any_changed_byte_and_does_not_depend_on_how_bytes_arrive() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        let whole = Checksum::of(&bytes);
        for split in 0..bytes.len() {
            let mut c = Checksum::new();
            c.update(&bytes[..split]);
            c.update(&bytes[split..]);
            assert_eq!(c.finish(), whole);
        }
        for at in 0..bytes.len() {
            let mut b = bytes.clone();
            b[at] ^= 1;
            assert_ne!(Checksum::of(&b), whole);
        }
        assert_ne!(Checksum::of(&bytes[..299]), whole);
        assert_ne!(Checksum::of(&[]), Checksum::of(&[0]));
    }
}
