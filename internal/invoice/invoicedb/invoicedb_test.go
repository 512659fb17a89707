package invoicedb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"PublishRoundTrip":           testPublishRoundTrip,
		"ViewerScope":                testViewerScope,
		"DuplicatesRefused":          testDuplicatesRefused,
		"AtomicRefusalPublishesNone": testAtomicRefusal,
		"CreditNotesNet":             testCreditNotesNet,
		"SetStatusAndHistory":        testSetStatus,
		"MoveAllRecordsEachStep":     testMoveAll,
		"ByIDsScopedInIDOrder":       testByIDs,
		"BatchesAndRows":             testBatches,
		"ListFiltersAndPages":        testList,
		"DueForExpiry":               testDueForExpiry,
	})
}

func testPublishRoundTrip(t *testing.T, pool *pgxpool.Pool) {
	w := newWorld(t, pool)
	inv := w.invoice("F-1", "1250.00", "2027-01-15")
	out := w.publish(t, w.pub(false, nil), inv)
	if out.Published != 1 || out.Invoices != 1 || len(out.Rejected) != 0 {
		t.Fatalf("outcome %+v", out)
	}
	got := get(t, pool, w.as("buyer"), inv.ID)
	if got.FaceAmount.StringFixed(2) != "1250.00" || !got.FaceAmount.Equal(pgtest.Amount("1250")) || !got.NettedAmount.IsZero() {
		t.Fatalf("amounts %s, %s", got.FaceAmount, got.NettedAmount)
	}
	if got.ProgramID != w.Program || got.BuyerID != w.Buyer || got.SupplierID != w.Supplier || got.Kind != invoice.KindInvoice ||
		got.DocumentNumber != "F-1" || got.EInvoiceID != inv.EInvoiceID || !got.IssueDate.Equal(inv.IssueDate) || !got.DueDate.Equal(inv.DueDate) ||
		got.Currency != "MXN" || got.Status != invoice.Published || got.Reference1 != "PO-F-1" || got.BatchID != nil || got.BatchRow != 0 ||
		got.PublishedBy != "user:buyer" || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("round trip %+v", got.Invoice)
	}
	if got.MinDays != 7 || got.TimeZone != "America/Mexico_City" {
		t.Fatalf("program terms %d, %q", got.MinDays, got.TimeZone)
	}
}

func testViewerScope(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	inv := w.invoice("F-1", "100.00", "2027-01-15")
	note := w.credit("NC-1", "10.00", "F-1")
	w.publish(t, w.pub(false, nil), inv)
	w.publish(t, w.pub(false, nil), note)
	check := func(c pgtest.Sight, id uuid.UUID) {
		v := invoicedb.Viewer(c.Viewer)
		_, err := invoicedb.Get(ctx, pool, v, id)
		c.Check(t, "Get", err, invoice.ErrNotFound)
		c.Check(t, "GetForUpdate", pgtest.ForUpdate(pool, func(tx pgx.Tx) (invoice.Invoice, error) { return invoicedb.GetForUpdate(ctx, tx, v, id) }),
			invoice.ErrNotFound)
	}
	// The enrolled lender sees the invoice; the supplier, its credit note too.
	for _, c := range append(w.Sights(other.World, "buyer", "supplier", "lender"), pgtest.Blind("buyer as supplier", w.Buyer, "supplier")) {
		check(c, inv.ID)
	}
	check(pgtest.Blind("enrolled lender, credit note", w.Lender, "lender"), note.ID)
	check(pgtest.Sight{Name: "supplier, credit note", Viewer: w.As("supplier"), Sees: true}, note.ID)
	// An unknown role sees nothing. (Today it is a query error rather than
	// ErrNotFound: Viewer.where binds the party id it then leaves unused.)
	if got, err := invoicedb.Get(ctx, pool, invoicedb.Viewer{PartyID: w.Buyer, Role: "auditor"}, inv.ID); err == nil {
		t.Fatalf("unknown role read %+v", got.Invoice)
	}
}

