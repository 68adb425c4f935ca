-- Fraud rules (docs/guides/fraud.md).

-- What the account rules read, per account: debits and holds this minute, hour and day (each
-- window's key beside its counts), all debits ever (the account's history), and refused debits in
-- the probing window. Bumped in each debit's own transaction, so concurrent debits count each other.
CREATE TABLE fraud_counters (
    account_id    INTEGER PRIMARY KEY REFERENCES accounts (id),
    minute_key    INTEGER NOT NULL DEFAULT 0,
    minute_count  INTEGER NOT NULL DEFAULT 0,
    minute_amount INTEGER NOT NULL DEFAULT 0,
    hour_key      INTEGER NOT NULL DEFAULT 0,
    hour_count    INTEGER NOT NULL DEFAULT 0,
    hour_amount   INTEGER NOT NULL DEFAULT 0,
    day_key       INTEGER NOT NULL DEFAULT 0,
    day_count     INTEGER NOT NULL DEFAULT 0,
    day_amount    INTEGER NOT NULL DEFAULT 0,
    charges       INTEGER NOT NULL DEFAULT 0,
    charged       INTEGER NOT NULL DEFAULT 0,
    refusal_key   INTEGER NOT NULL DEFAULT 0,
    refusals      INTEGER NOT NULL DEFAULT 0
);

-- The app_spread rule: which accounts an application debited in a minute, and how many.
CREATE TABLE fraud_app_accounts (
    actor      TEXT   NOT NULL,
    minute_key INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (actor, minute_key, account_id)
);
CREATE TABLE fraud_app_minutes (
    actor      TEXT   NOT NULL,
    minute_key INTEGER NOT NULL,
    accounts   INTEGER NOT NULL,
    PRIMARY KEY (actor, minute_key)
);

-- Every flagged, held or refused movement, with the rules that fired (JSON), for review.
CREATE TABLE fraud_decisions (
    id             INTEGER PRIMARY KEY,
    msisdn         TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    amount         INTEGER NOT NULL,
    currency       TEXT   NOT NULL,
    reference_code TEXT,
    action         TEXT   NOT NULL CHECK (action IN ('flag', 'confirm', 'refuse')),
    fired          TEXT   NOT NULL,
    review         TEXT   NOT NULL DEFAULT 'open' CHECK (review IN ('open', 'cleared', 'fraud')),
    reviewed_by    TEXT,
    review_note    TEXT,
    reviewed_at    INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX fraud_decisions_review ON fraud_decisions (review, id);
CREATE INDEX fraud_decisions_msisdn ON fraud_decisions (msisdn, id);

-- The rule set the admin API last saved (one row); without it, `[fraud]` of the configuration.
CREATE TABLE fraud_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at INTEGER  NOT NULL
);

-- Charges held for the subscriber's confirmation by SMS: the reservation holding the money, the
-- keyed digest of the code sent, and the application's (actor, reference code), which a retry
-- of the charge finds.
CREATE TABLE charge_confirmations (
    id             TEXT   PRIMARY KEY,
    decision_id    INTEGER NOT NULL REFERENCES fraud_decisions (id),
    msisdn         TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    reference_code TEXT   NOT NULL,
    reservation_id TEXT   NOT NULL,
    amount         INTEGER NOT NULL,
    currency       TEXT   NOT NULL,
    description    TEXT   NOT NULL,
    cap_per_charge INTEGER,
    cap_daily      INTEGER,
    cap_monthly    INTEGER,
    code_digest    TEXT   NOT NULL,
    status         TEXT   NOT NULL CHECK (status IN ('pending', 'confirmed', 'declined', 'expired')),
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX charge_confirmations_reference ON charge_confirmations (actor, reference_code);
CREATE INDEX charge_confirmations_pending ON charge_confirmations (msisdn, status);
