package web

import (
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/offer"
)

// quotedOffer is an offer as the quotes page shows it: the amounts and the
// rates that describe them (lines of a basket may sit in different tenor
// buckets, so each rate is given as the range over its lines).
type quotedOffer struct {
	offer.Offer
	AllInMin, AllInMax         decimal.Decimal
	EffectiveMin, EffectiveMax decimal.Decimal
	RatesKnown                 bool
}

// quoted shapes quoting.Quote's offers (the use case of POST /v1/quotes) for the
// page. Each line carries the all-in and effective rates the pricing engine
// priced it at (offer.Line), so the page never shows a rate that did not
// price it; a line without them (zero) leaves the offer's rates unknown.
func quoted(res quoting.QuoteResult) []quotedOffer {
	out := make([]quotedOffer, len(res.Offers))
	for i, o := range res.Offers {
		q := quotedOffer{Offer: o, RatesKnown: true}
		for j, l := range o.Lines {
			if !l.AllInRate.IsPositive() || !l.EffectiveRate.IsPositive() {
				q.RatesKnown = false
				continue
			}
			if j == 0 {
				q.AllInMin, q.AllInMax, q.EffectiveMin, q.EffectiveMax = l.AllInRate, l.AllInRate, l.EffectiveRate, l.EffectiveRate
				continue
			}
			q.AllInMin, q.AllInMax = decimal.Min(q.AllInMin, l.AllInRate), decimal.Max(q.AllInMax, l.AllInRate)
			q.EffectiveMin, q.EffectiveMax = decimal.Min(q.EffectiveMin, l.EffectiveRate), decimal.Max(q.EffectiveMax, l.EffectiveRate)
		}
		out[i] = q
	}
	return out
}
