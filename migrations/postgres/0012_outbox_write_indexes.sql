-- Fewer indexes on the outbox's write path: every queued part and every change of state pays for
-- each of them. The claim walks sms_outbox_pending (0011), so the (status, next_attempt_at) index
-- serves no statement. Delivery-receipt notices are found through a partial index of the rows that
-- still owe one: a part sent without a receiptRequest is stored with notified = 1 and never enters
-- it.
DROP INDEX sms_outbox_due;
DROP INDEX sms_outbox_notices;
DROP INDEX sms_outbox_notices_format;
CREATE INDEX sms_outbox_notices_owed ON sms_outbox (notify_format, notify_after) WHERE notified = 0;
