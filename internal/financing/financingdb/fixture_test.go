package financingdb_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var t0 = pgtest.T0

// world is pgtest's program (grace 3 days, a 10,000.00 line) with the
// financings' builders.
type world struct{ pgtest.World }

func newWorld(t *testing.T, pool *pgxpool.Pool) world { return world{pgtest.NewWorld(t, pool)} }

func (w world) as(role string) financingdb.Viewer { return financingdb.Viewer(w.As(role)) }

// financing is an accepted financing of a new financed invoice under offer;
// the caller adjusts it before Insert.
func (w world) financing(t *testing.T, offer uuid.UUID, face, discount string, valueDate, maturity string) financing.Financing {
	t.Helper()
	f, d := pgtest.Amount(face), pgtest.Amount(discount)
	return financing.Financing{ID: uuid.Must(uuid.NewV7()), OfferID: offer, InvoiceID: w.Invoice(t, "financed", face, "2027-06-30"), ProgramID: w.Program,
		LenderID: w.Lender, SupplierID: w.Supplier, BuyerID: w.Buyer, Currency: money.MXN, Face: f, Discount: d, Net: f.Sub(d),
		SpreadBps: 350, ReferenceIndex: "TIIE_FONDEO", ReferenceDate: pgtest.Day("2026-11-20"), ReferenceRate: pgtest.Amount("7.120000"),
		ValueDate: pgtest.Day(valueDate), Maturity: pgtest.Day(maturity), Status: financing.Accepted, AcceptedAt: t0, UpdatedAt: t0}
}

func (w world) insert(t *testing.T, fs ...financing.Financing) []financing.Financing {
	t.Helper()
	if err := financingdb.Insert(context.Background(), w.Pool, fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

// setStatus forces a status for a fixture, past the transitions' checks.
func (w world) setStatus(t *testing.T, id uuid.UUID, s financing.Status) {
	t.Helper()
	pgtest.Exec(t, w.Pool, "UPDATE financings SET status = $2 WHERE id = $1", id, string(s))
}

func (w world) exposure(t *testing.T) decimal.Decimal {
	t.Helper()
	var e decimal.Decimal
	if err := w.Pool.QueryRow(context.Background(), "SELECT exposure FROM program_lenders WHERE program_id = $1 AND lender_id = $2",
		w.Program, w.Lender).Scan(&e); err != nil {
		t.Fatal(err)
	}
	return e
}
