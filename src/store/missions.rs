//! Stored trade missions and their commitment ledger: all the mission SQL in one place.
//!
//! Kept small and portable (plain TEXT and INTEGER columns, no SQLite-only functions): a
//! mission is its JSON document (the spec, attendance) plus the columns a listing or an
//! authorisation check needs — its organiser and host provinces, whether it is published,
//! its version, when it changed — and its kept plan (the planner's schedule, JSON). A
//! commitment is its JSON document, the mission it belongs to, and the deal it was recorded
//! as (when both parties are registered businesses).
//!
//! Every write here is audited in its own transaction like the business and deal writes
//! (entity `mission` or `commitment`), so a mission write that survives a crash has its
//! audit row. New ids count the audit rows of creations, which are never deleted: a
//! deleted mission's id is not given to another.

use super::db::{R, V, i, t};
use super::keys::digest;
use super::{Store, Writer};
use crate::error::Result;

/// A stored mission as its row: the document and the columns beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissionRow {
    /// `m-N`.
    pub id: String,
    /// The organising province's code (who may write it).
    pub organiser: String,
    /// The host province's code.
    pub host: String,
    /// The document (JSON): the spec and what happened on the day.
    pub body: String,
    /// The kept plan (JSON), none until planned or after an edit.
    pub plan: Option<String>,
    pub published: bool,
    /// Counts writes, from 1.
    pub version: u64,
    /// When it last changed (UTC).
    pub updated: String,
}

/// A recorded commitment as its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentRow {
    /// `c-N`.
    pub id: String,
    pub mission: String,
    /// The document (JSON).
    pub body: String,
    /// The deal it was recorded as, if it was.
    pub deal: Option<String>,
}

fn mission_digest(row: &MissionRow) -> String {
    digest(&format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        row.body,
        row.plan.as_deref().unwrap_or(""),
        row.published,
        row.organiser
    ))
}

const SELECT_MISSION: &str =
    "SELECT id, organiser, host, body, plan, published, version, updated FROM missions";

fn mission_of(r: &R<'_>) -> Result<MissionRow> {
    Ok(MissionRow {
        id: r.text(0)?,
        organiser: r.text(1)?,
        host: r.text(2)?,
        body: r.text(3)?,
        plan: r.opt_text(4)?,
        published: r.int(5)? != 0,
        version: r.int(6)?.max(0) as u64,
        updated: r.text(7)?,
    })
}

fn commitment_of(r: &R<'_>) -> Result<CommitmentRow> {
    Ok(CommitmentRow {
        id: r.text(0)?,
        mission: r.text(1)?,
        body: r.text(2)?,
        deal: r.opt_text(3)?,
    })
}

/// Oldest first by the number in the id: `c-10` after `c-9` (text order would put it before
/// `c-2`).
fn by_number<T>(rows: &mut [T], prefix: &str, id: impl Fn(&T) -> &str) {
    rows.sort_by_key(|row| {
        id(row)
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(u64::MAX)
    });
}

const COMMITMENTS_OF: &str = "SELECT id, mission, body, deal FROM commitments WHERE mission = ?1";

impl Writer<'_> {
    /// The id the next mission gets: `m-` and one more than the missions ever created.
    pub fn next_mission_id(&mut self) -> Result<String> {
        self.next_id("mission", "m", "SELECT 1 FROM missions WHERE id = ?1")
    }

    /// The id the next commitment gets (`c-N`).
    pub fn next_commitment_id(&mut self) -> Result<String> {
        self.next_id("commitment", "c", "SELECT 1 FROM commitments WHERE id = ?1")
    }

    fn next_id(&mut self, entity: &str, prefix: &str, exists: &str) -> Result<String> {
        let created = self.db().int(
            "SELECT count(*) FROM audit WHERE entity = ?1 AND before IS NULL",
            &[t(entity)],
        )?;
        let mut n = created.max(0) + 1;
        loop {
            let id = format!("{prefix}-{n}");
            if !self.db().exists(exists, &[t(&id)])? {
                return Ok(id);
            }
            n += 1;
        }
    }

    /// A stored mission, read inside this transaction.
    pub fn get_mission(&mut self, id: &str) -> Result<Option<MissionRow>> {
        self.db().one(
            &format!("{SELECT_MISSION} WHERE id = ?1"),
            &[t(id)],
            mission_of,
        )
    }

    /// Creates or replaces a mission, with its audit row. Returns whether it existed.
    pub fn put_mission(&mut self, row: &MissionRow) -> Result<bool> {
        let before = self.get_mission(&row.id)?.map(|m| mission_digest(&m));
        self.db().exec(
            "INSERT INTO missions (id, organiser, host, body, plan, published, version, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET organiser = excluded.organiser,
                 host = excluded.host, body = excluded.body, plan = excluded.plan,
                 published = excluded.published, version = excluded.version,
                 updated = excluded.updated",
            &[
                t(&row.id),
                t(&row.organiser),
                t(&row.host),
                t(&row.body),
                V::T(row.plan.as_deref()),
                i(i64::from(row.published)),
                i(row.version as i64),
                t(&row.updated),
            ],
        )?;
        let after = mission_digest(row);
        self.audit(
            "mission",
            &row.id,
            Some(&row.organiser),
            None,
            before.as_deref(),
            Some(&after),
        )?;
        Ok(before.is_some())
    }

    /// Deletes a mission and its commitments (the deals they were recorded as stay as
    /// history). Returns whether there was one.
    pub fn delete_mission(&mut self, id: &str) -> Result<bool> {
        let Some(old) = self.get_mission(id)? else {
            return Ok(false);
        };
        self.db()
            .exec("DELETE FROM commitments WHERE mission = ?1", &[t(id)])?;
        self.db()
            .exec("DELETE FROM missions WHERE id = ?1", &[t(id)])?;
        self.audit(
            "mission",
            id,
            Some(&old.organiser),
            None,
            Some(&mission_digest(&old)),
            None,
        )?;
        Ok(true)
    }

    /// Records a commitment of a mission whose organiser is `province`, with its audit row.
    pub fn put_commitment(&mut self, row: &CommitmentRow, province: &str) -> Result<()> {
        self.db().exec(
            "INSERT INTO commitments (id, mission, body, deal) VALUES (?1, ?2, ?3, ?4)",
            &[
                t(&row.id),
                t(&row.mission),
                t(&row.body),
                V::T(row.deal.as_deref()),
            ],
        )?;
        self.audit(
            "commitment",
            &row.id,
            Some(province),
            None,
            None,
            Some(&digest(&row.body)),
        )
    }

    /// A commitment by id, read inside this transaction.
    pub fn get_commitment(&mut self, id: &str) -> Result<Option<CommitmentRow>> {
        self.db().one(
            "SELECT id, mission, body, deal FROM commitments WHERE id = ?1",
            &[t(id)],
            commitment_of,
        )
    }

    /// The commitment recorded as deal `deal`, if one is (read inside this transaction).
    pub fn commitment_of_deal(&mut self, deal: &str) -> Result<Option<CommitmentRow>> {
        self.db().one(
            "SELECT id, mission, body, deal FROM commitments WHERE deal = ?1 LIMIT 1",
            &[t(deal)],
            commitment_of,
        )
    }

    /// A mission's commitments, read inside this transaction, oldest first.
    pub fn commitments_of(&mut self, mission: &str) -> Result<Vec<CommitmentRow>> {
        let mut rows = self
            .db()
            .all(COMMITMENTS_OF, &[t(mission)], commitment_of)?;
        by_number(&mut rows, "c-", |c| &c.id);
        Ok(rows)
    }
}

