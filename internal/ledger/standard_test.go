package ledger

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// TestDocExample pins the figures of the worked example in docs/ledger.md.
func TestDocExample(t *testing.T) {
	lender := uuid.MustParse("01900000-0000-7000-8000-0000000000a1")
	supplier := uuid.MustParse("01900000-0000-7000-8000-0000000000b1")
	buyer := uuid.MustParse("01900000-0000-7000-8000-0000000000c1")
	operator := uuid.MustParse("01900000-0000-7000-8000-0000000000d1")
	f := Financing{ID: refID, Lender: lender, Supplier: supplier, Buyer: buyer, Currency: money.MXN}
	valueDate := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	maturity := time.Date(2027, 1, 22, 16, 0, 0, 0, time.UTC)

	funding, err := Funding(IDFor(EntryFunding, f.ID), f, amt("100000.00"), amt("97980.00"), valueDate)
	if err != nil {
		t.Fatal(err)
	}
	if len(funding.Lines) != 8 {
		t.Fatalf("funding has %d lines", len(funding.Lines))
	}
	fee, err := PlatformFee(IDFor(EntryPlatformFee, f.ID), f, operator, amt("50.00"), valueDate)
	if err != nil {
		t.Fatal(err)
	}
	afterFunding := map[Account]string{
		{lender, money.MXN, LenderReceivable}:       "100000.00",
		{lender, money.MXN, LenderCash}:             "-98030.00",
		{lender, money.MXN, LenderUnearnedDiscount}: "-2020.00",
		{lender, money.MXN, LenderFeeExpense}:       "50.00",
		{supplier, money.MXN, SupplierCash}:         "97980.00",
		{supplier, money.MXN, SupplierDiscount}:     "2020.00",
		{supplier, money.MXN, SupplierReceivable}:   "-100000.00",
		{buyer, money.MXN, BuyerPayableToSupplier}:  "100000.00",
		{buyer, money.MXN, BuyerPayableToLender}:    "-100000.00",
		{operator, money.MXN, PlatformCash}:         "50.00",
		{operator, money.MXN, PlatformFeeIncome}:    "-50.00",
	}
	checkBalances(t, "after funding", LinesOf(funding, fee), afterFunding)

	repay, err := Repayment(IDFor(EntryRepayment, f.ID), f, amt("100000.00"), maturity)
	if err != nil {
		t.Fatal(err)
	}
	earned, err := DiscountEarned(IDFor(EntryDiscountEarned, f.ID), f, amt("2020.00"), maturity)
	if err != nil {
		t.Fatal(err)
	}
	checkBalances(t, "after repayment", LinesOf(funding, fee, repay, earned), map[Account]string{
		{lender, money.MXN, LenderReceivable}:       "0.00",
		{lender, money.MXN, LenderCash}:             "1970.00",
		{lender, money.MXN, LenderUnearnedDiscount}: "0.00",
		{lender, money.MXN, LenderDiscountIncome}:   "-2020.00",
		{lender, money.MXN, LenderFeeExpense}:       "50.00",
		{supplier, money.MXN, SupplierCash}:         "97980.00",
		{supplier, money.MXN, SupplierDiscount}:     "2020.00",
		{supplier, money.MXN, SupplierReceivable}:   "-100000.00",
		{buyer, money.MXN, BuyerPayableToSupplier}:  "100000.00",
		{buyer, money.MXN, BuyerPayableToLender}:    "0.00",
		{buyer, money.MXN, BuyerCash}:               "-100000.00",
		{operator, money.MXN, PlatformCash}:         "50.00",
		{operator, money.MXN, PlatformFeeIncome}:    "-50.00",
	})
}

func checkBalances(t *testing.T, when string, lines []Line, want map[Account]string) {
	t.Helper()
	got := Balances(lines)
	if len(got) != len(want) {
		t.Fatalf("%s: %d accounts, want %d: %v", when, len(got), len(want), got)
	}
	for a, w := range want {
		if g := got[a]; money.Format(g, a.Currency) != w {
			t.Fatalf("%s: %s %s = %s, want %s", when, a.Party, a.Kind, money.Format(g, a.Currency), w)
		}
	}
	for c, s := range TrialBalance(lines) {
		if !s.IsZero() {
			t.Fatalf("%s: trial balance %s = %s", when, c, s)
		}
	}
}

func TestFundingWithoutDiscount(t *testing.T) {
	f := Financing{ID: refID, Lender: partyA, Supplier: partyB, Buyer: uuid.MustParse("01900000-0000-7000-8000-00000000000c"), Currency: money.COP}
	e, err := Funding(entryID, f, amt("5000000.00"), amt("5000000"), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Lines) != 6 || slices.ContainsFunc(e.Lines, func(l Line) bool { return l.Account.Kind == LenderUnearnedDiscount }) {
		t.Fatalf("zero discount lines kept: %+v", e.Lines)
	}
}

func TestStandardEntriesRefuse(t *testing.T) {
	buyer := uuid.MustParse("01900000-0000-7000-8000-00000000000c")
	good := Financing{ID: refID, Lender: partyA, Supplier: partyB, Buyer: buyer, Currency: money.MXN}
	same := good
	same.Buyer = partyA
	noCur := good
	noCur.Currency = "ABC"
	noID := good
	noID.ID = uuid.Nil
	cases := []struct {
		name string
		mk   func() (Entry, error)
		want string
	}{
		{"net above face", func() (Entry, error) { return Funding(entryID, good, amt("100.00"), amt("100.01"), t0) }, "net:above_face"},
		{"zero face", func() (Entry, error) { return Funding(entryID, good, decimal.Zero, decimal.Zero, t0) }, "face:not_positive"},
		{"face decimals", func() (Entry, error) { return Funding(entryID, good, amt("100.001"), amt("90"), t0) }, "face:too_many_decimals"},
		{"same party twice", func() (Entry, error) { return Funding(entryID, same, amt("100"), amt("90"), t0) }, "financing.buyer:invalid"},
		{"currency", func() (Entry, error) { return Repayment(entryID, noCur, amt("100"), t0) }, "financing.currency:unknown_currency"},
		{"financing id", func() (Entry, error) { return DiscountEarned(entryID, noID, amt("1"), t0) }, "financing.id:required"},
		{"negative repayment", func() (Entry, error) { return Repayment(entryID, good, amt("-1"), t0) }, "amount:not_positive"},
		{"fee to a party", func() (Entry, error) { return PlatformFee(entryID, good, partyB, amt("1"), t0) }, "platform:invalid"},
		{"fee without platform", func() (Entry, error) { return PlatformFee(entryID, good, uuid.Nil, amt("1"), t0) }, "platform:required"},
	}
	for _, c := range cases {
		_, err := c.mk()
		if err == nil {
			t.Fatalf("%s: accepted", c.name)
		}
		if got := codes(t, err); !slices.Contains(got, c.want) {
			t.Fatalf("%s: got %v, want %s", c.name, got, c.want)
		}
	}
}
