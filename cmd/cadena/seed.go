package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cadena-finance/cadena/internal/app"
)

func runSeedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed-demo", stdout)
	s, ctx, err := openApp(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	d, created, err := s.App.SeedDemo(ctx)
	if err != nil {
		return err
	}
	if !created {
		fmt.Fprintln(stdout, "demo already loaded")
		return nil
	}
	fmt.Fprintf(stdout, "demo loaded; every user's password is %q\n", app.DemoPassword)
	for _, p := range append([]app.DemoParty{d.Operator, d.Buyer}, append(d.Suppliers, d.Lenders...)...) {
		fmt.Fprintf(stdout, "  %-9s %-36s %s  %s\n", p.Party.Kind, p.Party.LegalName, p.Party.TaxID, p.Email)
	}
	fmt.Fprintf(stdout, "  program   %s  %s\n", d.Program.Name, d.Program.ID)
	return nil
}
