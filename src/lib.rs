//! pxgate: a telecom open-API gateway.
//!
//! Third-party applications charge subscribers' prepaid accounts, manage balances and send SMS
//! through Parlay X 2.x (SOAP) and OneAPI (REST); operators provision accounts through the admin API.
//!
//! # Layout
//!
//! Modules in layer order, lowest first: each names only modules above it in this table
//! (`tests/architecture.rs` keeps it so; `docs/ARCHITECTURE.md` draws the tiers).
//!
//! | module | role |
//! |---|---|
//! | [`domain`] | validated values: E.164 numbers, currencies and exact amounts, injected time |
//! | [`http`] | leaf: body limit, peer address, media types, JSON field paths, percent-encoding |
//! | [`crypto`] | leaf: hex, digests, random bytes and tokens, sealed secrets and keyed digests |
//! | [`tls`] | PEM certificates and keys: the listener's identity, extra callback roots |
//! | [`telemetry`] | logs and Prometheus metrics |
//! | [`fraud`] | the fraud rules and their verdict on one movement, pure: the store runs them in the movement's transaction |
//! | [`store`] | accounts, ledger, reservations, applications, usage behind one trait; SQLite and PostgreSQL |
//! | [`outbox`] | the SMS outbox's group-commit writer, shared by the SMS functions, alerts and the SMPP links |
//! | [`framework`] | who may call what: credentials, agreements, throttling, usage, the `Permit` |
//! | [`smpp`] | the SMSC link: text encoding and MO decoding through the `sms_text` crate, ESME sessions with a window, the outbox dispatcher, receipts |
//! | [`callbacks`] | notifications to applications' endpoints: durable, retried, given up visibly |
//! | [`push`] | subscriber notices over MQTT: publish, the devices' confirmations, SMS when none comes in time |
//! | [`scf`] | the business rules (Payment, Account Management), protocol-neutral, and the Parlay X exception catalogue |
//! | [`gateway`] | `Gateway`: the framework and service functions the bindings share, and the one authorize → call → complete pipeline |
//! | [`alerts`] | subscriber alert SMS and account-monitoring notifications, decided from the ledger |
//! | [`soap`] | the Parlay X SOAP binding: hardened parser, faults, WSDL/XSD documents, dispatch |
//! | [`rest`] | the OneAPI REST binding (`/oneapi/v1`) over the same `scf` functions, with OpenAPI 3.1 |
//! | [`oauth`] | the OAuth 2.0 client-credentials token endpoint |
//! | `compat` | the HTTP APIs of other SMS gateways: Kannel's `sendsms`, Jasmin's `/send` |
//! | [`admin`] | the operator admin API (`/admin/v1`, JSON, RFC 9457 problems) |
//! | [`cli`] | the command line, including the admin client, its completions and manual pages |
//! | [`console`] | the operator web console (`/console`): HTML pages over the admin API's handlers, sign-in sessions, the live dashboard |
//! | [`config`] | configuration: TOML + environment, validated before anything binds |
//! | [`app`] | the composition root: `App::build` wires every part; the router and its layers; `run(listener, app, shutdown)` with the accept loop (connection cap, header timeout, HTTPS) and the background tasks |
//! | [`demo`] | `pxgate demo`: demo data and the "try this" lines |
//!
//! # A request, walked (SOAP `chargeAmount`)
//!
//! 1. `app::router` wraps it: panic guard, trace span, timeout, body limit, metrics.
//! 2. `soap::binding` parses the envelope and finds the operation by the Body's first child.
//! 3. `gateway::Gateway::serve` has `framework::Framework::authorize` authenticate and authorize it
//!    (a `Permit`), runs the operation and counts it once.
//! 4. `scf::payment` validates the typed request; the `store` debits in one conditional `UPDATE`.
//! 5. `soap::map` turns any error into its fault; the response goes back through the layers.
#![forbid(unsafe_code)]

pub mod admin;
mod alerts;
pub mod app;
pub mod callbacks;
pub mod cli;
mod compat;
pub mod config;
pub mod console;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod framework;
pub mod fraud;
/// Entry points of the fuzz targets (`fuzz/`), with `--cfg fuzzing` only.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod http;
mod oauth;
mod outbox;
pub mod push;
mod rest;
pub mod scf;
pub mod smpp;
mod soap;
pub mod store;
pub mod telemetry;
pub mod tls;
