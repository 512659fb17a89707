package db

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Runner is the one transaction runner. Every transaction of the
// application layer goes through it, so one retry policy applies to all:
// a serialization failure (40001) or a deadlock (40P01) aborts the whole
// transaction in PostgreSQL, and running it again from the start is safe.
type Runner struct {
	Pool *pgxpool.Pool
	// Committed, if set, is called after each commit (the server wakes the
	// outbox relay with it, so events leave at once).
	Committed func()
}

// attempts bounds the retries: under contention a transaction that lost
// five times in a row reports its error rather than spin.
const attempts = 5

// InTx runs fn in a READ COMMITTED transaction, committing on nil.
func (r Runner) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return r.run(ctx, pgx.TxOptions{}, fn)
}

// InSnapshot runs fn in a read-only REPEATABLE READ transaction: every
// statement sees the same snapshot (reconciliation compares tables with it).
func (r Runner) InSnapshot(ctx context.Context, fn func(pgx.Tx) error) error {
	return r.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (r Runner) run(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return r.retry(func() error { return pgx.BeginTxFunc(ctx, r.Pool, opts, fn) })
}

// InTrips runs a transaction as a few pipelined round trips on one
// connection, for the hot paths where each round trip counts. fn may Send
// batches whose reads it needs before deciding the writes; the batch it
// returns carries the writes and goes out with the COMMIT. BEGIN rides on the
// first batch sent, so a transaction with no reads is a single round trip.
func (r Runner) InTrips(ctx context.Context, fn func(ctx context.Context, t *Trips) (*Batch, error)) error {
	return r.retry(func() error {
		conn, err := r.Pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		t := &Trips{conn: conn}
		final, err := fn(ctx, t)
		if err == nil {
			if final == nil {
				final = &Batch{}
			}
			_, _ = final.Exec(ctx, "COMMIT") // queued: its error, if any, comes from Send
			err = t.Send(ctx, final)
		}
		if err != nil && t.begun {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK") // the error that matters is err
		}
		return err
	})
}

func (r Runner) retry(fn func() error) error {
	var err error
	for range attempts {
		if err = fn(); !IsRetryable(err) {
			break
		}
	}
	if err == nil && r.Committed != nil {
		r.Committed()
	}
	return err
}

// Trips sends the batches of one InTrips transaction.
type Trips struct {
	conn  *pgxpool.Conn
	begun bool
}

// Send runs b in one round trip (after BEGIN, on the first) and fills its
// reads; the statements after a failed one do not run.
func (t *Trips) Send(ctx context.Context, b *Batch) error {
	pb := &pgx.Batch{}
	if !t.begun {
		pb.Queue("BEGIN")
	}
	for _, s := range b.stmts {
		pb.Queue(s.sql, s.args...)
	}
	res := t.conn.SendBatch(ctx, pb)
	var err error
	if !t.begun {
		_, err = res.Exec()
		t.begun = true
	}
	for _, s := range b.stmts {
		switch {
		case err != nil:
			_, _ = res.Exec() // drain: PostgreSQL skipped it after the failure
		case s.read != nil:
			err = s.read(res)
		default:
			_, err = res.Exec()
		}
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return err
}

// Batch is statements for one round trip. Writes are queued with Exec, the
// same call a store makes on a transaction, so a store's write function
// taking an Execer works on both; the command tag it gets back is empty and
// any error comes from Send. Reads are queued by a store with QueueRows or
// QueueRow and a scan that fills the caller's variable when the batch is
// sent. A Batch is not a Querier: a store function that reads back cannot be
// handed one, so no read can be attempted before its result exists.
type Batch struct{ stmts []stmt }

type stmt struct {
	sql  string
	args []any
	read func(pgx.BatchResults) error
}

// Execer is what a write needs when nothing is read back before the commit:
// a transaction, a pool or a Batch.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Exec queues a write.
func (b *Batch) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	b.stmts = append(b.stmts, stmt{sql: sql, args: args})
	return pgconn.CommandTag{}, nil
}

// QueueRows queues a query whose rows scan reads when the batch is sent.
func (b *Batch) QueueRows(sql string, args []any, scan func(pgx.Rows) error) {
	b.stmts = append(b.stmts, stmt{sql: sql, args: args, read: func(r pgx.BatchResults) error {
		rows, err := r.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		return scan(rows)
	}})
}

// QueueRow queues a query of one row that scan reads when the batch is sent.
func (b *Batch) QueueRow(sql string, args []any, scan func(pgx.Row) error) {
	b.stmts = append(b.stmts, stmt{sql: sql, args: args, read: func(r pgx.BatchResults) error { return scan(r.QueryRow()) }})
}

// Len is the number of queued statements.
func (b *Batch) Len() int { return len(b.stmts) }
