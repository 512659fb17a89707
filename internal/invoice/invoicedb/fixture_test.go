package invoicedb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// t0 is 10:00 in Mexico City, the programs' zone, on 2026-11-23.
var t0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func amt(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// world is one buyer's program with an enrolled supplier and lender; each
// test makes its own, so tests share the package's database in parallel.
type world struct {
	pool                    *pgxpool.Pool
	buyer, supplier, lender uuid.UUID
	program                 uuid.UUID
}

func newParty(t *testing.T, q db.Querier, kind string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if _, err := q.Exec(context.Background(), `INSERT INTO parties (id, kind, legal_name, country, tax_id) VALUES ($1, $2, $3, 'MX', $4)`,
		id, kind, "Party "+id.String()[:8], id.String()); err != nil {
		t.Fatal(err)
	}
	return id
}

func newWorld(t *testing.T, pool *pgxpool.Pool) world {
	t.Helper()
	ctx := context.Background()
	w := world{pool: pool, buyer: newParty(t, pool, "buyer"), supplier: newParty(t, pool, "supplier"), lender: newParty(t, pool, "lender"),
		program: uuid.Must(uuid.NewV7())}
	if _, err := pool.Exec(ctx, `INSERT INTO programs (id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar,
		business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days) VALUES ($1, $2, 'P', 'MXN', 'TIIE_FONDEO', 800, 'ACT/360', 'MX',
		'modified_following', 'America/Mexico_City', '13:00', 7, 180)`, w.program, w.buyer); err != nil {
		t.Fatal(err)
	}
	w.enroll(t, w.supplier)
	if _, err := pool.Exec(ctx, `INSERT INTO program_lenders (program_id, lender_id, credit_limit) VALUES ($1, $2, 1000000)`, w.program, w.lender); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w world) enroll(t *testing.T, supplier uuid.UUID) {
	t.Helper()
	if _, err := w.pool.Exec(context.Background(), `INSERT INTO program_suppliers (program_id, supplier_id) VALUES ($1, $2)`, w.program, supplier); err != nil {
		t.Fatal(err)
	}
}

// invoice is a valid invoice of the world's supplier due on due.
func (w world) invoice(doc, face, due string) invoice.Invoice {
	return invoice.Invoice{ID: uuid.Must(uuid.NewV7()), SupplierID: w.supplier, Kind: invoice.KindInvoice, DocumentNumber: doc,
		EInvoiceID: uuid.NewString(), IssueDate: day("2026-11-01"), DueDate: day(due), FaceAmount: amt(face), Reference1: "PO-" + doc}
}

// credit is a credit note of the world's supplier on the invoice numbered target.
func (w world) credit(doc, face, target string) invoice.Invoice {
	return invoice.Invoice{ID: uuid.Must(uuid.NewV7()), SupplierID: w.supplier, Kind: invoice.KindCreditNote, DocumentNumber: doc,
		EInvoiceID: uuid.NewString(), IssueDate: day("2026-11-10"), FaceAmount: amt(face), CreditNoteFor: target}
}

func (w world) pub(atomic bool, batch *uuid.UUID) invoicedb.Publication {
	return invoicedb.Publication{ProgramID: w.program, BuyerID: w.buyer, Currency: string(money.MXN), BatchID: batch, Atomic: atomic,
		Actor: "user:buyer", At: t0}
}

// publish stores docs as rows 1, 2, … of one publication.
func (w world) publish(t *testing.T, p invoicedb.Publication, docs ...invoice.Invoice) invoicedb.Outcome {
	t.Helper()
	rows := make([]invoicedb.Staged, len(docs))
	for i, d := range docs {
		rows[i] = invoicedb.Staged{Row: i + 1, Invoice: d}
	}
	var out invoicedb.Outcome
	err := db.Runner{Pool: w.pool}.InTx(context.Background(), func(tx pgx.Tx) error {
		var err error
		out, err = invoicedb.Publish(context.Background(), tx, p, rows)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w world) as(role string) invoicedb.Viewer {
	switch role {
	case "buyer":
		return invoicedb.Viewer{PartyID: w.buyer, Role: role}
	case "supplier":
		return invoicedb.Viewer{PartyID: w.supplier, Role: role}
	case "lender":
		return invoicedb.Viewer{PartyID: w.lender, Role: role}
	}
	return invoicedb.Viewer{Role: role}
}

func get(t *testing.T, q db.Querier, v invoicedb.Viewer, id uuid.UUID) invoicedb.Listed {
	t.Helper()
	l, err := invoicedb.Get(context.Background(), q, v, id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func codes(r invoicedb.Rejection) []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code)
	}
	return out
}
