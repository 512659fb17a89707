package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/validation"
)

func offerViewer(act Actor) offerdb.Viewer {
	return offerdb.Viewer{PartyID: act.PartyID, Role: string(act.Role)}
}

// StandingEvent is the payload of cadena.offer.standing_changed.
type StandingEvent struct {
	ProgramID uuid.UUID      `json:"program_id"`
	LenderID  uuid.UUID      `json:"lender_id"`
	Status    string         `json:"status"` // active, paused or withdrawn
	Buckets   []offer.Bucket `json:"buckets"`
}

// lenderProgram loads a program the caller (a lender) is enrolled in.
func (a *App) lenderProgram(ctx context.Context, q db.Querier, act Actor, programID uuid.UUID) (program.Program, error) {
	if !act.Is(auth.RoleLender) {
		return program.Program{}, ErrForbidden
	}
	return programdb.Get(ctx, q, viewer(act), programID)
}

// PutStandingOffer sets the caller's (a lender's) spreads by tenor bucket in
// a program it is enrolled in; spreads above the program cap are refused.
func (a *App) PutStandingOffer(ctx context.Context, act Actor, programID uuid.UUID, buckets []offer.Bucket, from, until time.Time) (offer.Standing, error) {
	var s offer.Standing
	err := a.inTx(ctx, func(tx pgx.Tx) error {
		p, err := a.lenderProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		if s, err = offer.NewStanding(p.ID, act.PartyID, buckets, from, until, p.MaxSpreadBps, a.now()); err != nil {
			return err
		}
		if err := offerdb.PutStanding(ctx, tx, s); err != nil {
			return err
		}
		return a.emit(ctx, tx, event.StandingOfferChanged, StandingEvent{ProgramID: p.ID, LenderID: act.PartyID, Status: s.Status, Buckets: s.Buckets})
	})
	return s, err
}

// GetStandingOffer returns the caller's standing offer in a program.
func (a *App) GetStandingOffer(ctx context.Context, act Actor, programID uuid.UUID) (offer.Standing, error) {
	if _, err := a.lenderProgram(ctx, a.Pool, act, programID); err != nil {
		return offer.Standing{}, err
	}
	return offerdb.GetStanding(ctx, a.Pool, programID, act.PartyID)
}

// SetStandingOfferStatus pauses (active=false) or resumes the caller's standing offer.
func (a *App) SetStandingOfferStatus(ctx context.Context, act Actor, programID uuid.UUID, active bool) (offer.Standing, error) {
	status := offer.Paused
	if active {
		status = offer.Active
	}
	var s offer.Standing
	err := a.inTx(ctx, func(tx pgx.Tx) error {
		p, err := a.lenderProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		if s, err = offerdb.SetStandingStatus(ctx, tx, p.ID, act.PartyID, status, a.now()); err != nil {
			return err
		}
		return a.emit(ctx, tx, event.StandingOfferChanged, StandingEvent{ProgramID: p.ID, LenderID: act.PartyID, Status: s.Status, Buckets: s.Buckets})
	})
	return s, err
}

// WithdrawStandingOffer deletes the caller's standing offer; open quotes stay valid until they expire.
func (a *App) WithdrawStandingOffer(ctx context.Context, act Actor, programID uuid.UUID) error {
	return a.inTx(ctx, func(tx pgx.Tx) error {
		p, err := a.lenderProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		if err := offerdb.DeleteStanding(ctx, tx, p.ID, act.PartyID); err != nil {
			return err
		}
		return a.emit(ctx, tx, event.StandingOfferChanged, StandingEvent{ProgramID: p.ID, LenderID: act.PartyID, Status: "withdrawn", Buckets: []offer.Bucket{}})
	})
}

// basket is a set of a supplier's invoices of one program, checked for
// financing on today's value date, with everything needed to price it.
type basket struct {
	program  program.Program
	terms    Terms
	fix      refrate.Rate
	value    time.Time
	cutoff   time.Time // the funding cut-off instant of the value date
	invoices []invoice.Invoice
	face     decimal.Decimal // sum of payable amounts
	days     []int           // days to maturity per invoice, for tenor buckets
	maturity []time.Time     // each invoice's maturity: its due date on a business day
}

