//! Writes: businesses and deals, one at a time or imported from JSONL, each validated
//! against the reference data and committed to the store before the index and the deal
//! network learn it.
//!
//! Invariant: a write is acknowledged only once the store has committed it, the index
//! holds its change sequence (`index_up_to`), and — for a deal — the network has it in
//! place; an import is one transaction, the first bad line aborting all of it.

use std::collections::HashSet;
use std::io::BufRead;
use std::time::Instant;

use super::{Engine, ImportStats, Progress};
use crate::error::{Error, Result};
use crate::model::{Business, Deal, FieldError};
use crate::network::Network;

impl Engine {
    /// Checks a business against the reference data and normalises it.
    pub fn validate_business(&self, b: &mut Business) -> Result<(), FieldError> {
        b.normalize()?;
        self.reference.require_province("province", &b.province)?;
        for (name, listings) in [("offers", &b.offers), ("needs", &b.needs)] {
            for (i, l) in listings.iter().enumerate() {
                self.reference
                    .require_commodity(&format!("{name}[{i}].commodity"), &l.commodity)?;
            }
        }
        Ok(())
    }

    fn validate_deal(&self, d: &Deal) -> Result<(), FieldError> {
        d.validate()?;
        self.reference
            .require_commodity("commodity", &d.commodity)?;
        Ok(())
    }

    /// Creates or replaces a business. Returns whether it was new.
    pub fn put_business(&self, mut b: Business) -> Result<(Business, bool)> {
        self.validate_business(&mut b)?;
        let (seq, existed) = self.store.write(|w| w.put_business(&b))?;
        if let (Some(key), Some(p)) = (
            self.store.business_key(&b.id)?,
            self.reference.province(&b.province),
        ) {
            self.network_mut().put_business(&b.id, key, p);
        }
        self.index_up_to(seq)?;
        Ok((b, !existed))
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
    pub fn add_deal_idempotent(&self, mut d: Deal, key: &str) -> Result<(Deal, bool)> {
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
        let (deal, replayed, seq, provinces) = self.store.write(|w| {
            let mut provinces = Vec::with_capacity(2);
            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                match w.business_province(id)? {
                    Some(p) => provinces.push(p),
                    None => {
                        return Err(Error::invalid(field, format!("unknown business {id:?}")));
                    }
                }
            }
            let id = d.id.clone().unwrap_or_default();
            if let Some(stored) = w.get_deal(&id)? {
                if stored == d {
                    return Ok((stored, true, 0, provinces));
                }
                return Err(Error::invalid(
                    "Idempotency-Key",
                    "was already used for another deal; use a new key for a new deal",
                ));
            }
            let (deal, seq) = w.put_deal(&d)?;
            Ok((deal, false, seq, provinces))
        })?;
        if !replayed {
            self.network_mut()
                .add_deal(&self.reference, &deal, seq, &provinces[0], &provinces[1]);
        }
        Ok((deal, replayed))
    }

    /// Imports JSONL sources in one transaction: each line a business or a deal (a deal has
    /// a `buyer`). The first bad line aborts the whole import and names `file:line: field`.
    pub fn import(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
    ) -> Result<ImportStats> {
        self.import_checked(
            sources,
            progress,
            &std::sync::atomic::AtomicBool::new(false),
        )
    }

