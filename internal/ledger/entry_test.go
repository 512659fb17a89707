package ledger

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

var (
	t0      = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	partyA  = uuid.MustParse("01900000-0000-7000-8000-00000000000a")
	partyB  = uuid.MustParse("01900000-0000-7000-8000-00000000000b")
	entryID = uuid.MustParse("01900000-0000-7000-8000-0000000000e1")
	refID   = uuid.MustParse("01900000-0000-7000-8000-0000000000f1")
)

func amt(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// codes returns "field:code" for each field error of err.
func codes(t *testing.T, err error) []string {
	t.Helper()
	var ve validation.Errors
	if !errors.As(err, &ve) {
		t.Fatalf("want validation errors, got %v", err)
	}
	var out []string
	for _, e := range ve {
		out = append(out, e.Field+":"+e.Code)
	}
	return out
}

func TestNewRefuses(t *testing.T) {
	cashA := Account{Party: partyA, Currency: money.MXN, Kind: LenderCash}
	recvA := Account{Party: partyA, Currency: money.MXN, Kind: LenderReceivable}
	cashCOP := Account{Party: partyA, Currency: money.COP, Kind: LenderCash}
	recvCOP := Account{Party: partyA, Currency: money.COP, Kind: LenderReceivable}
	cases := []struct {
		name  string
		lines []Line
		want  string
	}{
		{"unbalanced", []Line{DebitLine(recvA, amt("100.00")), CreditLine(cashA, amt("99.99"))}, "lines:unbalanced"},
		{"one line", []Line{DebitLine(recvA, amt("100.00"))}, "lines:too_few_lines"},
		{"no lines", nil, "lines:too_few_lines"},
		{"zero amount", []Line{DebitLine(recvA, amt("0")), CreditLine(cashA, amt("0"))}, "lines[0].amount:not_positive"},
		{"negative amount", []Line{DebitLine(recvA, amt("-5")), CreditLine(cashA, amt("-5"))}, "lines[0].amount:not_positive"},
		{"three decimals", []Line{DebitLine(recvA, amt("1.005")), CreditLine(cashA, amt("1.005"))}, "lines[0].amount:too_many_decimals"},
		{"too large", []Line{DebitLine(recvA, amt("1000000000000000000")), CreditLine(cashA, amt("1000000000000000000"))}, "lines[0].amount:too_large"},
		{"currencies each unbalanced", []Line{DebitLine(recvA, amt("10")), CreditLine(cashCOP, amt("10"))}, "lines:unbalanced"},
		{"unknown currency", []Line{DebitLine(Account{partyA, "XXX", LenderCash}, amt("1")), CreditLine(cashA, amt("1"))}, "lines[0].account.currency:unknown_currency"},
		{"unknown kind", []Line{DebitLine(Account{partyA, money.MXN, "petty_cash"}, amt("1")), CreditLine(cashA, amt("1"))}, "lines[0].account.kind:invalid"},
		{"no owner", []Line{DebitLine(Account{uuid.Nil, money.MXN, LenderCash}, amt("1")), CreditLine(cashA, amt("1"))}, "lines[0].account.party:required"},
		{"bad side", []Line{{recvA, "X", amt("1")}, CreditLine(cashA, amt("1"))}, "lines[0].side:invalid"},
	}
	for _, c := range cases {
		_, err := New(entryID, t0, EntryAdjustment, refID, c.lines...)
		if err == nil {
			t.Fatalf("%s: accepted", c.name)
		}
		if got := codes(t, err); !slices.Contains(got, c.want) {
			t.Fatalf("%s: got %v, want %s", c.name, got, c.want)
		}
	}

	// Two currencies in one entry are fine when each balances.
	if _, err := New(entryID, t0, EntryAdjustment, refID,
		DebitLine(recvA, amt("10.00")), CreditLine(cashA, amt("10.00")),
		DebitLine(recvCOP, amt("5000.50")), CreditLine(cashCOP, amt("5000.50"))); err != nil {
		t.Fatalf("balanced two-currency entry refused: %v", err)
	}
	lines := []Line{DebitLine(recvA, amt("1")), CreditLine(cashA, amt("1"))}
	for name, mk := range map[string]func() (Entry, error){
		"id":        func() (Entry, error) { return New(uuid.Nil, t0, EntryAdjustment, refID, lines...) },
		"at":        func() (Entry, error) { return New(entryID, time.Time{}, EntryAdjustment, refID, lines...) },
		"kind":      func() (Entry, error) { return New(entryID, t0, "gift", refID, lines...) },
		"reference": func() (Entry, error) { return New(entryID, t0, EntryAdjustment, uuid.Nil, lines...) },
		"reverses":  func() (Entry, error) { return New(entryID, t0, EntryReversal, refID, lines...) },
	} {
		if _, err := mk(); err == nil || !slices.ContainsFunc(codes(t, err), func(s string) bool { return s == name+":required" || s == name+":invalid" }) {
			t.Fatalf("%s: got %v", name, err)
		}
	}
}

func TestNewKeepsMicroseconds(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CST", -6*3600))
	e, err := New(entryID, at, EntryAdjustment, refID,
		DebitLine(Account{partyA, money.MXN, LenderReceivable}, amt("1")), CreditLine(Account{partyA, money.MXN, LenderCash}, amt("1")))
	if err != nil {
		t.Fatal(err)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Fatalf("at %v", e.At)
	}
}

func TestReverse(t *testing.T) {
	f := Financing{ID: refID, Lender: partyA, Supplier: partyB, Buyer: uuid.MustParse("01900000-0000-7000-8000-00000000000c"), Currency: money.MXN}
	e, err := Funding(entryID, f, amt("100000.00"), amt("97980.00"), t0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Reverse(e, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !IsReversalOf(r, e) || r.ID != IDFor(EntryReversal, e.ID) || r.Reference != e.Reference || r.Reverses != e.ID {
		t.Fatalf("bad reversal %+v", r)
	}
	for c, sum := range TrialBalance(LinesOf(e, r)) {
		if !sum.IsZero() {
			t.Fatalf("%s: %s", c, sum)
		}
	}
	for a, b := range Balances(LinesOf(e, r)) {
		if !b.IsZero() {
			t.Fatalf("%v left at %s", a, b)
		}
	}
	rr, err := Reverse(r, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !IsReversalOf(rr, r) || IsReversalOf(rr, e) {
		t.Fatal("reversal of a reversal mirrors the reversal, not the original")
	}
	tampered := r
	tampered.Lines = slices.Clone(r.Lines)
	tampered.Lines[0].Amount = tampered.Lines[0].Amount.Add(amt("0.01"))
	if IsReversalOf(tampered, e) {
		t.Fatal("tampered reversal accepted")
	}
}

func TestEqual(t *testing.T) {
	a, _ := New(entryID, t0, EntryAdjustment, refID,
		DebitLine(Account{partyA, money.MXN, LenderReceivable}, amt("1.50")), CreditLine(Account{partyA, money.MXN, LenderCash}, amt("1.5")))
	b := a
	b.At = a.At.In(time.FixedZone("X", 3600))
	if !a.Equal(b) {
		t.Fatal("same instant and amounts should be equal")
	}
	b.Lines = slices.Clone(a.Lines)
	b.Lines[1].Side = Debit
	if a.Equal(b) {
		t.Fatal("different side equal")
	}
}
