//! The schedule as an XLSX workbook (rust_xlsxwriter), for organisers who work in Excel.
//!
//! Four sheets, named in the reader's language: the schedule (one row per meeting), the
//! agendas (one row per meeting per participant, grouped by participant), the tables (a
//! grid: one row per table, one column per slot, who sits there), and the participants
//! (who they are, how many meetings). Slots are numbered from 1; text goes in as text (a
//! name starting with `=` stays a name: the writer never makes formulas from strings).

use std::collections::BTreeSet;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::words::{Words, words};
use super::{Details, PartyInfo, RenderOptions, Schedule};

/// The workbook's bytes, or the writer's error as text.
pub fn to_xlsx(
    schedule: &Schedule,
    details: &Details,
    options: &RenderOptions,
) -> Result<Vec<u8>, String> {
    build(schedule, details, words(options.lang)).map_err(|e| e.to_string())
}

fn build(schedule: &Schedule, details: &Details, w: &Words) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let name = |id: &str| schedule.name_of(id, details).to_string();
    let info = |id: &str| details.party(id).cloned().unwrap_or_default();
    let topic = |t: &Option<String>| t.as_deref().map(|t| details.topic(t)).unwrap_or_default();

    // Jadwal: one row per meeting.
    let sheet = book.add_worksheet();
    sheet.set_name(w.sheet_schedule)?;
    header(
        sheet,
        &[
            w.session,
            w.time,
            w.table,
            w.participant,
            w.place,
            w.participant,
            w.place,
            w.topic,
        ],
        &bold,
    )?;
    for (r, m) in schedule.meetings.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, (m.slot + 1) as f64)?;
        sheet.write_string(r, 1, format!("{}–{}", m.start, m.end))?;
        sheet.write_number(r, 2, m.table as f64)?;
        sheet.write_string(r, 3, name(&m.a))?;
        sheet.write_string(r, 4, info(&m.a).place())?;
        sheet.write_string(r, 5, name(&m.b))?;
        sheet.write_string(r, 6, info(&m.b).place())?;
        sheet.write_string(r, 7, topic(&m.topic))?;
    }
    finish(sheet)?;

    // Agenda: per participant, its meetings in time order.
    let sheet = book.add_worksheet();
    sheet.set_name(w.sheet_agenda)?;
    header(
        sheet,
        &[
            w.participant,
            w.session,
            w.time,
            w.table,
            w.partner,
            w.place,
            w.offers,
            w.needs,
            w.contact,
            w.topic,
        ],
        &bold,
    )?;
    let mut r = 1u32;
    for p in &schedule.participants {
        for m in schedule
            .meetings
            .iter()
            .filter(|m| m.a == p.id || m.b == p.id)
        {
            let other = if m.a == p.id { &m.b } else { &m.a };
            let o = info(other);
            sheet.write_string(r, 0, name(&p.id))?;
            sheet.write_number(r, 1, (m.slot + 1) as f64)?;
            sheet.write_string(r, 2, format!("{}–{}", m.start, m.end))?;
            sheet.write_number(r, 3, m.table as f64)?;
            sheet.write_string(r, 4, name(other))?;
            sheet.write_string(r, 5, o.place())?;
            sheet.write_string(r, 6, o.offers.join(", "))?;
            sheet.write_string(r, 7, o.needs.join(", "))?;
            sheet.write_string(r, 8, o.contact_line())?;
            sheet.write_string(r, 9, topic(&m.topic))?;
            r += 1;
        }
    }
    finish(sheet)?;

    // Meja: tables down, slots across.
    let sheet = book.add_worksheet();
    sheet.set_name(w.sheet_tables)?;
    let slots: Vec<usize> = schedule
        .meetings
        .iter()
        .map(|m| m.slot)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let tables: BTreeSet<usize> = schedule.meetings.iter().map(|m| m.table).collect();
    sheet.write_string_with_format(0, 0, w.table, &bold)?;
    for (c, &slot) in slots.iter().enumerate() {
        let time = schedule
            .meetings
            .iter()
            .find(|m| m.slot == slot)
            .map(|m| format!("{} {} ({}–{})", w.session, slot + 1, m.start, m.end))
            .unwrap_or_default();
        sheet.write_string_with_format(0, c as u16 + 1, time, &bold)?;
    }
    for (r, &table) in tables.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, table as f64)?;
        for (c, &slot) in slots.iter().enumerate() {
            let at: Vec<String> = schedule
                .meetings
                .iter()
                .filter(|m| m.slot == slot && m.table == table)
                .map(|m| format!("{} × {}", name(&m.a), name(&m.b)))
                .collect();
            if !at.is_empty() {
                sheet.write_string(r, c as u16 + 1, at.join("; "))?;
            }
        }
    }
    finish(sheet)?;

    // Peserta: everyone, with or without meetings.
    let sheet = book.add_worksheet();
    sheet.set_name(w.sheet_participants)?;
    header(
        sheet,
        &[
            "ID",
            w.participant,
            w.side,
            w.city,
            w.province,
            w.offers,
            w.needs,
            w.contact,
            w.meeting_count,
        ],
        &bold,
    )?;
    for (r, p) in schedule.participants.iter().enumerate() {
        let r = r as u32 + 1;
        let i: PartyInfo = info(&p.id);
        sheet.write_string(r, 0, &p.id)?;
        sheet.write_string(r, 1, name(&p.id))?;
        sheet.write_string(r, 2, &p.side)?;
        sheet.write_string(r, 3, i.city.clone().unwrap_or_default())?;
        sheet.write_string(r, 4, i.province.clone().unwrap_or_default())?;
        sheet.write_string(r, 5, i.offers.join(", "))?;
        sheet.write_string(r, 6, i.needs.join(", "))?;
        sheet.write_string(r, 7, i.contact_line())?;
        sheet.write_number(r, 8, p.meetings as f64)?;
    }
    finish(sheet)?;
    book.save_to_buffer()
}

fn header(sheet: &mut Worksheet, titles: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (c, t) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *t, bold)?;
    }
    Ok(())
}

/// The header row stays in view; columns fit their contents.
fn finish(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(())
}
