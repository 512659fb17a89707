package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cadena-finance/cadena/internal/app/demo"
)

// runSeedDemo loads whatever part of the demo is missing, then refreshes
// what ages (the fixing, standing offers, open invoices): make run calls it
// at every start, so a supplier's first login can get paid now.
func runSeedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed-demo", stdout)
	s, ctx, err := openApp(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	d, created, err := demo.Seed(ctx, s.App)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "demo loaded; every user's password is %q\n", demo.Password)
		for _, p := range append([]demo.Party{d.Operator, d.Buyer}, append(d.Suppliers, d.Lenders...)...) {
			fmt.Fprintf(stdout, "  %-9s %-36s %s  %s\n", p.Party.Kind, p.Party.LegalName, p.Party.TaxID, p.Email)
		}
		fmt.Fprintf(stdout, "  program   %s  %s\n", d.Program.Name, d.Program.ID)
	} else {
		fmt.Fprintln(stdout, "demo already loaded")
	}
	r, err := demo.Refresh(ctx, s.App, d)
	if err != nil {
		return err
	}
	if r.Fixing != nil {
		fmt.Fprintf(stdout, "  fixing    %s %s %s %%\n", r.Fixing.Index, r.Fixing.Date.Format(time.DateOnly), r.Fixing.Percent.StringFixed(2))
	}
	fmt.Fprintf(stdout, "  %d standing offers set, %d invoices published\n", r.StandingOffers, r.Invoices)
	return nil
}
