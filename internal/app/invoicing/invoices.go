package invoicing

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/party/partydb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// InvoiceEvent is the payload of cadena.invoice.published.
type InvoiceEvent struct {
	InvoiceID      uuid.UUID `json:"invoice_id"`
	ProgramID      uuid.UUID `json:"program_id"`
	BuyerID        uuid.UUID `json:"buyer_id"`
	SupplierID     uuid.UUID `json:"supplier_id"`
	DocumentNumber string    `json:"document_number"`
	EInvoiceID     string    `json:"einvoice_id"`
	IssueDate      string    `json:"issue_date"`
	DueDate        string    `json:"due_date"`
	Currency       string    `json:"currency"`
	FaceAmount     string    `json:"face_amount"`
	PayableAmount  string    `json:"payable_amount"`
}

// BatchEvent is the payload of cadena.invoice.batch_published: lenders
// fetch the Published new invoices with GET /v1/invoices?batch_id=.
type BatchEvent struct {
	BatchID   uuid.UUID `json:"batch_id"`
	ProgramID uuid.UUID `json:"program_id"`
	BuyerID   uuid.UUID `json:"buyer_id"`
	Currency  string    `json:"currency"`
	Published int       `json:"published"`
	Rejected  int       `json:"rejected"`
}

// InvoiceStatusEvent is the payload of cadena.invoice.cancelled and .expired.
type InvoiceStatusEvent struct {
	InvoiceID  uuid.UUID `json:"invoice_id"`
	ProgramID  uuid.UUID `json:"program_id"`
	BuyerID    uuid.UUID `json:"buyer_id"`
	SupplierID uuid.UUID `json:"supplier_id"`
	From       string    `json:"from_status"`
	Status     string    `json:"status"`
	DueDate    string    `json:"due_date"`
}

// NettedEvent is the payload of cadena.invoice.netted.
type NettedEvent struct {
	InvoiceID     uuid.UUID `json:"invoice_id"`
	CreditNoteID  uuid.UUID `json:"credit_note_id"`
	ProgramID     uuid.UUID `json:"program_id"`
	BuyerID       uuid.UUID `json:"buyer_id"`
	SupplierID    uuid.UUID `json:"supplier_id"`
	Currency      string    `json:"currency"`
	Amount        string    `json:"amount"`
	NettedAmount  string    `json:"netted_amount"`
	PayableAmount string    `json:"payable_amount"`
}

// publicationTerms loads what drafts are checked against: the caller's
// program (buyers publish only to their own; with one program the id may be
// omitted), its buyer's country, the enrolled suppliers and today's date in
// the program's time zone.
func (a *App) publicationTerms(ctx context.Context, tx pgx.Tx, act app.Actor, programID uuid.UUID) (program.Program, invoice.Terms, error) {
	if !act.Is(auth.RoleBuyer) {
		return program.Program{}, invoice.Terms{}, app.ErrForbidden
	}
	if programID == uuid.Nil {
		own, err := programdb.List(ctx, tx, app.ProgramViewer(act), uuid.Nil, 2)
		if err != nil {
			return program.Program{}, invoice.Terms{}, err
		}
		if len(own) != 1 {
			return program.Program{}, invoice.Terms{}, invoice.ErrNoProgram
		}
		programID = own[0].ID
	}
	p, err := programdb.Get(ctx, tx, app.ProgramViewer(act), programID)
	if err != nil {
		return p, invoice.Terms{}, err
	}
	buyer, err := partydb.Get(ctx, tx, p.BuyerID)
	if err != nil {
		return p, invoice.Terms{}, err
	}
	enrolled, err := programdb.ListSuppliers(ctx, tx, p.ID)
	if err != nil {
		return p, invoice.Terms{}, err
	}
	sup := make(map[string]uuid.UUID, 2*len(enrolled))
	for _, s := range enrolled {
		sup[invoice.SupplierKey(s.SupplierID.String())] = s.SupplierID
		sup[invoice.SupplierKey(s.TaxID)] = s.SupplierID
	}
	now := a.Clock()
	return p, invoice.Terms{ProgramID: p.ID, BuyerID: p.BuyerID, Country: buyer.Country, Currency: p.Currency,
		MaxAmount: p.MaxInvoiceAmount, Today: calendar.Day(now.In(p.Location())), Suppliers: sup, CreatedAt: now}, nil
}

