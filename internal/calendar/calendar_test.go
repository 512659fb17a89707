package calendar

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func mustNew(t testing.TB, name string, o []Override) *Calendar {
	t.Helper()
	c, err := New(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestWeekendsNeverBusinessDays(t *testing.T) {
	// 2025-07-20 is a Sunday holiday in CO; reopening it must not open a Sunday.
	co := mustNew(t, "CO", []Override{{Date: Date(2025, 7, 20), Remove: true}})
	for d := Date(2025, 1, 1); d.Year() == 2025; d = d.AddDate(0, 0, 1) {
		ok, err := co.IsBusinessDay(d)
		if err != nil {
			t.Fatal(err)
		}
		if wd := d.Weekday(); (wd == time.Saturday || wd == time.Sunday) && ok {
			t.Fatalf("%s (%s) is a business day", d.Format(time.DateOnly), wd)
		}
	}
}

func TestOverrides(t *testing.T) {
	closure := Date(2026, 11, 24) // a Tuesday
	reopened := Date(2026, 11, 16)
	mx := mustNew(t, "MX", []Override{
		{Date: closure, Name: "Cierre extraordinario"},
		{Date: reopened, Remove: true},
		{Date: time.Date(2026, 11, 25, 18, 30, 0, 0, time.FixedZone("CST", -6*3600))},
	})
	if name, ok, _ := mx.IsHoliday(closure); !ok || name != "Cierre extraordinario" {
		t.Errorf("added holiday: %q %v", name, ok)
	}
	if name, ok, _ := mx.IsHoliday(Date(2026, 11, 25)); !ok || name != "Cierre (operador)" {
		t.Errorf("default override name, civil date of a zoned time: %q %v", name, ok)
	}
	if ok, _ := mx.IsBusinessDay(reopened); !ok {
		t.Error("removed holiday still closed")
	}
	hs, _ := mx.Holidays(2026)
	if len(hs) != 11+2-1 {
		t.Errorf("got %d holidays, want 12", len(hs))
	}
	// The shared default is untouched.
	if ok, _ := mustNew(t, "MX", nil).IsBusinessDay(reopened); ok {
		t.Error("override leaked into the default calendar")
	}
	if next, _ := mx.NextBusinessDay(Date(2026, 11, 23)); !next.Equal(Date(2026, 11, 26)) {
		t.Errorf("next after closures = %s", next.Format(time.DateOnly))
	}

	_, err := New("MX", []Override{{Date: closure}, {Date: closure, Remove: true}})
	if !errors.Is(err, ErrConflictingOverride) {
		t.Errorf("conflict: %v", err)
	}
	if _, err := New("MX", []Override{{Date: Date(2006, 5, 2)}}); !errors.Is(err, ErrYearOutOfRange) {
		t.Errorf("out of range override: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New("AR", nil); !errors.Is(err, ErrUnknownCalendar) {
		t.Errorf("unknown: %v", err)
	}
	if c, err := New(" mx ", nil); err != nil || c.Name() != "MX" {
		t.Errorf("name normalising: %v", err)
	}
	mx := mustNew(t, "MX", nil)
	for _, y := range []int{2006, 2201} {
		if _, err := mx.IsBusinessDay(Date(y, 6, 1)); !errors.Is(err, ErrYearOutOfRange) {
			t.Errorf("%d: %v", y, err)
		}
		if _, err := mx.Holidays(y); !errors.Is(err, ErrYearOutOfRange) {
			t.Errorf("%d: %v", y, err)
		}
	}
	if _, err := mx.NextBusinessDay(Date(2200, 12, 31)); !errors.Is(err, ErrYearOutOfRange) {
		t.Errorf("walk off the end: %v", err)
	}
	if first, last := mustNew(t, "CO", nil).Years(); first != 1984 || last != 2200 {
		t.Errorf("CO years %d-%d", first, last)
	}
}

func TestAdjust(t *testing.T) {
	mx := mustNew(t, "MX", nil)
	co := mustNew(t, "CO", nil)
	cases := []struct {
		cal       *Calendar
		in        string
		conv      Convention
		want, why string
	}{
		{mx, "2027-01-22", Following, "2027-01-22", "business day stays"},
		{mx, "2026-11-16", Following, "2026-11-17", "Revolution Monday"},
		{mx, "2026-12-12", Following, "2026-12-14", "Saturday holiday"},
		{mx, "2026-10-31", Following, "2026-11-03", "Sat, Sun, Nov 2"},
		{mx, "2026-10-31", ModifiedFollowing, "2026-10-30", "back into October"},
		{mx, "2026-05-30", ModifiedFollowing, "2026-05-29", "Saturday month end"},
		{mx, "2027-03-27", ModifiedFollowing, "2027-03-29", "next is still March"},
		{co, "2025-06-28", Following, "2025-07-01", "Sat, Sun, double Monday"},
		{co, "2026-02-28", ModifiedFollowing, "2026-02-27", "February month end"},
	}
	for _, c := range cases {
		got, err := c.cal.Adjust(mustDate(t, c.in), c.conv)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format(time.DateOnly) != c.want {
			t.Errorf("%s %s %v = %s, want %s (%s)", c.cal.Name(), c.in, c.conv, got.Format(time.DateOnly), c.want, c.why)
		}
	}
	if _, err := mx.Adjust(Date(2026, 11, 16), Convention(9)); !errors.Is(err, ErrUnknownConvention) {
		t.Errorf("bad convention: %v", err)
	}
}

func TestAddAndCountBusinessDays(t *testing.T) {
	mx := mustNew(t, "MX", nil)
	// Fri 2026-11-13 + 1 skips the weekend and Revolution Monday.
	if d, _ := mx.AddBusinessDays(Date(2026, 11, 13), 1); !d.Equal(Date(2026, 11, 17)) {
		t.Errorf("got %s", d.Format(time.DateOnly))
	}
	if d, _ := mx.AddBusinessDays(Date(2026, 11, 17), -1); !d.Equal(Date(2026, 11, 13)) {
		t.Errorf("got %s", d.Format(time.DateOnly))
	}
	if n, _ := mx.BusinessDaysBetween(Date(2026, 11, 13), Date(2026, 11, 20)); n != 4 {
		t.Errorf("got %d, want 4", n)
	}
	if n, _ := mx.BusinessDaysBetween(Date(2026, 11, 20), Date(2026, 11, 13)); n != -4 {
		t.Errorf("got %d, want -4", n)
	}
}

func TestParseDate(t *testing.T) {
	if d, err := ParseDate("2026-11-23"); err != nil || !d.Equal(Date(2026, 11, 23)) {
		t.Errorf("got %v %v", d, err)
	}
	for _, s := range []string{"", "2026-1-23", "2026-02-30", "23/11/2026", "2026-11-23T00:00:00Z", " 2026-11-23"} {
		if _, err := ParseDate(s); !errors.Is(err, ErrMalformedDate) {
			t.Errorf("%q: %v", s, err)
		}
	}
	if n := DaysBetween(Date(2026, 11, 23), Date(2027, 1, 22)); n != 60 {
		t.Errorf("DaysBetween = %d", n)
	}
	if n := DaysBetween(Date(1984, 1, 1), Date(2200, 12, 31)); n != 217*365+53-1 { // 53 leap days: 2100 and 2200 are not
		t.Errorf("long DaysBetween = %d", n)
	}
}

// Property: over random dates, NextBusinessDay is a business day after d with
// no business day in between, and counting inverts adding.
func TestBusinessDayProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	for _, name := range Names() {
		cal := mustNew(t, name, nil)
		first, last := cal.Years()
		for range 2000 {
			d := Date(first, 1, 1).AddDate(0, 0, r.IntN((last-first)*365))
			next, err := cal.NextBusinessDay(d)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := cal.IsBusinessDay(next); !ok || !next.After(d) {
				t.Fatalf("%s NextBusinessDay(%s) = %s", name, d.Format(time.DateOnly), next.Format(time.DateOnly))
			}
			for x := d.AddDate(0, 0, 1); x.Before(next); x = x.AddDate(0, 0, 1) {
				if ok, _ := cal.IsBusinessDay(x); ok {
					t.Fatalf("%s skipped business day %s", name, x.Format(time.DateOnly))
				}
			}
			n := r.IntN(40)
			to, _ := cal.AddBusinessDays(d, n)
			if got, _ := cal.BusinessDaysBetween(d, to); got != n {
				t.Fatalf("%s count(%s, +%d) = %d", name, d.Format(time.DateOnly), n, got)
			}
			adj, _ := cal.Adjust(d, ModifiedFollowing)
			if ok, _ := cal.IsBusinessDay(adj); !ok || adj.Month() != d.Month() {
				t.Fatalf("%s modified following %s = %s", name, d.Format(time.DateOnly), adj.Format(time.DateOnly))
			}
		}
	}
}

// Run with -race: the lazy per-year tables must be safe to fill concurrently.
func TestConcurrentLookups(t *testing.T) {
	cal := mustNew(t, "CO", []Override{{Date: Date(2030, 3, 4)}})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for y := 2025; y < 2045; y++ {
				if _, err := cal.IsBusinessDay(Date(y, 3, 4+g%3)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestConventionNames(t *testing.T) {
	for _, c := range []Convention{Following, ModifiedFollowing} {
		if got, err := ParseConvention(c.String()); err != nil || got != c {
			t.Errorf("%v round trip: %v %v", c, got, err)
		}
	}
	if _, err := ParseConvention("preceding"); !errors.Is(err, ErrUnknownConvention) {
		t.Errorf("preceding: %v", err)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-23", "2024-02-29", "2025-02-29", "0000-00-00", "9999-12-31", "２０２６-11-23"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedDate) {
				t.Fatalf("%q: foreign error %v", s, err)
			}
			return
		}
		if d.Format(time.DateOnly) != s || !d.Equal(Day(d)) {
			t.Fatalf("%q parsed as %v", s, d)
		}
	})
}

func BenchmarkIsBusinessDay(b *testing.B) {
	mx := mustNew(b, "MX", nil)
	d := Date(2027, 1, 22)
	for b.Loop() {
		if _, err := mx.IsBusinessDay(d); err != nil {
			b.Fatal(err)
		}
	}
}
