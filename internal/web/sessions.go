package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
)

// Portal session limits: a shared office computer left logged in stops
// working after SessionIdle, and no session outlives SessionMax.
const (
	SessionIdle = 30 * time.Minute
	SessionMax  = 8 * time.Hour
)

// ErrNoSession: the cookie names no live session (unknown, idle or expired).
var ErrNoSession = errors.New("no live web session")

// Session is a portal login. The browser holds only the random id; the
// actor it acts as is the one the API would build from a token.
type Session struct {
	Actor     app.Actor
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// Sessions logs people in and out of the portal: the password check is the
// application's (access.Authenticate, with its throttling), the rows the
// portal's store's.
type Sessions struct {
	app   *usecases.Set
	store Store
}

// NewSessions returns the sessions of a over store, on a's clock.
func NewSessions(a *usecases.Set, store Store) *Sessions { return &Sessions{app: a, store: store} }

// RandomToken is 32 random bytes, URL-safe: session ids, CSRF tokens, form keys.
func RandomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// Start logs a person in (from client address addr) and returns the new session's id for the
// cookie. Every login gets a fresh id, so a planted cookie is never adopted.
func (ss *Sessions) Start(ctx context.Context, email, password, addr string) (string, Session, error) {
	act, err := ss.app.Access.Authenticate(ctx, email, password, addr)
	if err != nil {
		return "", Session{}, err
	}
	now := ss.app.Clock()
	id := RandomToken()
	s := Session{Actor: act, CSRF: RandomToken(), CreatedAt: now, ExpiresAt: now.Add(SessionMax), LastSeen: now}
	err = ss.store.InsertSession(ctx, sessionHash(id), sessionRow{PartyID: act.PartyID, Role: string(act.Role), Subject: act.Subject,
		CSRF: s.CSRF, CreatedAt: now, ExpiresAt: s.ExpiresAt, LastSeen: now})
	if err != nil {
		return "", Session{}, err
	}
	// Expired rows are swept here rather than by a worker: logins are rare enough.
	_ = ss.store.SweepSessions(ctx, now, now.Add(-SessionIdle))
	return id, s, nil
}

// Get loads a live session and records the activity. An idle or
// expired one is deleted and answers ErrNoSession.
func (ss *Sessions) Get(ctx context.Context, id string) (Session, error) {
	if id == "" {
		return Session{}, ErrNoSession
	}
	r, found, err := ss.store.Session(ctx, sessionHash(id))
	if err != nil {
		return Session{}, err
	}
	if !found {
		return Session{}, ErrNoSession
	}
	s := Session{Actor: app.Actor{Subject: r.Subject, PartyID: r.PartyID, Role: auth.Role(r.Role)},
		CSRF: r.CSRF, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, LastSeen: r.LastSeen}
	now := ss.app.Clock()
	err = ss.app.CheckActor(ctx, s.Actor)
	if err != nil && !errors.Is(err, app.ErrPartyInactive) && !errors.Is(err, app.ErrActorMismatch) {
		return Session{}, err
	}
	if err != nil || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeen) >= SessionIdle {
		_ = ss.End(ctx, id)
		return Session{}, ErrNoSession
	}
	// One write a minute at most per session, not one per page.
	if now.Sub(s.LastSeen) > time.Minute {
		if err := ss.store.TouchSession(ctx, sessionHash(id), now); err != nil {
			return Session{}, err
		}
		s.LastSeen = now
	}
	return s, nil
}

// End logs out; an unknown id is not an error.
func (ss *Sessions) End(ctx context.Context, id string) error {
	return ss.store.DeleteSession(ctx, sessionHash(id))
}
