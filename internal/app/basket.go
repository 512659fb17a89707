package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Basket is a set of a supplier's invoices of one program, checked for
// financing on today's value date, with everything needed to price it.
type Basket struct {
	Program  program.Program
	Terms    Terms
	Fix      refrate.Rate
	Value    time.Time
	Cutoff   time.Time // the funding cut-off instant of the value date
	Invoices []invoice.Invoice
	Face     decimal.Decimal // sum of payable amounts
	Days     []int           // days to maturity per invoice, for tenor buckets
	Maturity []time.Time     // each invoice's maturity: its due date on a business day
}

// LoadBasket loads the caller's invoices (one query), their program, terms,
// value date and fixing, and checks each is in status want and eligible.
func (a *Base) LoadBasket(ctx context.Context, q db.Querier, act Actor, ids []uuid.UUID, lock bool, want invoice.Status) (Basket, error) {
	var b Basket
	if len(ids) == 0 || len(ids) > 1000 {
		return b, validation.Errors{{Field: "invoice_ids", Code: "required", Message: "give from 1 to 1000 invoice ids"}}
	}
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return b, validation.Errors{{Field: "invoice_ids", Code: "duplicate", Message: "an invoice id is repeated"}}
		}
		seen[id] = true
	}
	invs, err := invoicedb.ByIDs(ctx, q, InvoiceViewer(act), ids, lock)
	if err != nil {
		return b, err
	}
	if len(invs) != len(ids) {
		return b, invoice.ErrNotFound
	}
	for _, inv := range invs {
		if inv.ProgramID != invs[0].ProgramID {
			return b, offer.ErrMixedPrograms
		}
		if inv.Kind != invoice.KindInvoice || inv.Status != want || !inv.Payable().IsPositive() {
			return b, offer.ErrInvoiceTaken
		}
	}
	if b.Program, err = programdb.Get(ctx, q, ProgramViewer(act), invs[0].ProgramID); err != nil {
		return b, err
	}
	if err := a.QuoteDay(ctx, &b, a.Clock()); err != nil {
		return b, err
	}
	if b.Fix, err = a.FixingOn(ctx, q, b.Program.ReferenceIndex, b.Value, b.Terms.Calendar); err != nil {
		return b, err
	}
	b.Invoices, b.Face, b.Days, b.Maturity = invs, decimal.Zero, make([]int, len(invs)), make([]time.Time, len(invs))
	for i, inv := range invs {
		b.Face = b.Face.Add(inv.Payable())
		if b.Days[i], b.Maturity[i], err = b.Tenor(inv); err != nil {
			return b, err
		}
	}
	return b, nil
}

// QuoteDay fills b's terms, value date and cut-off for a quote made at now:
// the value date is today before the cut-off on a business day, else the
// next business day.
func (a *Base) QuoteDay(ctx context.Context, b *Basket, now time.Time) error {
	var err error
	if b.Terms, err = a.PricingTerms(ctx, b.Program); err != nil {
		return err
	}
	loc := b.Program.Location()
	if b.Value, err = ValueDate(now, loc, b.Terms); err != nil {
		return err
	}
	b.Cutoff = offer.CutoffInstant(b.Value, loc, b.Terms.Cutoff.Hour, b.Terms.Cutoff.Minute)
	return nil
}

// Tenor is an invoice's days and maturity from the value date, refused
// outside the program's limits. The maturity (and so the days) depends on
// neither the rate nor the spread.
func (b Basket) Tenor(inv invoice.Invoice) (int, time.Time, error) {
	q, err := pricing.Price(b.Input(inv, 0))
	if err != nil {
		return 0, time.Time{}, err
	}
	return q.Days, q.Maturity, pricing.Eligible(q.ValueDate, q.Maturity, b.Program.MinDays, b.Program.MaxTenorDays)
}

func (b Basket) Input(inv invoice.Invoice, spread int) pricing.Input {
	return pricing.Input{Program: b.Terms.Program, Face: inv.Payable(), ReferenceRate: b.Fix.Fraction(), SpreadBps: spread,
		ValueDate: b.Value, DueDate: inv.DueDate}
}

// Price builds an open offer from a lender at one spread per invoice.
func (b Basket) Price(lender uuid.UUID, spreads []int, source string, auctionID *uuid.UUID, expires, now time.Time) (offer.Offer, error) {
	ins := make([]pricing.Input, len(b.Invoices))
	maxSpread := 0
	for i, inv := range b.Invoices {
		ins[i] = b.Input(inv, spreads[i])
		maxSpread = max(maxSpread, spreads[i])
	}
	bk, err := pricing.PriceBasket(ins)
	if err != nil {
		return offer.Offer{}, err
	}
	inv0 := b.Invoices[0]
	o := offer.Offer{ID: uuid.Must(uuid.NewV7()), Source: source, AuctionID: auctionID, ProgramID: b.Program.ID, LenderID: lender,
		SupplierID: inv0.SupplierID, BuyerID: inv0.BuyerID, Currency: b.Program.Currency, SpreadBps: maxSpread,
		ReferenceIndex: b.Fix.Index, ReferenceDate: b.Fix.Date, ReferenceRate: b.Fix.Percent, ValueDate: b.Value,
		Face: bk.Face, Discount: bk.Discount, Net: bk.Net, Status: offer.StatusOpen, ExpiresAt: expires, CreatedAt: now,
		Lines: make([]offer.Line, len(bk.Lines))}
	for i, l := range bk.Lines {
		o.Lines[i] = offer.Line{InvoiceID: b.Invoices[i].ID, Face: l.Face, Discount: l.Discount, Net: l.Net, DueDate: l.DueDate, Maturity: l.Maturity, Days: l.Days,
			SpreadBps: l.SpreadBps, AllInRate: l.AllInRate, EffectiveRate: l.EffectiveRate}
	}
	return o, nil
}
