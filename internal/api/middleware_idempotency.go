package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
)

// idemLease is how long a pending key blocks a duplicate before a crashed
// first attempt may be taken over.
const idemLease = 2 * time.Minute

// idemReplayBody lets a handler store a different body for replays, so a
// secret shown once is never kept in the idempotency table.
const idemReplayBody = "cadena.idem_replay_body"

// idempotent honours Idempotency-Key on a POST: the first response under a
// key is stored with a hash of the request and replayed to any retry with the
// same body; a different body answers 422 and a concurrent duplicate 409.
// Keys are scoped to the caller's party.
func idempotent(pool *pgxpool.Pool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := c.Request().Header.Get("Idempotency-Key")
			if key == "" {
				return next(c)
			}
			if len(key) > 255 || strings.IndexFunc(key, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
				return fail(http.StatusBadRequest, codeIdemKeyMalformed, "Malformed Idempotency-Key",
					"keys are 1 to 255 printable ASCII characters, such as a UUID")
			}
			body, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return jsonError(err)
			}
			c.Request().Body = io.NopCloser(bytes.NewReader(body))
			h := sha256.New()
			for _, part := range []string{c.Request().Method, c.Request().URL.RequestURI(), c.Request().Header.Get(echo.HeaderContentType)} {
				h.Write([]byte(part))
				h.Write([]byte{0})
			}
			h.Write(body)
			hash := h.Sum(nil)
			ctx := c.Request().Context()
			party := actor(c).PartyID

			won, err := claimKey(ctx, pool, party, key, c, hash)
			if err != nil {
				return err
			}
			if !won {
				return replay(ctx, pool, party, key, hash, c)
			}
			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			herr := next(c)
			if herr != nil {
				c.Error(herr) // render the problem now so it is recorded and replayed too
			}
			status := c.Response().Status
			if status >= 500 {
				// a failure on our side must not pin the key: the retry runs afresh
				_, _ = bookkeep(context.WithoutCancel(ctx), pool, "DELETE FROM idempotency_keys WHERE party_id = $1 AND key = $2", party, key)
				return nil
			}
			stored := rec.buf.Bytes()
			if b, ok := c.Get(idemReplayBody).([]byte); ok {
				stored = b
			}
			_, err = bookkeep(context.WithoutCancel(ctx), pool, `UPDATE idempotency_keys SET state = 'done', response_status = $3,
				response_type = $4, response_body = $5 WHERE party_id = $1 AND key = $2`,
				party, key, status, c.Response().Header().Get(echo.HeaderContentType), stored)
			return err
		}
	}
}

// claimKey inserts a pending key, or takes over one whose lease ran out. The
// path is stored escaped: a decoded %00 would be a NUL, which text refuses.
func claimKey(ctx context.Context, pool *pgxpool.Pool, party uuid.UUID, key string, c echo.Context, hash []byte) (bool, error) {
	tag, err := bookkeep(ctx, pool, `INSERT INTO idempotency_keys (party_id, key, method, path, request_hash, state, locked_until)
		VALUES ($1, $2, $3, $4, $5, 'pending', now() + $6::interval) ON CONFLICT DO NOTHING`,
		party, key, c.Request().Method, c.Request().URL.EscapedPath(), hash, strconv.Itoa(int(idemLease.Seconds()))+" seconds")
	if err != nil || tag.RowsAffected() == 1 {
		return err == nil, err
	}
	tag, err = bookkeep(ctx, pool, `UPDATE idempotency_keys SET locked_until = now() + $4::interval
		WHERE party_id = $1 AND key = $2 AND request_hash = $3 AND state = 'pending' AND locked_until < now()`,
		party, key, hash, strconv.Itoa(int(idemLease.Seconds()))+" seconds")
	return err == nil && tag.RowsAffected() == 1, err
}

func replay(ctx context.Context, pool *pgxpool.Pool, party uuid.UUID, key string, hash []byte, c echo.Context) error {
	var (
		stored, body []byte
		state, ctype string
		status       *int
	)
	err := pool.QueryRow(ctx, `SELECT request_hash, state, response_status, coalesce(response_type, ''), coalesce(response_body, ''::bytea)
		FROM idempotency_keys WHERE party_id = $1 AND key = $2`, party, key).Scan(&stored, &state, &status, &ctype, &body)
	if errors.Is(err, pgx.ErrNoRows) { // deleted after a 5xx between our insert and this read
		return fail(http.StatusConflict, codeIdemInProgress, "Request in progress", "retry the request")
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(stored, hash) {
		return fail(http.StatusUnprocessableEntity, codeIdemReused, "Idempotency-Key reused",
			"this key was used with a different request; use a new key for a new request")
	}
	if state != "done" || status == nil {
		return fail(http.StatusConflict, codeIdemInProgress, "Request in progress",
			"a request with this key is still being processed; retry later")
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return c.Blob(*status, ctype, body)
}

// bookkeep writes an idempotency row, in one statement and one round trip.
// The server gives it a pool whose sessions do not wait for their WAL flush
// (db.OpenAsyncCommit): the row is visible to concurrent duplicates at once,
// and the claim is made durable anyway by the business transaction's
// synchronous commit, which flushes the WAL written before it. Only the final
// "done" record can be lost in a crash; the retry then re-runs after the
// lease, and the business rules refuse the repeat (the offer is taken, the
// party exists). This saves two of the three disk flushes a POST would
// otherwise wait for.
func bookkeep(ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) (pgconn.CommandTag, error) {
	return pool.Exec(ctx, sql, args...)
}

// recorder tees the response so it can be stored.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}
