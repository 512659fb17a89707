// Package financing holds a financing after acceptance: one per invoice, its
// locked terms, its status machine and the exposure it weighs on its lender.
package financing

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// ErrNotFound: no such financing, or not one the caller may see.
var (
	ErrNotFound   = errors.New("financing not found")
	ErrTransition = errors.New("financing status change not allowed")
)

// Status is where a financing stands. Only Accepted is created by
// acceptance; the others belong to settlement and are declared now so the
// database CHECK and the machine never need widening.
type Status string

const (
	Accepted          Status = "accepted"
	FundingInstructed Status = "funding_instructed"
	Funded            Status = "funded"
	Due               Status = "due"
	Repaid            Status = "repaid"
	FundingFailed     Status = "funding_failed"
	Overdue           Status = "overdue"
)

var transitions = map[Status][]Status{
	Accepted:          {FundingInstructed, FundingFailed},
	FundingInstructed: {Funded, FundingFailed},
	Funded:            {Due, Repaid},
	Due:               {Repaid, Overdue},
	Overdue:           {Repaid},
}

// To checks a status change.
func (s Status) To(next Status) error {
	for _, t := range transitions[s] {
		if t == next {
			return nil
		}
	}
	return ErrTransition
}

// HoldsExposure reports whether a financing in s counts against its
// lender's limit: everything accepted and neither repaid nor failed.
func (s Status) HoldsExposure() bool { return s != Repaid && s != FundingFailed }

// ExposureDelta is what moving from s to next does to the lender's exposure
// for a financing of face: a release (negative) when it stops holding.
func (s Status) ExposureDelta(next Status, face decimal.Decimal) decimal.Decimal {
	switch {
	case s.HoldsExposure() && !next.HoldsExposure():
		return face.Neg()
	case !s.HoldsExposure() && next.HoldsExposure():
		return face
	}
	return decimal.Zero
}

// Financing is one financed invoice with the terms locked at acceptance.
type Financing struct {
	ID             uuid.UUID
	OfferID        uuid.UUID
	InvoiceID      uuid.UUID
	ProgramID      uuid.UUID
	LenderID       uuid.UUID
	SupplierID     uuid.UUID
	BuyerID        uuid.UUID
	Currency       money.Currency
	Face           decimal.Decimal
	Discount       decimal.Decimal
	Net            decimal.Decimal
	SpreadBps      int
	ReferenceIndex string
	ReferenceDate  time.Time
	ReferenceRate  decimal.Decimal // percent
	ValueDate      time.Time
	Maturity       time.Time
	Status         Status
	AcceptedAt     time.Time
	UpdatedAt      time.Time
}
