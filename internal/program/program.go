// Package program holds buyer programs: the terms under which a buyer's
// approved invoices are financed, and who is enrolled in them.
package program

import (
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/validation"
)

var (
	ErrNotFound        = errors.New("program not found")
	ErrDuplicateName   = errors.New("the buyer already has a program with that name")
	ErrNotABuyer       = errors.New("programs belong to buyers")
	ErrNotALender      = errors.New("only lenders can be enrolled as lenders")
	ErrNotASupplier    = errors.New("only suppliers can be enrolled as suppliers")
	ErrAlreadyEnrolled = errors.New("already enrolled in this program")
)

// Program is a buyer's supplier-finance program.
type Program struct {
	ID               uuid.UUID
	BuyerID          uuid.UUID
	Name             string
	Currency         money.Currency
	ReferenceIndex   string
	MaxSpreadBps     int
	DayCount         string // ACT/360 or ACT/365
	Calendar         string // MX or CO
	BusinessDayRule  string // following or modified_following
	TimeZone         string
	FundingCutoff    string // HH:MM in TimeZone
	MinDays          int
	MaxTenorDays     int
	MaxInvoiceAmount *decimal.Decimal
	MaxEffectiveRate *decimal.Decimal // percent a year, e.g. Colombia's usury rate
	GraceDays        int
	Rounding         string // half_up (default), half_even or down: see docs/pricing.md
	// AuctionWindowMinutes is how long an early-payment request stays open for bids.
	AuctionWindowMinutes int
	CreatedAt            time.Time
}

// Draft is the input for a new program; empty fields take the defaults of
// the buyer's country.
type Draft struct {
	Name             string
	Currency         string
	ReferenceIndex   string
	MaxSpreadBps     *int
	DayCount         string
	Calendar         string
	BusinessDayRule  string
	TimeZone         string
	FundingCutoff    string
	MinDays          *int
	MaxTenorDays     *int
	MaxInvoiceAmount string
	MaxEffectiveRate string
	GraceDays        *int
	Rounding         string
	// AuctionWindowMinutes defaults to 30 (1..1440).
	AuctionWindowMinutes *int
}

type defaults struct{ currency, index, dayCount, calendar, tz string }

// byCountry holds the market conventions: ACT/360 over TIIE in Mexico,
// ACT/365 over IBR in Colombia.
var byCountry = map[string]defaults{
	"MX": {"MXN", "TIIE_FONDEO", "ACT/360", "MX", "America/Mexico_City"},
	"CO": {"COP", "IBR_3M", "ACT/365", "CO", "America/Bogota"},
}

