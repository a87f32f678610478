//! The write endpoints that take a body, and a helper that sends one body to each of them
//! (with the write token), for the tests that check every write refuses the same bad input.

use axum::Router;
use axum::body::Body;
use axum::http::Request;

use super::{Reply, TOKEN, call};

/// A write endpoint: method, path (a business write goes to `rb-1`), and the content type
/// sent (an import is NDJSON, sent without one).
pub struct WriteEndpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub content_type: Option<&'static str>,
}

/// Every write endpoint that takes a body (`DELETE /v1/businesses/{id}` takes none).
pub fn write_endpoints() -> [WriteEndpoint; 3] {
    [
        WriteEndpoint {
            method: "PUT",
            path: "/v1/businesses/rb-1",
            content_type: Some("application/json"),
        },
        WriteEndpoint {
            method: "POST",
            path: "/v1/deals",
            content_type: Some("application/json"),
        },
        WriteEndpoint {
            method: "POST",
            path: "/v1/import",
            content_type: None,
        },
    ]
}

/// Sends `body`, with the write token, to every write endpoint of `app`; each reply comes
/// with the endpoint it is from, as `"METHOD path"`.
pub async fn send_to_every_write_endpoint(app: &Router, body: &[u8]) -> Vec<(String, Reply)> {
    let mut replies = Vec::new();
    for e in write_endpoints() {
        let mut req = Request::builder()
            .method(e.method)
            .uri(e.path)
            .header("authorization", format!("Bearer {TOKEN}"));
        if let Some(ct) = e.content_type {
            req = req.header("content-type", ct);
        }
        let req = req.body(Body::from(body.to_vec())).expect("request");
        replies.push((format!("{} {}", e.method, e.path), call(app, req).await));
    }
    replies
}
