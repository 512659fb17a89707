// Package calendardb is the only place with SQL for operator overrides of
// the holiday calendars.
package calendardb

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// Overrides returns a calendar's overrides in date order.
func Overrides(ctx context.Context, q db.Querier, name string) ([]calendar.Override, error) {
	rows, err := q.Query(ctx, "SELECT day, name, remove FROM calendar_overrides WHERE calendar = $1 ORDER BY day", name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (calendar.Override, error) {
		var o calendar.Override
		err := r.Scan(&o.Date, &o.Name, &o.Remove)
		o.Date = o.Date.UTC()
		return o, err
	})
}

// Put adds or replaces the override of one day.
func Put(ctx context.Context, q db.Querier, name string, o calendar.Override, by string) error {
	_, err := q.Exec(ctx, `INSERT INTO calendar_overrides (calendar, day, name, remove, updated_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (calendar, day) DO UPDATE SET name = excluded.name, remove = excluded.remove, updated_by = excluded.updated_by, updated_at = now()`,
		name, o.Date, o.Name, o.Remove, by)
	return err
}

// Delete removes the override of one day; it reports whether there was one.
func Delete(ctx context.Context, q db.Querier, name string, day any) (bool, error) {
	tag, err := q.Exec(ctx, "DELETE FROM calendar_overrides WHERE calendar = $1 AND day = $2", name, day)
	return tag.RowsAffected() == 1, err
}
