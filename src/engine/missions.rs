//! Trade missions: resolving a mission spec's participants against the store, the pair
//! weight (the better direction's score, floored at zero, plus 0.05), and the planner's
//! schedule with agendas — planned, or re-planned on the day around what already happened.

use std::collections::HashMap;

use super::Engine;
use crate::error::{Error, Result};
use crate::model::FieldError;
use crate::model::Lang;
use crate::model::{Business, Certification, ListingKind};
use crate::plan::export::{LeftOutRequest, Schedule};
use crate::plan::replan::ReplanRequest;
use crate::plan::spec::RequestSpec;
use crate::plan::{self, MissionSpec, PairScore, ProblemConfig};
use crate::score::{Direction, MatchContext, Scorer};

/// The mission specs compiled into the binary from `fixtures/missions/`.
pub const FIXTURE_MISSIONS: &[(&str, &str)] = &[(
    "jatim-banten-2023",
    include_str!("../../fixtures/missions/jatim-banten-2023.json"),
)];

/// What a business brings to a mission's pair scoring.
struct Profile {
    key: u64,
    province: usize,
    certs: u64,
    kind: u64,
    /// (commodity, monthly amount, unit code) per offer.
    offers: Vec<(usize, f64, u64)>,
    needs: Vec<(usize, f64, u64)>,
}

impl Engine {
    /// Plans a mission: resolves its participants against the store (unless
    /// `preferences_only`), scores every cross-side pair in both directions, and runs the
    /// planner. Returns the schedule with per-participant agendas.
    pub fn plan_mission(&self, spec: MissionSpec) -> Result<Schedule> {
        self.plan_mission_in(spec, Lang::En)
    }

    /// [`Engine::plan_mission`] with reasons in `lang`.
    pub fn plan_mission_in(&self, spec: MissionSpec, lang: Lang) -> Result<Schedule> {
        Ok(self.plan_with_requests(spec, &[], lang)?.0)
    }

    /// [`Engine::plan_mission_in`] with a stored mission's participant requests `extra`
    /// (id, request) added to the spec's own once its sides are resolved; those the mission
    /// as it is now cannot plan are left out and returned with why.
    pub(super) fn plan_with_requests(
        &self,
        spec: MissionSpec,
        extra: &[(String, RequestSpec)],
        lang: Lang,
    ) -> Result<(Schedule, Vec<LeftOutRequest>)> {
        self.with_mission(spec, extra, |mission, score, names| {
            let (problem, solution) =
                plan::plan_in(mission, score, &ProblemConfig::default(), lang);
            Ok(plan::export::schedule(
                mission,
                &problem,
                &solution,
                Some(names),
                true,
            ))
        })
    }

    /// Re-plans a mission on the day (`POST /v1/missions/replan`): meetings before
    /// `from_slot` and confirmed ones stay, absent participants' later meetings go, freed
    /// participants get new meetings; the answer lists what was added, moved and cancelled.
    pub fn replan_mission(&self, request: ReplanRequest, lang: Lang) -> Result<Schedule> {
        Ok(self.replan_with_requests(request, &[], lang)?.0)
    }

    /// [`Engine::replan_mission`] with a stored mission's participant requests (see
    /// [`Engine::plan_with_requests`]).
    pub(super) fn replan_with_requests(
        &self,
        request: ReplanRequest,
        extra: &[(String, RequestSpec)],
        lang: Lang,
    ) -> Result<(Schedule, Vec<LeftOutRequest>)> {
        let ReplanRequest {
            spec,
            previous,
            from_slot,
            absent,
            confirmed,
        } = request;
        self.with_mission(spec, extra, |mission, score, names| {
            let input = plan::replan::resolve(mission, &previous, from_slot, &absent, &confirmed)
                .map_err(spec_error)?;
            let problem = plan::build_problem(mission, score, &ProblemConfig::default());
            let (problem, solution, changes) = plan::replan::replan(
                &problem,
                &input.previous,
                input.from_slot,
                &input.absent,
                &input.confirmed,
                &plan::solve_config(mission, lang),
            );
            let mut schedule =
                plan::export::schedule(mission, &problem, &solution, Some(names), true);
            schedule.changes = Some(plan::export::changes(&problem, &solution, &changes, lang));
            Ok(schedule)
        })
    }

