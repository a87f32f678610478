//! Imports: many businesses (and deals) at once, from JSONL in jalin's own schema or from
//! spreadsheets (CSV, XLSX/XLS/ODS; read by `crate::import`), in one store transaction.
//!
//! Bad rows do not stop the reading: every one is reported (up to
//! [`MAX_ROW_ERRORS`], the rest counted) so that one answer lists all that must be fixed.
//! Then either nothing is committed (the default: a file is imported whole or not at all),
//! or — with `skip_invalid` — the good rows are and the bad ones come back in the answer.
//! A dry run reads, validates and writes inside the transaction exactly as an import does
//! (so a deal naming a business of the same file is checked against it), then rolls back.
//!
//! Invariant: an import is one transaction; nothing of it is visible before it commits, and
//! an abandoned one (the HTTP request gone) rolls back.

use std::collections::HashMap;
use std::io::{BufRead, Read as _};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::{Engine, ImportStats, Progress, SkippedRecord};
use crate::auth::{DealAccess, Principal};
use crate::error::{Error, MAX_ROW_ERRORS, Result, RowError};
use crate::import::{self, ColumnMap, SheetKind, TableFormat};
use crate::model::{Business, Deal, FieldError};
use crate::network::Network;
use crate::store::{BatchNeeds, ImportBatch, Writer};

/// What an import source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// One JSON object a line: a business, or a deal (it has a `buyer`).
    Jsonl,
    /// A spreadsheet of businesses as CSV.
    Csv,
    /// A spreadsheet of businesses as XLSX, XLS or ODS (the first sheet).
    Workbook,
}

impl ImportFormat {
    /// The format a file's extension names: `.csv` (or `.tsv`), `.xlsx`/`.xlsm`/`.xls`/`.ods`,
    /// anything else JSONL.
    pub fn of_path(path: &Path) -> ImportFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv" | "tsv") => ImportFormat::Csv,
            Some("xlsx" | "xlsm" | "xls" | "ods") => ImportFormat::Workbook,
            _ => ImportFormat::Jsonl,
        }
    }
}

/// How an import treats bad rows and whether it writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Validate everything, write nothing; the answer says what would be written.
    pub dry_run: bool,
    /// Commit the good rows and report the bad ones, instead of committing nothing.
    pub skip_invalid: bool,
    /// The request's `Idempotency-Key`: deals without an id get ids made from it and their
    /// place in the import (`k-…-N`), so a retried import finds them stored and writes
    /// them once.
    pub idempotency_key: Option<String>,
}

/// One file (or request body) to import.
pub struct ImportSource<'a> {
    /// How errors name it: the file's path, `body` for an HTTP import.
    pub name: String,
    pub format: ImportFormat,
    pub reader: Box<dyn BufRead + 'a>,
}

/// The bad rows met so far.
#[derive(Default)]
struct Bad {
    rows: Vec<RowError>,
    more: u64,
    /// Rows (lines) that were bad, each once however many of its cells were.
    count: u64,
    records: Vec<SkippedRecord>,
}

impl Bad {
    fn add(&mut self, errors: Vec<RowError>, record: Option<SkippedRecord>) {
        if errors.is_empty() {
            return;
        }
        self.count += 1;
        for e in errors {
            if self.rows.len() < MAX_ROW_ERRORS {
                self.rows.push(e);
            } else {
                self.more += 1;
            }
        }
        self.records.extend(record);
    }
}

/// What the transaction found out, besides the bad rows.
struct Read {
    /// Who imports: a record this key may not write is a bad row (`None`: no limit).
    scope: Option<Principal>,
    stats: ImportStats,
    bad: Bad,
    /// The request's `Idempotency-Key`, and how many deals without an id it has named.
    idempotency_key: Option<String>,
    unnamed_deals: u64,
}

impl Engine {
    /// Imports JSONL sources in one transaction: each line a business or a deal (a deal has
    /// a `buyer`). Any bad line makes it import nothing; every bad line is named
    /// (`file:line: field: message`).
    pub fn import(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
    ) -> Result<ImportStats> {
        self.import_checked(sources, progress, &AtomicBool::new(false))
    }

