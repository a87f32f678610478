//! The mission report (`GET /v1/missions/{id}/report`): what a mission is judged by —
//! totals of the commitment ledger by kind and by commodity (they add up to exactly what was
//! recorded), the top signings, each participant's outcome, meetings held against planned,
//! no-shows, and East Java's earlier recorded missions between the same provinces
//! (`fixtures/jatim_trade_missions.csv`, with their sources).
//!
//! A meeting counts as held when both its parties checked in; one with a no-show is lost.
//! Before anyone checks in, nothing is held yet: the report says what is known.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::Engine;
use super::mission_book::Attendance;
use super::mission_ledger::{Commitment, CommitmentKind, commitment_of};
use crate::auth::Principal;
use crate::error::{Error, Result};

/// East Java's recorded trade missions (copied from `shared/data/`).
const RECORDED_MISSIONS: &str = include_str!("../../fixtures/jatim_trade_missions.csv");
/// East Java's province code: the recorded missions are all its own.
const JATIM: &str = "35";
/// How many signings the report lists.
const TOP_SIGNINGS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MissionReport {
    pub mission: String,
    pub name: String,
    pub date: String,
    pub host_province: String,
    pub organiser: String,
    /// Commitments recorded, and their value (the sum of every recorded `value_idr`).
    pub commitments: usize,
    pub total_value_idr: f64,
    pub by_kind: Vec<KindTotal>,
    /// Largest value first.
    pub by_commodity: Vec<CommodityTotal>,
    /// The largest commitments, largest first.
    pub top_signings: Vec<Commitment>,
    pub meetings_planned: usize,
    /// Planned meetings whose both parties checked in.
    pub meetings_held: usize,
    /// Planned meetings with a party marked absent.
    pub meetings_lost: usize,
    /// Participants marked absent.
    pub no_shows: Vec<String>,
    pub participants: Vec<ParticipantOutcome>,
    /// Earlier recorded missions between the same provinces, oldest first.
    pub earlier_missions: Vec<EarlierMission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KindTotal {
    pub kind: CommitmentKind,
    pub commitments: usize,
    pub value_idr: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CommodityTotal {
    /// Catalog key, and its Indonesian name.
    pub commodity: String,
    pub name: String,
    pub commitments: usize,
    pub value_idr: f64,
    /// Quantities per unit, as recorded.
    pub quantities: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ParticipantOutcome {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// A firm of the mission, not a registered business.
    pub firm: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Attendance>,
    pub meetings_planned: usize,
    pub meetings_held: usize,
    /// Commitments it is a party of, and their value.
    pub commitments: usize,
    pub value_idr: f64,
}

/// A mission from `fixtures/jatim_trade_missions.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EarlierMission {
    /// As recorded: a year, a month or a day.
    pub date: String,
    pub partner_province: String,
    pub partner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_city: Option<String>,
    pub total_idr: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<String>,
    /// Where the figure comes from.
    pub source: String,
}

/// The recorded missions with `partner` (a province code).
fn earlier_missions(partner: &str) -> Vec<EarlierMission> {
    let mut reader = csv::Reader::from_reader(RECORDED_MISSIONS.as_bytes());
    let mut out = Vec::new();
    for record in reader.records().flatten() {
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        if cell(1) != partner {
            continue;
        }
        let Ok(total_idr) = cell(4).parse::<f64>() else {
            continue;
        };
        let opt = |s: String| Some(s).filter(|s| !s.is_empty());
        out.push(EarlierMission {
            date: cell(0),
            partner_province: cell(1),
            partner: cell(2),
            venue_city: opt(cell(3)),
            total_idr,
            participants: opt(cell(8)),
            source: cell(12),
        });
    }
    out.sort_by(|a, b| a.date.cmp(&b.date));
    out
}

impl Engine {
    /// The report of mission `id`.
    pub fn mission_report_for(&self, by: Option<&Principal>, id: &str) -> Result<MissionReport> {
        let m = self.load_mission(by, id)?;
        let commitments: Vec<Commitment> = self
            .store
            .commitments(id)?
            .into_iter()
            .map(commitment_of)
            .collect::<Result<_>>()?;
        let schedule: Option<crate::plan::export::Schedule> = m
            .row
            .plan
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        let spec = &m.doc.spec;
        let attendance = &m.doc.attendance;

        let mut by_kind: BTreeMap<CommitmentKind, KindTotal> = BTreeMap::new();
        let mut by_commodity: BTreeMap<String, CommodityTotal> = BTreeMap::new();
        let mut total_value_idr = 0.0;
        for c in &commitments {
            total_value_idr += c.value_idr;
            let k = by_kind.entry(c.kind).or_insert(KindTotal {
                kind: c.kind,
                commitments: 0,
                value_idr: 0.0,
            });
            k.commitments += 1;
            k.value_idr += c.value_idr;
            let t = by_commodity
                .entry(c.commodity.clone())
                .or_insert_with(|| CommodityTotal {
                    commodity: c.commodity.clone(),
                    name: self
                        .reference
                        .commodity(&c.commodity)
                        .map(|i| self.reference.commodities[i].name_id.clone())
                        .unwrap_or_else(|| c.commodity.clone()),
                    commitments: 0,
                    value_idr: 0.0,
                    quantities: BTreeMap::new(),
                });
            t.commitments += 1;
            t.value_idr += c.value_idr;
            if let (Some(q), Some(u)) = (c.qty, &c.unit) {
                *t.quantities.entry(u.clone()).or_insert(0.0) += q;
            }
        }
        let mut by_commodity: Vec<CommodityTotal> = by_commodity.into_values().collect();
        by_commodity.sort_by(|a, b| b.value_idr.total_cmp(&a.value_idr));
        let mut top_signings = commitments.clone();
        top_signings.sort_by(|a, b| b.value_idr.total_cmp(&a.value_idr));
        top_signings.truncate(TOP_SIGNINGS);

        let present = |p: &str| attendance.get(p) == Some(&Attendance::Present);
        let absent = |p: &str| attendance.get(p) == Some(&Attendance::Absent);
        let meetings = schedule.as_ref().map_or(&[][..], |s| &s.meetings[..]);
        let held = |a: &str, b: &str| present(a) && present(b);

        // Every participant: listed ones in order, then firms not listed.
        let mut ids: Vec<(String, Option<String>, Option<String>, bool)> = Vec::new();
        for p in &spec.participants {
            let firm = spec.firms.iter().find(|f| f.id == p.id);
            let name = firm
                .map(|f| f.name.clone())
                .or_else(|| p.name.clone())
                .or_else(|| {
                    self.store
                        .get_business_keyed(&p.id)
                        .ok()
                        .flatten()
                        .map(|(_, b)| b.name)
                });
            let province = firm
                .map(|f| f.province.clone())
                .or_else(|| p.province.clone());
            ids.push((p.id.clone(), name, province, firm.is_some()));
        }
        for f in &spec.firms {
            if !spec.participants.iter().any(|p| p.id == f.id) {
                ids.push((
                    f.id.clone(),
                    Some(f.name.clone()),
                    Some(f.province.clone()),
                    true,
                ));
            }
        }
        let participants = ids
            .into_iter()
            .map(|(id, name, province, firm)| {
                let mine = meetings.iter().filter(|x| x.a == id || x.b == id);
                let ledger = commitments.iter().filter(|c| c.a == id || c.b == id);
                ParticipantOutcome {
                    meetings_planned: mine.clone().count(),
                    meetings_held: mine.filter(|x| held(&x.a, &x.b)).count(),
                    commitments: ledger.clone().count(),
                    value_idr: ledger.map(|c| c.value_idr).sum(),
                    attendance: attendance.get(&id).copied(),
                    id,
                    name,
                    province,
                    firm,
                }
            })
            .collect();
        let organiser = m.row.organiser.clone();
        let partner = if organiser == JATIM {
            Some(spec.host_province.as_str())
        } else if spec.host_province == JATIM {
            Some(organiser.as_str())
        } else {
            None
        };
        Ok(MissionReport {
            mission: id.to_string(),
            name: spec.name.clone(),
            date: spec.date.clone(),
            host_province: spec.host_province.clone(),
            earlier_missions: partner.map(earlier_missions).unwrap_or_default(),
            organiser,
            commitments: commitments.len(),
            total_value_idr,
            by_kind: by_kind.into_values().collect(),
            by_commodity,
            top_signings,
            meetings_planned: meetings.len(),
            meetings_held: meetings.iter().filter(|x| held(&x.a, &x.b)).count(),
            meetings_lost: meetings
                .iter()
                .filter(|x| absent(&x.a) || absent(&x.b))
                .count(),
            no_shows: attendance
                .iter()
                .filter(|(_, a)| **a == Attendance::Absent)
                .map(|(p, _)| p.clone())
                .collect(),
            participants,
        })
    }
}

/// The report as a printable page (Indonesian headings with English beside them).
pub fn report_html(r: &MissionReport) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let idr = |v: f64| format!("Rp {}", crate::model::Lang::Id.number(v, 0));
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>");
    h.push_str(&esc(&r.name));
    h.push_str(
        "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;\
         margin:1em 0}td,th{border:1px solid #999;padding:.3em .6em;text-align:left}\
         td.n{text-align:right}</style></head><body>",
    );
    h.push_str(&format!(
        "<h1>Laporan Misi Dagang — {}</h1><p>{} · {} transaksi / commitments · <b>{}</b></p>",
        esc(&r.name),
        esc(&r.date),
        r.commitments,
        idr(r.total_value_idr)
    ));
    h.push_str("<h2>Menurut jenis / by kind</h2><table><tr><th>Jenis</th><th>Jumlah</th><th>Nilai</th></tr>");
    for k in &r.by_kind {
        h.push_str(&format!(
            "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            k.kind.as_str(),
            k.commitments,
            idr(k.value_idr)
        ));
    }
    h.push_str("</table><h2>Menurut komoditas / by commodity</h2><table><tr><th>Komoditas</th><th>Jumlah</th><th>Nilai</th></tr>");
    for c in &r.by_commodity {
        h.push_str(&format!(
            "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            esc(&c.name),
            c.commitments,
            idr(c.value_idr)
        ));
    }
    h.push_str(&format!(
        "</table><h2>Pertemuan / meetings</h2><p>Direncanakan {} · terlaksana {} · batal karena \
         tidak hadir {} · tidak hadir: {}</p>",
        r.meetings_planned,
        r.meetings_held,
        r.meetings_lost,
        r.no_shows.len()
    ));
    if !r.earlier_missions.is_empty() {
        h.push_str("<h2>Misi sebelumnya / earlier missions</h2><table><tr><th>Tanggal</th><th>Mitra</th><th>Nilai</th><th>Sumber</th></tr>");
        for e in &r.earlier_missions {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td></tr>",
                esc(&e.date),
                esc(&e.partner),
                idr(e.total_idr),
                esc(&e.source)
            ));
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_banten_mission_is_found_with_its_source() {
        let e = earlier_missions("36");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].total_idr, 340_477_000_000.0);
        assert!(e[0].source.starts_with("http"));
        assert_eq!(earlier_missions("63").len(), 2);
        assert!(earlier_missions("99").is_empty());
    }
}
