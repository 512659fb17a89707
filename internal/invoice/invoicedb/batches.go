package invoicedb

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// InsertBatch records a batch before its rows, which refer to it.
func InsertBatch(ctx context.Context, q db.Querier, b invoice.Batch) error {
	_, err := q.Exec(ctx, `INSERT INTO invoice_batches (id, program_id, buyer_id, atomic, format, status, total_rows,
		published_rows, rejected_rows, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		b.ID, b.ProgramID, b.BuyerID, b.Atomic, b.Format, b.Status, b.Total, b.Published, b.Rejected, b.CreatedAt)
	return err
}

// SettleBatch stores the batch's outcome.
func SettleBatch(ctx context.Context, q db.Querier, b invoice.Batch) error {
	_, err := q.Exec(ctx, `UPDATE invoice_batches SET status = $2, published_rows = $3, rejected_rows = $4 WHERE id = $1`,
		b.ID, b.Status, b.Published, b.Rejected)
	return err
}

// GetBatch loads a batch; only, when set, restricts it to one buyer.
func GetBatch(ctx context.Context, q db.Querier, id uuid.UUID, only *uuid.UUID) (invoice.Batch, error) {
	var b invoice.Batch
	err := q.QueryRow(ctx, `SELECT id, program_id, buyer_id, atomic, format, status, total_rows, published_rows, rejected_rows, created_at
		FROM invoice_batches WHERE id = $1 AND ($2::uuid IS NULL OR buyer_id = $2)`, id, only).Scan(
		&b.ID, &b.ProgramID, &b.BuyerID, &b.Atomic, &b.Format, &b.Status, &b.Total, &b.Published, &b.Rejected, &b.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, invoice.ErrBatchNotFound
	}
	return b, err
}

// BatchRows pages through a batch's rows in row order after the cursor row;
// result is "", "published" or "rejected".
func BatchRows(ctx context.Context, q db.Querier, batchID uuid.UUID, result string, after, limit int) ([]invoice.RowResult, error) {
	rows, err := q.Query(ctx, `SELECT row_no, id, errors FROM (
			SELECT batch_row AS row_no, id, NULL::jsonb AS errors FROM invoices
			WHERE batch_id = $1 AND batch_row > $3 AND $2 IN ('', 'published')
			UNION ALL
			SELECT row_no, NULL, errors FROM invoice_batch_rejections
			WHERE batch_id = $1 AND row_no > $3 AND $2 IN ('', 'rejected')
		) r ORDER BY row_no LIMIT $4`, batchID, result, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (invoice.RowResult, error) {
		var x invoice.RowResult
		err := r.Scan(&x.Row, &x.InvoiceID, &x.Errors)
		return x, err
	})
}
