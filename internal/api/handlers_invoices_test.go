package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/platform/natstest"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/outbox"
)

func init() {
	eventProducers = append(eventProducers, produceInvoiceEvents)
}

// day is a date offset days from today in the test programs' time zone
// (Mexico City), which the rules count from: in UTC the date is a day ahead
// from 18:00 or 19:00 there until midnight.
func day(offset int) string {
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		panic(err)
	}
	return time.Now().In(mx).AddDate(0, 0, offset).Format(time.DateOnly)
}

func cfdi() string { return strings.ToUpper(uuid.NewString()) }

// doc is a valid invoice of supplier (id or tax id) due in 60 days.
func doc(supplier, number string) map[string]any {
	return map[string]any{"supplier": supplier, "document_number": number, "einvoice_id": cfdi(),
		"issue_date": day(-5), "due_date": day(60), "currency": "MXN", "amount": "1000.00"}
}

func with(d map[string]any, kv ...string) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

type batchOut struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	TotalRows     int    `json:"total_rows"`
	PublishedRows int    `json:"published_rows"`
	RejectedRows  int    `json:"rejected_rows"`
}

type rowsOut struct {
	Items []struct {
		Row       int    `json:"row"`
		Result    string `json:"result"`
		InvoiceID string `json:"invoice_id"`
		Errors    []struct{ Field, Code string }
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func postBatch(t *testing.T, env *apitest.Env, tok, query string, body any, ctype, key string) (*apitest.Resp, batchOut) {
	t.Helper()
	h := map[string]string{}
	if ctype != "" {
		h["Content-Type"] = ctype
	}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoice-batches" + query, Token: tok, Body: body, Header: h})
	var b batchOut
	if r.Status == 201 {
		r.JSON(t, &b)
	}
	return r, b
}

// rowCodes maps each refused row to its codes joined by "+".
func rowCodes(t *testing.T, env *apitest.Env, tok, batchID string) map[int]string {
	t.Helper()
	out := map[int]string{}
	cursor := ""
	for {
		var page rowsOut
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/invoice-batches/" + batchID + "?result=rejected&limit=2&cursor=" + cursor, Token: tok})
		if r.Status != 200 {
			t.Fatalf("batch rows: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &page)
		for _, it := range page.Items {
			var codes []string
			for _, e := range it.Errors {
				codes = append(codes, e.Code)
			}
			out[it.Row] = strings.Join(codes, "+")
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func TestPublishSingleInvoice(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	d := doc(w.Supplier.TaxID, "F-1")
	d["einvoice_id"] = strings.ToLower(d["einvoice_id"].(string))
	d["reference1"] = "PO-77"
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: d, Header: map[string]string{"Idempotency-Key": "one"}})
	if r.Status != 201 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	var inv map[string]any
	r.JSON(t, &inv)
	if inv["status"] != "published" || inv["supplier_id"] != w.Supplier.ID.String() || inv["payable_amount"] != "1000.00" ||
		inv["einvoice_id"] != strings.ToUpper(d["einvoice_id"].(string)) || inv["eligible_today"] != true || inv["program_id"] != w.Program.ID.String() {
		t.Fatalf("invoice %v", inv)
	}
	again := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: d, Header: map[string]string{"Idempotency-Key": "one"}})
	if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d", again.Status)
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.invoice.published'"); n != 1 {
		t.Fatalf("%d published events", n)
	}
	// Same document again without the key: a duplicate, with the batch's code.
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: with(d, "einvoice_id", cfdi())})
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Code != "invoice.duplicate_document" {
		t.Fatalf("duplicate: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: with(d, "document_number", "F-2")})
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Code != "invoice.einvoice_live_elsewhere" || p.Errors[0].Field != "einvoice_id" {
		t.Fatalf("live einvoice: %d %s", r.Status, r.Body)
	}
	// Detail with the publication in its history.
	var det struct {
		Invoice map[string]any   `json:"invoice"`
		History []map[string]any `json:"history"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices/" + inv["id"].(string), Token: env.Token(w.Supplier.ID, auth.RoleSupplier)}).JSON(t, &det)
	if det.Invoice["reference1"] != "PO-77" || len(det.History) != 1 || det.History[0]["change"] != "published" || det.History[0]["actor"] != "test" {
		t.Fatalf("detail %+v", det)
	}
}

// Every rule refuses its row with a stable code; the valid rows publish.
func TestBatchRowRejections(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/programs", Token: buyer, Body: map[string]any{"name": "Capped", "max_invoice_amount": "5000.00"}})
	if r.Status != 201 {
		t.Fatalf("program: %d %s", r.Status, r.Body)
	}
	capped := jsonField(t, r, "id")
	env.Do(apitest.Req{Method: "POST", Path: "/v1/programs/" + capped + "/suppliers", Token: buyer, Body: map[string]string{"tax_id": w.Supplier.TaxID}})
	// Already published in this program, to collide with.
	existing := doc(w.Supplier.ID.String(), "OLD-1")
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: with(existing, "program_id", capped)}); r.Status != 201 {
		t.Fatalf("seed invoice: %d %s", r.Status, r.Body)
	}
	s := w.Supplier.ID.String()
	repeated := cfdi()
	rows := []map[string]any{
		doc(s, "OK-1"), // 1
		with(doc(s, "X-2"), "supplier", w.OtherSupplier.TaxID), // 2 not enrolled
		with(doc(s, "OLD-1")), // 3 duplicate document
		with(doc(s, "X-4"), "einvoice_id", existing["einvoice_id"].(string)), // 4 live e-invoice id
		with(doc(s, "X-5"), "due_date", day(-10)),                            // 5 due before issue and past
		with(doc(s, "X-6"), "issue_date", day(-1), "due_date", day(0)),       // 6 due today: not in the future
		with(doc(s, "X-7"), "currency", "USD"),                               // 7 currency
		with(doc(s, "X-8"), "amount", "10.001"),                              // 8 decimals
		with(doc(s, "X-9"), "amount", "5000.01"),                             // 9 above program max
		with(doc(s, "X-10"), "einvoice_id", "not-a-uuid"),                    // 10 e-invoice format
		with(doc(s, "X-11"), "amount", "-3"),                                 // 11 not positive
		with(doc(s, "X-12"), "due_date", "2026-13-01"),                       // 12 bad date
		with(doc(s, "X-13"), "document_number", ""),                          // 13 required
		with(doc(s, "X-14"), "einvoice_id", repeated),                        // 14 ok
		with(doc(s, "X-15"), "einvoice_id", repeated),                        // 15 same e-invoice id earlier in batch
		doc(s, "OK-1"),                          // 16 same document earlier in batch
		with(doc(s, "X-17"), "kind", "receipt"), // 17 kind
		with(doc(s, "X-18"), "amount", "1e3"),   // 18 exponent
	}
	r, b := postBatch(t, env, buyer, "?program_id="+capped, rows, "", "")
	if r.Status != 201 {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	want := map[int]string{
		2: "invoice.supplier_not_enrolled", 3: "invoice.duplicate_document", 4: "invoice.einvoice_live_elsewhere",
		5: "invoice.due_not_after_issue+invoice.due_in_past", 6: "invoice.due_in_past", 7: "invoice.currency_mismatch",
		8: "invoice.too_many_decimals", 9: "invoice.above_program_max", 10: "invoice.einvoice_id_format", 11: "invoice.invalid_amount",
		12: "invoice.invalid_date", 13: "invoice.required", 15: "invoice.duplicate_in_batch", 16: "invoice.duplicate_in_batch",
		17: "invoice.invalid", 18: "invoice.invalid_amount",
	}
	if b.Status != "partially_published" || b.TotalRows != 18 || b.PublishedRows != 2 || b.RejectedRows != len(want) {
		t.Fatalf("batch %+v", b)
	}
	if got := rowCodes(t, env, buyer, b.ID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("row codes\n got %v\nwant %v", got, want)
	}
	var pub rowsOut
	env.Do(apitest.Req{Method: "GET", Path: "/v1/invoice-batches/" + b.ID + "?result=published", Token: buyer}).JSON(t, &pub)
	if len(pub.Items) != 2 || pub.Items[0].Row != 1 || pub.Items[1].Row != 14 || pub.Items[0].InvoiceID == "" {
		t.Fatalf("published rows %+v", pub)
	}
	// One batch event, carrying the count lenders page through with batch_id.
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.invoice.batch_published' AND (payload->'data'->>'published')::int = 2"); n != 1 {
		t.Fatalf("%d batch events", n)
	}
	var page struct{ Items []map[string]any }
	env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices?batch_id=" + b.ID, Token: env.Token(w.Lender.ID, auth.RoleLender)}).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("a lender not enrolled in the capped program sees %d of its invoices", len(page.Items))
	}
	// Two programs: the program must be named.
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: doc(s, "NP-1")}); r.Status != 422 || r.Problem(t).Code != "invoice.program_required" {
		t.Fatalf("no program: %d %s", r.Status, r.Body)
	}
}

func TestBatchAtomicIdempotentAndCSV(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	s := w.Supplier.TaxID
	rows := []map[string]any{doc(s, "A-1"), doc(s, "A-2"), with(doc(s, "A-3"), "amount", "0")}
	r, b := postBatch(t, env, buyer, "?atomic=true", rows, "", "")
	if r.Status != 201 || b.Status != "rejected" || b.PublishedRows != 0 || b.RejectedRows != 1 {
		t.Fatalf("atomic: %d %s", r.Status, r.Body)
	}
	if n := count(t, env, "SELECT count(*) FROM invoices"); n != 0 {
		t.Fatalf("atomic batch published %d", n)
	}
	rows[2] = doc(s, "A-3")
	r, b = postBatch(t, env, buyer, "?atomic=true", rows, "", "k-batch")
	if r.Status != 201 || b.Status != "published" || b.PublishedRows != 3 {
		t.Fatalf("atomic ok: %d %s", r.Status, r.Body)
	}
	again, b2 := postBatch(t, env, buyer, "?atomic=true", rows, "", "k-batch")
	if again.Header.Get("Idempotent-Replayed") != "true" || b2.ID != b.ID {
		t.Fatalf("retry: %d %s", again.Status, again.Body)
	}
	if n := count(t, env, "SELECT count(*) FROM invoices"); n != 3 {
		t.Fatalf("%d invoices after a retried batch", n)
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.invoice.batch_published'"); n != 1 {
		t.Fatalf("%d batch events", n)
	}
	// CSV with semicolons, a BOM, quoted fields and a ragged row.
	csv := "\uFEFFsupplier;document_number;einvoice_id;issue_date;due_date;amount;reference1\n" +
		s + ";C-1;" + cfdi() + ";" + day(-3) + ";" + day(30) + ";2500.50;\"PO; 12\"\n" +
		s + ";C-2;" + cfdi() + ";" + day(-3) + "\n" +
		w.Supplier2.ID.String() + ";C-3;" + cfdi() + ";" + day(-3) + ";" + day(45) + ";10.00;\"=HYPERLINK(\"\"http://x\"\")\"\n"
	r, b = postBatch(t, env, buyer, "", csv, "text/csv; charset=utf-8", "")
	if r.Status != 201 || b.PublishedRows != 2 || b.RejectedRows != 1 {
		t.Fatalf("csv: %d %s", r.Status, r.Body)
	}
	if got := rowCodes(t, env, buyer, b.ID); got[2] != "invoice.malformed_row" {
		t.Fatalf("ragged row: %v", got)
	}
	// Whole-file problems are 4xx problems and write nothing.
	before := count(t, env, "SELECT count(*) FROM invoice_batches")
	for name, c := range map[string]struct {
		body, ctype, code string
		status            int
	}{
		"bad encoding":   {"supplier,document_number,einvoice_id,issue_date,amount\n\xff\xfe,1,2,3,4\n", "text/csv", "invoice_batch.bad_encoding", 422},
		"unknown column": {"supplier,number\nx,y\n", "text/csv", "invoice_batch.bad_header", 422},
		"missing column": {"supplier,document_number\nx,y\n", "text/csv", "invoice_batch.bad_header", 422},
		"bare quote":     {"supplier,document_number,einvoice_id,issue_date,amount\n\"x,1\"2,3,4,5\n", "text/csv", "invoice_batch.malformed_csv", 422},
		"empty csv":      {"supplier,document_number,einvoice_id,issue_date,amount\n", "text/csv", "invoice_batch.empty", 422},
		"empty":          {"", "text/csv", "invoice_batch.bad_header", 422},
		"empty json":     {"[]", "application/json", "invoice_batch.empty", 422},
		"json object":    {"{}", "application/json", "validation.failed", 422},
		"xml":            {"<x/>", "application/xml", "request.unsupported_media_type", 415},
	} {
		r, _ := postBatch(t, env, buyer, "", c.body, c.ctype, "")
		if r.Status != c.status || r.Problem(t).Code != c.code {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if n := count(t, env, "SELECT count(*) FROM invoice_batches"); n != before {
		t.Fatalf("refused files wrote %d batches", n-before)
	}
	// Export neutralises formula cells.
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices", Token: buyer, Header: map[string]string{"Accept": "text/csv"}})
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	body := string(r.Body)
	if !strings.Contains(body, `"'=HYPERLINK(""http://x"")"`) || strings.Contains(body, `,=HYPERLINK`) || strings.Count(body, "\n") != 6 {
		t.Fatalf("export:\n%s", body)
	}
}

func TestCrossBuyerEInvoiceAndCancellation(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	other := env.Token(w.OtherBuyer.ID, auth.RoleBuyer)
	d := doc(w.Supplier.TaxID, "K-1")
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: d})
	if r.Status != 201 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	id := jsonField(t, r, "id")
	// Another buyer presenting the same CFDI is refused, in a batch too.
	od := with(doc(w.OtherSupplier.TaxID, "K-1"), "einvoice_id", d["einvoice_id"].(string))
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: other, Body: od}); r.Status != 422 || r.Problem(t).Errors[0].Code != "invoice.einvoice_live_elsewhere" {
		t.Fatalf("cross-buyer: %d %s", r.Status, r.Body)
	}
	// Cancellation: only the owner, only once, and it frees the e-invoice id.
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id + "/cancel", Token: other}); r.Status != 404 {
		t.Fatalf("other buyer cancels: %d", r.Status)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id + "/cancel", Token: buyer}); r.Status != 200 || jsonField(t, r, "status") != "cancelled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id + "/cancel", Token: buyer}); r.Status != 409 || r.Problem(t).Code != "invoice.invalid_transition" {
		t.Fatalf("cancel twice: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: other, Body: od}); r.Status != 201 {
		t.Fatalf("after cancel: %d %s", r.Status, r.Body)
	}
	// An invoice the supplier accepted (offered) cannot be cancelled.
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: doc(w.Supplier.TaxID, "K-2")})
	id2 := jsonField(t, r, "id")
	if _, err := env.Pool.Exec(context.Background(), "UPDATE invoices SET status = 'offered' WHERE id = $1", id2); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id2 + "/cancel", Token: buyer}); r.Status != 409 || r.Problem(t).Code != "invoice.not_cancellable" {
		t.Fatalf("cancel offered: %d %s", r.Status, r.Body)
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.invoice.cancelled'"); n != 1 {
		t.Fatalf("%d cancelled events", n)
	}
	var det struct {
		History []map[string]any `json:"history"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices/" + id, Token: buyer}).JSON(t, &det)
	if len(det.History) != 2 || det.History[1]["to_status"] != "cancelled" || det.History[1]["from_status"] != "published" {
		t.Fatalf("history %v", det.History)
	}
}

func TestCreditNoteNetting(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	s := w.Supplier.TaxID
	note := func(number, target, amount string) map[string]any {
		return map[string]any{"kind": "credit_note", "supplier": s, "document_number": number, "einvoice_id": cfdi(),
			"issue_date": day(-1), "amount": amount, "credit_note_for": target}
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: doc(s, "N-1")})
	inv := jsonField(t, r, "id")
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: note("NC-1", "N-1", "300.00")}); r.Status != 201 || jsonField(t, r, "kind") != "credit_note" {
		t.Fatalf("credit note: %d %s", r.Status, r.Body)
	}
	for name, c := range map[string]struct {
		body map[string]any
		code string
	}{
		"exceeds":   {note("NC-2", "N-1", "700.01"), "invoice.credit_exceeds_payable"},
		"no target": {note("NC-3", "N-404", "1.00"), "invoice.credit_target_not_found"},
		"no ref":    {with(note("NC-4", "N-1", "1.00"), "credit_note_for", ""), "invoice.required"},
	} {
		if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: c.body}); r.Status != 422 || r.Problem(t).Errors[0].Code != c.code {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// In a batch: a new invoice and two notes against it add up; the third would go below zero.
	rows := []map[string]any{doc(s, "N-2"), note("NC-5", "N-2", "600.00"), note("NC-6", "N-2", "400.00"), note("NC-7", "N-2", "0.01"), note("NC-8", "N-1", "700.00")}
	r, b := postBatch(t, env, buyer, "", rows, "", "")
	if r.Status != 201 || b.PublishedRows != 4 || b.RejectedRows != 1 {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	if got := rowCodes(t, env, buyer, b.ID); got[4] != "invoice.credit_exceeds_payable" {
		t.Fatalf("codes %v", got)
	}
	var det struct {
		Invoice     map[string]any   `json:"invoice"`
		CreditNotes []map[string]any `json:"credit_notes"`
		History     []map[string]any `json:"history"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices/" + inv, Token: buyer}).JSON(t, &det)
	if det.Invoice["payable_amount"] != "0.00" || det.Invoice["netted_amount"] != "1000.00" || len(det.CreditNotes) != 2 ||
		len(det.History) != 3 || det.History[2]["amount"] != "700.00" || det.Invoice["eligible_today"] != false {
		t.Fatalf("netted invoice %+v", det)
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.invoice.netted'"); n != 4 {
		t.Fatalf("%d netted events", n)
	}
	// A financed invoice cannot be netted.
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: doc(s, "N-3")})
	if _, err := env.Pool.Exec(context.Background(), "UPDATE invoices SET status = 'financed' WHERE id = $1", jsonField(t, r, "id")); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: note("NC-9", "N-3", "1.00")}); r.Status != 422 || r.Problem(t).Errors[0].Code != "invoice.already_financed" {
		t.Fatalf("financed: %d %s", r.Status, r.Body)
	}
	// Credit notes are final: not cancellable.
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + det.CreditNotes[0]["id"].(string) + "/cancel", Token: buyer}); r.Status != 409 {
		t.Fatalf("cancel a credit note: %d", r.Status)
	}
}

func TestInvoiceReadsAreScoped(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	other := env.Token(w.OtherBuyer.ID, auth.RoleBuyer)
	var ids []string
	for i, sup := range []string{w.Supplier.TaxID, w.Supplier.TaxID, w.Supplier2.TaxID} {
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: with(doc(sup, fmt.Sprint("S-", i)), "amount", fmt.Sprint(100*(i+1), ".00"))})
		ids = append(ids, jsonField(t, r, "id"))
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: other, Body: doc(w.OtherSupplier.TaxID, "O-1")})
	otherID := jsonField(t, r, "id")
	list := func(tok, query string) []string {
		var page struct {
			Items []struct{ ID string } `json:"items"`
		}
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices" + query, Token: tok})
		if r.Status != 200 {
			t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
		}
		r.JSON(t, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		return out
	}
	cases := []struct {
		tok, query string
		want       []string
	}{
		{buyer, "", ids},
		{other, "", []string{otherID}},
		{env.Token(w.Supplier.ID, auth.RoleSupplier), "", ids[:2]},
		{env.Token(w.Supplier2.ID, auth.RoleSupplier), "", ids[2:]},
		{env.Token(w.OtherSupplier.ID, auth.RoleSupplier), "", []string{otherID}},
		{env.Token(w.Lender.ID, auth.RoleLender), "", ids},
		{env.Token(w.OtherLender.ID, auth.RoleLender), "", []string{otherID}},
		{env.Token(w.Operator.ID, auth.RoleOperator), "", append(append([]string{}, ids...), otherID)},
		{buyer, "?supplier_id=" + w.Supplier2.ID.String(), ids[2:]},
		{buyer, "?amount_min=150&amount_max=250", ids[1:2]},
		{buyer, "?due_from=" + day(59) + "&due_to=" + day(61) + "&status=published", ids},
		{buyer, "?status=cancelled", nil},
		{buyer, "?limit=2&cursor=" + ids[1], ids[2:]},
		{other, "?buyer_id=" + w.Buyer.ID.String(), nil},
	}
	for _, c := range cases {
		if got := list(c.tok, c.query); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v want %v", c.query, got, c.want)
		}
	}
	for _, tok := range []string{other, env.Token(w.OtherSupplier.ID, auth.RoleSupplier), env.Token(w.OtherLender.ID, auth.RoleLender), env.Token(w.Supplier2.ID, auth.RoleSupplier)} {
		if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices/" + ids[0], Token: tok}); r.Status != 404 || r.Problem(t).Code != "invoice.not_found" {
			t.Errorf("foreign invoice: %d", r.Status)
		}
	}
	_, b := postBatch(t, env, buyer, "", []map[string]any{doc(w.Supplier.TaxID, "B-1")}, "", "")
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/invoice-batches/" + b.ID, Token: other}); r.Status != 404 || r.Problem(t).Code != "invoice_batch.not_found" {
		t.Errorf("foreign batch: %d", r.Status)
	}
	for _, q := range []string{"status=paid", "due_from=tomorrow", "amount_min=x", "supplier_id=1", "kind=bill"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/invoices?" + q, Token: buyer}); r.Status != 400 || r.Problem(t).Code != "request.bad_parameter" {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
}

func TestExpireInvoices(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	// The program's minimum is 7 days: due in 6 days expires, due in 8 does not.
	soon := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: with(doc(w.Supplier.TaxID, "E-1"), "due_date", day(6))})
	later := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: with(doc(w.Supplier.TaxID, "E-2"), "due_date", day(8))})
	if soon.Status != 201 || later.Status != 201 {
		t.Fatalf("publish: %d %d", soon.Status, later.Status)
	}
	n, err := env.App.Invoicing.ExpireInvoices(context.Background(), 100)
	if err != nil || n != 1 {
		t.Fatalf("expired %d: %v", n, err)
	}
	if n, _ := env.App.Invoicing.ExpireInvoices(context.Background(), 100); n != 0 {
		t.Fatalf("second sweep expired %d", n)
	}
	if s := count(t, env, "SELECT count(*) FROM invoices WHERE status = 'expired' AND document_number = 'E-1'"); s != 1 {
		t.Fatal("E-1 not expired")
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.invoice.expired'"); n != 1 {
		t.Fatalf("%d expired events", n)
	}
}

// A full-size batch stays fast: 100,000 CSV rows in one request.
func TestBatchOf100000Rows(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	var sb strings.Builder
	sb.WriteString("supplier,document_number,einvoice_id,issue_date,due_date,amount\n")
	issue, due := day(-2), day(90)
	for i := 0; i < 100_000; i++ {
		sup := w.Supplier.TaxID
		if i%2 == 1 {
			sup = w.Supplier2.TaxID
		}
		fmt.Fprintf(&sb, "%s,F%07d,%s,%s,%s,%d.%02d\n", sup, i, cfdi(), issue, due, 100+i%9000, i%100)
	}
	start := time.Now()
	r, b := postBatch(t, env, buyer, "", sb.String(), "text/csv", "big")
	if r.Status != 201 || b.PublishedRows != 100_000 {
		t.Fatalf("big batch: %d %s", r.Status, r.Body)
	}
	t.Logf("100,000 rows in %v", time.Since(start))
	if n := count(t, env, "SELECT count(*) FROM invoices WHERE batch_id = $1", b.ID); n != 100_000 {
		t.Fatalf("%d rows stored", n)
	}
}

// produceInvoiceEvents makes every invoice event for the contract test.
func produceInvoiceEvents(t *testing.T, env *apitest.Env, w apitest.World) {
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	mk := func(body any) string {
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: body})
		if r.Status != 201 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		return jsonField(t, r, "id")
	}
	id := mk(doc(w.Supplier.TaxID, "EV-1"))
	mk(map[string]any{"kind": "credit_note", "supplier": w.Supplier.TaxID, "document_number": "EV-NC", "einvoice_id": cfdi(),
		"issue_date": day(-1), "amount": "1.00", "credit_note_for": "EV-1"})
	env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id + "/cancel", Token: buyer})
	mk(with(doc(w.Supplier.TaxID, "EV-2"), "due_date", day(2)))
	if _, err := env.App.Invoicing.ExpireInvoices(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	postBatch(t, env, buyer, "", []map[string]any{doc(w.Supplier.TaxID, "EV-3")}, "", "")
}

// Each change reaches JetStream exactly once, even when the relay runs twice.
func TestInvoiceEventsReachNATSOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices", Token: buyer, Body: doc(w.Supplier.TaxID, "J-1")})
	id := jsonField(t, r, "id")
	env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id + "/cancel", Token: buyer, Header: map[string]string{"Idempotency-Key": "c"}})
	env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + id + "/cancel", Token: buyer, Header: map[string]string{"Idempotency-Key": "c"}})
	rows := []map[string]any{doc(w.Supplier.TaxID, "J-2"), doc(w.Supplier2.TaxID, "J-3")}
	postBatch(t, env, buyer, "", rows, "", "b")
	postBatch(t, env, buyer, "", rows, "", "b")

	ns := natstest.Start(t)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := natsx.EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	relay := &outbox.Relay{Pool: env.Pool, JS: js}
	for i := 0; i < 2; i++ {
		if _, err := relay.RelayOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]uint64{}
	for _, subj := range []string{"cadena.invoice.published", "cadena.invoice.cancelled", "cadena.invoice.batch_published"} {
		s, err := js.Stream(ctx, natsx.EventsStream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(subj))
		if err != nil {
			t.Fatal(err)
		}
		got[subj] = info.State.Subjects[subj]
	}
	if fmt.Sprint(got) != "map[cadena.invoice.batch_published:1 cadena.invoice.cancelled:1 cadena.invoice.published:1]" {
		t.Fatalf("messages per subject %v", got)
	}
}

// Two buyers racing with the same e-invoice ids: each id ends up live once,
// and the loser's rows are refused, not a 500.
func TestConcurrentCrossBuyerDuplicates(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = cfdi()
	}
	batch := func(supplier string) []map[string]any {
		rows := make([]map[string]any, len(ids))
		for i, id := range ids {
			rows[i] = with(doc(supplier, fmt.Sprint("R-", i)), "einvoice_id", id)
		}
		return rows
	}
	done := make(chan batchOut, 2)
	for _, c := range []struct {
		tok string
		sup string
	}{{env.Token(w.Buyer.ID, auth.RoleBuyer), w.Supplier.TaxID}, {env.Token(w.OtherBuyer.ID, auth.RoleBuyer), w.OtherSupplier.TaxID}} {
		go func() {
			_, b := postBatch(t, env, c.tok, "", batch(c.sup), "", "")
			done <- b
		}()
	}
	a, b := <-done, <-done
	if a.PublishedRows+b.PublishedRows != len(ids) || a.RejectedRows+b.RejectedRows != len(ids) {
		t.Fatalf("race outcome %+v %+v", a, b)
	}
	if n := count(t, env, "SELECT count(DISTINCT einvoice_id) FROM invoices"); n != len(ids) {
		t.Fatalf("%d distinct live ids", n)
	}
}