// loadBasket loads the caller's invoices (one query), their program, terms,
// value date and fixing, and checks each is in status want and eligible.
func (a *App) loadBasket(ctx context.Context, q db.Querier, act Actor, ids []uuid.UUID, lock bool, want invoice.Status) (basket, error) {
	var b basket
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
	invs, err := invoicedb.ByIDs(ctx, q, invoiceViewer(act), ids, lock)
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
	if b.program, err = programdb.Get(ctx, q, viewer(act), invs[0].ProgramID); err != nil {
		return b, err
	}
	if err := a.quoteDay(ctx, &b); err != nil {
		return b, err
	}
	if b.fix, err = a.fixingOn(ctx, q, b.program.ReferenceIndex, b.value, b.terms.Calendar); err != nil {
		return b, err
	}
	b.invoices, b.face, b.days, b.maturity = invs, decimal.Zero, make([]int, len(invs)), make([]time.Time, len(invs))
	for i, inv := range invs {
		b.face = b.face.Add(inv.Payable())
		if b.days[i], b.maturity[i], err = b.tenor(inv); err != nil {
			return b, err
		}
	}
	return b, nil
}

// quoteDay fills b's terms, value date and cut-off for a quote made now:
// the value date is today before the cut-off on a business day, else the
// next business day.
func (a *App) quoteDay(ctx context.Context, b *basket) error {
	var err error
	if b.terms, err = a.PricingTerms(ctx, b.program); err != nil {
		return err
	}
	loc := b.program.Location()
	if b.value, err = pricing.ValueDate(a.now(), loc, b.terms.cutoff, b.terms.Calendar); err != nil {
		return err
	}
	b.cutoff = offer.CutoffInstant(b.value, loc, b.terms.cutoff.Hour, b.terms.cutoff.Minute)
	return nil
}

// tenor is an invoice's days and maturity from the value date, refused
// outside the program's limits. The maturity (and so the days) depends on
// neither the rate nor the spread.
func (b basket) tenor(inv invoice.Invoice) (int, time.Time, error) {
	q, err := pricing.Price(b.input(inv, 0))
	if err != nil {
		return 0, time.Time{}, err
	}
	return q.Days, q.Maturity, pricing.Eligible(q.ValueDate, q.Maturity, b.program.MinDays, b.program.MaxTenorDays)
}

// spreads are a standing offer's spreads for invoices of these tenors
// totalling face, or why it cannot quote them (an Unavailable reason).
func spreads(l offerdb.QuotingLender, face decimal.Decimal, days []int) ([]int, string) {
	if l.Available.LessThan(face) {
		return nil, "limit_exceeded"
	}
	out := make([]int, len(days))
	for i, d := range days {
		s, ok := l.SpreadFor(d)
		if !ok {
			return nil, "no_bucket"
		}
		out[i] = s
	}
	return out, ""
}

func (b basket) input(inv invoice.Invoice, spread int) pricing.Input {
	return pricing.Input{Program: b.terms.Program, Face: inv.Payable(), ReferenceRate: b.fix.Fraction(), SpreadBps: spread,
		ValueDate: b.value, DueDate: inv.DueDate}
}

// price builds an open offer from a lender at one spread per invoice.
func (b basket) price(lender uuid.UUID, spreads []int, source string, auctionID *uuid.UUID, expires, now time.Time) (offer.Offer, error) {
	ins := make([]pricing.Input, len(b.invoices))
	maxSpread := 0
	for i, inv := range b.invoices {
		ins[i] = b.input(inv, spreads[i])
		maxSpread = max(maxSpread, spreads[i])
	}
	bk, err := pricing.PriceBasket(ins)
	if err != nil {
		return offer.Offer{}, err
	}
	inv0 := b.invoices[0]
	o := offer.Offer{ID: uuid.Must(uuid.NewV7()), Source: source, AuctionID: auctionID, ProgramID: b.program.ID, LenderID: lender,
		SupplierID: inv0.SupplierID, BuyerID: inv0.BuyerID, Currency: b.program.Currency, SpreadBps: maxSpread,
		ReferenceIndex: b.fix.Index, ReferenceDate: b.fix.Date, ReferenceRate: b.fix.Percent, ValueDate: b.value,
		Face: bk.Face, Discount: bk.Discount, Net: bk.Net, Status: offer.StatusOpen, ExpiresAt: expires, CreatedAt: now,
		Lines: make([]offer.Line, len(bk.Lines))}
	for i, l := range bk.Lines {
		o.Lines[i] = offer.Line{InvoiceID: b.invoices[i].ID, Face: l.Face, Discount: l.Discount, Net: l.Net, DueDate: l.DueDate, Maturity: l.Maturity, Days: l.Days,
			SpreadBps: l.SpreadBps, AllInRate: l.AllInRate, EffectiveRate: l.EffectiveRate}
	}
	return o, nil
}

