package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// Portal session limits: a shared office computer left logged in stops
// working after WebSessionIdle, and no session outlives WebSessionMax.
const (
	WebSessionIdle = 30 * time.Minute
	WebSessionMax  = 8 * time.Hour
)

// ErrNoWebSession: the cookie names no live session (unknown, idle or expired).
var ErrNoWebSession = errors.New("no live web session")

// WebSession is a portal login. The browser holds only the random id; the
// actor it acts as is the one the API would build from a token.
type WebSession struct {
	Actor     Actor
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// Authenticate checks a person's email and password, sent from client
// address addr, and returns who they act as; Login mints a token from it,
// the portal keeps it server-side. Repeated failures for the email or from
// the address are throttled (guardLogin). Unknown emails spend the same
// hashing time as wrong passwords, so timing does not reveal accounts.
func (a *App) Authenticate(ctx context.Context, email, password, addr string) (Actor, error) {
	var act Actor
	err := a.guardLogin(ctx, newLoginKeys("account", email, addr), func() (err error) {
		act, err = a.checkPassword(ctx, email, password)
		return err
	})
	if err != nil {
		return Actor{}, err
	}
	// Said only after the right password, so it reveals nothing to a guesser.
	return act, a.CheckActor(ctx, act)
}

func (a *App) checkPassword(ctx context.Context, email, password string) (Actor, error) {
	u, err := partydb.UserByEmail(ctx, a.Pool, strings.TrimSpace(email))
	if errors.Is(err, party.ErrNotFound) {
		auth.DummyCheck(password)
		return Actor{}, ErrBadCredentials
	}
	if err != nil {
		return Actor{}, err
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil || !ok {
		return Actor{}, ErrBadCredentials
	}
	return Actor{Subject: "user:" + u.ID.String(), PartyID: u.PartyID, Role: auth.Role(u.Role)}, nil
}

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

// StartWebSession logs a person in (from client address addr) and returns the new session's id for the
// cookie. Every login gets a fresh id, so a planted cookie is never adopted.
func (a *App) StartWebSession(ctx context.Context, email, password, addr string) (string, WebSession, error) {
	act, err := a.Authenticate(ctx, email, password, addr)
	if err != nil {
		return "", WebSession{}, err
	}
	now := a.Clock()
	id := RandomToken()
	s := WebSession{Actor: act, CSRF: RandomToken(), CreatedAt: now, ExpiresAt: now.Add(WebSessionMax), LastSeen: now}
	_, err = a.Pool.Exec(ctx, `INSERT INTO web_sessions (id_hash, party_id, role, subject, csrf_token, created_at, expires_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, sessionHash(id), act.PartyID, string(act.Role), act.Subject, s.CSRF, now, s.ExpiresAt, now)
	if err != nil {
		return "", WebSession{}, err
	}
	// Expired rows are swept here rather than by a worker: logins are rare enough.
	_, _ = a.Pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at < $1 OR last_seen < $2`, now, now.Add(-WebSessionIdle))
	return id, s, nil
}

// WebSession loads a live session and records the activity. An idle or
// expired one is deleted and answers ErrNoWebSession.
func (a *App) WebSession(ctx context.Context, id string) (WebSession, error) {
	if id == "" {
		return WebSession{}, ErrNoWebSession
	}
	var s WebSession
	var role string
	err := a.Pool.QueryRow(ctx, `SELECT party_id, role, subject, csrf_token, created_at, expires_at, last_seen
		FROM web_sessions WHERE id_hash = $1`, sessionHash(id)).
		Scan(&s.Actor.PartyID, &role, &s.Actor.Subject, &s.CSRF, &s.CreatedAt, &s.ExpiresAt, &s.LastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return WebSession{}, ErrNoWebSession
	}
	if err != nil {
		return WebSession{}, err
	}
	s.Actor.Role = auth.Role(role)
	now := a.Clock()
	err = a.CheckActor(ctx, s.Actor)
	if err != nil && !errors.Is(err, ErrPartyInactive) && !errors.Is(err, ErrActorMismatch) {
		return WebSession{}, err
	}
	if err != nil || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeen) >= WebSessionIdle {
		_ = a.EndWebSession(ctx, id)
		return WebSession{}, ErrNoWebSession
	}
	// One write a minute at most per session, not one per page.
	if now.Sub(s.LastSeen) > time.Minute {
		if _, err := a.Pool.Exec(ctx, `UPDATE web_sessions SET last_seen = $2 WHERE id_hash = $1`, sessionHash(id), now); err != nil {
			return WebSession{}, err
		}
		s.LastSeen = now
	}
	return s, nil
}

// EndWebSession logs out; an unknown id is not an error.
func (a *App) EndWebSession(ctx context.Context, id string) error {
	_, err := a.Pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, sessionHash(id))
	return err
}

// PartyName returns the legal name of a party the caller may see, or of a
// counterparty it shares a program with (a supplier sees its buyers' names,
// as it would on the invoices they sent). Anything else is not found.
func (a *App) PartyName(ctx context.Context, act Actor, id uuid.UUID) (string, error) {
	if CanSeeParty(act, id) {
		p, err := partydb.Get(ctx, a.Pool, id)
		return p.LegalName, err
	}
	progs, err := a.ListPrograms(ctx, act, uuid.Nil, 200)
	if err != nil {
		return "", err
	}
	for _, p := range progs.Items {
		if p.BuyerID == id {
			b, err := partydb.Get(ctx, a.Pool, id)
			return b.LegalName, err
		}
	}
	return "", party.ErrNotFound
}
