//! The domain types: businesses, their listings (offers and needs), deals.
//!
//! These are the shapes that cross every boundary (JSONL files, the HTTP API, the store), so
//! they are plain serde structs with `deny_unknown_fields`: a typo in a field name is an error
//! the caller sees, not a silently dropped value. Validation that needs no reference data
//! (ids, dates, numbers) lives here too; checks against the catalog (province and commodity
//! codes) live in `reference`. No IO.

pub mod contact;
pub mod dates;
pub mod json;
pub mod lang;
pub mod units;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use contact::Contacts;
pub use dates::{format_date, parse_date};
pub use lang::Lang;

/// A field-level validation failure: which field (its JSON path; empty for the whole
/// document), and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// The legal form of a participant in trade missions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BusinessKind {
    /// Usaha mikro, kecil dan menengah: a micro, small or medium firm.
    Umkm,
    /// Badan usaha milik daerah: a regional state-owned firm.
    Bumd,
    /// Koperasi.
    Cooperative,
    /// Asosiasi: a trade or producers' association.
    Association,
    /// A large private firm.
    Corporate,
}

impl BusinessKind {
    pub const ALL: [BusinessKind; 5] = [
        BusinessKind::Umkm,
        BusinessKind::Bumd,
        BusinessKind::Cooperative,
        BusinessKind::Association,
        BusinessKind::Corporate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BusinessKind::Umkm => "umkm",
            BusinessKind::Bumd => "bumd",
            BusinessKind::Cooperative => "cooperative",
            BusinessKind::Association => "association",
            BusinessKind::Corporate => "corporate",
        }
    }

    pub fn index(self) -> u64 {
        self as u64
    }

    pub fn from_index(i: u64) -> Option<BusinessKind> {
        BusinessKind::ALL.get(i as usize).copied()
    }
}

/// Certifications that buyers filter on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Certification {
    /// Halal (BPJPH / MUI).
    Halal,
    /// BPOM food and drug registration (MD/ML).
    Bpom,
    /// Standar Nasional Indonesia.
    Sni,
    /// Pangan Industri Rumah Tangga: home-industry food permit.
    Pirt,
    /// Organic certification.
    Organic,
    /// HACCP food-safety system.
    Haccp,
    /// Good agricultural or aquaculture practice (GAP / CBIB).
    Gap,
}

impl Certification {
    pub const ALL: [Certification; 7] = [
        Certification::Halal,
        Certification::Bpom,
        Certification::Sni,
        Certification::Pirt,
        Certification::Organic,
        Certification::Haccp,
        Certification::Gap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Certification::Halal => "halal",
            Certification::Bpom => "bpom",
            Certification::Sni => "sni",
            Certification::Pirt => "pirt",
            Certification::Organic => "organic",
            Certification::Haccp => "haccp",
            Certification::Gap => "gap",
        }
    }

    pub fn parse(s: &str) -> Option<Certification> {
        let s = s.trim().to_lowercase();
        Certification::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// One bit per certification, for the index's fast field.
    pub fn bit(self) -> u64 {
        1 << (self as u64)
    }

    pub fn mask(certs: &[Certification]) -> u64 {
        certs.iter().fold(0, |m, c| m | c.bit())
    }
}

/// An amount of a commodity: `{"qty": 5, "unit": "ton", "per": "month"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    pub qty: f64,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
}

impl Quantity {
    pub fn validate(&self, field: &str) -> Result<(), FieldError> {
        if !self.qty.is_finite() || self.qty <= 0.0 {
            return Err(FieldError::new(
                format!("{field}.qty"),
                "must be a positive number",
            ));
        }
        if self.qty > 1e12 {
            return Err(FieldError::new(
                format!("{field}.qty"),
                "is implausibly large",
            ));
        }
        let unit = self.unit.as_str();
        if units::unit_named(unit).is_none() {
            return Err(FieldError::new(
                format!("{field}.unit"),
                format!("unknown unit {unit:?}; use one of {}", units::unit_list()),
            ));
        }
        if let Some(per) = &self.per
            && units::per_month(per).is_none()
        {
            return Err(FieldError::new(
                format!("{field}.per"),
                format!("unknown period {per:?}; use day, week, month, quarter or year"),
            ));
        }
        Ok(())
    }