func testDuplicatesRefused(t *testing.T, pool *pgxpool.Pool) {
	w, other := newWorld(t, pool), newWorld(t, pool)
	first := w.invoice("F-1", "100.00", "2027-01-15")
	w.publish(t, w.pub(false, nil), first)

	sameDoc := w.invoice("F-1", "200.00", "2027-01-20")
	liveEInv := other.invoice("X-1", "300.00", "2027-01-20")
	liveEInv.EInvoiceID = first.EInvoiceID
	fine := w.invoice("F-2", "400.00", "2027-01-20")
	again := w.invoice("F-2", "500.00", "2027-01-20")

	out := w.publish(t, w.pub(false, nil), sameDoc, fine, again)
	if out.Published != 1 || len(out.Rejected) != 2 {
		t.Fatalf("outcome %+v, want one published and two refused", out)
	}
	if r := out.Rejected[0]; r.Row != 1 || !slices.Equal(codes(r), []string{invoice.CodeDuplicateDocument}) {
		t.Fatalf("row 1 refused with %+v, want the duplicate document", r)
	}
	if r := out.Rejected[1]; r.Row != 3 || !slices.Equal(codes(r), []string{invoice.CodeDuplicateInBatch}) {
		t.Fatalf("row 3 refused with %+v, want the repeat in the batch", r)
	}
	// The electronic invoice id is live platform-wide: another buyer is refused.
	out = other.publish(t, other.pub(false, nil), liveEInv)
	if out.Published != 0 || len(out.Rejected) != 1 || !slices.Equal(codes(out.Rejected[0]), []string{invoice.CodeEInvoiceLive}) {
		t.Fatalf("live e-invoice id elsewhere: %+v", out)
	}
	// Once cancelled it is free again.
	if err := invoicedb.SetStatus(context.Background(), pool, get(t, pool, w.as("buyer"), first.ID).Invoice, invoice.Cancelled, "user:buyer", t0); err != nil {
		t.Fatal(err)
	}
	if out := other.publish(t, other.pub(false, nil), liveEInv); out.Published != 1 {
		t.Fatalf("e-invoice id of a cancelled invoice: %+v", out)
	}
}

func testAtomicRefusal(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	w.publish(t, w.pub(false, nil), w.invoice("F-1", "100.00", "2027-01-15"))
	a, dup := w.invoice("F-2", "100.00", "2027-01-15"), w.invoice("F-1", "100.00", "2027-01-15")
	out := w.publish(t, w.pub(true, nil), a, dup)
	if out.Published != 0 || len(out.Rejected) != 1 || out.Rejected[0].Row != 2 {
		t.Fatalf("atomic batch with a refused row: %+v", out)
	}
	if _, err := invoicedb.Get(ctx, pool, w.as("operator"), a.ID); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("valid row of a refused atomic batch: %v, want it unpublished", err)
	}
	// A credit note on a missing invoice refuses an atomic batch after its invoices were inserted.
	b, note := w.invoice("F-3", "100.00", "2027-01-15"), w.credit("NC-1", "10.00", "NOPE")
	out = w.publish(t, w.pub(true, nil), b, note)
	if out.Published != 0 || len(out.Rejected) != 1 || !slices.Equal(codes(out.Rejected[0]), []string{invoice.CodeCreditTargetAbsent}) {
		t.Fatalf("atomic batch with an orphan credit note: %+v", out)
	}
	if _, err := invoicedb.Get(ctx, pool, w.as("operator"), b.ID); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("invoice of a refused atomic batch: %v, want it undone", err)
	}
}

