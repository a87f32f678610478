//! Participants' meeting requests on a stored mission (`/v1/missions/{id}/requests`): one
//! participant asks to meet another (`must` or `want`, with a note and a window of slots),
//! the other side accepts or declines, the asking side may withdraw; planning then uses
//! them (`POST /v1/missions/{id}/plan`).
//!
//! Stored inside the mission's document, beside the spec and attendance, rather than in a
//! table of their own: every change is then one `put_mission` — one transaction with its
//! audit row naming the key (entity `mission`), covered by the crash test like every mission
//! write — and no migration is needed on either backend. A request is never removed, only
//! `withdrawn`, so its id (`r-N`, the N-th of the mission) is never given to another and
//! the history of who asked, decided and when stays readable.
//!
//! Who may do what: whoever may organise the mission (an admin, the organising province's
//! office) everything; a business key asks only from its own business, accepts or declines
//! only requests addressed to it, withdraws only its own; readers and anonymous callers
//! nothing. A request names participants by id, so a firm asks through a business key once
//! it is linked to its registered business (listed by that business's id). Requests close
//! when the mission is published (409): the agendas people print must be the plan's.
//!
//! Which requests the planner gets: with the mission's `requests_need_acceptance` only the
//! accepted ones, otherwise every one neither declined nor withdrawn. A request the mission
//! as edited since can no longer hold (a participant removed, a pair now blocked, a window
//! past the day's last slot) is left out with the reason rather than failing the plan; the
//! kept plan's `requests` counts what was used, placed and left out.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Engine;
use super::access::{Checked, Forbidden};
use super::mission_book::{Loaded, forbidden, not_found};
use crate::auth::{Principal, Role};
use crate::error::{Error, Result};
use crate::model::FieldError;
use crate::plan::export::{LeftOutRequest, RequestTally, Schedule};
use crate::plan::spec::{Priority, RequestSpec};

/// Most requests one mission keeps (withdrawn ones included).
pub const MAX_REQUESTS: usize = 20_000;
/// Longest note, in characters.
const MAX_NOTE: usize = 500;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the other side.
    Pending,
    Accepted,
    Declined,
    /// Taken back by the asking side (or the organiser); kept as history.
    Withdrawn,
}

impl RequestStatus {
    fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Declined => "declined",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }
}

/// A meeting request as asked for (`POST /v1/missions/{id}/requests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeetingRequest {
    /// The participant asking (a business key: its own business).
    pub a: String,
    /// The participant asked.
    pub b: String,
    /// `must`: placed before anything else whenever it can be; `want` (default): a bonus.
    #[serde(default = "want")]
    pub priority: Priority,
    /// A word for the other side (at most 500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Inclusive `[first, last]`: the slots the meeting may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[u64; 2]>,
}

fn want() -> Priority {
    Priority::Want
}

/// A stored meeting request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeetingRequest {
    /// `r-N`, the N-th request of its mission.
    pub id: String,
    pub a: String,
    pub b: String,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[u64; 2]>,
    pub status: RequestStatus,
    /// The key that asked (`token` for the configured admin token).
    pub requested_by: String,
    /// When (UTC).
    pub requested_at: String,
    /// The key that accepted, declined or withdrew it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
}

/// The other side's answer (`POST /v1/missions/{id}/requests/{rid}/accept` or `/decline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Decline,
}

impl Loaded {
    /// Whether `by` is a business key whose business takes part (it then reads the mission
    /// and its own requests before publication).
    pub(super) fn takes_part(&self, by: Option<&Principal>) -> bool {
        by.filter(|p| p.role == Role::Business)
            .and_then(|p| p.business.as_deref())
            .is_some_and(|b| self.has_participant(b))
    }

    fn request_mut(&mut self, mission: &str, rid: &str) -> Result<&mut MeetingRequest> {
        self.doc
            .requests
            .iter_mut()
            .find(|r| r.id == rid)
            .ok_or_else(|| Error::NotFound {
                what: "request",
                id: format!("{mission}/{rid}"),
            })
    }

    /// 409 once published: requests close with the agendas.
    fn open_for_requests(&self) -> Result<()> {
        if self.row.published {
            return Err(Error::Conflict(FieldError::new(
                "published",
                format!(
                    "mission {} is published: its requests are closed (withdraw the \
                     publication, DELETE /v1/missions/{}/publish, to change them)",
                    self.row.id, self.row.id
                ),
            )));
        }
        Ok(())
    }

    /// The requests the planner gets (id, request), and those it does not with why.
    pub(super) fn planning_requests(&self) -> (Vec<(String, RequestSpec)>, Vec<LeftOutRequest>) {
        let need_acceptance = self.doc.spec.requests_need_acceptance;
        let mut used = Vec::new();
        let mut left_out = Vec::new();
        for r in &self.doc.requests {
            let planned = match r.status {
                RequestStatus::Accepted => true,
                RequestStatus::Pending => !need_acceptance,
                RequestStatus::Declined | RequestStatus::Withdrawn => false,
            };
            if planned {
                used.push((
                    r.id.clone(),
                    RequestSpec {
                        a: r.a.clone(),
                        b: r.b.clone(),
                        priority: r.priority,
                        window: r.window,
                        slot: None,
                    },
                ));
            } else {
                left_out.push(LeftOutRequest {
                    id: r.id.clone(),
                    reason: r.status.as_str().to_string(),
                });
            }
        }
        (used, left_out)
    }
}

