package acceptance

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/refrate/refratedb"
)

// FinancingLine is one financed invoice in cadena.financing.accepted.
type FinancingLine struct {
	FinancingID   uuid.UUID `json:"financing_id"`
	InvoiceID     uuid.UUID `json:"invoice_id"`
	Face          string    `json:"face"`
	Discount      string    `json:"discount"`
	Net           string    `json:"net"`
	Maturity      string    `json:"maturity"`
	SpreadBps     int       `json:"spread_bps"`            // the line's tenor bucket
	AllInRate     string    `json:"all_in_rate"`           // percent
	EffectiveRate string    `json:"effective_annual_rate"` // percent
}

// AcceptedEvent is the payload of cadena.financing.accepted.
type AcceptedEvent struct {
	OfferID        uuid.UUID       `json:"offer_id"`
	Source         string          `json:"source"`
	ProgramID      uuid.UUID       `json:"program_id"`
	LenderID       uuid.UUID       `json:"lender_id"`
	SupplierID     uuid.UUID       `json:"supplier_id"`
	BuyerID        uuid.UUID       `json:"buyer_id"`
	Currency       string          `json:"currency"`
	Face           string          `json:"face"`
	Discount       string          `json:"discount"`
	Net            string          `json:"net"`
	SpreadBps      int             `json:"spread_bps"`
	ReferenceIndex string          `json:"reference_index"`
	ReferenceDate  string          `json:"reference_date"`
	ReferenceRate  string          `json:"reference_rate"`
	ValueDate      string          `json:"value_date"`
	AcceptedAt     time.Time       `json:"accepted_at"`
	Financings     []FinancingLine `json:"financings"`
}

// OfferAcceptors are the roles that may accept an offer: the supplier, and
// only its own offers (the offer store scopes them to its party). This is
// the one statement of the rule; the API's and the portal's route tables
// and the use cases all read it.
func OfferAcceptors() []auth.Role { return []auth.Role{auth.RoleSupplier} }

// mayAcceptOffer is ErrForbidden unless act is one of OfferAcceptors.
func mayAcceptOffer(act app.Actor) error {
	if !act.Is(OfferAcceptors()...) {
		return app.ErrForbidden
	}
	return nil
}

// AcceptOffer turns an open offer into financings, one per invoice, for the
// offer's supplier. Everything is re-checked at this instant: the offer is
// open and unexpired, every invoice is still available (published for a
// quote, offered in this auction for an auction offer) with the payable
// amount it was priced on, the spread within the program cap, the fixing
// unchanged (otherwise offer.ErrRepriced: the supplier asks again, see
// docs/offers.md), and the lender's limit covers the face.
//
// The offer and its lines are read in one round trip before the
// transaction, and the transaction takes two more. The first begins it,
// locks the invoices (in id order) and then the offers on them (the one
// accepted and its siblings, in id order), and reads the fixing
// (a correction committed after it would not be stopped by any read either,
// under READ COMMITTED). Two acceptances of offers that
// share an invoice meet on that invoice and never hold each other's offer,
// so they cannot deadlock. The second carries every write and the COMMIT.
// The exposure UPDATE, the most contended row (every acceptance of a
// lender in a program), comes last and the table's CHECK refuses an excess,
// so the row is locked only for the commit. The partial unique index on
// live financings backs all of this.
func (a *App) AcceptOffer(ctx context.Context, act app.Actor, offerID uuid.UUID) ([]financing.Financing, error) {
	if err := mayAcceptOffer(act); err != nil {
		return nil, err
	}
	o, err := offerdb.Get(ctx, a.Pool, app.OfferViewer(act), offerID)
	if err != nil {
		return nil, err
	}
	if err := o.Acceptable(a.Clock()); err != nil {
		return nil, err // fail fast before taking any lock
	}
	p, err := a.ProgramOf(ctx, o.ProgramID)
	if err != nil {
		return nil, err
	}
	if o.SpreadBps > p.MaxSpreadBps {
		return nil, offer.ErrBidAboveCap
	}
	cal, err := a.Calendar(ctx, p.Calendar)
	if err != nil {
		return nil, err
	}
	var out []financing.Financing
	err = a.Tx().InTrips(ctx, func(ctx context.Context, t *db.Trips) (*db.Batch, error) {
		locked, err := a.lockForAcceptance(ctx, t, act, o)
		if err != nil {
			return nil, err
		}
		now := a.Clock()
		if err := a.checkAcceptable(o, locked, cal, now); err != nil {
			return nil, err
		}
		var ev AcceptedEvent
		out, ev = buildFinancings(o, now)
		return a.acceptanceWrites(ctx, act, o, locked, out, ev, now)
	})
	switch {
	case financingdb.IsInvoiceTaken(err):
		return nil, offer.ErrInvoiceTaken
	case financingdb.IsLimitExceeded(err):
		return nil, offer.ErrLimitExceeded
	case err != nil:
		return nil, err
	}
	return out, nil
}

