//! The in-process integration tests, in one binary so that the suite links once: each
//! module was a test binary of its own. They run in parallel in one process, so none sets
//! environment variables, and the one engine they share (`common::fixture()`) is only read
//! from; `writes` opens its own. Async tests run on a multi-threaded runtime: on PostgreSQL
//! (`common::pg`) the store's blocking calls leave the async worker by `block_in_place`,
//! which a current-thread runtime cannot do.
//!
//! - `api`: the HTTP API over the fixtures, read endpoints and bad input.
//! - `writes`: the write API, read-your-writes, all-or-nothing imports.
//! - `robustness`: a battery of hostile requests and seeded fuzzing of the parsers.
//! - `relevance`: the judged query set (`judged_queries.tsv`), precision@10 and nDCG@10.
//! - `network_snapshot`: restarts from the deal network's snapshot.
//! - `cli`: the `jalin` binary as a user runs it, and the store/index invariants.
//! - `supply`: the supply model against real trade statements and recorded missions.
//! - `imports`: spreadsheet imports (CLI and API), every bad row in one answer, dry runs,
//!   the templates, an empty start.
//! - `keys`: keys per principal, every write route by role and object, the audit trail.
//! - `missions`: stored missions — a 157-firm spreadsheet to plan, commitments and a report
//!   that adds up; who may write a mission.
//! - `mission_requests`: participants' meeting requests — every route by role and object,
//!   bad requests, planning with accepted requests only.
//! - `documents`: the printable documents of the shipped mission (HTML, CSV, ICS, XLSX).

#[path = "../common/mod.rs"]
mod common;

mod api;
mod catalog;
mod cli;
mod documents;
mod exact_topk;
mod imports;
mod keys;
mod mission_requests;
mod missions;
mod network_snapshot;
mod relevance;
mod robustness;
mod supply;
mod writes;
