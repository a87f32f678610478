//! Matching and search: ranking partners for a need or for every listing of a business
//! (`POST /v1/match`), full-text search over listings (`GET /v1/search`), and the filters
//! and limits both check.

use std::sync::Arc;
use std::time::Instant;

use super::types::{
    MatchFilters, MatchGroup, MatchRequest, MatchResponse, MatchResult, NeedSpec, SearchParams,
    SearchResponse, SearchResult, Understood,
};
use super::{
    DEFAULT_LIMIT, Engine, MAX_FILTER_VALUES, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_TEXT, elapsed_ms,
};
use crate::error::{Error, Result};
use crate::model::Lang;
use crate::model::{Certification, ListingKind};
use crate::score::{Direction, MatchContext, Weights};
use crate::search::{Filter, KeepFn, ScoreFn, TextMode, TextQuery};
use crate::understand::{Understanding, understand};

impl Engine {
    /// Ranks partners: suppliers for a need, suppliers for every need of a buyer, or markets
    /// for every offer of a seller.
    pub fn match_request(&self, req: &MatchRequest, lang: Lang) -> Result<MatchResponse> {
        let started = Instant::now();
        let limit = check_limit(req.limit)?;
        let weights = req.weights.unwrap_or(self.default_weights);
        weights.validate()?;
        let given = [
            req.need.is_some(),
            req.buyer.is_some(),
            req.seller.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Error::invalid(
                "need",
                "send one of \"need\", \"buyer\" or \"seller\", not several",
            ));
        }
        let mut filters = self.resolve_filters(req.filters.as_ref())?;
        filters.nearest = req.order == super::types::MatchOrder::Nearest;
        if let Some(need) = &req.need {
            return self.match_need(need, &filters, weights, lang, limit, started);
        }
        let (id, direction) = match (&req.buyer, &req.seller) {
            (Some(id), _) => (id, Direction::Suppliers),
            (_, Some(id)) => (id, Direction::Markets),
            _ => {
                return Err(Error::invalid(
                    "need",
                    "send a need ({\"need\": {\"text\": …, \"province\": …}}), a \"buyer\" id or a \"seller\" id",
                ));
            }
        };
        let business = self
            .store
            .get_business(id)?
            .ok_or_else(|| Error::NotFound {
                what: "business",
                id: id.clone(),
            })?;
        let province = self
            .reference
            .require_province("province", &business.province)?;
        let listings = match direction {
            Direction::Suppliers => &business.needs,
            Direction::Markets => &business.offers,
        };
        // One ranking per listing: the answer holds up to `limit` results for each, so the
        // two together are bounded (a business with 200 needs at limit 1,000 would be 200,000
        // results).
        if listings.len().saturating_mul(limit) > MAX_GROUPED_RESULTS {
            let most = (MAX_GROUPED_RESULTS / listings.len().max(1)).max(1);
            return Err(Error::invalid(
                "limit",
                format!(
                    "{} lists {} {}; with one ranking for each, limit may be at most {most} \
                     ({MAX_GROUPED_RESULTS} results in all)",
                    business.id,
                    listings.len(),
                    match direction {
                        Direction::Suppliers => "needs",
                        Direction::Markets => "offers",
                    }
                ),
            ));
        }
        let mut groups = Vec::new();
        for l in listings {
            let commodity = self
                .reference
                .require_commodity("commodity", &l.commodity)?;
            let amount = l
                .amount(match direction {
                    Direction::Suppliers => ListingKind::Need,
                    Direction::Markets => ListingKind::Offer,
                })
                .and_then(|q| q.monthly_base())
                .map(|(a, u)| (a, u.code()));
            let mut ctx = MatchContext::new(direction, province);
            ctx.commodities = vec![commodity];
            ctx.amount = amount;
            ctx.lang = lang;
            self.add_relationships(&mut ctx, Some(&business.id));
            let (total, results) =
                self.rank_partners(ctx, &l.title, Some(&business.id), &filters, weights, limit)?;
            let view = business
                .records()
                .into_iter()
                .find(|r| r.listing.id == l.id.clone().unwrap_or_default())
                .map(|r| r.listing);
            if let Some(listing) = view {
                groups.push(MatchGroup {
                    commodity: listing.commodity.clone(),
                    listing: Some(listing),
                    total,
                    results,
                });
            }
        }
        let results = best_of_groups(&groups, limit);
        let message = if groups.is_empty() {
            Some(match (direction, lang) {
                (Direction::Suppliers, Lang::En) => format!(
                    "{} lists no needs yet; add needs to its profile to find suppliers",
                    business.name
                ),
                (Direction::Suppliers, Lang::Id) => format!(
                    "{} belum mencantumkan kebutuhan; tambahkan kebutuhan di profilnya untuk mencari pemasok",
                    business.name
                ),
                (Direction::Markets, Lang::En) => format!(
                    "{} lists no offers yet; add offers to its profile to find buyers",
                    business.name
                ),
                (Direction::Markets, Lang::Id) => format!(
                    "{} belum mencantumkan penawaran; tambahkan penawaran di profilnya untuk mencari pembeli",
                    business.name
                ),
            })
        } else {
            None
        };
        let r = &self.reference;
        Ok(MatchResponse {
            took_ms: elapsed_ms(started),
            understood: Understood {
                commodities: listings
                    .iter()
                    .map(|l| l.commodity.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                corrected: Vec::new(),
                families: Vec::new(),
                province: Some(r.provinces[province].code.clone()),
                volume: None,
                certifications: Vec::new(),
                looking_for: Some(match direction {
                    Direction::Suppliers => ListingKind::Offer,
                    Direction::Markets => ListingKind::Need,
                }),
                kbki: Vec::new(),
            },
            total: groups.iter().map(|g| g.total).sum(),
            business: Some(business.summary()),
            message,
            groups: Some(groups),
            results,
        })
    }

