// Package financingdb is the only place with SQL for financings.
package financingdb

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// ErrInvoiceTaken: the unique index on live financings refused a second one.
var ErrInvoiceTaken = errors.New("the invoice already has a live financing")

// Insert stores new financings in one statement.
func Insert(ctx context.Context, q db.Execer, fs []financing.Financing) error {
	n := len(fs)
	ids, offers, invs := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
	face, disc, net := make([]decimal.Decimal, n), make([]decimal.Decimal, n), make([]decimal.Decimal, n)
	vd, mat, spread := make([]time.Time, n), make([]time.Time, n), make([]int32, n)
	for i, f := range fs {
		ids[i], offers[i], invs[i] = f.ID, f.OfferID, f.InvoiceID
		face[i], disc[i], net[i] = f.Face, f.Discount, f.Net
		vd[i], mat[i], spread[i] = f.ValueDate, f.Maturity, int32(f.SpreadBps)
	}
	f := fs[0] // one offer: the shared terms are the same for every line (the spread is each line's tenor bucket's)
	_, err := q.Exec(ctx, `INSERT INTO financings (id, offer_id, invoice_id, program_id, lender_id, supplier_id, buyer_id, currency,
		face, discount, net, spread_bps, reference_index, reference_date, reference_rate, value_date, maturity, status, accepted_at, updated_at)
		SELECT id, offer_id, invoice_id, $4, $5, $6, $7, $8, face, discount, net, spread, $9, $10, $11, vd, mat, $12, $13, $13
		FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $14::numeric[], $15::numeric[], $16::numeric[], $17::date[], $18::date[], $19::int[])
			AS t(id, offer_id, invoice_id, face, discount, net, vd, mat, spread)`,
		ids, offers, invs, f.ProgramID, f.LenderID, f.SupplierID, f.BuyerID, string(f.Currency), f.ReferenceIndex,
		f.ReferenceDate, f.ReferenceRate, string(f.Status), f.AcceptedAt, face, disc, net, vd, mat, spread)
	if db.IsUniqueViolation(err, "financings_live_invoice") {
		return ErrInvoiceTaken
	}
	return err
}

const cols = `f.id, f.offer_id, f.invoice_id, f.program_id, f.lender_id, f.supplier_id, f.buyer_id, f.currency, f.face, f.discount, f.net,
	f.spread_bps, f.reference_index, f.reference_date, f.reference_rate, f.value_date, f.maturity, f.status, f.accepted_at, f.updated_at`

func scan(r pgx.Row) (financing.Financing, error) {
	var f financing.Financing
	var cur, st string
	err := r.Scan(&f.ID, &f.OfferID, &f.InvoiceID, &f.ProgramID, &f.LenderID, &f.SupplierID, &f.BuyerID, &cur, &f.Face, &f.Discount, &f.Net,
		&f.SpreadBps, &f.ReferenceIndex, &f.ReferenceDate, &f.ReferenceRate, &f.ValueDate, &f.Maturity, &st, &f.AcceptedAt, &f.UpdatedAt)
	f.Currency, f.Status = money.Currency(cur), financing.Status(st)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, financing.ErrNotFound
	}
	return f, err
}

// Viewer scopes reads to the financing's lender, buyer or supplier; operators see all.
type Viewer struct {
	PartyID uuid.UUID
	Role    string
}

const visible = `($2 = 'operator' OR ($2 = 'lender' AND f.lender_id = $1) OR ($2 = 'buyer' AND f.buyer_id = $1)
	OR ($2 = 'supplier' AND f.supplier_id = $1))`

// Get loads a financing the viewer may see.
func Get(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID) (financing.Financing, error) {
	return scan(q.QueryRow(ctx, "SELECT "+cols+" FROM financings f WHERE f.id = $3 AND "+visible, v.PartyID, v.Role, id))
}

// List pages through the financings the viewer may see; offerID filters when set.
func List(ctx context.Context, q db.Querier, v Viewer, offerID uuid.UUID, after uuid.UUID, limit int) ([]financing.Financing, error) {
	rows, err := q.Query(ctx, "SELECT "+cols+" FROM financings f WHERE "+visible+
		" AND f.id > $3 AND ($4 = '00000000-0000-0000-0000-000000000000'::uuid OR f.offer_id = $4) ORDER BY f.id LIMIT $5",
		v.PartyID, v.Role, after, offerID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (financing.Financing, error) { return scan(r) })
}

// Release takes amount off the lender's exposure (a failed funding or a repayment).
func Release(ctx context.Context, q db.Querier, programID, lenderID uuid.UUID, amount decimal.Decimal) error {
	_, err := q.Exec(ctx, `UPDATE program_lenders SET exposure = exposure - $3 WHERE program_id = $1 AND lender_id = $2`, programID, lenderID, amount)
	return err
}

// ReserveChecked adds amount to the lender's exposure and lets the table's
// CHECK (exposure <= credit_limit) refuse it, so it can be queued in a batch
// whose error is read later: check IsLimitExceeded on that error.
func ReserveChecked(ctx context.Context, q db.Execer, programID, lenderID uuid.UUID, amount decimal.Decimal) error {
	_, err := q.Exec(ctx, `UPDATE program_lenders SET exposure = exposure + $3 WHERE program_id = $1 AND lender_id = $2`, programID, lenderID, amount)
	return err
}

// IsLimitExceeded reports the CHECK violation of ReserveChecked.
func IsLimitExceeded(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && pgErr.TableName == "program_lenders"
}

// IsInvoiceTaken reports the unique violation of a second live financing.
func IsInvoiceTaken(err error) bool { return db.IsUniqueViolation(err, "financings_live_invoice") }
