//! The statements of [`SmsRoutingStore`](crate::store::sms::routing::SmsRoutingStore) and of
//! `lease_received`, and the pure steps of routing: a message's first word, and the parts of one
//! message put in order.
//!
//! A message is routed once all its parts are stored: every part gets `routed = 1`, its
//! registration and `message_id` (the smallest row id of the message), so everything after
//! routing reads and removes whole messages by `message_id`.

use crate::store::sms::ReceivedSms;

use std::sync::LazyLock;

mod store_impl;

/// A subscription `n` of registration `r`'s application matches the messages routed to `r`: same
/// number, and criteria empty or the registration's keyword.
pub(crate) const SUBSCRIPTION_OF: &str = "n.actor = 'app:' || r.app_id AND n.activation_number = r.short_code \
         AND (n.criteria = '' OR n.criteria = r.keyword)";

pub(crate) const INSERT_REGISTRATION: &str = "INSERT INTO sms_registrations \
     (id, app_id, short_code, keyword, created_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const REGISTRATION: &str = "SELECT id, app_id, short_code, keyword, created_at AS created_at_ms \
     FROM sms_registrations WHERE id = $1";

pub(crate) const ID_TAKEN: &str = "SELECT id FROM sms_registrations WHERE id = $1";

pub(crate) const HOLDER: &str = "SELECT id FROM sms_registrations WHERE short_code = $1 AND keyword = $2";

pub(crate) const ALL_REGISTRATIONS: &str = "SELECT id, app_id, short_code, keyword, created_at AS created_at_ms \
     FROM sms_registrations ORDER BY short_code, keyword, id";

pub(crate) const APP_REGISTRATIONS: &str = "SELECT id, app_id, short_code, keyword, created_at AS created_at_ms \
     FROM sms_registrations WHERE app_id = $1 ORDER BY short_code, keyword, id";

pub(crate) const DELETE_REGISTRATION: &str = "DELETE FROM sms_registrations WHERE id = $1";

/// Messages routed to a removed registration are kept, unrouted.
pub(crate) const UNROUTE: &str = "UPDATE sms_inbox SET registration_id = NULL WHERE registration_id = $1";

/// The keyword registration of the short code wins over its catch-all (`''` sorts first).
pub(crate) const MATCH_REGISTRATION: &str = "SELECT id FROM sms_registrations \
     WHERE short_code = $1 AND (keyword = $2 OR keyword = '') ORDER BY keyword DESC LIMIT 1";

/// Whether a routing pass has work: a single message, or a concatenated one that is complete or
/// waited long enough (`$1`: first part received before). Parts still waiting for their siblings
/// do not count, so they cost no write transaction.
pub(crate) const ANY_ROUTABLE: &str = "SELECT 1 FROM sms_inbox \
     WHERE routed = 0 AND (concat_key IS NULL OR received_at < $1) \
     UNION ALL SELECT 1 FROM (SELECT concat_key FROM sms_inbox \
       WHERE routed = 0 AND concat_key IS NOT NULL GROUP BY concat_key \
       HAVING COUNT(DISTINCT part_no) >= MAX(part_count)) complete \
     LIMIT 1";

/// Unrouted single messages, oldest first. `$1` limit.
pub(crate) const PENDING_SINGLES: &str = "SELECT id, destination, message, part_no \
     FROM sms_inbox WHERE routed = 0 AND concat_key IS NULL ORDER BY id LIMIT $1";

/// Concatenated messages whose every part has arrived, or whose first part arrived before `$2`
/// (routed with what they have). `$1` limit.
pub(crate) const ROUTABLE_GROUPS: &str = "SELECT concat_key FROM sms_inbox \
     WHERE routed = 0 AND concat_key IS NOT NULL GROUP BY concat_key \
     HAVING COUNT(DISTINCT part_no) >= MAX(part_count) OR MIN(received_at) < $2 \
     ORDER BY MIN(id) LIMIT $1";