    fn match_need(
        &self,
        need: &NeedSpec,
        filters: &ResolvedFilters,
        weights: Weights,
        lang: Lang,
        limit: usize,
        started: Instant,
    ) -> Result<MatchResponse> {
        let r = &self.reference;
        let text = need.text.as_deref().unwrap_or("").trim();
        if text.len() > MAX_QUERY_TEXT {
            return Err(Error::invalid(
                "need.text",
                format!("is longer than {MAX_QUERY_TEXT} bytes"),
            ));
        }
        let mut u = if self.options.understanding {
            understand(r, text)
        } else {
            Understanding {
                commodities: r.commodities_in_text(text),
                ..Understanding::default()
            }
        };
        // What the request says explicitly wins over what was read from the text.
        let province = match &need.province {
            Some(code) => r.require_province_named("need.province", code)?,
            None => u.province.ok_or_else(|| {
                Error::invalid(
                    "need.province",
                    "give the buyer's province code (e.g. \"36\" for Banten) or name it in the text",
                )
            })?,
        };
        u.province = Some(province);
        if let Some(key) = &need.commodity {
            u.commodities = vec![r.require_commodity("need.commodity", key)?];
            u.fuzzy.clear();
        }
        let commodities = u.commodities.clone();
        if !text.chars().any(char::is_alphanumeric) && commodities.is_empty() {
            return Err(Error::invalid(
                "need",
                "say what you need: give \"text\" or a catalog \"commodity\"",
            ));
        }
        for c in parse_certs("need.certifications", &need.certifications)? {
            if !u.certifications.contains(&c) {
                u.certifications.push(c);
            }
        }
        let certs = u.certifications.clone();
        if let Some(q) = &need.volume {
            q.validate("need.volume")?;
            u.volume = Some(q.clone());
        }
        let amount = u
            .volume
            .as_ref()
            .and_then(|q| q.monthly_base())
            .map(|(a, unit)| (a, unit.code()));
        let mut ctx = MatchContext::new(Direction::Suppliers, province);
        ctx.commodities = commodities.clone();
        ctx.amount = amount;
        ctx.certs = Certification::mask(&certs);
        ctx.lang = lang;
        self.add_relationships(&mut ctx, None);
        u.looking_for = Some(ListingKind::Offer);
        if commodities.len() < 2 {
            let (total, results) = self.rank_partners(ctx, text, None, filters, weights, limit)?;
            return Ok(MatchResponse {
                took_ms: elapsed_ms(started),
                understood: self.understood(&u, None),
                total,
                business: None,
                message: None,
                groups: None,
                results,
            });
        }
        // Several commodities ("bawang merah dan cabai rawit"): a ranking per commodity, so
        // one does not crowd the other out, and the best of them all.
        if commodities.len().saturating_mul(limit) > MAX_GROUPED_RESULTS {
            return Err(Error::invalid(
                "limit",
                format!(
                    "the need names {} commodities, each ranked on its own; limit may be at most {}",
                    commodities.len(),
                    (MAX_GROUPED_RESULTS / commodities.len()).max(1)
                ),
            ));
        }
        let mut groups = Vec::with_capacity(commodities.len());
        for &c in &commodities {
            let mut one = ctx.clone();
            one.commodities = vec![c];
            let (total, results) = self.rank_partners(one, text, None, filters, weights, limit)?;
            groups.push(MatchGroup {
                commodity: r.commodities[c].key.clone(),
                listing: None,
                total,
                results,
            });
        }
        Ok(MatchResponse {
            took_ms: elapsed_ms(started),
            understood: self.understood(&u, None),
            total: groups.iter().map(|g| g.total).sum(),
            business: None,
            message: None,
            results: best_of_groups(&groups, limit),
            groups: Some(groups),
        })
    }

    fn resolve_filters(&self, f: Option<&MatchFilters>) -> Result<ResolvedFilters> {
        let r = &self.reference;
        let mut out = ResolvedFilters::default();
        let Some(f) = f else {
            return Ok(out);
        };
        for (name, len) in [
            ("filters.provinces", f.provinces.len()),
            ("filters.island_groups", f.island_groups.len()),
            ("filters.kinds", f.kinds.len()),
            ("filters.certifications", f.certifications.len()),
            ("filters.kbki", f.kbki.len()),
        ] {
            if len > MAX_FILTER_VALUES {
                return Err(Error::invalid(
                    name,
                    format!("at most {MAX_FILTER_VALUES} values"),
                ));
            }
        }
        for (i, code) in f.provinces.iter().enumerate() {
            out.provinces
                .push(r.require_province_named(&format!("filters.provinces[{i}]"), code)?);
        }
        if !f.island_groups.is_empty() {
            let mut in_groups = Vec::new();
            for (i, g) in f.island_groups.iter().enumerate() {
                let members: Vec<usize> = (0..r.provinces.len())
                    .filter(|p| r.provinces[*p].island_group.eq_ignore_ascii_case(g))
                    .collect();
                if members.is_empty() {
                    let mut groups: Vec<&str> = r
                        .provinces
                        .iter()
                        .map(|p| p.island_group.as_str())
                        .collect();
                    groups.sort();
                    groups.dedup();
                    return Err(Error::invalid(
                        format!("filters.island_groups[{i}]"),
                        format!(
                            "unknown island group {g:?}; use one of {}",
                            groups.join(", ")
                        ),
                    ));
                }
                in_groups.extend(members);
            }
            let mut member = vec![false; r.provinces.len()];
            for p in in_groups {
                member[p] = true;
            }
            out.provinces = if out.provinces.is_empty() {
                (0..member.len()).filter(|p| member[*p]).collect()
            } else {
                out.provinces.into_iter().filter(|p| member[*p]).collect()
            };
            if out.provinces.is_empty() {
                // Province and island filters that exclude each other: nothing can match.
                out.nothing = true;
            }
        }
        if let Some(km) = f.max_km {
            if !km.is_finite() || !(1.0..=10_000.0).contains(&km) {
                return Err(Error::invalid(
                    "filters.max_km",
                    "must be a number of kilometres from 1 to 10000",
                ));
            }
            out.max_km = Some(km as f32);
        }
        for (i, code) in f.kbki.iter().enumerate() {
            let e = r.require_kbki(&format!("filters.kbki[{i}]"), code)?;
            out.kbki.push(r.catalog().entry(e).code.clone());
        }
        out.kinds = f.kinds.iter().map(|k| k.index()).collect();
        out.certs = Certification::mask(&parse_certs("filters.certifications", &f.certifications)?);
        if let Some(q) = &f.min_capacity {
            q.validate("filters.min_capacity")?;
            out.min_amount = q.monthly_base().map(|(a, u)| (a, u.code()));
        }
        out.same_province = f.same_province;
        Ok(out)
    }

