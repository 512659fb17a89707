package db_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

func newRunner(t *testing.T) (db.Runner, *atomic.Int32) {
	t.Helper()
	pool, _ := pgtest.NewPool(t)
	if _, err := pool.Exec(context.Background(), "CREATE TABLE runner_t (k int PRIMARY KEY, v text)"); err != nil {
		t.Fatal(err)
	}
	commits := &atomic.Int32{}
	return db.Runner{Pool: pool, Committed: func() { commits.Add(1) }}, commits
}

func count(t *testing.T, r db.Runner) int {
	t.Helper()
	var n int
	if err := r.Pool.QueryRow(context.Background(), "SELECT count(*) FROM runner_t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The runner retries serialization failures and deadlocks from the start,
// up to five attempts, and nothing else.
func TestRunnerRetryPolicy(t *testing.T) {
	t.Parallel()
	r, commits := newRunner(t)
	ctx := context.Background()
	for _, tc := range []struct {
		code     string
		failures int
		calls    int
		ok       bool
	}{
		{"40001", 2, 3, true},  // a serialization failure: run again
		{"40P01", 4, 5, true},  // a deadlock, on the last attempt allowed
		{"40001", 9, 5, false}, // gives up after five attempts
		{"23505", 1, 1, false}, // a unique violation is the caller's to map
	} {
		calls := 0
		before := commits.Load()
		err := r.InTx(ctx, func(tx pgx.Tx) error {
			calls++
			if _, err := tx.Exec(ctx, "INSERT INTO runner_t VALUES ($1, 'x')", 1000+calls); err != nil {
				return err
			}
			if calls <= tc.failures {
				_, err := tx.Exec(ctx, "DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '"+tc.code+"'; END $$")
				return err
			}
			return nil
		})
		var pgErr *pgconn.PgError
		switch {
		case calls != tc.calls:
			t.Errorf("%s × %d: fn ran %d times, want %d", tc.code, tc.failures, calls, tc.calls)
		case tc.ok && err != nil:
			t.Errorf("%s × %d: %v, want success", tc.code, tc.failures, err)
		case !tc.ok && (!errors.As(err, &pgErr) || pgErr.Code != tc.code):
			t.Errorf("%s × %d: %v, want the %s error", tc.code, tc.failures, err, tc.code)
		case tc.ok != (commits.Load() == before+1):
			t.Errorf("%s × %d: Committed called %d times", tc.code, tc.failures, commits.Load()-before)
		}
		_, _ = r.Pool.Exec(ctx, "DELETE FROM runner_t")
	}
}

// InTrips sends BEGIN with the first batch and COMMIT with the last; reads
// queued on a batch are filled when it is sent; a failure rolls back what
// the earlier trips wrote, and a retryable one runs the whole transaction again.
func TestRunnerTrips(t *testing.T) {
	t.Parallel()
	r, commits := newRunner(t)
	ctx := context.Background()

	err := r.InTrips(ctx, func(ctx context.Context, tr *db.Trips) (*db.Batch, error) {
		first := &db.Batch{}
		_, _ = first.Exec(ctx, "INSERT INTO runner_t VALUES (1, 'one'), (2, 'two')")
		var n int
		first.QueueRow("SELECT count(*) FROM runner_t", nil, func(row pgx.Row) error { return row.Scan(&n) })
		if err := tr.Send(ctx, first); err != nil {
			return nil, err
		}
		if n != 2 {
			t.Errorf("the queued read saw %d rows, want the 2 inserted before it", n)
		}
		w := &db.Batch{}
		_, _ = w.Exec(ctx, "INSERT INTO runner_t VALUES ($1, 'three')", 3)
		return w, nil
	})
	if err != nil || count(t, r) != 3 || commits.Load() != 1 {
		t.Fatalf("two trips: err %v, %d rows, %d commits; want nil, 3, 1", err, count(t, r), commits.Load())
	}

	// The second trip fails: the first trip's insert is rolled back.
	err = r.InTrips(ctx, func(ctx context.Context, tr *db.Trips) (*db.Batch, error) {
		first := &db.Batch{}
		_, _ = first.Exec(ctx, "INSERT INTO runner_t VALUES (10, 'ten')")
		if err := tr.Send(ctx, first); err != nil {
			return nil, err
		}
		w := &db.Batch{}
		_, _ = w.Exec(ctx, "INSERT INTO runner_t VALUES (1, 'duplicate')")
		_, _ = w.Exec(ctx, "INSERT INTO runner_t VALUES (11, 'never runs')")
		return w, nil
	})
	if !db.IsUniqueViolation(err, "") || count(t, r) != 3 {
		t.Fatalf("failed second trip: err %v, %d rows; want a unique violation and the 3 rows before", err, count(t, r))
	}

	// A deadlock in the only trip: the whole transaction runs again.
	calls := 0
	err = r.InTrips(ctx, func(ctx context.Context, _ *db.Trips) (*db.Batch, error) {
		calls++
		w := &db.Batch{}
		_, _ = w.Exec(ctx, "INSERT INTO runner_t VALUES (20, 'twenty')")
		if calls == 1 {
			_, _ = w.Exec(ctx, "DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40P01'; END $$")
		}
		return w, nil
	})
	if err != nil || calls != 2 || count(t, r) != 4 {
		t.Fatalf("retried trip: err %v, %d calls, %d rows; want nil, 2, 4", err, calls, count(t, r))
	}
}

// A read queued on a batch that fails before it leaves its variable untouched
// and the batch reports the first error, not a later one.
func TestBatchFirstErrorWins(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	ctx := context.Background()
	got := -1
	err := r.InTrips(ctx, func(ctx context.Context, tr *db.Trips) (*db.Batch, error) {
		b := &db.Batch{}
		_, _ = b.Exec(ctx, "SELECT 1/0")
		b.QueueRow("SELECT 7", nil, func(row pgx.Row) error { return row.Scan(&got) })
		return nil, tr.Send(ctx, b)
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22012" || got != -1 {
		t.Fatalf("err %v, read %d; want division_by_zero and the read not run", err, got)
	}
}
