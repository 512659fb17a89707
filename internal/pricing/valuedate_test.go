package pricing

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the test must not depend on the machine's zoneinfo

	"github.com/cadena-finance/cadena/internal/calendar"
)

func TestValueDate(t *testing.T) {
	cdmx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	mx, _ := calendar.New("MX", nil)
	cutoff := Cutoff{Hour: 14}
	cases := []struct {
		now  time.Time
		want string
		why  string
	}{
		{time.Date(2026, 11, 22, 10, 0, 0, 0, cdmx), "2026-11-23", "Sunday: next business day"},
		{time.Date(2026, 11, 23, 13, 59, 59, 0, cdmx), "2026-11-23", "before the cut-off"},
		{time.Date(2026, 11, 23, 14, 0, 0, 0, cdmx), "2026-11-24", "at the cut-off is late"},
		{time.Date(2026, 11, 13, 9, 0, 0, 0, cdmx), "2026-11-13", "Friday morning"},
		{time.Date(2026, 11, 13, 15, 0, 0, 0, cdmx), "2026-11-17", "Friday late: weekend and Revolution Monday"},
		{time.Date(2026, 11, 16, 9, 0, 0, 0, cdmx), "2026-11-17", "holiday morning"},
		// 03:00 UTC Monday is still Sunday evening in Mexico City (UTC-6).
		{time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), "2026-11-23", "zone decides the day"},
		// 05:30 UTC Tuesday is 23:30 Monday local: after the cut-off.
		{time.Date(2026, 11, 24, 5, 30, 0, 0, time.UTC), "2026-11-24", "late Monday local"},
	}
	for _, c := range cases {
		got, err := ValueDate(c.now, cdmx, cutoff, mx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format(time.DateOnly) != c.want {
			t.Errorf("%s: got %s want %s (%s)", c.now, got.Format(time.DateOnly), c.want, c.why)
		}
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, cdmx)
	if _, err := ValueDate(now, cdmx, Cutoff{Hour: 24}, mx); !errors.Is(err, ErrInvalidCutoff) {
		t.Errorf("cutoff 24:00: %v", err)
	}
	if _, err := ValueDate(now, nil, cutoff, mx); !errors.Is(err, ErrNoTimeZone) {
		t.Errorf("nil zone: %v", err)
	}
	if _, err := ValueDate(now, cdmx, cutoff, nil); !errors.Is(err, ErrNoCalendar) {
		t.Errorf("nil calendar: %v", err)
	}
}

func TestEligible(t *testing.T) {
	v := calendar.Date(2026, 11, 23)
	cases := []struct {
		maturity  time.Time
		min, max  int
		want      error
		rationale string
	}{
		{v.AddDate(0, 0, 60), 5, 180, nil, "inside"},
		{v.AddDate(0, 0, 5), 5, 180, nil, "at the minimum"},
		{v.AddDate(0, 0, 180), 5, 180, nil, "at the maximum"},
		{v.AddDate(0, 0, 4), 5, 180, ErrTenorTooShort, "below the minimum"},
		{v.AddDate(0, 0, 181), 5, 180, ErrTenorTooLong, "above the maximum"},
		{v.AddDate(0, 0, 4000), 1, 0, nil, "no maximum"},
		{v, 0, 0, ErrTenorTooShort, "zero days is never eligible"},
	}
	for _, c := range cases {
		if err := Eligible(v, c.maturity, c.min, c.max); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v want %v", c.rationale, err, c.want)
		}
	}
}