    /// [`Engine::import`] that rolls back instead of committing when `abandoned` is set by
    /// then (the HTTP request that carried it is gone).
    pub fn import_checked(
        &self,
        sources: Vec<(String, Box<dyn BufRead + '_>)>,
        progress: Progress<'_>,
        abandoned: &AtomicBool,
    ) -> Result<ImportStats> {
        let sources = sources
            .into_iter()
            .map(|(name, reader)| ImportSource {
                name,
                format: ImportFormat::Jsonl,
                reader,
            })
            .collect();
        self.import_sources(sources, ImportOptions::default(), progress, abandoned)
    }

    /// Imports sources of any format in one transaction (see the module comment).
    /// `Err(Error::Rows)` lists the bad rows when nothing was committed because of them.
    pub fn import_sources(
        &self,
        sources: Vec<ImportSource<'_>>,
        options: ImportOptions,
        progress: Progress<'_>,
        abandoned: &AtomicBool,
    ) -> Result<ImportStats> {
        self.import_sources_as(None, sources, options, progress, abandoned)
    }

    /// [`Engine::import_sources`] by `scope`: every record it may not write (a province key's
    /// business elsewhere, a deal with no party of its provinces) is a bad row.
    pub fn import_sources_as(
        &self,
        scope: Option<&Principal>,
        sources: Vec<ImportSource<'_>>,
        options: ImportOptions,
        progress: Progress<'_>,
        abandoned: &AtomicBool,
    ) -> Result<ImportStats> {
        // One import at a time: a second one would only wait for the store's writer while
        // holding its upload; it is told at once to come back.
        let _running = match self.import_running.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(Error::Busy(
                    "another import is running; nothing was imported, retry when it has \
                     finished"
                        .to_string(),
                ));
            }
        };
        let started = Instant::now();
        let Read { mut stats, bad, .. } = self.store.write_or_roll_back(|w| {
            let mut read = Read {
                scope: scope.cloned(),
                stats: ImportStats::default(),
                bad: Bad::default(),
                idempotency_key: options.idempotency_key.clone(),
                unnamed_deals: 0,
            };
            for source in sources {
                match source.format {
                    ImportFormat::Jsonl => self.read_jsonl(w, source, &mut read, &mut *progress)?,
                    ImportFormat::Csv => self.read_sheet(w, source, TableFormat::Csv, &mut read)?,
                    ImportFormat::Workbook => {
                        self.read_sheet(w, source, TableFormat::Workbook, &mut read)?
                    }
                }
            }
            if abandoned.load(Ordering::SeqCst) {
                return Err(Error::invalid(
                    "body",
                    "the request was abandoned before the import finished; nothing was imported",
                ));
            }
            let commit = !options.dry_run && (read.bad.count == 0 || options.skip_invalid);
            Ok((read, commit))
        })?;
        if bad.count > 0 && !options.skip_invalid {
            return Err(Error::Rows {
                rows: bad.rows,
                more: bad.more,
            });
        }
        stats.dry_run = options.dry_run;
        stats.skipped = bad.count;
        stats.rows = bad.rows;
        stats.more = bad.more;
        stats.skipped_records = bad.records;
        if options.dry_run {
            stats.store_seconds = started.elapsed().as_secs_f64();
            stats.seconds = stats.store_seconds;
            return Ok(stats);
        }
        if stats.businesses + stats.deals >= 10_000 {
            self.store.checkpoint()?;
        }
        stats.store_seconds = started.elapsed().as_secs_f64();
        // The search index and the deal network are derived from the committed store and
        // need nothing of each other: they are brought up to date side by side.
        let deals = stats.deals;
        let (indexed, networked) = std::thread::scope(|s| {
            let network = s.spawn(|| {
                let phase = Instant::now();
                self.refresh_network_after_import(deals)
                    .map(|()| phase.elapsed().as_secs_f64())
            });
            let phase = Instant::now();
            progress("indexing", 0, stats.businesses);
            let indexed = self
                .index_after_import(stats.listings)
                .map(|()| phase.elapsed().as_secs_f64());
            progress("indexing", stats.businesses, stats.businesses);
            let networked = network
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (indexed, networked)
        });
        stats.index_seconds = indexed?;
        stats.network_seconds = networked?;
        stats.seconds = started.elapsed().as_secs_f64();
        Ok(stats)
    }

    /// Brings the search index up to the store after an import of `listings` listings: the
    /// changed businesses one by one, or — when the import brought at least as many listings
    /// as the index held — a rebuild from the store, which reads the businesses in key order
    /// and adds them without looking each up and deleting its old documents.
    fn index_after_import(&self, listings: u64) -> Result<()> {
        if listings >= REBUILD_INDEX_MIN_LISTINGS && listings >= self.index.num_docs() {
            self.reindex(&mut |_, _, _| {})?;
            return Ok(());
        }
        let seq = self.store.last_seq()?;
        self.index_up_to(seq)
    }

    /// Brings the deal network up to the store after an import of `deals` deals (and its
    /// businesses), and saves its snapshot when deals were imported.
    fn refresh_network_after_import(&self, deals: u64) -> Result<()> {
        // A few deals go into the graph in place; many (more than a fifth of what it holds)
        // are faster to build from scratch, sorted.
        let in_place = (deals as usize) * 5 < self.network().graph().deal_count();
        if in_place {
            let mut net = self.network_mut();
            net.refresh_businesses(&self.reference, &self.store)?;
            net.catch_up(&self.reference, &self.store)?;
        } else {
            let rebuilt = Network::build(&self.reference, &self.store)?;
            *self.network_mut() = rebuilt;
        }
        if deals > 0 {
            self.save_network()?;
        }
        Ok(())
    }

    /// JSONL: every line checked, the good ones written, the bad ones reported; in batches
    /// of [`batch_size`] records (read, fetch what the checks need, check in order, write).
    fn read_jsonl(
        &self,
        w: &mut Writer<'_>,
        source: ImportSource<'_>,
        read: &mut Read,
        progress: Progress<'_>,
    ) -> Result<()> {
        let name = source.name;
        let mut lines = 0u64;
        let mut reader = source.reader;
        let mut buf = Vec::new();
        let mut lineno = 0u64;
        let mut end = false;
        let batch_size = batch_size();
        while !end {
            // Phase 1: read, parse and validate a batch (no store access).
            let mut items: Vec<JsonlItem> = Vec::new();
            let mut fatal = None;
            let mut records = 0usize;
            while records < batch_size {
                lineno += 1;
                let line = read_line_capped(&mut reader, &mut buf, MAX_LINE);
                let line = match line {
                    Ok(None) => {
                        end = true;
                        break;
                    }
                    Ok(Some(Line::Text)) => {
                        String::from_utf8(std::mem::take(&mut buf)).map_err(|_| {
                            std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8")
                        })
                    }
                    Ok(Some(Line::TooLong(n))) => {
                        items.push(JsonlItem::TooLong { lineno, n });
                        continue;
                    }
                    Err(e) => Err(e),
                };
                // A source that cannot be read to its end (a body cut short, not UTF-8)
                // fails the whole import, even with `skip_invalid`: what it held is
                // unknown. What came before it is still checked (and written) first.
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        fatal = Some(Error::Import {
                            file: name.clone(),
                            line: lineno,
                            field: "-".into(),
                            message: format!("cannot read: {e}"),
                        });
                        end = true;
                        break;
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                let record = match parse_record(&line) {
                    Err(e) => Parsed::Bad(e),
                    Ok(Record::Business(mut b)) => {
                        let valid = self.validate_business(&mut b);
                        Parsed::Business(b, valid)
                    }
                    Ok(Record::Deal(mut d)) => {
                        read.name_deal(&mut d);
                        let valid = self.validate_deal(&d);
                        Parsed::Deal(d, valid)
                    }
                };
                items.push(JsonlItem::Record {
                    lineno,
                    line,
                    record: Box::new(record),
                });
                records += 1;
                lines += 1;
                if lines.is_multiple_of(5000) {
                    progress(&format!("importing {name}"), lines, 0);
                }
            }
            // Phase 2: what the checks need of the store, in a few queries.
            let mut needs = BatchNeeds {
                records,
                ..BatchNeeds::default()
            };
            for item in &items {
                let JsonlItem::Record { record, .. } = item else {
                    continue;
                };
                match &**record {
                    Parsed::Business(b, Ok(())) => needs.businesses.push(b.id.clone()),
                    Parsed::Deal(d, Ok(())) => needs.add_deal(d),
                    _ => {}
                }
            }
            let mut batch = w.import_batch(&needs)?;
            // Phase 3: the checks, in order, against the store and the batch's own writes.
            for item in items {
                let (lineno, line, parsed) = match item {
                    JsonlItem::TooLong { lineno, n } => {
                        read.bad.add(
                            vec![RowError {
                                file: name.clone(),
                                row: lineno,
                                column: "-".into(),
                                message: format!(
                                    "the line is {n} bytes long; a record may be at most {} \
                                     bytes",
                                    MAX_LINE
                                ),
                            }],
                            None,
                        );
                        continue;
                    }
                    JsonlItem::Record {
                        lineno,
                        line,
                        record,
                    } => (lineno, line, *record),
                };
                let fail = |field: &str, message: String| RowError {
                    file: name.clone(),
                    row: lineno,
                    column: field.to_string(),
                    message,
                };
                let record = || SkippedRecord {
                    file: name.clone(),
                    header: None,
                    text: line.clone(),
                };
                match parsed {
                    Parsed::Bad((field, message)) => {
                        read.bad.add(vec![fail(&field, message)], Some(record()))
                    }
                    Parsed::Business(_, Err(e)) => read
                        .bad
                        .add(vec![fail(&e.field, e.message)], Some(record())),
                    Parsed::Business(b, Ok(())) => match read.denied_business(&batch, &b) {
                        Some((field, m)) => read.bad.add(vec![fail(field, m)], Some(record())),
                        None => {
                            read.stats.listings += (b.offers.len() + b.needs.len()) as u64;
                            let existed = batch.put_business(&b)?;
                            read.stats.businesses_replaced += u64::from(existed);
                            read.stats.businesses += 1;
                        }
                    },
                    Parsed::Deal(d, valid) => {
                        let mut errors = Vec::new();
                        if let Err(e) = valid {
                            errors.push(fail(&e.field, e.message));
                        } else {
                            for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
                                if !batch.business_exists(id) {
                                    errors.push(fail(field, format!("unknown business {id:?}")));
                                    break;
                                }
                            }
                            if errors.is_empty()
                                && let Some(m) = read.denied_deal(&batch, &d)
                            {
                                errors.push(fail("buyer", m));
                            }
                        }
                        if errors.is_empty() {
                            read.put_deal(w, &mut batch, d)?;
                        } else {
                            read.bad.add(errors, Some(record()));
                        }
                    }
                }
            }
            // Phase 4: the batch's writes.
            w.write_import_batch(batch)?;
            if let Some(e) = fatal {
                return Err(e);
            }
        }
        progress(&format!("importing {name}"), lines, lines);
        Ok(())
    }

    /// A spreadsheet of businesses (one row, one business) or of deals (with a buyer and a
    /// seller column); every bad cell reported. Written in batches as JSONL is.
    fn read_sheet(
        &self,
        w: &mut Writer<'_>,
        source: ImportSource<'_>,
        format: TableFormat,
        read: &mut Read,
    ) -> Result<()> {
        let name = source.name;
        let row_error = |row: u64, e: import::CellError| RowError {
            file: name.clone(),
            row,
            column: e.column,
            message: e.message,
        };
        let mut bytes = Vec::new();
        let mut reader = source.reader;
        reader.read_to_end(&mut bytes).map_err(|e| Error::Import {
            file: name.clone(),
            line: 0,
            field: "-".into(),
            message: format!("cannot read: {e}"),
        })?;
        let table = match import::read_table(format, bytes.as_slice()) {
            Ok(t) => t,
            Err((row, e)) => {
                read.bad.add(vec![row_error(row, e)], None);
                return Ok(());
            }
        };
        let map = match ColumnMap::from_headers(&table.headers) {
            Ok(m) => m,
            Err(errors) => {
                let errors = errors
                    .into_iter()
                    .map(|e| row_error(table.header_row, e))
                    .collect();
                read.bad.add(errors, None);
                return Ok(());
            }
        };
        for h in &map.ignored {
            read.stats.ignored_columns.push(format!("{name}: {h}"));
        }
        let header_line = csv_line(
            table
                .headers
                .iter()
                .map(String::as_str)
                .chain(["Kesalahan"]),
        );
        let skip = |read: &mut Read, row: &import::Row, errors: Vec<import::CellError>| {
            let why: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.column, e.message))
                .collect();
            let why = why.join("; ");
            let record = SkippedRecord {
                file: name.clone(),
                header: Some(header_line.clone()),
                text: csv_line(
                    row.cells
                        .iter()
                        .map(String::as_str)
                        .chain(std::iter::once(why.as_str())),
                ),
            };
            let errors = errors
                .into_iter()
                .map(|e| row_error(row.number, e))
                .collect();
            read.bad.add(errors, Some(record));
        };
        let rows: Vec<&import::Row> = table.rows.iter().filter(|r| !r.is_blank()).collect();
        if map.kind() == SheetKind::Deals {
            for chunk in rows.chunks(batch_size()) {
                // Phase 1: read the rows (naming deals in order).
                let deals: Vec<_> = chunk
                    .iter()
                    .map(|row| {
                        import::deal_from_row(&self.reference, &map, row).map(|mut d| {
                            read.name_deal(&mut d);
                            d
                        })
                    })
                    .collect();
                let mut needs = BatchNeeds {
                    records: chunk.len(),
                    ..BatchNeeds::default()
                };
                for d in deals.iter().flatten() {
                    needs.add_deal(d);
                }
                let mut batch = w.import_batch(&needs)?;
                for (row, deal) in chunk.iter().zip(deals) {
                    let deal = match deal {
                        Ok(d) => check_parties(&batch, &d).map(|()| d).map_err(|(field, m)| {
                            let column = match field {
                                "buyer" => import::Column::Buyer,
                                _ => import::Column::Seller,
                            };
                            vec![import::CellError::new(map.header(column), m)]
                        }),
                        Err(e) => Err(e),
                    };
                    let deal = match deal {
                        Ok(d) => match read.denied_deal(&batch, &d) {
                            Some(m) => Err(vec![import::CellError::new(
                                map.header(import::Column::Buyer),
                                m,
                            )]),
                            None => Ok(d),
                        },
                        Err(e) => Err(e),
                    };
                    match deal {
                        Ok(d) => read.put_deal(w, &mut batch, d)?,
                        Err(errors) => skip(read, row, errors),
                    }
                }
                w.write_import_batch(batch)?;
            }
            return Ok(());
        }
        // Ids met in this sheet, with their row: two rows may not be one business.
        let mut ids: HashMap<String, u64> = HashMap::new();
        for chunk in rows.chunks(batch_size()) {
            // Phase 1: each row as a business (its id as read) and its validation.
            let parsed: Vec<_> = chunk
                .iter()
                .map(|row| {
                    import::business_from_row(&self.reference, &map, row).map(|mut b| {
                        let id_as_read = b.id.clone();
                        let valid = self.validate_business(&mut b);
                        (id_as_read, b, valid)
                    })
                })
                .collect();
            let mut needs = BatchNeeds {
                records: chunk.len(),
                ..BatchNeeds::default()
            };
            for (_, b, valid) in parsed.iter().flatten() {
                if valid.is_ok() {
                    needs.businesses.push(b.id.clone());
                }
            }
            let mut batch = w.import_batch(&needs)?;
            for (row, parsed) in chunk.iter().zip(parsed) {
                let result = parsed.and_then(|(id_as_read, b, valid)| {
                    if let Some(first) = ids.get(&id_as_read) {
                        let (column, how) = if map.has(import::Column::Id) {
                            (map.header(import::Column::Id), "has the same id as")
                        } else {
                            (
                                "-".to_string(),
                                "is the same business (name, province, city) as",
                            )
                        };
                        return Err(vec![import::CellError::new(
                            column,
                            format!("{how} row {first}; give each business its own id"),
                        )]);
                    }
                    valid.map_err(|e| {
                        vec![import::CellError::new(
                            import::column_of_field(&map, &e.field),
                            e.message,
                        )]
                    })?;
                    Ok(b)
                });
                let result = match result {
                    Ok(b) => match read.denied_business(&batch, &b) {
                        Some((field, m)) => Err(vec![import::CellError::new(
                            if field == "id" && map.has(import::Column::Id) {
                                map.header(import::Column::Id)
                            } else if field == "id" {
                                "-".to_string()
                            } else {
                                map.header(import::Column::Province)
                            },
                            m,
                        )]),
                        None => Ok(b),
                    },
                    Err(e) => Err(e),
                };
                match result {
                    Ok(b) => {
                        ids.insert(b.id.clone(), row.number);
                        read.stats.listings += (b.offers.len() + b.needs.len()) as u64;
                        let existed = batch.put_business(&b)?;
                        read.stats.businesses_replaced += u64::from(existed);
                        read.stats.businesses += 1;
                    }
                    Err(errors) => skip(read, row, errors),
                }
            }
            w.write_import_batch(batch)?;
        }
        Ok(())
    }
}

