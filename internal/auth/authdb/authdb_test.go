package authdb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/auth/authdb"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var (
	t0     = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	window = 15 * time.Minute
)

// TestStore runs every case in one fresh database; each case uses keys of
// its own, so they run in parallel.
func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"FailCountsWithinWindow":       testFailCountsWithinWindow,
		"FailAfterQuietWindowRestarts": testFailAfterQuietWindowRestarts,
		"FailDuringLockKeepsCounting":  testFailDuringLockKeepsCounting,
		"LockNeverShortens":            testLockNeverShortens,
		"LockedUntilLatestRunningLock": testLockedUntilLatestRunningLock,
		"ClearForgets":                 testClearForgets,
		"SweepKeepsRunningLocks":       testSweepKeepsRunningLocks,
		"ConcurrentFailuresAllCount":   testConcurrentFailuresAllCount,
	})
}

func key() string { return "acct:" + uuid.NewString() }

func fail(t *testing.T, pool *pgxpool.Pool, k string, at time.Time) int {
	t.Helper()
	n, err := authdb.Fail(context.Background(), pool, k, at, window)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func lock(t *testing.T, pool *pgxpool.Pool, k string, until time.Time) {
	t.Helper()
	if err := authdb.Lock(context.Background(), pool, k, until); err != nil {
		t.Fatal(err)
	}
}

func lockedUntil(t *testing.T, pool *pgxpool.Pool, now time.Time, keys ...string) time.Time {
	t.Helper()
	u, err := authdb.LockedUntil(context.Background(), pool, keys, now)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func testFailCountsWithinWindow(t *testing.T, pool *pgxpool.Pool) {
	k := key()
	for i := 1; i <= 3; i++ {
		// Each failure comes just inside the window of the one before.
		if n := fail(t, pool, k, t0.Add(time.Duration(i-1)*(window-time.Second))); n != i {
			t.Fatalf("failure %d counted as %d", i, n)
		}
	}
	if n := fail(t, pool, key(), t0); n != 1 {
		t.Fatalf("another key starts at %d, want 1", n)
	}
}

func testFailAfterQuietWindowRestarts(t *testing.T, pool *pgxpool.Pool) {
	k := key()
	fail(t, pool, k, t0)
	fail(t, pool, k, t0.Add(time.Minute))
	// Exactly a window after the last failure is quiet enough.
	if n := fail(t, pool, k, t0.Add(time.Minute+window)); n != 1 {
		t.Fatalf("after a quiet window: %d failures, want 1", n)
	}
	if n := fail(t, pool, k, t0.Add(time.Minute+window+time.Second)); n != 2 {
		t.Fatalf("next failure: %d, want 2", n)
	}
}

func testFailDuringLockKeepsCounting(t *testing.T, pool *pgxpool.Pool) {
	k := key()
	fail(t, pool, k, t0)
	lock(t, pool, k, t0.Add(time.Hour))
	// Long after the last failure but inside the lock: the count goes on.
	if n := fail(t, pool, k, t0.Add(30*time.Minute)); n != 2 {
		t.Fatalf("failure during a lock: %d, want 2", n)
	}
	if got := lockedUntil(t, pool, t0.Add(31*time.Minute), k); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("lock %v, want %v", got, t0.Add(time.Hour))
	}
	// A window after both the lock and the last failure: a fresh start, lock gone.
	if n := fail(t, pool, k, t0.Add(time.Hour+window)); n != 1 {
		t.Fatalf("after the lock lapsed: %d, want 1", n)
	}
	if got := lockedUntil(t, pool, t0.Add(time.Hour+window), k); !got.IsZero() {
		t.Fatalf("restarted key still locked until %v", got)
	}
}

func testLockNeverShortens(t *testing.T, pool *pgxpool.Pool) {
	k := key()
	fail(t, pool, k, t0)
	lock(t, pool, k, t0.Add(2*time.Hour))
	lock(t, pool, k, t0.Add(time.Hour))
	if got := lockedUntil(t, pool, t0, k); !got.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("lock %v after a shorter one, want %v", got, t0.Add(2*time.Hour))
	}
	lock(t, pool, k, t0.Add(3*time.Hour))
	if got := lockedUntil(t, pool, t0, k); !got.Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("lock %v after a longer one, want %v", got, t0.Add(3*time.Hour))
	}
	// Locking a key with no failures records nothing.
	none := key()
	lock(t, pool, none, t0.Add(time.Hour))
	if got := lockedUntil(t, pool, t0, none); !got.IsZero() {
		t.Fatalf("key without failures locked until %v", got)
	}
}

