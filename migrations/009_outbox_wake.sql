-- The relay is woken by the process that committed (outbox.Relay.Wake), not by
-- NOTIFY: PostgreSQL serialises the commits of all transactions that notify
-- (one database-wide lock held through each WAL flush), which made every
-- business transaction wait for the others' disk writes.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
