-- notify_format gains 'kannel' and 'jasmin': delivery reports to a Kannel- or Jasmin-style dlr-url. SQLite
-- cannot change a CHECK constraint, so sms_outbox is rebuilt: the same columns in the same order,
-- every row with its id, the AUTOINCREMENT sequence carried over (ids are never reused), and its
-- indexes made again. On a large outbox this migration takes a while (it copies the table once).
CREATE TABLE sms_outbox_new (
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
    notify_endpoint TEXT,
    notify_correlator TEXT,
    notified        INTEGER NOT NULL DEFAULT 0,
    notify_after    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    notify_format   TEXT    NOT NULL DEFAULT 'soap'
                        CHECK (notify_format IN ('soap', 'json', 'kannel', 'jasmin'))
) STRICT;

INSERT INTO sms_outbox_new (id, request_id, actor, sender, address, part_no, part_count,
    data_coding, esm_class, body, receipt, status, smsc_id, smsc_id_raw, attempts,
    next_attempt_at, claimed_until, error, notify_endpoint, notify_correlator, notified,
    notify_after, created_at, updated_at, notify_format)
SELECT id, request_id, actor, sender, address, part_no, part_count,
    data_coding, esm_class, body, receipt, status, smsc_id, smsc_id_raw, attempts,
    next_attempt_at, claimed_until, error, notify_endpoint, notify_correlator, notified,
    notify_after, created_at, updated_at, notify_format
FROM sms_outbox;

-- The sequence may be past the largest id left (rows removed since): keep it.
DELETE FROM sqlite_sequence WHERE name = 'sms_outbox_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'sms_outbox_new', seq FROM sqlite_sequence WHERE name = 'sms_outbox';

DROP TABLE sms_outbox;
ALTER TABLE sms_outbox_new RENAME TO sms_outbox;

CREATE INDEX sms_outbox_request ON sms_outbox (request_id);
CREATE INDEX sms_outbox_smsc_id ON sms_outbox (smsc_id);
CREATE INDEX sms_outbox_pending ON sms_outbox (id) WHERE status IN ('queued', 'sending');
CREATE INDEX sms_outbox_notices_owed ON sms_outbox (notify_format, notify_after) WHERE notified = 0;
CREATE INDEX sms_outbox_awaiting_receipt ON sms_outbox (updated_at)
    WHERE status = 'submitted' AND receipt = 1;
