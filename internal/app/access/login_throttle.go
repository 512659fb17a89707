package access

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/auth/authdb"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// ErrThrottled: too many failed logins for the account or from the address;
// the error is a *ThrottledError that says when to retry.
var ErrThrottled = errors.New("too many failed logins")

// ThrottledError is a login refused while its account or address is locked.
type ThrottledError struct{ Until, Now time.Time }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %s", ErrThrottled, e.Until.UTC().Format(time.RFC3339))
}

func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryAfter is the wait in whole seconds, rounded up, for Retry-After.
func (e *ThrottledError) RetryAfter() int {
	return int(math.Ceil(e.Until.Sub(e.Now).Seconds()))
}

// LoginThrottledEvent is the payload of cadena.auth.login_throttled: a key
// (an account, an API client or a client address) was locked.
type LoginThrottledEvent struct {
	Key         string    `json:"key"` // account:<email>, client:<client id> or address:<ip>
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until"`
}

// loginKeys names what a login attempt is throttled by: the account (an
// email or API client id) and, when known, the client's address.
type loginKeys struct {
	account, address string
}

func newLoginKeys(kind, account, addr string) loginKeys {
	k := loginKeys{account: kind + ":" + strings.ToLower(strings.TrimSpace(account))}
	if addr != "" {
		k.address = "address:" + addr
	}
	return k
}

func (k loginKeys) all() []string {
	if k.address == "" {
		return []string{k.account}
	}
	return []string{k.account, k.address}
}

// guardLogin runs check, a credential check, unless the account or the
// address is locked. A failure counts against both and may lock them (with
// cadena.auth.login_throttled in the audit log); a success clears the
// account's failures, not the address's, so one good login cannot hide a
// guessing run. The counters are in PostgreSQL so every replica sees them.
func (a *App) guardLogin(ctx context.Context, k loginKeys, check func() error) error {
	th := a.Throttle.Normalised()
	now := a.Clock()
	until, err := authdb.LockedUntil(ctx, a.Pool, k.all(), now)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return &ThrottledError{Until: until, Now: now}
	}
	err = check()
	if errors.Is(err, ErrBadCredentials) {
		if ferr := a.loginFailed(ctx, k, th, now); ferr != nil {
			return ferr
		}
		return err
	}
	if err == nil {
		return authdb.Clear(ctx, a.Pool, k.account)
	}
	return err
}

func (a *App) loginFailed(ctx context.Context, k loginKeys, th auth.Throttle, now time.Time) error {
	ctx = event.WithActor(ctx, event.Actor{Subject: "login:" + k.account})
	return a.InTx(ctx, func(tx pgx.Tx) error {
		for _, key := range k.all() {
			limit := th.Failures
			if key == k.address {
				limit = th.AddressFailures
			}
			n, err := authdb.Fail(ctx, tx, key, now, th.Window)
			if err != nil {
				return err
			}
			lock := th.LockFor(n, limit)
			if lock == 0 {
				continue
			}
			until := now.Add(lock)
			if err := authdb.Lock(ctx, tx, key, until); err != nil {
				return err
			}
			if err := a.Emit(ctx, tx, event.AuthLoginThrottled, LoginThrottledEvent{Key: key, Failures: n, LockedUntil: until.UTC()}); err != nil {
				return err
			}
		}
		// Old keys go with the failures that touch the table: no worker needed.
		return authdb.Sweep(ctx, tx, now.Add(-th.Window-th.MaxBackoff))
	})
}

// Authenticate checks a person's email and password, sent from client
// address addr, and returns who they act as; Login mints a token from it,
// the portal keeps it server-side. Repeated failures for the email or from
// the address are throttled (guardLogin). Unknown emails spend the same
// hashing time as wrong passwords, so timing does not reveal accounts.
func (a *App) Authenticate(ctx context.Context, email, password, addr string) (app.Actor, error) {
	var act app.Actor
	err := a.guardLogin(ctx, newLoginKeys("account", email, addr), func() (err error) {
		act, err = a.checkPassword(ctx, email, password)
		return err
	})
	if err != nil {
		return app.Actor{}, err
	}
	// Said only after the right password, so it reveals nothing to a guesser.
	return act, a.CheckActor(ctx, act)
}

func (a *App) checkPassword(ctx context.Context, email, password string) (app.Actor, error) {
	u, err := partydb.UserByEmail(ctx, a.Pool, strings.TrimSpace(email))
	if errors.Is(err, party.ErrNotFound) {
		auth.DummyCheck(password)
		return app.Actor{}, ErrBadCredentials
	}
	if err != nil {
		return app.Actor{}, err
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil || !ok {
		return app.Actor{}, ErrBadCredentials
	}
	return app.Actor{Subject: "user:" + u.ID.String(), PartyID: u.PartyID, Role: auth.Role(u.Role)}, nil
}
