package outbox_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/natstest"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/outbox"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
)

func setup(t *testing.T) (*outbox.Relay, jetstream.JetStream) {
	t.Helper()
	pool, _ := pgtest.NewPool(t)
	ns := natstest.Start(t)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := natsx.EnsureStreams(context.Background(), js); err != nil {
		t.Fatal(err)
	}
	if err := natsx.EnsureStreams(context.Background(), js); err != nil { // idempotent
		t.Fatal(err)
	}
	return &outbox.Relay{Pool: pool, JS: js, Batch: 50, Poll: 20 * time.Millisecond}, js
}

func addEvents(t *testing.T, r *outbox.Relay, n int) map[string]bool {
	t.Helper()
	ctx := context.Background()
	ids := map[string]bool{}
	err := pgx.BeginFunc(ctx, r.Pool, func(tx pgx.Tx) error {
		evs := make([]event.Event, n)
		for i := range evs {
			e, err := event.New(event.PartyCreated, map[string]int{"i": i}, time.Now())
			if err != nil {
				return err
			}
			evs[i] = e
			ids[e.Envelope.ID.String()] = true
		}
		return outbox.Add(ctx, tx, evs...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// streamIDs reads every message in the stream and returns the envelope ids with counts.
func streamIDs(t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, natsx.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var env event.Envelope
		if err := json.Unmarshal(m.Data, &env); err != nil {
			t.Fatal(err)
		}
		if m.Header.Get(jetstream.MsgIDHeader) != env.ID.String() {
			t.Fatalf("Nats-Msg-Id %q differs from event id %s", m.Header.Get(jetstream.MsgIDHeader), env.ID)
		}
		got[env.ID.String()]++
	}
	return got
}

func TestRelayCrashBetweenPublishAndMarkDeliversOnce(t *testing.T) {
	r, js := setup(t)
	ctx := context.Background()
	want := addEvents(t, r, 120)

	r.CrashAfter(30) // publishes 30 rows, then "crashes" before marking them
	if _, err := r.RelayOnce(ctx); err == nil {
		t.Fatal("expected simulated crash")
	}
	if got := streamIDs(t, js); len(got) != 30 {
		t.Fatalf("after crash the stream holds %d, want 30", len(got))
	}

	restarted := &outbox.Relay{Pool: r.Pool, JS: r.JS, Batch: 50}
	total := 0
	for {
		n, err := restarted.RelayOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 120 {
		t.Fatalf("relayed %d rows, want 120", total)
	}
	got := streamIDs(t, js)
	if len(got) != len(want) {
		t.Fatalf("stream holds %d distinct events, want %d", len(got), len(want))
	}
	for id, c := range got {
		if !want[id] || c != 1 {
			t.Fatalf("event %s stored %d times (known=%v)", id, c, want[id])
		}
	}
	var left int
	if err := r.Pool.QueryRow(ctx, "SELECT count(*) FROM outbox WHERE published_at IS NULL").Scan(&left); err != nil || left != 0 {
		t.Fatalf("unpublished rows left: %d (%v)", left, err)
	}
}

// A transaction that commits after a later one must still be relayed.
func TestRelayDoesNotSkipOutOfOrderCommits(t *testing.T) {
	r, js := setup(t)
	ctx := context.Background()
	slow, err := r.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e1, _ := event.New(event.PartyCreated, map[string]string{"who": "slow"}, time.Now())
	if err := outbox.Add(ctx, slow, e1); err != nil { // takes the lower seq
		t.Fatal(err)
	}
	addEvents(t, r, 3) // commits first with higher seqs
	if n, err := r.RelayOnce(ctx); err != nil || n != 3 {
		t.Fatalf("first pass relayed %d (%v)", n, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("second pass relayed %d (%v), the late commit was skipped", n, err)
	}
	if got := streamIDs(t, js); got[e1.Envelope.ID.String()] != 1 || len(got) != 4 {
		t.Fatalf("stream: %v", got)
	}
}

// Run wakes on Wake and several relays in parallel never duplicate.
func TestConcurrentRelaysRunLoop(t *testing.T) {
	r, js := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var relays []*outbox.Relay
	for i := 0; i < 3; i++ {
		rr := &outbox.Relay{Pool: r.Pool, JS: r.JS, Batch: 20, Poll: time.Hour}
		relays = append(relays, rr)
		wg.Add(1)
		go func() { defer wg.Done(); _ = rr.Run(ctx) }()
	}
	want := addEvents(t, r, 200)
	for _, rr := range relays {
		rr.Wake()
	}
	waittest.Until(t, "the relays publishing all 200 events", func() bool {
		var left int
		_ = r.Pool.QueryRow(ctx, "SELECT count(*) FROM outbox WHERE published_at IS NULL").Scan(&left)
		return left == 0
	})
	cancel()
	wg.Wait()
	got := streamIDs(t, js)
	if len(got) != len(want) {
		t.Fatalf("stream holds %d, want %d", len(got), len(want))
	}
	for id, c := range got {
		if c != 1 {
			t.Fatalf("event %s stored %d times", id, c)
		}
	}
}

// A row already audited when it is published (a routed copy is written so)
// is deleted by the relay; the others are marked published and kept for the
// auditor and Prune.
func TestRelayDeletesRowsAlreadyAudited(t *testing.T) {
	r, js := setup(t)
	ctx := context.Background()
	e, err := event.New(event.FinancingAccepted, map[string]int{"i": 1}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	copyOf := event.RoutedCopy(e, event.ForLender("lender-1", event.FinancingAccepted))
	if err := outbox.Add(ctx, r.Pool, e, copyOf); err != nil {
		t.Fatal(err)
	}
	if n, err := r.RelayOnce(ctx); err != nil || n != 2 {
		t.Fatalf("relayed %d (%v), want 2", n, err)
	}
	var rows, published int
	if err := r.Pool.QueryRow(ctx, "SELECT count(*), count(published_at) FROM outbox").Scan(&rows, &published); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || published != 1 {
		t.Fatalf("%d rows (%d published) left, want the event itself, published", rows, published)
	}
	if got := streamIDs(t, js); got[e.Envelope.ID.String()] != 1 || got[copyOf.Envelope.ID.String()] != 1 {
		t.Fatalf("stream: %v", got)
	}
}