/// Records an import reads before it asks the store about them: `JALIN_IMPORT_BATCH`, 10 000
/// by default (a batch's writes on PostgreSQL are one `COPY` per table; tests set it small
/// so that an import crosses batches).
/// An import of fewer listings than this updates the index business by business, however
/// small the index.
const REBUILD_INDEX_MIN_LISTINGS: u64 = 10_000;

fn batch_size() -> usize {
    std::env::var("JALIN_IMPORT_BATCH")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(10_000)
}

/// A JSONL line read in phase 1.
enum JsonlItem {
    TooLong {
        lineno: u64,
        n: u64,
    },
    Record {
        lineno: u64,
        line: String,
        record: Box<Parsed>,
    },
}

/// A JSONL record parsed and validated (the store not yet asked).
enum Parsed {
    Bad((String, String)),
    Business(Business, std::result::Result<(), FieldError>),
    Deal(Deal, std::result::Result<(), FieldError>),
}

/// Checks a deal's two parties are stored (or written by this import); `Err` names the
/// party that is not.
fn check_parties(batch: &ImportBatch, d: &Deal) -> Result<(), (&'static str, String)> {
    for (field, id) in [("buyer", &d.buyer), ("seller", &d.seller)] {
        if !batch.business_exists(id) {
            return Err((
                field,
                format!(
                    "unknown business {id:?}; import it first (or in the same import, before its deals)"
                ),
            ));
        }
    }
    Ok(())
}

