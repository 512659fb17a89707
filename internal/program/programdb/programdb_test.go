package programdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
)

var t0 = pgtest.T0

func dec(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

var newParty = pgtest.NewParty

func newProgram(buyer uuid.UUID, name string) program.Program {
	return program.Program{ID: uuid.Must(uuid.NewV7()), BuyerID: buyer, Name: name, Currency: money.MXN, ReferenceIndex: "TIIE_FONDEO",
		MaxSpreadBps: 800, DayCount: "ACT/360", Calendar: "MX", BusinessDayRule: "modified_following", TimeZone: "America/Mexico_City",
		FundingCutoff: "13:30", MinDays: 7, MaxTenorDays: 180, GraceDays: 3, Rounding: "half_even", AuctionWindowMinutes: 45, CreatedAt: t0}
}

func insert(t *testing.T, pool *pgxpool.Pool, p program.Program) program.Program {
	t.Helper()
	if err := programdb.Insert(context.Background(), pool, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"InsertGetRoundTrip":       testRoundTrip,
		"DuplicateNamePerBuyer":    testDuplicateName,
		"ViewerScopesGet":          testViewerScopesGet,
		"ViewerScopesListAndPages": testViewerScopesList,
		"Suppliers":                testSuppliers,
		"Lenders":                  testLenders,
	})
}

