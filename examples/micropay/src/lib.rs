//! micropay: a small third-party shop that takes payment through an operator's open API.
//!
//! It implements the purchase logic of "A Micro Payment Service based on Open API" (Figure 2)
//! against the standard Parlay X 2 SOAP interfaces a gateway such as pxgate publishes, with the
//! shop's own credentials, and nothing else: no database, no operator access.
//!
//! # Layout
//!
//! | module | role |
//! |---|---|
//! | [`config`] | who the shop is: gateway URL, credentials, sender name, threshold, language; read from flags or from `pxgate demo`'s `demo.json` |
//! | [`number`] | a subscriber number as typed (`010-1234-0001`) → the `tel:` URI Parlay X wants |
//! | [`soap`] | the three request envelopes, WS-Security UsernameToken, and reading answers and faults |
//! | [`gateway`] | one function per operation: `chargeAmount`, `getBalance`, `sendSms` over HTTP |
//! | [`texts`] | the SMS texts, Korean (`4,300원`) or English |
//! | [`shop`] | the purchase: charge → payment SMS → low-balance SMS, or the "unregistered" SMS |
//!
//! # A purchase
//!
//! 1. `AmountCharging.chargeAmount` charges the subscriber the price, with the item as description
//!    and a fresh `referenceCode` (the gateway charges a retried request only once).
//! 2. On success, `AccountManagement.getBalance` reads the remaining balance and
//!    `SendSms.sendSms` sends the payment details to the subscriber.
//! 3. When the balance is under the shop's threshold, a second SMS says so.
//! 4. When the gateway answers `POL1009` (no account for the number), the shop sends that number
//!    the "unregistered" SMS instead; any other fault is a refusal and nothing is sent.

pub mod config;
pub mod gateway;
pub mod number;
pub mod shop;
pub mod soap;
pub mod texts;

pub use config::{Auth, DemoManifest, Language, ShopConfig};
pub use gateway::{Gateway, GatewayError};
pub use shop::{Outcome, Purchase, Shop, ShopError, SmsKind, SmsSent, Verdict};
pub use soap::Fault;
