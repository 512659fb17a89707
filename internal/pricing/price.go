// Package pricing is Cadena's discount arithmetic: what a lender pays today
// for an invoice due later, and the rates that price implies. It is pure:
// no clock, no I/O, and it imports only money and calendar.
//
// Rates inside Go are annual decimal fractions (0.0712 for 7.12%); percent
// strings exist only at the CLI and API edges, converted by ParsePercent and
// FormatPercent. Spreads are whole basis points. docs/pricing.md has every
// formula and rounding point.
package pricing

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

// Input is one invoice priced under a program.
type Input struct {
	Program Program
	// Face is what the buyer pays at maturity, in Program.Currency.
	Face decimal.Decimal
	// ReferenceRate is the annual benchmark (TIIE, IBR) as a fraction.
	ReferenceRate decimal.Decimal
	SpreadBps     int
	// ValueDate is when the supplier is paid; it must be a business day.
	ValueDate time.Time
	// DueDate is the invoice's due date before business-day adjustment.
	DueDate time.Time
}

// Quote is a priced invoice. Amounts carry exactly the currency's minor
// units; rates are annual fractions rounded to RateDecimals.
type Quote struct {
	Currency  money.Currency
	Face      decimal.Decimal
	Discount  decimal.Decimal
	Net       decimal.Decimal // Face - Discount, paid to the supplier
	ValueDate time.Time
	DueDate   time.Time
	Maturity  time.Time // DueDate adjusted by the program's convention
	Days      int       // actual days from ValueDate to Maturity
	Basis     Basis

	ReferenceRate decimal.Decimal
	SpreadBps     int
	AllInRate     decimal.Decimal // ReferenceRate + SpreadBps, exact

	DiscountRate  decimal.Decimal // Discount / Face × basis / Days
	SimpleRate    decimal.Decimal // Discount / Net × basis / Days
	EffectiveRate decimal.Decimal // (1 + Discount / Net)^(365 / Days) - 1
}

// Price quotes one invoice or says why it cannot be financed.
func Price(in Input) (Quote, error) {
	p := in.Program
	if err := p.Validate(); err != nil {
		return Quote{}, err
	}
	if err := money.CheckScale(in.Face, p.Currency); err != nil {
		return Quote{}, fmt.Errorf("face %s: %w", in.Face, err)
	}
	if !in.Face.IsPositive() {
		return Quote{}, fmt.Errorf("face %s: %w", in.Face, money.ErrNotPositive)
	}
	allIn, err := AllInRate(in.ReferenceRate, in.SpreadBps, p.MaxSpreadBps)
	if err != nil {
		return Quote{}, err
	}
	value, due := calendar.Day(in.ValueDate), calendar.Day(in.DueDate)
	maturity, err := adjustMaturity(p, value, due)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{
		Currency:      p.Currency,
		Face:          in.Face,
		ValueDate:     value,
		DueDate:       due,
		Maturity:      maturity,
		Days:          calendar.DaysBetween(value, maturity),
		Basis:         p.Basis,
		ReferenceRate: in.ReferenceRate,
		SpreadBps:     in.SpreadBps,
		AllInRate:     allIn,
	}
	q.Discount = discount(in.Face, allIn, q.Days, p)
	if q.Discount.GreaterThanOrEqual(in.Face) {
		return Quote{}, fmt.Errorf("%w: %s at %s%% for %d days", ErrDiscountNotBelowFace, in.Face, FormatPercent(allIn), q.Days)
	}
	q.Net = in.Face.Sub(q.Discount)
	q.setRates()
	if c := p.RateCeiling; c.Valid && q.EffectiveRate.GreaterThan(c.Decimal) {
		return Quote{}, fmt.Errorf("%w: %s%% > %s%%", ErrAboveRateCeiling, FormatPercent(q.EffectiveRate), FormatPercent(c.Decimal))
	}
	return q, nil
}

// AllInRate is reference + spread, refused when the spread is negative or
// above the program's cap. The cap is on the spread alone, so it moves with
// the reference rate: reference + spread ≤ reference + max spread.
func AllInRate(reference decimal.Decimal, spreadBps, maxSpreadBps int) (decimal.Decimal, error) {
	if reference.IsNegative() || reference.GreaterThan(one) {
		return decimal.Decimal{}, fmt.Errorf("%w: %s%%", ErrRateOutOfRange, RateToPercent(reference))
	}
	if spreadBps < 0 {
		return decimal.Decimal{}, fmt.Errorf("%w: %d bp", ErrNegativeSpread, spreadBps)
	}
	if spreadBps > maxSpreadBps {
		return decimal.Decimal{}, fmt.Errorf("%w: %d bp > %d bp", ErrSpreadAboveCap, spreadBps, maxSpreadBps)
	}
	return reference.Add(decimal.New(int64(spreadBps), -4)), nil
}

// adjustMaturity is the due date moved to a business day; both it and the due
// date must come after the value date, and the value date must be open.
func adjustMaturity(p Program, value, due time.Time) (time.Time, error) {
	ok, err := p.Calendar.IsBusinessDay(value)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %s", ErrValueDateNotBusinessDay, value.Format(time.DateOnly))
	}
	if !due.After(value) {
		return time.Time{}, fmt.Errorf("%w: due %s, value %s", ErrNotAfterValueDate, due.Format(time.DateOnly), value.Format(time.DateOnly))
	}
	m, err := p.Calendar.Adjust(due, p.Convention)
	if err != nil {
		return time.Time{}, err
	}
	if !m.After(value) {
		return time.Time{}, fmt.Errorf("%w: maturity %s (due %s, %v), value %s", ErrNotAfterValueDate,
			m.Format(time.DateOnly), due.Format(time.DateOnly), p.Convention, value.Format(time.DateOnly))
	}
	return m, nil
}

// discount is face × rate × days / basis, rounded once, here, to the
// currency's minor unit by the program's rule. This is the only rounding of
// money in pricing; Net is then face minus it, so the two always add up.
func discount(face, rate decimal.Decimal, days int, p Program) decimal.Decimal {
	num := face.Mul(rate).Mul(decimal.NewFromInt(int64(days)))
	return roundQuotient(num, p.Basis.yearDays(), p.Currency.MinorUnits(), p.Rounding)
}

// setRates derives the quoted rates from the rounded amounts, so they
// describe the cash that actually moves. Each is rounded half up to
// RateDecimals.
func (q *Quote) setRates() {
	if q.Discount.IsZero() {
		q.DiscountRate, q.SimpleRate, q.EffectiveRate = decimal.Zero, decimal.Zero, decimal.Zero
		return
	}
	days := decimal.NewFromInt(int64(q.Days))
	num := q.Discount.Mul(q.Basis.yearDays())
	q.DiscountRate = roundQuotient(num, q.Face.Mul(days), RateDecimals, HalfUp)
	q.SimpleRate = roundQuotient(num, q.Net.Mul(days), RateDecimals, HalfUp)
	q.EffectiveRate = effectiveRate(q.Face, q.Net, q.Days)
}
