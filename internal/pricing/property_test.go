package pricing

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

// gen draws inputs from integers only: cents, basis points, day offsets.
type gen struct {
	r   *rand.Rand
	mx  Program
	co  Program
	day time.Time
}

func newGen(t testing.TB) *gen {
	return &gen{r: rand.New(rand.NewPCG(20261122, 1)), mx: program(t, money.MXN, "MX"), co: program(t, money.COP, "CO"),
		day: calendar.Date(2026, 1, 1)}
}

func (g *gen) input(t testing.TB) Input {
	if g.r.IntN(2) == 0 {
		return g.inputFor(t, g.co)
	}
	return g.inputFor(t, g.mx)
}

func (g *gen) inputFor(t testing.TB, p Program) Input {
	p.Rounding = Rounding(g.r.IntN(3))
	p.Convention = calendar.Convention(g.r.IntN(2))
	p.MaxSpreadBps = g.r.IntN(PlatformMaxSpreadBps + 1)
	if g.r.IntN(4) == 0 {
		p.RateCeiling = decimal.NewNullDecimal(decimal.New(int64(500+g.r.IntN(4000)), -RateDecimals+2)) // 5% to 45%
	}
	spread := g.r.IntN(p.MaxSpreadBps + 1)
	if g.r.IntN(5) == 0 {
		spread = g.r.IntN(900) // often above the cap
	}
	value, err := p.Calendar.Adjust(g.day.AddDate(0, 0, g.r.IntN(3*365)), calendar.Following)
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Program:       p,
		Face:          decimal.New(1+g.r.Int64N(5_000_000_000_00), -2), // 0.01 to 5e9
		ReferenceRate: decimal.New(g.r.Int64N(3000), -4-2),             // 0% to 30% in 0.0001% steps
		SpreadBps:     spread,
		ValueDate:     value,
		DueDate:       value.AddDate(0, 0, 1+g.r.IntN(400)),
	}
}

func TestQuoteInvariants(t *testing.T) {
	g := newGen(t)
	accepted := 0
	for range 5000 {
		in := g.input(t)
		q, err := Price(in)
		if err != nil {
			spreadCapped := errors.Is(err, ErrSpreadAboveCap) && in.SpreadBps > in.Program.MaxSpreadBps
			ceilinged := errors.Is(err, ErrAboveRateCeiling) && in.Program.RateCeiling.Valid
			tooShort := errors.Is(err, ErrNotAfterValueDate) && in.Program.Convention == calendar.ModifiedFollowing
			if !spreadCapped && !ceilinged && !tooShort {
				t.Fatalf("%+v: unexpected refusal %v", in, err)
			}
			continue
		}
		accepted++
		cur := in.Program.Currency
		if !q.Net.Add(q.Discount).Equal(q.Face) {
			t.Fatalf("P + D != face: %s + %s != %s", q.Net, q.Discount, q.Face)
		}
		if q.Discount.IsNegative() || !q.Net.IsPositive() {
			t.Fatalf("D %s P %s", q.Discount, q.Net)
		}
		for _, a := range []decimal.Decimal{q.Face, q.Discount, q.Net} {
			if money.CheckScale(a, cur) != nil {
				t.Fatalf("%s has more than %d decimals", a, cur.MinorUnits())
			}
		}
		if q.SpreadBps > in.Program.MaxSpreadBps || q.SpreadBps > PlatformMaxSpreadBps {
			t.Fatalf("accepted spread %d over cap %d", q.SpreadBps, in.Program.MaxSpreadBps)
		}
		if c := in.Program.RateCeiling; c.Valid && q.EffectiveRate.GreaterThan(c.Decimal) {
			t.Fatalf("effective %s over ceiling %s", q.EffectiveRate, c.Decimal)
		}
		if q.DiscountRate.GreaterThan(q.SimpleRate) {
			t.Fatalf("discount rate %s above simple rate %s", q.DiscountRate, q.SimpleRate)
		}
		if ok, _ := in.Program.Calendar.IsBusinessDay(q.Maturity); !ok || q.Days < 1 {
			t.Fatalf("maturity %s, %d days", q.Maturity.Format(time.DateOnly), q.Days)
		}
	}
	if accepted < 2500 {
		t.Fatalf("only %d of 5000 accepted: the generator tests refusals more than quotes", accepted)
	}
}

