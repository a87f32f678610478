//! The request and response types: the JSON both the API and the CLI speak (re-exported as
//! `crate::engine::*`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{
    BusinessKind, BusinessSummary, Certification, ListingKind, ListingView, Quantity,
};
use crate::reference::Province;
use crate::score::Weights;

/// What an import loaded (or, for a dry run, would load).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportStats {
    /// Businesses written, new and replaced together.
    pub businesses: u64,
    /// Of those, businesses that were stored before (their record replaced).
    pub businesses_replaced: u64,
    pub listings: u64,
    pub deals: u64,
    /// Deals already stored exactly as the import has them (a retried import), not written
    /// again.
    pub deals_unchanged: u64,
    /// The whole import, and its three phases: reading and writing the store (one
    /// transaction), bringing the search index up to date, updating the deal network.
    pub seconds: f64,
    pub store_seconds: f64,
    pub index_seconds: f64,
    pub network_seconds: f64,
    /// True when nothing was written: the counts say what would have been.
    pub dry_run: bool,
    /// Bad rows left out (`skip_invalid`), every one counted.
    pub skipped: u64,
    /// The rows left out and why (at most 200; `more` counts the rest).
    pub rows: Vec<crate::error::RowError>,
    pub more: u64,
    /// Spreadsheet headers that name no column, as `file: header`; their cells were not read.
    pub ignored_columns: Vec<String>,
    /// The rows left out as they were written, for the CLI to save (not sent by the API).
    #[serde(skip)]
    pub skipped_records: Vec<SkippedRecord>,
}

/// A row left out of an import, as it was written: a JSONL line, or a spreadsheet row as
/// CSV with its error in a last column (and the header it belongs under).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkippedRecord {
    pub file: String,
    /// For spreadsheet rows: the CSV header line (the file's headers and `Kesalahan`).
    pub header: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    pub businesses: u64,
    pub deals: u64,
    /// Deals in the deal network (the store's, less those with a deleted party).
    pub network_deals: u64,
    /// The store's last change sequence.
    pub last_seq: u64,
    /// The change sequence the search index holds.
    pub index_seq: u64,
    /// Whether the search index holds every change the store has: a replica that is not
    /// caught up is still applying other replicas' writes (a load balancer may wait).
    pub caught_up: bool,
    pub index_documents: u64,
}