/// What planning made of the requests: `given` went to the planner, of which `impossible`
/// came back left out; `left_out` were never given.
pub(super) fn tally(
    given: &[(String, RequestSpec)],
    mut left_out: Vec<LeftOutRequest>,
    impossible: Vec<LeftOutRequest>,
    schedule: &Schedule,
) -> RequestTally {
    let meets = |a: &str, b: &str| {
        schedule
            .meetings
            .iter()
            .any(|m| (m.a == a && m.b == b) || (m.a == b && m.b == a))
    };
    let mut out = RequestTally::default();
    for (id, r) in given {
        if impossible.iter().any(|x| &x.id == id) {
            continue;
        }
        out.used += 1;
        if meets(&r.a, &r.b) {
            out.placed += 1;
        } else {
            out.unplaced.push(id.clone());
        }
    }
    left_out.extend(impossible);
    out.left_out = left_out;
    out
}

fn refuse(message: String) -> Checked<MeetingRequest> {
    Ok(Err(Forbidden(message)))
}

impl Engine {
    /// Files a meeting request on mission `id` as `by` (`POST /v1/missions/{id}/requests`).
    pub fn request_meeting_as(
        &self,
        by: &Principal,
        id: &str,
        new: NewMeetingRequest,
    ) -> Checked<MeetingRequest> {
        if let Some(note) = &new.note
            && (note.chars().count() > MAX_NOTE
                || note.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(Error::invalid(
                "note",
                format!("at most {MAX_NOTE} characters, no control characters but new lines"),
            ));
        }
        if new.a == new.b {
            return Err(Error::invalid(
                "b",
                format!("{:?} cannot ask to meet itself", new.a),
            ));
        }
        if let Some([first, last]) = new.window
            && first > last
        {
            return Err(Error::invalid(
                "window",
                format!("range [{first}, {last}] is reversed"),
            ));
        }
        // Registered businesses' provinces (their sides), read before the write transaction
        // (whose connection is the writer's).
        let province = |pid: &str| -> Result<Option<String>> {
            Ok(self.store.get_business_keyed(pid)?.map(|(_, b)| b.province))
        };
        let provinces = (province(&new.a)?, province(&new.b)?);
        let at = crate::auth::now_utc();
        self.change_requests(id, |m| {
            let organiser = by.may_organise(&m.row.organiser);
            let own = by.role == Role::Business && by.business.as_deref() == Some(new.a.as_str());
            if !organiser && !own {
                return refuse(match by.role {
                    Role::Business => format!(
                        "a business key asks for meetings only from its own business ({:?})",
                        by.business.as_deref().unwrap_or("")
                    ),
                    _ => forbidden(&m.row.organiser).0,
                });
            }
            m.open_for_requests()?;
            let spec = &m.doc.spec;
            for (field, pid) in [("a", &new.a), ("b", &new.b)] {
                if !m.has_participant(pid) {
                    return Err(Error::invalid(
                        field,
                        format!("{pid:?} is not a participant of mission {id}"),
                    ));
                }
            }
            let firm_province = |pid: &str| {
                spec.firms
                    .iter()
                    .find(|f| f.id == pid)
                    .map(|f| f.province.clone())
            };
            let side_a = spec.side_of(
                &new.a,
                firm_province(&new.a).or(provinces.0.clone()).as_deref(),
            );
            let side_b = spec.side_of(
                &new.b,
                firm_province(&new.b).or(provinces.1.clone()).as_deref(),
            );
            if side_a.is_some() && side_a == side_b {
                return Err(Error::invalid(
                    "b",
                    format!(
                        "{:?} and {:?} are both on side {:?}; meetings are between sides",
                        new.a,
                        new.b,
                        side_a.unwrap_or_default()
                    ),
                ));
            }
            let pair = |x: &str, y: &str| (x == new.a && y == new.b) || (x == new.b && y == new.a);
            if spec.blocked.iter().any(|[x, y]| pair(x, y)) {
                return Err(Error::invalid(
                    "b",
                    format!(
                        "{:?} and {:?} are a blocked pair of this mission",
                        new.a, new.b
                    ),
                ));
            }
            if let Some([_, last]) = new.window
                && last >= spec.slots.count
            {
                return Err(Error::invalid(
                    "window",
                    format!(
                        "slot {last} is past the day's last slot ({})",
                        spec.slots.count.saturating_sub(1)
                    ),
                ));
            }
            if let Some(old) = m
                .doc
                .requests
                .iter()
                .find(|r| r.status != RequestStatus::Withdrawn && pair(&r.a, &r.b))
            {
                return Err(Error::Conflict(FieldError::new(
                    "b",
                    format!(
                        "{:?} and {:?} already have request {} ({})",
                        new.a,
                        new.b,
                        old.id,
                        old.status.as_str()
                    ),
                )));
            }
            if m.doc.requests.len() >= MAX_REQUESTS {
                return Err(Error::Conflict(FieldError::new(
                    "requests",
                    format!("mission {id} already keeps {MAX_REQUESTS} requests"),
                )));
            }
            let request = MeetingRequest {
                id: format!("r-{}", m.doc.requests.len() + 1),
                a: new.a,
                b: new.b,
                priority: new.priority,
                note: new.note,
                window: new.window,
                status: RequestStatus::Pending,
                requested_by: by.key_id.clone(),
                requested_at: at,
                decided_by: None,
                decided_at: None,
            };
            m.doc.requests.push(request.clone());
            Ok(Ok(request))
        })
    }