    /// The amount in a comparable base: kilograms for mass units, the unit itself otherwise,
    /// per month when a period is given. `None` for units that cannot be compared.
    pub fn monthly_base(&self) -> Option<(f64, units::BaseUnit)> {
        let per = match &self.per {
            None => 1.0,
            Some(p) => units::per_month(p)?,
        };
        let unit = units::unit_named(&self.unit)?;
        Some((self.qty * unit.factor * per, unit.base))
    }
}

/// A price range in rupiah per unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceRange {
    pub min: f64,
    pub max: f64,
    pub per: String,
}

/// What a listing is: something offered for sale, or something wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingKind {
    Offer,
    Need,
}

impl ListingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingKind::Offer => "offer",
            ListingKind::Need => "need",
        }
    }

    pub fn parse(s: &str) -> Option<ListingKind> {
        match s {
            "offer" => Some(ListingKind::Offer),
            "need" => Some(ListingKind::Need),
            _ => None,
        }
    }
}

/// An offer (with a `capacity`) or a need (with a `volume`) of one business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// Assigned as `{business}-o{n}` / `{business}-n{n}` when absent on write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A catalog key, e.g. `bawang_merah`.
    pub commodity: String,
    /// The most specific KBKI 2012 code known for what is listed (`2314006001`, keripik
    /// tempe), when it is more specific than the commodity's own; see `GET /v1/catalog`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kbki: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For offers: how much the business can supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Quantity>,
    /// For needs: how much the business wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceRange>,
}

impl Listing {
    /// The quantity that matters for the listing's kind.
    pub fn amount(&self, kind: ListingKind) -> Option<&Quantity> {
        match kind {
            ListingKind::Offer => self.capacity.as_ref().or(self.volume.as_ref()),
            ListingKind::Need => self.volume.as_ref().or(self.capacity.as_ref()),
        }
    }
}

/// A business profile with its listings: a line of `businesses.jsonl`, the body of
/// `PUT /v1/businesses/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Business {
    pub id: String,
    pub name: String,
    pub kind: BusinessKind,
    /// Two-digit Kemendagri province code, e.g. `"35"`.
    pub province: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub certifications: Vec<Certification>,
    #[serde(default)]
    pub offers: Vec<Listing>,
    #[serde(default)]
    pub needs: Vec<Listing>,
    /// How to reach the business: personal data, shown only to callers with the write token
    /// unless `publish_contacts` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
    /// Show the contacts to everyone (default false: only to callers with the write token).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publish_contacts: bool,
}

/// The limits on what one business may carry; far above real use, low enough that one
/// request cannot exhaust the service.
pub const MAX_LISTINGS_PER_KIND: usize = 200;
pub const MAX_TEXT: usize = 4000;

