package invoicing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/validation"
)

var as = apptest.Actor

// code is the first validation code of err, or "".
func code(err error) string {
	var ve validation.Errors
	if errors.As(err, &ve) && len(ve) > 0 {
		return ve[0].Code
	}
	return ""
}

func TestInvoicing(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"only a buyer publishes, to its own program and enrolled suppliers": publishRules,
		"a buyer with several programs must name one":                       publishNeedsProgram,
		"an atomic batch publishes all or nothing":                          atomicBatch,
		"a partial batch publishes the valid rows with one event":           partialBatch,
		"a preview writes and emits nothing":                                previewBatch,
		"cancelling: the buyer's published invoices only, once":             cancelInvoice,
		"a credit note nets the payable amount":                             creditNote,
		"eligibility today follows the program's minimum days":              eligibleToday,
	})
}

func publishRules(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	d := e.Draft(w.Supplier, "1000.00", 30)
	for _, p := range []party.Party{w.Operator, w.Supplier, w.Lender} {
		if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(p), w.Program.ID, d); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s publishes: %v", p.Kind, err)
		}
	}
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(other.Buyer), w.Program.ID, d); !errors.Is(err, program.ErrNotFound) {
		t.Fatalf("into another buyer's program: %v", err)
	}
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, e.Draft(other.Supplier, "1000.00", 30)); code(err) != invoice.CodeSupplierNotEnroll {
		t.Fatalf("a supplier of another program: %v", err)
	}
	v, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), uuid.Nil, d) // its only program
	if err != nil || v.Status != invoice.Published || v.ProgramID != w.Program.ID || v.SupplierID != w.Supplier.ID {
		t.Fatalf("publish: %+v %v", v, err)
	}
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, d); code(err) != invoice.CodeDuplicateDocument {
		t.Fatalf("the same document again: %v", err)
	}
	if n := e.Events(event.InvoicePublished, "document_number", d.DocumentNumber); n != 1 {
		t.Fatalf("%d invoice.published events for the document, want 1", n)
	}
	past := e.Draft(w.Supplier, "1000.00", -1)
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, past); code(err) != invoice.CodeDueInPast {
		t.Fatalf("due yesterday (in the program's zone): %v", err)
	}
}

