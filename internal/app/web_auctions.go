package app

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/auth"
)

// OpenAuctionsForLender lists the open auctions of the programs the calling
// lender is enrolled in, soonest to close first, each loaded through
// GetAuction (so with only the lender's own bids).
func (a *App) OpenAuctionsForLender(ctx context.Context, act Actor, limit int) ([]AuctionView, error) {
	if !act.Is(auth.RoleLender) {
		return nil, ErrForbidden
	}
	rows, err := a.Pool.Query(ctx, `SELECT a.id FROM auctions a
		WHERE a.status = 'open' AND a.closes_at > $2
		  AND a.program_id IN (SELECT program_id FROM program_lenders WHERE lender_id = $1)
		ORDER BY a.closes_at, a.id LIMIT $3`, act.PartyID, a.Clock(), limit)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, err
	}
	out := make([]AuctionView, 0, len(ids))
	for _, id := range ids {
		v, err := a.GetAuction(ctx, act, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
