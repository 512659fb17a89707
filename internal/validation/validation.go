// Package validation carries field-level errors from the domain to the API,
// which renders them inside an RFC 9457 problem.
package validation

import (
	"fmt"
	"strings"
)

// Error is one field's problem. Code is stable (e.g. "required", "too_many_decimals").
type Error struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Errors is a list of field errors; the nil list means valid.
type Errors []Error

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, x := range e {
		parts[i] = x.Field + ": " + x.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add appends a field error.
func (e *Errors) Add(field, code, format string, args ...any) {
	*e = append(*e, Error{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns the list as an error, or nil when empty.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Prefix returns the errors with every field put under prefix (e.g. "rows[3]").
func (e Errors) Prefix(prefix string) Errors {
	out := make(Errors, len(e))
	for i, x := range e {
		x.Field = prefix + "." + x.Field
		out[i] = x
	}
	return out
}
