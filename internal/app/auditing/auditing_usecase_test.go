package auditing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/event"
)

// TestAuditPending feeds the whole outbox to the audit log, so it has a
// database of its own. Every event is audited once, under its type (a
// party's routed copy is not audited again), with the actor its context
// carried, and the chain verifies.
func TestAuditPending(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	w := e.World()
	e.Quotable(w)
	ids := e.Invoices(w, w.Supplier, "1000.00")
	o := e.Quote(w.Supplier, ids...).Offers[0]
	supplier := apptest.Actor(w.Supplier)
	ctx := event.WithActor(context.Background(), event.Actor{Subject: "user:abc", PartyID: w.Supplier.ID.String(), Role: "supplier"})
	if _, err := e.Acceptance.AcceptOffer(ctx, supplier, o.ID); err != nil {
		t.Fatal(err)
	}
	pending := e.Count("SELECT count(*) FROM outbox WHERE audited_at IS NULL")
	events := e.Count("SELECT count(*) FROM outbox WHERE subject = payload->>'type'")
	if routed := e.Count("SELECT count(*) FROM outbox WHERE subject <> payload->>'type'"); routed == 0 || pending != events {
		t.Fatalf("%d pending rows, %d events, %d routed copies: the copies should be written audited", pending, events, routed)
	}
	if _, err := e.Auditing.AuditVerify(e.Ctx, apptest.Actor(w.Buyer)); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a buyer verifies: %v", err)
	}
	st, err := e.Auditing.AuditVerify(e.Ctx, app.System)
	if err != nil || st.Pending != int64(pending) {
		t.Fatalf("pending %d (%v), want %d", st.Pending, err, pending)
	}
	const batch = 7
	total := 0
	for {
		n, err := e.Auditing.AuditPending(e.Ctx, batch)
		if err != nil || n > batch {
			t.Fatalf("audit: %d %v", n, err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != pending {
		t.Fatalf("audited %d rows, want %d", total, pending)
	}
	if n := e.Count("SELECT count(*) FROM audit_log"); n != events {
		t.Fatalf("%d audit records for %d events", n, events)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'financing.accepted' AND actor_subject = 'user:abc' AND actor_role = 'supplier' AND actor_party_id = $1",
		w.Supplier.ID); n != 1 {
		t.Fatalf("%d financing.accepted records with the acceptor as actor, want 1", n)
	}
	if n := e.Count("SELECT count(*) FROM audit_log WHERE action = 'party.created' AND object_type = 'party' AND object_id = $1 AND actor_role = 'system'",
		w.Buyer.ID.String()); n != 1 {
		t.Fatalf("%d party.created records about the buyer, want 1", n)
	}
	st, err = e.Auditing.AuditVerify(e.Ctx, app.System)
	if err != nil || !st.Verify.OK() || st.Verify.Checked != events || st.Pending != 0 {
		t.Fatalf("verify: %+v %v", st, err)
	}
}