/// `POST /v1/match`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// What the buyer needs.
    #[serde(default)]
    pub need: Option<NeedSpec>,
    /// Suppliers for every need of this business.
    #[serde(default)]
    pub buyer: Option<String>,
    /// Markets (buyers in other provinces) for every offer of this business.
    #[serde(default)]
    pub seller: Option<String>,
    /// How many results, 1 to 1000 (default 20).
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub filters: Option<MatchFilters>,
    /// `score` (default) or `nearest`: the nearest provinces first.
    #[serde(default)]
    pub order: MatchOrder,
    /// Feature weights; absent ones keep their defaults.
    #[serde(default)]
    pub weights: Option<Weights>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedSpec {
    /// Free text, e.g. "bawang merah" or "supplier shallots".
    #[serde(default)]
    pub text: Option<String>,
    /// A catalog key; found in the text when absent.
    #[serde(default)]
    pub commodity: Option<String>,
    /// The buyer's province: a code ("36") or its name, abbreviation or capital ("Banten");
    /// read from the text ("untuk Serang") when absent.
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub volume: Option<Quantity>,
    #[serde(default)]
    pub certifications: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchFilters {
    /// Only partners in these provinces (codes, or names, abbreviations or capitals).
    #[serde(default)]
    pub provinces: Vec<String>,
    /// Only partners in these island groups (e.g. "Jawa", "Sumatera").
    #[serde(default)]
    pub island_groups: Vec<String>,
    /// Only these kinds of business.
    #[serde(default)]
    pub kinds: Vec<BusinessKind>,
    /// Only listings filed under one of these KBKI codes, at any level (`2399`).
    #[serde(default)]
    pub kbki: Vec<String>,
    /// Partners must hold every one of these certifications.
    #[serde(default)]
    pub certifications: Vec<String>,
    /// Partners whose listed monthly amount is at least this.
    #[serde(default)]
    pub min_capacity: Option<Quantity>,
    /// Also partners in the requester's own province (default: only other provinces).
    #[serde(default)]
    pub same_province: bool,
    /// Only partners whose province's capital is at most this many kilometres from the
    /// requester's (great-circle), 1 to 10,000.
    #[serde(default)]
    pub max_km: Option<f64>,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchOrder {
    /// By score (the default).
    #[default]
    Score,
    /// Nearest province first, by score within a province.
    Nearest,
}

/// The results for one listing of a business (buyer and seller modes), or for one of the
/// commodities a need names (need mode, when it names more than one).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchGroup {
    /// The catalog commodity of the group.
    pub commodity: String,
    /// The need (buyer mode) or offer (seller mode) these results are for; absent for the
    /// commodity groups of a need.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing: Option<ListingView>,
    pub total: usize,
    pub results: Vec<MatchResult>,
}

/// What the engine understood of a request, so the user can correct it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Understood {
    /// Catalog commodities named (or given).
    pub commodities: Vec<String>,
    /// Those of them read through a typo ("bawang mera" → bawang_merah).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<String>,
    /// Family words read as every member ("cabai" → cabai_rawit and cabai_besar): name one
    /// member to narrow the answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<String>,
    /// The province the request is for.
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<Quantity>,
    pub certifications: Vec<Certification>,
    /// Offers (suppliers) or needs (buyers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looking_for: Option<ListingKind>,
    /// KBKI codes of the products named (see `GET /v1/catalog/{code}`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kbki: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchResult {
    pub rank: usize,
    pub score: f32,
    pub business: BusinessSummary,
    pub listing: ListingView,
    /// Each feature's weighted contribution; they add up to `score`.
    pub explain: BTreeMap<String, f32>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchResponse {
    pub took_ms: f64,
    pub understood: Understood,
    /// How many listings passed the filters.
    pub total: usize,
    /// The business asking (buyer and seller modes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessSummary>,
    /// Why there are no results, when that is not an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Per need (buyer mode) or per offer (seller mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<MatchGroup>>,
    /// The best results: for a need, its ranking; for a business, the best across its groups.
    pub results: Vec<MatchResult>,
}

/// `GET /v1/corridors` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CorridorParams {
    /// The province that brings goods (a code, or a name, abbreviation or capital).
    pub from: String,
    /// The province that buys them (a code, or a name, abbreviation or capital).
    pub to: String,
    /// How many commodities, 1 to 100 (default 10).
    pub limit: Option<usize>,
    /// `en` or `id`.
    pub lang: Option<String>,
    /// `all` (default): official statistics, then listing counts and past deals for goods no
    /// table measures; `statistics`: official statistics alone (production tables, KBKI
    /// ancestors, manufacturing by province), leaving out what the directory's own listings
    /// and deals say.
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorridorParty {
    pub business: BusinessSummary,
    pub listing: ListingView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorridorCommodity {
    pub commodity: String,
    pub name: String,
    /// The measure the commodity is ranked by within its tier: for `basis` `supply_model`,
    /// `expected_share`; for `listings` (no production table), √(A_from / A_to) × ln(2 +
    /// offers) × ln(2 + needs), A the revealed comparative advantage from past deals (neutral
    /// 1 without). Tiers: supply-model shares of 1 % or more, then `listings`, then the rest.
    pub opportunity: f64,
    /// `supply_model` or `listings`.
    pub basis: String,
    /// The supply model: the part of what `to` consumes that `from` is expected to sell it,
    /// `(1 − self_to) · S(from | to)`.
    pub expected_share: Option<f64>,
    /// `S(from | to)`: `from`'s expected share of what `to` brings in from other provinces.
    pub share_of_imports: Option<f64>,
    pub seller_lq: Option<f64>,
    pub buyer_lq: Option<f64>,
    /// Offers of the commodity listed in the `from` province.
    pub offers: u64,
    /// Needs of the commodity listed in the `to` province.
    pub needs: u64,
    pub reasons: Vec<String>,
    /// The best-placed sellers in `from`.
    pub sellers: Vec<CorridorParty>,
    /// The best-placed buyers in `to`.
    pub buyers: Vec<CorridorParty>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorridorResponse {
    pub took_ms: f64,
    pub from: String,
    pub to: String,
    /// Michaely's trade complementarity (0–100) of `from` as seller and `to` as buyer, from
    /// the past deals' export and import shares; absent without deals on either side.
    pub complementarity: Option<f64>,
    pub commodities: Vec<CorridorCommodity>,
}

/// `GET /v1/search` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text.
    pub q: Option<String>,
    /// Provinces, comma-separated: codes, or names, abbreviations or capitals.
    pub province: Option<String>,
    /// `offer` or `need`.
    pub kind: Option<String>,
    /// Catalog keys, comma-separated.
    pub commodity: Option<String>,
    /// KBKI codes at any level, comma-separated (`2399`: listings filed under it or any of
    /// its descendants; see `GET /v1/catalog`).
    pub kbki: Option<String>,
    /// Required certifications, comma-separated.
    pub cert: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResult {
    pub score: f32,
    pub business: BusinessSummary,
    pub listing: ListingView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    pub took_ms: f64,
    pub total: usize,
    pub understood: Understood,
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvinceAdvantage {
    /// Balassa's revealed comparative advantage in past deals (value sold), when any.
    pub rca_deals: Option<f64>,
    pub commodity: String,
    pub name: String,
    /// Location quotient: production per head over the national production per head.
    pub lq: f64,
    /// `surplus` (LQ ≥ 1) or `deficit`.
    pub role: String,
    pub year: Option<u32>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvantagesResponse {
    pub province: Province,
    pub advantages: Vec<ProvinceAdvantage>,
}

/// `GET /v1/businesses/{id}/network`: who a business has traded with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkView {
    pub business: BusinessSummary,
    pub partners: Vec<PartnerView>,
    /// Provinces traded with, by completed value.
    pub provinces: Vec<ProvinceTradeView>,
    pub deals: DealCounts,
    /// A message when the business has no deals yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub province: String,
    /// `bought_from`, `sold_to` or `both`.
    pub role: String,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    /// Value of the completed deals, rupiah.
    pub value_idr: f64,
    pub last_date: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvinceTradeView {
    pub province: String,
    pub name: String,
    pub partners: u32,
    pub deals: u32,
    pub value_idr: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DealCounts {
    pub partners: u32,
    pub completed: u32,
    pub failed: u32,
    pub mou: u32,
    pub value_idr: f64,
}

/// `GET /v1/intro`: a warm introduction through past deals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntroView {
    pub from: String,
    pub to: String,
    /// The hops from `from` to `to`; absent when they are not connected.
    pub path: Option<Vec<HopView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HopView {
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    /// What `from` did with `to`: `bought_from`, `sold_to` or `both`.
    pub role: String,
    /// The deals behind this hop, newest first.
    pub deals: Vec<String>,
    pub completed: u32,
    pub mou: u32,
    pub value_idr: f64,
    pub last_date: String,
}

/// `GET /v1/flows`: completed trade between provinces, seller's to buyer's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlowsView {
    pub flows: Vec<FlowView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlowView {
    pub from: String,
    pub to: String,
    pub value_idr: f64,
}

/// `GET /v1/supply` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SupplyQuery {
    /// A catalog key (`bawang_merah`) or a commodity's name as people write it
    /// ("bawang merah", "shallots").
    pub commodity: String,
    /// The buying province: a code, or a name, abbreviation or capital.
    pub to: String,
    /// How many origins, 1 to 38 (default 38: all).
    pub limit: Option<usize>,
    /// `en` or `id`.
    pub lang: Option<String>,
}

/// One origin province of a commodity for a buying province.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplyOrigin {
    pub province: String,
    pub name: String,
    /// Expected share of what the buying province brings in from other provinces, 0–1.
    pub share: f64,
    /// Production in tons a year.
    pub tons: Option<f64>,
    pub figure: crate::supply::Figure,
    /// Production over the province's own consumption.
    pub self_ratio: Option<f64>,
    /// Production minus own consumption, tons a year (negative: it buys in too).
    pub surplus_t: Option<f64>,
    /// Great-circle distance between the capitals.
    pub km: f64,
    /// Whether the goods cross the sea (the capitals stand on different islands).
    pub sea_crossing: bool,
    pub reasons: Vec<String>,
}

/// The supply model's parameters and where they come from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplyModelInfo {
    pub params: crate::supply::SupplyParams,
    pub form: String,
    pub fitted_on: String,
}

/// `GET /v1/supply`: where a province's purchases of a commodity are expected to come from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplyResponse {
    pub commodity: String,
    pub name: String,
    pub to: String,
    pub to_name: String,
    /// The table the commodity is measured by; absent when none is (then `origins` is
    /// empty and `message` says so).
    pub table: Option<crate::supply::Table>,
    /// The part of its own consumption the buying province covers, 0–1.
    pub self_supply: Option<f64>,
    pub production_t: Option<f64>,
    /// Population × national production per head, tons a year.
    pub consumption_t: Option<f64>,
    /// What it buys from other provinces, tons a year.
    pub deficit_t: Option<f64>,
    /// Origins with a figure, by expected share, largest first.
    pub origins: Vec<SupplyOrigin>,
    /// Provinces with no figure in the table (never ranked).
    pub no_figure: Vec<String>,
    pub model: SupplyModelInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One KBKI entry as answers show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogEntry {
    /// The KBKI 2012 code, 1 to 10 digits (`2314006001`).
    pub code: String,
    /// BPS's name (Indonesian).
    pub name_id: String,
    pub level: crate::catalog::Level,
    /// How many listings of the directory (offers and needs) are filed under this code: those
    /// naming it or an item below it, and every listing of a commodity whose entry is at or
    /// below it.
    pub listings: u64,
}

/// `GET /v1/catalog/{code}`: an entry with its path from the section down and its children.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogEntryResponse {
    pub entry: CatalogEntry,
    /// Section first, parent last.
    pub ancestors: Vec<CatalogEntry>,
    pub children: Vec<CatalogEntry>,
    /// Curated commodities filed at this entry or below it (catalog keys).
    pub commodities: Vec<String>,
}

/// `GET /v1/catalog` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Words of a name ("keripik pisang") or the start of a code ("2399"); absent: the
    /// five sections.
    pub q: Option<String>,
    /// At most this many entries, 1 to 100 (default 20).
    pub limit: Option<usize>,
}

/// What a product name stands for in the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogResolution {
    /// The most specific entry covering everything the name stands for.
    pub entry: CatalogEntry,
    /// The curated commodity, when the name is one of its names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commodity: Option<String>,
    pub via: crate::catalog::Via,
}

/// `GET /v1/catalog?q=`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogSearchResponse {
    /// What the query resolves to as a product name; absent when no word of it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<CatalogResolution>,
    /// Entries whose code starts with the query or whose name holds all its words,
    /// shallowest first; else the nearest by shared words.
    pub entries: Vec<CatalogEntry>,
}

/// `GET /v1/commodities/{key}`: a curated commodity with its place in KBKI.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommodityResponse {
    #[serde(flatten)]
    pub commodity: crate::reference::Commodity,
    /// Its KBKI entry's ancestors, section first, then the entry itself.
    pub kbki_path: Vec<CatalogEntry>,
}
