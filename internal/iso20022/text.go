package iso20022

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// Lengths of the ISO 20022 text types the messages use (MaxNText).
const (
	max4   = 4
	max34  = 34
	max35  = 35
	max140 = 140
)

// checkText enforces a MaxNText: 1 to max characters, counted as XSD counts
// them (code points, not bytes). The types are plain xs:string, but control
// characters are refused too: XML 1.0 forbids most of them, encoding/xml
// would silently replace those, and a tab or line break in a name or id is
// never meant and splits fields in some bank systems. No transliteration:
// accents go through as UTF-8.
func checkText(path, s string, max int, required bool) error {
	if s == "" {
		if required {
			return fieldErr(path, ErrRequired)
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return fieldErr(path, fmt.Errorf("%w: not UTF-8", ErrInvalidText))
	}
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF {
			return fieldErr(path, fmt.Errorf("%w: character U+%04X", ErrInvalidText, r))
		}
		n++
	}
	if strings.TrimSpace(s) == "" {
		return fieldErr(path, fmt.Errorf("%w: blank", ErrInvalidText))
	}
	if n > max {
		return fieldErr(path, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, max))
	}
	return nil
}

// checkID is checkText(35) for identifiers, which are also refused with
// surrounding spaces: banks trim them, and the echoed id would then no
// longer match the one Cadena stored.
func checkID(path, s string, required bool) error {
	if err := checkText(path, s, max35, required); err != nil {
		return err
	}
	if strings.TrimSpace(s) != s {
		return fieldErr(path, fmt.Errorf("%w: leading or trailing space", ErrInvalidText))
	}
	return nil
}

// checkCode refuses anything but n upper-case ASCII letters (currency and
// country codes).
func checkCode(path, s string, n int, sentinel error) error {
	if s == "" {
		return fieldErr(path, fmt.Errorf("%w: missing", sentinel))
	}
	if len(s) != n {
		return fieldErr(path, fmt.Errorf("%w: %q", sentinel, s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return fieldErr(path, fmt.Errorf("%w: %q", sentinel, s))
		}
	}
	return nil
}

// isXMLSpace is XML's whitespace, narrower than unicode.IsSpace.
func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// collapse is XSD's whiteSpace="collapse": pretty-printed bank files then
// read the same as compact ones, and a value read is a value the builders
// accept.
func collapse(s string) string { return strings.Join(strings.FieldsFunc(s, isXMLSpace), " ") }

// The amount types allow 5 decimals and 18 digits in all; control sums
// (DecimalNumber) allow 17 decimals and 18 digits.
const (
	maxAmountFraction = 5
	maxTotalDigits    = 18
)

// digits counts d's significant digits the way XSD's totalDigits and
// fractionDigits do: leading and trailing zeros do not count.
func digits(d decimal.Decimal) (total, fraction int) {
	// String never uses an exponent and trims trailing zeros.
	whole, frac, _ := strings.Cut(d.Abs().String(), ".")
	whole = strings.TrimLeft(whole, "0")
	return len(whole) + len(frac), len(frac)
}

// checkAmount applies the schema's amount limits; a payment also needs a
// currency Cadena supports, a positive value and no more decimals than the
// currency has, since a bank would round or refuse anything else.
func checkAmount(path string, d decimal.Decimal, c money.Currency, payment bool) error {
	switch {
	case payment && !d.IsPositive():
		return fieldErr(path, fmt.Errorf("%w: must be positive", ErrInvalidAmount))
	case d.IsNegative():
		return fieldErr(path, fmt.Errorf("%w: negative", ErrInvalidAmount))
	case payment:
		if err := money.CheckScale(d, c); err != nil {
			return fieldErr(path, fmt.Errorf("%w: %w", ErrInvalidAmount, err))
		}
	}
	if total, frac := digits(d); frac > maxAmountFraction || total > maxTotalDigits {
		return fieldErr(path, fmt.Errorf("%w: at most %d digits, %d after the point", ErrInvalidAmount, maxTotalDigits, maxAmountFraction))
	}
	return nil
}

// checkCurrency needs a supported currency for payments and any ISO-shaped
// code otherwise: a bank may report accounts Cadena never pays from.
func checkCurrency(path string, c money.Currency, payment bool) error {
	if err := checkCode(path, string(c), 3, ErrInvalidCurrency); err != nil {
		return err
	}
	if payment && !c.Valid() {
		return fieldErr(path, fmt.Errorf("%w: %w: %s", ErrInvalidCurrency, money.ErrUnknownCurrency, c))
	}
	return nil
}

// amountText writes d with exactly the currency's minor units where it fits
// them (always, for payments), else as the plain decimal it is.
func amountText(d decimal.Decimal, c money.Currency) string { return money.Format(d, c) }

// parseAmount reads the xs:decimal lexical form without a sign (amounts are
// never negative) or exponent. The value keeps the scale as written.
func parseAmount(s string) (decimal.Decimal, error) {
	body := strings.TrimPrefix(s, "+")
	whole, frac, _ := strings.Cut(body, ".")
	if len(s) > 64 || whole+frac == "" || !allDigits(whole) || !allDigits(frac) {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrInvalidAmount, truncate(s, 40))
	}
	if whole == "" {
		whole = "0"
	}
	if frac != "" {
		whole += "." + frac
	}
	d, err := decimal.NewFromString(whole)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q", ErrInvalidAmount, truncate(s, 40))
	}
	return d, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

const dateLayout = "2006-01-02"

// checkTime keeps a date or date-time inside what xs:dateTime can say and
// RFC 3339 can write back unchanged: years 1 to 9999, whole-minute offsets
// within ±14:00.
func checkTime(path string, t time.Time, required bool) error {
	if t.IsZero() {
		if required {
			return fieldErr(path, ErrRequired)
		}
		return nil
	}
	_, off := t.Zone()
	if y := t.Year(); y < 1 || y > 9999 || off%60 != 0 || off > 14*3600 || off < -14*3600 {
		return fieldErr(path, fmt.Errorf("%w: %s", ErrInvalidDate, t.Format(time.RFC3339)))
	}
	return nil
}

// formatDate writes t's civil date as seen in t's own location, the way
// calendar.Day reads it.
func formatDate(t time.Time) string { return t.Format(dateLayout) }

func formatDateTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// isDate reports whether t is a civil date in Cadena's form (midnight UTC),
// which the camt builder writes as Dt rather than DtTm.
func isDate(t time.Time) bool {
	_, off := t.Zone()
	return off == 0 && t.Equal(t.Truncate(24*time.Hour))
}

// parseDate reads an ISODate, "YYYY-MM-DD" only, as midnight UTC.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return time.Time{}, fmt.Errorf("%w: %q", ErrInvalidDate, truncate(s, 40))
	}
	return t, nil
}

// parseDateTime reads an ISODateTime. One without an offset is read as UTC
// with its clock reading kept, so its date stays the bank's date.
func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999", s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrInvalidDate, truncate(s, 40))
	}
	return t, nil
}
