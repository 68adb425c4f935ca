//! pxgate integration tests: one binary, real databases and sockets.
// Test code: a failed unwrap is a failed test, and scenario tests read best top to bottom.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

mod account_monitoring;
mod account_soap;
mod admin_api;
mod admin_apps;
mod admin_import;
mod alerts;
mod callbacks;
mod cli;
mod cli_catalog;
mod cli_flags;
mod crash;
mod demo;
mod harness;
mod kannel_api;
mod listener;
mod micropay;
mod payment_battery;
mod process;
mod rest_account;
mod rest_payment;
mod rest_sms;
mod smpp_link;
mod sms_charge;
mod sms_client_correlator;
mod sms_durability;
mod sms_harness;
mod sms_notify;
mod sms_receive;
mod sms_routing;
mod sms_send;
mod sms_store;
mod soap_framework;
mod store_battery;
mod trust;
