-- Callbacks from the gateway to applications (notifySmsDeliveryReceipt, notifySmsReception, REST
-- notifications, account notifications): each one a row, written in the transaction that decides
-- it is due, delivered by the callback sender with retries until it succeeds or its give-up time
-- passes. Every attempt is kept for the operator.

CREATE TABLE callbacks (
    id              BIGSERIAL PRIMARY KEY,
    actor           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    endpoint        TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    soap_action     TEXT,
    body            BYTEA   NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claimed_until   BIGINT,
    give_up_at      BIGINT  NOT NULL,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE INDEX callbacks_due ON callbacks (status, next_attempt_at);
CREATE INDEX callbacks_actor ON callbacks (actor, id);

CREATE TABLE callback_attempts (
    id           BIGSERIAL PRIMARY KEY,
    callback_id  BIGINT  NOT NULL REFERENCES callbacks (id),
    attempted_at BIGINT  NOT NULL,
    duration_ms  BIGINT  NOT NULL,
    http_status  BIGINT,
    error        TEXT
);

CREATE INDEX callback_attempts_callback ON callback_attempts (callback_id, id);