func publishNeedsProgram(t *testing.T, e *apptest.Env) {
	w := e.World()
	if _, err := e.Administration.CreateProgram(e.Ctx, as(w.Buyer), uuid.Nil, program.Draft{Name: "Segundo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), uuid.Nil, e.Draft(w.Supplier, "1000.00", 30)); !errors.Is(err, invoice.ErrNoProgram) {
		t.Fatalf("no program named with two: %v", err)
	}
	if _, err := e.Invoicing.PublishBatch(e.Ctx, as(w.Buyer), invoicing.BatchInput{Drafts: []invoice.Draft{e.Draft(w.Supplier, "1.00", 30)}}); !errors.Is(err, invoice.ErrNoProgram) {
		t.Fatalf("batch with no program named with two: %v", err)
	}
}

// published counts w's invoices with these document numbers.
func published(e *apptest.Env, w apptest.World, drafts ...invoice.Draft) int {
	docs := make([]string, len(drafts))
	for i, d := range drafts {
		docs[i] = d.DocumentNumber
	}
	return e.Count("SELECT count(*) FROM invoices WHERE program_id = $1 AND document_number = ANY($2)", w.Program.ID, docs)
}

func atomicBatch(t *testing.T, e *apptest.Env) {
	w := e.World()
	good, bad := e.Draft(w.Supplier, "1000.00", 30), e.Draft(w.Supplier2, "-5.00", 30)
	in := invoicing.BatchInput{ProgramID: w.Program.ID, Atomic: true, Format: "json", Drafts: []invoice.Draft{good, bad}}
	if _, err := e.Invoicing.PublishBatch(e.Ctx, as(w.Supplier), in); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a supplier's batch: %v", err)
	}
	if _, err := e.Invoicing.PublishBatch(e.Ctx, as(w.Buyer), invoicing.BatchInput{ProgramID: w.Program.ID}); !errors.Is(err, invoice.ErrEmptyBatch) {
		t.Fatalf("empty batch: %v", err)
	}
	b, err := e.Invoicing.PublishBatch(e.Ctx, as(w.Buyer), in)
	if err != nil || b.Published != 0 || b.Status != "rejected" {
		t.Fatalf("atomic batch with a bad row: %+v %v", b, err)
	}
	if n := published(e, w, good, bad); n != 0 {
		t.Fatalf("%d invoices of a refused atomic batch", n)
	}
	if n := e.Events(event.InvoiceBatchPublished, "batch_id", b.ID.String()); n != 0 {
		t.Fatalf("a refused batch emitted %d events", n)
	}
	_, rows, err := e.Invoicing.GetBatch(e.Ctx, as(w.Buyer), b.ID, "rejected", 0, 10)
	if err != nil || len(rows) == 0 || rows[len(rows)-1].Row != 2 || code(rows[len(rows)-1].Errors) != invoice.CodeInvalidAmount {
		t.Fatalf("rejected rows %+v %v", rows, err)
	}
	// Valid, the same batch publishes everything at once.
	in.Drafts[1] = e.Draft(w.Supplier2, "5.00", 30)
	if b, err = e.Invoicing.PublishBatch(e.Ctx, as(w.Buyer), in); err != nil || b.Published != 2 || b.Status != "published" {
		t.Fatalf("valid atomic batch: %+v %v", b, err)
	}
	if n := e.Events(event.InvoiceBatchPublished, "batch_id", b.ID.String()); n != 1 {
		t.Fatalf("%d batch_published events, want 1", n)
	}
	other := e.World()
	if _, _, err := e.Invoicing.GetBatch(e.Ctx, as(other.Buyer), b.ID, "", 0, 10); !errors.Is(err, invoice.ErrBatchNotFound) {
		t.Fatalf("another buyer's batch: %v", err)
	}
}

func partialBatch(t *testing.T, e *apptest.Env) {
	w := e.World()
	good := []invoice.Draft{e.Draft(w.Supplier, "1000.00", 30), e.Draft(w.Supplier2, "2000.00", 45)}
	dup := good[0]
	dup.EInvoiceID = e.Draft(w.Supplier, "1.00", 1).EInvoiceID // same document number, another CFDI
	// Row 4 is one the reader could not parse: it holds an empty draft.
	b, err := e.Invoicing.PublishBatch(e.Ctx, as(w.Buyer), invoicing.BatchInput{ProgramID: w.Program.ID, Format: "csv",
		Drafts: []invoice.Draft{good[0], dup, good[1], {}}, Malformed: []invoice.RowError{{Row: 4, Err: "bad quoting"}}})
	if err != nil || b.Published != 2 || b.Rejected != 2 || b.Status != "partially_published" {
		t.Fatalf("partial batch: %+v %v", b, err)
	}
	_, rows, err := e.Invoicing.GetBatch(e.Ctx, as(w.Buyer), b.ID, "rejected", 0, 10)
	if err != nil || len(rows) != 2 || code(rows[0].Errors) != invoice.CodeDuplicateInBatch || code(rows[1].Errors) != invoice.CodeMalformedRow {
		t.Fatalf("rejected rows %+v %v", rows, err)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'batch_id' = $2 AND (payload->'data'->>'published')::int = 2 AND (payload->'data'->>'rejected')::int = 2",
		event.InvoiceBatchPublished, b.ID.String()); n != 1 {
		t.Fatalf("%d batch_published events with the counts, want 1", n)
	}
}

