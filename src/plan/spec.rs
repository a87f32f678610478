//! The mission spec: what a planner sends to `POST /v1/missions/plan`, and its validation.
//!
//! Two types, two stages. [`MissionSpec`] is the JSON as written (serde, unknown fields
//! rejected); [`Mission`] is what validation returns: participant indices resolved, each
//! participant's cap and availability spelled out, slot clock times computed. Everything
//! after validation works on indices and can trust them, so the solver never re-checks ids.
//!
//! Validation stops at the first bad field and names it by its JSON path
//! (`participants[3].available[0]`), because that is what a caller needs to fix the request
//! and what the API puts in its error's `field`. Checks run in the order the fields appear
//! in the contract example, so the same bad spec always reports the same field.
//!
//! A participant's `side` may be omitted: the engine knows each business's province and
//! [`MissionSpec::resolve_sides`] fills it in. Sides are only group names; the planner
//! arranges meetings between different groups, so a multi-province forum simply has more
//! than two.

use crate::model::{FieldError, dates};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use super::limits::PlanLimits;

/// Most slots a mission may have (a long day of 5-minute speed meetings is 144).
pub const MAX_SLOTS: u64 = 200;
/// Longest slot or break, in minutes.
pub const MAX_MINUTES: u64 = 600;
/// Most tables a venue may have.
pub const MAX_TABLES: u64 = 10_000;

/// A mission as the caller writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MissionSpec {
    pub name: String,
    /// Two-digit province code of the host ("36" for Banten).
    pub host_province: String,
    /// `YYYY-MM-DD`, the day of the meetings.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    pub slots: SlotSpec,
    pub tables: u64,
    /// Default cap on meetings per participant.
    pub max_meetings: u64,
    /// Who takes part: registered businesses by id, and the `firms` by theirs (a firm not
    /// listed here takes part with the mission's defaults). May be empty while a stored
    /// mission is being drafted; planning needs at least one.
    #[serde(default)]
    pub participants: Vec<ParticipantSpec>,
    /// Participants that are not registered businesses: firms added by name, province,
    /// city, products and contacts (a business record that is not stored). Replace one by
    /// a registered business's id in `participants` to link it later.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firms: Vec<crate::model::Business>,
    /// Two-digit code of the organising province office (a stored mission's owner; by
    /// default the creating province key's first province, or the host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organiser: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestSpec>,
    /// Pairs that must never meet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<[String; 2]>,
    /// The planner's own ratings of pairs; they replace the engine's score for that pair.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PreferenceSpec>,
    /// Only pairs named in `preferences` or `requests` may meet.
    #[serde(default)]
    pub preferences_only: bool,
    /// A stored mission's setting: participants' requests (`/v1/missions/{id}/requests`) are
    /// planned only once the other side has accepted them (otherwise every request not
    /// declined or withdrawn is). The stateless planner (`POST /v1/missions/plan`) has no
    /// stored requests and ignores it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub requests_need_acceptance: bool,
    /// Every participant who has a possible partner gets at least `min(N, what is possible)`
    /// meetings before total score is maximised (a participant's own `min_meetings` replaces
    /// it). With a minimum, pairs the engine cannot score are still eligible, at a low weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_meetings: Option<u64>,
    /// `between_sides` (default): meetings only between different sides. `any`: one
    /// population, anyone may meet anyone, sides are not needed.
    #[serde(default, skip_serializing_if = "Pairing::is_default")]
    pub pairing: Pairing,
    /// Fairness of idle gaps: no participant (with a meeting) has more than this many idle
    /// gaps beyond any other. Pursued by the improvement phase (each participant's gaps
    /// beyond the fewest plus this are priced), not guaranteed: gaps that windows, pins or
    /// seats force stay. `stats.gap_spread` reports what was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_gap_spread: Option<u64>,
    /// Time budget of the idle-gap improvement phase, in milliseconds (default 1,000, at
    /// most 60,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_ms: Option<u64>,
    /// Seed of the improvement phase: the same spec and seed give the same plan, unless the
    /// time limit cut the search short (`stats.improvement.stopped_by` says `"time"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Who may meet whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pairing {
    /// Meetings only between participants of different sides (groups).
    #[default]
    BetweenSides,
    /// One population: any two participants may meet.
    Any,
}

