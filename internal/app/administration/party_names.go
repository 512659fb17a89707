package administration

import (
	"context"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// PartyName returns the legal name of a party the caller may see, or of a
// counterparty it shares a program with (a supplier sees its buyers' names,
// as it would on the invoices they sent). Anything else is not found.
func (a *App) PartyName(ctx context.Context, act app.Actor, id uuid.UUID) (string, error) {
	if app.CanSeeParty(act, id) {
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

// CounterpartyName is the legal name of a party the caller deals with: its
// own, any for operators, its programs' buyers, and the lenders, suppliers
// and buyers of the offers it is party to (a supplier sees who quoted it,
// a lender whom it quoted), and for a lender the suppliers auctioning in
// its programs. Any other party is party.ErrNotFound.
func (a *App) CounterpartyName(ctx context.Context, act app.Actor, id uuid.UUID) (string, error) {
	if name, err := a.PartyName(ctx, act, id); err == nil {
		return name, nil
	}
	return partydb.CounterpartyName(ctx, a.Pool, act.PartyID, id)
}