    /// Resolves a spec's participants against the store, validates it, and hands `run` the
    /// mission, the pair score and the display-name lookup.
    fn with_mission<T>(
        &self,
        mut spec: MissionSpec,
        extra: &[(String, RequestSpec)],
        run: impl FnOnce(
            &plan::Mission,
            &dyn Fn(&str, &str) -> Option<PairScore>,
            &dyn Fn(&str) -> Option<String>,
        ) -> Result<T>,
    ) -> Result<(T, Vec<LeftOutRequest>)> {
        let r = &self.reference;
        r.require_province("host_province", &spec.host_province)?;
        let mut businesses: HashMap<String, (u64, Business)> = HashMap::new();
        // Firms (participants that are not stored businesses) score like businesses; their
        // keys lie above every store key, so no relationship is ever found for them.
        for (i, firm) in spec.firms.iter().enumerate() {
            let mut firm = firm.clone();
            self.validate_firm(i, &mut firm)?;
            if !spec.participants.iter().any(|p| p.id == firm.id) {
                spec.participants.push(plan::spec::ParticipantSpec {
                    id: firm.id.clone(),
                    side: None,
                    available: None,
                    max_meetings: None,
                    name: Some(firm.name.clone()),
                    province: Some(firm.province.clone()),
                    min_meetings: None,
                    seats: None,
                });
            }
            if businesses.contains_key(&firm.id) {
                return Err(Error::invalid(
                    format!("firms[{i}].id"),
                    format!("{:?} is the id of another firm", firm.id),
                ));
            }
            businesses.insert(firm.id.clone(), (u64::MAX - i as u64, firm));
        }
        for (i, p) in spec.participants.iter().enumerate() {
            if businesses.contains_key(&p.id) {
                continue;
            }
            if let Some(prov) = &p.province {
                r.require_province(&format!("participants[{i}].province"), prov)?;
            }
            match self.store.get_business_keyed(&p.id)? {
                Some(b) => {
                    businesses.insert(p.id.clone(), b);
                }
                None if spec.preferences_only => {}
                None => {
                    return Err(Error::invalid(
                        format!("participants[{i}].id"),
                        format!(
                            "unknown business {:?}; add it first, or plan with \"preferences_only\": true",
                            p.id
                        ),
                    ));
                }
            }
        }
        spec.resolve_sides(|id| businesses.get(id).map(|(_, b)| b.province.clone()))
            .map_err(spec_error)?;
        let mut left_out = Vec::new();
        for (id, request) in extra {
            match spec.request_problem(request) {
                Some(reason) => left_out.push(LeftOutRequest {
                    id: id.clone(),
                    reason,
                }),
                None => spec.requests.push(request.clone()),
            }
        }
        let mission = spec.validate().map_err(spec_error)?;
        let profiles: HashMap<&str, Profile> = businesses
            .iter()
            .filter_map(|(id, (key, b))| Some((id.as_str(), self.profile(*key, b)?)))
            .collect();
        // One scorer per buyer province, for both directions of every pair.
        let mut scorers: HashMap<usize, Scorer> = HashMap::new();
        for p in profiles.values() {
            scorers.entry(p.province).or_insert_with(|| {
                let mut ctx = MatchContext::new(Direction::Suppliers, p.province);
                ctx.commodities = (0..r.commodities.len()).collect();
                self.add_relationships(&mut ctx, None);
                self.scorer(ctx, self.default_weights)
            });
        }
        let one_way = |seller: &Profile, buyer: &Profile| -> Option<(f32, usize)> {
            let scorer = scorers.get(&buyer.province)?;
            let mut best: Option<(f32, usize)> = None;
            for &(c, amount, unit) in &seller.offers {
                for &(nc, need, need_unit) in &buyer.needs {
                    if nc != c {
                        continue;
                    }
                    let l = crate::score::ListingFeatures {
                        business_key: seller.key,
                        bm25: 0.0,
                        kind: ListingKind::Offer,
                        commodity: c,
                        province: seller.province,
                        business_kind: seller.kind,
                        certs: seller.certs,
                        amount,
                        amount_unit: unit,
                    };
                    let f = scorer.features_with(&l, (need > 0.0).then_some((need, need_unit)));
                    let s = scorer.total(&f);
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, c));
                    }
                }
            }
            best
        };
        let score = |a: &str, b: &str| -> Option<PairScore> {
            let (pa, pb) = (profiles.get(a)?, profiles.get(b)?);
            let best = match (one_way(pa, pb), one_way(pb, pa)) {
                (Some(x), Some(y)) => Some(if x.0 >= y.0 { x } else { y }),
                (x, y) => x.or(y),
            }?;
            // Every pair with something to trade is worth a meeting; a better-placed pair
            // more so. Scores can dip below zero (far apart, no advantage), weights cannot.
            Some(PairScore {
                weight: f64::from(best.0.max(0.0)) + 0.05,
                topic: Some(r.commodities[best.1].key.clone()),
            })
        };
        let names = |id: &str| businesses.get(id).map(|(_, b)| b.name.clone());
        Ok((run(&mission, &score, &names)?, left_out))
    }

    /// Checks firm `i` of a spec as a business record, and that its id is not a stored
    /// business's (a registered business is listed in `participants` by its id instead).
    pub(super) fn validate_firm(&self, i: usize, firm: &mut Business) -> Result<()> {
        self.validate_business(firm)
            .map_err(|e| Error::invalid(format!("firms[{i}].{}", e.field), e.message))?;
        if self.store.business_key(&firm.id)?.is_some() {
            return Err(Error::invalid(
                format!("firms[{i}].id"),
                format!(
                    "{:?} is a registered business: list it in \"participants\" by its id",
                    firm.id
                ),
            ));
        }
        Ok(())
    }

    fn profile(&self, key: u64, b: &Business) -> Option<Profile> {
        let r = &self.reference;
        let amounts = |listings: &[crate::model::Listing], kind: ListingKind| {
            listings
                .iter()
                .filter_map(|l| {
                    let c = r.commodity(&l.commodity)?;
                    let (a, u) = l
                        .amount(kind)
                        .and_then(|q| q.monthly_base())
                        .map_or((-1.0, 0), |(a, u)| (a, u.code()));
                    Some((c, a, u))
                })
                .collect()
        };
        Some(Profile {
            key,
            province: r.province(&b.province)?,
            certs: Certification::mask(&b.certifications),
            kind: b.kind.index(),
            offers: amounts(&b.offers, ListingKind::Offer),
            needs: amounts(&b.needs, ListingKind::Need),
        })
    }
}

fn spec_error(e: FieldError) -> Error {
    Error::invalid(
        if e.field.is_empty() {
            "body".to_string()
        } else {
            e.field
        },
        e.message,
    )
}
