//! Output: JSON lines written in ~64 KiB chunks, progress ticks, and the deal writer that
//! turns a drafted deal into a `Deal` line with its id.

use std::io::{self, Write};

use crate::model::{Deal, DealStatus, Quantity};
use crate::reference::CommodityIx;

use super::PROGRESS_EVERY;
use super::model::Model;
use super::roster::Roster;
use super::tables::MissionDef;

/// Output is collected in a buffer of about this size before each `write_all`.
const WRITE_CHUNK: usize = 1 << 16;

/// JSON lines collected into ~64 KiB chunks before each write.
pub(super) struct Chunked<'w> {
    out: &'w mut dyn Write,
    buf: Vec<u8>,
}

impl<'w> Chunked<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Chunked<'w> {
        Chunked {
            out,
            buf: Vec::with_capacity(WRITE_CHUNK + 4096),
        }
    }

    pub(super) fn json_line<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.buf, value)?;
        self.buf.push(b'\n');
        if self.buf.len() >= WRITE_CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    pub(super) fn finish(self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

pub(super) fn tick(done: u64, progress: &mut dyn FnMut(u64)) {
    if done.is_multiple_of(PROGRESS_EVERY) {
        progress(done);
    }
}

pub(super) fn day_of(date: &str) -> i64 {
    crate::model::parse_date(date).expect("a valid constant date")
}

/// A deal before it is written: indices into the roster.
pub(super) struct DraftDeal {
    pub(super) buyer: u32,
    pub(super) seller: u32,
    pub(super) c: CommodityIx,
    /// In the catalog unit.
    pub(super) qty: f64,
    /// Rupiah per price unit (see `Model::price`).
    pub(super) price: f64,
    pub(super) day: i64,
    pub(super) status: DealStatus,
}

impl DraftDeal {
    pub(super) fn value(&self, model: &Model) -> f64 {
        self.qty * model.price[self.c].3 * self.price
    }
}

pub(super) struct DealWriter<'a> {
    model: &'a Model<'a>,
    roster: &'a Roster,
    n: usize,
}

impl<'a> DealWriter<'a> {
    pub(super) fn new(model: &'a Model<'a>, roster: &'a Roster) -> DealWriter<'a> {
        DealWriter {
            model,
            roster,
            n: 0,
        }
    }

    fn id(&self, b: u32) -> String {
        let b = b as usize;
        self.model
            .business_id(self.roster.province[b] as usize, self.roster.seq[b])
    }

    pub(super) fn write(
        &mut self,
        out: &mut Chunked,
        d: &DraftDeal,
        mission: Option<&MissionDef>,
    ) -> io::Result<()> {
        self.n += 1;
        let deal = Deal {
            id: Some(format!("d-{:06}", self.n)),
            buyer: self.id(d.buyer),
            seller: self.id(d.seller),
            commodity: self.model.key(d.c).to_string(),
            value_idr: ((d.value(self.model) / 1000.0).round() * 1000.0).max(1000.0),
            volume: Some(Quantity {
                qty: d.qty,
                unit: self.model.unit(d.c).to_string(),
                per: None,
            }),
            date: crate::model::format_date(d.day),
            status: d.status,
            mission: mission.map(MissionDef::id),
        };
        out.json_line(&deal)
    }
}
