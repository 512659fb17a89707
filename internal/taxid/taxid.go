// Package taxid validates party tax identifiers: the Mexican RFC and the
// Colombian NIT. It is pure: no I/O, no dependencies beyond the standard
// library.
package taxid

import (
	"errors"
	"fmt"
)

// Country is an ISO 3166-1 alpha-2 code of a supported tax authority.
type Country string

const (
	CountryMX Country = "MX"
	CountryCO Country = "CO"
)

// Kind says which identifier a normalised value is.
type Kind string

const (
	KindRFCMoral  Kind = "rfc_moral"  // company, 12 characters
	KindRFCFisica Kind = "rfc_fisica" // individual, 13 characters
	KindNIT       Kind = "nit"
)

// WarningCode is a stable code for a value that is accepted but suspicious.
type WarningCode string

// WarnRFCCheckDigit: SAT has issued RFCs whose last character fails its own
// check-digit algorithm, so a mismatch is reported rather than refused.
const WarnRFCCheckDigit WarningCode = "rfc_check_digit_mismatch"

// Result is a validated tax id.
type Result struct {
	Normalized  string
	Kind        Kind
	Warning     string      // empty when there is none
	WarningCode WarningCode // empty when there is none
}

// Errors are sentinels so that internal/api can map each to a stable code.
// Wrapped errors add detail but never echo the input: an RFC of an
// individual is personal data.
var (
	ErrUnsupportedCountry = errors.New("tax id: unsupported country")
	ErrRFCFormat          = errors.New("rfc: malformed")
	ErrRFCDate            = errors.New("rfc: date part is not a calendar date")
	ErrRFCGeneric         = errors.New("rfc: generic rfc cannot identify a party")
	ErrNITFormat          = errors.New("nit: malformed")
	ErrNITCheckDigit      = errors.New("nit: check digit does not match")
)

// Validate normalises raw and checks it against the rules of country.
func Validate(country Country, raw string) (Result, error) {
	switch country {
	case CountryMX:
		return validateRFC(raw)
	case CountryCO:
		return validateNIT(raw)
	default:
		return Result{}, fmt.Errorf("%w: %q", ErrUnsupportedCountry, string(country))
	}
}