/// Checks an id: 1–64 characters of ASCII letters, digits, `-`, `_` and `.`.
pub fn validate_id(field: &str, id: &str) -> Result<(), FieldError> {
    if id.is_empty() || id.len() > 64 {
        return Err(FieldError::new(field, "must be 1 to 64 characters"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(FieldError::new(
            field,
            "may contain only letters, digits, '-', '_' and '.'",
        ));
    }
    Ok(())
}

fn validate_text(field: &str, s: &str, required: bool) -> Result<(), FieldError> {
    if required && s.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if s.len() > MAX_TEXT {
        return Err(FieldError::new(
            field,
            format!("is longer than {MAX_TEXT} bytes"),
        ));
    }
    if let Some(c) = s.chars().find(|c| is_hidden_control(*c)) {
        return Err(FieldError::new(
            field,
            format!(
                "must not contain control or text-direction characters (found U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// [`validate_text`] for a one-line field (a name, a city, a title): no line breaks or tabs.
fn validate_line(field: &str, s: &str, required: bool) -> Result<(), FieldError> {
    validate_text(field, s, required)?;
    if s.contains(['\n', '\r', '\t']) {
        return Err(FieldError::new(
            field,
            "must be one line (no line breaks or tabs)",
        ));
    }
    Ok(())
}

/// Characters that print as nothing or reorder what follows: control characters (but for
/// line breaks and tabs) and the bidirectional embeddings, overrides and isolates. Stored
/// in a name they could forge a result row in a terminal or disguise one name as another.
pub fn is_hidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `s` with hidden control characters (see [`is_hidden_control`]) shown as `?`: what a
/// command line prints of text a user or a file gave.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if is_hidden_control(c) || c == '\n' || c == '\r' {
                '?'
            } else {
                c
            }
        })
        .collect()
}

impl Business {
    /// Checks everything that needs no reference data, and assigns missing listing ids.
    pub fn normalize(&mut self) -> Result<(), FieldError> {
        validate_id("id", &self.id)?;
        validate_line("name", &self.name, true)?;
        if let Some(c) = &self.city {
            validate_line("city", c, false)?;
        }
        if let Some(d) = &self.description {
            validate_text("description", d, false)?;
        }
        if let Some(c) = &mut self.contacts {
            c.normalize("contacts")?;
            if c.is_empty() {
                self.contacts = None;
            }
        }
        self.certifications.sort();
        self.certifications.dedup();
        let id = self.id.clone();
        for (kind, listings) in [
            (ListingKind::Offer, &mut self.offers),
            (ListingKind::Need, &mut self.needs),
        ] {
            let name = match kind {
                ListingKind::Offer => "offers",
                ListingKind::Need => "needs",
            };
            if listings.len() > MAX_LISTINGS_PER_KIND {
                return Err(FieldError::new(
                    name,
                    format!("at most {MAX_LISTINGS_PER_KIND} listings"),
                ));
            }
            let tag = match kind {
                ListingKind::Offer => 'o',
                ListingKind::Need => 'n',
            };
            for (i, l) in listings.iter_mut().enumerate() {
                let f = format!("{name}[{i}]");
                match &l.id {
                    Some(lid) => validate_id(&format!("{f}.id"), lid)?,
                    None => l.id = Some(format!("{id}-{tag}{}", i + 1)),
                }
                validate_line(&format!("{f}.title"), &l.title, true)?;
                if let Some(d) = &l.description {
                    validate_text(&format!("{f}.description"), d, false)?;
                }
                if let Some(q) = &l.capacity {
                    q.validate(&format!("{f}.capacity"))?;
                }
                if let Some(q) = &l.volume {
                    q.validate(&format!("{f}.volume"))?;
                }
                if let Some(p) = &l.price
                    && (!(p.min.is_finite() && p.max.is_finite()) || p.min < 0.0 || p.max < p.min)
                {
                    return Err(FieldError::new(
                        format!("{f}.price"),
                        "needs 0 <= min <= max",
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (name, listings) in [("offers", &self.offers), ("needs", &self.needs)] {
            for (i, l) in listings.iter().enumerate() {
                if let Some(lid) = &l.id
                    && !seen.insert(lid.clone())
                {
                    return Err(FieldError::new(
                        format!("{name}[{i}].id"),
                        format!("listing id {lid:?} is used twice"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The business as an anonymous caller may see it: without its contacts unless it
    /// publishes them.
    pub fn public_view(mut self) -> Business {
        if !self.publish_contacts {
            self.contacts = None;
        }
        self
    }

    /// Every listing with its kind.
    pub fn listings(&self) -> impl Iterator<Item = (ListingKind, &Listing)> {
        self.offers
            .iter()
            .map(|l| (ListingKind::Offer, l))
            .chain(self.needs.iter().map(|l| (ListingKind::Need, l)))
    }
}

/// What a result shows of a business: enough to recognise it, not its whole profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BusinessSummary {
    pub id: String,
    pub name: String,
    pub kind: BusinessKind,
    pub province: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default)]
    pub certifications: Vec<Certification>,
}

/// One listing as search and match results show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListingView {
    pub id: String,
    pub kind: ListingKind,
    pub commodity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kbki: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceRange>,
}

/// A listing with its business: the unit the search index stores and results return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListingRecord {
    pub business: BusinessSummary,
    pub listing: ListingView,
}

impl Business {
    pub fn summary(&self) -> BusinessSummary {
        BusinessSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind,
            province: self.province.clone(),
            city: self.city.clone(),
            certifications: self.certifications.clone(),
        }
    }

    /// Each listing as a record (after `normalize`, so every listing has an id).
    pub fn records(&self) -> Vec<ListingRecord> {
        let summary = self.summary();
        self.listings()
            .map(|(kind, l)| ListingRecord {
                business: summary.clone(),
                listing: ListingView {
                    id: l.id.clone().unwrap_or_default(),
                    kind,
                    commodity: l.commodity.clone(),
                    kbki: l.kbki.clone(),
                    title: l.title.clone(),
                    description: l.description.clone(),
                    capacity: l.capacity.clone(),
                    volume: l.volume.clone(),
                    price: l.price.clone(),
                },
            })
            .collect()
    }
}

/// How a deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Completed,
    Failed,
    /// A memorandum of understanding signed at a mission; not yet delivered.
    Mou,
}

impl DealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Completed => "completed",
            DealStatus::Failed => "failed",
            DealStatus::Mou => "mou",
        }
    }

    pub fn parse(s: &str) -> Option<DealStatus> {
        match s {
            "completed" => Some(DealStatus::Completed),
            "failed" => Some(DealStatus::Failed),
            "mou" => Some(DealStatus::Mou),
            _ => None,
        }
    }
}

/// A past deal between a buyer and a seller: a line of `deals.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub buyer: String,
    pub seller: String,
    pub commodity: String,
    pub value_idr: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Quantity>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub status: DealStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
}

impl Deal {
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(id) = &self.id {
            validate_id("id", id)?;
        }
        validate_id("buyer", &self.buyer)?;
        validate_id("seller", &self.seller)?;
        if self.buyer == self.seller {
            return Err(FieldError::new("seller", "must differ from the buyer"));
        }
        if !self.value_idr.is_finite() || self.value_idr < 0.0 {
            return Err(FieldError::new(
                "value_idr",
                "must be a non-negative number of rupiah",
            ));
        }
        if self.value_idr > 1e16 {
            return Err(FieldError::new("value_idr", "is implausibly large"));
        }
        if let Some(v) = &self.volume {
            v.validate("volume")?;
        }
        parse_date(&self.date).ok_or_else(|| {
            FieldError::new("date", format!("{:?} is not a YYYY-MM-DD date", self.date))
        })?;
        if let Some(m) = &self.mission {
            validate_id("mission", m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_ids_are_assigned_and_checked() {
        let mut b: Business = serde_json::from_str(
            r#"{"id":"x-1","name":"UD X","kind":"umkm","province":"35",
                "offers":[{"commodity":"bawang_merah","title":"Bawang"}],
                "needs":[{"id":"x-1-o1","commodity":"pupuk","title":"Pupuk"}]}"#,
        )
        .unwrap();
        let e = b.normalize().unwrap_err();
        assert_eq!(e.field, "needs[0].id");
        b.needs[0].id = None;
        b.normalize().unwrap();
        assert_eq!(b.offers[0].id.as_deref(), Some("x-1-o1"));
        assert_eq!(b.needs[0].id.as_deref(), Some("x-1-n1"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r: Result<Business, _> = serde_json::from_str(
            r#"{"id":"x","name":"n","kind":"umkm","province":"35","nmae":"typo"}"#,
        );
        assert!(r.unwrap_err().to_string().contains("nmae"));
    }

    #[test]
    fn quantities_compare_in_base_units() {
        let q = Quantity {
            qty: 5.0,
            unit: "ton".into(),
            per: Some("month".into()),
        };
        assert_eq!(q.monthly_base(), Some((5000.0, units::BaseUnit::Kg)));
        let bad = Quantity {
            qty: -1.0,
            unit: "ton".into(),
            per: None,
        };
        assert_eq!(bad.validate("volume").unwrap_err().field, "volume.qty");
    }
}