func testCreditNotesNet(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	inv := w.invoice("F-1", "1250.00", "2027-01-15")
	w.publish(t, w.pub(false, nil), inv)
	n1, n2, over := w.credit("NC-1", "200.10", "F-1"), w.credit("NC-2", "49.90", "F-1"), w.credit("NC-3", "1000.01", "F-1")
	p := w.pub(false, nil)
	p.At = t0.Add(time.Hour)
	out := w.publish(t, p, n1, n2, over)
	if out.Published != 2 || out.Invoices != 0 || len(out.Netted) != 2 || len(out.Rejected) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	if r := out.Rejected[0]; r.Row != 3 || !slices.Equal(codes(r), []string{invoice.CodeCreditExceeds}) {
		t.Fatalf("third note refused with %+v, want credit exceeds payable", r)
	}
	// Two notes in one batch add up, in row order.
	if n := out.Netted[1]; n.InvoiceID != inv.ID || n.CreditNoteID != n2.ID || n.Amount.StringFixed(2) != "49.90" ||
		n.Netted.StringFixed(2) != "250.00" || n.Payable.StringFixed(2) != "1000.00" {
		t.Fatalf("second netting %+v", n)
	}
	got := get(t, pool, w.as("buyer"), inv.ID)
	if got.NettedAmount.StringFixed(2) != "250.00" || got.Payable().StringFixed(2) != "1000.00" || !got.UpdatedAt.Equal(p.At) {
		t.Fatalf("invoice netted %s, payable %s, updated %v", got.NettedAmount, got.Payable(), got.UpdatedAt)
	}
	notes, err := invoicedb.CreditNotes(ctx, pool, inv.ID)
	if err != nil || len(notes) != 2 || notes[0].ID != n1.ID || notes[1].ID != n2.ID || notes[0].CreditsInvoice != inv.ID || notes[0].DueDate != (time.Time{}) {
		t.Fatalf("credit notes %+v, %v", notes, err)
	}
	h, err := invoicedb.ListHistory(ctx, pool, inv.ID)
	if err != nil || len(h) != 2 {
		t.Fatalf("history %+v, %v", h, err)
	}
	if c := h[0]; c.Change != "netted" || c.From != invoice.Published || c.To != invoice.Published || c.Amount == nil ||
		c.Amount.StringFixed(2) != "200.10" || c.CreditNoteID == nil || *c.CreditNoteID != n1.ID || c.Actor != "user:buyer" || !c.At.Equal(p.At) {
		t.Fatalf("netting history %+v", c)
	}
	// A payable of exactly zero is allowed; a cent more is not.
	out = w.publish(t, w.pub(false, nil), w.credit("NC-4", "1000.00", "F-1"), w.credit("NC-5", "0.01", "F-1"))
	if out.Published != 1 || len(out.Rejected) != 1 || out.Rejected[0].Row != 2 {
		t.Fatalf("netting to zero: %+v", out)
	}
	if got := get(t, pool, w.as("buyer"), inv.ID); !got.Payable().IsZero() {
		t.Fatalf("payable %s, want 0", got.Payable())
	}
}

func testSetStatus(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	inv := w.invoice("F-1", "100.00", "2027-01-15")
	w.publish(t, w.pub(false, nil), inv)
	cur := get(t, pool, w.as("buyer"), inv.ID).Invoice
	if err := invoicedb.SetStatus(ctx, pool, cur, invoice.Offered, "user:supplier", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The stale copy still says published: the guard refuses it.
	if err := invoicedb.SetStatus(ctx, pool, cur, invoice.Cancelled, "user:buyer", t0.Add(2*time.Minute)); !errors.Is(err, invoice.ErrTransition) {
		t.Fatalf("stale move: %v, want ErrTransition", err)
	}
	got := get(t, pool, w.as("buyer"), inv.ID)
	if got.Status != invoice.Offered || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("status %s at %v", got.Status, got.UpdatedAt)
	}
	if err := invoicedb.SetStatus(ctx, pool, got.Invoice, invoice.Published, "system", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	h, err := invoicedb.ListHistory(ctx, pool, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].From != invoice.Published || h[0].To != invoice.Offered || h[0].Actor != "user:supplier" || h[0].Change != "status" ||
		h[0].Amount != nil || h[0].CreditNoteID != nil || h[1].From != invoice.Offered || h[1].To != invoice.Published || !h[1].At.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("history %+v", h)
	}
}

