//! Payload shapes of the Parlay X Account Management interface (ES 202 391-7 V1.2.1, types v2_2),
//! as serde structs, and the writers of its responses.
//!
//! Owns: the request element of every Account Management operation and the writers of their
//! responses. Element names follow `wsdl/parlayx_account_management_interface_2_2.wsdl`
//! (`parlayx-spec.md` §4): request children are in the local namespace (qualified); the children of
//! the types `Balance`, `BalanceExpireDetails` and `DatedTransaction` are unqualified, as the types
//! schema has no `elementFormDefault`.
//!
//! Must not know: PINs, vouchers, balances. Values arrive as the client wrote them (trimmed).

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::SoapVersion;
use super::xml::{InvalidPart, ResponseWriter, decimal, empty_as_none};

/// The interface's local request/response namespace.
pub(crate) const ACCOUNT_MANAGEMENT_NS: &str =
    "http://www.csapi.org/schema/parlayx/account_management/v2_2/local";

/// `getBalance`, `getCreditExpiryDate`, `getBalanceTypes`: the end user and an optional PIN.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EndUserRequest {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// The subscriber's PIN, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub end_user_pin: Option<String>,
}

/// `balanceUpdate`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceUpdate {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// The subscriber's PIN, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub end_user_pin: Option<String>,
    /// Application's unique reference for the request.
    pub reference_code: String,
    /// Which balance to credit.
    pub balance_type: String,
    /// `xsd:decimal` added to the balance.
    #[serde(deserialize_with = "decimal::required")]
    pub amount: Decimal,
    /// `xsd:int` days until the balance should expire, optional.
    #[serde(default)]
    pub period: Option<i64>,
}

/// `voucherUpdate`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VoucherUpdate {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// The subscriber's PIN, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub end_user_pin: Option<String>,
    /// Application's unique reference for the request.
    pub reference_code: String,
    /// The voucher's code.
    pub voucher_identifier: String,
    /// The voucher's PIN, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub voucher_pin: Option<String>,
}

/// `getHistory`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetHistory {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// The subscriber's PIN, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub end_user_pin: Option<String>,
    /// `xsd:dateTime`, optional: entries made at or before it.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub date: Option<String>,
    /// `xsd:int`, optional: at most this many entries.
    #[serde(default)]
    pub max_entries: Option<i64>,
}

/// An `xsd:dateTime`; one without a zone is taken as UTC.
///
/// # Errors
/// [`InvalidPart`] naming `part` when the text is not a dateTime.
pub(crate) fn date_time(part: &str, text: &str) -> Result<DateTime<FixedOffset>, InvalidPart> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc().fixed_offset())
        })
        .map_err(|e| InvalidPart {
            part: part.to_owned(),
            reason: e.to_string(),
        })
}

fn xsd_date_time(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A response with no `result` (`balanceUpdateResponse`, `voucherUpdateResponse`).
#[must_use]
pub(crate) fn empty_response(version: SoapVersion, wrapper: &'static str) -> Vec<u8> {
    super::xml::empty_response(version, ACCOUNT_MANAGEMENT_NS, wrapper)
}

/// `getBalanceResponse`: `result` is `Balance [1..∞]` (balance type, amount).
#[must_use]
pub(crate) fn balance_response(version: SoapVersion, balances: &[(String, Decimal)]) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, ACCOUNT_MANAGEMENT_NS, "getBalanceResponse");
    for (balance_type, amount) in balances {
        w.start_qualified("result");
        w.unqualified_text("balanceType", balance_type);
        // Decimal's Display is plain positional notation: a valid xsd:decimal lexical form.
        w.unqualified_text("amount", &amount.to_string());
        w.end_qualified("result");
    }
    w.finish()
}

