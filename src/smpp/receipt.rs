//! Delivery receipts: what a deliver_sm with esm_class "MC delivery receipt" says, and SMSC
//! message ids in one normal form so a receipt always finds its message.

use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::TlvValue;
use rusmpp::values::{MessageState, MessageType};

use crate::store::sms::PartStatus;

/// A receipt's message id and the state it reports (`None`: not final yet, e.g. ENROUTE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Receipt {
    /// The message id as received.
    pub(super) raw_id: String,
    /// The final state, if the receipt reports one.
    pub(super) status: Option<PartStatus>,
}

/// One normal form for SMSC message ids: trimmed, lowercase, without leading zeros (`"0"` stays).
/// SMSCs disagree on case and zero padding between submit_sm_resp and the receipt text
/// (DESIGN.md "A delivery receipt always matches its message"); the raw form is kept beside it.
pub fn normalize_message_id(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let stripped = lower.trim_start_matches('0');
    if stripped.is_empty() && !lower.is_empty() {
        "0".to_owned()
    } else {
        stripped.to_owned()
    }
}

/// The receipt a deliver_sm carries; `None` when it is not a receipt (an MO message).
pub(super) fn parse(sm: &DeliverSm) -> Option<Receipt> {
    // SMPP v5.0 §4.7.12: esm_class bits 5–2 = 0001 mark an MC delivery receipt.
    if sm.esm_class.message_type != MessageType::ShortMessageContainsMCDeliveryReceipt {
        return None;
    }
    let text = String::from_utf8_lossy(sm.short_message().as_ref()).into_owned();
    let mut raw_id = None;
    let mut state = None;
    // SMPP v5.0 §4.8.4.50 / §4.8.4.37: receipted_message_id and message_state TLVs win over
    // the (non-normative, Appendix B) receipt text.
    for tlv in sm.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => raw_id = Some(id.to_string()),
            Some(TlvValue::MessageState(s)) => state = Some(from_state(*s)),
            _ => {}
        }
    }
    let raw_id = raw_id.or_else(|| field(&text, "id:"))?;
    let status = state.unwrap_or_else(|| field(&text, "stat:").and_then(|s| from_stat(&s)));
    Some(Receipt { raw_id, status })
}

/// The value after `key` in the receipt text, up to the next space.
fn field(text: &str, key: &str) -> Option<String> {
    let at = text.find(key)? + key.len();
    let value: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    (!value.is_empty()).then_some(value)
}

/// SMPP v5.0 Appendix B `stat:` values.
fn from_stat(stat: &str) -> Option<PartStatus> {
    match stat.to_ascii_uppercase().as_str() {
        "DELIVRD" => Some(PartStatus::Delivered),
        "UNDELIV" | "EXPIRED" | "REJECTD" | "DELETED" => Some(PartStatus::Failed),
        "UNKNOWN" => Some(PartStatus::Uncertain),
        _ => None,
    }
}

/// SMPP v5.0 §4.7.15 message_state.
fn from_state(state: MessageState) -> Option<PartStatus> {
    match state {
        MessageState::Delivered => Some(PartStatus::Delivered),
        MessageState::Expired
        | MessageState::Deleted
        | MessageState::Undeliverable
        | MessageState::Rejected => Some(PartStatus::Failed),
        MessageState::Unknown => Some(PartStatus::Uncertain),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
    use rusmpp::types::{COctetString, OctetString};
    use rusmpp::values::EsmClass;

    use super::*;

    fn receipt(text: &str) -> DeliverSm {
        DeliverSm::builder()
            .esm_class(EsmClass {
                message_type: MessageType::ShortMessageContainsMCDeliveryReceipt,
                ..Default::default()
            })
            .short_message(OctetString::from_str(text).unwrap())
            .build()
    }

    #[test]
    fn ids_are_normalized() {
        assert_eq!(normalize_message_id(" 000A1b "), "a1b");
        assert_eq!(normalize_message_id("000"), "0");
        assert_eq!(normalize_message_id("ff"), normalize_message_id("00FF"));
    }

    #[test]
    fn the_text_is_read_when_there_are_no_tlvs() {
        let r = parse(&receipt("id:00AB12 sub:001 dlvrd:001 submit date:2601011200 done date:2601011200 stat:DELIVRD err:000 text:hi")).unwrap();
        assert_eq!(
            r,
            Receipt {
                raw_id: "00AB12".into(),
                status: Some(PartStatus::Delivered)
            }
        );
        let r = parse(&receipt("id:7 stat:UNDELIV err:001")).unwrap();
        assert_eq!(r.status, Some(PartStatus::Failed));
        assert_eq!(parse(&receipt("id:7 stat:ENROUTE")).unwrap().status, None);
    }

    #[test]
    fn tlvs_win_and_mo_is_not_a_receipt() {
        let mut sm = receipt("id:1 stat:UNDELIV");
        sm.push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(
            COctetString::from_str("2a").unwrap(),
        ));
        sm.push_tlv(MessageDeliveryRequestTlvValue::MessageState(
            MessageState::Delivered,
        ));
        assert_eq!(
            parse(&sm).unwrap(),
            Receipt {
                raw_id: "2a".into(),
                status: Some(PartStatus::Delivered)
            }
        );
        assert_eq!(parse(&DeliverSm::builder().build()), None);
    }
}
