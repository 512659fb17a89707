package offer

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/validation"
)

var t0 = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)

func TestNewStanding(t *testing.T) {
	p, l := uuid.New(), uuid.New()
	for _, c := range []struct {
		name    string
		buckets []Bucket
		err     error
	}{
		{"ok", []Bucket{{30, 350}, {90, 300}, {180, 280}}, nil},
		{"at the cap", []Bucket{{180, 700}}, nil},
		{"above the cap", []Bucket{{30, 701}}, ErrStandingAboveCap},
		{"none", nil, errValidation},
		{"not ascending", []Bucket{{90, 300}, {30, 350}}, errValidation},
		{"beyond a year", []Bucket{{367, 300}}, errValidation},
		{"negative", []Bucket{{30, -1}}, errValidation},
	} {
		_, err := NewStanding(p, l, c.buckets, time.Time{}, time.Time{}, 700, t0)
		switch {
		case c.err == nil && err != nil, c.err == errValidation && (err == nil || errors.Is(err, ErrStandingAboveCap)),
			c.err != nil && c.err != errValidation && !errors.Is(err, c.err):
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := NewStanding(p, l, []Bucket{{30, 1}}, t0, t0.Add(-time.Hour), 700, t0); err == nil {
		t.Error("a window ending before it starts was accepted")
	}
}

var errValidation = errors.New("validation")

func TestSpreadForAndQuotable(t *testing.T) {
	s, err := NewStanding(uuid.New(), uuid.New(), []Bucket{{30, 350}, {60, 330}, {90, 310}, {180, 300}}, t0, t0.Add(time.Hour), 700, t0)
	if err != nil {
		t.Fatal(err)
	}
	for days, want := range map[int]int{1: 350, 30: 350, 31: 330, 60: 330, 61: 310, 91: 300, 180: 300} {
		if got, ok := s.SpreadFor(days); !ok || got != want {
			t.Errorf("%d days: %d %v, want %d", days, got, ok, want)
		}
	}
	if _, ok := s.SpreadFor(181); ok {
		t.Error("181 days quoted")
	}
	if !s.Quotable(t0) || s.Quotable(t0.Add(time.Hour)) || s.Quotable(t0.Add(-time.Second)) {
		t.Error("validity window")
	}
	s.Status = Paused
	if s.Quotable(t0) {
		t.Error("a paused offer quotes")
	}
}

func TestExpiryNeverPastCutoff(t *testing.T) {
	mx := time.FixedZone("CST", -6*3600)
	vd := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	cut := CutoffInstant(vd, mx, 13, 0) // 19:00 UTC
	if got := Expiry(t0, QuoteTTL, cut); !got.Equal(t0.Add(QuoteTTL)) {
		t.Errorf("morning: %v", got)
	}
	late := time.Date(2026, 11, 20, 18, 55, 0, 0, time.UTC)
	if got := Expiry(late, QuoteTTL, cut); !got.Equal(cut) {
		t.Errorf("5 minutes before the cut-off: %v, want %v", got, cut)
	}
	o := Offer{Status: StatusOpen, ExpiresAt: cut}
	if o.Acceptable(cut.Add(-time.Nanosecond)) != nil || !errors.Is(o.Acceptable(cut), ErrExpired) {
		t.Error("expiry is exclusive")
	}
	o.Status = StatusSuperseded
	if !errors.Is(o.Acceptable(t0), ErrNotOpen) {
		t.Error("superseded offer acceptable")
	}
}

func TestBidRulesAndBest(t *testing.T) {
	a := Auction{Status: AuctionOpen, Face: decimal.RequireFromString("100000.00"), MaxSpreadBps: 500, ClosesAt: t0.Add(time.Hour)}
	avail := decimal.RequireFromString("100000.00")
	prev := &Bid{SpreadBps: 300}
	for _, c := range []struct {
		spread int
		avail  decimal.Decimal
		prev   *Bid
		at     time.Time
		err    error
	}{
		{300, avail, nil, t0, nil},
		{500, avail, nil, t0, nil},
		{501, avail, nil, t0, ErrBidAboveCap},
		{300, decimal.RequireFromString("99999.99"), nil, t0, ErrBidOverLimit},
		{299, avail, prev, t0, nil},
		{300, avail, prev, t0, ErrBidNotImprovement},
		{100, avail, nil, t0.Add(time.Hour), ErrAuctionClosed},
	} {
		if err := a.CheckBid(c.spread, c.avail, c.prev, c.at); !errors.Is(err, c.err) && (err != nil || c.err != nil) {
			t.Errorf("bid %d: %v, want %v", c.spread, err, c.err)
		}
	}
	// A negative spread is invalid input (the contract's minimum 0), not a
	// business refusal, even on a closed auction.
	for _, at := range []time.Time{t0, t0.Add(time.Hour)} {
		var ve validation.Errors
		if err := a.CheckBid(-1, avail, nil, at); !errors.As(err, &ve) || ve[0].Field != "spread_bps" || errors.Is(err, ErrBidAboveCap) {
			t.Errorf("bid -1 at %s: %v, want a validation error on spread_bps", at, err)
		}
	}
	var ve validation.Errors
	if err := CheckSpread(nil); !errors.As(err, &ve) || ve[0].Code != "required" {
		t.Errorf("missing spread: %v, want required", err)
	}
	l1, l2, l3 := uuid.New(), uuid.New(), uuid.New()
	best, ok := Best([]Bid{{LenderID: l1, SpreadBps: 300, PlacedAt: t0.Add(time.Minute)}, {LenderID: l2, SpreadBps: 300, PlacedAt: t0},
		{LenderID: l3, SpreadBps: 310, PlacedAt: t0.Add(-time.Hour)}})
	if !ok || best.LenderID != l2 {
		t.Errorf("best %v: the earlier of the two lowest should win", best.LenderID)
	}
	if _, ok := Best(nil); ok {
		t.Error("a winner without bids")
	}
}
