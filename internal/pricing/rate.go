package pricing

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// PercentDecimals is how many decimals a percentage carries at the edges,
// in and out: TIIE and IBR are published with at most four.
const PercentDecimals = 4

// RateDecimals is the same precision as a fraction: quoted rates are rounded
// to it, half away from zero.
const RateDecimals = PercentDecimals + 2

// maxEdgeLen bounds every string a request may carry, so parsing stays cheap.
const maxEdgeLen = 40

var one = decimal.NewFromInt(1)

// PercentToRate turns 7.12 into 0.0712.
func PercentToRate(pct decimal.Decimal) decimal.Decimal { return pct.Shift(-2) }

// RateToPercent turns 0.0712 into 7.12.
func RateToPercent(rate decimal.Decimal) decimal.Decimal { return rate.Shift(2) }

// ParsePercent reads a percentage such as "7.12" and returns the fraction
// 0.0712. It refuses exponents, signs other than a leading '-', a '%' sign
// and more than PercentDecimals decimals, so nothing is rounded at the edge.
// Range checks belong to Price.
func ParsePercent(s string) (decimal.Decimal, error) {
	if s == "" || len(s) > maxEdgeLen || strings.ContainsAny(s, "eE+_, %") {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrMalformedRate, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrMalformedRate, s)
	}
	if !d.Equal(d.Truncate(PercentDecimals)) {
		return decimal.Decimal{}, fmt.Errorf("%w: %q has more than %d decimals", ErrMalformedRate, s, PercentDecimals)
	}
	return PercentToRate(d), nil
}

// FormatPercent renders a fraction as a percentage with PercentDecimals
// decimals: 0.121200 → "12.1200". Quoted rates are already rounded, so this
// only pads.
func FormatPercent(rate decimal.Decimal) string {
	return RateToPercent(rate).StringFixed(PercentDecimals)
}

// Basis is a day-count basis: actual days over a conventional year.
type Basis uint8

const (
	// ACT360 is the Mexican money-market convention (Cetes, TIIE).
	ACT360 Basis = iota + 1
	// ACT365 is ACT/365 fixed, the Colombian default.
	ACT365
)

var basisNames = [...]string{ACT360: "ACT/360", ACT365: "ACT/365"}

func (b Basis) String() string {
	if b >= ACT360 && int(b) < len(basisNames) {
		return basisNames[b]
	}
	return fmt.Sprintf("Basis(%d)", uint8(b))
}

// Valid reports whether b is a known basis.
func (b Basis) Valid() bool { return b == ACT360 || b == ACT365 }

// yearDays is the denominator: 360 or 365.
func (b Basis) yearDays() decimal.Decimal {
	if b == ACT365 {
		return decimal.NewFromInt(365)
	}
	return decimal.NewFromInt(360)
}

// ParseBasis reads "ACT/360" or "ACT/365", in any case.
func ParseBasis(s string) (Basis, error) {
	for b, name := range basisNames {
		if name != "" && strings.EqualFold(s, name) {
			return Basis(b), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want ACT/360 or ACT/365)", ErrUnknownBasis, s)
}

// DefaultBasis is the local market's convention for a currency.
func DefaultBasis(c money.Currency) Basis {
	if c == money.COP {
		return ACT365
	}
	return ACT360
}

// Rounding is the rule that turns the exact discount into minor units. The
// zero value, HalfUp, is the default.
type Rounding uint8

const (
	// HalfUp rounds half away from zero: 3.335 → 3.34.
	HalfUp Rounding = iota
	// HalfEven rounds half to the even cent: 3.335 → 3.34, 3.345 → 3.34.
	HalfEven
	// Down truncates, always in the supplier's favour: 3.339 → 3.33.
	Down
)

var roundingNames = [...]string{HalfUp: "half_up", HalfEven: "half_even", Down: "down"}

func (r Rounding) String() string {
	if int(r) < len(roundingNames) {
		return roundingNames[r]
	}
	return fmt.Sprintf("Rounding(%d)", uint8(r))
}

// ParseRounding reads "half_up", "half_even" or "down".
func ParseRounding(s string) (Rounding, error) {
	for r, name := range roundingNames {
		if s == name {
			return Rounding(r), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want half_up, half_even or down)", ErrUnknownRounding, s)
}

// roundQuotient is num/den rounded to places decimals by rule r, decided on
// the exact remainder: rounding a pre-rounded quotient again could move a
// value like 3.334999… across the half-cent. num must not be negative and
// den must be positive.
func roundQuotient(num, den decimal.Decimal, places int32, r Rounding) decimal.Decimal {
	q, rem := num.QuoRem(den, places)
	if rem.IsZero() || r == Down {
		return q
	}
	// rem < den·10^-places; compare 2·rem with that step to find the half.
	half := rem.Add(rem).Cmp(den.Shift(-places))
	ulp := decimal.New(1, -places)
	switch {
	case half > 0, half == 0 && r == HalfUp:
		return q.Add(ulp)
	case half == 0 && r == HalfEven && q.Shift(places).BigInt().Bit(0) == 1:
		return q.Add(ulp)
	}
	return q
}
