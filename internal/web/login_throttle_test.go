package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cadena-finance/cadena/internal/app/demo"
)

// The portal's login is throttled like the API's, from the same counters,
// with the limits read from the environment.
func TestPortalLoginThrottled(t *testing.T) {
	t.Setenv("CADENA_LOGIN_MAX_FAILURES", "2")
	e := start(t)
	c := e.client()
	email := e.Demo.Suppliers[0].Email
	for range 2 {
		if r := c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {email}, "password": {"not-the-password"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.Status)
		}
	}
	r := c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {email}, "password": {demo.Password}})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "60" || !strings.Contains(r.Body, "Demasiados intentos fallidos") {
		t.Fatalf("locked account: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
}
