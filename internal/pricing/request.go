package pricing

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

// Request is a quote request as text, the way the CLI and the API receive
// it. Rates are percentages ("7.12"); dates are YYYY-MM-DD. Optional fields
// may be empty.
type Request struct {
	Face             string `json:"face"`
	Currency         string `json:"currency"`
	ReferenceRate    string `json:"reference_rate"`
	SpreadBps        string `json:"spread_bps"`
	ValueDate        string `json:"value_date"`
	DueDate          string `json:"due_date"`
	Basis            string `json:"basis,omitempty"`              // default by currency: COP ACT/365, else ACT/360
	Calendar         string `json:"calendar,omitempty"`           // default by currency: MXN MX, COP CO
	Convention       string `json:"convention,omitempty"`         // default following
	Rounding         string `json:"rounding,omitempty"`           // default half_up
	MaxSpreadBps     string `json:"max_spread_bps,omitempty"`     // default PlatformMaxSpreadBps
	MaxEffectiveRate string `json:"max_effective_rate,omitempty"` // default none
}

var defaultCalendar = map[money.Currency]string{money.MXN: "MX", money.COP: "CO"}

// ParseRequest turns text into an Input, or returns FieldErrors naming every
// field that is wrong. It checks form only; Price checks the business rules.
// The calendar comes without operator overrides: a caller holding them
// replaces Program.Calendar.
func ParseRequest(r Request) (Input, error) {
	var (
		in   Input
		errs FieldErrors
	)
	fail := func(field string, err error) { errs = append(errs, &FieldError{Field: field, Err: err}) }
	// field fetches one value, refusing over-long ones before any parsing.
	field := func(name, v string, required bool) (string, bool) {
		v = strings.TrimSpace(v)
		switch {
		case len(v) > maxEdgeLen:
			fail(name, ErrFieldTooLong)
			return "", false
		case v == "" && required:
			fail(name, ErrMissing)
			return "", false
		}
		return v, v != ""
	}

	p := &in.Program
	if s, ok := field("currency", r.Currency, true); ok {
		c, err := money.ParseCurrency(s)
		if err != nil {
			fail("currency", err)
		}
		p.Currency = c
	}
	if s, ok := field("face", r.Face, true); ok && p.Currency.Valid() {
		face, err := money.ParsePositiveAmount(s, p.Currency)
		if err != nil {
			fail("face", err)
		}
		in.Face = face
	}
	if s, ok := field("reference_rate", r.ReferenceRate, true); ok {
		rate, err := ParsePercent(s)
		if err != nil {
			fail("reference_rate", err)
		}
		in.ReferenceRate = rate
	}
	if s, ok := field("spread_bps", r.SpreadBps, true); ok {
		bps, err := parseBps(s)
		if err != nil {
			fail("spread_bps", err)
		}
		in.SpreadBps = bps
	}
	p.MaxSpreadBps = PlatformMaxSpreadBps
	if s, ok := field("max_spread_bps", r.MaxSpreadBps, false); ok {
		bps, err := parseBps(s)
		if err != nil {
			fail("max_spread_bps", err)
		}
		p.MaxSpreadBps = bps
	}
	if s, ok := field("max_effective_rate", r.MaxEffectiveRate, false); ok {
		rate, err := ParsePercent(s)
		if err != nil {
			fail("max_effective_rate", err)
		}
		p.RateCeiling = decimal.NewNullDecimal(rate)
	}
	if s, ok := field("value_date", r.ValueDate, true); ok {
		d, err := calendar.ParseDate(s)
		if err != nil {
			fail("value_date", err)
		}
		in.ValueDate = d
	}
	if s, ok := field("due_date", r.DueDate, true); ok {
		d, err := calendar.ParseDate(s)
		if err != nil {
			fail("due_date", err)
		}
		in.DueDate = d
	}
	p.Basis = DefaultBasis(p.Currency)
	if s, ok := field("basis", r.Basis, false); ok {
		b, err := ParseBasis(s)
		if err != nil {
			fail("basis", err)
		}
		p.Basis = b
	}
	if name, ok := field("calendar", r.Calendar, false); ok || strings.TrimSpace(r.Calendar) == "" {
		if !ok {
			name = defaultCalendar[p.Currency]
		}
		if name == "" {
			fail("calendar", ErrMissing) // no default for this currency
		} else if cal, err := calendar.New(name, nil); err != nil {
			fail("calendar", err)
		} else {
			p.Calendar = cal
		}
	}
	if s, ok := field("convention", r.Convention, false); ok {
		c, err := calendar.ParseConvention(s)
		if err != nil {
			fail("convention", err)
		}
		p.Convention = c
	}
	if s, ok := field("rounding", r.Rounding, false); ok {
		rr, err := ParseRounding(s)
		if err != nil {
			fail("rounding", err)
		}
		p.Rounding = rr
	}
	if len(errs) > 0 {
		return Input{}, errs
	}
	return in, nil
}

// parseBps reads a whole number of basis points, such as "500".
func parseBps(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, ErrMalformedBps
	}
	return n, nil
}
