//! Access: API keys (create, list, revoke, and finding the principal behind a key), the
//! writes checked against the caller's ownership (`*_as`), deals proposed by one party and
//! confirmed by the other, and the audit trail as each caller may read it.
//!
//! Invariant: the ownership check and the write are one store transaction, so a business
//! moved to another province between the check and the write cannot slip through.

use super::Engine;
use crate::auth::{self, DealAccess, KeyRecord, NewKey, Principal, Role};
use crate::error::{Error, Result};
use crate::model::{Business, Deal};
use crate::reference::Reference;
use crate::store::{AuditEntry, AuditQuery, PendingDeal, Store};

/// Why a caller was refused: the API answers 403.
#[derive(Debug)]
pub struct Forbidden(pub String);

/// What an authorised write came to, or why it was refused.
pub type Checked<T> = Result<std::result::Result<T, Forbidden>>;

/// A deal posted: recorded at once, or held for the other party.
#[derive(Debug)]
pub enum DealPosted {
    Recorded(Deal),
    Pending(PendingDeal),
}

impl Engine {
    /// The live key behind `key` (`None`: not one of ours, wrong, revoked or expired).
    pub fn key_principal(&self, key: &str) -> Result<Option<Principal>> {
        let Some(id) = auth::key_id(key) else {
            return Ok(None);
        };
        let Some((record, hash)) = self.store.get_key(id)? else {
            return Ok(None);
        };
        let given = auth::hash(key);
        if !auth::same_secret(given.as_bytes(), hash.as_bytes())
            || !record.is_live(&auth::today_utc())
        {
            return Ok(None);
        }
        Ok(Some(Principal::of_key(&record)))
    }

    /// Creates a key for `new` on behalf of `by`. Returns the record and the key (shown
    /// once).
    pub fn create_key(&self, by: &Principal, new: NewKey) -> Checked<(KeyRecord, String)> {
        create_key(&self.store, &self.reference, by, new)
    }

    /// The keys `by` may see (admin: all; a province key: those it made).
    pub fn keys(&self, by: &Principal) -> Result<Vec<KeyRecord>> {
        let mut keys = self.store.keys()?;
        keys.retain(|k| by.may_manage_key(k));
        Ok(keys)
    }

    /// Revokes key `id`; it stops working at once.
    pub fn revoke_key(&self, by: &Principal, id: &str) -> Checked<KeyRecord> {
        let not_found = || Error::NotFound {
            what: "key",
            id: id.to_string(),
        };
        let Some((record, _)) = self.store.get_key(id)? else {
            return Err(not_found());
        };
        if !by.may_manage_key(&record) {
            // Do not tell a caller who may not manage it that it exists.
            return Err(not_found());
        }
        let at = auth::now_utc();
        let revoked = self.store.write(|w| w.revoke_key(id, &at))?;
        revoked.map(Ok).ok_or_else(not_found)
    }

    /// [`Engine::put_business`] as `by`: refused unless `by` may write the business where it
    /// is now and where it would be.
    pub fn put_business_as(&self, by: &Principal, mut b: Business) -> Checked<(Business, bool)> {
        self.validate_business(&mut b)?;
        let written = self.store.write(|w| {
            let old = w.business_province(&b.id)?;
            if let Err(d) = by.may_write_business(&b.id, old.as_deref(), Some(&b.province)) {
                return Ok(Err(Forbidden(d.0)));
            }
            Ok(Ok(w.put_business(&b)?))
        })?;
        let (seq, existed) = match written {
            Ok(w) => w,
            Err(f) => return Ok(Err(f)),
        };
        self.after_business_write(&b, seq)?;
        Ok(Ok((b, !existed)))
    }

    /// [`Engine::delete_business`] as `by`.
    pub fn delete_business_as(&self, by: &Principal, id: &str) -> Checked<()> {
        let deleted = self.store.write(|w| {
            let Some(old) = w.business_province(id)? else {
                return Ok(Ok(None));
            };
            if let Err(d) = by.may_write_business(id, Some(&old), None) {
                return Ok(Err(Forbidden(d.0)));
            }
            Ok(Ok(w.delete_business(id)?))
        })?;
        match deleted {
            Err(f) => Ok(Err(f)),
            Ok(None) => Err(Error::NotFound {
                what: "business",
                id: id.to_string(),
            }),
            Ok(Some(seq)) => {
                self.index_up_to(seq)?;
                Ok(Ok(()))
            }
        }
    }

