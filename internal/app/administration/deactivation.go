package administration

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// PartyStatusEvent is the payload of cadena.party.deactivated.
type PartyStatusEvent struct {
	PartyID       uuid.UUID `json:"party_id"`
	Kind          string    `json:"kind"`
	DeactivatedAt time.Time `json:"deactivated_at"`
}

// DeactivateParty stops a party from acting (operators only): its people
// cannot log in, its API clients get no tokens, and every token, portal
// session and NATS bid of it is refused within ActorCheckTTL on every
// replica (at once on this one). Its history stays. Deactivating a
// deactivated party changes nothing; an operator cannot deactivate its own
// party, so the platform is never left without one.
func (a *App) DeactivateParty(ctx context.Context, act app.Actor, id uuid.UUID) (party.Party, error) {
	if !act.Is(auth.RoleOperator) {
		return party.Party{}, app.ErrForbidden
	}
	if id == act.PartyID {
		return party.Party{}, party.ErrSelfDeactivation
	}
	var p party.Party
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		var changed bool
		var err error
		if p, changed, err = partydb.Deactivate(ctx, tx, id, a.Clock()); err != nil || !changed {
			return err
		}
		return a.Emit(ctx, tx, event.PartyDeactivated, PartyStatusEvent{PartyID: p.ID, Kind: string(p.Kind), DeactivatedAt: p.DeactivatedAt.UTC()})
	})
	a.ForgetParty(id)
	return p, err
}
