-- Parts accepted by the SMSC that still wait for their delivery receipt, by the time they were
-- accepted: the periodic reconcile gives those past `[smpp] receipt_wait_secs` a final
-- 'uncertain' without reading the delivered history.
CREATE INDEX sms_outbox_awaiting_receipt ON sms_outbox (updated_at)
    WHERE status = 'submitted' AND receipt = 1;
