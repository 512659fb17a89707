package ledger

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// cents builds an amount from an integer number of minor units; the tests
// never touch floating point.
func cents(n int64) decimal.Decimal { return decimal.New(n, -2) }

func randomID(r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], r.Uint64())
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	return u
}

type ownerCurrency struct {
	party    uuid.UUID
	currency money.Currency
}

// TestRandomSequences posts thousands of random sequences of standard
// entries and reversals and checks the ledger's invariants after each one.
func TestRandomSequences(t *testing.T) {
	r := rand.New(rand.NewPCG(20261123, 42))
	currencies := []money.Currency{money.MXN, money.COP, money.USD}
	sequences := 2000
	if testing.Short() {
		sequences = 200
	}
	for range sequences {
		parties := make([]uuid.UUID, 5)
		for i := range parties {
			parties[i] = randomID(r)
		}
		platform := randomID(r)
		var (
			posted   []Entry
			byID     = map[uuid.UUID]Entry{}
			reversed = map[uuid.UUID]bool{}
			running  = map[money.Currency]decimal.Decimal{}
			balances = map[Account]decimal.Decimal{}
			at       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		)
		for range 1 + r.IntN(40) {
			at = at.Add(time.Duration(r.IntN(1000)) * time.Minute)
			perm := r.Perm(len(parties))
			f := Financing{ID: randomID(r), Lender: parties[perm[0]], Supplier: parties[perm[1]], Buyer: parties[perm[2]],
				Currency: currencies[r.IntN(len(currencies))]}
			amount := cents(1 + r.Int64N(10_000_000_000_00))
			var e Entry
			var err error
			switch op := r.IntN(6); {
			case op == 0 || len(posted) == 0:
				face := amount
				net := cents(1 + r.Int64N(face.Mul(decimal.NewFromInt(100)).IntPart()))
				e, err = Funding(randomID(r), f, face, net, at)
			case op == 1:
				e, err = Repayment(randomID(r), f, amount, at)
			case op == 2:
				e, err = DiscountEarned(randomID(r), f, amount, at)
			case op == 3:
				e, err = PlatformFee(randomID(r), f, platform, amount, at)
			default:
				var open []Entry
				for _, p := range posted {
					if !reversed[p.ID] {
						open = append(open, p)
					}
				}
				if len(open) == 0 {
					continue
				}
				orig := open[r.IntN(len(open))]
				e, err = Reverse(orig, at)
				if err == nil {
					reversed[orig.ID] = true
					if !IsReversalOf(e, orig) {
						t.Fatalf("reverse does not mirror %v", orig.ID)
					}
					back, err := Reverse(e, at)
					if err != nil || !slices.EqualFunc(back.Lines, orig.Lines, lineEqual) {
						t.Fatalf("reversal of the reversal does not restore %v: %v", orig.ID, err)
					}
				}
			}
			if err != nil {
				t.Fatalf("standard entry refused: %v", err)
			}
			if err := e.Validate(); err != nil {
				t.Fatalf("posted entry invalid: %v", err)
			}
			// Each party's own lines balance too, so every statement nets to zero.
			perOwner := map[ownerCurrency]decimal.Decimal{}
			for _, l := range e.Lines {
				k := ownerCurrency{l.Account.Party, l.Account.Currency}
				perOwner[k] = perOwner[k].Add(l.Signed())
				running[l.Account.Currency] = running[l.Account.Currency].Add(l.Signed())
				balances[l.Account] = balances[l.Account].Add(l.Signed())
			}
			for k, s := range perOwner {
				if !s.IsZero() {
					t.Fatalf("%s entry: party %v %s nets %s", e.Kind, k.party, k.currency, s)
				}
			}
			for c, s := range running {
				if !s.IsZero() {
					t.Fatalf("running trial balance %s = %s", c, s)
				}
			}
			mutated := mutate(r, e)
			if mutated.Validate() == nil {
				t.Fatalf("mutated entry accepted: %+v", mutated.Lines)
			}
			posted = append(posted, e)
			byID[e.ID] = e
		}

		naive := Balances(LinesOf(posted...))
		if len(naive) != len(balances) {
			t.Fatalf("%d accounts, naive %d", len(balances), len(naive))
		}
		for a, b := range balances {
			if !naive[a].Equal(b) {
				t.Fatalf("%v: running %s, naive %s", a, b, naive[a])
			}
		}
		for c, s := range TrialBalance(LinesOf(posted...)) {
			if !s.IsZero() {
				t.Fatalf("final trial balance %s = %s", c, s)
			}
		}
		// An entry and its reversal together leave every account as it was.
		for _, e := range posted {
			if e.Kind != EntryReversal {
				continue
			}
			for a, b := range Balances(LinesOf(e, byID[e.Reverses])) {
				if !b.IsZero() {
					t.Fatalf("reversal %v leaves %v at %s", e.ID, a, b)
				}
			}
		}
	}
}

func lineEqual(a, b Line) bool {
	return a.Account == b.Account && a.Side == b.Side && a.Amount.Equal(b.Amount)
}

// mutate breaks e in one random way that Validate must catch.
func mutate(r *rand.Rand, e Entry) Entry {
	m := e
	m.Lines = slices.Clone(e.Lines)
	i := r.IntN(len(m.Lines))
	switch r.IntN(5) {
	case 0:
		m.Lines[i].Amount = m.Lines[i].Amount.Add(cents(1 + r.Int64N(100)))
	case 1:
		m.Lines[i].Side = m.Lines[i].Side.Opposite()
	case 2:
		m.Lines[i].Amount = m.Lines[i].Amount.Add(decimal.New(1+r.Int64N(9), -3))
	case 3:
		m.Lines = m.Lines[:1]
	default:
		m.Lines[i].Amount = m.Lines[i].Amount.Neg()
	}
	return m
}
