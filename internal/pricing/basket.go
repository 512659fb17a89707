package pricing

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// Basket is several invoices priced together, each on its own: lines are
// rounded one by one and the totals are their plain sums, so a cent is
// never created or lost between the lines and the total.
type Basket struct {
	Currency money.Currency
	Lines    []Quote
	Face     decimal.Decimal
	Discount decimal.Decimal
	Net      decimal.Decimal
}

// PriceBasket prices every input, all in one currency. The first refused
// invoice refuses the basket, as a *LineError naming it.
func PriceBasket(ins []Input) (Basket, error) {
	if len(ins) == 0 {
		return Basket{}, ErrEmptyBasket
	}
	b := Basket{
		Currency: ins[0].Program.Currency,
		Lines:    make([]Quote, len(ins)),
		Face:     decimal.Zero,
		Discount: decimal.Zero,
		Net:      decimal.Zero,
	}
	for i, in := range ins {
		if in.Program.Currency != b.Currency {
			return Basket{}, &LineError{Index: i, Err: fmt.Errorf("%w: %s and %s", ErrMixedCurrencies, b.Currency, in.Program.Currency)}
		}
		q, err := Price(in)
		if err != nil {
			return Basket{}, &LineError{Index: i, Err: err}
		}
		b.Lines[i] = q
		b.Face = b.Face.Add(q.Face)
		b.Discount = b.Discount.Add(q.Discount)
		b.Net = b.Net.Add(q.Net)
	}
	return b, nil
}
