-- The SMS outbox: one row per (address, part) of an accepted sendSms, written before the
-- requestIdentifier is answered, and the receipts that arrived before their submit_sm_resp.

CREATE TABLE sms_outbox (
    id              BIGSERIAL PRIMARY KEY,
    request_id      TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    sender          TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    part_no         BIGINT  NOT NULL,
    part_count      BIGINT  NOT NULL,
    data_coding     BIGINT  NOT NULL,
    esm_class       BIGINT  NOT NULL,
    body            BYTEA   NOT NULL,
    receipt         BIGINT  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN
                        ('queued', 'sending', 'submitted', 'delivered', 'failed', 'uncertain')),
    smsc_id         TEXT,
    smsc_id_raw     TEXT,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claimed_until   BIGINT,
    error           TEXT,
    -- receiptRequest: where notifySmsDeliveryReceipt goes, once per address when it is final.
    notify_endpoint TEXT,
    notify_correlator TEXT,
    notified        BIGINT  NOT NULL DEFAULT 0,
    notify_after    BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE INDEX sms_outbox_request ON sms_outbox (request_id);
CREATE INDEX sms_outbox_due ON sms_outbox (status, next_attempt_at);
CREATE INDEX sms_outbox_smsc_id ON sms_outbox (smsc_id);
CREATE INDEX sms_outbox_notices ON sms_outbox (notified, notify_after);

-- A delivery receipt whose message id is not known yet (it overtook its submit_sm_resp).
CREATE TABLE sms_early_receipts (
    smsc_id     TEXT    PRIMARY KEY,
    status      TEXT    NOT NULL,
    received_at BIGINT  NOT NULL
);

-- Mobile-originated parts, kept until an application takes them with getReceivedSms; parts of a
-- concatenated message share concat_key and are returned together once all have arrived.
CREATE TABLE sms_inbox (
    id          BIGSERIAL PRIMARY KEY,
    destination TEXT    NOT NULL,
    sender      TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    concat_key  TEXT,
    part_no     BIGINT  NOT NULL,
    part_count  BIGINT  NOT NULL,
    received_at BIGINT  NOT NULL
);

CREATE INDEX sms_inbox_destination ON sms_inbox (destination, id);
