package pricing

import (
	"errors"
	"testing"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

// sentinels is every error a request can end in; the API maps each to a code.
var sentinels = []error{
	ErrUnknownBasis, ErrUnknownRounding, ErrNoCalendar, ErrMaxSpreadAbovePlatform, ErrNegativeSpread,
	ErrSpreadAboveCap, ErrRateOutOfRange, ErrInvalidRateCeiling, ErrAboveRateCeiling, ErrValueDateNotBusinessDay,
	ErrNotAfterValueDate, ErrDiscountNotBelowFace, ErrMissing, ErrMalformedRate, ErrMalformedBps, ErrFieldTooLong,
	money.ErrUnknownCurrency, money.ErrTooManyDecimals, money.ErrNotPositive, money.ErrMalformed,
	calendar.ErrUnknownCalendar, calendar.ErrYearOutOfRange, calendar.ErrMalformedDate, calendar.ErrUnknownConvention,
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func goodRequest() Request {
	return Request{Face: "100000.00", Currency: "MXN", ReferenceRate: "7.12", SpreadBps: "500",
		ValueDate: "2026-11-23", DueDate: "2027-01-22"}
}

func TestParseRequestDefaults(t *testing.T) {
	in, err := ParseRequest(goodRequest())
	if err != nil {
		t.Fatal(err)
	}
	p := in.Program
	if p.Basis != ACT360 || p.Calendar.Name() != "MX" || p.Convention != calendar.Following || p.Rounding != HalfUp ||
		p.MaxSpreadBps != PlatformMaxSpreadBps || p.RateCeiling.Valid {
		t.Errorf("MXN defaults: %+v", p)
	}
	r := goodRequest()
	r.Currency, r.MaxSpreadBps, r.MaxEffectiveRate, r.Rounding, r.Convention = "cop", "300", "25.62", "down", "modified_following"
	in, err = ParseRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	p = in.Program
	if p.Currency != money.COP || p.Basis != ACT365 || p.Calendar.Name() != "CO" || p.MaxSpreadBps != 300 ||
		!p.RateCeiling.Decimal.Equal(dec("0.2562")) || p.Rounding != Down || p.Convention != calendar.ModifiedFollowing {
		t.Errorf("COP: %+v", p)
	}
}

func TestParseRequestReportsEveryField(t *testing.T) {
	_, err := ParseRequest(Request{Face: "12.345", Currency: "MXN", ReferenceRate: "7,12", SpreadBps: "5.5",
		ValueDate: "23/11/2026", Basis: "30/360", Calendar: "AR", Convention: "preceding", Rounding: "up",
		MaxEffectiveRate: "1e2", MaxSpreadBps: "0123456789012345678901234567890123456789012"})
	var fe FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("not FieldErrors: %v", err)
	}
	want := map[string]error{
		"face": money.ErrTooManyDecimals, "reference_rate": ErrMalformedRate, "spread_bps": ErrMalformedBps,
		"value_date": calendar.ErrMalformedDate, "due_date": ErrMissing, "basis": ErrUnknownBasis,
		"calendar": calendar.ErrUnknownCalendar, "convention": calendar.ErrUnknownConvention,
		"rounding": ErrUnknownRounding, "max_effective_rate": ErrMalformedRate, "max_spread_bps": ErrFieldTooLong,
	}
	if len(fe) != len(want) {
		t.Errorf("got %d field errors, want %d: %v", len(fe), len(want), err)
	}
	for _, e := range fe {
		if !errors.Is(e, want[e.Field]) {
			t.Errorf("%s: got %v, want %v", e.Field, e.Err, want[e.Field])
		}
	}
	if !errors.Is(err, ErrUnknownBasis) {
		t.Error("errors.Is does not see through FieldErrors")
	}
	// USD has no default calendar.
	r := goodRequest()
	r.Currency = "USD"
	if _, err := ParseRequest(r); !errors.Is(err, ErrMissing) {
		t.Errorf("USD without calendar: %v", err)
	}
}

// FuzzParseRequest: any text either parses or fails with field errors built
// from known sentinels, never a panic; whatever parses prices or is refused
// with a known sentinel, and every accepted quote adds up.
func FuzzParseRequest(f *testing.F) {
	seeds := []Request{
		goodRequest(),
		{Face: "50000000.00", Currency: "COP", ReferenceRate: "9.25", SpreadBps: "300", ValueDate: "2026-11-23",
			DueDate: "2027-02-21", MaxEffectiveRate: "25.62", Rounding: "half_even"},
		{Face: "0.01", Currency: "usd", ReferenceRate: "100", SpreadBps: "700", ValueDate: "2199-12-31",
			DueDate: "2200-12-31", Calendar: "co", Convention: "modified_following", Basis: "act/365"},
		{Face: "-1", Currency: "MXN", ReferenceRate: "-0.0001", SpreadBps: "-1", ValueDate: "2006-01-01", DueDate: "x"},
		{Face: "1e9", ReferenceRate: "NaN", SpreadBps: "99999999999999999999", MaxSpreadBps: "701"},
	}
	for _, r := range seeds {
		f.Add(r.Face, r.Currency, r.ReferenceRate, r.SpreadBps, r.ValueDate, r.DueDate, r.Basis, r.Calendar,
			r.Convention, r.Rounding, r.MaxSpreadBps, r.MaxEffectiveRate)
	}
	f.Fuzz(func(t *testing.T, face, cur, ref, spread, value, due, basis, cal, conv, rounding, maxSpread, maxEff string) {
		in, err := ParseRequest(Request{Face: face, Currency: cur, ReferenceRate: ref, SpreadBps: spread,
			ValueDate: value, DueDate: due, Basis: basis, Calendar: cal, Convention: conv, Rounding: rounding,
			MaxSpreadBps: maxSpread, MaxEffectiveRate: maxEff})
		if err != nil {
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe) == 0 {
				t.Fatalf("not field errors: %v", err)
			}
			for _, e := range fe {
				if !isSentinel(e) {
					t.Fatalf("field %s: unknown error %v", e.Field, e.Err)
				}
			}
			return
		}
		q, err := Price(in)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("unknown pricing error %v", err)
			}
			return
		}
		if !q.Net.Add(q.Discount).Equal(q.Face) || q.Discount.IsNegative() || money.CheckScale(q.Discount, q.Currency) != nil {
			t.Fatalf("bad quote %+v", q)
		}
	})
}
