// Package idempotency is the one duplicate-request mechanism, over the one
// store (platform/idempotencydb, table idempotency_keys): the API's
// Idempotency-Key middleware and the portal's one-time form keys both claim
// a key with a lease, check the request hash, record or release the result,
// and a duplicate replays the first attempt's result.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
)

// Errors a duplicate meets.
var (
	// ErrReleased: no row under the key; the first attempt failed and released it.
	ErrReleased = errors.New("idempotency key released")
	// ErrMismatch: the key was used with a different request.
	ErrMismatch = errors.New("idempotency key reused with a different request")
	// ErrInFlight: the first attempt still holds the key.
	ErrInFlight = errors.New("idempotency key in flight")
)

// Stored is a finished attempt's result.
type Stored = idempotencydb.Stored

// Request names a key: the caller's party, the key, and what it was used for
// (the API's method and escaped path, or "PORTAL" and the form's path) with
// the hash that tells a replay from a reuse.
type Request struct {
	Party  uuid.UUID
	Key    string
	Method string
	Path   string
	Hash   []byte
}

// Keys runs the mechanism over the store.
type Keys struct{ store *idempotencydb.Store }

// New returns the mechanism over store.
func New(store *idempotencydb.Store) *Keys { return &Keys{store: store} }

// Claim takes the key for lease; false means another attempt holds or finished it.
func (k *Keys) Claim(ctx context.Context, r Request, lease time.Duration) (bool, error) {
	return k.store.Claim(ctx, r.Party, r.Key, r.Method, r.Path, r.Hash, lease)
}

// Existing reads a key another attempt claimed: its result once done, else
// ErrReleased, ErrMismatch or ErrInFlight.
func (k *Keys) Existing(ctx context.Context, r Request) (Stored, error) {
	st, err := k.store.Lookup(ctx, r.Party, r.Key)
	switch {
	case errors.Is(err, idempotencydb.ErrNotFound):
		return Stored{}, ErrReleased
	case err != nil:
		return Stored{}, err
	case !bytes.Equal(st.RequestHash, r.Hash):
		return Stored{}, ErrMismatch
	case !st.Done:
		return Stored{}, ErrInFlight
	}
	return st, nil
}

// Complete records the result that duplicates replay. It runs even when the
// request's context is cancelled: the work it records is done.
func (k *Keys) Complete(ctx context.Context, r Request, status int, contentType string, body []byte) error {
	return k.store.Complete(context.WithoutCancel(ctx), r.Party, r.Key, status, contentType, body)
}

// Release deletes the key after a failed attempt, so a retry runs afresh; at
// worst (the delete fails) the key waits out its lease.
func (k *Keys) Release(ctx context.Context, r Request) error {
	return k.store.Release(context.WithoutCancel(ctx), r.Party, r.Key)
}

// pollEvery is how often Wait reads the key.
const pollEvery = 100 * time.Millisecond

// ErrStillRunning: Wait's deadline passed with the first attempt still running.
var ErrStillRunning = errors.New("the first attempt is still running")

// Wait waits up to deadline for the attempt holding the key to finish, and
// returns its result, ErrReleased, ErrMismatch, ErrStillRunning or ctx's error.
func (k *Keys) Wait(ctx context.Context, r Request, deadline time.Duration) (Stored, error) {
	end := time.Now().Add(deadline)
	for {
		st, err := k.Existing(ctx, r)
		if !errors.Is(err, ErrInFlight) {
			return st, err
		}
		if time.Now().After(end) {
			return Stored{}, ErrStillRunning
		}
		select {
		case <-ctx.Done():
			return Stored{}, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// Form-key runs (the portal): the lease outlasts any publication, and a
// duplicate waits for the first attempt as long as a browser would.
const (
	FormLease = 10 * time.Minute
	FormWait  = 30 * time.Second
)

// FormRequest names a portal form's one-time key: method "PORTAL" and the
// form's path, with the key kept apart from the API's by the form's name.
// The hash covers the form, not its content: the key is minted with the form.
func FormRequest(party uuid.UUID, form, key string) Request {
	h := sha256.Sum256([]byte("PORTAL\x00" + form))
	return Request{Party: party, Key: "portal:" + form + ":" + key, Method: "PORTAL", Path: form, Hash: h[:]}
}

// Once runs fn under r's key once: the first submission runs it and records
// the result it returns (an id), a duplicate waits for and returns that
// result with replayed set. A failed run releases the key, and a duplicate
// waiting on it gets ErrReleased.
func (k *Keys) Once(ctx context.Context, r Request, fn func() (string, error)) (result string, replayed bool, err error) {
	won, err := k.Claim(ctx, r, FormLease)
	if err != nil {
		return "", false, err
	}
	if !won {
		st, err := k.Wait(ctx, r, FormWait)
		return string(st.Body), err == nil, err
	}
	result, err = fn()
	if err != nil {
		_ = k.Release(ctx, r)
		return result, false, err
	}
	return result, false, k.Complete(ctx, r, 200, "text/plain", []byte(result))
}
