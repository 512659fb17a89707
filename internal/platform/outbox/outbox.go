// Package outbox writes events in the caller's transaction and relays them to
// JetStream with Nats-Msg-Id set to the event id.
package outbox

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// Add stores events in the same transaction as the state change they describe.
func Add(ctx context.Context, q db.Querier, events ...event.Event) error {
	if len(events) == 0 {
		return nil
	}
	if len(events) > 64 { // COPY is far cheaper for bulk publication
		rows := make([][]any, len(events))
		for i, e := range events {
			p, err := json.Marshal(e.Envelope)
			if err != nil {
				return err
			}
			rows[i] = []any{e.Envelope.ID, e.Subject, string(p)}
		}
		_, err := q.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"event_id", "subject", "payload"}, pgx.CopyFromRows(rows))
		return err
	}
	b := &pgx.Batch{}
	for _, e := range events {
		p, err := json.Marshal(e.Envelope)
		if err != nil {
			return err
		}
		b.Queue("INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)", e.Envelope.ID, e.Subject, string(p))
	}
	return q.SendBatch(ctx, b).Close()
}
