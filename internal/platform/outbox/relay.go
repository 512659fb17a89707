package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	Poll  time.Duration // fallback when no NOTIFY arrives; default 1s

	// crashAfter, when set by tests, fails a claim after that many publishes,
	// before the rows are marked, as a crash between publish and mark would.
	crashAfter int
}

// Run relays until ctx ends. It wakes on NOTIFY cadena_outbox and on a poll.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	wake := make(chan struct{}, 1)
	go r.listen(ctx, wake)
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

func (r *Relay) defaults() {
	if r.Batch <= 0 {
		r.Batch = 500
	}
	if r.Poll <= 0 {
		r.Poll = time.Second
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
	rows, err := tx.Query(ctx, `SELECT seq, event_id::text, subject, payload::text FROM outbox
		WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`, r.Batch)
	if err != nil {
		return 0, err
	}
	type row struct {
		seq               int64
		id, subj, payload string
	}
	claimed, err := pgx.CollectRows(rows, func(rw pgx.CollectableRow) (row, error) {
		var x row
		err := rw.Scan(&x.seq, &x.id, &x.subj, &x.payload)
		return x, err
	})
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(claimed))
	seqs := make([]int64, 0, len(claimed))
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
	if _, err := tx.Exec(ctx, "UPDATE outbox SET published_at = now() WHERE seq = ANY($1)", seqs); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	relayedMetric.Add(float64(len(seqs)))
	return len(seqs), nil
}

// Prune deletes rows published before the cut-off and already audited; the
// stream and the audit log keep the history.
func (r *Relay) Prune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := r.Pool.Exec(ctx, "DELETE FROM outbox WHERE published_at < $1 AND audited_at IS NOT NULL", before)
	return tag.RowsAffected(), err
}

func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		conn, err := r.Pool.Acquire(ctx)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		if _, err := conn.Exec(ctx, "LISTEN cadena_outbox"); err == nil {
			for {
				if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
					break
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
		conn.Hijack().Close(context.Background()) //nolint:errcheck // a LISTENing conn never returns to the pool
	}
}
