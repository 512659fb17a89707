// Package authdb is the only place with SQL for login throttling: failed
// logins per key (an account or a client address), shared by every replica.
package authdb

import (
	"context"
	"time"

	"github.com/cadena-finance/cadena/internal/platform/db"
)

// LockedUntil returns the latest lock among keys still running at now, or
// the zero time when none is.
func LockedUntil(ctx context.Context, q db.Querier, keys []string, now time.Time) (time.Time, error) {
	var until *time.Time
	err := q.QueryRow(ctx, `SELECT max(locked_until) FROM login_failures WHERE key = ANY($1) AND locked_until > $2`, keys, now).Scan(&until)
	if err != nil || until == nil {
		return time.Time{}, err
	}
	return *until, nil
}

// Fail counts one failed login for key at now and returns the key's
// failures. A key quiet for window since its last failure and its lock
// starts again from one. One statement, so concurrent failures all count.
func Fail(ctx context.Context, q db.Querier, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := q.QueryRow(ctx, `INSERT INTO login_failures AS f (key, failures, first_at, last_at) VALUES ($1, 1, $2, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN greatest(f.last_at, f.locked_until) <= $3 THEN 1 ELSE f.failures + 1 END,
			first_at = CASE WHEN greatest(f.last_at, f.locked_until) <= $3 THEN $2 ELSE f.first_at END,
			locked_until = CASE WHEN greatest(f.last_at, f.locked_until) <= $3 THEN NULL ELSE f.locked_until END,
			last_at = $2
		RETURNING failures`, key, now, now.Add(-window)).Scan(&n)
	return n, err
}

// Lock locks key until until, never shortening a longer lock.
func Lock(ctx context.Context, q db.Querier, key string, until time.Time) error {
	_, err := q.Exec(ctx, `UPDATE login_failures SET locked_until = greatest(locked_until, $2) WHERE key = $1`, key, until)
	return err
}

// Clear forgets key's failures (after a successful login).
func Clear(ctx context.Context, q db.Querier, key string) error {
	_, err := q.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
	return err
}

// Sweep deletes keys quiet since before: their failures no longer count.
func Sweep(ctx context.Context, q db.Querier, before time.Time) error {
	_, err := q.Exec(ctx, `DELETE FROM login_failures WHERE greatest(last_at, locked_until) < $1`, before)
	return err
}
