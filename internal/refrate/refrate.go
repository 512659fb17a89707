// Package refrate holds published reference rates (TIIE, IBR) and the rule
// that fixes one for a quote: the latest on or before the value date, and
// never a stale one.
package refrate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Indices are the benchmark rates a program may price over.
var Indices = []string{"TIIE_FONDEO", "TIIE_28", "TIIE_91", "IBR_ON", "IBR_1M", "IBR_3M"}

var (
	ErrUnknownIndex = errors.New("unknown reference index")
	ErrNone         = errors.New("no reference rate published on or before the value date")
	ErrStale        = errors.New("reference rate is stale")
)

// Rate is one published fixing. Percent is a yearly percentage (7.12).
type Rate struct {
	Index       string
	Date        time.Time
	Percent     decimal.Decimal
	PublishedBy string
	UpdatedAt   time.Time
}

// Fraction is the rate as a fraction (0.0712), the pricing engine's unit.
func (r Rate) Fraction() decimal.Decimal { return pricing.PercentToRate(r.Percent) }

// KnownIndex reports whether s is one of Indices.
func KnownIndex(s string) bool {
	for _, x := range Indices {
		if x == s {
			return true
		}
	}
	return false
}

// New validates an operator's publication of a fixing.
func New(index, date, percent, by string, now time.Time) (Rate, error) {
	var errs validation.Errors
	r := Rate{Index: strings.ToUpper(strings.TrimSpace(index)), PublishedBy: by, UpdatedAt: now}
	if !KnownIndex(r.Index) {
		errs.Add("index", "unknown_index", "index must be one of %s", strings.Join(Indices, ", "))
	}
	d, err := calendar.ParseDate(date)
	if err != nil {
		errs.Add("date", "invalid_date", "date must be YYYY-MM-DD")
	}
	r.Date = d
	frac, err := pricing.ParsePercent(percent)
	switch {
	case err != nil:
		errs.Add("rate", "invalid_rate", "rate is a percentage string with at most %d decimals, e.g. \"7.1200\"", pricing.PercentDecimals)
	case frac.IsNegative() || !frac.LessThan(decimal.NewFromInt(1)):
		errs.Add("rate", "rate_out_of_range", "rate must be from 0 to below 100 percent")
	default:
		r.Percent = pricing.RateToPercent(frac)
	}
	return r, errs.Err()
}

// CheckFresh refuses a fixing more than maxAge business days before the value
// date in cal: pricing on an old rate would misprice every quote silently.
func CheckFresh(r Rate, valueDate time.Time, cal *calendar.Calendar, maxAge int) error {
	if r.Date.After(valueDate) {
		return fmt.Errorf("%w: fixing of %s is after the value date", ErrNone, r.Date.Format(time.DateOnly))
	}
	age, err := cal.BusinessDaysBetween(r.Date, valueDate)
	if err != nil {
		return err
	}
	if age > maxAge {
		return fmt.Errorf("%w: %s of %s is %d business days before the value date %s (at most %d)",
			ErrStale, r.Index, r.Date.Format(time.DateOnly), age, valueDate.Format(time.DateOnly), maxAge)
	}
	return nil
}
