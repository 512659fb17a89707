package settlement

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/ledger"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func sample() financing.Financing {
	return financing.Financing{ID: uuid.MustParse("0195f3a2-b7c8-4d1e-9a0b-1c2d3e4f5a6b"), InvoiceID: uuid.New(), LenderID: uuid.New(), SupplierID: uuid.New(),
		BuyerID: uuid.New(), Currency: "MXN", Face: d("100000.00"), Discount: d("2020.00"), Net: d("97980.00"),
		ValueDate: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Maturity: time.Date(2027, 1, 22, 0, 0, 0, 0, time.UTC), Status: financing.Accepted}
}

func TestEndToEndID(t *testing.T) {
	f := sample()
	if got := EndToEndID(f.ID, Disbursement); got != "CD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b" || len(got) > 35 {
		t.Fatalf("disbursement id %s", got)
	}
	for _, l := range []Leg{Disbursement, Repayment} {
		id, leg, ok := ParseEndToEndID(EndToEndID(f.ID, l))
		if !ok || id != f.ID || leg != l {
			t.Fatalf("round trip %s: %v %v %v", l, id, leg, ok)
		}
	}
	for _, bad := range []string{"", "CX0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", "CD0195F3A2B7C84D1E9A0B1C2D3E4F5A6B", "CD0195f3a2", "XD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", "CD0195f3a2b7c84d1e9a0b1c2d3e4f5a6z"} {
		if _, _, ok := ParseEndToEndID(bad); ok {
			t.Errorf("read %q", bad)
		}
	}
}

func TestJudgeAndPath(t *testing.T) {
	f := sample()
	want := Expected(f, Disbursement)
	ok := Confirmation{BankReference: "B1", Amount: d("97980"), Currency: "MXN"}
	if v, err := Judge(want, nil, ok); v != Apply || err != nil {
		t.Fatalf("exact: %v %v", v, err)
	}
	for _, c := range []Confirmation{{BankReference: "B1", Amount: d("97979.99"), Currency: "MXN"}, {BankReference: "B1", Amount: d("97980.00"), Currency: "USD"}} {
		if _, err := Judge(want, nil, c); !errors.Is(err, ErrAmountMismatch) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	stored := &Stored{Payment: want, Status: StatusConfirmed, Confirmation: &ok}
	if v, err := Judge(want, stored, ok); v != Duplicate || err != nil {
		t.Fatalf("duplicate: %v %v", v, err)
	}
	if _, err := Judge(want, stored, Confirmation{BankReference: "B2", Amount: d("97980.00"), Currency: "MXN"}); !errors.Is(err, ErrAlreadyConfirmed) {
		t.Fatalf("second payment: %v", err)
	}
	if p, err := Path(financing.Accepted, Disbursement); err != nil || len(p) != 2 || p[1] != financing.Funded {
		t.Fatalf("path %v %v", p, err)
	}
	if _, err := Path(financing.FundingFailed, Disbursement); !errors.Is(err, financing.ErrTransition) {
		t.Fatalf("late funding: %v", err)
	}
	for _, s := range []financing.Status{financing.Funded, financing.Due, financing.Overdue} {
		if p, err := Path(s, Repayment); err != nil || p[0] != financing.Repaid {
			t.Errorf("repay from %s: %v %v", s, p, err)
		}
	}
	if _, err := Path(financing.FundingInstructed, Repayment); err == nil {
		t.Fatal("repaid before funding")
	}
}

func TestMatch(t *testing.T) {
	f := sample()
	f.Status = financing.FundingInstructed
	lender, supplier := iso20022.Account{CLABE: "014180003456789011"}, iso20022.Account{CLABE: "002180002345678903"}
	accts := Accounts{Debtor: []iso20022.Account{lender}, Creditor: []iso20022.Account{supplier}}
	want := Expected(f, Disbursement)
	base := Item{EndToEndID: want.EndToEndID, BankReference: "B1", Amount: d("97980.00"), Currency: "MXN", CreditDebit: iso20022.Debit, Status: "BOOK", Account: lender}
	cases := []struct {
		name   string
		edit   func(*Item)
		stored *Stored
		status financing.Status
		want   Outcome
	}{
		{"exact debit on the payer's account", func(*Item) {}, nil, financing.FundingInstructed, Matched},
		{"credit on the payee's account", func(i *Item) { i.Account, i.CreditDebit = supplier, iso20022.Credit }, nil, financing.FundingInstructed, Matched},
		{"wrong direction", func(i *Item) { i.CreditDebit = iso20022.Credit }, nil, financing.FundingInstructed, Mismatched},
		{"someone else's account", func(i *Item) { i.Account = iso20022.Account{CLABE: "072180004567890128"} }, nil, financing.FundingInstructed, Mismatched},
		{"a cent short", func(i *Item) { i.Amount = d("97979.99") }, nil, financing.FundingInstructed, Mismatched},
		{"after funding failed", func(*Item) {}, nil, financing.FundingFailed, Mismatched},
		{"again", func(*Item) {}, &Stored{Payment: want, Status: StatusConfirmed, Confirmation: &Confirmation{BankReference: "B1", Amount: d("97980.00")}}, financing.Funded, Duplicated},
		{"paid twice", func(i *Item) { i.BankReference = "B2" }, &Stored{Payment: want, Status: StatusConfirmed, Confirmation: &Confirmation{BankReference: "B1", Amount: d("97980.00")}}, financing.Funded, Mismatched},
	}
	for _, c := range cases {
		it := base
		c.edit(&it)
		if got, reason := Match(it, want, c.stored, c.status, accts); got != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got, reason, c.want)
		}
	}
	for name, it := range map[string]Item{
		"pending":  {Status: "PDNG", EndToEndID: base.EndToEndID, BankReference: "B"},
		"reversal": {Status: "BOOK", Reversal: true, EndToEndID: base.EndToEndID, BankReference: "B"},
		"no e2e":   {Status: "BOOK", BankReference: "B"},
		"not ours": {Status: "BOOK", EndToEndID: "INV-42", BankReference: "B"},
		"no ref":   {Status: "BOOK", EndToEndID: base.EndToEndID},
	} {
		if _, _, o, _ := Screen(it); o != Unmatched {
			t.Errorf("%s: %s", name, o)
		}
	}
	if id, leg, o, _ := Screen(base); o != "" || id != f.ID || leg != Disbursement {
		t.Fatalf("screen: %v %v %v", id, leg, o)
	}
}

