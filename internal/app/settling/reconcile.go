package settling

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/ledger/ledgerdb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/settlement/settlementdb"
)

// Reconciliation is the outcome of checking every financing.
type Reconciliation struct {
	Checked      int
	TrialBalance []TrialBalanceRow
	Differences  []settlement.Difference
}

// OK reports whether everything agreed.
func (r Reconciliation) OK() bool { return len(r.Differences) == 0 }

// Reconcile checks, in one consistent snapshot, that every financing's
// state, ledger entries and confirmed legs agree (settlement.Check), that
// each lender's recorded exposure is the face of its live financings, and
// that the trial balance is zero per currency. Operators only; the CLI
// runs it as System.
func (a *App) Reconcile(ctx context.Context, act app.Actor) (Reconciliation, error) {
	if !act.Is(auth.RoleOperator) {
		return Reconciliation{}, app.ErrForbidden
	}
	return a.reconcile(ctx, nil)
}

// ReconcileFinancings is Reconcile restricted to some financings (plus the
// trial balance and the exposure lines), for checks after each step.
func (a *App) ReconcileFinancings(ctx context.Context, ids []uuid.UUID) (Reconciliation, error) {
	return a.reconcile(ctx, ids)
}

func (a *App) reconcile(ctx context.Context, only []uuid.UUID) (Reconciliation, error) {
	var out Reconciliation
	err := a.Tx().InSnapshot(ctx, func(tx pgx.Tx) error {
		out = Reconciliation{}
		var err error
		if out.TrialBalance, err = trialBalance(ctx, tx); err != nil {
			return err
		}
		for _, r := range out.TrialBalance {
			if !r.Balance.IsZero() {
				out.Differences = append(out.Differences, settlement.Difference{What: "trial_balance " + string(r.Currency), Expected: money.Format(decimal.Zero, r.Currency), Actual: money.Format(r.Balance, r.Currency)})
			}
		}
		if only != nil {
			fs, err := financingdb.ByIDs(ctx, tx, only)
			if err != nil {
				return err
			}
			if err := a.checkPage(ctx, tx, fs, &out); err != nil {
				return err
			}
		} else {
			for after := uuid.Nil; ; {
				page, err := financingdb.List(ctx, tx, viewerAll, uuid.Nil, after, 500)
				if err != nil {
					return err
				}
				if err := a.checkPage(ctx, tx, page, &out); err != nil {
					return err
				}
				if len(page) < 500 {
					break
				}
				after = page[len(page)-1].ID
			}
		}
		// The status rule (financing.Status.HoldsExposure) summed in SQL, against each line.
		exposure, err := financingdb.LiveFace(ctx, tx)
		if err != nil {
			return err
		}
		lines, err := financingdb.Lines(ctx, tx)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if want := exposure[[2]uuid.UUID{l.ProgramID, l.LenderID}]; !want.Equal(l.Exposure) {
				out.Differences = append(out.Differences, settlement.Difference{
					What:     fmt.Sprintf("exposure of lender %s in program %s", l.LenderID, l.ProgramID),
					Expected: money.Format(want, l.Currency), Actual: money.Format(l.Exposure, l.Currency)})
			}
		}
		return nil
	})
	return out, err
}

var viewerAll = financingdb.Viewer{Role: string(auth.RoleOperator)}

func (a *App) checkPage(ctx context.Context, tx pgx.Tx, fs []financing.Financing, out *Reconciliation) error {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	legs, err := settlementdb.LegsOf(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, f := range fs {
		entries, err := ledgerdb.EntriesFor(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		out.Checked++
		out.Differences = append(out.Differences, settlement.Check(settlement.Facts{Financing: f, Entries: entries, Legs: legs[f.ID]})...)
	}
	return nil
}
