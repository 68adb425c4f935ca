-- Subscriber alerts and account monitoring. The alert task reads the ledger after a cursor and
-- queues SMS and callbacks in the transaction that advances it, so each alert is queued once.

-- One row (id = 1): the last ledger id whose alerts were decided.
CREATE TABLE alert_cursor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_id    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Started here, not when the alert task first runs: a charge made before the task's first look
-- still gets its alerts. History before this migration gets none.
INSERT INTO alert_cursor (id, last_id, updated_at) SELECT 1, COALESCE(MAX(id), 0), 0 FROM ledger;

-- Charges refused because the number has no account: pending until the alert task decides,
-- and when the last "not registered" SMS went out (the per-number rate limit).
CREATE TABLE alert_unregistered (
    msisdn          TEXT    PRIMARY KEY,
    pending         INTEGER NOT NULL,
    last_attempt_at INTEGER NOT NULL,
    last_sent_at    INTEGER
) STRICT;

CREATE INDEX alert_unregistered_pending ON alert_unregistered (pending);

-- The credit expiry date an account was last reminded of.
CREATE TABLE alert_expiry (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    expiry     TEXT    NOT NULL
) STRICT;

CREATE INDEX accounts_credit_expiry ON accounts (credit_expiry);

-- Accounts told they are suspended (removed when told they are active again).
CREATE TABLE alert_suspended (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id)
) STRICT;

-- Suspensions older than the alerts are not announced.
INSERT INTO alert_suspended (account_id) SELECT id FROM accounts WHERE status = 'suspended';

-- startAccountNotification: what an application watches on which account.
CREATE TABLE account_monitors (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    actor          TEXT    NOT NULL,
    correlator     TEXT    NOT NULL,
    msisdn         TEXT    NOT NULL,
    criteria       TEXT    NOT NULL CHECK (criteria IN ('charged', 'below_threshold')),
    threshold      INTEGER,
    endpoint       TEXT    NOT NULL,
    interface_name TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX account_monitors_correlator ON account_monitors (actor, correlator);
CREATE INDEX account_monitors_msisdn ON account_monitors (msisdn);

-- Accounts the operator allowed an application to monitor without having charged them.
CREATE TABLE account_monitor_grants (
    app_id     TEXT    NOT NULL REFERENCES applications (id),
    msisdn     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, msisdn)
) STRICT;