// Unavailable is a lender with a standing offer that could not quote, and why.
type Unavailable struct {
	LenderID uuid.UUID
	Reason   string // limit_exceeded, no_bucket, above_cap, pricing_refused
}

// QuoteResult is every lender's priced offer, best net proceeds first.
type QuoteResult struct {
	Offers      []offer.Offer
	Unavailable []Unavailable
	Fixing      refrate.Rate
}

// Quote prices the caller's (a supplier's) eligible invoices with every
// standing offer that can take them, stores each as an open offer that
// expires after offer.QuoteTTL or at the funding cut-off, whichever is first.
func (a *App) Quote(ctx context.Context, act Actor, ids []uuid.UUID) (QuoteResult, error) {
	if !act.Is(auth.RoleSupplier) {
		return QuoteResult{}, ErrForbidden
	}
	// Reads go through the pool: a quote locks nothing, and only its offers are written.
	var out QuoteResult
	b, err := a.loadBasket(ctx, a.Pool, act, ids, false, invoice.Published)
	if err != nil {
		return out, err
	}
	now := a.now()
	lenders, err := offerdb.QuotingLenders(ctx, a.Pool, b.program.ID, now)
	if err != nil {
		return out, err
	}
	expires := offer.Expiry(now, offer.QuoteTTL, b.cutoff)
	for _, l := range lenders {
		sp, why := spreads(l, b.face, b.days)
		if why != "" {
			out.Unavailable = append(out.Unavailable, Unavailable{LenderID: l.LenderID, Reason: why})
			continue
		}
		o, err := b.price(l.LenderID, sp, offer.SourceQuote, nil, expires, now)
		if err != nil {
			out.Unavailable = append(out.Unavailable, Unavailable{LenderID: l.LenderID, Reason: "pricing_refused"})
			continue
		}
		out.Offers = append(out.Offers, o)
	}
	if len(out.Offers) == 0 {
		return out, offer.ErrNoQuotes
	}
	offer.SortByNet(out.Offers)
	out.Fixing = b.fix
	// One round trip: BEGIN, the inserts and COMMIT.
	err = a.Tx().InTrips(ctx, func(ctx context.Context, _ *db.Trips) (*db.Batch, error) {
		w := &db.Batch{}
		if err := offerdb.AsyncCommit(ctx, w); err != nil {
			return nil, err
		}
		if _, err := w.Exec(ctx, db.GenericPlans); err != nil { // inserts from arrays: planned once
			return nil, err
		}
		return w, offerdb.InsertOffers(ctx, w, out.Offers)
	})
	return out, err
}

// GetOffer loads an offer the caller may see (its supplier, lender, buyer; operators).
func (a *App) GetOffer(ctx context.Context, act Actor, id uuid.UUID) (offer.Offer, error) {
	return offerdb.Get(ctx, a.Pool, offerViewer(act), id)
}

// ListOffers pages through the offers the caller may see.
func (a *App) ListOffers(ctx context.Context, act Actor, status string, cursor uuid.UUID, limit int) (Page[offer.Offer], error) {
	items, err := offerdb.List(ctx, a.Pool, offerViewer(act), status, cursor, limit)
	return pageOf(items, limit, func(o offer.Offer) uuid.UUID { return o.ID }), err
}

func formatAmount(d decimal.Decimal, c money.Currency) string { return money.Format(d, c) }

func civil(t time.Time) string { return calendar.Day(t).Format(time.DateOnly) }

func pricingValueDate(now time.Time, loc *time.Location, t Terms) (time.Time, error) {
	return pricing.ValueDate(now, loc, t.cutoff, t.Calendar)
}

// programOf returns a program by id, cached: a program's terms never change
// after creation (there is no update), so acceptance need not read it again.
// The caller has already checked the caller may see what refers to it.
func (a *App) programOf(ctx context.Context, id uuid.UUID) (program.Program, error) {
	if p, ok := a.programs.Load(id); ok {
		return p.(program.Program), nil
	}
	p, err := programdb.Get(ctx, a.Pool, programdb.Viewer{Role: string(auth.RoleOperator)}, id)
	if err == nil {
		a.programs.Store(id, p)
	}
	return p, err
}
