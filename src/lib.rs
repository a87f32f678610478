//! jalin: a business-matchmaking engine for Indonesia's 38 provinces.
//!
//! Buyers and sellers in different provinces are matched by what each province produces
//! better (location quotients from BPS production figures), how relevant the listing is,
//! distance and fit. The store (SQLite) is the system of record; the search index (tantivy)
//! is derived from it. See ARCHITECTURE.md for the code map and its invariants.

pub mod api;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod engine;
pub mod error;
pub mod generate;
pub mod graph;
pub mod import;
pub mod model;
pub mod network;
pub mod plan;
pub mod reference;
pub mod score;
pub mod search;
pub mod stand_in;
pub mod store;
pub mod supply;
pub mod understand;
pub mod web;

pub use error::{Error, Result};
