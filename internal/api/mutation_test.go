package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/contracts"
	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/iso20022"
)

// base is a valid request for one operation of the contract.
type base struct {
	token string
	path  map[string]string // path parameter values, unescaped
	query url.Values
	body  any    // JSON value, or []byte sent as ctype
	ctype string // for a []byte body
}

// mutationBases builds one valid request per operation, keyed "METHOD /path"
// as the contract writes it, on a seeded platform with an offer, an auction,
// a financing, a batch and a bank statement to point at.
func mutationBases(t *testing.T) (*settleFixture, map[string]base) {
	s := newSettleFixture(t)
	// Thousands of mutated logins come from one address; throttling has
	// tests of its own (login_throttle_test.go) and must not refuse the bases.
	s.env.App.Throttle = auth.Throttle{Failures: 1 << 30, AddressFailures: 1 << 30}
	w := s.w
	inv := s.invoices(t, 6, "100000.00")
	offer := s.quote(t, inv[0]).Offers[0].ID
	fin, finLender := s.financed(t, "50000.00")
	r := s.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: s.supplier, Body: map[string]any{"invoice_ids": []string{inv[1]}}})
	if r.Status != 201 {
		t.Fatalf("auction: %d %s", r.Status, r.Body)
	}
	auction := jsonField(t, r, "id")
	r, b := postBatch(t, s.env, s.buyer, "?program_id="+w.Program.ID.String(), []any{doc(w.Supplier.ID.String(), "MB-1")}, "", "")
	if r.Status != 201 {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	camt := s.camt(t, "MUT-1", w.Lender.ID, camtItem{e2e: "MUT-E2E", ref: "MUT-REF", amount: "10.00", cd: iso20022.Credit})
	stmt := s.upload(t, s.lender, camt)
	r = s.env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Buyer.ID.String() + "/api-clients", Token: s.buyer, Body: map[string]any{"name": "erp"}})
	if r.Status != 201 {
		t.Fatalf("api client: %d %s", r.Status, r.Body)
	}
	clientID, secret := jsonField(t, r, "client_id"), jsonField(t, r, "client_secret")
	r = s.env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Buyer.ID.String() + "/users", Token: s.op,
		Body: map[string]any{"email": "mutante@example.com", "password": "Tres-tristes-tigres-9"}})
	if r.Status != 201 {
		t.Fatalf("user: %d %s", r.Status, r.Body)
	}

	// A party of its own to deactivate, so the other bases keep theirs.
	r = s.env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: s.op,
		Body: map[string]any{"kind": "buyer", "legal_name": "Desactivable SA de CV", "country": "MX", "tax_id": "DES010101AB1"}})
	if r.Status != 201 {
		t.Fatalf("party to deactivate: %d %s", r.Status, r.Body)
	}
	retired := jsonField(t, r, "id")
	file := s.paymentFile(t, finLender, "disbursement", "2026-11-20")
	fileID := regexp.MustCompile(`<MsgId>([^<]+)</MsgId>`).FindSubmatch(file)[1]

	r = s.env.Do(apitest.Req{Method: "PUT", Path: "/v1/calendars/MX/overrides/2027-03-04", Token: s.op, Body: map[string]any{"name": "Asueto", "remove": false}})
	if r.Status != 200 {
		t.Fatalf("override: %d %s", r.Status, r.Body)
	}

	id := func(v any) map[string]string { return map[string]string{"id": fmt.Sprint(v)} }
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	prog, buyer, lender := id(w.Program.ID), id(w.Buyer.ID), id(w.Lender.ID)
	newDoc := doc(w.Supplier.ID.String(), "MUT-1")
	newDoc["program_id"] = w.Program.ID.String()
	return s, map[string]base{
		"GET /healthz":               {},
		"GET /readyz":                {},
		"GET /metrics":               {},
		"GET /.well-known/jwks.json": {},
		"POST /v1/auth/token":        {body: map[string]any{"grant_type": "client_credentials", "client_id": clientID, "client_secret": secret}},
		"POST /v1/auth/login":        {body: map[string]any{"email": "mutante@example.com", "password": "Tres-tristes-tigres-9"}},
		"GET /v1/me":                 {token: s.buyer},
		"POST /v1/parties":           {token: s.op, body: map[string]any{"kind": "buyer", "legal_name": "Mutaciones SA de CV", "country": "MX", "tax_id": "MUT010101AB1"}},
		"GET /v1/parties":            {token: s.op, query: q("kind", "buyer", "limit", "10")},
		"GET /v1/parties/{id}":       {token: s.op, path: buyer},
		"POST /v1/parties/{id}/bank-accounts": {token: s.op, path: id(w.OtherBuyer.ID),
			body: map[string]any{"currency": "MXN", "scheme": "CLABE", "number": clabe("01218000987654321"), "holder_name": "Comprador Dos"}},
		"GET /v1/parties/{id}/bank-accounts":     {token: s.op, path: buyer},
		"POST /v1/parties/{id}/users":            {token: s.op, path: buyer, body: map[string]any{"email": "otra@example.com", "password": "Tres-tristes-tigres-9"}},
		"POST /v1/parties/{id}/api-clients":      {token: s.buyer, path: buyer, body: map[string]any{"name": "erp 2"}},
		"POST /v1/programs":                      {token: s.buyer, body: map[string]any{"name": "Programa Mutante", "max_invoice_amount": "5000000.00", "max_effective_rate": "30.00"}},
		"GET /v1/programs":                       {token: s.buyer, query: q("limit", "10")},
		"GET /v1/programs/{id}":                  {token: s.buyer, path: prog},
		"POST /v1/programs/{id}/suppliers":       {token: s.buyer, path: prog, body: map[string]any{"tax_id": "NUE010101AA1", "country": "MX", "legal_name": "Nuevo Proveedor"}},
		"GET /v1/programs/{id}/suppliers":        {token: s.buyer, path: prog},
		"POST /v1/programs/{id}/lenders":         {token: s.op, path: prog, body: map[string]any{"lender_id": w.OtherLender.ID.String(), "credit_limit": "1000000.00"}},
		"GET /v1/programs/{id}/lenders":          {token: s.op, path: prog},
		"POST /v1/pricing/preview":               {token: s.supplier, body: map[string]any{"program_id": w.Program.ID.String(), "face": "100000.00", "due_date": "2027-01-22", "spread_bps": 300}},
		"PUT /v1/reference-rates/{index}/{date}": {token: s.op, path: map[string]string{"index": "TIIE_FONDEO", "date": "2026-11-19"}, body: map[string]any{"rate": "7.12"}},
		"GET /v1/reference-rates/{index}":        {token: s.supplier, path: map[string]string{"index": "TIIE_FONDEO"}, query: q("from", "2026-11-01", "to", "2026-11-20")},
		"GET /v1/calendars/{name}/holidays":      {token: s.supplier, path: map[string]string{"name": "MX"}, query: q("year", "2026")},
		"PUT /v1/calendars/{name}/overrides/{date}": {token: s.op, path: map[string]string{"name": "MX", "date": "2027-03-03"},
			body: map[string]any{"name": "Asueto", "remove": false}},
		"DELETE /v1/calendars/{name}/overrides/{date}": {token: s.op, path: map[string]string{"name": "MX", "date": "2027-03-04"}},
		"POST /v1/invoices":                            {token: s.buyer, body: newDoc},
		"GET /v1/invoices": {token: s.buyer, query: q("status", "published", "kind", "invoice", "due_from", "2026-12-01", "due_to", "2027-12-01",
			"amount_min", "1.00", "amount_max", "1000000.00", "program_id", w.Program.ID.String(), "limit", "10")},
		"GET /v1/invoices/{id}":                        {token: s.buyer, path: id(inv[4])},
		"POST /v1/invoices/{id}/cancel":                {token: s.buyer, path: id(inv[5])},
		"POST /v1/invoice-batches":                     {token: s.buyer, query: q("program_id", w.Program.ID.String(), "atomic", "false"), body: []any{doc(w.Supplier.ID.String(), "MB-2")}},
		"GET /v1/invoice-batches/{id}":                 {token: s.buyer, path: id(b.ID), query: q("result", "published", "limit", "10")},
		"GET /v1/audit/verify":                         {token: s.op},
		"PUT /v1/programs/{id}/standing-offer":         {token: s.lender, path: prog, body: map[string]any{"buckets": []any{map[string]any{"max_days": 180, "spread_bps": 300}}}},
		"GET /v1/programs/{id}/standing-offer":         {token: s.lender, path: prog},
		"DELETE /v1/programs/{id}/standing-offer":      {token: s.lender2, path: prog},
		"POST /v1/programs/{id}/standing-offer/pause":  {token: s.lender, path: prog},
		"POST /v1/programs/{id}/standing-offer/resume": {token: s.lender, path: prog},
		"POST /v1/quotes":                              {token: s.supplier, body: map[string]any{"invoice_ids": []any{inv[2]}}},
		"GET /v1/offers":                               {token: s.supplier, query: q("status", "open", "limit", "10")},
		"GET /v1/offers/{id}":                          {token: s.supplier, path: id(offer)},
		"POST /v1/offers/{id}/accept":                  {token: s.supplier, path: id(offer)},
		"POST /v1/early-payment-requests":              {token: s.supplier, body: map[string]any{"invoice_ids": []any{inv[3]}}},
		"GET /v1/auctions/{id}":                        {token: s.supplier, path: id(auction)},
		"POST /v1/auctions/{id}/bids":                  {token: s.lender, path: id(auction), body: map[string]any{"spread_bps": 300}},
		"GET /v1/financings":                           {token: finLender, query: q("offer_id", offer, "limit", "10")},
		"GET /v1/financings/{id}":                      {token: finLender, path: id(fin.ID)},
		"POST /v1/parties/{id}/nats-credentials":       {token: s.lender, path: lender},
		"GET /v1/financings/{id}/assignment-notice":    {token: finLender, path: id(fin.ID)},
		"POST /v1/financings/{id}/funding-confirmation": {token: finLender, path: id(fin.ID),
			body: map[string]any{"bank_reference": "MUT-FUND", "amount": fin.NetProceeds, "date": "2026-11-20"}},
		"POST /v1/financings/{id}/repayment-confirmation": {token: finLender, path: id(fin.ID),
			body: map[string]any{"bank_reference": "MUT-REPAY", "amount": fin.Face, "date": "2026-11-20"}},
		"GET /v1/payment-files":            {token: finLender, query: q("kind", "disbursement", "date", "2026-11-20")},
		"POST /v1/bank-statements":         {token: s.lender, body: camt, ctype: "application/xml"},
		"GET /v1/bank-statements/{id}":     {token: s.lender, path: id(stmt.ID)},
		"GET /v1/bank-statements":          {token: s.lender, query: q("held_for_review", "true", "limit", "10")},
		"GET /v1/payment-files/{id}":       {token: finLender, path: id(string(fileID))},
		"POST /v1/parties/{id}/deactivate": {token: s.op, path: id(retired)},
		"GET /v1/ledger/trial-balance":     {token: s.op},
		"GET /v1/statements":               {token: s.buyer, query: q("currency", "MXN", "from", "2026-11-01", "to", "2026-11-30", "limit", "10")},
		"GET /v1/reconciliation":           {token: s.op},
	}
}