    /// [`Engine::import`] that rolls back instead of committing when `abandoned` is set by
    /// then (the HTTP request that carried it is gone).
    pub fn import_checked(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
        abandoned: &std::sync::atomic::AtomicBool,
    ) -> Result<ImportStats> {
        let started = Instant::now();
        let mut stats = ImportStats::default();
        // Businesses known to exist: those this import wrote, and those a deal found in the
        // store; a deal's two parties are then checked without a query each.
        let mut known: HashSet<String> = HashSet::new();
        self.store.write(|w| {
            for (name, reader) in sources {
                let mut lines = 0u64;
                for (i, line) in reader.lines().enumerate() {
                    let lineno = i as u64 + 1;
                    let fail = |field: &str, message: String| Error::Import {
                        file: name.clone(),
                        line: lineno,
                        field: field.to_string(),
                        message,
                    };
                    let line = line.map_err(|e| fail("-", format!("cannot read: {e}")))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match parse_record(&line) {
                        Err((field, message)) => return Err(fail(&field, message)),
                        Ok(Record::Business(mut b)) => {
                            self.validate_business(&mut b)
                                .map_err(|e| fail(&e.field, e.message))?;
                            stats.listings += (b.offers.len() + b.needs.len()) as u64;
                            w.put_business(&b)?;
                            known.insert(b.id);
                            stats.businesses += 1;
                        }
                        Ok(Record::Deal(d)) => {
                            self.validate_deal(&d)
                                .map_err(|e| fail(&e.field, e.message))?;
                            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                                if known.contains(id) {
                                    continue;
                                }
                                if !w.business_exists(id)? {
                                    return Err(fail(field, format!("unknown business {id:?}")));
                                }
                                known.insert(id.clone());
                            }
                            w.put_deal(&d)?;
                            stats.deals += 1;
                        }
                    }
                    lines += 1;
                    if lines.is_multiple_of(5000) {
                        progress(&format!("importing {name}"), lines, 0);
                    }
                }
                progress(&format!("importing {name}"), lines, lines);
            }
            if abandoned.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(Error::invalid(
                    "body",
                    "the request was abandoned before the import finished; nothing was imported",
                ));
            }
            Ok(())
        })?;
        if stats.businesses + stats.deals >= 10_000 {
            self.store.checkpoint()?;
        }
        stats.store_seconds = started.elapsed().as_secs_f64();
        let phase = Instant::now();
        progress("indexing", 0, stats.businesses);
        let seq = self.store.last_seq()?;
        self.index_up_to(seq)?;
        progress("indexing", stats.businesses, stats.businesses);
        stats.index_seconds = phase.elapsed().as_secs_f64();
        let phase = Instant::now();
        progress("building the deal network", 0, stats.deals);
        // A few deals go into the graph in place; many (more than a fifth of what it holds)
        // are faster to build from scratch, sorted.
        let in_place = (stats.deals as usize) * 5 < self.network().graph().deal_count();
        if in_place {
            let mut net = self.network_mut();
            net.refresh_businesses(&self.reference, &self.store)?;
            net.catch_up(&self.reference, &self.store)?;
        } else {
            let rebuilt = Network::build(&self.reference, &self.store)?;
            *self.network_mut() = rebuilt;
        }
        if stats.deals > 0 {
            self.save_network()?;
        }
        progress("building the deal network", stats.deals, stats.deals);
        stats.network_seconds = phase.elapsed().as_secs_f64();
        stats.seconds = started.elapsed().as_secs_f64();
        Ok(stats)
    }
}

enum Record {
    Business(Business),
    Deal(Deal),
}

/// Parses one JSONL line into a business or a deal, naming the failing field.
fn parse_record(line: &str) -> std::result::Result<Record, (String, String)> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| ("-".to_string(), format!("not JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err(("-".into(), "each line must be a JSON object".into()));
    };
    let is_deal = obj.contains_key("buyer") || obj.contains_key("seller");
    let named = |e: serde_path_to_error::Error<serde_json::Error>| {
        let path = e.path().to_string();
        let field = if path == "." { "-".to_string() } else { path };
        (field, e.into_inner().to_string())
    };
    if is_deal {
        serde_path_to_error::deserialize(value)
            .map(Record::Deal)
            .map_err(named)
    } else {
        serde_path_to_error::deserialize(value)
            .map(Record::Business)
            .map_err(named)
    }
}

/// The id of a deal sent with an `Idempotency-Key`: `k-` and 16 hex digits of the key's
/// SHA-256, so it never meets the automatic `d-NNNNNN` ids or an imported one.
fn idempotent_deal_id(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("k-{hex}")
}