// publishTx runs a publication, again when a concurrent one took one of its
// documents between duplicate detection and insert: the re-run refuses it.
func (a *App) publishTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = a.InTx(ctx, fn); !db.IsUniqueViolation(err, "") {
			return err
		}
	}
	return err
}

func publication(p program.Program, act app.Actor, at time.Time) invoicedb.Publication {
	return invoicedb.Publication{ProgramID: p.ID, BuyerID: p.BuyerID, Currency: string(p.Currency), Actor: act.Subject, At: at}
}

// PublishInvoice publishes one invoice or credit note for the caller (a
// buyer). A refused document answers validation.Errors with the same stable
// codes a batch row would carry.
func (a *App) PublishInvoice(ctx context.Context, act app.Actor, programID uuid.UUID, d invoice.Draft) (InvoiceView, error) {
	var v InvoiceView
	err := a.publishTx(ctx, func(tx pgx.Tx) error {
		p, terms, err := a.publicationTerms(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		inv, errs := invoice.Check(d, terms)
		if errs != nil {
			return errs
		}
		v = InvoiceView{Invoice: inv, EligibleToday: inv.EligibleOn(terms.Today, p.MinDays)}
		out, err := invoicedb.Publish(ctx, tx, publication(p, act, terms.CreatedAt), []invoicedb.Staged{{Row: 1, Invoice: inv}})
		if err != nil {
			return err
		}
		if len(out.Rejected) > 0 {
			return out.Rejected[0].Errors
		}
		if inv.Kind == invoice.KindInvoice {
			return a.Emit(ctx, tx, event.InvoicePublished, publishedEvent(inv))
		}
		return a.emitNettings(ctx, tx, p, out.Netted)
	})
	return v, err
}

func publishedEvent(inv invoice.Invoice) InvoiceEvent {
	return InvoiceEvent{InvoiceID: inv.ID, ProgramID: inv.ProgramID, BuyerID: inv.BuyerID, SupplierID: inv.SupplierID,
		DocumentNumber: inv.DocumentNumber, EInvoiceID: inv.EInvoiceID, IssueDate: inv.IssueDate.Format(time.DateOnly),
		DueDate: inv.DueDate.Format(time.DateOnly), Currency: string(inv.Currency), FaceAmount: money.Format(inv.FaceAmount, inv.Currency),
		PayableAmount: money.Format(inv.Payable(), inv.Currency)}
}

func (a *App) emitNettings(ctx context.Context, tx pgx.Tx, p program.Program, nets []invoicedb.Netting) error {
	for _, n := range nets {
		if err := a.Emit(ctx, tx, event.InvoiceNetted, NettedEvent{InvoiceID: n.InvoiceID, CreditNoteID: n.CreditNoteID, ProgramID: p.ID,
			BuyerID: p.BuyerID, SupplierID: n.SupplierID, Currency: string(p.Currency), Amount: money.Format(n.Amount, p.Currency),
			NettedAmount: money.Format(n.Netted, p.Currency), PayableAmount: money.Format(n.Payable, p.Currency)}); err != nil {
			return err
		}
	}
	return nil
}

// BatchInput is a bulk upload already parsed by the edge.
type BatchInput struct {
	ProgramID uuid.UUID
	Atomic    bool
	Format    string
	Drafts    []invoice.Draft
	Malformed []invoice.RowError // rows the reader could not parse, by row number
}

// PublishBatch publishes up to invoice.MaxBatchRows documents in one
// transaction: valid rows are published and the others reported, or with
// Atomic nothing is published unless every row is valid. The batch, its
// per-row results and one cadena.invoice.batch_published event (plus a
// cadena.invoice.netted per credit note) commit together.
func (a *App) PublishBatch(ctx context.Context, act app.Actor, in BatchInput) (invoice.Batch, error) {
	if err := checkBatchInput(act, in); err != nil {
		return invoice.Batch{}, err
	}
	var b invoice.Batch
	err := a.publishTx(ctx, func(tx pgx.Tx) error {
		p, staged, out, err := a.stageBatch(ctx, tx, act, in)
		if err != nil {
			return err
		}
		b = staged
		b.Settle(out.Published, len(out.Rejected))
		if err := invoicedb.SettleBatch(ctx, tx, b); err != nil {
			return err
		}
		if out.Invoices > 0 {
			if err := a.Emit(ctx, tx, event.InvoiceBatchPublished, BatchEvent{BatchID: b.ID, ProgramID: p.ID, BuyerID: p.BuyerID,
				Currency: string(p.Currency), Published: out.Invoices, Rejected: b.Rejected}); err != nil {
				return err
			}
		}
		return a.emitNettings(ctx, tx, p, out.Netted)
	})
	return b, err
}

// checkBatchInput is the refusal a batch meets before any database work.
func checkBatchInput(act app.Actor, in BatchInput) error {
	switch {
	case !act.Is(auth.RoleBuyer):
		return app.ErrForbidden
	case len(in.Drafts) == 0:
		return invoice.ErrEmptyBatch
	case len(in.Drafts) > invoice.MaxBatchRows:
		return invoice.ErrTooManyRows
	}
	return nil
}

// stageBatch records the batch and runs every check and the publication in
// tx; PublishBatch commits it, PreviewBatch rolls it back.
func (a *App) stageBatch(ctx context.Context, tx pgx.Tx, act app.Actor, in BatchInput) (program.Program, invoice.Batch, invoicedb.Outcome, error) {
	p, terms, err := a.publicationTerms(ctx, tx, act, in.ProgramID)
	if err != nil {
		return p, invoice.Batch{}, invoicedb.Outcome{}, err
	}
	id, _ := uuid.NewV7()
	b := invoice.Batch{ID: id, ProgramID: p.ID, BuyerID: p.BuyerID, Atomic: in.Atomic, Format: in.Format, Status: "rejected",
		Total: len(in.Drafts), CreatedAt: terms.CreatedAt}
	if err := invoicedb.InsertBatch(ctx, tx, b); err != nil {
		return p, b, invoicedb.Outcome{}, err
	}
	malformed := make(map[int]string, len(in.Malformed))
	for _, m := range in.Malformed {
		malformed[m.Row] = m.Err
	}
	terms.BatchID = &b.ID
	staged := checkAll(in.Drafts, terms, malformed)
	pub := publication(p, act, terms.CreatedAt)
	pub.BatchID, pub.Atomic = &b.ID, in.Atomic
	out, err := invoicedb.Publish(ctx, tx, pub, staged)
	return p, b, out, err
}

// checkAll checks every draft, on every core: a 100,000-row batch spends
// most of its Go time here, while the database waits.
func checkAll(drafts []invoice.Draft, terms invoice.Terms, malformed map[int]string) []invoicedb.Staged {
	staged := make([]invoicedb.Staged, len(drafts))
	workers := min(runtime.GOMAXPROCS(0), 1+len(drafts)/1000)
	var wg sync.WaitGroup
	per := (len(drafts) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(t invoice.Terms) {
			defer wg.Done()
			for i := w * per; i < min((w+1)*per, len(drafts)); i++ { // contiguous: no false sharing
				row := i + 1
				staged[i].Row = row
				if msg, bad := malformed[row]; bad {
					staged[i].Errors = validation.Errors{{Field: "row", Code: invoice.CodeMalformedRow, Message: msg}}
					continue
				}
				t.BatchRowNo = row
				staged[i].Invoice, staged[i].Errors = invoice.Check(drafts[i], t)
			}
		}(terms)
	}
	wg.Wait()
	return staged
}

// GetBatch returns a batch and a page of its row results (operators, or the
// buyer that uploaded it). result filters to "published" or "rejected".
func (a *App) GetBatch(ctx context.Context, act app.Actor, id uuid.UUID, result string, afterRow, limit int) (invoice.Batch, []invoice.RowResult, error) {
	var only *uuid.UUID
	switch {
	case act.Is(auth.RoleBuyer):
		only = &act.PartyID
	case !act.Is(auth.RoleOperator):
		return invoice.Batch{}, nil, app.ErrForbidden
	}
	b, err := invoicedb.GetBatch(ctx, a.Pool, id, only)
	if err != nil {
		return b, nil, err
	}
	rows, err := invoicedb.BatchRows(ctx, a.Pool, id, result, afterRow, limit)
	return b, rows, err
}

// InvoiceView is an invoice with its eligibility for financing today.
type InvoiceView struct {
	invoice.Invoice
	EligibleToday bool
}

func (a *App) view(l invoicedb.Listed) InvoiceView {
	loc, err := time.LoadLocation(l.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return InvoiceView{Invoice: l.Invoice, EligibleToday: l.EligibleOn(calendar.Day(a.Clock().In(loc)), l.MinDays)}
}

// InvoiceFilter narrows ListInvoices; zero fields do not filter.
type InvoiceFilter struct {
	Status               invoice.Status
	Kind                 invoice.Kind
	BuyerID, SupplierID  uuid.UUID
	ProgramID, BatchID   uuid.UUID
	DueFrom, DueTo       time.Time
	AmountMin, AmountMax *decimal.Decimal
}

// ListInvoices pages through the invoices the caller may see.
func (a *App) ListInvoices(ctx context.Context, act app.Actor, f InvoiceFilter, cursor uuid.UUID, limit int) (app.Page[InvoiceView], error) {
	rows, err := invoicedb.List(ctx, a.Pool, invoicedb.Filter{Viewer: app.InvoiceViewer(act), Status: f.Status, Kind: f.Kind, BuyerID: f.BuyerID,
		SupplierID: f.SupplierID, ProgramID: f.ProgramID, BatchID: f.BatchID, DueFrom: f.DueFrom, DueTo: f.DueTo,
		AmountMin: f.AmountMin, AmountMax: f.AmountMax, After: cursor, Limit: limit})
	if err != nil {
		return app.Page[InvoiceView]{}, err
	}
	items := make([]InvoiceView, len(rows))
	for i, r := range rows {
		items[i] = a.view(r)
	}
	return app.PageOf(items, limit, func(v InvoiceView) uuid.UUID { return v.ID }), nil
}

// InvoiceDetail is an invoice with its netting and its history.
type InvoiceDetail struct {
	InvoiceView
	CreditNotes []invoice.Invoice
	History     []invoice.Change
}

// GetInvoice loads an invoice the caller may see, with its credit notes and history.
func (a *App) GetInvoice(ctx context.Context, act app.Actor, id uuid.UUID) (InvoiceDetail, error) {
	var d InvoiceDetail
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		l, err := invoicedb.Get(ctx, tx, app.InvoiceViewer(act), id)
		if err != nil {
			return err
		}
		d.InvoiceView = a.view(l)
		if d.CreditNotes, err = invoicedb.CreditNotes(ctx, tx, id); err != nil {
			return err
		}
		d.History, err = invoicedb.ListHistory(ctx, tx, id)
		return err
	})
	return d, err
}