// New validates d for a buyer of the given country. platformMaxBps caps the
// program's maximum spread (NAFIN's 7 points by default).
func New(buyerID uuid.UUID, buyerCountry string, d Draft, platformMaxBps int, now time.Time) (Program, error) {
	def := byCountry[buyerCountry]
	or := func(v, dflt string) string {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
		return dflt
	}
	orInt := func(v *int, dflt int) int {
		if v != nil {
			return *v
		}
		return dflt
	}
	p := Program{
		BuyerID: buyerID, Name: strings.TrimSpace(d.Name), ReferenceIndex: or(d.ReferenceIndex, def.index),
		MaxSpreadBps: orInt(d.MaxSpreadBps, platformMaxBps), DayCount: or(d.DayCount, def.dayCount),
		Calendar: or(d.Calendar, def.calendar), BusinessDayRule: or(d.BusinessDayRule, "modified_following"),
		TimeZone: or(d.TimeZone, def.tz), FundingCutoff: or(d.FundingCutoff, "13:00"),
		MinDays: orInt(d.MinDays, 7), MaxTenorDays: orInt(d.MaxTenorDays, 180), GraceDays: orInt(d.GraceDays, 3), Rounding: or(d.Rounding, "half_up"), CreatedAt: now,
		AuctionWindowMinutes: orInt(d.AuctionWindowMinutes, 30),
	}
	var errs validation.Errors
	if p.Name == "" || len(p.Name) > 200 {
		errs.Add("name", "required", "name is required (at most 200 characters)")
	}
	cur, err := money.ParseCurrency(or(d.Currency, def.currency))
	if err != nil {
		errs.Add("currency", "unsupported", "currency must be MXN, COP or USD")
	}
	p.Currency = cur
	if !refrate.KnownIndex(p.ReferenceIndex) {
		errs.Add("reference_index", "unsupported", "reference index must be one of %s", strings.Join(refrate.Indices, ", "))
	}
	if _, err := pricing.ParseRounding(p.Rounding); err != nil {
		errs.Add("rounding", "unsupported", "rounding must be half_up, half_even or down")
	}
	if p.MaxSpreadBps < 0 || p.MaxSpreadBps > platformMaxBps || pricing.ValidateMaxSpread(p.MaxSpreadBps) != nil {
		errs.Add("max_spread_bps", "above_platform_cap", "maximum spread must be between 0 and %d basis points", platformMaxBps)
	}
	if p.DayCount != "ACT/360" && p.DayCount != "ACT/365" {
		errs.Add("day_count", "unsupported", "day count must be ACT/360 or ACT/365")
	}
	if p.Calendar != "MX" && p.Calendar != "CO" {
		errs.Add("calendar", "unsupported", "calendar must be MX or CO")
	}
	if p.BusinessDayRule != "following" && p.BusinessDayRule != "modified_following" {
		errs.Add("business_day_rule", "unsupported", "business day rule must be following or modified_following")
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "Local" {
		errs.Add("time_zone", "invalid", "time zone must be an IANA name such as America/Mexico_City")
	}
	if _, err := time.Parse("15:04", p.FundingCutoff); err != nil {
		errs.Add("funding_cutoff", "invalid", "funding cut-off must be HH:MM")
	}
	if p.MinDays < 1 {
		errs.Add("min_days", "invalid", "minimum days to maturity must be at least 1")
	}
	if p.MaxTenorDays < p.MinDays || p.MaxTenorDays > 366 {
		errs.Add("max_tenor_days", "invalid", "maximum tenor must be between the minimum days and 366")
	}
	if p.AuctionWindowMinutes < 1 || p.AuctionWindowMinutes > 1440 {
		errs.Add("auction_window_minutes", "invalid", "the auction window is from 1 to 1440 minutes")
	}
	if p.GraceDays < 0 || p.GraceDays > 90 {
		errs.Add("grace_days", "invalid", "grace days must be between 0 and 90")
	}
	// Parsed as sent: " 100.00" is a malformed amount, not a trimmed one.
	if s := d.MaxInvoiceAmount; strings.TrimSpace(s) != "" && cur != "" {
		if a, err := money.ParsePositiveAmount(s, cur); err != nil {
			errs.Add("max_invoice_amount", amountCode(err), "maximum invoice amount must be a positive amount with at most %d decimals", cur.MinorUnits())
		} else {
			p.MaxInvoiceAmount = &a
		}
	}
	if s := d.MaxEffectiveRate; strings.TrimSpace(s) != "" {
		r, err := pricing.ParsePercent(s) // strict: "1e3" and " 25" are refused
		r = pricing.RateToPercent(r)
		if err != nil || !r.IsPositive() || r.GreaterThan(decimal.NewFromInt(1000)) {
			errs.Add("max_effective_rate", "invalid", "maximum effective annual rate is a percentage such as \"25.52\"")
		} else {
			p.MaxEffectiveRate = &r
		}
	}
	if err := errs.Err(); err != nil {
		return Program{}, err
	}
	id, err := uuid.NewV7()
	p.ID = id
	return p, err
}

func amountCode(err error) string {
	if errors.Is(err, money.ErrTooManyDecimals) {
		return "too_many_decimals"
	}
	if errors.Is(err, money.ErrTooLarge) {
		return "amount_too_large"
	}
	return "invalid_amount"
}

// Location returns the program's time zone (validated at creation).
func (p Program) Location() *time.Location {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// LenderLimit is a lender's enrolment in a program with its credit limit on the buyer.
type LenderLimit struct {
	ProgramID   uuid.UUID
	LenderID    uuid.UUID
	CreditLimit decimal.Decimal
	Exposure    decimal.Decimal
	EnrolledAt  time.Time
}

// Available is what the lender can still finance under this program.
func (l LenderLimit) Available() decimal.Decimal { return l.CreditLimit.Sub(l.Exposure) }

// ParseLimit validates a credit limit in the program's currency.
func ParseLimit(s string, cur money.Currency) (decimal.Decimal, error) {
	a, err := money.ParseAmount(s, cur)
	if err != nil || a.IsNegative() {
		return decimal.Decimal{}, validation.Errors{{Field: "credit_limit", Code: "invalid_amount",
			Message: "credit limit must be a non-negative amount with at most " + decimal.NewFromInt32(cur.MinorUnits()).String() + " decimals"}}
	}
	return a, nil
}

// SupplierEnrollment records that a supplier may have its invoices financed in a program.
type SupplierEnrollment struct {
	ProgramID  uuid.UUID
	SupplierID uuid.UUID
	EnrolledAt time.Time
}

// EnrolledSupplier is an enrolment with the supplier's names, for listings.
type EnrolledSupplier struct {
	SupplierEnrollment
	LegalName string
	TaxID     string
}
