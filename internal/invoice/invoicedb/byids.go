package invoicedb

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// ByIDs loads the invoices among ids the viewer may see, in id order, in one
// query. With lock they are locked FOR UPDATE in that order, so concurrent
// acceptances of overlapping sets cannot deadlock.
func ByIDs(ctx context.Context, q db.Querier, v Viewer, ids []uuid.UUID, lock bool) ([]invoice.Invoice, error) {
	args := []any{ids}
	sql := "SELECT " + cols + " FROM invoices i WHERE i.id = ANY($1) AND " + v.where(&args) + " ORDER BY i.id"
	if lock {
		sql += " FOR UPDATE OF i"
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (invoice.Invoice, error) { return scan(r) })
}

// ByIDsQuery is ByIDs with lock as SQL and arguments, for a caller that
// pipelines it with other statements in one round trip; read the rows with ScanInvoices.
func ByIDsQuery(v Viewer, ids []uuid.UUID) (string, []any) {
	args := []any{ids}
	return "SELECT " + cols + " FROM invoices i WHERE i.id = ANY($1) AND " + v.where(&args) + " ORDER BY i.id FOR UPDATE OF i", args
}

// ScanInvoices reads the rows of ByIDsQuery.
func ScanInvoices(rows pgx.Rows) ([]invoice.Invoice, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (invoice.Invoice, error) { return scan(r) })
}

// MoveAll moves locked invoices, each already checked by invoice.Status.To,
// from one status to another and records the changes: two statements
// whatever the count, so a caller can queue them in a batch.
func MoveAll(ctx context.Context, q db.Querier, ids []uuid.UUID, from, to invoice.Status, actor string, at time.Time) error {
	if _, err := q.Exec(ctx, "UPDATE invoices SET status = $3, updated_at = $4 WHERE id = ANY($1) AND status = $2", ids, string(from), string(to), at); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO invoice_history (invoice_id, occurred_at, from_status, to_status, change, actor)
		SELECT unnest($1::uuid[]), $2, $3, $4, 'status', $5`, ids, at, string(from), string(to), actor)
	return err
}
