//! Stored missions (`/v1/missions/{id}`): create, edit, list, delete, participants from a
//! spreadsheet, planning with the kept plan, publishing — each write checked against the
//! caller and made in one store transaction with its audit row.
//!
//! Who may do what: admins and the organising province's office write a mission and read
//! it before it is published; everyone else (anonymous, readers, business keys, other
//! provinces) reads published missions only — an unpublished one is "not found" to their
//! reads, so its existence does not leak; a write by a key that may not is refused (403).
//! One exception: a business key whose business takes part reads the mission itself (not its
//! plan or report) before publication, to see whom it may ask to meet (`mission_requests`).
//! Firms' contacts (personal data) are shown only to those who may organise the mission or
//! would see a business's contacts in the firm's province.
//!
//! Planning gives the planner the participants' requests (`mission_requests`) beside the
//! spec's own, and the kept plan says what became of them.
//!
//! Planning runs outside the store's write lock (it takes seconds); the plan is kept only
//! if the mission did not change meanwhile (its `version`), otherwise the caller is told to
//! plan again (409). An edit drops the kept plan and unpublishes: the agendas people print
//! must be those of the participants listed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Engine;
use super::access::{Checked, Forbidden};
use crate::auth::Principal;
use crate::error::{Error, MAX_ROW_ERRORS, Result, RowError};
use crate::import::{ParticipantRow, TableFormat, participants_from_table, read_table};
use crate::model::{FieldError, Lang};
use crate::plan::MissionSpec;
use crate::plan::export::Schedule;
use crate::plan::spec::ParticipantSpec;
use crate::store::MissionRow;

/// A stored mission as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StoredMission {
    /// `m-N`.
    pub id: String,
    pub published: bool,
    /// Counts the mission's writes (an edit, a plan, attendance…), from 1.
    pub version: u64,
    /// When it last changed (UTC).
    pub updated: String,
    /// Whether a plan is kept (`GET /v1/missions/{id}/plan`).
    pub planned: bool,
    /// The mission: its day, venue, slots, tables, participants and firms; `organiser` is
    /// always set.
    pub spec: MissionSpec,
    /// Check-ins and no-shows, by participant id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attendance: BTreeMap<String, Attendance>,
}

/// Whether a participant came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Present,
    Absent,
}

/// One mission in the list of `GET /v1/missions`: a stored one (`m-N`) or a spec that ships
/// with jalin (`shipped`: read it at `/v1/missions/{name}`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MissionSummary {
    pub id: String,
    pub name: String,
    pub date: String,
    pub host_province: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organiser: Option<String>,
    pub participants: usize,
    pub published: bool,
    pub planned: bool,
    /// A spec compiled into jalin (`fixtures/missions/`), not a stored mission.
    pub shipped: bool,
}

/// What a participant spreadsheet changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ParticipantsImported {
    /// Rows read.
    pub rows: usize,
    /// Rows that named a registered business (by its id, or the id its province, name and
    /// city give): listed by that id.
    pub registered: usize,
    /// Rows kept as firms (not registered businesses).
    pub firms: usize,
    /// Rows new to the mission, and rows that replaced a participant already there.
    pub added: usize,
    pub replaced: usize,
    /// The mission after the import (its plan dropped, unpublished).
    pub mission: StoredMission,
}

/// The stored document of a mission (the row's `body`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct MissionDoc {
    pub spec: MissionSpec,
    #[serde(default)]
    pub attendance: BTreeMap<String, Attendance>,
    /// Participants' meeting requests, oldest first (`mission_requests`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<super::mission_requests::MeetingRequest>,
}

/// A stored mission read back: its row and its document.
pub(super) struct Loaded {
    pub row: MissionRow,
    pub doc: MissionDoc,
}

impl Loaded {
    pub(super) fn parse(row: MissionRow) -> Result<Loaded> {
        let doc: MissionDoc =
            serde_json::from_str(&row.body).map_err(|e| Error::Corrupt(e.to_string()))?;
        Ok(Loaded { row, doc })
    }

    /// Whether `by` may read it: anyone once published, its organisers before.
    pub(super) fn visible_to(&self, by: Option<&Principal>) -> bool {
        self.row.published || by.is_some_and(|p| p.may_organise(&self.row.organiser))
    }