    /// Ranks counterpart listings for one context; returns how many passed the filters and
    /// the top `limit` with explanations.
    pub(super) fn rank_partners(
        &self,
        ctx: MatchContext,
        text: &str,
        exclude_business: Option<&str>,
        filters: &ResolvedFilters,
        weights: Weights,
        limit: usize,
    ) -> Result<(usize, Vec<MatchResult>)> {
        if filters.nothing {
            return Ok((0, Vec::new()));
        }
        let r = &self.reference;
        let mut filter = Filter {
            kind: Some(match ctx.direction {
                Direction::Suppliers => ListingKind::Offer,
                Direction::Markets => ListingKind::Need,
            }),
            commodities: ctx.commodities.clone(),
            kbki: filters.kbki.clone(),
            provinces: filters.provinces.clone(),
            business_kinds: filters.kinds.clone(),
            certs: filters.certs | ctx.certs,
            exclude_business: exclude_business.map(str::to_string),
            ..Filter::default()
        };
        if !filters.same_province {
            filter.exclude_provinces.push(ctx.province);
        }
        if let Some(max) = filters.max_km {
            let near: Vec<usize> = (0..r.provinces.len())
                .filter(|&p| r.distance_km(ctx.province, p) <= max)
                .filter(|p| filter.provinces.is_empty() || filter.provinces.contains(p))
                .collect();
            if near.is_empty() {
                return Ok((0, Vec::new()));
            }
            filter.provinces = near;
        }
        // Nearest first: rank by the province's place in distance order, then by score
        // (a step of 10 per place is more than any score spread).
        let place: Option<Arc<Vec<f32>>> = filters.nearest.then(|| {
            let mut by_km: Vec<usize> = (0..r.provinces.len()).collect();
            by_km.sort_by(|a, b| {
                r.distance_km(ctx.province, *a)
                    .total_cmp(&r.distance_km(ctx.province, *b))
            });
            let mut place = vec![0.0; r.provinces.len()];
            for (i, p) in by_km.into_iter().enumerate() {
                place[p] = i as f32;
            }
            Arc::new(place)
        });
        let mode = if ctx.commodities.is_empty() {
            TextMode::Required
        } else {
            TextMode::Optional
        };
        let commodity = match ctx.commodities.as_slice() {
            [c] => Some(*c),
            _ => None,
        };
        let scorer = Arc::new(self.scorer(ctx, weights));
        let s = scorer.clone();
        let min = filters.min_amount;
        let keep = move |f: &crate::score::ListingFeatures| match min {
            Some((a, u)) => f.amount_unit == u && f.amount >= a,
            None => true,
        };
        let order = place.clone();
        let score: ScoreFn = Arc::new(move |f| {
            if !keep(f) {
                return None;
            }
            let score = s.score(f);
            Some(match &order {
                Some(place) => score - 10.0 * place.get(f.province).copied().unwrap_or(99.0),
                None => score,
            })
        });
        let text_query = TextQuery { text, mode };
        // Without a catalog commodity the text must match; with one, text only adds BM25.
        let found = match commodity {
            // One commodity: one pass that does not score a candidate whose province's
            // bound is below the k-th score found so far (the same answer as scoring all).
            Some(c) if !self.exhaustive.load(std::sync::atomic::Ordering::Relaxed) => {
                let provinces: Vec<usize> = (0..r.provinces.len())
                    .filter(|p| filter.provinces.is_empty() || filter.provinces.contains(p))
                    .filter(|p| !filter.exclude_provinces.contains(p))
                    .collect();
                let has_text = text.chars().any(char::is_alphanumeric);
                // A province the filters leave out has no candidates; its bound is never read.
                let mut bounds = vec![f32::INFINITY; r.provinces.len()];
                for (&province, bound) in provinces
                    .iter()
                    .zip(scorer.upper_bounds(c, &provinces, has_text))
                {
                    bounds[province] = match &place {
                        Some(place) => bound - 10.0 * place.get(province).copied().unwrap_or(99.0),
                        None => bound,
                    };
                }
                let (found, stats) = self.index.rank_bounded(
                    &filter,
                    &text_query,
                    limit,
                    score,
                    min.is_some().then(|| Arc::new(keep) as KeepFn),
                    bounds.into(),
                )?;
                self.skips.add(stats);
                found
            }
            _ => self.index.rank(&filter, &text_query, limit, 0, score)?,
        };
        let results = found
            .hits
            .into_iter()
            .enumerate()
            .map(|(i, hit)| {
                let mut e = scorer.explain(r, &hit.features);
                let ctx = &scorer.ctx;
                if !ctx
                    .relationship_reasons
                    .contains_key(&hit.features.business_key)
                    && e.explain.get("relationship").is_some_and(|v| *v > 0.0)
                {
                    e.reasons.extend(self.general_network_reasons(
                        ctx,
                        exclude_business,
                        &hit.record.business.id,
                        hit.features.province,
                    ));
                }
                let score = if place.is_some() {
                    scorer.score(&hit.features)
                } else {
                    hit.score
                };
                MatchResult {
                    rank: i + 1,
                    score: (score * 10_000.0).round() / 10_000.0,
                    business: hit.record.business,
                    listing: hit.record.listing,
                    explain: e.explain,
                    reasons: e.reasons,
                }
            })
            .collect();
        Ok((found.total, results))
    }

