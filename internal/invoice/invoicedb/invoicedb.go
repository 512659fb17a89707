package invoicedb

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

const cols = `i.id, i.program_id, i.buyer_id, i.supplier_id, i.kind, i.document_number, i.einvoice_id, i.issue_date, i.due_date,
	i.currency, i.face_amount, i.netted_amount, i.credits_invoice_id, i.status, i.reference1, i.reference2, i.batch_id,
	i.batch_row, i.published_by, i.created_at, i.updated_at`

// nullableInvoice scans cols from the nullable side of an outer join.
type nullableInvoice struct {
	ID, ProgramID, BuyerID, SupplierID, Credits, BatchID *uuid.UUID
	Kind, DocNo, EInv, Currency, Status, Ref1, Ref2, By  *string
	Issue, Due                                           *time.Time
	Face, Netted                                         *decimal.Decimal
	BatchRow                                             *int
	Created, Updated                                     *time.Time
}

func (n *nullableInvoice) dest() []any {
	return []any{&n.ID, &n.ProgramID, &n.BuyerID, &n.SupplierID, &n.Kind, &n.DocNo, &n.EInv, &n.Issue, &n.Due, &n.Currency,
		&n.Face, &n.Netted, &n.Credits, &n.Status, &n.Ref1, &n.Ref2, &n.BatchID, &n.BatchRow, &n.By, &n.Created, &n.Updated}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (n *nullableInvoice) invoice() invoice.Invoice {
	return invoice.Invoice{ID: deref(n.ID), ProgramID: deref(n.ProgramID), BuyerID: deref(n.BuyerID), SupplierID: deref(n.SupplierID),
		Kind: invoice.Kind(deref(n.Kind)), DocumentNumber: deref(n.DocNo), EInvoiceID: deref(n.EInv), IssueDate: deref(n.Issue),
		DueDate: deref(n.Due), Currency: money.Currency(deref(n.Currency)), FaceAmount: deref(n.Face), NettedAmount: deref(n.Netted),
		CreditsInvoice: deref(n.Credits), Status: invoice.Status(deref(n.Status)), Reference1: deref(n.Ref1), Reference2: deref(n.Ref2),
		BatchID: n.BatchID, BatchRow: deref(n.BatchRow), PublishedBy: deref(n.By), CreatedAt: deref(n.Created), UpdatedAt: deref(n.Updated)}
}

func scan(r pgx.Row, extra ...any) (invoice.Invoice, error) {
	var n nullableInvoice
	err := r.Scan(append(n.dest(), extra...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return invoice.Invoice{}, invoice.ErrNotFound
	}
	return n.invoice(), err
}

// Viewer scopes reads: operators see all, a buyer its own, a supplier its
// invoices across buyers, a lender the invoices of programs it is enrolled in.
type Viewer struct {
	PartyID uuid.UUID
	Role    string
}

// where builds the scoping predicate per role, so each role's query can use
// its own index (a supplier's first page walks invoices_supplier).
func (v Viewer) where(args *[]any) string {
	var cond string
	switch v.Role {
	case "operator":
		return "true"
	case "buyer":
		cond = "i.buyer_id = %s"
	case "supplier":
		cond = "i.supplier_id = %s"
	case "lender":
		cond = "i.kind = 'invoice' AND i.program_id IN (SELECT l.program_id FROM program_lenders l WHERE l.lender_id = %s)"
	default:
		return "false" // an unknown role sees nothing, and binds no argument
	}
	*args = append(*args, v.PartyID)
	return strings.Replace(cond, "%s", "$"+strconv.Itoa(len(*args)), 1)
}

// Listed is an invoice with the program terms that decide its eligibility.
type Listed struct {
	invoice.Invoice
	MinDays  int
	TimeZone string
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	Viewer               Viewer
	Status               invoice.Status
	Kind                 invoice.Kind
	BuyerID, SupplierID  uuid.UUID
	ProgramID, BatchID   uuid.UUID
	DueFrom, DueTo       time.Time
	AmountMin, AmountMax *decimal.Decimal
	After                uuid.UUID
	Limit                int
}

// List returns the invoices the viewer may see, in id (publication) order
// after the cursor. UUIDv7 ids make the order stable under concurrent inserts.
func List(ctx context.Context, q db.Querier, f Filter) ([]Listed, error) {
	var args []any
	conds := []string{f.Viewer.where(&args)}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Status != "" {
		add("i.status = ?", string(f.Status))
	}
	if f.Kind != "" {
		add("i.kind = ?", string(f.Kind))
	}
	if f.BuyerID != uuid.Nil {
		add("i.buyer_id = ?", f.BuyerID)
	}
	if f.SupplierID != uuid.Nil {
		add("i.supplier_id = ?", f.SupplierID)
	}
	if f.ProgramID != uuid.Nil {
		add("i.program_id = ?", f.ProgramID)
	}
	if f.BatchID != uuid.Nil {
		add("i.batch_id = ?", f.BatchID)
	}
	if !f.DueFrom.IsZero() {
		add("i.due_date >= ?::date", f.DueFrom)
	}
	if !f.DueTo.IsZero() {
		add("i.due_date <= ?::date", f.DueTo)
	}
	if f.AmountMin != nil {
		add("i.face_amount - i.netted_amount >= ?", *f.AmountMin)
	}
	if f.AmountMax != nil {
		add("i.face_amount - i.netted_amount <= ?", *f.AmountMax)
	}
	if f.After != uuid.Nil {
		add("i.id > ?", f.After)
	}
	args = append(args, f.Limit)
	rows, err := q.Query(ctx, "SELECT "+cols+", p.min_days, p.time_zone FROM invoices i JOIN programs p ON p.id = i.program_id WHERE "+
		strings.Join(conds, " AND ")+" ORDER BY i.id LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Listed, error) {
		var l Listed
		var err error
		l.Invoice, err = scan(r, &l.MinDays, &l.TimeZone)
		return l, err
	})
}

// Get loads an invoice the viewer may see; any other is ErrNotFound.
func Get(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID) (Listed, error) {
	args := []any{id}
	var l Listed
	var err error
	l.Invoice, err = scan(q.QueryRow(ctx, "SELECT "+cols+", p.min_days, p.time_zone FROM invoices i JOIN programs p ON p.id = i.program_id WHERE i.id = $1 AND "+
		v.where(&args), args...), &l.MinDays, &l.TimeZone)
	return l, err
}

// GetForUpdate loads and locks an invoice the viewer may see.
func GetForUpdate(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID) (invoice.Invoice, error) {
	args := []any{id}
	return scan(q.QueryRow(ctx, "SELECT "+cols+" FROM invoices i WHERE i.id = $1 AND "+v.where(&args)+" FOR UPDATE OF i", args...))
}

// CreditNotes returns the credit notes netted against an invoice.
func CreditNotes(ctx context.Context, q db.Querier, invoiceID uuid.UUID) ([]invoice.Invoice, error) {
	rows, err := q.Query(ctx, "SELECT "+cols+" FROM invoices i WHERE i.credits_invoice_id = $1 ORDER BY i.id", invoiceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (invoice.Invoice, error) { return scan(r) })
}

func addHistory(ctx context.Context, q db.Querier, invoiceID uuid.UUID, h invoice.Change) error {
	_, err := q.Exec(ctx, `INSERT INTO invoice_history (invoice_id, occurred_at, from_status, to_status, change, amount, credit_note_id, actor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, invoiceID, h.At, string(h.From), string(h.To), h.Change, h.Amount, h.CreditNoteID, h.Actor)
	return err
}

// ListHistory returns an invoice's recorded changes, oldest first.
func ListHistory(ctx context.Context, q db.Querier, invoiceID uuid.UUID) ([]invoice.Change, error) {
	rows, err := q.Query(ctx, `SELECT occurred_at, from_status, to_status, change, amount, credit_note_id, actor
		FROM invoice_history WHERE invoice_id = $1 ORDER BY seq`, invoiceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (invoice.Change, error) {
		var h invoice.Change
		var from, to string
		err := r.Scan(&h.At, &from, &to, &h.Change, &h.Amount, &h.CreditNoteID, &h.Actor)
		h.From, h.To = invoice.Status(from), invoice.Status(to)
		return h, err
	})
}

// SetStatus moves a locked invoice, already checked by invoice.Status.To,
// and records the change.
func SetStatus(ctx context.Context, q db.Querier, inv invoice.Invoice, to invoice.Status, actor string, at time.Time) error {
	tag, err := q.Exec(ctx, "UPDATE invoices SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2", inv.ID, string(inv.Status), string(to), at)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return invoice.ErrTransition
	}
	return addHistory(ctx, q, inv.ID, invoice.Change{At: at, From: inv.Status, To: to, Change: "status", Actor: actor})
}

// Expiring is a published invoice with fewer than its program's minimum days left.
type Expiring struct {
	invoice.Invoice
	MinDays int
}

// DueForExpiry locks up to limit published invoices that have fewer than
// their program's minimum days to maturity left on at's date in the
// program's time zone. SKIP LOCKED lets several replicas sweep at once.
func DueForExpiry(ctx context.Context, tx pgx.Tx, at time.Time, limit int) ([]Expiring, error) {
	rows, err := tx.Query(ctx, "SELECT "+cols+`, p.min_days FROM invoices i JOIN programs p ON p.id = i.program_id
		WHERE i.status = 'published' AND i.kind = 'invoice'
			AND i.due_date < ($1::timestamptz AT TIME ZONE p.time_zone)::date + p.min_days
		ORDER BY i.due_date LIMIT $2 FOR UPDATE OF i SKIP LOCKED`, at, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Expiring, error) {
		var e Expiring
		var err error
		e.Invoice, err = scan(r, &e.MinDays)
		return e, err
	})
}
