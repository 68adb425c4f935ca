//! sms-text: the SMS text codec shared by the gateway and the simulator. Plain bytes and
//! numbers in, text out (and back): no I/O, no PDUs, no SMPP library.
//!
//! # Layout
//!
//! | module | owns |
//! |---|---|
//! | [`gsm0338`] | the GSM 03.38 default alphabet and extension table (3GPP TS 23.038 §6.2.1), unpacked septets |
//! | `coding` | [`Encoding`]: `data_coding` → alphabet (SMPP v5.0 §4.7.7, TS 23.038 §4) and decoding |
//! | `udh` | [`Concat`]: concatenation UDH parse and build (TS 23.040 §9.2.3.24.1 / .8), SAR TLV values |
//! | `user_data` | [`Fields`] → [`UserData`]: short_message or message_payload, UDH or SAR, then text |
//! | `segment` | [`encode`]: alphabet choice and segmentation into [`Part`]s (160/153 septets, 70/67 UCS-2 units) |
//!
//! Must not know: sockets, stores, rusmpp types. Callers read `esm_class`, `data_coding`,
//! `short_message` and the TLV values off their PDUs and pass them in as numbers and slices.
#![forbid(unsafe_code)]

mod coding;
pub mod gsm0338;
mod segment;
mod udh;
mod user_data;

pub use coding::{DCS_BINARY, DCS_GSM7, DCS_IA5, DCS_LATIN1, DCS_UCS2, Encoding};
pub use segment::{Alphabet, Part, TooLong, choose, encode};
pub use udh::{Concat, ESM_UDHI, split_udh, udh8, udh16};
pub use user_data::{Fields, UserData};
