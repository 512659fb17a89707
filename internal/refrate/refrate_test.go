package refrate

import (
	"errors"
	"testing"
	"time"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/validation"
)

func TestNewValidates(t *testing.T) {
	now := time.Now()
	r, err := New("tiie_fondeo", "2026-11-20", "7.12", "op", now)
	if err != nil || r.Index != "TIIE_FONDEO" || r.Percent.String() != "7.12" || r.Fraction().String() != "0.0712" {
		t.Fatalf("%+v %v", r, err)
	}
	for _, c := range []struct{ index, date, rate, field string }{
		{"LIBOR", "2026-11-20", "7.12", "index"},
		{"IBR_3M", "2026-13-01", "7.12", "date"},
		{"IBR_3M", "2026-11-20", "7.12345", "rate"},
		{"IBR_3M", "2026-11-20", "-1", "rate"},
		{"IBR_3M", "2026-11-20", "100", "rate"},
		{"IBR_3M", "2026-11-20", "7e1", "rate"},
	} {
		_, err := New(c.index, c.date, c.rate, "op", now)
		var ve validation.Errors
		if !errors.As(err, &ve) || ve[0].Field != c.field {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestCheckFresh(t *testing.T) {
	cal, err := calendar.New("MX", nil)
	if err != nil {
		t.Fatal(err)
	}
	fix := Rate{Index: "TIIE_FONDEO", Date: calendar.Date(2026, 11, 13)} // Friday
	// Monday 16 Nov 2026 is the Revolution holiday: Tue 17 is 1 business day later.
	if err := CheckFresh(fix, calendar.Date(2026, 11, 17), cal, 1); err != nil {
		t.Fatalf("one business day old, over a holiday weekend: %v", err)
	}
	if err := CheckFresh(fix, calendar.Date(2026, 11, 19), cal, 2); !errors.Is(err, ErrStale) {
		t.Fatalf("three business days old with max 2: %v", err)
	}
	if err := CheckFresh(fix, calendar.Date(2026, 11, 12), cal, 5); !errors.Is(err, ErrNone) {
		t.Fatalf("fixing after the value date: %v", err)
	}
}
