-- getReceivedSms leases the messages it answers: they leave the inbox once the answer carrying
-- them has been handed to the connection in full, and are free again when it was not, or when
-- the lease runs out (a gateway that stopped before settling it).
ALTER TABLE sms_inbox ADD COLUMN lease TEXT;
ALTER TABLE sms_inbox ADD COLUMN leased_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sms_inbox_lease ON sms_inbox (lease) WHERE lease IS NOT NULL;
