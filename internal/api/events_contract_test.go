package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cadena-finance/cadena/contracts"
	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
)

// eventProducers are added by other test files (in init) to make the events
// of their feature, so this test checks those payloads too.
var eventProducers []func(*testing.T, *apitest.Env, apitest.World)

// eventSchemas compiles contracts/events/*.json, keyed by event type.
func eventSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, err := fs.Glob(contracts.Events, "events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, f := range files {
		raw, _ := fs.ReadFile(contracts.Events, f)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		typ := strings.TrimSuffix(strings.TrimPrefix(f, "events/"), ".json")
		url := "https://cadena.dev/events/" + typ + ".json"
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		if out[typ], err = c.Compile(url); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return out
}

// Every emitted event has a contract, every contract an event type, and
// every payload the platform wrote validates against its schema.
func TestEventsMatchContracts(t *testing.T) {
	t.Parallel()
	schemas := eventSchemas(t)
	for _, typ := range event.Types {
		if schemas[typ] == nil {
			t.Errorf("event %s has no contracts/events/%s.json", typ, typ)
		}
	}
	if len(schemas) != len(event.Types) {
		t.Errorf("%d schemas for %d event types", len(schemas), len(event.Types))
	}

	env := apitest.New(t)
	w := env.Seed()
	env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Buyer.ID.String() + "/bank-accounts", Token: env.Token(w.Buyer.ID, auth.RoleBuyer),
		Body: map[string]string{"currency": "MXN", "scheme": "CLABE", "number": "032180000118359719"}})
	for _, produce := range eventProducers {
		produce(t, env, w)
	}
	// `cadena token` mints through the app, which records the token it issues.
	if _, err := env.App.Access.MintToken(context.Background(), "ana@ops", w.Buyer.ID, auth.RoleBuyer); err != nil {
		t.Fatal(err)
	}
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	env.Do(apitest.Req{Method: "PUT", Path: "/v1/reference-rates/TIIE_FONDEO/2026-11-20", Token: op, Body: map[string]string{"rate": "7.12"}})
	env.Do(apitest.Req{Method: "PUT", Path: "/v1/reference-rates/TIIE_FONDEO/2026-11-20", Token: op, Body: map[string]string{"rate": "7.15"}})
	env.Do(apitest.Req{Method: "PUT", Path: "/v1/calendars/MX/overrides/2026-12-24", Token: op, Body: map[string]any{"name": "Nochebuena"}})
	env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/users", Token: op, Body: map[string]string{"email": "a@banco.mx", "password": "una clave larga"}})
	env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/api-clients", Token: op, Body: map[string]string{"name": "tesorería"}})
	env.Do(apitest.Req{Method: "DELETE", Path: "/v1/calendars/MX/overrides/2026-12-24", Token: op})
	rows, err := env.Pool.Query(context.Background(), "SELECT subject, payload::text FROM outbox ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var subj, payload string
		if err := rows.Scan(&subj, &payload); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		// Schemas are keyed by type: a lender's copy on cadena.lender.<id>.… has its event's type.
		var env struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(payload), &env); err != nil || !strings.HasSuffix(subj, strings.TrimPrefix(env.Type, "cadena.")) {
			t.Fatalf("event on %s has type %q: %v", subj, env.Type, err)
		}
		typ := env.Type
		s := schemas[typ]
		if s == nil {
			t.Fatalf("event %s on %s has no schema", typ, subj)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s payload breaks its contract: %v\n%s", subj, err, payload)
		}
		// The schemas are strict: an extra field in data must fail.
		tampered, _ := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(payload, `"data": {`, `"data": {"surprise": 1, `, 1)))
		if s.Validate(tampered) == nil {
			t.Errorf("%s schema accepted an unknown field", subj)
		}
		seen[typ] = true
	}
	for _, typ := range event.Types {
		if !seen[typ] {
			t.Errorf("no %s event was produced to check", typ)
		}
	}
}
