package invoicing

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
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
func (a *App) PreviewBatch(ctx context.Context, act app.Actor, in BatchInput) (BatchPreview, error) {
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
