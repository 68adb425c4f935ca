//! Entry points of the fuzz targets in `fuzz/`. Compiled only with `--cfg fuzzing` (which
//! `cargo fuzz` sets), so they are no part of the library otherwise. Each takes arbitrary bytes
//! and must return, whatever they are, without panicking: a panic is a finding.

use crate::rest::account_json::{BalanceUpdateRequest, VoucherUpdateRequest};
use crate::rest::json::decode;
use crate::rest::payment_json::{AmountTransactionRequest, ReservationRequest};
use crate::rest::sms_json::{OutboundRequest, SubscriptionRequest};
use crate::soap::SoapVersion;
use crate::soap::envelope::{Limits, parse};

/// The SOAP envelope reader, as a request of either media type reaches it.
pub fn soap_envelope(data: &[u8]) {
    let limits = Limits::default();
    for media in [SoapVersion::V11, SoapVersion::V12] {
        let _ = parse(data, media, &limits);
    }
}

/// The OneAPI request bodies, read as each resource reads its own.
pub fn rest_json(data: &[u8]) {
    let _ = decode::<AmountTransactionRequest>(data);
    let _ = decode::<ReservationRequest>(data);
    let _ = decode::<OutboundRequest>(data);
    let _ = decode::<SubscriptionRequest>(data);
    let _ = decode::<BalanceUpdateRequest>(data);
    let _ = decode::<VoucherUpdateRequest>(data);
}

/// One SMPP frame (after its command_length) as the gateway's session decodes it, and a
/// deliver_sm's receipt and received-message reading.
pub fn smpp_frame(data: &[u8]) {
    crate::smpp::read_frame(data);
}
