package offerdb

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// InsertAuction stores an open auction and its invoices.
func InsertAuction(ctx context.Context, q db.Querier, a offer.Auction) error {
	_, err := q.Exec(ctx, `INSERT INTO auctions (id, program_id, supplier_id, buyer_id, currency, status, face, value_date, max_spread_bps, opens_at, closes_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, a.ID, a.ProgramID, a.SupplierID, a.BuyerID, string(a.Currency), a.Status,
		a.Face, a.ValueDate, a.MaxSpreadBps, a.OpensAt, a.ClosesAt)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO auction_invoices (auction_id, invoice_id) SELECT $1, unnest($2::uuid[])`, a.ID, a.InvoiceIDs)
	return err
}

const auctionCols = `a.id, a.program_id, a.supplier_id, a.buyer_id, a.currency, a.status, a.face, a.value_date, a.max_spread_bps,
	a.opens_at, a.closes_at, a.closed_at, a.winning_lender, a.winning_offer`

func scanAuction(r pgx.Row) (offer.Auction, error) {
	var a offer.Auction
	var cur string
	err := r.Scan(&a.ID, &a.ProgramID, &a.SupplierID, &a.BuyerID, &cur, &a.Status, &a.Face, &a.ValueDate, &a.MaxSpreadBps,
		&a.OpensAt, &a.ClosesAt, &a.ClosedAt, &a.WinningLender, &a.WinningOffer)
	a.Currency = money.Currency(cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, offer.ErrAuctionNotFound
	}
	return a, err
}

// auctionVisible: operators, the supplier that opened it, and lenders
// enrolled in its program.
const auctionVisible = `($2 = 'operator' OR ($2 = 'supplier' AND a.supplier_id = $1)
	OR ($2 = 'lender' AND EXISTS (SELECT 1 FROM program_lenders l WHERE l.program_id = a.program_id AND l.lender_id = $1)))`

// GetAuction loads an auction the viewer may see, with its invoice ids.
func GetAuction(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID, lock bool) (offer.Auction, error) {
	sql := "SELECT " + auctionCols + " FROM auctions a WHERE a.id = $3 AND " + auctionVisible
	if lock {
		sql += " FOR UPDATE"
	}
	a, err := scanAuction(q.QueryRow(ctx, sql, v.PartyID, v.Role, id))
	if err != nil {
		return a, err
	}
	a.InvoiceIDs, err = auctionInvoices(ctx, q, a.ID)
	return a, err
}

func auctionInvoices(ctx context.Context, q db.Querier, id uuid.UUID) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, "SELECT invoice_id FROM auction_invoices WHERE auction_id = $1 ORDER BY invoice_id", id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// ClaimDue locks up to limit open auctions whose window has ended. SKIP
// LOCKED lets several replicas run the scheduler at once; each auction is
// closed by whichever claims it, once, since closing changes its status.
func ClaimDue(ctx context.Context, tx pgx.Tx, now time.Time, limit int) ([]offer.Auction, error) {
	rows, err := tx.Query(ctx, "SELECT "+auctionCols+` FROM auctions a WHERE a.status = 'open' AND a.closes_at <= $1
		ORDER BY a.closes_at LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (offer.Auction, error) { return scanAuction(r) })
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].InvoiceIDs, err = auctionInvoices(ctx, tx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CloseAuction records the close of a locked open auction.
func CloseAuction(ctx context.Context, q db.Querier, a offer.Auction, at time.Time) error {
	tag, err := q.Exec(ctx, `UPDATE auctions SET status = 'closed', closed_at = $2, winning_lender = $3, winning_offer = $4
		WHERE id = $1 AND status = 'open'`, a.ID, at, a.WinningLender, a.WinningOffer)
	if err == nil && tag.RowsAffected() != 1 {
		return offer.ErrAuctionClosed
	}
	return err
}

// GetBid loads a lender's current bid, or nil.
func GetBid(ctx context.Context, q db.Querier, auctionID, lenderID uuid.UUID) (*offer.Bid, error) {
	var b offer.Bid
	err := q.QueryRow(ctx, `SELECT auction_id, lender_id, spread_bps, placed_at, revisions FROM bids WHERE auction_id = $1 AND lender_id = $2`,
		auctionID, lenderID).Scan(&b.AuctionID, &b.LenderID, &b.SpreadBps, &b.PlacedAt, &b.Revisions)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &b, err
}

// PutBid places or improves a bid.
func PutBid(ctx context.Context, q db.Querier, b offer.Bid) (offer.Bid, error) {
	err := q.QueryRow(ctx, `INSERT INTO bids (auction_id, lender_id, spread_bps, placed_at, first_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (auction_id, lender_id) DO UPDATE SET spread_bps = EXCLUDED.spread_bps, placed_at = EXCLUDED.placed_at,
		revisions = bids.revisions + 1 RETURNING revisions`, b.AuctionID, b.LenderID, b.SpreadBps, b.PlacedAt).Scan(&b.Revisions)
	return b, err
}

// Bids lists an auction's bids.
func Bids(ctx context.Context, q db.Querier, auctionID uuid.UUID) ([]offer.Bid, error) {
	rows, err := q.Query(ctx, `SELECT auction_id, lender_id, spread_bps, placed_at, revisions FROM bids WHERE auction_id = $1 ORDER BY spread_bps, placed_at`, auctionID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (offer.Bid, error) {
		var b offer.Bid
		err := r.Scan(&b.AuctionID, &b.LenderID, &b.SpreadBps, &b.PlacedAt, &b.Revisions)
		return b, err
	})
}
