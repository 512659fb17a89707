// Package app holds the use cases. It opens the transactions, calls the
// domain rules and the stores, and writes each change's event to the outbox
// in the same transaction.
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

// App is the application layer shared by the API, the portal and the CLI.
type App struct {
	Pool           *pgxpool.Pool
	Issuer         *auth.Issuer
	PlatformMaxBps int
	// RateMaxAgeDays is how many business days old a reference rate may be
	// before quoting stops (CADENA_REFERENCE_RATE_MAX_AGE_DAYS, default 3).
	RateMaxAgeDays int
	Now            func() time.Time
	// LenderNATS creates lenders' consumers and credentials; set by
	// internal/server (nil without NATS: credentials answer ErrNATSUnavailable).
	LenderNATS LenderNATS
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

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// inTx runs fn in a read-committed transaction with retry on serialization failures.
func (a *App) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	err := db.InTx(ctx, a.Pool, pgx.TxOptions{}, fn)
	if err == nil {
		a.committed()
	}
	return err
}

func (a *App) committed() {
	if a.Committed != nil {
		a.Committed()
	}
}

// emit builds an event and adds it to the outbox in tx.
func (a *App) emit(ctx context.Context, tx pgx.Tx, typ string, data any) error {
	e, err := event.New(typ, data, a.now())
	if err != nil {
		return err
	}
	return outbox.Add(ctx, tx, e)
}

// Page is a keyset page: Next is the cursor for the following page, empty at the end.
type Page[T any] struct {
	Items []T
	Next  string
}

func pageOf[T any](items []T, limit int, id func(T) uuid.UUID) Page[T] {
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
