-- Fraud rules (docs/guides/fraud.md).

-- What the account rules read, per account: debits and holds this minute, hour and day (each
-- window's key beside its counts), all debits ever (the account's history), and refused debits in
-- the probing window. Bumped in each debit's own transaction, so concurrent debits count each other.
CREATE TABLE fraud_counters (
    account_id    BIGINT PRIMARY KEY REFERENCES accounts (id),
    minute_key    BIGINT NOT NULL DEFAULT 0,
    minute_count  BIGINT NOT NULL DEFAULT 0,
    minute_amount BIGINT NOT NULL DEFAULT 0,
    hour_key      BIGINT NOT NULL DEFAULT 0,
    hour_count    BIGINT NOT NULL DEFAULT 0,
    hour_amount   BIGINT NOT NULL DEFAULT 0,
    day_key       BIGINT NOT NULL DEFAULT 0,
    day_count     BIGINT NOT NULL DEFAULT 0,
    day_amount    BIGINT NOT NULL DEFAULT 0,
    charges       BIGINT NOT NULL DEFAULT 0,
    charged       BIGINT NOT NULL DEFAULT 0,
    refusal_key   BIGINT NOT NULL DEFAULT 0,
    refusals      BIGINT NOT NULL DEFAULT 0
);

-- The app_spread rule: which accounts an application debited in a minute, and how many.
CREATE TABLE fraud_app_accounts (
    actor      TEXT   NOT NULL,
    minute_key BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    PRIMARY KEY (actor, minute_key, account_id)
);
CREATE TABLE fraud_app_minutes (
    actor      TEXT   NOT NULL,
    minute_key BIGINT NOT NULL,
    accounts   BIGINT NOT NULL,
    PRIMARY KEY (actor, minute_key)
);

-- Every flagged, held or refused movement, with the rules that fired (JSON), for review.
CREATE TABLE fraud_decisions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    msisdn         TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    amount         BIGINT NOT NULL,
    currency       TEXT   NOT NULL,
    reference_code TEXT,
    action         TEXT   NOT NULL CHECK (action IN ('flag', 'confirm', 'refuse')),
    fired          TEXT   NOT NULL,
    review         TEXT   NOT NULL DEFAULT 'open' CHECK (review IN ('open', 'cleared', 'fraud')),
    reviewed_by    TEXT,
    review_note    TEXT,
    reviewed_at    BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX fraud_decisions_review ON fraud_decisions (review, id);
CREATE INDEX fraud_decisions_msisdn ON fraud_decisions (msisdn, id);

-- The rule set the admin API last saved (one row); without it, `[fraud]` of the configuration.
CREATE TABLE fraud_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- Charges held for the subscriber's confirmation by SMS: the reservation holding the money, the
-- keyed digest of the code sent, and the application's (actor, reference code), which a retry
-- of the charge finds.
CREATE TABLE charge_confirmations (
    id             TEXT   PRIMARY KEY,
    decision_id    BIGINT NOT NULL REFERENCES fraud_decisions (id),
    msisdn         TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    reference_code TEXT   NOT NULL,
    reservation_id TEXT   NOT NULL,
    amount         BIGINT NOT NULL,
    currency       TEXT   NOT NULL,
    description    TEXT   NOT NULL,
    cap_per_charge BIGINT,
    cap_daily      BIGINT,
    cap_monthly    BIGINT,
    code_digest    TEXT   NOT NULL,
    status         TEXT   NOT NULL CHECK (status IN ('pending', 'confirmed', 'declined', 'expired')),
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX charge_confirmations_reference ON charge_confirmations (actor, reference_code);
CREATE INDEX charge_confirmations_pending ON charge_confirmations (msisdn, status);
