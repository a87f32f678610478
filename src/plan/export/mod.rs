//! Renderings of a planned mission: the JSON response, and the documents people print or
//! open — CSV, iCalendar, print-ready HTML agendas and an XLSX workbook.
//!
//! Everything goes through one intermediate value, [`Schedule`]: ids resolved to names,
//! slots to clock times, solver stats copied into the response shape. It is the JSON body of
//! `POST /v1/missions/plan`, and every document reads only it and a [`Details`] (who each
//! party is: city, province, what it offers and needs, a contact when the reader may see
//! it), so the formats cannot disagree about who meets whom when.
//!
//! One entry point, [`render`], turns a schedule into a document in a [`PlanFormat`] under
//! [`RenderOptions`] (language, CSV separator, one participant); the CLI and the API (the
//! planner's routes, and persisted missions) all call it. One file per format: `csv`, `ics`,
//! `html`, `xlsx`; `words` holds every word a reader sees in both languages, so no
//! optimiser vocabulary or catalog key can slip onto a page by accident.
//!
//! Documents number slots from 1, as people count; the JSON keeps the planner's 0-based
//! slots (the API's contract). The text formats are written by hand (no csv, ical or
//! template dependency): each needs only a few escaping rules, spelled out next to the
//! function that applies them and pinned by tests. All user text is escaped for the format
//! it lands in.

mod csv;
mod details;
mod html;
mod ics;
mod words;
mod xlsx;

#[cfg(test)]
mod tests;

pub use self::csv::to_csv;
pub use self::details::{Details, PartyInfo};
pub use self::html::{IDLE_ROWS_PER_PAGE, to_html};
pub use self::ics::to_ics;
pub use self::xlsx::to_xlsx;

use super::solve::{Problem, Solution, Stats};
use super::spec::Mission;
use crate::model::{FieldError, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The planner's response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Schedule {
    pub name: String,
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    pub host_province: String,
    /// Sorted by slot, then table.
    pub meetings: Vec<ScheduledMeeting>,
    pub unscheduled: Vec<UnscheduledRequest>,
    pub participants: Vec<ScheduleParticipant>,
    /// Each participant's meetings in time order, keyed by id (only when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agendas: Option<BTreeMap<String, Vec<AgendaItem>>>,
    pub stats: ScheduleStats,
    /// What changed against the earlier plan (re-planning only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ScheduleChanges>,
    /// A stored mission's participant requests and what planning made of them (stored
    /// missions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestTally>,
}

/// What planning made of a stored mission's participant requests
/// (`/v1/missions/{id}/requests`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestTally {
    /// Requests given to the planner: accepted ones when the mission needs acceptance,
    /// else every one neither declined nor withdrawn.
    pub used: usize,
    /// Used requests whose pair meets in the plan.
    pub placed: usize,
    /// Ids of used requests whose pair does not meet (`unscheduled` says why).
    pub unplaced: Vec<String>,
    /// Requests not given to the planner, and why.
    pub left_out: Vec<LeftOutRequest>,
}

/// A participant request the planner was not given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeftOutRequest {
    pub id: String,
    /// `pending` (waiting for the other side's acceptance), `declined`, `withdrawn`, or
    /// why the mission as it is now cannot plan it.
    pub reason: String,
}

/// What re-planning changed against the earlier plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduleChanges {
    /// New meetings.
    pub added: Vec<ChangedMeeting>,
    /// Earlier meetings now in another slot (`from_slot` → `slot`); as few as possible.
    pub moved: Vec<ChangedMeeting>,
    /// Earlier meetings that no longer take place, with the reason.
    pub cancelled: Vec<ChangedMeeting>,
}

/// One changed meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangedMeeting {
    pub a: String,
    pub b: String,
    /// The slot it takes now (for a cancelled meeting: the slot it had).
    pub slot: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<usize>,
    /// The earlier slot of a moved meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_slot: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The changes of a re-plan in the response's shape, reasons in `lang`.
