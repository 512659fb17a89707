package notifying_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/event"
)

// envelope is the platform's copy of the event of type typ about id (data field).
func envelope(t *testing.T, e *apptest.Env, typ, field, id string) event.Envelope {
	t.Helper()
	var raw []byte
	if err := e.Pool.QueryRow(e.Ctx, "SELECT payload FROM outbox WHERE subject = $1 AND payload->'data'->>$2 = $3", typ, field, id).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var env event.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

func notices(e *apptest.Env, env event.Envelope) int {
	return e.Count("SELECT count(*) FROM notifications WHERE event_id = $1", env.ID)
}

func TestNotifying(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"an acceptance is noticed by its supplier and buyer, once": acceptedOnce,
		"a closed auction is noticed by its supplier":              auctionClosed,
	})
}

func acceptedOnce(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	f := e.Financed(w, "1000.00")
	env := envelope(t, e, event.FinancingAccepted, "offer_id", f.OfferID.String())
	fresh, err := e.Notifying.HandleNotifierEvent(e.Ctx, env)
	if err != nil || !fresh {
		t.Fatalf("first delivery: fresh %v, %v", fresh, err)
	}
	if n := e.Count("SELECT count(*) FROM notifications WHERE event_id = $1 AND party_id = ANY($2) AND kind = 'financing.accepted' AND subject_id = $3",
		env.ID, []uuid.UUID{w.Supplier.ID, w.Buyer.ID}, f.OfferID); n != 2 {
		t.Fatalf("%d notices to the supplier and the buyer, want 2", n)
	}
	// A redelivery, alone or in a batch beside itself, does nothing.
	if fresh, err = e.Notifying.HandleNotifierEvent(e.Ctx, env); err != nil || fresh {
		t.Fatalf("redelivery: fresh %v, %v", fresh, err)
	}
	other := e.Financed(w, "2000.00")
	env2 := envelope(t, e, event.FinancingAccepted, "offer_id", other.OfferID.String())
	n, err := e.Notifying.HandleNotifierEvents(e.Ctx, []event.Envelope{env, env2, env2})
	if err != nil || n != 1 {
		t.Fatalf("batch with a redelivery and a repeat: %d new (%v), want 1", n, err)
	}
	if notices(e, env) != 2 || notices(e, env2) != 2 {
		t.Fatalf("notices %d and %d, want 2 each", notices(e, env), notices(e, env2))
	}
}

func auctionClosed(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	id := e.Invoices(w, w.Supplier, "1000.00")[0]
	au, err := e.Auctions.OpenAuction(e.Ctx, apptest.Actor(w.Supplier), []uuid.UUID{id})
	if err != nil {
		t.Fatal(err)
	}
	// The closing event as the closer writes it; closing itself sweeps the
	// platform, which this shared database leaves to the auctions' own test.
	ev, err := event.New(event.AuctionClosed, map[string]any{"auction_id": au.ID, "outcome": "no_bids"}, e.Now())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.Notifying.HandleNotifierEvent(e.Ctx, ev.Envelope); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.Count("SELECT count(*) FROM notifications WHERE event_id = $1 AND party_id = $2 AND kind = 'auction.no_bids' AND subject_id = $3",
		ev.Envelope.ID, w.Supplier.ID, au.ID); n != 1 {
		t.Fatalf("%d notices to the supplier, want 1", n)
	}
}
