package web

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
)

// Store is the portal's own SQL, internal/web/webdb's *Store, which
// internal/server passes in: this package imports no store. The row types
// are the same unnamed structs as webdb's, so the compiler checks the two
// agree where the server wires them.
type Store interface {
	InsertSession(ctx context.Context, idHash []byte, r sessionRow) error
	SweepSessions(ctx context.Context, now, idleSince time.Time) error
	Session(ctx context.Context, idHash []byte) (sessionRow, bool, error)
	TouchSession(ctx context.Context, idHash []byte, now time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) error
	Dashboard(ctx context.Context, v dashViewer, programID uuid.UUID, today, horizon time.Time, limit int) ([]StatusTotal, []DueInvoice, error)
}

// sessionRow is webdb.Session.
type sessionRow = struct {
	PartyID   uuid.UUID
	Role      string
	Subject   string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// StatusTotal is webdb.StatusTotal: how many invoices of a program are in
// one status, and their payable sum.
type StatusTotal = struct {
	Status  invoice.Status
	Count   int
	Payable decimal.Decimal
}

// DueInvoice is webdb.DueInvoice: an invoice as the dashboard lists it.
type DueInvoice = struct {
	ID             uuid.UUID
	DocumentNumber string
	SupplierID     uuid.UUID
	DueDate        time.Time
	Payable        decimal.Decimal
	Currency       money.Currency
	Status         invoice.Status
	Overdue        bool
}

// dashViewer is webdb.Viewer.
type dashViewer = struct {
	PartyID uuid.UUID
	Role    string
}
