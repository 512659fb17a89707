package financingdb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	// The scheduler's claims sweep every program, so they run alone first.
	t.Run("Claims", func(t *testing.T) { testClaims(t, pool) })
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"InsertRoundTrip":            testInsertRoundTrip,
		"ViewerScope":                testViewerScope,
		"OneLiveFinancingPerInvoice": testInvoiceTaken,
		"ReserveCheckedAndRelease":   testReserve,
		"SetStatusGuard":             testSetStatus,
		"ListPagesAndFiltersOffer":   testList,
		"ForFile":                    testForFile,
		"LinesAndLiveFace":           testLinesAndLiveFace,
	})
}

func get(t *testing.T, w world, id uuid.UUID) financing.Financing {
	t.Helper()
	f, err := financingdb.Get(context.Background(), w.Pool, w.as("operator"), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func testInsertRoundTrip(t *testing.T, pool *pgxpool.Pool) {
	w := newWorld(t, pool)
	o := w.AcceptedQuote(t, "2500.00", "2475.32")
	a := w.financing(t, o, "1250.00", "12.34", "2026-11-24", "2027-01-25")
	b := w.financing(t, o, "1250.00", "12.34", "2026-11-24", "2027-02-25")
	b.SpreadBps = 375 // each line's own tenor bucket
	w.insert(t, a, b)
	got := get(t, w, a.ID)
	if got.Face.StringFixed(2) != "1250.00" || got.Discount.StringFixed(2) != "12.34" || got.Net.StringFixed(2) != "1237.66" ||
		got.ReferenceRate.StringFixed(6) != "7.120000" || !got.ReferenceRate.Equal(a.ReferenceRate) {
		t.Fatalf("amounts %s %s %s at %s", got.Face, got.Discount, got.Net, got.ReferenceRate)
	}
	if got.OfferID != o || got.InvoiceID != a.InvoiceID || got.ProgramID != w.Program || got.LenderID != w.Lender || got.SupplierID != w.Supplier ||
		got.BuyerID != w.Buyer || got.Currency != "MXN" || got.SpreadBps != 350 || got.ReferenceIndex != "TIIE_FONDEO" ||
		!got.ReferenceDate.Equal(a.ReferenceDate) || !got.ValueDate.Equal(a.ValueDate) || !got.Maturity.Equal(a.Maturity) ||
		got.Status != financing.Accepted || !got.AcceptedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("round trip %+v", got)
	}
	if g := get(t, w, b.ID); g.SpreadBps != 375 || !g.Maturity.Equal(pgtest.Day("2027-02-25")) {
		t.Fatalf("second line: spread %d, maturity %v", g.SpreadBps, g.Maturity)
	}
	// The table keeps face = discount + net.
	bad := w.financing(t, o, "100.00", "1.00", "2026-11-24", "2027-01-25")
	bad.Net = pgtest.Amount("98.00")
	if err := financingdb.Insert(context.Background(), pool, []financing.Financing{bad}); pgtest.Code(err) != "23514" {
		t.Fatalf("face != discount + net: %v, want a check violation", err)
	}
}

func testViewerScope(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	f := w.insert(t, w.financing(t, w.AcceptedQuote(t, "100.00", "99.00"), "100.00", "1.00", "2026-11-24", "2027-01-25"))[0]
	for _, c := range append(w.Sights(other.World, "buyer", "supplier", "lender"),
		pgtest.Blind("lender as buyer", w.Lender, "buyer"), pgtest.Blind("unknown role", w.Lender, "auditor")) {
		v := financingdb.Viewer(c.Viewer)
		_, err := financingdb.Get(ctx, pool, v, f.ID)
		c.Check(t, "Get", err, financing.ErrNotFound)
		c.Check(t, "GetForUpdate", pgtest.ForUpdate(pool, func(tx pgx.Tx) (financing.Financing, error) { return financingdb.GetForUpdate(ctx, tx, v, f.ID) }),
			financing.ErrNotFound)
		list, err := financingdb.List(ctx, pool, v, uuid.Nil, uuid.Nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		c.CheckListed(t, "List", slices.ContainsFunc(list, func(x financing.Financing) bool { return x.ID == f.ID }))
	}
}

func testInvoiceTaken(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	o := w.AcceptedQuote(t, "100.00", "99.00")
	first := w.insert(t, w.financing(t, o, "100.00", "1.00", "2026-11-24", "2027-01-25"))[0]
	second := w.financing(t, o, "100.00", "1.00", "2026-11-24", "2027-01-25")
	second.InvoiceID = first.InvoiceID
	if err := financingdb.Insert(ctx, pool, []financing.Financing{second}); !errors.Is(err, financingdb.ErrInvoiceTaken) {
		t.Fatalf("second live financing: %v, want ErrInvoiceTaken", err)
	}
	// IsInvoiceTaken reads the same refusal from a raw error (a queued batch's)
	// and no other unique violation.
	raw := func(id, invoiceID uuid.UUID) error {
		_, err := pool.Exec(ctx, `INSERT INTO financings SELECT $1, offer_id, $2, program_id, lender_id, supplier_id, buyer_id, currency, face,
			discount, net, spread_bps, reference_index, reference_date, reference_rate, value_date, maturity, 'accepted', accepted_at, updated_at
			FROM financings WHERE id = $3`, id, invoiceID, first.ID)
		return err
	}
	if err := raw(second.ID, first.InvoiceID); !financingdb.IsInvoiceTaken(err) {
		t.Fatalf("raw second live financing: %v, want IsInvoiceTaken", err)
	}
	if err := raw(first.ID, w.Invoice(t, "financed", "100.00", "2027-06-30")); err == nil || financingdb.IsInvoiceTaken(err) || pgtest.Code(err) != "23505" {
		t.Fatalf("duplicate id: %v, want a unique violation that is not IsInvoiceTaken", err)
	}
	if financingdb.IsInvoiceTaken(nil) || financingdb.IsInvoiceTaken(financingdb.ErrInvoiceTaken) {
		t.Fatal("IsInvoiceTaken of a non-database error")
	}
	// A failed funding frees the invoice for another financing.
	w.setStatus(t, first.ID, financing.FundingFailed)
	if err := financingdb.Insert(ctx, pool, []financing.Financing{second}); err != nil {
		t.Fatalf("after the first failed funding: %v", err)
	}
}

func testReserve(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	if err := financingdb.ReserveChecked(ctx, pool, w.Program, w.Lender, pgtest.Amount("9999.99")); err != nil {
		t.Fatal(err)
	}
	if e := w.exposure(t); e.StringFixed(2) != "9999.99" {
		t.Fatalf("exposure %s", e)
	}
	err := financingdb.ReserveChecked(ctx, pool, w.Program, w.Lender, pgtest.Amount("0.02"))
	if !financingdb.IsLimitExceeded(err) {
		t.Fatalf("a cent over the limit: %v, want IsLimitExceeded", err)
	}
	if err := financingdb.ReserveChecked(ctx, pool, w.Program, w.Lender, pgtest.Amount("0.01")); err != nil {
		t.Fatalf("up to exactly the limit: %v", err)
	}
	if e := w.exposure(t); e.StringFixed(2) != "10000.00" {
		t.Fatalf("exposure %s, want the limit", e)
	}
	if err := financingdb.Release(ctx, pool, w.Program, w.Lender, pgtest.Amount("1250.00")); err != nil {
		t.Fatal(err)
	}
	if e := w.exposure(t); e.StringFixed(2) != "8750.00" {
		t.Fatalf("exposure after release %s", e)
	}
	if e := other.exposure(t); !e.IsZero() {
		t.Fatalf("another line's exposure moved to %s", e)
	}
	// Another table's CHECK is not the limit.
	_, err = pool.Exec(ctx, "UPDATE invoices SET netted_amount = face_amount + 1 WHERE id = $1", other.Invoice(t, "financed", "1.00", "2027-06-30"))
	if pgtest.Code(err) != "23514" || financingdb.IsLimitExceeded(err) {
		t.Fatalf("invoices check: %v, must not be IsLimitExceeded", err)
	}
	if financingdb.IsLimitExceeded(nil) {
		t.Fatal("IsLimitExceeded(nil)")
	}
}

func testSetStatus(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	f := w.insert(t, w.financing(t, w.AcceptedQuote(t, "100.00", "99.00"), "100.00", "1.00", "2026-11-24", "2027-01-25"))[0]
	if err := financingdb.SetStatus(ctx, pool, f, financing.FundingInstructed, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// f still says accepted: a stale caller fails instead of overwriting.
	if err := financingdb.SetStatus(ctx, pool, f, financing.FundingFailed, t0.Add(2*time.Hour)); !errors.Is(err, financing.ErrTransition) {
		t.Fatalf("stale move: %v, want ErrTransition", err)
	}
	cur := get(t, w, f.ID)
	if cur.Status != financing.FundingInstructed || !cur.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("status %s at %v", cur.Status, cur.UpdatedAt)
	}
	settled := func() *time.Time {
		var at *time.Time
		if err := pool.QueryRow(ctx, "SELECT settled_at FROM financings WHERE id = $1", f.ID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, to := range []financing.Status{financing.Funded, financing.Repaid} {
		if settled() != nil {
			t.Fatalf("settled before repaid (%s)", cur.Status)
		}
		if err := financingdb.SetStatus(ctx, pool, cur, to, t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		cur = get(t, w, f.ID)
	}
	if at := settled(); at == nil || !at.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("repaid financing settled at %v", at)
	}
}

func testList(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	o1, o2 := w.AcceptedQuote(t, "300.00", "297.00"), w.AcceptedQuote(t, "200.00", "198.00")
	var want []uuid.UUID
	for range 3 {
		want = append(want, w.insert(t, w.financing(t, o1, "100.00", "1.00", "2026-11-24", "2027-01-25"))[0].ID)
	}
	for range 2 {
		w.insert(t, w.financing(t, o2, "100.00", "1.00", "2026-11-24", "2027-01-25"))
	}
	var got []uuid.UUID
	var after uuid.UUID
	for {
		page, err := financingdb.List(ctx, pool, w.as("supplier"), o1, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page {
			got, after = append(got, f.ID), f.ID
		}
		if len(page) < 2 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("offer's financings paged %v, want %v", got, want)
	}
	all, err := financingdb.List(ctx, pool, w.as("lender"), uuid.Nil, uuid.Nil, 100)
	if err != nil || len(all) != 5 {
		t.Fatalf("lender's financings: %d, %v; want 5", len(all), err)
	}
	byIDs, err := financingdb.ByIDs(ctx, pool, []uuid.UUID{want[2], want[0], uuid.Must(uuid.NewV7())})
	if err != nil || len(byIDs) != 2 || byIDs[0].ID != want[0] || byIDs[1].ID != want[2] {
		t.Fatalf("ByIDs %v, %v; want the two known in id order", byIDs, err)
	}
}

func testForFile(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	o := w.AcceptedQuote(t, "500.00", "495.00")
	mk := func(vd, mat string, s financing.Status) uuid.UUID {
		f := w.insert(t, w.financing(t, o, "100.00", "1.00", vd, mat))[0]
		if s != financing.Accepted {
			w.setStatus(t, f.ID, s)
		}
		return f.ID
	}
	accepted := mk("2026-08-03", "2026-10-01", financing.Accepted)
	instructedNoLeg := mk("2026-08-03", "2026-10-01", financing.FundingInstructed)
	instructedLeg := mk("2026-08-03", "2026-10-01", financing.Funded)
	otherDay := mk("2026-08-04", "2026-10-01", financing.Accepted)
	due := mk("2026-07-01", "2026-10-01", financing.Due)
	repaidLeg := mk("2026-07-01", "2026-10-01", financing.Repaid)
	mk("2026-07-01", "2026-10-01", financing.Repaid) // repaid, never in a file
	other.insert(t, other.financing(t, other.AcceptedQuote(t, "100.00", "99.00"), "100.00", "1.00", "2026-08-03", "2026-10-01"))
	leg := func(id uuid.UUID, leg, e2e string, debtor, creditor uuid.UUID) {
		pgtest.Exec(t, pool, `INSERT INTO payment_legs (financing_id, leg, end_to_end_id, debtor_id, creditor_id, amount, currency, execution_date, status, instructed_at)
			VALUES ($1, $2, $3, $4, $5, 99.00, 'MXN', '2026-08-03', 'instructed', $6)`, id, leg, e2e, debtor, creditor, t0)
	}
	leg(instructedLeg, "disbursement", "CD"+instructedLeg.String()[:32], w.Lender, w.Supplier)
	leg(repaidLeg, "repayment", "CR"+repaidLeg.String()[:32], w.Buyer, w.Lender)

	file := func(repayment bool, debtor uuid.UUID, date string) []uuid.UUID {
		t.Helper()
		var ids []uuid.UUID
		err := db.Runner{Pool: pool}.InTx(ctx, func(tx pgx.Tx) error {
			fs, err := financingdb.ForFile(ctx, tx, repayment, debtor, pgtest.Day(date))
			for _, f := range fs {
				ids = append(ids, f.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	sorted := func(ids ...uuid.UUID) []uuid.UUID {
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		return ids
	}
	if got, want := file(false, w.Lender, "2026-08-03"), sorted(accepted, instructedLeg); !slices.Equal(got, want) {
		t.Fatalf("disbursements on 08-03: %v, want %v (not %v, %v)", got, want, instructedNoLeg, otherDay)
	}
	if got := file(false, w.Buyer, "2026-08-03"); len(got) != 0 {
		t.Fatalf("disbursements with the buyer as debtor: %v", got)
	}
	if got, want := file(true, w.Buyer, "2026-10-01"), sorted(instructedLeg, due, repaidLeg); !slices.Equal(got, want) {
		t.Fatalf("repayments on 10-01: %v, want %v", got, want)
	}
}

func testLinesAndLiveFace(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	o := w.AcceptedQuote(t, "1000.00", "990.00")
	live := w.insert(t, w.financing(t, o, "1250.10", "1.00", "2026-11-24", "2027-01-25"), w.financing(t, o, "0.05", "0.01", "2026-11-24", "2027-01-25"),
		w.financing(t, o, "300.00", "1.00", "2026-11-24", "2027-01-25"), w.financing(t, o, "400.00", "1.00", "2026-11-24", "2027-01-25"))
	w.setStatus(t, live[2].ID, financing.Repaid)
	w.setStatus(t, live[3].ID, financing.FundingFailed)
	if err := financingdb.ReserveChecked(ctx, pool, w.Program, w.Lender, pgtest.Amount("1250.15")); err != nil {
		t.Fatal(err)
	}
	faces, err := financingdb.LiveFace(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if got := faces[[2]uuid.UUID{w.Program, w.Lender}]; got.StringFixed(2) != "1250.15" {
		t.Fatalf("live face %s, want 1250.15 (repaid and failed excluded)", got)
	}
	lines, err := financingdb.Lines(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(lines, func(l financingdb.Line) bool { return l.ProgramID == w.Program && l.LenderID == w.Lender })
	if i < 0 || lines[i].Currency != "MXN" || lines[i].Exposure.StringFixed(2) != "1250.15" {
		t.Fatalf("line %+v", lines[i:])
	}
	if !slices.IsSortedFunc(lines, func(a, b financingdb.Line) int {
		if c := slices.Compare(a.ProgramID[:], b.ProgramID[:]); c != 0 {
			return c
		}
		return slices.Compare(a.LenderID[:], b.LenderID[:])
	}) {
		t.Fatal("lines not in (program, lender) order")
	}
}

func testClaims(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	o := w.AcceptedQuote(t, "500.00", "495.00")
	late := w.insert(t, w.financing(t, o, "100.00", "1.00", "2026-06-10", "2026-08-10"))[0]
	maturing := w.insert(t, w.financing(t, o, "100.00", "1.00", "2026-04-10", "2026-06-10"))[0]
	overdue := w.insert(t, w.financing(t, o, "100.00", "1.00", "2026-04-10", "2026-06-10"))[0]
	w.setStatus(t, maturing.ID, financing.Funded)
	w.setStatus(t, overdue.ID, financing.Due)

	claim := func(tx pgx.Tx, c string, at time.Time, window int) []uuid.UUID {
		t.Helper()
		got, err := financingdb.Claim(ctx, tx, c, at, window, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, s := range got {
			if s.Calendar != "MX" || s.TimeZone != "America/Mexico_City" || s.GraceDays != 3 {
				t.Fatalf("program terms %+v", s)
			}
			ids = append(ids, s.ID)
		}
		return ids
	}
	inTx := func(fn func(pgx.Tx)) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck
		fn(tx)
	}
	mx := func(s string) time.Time { // a Mexico City wall clock (UTC-6, no DST since 2022)
		at, err := time.Parse("2006-01-02 15:04:05 -0700", s+" -0600")
		if err != nil {
			panic(err)
		}
		return at
	}
	for _, c := range []struct {
		name   string
		claim  string
		at     string
		window int
		want   []uuid.UUID
	}{
		{"funding: a second before the cut-off", financingdb.ClaimFundingLate, "2026-06-10 12:59:59", 0, nil},
		{"funding: exactly at the cut-off", financingdb.ClaimFundingLate, "2026-06-10 13:00:00", 0, []uuid.UUID{late.ID}},
		{"maturing: the evening before", financingdb.ClaimMaturing, "2026-06-09 23:59:59", 0, nil},
		{"maturing: from midnight in Mexico City", financingdb.ClaimMaturing, "2026-06-10 00:00:00", 0, []uuid.UUID{maturing.ID}},
		{"reminders: outside the window", financingdb.ClaimReminders, "2026-06-06 12:00:00", 3, nil},
		{"reminders: within the window", financingdb.ClaimReminders, "2026-06-07 12:00:00", 3, []uuid.UUID{maturing.ID}},
		{"overdue: on the maturity day", financingdb.ClaimOverdue, "2026-06-10 23:00:00", 0, nil},
		{"overdue: the day after", financingdb.ClaimOverdue, "2026-06-11 00:00:00", 0, []uuid.UUID{overdue.ID}},
	} {
		inTx(func(tx pgx.Tx) {
			if got := claim(tx, c.claim, mx(c.at), c.window); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		})
	}
	// A reminded financing is not claimed for a reminder again.
	if err := financingdb.MarkReminded(ctx, pool, maturing.ID, t0); err != nil {
		t.Fatal(err)
	}
	inTx(func(tx pgx.Tx) {
		if got := claim(tx, financingdb.ClaimReminders, mx("2026-06-09 12:00:00"), 3); len(got) != 0 {
			t.Fatalf("reminded again: %v", got)
		}
	})
	// A second scheduler skips what the first holds instead of waiting.
	inTx(func(first pgx.Tx) {
		if got := claim(first, financingdb.ClaimMaturing, mx("2026-06-12 00:00:00"), 0); !slices.Equal(got, []uuid.UUID{maturing.ID}) {
			t.Fatalf("first claim %v", got)
		}
		inTx(func(second pgx.Tx) {
			if got := claim(second, financingdb.ClaimMaturing, mx("2026-06-12 00:00:00"), 0); len(got) != 0 {
				t.Fatalf("second claim %v, want the locked row skipped", got)
			}
		})
	})
}
