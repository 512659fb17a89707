package pricing

import (
	"errors"
	"fmt"
	"strings"
)

// Refusals. The API maps each to a stable code; messages may change, the
// sentinels may not. Amount and date problems surface as the money and
// calendar packages' own sentinels (money.ErrTooManyDecimals,
// calendar.ErrMalformedDate, ...), wrapped where context helps.
var (
	ErrUnknownBasis            = errors.New("unknown day-count basis")
	ErrUnknownRounding         = errors.New("unknown rounding rule")
	ErrNoCalendar              = errors.New("program has no holiday calendar")
	ErrMaxSpreadAbovePlatform  = errors.New("program maximum spread above the platform maximum")
	ErrNegativeSpread          = errors.New("spread must not be negative")
	ErrSpreadAboveCap          = errors.New("spread above the program's maximum spread")
	ErrRateOutOfRange          = errors.New("reference rate must be from 0% to 100%")
	ErrInvalidRateCeiling      = errors.New("effective-rate ceiling must be above 0%")
	ErrAboveRateCeiling        = errors.New("effective annual rate above the program's ceiling")
	ErrValueDateNotBusinessDay = errors.New("value date is not a business day")
	ErrNotAfterValueDate       = errors.New("date not after the value date")
	ErrDiscountNotBelowFace    = errors.New("discount would consume the whole face amount")
	ErrEmptyBasket             = errors.New("basket has no invoices")
	ErrMixedCurrencies         = errors.New("basket mixes currencies")
	ErrTenorTooShort           = errors.New("tenor below the program minimum")
	ErrTenorTooLong            = errors.New("tenor above the program maximum")
	ErrInvalidCutoff           = errors.New("funding cut-off must be a time of day")
	ErrNoTimeZone              = errors.New("program has no time zone")
	ErrMissing                 = errors.New("required")
	ErrMalformedRate           = errors.New("malformed percentage")
	ErrMalformedBps            = errors.New("malformed basis points")
	ErrFieldTooLong            = errors.New("value too long")
)

// FieldError ties a refusal to the request field that caused it, named as in
// Request's JSON tags.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// FieldErrors is every field problem of one request, so a form can show
// them all at once. errors.Is sees through to each sentinel.
type FieldErrors []*FieldError

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (fe FieldErrors) Unwrap() []error {
	errs := make([]error, len(fe))
	for i, e := range fe {
		errs[i] = e
	}
	return errs
}

// LineError says which invoice of a basket was refused.
type LineError struct {
	Index int
	Err   error
}

func (e *LineError) Error() string { return fmt.Sprintf("invoice %d: %v", e.Index, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }
