package calendardb_test

import (
	"context"
	"testing"
	"time"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/calendar/calendardb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var day = pgtest.Day

func overrides(t *testing.T, q db.Querier, name string) []calendar.Override {
	t.Helper()
	got, err := calendardb.Overrides(context.Background(), q, name)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func put(t *testing.T, q db.Querier, name string, o calendar.Override) {
	t.Helper()
	if err := calendardb.Put(context.Background(), q, name, o, "user:op"); err != nil {
		t.Fatal(err)
	}
}

// Overrides are per calendar and there are only two calendars, so the
// cases share one database and run in order.
func TestOverrides(t *testing.T) {
	ctx := context.Background()
	pool, _ := pgtest.NewPool(t)

	t.Run("PutListsInDateOrderPerCalendar", func(t *testing.T) {
		put(t, pool, "MX", calendar.Override{Date: day("2026-12-24"), Name: "Nochebuena"})
		put(t, pool, "MX", calendar.Override{Date: day("2026-03-16"), Remove: true})
		put(t, pool, "CO", calendar.Override{Date: day("2026-07-01"), Name: "Cierre"})
		got := overrides(t, pool, "MX")
		want := []calendar.Override{{Date: day("2026-03-16"), Remove: true}, {Date: day("2026-12-24"), Name: "Nochebuena"}}
		if len(got) != len(want) {
			t.Fatalf("MX overrides %+v, want %+v", got, want)
		}
		for i := range want {
			if !got[i].Date.Equal(want[i].Date) || got[i].Date.Location() != time.UTC || got[i].Name != want[i].Name || got[i].Remove != want[i].Remove {
				t.Fatalf("MX override %d: %+v, want %+v (dates in UTC)", i, got[i], want[i])
			}
		}
		if co := overrides(t, pool, "CO"); len(co) != 1 || !co[0].Date.Equal(day("2026-07-01")) {
			t.Fatalf("CO overrides %+v", co)
		}
	})

	t.Run("PutReplacesTheDay", func(t *testing.T) {
		put(t, pool, "MX", calendar.Override{Date: day("2026-12-24"), Remove: true})
		var by string
		if err := pool.QueryRow(ctx, "SELECT updated_by FROM calendar_overrides WHERE calendar = 'MX' AND day = '2026-12-24'").Scan(&by); err != nil {
			t.Fatal(err)
		}
		got := overrides(t, pool, "MX")
		if len(got) != 2 || !got[1].Remove || got[1].Name != "" || by != "user:op" {
			t.Fatalf("after replacing 2026-12-24: %+v (by %q)", got, by)
		}
	})

	t.Run("UnknownCalendarRefused", func(t *testing.T) {
		err := calendardb.Put(ctx, pool, "US", calendar.Override{Date: day("2026-07-04")}, "user:op")
		if pgtest.Code(err) != "23514" {
			t.Fatalf("put on calendar US: %v, want a check violation", err)
		}
		if got := overrides(t, pool, "US"); len(got) != 0 {
			t.Fatalf("US overrides %+v", got)
		}
	})

	t.Run("DeleteReportsWhetherThereWasOne", func(t *testing.T) {
		ok, err := calendardb.Delete(ctx, pool, "MX", day("2026-03-16"))
		if err != nil || !ok {
			t.Fatalf("delete: %v, %v", ok, err)
		}
		ok, err = calendardb.Delete(ctx, pool, "MX", day("2026-03-16"))
		if err != nil || ok {
			t.Fatalf("second delete: %v, %v; want false", ok, err)
		}
		// The day argument may be the wire's string too.
		ok, err = calendardb.Delete(ctx, pool, "CO", "2026-07-01")
		if err != nil || !ok {
			t.Fatalf("delete by string: %v, %v", ok, err)
		}
		if got := overrides(t, pool, "MX"); len(got) != 1 || !got[0].Date.Equal(day("2026-12-24")) {
			t.Fatalf("MX after delete %+v", got)
		}
		if got := overrides(t, pool, "CO"); len(got) != 0 {
			t.Fatalf("CO after delete %+v", got)
		}
	})
}
