package settlementdb_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/settlement"
)

var t0 = pgtest.T0

// world is pgtest's program, its lender 1250.00 into a 10,000.00 line, with
// the settlements' builders.
type world struct{ pgtest.World }

func newWorld(t *testing.T, pool *pgxpool.Pool) world {
	t.Helper()
	w := world{pgtest.NewWorld(t, pool)}
	pgtest.Exec(t, pool, "UPDATE program_lenders SET exposure = 1250.00 WHERE program_id = $1 AND lender_id = $2", w.Program, w.Lender)
	return w
}

// financing stores an accepted financing of 1250.00 (net 1237.66) on a
// new invoice, value date 2026-11-24, maturity 2027-01-25.
func (w world) financing(t *testing.T) uuid.UUID {
	t.Helper()
	inv, off, id := w.Invoice(t, "financed", "1250.00", "2027-01-25"), w.AcceptedQuote(t, "1250.00", "1237.66"), uuid.Must(uuid.NewV7())
	pgtest.Exec(t, w.Pool, `INSERT INTO financings (id, offer_id, invoice_id, program_id, lender_id, supplier_id, buyer_id, currency, face, discount, net,
		spread_bps, reference_index, reference_date, reference_rate, value_date, maturity, status, accepted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'MXN', 1250.00, 12.34, 1237.66, 350, 'TIIE_FONDEO', '2026-11-20', 7.12, '2026-11-24', '2027-01-25',
		'accepted', $8, $8)`, id, off, inv, w.Program, w.Lender, w.Supplier, w.Buyer, t0)
	return id
}

// disbursement is the financing's first leg as a payment file carries it.
func (w world) disbursement(id uuid.UUID) settlement.Payment {
	return settlement.Payment{FinancingID: id, Leg: settlement.Disbursement, EndToEndID: settlement.EndToEndID(id, settlement.Disbursement),
		Debtor: w.Lender, Creditor: w.Supplier, Amount: pgtest.Amount("1237.66"), Currency: money.MXN, ExecutionDate: pgtest.Day("2026-11-24")}
}

func (w world) repayment(id uuid.UUID) settlement.Payment {
	return settlement.Payment{FinancingID: id, Leg: settlement.Repayment, EndToEndID: settlement.EndToEndID(id, settlement.Repayment),
		Debtor: w.Buyer, Creditor: w.Lender, Amount: pgtest.Amount("1250.00"), Currency: money.MXN, ExecutionDate: pgtest.Day("2027-01-25")}
}