// clabe appends the check digit (weights 3, 7, 1) to 17 digits.
func clabe(digits string) string {
	sum := 0
	for i, d := range digits {
		sum += int(d-'0') * []int{3, 7, 1}[i%3] % 10
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}

// mutation is one altered request: raw path, query and body as sent.
type mutation struct {
	what   string
	path   string // escaped, sent as is
	query  string
	body   []byte
	ctype  string
	header map[string]string
}

// Scalars that break types, text and number rules.
var badValues = []any{
	0, -1, 1.5, 1e308, true, false, nil, []any{}, map[string]any{},
	"", " ", "\x00", "a\x00b", "\x01", "\t", "\n", "\x7f", "\u0085", "\u202e", "\ufeff", "x\u2028y",
	strings.Repeat("x", 256), strings.Repeat("ñ", 5000),
	"9999999999999999999", "9999999999999999999.99", "1000000000000000.00", "999999999999999.99", "99999999999999999999999999999999999999",
	" 1.00", "1.00 ", "+1.00", "1e3", "1E-3", "-0", "0.0000000001", "1,000.00", "NaN", "Infinity", "0x10", "1_000",
	"2026-13-45", "0000-00-00", "99999-12-31", "2026-02-30", "2026-1-1", "20261120", "2026-11-20T00:00:00Z",
	"not-a-uuid", "00000000-0000-0000-0000-000000000000", "'; DROP TABLE parties; --", "%00", "../../etc/passwd",
}

// Path parameter values, already escaped.
var badPathValues = []string{"%00", "%zz", "%", "%2", "x%00y", "%C0%AF", "%FF", "%E2%80%AE", "%2e%2e", "..",
	strings.Repeat("a", 300), "00000000-0000-0000-0000-000000000000", "-1", "1e3", "%20", "null"}

func TestEveryOperationSurvivesMutations(t *testing.T) {
	perOp := 45 // mutations per operation in `make test`; make fuzz-api sets more
	if s := os.Getenv("CADENA_FUZZ_API_MUTATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CADENA_FUZZ_API_MUTATIONS=%q: want a positive number", s)
		}
		perOp = n
	}
	seed := uint64(11)
	if s := os.Getenv("CADENA_FUZZ_API_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	doc, err := openapi3.NewLoader().LoadFromData(contracts.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	s, bases := mutationBases(t)
	host := s.env.Server.Listener.Addr().String()
	client := &http.Client{Timeout: 60 * time.Second} // generous: CI is a busy 2-core machine
	codes := map[string]bool{}
	for _, c := range api.Codes() {
		codes[c] = true
	}

	var keys []string
	ops := map[string]*openapi3.Operation{}
	params := map[string]openapi3.Parameters{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			keys = append(keys, key)
			ops[key] = op
			params[key] = append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
		}
	}
	sort.Strings(keys)
	for key := range bases {
		if ops[key] == nil {
			t.Errorf("base request for %s, which the contract does not have", key)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x11))
	sent, fives := 0, 0
	for _, key := range keys {
		b, ok := bases[key]
		if !ok {
			t.Errorf("%s has no base request in mutationBases: add one", key)
			continue
		}
		method, tmpl, _ := strings.Cut(key, " ")
		muts := mutate(method, tmpl, b, ops[key], params[key])
		rng.Shuffle(len(muts), func(i, j int) { muts[i], muts[j] = muts[j], muts[i] })
		if len(muts) > perOp {
			muts = muts[:perOp]
		}
		// The base goes first, so its answer says the request was valid.
		all := append([]mutation{request(tmpl, b, "base")}, muts...)
		for i, m := range all {
			req, err := http.NewRequest(method, "http://"+host, bytes.NewReader(m.body))
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque, req.URL.RawQuery = m.path, m.query // sent byte for byte, bad escapes included
			if m.ctype != "" {
				req.Header.Set("Content-Type", m.ctype)
			}
			if b.token != "" {
				req.Header.Set("Authorization", "Bearer "+b.token)
			}
			if method == "POST" && i%2 == 1 { // half the POSTs go through the idempotency store
				req.Header.Set("Idempotency-Key", uuid.NewString())
			}
			for k, v := range m.header {
				req.Header[k] = []string{v}
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s, %s: %v", key, m.what, err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			sent++
			where := fmt.Sprintf("%s, %s: %d", key, m.what, res.StatusCode)
			switch {
			case res.StatusCode >= 500 && !(key == "POST /v1/parties/{id}/nats-credentials" && res.StatusCode == 503):
				// the test server has no NATS: a request valid enough to reach it gets 503 nats.unavailable
				fives++
				t.Errorf("%s\n%s", where, raw)
			case m.what == "base" && res.StatusCode >= 400 && key != "POST /v1/parties/{id}/nats-credentials":
				t.Errorf("the base request is not valid: %s %s", where, raw)
			case res.StatusCode >= 400:
				var p api.Problem
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(raw, &p) != nil || !codes[p.Code] {
					t.Errorf("%s is not a problem with a catalog code: %s %s", where, ct, raw)
				}
			}
		}
	}
	t.Logf("%d operations, %d requests (seed %d, %d mutations per operation at most), %d answered 5xx", len(keys), sent, seed, perOp, fives)
}