pub(crate) const PENDING_GROUP: &str = "SELECT id, destination, message, part_no \
     FROM sms_inbox WHERE routed = 0 AND concat_key = $1 ORDER BY part_no, id";

/// A part the SMSC delivered twice.
pub(crate) const DELETE_PART: &str = "DELETE FROM sms_inbox WHERE id = $1";

/// `$1` row, `$2` registration, `$3` message id. Only an unrouted row moves (another instance
/// may have routed it meanwhile).
pub(crate) const ROUTE_PART: &str = "UPDATE sms_inbox SET routed = 1, registration_id = $2, message_id = $3 \
     WHERE id = $1 AND routed = 0";

/// The parts of the oldest `$2` messages routed to registration `$1` that no subscription wants.
pub(crate) static LEASE_ROWS: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT message_id, destination, sender, message, received_at FROM sms_inbox WHERE message_id IN \
       (SELECT i.id FROM sms_inbox i WHERE i.registration_id = $1 AND i.routed = 1 AND i.id = i.message_id \
          AND i.leased_until <= $3 AND NOT EXISTS (SELECT 1 FROM sms_registrations r JOIN sms_notifications n ON ",
        SUBSCRIPTION_OF,
        " WHERE r.id = i.registration_id) ORDER BY i.id LIMIT $2) ORDER BY message_id, part_no",
    ]
    .concat()
});

/// `$1` message, `$2` lease, `$3` until, `$4` now: nothing when a lease still holds it.
pub(crate) const LEASE_MESSAGE: &str = "UPDATE sms_inbox SET lease = $2, leased_until = $3 \
     WHERE message_id = $1 AND leased_until <= $4";

/// A lease's messages were delivered: they leave the inbox.
pub(crate) const DELETE_LEASED: &str = "DELETE FROM sms_inbox WHERE lease = $1";

/// A lease's messages were not delivered: free for the next call.
pub(crate) const RELEASE_LEASED: &str =
    "UPDATE sms_inbox SET lease = NULL, leased_until = 0 WHERE lease = $1";

/// Removes message `$1` for a subscription's push, unless a getReceivedSms lease holds it at `$2`.
pub(crate) const HAND_OVER_MESSAGE: &str =
    "DELETE FROM sms_inbox WHERE message_id = $1 AND leased_until <= $2";

pub(crate) const UNROUTED_COUNT: &str = "SELECT COUNT(*) FROM sms_inbox \
     WHERE routed = 1 AND registration_id IS NULL AND id = message_id";

pub(crate) const UNROUTED_ROWS: &str = "SELECT message_id, destination, sender, message, received_at \
     FROM sms_inbox WHERE message_id IN (SELECT id FROM sms_inbox \
       WHERE routed = 1 AND registration_id IS NULL AND id = message_id ORDER BY id LIMIT $1) \
     ORDER BY message_id, part_no";

/// Routed messages a subscription of format `$1` wants, with where they go. `$2` limit. Only
/// subscriptions of active applications push: a suspended application's messages wait in the
/// inbox until it is resumed, a revoked one's are never pushed.
pub(crate) static DUE_HEADS: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT i.message_id, n.actor, n.correlator, n.callback_data, n.endpoint FROM sms_inbox i \
       JOIN sms_registrations r ON r.id = i.registration_id \
       JOIN applications ap ON ap.id = r.app_id AND ap.status = 'active' \
       JOIN sms_notifications n ON ",
        SUBSCRIPTION_OF,
        " WHERE i.routed = 1 AND i.id = i.message_id AND n.format = $1 ORDER BY i.id LIMIT $2",
    ]
    .concat()
});

pub(crate) const MESSAGE_ROWS: &str = "SELECT message_id, destination, sender, message, received_at \
     FROM sms_inbox WHERE message_id = $1 ORDER BY part_no";

