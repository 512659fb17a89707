package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// A validly signed credential is not enough: its party must exist, be
// active and be of the credential's role (CheckActor).
var (
	ErrPartyInactive = errors.New("the party is deactivated")
	ErrActorMismatch = errors.New("the credential's party does not exist or is not of its role")
)

// ActorCheckTTL is how long CheckActor trusts what it read of a party. A
// party deactivated on another replica is refused there within this time;
// the replica that deactivates it refuses at once. Tokens cannot be revoked,
// so this bounds how long a deactivated party's token stays useful.
const ActorCheckTTL = 30 * time.Second

// actorCacheMax bounds the parties remembered; the map starts afresh when full.
const actorCacheMax = 8192

type partyState struct {
	kind   party.Kind
	active bool
	read   time.Time
}

// actorCache remembers each party's kind and status for ActorCheckTTL, so
// a request costs no query for a party seen recently.
type actorCache struct {
	mu      sync.Mutex
	parties map[uuid.UUID]partyState
}

// CheckActor refuses an actor whose party does not exist or does not take
// its role (ErrActorMismatch), or is deactivated (ErrPartyInactive). Every
// surface calls it for every request: API middleware, portal sessions, the
// NATS bid service, logins.
func (a *App) CheckActor(ctx context.Context, act Actor) error {
	now := a.Clock()
	a.actors.mu.Lock()
	st, ok := a.actors.parties[act.PartyID]
	a.actors.mu.Unlock()
	if !ok || now.Sub(st.read) >= ActorCheckTTL || now.Before(st.read) {
		p, err := partydb.Get(ctx, a.Pool, act.PartyID)
		switch {
		case errors.Is(err, party.ErrNotFound):
			return ErrActorMismatch // not cached: a party created later is let in at once
		case err != nil:
			return err
		}
		st = partyState{kind: p.Kind, active: p.Active(), read: now}
		a.actors.mu.Lock()
		if a.actors.parties == nil || len(a.actors.parties) >= actorCacheMax {
			a.actors.parties = make(map[uuid.UUID]partyState, 64)
		}
		a.actors.parties[act.PartyID] = st
		a.actors.mu.Unlock()
	}
	switch {
	case string(st.kind) != string(act.Role):
		return ErrActorMismatch
	case !st.active:
		return ErrPartyInactive
	}
	return nil
}

func (a *App) ForgetParty(id uuid.UUID) {
	a.actors.mu.Lock()
	delete(a.actors.parties, id)
	a.actors.mu.Unlock()
}

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
func (a *App) DeactivateParty(ctx context.Context, act Actor, id uuid.UUID) (party.Party, error) {
	if !act.Is(auth.RoleOperator) {
		return party.Party{}, ErrForbidden
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