func testLockedUntilLatestRunningLock(t *testing.T, pool *pgxpool.Pool) {
	account, addr, free := key(), "ip:"+uuid.NewString(), key()
	for _, k := range []string{account, addr, free} {
		fail(t, pool, k, t0)
	}
	lock(t, pool, account, t0.Add(10*time.Minute))
	lock(t, pool, addr, t0.Add(time.Hour))
	if got := lockedUntil(t, pool, t0, account, addr, free); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("latest lock %v, want %v", got, t0.Add(time.Hour))
	}
	if got := lockedUntil(t, pool, t0, account, free); !got.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("account's lock %v, want %v", got, t0.Add(10*time.Minute))
	}
	// A lock ending exactly now no longer runs.
	if got := lockedUntil(t, pool, t0.Add(time.Hour), account, addr); !got.IsZero() {
		t.Fatalf("lapsed locks answer %v, want zero", got)
	}
	if got := lockedUntil(t, pool, t0, free); !got.IsZero() {
		t.Fatalf("unlocked key answers %v", got)
	}
}

func testClearForgets(t *testing.T, pool *pgxpool.Pool) {
	k, other := key(), key()
	fail(t, pool, k, t0)
	fail(t, pool, k, t0)
	fail(t, pool, other, t0)
	lock(t, pool, k, t0.Add(time.Hour))
	if err := authdb.Clear(context.Background(), pool, k); err != nil {
		t.Fatal(err)
	}
	if got := lockedUntil(t, pool, t0, k); !got.IsZero() {
		t.Fatalf("cleared key locked until %v", got)
	}
	if n := fail(t, pool, k, t0.Add(time.Second)); n != 1 {
		t.Fatalf("cleared key counts %d, want 1", n)
	}
	if n := fail(t, pool, other, t0.Add(time.Second)); n != 2 {
		t.Fatalf("Clear touched another key: %d, want 2", n)
	}
}

func testSweepKeepsRunningLocks(t *testing.T, pool *pgxpool.Pool) {
	// Sweep is global, so this case works far from the others' instants.
	base := t0.AddDate(-5, 0, 0)
	quiet, locked, recent := key(), key(), key()
	fail(t, pool, quiet, base)
	fail(t, pool, locked, base)
	lock(t, pool, locked, base.Add(2*time.Hour))
	fail(t, pool, recent, base.Add(time.Hour))
	if err := authdb.Sweep(context.Background(), pool, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := pool.Query(context.Background(), "SELECT key FROM login_failures WHERE key = ANY($1) ORDER BY key", []string{quiet, locked, recent})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		left = append(left, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{locked: true, recent: true}
	if len(left) != 2 || !want[left[0]] || !want[left[1]] {
		t.Fatalf("after sweep: %v, want the locked and the recent key", left)
	}
}

func testConcurrentFailuresAllCount(t *testing.T, pool *pgxpool.Pool) {
	k := key()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := authdb.Fail(context.Background(), pool, k, t0.Add(time.Duration(i)*time.Millisecond), window)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fail(t, pool, k, t0.Add(time.Second)); got != n+1 {
		t.Fatalf("after %d concurrent failures the next is %d, want %d", n, got, n+1)
	}
}
