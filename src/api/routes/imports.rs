//! `POST /v1/import` (token-guarded): JSONL, CSV or a spreadsheet workbook (by
//! `Content-Type`) streamed from the request body into one transaction on the blocking
//! pool; `?dry_run=true` validates and writes nothing, `?skip_invalid=true` commits the
//! good rows. The templates (`GET /v1/templates/businesses.csv`, `.xlsx`) are here too.
//! Invariant: a body cut short, too large or abandoned (timeout, client gone) imports
//! nothing.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiQuery;
use crate::api::{AppState, Caller, MAX_IMPORT};
use crate::engine::{ImportFormat, ImportOptions, ImportSource, ImportStats};

/// The content type of an XLSX workbook.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The bytes of a workbook (XLSX, XLS or ODS), for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(crate) struct XlsxBytes(#[allow(dead_code)] Vec<u8>);

/// `?dry_run=&skip_invalid=` of an import.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Validate everything and write nothing; the answer counts what would be written.
    pub dry_run: Option<bool>,
    /// Commit the good rows and list the bad ones in the answer (`skipped`, `rows`),
    /// instead of committing nothing when a row is bad.
    pub skip_invalid: Option<bool>,
}

/// The format a request's `Content-Type` names: `text/csv`, an XLSX/XLS/ODS workbook, or
/// (anything else, as before spreadsheets were accepted) JSONL.
fn format_of(req: &Request) -> ImportFormat {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/csv" => ImportFormat::Csv,
        XLSX | "application/vnd.ms-excel" | "application/vnd.oasis.opendocument.spreadsheet" => {
            ImportFormat::Workbook
        }
        _ => ImportFormat::Jsonl,
    }
}

/// What the async side sends the blocking import.
enum Chunk {
    Data(Bytes),
    /// The whole body arrived.
    End,
    Failed(String),
}

