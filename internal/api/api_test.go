package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
)

func count(t *testing.T, env *apitest.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHealthReadyJWKS(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, p := range []string{"/healthz", "/readyz", "/.well-known/jwks.json"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: p}); r.Status != 200 {
			t.Fatalf("%s: %d %s", p, r.Status, r.Body)
		}
	}
	var jwks struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/.well-known/jwks.json"}).JSON(t, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kid != env.Keys.SigningKeyID() {
		t.Fatalf("jwks %+v", jwks)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/metrics"}); !strings.Contains(string(r.Body), "cadena_http_request_duration_seconds") {
		t.Fatal("metrics lack the request histogram")
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/nowhere"}); r.Status != 404 || r.Problem(t).Code != "route.not_found" {
		t.Fatalf("unknown route: %d", r.Status)
	}
	// The body limit guards every route, these public ones included: their
	// 413 is in the contract, so generated clients can decode it.
	big := strings.Repeat("a", 2<<20)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/.well-known/jwks.json"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: p, Body: big}); r.Status != 413 || r.Problem(t).Code != "request.too_large" {
			t.Fatalf("%s with a 2 MiB body: %d %s", p, r.Status, r.Body)
		}
	}
}

func TestLoginAndClientCredentials(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)

	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Supplier.ID.String() + "/users", Token: op,
		Body: map[string]string{"email": "Cobranza@Proveedor.mx", "password": "correct horse battery"}})
	if r.Status != 201 {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Role        string `json:"role"`
		PartyID     string `json:"party_id"`
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "cobranza@proveedor.mx", "password": "correct horse battery"}})
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &tok)
	if tok.Role != "supplier" || tok.PartyID != w.Supplier.ID.String() || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token %+v", tok)
	}
	claims, err := env.Verifier.Verify(tok.AccessToken)
	if err != nil || claims.Role != auth.RoleSupplier || claims.ExpiresAt.Sub(claims.IssuedAt) > 15*60e9 {
		t.Fatalf("claims %+v %v", claims, err)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: tok.AccessToken}); r.Status != 200 {
		t.Fatalf("me: %d", r.Status)
	}
	for _, bad := range []map[string]string{
		{"email": "cobranza@proveedor.mx", "password": "wrong password!"},
		{"email": "nobody@proveedor.mx", "password": "correct horse battery"},
	} {
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: bad})
		if r.Status != 401 || r.Problem(t).Code != "auth.invalid_credentials" {
			t.Fatalf("bad login %v: %d %s", bad, r.Status, r.Body)
		}
	}

	// A lender's own API client, created with the lender's token.
	lt := env.Token(w.Lender.ID, auth.RoleLender)
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/api-clients", Token: lt,
		Body: map[string]string{"name": "tesorería"}, Header: map[string]string{"Idempotency-Key": "cli-1"}})
	if r.Status != 201 {
		t.Fatalf("api client: %d %s", r.Status, r.Body)
	}
	var cl struct{ ClientID, ClientSecret string }
	cl.ClientID = jsonField(t, r, "client_id")
	cl.ClientSecret = jsonField(t, r, "client_secret")
	if !strings.HasPrefix(cl.ClientSecret, "cs_") {
		t.Fatalf("secret %q", cl.ClientSecret)
	}
	if n := count(t, env, "SELECT count(*) FROM idempotency_keys WHERE position($1 in convert_from(response_body, 'UTF8')) > 0", cl.ClientSecret); n != 0 {
		t.Fatal("the client secret was stored with the idempotency record")
	}
	replay := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/api-clients", Token: lt,
		Body: map[string]string{"name": "tesorería"}, Header: map[string]string{"Idempotency-Key": "cli-1"}})
	if replay.Status != 201 || jsonField(t, replay, "client_id") != cl.ClientID || strings.Contains(string(replay.Body), cl.ClientSecret) {
		t.Fatalf("replay: %d %s", replay.Status, replay.Body)
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]string{"grant_type": "client_credentials", "client_id": cl.ClientID, "client_secret": cl.ClientSecret}})
	if r.Status != 200 {
		t.Fatalf("client token: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &tok)
	if tok.Role != "lender" || tok.PartyID != w.Lender.ID.String() {
		t.Fatalf("client token %+v", tok)
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]string{"client_id": cl.ClientID, "client_secret": cl.ClientSecret + "x"}})
	if r.Status != 401 || r.Problem(t).Code != "auth.invalid_credentials" {
		t.Fatalf("wrong secret: %d", r.Status)
	}
	// OAuth clients send form encoding by default.
	form := "grant_type=client_credentials&client_id=" + cl.ClientID + "&client_secret=" + cl.ClientSecret
	req, _ := http.NewRequest("POST", env.Server.URL+"/v1/auth/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("form token: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
}