    /// The mission as `by` may see it (firms' contacts only for those allowed).
    pub(super) fn view(&self, by: Option<&Principal>) -> StoredMission {
        let mut spec = self.doc.spec.clone();
        let organiser = by.is_some_and(|p| p.may_organise(&self.row.organiser));
        for firm in &mut spec.firms {
            let sees =
                organiser || by.is_some_and(|p| p.sees_contacts_of(&firm.id, &firm.province));
            if !sees {
                *firm = firm.clone().public_view();
            }
        }
        StoredMission {
            id: self.row.id.clone(),
            published: self.row.published,
            version: self.row.version,
            updated: self.row.updated.clone(),
            planned: self.row.plan.is_some(),
            spec,
            attendance: self.doc.attendance.clone(),
        }
    }

    /// Whether `id` is one of its participants (listed, or a firm).
    pub(super) fn has_participant(&self, id: &str) -> bool {
        self.doc.spec.participants.iter().any(|p| p.id == id)
            || self.doc.spec.firms.iter().any(|f| f.id == id)
    }

    /// The row to write back after a change of the document: next version, now.
    pub(super) fn changed(&self, keep_plan: bool) -> Result<MissionRow> {
        Ok(MissionRow {
            body: serde_json::to_string(&self.doc).map_err(|e| Error::Corrupt(e.to_string()))?,
            plan: if keep_plan {
                self.row.plan.clone()
            } else {
                None
            },
            published: keep_plan && self.row.published,
            version: self.row.version + 1,
            updated: crate::auth::now_utc(),
            organiser: self.doc.spec.organiser.clone().unwrap_or_default(),
            host: self.doc.spec.host_province.clone(),
            id: self.row.id.clone(),
        })
    }
}

pub(super) fn not_found(id: &str) -> Error {
    Error::NotFound {
        what: "mission",
        id: id.to_string(),
    }
}

pub(super) fn forbidden(organiser: &str) -> Forbidden {
    Forbidden(format!(
        "only an admin or the office of province {organiser} writes this mission"
    ))
}

impl Engine {
    /// A stored mission as `by` may read it (not found when it may not).
    pub(super) fn load_mission(&self, by: Option<&Principal>, id: &str) -> Result<Loaded> {
        let row = self.store.get_mission(id)?.ok_or_else(|| not_found(id))?;
        let loaded = Loaded::parse(row)?;
        if loaded.visible_to(by) {
            Ok(loaded)
        } else {
            Err(not_found(id))
        }
    }

    /// A stored mission whoever asks (writes then check the caller: a key that may not
    /// write it is answered 403, not 404).
    pub(super) fn stored_mission(&self, id: &str) -> Result<Loaded> {
        Loaded::parse(self.store.get_mission(id)?.ok_or_else(|| not_found(id))?)
    }

