//! Renderings of a planned mission: the JSON response, CSV, iCalendar and printable HTML.
//!
//! Everything goes through one intermediate value, [`Schedule`]: ids resolved to names,
//! slots to clock times, solver stats copied into the response shape. It is the JSON body of
//! `POST /v1/missions/plan`, and the CSV, ICS and HTML renderers read only it, so the four
//! formats cannot disagree about who meets whom when.
//!
//! The text formats are written by hand (no csv, ical or template dependency): each needs
//! only a few escaping rules, spelled out next to the function that applies them and
//! pinned by tests. All user text (names, ids, topics, the mission name) is escaped for the
//! format it lands in.
//!
//! [`PlanFormat`] names the four formats for the CLI's `--format` and the API's `?format=`
//! and renders a schedule as text in one of them; the API adds the HTTP headers.

use super::solve::{Problem, Solution, Stats};
use super::spec::Mission;
use crate::model::dates;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
    }
}

// ---------------------------------------------------------------------------------------
// CSV

/// One row per meeting, RFC 4180: CRLF line ends; a field holding a comma, quote, CR or LF
/// is quoted, with quotes doubled. A text field starting with `=`, `+`, `-`, `@`, tab or CR
/// is prefixed with `'` so a spreadsheet shows it instead of running it as a formula.
pub fn to_csv(schedule: &Schedule) -> String {
    let mut out = String::from(
        "slot,start,end,table,a,a_name,b,b_name,weight,topic,priority,pinned,window\r\n",
    );
    for m in &schedule.meetings {
        let fields = [
            m.slot.to_string(),
            m.start.clone(),
            m.end.clone(),
            m.table.to_string(),
            csv_text(&m.a),
            csv_text(m.a_name.as_deref().unwrap_or_default()),
            csv_text(&m.b),
            csv_text(m.b_name.as_deref().unwrap_or_default()),
            m.weight.to_string(),
            csv_text(m.topic.as_deref().unwrap_or_default()),
            m.priority.clone().unwrap_or_default(),
            if m.pinned { "yes" } else { "" }.to_string(),
            m.window
                .map(|[f, l]| format!("{f}-{l}"))
                .unwrap_or_default(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// iCalendar

/// Indonesia's three time zones by province code (BPS): WITA for Bali, Nusa Tenggara,
/// South/East/North Kalimantan and Sulawesi; WIT for Maluku and Papua; WIB otherwise.
fn time_zone(province: &str) -> (&'static str, &'static str, &'static str) {
    match province.parse::<u32>().unwrap_or(0) {
        51..=53 | 63..=65 | 71..=76 => ("Asia/Makassar", "+0800", "WITA"),
        81 | 82 | 91..=99 => ("Asia/Jayapura", "+0900", "WIT"),
        _ => ("Asia/Jakarta", "+0700", "WIB"),
    }
}

/// An iCalendar (RFC 5545) file with one event per meeting, in the host province's time
/// zone (a VTIMEZONE is included; Indonesia has no daylight saving). `dtstamp` is the UTC
/// creation time as `YYYYMMDDTHHMMSSZ`; without it, midnight UTC of the mission date is
/// used, so the same schedule always renders to the same bytes.
pub fn to_ics(schedule: &Schedule, dtstamp: Option<&str>) -> String {
    let (tzid, offset, tzname) = time_zone(&schedule.host_province);
    let stamp = dtstamp
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}T000000Z", schedule.date.replace('-', "")));
    let slug = slug(&format!("{} {}", schedule.name, schedule.date));
    let mut out = String::new();
    let mut line = |s: &str| fold(s, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//jalin//mission planner//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", ics_text(&schedule.name)));
    line("BEGIN:VTIMEZONE");
    line(&format!("TZID:{tzid}"));
    line("BEGIN:STANDARD");
    line("DTSTART:19700101T000000");
    line(&format!("TZOFFSETFROM:{offset}"));
    line(&format!("TZOFFSETTO:{offset}"));
    line(&format!("TZNAME:{tzname}"));
    line("END:STANDARD");
    line("END:VTIMEZONE");
    for m in &schedule.meetings {
        let who = |id: &str, name: &Option<String>| name.clone().unwrap_or_else(|| id.to_string());
        let location = match &schedule.venue {
            Some(v) => format!("Table {}, {v}", m.table),
            None => format!("Table {}", m.table),
        };
        let mut description = format!(
            "{} ({}) meets {} ({}).",
            who(&m.a, &m.a_name),
            m.a,
            who(&m.b, &m.b_name),
            m.b
        );
        if let Some(t) = &m.topic {
            let _ = write!(description, "\nTopic: {t}");
        }
        if m.pinned {
            description.push_str("\nFixed slot (pinned).");
        }
        if let Some([f, l]) = m.window {
            let _ = write!(description, "\nRequested window: slots {f}–{l}.");
        }
        line("BEGIN:VEVENT");
        line(&format!("UID:{slug}-s{}-t{}@jalin", m.slot, m.table));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!(
            "DTSTART;TZID={tzid}:{}",
            ics_time(&schedule.date, &m.start)
        ));
        line(&format!(
            "DTEND;TZID={tzid}:{}",
            ics_time(&schedule.date, &m.end)
        ));
        line(&format!(
            "SUMMARY:{}",
            ics_text(&format!(
                "Meeting: {} × {}",
                who(&m.a, &m.a_name),
                who(&m.b, &m.b_name)
            ))
        ));
        line(&format!("LOCATION:{}", ics_text(&location)));
        line(&format!("DESCRIPTION:{}", ics_text(&description)));
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// Escapes a TEXT value: backslash, semicolon, comma, and newlines as `\n` (CRs dropped).
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a content line, folded so no physical line exceeds 75 octets (continuations
/// start with a space), never splitting a UTF-8 character, and ended by CRLF.
fn fold(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

/// `YYYYMMDDTHHMM00` local time; `24:00` rolls over to the next day.
fn ics_time(date: &str, hhmm: &str) -> String {
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    // The spec's date was validated; an unreadable one shows as zeros rather than panicking.
    let (mut y, mut mo, mut d) = dates::parse_ymd(date).unwrap_or((0, 0, 0));
    let mut t = hhmm.split(':');
    let (mut h, mi) = (num(t.next()), num(t.next()));
    if h >= 24 {
        h -= 24;
        if y > 0 {
            (y, mo, d) = dates::civil_from_days(dates::days_from_civil(y, mo, d) + 1);
        }
    }
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}00")
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

// ---------------------------------------------------------------------------------------
// HTML

/// A self-contained printable page: a summary, then one agenda per participant, each
/// starting on a new page when printed.
pub fn to_html(schedule: &Schedule) -> String {
    let mut h = String::new();
    let title = format!("{} — meeting agendas", schedule.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p>{}{}</p>\n</header>\n",
        esc(&title),
        esc(&schedule.name),
        esc(&schedule.date),
        schedule
            .venue
            .as_deref()
            .map(|v| format!(" · {}", esc(v)))
            .unwrap_or_default()
    );

    let s = &schedule.stats;
    let _ = write!(
        h,
        "<main>\n<section class=\"summary\" aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary</h2>\n<dl>\n\
         <dt>Meetings</dt><dd>{}</dd>\n<dt>Participants with a meeting</dt><dd>{} of {}</dd>\n\
         <dt>Must-meet requests placed</dt><dd>{} of {}</dd>\n\
         <dt>Total value</dt><dd>{:.2} (upper bound {:.2}, gap {:.2}%)</dd>\n\
         <dt>Idle gaps</dt><dd>{} ({} before improvement)</dd>\n</dl>\n",
        s.meetings,
        s.participants_met,
        s.participants,
        s.must_placed,
        s.must_requested,
        s.total_weight,
        s.upper_bound,
        s.gap_pct,
        s.idle_gaps,
        s.idle_gaps_before
    );
    if !s.below_min.is_empty() {
        h.push_str(
            "<table>\n<caption>Participants below their minimum</caption>\n<thead><tr>\
             <th scope=\"col\">Participant</th><th scope=\"col\">Meetings</th>\
             <th scope=\"col\">Minimum</th><th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n",
        );
        for b in &s.below_min {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&b.id),
                b.meetings,
                b.min,
                esc(&b.reason)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !schedule.unscheduled.is_empty() {
        h.push_str(
            "<table>\n<caption>Requests not scheduled</caption>\n<thead><tr>\
             <th scope=\"col\">Priority</th><th scope=\"col\">Participant</th>\
             <th scope=\"col\">Participant</th><th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n",
        );
        for u in &schedule.unscheduled {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&u.priority),
                esc(&u.a),
                esc(&u.b),
                esc(&u.reason)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");

    // Agendas from the meetings, in time order per participant.
    let mut agenda: BTreeMap<&str, Vec<(&ScheduledMeeting, bool)>> = BTreeMap::new();
    for m in &schedule.meetings {
        agenda.entry(&m.a).or_default().push((m, true));
        agenda.entry(&m.b).or_default().push((m, false));
    }
    for (i, p) in schedule.participants.iter().enumerate() {
        let display = p.name.clone().unwrap_or_else(|| p.id.clone());
        let _ = write!(
            h,
            "<section class=\"agenda\" aria-labelledby=\"p{i}\">\n<h2 id=\"p{i}\">{} <span class=\"id\">{}</span></h2>\n\
             <p class=\"meta\">{} · side {} · {} meeting{}</p>\n",
            esc(&display),
            esc(&p.id),
            esc(&schedule.date),
            esc(&p.side),
            p.meetings,
            if p.meetings == 1 { "" } else { "s" }
        );
        if let Some(k) = p.seats {
            let _ = writeln!(h, "<p class=\"meta\">{k} seats (meetings at once)</p>");
        }
        let Some(items) = agenda.get(p.id.as_str()) else {
            h.push_str("<p>No meetings scheduled.</p>\n</section>\n");
            continue;
        };
        let _ = write!(
            h,
            "<table>\n<caption>Agenda of {}</caption>\n<thead><tr><th scope=\"col\">Time</th>\
             <th scope=\"col\">Table</th><th scope=\"col\">Meeting with</th><th scope=\"col\">Topic</th></tr></thead>\n<tbody>\n",
            esc(&display)
        );
        for (m, mine_is_a) in items {
            let (other, other_name) = if *mine_is_a {
                (&m.b, &m.b_name)
            } else {
                (&m.a, &m.a_name)
            };
            let mut who = match other_name {
                Some(n) => format!("{} <span class=\"id\">{}</span>", esc(n), esc(other)),
                None => esc(other),
            };
            if m.pinned {
                who.push_str(" <span class=\"id\">(fixed slot)</span>");
            }
            if let Some([f, l]) = m.window {
                let _ = write!(who, " <span class=\"id\">(window: slots {f}–{l})</span>");
            }
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}–{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.start),
                esc(&m.end),
                m.table,
                who,
                esc(m.topic.as_deref().unwrap_or_default())
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#111;line-height:1.4}
h1{margin:0 0 .25rem}h2{margin:1.5rem 0 .25rem}.id{color:#555;font-weight:normal;font-size:.85em}
.meta{color:#444;margin:0 0 .5rem}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:600}dd{margin:0}table{border-collapse:collapse;width:100%;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eee}tbody th{white-space:nowrap;font-weight:normal}
@media print{body{margin:0}.agenda{break-before:page;page-break-before:always}
table{page-break-inside:auto}tr{break-inside:avoid}}
";

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Json,
    Csv,
    Ics,
    Html,
}

impl PlanFormat {
    /// Parses `--format` or `?format=`; none means JSON.
    pub fn parse(s: Option<&str>) -> Result<PlanFormat, String> {
        match s.unwrap_or("json") {
            "json" => Ok(PlanFormat::Json),
            "csv" => Ok(PlanFormat::Csv),
            "ics" | "ical" => Ok(PlanFormat::Ics),
            "html" => Ok(PlanFormat::Html),
            other => Err(format!("{other:?} is not one of json, csv, ics, html")),
        }
    }

    /// The schedule as text in this format (what the CLI writes).
    pub fn render_text(self, schedule: &Schedule) -> String {
        match self {
            PlanFormat::Json => serde_json::to_string_pretty(schedule).unwrap_or_default() + "\n",
            PlanFormat::Csv => to_csv(schedule),
            PlanFormat::Ics => to_ics(schedule, None),
            PlanFormat::Html => to_html(schedule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PairScore, ProblemConfig, plan};
    use super::*;
    use crate::plan::spec::MissionSpec;
    use serde_json::json;

    fn planned() -> Schedule {
        let spec: MissionSpec = serde_json::from_value(json!({
            "name": "Misi Dagang Jatim–Banten, \"2023\"", "host_province": "36", "date": "2023-09-11",
            "venue": "Serang; Hall A",
            "slots": {"start": "23:00", "minutes": 20, "count": 3},
            "tables": 3, "max_meetings": 3,
            "participants": [
                {"id": "jt-1", "side": "origin", "name": "UD Brambang, \"Jaya\"\nNganjuk"},
                {"id": "jt-2", "side": "origin", "name": "=HYPERLINK(\"x\")"},
                {"id": "bt-1", "side": "host", "name": "<script>alert(1)</script> & Co"},
                {"id": "bt-2", "side": "host"},
                {"id": "bt-3", "side": "host", "available": []}
            ],
            "requests": [{"a": "jt-1", "b": "bt-3", "priority": "want"}],
            "preferences": [{"a": "jt-1", "b": "bt-1", "weight": 2.0,
                             "topic": "bawang_merah; cabai, \\ garam — a long topic that certainly needs folding in ics"}]
        }))
        .expect("spec");
        let mission = spec.validate().expect("valid");
        let score = |_: &str, _: &str| {
            Some(PairScore {
                weight: 1.0,
                topic: None,
            })
        };
        let (problem, solution) = plan(&mission, &score, &ProblemConfig::default());
        let names = |id: &str| (id == "bt-2").then(|| "PT Dua".to_string());
        schedule(&mission, &problem, &solution, Some(&names), true)
    }

    #[test]
    fn json_has_the_contract_fields() {
        let s = planned();
        let v = serde_json::to_value(&s).expect("serialises");
        assert_eq!(s.meetings.len(), 4);
        for key in [
            "total_weight",
            "upper_bound",
            "gap_pct",
            "meetings",
            "participants",
            "idle_gaps",
            "solve_ms",
        ] {
            assert!(v["stats"].get(key).is_some(), "stats.{key}");
        }
        let m = &v["meetings"][0];
        for key in ["slot", "start", "end", "table", "a", "b", "weight"] {
            assert!(m.get(key).is_some(), "meetings[0].{key}");
        }
        assert_eq!(
            v["unscheduled"][0]["reason"],
            "jt-1 and bt-3 have no available slot in common"
        );
        assert_eq!(v["agendas"]["jt-1"].as_array().map(Vec::len), Some(2));
        assert!(
            s.meetings
                .iter()
                .any(|m| m.b_name.as_deref() == Some("PT Dua")),
            "names from the lookup"
        );
        let back: Schedule = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, s);
    }

    #[test]
    fn csv_quotes_and_neutralises_user_text() {
        let s = planned();
        let csv = to_csv(&s);
        assert!(csv.starts_with(
            "slot,start,end,table,a,a_name,b,b_name,weight,topic,priority,pinned,window\r\n"
        ));
        assert!(csv.contains("\"UD Brambang, \"\"Jaya\"\"\nNganjuk\""));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""));
        assert_eq!(csv.matches("\r\n").count(), 1 + s.meetings.len());
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("-1"), "'-1");
        assert_eq!(csv_text("x\r\ny"), "\"x\r\ny\"");
    }

    #[test]
    fn ics_escapes_folds_and_has_every_meeting() {
        let s = planned();
        let ics = to_ics(&s, None);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "line too long: {line:?}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), s.meetings.len());
        for m in &s.meetings {
            assert!(unfolded.contains(&format!("-s{}-t{}@jalin", m.slot, m.table)));
        }
        assert!(unfolded.contains("TZID:Asia/Jakarta"));
        assert!(unfolded.contains("DTSTART;TZID=Asia/Jakarta:20230911T230000"));
        assert!(
            unfolded.contains("DTEND;TZID=Asia/Jakarta:20230912T000000"),
            "24:00 rolls over"
        );
        assert!(unfolded.contains("LOCATION:Table 1\\, Serang\\; Hall A"));
        assert!(unfolded.contains("Topic: bawang_merah\\; cabai\\, \\\\ garam"));
        assert!(unfolded.contains("SUMMARY:Meeting: UD Brambang\\, \"Jaya\"\\nNganjuk × "));
        assert!(unfolded.contains("X-WR-CALNAME:Misi Dagang Jatim–Banten\\, \"2023\""));
        assert!(unfolded.contains("UID:misi-dagang-jatim-banten-2023-2023-09-11-s"));
    }

    #[test]
    fn folding_respects_octets_and_characters() {
        let mut out = String::new();
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        fold(&line, &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75);
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), line);
        let mut short = String::new();
        fold("A:b", &mut short);
        assert_eq!(short, "A:b\r\n");
    }

    #[test]
    fn time_zones_follow_the_host_province() {
        assert_eq!(time_zone("36").0, "Asia/Jakarta");
        assert_eq!(time_zone("51").0, "Asia/Makassar");
        assert_eq!(time_zone("73").0, "Asia/Makassar");
        assert_eq!(time_zone("94").0, "Asia/Jayapura");
        assert_eq!(time_zone("xx").0, "Asia/Jakarta");
        assert_eq!(ics_time("2023-12-31", "24:00"), "20240101T000000");
    }

    #[test]
    fn html_escapes_and_lists_every_agenda() {
        let s = planned();
        let html = to_html(&s);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
        assert_eq!(
            html.matches("class=\"agenda\"").count(),
            s.participants.len()
        );
        assert!(html.contains("<th scope=\"col\">Time</th>"));
        assert!(html.contains("No meetings scheduled."));
        assert!(html.contains("break-before:page"));
        let rows = html.matches("<th scope=\"row\">").count();
        assert_eq!(rows, 2 * s.meetings.len(), "each meeting in both agendas");
    }
}
