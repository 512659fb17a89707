// Package programdb is the only place with SQL for programs and enrolments.
package programdb

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/program"
)

const cols = `id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar, business_day_rule,
	time_zone, to_char(funding_cutoff, 'HH24:MI'), min_days, max_tenor_days, max_invoice_amount, max_effective_rate, grace_days, rounding, created_at, auction_window_minutes`

func scan(r pgx.Row) (program.Program, error) {
	var p program.Program
	var cur string
	err := r.Scan(&p.ID, &p.BuyerID, &p.Name, &cur, &p.ReferenceIndex, &p.MaxSpreadBps, &p.DayCount, &p.Calendar, &p.BusinessDayRule,
		&p.TimeZone, &p.FundingCutoff, &p.MinDays, &p.MaxTenorDays, &p.MaxInvoiceAmount, &p.MaxEffectiveRate, &p.GraceDays, &p.Rounding, &p.CreatedAt, &p.AuctionWindowMinutes)
	p.Currency = money.Currency(cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, program.ErrNotFound
	}
	return p, err
}

// Insert stores a new program.
func Insert(ctx context.Context, q db.Querier, p program.Program) error {
	_, err := q.Exec(ctx, `INSERT INTO programs (id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar,
		business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days, max_invoice_amount, max_effective_rate, grace_days, rounding, created_at, auction_window_minutes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::time, $12, $13, $14, $15, $16, $17, $18, $19)`,
		p.ID, p.BuyerID, p.Name, string(p.Currency), p.ReferenceIndex, p.MaxSpreadBps, p.DayCount, p.Calendar, p.BusinessDayRule,
		p.TimeZone, p.FundingCutoff, p.MinDays, p.MaxTenorDays, p.MaxInvoiceAmount, p.MaxEffectiveRate, p.GraceDays, p.Rounding, p.CreatedAt, p.AuctionWindowMinutes)
	if db.IsUniqueViolation(err, "") {
		return program.ErrDuplicateName
	}
	return err
}

// Viewer scopes reads: an operator sees every program, a buyer its own, a
// supplier or lender those it is enrolled in.
type Viewer struct {
	PartyID uuid.UUID
	Role    string
}

const visible = `($2 = 'operator'
	OR ($2 = 'buyer' AND p.buyer_id = $1)
	OR ($2 = 'supplier' AND EXISTS (SELECT 1 FROM program_suppliers s WHERE s.program_id = p.id AND s.supplier_id = $1))
	OR ($2 = 'lender' AND EXISTS (SELECT 1 FROM program_lenders l WHERE l.program_id = p.id AND l.lender_id = $1)))`

// Get loads a program the viewer may see; any other answers ErrNotFound.
func Get(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID) (program.Program, error) {
	return scan(q.QueryRow(ctx, "SELECT "+cols+" FROM programs p WHERE p.id = $3 AND "+visible, v.PartyID, v.Role, id))
}

// List returns the programs the viewer may see, in id order after the cursor.
func List(ctx context.Context, q db.Querier, v Viewer, after uuid.UUID, limit int) ([]program.Program, error) {
	rows, err := q.Query(ctx, "SELECT "+cols+" FROM programs p WHERE p.id > $3 AND "+visible+" ORDER BY p.id LIMIT $4", v.PartyID, v.Role, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (program.Program, error) { return scan(r) })
}

// EnrollSupplier records a supplier's enrolment.
func EnrollSupplier(ctx context.Context, q db.Querier, e program.SupplierEnrollment) error {
	tag, err := q.Exec(ctx, `INSERT INTO program_suppliers (program_id, supplier_id, enrolled_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, e.ProgramID, e.SupplierID, e.EnrolledAt)
	if err == nil && tag.RowsAffected() == 0 {
		return program.ErrAlreadyEnrolled
	}
	return err
}

// ListSuppliers returns a program's suppliers in enrolment order.
func ListSuppliers(ctx context.Context, q db.Querier, programID uuid.UUID) ([]program.EnrolledSupplier, error) {
	rows, err := q.Query(ctx, `SELECT s.program_id, s.supplier_id, s.enrolled_at, p.legal_name, p.tax_id
		FROM program_suppliers s JOIN parties p ON p.id = s.supplier_id WHERE s.program_id = $1 ORDER BY s.enrolled_at, s.supplier_id`, programID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (program.EnrolledSupplier, error) {
		var s program.EnrolledSupplier
		err := r.Scan(&s.ProgramID, &s.SupplierID, &s.EnrolledAt, &s.LegalName, &s.TaxID)
		return s, err
	})
}

// EnrollLender records a lender's enrolment with its credit limit.
func EnrollLender(ctx context.Context, q db.Querier, l program.LenderLimit) error {
	tag, err := q.Exec(ctx, `INSERT INTO program_lenders (program_id, lender_id, credit_limit, enrolled_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, l.ProgramID, l.LenderID, l.CreditLimit, l.EnrolledAt)
	if err == nil && tag.RowsAffected() == 0 {
		return program.ErrAlreadyEnrolled
	}
	return err
}

// ListLenders returns a program's lenders; only, when set, restricts to one lender.
func ListLenders(ctx context.Context, q db.Querier, programID uuid.UUID, only *uuid.UUID) ([]program.LenderLimit, error) {
	rows, err := q.Query(ctx, `SELECT program_id, lender_id, credit_limit, exposure, enrolled_at FROM program_lenders
		WHERE program_id = $1 AND ($2::uuid IS NULL OR lender_id = $2) ORDER BY enrolled_at, lender_id`, programID, only)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (program.LenderLimit, error) {
		var l program.LenderLimit
		err := r.Scan(&l.ProgramID, &l.LenderID, &l.CreditLimit, &l.Exposure, &l.EnrolledAt)
		return l, err
	})
}
