-- A payment file (pain.001) as it was built, kept by its message id so it
-- stays retrievable by id and by date whatever state its financings reach
-- afterwards. The bytes are kept, not rebuilt: a file names the parties and
-- accounts as they were when it went to the bank, and one message id must
-- always mean one document. docs/settlement.md.
CREATE TABLE payment_files (
    message_id     text PRIMARY KEY CHECK (length(message_id) BETWEEN 1 AND 35),
    kind           text NOT NULL CHECK (kind IN ('disbursement', 'repayment')),
    execution_date date NOT NULL,
    initiator_id   uuid NOT NULL REFERENCES parties(id),
    payments       integer NOT NULL CHECK (payments > 0),
    document       bytea NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX payment_files_initiator ON payment_files (initiator_id, kind, execution_date);
