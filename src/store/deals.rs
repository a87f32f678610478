//! Deleting deals: a deal recorded by mistake (`DELETE /v1/deals/{id}`), or the sample's
//! deals (`jalin sample remove`). The deletion is a change like any other (so replicas and
//! the deal network's snapshot notice it) and is audited with the deal's digest before.
//! Also reading every deal as recorded, for exports.

use rusqlite::{OptionalExtension, params};

use super::{Entity, Store, Writer, keys, parse_doc};
use crate::error::Result;
use crate::model::Deal;

impl Store {
    /// Every stored deal, in change order, as recorded (for `jalin export`).
    pub fn for_each_deal(&self, mut f: impl FnMut(Deal) -> Result<()>) -> Result<()> {
        let mut after: i64 = 0;
        loop {
            let batch: Vec<(i64, String)> = {
                let conn = self.conn();
                let mut stmt = conn.prepare_cached(
                    "SELECT seq, doc FROM deals WHERE seq > ?1 ORDER BY seq LIMIT 5000",
                )?;
                stmt.query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let Some((last, _)) = batch.last() else {
                return Ok(());
            };
            after = *last;
            for (_, doc) in batch {
                f(parse_doc(&doc)?)?;
            }
        }
    }
}

impl Writer<'_> {
    /// Deletes deal `id`. Returns the change sequence, or `None` when there was no such
    /// deal.
    pub fn delete_deal(&mut self, id: &str) -> Result<Option<u64>> {
        let row: Option<(String, String)> = self
            .tx
            .query_row("SELECT doc, buyer FROM deals WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((doc, buyer)) = row else {
            return Ok(None);
        };
        self.tx.execute("DELETE FROM deals WHERE id = ?1", [id])?;
        let seq = self.change(Entity::Deal, id)?;
        let province = self.business_province(&buyer)?;
        self.audit(
            "deal",
            id,
            province.as_deref(),
            Some(seq),
            Some(&keys::digest(&doc)),
            None,
        )?;
        Ok(Some(seq))
    }

    /// The ids of the deals `business` is a party of.
    pub fn deal_ids_of(&mut self, business: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id FROM deals WHERE buyer = ?1 OR seller = ?1")?;
        let ids = stmt
            .query_map(params![business], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }
}
