package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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

// CreateUser gives a person a login for a party (operators only). The role is the party's kind.
func (a *App) CreateUser(ctx context.Context, act Actor, partyID uuid.UUID, email, password string) (party.User, error) {
	if !act.Is(auth.RoleOperator) {
		return party.User{}, ErrForbidden
	}
	email, err := party.NormalizeEmail(email)
	if err != nil {
		return party.User{}, err
	}
	owner, err := partydb.Get(ctx, a.Pool, partyID)
	if err != nil {
		return party.User{}, err
	}
	hash, err := auth.HashPassword(password)
	if errors.Is(err, auth.ErrWeakPassword) || errors.Is(err, auth.ErrPasswordTooLong) {
		return party.User{}, validation.Errors{{Field: "password", Code: "weak_password", Message: "password must have between 10 and 256 characters"}}
	}
	if err != nil {
		return party.User{}, err
	}
	id, _ := uuid.NewV7()
	u := party.User{ID: id, PartyID: owner.ID, Email: email, PasswordHash: hash, Role: owner.Kind, CreatedAt: a.Clock()}
	return u, a.InTx(ctx, func(tx pgx.Tx) error {
		if err := partydb.InsertUser(ctx, tx, u); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.PartyUserCreated, CredentialEvent{PartyID: u.PartyID, CredentialID: u.ID, Role: string(u.Role), Name: u.Email})
	})
}

// CredentialEvent is the payload of cadena.party.user_created and
// cadena.party.api_client_created; it never carries a secret.
type CredentialEvent struct {
	PartyID      uuid.UUID `json:"party_id"`
	CredentialID uuid.UUID `json:"credential_id"`
	Role         string    `json:"role"`
	Name         string    `json:"name"`
}

// Login exchanges email and password for a token (see Authenticate).
func (a *App) Login(ctx context.Context, email, password, addr string) (Token, error) {
	act, err := a.Authenticate(ctx, email, password, addr)
	if err != nil {
		return Token{}, err
	}
	return a.issue(act.Subject, act.PartyID, act.Role)
}

// NewAPIClient is a created credential; Secret is shown once and never stored.
type NewAPIClient struct {
	party.APIClient
	Secret string
}

// CreateAPIClient issues a client id and secret for a party (operators, or the party itself).
func (a *App) CreateAPIClient(ctx context.Context, act Actor, partyID uuid.UUID, name string) (NewAPIClient, error) {
	if !CanSeeParty(act, partyID) {
		return NewAPIClient{}, party.ErrNotFound
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return NewAPIClient{}, validation.Errors{{Field: "name", Code: "required", Message: "name is required (at most 100 characters)"}}
	}
	owner, err := partydb.Get(ctx, a.Pool, partyID)
	if err != nil {
		return NewAPIClient{}, err
	}
	clientID, secret, hash, err := auth.NewClientCredentials()
	if err != nil {
		return NewAPIClient{}, err
	}
	id, _ := uuid.NewV7()
	c := party.APIClient{ID: id, ClientID: clientID, SecretHash: hash, PartyID: owner.ID, Role: owner.Kind, Name: name, CreatedAt: a.Clock()}
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		if err := partydb.InsertAPIClient(ctx, tx, c); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.PartyAPIClientCreated, CredentialEvent{PartyID: c.PartyID, CredentialID: c.ID, Role: string(c.Role), Name: c.Name + " (" + c.ClientID + ")"})
	})
	if err != nil {
		return NewAPIClient{}, err
	}
	return NewAPIClient{APIClient: c, Secret: secret}, nil
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
	if err := a.CheckActor(ctx, Actor{Subject: c.ClientID, PartyID: c.PartyID, Role: auth.Role(c.Role)}); err != nil {
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
		return Token{}, ErrPartyInactive // every request would refuse it anyway
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

// ResolveParty finds a party by UUID or, failing that, by tax id among parties of kind.
func (a *App) ResolveParty(ctx context.Context, ref string, kind party.Kind) (party.Party, error) {
	if id, err := uuid.Parse(ref); err == nil {
		return partydb.Get(ctx, a.Pool, id)
	}
	for _, country := range []string{"MX", "CO"} {
		p, err := party.New(party.Draft{Kind: string(kind), LegalName: "-", Country: country, TaxID: ref}, a.Clock())
		if err != nil {
			continue
		}
		if found, err := partydb.FindByTaxID(ctx, a.Pool, kind, country, p.TaxID); err == nil {
			return found, nil
		}
	}
	return party.Party{}, party.ErrNotFound
}

// System is the actor for operator commands run on the server itself
// (bootstrap, demo seed); it never comes from a token.
var System = Actor{Subject: "system", Role: auth.RoleOperator}

// Bootstrap creates the platform's operator party once; later calls return it.
func (a *App) Bootstrap(ctx context.Context, d party.Draft) (party.Party, bool, error) {
	d.Kind = string(party.Operator)
	p, err := a.ResolveParty(ctx, d.TaxID, party.Operator)
	if err == nil {
		return p, false, nil
	}
	p, err = a.CreateParty(ctx, System, d)
	return p, err == nil, err
}
