package settlementdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/settlement"
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

func exec(t *testing.T, q db.Querier, sql string, args ...any) {
	t.Helper()
	if _, err := q.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// world is one buyer's program with a supplier and a lender; each test
// makes its own, so tests share the package's database in parallel.
type world struct {
	pool                             *pgxpool.Pool
	buyer, supplier, lender, program uuid.UUID
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
		business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days) VALUES ($1, $2, 'P', 'MXN', 'TIIE_FONDEO', 800,
		'ACT/360', 'MX', 'modified_following', 'America/Mexico_City', '13:00', 7, 180)`, w.program, w.buyer)
	exec(t, pool, `INSERT INTO program_lenders (program_id, lender_id, credit_limit, exposure) VALUES ($1, $2, 10000.00, 1250.00)`, w.program, w.lender)
	return w
}

// financing stores an accepted financing of 1250.00 (net 1237.66) on a
// new invoice, value date 2026-11-24, maturity 2027-01-25.
func (w world) financing(t *testing.T) uuid.UUID {
	t.Helper()
	inv, off, id := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	exec(t, w.pool, `INSERT INTO invoices (id, program_id, buyer_id, supplier_id, kind, document_number, einvoice_id, issue_date, due_date,
		currency, face_amount, status, published_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'invoice', $5, $5, '2026-11-01', '2027-01-25', 'MXN', 1250.00, 'financed', 'user:b', $6, $6)`,
		inv, w.program, w.buyer, w.supplier, inv.String(), t0)
	exec(t, w.pool, `INSERT INTO offers (id, source, program_id, lender_id, supplier_id, buyer_id, currency, spread_bps, reference_index,
		reference_date, reference_rate, value_date, face, discount, net, status, expires_at, created_at, updated_at)
		VALUES ($1, 'quote', $2, $3, $4, $5, 'MXN', 350, 'TIIE_FONDEO', '2026-11-20', 7.12, '2026-11-24', 1250.00, 12.34, 1237.66, 'accepted', $6, $6, $6)`,
		off, w.program, w.lender, w.supplier, w.buyer, t0)
	exec(t, w.pool, `INSERT INTO financings (id, offer_id, invoice_id, program_id, lender_id, supplier_id, buyer_id, currency, face, discount, net,
		spread_bps, reference_index, reference_date, reference_rate, value_date, maturity, status, accepted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'MXN', 1250.00, 12.34, 1237.66, 350, 'TIIE_FONDEO', '2026-11-20', 7.12, '2026-11-24', '2027-01-25',
		'accepted', $8, $8)`, id, off, inv, w.program, w.lender, w.supplier, w.buyer, t0)
	return id
}

// disbursement is the financing's first leg as a payment file carries it.
func (w world) disbursement(id uuid.UUID) settlement.Payment {
	return settlement.Payment{FinancingID: id, Leg: settlement.Disbursement, EndToEndID: settlement.EndToEndID(id, settlement.Disbursement),
		Debtor: w.lender, Creditor: w.supplier, Amount: amt("1237.66"), Currency: money.MXN, ExecutionDate: day("2026-11-24")}
}

func (w world) repayment(id uuid.UUID) settlement.Payment {
	return settlement.Payment{FinancingID: id, Leg: settlement.Repayment, EndToEndID: settlement.EndToEndID(id, settlement.Repayment),
		Debtor: w.buyer, Creditor: w.lender, Amount: amt("1250.00"), Currency: money.MXN, ExecutionDate: day("2027-01-25")}
}
