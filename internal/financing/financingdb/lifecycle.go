package financingdb

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// GetForUpdate loads and locks a financing the viewer may see.
func GetForUpdate(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID) (financing.Financing, error) {
	return scan(q.QueryRow(ctx, "SELECT "+cols+" FROM financings f WHERE f.id = $3 AND "+visible+" FOR UPDATE OF f", v.PartyID, v.Role, id))
}

// SetStatus moves a locked financing, already checked by financing.Status.To.
// The guard on the old status makes a stale caller fail instead of
// overwriting; a repaid financing is stamped settled.
func SetStatus(ctx context.Context, q db.Querier, f financing.Financing, to financing.Status, at time.Time) error {
	tag, err := q.Exec(ctx, `UPDATE financings SET status = $3, updated_at = $4,
		settled_at = CASE WHEN $3 = 'repaid' THEN $4 ELSE settled_at END WHERE id = $1 AND status = $2`,
		f.ID, string(f.Status), string(to), at)
	if err == nil && tag.RowsAffected() != 1 {
		return financing.ErrTransition
	}
	return err
}

// MarkReminded records that the maturity reminder went out.
func MarkReminded(ctx context.Context, q db.Querier, id uuid.UUID, at time.Time) error {
	_, err := q.Exec(ctx, "UPDATE financings SET reminded_at = $2 WHERE id = $1", id, at)
	return err
}

// Scheduled is a financing with the program terms its schedule depends on.
type Scheduled struct {
	financing.Financing
	Calendar  string
	TimeZone  string
	GraceDays int
}

// Claims the scheduler makes. Each locks up to limit rows FOR UPDATE SKIP
// LOCKED, so several replicas sweep at once without waiting on each other
// or doing a row twice; dates are read in each program's own time zone.
const (
	// The lender did not fund by the cut-off of the value date (exactly at
	// the cut-off is late, as for quoting).
	ClaimFundingLate = `f.status IN ('accepted', 'funding_instructed')
		AND ((f.value_date + p.funding_cutoff) AT TIME ZONE p.time_zone) <= $1 ORDER BY f.value_date, f.id`
	// Maturity reached in the program's zone.
	ClaimMaturing = `f.status = 'funded' AND f.maturity <= ($1 AT TIME ZONE p.time_zone)::date ORDER BY f.maturity, f.id`
	// Funded, not yet reminded, maturity within $2 calendar days: the
	// caller counts business days exactly; the window only bounds the scan.
	ClaimReminders = `f.status = 'funded' AND f.reminded_at IS NULL
		AND f.maturity <= ($1 AT TIME ZONE p.time_zone)::date + $2::int ORDER BY f.maturity, f.id`
	// Due and past maturity: the caller applies the grace in business days.
	ClaimOverdue = `f.status = 'due' AND f.maturity < ($1 AT TIME ZONE p.time_zone)::date ORDER BY f.maturity, f.id`
)

// Claim locks the financings a scheduler claim selects at now.
func Claim(ctx context.Context, tx pgx.Tx, claim string, now time.Time, window, limit int) ([]Scheduled, error) {
	args := []any{now, limit}
	lim := "$2"
	if claim == ClaimReminders {
		args, lim = []any{now, window, limit}, "$3"
	}
	rows, err := tx.Query(ctx, "SELECT "+cols+`, p.calendar, p.time_zone, p.grace_days
		FROM financings f JOIN programs p ON p.id = f.program_id WHERE `+claim+" LIMIT "+lim+" FOR UPDATE OF f SKIP LOCKED", args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Scheduled, error) {
		var s Scheduled
		f, err := scan(rowWithExtra{r, []any{&s.Calendar, &s.TimeZone, &s.GraceDays}})
		s.Financing = f
		return s, err
	})
}

// rowWithExtra scans the financing's columns and then the extra ones.
type rowWithExtra struct {
	pgx.Row
	extra []any
}

func (r rowWithExtra) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }

// ForFile lists, in id order and locked, the financings whose leg is paid on
// date by debtor (uuid.Nil: every debtor): disbursements of accepted
// financings on their value date, repayments of funded, due or overdue ones
// at maturity, and, whatever their status now, every one whose leg was
// already instructed for that date, so a file sent stays the same file
// after its payments are confirmed (or fail).
func ForFile(ctx context.Context, tx pgx.Tx, repayment bool, debtor uuid.UUID, date time.Time) ([]financing.Financing, error) {
	where := `f.value_date = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR f.lender_id = $2) AND (f.status = 'accepted'
		OR EXISTS (SELECT 1 FROM payment_legs l WHERE l.financing_id = f.id AND l.leg = 'disbursement' AND l.instructed_at IS NOT NULL))`
	if repayment {
		where = `f.maturity = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR f.buyer_id = $2) AND (f.status IN ('funded', 'due', 'overdue')
		OR EXISTS (SELECT 1 FROM payment_legs l WHERE l.financing_id = f.id AND l.leg = 'repayment' AND l.instructed_at IS NOT NULL))`
	}
	rows, err := tx.Query(ctx, "SELECT "+cols+" FROM financings f WHERE "+where+" ORDER BY f.id FOR UPDATE OF f", date, debtor)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (financing.Financing, error) { return scan(r) })
}

// Line is a lender's credit line in a program with its recorded exposure.
type Line struct {
	ProgramID, LenderID uuid.UUID
	Currency            money.Currency // the program's
	Exposure            decimal.Decimal
}

// Lines returns every program lender line.
func Lines(ctx context.Context, q db.Querier) ([]Line, error) {
	rows, err := q.Query(ctx, `SELECT l.program_id, l.lender_id, p.currency, l.exposure FROM program_lenders l JOIN programs p ON p.id = l.program_id
		ORDER BY l.program_id, l.lender_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		var cur string
		err := r.Scan(&l.ProgramID, &l.LenderID, &cur, &l.Exposure)
		l.Currency = money.Currency(cur)
		return l, err
	})
}

// ByIDs loads the given financings (operators' view), in id order.
func ByIDs(ctx context.Context, q db.Querier, ids []uuid.UUID) ([]financing.Financing, error) {
	rows, err := q.Query(ctx, "SELECT "+cols+" FROM financings f WHERE f.id = ANY($1) ORDER BY f.id", ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (financing.Financing, error) { return scan(r) })
}

// LiveFace sums, per program and lender, the face of the financings that
// still hold exposure (financing.Status.HoldsExposure): what each line's
// exposure must be.
func LiveFace(ctx context.Context, q db.Querier) (map[[2]uuid.UUID]decimal.Decimal, error) {
	rows, err := q.Query(ctx, `SELECT program_id, lender_id, sum(face) FROM financings
		WHERE status NOT IN ('repaid', 'funding_failed') GROUP BY program_id, lender_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]uuid.UUID]decimal.Decimal{}
	for rows.Next() {
		var k [2]uuid.UUID
		var sum decimal.Decimal
		if err := rows.Scan(&k[0], &k[1], &sum); err != nil {
			return nil, err
		}
		out[k] = sum
	}
	return out, rows.Err()
}