// CancelInvoice lets the buyer withdraw a published invoice its supplier has
// not accepted yet.
func (a *App) CancelInvoice(ctx context.Context, act app.Actor, id uuid.UUID) (invoice.Invoice, error) {
	if !act.Is(auth.RoleBuyer) {
		return invoice.Invoice{}, app.ErrForbidden
	}
	var inv invoice.Invoice
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if inv, err = invoicedb.GetForUpdate(ctx, tx, app.InvoiceViewer(act), id); err != nil {
			return err
		}
		return a.transition(ctx, tx, &inv, invoice.Cancelled, act.Subject, inv.Cancel)
	})
	return inv, err
}

// transition moves an invoice and says so: the domain rule beyond the status
// machine (nil when there is none), app.SetInvoiceStatus for the machine, the
// row and its history, and the event, in the caller's transaction.
func (a *App) transition(ctx context.Context, tx pgx.Tx, inv *invoice.Invoice, to invoice.Status, actor string, rule func() error) error {
	if rule != nil {
		if err := rule(); err != nil {
			return err
		}
	}
	from := inv.Status
	if err := app.SetInvoiceStatus(ctx, tx, inv, to, actor, a.Clock()); err != nil {
		return err
	}
	typ := map[invoice.Status]string{invoice.Cancelled: event.InvoiceCancelled, invoice.Expired: event.InvoiceExpired}[to]
	return a.Emit(ctx, tx, typ, InvoiceStatusEvent{InvoiceID: inv.ID, ProgramID: inv.ProgramID, BuyerID: inv.BuyerID,
		SupplierID: inv.SupplierID, From: string(from), Status: string(to), DueDate: inv.DueDate.Format(time.DateOnly)})
}

// ExpireInvoices moves up to limit published invoices with fewer than their
// program's minimum days left to expired, and reports how many it moved.
// Several replicas may sweep at once: rows are claimed with SKIP LOCKED.
func (a *App) ExpireInvoices(ctx context.Context, limit int) (int, error) {
	var n int
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		due, err := invoicedb.DueForExpiry(ctx, tx, a.Clock(), limit)
		if err != nil {
			return err
		}
		for _, e := range due {
			inv := e.Invoice
			if err := a.transition(ctx, tx, &inv, invoice.Expired, "system:expiry", nil); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}
