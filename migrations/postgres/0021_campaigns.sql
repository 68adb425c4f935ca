-- Scheduled bulk messages and the opt-out list (docs/guides/campaigns.md).

-- A campaign: one text to many numbers from a start time, within a daily window of the operator's
-- time zone, at most `rate_per_sec` numbers a second. `fed_at` is the clock time the feeder's
-- allowance was last counted from (NULL outside the window, so it never sends a burst on opening).
CREATE TABLE campaigns (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    sender       TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('scheduled', 'paused', 'cancelled', 'done')),
    start_at     BIGINT  NOT NULL,
    window_from  INTEGER NOT NULL,
    window_to    INTEGER NOT NULL,
    rate_per_sec INTEGER NOT NULL,
    fed_at       BIGINT,
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

-- Each number of a campaign: waiting, sent (its outbox request), or skipped as opted out.
CREATE TABLE campaign_recipients (
    campaign_id TEXT   NOT NULL REFERENCES campaigns (id),
    msisdn      TEXT   NOT NULL,
    status      TEXT   NOT NULL CHECK (status IN ('pending', 'sent', 'opted_out')),
    request_id  TEXT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, msisdn)
);
CREATE INDEX campaign_recipients_status ON campaign_recipients (campaign_id, status);

-- Numbers that texted an opt-out keyword: no campaign sends to them.
CREATE TABLE sms_opt_outs (
    msisdn     TEXT   PRIMARY KEY,
    keyword    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
