// Package outbox writes events in the caller's transaction and relays them to
// JetStream with Nats-Msg-Id set to the event id. The same rows feed the
// audit log, with the actor the context carried when they were written.
package outbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// Add stores events in the same transaction as the state change they
// describe, in one statement, so it can be queued on a db.Batch.
func Add(ctx context.Context, q db.Execer, events ...event.Event) error {
	if len(events) == 0 {
		return nil
	}
	actor, err := json.Marshal(event.ActorFrom(ctx))
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(events))
	subjects := make([]string, len(events))
	payloads := make([]string, len(events))
	routed := make([]bool, len(events))
	for i, e := range events {
		p, err := json.Marshal(e.Envelope)
		if err != nil {
			return err
		}
		ids[i], subjects[i], payloads[i], routed[i] = e.Envelope.ID, e.Subject, string(p), e.Subject != e.Envelope.Type
	}
	// A routed copy (a party's own subject) is written as audited: its event
	// is audited once, under its type, and the auditor need not touch the copy.
	// One statement for an event and its routed copies: a round of parsing
	// and executing per row cost more than the rows themselves.
	_, err = q.Exec(ctx, `INSERT INTO outbox (event_id, subject, payload, actor, audited_at)
		SELECT id, subject, payload::jsonb, $4::jsonb, CASE WHEN routed THEN now() END
		FROM unnest($1::uuid[], $2::text[], $3::text[], $5::bool[]) AS e(id, subject, payload, routed)`,
		ids, subjects, payloads, string(actor), routed)
	return err
}

// Unaudited is an outbox row not yet in the audit log. A routed copy (a
// subject narrower than its event's type, such as the lender's own) is not
// audited again: only its Seq and Routed are filled. Add writes copies as
// audited already; rows of earlier versions may still arrive here.
type Unaudited struct {
	Seq      int64
	Routed   bool
	Subject  string
	Envelope event.Envelope
	Actor    event.Actor
	Written  time.Time
}

// ClaimUnaudited locks up to limit rows not yet audited, oldest first.
func ClaimUnaudited(ctx context.Context, q db.Querier, limit int) ([]Unaudited, error) {
	rows, err := q.Query(ctx, `SELECT seq, subject <> payload->>'type', subject,
			CASE WHEN subject = payload->>'type' THEN payload::text END,
			coalesce(actor::text, '{"subject":"system"}'), created_at
		FROM outbox WHERE audited_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unaudited, error) {
		var u Unaudited
		var payload *string
		var actor string
		if err := r.Scan(&u.Seq, &u.Routed, &u.Subject, &payload, &actor, &u.Written); err != nil || u.Routed {
			return u, err
		}
		if err := json.Unmarshal([]byte(*payload), &u.Envelope); err != nil {
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