impl Store {
    /// A stored mission.
    pub fn get_mission(&self, id: &str) -> Result<Option<MissionRow>> {
        self.read(|db| {
            db.one(
                &format!("{SELECT_MISSION} WHERE id = ?1"),
                &[t(id)],
                mission_of,
            )
        })
    }

    /// Every stored mission, oldest first.
    pub fn missions(&self) -> Result<Vec<MissionRow>> {
        let mut rows = self.read(|db| db.all(SELECT_MISSION, &[], mission_of))?;
        by_number(&mut rows, "m-", |m| &m.id);
        Ok(rows)
    }

    /// A mission's commitments, oldest first.
    pub fn commitments(&self, mission: &str) -> Result<Vec<CommitmentRow>> {
        let mut rows = self.read(|db| db.all(COMMITMENTS_OF, &[t(mission)], commitment_of))?;
        by_number(&mut rows, "c-", |c| &c.id);
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str) -> MissionRow {
        MissionRow {
            id: id.into(),
            organiser: "35".into(),
            host: "36".into(),
            body: "{}".into(),
            plan: None,
            published: false,
            version: 1,
            updated: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn missions_are_audited_and_their_ids_never_reused() {
        let s = Store::open_temporary().unwrap();
        let id = s.write(|w| w.next_mission_id()).unwrap();
        assert_eq!(id, "m-1");
        s.write(|w| w.put_mission(&row(&id))).unwrap();
        let id2 = s.write(|w| w.next_mission_id()).unwrap();
        assert_eq!(id2, "m-2");
        s.write(|w| w.put_mission(&row(&id2))).unwrap();
        s.write(|w| {
            w.put_commitment(
                &CommitmentRow {
                    id: "c-1".into(),
                    mission: id2.clone(),
                    body: "{}".into(),
                    deal: None,
                },
                "35",
            )
        })
        .unwrap();
        assert_eq!(s.commitments(&id2).unwrap().len(), 1);
        assert!(s.write(|w| w.delete_mission(&id2)).unwrap());
        assert!(
            s.commitments(&id2).unwrap().is_empty(),
            "its ledger goes too"
        );
        assert_eq!(s.write(|w| w.next_mission_id()).unwrap(), "m-3");
        assert_eq!(s.missions().unwrap().len(), 1);
        let trail = s
            .audit(
                &crate::store::AuditQuery {
                    entity_id: Some(id2),
                    limit: 10,
                    ..Default::default()
                },
                |_| true,
            )
            .unwrap();
        assert_eq!(trail.len(), 2, "created and deleted");
        assert!(trail[0].after.is_none() && trail[1].before.is_none());
    }

    #[test]
    fn a_failed_mission_write_leaves_nothing() {
        let s = Store::open_temporary().unwrap();
        let failed: Result<()> = s.write(|w| {
            w.put_mission(&row("m-1"))?;
            Err(crate::error::Error::invalid("x", "boom"))
        });
        assert!(failed.is_err());
        assert!(s.get_mission("m-1").unwrap().is_none());
        assert_eq!(s.write(|w| w.next_mission_id()).unwrap(), "m-1");
    }
}
