-- Subscriber accounts and their append-only ledger.
-- Amounts are integer minor units of the account's currency; timestamps are ms since the epoch;
-- dates are ISO 8601 text (YYYY-MM-DD), compared as text, exactly as on SQLite.

CREATE TABLE accounts (
    id                    BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    msisdn                TEXT    NOT NULL UNIQUE,
    status                TEXT    NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
    currency              TEXT    NOT NULL CHECK (length(currency) = 3),
    balance               BIGINT  NOT NULL,
    reserved              BIGINT  NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    overdraft_limit       BIGINT  NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
    monthly_limit         BIGINT  CHECK (monthly_limit >= 0),
    month_key             TEXT    NOT NULL DEFAULT '',
    month_spent           BIGINT  NOT NULL DEFAULT 0 CHECK (month_spent >= 0),
    low_balance_threshold BIGINT  CHECK (low_balance_threshold >= 0),
    credit_expiry         TEXT    CHECK (credit_expiry ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    notify_receipt        BOOLEAN NOT NULL DEFAULT TRUE,
    notify_low_balance    BOOLEAN NOT NULL DEFAULT TRUE,
    language              TEXT    NOT NULL DEFAULT 'ko' CHECK (language IN ('ko', 'en')),
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    -- The balance never goes below what the overdraft allows (zero by default).
    CHECK (balance + overdraft_limit >= 0)
);

CREATE INDEX accounts_status ON accounts (status, id);

CREATE TABLE ledger (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    kind           TEXT   NOT NULL,
    amount         BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL DEFAULT 0,
    balance_after  BIGINT NOT NULL,
    actor          TEXT   NOT NULL,
    reference_code TEXT,
    description    TEXT   NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL
);

-- Idempotency: one movement per (caller, reference code). NULL codes never collide.
CREATE UNIQUE INDEX ledger_reference ON ledger (actor, reference_code);
CREATE INDEX ledger_account ON ledger (account_id, id);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only';
END;
$$;

CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
