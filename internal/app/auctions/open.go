package auctions

import (
	"context"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
)

// OpenAuctionsForLender lists the open auctions of the programs the calling
// lender is enrolled in, soonest to close first, each as GetAuction shows it
// to the lender (with only its own bid; an open auction has no winner), read
// in one query.
func (a *App) OpenAuctionsForLender(ctx context.Context, act app.Actor, limit int) ([]AuctionView, error) {
	if !act.Is(auth.RoleLender) {
		return nil, app.ErrForbidden
	}
	open, err := offerdb.OpenForLender(ctx, a.Pool, act.PartyID, a.Clock(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]AuctionView, len(open))
	for i, o := range open {
		out[i] = AuctionView{Auction: o.Auction, Bids: []offer.Bid{}}
		if o.Bid != nil {
			out[i].Bids = append(out[i].Bids, *o.Bid)
		}
	}
	return out, nil
}