func testMoveAll(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	a, b, c := w.invoice("F-1", "100.00", "2027-01-15"), w.invoice("F-2", "100.00", "2027-01-15"), w.invoice("F-3", "100.00", "2027-01-15")
	w.publish(t, w.pub(false, nil), a, b, c)
	at := t0.Add(time.Hour)
	if err := invoicedb.MoveAll(ctx, pool, []uuid.UUID{a.ID, b.ID}, []invoice.Status{invoice.Published, invoice.Offered, invoice.Financed}, "user:lender", at); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{a.ID, b.ID} {
		if got := get(t, pool, w.as("buyer"), id); got.Status != invoice.Financed || !got.UpdatedAt.Equal(at) {
			t.Fatalf("moved invoice %s at %v", got.Status, got.UpdatedAt)
		}
		h, err := invoicedb.ListHistory(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].From != invoice.Published || h[0].To != invoice.Offered || h[1].From != invoice.Offered || h[1].To != invoice.Financed ||
			h[1].Actor != "user:lender" || !h[1].At.Equal(at) {
			t.Fatalf("history of a moved invoice %+v", h)
		}
	}
	if got := get(t, pool, w.as("buyer"), c.ID); got.Status != invoice.Published {
		t.Fatalf("unmoved invoice is %s", got.Status)
	}
}