    /// Full-text search over listings with filters, ranked by BM25.
    pub fn search(&self, q: &SearchParams) -> Result<SearchResponse> {
        let started = Instant::now();
        let limit = check_limit(q.limit)?;
        let offset = q.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(Error::invalid(
                "offset",
                format!("must be at most {MAX_OFFSET}"),
            ));
        }
        let r = &self.reference;
        let text = q.q.as_deref().unwrap_or("").trim();
        if text.len() > MAX_QUERY_TEXT {
            return Err(Error::invalid(
                "q",
                format!("is longer than {MAX_QUERY_TEXT} bytes"),
            ));
        }
        // A query of only punctuation or symbols has no word to look for: answered as an
        // error, not with every document.
        if !text.is_empty() && !text.chars().any(char::is_alphanumeric) {
            return Err(Error::invalid(
                "q",
                "has no words to search for (only punctuation or symbols)",
            ));
        }
        for (name, list) in [
            ("province", &q.province),
            ("commodity", &q.commodity),
            ("kbki", &q.kbki),
            ("cert", &q.cert),
        ] {
            let n = list.as_deref().map_or(0, |l| l.split(',').count());
            if n > MAX_FILTER_VALUES {
                return Err(Error::invalid(
                    name,
                    format!("at most {MAX_FILTER_VALUES} comma-separated values"),
                ));
            }
        }
        let mut filter = Filter::default();
        if let Some(kind) = &q.kind {
            filter.kind = Some(ListingKind::parse(kind).ok_or_else(|| {
                Error::invalid("kind", format!("{kind:?} is not \"offer\" or \"need\""))
            })?);
        }
        if let Some(p) = &q.province {
            for code in p.split(',').filter(|s| !s.is_empty()) {
                filter
                    .provinces
                    .push(r.require_province_named("province", code.trim())?);
            }
        }
        if let Some(c) = &q.commodity {
            for key in c.split(',').filter(|s| !s.is_empty()) {
                filter
                    .commodities
                    .push(r.require_commodity("commodity", key.trim())?);
            }
        }
        if let Some(codes) = &q.kbki {
            for code in codes.split(',').filter(|s| !s.is_empty()) {
                let e = r.require_kbki("kbki", code.trim())?;
                filter.kbki.push(r.catalog().entry(e).code.clone());
            }
        }
        if let Some(c) = &q.cert {
            let list: Vec<String> = c.split(',').map(|s| s.trim().to_string()).collect();
            filter.certs = Certification::mask(&parse_certs("cert", &list)?);
        }
        let u = if self.options.understanding {
            understand(r, text)
        } else {
            Understanding::default()
        };
        // Listings of a commodity the text names come first, then the rest by BM25; a
        // listing of the kind the user looks for gets a small lift.
        let named = u.commodities.clone();
        let looking_for = u.looking_for;
        let score: ScoreFn = Arc::new(move |f| {
            let named_bonus = if named.contains(&f.commodity) {
                COMMODITY_BONUS
            } else {
                0.0
            };
            let kind_bonus = if looking_for == Some(f.kind) {
                1.0
            } else {
                0.0
            };
            Some(f.bm25 + named_bonus + kind_bonus)
        });
        let mode = if !u.commodities.is_empty() {
            TextMode::RequiredOr(u.commodities.clone())
        } else if text.is_empty() {
            TextMode::Optional
        } else {
            TextMode::Required
        };
        let found = self
            .index
            .rank(&filter, &TextQuery { text, mode }, limit, offset, score)?;
        Ok(SearchResponse {
            took_ms: elapsed_ms(started),
            total: found.total,
            understood: self.understood(&u, q.province.clone()),
            results: found
                .hits
                .into_iter()
                .map(|h| SearchResult {
                    score: (h.score * 10_000.0).round() / 10_000.0,
                    business: h.record.business,
                    listing: h.record.listing,
                })
                .collect(),
        })
    }
}

