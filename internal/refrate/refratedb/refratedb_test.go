package refratedb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/refrate/refratedb"
)

var (
	t0  = pgtest.T0
	day = pgtest.Day
)

// index is a fresh index name, so the cases share a database in parallel.
func index() string { return "T_" + uuid.NewString()[:8] }

func rate(idx, date, pct, by string) refrate.Rate {
	return refrate.Rate{Index: idx, Date: day(date), Percent: decimal.RequireFromString(pct), PublishedBy: by, UpdatedAt: t0}
}

func put(t *testing.T, pool *pgxpool.Pool, r refrate.Rate) (bool, *refrate.Rate) {
	t.Helper()
	created, prev, err := refratedb.Put(context.Background(), pool, r)
	if err != nil {
		t.Fatal(err)
	}
	return created, prev
}

func list(t *testing.T, pool *pgxpool.Pool, idx, from, to string, limit int) []refrate.Rate {
	t.Helper()
	got, err := refratedb.List(context.Background(), pool, idx, day(from), day(to), limit)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)

	t.Run("PutNewThenCorrection", func(t *testing.T) {
		t.Parallel()
		idx := index()
		created, prev := put(t, pool, rate(idx, "2026-11-20", "7.1200", "user:a"))
		if !created || prev != nil {
			t.Fatalf("first fixing: created %v, previous %+v", created, prev)
		}
		fix := rate(idx, "2026-11-20", "7.1350", "user:b")
		fix.UpdatedAt = t0.Add(time.Hour)
		created, prev = put(t, pool, fix)
		if created || prev == nil {
			t.Fatalf("correction: created %v, previous %+v", created, prev)
		}
		if prev.Percent.StringFixed(4) != "7.1200" || prev.PublishedBy != "user:a" || !prev.UpdatedAt.Equal(t0) || !prev.Date.Equal(day("2026-11-20")) {
			t.Fatalf("previous %+v", prev)
		}
		got := list(t, pool, idx, "2026-11-01", "2026-11-30", 10)
		if len(got) != 1 || got[0].Percent.StringFixed(4) != "7.1350" || got[0].PublishedBy != "user:b" || !got[0].UpdatedAt.Equal(fix.UpdatedAt) {
			t.Fatalf("after correction %+v", got)
		}
	})

	t.Run("PercentRoundTripsExactly", func(t *testing.T) {
		t.Parallel()
		idx := index()
		for i, pct := range []string{"0", "11.2500", "99.9999", "0.0001"} {
			put(t, pool, rate(idx, day("2026-01-01").AddDate(0, 0, i).Format(time.DateOnly), pct, "user:a"))
		}
		got := list(t, pool, idx, "2026-01-01", "2026-01-04", 10)
		want := []string{"0.0001", "99.9999", "11.2500", "0.0000"} // newest first
		if len(got) != len(want) {
			t.Fatalf("%d fixings, want %d", len(got), len(want))
		}
		for i, w := range want {
			if got[i].Percent.StringFixed(4) != w || !got[i].Percent.Equal(decimal.RequireFromString(w)) {
				t.Fatalf("fixing %d: %s, want %s", i, got[i].Percent, w)
			}
			if got[i].Date.Location() != time.UTC {
				t.Fatalf("date %v not in UTC", got[i].Date)
			}
		}
	})

	t.Run("OutOfRangeRefused", func(t *testing.T) {
		t.Parallel()
		idx := index()
		for _, pct := range []string{"100", "-0.0001"} {
			if _, _, err := refratedb.Put(context.Background(), pool, rate(idx, "2026-11-20", pct, "user:a")); pgtest.Code(err) != "23514" {
				t.Fatalf("rate %s: %v, want a check violation", pct, err)
			}
		}
		if got := list(t, pool, idx, "2026-01-01", "2026-12-31", 10); len(got) != 0 {
			t.Fatalf("refused rates stored: %+v", got)
		}
	})

	t.Run("ListBoundsInclusiveNewestFirstPerIndex", func(t *testing.T) {
		t.Parallel()
		idx, other := index(), index()
		for _, d := range []string{"2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"} {
			put(t, pool, rate(idx, d, "7.0000", "user:a"))
		}
		put(t, pool, rate(other, "2026-11-18", "9.0000", "user:a"))
		got := list(t, pool, idx, "2026-11-17", "2026-11-19", 10)
		if len(got) != 3 || !got[0].Date.Equal(day("2026-11-19")) || !got[2].Date.Equal(day("2026-11-17")) {
			t.Fatalf("bounded list %+v", got)
		}
		for _, r := range got {
			if r.Index != idx {
				t.Fatalf("another index listed: %+v", r)
			}
		}
		if got := list(t, pool, idx, "2026-11-01", "2026-11-30", 2); len(got) != 2 || !got[0].Date.Equal(day("2026-11-20")) || !got[1].Date.Equal(day("2026-11-19")) {
			t.Fatalf("limited list %+v, want the two newest", got)
		}
	})
}

// Two first publications of the same day at once: the second waits on the
// key, then finds the first and is recorded as its correction, not refused
// with the key's unique violation.
func TestPutConcurrentFirstPublications(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	ctx := context.Background()
	idx := index()
	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = first.Rollback(ctx) }()
	if created, _, err := refratedb.Put(ctx, first, rate(idx, "2026-11-20", "7.1200", "op:a")); err != nil || !created {
		t.Fatalf("first Put: created %v, %v", created, err)
	}
	type result struct {
		created bool
		prev    *refrate.Rate
		err     error
	}
	done := make(chan result, 1)
	go func() {
		created, prev, err := refratedb.Put(ctx, pool, rate(idx, "2026-11-20", "7.1300", "op:b"))
		done <- result{created, prev, err}
	}()
	waittest.Until(t, "the second Put waits on the first's key", func() bool {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO reference_rates%'`).Scan(&n)
		return err == nil && n == 1
	})
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := waittest.Receive(t, "the second Put", done)
	if r.err != nil || r.created || r.prev == nil || r.prev.Percent.String() != "7.12" {
		t.Fatalf("second Put: created %v, previous %v, %v; want a correction of 7.12", r.created, r.prev, r.err)
	}
	if got := list(t, pool, idx, "2026-11-20", "2026-11-20", 10); len(got) != 1 || got[0].Percent.String() != "7.13" {
		t.Fatalf("stored %v, want the correction 7.13", got)
	}
}
