//! The MO inbox statement: every received part is stored as it arrives, unrouted; the parts of a
//! concatenated message (3GPP TS 23.040 §9.2.3.24.1) share `concat_key` and are routed together
//! once all are there (`routing`).

pub(crate) const INSERT_MO: &str = "INSERT INTO sms_inbox \
     (destination, sender, message, concat_key, part_no, part_count, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