// request renders a base, with path values escaped as a client would.
func request(tmpl string, b base, what string) mutation {
	m := mutation{what: what, path: tmpl, query: b.query.Encode()}
	for name, v := range b.path {
		m.path = strings.ReplaceAll(m.path, "{"+name+"}", url.PathEscape(v))
	}
	switch body := b.body.(type) {
	case nil:
	case []byte:
		m.body, m.ctype = body, b.ctype
	default:
		m.body, _ = json.Marshal(body)
		m.ctype = "application/json"
	}
	return m
}

// mutate lists every single mutation of b: each path parameter, query
// parameter the contract documents, and leaf or field of the body (those
// of the base and those the contract's body schema lists), set to each bad
// value; and whole-body and header mutations.
func mutate(method, tmpl string, b base, op *openapi3.Operation, ps openapi3.Parameters) []mutation {
	var out []mutation
	for _, p := range ps {
		switch p.Value.In {
		case "path":
			for _, v := range badPathValues {
				m := request(tmpl, base{path: b.path, query: b.query, body: b.body, ctype: b.ctype}, "path "+p.Value.Name+"="+v)
				m.path = strings.ReplaceAll(tmpl, "{"+p.Value.Name+"}", v)
				for name, val := range b.path {
					m.path = strings.ReplaceAll(m.path, "{"+name+"}", url.PathEscape(val))
				}
				out = append(out, m)
			}
		case "query":
			for _, v := range append(badValues, "%zz", "%") {
				m := request(tmpl, b, fmt.Sprintf("query %s=%q", p.Value.Name, v))
				qv := url.Values{}
				for k, vs := range b.query {
					qv[k] = vs
				}
				if s, ok := v.(string); ok && strings.HasPrefix(s, "%") {
					m.query = qv.Encode() + "&" + p.Value.Name + "=" + s // a raw bad escape
				} else {
					qv.Set(p.Value.Name, fmt.Sprint(v))
					m.query = qv.Encode()
				}
				out = append(out, m)
			}
		}
	}
	base0 := request(tmpl, b, "")
	raw := func(what string, body []byte, ctype string) {
		m := base0
		m.what, m.body, m.ctype = what, body, ctype
		out = append(out, m)
	}
	if method == "POST" {
		for _, k := range []string{"\xff\xfe", strings.Repeat("k", 256), "clé-ñ", "a b"} {
			m := base0
			m.what, m.header = fmt.Sprintf("Idempotency-Key %q", k), map[string]string{"Idempotency-Key": k}
			out = append(out, m)
		}
	}
	if method != "POST" && method != "PUT" {
		return out
	}
	for _, body := range []string{"null", "[]", "{}", `"x"`, "1", "{", "{}{}", `{"a":"\xff"}`, "\xef\xbb\xbf{}", strings.Repeat("[", 20000)} {
		raw(fmt.Sprintf("body %.20q", body), []byte(body), "application/json")
	}
	raw("no content type", base0.body, "")
	raw("text/plain", base0.body, "text/plain")
	if len(base0.body) > 0 {
		raw("NUL in the middle", append(append(append([]byte{}, base0.body[:len(base0.body)/2]...), 0), base0.body[len(base0.body)/2:]...), base0.ctype)
		raw("cut short", base0.body[:len(base0.body)/2], base0.ctype)
	}
	if _, isRaw := b.body.([]byte); isRaw || b.body == nil {
		return out
	}
	var generic any
	_ = json.Unmarshal(base0.body, &generic)
	paths := leaves(generic, nil)
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			for name := range mt.Schema.Value.Properties {
				paths = append(paths, []any{name})
			}
		}
	}
	paths = append(paths, []any{"unknown_field"})
	for _, p := range paths {
		for _, v := range badValues {
			m := base0
			m.what = fmt.Sprintf("body %v=%.40q", p, fmt.Sprint(v))
			m.body, _ = json.Marshal(set(generic, p, v))
			out = append(out, m)
		}
	}
	return out
}

// leaves lists the path to every value inside v (containers included).
func leaves(v any, at []any) [][]any {
	var out [][]any
	if at != nil {
		out = append(out, at)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, leaves(e, append(append([]any{}, at...), k))...)
		}
	case []any:
		for i, e := range x {
			out = append(out, leaves(e, append(append([]any{}, at...), i))...)
		}
	}
	return out
}

// set returns a deep copy of v with the value at path replaced by nv.
func set(v any, path []any, nv any) any {
	if len(path) == 0 {
		return nv
	}
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = e
		}
		k := path[0].(string)
		c[k] = set(x[k], path[1:], nv)
		return c
	case []any:
		c := append([]any{}, x...)
		if i, ok := path[0].(int); ok && i < len(c) {
			c[i] = set(c[i], path[1:], nv)
		}
		return c
	}
	return v
}
