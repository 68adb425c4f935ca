//! The MO inbox statements and reassembly of concatenated messages (3GPP TS 23.040 §9.2.3.24.1)
//! from their stored parts.

pub(crate) const INSERT_MO: &str = "INSERT INTO sms_inbox \
     (destination, sender, message, concat_key, part_no, part_count, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const INBOX: &str = "SELECT id, sender, message, concat_key, part_no, part_count, received_at \
     FROM sms_inbox WHERE destination = $1 ORDER BY id LIMIT $2";

pub(crate) const DELETE_MO: &str = "DELETE FROM sms_inbox WHERE id = $1";

/// A row of `sms_inbox`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MoRow {
    pub(crate) id: i64,
    pub(crate) sender: String,
    pub(crate) message: String,
    pub(crate) concat_key: Option<String>,
    pub(crate) part_no: i64,
    pub(crate) part_count: i64,
    pub(crate) received_at: i64,
}

/// Whole messages from inbox rows: single ones as they are, concatenated ones once every part is
/// there, joined in part order. Answers them and the row ids they used.
pub(crate) fn assemble(
    destination: &str,
    rows: Vec<MoRow>,
) -> (Vec<crate::store::sms::ReceivedSms>, Vec<i64>) {
    use crate::store::sms::ReceivedSms;
    let mut out = Vec::new();
    let mut used = Vec::new();
    let mut groups: Vec<(String, Vec<MoRow>)> = Vec::new();
    for row in rows {
        match row.concat_key.clone() {
            None => {
                used.push(row.id);
                out.push((
                    row.id,
                    ReceivedSms {
                        destination: destination.to_owned(),
                        sender: row.sender,
                        message: row.message,
                        received_at_ms: row.received_at,
                    },
                ));
            }
            Some(key) => match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, parts)) => parts.push(row),
                None => groups.push((key, vec![row])),
            },
        }
    }
    for (_, mut parts) in groups {
        parts.sort_by_key(|p| p.part_no);
        parts.dedup_by_key(|p| p.part_no);
        if i64::try_from(parts.len()).ok() != parts.first().map(|p| p.part_count) {
            continue; // still waiting for a part
        }
        used.extend(parts.iter().map(|p| p.id));
        let first = &parts[0];
        let message = ReceivedSms {
            destination: destination.to_owned(),
            sender: first.sender.clone(),
            received_at_ms: first.received_at,
            message: parts.iter().map(|p| p.message.as_str()).collect(),
        };
        out.push((first.id, message));
    }
    out.sort_by_key(|(id, _)| *id);
    (out.into_iter().map(|(_, m)| m).collect(), used)
}
