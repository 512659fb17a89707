// Package apitest runs the real API against a fresh PostgreSQL database and
// checks every response against contracts/openapi.yaml.
package apitest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/contracts"
	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/program"
)

// Env is a running API on its own database.
type Env struct {
	T        testing.TB
	Pool     *pgxpool.Pool
	App      *usecases.Set
	Keys     *auth.KeyRing
	Verifier *auth.Verifier
	Server   *httptest.Server
	Config   auth.Config
}

var (
	docOnce sync.Once
	router  routers.Router
	docErr  error
)

// Contract loads and validates contracts/openapi.yaml once.
func Contract(t testing.TB) routers.Router {
	t.Helper()
	docOnce.Do(func() {
		loader := openapi3.NewLoader()
		var doc *openapi3.T
		if doc, docErr = loader.LoadFromData(contracts.OpenAPI); docErr != nil {
			return
		}
		if docErr = doc.Validate(context.Background()); docErr != nil {
			return
		}
		doc.Servers = nil // match any host
		router, docErr = legacy.NewRouter(doc)
	})
	if docErr != nil {
		t.Fatalf("contracts/openapi.yaml: %v", docErr)
	}
	return router
}

// New starts the API on a fresh database.
func New(t testing.TB) *Env {
	t.Helper()
	pool, _ := pgtest.NewPool(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.NewKeyRing(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := auth.Config{Issuer: "cadena-test", Audience: "cadena-api"}
	issuer, err := auth.NewIssuer(ring, cfg)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(ring, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := usecases.New(&app.Base{Pool: pool, Issuer: issuer, PlatformMaxBps: 700})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := api.New(api.Deps{App: a, Pool: pool, Idempotency: idempotencydb.New(pool), Verifier: verifier, Keys: ring, Log: log, MaxBodyBytes: 1 << 20,
		NATSReady: func() bool { return true }})
	srv := httptest.NewUnstartedServer(e)
	srv.Listener = api.Listener(srv.Listener) // as cadena serve runs it
	srv.Start()
	t.Cleanup(srv.Close)
	return &Env{T: t, Pool: pool, App: a, Keys: ring, Verifier: verifier, Server: srv, Config: cfg}
}

// Token signs a token for a party in a role. It signs directly rather than
// through App.MintToken, whose audit event would be counted by tests that
// check the events their requests caused.
func (e *Env) Token(partyID uuid.UUID, role auth.Role) string {
	e.T.Helper()
	tok, _, err := e.App.Issuer.Issue(auth.Principal{Subject: "test", PartyID: partyID.String(), Role: role})
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// Resp is a received response.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Resp) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes a problem document and checks its media type.
func (r *Resp) Problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p api.Problem
	r.JSON(t, &p)
	return p
}

// Req describes a request; Body may be a string, []byte or any JSON value.
type Req struct {
	Method, Path, Token string
	Body                any
	Header              map[string]string
}

// Do sends a request and fails the test if the response breaks the contract.
func (e *Env) Do(r Req) *Resp {
	e.T.Helper()
	var body io.Reader
	ctype := "application/json"
	switch b := r.Body.(type) {
	case nil:
		ctype = ""
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.Method, e.Server.URL+r.Path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	out := &Resp{Status: res.StatusCode, Header: res.Header, Body: raw}
	CheckResponse(e.T, req, out)
	return out
}

// CheckResponse validates a response against the contract: its status must
// be documented for the route and its body must match the schema. Responses
// to routes the contract does not have must be 404/405 problems.
func CheckResponse(t testing.TB, req *http.Request, r *Resp) {
	t.Helper()
	rt := Contract(t)
	route, params, err := rt.FindRoute(req)
	if err != nil {
		if r.Status != 404 && r.Status != 405 {
			t.Fatalf("%s %s is not in the contract but answered %d", req.Method, req.URL.Path, r.Status)
		}
		r.Problem(t)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Fatalf("%s %s answered %d outside the contract: %v\nbody: %s", req.Method, req.URL.Path, r.Status, err, r.Body)
	}
}

// World is a small seeded platform: one operator, one buyer with a program,
// two suppliers enrolled, two lenders enrolled, and an outsider of each kind.
type World struct {
	Operator, Buyer, OtherBuyer        party.Party
	Supplier, Supplier2, OtherSupplier party.Party
	Lender, Lender2, OtherLender       party.Party
	Program, OtherProgram              program.Program
}

// Seed builds a World through the application layer.
func (e *Env) Seed() World {
	e.T.Helper()
	ctx := context.Background()
	var w World
	mk := func(kind party.Kind, name, rfc string) party.Party {
		p, err := e.App.Administration.CreateParty(ctx, app.System, party.Draft{Kind: string(kind), LegalName: name, Country: "MX", TaxID: rfc})
		if err != nil {
			e.T.Fatalf("seed %s: %v", name, err)
		}
		return p
	}
	w.Operator = mk(party.Operator, "Operador", "CAD250101GGA")
	w.Buyer = mk(party.Buyer, "Comprador Uno", "ABA010203BB4")
	w.OtherBuyer = mk(party.Buyer, "Comprador Dos", "COP200101AA5")
	w.Lender = mk(party.Lender, "Banco Uno", "BNO900101EEA")
	w.Lender2 = mk(party.Lender, "Financiera Dos", "FMX950615FF7")
	w.OtherLender = mk(party.Lender, "Banco Ajeno", "CFE370814QI0")
	var err error
	if w.Program, err = e.App.Administration.CreateProgram(ctx, app.System, w.Buyer.ID, program.Draft{Name: "Programa Uno"}); err != nil {
		e.T.Fatal(err)
	}
	if w.OtherProgram, err = e.App.Administration.CreateProgram(ctx, app.System, w.OtherBuyer.ID, program.Draft{Name: "Programa Dos"}); err != nil {
		e.T.Fatal(err)
	}
	enroll := func(p program.Program, rfc, name string) party.Party {
		en, err := e.App.Administration.EnrollSupplier(ctx, app.System, p.ID, administration.SupplierInvite{TaxID: rfc, LegalName: name})
		if err != nil {
			e.T.Fatalf("enroll %s: %v", name, err)
		}
		return en.Supplier
	}
	w.Supplier = enroll(w.Program, "TSE150505CC4", "Proveedor Uno")
	w.Supplier2 = enroll(w.Program, "MPA180808DD4", "Proveedor Dos")
	w.OtherSupplier = enroll(w.OtherProgram, "SAT970701NN3", "Proveedor Ajeno")
	for _, l := range []struct {
		p  program.Program
		id uuid.UUID
	}{{w.Program, w.Lender.ID}, {w.Program, w.Lender2.ID}, {w.OtherProgram, w.OtherLender.ID}} {
		if _, err := e.App.Administration.EnrollLender(ctx, app.System, l.p.ID, l.id, "1000000.00"); err != nil {
			e.T.Fatal(err)
		}
	}
	return w
}
