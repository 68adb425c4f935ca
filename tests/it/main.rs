//! pxgate integration tests: one binary, real databases and sockets.
// Test code: a failed unwrap is a failed test, and scenario tests read best top to bottom.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

mod admin_api;
mod admin_apps;
mod cli;
mod harness;
mod payment_battery;
mod soap_framework;
mod store_battery;
