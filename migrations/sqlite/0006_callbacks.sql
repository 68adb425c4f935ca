-- Callbacks from the gateway to applications (notifySmsDeliveryReceipt, notifySmsReception, REST
-- notifications, account notifications): each one a row, written in the transaction that decides
-- it is due, delivered by the callback sender with retries until it succeeds or its give-up time
-- passes. Every attempt is kept for the operator.

CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    actor           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    endpoint        TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    soap_action     TEXT,
    body            BLOB    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    give_up_at      INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX callbacks_due ON callbacks (status, next_attempt_at);
CREATE INDEX callbacks_actor ON callbacks (actor, id);

CREATE TABLE callback_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    callback_id  INTEGER NOT NULL REFERENCES callbacks (id),
    attempted_at INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    http_status  INTEGER,
    error        TEXT
) STRICT;

CREATE INDEX callback_attempts_callback ON callback_attempts (callback_id, id);
