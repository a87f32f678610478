//! What happened at a stored mission: the commitment ledger (`/v1/missions/{id}/commitments`:
//! what each meeting produced — a sale, a purchase, an investment or an MoU — with its
//! commodity, quantity and value) and attendance (check-ins and no-shows).
//!
//! A commitment between two registered businesses of a sale, a purchase or an MoU is also
//! recorded as a deal (status `mou`: signed at the mission, not yet delivered; the deal's
//! `mission` is the mission's id) in the same transaction, so it feeds the deal network like
//! any other deal. An investment is not trade in a commodity and stays in the ledger only;
//! so does a commitment with a firm that is not registered (it can be recorded as a deal
//! once the firm is). Who records: those who may organise the mission.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Engine;
use super::access::{Checked, Forbidden};
use super::mission_book::{Attendance, Loaded, StoredMission, not_found};
use crate::auth::Principal;
use crate::error::{Error, Result};
use crate::model::{Deal, DealStatus, FieldError, Quantity};
use crate::store::CommitmentRow;

/// What a commitment is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentKind {
    /// `a` sells to `b`.
    Sale,
    /// `a` buys from `b`.
    Purchase,
    /// `a` invests in `b`.
    Investment,
    /// A memorandum of understanding between `a` (supplying) and `b`.
    Mou,
}

impl CommitmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentKind::Sale => "sale",
            CommitmentKind::Purchase => "purchase",
            CommitmentKind::Investment => "investment",
            CommitmentKind::Mou => "mou",
        }
    }
}

/// A commitment as recorded (`POST /v1/missions/{id}/commitments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentInput {
    pub kind: CommitmentKind,
    /// Catalog key (`GET /v1/commodities`).
    pub commodity: String,
    /// How much, in `unit` (both or neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The value in rupiah.
    pub value_idr: f64,
    /// The parties: participant ids of the mission (a registered business or a firm; an
    /// association signing on behalf of its members is one party).
    pub a: String,
    pub b: String,
    /// The slot of the planned meeting of `a` and `b` that produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting: Option<usize>,
}

/// A recorded commitment: what was posted, with its id, its mission and its deal. (Its own
/// fields rather than the input flattened: the input's schema forbids other fields.)
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Commitment {
    /// `c-N`.
    pub id: String,
    pub mission: String,
    pub kind: CommitmentKind,
    pub commodity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub value_idr: f64,
    pub a: String,
    pub b: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting: Option<usize>,
    /// The deal it was recorded as (both parties registered; not an investment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal: Option<String>,
}

impl Commitment {
    fn new(id: String, mission: String, c: CommitmentInput, deal: Option<String>) -> Commitment {
        Commitment {
            id,
            mission,
            kind: c.kind,
            commodity: c.commodity,
            qty: c.qty,
            unit: c.unit,
            value_idr: c.value_idr,
            a: c.a,
            b: c.b,
            meeting: c.meeting,
            deal,
        }
    }
}

/// Check-ins and no-shows to record (`POST /v1/missions/{id}/attendance`); a participant
/// named again replaces what was recorded for it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceUpdate {
    #[serde(default)]
    pub present: Vec<String>,
    #[serde(default)]
    pub absent: Vec<String>,
}

pub(super) fn commitment_of(row: CommitmentRow) -> Result<Commitment> {
    let input: CommitmentInput =
        serde_json::from_str(&row.body).map_err(|e| Error::Corrupt(e.to_string()))?;
    Ok(Commitment::new(row.id, row.mission, input, row.deal))
}

