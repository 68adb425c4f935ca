//! An SMS the gateway itself sends (subscriber alerts, a charge's confirmation question, a push
//! notice's fallback): the text encoded and split as any message, one outbox row per part, from
//! the operator's short code, with a receipt asked for.

use crate::store::sms::{NewPart, NewSms};

/// `text` from `sender` to `to` as outbox rows, queued under `actor` (a `gateway:` name, so no
/// application can ask for it). `Err` with the most characters that fit when it needs more than
/// `max_parts` parts.
pub fn gateway_sms(
    actor: &str,
    sender: &str,
    to: &str,
    text: &str,
    max_parts: usize,
) -> Result<NewSms, usize> {
    let bytes = crate::crypto::random_bytes::<12>();
    let request_id = format!(
        "{}-{}",
        actor.trim_start_matches("gateway:"),
        crate::crypto::hex(&bytes)
    );
    let parts = super::encoding::encode(text, max_parts, bytes[0]).map_err(|e| e.max_chars)?;
    let count = i64::try_from(parts.len()).unwrap_or(i64::MAX);
    Ok(NewSms {
        request_id,
        actor: actor.to_owned(),
        sender: sender.trim_start_matches('+').to_owned(),
        receipt: true,
        notify: None,
        notify_format: "soap",
        client_correlator: None,
        parts: (1..)
            .zip(&parts)
            .map(|(part_no, p)| NewPart {
                address: to.to_owned(),
                part_no,
                part_count: count,
                data_coding: i64::from(p.data_coding),
                esm_class: i64::from(p.esm_class),
                body: p.bytes.clone(),
            })
            .collect(),
    })
}
