package financingdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

var t0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func amt(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// world is one buyer's program (Mexico City, cut-off 13:00, grace 3 days)
// with a supplier and a lender whose line is 10,000.00; each test makes its
// own, so tests share the package's database.
type world struct {
	pool                             *pgxpool.Pool
	buyer, supplier, lender, program uuid.UUID
}

func exec(t *testing.T, q db.Querier, sql string, args ...any) {
	t.Helper()
	if _, err := q.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func newParty(t *testing.T, q db.Querier, kind string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	exec(t, q, `INSERT INTO parties (id, kind, legal_name, country, tax_id) VALUES ($1, $2, $3, 'MX', $4)`, id, kind, "Party "+id.String()[:8], id.String())
	return id
}

func newWorld(t *testing.T, pool *pgxpool.Pool) world {
	t.Helper()
	w := world{pool: pool, buyer: newParty(t, pool, "buyer"), supplier: newParty(t, pool, "supplier"), lender: newParty(t, pool, "lender"),
		program: uuid.Must(uuid.NewV7())}
	exec(t, pool, `INSERT INTO programs (id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar,
		business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days, grace_days) VALUES ($1, $2, 'P', 'MXN', 'TIIE_FONDEO', 800,
		'ACT/360', 'MX', 'modified_following', 'America/Mexico_City', '13:00', 7, 180, 3)`, w.program, w.buyer)
	exec(t, pool, `INSERT INTO program_lenders (program_id, lender_id, credit_limit) VALUES ($1, $2, 10000.00)`, w.program, w.lender)
	return w
}

// invoice stores a financed invoice of the world's supplier.
func (w world) invoice(t *testing.T, face string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	exec(t, w.pool, `INSERT INTO invoices (id, program_id, buyer_id, supplier_id, kind, document_number, einvoice_id, issue_date, due_date,
		currency, face_amount, status, published_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'invoice', $5, $6, '2026-01-01', '2027-06-30', 'MXN', $7, 'financed', 'user:b', $8, $8)`,
		id, w.program, w.buyer, w.supplier, id.String(), id.String(), amt(face), t0)
	return id
}

// offer stores an accepted quote on the invoices, face and net as given.
func (w world) offer(t *testing.T, face, net string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	exec(t, w.pool, `INSERT INTO offers (id, source, program_id, lender_id, supplier_id, buyer_id, currency, spread_bps, reference_index,
		reference_date, reference_rate, value_date, face, discount, net, status, expires_at, created_at, updated_at)
		VALUES ($1, 'quote', $2, $3, $4, $5, 'MXN', 350, 'TIIE_FONDEO', '2026-11-20', 7.12, '2026-11-24', $6, $6::numeric - $7::numeric, $7, 'accepted', $8, $8, $8)`,
		id, w.program, w.lender, w.supplier, w.buyer, amt(face), amt(net), t0)
	return id
}

// financing is an accepted financing of a new invoice under offer; the
// caller adjusts it before Insert.
func (w world) financing(t *testing.T, offer uuid.UUID, face, discount string, valueDate, maturity string) financing.Financing {
	t.Helper()
	f, d := amt(face), amt(discount)
	return financing.Financing{ID: uuid.Must(uuid.NewV7()), OfferID: offer, InvoiceID: w.invoice(t, face), ProgramID: w.program,
		LenderID: w.lender, SupplierID: w.supplier, BuyerID: w.buyer, Currency: money.MXN, Face: f, Discount: d, Net: f.Sub(d),
		SpreadBps: 350, ReferenceIndex: "TIIE_FONDEO", ReferenceDate: day("2026-11-20"), ReferenceRate: amt("7.120000"),
		ValueDate: day(valueDate), Maturity: day(maturity), Status: financing.Accepted, AcceptedAt: t0, UpdatedAt: t0}
}

func (w world) insert(t *testing.T, fs ...financing.Financing) []financing.Financing {
	t.Helper()
	if err := financingdb.Insert(context.Background(), w.pool, fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

// setStatus forces a status for a fixture, past the transitions' checks.
func (w world) setStatus(t *testing.T, id uuid.UUID, s financing.Status) {
	t.Helper()
	exec(t, w.pool, "UPDATE financings SET status = $2 WHERE id = $1", id, string(s))
}

func (w world) as(role string) financingdb.Viewer {
	switch role {
	case "buyer":
		return financingdb.Viewer{PartyID: w.buyer, Role: role}
	case "supplier":
		return financingdb.Viewer{PartyID: w.supplier, Role: role}
	case "lender":
		return financingdb.Viewer{PartyID: w.lender, Role: role}
	}
	return financingdb.Viewer{Role: role}
}

func (w world) exposure(t *testing.T) decimal.Decimal {
	t.Helper()
	var e decimal.Decimal
	if err := w.pool.QueryRow(context.Background(), "SELECT exposure FROM program_lenders WHERE program_id = $1 AND lender_id = $2",
		w.program, w.lender).Scan(&e); err != nil {
		t.Fatal(err)
	}
	return e
}
