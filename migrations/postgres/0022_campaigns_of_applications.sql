-- Campaigns scheduled by applications with the Campaigns grant (docs/guides/campaigns.md).

-- The application's clientCorrelator and the fingerprint of its request: a retried request finds
-- the campaign it made, so a network retry never schedules the same numbers twice. Unique per
-- creator; operators' campaigns have none.
ALTER TABLE campaigns ADD COLUMN client_correlator TEXT;
ALTER TABLE campaigns ADD COLUMN client_fingerprint TEXT;
CREATE UNIQUE INDEX campaigns_client_correlator ON campaigns (created_by, client_correlator);

-- An application's campaigns, and the rates of its unfinished ones.
CREATE INDEX campaigns_created_by ON campaigns (created_by, status);
