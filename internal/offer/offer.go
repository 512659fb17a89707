// Package offer holds what lenders offer on approved invoices: standing
// offers (a spread per tenor bucket, for instant quotes), the offers a quote
// or an auction produces, and the auction rules. It knows nothing of HTTP,
// SQL or NATS.
package offer

import (
	"errors"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Sentinels mapped to HTTP by internal/api's catalog.
var (
	ErrNotFound          = errors.New("offer not found")
	ErrExpired           = errors.New("the offer has expired")
	ErrNotOpen           = errors.New("the offer is no longer open")
	ErrInvoiceTaken      = errors.New("an invoice of the offer is no longer available")
	ErrLimitExceeded     = errors.New("the lender's available limit does not cover the offer")
	ErrRepriced          = errors.New("the reference rate changed since the offer; ask for a new quote")
	ErrNoStandingOffer   = errors.New("no standing offer")
	ErrNoQuotes          = errors.New("no lender can quote these invoices now")
	ErrMixedPrograms     = errors.New("the invoices belong to different programs")
	ErrAuctionNotFound   = errors.New("auction not found")
	ErrAuctionClosed     = errors.New("the auction is closed")
	ErrBidAboveCap       = errors.New("spread above the program's maximum spread")
	ErrBidOverLimit      = errors.New("the auction's face exceeds the lender's available limit")
	ErrBidNotEnrolled    = errors.New("the lender is not enrolled in the auction's program")
	ErrBidNotImprovement = errors.New("a new bid must lower the spread")
	ErrStandingAboveCap  = errors.New("a standing offer spread is above the program's maximum spread")
)

// QuoteTTL is how long a quote holds, unless the funding cut-off comes first.
const QuoteTTL = 10 * time.Minute

// Bucket is a tenor bucket: invoices with up to MaxDays days to maturity get SpreadBps.
type Bucket struct {
	MaxDays   int `json:"max_days"`
	SpreadBps int `json:"spread_bps"`
}

// Standing is a lender's standing offer in one program.
type Standing struct {
	ProgramID  uuid.UUID
	LenderID   uuid.UUID
	Status     string // active or paused
	Buckets    []Bucket
	ValidFrom  time.Time
	ValidUntil time.Time
	UpdatedAt  time.Time
}

// Standing offer statuses.
const (
	Active = "active"
	Paused = "paused"
)

// NewStanding validates a standing offer against the program's cap: buckets
// ascending by MaxDays, each from 1 to 366 days, spreads within 0..maxSpreadBps.
func NewStanding(programID, lenderID uuid.UUID, buckets []Bucket, from, until time.Time, maxSpreadBps int, now time.Time) (Standing, error) {
	var errs validation.Errors
	if len(buckets) == 0 || len(buckets) > 12 {
		errs.Add("buckets", "required", "give from 1 to 12 tenor buckets")
	}
	prev := 0
	for _, b := range buckets {
		if b.MaxDays <= prev || b.MaxDays > 366 {
			errs.Add("buckets", "invalid_bucket", "max_days must increase from bucket to bucket, within 1..366")
			break
		}
		prev = b.MaxDays
	}
	for _, b := range buckets {
		if b.SpreadBps < 0 {
			errs.Add("buckets", "negative_spread", "spreads must not be negative")
			break
		}
	}
	if err := errs.Err(); err != nil {
		return Standing{}, err
	}
	for _, b := range buckets {
		if b.SpreadBps > maxSpreadBps {
			return Standing{}, ErrStandingAboveCap
		}
	}
	if from.IsZero() {
		from = now
	}
	if until.IsZero() {
		until = from.AddDate(1, 0, 0)
	}
	if !until.After(from) || !until.After(now) {
		return Standing{}, validation.Errors{{Field: "valid_until", Code: "invalid", Message: "valid_until must be after valid_from and in the future"}}
	}
	return Standing{ProgramID: programID, LenderID: lenderID, Status: Active, Buckets: buckets, ValidFrom: from, ValidUntil: until, UpdatedAt: now}, nil
}

// SpreadFor returns the spread for an invoice with days to maturity, or false
// when no bucket covers it.
func (s Standing) SpreadFor(days int) (int, bool) {
	for _, b := range s.Buckets {
		if days <= b.MaxDays {
			return b.SpreadBps, true
		}
	}
	return 0, false
}

// Quotable reports whether the standing offer can quote at now.
func (s Standing) Quotable(now time.Time) bool {
	return s.Status == Active && !now.Before(s.ValidFrom) && now.Before(s.ValidUntil)
}

// Offer statuses and sources.
const (
	StatusOpen       = "open"
	StatusAccepted   = "accepted"
	StatusExpired    = "expired"
	StatusSuperseded = "superseded"
	SourceQuote      = "quote"
	SourceAuction    = "auction"
)

// Offer is a priced, time-limited proposal by one lender for a set of invoices.
type Offer struct {
	ID             uuid.UUID
	Source         string
	AuctionID      *uuid.UUID
	ProgramID      uuid.UUID
	LenderID       uuid.UUID
	SupplierID     uuid.UUID
	BuyerID        uuid.UUID
	Currency       money.Currency
	SpreadBps      int
	ReferenceIndex string
	ReferenceDate  time.Time
	ReferenceRate  decimal.Decimal // percent
	ValueDate      time.Time
	Face           decimal.Decimal
	Discount       decimal.Decimal
	Net            decimal.Decimal
	Status         string
	ExpiresAt      time.Time
	CreatedAt      time.Time
	Lines          []Line
}

// Line is one invoice of an offer, priced on its own, with the rates that
// priced it so the supplier can reproduce its price.
type Line struct {
	InvoiceID     uuid.UUID
	Face          decimal.Decimal
	Discount      decimal.Decimal
	Net           decimal.Decimal
	DueDate       time.Time
	Maturity      time.Time
	Days          int
	SpreadBps     int             // the lender's spread for the line's tenor bucket
	AllInRate     decimal.Decimal // reference + spread, a fraction
	EffectiveRate decimal.Decimal // effective annual rate, a fraction (pricing.Quote)
}

// InvoiceIDs are the offer's invoices, in the order of its lines.
func (o Offer) InvoiceIDs() []uuid.UUID {
	ids := make([]uuid.UUID, len(o.Lines))
	for i, l := range o.Lines {
		ids[i] = l.InvoiceID
	}
	return ids
}

// Acceptable checks an offer at the instant of acceptance.
func (o Offer) Acceptable(now time.Time) error {
	if o.Status != StatusOpen {
		return ErrNotOpen
	}
	if !now.Before(o.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// Expiry is when an offer made at now lapses: after ttl, but never past the
// funding cut-off of its value date (cutoff, an instant), since after it the
// lender cannot pay on that value date.
func Expiry(now time.Time, ttl time.Duration, cutoff time.Time) time.Time {
	exp := now.Add(ttl)
	if cutoff.Before(exp) {
		return cutoff
	}
	return exp
}

// CutoffInstant is the funding cut-off (hour:minute in loc) on the value date.
func CutoffInstant(valueDate time.Time, loc *time.Location, hour, minute int) time.Time {
	return time.Date(valueDate.Year(), valueDate.Month(), valueDate.Day(), hour, minute, 0, 0, loc)
}

// SortByNet orders offers best net proceeds first; ties by lower spread.
func SortByNet(offers []Offer) {
	sort.SliceStable(offers, func(i, j int) bool {
		if c := offers[i].Net.Cmp(offers[j].Net); c != 0 {
			return c > 0
		}
		return offers[i].SpreadBps < offers[j].SpreadBps
	})
}