func jsonField(t *testing.T, r *apitest.Resp, name string) string {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	s, _ := m[name].(string)
	return s
}

func TestRejectedTokensOverHTTP(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	good := env.Token(w.Buyer.ID, auth.RoleBuyer)
	parts := strings.Split(good, ".")
	cases := map[string]struct {
		header, code string
	}{
		"missing":      {"", "auth.required"},
		"not bearer":   {"Basic abc", "auth.required"},
		"garbage":      {"Bearer abc.def.ghi", "auth.token_invalid"},
		"alg none":     {"Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".", "auth.token_invalid"},
		"tampered sig": {"Bearer " + parts[0] + "." + parts[1] + ".AAAA" + parts[2][4:], "auth.token_invalid"},
	}
	for name, c := range cases {
		req := apitest.Req{Method: "GET", Path: "/v1/programs", Header: map[string]string{}}
		if c.header != "" {
			req.Header["Authorization"] = c.header
		}
		r := env.Do(req)
		if r.Status != 401 || r.Problem(t).Code != c.code || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// A token for a party that is a buyer cannot be minted as a lender.
	if _, err := env.App.Access.MintToken(context.Background(), "x", w.Buyer.ID, auth.RoleLender); err == nil {
		t.Fatal("minted a lender token for a buyer")
	}
}

// routeRoles is every authenticated route with the roles it admits. The test
// fails when a route exists that this table does not name.
var routeRoles = map[string][]auth.Role{
	"GET /v1/me":                                 {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/parties":                           {auth.RoleOperator},
	"GET /v1/parties":                            {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/parties/:id":                        {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/parties/:id/bank-accounts":         {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/parties/:id/bank-accounts":          {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/parties/:id/users":                 {auth.RoleOperator},
	"POST /v1/parties/:id/deactivate":            {auth.RoleOperator},
	"POST /v1/parties/:id/api-clients":           {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/programs":                          {auth.RoleOperator, auth.RoleBuyer},
	"GET /v1/programs":                           {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/programs/:id":                       {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/programs/:id/suppliers":            {auth.RoleOperator, auth.RoleBuyer},
	"GET /v1/programs/:id/suppliers":             {auth.RoleOperator, auth.RoleBuyer},
	"POST /v1/programs/:id/lenders":              {auth.RoleOperator},
	"GET /v1/programs/:id/lenders":               {auth.RoleOperator, auth.RoleBuyer, auth.RoleLender},
	"POST /v1/invoices":                          {auth.RoleBuyer},
	"GET /v1/invoices":                           {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/invoices/:id":                       {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/invoices/:id/cancel":               {auth.RoleBuyer},
	"POST /v1/invoice-batches":                   {auth.RoleBuyer},
	"GET /v1/invoice-batches/:id":                {auth.RoleOperator, auth.RoleBuyer},
	"GET /v1/audit/verify":                       {auth.RoleOperator},
	"POST /v1/pricing/preview":                   {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"PUT /v1/reference-rates/:index/:date":       {auth.RoleOperator},
	"GET /v1/reference-rates/:index":             {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/calendars/:name/holidays":           {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"PUT /v1/calendars/:name/overrides/:date":    {auth.RoleOperator},
	"DELETE /v1/calendars/:name/overrides/:date": {auth.RoleOperator},

	"PUT /v1/programs/:id/standing-offer":         {auth.RoleLender},
	"GET /v1/programs/:id/standing-offer":         {auth.RoleLender},
	"DELETE /v1/programs/:id/standing-offer":      {auth.RoleLender},
	"POST /v1/programs/:id/standing-offer/pause":  {auth.RoleLender},
	"POST /v1/programs/:id/standing-offer/resume": {auth.RoleLender},
	"POST /v1/quotes":                             {auth.RoleSupplier},
	"GET /v1/offers":                              {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/offers/:id":                          {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/offers/:id/accept":                  {auth.RoleSupplier},
	"POST /v1/early-payment-requests":             {auth.RoleSupplier},
	"GET /v1/auctions/:id":                        {auth.RoleOperator, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/auctions/:id/bids":                  {auth.RoleLender},
	"GET /v1/financings":                          {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/financings/:id":                      {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/parties/:id/nats-credentials":       {auth.RoleOperator, auth.RoleLender},

	"GET /v1/financings/:id/assignment-notice":       {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"POST /v1/financings/:id/funding-confirmation":   {auth.RoleLender},
	"POST /v1/financings/:id/repayment-confirmation": {auth.RoleLender},
	"GET /v1/payment-files":                          {auth.RoleOperator, auth.RoleBuyer, auth.RoleLender},
	"GET /v1/payment-files/:id":                      {auth.RoleOperator, auth.RoleBuyer, auth.RoleLender},
	"POST /v1/bank-statements":                       {auth.RoleOperator, auth.RoleLender},
	"GET /v1/bank-statements":                        {auth.RoleOperator, auth.RoleLender},
	"GET /v1/bank-statements/:id":                    {auth.RoleOperator, auth.RoleLender},
	"GET /v1/ledger/trial-balance":                   {auth.RoleOperator},
	"GET /v1/statements":                             {auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender},
	"GET /v1/reconciliation":                         {auth.RoleOperator},
}

var public = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	"GET /.well-known/jwks.json": true, "POST /v1/auth/token": true, "POST /v1/auth/login": true}

// TestEveryRouteChecksRoles calls every route with no token and with each
// role's token: refused roles get 403, admitted roles never do.
func TestEveryRouteChecksRoles(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	tokens := map[auth.Role]string{
		auth.RoleOperator: env.Token(w.Operator.ID, auth.RoleOperator),
		auth.RoleBuyer:    env.Token(w.Buyer.ID, auth.RoleBuyer),
		auth.RoleSupplier: env.Token(w.Supplier.ID, auth.RoleSupplier),
		auth.RoleLender:   env.Token(w.Lender.ID, auth.RoleLender),
	}
	e := api.New(api.Deps{App: env.App, Pool: env.Pool, Idempotency: idempotencydb.New(env.Pool), Verifier: env.Verifier, Keys: env.Keys, Log: nil})
	seen := map[string]bool{}
	for _, r := range e.Routes() {
		key := r.Method + " " + r.Path
		if public[key] || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		seen[key] = true
		allowed, ok := routeRoles[key]
		if !ok {
			t.Errorf("route %s has no entry in routeRoles", key)
			continue
		}
		path := strings.NewReplacer(":id", w.Program.ID.String(), ":index", "TIIE_FONDEO", ":name", "MX", ":date", "2030-01-02").Replace(r.Path)
		if strings.HasPrefix(r.Path, "/v1/parties/:id") {
			path = strings.ReplaceAll(r.Path, ":id", w.Buyer.ID.String())
		}
		if strings.HasSuffix(r.Path, "/deactivate") { // the buyer must stay active for the next routes
			path = strings.ReplaceAll(r.Path, ":id", uuid.NewString())
		}
		var body any
		if r.Method == "POST" || r.Method == "PUT" {
			body = map[string]any{}
		}
		if res := env.Do(apitest.Req{Method: r.Method, Path: path, Body: body}); res.Status != 401 {
			t.Errorf("%s without a token: %d", key, res.Status)
		}
		for role, tok := range tokens {
			res := env.Do(apitest.Req{Method: r.Method, Path: path, Token: tok, Body: body})
			admitted := false
			for _, a := range allowed {
				admitted = admitted || a == role
			}
			switch {
			case !admitted && (res.Status != 403 || res.Problem(t).Code != "auth.forbidden"):
				t.Errorf("%s as %s: %d, want 403", key, role, res.Status)
			case admitted && (res.Status == 403 || res.Status == 401 || res.Status >= 500):
				t.Errorf("%s as %s: %d %s", key, role, res.Status, res.Body)
			}
		}
	}
	for key := range routeRoles {
		if !seen[key] {
			t.Errorf("routeRoles names %s, which is not a route", key)
		}
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)
	otherBuyer := env.Token(w.OtherBuyer.ID, auth.RoleBuyer)
	supplier := env.Token(w.Supplier.ID, auth.RoleSupplier)
	otherSupplier := env.Token(w.OtherSupplier.ID, auth.RoleSupplier)
	lender := env.Token(w.Lender.ID, auth.RoleLender)
	otherLender := env.Token(w.OtherLender.ID, auth.RoleLender)
	prog := "/v1/programs/" + w.Program.ID.String()

	notFound := []apitest.Req{
		{Method: "GET", Path: prog, Token: otherBuyer},
		{Method: "GET", Path: prog, Token: otherSupplier},
		{Method: "GET", Path: prog, Token: otherLender},
		{Method: "GET", Path: prog + "/suppliers", Token: otherBuyer},
		{Method: "GET", Path: prog + "/lenders", Token: otherBuyer},
		{Method: "GET", Path: prog + "/lenders", Token: otherLender},
		{Method: "POST", Path: prog + "/suppliers", Token: otherBuyer, Body: map[string]string{"tax_id": "EKU9003173C9", "legal_name": "X"}},
		{Method: "GET", Path: "/v1/parties/" + w.Buyer.ID.String(), Token: otherBuyer},
		{Method: "GET", Path: "/v1/parties/" + w.Supplier.ID.String(), Token: buyer},
		{Method: "GET", Path: "/v1/parties/" + w.Lender.ID.String(), Token: otherLender},
		{Method: "GET", Path: "/v1/parties/" + w.Buyer.ID.String() + "/bank-accounts", Token: supplier},
		{Method: "POST", Path: "/v1/parties/" + w.Buyer.ID.String() + "/bank-accounts", Token: lender,
			Body: map[string]string{"currency": "MXN", "scheme": "CLABE", "number": "032180000118359719"}},
		{Method: "POST", Path: "/v1/parties/" + w.Buyer.ID.String() + "/api-clients", Token: otherBuyer, Body: map[string]string{"name": "x"}},
		{Method: "GET", Path: "/v1/programs/" + uuid.NewString(), Token: buyer},
		{Method: "GET", Path: "/v1/programs/not-a-uuid", Token: buyer},
	}
	for _, req := range notFound {
		if r := env.Do(req); r.Status != 404 {
			t.Errorf("%s %s: %d %s", req.Method, req.Path, r.Status, r.Body)
		}
	}
	if n := count(t, env, "SELECT count(*) FROM program_suppliers WHERE program_id = $1", w.Program.ID); n != 2 {
		t.Fatalf("an outsider changed the program: %d suppliers", n)
	}

	// Lists show only what each caller may see.
	listIDs := func(path, tok string) []string {
		var page struct {
			Items []map[string]any `json:"items"`
		}
		env.Do(apitest.Req{Method: "GET", Path: path, Token: tok}).JSON(t, &page)
		var ids []string
		for _, it := range page.Items {
			for _, k := range []string{"id", "lender_id"} {
				if v, ok := it[k].(string); ok {
					ids = append(ids, v)
					break
				}
			}
		}
		return ids
	}
	if ids := listIDs("/v1/programs", supplier); len(ids) != 1 || ids[0] != w.Program.ID.String() {
		t.Errorf("supplier programs %v", ids)
	}
	if ids := listIDs("/v1/programs", otherLender); len(ids) != 1 || ids[0] != w.OtherProgram.ID.String() {
		t.Errorf("other lender programs %v", ids)
	}
	if ids := listIDs("/v1/parties", buyer); len(ids) != 1 || ids[0] != w.Buyer.ID.String() {
		t.Errorf("buyer parties %v", ids)
	}
	if ids := listIDs(prog+"/lenders", lender); len(ids) != 1 || ids[0] != w.Lender.ID.String() {
		t.Errorf("lender sees lines %v", ids)
	}
	if ids := listIDs(prog+"/lenders", buyer); len(ids) != 2 {
		t.Errorf("buyer sees %d lender lines", len(ids))
	}
	if ids := listIDs("/v1/parties?limit=500", env.Token(w.Operator.ID, auth.RoleOperator)); len(ids) != 9 {
		t.Errorf("operator sees %d parties, want 9", len(ids))
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; pages < 20; pages++ {
		var page struct {
			Items      []struct{ ID string } `json:"items"`
			NextCursor string                `json:"next_cursor"`
		}
		env.Do(apitest.Req{Method: "GET", Path: "/v1/parties?limit=3&cursor=" + cursor, Token: op}).JSON(t, &page)
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("%s twice", it.ID)
			}
			seen[it.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 9 {
		t.Fatalf("paged through %d parties, want 9", len(seen))
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=zzz"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/parties?" + q, Token: op}); r.Status != 400 || r.Problem(t).Code != "request.bad_parameter" {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	body := map[string]string{"kind": "lender", "legal_name": "Banco Idempotente", "country": "CO", "tax_id": "890903938-8"}
	post := func(key string, b any) *apitest.Resp {
		return env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op, Body: b, Header: map[string]string{"Idempotency-Key": key}})
	}
	first := post("k-1", body)
	if first.Status != 201 {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	again := post("k-1", body)
	if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", again.Status, again.Body)
	}
	if n := count(t, env, "SELECT count(*) FROM parties WHERE tax_id = '890903938-8'"); n != 1 {
		t.Fatalf("%d parties after replay", n)
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.party.created' AND payload->'data'->>'tax_id' = '890903938-8'"); n != 1 {
		t.Fatalf("%d events after replay", n)
	}
	changed := map[string]string{"kind": "lender", "legal_name": "Otro Banco", "country": "CO", "tax_id": "899999068-1"}
	if r := post("k-1", changed); r.Status != 422 || r.Problem(t).Code != "idempotency.key_reused" {
		t.Fatalf("mismatch: %d %s", r.Status, r.Body)
	}
	// A 4xx is a response like any other: replayed, not re-run.
	bad := map[string]string{"kind": "lender", "legal_name": "X", "country": "CO", "tax_id": "890903938-1"}
	b1, b2 := post("k-bad", bad), post("k-bad", bad)
	if b1.Status != 422 || b2.Status != 422 || b2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("4xx replay: %d %d", b1.Status, b2.Status)
	}
	// Keys are per party: another operator-side caller reusing the key is independent.
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/programs", Token: env.Token(w.Buyer.ID, auth.RoleBuyer),
		Body: map[string]string{"name": "Otro programa"}, Header: map[string]string{"Idempotency-Key": "k-1"}}); r.Status != 201 {
		t.Fatalf("same key, other party: %d %s", r.Status, r.Body)
	}
	if r := post(strings.Repeat("x", 256), body); r.Status != 400 || r.Problem(t).Code != "idempotency.key_malformed" {
		t.Fatalf("long key: %d", r.Status)
	}
}

// Concurrent duplicates: exactly one creation; the others answer 409
// in_progress or, once the first is done, its replay.
func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	body := map[string]string{"kind": "lender", "legal_name": "Banco Concurrente", "country": "CO", "tax_id": "899999068-1"}
	const n = 20
	statuses := make([]int, n)
	replayed := make([]bool, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op, Body: body, Header: map[string]string{"Idempotency-Key": "same"}})
			statuses[i], replayed[i] = r.Status, r.Header.Get("Idempotent-Replayed") == "true"
		}(i)
	}
	wg.Wait()
	fresh := 0
	for i, s := range statuses {
		switch {
		case s == 201 && !replayed[i]:
			fresh++
		case s == 201 && replayed[i], s == 409:
		default:
			t.Fatalf("attempt %d: status %d", i, s)
		}
	}
	if fresh != 1 || count(t, env, "SELECT count(*) FROM parties WHERE tax_id = '899999068-1'") != 1 {
		t.Fatalf("fresh creations %d, statuses %v", fresh, statuses)
	}
	// A duplicate arriving while the first is still running answers 409.
	_, err := env.Pool.Exec(context.Background(), `INSERT INTO idempotency_keys (party_id, key, method, path, request_hash, state, locked_until)
		VALUES ($1, 'held', 'POST', '/v1/parties', '\x00', 'pending', now() + interval '1 minute')`, w.Operator.ID)
	if err != nil {
		t.Fatal(err)
	}
	// the stored hash differs, so first make it match by reusing the real hash of a request
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op, Body: body, Header: map[string]string{"Idempotency-Key": "held"}})
	if r.Status != 422 {
		t.Fatalf("held key with other hash: %d", r.Status)
	}
	_, err = env.Pool.Exec(context.Background(), `UPDATE idempotency_keys SET request_hash = (SELECT request_hash FROM idempotency_keys WHERE key = 'same'),
		state = 'pending', locked_until = now() + interval '1 minute' WHERE key = 'held'`)
	if err != nil {
		t.Fatal(err)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op, Body: body, Header: map[string]string{"Idempotency-Key": "held"}}); r.Status != 409 || r.Problem(t).Code != "idempotency.in_progress" {
		t.Fatalf("in progress: %d %s", r.Status, r.Body)
	}
	// After the lease runs out (the first attempt crashed) the key can be taken over.
	_, _ = env.Pool.Exec(context.Background(), `UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'held'`)
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op, Body: body, Header: map[string]string{"Idempotency-Key": "held"}}); r.Status != 409 || r.Problem(t).Code != "party.duplicate" {
		t.Fatalf("take over: %d %s", r.Status, r.Body)
	}
}

func TestBadInputIsA4xxAndWritesNothing(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	prog := "/v1/programs/" + w.Program.ID.String()
	parties := count(t, env, "SELECT count(*) FROM parties")
	events := count(t, env, "SELECT count(*) FROM outbox")
	cases := []struct {
		name, path  string
		body        any
		ctype       string
		status      int
		code, field string
	}{
		{"malformed json", "/v1/parties", `{"kind": "buyer",`, "", 400, "request.malformed_json", ""},
		{"two values", "/v1/parties", `{} {}`, "", 400, "request.malformed_json", ""},
		{"empty body", "/v1/parties", ``, "", 400, "request.malformed_json", ""},
		{"unknown field", "/v1/parties", `{"kind":"buyer","legal_name":"X","country":"MX","tax_id":"ABA010203BB4","extra":1}`, "", 422, "validation.failed", "extra"},
		{"wrong type", "/v1/parties", `{"kind":"buyer","legal_name":7,"country":"MX","tax_id":"ABA010203BB4"}`, "", 422, "validation.failed", "legal_name"},
		{"not json", "/v1/parties", `kind=buyer`, "application/x-www-form-urlencoded", 415, "request.unsupported_media_type", ""},
		{"bad kind", "/v1/parties", map[string]string{"kind": "bank", "legal_name": "X", "country": "MX", "tax_id": "EKU9003173C9"}, "", 422, "validation.failed", "kind"},
		{"bad nit", "/v1/parties", map[string]string{"kind": "lender", "legal_name": "X", "country": "CO", "tax_id": "890903938-1"}, "", 422, "validation.failed", "tax_id"},
		{"bad rfc date", "/v1/parties", map[string]string{"kind": "lender", "legal_name": "X", "country": "MX", "tax_id": "ABC991340AA1"}, "", 422, "validation.failed", "tax_id"},
		{"generic rfc", "/v1/parties", map[string]string{"kind": "buyer", "legal_name": "X", "country": "MX", "tax_id": "XAXX010101000"}, "", 422, "validation.failed", "tax_id"},
		{"duplicate party", "/v1/parties", map[string]string{"kind": "buyer", "legal_name": "X", "country": "MX", "tax_id": "ABA010203BB4"}, "", 409, "party.duplicate", ""},
		{"bad clabe", "/v1/parties/" + w.Buyer.ID.String() + "/bank-accounts", map[string]string{"currency": "MXN", "scheme": "CLABE", "number": "032180000118359718"}, "", 422, "validation.failed", "number"},
		{"limit decimals", prog + "/lenders", map[string]string{"lender_id": w.OtherLender.ID.String(), "credit_limit": "100.001"}, "", 422, "validation.failed", "credit_limit"},
		{"limit as number", prog + "/lenders", `{"lender_id":"` + w.OtherLender.ID.String() + `","credit_limit":100.5}`, "", 422, "validation.failed", "credit_limit"},
		{"limit exponent", prog + "/lenders", map[string]string{"lender_id": w.OtherLender.ID.String(), "credit_limit": "1e9"}, "", 422, "validation.failed", "credit_limit"},
		{"lender not a lender", prog + "/lenders", map[string]string{"lender_id": w.Supplier.ID.String(), "credit_limit": "10.00"}, "", 422, "program.not_a_lender", ""},
		{"spread above cap", "/v1/programs", map[string]any{"buyer_id": w.Buyer.ID.String(), "name": "Caro", "max_spread_bps": 800}, "", 422, "validation.failed", "max_spread_bps"},
		{"bad time zone", "/v1/programs", map[string]any{"buyer_id": w.Buyer.ID.String(), "name": "TZ", "time_zone": "Mars/Olympus"}, "", 422, "validation.failed", "time_zone"},
		{"oversized", "/v1/parties", `{"legal_name":"` + strings.Repeat("a", 2<<20) + `"}`, "", 413, "request.too_large", ""},
	}
	for _, c := range cases {
		req := apitest.Req{Method: "POST", Path: c.path, Token: op, Body: c.body}
		if c.ctype != "" {
			req.Header = map[string]string{"Content-Type": c.ctype}
		}
		r := env.Do(req)
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.Status, c.status, r.Body)
			continue
		}
		p := r.Problem(t)
		if p.Code != c.code || p.Type != api.ProblemType+c.code || p.Status != c.status || p.Title == "" {
			t.Errorf("%s: problem %+v", c.name, p)
		}
		if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: field errors %+v, want %s", c.name, p.Errors, c.field)
		}
	}
	if got := count(t, env, "SELECT count(*) FROM parties"); got != parties {
		t.Fatalf("parties %d -> %d after refused requests", parties, got)
	}
	if got := count(t, env, "SELECT count(*) FROM outbox"); got != events {
		t.Fatalf("events %d -> %d after refused requests", events, got)
	}
}

