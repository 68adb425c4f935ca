-- Third-party applications, their credentials and service agreements, OAuth tokens, and usage.

CREATE TABLE applications (
    id            TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    owner_contact TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    -- The service agreement document (JSON), checked by the framework before it is written.
    agreement     TEXT    NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- One application may hold several credentials, so secrets rotate without downtime.
CREATE TABLE credentials (
    username      TEXT    PRIMARY KEY,
    app_id        TEXT    NOT NULL REFERENCES applications (id),
    -- AES-256-GCM sealed secret; the key is in the gateway's configuration, never here.
    sealed_secret BYTEA    NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);

CREATE INDEX credentials_app ON credentials (app_id);

-- OAuth 2.0 access tokens, kept only as SHA-256 digests.
CREATE TABLE oauth_tokens (
    token_sha256 TEXT    PRIMARY KEY,
    username     TEXT    NOT NULL REFERENCES credentials (username),
    expires_at   BIGINT NOT NULL
);

CREATE INDEX oauth_tokens_expiry ON oauth_tokens (expires_at);

-- Calls per application, operation and outcome, summed per minute.
CREATE TABLE usage (
    app_id     TEXT    NOT NULL,
    operation  TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    minute     BIGINT NOT NULL,
    currency   TEXT    NOT NULL DEFAULT '',
    calls      BIGINT NOT NULL,
    latency_us BIGINT NOT NULL,
    amount     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, minute, operation, outcome, currency)
);
