// Package auditdb is the only SQL for the audit log: appending under the
// chain lock, scanning in seq order and verifying against the chain head.
package auditdb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/audit"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// chainLock is the advisory lock key that serialises appends within a database.
const chainLock int64 = 0x636164656e61 // "cadena"

// Append chains r after the current head and inserts it, in q's
// transaction, which must be the one making the change r describes. The
// chain lock is held until that transaction ends, so appends from
// concurrent transactions queue rather than fork; call Append late in the
// transaction to keep the queue short. Under REPEATABLE READ or SERIALIZABLE
// a concurrent append surfaces as a serialization failure, which the transaction runner (db.Runner) retries.
func Append(ctx context.Context, q db.Querier, r audit.Record) (audit.Record, error) {
	recs, err := AppendAll(ctx, q, []audit.Record{r})
	if err != nil {
		return audit.Record{}, err
	}
	return recs[0], nil
}

// AppendAll is Append for several records in order: one lock, one read of
// the head, and the inserts in one round trip.
func AppendAll(ctx context.Context, q db.Querier, rs []audit.Record) ([]audit.Record, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", chainLock); err != nil {
		return nil, err
	}
	head, err := Head(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Record, len(rs))
	b := &pgx.Batch{}
	for i, r := range rs {
		rec, err := audit.Chain(head, r)
		if err != nil {
			return nil, err
		}
		out[i], head = rec, audit.Head{Seq: rec.Seq, Hash: rec.Hash}
		b.Queue(`INSERT INTO audit_log (seq, at, actor_subject, actor_party_id, actor_role, action,
				object_type, object_id, before_state, after_state, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			rec.Seq, rec.At, rec.Actor.Subject, nullUUID(rec.Actor.PartyID), rec.Actor.Role, rec.Action,
			rec.Object.Type, rec.Object.ID, nullJSON(rec.Before), nullJSON(rec.After), rec.PrevHash, rec.Hash)
	}
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return out, nil
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func nullJSON(raw json.RawMessage) *string {
	if raw == nil {
		return nil
	}
	s := string(raw)
	return &s
}

// Head reads the chain head.
func Head(ctx context.Context, q db.Querier) (audit.Head, error) {
	var h audit.Head
	err := q.QueryRow(ctx, "SELECT seq, hash FROM audit_chain_head").Scan(&h.Seq, &h.Hash)
	return h, err
}

const recordCols = `l.seq, l.at, l.actor_subject, l.actor_party_id, l.actor_role, l.action,
	l.object_type, l.object_id, l.before_state, l.after_state, l.prev_hash, l.hash`

// scanRecord reads recordCols and then extra. Every column may be NULL,
// which Verify's outer join gives for an empty log: ok is false then.
func scanRecord(row pgx.Row, extra ...any) (r audit.Record, ok bool, err error) {
	var (
		seq                                   *int64
		at                                    *time.Time
		party                                 *uuid.UUID
		subject, role, action, objType, objID *string
		before, after                         *string
	)
	dest := append([]any{&seq, &at, &subject, &party, &role, &action, &objType, &objID, &before, &after, &r.PrevHash, &r.Hash}, extra...)
	if err := row.Scan(dest...); err != nil || seq == nil {
		return r, false, err
	}
	r.Seq, r.At = *seq, at.UTC()
	r.Actor = audit.Actor{Subject: deref(subject), Role: deref(role)}
	if party != nil {
		r.Actor.PartyID = *party
	}
	r.Action, r.Object = deref(action), audit.Object{Type: deref(objType), ID: deref(objID)}
	if before != nil {
		r.Before = json.RawMessage(*before)
	}
	if after != nil {
		r.After = json.RawMessage(*after)
	}
	return r, true, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Scan streams every record in seq order to fn, stopping at fn's first error.
func Scan(ctx context.Context, q db.Querier, fn func(audit.Record) error) error {
	rows, err := q.Query(ctx, "SELECT "+recordCols+" FROM audit_log l ORDER BY l.seq")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, _, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ForObject returns an object's history, oldest first.
func ForObject(ctx context.Context, q db.Querier, objectType, objectID string) ([]audit.Record, error) {
	rows, err := q.Query(ctx, "SELECT "+recordCols+" FROM audit_log l WHERE l.object_type = $1 AND l.object_id = $2 ORDER BY l.seq", objectType, objectID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (audit.Record, error) {
		r, _, err := scanRecord(row)
		return r, err
	})
}

// Verify checks the whole log, streaming it, and compares its end with the
// chain head. Head and rows come from one statement, hence one snapshot, so
// appends committing meanwhile cannot pass for tampering.
func Verify(ctx context.Context, q db.Querier) (audit.VerifyResult, error) {
	rows, err := q.Query(ctx, `SELECT `+recordCols+`, h.seq, h.hash
		FROM audit_chain_head h LEFT JOIN audit_log l ON true ORDER BY l.seq`)
	if err != nil {
		return audit.VerifyResult{}, err
	}
	defer rows.Close()
	v := audit.NewVerifier()
	var head audit.Head
	for rows.Next() {
		r, ok, err := scanRecord(rows, &head.Seq, &head.Hash)
		if err != nil {
			return audit.VerifyResult{}, err
		}
		if ok {
			v.Add(r)
		}
	}
	if err := rows.Err(); err != nil {
		return audit.VerifyResult{}, err
	}
	v.CheckHead(head)
	return v.Result(), nil
}
