package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/platform/idempotency"
	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
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
func idempotent(store *idempotencydb.Store) echo.MiddlewareFunc {
	keys := idempotency.New(store)
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
			req := idempotency.Request{Party: actor(c).PartyID, Key: key, Method: c.Request().Method, Path: c.Request().URL.EscapedPath(), Hash: hash}

			won, err := keys.Claim(ctx, req, idemLease)
			if err != nil {
				return err
			}
			if !won {
				return replay(ctx, keys, req, c)
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
				_ = keys.Release(ctx, req) // at worst the key waits out its lease
				return nil
			}
			stored := rec.buf.Bytes()
			if b, ok := c.Get(idemReplayBody).([]byte); ok {
				stored = b
			}
			return keys.Complete(ctx, req, status, c.Response().Header().Get(echo.HeaderContentType), stored)
		}
	}
}

// replay answers a request whose key another attempt holds or finished.
func replay(ctx context.Context, keys *idempotency.Keys, req idempotency.Request, c echo.Context) error {
	st, err := keys.Existing(ctx, req)
	switch {
	case errors.Is(err, idempotency.ErrReleased): // deleted after a 5xx between our insert and this read
		return fail(http.StatusConflict, codeIdemInProgress, "Request in progress", "retry the request")
	case errors.Is(err, idempotency.ErrMismatch):
		return fail(http.StatusUnprocessableEntity, codeIdemReused, "Idempotency-Key reused",
			"this key was used with a different request; use a new key for a new request")
	case errors.Is(err, idempotency.ErrInFlight):
		return fail(http.StatusConflict, codeIdemInProgress, "Request in progress",
			"a request with this key is still being processed; retry later")
	case err != nil:
		return err
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return c.Blob(st.Status, st.ContentType, st.Body)
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