    /// Deletes a deal as `by`: an admin key, or a province key with a party in its
    /// provinces (those who record deals directly). A deal recorded from a mission's
    /// commitment is refused (409, naming the commitment) while the mission exists. The deal leaves the deal network and so
    /// the rankings (the network is rebuilt from the store: a deletion is rare, a rebuild
    /// reads every deal once).
    pub fn delete_deal_as(&self, by: &Principal, id: &str) -> Checked<()> {
        let deleted = self.store.write(|w| {
            let Some(d) = w.get_deal(id)? else {
                return Ok(Ok(None));
            };
            let buyer = w.business_province(&d.buyer)?.unwrap_or_default();
            let seller = w.business_province(&d.seller)?.unwrap_or_default();
            match by.may_record_deal((&d.buyer, &buyer), (&d.seller, &seller)) {
                Ok(DealAccess::Direct) => {
                    // A mission's report counts the deals its commitments were recorded as:
                    // such a deal goes only once its mission (and so its ledger) is deleted.
                    if let Some(c) = w.commitment_of_deal(id)? {
                        return Err(Error::Conflict(crate::model::FieldError::new(
                            "id",
                            format!(
                                "deal {id} records commitment {} of mission {}, which its \
                                 report counts; delete the mission first (DELETE \
                                 /v1/missions/{})",
                                c.id, c.mission, c.mission
                            ),
                        )));
                    }
                    Ok(Ok(w.delete_deal(id)?))
                }
                Ok(DealAccess::NeedsConfirmation { .. }) => Ok(Err(Forbidden(
                    "a business key does not delete deals; its province office or an admin \
                     does"
                        .to_string(),
                ))),
                Err(denied) => Ok(Err(Forbidden(denied.0))),
            }
        })?;
        match deleted {
            Err(f) => Ok(Err(f)),
            Ok(None) => Err(Error::NotFound {
                what: "deal",
                id: id.to_string(),
            }),
            Ok(Some(_)) => {
                self.network_mut().catch_up(&self.reference, &self.store)?;
                Ok(Ok(()))
            }
        }
    }

