-- The audit log is fed from the outbox: each event row carries who caused it,
-- and a single auditor appends the rows to the hash chain in order. Business
-- transactions therefore never wait on the chain lock.
ALTER TABLE outbox ADD COLUMN actor jsonb;
ALTER TABLE outbox ADD COLUMN audited_at timestamptz;
CREATE INDEX outbox_unaudited ON outbox (seq) WHERE audited_at IS NULL;