/// A blocking reader over the chunks of a request body, fed from the async side. The body
/// ends only at [`Chunk::End`]: a channel closed without it means the request was cut short,
/// and reading fails so the import rolls back.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    current: Bytes,
    ended: bool,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Chunk::Data(chunk)) => self.current = chunk,
                Some(Chunk::End) => self.ended = true,
                Some(Chunk::Failed(e)) => return Err(std::io::Error::other(e)),
                None => {
                    return Err(std::io::Error::other(
                        "the request body was cut short; nothing was imported",
                    ));
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Imports businesses and deals in one transaction: JSONL in jalin's schema (each line a
/// business or a deal), or a spreadsheet of businesses (`text/csv`, or an XLSX, XLS or ODS
/// workbook; one row per business, headers as in `GET /v1/templates/businesses.csv`).
/// Every bad row is reported in one 400 answer (`rows`, at most 200, `more` for the rest)
/// and nothing is committed — unless `skip_invalid` is set, when the good rows are.
/// With an `Idempotency-Key` a retried import is safe: businesses are replaced by the same
/// records, and its deals without an id get the same ids again, so they are stored once.
#[utoipa::path(post, path = "/v1/import",
    request_body(content(
        (String = "application/x-ndjson"),
        (String = "text/csv"),
        (XlsxBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (XlsxBytes = "application/vnd.ms-excel"),
        (XlsxBytes = "application/vnd.oasis.opendocument.spreadsheet")
    )),
    security(("bearer" = [])),
    params(ImportParams, ("Idempotency-Key" = Option<String>, Header,
        description = "1 to 200 printable ASCII characters naming this import: its deals without an id get ids made from it, so a retry stores them once")),
    responses((status = 200, body = ImportStats), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(crate) async fn import(
    State(engine): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(params): ApiQuery<ImportParams>,
    req: Request,
) -> ApiResult<Json<ImportStats>> {
    let by = caller.principal();
    let actor = crate::api::actor_of(&req);
    let format = format_of(&req);
    let idempotency_key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str().map(str::trim) {
            Ok(k) if !k.is_empty() && k.len() <= 200 => Some(k.to_string()),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "must be 1 to 200 printable ASCII characters",
                )
                .field("Idempotency-Key"));
            }
        },
    };
    let options = ImportOptions {
        dry_run: params.dry_run.unwrap_or(false),
        skip_invalid: params.skip_invalid.unwrap_or(false),
        idempotency_key,
    };
    use http_body_util::BodyExt;
    // If this handler is dropped (timeout, client gone) the import must not commit: the
    // guard raises the flag the import checks just before its commit.
    struct Abandon(Option<Arc<std::sync::atomic::AtomicBool>>);
    impl Drop for Abandon {
        fn drop(&mut self) {
            if let Some(flag) = &self.0 {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
    let abandoned = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut guard = Abandon(Some(abandoned.clone()));
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(16);
    let work = tokio::task::spawn_blocking(move || {
        let reader = std::io::BufReader::new(ChannelReader {
            rx,
            current: Bytes::new(),
            ended: false,
        });
        let scope = (by.role != crate::auth::Role::Admin).then_some(&by);
        crate::store::with_actor(actor, || {
            engine.import_sources_as(
                scope,
                vec![ImportSource {
                    name: "body".to_string(),
                    format,
                    reader: Box::new(reader),
                }],
                options,
                &mut |_, _, _| {},
                &abandoned,
            )
        })
    });
    let mut body = req.into_body();
    let mut received = 0usize;
    let mut too_large = false;
    let mut complete = true;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => {
                let Ok(data) = f.into_data() else { continue };
                received += data.len();
                if received > MAX_IMPORT {
                    too_large = true;
                    let _ = tx.send(Chunk::Failed("the body is too large".into())).await;
                    complete = false;
                    break;
                }
                if tx.send(Chunk::Data(data)).await.is_err() {
                    break; // the import stopped early (a bad line)
                }
            }
            Err(e) => {
                too_large = e.to_string().contains("length limit");
                let _ = tx.send(Chunk::Failed(e.to_string())).await;
                complete = false;
                break;
            }
        }
    }
    if complete {
        let _ = tx.send(Chunk::End).await;
    }
    drop(tx);
    let result = work.await.map_err(|e| {
        tracing::error!(error = %e, "import task failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    })?;
    guard.0 = None; // finished: nothing to abandon
    drop(guard);
    if too_large {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the import is larger than {MAX_IMPORT} bytes; nothing was imported"),
        )
        .field("body"));
    }
    Ok(Json(result?))
}

/// The businesses template as CSV: a UTF-8 byte-order mark, the headers and an example row.
#[utoipa::path(get, path = "/v1/templates/businesses.csv",
    responses((status = 200, content_type = "text/csv", body = String,
               description = "the headers (Indonesian; English ones are accepted too) and an example row")))]
pub(crate) async fn template_csv() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"businesses.csv\"",
            ),
        ],
        crate::import::template_csv(),
    )
        .into_response()
}

/// The businesses template as an XLSX workbook: the sheet to fill in, with an example row,
/// and a sheet explaining each column.
#[utoipa::path(get, path = "/v1/templates/businesses.xlsx",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               body = XlsxBytes, description = "an XLSX workbook")))]
pub(crate) async fn template_xlsx() -> ApiResult<Response> {
    let bytes = crate::import::template_xlsx().map_err(|e| crate::api::error::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"businesses.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The deals template as CSV: a UTF-8 byte-order mark, the headers and an example row. A
/// sheet with a buyer and a seller column is read as deals, one a row.
#[utoipa::path(get, path = "/v1/templates/deals.csv",
    responses((status = 200, content_type = "text/csv", body = String,
               description = "the headers (Indonesian; English ones are accepted too) and an example row")))]
pub(crate) async fn template_deals_csv() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"deals.csv\"",
            ),
        ],
        crate::import::template_deals_csv(),
    )
        .into_response()
}
