package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/contracts"
	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// TestInputRules: each input that reached a 500, or was accepted when it
// should not be, in issue 11, now answers its documented 4xx.
func TestInputRules(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	w := s.w
	fin, finLender := s.financed(t, "50000.00")
	buyerP, prog := "/v1/parties/"+w.Buyer.ID.String(), "/v1/programs/"+w.Program.ID.String()
	invoice := func(kv ...string) map[string]any {
		d := with(doc(w.Supplier.ID.String(), "IN-"+uuid.NewString()[:8]), kv...)
		d["program_id"] = w.Program.ID.String()
		return d
	}
	type want struct {
		status                 int
		code, field, fieldCode string
	}
	cases := []struct {
		name string
		req  apitest.Req
		want want
	}{
		{"NUL in legal_name", apitest.Req{Method: "POST", Path: "/v1/parties", Token: s.op,
			Body: map[string]any{"kind": "buyer", "legal_name": "A\x00B", "country": "MX", "tax_id": "NUL010101AB1"}},
			want{422, "validation.failed", "legal_name", "control_character"}},
		{"NUL in email", apitest.Req{Method: "POST", Path: buyerP + "/users", Token: s.op,
			Body: map[string]any{"email": "a\x00@example.com", "password": "Tres-tristes-tigres-9"}}, want{422, "validation.failed", "email", "control_character"}},
		{"NUL in login email", apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": "\x00", "password": "x"}},
			want{422, "validation.failed", "email", "control_character"}},
		{"NUL in client_id", apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]any{"client_id": "c\x00", "client_secret": "x"}},
			want{422, "validation.failed", "client_id", "control_character"}},
		{"NUL in holder_name", apitest.Req{Method: "POST", Path: "/v1/parties/" + w.OtherBuyer.ID.String() + "/bank-accounts", Token: s.op,
			Body: map[string]any{"currency": "MXN", "scheme": "CLABE", "number": clabe("01218000987654321"), "holder_name": "X\x00"}},
			want{422, "validation.failed", "holder_name", "control_character"}},
		{"NUL in client name", apitest.Req{Method: "POST", Path: buyerP + "/api-clients", Token: s.buyer, Body: map[string]any{"name": "\x00"}},
			want{422, "validation.failed", "name", "control_character"}},
		{"NUL in document_number", apitest.Req{Method: "POST", Path: "/v1/invoices", Token: s.buyer, Body: invoice("document_number", "F\x001")},
			want{422, "validation.failed", "document_number", "control_character"}},
		{"NUL in reference1", apitest.Req{Method: "POST", Path: "/v1/invoices", Token: s.buyer, Body: invoice("reference1", "\x00")},
			want{422, "validation.failed", "reference1", "control_character"}},
		{"C1 control in reference2", apitest.Req{Method: "POST", Path: "/v1/invoices", Token: s.buyer, Body: invoice("reference2", "a\u0085b")},
			want{422, "validation.failed", "reference2", "control_character"}},
		{"string too long", apitest.Req{Method: "POST", Path: buyerP + "/api-clients", Token: s.buyer, Body: map[string]any{"name": strings.Repeat("x", 256)}},
			want{422, "validation.failed", "name", "too_long"}},
		{"19-digit amount", apitest.Req{Method: "POST", Path: "/v1/invoices", Token: s.buyer, Body: invoice("amount", "1000000000000000000.00")},
			want{422, "validation.failed", "amount", "invoice.amount_too_large"}},
		{"16-digit amount", apitest.Req{Method: "POST", Path: "/v1/invoices", Token: s.buyer, Body: invoice("amount", "1000000000000000")},
			want{422, "validation.failed", "amount", "invoice.amount_too_large"}},
		{"19-digit credit_limit", apitest.Req{Method: "POST", Path: prog + "/lenders", Token: s.op,
			Body: map[string]any{"lender_id": w.OtherLender.ID.String(), "credit_limit": "9999999999999999999"}},
			want{422, "validation.failed", "credit_limit", "invalid_amount"}},
		{"19-digit max_invoice_amount", apitest.Req{Method: "POST", Path: "/v1/programs", Token: s.buyer,
			Body: map[string]any{"name": "P19", "max_invoice_amount": "9999999999999999999"}},
			want{422, "validation.failed", "max_invoice_amount", "amount_too_large"}},
		{"19-digit confirmation amount", apitest.Req{Method: "POST", Path: "/v1/financings/" + fin.ID + "/funding-confirmation", Token: finLender,
			Body: map[string]any{"bank_reference": "R", "amount": "9999999999999999999.00", "date": "2026-11-20"}},
			want{422, "", "", ""}},
		{"leading space in amount", apitest.Req{Method: "POST", Path: "/v1/invoices", Token: s.buyer, Body: invoice("amount", " 100.00")},
			want{422, "validation.failed", "amount", "invoice.invalid_amount"}},
		{"leading space in max_invoice_amount", apitest.Req{Method: "POST", Path: "/v1/programs", Token: s.buyer,
			Body: map[string]any{"name": "PS", "max_invoice_amount": " 100.00"}}, want{422, "validation.failed", "max_invoice_amount", "invalid_amount"}},
		{"exponent in max_effective_rate", apitest.Req{Method: "POST", Path: "/v1/programs", Token: s.buyer,
			Body: map[string]any{"name": "PE", "max_effective_rate": "1e3"}}, want{422, "validation.failed", "max_effective_rate", "invalid"}},
		{"empty max_invoice_amount", apitest.Req{Method: "POST", Path: "/v1/programs", Token: s.buyer,
			Body: map[string]any{"name": "PM", "max_invoice_amount": ""}}, want{422, "validation.failed", "max_invoice_amount", "empty"}},
		{"null body on the calendar override", apitest.Req{Method: "PUT", Path: "/v1/calendars/MX/overrides/2027-03-03", Token: s.op, Body: "null"},
			want{422, "validation.failed", "(body)", "wrong_type"}},
		{"body not UTF-8", apitest.Req{Method: "POST", Path: buyerP + "/api-clients", Token: s.buyer, Body: []byte("{\"name\":\"\xff\"}")},
			want{400, "request.malformed_json", "", ""}},
		{"NUL in a query value", apitest.Req{Method: "GET", Path: "/v1/parties?kind=%00", Token: s.op},
			want{400, "request.bad_parameter", "kind", "control_character"}},
		{"%00 path id with an Idempotency-Key", apitest.Req{Method: "POST", Path: "/v1/parties/%00/api-clients", Token: s.buyer,
			Body: map[string]any{"name": "x"}, Header: map[string]string{"Idempotency-Key": uuid.NewString()}}, want{404, "party.not_found", "", ""}},
		{"%00 offer id with an Idempotency-Key", apitest.Req{Method: "POST", Path: "/v1/offers/%00/accept", Token: s.supplier,
			Header: map[string]string{"Idempotency-Key": uuid.NewString()}}, want{404, "offer.not_found", "", ""}},
		{"non-ASCII Idempotency-Key", apitest.Req{Method: "POST", Path: buyerP + "/api-clients", Token: s.buyer,
			Body: map[string]any{"name": "x"}, Header: map[string]string{"Idempotency-Key": "clé"}}, want{400, "idempotency.key_malformed", "", ""}},
	}
	for _, c := range cases {
		r := s.env.Do(c.req)
		p := r.Problem(t)
		if r.Status != c.want.status || (c.want.code != "" && p.Code != c.want.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.want.status, c.want.code)
			continue
		}
		if c.want.field == "" {
			continue
		}
		found := false
		for _, e := range p.Errors {
			found = found || (e.Field == c.want.field && e.Code == c.want.fieldCode)
		}
		if !found {
			t.Errorf("%s: errors %+v, want %s %s", c.name, p.Errors, c.want.field, c.want.fieldCode)
		}
	}
	if n := count(t, s.env, "SELECT count(*) FROM programs WHERE name IN ('P19', 'PS', 'PE', 'PM')"); n != 0 {
		t.Errorf("%d refused programs written", n)
	}

	// The largest amount is accepted and stored as sent.
	r := s.env.Do(apitest.Req{Method: "POST", Path: "/v1/programs", Token: s.buyer, Body: map[string]any{"name": "Max", "max_invoice_amount": "999999999999999.99"}})
	if r.Status != 201 || jsonField(t, r, "max_invoice_amount") != "999999999999999.99" {
		t.Errorf("largest amount: %d %s", r.Status, r.Body)
	}

	// A NUL byte refuses a CSV batch (a UTF-16 export), with nothing written.
	csv := "supplier,document_number,einvoice_id,issue_date,due_date,amount\n" + w.Supplier.ID.String() + ",F\x001," + cfdi() + "," + day(-5) + "," + day(60) + ",100.00\n"
	r = s.env.Do(apitest.Req{Method: "POST", Path: "/v1/invoice-batches?program_id=" + w.Program.ID.String(), Token: s.buyer, Body: []byte(csv),
		Header: map[string]string{"Content-Type": "text/csv"}})
	if r.Status != 422 || r.Problem(t).Code != "invoice_batch.bad_encoding" {
		t.Errorf("CSV with NUL: %d %s", r.Status, r.Body)
	}
}

