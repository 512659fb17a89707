// Package idempotencydb is the store of duplicate-request keys
// (idempotency_keys): the API's Idempotency-Key rows and the portal's
// one-time form keys, both run by platform/idempotency. A request claims its
// key, a retry reads the stored response, and the first attempt records or
// releases it.
package idempotencydb

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store writes each row in one statement and one round trip. The server
// gives it a pool whose sessions do not wait for their WAL flush
// (db.OpenAsyncCommit): the row is visible to concurrent duplicates at once,
// and the claim is made durable anyway by the business transaction's
// synchronous commit, which flushes the WAL written before it. Only the final
// "done" record can be lost in a crash; the retry then re-runs after the
// lease, and the business rules refuse the repeat (the offer is taken, the
// party exists, the batch's document numbers are published). This saves two of the three disk flushes a POST would
// otherwise wait for.
type Store struct{ pool *pgxpool.Pool }

// New returns the store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// ErrNotFound: no row under the key (a 5xx released it).
var ErrNotFound = errors.New("idempotency key not found")

// Stored is a key's row as a retry finds it.
type Stored struct {
	RequestHash []byte
	// Done is set once the first attempt's response is recorded.
	Done        bool
	Status      int
	ContentType string
	Body        []byte
}

// Claim inserts a pending key held for lease, or takes over one of the same
// request whose lease ran out; false means another attempt holds or finished
// it. The path is stored escaped: a decoded %00 would be a NUL, which text
// refuses.
func (s *Store) Claim(ctx context.Context, party uuid.UUID, key, method, escapedPath string, hash []byte, lease time.Duration) (bool, error) {
	interval := strconv.Itoa(int(lease.Seconds())) + " seconds"
	tag, err := s.pool.Exec(ctx, `INSERT INTO idempotency_keys (party_id, key, method, path, request_hash, state, locked_until)
		VALUES ($1, $2, $3, $4, $5, 'pending', now() + $6::interval) ON CONFLICT DO NOTHING`,
		party, key, method, escapedPath, hash, interval)
	if err != nil || tag.RowsAffected() == 1 {
		return err == nil, err
	}
	tag, err = s.pool.Exec(ctx, `UPDATE idempotency_keys SET locked_until = now() + $4::interval
		WHERE party_id = $1 AND key = $2 AND request_hash = $3 AND state = 'pending' AND locked_until < now()`,
		party, key, hash, interval)
	return err == nil && tag.RowsAffected() == 1, err
}

// Lookup reads the row under the key, or ErrNotFound.
func (s *Store) Lookup(ctx context.Context, party uuid.UUID, key string) (Stored, error) {
	var (
		st     Stored
		state  string
		status *int
	)
	err := s.pool.QueryRow(ctx, `SELECT request_hash, state, response_status, coalesce(response_type, ''), coalesce(response_body, ''::bytea)
		FROM idempotency_keys WHERE party_id = $1 AND key = $2`, party, key).Scan(&st.RequestHash, &state, &status, &st.ContentType, &st.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return Stored{}, ErrNotFound
	}
	if err != nil {
		return Stored{}, err
	}
	if state == "done" && status != nil {
		st.Done, st.Status = true, *status
	}
	return st, nil
}

// Complete records the response that retries replay.
func (s *Store) Complete(ctx context.Context, party uuid.UUID, key string, status int, contentType string, body []byte) error {
	_, err := s.pool.Exec(ctx, `UPDATE idempotency_keys SET state = 'done', response_status = $3,
		response_type = $4, response_body = $5 WHERE party_id = $1 AND key = $2`,
		party, key, status, contentType, body)
	return err
}

// Release deletes the key, so a retry runs afresh.
func (s *Store) Release(ctx context.Context, party uuid.UUID, key string) error {
	_, err := s.pool.Exec(ctx, "DELETE FROM idempotency_keys WHERE party_id = $1 AND key = $2", party, key)
	return err
}