func previewBatch(t *testing.T, e *apptest.Env) {
	w := e.World()
	prior := e.Draft(w.Supplier, "10.00", 30)
	e.Publish(w, prior)
	dup := e.Draft(w.Supplier, "20.00", 30)
	dup.DocumentNumber = prior.DocumentNumber
	drafts := []invoice.Draft{e.Draft(w.Supplier, "1000.00", 30), e.Draft(w.Supplier, "0.00", 30), dup}
	pv, err := e.Invoicing.PreviewBatch(e.Ctx, as(w.Buyer), invoicing.BatchInput{ProgramID: w.Program.ID, Atomic: true, Format: "json", Drafts: drafts})
	if err != nil || pv.Valid != 1 || pv.Rejected != 2 || pv.Rows[0].Errors != nil || code(pv.Rows[2].Errors) != invoice.CodeDuplicateDocument {
		t.Fatalf("preview (every row reported, the stored documents checked): %+v %v", pv, err)
	}
	if n := published(e, w, drafts[:2]...); n != 0 {
		t.Fatalf("a preview published %d invoices", n)
	}
	if n := e.Count("SELECT count(*) FROM invoice_batches WHERE program_id = $1", w.Program.ID); n != 0 {
		t.Fatalf("a preview left %d batches", n)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE payload->'data'->>'program_id' = $1 AND subject LIKE 'cadena.invoice.%'", w.Program.ID.String()); n != 1 {
		t.Fatalf("%d invoice events in the program, want only the prior publication's", n)
	}
}

func cancelInvoice(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	id := e.Invoices(w, w.Supplier, "1000.00")[0]
	for _, p := range []party.Party{w.Supplier, w.Lender, w.Operator} {
		if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(p), id); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s cancels: %v", p.Kind, err)
		}
	}
	if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(other.Buyer), id); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("another buyer cancels: %v", err)
	}
	inv, err := e.Invoicing.CancelInvoice(e.Ctx, as(w.Buyer), id)
	if err != nil || inv.Status != invoice.Cancelled {
		t.Fatalf("cancel: %+v %v", inv, err)
	}
	if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(w.Buyer), id); !errors.Is(err, invoice.ErrTransition) {
		t.Fatalf("cancel twice: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'invoice_id' = $2 AND payload->'data'->>'from_status' = 'published'",
		event.InvoiceCancelled, id.String()); n != 1 {
		t.Fatalf("%d invoice.cancelled events, want 1", n)
	}
	d, err := e.Invoicing.GetInvoice(e.Ctx, as(w.Supplier), id)
	if err != nil || d.Status != invoice.Cancelled || len(d.History) == 0 || d.EligibleToday {
		t.Fatalf("the supplier sees %+v %v", d, err)
	}
}

func creditNote(t *testing.T, e *apptest.Env) {
	w := e.World()
	inv := e.Draft(w.Supplier, "1000.00", 30)
	id := e.Publish(w, inv)[0]
	cn := e.Draft(w.Supplier, "250.00", 30)
	cn.Kind, cn.DueDate, cn.CreditNoteFor = string(invoice.KindCreditNote), "", inv.DocumentNumber
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, cn); err != nil {
		t.Fatal(err)
	}
	d, err := e.Invoicing.GetInvoice(e.Ctx, as(w.Buyer), id)
	if err != nil || d.Payable().String() != "750" || len(d.CreditNotes) != 1 {
		t.Fatalf("after the credit note: payable %s, %d notes, %v", d.Payable(), len(d.CreditNotes), err)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'invoice_id' = $2 AND payload->'data'->>'payable_amount' = '750.00'",
		event.InvoiceNetted, id.String()); n != 1 {
		t.Fatalf("%d invoice.netted events with the new payable, want 1", n)
	}
	more := e.Draft(w.Supplier, "800.00", 30)
	more.Kind, more.DueDate, more.CreditNoteFor = string(invoice.KindCreditNote), "", inv.DocumentNumber
	if _, err := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, more); code(err) != invoice.CodeCreditExceeds {
		t.Fatalf("a credit note beyond the payable: %v", err)
	}
	var cnInv uuid.UUID
	if err := e.Pool.QueryRow(e.Ctx, "SELECT id FROM invoices WHERE document_number = $1", cn.DocumentNumber).Scan(&cnInv); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(w.Buyer), cnInv); !errors.Is(err, invoice.ErrNotCancellable) {
		t.Fatalf("cancelling a credit note: %v", err)
	}
}

