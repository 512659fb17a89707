package offerdb

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// OpenAuction is an open auction with the one lender's own bid, if any.
type OpenAuction struct {
	offer.Auction
	Bid *offer.Bid
}

// OpenForLender lists, in one query, the open auctions of the programs
// lenderID is enrolled in, soonest to close first, each with its invoice ids
// and the lender's own bid.
func OpenForLender(ctx context.Context, q db.Querier, lenderID uuid.UUID, now time.Time, limit int) ([]OpenAuction, error) {
	rows, err := q.Query(ctx, "SELECT "+auctionCols+`,
		array(SELECT ai.invoice_id FROM auction_invoices ai WHERE ai.auction_id = a.id ORDER BY ai.invoice_id),
		b.spread_bps, b.placed_at, b.revisions
		FROM auctions a LEFT JOIN bids b ON b.auction_id = a.id AND b.lender_id = $1
		WHERE a.status = 'open' AND a.closes_at > $2
		  AND a.program_id IN (SELECT program_id FROM program_lenders WHERE lender_id = $1)
		ORDER BY a.closes_at, a.id LIMIT $3`, lenderID, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenAuction, error) {
		var (
			o         OpenAuction
			ids       []uuid.UUID
			spread    *int
			placedAt  *time.Time
			revisions *int
		)
		a, err := scanAuction(moreColumns{r, []any{&ids, &spread, &placedAt, &revisions}})
		o.Auction, o.InvoiceIDs = a, ids
		if err == nil && spread != nil {
			o.Bid = &offer.Bid{AuctionID: a.ID, LenderID: lenderID, SpreadBps: *spread, PlacedAt: *placedAt, Revisions: *revisions}
		}
		return o, err
	})
}

// moreColumns scans the columns after auctionCols into extra, so scanAuction
// stays the one reader of an auction's columns.
type moreColumns struct {
	pgx.Row
	extra []any
}

func (m moreColumns) Scan(dest ...any) error { return m.Row.Scan(append(dest, m.extra...)...) }
