package pricing

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// The oracle is decimal's PowWithPrecision, an independent algorithm whose
// result is correctly rounded for the base and exponent it gets. Those are
// cut to 40 digits more than the result has before its point, so the cut
// cannot reach the decimals compared.
func oracleEffective(t *testing.T, face, net decimal.Decimal, days int, places int32) decimal.Decimal {
	t.Helper()
	ratioDigits := int32(len(face.DivRound(net, 0).String()))
	prec := 40 + places + ratioDigits*int32(365/days+1)
	base := face.DivRound(net, prec)
	exp := decimal.NewFromInt(365).DivRound(decimal.NewFromInt(int64(days)), prec)
	r, err := base.PowWithPrecision(exp, places)
	if err != nil {
		t.Fatal(err)
	}
	// An integer exponent comes back exact, with all the base's decimals.
	return r.Sub(one).Round(places)
}

func TestEffectiveRateAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 12))
	step := decimal.New(1, -RateDecimals)
	for i := range 3000 {
		faceCents := 1 + r.Int64N(10_000_000_000_00)
		discCents := r.Int64N(faceCents) // 0 <= D < F
		days := 1 + r.IntN(2000)
		if i%10 == 0 {
			discCents = faceCents - 1 - r.Int64N(min(faceCents, 100)) // tiny net
			days = 1 + r.IntN(30)                                     // results of hundreds of digits
		}
		face, disc := decimal.New(faceCents, -2), decimal.New(discCents, -2)
		net := face.Sub(disc)
		if disc.IsZero() {
			continue
		}
		got := effectiveRate(face, net, days)
		// 12 oracle decimals, then the same half-up cut: equal unless the
		// value sits within 1e-12 of a half-step.
		exact := oracleEffective(t, face, net, days, 12)
		if want := exact.Round(RateDecimals); !got.Equal(want) {
			if tie := exact.Sub(got).Abs().Sub(step.Div(decimal.NewFromInt(2))).Abs(); tie.GreaterThan(decimal.New(1, -12)) {
				t.Fatalf("face %s net %s days %d: got %s want %s (exact %s)", face, net, days, got, want, exact)
			}
		}
	}
}

// Exponents 365/days that are integers have an exact answer by PowInt32.
func TestEffectiveRateExactPowers(t *testing.T) {
	face, net := decimal.RequireFromString("1000.00"), decimal.RequireFromString("990.00")
	for _, days := range []int{1, 5, 73, 365} {
		p, err := face.DivRound(net, 60).PowInt32(int32(365 / days))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := effectiveRate(face, net, days), p.Sub(one).Round(RateDecimals); !got.Equal(want) {
			t.Errorf("days %d: got %s want %s", days, got, want)
		}
	}
}

// Absurd but valid inputs give results of hundreds of digits; the working
// precision grows with them so every decimal is still right.
func TestEffectiveRateHugeResultKeepsPrecision(t *testing.T) {
	for _, c := range []struct {
		face, net string
		days      int
	}{
		{"1000000000000.00", "0.01", 30}, // about 10^171
		{"10000000000.00", "0.37", 5},    // about 10^762
	} {
		face, net := decimal.RequireFromString(c.face), decimal.RequireFromString(c.net)
		got := effectiveRate(face, net, c.days)
		if want := oracleEffective(t, face, net, c.days, RateDecimals); !got.Equal(want) {
			t.Fatalf("%s/%s %d days:\ngot  %s\nwant %s", c.face, c.net, c.days, got, want)
		}
	}
}