func eligibleToday(t *testing.T, e *apptest.Env) {
	w := e.World()
	soon, _ := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, e.Draft(w.Supplier, "10.00", w.Program.MinDays-1))
	edge, _ := e.Invoicing.PublishInvoice(e.Ctx, as(w.Buyer), w.Program.ID, e.Draft(w.Supplier, "10.00", w.Program.MinDays))
	if soon.ID == uuid.Nil || edge.ID == uuid.Nil || soon.EligibleToday || !edge.EligibleToday {
		t.Fatalf("due in %d days eligible %v, in %d days %v", w.Program.MinDays-1, soon.EligibleToday, w.Program.MinDays, edge.EligibleToday)
	}
	page, err := e.Invoicing.ListInvoices(e.Ctx, as(w.Supplier), invoicing.InvoiceFilter{ProgramID: w.Program.ID}, uuid.Nil, 10)
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("list: %d %v", len(page.Items), err)
	}
	for _, v := range page.Items {
		if v.EligibleToday != (v.ID == edge.ID) {
			t.Fatalf("listed %s eligible %v", v.ID, v.EligibleToday)
		}
	}
	if p, err := e.Invoicing.ListInvoices(e.Ctx, as(w.Supplier2), invoicing.InvoiceFilter{}, uuid.Nil, 10); err != nil || len(p.Items) != 0 {
		t.Fatalf("another supplier lists %d invoices", len(p.Items))
	}
}

// TestExpireInvoicesInTheProgramsZone sweeps the whole platform, so it has
// a database of its own. An invoice due in exactly the minimum days is not
// expired that day; from the next day in the program's zone, it is, even
// though UTC reached that day hours earlier.
func TestExpireInvoicesInTheProgramsZone(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	w := e.World()
	utc := e.WorldWith(program.Draft{TimeZone: "UTC"}, apptest.Limit)
	mx := e.Publish(w, e.Draft(w.Supplier, "100.00", w.Program.MinDays))[0]
	later := e.Publish(w, e.Draft(w.Supplier, "100.00", w.Program.MinDays+1))[0]
	inUTC := e.Publish(utc, e.Draft(utc.Supplier, "100.00", utc.Program.MinDays))[0]

	// 23:30 in Mexico City is 05:30 tomorrow in UTC.
	e.SetNow(time.Date(apptest.Morning.Year(), apptest.Morning.Month(), apptest.Morning.Day(), 23, 30, 0, 0, apptest.MexicoCity))
	n, err := e.Invoicing.ExpireInvoices(e.Ctx, 100)
	if err != nil || n != 1 {
		t.Fatalf("late evening: %d expired (%v), want only the UTC program's", n, err)
	}
	status := func(id uuid.UUID) invoice.Status {
		d, err := e.Invoicing.GetInvoice(e.Ctx, app.System, id)
		if err != nil {
			t.Fatal(err)
		}
		return d.Status
	}
	if status(inUTC) != invoice.Expired || status(mx) != invoice.Published {
		t.Fatalf("UTC program's %s, MX program's %s", status(inUTC), status(mx))
	}
	e.SetNow(e.Now().Add(time.Hour)) // 00:30 in Mexico City
	if n, err = e.Invoicing.ExpireInvoices(e.Ctx, 100); err != nil || n != 1 || status(mx) != invoice.Expired || status(later) != invoice.Published {
		t.Fatalf("after midnight: %d expired (%v), MX %s, later %s", n, err, status(mx), status(later))
	}
	if n, err = e.Invoicing.ExpireInvoices(e.Ctx, 100); err != nil || n != 0 {
		t.Fatalf("a second sweep expired %d (%v)", n, err)
	}
	if c := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'invoice_id' = ANY($2)",
		event.InvoiceExpired, []string{mx.String(), inUTC.String()}); c != 2 {
		t.Fatalf("%d invoice.expired events, want 2", c)
	}
}
