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

// QueueLockByIDs queues on b ByIDs with lock, for a caller that pipelines
// it with other statements in one round trip; into is filled when b is sent.
func QueueLockByIDs(b *db.Batch, v Viewer, ids []uuid.UUID, into *[]invoice.Invoice) {
	args := []any{ids}
	sql := "SELECT " + cols + " FROM invoices i WHERE i.id = ANY($1) AND " + v.where(&args) + " ORDER BY i.id FOR UPDATE OF i"
	b.QueueRows(sql, args, func(rows pgx.Rows) (err error) {
		*into, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (invoice.Invoice, error) { return scan(r) })
		return err
	})
}

// MoveAll moves locked invoices, each already checked by invoice.Status.To,
// along path (from its first status to its last, through each in between)
// and records every step: two statements whatever the count of invoices or
// steps, so a caller can queue them in a batch.
func MoveAll(ctx context.Context, q db.Execer, ids []uuid.UUID, path []invoice.Status, actor string, at time.Time) error {
	from, to := string(path[0]), string(path[len(path)-1])
	if _, err := q.Exec(ctx, "UPDATE invoices SET status = $3, updated_at = $4 WHERE id = ANY($1) AND status = $2", ids, from, to, at); err != nil {
		return err
	}
	var hid []uuid.UUID
	var hfrom, hto []string
	for i := 1; i < len(path); i++ {
		for _, id := range ids {
			hid, hfrom, hto = append(hid, id), append(hfrom, string(path[i-1])), append(hto, string(path[i]))
		}
	}
	_, err := q.Exec(ctx, `INSERT INTO invoice_history (invoice_id, occurred_at, from_status, to_status, change, actor)
		SELECT unnest($1::uuid[]), $2, unnest($3::text[]), unnest($4::text[]), 'status', $5`, hid, at, hfrom, hto, actor)
	return err
}