    /// The other side's answer to request `rid` (`POST …/requests/{rid}/accept|decline`):
    /// its business's key or an organiser; a declined request may still be accepted (and
    /// the other way round) until the mission is published.
    pub fn decide_request_as(
        &self,
        by: &Principal,
        id: &str,
        rid: &str,
        decision: Decision,
    ) -> Checked<MeetingRequest> {
        let at = crate::auth::now_utc();
        self.change_requests(id, |m| {
            let organiser = by.may_organise(&m.row.organiser);
            let r = m.request_mut(id, rid)?;
            let addressee = by.role == Role::Business && by.business.as_deref() == Some(&r.b);
            if !organiser && !addressee {
                let who = r.b.clone();
                return refuse(format!(
                    "only {who:?}'s business key or an organiser of the mission answers this \
                     request"
                ));
            }
            m.open_for_requests()?;
            let r = m.request_mut(id, rid)?;
            if r.status == RequestStatus::Withdrawn {
                return Err(Error::Conflict(FieldError::new(
                    "status",
                    format!("request {rid} was withdrawn"),
                )));
            }
            r.status = match decision {
                Decision::Accept => RequestStatus::Accepted,
                Decision::Decline => RequestStatus::Declined,
            };
            r.decided_by = Some(by.key_id.clone());
            r.decided_at = Some(at);
            Ok(Ok(r.clone()))
        })
    }

    /// Withdraws request `rid` (`DELETE …/requests/{rid}`): the asking business's key or
    /// an organiser. It stays listed as `withdrawn`.
    pub fn withdraw_request_as(
        &self,
        by: &Principal,
        id: &str,
        rid: &str,
    ) -> Checked<MeetingRequest> {
        let at = crate::auth::now_utc();
        self.change_requests(id, |m| {
            let organiser = by.may_organise(&m.row.organiser);
            let r = m.request_mut(id, rid)?;
            let asker = by.role == Role::Business && by.business.as_deref() == Some(&r.a);
            if !organiser && !asker {
                let who = r.a.clone();
                return refuse(format!(
                    "only {who:?}'s business key or an organiser of the mission withdraws \
                     this request"
                ));
            }
            m.open_for_requests()?;
            let r = m.request_mut(id, rid)?;
            if r.status == RequestStatus::Withdrawn {
                return Err(Error::Conflict(FieldError::new(
                    "status",
                    format!("request {rid} is already withdrawn"),
                )));
            }
            r.status = RequestStatus::Withdrawn;
            r.decided_by = Some(by.key_id.clone());
            r.decided_at = Some(at);
            Ok(Ok(r.clone()))
        })
    }

    /// A mission's requests as `by` may read them (`GET /v1/missions/{id}/requests`): all
    /// of them for its organisers; for a business key those its business asked or was
    /// asked, even before the mission is published; for anyone else none (and an
    /// unpublished mission is "not found").
    pub fn requests_for(&self, by: Option<&Principal>, id: &str) -> Result<Vec<MeetingRequest>> {
        let m = self.stored_mission(id)?;
        if by.is_some_and(|p| p.may_organise(&m.row.organiser)) {
            return Ok(m.doc.requests);
        }
        let business = by
            .filter(|p| p.role == Role::Business)
            .and_then(|p| p.business.as_deref());
        if !m.takes_part(by) && !m.visible_to(by) {
            return Err(not_found(id));
        }
        Ok(m.doc
            .requests
            .into_iter()
            .filter(|r| business.is_some_and(|b| r.a == b || r.b == b))
            .collect())
    }

    /// Reads the mission in the write transaction, applies `change` to it (which checks the
    /// caller itself) and writes it back with its plan and publication kept.
    fn change_requests(
        &self,
        id: &str,
        change: impl FnOnce(&mut Loaded) -> Checked<MeetingRequest>,
    ) -> Checked<MeetingRequest> {
        self.store.write(|w| {
            let Some(row) = w.get_mission(id)? else {
                return Err(not_found(id));
            };
            let mut m = Loaded::parse(row)?;
            let out = match change(&mut m)? {
                Ok(out) => out,
                Err(refused) => return Ok(Err(refused)),
            };
            w.put_mission(&m.changed(true)?)?;
            Ok(Ok(out))
        })
    }
}