/// `getCreditExpiryDateResponse`: `result` is `BalanceExpireDetails [1..∞]`; `date` is omitted for
/// a balance that does not expire.
#[must_use]
pub(crate) fn credit_expiry_response(
    version: SoapVersion,
    details: &[(String, Option<DateTime<FixedOffset>>)],
) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, ACCOUNT_MANAGEMENT_NS, "getCreditExpiryDateResponse");
    for (balance_type, date) in details {
        w.start_qualified("result");
        w.unqualified_text("balanceType", balance_type);
        if let Some(date) = date {
            w.unqualified_text("date", &xsd_date_time(date));
        }
        w.end_qualified("result");
    }
    w.finish()
}

/// `getHistoryResponse`: `result` is `DatedTransaction [0..∞]`, most recent first.
#[must_use]
pub(crate) fn history_response(
    version: SoapVersion,
    transactions: &[(DateTime<FixedOffset>, String)],
) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, ACCOUNT_MANAGEMENT_NS, "getHistoryResponse");
    for (date, details) in transactions {
        w.start_qualified("result");
        w.unqualified_text("transactionDate", &xsd_date_time(date));
        w.unqualified_text("transactionDetails", details);
        w.end_qualified("result");
    }
    w.finish()
}

/// `getBalanceTypesResponse`: `result` is `xsd:string [1..∞]`.
#[must_use]
pub(crate) fn balance_types_response(version: SoapVersion, types: &[String]) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, ACCOUNT_MANAGEMENT_NS, "getBalanceTypesResponse");
    for t in types {
        w.qualified_text("result", t);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::decode;

    #[test]
    fn requests_decode_with_optional_parts() {
        let xml = format!(
            "<loc:balanceUpdate xmlns:loc=\"{ACCOUNT_MANAGEMENT_NS}\">\
             <loc:endUserIdentifier>tel:+821012345678</loc:endUserIdentifier><loc:endUserPin/>\
             <loc:referenceCode>r-1</loc:referenceCode><loc:balanceType>Main</loc:balanceType>\
             <loc:amount>1000.00</loc:amount><loc:period>30</loc:period></loc:balanceUpdate>"
        );
        let r = decode::<BalanceUpdate>(xml.as_bytes()).unwrap();
        assert_eq!(r.end_user_pin, None);
        assert_eq!(r.amount, Decimal::new(100_000, 2));
        assert_eq!(r.period, Some(30));
        let xml = format!(
            "<loc:getHistory xmlns:loc=\"{ACCOUNT_MANAGEMENT_NS}\">\
             <loc:endUserIdentifier>tel:+821012345678</loc:endUserIdentifier></loc:getHistory>"
        );
        let r = decode::<GetHistory>(xml.as_bytes()).unwrap();
        assert_eq!((r.date, r.max_entries), (None, None));
        let missing = format!("<loc:getBalance xmlns:loc=\"{ACCOUNT_MANAGEMENT_NS}\"/>");
        assert_eq!(
            decode::<EndUserRequest>(missing.as_bytes()).unwrap_err().part,
            "endUserIdentifier"
        );
    }

    #[test]
    fn date_times_with_and_without_zone() {
        let t = date_time("date", "2026-11-15T12:00:00+09:00").unwrap();
        assert_eq!(
            t.timestamp(),
            date_time("date", "2026-11-15T03:00:00").unwrap().timestamp()
        );
        assert_eq!(date_time("date", "yesterday").unwrap_err().part, "date");
        assert_eq!(xsd_date_time(&t), "2026-11-15T12:00:00+09:00");
    }

    #[test]
    fn results_are_qualified_and_their_children_are_not() {
        let body = balance_response(SoapVersion::V11, &[("Main".to_owned(), Decimal::new(12_345, 0))]);
        let text = String::from_utf8(body).unwrap();
        assert!(
            text.contains("<ns:result><balanceType>Main</balanceType><amount>12345</amount></ns:result>")
        );
        let text = String::from_utf8(credit_expiry_response(
            SoapVersion::V11,
            &[("Main".to_owned(), None)],
        ))
        .unwrap();
        assert!(text.contains("<ns:result><balanceType>Main</balanceType></ns:result>"));
    }
}
