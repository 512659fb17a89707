package offer

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Auction statuses.
const (
	AuctionOpen   = "open"
	AuctionClosed = "closed"
)

// Auction is a supplier's early-payment request: lenders enrolled in the
// program bid a spread until ClosesAt; the lowest spread wins.
type Auction struct {
	ID            uuid.UUID
	ProgramID     uuid.UUID
	SupplierID    uuid.UUID
	BuyerID       uuid.UUID
	Currency      money.Currency
	Status        string
	Face          decimal.Decimal
	ValueDate     time.Time
	MaxSpreadBps  int
	OpensAt       time.Time
	ClosesAt      time.Time
	ClosedAt      *time.Time
	WinningLender *uuid.UUID
	WinningOffer  *uuid.UUID
	InvoiceIDs    []uuid.UUID
}

// Bid is a lender's current bid in an auction.
type Bid struct {
	AuctionID uuid.UUID
	LenderID  uuid.UUID
	SpreadBps int
	PlacedAt  time.Time // when the current spread was bid; decides ties
	Revisions int
}

// Instant is how auction and bid times are kept: UTC to the microsecond,
// PostgreSQL's precision, so a POST answers the same instant a later GET
// reads back.
func Instant(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// CheckSpread is the validation of a bid's spread_bps, whichever way the bid
// arrives (HTTP or NATS): required, and never negative (the contract's
// minimum 0). The program's cap is a business rule, checked by CheckBid.
func CheckSpread(bps *int) error {
	switch {
	case bps == nil:
		return validation.Errors{{Field: "spread_bps", Code: "required", Message: "spread_bps is required"}}
	case *bps < 0:
		return validation.Errors{{Field: "spread_bps", Code: "out_of_range", Message: "spread_bps must be 0 or more"}}
	}
	return nil
}

// CheckBid applies the auction rules to a bid at now: the auction must be
// open, the spread within the cap, and the lender's available limit must
// cover the auction's face. prev is the lender's current bid, if any: a new
// bid must lower it.
func (a Auction) CheckBid(spreadBps int, available decimal.Decimal, prev *Bid, now time.Time) error {
	if err := CheckSpread(&spreadBps); err != nil {
		return err
	}
	switch {
	case a.Status != AuctionOpen || !now.Before(a.ClosesAt):
		return ErrAuctionClosed
	case spreadBps > a.MaxSpreadBps:
		return ErrBidAboveCap
	case available.LessThan(a.Face):
		return ErrBidOverLimit
	case prev != nil && spreadBps >= prev.SpreadBps:
		return ErrBidNotImprovement
	}
	return nil
}

// Best returns the winning bid: lowest spread, then earliest placed_at, then
// lender id so the choice is total. False when there are no bids.
func Best(bids []Bid) (Bid, bool) {
	if len(bids) == 0 {
		return Bid{}, false
	}
	best := bids[0]
	for _, b := range bids[1:] {
		switch {
		case b.SpreadBps < best.SpreadBps,
			b.SpreadBps == best.SpreadBps && b.PlacedAt.Before(best.PlacedAt),
			b.SpreadBps == best.SpreadBps && b.PlacedAt.Equal(best.PlacedAt) && b.LenderID.String() < best.LenderID.String():
			best = b
		}
	}
	return best, true
}