func testByIDs(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	a, b := w.invoice("F-1", "100.00", "2027-01-15"), w.invoice("F-2", "100.00", "2027-01-15")
	x := other.invoice("F-1", "100.00", "2027-01-15")
	w.publish(t, w.pub(false, nil), a, b)
	other.publish(t, other.pub(false, nil), x)
	err := db.Runner{Pool: pool}.InTx(ctx, func(tx pgx.Tx) error {
		got, err := invoicedb.ByIDs(ctx, tx, w.as("supplier"), []uuid.UUID{b.ID, x.ID, a.ID}, true)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
			t.Errorf("ByIDs as the supplier: %v, want its two in id order", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testBatches(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	w.publish(t, w.pub(false, nil), w.invoice("OLD", "100.00", "2027-01-15"))
	batch := invoice.Batch{ID: uuid.Must(uuid.NewV7()), ProgramID: w.Program, BuyerID: w.Buyer, Format: "csv", Status: "published", Total: 5, CreatedAt: t0}
	if err := invoicedb.InsertBatch(ctx, pool, batch); err != nil {
		t.Fatal(err)
	}
	docs := []invoice.Invoice{w.invoice("B-1", "1.00", "2027-01-15"), w.invoice("OLD", "2.00", "2027-01-15"), w.invoice("B-3", "3.00", "2027-01-15"),
		w.invoice("B-3", "4.00", "2027-01-15"), w.invoice("B-5", "5.00", "2027-01-15")}
	out := w.publish(t, w.pub(false, &batch.ID), docs...)
	batch.Settle(out.Published, len(out.Rejected))
	if err := invoicedb.SettleBatch(ctx, pool, batch); err != nil {
		t.Fatal(err)
	}
	got, err := invoicedb.GetBatch(ctx, pool, batch.ID, &w.Buyer)
	if err != nil || got.Status != "partially_published" || got.Total != 5 || got.Published != 3 || got.Rejected != 2 || got.Format != "csv" || got.Atomic {
		t.Fatalf("batch %+v, %v", got, err)
	}
	if _, err := invoicedb.GetBatch(ctx, pool, batch.ID, &other.Buyer); !errors.Is(err, invoice.ErrBatchNotFound) {
		t.Fatalf("another buyer's batch: %v, want ErrBatchNotFound", err)
	}
	if _, err := invoicedb.GetBatch(ctx, pool, batch.ID, nil); err != nil {
		t.Fatalf("operator's view of the batch: %v", err)
	}
	if inv := get(t, pool, w.as("buyer"), docs[2].ID); inv.BatchID == nil || *inv.BatchID != batch.ID || inv.BatchRow != 3 {
		t.Fatalf("published row's batch %v row %d", inv.BatchID, inv.BatchRow)
	}

	rows := func(result string, after, limit int) []invoice.RowResult {
		t.Helper()
		r, err := invoicedb.BatchRows(ctx, pool, batch.ID, result, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var all []int
	for after := 0; ; {
		page := rows("", after, 2)
		for _, r := range page {
			all, after = append(all, r.Row), r.Row
		}
		if len(page) < 2 {
			break
		}
	}
	if !slices.Equal(all, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("paged rows %v, want 1..5", all)
	}
	rej := rows("rejected", 0, 10)
	if len(rej) != 2 || rej[0].Row != 2 || rej[0].InvoiceID != nil || rej[0].Errors[0].Code != invoice.CodeDuplicateDocument || rej[1].Row != 4 {
		t.Fatalf("rejected rows %+v", rej)
	}
	pub := rows("published", 1, 10)
	if len(pub) != 2 || pub[0].Row != 3 || pub[0].InvoiceID == nil || *pub[0].InvoiceID != docs[2].ID || pub[0].Errors != nil || pub[1].Row != 5 {
		t.Fatalf("published rows after 1: %+v", pub)
	}
	listed, err := invoicedb.List(ctx, pool, invoicedb.Filter{Viewer: w.as("buyer"), BatchID: batch.ID, Limit: 10})
	if err != nil || len(listed) != 3 {
		t.Fatalf("List by batch: %d, %v", len(listed), err)
	}
}

func testList(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	docs := []invoice.Invoice{
		w.invoice("F-1", "100.00", "2027-01-10"), w.invoice("F-2", "250.00", "2027-01-20"), w.invoice("F-3", "1250.00", "2027-02-01"),
		w.invoice("F-4", "300.00", "2027-02-10"), w.invoice("F-5", "999.99", "2027-03-01"),
	}
	w.publish(t, w.pub(false, nil), docs...)
	w.publish(t, w.pub(false, nil), w.credit("NC-1", "200.00", "F-4")) // F-4's payable is 100.00
	other.publish(t, other.pub(false, nil), other.invoice("F-1", "500.00", "2027-01-15"))
	if err := invoicedb.SetStatus(ctx, pool, get(t, pool, w.as("buyer"), docs[1].ID).Invoice, invoice.Offered, "user:s", t0); err != nil {
		t.Fatal(err)
	}
	ids := func(f invoicedb.Filter) []string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 100
		}
		got, err := invoicedb.List(ctx, pool, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range got {
			out = append(out, l.DocumentNumber)
			if l.MinDays != 7 {
				t.Fatalf("listed min days %d", l.MinDays)
			}
		}
		return out
	}
	lo, hi := pgtest.Amount("100.00"), pgtest.Amount("999.99")
	for _, c := range []struct {
		name string
		f    invoicedb.Filter
		want []string
	}{
		{"buyer's all", invoicedb.Filter{Viewer: w.as("buyer")}, []string{"F-1", "F-2", "F-3", "F-4", "F-5", "NC-1"}},
		{"invoices only", invoicedb.Filter{Viewer: w.as("buyer"), Kind: invoice.KindInvoice}, []string{"F-1", "F-2", "F-3", "F-4", "F-5"}},
		{"lender never sees credit notes", invoicedb.Filter{Viewer: w.as("lender")}, []string{"F-1", "F-2", "F-3", "F-4", "F-5"}},
		{"offered", invoicedb.Filter{Viewer: w.as("supplier"), Status: invoice.Offered}, []string{"F-2"}},
		{"due window inclusive", invoicedb.Filter{Viewer: w.as("buyer"), DueFrom: pgtest.Day("2027-01-20"), DueTo: pgtest.Day("2027-02-10")}, []string{"F-2", "F-3", "F-4"}},
		{"payable between 100.00 and 999.99", invoicedb.Filter{Viewer: w.as("buyer"), Kind: invoice.KindInvoice, AmountMin: &lo, AmountMax: &hi},
			[]string{"F-1", "F-2", "F-4", "F-5"}},
		{"other buyer's filter from this buyer", invoicedb.Filter{Viewer: w.as("buyer"), BuyerID: other.Buyer}, nil},
		{"operator by program", invoicedb.Filter{Viewer: w.as("operator"), ProgramID: other.Program}, []string{"F-1"}},
		{"operator by supplier", invoicedb.Filter{Viewer: w.as("operator"), SupplierID: w.Supplier, Kind: invoice.KindCreditNote}, []string{"NC-1"}},
	} {
		if got := ids(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// Keyset paging two at a time gives the same order with no repeats.
	var paged []string
	f := invoicedb.Filter{Viewer: w.as("supplier"), Limit: 2}
	for {
		page, err := invoicedb.List(ctx, pool, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			paged, f.After = append(paged, l.DocumentNumber), l.ID
		}
		if len(page) < 2 {
			break
		}
	}
	if want := []string{"F-1", "F-2", "F-3", "F-4", "F-5", "NC-1"}; !slices.Equal(paged, want) {
		t.Fatalf("paged %v, want %v", paged, want)
	}
}

func testDueForExpiry(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	// Min days 7 in Mexico City. Other cases' invoices fall due in 2027, far
	// beyond these instants, so the sweep here sees only this world's.
	at := time.Date(2026, 6, 10, 16, 0, 0, 0, time.UTC) // 10:00 on June 10 in Mexico City
	short, edge, fine := w.invoice("E-1", "1.00", "2026-06-16"), w.invoice("E-2", "1.00", "2026-06-17"), w.invoice("E-3", "1.00", "2026-06-30")
	offered := w.invoice("E-4", "1.00", "2026-06-12")
	w.publish(t, w.pub(false, nil), short, edge, fine, offered)
	if err := invoicedb.SetStatus(ctx, pool, get(t, pool, w.as("buyer"), offered.ID).Invoice, invoice.Offered, "user:s", t0); err != nil {
		t.Fatal(err)
	}
	claim := func(tx pgx.Tx, at time.Time) []string {
		t.Helper()
		got, err := invoicedb.DueForExpiry(ctx, tx, at, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range got {
			if e.ProgramID == w.Program {
				out = append(out, e.DocumentNumber)
				if e.MinDays != 7 {
					t.Fatalf("min days %d", e.MinDays)
				}
			}
		}
		return out
	}
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx) //nolint:errcheck
	// Due on June 16, fewer than 7 days away; June 17 is exactly 7.
	if got := claim(tx1, at); !slices.Equal(got, []string{"E-1"}) {
		t.Fatalf("due for expiry at %v: %v, want E-1", at, got)
	}
	// A second sweeper skips the locked row instead of waiting for it.
	tx2, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx) //nolint:errcheck
	if got := claim(tx2, at); len(got) != 0 {
		t.Fatalf("second sweeper claimed %v, want the locked row skipped", got)
	}
	_ = tx1.Rollback(ctx)
	// 03:00 UTC on June 11 is still June 10 in Mexico City: E-2 is not yet due.
	if got := claim(tx2, time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"E-1"}) {
		t.Fatalf("in the evening in Mexico City: %v, want E-1 only", got)
	}
	if got := claim(tx2, time.Date(2026, 6, 11, 6, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"E-1", "E-2"}) {
		t.Fatalf("after midnight in Mexico City: %v, want E-1, E-2 in due order", got)
	}
}
