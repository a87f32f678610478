//! The store's records of who may do what and who did what: API keys (their SHA-256 hashes,
//! never the keys), the audit trail, and deals waiting for the other party's confirmation.
//!
//! The audit trail is written by the same transaction as the write it records (every
//! `Writer` method that changes a business or a deal calls [`Writer::audit`]), so a write
//! that survives a crash has its audit row, and a rolled-back write has none. Who is acting
//! is set per thread with [`with_actor`] (the API sets it for every write from the request's
//! key; the command line as `cli`); writes without one are recorded as `system` (the sample
//! loaded at first start).

use serde::Serialize;
use utoipa::ToSchema;

use super::db::{V, t};
use super::{Store, Writer, parse_doc, to_doc};
use crate::auth::KeyRecord;
use crate::error::Result;
use crate::model::Deal;

/// Who is writing, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub key_id: String,
    pub role: &'static str,
    /// The route or command (`PUT /v1/businesses/{id}`, `jalin import`).
    pub route: String,
    pub request_id: Option<String>,
}

thread_local! {
    static ACTOR: std::cell::RefCell<Option<Actor>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `actor` named in the audit rows of the writes it makes on this thread.
pub fn with_actor<T>(actor: Actor, f: impl FnOnce() -> T) -> T {
    let before = ACTOR.with(|a| a.replace(Some(actor)));
    let out = f();
    ACTOR.with(|a| *a.borrow_mut() = before);
    out
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Increasing with time.
    pub id: u64,
    /// When (UTC).
    pub at: String,
    /// The key that wrote (`token`: the configured token; `cli`; `system`).
    pub key_id: String,
    pub role: String,
    /// The route or command.
    pub route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `business`, `deal`, `pending_deal` or `key`.
    pub entity: String,
    pub entity_id: String,
    /// The province of the business (a deal: the buyer's), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// The store's change sequence of the write (none for keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// SHA-256 (16 hex digits) of the record before and after; none where it did not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// Which audit rows to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub entity_id: Option<String>,
    pub key_id: Option<String>,
    /// Rows with an id below this (paging backwards); none: the newest.
    pub before_id: Option<u64>,
    pub limit: usize,
}

/// A deal a business key proposed, waiting for the other party.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PendingDeal {
    pub id: String,
    pub deal: Deal,
    /// The party that must confirm it.
    pub confirmer: String,
    /// The key that proposed it.
    pub proposer: String,
    pub created: String,
}

/// SHA-256 of a text, 16 hex digits: enough to tell versions apart in an audit trail.
pub(super) fn digest(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Who is writing on this thread, as the audit names them: key id, role, route, request id.
pub(super) fn current_actor() -> (String, &'static str, String, Option<String>) {
    ACTOR.with(|a| match &*a.borrow() {
        Some(a) => (
            a.key_id.clone(),
            a.role,
            a.route.clone(),
            a.request_id.clone(),
        ),
        None => ("system".to_string(), "admin", String::new(), None),
    })
}

impl Writer<'_> {
    /// Records who changed `entity_id` (in the same transaction as the change).
    pub(super) fn audit(
        &mut self,
        entity: &str,
        entity_id: &str,
        province: Option<&str>,
        seq: Option<u64>,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<()> {
        let (key_id, role, route, request_id) = current_actor();
        let at = crate::auth::now_utc();
        self.db().exec(
            "INSERT INTO audit (at, key_id, role, route, request_id, entity, entity_id,
                                province, seq, before, after)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            &[
                t(&at),
                t(&key_id),
                t(role),
                t(&route),
                V::T(request_id.as_deref()),
                t(entity),
                t(entity_id),
                V::T(province),
                V::I(seq.map(|s| s as i64)),
                V::T(before),
                V::T(after),
            ],
        )?;
        Ok(())
    }

    /// The digest of a stored business with its contacts (`None`: not stored).
    pub(super) fn business_digest(&mut self, id: &str) -> Result<Option<String>> {
        let text = self.db().one(
            "SELECT b.doc, c.contact_person, c.phone, c.whatsapp, c.email, c.address,
                    c.website, c.publish
             FROM businesses b LEFT JOIN contacts c ON c.business_id = b.id WHERE b.id = ?1",
            &[t(id)],
            |r| {
                let mut contacts: [Option<String>; 6] = Default::default();
                for (i, c) in contacts.iter_mut().enumerate() {
                    *c = r.opt_text(1 + i)?;
                }
                Ok(super::bulk::digest_text(
                    &r.text(0)?,
                    Some(&(contacts, r.opt_int(7)?.unwrap_or(0))),
                ))
            },
        )?;
        Ok(text.map(|t| digest(&t)))
    }

    /// Stores a new key's record and hash.
    pub fn put_key(&mut self, key: &KeyRecord, hash: &str) -> Result<()> {
        self.db().exec(
            "INSERT INTO keys (id, hash, doc) VALUES (?1, ?2, ?3)",
            &[t(&key.id), t(hash), t(&to_doc(key)?)],
        )?;
        let after = digest(&to_doc(key)?);
        self.audit("key", &key.id, None, None, None, Some(&after))
    }

    /// Revokes a key at `at`. Returns the revoked record, `None` when there is no such key
    /// (a key revoked before stays as it was).
    pub fn revoke_key(&mut self, id: &str, at: &str) -> Result<Option<KeyRecord>> {
        let doc = self
            .db()
            .one("SELECT doc FROM keys WHERE id = ?1", &[t(id)], |r| {
                r.text(0)
            })?;
        let Some(doc) = doc else {
            return Ok(None);
        };
        let mut key: KeyRecord = parse_doc(&doc)?;
        if key.revoked.is_some() {
            return Ok(Some(key));
        }
        key.revoked = Some(at.to_string());
        let new_doc = to_doc(&key)?;
        self.db().exec(
            "UPDATE keys SET doc = ?2 WHERE id = ?1",
            &[t(id), t(&new_doc)],
        )?;
        self.audit(
            "key",
            id,
            None,
            None,
            Some(&digest(&doc)),
            Some(&digest(&new_doc)),
        )?;
        Ok(Some(key))
    }

    /// Holds a deal until `confirmer` confirms it. Returns its pending id (`p-N`).
    pub fn put_pending_deal(
        &mut self,
        deal: &Deal,
        confirmer: &str,
        proposer: &str,
        province: Option<&str>,
    ) -> Result<String> {
        let next = self.db().int("SELECT max(rowid) FROM pending_deals", &[])? + 1;
        let id = format!("p-{next:06}");
        let doc = to_doc(deal)?;
        self.db().exec(
            "INSERT INTO pending_deals (id, confirmer, proposer, doc, created)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                t(&id),
                t(confirmer),
                t(proposer),
                t(&doc),
                t(&crate::auth::now_utc()),
            ],
        )?;
        self.audit(
            "pending_deal",
            &id,
            province,
            None,
            None,
            Some(&digest(&doc)),
        )?;
        Ok(id)
    }

    /// A pending deal with its confirmer, left in place.
    pub fn pending_deal(&mut self, id: &str) -> Result<Option<(Deal, String)>> {
        let row = self.db().one(
            "SELECT doc, confirmer FROM pending_deals WHERE id = ?1",
            &[t(id)],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )?;
        row.map(|(doc, confirmer)| Ok((parse_doc(&doc)?, confirmer)))
            .transpose()
    }

    /// Removes a pending deal and returns it with its confirmer.
    pub fn take_pending_deal(&mut self, id: &str) -> Result<Option<(Deal, String)>> {
        let row = self.db().one(
            "SELECT doc, confirmer FROM pending_deals WHERE id = ?1",
            &[t(id)],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )?;
        let Some((doc, confirmer)) = row else {
            return Ok(None);
        };
        self.db()
            .exec("DELETE FROM pending_deals WHERE id = ?1", &[t(id)])?;
        Ok(Some((parse_doc(&doc)?, confirmer)))
    }
}

