//! Writes: businesses and deals one at a time, each validated against the reference data
//! and committed to the store before the index and the deal network learn it. (Imports,
//! many at once, are `imports`.)
//!
//! Invariant: a write is acknowledged only once the store has committed it, the index
//! holds its change sequence (`index_up_to`), and — for a deal — the network has it in
//! place.

use super::Engine;
use super::access::{Checked, Forbidden};
use crate::auth::{DealAccess, Principal};
use crate::error::{Error, Result};
use crate::model::{Business, Deal, FieldError};

impl Engine {
    /// Checks a business against the reference data and normalises it.
    pub fn validate_business(&self, b: &mut Business) -> Result<(), FieldError> {
        b.normalize()?;
        self.reference.require_province("province", &b.province)?;
        for (name, listings) in [("offers", &b.offers), ("needs", &b.needs)] {
            for (i, l) in listings.iter().enumerate() {
                self.reference
                    .require_commodity(&format!("{name}[{i}].commodity"), &l.commodity)?;
                if let Some(code) = &l.kbki {
                    self.reference
                        .require_kbki(&format!("{name}[{i}].kbki"), code)?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn validate_deal(&self, d: &Deal) -> Result<(), FieldError> {
        d.validate()?;
        self.reference
            .require_commodity("commodity", &d.commodity)?;
        Ok(())
    }

    /// Creates or replaces a business. Returns whether it was new.
    pub fn put_business(&self, mut b: Business) -> Result<(Business, bool)> {
        self.validate_business(&mut b)?;
        let (seq, existed) = self.store.write(|w| w.put_business(&b))?;
        self.after_business_write(&b, seq)?;
        Ok((b, !existed))
    }

    /// The network and the index learn a business the store committed at `seq`.
    pub(super) fn after_business_write(&self, b: &Business, seq: u64) -> Result<()> {
        if let (Some(key), Some(p)) = (
            self.store.business_key(&b.id)?,
            self.reference.province(&b.province),
        ) {
            self.network_mut().put_business(&b.id, key, p);
        }
        self.index_up_to(seq)
    }

    pub fn delete_business(&self, id: &str) -> Result<()> {
        match self.store.write(|w| w.delete_business(id))? {
            None => Err(Error::NotFound {
                what: "business",
                id: id.to_string(),
            }),
            Some(seq) => self.index_up_to(seq),
        }
    }

    pub fn get_business(&self, id: &str) -> Result<Business> {
        self.store.get_business(id)?.ok_or_else(|| Error::NotFound {
            what: "business",
            id: id.to_string(),
        })
    }

    /// A stored deal, whether or not its parties are still stored.
    pub fn get_deal(&self, id: &str) -> Result<Deal> {
        crate::model::validate_id("id", id)?;
        self.store.get_deal(id)?.ok_or_else(|| Error::NotFound {
            what: "deal",
            id: id.to_string(),
        })
    }

    /// Records a deal between two stored businesses.
    pub fn add_deal(&self, d: Deal) -> Result<Deal> {
        self.validate_deal(&d)?;
        let (deal, seq, provinces) = self.store.write(|w| {
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
            let (deal, seq) = w.put_deal(&d)?;
            Ok((deal, seq, provinces))
        })?;
        // The store has it; the network learns it in place, before the write is acknowledged,
        // so the next match sees it.
        self.network_mut()
            .add_deal(&self.reference, &deal, seq, &provinces[0], &provinces[1]);
        Ok(deal)
    }

    /// [`Engine::add_deal`] made safe to retry: the deal's id is derived from the caller's
    /// `Idempotency-Key` (the body may not give one), so a retry of the same request finds
    /// the deal the first one stored and gets it back (`replayed`) instead of storing a
    /// second. The same key with a different deal is refused. The check and the write are
    /// one transaction, so two retries racing each other store one deal.
    pub fn add_deal_idempotent(&self, d: Deal, key: &str) -> Result<(Deal, bool)> {
        match self.add_deal_idempotent_as(&Principal::admin("system"), d, key)? {
            Ok(out) => Ok(out),
            Err(f) => Err(Error::invalid("authorization", f.0)),
        }
    }

    /// [`Engine::add_deal_idempotent`] as `by`: a key that may record the deal directly (a
    /// business key proposes deals without an `Idempotency-Key`, for the other side to
    /// confirm).
    pub fn add_deal_idempotent_as(
        &self,
        by: &Principal,
        mut d: Deal,
        key: &str,
    ) -> Checked<(Deal, bool)> {
        if key.is_empty()
            || key.len() > 200
            || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        {
            return Err(Error::invalid(
                "Idempotency-Key",
                "must be 1 to 200 printable ASCII characters",
            ));
        }
        if d.id.is_some() {
            return Err(Error::invalid(
                "id",
                "leave the id out when sending an Idempotency-Key: the key names the deal",
            ));
        }
        d.id = Some(idempotent_deal_id(key));
        self.validate_deal(&d)?;
        let written = self.store.write(|w| {
            let mut provinces = Vec::with_capacity(2);
            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                match w.business_province(id)? {
                    Some(p) => provinces.push(p),
                    None => {
                        return Err(Error::invalid(field, format!("unknown business {id:?}")));
                    }
                }
            }
            match by.may_record_deal((&d.buyer, &provinces[0]), (&d.seller, &provinces[1])) {
                Ok(DealAccess::Direct) => {}
                Ok(DealAccess::NeedsConfirmation { .. }) => {
                    return Err(Error::invalid(
                        "Idempotency-Key",
                        "a business key proposes a deal without an Idempotency-Key; the other \
                         side confirms it (POST /v1/deals/pending/{id}/confirm)",
                    ));
                }
                Err(denied) => return Ok(Err(Forbidden(denied.0))),
            }
            let id = d.id.clone().unwrap_or_default();
            if let Some(stored) = w.get_deal(&id)? {
                if stored == d {
                    return Ok(Ok((stored, true, 0, provinces)));
                }
                return Err(Error::invalid(
                    "Idempotency-Key",
                    "was already used for another deal; use a new key for a new deal",
                ));
            }
            let (deal, seq) = w.put_deal(&d)?;
            Ok(Ok((deal, false, seq, provinces)))
        })?;
        let (deal, replayed, seq, provinces) = match written {
            Ok(w) => w,
            Err(f) => return Ok(Err(f)),
        };
        if !replayed {
            self.network_mut()
                .add_deal(&self.reference, &deal, seq, &provinces[0], &provinces[1]);
        }
        Ok(Ok((deal, replayed)))
    }
}

/// The id of a deal sent with an `Idempotency-Key`: `k-` and 16 hex digits of the key's
/// SHA-256, so it never meets the automatic `d-NNNNNN` ids or an imported one.
pub(crate) fn idempotent_deal_id(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("k-{hex}")
}
