package pricing

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

func benchInput(b *testing.B) Input {
	b.Helper()
	mx, err := calendar.New("MX", nil)
	if err != nil {
		b.Fatal(err)
	}
	return Input{
		Program: Program{
			Currency: money.MXN, Basis: ACT360, Calendar: mx,
			Convention: calendar.Following, MaxSpreadBps: PlatformMaxSpreadBps,
		},
		Face:          decimal.RequireFromString("100000.00"),
		ReferenceRate: decimal.RequireFromString("0.0712"),
		SpreadBps:     500,
		ValueDate:     calendar.Date(2026, 11, 23),
		DueDate:       calendar.Date(2027, 1, 22),
	}
}

func BenchmarkPriceOne(b *testing.B) {
	in := benchInput(b)
	for b.Loop() {
		if _, err := Price(in); err != nil {
			b.Fatal(err)
		}
	}
}

// A basket of 1000 invoices with varied faces and due dates.
func BenchmarkPriceBasket1000(b *testing.B) {
	base := benchInput(b)
	ins := make([]Input, 1000)
	for i := range ins {
		ins[i] = base
		ins[i].Face = decimal.New(int64(1_000_00+i*7_919_13), -2)
		ins[i].DueDate = base.ValueDate.AddDate(0, 0, 7+i%170)
	}
	for b.Loop() {
		if _, err := PriceBasket(ins); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineBareDiscount is the floor the engine is measured against
// in the same run: the bare formula D = face × rate × days / 360 rounded to
// cents and P = face − D, with no calendar, validation or derived rates.
func BenchmarkBaselineBareDiscount(b *testing.B) {
	face := decimal.RequireFromString("100000.00")
	rate := decimal.RequireFromString("0.1212")
	days, basis := decimal.NewFromInt(60), decimal.NewFromInt(360)
	for b.Loop() {
		d := face.Mul(rate).Mul(days).Div(basis).Round(2)
		if face.Sub(d).IsNegative() {
			b.Fatal("negative net")
		}
	}
}