    /// Records a deal as `by`: at once for admin and province keys (a party in their
    /// provinces), held for the other party's confirmation for a business key.
    pub fn post_deal_as(&self, by: &Principal, d: Deal) -> Checked<DealPosted> {
        self.validate_deal(&d)?;
        let outcome = self.store.write(|w| {
            let mut provinces = Vec::with_capacity(2);
            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                match w.business_province(id)? {
                    Some(p) => provinces.push(p),
                    None => {
                        return Err(Error::invalid(field, format!("unknown business {id:?}")));
                    }
                }
            }
            if let Some(id) = &d.id
                && w.deal_exists(id)?
            {
                return Err(Error::invalid("id", format!("deal {id:?} already exists")));
            }
            let access =
                match by.may_record_deal((&d.buyer, &provinces[0]), (&d.seller, &provinces[1])) {
                    Ok(a) => a,
                    Err(denied) => return Ok(Err(Forbidden(denied.0))),
                };
            Ok(Ok(match access {
                DealAccess::Direct => {
                    let (deal, seq) = w.put_deal(&d)?;
                    (Ok((deal, seq)), provinces)
                }
                DealAccess::NeedsConfirmation { by: confirmer } => {
                    let id = w.put_pending_deal(&d, &confirmer, &by.key_id, Some(&provinces[0]))?;
                    (Err((id, confirmer)), provinces)
                }
            }))
        })?;
        let (posted, provinces) = match outcome {
            Err(f) => return Ok(Err(f)),
            Ok(o) => o,
        };
        match posted {
            Ok((deal, seq)) => {
                self.network_mut().add_deal(
                    &self.reference,
                    &deal,
                    seq,
                    &provinces[0],
                    &provinces[1],
                );
                Ok(Ok(DealPosted::Recorded(deal)))
            }
            Err((id, confirmer)) => Ok(Ok(DealPosted::Pending(PendingDeal {
                id,
                deal: d,
                confirmer,
                proposer: by.key_id.clone(),
                created: auth::now_utc(),
            }))),
        }
    }

    /// Confirms a pending deal as `by` (the party it waits for, its province's key, or an
    /// admin): it becomes a deal and counts from now on.
    pub fn confirm_deal(&self, by: &Principal, pending: &str) -> Checked<Deal> {
        let not_found = || Error::NotFound {
            what: "pending deal",
            id: pending.to_string(),
        };
        let outcome = self.store.write(|w| {
            // Checked before it is taken: a refusal commits nothing.
            let Some((_, confirmer)) = w.pending_deal(pending)? else {
                return Err(not_found());
            };
            let province = w.business_province(&confirmer)?.unwrap_or_default();
            if !by.may_confirm_for(&confirmer, &province) {
                return Ok(Err(Forbidden(format!(
                    "only {confirmer:?} (or its province's office) confirms this deal"
                ))));
            }
            let Some((d, _)) = w.take_pending_deal(pending)? else {
                return Err(not_found());
            };
            let mut provinces = Vec::with_capacity(2);
            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                match w.business_province(id)? {
                    Some(p) => provinces.push(p),
                    None => {
                        return Err(Error::invalid(
                            field,
                            format!("business {id:?} no longer exists"),
                        ));
                    }
                }
            }
            if let Some(id) = &d.id
                && w.deal_exists(id)?
            {
                return Err(Error::invalid("id", format!("deal {id:?} already exists")));
            }
            let (deal, seq) = w.put_deal(&d)?;
            Ok(Ok((deal, seq, provinces)))
        })?;
        let (deal, seq, provinces) = match outcome {
            Err(f) => return Ok(Err(f)),
            Ok(o) => o,
        };
        self.network_mut()
            .add_deal(&self.reference, &deal, seq, &provinces[0], &provinces[1]);
        Ok(Ok(deal))
    }

    /// Deals waiting for confirmation that `by` may confirm (a business key: its own; a
    /// province key: its provinces'; an admin: all).
    pub fn pending_deals(&self, by: &Principal) -> Result<Vec<PendingDeal>> {
        let mut all = match (&by.role, &by.business) {
            (Role::Business, Some(b)) => self.store.pending_deals(Some(b))?,
            (Role::Reader, _) => Vec::new(),
            _ => self.store.pending_deals(None)?,
        };
        if by.role == Role::Province {
            let mut kept = Vec::with_capacity(all.len());
            for p in all {
                let province = self
                    .store
                    .get_business_keyed(&p.confirmer)?
                    .map(|(_, b)| b.province)
                    .unwrap_or_default();
                if by.may_confirm_for(&p.confirmer, &province) {
                    kept.push(p);
                }
            }
            all = kept;
        }
        Ok(all)
    }

    /// The audit trail as `by` may read it, newest first.
    pub fn audit(&self, by: &Principal, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut q = q.clone();
        if by.role == Role::Business {
            // A business reads its own record's history only.
            q.entity_id = by.business.clone();
        }
        self.store.audit(&q, |e| {
            by.may_read_audit(e.province.as_deref(), &e.entity_id)
                && (e.entity == "business" || by.role != Role::Business)
        })
    }

    /// The changes of one business (who, when, which route), newest first: for the business
    /// itself, its province's office and admins.
    pub fn business_history(
        &self,
        by: &Principal,
        id: &str,
        limit: usize,
    ) -> Checked<Vec<AuditEntry>> {
        crate::model::validate_id("id", id)?;
        let q = AuditQuery {
            entity_id: Some(id.to_string()),
            limit,
            ..AuditQuery::default()
        };
        let rows = self
            .store
            .audit(&q, |e| e.entity == "business" || e.entity == "deal")?;
        if rows.is_empty() {
            return Err(Error::NotFound {
                what: "business",
                id: id.to_string(),
            });
        }
        let province = rows.iter().find_map(|e| e.province.clone());
        if !by.may_read_audit(province.as_deref(), id) {
            return Ok(Err(Forbidden(
                "a business's history is for the business, its province's office and admins".into(),
            )));
        }
        Ok(Ok(rows))
    }
}

/// Creates a key for `new` on behalf of `by` (the engine's [`Engine::create_key`], and the
/// command line's `jalin keys create`, which needs only the store). Returns the record and
/// the key (shown once).
pub fn create_key(
    store: &Store,
    reference: &Reference,
    by: &Principal,
    mut new: NewKey,
) -> Checked<(KeyRecord, String)> {
    new.validate()?;
    let mut codes = Vec::with_capacity(new.provinces.len());
    for (i, p) in new.provinces.iter().enumerate() {
        let ix = reference.require_province_named(&format!("provinces[{i}]"), p)?;
        let code = reference.provinces[ix as usize].code.clone();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    new.provinces = codes;
    let business_province = match &new.business {
        Some(id) => match store.get_business_keyed(id)? {
            Some((_, b)) => Some(b.province),
            None => {
                return Err(Error::invalid(
                    "business",
                    format!("unknown business {id:?}"),
                ));
            }
        },
        None => None,
    };
    if let Err(d) = by.may_create_key(&new, business_province.as_deref()) {
        return Ok(Err(Forbidden(d.0)));
    }
    let secret = auth::generate().map_err(|e| Error::io("reading /dev/urandom for a key", e))?;
    let record = KeyRecord {
        id: secret.id.clone(),
        role: new.role,
        provinces: new.provinces,
        business: new.business,
        label: new.label,
        expires: new.expires,
        created: auth::now_utc(),
        created_by: by.key_id.clone(),
        revoked: None,
    };
    store.write(|w| w.put_key(&record, &secret.hash))?;
    Ok(Ok((record, secret.key)))
}