impl Read {
    /// Gives a deal without an id the next id of the import's `Idempotency-Key`, if any.
    fn name_deal(&mut self, d: &mut Deal) {
        if d.id.is_none()
            && let Some(key) = &self.idempotency_key
        {
            self.unnamed_deals += 1;
            d.id = Some(format!(
                "{}-{}",
                crate::engine::writes::idempotent_deal_id(key),
                self.unnamed_deals
            ));
        }
    }

    /// Stores a deal that passed every check, unless the very same deal is stored already
    /// (a retried import): that one is counted, not written again.
    fn put_deal(&mut self, w: &mut Writer<'_>, batch: &mut ImportBatch, d: Deal) -> Result<()> {
        if let Some(id) = &d.id
            && batch.get_deal(id).is_some_and(|stored| *stored == d)
        {
            self.stats.deals_unchanged += 1;
            return Ok(());
        }
        batch.put_deal(w, &d)?;
        self.stats.deals += 1;
        Ok(())
    }

    /// Why the importing key may not write `b` (`None`: it may).
    /// Also refuses a deleted business's id: it is never given to another business.
    fn denied_business(&self, batch: &ImportBatch, b: &Business) -> Option<(&'static str, String)> {
        let old = batch.business_province(&b.id);
        if old.is_none()
            && let Some(seq) = batch.tombstone(&b.id)
        {
            return Some((
                "id",
                format!(
                    "{:?} was the id of a business deleted at change {seq}; ids are never \
                     reused: choose another",
                    b.id
                ),
            ));
        }
        let scope = self.scope.as_ref()?;
        scope
            .may_write_business(&b.id, old, Some(&b.province))
            .err()
            .map(|d| ("province", d.0))
    }

