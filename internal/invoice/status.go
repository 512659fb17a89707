package invoice

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/validation"
)

// Status is where an invoice stands. Settlement states come with settlement.
type Status string

const (
	Published Status = "published" // available to finance
	Offered   Status = "offered"   // accepted by the supplier, in auction or under a quote
	Financed  Status = "financed"
	Cancelled Status = "cancelled"
	Expired   Status = "expired"
)

// transitions is the one status machine: every change goes through To.
var transitions = map[Status][]Status{
	Published: {Offered, Cancelled, Expired},
	Offered:   {Financed, Published}, // an auction without a winner puts it back
	Financed:  {Published},           // the lender did not fund by the cut-off: available again
}

// To checks that s may become next.
func (s Status) To(next Status) error {
	for _, n := range transitions[s] {
		if n == next {
			return nil
		}
	}
	if next == Cancelled && (s == Offered || s == Financed) {
		return ErrNotCancellable
	}
	return fmt.Errorf("%w: %s to %s", ErrTransition, s, next)
}

// Cancel checks the buyer may cancel i: only a published invoice, never a
// credit note (its netting is final).
func (i Invoice) Cancel() error {
	if i.Kind != KindInvoice {
		return ErrNotCancellable
	}
	return i.Status.To(Cancelled)
}

// Net applies a credit note of amount to target and returns the new netted
// total. A financed (or offered) invoice cannot be netted, nor can one that
// is no longer live, and netting never takes the payable below zero.
func Net(target Invoice, amount decimal.Decimal) (decimal.Decimal, validation.Errors) {
	var errs validation.Errors
	switch {
	case target.Kind != KindInvoice:
		errs.Add("credit_note_for", CodeCreditTargetAbsent, "a credit note must reference an invoice")
	case target.Status == Offered || target.Status == Financed:
		errs.Add("credit_note_for", CodeAlreadyFinanced, "the invoice is already %s and cannot be netted", target.Status)
	case target.Status != Published:
		errs.Add("credit_note_for", CodeNotNettable, "the invoice is %s and cannot be netted", target.Status)
	case amount.GreaterThan(target.Payable()):
		errs.Add("amount", CodeCreditExceeds, "the credit note exceeds the invoice's payable amount of %s", target.Payable().StringFixed(2))
	}
	if errs != nil {
		return decimal.Decimal{}, errs
	}
	return target.NettedAmount.Add(amount), nil
}
