package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
)

// PartyName returns the legal name of a party the caller may see, or of a
// counterparty it shares a program with (a supplier sees its buyers' names,
// as it would on the invoices they sent). Anything else is not found.
func (a *App) PartyName(ctx context.Context, act Actor, id uuid.UUID) (string, error) {
	if canSeeParty(act, id) {
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

// Clock is the application's time, so the portal's default dates agree with
// the use cases' (tests pin App.Now).
func (a *App) Clock() time.Time { return a.now() }

// CounterpartyName is the legal name of a party the caller deals with: its
// own, any for operators, its programs' buyers, and the lenders, suppliers
// and buyers of the offers it is party to (a supplier sees who quoted it,
// a lender whom it quoted), and for a lender the suppliers auctioning in
// its programs. Any other party is party.ErrNotFound.
func (a *App) CounterpartyName(ctx context.Context, act Actor, id uuid.UUID) (string, error) {
	if name, err := a.PartyName(ctx, act, id); err == nil {
		return name, nil
	}
	var name string
	err := a.Pool.QueryRow(ctx, `SELECT p.legal_name FROM parties p WHERE p.id = $2 AND (EXISTS (SELECT 1 FROM offers o
		WHERE $1 IN (o.supplier_id, o.lender_id, o.buyer_id) AND $2 IN (o.supplier_id, o.lender_id, o.buyer_id))
		OR EXISTS (SELECT 1 FROM auctions au JOIN program_lenders pl ON pl.program_id = au.program_id
		WHERE pl.lender_id = $1 AND au.supplier_id = $2))`, act.PartyID, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", party.ErrNotFound
	}
	return name, err
}
