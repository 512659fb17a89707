// Package ledger is Cadena's double-entry journal: a chart of accounts per
// party and currency, entries that balance or are refused, reversals as the
// only correction, and the standard entries of reverse factoring. It is pure:
// the SQL lives in ledger/ledgerdb. docs/ledger.md has the chart and a worked
// example.
package ledger

import (
	"slices"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/money"
)

// AccountKind names an account in the chart. The prefix is the role of the
// party that owns it; platform accounts belong to the operator party.
type AccountKind string

const (
	LenderCash             AccountKind = "lender_cash"                    // paid out at funding, received at repayment
	LenderReceivable       AccountKind = "lender_receivable_from_buyer"   // claim on the buyer at face value
	LenderUnearnedDiscount AccountKind = "lender_unearned_discount"       // discount bought but not yet earned
	LenderDiscountIncome   AccountKind = "lender_discount_income"         // discount earned
	LenderFeeExpense       AccountKind = "lender_fee_expense"             // platform fees paid
	SupplierCash           AccountKind = "supplier_cash"                  // early payments received
	SupplierReceivable     AccountKind = "supplier_receivable_from_buyer" // invoices sold: credit balance = face sold
	SupplierDiscount       AccountKind = "supplier_discount_expense"      // cost of early payment
	BuyerCash              AccountKind = "buyer_cash"                     // payments made at maturity
	BuyerPayableToSupplier AccountKind = "buyer_payable_to_supplier"      // invoices assigned away: debit balance = face assigned
	BuyerPayableToLender   AccountKind = "buyer_payable_to_lender"        // what the buyer owes lenders
	PlatformCash           AccountKind = "platform_cash"                  // fees received
	PlatformFeeIncome      AccountKind = "platform_fee_income"            // fees earned
)

// Side is the side of a line: debit or credit. The letters are what the
// database stores.
type Side string

const (
	Debit  Side = "D"
	Credit Side = "C"
)

// Opposite returns the other side.
func (s Side) Opposite() Side {
	if s == Debit {
		return Credit
	}
	return Debit
}

func (s Side) valid() bool { return s == Debit || s == Credit }

// chart holds each kind's normal side: the side its balance usually sits on,
// which presenters use to show a positive figure.
var chart = map[AccountKind]Side{
	LenderCash:             Debit,
	LenderReceivable:       Debit,
	LenderUnearnedDiscount: Credit,
	LenderDiscountIncome:   Credit,
	LenderFeeExpense:       Debit,
	SupplierCash:           Debit,
	SupplierReceivable:     Debit,
	SupplierDiscount:       Debit,
	BuyerCash:              Debit,
	BuyerPayableToSupplier: Credit,
	BuyerPayableToLender:   Credit,
	PlatformCash:           Debit,
	PlatformFeeIncome:      Credit,
}

// Valid reports whether k is in the chart.
func (k AccountKind) Valid() bool { _, ok := chart[k]; return ok }

// Normal returns the side k's balance normally sits on.
func (k AccountKind) Normal() Side { return chart[k] }

// AccountKinds lists the chart in name order; migration 004 checks the same list.
func AccountKinds() []AccountKind {
	out := make([]AccountKind, 0, len(chart))
	for k := range chart {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Account is identified by its owner, currency and kind; the store creates
// it on first use.
type Account struct {
	Party    uuid.UUID // the owner; platform_* accounts belong to the operator party
	Currency money.Currency
	Kind     AccountKind
}

func compareAccounts(a, b Account) int {
	if c := slices.Compare(a.Party[:], b.Party[:]); c != 0 {
		return c
	}
	if a.Currency != b.Currency {
		if a.Currency < b.Currency {
			return -1
		}
		return 1
	}
	switch {
	case a.Kind < b.Kind:
		return -1
	case a.Kind > b.Kind:
		return 1
	}
	return 0
}

// SortAccounts orders accounts by party, currency and kind, the order the
// store creates them in so that concurrent posts cannot deadlock.
func SortAccounts(as []Account) { slices.SortFunc(as, compareAccounts) }
