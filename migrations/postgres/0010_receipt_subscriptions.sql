-- OneAPI delivery-receipt subscriptions (parlayx-spec §5.2): while an application holds one for a
-- sender, every message it sends from that sender without its own receiptRequest is queued with
-- this endpoint and callbackData (notify_format 'json'), so its notifications take the durable
-- path of a per-message receiptRequest.
--
-- sender: the agreement's sender as the outbox records it (`1588` for `tel:1588`). At most one
-- subscription per (application, sender); a clientCorrelator is unique per application.
CREATE TABLE sms_receipt_subscriptions (
    id                TEXT    NOT NULL PRIMARY KEY,
    actor             TEXT    NOT NULL,
    sender            TEXT    NOT NULL,
    endpoint          TEXT    NOT NULL,
    callback_data     TEXT,
    client_correlator TEXT,
    created_at        BIGINT  NOT NULL,
    UNIQUE (actor, sender),
    UNIQUE (actor, client_correlator)
);
