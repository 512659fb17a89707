// Package outbox writes events in the caller's transaction and relays them to
// JetStream with Nats-Msg-Id set to the event id. The same rows feed the
// audit log, with the actor the context carried when they were written.
package outbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// Add stores events in the same transaction as the state change they describe.
func Add(ctx context.Context, q db.Querier, events ...event.Event) error {
	if len(events) == 0 {
		return nil
	}
	actor, err := json.Marshal(event.ActorFrom(ctx))
	if err != nil {
		return err
	}
	rows := make([][]any, len(events))
	for i, e := range events {
		p, err := json.Marshal(e.Envelope)
		if err != nil {
			return err
		}
		rows[i] = []any{e.Envelope.ID, e.Subject, string(p), string(actor)}
	}
	if len(events) > 64 { // COPY is far cheaper for bulk publication
		_, err := q.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"event_id", "subject", "payload", "actor"}, pgx.CopyFromRows(rows))
		return err
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		b.Queue("INSERT INTO outbox (event_id, subject, payload, actor) VALUES ($1, $2, $3, $4)", r...)
	}
	return q.SendBatch(ctx, b).Close()
}

// Unaudited is an outbox row not yet in the audit log.
type Unaudited struct {
	Seq      int64
	Subject  string
	Envelope event.Envelope
	Actor    event.Actor
	Written  time.Time
}

// ClaimUnaudited locks up to limit rows not yet audited, oldest first.
func ClaimUnaudited(ctx context.Context, q db.Querier, limit int) ([]Unaudited, error) {
	rows, err := q.Query(ctx, `SELECT seq, subject, payload::text, coalesce(actor::text, '{"subject":"system"}'), created_at
		FROM outbox WHERE audited_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unaudited, error) {
		var u Unaudited
		var payload, actor string
		if err := r.Scan(&u.Seq, &u.Subject, &payload, &actor, &u.Written); err != nil {
			return u, err
		}
		if err := json.Unmarshal([]byte(payload), &u.Envelope); err != nil {
			return u, err
		}
		return u, json.Unmarshal([]byte(actor), &u.Actor)
	})
}

// MarkAudited records that rows are in the audit log.
func MarkAudited(ctx context.Context, q db.Querier, seqs []int64) error {
	_, err := q.Exec(ctx, "UPDATE outbox SET audited_at = now() WHERE seq = ANY($1)", seqs)
	return err
}

// CountUnaudited is the auditor's backlog.
func CountUnaudited(ctx context.Context, q db.Querier) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, "SELECT count(*) FROM outbox WHERE audited_at IS NULL").Scan(&n)
	return n, err
}
