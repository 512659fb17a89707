package ledger

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Financing names the parties and currency of one financed invoice; its ID
// is the Reference of every entry the financing causes.
type Financing struct {
	ID       uuid.UUID
	Lender   uuid.UUID
	Supplier uuid.UUID
	Buyer    uuid.UUID
	Currency money.Currency
}

func (f Financing) check(errs *validation.Errors) {
	if f.ID == uuid.Nil {
		errs.Add("financing.id", "required", "a financing id is required")
	}
	ids := map[uuid.UUID]string{}
	for _, p := range []struct {
		field string
		id    uuid.UUID
	}{{"financing.lender", f.Lender}, {"financing.supplier", f.Supplier}, {"financing.buyer", f.Buyer}} {
		switch prev, seen := ids[p.id]; {
		case p.id == uuid.Nil:
			errs.Add(p.field, "required", "%s is required", p.field)
		case seen:
			errs.Add(p.field, "invalid", "%s is the same party as %s", p.field, prev)
		default:
			ids[p.id] = p.field
		}
	}
	if !f.Currency.Valid() {
		errs.Add("financing.currency", "unknown_currency", "unknown currency %q", f.Currency)
	}
}

func (f Financing) acct(party uuid.UUID, k AccountKind) Account {
	return Account{Party: party, Currency: f.Currency, Kind: k}
}

func checkAmount(errs *validation.Errors, field string, d decimal.Decimal, c money.Currency) {
	if !d.IsPositive() {
		errs.Add(field, "not_positive", "%s must be above zero", field)
	} else if c.Valid() && money.CheckScale(d, c) != nil {
		errs.Add(field, "too_many_decimals", "%s allows %d decimals", c, c.MinorUnits())
	}
}

// Funding records the lender paying the supplier net proceeds for an invoice
// of the given face value. Each party's lines balance on their own:
//
//	lender:   Dr receivable_from_buyer face;  Cr cash net;  Cr unearned_discount discount
//	supplier: Dr cash net;  Dr discount_expense discount;  Cr receivable_from_buyer face
//	buyer:    Dr payable_to_supplier face;  Cr payable_to_lender face
//
// The discount (face − net) stays unearned until DiscountEarned. A zero
// discount leaves its two lines out.
func Funding(id uuid.UUID, f Financing, face, net decimal.Decimal, at time.Time) (Entry, error) {
	var errs validation.Errors
	f.check(&errs)
	checkAmount(&errs, "face", face, f.Currency)
	checkAmount(&errs, "net", net, f.Currency)
	if len(errs) == 0 && net.GreaterThan(face) {
		errs.Add("net", "above_face", "net proceeds cannot exceed the face value")
	}
	if err := errs.Err(); err != nil {
		return Entry{}, err
	}
	discount := face.Sub(net)
	lines := []Line{
		DebitLine(f.acct(f.Lender, LenderReceivable), face),
		CreditLine(f.acct(f.Lender, LenderCash), net),
	}
	if discount.IsPositive() {
		lines = append(lines, CreditLine(f.acct(f.Lender, LenderUnearnedDiscount), discount))
	}
	lines = append(lines, DebitLine(f.acct(f.Supplier, SupplierCash), net))
	if discount.IsPositive() {
		lines = append(lines, DebitLine(f.acct(f.Supplier, SupplierDiscount), discount))
	}
	lines = append(lines,
		CreditLine(f.acct(f.Supplier, SupplierReceivable), face),
		DebitLine(f.acct(f.Buyer, BuyerPayableToSupplier), face),
		CreditLine(f.acct(f.Buyer, BuyerPayableToLender), face),
	)
	return New(id, at, EntryFunding, f.ID, lines...)
}

// Repayment records the buyer paying the lender amount (the face value, or
// part of it):
//
//	lender: Dr cash;  Cr receivable_from_buyer
//	buyer:  Dr payable_to_lender;  Cr cash
//
// It does not recognise the discount; post DiscountEarned with it.
func Repayment(id uuid.UUID, f Financing, amount decimal.Decimal, at time.Time) (Entry, error) {
	var errs validation.Errors
	f.check(&errs)
	checkAmount(&errs, "amount", amount, f.Currency)
	if err := errs.Err(); err != nil {
		return Entry{}, err
	}
	return New(id, at, EntryRepayment, f.ID,
		DebitLine(f.acct(f.Lender, LenderCash), amount),
		CreditLine(f.acct(f.Lender, LenderReceivable), amount),
		DebitLine(f.acct(f.Buyer, BuyerPayableToLender), amount),
		CreditLine(f.acct(f.Buyer, BuyerCash), amount),
	)
}

// DiscountEarned moves amount of the lender's unearned discount to income:
// Dr unearned_discount, Cr discount_income. Cadena recognises the whole
// discount when the buyer repays; the same entry can carry accruals later.
// The caller keeps the sum earned within the discount of the funding.
func DiscountEarned(id uuid.UUID, f Financing, amount decimal.Decimal, at time.Time) (Entry, error) {
	var errs validation.Errors
	f.check(&errs)
	checkAmount(&errs, "amount", amount, f.Currency)
	if err := errs.Err(); err != nil {
		return Entry{}, err
	}
	return New(id, at, EntryDiscountEarned, f.ID,
		DebitLine(f.acct(f.Lender, LenderUnearnedDiscount), amount),
		CreditLine(f.acct(f.Lender, LenderDiscountIncome), amount),
	)
}

// PlatformFee records the lender paying the platform (the operator party)
// a fee on the financing:
//
//	lender:   Dr fee_expense;  Cr cash
//	platform: Dr cash;  Cr fee_income
func PlatformFee(id uuid.UUID, f Financing, platform uuid.UUID, amount decimal.Decimal, at time.Time) (Entry, error) {
	var errs validation.Errors
	f.check(&errs)
	checkAmount(&errs, "amount", amount, f.Currency)
	if platform == uuid.Nil {
		errs.Add("platform", "required", "the operator party is required")
	} else if platform == f.Lender || platform == f.Supplier || platform == f.Buyer {
		errs.Add("platform", "invalid", "the platform cannot be a party to the financing")
	}
	if err := errs.Err(); err != nil {
		return Entry{}, err
	}
	return New(id, at, EntryPlatformFee, f.ID,
		DebitLine(f.acct(f.Lender, LenderFeeExpense), amount),
		CreditLine(f.acct(f.Lender, LenderCash), amount),
		DebitLine(f.acct(platform, PlatformCash), amount),
		CreditLine(f.acct(platform, PlatformFeeIncome), amount),
	)
}