    /// Checks a mission spec as a draft: what must hold before it is planned (the provinces,
    /// the day, the firms, registered participants known). Sets the organiser when absent:
    /// the province key's first province, else the host.
    fn check_draft(&self, by: &Principal, spec: &mut MissionSpec) -> Result<()> {
        let r = &self.reference;
        if spec.name.trim().is_empty() || spec.name.chars().count() > 200 {
            return Err(Error::invalid("name", "must be 1 to 200 characters"));
        }
        r.require_province("host_province", &spec.host_province)?;
        if spec.organiser.is_none() {
            spec.organiser = Some(
                by.provinces
                    .first()
                    .cloned()
                    .unwrap_or_else(|| spec.host_province.clone()),
            );
        }
        if let Some(o) = &spec.organiser {
            r.require_province("organiser", o)?;
        }
        if crate::model::parse_date(&spec.date).is_none() {
            return Err(Error::invalid(
                "date",
                format!("{:?} is not a YYYY-MM-DD date", spec.date),
            ));
        }
        if spec.participants.len() + spec.firms.len() > 5_000 {
            return Err(Error::invalid("participants", "at most 5,000 participants"));
        }
        let mut firms = std::mem::take(&mut spec.firms);
        for (i, firm) in firms.iter_mut().enumerate() {
            self.validate_firm(i, firm)?;
            if firms_before(&spec.firms, &firm.id) {
                return Err(Error::invalid(
                    format!("firms[{i}].id"),
                    format!("duplicate firm id {:?}", firm.id),
                ));
            }
            spec.firms.push(firm.clone());
        }
        for (i, p) in spec.participants.iter().enumerate() {
            crate::model::validate_id(&format!("participants[{i}].id"), &p.id)?;
            if let Some(prov) = &p.province {
                r.require_province(&format!("participants[{i}].province"), prov)?;
            }
            let firm = spec.firms.iter().any(|f| f.id == p.id);
            if !firm && !spec.preferences_only && self.store.business_key(&p.id)?.is_none() {
                return Err(Error::invalid(
                    format!("participants[{i}].id"),
                    format!(
                        "unknown business {:?}; add it as a firm (\"firms\") or register it first",
                        p.id
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Creates a mission (`POST /v1/missions`) as `by`, who must be an admin or the
    /// organising province's office.
    pub fn create_mission_as(
        &self,
        by: &Principal,
        mut spec: MissionSpec,
    ) -> Checked<StoredMission> {
        self.check_draft(by, &mut spec)?;
        let organiser = spec.organiser.clone().unwrap_or_default();
        if !by.may_organise(&organiser) {
            return Ok(Err(forbidden(&organiser)));
        }
        let doc = MissionDoc {
            spec,
            attendance: BTreeMap::new(),
            requests: Vec::new(),
        };
        let body = serde_json::to_string(&doc).map_err(|e| Error::Corrupt(e.to_string()))?;
        let row = self.store.write(|w| {
            let row = MissionRow {
                id: w.next_mission_id()?,
                organiser: organiser.clone(),
                host: doc.spec.host_province.clone(),
                body,
                plan: None,
                published: false,
                version: 1,
                updated: crate::auth::now_utc(),
            };
            w.put_mission(&row)?;
            Ok(row)
        })?;
        Ok(Ok(Loaded { row, doc }.view(Some(by))))
    }

    /// Every mission `by` may read: the stored ones, then the shipped specs.
    pub fn missions_for(&self, by: Option<&Principal>) -> Result<Vec<MissionSummary>> {
        let mut out = Vec::new();
        for row in self.store.missions()? {
            let m = Loaded::parse(row)?;
            if !m.visible_to(by) && !m.takes_part(by) {
                continue;
            }
            let s = &m.doc.spec;
            out.push(MissionSummary {
                id: m.row.id.clone(),
                name: s.name.clone(),
                date: s.date.clone(),
                host_province: s.host_province.clone(),
                organiser: Some(m.row.organiser.clone()),
                participants: participant_count(s),
                published: m.row.published,
                planned: m.row.plan.is_some(),
                shipped: false,
            });
        }
        for (name, text) in super::FIXTURE_MISSIONS {
            let Ok(s) = serde_json::from_str::<MissionSpec>(text) else {
                continue;
            };
            out.push(MissionSummary {
                id: (*name).to_string(),
                name: s.name.clone(),
                date: s.date.clone(),
                host_province: s.host_province.clone(),
                organiser: s.organiser.clone(),
                participants: participant_count(&s),
                published: true,
                planned: false,
                shipped: true,
            });
        }
        Ok(out)
    }

    /// A stored mission (`GET /v1/missions/{id}`).
    pub fn mission_for(&self, by: Option<&Principal>, id: &str) -> Result<StoredMission> {
        let m = self.stored_mission(id)?;
        if m.visible_to(by) || m.takes_part(by) {
            Ok(m.view(by))
        } else {
            Err(not_found(id))
        }
    }

    /// Replaces a mission's spec (`PUT /v1/missions/{id}`): its plan is dropped and it is
    /// unpublished; attendance and commitments stay.
    pub fn put_mission_as(
        &self,
        by: &Principal,
        id: &str,
        mut spec: MissionSpec,
    ) -> Checked<StoredMission> {
        let old = self.stored_mission(id)?;
        if spec.organiser.is_none() {
            spec.organiser = Some(old.row.organiser.clone());
        }
        self.check_draft(by, &mut spec)?;
        let organiser = spec.organiser.clone().unwrap_or_default();
        if !by.may_organise(&old.row.organiser) {
            return Ok(Err(forbidden(&old.row.organiser)));
        }
        if !by.may_organise(&organiser) {
            return Ok(Err(forbidden(&organiser)));
        }
        self.rewrite_mission(by, id, |m| {
            m.doc.spec = spec;
            Ok(false)
        })
    }

    /// Deletes a mission and its commitments (`DELETE /v1/missions/{id}`); deals recorded
    /// from them stay as history.
    pub fn delete_mission_as(&self, by: &Principal, id: &str) -> Checked<()> {
        let outcome = self.store.write(|w| {
            let Some(row) = w.get_mission(id)? else {
                return Err(not_found(id));
            };
            let m = Loaded::parse(row)?;
            if !by.may_organise(&m.row.organiser) {
                return Ok(Err(forbidden(&m.row.organiser)));
            }
            w.delete_mission(id)?;
            Ok(Ok(()))
        })?;
        Ok(outcome)
    }

    /// Reads the mission in the write transaction, checks `by` may organise it, applies
    /// `change` to it (which returns whether the kept plan stays) and writes it back.
    pub(super) fn rewrite_mission(
        &self,
        by: &Principal,
        id: &str,
        change: impl FnOnce(&mut Loaded) -> Result<bool>,
    ) -> Checked<StoredMission> {
        let outcome = self.store.write(|w| {
            let Some(row) = w.get_mission(id)? else {
                return Err(not_found(id));
            };
            let mut m = Loaded::parse(row)?;
            if !by.may_organise(&m.row.organiser) {
                return Ok(Err(forbidden(&m.row.organiser)));
            }
            let keep_plan = change(&mut m)?;
            let row = m.changed(keep_plan)?;
            w.put_mission(&row)?;
            Ok(Ok(Loaded { row, doc: m.doc }))
        })?;
        Ok(outcome.map(|m| m.view(Some(by))))
    }

    /// Plans a stored mission with the planner and keeps the plan (`POST
    /// /v1/missions/{id}/plan`).
    pub fn plan_stored_mission_as(
        &self,
        by: &Principal,
        id: &str,
        lang: Lang,
    ) -> Checked<Schedule> {
        let m = self.stored_mission(id)?;
        if !by.may_organise(&m.row.organiser) {
            return Ok(Err(forbidden(&m.row.organiser)));
        }
        crate::plan::spec::PlanLimits::KEYED.check(&m.doc.spec)?;
        let (requests, left_out) = m.planning_requests();
        let (mut schedule, impossible) =
            self.plan_with_requests(m.doc.spec.clone(), &requests, lang)?;
        schedule.requests = Some(super::mission_requests::tally(
            &requests, left_out, impossible, &schedule,
        ));
        self.keep_plan(id, m.row.version, &schedule)?;
        Ok(Ok(schedule))
    }

    /// Keeps `schedule` as the plan of mission `id` if the mission is still at `version`
    /// (it was planned outside the write lock); 409 when it changed meanwhile.
    pub(super) fn keep_plan(&self, id: &str, version: u64, schedule: &Schedule) -> Result<()> {
        let plan = serde_json::to_string(schedule).map_err(|e| Error::Corrupt(e.to_string()))?;
        self.store.write(|w| {
            let Some(row) = w.get_mission(id)? else {
                return Err(not_found(id));
            };
            if row.version != version {
                return Err(Error::Conflict(FieldError::new(
                    "version",
                    format!(
                        "mission {id} changed while it was being planned (version {version} → \
                         {}); plan it again",
                        row.version
                    ),
                )));
            }
            w.put_mission(&MissionRow {
                plan: Some(plan),
                version: version + 1,
                updated: crate::auth::now_utc(),
                ..row
            })?;
            Ok(())
        })
    }

    /// The kept plan of a mission (`GET /v1/missions/{id}/plan`).
    pub fn stored_plan_for(&self, by: Option<&Principal>, id: &str) -> Result<Schedule> {
        let m = self.load_mission(by, id)?;
        let plan = m.row.plan.as_deref().ok_or_else(|| Error::NotFound {
            what: "plan of mission",
            id: id.to_string(),
        })?;
        serde_json::from_str(plan).map_err(|e| Error::Corrupt(e.to_string()))
    }

    /// Publishes a planned mission, or withdraws it (`POST /v1/missions/{id}/publish`).
    pub fn publish_mission_as(
        &self,
        by: &Principal,
        id: &str,
        published: bool,
    ) -> Checked<StoredMission> {
        let outcome = self.store.write(|w| {
            let Some(row) = w.get_mission(id)? else {
                return Err(not_found(id));
            };
            let m = Loaded::parse(row)?;
            if !by.may_organise(&m.row.organiser) {
                return Ok(Err(forbidden(&m.row.organiser)));
            }
            if published && m.row.plan.is_none() {
                return Err(Error::Conflict(FieldError::new(
                    "published",
                    format!("mission {id} has no plan yet: POST /v1/missions/{id}/plan first"),
                )));
            }
            let row = MissionRow {
                published,
                version: m.row.version + 1,
                updated: crate::auth::now_utc(),
                ..m.row
            };
            w.put_mission(&row)?;
            Ok(Ok(Loaded { row, doc: m.doc }))
        })?;
        Ok(outcome.map(|m| m.view(Some(by))))
    }

    /// Adds (or replaces) a mission's participants from a spreadsheet (`POST
    /// /v1/missions/{id}/participants`): every bad row is reported at once and nothing is
    /// changed unless every row is good. A row naming a registered business is listed by
    /// its id; any other becomes a firm.
    pub fn import_participants_as(
        &self,
        by: &Principal,
        id: &str,
        format: TableFormat,
        bytes: &[u8],
    ) -> Checked<ParticipantsImported> {
        let rows = self.participant_rows(format, bytes)?;
        // Looked up before the write transaction (whose connection is the writer's).
        let mut registered = std::collections::HashSet::new();
        for row in &rows {
            if self.store.business_key(&row.business.id)?.is_some() {
                registered.insert(row.business.id.clone());
            }
        }
        let mut counts = (0, 0, 0, 0);
        let mission = self.rewrite_mission(by, id, |m| {
            counts = merge_participants(&mut m.doc.spec, rows, &registered);
            Ok(false)
        })?;
        Ok(mission.map(|mission| {
            let (registered, firms, added, replaced) = counts;
            ParticipantsImported {
                rows: registered + firms,
                registered,
                firms,
                added,
                replaced,
                mission,
            }
        }))
    }

    /// Reads a participant sheet; every bad row as one [`Error::Rows`].
    fn participant_rows(&self, format: TableFormat, bytes: &[u8]) -> Result<Vec<ParticipantRow>> {
        let bad = |errors: Vec<(u64, crate::import::CellError)>| {
            let more = errors.len().saturating_sub(MAX_ROW_ERRORS) as u64;
            Error::Rows {
                rows: errors
                    .into_iter()
                    .take(MAX_ROW_ERRORS)
                    .map(|(row, e)| RowError {
                        file: "body".into(),
                        row,
                        column: e.column,
                        message: e.message,
                    })
                    .collect(),
                more,
            }
        };
        let table = read_table(format, bytes).map_err(|e| bad(vec![e]))?;
        let rows = participants_from_table(&self.reference, &table).map_err(bad)?;
        if rows.is_empty() {
            return Err(Error::invalid(
                "body",
                "the sheet has no participants: one firm a row under the header",
            ));
        }
        Ok(rows)
    }
}

/// Puts the rows into the spec: (registered, firms, added, replaced). A row whose id is in
/// `registered_ids` is listed by that id; any other becomes a firm.
fn merge_participants(
    spec: &mut MissionSpec,
    rows: Vec<ParticipantRow>,
    registered_ids: &std::collections::HashSet<String>,
) -> (usize, usize, usize, usize) {
    let (mut registered, mut firms, mut added, mut replaced) = (0, 0, 0, 0);
    for row in rows {
        let id = row.business.id.clone();
        let is_registered = registered_ids.contains(&id);
        let known =
            spec.participants.iter().any(|p| p.id == id) || spec.firms.iter().any(|f| f.id == id);
        if known {
            replaced += 1;
        } else {
            added += 1;
        }
        spec.firms.retain(|f| f.id != id);
        if is_registered {
            registered += 1;
        } else {
            firms += 1;
            spec.firms.push(row.business.clone());
        }
        if let Some(p) = spec.participants.iter_mut().find(|p| p.id == id) {
            if let Some(side) = row.side {
                p.side = Some(side);
            }
        } else if is_registered || row.side.is_some() {
            // A registered business is shown by its stored name and province.
            let firm = (!is_registered).then_some(&row.business);
            spec.participants.push(ParticipantSpec {
                id,
                side: row.side,
                available: None,
                max_meetings: None,
                name: firm.map(|b| b.name.clone()),
                province: firm.map(|b| b.province.clone()),
                min_meetings: None,
                seats: None,
            });
        }
    }
    (registered, firms, added, replaced)
}

fn firms_before(firms: &[crate::model::Business], id: &str) -> bool {
    firms.iter().any(|f| f.id == id)
}

/// Participants listed plus firms not listed.
fn participant_count(s: &MissionSpec) -> usize {
    s.participants.len()
        + s.firms
            .iter()
            .filter(|f| !s.participants.iter().any(|p| p.id == f.id))
            .count()
}
