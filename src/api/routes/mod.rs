//! The handlers, one file per resource. Each handler parses with the extractors in
//! `extract`, runs engine work through `query` (reads) or `blocking` (writes, imports,
//! plans) and answers JSON or an `ApiError`. Routes are wired in `api::router` and documented
//! in `api::openapi`.

pub(super) mod businesses;
pub(super) mod corridors;
pub(super) mod deals;
pub(super) mod health;
pub(super) mod imports;
pub(super) mod keys;
pub(super) mod matching;
pub(super) mod mission_book;
pub(super) mod mission_requests;
pub(super) mod missions;
pub(super) mod network;
pub(super) mod reference;
pub(super) mod search;
