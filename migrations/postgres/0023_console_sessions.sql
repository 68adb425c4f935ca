-- Operators' console sessions (docs/guides/console.md), kept in the store so that every instance
-- behind a load balancer knows a session another signed in, and a sign-out ends it everywhere.
-- Only the SHA-256 of a session id is kept: a copy of the database signs nobody in.
CREATE TABLE console_sessions (
    id_digest  TEXT    PRIMARY KEY,
    operator   TEXT    NOT NULL,
    csrf       TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
