//! Slot sets: an agenda or an availability as a 256-bit set ([`SLOT_LIMIT`] slots), so "a
//! slot free for both and with a table left" is a few word-wise ANDs; and the agenda cost
//! that compaction minimises (idle gaps first, then holes).

use super::SLOT_LIMIT;

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(super) struct SlotSet([u64; 4]);

impl SlotSet {
    pub(super) fn contains(self, i: usize) -> bool {
        i < SLOT_LIMIT && (self.0[i >> 6] >> (i & 63)) & 1 == 1
    }
    pub(super) fn insert(&mut self, i: usize) {
        self.0[i >> 6] |= 1 << (i & 63);
    }
    pub(super) fn remove(&mut self, i: usize) {
        self.0[i >> 6] &= !(1 << (i & 63));
    }
    pub(super) fn and(self, o: SlotSet) -> SlotSet {
        SlotSet(std::array::from_fn(|k| self.0[k] & o.0[k]))
    }
    pub(super) fn minus(self, o: SlotSet) -> SlotSet {
        SlotSet(std::array::from_fn(|k| self.0[k] & !o.0[k]))
    }
    pub(super) fn is_empty(self) -> bool {
        self.0 == [0; 4]
    }
    pub(super) fn len(self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub(super) fn iter(self) -> SlotIter {
        SlotIter(self.0, 0)
    }
    /// Runs of consecutive members.
    pub(super) fn runs(self) -> u32 {
        let mut carry = 0;
        let mut runs = 0;
        for w in self.0 {
            runs += (w & !((w << 1) | carry)).count_ones();
            carry = w >> 63;
        }
        runs
    }
    /// Idle gaps in an agenda: runs of empty slots between the first and last meeting.
    pub(super) fn idle_gaps(self) -> u32 {
        self.runs().saturating_sub(1)
    }
    /// Empty slots between the first and last member.
    pub(super) fn holes(self) -> u32 {
        let first = self.0.iter().position(|&w| w != 0);
        let last = self.0.iter().rposition(|&w| w != 0);
        match (first, last) {
            (Some(f), Some(l)) => {
                let lo = f as u32 * 64 + self.0[f].trailing_zeros();
                let hi = l as u32 * 64 + 63 - self.0[l].leading_zeros();
                hi + 1 - lo - self.len() as u32
            }
            _ => 0,
        }
    }
    /// What compaction minimises: idle gaps first, then empty slots inside the agenda (a
    /// hole that shrinks is progress towards closing it).
    pub(super) fn agenda_cost(self) -> i64 {
        i64::from(self.idle_gaps()) * 1024 + i64::from(self.holes())
    }
}

/// `set` with `from` replaced by `to`.
pub(super) fn moved(mut set: SlotSet, from: usize, to: usize) -> SlotSet {
    set.remove(from);
    set.insert(to);
    set
}

pub(super) struct SlotIter([u64; 4], usize);

impl Iterator for SlotIter {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        while self.1 < 4 {
            let w = &mut self.0[self.1];
            if *w != 0 {
                let bit = w.trailing_zeros() as usize;
                *w &= *w - 1;
                return Some(self.1 * 64 + bit);
            }
            self.1 += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_sets_count_runs_and_gaps() {
        let set = |bits: &[usize]| {
            let mut s = SlotSet::default();
            for &b in bits {
                s.insert(b);
            }
            s
        };
        assert_eq!(set(&[]).idle_gaps(), 0);
        assert_eq!(set(&[3]).idle_gaps(), 0);
        assert_eq!(set(&[1, 2, 3]).idle_gaps(), 0);
        assert_eq!(set(&[1, 4, 5]).idle_gaps(), 1, "a 2-slot hole is one gap");
        assert_eq!(set(&[0, 2, 4]).idle_gaps(), 2);
        assert_eq!(set(&[63, 64]).runs(), 1, "runs carry across words");
        assert_eq!(set(&[62, 64, 200]).idle_gaps(), 2);
        assert_eq!(
            set(&[5, 70, 199]).iter().collect::<Vec<_>>(),
            vec![5, 70, 199]
        );
    }
}