impl Store {
    /// A key's record and hash.
    pub fn get_key(&self, id: &str) -> Result<Option<(KeyRecord, String)>> {
        let row = self.read(|db| {
            db.one("SELECT doc, hash FROM keys WHERE id = ?1", &[t(id)], |r| {
                Ok((r.text(0)?, r.text(1)?))
            })
        })?;
        row.map(|(doc, hash)| Ok((parse_doc(&doc)?, hash)))
            .transpose()
    }

    /// Every key, oldest first, without secrets.
    pub fn keys(&self) -> Result<Vec<KeyRecord>> {
        let docs =
            self.read(|db| db.all("SELECT doc FROM keys ORDER BY rowid", &[], |r| r.text(0)))?;
        docs.iter().map(|d| parse_doc(d)).collect()
    }

    /// Audit rows, newest first, passing `keep` (the caller's permission), at most
    /// `q.limit`.
    pub fn audit(
        &self,
        q: &AuditQuery,
        keep: impl Fn(&AuditEntry) -> bool,
    ) -> Result<Vec<AuditEntry>> {
        self.read(|db| {
            let mut out = Vec::new();
            db.each_while(
                "SELECT id, at, key_id, role, route, request_id, entity, entity_id, province, seq,
                        before, after
                 FROM audit
                 WHERE (CAST(?1 AS TEXT) IS NULL OR entity_id = ?1)
                       AND (CAST(?2 AS TEXT) IS NULL OR key_id = ?2)
                       AND (CAST(?3 AS BIGINT) IS NULL OR id < ?3)
                 ORDER BY id DESC",
                &[
                    V::T(q.entity_id.as_deref()),
                    V::T(q.key_id.as_deref()),
                    V::I(q.before_id.map(|i| i as i64)),
                ],
                &mut |r| {
                    let row = AuditEntry {
                        id: r.int(0)? as u64,
                        at: r.text(1)?,
                        key_id: r.text(2)?,
                        role: r.text(3)?,
                        route: r.text(4)?,
                        request_id: r.opt_text(5)?,
                        entity: r.text(6)?,
                        entity_id: r.text(7)?,
                        province: r.opt_text(8)?,
                        seq: r.opt_int(9)?.map(|s| s as u64),
                        before: r.opt_text(10)?,
                        after: r.opt_text(11)?,
                    };
                    if keep(&row) {
                        out.push(row);
                    }
                    Ok(out.len() < q.limit)
                },
            )?;
            Ok(out)
        })
    }

    /// Deals waiting for `business` (or, with `None`, all), oldest first.
    pub fn pending_deals(&self, business: Option<&str>) -> Result<Vec<PendingDeal>> {
        let rows = self.read(|db| {
            db.all(
                "SELECT id, doc, confirmer, proposer, created FROM pending_deals
                 WHERE CAST(?1 AS TEXT) IS NULL OR confirmer = ?1 ORDER BY rowid LIMIT 1000",
                &[V::T(business)],
                |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.text(4)?)),
            )
        })?;
        rows.into_iter()
            .map(|(id, doc, confirmer, proposer, created)| {
                Ok(PendingDeal {
                    id,
                    deal: parse_doc(&doc)?,
                    confirmer,
                    proposer,
                    created,
                })
            })
            .collect()
    }
}
