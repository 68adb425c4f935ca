-- WS-Security nonces in use, shared by every gateway instance on this database, so a captured
-- UsernameToken is accepted once in the whole cluster and after a restart. The key is the first
-- 128 bits of SHA-256 over the username and the nonce; a row may be reused once it has expired.
CREATE TABLE ws_nonces (
    nonce_key  BLOB   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE INDEX ws_nonces_expiry ON ws_nonces (expires_at);
