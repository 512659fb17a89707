package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/validation"
)

// PreviewRow is one uploaded row as a publication would treat it.
type PreviewRow struct {
	Row    int
	Draft  invoice.Draft
	Errors validation.Errors
}

// BatchPreview is a dry run of PublishBatch.
type BatchPreview struct {
	ProgramID uuid.UUID
	Rows      []PreviewRow
	Valid     int
	Rejected  int
}

// errDryRun rolls back a preview's transaction.
var errDryRun = errors.New("dry run")

// PreviewBatch runs PublishBatch's exact checks, the database's duplicate and
// credit-note checks included, in a transaction it then rolls back: the
// preview can never disagree with the publication, and it writes nothing
// and emits nothing.
func (a *App) PreviewBatch(ctx context.Context, act Actor, in BatchInput) (BatchPreview, error) {
	if err := checkBatchInput(act, in); err != nil {
		return BatchPreview{}, err
	}
	in.Atomic = false // a preview reports every row
	var pv BatchPreview
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		p, _, out, err := a.stageBatch(ctx, tx, act, in)
		if err != nil {
			return err
		}
		rejected := make(map[int]validation.Errors, len(out.Rejected))
		for _, r := range out.Rejected {
			rejected[r.Row] = r.Errors
		}
		pv = BatchPreview{ProgramID: p.ID, Rows: make([]PreviewRow, len(in.Drafts))}
		for i, d := range in.Drafts {
			pv.Rows[i] = PreviewRow{Row: i + 1, Draft: d, Errors: rejected[i+1]}
			if pv.Rows[i].Errors != nil {
				pv.Rejected++
			} else {
				pv.Valid++
			}
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return pv, err
}

// PublishBatchOnce is PublishBatch behind a one-time form key: a second
// submission with the same key (a double click, a reload) publishes nothing
// and returns the first one's batch.
func (a *App) PublishBatchOnce(ctx context.Context, act Actor, key string, in BatchInput) (invoice.Batch, error) {
	if !act.Is(auth.RoleBuyer) {
		return invoice.Batch{}, ErrForbidden
	}
	if key == "" || len(key) > 100 {
		return invoice.Batch{}, validation.Errors{{Field: "key", Code: "invalid", Message: "the form key is missing; upload the file again"}}
	}
	tag, err := a.Pool.Exec(ctx, `INSERT INTO web_submissions (party_id, key, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, act.PartyID, key, a.Clock())
	if err != nil {
		return invoice.Batch{}, err
	}
	if tag.RowsAffected() == 0 {
		return a.awaitSubmission(ctx, act, key)
	}
	b, err := a.PublishBatch(ctx, act, in)
	if err != nil {
		// Release the key so the buyer can try again after fixing the cause.
		_, _ = a.Pool.Exec(context.WithoutCancel(ctx), `DELETE FROM web_submissions WHERE party_id = $1 AND key = $2`, act.PartyID, key)
		return b, err
	}
	_, err = a.Pool.Exec(ctx, `UPDATE web_submissions SET batch_id = $3 WHERE party_id = $1 AND key = $2`, act.PartyID, key, b.ID)
	return b, err
}

// awaitSubmission waits for the first submission under key to finish.
func (a *App) awaitSubmission(ctx context.Context, act Actor, key string) (invoice.Batch, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var id *uuid.UUID
		err := a.Pool.QueryRow(ctx, `SELECT batch_id FROM web_submissions WHERE party_id = $1 AND key = $2`, act.PartyID, key).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// The first attempt failed and released the key: nothing was published.
			return invoice.Batch{}, validation.Errors{{Field: "key", Code: "retry", Message: "the first attempt failed; upload the file again"}}
		case err != nil:
			return invoice.Batch{}, err
		case id != nil:
			b, _, err := a.GetBatch(ctx, act, *id, "", 0, 0)
			return b, err
		case time.Now().After(deadline):
			return invoice.Batch{}, errors.New("publication still running")
		}
		select {
		case <-ctx.Done():
			return invoice.Batch{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