func TestPartyProgramLifecycle(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	buyer := env.Token(w.Buyer.ID, auth.RoleBuyer)

	// An RFC with a bad check digit is accepted with a warning.
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op,
		Body: map[string]string{"kind": "buyer", "legal_name": "Industrias Viejas SA", "country": "MX", "tax_id": "sin9311169p8"}})
	if r.Status != 201 || jsonField(t, r, "tax_id_warning") != "rfc_check_digit_mismatch" || jsonField(t, r, "tax_id") != "SIN9311169P8" {
		t.Fatalf("warned rfc: %d %s", r.Status, r.Body)
	}
	// A buyer's own program takes Mexican defaults.
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/programs", Token: buyer, Body: map[string]any{"name": "Proveedores nacionales", "max_invoice_amount": "250000.00"}})
	if r.Status != 201 {
		t.Fatalf("program: %d %s", r.Status, r.Body)
	}
	var p struct {
		ID, BuyerID, Currency, DayCount, Calendar, TimeZone, FundingCutoff, ReferenceIndex string
		MaxSpreadBps                                                                       int
		MaxInvoiceAmount                                                                   *string
	}
	var raw map[string]any
	r.JSON(t, &raw)
	p.ID, p.BuyerID, p.Currency, p.DayCount = raw["id"].(string), raw["buyer_id"].(string), raw["currency"].(string), raw["day_count"].(string)
	p.Calendar, p.TimeZone, p.FundingCutoff = raw["calendar"].(string), raw["time_zone"].(string), raw["funding_cutoff"].(string)
	if p.BuyerID != w.Buyer.ID.String() || p.Currency != "MXN" || p.DayCount != "ACT/360" || p.Calendar != "MX" ||
		p.TimeZone != "America/Mexico_City" || p.FundingCutoff != "13:00" || fmt.Sprint(raw["max_spread_bps"]) != "700" || raw["max_invoice_amount"] != "250000.00" {
		t.Fatalf("defaults: %v", raw)
	}
	// Enrolling a supplier new to the platform creates it; a second enrolment elsewhere reuses it.
	enroll := func(progID, tok string, body map[string]string) *apitest.Resp {
		return env.Do(apitest.Req{Method: "POST", Path: "/v1/programs/" + progID + "/suppliers", Token: tok, Body: body})
	}
	if r := enroll(p.ID, buyer, map[string]string{"tax_id": "EKU9003173C9"}); r.Status != 422 {
		t.Fatalf("new supplier without legal name: %d", r.Status)
	}
	r = enroll(p.ID, buyer, map[string]string{"tax_id": "eku9003173c9", "legal_name": "Escuela Kemper Urgate SA de CV"})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"supplier_created":true`) {
		t.Fatalf("enroll new: %d %s", r.Status, r.Body)
	}
	r = enroll(w.Program.ID.String(), buyer, map[string]string{"tax_id": "EKU9003173C9"})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"supplier_created":false`) {
		t.Fatalf("enroll existing: %d %s", r.Status, r.Body)
	}
	if r := enroll(p.ID, buyer, map[string]string{"tax_id": "EKU9003173C9"}); r.Status != 409 || r.Problem(t).Code != "program.already_enrolled" {
		t.Fatalf("enroll twice: %d", r.Status)
	}
	if n := count(t, env, "SELECT count(*) FROM parties WHERE tax_id = 'EKU9003173C9'"); n != 1 {
		t.Fatalf("%d supplier parties", n)
	}
	// Lender enrolment, limit and availability.
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/programs/" + p.ID + "/lenders", Token: op,
		Body: map[string]string{"lender_id": w.Lender.ID.String(), "credit_limit": "12500000.5"}})
	if r.Status != 201 || jsonField(t, r, "credit_limit") != "12500000.50" || jsonField(t, r, "available") != "12500000.50" || jsonField(t, r, "exposure") != "0.00" {
		t.Fatalf("lender: %d %s", r.Status, r.Body)
	}
	// Bank accounts: Colombian account for a Colombian lender.
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/parties", Token: op, Body: map[string]string{"kind": "lender", "legal_name": "Bancolombia SA", "country": "CO", "tax_id": "890.903.938-8"}})
	if r.Status != 201 {
		t.Fatalf("co lender: %d %s", r.Status, r.Body)
	}
	co := jsonField(t, r, "id")
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + co + "/bank-accounts", Token: op,
		Body: map[string]string{"currency": "COP", "scheme": "CO_ACCOUNT", "bank_code": "1007", "number": "123-456789-01", "account_type": "ahorros"}})
	if r.Status != 201 || jsonField(t, r, "number") != "12345678901" {
		t.Fatalf("co account: %d %s", r.Status, r.Body)
	}
	var evs []string
	rows, err := env.Pool.Query(context.Background(), "SELECT subject FROM outbox ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		evs = append(evs, s)
	}
	want := map[string]int{"cadena.party.created": 11 + 1, "cadena.program.created": 3, "cadena.program.supplier_enrolled": 5, "cadena.program.lender_enrolled": 4, "cadena.party.bank_account_added": 1}
	got := map[string]int{}
	for _, s := range evs {
		got[s]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
