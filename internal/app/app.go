// Package app is the small shared base of the use cases, which live in its
// subpackages by capability (access, administration, invoicing, quoting,
// acceptance, auctions, settling, auditing, notifying; docs/architecture.md).
// It holds what they all stand on: the caller (Actor) and ErrForbidden, the
// one transaction runner, the outbox writer (Emit), the program, calendar and
// actor caches, pricing terms and the invoice basket, the viewers that scope
// reads, paging and formatting. It imports no capability.
package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/outbox"
)

// ErrForbidden: the caller's role may not do this at all (a tenant mismatch
// answers the domain's not-found instead, so nothing leaks).
var ErrForbidden = errors.New("not allowed for this role")

// Base is what every capability's App embeds: one per process, shared by
// all of them (usecases.New), so they share the pool, the clock and the caches.
type Base struct {
	Pool           *pgxpool.Pool
	Issuer         *auth.Issuer
	PlatformMaxBps int
	// RateMaxAgeDays is how many business days old a reference rate may be
	// before quoting stops (CADENA_REFERENCE_RATE_MAX_AGE_DAYS, default 3).
	RateMaxAgeDays int
	Now            func() time.Time
	// Committed is called after every transaction of the application layer
	// commits, so the outbox relay publishes its events at once (the server
	// points it at the relay's Wake); nil in tools without a relay.
	Committed func()
	// Throttle is the login throttling policy (zero fields: auth.DefaultThrottle).
	Throttle auth.Throttle

	calendars calendarCache
	actors    actorCache
	programs  sync.Map // uuid.UUID → program.Program; programs are immutable
}

// Actor is the authenticated caller.
type Actor struct {
	Subject string
	PartyID uuid.UUID
	Role    auth.Role
}

// ActorFrom converts verified claims to an actor.
func ActorFrom(p auth.Principal) (Actor, error) {
	id, err := uuid.Parse(p.PartyID)
	if err != nil {
		return Actor{}, auth.ErrTokenInvalid
	}
	return Actor{Subject: p.Subject, PartyID: id, Role: p.Role}, nil
}

// Is reports whether the actor has one of roles.
func (a Actor) Is(roles ...auth.Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// Clock is the application's time (tests pin Now), so the surfaces' default
// dates agree with the use cases'.
func (a *Base) Clock() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Tx is the one transaction runner (db.Runner) over the pool, waking the
// outbox relay after each commit.
func (a *Base) Tx() db.Runner { return db.Runner{Pool: a.Pool, Committed: a.Committed} }

// InTx runs fn in a READ COMMITTED transaction through the runner.
func (a *Base) InTx(ctx context.Context, fn func(pgx.Tx) error) error { return a.Tx().InTx(ctx, fn) }

// Emit adds an event of type typ to the outbox in tx, on its own subject,
// and a routed copy on each party subject in copies (event.ForLender,
// event.ForParty), in one statement. With EmitOnlyTo it is the one way an
// event fans out to its parties.
func (a *Base) Emit(ctx context.Context, tx db.Execer, typ string, data any, copies ...string) error {
	e, err := event.New(typ, data, a.Clock())
	if err != nil {
		return err
	}
	return outbox.Add(ctx, tx, append([]event.Event{e}, routed(e, copies)...)...)
}

// EmitOnlyTo adds only the parties' copies of an event, for news that is
// theirs alone (a lender's own bid, its won or lost auction).
func (a *Base) EmitOnlyTo(ctx context.Context, tx db.Execer, typ string, data any, subjects ...string) error {
	e, err := event.New(typ, data, a.Clock())
	if err != nil {
		return err
	}
	return outbox.Add(ctx, tx, routed(e, subjects)...)
}

// routed is e's copy on each subject: one encoding of the payload, a new id each.
func routed(e event.Event, subjects []string) []event.Event {
	out := make([]event.Event, len(subjects))
	for i, s := range subjects {
		out[i] = event.RoutedCopy(e, s)
	}
	return out
}

// FinancingParties are the subjects of the copies of a financing's events:
// the lender, the buyer (who must pay the new payee) and the supplier (who
// is told when its funding fails).
func FinancingParties(typ string, lender, buyer, supplier uuid.UUID) []string {
	return []string{event.ForLender(lender.String(), typ), event.ForParty("buyer", buyer.String(), typ),
		event.ForParty("supplier", supplier.String(), typ)}
}

// Page is a keyset page: Next is the cursor for the following page, empty at the end.
type Page[T any] struct {
	Items []T
	Next  string
}

func PageOf[T any](items []T, limit int, id func(T) uuid.UUID) Page[T] {
	p := Page[T]{Items: items}
	if len(items) == limit && limit > 0 {
		p.Next = id(items[len(items)-1]).String()
	}
	return p
}

// ParseCursor reads a keyset cursor; empty means the first page.
func ParseCursor(s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	return uuid.Parse(s)
}

// System is the actor for operator commands run on the server itself
// (bootstrap, demo seed); it never comes from a token.
var System = Actor{Subject: "system", Role: auth.RoleOperator}