    /// Why the importing key may not record `d` (`None`: it may). An import records deals
    /// directly, so a key that would need the other side's confirmation may not import them.
    /// Also refuses a deal id already stored for another deal: an import never overwrites a
    /// deal (the same deal again is fine).
    fn denied_deal(&self, batch: &ImportBatch, d: &Deal) -> Option<String> {
        if let Some(id) = &d.id
            && let Some(stored) = batch.get_deal(id)
            && *stored != *d
        {
            return Some(format!(
                "deal {id:?} is already stored with other details; an import does not \
                 overwrite a deal: give this one another id, or leave the id out"
            ));
        }
        let scope = self.scope.as_ref()?;
        let buyer = batch.business_province(&d.buyer).unwrap_or_default();
        let seller = batch.business_province(&d.seller).unwrap_or_default();
        match scope.may_record_deal((&d.buyer, buyer), (&d.seller, seller)) {
            Ok(DealAccess::Direct) => None,
            Ok(DealAccess::NeedsConfirmation { .. }) => Some(
                "a business key records deals one at a time (POST /v1/deals), for the \
                 other side to confirm"
                    .to_string(),
            ),
            Err(denied) => Some(denied.0),
        }
    }
}

/// The longest JSONL line (one record) an import reads: a business with 200 listings and
/// long descriptions is well under it, and a record is parsed only once it is known to be
/// no longer (a 99 MiB line once took 3.5 GB to parse).
pub const MAX_LINE: usize = 1 << 20;