// TestBadEscapeIsAProblem: net/http refuses a bad %-escape before any
// handler; api.Listener turns its plain-text 400 into problem+json.
func TestBadEscapeIsAProblem(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, target := range []string{"/v1/parties/%zz", "/v1/parties/%", "/v1/invoices/a%2"} {
		conn, err := net.DialTimeout("tcp", env.Server.Listener.Addr().String(), 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
		if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target); err != nil {
			t.Fatal(err)
		}
		head, err := io.ReadAll(bufio.NewReader(conn))
		_ = conn.Close() // read to the end already
		if err != nil {
			t.Fatal(err)
		}
		status, body, _ := strings.Cut(string(head), "\r\n\r\n")
		var p struct {
			Code   string
			Status int
		}
		if !strings.HasPrefix(status, "HTTP/1.1 400 ") || !strings.Contains(status, "Content-Type: application/problem+json") ||
			json.Unmarshal([]byte(body), &p) != nil || p.Code != "request.invalid" || p.Status != 400 {
			t.Errorf("%s: %q", target, head)
		}
	}
	// An ordinary request on the same server is untouched.
	if r := env.Do(apitest.Req{Method: "GET", Path: "/healthz"}); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
}

// TestContractStatesTheInputRules: the contract's amount and text patterns
// accept exactly what money.CheckSyntax and validation.HasControl accept.
func TestContractStatesTheInputRules(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(contracts.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	amount := regexp.MustCompile(doc.Components.Schemas["AmountInput"].Value.Pattern)
	for _, s := range []string{"1250.00", "0", "-3", "999999999999999.99", "1000000000000000", " 1.00", "1e3", "+1", ".5", "5.",
		"1,000.00", "1.00000000001", "", "9999999999999999999", "1\x00"} {
		if got, want := amount.MatchString(s), money.CheckSyntax(s) == nil; got != want {
			t.Errorf("amount %q: contract %v, money.CheckSyntax %v", s, got, want)
		}
	}
	text := doc.Components.Schemas["Text"].Value
	re := regexp.MustCompile(text.Pattern)
	for _, s := range []string{"Proveedor Ñandú", "a\x00b", "\t", "\n", "\x7f", "\u0085", "\u00a0", "\u202e", ""} {
		if got, want := re.MatchString(s), !validation.HasControl(s); got != want {
			t.Errorf("text %q: contract %v, validation %v", s, got, want)
		}
	}
	if text.MaxLength == nil || int(*text.MaxLength) != validation.MaxText {
		t.Errorf("Text maxLength %v, validation.MaxText %d", text.MaxLength, validation.MaxText)
	}
}
