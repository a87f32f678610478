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

use rusqlite::{OptionalExtension, params};

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

const MISSION_COLUMNS: &str = "id, organiser, host, body, plan, published, version, updated";

fn mission_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<MissionRow> {
    Ok(MissionRow {
        id: r.get(0)?,
        organiser: r.get(1)?,
        host: r.get(2)?,
        body: r.get(3)?,
        plan: r.get(4)?,
        published: r.get::<_, i64>(5)? != 0,
        version: r.get::<_, i64>(6)?.max(0) as u64,
        updated: r.get(7)?,
    })
}

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
        let created: i64 = self.tx.query_row(
            "SELECT count(*) FROM audit WHERE entity = ?1 AND before IS NULL",
            [entity],
            |r| r.get(0),
        )?;
        let mut n = created.max(0) + 1;
        loop {
            let id = format!("{prefix}-{n}");
            if !self.tx.prepare_cached(exists)?.exists([&id])? {
                return Ok(id);
            }
            n += 1;
        }
    }

    /// A stored mission, read inside this transaction.
    pub fn get_mission(&mut self, id: &str) -> Result<Option<MissionRow>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {MISSION_COLUMNS} FROM missions WHERE id = ?1"
        ))?;
        Ok(stmt.query_row([id], mission_of).optional()?)
    }

    /// Creates or replaces a mission, with its audit row. Returns whether it existed.
    pub fn put_mission(&mut self, row: &MissionRow) -> Result<bool> {
        let before = self.get_mission(&row.id)?.map(|m| mission_digest(&m));
        self.tx.execute(
            "INSERT INTO missions (id, organiser, host, body, plan, published, version, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET organiser = excluded.organiser,
                 host = excluded.host, body = excluded.body, plan = excluded.plan,
                 published = excluded.published, version = excluded.version,
                 updated = excluded.updated",
            params![
                row.id,
                row.organiser,
                row.host,
                row.body,
                row.plan,
                i64::from(row.published),
                row.version as i64,
                row.updated
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
        self.tx
            .execute("DELETE FROM commitments WHERE mission = ?1", [id])?;
        self.tx
            .execute("DELETE FROM missions WHERE id = ?1", [id])?;
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
        self.tx.execute(
            "INSERT INTO commitments (id, mission, body, deal) VALUES (?1, ?2, ?3, ?4)",
            params![row.id, row.mission, row.body, row.deal],
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
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, mission, body, deal FROM commitments WHERE id = ?1")?;
        Ok(stmt
            .query_row([id], |r| {
                Ok(CommitmentRow {
                    id: r.get(0)?,
                    mission: r.get(1)?,
                    body: r.get(2)?,
                    deal: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// A mission's commitments, read inside this transaction, oldest first.
    pub fn commitments_of(&mut self, mission: &str) -> Result<Vec<CommitmentRow>> {
        commitments_of(&self.tx, mission)
    }
}

fn commitments_of(conn: &rusqlite::Connection, mission: &str) -> Result<Vec<CommitmentRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, mission, body, deal FROM commitments WHERE mission = ?1 ORDER BY id",
    )?;
    let mut rows = stmt
        .query_map([mission], |r| {
            Ok(CommitmentRow {
                id: r.get(0)?,
                mission: r.get(1)?,
                body: r.get(2)?,
                deal: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // Oldest first: `c-10` after `c-9` (text order would put it before `c-2`).
    rows.sort_by_key(|c| {
        c.id.strip_prefix("c-")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(u64::MAX)
    });
    Ok(rows)
}

impl Store {
    /// A stored mission.
    pub fn get_mission(&self, id: &str) -> Result<Option<MissionRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {MISSION_COLUMNS} FROM missions WHERE id = ?1"
        ))?;
        Ok(stmt.query_row([id], mission_of).optional()?)
    }

    /// Every stored mission, oldest first.
    pub fn missions(&self) -> Result<Vec<MissionRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {MISSION_COLUMNS} FROM missions"))?;
        let mut rows = stmt
            .query_map([], mission_of)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by_key(|m| {
            m.id.strip_prefix("m-")
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(u64::MAX)
        });
        Ok(rows)
    }

    /// A mission's commitments, oldest first.
    pub fn commitments(&self, mission: &str) -> Result<Vec<CommitmentRow>> {
        commitments_of(&self.conn(), mission)
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
