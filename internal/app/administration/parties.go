package administration

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// PartyEvent is the payload of cadena.party.created.
type PartyEvent struct {
	PartyID   uuid.UUID `json:"party_id"`
	Kind      string    `json:"kind"`
	LegalName string    `json:"legal_name"`
	Country   string    `json:"country"`
	TaxID     string    `json:"tax_id"`
}

func partyEvent(p party.Party) PartyEvent {
	return PartyEvent{PartyID: p.ID, Kind: string(p.Kind), LegalName: p.LegalName, Country: p.Country, TaxID: p.TaxID}
}

// CreateParty registers a buyer, lender, supplier or operator (operators only).
func (a *App) CreateParty(ctx context.Context, act app.Actor, d party.Draft) (party.Party, error) {
	if !act.Is(auth.RoleOperator) {
		return party.Party{}, app.ErrForbidden
	}
	p, err := party.New(d, a.Clock())
	if err != nil {
		return p, err
	}
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		if err := partydb.Insert(ctx, tx, p); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.PartyCreated, partyEvent(p))
	})
	return p, err
}

// GetParty loads a party the caller may see; any other is not found.
func (a *App) GetParty(ctx context.Context, act app.Actor, id uuid.UUID) (party.Party, error) {
	if !app.CanSeeParty(act, id) {
		return party.Party{}, party.ErrNotFound
	}
	return partydb.Get(ctx, a.Pool, id)
}

// ListParties pages through the parties the caller may see.
func (a *App) ListParties(ctx context.Context, act app.Actor, kind party.Kind, cursor uuid.UUID, limit int) (app.Page[party.Party], error) {
	f := partydb.Filter{Kind: kind, After: cursor, Limit: limit}
	if !act.Is(auth.RoleOperator) {
		f.Only = &act.PartyID
	}
	items, err := partydb.List(ctx, a.Pool, f)
	return app.PageOf(items, limit, func(p party.Party) uuid.UUID { return p.ID }), err
}

// AccountEvent is the payload of cadena.party.bank_account_added.
type AccountEvent struct {
	PartyID   uuid.UUID `json:"party_id"`
	AccountID uuid.UUID `json:"account_id"`
	Currency  string    `json:"currency"`
	Scheme    string    `json:"scheme"`
	BankCode  string    `json:"bank_code"`
}

// AddBankAccount registers an account for a party (operators, or the party itself).
func (a *App) AddBankAccount(ctx context.Context, act app.Actor, partyID uuid.UUID, d party.AccountDraft) (party.BankAccount, error) {
	if !app.CanSeeParty(act, partyID) {
		return party.BankAccount{}, party.ErrNotFound
	}
	var acct party.BankAccount
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		owner, err := partydb.Get(ctx, tx, partyID)
		if err != nil {
			return err
		}
		if acct, err = party.NewBankAccount(owner, d, a.Clock()); err != nil {
			return err
		}
		if err := partydb.InsertAccount(ctx, tx, acct); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.PartyBankAccountAdded, AccountEvent{PartyID: partyID, AccountID: acct.ID,
			Currency: string(acct.Currency), Scheme: acct.Scheme, BankCode: acct.BankCode})
	})
	return acct, err
}

// ListBankAccounts returns a party's accounts (operators, or the party itself).
func (a *App) ListBankAccounts(ctx context.Context, act app.Actor, partyID uuid.UUID) ([]party.BankAccount, error) {
	if !app.CanSeeParty(act, partyID) {
		return nil, party.ErrNotFound
	}
	if _, err := partydb.Get(ctx, a.Pool, partyID); err != nil {
		return nil, err
	}
	return partydb.ListAccounts(ctx, a.Pool, partyID)
}