pub fn changes(
    problem: &Problem,
    solution: &Solution,
    changes: &super::replan::Changes,
    lang: crate::model::Lang,
) -> ScheduleChanges {
    use super::replan::Cancel;
    let id = |i: usize| {
        problem
            .participants
            .get(i)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    let meeting = |k: usize, from: Option<usize>| {
        let m = &solution.meetings[k];
        ChangedMeeting {
            a: id(m.a),
            b: id(m.b),
            slot: m.slot,
            table: Some(m.table),
            from_slot: from,
            reason: None,
        }
    };
    ScheduleChanges {
        added: changes.added.iter().map(|&k| meeting(k, None)).collect(),
        moved: changes
            .moved
            .iter()
            .map(|&(k, from)| meeting(k, Some(from)))
            .collect(),
        cancelled: changes
            .cancelled
            .iter()
            .map(|(m, why)| {
                let reason = match (why, lang) {
                    (Cancel::Absent(x), crate::model::Lang::Id) => {
                        format!("{} tidak hadir", id(*x))
                    }
                    (Cancel::Absent(x), _) => format!("{} is absent", id(*x)),
                    (Cancel::NoRoom, crate::model::Lang::Id) => {
                        "tidak bisa tetap di slotnya dan tidak ada slot lain yang kosong untuk keduanya"
                            .to_string()
                    }
                    (Cancel::NoRoom, _) => {
                        "could neither stay in its slot nor move to another slot free for both"
                            .to_string()
                    }
                };
                ChangedMeeting {
                    a: id(m.a),
                    b: id(m.b),
                    slot: m.slot,
                    table: (m.table > 0).then_some(m.table),
                    from_slot: None,
                    reason: Some(reason),
                }
            })
            .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduledMeeting {
    pub slot: usize,
    pub start: String,
    pub end: String,
    pub table: usize,
    pub a: String,
    pub b: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_name: Option<String>,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// "must" or "want" when the meeting was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Pinned to its slot by the request (`requests[].slot`) or, when re-planning, held or
    /// confirmed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// The request's window `[first, last]`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[usize; 2]>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnscheduledRequest {
    pub a: String,
    pub b: String,
    pub priority: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduleParticipant {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub side: String,
    pub meetings: usize,
    /// Its minimum number of meetings, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_meetings: Option<usize>,
    /// Seats (meetings it may hold in one slot), when more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgendaItem {
    pub slot: usize,
    pub start: String,
    pub end: String,
    pub table: usize,
    pub with: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[usize; 2]>,
}

/// The solver's stats in the response's field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduleStats {
    pub total_weight: f64,
    pub upper_bound: f64,
    pub gap_pct: f64,
    pub meetings: usize,
    pub participants: usize,
    pub participants_met: usize,
    pub tables_used_max: usize,
    pub table_utilisation_pct: f64,
    pub idle_gaps: usize,
    pub must_requested: usize,
    pub must_placed: usize,
    pub exact_selection: bool,
    pub solve_ms: f64,
    /// Idle gaps before the improvement phase (`idle_gaps` is after it).
    pub idle_gaps_before: usize,
    /// Most idle gaps of one participant minus fewest, among those with a meeting.
    pub gap_spread: usize,
    /// Participants with a minimum (`min_meetings`) who reached it.
    pub min_met: usize,
    /// Participants below their minimum, each with the reason.
    pub below_min: Vec<BelowMinEntry>,
    pub improvement: ImprovementStats,
}

/// A participant that got fewer meetings than its minimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BelowMinEntry {
    pub id: String,
    pub meetings: usize,
    pub min: usize,
    pub reason: String,
}

/// What the idle-gap improvement phase did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImprovementStats {
    pub iterations: u64,
    /// `converged`, `time` (the time limit cut it short) or `skipped`.
    pub stopped_by: String,
    pub ms: f64,
}

impl ScheduleStats {
    fn new(s: &Stats, ids: &[&str]) -> Self {
        let mut out = ScheduleStats::from(s);
        out.below_min = s
            .below_min
            .iter()
            .map(|b| BelowMinEntry {
                id: ids
                    .get(b.participant)
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                meetings: b.meetings,
                min: b.min,
                reason: b.reason.clone(),
            })
            .collect();
        out
    }
}

impl From<&Stats> for ScheduleStats {
    fn from(s: &Stats) -> Self {
        let round = |x: f64, places: i32| {
            let f = 10f64.powi(places);
            (x * f).round() / f
        };
        ScheduleStats {
            total_weight: round(s.total_weight, 6),
            upper_bound: round(s.upper_bound, 6),
            gap_pct: round(s.gap_pct, 3),
            meetings: s.meetings,
            participants: s.participants,
            participants_met: s.participants_met,
            tables_used_max: s.tables_used_max,
            table_utilisation_pct: round(s.table_utilisation_pct, 2),
            idle_gaps: s.idle_gaps,
            must_requested: s.must_requested,
            must_placed: s.must_placed,
            exact_selection: s.exact_selection,
            solve_ms: round(s.solve_ms, 3),
            idle_gaps_before: s.idle_gaps_before,
            gap_spread: s.gap_spread,
            min_met: s.min_met,
            below_min: Vec::new(),
            improvement: ImprovementStats {
                iterations: s.improvement.iterations,
                stopped_by: s.improvement.stopped_by.to_string(),
                ms: round(s.improvement.ms, 3),
            },
        }
    }
}

/// The engine's display-name lookup by participant id.
pub type NameLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Assembles the response. Display names come from the spec first, then from `names`
/// (the engine's lookup by business id), else none.
pub fn schedule(
    mission: &Mission,
    problem: &Problem,
    solution: &Solution,
    names: Option<NameLookup>,
    with_agendas: bool,
) -> Schedule {
    let ids: Vec<&str> = problem.participants.iter().map(|p| p.id.as_str()).collect();
    let id = |i: usize| ids.get(i).copied().unwrap_or_default().to_string();
    let name_of = |i: usize| -> Option<String> {
        let pid = ids.get(i)?;
        mission
            .index_of(pid)
            .and_then(|k| mission.participants[k].name.clone())
            .or_else(|| names.and_then(|f| f(pid)))
    };
    let time = |slot: usize| {
        mission
            .slot_times
            .get(slot)
            .map(|t| (t.start_hhmm(), t.end_hhmm()))
            .unwrap_or_default()
    };
    let meetings: Vec<ScheduledMeeting> = solution
        .meetings
        .iter()
        .map(|m| {
            let (start, end) = time(m.slot);
            ScheduledMeeting {
                slot: m.slot,
                start,
                end,
                table: m.table,
                a: id(m.a),
                b: id(m.b),
                a_name: name_of(m.a),
                b_name: name_of(m.b),
                weight: m.weight,
                topic: m.topic.clone(),
                priority: m.priority.map(|p| p.as_str().to_string()),
                pinned: m.pinned,
                window: problem
                    .candidates
                    .get(m.candidate)
                    .and_then(|c| c.window)
                    .map(|(f, l)| [f, l]),
            }
        })
        .collect();
    let unscheduled = solution
        .unscheduled
        .iter()
        .map(|u| UnscheduledRequest {
            a: id(u.a),
            b: id(u.b),
            priority: u.priority.as_str().to_string(),
            reason: u.reason.clone(),
        })
        .collect();
    let mut count = vec![0usize; ids.len()];
    for m in &solution.meetings {
        for p in [m.a, m.b] {
            if let Some(c) = count.get_mut(p) {
                *c += 1;
            }
        }
    }
    let participants = problem
        .participants
        .iter()
        .enumerate()
        .map(|(i, p)| ScheduleParticipant {
            id: p.id.clone(),
            name: name_of(i),
            side: mission
                .index_of(&p.id)
                .and_then(|k| mission.groups.get(mission.participants[k].group))
                .cloned()
                .unwrap_or_default(),
            meetings: count[i],
            min_meetings: (p.min > 0).then_some(p.min),
            seats: (p.seats > 1).then_some(p.seats),
        })
        .collect();
    let agendas = with_agendas.then(|| {
        let mut map: BTreeMap<String, Vec<AgendaItem>> = BTreeMap::new();
        for m in &meetings {
            for (me, other, other_name) in [(&m.a, &m.b, &m.b_name), (&m.b, &m.a, &m.a_name)] {
                map.entry(me.clone()).or_default().push(AgendaItem {
                    slot: m.slot,
                    start: m.start.clone(),
                    end: m.end.clone(),
                    table: m.table,
                    with: other.clone(),
                    with_name: other_name.clone(),
                    topic: m.topic.clone(),
                    pinned: m.pinned,
                    window: m.window,
                });
            }
        }
        map
    });
    Schedule {
        name: mission.spec.name.clone(),
        date: mission.spec.date.clone(),
        venue: mission.spec.venue.clone(),
        host_province: mission.spec.host_province.clone(),
        meetings,
        unscheduled,
        participants,
        agendas,
        stats: ScheduleStats::new(&solution.stats, &ids),
        changes: None,
        requests: None,
    }
}

impl Schedule {
    /// Participant `id`'s part of the schedule: its meetings, its own entry and agenda, no
    /// organiser figures beyond the counts. `None` when `id` is not a participant.
    pub fn for_participant(&self, id: &str) -> Option<Schedule> {
        let me = self.participants.iter().find(|p| p.id == id)?.clone();
        let mut out = self.clone();
        out.meetings.retain(|m| m.a == id || m.b == id);
        out.unscheduled.retain(|u| u.a == id || u.b == id);
        out.participants = vec![me];
        if let Some(agendas) = &mut out.agendas {
            agendas.retain(|k, _| k == id);
        }
        out.changes = None;
        out.requests = None;
        Some(out)
    }

    /// The display name of participant `id`: the details' name, the schedule's, or the id.
    fn name_of<'a>(&'a self, id: &'a str, details: &'a Details) -> &'a str {
        if let Some(p) = details.party(id) {
            return &p.name;
        }
        self.participants
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| p.name.as_deref())
            .unwrap_or(id)
    }
}

