-- Parties, programs, credentials, idempotency and the transactional outbox.
-- Money is NUMERIC everywhere; never a float.

CREATE TABLE parties (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('operator', 'buyer', 'supplier', 'lender')),
    legal_name      text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 300),
    country         text NOT NULL CHECK (country IN ('MX', 'CO')),
    tax_id          text NOT NULL,
    tax_id_warning  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, country, tax_id)
);

CREATE TABLE bank_accounts (
    id            uuid PRIMARY KEY,
    party_id      uuid NOT NULL REFERENCES parties(id),
    currency      text NOT NULL,
    scheme        text NOT NULL CHECK (scheme IN ('CLABE', 'CO_ACCOUNT', 'IBAN')),
    bank_code     text NOT NULL DEFAULT '',
    number        text NOT NULL,
    account_type  text NOT NULL DEFAULT '',
    iban          text NOT NULL DEFAULT '',
    holder_name   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (party_id, scheme, number)
);
CREATE INDEX bank_accounts_party ON bank_accounts (party_id);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    party_id       uuid NOT NULL REFERENCES parties(id),
    email          text NOT NULL,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('operator', 'buyer', 'supplier', 'lender')),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE api_clients (
    id           uuid PRIMARY KEY,
    client_id    text NOT NULL UNIQUE,
    secret_hash  text NOT NULL,
    party_id     uuid NOT NULL REFERENCES parties(id),
    role         text NOT NULL CHECK (role IN ('operator', 'buyer', 'supplier', 'lender')),
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE TABLE programs (
    id                    uuid PRIMARY KEY,
    buyer_id              uuid NOT NULL REFERENCES parties(id),
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency              text NOT NULL,
    reference_index       text NOT NULL,
    max_spread_bps        integer NOT NULL CHECK (max_spread_bps BETWEEN 0 AND 10000),
    day_count             text NOT NULL CHECK (day_count IN ('ACT/360', 'ACT/365')),
    calendar              text NOT NULL CHECK (calendar IN ('MX', 'CO')),
    business_day_rule     text NOT NULL CHECK (business_day_rule IN ('following', 'modified_following')),
    time_zone             text NOT NULL,
    funding_cutoff        time NOT NULL,
    min_days              integer NOT NULL CHECK (min_days >= 1),
    max_tenor_days        integer NOT NULL CHECK (max_tenor_days >= min_days),
    max_invoice_amount    numeric(20, 2) CHECK (max_invoice_amount > 0),
    max_effective_rate    numeric(12, 6) CHECK (max_effective_rate > 0),
    grace_days            integer NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
    created_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (buyer_id, name)
);
CREATE INDEX programs_buyer ON programs (buyer_id);

CREATE TABLE program_suppliers (
    program_id   uuid NOT NULL REFERENCES programs(id),
    supplier_id  uuid NOT NULL REFERENCES parties(id),
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, supplier_id)
);
CREATE INDEX program_suppliers_supplier ON program_suppliers (supplier_id);

CREATE TABLE program_lenders (
    program_id    uuid NOT NULL REFERENCES programs(id),
    lender_id     uuid NOT NULL REFERENCES parties(id),
    credit_limit  numeric(20, 2) NOT NULL CHECK (credit_limit >= 0),
    exposure      numeric(20, 2) NOT NULL DEFAULT 0 CHECK (exposure >= 0),
    enrolled_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, lender_id),
    CHECK (exposure <= credit_limit)
);
CREATE INDEX program_lenders_lender ON program_lenders (lender_id);

-- Idempotency: one row per (caller party, key). The request hash tells a
-- replay from a reuse; state 'pending' tells a concurrent duplicate.
CREATE TABLE idempotency_keys (
    party_id         uuid NOT NULL,
    key              text NOT NULL,
    method           text NOT NULL,
    path             text NOT NULL,
    request_hash     bytea NOT NULL,
    state            text NOT NULL CHECK (state IN ('pending', 'done')),
    response_status  integer,
    response_type    text,
    response_body    bytea,
    locked_until     timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (party_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Transactional outbox. Rows are claimed with FOR UPDATE SKIP LOCKED among all
-- unpublished rows, never by a cursor, so out-of-order commits are not skipped.
CREATE TABLE outbox (
    seq           bigserial PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    subject       text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Consumers record each processed event id here in the same transaction as its effect.
CREATE TABLE consumer_inbox (
    consumer      text NOT NULL,
    event_id      uuid NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Wake the relay at commit instead of waiting for its poll.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cadena_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
