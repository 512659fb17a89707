package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	seed "github.com/cadena-finance/cadena/internal/app/demo"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
)

// After seed-demo on a fresh database a demo supplier logging in for the
// first time gets paid now: fixing, standing offers and invoices are there.
// A second run changes nothing.
func TestSeedDemoSupplierGetsPaidNow(t *testing.T) {
	seededDemo(t)
	ctx := context.Background()
	s, ctx, err := openApp(ctx, newFlagSet(), nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	demo, created, err := seed.Seed(ctx, s.App)
	if err != nil || created || demo.Program.ID == uuid.Nil || len(demo.Suppliers) != 2 {
		t.Fatalf("second seed: created %v, %+v, %v", created, demo.Program, err)
	}
	supplier := demo.Suppliers[0]
	act, err := s.App.Access.Authenticate(ctx, supplier.Email, seed.Password, "127.0.0.1")
	if err != nil || act.Role != auth.RoleSupplier {
		t.Fatalf("login: %+v %v", act, err)
	}
	page, err := s.App.Invoicing.ListInvoices(ctx, act, invoicing.InvoiceFilter{Status: invoice.Published}, uuid.Nil, 100)
	if err != nil || len(page.Items) < 8 {
		t.Fatalf("%d invoices for the supplier: %v", len(page.Items), err)
	}
	first, last := page.Items[0].DueDate, page.Items[0].DueDate
	var ids []uuid.UUID
	for _, it := range page.Items {
		first, last = minTime(first, it.DueDate), maxTime(last, it.DueDate)
		if !it.EligibleToday {
			t.Errorf("invoice %s due %s not eligible today", it.DocumentNumber, it.DueDate)
		}
		ids = append(ids, it.ID)
	}
	if last.Sub(first) < 90*24*time.Hour {
		t.Fatalf("maturities from %s to %s only", first, last)
	}
	q, err := s.App.Quoting.Quote(ctx, act, ids[:3])
	if err != nil || len(q.Offers) != 2 {
		t.Fatalf("quote: %d offers, %+v: %v", len(q.Offers), q.Unavailable, err)
	}
	fins, err := s.App.Acceptance.AcceptOffer(ctx, act, q.Offers[0].ID)
	if err != nil || len(fins) != 3 {
		t.Fatalf("accept: %d financings: %v", len(fins), err)
	}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"seed-demo"}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "demo already loaded") || !strings.Contains(got, "0 standing offers set, 0 invoices published") || strings.Contains(got, "fixing") {
		t.Fatalf("second run:\n%s", got)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
