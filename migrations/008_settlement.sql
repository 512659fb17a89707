-- Settlement: the two payment legs of every financing, the bank statements
-- (camt.054) uploaded to confirm them, and the scheduler's bookkeeping on
-- financings. Money is NUMERIC; never a float. docs/settlement.md.

-- When the scheduler did what, so each step happens once.
ALTER TABLE financings ADD COLUMN reminded_at timestamptz;
ALTER TABLE financings ADD COLUMN settled_at timestamptz;
-- The scheduler claims open financings in maturity order from this index.
CREATE INDEX financings_open ON financings (maturity, id) WHERE status IN ('accepted', 'funding_instructed', 'funded', 'due');
CREATE INDEX financings_value_date ON financings (value_date, id) WHERE status IN ('accepted', 'funding_instructed');

-- A payment leg: disbursement (lender → supplier, net proceeds, value date)
-- or repayment (buyer → lender, face, maturity). A row is written when the
-- leg is first instructed (a payment file) or confirmed. A leg is paid once,
-- so its confirmation lives on the row: a second, different payment of the
-- same leg is an operator's matter, never a second confirmation.
CREATE TABLE payment_legs (
    financing_id    uuid NOT NULL REFERENCES financings(id),
    leg             text NOT NULL CHECK (leg IN ('disbursement', 'repayment')),
    end_to_end_id   text NOT NULL UNIQUE CHECK (length(end_to_end_id) BETWEEN 1 AND 35),
    debtor_id       uuid NOT NULL REFERENCES parties(id),
    creditor_id     uuid NOT NULL REFERENCES parties(id),
    amount          numeric(20, 2) NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    execution_date  date NOT NULL,
    status          text NOT NULL CHECK (status IN ('instructed', 'confirmed')),
    instructed_at   timestamptz,
    -- The confirmation: who, how, with which bank reference, amount and date.
    source          text CHECK (source IN ('manual', 'camt054')),
    bank_reference  text CHECK (length(bank_reference) BETWEEN 1 AND 140),
    paid_amount     numeric(20, 2),
    paid_on         date,
    statement_id    uuid,
    confirmed_by    text,
    confirmed_at    timestamptz,
    PRIMARY KEY (financing_id, leg),
    CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL AND bank_reference IS NOT NULL AND paid_amount IS NOT NULL AND source IS NOT NULL))
);
CREATE INDEX payment_legs_file ON payment_legs (leg, execution_date, debtor_id);

-- An uploaded camt.054. The same message from the same party again is
-- recorded (duplicate_of) and changes nothing: its entries come out duplicate.
CREATE TABLE bank_statements (
    id                  uuid PRIMARY KEY,
    message_id          text NOT NULL,
    uploaded_by_party   uuid NOT NULL REFERENCES parties(id),
    uploaded_by_subject text NOT NULL,
    uploader_role       text NOT NULL,
    duplicate_of        uuid REFERENCES bank_statements(id),
    created_at          timestamptz NOT NULL
);
CREATE INDEX bank_statements_message ON bank_statements (uploaded_by_party, message_id, created_at);

-- One row per transaction of the statement (or per entry without one), with
-- what matching made of it.
CREATE TABLE bank_statement_entries (
    statement_id    uuid NOT NULL REFERENCES bank_statements(id),
    n               integer NOT NULL,
    line            integer NOT NULL,
    entry_reference text NOT NULL,
    bank_reference  text NOT NULL,
    end_to_end_id   text NOT NULL,
    amount          numeric(23, 5),
    currency        text NOT NULL,
    credit_debit    text NOT NULL,
    status          text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('matched', 'duplicate', 'unmatched', 'mismatched')),
    reason          text NOT NULL,
    financing_id    uuid REFERENCES financings(id),
    leg             text,
    PRIMARY KEY (statement_id, n)
);
-- Operators list what is held for review.
CREATE INDEX bank_statement_entries_review ON bank_statement_entries (statement_id) WHERE outcome IN ('unmatched', 'mismatched');
