// Package validation carries field-level errors from the domain to the API,
// which renders them inside an RFC 9457 problem.
package validation

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// MaxText bounds a request string that names no other limit, in characters.
const MaxText = 255

// Text codes.
const (
	CodeControlChar = "control_character"
	CodeInvalidUTF8 = "invalid_utf8"
	CodeTooLong     = "too_long"
)

// Text adds an error when s is not text PostgreSQL and a reader can take:
// it must be valid UTF-8 with no control character (see HasControl) and at
// most max characters. Every field a request carries is single-line, so the
// rule has no exceptions.
func (e *Errors) Text(field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		e.Add(field, CodeInvalidUTF8, "%s is not valid UTF-8", field)
	case HasControl(s):
		e.Add(field, CodeControlChar, "%s must not contain control characters such as NUL, tab or newline", field)
	case utf8.RuneCountInString(s) > max:
		e.Add(field, CodeTooLong, "%s has more than %d characters", field, max)
	}
}

// HasControl reports a C0 control (NUL to U+001F, tab and newline
// included), DEL or a C1 control (U+0080 to U+009F). PostgreSQL refuses NUL
// in text; the others break logs, CSV exports and bank files.
func HasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return true
		}
	}
	return false
}
