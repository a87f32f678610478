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
//!
//! # Where things are
//!
//! - this file: the input ([`DealEdge`], [`DealStatus`], [`Config`], [`AddError`],
//!   [`BuildError`]), the per-business and per-pair records, and [`DealGraph`] itself;
//! - `storage`: id interning, the partner rows and newer pairs, pair look-up, compaction;
//! - `add`: [`DealGraph::new`], [`DealGraph::build`], [`DealGraph::add`] and the decay
//!   weights the pair sums are kept with;
//! - `flows`: [`ProvinceFlows`], revealed comparative advantage, complementarity;
//! - `centrality`: the PageRank snapshot ([`Centrality`]);
//! - `signals`: [`Signals`], the relationship feature, seller priors, [`BuyerContext`];
//! - `reasons`: the sentences in English and Indonesian ([`Signals::reasons`]);
//! - `intro`: warm introductions ([`DealGraph::intro`]);
//! - `view`: [`DealGraph::network`] and [`DealGraph::memory`] for the HTTP API;
//! - `snapshot`: the graph as bytes; `tests` holds the fixtures the unit tests share and the
//!   benchmark, `snapshot_tests` the snapshot's tests.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;

mod add;
mod centrality;
mod flows;
mod intro;
mod reasons;
mod signals;
mod snapshot;
#[cfg(test)]
mod snapshot_tests;
mod storage;
#[cfg(test)]
mod tests;
mod view;

pub use crate::model::{DealStatus, Lang};
pub use centrality::Centrality;
pub use flows::ProvinceFlows;
pub use intro::{Hop, IntroPath};
pub use reasons::Asker;
pub use signals::{
    BuyerContext, CommonPartners, DirectTies, FeatureParts, ProvinceTie, Signals, TrackRecord,
};
pub use snapshot::{Checksum, SNAPSHOT_VERSION};
pub use view::{BusinessTies, MemoryUse, NetworkTotals, Partner, ProvinceTrade};

use petgraph::Directed;
use petgraph::csr::Csr;
use serde::{Deserialize, Serialize};

use storage::{MixState, NameSlot};

/// Half-life of a deal's weight: two years.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 730.0;
const NO_DEAL: u32 = u32::MAX;
const NO_DAY: i32 = i32::MIN;
/// Indices stay below `u32::MAX`, the `NO_DEAL` sentinel.
const LIMIT: usize = (u32::MAX - 2) as usize;
/// An MoU counts half a completed deal in a tie's strength.
const MOU_WEIGHT: f64 = 0.5;

// ---------------------------------------------------------------------------------------------
// Input

/// How a deal ended is the model's [`DealStatus`]; the graph packs it into the low bits of a
/// deal's flags.
impl DealStatus {
    fn code(self) -> u8 {
        match self {
            DealStatus::Completed => 0,
            DealStatus::Failed => 1,
            DealStatus::Mou => 2,
        }
    }

    fn from_code(code: u8) -> DealStatus {
        match code & STATUS_MASK {
            0 => DealStatus::Completed,
            1 => DealStatus::Failed,
            _ => DealStatus::Mou,
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
    pub status: DealStatus,
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