impl Engine {
    fn understood(&self, u: &Understanding, province: Option<String>) -> Understood {
        let r = &self.reference;
        let keys = |cs: &[usize]| cs.iter().map(|c| r.commodities[*c].key.clone()).collect();
        Understood {
            commodities: keys(&u.commodities),
            corrected: keys(&u.fuzzy),
            families: u.families.clone(),
            province: province.or_else(|| u.province.map(|p| r.provinces[p].code.clone())),
            volume: u.volume.clone(),
            certifications: u.certifications.clone(),
            looking_for: u.looking_for,
            kbki: u
                .kbki
                .iter()
                .map(|e| r.catalog().entry(*e).code.clone())
                .collect(),
        }
    }
}

/// What a search adds to the BM25 of a listing whose commodity the text names: more than any
/// BM25, so the named commodity always ranks first.
const COMMODITY_BONUS: f32 = 100.0;

/// The most results an answer of several rankings (one per listing or commodity) may hold.
const MAX_GROUPED_RESULTS: usize = 5_000;

/// The best results across groups, each listing once, ranked again.
fn best_of_groups(groups: &[MatchGroup], limit: usize) -> Vec<MatchResult> {
    let mut results: Vec<MatchResult> = groups.iter().flat_map(|g| g.results.clone()).collect();
    results.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut seen = std::collections::HashSet::new();
    results.retain(|r| seen.insert(r.listing.id.clone()));
    results.truncate(limit);
    for (i, r) in results.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    results
}

fn check_limit(limit: Option<usize>) -> Result<usize> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::invalid(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

fn parse_certs(field: &str, names: &[String]) -> Result<Vec<Certification>> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            continue;
        }
        let c = Certification::parse(n).ok_or_else(|| {
            Error::invalid(
                format!("{field}[{i}]"),
                format!(
                    "unknown certification {n:?}; use halal, bpom, sni, pirt, organic, haccp or gap"
                ),
            )
        })?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Filters resolved against the reference data.
#[derive(Debug, Clone, Default)]
pub(super) struct ResolvedFilters {
    pub(super) provinces: Vec<usize>,
    /// KBKI codes, any level.
    pub(super) kbki: Vec<String>,
    pub(super) kinds: Vec<u64>,
    pub(super) certs: u64,
    pub(super) min_amount: Option<(f64, u64)>,
    pub(super) same_province: bool,
    /// Only partners this close (capital to capital, km).
    pub(super) max_km: Option<f32>,
    /// Nearest provinces first rather than by score.
    pub(super) nearest: bool,
    /// The filters exclude each other.
    pub(super) nothing: bool,
}