impl Pairing {
    fn is_default(&self) -> bool {
        *self == Pairing::BetweenSides
    }
}

/// Longest improvement budget a spec may ask for.
pub const MAX_TIME_LIMIT_MS: u64 = 60_000;
/// Default improvement budget.
pub const DEFAULT_TIME_LIMIT_MS: u64 = 1_000;
/// Most seats (simultaneous meetings) one participant may have.
pub const MAX_SEATS: u64 = 100;

/// The day's grid of meeting slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    /// `HH:MM`, local time at the venue.
    pub start: String,
    /// Length of one slot.
    pub minutes: u64,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<BreakSpec>,
}

/// A pause of `minutes` between slot `after` and slot `after + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakSpec {
    pub after: u64,
    pub minutes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantSpec {
    pub id: String,
    /// "origin", "host", or any other group name (a province code in a multi-province
    /// forum). Filled in by [`MissionSpec::resolve_sides`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    /// Inclusive slot ranges `[first, last]`; absent means every slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Vec<[u64; 2]>>,
    /// This participant's own cap, replacing the mission's `max_meetings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_meetings: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// This participant's own minimum, replacing the mission's `min_meetings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_meetings: Option<u64>,
    /// Representatives: up to this many meetings in the same slot (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u64>,
}

/// How strongly a meeting is asked for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Placed before anything else whenever it can be placed at all.
    Must,
    /// Earns a bonus on top of the pair's score.
    Want,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Must => "must",
            Priority::Want => "want",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub a: String,
    pub b: String,
    #[serde(default = "want")]
    pub priority: Priority,
    /// Inclusive `[first, last]`: the slots this meeting may take (e.g. the morning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[u64; 2]>,
    /// Pinned to this slot (an already fixed meeting); placed before anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn want() -> Priority {
    Priority::Want
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceSpec {
    pub a: String,
    pub b: String,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// The side a participant from `province` gets (see [`MissionSpec::resolve_sides`]).
fn side_in(host: &str, two_sided: bool, province: String) -> String {
    if province == host {
        "host".to_string()
    } else if two_sided {
        "origin".to_string()
    } else {
        province
    }
}

/// Validation reports the first problem found in a spec as a [`FieldError`]: the JSON path of
/// the field, and what is wrong.
type Result<T> = std::result::Result<T, FieldError>;

/// Clock times of one slot, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTime {
    pub start: u32,
    pub end: u32,
}

impl SlotTime {
    /// `HH:MM` of the start.
    pub fn start_hhmm(&self) -> String {
        hhmm(self.start)
    }
    /// `HH:MM` of the end (`24:00` for a slot ending at midnight).
    pub fn end_hhmm(&self) -> String {
        hhmm(self.end)
    }
}

/// Formats minutes after midnight as `HH:MM`.
pub fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A participant after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct MissionParticipant {
    pub id: String,
    pub name: Option<String>,
    /// Index into [`Mission::groups`].
    pub group: usize,
    /// Meetings allowed: its own cap or the mission's, never more than the slot count.
    pub cap: usize,
    /// One entry per slot.
    pub available: Vec<bool>,
    /// Meetings wanted at least (0: none).
    pub min: usize,
    /// Meetings allowed in one slot.
    pub seats: usize,
}

/// A request after validation; duplicates are merged (a `must` wins over a `want`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub a: usize,
    pub b: usize,
    pub priority: Priority,
    /// Inclusive slot range the meeting may take.
    pub window: Option<(usize, usize)>,
    /// The slot it is pinned to.
    pub slot: Option<usize>,
}

/// A preference after validation; a later duplicate replaces an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct Preference {
    pub a: usize,
    pub b: usize,
    pub weight: f64,
    pub topic: Option<String>,
}

/// A validated mission: every id resolved to an index, every number in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Mission {
    /// The spec it came from, with every side filled in.
    pub spec: MissionSpec,
    pub slot_times: Vec<SlotTime>,
    /// Group names in order of first appearance; participants refer to them by index.
    pub groups: Vec<String>,
    pub participants: Vec<MissionParticipant>,
    pub requests: Vec<Request>,
    /// Blocked pairs, each as `(low index, high index)`, sorted.
    pub blocked: Vec<(usize, usize)>,
    pub preferences: Vec<Preference>,
    index: HashMap<String, usize>,
}

