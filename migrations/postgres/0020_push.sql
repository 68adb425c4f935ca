-- Subscriber notices over MQTT push (docs/guides/push.md).

-- The device topic of a number: its alerts go there first.
CREATE TABLE push_topics (
    msisdn     TEXT   PRIMARY KEY REFERENCES accounts (msisdn),
    topic      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Each alert that went by push: published, then confirmed by the device or, past its deadline,
-- sent as SMS (`fallback`); the text and sender are kept for that SMS.
CREATE TABLE push_notices (
    id         TEXT   PRIMARY KEY,
    msisdn     TEXT   NOT NULL,
    topic      TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    text       TEXT   NOT NULL,
    sender     TEXT   NOT NULL,
    status     TEXT   NOT NULL CHECK (status IN ('queued', 'published', 'confirmed', 'fallback')),
    deadline   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX push_notices_waiting ON push_notices (status, deadline);
CREATE INDEX push_notices_msisdn ON push_notices (msisdn, created_at);
