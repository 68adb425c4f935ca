-- Subscriber accounts and their append-only ledger.
-- Amounts are integer minor units of the account's currency; timestamps are ms since the epoch;
-- dates are ISO 8601 text (YYYY-MM-DD), compared as text.

CREATE TABLE accounts (
    id                    INTEGER PRIMARY KEY,
    msisdn                TEXT    NOT NULL UNIQUE,
    status                TEXT    NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
    currency              TEXT    NOT NULL CHECK (length(currency) = 3),
    balance               INTEGER NOT NULL,
    reserved              INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    overdraft_limit       INTEGER NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
    monthly_limit         INTEGER CHECK (monthly_limit >= 0),
    month_key             TEXT    NOT NULL DEFAULT '',
    month_spent           INTEGER NOT NULL DEFAULT 0 CHECK (month_spent >= 0),
    low_balance_threshold INTEGER CHECK (low_balance_threshold >= 0),
    credit_expiry         TEXT,
    notify_receipt        INTEGER NOT NULL DEFAULT 1,
    notify_low_balance    INTEGER NOT NULL DEFAULT 1,
    language              TEXT    NOT NULL DEFAULT 'ko' CHECK (language IN ('ko', 'en')),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    -- The balance never goes below what the overdraft allows (zero by default).
    CHECK (balance + overdraft_limit >= 0)
) STRICT;

CREATE INDEX accounts_status ON accounts (status, id);

CREATE TABLE ledger (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id),
    kind           TEXT    NOT NULL,
    amount         INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL DEFAULT 0,
    balance_after  INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    reference_code TEXT,
    description    TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
) STRICT;

-- Idempotency: one movement per (caller, reference code). NULL codes never collide.
CREATE UNIQUE INDEX ledger_reference ON ledger (actor, reference_code);
CREATE INDEX ledger_account ON ledger (account_id, id);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
