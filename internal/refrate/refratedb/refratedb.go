// Package refratedb is the only place with SQL for reference rates.
package refratedb

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/refrate"
)

const cols = "rate_index, rate_date, rate, published_by, updated_at"

func scan(r pgx.Row) (refrate.Rate, error) {
	var x refrate.Rate
	err := r.Scan(&x.Index, &x.Date, &x.Percent, &x.PublishedBy, &x.UpdatedAt)
	x.Date = x.Date.UTC()
	return x, err
}

// Put stores a fixing, replacing a correction of the same index and date.
// It reports whether the fixing is new and the rate it replaced, if any.
// The insert comes first, ON CONFLICT DO NOTHING: a concurrent first
// publication of the same day waits on the key and then finds the row, so
// the later one is recorded as a correction instead of failing on the key.
func Put(ctx context.Context, q db.Querier, r refrate.Rate) (created bool, previous *refrate.Rate, err error) {
	tag, err := q.Exec(ctx, `INSERT INTO reference_rates (rate_index, rate_date, rate, published_by, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (rate_index, rate_date) DO NOTHING`, r.Index, r.Date, r.Percent, r.PublishedBy, r.UpdatedAt)
	if err != nil || tag.RowsAffected() == 1 {
		return err == nil, nil, err
	}
	old, err := scan(q.QueryRow(ctx, "SELECT "+cols+" FROM reference_rates WHERE rate_index = $1 AND rate_date = $2 FOR UPDATE", r.Index, r.Date))
	if err != nil {
		return false, nil, err
	}
	_, err = q.Exec(ctx, `UPDATE reference_rates SET rate = $3, published_by = $4, updated_at = $5 WHERE rate_index = $1 AND rate_date = $2`,
		r.Index, r.Date, r.Percent, r.PublishedBy, r.UpdatedAt)
	return false, &old, err
}

// LatestOnOrBefore is the fixing a quote on day uses.
func LatestOnOrBefore(ctx context.Context, q db.Querier, index string, day time.Time) (refrate.Rate, error) {
	return scanLatest(q.QueryRow(ctx, latestSQL, index, day))
}

// QueueLatestOnOrBefore queues LatestOnOrBefore on b, for a caller that
// pipelines it; into is filled when b is sent.
func QueueLatestOnOrBefore(b *db.Batch, index string, day time.Time, into *refrate.Rate) {
	b.QueueRow(latestSQL, []any{index, day}, func(row pgx.Row) (err error) {
		*into, err = scanLatest(row)
		return err
	})
}

const latestSQL = "SELECT " + cols + " FROM reference_rates WHERE rate_index = $1 AND rate_date <= $2 ORDER BY rate_date DESC LIMIT 1"

func scanLatest(row pgx.Row) (refrate.Rate, error) {
	r, err := scan(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, refrate.ErrNone
	}
	return r, err
}

// List returns an index's fixings between from and to (inclusive), newest first.
func List(ctx context.Context, q db.Querier, index string, from, to time.Time, limit int) ([]refrate.Rate, error) {
	rows, err := q.Query(ctx, "SELECT "+cols+` FROM reference_rates WHERE rate_index = $1 AND rate_date BETWEEN $2 AND $3
		ORDER BY rate_date DESC LIMIT $4`, index, from, to, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (refrate.Rate, error) { return scan(r) })
}
