package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"

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
func (a *Base) CheckActor(ctx context.Context, act Actor) error {
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

func (a *Base) ForgetParty(id uuid.UUID) {
	a.actors.mu.Lock()
	delete(a.actors.parties, id)
	a.actors.mu.Unlock()
}
