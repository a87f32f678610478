//! Re-planning a stored mission around the organiser's edits (`POST
//! /v1/missions/{id}/replan`): the planner grid of the web interface sends the kept plan's
//! meetings as the organiser left them (moved, swapped) and the ones locked; the stored
//! mission's spec is re-planned around them with the day's re-planner
//! (`plan::replan`: locked = confirmed, so they never move; the others stay where they can)
//! and the answer is kept as the mission's plan, as `POST /v1/missions/{id}/plan` keeps its.
//!
//! The spec comes from the store, never from the caller: the edit is of the meetings only,
//! so the agendas stay those of the participants listed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Engine;
use super::access::Checked;
use super::mission_book::forbidden;
use crate::auth::Principal;
use crate::error::Error;
use crate::model::Lang;
use crate::plan::export::Schedule;
use crate::plan::replan::{PairRef, PreviousMeeting, ReplanRequest};

/// `POST /v1/missions/{id}/replan`: the kept plan's meetings as edited, and what is fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredReplan {
    /// The meetings, at the slot (and table) the organiser wants them; by default the
    /// kept plan's.
    #[serde(default)]
    pub meetings: Option<Vec<PreviousMeeting>>,
    /// Locked meetings (by their two participants): they keep their slot.
    #[serde(default)]
    pub locked: Vec<PairRef>,
    /// The first slot that may still change (on the day: the current one); 0 before.
    #[serde(default)]
    pub from_slot: u64,
    /// Participants who will not come.
    #[serde(default)]
    pub absent: Vec<String>,
}

impl Engine {
    /// Re-plans stored mission `id` around `edit` as `by` (an organiser of it) and keeps the
    /// new plan; a mission changed meanwhile is answered 409.
    pub fn replan_stored_mission_as(
        &self,
        by: &Principal,
        id: &str,
        edit: StoredReplan,
        lang: Lang,
    ) -> Checked<Schedule> {
        let m = self.stored_mission(id)?;
        if !by.may_organise(&m.row.organiser) {
            return Ok(Err(forbidden(&m.row.organiser)));
        }
        let previous = match edit.meetings {
            Some(meetings) => meetings,
            None => {
                let kept: Schedule = match m.row.plan.as_deref() {
                    Some(plan) => {
                        serde_json::from_str(plan).map_err(|e| Error::Corrupt(e.to_string()))?
                    }
                    None => {
                        return Err(Error::Conflict(crate::model::FieldError::new(
                            "meetings",
                            format!(
                                "mission {id} has no kept plan; send the meetings or plan it first"
                            ),
                        )));
                    }
                };
                kept.meetings
                    .iter()
                    .map(|x| PreviousMeeting {
                        a: x.a.clone(),
                        b: x.b.clone(),
                        slot: x.slot as u64,
                        table: Some(x.table as u64),
                    })
                    .collect()
            }
        };
        crate::plan::spec::PlanLimits::KEYED.check(&m.doc.spec)?;
        let request = ReplanRequest {
            spec: m.doc.spec.clone(),
            previous,
            from_slot: edit.from_slot,
            absent: edit.absent,
            confirmed: edit.locked,
        };
        let (requests, left_out) = m.planning_requests();
        let (mut schedule, impossible) = self
            .replan_with_requests(request, &requests, lang)
            .map_err(our_fields)?;
        schedule.requests = Some(super::mission_requests::tally(
            &requests, left_out, impossible, &schedule,
        ));
        self.keep_plan(id, m.row.version, &schedule)?;
        Ok(Ok(schedule))
    }
}

/// The re-planner's field names in this request's words (`previous` → `meetings`,
/// `confirmed` → `locked`).
fn our_fields(e: Error) -> Error {
    match e {
        Error::Invalid(mut f) => {
            for (theirs, ours) in [("previous", "meetings"), ("confirmed", "locked")] {
                if let Some(rest) = f.field.strip_prefix(theirs) {
                    f.field = format!("{ours}{rest}");
                }
            }
            Error::Invalid(f)
        }
        other => other,
    }
}