enum Line {
    /// A line is in the buffer (without its line end).
    Text,
    /// The line was longer than the cap; it was skipped. Its length in bytes.
    TooLong(u64),
}

/// Reads the next line into `buf` (cleared first), keeping at most `max` bytes: a longer
/// line is read to its end and dropped. `None` at the end of the input.
fn read_line_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<Line>> {
    buf.clear();
    let mut total = 0u64;
    let mut any = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        total += part.len() as u64;
        if buf.len() + part.len() <= max {
            buf.extend_from_slice(part);
        }
        let used = done.unwrap_or(chunk.len());
        reader.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if total > max as u64 {
        buf.clear();
        return Ok(Some(Line::TooLong(total)));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(Line::Text))
}

/// Cells as one CSV line (quoted where needed), without the line end.
fn csv_line<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(cells);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_longer_than_the_cap_are_skipped_whole() {
        let text = format!("short\r\n{}\nnext\nlast", "x".repeat(100));
        let mut reader = std::io::BufReader::with_capacity(16, text.as_bytes());
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(line) = read_line_capped(&mut reader, &mut buf, 10).unwrap() {
            got.push(match line {
                Line::Text => String::from_utf8(buf.clone()).unwrap(),
                Line::TooLong(n) => format!("too long: {n}"),
            });
        }
        assert_eq!(got, ["short", "too long: 100", "next", "last"]);
    }

    #[test]
    fn an_overlong_record_is_a_bad_row_and_nothing_is_imported() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, _) = Engine::open_starting_with(
            dir.path(),
            crate::engine::EngineOptions::default(),
            crate::engine::EmptyStart::Nothing,
            &mut |_, _, _| {},
        )
        .unwrap();
        let good = r#"{"id":"a-1","name":"UD A","kind":"umkm","province":"35"}"#;
        let long = format!(
            r#"{{"id":"a-2","name":"UD B","kind":"umkm","province":"35","description":"{}"}}"#,
            "y".repeat(MAX_LINE)
        );
        let body = format!("{good}\n{long}\n");
        let err = engine
            .import(
                vec![("body".into(), Box::new(body.as_bytes()))],
                &mut |_, _, _| {},
            )
            .unwrap_err();
        let Error::Rows { rows, .. } = err else {
            panic!("{err}");
        };
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row, 2);
        assert!(rows[0].message.contains("at most"), "{}", rows[0].message);
        assert_eq!(engine.status().unwrap().businesses, 0);
    }
}
