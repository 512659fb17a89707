package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
)

func init() {
	// One locked account, for the event contract test.
	eventProducers = append(eventProducers, func(t *testing.T, env *apitest.Env, _ apitest.World) {
		env.App.Throttle = auth.Throttle{Failures: 1}
		defer func() { env.App.Throttle = auth.Throttle{} }()
		if _, err := env.App.Access.Login(context.Background(), "nadie@ejemplo.mx", "una clave cualquiera", "192.0.2.1"); err == nil {
			t.Fatal("unknown account logged in")
		}
	})
}

// throttleEnv is an API whose clock the test moves, with a small policy:
// 3 failures an account, 5 an address, locks of 1, 2, 4… minutes up to 10.
func throttleEnv(t *testing.T) (*apitest.Env, *clock, string) {
	t.Helper()
	env := apitest.New(t)
	clk := &clock{}
	clk.Set(friday10)
	env.App.Now = clk.Now
	env.App.Throttle = auth.Throttle{Failures: 3, AddressFailures: 5, Window: 15 * time.Minute, Backoff: time.Minute, MaxBackoff: 10 * time.Minute}
	w := env.Seed()
	op := app.Actor{Subject: "test", PartyID: w.Operator.ID, Role: auth.RoleOperator}
	if _, err := env.App.Administration.CreateUser(context.Background(), op, w.Buyer.ID, "pagos@comprador.mx", "la clave correcta"); err != nil {
		t.Fatal(err)
	}
	return env, clk, env.Token(w.Operator.ID, auth.RoleOperator)
}

func login(env *apitest.Env, email, password, from string) *apitest.Resp {
	return env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password},
		Header: map[string]string{"X-Forwarded-For": from}})
}

// Repeated failures for one account lock it with a growing backoff, even
// for the right password; the lock is audited; after it the right password
// works again.
func TestLoginThrottledPerAccount(t *testing.T) {
	t.Parallel()
	env, clk, _ := throttleEnv(t)
	for i := range 3 {
		if r := login(env, "pagos@comprador.mx", "no es esta", "198.51.100.1"); r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// Locked for a minute, whatever the password and wherever it comes from.
	for _, pw := range []string{"la clave correcta", "no es esta"} {
		r := login(env, "PAGOS@comprador.mx", pw, "203.0.113.9")
		if r.Status != 429 || r.Problem(t).Code != "auth.throttled" || r.Header.Get("Retry-After") != "60" {
			t.Fatalf("locked account: %d %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	}
	clk.Advance(59 * time.Second)
	if r := login(env, "pagos@comprador.mx", "la clave correcta", "198.51.100.1"); r.Status != 429 || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("a second before the end: %d %q", r.Status, r.Header.Get("Retry-After"))
	}
	// The next failure after the lock locks for twice as long.
	clk.Advance(time.Second)
	if r := login(env, "pagos@comprador.mx", "otra vez no", "198.51.100.1"); r.Status != 401 {
		t.Fatalf("failure after the lock: %d", r.Status)
	}
	if r := login(env, "pagos@comprador.mx", "la clave correcta", "198.51.100.1"); r.Status != 429 || r.Header.Get("Retry-After") != "120" {
		t.Fatalf("second lock: %d %q", r.Status, r.Header.Get("Retry-After"))
	}
	// After the window of the lock, the right password works and clears the count.
	clk.Advance(2 * time.Minute)
	if r := login(env, "pagos@comprador.mx", "la clave correcta", "198.51.100.1"); r.Status != 200 {
		t.Fatalf("after the lock: %d %s", r.Status, r.Body)
	}
	if r := login(env, "pagos@comprador.mx", "una más", "198.51.100.1"); r.Status != 401 {
		t.Fatalf("a failure after success locks at once: %d", r.Status)
	}

	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.auth.login_throttled' AND payload->'data'->>'key' = 'account:pagos@comprador.mx'"); n != 2 {
		t.Fatalf("%d throttling events, want one per lock", n)
	}
	if _, err := env.App.Auditing.AuditPending(context.Background(), 1000); err != nil {
		t.Fatal(err)
	}
	if n := count(t, env, "SELECT count(*) FROM audit_log WHERE action = 'auth.login_throttled' AND after_state::jsonb->>'key' = 'account:pagos@comprador.mx'"); n != 2 {
		t.Fatalf("%d audit records of locks", n)
	}
}

// Failures from one address across many accounts lock the address, for
// logins and client tokens alike; other addresses are not affected.
func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	env, clk, _ := throttleEnv(t)
	for i := range 5 {
		if r := login(env, "nadie"+string(rune('a'+i))+"@ejemplo.mx", "adivinanza", "198.51.100.7"); r.Status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.Status)
		}
	}
	if r := login(env, "pagos@comprador.mx", "la clave correcta", "198.51.100.7"); r.Status != 429 || r.Header.Get("Retry-After") != "60" {
		t.Fatalf("locked address, login: %d %s", r.Status, r.Body)
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]string{"client_id": "cad_x", "client_secret": "y"},
		Header: map[string]string{"X-Forwarded-For": "198.51.100.7"}})
	if r.Status != 429 || r.Problem(t).Code != "auth.throttled" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("locked address, client token: %d %s", r.Status, r.Body)
	}
	if r := login(env, "pagos@comprador.mx", "la clave correcta", "198.51.100.8"); r.Status != 200 {
		t.Fatalf("another address: %d", r.Status)
	}
	clk.Advance(time.Minute)
	if r := login(env, "pagos@comprador.mx", "la clave correcta", "198.51.100.7"); r.Status != 200 {
		t.Fatalf("after the lock: %d", r.Status)
	}
}

// API client ids are throttled like emails at /v1/auth/token.
func TestClientTokenThrottled(t *testing.T) {
	t.Parallel()
	env, _, op := throttleEnv(t)
	var w struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	var me struct {
		Party struct {
			ID string `json:"id"`
		} `json:"party"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: op}).JSON(t, &me)
	env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + me.Party.ID + "/api-clients", Token: op, Body: map[string]string{"name": "erp"}}).JSON(t, &w)
	token := func(secret, from string) *apitest.Resp {
		return env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]string{"client_id": w.ClientID, "client_secret": secret},
			Header: map[string]string{"X-Forwarded-For": from}})
	}
	for i := range 3 {
		if r := token("wrong", "198.51.100."+string(rune('1'+i))); r.Status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.Status)
		}
	}
	if r := token(w.ClientSecret, "198.51.100.9"); r.Status != 429 || r.Header.Get("Retry-After") != "60" {
		t.Fatalf("locked client: %d %s", r.Status, r.Body)
	}
}
