package administration

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// CreateUser gives a person a login for a party (operators only). The role is the party's kind.
func (a *App) CreateUser(ctx context.Context, act app.Actor, partyID uuid.UUID, email, password string) (party.User, error) {
	if !act.Is(auth.RoleOperator) {
		return party.User{}, app.ErrForbidden
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

// NewAPIClient is a created credential; Secret is shown once and never stored.
type NewAPIClient struct {
	party.APIClient
	Secret string
}

// CreateAPIClient issues a client id and secret for a party (operators, or the party itself).
func (a *App) CreateAPIClient(ctx context.Context, act app.Actor, partyID uuid.UUID, name string) (NewAPIClient, error) {
	if !app.CanSeeParty(act, partyID) {
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

// Bootstrap creates the platform's operator party once; later calls return it.
func (a *App) Bootstrap(ctx context.Context, d party.Draft) (party.Party, bool, error) {
	d.Kind = string(party.Operator)
	p, err := a.ResolveParty(ctx, d.TaxID, party.Operator)
	if err == nil {
		return p, false, nil
	}
	p, err = a.CreateParty(ctx, app.System, d)
	return p, err == nil, err
}
