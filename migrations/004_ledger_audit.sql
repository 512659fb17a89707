-- The double-entry ledger and the hash-chained audit log (docs/ledger.md,
-- docs/audit.md). Both are append-only: a row is never updated or deleted;
-- a correction is a new row. The application's role, cadena_app, is granted
-- no UPDATE or DELETE on them, and triggers refuse it even to the owner.

-- Refuses UPDATE, DELETE and TRUNCATE on an append-only table.
CREATE FUNCTION cadena_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

-- Ledger -------------------------------------------------------------------

-- An account is (owner party, currency, kind); the chart is ledger.AccountKinds.
-- Platform accounts belong to the operator party.
CREATE TABLE ledger_accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party_id    uuid NOT NULL REFERENCES parties(id),
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    kind        text NOT NULL CHECK (kind IN (
                    'buyer_cash', 'buyer_payable_to_lender', 'buyer_payable_to_supplier',
                    'lender_cash', 'lender_discount_income', 'lender_fee_expense',
                    'lender_receivable_from_buyer', 'lender_unearned_discount',
                    'platform_cash', 'platform_fee_income',
                    'supplier_cash', 'supplier_discount_expense', 'supplier_receivable_from_buyer')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (party_id, currency, kind),
    UNIQUE (id, currency)  -- lets journal_lines carry the currency and keep it honest
);

-- An account's kind names its owner's role (platform_* for the operator).
CREATE FUNCTION ledger_account_owner_role() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    want  text := replace(split_part(NEW.kind, '_', 1), 'platform', 'operator');
    got   text;
BEGIN
    SELECT kind INTO got FROM parties WHERE id = NEW.party_id;
    IF got IS DISTINCT FROM want THEN
        RAISE EXCEPTION 'ledger account %: party % is %, not %', NEW.kind, NEW.party_id, coalesce(got, 'missing'), want
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_owner_role';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_accounts_owner_role BEFORE INSERT ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_owner_role();

CREATE TABLE journal_entries (
    id          uuid PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- posting order: the tie-break after at
    kind        text NOT NULL CHECK (kind IN ('funding', 'repayment', 'discount_earned', 'platform_fee', 'reversal', 'adjustment')),
    reference   uuid NOT NULL,
    reverses    uuid UNIQUE REFERENCES journal_entries(id),  -- an entry is reversed at most once
    at          timestamptz NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now(),
    txid        xid8 NOT NULL,  -- the posting transaction; set by trigger
    CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
);
CREATE INDEX journal_entries_reference ON journal_entries (reference);

CREATE TABLE journal_lines (
    entry_id    uuid NOT NULL REFERENCES journal_entries(id),
    line_no     smallint NOT NULL CHECK (line_no > 0),
    account_id  bigint NOT NULL,
    currency    text NOT NULL,
    side        char(1) NOT NULL CHECK (side IN ('D', 'C')),
    amount      numeric(20, 2) NOT NULL CHECK (amount > 0),
    PRIMARY KEY (entry_id, line_no),
    FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency)
);
CREATE INDEX journal_lines_account ON journal_lines (account_id);

-- The posting transaction is stamped, never taken from the caller.
CREATE FUNCTION journal_entry_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := pg_current_xact_id();
    RETURN NEW;
END $$;
CREATE TRIGGER journal_entries_stamp BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entry_stamp();

-- Lines join an entry only in the transaction that posts it, so the balance
-- check at that commit sees every line the entry will ever have.
CREATE FUNCTION journal_line_same_tx() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id AND txid = pg_current_xact_id()) THEN
        RAISE EXCEPTION 'journal entry %: lines may be added only by the transaction that posts it', NEW.entry_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER journal_lines_same_tx BEFORE INSERT ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_line_same_tx();

-- Defence in depth behind ledger.Entry.Validate: at commit, every entry
-- posted in the transaction has two lines or more and debits equal to
-- credits in each currency.
CREATE FUNCTION journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n    integer;
    bad  text;
BEGIN
    SELECT count(*) INTO n FROM journal_lines WHERE entry_id = NEW.id;
    IF n < 2 THEN
        RAISE EXCEPTION 'journal entry % has % lines; at least two are required', NEW.id, n
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    SELECT string_agg(currency || ' ' || diff::text, ', ' ORDER BY currency) INTO bad FROM (
        SELECT currency, sum(CASE side WHEN 'D' THEN amount ELSE -amount END) AS diff
        FROM journal_lines WHERE entry_id = NEW.id GROUP BY currency
    ) s WHERE diff <> 0;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'journal entry % does not balance (debits minus credits: %)', NEW.id, bad
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced();

CREATE TRIGGER ledger_accounts_append_only BEFORE UPDATE OR DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION cadena_append_only();

-- Audit log ----------------------------------------------------------------

-- hash = SHA-256 over the canonical encoding of docs/audit.md, which
-- includes prev_hash. before_state and after_state hold canonical JSON text
-- exactly as hashed (text, not jsonb, which would rewrite it).
CREATE TABLE audit_log (
    seq             bigint PRIMARY KEY CHECK (seq > 0),
    at              timestamptz NOT NULL,
    actor_subject   text NOT NULL,
    actor_party_id  uuid,
    actor_role      text NOT NULL,
    action          text NOT NULL,
    object_type     text NOT NULL,
    object_id       text NOT NULL,
    before_state    text CHECK (before_state IS NULL OR before_state::json IS NOT NULL),
    after_state     text CHECK (after_state IS NULL OR after_state::json IS NOT NULL),
    prev_hash       bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash            bytea NOT NULL UNIQUE CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);

-- The chain head: one row naming the last record. Appends lock it, so
-- concurrent transactions extend the chain one after the other, and verify
-- compares it with the last row to notice deletions from the end.
CREATE TABLE audit_chain_head (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq        bigint NOT NULL,
    hash       bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_chain_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- Every insert must extend the head; the head then moves to it. SECURITY
-- DEFINER because cadena_app may read the head but not update it; the
-- search_path is pinned so a temporary table cannot stand in for the head.
CREATE FUNCTION audit_log_link() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM audit_chain_head FOR UPDATE;
    IF NEW.seq <> head.seq + 1 OR NEW.prev_hash <> head.hash THEN
        -- A concurrent append moved the head: the transaction is retryable.
        RAISE EXCEPTION 'audit_log: record % does not extend the chain head at %', NEW.seq, head.seq
            USING ERRCODE = 'serialization_failure';
    END IF;
    UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_link();

CREATE FUNCTION audit_chain_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> OLD.seq + 1 THEN
        RAISE EXCEPTION 'audit_chain_head moves one record at a time (% to %)', OLD.seq, NEW.seq
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward();
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION cadena_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION cadena_append_only();

-- The application's role -----------------------------------------------------

-- Roles are cluster-wide and many databases share a test server, so the role
-- may exist already (or be created by a concurrent migration). NOLOGIN here;
-- a deployment grants LOGIN and a password, or grants cadena_app to its
-- login role (docs/audit.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cadena_app') THEN
        CREATE ROLE cadena_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;

-- Ordinary DML everywhere, now and for tables later migrations create; then
-- the append-only tables lose UPDATE and DELETE, and the chain head is read-only.
GRANT USAGE ON SCHEMA public TO cadena_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cadena_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cadena_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cadena_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cadena_app;
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_accounts, journal_entries, journal_lines, audit_log FROM cadena_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_head FROM cadena_app;
DO $$
BEGIN
    IF to_regclass('public.schema_version') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.schema_version FROM cadena_app;
    END IF;
END $$;
