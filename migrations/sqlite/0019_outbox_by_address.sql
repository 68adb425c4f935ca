-- What was sent to a number, newest first: the operator console's message search and subscriber
-- page. (What an application sent is read from the newest parts by id, without an index of its
-- own: every index here costs each sendSms part an update.)
CREATE INDEX sms_outbox_address ON sms_outbox (address, id);
