//! pxgate integration tests: one binary, real databases and sockets.
// Test code: a failed unwrap is a failed test, and scenario tests read best top to bottom.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

mod account_soap;
mod admin_api;
mod admin_apps;
mod cli;
mod harness;
mod payment_battery;
mod rest_account;
mod rest_payment;
mod sms_harness;
mod sms_notify;
mod sms_receive;
mod sms_send;
mod sms_store;
mod soap_framework;
mod store_battery;
