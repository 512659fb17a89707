package pricing

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

// PlatformMaxSpreadBps is the highest spread over the reference rate any
// program may allow: Cadena's promise to suppliers, whatever a lender asks.
const PlatformMaxSpreadBps = 700

// Program holds the pricing terms a supplier-finance program fixes once for
// all its invoices.
type Program struct {
	Currency   money.Currency
	Basis      Basis
	Calendar   *calendar.Calendar
	Convention calendar.Convention
	Rounding   Rounding
	// MaxSpreadBps caps the lender's spread; 0 allows the reference rate only.
	MaxSpreadBps int
	// RateCeiling, when Valid, refuses quotes whose effective annual rate (as
	// quoted, to RateDecimals) is above it: Colombia's tasa de usura.
	RateCeiling decimal.NullDecimal
}

// ValidateMaxSpread checks a program's spread cap against the platform's.
func ValidateMaxSpread(bps int) error {
	switch {
	case bps < 0:
		return fmt.Errorf("%w: maximum spread %d bp", ErrNegativeSpread, bps)
	case bps > PlatformMaxSpreadBps:
		return fmt.Errorf("%w: %d bp > %d bp", ErrMaxSpreadAbovePlatform, bps, PlatformMaxSpreadBps)
	}
	return nil
}

// Validate checks the terms on their own, before any invoice is priced.
func (p Program) Validate() error {
	if !p.Currency.Valid() {
		return fmt.Errorf("%w: %q", money.ErrUnknownCurrency, p.Currency)
	}
	if !p.Basis.Valid() {
		return fmt.Errorf("%w: %v", ErrUnknownBasis, p.Basis)
	}
	if p.Calendar == nil {
		return ErrNoCalendar
	}
	if p.Convention != calendar.Following && p.Convention != calendar.ModifiedFollowing {
		return fmt.Errorf("%w: %v", calendar.ErrUnknownConvention, p.Convention)
	}
	if p.Rounding > Down {
		return fmt.Errorf("%w: %v", ErrUnknownRounding, p.Rounding)
	}
	if err := ValidateMaxSpread(p.MaxSpreadBps); err != nil {
		return err
	}
	if p.RateCeiling.Valid && !p.RateCeiling.Decimal.IsPositive() {
		return fmt.Errorf("%w: %s%%", ErrInvalidRateCeiling, FormatPercent(p.RateCeiling.Decimal))
	}
	return nil
}
