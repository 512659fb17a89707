package access

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// ErrBadCredentials never says which half of the pair was wrong.
var ErrBadCredentials = errors.New("invalid credentials")

// Token is an issued access token.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
	PartyID     uuid.UUID
	Role        auth.Role
}

// Login exchanges email and password for a token (see Authenticate).
func (a *App) Login(ctx context.Context, email, password, addr string) (Token, error) {
	act, err := a.Authenticate(ctx, email, password, addr)
	if err != nil {
		return Token{}, err
	}
	return a.issue(act.Subject, act.PartyID, act.Role)
}

// ClientToken exchanges API client credentials, sent from client address
// addr, for a token; repeated failures are throttled as logins are.
func (a *App) ClientToken(ctx context.Context, clientID, secret, addr string) (Token, error) {
	var c party.APIClient
	err := a.guardLogin(ctx, newLoginKeys("client", clientID, addr), func() (err error) {
		c, err = partydb.APIClientByClientID(ctx, a.Pool, clientID)
		if errors.Is(err, party.ErrNotFound) || err == nil && !auth.CheckClientSecret(c.SecretHash, secret) {
			return ErrBadCredentials
		}
		return err
	})
	if err != nil {
		return Token{}, err
	}
	if err := a.CheckActor(ctx, app.Actor{Subject: c.ClientID, PartyID: c.PartyID, Role: auth.Role(c.Role)}); err != nil {
		return Token{}, err
	}
	return a.issue(c.ClientID, c.PartyID, auth.Role(c.Role))
}

// MintToken issues a token for a party directly: the operator's `cadena
// token` command. Each one is recorded (cadena.party.token_minted, then the
// audit log) with the actor of ctx; the token itself never is.
func (a *App) MintToken(ctx context.Context, subject string, partyID uuid.UUID, role auth.Role) (Token, error) {
	p, err := partydb.Get(ctx, a.Pool, partyID)
	if err != nil {
		return Token{}, err
	}
	if string(p.Kind) != string(role) {
		return Token{}, validation.Errors{{Field: "role", Code: "role_mismatch", Message: "the party is a " + string(p.Kind) + ", not a " + string(role)}}
	}
	if !p.Active() {
		return Token{}, app.ErrPartyInactive // every request would refuse it anyway
	}
	t, err := a.Issuer.IssueToken(auth.Principal{Subject: subject, PartyID: partyID.String(), Role: role})
	if err != nil {
		return Token{}, err
	}
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		return a.Emit(ctx, tx, event.PartyTokenMinted, TokenMintedEvent{PartyID: partyID, Role: string(role), Subject: subject,
			TokenID: t.ID, ExpiresAt: t.ExpiresAt.UTC()})
	})
	if err != nil {
		return Token{}, err
	}
	return Token{AccessToken: t.Token, ExpiresAt: t.ExpiresAt, PartyID: partyID, Role: role}, nil
}

// TokenMintedEvent is the payload of cadena.party.token_minted: whom the
// token acts for and its id (jti), never the token.
type TokenMintedEvent struct {
	PartyID   uuid.UUID `json:"party_id"`
	Role      string    `json:"role"`
	Subject   string    `json:"subject"`
	TokenID   string    `json:"token_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *App) issue(subject string, partyID uuid.UUID, role auth.Role) (Token, error) {
	tok, exp, err := a.Issuer.Issue(auth.Principal{Subject: subject, PartyID: partyID.String(), Role: role})
	return Token{AccessToken: tok, ExpiresAt: exp, PartyID: partyID, Role: role}, err
}
