package offerdb

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/platform/db"
)

// ClaimEvents records that consumer processed the events and returns those
// it had not processed before; the rest are redeliveries to skip.
func ClaimEvents(ctx context.Context, q db.Querier, consumer string, eventIDs []uuid.UUID) (map[uuid.UUID]bool, error) {
	rows, err := q.Query(ctx, `INSERT INTO consumer_inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
		ON CONFLICT DO NOTHING RETURNING event_id`, consumer, eventIDs)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	fresh := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		fresh[id] = true
	}
	return fresh, err
}

// Notice is one party's notice of an event.
type Notice struct {
	PartyID, EventID uuid.UUID
	Kind             string
	SubjectID        uuid.UUID
}

// Notify adds notices, all in one statement.
func Notify(ctx context.Context, q db.Querier, notices []Notice, at time.Time) error {
	if len(notices) == 0 {
		return nil
	}
	party, ev, subj := make([]uuid.UUID, len(notices)), make([]uuid.UUID, len(notices)), make([]uuid.UUID, len(notices))
	kind := make([]string, len(notices))
	for i, n := range notices {
		party[i], ev[i], kind[i], subj[i] = n.PartyID, n.EventID, n.Kind, n.SubjectID
	}
	_, err := q.Exec(ctx, `INSERT INTO notifications (party_id, event_id, kind, subject_id, created_at)
		SELECT unnest($1::uuid[]), unnest($2::uuid[]), unnest($3::text[]), unnest($4::uuid[]), $5`, party, ev, kind, subj, at)
	return err
}

// AuctionSupplier returns the supplier that opened an auction.
func AuctionSupplier(ctx context.Context, q db.Querier, auctionID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, "SELECT supplier_id FROM auctions WHERE id = $1", auctionID).Scan(&id)
	return id, err
}
