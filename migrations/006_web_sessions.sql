-- Portal sessions (docs/portal.md). The browser holds only a random id in an
-- HttpOnly cookie; the row keeps its SHA-256, so a leaked table cannot be
-- replayed as cookies.

CREATE TABLE web_sessions (
    id_hash     bytea PRIMARY KEY,                -- sha256 of the cookie value
    party_id    uuid NOT NULL REFERENCES parties (id),
    role        text NOT NULL,
    subject     text NOT NULL,                    -- user:<id>, as in tokens
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,             -- absolute limit
    last_seen   timestamptz NOT NULL              -- idle limit counts from here
);

CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- A portal form's one-time key: a double-clicked "Publish" publishes once and
-- both clicks land on the same batch.
CREATE TABLE web_submissions (
    party_id    uuid NOT NULL REFERENCES parties (id),
    key         text NOT NULL,
    batch_id    uuid,                              -- null while the first click runs
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (party_id, key)
);
