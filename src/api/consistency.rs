//! Consistency a client can rely on across replicas.
//!
//! Every answer carries `X-Jalin-Seq`: the store's change sequence this replica had applied
//! to its search index — for a read, when the read started (the answer reflects at least
//! that); for a write, once it was acknowledged (the write's own change is at or below it).
//! A client that wrote on one replica and reads on another sends the sequence it was given
//! as `min_seq` (a query parameter on any route, or the `X-Jalin-Min-Seq` header): the
//! replica first applies what it is missing, waiting at most [`MIN_SEQ_WAIT`], and answers
//! 503 `behind` (with `Retry-After` and its own `X-Jalin-Seq`) rather than an answer older
//! than the client's write.

use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{Shared, blocking};

/// The response header naming the applied sequence.
pub const SEQ_HEADER: &str = "x-jalin-seq";
/// The request header asking for a sequence (as the `min_seq` query parameter).
pub const MIN_SEQ_HEADER: &str = "x-jalin-min-seq";
/// The longest a request waits for this replica to reach its `min_seq`.
pub const MIN_SEQ_WAIT: Duration = Duration::from_secs(2);

/// `min_seq` from the query (removed from it, so the route's own parameters stay strict)
/// or the header; an unreadable one is the caller's error, naming the field.
fn take_min_seq(req: &mut Request) -> Result<Option<u64>, ApiError> {
    let bad = |v: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("min_seq must be a change sequence (a whole number ≥ 0), not {v:?}"),
        )
        .field("min_seq")
    };
    let mut found = None;
    if let Some(q) = req.uri().query()
        && q.split('&')
            .any(|p| p == "min_seq" || p.starts_with("min_seq="))
    {
        let mut rest = Vec::new();
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            if k == "min_seq" {
                found = Some(v.trim().parse::<u64>().map_err(|_| bad(&v))?);
            } else {
                rest.push((k.into_owned(), v.into_owned()));
            }
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(rest)
            .finish();
        let path = req.uri().path();
        let pq = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = Some(pq.parse().map_err(|_| bad(q))?);
        *req.uri_mut() = Uri::from_parts(parts).map_err(|_| bad(q))?;
    }
    if found.is_none()
        && let Some(v) = req.headers().get(MIN_SEQ_HEADER)
    {
        let v = v.to_str().unwrap_or("");
        found = Some(v.trim().parse::<u64>().map_err(|_| bad(v))?);
    }
    Ok(found)
}

fn with_seq(mut res: Response, seq: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&seq.to_string()) {
        res.headers_mut().insert(SEQ_HEADER, v);
    }
    res
}

/// The middleware: waits for `min_seq`, then stamps the answer with `X-Jalin-Seq`.
pub(super) async fn consistency(
    State(shared): State<Shared>,
    mut req: Request,
    next: axum::middleware::Next,
) -> Response {
    let engine = shared.engine.clone();
    let min_seq = match take_min_seq(&mut req) {
        Ok(m) => m,
        Err(e) => return with_seq(e.into_response(), engine.applied_seq()),
    };
    if let Some(min) = min_seq {
        let started = Instant::now();
        while engine.applied_seq() < min {
            if started.elapsed() >= MIN_SEQ_WAIT {
                let have = engine.applied_seq();
                let e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "behind",
                    format!(
                        "this replica has applied changes up to {have}, not yet {min}; retry, \
                         or ask the replica that answered the write"
                    ),
                )
                .field("min_seq")
                .retry_after(1);
                return with_seq(e.into_response(), have);
            }
            // Apply what the store has now rather than wait for the follower's next poll.
            let e = engine.clone();
            let _ = blocking(move || e.follow()).await;
            if engine.applied_seq() < min {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let before = engine.applied_seq();
    let res = next.run(req).await;
    let seq = if read { before } else { engine.applied_seq() };
    with_seq(res, seq)
}
