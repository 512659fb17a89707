package administration

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// ErrNATSUnavailable: this process has no NATS to issue credentials for.
var ErrNATSUnavailable = errors.New("NATS is not configured in this process")

// LenderNATS is what the application needs from NATS for lenders. The app
// layer imports no NATS client: internal/server implements it.
type LenderNATS interface {
	// EnsureLender creates the lender's durable consumer (idempotent).
	EnsureLender(ctx context.Context, lenderID string) error
	// LenderConnection issues fresh credentials valid for ttl and the details to connect.
	LenderConnection(ctx context.Context, lenderID string, ttl time.Duration) (LenderConnection, error)
}

// LenderConnection is everything a bank needs to connect to NATS.
type LenderConnection struct {
	Creds       []byte // the .creds file: secret, shown once
	URL         string
	InboxPrefix string
	APIPrefix   string
	Stream      string
	Consumer    string
	ExpiresAt   time.Time
}

// LenderCredentialsTTL is how long issued lender credentials last.
const LenderCredentialsTTL = 90 * 24 * time.Hour

// IssueNATSCredentials issues a lender's NATS credentials and makes sure its
// consumer exists: operators for any lender, a lender for itself.
func (a *App) IssueNATSCredentials(ctx context.Context, act app.Actor, lenderID uuid.UUID) (LenderConnection, error) {
	switch {
	case act.Is(auth.RoleLender) && act.PartyID != lenderID:
		return LenderConnection{}, party.ErrNotFound
	case !act.Is(auth.RoleLender, auth.RoleOperator):
		return LenderConnection{}, app.ErrForbidden
	}
	p, err := partydb.Get(ctx, a.Pool, lenderID)
	if err != nil {
		return LenderConnection{}, err
	}
	if p.Kind != party.Lender {
		return LenderConnection{}, party.ErrNotFound
	}
	if a.LenderNATS == nil {
		return LenderConnection{}, ErrNATSUnavailable
	}
	if err := a.LenderNATS.EnsureLender(ctx, lenderID.String()); err != nil {
		return LenderConnection{}, err
	}
	return a.LenderNATS.LenderConnection(ctx, lenderID.String(), LenderCredentialsTTL)
}
