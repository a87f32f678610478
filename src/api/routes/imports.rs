//! `POST /v1/import` (token-guarded): JSONL streamed from the request body into one
//! transaction on the blocking pool. Invariant: a body cut short, too large or abandoned
//! (timeout, client gone) imports nothing.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::{AppState, MAX_IMPORT};
use crate::engine::ImportStats;

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

/// Imports JSONL (each line a business or a deal), streamed, in one transaction: the first
/// bad line aborts it and is named.
#[utoipa::path(post, path = "/v1/import", request_body(content = String, content_type = "application/x-ndjson"),
    security(("bearer" = [])),
    responses((status = 200, body = ImportStats), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(crate) async fn import(
    State(engine): State<AppState>,
    req: Request,
) -> ApiResult<Json<ImportStats>> {
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
        engine.import_checked(
            vec![("body".to_string(), Box::new(reader))],
            &mut |_, _, _| {},
            &abandoned,
        )
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