// lockedForAcceptance is what the first round trip of an acceptance reads
// under its locks.
type lockedForAcceptance struct {
	invoices   []invoice.Invoice
	onInvoices []offer.Offer // the offer and every other offer on its invoices
	fixing     refrate.Rate
}

// lockForAcceptance is round trip 1: begin, lock the offer's invoices, then
// the offers on them, and read the fixing the offer must still match.
func (a *App) lockForAcceptance(ctx context.Context, t *db.Trips, act app.Actor, o offer.Offer) (lockedForAcceptance, error) {
	var l lockedForAcceptance
	b := &db.Batch{}
	_, _ = b.Exec(ctx, db.GenericPlans) // every statement here reaches its rows by key; a queued error comes from Send
	invoicedb.QueueLockByIDs(b, app.InvoiceViewer(act), o.InvoiceIDs(), &l.invoices)
	offerdb.QueueLockOnInvoices(b, app.OfferViewer(act), o.InvoiceIDs(), &l.onInvoices)
	refratedb.QueueLatestOnOrBefore(b, o.ReferenceIndex, o.ValueDate, &l.fixing)
	return l, t.Send(ctx, b)
}

// checkAcceptable re-checks the offer against what is locked: still open
// and unexpired, the fixing fresh and unchanged, and every invoice still
// available with the payable amount it was priced on.
func (a *App) checkAcceptable(o offer.Offer, l lockedForAcceptance, cal *calendar.Calendar, now time.Time) error {
	cur, found := offer.Offer{}, false
	for _, x := range l.onInvoices {
		if x.ID == o.ID {
			cur, found = x, true
		}
	}
	if !found {
		return offer.ErrNotFound
	}
	if err := cur.Acceptable(now); err != nil {
		return err
	}
	if err := refrate.CheckFresh(l.fixing, o.ValueDate, cal, a.MaxRateAge()); err != nil {
		return err
	}
	if !l.fixing.Date.Equal(o.ReferenceDate) || !l.fixing.Percent.Equal(o.ReferenceRate) {
		return offer.ErrRepriced
	}
	if len(l.invoices) != len(o.Lines) {
		return offer.ErrInvoiceTaken
	}
	want := availableFor(o)
	for i, inv := range l.invoices {
		if inv.Status != want || !inv.Payable().Equal(o.Lines[i].Face) || inv.Status.To(invoice.Offered) != nil && inv.Status.To(invoice.Financed) != nil {
			return offer.ErrInvoiceTaken
		}
	}
	return nil
}

// availableFor is the status an offer's invoices wait in: published for a
// quote, offered for an auction's offer.
func availableFor(o offer.Offer) invoice.Status {
	if o.Source == offer.SourceAuction {
		return invoice.Offered
	}
	return invoice.Published
}

