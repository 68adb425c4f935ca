-- SMS routing: which application (or the gateway itself) receives the messages handsets send to a
-- short code, chosen by the message's first word; and the applications' startSmsNotification
-- subscriptions (ES 202 391-4 §8.4), by which routed messages are pushed instead of kept.

-- A registration: messages to short_code whose first word is keyword (stored uppercase; '' = every
-- message to the short code no keyword registration takes) go to app_id (NULL = the gateway's own
-- consumers, e.g. an operator balance keyword). '' instead of NULL keeps the pair unique on both
-- backends.
CREATE TABLE sms_registrations (
    id          TEXT    PRIMARY KEY,
    app_id      TEXT    REFERENCES applications (id),
    short_code  TEXT    NOT NULL,
    keyword     TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    UNIQUE (short_code, keyword)
);

CREATE INDEX sms_registrations_app ON sms_registrations (app_id);

-- A received part is first stored unrouted (routed = 0); once every part of its message is there,
-- the message is routed: each part gets routed = 1, the registration it went to (NULL: none
-- matched, kept for the operator) and message_id, the id of the message's first row.
ALTER TABLE sms_inbox ADD COLUMN routed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sms_inbox ADD COLUMN registration_id TEXT;
ALTER TABLE sms_inbox ADD COLUMN message_id BIGINT;

CREATE INDEX sms_inbox_pending ON sms_inbox (routed, concat_key);
CREATE INDEX sms_inbox_registration ON sms_inbox (registration_id, message_id);
CREATE INDEX sms_inbox_message ON sms_inbox (message_id);

-- startSmsNotification: messages routed to the application's registrations for
-- activation_number (and keyword criteria; '' = all of them) are delivered to endpoint as
-- notifySmsReception (format 'soap') or as a OneAPI inbound notification (format 'json').
CREATE TABLE sms_notifications (
    id                BIGSERIAL PRIMARY KEY,
    actor             TEXT    NOT NULL,
    correlator        TEXT    NOT NULL,
    endpoint          TEXT    NOT NULL,
    activation_number TEXT    NOT NULL,
    criteria          TEXT    NOT NULL DEFAULT '',
    format            TEXT    NOT NULL CHECK (format IN ('soap', 'json')),
    created_at        BIGINT  NOT NULL,
    UNIQUE (actor, correlator)
);

CREATE INDEX sms_notifications_number ON sms_notifications (actor, activation_number);
