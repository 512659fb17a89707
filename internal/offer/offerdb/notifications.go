package offerdb

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/platform/db"
)

// ClaimEvent records that consumer processed eventID; false when it already had.
func ClaimEvent(ctx context.Context, q db.Querier, consumer string, eventID uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO consumer_inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, consumer, eventID)
	return err == nil && tag.RowsAffected() == 1, err
}

// Notify adds a notice for a party.
func Notify(ctx context.Context, q db.Querier, partyID, eventID uuid.UUID, kind string, subjectID uuid.UUID, at time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO notifications (party_id, event_id, kind, subject_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		partyID, eventID, kind, subjectID, at)
	return err
}

// AuctionSupplier returns the supplier that opened an auction.
func AuctionSupplier(ctx context.Context, q db.Querier, auctionID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, "SELECT supplier_id FROM auctions WHERE id = $1", auctionID).Scan(&id)
	return id, err
}
