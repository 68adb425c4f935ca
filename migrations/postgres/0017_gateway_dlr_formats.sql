-- notify_format gains 'kannel' and 'jasmin': delivery reports to a Kannel- or Jasmin-style dlr-url.
ALTER TABLE sms_outbox DROP CONSTRAINT sms_outbox_notify_format_check;
ALTER TABLE sms_outbox ADD CONSTRAINT sms_outbox_notify_format_check
    CHECK (notify_format IN ('soap', 'json', 'kannel', 'jasmin'));
