package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	seed "github.com/cadena-finance/cadena/internal/app/demo"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/platform/xsdtest"
	"github.com/cadena-finance/cadena/internal/server"
)

// send is one API call with a raw body: the status and the body read. A
// POST carries a fresh Idempotency-Key, as a careful client's would.
func send(t *testing.T, method, url, tok, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method == "POST" {
		req.Header.Set("Idempotency-Key", uuid.NewString())
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

type apiFinancing struct {
	ID          string `json:"id"`
	LenderID    string `json:"lender_id"`
	NetProceeds string `json:"net_proceeds"`
	ValueDate   string `json:"value_date"`
	Status      string `json:"status"`
}

// takeEarlyPayment has the first demo supplier accept the best quote for n
// of its published invoices over HTTP: the financings.
func takeEarlyPayment(t *testing.T, s *server.Server, base string, supplier string, n int) []apiFinancing {
	t.Helper()
	tok := mint(t, s, supplier, auth.RoleSupplier)
	status, body := send(t, "GET", base+"/v1/invoices?status=published&limit=100", tok, "", nil)
	var invoices struct{ Items []struct{ ID string } }
	if err := json.Unmarshal(body, &invoices); status != 200 || err != nil || len(invoices.Items) < n {
		t.Fatalf("invoices: %d %s", status, body)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = invoices.Items[i].ID
	}
	status, body = post(t, base, "/v1/quotes", tok, map[string]any{"invoice_ids": ids})
	var q struct{ Offers []struct{ ID string } }
	if err := json.Unmarshal(body, &q); status != 201 || err != nil || len(q.Offers) == 0 {
		t.Fatalf("quotes: %d %s", status, body)
	}
	status, body = post(t, base, "/v1/offers/"+q.Offers[0].ID+"/accept", tok, nil)
	var acc struct{ Financings []apiFinancing }
	if err := json.Unmarshal(body, &acc); status != 201 || err != nil || len(acc.Financings) != n {
		t.Fatalf("accept: %d %s", status, body)
	}
	return acc.Financings
}

func mint(t *testing.T, s *server.Server, party string, role auth.Role) string {
	t.Helper()
	tok, err := s.App.Access.MintToken(context.Background(), "test", uuid.MustParse(party), role)
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// The README's settlement walkthrough, on the demo and on any date: a
// supplier takes early payment, the lender confirms funding, `cadena
// bank-notification` writes the bank's camt.054 for the repayments, and
// its upload matches every entry (nothing held for review), repays the
// financings and leaves reconciliation clean. One file can also carry both
// legs of a financing, and an entry an upload would hold is said so.
func TestBankNotificationSettlesTheDemo(t *testing.T) {
	s, base := startServer(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed-demo"}, &out, &out); err != nil { // as make run does
		t.Fatal(err, out.String())
	}
	demo, _, err := seed.Seed(ctx, s.App)
	if err != nil {
		t.Fatal(err)
	}
	fins := takeEarlyPayment(t, s, base, demo.Suppliers[0].Party.ID.String(), 2)
	lender := mint(t, s, fins[0].LenderID, auth.RoleLender)
	today := time.Now().In(demo.Program.Location()).Format(time.DateOnly)
	for _, f := range fins {
		status, body := post(t, base, "/v1/financings/"+f.ID+"/funding-confirmation", lender,
			map[string]string{"bank_reference": "SPEI-" + f.ID[:8], "amount": f.NetProceeds, "date": today})
		if status != 200 || !strings.Contains(string(body), `"status":"funded"`) {
			t.Fatalf("funding confirmation: %d %s", status, body)
		}
	}

	var doc, notes bytes.Buffer
	if err := run(ctx, []string{"bank-notification", "--financing", fins[0].ID + "," + fins[1].ID}, &doc, &notes); err != nil {
		t.Fatal(err, notes.String())
	}
	if strings.Contains(notes.String(), "held for review") || strings.Count(notes.String(), "repayment") != 2 {
		t.Fatalf("notes:\n%s", notes.String())
	}
	repayments := bytes.Clone(doc.Bytes())
	upload(t, base, lender, repayments, 2)
	for _, f := range fins {
		if got := financingStatus(t, base, lender, f.ID); got != "repaid" {
			t.Fatalf("financing %s is %s after the camt.054", f.ID, got)
		}
	}

	// Written again, the same entries: an upload would be a duplicate.
	notes.Reset()
	if err := run(ctx, []string{"bank-notification", "--financing", fins[0].ID}, io.Discard, &notes); err != nil ||
		!strings.Contains(notes.String(), "a duplicate if uploaded now: already confirmed by this bank reference") {
		t.Fatalf("%v: %s", err, notes.String())
	}

	// Both legs of a financing just accepted, in one file; a repayment alone
	// would be held, and the command says so.
	third := takeEarlyPayment(t, s, base, demo.Suppliers[1].Party.ID.String(), 1)[0]
	notes.Reset()
	if err := run(ctx, []string{"bank-notification", "--financing", third.ID}, io.Discard, &notes); err != nil ||
		!strings.Contains(notes.String(), "held for review if uploaded now: the financing is accepted") {
		t.Fatalf("%v: %s", err, notes.String())
	}
	doc.Reset()
	if err := run(ctx, []string{"bank-notification", "--financing", third.ID, "--leg", "both"}, &doc, io.Discard); err != nil {
		t.Fatal(err)
	}
	upload(t, base, mint(t, s, third.LenderID, auth.RoleLender), doc.Bytes(), 2)
	if got := financingStatus(t, base, mint(t, s, third.LenderID, auth.RoleLender), third.ID); got != "repaid" {
		t.Fatalf("financing %s is %s after both legs", third.ID, got)
	}

	out.Reset()
	if err := run(ctx, []string{"reconcile"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "checked 3 financings, 0 differences") {
		t.Fatalf("reconcile: %v\n%s", err, out.String())
	}
	// Last: without xmllint it skips.
	xsdtest.Validate(t, xsdtest.Camt054, repayments)
	xsdtest.Validate(t, xsdtest.Camt054, doc.Bytes())
}

// upload posts a camt.054 to /v1/bank-statements and wants every one of
// its entries matched.
func upload(t *testing.T, base, tok string, doc []byte, entries int) {
	t.Helper()
	status, body := send(t, "POST", base+"/v1/bank-statements", tok, "application/xml", doc)
	var st struct{ Counts map[string]int }
	if err := json.Unmarshal(body, &st); status != 201 || err != nil || st.Counts["matched"] != entries ||
		st.Counts["unmatched"]+st.Counts["mismatched"]+st.Counts["duplicate"] != 0 {
		t.Fatalf("upload: %d %s\n--- camt.054 ---\n%s", status, body, doc)
	}
}

func financingStatus(t *testing.T, base, tok, id string) string {
	t.Helper()
	status, body := send(t, "GET", base+"/v1/financings/"+id, tok, "", nil)
	var f apiFinancing
	if err := json.Unmarshal(body, &f); status != 200 || err != nil {
		t.Fatalf("financing %s: %d %s", id, status, body)
	}
	return f.Status
}
