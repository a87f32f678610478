//! Who may do what: API keys per principal, their roles, and the ownership rules every write
//! is checked against.
//!
//! A key is `jk_` + a 12-hex-digit id + `_` + 64 hex digits (32 random bytes). The store
//! keeps only its SHA-256 (the id finds the record; the hash is compared in constant time),
//! so a stolen database yields no usable key. The configured token (`JALIN_TOKEN`, the token
//! file) stays the bootstrap admin key.
//!
//! Roles:
//! - `admin`: everything, including keys of any role.
//! - `province`: businesses of its provinces (create, edit, delete), deals with a party of
//!   its provinces, imports whose every record is in its provinces, `business` keys for
//!   businesses of its provinces; sees contacts of its provinces' businesses.
//! - `business`: its own business, deals it is a party of (a deal needs the other side's
//!   confirmation before it counts), its own contacts.
//! - `reader`: no writes; may see every business's contacts.
//!
//! Anonymous callers read public data only.
//!
//! Invariant: pure — no IO except reading random bytes for a new key; the API and the
//! engine ask these functions and act on the answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::FieldError;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Province,
    Business,
    Reader,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Province => "province",
            Role::Business => "business",
            Role::Reader => "reader",
        }
    }
}

/// The caller behind a request (or a command): which key, and what it may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's id; `token` for the configured bootstrap token, `cli` for the command line.
    pub key_id: String,
    pub role: Role,
    /// A province key's provinces (codes).
    pub provinces: Vec<String>,
    /// A business key's business.
    pub business: Option<String>,
}

/// Why a write was refused (the API answers 403 with this message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl Principal {
    /// The configured token: an admin.
    pub fn bootstrap() -> Principal {
        Principal::admin("token")
    }

    /// An admin under another name (`cli`, `system`).
    pub fn admin(key_id: &str) -> Principal {
        Principal {
            key_id: key_id.to_string(),
            role: Role::Admin,
            provinces: Vec::new(),
            business: None,
        }
    }

    /// The principal a stored key stands for.
    pub fn of_key(key: &KeyRecord) -> Principal {
        Principal {
            key_id: key.id.clone(),
            role: key.role,
            provinces: key.provinces.clone(),
            business: key.business.clone(),
        }
    }

    fn has_province(&self, province: &str) -> bool {
        self.provinces.iter().any(|p| p == province)
    }

    /// May this caller see the contacts of a business in `province` (which it may not
    /// publish)?
    pub fn sees_contacts_of(&self, business: &str, province: &str) -> bool {
        match self.role {
            Role::Admin | Role::Reader => true,
            Role::Province => self.has_province(province),
            Role::Business => self.business.as_deref() == Some(business),
        }
    }

    /// May this caller create, replace or delete business `id`, which is now in
    /// `old_province` (`None`: not stored) and would be in `new_province` (`None`: deleted)?
    pub fn may_write_business(
        &self,
        id: &str,
        old_province: Option<&str>,
        new_province: Option<&str>,
    ) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Reader => Err(Denied("a reader key cannot write".into())),
            Role::Business => {
                if self.business.as_deref() == Some(id) {
                    Ok(())
                } else {
                    Err(Denied(format!(
                        "this key may write business {:?} only",
                        self.business.as_deref().unwrap_or("")
                    )))
                }
            }
            Role::Province => {
                for p in [old_province, new_province].into_iter().flatten() {
                    if !self.has_province(p) {
                        return Err(Denied(format!(
                            "business {id:?} is (or would be) in province {p}, which this key \
                             does not hold (it holds {})",
                            self.provinces.join(", ")
                        )));
                    }
                }
                Ok(())
            }
        }
    }

    /// How this caller may record a deal between `buyer` (in `buyer_province`) and
    /// `seller`.
    pub fn may_record_deal(
        &self,
        buyer: (&str, &str),
        seller: (&str, &str),
    ) -> Result<DealAccess, Denied> {
        match self.role {
            Role::Admin => Ok(DealAccess::Direct),
            Role::Reader => Err(Denied("a reader key cannot write".into())),
            Role::Province => {
                if self.has_province(buyer.1) || self.has_province(seller.1) {
                    Ok(DealAccess::Direct)
                } else {
                    Err(Denied(format!(
                        "neither party is in a province this key holds ({})",
                        self.provinces.join(", ")
                    )))
                }
            }
            Role::Business => {
                let me = self.business.as_deref();
                if me == Some(buyer.0) {
                    Ok(DealAccess::NeedsConfirmation {
                        by: seller.0.to_string(),
                    })
                } else if me == Some(seller.0) {
                    Ok(DealAccess::NeedsConfirmation {
                        by: buyer.0.to_string(),
                    })
                } else {
                    Err(Denied(
                        "a business key records only deals its business is a party of".into(),
                    ))
                }
            }
        }
    }

    /// May this caller confirm a deal that waits for `party` (in `province`)?
    pub fn may_confirm_for(&self, party: &str, province: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Reader => false,
            Role::Province => self.has_province(province),
            Role::Business => self.business.as_deref() == Some(party),
        }
    }

    /// May this caller create, edit, plan, publish or delete a mission organised by the
    /// office of `organiser` (a province code), and record what happened at it? Admins, and
    /// province keys of that province; business and reader keys may not. The same callers
    /// read it before it is published.
    pub fn may_organise(&self, organiser: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Province => self.has_province(organiser),
            Role::Business | Role::Reader => false,
        }
    }

    /// May this caller create a key like `new` (whose business, if any, is in
    /// `business_province`)?
    pub fn may_create_key(
        &self,
        new: &NewKey,
        business_province: Option<&str>,
    ) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Province => {
                if new.role != Role::Business {
                    return Err(Denied(
                        "a province key creates business keys only".to_string(),
                    ));
                }
                match business_province {
                    Some(p) if self.has_province(p) => Ok(()),
                    _ => Err(Denied(
                        "the business is not in a province this key holds".to_string(),
                    )),
                }
            }
            Role::Business | Role::Reader => {
                Err(Denied("only admin and province keys create keys".into()))
            }
        }
    }

    /// May this caller see (and revoke) `key`?
    pub fn may_manage_key(&self, key: &KeyRecord) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Province => key.created_by == self.key_id,
            _ => false,
        }
    }

    /// Is this audit entry (about a record in `province`) for this caller's eyes?
    pub fn may_read_audit(&self, province: Option<&str>, entity_id: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Province => province.is_some_and(|p| self.has_province(p)),
            Role::Business => self.business.as_deref() == Some(entity_id),
            Role::Reader => false,
        }
    }
}