// More rate or more days never lowers the discount, under any rounding.
func TestDiscountMonotone(t *testing.T) {
	g := newGen(t)
	for range 3000 {
		in := g.input(t)
		in.Program.MaxSpreadBps, in.Program.RateCeiling = PlatformMaxSpreadBps, decimal.NullDecimal{}
		in.SpreadBps = g.r.IntN(PlatformMaxSpreadBps)
		a, errA := Price(in)

		higher := in
		higher.SpreadBps++
		b, errB := Price(higher)

		later := in
		later.DueDate = in.DueDate.AddDate(0, 0, 1+g.r.IntN(30))
		c, errC := Price(later)
		if errA != nil || errB != nil || errC != nil {
			if errors.Is(errA, ErrNotAfterValueDate) { // modified following pulled maturity back
				continue
			}
			t.Fatal(errA, errB, errC)
		}
		if b.Discount.LessThan(a.Discount) {
			t.Fatalf("rate up, discount down: %s then %s", a.Discount, b.Discount)
		}
		if c.Days < a.Days || c.Discount.LessThan(a.Discount) {
			t.Fatalf("later due, %d→%d days, discount %s→%s", a.Days, c.Days, a.Discount, c.Discount)
		}
	}
}

// Truncation never exceeds half-even, which never exceeds half-up, and they
// are at most one cent apart.
func TestRoundingOrder(t *testing.T) {
	g := newGen(t)
	cent := decimal.New(1, -2)
	for range 3000 {
		in := g.input(t)
		in.Program.MaxSpreadBps, in.Program.RateCeiling, in.SpreadBps = PlatformMaxSpreadBps, decimal.NullDecimal{}, 0
		in.Program.Convention = calendar.Following
		var d [3]decimal.Decimal
		for i, r := range []Rounding{Down, HalfEven, HalfUp} {
			in.Program.Rounding = r
			q, err := Price(in)
			if err != nil {
				t.Fatal(err)
			}
			d[i] = q.Discount
		}
		if d[0].GreaterThan(d[1]) || d[1].GreaterThan(d[2]) || d[2].Sub(d[0]).GreaterThan(cent) {
			t.Fatalf("down %s half-even %s half-up %s", d[0], d[1], d[2])
		}
	}
}

func TestBasketTotalsAreLineSums(t *testing.T) {
	g := newGen(t)
	for range 50 {
		ins := make([]Input, 1+g.r.IntN(60))
		for i := range ins {
			ins[i] = g.inputFor(t, g.mx)
			ins[i].Program.MaxSpreadBps, ins[i].Program.RateCeiling = PlatformMaxSpreadBps, decimal.NullDecimal{}
			ins[i].Program.Convention = calendar.Following
			ins[i].SpreadBps = g.r.IntN(PlatformMaxSpreadBps + 1)
		}
		b, err := PriceBasket(ins)
		if err != nil {
			t.Fatal(err)
		}
		face, disc, net := decimal.Zero, decimal.Zero, decimal.Zero
		for _, l := range b.Lines {
			face, disc, net = face.Add(l.Face), disc.Add(l.Discount), net.Add(l.Net)
		}
		if !face.Equal(b.Face) || !disc.Equal(b.Discount) || !net.Equal(b.Net) || !b.Net.Add(b.Discount).Equal(b.Face) {
			t.Fatalf("totals %s %s %s, line sums %s %s %s", b.Face, b.Discount, b.Net, face, disc, net)
		}
	}
}
