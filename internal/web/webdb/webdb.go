// Package webdb is the portal's own SQL: its sessions (web_sessions) and
// the dashboard's per-program query. Everything else the portal shows comes
// through internal/app. internal/web, which imports no store, receives a
// *Store from internal/server behind its own interface; the row types are
// aliases of unnamed structs so that interface can spell the same types.
package webdb

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
)

// Store runs the portal's queries on pool.
type Store struct{ pool *pgxpool.Pool }

// New returns the store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Session is a web_sessions row; the browser's cookie is known only by its hash.
type Session = struct {
	PartyID   uuid.UUID
	Role      string
	Subject   string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// InsertSession stores a new session under the hash of its id.
func (s *Store) InsertSession(ctx context.Context, idHash []byte, r Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO web_sessions (id_hash, party_id, role, subject, csrf_token, created_at, expires_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, idHash, r.PartyID, r.Role, r.Subject, r.CSRF, r.CreatedAt, r.ExpiresAt, r.LastSeen)
	return err
}

// SweepSessions deletes the sessions expired at now or idle since before idleSince.
func (s *Store) SweepSessions(ctx context.Context, now, idleSince time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at < $1 OR last_seen < $2`, now, idleSince)
	return err
}

// Session reads the session under idHash; found is false when there is none.
func (s *Store) Session(ctx context.Context, idHash []byte) (r Session, found bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT party_id, role, subject, csrf_token, created_at, expires_at, last_seen
		FROM web_sessions WHERE id_hash = $1`, idHash).
		Scan(&r.PartyID, &r.Role, &r.Subject, &r.CSRF, &r.CreatedAt, &r.ExpiresAt, &r.LastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, false, nil
	}
	return r, err == nil, err
}

// TouchSession records activity at now.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, now time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE web_sessions SET last_seen = $2 WHERE id_hash = $1`, idHash, now)
	return err
}

// DeleteSession ends a session; an unknown hash is not an error.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash)
	return err
}

// StatusTotal is how many invoices of a program are in one status, and their payable sum.
type StatusTotal = struct {
	Status  invoice.Status
	Count   int
	Payable decimal.Decimal
}

// DueInvoice is an invoice as the dashboard lists it.
type DueInvoice = struct {
	ID             uuid.UUID
	DocumentNumber string
	SupplierID     uuid.UUID
	DueDate        time.Time
	Payable        decimal.Decimal
	Currency       money.Currency
	Status         invoice.Status
	Overdue        bool // financed and past due, else falling due within the horizon
}

// Viewer is who reads the dashboard: operators see every invoice of the
// program, a buyer its own; any other role sees none.
type Viewer = struct {
	PartyID uuid.UUID
	Role    string
}

const dashboardScope = `i.program_id = $1 AND i.kind = 'invoice' AND ($3 = 'operator' OR ($3 = 'buyer' AND i.buyer_id = $2))`

// Dashboard reads a program's invoice totals per status, and, soonest due
// first (up to limit), the live invoices falling due from today to horizon
// and the financed ones past due: two queries in one round trip.
func (s *Store) Dashboard(ctx context.Context, v Viewer, programID uuid.UUID, today, horizon time.Time, limit int) ([]StatusTotal, []DueInvoice, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT i.status, count(*), sum(i.face_amount - i.netted_amount) FROM invoices i
		WHERE `+dashboardScope+` GROUP BY i.status`, programID, v.PartyID, v.Role)
	b.Queue(`SELECT i.id, i.document_number, i.supplier_id, i.due_date, i.face_amount - i.netted_amount, i.currency, i.status,
		i.status = 'financed' AND i.due_date < $4
		FROM invoices i WHERE `+dashboardScope+` AND (
		  (i.status IN ('published', 'offered', 'financed') AND i.due_date BETWEEN $4 AND $5)
		  OR (i.status = 'financed' AND i.due_date < $4))
		ORDER BY i.due_date, i.id LIMIT $6`, programID, v.PartyID, v.Role, today, horizon, limit)
	br := s.pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }() // both results are read below, which report their errors
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	totals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatusTotal, error) {
		var t StatusTotal
		err := r.Scan(&t.Status, &t.Count, &t.Payable)
		return t, err
	})
	if err != nil {
		return nil, nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, nil, err
	}
	due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DueInvoice, error) {
		var d DueInvoice
		err := r.Scan(&d.ID, &d.DocumentNumber, &d.SupplierID, &d.DueDate, &d.Payable, &d.Currency, &d.Status, &d.Overdue)
		return d, err
	})
	return totals, due, err
}
