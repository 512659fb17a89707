-- Approved invoices and credit notes published by buyers, their batches and
-- their status history. Money is NUMERIC; never a float.

CREATE TABLE invoice_batches (
    id              uuid PRIMARY KEY,
    program_id      uuid NOT NULL REFERENCES programs(id),
    buyer_id        uuid NOT NULL REFERENCES parties(id),
    atomic          boolean NOT NULL,
    format          text NOT NULL CHECK (format IN ('json', 'csv')),
    status          text NOT NULL CHECK (status IN ('published', 'partially_published', 'rejected')),
    total_rows      integer NOT NULL CHECK (total_rows >= 0),
    published_rows  integer NOT NULL CHECK (published_rows >= 0),
    rejected_rows   integer NOT NULL CHECK (rejected_rows >= 0),
    created_at      timestamptz NOT NULL
);
CREATE INDEX invoice_batches_buyer ON invoice_batches (buyer_id, id);

-- Credit notes live here too (kind = 'credit_note', credits_invoice_id set) so
-- one partial unique index keeps every electronic invoice id live only once.
-- Batch rows are not foreign keys: the bulk path checks programs and
-- enrolments in one query, and per-row RI triggers would halve its speed.
CREATE TABLE invoices (
    id                  uuid PRIMARY KEY,
    program_id          uuid NOT NULL,
    buyer_id            uuid NOT NULL,
    supplier_id         uuid NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    -- Identifiers, not prose: byte order ("C") makes their unique indexes
    -- cheaper to maintain and probe than the database's locale.
    document_number     text COLLATE "C" NOT NULL CHECK (length(document_number) BETWEEN 1 AND 64),
    einvoice_id         text COLLATE "C" NOT NULL,
    issue_date          date NOT NULL,
    due_date            date,
    currency            text NOT NULL,
    face_amount         numeric(20, 2) NOT NULL CHECK (face_amount > 0),
    netted_amount       numeric(20, 2) NOT NULL DEFAULT 0 CHECK (netted_amount >= 0 AND netted_amount <= face_amount),
    credits_invoice_id  uuid,
    status              text NOT NULL CHECK (status IN ('published', 'offered', 'financed', 'cancelled', 'expired')),
    reference1          text NOT NULL DEFAULT '',
    reference2          text NOT NULL DEFAULT '',
    batch_id            uuid,
    batch_row           integer,
    published_by        text NOT NULL,  -- the token subject: a user or an API client
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT invoices_document_unique UNIQUE (buyer_id, supplier_id, document_number),
    CHECK (kind = 'credit_note' OR due_date IS NOT NULL),
    CHECK ((kind = 'credit_note') = (credits_invoice_id IS NOT NULL))
);
-- Fraud guard: an electronic invoice id is live once on the whole platform.
CREATE UNIQUE INDEX invoices_einvoice_live ON invoices (einvoice_id) WHERE status <> 'cancelled';
-- Keyset listings: a supplier across buyers, a program (buyers, lenders), a batch.
CREATE INDEX invoices_supplier ON invoices (supplier_id, id);
CREATE INDEX invoices_program ON invoices (program_id, id);
CREATE INDEX invoices_batch ON invoices (batch_id, batch_row) WHERE batch_id IS NOT NULL;
CREATE INDEX invoices_credits ON invoices (credits_invoice_id) WHERE credits_invoice_id IS NOT NULL;
-- The expiry sweep looks only at live, financeable invoices.
CREATE INDEX invoices_expiry ON invoices (due_date) WHERE status = 'published' AND kind = 'invoice';

-- Status changes after publication, and nettings. Publication itself is the
-- invoice's created_at, so a 100,000-row batch writes no history rows.
CREATE TABLE invoice_history (
    seq             bigserial PRIMARY KEY,
    invoice_id      uuid NOT NULL REFERENCES invoices(id),
    occurred_at     timestamptz NOT NULL,
    from_status     text NOT NULL,
    to_status       text NOT NULL,
    change          text NOT NULL CHECK (change IN ('status', 'netted')),
    amount          numeric(20, 2),
    credit_note_id  uuid,
    actor           text NOT NULL
);
CREATE INDEX invoice_history_invoice ON invoice_history (invoice_id, seq);

-- Refused rows of a batch; published rows are the invoices with that batch_id.
CREATE TABLE invoice_batch_rejections (
    batch_id  uuid NOT NULL REFERENCES invoice_batches(id),
    row_no    integer NOT NULL,
    errors    jsonb NOT NULL,
    PRIMARY KEY (batch_id, row_no)
);
