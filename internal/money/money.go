// Package money holds currencies, their minor units and the one rounding rule
// for amounts. It is a leaf: it imports only decimal.
package money

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 alphabetic code.
type Currency string

const (
	MXN Currency = "MXN"
	COP Currency = "COP"
	USD Currency = "USD"
)

// minorUnits is the number of decimals each supported currency allows.
// COP has cents in ISO 4217 even though coins stopped circulating.
var minorUnits = map[Currency]int32{MXN: 2, COP: 2, USD: 2}

var (
	ErrUnknownCurrency = errors.New("unknown currency")
	ErrTooManyDecimals = errors.New("more decimals than the currency allows")
	ErrNotPositive     = errors.New("amount must be positive")
	ErrMalformed       = errors.New("malformed amount")
)

// ParseCurrency validates an ISO code against the supported list.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(s)))
	if _, ok := minorUnits[c]; !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownCurrency, s)
	}
	return c, nil
}

// MinorUnits returns the decimals of c; unknown currencies panic because they
// can only come from code that skipped ParseCurrency.
func (c Currency) MinorUnits() int32 {
	n, ok := minorUnits[c]
	if !ok {
		panic("money: unknown currency " + string(c))
	}
	return n
}

// Valid reports whether c is supported.
func (c Currency) Valid() bool { _, ok := minorUnits[c]; return ok }

// ParseAmount reads a decimal string such as "1250.00". It refuses exponents,
// signs other than a leading '-', and more decimals than the currency has, so
// an amount is never silently rounded at the edge.
func ParseAmount(s string, c Currency) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "eE+_, ") {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrMalformed, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrMalformed, s)
	}
	if err := CheckScale(d, c); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

// ParsePositiveAmount is ParseAmount for amounts that must be above zero.
func ParsePositiveAmount(s string, c Currency) (decimal.Decimal, error) {
	d, err := ParseAmount(s, c)
	if err != nil {
		return d, err
	}
	if !d.IsPositive() {
		return decimal.Decimal{}, ErrNotPositive
	}
	return d, nil
}

// CheckScale refuses a value with more significant decimals than c allows.
func CheckScale(d decimal.Decimal, c Currency) error {
	if !c.Valid() {
		return ErrUnknownCurrency
	}
	if !d.Equal(d.Truncate(c.MinorUnits())) {
		return ErrTooManyDecimals
	}
	return nil
}

// RoundToMinor rounds half away from zero to the currency's minor unit. It is
// the only rounding point for amounts; callers name why they round.
func RoundToMinor(d decimal.Decimal, c Currency) decimal.Decimal {
	return d.Round(c.MinorUnits())
}

// Format renders d with exactly the currency's decimals ("120784.50"), for
// JSON, events and files: the one formatter of amounts. It never rounds and
// never panics: a value with more decimals than its currency allows, or in
// a currency Cadena does not support (a bank statement may report either),
// is written as the plain decimal it is.
func Format(d decimal.Decimal, c Currency) string {
	if CheckScale(d, c) != nil {
		return d.String()
	}
	return d.StringFixed(c.MinorUnits())
}
