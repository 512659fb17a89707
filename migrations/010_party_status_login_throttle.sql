-- A deactivated party's tokens, sessions, logins and NATS bids stop working
-- (internal/app/actors.go); nothing of its history is removed.
ALTER TABLE parties ADD COLUMN deactivated_at timestamptz;

-- Failed logins per account and per client address, shared by every replica
-- (internal/auth/authdb). A row lives until its window lapses; the next
-- failure after that starts it afresh.
CREATE TABLE login_failures (
    key           text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 400),
    failures      integer NOT NULL CHECK (failures > 0),
    first_at      timestamptz NOT NULL,
    last_at       timestamptz NOT NULL,
    locked_until  timestamptz
);
CREATE INDEX login_failures_last ON login_failures (last_at);
