package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

var relayedMetric = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "cadena_outbox_relayed_total", Help: "Outbox events published to JetStream.",
})

func init() { prometheus.MustRegister(relayedMetric) }

// Relay moves unpublished outbox rows to JetStream. Several relays (one per
// replica) may run at once: rows are claimed with FOR UPDATE SKIP LOCKED.
type Relay struct {
	Pool  *pgxpool.Pool
	JS    jetstream.JetStream
	Log   *slog.Logger
	Batch int           // rows per claim; default 500
	Poll  time.Duration // fallback for rows no Wake announced (another process, a crash); default 500ms

	// crashAfter, when set by tests, fails a claim after that many publishes,
	// before the rows are marked, as a crash between publish and mark would.
	crashAfter int

	once sync.Once
	wake chan struct{}
}

// Wake tells a running relay that a transaction with outbox rows committed.
// It never blocks: wakes that arrive while the relay works fold into one.
// The platform calls it after its own commits instead of a NOTIFY trigger,
// because PostgreSQL serialises the commits of every transaction that
// notifies (a database-wide lock held through the WAL flush), which capped
// acceptances far below the disk's commit rate.
func (r *Relay) Wake() {
	r.once.Do(r.makeWake)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. It wakes on Wake and on a poll.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	wake := r.wake
	backoff := 100 * time.Millisecond
	for {
		n, err := r.RelayOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			r.Log.Error("outbox relay", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		if n == r.Batch {
			continue // more is waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-time.After(r.Poll):
		}
	}
}

func (r *Relay) makeWake() { r.wake = make(chan struct{}, 1) }

func (r *Relay) defaults() {
	r.once.Do(r.makeWake)
	if r.Batch <= 0 {
		r.Batch = 500
	}
	if r.Poll <= 0 {
		r.Poll = 500 * time.Millisecond
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
}

// RelayOnce claims one batch, publishes it and marks it. A failure before the
// mark leaves the rows for the next claim; JetStream drops the re-publish of
// any row it already stored because the message id is the event id.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	r.defaults()
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	rows, err := tx.Query(ctx, `SELECT seq, event_id::text, subject, payload::text, audited_at IS NOT NULL FROM outbox
		WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`, r.Batch)
	if err != nil {
		return 0, err
	}
	type row struct {
		seq               int64
		id, subj, payload string
		audited           bool
	}
	claimed, err := pgx.CollectRows(rows, func(rw pgx.CollectableRow) (row, error) {
		var x row
		err := rw.Scan(&x.seq, &x.id, &x.subj, &x.payload, &x.audited)
		return x, err
	})
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(claimed))
	// Published now; and of those, the ones already audited (never nil: a NULL
	// array would make the UPDATE below match nothing).
	seqs, done := make([]int64, 0, len(claimed)), []int64{}
	for i, c := range claimed {
		if r.crashAfter > 0 && i == r.crashAfter {
			break
		}
		msg := &nats.Msg{Subject: c.subj, Data: []byte(c.payload), Header: nats.Header{}}
		f, err := r.JS.PublishMsgAsync(msg, jetstream.WithMsgID(c.id))
		if err != nil {
			return 0, fmt.Errorf("publish %s: %w", c.id, err)
		}
		futures = append(futures, f)
		seqs = append(seqs, c.seq)
		if c.audited {
			done = append(done, c.seq)
		}
	}
	timeout := time.After(10 * time.Second)
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return 0, fmt.Errorf("publish ack: %w", err)
		case <-timeout:
			return 0, errors.New("publish ack: timed out")
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if r.crashAfter > 0 {
		return 0, errors.New("outbox: simulated crash before mark")
	}
	// A row both published and audited has nothing left to do: deleting it
	// costs far less than writing a new version of it (the routed copies,
	// three of an acceptance's four rows, are written audited). The rest are
	// marked, and Prune deletes them once audited and old.
	if _, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM outbox WHERE seq = ANY($2))
		UPDATE outbox SET published_at = now() WHERE seq = ANY($1) AND seq <> ALL($2)`, seqs, done); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	relayedMetric.Add(float64(len(seqs)))
	return len(seqs), nil
}

// Prune deletes rows published before the cut-off and already audited (the
// relay deletes at once those audited before it published them); the stream
// and the audit log keep the history.
func (r *Relay) Prune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := r.Pool.Exec(ctx, "DELETE FROM outbox WHERE published_at < $1 AND audited_at IS NOT NULL", before)
	return tag.RowsAffected(), err
}
