// Package iso20022 writes the payment files Cadena sends to banks
// (pain.001.001.10 credit-transfer initiations) and reads the notifications
// banks send back (camt.054.001.08). It is pure: values in, bytes out, and
// the reverse. Matching notifications to expected payments belongs to the
// settlement code; this package only says exactly what a file contains.
//
// The schemas are in contracts/iso20022; the tests validate every built file
// against them with xmllint. docs/iso20022.md describes the mapping.
package iso20022

import (
	"errors"
	"fmt"
)

// Namespaces of the two messages, as the schemas declare them.
const (
	NamespacePain001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.10"
	NamespaceCamt054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
)

// Refusals. Each arrives inside an *Error naming the field; errors.Is sees
// through to the sentinel, and for account problems also to bankaccount's.
var (
	ErrRequired        = errors.New("required")
	ErrTooLong         = errors.New("too long for its ISO 20022 type")
	ErrInvalidText     = errors.New("text has characters a payment file cannot carry")
	ErrInvalidAmount   = errors.New("invalid amount")
	ErrInvalidCurrency = errors.New("invalid currency")
	ErrInvalidDate     = errors.New("invalid date")
	ErrInvalidCode     = errors.New("invalid code")
	ErrInvalidAccount  = errors.New("invalid account")
	ErrInvalidAgent    = errors.New("invalid bank identification")
	ErrDuplicateID     = errors.New("identifier used twice in one file")
	ErrMalformedXML    = errors.New("malformed XML")
	ErrNotCamt054      = errors.New("not a camt.054.001.08 notification")
	ErrTooLarge        = errors.New("file larger than the reader accepts")
)

// Error ties a refusal to where it happened. Path names the Go field of the
// input ("batches[0].payments[3].end_to_end_id") or, for XML that could not
// be read as values, the element ("/Document/.../Ntry/Amt"). Line is the line
// of the parsed file, 0 when building. Messages never contain account numbers.
type Error struct {
	Path string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("iso20022: %s (line %d): %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("iso20022: %s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func fieldErr(path string, err error) error { return &Error{Path: path, Err: err} }

// at joins a path and a field name.
func at(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