// buildFinancings is the offer's financings, one per line, and their event.
func buildFinancings(o offer.Offer, now time.Time) ([]financing.Financing, AcceptedEvent) {
	out := make([]financing.Financing, len(o.Lines))
	ev := AcceptedEvent{OfferID: o.ID, Source: o.Source, ProgramID: o.ProgramID, LenderID: o.LenderID, SupplierID: o.SupplierID,
		BuyerID: o.BuyerID, Currency: string(o.Currency), Face: app.FormatAmount(o.Face, o.Currency), Discount: app.FormatAmount(o.Discount, o.Currency),
		Net: app.FormatAmount(o.Net, o.Currency), SpreadBps: o.SpreadBps, ReferenceIndex: o.ReferenceIndex, ReferenceDate: app.Civil(o.ReferenceDate),
		ReferenceRate: o.ReferenceRate.StringFixed(4), ValueDate: app.Civil(o.ValueDate), AcceptedAt: now.UTC(),
		Financings: make([]FinancingLine, len(o.Lines))}
	for i, l := range o.Lines {
		out[i] = financing.Financing{ID: uuid.Must(uuid.NewV7()), OfferID: o.ID, InvoiceID: l.InvoiceID, ProgramID: o.ProgramID,
			LenderID: o.LenderID, SupplierID: o.SupplierID, BuyerID: o.BuyerID, Currency: o.Currency, Face: l.Face, Discount: l.Discount,
			Net: l.Net, SpreadBps: l.SpreadBps, ReferenceIndex: o.ReferenceIndex, ReferenceDate: o.ReferenceDate, ReferenceRate: o.ReferenceRate,
			ValueDate: o.ValueDate, Maturity: l.Maturity, Status: financing.Accepted, AcceptedAt: now, UpdatedAt: now}
		ev.Financings[i] = FinancingLine{FinancingID: out[i].ID, InvoiceID: l.InvoiceID, Face: app.FormatAmount(l.Face, o.Currency),
			Discount: app.FormatAmount(l.Discount, o.Currency), Net: app.FormatAmount(l.Net, o.Currency), Maturity: app.Civil(l.Maturity),
			SpreadBps: l.SpreadBps, AllInRate: pricing.FormatPercent(l.AllInRate), EffectiveRate: pricing.FormatPercent(l.EffectiveRate)}
	}
	return out, ev
}

// acceptanceWrites is round trip 2, sent with the COMMIT: every write; the
// first error aborts the rest. The exposure UPDATE comes last (see AcceptOffer).
func (a *App) acceptanceWrites(ctx context.Context, act app.Actor, o offer.Offer, l lockedForAcceptance, out []financing.Financing, ev AcceptedEvent, now time.Time) (*db.Batch, error) {
	w := &db.Batch{}
	if err := financingdb.Insert(ctx, w, out); err != nil {
		return nil, err
	}
	path := []invoice.Status{invoice.Offered, invoice.Financed}
	if availableFor(o) == invoice.Published { // a quote passes through offered (the supplier took it), so the history shows both
		path = []invoice.Status{invoice.Published, invoice.Offered, invoice.Financed}
	}
	if err := invoicedb.MoveAll(ctx, w, o.InvoiceIDs(), path, act.Subject, now); err != nil {
		return nil, err
	}
	var siblings []uuid.UUID // open offers on the same invoices, which this acceptance supersedes
	for _, x := range l.onInvoices {
		if x.ID != o.ID && x.Status == offer.StatusOpen {
			siblings = append(siblings, x.ID)
		}
	}
	if err := offerdb.Accept(ctx, w, o.ID, siblings, now); err != nil {
		return nil, err
	}
	if err := a.emitAccepted(ctx, w, ev); err != nil {
		return nil, err
	}
	return w, financingdb.ReserveChecked(ctx, w, o.ProgramID, o.LenderID, o.Face)
}

// emitAccepted writes the acceptance's event and the parties' copies in one statement.
func (a *App) emitAccepted(ctx context.Context, tx db.Execer, ev AcceptedEvent) error {
	typ := event.FinancingAccepted
	return a.Emit(ctx, tx, typ, ev, app.FinancingParties(typ, ev.LenderID, ev.BuyerID, ev.SupplierID)...)
}
