-- The SMS outbox: one row per (address, part) of an accepted sendSms, written before the
-- requestIdentifier is answered, and the receipts that arrived before their submit_sm_resp.

CREATE TABLE sms_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    sender          TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    part_no         INTEGER NOT NULL,
    part_count      INTEGER NOT NULL,
    data_coding     INTEGER NOT NULL,
    esm_class       INTEGER NOT NULL,
    body            BLOB    NOT NULL,
    receipt         INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN
                        ('queued', 'sending', 'submitted', 'delivered', 'failed', 'uncertain')),
    smsc_id         TEXT,
    smsc_id_raw     TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    error           TEXT,
    -- receiptRequest: where notifySmsDeliveryReceipt goes, once per address when it is final.
    notify_endpoint TEXT,
    notify_correlator TEXT,
    notified        INTEGER NOT NULL DEFAULT 0,
    notify_after    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX sms_outbox_request ON sms_outbox (request_id);
CREATE INDEX sms_outbox_due ON sms_outbox (status, next_attempt_at);
CREATE INDEX sms_outbox_smsc_id ON sms_outbox (smsc_id);
CREATE INDEX sms_outbox_notices ON sms_outbox (notified, notify_after);

-- A delivery receipt whose message id is not known yet (it overtook its submit_sm_resp).
CREATE TABLE sms_early_receipts (
    smsc_id     TEXT    PRIMARY KEY,
    status      TEXT    NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;

-- Mobile-originated parts, kept until an application takes them with getReceivedSms; parts of a
-- concatenated message share concat_key and are returned together once all have arrived.
CREATE TABLE sms_inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT    NOT NULL,
    sender      TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    concat_key  TEXT,
    part_no     INTEGER NOT NULL,
    part_count  INTEGER NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sms_inbox_destination ON sms_inbox (destination, id);
