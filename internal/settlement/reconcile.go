package settlement

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/ledger"
	"github.com/cadena-finance/cadena/internal/money"
)

// LedgerFinancing names f's parties for the ledger's standard entries.
func LedgerFinancing(f financing.Financing) ledger.Financing {
	return ledger.Financing{ID: f.ID, Lender: f.LenderID, Supplier: f.SupplierID, Buyer: f.BuyerID, Currency: f.Currency}
}

// Entry ids derive from the financing, so a retried confirmation posts nothing new.
func FundingEntryID(f uuid.UUID) uuid.UUID   { return ledger.IDFor(ledger.EntryFunding, f) }
func RepaymentEntryID(f uuid.UUID) uuid.UUID { return ledger.IDFor(ledger.EntryRepayment, f) }
func DiscountEntryID(f uuid.UUID) uuid.UUID  { return ledger.IDFor(ledger.EntryDiscountEarned, f) }

// funded reports whether s is after the disbursement was confirmed.
func funded(s financing.Status) bool {
	return s == financing.Funded || s == financing.Due || s == financing.Overdue || s == financing.Repaid
}

// Postings are the entries a financing in status s must have caused, and
// only those: nothing before funding (nor after a failed funding); the
// funding once funded; the repayment and the earned discount once repaid.
// This is the one rule the transitions follow, and reconciliation and the
// property test check against.
func Postings(f financing.Financing, s financing.Status, fundedAt, repaidAt time.Time) ([]ledger.Entry, error) {
	lf := LedgerFinancing(f)
	var out []ledger.Entry
	if funded(s) {
		e, err := ledger.Funding(FundingEntryID(f.ID), lf, f.Face, f.Net, fundedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if s == financing.Repaid {
		e, err := ledger.Repayment(RepaymentEntryID(f.ID), lf, f.Face, repaidAt)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if f.Discount.IsPositive() {
			d, err := ledger.DiscountEarned(DiscountEntryID(f.ID), lf, f.Discount, repaidAt)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// Difference is one disagreement found by reconciliation.
type Difference struct {
	FinancingID uuid.UUID `json:"financing_id"`
	What        string    `json:"what"`
	Expected    string    `json:"expected"`
	Actual      string    `json:"actual"`
}

// Facts is everything recorded about one financing.
type Facts struct {
	Financing financing.Financing
	Entries   []ledger.Entry // every entry referencing it
	Legs      []Stored
}

// Check compares a financing's state, ledger entries and confirmed legs,
// and reports each disagreement. Entries are compared by id, kind and
// per-account effect, not by time: a posting's time is when it was
// confirmed, which the state does not record.
func Check(fx Facts) []Difference {
	f := fx.Financing
	var out []Difference
	diff := func(what, want, got string) {
		out = append(out, Difference{FinancingID: f.ID, What: what, Expected: want, Actual: got})
	}
	var at time.Time
	for _, e := range fx.Entries {
		at = e.At
		break
	}
	want, err := Postings(f, f.Status, at, at)
	if err != nil {
		diff("terms", "valid ledger terms", err.Error())
		return out
	}
	if w, g := describe(want), describe(fx.Entries); w != g {
		diff("ledger", w, g)
	}
	legs := map[Leg]*Stored{}
	for i := range fx.Legs {
		legs[fx.Legs[i].Leg] = &fx.Legs[i]
	}
	for _, l := range []Leg{Disbursement, Repayment} {
		st := legs[l]
		confirmed := st != nil && st.Status == StatusConfirmed
		should := (l == Disbursement && funded(f.Status)) || (l == Repayment && f.Status == financing.Repaid)
		if confirmed != should {
			diff(string(l)+".confirmed", fmt.Sprint(should), fmt.Sprint(confirmed))
		}
		if st == nil {
			continue
		}
		exp := Expected(f, l)
		if st.EndToEndID != exp.EndToEndID || !st.Amount.Equal(exp.Amount) || st.Debtor != exp.Debtor || st.Creditor != exp.Creditor {
			diff(string(l)+".instruction", describePayment(exp), describePayment(st.Payment))
		}
		if confirmed && (st.Confirmation == nil || !st.Confirmation.Amount.Equal(exp.Amount)) {
			got := "none"
			if st.Confirmation != nil {
				got = money.Format(st.Confirmation.Amount, st.Currency)
			}
			diff(string(l)+".confirmed_amount", money.Format(exp.Amount, exp.Currency), got)
		}
	}
	return out
}

func describePayment(p Payment) string {
	return fmt.Sprintf("%s %s→%s %s %s", p.EndToEndID, p.Debtor, p.Creditor, money.Format(p.Amount, p.Currency), p.Currency)
}

// describe renders entries as "kind id account=±amount …", sorted, so two
// sets compare as text and a difference reads plainly.
func describe(es []ledger.Entry) string {
	if len(es) == 0 {
		return "no entries"
	}
	parts := make([]string, 0, len(es))
	for _, e := range es {
		bal := ledger.Balances(e.Lines)
		var lines []string
		for a, v := range bal {
			lines = append(lines, fmt.Sprintf("%s/%s=%s", a.Kind, a.Party, money.Format(v, a.Currency)))
		}
		slices.Sort(lines)
		parts = append(parts, fmt.Sprintf("%s %s [%s]", e.Kind, e.ID, strings.Join(lines, " ")))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}
