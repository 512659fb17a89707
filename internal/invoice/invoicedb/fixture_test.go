package invoicedb_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var t0 = pgtest.T0

// world is pgtest's program with the invoices' builders.
type world struct{ pgtest.World }

func newWorld(t *testing.T, pool *pgxpool.Pool) world { return world{pgtest.NewWorld(t, pool)} }

func (w world) as(role string) invoicedb.Viewer { return invoicedb.Viewer(w.As(role)) }

// invoice is a valid invoice of the world's supplier due on due.
func (w world) invoice(doc, face, due string) invoice.Invoice {
	return invoice.Invoice{ID: uuid.Must(uuid.NewV7()), SupplierID: w.Supplier, Kind: invoice.KindInvoice, DocumentNumber: doc,
		EInvoiceID: uuid.NewString(), IssueDate: pgtest.Day("2026-11-01"), DueDate: pgtest.Day(due), FaceAmount: pgtest.Amount(face), Reference1: "PO-" + doc}
}

// credit is a credit note of the world's supplier on the invoice numbered target.
func (w world) credit(doc, face, target string) invoice.Invoice {
	return invoice.Invoice{ID: uuid.Must(uuid.NewV7()), SupplierID: w.Supplier, Kind: invoice.KindCreditNote, DocumentNumber: doc,
		EInvoiceID: uuid.NewString(), IssueDate: pgtest.Day("2026-11-10"), FaceAmount: pgtest.Amount(face), CreditNoteFor: target}
}

func (w world) pub(atomic bool, batch *uuid.UUID) invoicedb.Publication {
	return invoicedb.Publication{ProgramID: w.Program, BuyerID: w.Buyer, Currency: string(money.MXN), BatchID: batch, Atomic: atomic,
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
	err := db.Runner{Pool: w.Pool}.InTx(context.Background(), func(tx pgx.Tx) error {
		var err error
		out, err = invoicedb.Publish(context.Background(), tx, p, rows)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
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
