package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cadena-finance/cadena/internal/app"
)

// runReconcile is `cadena reconcile`: it checks every financing's state,
// ledger entries and confirmations, the lenders' exposure and the trial
// balance, prints each disagreement and exits non-zero if there is any.
func runReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reconcile", stdout)
	s, ctx, err := openApp(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	r, err := s.App.Settling.Reconcile(ctx, app.System)
	if err != nil {
		return err
	}
	for _, t := range r.TrialBalance {
		fmt.Fprintf(stdout, "trial balance %s: debits %s credits %s balance %s\n", t.Currency, t.Debits.StringFixed(2), t.Credits.StringFixed(2), t.Balance.StringFixed(2))
	}
	for _, d := range r.Differences {
		fmt.Fprintf(stdout, "financing %s: %s: expected %s, actual %s\n", d.FinancingID, d.What, d.Expected, d.Actual)
	}
	fmt.Fprintf(stdout, "checked %d financings, %d differences\n", r.Checked, len(r.Differences))
	if !r.OK() {
		return fmt.Errorf("reconciliation found %d differences", len(r.Differences))
	}
	return nil
}