impl Engine {
    /// Records a commitment of mission `id` as `by`. With an idempotency `key` the
    /// commitment's id comes from the mission and the key (`c-k…`): a retry with the same
    /// key and commitment answers the one recorded first (`true`: replayed) and records
    /// nothing; the same key with another commitment is refused (409).
    pub fn record_commitment_as(
        &self,
        by: &Principal,
        id: &str,
        c: CommitmentInput,
        key: Option<&str>,
    ) -> Checked<(Commitment, bool)> {
        if let Some(key) = key
            && (key.is_empty()
                || key.len() > 200
                || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        {
            return Err(Error::invalid(
                "Idempotency-Key",
                "must be 1 to 200 printable ASCII characters",
            ));
        }
        self.validate_commitment(&c)?;
        let body = serde_json::to_string(&c).map_err(|e| Error::Corrupt(e.to_string()))?;
        let outcome = self.store.write(|w| {
            let Some(row) = w.get_mission(id)? else {
                return Err(not_found(id));
            };
            let m = Loaded::parse(row)?;
            if !by.may_organise(&m.row.organiser) {
                return Ok(Err(Forbidden(format!(
                    "only an admin or the office of province {} records this mission's \
                     commitments",
                    m.row.organiser
                ))));
            }
            check_parties(&m, &c)?;
            let cid = match key {
                Some(key) => {
                    let cid = idempotent_commitment_id(id, key);
                    if let Some(old) = w.get_commitment(&cid)? {
                        if old.body == body {
                            return Ok(Ok(Err(commitment_of(old)?)));
                        }
                        return Err(Error::Conflict(FieldError::new(
                            "Idempotency-Key",
                            "this key was used for another commitment of this mission",
                        )));
                    }
                    cid
                }
                None => w.next_commitment_id()?,
            };
            let deal_kind = c.kind != CommitmentKind::Investment;
            let provinces = (w.business_province(&c.a)?, w.business_province(&c.b)?);
            let deal = match provinces {
                (Some(pa), Some(pb)) if deal_kind => {
                    let (seller, buyer, seller_p, buyer_p) = match c.kind {
                        CommitmentKind::Purchase => (&c.b, &c.a, pb, pa),
                        _ => (&c.a, &c.b, pa, pb),
                    };
                    let deal = Deal {
                        id: Some(format!("{id}-{cid}")),
                        buyer: buyer.clone(),
                        seller: seller.clone(),
                        commodity: c.commodity.clone(),
                        value_idr: c.value_idr,
                        volume: c.qty.zip(c.unit.clone()).map(|(qty, unit)| Quantity {
                            qty,
                            unit,
                            per: None,
                        }),
                        date: m.doc.spec.date.clone(),
                        status: DealStatus::Mou,
                        mission: Some(id.to_string()),
                    };
                    self.validate_deal(&deal)?;
                    let (deal, seq) = w.put_deal(&deal)?;
                    Some((deal, seq, buyer_p, seller_p))
                }
                _ => None,
            };
            w.put_commitment(
                &CommitmentRow {
                    id: cid.clone(),
                    mission: id.to_string(),
                    body,
                    deal: deal.as_ref().and_then(|(d, ..)| d.id.clone()),
                },
                &m.row.organiser,
            )?;
            Ok(Ok(Ok((cid, deal))))
        })?;
        let (cid, deal) = match outcome {
            Ok(Ok(o)) => o,
            Ok(Err(replayed)) => return Ok(Ok((replayed, true))),
            Err(f) => return Ok(Err(f)),
        };
        let deal_id = deal.as_ref().and_then(|(d, ..)| d.id.clone());
        if let Some((deal, seq, buyer_province, seller_province)) = deal {
            self.network_mut().add_deal(
                &self.reference,
                &deal,
                seq,
                &buyer_province,
                &seller_province,
            );
        }
        Ok(Ok((
            Commitment::new(cid, id.to_string(), c, deal_id),
            false,
        )))
    }

    fn validate_commitment(&self, c: &CommitmentInput) -> Result<()> {
        self.reference
            .require_commodity("commodity", &c.commodity)?;
        if !c.value_idr.is_finite() || c.value_idr < 0.0 {
            return Err(Error::invalid(
                "value_idr",
                "must be a non-negative number of rupiah",
            ));
        }
        if c.value_idr > 1e16 {
            return Err(Error::invalid("value_idr", "is implausibly large"));
        }
        match (c.qty, &c.unit) {
            (None, None) => {}
            (Some(qty), Some(unit)) => Quantity {
                qty,
                unit: unit.clone(),
                per: None,
            }
            .validate("qty")
            .map_err(|e| Error::invalid(e.field.replace("qty.unit", "unit"), e.message))?,
            (Some(_), None) => return Err(Error::invalid("unit", "give the unit of qty")),
            (None, Some(_)) => return Err(Error::invalid("qty", "give the qty in unit")),
        }
        if c.a == c.b {
            return Err(Error::invalid("b", "must differ from a"));
        }
        Ok(())
    }

    /// The commitments of mission `id`, oldest first.
    pub fn commitments_for(&self, by: Option<&Principal>, id: &str) -> Result<Vec<Commitment>> {
        self.load_mission(by, id)?;
        self.store
            .commitments(id)?
            .into_iter()
            .map(commitment_of)
            .collect()
    }

    /// Records check-ins and no-shows of mission `id` (its kept plan stays).
    pub fn record_attendance_as(
        &self,
        by: &Principal,
        id: &str,
        update: AttendanceUpdate,
    ) -> Checked<StoredMission> {
        if update.present.is_empty() && update.absent.is_empty() {
            return Err(Error::invalid("present", "name at least one participant"));
        }
        self.rewrite_mission(by, id, |m| {
            for (field, ids, status) in [
                ("present", &update.present, Attendance::Present),
                ("absent", &update.absent, Attendance::Absent),
            ] {
                for (i, p) in ids.iter().enumerate() {
                    if !m.has_participant(p) {
                        return Err(Error::invalid(
                            format!("{field}[{i}]"),
                            format!("{p:?} is not a participant of mission {id}"),
                        ));
                    }
                    m.doc.attendance.insert(p.clone(), status);
                }
            }
            Ok(true)
        })
    }
}

/// The id of the commitment of `mission` recorded with idempotency `key`.
fn idempotent_commitment_id(mission: &str, key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{mission}\u{1f}{key}").as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("c-k{hex}")
}

/// Both parties must be participants, and a named meeting must be theirs in the kept plan.
fn check_parties(m: &Loaded, c: &CommitmentInput) -> Result<()> {
    for (field, p) in [("a", &c.a), ("b", &c.b)] {
        if !m.has_participant(p) {
            return Err(Error::invalid(
                field,
                format!("{p:?} is not a participant of mission {}", m.row.id),
            ));
        }
    }
    if let Some(slot) = c.meeting {
        let schedule: Option<crate::plan::export::Schedule> = m
            .row
            .plan
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        let held = schedule.is_some_and(|s| {
            s.meetings.iter().any(|x| {
                x.slot == slot && ((x.a == c.a && x.b == c.b) || (x.a == c.b && x.b == c.a))
            })
        });
        if !held {
            return Err(Error::Invalid(FieldError::new(
                "meeting",
                format!(
                    "the kept plan has no meeting of {:?} and {:?} in slot {slot}",
                    c.a, c.b
                ),
            )));
        }
    }
    Ok(())
}