/// The output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Json,
    Csv,
    Ics,
    Html,
    Xlsx,
}

impl PlanFormat {
    /// Parses `--format` or `?format=`; none means JSON.
    pub fn parse(s: Option<&str>) -> Result<PlanFormat, String> {
        match s.unwrap_or("json") {
            "json" => Ok(PlanFormat::Json),
            "csv" => Ok(PlanFormat::Csv),
            "ics" | "ical" => Ok(PlanFormat::Ics),
            "html" => Ok(PlanFormat::Html),
            "xlsx" => Ok(PlanFormat::Xlsx),
            other => Err(format!(
                "{other:?} is not one of json, csv, ics, html, xlsx"
            )),
        }
    }

    /// The file extension of a document in this format.
    pub fn extension(self) -> &'static str {
        match self {
            PlanFormat::Json => "json",
            PlanFormat::Csv => "csv",
            PlanFormat::Ics => "ics",
            PlanFormat::Html => "html",
            PlanFormat::Xlsx => "xlsx",
        }
    }

    /// The media type of a document in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            PlanFormat::Json => "application/json",
            PlanFormat::Csv => "text/csv; charset=utf-8",
            PlanFormat::Ics => "text/calendar; charset=utf-8",
            PlanFormat::Html => "text/html; charset=utf-8",
            PlanFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// How a document is rendered: a `Config` value rather than flags on each renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The reader's language (documents are Indonesian unless asked otherwise).
    pub lang: Lang,
    /// The CSV field separator; `None`: `;` for Indonesian (what Indonesian Excel expects,
    /// its decimal mark being the comma), `,` for English.
    pub sep: Option<char>,
    /// Only this participant's part (its agenda page, its calendar, its rows).
    pub participant: Option<String>,
    /// iCalendar `DTSTAMP` (`YYYYMMDDTHHMMSSZ`); `None`: midnight UTC of the mission date, so
    /// the same schedule always renders to the same bytes.
    pub dtstamp: Option<String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            lang: Lang::Id,
            sep: None,
            participant: None,
            dtstamp: None,
        }
    }
}