impl Mission {
    /// The index of a participant by id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Whether a pair is blocked (in either order).
    pub fn is_blocked(&self, a: usize, b: usize) -> bool {
        self.blocked.binary_search(&(a.min(b), a.max(b))).is_ok()
    }
}

impl MissionSpec {
    /// Parses a spec from JSON. Syntax and type errors carry the field serde names, or
    /// none; everything else is left to [`MissionSpec::validate`].
    pub fn from_json(text: &str) -> Result<MissionSpec> {
        serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let field = message
                .strip_prefix("unknown field `")
                .or_else(|| message.strip_prefix("missing field `"))
                .and_then(|rest| rest.split('`').next())
                .unwrap_or_default()
                .to_string();
            FieldError::new(field, message)
        })
    }

    /// Fills in every missing `side` from the participant's province: the spec's own
    /// `province` field first, then `province_of` (the engine's lookup by business id).
    ///
    /// A participant from `host_province` becomes "host". Anyone else becomes "origin"
    /// when the spec's explicit sides are only "origin"/"host" (a classic two-province
    /// mission), and otherwise its province code (a multi-province forum, one group per
    /// province).
    pub fn resolve_sides(&mut self, province_of: impl Fn(&str) -> Option<String>) -> Result<()> {
        if self.pairing == Pairing::Any {
            return Ok(()); // one population: sides are labels only
        }
        let two_sided = self.two_sided();
        let host = self.host_province.clone();
        for (i, p) in self.participants.iter_mut().enumerate() {
            if p.side.is_some() {
                continue;
            }
            let Some(province) = p.province.clone().or_else(|| province_of(&p.id)) else {
                return Err(FieldError::new(
                    format!("participants[{i}].side"),
                    format!(
                        "no side given for {:?} and its province is unknown; \
                         give \"side\": \"origin\" or \"host\"",
                        p.id
                    ),
                ));
            };
            p.side = Some(side_in(&host, two_sided, province));
        }
        Ok(())
    }

    /// Why request `r` could not be planned with this spec (sides resolved), if it could
    /// not: a participant not listed, the same participant twice or on the same side, a
    /// blocked pair, a window outside the day's slots. A stored mission's participant
    /// requests are checked with it before planning, so a request that an edit of the
    /// mission made impossible is left out (and counted) rather than failing the plan.
    pub fn request_problem(&self, r: &RequestSpec) -> Option<String> {
        let side = |id: &str| {
            self.participants
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.side.clone())
        };
        let (Some(side_a), Some(side_b)) = (side(&r.a), side(&r.b)) else {
            return Some("not both participants of the mission any more".into());
        };
        if r.a == r.b {
            return Some("a participant cannot meet itself".into());
        }
        if self.pairing != Pairing::Any && side_a == side_b {
            return Some("both participants are on the same side".into());
        }
        if self
            .blocked
            .iter()
            .any(|[x, y]| (*x == r.a && *y == r.b) || (*x == r.b && *y == r.a))
        {
            return Some("the pair is blocked".into());
        }
        let last = self.slots.count.checked_sub(1)?;
        if r.window.is_some_and(|[f, l]| f > l || l > last) || r.slot.is_some_and(|k| k > last) {
            return Some("its window is outside the day's slots".into());
        }
        None
    }

    /// Whether the explicit sides are only "origin"/"host" (a classic two-province mission).
    fn two_sided(&self) -> bool {
        let mut explicit = self
            .participants
            .iter()
            .filter_map(|p| p.side.as_deref())
            .peekable();
        explicit.peek().is_some() && explicit.all(|s| s == "origin" || s == "host")
    }

    /// The side participant `id` has, or would get from [`MissionSpec::resolve_sides`]
    /// given its `province` (a firm's, or a registered business's): `None` when `pairing`
    /// is `any`, or when neither is known.
    pub fn side_of(&self, id: &str, province: Option<&str>) -> Option<String> {
        if self.pairing == Pairing::Any {
            return None;
        }
        let p = self.participants.iter().find(|p| p.id == id);
        if let Some(side) = p.and_then(|p| p.side.clone()) {
            return Some(side);
        }
        let province = p
            .and_then(|p| p.province.clone())
            .or(province.map(str::to_string))?;
        Some(side_in(&self.host_province, self.two_sided(), province))
    }

    /// Checks everything and resolves ids. Every participant must have a side by now
    /// (see [`MissionSpec::resolve_sides`]).
    pub fn validate(&self) -> Result<Mission> {
        check_date(&self.date)?;
        let slot_times = check_slots(&self.slots)?;
        let slots = slot_times.len();
        if self.tables == 0 || self.tables > MAX_TABLES {
            return Err(FieldError::new(
                "tables",
                format!("must be between 1 and {MAX_TABLES}, got {}", self.tables),
            ));
        }
        if self.max_meetings == 0 {
            return Err(FieldError::new("max_meetings", "must be at least 1"));
        }
        if let Some(t) = self.time_limit_ms
            && t > MAX_TIME_LIMIT_MS
        {
            return Err(FieldError::new(
                "time_limit_ms",
                format!("must be at most {MAX_TIME_LIMIT_MS}, got {t}"),
            ));
        }
        let any = self.pairing == Pairing::Any;
        let (participants, groups, index) = self.check_participants(slots)?;
        let id_of = |field: String, id: &str| -> Result<usize> {
            index.get(id).copied().ok_or_else(|| {
                FieldError::new(field, format!("{id:?} is not one of the participants"))
            })
        };
        let pair =
            |path: &str, fa: String, fb: String, a: &str, b: &str| -> Result<(usize, usize)> {
                let ia = id_of(fa, a)?;
                let ib = id_of(fb.clone(), b)?;
                if ia == ib {
                    return Err(FieldError::new(
                        fb,
                        format!("{path} names {a:?} twice; a participant cannot meet itself"),
                    ));
                }
                if !any && participants[ia].group == participants[ib].group {
                    return Err(FieldError::new(
                        fb,
                        format!(
                            "{a:?} and {b:?} are both on side {:?}; meetings are between sides",
                            groups[participants[ia].group]
                        ),
                    ));
                }
                Ok((ia, ib))
            };

        // Requests, merged per unordered pair; `must` wins.
        let mut requests: Vec<Request> = Vec::new();
        let mut request_at: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
        for (i, r) in self.requests.iter().enumerate() {
            let path = format!("requests[{i}]");
            let (a, b) = pair(&path, format!("{path}.a"), format!("{path}.b"), &r.a, &r.b)?;
            let last = slots as u64 - 1;
            let window = match r.window {
                Some([first, end]) if first > end => {
                    return Err(FieldError::new(
                        format!("{path}.window"),
                        format!("range [{first}, {end}] is reversed"),
                    ));
                }
                Some([first, end]) if end > last => {
                    return Err(FieldError::new(
                        format!("{path}.window"),
                        format!("range [{first}, {end}] is outside slots 0..={last}"),
                    ));
                }
                Some([first, end]) => Some((first as usize, end as usize)),
                None => None,
            };
            let slot = match r.slot {
                Some(k) if k > last => {
                    return Err(FieldError::new(
                        format!("{path}.slot"),
                        format!("slot {k} is outside slots 0..={last}"),
                    ));
                }
                Some(k) if window.is_some_and(|(f, e)| (k as usize) < f || k as usize > e) => {
                    return Err(FieldError::new(
                        format!("{path}.slot"),
                        format!("slot {k} is outside the request's window"),
                    ));
                }
                Some(k) => Some(k as usize),
                None => None,
            };
            match request_at.get(&(a.min(b), a.max(b))) {
                Some(&(k, _)) => {
                    if r.priority == Priority::Must {
                        requests[k].priority = Priority::Must;
                    }
                    requests[k].window = requests[k].window.or(window);
                    requests[k].slot = requests[k].slot.or(slot);
                }
                None => {
                    request_at.insert((a.min(b), a.max(b)), (requests.len(), i));
                    requests.push(Request {
                        a,
                        b,
                        priority: r.priority,
                        window,
                        slot,
                    });
                }
            }
        }

        let mut blocked = Vec::with_capacity(self.blocked.len());
        for (i, [a, b]) in self.blocked.iter().enumerate() {
            let path = format!("blocked[{i}]");
            let (ia, ib) = pair(&path, format!("{path}[0]"), format!("{path}[1]"), a, b)?;
            blocked.push(((ia.min(ib), ia.max(ib)), i));
        }

        let mut preferences: Vec<Preference> = Vec::new();
        let mut preference_at: HashMap<(usize, usize), usize> = HashMap::new();
        for (i, p) in self.preferences.iter().enumerate() {
            let path = format!("preferences[{i}]");
            let (a, b) = pair(&path, format!("{path}.a"), format!("{path}.b"), &p.a, &p.b)?;
            if !p.weight.is_finite() || p.weight < 0.0 {
                return Err(FieldError::new(
                    format!("{path}.weight"),
                    format!("must be a finite number ≥ 0, got {}", p.weight),
                ));
            }
            let pref = Preference {
                a,
                b,
                weight: p.weight,
                topic: p.topic.clone(),
            };
            match preference_at.get(&(a.min(b), a.max(b))) {
                Some(&k) => preferences[k] = pref,
                None => {
                    preference_at.insert((a.min(b), a.max(b)), preferences.len());
                    preferences.push(pref);
                }
            }
        }

        // Cross-checks: a request may not be blocked, and nobody may have more must-meets
        // than it can attend.
        for &(key, j) in &blocked {
            if let Some(&(_, i)) = request_at.get(&key) {
                return Err(FieldError::new(
                    format!("requests[{i}]"),
                    format!(
                        "{:?} and {:?} are also listed in blocked[{j}]",
                        self.requests[i].a, self.requests[i].b
                    ),
                ));
            }
        }
        // More must-meets than someone can attend is not an error: the plan places what fits
        // and lists the rest in `unscheduled` with the reason.

        let mut blocked: Vec<(usize, usize)> = blocked.into_iter().map(|(k, _)| k).collect();
        blocked.sort_unstable();
        blocked.dedup();
        Ok(Mission {
            spec: self.clone(),
            slot_times,
            groups,
            participants,
            requests,
            blocked,
            preferences,
            index,
        })
    }

    #[allow(clippy::type_complexity)]
    fn check_participants(
        &self,
        slots: usize,
    ) -> Result<(Vec<MissionParticipant>, Vec<String>, HashMap<String, usize>)> {
        if self.participants.is_empty() {
            return Err(FieldError::new(
                "participants",
                "needs at least one participant",
            ));
        }
        let mut groups: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(self.participants.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(self.participants.len());
        for (i, p) in self.participants.iter().enumerate() {
            let path = format!("participants[{i}]");
            if p.id.trim().is_empty() {
                return Err(FieldError::new(format!("{path}.id"), "must not be empty"));
            }
            let side = match p.side.as_deref().map(str::trim) {
                None if self.pairing == Pairing::Any => "any",
                None => {
                    return Err(FieldError::new(
                        format!("{path}.side"),
                        format!("no side given for {:?}", p.id),
                    ));
                }
                Some("") => {
                    return Err(FieldError::new(format!("{path}.side"), "must not be empty"));
                }
                Some(s) => s,
            };
            let group = match groups.iter().position(|g| g == side) {
                Some(g) => g,
                None => {
                    groups.push(side.to_string());
                    groups.len() - 1
                }
            };
            if let Some(&j) = index.get(&p.id) {
                let other: &MissionParticipant = &out[j];
                return Err(if other.group != group {
                    FieldError::new(
                        format!("{path}.side"),
                        format!(
                            "{:?} is on both sides ({:?} in participants[{j}], {side:?} here)",
                            p.id, groups[other.group]
                        ),
                    )
                } else {
                    FieldError::new(
                        format!("{path}.id"),
                        format!(
                            "duplicate participant id {:?} (also participants[{j}])",
                            p.id
                        ),
                    )
                });
            }
            let cap = match p.max_meetings {
                Some(0) => {
                    return Err(FieldError::new(
                        format!("{path}.max_meetings"),
                        "must be at least 1",
                    ));
                }
                Some(c) => c,
                None => self.max_meetings,
            };
            let available = match &p.available {
                None => vec![true; slots],
                Some(ranges) => {
                    let mut av = vec![false; slots];
                    for (k, &[first, last]) in ranges.iter().enumerate() {
                        if first > last {
                            return Err(FieldError::new(
                                format!("{path}.available[{k}]"),
                                format!("range [{first}, {last}] is reversed"),
                            ));
                        }
                        if last >= slots as u64 {
                            return Err(FieldError::new(
                                format!("{path}.available[{k}]"),
                                format!(
                                    "range [{first}, {last}] is outside slots 0..={}",
                                    slots - 1
                                ),
                            ));
                        }
                        for slot in &mut av[first as usize..=last as usize] {
                            *slot = true;
                        }
                    }
                    av
                }
            };
            let seats = match p.seats {
                Some(n) if n == 0 || n > MAX_SEATS => {
                    return Err(FieldError::new(
                        format!("{path}.seats"),
                        format!("must be between 1 and {MAX_SEATS}, got {n}"),
                    ));
                }
                Some(n) => n as usize,
                None => 1,
            };
            let cap = cap.min((slots * seats) as u64) as usize;
            let min = p
                .min_meetings
                .or(self.min_meetings)
                .unwrap_or(0)
                .min(cap as u64) as usize;
            index.insert(p.id.clone(), i);
            out.push(MissionParticipant {
                id: p.id.clone(),
                name: p.name.clone(),
                group,
                cap,
                available,
                min,
                seats,
            });
        }
        Ok((out, groups, index))
    }
}