// Check finds a ledger that disagrees with the state, and agrees with
// the postings the rule prescribes.
func TestCheck(t *testing.T) {
	f := sample()
	at := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	f.Status = financing.Repaid
	posted, err := Postings(f, financing.Repaid, at, at)
	if err != nil || len(posted) != 3 {
		t.Fatalf("postings %v %v", len(posted), err)
	}
	if got := ledger.TrialBalance(ledger.LinesOf(posted...))["MXN"]; !got.IsZero() {
		t.Fatalf("unbalanced %s", got)
	}
	confirmed := func(l Leg) Stored {
		p := Expected(f, l)
		return Stored{Payment: p, Status: StatusConfirmed, Confirmation: &Confirmation{BankReference: "B", Amount: p.Amount}}
	}
	legs := []Stored{confirmed(Disbursement), confirmed(Repayment)}
	if diffs := Check(Facts{Financing: f, Entries: posted, Legs: legs}); len(diffs) != 0 {
		t.Fatalf("clean financing: %+v", diffs)
	}
	diffs := Check(Facts{Financing: f, Entries: posted[:1], Legs: legs})
	if len(diffs) != 1 || diffs[0].What != "ledger" || diffs[0].FinancingID != f.ID || !strings.Contains(diffs[0].Actual, "funding") {
		t.Fatalf("missing repayment: %+v", diffs)
	}
	f.Status = financing.Funded
	if diffs := Check(Facts{Financing: f, Entries: posted[:1], Legs: legs[:1]}); len(diffs) != 0 {
		t.Fatalf("funded: %+v", diffs)
	}
	if diffs := Check(Facts{Financing: f, Entries: posted[:1]}); len(diffs) != 1 || diffs[0].What != "disbursement.confirmed" {
		t.Fatalf("unconfirmed funding: %+v", diffs)
	}
}

// A confirmation is dated the day the money moved: today or before.
func TestCheckPaidOn(t *testing.T) {
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		paid time.Time
		ok   bool
	}{{today, true}, {today.AddDate(0, 0, -30), true}, {today.AddDate(0, 0, 1), false}, {today.AddDate(1, 0, 0), false}} {
		if err := CheckPaidOn(c.paid, today); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrPaidInFuture)) {
			t.Errorf("%s: %v", c.paid.Format(time.DateOnly), err)
		}
	}
}
