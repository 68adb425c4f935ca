-- What was sent to a number, and what an application sent, newest first: the operator console's
-- message search and the subscriber page read the outbox by these.
CREATE INDEX sms_outbox_address ON sms_outbox (address, id);
CREATE INDEX sms_outbox_actor ON sms_outbox (actor, id);
