-- The dispatcher's claim walks the rows still in the gateway in id order. Submitted and final rows
-- (nearly all of the table) stay out of this index, so a claim neither scans the outbox's history
-- nor sorts a growing backlog.
CREATE INDEX sms_outbox_pending ON sms_outbox (id) WHERE status IN ('queued', 'sending');