func testRoundTrip(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	buyer := newParty(t, pool, "buyer")
	p := newProgram(buyer, "Proveedores 2026")
	p.MaxInvoiceAmount, p.MaxEffectiveRate = dec("1250000.00"), dec("36.125000")
	insert(t, pool, p)
	got, err := programdb.Get(ctx, pool, programdb.Viewer{PartyID: buyer, Role: "buyer"}, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxInvoiceAmount == nil || got.MaxInvoiceAmount.StringFixed(2) != "1250000.00" || !got.MaxInvoiceAmount.Equal(*p.MaxInvoiceAmount) ||
		got.MaxEffectiveRate == nil || !got.MaxEffectiveRate.Equal(*p.MaxEffectiveRate) {
		t.Fatalf("limits %v, %v; want 1250000.00, 36.125", got.MaxInvoiceAmount, got.MaxEffectiveRate)
	}
	got.MaxInvoiceAmount, got.MaxEffectiveRate, p.MaxInvoiceAmount, p.MaxEffectiveRate = nil, nil, nil, nil
	got.CreatedAt, p.CreatedAt = got.CreatedAt.UTC(), p.CreatedAt.UTC()
	if got != p {
		t.Fatalf("round trip\n got %+v\nwant %+v", got, p)
	}
	// Optional limits stay absent.
	q := insert(t, pool, newProgram(buyer, "Sin límites"))
	got, err = programdb.Get(ctx, pool, programdb.Viewer{Role: "operator"}, q.ID)
	if err != nil || got.MaxInvoiceAmount != nil || got.MaxEffectiveRate != nil {
		t.Fatalf("program without limits: %v, %v (%v)", got.MaxInvoiceAmount, got.MaxEffectiveRate, err)
	}
}

func testDuplicateName(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	buyer, other := newParty(t, pool, "buyer"), newParty(t, pool, "buyer")
	insert(t, pool, newProgram(buyer, "Programa"))
	if err := programdb.Insert(ctx, pool, newProgram(buyer, "Programa")); !errors.Is(err, program.ErrDuplicateName) {
		t.Fatalf("same name for the same buyer: %v, want ErrDuplicateName", err)
	}
	if err := programdb.Insert(ctx, pool, newProgram(other, "Programa")); err != nil {
		t.Fatalf("same name for another buyer: %v", err)
	}
}

func testViewerScopesGet(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	buyer, otherBuyer := newParty(t, pool, "buyer"), newParty(t, pool, "buyer")
	supplier, stranger := newParty(t, pool, "supplier"), newParty(t, pool, "supplier")
	lender, otherLender := newParty(t, pool, "lender"), newParty(t, pool, "lender")
	p := insert(t, pool, newProgram(buyer, "Visible"))
	if err := programdb.EnrollSupplier(ctx, pool, program.SupplierEnrollment{ProgramID: p.ID, SupplierID: supplier, EnrolledAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := programdb.EnrollLender(ctx, pool, program.LenderLimit{ProgramID: p.ID, LenderID: lender, CreditLimit: *dec("1000000.00"), EnrolledAt: t0}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v    programdb.Viewer
		sees bool
	}{
		{programdb.Viewer{Role: "operator"}, true},
		{programdb.Viewer{PartyID: buyer, Role: "buyer"}, true},
		{programdb.Viewer{PartyID: supplier, Role: "supplier"}, true},
		{programdb.Viewer{PartyID: lender, Role: "lender"}, true},
		{programdb.Viewer{PartyID: otherBuyer, Role: "buyer"}, false},
		{programdb.Viewer{PartyID: stranger, Role: "supplier"}, false},
		{programdb.Viewer{PartyID: otherLender, Role: "lender"}, false},
		// A role must match the relation: the buyer is not a supplier of its program.
		{programdb.Viewer{PartyID: buyer, Role: "supplier"}, false},
		{programdb.Viewer{PartyID: supplier, Role: "lender"}, false},
	} {
		got, err := programdb.Get(ctx, pool, c.v, p.ID)
		switch {
		case c.sees && (err != nil || got.ID != p.ID):
			t.Errorf("%+v: %v, want the program", c.v, err)
		case !c.sees && !errors.Is(err, program.ErrNotFound):
			t.Errorf("%+v: %v, want ErrNotFound", c.v, err)
		}
	}
	if _, err := programdb.Get(ctx, pool, programdb.Viewer{Role: "operator"}, uuid.Must(uuid.NewV7())); !errors.Is(err, program.ErrNotFound) {
		t.Fatalf("unknown program: %v, want ErrNotFound", err)
	}
}

func testViewerScopesList(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	buyer, otherBuyer := newParty(t, pool, "buyer"), newParty(t, pool, "buyer")
	lender := newParty(t, pool, "lender")
	var mine []uuid.UUID
	for _, name := range []string{"A", "B", "C", "D", "E"} {
		mine = append(mine, insert(t, pool, newProgram(buyer, name)).ID)
	}
	insert(t, pool, newProgram(otherBuyer, "A"))
	for _, id := range mine[1:3] {
		if err := programdb.EnrollLender(ctx, pool, program.LenderLimit{ProgramID: id, LenderID: lender, CreditLimit: *dec("1.00"), EnrolledAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	// The buyer's five, two a page, in id order.
	var got []uuid.UUID
	var after uuid.UUID
	for {
		page, err := programdb.List(ctx, pool, programdb.Viewer{PartyID: buyer, Role: "buyer"}, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			got, after = append(got, p.ID), p.ID
		}
		if len(page) < 2 {
			break
		}
	}
	if len(got) != len(mine) {
		t.Fatalf("buyer listed %d programs, want %d", len(got), len(mine))
	}
	for i := range mine {
		if got[i] != mine[i] {
			t.Fatalf("buyer's programs %v, want %v", got, mine)
		}
	}
	lent, err := programdb.List(ctx, pool, programdb.Viewer{PartyID: lender, Role: "lender"}, uuid.Nil, 10)
	if err != nil || len(lent) != 2 || lent[0].ID != mine[1] || lent[1].ID != mine[2] {
		t.Fatalf("lender lists %+v, %v; want the two it is enrolled in", lent, err)
	}
}

func testSuppliers(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := insert(t, pool, newProgram(newParty(t, pool, "buyer"), "Suppliers"))
	late, early := newParty(t, pool, "supplier"), newParty(t, pool, "supplier")
	for _, e := range []program.SupplierEnrollment{{ProgramID: p.ID, SupplierID: late, EnrolledAt: t0.Add(time.Hour)}, {ProgramID: p.ID, SupplierID: early, EnrolledAt: t0}} {
		if err := programdb.EnrollSupplier(ctx, pool, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := programdb.EnrollSupplier(ctx, pool, program.SupplierEnrollment{ProgramID: p.ID, SupplierID: early, EnrolledAt: t0.Add(2 * time.Hour)}); !errors.Is(err, program.ErrAlreadyEnrolled) {
		t.Fatalf("second enrolment: %v, want ErrAlreadyEnrolled", err)
	}
	got, err := programdb.ListSuppliers(ctx, pool, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SupplierID != early || got[1].SupplierID != late || !got[0].EnrolledAt.Equal(t0) ||
		got[0].LegalName != "Party "+early.String()[:8] || got[0].TaxID != early.String() {
		t.Fatalf("suppliers %+v, want early then late with their names and tax ids", got)
	}
}

func testLenders(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := insert(t, pool, newProgram(newParty(t, pool, "buyer"), "Lenders"))
	a, b := newParty(t, pool, "lender"), newParty(t, pool, "lender")
	for _, l := range []program.LenderLimit{
		{ProgramID: p.ID, LenderID: a, CreditLimit: *dec("1250.00"), EnrolledAt: t0},
		{ProgramID: p.ID, LenderID: b, CreditLimit: *dec("99999999999999999.99"), EnrolledAt: t0.Add(time.Minute)},
	} {
		if err := programdb.EnrollLender(ctx, pool, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := programdb.EnrollLender(ctx, pool, program.LenderLimit{ProgramID: p.ID, LenderID: a, CreditLimit: *dec("5.00"), EnrolledAt: t0}); !errors.Is(err, program.ErrAlreadyEnrolled) {
		t.Fatalf("second enrolment: %v, want ErrAlreadyEnrolled", err)
	}
	if err := programdb.EnrollLender(ctx, pool, program.LenderLimit{ProgramID: p.ID, LenderID: newParty(t, pool, "lender"), CreditLimit: *dec("-0.01"), EnrolledAt: t0}); pgtest.Code(err) != "23514" {
		t.Fatalf("negative limit: %v, want a check violation", err)
	}
	all, err := programdb.ListLenders(ctx, pool, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].LenderID != a || all[1].LenderID != b {
		t.Fatalf("lenders %+v, want a then b", all)
	}
	if all[0].CreditLimit.StringFixed(2) != "1250.00" || all[1].CreditLimit.String() != "99999999999999999.99" || !all[0].Exposure.IsZero() {
		t.Fatalf("limits %s, %s, exposure %s", all[0].CreditLimit, all[1].CreditLimit, all[0].Exposure)
	}
	only, err := programdb.ListLenders(ctx, pool, p.ID, &b)
	if err != nil || len(only) != 1 || only[0].LenderID != b {
		t.Fatalf("only b: %+v, %v", only, err)
	}
}
