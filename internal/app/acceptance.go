package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

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
func mayAcceptOffer(act Actor) error {
	if !act.Is(OfferAcceptors()...) {
		return ErrForbidden
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
func (a *App) AcceptOffer(ctx context.Context, act Actor, offerID uuid.UUID) ([]financing.Financing, error) {
	if err := mayAcceptOffer(act); err != nil {
		return nil, err
	}
	o, err := offerdb.Get(ctx, a.Pool, offerViewer(act), offerID)
	if err != nil {
		return nil, err
	}
	if err := o.Acceptable(a.now()); err != nil {
		return nil, err // fail fast before taking any lock
	}
	p, err := a.programOf(ctx, o.ProgramID)
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
	for attempt := 0; ; attempt++ {
		out, err := a.acceptOnce(ctx, act, o, cal)
		if !db.IsRetryable(err) || attempt == 4 {
			return out, err
		}
	}
}

func (a *App) acceptOnce(ctx context.Context, act Actor, o offer.Offer, cal *calendar.Calendar) ([]financing.Financing, error) {
	conn, err := a.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	ids := make([]uuid.UUID, len(o.Lines))
	for i, l := range o.Lines {
		ids[i] = l.InvoiceID
	}
	// Round trip 1: begin, lock the invoices, then the offers on them, and
	// read the fixing the offer must still match.
	locks := &pgx.Batch{}
	locks.Queue("BEGIN")
	locks.Queue(db.GenericPlans) // every statement here reaches its rows by key
	isql, iargs := invoicedb.ByIDsQuery(invoiceViewer(act), ids)
	locks.Queue(isql, iargs...)
	osql, oargs := offerdb.LockOnInvoicesQuery(offerViewer(act), ids)
	locks.Queue(osql, oargs...)
	fsql, fargs := refratedb.LatestOnOrBeforeQuery(o.ReferenceIndex, o.ValueDate)
	locks.Queue(fsql, fargs...)
	br := conn.SendBatch(ctx, locks)
	_, err = br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	var invs []invoice.Invoice
	if err == nil {
		var rows pgx.Rows
		if rows, err = br.Query(); err == nil {
			invs, err = invoicedb.ScanInvoices(rows)
		}
	}
	var onInvoices []offer.Offer
	if err == nil {
		var rows pgx.Rows
		if rows, err = br.Query(); err == nil {
			onInvoices, err = offerdb.ScanOffers(rows)
		}
	}
	var fix refrate.Rate
	if err == nil {
		fix, err = refratedb.ScanLatest(br.QueryRow())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	// The offer and its siblings, open offers on the same invoices that
	// this acceptance supersedes.
	cur, found := offer.Offer{}, false
	var siblings []uuid.UUID
	for _, x := range onInvoices {
		switch {
		case x.ID == o.ID:
			cur, found = x, true
		case x.Status == offer.StatusOpen:
			siblings = append(siblings, x.ID)
		}
	}
	if !found {
		return nil, offer.ErrNotFound
	}
	now := a.now()
	if err := cur.Acceptable(now); err != nil {
		return nil, err
	}
	if err := refrate.CheckFresh(fix, o.ValueDate, cal, a.maxRateAge()); err != nil {
		return nil, err
	}
	if !fix.Date.Equal(o.ReferenceDate) || !fix.Percent.Equal(o.ReferenceRate) {
		return nil, offer.ErrRepriced
	}
	want := invoice.Published
	if o.Source == offer.SourceAuction {
		want = invoice.Offered
	}
	if len(invs) != len(o.Lines) {
		return nil, offer.ErrInvoiceTaken
	}
	for i, inv := range invs {
		if inv.Status != want || !inv.Payable().Equal(o.Lines[i].Face) || inv.Status.To(invoice.Offered) != nil && inv.Status.To(invoice.Financed) != nil {
			return nil, offer.ErrInvoiceTaken
		}
	}

	out := make([]financing.Financing, len(o.Lines))
	ev := AcceptedEvent{OfferID: o.ID, Source: o.Source, ProgramID: o.ProgramID, LenderID: o.LenderID, SupplierID: o.SupplierID,
		BuyerID: o.BuyerID, Currency: string(o.Currency), Face: formatAmount(o.Face, o.Currency), Discount: formatAmount(o.Discount, o.Currency),
		Net: formatAmount(o.Net, o.Currency), SpreadBps: o.SpreadBps, ReferenceIndex: o.ReferenceIndex, ReferenceDate: civil(o.ReferenceDate),
		ReferenceRate: o.ReferenceRate.StringFixed(4), ValueDate: civil(o.ValueDate), AcceptedAt: now.UTC(),
		Financings: make([]FinancingLine, len(o.Lines))}
	for i, l := range o.Lines {
		out[i] = financing.Financing{ID: uuid.Must(uuid.NewV7()), OfferID: o.ID, InvoiceID: l.InvoiceID, ProgramID: o.ProgramID,
			LenderID: o.LenderID, SupplierID: o.SupplierID, BuyerID: o.BuyerID, Currency: o.Currency, Face: l.Face, Discount: l.Discount,
			Net: l.Net, SpreadBps: l.SpreadBps, ReferenceIndex: o.ReferenceIndex, ReferenceDate: o.ReferenceDate, ReferenceRate: o.ReferenceRate,
			ValueDate: o.ValueDate, Maturity: l.Maturity, Status: financing.Accepted, AcceptedAt: now, UpdatedAt: now}
		ev.Financings[i] = FinancingLine{FinancingID: out[i].ID, InvoiceID: l.InvoiceID, Face: formatAmount(l.Face, o.Currency),
			Discount: formatAmount(l.Discount, o.Currency), Net: formatAmount(l.Net, o.Currency), Maturity: civil(l.Maturity),
			SpreadBps: l.SpreadBps, AllInRate: pricing.FormatPercent(l.AllInRate), EffectiveRate: pricing.FormatPercent(l.EffectiveRate)}
	}

	// Round trip 2: every write, then COMMIT; the first error aborts the rest.
	q := queued{b: &pgx.Batch{}}
	if err := financingdb.Insert(ctx, q, out); err != nil {
		return nil, err
	}
	path := []invoice.Status{invoice.Offered, invoice.Financed}
	if want == invoice.Published { // a quote passes through offered (the supplier took it), so the history shows both
		path = []invoice.Status{invoice.Published, invoice.Offered, invoice.Financed}
	}
	if err := invoicedb.MoveAll(ctx, q, ids, path, act.Subject, now); err != nil {
		return nil, err
	}
	if err := offerdb.Accept(ctx, q, o.ID, siblings, now); err != nil {
		return nil, err
	}
	if err := a.emitAccepted(ctx, q, ev); err != nil {
		return nil, err
	}
	if err := financingdb.ReserveChecked(ctx, q, o.ProgramID, o.LenderID, o.Face); err != nil {
		return nil, err
	}
	q.b.Queue("COMMIT")
	err = sendQueued(ctx, conn, q.b)
	switch {
	case financingdb.IsInvoiceTaken(err):
		return nil, offer.ErrInvoiceTaken
	case financingdb.IsLimitExceeded(err):
		return nil, offer.ErrLimitExceeded
	case err != nil:
		return nil, err
	}
	committed = true
	a.committed()
	return out, nil
}

// inOneTrip runs the writes fn queues as one transaction sent in one round
// trip, for writes that need no answer before the commit.
func (a *App) inOneTrip(ctx context.Context, fn func(queued) error) error {
	q := queued{b: &pgx.Batch{}}
	q.b.Queue("BEGIN")
	if err := fn(q); err != nil {
		return err
	}
	q.b.Queue("COMMIT")
	conn, err := a.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if err := sendQueued(ctx, conn, q.b); err != nil {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	a.committed()
	return nil
}

// sendQueued runs a batch on conn in one round trip and returns its first
// error; the statements after a failed one do not run.
func sendQueued(ctx context.Context, conn *pgxpool.Conn, b *pgx.Batch) error {
	res := conn.SendBatch(ctx, b)
	var err error
	for range b.Len() {
		if _, e := res.Exec(); e != nil && err == nil {
			err = e
		}
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return err
}

// queued is a db.Querier that queues writes into one batch instead of
// running them, so stores' write functions can be sent with their COMMIT in
// one round trip. Their errors surface when the batch runs; reads fail.
type queued struct{ b *pgx.Batch }

var errQueuedRead = errors.New("app: no reads through a queued batch")

func (q queued) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.b.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

func (q queued) Query(context.Context, string, ...any) (pgx.Rows, error) { return nil, errQueuedRead }

func (q queued) QueryRow(context.Context, string, ...any) pgx.Row { return errRow{} }

func (q queued) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errQueuedRead
}

func (q queued) SendBatch(_ context.Context, b *pgx.Batch) pgx.BatchResults {
	for _, qq := range b.QueuedQueries {
		q.b.Queue(qq.SQL, qq.Arguments...)
	}
	return queuedResults{}
}

type errRow struct{}

func (errRow) Scan(...any) error { return errQueuedRead }

type queuedResults struct{}

func (queuedResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, nil }
func (queuedResults) Query() (pgx.Rows, error)         { return nil, errQueuedRead }
func (queuedResults) QueryRow() pgx.Row                { return errRow{} }
func (queuedResults) Close() error                     { return nil }
func (queuedResults) Tx() pgx.Tx                       { return nil }

// emitAccepted writes the acceptance's event and the parties' copies in one statement.
func (a *App) emitAccepted(ctx context.Context, tx db.Querier, ev AcceptedEvent) error {
	typ := event.FinancingAccepted
	return a.emit(ctx, tx, typ, ev, financingParties(typ, ev.LenderID, ev.BuyerID, ev.SupplierID)...)
}

// setInvoiceStatus moves a locked invoice through the status machine.
func setInvoiceStatus(ctx context.Context, tx pgx.Tx, inv *invoice.Invoice, to invoice.Status, actor string, at time.Time) error {
	if err := inv.Status.To(to); err != nil {
		return err
	}
	if err := invoicedb.SetStatus(ctx, tx, *inv, to, actor, at); err != nil {
		return err
	}
	inv.Status, inv.UpdatedAt = to, at
	return nil
}
