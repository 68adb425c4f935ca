-- Account Management (ES 202 391-7): prepaid vouchers and end-user PINs.

-- Vouchers the operator issued in batches. Only the SHA-256 of a voucher code is kept (the code is
-- shown once, when the batch is made); `serial` names the voucher in listings and statements.
-- A voucher is used at most once: the UPDATE that marks it used runs in the same transaction as
-- the ledger credit it pays for.
CREATE TABLE vouchers (
    serial      INTEGER PRIMARY KEY,
    code_sha256 TEXT    NOT NULL UNIQUE,
    batch       TEXT    NOT NULL,
    currency    TEXT    NOT NULL,
    value       INTEGER NOT NULL CHECK (value > 0),
    expires_on  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('unused', 'used')),
    used_by     INTEGER REFERENCES accounts (id),
    used_at     INTEGER,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX vouchers_status ON vouchers (status, serial);

-- The end-user PIN the operator set on an account: SHA-256 over a per-account random salt and the
-- PIN, and the count of wrong PINs in a row (locked out at 5 until the operator clears the PIN).
CREATE TABLE account_pins (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id),
    salt        TEXT    NOT NULL,
    pin_sha256  TEXT    NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    updated_at  INTEGER NOT NULL
) STRICT;
