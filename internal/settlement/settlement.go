// Package settlement holds the rules of moving a financing's money: its two
// payment legs and their end-to-end ids, how a bank notification entry is
// matched to the payment it confirms, what the ledger must hold for a
// financing in each state, and the assignment notice. It is pure: the
// store is settlementdb, the use cases are in internal/app.
package settlement

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/money"
)

// Refusals of a confirmation or a payment file; the API maps each to a code.
var (
	ErrAmountMismatch    = errors.New("the amount is not exactly the amount due")
	ErrAlreadyConfirmed  = errors.New("the payment is already confirmed with another bank reference")
	ErrNoBankAccount     = errors.New("a party of the payment has no bank account in its currency")
	ErrStatementInvalid  = errors.New("the bank statement is not a valid camt.054.001.08 notification")
	ErrStatementNotFound = errors.New("bank statement not found")
	ErrFileNotFound      = errors.New("payment file not found")
	ErrFileRefused       = errors.New("the payment file cannot be built from the parties' data")
	ErrPaidInFuture      = errors.New("a confirmation carries the date the money moved, which cannot be after today")
)

// Leg is one of a financing's two payments.
type Leg string

const (
	Disbursement Leg = "disbursement" // lender → supplier, net proceeds, on the value date
	Repayment    Leg = "repayment"    // buyer → lender, face, at maturity
)

func (l Leg) letter() string {
	if l == Repayment {
		return "R"
	}
	return "D"
}

// EndToEndID is the id a leg travels under in pain.001 and comes back
// with in camt.054: "C", the leg letter, and the financing id as 32
// lower-case hex digits (34 characters, within Max35Text). It is derived,
// never stored alone, so any file or statement can be matched without a
// lookup table (docs/iso20022.md).
func EndToEndID(financingID uuid.UUID, l Leg) string {
	return "C" + l.letter() + hex.EncodeToString(financingID[:])
}

// ParseEndToEndID reads an id EndToEndID wrote; ok is false for anything
// else (another payer's payment on the same account).
func ParseEndToEndID(s string) (uuid.UUID, Leg, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 34 || s[0] != 'C' {
		return uuid.Nil, "", false
	}
	var l Leg
	switch s[1] {
	case 'D':
		l = Disbursement
	case 'R':
		l = Repayment
	default:
		return uuid.Nil, "", false
	}
	raw, err := hex.DecodeString(s[2:])
	if err != nil || strings.ToLower(s[2:]) != s[2:] {
		return uuid.Nil, "", false
	}
	id, err := uuid.FromBytes(raw)
	return id, l, err == nil
}

// Payment is what a leg of f must pay: who to whom, how much, when.
type Payment struct {
	FinancingID   uuid.UUID
	Leg           Leg
	EndToEndID    string
	Debtor        uuid.UUID
	Creditor      uuid.UUID
	Amount        decimal.Decimal
	Currency      money.Currency
	ExecutionDate time.Time
}

// Expected is the payment leg l of f must make.
func Expected(f financing.Financing, l Leg) Payment {
	p := Payment{FinancingID: f.ID, Leg: l, EndToEndID: EndToEndID(f.ID, l), Currency: f.Currency}
	if l == Repayment {
		p.Debtor, p.Creditor, p.Amount, p.ExecutionDate = f.BuyerID, f.LenderID, f.Face, f.Maturity
	} else {
		p.Debtor, p.Creditor, p.Amount, p.ExecutionDate = f.LenderID, f.SupplierID, f.Net, f.ValueDate
	}
	return p
}

// Confirmation is a payment the bank (or the payee) says happened.
type Confirmation struct {
	Source        string // SourceManual or SourceCamt054
	BankReference string
	Amount        decimal.Decimal
	Currency      money.Currency
	Date          time.Time
}

// CheckPaidOn is the rule for a confirmation's date, the one place it
// lives (API, portal and statements call it through the use case): the
// date is the day the money moved, the value date of the transfer, so it
// cannot be after today, which is the day in the program's time zone
// (today). A past date is allowed: a payment may be confirmed late.
func CheckPaidOn(paidOn, today time.Time) error {
	if calendar.Day(paidOn).After(calendar.Day(today)) {
		return fmt.Errorf("%w: %s is after %s", ErrPaidInFuture, paidOn.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return nil
}

// Sources of a confirmation.
const (
	SourceManual  = "manual"
	SourceCamt054 = "camt054"
)

// Stored is a leg as recorded: instructed, or confirmed with its confirmation.
type Stored struct {
	Payment
	Status       string // StatusInstructed or StatusConfirmed
	Confirmation *Confirmation
	InstructedAt time.Time
	ConfirmedBy  string
	ConfirmedAt  time.Time
}

// Leg statuses.
const (
	StatusInstructed = "instructed"
	StatusConfirmed  = "confirmed"
)

// Verdict is what a confirmation does to a leg.
type Verdict int

const (
	Apply     Verdict = iota // a new confirmation: move the financing and post the ledger
	Duplicate                // the same confirmation again: nothing changes
)

// Judge decides a confirmation c of leg want, given the leg as stored (nil
// when it never was): the amount and currency must be exact; a leg already
// confirmed with the same bank reference is a duplicate, with another one
// ErrAlreadyConfirmed. It says nothing about the financing's state, which
// financing.Status.To rules.
func Judge(want Payment, stored *Stored, c Confirmation) (Verdict, error) {
	if stored != nil && stored.Status == StatusConfirmed && stored.Confirmation != nil {
		if stored.Confirmation.BankReference == c.BankReference && stored.Confirmation.Amount.Equal(c.Amount) {
			return Duplicate, nil
		}
		return Duplicate, ErrAlreadyConfirmed
	}
	if c.Currency != want.Currency || !c.Amount.Equal(want.Amount) {
		return Apply, ErrAmountMismatch
	}
	return Apply, nil
}

// Target is the status a confirmed leg moves a financing to, and the
// statuses it may come from.
func Target(l Leg) financing.Status {
	if l == Repayment {
		return financing.Repaid
	}
	return financing.Funded
}

// Path is the chain of statuses from s to the leg's target through the one
// machine: a funding confirmed before any payment file passes through
// funding_instructed, so every step has its event. It is ErrTransition
// when the machine does not allow it (a late funding after funding_failed).
func Path(s financing.Status, l Leg) ([]financing.Status, error) {
	target := Target(l)
	if s == financing.Accepted && l == Disbursement {
		return []financing.Status{financing.FundingInstructed, target}, nil
	}
	if err := s.To(target); err != nil {
		return nil, err
	}
	return []financing.Status{target}, nil
}
