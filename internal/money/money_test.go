package money

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	cases := []struct {
		in   string
		want string
		err  error
	}{
		{"1250.00", "1250", nil},
		{"0.01", "0.01", nil},
		{"1250.001", "", ErrTooManyDecimals},
		{"1250.100", "1250.1", nil},
		{"1e3", "", ErrMalformed},
		{"", "", ErrMalformed},
		{"1,000.00", "", ErrMalformed},
		{"abc", "", ErrMalformed},
		{" 1250.00", "", ErrMalformed},
		{"1250.00 ", "", ErrMalformed},
		{"+1", "", ErrMalformed},
		{".5", "", ErrMalformed},
		{"5.", "", ErrMalformed},
		{"1e3", "", ErrMalformed},
		{"1\x0050", "", ErrMalformed},
		{"999999999999999.99", "999999999999999.99", nil},
		{"1000000000000000.00", "", ErrTooLarge},
		{"9999999999999999999", "", ErrTooLarge},
		{"1.00000000000", "", ErrTooManyDecimals},
	}
	for _, c := range cases {
		got, err := ParseAmount(c.in, MXN)
		if !errors.Is(err, c.err) {
			t.Fatalf("%q: err %v, want %v", c.in, err, c.err)
		}
		if err == nil && !got.Equal(decimal.RequireFromString(c.want)) {
			t.Fatalf("%q: got %s want %s", c.in, got, c.want)
		}
	}
	if _, err := ParsePositiveAmount("0.00", MXN); !errors.Is(err, ErrNotPositive) {
		t.Fatalf("zero accepted: %v", err)
	}
}

func TestParseCurrencyRefusesUnknown(t *testing.T) {
	if _, err := ParseCurrency("xxx"); !errors.Is(err, ErrUnknownCurrency) {
		t.Fatal("unknown currency accepted")
	}
}

// Format keeps the currency's scale and never rounds or panics on what a
// bank may report.
func TestFormatKeepsScale(t *testing.T) {
	for _, c := range []struct {
		in   string
		cur  Currency
		want string
	}{
		{"120784.5", MXN, "120784.50"},
		{"120784.50000", MXN, "120784.50"},
		{"7", COP, "7.00"},
		{"0", USD, "0.00"},
		{"-3.1", MXN, "-3.10"},
		{"1.005", MXN, "1.005"},          // more decimals than MXN has: never rounded
		{"120784.50", "EUR", "120784.5"}, // unsupported currency: the plain decimal
	} {
		if got := Format(decimal.RequireFromString(c.in), c.cur); got != c.want {
			t.Errorf("Format(%s, %s) = %s, want %s", c.in, c.cur, got, c.want)
		}
	}
}
