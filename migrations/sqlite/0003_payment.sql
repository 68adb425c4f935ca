-- Reservations, application spend counters and the volume tariff.

-- Money set aside on an account for an application (Parlay X ReserveAmount/VolumeCharging).
-- The held amount is also in accounts.reserved; both change in the same transaction.
CREATE TABLE reservations (
    id          TEXT    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    actor       TEXT    NOT NULL,
    currency    TEXT    NOT NULL,
    held        INTEGER NOT NULL CHECK (held >= 0),
    charged     INTEGER NOT NULL DEFAULT 0 CHECK (charged >= 0),
    status      TEXT    NOT NULL CHECK (status IN ('open', 'released', 'expired')),
    description TEXT    NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX reservations_open ON reservations (status, expires_at);

-- What each application charged all subscribers together, per day and per month
-- (period 'D:YYYY-MM-DD' or 'M:YYYY-MM' in the operator's zone), for the agreement's spend caps.
CREATE TABLE app_spend (
    actor    TEXT    NOT NULL,
    currency TEXT    NOT NULL,
    period   TEXT    NOT NULL,
    spent    INTEGER NOT NULL CHECK (spent >= 0),
    PRIMARY KEY (actor, currency, period)
) STRICT;

-- Prices for volume charging and charging codes: amount = volume x unit_price.
CREATE TABLE tariffs (
    code        TEXT    PRIMARY KEY,
    currency    TEXT    NOT NULL,
    unit_price  INTEGER NOT NULL CHECK (unit_price > 0),
    description TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
) STRICT;
