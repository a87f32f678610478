//! How large a plan each caller may ask for (`PlanLimits`): checked on the spec before any
//! planning work, so an oversized plan is a clear 400 and never a long, memory-hungry run.

use super::spec::{MAX_TIME_LIMIT_MS, MissionSpec};
use crate::model::FieldError;

/// How large a plan a caller may ask for. The planner's time and memory grow with the
/// participants and with participants × slots (its slot-assignment and gap phases), so an
/// anonymous caller gets a bound that keeps one plan to a few hundred megabytes and seconds
/// (BENCHMARKS.md, "Plan size caps"), and a caller with a key a larger one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    /// Most participants.
    pub participants: usize,
    /// Most participants × slots.
    pub participant_slots: u64,
    /// Most requests, preferences and blocked pairs, together.
    pub pairs: usize,
    /// Longest improvement budget (`time_limit_ms`).
    pub time_limit_ms: u64,
}

impl PlanLimits {
    /// For callers without a key.
    pub const ANONYMOUS: PlanLimits = PlanLimits {
        participants: 600,
        participant_slots: 15_000,
        pairs: 10_000,
        time_limit_ms: 2_000,
    };
    /// For callers with a key (any role).
    pub const KEYED: PlanLimits = PlanLimits {
        participants: 5_000,
        participant_slots: 250_000,
        pairs: 100_000,
        time_limit_ms: MAX_TIME_LIMIT_MS,
    };

    /// Checks `spec` against these limits before any planning work: a clear error naming
    /// the field that is too large.
    pub fn check(&self, spec: &MissionSpec) -> Result<(), FieldError> {
        // Firms not listed in `participants` take part too.
        let listed: std::collections::HashSet<&str> =
            spec.participants.iter().map(|p| p.id.as_str()).collect();
        let n = spec.participants.len()
            + spec
                .firms
                .iter()
                .filter(|f| !listed.contains(f.id.as_str()))
                .count();
        let keyed = if *self == PlanLimits::ANONYMOUS {
            " without a key"
        } else {
            ""
        };
        if n > self.participants {
            return Err(FieldError::new(
                "participants",
                format!(
                    "a plan{keyed} may have at most {} participants, got {n}",
                    self.participants
                ),
            ));
        }
        let cells = (n as u64).saturating_mul(spec.slots.count);
        if cells > self.participant_slots {
            return Err(FieldError::new(
                "slots.count",
                format!(
                    "a plan{keyed} may have at most {} participants × slots, got {n} × {} = {cells}",
                    self.participant_slots, spec.slots.count
                ),
            ));
        }
        let pairs = spec.requests.len() + spec.preferences.len() + spec.blocked.len();
        if pairs > self.pairs {
            return Err(FieldError::new(
                "requests",
                format!(
                    "a plan{keyed} may have at most {} requests, preferences and blocked pairs together, got {pairs}",
                    self.pairs
                ),
            ));
        }
        if let Some(t) = spec.time_limit_ms
            && t > self.time_limit_ms
        {
            return Err(FieldError::new(
                "time_limit_ms",
                format!(
                    "a plan{keyed} may ask for at most {} ms, got {t}",
                    self.time_limit_ms
                ),
            ));
        }
        Ok(())
    }
}
