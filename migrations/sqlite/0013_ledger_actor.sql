-- Read scope (POL0002): whether an application moved money on an account is one index probe,
-- however many entries other applications made on it.
CREATE INDEX ledger_account_actor ON ledger (account_id, actor);
