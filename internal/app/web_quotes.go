package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/validation"
)

// QuotedLine is one invoice of a quoted offer with the rates it was priced at.
type QuotedLine struct {
	offer.Line
	AllInRate     decimal.Decimal // fraction; zero when unknown
	EffectiveRate decimal.Decimal // fraction; zero when unknown
}

// QuotedOffer is an offer as the portal shows it: the amounts and the
// rates that describe them (lines of a basket may sit in different tenor
// buckets, so each rate is given as the range over its lines).
type QuotedOffer struct {
	offer.Offer
	Lines                      []QuotedLine
	AllInMin, AllInMax         decimal.Decimal
	EffectiveMin, EffectiveMax decimal.Decimal
	RatesKnown                 bool
}

// WebQuoteResult is Quote's result with each offer's rates.
type WebQuoteResult struct {
	Offers      []QuotedOffer
	Unavailable []Unavailable
}

// WebQuote is Quote (the same use case as POST /v1/quotes) plus, for each
// offer, the all-in and effective annual rates of its lines. The rates are
// the pricing engine's own, recomputed from the offer's lines with the
// lender's tenor bucket and kept only when they reproduce the stored
// discount to the cent, so the page never shows a rate that did not price it.
func (a *App) WebQuote(ctx context.Context, act Actor, ids []uuid.UUID) (WebQuoteResult, error) {
	res, err := a.Quote(ctx, act, ids)
	if err != nil {
		return WebQuoteResult{}, err
	}
	out := WebQuoteResult{Unavailable: res.Unavailable, Offers: make([]QuotedOffer, len(res.Offers))}
	p, err := a.ProgramOf(ctx, res.Offers[0].ProgramID)
	if err != nil {
		return out, err
	}
	terms, err := a.PricingTerms(ctx, p)
	if err != nil {
		return out, err
	}
	lenders, err := offerdb.QuotingLenders(ctx, a.Pool, p.ID, a.Clock())
	if err != nil {
		return out, err
	}
	for i, o := range res.Offers {
		q := QuotedOffer{Offer: o, Lines: make([]QuotedLine, len(o.Lines)), RatesKnown: true}
		for j, l := range o.Lines {
			spread := o.SpreadBps
			for _, ql := range lenders {
				if ql.LenderID == o.LenderID {
					if s, ok := ql.SpreadFor(l.Days); ok {
						spread = s
					}
				}
			}
			pq, err := pricing.Price(pricing.Input{Program: terms.Program, Face: l.Face, ReferenceRate: pricing.PercentToRate(o.ReferenceRate),
				SpreadBps: spread, ValueDate: o.ValueDate, DueDate: l.DueDate})
			q.Lines[j] = QuotedLine{Line: l}
			if err != nil || !pq.Discount.Equal(l.Discount) || !pq.Net.Equal(l.Net) {
				q.RatesKnown = false
				continue
			}
			q.Lines[j].AllInRate, q.Lines[j].EffectiveRate = pq.AllInRate, pq.EffectiveRate
			if j == 0 {
				q.AllInMin, q.AllInMax, q.EffectiveMin, q.EffectiveMax = pq.AllInRate, pq.AllInRate, pq.EffectiveRate, pq.EffectiveRate
				continue
			}
			q.AllInMin, q.AllInMax = decimal.Min(q.AllInMin, pq.AllInRate), decimal.Max(q.AllInMax, pq.AllInRate)
			q.EffectiveMin, q.EffectiveMax = decimal.Min(q.EffectiveMin, pq.EffectiveRate), decimal.Max(q.EffectiveMax, pq.EffectiveRate)
		}
		out.Offers[i] = q
	}
	return out, nil
}

// acceptKeyPrefix keeps acceptance keys apart from upload keys in web_submissions.
const acceptKeyPrefix = "accept:"

// AcceptOfferOnce is AcceptOffer (the use case of POST /v1/offers/{id}/accept)
// behind the quotes page's one-time form key, as an Idempotency-Key: a
// double click or a reload accepts once, and every submission under the key
// gets the same financings. The claim is a web_submissions row whose result
// column holds the accepted offer's id.
func (a *App) AcceptOfferOnce(ctx context.Context, act Actor, key string, offerID uuid.UUID) ([]financing.Financing, error) {
	if err := mayAcceptOffer(act); err != nil {
		return nil, err // before the claim: a refused role leaves no row
	}
	if key == "" || len(key) > 100 {
		return nil, validation.Errors{{Field: "key", Code: "invalid", Message: "the form key is missing; ask for the offers again"}}
	}
	key = acceptKeyPrefix + key
	tag, err := a.Pool.Exec(ctx, `INSERT INTO web_submissions (party_id, key, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, act.PartyID, key, a.Clock())
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return a.awaitAcceptance(ctx, act, key)
	}
	fs, err := a.AcceptOffer(ctx, act, offerID)
	if err != nil {
		_, _ = a.Pool.Exec(context.WithoutCancel(ctx), `DELETE FROM web_submissions WHERE party_id = $1 AND key = $2`, act.PartyID, key)
		return nil, err
	}
	_, err = a.Pool.Exec(ctx, `UPDATE web_submissions SET batch_id = $3 WHERE party_id = $1 AND key = $2`, act.PartyID, key, offerID)
	return fs, err
}

func (a *App) awaitAcceptance(ctx context.Context, act Actor, key string) ([]financing.Financing, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var id *uuid.UUID
		err := a.Pool.QueryRow(ctx, `SELECT batch_id FROM web_submissions WHERE party_id = $1 AND key = $2`, act.PartyID, key).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, validation.Errors{{Field: "key", Code: "retry", Message: "the first attempt failed; ask for the offers again"}}
		case err != nil:
			return nil, err
		case id != nil:
			page, err := a.ListFinancings(ctx, act, *id, uuid.Nil, 1000)
			return page.Items, err
		case time.Now().After(deadline):
			return nil, errors.New("acceptance still running")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CounterpartyName is the legal name of a party the caller deals with: its
// own, any for operators, its programs' buyers, and the lenders, suppliers
// and buyers of the offers it is party to (a supplier sees who quoted it,
// a lender whom it quoted), and for a lender the suppliers auctioning in
// its programs. Any other party is party.ErrNotFound.
func (a *App) CounterpartyName(ctx context.Context, act Actor, id uuid.UUID) (string, error) {
	if name, err := a.PartyName(ctx, act, id); err == nil {
		return name, nil
	}
	var name string
	err := a.Pool.QueryRow(ctx, `SELECT p.legal_name FROM parties p WHERE p.id = $2 AND (EXISTS (SELECT 1 FROM offers o
		WHERE $1 IN (o.supplier_id, o.lender_id, o.buyer_id) AND $2 IN (o.supplier_id, o.lender_id, o.buyer_id))
		OR EXISTS (SELECT 1 FROM auctions au JOIN program_lenders pl ON pl.program_id = au.program_id
		WHERE pl.lender_id = $1 AND au.supplier_id = $2))`, act.PartyID, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", party.ErrNotFound
	}
	return name, err
}
