//! pxgate: a telecom open-API gateway.
//!
//! Third-party applications charge subscribers' prepaid accounts, manage balances and send SMS
//! through Parlay X 2.x (SOAP) and OneAPI (REST); operators provision accounts through the admin API.
//!
//! # Layout
//!
//! | module | role |
//! |---|---|
//! | [`domain`] | validated values: E.164 numbers, currencies and exact amounts, injected time |
//! | [`store`] | accounts and the append-only ledger behind one trait; SQLite and PostgreSQL |
//! | [`admin`] | the operator admin API (`/admin/v1`, JSON, RFC 9457 problems) |
//! | [`cli`] | the command line, including the admin client |
//! | [`config`] | configuration: TOML + environment, validated before anything binds |
//! | [`server`] | shared state, the router and its layers, `run(listener, router, shutdown)` |
//! | [`telemetry`] | logs and Prometheus metrics |
//! | [`demo`] | `pxgate demo`: demo data and the "try this" lines |
//!
//! # A request, walked
//!
//! 1. `server::router` wraps it: panic guard, trace span, timeout, body limit, metrics.
//! 2. `admin::require_operator` authenticates the operator's bearer token.
//! 3. An `admin::accounts` handler validates every field into domain values.
//! 4. The `store` applies the change in one transaction (a debit is one conditional `UPDATE`).
//! 5. `admin::problem` turns any error into problem+json; the response goes back through the layers.
#![forbid(unsafe_code)]

pub mod admin;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod framework;
pub mod oauth;
pub mod scf;
pub mod server;
pub mod soap;
pub mod store;
pub mod telemetry;
