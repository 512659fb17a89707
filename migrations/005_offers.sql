-- Lender offers: standing offers (instant quotes), quotes and auction offers,
-- auctions with their bids, and the financings an acceptance creates.
-- Money is NUMERIC; never a float.

ALTER TABLE programs ADD COLUMN auction_window_minutes integer NOT NULL DEFAULT 30
    CHECK (auction_window_minutes BETWEEN 1 AND 1440);

-- A lender's spread per program and tenor bucket. One row per (program, lender):
-- setting it again replaces it.
CREATE TABLE standing_offers (
    program_id   uuid NOT NULL,
    lender_id    uuid NOT NULL,
    status       text NOT NULL CHECK (status IN ('active', 'paused')),
    buckets      jsonb NOT NULL,  -- [{"max_days": 30, "spread_bps": 350}, ...] ascending
    valid_from   timestamptz NOT NULL,
    valid_until  timestamptz NOT NULL CHECK (valid_until > valid_from),
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (program_id, lender_id),
    FOREIGN KEY (program_id, lender_id) REFERENCES program_lenders (program_id, lender_id)
);

CREATE TABLE auctions (
    id              uuid PRIMARY KEY,
    program_id      uuid NOT NULL REFERENCES programs(id),
    supplier_id     uuid NOT NULL REFERENCES parties(id),
    buyer_id        uuid NOT NULL REFERENCES parties(id),
    currency        text NOT NULL,
    status          text NOT NULL CHECK (status IN ('open', 'closed')),
    face            numeric(20, 2) NOT NULL CHECK (face > 0),
    value_date      date NOT NULL,
    max_spread_bps  integer NOT NULL,
    opens_at        timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL CHECK (closes_at > opens_at),
    closed_at       timestamptz,
    winning_lender  uuid,
    winning_offer   uuid,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- The scheduler claims due auctions from this index.
CREATE INDEX auctions_due ON auctions (closes_at) WHERE status = 'open';
CREATE INDEX auctions_supplier ON auctions (supplier_id, id);

CREATE TABLE auction_invoices (
    auction_id  uuid NOT NULL REFERENCES auctions(id),
    invoice_id  uuid NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (auction_id, invoice_id)
);

-- One bid per lender and auction, improved in place; placed_at is when the
-- current spread was bid, so an improvement loses its place in a tie.
CREATE TABLE bids (
    auction_id  uuid NOT NULL REFERENCES auctions(id),
    lender_id   uuid NOT NULL REFERENCES parties(id),
    spread_bps  integer NOT NULL CHECK (spread_bps >= 0),
    placed_at   timestamptz NOT NULL,
    first_at    timestamptz NOT NULL,
    revisions   integer NOT NULL DEFAULT 1,
    PRIMARY KEY (auction_id, lender_id)
);

CREATE TABLE offers (
    id              uuid PRIMARY KEY,
    source          text NOT NULL CHECK (source IN ('quote', 'auction')),
    auction_id      uuid REFERENCES auctions(id),
    program_id      uuid NOT NULL REFERENCES programs(id),
    lender_id       uuid NOT NULL REFERENCES parties(id),
    supplier_id     uuid NOT NULL REFERENCES parties(id),
    buyer_id        uuid NOT NULL REFERENCES parties(id),
    currency        text NOT NULL,
    spread_bps      integer NOT NULL CHECK (spread_bps >= 0),
    reference_index text NOT NULL,
    reference_date  date NOT NULL,
    reference_rate  numeric(12, 6) NOT NULL,
    value_date      date NOT NULL,
    face            numeric(20, 2) NOT NULL CHECK (face > 0),
    discount        numeric(20, 2) NOT NULL CHECK (discount >= 0),
    net             numeric(20, 2) NOT NULL CHECK (net > 0),
    status          text NOT NULL CHECK (status IN ('open', 'accepted', 'expired', 'superseded')),
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK (face = discount + net),
    CHECK ((source = 'auction') = (auction_id IS NOT NULL))
);
CREATE INDEX offers_supplier ON offers (supplier_id, id);
CREATE INDEX offers_lender ON offers (lender_id, id);
-- The expiry sweep looks only at open offers.
CREATE INDEX offers_open_expiry ON offers (expires_at) WHERE status = 'open';

CREATE TABLE offer_lines (
    offer_id    uuid NOT NULL REFERENCES offers(id),
    invoice_id  uuid NOT NULL REFERENCES invoices(id),
    face        numeric(20, 2) NOT NULL CHECK (face > 0),
    discount    numeric(20, 2) NOT NULL CHECK (discount >= 0),
    net         numeric(20, 2) NOT NULL,
    due_date    date NOT NULL,
    maturity    date NOT NULL,
    days        integer NOT NULL CHECK (days > 0),
    PRIMARY KEY (offer_id, invoice_id),
    CHECK (face = discount + net)
);
-- Superseding siblings finds the open offers on an invoice.
CREATE INDEX offer_lines_invoice ON offer_lines (invoice_id);

-- One row per financed invoice. The statuses after 'accepted' belong to
-- settlement; they are declared now so the CHECK never has to be widened.
CREATE TABLE financings (
    id               uuid PRIMARY KEY,
    offer_id         uuid NOT NULL REFERENCES offers(id),
    invoice_id       uuid NOT NULL REFERENCES invoices(id),
    program_id       uuid NOT NULL REFERENCES programs(id),
    lender_id        uuid NOT NULL REFERENCES parties(id),
    supplier_id      uuid NOT NULL REFERENCES parties(id),
    buyer_id         uuid NOT NULL REFERENCES parties(id),
    currency         text NOT NULL,
    face             numeric(20, 2) NOT NULL CHECK (face > 0),
    discount         numeric(20, 2) NOT NULL CHECK (discount >= 0),
    net              numeric(20, 2) NOT NULL CHECK (net > 0),
    spread_bps       integer NOT NULL,
    reference_index  text NOT NULL,
    reference_date   date NOT NULL,
    reference_rate   numeric(12, 6) NOT NULL,
    value_date       date NOT NULL,
    maturity         date NOT NULL CHECK (maturity > value_date),
    status           text NOT NULL CHECK (status IN ('accepted', 'funding_instructed', 'funded', 'due', 'repaid', 'funding_failed', 'overdue')),
    accepted_at      timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (face = discount + net)
);
-- The last line of defence against double funding: one live financing per invoice.
CREATE UNIQUE INDEX financings_live_invoice ON financings (invoice_id) WHERE status <> 'funding_failed';
CREATE INDEX financings_lender ON financings (lender_id, id);
CREATE INDEX financings_supplier ON financings (supplier_id, id);
CREATE INDEX financings_buyer ON financings (buyer_id, id);
CREATE INDEX financings_offer ON financings (offer_id);

-- What the platform's notifier consumer derives from events, per party (the
-- portal's inbox). (party_id, event_id, kind) is unique, and the consumer
-- records each event in consumer_inbox in the same transaction, so a
-- redelivered event changes nothing.
CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    party_id    uuid NOT NULL REFERENCES parties(id),
    event_id    uuid NOT NULL,
    kind        text NOT NULL,
    subject_id  uuid NOT NULL,  -- the offer or auction the notice is about
    created_at  timestamptz NOT NULL,
    UNIQUE (party_id, event_id, kind)
);
CREATE INDEX notifications_party ON notifications (party_id, id);
