package auditing

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/audit"
	"github.com/cadena-finance/cadena/internal/audit/auditdb"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/outbox"
)

// AuditPending appends up to limit outbox events to the hash-chained audit
// log, oldest first, and returns how many rows it consumed. Every state
// change writes its event in its own transaction; auditing here, off the
// request path, keeps the chain's lock out of those transactions. Routed
// copies of an event (a subject narrower than its type) are not audited twice.
func (a *App) AuditPending(ctx context.Context, limit int) (int, error) {
	var n int
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := outbox.ClaimUnaudited(ctx, tx, limit)
		if err != nil || len(rows) == 0 {
			n = 0
			return err
		}
		seqs := make([]int64, len(rows))
		var recs []audit.Record
		for i, r := range rows {
			seqs[i] = r.Seq
			if !r.Routed {
				recs = append(recs, auditRecord(r))
			}
		}
		if _, err := auditdb.AppendAll(ctx, tx, recs); err != nil {
			return err
		}
		n = len(rows)
		return outbox.MarkAudited(ctx, tx, seqs)
	})
	return n, err
}

func auditRecord(r outbox.Unaudited) audit.Record {
	party, _ := uuid.Parse(r.Actor.PartyID)
	role := r.Actor.Role
	if role == "" { // the platform's own jobs and commands
		role = "system"
	}
	return audit.Record{
		At:     r.Envelope.OccurredAt,
		Actor:  audit.Actor{Subject: r.Actor.Subject, PartyID: party, Role: role},
		Action: strings.TrimPrefix(r.Envelope.Type, "cadena."),
		Object: objectOf(r.Envelope),
		After:  r.Envelope.Data,
	}
}

// objectOf names what an event is about: its aggregate, and the id the
// payload gives for it (<aggregate>_id), else the event's own id.
func objectOf(env event.Envelope) audit.Object {
	parts := strings.Split(env.Type, ".")
	kind := "event"
	if len(parts) >= 3 {
		kind = parts[1]
	}
	var data map[string]any
	_ = json.Unmarshal(env.Data, &data)
	if id, ok := data[kind+"_id"].(string); ok {
		return audit.Object{Type: kind, ID: id}
	}
	return audit.Object{Type: kind, ID: env.ID.String()}
}

// AuditStatus is the audit log's state for operators.
type AuditStatus struct {
	Head    audit.Head
	Pending int64
	Verify  audit.VerifyResult
}

// AuditVerify re-reads the whole chain and checks every link (operators only).
func (a *App) AuditVerify(ctx context.Context, act app.Actor) (AuditStatus, error) {
	if !act.Is(auth.RoleOperator) {
		return AuditStatus{}, app.ErrForbidden
	}
	var st AuditStatus
	var err error
	if st.Verify, err = auditdb.Verify(ctx, a.Pool); err != nil {
		return st, err
	}
	if st.Head, err = auditdb.Head(ctx, a.Pool); err != nil {
		return st, err
	}
	st.Pending, err = outbox.CountUnaudited(ctx, a.Pool)
	return st, err
}
