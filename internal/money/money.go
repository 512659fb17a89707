// Package money holds currencies, their minor units, amount parsing and the
// one formatter of amounts. It never rounds: an amount with more decimals than
// its currency is refused (CheckScale). Money is rounded in one place, the
// pricing engine's discount (docs/pricing.md). It is a leaf: it imports only
// decimal.
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

// MaxIntegerDigits bounds the integer part of an amount taken as input. The
// columns are numeric(20, 2), which hold 18 integer digits; 15 leaves room for
// sums of inputs (a quote's face over up to 1,000 invoices, a lender's
// exposure, ledger balances) in the same columns. 999999999999999.99 is the
// largest amount.
const MaxIntegerDigits = 15

// maxFraction bounds the written decimals: trailing zeros past the
// currency's scale are accepted ("1250.100"), endless ones are not.
const maxFraction = 10

// ErrTooLarge refuses an amount above MaxIntegerDigits integer digits.
var ErrTooLarge = errors.New("amount too large")

// CheckSyntax checks the written form of an input amount: an optional '-',
// 1 to MaxIntegerDigits digits, and optionally '.' with 1 to 10 digits. No
// spaces, '+', exponents, separators or empty strings, so what the caller
// wrote is exactly what is stored. ParseAmount then checks the currency's
// scale.
func CheckSyntax(s string) error {
	digits := strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(digits, ".")
	switch {
	case !isDigits(whole) || (hasDot && !isDigits(frac)):
		return fmt.Errorf("%w: %q", ErrMalformed, s)
	case len(whole) > MaxIntegerDigits:
		return fmt.Errorf("%w: more than %d integer digits", ErrTooLarge, MaxIntegerDigits)
	case len(frac) > maxFraction:
		return ErrTooManyDecimals
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" || len(s) > 100 { // long enough to tell "too large" from "malformed"
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseAmount reads a decimal string such as "1250.00" that passes
// CheckSyntax, with no more decimals than the currency has, so an amount is
// never silently rounded or overflowed at the edge.
func ParseAmount(s string, c Currency) (decimal.Decimal, error) {
	if err := CheckSyntax(s); err != nil {
		return decimal.Decimal{}, err
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