/// How a permitted deal is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealAccess {
    /// At once.
    Direct,
    /// Held until the other party (`by`) confirms it.
    NeedsConfirmation { by: String },
}

/// A request for a new key (`POST /v1/keys`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub role: Role,
    /// A province key's provinces (codes or names; at least one).
    #[serde(default)]
    pub provinces: Vec<String>,
    /// A business key's business id.
    #[serde(default)]
    pub business: Option<String>,
    /// What the key is for, for people reading the list (at most 200 characters).
    #[serde(default)]
    pub label: Option<String>,
    /// The last day the key works (`YYYY-MM-DD`, UTC); none: until revoked.
    #[serde(default)]
    pub expires: Option<String>,
}

impl NewKey {
    /// Context-free checks (province codes and the business are checked by the engine).
    pub fn validate(&self) -> Result<(), FieldError> {
        match self.role {
            Role::Province if self.provinces.is_empty() => {
                return Err(FieldError::new(
                    "provinces",
                    "a province key needs at least one province",
                ));
            }
            Role::Business if self.business.is_none() => {
                return Err(FieldError::new(
                    "business",
                    "a business key needs the business's id",
                ));
            }
            _ => {}
        }
        if self.role != Role::Province && !self.provinces.is_empty() {
            return Err(FieldError::new(
                "provinces",
                "only a province key holds provinces",
            ));
        }
        if self.role != Role::Business && self.business.is_some() {
            return Err(FieldError::new(
                "business",
                "only a business key names a business",
            ));
        }
        if self.provinces.len() > 38 {
            return Err(FieldError::new("provinces", "at most 38 provinces"));
        }
        if let Some(label) = &self.label
            && (label.chars().count() > 200 || label.chars().any(char::is_control))
        {
            return Err(FieldError::new(
                "label",
                "at most 200 characters, no control characters",
            ));
        }
        if let Some(e) = &self.expires
            && crate::model::dates::parse_ymd(e).is_none()
        {
            return Err(FieldError::new("expires", "must be a date YYYY-MM-DD"));
        }
        Ok(())
    }
}

/// A stored key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyRecord {
    pub id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provinces: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// When it was made (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub created: String,
    /// The key that made it.
    pub created_by: String,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

impl KeyRecord {
    /// Whether the key still works on `today` (`YYYY-MM-DD`).
    pub fn is_live(&self, today: &str) -> bool {
        self.revoked.is_none() && self.expires.as_deref().is_none_or(|e| today <= e)
    }
}

/// A new key's secret, shown once.
pub struct Secret {
    pub id: String,
    pub key: String,
    /// SHA-256 of `key`, hex: what the store keeps.
    pub hash: String,
}

/// The recognisable start of every key.
pub const KEY_PREFIX: &str = "jk_";

/// Makes a new key from 38 random bytes (6 for the id, 32 for the secret).
pub fn generate() -> std::io::Result<Secret> {
    use std::io::Read;
    let mut bytes = [0u8; 38];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let id = hex(&bytes[..6]);
    let key = format!("{KEY_PREFIX}{id}_{}", hex(&bytes[6..]));
    let hash = hash(&key);
    Ok(Secret { id, key, hash })
}