fn check_date(date: &str) -> Result<()> {
    match dates::parse_ymd(date) {
        Some(_) => Ok(()),
        None => Err(FieldError::new(
            "date",
            format!("{date:?} is not a date in YYYY-MM-DD form"),
        )),
    }
}

/// Parses `HH:MM` (24-hour, two digits each) into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn check_slots(s: &SlotSpec) -> Result<Vec<SlotTime>> {
    let start = parse_hhmm(&s.start).ok_or_else(|| {
        FieldError::new(
            "slots.start",
            format!("{:?} is not a time in HH:MM form", s.start),
        )
    })?;
    if s.minutes == 0 || s.minutes > MAX_MINUTES {
        return Err(FieldError::new(
            "slots.minutes",
            format!("must be between 1 and {MAX_MINUTES}, got {}", s.minutes),
        ));
    }
    if s.count == 0 || s.count > MAX_SLOTS {
        return Err(FieldError::new(
            "slots.count",
            format!("must be between 1 and {MAX_SLOTS}, got {}", s.count),
        ));
    }
    let count = s.count as usize;
    let mut pause = vec![0u64; count];
    for (i, b) in s.breaks.iter().enumerate() {
        if b.after >= s.count - 1 {
            return Err(FieldError::new(
                format!("slots.breaks[{i}].after"),
                format!(
                    "no slot follows slot {} (slots are numbered 0..={})",
                    b.after,
                    s.count - 1
                ),
            ));
        }
        if b.minutes == 0 || b.minutes > MAX_MINUTES {
            return Err(FieldError::new(
                format!("slots.breaks[{i}].minutes"),
                format!("must be between 1 and {MAX_MINUTES}, got {}", b.minutes),
            ));
        }
        if pause[b.after as usize] > 0 {
            return Err(FieldError::new(
                format!("slots.breaks[{i}].after"),
                format!("overlaps another break after slot {}", b.after),
            ));
        }
        pause[b.after as usize] = b.minutes;
    }
    let mut t = u64::from(start);
    let mut times = Vec::with_capacity(count);
    for (i, &p) in pause.iter().enumerate() {
        let end = t + s.minutes;
        if end > 24 * 60 {
            return Err(FieldError::new(
                "slots.count",
                format!(
                    "slot {i} would end at {}, past midnight",
                    hhmm(end.min(u64::from(u32::MAX)) as u32)
                ),
            ));
        }
        times.push(SlotTime {
            start: t as u32,
            end: end as u32,
        });
        t = end + p;
    }
    Ok(times)
}

#[cfg(test)]
mod tests;
