-- The OneAPI REST binding of SMS.
--
-- notify_format: which wire a delivery-receipt notification is written for. 'soap' rows are
-- notifySmsDeliveryReceipt envelopes; 'json' rows are OneAPI deliveryInfoNotification bodies, and
-- their notify_correlator holds the application's callbackData.
ALTER TABLE sms_outbox ADD COLUMN notify_format TEXT NOT NULL DEFAULT 'soap'
    CHECK (notify_format IN ('soap', 'json'));

CREATE INDEX sms_outbox_notices_format ON sms_outbox (notify_format, notified, notify_after);

-- clientCorrelator: a retried send with the same correlator and the same content is answered with
-- the first request; the same correlator with other content is refused (SVC0005). The key is
-- written in the transaction that queues the message.
CREATE TABLE sms_client_correlators (
    actor             TEXT    NOT NULL,
    client_correlator TEXT    NOT NULL,
    fingerprint       TEXT    NOT NULL,
    request_id        TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (actor, client_correlator)
) STRICT;

-- OneAPI inbound subscriptions carry the application's callbackData beside the subscription's
-- identifier (the correlator); it is echoed in every inboundSMSMessageNotification.
ALTER TABLE sms_notifications ADD COLUMN callback_data TEXT;