impl RenderOptions {
    /// Checks a `--sep` / `?sep=` value: one of `;`, `,` or a tab (`\t` or `tab`).
    pub fn parse_sep(s: &str) -> Result<char, FieldError> {
        match s {
            ";" => Ok(';'),
            "," => Ok(','),
            "\t" | "\\t" | "tab" => Ok('\t'),
            other => Err(FieldError::new(
                "sep",
                format!("{other:?} is not a separator; use \";\", \",\" or \"tab\""),
            )),
        }
    }

    fn csv_sep(&self) -> char {
        self.sep.unwrap_or(match self.lang {
            Lang::Id => ';',
            Lang::En => ',',
        })
    }
}

/// A rendered document: its bytes, media type and a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub content_type: &'static str,
    /// `misi-dagang-jatim-banten-2023.html`, or with `-<participant>` before the extension.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The caller asked for something that is not there (an unknown participant).
    #[error("{0}")]
    Invalid(FieldError),
    /// The JSON or workbook writer failed (ours, not the caller's).
    #[error("writing the document: {0}")]
    Write(String),
}

/// Renders `schedule` in `format`: the one entry point of every document. `details` says who
/// the parties are (fill it with [`Details::default`] to print names only).
pub fn render(
    schedule: &Schedule,
    details: &Details,
    format: PlanFormat,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    let part;
    let schedule = match &options.participant {
        None => schedule,
        Some(id) => {
            part = schedule.for_participant(id).ok_or_else(|| {
                RenderError::Invalid(FieldError::new(
                    "participant",
                    format!("{id:?} is not a participant of this mission"),
                ))
            })?;
            &part
        }
    };
    let bytes = match format {
        PlanFormat::Json => {
            let mut v = serde_json::to_vec_pretty(schedule)
                .map_err(|e| RenderError::Write(e.to_string()))?;
            v.push(b'\n');
            v
        }
        PlanFormat::Csv => to_csv(schedule, details, options).into_bytes(),
        PlanFormat::Ics => to_ics(schedule, details, options).into_bytes(),
        PlanFormat::Html => to_html(schedule, details, options).into_bytes(),
        PlanFormat::Xlsx => to_xlsx(schedule, details, options).map_err(RenderError::Write)?,
    };
    let mut stem = slug(&schedule.name);
    if stem.is_empty() {
        stem.push_str("misi");
    }
    if let Some(p) = &options.participant {
        stem.push('-');
        stem.push_str(&slug(p));
    }
    Ok(Rendered {
        content_type: format.content_type(),
        file_name: format!("{stem}.{}", format.extension()),
        bytes,
    })
}

/// Lowercase ASCII letters and digits, everything else collapsed to single dashes.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
