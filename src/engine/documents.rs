//! The documents of a planned mission: who its parties are (`plan::export::Details`, filled
//! from the store) and the rendering in the asked format.
//!
//! The planner prints only what it is given, so this is where personal data is decided: a
//! party's contact goes into the details only when the business publishes it or the reader
//! may see it (`Principal::sees_contacts_of`, the rule `GET /v1/businesses/{id}` applies).
//! Topic and product names come from the catalog in the reader's language; codes never
//! reach a page.

use std::collections::BTreeSet;

use super::Engine;
use crate::auth::Principal;
use crate::error::{Error, Result};
use crate::model::{Lang, Listing};
use crate::plan::export::{
    Details, PartyInfo, PlanFormat, RenderError, RenderOptions, Rendered, Schedule,
};

impl Engine {
    /// Who the parties of `schedule` are, in `lang`: name, city, province name, offers and
    /// needs by catalog name, and contacts where `viewer` may see them (`None`: an anonymous
    /// reader, who sees only published contacts). Participants that are not registered
    /// businesses are left to the schedule's names.
    pub fn plan_details(
        &self,
        schedule: &Schedule,
        viewer: Option<&Principal>,
        lang: Lang,
    ) -> Result<Details> {
        let r = &self.reference;
        let commodity = |key: &str| match r.commodity(key).and_then(|c| r.commodities.get(c)) {
            Some(c) => match lang {
                Lang::Id => c.name_id.clone(),
                Lang::En => c.name_en.clone(),
            },
            None => key.replace('_', " "),
        };
        let names = |listings: &[Listing]| {
            let mut seen = BTreeSet::new();
            listings
                .iter()
                .filter(|l| seen.insert(l.commodity.as_str()))
                .map(|l| commodity(&l.commodity))
                .collect::<Vec<_>>()
        };
        let mut details = Details::default();
        for p in &schedule.participants {
            let Some(b) = self.store.get_business(&p.id)? else {
                continue;
            };
            let sees = b.publish_contacts
                || viewer.is_some_and(|v| v.sees_contacts_of(&b.id, &b.province));
            let province = r
                .province(&b.province)
                .and_then(|i| r.provinces.get(i))
                .map(|p| p.name.clone());
            details.insert_party(
                p.id.clone(),
                PartyInfo {
                    name: b.name.clone(),
                    city: b.city.clone(),
                    province,
                    offers: names(&b.offers),
                    needs: names(&b.needs),
                    contact: if sees { b.contacts.clone() } else { None },
                },
            );
        }
        for topic in schedule.meetings.iter().filter_map(|m| m.topic.as_deref()) {
            details.insert_topic(topic, commodity(topic));
        }
        Ok(details)
    }

    /// `schedule` as a document in `format`, with its parties' details as `viewer` may see
    /// them. An unknown `options.participant` is the caller's error (400, `participant`).
    pub fn render_plan(
        &self,
        schedule: &Schedule,
        viewer: Option<&Principal>,
        format: PlanFormat,
        options: &RenderOptions,
    ) -> Result<Rendered> {
        let details = if format == PlanFormat::Json {
            Details::default()
        } else {
            self.plan_details(schedule, viewer, options.lang)?
        };
        crate::plan::export::render(schedule, &details, format, options).map_err(|e| match e {
            RenderError::Invalid(f) => Error::Invalid(f),
            RenderError::Write(m) => Error::io("rendering the plan", std::io::Error::other(m)),
        })
    }
}