pub(crate) const CORRELATOR_TAKEN: &str =
    "SELECT COUNT(*) FROM sms_notifications WHERE actor = $1 AND correlator = $2";

/// Empty criteria overlap every criteria for the same number (ES 202 391-1 SVC0008).
pub(crate) const OVERLAPPING: &str = "SELECT COUNT(*) FROM sms_notifications \
     WHERE actor = $1 AND activation_number = $2 AND (criteria = $3 OR criteria = '' OR $3 = '')";

pub(crate) const INSERT_NOTIFICATION: &str = "INSERT INTO sms_notifications \
     (actor, correlator, endpoint, activation_number, criteria, format, created_at, callback_data) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const DELETE_NOTIFICATION: &str =
    "DELETE FROM sms_notifications WHERE actor = $1 AND correlator = $2";

/// An unrouted part.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PendingPart {
    pub(crate) id: i64,
    pub(crate) destination: String,
    pub(crate) message: String,
    pub(crate) part_no: i64,
}

/// A part of a routed message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RoutedPart {
    pub(crate) message_id: i64,
    pub(crate) destination: String,
    pub(crate) sender: String,
    pub(crate) message: String,
    pub(crate) received_at: i64,
}

/// The first word of a message, uppercase: what keyword registrations are compared with.
pub(crate) fn first_word(text: &str) -> String {
    text.split_whitespace().next().unwrap_or_default().to_uppercase()
}

/// One part per part number (the first stored wins); answers them in order and the ids of the
/// duplicates.
pub(crate) fn dedup_parts(mut parts: Vec<PendingPart>) -> (Vec<PendingPart>, Vec<i64>) {
    parts.sort_by_key(|p| (p.part_no, p.id));
    let mut kept: Vec<PendingPart> = Vec::with_capacity(parts.len());
    let mut duplicates = Vec::new();
    for part in parts {
        if kept.last().is_some_and(|k| k.part_no == part.part_no) {
            duplicates.push(part.id);
        } else {
            kept.push(part);
        }
    }
    (kept, duplicates)
}

/// Whole messages from routed parts ordered by (message, part): parts joined, the first part's
/// time and sender.
pub(crate) fn whole_messages(rows: Vec<RoutedPart>) -> Vec<(i64, ReceivedSms)> {
    let mut out: Vec<(i64, ReceivedSms)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((id, sms)) if *id == row.message_id => sms.message.push_str(&row.message),
            _ => out.push((
                row.message_id,
                ReceivedSms {
                    destination: row.destination,
                    sender: row.sender,
                    message: row.message,
                    received_at_ms: row.received_at,
                },
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(id: i64, part_no: i64, text: &str) -> PendingPart {
        PendingPart {
            id,
            destination: "1588".into(),
            message: text.into(),
            part_no,
        }
    }

    #[test]
    fn the_first_word_is_compared_uppercase() {
        assert_eq!(first_word("  bal please"), "BAL");
        assert_eq!(first_word("잔액 조회"), "잔액");
        assert_eq!(first_word("Quiz\nA"), "QUIZ");
        assert_eq!(first_word("   "), "");
    }

    #[test]
    fn duplicate_parts_are_dropped_and_order_restored() {
        let (kept, dups) = dedup_parts(vec![part(3, 2, "b"), part(1, 1, "a"), part(5, 2, "b")]);
        assert_eq!(kept.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(dups, [5]);
    }

    #[test]
    fn parts_of_one_message_are_joined() {
        let row = |message_id, message: &str| RoutedPart {
            message_id,
            destination: "1588".into(),
            sender: "8210".into(),
            message: message.into(),
            received_at: message_id,
        };
        let whole = whole_messages(vec![row(1, "ab"), row(1, "cd"), row(7, "x")]);
        assert_eq!(whole.len(), 2);
        assert_eq!((whole[0].0, whole[0].1.message.as_str()), (1, "abcd"));
        assert_eq!(whole[1].1.message, "x");
    }
}