/// The id inside a key of ours (`None`: not shaped like one).
pub fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hexy = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexy(id, 12) && hexy(secret, 64)).then_some(id)
}

/// SHA-256 of a key, hex.
pub fn hash(key: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(key.as_bytes()))
}

/// Compares in time independent of where the first difference is.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Now, UTC, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::model::dates::format_date(days),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Today, UTC, as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    now_utc()[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(role: Role, provinces: &[&str], business: Option<&str>) -> Principal {
        Principal {
            key_id: "k".into(),
            role,
            provinces: provinces.iter().map(|s| s.to_string()).collect(),
            business: business.map(str::to_string),
        }
    }

    #[test]
    fn keys_are_recognised_and_hashed() {
        let s = generate().unwrap();
        assert!(s.key.starts_with("jk_"));
        assert_eq!(key_id(&s.key), Some(s.id.as_str()));
        assert_eq!(s.hash, hash(&s.key));
        assert_eq!(s.hash.len(), 64);
        assert_ne!(generate().unwrap().key, s.key);
        assert_eq!(key_id("jk_12_34"), None);
        assert_eq!(key_id("some-token-of-sixteen"), None);
    }

    #[test]
    fn a_province_key_writes_only_its_provinces() {
        let p = key(Role::Province, &["35"], None);
        assert!(p.may_write_business("a", None, Some("35")).is_ok());
        assert!(p.may_write_business("a", Some("35"), None).is_ok());
        assert!(p.may_write_business("a", Some("36"), Some("35")).is_err());
        assert!(p.may_write_business("a", Some("35"), Some("36")).is_err());
        assert!(p.may_record_deal(("a", "36"), ("b", "35")).is_ok());
        assert!(p.may_record_deal(("a", "36"), ("b", "33")).is_err());
        assert!(p.sees_contacts_of("a", "35"));
        assert!(!p.sees_contacts_of("a", "36"));
    }

    #[test]
    fn a_business_key_writes_only_its_business_and_proposes_deals() {
        let b = key(Role::Business, &[], Some("jt-1"));
        assert!(b.may_write_business("jt-1", Some("35"), Some("35")).is_ok());
        assert!(
            b.may_write_business("jt-2", Some("35"), Some("35"))
                .is_err()
        );
        assert_eq!(
            b.may_record_deal(("jt-1", "35"), ("bt-1", "36")),
            Ok(DealAccess::NeedsConfirmation { by: "bt-1".into() })
        );
        assert!(b.may_record_deal(("x", "35"), ("y", "36")).is_err());
        assert!(b.may_confirm_for("jt-1", "35"));
        assert!(!b.may_confirm_for("bt-1", "36"));
    }

    #[test]
    fn a_reader_writes_nothing_but_sees_contacts() {
        let r = key(Role::Reader, &[], None);
        assert!(r.may_write_business("a", None, Some("35")).is_err());
        assert!(r.may_record_deal(("a", "35"), ("b", "36")).is_err());
        assert!(r.sees_contacts_of("a", "35"));
    }

    #[test]
    fn only_admins_and_the_organising_office_organise_a_mission() {
        assert!(key(Role::Admin, &[], None).may_organise("35"));
        let p = key(Role::Province, &["35"], None);
        assert!(p.may_organise("35"));
        assert!(!p.may_organise("36"));
        assert!(!key(Role::Business, &[], Some("jt-1")).may_organise("35"));
        assert!(!key(Role::Reader, &[], None).may_organise("35"));
    }

    #[test]
    fn new_keys_are_checked() {
        let mut k = NewKey {
            role: Role::Province,
            provinces: vec![],
            business: None,
            label: None,
            expires: None,
        };
        assert_eq!(k.validate().unwrap_err().field, "provinces");
        k.provinces = vec!["35".into()];
        assert!(k.validate().is_ok());
        k.expires = Some("2026-02-30".into());
        assert_eq!(k.validate().unwrap_err().field, "expires");
        k.role = Role::Reader;
        k.expires = None;
        assert_eq!(k.validate().unwrap_err().field, "provinces");
    }

    #[test]
    fn expiry_and_revocation_end_a_key() {
        let mut k = KeyRecord {
            id: "x".into(),
            role: Role::Reader,
            provinces: vec![],
            business: None,
            label: None,
            expires: Some("2026-12-01".into()),
            created: "2026-01-01T00:00:00Z".into(),
            created_by: "token".into(),
            revoked: None,
        };
        assert!(k.is_live("2026-12-01"));
        assert!(!k.is_live("2026-12-02"));
        k.expires = None;
        assert!(k.is_live("2030-01-01"));
        k.revoked = Some("2026-12-02T00:00:00Z".into());
        assert!(!k.is_live("2026-01-01"));
    }

    #[test]
    fn now_is_a_timestamp() {
        let n = now_utc();
        assert_eq!(n.len(), 20);
        assert!(crate::model::dates::parse_ymd(&n[..10]).is_some());
    }
}
